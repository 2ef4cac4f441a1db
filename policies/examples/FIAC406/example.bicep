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
    autoUpgradeProfile: { upgradeChannel: 'patch' } // expect: FIAC406
    agentPoolProfiles: [ { name: 'system', count: 3, vmSize: 'Standard_D4s_v5', mode: 'System' } ]
  }
}

resource member 'Microsoft.ContainerService/fleets/members@2026-06-01' = {
  parent: fleet
  name: 'aks-west'
  properties: {
    clusterResourceId: west.id
    group: 'prod'
  }
}

resource stable 'Microsoft.ContainerService/fleets/autoUpgradeProfiles@2026-06-01' = {
  parent: fleet
  name: 'stable'
  properties: {
    channel: 'Stable'
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
