resource fleet 'Microsoft.ContainerService/fleets@2026-06-01' existing = {
  name: 'fleet'
}

resource weekend 'Microsoft.ContainerService/fleets/updateStrategies@2026-06-01' = {
  parent: fleet
  name: 'weekend'
  properties: {
    strategy: {
      stages: [
        {
          name: 'production'
          groups: [ { name: 'prod' } ]
          beforeGates: [
            {
              type: 'ScheduledStart'
              scheduledStartConfiguration: {
                startDay: 'Saturday'
                startTime: '02:00'
                utcOffset: '+01:00'
              }
            }
          ]
        }
      ]
    }
  }
}
