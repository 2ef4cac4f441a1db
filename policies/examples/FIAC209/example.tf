resource "azurerm_kubernetes_fleet_manager" "fleet" {
  name                = "fleet"
  location            = "westeurope"
  resource_group_name = "rg-fleet"
}

resource "azapi_resource" "tiers" {
  type      = "Microsoft.ContainerService/fleets/updateStrategies@2026-06-01"
  name      = "tiers"
  parent_id = azurerm_kubernetes_fleet_manager.fleet.id
  body = {
    properties = {
      strategy = {
        stages = [
          {
            name       = "canary"
            groups     = [{ name = "canary" }]
            afterGates = [{ type = "Approval", displayName = "Canary looks healthy" }]
          },
          {
            name   = "production"
            groups = [{ name = "prod" }]
          }
        ]
      }
    }
  }
}

resource "azapi_resource" "stable" {
  type      = "Microsoft.ContainerService/fleets/autoUpgradeProfiles@2026-06-01"
  name      = "stable"
  parent_id = azurerm_kubernetes_fleet_manager.fleet.id
  body = {
    properties = {
      channel          = "Stable"
      updateStrategyId = azapi_resource.tiers.id # expect: FIAC209
    }
  }
}
