resource fleet 'Microsoft.ContainerService/fleets@2025-03-01' existing = {
  name: 'fleet'
}

resource tiers 'Microsoft.ContainerService/fleets/updateStrategies@2025-03-01' = {
  parent: fleet
  name: 'tiers'
  properties: {
    strategy: {
      stages: [
        {
          name: 'wave-1'
          groups: [ { name: 'canary' } ]
          afterStageWaitInSeconds: 3600
        }
        {
          name: 'wave-2'
          groups: [ { name: 'prod' } ]
        }
      ]
    }
  }
}
