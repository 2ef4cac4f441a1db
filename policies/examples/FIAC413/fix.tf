resource "azurerm_kubernetes_fleet_manager" "fleet" {
  name                = "fleet"
  location            = "westeurope"
  resource_group_name = "rg-fleet"
}

resource "azapi_resource" "auto" {
  type      = "Microsoft.ContainerService/managedClusters@2025-05-01"
  name      = "aks-auto"
  location  = "westeurope"
  parent_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-aks"
  body = {
    sku = {
      name = "Base"
      tier = "Standard"
    }
    properties = {
      kubernetesVersion = "1.35"
    }
  }
}

resource "azurerm_kubernetes_fleet_member" "auto" {
  name                  = "aks-auto"
  kubernetes_fleet_id   = azurerm_kubernetes_fleet_manager.fleet.id
  kubernetes_cluster_id = azapi_resource.auto.id
  group                 = "prod"
}

resource "azurerm_kubernetes_fleet_update_run" "upgrade" {
  name                        = "upgrade"
  kubernetes_fleet_manager_id = azurerm_kubernetes_fleet_manager.fleet.id
  managed_cluster_update {
    upgrade {
      type               = "Full"
      kubernetes_version = "1.36.3"
    }
  }
}
