resource fleet 'Microsoft.ContainerService/fleets@2026-06-01' existing = {
  name: 'fleet'
}

resource tiers 'Microsoft.ContainerService/fleets/updateStrategies@2026-06-01' = {
  parent: fleet
  name: 'tiers'
  properties: {
    strategy: {
      stages: [
        {
          name: 'canary'
          groups: [ { name: 'canary' } ]
        }
        {
          name: 'production'
          groups: [ { name: 'prod' } ]
          beforeGates: [ { type: 'Approval', displayName: 'Canary looks healthy' } ]
        }
      ]
    }
  }
}
