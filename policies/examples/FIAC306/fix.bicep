resource vnet 'Microsoft.Network/virtualNetworks@2024-05-01' = {
  name: 'vnet-fleet-hub'
  location: resourceGroup().location
  properties: {
    addressSpace: {
      addressPrefixes: ['10.224.0.0/12']
    }
  }
}

resource apiServer 'Microsoft.Network/virtualNetworks/subnets@2024-05-01' = {
  parent: vnet
  name: 'hub-apiserver'
  properties: {
    addressPrefix: '10.224.1.0/28'
    delegations: [
      {
        name: 'aks-apiserver'
        properties: {
          serviceName: 'Microsoft.ContainerService/managedClusters'
        }
      }
    ]
  }
}

resource fleet 'Microsoft.ContainerService/fleets@2025-03-01' = {
  name: 'fleet-prod'
  location: resourceGroup().location
  properties: {
    hubProfile: {
      dnsPrefix: 'fleet-prod'
      apiServerAccessProfile: {
        enableVnetIntegration: true
        subnetId: apiServer.id
      }
    }
  }
}
