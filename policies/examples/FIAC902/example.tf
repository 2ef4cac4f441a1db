variable "group" {
  type = string
}

resource "azurerm_kubernetes_fleet_manager" "fleet" {
  name                = "fleet"
  location            = "westeurope"
  resource_group_name = "rg-fleet"
}

resource "azurerm_kubernetes_fleet_update_strategy" "default" { # expect: FIAC902
  name                        = "default"
  kubernetes_fleet_manager_id = azurerm_kubernetes_fleet_manager.fleet.id
  stage {
    name = "all"
    group {
      name = "prod"
    }
  }
}

resource "azurerm_kubernetes_fleet_member" "west" {
  name                  = "aks-west"
  kubernetes_fleet_id   = azurerm_kubernetes_fleet_manager.fleet.id
  kubernetes_cluster_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks-west"
  group                 = var.group # expect: FIAC902
}
