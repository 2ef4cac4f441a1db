resource "azurerm_kubernetes_fleet_member" "west" {
  name                  = "aks-west"
  kubernetes_fleet_id   = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-fleet/providers/Microsoft.ContainerService/fleets/fleet"
  kubernetes_cluster_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks-west"
  group                 = "prod"
}
