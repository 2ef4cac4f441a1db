"""One small platform written four ways -- Terraform azurerm, Terraform azapi, Bicep, and the ARM JSON
`az bicep build` compiles that Bicep to (in both its forms) -- yields equal canonical resources, so a
rule written once sees the same thing whichever language a team uses.

Each platform is run through the public path a rule sees (discover -> ``engine.load``), and every
resource is reduced to a view: its kind, its name, and its props with references normalised (a
``ResourceRef`` or an ARM ID naming a declared resource becomes the kind, name and attribute of that
resource, as :meth:`FleetGraph.resolve` finds it; every unknown value is just "unknown"). Where a
language cannot say something, the comparison says so in the short lists below.
"""

from __future__ import annotations

import json
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any

import pytest

from fleetiac.analyzer.discovery import discover
from fleetiac.analyzer.engine import ScanOptions, load
from fleetiac.analyzer.graph import FleetGraph
from fleetiac.analyzer.knowledge import arm_ids
from fleetiac.analyzer.knowledge.roles import builtin_roles
from fleetiac.analyzer.model import Resource
from fleetiac.analyzer.values import ResourceRef, Unknown

SUB = "/subscriptions/00000000-0000-0000-0000-000000000000"
HUB_SUBNETS = f"{SUB}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet/subnets"

AZURERM = f"""
variable "operator_id" {{
  type = string
}}

resource "azurerm_resource_group" "rg" {{
  name     = "rg-fleet"
  location = "westeurope"
}}

resource "azurerm_kubernetes_fleet_manager" "fleet" {{
  name                = "fleet-platform"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
}}

resource "azurerm_kubernetes_cluster" "one" {{
  name                      = "aks-one"
  location                  = azurerm_resource_group.rg.location
  resource_group_name       = azurerm_resource_group.rg.name
  dns_prefix                = "aks-one"
  kubernetes_version        = "1.30"
  sku_tier                  = "Premium"
  support_plan              = "AKSLongTermSupport"
  automatic_upgrade_channel = "patch"
  node_os_upgrade_channel   = "NodeImage"

  default_node_pool {{
    name       = "system"
    node_count = 1
    vm_size    = "Standard_D2s_v5"
  }}

  identity {{
    type = "SystemAssigned"
  }}
}}

resource "azurerm_kubernetes_cluster" "two" {{
  name                      = "aks-two"
  location                  = azurerm_resource_group.rg.location
  resource_group_name       = azurerm_resource_group.rg.name
  dns_prefix                = "aks-two"
  kubernetes_version        = "1.31"
  support_plan              = "KubernetesOfficial"
  automatic_upgrade_channel = "stable"
  node_os_upgrade_channel   = "SecurityPatch"

  default_node_pool {{
    name       = "system"
    node_count = 1
    vm_size    = "Standard_D2s_v5"
  }}

  identity {{
    type = "SystemAssigned"
  }}
}}

resource "azurerm_kubernetes_fleet_member" "one" {{
  name                  = "member-one"
  kubernetes_fleet_id   = azurerm_kubernetes_fleet_manager.fleet.id
  kubernetes_cluster_id = azurerm_kubernetes_cluster.one.id
  group                 = "canary"
}}

resource "azurerm_kubernetes_fleet_member" "two" {{
  name                  = "member-two"
  kubernetes_fleet_id   = azurerm_kubernetes_fleet_manager.fleet.id
  kubernetes_cluster_id = azurerm_kubernetes_cluster.two.id
  group                 = "broad"
}}

resource "azurerm_kubernetes_fleet_update_strategy" "rings" {{
  name                        = "rings"
  kubernetes_fleet_manager_id = azurerm_kubernetes_fleet_manager.fleet.id

  stage {{
    name = "first"
    group {{
      name = "canary"
    }}
    after_stage_wait_in_seconds = 3600
  }}

  stage {{
    name = "second"
    group {{
      name = "broad"
    }}
  }}
}}

resource "azurerm_kubernetes_fleet_update_run" "upgrade" {{
  name                        = "upgrade-131"
  kubernetes_fleet_manager_id = azurerm_kubernetes_fleet_manager.fleet.id
  fleet_update_strategy_id    = azurerm_kubernetes_fleet_update_strategy.rings.id

  managed_cluster_update {{
    upgrade {{
      type               = "Full"
      kubernetes_version = "1.31"
    }}
    node_image_selection {{
      type = "Consistent"
    }}
  }}
}}

# azurerm has no auto-upgrade profile resource: azapi writes it, under the azurerm fleet.
resource "azapi_resource" "auto" {{
  type      = "Microsoft.ContainerService/fleets/autoUpgradeProfiles@2025-03-01"
  name      = "stable"
  parent_id = azurerm_kubernetes_fleet_manager.fleet.id
  body = {{
    properties = {{
      channel            = "Stable"
      updateStrategyId   = azurerm_kubernetes_fleet_update_strategy.rings.id
      nodeImageSelection = {{ type = "Latest" }}
    }}
  }}
}}

resource "azurerm_user_assigned_identity" "deployer" {{
  name                = "id-deployer"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
}}

resource "azurerm_role_definition" "reader" {{
  name               = "Fleet Update Reader"
  role_definition_id = "11111111-2222-3333-4444-555555555555"
  scope              = "{SUB}"

  permissions {{
    actions     = ["Microsoft.ContainerService/fleets/read", "Microsoft.ContainerService/fleets/updateRuns/read"]
    not_actions = ["Microsoft.ContainerService/fleets/delete"]
  }}

  assignable_scopes = ["{SUB}"]
}}

resource "azurerm_role_assignment" "cluster_user" {{
  name                 = "22222222-0000-0000-0000-000000000001"
  scope                = azurerm_kubernetes_cluster.one.id
  role_definition_name = "Azure Kubernetes Service Cluster User Role"
  principal_id         = azurerm_user_assigned_identity.deployer.principal_id
  principal_type       = "ServicePrincipal"
}}

resource "azurerm_role_assignment" "fleet_operator" {{
  name               = "22222222-0000-0000-0000-000000000002"
  scope              = azurerm_kubernetes_fleet_manager.fleet.id
  role_definition_id = "/providers/Microsoft.Authorization/roleDefinitions/63bb64ad-9799-4770-b5c3-24ed299a07bf"
  principal_id       = var.operator_id
  principal_type     = "User"
}}

resource "azurerm_role_assignment" "fleet_reader" {{
  name               = "22222222-0000-0000-0000-000000000003"
  scope              = azurerm_kubernetes_fleet_manager.fleet.id
  role_definition_id = azurerm_role_definition.reader.role_definition_resource_id
  principal_id       = azurerm_user_assigned_identity.deployer.principal_id
}}
"""

AZAPI = f"""
variable "operator_id" {{
  type = string
}}

resource "azapi_resource" "rg" {{
  type     = "Microsoft.Resources/resourceGroups@2024-03-01"
  name     = "rg-fleet"
  location = "westeurope"
}}

resource "azapi_resource" "fleet" {{
  type      = "Microsoft.ContainerService/fleets@2025-04-01-preview"
  name      = "fleet-platform"
  parent_id = azapi_resource.rg.id
  location  = "westeurope"
  body = {{
    identity = {{
      type = "SystemAssigned"
    }}
    properties = {{
      hubProfile = {{
        dnsPrefix    = "fleet-platform"
        agentProfile = {{ subnetId = "{HUB_SUBNETS}/hub-agents" }}
        apiServerAccessProfile = {{
          enableVnetIntegration = true
          subnetId              = "{HUB_SUBNETS}/hub-api"
        }}
      }}
    }}
  }}
}}

resource "azapi_resource" "one" {{
  type      = "Microsoft.ContainerService/managedClusters@2025-05-01"
  name      = "aks-one"
  parent_id = azapi_resource.rg.id
  location  = "westeurope"
  body = {{
    sku = {{ name = "Base", tier = "Premium" }}
    properties = {{
      dnsPrefix         = "aks-one"
      kubernetesVersion = "1.30"
      supportPlan       = "AKSLongTermSupport"
      autoUpgradeProfile = {{
        upgradeChannel       = "patch"
        nodeOSUpgradeChannel = "NodeImage"
      }}
      agentPoolProfiles = [{{ name = "system", count = 1, vmSize = "Standard_D2s_v5", mode = "System" }}]
    }}
  }}
}}

resource "azapi_resource" "two" {{
  type      = "Microsoft.ContainerService/managedClusters@2025-05-01"
  name      = "aks-two"
  parent_id = azapi_resource.rg.id
  location  = "westeurope"
  body = {{
    properties = {{
      dnsPrefix         = "aks-two"
      kubernetesVersion = "1.31"
      supportPlan       = "KubernetesOfficial"
      autoUpgradeProfile = {{
        upgradeChannel       = "stable"
        nodeOSUpgradeChannel = "SecurityPatch"
      }}
      agentPoolProfiles = [{{ name = "system", count = 1, vmSize = "Standard_D2s_v5", mode = "System" }}]
    }}
  }}
}}

resource "azapi_resource" "member_one" {{
  type      = "Microsoft.ContainerService/fleets/members@2025-04-01-preview"
  name      = "member-one"
  parent_id = azapi_resource.fleet.id
  body = {{
    properties = {{
      clusterResourceId = azapi_resource.one.id
      group             = "canary"
      labels            = {{ ring = "canary", team = "platform" }}
    }}
  }}
}}

resource "azapi_resource" "member_two" {{
  type      = "Microsoft.ContainerService/fleets/members@2025-04-01-preview"
  name      = "member-two"
  parent_id = azapi_resource.fleet.id
  body = {{
    properties = {{
      clusterResourceId = azapi_resource.two.id
      group             = "broad"
      labels            = {{ ring = "broad" }}
    }}
  }}
}}

resource "azapi_resource" "rings" {{
  type      = "Microsoft.ContainerService/fleets/updateStrategies@2025-03-01"
  name      = "rings"
  parent_id = azapi_resource.fleet.id
  body = {{
    properties = {{
      strategy = {{
        stages = [
          {{
            name                    = "first"
            groups                  = [{{ name = "canary" }}]
            afterStageWaitInSeconds = 3600
          }},
          {{
            name   = "second"
            groups = [{{ name = "broad" }}]
          }},
        ]
      }}
    }}
  }}
}}

resource "azapi_resource" "upgrade" {{
  type      = "Microsoft.ContainerService/fleets/updateRuns@2025-03-01"
  name      = "upgrade-131"
  parent_id = azapi_resource.fleet.id
  body = {{
    properties = {{
      updateStrategyId = azapi_resource.rings.id
      managedClusterUpdate = {{
        upgrade = {{
          type              = "Full"
          kubernetesVersion = "1.31"
        }}
        nodeImageSelection = {{ type = "Consistent" }}
      }}
    }}
  }}
}}

resource "azapi_resource" "auto" {{
  type      = "Microsoft.ContainerService/fleets/autoUpgradeProfiles@2025-03-01"
  name      = "stable"
  parent_id = azapi_resource.fleet.id
  body = {{
    properties = {{
      channel            = "Stable"
      updateStrategyId   = azapi_resource.rings.id
      nodeImageSelection = {{ type = "Latest" }}
    }}
  }}
}}

resource "azapi_resource" "deployer" {{
  type      = "Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31"
  name      = "id-deployer"
  parent_id = azapi_resource.rg.id
  location  = "westeurope"
}}

resource "azapi_resource" "reader" {{
  type      = "Microsoft.Authorization/roleDefinitions@2022-04-01"
  name      = "11111111-2222-3333-4444-555555555555"
  parent_id = "{SUB}"
  body = {{
    properties = {{
      roleName = "Fleet Update Reader"
      type     = "CustomRole"
      permissions = [{{
        actions    = ["Microsoft.ContainerService/fleets/read", "Microsoft.ContainerService/fleets/updateRuns/read"]
        notActions = ["Microsoft.ContainerService/fleets/delete"]
      }}]
      assignableScopes = ["{SUB}"]
    }}
  }}
}}

resource "azapi_resource" "cluster_user" {{
  type      = "Microsoft.Authorization/roleAssignments@2022-04-01"
  name      = "22222222-0000-0000-0000-000000000001"
  parent_id = azapi_resource.one.id
  body = {{
    properties = {{
      principalId      = azapi_resource.deployer.output.properties.principalId
      roleDefinitionId = "/providers/Microsoft.Authorization/roleDefinitions/4abbcc35-e782-43d8-92c5-2d3f1bd2253f"
      principalType    = "ServicePrincipal"
    }}
  }}
}}

resource "azapi_resource" "fleet_operator" {{
  type      = "Microsoft.Authorization/roleAssignments@2022-04-01"
  name      = "22222222-0000-0000-0000-000000000002"
  parent_id = azapi_resource.fleet.id
  body = {{
    properties = {{
      principalId      = var.operator_id
      roleDefinitionId = "/providers/Microsoft.Authorization/roleDefinitions/63bb64ad-9799-4770-b5c3-24ed299a07bf"
      principalType    = "User"
    }}
  }}
}}

resource "azapi_resource" "fleet_reader" {{
  type      = "Microsoft.Authorization/roleAssignments@2022-04-01"
  name      = "22222222-0000-0000-0000-000000000003"
  parent_id = azapi_resource.fleet.id
  body = {{
    properties = {{
      principalId      = azapi_resource.deployer.output.properties.principalId
      roleDefinitionId = azapi_resource.reader.id
    }}
  }}
}}
"""

BICEP = f"""
targetScope = 'resourceGroup'

param operatorId string

var clusterUserRole = '4abbcc35-e782-43d8-92c5-2d3f1bd2253f'
var fleetContributorRole = '63bb64ad-9799-4770-b5c3-24ed299a07bf'

resource fleet 'Microsoft.ContainerService/fleets@2025-04-01-preview' = {{
  name: 'fleet-platform'
  location: 'westeurope'
  identity: {{
    type: 'SystemAssigned'
  }}
  properties: {{
    hubProfile: {{
      dnsPrefix: 'fleet-platform'
      agentProfile: {{
        subnetId: '{HUB_SUBNETS}/hub-agents'
      }}
      apiServerAccessProfile: {{
        enableVnetIntegration: true
        subnetId: '{HUB_SUBNETS}/hub-api'
      }}
    }}
  }}
}}

resource one 'Microsoft.ContainerService/managedClusters@2025-05-01' = {{
  name: 'aks-one'
  location: 'westeurope'
  sku: {{
    name: 'Base'
    tier: 'Premium'
  }}
  properties: {{
    dnsPrefix: 'aks-one'
    kubernetesVersion: '1.30'
    supportPlan: 'AKSLongTermSupport'
    autoUpgradeProfile: {{
      upgradeChannel: 'patch'
      nodeOSUpgradeChannel: 'NodeImage'
    }}
    agentPoolProfiles: [
      {{
        name: 'system'
        count: 1
        vmSize: 'Standard_D2s_v5'
        mode: 'System'
      }}
    ]
  }}
}}

resource two 'Microsoft.ContainerService/managedClusters@2025-05-01' = {{
  name: 'aks-two'
  location: 'westeurope'
  properties: {{
    dnsPrefix: 'aks-two'
    kubernetesVersion: '1.31'
    supportPlan: 'KubernetesOfficial'
    autoUpgradeProfile: {{
      upgradeChannel: 'stable'
      nodeOSUpgradeChannel: 'SecurityPatch'
    }}
    agentPoolProfiles: [
      {{
        name: 'system'
        count: 1
        vmSize: 'Standard_D2s_v5'
        mode: 'System'
      }}
    ]
  }}
}}

resource memberOne 'Microsoft.ContainerService/fleets/members@2025-04-01-preview' = {{
  parent: fleet
  name: 'member-one'
  properties: {{
    clusterResourceId: one.id
    group: 'canary'
    labels: {{
      ring: 'canary'
      team: 'platform'
    }}
  }}
}}

resource memberTwo 'Microsoft.ContainerService/fleets/members@2025-04-01-preview' = {{
  parent: fleet
  name: 'member-two'
  properties: {{
    clusterResourceId: two.id
    group: 'broad'
    labels: {{
      ring: 'broad'
    }}
  }}
}}

resource rings 'Microsoft.ContainerService/fleets/updateStrategies@2025-03-01' = {{
  parent: fleet
  name: 'rings'
  properties: {{
    strategy: {{
      stages: [
        {{
          name: 'first'
          groups: [
            {{
              name: 'canary'
            }}
          ]
          afterStageWaitInSeconds: 3600
        }}
        {{
          name: 'second'
          groups: [
            {{
              name: 'broad'
            }}
          ]
        }}
      ]
    }}
  }}
}}

resource upgrade 'Microsoft.ContainerService/fleets/updateRuns@2025-03-01' = {{
  parent: fleet
  name: 'upgrade-131'
  properties: {{
    updateStrategyId: rings.id
    managedClusterUpdate: {{
      upgrade: {{
        type: 'Full'
        kubernetesVersion: '1.31'
      }}
      nodeImageSelection: {{
        type: 'Consistent'
      }}
    }}
  }}
}}

resource auto 'Microsoft.ContainerService/fleets/autoUpgradeProfiles@2025-03-01' = {{
  parent: fleet
  name: 'stable'
  properties: {{
    channel: 'Stable'
    updateStrategyId: rings.id
    nodeImageSelection: {{
      type: 'Latest'
    }}
  }}
}}

resource deployer 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {{
  name: 'id-deployer'
  location: 'westeurope'
}}

resource reader 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {{
  name: '11111111-2222-3333-4444-555555555555'
  properties: {{
    roleName: 'Fleet Update Reader'
    type: 'CustomRole'
    permissions: [
      {{
        actions: [
          'Microsoft.ContainerService/fleets/read'
          'Microsoft.ContainerService/fleets/updateRuns/read'
        ]
        notActions: [
          'Microsoft.ContainerService/fleets/delete'
        ]
      }}
    ]
    assignableScopes: [
      '{SUB}'
    ]
  }}
}}

resource clusterUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {{
  scope: one
  name: '22222222-0000-0000-0000-000000000001'
  properties: {{
    principalId: deployer.properties.principalId
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', clusterUserRole)
    principalType: 'ServicePrincipal'
  }}
}}

resource fleetOperator 'Microsoft.Authorization/roleAssignments@2022-04-01' = {{
  scope: fleet
  name: '22222222-0000-0000-0000-000000000002'
  properties: {{
    principalId: operatorId
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', fleetContributorRole)
    principalType: 'User'
  }}
}}

resource fleetReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {{
  scope: fleet
  name: '22222222-0000-0000-0000-000000000003'
  properties: {{
    principalId: deployer.properties.principalId
    roleDefinitionId: reader.id
  }}
}}
"""

# The Bicep above as `az bicep build` prints it (an ARM template; Bicep's generator metadata left out),
# with placeholders for the subscription and the hub subnets.
ARM = (Path(__file__).with_name("parity_arm.json").read_text(encoding="utf-8")
       .replace("__HUB_SUBNETS__", HUB_SUBNETS).replace("__SUB__", SUB))

# The same template in the symbolic-name form Bicep writes with `languageVersion` 2.0: resources are an
# object keyed by the Bicep symbols, dependencies name symbols, and `deployer.properties.principalId`
# is `reference('deployer')`.
SYMBOLS = ["fleet", "one", "two", "memberOne", "memberTwo", "rings", "upgrade", "auto", "deployer", "reader",
           "clusterUser", "fleetOperator", "fleetReader"]


def _symbolic(text: str) -> str:
    template = json.loads(text)
    resources = template.pop("resources")
    for resource in resources:
        resource.pop("dependsOn", None)
        properties = resource.get("properties", {})
        if "principalId" in properties and "reference(" in properties["principalId"]:
            properties["principalId"] = "[reference('deployer').principalId]"
    head = {"$schema": template.pop("$schema"), "languageVersion": "2.0"}
    return json.dumps({**head, **template, "resources": dict(zip(SYMBOLS, resources, strict=True))}, indent=2)


SOURCES = {"azurerm": ("main.tf", AZURERM), "azapi": ("main.tf", AZAPI), "bicep": ("main.bicep", BICEP),
           "arm": ("main.json", ARM), "arm-symbolic": ("main.json", _symbolic(ARM))}

# -- what is not compared ------------------------------------------------------------------------

# Props that say how one language wrote something, not what it declares.
LANGUAGE_FIELDS = {
    "parent",  # azapi's parent_id as written; what it means is in `fleet` or `scope`
    "role_by",  # azurerm: whether role_definition_name or role_definition_id was used
    "target_scope",  # Bicep's deployment scope, read only when `scope` is None (never here)
    "ignore_changes",  # azurerm's lifecycle { ignore_changes }: ARM bodies have no lifecycle
    "api_version",  # the API version a declaration names (azurerm names none; the files use several)
    "provider_versions",  # the azurerm versions in use: said only by azurerm fleets
}

# What a language cannot say, (language, kind) -> props; they are left out of every comparison
# with that language (test_what_azurerm_cannot_say pins what it says instead).
CANNOT_SAY: dict[tuple[str, str], frozenset[str]] = {
    # azurerm_kubernetes_fleet_manager creates no hub (`hub_profile` is ignored, so `hub` and
    # `hub_settable` are False) and has no identity argument.
    ("azurerm", "fleet"): frozenset({"hub", "hub_settable", "identity_type", "hub_agent_subnet",
                                     "hub_vnet_integration", "hub_api_server_subnet"}),
    # azurerm_kubernetes_fleet_member has no labels argument (labels are a preview API property).
    ("azurerm", "member"): frozenset({"labels"}),
    # azurerm_role_definition's `scope` is where it is created; ARM bodies say that by the deployment
    # (Bicep) or by parent_id (azapi, a language field above).
    ("azurerm", "role_definition"): frozenset({"scope"}),
    # azurerm_kubernetes_cluster has no sku name (AKS Automatic is an ARM sku.name).
    ("azurerm", "cluster"): frozenset({"sku_name"}),
}

# Kinds a language does not declare in this platform: a Bicep file with targetScope 'resourceGroup'
# deploys into its resource group and cannot declare it.
NOT_DECLARED = {("bicep", "resource_group"), ("arm", "resource_group"), ("arm-symbolic", "resource_group")}

# azurerm_role_definition's `name` is the role's display name (role_name); the ARM resource name is
# the role's GUID, which azurerm calls role_definition_id (role_id). Such definitions are named by
# their role_id here, in views and in references to them.
NAMED_BY_ROLE_ID = {("terraform", "azurerm_role_definition")}

# azurerm names the ARM ID of a role definition `role_definition_resource_id` (its `id` is a
# Terraform-specific composite); everywhere else it is `id`.
ATTRIBUTE_ALIASES = {"role_definition_resource_id": "id"}

UNKNOWN = "<unknown>"

# -- the view ------------------------------------------------------------------------------------


def load_platform(root: Path, language: str) -> list[Resource]:
    filename, text = SOURCES[language]
    (root / filename).write_text(text, encoding="utf-8")
    _, files = discover([root], root)
    loaded = load(files, ScanOptions(cache=False, workers=1))
    assert loaded.diagnostics == [] and loaded.notices == []
    assert len(loaded.variants) == 1
    return loaded.variants[0]


def name_of(resource: Resource) -> Any:
    if (resource.language, resource.source_type) in NAMED_BY_ROLE_ID:
        return getattr(resource.props, "role_id", None)
    return resource.name


def written(props: Any) -> dict[str, Any]:
    """The fields of a resource's props that the code writes (None is "not written")."""
    return {f.name: getattr(props, f.name) for f in fields(props) if getattr(props, f.name) is not None}


class View:
    """Kind, name and normalised props of every resource of one platform."""

    def __init__(self, resources: list[Resource]) -> None:
        self.graph = FleetGraph(resources)
        by_name, by_guid = builtin_roles()
        self.roles_by_name = {name: role.name for name, role in by_name.items()}
        self.roles_by_guid = {guid: role.name for guid, role in by_guid.items()}
        self.kinds: dict[str, dict[Any, dict[str, Any]]] = {}
        for resource in resources:
            props = {prop: self.role(value) if prop == "role" else self.value(value)
                     for prop, value in written(resource.props).items() if prop not in LANGUAGE_FIELDS}
            named = self.kinds.setdefault(resource.kind, {})
            assert name_of(resource) not in named, f"two {resource.kind} resources named {name_of(resource)}"
            named[name_of(resource)] = props

    def value(self, value: Any) -> Any:
        if isinstance(value, Unknown):
            return UNKNOWN
        if isinstance(value, ResourceRef):
            target = self.graph.resolve(value)
            assert target is not None, f"a reference to nothing declared: {value}"
            return ("ref", target.kind.value, name_of(target), ATTRIBUTE_ALIASES.get(value.attr, value.attr))
        if isinstance(value, str):
            target = self.graph.resolve(value)
            return value if target is None else ("ref", target.kind.value, name_of(target), "id")
        if isinstance(value, dict):
            return {k: self.value(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.value(v) for v in value]
        if is_dataclass(value) and not isinstance(value, type):  # a stage or a group: every field
            return {f.name: self.value(getattr(value, f.name)) for f in fields(value)}
        return value

    def role(self, value: Any) -> Any:
        """A built-in role by whichever name or ID the language writes it: its name."""
        if isinstance(value, str):
            guid = arm_ids.role_guid(value)
            builtin = self.roles_by_guid.get(guid) if guid is not None else \
                self.roles_by_name.get(value.strip().lower())
            if builtin is not None:
                return ("builtin", builtin)
        return self.value(value)

    def without(self, language: str, other: str) -> dict[str, dict[Any, dict[str, Any]]]:
        """The view with what ``language`` or ``other`` cannot say left out."""
        out: dict[str, dict[Any, dict[str, Any]]] = {}
        for kind, named in self.kinds.items():
            if (language, kind) in NOT_DECLARED or (other, kind) in NOT_DECLARED:
                continue
            unsaid = CANNOT_SAY.get((language, kind), frozenset()) | CANNOT_SAY.get((other, kind), frozenset())
            out[kind] = {name: {p: v for p, v in props.items() if p not in unsaid} for name, props in named.items()}
        return out


def shape(value: Any) -> Any:
    """The types of a view's values (``3600`` and ``3600.0``, ``1`` and ``True`` compare equal)."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [shape(v) for v in value]
    return type(value).__name__


@pytest.fixture(scope="module")
def views(tmp_path_factory: pytest.TempPathFactory) -> dict[str, View]:
    return {language: View(load_platform(tmp_path_factory.mktemp(language), language)) for language in SOURCES}


# -- the platform, as every language says it (azapi says all of it) -------------------------------

FLEET = ("ref", "fleet", "fleet-platform", "id")
STRATEGY = ("ref", "update_strategy", "rings", "id")
DEPLOYER = ("ref", "identity", "id-deployer", "principal_id")


def group(name: str) -> dict[str, Any]:
    return {"name": name, "max_concurrency": None, "before_gates": None, "after_gates": None, "member_selector": None}


def stage(name: str, groups: list[str], after_wait: Any) -> dict[str, Any]:
    return {"name": name, "groups": [group(g) for g in groups], "after_wait": after_wait, "max_concurrency": None,
            "before_gates": None, "after_gates": None, "member_selector": None}


EXPECTED: dict[str, dict[Any, dict[str, Any]]] = {
    "resource_group": {"rg-fleet": {}},
    "fleet": {"fleet-platform": {
        "hub": True, "hub_settable": True, "identity_type": "SystemAssigned",
        "hub_agent_subnet": f"{HUB_SUBNETS}/hub-agents", "hub_vnet_integration": True,
        "hub_api_server_subnet": f"{HUB_SUBNETS}/hub-api"}},
    "cluster": {
        "aks-one": {"flavor": "aks", "kubernetes_version": "1.30", "support_plan": "AKSLongTermSupport",
                    "sku_tier": "Premium", "sku_name": "Base", "location": "westeurope",
                    "auto_upgrade_channel": "patch", "node_os_upgrade_channel": "NodeImage"},
        "aks-two": {"flavor": "aks", "kubernetes_version": "1.31", "support_plan": "KubernetesOfficial",
                    "location": "westeurope", "auto_upgrade_channel": "stable",
                    "node_os_upgrade_channel": "SecurityPatch"}},
    "member": {
        "member-one": {"fleet": FLEET, "cluster": ("ref", "cluster", "aks-one", "id"), "group": "canary",
                       "labels": {"ring": "canary", "team": "platform"}},
        "member-two": {"fleet": FLEET, "cluster": ("ref", "cluster", "aks-two", "id"), "group": "broad",
                       "labels": {"ring": "broad"}}},
    "update_strategy": {"rings": {"fleet": FLEET, "stages": [stage("first", ["canary"], 3600),
                                                             stage("second", ["broad"], None)]}},
    "update_run": {"upgrade-131": {"fleet": FLEET, "strategy": STRATEGY, "upgrade_type": "Full",
                                   "kubernetes_version": "1.31", "node_image_selection": "Consistent"}},
    "auto_upgrade_profile": {"stable": {"fleet": FLEET, "channel": "Stable", "strategy": STRATEGY,
                                        "node_image_selection": "Latest"}},
    "identity": {"id-deployer": {}},
    "role_definition": {"11111111-2222-3333-4444-555555555555": {
        "role_name": "Fleet Update Reader", "role_id": "11111111-2222-3333-4444-555555555555",
        "actions": ["Microsoft.ContainerService/fleets/read", "Microsoft.ContainerService/fleets/updateRuns/read"],
        "not_actions": ["Microsoft.ContainerService/fleets/delete"], "assignable_scopes": [SUB]}},
    "role_assignment": {
        "22222222-0000-0000-0000-000000000001": {
            "principal": DEPLOYER, "principal_type": "ServicePrincipal",
            "role": ("builtin", "Azure Kubernetes Service Cluster User Role"),
            "scope": ("ref", "cluster", "aks-one", "id")},
        "22222222-0000-0000-0000-000000000002": {
            "principal": UNKNOWN, "principal_type": "User",
            "role": ("builtin", "Azure Kubernetes Fleet Manager Contributor Role"), "scope": FLEET},
        "22222222-0000-0000-0000-000000000003": {
            "principal": DEPLOYER,
            "role": ("ref", "role_definition", "11111111-2222-3333-4444-555555555555", "id"), "scope": FLEET}},
}


def test_azapi_says_the_whole_platform(views: dict[str, View]) -> None:
    assert views["azapi"].kinds == EXPECTED
    assert shape(views["azapi"].kinds) == shape(EXPECTED)


@pytest.mark.parametrize(("one", "other"), [("azurerm", "azapi"), ("azapi", "bicep"), ("azurerm", "bicep"),
                                            ("bicep", "arm"), ("azapi", "arm"), ("bicep", "arm-symbolic")])
def test_every_language_yields_the_same_resources(views: dict[str, View], one: str, other: str) -> None:
    left, right = views[one].without(one, other), views[other].without(other, one)
    for kind in sorted(left.keys() | right.keys()):
        assert left.get(kind) == right.get(kind), kind
        assert shape(left.get(kind)) == shape(right.get(kind)), kind


def test_the_hub_in_azapi_and_bicep(views: dict[str, View]) -> None:
    for language in ("azapi", "bicep"):
        assert views[language].kinds["fleet"] == EXPECTED["fleet"], language


def test_what_azurerm_cannot_say(views: dict[str, View]) -> None:
    """The exceptions above are exactly these props: azurerm says no hub and nothing else."""
    azurerm = views["azurerm"].kinds
    assert azurerm["fleet"] == {"fleet-platform": {"hub": False, "hub_settable": False}}
    assert all("labels" not in props for props in azurerm["member"].values())
    assert azurerm["role_definition"]["11111111-2222-3333-4444-555555555555"]["scope"] == SUB
    assert "resource_group" not in views["bicep"].kinds
