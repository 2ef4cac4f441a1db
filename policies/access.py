"""Access (FIAC1xx): the permissions an operator needs to build a fleet and join its members."""

from __future__ import annotations

from analyzer.access import coverage, grants_of, member_cluster, operators
from analyzer.rules import RuleContext, rule
from analyzer.values import display

LIST_USER_CREDENTIAL = "Microsoft.ContainerService/managedClusters/listClusterUserCredential/action"


@rule("FIAC101", "member-missing-list-credential-grant", "error",
      "An operator lacks listClusterUserCredential on an AKS member's cluster, so the join fails.",
      tags=("access", "security", "membership"))
def member_missing_list_credential_grant(ctx: RuleContext) -> None:
    """
    ## What it finds

    A principal that manages a fleet's membership (an *operator*: it holds
    `Microsoft.ContainerService/fleets/members/write` at a scope containing the fleet, or it is named
    in the configuration) but holds no role granting
    `Microsoft.ContainerService/managedClusters/listClusterUserCredential/action` at a scope containing
    the cluster of an AKS member of that fleet. The finding is reported on the member's cluster
    reference and names the operator, the cluster and the grants that were considered.

    A grant whose role or scope cannot be resolved statically may cover the cluster, so it
    suppresses the finding (see `--show-unknown`).

    ## Why it matters

    Joining a cluster to a fleet calls `listClusterUserCredential` on the cluster with the caller's
    identity. Without it the member resource fails to deploy with an authorization error, after the
    fleet and the cluster were already created. The *Azure Kubernetes Service Cluster Admin Role*
    looks sufficient but grants `listClusterAdminCredential` only, not the user credential.

    ## Example

    ```terraform
    data "azurerm_client_config" "current" {}

    resource "azurerm_resource_group" "fleet" {
      name     = "rg-fleet"
      location = "westeurope"
    }

    resource "azurerm_kubernetes_fleet_manager" "fleet" {
      name                = "fleet"
      location            = "westeurope"
      resource_group_name = azurerm_resource_group.fleet.name
    }

    resource "azurerm_kubernetes_cluster" "west" {
      name                = "aks-west"
      location            = "westeurope"
      resource_group_name = azurerm_resource_group.fleet.name
      dns_prefix          = "aks-west"
    }

    resource "azurerm_kubernetes_fleet_member" "west" {
      name                  = "aks-west"
      kubernetes_fleet_id   = azurerm_kubernetes_fleet_manager.fleet.id
      kubernetes_cluster_id = azurerm_kubernetes_cluster.west.id
      group                 = "prod"
    }

    resource "azurerm_role_assignment" "fleet" {
      scope                = azurerm_resource_group.fleet.id
      role_definition_name = "Azure Kubernetes Fleet Manager Contributor Role"
      principal_id         = data.azurerm_client_config.current.object_id
    }

    resource "azurerm_role_assignment" "aks" {
      scope                = azurerm_kubernetes_cluster.west.id
      role_definition_name = "Azure Kubernetes Service Cluster Admin Role"
      principal_id         = data.azurerm_client_config.current.object_id
    }
    ```

    ```bicep
    param deployerId string

    resource fleet 'Microsoft.ContainerService/fleets@2025-03-01' = {
      name: 'fleet'
      location: 'westeurope'
    }

    resource aks 'Microsoft.ContainerService/managedClusters@2025-05-01' = {
      name: 'aks-west'
      location: 'westeurope'
    }

    resource member 'Microsoft.ContainerService/fleets/members@2025-03-01' = {
      parent: fleet
      name: 'aks-west'
      properties: {
        clusterResourceId: aks.id
        group: 'prod'
      }
    }

    resource fleetAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
      name: guid(resourceGroup().id, deployerId, 'fleet')
      properties: {
        principalId: deployerId
        roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '63bb64ad-9799-4770-b5c3-24ed299a07bf')
      }
    }

    resource aksAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
      scope: aks
      name: guid(aks.id, deployerId, 'admin')
      properties: {
        principalId: deployerId
        roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '0ab0b1a8-8aac-4efd-b8c2-3ee1fb270be8')
      }
    }
    ```

    ## Fix

    Grant the operator a role with the user credential action on the cluster (or its resource
    group): *Azure Kubernetes Service Cluster User Role*, *Azure Kubernetes Service RBAC Cluster
    Admin*, *Azure Kubernetes Service Contributor Role*, or a custom role with
    `managedClusters/listClusterUserCredential/action`.

    ```terraform
    data "azurerm_client_config" "current" {}

    resource "azurerm_resource_group" "fleet" {
      name     = "rg-fleet"
      location = "westeurope"
    }

    resource "azurerm_kubernetes_fleet_manager" "fleet" {
      name                = "fleet"
      location            = "westeurope"
      resource_group_name = azurerm_resource_group.fleet.name
    }

    resource "azurerm_kubernetes_cluster" "west" {
      name                = "aks-west"
      location            = "westeurope"
      resource_group_name = azurerm_resource_group.fleet.name
      dns_prefix          = "aks-west"
    }

    resource "azurerm_kubernetes_fleet_member" "west" {
      name                  = "aks-west"
      kubernetes_fleet_id   = azurerm_kubernetes_fleet_manager.fleet.id
      kubernetes_cluster_id = azurerm_kubernetes_cluster.west.id
      group                 = "prod"
    }

    resource "azurerm_role_assignment" "fleet" {
      scope                = azurerm_resource_group.fleet.id
      role_definition_name = "Azure Kubernetes Fleet Manager Contributor Role"
      principal_id         = data.azurerm_client_config.current.object_id
    }

    resource "azurerm_role_assignment" "aks" {
      scope                = azurerm_kubernetes_cluster.west.id
      role_definition_name = "Azure Kubernetes Service Cluster User Role"
      principal_id         = data.azurerm_client_config.current.object_id
    }
    ```

    ```bicep
    param deployerId string

    resource fleet 'Microsoft.ContainerService/fleets@2025-03-01' = {
      name: 'fleet'
      location: 'westeurope'
    }

    resource aks 'Microsoft.ContainerService/managedClusters@2025-05-01' = {
      name: 'aks-west'
      location: 'westeurope'
    }

    resource member 'Microsoft.ContainerService/fleets/members@2025-03-01' = {
      parent: fleet
      name: 'aks-west'
      properties: {
        clusterResourceId: aks.id
        group: 'prod'
      }
    }

    resource fleetAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
      name: guid(resourceGroup().id, deployerId, 'fleet')
      properties: {
        principalId: deployerId
        roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '63bb64ad-9799-4770-b5c3-24ed299a07bf')
      }
    }

    resource aksAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
      scope: aks
      name: guid(aks.id, deployerId, 'user')
      properties: {
        principalId: deployerId
        roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '4abbcc35-e782-43d8-92c5-2d3f1bd2253f')
      }
    }
    ```

    ## References

    - [Azure Kubernetes Fleet Manager: access to join member clusters](https://learn.microsoft.com/azure/kubernetes-fleet/concepts-fleet-rbac)
    - [Built-in roles: Containers](https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/containers)
    """
    graph = ctx.graph
    for fleet in graph.of_kind("fleet"):
        fleet_operators = operators(graph, fleet, ctx.grants, ctx.operators)
        if not fleet_operators:
            continue
        for member in graph.referrers(fleet, "fleet", kind="member"):
            joined = member_cluster(graph, member)
            cluster, target = joined.resource, joined.target
            if target is None:
                ctx.unknown(member, f"cluster {display(joined.value)} cannot be placed", at=("cluster",))
                continue
            if joined.flavor != "aks":
                continue
            cluster_name = joined.name
            for operator in fleet_operators:
                principal_grants = grants_of(ctx.grants, operator.key)
                result = coverage(graph, principal_grants, LIST_USER_CREDENTIAL, target)
                if result.covered is None:
                    ctx.unknown(member, f"a grant of {display(operator.principal)} may cover {cluster_name}",
                                at=("cluster",))
                    continue
                if result.covered:
                    continue
                held = ", ".join(g.describe() for g in principal_grants) or "none"
                ctx.report(
                    member,
                    f"operator {display(operator.principal)} ({operator.reason}) lacks "
                    f"listClusterUserCredential on cluster {cluster_name}; joining member "
                    f"{member.address} to fleet {fleet.address} will fail (its grants: {held})",
                    at=("cluster",),
                    hint="assign 'Azure Kubernetes Service Cluster User Role' (or a role with "
                         "managedClusters/listClusterUserCredential/action) to the operator on the cluster "
                         "or its resource group; 'Cluster Admin Role' does not include it",
                    related=(fleet.address, *([cluster.address] if cluster else [])),
                )

