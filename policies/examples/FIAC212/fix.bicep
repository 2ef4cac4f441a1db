resource fleet 'Microsoft.ContainerService/fleets@2026-06-01' = {
  name: 'fleet'
  location: 'westeurope'
}

var clusters = [
  { name: 'aks-west', group: 'canary' }
  { name: 'aks-north', group: 'prod' }
  { name: 'aks-east', group: 'prod' }
]

resource members 'Microsoft.ContainerService/fleets/members@2026-06-01' = [for c in clusters: {
  parent: fleet
  name: c.name
  properties: {
    clusterResourceId: resourceId('rg-aks', 'Microsoft.ContainerService/managedClusters', c.name)
    group: c.group
  }
}]

resource tiers 'Microsoft.ContainerService/fleets/updateStrategies@2026-06-01' = {
  parent: fleet
  name: 'tiers'
  properties: {
    strategy: {
      stages: [
        {
          name: 'canary'
          groups: [ { name: 'canary' } ]
          afterStageWaitInSeconds: 86400
        }
        {
          name: 'production'
          groups: [ { name: 'prod' } ]
        }
      ]
    }
  }
}
