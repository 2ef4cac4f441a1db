"""Update orchestration (FIAC2xx): update groups, stages, strategies and runs."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from analyzer.graph import FleetGraph
from analyzer.model import Resource
from analyzer.rules import RuleContext, rule
from analyzer.values import display


@dataclass
class StagePlan:
    """The stage groups of one fleet: every group named in a stage of its update strategies, or in
    the inline stages of its update runs."""

    groups: set[str] = field(default_factory=set)
    sources: list[Resource] = field(default_factory=list)
    stage_names: list[str] = field(default_factory=list)
    known: bool = True
    """False when some stage or group name cannot be resolved: no group decision is made then."""

    def describe(self) -> str:
        kinds = {s.kind for s in self.sources}
        noun = "update strategy" if kinds == {"update_strategy"} else "update strategy/run"
        names = ", ".join(f"`{display(s.name) if s.name is not None else s.address}`" for s in self.sources)
        plural = "ies" if noun.endswith("strategy") and len(self.sources) > 1 else ""
        noun = noun[:-1] + plural if plural else noun
        return f"{noun} {names} (stages: {', '.join(self.stage_names) or 'none'})"


def stage_plans(graph: FleetGraph) -> dict[str, StagePlan]:
    """Stage plans by fleet identity (see :meth:`FleetGraph.fleet_identity`)."""
    plans: dict[str, StagePlan] = defaultdict(StagePlan)
    sources = [*graph.of_kind("update_strategy"),
               *(r for r in graph.of_kind("update_run") if r.props.get("stages") is not None)]
    for source in sources:
        fleet = graph.fleet_identity(source)
        if fleet is None:
            continue
        plan = plans[fleet]
        plan.sources.append(source)
        stages = source.props.get("stages")
        if not isinstance(stages, list):
            plan.known = plan.known and stages is None
            continue
        for stage in stages:
            if not isinstance(stage, dict):
                plan.known = False
                continue
            name = stage.get("name")
            if isinstance(name, str):
                plan.stage_names.append(name)
            groups = stage.get("groups")
            if not isinstance(groups, list):
                plan.known = plan.known and groups is None
                continue
            for group in groups:
                group_name = group.get("name") if isinstance(group, dict) else None
                if isinstance(group_name, str):
                    plan.groups.add(group_name)
                else:
                    plan.known = False
    return dict(plans)


def _members_with_plans(ctx: RuleContext) -> list[tuple[Resource, StagePlan]]:
    plans = stage_plans(ctx.graph)
    out = []
    for member in ctx.graph.of_kind("member"):
        fleet = ctx.graph.fleet_identity(member)
        plan = plans.get(fleet) if fleet is not None else None
        if plan is None or not plan.groups:
            continue
        if not plan.known:
            ctx.unknown(member, "some stage group names of its fleet cannot be resolved", at=("group",))
            continue
        out.append((member, plan))
    return out


@rule("FIAC201", "member-group-not-in-strategy", "error",
      "A member's update group is in no stage of its fleet's strategies, so update runs skip it.",
      tags=("updates",))
def member_group_not_in_strategy(ctx: RuleContext) -> None:
    """
    ## What it finds

    A fleet member whose update group is not named by any stage of the fleet's update strategies
    (or of the inline stages of its update runs), when the fleet has stage groups at all. A group
    that differs from a stage group only by letter case is reported by FIAC202 instead. Members whose
    group is unknown, and fleets with a stage group name that cannot be resolved, are not judged.

    ## Why it matters

    An update run upgrades the groups named in its stages, one stage after another. A member in any
    other group is silently skipped: it stays on its old Kubernetes version or node image while the
    run reports success, and drifts towards end of support.

    ## Example

    ```terraform
    resource "azurerm_kubernetes_fleet_manager" "fleet" {
      name                = "fleet"
      location            = "westeurope"
      resource_group_name = "rg-fleet"
    }

    resource "azurerm_kubernetes_fleet_update_strategy" "tiers" {
      name                        = "tiers"
      kubernetes_fleet_manager_id = azurerm_kubernetes_fleet_manager.fleet.id
      stage {
        name = "canary"
        group {
          name = "canary"
        }
        after_stage_wait_in_seconds = 3600
      }
      stage {
        name = "production"
        group {
          name = "prod"
        }
      }
    }

    resource "azurerm_kubernetes_fleet_member" "west" {
      name                  = "aks-west"
      kubernetes_fleet_id   = azurerm_kubernetes_fleet_manager.fleet.id
      kubernetes_cluster_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks-west"
      group                 = "production"
    }
    ```

    ```bicep
    resource fleet 'Microsoft.ContainerService/fleets@2025-03-01' = {
      name: 'fleet'
      location: 'westeurope'
    }

    resource tiers 'Microsoft.ContainerService/fleets/updateStrategies@2025-03-01' = {
      parent: fleet
      name: 'tiers'
      properties: {
        strategy: {
          stages: [
            {
              name: 'canary'
              groups: [ { name: 'canary' } ]
              afterStageWaitInSeconds: 3600
            }
            {
              name: 'production'
              groups: [ { name: 'prod' } ]
            }
          ]
        }
      }
    }

    resource west 'Microsoft.ContainerService/fleets/members@2025-03-01' = {
      parent: fleet
      name: 'aks-west'
      properties: {
        clusterResourceId: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks-west'
        group: 'production'
      }
    }
    ```

    ## Fix

    Use a group that a stage names (or add the group to a stage).

    ```terraform
    resource "azurerm_kubernetes_fleet_manager" "fleet" {
      name                = "fleet"
      location            = "westeurope"
      resource_group_name = "rg-fleet"
    }

    resource "azurerm_kubernetes_fleet_update_strategy" "tiers" {
      name                        = "tiers"
      kubernetes_fleet_manager_id = azurerm_kubernetes_fleet_manager.fleet.id
      stage {
        name = "canary"
        group {
          name = "canary"
        }
        after_stage_wait_in_seconds = 3600
      }
      stage {
        name = "production"
        group {
          name = "prod"
        }
      }
    }

    resource "azurerm_kubernetes_fleet_member" "west" {
      name                  = "aks-west"
      kubernetes_fleet_id   = azurerm_kubernetes_fleet_manager.fleet.id
      kubernetes_cluster_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks-west"
      group                 = "prod"
    }
    ```

    ```bicep
    resource fleet 'Microsoft.ContainerService/fleets@2025-03-01' = {
      name: 'fleet'
      location: 'westeurope'
    }

    resource tiers 'Microsoft.ContainerService/fleets/updateStrategies@2025-03-01' = {
      parent: fleet
      name: 'tiers'
      properties: {
        strategy: {
          stages: [
            {
              name: 'canary'
              groups: [ { name: 'canary' } ]
              afterStageWaitInSeconds: 3600
            }
            {
              name: 'production'
              groups: [ { name: 'prod' } ]
            }
          ]
        }
      }
    }

    resource west 'Microsoft.ContainerService/fleets/members@2025-03-01' = {
      parent: fleet
      name: 'aks-west'
      properties: {
        clusterResourceId: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks-west'
        group: 'prod'
      }
    }
    ```

    ## References

    - [Update groups, stages and strategies](https://learn.microsoft.com/azure/kubernetes-fleet/concepts-update-orchestration)
    """
    for member, plan in _members_with_plans(ctx):
        group = member.props.get("group")
        if not isinstance(group, str) or group in plan.groups:
            if group is not None and not isinstance(group, str):
                ctx.unknown(member, f"group {display(group)} cannot be resolved", at=("group",))
            continue
        if any(group.lower() == g.lower() for g in plan.groups):
            continue  # FIAC202
        ctx.report(member,
                   f"member {display(member.name)} (group `{group}`) is in no stage of {plan.describe()}; "
                   f"update runs will skip it",
                   at=("group",),
                   hint=f"set the group to one of: {', '.join(sorted(plan.groups))}, or add `{group}` to a stage",
                   related=tuple(s.address for s in plan.sources))


@rule("FIAC202", "group-name-case-mismatch", "error",
      "A member's update group matches a stage group only when letter case is ignored.",
      tags=("updates",))
def group_name_case_mismatch(ctx: RuleContext) -> None:
    """
    ## What it finds

    A member whose update group equals a group named in its fleet's stages except for letter case
    (`Prod` against `prod`).

    ## Why it matters

    Update group names are case-sensitive: the member is in a group no stage names, so every update
    run skips it while looking, to a reader, as if it were included.

    ## Example

    ```terraform
    resource "azurerm_kubernetes_fleet_manager" "fleet" {
      name                = "fleet"
      location            = "westeurope"
      resource_group_name = "rg-fleet"
    }

    resource "azurerm_kubernetes_fleet_update_strategy" "default" {
      name                        = "default"
      kubernetes_fleet_manager_id = azurerm_kubernetes_fleet_manager.fleet.id
      stage {
        name = "all"
        group {
          name = "prod"
        }
      }
    }

    resource "azurerm_kubernetes_fleet_member" "west" {
      name                  = "aks-west"
      kubernetes_fleet_id   = azurerm_kubernetes_fleet_manager.fleet.id
      kubernetes_cluster_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks-west"
      group                 = "Prod"
    }
    ```

    ```bicep
    resource fleet 'Microsoft.ContainerService/fleets@2025-03-01' = {
      name: 'fleet'
      location: 'westeurope'
    }

    resource strategy 'Microsoft.ContainerService/fleets/updateStrategies@2025-03-01' = {
      parent: fleet
      name: 'default'
      properties: {
        strategy: {
          stages: [
            {
              name: 'all'
              groups: [ { name: 'prod' } ]
            }
          ]
        }
      }
    }

    resource west 'Microsoft.ContainerService/fleets/members@2025-03-01' = {
      parent: fleet
      name: 'aks-west'
      properties: {
        clusterResourceId: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks-west'
        group: 'Prod'
      }
    }
    ```

    ## Fix

    Write the group exactly as the stage does.

    ```terraform
    resource "azurerm_kubernetes_fleet_manager" "fleet" {
      name                = "fleet"
      location            = "westeurope"
      resource_group_name = "rg-fleet"
    }

    resource "azurerm_kubernetes_fleet_update_strategy" "default" {
      name                        = "default"
      kubernetes_fleet_manager_id = azurerm_kubernetes_fleet_manager.fleet.id
      stage {
        name = "all"
        group {
          name = "prod"
        }
      }
    }

    resource "azurerm_kubernetes_fleet_member" "west" {
      name                  = "aks-west"
      kubernetes_fleet_id   = azurerm_kubernetes_fleet_manager.fleet.id
      kubernetes_cluster_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks-west"
      group                 = "prod"
    }
    ```

    ```bicep
    resource fleet 'Microsoft.ContainerService/fleets@2025-03-01' = {
      name: 'fleet'
      location: 'westeurope'
    }

    resource strategy 'Microsoft.ContainerService/fleets/updateStrategies@2025-03-01' = {
      parent: fleet
      name: 'default'
      properties: {
        strategy: {
          stages: [
            {
              name: 'all'
              groups: [ { name: 'prod' } ]
            }
          ]
        }
      }
    }

    resource west 'Microsoft.ContainerService/fleets/members@2025-03-01' = {
      parent: fleet
      name: 'aks-west'
      properties: {
        clusterResourceId: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks-west'
        group: 'prod'
      }
    }
    ```

    ## References

    - [Update groups, stages and strategies](https://learn.microsoft.com/azure/kubernetes-fleet/concepts-update-orchestration)
    """
    for member, plan in _members_with_plans(ctx):
        group = member.props.get("group")
        if not isinstance(group, str) or group in plan.groups:
            continue
        matches = sorted(g for g in plan.groups if g.lower() == group.lower())
        if not matches:
            continue
        ctx.report(member,
                   f"member {display(member.name)} has group `{group}`, but {plan.describe()} names "
                   f"`{matches[0]}`; group names are case-sensitive, so update runs will skip it",
                   at=("group",), hint=f"write the group as `{matches[0]}`",
                   related=tuple(s.address for s in plan.sources))


@rule("FIAC203", "member-without-group", "warning",
      "A fleet member has no update group.", tags=("updates",))
def member_without_group(ctx: RuleContext) -> None:
    """
    ## What it finds

    A fleet member that sets no update group (`group` / `properties.group`).

    ## Why it matters

    An update run with stages upgrades only the groups its stages name, so a member without a group
    is never upgraded by a staged run; and without groups there is no way to add a canary stage
    later without touching every member.

    ## Example

    ```terraform
    resource "azurerm_kubernetes_fleet_member" "west" {
      name                  = "aks-west"
      kubernetes_fleet_id   = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-fleet/providers/Microsoft.ContainerService/fleets/fleet"
      kubernetes_cluster_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks-west"
    }
    ```

    ```bicep
    resource fleet 'Microsoft.ContainerService/fleets@2025-03-01' existing = {
      name: 'fleet'
    }

    resource west 'Microsoft.ContainerService/fleets/members@2025-03-01' = {
      parent: fleet
      name: 'aks-west'
      properties: {
        clusterResourceId: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks-west'
      }
    }
    ```

    ## Fix

    Put every member in an update group.

    ```terraform
    resource "azurerm_kubernetes_fleet_member" "west" {
      name                  = "aks-west"
      kubernetes_fleet_id   = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-fleet/providers/Microsoft.ContainerService/fleets/fleet"
      kubernetes_cluster_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks-west"
      group                 = "prod"
    }
    ```

    ```bicep
    resource fleet 'Microsoft.ContainerService/fleets@2025-03-01' existing = {
      name: 'fleet'
    }

    resource west 'Microsoft.ContainerService/fleets/members@2025-03-01' = {
      parent: fleet
      name: 'aks-west'
      properties: {
        clusterResourceId: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks-west'
        group: 'prod'
      }
    }
    ```

    ## References

    - [Update groups, stages and strategies](https://learn.microsoft.com/azure/kubernetes-fleet/concepts-update-orchestration)
    """
    for member in ctx.graph.of_kind("member"):
        if "group" not in member.props and "group" not in member.locations:
            ctx.report(member, f"member {display(member.name)} ({member.address}) has no update group; "
                               f"staged update runs will not upgrade it",
                       hint="set `group` (Terraform) or `properties.group` (Bicep) to a group a stage names")
        elif member.props.get("group") is None and "group" in member.locations:
            ctx.report(member, f"member {display(member.name)} ({member.address}) sets its update group to null; "
                               f"staged update runs will not upgrade it", at=("group",),
                       hint="set the group to a group a stage names")
