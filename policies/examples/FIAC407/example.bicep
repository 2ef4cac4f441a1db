resource fleet 'Microsoft.ContainerService/fleets@2025-03-01' existing = {
  name: 'fleet'
}

resource stable 'Microsoft.ContainerService/fleets/autoUpgradeProfiles@2025-03-01' = { // expect: FIAC407
  parent: fleet
  name: 'stable'
  properties: {
    channel: 'Stable'
    disabled: false
  }
}
