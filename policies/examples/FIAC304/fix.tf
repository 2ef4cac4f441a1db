variable "fleet_rp_object_id" {
  type        = string
  description = "Object ID of the 'Azure Kubernetes Service - Fleet RP' service principal in the tenant"
}

resource "azapi_resource" "fleet" {
  type      = "Microsoft.ContainerService/fleets@2025-03-01"
  name      = "fleet-prod"
  parent_id = azurerm_resource_group.fleet.id
  location  = "westeurope"
  body = {
    properties = {
      hubProfile = {
        dnsPrefix = "fleet-prod"
        agentProfile = {
          subnetId = azurerm_subnet.hub_agents.id
        }
        apiServerAccessProfile = {
          enablePrivateCluster = true
        }
      }
    }
  }
}

resource "azurerm_resource_group" "fleet" {
  name     = "rg-fleet"
  location = "westeurope"
}

resource "azurerm_virtual_network" "hub" {
  name                = "vnet-fleet-hub"
  resource_group_name = azurerm_resource_group.fleet.name
  location            = "westeurope"
  address_space       = ["10.224.0.0/12"]
}

resource "azurerm_subnet" "hub_agents" {
  name                 = "hub-agents"
  resource_group_name  = azurerm_resource_group.fleet.name
  virtual_network_name = azurerm_virtual_network.hub.name
  address_prefixes     = ["10.224.0.0/24"]
}

resource "azurerm_role_assignment" "fleet_rp_network" {
  scope                = azurerm_subnet.hub_agents.id
  role_definition_name = "Network Contributor"
  principal_id         = var.fleet_rp_object_id
}
