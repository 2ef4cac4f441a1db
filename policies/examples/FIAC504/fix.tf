resource "azurerm_kubernetes_fleet_manager" "fleet" {
  name                = "fleet-prod"
  location            = "westeurope"
  resource_group_name = "rg-fleet"
}
