# Fleet of the platform team: one fleet, members joined from the clusters folder's outputs,
# and the pipeline identity that runs `terraform apply`.

data "azurerm_client_config" "current" {}

locals {
  pipeline_principal = data.azurerm_client_config.current.object_id
  location           = "westeurope"
  clusters = {
    "aks-weu-1" = { group = "canary" }
    "aks-weu-2" = { group = "Production" }
    "aks-neu-1" = { group = "production" }
  }
}

resource "azurerm_resource_group" "fleet" {
  name     = "rg-platform-fleet"
  location = local.location
}

resource "azurerm_resource_group" "aks" {
  name     = "rg-platform-aks"
  location = local.location
}

resource "azurerm_kubernetes_fleet_manager" "fleet" {
  name                = "platform-fleet"
  location            = local.location
  resource_group_name = azurerm_resource_group.fleet.name

  hub_profile {
    dns_prefix = "platform-fleet"
  }
}

resource "azurerm_kubernetes_fleet_member" "this" {
  for_each              = local.clusters
  name                  = each.key
  kubernetes_fleet_id   = azurerm_kubernetes_fleet_manager.fleet.id
  kubernetes_cluster_id = azurerm_kubernetes_cluster.member[each.key].id
  group                 = each.value.group
}

resource "azurerm_kubernetes_fleet_update_strategy" "rollout" {
  name                        = "rollout"
  kubernetes_fleet_manager_id = azurerm_kubernetes_fleet_manager.fleet.id

  stage {
    name = "canary"
    group {
      name = "canary"
    }
    after_stage_wait_in_seconds = 3600
  }

  stage {
    name = "production"
    group {
      name = "production"
    }
  }
}
