"""Bicep evaluation into canonical resources: exact values, keys and property-level locations."""

from __future__ import annotations

from pathlib import Path

from analyzer.frontends.bicep import BicepUnit, load_bicep
from analyzer.frontends.sources import SourceFile
from analyzer.model import ClusterProps, FleetProps, MemberProps, Resource
from analyzer.values import ResourceRef, Unknown

FLEET = "Microsoft.ContainerService/fleets@2025-03-01"
AKS_ID = "/subscriptions/s/resourceGroups/r/providers/Microsoft.ContainerService/managedClusters"
FLEET_CONTRIBUTOR = "63bb64ad-9799-4770-b5c3-24ed299a07bf"
ROLE_IDS = "/providers/Microsoft.Authorization/roleDefinitions"


def load(tmp_path: Path, files: dict[str, str]) -> list[BicepUnit]:
    sources = []
    for name, text in sorted(files.items()):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        language = "bicepparam" if name.endswith(".bicepparam") else "bicep"
        sources.append(SourceFile(path, name, language))
    return load_bicep(sources)


def one_unit(tmp_path: Path, text: str) -> dict[str, Resource]:
    units = load(tmp_path, {"main.bicep": text})
    assert [(u.template, u.variant, u.result.diagnostics) for u in units] == [("main.bicep", None, [])]
    return {r.key: r for r in units[0].result.resources}


def at(resource: Resource, key: str) -> tuple[int, int]:
    loc = resource.locations[key]
    return loc.line, loc.column


def test_looped_members_and_strategy_with_ternary_wait(tmp_path: Path) -> None:
    text = f"""param groups array = [
  'canary'
  'prod'
]

resource fleet '{FLEET}' = {{
  name: 'fleet'
  location: 'westeurope'
}}

resource aks 'Microsoft.ContainerService/managedClusters@2025-01-01' = [for g in groups: {{
  name: 'aks-${{g}}'
  properties: {{
    kubernetesVersion: '1.33'
  }}
}}]

resource members 'Microsoft.ContainerService/fleets/members@2025-03-01' = [for (g, i) in groups: {{
  parent: fleet
  name: g
  properties: {{
    clusterResourceId: aks[i].id
    group: g
  }}
}}]

resource strategy 'Microsoft.ContainerService/fleets/updateStrategies@2025-03-01' = {{
  parent: fleet
  name: 'default'
  properties: {{
    strategy: {{
      stages: [for (g, i) in groups: {{
        name: 'stage-${{g}}'
        groups: [
          {{ name: g }}
        ]
        afterStageWaitInSeconds: i == 0 ? 3600 : 0
      }}]
    }}
  }}
}}
"""
    res = one_unit(tmp_path, text)
    assert sorted(res) == ["main.bicep#aks[0]", "main.bicep#aks[1]", "main.bicep#fleet",
                           "main.bicep#members[0]", "main.bicep#members[1]", "main.bicep#strategy"]
    member = res["main.bicep#members[1]"]
    assert member.address == "members[1]"
    assert member.name == "prod"
    assert member.props == MemberProps(fleet=ResourceRef("main.bicep#fleet", "id"),
                                       cluster=ResourceRef("main.bicep#aks[1]", "id"), group="prod")
    assert (member.location.line, at(member, "group"), at(member, "cluster"), at(member, "fleet")) == \
        (18, (23, 5), (22, 5), (19, 3))
    assert res["main.bicep#aks[0]"].name == "aks-canary"
    assert res["main.bicep#aks[0]"].props.kubernetes_version == "1.33"
    stages = res["main.bicep#strategy"].props.stages
    assert [(s.name, s.after_wait, [g.name for g in s.groups]) for s in stages] == [
        ("stage-canary", 3600, ["canary"]), ("stage-prod", 0, ["prod"])]
    strategy = res["main.bicep#strategy"]
    assert at(strategy, "stages[1].after_wait") == (37, 9)
    assert at(strategy, "stages[0].groups[0].name") == (35, 13)
    assert at(strategy, "stages[1].name") == (33, 9)
    assert res["main.bicep#fleet"].props.hub is False
    assert res["main.bicep#fleet"].resource_group == Unknown("resourceGroup().name")
    assert res["main.bicep#fleet"].subscription == Unknown("subscription().subscriptionId")


def test_literal_versus_identifier_and_operators(tmp_path: Path) -> None:
    text = f"""param fleet string = 'from-param'
var kindCheck = {{ kind: 'y' }}.kind == 'y'
var n = 2*3+1

resource f '{FLEET}' = {{
  name: fleet
  properties: {{
    hubProfile: !kindCheck && true ? null : {{ dnsPrefix: 'x${{n}}' }}
  }}
}}

resource g '{FLEET}' = {{
  name: 'fleet'
}}
"""
    res = one_unit(tmp_path, text)
    assert res["main.bicep#f"].name == "from-param"
    assert res["main.bicep#g"].name == "fleet"
    assert res["main.bicep#f"].props.hub is True


def test_conditional_and_filtered_resources(tmp_path: Path) -> None:
    text = f"""param enabled bool = false
param unknownFlag bool

resource off '{FLEET}' = if (enabled) {{
  name: 'off'
}}

resource maybe '{FLEET}' = if (unknownFlag) {{
  name: 'maybe'
}}

resource some 'Microsoft.ContainerService/fleets/members@2025-03-01' = [for i in range(0, 3): if(i != 1) {{
  name: 'f/m${{i}}'
  properties: {{
    clusterResourceId: '{AKS_ID}/c${{i}}'
  }}
}}]
"""
    res = one_unit(tmp_path, text)
    assert sorted(res) == ["main.bicep#maybe", "main.bicep#some[0]", "main.bicep#some[2]"]
    assert res["main.bicep#some[2]"].name == "m2"
    assert res["main.bicep#some[2]"].props.fleet == "f"


def test_children_three_ways(tmp_path: Path) -> None:
    text = f"""resource fleet '{FLEET}' = {{
  name: 'hub'
  resource nested 'members@2025-03-01' = {{
    name: 'a'
    properties: {{
      group: 'g1'
    }}
  }}
}}

resource byParent 'Microsoft.ContainerService/fleets/members@2025-03-01' = {{
  parent: fleet
  name: 'b'
}}

resource byName 'Microsoft.ContainerService/fleets/members@2025-03-01' = {{
  name: 'hub/c'
}}

resource orphan 'Microsoft.ContainerService/fleets/members@2025-03-01' = {{
  name: 'elsewhere/d'
}}
"""
    res = one_unit(tmp_path, text)
    ref = ResourceRef("main.bicep#fleet", "id")
    nested = res["main.bicep#fleet::nested"]
    assert (nested.address, nested.arm_type, nested.name, nested.props.fleet, nested.props.group) == \
        ("fleet::nested", "Microsoft.ContainerService/fleets/members", "a", ref, "g1")
    assert nested.location.line == 3 and at(nested, "group") == (6, 7)
    assert res["main.bicep#byParent"].props.fleet == ref
    assert res["main.bicep#byName"].props.fleet == ref
    assert res["main.bicep#byName"].name == "c"
    assert res["main.bicep#orphan"].props.fleet == "elsewhere"


def test_module_with_params_outputs_scope_and_existing(tmp_path: Path) -> None:
    main = f"""param deployerId string

resource fleet '{FLEET}' = {{
  name: 'fleet'
}}

module ident './modules/identity.bicep' = {{
  name: 'ident'
  scope: resourceGroup('rg-x')
}}

module rbac './modules/rbac.bicep' = [for p in [deployerId, ident.outputs.principalId]: {{
  name: 'rbac'
  params: {{
    fleetName: fleet.name
    principalId: p
  }}
}}]
"""
    identity = """resource uami 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'ops'
}
output principalId string = uami.properties.principalId
"""
    rbac = f"""param fleetName string
param principalId string

resource fleet '{FLEET}' existing = {{
  name: fleetName
}}

resource ra 'Microsoft.Authorization/roleAssignments@2022-04-01' = {{
  name: guid(fleet.id, principalId)
  scope: fleet
  properties: {{
    principalId: principalId
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '{FLEET_CONTRIBUTOR}')
  }}
}}

resource rgGrant 'Microsoft.Authorization/roleAssignments@2022-04-01' = {{
  name: 'x'
  properties: {{
    principalId: deployer().objectId
    roleDefinitionId: '{ROLE_IDS}/b24988ac-6180-42a0-ab88-20f7382dd24c'
  }}
}}
"""
    units = load(tmp_path, {"main.bicep": main, "modules/identity.bicep": identity,
                            "modules/rbac.bicep": rbac})
    assert [(u.template, u.variant) for u in units] == [("main.bicep", None)]
    res = {r.key: r for r in units[0].result.resources}
    uami = res["main.bicep#ident/modules/identity.bicep#uami"]
    assert (uami.kind, uami.resource_group, uami.address) == ("identity", "rg-x", "ident/uami")
    first = res["main.bicep#rbac[0]/modules/rbac.bicep#ra"]
    second = res["main.bicep#rbac[1]/modules/rbac.bicep#ra"]
    assert first.props.principal == Unknown("deployerId")
    uami_key = "main.bicep#ident/modules/identity.bicep#uami"
    assert second.props.principal == ResourceRef(uami_key, "principal_id")
    assert first.props.role == f"{ROLE_IDS}/{FLEET_CONTRIBUTOR}"
    assert first.props.scope == ResourceRef("main.bicep#rbac[0]/modules/rbac.bicep#fleet", "id")
    assert (at(first, "principal"), at(first, "scope"), first.location.path) == \
        ((12, 5), (10, 3), "modules/rbac.bicep")
    existing = res["main.bicep#rbac[0]/modules/rbac.bicep#fleet"]
    assert (existing.existing, existing.name, existing.props) == (True, "fleet", FleetProps())
    grant = res["main.bicep#rbac[0]/modules/rbac.bicep#rgGrant"]
    assert grant.props.principal == Unknown("deployer().objectId")
    assert (grant.props.scope, grant.props.target_scope) == (None, "resourceGroup")
    assert isinstance(first.name, Unknown) and first.name.text == "guid(fleet.id, principalId)"


def test_bicepparam_variants_give_one_unit_each(tmp_path: Path) -> None:
    main = """param prefix string = 'dev'
param groups array

resource members 'Microsoft.ContainerService/fleets/members@2025-03-01' = [for g in groups: {
  name: '${prefix}-fleet/${g}'
  properties: {
    group: g
  }
}]
"""
    prod = "using 'main.bicep'\n\nparam prefix = 'prod'\nparam groups = [\n  'a'\n  'b'\n]\n"
    test = "using './main.bicep'\nparam groups = []\n"
    units = load(tmp_path, {"main.bicep": main, "prod.bicepparam": prod, "test.bicepparam": test})
    assert [(u.template, u.variant) for u in units] == [("main.bicep", "prod.bicepparam"),
                                                        ("main.bicep", "test.bicepparam")]
    prod_res = units[0].result.resources
    assert [(r.key, r.name, r.props.fleet, r.props.group) for r in prod_res] == [
        ("main.bicep#members[0]", "a", "prod-fleet", "a"), ("main.bicep#members[1]", "b", "prod-fleet", "b")]
    assert units[1].result.resources == []


def test_param_without_default_or_param_file_is_unknown(tmp_path: Path) -> None:
    text = """param groups array

resource members 'Microsoft.ContainerService/fleets/members@2025-03-01' = [for g in groups: {
  name: 'f/${g}'
  properties: {
    group: g
  }
}]
"""
    res = one_unit(tmp_path, text)
    member = res["main.bicep#members[*]"]
    assert member.props.group == Unknown("groups[*]")
    assert member.name == Unknown("'f/${g}'")


def test_functions(tmp_path: Path) -> None:
    text = f"""var base = {{ a: 1, b: {{ c: 2 }} }}
var merged = union(base, {{ b: {{ d: 3 }} }})
var parts = split('x,y,z', ',')

resource f '{FLEET}' = {{
  name: toLower(format('{{0}}-{{1}}', 'FLEET', join(parts, '')))
  identity: {{
    type: contains(merged.b, 'd') && length(parts) == 3 && !empty(parts) ? 'UserAssigned' : 'None'
  }}
  properties: {{
    hubProfile: {{
      agentProfile: {{
        subnetId: resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet', first(parts))
      }}
      apiServerAccessProfile: {{
        enableVnetIntegration: last(parts) == 'z'
        subnetId: replace(concat('a', 'b'), 'b', 'c')
      }}
    }}
  }}
}}
"""
    fleet = one_unit(tmp_path, text)["main.bicep#f"]
    assert fleet.name == "fleet-xyz"
    assert fleet.props.identity_type == "UserAssigned"
    assert fleet.props.hub_agent_subnet == \
        Unknown("resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet', first(parts))")
    assert fleet.props.hub_vnet_integration is True
    assert fleet.props.hub_api_server_subnet == "ac"
    assert at(fleet, "hub_vnet_integration") == (16, 9)


def test_parse_error_is_reported_once_and_other_files_continue(tmp_path: Path) -> None:
    units = load(tmp_path, {
        "bad.bicep": "var a = 1\nvar b = [1 2]\n",
        "good.bicep": f"resource f '{FLEET}' = {{\n  name: 'ok'\n}}\n",
        "bom.bicep": "\ufeff" + f"resource g '{FLEET}' = {{\n  name: 'bom'\n}}\n",
        "empty.bicep": "",
    })
    summary = [(u.template, [(d.location.line, d.location.column) for d in u.result.diagnostics],
                [r.name for r in u.result.resources]) for u in units]
    assert summary == [("bad.bicep", [(2, 12)], []), ("bom.bicep", [], ["bom"]), ("empty.bicep", [], []),
                       ("good.bicep", [], ["ok"])]


def test_role_definition_and_cluster_props(tmp_path: Path) -> None:
    text = """targetScope = 'subscription'

resource role 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid('fleet-operator')
  properties: {
    roleName: 'Fleet operator'
    permissions: [
      {
        actions: [
          'Microsoft.ContainerService/fleets/members/write'
        ]
        notActions: []
      }
      {
        actions: [
          'Microsoft.ContainerService/fleets/read'
        ]
      }
    ]
  }
}

resource grant 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: 'g'
  properties: {
    principalId: 'ABC'
    roleDefinitionId: role.id
  }
}
"""
    res = one_unit(tmp_path, text)
    role = res["main.bicep#role"]
    assert role.props.role_name == "Fleet operator"
    assert role.props.actions == ["Microsoft.ContainerService/fleets/members/write",
                                     "Microsoft.ContainerService/fleets/read"]
    assert role.props.not_actions == []
    assert isinstance(role.props.role_id, str) and len(role.props.role_id) == 36
    grant = res["main.bicep#grant"]
    assert grant.props.role == ResourceRef("main.bicep#role", "id")
    assert (grant.props.target_scope, grant.resource_group) == ("subscription", None)


def test_existing_cluster_keeps_its_flavor(tmp_path: Path) -> None:
    # The flavor follows from the type; an `existing` Arc cluster must not look like an unknown one.
    resources = one_unit(tmp_path, """resource edge 'Microsoft.Kubernetes/connectedClusters@2024-01-01' existing = {
  name: 'arc-edge'
}

resource aks 'Microsoft.ContainerService/managedClusters@2025-05-01' existing = {
  name: 'aks-west'
}
""")
    flavors = {r.address: (r.existing, r.props) for r in resources.values()}
    assert flavors == {"edge": (True, ClusterProps(flavor="arc")), "aks": (True, ClusterProps(flavor="aks"))}


def test_resource_id_in_the_deployment_resource_group_names_the_unit_resource(tmp_path: Path) -> None:
    # No subscription or resource group name is known, yet resourceId(type, name) is the ID of the
    # cluster the unit declares (or references as `existing`) in that resource group.
    units = load(tmp_path, {
        "main.bicep": f"""resource fleet '{FLEET}' = {{
  name: 'fleet'
}}

resource members 'Microsoft.ContainerService/fleets/members@2025-03-01' = [for n in ['a', 'b', 'c']: {{
  parent: fleet
  name: n
  properties: {{
    clusterResourceId: resourceId('Microsoft.ContainerService/managedClusters', 'aks-${{n}}')
  }}
}}]

resource other 'Microsoft.ContainerService/fleets/members@2025-03-01' = {{
  parent: fleet
  name: 'other'
  properties: {{
    clusterResourceId: resourceId('rg-other', 'Microsoft.ContainerService/managedClusters', 'aks-a')
  }}
}}

module access 'access.bicep' = {{
  name: 'access'
}}

resource declared 'Microsoft.ContainerService/managedClusters@2025-05-01' = {{
  name: 'aks-b'
}}
""",
        "access.bicep": """resource a 'Microsoft.ContainerService/managedClusters@2025-05-01' existing = {
  name: 'aks-a'
}

resource b 'Microsoft.ContainerService/managedClusters@2025-05-01' existing = {
  name: 'aks-b'
}
""",
    })
    resources = {r.address: r for r in units[0].result.resources}
    clusters = {a: r.props.cluster for a, r in resources.items() if r.kind == "member"}
    assert clusters == {
        "members[0]": ResourceRef("main.bicep#access/access.bicep#a", "id"),
        "members[1]": ResourceRef("main.bicep#declared", "id"),  # the declaration, not the reference
        # Not in the unit: it means what an `existing` reference would (the graph may join it to a
        # declaration in another unit), in the deployment's resource group or the one given.
        "members[2]": ResourceRef("main.bicep#resourceId('Microsoft.ContainerService/managedClusters', 'aks-c')",
                                  "id"),
        "other": ResourceRef("main.bicep#resourceId('Microsoft.ContainerService/managedClusters', 'aks-a')@rg-other",
                             "id"),
    }
    implied = {r.key: (r.kind, r.existing, r.name, r.resource_group, r.props, r.location.line)
               for r in resources.values() if r.key.startswith("main.bicep#resourceId")}
    assert implied == {
        clusters["members[2]"].key: ("cluster", True, "aks-c", Unknown("resourceGroup().name"),
                                     ClusterProps(flavor="aks"), 9),
        clusters["other"].key: ("cluster", True, "aks-a", "rg-other", ClusterProps(flavor="aks"), 17),
    }
    assert at(resources["members[0]"], "cluster") == (9, 5)


def test_spread_in_objects_and_arrays_is_evaluated(tmp_path: Path) -> None:
    text = f"""var base = {{
  group: 'canary'
}}
var groups = [
  'a'
]

resource fleet '{FLEET}' = {{
  name: 'hub'
}}

resource member 'Microsoft.ContainerService/fleets/members@2025-03-01' = {{
  parent: fleet
  name: [
    ...groups
    'b'
  ][^1]
  properties: {{
    ...base
    clusterResourceId: '{AKS_ID}/aks'
  }}
}}
"""
    member = one_unit(tmp_path, text)["main.bicep#member"]
    assert (member.name, member.props.group, at(member, "group")) == ("b", "canary", (2, 3))


def test_a_resource_typed_module_param_is_the_resource_passed_in(tmp_path: Path) -> None:
    child = f"""param parentFleet resource '{FLEET}'

resource member 'Microsoft.ContainerService/fleets/members@2025-03-01' = {{
  parent: parentFleet
  name: 'm'
  properties: {{
    clusterResourceId: '{AKS_ID}/aks'
  }}
}}
"""
    main = f"""resource fleet '{FLEET}' = {{
  name: 'hub'
}}

module members 'member.bicep' = {{
  name: 'members'
  params: {{
    parentFleet: fleet
  }}
}}
"""
    [unit] = load(tmp_path, {"main.bicep": main, "member.bicep": child})
    [member] = [r for r in unit.result.resources if r.name == "m"]
    assert member.props.fleet == ResourceRef("main.bicep#fleet", "id")


def test_imported_variables_are_evaluated_in_their_file(tmp_path: Path) -> None:
    shared = "@export()\nvar groupName = 'canary'\n@export()\nvar prefix = 'aks'\n"
    main = f"""import {{ groupName as group }} from 'shared.bicep'
import * as lib from 'shared.bicep'

resource fleet '{FLEET}' = {{
  name: 'hub'
}}

resource member 'Microsoft.ContainerService/fleets/members@2025-03-01' = {{
  parent: fleet
  name: '${{lib.prefix}}-1'
  properties: {{
    clusterResourceId: '{AKS_ID}/aks'
    group: group
  }}
}}
"""
    units = load(tmp_path, {"main.bicep": main, "shared.bicep": shared})
    [member] = [r for u in units for r in u.result.resources if r.kind.value == "member"]
    assert (member.name, member.props.group) == ("aks-1", "canary")


def test_a_parameter_file_uses_imported_variables(tmp_path: Path) -> None:
    main = """param groups array

resource members 'Microsoft.ContainerService/fleets/members@2025-03-01' = [for g in groups: {
  name: 'hub/${g}'
  properties: {
    group: g
  }
}]
"""
    shared = "@export()\nvar waves = [\n  'a'\n]\n"
    prod = "using 'main.bicep'\nimport { waves } from 'shared.bicep'\n\nparam groups = waves\n"
    units = load(tmp_path, {"main.bicep": main, "prod.bicepparam": prod, "shared.bicep": shared})
    [unit] = [u for u in units if u.variant == "prod.bicepparam"]
    assert [(r.name, r.props.group) for r in unit.result.resources] == [("a", "a")]
