"""Access (FIAC1xx): the permissions an operator needs to build a fleet and join its members."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from analyzer.graph.access import (
    MemberCluster,
    Missing,
    Operator,
    contains,
    coverage,
    grants_of,
    member_cluster,
    missing_actions,
    operators,
    roles_held,
    short_action,
    target_of,
    target_of_value,
)
from analyzer.model import Kind, Resource
from analyzer.rules import RuleContext, rule
from analyzer.values import display

LIST_USER_CREDENTIAL = "Microsoft.ContainerService/managedClusters/listClusterUserCredential/action"


@rule("FIAC101", "member-missing-list-credential-grant", "error",
      "An operator lacks listClusterUserCredential on an AKS member's cluster, so the join fails.",
      tags=("access", "security", "membership"))
def member_missing_list_credential_grant(ctx: RuleContext) -> None:
    """
    ## What it finds

    A principal that manages a fleet's membership (an *operator*: it holds
    `Microsoft.ContainerService/fleets/members/write` at a scope containing the fleet, or it is named
    in the configuration) but holds no role granting
    `Microsoft.ContainerService/managedClusters/listClusterUserCredential/action` at a scope containing
    the cluster of an AKS member of that fleet. The finding is reported on the member's cluster
    reference and names the operator, the cluster and the grants that were considered.

    A grant whose role or scope cannot be resolved statically may cover the cluster, so it
    suppresses the finding (see `--show-unknown`).

    ## Why it matters

    Joining a cluster to a fleet calls `listClusterUserCredential` on the cluster with the caller's
    identity. Without it the member resource fails to deploy with an authorization error, after the
    fleet and the cluster were already created. The *Azure Kubernetes Service Cluster Admin Role*
    looks sufficient but grants `listClusterAdminCredential` only, not the user credential.

    ## Example

    ## Fix

    Grant the operator a role with the user credential action on the cluster (or its resource
    group): *Azure Kubernetes Service Cluster User Role*, *Azure Kubernetes Service RBAC Cluster
    Admin*, *Azure Kubernetes Service Contributor Role*, or a custom role with
    `managedClusters/listClusterUserCredential/action`.

    ## References

    - [Azure Kubernetes Fleet Manager: access to join member clusters](https://learn.microsoft.com/azure/kubernetes-fleet/concepts-fleet-rbac)
    - [Built-in roles: Containers](https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/containers)
    """
    graph = ctx.graph
    for fleet in graph.of_kind(Kind.FLEET):
        fleet_operators = operators(graph, fleet, ctx.grants, ctx.operators)
        if not fleet_operators:
            continue
        for member in graph.referrers(fleet, "fleet", kind=Kind.MEMBER):
            joined = member_cluster(graph, member)
            cluster, target = joined.resource, joined.target
            if target is None:
                ctx.unknown(member, f"cluster {display(joined.value)} cannot be placed", at=("cluster",))
                continue
            if joined.flavor != "aks":
                continue
            cluster_name = joined.name
            for operator in fleet_operators:
                principal_grants = grants_of(ctx.grants, operator.key)
                result = coverage(graph, principal_grants, LIST_USER_CREDENTIAL, target)
                if result.covered is None:
                    ctx.unknown(member, f"a grant of {display(operator.principal)} may cover {cluster_name}",
                                at=("cluster",))
                    continue
                if result.covered:
                    continue
                held = roles_held(principal_grants)
                ctx.report(
                    member,
                    f"operator `{display(operator.principal)}` ({operator.reason}) lacks "
                    f"listClusterUserCredential on cluster `{cluster_name}`; joining member "
                    f"`{member.address}` to fleet `{fleet.address}` will fail (its roles: {held})",
                    at=("cluster",),
                    hint="assign 'Azure Kubernetes Service Cluster User Role' (or a role with "
                         "managedClusters/listClusterUserCredential/action) to the operator on the cluster "
                         "or its resource group; 'Cluster Admin Role' does not include it",
                    related=(fleet.address, *([cluster.address] if cluster else [])),
                )


FLEET_ACTIONS = tuple(f"Microsoft.ContainerService/fleets/{a}" for a in ("read", "write", "members/read", "members/write"))
CLUSTER_ACTIONS = ("Microsoft.ContainerService/managedClusters/read", "Microsoft.ContainerService/managedClusters/write")
MEMBERSHIP_ACTIONS = ("Microsoft.ContainerService/fleetMemberships/read",
                      "Microsoft.ContainerService/fleetMemberships/write")
ARC_ACTIONS = ("Microsoft.Kubernetes/connectedClusters/read", "Microsoft.KubernetesConfiguration/extensions/read",
               "Microsoft.KubernetesConfiguration/extensions/write", "Microsoft.KubernetesConfiguration/extensions/delete")
JOIN_ACTIONS = {"aks": (*CLUSTER_ACTIONS, LIST_USER_CREDENTIAL), "arc": ARC_ACTIONS}
SUBNET_JOIN = "Microsoft.Network/virtualNetworks/subnets/join/action"


@dataclass(frozen=True, slots=True)
class _Join:
    """One member of a fleet that has operators, with its cluster placed."""

    fleet: Resource
    operators: list[Operator]
    member: Resource
    cluster: MemberCluster


def _joins(ctx: RuleContext, flavors: tuple[str, ...]) -> Iterator[_Join]:
    """Members (of fleets with operators) whose cluster is of one of ``flavors``."""
    graph = ctx.graph
    for fleet in graph.of_kind(Kind.FLEET):
        fleet_operators = operators(graph, fleet, ctx.grants, ctx.operators)
        if not fleet_operators:
            continue
        for member in graph.referrers(fleet, "fleet", kind=Kind.MEMBER):
            joined = member_cluster(graph, member)
            if joined.target is None:
                ctx.unknown(member, f"cluster {display(joined.value)} cannot be placed", at=("cluster",))
                continue
            if joined.flavor in flavors:
                yield _Join(fleet, fleet_operators, member, joined)


def _actions(actions: tuple[str, ...]) -> str:
    return ", ".join(short_action(a) for a in actions)


def _report_missing(ctx: RuleContext, resource: Resource, operator: Operator, missing: Missing, on: str,
                    consequence: str, hint: str, at: tuple[str, ...], related: tuple[str, ...]) -> None:
    if missing.undecided:
        ctx.unknown(resource, f"a grant of {display(operator.principal)} may cover {_actions(missing.undecided)} "
                              f"on {on}", at=at)
    if missing.missing:
        held = roles_held(grants_of(ctx.grants, operator.key))
        ctx.report(resource, f"operator `{display(operator.principal)}` ({operator.reason}) lacks "
                             f"{_actions(missing.missing)} on {on}; {consequence} (its roles: {held})",
                   at=at, hint=hint, related=related)


@rule("FIAC102", "operator-missing-join-permission", "error",
      "An operator lacks an action the join needs on the fleet or on an AKS member's cluster.",
      tags=("access", "security", "membership"))
def operator_missing_join_permission(ctx: RuleContext) -> None:
    """
    ## What it finds

    An operator of a fleet (see FIAC101) without one of the other actions that joining members
    needs:

    - on the fleet: `Microsoft.ContainerService/fleets/read`, `fleets/write`, `fleets/members/read`,
      `fleets/members/write` (reported on the fleet);
    - on the cluster of each AKS member: `Microsoft.ContainerService/managedClusters/read` and
      `managedClusters/write`, and `Microsoft.ContainerService/fleetMemberships/read` and `write` at a
      scope containing the cluster **or** the fleet (reported on the member's cluster reference).

    There is one finding per operator and resource, listing every missing action. An action counts
    as held when a grant of the operator covers it at a scope containing the resource; a grant whose
    role or scope cannot be resolved may hold it and suppresses the finding for that action. Reading
    chosen: the `fleetMemberships` actions are checked for AKS members only (Arc members are
    FIAC103's), and either scope - cluster or fleet - is enough, so fewer joins are reported.
    `listClusterUserCredential` is FIAC101's.

    ## Why it matters

    Azure checks every one of these actions while it creates the member: the fleet must be read and
    written, the cluster read and written (the member agent is installed on it), and the
    `fleetMemberships` extension resource created. A role that covers only the fleet, such as *Azure
    Kubernetes Fleet Manager Contributor Role*, lets the fleet deploy and the join fail afterwards.

    ## Example

    ## Fix

    Grant a role that covers the fleet and the member clusters with all these actions, e.g.
    *Contributor* on their resource group, or a custom role listing them.

    ## References

    - [Azure Kubernetes Fleet Manager: access to join member clusters](https://learn.microsoft.com/azure/kubernetes-fleet/concepts-fleet-rbac)
    - [Azure permissions: Containers](https://learn.microsoft.com/azure/role-based-access-control/permissions/containers)
    """
    graph = ctx.graph
    for fleet in graph.of_kind(Kind.FLEET):
        fleet_target = target_of(graph, fleet)
        for operator in operators(graph, fleet, ctx.grants, ctx.operators):
            result = missing_actions(graph, grants_of(ctx.grants, operator.key), FLEET_ACTIONS, fleet_target)
            _report_missing(ctx, fleet, operator, result, f"fleet `{fleet.address}`",
                            "it cannot create the fleet's members",
                            "assign 'Azure Kubernetes Fleet Manager Contributor Role' (or a role with these "
                            "fleets/* actions) to the operator on the fleet or its resource group", (), ())
    for join in _joins(ctx, ("aks",)):
        fleet_target = target_of(graph, join.fleet)
        assert join.cluster.target is not None
        for operator in join.operators:
            principal_grants = grants_of(ctx.grants, operator.key)
            on_cluster = missing_actions(graph, principal_grants, CLUSTER_ACTIONS, join.cluster.target)
            memberships = missing_actions(graph, principal_grants, MEMBERSHIP_ACTIONS, join.cluster.target,
                                          fleet_target)
            merged = Missing(on_cluster.missing + memberships.missing, on_cluster.undecided + memberships.undecided)
            _report_missing(
                ctx, join.member, operator, merged, f"cluster `{join.cluster.name}`",
                f"joining member `{join.member.address}` to fleet `{join.fleet.address}` will fail",
                "grant the operator managedClusters/read and write on the cluster and fleetMemberships/read "
                "and write on the cluster or the fleet (e.g. 'Contributor' on their resource group)",
                ("cluster",), (join.fleet.address, *([join.cluster.resource.address] if join.cluster.resource else [])))


@rule("FIAC103", "arc-member-missing-extension-permission", "error",
      "An operator lacks connectedClusters/read or the extension actions on an Arc member's cluster.",
      tags=("access", "security", "membership", "arc"))
def arc_member_missing_extension_permission(ctx: RuleContext) -> None:
    """
    ## What it finds

    An operator of a fleet (see FIAC101) without `Microsoft.Kubernetes/connectedClusters/read`,
    `Microsoft.KubernetesConfiguration/extensions/read`, `extensions/write` or `extensions/delete`
    at a scope containing the cluster of an Arc member of that fleet: a member whose cluster is a
    `Microsoft.Kubernetes/connectedClusters` resource, `existing` declaration, data source or literal
    ID. One finding per operator and member lists every missing action. A grant whose role or scope
    cannot be resolved may hold the actions and suppresses the finding.

    ## Why it matters

    Joining an Arc-enabled cluster installs the Fleet member agent as a cluster extension, with the
    caller's identity. Without the extension actions the member fails to deploy. *Kubernetes
    Extension Contributor* alone lacks `connectedClusters/read`.

    ## Example

    ## Fix

    Grant *Kubernetes Extension Contributor* and read access (e.g. *Reader*) on the Arc cluster or its
    resource group, or a role with all four actions.

    ## References

    - [Add Arc-enabled Kubernetes clusters to a fleet](https://learn.microsoft.com/azure/kubernetes-fleet/howto-join-arc-member)
    - [Azure permissions: Hybrid + multicloud](https://learn.microsoft.com/azure/role-based-access-control/permissions/hybrid-multicloud)
    """
    graph = ctx.graph
    for join in _joins(ctx, ("arc",)):
        assert join.cluster.target is not None
        for operator in join.operators:
            result = missing_actions(graph, grants_of(ctx.grants, operator.key), ARC_ACTIONS, join.cluster.target)
            _report_missing(
                ctx, join.member, operator, result, f"Arc cluster `{join.cluster.name}`",
                f"joining member `{join.member.address}` to fleet `{join.fleet.address}` will fail",
                "assign 'Kubernetes Extension Contributor' and a role with connectedClusters/read (e.g. "
                "'Reader') to the operator on the Arc cluster or its resource group",
                ("cluster",), (join.fleet.address, *([join.cluster.resource.address] if join.cluster.resource else [])))


@rule("FIAC104", "join-grant-at-resource-scope", "note",
      "An operator's join permissions on member clusters are granted cluster by cluster, not on their resource group.",
      tags=("access", "membership"))
def join_grant_at_resource_scope(ctx: RuleContext) -> None:
    """
    ## What it finds

    A role assignment of a fleet operator (see FIAC101) whose scope is one member cluster, and which
    gives the operator a join action on that cluster (`managedClusters/read`, `write`,
    `listClusterUserCredential/action`; for Arc members the FIAC103 actions) that no grant of the
    operator at the cluster's resource group or above gives. The finding is on the role assignment's
    scope. When a grant whose role or scope cannot be resolved may already give the action at a
    broader scope, nothing is reported.

    ## Why it matters

    Member discovery enumerates the clusters of a resource group, so an operator with rights on
    single clusters cannot list the others in the portal or CLI, and every new cluster needs one more
    role assignment before it can join: a cluster added without one fails to join. One grant on the
    resource group that holds the member clusters covers them all.

    ## Example

    ## Fix

    Grant the role on the resource group of the member clusters instead.

    ## References

    - [Azure Kubernetes Fleet Manager: access to join member clusters](https://learn.microsoft.com/azure/kubernetes-fleet/concepts-fleet-rbac)
    - [Understand scope for Azure RBAC](https://learn.microsoft.com/azure/role-based-access-control/scope-overview)
    """
    graph = ctx.graph
    seen: set[tuple[str, str]] = set()
    for join in _joins(ctx, ("aks", "arc")):
        target = join.cluster.target
        assert target is not None and join.cluster.flavor is not None
        actions = JOIN_ACTIONS[join.cluster.flavor]
        for operator in join.operators:
            principal_grants = grants_of(ctx.grants, operator.key)
            per_cluster = [g for g in principal_grants
                           if g.role is not None and g.scope is not None and g.scope.level == "resource"
                           and any(g.role.permits(a) for a in actions) and contains(graph, g.scope, target) is True]
            broader = [g for g in principal_grants if g.scope is None or g.scope.level != "resource"]
            for grant in per_cluster:
                if (grant.assignment.key, operator.key) in seen:
                    continue
                assert grant.role is not None
                granted = tuple(a for a in actions if grant.role.permits(a))
                elsewhere = missing_actions(graph, broader, granted, target)
                if elsewhere.undecided:
                    ctx.unknown(grant.assignment, f"a broader grant of {display(operator.principal)} may cover "
                                                  f"{join.cluster.name}", at=("scope",))
                    continue
                if not elsewhere.missing:
                    continue
                seen.add((grant.assignment.key, operator.key))
                ctx.report(
                    grant.assignment,
                    f"operator `{display(operator.principal)}` gets {_actions(elsewhere.missing)} on cluster "
                    f"`{join.cluster.name}` (member `{join.member.address}` of fleet `{join.fleet.address}`) from "
                    f"{grant.describe()}, scoped to that one cluster; every new member cluster will need its "
                    f"own grant",
                    at=("scope",),
                    hint="assign the role on the resource group that holds the member clusters",
                    related=(join.member.address, join.fleet.address),
                )


@rule("FIAC105", "private-hub-subnet-missing-network-contributor", "error",
      "A hub fleet's agent subnet has no grant of subnets/join/action (Network Contributor).",
      tags=("access", "hub", "network"))
def private_hub_subnet_missing_network_contributor(ctx: RuleContext) -> None:
    """
    ## What it finds

    A hub fleet whose `hubProfile.agentProfile.subnetId` is set (a subnet of your own for the hub's
    agent nodes, as private hubs use) when no role assignment in the scanned code grants
    `Microsoft.Network/virtualNetworks/subnets/join/action` - *Network Contributor* or broader - at a
    scope containing that subnet: the subnet, its virtual network, its resource group or above. The
    grant is meant for the *Azure Kubernetes Service - Fleet RP* service principal, whose object ID
    differs per tenant, so any principal's grant counts (the reading with fewer false positives). A
    grant whose role or scope cannot be resolved, and a subnet that cannot be placed, suppress the
    finding.

    ## Why it matters

    The Fleet resource provider creates the hub's nodes in your subnet with its own identity. The
    Azure CLI grants it Network Contributor on the subnet before creating the fleet; Terraform and
    Bicep do not, so the deployment fails with an authorization error on the subnet.

    ## Example

    ## Fix

    Grant *Network Contributor* on the subnet (or its virtual network) to the Fleet RP service
    principal, in the same deployment, before the fleet.

    ## References

    - [Create a private hub fleet with your own virtual network](https://learn.microsoft.com/azure/kubernetes-fleet/quickstart-create-fleet-and-members#private-hub-cluster)
    - [Built-in roles: Networking](https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/networking)
    """
    graph = ctx.graph
    for fleet in graph.of_kind(Kind.FLEET):
        subnet = fleet.props.hub_agent_subnet
        if fleet.existing or subnet is None:
            continue
        target = target_of_value(graph, subnet)
        if target is None:
            ctx.unknown(fleet, f"agent subnet {display(subnet)} cannot be placed", at=("hub_agent_subnet",))
            continue
        result = coverage(graph, ctx.grants, SUBNET_JOIN, target)
        if result.covered is None:
            ctx.unknown(fleet, f"a grant may cover subnets/join/action on {display(subnet)}", at=("hub_agent_subnet",))
            continue
        if result.covered:
            continue
        resolved = graph.resolve(subnet)
        name = resolved.address if resolved is not None else display(subnet)
        ctx.report(
            fleet,
            f"hub fleet `{fleet.address}` places its agent nodes in subnet `{name}`, but no role assignment grants "
            f"subnets/join/action there; the Fleet RP service principal needs Network Contributor on it or "
            f"the fleet deployment fails",
            at=("hub_agent_subnet",),
            hint="assign 'Network Contributor' on the subnet or its virtual network to the 'Azure Kubernetes "
                 "Service - Fleet RP' service principal",
            related=(*([resolved.address] if resolved is not None else []),),
        )
