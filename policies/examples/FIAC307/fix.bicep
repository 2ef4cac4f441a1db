param fleetRpObjectId string

resource hubAgents 'Microsoft.Network/virtualNetworks/subnets@2024-05-01' existing = {
  name: 'vnet-hub/hub-agents'
}

resource fleet 'Microsoft.ContainerService/fleets@2025-03-01' = {
  name: 'fleet-prod'
  location: resourceGroup().location
  properties: {
    hubProfile: {
      dnsPrefix: 'fleet-prod'
      agentProfile: {
        subnetId: hubAgents.id
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
  properties: {
    agentPublicKeyCertificate: ''
    gateway: {
      resourceId: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-arc/providers/Microsoft.HybridCompute/gateways/arc-gateway'
    }
  }
}

resource member 'Microsoft.ContainerService/fleets/members@2025-03-01' = {
  parent: fleet
  name: 'edge-01'
  properties: {
    clusterResourceId: edge.id
  }
}

resource fleetRpNetwork 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: hubAgents
  name: guid(hubAgents.id, fleetRpObjectId, 'network')
  properties: {
    principalId: fleetRpObjectId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '4d97b98b-1d4f-4787-a291-c67834d212e7')
  }
}
