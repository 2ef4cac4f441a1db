resource fleet 'Microsoft.ContainerService/fleets@2026-06-01' = {
  name: 'fleet'
  location: 'westeurope'
}

resource tiers 'Microsoft.ContainerService/fleets/updateStrategies@2026-06-01' = {
  parent: fleet
  name: 'tiers'
  properties: {
    strategy: {
      stages: [
        {
          name: 'canary'
          groups: [ { name: 'canary' } ]
          afterGates: [ { type: 'Approval', displayName: 'Canary looks healthy' } ]
        }
        {
          name: 'production'
          groups: [ { name: 'prod' } ]
        }
      ]
    }
  }
}

resource stable 'Microsoft.ContainerService/fleets/autoUpgradeProfiles@2026-06-01' = {
  parent: fleet
  name: 'stable'
  properties: {
    channel: 'Stable'
    updateStrategyId: tiers.id
  }
}

// A handler (an Azure Function, a Logic App...) receives the gate events and approves the gate
// after its health checks pass.
resource aksEvents 'Microsoft.EventGrid/systemTopics@2025-02-15' = {
  name: 'aks-resources'
  location: 'global'
  properties: {
    source: subscription().id
    topicType: 'Microsoft.ResourceNotifications.AKSResources'
  }
}

resource gateCreated 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = {
  parent: aksEvents
  name: 'fleet-gate-created'
  properties: {
    destination: {
      endpointType: 'AzureFunction'
      properties: {
        resourceId: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-fleet/providers/Microsoft.Web/sites/gate-approver/functions/approve'
      }
    }
    filter: {
      includedEventTypes: [ 'Microsoft.ResourceNotifications.AKSResources.FleetGateCreated' ]
    }
  }
}
