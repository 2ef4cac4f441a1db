resource "azurerm_kubernetes_fleet_manager" "fleet" {
  name                = "Fleet_Prod" # expect: FIAC504
  location            = "westeurope"
  resource_group_name = "rg-fleet"
}
