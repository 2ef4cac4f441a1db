"""Evaluated Terraform blocks in the canonical resource shape of :mod:`analyzer.model`."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fleetiac.analyzer.frontends import arm
from fleetiac.analyzer.frontends.located import LocatedDict, LocatedList, locate
from fleetiac.analyzer.frontends.terraform import syntax as s
from fleetiac.analyzer.frontends.terraform.evaluate import EvalBlock, Frame, Instance, Module
from fleetiac.analyzer.knowledge import arm_ids
from fleetiac.analyzer.model import (
    ArmProps,
    FleetProps,
    Group,
    Kind,
    Location,
    Resource,
    Stage,
    VersionRange,
    VersionSet,
    props_for,
)
from fleetiac.analyzer.values import ResourceRef, Unknown, UnknownCause

# Resources declared with Terraform live in the subscription of the azurerm provider: one unknown
# value, so that ``data.azurerm_subscription.current`` and every resource compare as the same one.
PROVIDER_SUBSCRIPTION = Unknown("azurerm provider subscription")

ARM_TYPES = {
    "azurerm_kubernetes_fleet_manager": "Microsoft.ContainerService/fleets",
    "azurerm_kubernetes_fleet_member": "Microsoft.ContainerService/fleets/members",
    "azurerm_kubernetes_fleet_update_strategy": "Microsoft.ContainerService/fleets/updateStrategies",
    "azurerm_kubernetes_fleet_update_run": "Microsoft.ContainerService/fleets/updateRuns",
    "azurerm_kubernetes_cluster": "Microsoft.ContainerService/managedClusters",
    "azurerm_kubernetes_cluster_node_pool": "Microsoft.ContainerService/managedClusters/agentPools",
    "azurerm_arc_kubernetes_cluster": "Microsoft.Kubernetes/connectedClusters",
    "azurerm_resource_group": "Microsoft.Resources/resourceGroups",
    "azurerm_role_assignment": "Microsoft.Authorization/roleAssignments",
    "azurerm_role_definition": "Microsoft.Authorization/roleDefinitions",
    "azurerm_user_assigned_identity": "Microsoft.ManagedIdentity/userAssignedIdentities",
    "azurerm_subnet": "Microsoft.Network/virtualNetworks/subnets",
    "azurerm_virtual_network": "Microsoft.Network/virtualNetworks",
    "azurerm_eventgrid_system_topic": "Microsoft.EventGrid/systemTopics",
    "azurerm_eventgrid_system_topic_event_subscription": "Microsoft.EventGrid/systemTopics/eventSubscriptions",
}


class _Builder:
    """Fills one canonical resource from one evaluated block: the props are collected in ``values``
    and become the kind's props class once, in :meth:`finish`."""

    def __init__(self, resource: Resource, block: EvalBlock, display: str, raw: s.Block | None = None) -> None:
        self.resource = resource
        self.block = block
        self.display = display
        self.raw = raw
        """The block as written: for what is not evaluated (``lifecycle``)."""
        self.values: dict[str, Any] = {}

    def finish(self) -> Resource:
        self.resource.props = props_for(self.resource.kind, self.values)
        return self.resource

    def loc(self, pos: s.Pos) -> Location:
        return Location(self.display, pos.line, pos.column, pos.end_line, pos.end_column)

    def take(self, canonical: str, attribute: str, block: EvalBlock | None = None) -> Any:
        source = block or self.block
        if attribute not in source.values:
            return None
        value = source.values[attribute]
        if value is not None:
            self.values[canonical] = value
        self.resource.locations[canonical] = self.loc(source.positions[attribute])
        return value

    def first(self, *path: str) -> EvalBlock | None:
        """The first nested block along ``path`` (``managed_cluster_update``, ``upgrade``)."""
        block: EvalBlock | None = self.block
        for step in path:
            if block is None:
                return None
            children = block.blocks.get(step)
            block = children[0] if children else None
        return block

    def stages(self, canonical: str) -> None:
        """``stage { name, group { name }, after_stage_wait_in_seconds }`` blocks as
        :class:`~analyzer.model.Stage` objects."""
        if "stage" in self.block.unknown_blocks:
            self.values[canonical] = Unknown(f"{self.resource.address}.stage", UnknownCause.DYNAMIC_BLOCK)
            return
        stage_blocks = self.block.blocks.get("stage")
        if not stage_blocks:
            return
        stages: list[Stage | Unknown] = []
        for i, stage in enumerate(stage_blocks):
            key = f"{canonical}[{i}]"
            self.resource.locations[key] = self.loc(stage.pos)
            groups: list[Group | Unknown] = []
            for j, group in enumerate(stage.blocks.get("group", [])):
                gkey = f"{key}.groups[{j}]"
                self.resource.locations[gkey] = self.loc(group.pos)
                if "name" in group.positions:
                    self.resource.locations[gkey + ".name"] = self.loc(group.positions["name"])
                groups.append(Group(name=group.values.get("name")))
            for attribute, suffix in (("name", ".name"), ("after_stage_wait_in_seconds", ".after_wait")):
                if attribute in stage.positions:
                    self.resource.locations[key + suffix] = self.loc(stage.positions[attribute])
            stages.append(Stage(name=stage.values.get("name"),
                                groups=Unknown(f"{self.resource.address}.stage[{i}].group", UnknownCause.DYNAMIC_BLOCK)
                                if "group" in stage.unknown_blocks else tuple(groups),
                                after_wait=stage.values.get("after_stage_wait_in_seconds")))
        self.values[canonical] = tuple(stages)


def _fleet(b: _Builder) -> None:
    b.values["hub"] = False
    b.values["hub_settable"] = False  # the azurerm resource has no way to ask for a hub
    hub_profile = b.block.blocks.get("hub_profile")
    if hub_profile:
        b.values["hub_profile_ignored"] = True
        b.resource.locations["hub_profile_ignored"] = b.loc(hub_profile[0].pos)


def _member(b: _Builder) -> None:
    b.take("fleet", "kubernetes_fleet_id")
    b.take("cluster", "kubernetes_cluster_id")
    b.take("group", "group")


def _strategy(b: _Builder) -> None:
    b.take("fleet", "kubernetes_fleet_manager_id")
    b.stages("stages")


def _update_run(b: _Builder) -> None:
    b.take("fleet", "kubernetes_fleet_manager_id")
    b.take("strategy", "fleet_update_strategy_id")
    b.stages("stages")
    upgrade = b.first("managed_cluster_update", "upgrade")
    if upgrade is not None:
        b.take("upgrade_type", "type", upgrade)
        b.take("kubernetes_version", "kubernetes_version", upgrade)
    selection = b.first("managed_cluster_update", "node_image_selection")
    if selection is not None:
        b.take("node_image_selection", "type", selection)


def _cluster(flavor: str) -> Callable[[_Builder], None]:
    def fill(b: _Builder) -> None:
        b.values["flavor"] = flavor
        if flavor == "aks":
            b.take("kubernetes_version", "kubernetes_version")
            if b.resource.existing and "kubernetes_version" not in b.values:
                # A data source reads an existing cluster: its version is whatever Azure has now.
                b.values["kubernetes_version"] = Unknown(f"{b.resource.address}.kubernetes_version")
            b.take("support_plan", "support_plan")
            b.take("sku_tier", "sku_tier")
            b.take("location", "location")
            b.take("auto_upgrade_channel", "automatic_upgrade_channel")
            b.take("node_os_upgrade_channel", "node_os_upgrade_channel")
            pool = b.first("default_node_pool")
            if pool is not None:
                b.take("default_pool_version", "orchestrator_version", pool)
            _ignore_changes(b)
    return fill


def _node_pool(b: _Builder) -> None:
    b.take("cluster", "kubernetes_cluster_id")
    b.take("orchestrator_version", "orchestrator_version")
    _ignore_changes(b)


def _ignore_changes(b: _Builder) -> None:
    """``lifecycle { ignore_changes = [...] }`` as the attribute paths it lists (``all``: ``("all",)``).
    Terraform reads the list as written, never evaluated: bare attribute paths, or (older syntax) quoted
    ones; anything else cannot be read and makes the whole list unknown."""
    if b.raw is None or b.resource.existing:
        return
    lifecycle = next((block for block in b.raw.blocks if block.type == "lifecycle"), None)
    attribute = lifecycle.attributes.get("ignore_changes") if lifecycle is not None else None
    if attribute is None:
        b.values["ignore_changes"] = ()
        return
    b.resource.locations["ignore_changes"] = b.loc(attribute.pos)
    expr = attribute.expr
    if isinstance(expr, s.Name) and expr.name == "all":
        b.values["ignore_changes"] = ("all",)
        return
    if not isinstance(expr, s.TupleExpr):
        b.values["ignore_changes"] = Unknown(f"{b.resource.address}.lifecycle.ignore_changes")
        return
    paths: list[str] = []
    for item in expr.items:
        path = _traversal(item)
        if path is None:
            b.values["ignore_changes"] = Unknown(f"{b.resource.address}.lifecycle.ignore_changes")
            return
        paths.append(path)
    b.values["ignore_changes"] = tuple(paths)


def _traversal(expr: s.Expr) -> str | None:
    """``default_node_pool[0].orchestrator_version`` as text, or None when it is no attribute path."""
    if isinstance(expr, s.Name):
        return expr.name
    if isinstance(expr, s.GetAttr):
        head = _traversal(expr.obj)
        return None if head is None else f"{head}.{expr.name}"
    if isinstance(expr, s.Index) and isinstance(expr.key, s.Literal):
        head = _traversal(expr.obj)
        return None if head is None else f"{head}[{expr.key.value}]"
    if isinstance(expr, s.Literal) and isinstance(expr.value, str):
        return expr.value  # the quoted form of Terraform 0.11, still accepted with a warning
    return None


def _role_assignment(b: _Builder) -> None:
    b.take("principal", "principal_id")
    b.take("principal_type", "principal_type")
    b.take("scope", "scope")
    if b.take("role", "role_definition_name") is not None:
        b.values["role_by"] = "name"
    elif b.take("role", "role_definition_id") is not None:
        b.values["role_by"] = "id"


def _role_definition(b: _Builder) -> None:
    b.take("role_name", "name")
    b.take("role_id", "role_definition_id")
    b.take("scope", "scope")
    b.take("assignable_scopes", "assignable_scopes")
    if "permissions" in b.block.unknown_blocks:
        b.values["actions"] = Unknown(f"{b.resource.address}.permissions")
        return
    actions: list[Any] = []
    not_actions: list[Any] = []
    for permissions in b.block.blocks.get("permissions", []):
        for target, attribute in ((actions, "actions"), (not_actions, "not_actions")):
            value = permissions.values.get(attribute)
            if isinstance(value, list):
                target.extend(value)
            elif value is not None:
                target.append(value if isinstance(value, Unknown) else Unknown(f"permissions.{attribute}"))
        if "actions" in permissions.positions:
            b.resource.locations.setdefault("actions", b.loc(permissions.positions["actions"]))
    b.values["actions"] = actions
    b.values["not_actions"] = not_actions


def _subnet(b: _Builder) -> None:
    b.take("virtual_network", "virtual_network_name")
    _delegations(b, b.block)


def _delegations(b: _Builder, block: EvalBlock) -> None:
    """``delegation { service_delegation { name } }`` blocks: the service names."""
    if "delegation" in block.unknown_blocks:
        b.values["delegations"] = Unknown(f"{b.resource.address}.delegation", UnknownCause.DYNAMIC_BLOCK)
        return
    delegations = block.blocks.get("delegation")
    if not delegations:
        return
    names: list[Any] = []
    for delegation in delegations:
        if "service_delegation" in delegation.unknown_blocks:
            names.append(Unknown(f"{b.resource.address}.delegation.service_delegation", UnknownCause.DYNAMIC_BLOCK))
        names.extend(service.values.get("name") for service in delegation.blocks.get("service_delegation", []))
    b.values["delegations"] = [n for n in names if n is not None]
    b.resource.locations["delegations"] = b.loc(delegations[0].pos)


def _virtual_network(b: _Builder) -> None:
    b.take("address_space", "address_space")


def _inline_subnets(resource: Resource, block: EvalBlock, display: str) -> list[Resource]:
    """The ``subnet`` blocks of an ``azurerm_virtual_network``, each a subnet of it."""
    out = []
    for index, subnet_block in enumerate(block.blocks.get("subnet", [])):
        name = subnet_block.values.get("name")
        shown = f'"{name}"' if isinstance(name, str) else str(index)
        pos = subnet_block.pos
        subnet = Resource(
            key=f"{resource.key}.subnet[{shown}]", address=f"{resource.address}.subnet[{shown}]", kind=Kind.SUBNET,
            source_type=resource.source_type, language="terraform",
            location=Location(display, pos.line, pos.column, pos.end_line, pos.end_column),
            props=props_for(Kind.SUBNET, {}), name=name, resource_group=resource.resource_group,
            subscription=resource.subscription, arm_type=ARM_TYPES["azurerm_subnet"])
        builder = _Builder(subnet, subnet_block, display)
        builder.values["virtual_network"] = ResourceRef(resource.key, "id")
        _delegations(builder, subnet_block)
        out.append(builder.finish())
    return out


def _system_topic(b: _Builder) -> None:
    b.take("topic_type", "topic_type")
    b.take("source", "source_resource_id")


def _event_subscription(b: _Builder) -> None:
    b.take("topic", "system_topic")
    b.take("included_event_types", "included_event_types")


def _subscription(b: _Builder) -> None:
    value = b.take("subscription_id", "subscription_id")
    if value is None:
        b.values["subscription_id"] = PROVIDER_SUBSCRIPTION


def _manifest(b: _Builder) -> None:
    manifest = b.take("body", "manifest")
    if isinstance(manifest, dict):
        b.values["api_version"] = manifest.get("apiVersion")
        b.values["manifest_kind"] = manifest.get("kind")
        metadata = manifest.get("metadata")
        if isinstance(metadata, dict):
            b.values["namespace"] = metadata.get("namespace")
            b.resource.name = metadata.get("name")


def _nothing(b: _Builder) -> None:
    return None


HANDLERS: dict[tuple[str, str], tuple[Kind, Callable[[_Builder], None]]] = {
    ("resource", "azurerm_kubernetes_fleet_manager"): (Kind.FLEET, _fleet),
    ("resource", "azurerm_kubernetes_fleet_member"): (Kind.MEMBER, _member),
    ("resource", "azurerm_kubernetes_fleet_update_strategy"): (Kind.UPDATE_STRATEGY, _strategy),
    ("resource", "azurerm_kubernetes_fleet_update_run"): (Kind.UPDATE_RUN, _update_run),
    ("resource", "azurerm_kubernetes_cluster"): (Kind.CLUSTER, _cluster("aks")),
    ("resource", "azurerm_arc_kubernetes_cluster"): (Kind.CLUSTER, _cluster("arc")),
    ("resource", "azurerm_kubernetes_cluster_node_pool"): (Kind.NODE_POOL, _node_pool),
    ("resource", "azurerm_resource_group"): (Kind.RESOURCE_GROUP, _nothing),
    ("resource", "azurerm_role_assignment"): (Kind.ROLE_ASSIGNMENT, _role_assignment),
    ("resource", "azurerm_role_definition"): (Kind.ROLE_DEFINITION, _role_definition),
    ("resource", "azurerm_user_assigned_identity"): (Kind.IDENTITY, _nothing),
    ("resource", "azurerm_subnet"): (Kind.SUBNET, _subnet),
    ("resource", "azurerm_virtual_network"): (Kind.VIRTUAL_NETWORK, _virtual_network),
    ("resource", "kubernetes_manifest"): (Kind.MANIFEST, _manifest),
    ("resource", "azurerm_eventgrid_system_topic"): (Kind.EVENT_SYSTEM_TOPIC, _system_topic),
    ("resource", "azurerm_eventgrid_system_topic_event_subscription"): (Kind.EVENT_SUBSCRIPTION,
                                                                        _event_subscription),
    ("data", "azurerm_eventgrid_system_topic"): (Kind.EVENT_SYSTEM_TOPIC, _nothing),
    ("data", "azurerm_subscription"): (Kind.SUBSCRIPTION, _subscription),
    ("data", "azurerm_resource_group"): (Kind.RESOURCE_GROUP, _nothing),
    ("data", "azurerm_kubernetes_cluster"): (Kind.CLUSTER, _cluster("aks")),
    ("data", "azurerm_arc_kubernetes_cluster"): (Kind.CLUSTER, _cluster("arc")),
    ("data", "azurerm_kubernetes_fleet_manager"): (Kind.FLEET, _nothing),
    ("data", "azurerm_role_definition"): (Kind.ROLE_DEFINITION, _nothing),
    ("data", "azurerm_user_assigned_identity"): (Kind.IDENTITY, _nothing),
    ("data", "azurerm_subnet"): (Kind.SUBNET, _subnet),
    ("data", "azurerm_virtual_network"): (Kind.VIRTUAL_NETWORK, _nothing),
}


def extract(module: Module) -> list[Resource]:
    resources: list[Resource] = []
    for (mode, type_, name), (_block, display) in sorted(module.blocks.items()):
        if type_ == "azapi_resource" and mode == "resource":
            for instance in module.instances(mode, type_, name):
                extra: list[Resource] = []
                resource = _azapi(module, instance, display, extra)
                if resource is not None:
                    resources.append(resource)
                    resources.extend(extra)
            continue
        handler = HANDLERS.get((mode, type_))
        if handler is None:
            continue
        kind, fill = handler
        for instance in module.instances(mode, type_, name):
            evaluated = module.evaluate_block(instance.block, Frame(instance))
            resource = _base(instance, kind, display, evaluated)
            builder = _Builder(resource, evaluated, display, instance.block)
            fill(builder)
            resources.append(builder.finish())
            if type_ == "azurerm_virtual_network" and mode == "resource":
                resources.extend(_inline_subnets(resource, evaluated, display))
    # Resources of called modules: their keys carry the module path, so they stay unique.
    for call in sorted(module.module_calls):
        for _instance, child in module.children(call):
            if child is not None:
                resources.extend(extract(child))
    _resource_groups_from_parents(resources, module)
    return resources


def _base(instance: Instance, kind: Kind, display: str, evaluated: EvalBlock) -> Resource:
    pos = instance.block.pos
    resource = Resource(
        key=instance.key, address=instance.address, kind=kind, source_type=instance.type, language="terraform",
        location=Location(display, pos.line, pos.column, pos.end_line, pos.end_column), props=props_for(kind, {}),
        name=evaluated.values.get("name"), resource_group=evaluated.values.get("resource_group_name"),
        subscription=PROVIDER_SUBSCRIPTION, arm_type=ARM_TYPES.get(instance.type),
        existing=instance.mode == "data")
    if kind == Kind.RESOURCE_GROUP:
        resource.resource_group = resource.name
    for attribute in ("name", "resource_group_name"):
        if attribute in evaluated.positions:
            p = evaluated.positions[attribute]
            resource.locations[attribute] = Location(display, p.line, p.column, p.end_line, p.end_column)
    return resource


def _azapi(module: Module, instance: Instance, display: str, extra: list[Resource]) -> Resource | None:
    """The canonical resource of an ``azapi_resource``; the resources its body declares inline (a
    virtual network's ``properties.subnets``) are appended to ``extra``."""
    evaluated = module.evaluate_block(instance.block, Frame(instance))
    type_value = evaluated.values.get("type")
    if not isinstance(type_value, str):
        return None
    arm_type, _, api_version = type_value.partition("@")
    kind = arm_ids.kind_of(arm_type)
    if kind is None:
        return None
    resource = _base(instance, kind, display, evaluated)
    resource.arm_type = arm_type
    resource.resource_group = None
    builder = _Builder(resource, evaluated, display)
    if api_version:
        builder.values["api_version"] = api_version
        resource.locations["api_version"] = builder.loc(evaluated.positions["type"])
    parent = builder.take("parent", "parent_id")
    if arm_type.lower().startswith(arm_ids.FLEET + "/"):
        builder.values["fleet"] = parent
        if "parent_id" in evaluated.positions:
            resource.locations["fleet"] = builder.loc(evaluated.positions["parent_id"])
    elif isinstance(parent, str):
        parsed = arm_ids.parse_arm_id(parent)
        if parsed is not None and parsed.level == "resource_group":
            resource.resource_group = parsed.resource_group
            resource.subscription = parsed.subscription
    body_expr = evaluated.exprs.get("body")
    if body_expr is not None and isinstance(body_expr, s.Call) and body_expr.name == "jsonencode" \
            and len(body_expr.args) == 1:
        body_expr = body_expr.args[0]
        body = module.finalize(module.eval(body_expr, Frame(instance)))
    else:
        body = evaluated.values.get("body")
    if isinstance(body, str):
        body = _json_object(body)
    identity = evaluated.blocks.get("identity")
    body_values_keys = set(body) if isinstance(body, dict) else set()
    if isinstance(body, dict):
        if identity and "identity" not in body:
            body = {**body, "identity": identity[0].values}
        written = _written(body_expr, builder) if body_expr is not None else None
        fallback = builder.loc(evaluated.positions["body"]) if "body" in evaluated.positions else resource.location

        def where(path: str) -> Location | None:
            # A value built by an expression (a for loop) has no key of its own: the nearest
            # enclosing key that is written stands in for it.
            if identity and path.lower().startswith("identity") and written_identity is not None:
                return written_identity  # the identity block, not the body
            return locate(written, path) or fallback

        written_identity = None
        if identity and "identity" not in body_values_keys:
            block = identity[0]
            written_identity = builder.loc(block.positions["type"]) if "type" in block.positions \
                else builder.loc(block.pos)

        props, locations = arm.canonical_props(arm_type, body, where)
        builder.values.update(props)
        resource.locations.update(locations)
        if kind == Kind.VIRTUAL_NETWORK:
            extra.extend(_azapi_subnets(resource, body, where))
    elif body is not None:
        builder.values["body"] = body
    _outside_body(builder, kind, parent)
    return builder.finish()


def _azapi_subnets(resource: Resource, body: dict[str, Any], where: Callable[[str], Location | None]) -> list[Resource]:
    out = []
    for index, (name, props, locations) in enumerate(arm.inline_subnets(body, where)):
        shown = f'"{name}"' if isinstance(name, str) else str(index)
        out.append(Resource(
            key=f"{resource.key}.subnets[{shown}]", address=f"{resource.address}.body.properties.subnets[{shown}]",
            kind=Kind.SUBNET, source_type=resource.source_type, language="terraform",
            location=locations.pop("block", resource.location),
            props=props_for(Kind.SUBNET, {**props, "virtual_network": ResourceRef(resource.key, "id")}),
            name=name, resource_group=resource.resource_group, subscription=resource.subscription,
            arm_type=ARM_TYPES["azurerm_subnet"], locations=locations))
    return out


def _outside_body(b: _Builder, kind: Kind, parent: Any) -> None:
    """What an azapi resource says outside its body, as Bicep says it with ``scope:`` and ``name:``:
    a role assignment's scope is its ``parent_id``, and a role definition's GUID is its name."""
    positions = b.block.positions
    if kind == Kind.ROLE_ASSIGNMENT and parent is not None:
        b.values["scope"] = parent
        b.resource.locations["scope"] = b.loc(positions["parent_id"])
    elif kind == Kind.EVENT_SUBSCRIPTION and parent is not None:
        b.values["topic"] = parent
        b.resource.locations["topic"] = b.loc(positions["parent_id"])
    elif kind == Kind.CLUSTER and "location" in positions:
        b.take("location", "location")
    elif kind == Kind.ROLE_DEFINITION and b.resource.name is not None:
        b.values["role_id"] = b.resource.name
        if "name" in positions:
            b.resource.locations["role_id"] = b.loc(positions["name"])


def _json_object(text: str) -> Any:
    import json

    try:
        return json.loads(text)
    except ValueError:
        return Unknown("body", UnknownCause.NOT_JSON)


def _written(expr: s.Expr, builder: _Builder) -> Any:
    """Where each key and item of an HCL object or tuple expression is written, as located containers
    of the same shape (a key spans from its name to the end of its value; the leaves are None), for
    :func:`~analyzer.frontends.located.locate` to find ARM property paths in."""
    if isinstance(expr, s.ObjectExpr):
        shape = LocatedDict()
        for key, value in expr.items:
            if isinstance(key, s.Literal) and isinstance(key.value, str):
                shape[key.value] = _written(value, builder)
                shape.locs[key.value] = builder.loc(s.Pos(key.pos.line, key.pos.column, value.pos.end_line,
                                                          value.pos.end_column))
        return shape
    if isinstance(expr, s.TupleExpr):
        items = LocatedList(_written(item, builder) for item in expr.items)
        items.locs = [builder.loc(item.pos) for item in expr.items]
        return items
    return None


def _resource_groups_from_parents(resources: list[Resource], module: Module) -> None:
    """azapi resources name their resource group through ``parent_id = azurerm_resource_group.x.id``."""
    by_key = {r.key: r for r in resources}
    for resource in resources:
        parent = resource.props.parent if isinstance(resource.props, ArmProps) else None
        if resource.resource_group is None and isinstance(parent, ResourceRef):
            group = by_key.get(parent.key)
            if group is not None and group.kind == Kind.RESOURCE_GROUP:
                resource.resource_group = group.name


# -- the azurerm version in use -------------------------------------------------------------------

AZURERM_SOURCES = ("hashicorp/azurerm", "registry.terraform.io/hashicorp/azurerm")
_CONSTRAINT = re.compile(r"^\s*(=|!=|>=|<=|>|<|~>)?\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?\s*$")


def _next_patch(v: tuple[int, int, int]) -> tuple[int, int, int]:
    return (v[0], v[1], v[2] + 1)


def constraint_versions(text: str) -> VersionSet | None:
    """Every release a Terraform version constraint admits (``>= 3.0, != 3.5.0, ~> 3.1``: each part
    must hold), or None when it cannot be read (a pre-release, a ``v`` prefix, a typo). Missing
    components are zero; ``~> X.Y.Z`` admits ``>= X.Y.Z, < X.(Y+1).0``, ``~> X.Y`` and ``~> X`` admit
    up to the next major. These are Terraform's rules (its constraint parser,
    github.com/apparentlymart/go-versions, ``versions/constraints/ruby_style.go`` and
    ``versions/parse.go``), for released versions: Terraform selects a pre-release only when a
    constraint names it exactly."""
    result = VersionSet((VersionRange(),))
    parts = text.split(",")
    if len(parts) > 1 and not parts[-1].strip():
        parts.pop()  # Terraform accepts a comma after the last constraint
    if not any(p.strip() for p in parts):
        return None
    for part in parts:
        match = _CONSTRAINT.match(part)
        if match is None:
            return None
        op, major, minor, patch = match.group(1) or "=", match.group(2), match.group(3), match.group(4)
        v = (int(major), int(minor or 0), int(patch or 0))
        ranges: tuple[VersionRange, ...]
        if op == "=":
            ranges = (VersionRange(v, _next_patch(v)),)
        elif op == "!=":
            ranges = (VersionRange(None, v), VersionRange(_next_patch(v), None))
        elif op == ">":
            ranges = (VersionRange(_next_patch(v), None),)
        elif op == ">=":
            ranges = (VersionRange(v, None),)
        elif op == "<":
            ranges = (VersionRange(None, v),)
        elif op == "<=":
            ranges = (VersionRange(None, _next_patch(v)),)
        elif patch is not None:  # ~> X.Y.Z
            ranges = (VersionRange(v, (v[0], v[1] + 1, 0)),)
        else:  # ~> X.Y, ~> X
            ranges = (VersionRange(v, (v[0] + 1, 0, 0)),)
        result = result.intersect(VersionSet(ranges))
    return result


def _literal_text(expr: s.Expr) -> str | None:
    if isinstance(expr, s.Literal) and isinstance(expr.value, str):
        return expr.value
    if isinstance(expr, s.Template) and all(isinstance(p, str) for p in expr.parts):
        return "".join(expr.parts)
    return None


def _object_items(expr: s.Expr) -> dict[str, s.Expr] | None:
    if not isinstance(expr, s.ObjectExpr):
        return None
    out = {}
    for key, value in expr.items:
        name = key.value if isinstance(key, s.Literal) else key.name if isinstance(key, s.Name) else None
        if isinstance(name, str):
            out[name] = value
    return out


def required_azurerm(files: list[s.ParsedFile]) -> list[str | None]:
    """The version constraints a module's ``required_providers`` give ``hashicorp/azurerm`` (None for
    one that is not a literal string)."""
    found: list[str | None] = []
    for parsed in files:
        for block in parsed.blocks:
            if block.type != "terraform":
                continue
            for required in block.blocks:
                if required.type != "required_providers":
                    continue
                for local_name, attribute in required.attributes.items():
                    items = _object_items(attribute.expr)
                    if items is None:  # the pre-0.13 form: azurerm = "~> 2.0"
                        if local_name == "azurerm":
                            found.append(_literal_text(attribute.expr))
                        continue
                    source = _literal_text(items["source"]) if "source" in items else "hashicorp/azurerm" \
                        if local_name == "azurerm" else None
                    if source is None or source.lower() not in AZURERM_SOURCES:
                        continue
                    if "version" in items:
                        found.append(_literal_text(items["version"]))
    return found


def locked_azurerm(lock: s.ParsedFile) -> str | None:
    """The azurerm version a ``.terraform.lock.hcl`` records, or None."""
    for block in lock.blocks:
        if block.type == "provider" and block.labels and block.labels[0].lower().endswith("/hashicorp/azurerm"):
            version = block.attributes.get("version")
            return _literal_text(version.expr) if version is not None else None
    return None


def azurerm_versions(lock: s.ParsedFile | None, modules: list[list[s.ParsedFile]]) -> VersionSet | Unknown:
    """The azurerm versions in use for a root module: the one its lock file records, else every version
    that all the ``required_providers`` constraints of its modules admit; unknown with neither."""
    locked = locked_azurerm(lock) if lock is not None else None
    if locked is not None:
        exact = constraint_versions("= " + locked)
        return exact if exact is not None else Unknown(f"azurerm {locked} (.terraform.lock.hcl)",
                                                       UnknownCause.EVALUATION_ERROR)
    constraints = [c for files in modules for c in required_azurerm(files)]
    if not constraints:
        return Unknown("the azurerm version (no .terraform.lock.hcl, no required_providers constraint)",
                       UnknownCause.NO_INPUT_VALUE)
    result = VersionSet((VersionRange(),))
    for text in constraints:
        admitted = constraint_versions(text) if text is not None else None
        if admitted is None:
            return Unknown(f"azurerm version constraint {text!r}", UnknownCause.EVALUATION_ERROR)
        result = result.intersect(admitted)
    return result


def with_provider_versions(resources: list[Resource], versions: VersionSet | Unknown) -> None:
    """Give each ``azurerm_kubernetes_fleet_manager`` (not a data source) the azurerm versions in use."""
    from dataclasses import replace

    for resource in resources:
        if resource.source_type == "azurerm_kubernetes_fleet_manager" and not resource.existing \
                and isinstance(resource.props, FleetProps):
            resource.props = replace(resource.props, provider_versions=versions)
