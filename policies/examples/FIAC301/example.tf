resource "azurerm_kubernetes_fleet_manager" "fleet" {
  name                = "fleet"
  location            = "westeurope"
  resource_group_name = "rg-fleet"
}

resource "azapi_resource" "team_a" {
  type      = "Microsoft.ContainerService/fleets/managedNamespaces@2026-06-01"
  name      = "team-a"
  parent_id = azurerm_kubernetes_fleet_manager.fleet.id # expect: FIAC301
  body = {
    properties = {}
  }
}
