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

resource "azurerm_user_assigned_identity" "fleet" {
  name                = "id-fleet"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.fleet.name
}

resource "azapi_resource" "fleet" {
  type      = "Microsoft.ContainerService/fleets@2025-03-01"
  name      = "fleet"
  location  = "westeurope"
  parent_id = azurerm_resource_group.fleet.id
  identity {
    type         = "UserAssigned"
    identity_ids = [azurerm_user_assigned_identity.fleet.id]
  }
  body = {
    properties = {
      hubProfile = {
        dnsPrefix = "fleet"
        agentProfile = {
          subnetId = azurerm_subnet.agents.id # expect: FIAC106
        }
        apiServerAccessProfile = {
          enablePrivateCluster = true
        }
      }
    }
  }
}

# The fleet's own identity gets the role: the Fleet RP still has none.
resource "azurerm_role_assignment" "agents" {
  scope                = azurerm_subnet.agents.id
  role_definition_name = "Network Contributor"
  principal_id         = azurerm_user_assigned_identity.fleet.principal_id
}
