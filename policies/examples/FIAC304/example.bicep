resource fleet 'Microsoft.ContainerService/fleets@2025-03-01' = {
  name: 'fleet-prod'
  location: resourceGroup().location
  properties: {
    hubProfile: {
      dnsPrefix: 'fleet-prod'
      apiServerAccessProfile: {
        enablePrivateCluster: true // expect: FIAC304
      }
    }
  }
}
