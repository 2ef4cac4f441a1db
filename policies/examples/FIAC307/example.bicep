resource fleet 'Microsoft.ContainerService/fleets@2025-03-01' = {
  name: 'fleet-prod'
  location: resourceGroup().location
  properties: {
    hubProfile: {
      dnsPrefix: 'fleet-prod'
      agentProfile: {
        subnetId: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-hub/subnets/hub-agents'
      }
      apiServerAccessProfile: {
        enablePrivateCluster: true
      }
    }
  }
}

resource edge 'Microsoft.Kubernetes/connectedClusters@2024-07-01-preview' = {
  name: 'edge-01'
  location: resourceGroup().location
  identity: {
    type: 'SystemAssigned'
  }
  properties: { // expect: FIAC307
    agentPublicKeyCertificate: ''
  }
}

resource member 'Microsoft.ContainerService/fleets/members@2025-03-01' = {
  parent: fleet
  name: 'edge-01'
  properties: {
    clusterResourceId: edge.id
  }
}
