resource "azurerm_kubernetes_fleet_manager" "fleet" {
  name                = "fleet"
  location            = "westeurope"
  resource_group_name = "rg-fleet"
}

resource "azurerm_arc_kubernetes_cluster" "edge" {
  name                         = "arc-edge"
  resource_group_name          = "rg-fleet"
  location                     = "westeurope"
  agent_public_key_certificate = "cert"
  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_kubernetes_fleet_member" "edge" {
  name                  = "arc-edge"
  kubernetes_fleet_id   = azurerm_kubernetes_fleet_manager.fleet.id
  kubernetes_cluster_id = azurerm_arc_kubernetes_cluster.edge.id
  group                 = "prod" # expect: FIAC502
}

resource "azurerm_kubernetes_fleet_update_strategy" "tiers" {
  name                        = "tiers"
  kubernetes_fleet_manager_id = azurerm_kubernetes_fleet_manager.fleet.id
  stage {
    name = "production"
    group {
      name = "prod"
    }
  }
}
