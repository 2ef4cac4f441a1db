"""Who may do what where: role assignments read from the graph as grants of roles at scopes.

Every question here has three answers: True, False, or None (cannot be told statically). The
access rules fire only on False; None means a grant *may* cover the case, which suppresses a
"missing grant" finding rather than causing one (policies.md, "Unknown values").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from analyzer.graph import FleetGraph, same_value
from analyzer.knowledge import arm_ids
from analyzer.knowledge.roles import MEMBERS_WRITE, Role, builtin_roles
from analyzer.model import (
    ClusterProps,
    Kind,
    Member,
    Resource,
    RoleAssignment,
    RoleDefinitionProps,
    SubnetProps,
    SubscriptionProps,
)
from analyzer.values import ResourceRef, display, identity_text, is_known

VIRTUAL_NETWORKS = "Microsoft.Network/virtualNetworks"
CLUSTER_FLAVORS = {"microsoft.containerservice/managedclusters": "aks", "microsoft.kubernetes/connectedclusters": "arc"}


@dataclass(frozen=True, slots=True)
class Target:
    """Where a resource lives, for scope containment: a declared resource, or one named by an ARM ID."""

    subscription: Any
    resource_group: Any
    arm_type: str | None
    name: Any
    key: str | None = None
    within: tuple[tuple[str, Any], ...] = ()
    """The resources it is nested in, as (ARM type, name) pairs: a subnet's VNet. Empty when not known."""


def target_of(graph: FleetGraph, resource: Resource) -> Target:
    group = resource.resource_group
    subscription = resource.subscription
    if group is None:
        # Child resources (fleet members) live in their parent's resource group.
        for ancestor in graph.ancestors(resource):
            if ancestor.resource_group is not None:
                group, subscription = ancestor.resource_group, ancestor.subscription
                break
    within: tuple[tuple[str, Any], ...] = ()
    network = resource.props.virtual_network if isinstance(resource.props, SubnetProps) else None
    if network is not None:
        within = ((VIRTUAL_NETWORKS, network),)
    return Target(subscription, group, resource.arm_type, resource.name, resource.key, within)


def target_of_value(graph: FleetGraph, value: Any) -> Target | None:
    """A cluster or fleet named by a reference or an ARM ID literal; None when it cannot be placed."""
    resource = graph.resolve(value)
    if resource is not None:
        return target_of(graph, resource)
    if isinstance(value, str):
        parsed = arm_ids.parse_arm_id(value)
        if parsed is not None and parsed.type is not None:
            namespace, *types = parsed.type.split("/")
            within = tuple(("/".join([namespace, *types[:i + 1]]), parsed.names[i])
                           for i in range(len(parsed.names) - 1))
            return Target(parsed.subscription, parsed.resource_group, parsed.type, parsed.name, within=within)
    return None


@dataclass(frozen=True, slots=True)
class Scope:
    level: str  # management_group, subscription, resource_group, resource
    subscription: Any = None
    resource_group: Any = None
    resource: Resource | None = None
    arm_type: str | None = None
    name: Any = None


@dataclass(frozen=True, slots=True)
class Grant:
    """A role assignment, resolved as far as the code allows."""

    assignment: RoleAssignment
    principal: Any
    role: Role | None
    """None: the role cannot be resolved (unknown value, or a custom role outside the scan)."""
    scope: Scope | None
    """None: the scope cannot be resolved."""

    @property
    def principal_key(self) -> str | None:
        return identity_text(self.principal)

    def describe(self) -> str:
        role = self.role.name if self.role else display(self.assignment.props.role)
        return f"{role} ({self.assignment.address})"


def resolve_role(graph: FleetGraph, assignment: RoleAssignment) -> Role | None:
    value = assignment.props.role
    by_name, by_guid = builtin_roles()
    if isinstance(value, ResourceRef):
        definition = graph.resolve(value)
        return _custom_role(definition.props, definition.address) \
            if definition is not None and isinstance(definition.props, RoleDefinitionProps) else None
    if not isinstance(value, str):
        return None
    if assignment.props.role_by == "name" or arm_ids.role_guid(value) is None:
        role = by_name.get(value.strip().lower())
        if role is not None:
            return role
        custom = [r for r in graph.of_kind(Kind.ROLE_DEFINITION) if same_value(r.props.role_name, value)]
        return _custom_role(custom[0].props, custom[0].address) if len(custom) == 1 else None
    guid = arm_ids.role_guid(value)
    if guid in by_guid:
        return by_guid[guid]
    custom = [r for r in graph.of_kind(Kind.ROLE_DEFINITION) if arm_ids.role_guid(r.props.role_id) == guid
              or arm_ids.role_guid(r.name) == guid]
    return _custom_role(custom[0].props, custom[0].address) if len(custom) == 1 else None


def _custom_role(definition: RoleDefinitionProps, address: str) -> Role | None:
    actions = definition.actions
    not_actions = definition.not_actions if definition.not_actions is not None else []
    if not isinstance(actions, list) or not isinstance(not_actions, list):
        return None
    if not (is_known(actions) and is_known(not_actions)):
        return None
    if not all(isinstance(a, str) for a in [*actions, *not_actions]):
        return None
    name = definition.role_name
    return Role(name if isinstance(name, str) else address, tuple(actions), tuple(not_actions))


def resolve_scope(graph: FleetGraph, assignment: RoleAssignment) -> Scope | None:
    value = assignment.props.scope
    if value is None:
        level = assignment.props.target_scope
        if level == "resourceGroup":
            return Scope("resource_group", assignment.subscription, assignment.resource_group)
        if level == "subscription":
            return Scope("subscription", assignment.subscription)
        if level in ("managementGroup", "tenant"):
            return Scope("management_group")
        return None
    resource = graph.resolve(value)
    if resource is not None:
        if resource.kind == Kind.RESOURCE_GROUP:
            return Scope("resource_group", resource.subscription, resource.name)
        if isinstance(resource.props, SubscriptionProps):
            return Scope("subscription", resource.props.subscription_id)
        return Scope("resource", resource=resource)
    if isinstance(value, str):
        parsed = arm_ids.parse_arm_id(value)
        if parsed is None:
            return None
        if parsed.level in ("management_group", "tenant"):
            return Scope("management_group")
        if parsed.level == "subscription":
            return Scope("subscription", parsed.subscription)
        if parsed.level == "resource_group":
            return Scope("resource_group", parsed.subscription, parsed.resource_group)
        return Scope("resource", parsed.subscription, parsed.resource_group, arm_type=parsed.type,
                     name=parsed.name)
    return None


def _all(*answers: bool | None) -> bool | None:
    if any(a is False for a in answers):
        return False
    if all(a is True for a in answers):
        return True
    return None


def contains(graph: FleetGraph, scope: Scope, target: Target) -> bool | None:
    """Whether a grant at ``scope`` covers ``target``."""
    if scope.level == "management_group":
        # The management-group hierarchy is not in the code: a grant there may cover anything, and
        # treating it as covering can only suppress findings, never cause one.
        return True
    subscription = same_value(scope.subscription, target.subscription)
    if scope.level == "subscription":
        return subscription
    if scope.level == "resource_group":
        return _all(subscription, same_value(scope.resource_group, target.resource_group))
    named = scope.resource
    if named is not None:
        if target.key is not None and (named.key == target.key or any(
                a.key == named.key for a in graph.ancestors(graph.resource(target.key)))):
            return True
        # Two declarations can still name one Azure resource (an `existing` reference that found no
        # declared twin, a cluster declared in another root module): compare what ARM compares.
        arm_type, name, group = named.arm_type, named.name, named.resource_group
        subscription = same_value(named.subscription, target.subscription)
    else:
        arm_type, name, group = scope.arm_type, scope.name, scope.resource_group
    nested = _nested_in(arm_type, name, group, target)
    if nested is not False:
        return _all(nested, subscription)
    return _all(_same_type(arm_type, target.arm_type), same_value(name, target.name),
                same_value(group, target.resource_group), subscription)


def _nested_in(scope_type: str | None, scope_name: Any, scope_group: Any, target: Target) -> bool | None:
    """Whether ``target`` is a child of the resource a scope names (a subnet of a VNet). False when the
    scope's type is not an ancestor type of the target's, or the target's known parent is another
    resource; None when the target is of a child type but its parent is not known."""
    if not scope_type or not target.arm_type or not target.arm_type.lower().startswith(scope_type.lower() + "/"):
        return False
    for parent_type, parent_name in target.within:
        if parent_type.lower() == scope_type.lower():
            return _all(same_value(scope_name, parent_name), same_value(scope_group, target.resource_group))
    return None


def _same_type(a: str | None, b: str | None) -> bool | None:
    if a is None or b is None:
        return None
    return a.lower() == b.lower()


def grants(graph: FleetGraph) -> list[Grant]:
    return [Grant(a, a.props.principal, resolve_role(graph, a), resolve_scope(graph, a))
            for a in graph.of_kind(Kind.ROLE_ASSIGNMENT)]


@dataclass(frozen=True, slots=True)
class Coverage:
    """Whether a principal holds an action on a target: None when a grant may cover it."""

    covered: bool | None


def coverage(graph: FleetGraph, principal_grants: list[Grant], action: str, target: Target) -> Coverage:
    maybe = False
    for grant in principal_grants:
        if grant.role is not None and not grant.role.permits(action):
            continue
        inside = contains(graph, grant.scope, target) if grant.scope is not None else None
        if grant.role is not None and inside is True:
            return Coverage(True)
        maybe = maybe or inside is not False
    return Coverage(None if maybe else False)


@dataclass(frozen=True, slots=True)
class Operator:
    """A principal that manages a fleet's membership."""

    key: str
    principal: Any
    reason: str
    """How it became an operator: the grant, or the configuration."""


def operators(graph: FleetGraph, fleet: Resource, all_grants: list[Grant],
              configured: tuple[str, ...] = ()) -> list[Operator]:
    """Principals holding ``fleets/members/write`` at a scope containing ``fleet``, plus the principals
    named in the configuration."""
    # Several rules ask for every fleet's operators with the same grants: the grants that can write
    # members are found once per grant list, and each fleet's answer once (a copy is returned).
    memo = graph.__dict__.get("_operators_memo")
    if memo is None or memo[0] is not all_grants or memo[1] != len(all_grants):
        writers = []
        for grant in all_grants:
            key = grant.principal_key
            if key is not None and grant.role is not None and grant.scope is not None \
                    and grant.role.permits(MEMBERS_WRITE):
                writers.append((key, grant))
        memo = graph.__dict__["_operators_memo"] = (all_grants, len(all_grants), writers, {})
    answers: dict[tuple[int, tuple[str, ...]], tuple[Resource, list[Operator]]] = memo[3]
    answer = answers.get((id(fleet), configured))
    if answer is not None and answer[0] is fleet:
        return list(answer[1])
    found: dict[str, Operator] = {}
    target = target_of(graph, fleet)
    for key, grant in memo[2]:  # writers have a scope
        if key not in found and grant.scope is not None and contains(graph, grant.scope, target) is True:
            found[key] = Operator(key, grant.principal, f"via {grant.assignment.address}")
    for text in configured:
        # An object ID is a GUID; anything else names an expression (a variable or a template parameter).
        key = identity_text(text) if arm_ids.GUID_RE.match(text.strip()) else "expr:" + text.strip()
        if key is not None and key not in found:
            found[key] = Operator(key, text, "named as an operator by --operator or the configuration")
    result = [found[k] for k in sorted(found)]
    answers[(id(fleet), configured)] = (fleet, result)
    return list(result)


def roles_held(principal_grants: list[Grant]) -> str:
    """The distinct roles a principal holds, for a message: what it has, so the reader sees what is missing."""
    names = sorted({g.role.name if g.role else display(g.assignment.props.role) for g in principal_grants})
    return ", ".join(names) or "none"


def grants_of(all_grants: list[Grant], principal_key: str) -> list[Grant]:
    return [g for g in all_grants if g.principal_key == principal_key]


@dataclass(frozen=True, slots=True)
class MemberCluster:
    """The cluster a member joins, as far as the code tells."""

    value: Any
    """The member's ``cluster`` prop as written."""
    resource: Resource | None
    """The declared cluster it names (a resource, `existing` or data source), if any."""
    target: Target | None
    """Where it lives, for scope containment; None when it cannot be placed."""
    flavor: str | None
    """``aks``, ``arc``, or None (unknown, or not a cluster type)."""

    @property
    def name(self) -> str:
        return self.resource.address if self.resource is not None else display(self.value)


def member_cluster(graph: FleetGraph, member: Member) -> MemberCluster:
    value = member.props.cluster
    resource = graph.resolve(value)
    target = target_of_value(graph, value)
    flavor: str | None = resource.props.flavor \
        if resource is not None and isinstance(resource.props, ClusterProps) else None
    if flavor is None and target is not None:
        flavor = CLUSTER_FLAVORS.get((target.arm_type or "").lower())
    return MemberCluster(value, resource, target, flavor)


@dataclass(frozen=True, slots=True)
class Missing:
    """Which of a set of actions a principal lacks on a target (``covered`` None: may hold them)."""

    missing: tuple[str, ...]
    undecided: tuple[str, ...]


def missing_actions(graph: FleetGraph, principal_grants: list[Grant], actions: tuple[str, ...],
                    *targets: Target) -> Missing:
    """The actions none of ``principal_grants`` covers on any of ``targets`` (an action is held when
    it is covered on one of them), and those that cannot be told."""
    missing: list[str] = []
    undecided: list[str] = []
    for action in actions:
        answers = [coverage(graph, principal_grants, action, t).covered for t in targets]
        if any(a is True for a in answers):
            continue
        (missing if all(a is False for a in answers) else undecided).append(action)
    return Missing(tuple(missing), tuple(undecided))


def short_action(action: str) -> str:
    """``Microsoft.ContainerService/fleets/read`` -> ``fleets/read`` (for messages)."""
    return action.split("/", 1)[1] if "/" in action else action
