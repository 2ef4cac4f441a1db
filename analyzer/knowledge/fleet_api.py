"""The lifecycle of the Fleet API versions, and the legacy Kubernetes API group of Fleet placement.

The data lives in ``analyzer/knowledge/data/fleet_api_versions.json`` with its source and the date it
was gathered: which preview API versions are retired and when, and which fleets API version each range
of azurerm provider releases calls for its fleet resource.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources as importlib_resources

from fleetiac.analyzer.model import Release

LEGACY_PLACEMENT_GROUP = "fleet.azure.com"
"""The pre-GA API group of Fleet placement, renamed ``placement.kubernetes-fleet.io`` in 2023; its CRDs
were removed from KubeFleet on 2025-10-30 (kubefleet-dev/kubefleet#304), so current hubs do not serve it."""
LEGACY_PLACEMENT_VERSION = LEGACY_PLACEMENT_GROUP + "/v1alpha1"
LEGACY_PLACEMENT_KINDS = ("ClusterResourcePlacement", "MemberCluster", "InternalMemberCluster")


@dataclass(frozen=True, slots=True)
class ProviderRange:
    """Provider releases from ``low`` (inclusive) below ``high`` calling ``api_version``."""

    low: Release
    high: Release
    api_version: str


def _release(text: str) -> Release:
    major, minor, patch = (int(p) for p in text.split("."))
    return (major, minor, patch)


@cache
def _data() -> dict[str, object]:
    data = importlib_resources.files("fleetiac.analyzer.knowledge").joinpath("data/fleet_api_versions.json")
    text = data.read_text("utf-8")
    loaded: dict[str, object] = json.loads(text)
    return loaded


@cache
def retirements() -> dict[str, date]:
    """Retired API versions (lower case) with their retirement dates."""
    entries = _data()["retired"]
    assert isinstance(entries, list)
    return {e["api_version"].lower(): date.fromisoformat(e["retired"]) for e in entries}


def retired_on(api_version: str, as_of: date) -> date | None:
    """The retirement date of ``api_version`` when it is on or before ``as_of``; None otherwise."""
    retired = retirements().get(api_version.strip().lower())
    return retired if retired is not None and retired <= as_of else None


@cache
def azurerm_fleet_manager_ranges() -> tuple[ProviderRange, ...]:
    """The azurerm releases whose fleet resource calls a preview API version that was later retired."""
    entries = _data()["azurerm_fleet_manager"]
    assert isinstance(entries, list)
    return tuple(ProviderRange(_release(e["from"]), _release(e["below"]), e["api_version"]) for e in entries)


def shown(release: Release) -> str:
    return ".".join(str(p) for p in release)
