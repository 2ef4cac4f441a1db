param deployerId string

resource fleet 'Microsoft.ContainerService/fleets@2025-03-01' = {
  name: 'fleet'
  location: 'westeurope'
  properties: {
    hubProfile: {
      dnsPrefix: 'fleet'
    }
  }
}

resource edge 'Microsoft.Kubernetes/connectedClusters@2024-01-01' existing = {
  name: 'arc-edge'
}

resource edgeMember 'Microsoft.ContainerService/fleets/members@2025-03-01' = {
  parent: fleet
  name: 'arc-edge'
  properties: {
    clusterResourceId: edge.id // expect: FIAC103
  }
}

resource fleetAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, deployerId, 'fleetAccess')
  properties: {
    principalId: deployerId
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '63bb64ad-9799-4770-b5c3-24ed299a07bf')
  }
}

resource joinRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(resourceGroup().id, 'fleet-member-join')
  properties: {
    roleName: 'fleet-member-join'
    type: 'CustomRole'
    permissions: [
      {
        actions: [
          'Microsoft.ContainerService/fleetMemberships/*'
        ]
      }
    ]
    assignableScopes: [
      resourceGroup().id
    ]
  }
}

resource joinAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, deployerId, 'join')
  properties: {
    principalId: deployerId
    roleDefinitionId: joinRole.id
  }
}
