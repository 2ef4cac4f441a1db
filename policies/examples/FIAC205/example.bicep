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
          name: 'wave'
          groups: [ { name: 'canary' } ]
          afterStageWaitInSeconds: 3600
        }
        {
          name: 'wave' // expect: FIAC205
          groups: [ { name: 'prod' } ]
        }
      ]
    }
  }
}
