param fleetRpObjectId string

resource vnet 'Microsoft.Network/virtualNetworks@2024-05-01' = {
  name: 'vnet-fleet-hub'
  location: resourceGroup().location
  properties: {
    addressSpace: {
      addressPrefixes: ['10.0.0.0/8'] // expect: FIAC305
    }
  }
}

resource hubAgents 'Microsoft.Network/virtualNetworks/subnets@2024-05-01' = {
  parent: vnet
  name: 'hub-agents'
  properties: {
    addressPrefix: '10.1.0.0/24'
  }
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

resource fleetRpNetwork 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: hubAgents
  name: guid(hubAgents.id, fleetRpObjectId, 'network')
  properties: {
    principalId: fleetRpObjectId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '4d97b98b-1d4f-4787-a291-c67834d212e7')
  }
}
