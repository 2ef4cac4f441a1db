resource "azapi_resource" "tiers" {
  type      = "Microsoft.ContainerService/fleets/updateStrategies@2026-06-01"
  name      = "tiers"
  parent_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-fleet/providers/Microsoft.ContainerService/fleets/fleet"
  body = {
    properties = {
      strategy = {
        stages = [
          {
            name           = "production"
            maxConcurrency = "2"
            groups = [
              { name = "prod", maxConcurrency = "5" } # expect: FIAC206
            ]
          }
        ]
      }
    }
  }
}
