"""The resource graph: canonical resources as nodes, references between them as typed edges.

Policies only read this graph. Edges go from the referring resource to the referred one and are
labelled by the canonical prop that holds the reference (``fleet``, ``cluster``, ``strategy``,
``scope``, ``role``, ``parent``), plus ``principal`` edges from role assignments to principal nodes.
A reference is resolved when it is a :class:`~analyzer.values.ResourceRef` to a declared resource,
or an ARM ID literal naming exactly one declared resource. An ``existing`` declaration or a
data source that names exactly one resource declared elsewhere in the scan is the same node.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import fields
from typing import Any, Literal, overload

from fleetiac.analyzer.knowledge import arm_ids
from fleetiac.analyzer.model import (
    FLEET_CHILD_PROPS,
    PROPS,
    AutoUpgradeProfile,
    Cluster,
    Fleet,
    Identity,
    Kind,
    ManagedNamespace,
    Manifest,
    Member,
    NodePool,
    Resource,
    ResourceGroup,
    RoleAssignment,
    RoleAssignmentProps,
    RoleDefinition,
    ScanScope,
    Subnet,
    Subscription,
    UpdateRun,
    UpdateStrategy,
    VirtualNetwork,
)
from fleetiac.analyzer.values import ResourceRef, Unknown, identity_text

REFERENCE_PROPS = ("fleet", "cluster", "strategy", "scope", "role", "parent")
"""The props fields that hold references; each is a field of some kind's props (checked below)."""
assert all(any(name in (f.name for f in fields(cls)) for cls in PROPS.values()) for name in REFERENCE_PROPS)


def _lower(value: Any) -> str | None:
    return value.lower() if isinstance(value, str) else None


class FleetGraph:
    def __init__(self, resources: Iterable[Resource], scope: ScanScope | None = None) -> None:
        import networkx  # here, not at the top: a scan whose findings are cached builds no graph

        self.scope = scope or ScanScope()
        """Where the scanned trees are, and the configured manifest targets."""
        self.graph = networkx.MultiDiGraph()
        self._by_kind: dict[str, list[Resource]] = defaultdict(list)
        self._by_arm_name: dict[tuple[str, str], list[Resource]] = defaultdict(list)
        self._alias: dict[str, str] = {}
        self._targets: dict[tuple[str, str], Resource | None] = {}
        """Memo of :meth:`target`: the graph does not change once built."""
        self._fleet_identities: dict[str, str | None] = {}
        """Memo of :meth:`fleet_identity`."""
        ordered = sorted(resources, key=lambda r: r.key)
        for resource in ordered:
            if type(resource.props) is not PROPS[resource.kind]:
                raise TypeError(f"{resource.key}: {resource.kind} props are a {type(resource.props).__name__}")
            self.graph.add_node(resource.key, resource=resource)
            self._by_kind[resource.kind].append(resource)
            name = _lower(resource.name)
            if resource.arm_type and name is not None:
                self._by_arm_name[(resource.arm_type.lower(), name)].append(resource)
        for resource in ordered:
            if resource.existing:
                declared = self._declared_twin(resource)
                if declared is not None:
                    self._alias[resource.key] = declared.key
        for resource in ordered:
            self._link(resource)

    # -- construction --------------------------------------------------------------------------

    def _declared_twin(self, existing: Resource) -> Resource | None:
        name = _lower(existing.name)
        if not existing.arm_type or name is None:
            return None
        candidates = [r for r in self._by_arm_name[(existing.arm_type.lower(), name)]
                      if not r.existing and same_value(r.resource_group, existing.resource_group) is not False]
        return candidates[0] if len(candidates) == 1 else None

    def _link(self, resource: Resource) -> None:
        for prop in REFERENCE_PROPS:
            target = self.resolve(getattr(resource.props, prop, None))  # a kind without the field: None
            if target is not None and target.key != resource.key:
                self.graph.add_edge(resource.key, target.key, key=prop)
        if isinstance(resource.props, RoleAssignmentProps):
            principal = identity_text(resource.props.principal)
            if principal is not None:
                node = "principal:" + principal
                self.graph.add_node(node, principal=resource.props.principal)
                self.graph.add_edge(resource.key, node, key="principal")

    def resolve(self, value: Any) -> Resource | None:
        """The declared resource a reference value names, or None (external, unknown, ambiguous)."""
        if isinstance(value, ResourceRef):
            key = self._alias.get(value.key, value.key)
            node = self.graph.nodes.get(key)
            return node["resource"] if node and "resource" in node else None
        if isinstance(value, str):
            parsed = arm_ids.parse_arm_id(value)
            if parsed is None or parsed.type is None or parsed.name is None:
                return None
            candidates = [r for r in self._by_arm_name.get((parsed.type.lower(), parsed.name.lower()), [])
                          if same_value(r.resource_group, parsed.resource_group) is not False]
            declared = [r for r in candidates if not r.existing] or candidates
            if len(declared) == 1:
                return self.resolve(ResourceRef(declared[0].key))
        return None

    # -- queries -------------------------------------------------------------------------------

    def resource(self, key: str) -> Resource:
        return self.graph.nodes[self._alias.get(key, key)]["resource"]

    @overload
    def of_kind(self, kind: Literal[Kind.FLEET]) -> list[Fleet]: ...
    @overload
    def of_kind(self, kind: Literal[Kind.MEMBER]) -> list[Member]: ...
    @overload
    def of_kind(self, kind: Literal[Kind.UPDATE_STRATEGY]) -> list[UpdateStrategy]: ...
    @overload
    def of_kind(self, kind: Literal[Kind.UPDATE_RUN]) -> list[UpdateRun]: ...
    @overload
    def of_kind(self, kind: Literal[Kind.AUTO_UPGRADE_PROFILE]) -> list[AutoUpgradeProfile]: ...
    @overload
    def of_kind(self, kind: Literal[Kind.MANAGED_NAMESPACE]) -> list[ManagedNamespace]: ...
    @overload
    def of_kind(self, kind: Literal[Kind.CLUSTER]) -> list[Cluster]: ...
    @overload
    def of_kind(self, kind: Literal[Kind.NODE_POOL]) -> list[NodePool]: ...
    @overload
    def of_kind(self, kind: Literal[Kind.RESOURCE_GROUP]) -> list[ResourceGroup]: ...
    @overload
    def of_kind(self, kind: Literal[Kind.SUBSCRIPTION]) -> list[Subscription]: ...
    @overload
    def of_kind(self, kind: Literal[Kind.ROLE_ASSIGNMENT]) -> list[RoleAssignment]: ...
    @overload
    def of_kind(self, kind: Literal[Kind.ROLE_DEFINITION]) -> list[RoleDefinition]: ...
    @overload
    def of_kind(self, kind: Literal[Kind.IDENTITY]) -> list[Identity]: ...
    @overload
    def of_kind(self, kind: Literal[Kind.VIRTUAL_NETWORK]) -> list[VirtualNetwork]: ...
    @overload
    def of_kind(self, kind: Literal[Kind.SUBNET]) -> list[Subnet]: ...
    @overload
    def of_kind(self, kind: Literal[Kind.MANIFEST]) -> list[Manifest]: ...
    @overload
    def of_kind(self, kind: Kind) -> list[Resource]: ...

    def of_kind(self, kind: Kind) -> list[Any]:
        """The resources of ``kind``, typed by it: ``of_kind(Kind.MEMBER)`` is a ``list[Member]`` (each
        resource's props are the class :data:`~analyzer.model.PROPS` gives its kind, checked when the
        graph is built)."""
        return [r for r in self._by_kind.get(kind, []) if r.key not in self._alias]

    def target(self, resource: Resource, prop: str) -> Resource | None:
        """The resource that ``resource``'s ``prop`` refers to, when it resolves."""
        memo = (resource.key, prop)
        if memo in self._targets:
            return self._targets[memo]
        found: Resource | None = None
        for _, target, label in self.graph.out_edges(resource.key, keys=True):
            if label == prop:
                found = self.graph.nodes[target]["resource"]
                break
        self._targets[memo] = found
        return found

    @overload
    def referrers(self, resource: Resource, prop: str, kind: Literal[Kind.MEMBER]) -> list[Member]: ...
    @overload
    def referrers(self, resource: Resource, prop: str, kind: Literal[Kind.NODE_POOL]) -> list[NodePool]: ...
    @overload
    def referrers(self, resource: Resource, prop: str, kind: Kind | None = None) -> list[Resource]: ...

    def referrers(self, resource: Resource, prop: str, kind: Kind | None = None) -> list[Any]:
        """The resources whose ``prop`` refers to ``resource`` (of ``kind`` only, when given)."""
        out = []
        for source, _, label in self.graph.in_edges(resource.key, keys=True):
            if label == prop:
                referrer = self.graph.nodes[source]["resource"]
                if kind is None or referrer.kind == kind:
                    out.append(referrer)
        return sorted(out, key=lambda r: r.key)

    def fleet_identity(self, resource: Resource) -> str | None:
        """Which fleet a child (member, strategy, run...) belongs to: the fleet's node key when it is
        declared, else the normalised ARM ID literal; None when unknown."""
        node = self.graph.nodes.get(resource.key)
        memoize = node is not None and node.get("resource") is resource
        if memoize and resource.key in self._fleet_identities:
            return self._fleet_identities[resource.key]
        identity: str | None = None
        fleet = self.target(resource, "fleet")
        if fleet is not None:
            identity = fleet.key
        else:
            value = resource.props.fleet if isinstance(resource.props, FLEET_CHILD_PROPS) else None
            if isinstance(value, str) and arm_ids.parse_arm_id(value) is not None:
                identity = "arm:" + value.strip().rstrip("/").lower()
        if memoize:
            self._fleet_identities[resource.key] = identity
        return identity

    def ancestors(self, resource: Resource) -> list[Resource]:
        """Resources that contain ``resource`` through ``fleet``/``parent`` edges (a member's fleet)."""
        out: list[Resource] = []
        current: Resource | None = resource
        seen = {resource.key}
        while current is not None:
            parent = self.target(current, "parent") or self.target(current, "fleet")
            if parent is None or parent.key in seen:
                break
            seen.add(parent.key)
            out.append(parent)
            current = parent
        return out


def same_value(a: Any, b: Any) -> bool | None:
    """Whether two names/IDs denote the same thing: case-insensitive for strings, by canonical text
    for unknown values; None when it cannot be told."""
    if isinstance(a, str) and isinstance(b, str):
        return a.strip().lower() == b.strip().lower()
    if isinstance(a, Unknown) and isinstance(b, Unknown) and a.text == b.text:
        return True
    if isinstance(a, ResourceRef) and isinstance(b, ResourceRef):
        return a == b
    return None
