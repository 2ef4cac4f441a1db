resource fleet 'Microsoft.ContainerService/fleets@2025-03-01' existing = {
  name: 'fleet'
}

resource west 'Microsoft.ContainerService/managedClusters@2025-05-01' = {
  name: 'aks-west'
  location: 'westeurope'
  identity: { type: 'SystemAssigned' }
  properties: {
    dnsPrefix: 'aks-west'
    autoUpgradeProfile: { nodeOSUpgradeChannel: 'SecurityPatch' }
    agentPoolProfiles: [ { name: 'system', count: 3, vmSize: 'Standard_D4s_v5', mode: 'System' } ]
  }
}

resource member 'Microsoft.ContainerService/fleets/members@2025-03-01' = {
  parent: fleet
  name: 'aks-west'
  properties: {
    clusterResourceId: west.id
    group: 'prod'
  }
}
