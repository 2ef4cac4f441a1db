"""Bicep evaluation into canonical resources: exact values, keys and property-level locations."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from fleetiac.analyzer.frontends.bicep import BicepUnit, load_bicep
from fleetiac.analyzer.frontends.bicep import ast as A
from fleetiac.analyzer.frontends.bicep.ast import ParsedBicep
from fleetiac.analyzer.frontends.bicep.evaluate import RG_NAME, SUBSCRIPTION_ID, ContentReader, Instance, UnitContext
from fleetiac.analyzer.frontends.bicep.syntax import parse_expression, parse_file
from fleetiac.analyzer.frontends.bicep.values import UnknownRun
from fleetiac.analyzer.frontends.budget import Budget
from fleetiac.analyzer.frontends.sources import SourceFile
from fleetiac.analyzer.model import ClusterProps, FleetProps, MemberProps, Resource
from fleetiac.analyzer.values import PartialId, ResourceRef, Unknown, UnknownCause

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
                                       cluster=ResourceRef("main.bicep#aks[1]", "id"), group="prod",
                                       api_version="2025-03-01")
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
    # In the deployment's own resource group, of a type not modelled: no ID text, but the type is known.
    assert fleet.props.hub_agent_subnet == PartialId(
        "resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet', first(parts))",
        arm_type="Microsoft.Network/virtualNetworks/subnets")
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


def test_user_assigned_identities_keyed_by_reference(tmp_path: Path) -> None:
    # `'${uami.id}': {}` names a declared identity: the key is its reference; other keys stay text,
    # and a key that is no reference still makes the object unknown.
    resources = one_unit(tmp_path, """param other string

resource uami 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'id-fleet'
  location: 'westeurope'
}

resource fleet 'Microsoft.ContainerService/fleets@2025-03-01' = {
  name: 'fleet'
  location: 'westeurope'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${uami.id}': {}
      '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/x': {}
    }
  }
}

resource fleet2 'Microsoft.ContainerService/fleets@2025-03-01' = {
  name: 'fleet2'
  location: 'westeurope'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${other}': {}
    }
  }
}
""")
    by_address = {r.address: r for r in resources.values()}
    fleet = by_address["fleet"].props
    assert isinstance(fleet, FleetProps)
    assert fleet.identity_ids == (
        ResourceRef(by_address["uami"].key),
        "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/x")
    assert at(by_address["fleet"], "identity_ids") == (11, 3)  # the `identity:` key
    other = by_address["fleet2"].props
    assert isinstance(other, FleetProps) and isinstance(other.identity_ids, Unknown)


# -- the function library, one behaviour a test ------------------------------------------------------
def evaluate(tmp_path: Path, text: str, name: str = "x", budget: Budget | None = None) -> Any:
    """The value of var ``name`` of ``text`` (written to main.bicep under ``tmp_path``)."""
    (tmp_path / "main.bicep").write_text(text, encoding="utf-8")
    parsed = parse_file(text, "main.bicep")
    assert isinstance(parsed, ParsedBicep), parsed
    ctx = UnitContext(files={"main.bicep": parsed}, reader=ContentReader(tmp_path),
                      **({"budget": budget} if budget is not None else {}))
    instance = Instance(ctx, parsed, {}, "main.bicep#", "", RG_NAME, SUBSCRIPTION_ID)
    return instance.publish(instance.var(name), parsed.vars[name].value)


def call_value(tmp_path: Path, preamble: str, function: str, *args: str) -> Any:
    """``function(args...)``, where an argument with ``=>`` is a lambda (as the syntax tree keeps one
    whose form today's grammar does not take yet, e.g. two parameters)."""
    parsed = parse_file(preamble or "var unused = 0\n", "main.bicep")
    assert isinstance(parsed, ParsedBicep), parsed
    nodes = tuple(A.Opaque(1, 1, a) if "=>" in a else parse_expression(a, 1, 1) for a in args)
    ctx = UnitContext(files={"main.bicep": parsed}, reader=ContentReader(tmp_path))
    instance = Instance(ctx, parsed, {}, "main.bicep#", "", RG_NAME, SUBSCRIPTION_ID)
    return instance.eval(A.Call(1, 1, function, nodes), {})


def test_map_evaluates_the_lambda_per_element_located_at_its_body(tmp_path: Path) -> None:
    value = evaluate(tmp_path, "var waves = ['a', 'b']\nvar x = map(waves, w => {\n  name: 'wave-${w}'\n})\n")
    assert value == [{"name": "wave-a"}, {"name": "wave-b"}]
    # Each element is placed at the lambda's body.
    assert [(loc.line, loc.column) for loc in value.locs] == [(2, 25), (2, 25)]
    assert (value[0].locs["name"].line, value[0].locs["name"].column) == (3, 3)


def test_a_lambda_string_keeps_its_white_space(tmp_path: Path) -> None:
    assert evaluate(tmp_path, "var x = map(['a'], w => '${w}  b')\n") == ["a  b"]


def test_map_with_an_index(tmp_path: Path) -> None:
    assert call_value(tmp_path, "", "map", "['a', 'b']", "(w, i) => '${i}-${w}'") == ["0-a", "1-b"]


def test_filter_and_filter_with_an_index(tmp_path: Path) -> None:
    assert evaluate(tmp_path, "var x = filter([1, 2, 3, 4], v => v % 2 == 0)\n") == [2, 4]
    assert call_value(tmp_path, "", "filter", "['a', 'b', 'c']", "(v, i) => i != 1") == ["a", "c"]


def test_filter_with_an_unknown_decision_keeps_an_unknown_run_in_place(tmp_path: Path) -> None:
    value = evaluate(tmp_path, "param keep bool\nvar x = filter(['a', 'b'], v => v == 'a' || keep)\n")
    assert value == ["a", UnknownRun("filter(['a', 'b'], v => v == 'a' || keep)[1]")]
    assert type(value[1]) is UnknownRun


def test_reduce_with_and_without_an_index(tmp_path: Path) -> None:
    assert evaluate(tmp_path, "var x = reduce([1, 2, 3], 10, cur => cur)\n") == 10
    assert call_value(tmp_path, "", "reduce", "[1, 2, 3]", "0", "(cur, next) => cur + next") == 6
    assert call_value(tmp_path, "", "reduce", "['a', 'b']", "''", "(cur, next, i) => '${cur}${i}${next}'") == "0a1b"


def test_sort_orders_by_the_lambda_and_is_unknown_when_it_cannot_tell_two_apart(tmp_path: Path) -> None:
    assert call_value(tmp_path, "", "sort", "['c', 'a', 'b']", "(a, b) => a < b") == ["a", "b", "c"]
    tied = call_value(tmp_path, "", "sort", "[{k: 1, n: 'x'}, {k: 1, n: 'y'}]", "(a, b) => a.k < b.k")
    assert tied == Unknown("sort([{k: 1, n: 'x'}, {k: 1, n: 'y'}], (a, b) => a.k < b.k)")


def test_to_object_with_and_without_a_value_lambda_and_duplicate_keys(tmp_path: Path) -> None:
    assert evaluate(tmp_path, "var x = toObject(['a', 'bb'], v => v, v => length(v))\n") == {"a": 1, "bb": 2}
    assert evaluate(tmp_path, "var x = toObject([{n: 'a'}], v => v.n)\n") == {"a": {"n": "a"}}
    assert evaluate(tmp_path, "var x = toObject(['a', 'A'], v => v)\n") == Unknown("toObject(['a', 'A'], v => v)")


def test_group_by(tmp_path: Path) -> None:
    assert evaluate(tmp_path, "var x = groupBy(['ab', 'ac', 'b'], v => substring(v, 0, 1))\n") == \
        {"a": ["ab", "ac"], "b": ["b"]}


def test_map_values(tmp_path: Path) -> None:
    assert evaluate(tmp_path, "var x = mapValues({a: 1, b: 2}, v => v * 10)\n") == {"a": 10, "b": 20}


def test_items_sorts_keys(tmp_path: Path) -> None:
    assert evaluate(tmp_path, "var x = items({b: 1, A: 2})\n") == [{"key": "A", "value": 2}, {"key": "b", "value": 1}]


def test_flatten_keeps_an_unknown_inner_array_as_a_run(tmp_path: Path) -> None:
    assert evaluate(tmp_path, "var x = flatten([[1, 2], [3]])\n") == [1, 2, 3]
    value = evaluate(tmp_path, "param more array\nvar x = flatten([[1], more])\n")
    assert value == [1, UnknownRun("more")]


def test_range(tmp_path: Path) -> None:
    assert evaluate(tmp_path, "var x = range(3, 4)\n") == [3, 4, 5, 6]


def test_union_merges_objects_deeply_and_arrays_without_repeats(tmp_path: Path) -> None:
    text = """var first = { property: { one: 'a', three: 'c1' }, nestedArray: [1, 2] }
var second = { property: { three: 'c2', four: 'd' }, nestedArray: [3] }
var x = union(first, second)
var y = union(['a', 'b'], ['b', 'c'])
"""
    assert evaluate(tmp_path, text) == {"property": {"one": "a", "three": "c2", "four": "d"}, "nestedArray": [3]}
    assert evaluate(tmp_path, text, "y") == ["a", "b", "c"]


def test_intersection_of_arrays_and_objects(tmp_path: Path) -> None:
    assert evaluate(tmp_path, "var x = intersection(['fizz', 'buzz', 'pop'], ['snap', 'crackle', 'pop'])\n") == ["pop"]
    assert evaluate(tmp_path, "var x = intersection({a: 1, b: 2}, {a: 1, b: 3})\n") == {"a": 1}


def test_contains_with_unknown_elements(tmp_path: Path) -> None:
    text = "param p string\nvar x = contains(['a', p], 'a')\nvar y = contains(['a', p], 'b')\n" \
           "var z = contains('food', 'oo')\n"
    assert evaluate(tmp_path, text) is True
    assert evaluate(tmp_path, text, "y") == Unknown("contains(['a', p], 'b')")
    assert evaluate(tmp_path, text, "z") is True


def test_index_of_and_last_index_of(tmp_path: Path) -> None:
    text = """var a = indexOf('food', 'o')
var b = lastIndexOf('food', 'o')
var c = indexOf(['fizz', 'buzz', 'fizz'], 'fizz')
var d = lastIndexOf(['fizz', 'buzz', 'fizz'], 'fizz')
var e = indexOf(['fizz'], 'pop')
var f = indexOf('Food', 'f')
"""
    assert [evaluate(tmp_path, text, n) for n in "abcde"] == [1, 2, 0, 2, -1]
    # Whether ARM folds letter case here is not verified: known only when it makes no difference.
    assert evaluate(tmp_path, text, "f") == Unknown("indexOf('Food', 'f')")


def test_starts_with_and_ends_with(tmp_path: Path) -> None:
    text = "var a = startsWith('food', 'foo')\nvar b = endsWith('foot', 'x')\nvar c = startsWith('Food', 'foo')\n"
    assert [evaluate(tmp_path, text, n) for n in "ab"] == [True, False]
    assert evaluate(tmp_path, text, "c") == Unknown("startsWith('Food', 'foo')")


def test_join_and_split(tmp_path: Path) -> None:
    # As the Bicep compiler's own test has it: join(['abc', 123, true], '/') is 'abc/123/True'.
    assert evaluate(tmp_path, "var x = join(['abc', 123, true], '/')\n") == "abc/123/True"
    assert evaluate(tmp_path, "var x = split('a,b;c', [',', ';'])\n") == ["a", "b", "c"]


def test_string_int_bool_json(tmp_path: Path) -> None:
    text = """var a = string({a: [1, 'b'], c: true})
var b = int('-42')
var c = bool('True')
var d = json('{"k": [1, null, "v"]}')
var e = string(7)
var f = json('1.5')
"""
    assert evaluate(tmp_path, text, "a") == '{"a":[1,"b"],"c":true}'
    assert evaluate(tmp_path, text, "b") == -42
    assert evaluate(tmp_path, text, "c") is True
    assert evaluate(tmp_path, text, "d") == {"k": [1, None, "v"]}
    assert evaluate(tmp_path, text, "e") == "7"
    assert evaluate(tmp_path, text, "f") == Unknown("json('1.5')")


def test_base64_family(tmp_path: Path) -> None:
    # The values of the Bicep compiler's own tests.
    text = """var a = base64(' Fizz ')
var b = base64ToString('IEZpenog')
var c = dataUri(' Fizz ')
var d = dataUriToString('data:text/plain;charset=utf-8;base64,IEZpenog')
var e = base64ToJson(base64('{"a": 1}'))
var f = uriComponent(' Fizz ')
"""
    assert [evaluate(tmp_path, text, n) for n in "abcdef"] == [
        "IEZpenog", " Fizz ", "data:text/plain;charset=utf-8;base64,IEZpenog", " Fizz ", {"a": 1}, "%20Fizz%20"]


def test_unique_string_is_arms(tmp_path: Path) -> None:
    # The Bicep compiler's test, and values published from real deployments.
    text = """var a = uniqueString('snap', 'crackle', 'pop')
var b = uniqueString('aaa')
var c = uniqueString('xxx', 'yyy', 'zzz')
var d = uniqueString('é')
"""
    assert [evaluate(tmp_path, text, n) for n in "abc"] == ["byghxckddilkc", "zavj67f3en4hc", "lghi7k5js7itq"]
    assert evaluate(tmp_path, text, "d") == Unknown("uniqueString('é')")  # not verified beyond ASCII


def test_guid_is_arms_and_unknown_for_a_reference(tmp_path: Path) -> None:
    text = f"""resource f '{FLEET}' = {{
  name: 'f'
}}
var a = guid('foo', 'bar', 'baz')
var b = guid(f.id, 'x')
"""
    assert evaluate(tmp_path, text, "a") == "2ed86837-7c7c-5eaa-9864-dd077fd19b0d"  # the compiler's own test
    assert evaluate(tmp_path, text, "b") == Unknown("guid(f.id, 'x')")


def test_resource_id_family(tmp_path: Path) -> None:
    text = """var a = subscriptionResourceId('s1', 'Microsoft.Resources/resourceGroups', 'rg')
var b = tenantResourceId('Microsoft.Management/managementGroups', 'mg')
var c = extensionResourceId('/subscriptions/s1', 'Microsoft.Authorization/locks', 'l')
var d = resourceId('s1', 'rg', 'Microsoft.ContainerService/fleets/members', 'f', 'm')
var e = managementGroupResourceId('mg', 'Microsoft.Authorization/policyDefinitions', 'p')
"""
    assert [evaluate(tmp_path, text, n) for n in "abcde"] == [
        "/subscriptions/s1/providers/Microsoft.Resources/resourceGroups/rg",
        "/providers/Microsoft.Management/managementGroups/mg",
        "/subscriptions/s1/providers/Microsoft.Authorization/locks/l",
        "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.ContainerService/fleets/f/members/m",
        "/providers/Microsoft.Management/managementGroups/mg/providers/Microsoft.Authorization/policyDefinitions/p",
    ]


def test_resource_id_with_an_unknown_name_keeps_its_type(tmp_path: Path) -> None:
    text = "param name string\nvar x = resourceId('rg', 'Microsoft.ContainerService/managedCluster', name)\n"
    value = evaluate(tmp_path, text)
    assert value == PartialId("resourceId('rg', 'Microsoft.ContainerService/managedCluster', name)",
                              arm_type="Microsoft.ContainerService/managedCluster")


def test_try_get(tmp_path: Path) -> None:
    text = "var o = {a: {b: [1, 2]}}\nvar x = tryGet(o, 'a', 'b', 1)\nvar y = tryGet(o, 'z', 'b')\n"
    assert evaluate(tmp_path, text) == 2
    assert evaluate(tmp_path, text, "y") is None


def test_parse_cidr_cidr_subnet_cidr_host(tmp_path: Path) -> None:
    text = """var a = parseCidr('10.144.0.0/20')
var b = cidrSubnet('10.144.0.0/20', 24, 3)
var c = cidrHost('10.144.3.0/24', 0)
var d = cidrSubnet('10.144.0.0/20', 24, 16)
"""
    assert evaluate(tmp_path, text, "a") == {"network": "10.144.0.0", "netmask": "255.255.240.0",
                                             "broadcast": "10.144.15.255", "firstUsable": "10.144.0.1",
                                             "lastUsable": "10.144.15.254", "cidr": 20}
    assert evaluate(tmp_path, text, "b") == "10.144.3.0/24"
    assert evaluate(tmp_path, text, "c") == "10.144.3.1"
    assert evaluate(tmp_path, text, "d") == Unknown("cidrSubnet('10.144.0.0/20', 24, 16)")  # past the range


def test_load_text_and_json_content_inside_the_root(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "groups.json").write_text('{"rings": {"first": ["canary"]}}', encoding="utf-8")
    (tmp_path / "data" / "note.txt").write_text("hello\n", encoding="utf-8")
    text = """var a = loadJsonContent('data/groups.json', '$.rings.first')
var b = loadTextContent('./data/note.txt')
var c = loadJsonContent('data/missing.json')
"""
    assert evaluate(tmp_path, text, "a") == ["canary"]
    assert evaluate(tmp_path, text, "b") == "hello\n"
    assert evaluate(tmp_path, text, "c") == Unknown("loadJsonContent('data/missing.json')")


def test_load_content_outside_the_root_is_unknown_with_a_diagnostic(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("s3cret", encoding="utf-8")
    root = tmp_path / "repo"
    root.mkdir()
    (root / "link.txt").symlink_to(outside / "secret.txt")
    main = f"""var note = loadTextContent('link.txt')
var up = loadTextContent('../outside/secret.txt')

resource f '{FLEET}' = {{
  name: note
  tags: {{
    up: up
  }}
}}
"""
    units = load(root, {"main.bicep": main})
    [fleet] = units[0].result.resources
    assert fleet.name == Unknown("loadTextContent('link.txt')")
    assert [(d.location.line, d.location.column, d.message) for d in units[0].result.diagnostics] == [
        (1, 12, "loadTextContent() names 'link.txt', a file outside the scanned root; it is not read and its "
                "content is unknown"),
        (2, 10, "loadTextContent() names '../outside/secret.txt', a file outside the scanned root; it is not "
                "read and its content is unknown"),
    ]


def test_concat_with_an_unknown_array_keeps_the_known_elements(tmp_path: Path) -> None:
    text = """param waves array
var pilot = { name: 'pilot' }
var x = concat([pilot], map(waves, w => { name: w }))
var n = length(x)
var first = x[0]
var after = x[1]
var isEmpty = empty(x)
"""
    value = evaluate(tmp_path, text)
    assert value == [{"name": "pilot"}, UnknownRun("map(waves, w => {name: w})")]
    assert evaluate(tmp_path, text, "n") == Unknown("length(x)")
    assert evaluate(tmp_path, text, "first") == {"name": "pilot"}
    assert evaluate(tmp_path, text, "after") == Unknown("x[1]")
    assert evaluate(tmp_path, text, "isEmpty") is False


def test_length_counts_unknown_elements(tmp_path: Path) -> None:
    assert evaluate(tmp_path, "param p string\nvar x = length(['a', p])\n") == 2


def test_for_expression_over_a_partly_unknown_array(tmp_path: Path) -> None:
    value = evaluate(tmp_path, "param more array\nvar x = [for v in concat([1], more): v * 2]\n")
    assert value == [2, UnknownRun("[for v in concat([1], more): v * 2]")]


def test_lambda_functions_respect_the_budget(tmp_path: Path) -> None:
    text = "var x = map(range(0, 10000), i => map(range(0, 10000), j => i + j))\n"
    value = evaluate(tmp_path, text, budget=Budget(max_values=5_000))
    assert value == Unknown("map(range(0, 10000), i => map(range(0, 10000), j => i + j))", UnknownCause.BUDGET)
    assert value.cause == UnknownCause.BUDGET


def test_bicepparam_value_refers_to_another_param(tmp_path: Path) -> None:
    main = """param prefix string
param fleetName string

resource f 'Microsoft.ContainerService/fleets@2025-03-01' = {
  name: fleetName
}
"""
    params = "using 'main.bicep'\n\nparam prefix = 'prod'\nparam fleetName = '${prefix}-fleet'\n"
    units = load(tmp_path, {"main.bicep": main, "prod.bicepparam": params})
    assert [r.name for r in units[0].result.resources] == ["prod-fleet"]


def test_empty_kubernetes_version_stays_the_empty_string(tmp_path: Path) -> None:
    res = one_unit(tmp_path, """resource aks 'Microsoft.ContainerService/managedClusters@2025-05-01' = {
  name: 'aks'
  properties: {
    kubernetesVersion: ''
  }
}
""")
    assert res["main.bicep#aks"].props.kubernetes_version == ""


def test_group_by_with_a_value_lambda(tmp_path: Path) -> None:
    text = "var x = groupBy([{t: 'a', v: 1}, {t: 'b', v: 2}, {t: 'a', v: 3}], e => e.t, e => e.v)\n"
    assert evaluate(tmp_path, text) == {"a": [1, 3], "b": [2]}


def test_nameof(tmp_path: Path) -> None:
    text = "var o = {a: {b: 1}}\nvar x = nameof(o.a.b)\nvar y = nameof(o)\nvar z = nameof(o['a-b'])\n"
    assert [evaluate(tmp_path, text, n) for n in "xyz"] == ["b", "o", "a-b"]


def test_shallow_merge_replaces_nested_objects_whole(tmp_path: Path) -> None:
    text = "var x = shallowMerge([{a: {b: 1, c: 2}, d: 1}, {a: {b: 3}}])\n"
    assert evaluate(tmp_path, text) == {"a": {"b": 3}, "d": 1}


def test_load_json_content_with_comments_and_a_path(tmp_path: Path) -> None:
    (tmp_path / "v.json").write_text('{\n  "a": [1, /* two */ 2], // list\n  "s": "x//y"\n}', encoding="utf-8")
    text = "var x = loadJsonContent('v.json', '.a[1]')\nvar y = loadJsonContent('v.json', '$.s')\n" \
           "var z = loadJsonContent('v.json', '.a[?(@ > 1)]')\n"
    assert evaluate(tmp_path, text) == 2
    assert evaluate(tmp_path, text, "y") == "x//y"
    assert evaluate(tmp_path, text, "z") == Unknown("loadJsonContent('v.json', '.a[?(@ > 1)]')")


def test_interpolated_bool_is_written_as_format_writes_it(tmp_path: Path) -> None:
    assert evaluate(tmp_path, "var x = 'on-${true}'\nvar y = format('{0}', false)\n") == "on-True"
    assert evaluate(tmp_path, "var x = 'on-${true}'\nvar y = format('{0}', false)\n", "y") == "False"


def test_resource_loop_over_a_partly_unknown_array(tmp_path: Path) -> None:
    res = one_unit(tmp_path, f"""param more array

resource fleet '{FLEET}' = {{
  name: 'fleet'
}}

resource members 'Microsoft.ContainerService/fleets/members@2025-03-01' = [for (g, i) in concat(['canary'], more): {{
  parent: fleet
  name: 'm-${{g}}'
  properties: {{
    group: g
  }}
}}]
""")
    members = {k: (r.name, r.props.group) for k, r in res.items() if r.kind == "member"}
    assert members == {"main.bicep#members[0]": ("m-canary", "canary"),
                       "main.bicep#members[*]": (Unknown("'m-${g}'"), Unknown("concat(['canary'], more)[*]"))}


def test_union_and_intersection_compare_objects_regardless_of_key_order(tmp_path: Path) -> None:
    text = "var x = union([{a: 1, b: 2}], [{b: 2, a: 1}, {c: 3}])\n" \
           "var y = intersection([{a: 1, b: 2}], [{b: 2, a: 1}])\n"
    assert evaluate(tmp_path, text) == [{"a": 1, "b": 2}, {"c": 3}]
    assert evaluate(tmp_path, text, "y") == [{"a": 1, "b": 2}]


def test_user_defined_function_is_evaluated_with_its_arguments(tmp_path: Path) -> None:
    # The syntax tree gives a template's `func` declarations as `functions` (name -> params and body).
    @dataclass(frozen=True)
    class Func:
        params: tuple[str, ...]
        body: A.Expr

    class WithFunctions(ParsedBicep):
        functions: dict[str, Func]

    parsed = parse_file("var x = greet('fleet')\nvar y = loop(1)\n", "main.bicep")
    assert isinstance(parsed, ParsedBicep)
    template = WithFunctions(path="main.bicep", vars=parsed.vars)
    template.functions = {"greet": Func(("name",), parse_expression("'hi-${name}'", 1, 1)),
                          "loop": Func(("n",), parse_expression("loop(n)", 1, 1))}
    instance = Instance(UnitContext(files={"main.bicep": template}), template, {}, "main.bicep#", "", RG_NAME,
                        SUBSCRIPTION_ID)
    assert instance.var("x") == "hi-fleet"
    assert instance.var("y") == Unknown("loop(n)", UnknownCause.CYCLE)


def test_an_array_of_nothing_but_unknown_runs_is_an_unknown_array(tmp_path: Path) -> None:
    # It may be empty: a rule must not see "one element" in it.
    text = "param more array\nvar x = concat([], more)\nvar y = [for v in concat([], more): v]\n"
    assert evaluate(tmp_path, text) == Unknown("concat([], more)")
    assert not isinstance(evaluate(tmp_path, text), UnknownRun)
    assert evaluate(tmp_path, text, "y") == Unknown("[for v in concat([], more): v]")


def test_interpolated_id_with_unknown_names_keeps_its_type(tmp_path: Path) -> None:
    text = """param sub string
param name string
var x = '/subscriptions/${sub}/resourceGroups/rg/providers/Microsoft.ContainerService/managedCluster/${name}'
var y = '/subscriptions/${sub}/providers/Microsoft.ContainerService/${name}'
"""
    assert evaluate(tmp_path, text) == PartialId(
        "'/subscriptions/${sub}/resourceGroups/rg/providers/Microsoft.ContainerService/managedCluster/${name}'",
        arm_type="Microsoft.ContainerService/managedCluster")
    # The type itself is not written out: nothing is known.
    assert type(evaluate(tmp_path, text, "y")) is Unknown


def test_load_content_of_a_fifo_is_unknown_without_blocking(tmp_path: Path) -> None:
    import os

    os.mkfifo(tmp_path / "pipe.txt")
    assert evaluate(tmp_path, "var x = loadTextContent('pipe.txt')\n") == Unknown("loadTextContent('pipe.txt')")


def test_load_text_content_encodings_drop_the_byte_order_mark(tmp_path: Path) -> None:
    (tmp_path / "le.txt").write_bytes("\ufeffé\r\n".encode("utf-16-le"))
    (tmp_path / "be.txt").write_bytes("\ufeffé\r\n".encode("utf-16-be"))
    (tmp_path / "bom.txt").write_bytes("\ufeffé\r\n".encode("utf-8"))
    (tmp_path / "latin.txt").write_bytes("é".encode("latin-1"))
    text = """var a = loadTextContent('le.txt', 'utf-16')
var b = loadTextContent('be.txt', 'utf-16BE')
var c = loadTextContent('bom.txt')
var d = loadTextContent('latin.txt', 'iso-8859-1')
var e = loadTextContent('latin.txt', 'us-ascii')
"""
    assert [evaluate(tmp_path, text, n) for n in "abcd"] == ["é\r\n", "é\r\n", "é\r\n", "é"]
    assert evaluate(tmp_path, text, "e") == Unknown("loadTextContent('latin.txt', 'us-ascii')")


# What the Bicep compiler itself folds these calls to (its function resolver tests): the same here.
COMPILER_FOLDS = [
    ("base64(' Fizz ')", "IEZpenog"), ("base64ToString('IEZpenog')", " Fizz "),
    ("dataUri(' Fizz ')", "data:text/plain;charset=utf-8;base64,IEZpenog"),
    ("dataUriToString('data:text/plain;charset=utf-8;base64,IEZpenog')", " Fizz "),
    ("first('Fizz')", "F"), ("last('Fizz')", "z"), ("toLower(' Fizz ')", " fizz "), ("toUpper(' Fizz ')", " FIZZ "),
    ("trim(' Fizz ')", "Fizz"), ("uriComponent(' Fizz ')", "%20Fizz%20"),
    ("uriComponentToString('%20Fizz%20')", " Fizz "),
    ("uniqueString('snap', 'crackle', 'pop')", "byghxckddilkc"),
    ("guid('foo', 'bar', 'baz')", "2ed86837-7c7c-5eaa-9864-dd077fd19b0d"),
    ("replace('foot', 't', 'd')", "food"), ("format('{0}/{1}/{2}/{3}', 1, 2, 3, true)", "1/2/3/True"),
    ("padLeft('00', 5, ' ')", "   00"), ("length('table')", 5), ("length([1, 2, 3, 4, 5])", 5),
    ("substring('foot', 0, 3)", "foo"), ("take('foot', 3)", "foo"), ("skip('foot', 3)", "t"),
    ("empty('non-empty string')", False), ("contains('foot', 'foo')", True), ("indexOf('food', 'o')", 1),
    ("lastIndexOf('food', 'o')", 2), ("startsWith('food', 'foo')", True), ("endsWith('foot', 't')", True),
    ("min(10, 4, 1, 6)", 1), ("max(10, 4, 1, 6)", 10), ("split('fizz,buzz,pop', ',')", ["fizz", "buzz", "pop"]),
    ("take(['fizz', 'buzz', 'pop'], 2)", ["fizz", "buzz"]), ("contains(['fizz', 'buzz', 'pop'], 'fizz')", True),
    ("intersection(['fizz', 'buzz', 'pop'], ['snap', 'crackle', 'pop'])", ["pop"]),
    ("union(['fizz', 'buzz'], ['pop'])", ["fizz", "buzz", "pop"]), ("first(['fizz', 'buzz', 'pop'])", "fizz"),
    ("first([])", None), ("last(['fizz', 'buzz', 'pop'])", "pop"), ("last([])", None),
    ("indexOf(['fizz', 'buzz', 'pop', 'fizz'], 'fizz')", 0),
    ("lastIndexOf(['fizz', 'buzz', 'pop', 'fizz'], 'fizz')", 3),
    ("min([10, 4, 1, 6])", 1), ("max([10, 4, 1, 6])", 10), ("join(['foo', 'bar', 'baz'], '/')", "foo/bar/baz"),
    ("join(['abc', 123, true], '/')", "abc/123/True"),
]


@pytest.mark.parametrize(("expression", "folded"), COMPILER_FOLDS)
def test_values_the_bicep_compiler_folds(tmp_path: Path, expression: str, folded: Any) -> None:
    value = evaluate(tmp_path, f"var x = {expression}\n")
    assert value == folded
    assert isinstance(value, type(folded))  # True is no 1, a list no string


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
