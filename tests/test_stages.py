"""The shared selection questions of analyzer/graph/stages.py: label selectors, the members a stage
selects, a run includes and a profile covers (policies.md "Terms")."""

from __future__ import annotations

from pathlib import Path

import pytest

from fleetiac.analyzer.engine import discover, load
from fleetiac.analyzer.graph import FleetGraph
from fleetiac.analyzer.graph.stages import (
    Requirement,
    fleet_members,
    members_profile_covers,
    members_run_includes,
    parse_selector,
    selector_matches,
)
from fleetiac.analyzer.model import Kind
from fleetiac.analyzer.values import Unknown


@pytest.mark.parametrize(("text", "expected"), [
    ("env=prod", (Requirement("env", "in", frozenset({"prod"})),)),
    ("env == prod", (Requirement("env", "in", frozenset({"prod"})),)),
    ("env!=prod", (Requirement("env", "notin", frozenset({"prod"})),)),
    ("env in (prod, staging)", (Requirement("env", "in", frozenset({"prod", "staging"})),)),
    ("tier notin (a),canary", (Requirement("tier", "notin", frozenset({"a"})), Requirement("canary", "exists"))),
    ("!canary", (Requirement("canary", "!exists"),)),
    ("fleet.azure.com/region=west", (Requirement("fleet.azure.com/region", "in", frozenset({"west"})),)),
    ("", ()),
])
def test_parse_selector(text: str, expected: tuple[Requirement, ...]) -> None:
    assert parse_selector(text) == expected


@pytest.mark.parametrize("text", ["env in prod", "env=(prod)", "env in ((a))", "=prod", "env=prod,", "a b"])
def test_parse_selector_rejects_malformed(text: str) -> None:
    assert parse_selector(text) is None


@pytest.mark.parametrize(("selector", "labels", "expected"), [
    ("env=prod", {"env": "prod"}, True),
    ("env=prod", {"env": "dev"}, False),
    ("env=prod", {}, False),
    ("env!=prod", {}, True),  # as in Kubernetes, a member without the key matches != and notin
    ("env notin (prod, dev)", {"env": "test"}, True),
    ("env in (prod, dev)", {"env": "test"}, False),
    ("canary", {"canary": ""}, True),
    ("!canary", {"canary": "true"}, False),
    ("env=prod,region=west", {"env": "prod", "region": "east"}, False),
    ("env=prod", Unknown("var.labels"), None),
    ("env=prod", {"env": Unknown("var.env")}, None),
    ("env=prod,region=west", {"env": Unknown("var.env"), "region": "east"}, False),
    ("region=west", {"env": Unknown("var.env"), "region": "west"}, True),
    (Unknown("var.selector"), {"env": "prod"}, None),
    ("env in prod", {"env": "prod"}, None),
])
def test_selector_matches(selector: object, labels: object, expected: bool | None) -> None:
    assert selector_matches(selector, labels) is expected


def _graph(tmp_path: Path, text: str) -> FleetGraph:
    (tmp_path / "main.bicep").write_text(text, encoding="utf-8")
    _root, files = discover([tmp_path])
    resources = [r for variant in load(files).variants for r in variant]
    return FleetGraph(resources)


FLEET = """
param unknownLabels object

resource fleet 'Microsoft.ContainerService/fleets@2026-06-01' = {
  name: 'fleet'
  location: 'westeurope'
}

resource west 'Microsoft.ContainerService/fleets/members@2026-06-01' = {
  parent: fleet
  name: 'aks-west'
  properties: {
    clusterResourceId: resourceId('rg-aks', 'Microsoft.ContainerService/managedClusters', 'aks-west')
    group: 'canary'
    labels: { env: 'prod' }
  }
}

resource east 'Microsoft.ContainerService/fleets/members@2026-06-01' = {
  parent: fleet
  name: 'aks-east'
  properties: {
    clusterResourceId: resourceId('rg-aks', 'Microsoft.ContainerService/managedClusters', 'aks-east')
    group: 'prod'
    labels: { env: 'prod', region: 'east' }
  }
}

resource dev 'Microsoft.ContainerService/fleets/members@2026-06-01' = {
  parent: fleet
  name: 'aks-dev'
  properties: {
    clusterResourceId: resourceId('rg-aks', 'Microsoft.ContainerService/managedClusters', 'aks-dev')
    labels: { env: 'dev' }
  }
}

resource strategy 'Microsoft.ContainerService/fleets/updateStrategies@2026-06-01' = {
  parent: fleet
  name: 'tiers'
  properties: {
    strategy: {
      stages: [
        { name: 'canary', groups: [ { name: 'canary' } ] }
        {
          name: 'production'
          memberSelector: { byLabel: 'env=prod' }
          groups: [ { name: 'prod' }, { name: 'eastern', memberSelector: { byLabel: 'region=east' } } ]
        }
      ]
    }
  }
}

resource byStrategy 'Microsoft.ContainerService/fleets/updateRuns@2026-06-01' = {
  parent: fleet
  name: 'by-strategy'
  properties: {
    updateStrategyId: strategy.id
    managedClusterUpdate: { upgrade: { type: 'NodeImageOnly' } }
  }
}

resource inline 'Microsoft.ContainerService/fleets/updateRuns@2026-06-01' = {
  parent: fleet
  name: 'inline'
  properties: {
    strategy: { stages: [ { name: 'dev', memberSelector: { byLabel: 'env=dev' } } ] }
    managedClusterUpdate: { upgrade: { type: 'NodeImageOnly' } }
  }
}

resource everyone 'Microsoft.ContainerService/fleets/updateRuns@2026-06-01' = {
  parent: fleet
  name: 'everyone'
  properties: {
    managedClusterUpdate: { upgrade: { type: 'NodeImageOnly' } }
  }
}

resource external 'Microsoft.ContainerService/fleets/autoUpgradeProfiles@2026-06-01' = {
  parent: fleet
  name: 'external'
  properties: {
    channel: 'Stable'
    updateStrategyId: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/${STRATEGY}'
  }
}

resource all 'Microsoft.ContainerService/fleets/autoUpgradeProfiles@2026-06-01' = {
  parent: fleet
  name: 'all'
  properties: {
    channel: 'Stable'
  }
}
"""


FLEET = FLEET.replace("${STRATEGY}", "Microsoft.ContainerService/fleets/fleet/updateStrategies/elsewhere")


def _names(members: tuple) -> list[str]:
    return sorted(m.name for m in members)


def test_members_a_run_includes(tmp_path: Path) -> None:
    graph = _graph(tmp_path, FLEET)
    runs = {r.name: r for r in graph.of_kind(Kind.UPDATE_RUN)}
    by_strategy = members_run_includes(graph, runs["by-strategy"])
    assert by_strategy.members.known
    assert _names(by_strategy.selected) == ["aks-east", "aks-west"]
    assert by_strategy.maybe == ()
    assert by_strategy.count == 2
    assert _names(members_run_includes(graph, runs["inline"]).selected) == ["aks-dev"]
    assert members_run_includes(graph, runs["everyone"]).everyone is True


def test_members_a_profile_covers(tmp_path: Path) -> None:
    graph = _graph(tmp_path, FLEET)
    profiles = {p.name: p for p in graph.of_kind(Kind.AUTO_UPGRADE_PROFILE)}
    covered = members_profile_covers(graph, profiles["external"])
    assert covered.selected == () and len(covered.maybe) == 3 and covered.count is None
    assert "not declared" in covered.reason
    assert _names(members_profile_covers(graph, profiles["all"]).selected) == ["aks-dev", "aks-east", "aks-west"]


def test_unknown_labels_make_every_selection_by_label_unknown(tmp_path: Path) -> None:
    graph = _graph(tmp_path, FLEET.replace("labels: { env: 'dev' }", "labels: unknownLabels"))
    run = next(r for r in graph.of_kind(Kind.UPDATE_RUN) if r.name == "inline")
    selection = members_run_includes(graph, run)
    assert _names(selection.maybe) == ["aks-dev"] and selection.selected == ()
    members = fleet_members(graph, graph.fleet_identity(run) or "")
    assert not members.known and [m.name for m in members.unsure] == ["aks-dev"]
    dev = next(m for m in graph.of_kind(Kind.MEMBER) if m.name == "aks-dev")
    assert selection.includes(dev) is None
