"""Focused regressions of the Terraform front end's canonical props (the cross-language check is
test_parity.py): each test writes a few lines of HCL and reads one resource's props."""

from __future__ import annotations

from pathlib import Path

from fleetiac.analyzer.discovery import discover
from fleetiac.analyzer.frontends.terraform import analyse_terraform
from fleetiac.analyzer.model import Resource
from fleetiac.analyzer.values import ResourceRef, Unknown


def resources_of(root: Path, text: str) -> dict[str, Resource]:
    (root / "main.tf").write_text(text, encoding="utf-8")
    _, files = discover([root], root)
    return {r.address: r for result in analyse_terraform(files) for r in result.resources}


def test_azapi_role_assignment_scope_is_its_parent_id(tmp_path: Path) -> None:
    # ARM puts a role assignment under its scope: azapi's parent_id is what Bicep writes as `scope:`.
    found = resources_of(tmp_path, """
resource "azapi_resource" "fleet" {
  type      = "Microsoft.ContainerService/fleets@2025-03-01"
  name      = "fleet"
  parent_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg"
}
resource "azapi_resource" "on_fleet" {
  type      = "Microsoft.Authorization/roleAssignments@2022-04-01"
  name      = "22222222-0000-0000-0000-000000000001"
  parent_id = azapi_resource.fleet.id
  body = {
    properties = {
      principalId      = "33333333-0000-0000-0000-000000000001"
      roleDefinitionId = "/providers/Microsoft.Authorization/roleDefinitions/63bb64ad-9799-4770-b5c3-24ed299a07bf"
    }
  }
}
resource "azapi_resource" "on_rg" {
  type      = "Microsoft.Authorization/roleAssignments@2022-04-01"
  name      = "22222222-0000-0000-0000-000000000002"
  parent_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg"
  body      = { properties = { principalId = "33333333-0000-0000-0000-000000000001" } }
}
resource "azapi_resource" "nowhere" {
  type = "Microsoft.Authorization/roleAssignments@2022-04-01"
  name = "22222222-0000-0000-0000-000000000003"
  body = { properties = { principalId = "33333333-0000-0000-0000-000000000001" } }
}
""")
    on_fleet = found["azapi_resource.on_fleet"]
    assert on_fleet.props.scope == ResourceRef(".:azapi_resource.fleet", "id")
    assert on_fleet.where("scope").line == 10
    assert found["azapi_resource.on_rg"].props.scope == \
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg"
    # No parent_id written: the scope is not said, so it stays unresolved (never guessed).
    assert found["azapi_resource.nowhere"].props.scope is None


def test_azapi_role_definition_id_is_its_name(tmp_path: Path) -> None:
    found = resources_of(tmp_path, """
resource "azapi_resource" "reader" {
  type      = "Microsoft.Authorization/roleDefinitions@2022-04-01"
  name      = "11111111-2222-3333-4444-555555555555"
  parent_id = "/subscriptions/00000000-0000-0000-0000-000000000000"
  body      = { properties = { roleName = "Fleet Reader" } }
}
""")
    reader = found["azapi_resource.reader"]
    assert reader.props.role_id == "11111111-2222-3333-4444-555555555555"
    assert reader.props.role_name == "Fleet Reader"
    assert reader.where("role_id").line == 4


def test_azurerm_role_arguments_that_arm_bodies_also_carry(tmp_path: Path) -> None:
    # principalType and assignableScopes come through the ARM mapping for Bicep and azapi.
    found = resources_of(tmp_path, """
resource "azurerm_role_definition" "reader" {
  name              = "Fleet Reader"
  scope             = "/subscriptions/00000000-0000-0000-0000-000000000000"
  assignable_scopes = ["/subscriptions/00000000-0000-0000-0000-000000000000"]
  permissions {
    actions = ["Microsoft.ContainerService/fleets/read"]
  }
}
resource "azurerm_role_assignment" "a" {
  scope              = "/subscriptions/00000000-0000-0000-0000-000000000000"
  role_definition_id = azurerm_role_definition.reader.role_definition_resource_id
  principal_id       = "33333333-0000-0000-0000-000000000001"
  principal_type     = "ServicePrincipal"
}
""")
    assert found["azurerm_role_definition.reader"].props.assignable_scopes == \
        ["/subscriptions/00000000-0000-0000-0000-000000000000"]
    assignment = found["azurerm_role_assignment.a"]
    assert assignment.props.principal_type == "ServicePrincipal"
    assert assignment.where("principal_type").line == 14


def test_azapi_identity_principal_is_a_reference_like_azurerms(tmp_path: Path) -> None:
    found = resources_of(tmp_path, """
resource "azapi_resource" "deployer" {
  type      = "Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31"
  name      = "id-deployer"
  parent_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg"
}
resource "azapi_resource" "fleet" {
  type      = "Microsoft.ContainerService/fleets@2025-03-01"
  name      = "fleet"
  parent_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg"
}
resource "azurerm_role_assignment" "identity" {
  scope                = azapi_resource.fleet.id
  role_definition_name = "Reader"
  principal_id         = azapi_resource.deployer.output.properties.principalId
}
resource "azurerm_role_assignment" "not_an_identity" {
  scope                = azapi_resource.fleet.id
  role_definition_name = "Reader"
  principal_id         = azapi_resource.fleet.output.properties.principalId
}
resource "azurerm_role_assignment" "other_path" {
  scope                = azapi_resource.fleet.id
  role_definition_name = "Reader"
  principal_id         = azapi_resource.deployer.output.properties.clientId
}
""")
    assert found["azurerm_role_assignment.identity"].props.principal == \
        ResourceRef(".:azapi_resource.deployer", "principal_id")
    # Anything else read from the response body stays what it was: unknown.
    assert found["azurerm_role_assignment.not_an_identity"].props.principal == \
        Unknown("azapi_resource.fleet.output.properties.principalId")
    assert found["azurerm_role_assignment.other_path"].props.principal == \
        Unknown("azapi_resource.deployer.output.properties.clientId")
