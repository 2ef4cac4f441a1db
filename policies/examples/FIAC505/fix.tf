resource "azurerm_user_assigned_identity" "fleet" {
  name                = "id-fleet"
  location            = "westeurope"
  resource_group_name = "rg-fleet"
}

resource "azapi_resource" "fleet" {
  type      = "Microsoft.ContainerService/fleets@2025-03-01"
  name      = "fleet"
  location  = "westeurope"
  parent_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-fleet"
  identity {
    type         = "UserAssigned"
    identity_ids = [azurerm_user_assigned_identity.fleet.id]
  }
  body = {
    properties = {}
  }
}
