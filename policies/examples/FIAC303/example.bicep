resource fleet 'Microsoft.ContainerService/fleets@2025-03-01' = {
  name: 'fleet'
  location: 'westeurope'
  properties: {
    hubProfile: {
      dnsPrefix: 'fleet'
      apiServerAccessProfile: {
        enableVnetIntegration: true // expect: FIAC303
      }
    }
  }
}
