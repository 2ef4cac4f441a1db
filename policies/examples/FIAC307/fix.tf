variable "fleet_rp_object_id" {
  type        = string
  description = "Object ID of the 'Azure Kubernetes Service - Fleet RP' service principal in the tenant"
}

resource "azapi_resource" "fleet" {
  type      = "Microsoft.ContainerService/fleets@2025-03-01"
  name      = "fleet-prod"
  parent_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-fleet"
  location  = "westeurope"
  body = {
    properties = {
      hubProfile = {
        dnsPrefix = "fleet-prod"
        agentProfile = {
          subnetId = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-hub/subnets/hub-agents"
        }
        apiServerAccessProfile = {
          enablePrivateCluster = true
        }
      }
    }
  }
}

resource "azapi_resource" "edge" {
  type      = "Microsoft.Kubernetes/connectedClusters@2024-07-01-preview"
  name      = "edge-01"
  parent_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-arc"
  location  = "westeurope"
  identity {
    type = "SystemAssigned"
  }
  body = {
    properties = {
      agentPublicKeyCertificate = ""
      gateway = {
        resourceId = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-arc/providers/Microsoft.HybridCompute/gateways/arc-gateway"
      }
    }
  }
}

resource "azurerm_kubernetes_fleet_member" "edge" {
  name                  = "edge-01"
  kubernetes_fleet_id   = azapi_resource.fleet.id
  kubernetes_cluster_id = azapi_resource.edge.id
}

resource "azurerm_role_assignment" "fleet_rp_network" {
  scope                = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-hub/subnets/hub-agents"
  role_definition_name = "Network Contributor"
  principal_id         = var.fleet_rp_object_id
}
