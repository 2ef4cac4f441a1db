resource fleet 'Microsoft.ContainerService/fleets@2025-03-01' = {
  name: 'fleet'
  location: 'westeurope'
}

// expect-next-line: FIAC903 x2
// fleetiac:ignore FIAC203 until=2026-01-31
resource west 'Microsoft.ContainerService/fleets/members@2025-03-01' = {
  parent: fleet
  name: 'aks-west'
  properties: {
    clusterResourceId: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks-west'
  }
}
