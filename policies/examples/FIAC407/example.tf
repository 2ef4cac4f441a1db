resource "azapi_resource" "stable" { # expect: FIAC407
  type      = "Microsoft.ContainerService/fleets/autoUpgradeProfiles@2025-03-01"
  name      = "stable"
  parent_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-fleet/providers/Microsoft.ContainerService/fleets/fleet"
  body = {
    properties = {
      channel = "Stable"
    }
  }
}
