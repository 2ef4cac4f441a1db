"""`fleetiac rollout`, `access` and `graph` (issue 16): the views are computed from the graph `scan`
builds, with the rules' own questions, and agree with the scan's findings; every renderer escapes
what comes from the scanned code."""

from __future__ import annotations

import json
import os
from pathlib import Path

from click.testing import CliRunner

from fleetiac.analyzer.cli import main
from fleetiac.analyzer.engine import ScanOptions, load_graphs, scan
from fleetiac.analyzer.reporters._escape import dot_text, html_text, mermaid_gantt_text, mermaid_text
from fleetiac.analyzer.reporters.views import render
from fleetiac.analyzer.views import access, rollout

ROOT = Path(__file__).resolve().parents[1]
AS_OF = "2026-09-01"
HOSTILE = 'x`|<b>"]\\n##vso[task.setvariable]'
"""A group name as the scanned code writes it (``\\n`` is a line break once evaluated)."""

ROLLOUT = """\
resource fleet 'Microsoft.ContainerService/fleets@2026-06-01' = {
  name: 'fleet'
  location: 'westeurope'
}

resource canaryCluster 'Microsoft.ContainerService/managedClusters@2025-01-01' = {
  name: 'aks-canary'
  location: 'westeurope'
  properties: { kubernetesVersion: '1.35.1' }
}

resource webCluster 'Microsoft.ContainerService/managedClusters@2025-01-01' = {
  name: 'aks-web'
  location: 'westeurope'
  properties: { kubernetesVersion: '1.34' }
}

resource doneCluster 'Microsoft.ContainerService/managedClusters@2025-01-01' = {
  name: 'aks-done'
  location: 'westeurope'
  properties: { kubernetesVersion: '1.36' }
}

resource canary 'Microsoft.ContainerService/fleets/members@2026-06-01' = {
  parent: fleet
  name: 'canary'
  properties: { clusterResourceId: canaryCluster.id, group: 'canary' }
}

resource web 'Microsoft.ContainerService/fleets/members@2026-06-01' = {
  parent: fleet
  name: 'web'
  properties: { clusterResourceId: webCluster.id, group: 'none', labels: { tier: 'web' } }
}

resource done 'Microsoft.ContainerService/fleets/members@2026-06-01' = {
  parent: fleet
  name: 'done'
  properties: { clusterResourceId: doneCluster.id, group: 'prod' }
}

resource upper 'Microsoft.ContainerService/fleets/members@2026-06-01' = {
  parent: fleet
  name: 'upper'
  properties: {
    clusterResourceId: resourceId('rg', 'Microsoft.ContainerService/managedClusters', 'aks-upper')
    group: 'Prod'
  }
}

resource edge 'Microsoft.ContainerService/fleets/members@2026-06-01' = {
  parent: fleet
  name: 'edge'
  properties: {
    clusterResourceId: resourceId('rg', 'Microsoft.Kubernetes/connectedClusters', 'arc-edge')
    group: 'prod'
  }
}

resource evil 'Microsoft.ContainerService/fleets/members@2026-06-01' = {
  parent: fleet
  name: 'evil'
  properties: {
    clusterResourceId: resourceId('rg', 'Microsoft.ContainerService/managedClusters', 'aks-evil')
    group: 'HOSTILE'
  }
}

resource rollout 'Microsoft.ContainerService/fleets/updateStrategies@2026-06-01' = {
  parent: fleet
  name: 'rollout'
  properties: {
    strategy: {
      stages: [
        {
          name: 'canary'
          afterStageWaitInSeconds: 3600
          groups: [ { name: 'canary', maxConcurrency: '2' } ]
        }
        {
          name: 'prod'
          beforeGates: [ { type: 'Approval', displayName: 'go-live' } ]
          groups: [
            { name: 'prod', maxConcurrency: '50%' }
            { name: 'labelled', memberSelector: { byLabel: 'tier=web' } }
          ]
        }
      ]
    }
  }
}

resource upgrade 'Microsoft.ContainerService/fleets/updateRuns@2026-06-01' = {
  parent: fleet
  name: 'upgrade'
  properties: {
    updateStrategyId: rollout.id
    managedClusterUpdate: { upgrade: { type: 'Full', kubernetesVersion: '1.36' } }
  }
}

resource oneByOne 'Microsoft.ContainerService/fleets/updateRuns@2026-06-01' = {
  parent: fleet
  name: 'one-by-one'
  properties: {
    managedClusterUpdate: { upgrade: { type: 'NodeImageOnly' } }
  }
}
""".replace("HOSTILE", HOSTILE)

WAITS = """\
resource "azurerm_kubernetes_fleet_manager" "fleet" {
  name                = "fleet"
  location            = "westeurope"
  resource_group_name = "rg"
}

resource "azurerm_kubernetes_fleet_member" "a" {
  name                  = "a"
  kubernetes_fleet_id   = azurerm_kubernetes_fleet_manager.fleet.id
  kubernetes_cluster_id = "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/a"
  group                 = "one"
}

resource "azurerm_kubernetes_fleet_update_strategy" "soak" {
  name                        = "soak"
  kubernetes_fleet_manager_id = azurerm_kubernetes_fleet_manager.fleet.id
  stage {
    name = "first"
    group {
      name = "one"
    }
    after_stage_wait_in_seconds = 5400
  }
  stage {
    name = "second"
    group {
      name = "two"
    }
    after_stage_wait_in_seconds = var.wait
  }
  stage {
    name = "third"
    group {
      name = "three"
    }
  }
}

variable "wait" {
  type = number
}
"""


ACCESS = r"""
variable "ops" {
  type = string
}

resource "azurerm_resource_group" "fleet" {
  name     = "rg-fleet"
  location = "westeurope"
}

resource "azurerm_resource_group" "aks" {
  name     = "rg-aks"
  location = "westeurope"
}

resource "azurerm_kubernetes_fleet_manager" "fleet" {
  name                = "fleet"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.fleet.name
}

resource "azurerm_kubernetes_cluster" "aks" {
  name                = "aks"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.aks.name
  dns_prefix          = "aks"
  default_node_pool {
    name       = "system"
    vm_size    = "Standard_D4s_v5"
    node_count = 3
  }
  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_kubernetes_fleet_member" "aks" {
  name                  = "aks"
  kubernetes_fleet_id   = azurerm_kubernetes_fleet_manager.fleet.id
  kubernetes_cluster_id = azurerm_kubernetes_cluster.aks.id
  group                 = "prod"
}

resource "azurerm_kubernetes_fleet_member" "edge" {
  name                  = "edge"
  kubernetes_fleet_id   = azurerm_kubernetes_fleet_manager.fleet.id
  kubernetes_cluster_id = local.arc
}

resource "azurerm_role_assignment" "ops_fleet" {
  scope                = azurerm_resource_group.fleet.id
  role_definition_name = "Azure Kubernetes Fleet Manager Contributor Role"
  principal_id         = var.ops
}

resource "azurerm_role_assignment" "ops_aks" {
  scope                = azurerm_resource_group.aks.id
  role_definition_name = "Azure Kubernetes Service Cluster User Role"
  principal_id         = var.ops
}

locals {
  sub      = "/subscriptions/00000000-0000-0000-0000-000000000000"
  arc      = "${local.sub}/resourceGroups/rg-arc/providers/Microsoft.Kubernetes/connectedClusters/${local.arc_name}"
  arc_name = "edge`|<b>\n##vso[x]"
}
"""
OPS = "5b0e7c2a-3f4d-4e8b-9a1c-2d3e4f5a6b7c"
EXPORT = [{"principalId": OPS, "principalName": "ops", "principalType": "ServicePrincipal",
           "roleDefinitionId": "/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/"
                               "roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c",
           "roleDefinitionName": "Contributor", "type": "Microsoft.Authorization/roleAssignments",
           "scope": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-aks"}]


def _tree(tmp_path: Path, name: str, text: str) -> Path:
    folder = tmp_path / "tree"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, [*args, "--no-cache"])
    return result.exit_code, result.output


ROLLOUT_TEXT = """\
fleet fleet
  update strategy rollout (rollout, main.bicep:69)
    mode: stages; minimum wall time: unknown (a gate waits for an approval or a scheduled start)
    stage 1 canary (max concurrency 50 (default); wait after: 3600 s)
      group canary (by name; max concurrency 2: batches of 2, 1 batch)
        - canary  canaryCluster
    stage 2 prod (max concurrency 50 (default); wait after: 0 s; before gates: Approval go-live)
      group prod (by name; max concurrency 50%: batches of 1, 1 batch)
        - done  doneCluster
      group labelled (selector tier=web; max concurrency 1 (default): batches of 1, 1 batch)
        - web  webCluster
    skipped:
      - edge  resourceId('Microsoft.Kubernetes/connectedClusters', 'arc-edge'): Arc member: update runs never \
update Arc-enabled clusters [FIAC502]
      - evil  resourceId('Microsoft.ContainerService/managedClusters', 'aks-evil'): group `x`|<b>"]\\n#\\#vso\
[task.setvariable]` is in no stage, and no member selector of the stages selects it [FIAC201]
      - upper  resourceId('Microsoft.ContainerService/managedClusters', 'aks-upper'): group `Prod` differs from \
stage group `prod` only by letter case [FIAC202]
  update run one-by-one (oneByOne, main.bicep:102)
    target: NodeImageOnly
    mode: one by one; minimum wall time: 0 s
    every member, one by one:
      - canary  canaryCluster
      - done  doneCluster
      - evil  resourceId('Microsoft.ContainerService/managedClusters', 'aks-evil')
      - upper  resourceId('Microsoft.ContainerService/managedClusters', 'aks-upper')
      - web  webCluster
    skipped:
      - edge  resourceId('Microsoft.Kubernetes/connectedClusters', 'arc-edge'): Arc member: update runs never \
update Arc-enabled clusters [FIAC502]
  update run upgrade (upgrade, main.bicep:93)
    strategy: rollout
    target: Full 1.36
    mode: stages; minimum wall time: unknown (a gate waits for an approval or a scheduled start)
    stage 1 canary (max concurrency 50 (default); wait after: 3600 s)
      group canary (by name; max concurrency 2: batches of 2, 1 batch)
        - canary  canaryCluster  1.35.1 -> 1.36 (minor step +1)
    stage 2 prod (max concurrency 50 (default); wait after: 0 s; before gates: Approval go-live)
      group prod (by name; max concurrency 50%: batches of 1, 0 batches)
        (no member)
      group labelled (selector tier=web; max concurrency 1 (default): batches of 1, 1 batch)
        - web  webCluster  1.34 -> 1.36 (minor step +2) [FIAC403]
    skipped:
      - done  doneCluster: already at the target version 1.36 [FIAC402]
      - edge  resourceId('Microsoft.Kubernetes/connectedClusters', 'arc-edge'): Arc member: update runs never \
update Arc-enabled clusters [FIAC502]
      - evil  resourceId('Microsoft.ContainerService/managedClusters', 'aks-evil'): group `x`|<b>"]\\n#\\#vso\
[task.setvariable]` is in no stage, and no member selector of the stages selects it [FIAC201]
      - upper  resourceId('Microsoft.ContainerService/managedClusters', 'aks-upper'): group `Prod` differs from \
stage group `prod` only by letter case [FIAC202]
"""


def test_rollout_text(tmp_path: Path) -> None:
    code, output = _run("rollout", str(_tree(tmp_path, "main.bicep", ROLLOUT)), "--as-of", AS_OF)
    assert code == 0
    assert output == ROLLOUT_TEXT


def test_rollout_waits_sum_and_unknown_wait(tmp_path: Path) -> None:
    folder = _tree(tmp_path, "main.tf", WAITS)
    code, output = _run("rollout", str(folder), "--var", "wait=600")
    assert code == 0
    assert "minimum wall time: 6000 s (1h 40min) (waits only; update time not counted)" in output
    assert "      group two (by name; max concurrency 1 (default): batches of 1, 0 batches)\n        (no member)\n" \
        in output
    code, output = _run("rollout", str(folder))
    assert code == 0
    assert "mode: stages; minimum wall time: unknown\n" in output
    assert "stage 2 second (max concurrency 50 (default); wait after: unknown)" in output


def test_rollout_json_parses_back(tmp_path: Path) -> None:
    code, output = _run("rollout", str(_tree(tmp_path, "main.bicep", ROLLOUT)), "--as-of", AS_OF, "-f", "json")
    assert code == 0
    data = json.loads(output)
    assert data["schema"] == "fleetiac.rollout/1"
    assert [(p["kind"], p["name"], p["mode"]) for p in data["plans"]] == [
        ("update strategy", "rollout", "stages"), ("update run", "one-by-one", "one by one"),
        ("update run", "upgrade", "stages")]
    run = data["plans"][2]
    assert run["target"] == "Full 1.36"
    web = run["stages"][1]["groups"][1]["members"][0]
    assert web == {"name": "web", "address": "web", "cluster": "webCluster", "current": "1.34", "target": "1.36",
                   "step": "+2", "findings": ["FIAC403"]}
    evil = next(s for s in run["skipped"] if s["name"] == "evil")
    assert HOSTILE.replace("\\n", "\n") in evil["reason"]  # parsed back, the text is as the code wrote it
    assert "##vso[" not in output and "<b>" in evil["reason"]


def test_rollout_markdown_and_mermaid_escape_scanned_text(tmp_path: Path) -> None:
    folder = str(_tree(tmp_path, "main.bicep", ROLLOUT))
    code, markdown = _run("rollout", folder, "--as-of", AS_OF, "-f", "markdown")
    assert code == 0
    row = [line for line in markdown.splitlines() if line.startswith("| `evil` |")]
    assert row == 2 * ["| `evil` | `resourceId('Microsoft.ContainerService/managedClusters', 'aks-evil')` | group "
                   "\\`x\\`\\|&lt;b&gt;\"\\]<br>##vso\\[task.setvariable\\]\\` is in no stage, and no member selector "
                   "of the stages selects it | FIAC201 |"]
    assert "| 2 | `prod` (gates before: Approval go-live) | 0 s | `prod` | by name | 1 \u00d7 1 | `done` " \
           "(`doneCluster`) |" in markdown
    code, mermaid = _run("rollout", folder, "--as-of", AS_OF, "-f", "mermaid")
    assert code == 0
    assert mermaid.count("```mermaid\ngantt\n") == 2 and mermaid.count("```mermaid\nflowchart LR\n") == 3
    assert '    p1x2["skipped evil: group #96;x#96;#124;#60;b#62;#34;]#92;n#35;#35;vso[task.setvariable]#96; ' \
           'is in no stage, and no member selector of the stages selects it"]' in mermaid
    assert "    wait 3600 s :p1w1, 0, 3600s\n    section prod\n    gate before Approval go-live :milestone, p1b2, " \
           "3600, 0s\n" in mermaid
    for line in mermaid.splitlines():  # every scanned text stays inside its quotes
        if '["' in line:
            assert line.count('"') == 2, line


def test_rollout_agrees_with_scan(tmp_path: Path) -> None:
    """Each member the view skips with a finding, and each member it flags, has that finding in `scan`."""
    folder = _tree(tmp_path, "main.bicep", ROLLOUT)
    options = ScanOptions(cache=False, workers=1, as_of=__import__("datetime").date.fromisoformat(AS_OF))
    report = scan([folder], options)
    found = {(f.rule_id, f.resource) for f in report.findings} | \
        {(f.rule_id, r) for f in report.findings for r in f.related}
    view = rollout(load_graphs([folder], options), options)
    expected = []
    for plan in view.plans:
        for skip in plan.skipped:
            assert skip.findings, skip  # every skip in this tree is one a rule reports
            expected += [(rule, skip.address) for rule in skip.findings]
        for stage in plan.stages:
            for group in stage.groups:
                expected += [(rule, m.address) for m in group.members for rule in m.findings]
    assert ("FIAC403", "web") in expected and ("FIAC402", "done") in expected
    assert [e for e in expected if e not in found] == []


def test_rollout_is_deterministic(tmp_path: Path) -> None:
    folder = _tree(tmp_path, "main.bicep", ROLLOUT)
    options = ScanOptions(cache=False, workers=1)
    first = render(rollout(load_graphs([folder], options), options), "json")
    assert render(rollout(load_graphs([folder], options), options), "json") == first


def test_views_write_to_a_file_and_refuse_a_missing_path(tmp_path: Path) -> None:
    target = tmp_path / "rollout.json"
    code, output = _run("rollout", str(_tree(tmp_path, "main.bicep", ROLLOUT)), "-f", "json", "-o", str(target))
    assert (code, output) == (0, "")
    assert json.loads(target.read_text(encoding="utf-8"))["schema"] == "fleetiac.rollout/1"
    for command in ("rollout", "access", "graph"):
        code, output = _run(command, str(tmp_path / "missing"))
        assert code == 2 and "missing" in output, output


def test_rollout_with_nothing_and_bad_format(tmp_path: Path) -> None:
    folder = _tree(tmp_path, "main.tf", 'resource "azurerm_resource_group" "rg" {\n  name = "rg"\n}\n')
    assert _run("rollout", str(folder)) == (0, "no update strategy, update run or auto-upgrade profile found\n")
    code, output = _run("rollout", str(folder), "-f", "dot")
    assert code == 2 and "'dot' is not one of" in output


PROFILES = """\
param stages array

resource fleet 'Microsoft.ContainerService/fleets@2026-06-01' = {
  name: 'fleet'
  location: 'westeurope'
}

resource a 'Microsoft.ContainerService/fleets/members@2026-06-01' = {
  parent: fleet
  name: 'a'
  properties: { clusterResourceId: resourceId('rg', 'Microsoft.ContainerService/managedClusters', 'a'), group: 'one' }
}

resource dynamic 'Microsoft.ContainerService/fleets/updateStrategies@2026-06-01' = {
  parent: fleet
  name: 'dynamic'
  properties: { strategy: { stages: stages } }
}

resource nightly 'Microsoft.ContainerService/fleets/autoUpgradeProfiles@2026-06-01' = {
  parent: fleet
  name: 'nightly'
  properties: { channel: 'Stable', updateStrategyId: dynamic.id }
}

resource everyone 'Microsoft.ContainerService/fleets/autoUpgradeProfiles@2026-06-01' = {
  parent: fleet
  name: 'everyone'
  properties: { channel: 'TargetKubernetesVersion', targetKubernetesVersion: '1.35', disabled: true }
}
"""


def test_profiles_and_unknown_stages(tmp_path: Path) -> None:
    code, output = _run("rollout", str(_tree(tmp_path, "main.bicep", PROFILES)))
    assert code == 0
    assert output == """\
fleet fleet
  update strategy dynamic (dynamic, main.bicep:14)
    mode: unknown; minimum wall time: unknown
    unknown: stages stages cannot be resolved
  auto-upgrade profile everyone (everyone, main.bicep:26)
    target: TargetKubernetesVersion 1.35 (disabled)
    mode: one by one; minimum wall time: 0 s
    every member, one by one:
      - a  resourceId('Microsoft.ContainerService/managedClusters', 'a')
  auto-upgrade profile nightly (nightly, main.bicep:20)
    strategy: dynamic
    target: Stable
    mode: unknown; minimum wall time: unknown
    unknown: stages stages cannot be resolved
"""


def test_view_html_pages_escape_scanned_text(tmp_path: Path) -> None:
    folder = str(_tree(tmp_path, "main.bicep", ROLLOUT))
    for command in ("rollout", "access", "graph"):
        code, page = _run(command, folder, "-f", "html")
        assert code == 0
        assert page.startswith("<!DOCTYPE html>") and "x`|<b>" not in page and "##vso[" not in page
    code, page = _run("rollout", folder, "-f", "html")
    assert page.count("x`|&lt;b&gt;&quot;]\\n&#35;#vso[task.setvariable]") == 2  # strategy and run


STALE = """\
resource "azurerm_kubernetes_fleet_manager" "fleet" {
  name                = "fleet"
  location            = "westeurope"
  resource_group_name = "rg"
}

resource "azurerm_kubernetes_cluster" "old" {
  name                = "old"
  location            = "westeurope"
  resource_group_name = "rg"
  dns_prefix          = "old"
  kubernetes_version  = "1.27.3"
  default_node_pool {
    name       = "system"
    vm_size    = "Standard_D4s_v5"
    node_count = 1
  }
  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_kubernetes_fleet_member" "old" {
  name                  = "old"
  kubernetes_fleet_id   = azurerm_kubernetes_fleet_manager.fleet.id
  kubernetes_cluster_id = azurerm_kubernetes_cluster.old.id
}

resource "azurerm_kubernetes_fleet_update_run" "stale" {
  name                        = "stale"
  kubernetes_fleet_manager_id = azurerm_kubernetes_fleet_manager.fleet.id
  managed_cluster_update {
    upgrade {
      type               = "Full"
      kubernetes_version = "1.28"
    }
  }
}
"""


def test_a_run_to_an_unsupported_minor_is_flagged(tmp_path: Path) -> None:
    code, output = _run("rollout", str(_tree(tmp_path, "main.tf", STALE)), "--as-of", AS_OF)
    assert code == 0
    assert output == """\
fleet azurerm_kubernetes_fleet_manager.fleet
  update run stale (azurerm_kubernetes_fleet_update_run.stale, main.tf:29)
    target: Full 1.28 [FIAC414]
    mode: one by one; minimum wall time: 0 s
    every member, one by one:
      - old  azurerm_kubernetes_cluster.old  1.27.3 -> 1.28 (minor step +1)
"""


FILTERED = """\
resource fleet 'Microsoft.ContainerService/fleets@2026-06-01' = {
  name: 'fleet'
  location: 'westeurope'
}

resource a 'Microsoft.ContainerService/fleets/members@2026-06-01' = {
  parent: fleet
  name: 'a'
  properties: {
    clusterResourceId: resourceId('rg', 'Microsoft.ContainerService/managedClusters', 'a')
    group: 'one'
    labels: { env: 'dev' }
  }
}

resource filtered 'Microsoft.ContainerService/fleets/updateStrategies@2026-06-01' = {
  parent: fleet
  name: 'filtered'
  properties: {
    strategy: {
      stages: [ { name: 'prod-only', memberSelector: { byLabel: 'env=prod' }, groups: [ { name: 'one' } ] } ]
    }
  }
}
"""


def test_a_stage_selector_that_filters_out_a_member_of_its_group(tmp_path: Path) -> None:
    code, output = _run("rollout", str(_tree(tmp_path, "main.bicep", FILTERED)))
    assert code == 0
    assert output.endswith("""\
    skipped:
      - a  resourceId('Microsoft.ContainerService/managedClusters', 'a'): group `one` is a stage group, but the \
member selector of its stage does not select it
""")


# -- escaping ----------------------------------------------------------------------------------------


def test_view_escapes_with_a_hostile_name() -> None:
    name = 'a"b]`<i>\n%%{init}#;\x1b[31m'
    assert mermaid_text(name) == "a#34;b]#96;#60;i#62;#92;n#37;#37;#123;init#125;#35;#59;#92;x1b[31m"
    assert mermaid_gantt_text("x:y#z;\n") == "x_y_z__n"
    assert mermaid_gantt_text(":#") == "__"
    assert dot_text(name) == 'a\\"b]`<i>\\\\n%%{init}#;\\\\x1b[31m'
    assert dot_text("##vso[x] & ##[y]") == "&#35;#vso[x] &amp; &#35;#[y]"
    assert html_text(name) == "a&quot;b]`&lt;i&gt;\\n%%{init}#;\\x1b[31m"
    assert html_text("##vso[x] & ##[y]") == "&#35;#vso[x] &amp; &#35;#[y]"


# -- access ------------------------------------------------------------------------------------------

PLATFORM_ACCESS = """\
fleet azurerm_kubernetes_fleet_manager.fleet
  operator data.azurerm_client_config.current.object_id (via azurerm_role_assignment.pipeline_fleet)
    fleet azurerm_kubernetes_fleet_manager.fleet
      \u2713 fleets/read           FLEET
      \u2713 fleets/write          FLEET
      \u2713 fleets/members/read   FLEET
      \u2713 fleets/members/write  FLEET
""".replace("FLEET", "Azure Kubernetes Fleet Manager Contributor Role at azurerm_resource_group.fleet "
                     "(azurerm_role_assignment.pipeline_fleet, examples/platform/fleet/rbac.tf:2)")
PLATFORM_CLUSTER = """\
    aks cluster azurerm_kubernetes_cluster.member["KEY"] (member azurerm_kubernetes_fleet_member.this["KEY"])
      \u2713 managedClusters/read                              Azure Kubernetes Service Cluster Admin Role at \
azurerm_resource_group.aks (azurerm_role_assignment.pipeline_aks, examples/platform/fleet/rbac.tf:10)
      \u2717 managedClusters/write
      \u2717 managedClusters/listClusterUserCredential/action
      \u2717 fleetMemberships/read
      \u2717 fleetMemberships/write
"""


def test_access_text_of_the_platform_example() -> None:
    code, output = _run("access", str(ROOT / "examples" / "platform"))
    assert code == 0
    assert output == PLATFORM_ACCESS + "".join(PLATFORM_CLUSTER.replace("KEY", key)
                                               for key in ("aks-neu-1", "aks-weu-1", "aks-weu-2"))


def test_access_with_an_export_and_an_arc_member(tmp_path: Path) -> None:
    folder = _tree(tmp_path, "main.tf", ACCESS)
    export = tmp_path / "export.json"
    export.write_text(json.dumps(EXPORT), encoding="utf-8")
    code, output = _run("access", str(folder), "--operator", f"var.ops={OPS}", "--assignments", str(export),
                        "-f", "json")
    assert code == 0
    data = json.loads(output)
    assert data["schema"] == "fleetiac.access/1"
    [fleet] = data["fleets"]
    [operator] = fleet["operators"]
    assert operator["operator"] == "var.ops"
    fleet_row, aks, arc = operator["rows"]
    assert (fleet_row["kind"], aks["kind"], arc["kind"]) == ("fleet", "aks", "arc")
    cells = {c["action"]: (c["state"], c["detail"]) for c in aks["cells"]}
    assert cells == {
        "managedClusters/read": ("yes", "Azure Kubernetes Service Cluster User Role at azurerm_resource_group.aks "
                                        "(azurerm_role_assignment.ops_aks, main.tf:56)"),
        # the code's subscription is unknown, so an exported resource group scope may contain the cluster
        "managedClusters/write": ("unknown", "a grant may cover it: Contributor at /subscriptions/"
                                             "00000000-0000-0000-0000-000000000000/resourceGroups/rg-aks "
                                             "(exported, export.json)"),
        "managedClusters/listClusterUserCredential/action": (
            "yes", "Azure Kubernetes Service Cluster User Role at azurerm_resource_group.aks "
                   "(azurerm_role_assignment.ops_aks, main.tf:56)"),
        "fleetMemberships/read": ("unknown", cells["managedClusters/write"][1]),
        "fleetMemberships/write": ("unknown", cells["managedClusters/write"][1]),
    }
    assert [c["action"] for c in arc["cells"]] == ["connectedClusters/read", "extensions/read", "extensions/write",
                                                  "extensions/delete", "fleetMemberships/read",
                                                  "fleetMemberships/write"]
    assert {c["state"] for c in arc["cells"]} == {"no"}
    assert arc["resource"].endswith("connectedClusters/edge`|<b>\n##vso[x]")
    assert "##vso[" not in output


def test_access_markdown_escapes_the_cluster_id(tmp_path: Path) -> None:
    code, output = _run("access", str(_tree(tmp_path, "main.tf", ACCESS)), "-f", "markdown")
    assert code == 0
    [row] = [line for line in output.splitlines() if line.startswith("| arc ")]
    assert row == ("| arc <code>/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-arc/providers/"
                   "Microsoft.Kubernetes/connectedClusters/edge\\`\\|&lt;b&gt;<br>##vso\\[x\\]</code> | "
                   + " | ".join(["\u2013"] * 7 + ["\u2717"] * 6) + " |")


def test_an_operator_without_grants_or_export_is_unknown(tmp_path: Path) -> None:
    code, output = _run("access", str(_tree(tmp_path, "main.tf", ACCESS)), "--operator", "deployer")
    assert code == 0
    assert ("  operator deployer (named as an operator by --operator or the configuration)\n"
            "    fleet azurerm_kubernetes_fleet_manager.fleet\n"
            "      ? fleets/read           named as an operator, but the code grants it no role on the fleet or "
            "its member clusters and no --assignments export is given for it\n") in output
    assert "\u2717" not in output.split("operator deployer")[1].split("operator var.ops")[0]


def _disagreements(folder: Path, options: ScanOptions) -> tuple[int, list[object]]:
    """How many \u2717 the access view shows, and those without their FIAC101-FIAC103 finding (on that
    fleet or member, naming the operator and the action)."""
    report = scan([folder], options)
    view = access(load_graphs([folder], options), options)
    rule = {"managedClusters/listClusterUserCredential/action": "FIAC101", "connectedClusters/read": "FIAC103",
            "extensions/read": "FIAC103", "extensions/write": "FIAC103", "extensions/delete": "FIAC103"}
    missing, wrong = 0, []
    for fleet in view.fleets:
        for operator in fleet.operators:
            for row in operator.rows:
                for cell in (c for c in row.cells if c.state == "no"):
                    missing += 1
                    wanted, where = rule.get(cell.action, "FIAC102"), row.member or row.resource
                    if not [f for f in report.findings if f.rule_id == wanted and f.resource == where
                            and f"operator `{operator.operator}`" in f.message
                            and (wanted == "FIAC101" or cell.action in f.message)]:
                        wrong.append((cell, row.resource))
    return missing, wrong


def test_access_agrees_with_scan(tmp_path: Path) -> None:
    folder = _tree(tmp_path, "main.tf", ACCESS)
    export = tmp_path / "export.json"
    export.write_text(json.dumps(EXPORT), encoding="utf-8")
    options = ScanOptions(cache=False, workers=1, operators=(f"var.ops={OPS}",), assignments=(export,))
    assert _disagreements(folder, options) == (6, [])
    assert _disagreements(ROOT / "examples" / "platform", ScanOptions(cache=False, workers=1)) == (12, [])


# -- graph -------------------------------------------------------------------------------------------


def test_graph_formats_and_focus(tmp_path: Path) -> None:
    folder = str(_tree(tmp_path, "main.tf", ACCESS))
    code, dot = _run("graph", folder, "-f", "dot")
    assert code == 0
    assert dot.startswith("digraph fleetiac {\n    rankdir=LR;\n")
    assert '    n1 [shape=box3d, label="fleet\\nazurerm_kubernetes_fleet_manager.fleet"];\n' in dot
    assert '    n7 -> n4 [label="principal"];\n' in dot
    code, mermaid = _run("graph", folder)
    assert code == 0
    assert mermaid.splitlines()[:2] == ["flowchart LR", '    n0[("cluster: azurerm_kubernetes_cluster.aks")]']
    code, data = _run("graph", folder, "-f", "json", "--focus", "azurerm_kubernetes_fleet_manager.fleet")
    assert code == 0
    parsed = json.loads(data)
    assert parsed["schema"] == "fleetiac.graph/1" and parsed["focus"] == "azurerm_kubernetes_fleet_manager.fleet"
    assert {n["kind"] for n in parsed["nodes"]} == {"cluster", "fleet", "member", "principal", "resource_group",
                                                    "role_assignment"}
    code, output = _run("graph", folder, "--focus", "nope")
    assert code == 2 and "--focus 'nope' names no fleet of the scan" in output


OTHER_FLEET = """\
resource "azurerm_kubernetes_fleet_manager" "other" {
  name                = "other"
  location            = "westeurope"
  resource_group_name = "rg-other"
}

resource "azurerm_kubernetes_fleet_member" "other" {
  name                  = "other"
  kubernetes_fleet_id   = azurerm_kubernetes_fleet_manager.other.id
  kubernetes_cluster_id = azurerm_kubernetes_cluster.aks.id
}
"""


def test_graph_focus_leaves_other_fleets_out(tmp_path: Path) -> None:
    folder = _tree(tmp_path, "main.tf", ACCESS)
    (folder / "other.tf").write_text(OTHER_FLEET, encoding="utf-8")
    code, data = _run("graph", str(folder), "-f", "json", "--focus", "azurerm_kubernetes_fleet_manager.other")
    assert code == 0, data
    labels = sorted(n["label"] for n in json.loads(data)["nodes"])
    # the other fleet, its member and the member's cluster, and the grant at the cluster's resource group
    assert labels == ["azurerm_kubernetes_cluster.aks", "azurerm_kubernetes_fleet_manager.other",
                      "azurerm_kubernetes_fleet_member.other", "azurerm_resource_group.aks",
                      "azurerm_role_assignment.ops_aks", "var.ops"]


HOSTILE_KEY = """\
resource "azurerm_kubernetes_fleet_manager" "fleet" {
  name                = "fleet"
  location            = "westeurope"
  resource_group_name = "rg"
}

resource "azurerm_kubernetes_fleet_member" "m" {
  for_each              = toset(["a\\"]\\n<script>x</script>##vso[y]`"])
  name                  = "m"
  kubernetes_fleet_id   = azurerm_kubernetes_fleet_manager.fleet.id
  kubernetes_cluster_id = "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/a"
}
"""


def test_graph_escapes_a_hostile_address(tmp_path: Path) -> None:
    folder = str(_tree(tmp_path, "main.tf", HOSTILE_KEY))
    outputs = {}
    for fmt in ("mermaid", "dot", "json", "html"):
        code, outputs[fmt] = _run("graph", folder, "-f", fmt)
        assert code == 0
        assert "##vso[" not in outputs[fmt]
        assert "<script>x" not in outputs[fmt] or fmt in ("dot", "json")  # no markup in a quoted string
    assert '    n1("member: azurerm_kubernetes_fleet_member.m[#34;a#34;]#92;n#60;script#62;x#60;/script#62;' \
           '#35;#35;vso[y]#96;#34;]")\n' in outputs["mermaid"]
    assert '    n1 [shape=ellipse, label="member\\nazurerm_kubernetes_fleet_member.m[\\"a\\"]\\\\n<script>x</script>' \
           '&#35;#vso[y]`\\"]"];\n' in outputs["dot"]
    labels = [n["label"] for n in json.loads(outputs["json"])["nodes"] if n["kind"] == "member"]
    assert labels == ['azurerm_kubernetes_fleet_member.m["a"]\n<script>x</script>##vso[y]`"]']


# -- scan --format html --------------------------------------------------------------------------------


def _html(tmp_path: Path, *args: str) -> str:
    folder = _tree(tmp_path, "main.bicep", ROLLOUT)
    target = tmp_path / "report.html"
    code, output = _run("scan", str(folder), "--as-of", AS_OF, "-f", f"html:{target}", *args)
    assert code == 1, output
    return target.read_text(encoding="utf-8")


def test_html_report_is_self_contained_and_escaped(tmp_path: Path) -> None:
    page = _html(tmp_path)
    assert page.startswith("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                           "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; ")
    # nothing is fetched: no external script, style, font or image; the SVG namespace is no request
    assert page.count("//") == page.count('xmlns="http://www.w3.org/2000/svg"') == 1
    assert "<link" not in page and "<script src" not in page and "url(" not in page.replace("url(#arrow)", "")
    # the hostile group name is text everywhere it appears: message, snippet, rollout view
    assert "x`|<b>" not in page and "##vso[" not in page
    assert page.count("x`|&lt;b&gt;&quot;]\\n&#35;#vso[task.setvariable]") >= 3
    assert '<tbody data-index="0" data-rule="FIAC415" data-level="note" data-rank="8" data-file="main.bicep"' in page
    assert '<select id="filter-rule" name="rule"><option value="">all</option><option value="FIAC201">' in page
    assert "<h3>update run <code>upgrade</code></h3>" in page
    assert '<span class="hit">   47      group: &#x27;Prod&#x27;</span>' in page  # the snippet marks the line
    assert '<svg xmlns="http://www.w3.org/2000/svg" id="graph-svg"' in page
    assert _html(tmp_path) == page  # deterministic


def _chromium() -> str | None:
    import shutil

    for name in ("chromium", "chromium-browser", "chromium-headless-shell"):
        found = shutil.which(name)
        if found:
            return found
    return None


def test_html_report_in_headless_chromium(tmp_path: Path) -> None:
    """The report of examples/platform loads in a real browser: its script runs to the end without a
    console error, and it shows the findings table and the graph; a screenshot is taken."""
    import subprocess

    import pytest

    browser = _chromium()
    if browser is None and os.environ.get("CI") == "true":  # .ci/run installs it: CI never skips this
        pytest.fail("no Chromium on PATH in CI; .ci/run installs Debian's chromium-headless-shell")
    if browser is None:
        pytest.skip("no chromium, chromium-browser or chromium-headless-shell on PATH (Debian: apt-get install "
                    "chromium-headless-shell)")
    report = tmp_path / "report.html"
    code, output = _run("scan", str(ROOT / "examples" / "platform"), "--as-of", "2026-11-23", "-f", f"html:{report}")
    assert code == 1, output
    common = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--enable-logging=stderr",
              "--v=0", "--window-size=1280,2000"]
    dom = subprocess.run([*common, "--dump-dom", report.as_uri()], capture_output=True, text=True, timeout=120,
                         check=True)
    assert 'data-script="ready"' in dom.stdout  # the inline script ran to its last line
    assert '<table id="findings">' in dom.stdout and 'id="graph-svg"' in dom.stdout
    assert dom.stdout.count('<g class="node">') == 15
    console = [line for line in dom.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line
               or "Content Security Policy" in line or "Refused" in line]
    assert console == []
    shot = tmp_path / "report.png"
    subprocess.run([*common, f"--screenshot={shot}", report.as_uri()], capture_output=True, timeout=120, check=True)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000


def test_readme_shows_the_views_as_they_are() -> None:
    """The README's outputs of examples/platform are what the commands print now."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    platform = str(ROOT / "examples" / "platform")
    rollout_text = _run("rollout", platform)[1]
    graph_text = _run("graph", platform, "--focus", "azurerm_kubernetes_fleet_manager.fleet")[1]
    access_text = _run("access", platform, "-f", "markdown")[1].replace("## Access\n\n", "", 1) \
        .replace("### Fleet", "**Fleet**", 1).replace("#### Operator", "**Operator**", 1)
    assert f"$ fleetiac rollout examples/platform\n{rollout_text}```" in readme
    assert f"```mermaid\n{graph_text}```" in readme
    assert access_text.strip() in readme
