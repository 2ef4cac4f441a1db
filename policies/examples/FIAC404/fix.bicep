resource fleet 'Microsoft.ContainerService/fleets@2025-03-01' existing = {
  name: 'fleet'
}

resource upgrade 'Microsoft.ContainerService/fleets/updateRuns@2025-03-01' = {
  parent: fleet
  name: 'upgrade'
  properties: {
    managedClusterUpdate: {
      upgrade: { type: 'NodeImageOnly' }
    }
  }
}
