resource fleet 'Microsoft.ContainerService/fleets@2026-06-01' = {
  name: 'fleet'
  location: 'westeurope'
}

var clusters = [ 'aks-west', 'aks-north', 'aks-east' ]

resource members 'Microsoft.ContainerService/fleets/members@2026-06-01' = [for name in clusters: {
  parent: fleet
  name: name
  properties: {
    clusterResourceId: resourceId('rg-aks', 'Microsoft.ContainerService/managedClusters', name)
    group: 'prod'
  }
}]

resource everything 'Microsoft.ContainerService/fleets/updateStrategies@2026-06-01' = {
  parent: fleet
  name: 'everything'
  properties: {
    strategy: {
      stages: [
        {
          name: 'all' // expect: FIAC212
          groups: [ { name: 'prod' } ]
        }
      ]
    }
  }
}
