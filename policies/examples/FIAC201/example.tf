resource "azurerm_kubernetes_fleet_manager" "fleet" {
  name                = "fleet"
  location            = "westeurope"
  resource_group_name = "rg-fleet"
}

resource "azurerm_kubernetes_fleet_update_strategy" "tiers" {
  name                        = "tiers"
  kubernetes_fleet_manager_id = azurerm_kubernetes_fleet_manager.fleet.id
  stage {
    name = "canary"
    group {
      name = "canary"
    }
    after_stage_wait_in_seconds = 3600
  }
  stage {
    name = "production"
    group {
      name = "prod"
    }
  }
}

resource "azurerm_kubernetes_fleet_member" "west" {
  name                  = "aks-west"
  kubernetes_fleet_id   = azurerm_kubernetes_fleet_manager.fleet.id
  kubernetes_cluster_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks-west"
  group                 = "production" # expect: FIAC201
}

resource "azurerm_kubernetes_fleet_member" "canary" {
  name                  = "aks-canary"
  kubernetes_fleet_id   = azurerm_kubernetes_fleet_manager.fleet.id
  kubernetes_cluster_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks-canary"
  group                 = "canary"
}
