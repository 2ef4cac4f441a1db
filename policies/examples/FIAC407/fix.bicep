resource fleet 'Microsoft.ContainerService/fleets@2025-03-01' existing = {
  name: 'fleet'
}

resource tiers 'Microsoft.ContainerService/fleets/updateStrategies@2025-03-01' existing = {
  parent: fleet
  name: 'tiers'
}

resource stable 'Microsoft.ContainerService/fleets/autoUpgradeProfiles@2025-03-01' = {
  parent: fleet
  name: 'stable'
  properties: {
    channel: 'Stable'
    updateStrategyId: tiers.id
  }
}
