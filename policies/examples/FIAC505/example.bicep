resource fleet 'Microsoft.ContainerService/fleets@2025-03-01' = {
  name: 'fleet'
  location: 'westeurope'
  identity: {
    type: 'SystemAssigned' // expect: FIAC505
  }
}
