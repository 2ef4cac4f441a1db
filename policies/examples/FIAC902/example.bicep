param group string

resource fleet 'Microsoft.ContainerService/fleets@2025-03-01' = {
  name: 'fleet'
  location: 'westeurope'
}

resource strategy 'Microsoft.ContainerService/fleets/updateStrategies@2025-03-01' = {
  parent: fleet
  name: 'default'
  properties: {
    strategy: {
      stages: [ // expect: FIAC902
        {
          name: 'all'
          groups: [ { name: 'prod' } ]
        }
      ]
    }
  }
}

resource west 'Microsoft.ContainerService/fleets/members@2025-03-01' = {
  parent: fleet
  name: 'aks-west'
  properties: {
    clusterResourceId: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks-west'
    group: group // expect: FIAC902
  }
}
