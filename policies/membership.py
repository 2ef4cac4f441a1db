"""Membership and identity (FIAC5xx): what a member joins, how often, and how fleets are named."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from analyzer.graph.access import CLUSTER_FLAVORS, member_cluster
from analyzer.graph.stages import stage_plans
from analyzer.knowledge import arm_ids
from analyzer.model import Group, Kind, Member, Resource, Stage, UpdateRun, UpdateStrategy
from analyzer.rules import RuleContext, rule
from analyzer.values import PartialId, ResourceRef, Unknown, UnknownCause, display

# Reasons the front ends give a reference to a block the code does not declare.
UNDECLARED = {UnknownCause.UNDECLARED_RESOURCE: "resource", UnknownCause.UNDECLARED_DATA_SOURCE: "data source",
              UnknownCause.UNDECLARED_SYMBOL: "symbol"}
"""Unknown causes that mean the code names something it does not declare, and what to call it."""

NAME_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
FLEET_NAME_MAX = 63
CHILD_NAME_MAX = 50


def _members(ctx: RuleContext) -> list[Member]:
    """Members the code joins (an `existing` member is a reference, not a join)."""
    return [m for m in ctx.graph.of_kind(Kind.MEMBER) if not m.existing]


def _undeclared(value: Unknown) -> str | None:
    """What kind of undeclared thing an unknown cluster reference names, or None."""
    return UNDECLARED.get(value.cause)


@rule("FIAC501", "member-cluster-unresolved", "error",
      "A member's cluster names a resource the code does not declare, or an ID that is not a cluster.",
      tags=("membership",))
def member_cluster_unresolved(ctx: RuleContext) -> None:
    """
    ## What it finds

    A fleet member whose cluster (`kubernetes_cluster_id` / `clusterResourceId`) is

    - a reference to a resource or data source that the scanned code does not declare, typically a
      misspelt name (`azurerm_kubernetes_cluster.wets.id`, or a Bicep symbol that does not exist);
    - a reference to a declared resource that is not a cluster (a resource group, a VNet...);
    - a literal that is not an ARM resource ID, or an ARM ID whose type is neither
      `Microsoft.ContainerService/managedClusters` nor `Microsoft.Kubernetes/connectedClusters`.

    A literal ARM ID of a cluster managed elsewhere is fine, and so is a value that cannot be
    resolved (a variable, a module output): only references that certainly name nothing, or name
    something that is not a cluster, are reported. In Bicep only a resource-style reference
    (`name.id`) to a missing symbol counts, since a bare name may come from an import.

    ## Why it matters

    Terraform stops at plan time on a reference to an undeclared resource and Bicep does not compile;
    an ID of the wrong type is accepted by the tools and rejected by the Fleet API during the
    deployment, after the fleet and the clusters were created.

    ## Example

    ## Fix

    Reference the cluster's resource (or data source) by its declared name, or write the full ARM
    ID of the AKS or Arc-enabled cluster.

    ## References

    - [Fleets/members: clusterResourceId](https://learn.microsoft.com/azure/templates/microsoft.containerservice/fleets/members)
    - [azurerm_kubernetes_fleet_member](https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/kubernetes_fleet_member)
    """
    graph = ctx.graph
    for member in _members(ctx):
        value = member.props.cluster
        problem: str | None = None
        if isinstance(value, PartialId):
            # Only the type of the ID is known (its name is not): the type alone can be wrong.
            if value.arm_type.lower() not in CLUSTER_FLAVORS:
                problem = (f"is `{value.text}`, an ARM ID of type {value.arm_type}, not a managedClusters or "
                           f"connectedClusters ID")
        elif isinstance(value, Unknown):
            what = _undeclared(value)
            if what is not None:
                problem = f"refers to `{value.text}`, a {what} the scanned code does not declare"
        elif isinstance(value, ResourceRef):
            target = graph.resolve(value)
            if target is not None and target.kind != Kind.CLUSTER:
                problem = f"refers to `{target.address}`, which is not a cluster ({target.source_type})"
        elif isinstance(value, str):
            parsed = arm_ids.parse_arm_id(value)
            if parsed is None or parsed.type is None:
                problem = f"is {value!r}, which is not the ARM ID of a resource"
            elif parsed.type.lower() not in CLUSTER_FLAVORS:
                problem = f"is an ARM ID of type {parsed.type}, not a managedClusters or connectedClusters ID"
        if problem is None:
            continue
        ctx.report(
            member,
            f"the cluster of member `{member.address}` {problem}; the member cannot join",
            at=("cluster",),
            hint="reference the declared cluster resource (e.g. azurerm_kubernetes_cluster.<name>.id or a "
                 "Bicep symbol's .id), or write the full ARM ID of a managedClusters or connectedClusters "
                 "resource",
        )


@rule("FIAC502", "arc-member-in-update-strategy", "warning",
      "An Arc member's group is a stage group, but update runs do not update Arc members.",
      tags=("membership", "updates", "arc"))
def arc_member_in_update_strategy(ctx: RuleContext) -> None:
    """
    ## What it finds

    A member whose cluster is an Arc-enabled cluster (`Microsoft.Kubernetes/connectedClusters`:
    a resource, an `existing` declaration, a data source or a literal ID) and whose update group is
    a stage group of its fleet: a group named in a stage of one of the fleet's update strategies or
    in the inline stages of one of its update runs. Group names are compared exactly (they are
    case-sensitive). A member whose group or cluster is unknown, and fleets with a stage group name
    that cannot be resolved, are not judged.

    ## Why it matters

    Arc-enabled members support workload placement only: update runs and auto-upgrade profiles do
    not upgrade them. Putting one in a stage group suggests it follows the staged rollout when it
    never will, so it silently falls behind the AKS members of the same stage.

    ## Example

    ## Fix

    Give Arc members a group of their own that no stage names (or no group), and upgrade them
    outside Fleet.

    ## References

    - [Arc-enabled Kubernetes clusters as Fleet members](https://learn.microsoft.com/azure/kubernetes-fleet/quickstart-create-fleet-and-members#join-member-clusters)
    - [Update orchestration across member clusters](https://learn.microsoft.com/azure/kubernetes-fleet/update-orchestration)
    """
    graph = ctx.graph
    plans = stage_plans(graph)
    for member in _members(ctx):
        group = member.props.group
        if not isinstance(group, str):
            continue
        fleet = graph.fleet_identity(member)
        plan = plans.get(fleet) if fleet is not None else None
        if plan is None or (plan.known and not plan.groups):
            continue
        joined = member_cluster(graph, member)
        if joined.flavor != "arc":
            continue
        if not plan.known:
            ctx.unknown(member, "some stage group names of its fleet cannot be resolved", at=("group",))
            continue
        if group not in plan.groups:
            continue
        ctx.report(
            member,
            f"Arc member `{member.address}` (cluster `{joined.name}`) is in group `{group}`, a stage group "
            f"of {plan.describe()}; update runs do not upgrade Arc-enabled clusters, so it will not follow "
            f"the rollout",
            at=("group",),
            hint="give Arc members a group that no stage names and upgrade them outside Fleet",
            related=[s.address for s in plan.sources],
        )


def _cluster_identity(ctx: RuleContext, value: Any) -> str | None:
    """What identifies a member's cluster across members: the declared resource, else the ARM ID."""
    resource = ctx.graph.resolve(value)
    if resource is not None:
        return resource.key
    if isinstance(value, str) and arm_ids.parse_arm_id(value) is not None:
        return "arm:" + value.strip().rstrip("/").lower()
    return None


@rule("FIAC503", "cluster-in-several-fleets", "error",
      "One cluster is joined by more than one member (to one fleet or to several).",
      tags=("membership",))
def cluster_in_several_fleets(ctx: RuleContext) -> None:
    """
    ## What it finds

    Two or more fleet members whose clusters are the same cluster: the same declared resource
    (referenced directly, through an `existing` declaration or data source naming it, or by its ARM
    ID), or the same literal ARM ID (compared without regard to case). The first member, in file and
    line order, is taken as the join; every later one is reported, naming the first. Members whose
    cluster cannot be resolved are not compared.

    ## Why it matters

    A cluster can be a member of one fleet only, and of that fleet once. The second join fails at
    deployment time, or, with two fleets, whichever deploys second fails and the cluster's update
    policy depends on deployment order.

    ## Example

    ## Fix

    Join each cluster once, to one fleet.

    ## References

    - [Azure Kubernetes Fleet Manager overview: a cluster joins one fleet](https://learn.microsoft.com/azure/kubernetes-fleet/overview)
    """
    joins: dict[str, list[Member]] = defaultdict(list)
    for member in _members(ctx):
        key = _cluster_identity(ctx, member.props.cluster)
        if key is not None:
            joins[key].append(member)
    for members in joins.values():
        if len(members) < 2:
            continue
        first, *rest = sorted(members, key=lambda m: (m.location.sort_key(), m.address))
        cluster = member_cluster(ctx.graph, first).name
        for member in rest:
            fleets = {ctx.graph.fleet_identity(m) for m in (first, member)}
            where = "the same fleet" if len(fleets) == 1 and None not in fleets else "another fleet"
            ctx.report(
                member,
                f"member `{member.address}` joins cluster `{cluster}`, which member `{first.address}` already "
                f"joins to {where}; a cluster can be a member of one fleet, once",
                at=("cluster",),
                hint="remove one of the members, or point it at the cluster it was meant for",
                related=(first.address,),
            )


def _name_problem(name: str, limit: int) -> str | None:
    if not 1 <= len(name) <= limit:
        return f"is {len(name)} characters long (1-{limit} allowed)"
    if not NAME_RE.match(name):
        return "may only hold lowercase letters, digits and '-', starting and ending with a letter or digit"
    return None


@rule("FIAC504", "invalid-fleet-name", "error",
      "A fleet, member, update group, stage or auto-upgrade profile name breaks the API's naming rule.",
      tags=("membership", "naming"))
def invalid_fleet_name(ctx: RuleContext) -> None:
    """
    ## What it finds

    A name the Fleet API rejects: fleet names must be 1-63 characters; member, update group, stage
    and auto-upgrade profile names 1-50 characters; all must match
    `^[a-z0-9]([-a-z0-9]*[a-z0-9])?$` (lowercase letters, digits and hyphens, starting and ending
    with a letter or digit). Names checked: fleets, members, members' `group`, the stage and group
    names of update strategies and of update runs' inline stages, and auto-upgrade profiles.
    Unknown names and `existing` references are not checked, and an empty member group is left to
    FIAC203.

    ## Why it matters

    Neither `terraform plan` nor the Bicep compiler checks these patterns: the deployment fails at
    the API after the resources before it were created. Uppercase letters and underscores, common
    in Azure resource names elsewhere, are the usual cause.

    ## Example

    ## Fix

    Use lowercase letters, digits and hyphens within the length limit.

    ## References

    - [Microsoft.ContainerService fleets: name rules](https://learn.microsoft.com/azure/templates/microsoft.containerservice/fleets)
    - [Naming rules for Azure resources](https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules)
    """
    graph = ctx.graph
    checks: list[tuple[Resource, str, Any, int, tuple[str, ...]]] = []
    labels = {Kind.FLEET: "fleet", Kind.MEMBER: "member", Kind.AUTO_UPGRADE_PROFILE: "auto-upgrade profile"}
    for kind, label in labels.items():
        for resource in graph.of_kind(kind):
            if not resource.existing:
                limit = FLEET_NAME_MAX if kind == Kind.FLEET else CHILD_NAME_MAX
                checks.append((resource, f"{label} name {{}}", resource.name, limit, ("name",)))
    for member in graph.of_kind(Kind.MEMBER):
        group = member.props.group
        if not member.existing and group != "":
            checks.append((member, f"update group {{}} of member `{member.address}`", group, CHILD_NAME_MAX, ("group",)))
    sources: list[UpdateStrategy | UpdateRun] = [*graph.of_kind(Kind.UPDATE_STRATEGY), *graph.of_kind(Kind.UPDATE_RUN)]
    for source in sources:
        stages = source.props.stages
        if source.existing or not isinstance(stages, tuple):
            continue
        for i, stage in enumerate(stages):
            if not isinstance(stage, Stage):
                continue
            at = f"stages[{i}]"
            checks.append((source, f"stage name {{}} in `{source.address}`", stage.name, CHILD_NAME_MAX,
                           (f"{at}.name", at)))
            groups = stage.groups
            for j, group in enumerate(groups if isinstance(groups, tuple) else ()):
                if isinstance(group, Group):
                    gat = f"{at}.groups[{j}]"
                    checks.append((source, f"group name {{}} in stage {display(stage.name)} of "
                                   f"`{source.address}`", group.name, CHILD_NAME_MAX, (f"{gat}.name", gat, at)))
    for resource, what, name, limit, where in checks:
        if not isinstance(name, str):
            continue
        problem = _name_problem(name, limit)
        if problem is None:
            continue
        ctx.report(
            resource,
            what.format(f"`{name}`") + f" {problem}; the Fleet API rejects it",
            at=where,
            hint=f"use 1-{limit} lowercase letters, digits and '-', starting and ending with a letter or digit",
        )


@rule("FIAC505", "fleet-system-assigned-identity", "note",
      "A fleet uses a system-assigned identity; a user-assigned one can be audited and rotated on its own.",
      tags=("identity", "security"))
def fleet_system_assigned_identity(ctx: RuleContext) -> None:
    """
    ## What it finds

    A fleet whose managed identity type includes `SystemAssigned` (also `SystemAssigned,
    UserAssigned`): Bicep/ARM `identity.type`, or the `identity` block or `body.identity` of an
    `azapi_resource` fleet. `azurerm_kubernetes_fleet_manager` has no identity argument, so it is
    never reported; an unknown identity type is not judged.

    ## Why it matters

    A system-assigned identity lives and dies with the fleet: its object ID changes when the fleet is
    re-created, so role assignments made for it break, and it cannot be granted access before the
    fleet exists. A user-assigned identity is a resource of its own that can be granted, audited and
    replaced independently.

    ## Example

    ## Fix

    ## References

    - [Managed identities for Azure resources](https://learn.microsoft.com/entra/identity/managed-identities-azure-resources/overview)
    - [Microsoft.ContainerService fleets: identity](https://learn.microsoft.com/azure/templates/microsoft.containerservice/fleets)
    """
    for fleet in ctx.graph.of_kind(Kind.FLEET):
        identity = fleet.props.identity_type
        if fleet.existing or not isinstance(identity, str):
            continue
        kinds = {part.strip().lower() for part in identity.split(",")}
        if "systemassigned" not in kinds:
            continue
        ctx.report(
            fleet,
            f"fleet `{fleet.address}` uses a system-assigned identity ({identity}); it changes when the fleet "
            f"is re-created and cannot be granted access beforehand",
            at=("identity_type",),
            hint="create a user-assigned identity and set the fleet's identity type to UserAssigned",
        )
