resource "azurerm_kubernetes_fleet_manager" "fleet" {
  name                = "fleet"
  location            = "westeurope"
  resource_group_name = "rg-fleet"
}

locals {
  clusters = {
    west  = { member = "prod", id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks-west" }
    north = { member = "prod", id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks-north" }
  }
}

resource "azurerm_kubernetes_fleet_member" "this" {
  for_each              = local.clusters
  name                  = "aks-${each.key}"
  kubernetes_fleet_id   = azurerm_kubernetes_fleet_manager.fleet.id
  kubernetes_cluster_id = each.value.id
  group                 = "prod"
}
