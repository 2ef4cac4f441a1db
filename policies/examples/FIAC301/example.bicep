resource fleet 'Microsoft.ContainerService/fleets@2026-06-01' = {
  name: 'fleet'
  location: 'westeurope'
}

resource teamA 'Microsoft.ContainerService/fleets/managedNamespaces@2026-06-01' = {
  parent: fleet // expect: FIAC301
  name: 'team-a'
  properties: {}
}
