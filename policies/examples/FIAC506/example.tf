terraform {
  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = ">= 3.60, < 3.95"
    }
  }
}

resource "azurerm_kubernetes_fleet_manager" "fleet" { # expect: FIAC506
  name                = "fleet-prod"
  location            = "westeurope"
  resource_group_name = "rg-fleet"
}

resource "azapi_resource" "member" {
  type      = "Microsoft.ContainerService/fleets/members@2023-03-15-preview" # expect: FIAC506
  name      = "aks-west"
  parent_id = azurerm_kubernetes_fleet_manager.fleet.id
  body = {
    properties = {
      clusterResourceId = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-west/providers/Microsoft.ContainerService/managedClusters/aks-west"
      group             = "prod"
    }
  }
}
