"""Turn one evaluated Bicep resource declaration into the canonical :class:`Resource` of model.py."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fleetiac.analyzer.frontends import arm
from fleetiac.analyzer.frontends.bicep import ast as A
from fleetiac.analyzer.frontends.bicep.ast import render
from fleetiac.analyzer.frontends.bicep.values import ResHandle, ScopeVal, UnknownRun
from fleetiac.analyzer.frontends.located import locate, lookup
from fleetiac.analyzer.model import Kind, Location, Resource, props_for
from fleetiac.analyzer.values import ABSENT, ResourceRef, Unknown, path_steps

if TYPE_CHECKING:
    from .evaluate import Copy, Instance



def plain(value: Any) -> Any:
    """Drop the location bookkeeping: rules get plain dicts and lists (and an unknown run of array
    elements is one unknown element to them)."""
    if isinstance(value, UnknownRun):
        return Unknown(value.text, value.cause)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


class _Props:
    def __init__(self, body: Any, fallback: Location) -> None:
        self.body = body
        self.fallback = fallback
        self.props: dict[str, Any] = {}
        self.locations: dict[str, Location] = {}

    def take(self, prop: str, *path: str) -> Any:
        value, loc = lookup(self.body, path)
        if value is ABSENT:
            return ABSENT
        self.props[prop] = plain(value)
        self.locations[prop] = loc or self.fallback
        return value

    def put(self, prop: str, value: Any, loc: Location | None) -> None:
        self.props[prop] = value
        self.locations[prop] = loc or self.fallback


def build_resource(inst: Instance, copy: Copy, kind: Kind) -> tuple[Resource, str | None, list[Resource]]:
    """The canonical resource, the parent fleet's name when the parent is given only by name, and the
    resources its body declares inline (a virtual network's ``properties.subnets``)."""
    decl = copy.decl
    location = Location(inst.file.path, decl.line, decl.col)
    body = inst.eval(copy.body, copy.env)
    props = _Props(body, location)
    assert isinstance(copy.body, A.Obj)

    name = inst.name_of(copy)
    name_pair = next((p for p in copy.body.pairs if p.key == "name"), None)
    rg, sub = inst.rg, inst.sub
    scope_ref: Any = None
    scope_loc: Location | None = None
    scope_pair = next((p for p in copy.body.pairs if p.key == "scope"), None)
    if scope_pair is not None:
        scope = inst.eval(scope_pair.value, copy.env)
        scope_loc = inst.loc(scope_pair)
        if isinstance(scope, ScopeVal) and scope.kind == "resourceGroup":
            rg, sub = scope.name, scope.sub
        elif isinstance(scope, ResHandle):
            scope_ref = ResourceRef(scope.key, "id")
        else:
            scope_ref = inst.publish(scope, scope_pair.value)
            if not isinstance(scope_ref, (ResourceRef, str, Unknown)):
                scope_ref = Unknown(render(scope_pair.value))

    parent_name: str | None = None
    fleet: Any = ABSENT
    fleet_loc: Location | None = None
    if copy.parent is not None:
        fleet, fleet_loc = ResourceRef(copy.parent.key, "id"), location
    else:
        parent_pair = next((p for p in copy.body.pairs if p.key == "parent"), None)
        if parent_pair is not None:
            parent = inst.eval(parent_pair.value, copy.env)
            fleet_loc = inst.loc(parent_pair)
            fleet = ResourceRef(parent.key, "id") if isinstance(parent, ResHandle) else \
                inst.publish(parent, parent_pair.value)
        elif copy.arm_type.count("/") >= 2:
            # A child declared at the top level with its full type: `name: 'fleet/member'`.
            fleet_loc = inst.loc(name_pair) if name_pair is not None else location
            if isinstance(name, str) and "/" in name:
                parent_name, name = name.rsplit("/", 1)
                fleet = parent_name
            elif isinstance(name, Unknown):
                fleet = name
    if rg is not None and not isinstance(rg, (str, Unknown)):
        rg = Unknown("resourceGroup().name")

    resource = Resource(
        key=copy.key,
        address=copy.address,
        kind=kind,
        source_type=copy.arm_type,
        language="bicep",
        location=location,
        props=props_for(kind, {}),
        name=name,
        resource_group=None if kind == Kind.RESOURCE_GROUP else rg,
        subscription=sub,
        arm_type=copy.arm_type,
        existing=bool(decl.existing),
    )
    if name_pair is not None:
        props.locations["name"] = inst.loc(name_pair)
        origin = inst.origin(name_pair.value, copy.env)
        if origin is not None and (origin.path, origin.line) != (inst.file.path, name_pair.line):
            resource.origins["name"] = origin
    if fleet is not ABSENT and kind in _CHILD_KINDS:
        props.put("fleet", fleet, fleet_loc)
    elif fleet is not ABSENT and kind == Kind.EVENT_SUBSCRIPTION:
        props.put("topic", fleet, fleet_loc)  # the parent system topic (its name, for `topic/sub`)
    if "@" in decl.type and not decl.existing:
        props.put("api_version", decl.type.split("@", 1)[1], location)
    if kind == Kind.SUBNET and fleet is not ABSENT:
        props.put("virtual_network", fleet, fleet_loc)  # its parent: the VNet
    if kind == Kind.CLUSTER:
        # What kind of cluster it is follows from its type alone, so an `existing` one has it too.
        props.put("flavor", "arc" if copy.arm_type.lower().startswith("microsoft.kubernetes/") else "aks", None)
    if not decl.existing:
        # An `existing` reference says nothing about the resource's configuration.
        mapped, where = arm.canonical_props(copy.arm_type, plain(body), lambda path: locate(body, path),
                                            lambda path: inst.origin(copy.body, copy.env, path_steps(path)),
                                            resource.origins)
        props.props.update(mapped)
        props.locations.update(where)
        _bicep_only(props, inst, copy, kind, scope_ref, scope_loc, name_pair)
    resource.props = props_for(kind, props.props)
    resource.locations = props.locations
    inline: list[Resource] = []
    if kind == Kind.VIRTUAL_NETWORK and not decl.existing:
        for sub_name, sub_props, sub_locations in arm.inline_subnets(plain(body), lambda path: locate(body, path)):
            shown = sub_name if isinstance(sub_name, str) else len(inline)
            subnet = Resource(
                key=f"{copy.key}/subnets[{shown!r}]", address=f"{copy.address}.properties.subnets[{shown!r}]",
                kind=Kind.SUBNET, source_type=copy.arm_type + "/subnets", language="bicep",
                location=sub_locations.pop("block", location),
                props=props_for(Kind.SUBNET, {**sub_props, "virtual_network": ResourceRef(copy.key, "id")}),
                name=sub_name, resource_group=rg, subscription=sub, arm_type=copy.arm_type + "/subnets",
                locations=sub_locations)
            inline.append(subnet)
    return resource, parent_name if kind in _CHILD_KINDS else None, inline


_CHILD_KINDS = {Kind.MEMBER, Kind.UPDATE_STRATEGY, Kind.UPDATE_RUN, Kind.AUTO_UPGRADE_PROFILE, Kind.MANAGED_NAMESPACE}


def _bicep_only(p: _Props, inst: Instance, copy: Copy, kind: Kind, scope: Any, scope_loc: Location | None,
                name_pair: A.Pair | None) -> None:
    """What Bicep says outside the ARM body: a role assignment's `scope:` and the file's target scope,
    and a role definition's GUID, which is its resource name."""
    if kind == Kind.ROLE_ASSIGNMENT:
        p.put("scope", scope, scope_loc)
        p.put("target_scope", inst.target_scope, None)
    elif kind == Kind.ROLE_DEFINITION and name_pair is not None:
        p.put("role_id", inst.name_of(copy), inst.loc(name_pair))
