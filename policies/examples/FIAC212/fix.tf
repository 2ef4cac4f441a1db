resource "azurerm_kubernetes_fleet_manager" "fleet" {
  name                = "fleet"
  location            = "westeurope"
  resource_group_name = "rg-fleet"
}

locals {
  groups = { "aks-west" = "canary", "aks-north" = "prod", "aks-east" = "prod" }
}

resource "azurerm_kubernetes_fleet_member" "this" {
  for_each              = local.groups
  name                  = each.key
  kubernetes_fleet_id   = azurerm_kubernetes_fleet_manager.fleet.id
  kubernetes_cluster_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/${each.key}"
  group                 = each.value
}

resource "azurerm_kubernetes_fleet_update_strategy" "tiers" {
  name                        = "tiers"
  kubernetes_fleet_manager_id = azurerm_kubernetes_fleet_manager.fleet.id
  stage {
    name = "canary"
    group {
      name = "canary"
    }
    after_stage_wait_in_seconds = 86400
  }
  stage {
    name = "production"
    group {
      name = "prod"
    }
  }
}

resource "azurerm_kubernetes_fleet_update_run" "patch" {
  name                        = "patch"
  kubernetes_fleet_manager_id = azurerm_kubernetes_fleet_manager.fleet.id
  fleet_update_strategy_id    = azurerm_kubernetes_fleet_update_strategy.tiers.id
  managed_cluster_update {
    upgrade {
      type               = "Full"
      kubernetes_version = "1.34.2"
    }
  }
}
