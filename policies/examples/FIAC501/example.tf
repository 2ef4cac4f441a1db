resource "azurerm_kubernetes_fleet_manager" "fleet" {
  name                = "fleet"
  location            = "westeurope"
  resource_group_name = "rg-fleet"
}

resource "azurerm_kubernetes_cluster" "west" {
  name                = "aks-west"
  location            = "westeurope"
  resource_group_name = "rg-fleet"
  dns_prefix          = "aks-west"
}

resource "azurerm_kubernetes_fleet_member" "west" {
  name                  = "aks-west"
  kubernetes_fleet_id   = azurerm_kubernetes_fleet_manager.fleet.id
  kubernetes_cluster_id = azurerm_kubernetes_cluster.wets.id # expect: FIAC501
  group                 = "prod"
}
