"""Generate a deterministic, realistic platform monorepo for ``make bench``.

The tree looks like a platform team's infrastructure repository: many small Terraform root modules
(one per team and environment) with variables, locals, ``for_each`` and calls to shared local
modules, and Bicep deployments with modules and ``.bicepparam`` files. About a fifth of the files
hold Fleet resources and role assignments; the rest are ordinary Azure resources (networks,
storage, key vaults, AKS clusters), which is what a scanner mostly reads in real repositories.

Same seed, same scale -> byte-identical tree, so figures from different runs are comparable.

    python bench/generate.py OUT [--terraform 1000] [--bicep 300] [--seed 8] [--plans 0]
    python bench/generate.py OUT --arm 1000     # ARM JSON templates only, as many files as the HCL tree

``--plans N`` writes, under ``OUT/plans``, N Terraform plan files (``terraform show -json`` of a plan
that creates one root module's resources, as the HCL tree's roots declare them: one plan per root of
five files, so ``--plans 200`` matches the 1,000-file HCL tree).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
from pathlib import Path
from typing import Any

REGIONS = ["westeurope", "northeurope", "eastus2", "swedencentral", "uksouth"]
ENVS = ["dev", "test", "stage", "prod"]
GROUPS = ["canary", "early", "production"]
ADMIN_ROLE = "'18ab4d3d-a1bf-4477-8ad9-8359bc988f69'"  # Fleet Manager RBAC Cluster Admin
FILES_PER_ROOT = 5


def _name(rng: random.Random, prefix: str) -> str:
    return f"{prefix}-{rng.choice(['core', 'data', 'web', 'edge', 'ml', 'ops'])}-{rng.randrange(1000):03d}"


# ------------------------------------------------------------------------------------------------
# Terraform


def _tf_variables(rng: random.Random) -> str:
    envs = ", ".join(f'"{e}"' for e in ENVS)
    return f'''variable "environment" {{
  type        = string
  description = "Deployment environment."
  default     = "{rng.choice(ENVS)}"

  validation {{
    condition     = contains([{envs}], var.environment)
    error_message = "Unknown environment."
  }}
}}

variable "location" {{
  type    = string
  default = "{rng.choice(REGIONS)}"
}}

variable "tags" {{
  type = map(string)
  default = {{
    owner      = "platform"
    costCenter = "{rng.randrange(10000, 99999)}"
  }}
}}

variable "node_count" {{
  type    = number
  default = {rng.choice([1, 2, 3, 5])}
}}

variable "subnets" {{
  type = map(object({{
    prefix = string
    nsg    = bool
  }}))
  default = {{
{"".join(f'    "snet-{i}" = {{ prefix = "10.{rng.randrange(256)}.{i}.0/24", nsg = {str(i % 2 == 0).lower()} }}{chr(10)}'
         for i in range(rng.randrange(3, 6)))}  }}
}}
'''


def _tf_network(rng: random.Random, n: int) -> str:
    return f'''locals {{
  prefix = "${{var.environment}}-{_name(rng, "net")}"
  common_tags = merge(var.tags, {{
    environment = var.environment
    component   = "network-{n}"
  }})
}}

resource "azurerm_resource_group" "net" {{
  name     = "rg-${{local.prefix}}"
  location = var.location
  tags     = local.common_tags
}}

resource "azurerm_virtual_network" "main" {{
  name                = "vnet-${{local.prefix}}"
  location            = azurerm_resource_group.net.location
  resource_group_name = azurerm_resource_group.net.name
  address_space       = ["10.{rng.randrange(256)}.0.0/16"]
  tags                = local.common_tags
}}

resource "azurerm_subnet" "this" {{
  for_each             = var.subnets
  name                 = each.key
  resource_group_name  = azurerm_resource_group.net.name
  virtual_network_name = azurerm_virtual_network.main.name
  address_prefixes     = [each.value.prefix]
}}

resource "azurerm_network_security_group" "this" {{
  for_each            = {{ for k, v in var.subnets : k => v if v.nsg }}
  name                = "nsg-${{each.key}}"
  location            = var.location
  resource_group_name = azurerm_resource_group.net.name

  security_rule {{
    name                       = "deny-internet-inbound"
    priority                   = {rng.randrange(100, 4000)}
    direction                  = "Inbound"
    access                     = "Deny"
    protocol                   = "*"
    source_port_range          = "*"
    destination_port_range     = "*"
    source_address_prefix      = "Internet"
    destination_address_prefix = "*"
  }}
}}

resource "azurerm_subnet_network_security_group_association" "this" {{
  for_each                  = azurerm_network_security_group.this
  subnet_id                 = azurerm_subnet.this[each.key].id
  network_security_group_id = each.value.id
}}

output "subnet_ids" {{
  value = {{ for k, s in azurerm_subnet.this : k => s.id }}
}}
'''


def _tf_storage(rng: random.Random, n: int) -> str:
    account = f"st{rng.randrange(10**8):08d}"
    containers = ", ".join(f'"{c}"' for c in rng.sample(["logs", "state", "backups", "media", "exports"], 3))
    return f'''locals {{
  containers = toset([{containers}])
  retention  = var.environment == "prod" ? {rng.choice([30, 90, 365])} : 7
}}

resource "azurerm_storage_account" "data" {{
  name                            = "{account}${{substr(var.environment, 0, 1)}}"
  resource_group_name             = azurerm_resource_group.net.name
  location                        = var.location
  account_tier                    = "Standard"
  account_replication_type        = var.environment == "prod" ? "GZRS" : "LRS"
  min_tls_version                 = "TLS1_2"
  allow_nested_items_to_be_public = false
  tags                            = local.common_tags

  blob_properties {{
    delete_retention_policy {{
      days = local.retention
    }}
    versioning_enabled = true
  }}

  network_rules {{
    default_action             = "Deny"
    virtual_network_subnet_ids = values(azurerm_subnet.this)[*].id
    bypass                     = ["AzureServices"]
  }}
}}

resource "azurerm_storage_container" "this" {{
  for_each              = local.containers
  name                  = each.value
  storage_account_id    = azurerm_storage_account.data.id
  container_access_type = "private"
}}

data "azurerm_client_config" "current" {{}}

resource "azurerm_key_vault" "kv" {{
  name                       = "kv-{n:04d}-${{var.environment}}"
  location                   = var.location
  resource_group_name        = azurerm_resource_group.net.name
  tenant_id                  = data.azurerm_client_config.current.tenant_id
  sku_name                   = "standard"
  purge_protection_enabled   = true
  soft_delete_retention_days = {rng.choice([7, 30, 90])}
  enable_rbac_authorization  = true

  network_acls {{
    bypass         = "AzureServices"
    default_action = "Deny"
  }}
}}

resource "azurerm_key_vault_secret" "conn" {{
  name         = "storage-connection"
  value        = azurerm_storage_account.data.primary_connection_string
  key_vault_id = azurerm_key_vault.kv.id
}}
'''


def _tf_aks(rng: random.Random, n: int) -> str:
    clusters = "\n".join(
        f'    "aks-{e}-{rng.choice(REGIONS)[:3]}-{i}" = '
        f'{{ group = "{rng.choice(GROUPS)}", zone = {rng.randrange(1, 4)} }}'
        for i, e in enumerate(rng.sample(ENVS, 3)))
    version = f"1.{rng.choice([30, 31, 32, 33])}"
    return f'''locals {{
  clusters = {{
{clusters}
  }}
  kubernetes_version = "{version}"
}}

resource "azurerm_log_analytics_workspace" "logs" {{
  name                = "log-{n:04d}-${{var.environment}}"
  location            = var.location
  resource_group_name = azurerm_resource_group.net.name
  sku                 = "PerGB2018"
  retention_in_days   = 30
}}

resource "azurerm_kubernetes_cluster" "member" {{
  for_each            = local.clusters
  name                = each.key
  location            = var.location
  resource_group_name = azurerm_resource_group.net.name
  dns_prefix          = replace(each.key, "-", "")
  kubernetes_version  = local.kubernetes_version
  sku_tier            = var.environment == "prod" ? "Standard" : "Free"

  default_node_pool {{
    name                 = "system"
    vm_size              = "Standard_D4s_v5"
    node_count           = var.node_count
    vnet_subnet_id       = values(azurerm_subnet.this)[0].id
    zones                = [tostring(each.value.zone)]
    orchestrator_version = local.kubernetes_version

    upgrade_settings {{
      max_surge = "33%"
    }}
  }}

  identity {{
    type = "SystemAssigned"
  }}

  oms_agent {{
    log_analytics_workspace_id = azurerm_log_analytics_workspace.logs.id
  }}

  network_profile {{
    network_plugin    = "azure"
    network_policy    = "calico"
    load_balancer_sku = "standard"
  }}

  tags = merge(local.common_tags, {{ group = each.value.group }})
}}

resource "azurerm_kubernetes_cluster_node_pool" "user" {{
  for_each              = azurerm_kubernetes_cluster.member
  name                  = "user"
  kubernetes_cluster_id = each.value.id
  vm_size               = "Standard_D8s_v5"
  min_count             = 1
  max_count             = {rng.choice([3, 5, 10])}
  auto_scaling_enabled  = true
}}

module "monitoring" {{
  source       = "../../modules/monitoring"
  workspace_id = azurerm_log_analytics_workspace.logs.id
  cluster_ids  = {{ for k, c in azurerm_kubernetes_cluster.member : k => c.id }}
  environment  = var.environment
}}
'''


def _tf_fleet(rng: random.Random, n: int) -> str:
    stages = rng.sample(GROUPS, rng.randrange(2, 4))
    stage_blocks = "\n".join(f'''  stage {{
    name = "{s}"
    group {{
      name = "{s}"
    }}
    after_stage_wait_in_seconds = {rng.choice([0, 600, 3600])}
  }}
''' for s in stages)
    return f'''resource "azurerm_resource_group" "fleet" {{
  name     = "rg-fleet-{n:04d}-${{var.environment}}"
  location = var.location
}}

resource "azurerm_kubernetes_fleet_manager" "fleet" {{
  name                = "fleet-{n:04d}-${{var.environment}}"
  location            = var.location
  resource_group_name = azurerm_resource_group.fleet.name

  hub_profile {{
    dns_prefix = "fleet{n:04d}${{var.environment}}"
  }}
}}

resource "azurerm_kubernetes_fleet_member" "this" {{
  for_each              = local.clusters
  name                  = each.key
  kubernetes_fleet_id   = azurerm_kubernetes_fleet_manager.fleet.id
  kubernetes_cluster_id = azurerm_kubernetes_cluster.member[each.key].id
  group                 = each.value.group
}}

resource "azurerm_kubernetes_fleet_update_strategy" "rollout" {{
  name                        = "rollout"
  kubernetes_fleet_manager_id = azurerm_kubernetes_fleet_manager.fleet.id

{stage_blocks}}}

resource "azurerm_kubernetes_fleet_update_run" "weekly" {{
  name                        = "weekly"
  kubernetes_fleet_manager_id = azurerm_kubernetes_fleet_manager.fleet.id
  fleet_update_strategy_id    = azurerm_kubernetes_fleet_update_strategy.rollout.id

  managed_cluster_update {{
    upgrade {{
      type               = "Full"
      kubernetes_version = local.kubernetes_version
    }}
    node_image_selection {{
      type = "Latest"
    }}
  }}
}}

resource "azurerm_role_assignment" "fleet_admin" {{
  scope                = azurerm_kubernetes_fleet_manager.fleet.id
  role_definition_name = "Azure Kubernetes Fleet Manager RBAC Cluster Admin"
  principal_id         = data.azurerm_client_config.current.object_id
}}

resource "azurerm_role_assignment" "fleet_contributor" {{
  for_each             = azurerm_kubernetes_cluster.member
  scope                = each.value.id
  role_definition_name = "Azure Kubernetes Service Contributor Role"
  principal_id         = azurerm_kubernetes_fleet_manager.fleet.identity[0].principal_id
}}

resource "azurerm_role_assignment" "readers" {{
  for_each             = toset([
    "{rng.randrange(10**8):08x}-0000-4000-8000-000000000001",
    "{rng.randrange(10**8):08x}-0000-4000-8000-000000000002",
  ])
  scope                = azurerm_kubernetes_fleet_manager.fleet.id
  role_definition_name = "Azure Kubernetes Fleet Manager RBAC Reader"
  principal_id         = each.value
}}

output "fleet_id" {{
  value = azurerm_kubernetes_fleet_manager.fleet.id
}}
'''


def _monitoring_module() -> dict[str, str]:
    return {
        "variables.tf": '''variable "workspace_id" {
  type = string
}

variable "cluster_ids" {
  type = map(string)
}

variable "environment" {
  type = string
}
''',
        "main.tf": '''resource "azurerm_monitor_diagnostic_setting" "aks" {
  for_each                   = var.cluster_ids
  name                       = "diag-${each.key}"
  target_resource_id         = each.value
  log_analytics_workspace_id = var.workspace_id

  enabled_log {
    category = "kube-audit-admin"
  }

  metric {
    category = "AllMetrics"
  }
}

resource "azurerm_monitor_metric_alert" "cpu" {
  for_each            = var.cluster_ids
  name                = "cpu-${each.key}"
  resource_group_name = split("/", each.value)[4]
  scopes              = [each.value]
  severity            = var.environment == "prod" ? 1 : 3

  criteria {
    metric_namespace = "Microsoft.ContainerService/managedClusters"
    metric_name      = "node_cpu_usage_percentage"
    aggregation      = "Average"
    operator         = "GreaterThan"
    threshold        = 80
  }
}
''',
    }


COMMENT_SHARE = 0.25
"""The share of comment bytes in each generated file (a header paragraph): real infrastructure
repositories are mostly code (about 10-30 % comments), and a scanner's time goes into the code."""


def _comment_bytes(text: str) -> int:
    return sum(len(line) + 1 for line in text.split("\n") if line.lstrip().startswith(("#", "//")))


def _pad(text: str, rng: random.Random, share: float = COMMENT_SHARE) -> str:
    """A comment paragraph before the first block brings the file's comment bytes to ``share``."""
    notes = [f"# Change {rng.randrange(10**5)}: reviewed by the platform team; see the runbook for rollback.",
             "# Keep names stable: renaming recreates the resource and its role assignments.",
             "# Values differ per environment through variables only, never through copies of this file."]
    comments = _comment_bytes(text)
    wanted = share * len(text) / (1 - share) - comments / (1 - share)
    extra: list[str] = []
    while sum(len(line) + 1 for line in extra) < wanted:
        extra.append(rng.choice(notes))
    return "\n".join(extra) + "\n\n" + text if extra else text


def comment_share(tree: Path) -> float:
    """The share of comment bytes (lines starting with ``#`` or ``//``) in the tree's files."""
    comments = total = 0
    for path in tree.rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            comments += _comment_bytes(text)
            total += len(text)
    return comments / total if total else 0.0


def terraform_tree(out: Path, count: int, rng: random.Random) -> None:
    module = out / "terraform" / "modules" / "monitoring"
    module.mkdir(parents=True)
    for name, text in _monitoring_module().items():
        (module / name).write_text(text)
    count -= 2
    roots = max(1, (count + FILES_PER_ROOT - 1) // FILES_PER_ROOT)
    fleets = max(1, roots // FILES_PER_ROOT)  # every fifth root (one file in five) holds a fleet
    written = 0
    for r in range(roots):
        if written >= count:
            break
        folder = out / "terraform" / "teams" / f"team-{r:04d}"
        folder.mkdir(parents=True)
        files = [("variables.tf", _tf_variables(rng)), ("network.tf", _tf_network(rng, r)),
                 ("storage.tf", _tf_storage(rng, r)), ("aks.tf", _tf_aks(rng, r))]
        if r % (roots // fleets or 1) == 0:
            files.append(("fleet.tf", _tf_fleet(rng, r)))
        else:
            files.append(("dns.tf", _tf_dns(rng, r)))
        for name, text in files[: count - written]:
            (folder / name).write_text(_pad(text, rng))
            written += 1


def _tf_dns(rng: random.Random, n: int) -> str:
    records = "\n".join(f'    "{rng.choice(["api", "www", "grafana", "argo"])}{i}" = '
                        f'"10.{rng.randrange(256)}.{i}.{rng.randrange(1, 255)}"'
                        for i in range(rng.randrange(3, 7)))
    return f'''locals {{
  records = {{
{records}
  }}
}}

resource "azurerm_private_dns_zone" "internal" {{
  name                = "team{n:04d}.${{var.environment}}.internal"
  resource_group_name = azurerm_resource_group.net.name
}}

resource "azurerm_private_dns_a_record" "this" {{
  for_each            = local.records
  name                = each.key
  zone_name           = azurerm_private_dns_zone.internal.name
  resource_group_name = azurerm_resource_group.net.name
  ttl                 = 300
  records             = [each.value]
}}

resource "azurerm_private_dns_zone_virtual_network_link" "link" {{
  name                  = "link-${{var.environment}}"
  resource_group_name   = azurerm_resource_group.net.name
  private_dns_zone_name = azurerm_private_dns_zone.internal.name
  virtual_network_id    = azurerm_virtual_network.main.id
}}
'''


# ------------------------------------------------------------------------------------------------
# Bicep


def _bicep_network(rng: random.Random, n: int) -> str:
    return f'''@description('Deployment environment.')
@allowed([
  'dev'
  'prod'
])
param environment string = '{rng.choice(["dev", "prod"])}'
param location string = resourceGroup().location
param subnets array = [
  {{
    name: 'snet-a'
    prefix: '10.{rng.randrange(256)}.1.0/24'
  }}
  {{
    name: 'snet-b'
    prefix: '10.{rng.randrange(256)}.2.0/24'
  }}
]

var prefix = '${{environment}}-net-{n:04d}'
var tags = {{
  owner: 'platform'
  environment: environment
}}

resource vnet 'Microsoft.Network/virtualNetworks@2023-09-01' = {{
  name: 'vnet-${{prefix}}'
  location: location
  tags: tags
  properties: {{
    addressSpace: {{
      addressPrefixes: [
        '10.{rng.randrange(256)}.0.0/16'
      ]
    }}
    subnets: [for s in subnets: {{
      name: s.name
      properties: {{
        addressPrefix: s.prefix
      }}
    }}]
  }}
}}

resource storage 'Microsoft.Storage/storageAccounts@2023-01-01' = {{
  name: 'st{rng.randrange(10**8):08d}'
  location: location
  sku: {{
    name: environment == 'prod' ? 'Standard_GZRS' : 'Standard_LRS'
  }}
  kind: 'StorageV2'
  properties: {{
    minimumTlsVersion: 'TLS1_2'
    allowBlobPublicAccess: false
    networkAcls: {{
      defaultAction: 'Deny'
      bypass: 'AzureServices'
    }}
  }}
}}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {{
  name: 'kv-{n:04d}-${{environment}}'
  location: location
  properties: {{
    tenantId: subscription().tenantId
    sku: {{
      family: 'A'
      name: 'standard'
    }}
    enableRbacAuthorization: true
    enablePurgeProtection: true
    softDeleteRetentionInDays: {rng.choice([7, 30, 90])}
  }}
}}

output vnetId string = vnet.id
'''


def _bicep_aks(rng: random.Random, n: int) -> str:
    return f'''param location string = resourceGroup().location
param clusterNames array = [
  'aks-{n:04d}-a'
  'aks-{n:04d}-b'
]
param kubernetesVersion string = '1.{rng.choice([30, 31, 32])}'
param nodeCount int = {rng.choice([1, 2, 3])}

resource clusters 'Microsoft.ContainerService/managedClusters@2024-02-01' = [for name in clusterNames: {{
  name: name
  location: location
  identity: {{
    type: 'SystemAssigned'
  }}
  properties: {{
    dnsPrefix: name
    kubernetesVersion: kubernetesVersion
    agentPoolProfiles: [
      {{
        name: 'system'
        count: nodeCount
        vmSize: 'Standard_D4s_v5'
        mode: 'System'
        orchestratorVersion: kubernetesVersion
      }}
    ]
    networkProfile: {{
      networkPlugin: 'azure'
      networkPolicy: 'calico'
    }}
  }}
}}]

output clusterIds array = [for (name, i) in clusterNames: clusters[i].id]
'''


def _bicep_fleet(rng: random.Random, n: int) -> str:
    groups = rng.sample(GROUPS, 2)
    return f'''param location string = resourceGroup().location
param fleetName string = 'fleet-{n:04d}'
param deployerId string
param members array = [
  {{
    name: 'aks-{n:04d}-a'
    group: '{groups[0]}'
  }}
  {{
    name: 'aks-{n:04d}-b'
    group: '{groups[1]}'
  }}
]

module aks 'aks.bicep' = {{
  name: 'aks-{n:04d}'
  params: {{
    location: location
    clusterNames: [for m in members: m.name]
  }}
}}

resource fleet 'Microsoft.ContainerService/fleets@2025-03-01' = {{
  name: fleetName
  location: location
  identity: {{
    type: 'SystemAssigned'
  }}
  properties: {{
    hubProfile: {{
      dnsPrefix: fleetName
    }}
  }}
}}

resource member 'Microsoft.ContainerService/fleets/members@2025-03-01' = [for (m, i) in members: {{
  parent: fleet
  name: m.name
  properties: {{
    clusterResourceId: resourceId('Microsoft.ContainerService/managedClusters', m.name)
    group: m.group
  }}
}}]

resource strategy 'Microsoft.ContainerService/fleets/updateStrategies@2025-03-01' = {{
  parent: fleet
  name: 'rollout'
  properties: {{
    strategy: {{
      stages: [
        {{
          name: '{groups[0]}'
          groups: [
            {{
              name: '{groups[0]}'
            }}
          ]
          afterStageWaitInSeconds: {rng.choice([0, 600, 3600])}
        }}
        {{
          name: '{groups[1]}'
          groups: [
            {{
              name: '{groups[1]}'
            }}
          ]
        }}
      ]
    }}
  }}
}}

resource admin 'Microsoft.Authorization/roleAssignments@2022-04-01' = {{
  scope: fleet
  name: guid(fleet.id, deployerId, 'admin')
  properties: {{
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', {ADMIN_ROLE})
    principalId: deployerId
    principalType: 'ServicePrincipal'
  }}
}}
'''


def _bicepparam(rng: random.Random, n: int) -> str:
    return f'''using './fleet.bicep'

param fleetName = 'fleet-{n:04d}-{rng.choice(ENVS)}'

param deployerId = '{rng.randrange(16**8):08x}-0000-4000-8000-00000000d001'
'''


def bicep_tree(out: Path, count: int, rng: random.Random) -> None:
    written = 0
    n = 0
    while written < count:
        folder = out / "bicep" / f"app-{n:04d}"
        folder.mkdir(parents=True)
        if n % 2 == 0:  # a fleet deployment: fleet.bicep + aks.bicep module + parameters
            files = [("fleet.bicep", _bicep_fleet(rng, n)), ("aks.bicep", _bicep_aks(rng, n)),
                     ("prod.bicepparam", _bicepparam(rng, n))]
        else:
            files = [("network.bicep", _bicep_network(rng, n)), ("aks.bicep", _bicep_aks(rng, n))]
        for name, text in files[: count - written]:
            body = text if name.endswith(".bicepparam") else _pad(text.replace("#", "//"), rng).replace(
                "# ", "// ")
            (folder / name).write_text(body)
            written += 1
        n += 1


# ------------------------------------------------------------------------------------------------
# Terraform plans (terraform show -json)

_AZURERM = "registry.terraform.io/hashicorp/azurerm"


def _planned(type_: str, name: str, values: dict[str, object], unknown: dict[str, object],
             expressions: dict[str, object], index: object = None) -> tuple[dict[str, object], ...]:
    """(planned_values resource, resource_changes entry, configuration resource) of one instance."""
    address = f"{type_}.{name}" + ("" if index is None else f'["{index}"]' if isinstance(index, str) else f"[{index}]")
    head = {"address": address, "mode": "managed", "type": type_, "name": name,
            **({"index": index} if index is not None else {})}
    return ({**head, "provider_name": _AZURERM, "schema_version": 0, "values": values, "sensitive_values": {}},
            {**head, "provider_name": _AZURERM, "change": {"actions": ["create"], "before": None, "after": values,
                                                           "after_unknown": unknown, "before_sensitive": False,
                                                           "after_sensitive": {}}},
            {"address": f"{type_}.{name}", "mode": "managed", "type": type_, "name": name,
             "provider_config_key": "azurerm", "expressions": expressions, "schema_version": 0})


def _ref(address: str) -> dict[str, object]:
    parts = address.split(".")
    return {"references": [".".join(parts[:end]) for end in range(len(parts), 1, -1)]}


def _plan_root(rng: random.Random, n: int, fleet: bool) -> dict[str, object]:
    location = rng.choice(REGIONS)
    env = rng.choice(ENVS)
    tags = {"owner": "platform", "costCenter": str(rng.randrange(10000, 99999)), "environment": env}
    rg = f"rg-team-{n:04d}-{env}"
    entries = [_planned("azurerm_resource_group", "main", {"name": rg, "location": location, "tags": tags},
                        {"id": True, "tags": {}}, {"name": {"references": ["var.environment"]}})]
    entries.append(_planned("azurerm_virtual_network", "main", {
        "name": f"vnet-{n:04d}", "location": location, "resource_group_name": rg,
        "address_space": [f"10.{n % 250}.0.0/16"], "dns_servers": [], "tags": tags, "subnet": []},
        {"id": True, "guid": True, "subnet": []}, {"resource_group_name": _ref("azurerm_resource_group.main.name")}))
    for i, purpose in enumerate(["aks", "data", "web"]):
        entries.append(_planned("azurerm_subnet", "main", {
            "name": f"snet-{purpose}", "resource_group_name": rg, "virtual_network_name": f"vnet-{n:04d}",
            "address_prefixes": [f"10.{n % 250}.{i}.0/24"], "delegation": [], "service_endpoints": []},
            {"id": True}, {"virtual_network_name": _ref("azurerm_virtual_network.main.name")}, index=purpose))
    entries.append(_planned("azurerm_storage_account", "main", {
        "name": f"st{n:04d}{env}", "resource_group_name": rg, "location": location, "account_tier": "Standard",
        "account_replication_type": rng.choice(["LRS", "ZRS", "GRS"]), "min_tls_version": "TLS1_2", "tags": tags},
        {"id": True, "primary_access_key": True, "primary_blob_endpoint": True}, {}))
    version = rng.choice(["1.33.5", "1.34.2", "1.35.1", "1.36.2"])
    for i in range(2):
        entries.append(_planned("azurerm_kubernetes_cluster", "member", {
            "name": f"aks-{n:04d}-{i}", "location": location, "resource_group_name": rg,
            "dns_prefix": f"aks-{n:04d}-{i}",
            "kubernetes_version": version, "sku_tier": "Standard", "support_plan": "KubernetesOfficial",
            "automatic_upgrade_channel": None, "node_os_upgrade_channel": "NodeImage", "tags": tags,
            "default_node_pool": [{"name": "system", "vm_size": "Standard_D4s_v5", "node_count": 3,
                                   "orchestrator_version": version, "upgrade_settings": [{"max_surge": "33%"}]}],
            "identity": [{"type": "SystemAssigned", "identity_ids": None}]},
            {"id": True, "kube_config": True, "fqdn": True, "identity": [{"principal_id": True, "tenant_id": True}]},
            {"resource_group_name": _ref("azurerm_resource_group.main.name")}, index=i))
    if fleet:
        entries.append(_planned("azurerm_kubernetes_fleet_manager", "fleet", {
            "name": f"fleet-{n:04d}", "location": location, "resource_group_name": rg, "hub_profile": [], "tags": tags},
            {"id": True}, {"resource_group_name": _ref("azurerm_resource_group.main.name")}))
        for i in range(2):
            entries.append(_planned("azurerm_kubernetes_fleet_member", "member", {
                "name": f"member-{i}", "group": GROUPS[i]},
                {"id": True, "kubernetes_fleet_id": True, "kubernetes_cluster_id": True},
                {"kubernetes_fleet_id": _ref("azurerm_kubernetes_fleet_manager.fleet.id"),
                 "kubernetes_cluster_id": {"references": ["azurerm_kubernetes_cluster.member", "count.index"]}},
                index=i))
        entries.append(_planned("azurerm_kubernetes_fleet_update_strategy", "rings", {
            "name": "rings", "stage": [{"name": g, "group": [{"name": g}], "after_stage_wait_in_seconds": 3600}
                                       for g in GROUPS]},
            {"id": True, "kubernetes_fleet_manager_id": True},
            {"kubernetes_fleet_manager_id": _ref("azurerm_kubernetes_fleet_manager.fleet.id")}))
    configured: dict[str, object] = {}
    for _, _, config in entries:
        configured.setdefault(str(config["address"]), config)
    return {"format_version": "1.2", "terraform_version": "1.9.8",
            "variables": {"environment": {"value": env}, "location": {"value": location}},
            "planned_values": {"root_module": {"resources": [e[0] for e in entries]}},
            "resource_changes": [e[1] for e in entries],
            "configuration": {"provider_config": {"azurerm": {"name": "azurerm", "full_name": _AZURERM,
                                                              "version_constraint": "~> 4.0"}},
                              "root_module": {"resources": list(configured.values())}},
            "timestamp": "2026-11-20T09:00:00Z", "applyable": True, "complete": True, "errored": False}


def plan_tree(out: Path, count: int, rng: random.Random) -> None:
    """``count`` plan files, one per root module, every fifth with a fleet (as in the HCL tree)."""
    for n in range(count):
        folder = out / "plans" / f"team-{n:04d}"
        folder.mkdir(parents=True)
        (folder / "plan.json").write_text(json.dumps(_plan_root(rng, n, n % FILES_PER_ROOT == 0)))


# ARM JSON (what `az bicep build` and the quickstarts' azuredeploy.json look like)

ARM_SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
ARM_PARAMS_SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#"


def _arm_template(parameters: dict[str, Any], variables: dict[str, Any], resources: list[Any],
                  rng: random.Random, lines: int = 200) -> str:
    """A template of about ``lines`` lines: ``tags`` variables pad it, as owners and cost centers do."""
    document: dict[str, Any] = {"$schema": ARM_SCHEMA, "contentVersion": "1.0.0.0",
                                "metadata": {"_generator": {"name": "bicep", "version": "0.30.23.60470"}},
                                "parameters": parameters, "variables": variables, "resources": resources}
    tags: dict[str, str] = {}
    variables["tags"] = tags
    while json.dumps(document, indent=2).count("\n") < lines:
        tags[f"note{len(tags):03d}"] = f"change {rng.randrange(10**5)}: reviewed by the platform team"
    return json.dumps(document, indent=2) + "\n"


def _arm_fleet(rng: random.Random, n: int) -> str:
    groups = rng.sample(GROUPS, 2)
    parameters = {
        "location": {"type": "string", "defaultValue": "[resourceGroup().location]"},
        "fleetName": {"type": "string", "defaultValue": f"fleet-{n:04d}"},
        "deployerId": {"type": "string"},
        "members": {"type": "array", "defaultValue": [{"name": f"aks-{n:04d}-a", "group": groups[0]},
                                                      {"name": f"aks-{n:04d}-b", "group": groups[1]}]},
    }
    fleet = "[resourceId('Microsoft.ContainerService/fleets', parameters('fleetName'))]"
    resources = [
        {"type": "Microsoft.ContainerService/fleets", "apiVersion": "2025-03-01", "name": "[parameters('fleetName')]",
         "location": "[parameters('location')]", "identity": {"type": "SystemAssigned"},
         "properties": {"hubProfile": {"dnsPrefix": "[parameters('fleetName')]"}}, "tags": "[variables('tags')]"},
        {"copy": {"name": "member", "count": "[length(parameters('members'))]"},
         "type": "Microsoft.ContainerService/fleets/members", "apiVersion": "2025-03-01",
         "name": "[format('{0}/{1}', parameters('fleetName'), parameters('members')[copyIndex()].name)]",
         "properties": {"clusterResourceId": "[resourceId('Microsoft.ContainerService/managedClusters', "
                                             "parameters('members')[copyIndex()].name)]",
                        "group": "[parameters('members')[copyIndex()].group]"},
         "dependsOn": [fleet]},
        {"type": "Microsoft.ContainerService/fleets/updateStrategies", "apiVersion": "2025-03-01",
         "name": "[format('{0}/{1}', parameters('fleetName'), 'rollout')]",
         "properties": {"strategy": {"stages": [
             {"name": groups[0], "groups": [{"name": groups[0]}],
              "afterStageWaitInSeconds": rng.choice([0, 600, 3600])},
             {"name": groups[1], "groups": [{"name": groups[1]}]}]}},
         "dependsOn": [fleet]},
        {"type": "Microsoft.Authorization/roleAssignments", "apiVersion": "2022-04-01",
         "scope": "[format('Microsoft.ContainerService/fleets/{0}', parameters('fleetName'))]",
         "name": f"[guid({fleet[1:-1]}, parameters('deployerId'), 'admin')]",
         "properties": {"roleDefinitionId": "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', "
                                            f"{ADMIN_ROLE})]",
                        "principalId": "[parameters('deployerId')]", "principalType": "ServicePrincipal"},
         "dependsOn": [fleet]},
        {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": f"aks-{n:04d}",
         "properties": {"mode": "Incremental", "expressionEvaluationOptions": {"scope": "inner"},
                        "parameters": {"location": {"value": "[parameters('location')]"},
                                       "clusterNames": {"value": [f"aks-{n:04d}-a", f"aks-{n:04d}-b"]}},
                        "templateLink": {"relativePath": "aks.json"}}},
    ]
    return _arm_template(parameters, {}, resources, rng)


def _arm_aks(rng: random.Random, n: int) -> str:
    parameters = {"location": {"type": "string", "defaultValue": rng.choice(REGIONS)},
                  "clusterNames": {"type": "array", "defaultValue": [f"aks-{n:04d}"]},
                  "nodeCount": {"type": "int", "defaultValue": rng.choice([1, 2, 3, 5])}}
    resources = [{"copy": {"name": "clusters", "count": "[length(parameters('clusterNames'))]"},
                  "type": "Microsoft.ContainerService/managedClusters", "apiVersion": "2025-05-01",
                  "name": "[parameters('clusterNames')[copyIndex()]]", "location": "[parameters('location')]",
                  "identity": {"type": "SystemAssigned"},
                  "properties": {"dnsPrefix": "[parameters('clusterNames')[copyIndex()]]",
                                 "kubernetesVersion": rng.choice(["1.33", "1.34", "1.35"]),
                                 "autoUpgradeProfile": {"upgradeChannel": rng.choice(["patch", "stable", "none"])},
                                 "agentPoolProfiles": [{"name": "system", "count": "[parameters('nodeCount')]",
                                                        "vmSize": "Standard_D4s_v5", "mode": "System"}]},
                  "tags": "[variables('tags')]"}]
    return _arm_template(parameters, {}, resources, rng)


def _arm_network(rng: random.Random, n: int) -> str:
    subnets = [{"name": f"snet-{i}", "prefix": f"10.{rng.randrange(256)}.{i}.0/24"} for i in range(rng.randrange(3, 6))]
    parameters = {"location": {"type": "string", "defaultValue": rng.choice(REGIONS)},
                  "subnets": {"type": "array", "defaultValue": subnets}}
    resources = [{"type": "Microsoft.Network/virtualNetworks", "apiVersion": "2024-01-01", "name": f"vnet-{n:04d}",
                  "location": "[parameters('location')]",
                  "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/8"]}, "copy": [
                      {"name": "subnets", "count": "[length(parameters('subnets'))]",
                       "input": {"name": "[parameters('subnets')[copyIndex('subnets')].name]",
                                 "properties": {"addressPrefix":
                                                "[parameters('subnets')[copyIndex('subnets')].prefix]"}}}]},
                  "tags": "[variables('tags')]"},
                 {"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-05-01",
                  "name": f"[format('st{{0}}', uniqueString(resourceGroup().id, '{n}'))]",
                  "location": "[parameters('location')]", "sku": {"name": "Standard_LRS"}, "kind": "StorageV2",
                  "properties": {"minimumTlsVersion": "TLS1_2", "allowBlobPublicAccess": False}}]
    return _arm_template(parameters, {}, resources, rng)


def _arm_parameters(rng: random.Random, n: int) -> str:
    return json.dumps({"$schema": ARM_PARAMS_SCHEMA, "contentVersion": "1.0.0.0", "parameters": {
        "fleetName": {"value": f"fleet-{n:04d}-{rng.choice(ENVS)}"},
        "deployerId": {"value": f"{rng.randrange(16**8):08x}-0000-4000-8000-00000000d001"}}}, indent=2) + "\n"


def arm_tree(out: Path, count: int, rng: random.Random) -> None:
    """``count`` ARM template and parameter files under ``out/arm``, with a few JSON files of other tools
    beside them (not templates: discovery must pass over them cheaply)."""
    written = 0
    n = 0
    while written < count:
        folder = out / "arm" / f"app-{n:04d}"
        folder.mkdir(parents=True)
        if n % 2 == 0:  # a fleet deployment: azuredeploy.json + linked aks.json + parameters
            files = [("azuredeploy.json", _arm_fleet(rng, n)), ("aks.json", _arm_aks(rng, n)),
                     ("azuredeploy.parameters.json", _arm_parameters(rng, n))]
        else:
            files = [("network.json", _arm_network(rng, n)), ("aks.json", _arm_aks(rng, n))]
        for name, text in files[: count - written]:
            (folder / name).write_text(text)
            written += 1
        (folder / "settings.json").write_text(json.dumps({"name": f"app-{n:04d}", "owner": "platform"}) + "\n")
        n += 1


def generate_arm(out: Path, count: int = 1000, seed: int = 8) -> Path:
    """A tree of ``count`` ARM JSON files only (as many as the Terraform tree has ``.tf`` files)."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    arm_tree(out, count, random.Random(seed))
    return out



_MODULES = {
    "network": ('''variable "name" {
  type = string
}

variable "location" {
  type = string
}

variable "subnets" {
  type = map(string)
}

resource "azurerm_resource_group" "this" {
  name     = "rg-${var.name}"
  location = var.location
}

resource "azurerm_virtual_network" "this" {
  name                = "vnet-${var.name}"
  location            = var.location
  resource_group_name = azurerm_resource_group.this.name
  address_space       = ["10.0.0.0/16"]
}

resource "azurerm_subnet" "this" {
  for_each             = var.subnets
  name                 = each.key
  resource_group_name  = azurerm_resource_group.this.name
  virtual_network_name = azurerm_virtual_network.this.name
  address_prefixes     = [each.value]
}
''', '''output "resource_group_name" {
  value = azurerm_resource_group.this.name
}

output "subnet_id" {
  value = values(azurerm_subnet.this)[0].id
}
'''),
    "cluster": ('''variable "name" {
  type = string
}

variable "location" {
  type = string
}

variable "resource_group_name" {
  type = string
}

variable "subnet_id" {
  type = string
}

variable "kubernetes_version" {
  type    = string
  default = "1.32"
}

resource "azurerm_kubernetes_cluster" "this" {
  name                = var.name
  location            = var.location
  resource_group_name = var.resource_group_name
  dns_prefix          = replace(var.name, "-", "")
  kubernetes_version  = var.kubernetes_version

  default_node_pool {
    name           = "system"
    vm_size        = "Standard_D4s_v5"
    node_count     = 3
    vnet_subnet_id = var.subnet_id
  }

  identity {
    type = "SystemAssigned"
  }

  lifecycle {
    ignore_changes = [kubernetes_version, default_node_pool[0].orchestrator_version]
  }
}
''', '''output "id" {
  value = azurerm_kubernetes_cluster.this.id
}

output "principal_id" {
  value = azurerm_kubernetes_cluster.this.identity[0].principal_id
}
'''),
    "member": ('''variable "name" {
  type = string
}

variable "fleet_id" {
  type = string
}

variable "cluster_id" {
  type = string
}

variable "group" {
  type = string
}

resource "azurerm_kubernetes_fleet_member" "this" {
  name                  = var.name
  kubernetes_fleet_id   = var.fleet_id
  kubernetes_cluster_id = var.cluster_id
  group                 = var.group
}
''', '''output "id" {
  value = azurerm_kubernetes_fleet_member.this.id
}
'''),
    "access": ('''variable "scope" {
  type = string
}

variable "principal_id" {
  type = string
}

resource "azurerm_role_assignment" "user" {
  scope                = var.scope
  role_definition_name = "Azure Kubernetes Service Cluster User Role"
  principal_id         = var.principal_id
}
''', '''output "id" {
  value = azurerm_role_assignment.user.id
}
'''),
    "storage": ('''variable "name" {
  type = string
}

variable "location" {
  type = string
}

variable "resource_group_name" {
  type = string
}

resource "azurerm_storage_account" "this" {
  name                     = substr(replace("st${var.name}", "-", ""), 0, 24)
  resource_group_name      = var.resource_group_name
  location                 = var.location
  account_tier             = "Standard"
  account_replication_type = "ZRS"
  min_tls_version          = "TLS1_2"
}
''', '''output "id" {
  value = azurerm_storage_account.this.id
}
'''),
}


def module_tree(out: Path, roots: int = 20, rng: random.Random | None = None) -> Path:
    """A module-heavy tree: ``roots`` root modules, each with the five local modules of
    :data:`_MODULES` in its own ``modules/`` folder, every one called with ``for_each`` over the
    root's three clusters (a fleet in the root, a member per cluster through the modules)."""
    rng = rng or random.Random(8)
    for r in range(roots):
        root = out / "terraform-modules" / f"root-{r:02d}"
        for name, (main, outputs) in _MODULES.items():
            folder = root / "modules" / name
            folder.mkdir(parents=True)
            (folder / "main.tf").write_text(_pad(main, rng))
            (folder / "outputs.tf").write_text(_pad(outputs, rng))
        clusters = ", ".join(f'"aks-{r:02d}-{e}" = "{g}"' for e, g in zip(ENVS[:3], GROUPS, strict=True))
        location = rng.choice(REGIONS)
        (root / "main.tf").write_text(_pad(f'''locals {{
  location = "{location}"
  clusters = {{ {clusters} }}
}}

data "azurerm_client_config" "current" {{}}

resource "azurerm_resource_group" "fleet" {{
  name     = "rg-fleet-{r:02d}"
  location = local.location
}}

resource "azurerm_kubernetes_fleet_manager" "fleet" {{
  name                = "fleet-{r:02d}"
  location            = local.location
  resource_group_name = azurerm_resource_group.fleet.name
}}

module "network" {{
  source   = "./modules/network"
  for_each = local.clusters
  name     = each.key
  location = local.location
  subnets  = {{ nodes = "10.0.1.0/24", pods = "10.0.2.0/24" }}
}}

module "cluster" {{
  source              = "./modules/cluster"
  for_each            = local.clusters
  name                = each.key
  location            = local.location
  resource_group_name = module.network[each.key].resource_group_name
  subnet_id           = module.network[each.key].subnet_id
}}

module "member" {{
  source     = "./modules/member"
  for_each   = local.clusters
  name       = each.key
  fleet_id   = azurerm_kubernetes_fleet_manager.fleet.id
  cluster_id = module.cluster[each.key].id
  group      = each.value
}}

module "access" {{
  source       = "./modules/access"
  for_each     = local.clusters
  scope        = module.cluster[each.key].id
  principal_id = data.azurerm_client_config.current.object_id
}}

module "storage" {{
  source              = "./modules/storage"
  for_each            = local.clusters
  name                = each.key
  location            = local.location
  resource_group_name = module.network[each.key].resource_group_name
}}
''', rng))
    return out


def grants_tree(out: Path, clusters: int) -> Path:
    """A grant-heavy Terraform root module: one fleet whose operator (a user-assigned identity with
    Contributor on the fleet's resource group) also holds, for each of ``clusters`` member clusters in
    a resource group of its own, Contributor on that group and the Cluster User Role on the cluster:
    about 2 grants per member. Every tenth cluster gets neither, so FIAC101/FIAC102 fire there and a
    linear search walks all the operator's grants. One file per cluster."""
    if out.exists():
        shutil.rmtree(out)
    root = out / "grants"
    root.mkdir(parents=True)
    (root / "main.tf").write_text('''resource "azurerm_resource_group" "fleet" {
  name     = "rg-fleet"
  location = "westeurope"
}

resource "azurerm_user_assigned_identity" "ops" {
  name                = "id-fleet-ops"
  location            = azurerm_resource_group.fleet.location
  resource_group_name = azurerm_resource_group.fleet.name
}

resource "azurerm_kubernetes_fleet_manager" "fleet" {
  name                = "fleet"
  location            = azurerm_resource_group.fleet.location
  resource_group_name = azurerm_resource_group.fleet.name
}

resource "azurerm_role_assignment" "ops_fleet" {
  scope                = azurerm_resource_group.fleet.id
  role_definition_name = "Contributor"
  principal_id         = azurerm_user_assigned_identity.ops.principal_id
}
''')
    for i in range(clusters):
        name = f"c{i:05d}"
        grants = "" if i % 10 == 9 else f'''
resource "azurerm_role_assignment" "{name}_group" {{
  scope                = azurerm_resource_group.{name}.id
  role_definition_name = "Contributor"
  principal_id         = azurerm_user_assigned_identity.ops.principal_id
}}

resource "azurerm_role_assignment" "{name}_user" {{
  scope                = azurerm_kubernetes_cluster.{name}.id
  role_definition_name = "Azure Kubernetes Service Cluster User Role"
  principal_id         = azurerm_user_assigned_identity.ops.principal_id
}}
'''
        (root / f"{name}.tf").write_text(f'''resource "azurerm_resource_group" "{name}" {{
  name     = "rg-{name}"
  location = "westeurope"
}}

resource "azurerm_kubernetes_cluster" "{name}" {{
  name                = "aks-{name}"
  location            = azurerm_resource_group.{name}.location
  resource_group_name = azurerm_resource_group.{name}.name
  dns_prefix          = "{name}"

  default_node_pool {{
    name       = "system"
    node_count = 1
    vm_size    = "Standard_D2s_v5"
  }}

  identity {{
    type = "SystemAssigned"
  }}
}}

resource "azurerm_kubernetes_fleet_member" "{name}" {{
  name                  = "{name}"
  kubernetes_fleet_id   = azurerm_kubernetes_fleet_manager.fleet.id
  kubernetes_cluster_id = azurerm_kubernetes_cluster.{name}.id
}}
{grants}''')
    return out


def generate(out: Path, terraform: int = 1000, bicep: int = 300, seed: int = 8, plans: int = 0) -> Path:
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    rng = random.Random(seed)
    terraform_tree(out, terraform, rng)
    bicep_tree(out, bicep, rng)
    plan_tree(out, plans, random.Random(seed))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--terraform", type=int, default=1000)
    parser.add_argument("--bicep", type=int, default=300)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--plans", type=int, default=0, help="Terraform plan JSON files (one per root module)")
    parser.add_argument("--arm", type=int, default=0, metavar="N",
                        help="instead, a tree of N ARM JSON template and parameter files")
    parser.add_argument("--module-roots", type=int, default=0,
                        help="also write a module-heavy tree: this many roots with 5 local modules each")
    args = parser.parse_args()
    if args.arm:
        generate_arm(args.out, args.arm, args.seed)
        print(f"generated {args.arm} ARM JSON files under {args.out}")
        return
    generate(args.out, args.terraform, args.bicep, args.seed, args.plans)
    if args.module_roots:
        module_tree(args.out, args.module_roots, random.Random(args.seed))
    print(f"generated {args.terraform} Terraform, {args.bicep} Bicep and {args.plans} plan files under {args.out}"
          + (f" and {args.module_roots} roots with 5 local modules each" if args.module_roots else "")
          + f"; {comment_share(args.out):.0%} of the bytes are comments")


if __name__ == "__main__":
    main()
