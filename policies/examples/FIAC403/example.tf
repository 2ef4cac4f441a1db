resource "azurerm_kubernetes_fleet_manager" "fleet" {
  name                = "fleet"
  location            = "westeurope"
  resource_group_name = "rg-fleet"
}

resource "azurerm_kubernetes_cluster" "west" {
  name                = "aks-west"
  location            = "westeurope"
  resource_group_name = "rg-aks"
  dns_prefix          = "aks-west"
  kubernetes_version  = "1.35"
  default_node_pool {
    name       = "system"
    vm_size    = "Standard_D4s_v5"
    node_count = 3
  }
  identity {
    type = "SystemAssigned"
  }
  lifecycle {
    ignore_changes = [kubernetes_version]
  }
}

resource "azurerm_kubernetes_fleet_member" "west" {
  name                  = "aks-west"
  kubernetes_fleet_id   = azurerm_kubernetes_fleet_manager.fleet.id
  kubernetes_cluster_id = azurerm_kubernetes_cluster.west.id
  group                 = "prod"
}

resource "azurerm_kubernetes_fleet_update_run" "upgrade" {
  name                        = "upgrade"
  kubernetes_fleet_manager_id = azurerm_kubernetes_fleet_manager.fleet.id
  managed_cluster_update {
    upgrade {
      type               = "Full"
      kubernetes_version = "1.37.1" # expect: FIAC403
    }
  }
}
