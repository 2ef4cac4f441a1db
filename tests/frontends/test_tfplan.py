"""Terraform plan and state JSON (``terraform show -json``): the same canonical resources as the code,
located in the ``.tf`` code when it is in the scanned root, else in the plan."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fleetiac.analyzer.discovery import discover
from fleetiac.analyzer.engine import ScanOptions, load, scan
from fleetiac.analyzer.model import Location, Resource
from fleetiac.analyzer.values import ResourceRef, Unknown
from tests.frontends.plan_shapes import Res, const, dumps, plan, ref, state
from tests.frontends.test_parity import View
from tests.test_speed_arch import cache_root, compiled_grammars  # noqa: F401  (fixtures)

MAIN_TF = """\
variable "clusters" {
  type    = map(string)
  default = { west = "1.35.1", east = "1.36.2" }
}

resource "azurerm_resource_group" "rg" {
  name     = "rg-fleet"
  location = "westeurope"
}

resource "azurerm_kubernetes_fleet_manager" "fleet" {
  name                = "fleet"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
}

resource "azurerm_kubernetes_cluster" "member" {
  for_each                = var.clusters
  name                    = "aks-${each.key}"
  location                = "westeurope"
  resource_group_name     = "rg-aks"
  dns_prefix              = "aks-${each.key}"
  kubernetes_version      = each.value
  sku_tier                = "Free"
  support_plan            = "KubernetesOfficial"
  node_os_upgrade_channel = "NodeImage"
  default_node_pool {
    name       = "system"
    vm_size    = "Standard_D4s_v5"
    node_count = 3
  }
  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_kubernetes_fleet_member" "member" {
  for_each              = var.clusters
  name                  = "member-${each.key}"
  kubernetes_fleet_id   = azurerm_kubernetes_fleet_manager.fleet.id
  kubernetes_cluster_id = azurerm_kubernetes_cluster.member[each.key].id
  group                 = each.key == "west" ? "canary" : "prod"
}

resource "azurerm_kubernetes_fleet_update_strategy" "rings" {
  name                        = "rings"
  kubernetes_fleet_manager_id = azurerm_kubernetes_fleet_manager.fleet.id
  stage {
    name = "first"
    group {
      name = "canary"
    }
    after_stage_wait_in_seconds = 3600
  }
  stage {
    name = "second"
    group {
      name = "prod"
    }
  }
}

resource "azurerm_kubernetes_fleet_update_run" "upgrade" {
  name                        = "upgrade"
  kubernetes_fleet_manager_id = azurerm_kubernetes_fleet_manager.fleet.id
  fleet_update_strategy_id    = azurerm_kubernetes_fleet_update_strategy.rings.id
  managed_cluster_update {
    upgrade {
      type               = "Full"
      kubernetes_version = "1.36.2"
    }
    node_image_selection {
      type = "Latest"
    }
  }
}

module "access" {
  source   = "./modules/access"
  fleet_id = azurerm_kubernetes_fleet_manager.fleet.id
}
"""

ACCESS_TF = """\
variable "fleet_id" {
  type = string
}

resource "azurerm_user_assigned_identity" "deployer" {
  name                = "id-deployer"
  location            = "westeurope"
  resource_group_name = "rg-fleet"
}

resource "azurerm_role_assignment" "operator" {
  name                 = "22222222-0000-0000-0000-000000000001"
  scope                = var.fleet_id
  role_definition_name = "Azure Kubernetes Fleet Manager RBAC Cluster Admin"
  principal_id         = azurerm_user_assigned_identity.deployer.principal_id
  principal_type       = "ServicePrincipal"
}

output "principal" {
  value = azurerm_user_assigned_identity.deployer.principal_id
}
"""

FLEET_ID = ref("azurerm_kubernetes_fleet_manager.fleet.id")


def cluster(key: str, version: str) -> Res:
    return Res("azurerm_kubernetes_cluster", "member", index=key, after={
        "name": f"aks-{key}", "location": "westeurope", "resource_group_name": "rg-aks", "dns_prefix": f"aks-{key}",
        "kubernetes_version": version, "sku_tier": "Free", "support_plan": "KubernetesOfficial",
        "automatic_upgrade_channel": None, "node_os_upgrade_channel": "NodeImage", "tags": None,
        "default_node_pool": [{"name": "system", "vm_size": "Standard_D4s_v5", "node_count": 3,
                               "orchestrator_version": None, "upgrade_settings": []}],
        "identity": [{"type": "SystemAssigned", "identity_ids": None}], "timeouts": None},
        unknown={"id": True, "kube_config": True, "oidc_issuer_url": True,
                 "default_node_pool": [{"upgrade_settings": []}],
                 "identity": [{"principal_id": True, "tenant_id": True}]},
        expressions={"name": {"references": ["each.key"]}, "kubernetes_version": {"references": ["each.value"]}})


def member(key: str, group: str) -> Res:
    return Res("azurerm_kubernetes_fleet_member", "member", index=key,
               after={"name": f"member-{key}", "group": group, "timeouts": None},
               unknown={"id": True, "kubernetes_fleet_id": True, "kubernetes_cluster_id": True},
               expressions={"name": {"references": ["each.key"]}, "group": {"references": ["each.key"]},
                            "kubernetes_fleet_id": FLEET_ID,
                            "kubernetes_cluster_id": {"references": ["azurerm_kubernetes_cluster.member", "each.key"]}})


PLATFORM = [
    Res("azurerm_resource_group", "rg", {"name": "rg-fleet", "location": "westeurope", "tags": None},
        unknown={"id": True}, expressions={"name": const("rg-fleet"), "location": const("westeurope")}),
    Res("azurerm_kubernetes_fleet_manager", "fleet",
        {"name": "fleet", "location": "westeurope", "resource_group_name": "rg-fleet", "hub_profile": [], "tags": None},
        unknown={"id": True, "hub_profile": []},
        expressions={"name": const("fleet"), "location": ref("azurerm_resource_group.rg.location"),
                     "resource_group_name": ref("azurerm_resource_group.rg.name")}),
    cluster("east", "1.36.2"), cluster("west", "1.35.1"),
    member("east", "prod"), member("west", "canary"),
    Res("azurerm_kubernetes_fleet_update_strategy", "rings", {
        "name": "rings", "stage": [
            {"name": "first", "group": [{"name": "canary"}], "after_stage_wait_in_seconds": 3600},
            {"name": "second", "group": [{"name": "prod"}], "after_stage_wait_in_seconds": None}]},
        unknown={"id": True, "kubernetes_fleet_manager_id": True, "stage": [{"group": [{}]}, {"group": [{}]}]},
        expressions={"name": const("rings"), "kubernetes_fleet_manager_id": FLEET_ID}),
    Res("azurerm_kubernetes_fleet_update_run", "upgrade", {
        "name": "upgrade", "stage": [], "managed_cluster_update": [{
            "upgrade": [{"type": "Full", "kubernetes_version": "1.36.2"}],
            "node_image_selection": [{"type": "Latest"}]}]},
        unknown={"id": True, "kubernetes_fleet_manager_id": True, "fleet_update_strategy_id": True,
                 "managed_cluster_update": [{"upgrade": [{}], "node_image_selection": [{}]}]},
        expressions={"name": const("upgrade"), "kubernetes_fleet_manager_id": FLEET_ID,
                     "fleet_update_strategy_id": ref("azurerm_kubernetes_fleet_update_strategy.rings.id")}),
    Res("azurerm_user_assigned_identity", "deployer", module="module.access",
        after={"name": "id-deployer", "location": "westeurope", "resource_group_name": "rg-fleet", "tags": None},
        unknown={"id": True, "principal_id": True, "client_id": True, "tenant_id": True}),
    Res("azurerm_role_assignment", "operator", module="module.access", after={
        "name": "22222222-0000-0000-0000-000000000001", "principal_type": "ServicePrincipal",
        "role_definition_name": "Azure Kubernetes Fleet Manager RBAC Cluster Admin", "condition": None},
        unknown={"id": True, "scope": True, "principal_id": True, "role_definition_id": True},
        expressions={"scope": ref("var.fleet_id"),
                     "principal_id": ref("azurerm_user_assigned_identity.deployer.principal_id"),
                     "role_definition_name": const("Azure Kubernetes Fleet Manager RBAC Cluster Admin")}),
]
CALL_INPUTS = {"fleet_id": FLEET_ID}


def platform_plan(**options: Any) -> dict[str, Any]:
    document = plan(PLATFORM, variables={"clusters": {"east": "1.36.2", "west": "1.35.1"}},
                    outputs={"access": {"principal": {"expression": ref(
                        "azurerm_user_assigned_identity.deployer.principal_id")}}}, **options)
    document["configuration"]["root_module"]["module_calls"]["access"]["expressions"] = CALL_INPUTS
    return document


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def loaded(paths: list[Path], root: Path) -> tuple[list[Resource], Any]:
    _, files = discover(paths, root)
    result = load(files, ScanOptions(cache=False, workers=1), roots=(root.resolve(),))
    assert len(result.variants) == 1
    return result.variants[0], result


def by_address(resources: list[Resource]) -> dict[str, Resource]:
    return {r.address: r for r in resources}


def test_a_plan_gives_the_resources_of_its_code(tmp_path: Path) -> None:
    code = write(tmp_path / "code", {"main.tf": MAIN_TF, "modules/access/main.tf": ACCESS_TF})
    planned = write(tmp_path / "plan", {"plan.json": dumps(platform_plan())})
    native, _ = loaded([code], code)
    from_plan, result = loaded([planned / "plan.json"], planned)
    assert result.diagnostics == [] and result.notices == []
    assert View(from_plan).kinds == View(native).kinds
    assert sorted(r.address for r in from_plan) == sorted(r.address for r in native)
    member = by_address(from_plan)['azurerm_kubernetes_fleet_member.member["west"]']
    assert member.props.cluster == ResourceRef(  # type: ignore[union-attr]
        'plan.json:azurerm_kubernetes_cluster.member["west"]', "id")
    assigned = by_address(from_plan)["module.access.azurerm_role_assignment.operator"]
    assert assigned.props.scope == ResourceRef("plan.json:azurerm_kubernetes_fleet_manager.fleet", "id")  # type: ignore[union-attr]


def test_resources_are_located_in_the_code_beside_the_plan(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": MAIN_TF, "modules/access/main.tf": ACCESS_TF, "plan.json": dumps(platform_plan())})
    resources, _ = loaded([tmp_path / "plan.json"], tmp_path)
    found = by_address(resources)
    west = found['azurerm_kubernetes_cluster.member["west"]']
    assert (west.location.path, west.location.line, west.location.column) == ("main.tf", 17, 1)
    assert west.locations["kubernetes_version"] == Location("main.tf", 23, 3, 23, 39)
    run = found["azurerm_kubernetes_fleet_update_run.upgrade"]
    assert run.locations["kubernetes_version"] == Location("main.tf", 70, 7, 70, 36)
    operator = found["module.access.azurerm_role_assignment.operator"]
    assert (operator.location.path, operator.location.line) == ("modules/access/main.tf", 11)
    assert west.deployment == ""


def test_without_the_code_resources_are_located_in_the_plan(tmp_path: Path) -> None:
    text = dumps(platform_plan())
    write(tmp_path, {"show.json": text})
    resources, _ = loaded([tmp_path], tmp_path)
    lines = text.splitlines()
    run = by_address(resources)["azurerm_kubernetes_fleet_update_run.upgrade"]
    assert run.location.path == "show.json"
    assert '"address": "azurerm_kubernetes_fleet_update_run.upgrade"' in lines[run.location.line]
    where = run.locations["kubernetes_version"]
    assert lines[where.line - 1][where.column - 1:].startswith('"kubernetes_version": "1.36.2"')
    cluster = by_address(resources)['azurerm_kubernetes_cluster.member["east"]']
    assert isinstance(cluster.props.ignore_changes, Unknown)  # type: ignore[union-attr]  # not in a plan


def test_scanning_code_and_plan_together_checks_each_declaration_once(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": MAIN_TF, "modules/access/main.tf": ACCESS_TF, "plan.json": dumps(platform_plan())})
    resources, _ = loaded([tmp_path], tmp_path)
    addresses = sorted(r.address for r in resources)
    assert addresses == sorted(set(addresses))
    assert all(r.key.startswith(".:") or r.key.startswith("modules/") for r in resources)


def test_an_unknown_value_the_code_does_not_reference_is_unknown(tmp_path: Path) -> None:
    resources = [Res("azurerm_kubernetes_fleet_member", "m", {"name": "m", "kubernetes_cluster_id": "/c"},
                     unknown={"id": True, "group": True, "kubernetes_fleet_id": True},
                     expressions={"group": {"references": ["random_pet.ring.id", "var.prefix"]},
                                  "kubernetes_fleet_id": {}})]
    write(tmp_path, {"plan.json": dumps(plan(resources))})
    [m], _ = loaded([tmp_path], tmp_path)
    assert isinstance(m.props.group, Unknown)  # type: ignore[union-attr]
    assert isinstance(m.props.fleet, Unknown)  # type: ignore[union-attr]
    assert m.props.cluster == "/c"  # type: ignore[union-attr]


def test_a_state_is_read_from_its_values(tmp_path: Path) -> None:
    resources = [Res("azurerm_kubernetes_cluster", "west", {"name": "aks-west", "kubernetes_version": "1.36.2",
                                                            "id": "/subscriptions/s/resourceGroups/rg/providers/"
                                                                  "Microsoft.ContainerService/managedClusters/aks-west"})]
    write(tmp_path, {"terraform.tfstate.json": dumps(state(resources))})
    [cluster], result = loaded([tmp_path], tmp_path)
    assert result.notices == []
    assert (cluster.name, cluster.props.kubernetes_version) == ("aks-west", "1.36.2")  # type: ignore[union-attr]


def test_an_unknown_format_version_is_read_with_a_notice(tmp_path: Path) -> None:
    write(tmp_path, {"deploy.tfplan.json": dumps(plan(PLATFORM[:2], format_version="2.0"))})
    resources, result = loaded([tmp_path], tmp_path)
    assert len(resources) == 2
    assert result.notices == [
        "deploy.tfplan.json: plan format_version '2.0' is not one fleetiac knows (0.1, 0.2, 1.0, 1.1, 1.2); it was "
        "read as the newest of them, and anything it says differently is not analysed"]


@pytest.mark.parametrize(("name", "text", "where"), [
    ("plan.json", '{\n  "format_version": "1.2",\n  "planned_values": {,}\n}\n', (3, 22)),
    ("out.json", '{"format_version": "1.2", "terraform_version": "1.9.8", '
                 '"planned_values": {"root_module": [}}', (1, 92)),
    ("prod.tfplan.json", "", (1, 1)),
])
def test_a_plan_that_is_not_json_is_fiac901_at_its_position(tmp_path: Path, name: str, text: str,
                                                            where: tuple[int, int]) -> None:
    write(tmp_path, {name: text})
    report = scan([tmp_path], ScanOptions(cache=False, workers=1))
    [finding] = report.findings
    assert (finding.rule_id, finding.location.path, finding.location.line, finding.location.column) == (
        "FIAC901", name, *where)


def test_other_json_is_ignored_silently(tmp_path: Path) -> None:
    write(tmp_path, {"package.json": '{"name": "x", "version": "1.0.0"',  # not even JSON: not ours
                     "schema.json": '{"format_version": "1.0", "provider_schemas": {}}',
                     "tfplan.json": '{"format_version": "1.0", "terraform_version": "1.9.8"}',
                     "sorted.json": '{"applyable": true, "complete": true, "planned_values": {}}'})
    _, files = discover([tmp_path], tmp_path)
    assert [(f.display, f.language) for f in files] == [("sorted.json", "tfplan"), ("tfplan.json", "tfplan")]
    report = scan([tmp_path], ScanOptions(cache=False, workers=1))
    assert report.findings == []


# Plan fixtures written as the plan of an HCL fixture: the same findings, on the same resources, with the
# same messages (except what only the plan knows: the client config's object ID, read at plan time).
TWINS = [("FIAC101", "plan-cluster-admin-only", "tf-cluster-admin-only",
          {"`33333333-0000-0000-0000-000000000001`": "`data.azurerm_client_config.current.object_id`"}),
         ("FIAC201", "plan-group-typo", "tf-group-typo", {}),
         ("FIAC203", "plan-arc-and-selector", "tf-arc-and-selector", {}),
         ("FIAC301", "plan-placement-hubless", "tf-placement-hubless", {}),
         ("FIAC401", "plan-lts-past", "tf-lts-past", {}),
         ("FIAC402", "plan-equal", "tf-equal", {})]


@pytest.mark.parametrize(("rule_id", "planned", "written", "known"), TWINS)
def test_a_plan_fixture_finds_what_its_code_finds(rule_id: str, planned: str, written: str,
                                                  known: dict[str, str]) -> None:
    from tests.test_fixtures import scan_case

    def said(case: str, replace: dict[str, str]) -> list[tuple[str, str | None, str]]:
        out = []
        for found in scan_case(rule_id, case):
            message = found.message
            for old, new in replace.items():
                message = message.replace(old, new)
            out.append((found.rule_id, found.resource, message))
        return sorted(out)

    assert said(planned, known) == said(written, {})
    assert said(planned, known)  # each pair fires


ENV_TF = """\
variable "env" {
  type = string
}

resource "azurerm_kubernetes_fleet_manager" "this" {
  name                = "fleet-${var.env}"
  location            = "westeurope"
  resource_group_name = "rg-${var.env}"
}

output "fleet_id" {
  value = azurerm_kubernetes_fleet_manager.this.id
}
"""


def test_module_instances_and_registry_modules(tmp_path: Path) -> None:
    """``module.env["dev"]`` is located in the module's folder; a registry module that was not
    downloaded (``Azure/aks/azurerm``) is located in the plan, and a member of the root module takes
    its cluster through the module's output."""
    fleets = [Res("azurerm_kubernetes_fleet_manager", "this", module=f'module.env["{env}"]',
                  after={"name": f"fleet-{env}", "location": "westeurope", "resource_group_name": f"rg-{env}"},
                  unknown={"id": True}) for env in ("dev", "prod")]
    aks = Res("azurerm_kubernetes_cluster", "main", module="module.aks",
              after={"name": "aks-registry", "kubernetes_version": "1.36.2"}, unknown={"id": True})
    member = Res("azurerm_kubernetes_fleet_member", "m", {"name": "m", "group": "prod"},
                 unknown={"id": True, "kubernetes_fleet_id": True, "kubernetes_cluster_id": True},
                 expressions={"kubernetes_fleet_id": ref('module.env["prod"].fleet_id'),
                              "kubernetes_cluster_id": ref("module.aks.cluster_id")})
    document = plan([*fleets, aks, member], sources={"env": "./modules/env", "aks": "Azure/aks/azurerm"},
                    outputs={"env": {"fleet_id": {"expression": ref("azurerm_kubernetes_fleet_manager.this.id")}},
                             "aks": {"cluster_id": {"expression": ref("azurerm_kubernetes_cluster.main.id")}}})
    write(tmp_path, {"plan.json": dumps(document), "modules/env/main.tf": ENV_TF,
                     "main.tf": 'module "env" {\n  for_each = toset(["dev", "prod"])\n  source   = "./modules/env"\n'
                                '  env      = each.key\n}\n'})
    resources, result = loaded([tmp_path / "plan.json"], tmp_path)
    assert result.diagnostics == []
    found = by_address(resources)
    prod = found['module.env["prod"].azurerm_kubernetes_fleet_manager.this']
    assert (prod.name, prod.location.path, prod.location.line) == ("fleet-prod", "modules/env/main.tf", 5)
    cluster = found["module.aks.azurerm_kubernetes_cluster.main"]
    assert cluster.location.path == "plan.json"
    joined = found["azurerm_kubernetes_fleet_member.m"]
    assert joined.props.fleet == ResourceRef(prod.key, "id")  # type: ignore[union-attr]
    assert joined.props.cluster == ResourceRef(cluster.key, "id")  # type: ignore[union-attr]


def test_nested_blocks_the_plan_leaves_unknown_are_unknown(tmp_path: Path) -> None:
    """A ``dynamic "stage"`` over a collection known only after apply: the plan marks the whole list."""
    strategy = Res("azurerm_kubernetes_fleet_update_strategy", "s", {"name": "s"},
                   unknown={"id": True, "kubernetes_fleet_manager_id": True, "stage": True},
                   expressions={"kubernetes_fleet_manager_id": const("/fleet"),
                                "stage": [{"name": {"references": ["stage.key"]}}]})
    write(tmp_path, {"plan.json": dumps(plan([strategy]))})
    [found], _ = loaded([tmp_path], tmp_path)
    assert isinstance(found.props.stages, Unknown)  # type: ignore[union-attr]


def test_a_state_links_resources_by_their_azure_ids(tmp_path: Path) -> None:
    """A state knows every ID: a member names its fleet by ARM ID, and FIAC201 still sees the fleet."""
    fleet_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-fleet/providers/" \
               "Microsoft.ContainerService/fleets/fleet"
    resources = [
        Res("azurerm_kubernetes_fleet_manager", "fleet", {"id": fleet_id, "name": "fleet", "location": "westeurope",
                                                          "resource_group_name": "rg-fleet", "hub_profile": []}),
        Res("azurerm_kubernetes_fleet_update_strategy", "tiers", {
            "id": f"{fleet_id}/updateStrategies/tiers", "name": "tiers", "kubernetes_fleet_manager_id": fleet_id,
            "stage": [{"name": "canary", "group": [{"name": "canary"}], "after_stage_wait_in_seconds": 3600}]}),
        Res("azurerm_kubernetes_fleet_member", "west", {
            "id": f"{fleet_id}/members/aks-west", "name": "aks-west", "kubernetes_fleet_id": fleet_id,
            "kubernetes_cluster_id": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-aks/"
                                     "providers/Microsoft.ContainerService/managedClusters/aks-west",
            "group": "production"})]
    text = dumps(state(resources))
    write(tmp_path, {"state.json": text})
    report = scan([tmp_path], ScanOptions(cache=False, workers=1, select=("FIAC201",)))
    [finding] = report.findings
    line = next(n for n, t in enumerate(text.splitlines(), start=1) if '"group": "production"' in t)
    assert (finding.rule_id, finding.location.path, finding.location.line) == ("FIAC201", "state.json", line)
    assert finding.resource == "azurerm_kubernetes_fleet_member.west"


def test_a_plan_nested_too_deeply_is_fiac901(tmp_path: Path) -> None:
    write(tmp_path, {"deep.tfplan.json": '{"format_version": "1.2", "planned_values": ' + "[" * 5000})
    report = scan([tmp_path], ScanOptions(cache=False, workers=1))
    [finding] = report.findings
    assert (finding.rule_id, finding.location.path, finding.location.line) == ("FIAC901", "deep.tfplan.json", 1)
    assert "nested too deeply" in finding.message


def test_values_the_plan_marks_sensitive_are_masked_in_reports(tmp_path: Path) -> None:
    """``terraform show -json`` writes sensitive values in clear; no message repeats them."""
    document = plan([
        Res("azurerm_kubernetes_fleet_manager", "fleet", {"name": "fleet", "location": "westeurope",
                                                          "resource_group_name": "rg"}, unknown={"id": True}),
        Res("azurerm_kubernetes_fleet_update_strategy", "s", {"name": "s", "stage": [
            {"name": "one", "group": [{"name": "canary"}]}]}, unknown={"id": True, "kubernetes_fleet_manager_id": True},
            expressions={"kubernetes_fleet_manager_id": FLEET_ID}),
        Res("azurerm_kubernetes_fleet_member", "m",
            {"name": "m", "group": "ring-hunter2", "kubernetes_cluster_id": "/c"},
            unknown={"id": True, "kubernetes_fleet_id": True}, expressions={"kubernetes_fleet_id": FLEET_ID})])
    document["planned_values"]["root_module"]["resources"][2]["sensitive_values"] = {"group": True}
    write(tmp_path, {"plan.json": dumps(document)})
    report = scan([tmp_path], ScanOptions(cache=False, workers=1, select=("FIAC201",)))
    [finding] = report.findings
    assert "ring-hunter2" not in finding.message + (finding.hint or "")
    assert "(sensitive value)" in finding.message


def test_a_plans_unit_is_cached_and_sees_its_code_manifest_and_lock_change(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cache_root: Path) -> None:  # noqa: F811
    """A plan's evaluation is remembered like a root module's: under the plan's content, with the
    ``.tf`` code it read (not scanned here: only the plan is), the folder's ``modules.json`` and its
    lock file checked before the result is used again."""
    from fleetiac.analyzer.frontends import tfplan

    repo = write(tmp_path / "repo", {"main.tf": MAIN_TF, "modules/access/main.tf": ACCESS_TF,
                                     "plan.json": dumps(platform_plan())})
    (repo / ".git").mkdir()
    evaluations: list[int] = []
    real = tfplan.evaluate_plan
    monkeypatch.setattr(tfplan, "evaluate_plan", lambda *a, **k: evaluations.append(1) or real(*a, **k))

    def cached() -> str:
        _, files = discover([repo / "plan.json"])
        result = load(files, ScanOptions(workers=1), roots=(repo.resolve(),))
        return repr((result.variants, result.diagnostics, result.notices))

    def uncached() -> str:
        _, files = discover([repo / "plan.json"])
        result = load(files, ScanOptions(cache=False, workers=1), roots=(repo.resolve(),))
        return repr((result.variants, result.diagnostics, result.notices))

    first = cached()
    assert cached() == first and len(evaluations) == 1  # the second scan evaluated nothing
    changes = [
        lambda: (repo / "modules/access/main.tf").write_text("\n\n" + ACCESS_TF),  # its code moved down
        lambda: (repo / "main.tf").write_text("\n" + MAIN_TF),
        lambda: (repo / ".terraform.lock.hcl").write_text(
            'provider "registry.terraform.io/hashicorp/azurerm" {\n  version = "4.20.0"\n}\n'),
    ]
    before = first
    for change in changes:
        change()
        after = cached()
        assert after == uncached()
        assert after != before  # the change mattered, so a stale result would have been caught
        before = after
    assert cached() == before


def test_a_lock_file_linked_to_outside_the_root_is_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "outside.lock.hcl"
    outside.write_text('provider "registry.terraform.io/hashicorp/azurerm" {\n  version = "4.20.0"\n}\n')
    repo = write(tmp_path / "repo", {"main.tf": MAIN_TF, "modules/access/main.tf": ACCESS_TF,
                                     "plan.json": dumps(platform_plan())})
    without, _ = loaded([repo / "plan.json"], repo)
    (repo / ".terraform.lock.hcl").symlink_to(outside)
    linked, _ = loaded([repo / "plan.json"], repo)
    assert linked == without
    (repo / ".terraform.lock.hcl").unlink()
    (repo / ".terraform.lock.hcl").write_text(outside.read_text())
    assert loaded([repo / "plan.json"], repo)[0] != without  # a lock file inside is read
