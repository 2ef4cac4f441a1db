resource fleet 'Microsoft.ContainerService/fleets@2026-06-01' = {
  name: 'fleet'
  location: 'westeurope'
}

resource west 'Microsoft.ContainerService/fleets/members@2026-06-01' = {
  parent: fleet
  name: 'aks-west'
  properties: {
    clusterResourceId: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks-west'
    labels: { env: 'production' }
  }
}

resource rings 'Microsoft.ContainerService/fleets/updateStrategies@2026-06-01' = {
  parent: fleet
  name: 'rings'
  properties: {
    strategy: {
      stages: [
        {
          name: 'production'
          memberSelector: { byLabel: 'env=prod' } // expect: FIAC210
        }
      ]
    }
  }
}
