resource "azapi_resource" "weekend" {
  type      = "Microsoft.ContainerService/fleets/updateStrategies@2026-06-01"
  name      = "weekend"
  parent_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-fleet/providers/Microsoft.ContainerService/fleets/fleet"
  body = {
    properties = {
      strategy = {
        stages = [
          {
            name   = "production"
            groups = [{ name = "prod" }]
            afterGates = [ # expect: FIAC211
              {
                type = "ScheduledStart"
                scheduledStartConfiguration = {
                  startDay  = "Saturday"
                  startTime = "02:00"
                  utcOffset = "+01:00"
                }
              }
            ]
          }
        ]
      }
    }
  }
}
