resource fleet 'Microsoft.ContainerService/fleets@2026-06-01' existing = {
  name: 'fleet'
}

resource pinned 'Microsoft.ContainerService/fleets/autoUpgradeProfiles@2026-06-01' = {
  parent: fleet
  name: 'pinned'
  properties: {
    channel: 'TargetKubernetesVersion' // expect: FIAC405
    updateStrategyId: tiers.id
  }
}

resource tiers 'Microsoft.ContainerService/fleets/updateStrategies@2026-06-01' existing = {
  parent: fleet
  name: 'tiers'
}
