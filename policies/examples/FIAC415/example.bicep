resource fleet 'Microsoft.ContainerService/fleets@2026-06-01' = {
  name: 'fleet'
  location: 'westeurope'
}

resource west 'Microsoft.ContainerService/managedClusters@2025-05-01' = {
  name: 'aks-west'
  location: 'westeurope'
  identity: { type: 'SystemAssigned' }
  properties: {
    dnsPrefix: 'aks-west'
    kubernetesVersion: '1.34' // expect: FIAC415
    agentPoolProfiles: [ { name: 'system', count: 3, vmSize: 'Standard_D4s_v5', mode: 'System' } ]
  }
}

resource westMember 'Microsoft.ContainerService/fleets/members@2026-06-01' = {
  parent: fleet
  name: 'aks-west'
  properties: {
    clusterResourceId: west.id
    group: 'prod'
  }
}

resource east 'Microsoft.ContainerService/managedClusters@2025-05-01' = {
  name: 'aks-east'
  location: 'westeurope'
  identity: { type: 'SystemAssigned' }
  properties: {
    dnsPrefix: 'aks-east'
    kubernetesVersion: '1.36'
    agentPoolProfiles: [ { name: 'system', count: 3, vmSize: 'Standard_D4s_v5', mode: 'System' } ]
  }
}

resource eastMember 'Microsoft.ContainerService/fleets/members@2026-06-01' = {
  parent: fleet
  name: 'aks-east'
  properties: {
    clusterResourceId: east.id
    group: 'prod'
  }
}
