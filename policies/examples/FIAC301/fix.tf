resource "azapi_resource" "fleet" {
  type      = "Microsoft.ContainerService/fleets@2026-06-01"
  name      = "fleet"
  parent_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-fleet"
  location  = "westeurope"
  body = {
    properties = {
      hubProfile = {
        dnsPrefix = "fleet"
      }
    }
  }
}

resource "azapi_resource" "team_a" {
  type      = "Microsoft.ContainerService/fleets/managedNamespaces@2026-06-01"
  name      = "team-a"
  parent_id = azapi_resource.fleet.id
  body = {
    properties = {}
  }
}
