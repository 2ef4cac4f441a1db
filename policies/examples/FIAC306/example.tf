resource "azapi_resource" "fleet" {
  type      = "Microsoft.ContainerService/fleets@2025-03-01"
  name      = "fleet-prod"
  parent_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-fleet"
  location  = "westeurope"
  body = {
    properties = {
      hubProfile = {
        dnsPrefix = "fleet-prod"
        apiServerAccessProfile = {
          enableVnetIntegration = true
          subnetId              = azurerm_subnet.apiserver.id
        }
      }
    }
  }
}

resource "azurerm_subnet" "apiserver" { # expect: FIAC306
  name                 = "hub-apiserver"
  resource_group_name  = "rg-fleet"
  virtual_network_name = "vnet-fleet-hub"
  address_prefixes     = ["10.224.1.0/28"]
}
