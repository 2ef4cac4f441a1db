param fleetRpObjectId string

resource vnet 'Microsoft.Network/virtualNetworks@2024-05-01' = {
  name: 'vnet-hub'
  location: 'westeurope'
  properties: {
    addressSpace: {
      addressPrefixes: ['10.1.0.0/16']
    }
  }
}

resource agents 'Microsoft.Network/virtualNetworks/subnets@2024-05-01' = {
  parent: vnet
  name: 'snet-fleet-agents'
  properties: {
    addressPrefix: '10.1.1.0/24'
  }
}

resource apiserver 'Microsoft.Network/virtualNetworks/subnets@2024-05-01' = {
  parent: vnet
  name: 'snet-fleet-apiserver'
  properties: {
    addressPrefix: '10.1.2.0/28'
    delegations: [
      {
        name: 'aks'
        properties: {
          serviceName: 'Microsoft.ContainerService/managedClusters'
        }
      }
    ]
  }
}

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
  properties: {
    hubProfile: {
      dnsPrefix: 'fleet'
      agentProfile: {
        subnetId: agents.id
      }
      apiServerAccessProfile: {
        enablePrivateCluster: true
        enableVnetIntegration: true
        subnetId: apiserver.id
      }
    }
  }
}

// The fleet identity may join both subnets: the role is on their virtual network.
resource apiserverNetwork 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: vnet
  name: guid(apiserver.id, fleetIdentity.id, 'network')
  properties: {
    principalId: fleetIdentity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '4d97b98b-1d4f-4787-a291-c67834d212e7')
  }
}

resource fleetRpNetwork 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: vnet
  name: guid(vnet.id, fleetRpObjectId, 'network')
  properties: {
    principalId: fleetRpObjectId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '4d97b98b-1d4f-4787-a291-c67834d212e7')
  }
}
