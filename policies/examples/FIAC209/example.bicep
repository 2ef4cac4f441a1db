resource fleet 'Microsoft.ContainerService/fleets@2026-06-01' = {
  name: 'fleet'
  location: 'westeurope'
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
          afterGates: [ { type: 'Approval', displayName: 'Canary looks healthy' } ]
        }
        {
          name: 'production'
          groups: [ { name: 'prod' } ]
        }
      ]
    }
  }
}

resource stable 'Microsoft.ContainerService/fleets/autoUpgradeProfiles@2026-06-01' = {
  parent: fleet
  name: 'stable'
  properties: {
    channel: 'Stable'
    updateStrategyId: tiers.id // expect: FIAC209
  }
}
