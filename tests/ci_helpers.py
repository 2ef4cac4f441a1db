"""Shared helpers for the CI feature tests (tests/test_ci_*.py): run the real CLI, write small trees."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from fleetiac.analyzer.cli import main

ROOT = Path(__file__).resolve().parents[1]
AS_OF = ["--as-of", "2026-11-23"]
CLUSTER = ("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-aks/providers/"
           "Microsoft.ContainerService/managedClusters/aks-west")
# Only the rules these tests are about, so rules other engineers add do not change exact lists.
ONLY = ["--select", "FIAC203,FIAC901,FIAC903"]


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def scan_json(*args: str) -> tuple[int, dict[str, Any]]:
    result = run("scan", *args, "--format", "json", *ONLY, *AS_OF)
    return result.exit_code, json.loads(result.stdout)


def member_tf(directive: str = "", inside: str = "", name: str = "west") -> str:
    """A fleet and one member without a group (FIAC203, warning) at the member block's first line."""
    head = f"{directive}\n" if directive else ""
    body = f"  {inside}\n" if inside else ""
    return (
        'resource "azurerm_kubernetes_fleet_manager" "fleet" {\n'
        '  name                = "fleet"\n'
        '  location            = "westeurope"\n'
        '  resource_group_name = "rg-fleet"\n'
        "}\n\n"
        f"{head}"
        f'resource "azurerm_kubernetes_fleet_member" "{name}" {{\n'
        f"{body}"
        f'  name                  = "aks-{name}"\n'
        "  kubernetes_fleet_id   = azurerm_kubernetes_fleet_manager.fleet.id\n"
        f'  kubernetes_cluster_id = "{CLUSTER.replace("aks-west", f"aks-{name}")}"\n'
        "}\n"
    )


def member_bicep(directive: str = "") -> str:
    head = f"{directive}\n" if directive else ""
    return (
        "resource fleet 'Microsoft.ContainerService/fleets@2025-03-01' = {\n"
        "  name: 'fleet'\n"
        "  location: 'westeurope'\n"
        "}\n\n"
        f"{head}"
        "resource west 'Microsoft.ContainerService/fleets/members@2025-03-01' = {\n"
        "  parent: fleet\n"
        "  name: 'aks-west'\n"
        "  properties: {\n"
        f"    clusterResourceId: '{CLUSTER}'\n"
        "  }\n"
        "}\n"
    )


def git_repo(path: Path) -> Path:
    """Make ``path`` a repository root as discovery sees it (a ``.git`` folder)."""
    (path / ".git").mkdir(parents=True, exist_ok=True)
    return path
