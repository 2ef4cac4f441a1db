resource fleet 'Microsoft.ContainerService/fleets@2025-03-01' existing = {
  name: 'fleet'
}

resource west 'Microsoft.ContainerService/fleets/members@2025-03-01' = {
  parent: fleet
  name: 'aks-west'
  properties: {
    clusterResourceId: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks-west'
    group: 'prod'
  }
}
