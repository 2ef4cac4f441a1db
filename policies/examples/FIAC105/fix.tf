variable "fleet_rp_object_id" {
  type        = string
  description = "Object ID of the 'Azure Kubernetes Service - Fleet RP' service principal in the tenant"
}

resource "azurerm_resource_group" "fleet" {
  name     = "rg-fleet"
  location = "westeurope"
}

resource "azurerm_virtual_network" "hub" {
  name                = "vnet-hub"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.fleet.name
  address_space       = ["10.1.0.0/16"]
}

resource "azurerm_subnet" "agents" {
  name                 = "snet-fleet-agents"
  resource_group_name  = azurerm_resource_group.fleet.name
  virtual_network_name = azurerm_virtual_network.hub.name
  address_prefixes     = ["10.1.1.0/24"]
}

resource "azapi_resource" "fleet" {
  type      = "Microsoft.ContainerService/fleets@2025-03-01"
  name      = "fleet"
  location  = "westeurope"
  parent_id = azurerm_resource_group.fleet.id
  body = {
    properties = {
      hubProfile = {
        dnsPrefix = "fleet"
        agentProfile = {
          subnetId = azurerm_subnet.agents.id
        }
        apiServerAccessProfile = {
          enablePrivateCluster = true
        }
      }
    }
  }
}

resource "azurerm_role_assignment" "fleet_rp_network" {
  scope                = azurerm_virtual_network.hub.id
  role_definition_name = "Network Contributor"
  principal_id         = var.fleet_rp_object_id
}
