resource fleet 'Microsoft.ContainerService/fleets@2023-08-15-preview' = { // expect: FIAC506
  name: 'fleet-prod'
  location: resourceGroup().location
  properties: {
    hubProfile: {
      dnsPrefix: 'fleet-prod'
    }
  }
}
