"""Bicep templates evaluated with several .bicepparam files: values of one environment never meet
another environment's values."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from fleetiac.analyzer.engine import ScanOptions, scan

FLEET = """param ring string

resource fleet 'Microsoft.ContainerService/fleets@2025-03-01' = {
  name: 'fleet'
  location: 'westeurope'
}

resource strategy 'Microsoft.ContainerService/fleets/updateStrategies@2025-03-01' = {
  parent: fleet
  name: 'rings'
  properties: {
    strategy: {
      stages: [
        {
          name: 'only'
          groups: [ { name: ring } ]
        }
      ]
    }
  }
}
"""

MEMBERS = """param group string

resource fleet 'Microsoft.ContainerService/fleets@2025-03-01' existing = {
  name: 'fleet'
}

resource member 'Microsoft.ContainerService/fleets/members@2025-03-01' = {
  parent: fleet
  name: 'aks-1'
  properties: {
    clusterResourceId: 'CLUSTER_ID'
    group: group
  }
}
"""


CLUSTER_ID = ("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/"
              "Microsoft.ContainerService/managedClusters/aks-1")


def tree(root: Path, prod_group: str) -> Path:
    (root / "fleet").mkdir()
    (root / "members").mkdir()
    (root / "fleet" / "fleet.bicep").write_text(FLEET, encoding="utf-8")
    (root / "fleet" / "dev.bicepparam").write_text("using './fleet.bicep'\nparam ring = 'dev-ring'\n")
    (root / "fleet" / "prod.bicepparam").write_text("using './fleet.bicep'\nparam ring = 'prod-ring'\n")
    (root / "members" / "members.bicep").write_text(MEMBERS.replace("CLUSTER_ID", CLUSTER_ID), encoding="utf-8")
    # The members template is deployed to prod only.
    (root / "members" / "prod.bicepparam").write_text(f"using './members.bicep'\nparam group = '{prod_group}'\n")
    return root


def findings(root: Path) -> list[tuple[str, str, int]]:
    report = scan([root], ScanOptions(select=("FIAC201",), as_of=date(2026, 11, 23), cache=False))
    return [(f.rule_id, f.location.path, f.location.line) for f in report.findings]


def test_a_prod_only_template_is_not_checked_against_dev_values(tmp_path: Path) -> None:
    assert findings(tree(tmp_path, "prod-ring")) == []


def test_a_typo_in_the_prod_values_is_reported_once(tmp_path: Path) -> None:
    assert findings(tree(tmp_path, "prod-rnig")) == [("FIAC201", "members/members.bicep", 12)]
