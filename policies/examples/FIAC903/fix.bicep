resource fleet 'Microsoft.ContainerService/fleets@2025-03-01' = {
  name: 'fleet'
  location: 'westeurope'
}

// fleetiac:ignore FIAC203 until=2027-01-31 -- joins an update group in the next change
resource west 'Microsoft.ContainerService/fleets/members@2025-03-01' = {
  parent: fleet
  name: 'aks-west'
  properties: {
    clusterResourceId: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks-west'
  }
}
