resource fleet 'Microsoft.ContainerService/fleets@2026-06-01' = {
  name: 'fleet'
  location: 'westeurope'
}

resource cluster 'Microsoft.ContainerService/managedClusters@2025-05-01' existing = {
  name: 'aks-west'
}

resource west 'Microsoft.ContainerService/fleets/members@2026-06-01' = {
  parent: fleet
  name: 'aks-west'
  properties: {
    clusterResourceId: cluster.id
    group: 'prod'
  }
}
