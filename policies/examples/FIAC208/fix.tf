resource "azurerm_kubernetes_fleet_update_run" "upgrade" {
  name                        = "upgrade"
  kubernetes_fleet_manager_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-fleet/providers/Microsoft.ContainerService/fleets/fleet"
  fleet_update_strategy_id    = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-fleet/providers/Microsoft.ContainerService/fleets/fleet/updateStrategies/tiers"
  managed_cluster_update {
    upgrade {
      type               = "Full"
      kubernetes_version = "1.36.2"
    }
  }
}
