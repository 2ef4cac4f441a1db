resource fleet 'Microsoft.ContainerService/fleets@2026-06-01' = {
  name: 'fleet'
  location: 'westeurope'
  properties: {
    hubProfile: {
      dnsPrefix: 'fleet'
    }
  }
}

resource teamA 'Microsoft.ContainerService/fleets/managedNamespaces@2026-06-01' = {
  parent: fleet
  name: 'team-a'
  properties: {}
}
