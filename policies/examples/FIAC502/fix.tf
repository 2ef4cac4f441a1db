resource "azapi_resource" "fleet" {
  type      = "Microsoft.ContainerService/fleets@2025-03-01"
  name      = "fleet"
  parent_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-fleet"
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
  resource_group_name          = "rg-fleet"
  location                     = "westeurope"
  agent_public_key_certificate = "cert"
  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_kubernetes_fleet_member" "edge" {
  name                  = "arc-edge"
  kubernetes_fleet_id   = azapi_resource.fleet.id
  kubernetes_cluster_id = azurerm_arc_kubernetes_cluster.edge.id
}

resource "azurerm_kubernetes_fleet_member" "west" {
  name                  = "aks-west"
  kubernetes_fleet_id   = azapi_resource.fleet.id
  kubernetes_cluster_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-fleet/providers/Microsoft.ContainerService/managedClusters/aks-west"
  group                 = "prod"
}

resource "azurerm_kubernetes_fleet_update_strategy" "tiers" {
  name                        = "tiers"
  kubernetes_fleet_manager_id = azapi_resource.fleet.id
  stage {
    name = "production"
    group {
      name = "prod"
    }
  }
}
