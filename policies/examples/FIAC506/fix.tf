terraform {
  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 4.0"
    }
  }
}

resource "azurerm_kubernetes_fleet_manager" "fleet" {
  name                = "fleet-prod"
  location            = "westeurope"
  resource_group_name = "rg-fleet"
}

resource "azapi_resource" "member" {
  type      = "Microsoft.ContainerService/fleets/members@2025-03-01"
  name      = "aks-west"
  parent_id = azurerm_kubernetes_fleet_manager.fleet.id
  body = {
    properties = {
      clusterResourceId = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-west/providers/Microsoft.ContainerService/managedClusters/aks-west"
      group             = "prod"
    }
  }
}
