resource "azurerm_kubernetes_fleet_manager" "fleet" {
  name = "fleet"
  location "westeurope" # expect: FIAC901
}
