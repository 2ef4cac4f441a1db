resource fleetIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'id-fleet'
  location: 'westeurope'
}

resource fleet 'Microsoft.ContainerService/fleets@2025-03-01' = {
  name: 'fleet'
  location: 'westeurope'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${fleetIdentity.id}': {}
    }
  }
}
