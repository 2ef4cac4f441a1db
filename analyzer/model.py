"""The plain data structures handed from one stage to the next.

Files -> front end (parse + evaluate, per language) -> ``FileResult`` with canonical ``Resource``s ->
graph -> policies -> ``Finding``s -> reporters.

Canonical resources
-------------------
Every front end describes what the code declares with the same :class:`Resource` shape, so a policy is
written once. A resource's ``kind`` (:class:`Kind`) names its props class (:data:`PROPS`): a frozen
dataclass per kind (:class:`FleetProps`, :class:`MemberProps`, :class:`UpdateStrategyProps` ...), whose
fields and their docs are the canonical model. A field holds a :data:`Value` (plain, an
:class:`~analyzer.values.Unknown` or a :class:`~analyzer.values.ResourceRef`; reference fields also
an ARM ID string), or a narrower type where the front ends guarantee one; ``None`` is "not written".
Stages are :class:`Stage` objects with their :class:`Group` objects; a stage list, a stage, a group
list or a group that cannot be read is an ``Unknown`` in its place.

A front end collects a resource's props as it reads the code and builds its props class once, with
:func:`props_for`, which rejects a field the kind does not have. Policies get typed resources from the
graph (``graph.of_kind(Kind.MEMBER)`` is a ``list[Member]``, so ``member.props.group`` is checked), and
narrow a resource of any kind (one a reference resolves to) with ``isinstance(r.props, ClusterProps)``
or :func:`narrow`. Where a value is written stays in :attr:`Resource.locations`, keyed by field name
and, for nested values, by path: ``resource.where("stages[0].groups[1].name")``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Generic, Literal, cast

from fleetiac.analyzer.values import Unknown


class Kind(StrEnum):
    """What a canonical resource is; its props follow the table in the module doc."""

    FLEET = "fleet"
    MEMBER = "member"
    UPDATE_STRATEGY = "update_strategy"
    UPDATE_RUN = "update_run"
    AUTO_UPGRADE_PROFILE = "auto_upgrade_profile"
    MANAGED_NAMESPACE = "managed_namespace"
    CLUSTER = "cluster"
    NODE_POOL = "node_pool"
    RESOURCE_GROUP = "resource_group"
    SUBSCRIPTION = "subscription"
    ROLE_ASSIGNMENT = "role_assignment"
    ROLE_DEFINITION = "role_definition"
    IDENTITY = "identity"
    VIRTUAL_NETWORK = "virtual_network"
    SUBNET = "subnet"
    MANIFEST = "manifest"
    EVENT_SYSTEM_TOPIC = "event_system_topic"
    EVENT_SUBSCRIPTION = "event_subscription"


Value = Any
"""An evaluated value as a front end hands it on: plain (``str``, ``int``, ``float``, ``bool``, a ``list``
or ``dict`` of values), an :class:`~analyzer.values.Unknown` (with the cause that says why), or a
:class:`~analyzer.values.ResourceRef` to a declared resource. A reference field also takes an ARM ID
string (``/subscriptions/.../fleets/f``). ``None`` means not written. Kept as ``Any``: the shape of
what the code writes is checked where it is read, with ``isinstance``."""


# The props of each kind. Every field is None when the code does not write it; unless a field says
# otherwise it holds a :data:`Value`. Where each field is written is in :attr:`Resource.locations`,
# keyed by the field's name (nested values by path: ``stages[0].groups[1].name``).
# They are plain frozen dataclasses without ``__post_init__``: the caches pickle them by their fields.


@dataclass(frozen=True, slots=True)
class Group:
    """One update group of a stage (``group { name }``, ``groups[j]``)."""

    name: Value = None
    """The group's name, compared exactly with members' ``group``."""
    max_concurrency: Value = None
    """ARM ``maxConcurrency``: a count (``"3"``) or a percentage (``"25%"``); azurerm cannot set it."""
    before_gates: Value = None
    """ARM ``beforeGates`` (a list of approval gates); azurerm cannot set it."""
    after_gates: Value = None
    """ARM ``afterGates``; azurerm cannot set it."""
    member_selector: Value = None
    """ARM ``memberSelector.byLabel`` (preview): a Kubernetes label selector string; azurerm cannot set it."""


Groups = tuple[Group | Unknown, ...] | Unknown
"""A stage's groups: each an object, or unknown (an ARM item that is not an object); the whole list
unknown for a ``dynamic "group"`` block or an ARM value that is not a list."""


@dataclass(frozen=True, slots=True)
class Stage:
    """One stage of an update strategy or of an update run's inline stages."""

    name: Value = None
    groups: Groups | None = None
    """None when the stage names no groups (azurerm: an empty tuple when it has no ``group`` block)."""
    after_wait: Value = None
    """Seconds to wait after the stage (``after_stage_wait_in_seconds``, ``afterStageWaitInSeconds``)."""
    max_concurrency: Value = None
    """ARM ``maxConcurrency`` of the stage; azurerm cannot set it."""
    before_gates: Value = None
    """ARM ``beforeGates``; azurerm cannot set it."""
    after_gates: Value = None
    """ARM ``afterGates``; azurerm cannot set it."""
    member_selector: Value = None
    """ARM ``memberSelector.byLabel`` (preview) of the stage; azurerm cannot set it."""


Stages = tuple[Stage | Unknown, ...] | Unknown
"""Stages as written: each an object, or unknown (an ARM item that is not an object); the whole list
unknown for a ``dynamic "stage"`` block or an ARM value that is not a list."""


@dataclass(frozen=True, slots=True)
class ArmProps:
    """What every resource declared as an ARM resource with ``azapi_resource`` may also say."""

    parent: Value = None
    """azapi ``parent_id``: the resource group, subscription or parent resource (ref or ARM ID)."""
    body: Value = None
    """An azapi ``body`` that is no object (unknown, or text that is not JSON): its props are not known."""
    api_version: Value = None
    """The API version the declaration names (the part after ``@`` of its type, an ARM ``apiVersion``)."""


Release = tuple[int, int, int]
"""A release version: major, minor, patch."""


@dataclass(frozen=True, slots=True)
class VersionRange:
    """The releases from ``low`` (inclusive; None: from the first) up to ``high`` (exclusive; None: no
    upper bound)."""

    low: Release | None = None
    high: Release | None = None

    def empty(self) -> bool:
        return self.low is not None and self.high is not None and self.low >= self.high


@dataclass(frozen=True, slots=True)
class VersionSet:
    """A set of release versions of a provider (a union of ranges): the one version a lock file
    records, or every version a version constraint admits."""

    ranges: tuple[VersionRange, ...] = ()

    def empty(self) -> bool:
        return all(r.empty() for r in self.ranges)

    def admits_at_least(self, version: Release) -> bool:
        """Whether some version of the set is ``version`` or later."""
        return any(not r.empty() and (r.high is None or max(r.low or version, version) < r.high)
                   for r in self.ranges)

    def within(self, low: Release, high: Release) -> bool:
        """Whether the set is not empty and every version of it is at least ``low`` and below ``high``."""
        ranges = [r for r in self.ranges if not r.empty()]
        return bool(ranges) and all(r.low is not None and r.low >= low and r.high is not None and r.high <= high
                                    for r in ranges)

    def intersect(self, other: VersionSet) -> VersionSet:
        out = []
        for a in self.ranges:
            for b in other.ranges:
                lows = [v for v in (a.low, b.low) if v is not None]
                highs = [v for v in (a.high, b.high) if v is not None]
                joined = VersionRange(max(lows) if lows else None, min(highs) if highs else None)
                if not joined.empty():
                    out.append(joined)
        return VersionSet(tuple(out))

    def single(self) -> Release | None:
        """The one version of the set (a lock file's), or None."""
        ranges = [r for r in self.ranges if not r.empty()]
        if len(ranges) == 1 and ranges[0].low is not None and ranges[0].high == (
                ranges[0].low[0], ranges[0].low[1], ranges[0].low[2] + 1):
            return ranges[0].low
        return None

    def text(self) -> str:
        """How a message shows the set (``3.94.0``, ``>= 3.0.0, < 4.0.0``)."""
        def shown(v: Release) -> str:
            return ".".join(map(str, v))

        parts = []
        for r in self.ranges:
            if r.empty():
                continue
            if r.low is not None and r.high == (r.low[0], r.low[1], r.low[2] + 1):
                parts.append(shown(r.low))
                continue
            bounds = ([f">= {shown(r.low)}"] if r.low is not None else []) + \
                ([f"< {shown(r.high)}"] if r.high is not None else [])
            parts.append(", ".join(bounds) or "any version")
        return " or ".join(parts) or "no version"


@dataclass(frozen=True, slots=True)
class FleetProps(ArmProps):
    """``azurerm_kubernetes_fleet_manager``, ``Microsoft.ContainerService/fleets``."""

    hub: bool | Unknown | None = None
    """Whether the fleet has a hub cluster: ARM ``properties.hubProfile`` present; always False for
    azurerm, which cannot ask for one; None for a data source or an ``existing`` fleet."""
    hub_settable: bool | None = None
    """Whether the declaring resource type can ask for a hub (False: azurerm)."""
    hub_profile_ignored: bool | None = None
    """True when an azurerm ``hub_profile`` block is written (the provider ignores it)."""
    identity_type: Value = None
    """ARM ``identity.type``."""
    identity_ids: Value = None
    """The user-assigned identities in ``identity`` (ARM ``userAssignedIdentities`` keys, azapi
    ``identity_ids``): a tuple of refs or ARM IDs, or unknown."""
    hub_agent_subnet: Value = None
    """``hubProfile.agentProfile.subnetId`` (ref or ARM ID)."""
    hub_vnet_integration: Value = None
    """``hubProfile.apiServerAccessProfile.enableVnetIntegration``."""
    hub_api_server_subnet: Value = None
    """``hubProfile.apiServerAccessProfile.subnetId``."""
    hub_private: Value = None
    """``hubProfile.apiServerAccessProfile.enablePrivateCluster``."""
    by_command: bool | None = None
    """True for a fleet a command creates (``az fleet create`` in a script), which no deployment unit
    deploys: the manifests beside it may target it (or another fleet), so their target is unknown
    unless the configuration names it (:mod:`analyzer.graph.deployments`)."""
    provider_versions: VersionSet | Unknown | None = None
    """For a fleet declared through the azurerm provider: the provider versions that may be in use
    (the version the deployment's lock file records, else every version its constraints admit);
    unknown when neither is written. None for other declarations."""


@dataclass(frozen=True, slots=True)
class MemberProps(ArmProps):
    """``azurerm_kubernetes_fleet_member``, ``fleets/members``."""

    fleet: Value = None
    """The fleet (ref or ARM ID; or the parent fleet's name, for a child named ``'fleet/member'``)."""
    cluster: Value = None
    """The member cluster (ref or ARM ID)."""
    group: Value = None
    """The update group."""
    labels: Value = None
    """ARM ``properties.labels`` (a dict)."""


@dataclass(frozen=True, slots=True)
class UpdateStrategyProps(ArmProps):
    """``azurerm_kubernetes_fleet_update_strategy``, ``fleets/updateStrategies``."""

    fleet: Value = None
    stages: Stages | None = None


@dataclass(frozen=True, slots=True)
class UpdateRunProps(ArmProps):
    """``azurerm_kubernetes_fleet_update_run``, ``fleets/updateRuns``."""

    fleet: Value = None
    strategy: Value = None
    """The update strategy the run follows (ref or ARM ID)."""
    stages: Stages | None = None
    """Inline stages (None: none written)."""
    upgrade_type: Value = None
    """``Full``, ``ControlPlaneOnly``, ``NodeImageOnly``."""
    kubernetes_version: Value = None
    node_image_selection: Value = None
    """``Latest``, ``Consistent``, ``Custom``."""
    custom_node_image_versions: Value = None
    """ARM ``nodeImageSelection.customNodeImageVersions`` (a list); azurerm cannot set it."""


@dataclass(frozen=True, slots=True)
class AutoUpgradeProfileProps(ArmProps):
    """``fleets/autoUpgradeProfiles`` (an ARM resource only)."""

    fleet: Value = None
    channel: Value = None
    """``Stable``, ``Rapid``, ``NodeImage``, ``TargetKubernetesVersion``."""
    strategy: Value = None
    """``updateStrategyId`` (ref or ARM ID)."""
    disabled: Value = None
    target_kubernetes_version: Value = None
    long_term_support: Value = None
    node_image_selection: Value = None


@dataclass(frozen=True, slots=True)
class ManagedNamespaceProps(ArmProps):
    """``fleets/managedNamespaces`` (an ARM resource only)."""

    fleet: Value = None


@dataclass(frozen=True, slots=True)
class ClusterProps(ArmProps):
    """An AKS cluster (``azurerm_kubernetes_cluster``, ``managedClusters``) or an Arc-enabled one
    (``azurerm_arc_kubernetes_cluster``, ``Microsoft.Kubernetes/connectedClusters``)."""

    flavor: Literal["aks", "arc"] | None = None
    """From the type alone, so an ``existing`` cluster or a data source has it too."""
    kubernetes_version: Value = None
    """Unknown for an azurerm data source: whatever Azure has now."""
    support_plan: Value = None
    """``support_plan``, ``properties.supportPlan`` (unset: ``KubernetesOfficial``)."""
    sku_tier: Value = None
    """``sku_tier``, ``sku.tier`` (unset: ``Free``)."""
    sku_name: Value = None
    """ARM ``sku.name`` (``Base``, ``Automatic``); azurerm cannot set it."""
    location: Value = None
    """The Azure region (``location``), as written."""
    auto_upgrade_channel: Value = None
    node_os_upgrade_channel: Value = None
    arc_gateway: Value = None
    """An Arc-enabled cluster's Azure Arc Gateway: True when ``properties.gateway.resourceId`` is set or
    ``properties.gateway.enabled`` is true, False when neither; None where the declaration cannot say
    (an ``existing`` cluster, a data source, a resource type without the setting)."""
    default_pool_version: Value = None
    """azurerm ``default_node_pool.orchestrator_version``."""
    ignore_changes: tuple[str, ...] | Unknown | None = None
    """``lifecycle { ignore_changes }``: the attribute paths it lists (``kubernetes_version``,
    ``default_node_pool[0].orchestrator_version``), ``("all",)`` for ``all``, ``()`` when none is
    written; unknown when it cannot be read; None where the declaring language has no lifecycle."""


@dataclass(frozen=True, slots=True)
class NodePoolProps(ArmProps):
    """``azurerm_kubernetes_cluster_node_pool``: a node pool declared apart from its cluster."""

    cluster: Value = None
    """The cluster (``kubernetes_cluster_id``: ref or ARM ID)."""
    orchestrator_version: Value = None
    ignore_changes: tuple[str, ...] | Unknown | None = None
    """As :attr:`ClusterProps.ignore_changes`."""


@dataclass(frozen=True, slots=True)
class ResourceGroupProps(ArmProps):
    """``azurerm_resource_group``, ``Microsoft.Resources/resourceGroups``: only its name, on the resource."""


@dataclass(frozen=True, slots=True)
class SubscriptionProps:
    """``data.azurerm_subscription``."""

    subscription_id: Value = None
    """The subscription ID; the azurerm provider's subscription (one unknown value) when not given."""


@dataclass(frozen=True, slots=True)
class RoleAssignmentProps(ArmProps):
    """``azurerm_role_assignment``, ``Microsoft.Authorization/roleAssignments``."""

    principal: Value = None
    """The principal's object ID (ref, GUID string or unknown)."""
    role: Value = None
    """A built-in role name, a role definition ID or GUID string, a ref to a ``role_definition``, or
    unknown."""
    principal_type: Value = None
    """ARM ``principalType`` (``ServicePrincipal``, ``User``, ``Group``)."""
    scope: Value = None
    """Ref, ARM ID or unknown; None means the deployment's target scope (:attr:`target_scope`; azapi:
    its ``parent_id``)."""
    target_scope: Literal["resourceGroup", "subscription", "managementGroup", "tenant"] | None = None
    """The target scope of the deployment file that declares it, where the language has one."""
    role_by: Literal["name", "id"] | None = None
    """azurerm only: the argument that names the role (``role_definition_name`` or ``_id``)."""


@dataclass(frozen=True, slots=True)
class RoleDefinitionProps(ArmProps):
    """``azurerm_role_definition``, ``Microsoft.Authorization/roleDefinitions``."""

    role_name: Value = None
    actions: list[Value] | Unknown | None = None
    """The actions of every permission block (items may be unknown); unknown for a ``dynamic``
    permissions block or ARM permissions that are not a list."""
    not_actions: list[Value] | None = None
    assignable_scopes: Value = None
    """ARM ``assignableScopes`` (azurerm's ``assignable_scopes`` is not read)."""
    role_id: Value = None
    """The role definition's GUID (azurerm ``role_definition_id``; ARM: the resource's name)."""
    scope: Value = None
    """azurerm only: where the definition is created."""


@dataclass(frozen=True, slots=True)
class IdentityProps(ArmProps):
    """``azurerm_user_assigned_identity``, ``userAssignedIdentities``: referred to, nothing read."""


@dataclass(frozen=True, slots=True)
class VirtualNetworkProps(ArmProps):
    """``azurerm_virtual_network``, ``Microsoft.Network/virtualNetworks``."""

    address_space: Value = None
    """Its address prefixes (``address_space``, ``properties.addressSpace.addressPrefixes``): a list."""


@dataclass(frozen=True, slots=True)
class SubnetProps(ArmProps):
    """``azurerm_subnet``, ``virtualNetworks/subnets``."""

    virtual_network: Value = None
    """Its VNet: a name (azurerm ``virtual_network_name``, the first part of an ARM ``'vnet/subnet'``
    name) or a ref (a declared ``parent``, a subnet declared inside its VNet)."""
    delegations: Value = None
    """The service names it is delegated to (``delegation { service_delegation { name } }``,
    ``properties.delegations[].properties.serviceName``): a list; None when none is written."""


@dataclass(frozen=True, slots=True)
class ManifestProps:
    """A Kubernetes object: a ``kubernetes_manifest`` resource or a YAML document."""

    api_version: Value = None
    manifest_kind: Value = None
    """The object's ``kind``."""
    namespace: Value = None
    body: Value = None
    """The whole object (a dict); where its keys are written is in ``locations`` by path relative to
    it (``spec.policy.placementType``)."""


@dataclass(frozen=True, slots=True)
class EventSystemTopicProps(ArmProps):
    """``azurerm_eventgrid_system_topic``, ``Microsoft.EventGrid/systemTopics``."""

    topic_type: Value = None
    """``topic_type`` / ``properties.topicType`` (``Microsoft.ResourceNotifications.AKSResources``)."""
    source: Value = None
    """``source_resource_id`` / ``properties.source`` (ref or ARM ID)."""


@dataclass(frozen=True, slots=True)
class EventSubscriptionProps(ArmProps):
    """``azurerm_eventgrid_system_topic_event_subscription``, ``systemTopics/eventSubscriptions``."""

    topic: Value = None
    """The system topic: a ref or ARM ID (ARM: the parent), or the topic's name (azurerm ``system_topic``,
    in the subscription's resource group)."""
    included_event_types: Value = None
    """``included_event_types`` / ``properties.filter.includedEventTypes``; None: every event type."""


@dataclass(frozen=True, slots=True)
class ScanScope:
    """Where the scanned trees are, and the manifests' configured targets: what the graph needs to
    tell which fleets a manifest can target (:mod:`analyzer.graph.deployments`)."""

    roots: tuple[str, ...] = ()
    """The scanned folders, as display paths (``""``: the report root); a folder walk never leaves one."""
    manifests: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """``[manifests]`` of the configuration: glob of manifest paths -> the addresses (or keys) of the
    fleets they target."""


FLEET_CHILD_PROPS = (MemberProps, UpdateStrategyProps, UpdateRunProps, AutoUpgradeProfileProps, ManagedNamespaceProps)
"""The props of the kinds that belong to a fleet (each has a ``fleet`` field)."""

Props = (FleetProps | MemberProps | UpdateStrategyProps | UpdateRunProps | AutoUpgradeProfileProps
         | ManagedNamespaceProps | ClusterProps | NodePoolProps | ResourceGroupProps | SubscriptionProps
         | RoleAssignmentProps | RoleDefinitionProps | IdentityProps | VirtualNetworkProps | SubnetProps
         | ManifestProps | EventSystemTopicProps | EventSubscriptionProps)
"""The props of any kind."""

PROPS: dict[Kind, type[Props]] = {
    Kind.FLEET: FleetProps,
    Kind.MEMBER: MemberProps,
    Kind.UPDATE_STRATEGY: UpdateStrategyProps,
    Kind.UPDATE_RUN: UpdateRunProps,
    Kind.AUTO_UPGRADE_PROFILE: AutoUpgradeProfileProps,
    Kind.MANAGED_NAMESPACE: ManagedNamespaceProps,
    Kind.CLUSTER: ClusterProps,
    Kind.NODE_POOL: NodePoolProps,
    Kind.RESOURCE_GROUP: ResourceGroupProps,
    Kind.SUBSCRIPTION: SubscriptionProps,
    Kind.ROLE_ASSIGNMENT: RoleAssignmentProps,
    Kind.ROLE_DEFINITION: RoleDefinitionProps,
    Kind.IDENTITY: IdentityProps,
    Kind.VIRTUAL_NETWORK: VirtualNetworkProps,
    Kind.SUBNET: SubnetProps,
    Kind.MANIFEST: ManifestProps,
    Kind.EVENT_SYSTEM_TOPIC: EventSystemTopicProps,
    Kind.EVENT_SUBSCRIPTION: EventSubscriptionProps,
}
"""The props class of each kind."""


def props_for(kind: Kind, values: Mapping[str, Any]) -> Props:
    """The props of ``kind`` from a front end's collected ``{field: value}``. A key that is no field of
    the kind is a front-end bug: it raises, so a misspelt prop fails in the tests, not silently."""
    cls = PROPS[kind]
    unknown = set(values).difference(f.name for f in fields(cls))
    if unknown:
        raise TypeError(f"{kind} props have no field {', '.join(sorted(unknown))}")
    return cls(**values)


class Level(StrEnum):
    """A finding's level; the order matters for ``--fail-on``."""

    NOTE = "note"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return {"note": 1, "warning": 2, "error": 3}[self.value]


@dataclass(frozen=True, slots=True)
class Location:
    """A span in a source file. ``path`` is POSIX, relative to the report root; lines are 1-based."""

    path: str
    line: int
    column: int = 1
    end_line: int | None = None
    end_column: int | None = None

    def sort_key(self) -> tuple[str, int, int]:
        return (self.path, self.line, self.column)


if TYPE_CHECKING:
    from typing_extensions import TypeVar

    P = TypeVar("P", bound=Props, default=Props, covariant=True)
else:  # the default exists for type checkers only: at run time a TypeVar of Python 3.11 is enough
    from typing import TypeVar

    P = TypeVar("P", covariant=True)


@dataclass(slots=True)
class Resource(Generic[P]):
    """One thing the scanned code declares, in the canonical shape: its kind, and the props of that kind.

    ``Resource`` alone is a resource of any kind (its props are :data:`Props`); ``Resource[MemberProps]``
    (:data:`Member`) one whose props are known to be a member's, as :meth:`FleetGraph.of_kind
    <analyzer.graph.FleetGraph.of_kind>` returns them."""

    key: str
    """Unique graph key, stable across runs (e.g. ``infra/fleet:azurerm_kubernetes_fleet_member.a``)."""
    address: str
    """What the user calls it: ``azurerm_kubernetes_fleet_member.a``, ``module.x.y["k"]``, ``fleetMember``."""
    kind: Kind
    source_type: str
    """The type as written: ``azurerm_kubernetes_fleet_member``, ``Microsoft.ContainerService/fleets``."""
    language: str
    """The front end's name of the file's language (:attr:`SourceFile.language`)."""
    location: Location
    """The block's (declaration's) first line."""
    props: P
    """What the code says about it: the :data:`PROPS` class of its ``kind`` (see :func:`props_for`)."""
    name: Any = None
    resource_group: Any = None
    """Name of the resource group the resource lives in (a value)."""
    subscription: Any = None
    arm_type: str | None = None
    """``Microsoft.ContainerService/fleets/members`` etc., when the resource is an ARM resource."""
    existing: bool = False
    """Declared elsewhere (an ``existing`` reference, a data source): a reference, not a declaration."""
    deployment: str | None = None
    """The folder (display path; ``""``: the report root) of the deployment unit that deploys it, when
    that unit is a folder of files deployed together (a root module); None when its file is the unit."""
    locations: dict[str, Location] = field(default_factory=dict)
    """Where each prop is written, by field name, nested values by path (``stages[0].groups[1].name``;
    a manifest's keys by their path in the object, ``spec.replicas``), and ``name`` and
    ``resource_group_name``; :meth:`where` falls back to the block."""

    param_file: str | None = None
    """The parameter file (display path) whose values the evaluation that gave this resource used: a
    template the front end evaluates once per parameter file that uses it names, on each
    evaluation's resources, that evaluation's file; None when no parameter file was used."""
    origins: dict[str, Location] = field(default_factory=dict)
    """Where the value of a prop was set, when that is another place than where the prop is written
    (:attr:`locations`): the parameter or variable file's line, the parameter's default, the local
    value or the module argument the value comes from. Keyed like :attr:`locations`; only where the front end
    knows it for certain."""

    def where(self, *keys: str) -> Location:
        """The location of the first of ``keys`` that is written, else of the block."""
        for key in keys:
            loc = self.locations.get(key)
            if loc is not None:
                return loc
        return self.location

    def origin(self, *keys: str) -> Location | None:
        """Where the value of the first of ``keys`` that is written was set, when that is elsewhere
        (see :attr:`origins`); None when it is set where it is written, or where is not known."""
        for key in keys:
            if key in self.locations:
                return self.origins.get(key)
        return None


if TYPE_CHECKING:
    T = TypeVar("T", bound=Props)
else:
    T = TypeVar("T")


def narrow(resource: Resource | None, props: type[T]) -> Resource[T] | None:
    """``resource`` typed as one whose props are ``props`` (``narrow(graph.resolve(ref), ClusterProps)``),
    or None when it is None or of another kind."""
    if resource is not None and isinstance(resource.props, props):
        return cast("Resource[T]", resource)
    return None


Fleet = Resource[FleetProps]
Member = Resource[MemberProps]
UpdateStrategy = Resource[UpdateStrategyProps]
UpdateRun = Resource[UpdateRunProps]
AutoUpgradeProfile = Resource[AutoUpgradeProfileProps]
ManagedNamespace = Resource[ManagedNamespaceProps]
Cluster = Resource[ClusterProps]
NodePool = Resource[NodePoolProps]
ResourceGroup = Resource[ResourceGroupProps]
Subscription = Resource[SubscriptionProps]
RoleAssignment = Resource[RoleAssignmentProps]
RoleDefinition = Resource[RoleDefinitionProps]
Identity = Resource[IdentityProps]
VirtualNetwork = Resource[VirtualNetworkProps]
Subnet = Resource[SubnetProps]
Manifest = Resource[ManifestProps]
EventSystemTopic = Resource[EventSystemTopicProps]
EventSubscription = Resource[EventSubscriptionProps]


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """A problem the analyzer met in a file: the input could not be read, parsed or evaluated
    (reported as FIAC901), or, with :attr:`internal`, fleetiac's own code failed on it."""

    location: Location
    message: str
    internal: bool = False
    """An exception in fleetiac's own code, not a problem of the input (see :func:`internal_error`):
    never FIAC901, never cached, never suppressed, filtered or baselined; the scan exits 2."""
    detail: str = field(default="", compare=False)
    """With :attr:`internal`: the traceback, shown only with ``--debug``."""
    unread: bool = False
    """The file itself could not be read or parsed: none of its resources were checked (the parse
    stage sets it on what a front end's ``parse`` returns; the report says so in every format)."""
    declares_fleet: bool = False
    """With :attr:`unread`: the front end found Fleet Manager resource types in the file's raw text, so
    a fleet went unchecked; such a file fails the default gate (``unreadable-fleet-files``)."""


def internal_error(location: Location, doing: str, error: BaseException) -> Diagnostic:
    """The diagnostic of an exception fleetiac's own code raised while ``doing`` something
    (``parsing infra/fleet.yaml``, ``evaluating module envs/prod``). The message names the exception
    type only: its text and the traceback may hold Python internals and absolute paths, so they go
    to :attr:`Diagnostic.detail` (``--debug``)."""
    import traceback

    message = (f"internal error while {doing} ({type(error).__name__}); please report it "
               "\u2014 run with --debug for details")
    return Diagnostic(location, message, internal=True, detail="".join(traceback.format_exception(error)))


@dataclass(slots=True)
class FileResult:
    """What a front end hands on for one file or one evaluated unit (a module, a template)."""

    resources: list[Resource] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    """What this unit could not analyse (a registry module that was not downloaded), said once in the report."""
    masks: dict[str, str] = field(default_factory=dict)
    """Texts no message may show, each with what to show instead: values read from the environment
    (``--env-vars``), replaced by the variable's name wherever they occur in the report's messages."""
    unknowns: list[tuple[Location, str]] = field(default_factory=list)
    """Input skipped because it cannot be read as the front end reads it (a script line that cannot be
    split into words): each is a FIAC902 note (``--show-unknown``) at its place, with the text."""


@dataclass(frozen=True, slots=True)
class RuleExample:
    """One documentation example of a rule: a file of ``policies/examples/<RULE_ID>/``."""

    section: str
    """``Example`` (the code fires the rule) or ``Fix`` (it does not)."""
    language: str
    """The example's language, as its fence in the rule's page is labelled."""
    filename: str
    """``example.<suffix>`` (the code fires the rule) or ``fix.<suffix>``."""
    code: str
    """The code as users see it (without the ``expect`` markers)."""
    source: str = ""
    """The file as written, with the markers (:mod:`analyzer.markers`)."""


class LazyExamples(Sequence[RuleExample]):
    """A rule's examples, read from their files (and checked) when first used: a scan needs none of
    them, and reading every rule's files at registration was a fifth of a warm rescan's time. Equal
    to (and hashed as) the tuple of its examples; it pickles as its loader, not as the examples."""

    __slots__ = ("_items", "_load")

    def __init__(self, load: Callable[[], tuple[RuleExample, ...]]) -> None:
        self._load = load
        self._items: tuple[RuleExample, ...] | None = None

    def loaded(self) -> tuple[RuleExample, ...]:
        """The examples (read now the first time; an error, such as a rule's missing example, is
        raised on every use until the files are right)."""
        if self._items is None:
            self._items = tuple(self._load())
        return self._items

    def __getitem__(self, index: Any) -> Any:
        return self.loaded()[index]

    def __len__(self) -> int:
        return len(self.loaded())

    def __iter__(self) -> Iterator[RuleExample]:
        return iter(self.loaded())

    def __contains__(self, item: object) -> bool:
        return item in self.loaded()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LazyExamples):
            return self.loaded() == other.loaded()
        if isinstance(other, tuple):
            return self.loaded() == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.loaded())

    def __repr__(self) -> str:
        return repr(self._items) if self._items is not None else "LazyExamples(<not read yet>)"

    def __reduce__(self) -> tuple[Any, ...]:
        return LazyExamples, (self._load,)


EXAMPLES_PLACEHOLDER = "<!-- examples -->"
"""A line of a doc's ``## Example`` or ``## Fix`` section where that section's examples go (when
prose follows them); without it they end the section."""


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """A rule's metadata, as the catalog, ``explain`` and the reporters show it."""

    id: str
    name: str
    level: Level
    summary: str
    doc: str
    """The rule's docstring: its doc page without the example code (see :attr:`page`)."""
    tags: tuple[str, ...] = ()
    examples: Sequence[RuleExample] = ()
    """The rule's example files: a tuple, or (for a registered rule) :class:`LazyExamples`, read on
    first use (``fleetiac explain``, SARIF's rule help)."""

    @property
    def family(self) -> str:
        return self.id[:5]

    @property
    def page(self) -> str:
        """The doc page users read: :attr:`doc` with each example as a fenced block in its section."""
        page = self.doc
        for section in ("Example", "Fix"):
            fences = [f"```{e.language}\n{e.code}```" for e in self.examples if e.section == section]
            heading = re.search(rf"^## {section}\n", page, re.M)
            if not fences or heading is None:
                continue
            following = re.compile(r"^## ", re.M).search(page, heading.end())
            end = following.start() if following else len(page)
            body, code = page[heading.end():end], "\n\n".join(fences)
            if EXAMPLES_PLACEHOLDER in body:
                body = body.replace(EXAMPLES_PLACEHOLDER, code, 1)
            else:
                prose = body.strip()
                body = "\n" + "\n\n".join([prose, code] if prose else [code]) + ("\n\n" if following else "")
            page = page[:heading.end()] + body + page[end:]
        return page


@dataclass(frozen=True, slots=True)
class Suppression:
    """Why a finding is not reported: an inline ``fleetiac:ignore`` directive."""

    reason: str
    until: str | None
    """Expiry date (ISO) the directive gives, or None."""
    location: Location
    """Where the directive is written."""


@dataclass(frozen=True, slots=True)
class RelatedLocation:
    """Where one of a finding's other resources (:attr:`Finding.related`) is declared, so a report can
    point at the place the fix belongs (the role assignment to change, the strategy to edit)."""

    address: str
    kind: str
    """The resource's :class:`Kind` value (``role_assignment``...)."""
    location: Location


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem at one place."""

    rule_id: str
    level: Level
    message: str
    location: Location
    resource: str = ""
    """The address of the resource the finding is reported on (empty for file-level diagnostics)."""
    hint: str = ""
    related: tuple[str, ...] = ()
    """Addresses of the other resources involved (cluster, operator's grants, strategy...)."""
    suppression: Suppression | None = None
    """Set on the findings in ``Report.suppressed``: the directive that silenced it."""
    subject: str = ""
    """What the finding is about beyond its resource, when a rule can report one resource several
    times (the operator that lacks a grant, the duplicated group): with the rule, file and resource
    it keys a baseline entry, so incidental message text (a principal's other roles) never does."""
    related_locations: tuple[RelatedLocation, ...] = field(default=(), compare=False)
    """Where the :attr:`related` resources are declared, when the engine knows (filled after the rules
    ran; never part of what makes two findings the same)."""
    param_files: tuple[str, ...] = field(default=(), compare=False)
    """The parameter files (display paths, sorted) of the evaluations that gave this finding
    (:attr:`Resource.param_file`): one template evaluated with each of its parameter files gives a
    finding per parameter file, and identical ones are one finding naming them all.
    Never part of what makes two findings the same, nor of the fingerprint or the baseline key."""
    origins: tuple[Location, ...] = field(default=(), compare=False)
    """Where the offending value was set when that is not :attr:`location` (:attr:`Resource.origins`):
    one place per evaluation that set it elsewhere (a line of each parameter file).
    The text report shows each as a "set here" frame. Never part of what makes two findings the same."""

    def sort_key(self) -> tuple[Any, ...]:
        return (*self.location.sort_key(), self.rule_id, self.resource, self.message)

    @property
    def fingerprint(self) -> str:
        """A stable key that does not move when lines are added above the finding."""
        import hashlib

        text = "\x1f".join((self.rule_id, self.location.path, self.resource, self.message))
        # surrogatepass: a file name that is not UTF-8 holds lone surrogates (surrogateescape); they
        # are hashed as they are instead of crashing. Other text encodes as plain UTF-8.
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


@dataclass(slots=True)
class Report:
    """Everything a reporter needs; reporters never see the graph."""

    findings: list[Finding]
    """Sorted, deduplicated findings to show."""
    rules: dict[str, RuleInfo]
    """Every rule that was run (reporters describe the ones they need; SARIF lists them all)."""
    root: str
    """The report root as an absolute POSIX path (paths in findings are relative to it)."""
    files_scanned: int
    tool_version: str
    as_of: str
    """The evaluation date (ISO), for version rules."""
    skipped: list[Finding] = field(default_factory=list)
    """FIAC902 decisions skipped for unknown values (shown only with ``--show-unknown``)."""
    notices: list[str] = field(default_factory=list)
    """One-line notices about the scan itself (e.g. version data older than the evaluation date),
    each once, in the order rules gave them."""
    suppressed: list[Finding] = field(default_factory=list)
    """Findings silenced by inline suppressions (each with ``suppression`` set); never counted toward
    the exit code."""
    diagnostics: list[Diagnostic] = field(default_factory=list)
    """Files that could not be read or parsed (also FIAC901 findings when that rule is selected);
    SARIF lists them as tool execution notifications."""
    internal_errors: list[Diagnostic] = field(default_factory=list)
    """Failures of fleetiac's own code (:attr:`Diagnostic.internal`), each contained to the file or
    unit it failed on: every reporter shows them, and any of them makes the scan exit 2."""
    line_hashes: dict[tuple[str, int], str] = field(default_factory=dict)
    """GitHub's ``primaryLocationLineHash`` of each finding's start line, by (path, line)."""
    baseline: BaselineSummary | None = None
    """Set when findings were compared with a ``--baseline`` file."""
    unused_suppressions: list[Diagnostic] = field(default_factory=list)
    """Valid ``fleetiac:ignore`` directives naming a rule that ran, decided every case, and reported
    nothing on the lines they cover (like ruff's RUF100): notes, never findings, never in the exit code."""
    unread_fleet_level: Level = Level.ERROR
    """The FIAC901 level of a file that declares Fleet Manager resources and could not be read
    (``unreadable-fleet-files``), for reports that show :attr:`diagnostics` without their findings."""
    snippets: dict[str, dict[int, str]] = field(default_factory=dict)
    """Source lines around the findings' (and their related resources') locations, by path and line
    number, for code frames: only files under the report root, each line cut to a bounded length."""


@dataclass(frozen=True, slots=True)
class BaselineSummary:
    """What comparing with a baseline file did."""

    path: str
    matched: int
    """Findings left out because the baseline records them."""
    gone: int
    """Baseline entries that no finding matched any more (fixed, or their resource renamed)."""
