"""Event Grid system topics and their event subscriptions (FIAC209) read alike from azurerm, azapi and
Bicep, and member labels and selectors from azapi and Bicep bodies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fleetiac.analyzer.engine import discover, load
from fleetiac.analyzer.graph import FleetGraph
from fleetiac.analyzer.model import EventSubscriptionProps, EventSystemTopicProps, Kind, Stage

AZURERM = """
resource "azurerm_eventgrid_system_topic" "aks" {
  name                = "aks-resources"
  location            = "global"
  resource_group_name = "rg-fleet"
  source_resource_id  = "/subscriptions/00000000-0000-0000-0000-000000000000"
  topic_type          = "Microsoft.ResourceNotifications.AKSResources"
}

resource "azurerm_eventgrid_system_topic_event_subscription" "gates" {
  name                 = "gates"
  system_topic         = azurerm_eventgrid_system_topic.aks.name
  resource_group_name  = "rg-fleet"
  included_event_types = ["Microsoft.ResourceNotifications.AKSResources.FleetGateCreated"]
}
"""

AZAPI = """
resource "azapi_resource" "aks" {
  type      = "Microsoft.EventGrid/systemTopics@2025-02-15"
  name      = "aks-resources"
  location  = "global"
  parent_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-fleet"
  body = {
    properties = {
      source    = "/subscriptions/00000000-0000-0000-0000-000000000000"
      topicType = "Microsoft.ResourceNotifications.AKSResources"
    }
  }
}

resource "azapi_resource" "gates" {
  type      = "Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15"
  name      = "gates"
  parent_id = azapi_resource.aks.id
  body = {
    properties = {
      filter = { includedEventTypes = ["Microsoft.ResourceNotifications.AKSResources.FleetGateCreated"] }
    }
  }
}
"""

BICEP = """
resource aks 'Microsoft.EventGrid/systemTopics@2025-02-15' = {
  name: 'aks-resources'
  location: 'global'
  properties: {
    source: '/subscriptions/00000000-0000-0000-0000-000000000000'
    topicType: 'Microsoft.ResourceNotifications.AKSResources'
  }
}

resource gates 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = {
  parent: aks
  name: 'gates'
  properties: {
    filter: { includedEventTypes: [ 'Microsoft.ResourceNotifications.AKSResources.FleetGateCreated' ] }
  }
}
"""


def _graph(tmp_path: Path, file: str, text: str) -> FleetGraph:
    (tmp_path / file).write_text(text, encoding="utf-8")
    _root, files = discover([tmp_path])
    return FleetGraph(r for variant in load(files).variants for r in variant)


@pytest.mark.parametrize(("file", "text"), [("main.tf", AZURERM), ("main.tf", AZAPI), ("main.bicep", BICEP)],
                         ids=["azurerm", "azapi", "bicep"])
def test_event_grid_resources(tmp_path: Path, file: str, text: str) -> None:
    graph = _graph(tmp_path, file, text)
    [topic] = graph.of_kind(Kind.EVENT_SYSTEM_TOPIC)
    [subscription] = graph.of_kind(Kind.EVENT_SUBSCRIPTION)
    assert isinstance(topic.props, EventSystemTopicProps) and isinstance(subscription.props, EventSubscriptionProps)
    assert topic.name == "aks-resources"
    assert topic.props.topic_type == "Microsoft.ResourceNotifications.AKSResources"
    assert topic.props.source == "/subscriptions/00000000-0000-0000-0000-000000000000"
    assert subscription.props.included_event_types == ["Microsoft.ResourceNotifications.AKSResources.FleetGateCreated"]
    topic_ref: Any = subscription.props.topic
    # azurerm names the topic (in the subscription's resource group); ARM bodies have it as the parent.
    resolved = graph.resolve(topic_ref)
    assert (resolved.key if resolved is not None else topic_ref) == (topic.key if resolved is not None
                                                                     else "aks-resources")


SELECTORS_AZAPI = """
resource "azapi_resource" "rings" {
  type      = "Microsoft.ContainerService/fleets/updateStrategies@2026-06-01"
  name      = "rings"
  parent_id = "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.ContainerService/fleets/f"
  body = {
    properties = {
      strategy = {
        stages = [
          {
            name           = "prod"
            memberSelector = { byLabel = "env=prod" }
            groups         = [{ name = "west", memberSelector = { byLabel = "region in (west)" } }]
          }
        ]
      }
    }
  }
}
"""

SELECTORS_BICEP = """
resource rings 'Microsoft.ContainerService/fleets/updateStrategies@2026-06-01' = {
  name: 'f/rings'
  properties: {
    strategy: {
      stages: [
        {
          name: 'prod'
          memberSelector: { byLabel: 'env=prod' }
          groups: [ { name: 'west', memberSelector: { byLabel: 'region in (west)' } } ]
        }
      ]
    }
  }
}
"""


@pytest.mark.parametrize(("file", "text", "line"),
                         [("main.tf", SELECTORS_AZAPI, 12), ("main.bicep", SELECTORS_BICEP, 9)], ids=["azapi", "bicep"])
def test_member_selectors_are_read(tmp_path: Path, file: str, text: str, line: int) -> None:
    graph = _graph(tmp_path, file, text)
    [strategy] = graph.of_kind(Kind.UPDATE_STRATEGY)
    stages = strategy.props.stages
    assert isinstance(stages, tuple) and isinstance(stages[0], Stage)
    assert stages[0].member_selector == "env=prod"
    groups = stages[0].groups
    assert isinstance(groups, tuple) and groups[0].member_selector == "region in (west)"  # type: ignore[union-attr]
    assert strategy.where("stages[0].member_selector").line == line
