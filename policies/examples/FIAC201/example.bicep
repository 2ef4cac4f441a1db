resource fleet 'Microsoft.ContainerService/fleets@2025-03-01' = {
  name: 'fleet'
  location: 'westeurope'
}

resource tiers 'Microsoft.ContainerService/fleets/updateStrategies@2025-03-01' = {
  parent: fleet
  name: 'tiers'
  properties: {
    strategy: {
      stages: [
        {
          name: 'canary'
          groups: [ { name: 'canary' } ]
          afterStageWaitInSeconds: 3600
        }
        {
          name: 'production'
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
    group: 'production' // expect: FIAC201
  }
}

resource canary 'Microsoft.ContainerService/fleets/members@2025-03-01' = {
  parent: fleet
  name: 'aks-canary'
  properties: {
    clusterResourceId: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks-canary'
    group: 'canary'
  }
}
