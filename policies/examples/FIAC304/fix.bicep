resource vnet 'Microsoft.Network/virtualNetworks@2024-05-01' = {
  name: 'vnet-fleet-hub'
  location: resourceGroup().location
  properties: {
    addressSpace: {
      addressPrefixes: ['10.224.0.0/12']
    }
  }
}

resource hubAgents 'Microsoft.Network/virtualNetworks/subnets@2024-05-01' = {
  parent: vnet
  name: 'hub-agents'
  properties: {
    addressPrefix: '10.224.0.0/24'
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
