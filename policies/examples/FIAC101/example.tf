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
  kubernetes_cluster_id = azurerm_kubernetes_cluster.west.id # expect: FIAC101
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

resource "azurerm_role_definition" "join" {
  name  = "fleet-member-join"
  scope = azurerm_resource_group.fleet.id
  permissions {
    actions = ["Microsoft.ContainerService/managedClusters/write", "Microsoft.ContainerService/fleetMemberships/*"]
  }
}

resource "azurerm_role_assignment" "join" {
  scope              = azurerm_resource_group.fleet.id
  role_definition_id = azurerm_role_definition.join.role_definition_resource_id
  principal_id       = data.azurerm_client_config.current.object_id
}
