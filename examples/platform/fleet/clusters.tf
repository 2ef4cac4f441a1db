resource "azurerm_kubernetes_cluster" "member" {
  for_each            = local.clusters
  name                = each.key
  location            = local.location
  resource_group_name = azurerm_resource_group.aks.name
  dns_prefix          = each.key
  kubernetes_version  = "1.35"

  default_node_pool {
    name       = "system"
    node_count = 3
    vm_size    = "Standard_D4ds_v5"
  }

  identity {
    type = "SystemAssigned"
  }
}
