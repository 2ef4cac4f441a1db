"""Access (FIAC1xx): the permissions an operator needs to build a fleet and join its members."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from fleetiac.analyzer.graph import FleetGraph
from fleetiac.analyzer.graph.access import (
    SUBNET_JOIN,
    AccessContext,
    Grant,
    MemberCluster,
    Missing,
    Operator,
    contains,
    coverage,
    may_be_user_assigned,
    member_cluster,
    missing_actions,
    roles_held,
    short_action,
    subnet_grants,
    target_of,
    target_of_value,
    user_assigned_principals,
    why_not_fleet_rp,
)
from fleetiac.analyzer.model import Fleet, Kind, Resource
from fleetiac.analyzer.rules import RuleContext, rule
from fleetiac.analyzer.values import ResourceRef, display, identity_text

LIST_USER_CREDENTIAL = "Microsoft.ContainerService/managedClusters/listClusterUserCredential/action"


@rule("FIAC101", "member-missing-list-credential-grant", "error",
      "An operator lacks listClusterUserCredential on an AKS member's cluster, so the join fails.",
      tags=("access", "security", "membership"))
def member_missing_list_credential_grant(ctx: RuleContext) -> None:
    """
    ## What it finds

    A principal that manages a fleet's membership (an *operator*: it holds
    `Microsoft.ContainerService/fleets/members/write` at a scope containing the fleet, or it is named
    with `--operator` or in the configuration's `operators`) but holds no role granting
    `Microsoft.ContainerService/managedClusters/listClusterUserCredential/action` at a scope containing
    the cluster of an AKS member of that fleet. The finding is reported on the member's cluster
    reference and names the operator, the cluster and the roles that were considered.

    The operator's grants are those of the scanned code and, when given, those exported from Azure
    with `--assignments` (`az role assignment list --all --assignee ID -o json`, and `az role
    definition list --custom-role-only true -o json` for custom roles). `--operator` takes an object
    ID, an expression of the code, `deployer` (the identity running the deployment), or
    `EXPRESSION=OBJECT_ID` to tie an export to it (`deployer=OBJECT_ID`). An exported scope contains a
    resource when every segment of its ARM ID matches the resource's; when the code does not say the
    subscription, or the scope is a management group, it may contain it.

    A grant whose role or scope cannot be resolved statically may cover the cluster, so it
    suppresses the finding (see `--show-unknown`). A principal named only with `--operator` or the
    configuration, without an export, may hold its rights outside the code: it is judged only when
    the code grants it a role at a scope containing the fleet or one of its member clusters;
    otherwise the decision is unknown.

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
    - [List Azure role assignments using Azure CLI](https://learn.microsoft.com/azure/role-based-access-control/role-assignments-list-cli)
    """
    graph = ctx.graph
    access: AccessContext = ctx.access
    for fleet in graph.of_kind(Kind.FLEET):
        fleet_operators = access.operators(fleet)
        if not fleet_operators:
            _nothing_to_check(ctx, fleet)
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
                principal_grants = access.grants_for(operator)
                result = coverage(graph, principal_grants, LIST_USER_CREDENTIAL, target)
                if result.covered is None:
                    by = f" ({result.maybe.describe()})" if result.maybe is not None else ""
                    ctx.unknown(member, f"a grant of {display(operator.principal)}{by} may cover {cluster_name}",
                                at=("cluster",))
                    continue
                if result.covered:
                    continue
                if not operator.judged:
                    _unmanaged(ctx, member, operator, fleet, ("cluster",))
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
                    subject=display(operator.principal),
                    related=(fleet.address, *([cluster.address] if cluster else [])),
                )


def _unmanaged(ctx: RuleContext, resource: Resource, operator: Operator, fleet: Resource,
               at: tuple[str, ...]) -> None:
    """A principal named only by --operator or the configuration, without an export, whose access to
    ``fleet`` the code does not manage: it may hold its rights outside the code."""
    ctx.unknown(resource, f"{display(operator.principal)} is named as an operator but the code grants it no role "
                          f"on fleet {fleet.address} or its member clusters, and no --assignments export is "
                          f"given for it", at=at)


FLEET_ACTIONS = tuple(f"Microsoft.ContainerService/fleets/{a}" for a in ("read", "write", "members/read", "members/write"))
CLUSTER_ACTIONS = ("Microsoft.ContainerService/managedClusters/read", "Microsoft.ContainerService/managedClusters/write")
MEMBERSHIP_ACTIONS = ("Microsoft.ContainerService/fleetMemberships/read",
                      "Microsoft.ContainerService/fleetMemberships/write")
ARC_ACTIONS = ("Microsoft.Kubernetes/connectedClusters/read", "Microsoft.KubernetesConfiguration/extensions/read",
               "Microsoft.KubernetesConfiguration/extensions/write", "Microsoft.KubernetesConfiguration/extensions/delete")
JOIN_ACTIONS = {"aks": (*CLUSTER_ACTIONS, LIST_USER_CREDENTIAL), "arc": ARC_ACTIONS}


@dataclass(frozen=True, slots=True)
class _Join:
    """One member of a fleet that has operators, with its cluster placed."""

    fleet: Resource
    operators: list[Operator]
    member: Resource
    cluster: MemberCluster


NO_OPERATOR_NOTICE = ("the access rules had no operator to check: the code grants no principal fleets/members/write "
                      "on a fleet with members, and none was named; name the one that deploys with "
                      "--operator deployer --assignments FILE (az role assignment list --all --assignee ID -o json)")


def _nothing_to_check(ctx: RuleContext, fleet: Resource) -> None:
    """Say once that the join checks were skipped for want of an operator, and how to name one."""
    if not ctx.operators and any(True for _ in ctx.graph.referrers(fleet, "fleet", kind=Kind.MEMBER)):
        ctx.notice(NO_OPERATOR_NOTICE)


def _joins(ctx: RuleContext, flavors: tuple[str, ...]) -> Iterator[_Join]:
    """Members (of fleets with operators) whose cluster is of one of ``flavors``."""
    graph = ctx.graph
    for fleet in graph.of_kind(Kind.FLEET):
        fleet_operators = ctx.access.operators(fleet)
        if not fleet_operators:
            _nothing_to_check(ctx, fleet)
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


def _report_missing(ctx: RuleContext, resource: Resource, fleet: Resource, operator: Operator, missing: Missing,
                    on: str, consequence: str, hint: str, at: tuple[str, ...], related: tuple[str, ...]) -> None:
    if missing.undecided:
        ctx.unknown(resource, f"a grant of {display(operator.principal)} may cover {_actions(missing.undecided)} "
                              f"on {on}", at=at)
    if missing.missing and not operator.judged:
        _unmanaged(ctx, resource, operator, fleet, at)
    elif missing.missing:
        held = roles_held(ctx.access.grants_for(operator))
        ctx.report(resource, f"operator `{display(operator.principal)}` ({operator.reason}) lacks "
                             f"{_actions(missing.missing)} on {on}; {consequence} (its roles: {held})",
                   at=at, hint=hint, related=related, subject=display(operator.principal))


@rule("FIAC102", "operator-missing-join-permission", "error",
      "An operator lacks an action the join needs on the fleet, on a member's cluster or for its fleet membership.",
      tags=("access", "security", "membership"))
def operator_missing_join_permission(ctx: RuleContext) -> None:
    """
    ## What it finds

    An operator of a fleet that has members (see FIAC101) without one of the other actions that
    joining members needs:

    - on the fleet: `Microsoft.ContainerService/fleets/read`, `fleets/write`, `fleets/members/read`,
      `fleets/members/write` (reported on the fleet);
    - on the cluster of each AKS member: `Microsoft.ContainerService/managedClusters/read` and
      `managedClusters/write`;
    - for every member, AKS or Arc: `Microsoft.ContainerService/fleetMemberships/read` and
      `fleetMemberships/write` at a scope containing the member's **cluster** (reported on the
      member's cluster reference).

    There is one finding per operator and resource, listing every missing action. An action counts
    as held when a grant of the operator, in the code or in an export given with `--assignments`,
    covers it at a scope containing the resource; a grant whose role or scope cannot be resolved may
    hold it and suppresses the finding for that action. A fleet without members gets no finding.
    `listClusterUserCredential` is FIAC101's, the Arc extension actions FIAC103's. A principal named
    only with `--operator` or the configuration, without an export, is judged only when the code
    grants it a role on the fleet or one of its member clusters: otherwise it may hold its rights
    outside the code, and the decision is unknown (`--show-unknown`).

    ## Why it matters

    Azure checks every one of these actions while it creates the member: the fleet must be read and
    written, the cluster read and written, and the fleet membership created. A fleet membership is an
    extension resource of the member cluster (the "fleet membership extension"), so its actions are
    checked on the cluster: a grant on the fleet alone does not cover them. Among the built-in roles
    only *Owner* and *Contributor* hold them; *Azure Kubernetes Fleet Manager Contributor Role*
    (`fleets/*`) and *Azure Kubernetes Service Contributor Role* (`managedClusters/*`) do not, so
    the fleet deploys and the join fails afterwards.

    ## Example

    ## Fix

    Grant a role that covers the fleet and the member clusters with all these actions, e.g.
    *Contributor* on their resource group, or a custom role listing them (`fleetMemberships/*`
    assigned on the clusters' resource group).

    ## References

    - [Azure permissions: Containers (fleet membership extension)](https://learn.microsoft.com/azure/role-based-access-control/permissions/containers)
    - [Create a fleet and join member clusters: prerequisites](https://learn.microsoft.com/azure/kubernetes-fleet/quickstart-create-fleet-and-members)
    - [List Azure role assignments using Azure CLI](https://learn.microsoft.com/azure/role-based-access-control/role-assignments-list-cli)
    """
    graph = ctx.graph
    access: AccessContext = ctx.access
    for fleet in graph.of_kind(Kind.FLEET):
        if not graph.referrers(fleet, "fleet", kind=Kind.MEMBER):
            continue  # nothing joins it
        fleet_target = target_of(graph, fleet)
        for operator in access.operators(fleet):
            result = missing_actions(graph, access.grants_for(operator), FLEET_ACTIONS, fleet_target)
            _report_missing(ctx, fleet, fleet, operator, result, f"fleet `{fleet.address}`",
                            "it cannot create the fleet's members",
                            "assign 'Azure Kubernetes Fleet Manager Contributor Role' (or a role with these "
                            "fleets/* actions) to the operator on the fleet or its resource group", (), ())
    for join in _joins(ctx, ("aks", "arc")):
        assert join.cluster.target is not None
        for operator in join.operators:
            principal_grants = access.grants_for(operator)
            wanted = (*CLUSTER_ACTIONS, *MEMBERSHIP_ACTIONS) if join.cluster.flavor == "aks" else MEMBERSHIP_ACTIONS
            merged = missing_actions(graph, principal_grants, wanted, join.cluster.target)
            kind = "cluster" if join.cluster.flavor == "aks" else "Arc cluster"
            _report_missing(
                ctx, join.member, join.fleet, operator, merged, f"{kind} `{join.cluster.name}`",
                f"joining member `{join.member.address}` to fleet `{join.fleet.address}` will fail",
                "grant the operator fleetMemberships/read and write (and, for an AKS cluster, managedClusters/"
                "read and write) at a scope containing the cluster, e.g. 'Contributor' on its resource group; a "
                "grant on the fleet does not cover the fleet membership",
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
    ID. One finding per operator and member lists every missing action. Grants exported with
    `--assignments` count as in FIAC101, and so does the rule for principals whose access is not
    managed in the code. A grant whose role or scope cannot be resolved may hold the actions and
    suppresses the finding.

    ## Why it matters

    Joining an Arc-enabled cluster installs the Fleet member agent as a cluster extension, with the
    caller's identity. Without the extension actions the member fails to deploy. *Kubernetes
    Extension Contributor* alone lacks `connectedClusters/read`, and so does the *Azure Arc Enabled
    Kubernetes Cluster User Role*, whose actions are `listClusterUserCredential(s)` and read access to
    subscriptions and resource groups only.

    ## Example

    ## Fix

    Grant *Kubernetes Extension Contributor* and read access (e.g. *Reader*) on the Arc cluster or its
    resource group, or a role with all four actions.

    ## References

    - [Add Arc-enabled Kubernetes clusters to a fleet](https://learn.microsoft.com/azure/kubernetes-fleet/howto-join-arc-member)
    - [Azure permissions: Hybrid + multicloud](https://learn.microsoft.com/azure/role-based-access-control/permissions/hybrid-multicloud)
    - [Built-in roles: Containers](https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/containers)
    """
    graph = ctx.graph
    for join in _joins(ctx, ("arc",)):
        assert join.cluster.target is not None
        for operator in join.operators:
            result = missing_actions(graph, ctx.access.grants_for(operator), ARC_ACTIONS, join.cluster.target)
            _report_missing(
                ctx, join.member, join.fleet, operator, result, f"Arc cluster `{join.cluster.name}`",
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

    Grants exported with `--assignments` count as broader grants (they can only silence the note).

    ## Why it matters

    Every new member cluster then needs one more role assignment before it can join, and a cluster
    added without one fails to join. Azure RBAC grants at a scope cover everything below it, so one
    grant on the resource group that holds the member clusters covers them all, including the ones
    added later.

    ## Example

    ## Fix

    Grant the role on the resource group of the member clusters instead.

    ## References

    - [Azure Kubernetes Fleet Manager: access control](https://learn.microsoft.com/azure/kubernetes-fleet/concepts-rbac)
    - [Understand scope for Azure RBAC](https://learn.microsoft.com/azure/role-based-access-control/scope-overview)
    """
    graph = ctx.graph
    seen: set[tuple[str, str]] = set()
    for join in _joins(ctx, ("aks", "arc")):
        target = join.cluster.target
        assert target is not None and join.cluster.flavor is not None
        actions = JOIN_ACTIONS[join.cluster.flavor]
        for operator in join.operators:
            principal_grants = ctx.access.grants_for(operator)
            # A per-cluster grant of the code makes its principal's access managed in the code.
            per_cluster = [g for g in principal_grants
                           if isinstance(g, Grant) and g.role is not None and g.scope is not None
                           and g.scope.level == "resource" and any(g.role.permits(a) for a in actions) and contains(graph, g.scope, target) is True]
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
                    related=(join.member.address, join.fleet.address), subject=display(operator.principal),
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
    differs per tenant, so any principal's grant counts here (FIAC106 reports grants that can only
    go to other principals). A grant whose role or scope cannot be resolved, and a subnet that
    cannot be placed, suppress the finding.

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


@rule("FIAC106", "private-hub-fleet-rp-not-granted", "error",
      "A hub fleet's agent subnet is granted subnets/join/action only to principals that cannot be the Fleet RP.",
      tags=("access", "hub", "network"))
def private_hub_fleet_rp_not_granted(ctx: RuleContext) -> None:
    """
    ## What it finds

    A hub fleet whose `hubProfile.agentProfile.subnetId` is set, with grants of
    `Microsoft.Network/virtualNetworks/subnets/join/action` (*Network Contributor* or broader) at a
    scope containing that subnet - so FIAC105 is silent - where every one of those grants goes to a
    principal that cannot be the *Azure Kubernetes Service - Fleet RP* service principal: one of the
    fleet's own managed identities (a user-assigned identity in its `identity`, its system-assigned
    identity), another managed identity declared in the scan, or the deployer. The finding is on the
    fleet's agent subnet and names the grants.

    The Fleet RP's object ID differs per tenant, so a grant to a variable, a parameter, a literal
    object ID, an `azuread_service_principal` data source or any other value that may hold it
    silences the rule, and so does a grant whose role or scope cannot be resolved.

    ## Why it matters

    The Fleet resource provider creates the hub's agent nodes in your subnet with its own service
    principal, which needs Network Contributor on the subnet. `az fleet create` adds that grant;
    Terraform and Bicep must add it themselves. Granting the role to the fleet's managed identity or
    to the pipeline instead looks right in review, yet the fleet deployment fails with an
    authorization error on the subnet.

    ## Example

    ## Fix

    Grant *Network Contributor* on the agent subnet (or its virtual network) to the Fleet RP service
    principal: look it up in the tenant (`azuread_service_principal` with display name *Azure
    Kubernetes Service - Fleet RP*) or pass its object ID as a variable or parameter.

    ## References

    - [Create a fleet with a private hub: prerequisites](https://learn.microsoft.com/azure/kubernetes-fleet/quickstart-create-fleet-and-members?pivots=private-hub)
    - [Azure Kubernetes Fleet Manager: access control, private hub cluster](https://learn.microsoft.com/azure/kubernetes-fleet/concepts-rbac#private-hub-cluster)
    """
    graph = ctx.graph
    for fleet in graph.of_kind(Kind.FLEET):
        subnet = fleet.props.hub_agent_subnet
        if fleet.existing or subnet is None:
            continue
        target = target_of_value(graph, subnet)
        if target is None:
            continue  # FIAC105 records it
        held = subnet_grants(graph, ctx.grants, target)
        if not held.covering:
            continue  # FIAC105's finding, or unknown
        reasons = [(grant, why_not_fleet_rp(graph, fleet, grant.principal)) for grant in held.covering + held.maybe]
        if any(reason is None for _, reason in reasons):
            continue  # a grant may go to the Fleet RP
        resolved = graph.resolve(subnet)
        name = resolved.address if resolved is not None else display(subnet)
        holders = "; ".join(f"{reason} ({grant.assignment.address})" for grant, reason in reasons)
        ctx.report(
            fleet,
            f"hub fleet `{fleet.address}` places its agent nodes in subnet `{name}`, but subnets/join/action there "
            f"is granted only to principals that cannot be the 'Azure Kubernetes Service - Fleet RP' service "
            f"principal: {holders}; the Fleet RP needs Network Contributor on the subnet or the fleet "
            f"deployment fails",
            at=("hub_agent_subnet",),
            hint="assign 'Network Contributor' on the subnet or its virtual network to the 'Azure Kubernetes "
                 "Service - Fleet RP' service principal (its object ID differs per tenant: look it up with an "
                 "azuread_service_principal data source or pass it as a variable or parameter)",
            related=(*([resolved.address] if resolved is not None else []),
                     *(grant.assignment.address for grant, _ in reasons)),
        )


@rule("FIAC107", "hub-identity-missing-subnet-grant", "error",
      "A VNet-integrated hub fleet's user-assigned identities hold no subnets/join/action on its subnets.",
      tags=("access", "hub", "network"))
def hub_identity_missing_subnet_grant(ctx: RuleContext) -> None:
    """
    ## What it finds

    A hub fleet with `hubProfile.apiServerAccessProfile.enableVnetIntegration` true and an API-server
    subnet (`apiServerAccessProfile.subnetId`), whose `identity` includes user-assigned identities,
    when none of those identities holds `Microsoft.Network/virtualNetworks/subnets/join/action`
    (*Network Contributor* or broader) at a scope containing the API-server subnet, or the agent
    subnet (`agentProfile.subnetId`) when it is set. One finding per subnet, on the fleet's subnet
    reference.

    A grant whose role or scope cannot be resolved, or whose principal may be one of those
    identities (a variable, a parameter, an unknown value), silences the finding; so does a
    user-assigned identity that cannot be resolved to one declared in the scan.

    ## Why it matters

    With API server VNet integration the hub's control plane runs in your API-server subnet, and
    the fleet's identity places it there: the Fleet Terraform quickstart marks Network Contributor
    for the fleet's user-assigned identity on the API-server subnet and on the agent subnet as
    required, and for AKS "lack of permissions at the API server subnet can cause a provisioning
    failure".

    ## Example

    ## Fix

    Assign *Network Contributor* on each subnet (or their virtual network) to the fleet's
    user-assigned identity, in the same deployment and before the fleet.

    ## References

    - [Create a fleet with Terraform (private hub)](https://learn.microsoft.com/azure/kubernetes-fleet/quickstart-create-fleet-resources-terraform)
    - [AKS API server VNet integration](https://learn.microsoft.com/azure/aks/api-server-vnet-integration)
    """
    graph = ctx.graph
    for fleet in graph.of_kind(Kind.FLEET):
        api_subnet = fleet.props.hub_api_server_subnet
        if fleet.existing or fleet.props.hub_vnet_integration is not True or api_subnet is None:
            continue
        ids = fleet.props.identity_ids
        if ids is None or (isinstance(ids, tuple) and not ids):
            continue
        identities, complete = user_assigned_principals(graph, fleet)
        if not identities:
            ctx.unknown(fleet, f"the user-assigned identities {display(ids)} of {fleet.address} cannot be resolved",
                        at=("identity_ids",))
            continue
        _subnet_grant(ctx, fleet, identities, complete, api_subnet, "API-server", "hub_api_server_subnet")
        agent_subnet = fleet.props.hub_agent_subnet
        if agent_subnet is not None:
            _subnet_grant(ctx, fleet, identities, complete, agent_subnet, "agent", "hub_agent_subnet")


def _subnet_grant(ctx: RuleContext, fleet: Fleet, identities: list[Resource], complete: bool, subnet: object,
                  label: str, field: str) -> None:
    graph = ctx.graph
    target = target_of_value(graph, subnet)
    if target is None:
        ctx.unknown(fleet, f"{label} subnet {display(subnet)} cannot be placed", at=(field,))
        return
    keys = {f"ref:{identity.key}.principal_id" for identity in identities}
    own = [g for g in ctx.grants if _identity_key(graph, g.principal) in keys]
    result = coverage(graph, own, SUBNET_JOIN, target)
    if result.covered is True:
        return
    others = [g for g in ctx.grants if g not in own and may_be_user_assigned(graph, g.principal, complete)]
    if result.covered is None or coverage(graph, others, SUBNET_JOIN, target).covered is not False:
        ctx.unknown(fleet, f"a grant may give the user-assigned identities of {fleet.address} subnets/join/action "
                           f"on {display(subnet)}", at=(field,))
        return
    resolved = graph.resolve(subnet)
    name = resolved.address if resolved is not None else display(subnet)
    names = ", ".join(f"`{identity.address}`" for identity in identities)
    ctx.report(
        fleet,
        f"hub fleet `{fleet.address}` integrates its API server with a subnet, but none of its user-assigned "
        f"identities ({names}) holds subnets/join/action on its {label} subnet `{name}`; the fleet identity "
        f"needs Network Contributor there or the hub's provisioning fails",
        at=(field,),
        hint=f"assign 'Network Contributor' on the {label} subnet (or its virtual network) to the fleet's "
             "user-assigned identity",
        related=(*([resolved.address] if resolved is not None else []), *(i.address for i in identities)),
        subject=label,
    )


def _identity_key(graph: FleetGraph, principal: object) -> str | None:
    """A principal that reads an identity's principal ID, keyed by the identity's graph node (an
    ``existing`` twin is the declared identity)."""
    if isinstance(principal, ResourceRef):
        resource = graph.resolve(ResourceRef(principal.key))
        if resource is not None:
            return f"ref:{resource.key}.{principal.attr}"
    return identity_text(principal)
