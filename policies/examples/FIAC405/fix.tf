resource "azapi_resource" "stable" {
  type      = "Microsoft.ContainerService/fleets/autoUpgradeProfiles@2026-06-01"
  name      = "stable"
  parent_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-fleet/providers/Microsoft.ContainerService/fleets/fleet"
  body = {
    properties = {
      channel          = "Stable"
      updateStrategyId = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-fleet/providers/Microsoft.ContainerService/fleets/fleet/updateStrategies/tiers"
    }
  }
}
