"""One evaluated resource declaration of an ARM template -> the canonical :class:`Resource`.

The body is mapped by :mod:`analyzer.frontends.arm`, the mapping the Bicep front end uses, so a
template compiled from Bicep gives the resources its Bicep gives. What ARM says outside the body is
read here: the parent (a nested child, or a ``fleet/member`` name), an extension resource's
``scope``, the deployment's target scope, and a role definition's GUID name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fleetiac.analyzer.frontends import arm
from fleetiac.analyzer.frontends.bicep.values import LocalId
from fleetiac.analyzer.frontends.located import locate
from fleetiac.analyzer.model import Kind, Resource, props_for
from fleetiac.analyzer.values import ABSENT, ResourceRef, Unknown, UnknownCause

if TYPE_CHECKING:
    from .evaluate import Copy, Template

_NOT_BODY = {"resources", "copy", "condition", "dependson", "comments", "type", "apiversion", "existing"}
"""Keys of a resource declaration that are not part of its body."""
_CHILD_KINDS = {Kind.MEMBER, Kind.UPDATE_STRATEGY, Kind.UPDATE_RUN, Kind.AUTO_UPGRADE_PROFILE, Kind.MANAGED_NAMESPACE}


def plain(value: Any) -> Any:
    """Drop the location bookkeeping: rules get plain dicts and lists."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def _scope(t: Template, value: Any) -> Any:
    """An extension resource's ``scope``: a full resource ID, or ``Provider/type/name[/type/name]``
    relative to the deployment's resource group (what Bicep writes for ``scope: cluster``)."""
    if isinstance(value, (Unknown, ResourceRef)) or value is None:
        return value
    if not isinstance(value, str):
        return Unknown("scope", UnknownCause.NOT_STATIC)
    if value.startswith("/"):
        return value
    segments = value.split("/")
    if len(segments) < 3 or len(segments) % 2 == 0:
        return Unknown(value, UnknownCause.NOT_STATIC)
    arm_type = "/".join([segments[0], *segments[1::2]])
    names = "/".join(segments[2::2])
    return LocalId(value, UnknownCause.NOT_STATIC, arm_type, names, t.rg, t.sub)


def build_resource(t: Template, copy: Copy, kind: Kind) -> tuple[Resource, str | None, list[Resource]]:
    """The canonical resource, the parent fleet's name when the parent is given only by name, and the
    resources its body declares inline (a virtual network's ``properties.subnets``)."""
    decl = copy.decl
    raw = decl.body
    location = decl.location
    body = _evaluate_body(t, copy)
    props: dict[str, Any] = {}
    locations: dict[str, Any] = {}

    def put(prop: str, value: Any, where: Any) -> None:
        props[prop] = value
        locations[prop] = where or location

    name = body.get("name") if isinstance(body, dict) else None
    name_loc = body.locs.get("name") if hasattr(body, "locs") else None
    existing = raw.get("existing") is True
    parent_name: str | None = None
    fleet: Any = ABSENT
    fleet_loc = None
    if copy.parent is not None:
        if copy.parent.resource is not None:
            fleet, fleet_loc = ResourceRef(copy.parent.resource.key, "id"), location
        else:
            fleet, fleet_loc = Unknown(copy.parent.address, UnknownCause.NOT_MODELLED), location
        if isinstance(name, str) and "/" in name:  # a nested child may still give its full name
            name = name.rsplit("/", 1)[1]
    elif copy.arm_type.count("/") >= 2:
        fleet_loc = name_loc or location
        if isinstance(name, str) and "/" in name:
            parent_name, name = name.rsplit("/", 1)
            fleet = parent_name
        elif isinstance(name, Unknown):
            fleet = name
    if isinstance(name, str):  # the full ARM name (`fleet/member`), which resourceId() names it by
        if parent_name is not None:
            t.ctx.full_names[copy.key] = f"{parent_name}/{name}"
        elif copy.parent is not None and copy.parent.resource is not None:
            parent_full = t.ctx.full_names.get(copy.parent.resource.key)
            if parent_full is not None:
                t.ctx.full_names[copy.key] = f"{parent_full}/{name}"
        else:
            t.ctx.full_names[copy.key] = name
    address = copy.address
    if copy.decl.symbol is None and copy.key in t.ctx.full_names:
        address = t.address_prefix + t.ctx.full_names[copy.key]  # what a user calls it: its ARM name
    rg = t.rg
    if rg is not None and not isinstance(rg, (str, Unknown)):
        rg = Unknown("resourceGroup().name")
    resource = Resource(
        key=copy.key, address=address, kind=kind, source_type=copy.arm_type, language="armjson",
        location=location, props=props_for(kind, {}), name=name,
        resource_group=None if kind == Kind.RESOURCE_GROUP else rg, subscription=t.sub, arm_type=copy.arm_type,
        existing=existing)
    if name_loc is not None:
        locations["name"] = name_loc
    if fleet is not ABSENT and kind in _CHILD_KINDS:
        put("fleet", fleet, fleet_loc)
    elif fleet is not ABSENT and kind == Kind.EVENT_SUBSCRIPTION:
        put("topic", fleet, fleet_loc)
    if kind == Kind.SUBNET and fleet is not ABSENT:
        put("virtual_network", fleet, fleet_loc)
    version_key = _key_of(raw, "apiVersion")
    if version_key is not None and not existing:
        put("api_version", t.publish(t.value(raw[version_key], copy.env)), t.loc(raw, version_key))
    if kind == Kind.CLUSTER:
        put("flavor", "arc" if copy.arm_type.lower().startswith("microsoft.kubernetes/") else "aks", None)
    if not existing:
        mapped, where = arm.canonical_props(copy.arm_type, plain(body), lambda path: locate(body, path))
        props.update(mapped)
        locations.update(where)
        if kind == Kind.ROLE_ASSIGNMENT:
            scope_key = _key_of(body, "scope")
            put("scope", _scope(t, body[scope_key]) if scope_key else None,
                body.locs.get(scope_key) if scope_key else None)
            put("target_scope", t.target_scope, None)
        elif kind == Kind.ROLE_DEFINITION and name_loc is not None:
            put("role_id", body.get("name"), name_loc)
    resource.props = props_for(kind, props)
    resource.locations = locations
    inline: list[Resource] = []
    if kind == Kind.VIRTUAL_NETWORK and not existing:
        for sub_name, sub_props, sub_locations in arm.inline_subnets(plain(body), lambda path: locate(body, path)):
            shown = sub_name if isinstance(sub_name, str) else len(inline)
            inline.append(Resource(
                key=f"{copy.key}/subnets[{shown!r}]", address=f"{address}.properties.subnets[{shown!r}]",
                kind=Kind.SUBNET, source_type=copy.arm_type + "/subnets", language="armjson",
                location=sub_locations.pop("block", location),
                props=props_for(Kind.SUBNET, {**sub_props, "virtual_network": ResourceRef(copy.key, "id")}),
                name=sub_name, resource_group=rg, subscription=t.sub, arm_type=copy.arm_type + "/subnets",
                locations=sub_locations))
            full = t.ctx.full_names.get(copy.key)
            if full is not None and isinstance(sub_name, str):
                t.ctx.full_names[inline[-1].key] = f"{full}/{sub_name}"
    return resource, parent_name if kind in _CHILD_KINDS else None, inline


def _key_of(obj: Any, key: str) -> str | None:
    lowered = key.lower()
    return next((k for k in obj if k.lower() == lowered), None) if isinstance(obj, dict) else None


def _evaluate_body(t: Template, copy: Copy) -> Any:
    from fleetiac.analyzer.frontends.located import LocatedDict

    raw = copy.decl.body
    kept = LocatedDict({k: v for k, v in raw.items() if k.lower() not in _NOT_BODY})
    kept.locs = {k: loc for k, loc in getattr(raw, "locs", {}).items() if k in kept}
    body = t.value(kept, copy.env)
    return body if isinstance(body, LocatedDict) else LocatedDict()
