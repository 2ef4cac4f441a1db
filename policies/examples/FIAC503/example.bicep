resource fleet 'Microsoft.ContainerService/fleets@2025-03-01' = {
  name: 'fleet'
  location: 'westeurope'
}

resource other 'Microsoft.ContainerService/fleets@2025-03-01' = {
  name: 'fleet-other'
  location: 'westeurope'
}

resource aks 'Microsoft.ContainerService/managedClusters@2025-05-01' = {
  name: 'aks-west'
  location: 'westeurope'
}

resource member 'Microsoft.ContainerService/fleets/members@2025-03-01' = {
  parent: fleet
  name: 'aks-west'
  properties: {
    clusterResourceId: aks.id
    group: 'prod'
  }
}

resource otherMember 'Microsoft.ContainerService/fleets/members@2025-03-01' = {
  parent: other
  name: 'aks-west'
  properties: {
    clusterResourceId: aks.id // expect: FIAC503
    group: 'prod'
  }
}
