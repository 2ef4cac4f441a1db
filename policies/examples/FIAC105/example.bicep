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

resource fleet 'Microsoft.ContainerService/fleets@2025-03-01' = {
  name: 'fleet'
  location: 'westeurope'
  properties: {
    hubProfile: {
      dnsPrefix: 'fleet'
      agentProfile: {
        subnetId: agents.id // expect: FIAC105
      }
      apiServerAccessProfile: {
        enablePrivateCluster: true
      }
    }
  }
}
