# The pipeline manages the fleet and its membership...
resource "azurerm_role_assignment" "pipeline_fleet" {
  scope                = azurerm_resource_group.fleet.id
  role_definition_name = "Azure Kubernetes Fleet Manager Contributor Role"
  principal_id         = local.pipeline_principal
}

# ...and administers the clusters. Cluster Admin does not include listClusterUserCredential,
# which joining a member needs.
resource "azurerm_role_assignment" "pipeline_aks" {
  scope                = azurerm_resource_group.aks.id
  role_definition_name = "Azure Kubernetes Service Cluster Admin Role"
  principal_id         = local.pipeline_principal
}

# Platform engineers may read credentials, but they do not run the pipeline.
resource "azurerm_role_assignment" "engineers_aks" {
  scope                = azurerm_resource_group.aks.id
  role_definition_name = "Azure Kubernetes Service Cluster User Role"
  principal_id         = var.platform_engineers_group_id
}

variable "platform_engineers_group_id" {
  type    = string
  default = "6f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9"
}
