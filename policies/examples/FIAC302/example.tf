resource "azurerm_kubernetes_fleet_manager" "fleet" {
  name                = "fleet"
  location            = "westeurope"
  resource_group_name = "rg-fleet"
  hub_profile { # expect: FIAC302
    dns_prefix = "fleet"
  }
}
