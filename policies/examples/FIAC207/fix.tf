resource "azurerm_kubernetes_fleet_update_strategy" "tiers" {
  name                        = "tiers"
  kubernetes_fleet_manager_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-fleet/providers/Microsoft.ContainerService/fleets/fleet"
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
