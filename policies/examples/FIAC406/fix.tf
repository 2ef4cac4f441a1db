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
  kubernetes_fleet_id   = azurerm_kubernetes_fleet_manager.fleet.id
  kubernetes_cluster_id = azurerm_kubernetes_cluster.west.id
  group                 = "prod"
}

resource "azapi_resource" "stable" {
  type      = "Microsoft.ContainerService/fleets/autoUpgradeProfiles@2026-06-01"
  name      = "stable"
  parent_id = azurerm_kubernetes_fleet_manager.fleet.id
  body = {
    properties = {
      channel          = "Stable"
      updateStrategyId = azurerm_kubernetes_fleet_update_strategy.tiers.id
    }
  }
}

resource "azurerm_kubernetes_fleet_update_strategy" "tiers" {
  name                        = "tiers"
  kubernetes_fleet_manager_id = azurerm_kubernetes_fleet_manager.fleet.id
  stage {
    name = "production"
    group {
      name = "prod"
    }
  }
}
