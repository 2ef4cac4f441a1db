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
    kubernetesVersion: '1.35'
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

resource pinned 'Microsoft.ContainerService/fleets/autoUpgradeProfiles@2026-06-01' = {
  parent: fleet
  name: 'pinned'
  properties: {
    channel: 'TargetKubernetesVersion'
    targetKubernetesVersion: '1.36'
    updateStrategyId: tiers.id
  }
}

resource tiers 'Microsoft.ContainerService/fleets/updateStrategies@2026-06-01' = {
  parent: fleet
  name: 'tiers'
  properties: {
    strategy: {
      stages: [
        {
          name: 'production'
          groups: [ { name: 'prod' } ]
        }
      ]
    }
  }
}
