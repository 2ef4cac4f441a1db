resource "azurerm_kubernetes_cluster" "west" {
  name                    = "aks-west"
  location                = "westeurope"
  resource_group_name     = "rg-aks"
  dns_prefix              = "aks-west"
  node_os_upgrade_channel = "Unmanaged" # expect: FIAC408
  default_node_pool {
    name       = "system"
    vm_size    = "Standard_D4s_v5"
    node_count = 3
  }
  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_kubernetes_fleet_member" "west" {
  name                  = "aks-west"
  kubernetes_fleet_id   = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-fleet/providers/Microsoft.ContainerService/fleets/fleet"
  kubernetes_cluster_id = azurerm_kubernetes_cluster.west.id
  group                 = "prod"
}
