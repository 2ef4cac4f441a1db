resource "azurerm_kubernetes_fleet_manager" "fleet" {
  name                = "fleet"
  location            = "westeurope"
  resource_group_name = "rg-fleet"
}

resource "azapi_resource" "west" {
  type      = "Microsoft.ContainerService/fleets/members@2026-06-01"
  name      = "aks-west"
  parent_id = azurerm_kubernetes_fleet_manager.fleet.id
  body = {
    properties = {
      clusterResourceId = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks-west"
      labels            = { env = "production" }
    }
  }
}

resource "azapi_resource" "rings" {
  type      = "Microsoft.ContainerService/fleets/updateStrategies@2026-06-01"
  name      = "rings"
  parent_id = azurerm_kubernetes_fleet_manager.fleet.id
  body = {
    properties = {
      strategy = {
        stages = [
          {
            name           = "production"
            memberSelector = { byLabel = "env=prod" } # expect: FIAC210
          }
        ]
      }
    }
  }
}
