resource "azapi_resource" "fleet" {
  type      = "Microsoft.ContainerService/fleets@2025-03-01"
  name      = "fleet-prod"
  parent_id = azurerm_resource_group.fleet.id
  location  = "westeurope"
  body = {
    properties = {
      hubProfile = {
        dnsPrefix = "fleet-prod"
        apiServerAccessProfile = {
          enablePrivateCluster = true # expect: FIAC304
        }
      }
    }
  }
}

resource "azurerm_resource_group" "fleet" {
  name     = "rg-fleet"
  location = "westeurope"
}
