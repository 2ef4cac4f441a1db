"""Who may do what where: role assignments read from the graph as grants of roles at scopes.

Every question here has three answers: True, False, or None (cannot be told statically). The
access rules fire only on False; None means a grant *may* cover the case, which suppresses a
"missing grant" finding rather than causing one (policies.md, "Unknown values").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from fleetiac.analyzer.graph import FleetGraph, same_value
from fleetiac.analyzer.knowledge import arm_ids
from fleetiac.analyzer.knowledge.roles import MEMBERS_WRITE, ExportedAssignment, Exports, Role, builtin_roles
from fleetiac.analyzer.model import (
    ClusterProps,
    Fleet,
    Kind,
    Member,
    Resource,
    RoleAssignment,
    RoleDefinitionProps,
    SubnetProps,
    SubscriptionProps,
)
from fleetiac.analyzer.values import ResourceRef, Unknown, display, identity_text, is_known

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
    level: str  # root, management_group, subscription, resource_group, resource
    subscription: Any = None
    resource_group: Any = None
    resource: Resource | None = None
    arm_type: str | None = None
    name: Any = None
    exported: bool = False
    """From an export (``--assignments``): a management-group scope's containment is then unknown."""


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
        return scope_of_arm_id(value)
    return None


def scope_of_arm_id(text: str, exported: bool = False) -> Scope | None:
    """The scope an ARM ID names (``/`` is the root, which contains everything); None when the text
    is no ARM ID."""
    if exported and text.strip() == "/":
        return Scope("root", exported=True)
    parsed = arm_ids.parse_arm_id(text)
    if parsed is None:
        return None
    if parsed.level in ("management_group", "tenant"):
        return Scope("management_group", exported=exported)
    if parsed.level == "subscription":
        return Scope("subscription", parsed.subscription, exported=exported)
    if parsed.level == "resource_group":
        return Scope("resource_group", parsed.subscription, parsed.resource_group, exported=exported)
    return Scope("resource", parsed.subscription, parsed.resource_group, arm_type=parsed.type, name=parsed.name,
                 exported=exported)


def _all(*answers: bool | None) -> bool | None:
    if any(a is False for a in answers):
        return False
    if all(a is True for a in answers):
        return True
    return None


def contains(graph: FleetGraph, scope: Scope, target: Target) -> bool | None:
    """Whether a grant at ``scope`` covers ``target``."""
    if scope.level == "root":
        return True
    if scope.level == "management_group":
        # The management-group hierarchy is not in the code: a grant there may cover anything. In
        # the code, treating it as covering can only suppress findings, never cause one; an
        # exported one is unknown (policies.md "Access context"), which suppresses them too.
        return None if scope.exported else True
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
class ExportedGrant:
    """A role assignment exported from Azure (``--assignments``), resolved like a grant of the code."""

    assignment: ExportedAssignment
    role: Role | None
    """None: a role that is neither built in nor a custom role of an export or of the code."""
    scope: Scope | None
    """None: ``scope`` is no ARM ID."""

    def describe(self) -> str:
        role = self.role.name if self.role else self.assignment.role_name
        return f"{role} at {self.assignment.scope} (exported, {self.assignment.source})"


AnyGrant = Grant | ExportedGrant


@dataclass(frozen=True, slots=True)
class Coverage:
    """Whether a principal holds an action on a target: None when a grant may cover it."""

    covered: bool | None
    maybe: AnyGrant | None = None
    """With ``covered`` None: the first grant that may cover it."""
    by: AnyGrant | None = None
    """With ``covered`` True: the first grant that covers it."""


def coverage(graph: FleetGraph, principal_grants: Sequence[AnyGrant], action: str, target: Target) -> Coverage:
    maybe: AnyGrant | None = None
    for grant in principal_grants:
        if grant.role is not None and not grant.role.permits(action):
            continue
        inside = contains(graph, grant.scope, target) if grant.scope is not None else None
        if grant.role is not None and inside is True:
            return Coverage(True, by=grant)
        if inside is not False and maybe is None:
            maybe = grant
    return Coverage(None, maybe) if maybe is not None else Coverage(False)


# policies.md "Terms": the deployer is the principal that runs the deployment, as the code names it.
DEPLOYER_EXPRESSIONS = ("data.azurerm_client_config.current.object_id", "deployer().objectId")
DEPLOYER = "deployer"


@dataclass(frozen=True, slots=True)
class OperatorSpec:
    """A principal named with ``--operator`` or the configuration's ``operators``."""

    text: str
    """As given (``deployer=0a1b...``)."""
    keys: tuple[str, ...]
    """The principal keys (:func:`~analyzer.values.identity_text`) it names: the deployer has two."""
    object_id: str | None
    """Its object ID, lower-cased, when given (``EXPRESSION=OBJECT_ID``, or an object ID alone)."""

    @property
    def name(self) -> str:
        """How messages name it: the expression, without the object ID."""
        return self.text.rpartition("=")[0].strip() if "=" in self.text else self.text.strip()


def parse_operator(text: str) -> OperatorSpec:
    """``OBJECT_ID``, ``EXPRESSION``, ``deployer`` or ``EXPRESSION=OBJECT_ID``; ValueError otherwise."""
    expression, sep, object_id = text.strip().rpartition("=")
    if not sep:
        expression, object_id = text.strip(), ""
    expression, object_id = expression.strip(), object_id.strip()
    if sep and not arm_ids.GUID_RE.match(object_id):
        raise ValueError(f"{text!r}: the part after '=' must be an object ID (a GUID), not {object_id!r}")
    if not expression:
        raise ValueError(f"{text!r}: name a principal (an object ID, an expression, or deployer)")
    if arm_ids.GUID_RE.match(expression):
        if sep and expression.lower() != object_id.lower():
            raise ValueError(f"{text!r}: an object ID cannot be given another object ID")
        return OperatorSpec(text, (expression.lower(),), expression.lower())
    if expression.lower() == DEPLOYER:
        keys = tuple("expr:" + e for e in DEPLOYER_EXPRESSIONS)
    else:
        keys = ("expr:" + expression,)
    return OperatorSpec(text, keys, object_id.lower() or None)


@dataclass(frozen=True, slots=True)
class Operator:
    """A principal that manages a fleet's membership."""

    key: str
    principal: Any
    reason: str
    """How it became an operator: the grant, or the configuration."""
    keys: tuple[str, ...] = ()
    """Every principal key that names it (the deployer's expressions); ``(key,)`` when empty."""
    judged: bool = True
    """False for a principal named only by ``--operator`` or the configuration, without an export,
    whose access to the fleet is not managed in the code: a finding about it is then unknown."""

    @property
    def names(self) -> tuple[str, ...]:
        return self.keys or (self.key,)


@dataclass
class AccessContext:
    """The grants of the code and of the exports, and who the operators are (policies.md "Access
    context"); built once per graph and asked by every access rule."""

    graph: FleetGraph
    code: list[Grant]
    exports: Exports = field(default_factory=Exports)
    specs: tuple[OperatorSpec, ...] = ()
    object_ids: dict[str, str] = field(init=False)
    """The object ID of each principal key, where known."""
    exported: dict[str, list[ExportedGrant]] = field(init=False)
    """The exported grants each principal key holds."""
    _answers: dict[str, list[Operator]] = field(init=False, default_factory=dict)
    _code_by_principal: dict[str, list[tuple[int, Grant]]] = field(init=False, default_factory=dict)
    """The code's grants by principal key, each with its position in ``code``: built once."""
    _writers: list[Grant] = field(init=False, default_factory=list)
    """The code's grants that may make an operator (a principal, a scope, a role with members/write)."""
    _principal_of: dict[str, Any] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        for position, grant in enumerate(self.code):
            key = grant.principal_key
            if key is not None:
                self._code_by_principal.setdefault(key, []).append((position, grant))
                self._principal_of[key] = grant.principal
                if grant.role is not None and grant.scope is not None and grant.role.permits(MEMBERS_WRITE):
                    self._writers.append(grant)
        self.specs = tuple(self._as_written(spec) for spec in self.specs)
        ids: dict[str, str] = {}
        for grant in self.code:
            key = grant.principal_key
            if key is not None and arm_ids.GUID_RE.match(key):
                ids[key] = key
        for spec in self.specs:
            if spec.object_id is not None:
                for key in spec.keys:
                    ids[key] = spec.object_id
        principals = {a.principal_id for a in self.exports.assignments}
        nameless = [spec for spec in self.specs if spec.object_id is None]
        if len(principals) == 1 and len(nameless) == 1:
            # One principal's export and one operator without an object ID: the export is its.
            for key in nameless[0].keys:
                ids.setdefault(key, next(iter(principals)))
        self.object_ids = ids
        by_principal: dict[str, list[ExportedGrant]] = {}
        for assignment in self.exports.assignments:
            by_principal.setdefault(assignment.principal_id, []).append(
                ExportedGrant(assignment, self._role(assignment.role_guid),
                              scope_of_arm_id(assignment.scope, exported=True)))
        self.exported = {key: by_principal[oid] for key, oid in ids.items() if oid in by_principal}

    def _as_written(self, spec: OperatorSpec) -> OperatorSpec:
        """A spec naming a declared resource's principal ID as the code writes it
        (``azurerm_user_assigned_identity.ci.principal_id``, ``ci.properties.principalId``) names that
        reference."""
        texts: dict[str, str] = {}
        for grant in self.code:
            principal = grant.principal
            if isinstance(principal, ResourceRef) and grant.principal_key is not None:
                node = self.graph.graph.nodes.get(principal.key)
                if node is None or "resource" not in node:
                    continue
                address = node["resource"].address
                written = [f"{address}.{principal.attr}"]
                if principal.attr == "principal_id":
                    written += [f"{address}.properties.principalId", f"{address}.output.properties.principalId"]
                for text in written:
                    texts.setdefault("expr:" + text, grant.principal_key)
        keys = tuple(texts.get(key, key) for key in spec.keys)
        return spec if keys == spec.keys else OperatorSpec(spec.text, keys, spec.object_id)

    def _role(self, guid: str | None) -> Role | None:
        role = self.exports.role(guid)
        if role is not None or guid is None:
            return role
        custom = [r for r in self.graph.of_kind(Kind.ROLE_DEFINITION)
                  if arm_ids.role_guid(r.props.role_id) == guid or arm_ids.role_guid(r.name) == guid
                  or same_value(r.props.role_id, guid) or same_value(r.name, guid)]
        return _custom_role(custom[0].props, custom[0].address) if len(custom) == 1 else None

    def grants_for(self, operator: Operator) -> list[AnyGrant]:
        """The operator's grants: those of the code, then those exported for it."""
        names = operator.names
        found: list[AnyGrant] = list(self._code_grants(names))
        seen: set[int] = set()
        for key in names:
            for grant in self.exported.get(key, []):
                if id(grant) not in seen:
                    seen.add(id(grant))
                    found.append(grant)
        return found

    def _code_grants(self, keys: Iterable[str]) -> list[Grant]:
        """The code's grants held by one of ``keys``, in the code's order."""
        held = [pair for key in dict.fromkeys(keys) for pair in self._code_by_principal.get(key, ())]
        return [grant for _, grant in sorted(held, key=lambda pair: pair[0])]

    def operators(self, fleet: Resource) -> list[Operator]:
        """Principals holding ``fleets/members/write`` at a scope containing ``fleet`` (in the code or
        in an export), plus the principals named with ``--operator`` or in the configuration."""
        answer = self._answers.get(fleet.key)
        if answer is not None:
            return list(answer)
        graph = self.graph
        target = target_of(graph, fleet)
        found: dict[str, Operator] = {}
        for grant in self._writers:
            key = grant.principal_key
            if key is None or key in found or grant.scope is None:
                continue
            if contains(graph, grant.scope, target) is True:
                found[key] = Operator(key, grant.principal, f"via {grant.assignment.address}")
        principal_of = self._principal_of
        for key, exported in sorted(self.exported.items()):
            for held in exported:
                if key in found or held.role is None or held.scope is None or not held.role.permits(MEMBERS_WRITE):
                    continue
                if key in principal_of and contains(graph, held.scope, target) is True:
                    found[key] = Operator(key, principal_of[key], f"via exported {held.describe()}")
        for spec in self.specs:
            if any(key in found for key in spec.keys):
                continue
            files = sorted({g.assignment.source for key in spec.keys for g in self.exported.get(key, [])})
            judged = bool(files) or self._managed(spec.keys, fleet, target)
            reason = "named as an operator by --operator or the configuration" + \
                (f", with the assignments exported in {', '.join(files)}" if files else "")
            found[spec.keys[0]] = Operator(spec.keys[0], spec.name, reason, spec.keys, judged)
        result = [found[k] for k in sorted(found)]
        self._answers[fleet.key] = result
        return list(result)

    def _managed(self, keys: tuple[str, ...], fleet: Resource, target: Target) -> bool:
        """Whether the code grants the principal a role at a scope containing the fleet or one of its
        member clusters: its access to this fleet is managed in the code."""
        held = [g for g in self._code_grants(keys) if g.scope is not None]
        if not held:
            return False
        targets = [target]
        for member in self.graph.referrers(fleet, "fleet", kind=Kind.MEMBER):
            cluster = member_cluster(self.graph, member).target
            if cluster is not None:
                targets.append(cluster)
        return any(g.scope is not None and contains(self.graph, g.scope, t) is True for g in held for t in targets)


def roles_held(principal_grants: Sequence[AnyGrant]) -> str:
    """The distinct roles a principal holds, for a message: what it has, so the reader sees what is missing."""
    names = set()
    for g in principal_grants:
        if g.role is not None:
            names.add(g.role.name)
        elif isinstance(g, ExportedGrant):
            names.add(g.assignment.role_name)
        else:
            names.add(display(g.assignment.props.role))
    return ", ".join(sorted(names)) or "none"


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


def missing_actions(graph: FleetGraph, principal_grants: Sequence[AnyGrant], actions: tuple[str, ...],
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


# -- Hub networking: who holds the subnet grants (FIAC105-FIAC107) --------------------------------

SUBNET_JOIN = "Microsoft.Network/virtualNetworks/subnets/join/action"


@dataclass(frozen=True, slots=True)
class SubnetGrants:
    """The grants of ``subnets/join/action`` on a subnet: those that cover it, and those that may."""

    covering: list[Grant]
    maybe: list[Grant]


def subnet_grants(graph: FleetGraph, all_grants: list[Grant], target: Target) -> SubnetGrants:
    covering: list[Grant] = []
    maybe: list[Grant] = []
    for grant in all_grants:
        if grant.role is not None and not grant.role.permits(SUBNET_JOIN):
            continue
        inside = contains(graph, grant.scope, target) if grant.scope is not None else None
        if grant.role is not None and inside is True:
            covering.append(grant)
        elif inside is not False:
            maybe.append(grant)
    return SubnetGrants(covering, maybe)


def _identity_of(graph: FleetGraph, principal: Any) -> Resource | None:
    """The declared managed identity whose principal ID ``principal`` is, if any."""
    if isinstance(principal, ResourceRef) and principal.attr == "principal_id":
        resource = graph.resolve(ResourceRef(principal.key))
        if resource is not None and resource.kind == Kind.IDENTITY:
            return resource
    return None


_SYSTEM_IDENTITY = (".identity", ".output.identity", ".kubelet_identity")


def _system_identity_of(graph: FleetGraph, principal: Any) -> Resource | None:
    """The declared resource whose own (system-assigned, or kubelet) identity ``principal`` reads:
    the code's expression is that resource's ``identity`` attribute (``fleet.identity.principalId``)."""
    if not isinstance(principal, Unknown):
        return None
    for resource in graph.of_kind(Kind.FLEET) + graph.of_kind(Kind.CLUSTER):
        if not resource.existing and any(principal.text.startswith(resource.address + suffix)
                                         for suffix in _SYSTEM_IDENTITY):
            return resource
    return None


def user_assigned_principals(graph: FleetGraph, fleet: Fleet) -> tuple[list[Resource], bool]:
    """The declared user-assigned identities of ``fleet``'s ``identity``, and whether those are all of
    them (False when one cannot be resolved, or is declared elsewhere)."""
    ids = fleet.props.identity_ids
    if ids is None:
        return [], True
    if not isinstance(ids, tuple):
        return [], False
    found: list[Resource] = []
    complete = True
    for item in ids:
        resource = graph.resolve(item)
        if resource is not None and resource.kind == Kind.IDENTITY:
            found.append(resource)
            complete = complete and not resource.existing
        else:
            complete = False
    return found, complete


def why_not_fleet_rp(graph: FleetGraph, fleet: Fleet, principal: Any) -> str | None:
    """Why ``principal`` cannot be the "Azure Kubernetes Service - Fleet RP" service principal (whose
    object ID differs per tenant): it is a managed identity declared in the scan or the deployer.
    None when it may be (a variable, a parameter, a literal object ID, a data source, unknown)."""
    identity = _identity_of(graph, principal)
    if identity is not None:
        own = [r.key for r in user_assigned_principals(graph, fleet)[0]]
        return f"`{identity.address}`, " + ("the fleet's user-assigned identity" if identity.key in own
                                             else "a managed identity")
    if isinstance(principal, Unknown) and principal.text in DEPLOYER_EXPRESSIONS:
        return f"`{principal.text}`, the deployer"
    system = _system_identity_of(graph, principal)
    if system is not None:
        return f"`{principal.text}`, " + ("the fleet's system-assigned identity" if system.key == fleet.key
                                          else f"the managed identity of `{system.address}`")
    return None


def may_be_user_assigned(graph: FleetGraph, principal: Any, complete: bool) -> bool:
    """Whether a grant's principal may be the principal ID of a user-assigned identity of a fleet
    that is not among its declared ones (``complete``: the fleet's identities are all declared)."""
    if _identity_of(graph, principal) is not None or isinstance(principal, ResourceRef):
        return False
    if isinstance(principal, Unknown):
        return principal.text not in DEPLOYER_EXPRESSIONS and _system_identity_of(graph, principal) is None
    return not complete
