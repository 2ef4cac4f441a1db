"""Membership and identity (FIAC5xx): what a member joins, how often, and how fleets are named."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from fleetiac.analyzer.graph.access import CLUSTER_FLAVORS, member_cluster
from fleetiac.analyzer.graph.stages import stage_plans
from fleetiac.analyzer.knowledge import arm_ids
from fleetiac.analyzer.model import Group, Kind, Member, Resource, Stage, UpdateRun, UpdateStrategy
from fleetiac.analyzer.rules import RuleContext, dialect, rule
from fleetiac.analyzer.values import PartialId, ResourceRef, Unknown, UnknownCause, display

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
            hint=f"{_cluster_reference(member)}, or write the full ARM ID of a managedClusters or "
                 "connectedClusters resource",
        )


# How a member's own language references a declared cluster, and a declared fleet (by dialect).
_CLUSTER_REFERENCE = {
    "azurerm": "reference the declared cluster resource (e.g. azurerm_kubernetes_cluster.<name>.id)",
    "azapi": "reference the declared cluster resource (e.g. azurerm_kubernetes_cluster.<name>.id)",
    "bicep": "reference the declared cluster resource (its symbol's .id)",
    "arm": "use resourceId('Microsoft.ContainerService/managedClusters', <name>) of the declared cluster",
    "az": "pass the cluster's resource ID to `--member-cluster-id`",
}
_FLEET_REFERENCE = {
    "azurerm": "reference the declared fleet resource (e.g. azurerm_kubernetes_fleet_manager.<name>.id)",
    "azapi": "reference the declared fleet resource (its id as parent_id)",
    "bicep": "reference the declared fleet resource (its symbol as parent)",
    "arm": "use resourceId('Microsoft.ContainerService/fleets', <name>) of the declared fleet",
}


def _cluster_reference(member: Resource) -> str:
    return _CLUSTER_REFERENCE.get(dialect(member), "reference the declared cluster resource")


def _fleet_reference(member: Resource) -> str:
    return _FLEET_REFERENCE.get(dialect(member), "reference the declared fleet resource")


@rule("FIAC502", "arc-member-in-update-strategy", "warning",
      "An Arc member's group is a stage group, but update runs do not update Arc members.",
      tags=("membership", "updates", "arc"))
def arc_member_in_update_strategy(ctx: RuleContext) -> None:
    """
    ## What it finds

    A member whose cluster is an Arc-enabled cluster (`Microsoft.Kubernetes/connectedClusters`:
    a resource, an `existing` declaration, a data source or a literal ID) and whose update group is
    a stage group of its fleet: a group without a member selector named in a stage of one of the
    fleet's update strategies or in the inline stages of one of its update runs. Group names are compared exactly (they are
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


NAME_LIMITS = {Kind.FLEET: ("fleet", FLEET_NAME_MAX), Kind.MEMBER: ("member", CHILD_NAME_MAX),
               Kind.UPDATE_STRATEGY: ("update strategy", CHILD_NAME_MAX),
               Kind.UPDATE_RUN: ("update run", CHILD_NAME_MAX),
               Kind.AUTO_UPGRADE_PROFILE: ("auto-upgrade profile", CHILD_NAME_MAX),
               Kind.MANAGED_NAMESPACE: ("managed namespace", FLEET_NAME_MAX)}
"""The resource names FIAC504 checks, with their maximum length (azure-facts §2 name rules)."""


@rule("FIAC504", "invalid-fleet-name", "error",
      "A fleet, member, group, stage, strategy, run, profile or managed namespace name breaks the API's rule.",
      tags=("membership", "naming"))
def invalid_fleet_name(ctx: RuleContext) -> None:
    """
    ## What it finds

    A name the Fleet API rejects: fleet and managed namespace names must be 1-63 characters; member,
    update group, stage, update strategy, update run and auto-upgrade profile names 1-50 characters;
    all must match `^[a-z0-9]([-a-z0-9]*[a-z0-9])?$` (lowercase letters, digits and hyphens, starting
    and ending with a letter or digit). Names checked: fleets, members, members' `group`, update
    strategies, update runs, auto-upgrade profiles, managed namespaces, and the stage and group names
    of update strategies and of update runs' inline stages. Unknown names and `existing` references
    are not checked, and an empty member group is left to FIAC203.

    ## Why it matters

    Neither `terraform plan` nor the Bicep compiler checks these patterns: the deployment fails at
    the API after the resources before it were created. Uppercase letters and underscores, common
    in Azure resource names elsewhere, are the usual cause.

    ## Example

    ## Fix

    Use lowercase letters, digits and hyphens within the length limit.

    ## References

    - [Microsoft.ContainerService fleets: name rules](https://learn.microsoft.com/azure/templates/microsoft.containerservice/fleets)
    - [Fleet API name patterns (azure-rest-api-specs)](https://github.com/Azure/azure-rest-api-specs/tree/main/specification/containerservice/resource-manager/Microsoft.ContainerService/fleet)
    - [Naming rules for Azure resources](https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules)
    """
    graph = ctx.graph
    checks: list[tuple[Resource, str, Any, int, tuple[str, ...]]] = []
    for kind, (label, limit) in NAME_LIMITS.items():
        for resource in graph.of_kind(kind):
            if not resource.existing:
                checks.append((resource, f"{label} name {{}} of `{resource.address}`", resource.name, limit,
                               ("name",)))
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


@rule("FIAC507", "member-fleet-unresolved", "error",
      "A member's fleet names a resource the code does not declare, a resource that is not a fleet, or an "
      "ID that is not a fleet's.", tags=("membership",))
def member_fleet_unresolved(ctx: RuleContext) -> None:
    """
    ## What it finds

    A fleet member whose fleet reference (`kubernetes_fleet_id`, `parent`, `parent_id`) is

    - a reference to a resource or data source that the scanned code does not declare, typically a
      misspelt name (`azurerm_kubernetes_fleet_manager.flet.id`, a Bicep symbol that does not exist);
    - a reference to a declared resource that is not a fleet (a resource group, a cluster...);
    - an ARM ID whose type is not `Microsoft.ContainerService/fleets`.

    A literal ARM ID of a fleet managed elsewhere is fine, and so is a value that cannot be resolved
    (a variable, a module output) or a parent fleet given by name (`'fleet/member'`).

    ## Why it matters

    Terraform stops at plan time on a reference to an undeclared resource and Bicep does not compile;
    a parent that is not a fleet, or an ID of the wrong type, is rejected by Azure during the
    deployment, after the resources before it were created. Until then every fleet rule silently
    ignores the member: it belongs to no fleet.

    ## Example

    ## Fix

    Reference the fleet's resource (or data source) by its declared name, or write the full ARM ID
    of the fleet.

    ## References

    - [Fleets/members: parent](https://learn.microsoft.com/azure/templates/microsoft.containerservice/fleets/members)
    - [azurerm_kubernetes_fleet_member](https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/kubernetes_fleet_member)
    """
    graph = ctx.graph
    for member in _members(ctx):
        value = member.props.fleet
        problem: str | None = None
        if isinstance(value, Unknown):
            # A parent must be a resource symbol, which no import provides: a bare name that is no
            # symbol names nothing.
            what = "symbol" if value.cause == UnknownCause.UNRESOLVED_NAME else _undeclared(value)
            if what is not None:
                problem = f"refers to `{value.text}`, a {what} the scanned code does not declare"
        elif isinstance(value, ResourceRef):
            target = graph.resolve(value)
            if target is not None and target.kind != Kind.FLEET:
                problem = f"refers to `{target.address}`, which is not a fleet ({target.source_type})"
        elif isinstance(value, str) and value.strip().startswith("/"):
            parsed = arm_ids.parse_arm_id(value)
            if parsed is None or parsed.type is None:
                problem = f"is {value!r}, which is not the ARM ID of a resource"
            elif parsed.type.lower() != arm_ids.FLEET:
                problem = f"is an ARM ID of type {parsed.type}, not a Microsoft.ContainerService/fleets ID"
        if problem is None:
            continue
        ctx.report(
            member,
            f"the fleet of member `{member.address}` {problem}; the member cannot join",
            at=("fleet",),
            hint=f"{_fleet_reference(member)}, or write the full ARM ID of a Microsoft.ContainerService/fleets "
                 "resource",
        )


@rule("FIAC508", "duplicate-member-name", "error",
      "Two members of one fleet have the same name.", tags=("membership",))
def duplicate_member_name(ctx: RuleContext) -> None:
    """
    ## What it finds

    Two or more members of one fleet with the same name after evaluation, counting every
    `count`/`for_each`/loop instance. Names compare without regard to letter case, as ARM resource
    IDs do. The first member, in file and line order, is taken as the member; every later one is
    reported, naming the first. Members whose name or fleet cannot be resolved are not compared.

    ## Why it matters

    A member's resource ID is `<fleet ID>/members/<name>`: both declarations address the same
    resource, so the deployment fails, or the second silently replaces the first (which then leaves
    the fleet).

    ## Example

    ## Fix

    Give every member of a fleet its own name (the cluster's name is a common choice).

    ## References

    - [Fleet members REST API](https://learn.microsoft.com/rest/api/fleet/fleet-members)
    """
    names: dict[tuple[str, str], list[Member]] = defaultdict(list)
    for member in _members(ctx):
        fleet = ctx.graph.fleet_identity(member)
        name = member.name
        if fleet is None:
            continue
        if not isinstance(name, str):
            continue
        names[(fleet, name.lower())].append(member)
    for (_fleet, _name), members in sorted(names.items()):
        if len(members) < 2:
            continue
        first, *rest = sorted(members, key=lambda m: (m.location.sort_key(), m.address))
        for member in rest:
            target = ctx.graph.target(member, "fleet")
            fleet_name = display(target.name) if target is not None else display(member.props.fleet)
            ctx.report(
                member,
                f"member `{member.address}` is named `{display(member.name)}`, like member `{first.address}` of "
                f"the same fleet `{fleet_name}`; both address `<fleet>/members/{display(member.name)}`, so one "
                f"fails or replaces the other",
                at=("name",),
                hint="give each member of a fleet its own name",
                related=(first.address,),
            )


@rule("FIAC506", "retired-api-version", "error",
      "A Fleet resource or manifest uses an API version that is retired.", tags=("api-versions",))
def retired_api_version(ctx: RuleContext) -> None:
    """
    ## What it finds

    - A Fleet resource (`Microsoft.ContainerService/fleets` or one of its child types, in Bicep, ARM
      or the `type` of an `azapi_resource`) whose API version (after `@`) was retired on or before the
      evaluation date (`--as-of`, default today): the Fleet preview versions `2022-06-02-preview`
      to `2023-08-15-preview` stopped working on 2025-04-14.
    - An `azurerm_kubernetes_fleet_manager` whose azurerm versions in use all lie in 3.30.0 to 3.94.x:
      those releases call the fleets API `2022-09-02-preview`. The version in use is the one the root
      module's `.terraform.lock.hcl` records when the scan holds it, else every version its
      `required_providers` constraints admit; without either it is unknown and nothing is reported.
    - A Kubernetes manifest (YAML or `kubernetes_manifest`) with `apiVersion: fleet.azure.com/v1alpha1`
      (ClusterResourcePlacement, MemberCluster, InternalMemberCluster): the pre-GA group, renamed
      `placement.kubernetes-fleet.io`, whose CRDs current hubs no longer serve.
      `networking.fleet.azure.com/v1alpha1` is current and not reported.

    ## Why it matters

    "After an API version is deprecated, it will no longer function": every deployment that creates,
    updates or reads the resource through a retired version fails, often long after the code was
    written and worked. A placement in the old group is rejected by the hub (no such kind).

    ## Example

    ## Fix

    Move to a GA API version (`2025-03-01`, or `2026-06-01` for its newer features), upgrade azurerm
    to 3.95.0 or later (and lock it), and write placements as `placement.kubernetes-fleet.io/v1`.

    ## References

    - [Fleet preview API lifecycle](https://learn.microsoft.com/azure/kubernetes-fleet/concepts-preview-api-lifecycle)
    - [azurerm: fleet manager moves to API 2023-10-15 (hashicorp/terraform-provider-azurerm#25010)](https://github.com/hashicorp/terraform-provider-azurerm/pull/25010)
    - [KubeFleet: remove the fleet.azure.com/v1alpha1 APIs (kubefleet-dev/kubefleet#304)](https://github.com/kubefleet-dev/kubefleet/pull/304)
    """
    from fleetiac.analyzer.knowledge import fleet_api
    from fleetiac.analyzer.knowledge.kubernetes import api_group
    from fleetiac.analyzer.model import FLEET_CHILD_PROPS, FleetProps, VersionSet

    graph = ctx.graph
    fleet_kinds = (Kind.FLEET, Kind.MEMBER, Kind.UPDATE_STRATEGY, Kind.UPDATE_RUN, Kind.AUTO_UPGRADE_PROFILE,
                   Kind.MANAGED_NAMESPACE)
    for kind in fleet_kinds:
        for resource in graph.of_kind(kind):
            props = resource.props
            if not isinstance(props, (FleetProps, *FLEET_CHILD_PROPS)):
                continue
            version = props.api_version
            if isinstance(version, str) and (retired := fleet_api.retired_on(version, ctx.as_of)) is not None:
                ctx.report(resource, f"{resource.arm_type or resource.source_type} {display(resource.name)} "
                                     f"({resource.address}) uses API version {version}, retired on "
                                     f"{retired.isoformat()}: deployments through it fail",
                           at=("api_version",), hint="use a GA API version such as 2025-03-01")
    for fleet in graph.of_kind(Kind.FLEET):
        versions = fleet.props.provider_versions
        if fleet.props.hub_settable is not False or versions is None or fleet.existing:
            continue
        if not isinstance(versions, VersionSet):
            # Unpinned (no lock file, no constraint), the provider installs its latest release, which
            # calls a current API; a constraint that cannot be read is a decision skipped.
            if versions.cause != UnknownCause.NO_INPUT_VALUE:
                ctx.unknown(fleet, f"the azurerm version in use for {fleet.address} ({versions.text})")
            continue
        for provider in fleet_api.azurerm_fleet_manager_ranges():
            retired = fleet_api.retired_on(provider.api_version, ctx.as_of)
            if retired is not None and versions.within(provider.low, provider.high):
                ctx.report(fleet, f"fleet {display(fleet.name)} ({fleet.address}) is deployed with azurerm "
                                  f"{versions.text()}, whose fleet resource calls API version "
                                  f"{provider.api_version}, retired on {retired.isoformat()}: deployments fail",
                           hint=f"upgrade azurerm to {fleet_api.shown(provider.high)} or later, and lock it")
    for manifest in graph.of_kind(Kind.MANIFEST):
        api_version = manifest.props.api_version
        if isinstance(api_version, str) and api_group(api_version) == fleet_api.LEGACY_PLACEMENT_GROUP \
                and api_version.strip() == fleet_api.LEGACY_PLACEMENT_VERSION \
                and manifest.props.manifest_kind in fleet_api.LEGACY_PLACEMENT_KINDS:
            ctx.report(manifest, f"{display(manifest.props.manifest_kind)} {display(manifest.name)} "
                                 f"({manifest.address}) uses apiVersion {api_version}, which current fleet hubs "
                                 f"no longer serve",
                       at=("apiVersion", "body"),
                       hint="use apiVersion placement.kubernetes-fleet.io/v1 (the API group was renamed)")
