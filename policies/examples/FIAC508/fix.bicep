resource fleet 'Microsoft.ContainerService/fleets@2026-06-01' = {
  name: 'fleet'
  location: 'westeurope'
}

resource west 'Microsoft.ContainerService/fleets/members@2026-06-01' = {
  parent: fleet
  name: 'aks-west'
  properties: {
    clusterResourceId: resourceId('rg-aks', 'Microsoft.ContainerService/managedClusters', 'aks-west')
    group: 'prod'
  }
}

resource north 'Microsoft.ContainerService/fleets/members@2026-06-01' = {
  parent: fleet
  name: 'aks-north'
  properties: {
    clusterResourceId: resourceId('rg-aks', 'Microsoft.ContainerService/managedClusters', 'aks-north')
    group: 'prod'
  }
}
