"""Terraform's JSON syntax (``.tf.json``, ``.tfvars.json``) read like the native syntax: the same
platform written both ways gives the same canonical resources, and positions are the JSON's own."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fleetiac.analyzer.discovery import discover
from fleetiac.analyzer.engine import ScanOptions, load
from fleetiac.analyzer.frontends.terraform import analyse_terraform
from fleetiac.analyzer.frontends.terraform.canonical import constraint_versions
from fleetiac.analyzer.model import Kind, Location, Resource
from tests.frontends.test_parity import AZURERM, SUB, View

FLEET_ID = "${azurerm_kubernetes_fleet_manager.fleet.id}"
RG = {"location": "${azurerm_resource_group.rg.location}", "resource_group_name": "${azurerm_resource_group.rg.name}"}
POOL = {"name": "system", "node_count": 1, "vm_size": "Standard_D2s_v5"}

# The platform of tests/frontends/test_parity.py (AZURERM), in Terraform's JSON syntax.
PLATFORM: dict[str, Any] = {
    "//": "the parity platform, in JSON",
    "variable": {"operator_id": {"type": "string"}},
    "resource": {
        "azurerm_resource_group": {"rg": {"name": "rg-fleet", "location": "westeurope"}},
        "azurerm_kubernetes_fleet_manager": {"fleet": {"name": "fleet-platform", **RG}},
        "azurerm_kubernetes_cluster": {
            "one": {"name": "aks-one", **RG, "dns_prefix": "aks-one", "kubernetes_version": "1.30",
                    "sku_tier": "Premium", "support_plan": "AKSLongTermSupport",
                    "automatic_upgrade_channel": "patch", "node_os_upgrade_channel": "NodeImage",
                    "default_node_pool": POOL, "identity": {"type": "SystemAssigned"}},
            "two": {"name": "aks-two", **RG, "dns_prefix": "aks-two", "kubernetes_version": "1.31",
                    "support_plan": "KubernetesOfficial", "automatic_upgrade_channel": "stable",
                    "node_os_upgrade_channel": "SecurityPatch", "default_node_pool": [POOL],
                    "identity": [{"type": "SystemAssigned"}]}},
        "azurerm_kubernetes_fleet_member": {
            "one": {"name": "member-one", "kubernetes_fleet_id": FLEET_ID,
                    "kubernetes_cluster_id": "${azurerm_kubernetes_cluster.one.id}", "group": "canary"},
            "two": {"name": "member-two", "kubernetes_fleet_id": FLEET_ID,
                    "kubernetes_cluster_id": "${azurerm_kubernetes_cluster.two.id}", "group": "broad"}},
        "azurerm_kubernetes_fleet_update_strategy": {"rings": {
            "name": "rings", "kubernetes_fleet_manager_id": FLEET_ID,
            "stage": [{"name": "first", "group": {"name": "canary"}, "after_stage_wait_in_seconds": 3600},
                      {"name": "second", "group": [{"name": "broad"}]}]}},
        "azurerm_kubernetes_fleet_update_run": {"upgrade": {
            "name": "upgrade-131", "kubernetes_fleet_manager_id": FLEET_ID,
            "fleet_update_strategy_id": "${azurerm_kubernetes_fleet_update_strategy.rings.id}",
            "managed_cluster_update": {"upgrade": {"type": "Full", "kubernetes_version": "1.31"},
                                       "node_image_selection": {"type": "Consistent"}}}},
        "azapi_resource": {"auto": {
            "type": "Microsoft.ContainerService/fleets/autoUpgradeProfiles@2025-03-01", "name": "stable",
            "parent_id": FLEET_ID,
            "body": {"properties": {"channel": "Stable",
                                    "updateStrategyId": "${azurerm_kubernetes_fleet_update_strategy.rings.id}",
                                    "nodeImageSelection": {"type": "Latest"}}}}},
        "azurerm_user_assigned_identity": {"deployer": {"name": "id-deployer", **RG}},
        "azurerm_role_definition": {"reader": {
            "name": "Fleet Update Reader", "role_definition_id": "11111111-2222-3333-4444-555555555555",
            "scope": SUB,
            "permissions": {"actions": ["Microsoft.ContainerService/fleets/read",
                                        "Microsoft.ContainerService/fleets/updateRuns/read"],
                            "not_actions": ["Microsoft.ContainerService/fleets/delete"]},
            "assignable_scopes": [SUB]}},
        "azurerm_role_assignment": {
            "cluster_user": {"name": "22222222-0000-0000-0000-000000000001",
                             "scope": "${azurerm_kubernetes_cluster.one.id}",
                             "role_definition_name": "Azure Kubernetes Service Cluster User Role",
                             "principal_id": "${azurerm_user_assigned_identity.deployer.principal_id}",
                             "principal_type": "ServicePrincipal"},
            "fleet_operator": {"name": "22222222-0000-0000-0000-000000000002", "scope": FLEET_ID,
                               "role_definition_id": "/providers/Microsoft.Authorization/roleDefinitions/"
                                                     "63bb64ad-9799-4770-b5c3-24ed299a07bf",
                               "principal_id": "${var.operator_id}", "principal_type": "User"},
            "fleet_reader": {"name": "22222222-0000-0000-0000-000000000003", "scope": FLEET_ID,
                             "role_definition_id": "${azurerm_role_definition.reader.role_definition_resource_id}",
                             "principal_id": "${azurerm_user_assigned_identity.deployer.principal_id}"}},
    },
}


def _load(root: Path, files: dict[str, str]) -> list[Resource]:
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")
    _, found = discover([root], root)
    loaded = load(found, ScanOptions(cache=False, workers=1))
    assert loaded.diagnostics == [] and loaded.notices == []
    assert len(loaded.variants) == 1
    return loaded.variants[0]


def _without_places(resources: list[Resource]) -> list[tuple[Any, ...]]:
    return sorted((r.key.split(":", 1)[1], r.kind, r.name, repr(r.props), r.resource_group, r.arm_type)
                  for r in resources)


def test_the_platform_in_json_gives_the_same_resources(tmp_path: Path) -> None:
    (tmp_path / "hcl").mkdir()
    (tmp_path / "json").mkdir()
    native = _load(tmp_path / "hcl", {"main.tf": AZURERM})
    written = _load(tmp_path / "json", {"main.tf.json": json.dumps(PLATFORM, indent=2)})
    assert View(written).kinds == View(native).kinds
    assert _without_places(written) == _without_places(native)


def test_json_and_native_files_mix_in_one_module(tmp_path: Path) -> None:
    """Variables in a ``.tf``, resources in a ``.tf.json``, values in a ``terraform.tfvars.json``."""
    (tmp_path / "variables.tf").write_text('variable "version" {\n  type = string\n}\n', encoding="utf-8")
    (tmp_path / "terraform.tfvars.json").write_text('{\n  "version": "1.31"\n}\n', encoding="utf-8")
    (tmp_path / "main.tf.json").write_text(
        '{\n'
        '  "//": "clusters",\n'
        '  "resource": {\n'
        '    "azurerm_kubernetes_cluster": {\n'
        '      "west": {\n'
        '        "//": "a comment in a block body",\n'
        '        "name": "aks-${var.version}",\n'
        '        "kubernetes_version": "${var.version}",\n'
        '        "lifecycle": {"ignore_changes": ["kubernetes_version"]}\n'
        '      }\n'
        '    }\n'
        '  }\n'
        '}\n', encoding="utf-8")
    _, files = discover([tmp_path], tmp_path)
    [result] = analyse_terraform(files)
    [cluster] = result.resources
    assert (cluster.kind, cluster.name) == (Kind.CLUSTER, "aks-1.31")
    assert cluster.address == "azurerm_kubernetes_cluster.west"
    assert cluster.props.kubernetes_version == "1.31"  # type: ignore[union-attr]
    assert cluster.props.ignore_changes == ("kubernetes_version",)  # type: ignore[union-attr]
    assert cluster.location == Location("main.tf.json", 5, 7, 10, 8)
    assert cluster.locations["kubernetes_version"] == Location("main.tf.json", 8, 9, 8, 47)


def test_dynamic_blocks_and_for_each_in_json(tmp_path: Path) -> None:
    (tmp_path / "main.tf.json").write_text(json.dumps({
        "locals": {"rings": {"canary": 0, "prod": 3600}},
        "resource": {"azurerm_kubernetes_fleet_update_strategy": {"s": {
            "name": "s", "kubernetes_fleet_manager_id": "/fleet",
            "dynamic": {"stage": {"for_each": "${local.rings}", "content": {
                "name": "${stage.key}", "group": {"name": "${stage.key}"},
                "after_stage_wait_in_seconds": "${stage.value}"}}}}},
            "azurerm_kubernetes_fleet_member": {"m": {
                "for_each": {"a": "canary", "b": "prod"}, "name": "m-${each.key}",
                "kubernetes_fleet_id": "/fleet", "kubernetes_cluster_id": "/c/${each.key}",
                "group": "${each.value}"}}}}), encoding="utf-8")
    _, files = discover([tmp_path], tmp_path)
    [result] = analyse_terraform(files)
    by_address = {r.address: r for r in result.resources}
    strategy = by_address["azurerm_kubernetes_fleet_update_strategy.s"]
    assert [(st.name, [g.name for g in st.groups], st.after_wait)  # type: ignore[union-attr]
            for st in strategy.props.stages] == [("canary", ["canary"], 0), ("prod", ["prod"], 3600)]  # type: ignore[union-attr]
    assert by_address['azurerm_kubernetes_fleet_member.m["b"]'].props.group == "prod"  # type: ignore[union-attr]
    assert by_address['azurerm_kubernetes_fleet_member.m["a"]'].name == "m-a"


def test_a_json_syntax_error_is_located(tmp_path: Path) -> None:
    (tmp_path / "main.tf.json").write_text('{\n  "resource": {\n    "x": 1,\n  }\n}\n', encoding="utf-8")
    _, files = discover([tmp_path], tmp_path)
    [result] = analyse_terraform(files)
    [diagnostic] = result.diagnostics
    assert (diagnostic.location.path, diagnostic.location.line, diagnostic.location.column) == ("main.tf.json", 4, 3)
    assert diagnostic.message == "invalid JSON: unexpected '}', expected a property name"


def test_a_tfvars_json_value_is_located_at_its_property(tmp_path: Path) -> None:
    from fleetiac.analyzer.frontends.sources import SourceFile
    from fleetiac.analyzer.frontends.terraform import parse_source
    from fleetiac.analyzer.frontends.terraform.syntax import ParsedFile

    path = tmp_path / "terraform.tfvars.json"
    path.write_text('{\n  "a": 1,\n  "b": {"c": ["${not a template}"]}\n}\n', encoding="utf-8")
    parsed = parse_source(SourceFile(path, "terraform.tfvars.json", "tfvars"))
    assert isinstance(parsed, ParsedFile)
    assert (parsed.attributes["b"].pos.line, parsed.attributes["b"].pos.column) == (3, 3)
    # Values of a tfvars file are taken literally: no template in them.
    assert parsed.attributes["b"].expr.items[0][1].items[0].value == "${not a template}"  # type: ignore[attr-defined]


def test_json_terraform_module_and_output_blocks(tmp_path: Path) -> None:
    """``terraform.required_providers``, a local module call with arguments, and outputs, in JSON."""
    (tmp_path / "modules" / "f").mkdir(parents=True)
    (tmp_path / "modules" / "f" / "main.tf").write_text(
        'variable "name" {\n  type = string\n}\n\nresource "azurerm_kubernetes_fleet_manager" "f" {\n'
        '  name                = var.name\n  location            = "westeurope"\n  resource_group_name = "rg"\n}\n',
        encoding="utf-8")
    (tmp_path / "main.tf.json").write_text(json.dumps({
        "terraform": {"required_providers": {"azurerm": {"source": "hashicorp/azurerm", "version": "~> 4.10"}}},
        "provider": {"azurerm": {"features": {}}},
        "variable": {"env": {"type": "string", "default": "prod", "description": "${not a template}"}},
        "module": {"fleet": {"source": "./modules/f", "name": "fleet-${var.env}"}},
        "output": {"name": {"value": "${module.fleet}"}}}), encoding="utf-8")
    _, files = discover([tmp_path], tmp_path)
    resources = [r for result in analyse_terraform(files) for r in result.resources]
    [fleet] = resources
    assert (fleet.address, fleet.name) == ("module.fleet.azurerm_kubernetes_fleet_manager.f", "fleet-prod")
    assert fleet.props.provider_versions == constraint_versions("~> 4.10")  # type: ignore[union-attr]
