resource fleet 'Microsoft.ContainerService/fleets@2025-03-01' = {
  name: 'fleet'
  location: 'westeurope'
}

resource tiers 'Microsoft.ContainerService/fleets/updateStrategies@2025-03-01' = {
  parent: fleet
  name: 'tiers'
  properties: {
    strategy: {
      stages: [ { name: 'all', groups: [ { name: 'prod' } ] } ]
    }
  }
}

resource upgrade 'Microsoft.ContainerService/fleets/updateRuns@2025-03-01' = {
  parent: fleet
  name: 'upgrade'
  properties: {
    updateStrategyId: tiers.id
    managedClusterUpdate: {
      upgrade: { type: 'Full', kubernetesVersion: '1.36.2' }
    }
  }
}
