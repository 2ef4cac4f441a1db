"""Turn one evaluated Bicep resource declaration into the canonical :class:`Resource` of model.py."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from analyzer.bicep import ast as A
from analyzer.bicep.ast import render
from analyzer.bicep.values import ResHandle, ScopeVal
from analyzer.model import Location, Resource
from analyzer.values import ResourceRef, Unknown

if TYPE_CHECKING:
    from analyzer.bicep.evaluator import Copy, Instance

_ABSENT = object()


def plain(value: Any) -> Any:
    """Drop the location bookkeeping: rules get plain dicts and lists."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def lookup(container: Any, path: tuple[str, ...], loc: Location | None = None) -> tuple[Any, Location | None]:
    """The value at ``path`` (keys matched case-insensitively, as ARM does) and where it is written.

    Returns ``_ABSENT`` when the code does not set it. An unknown container on the way makes the value
    unknown (it might set it), located at the deepest property that is written.
    """
    current = container
    for key in path:
        if isinstance(current, Unknown):
            return current, loc
        if not isinstance(current, dict):
            return _ABSENT, None
        actual = key if key in current else next((k for k in current if k.lower() == key.lower()), None)
        if actual is None:
            return _ABSENT, None
        loc = getattr(current, "locs", {}).get(actual, loc)
        current = current[actual]
    return current, loc


class _Props:
    def __init__(self, body: Any, fallback: Location) -> None:
        self.body = body
        self.fallback = fallback
        self.props: dict[str, Any] = {}
        self.locations: dict[str, Location] = {}

    def take(self, prop: str, *path: str) -> Any:
        value, loc = lookup(self.body, path)
        if value is _ABSENT:
            return _ABSENT
        self.props[prop] = plain(value)
        self.locations[prop] = loc or self.fallback
        return value

    def put(self, prop: str, value: Any, loc: Location | None) -> None:
        self.props[prop] = value
        self.locations[prop] = loc or self.fallback


def build_resource(inst: Instance, copy: Copy, kind: str) -> tuple[Resource, str | None]:
    """The canonical resource, and the parent fleet's name when the parent is given only by name."""
    decl = copy.decl
    location = Location(inst.file.path, decl.line, decl.col)
    body = inst.eval(copy.body, copy.env)
    props = _Props(body, location)
    assert isinstance(copy.body, A.Obj)

    name = inst.name_of(copy)
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
    fleet: Any = _ABSENT
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
            name_pair = next((p for p in copy.body.pairs if p.key == "name"), None)
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
        name=name,
        resource_group=None if kind == "resource_group" else rg,
        subscription=sub,
        arm_type=copy.arm_type,
        existing=bool(decl.existing),
    )
    if fleet is not _ABSENT and kind in _CHILD_KINDS:
        props.put("fleet", fleet, fleet_loc)
    if kind == "cluster":
        # What kind of cluster it is follows from its type alone, so an `existing` one has it too.
        props.put("flavor", "arc" if copy.arm_type.lower().startswith("microsoft.kubernetes/") else "aks", None)
    if not decl.existing:
        # An `existing` reference says nothing about the resource's configuration.
        _KIND_PROPS[kind](props, inst, copy, scope_ref, scope_loc)
    resource.props = props.props
    resource.locations = props.locations
    return resource, parent_name if kind in _CHILD_KINDS else None


_CHILD_KINDS = {"member", "update_strategy", "update_run", "auto_upgrade_profile", "managed_namespace"}


def _fleet(p: _Props, inst: Instance, copy: Copy, scope: Any, scope_loc: Location | None) -> None:
    hub, loc = lookup(p.body, ("properties", "hubProfile"))
    if isinstance(hub, Unknown):
        p.put("hub", hub, loc)
    else:
        # ARM treats an explicit null like an absent hub profile.
        p.put("hub", hub is not _ABSENT and hub is not None, loc)
    p.take("identity_type", "identity", "type")
    p.take("hub_agent_subnet", "properties", "hubProfile", "agentProfile", "subnetId")
    api_server = ("properties", "hubProfile", "apiServerAccessProfile")
    p.take("hub_vnet_integration", *api_server, "enableVnetIntegration")
    p.take("hub_api_server_subnet", *api_server, "subnetId")


def _member(p: _Props, inst: Instance, copy: Copy, scope: Any, scope_loc: Location | None) -> None:
    p.take("cluster", "properties", "clusterResourceId")
    p.take("group", "properties", "group")
    p.take("labels", "properties", "labels")


def _strategy(p: _Props, inst: Instance, copy: Copy, scope: Any, scope_loc: Location | None) -> None:
    _stages(p, ("properties", "strategy", "stages"))


def _run(p: _Props, inst: Instance, copy: Copy, scope: Any, scope_loc: Location | None) -> None:
    p.take("strategy", "properties", "updateStrategyId")
    if lookup(p.body, ("properties", "strategy", "stages"))[0] is not _ABSENT:
        _stages(p, ("properties", "strategy", "stages"))
    else:
        p.take("stages", "properties", "strategy")
    update = ("properties", "managedClusterUpdate")
    p.take("upgrade_type", *update, "upgrade", "type")
    p.take("kubernetes_version", *update, "upgrade", "kubernetesVersion")
    p.take("node_image_selection", *update, "nodeImageSelection", "type")


def _auto_upgrade(p: _Props, inst: Instance, copy: Copy, scope: Any, scope_loc: Location | None) -> None:
    p.take("channel", "properties", "channel")
    p.take("strategy", "properties", "updateStrategyId")
    p.take("disabled", "properties", "disabled")
    p.take("target_kubernetes_version", "properties", "targetKubernetesVersion")
    p.take("long_term_support", "properties", "longTermSupport")
    p.take("node_image_selection", "properties", "nodeImageSelection", "type")


def _nothing(p: _Props, inst: Instance, copy: Copy, scope: Any, scope_loc: Location | None) -> None:
    return None


def _cluster(p: _Props, inst: Instance, copy: Copy, scope: Any, scope_loc: Location | None) -> None:
    p.take("kubernetes_version", "properties", "kubernetesVersion")
    p.take("support_plan", "properties", "supportPlan")
    p.take("auto_upgrade_channel", "properties", "autoUpgradeProfile", "upgradeChannel")
    p.take("node_os_upgrade_channel", "properties", "autoUpgradeProfile", "nodeOSUpgradeChannel")


def _role_assignment(p: _Props, inst: Instance, copy: Copy, scope: Any, scope_loc: Location | None) -> None:
    p.take("principal", "properties", "principalId")
    p.take("role", "properties", "roleDefinitionId")
    p.put("scope", scope, scope_loc)
    p.put("target_scope", inst.target_scope, None)


def _role_definition(p: _Props, inst: Instance, copy: Copy, scope: Any, scope_loc: Location | None) -> None:
    p.take("role_name", "properties", "roleName")
    name_pair = next((x for x in copy.body.pairs if x.key == "name"), None)  # type: ignore[union-attr]
    if name_pair is not None:
        p.put("role_id", inst.name_of(copy), inst.loc(name_pair))
    permissions, loc = lookup(p.body, ("properties", "permissions"))
    if permissions is _ABSENT:
        return
    for prop, key in (("actions", "actions"), ("not_actions", "notActions")):
        if not isinstance(permissions, list):
            p.put(prop, permissions, loc)
            continue
        merged: list[Any] = []
        where: Location | None = None
        for entry in permissions:
            value, vloc = lookup(entry, (key,))
            if value is _ABSENT:
                continue
            if isinstance(value, list):
                merged += plain(value)
            else:
                merged.append(plain(value))
            where = where or vloc
        if where is not None or prop == "actions":
            p.put(prop, merged, where or loc)


def _stages(p: _Props, path: tuple[str, ...]) -> None:
    stages, loc = lookup(p.body, path)
    if stages is _ABSENT:
        return
    if not isinstance(stages, list):
        p.put("stages", stages, loc)
        return
    out: list[Any] = []
    p.put("stages", out, loc)
    item_locs = getattr(stages, "locs", [])
    for i, stage in enumerate(stages):
        prefix = f"stages[{i}]"
        if i < len(item_locs) and item_locs[i] is not None:
            p.locations[prefix] = item_locs[i]
        if not isinstance(stage, dict):
            out.append(stage)
            continue
        converted: dict[str, Any] = {}
        for prop, key in (("name", "name"), ("after_wait", "afterStageWaitInSeconds"),
                          ("max_concurrency", "maxConcurrency"), ("before_gates", "beforeGates"),
                          ("after_gates", "afterGates")):
            value, vloc = lookup(stage, (key,))
            converted[prop] = None if value is _ABSENT else plain(value)
            if vloc is not None and value is not _ABSENT:
                p.locations[f"{prefix}.{prop}"] = vloc
        groups, gloc = lookup(stage, ("groups",))
        if groups is _ABSENT:
            converted["groups"] = []
        elif not isinstance(groups, list):
            converted["groups"] = groups
        else:
            if gloc is not None:
                p.locations[f"{prefix}.groups"] = gloc
            converted["groups"] = _groups(p, groups, prefix)
        out.append({"name": converted["name"], "groups": converted["groups"],
                    "after_wait": converted["after_wait"], "max_concurrency": converted["max_concurrency"],
                    "before_gates": converted["before_gates"], "after_gates": converted["after_gates"]})


def _groups(p: _Props, groups: list[Any], prefix: str) -> list[Any]:
    out: list[Any] = []
    item_locs = getattr(groups, "locs", [])
    for j, group in enumerate(groups):
        gprefix = f"{prefix}.groups[{j}]"
        if j < len(item_locs) and item_locs[j] is not None:
            p.locations[gprefix] = item_locs[j]
        if not isinstance(group, dict):
            out.append(group)
            continue
        entry: dict[str, Any] = {}
        for prop, key in (("name", "name"), ("max_concurrency", "maxConcurrency"),
                          ("before_gates", "beforeGates"), ("after_gates", "afterGates")):
            value, vloc = lookup(group, (key,))
            entry[prop] = None if value is _ABSENT else plain(value)
            if vloc is not None and value is not _ABSENT:
                p.locations[f"{gprefix}.{prop}"] = vloc
        out.append(entry)
    return out


_KIND_PROPS = {
    "fleet": _fleet,
    "member": _member,
    "update_strategy": _strategy,
    "update_run": _run,
    "auto_upgrade_profile": _auto_upgrade,
    "managed_namespace": _nothing,
    "cluster": _cluster,
    "role_assignment": _role_assignment,
    "role_definition": _role_definition,
    "identity": _nothing,
    "virtual_network": _nothing,
    "subnet": _nothing,
    "resource_group": _nothing,
}
