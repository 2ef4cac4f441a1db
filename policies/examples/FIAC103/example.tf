data "azurerm_client_config" "current" {}

resource "azurerm_resource_group" "fleet" {
  name     = "rg-fleet"
  location = "westeurope"
}

resource "azapi_resource" "fleet" {
  type      = "Microsoft.ContainerService/fleets@2025-03-01"
  name      = "fleet"
  parent_id = azurerm_resource_group.fleet.id
  location  = "westeurope"
  body = {
    properties = {
      hubProfile = {
        dnsPrefix = "fleet"
      }
    }
  }
}

resource "azurerm_arc_kubernetes_cluster" "edge" {
  name                         = "arc-edge"
  resource_group_name          = azurerm_resource_group.fleet.name
  location                     = "westeurope"
  agent_public_key_certificate = "cert"
  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_kubernetes_fleet_member" "edge" {
  name                  = "arc-edge"
  kubernetes_fleet_id   = azapi_resource.fleet.id
  kubernetes_cluster_id = azurerm_arc_kubernetes_cluster.edge.id # expect: FIAC103
}

resource "azurerm_role_assignment" "fleet" {
  scope                = azurerm_resource_group.fleet.id
  role_definition_name = "Azure Kubernetes Fleet Manager Contributor Role"
  principal_id         = data.azurerm_client_config.current.object_id
}

resource "azurerm_role_assignment" "extensions" {
  scope                = azurerm_arc_kubernetes_cluster.edge.id
  role_definition_name = "Kubernetes Extension Contributor"
  principal_id         = data.azurerm_client_config.current.object_id
}

resource "azurerm_role_definition" "join" {
  name  = "fleet-member-join"
  scope = azurerm_resource_group.fleet.id
  permissions {
    actions = ["Microsoft.ContainerService/fleetMemberships/*"]
  }
}

resource "azurerm_role_assignment" "join" {
  scope              = azurerm_resource_group.fleet.id
  role_definition_id = azurerm_role_definition.join.role_definition_resource_id
  principal_id       = data.azurerm_client_config.current.object_id
}
