resource "azurerm_kubernetes_fleet_manager" "fleet" {
  name                = "fleet"
  location            = "westeurope"
  resource_group_name = "rg-fleet"
}

resource "azurerm_kubernetes_fleet_member" "this" {
  for_each              = toset(["aks-west", "aks-north", "aks-east"])
  name                  = each.key
  kubernetes_fleet_id   = azurerm_kubernetes_fleet_manager.fleet.id
  kubernetes_cluster_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/${each.key}"
  group                 = "prod"
}

resource "azurerm_kubernetes_fleet_update_run" "patch" { # expect: FIAC212
  name                        = "patch"
  kubernetes_fleet_manager_id = azurerm_kubernetes_fleet_manager.fleet.id
  managed_cluster_update {
    upgrade {
      type               = "Full"
      kubernetes_version = "1.34.2"
    }
  }
}
