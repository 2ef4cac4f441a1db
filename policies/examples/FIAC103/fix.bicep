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
    clusterResourceId: edge.id
  }
}

resource fleetAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, deployerId, 'fleetAccess')
  properties: {
    principalId: deployerId
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '63bb64ad-9799-4770-b5c3-24ed299a07bf')
  }
}

resource extensions 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, deployerId, 'extensions')
  properties: {
    principalId: deployerId
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '85cb6faf-e071-4c9b-8136-154b5a04f717')
  }
}

resource readAll 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, deployerId, 'readAll')
  properties: {
    principalId: deployerId
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'acdd72a7-3385-48ef-bd42-f606fba81ae7')
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
