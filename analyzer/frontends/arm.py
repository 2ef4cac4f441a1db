"""ARM resource bodies (as Bicep, ARM JSON and azapi write them) in the canonical shape of
:mod:`analyzer.model`.

One mapping serves every front end that writes ARM bodies, so a property path is learnt once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import fields, is_dataclass, replace
from typing import Any

from fleetiac.analyzer.knowledge.arm_ids import kind_of
from fleetiac.analyzer.model import FLEET_CHILD_PROPS, Group, Groups, Kind, Location, Resource, Stage, props_for
from fleetiac.analyzer.values import ABSENT, PartialId, ResourceRef, Unknown, UnknownCause, value_at

Where = Callable[[str], Location | None]


def _get(mapping: Any, path: str) -> Any:
    """``a.b.c`` inside nested dicts, keys compared case-insensitively as ARM does; None when a step is
    missing, unknown when a step is unknown."""
    value = value_at(mapping, path, fold_case=True)
    return None if value is ABSENT else value


class _Props:
    """Collects canonical props and where each was written."""

    def identities(self, canonical: str, path: str) -> None:
        """The user-assigned identities of an ``identity`` object: the keys of ARM
        ``userAssignedIdentities``, or the items of azapi's ``identity_ids`` list."""
        identity = _get(self.body, path)
        if identity is None:
            return
        if isinstance(identity, Unknown):
            self.props[canonical] = identity
            return
        self._locate(canonical, path)
        by_arm = _get(identity, "userAssignedIdentities")
        listed = _get(identity, "identity_ids")
        if isinstance(by_arm, dict):
            self.props[canonical] = tuple(by_arm)
        elif isinstance(listed, list):
            self.props[canonical] = tuple(listed)
        elif isinstance(by_arm, Unknown) or isinstance(listed, Unknown):
            self.props[canonical] = by_arm if isinstance(by_arm, Unknown) else listed
        elif by_arm is not None or listed is not None:
            self.props[canonical] = Unknown(path, UnknownCause.NOT_AN_OBJECT)

    def __init__(self, body: dict[str, Any], where: Where) -> None:
        self.body = body
        self.where = where
        self.props: dict[str, Any] = {}
        self.locations: dict[str, Location] = {}

    def take(self, canonical: str, arm_path: str) -> Any:
        value = _get(self.body, arm_path)
        if value is not None:
            self.props[canonical] = value
            self._locate(canonical, arm_path)
        return value

    def _locate(self, canonical: str, arm_path: str) -> None:
        location = self.where(arm_path)
        if location is not None:
            self.locations[canonical] = location

    def stages(self, canonical: str, arm_path: str) -> None:
        value = _get(self.body, arm_path)
        if value is None:
            return
        self._locate(canonical, arm_path)
        if not isinstance(value, list):
            self.props[canonical] = value if isinstance(value, Unknown) else Unknown(arm_path, UnknownCause.NOT_A_LIST)
            return
        stages: list[Stage | Unknown] = []
        for i, stage in enumerate(value):
            arm, canon = f"{arm_path}[{i}]", f"{canonical}[{i}]"
            self._locate(canon, arm)
            if not isinstance(stage, dict):
                stages.append(_not_an_object(stage, arm))
                continue
            groups_value = _get(stage, "groups")
            groups: Groups | None = None
            if isinstance(groups_value, list):
                items: list[Group | Unknown] = []
                for j, group in enumerate(groups_value):
                    garm, gcanon = f"{arm}.groups[{j}]", f"{canon}.groups[{j}]"
                    self._locate(gcanon, garm)
                    self._locate(gcanon + ".name", garm + ".name")
                    self._locate(gcanon + ".max_concurrency", garm + ".maxConcurrency")
                    self._locate_gates(gcanon, garm, group)
                    if isinstance(group, dict):
                        items.append(Group(name=_get(group, "name"), max_concurrency=_get(group, "maxConcurrency"),
                                           before_gates=_get(group, "beforeGates"),
                                           after_gates=_get(group, "afterGates"),
                                           member_selector=_get(group, "memberSelector.byLabel")))
                    else:
                        items.append(_not_an_object(group, garm))
                groups = tuple(items)
            elif groups_value is not None:
                groups = groups_value if isinstance(groups_value, Unknown) else \
                    Unknown(arm + ".groups", UnknownCause.NOT_A_LIST)
            self._locate(canon + ".name", arm + ".name")
            self._locate(canon + ".groups", arm + ".groups")
            self._locate(canon + ".after_wait", arm + ".afterStageWaitInSeconds")
            self._locate(canon + ".max_concurrency", arm + ".maxConcurrency")
            self._locate_gates(canon, arm, stage)
            stages.append(Stage(name=_get(stage, "name"), groups=groups,
                                after_wait=_get(stage, "afterStageWaitInSeconds"),
                                max_concurrency=_get(stage, "maxConcurrency"),
                                before_gates=_get(stage, "beforeGates"), after_gates=_get(stage, "afterGates"),
                                member_selector=_get(stage, "memberSelector.byLabel")))
        self.props[canonical] = tuple(stages)

    def _locate_gates(self, canon: str, arm: str, item: Any) -> None:
        """Where a stage's or group's member selector and gates are written (each gate and its
        ``scheduledStartConfiguration`` fields)."""
        self._locate(canon + ".member_selector", arm + ".memberSelector.byLabel")
        for canon_list, arm_list in (("before_gates", "beforeGates"), ("after_gates", "afterGates")):
            self._locate(f"{canon}.{canon_list}", f"{arm}.{arm_list}")
            gates = _get(item, arm_list) if isinstance(item, dict) else None
            for k, gate in enumerate(gates if isinstance(gates, list) else []):
                gcanon, garm = f"{canon}.{canon_list}[{k}]", f"{arm}.{arm_list}[{k}]"
                self._locate(gcanon, garm)
                self._locate(gcanon + ".type", garm + ".type")
                self._locate(gcanon + ".scheduledStartConfiguration", garm + ".scheduledStartConfiguration")
                if isinstance(gate, dict):
                    for key in ("startDay", "startTime", "utcOffset"):
                        self._locate(f"{gcanon}.scheduledStartConfiguration.{key}",
                                     f"{garm}.scheduledStartConfiguration.{key}")


def _not_an_object(value: Any, arm_path: str) -> Unknown:
    """A stage or group written as something other than an object cannot be read as one."""
    return value if isinstance(value, Unknown) else Unknown(arm_path, UnknownCause.NOT_AN_OBJECT)


def canonical_props(arm_type: str, body: dict[str, Any], where: Where) -> tuple[dict[str, Any], dict[str, Location]]:
    """The canonical props of an ARM resource body (``{"properties": ..., "identity": ...}``).

    ``where`` maps an ARM property path (``properties.strategy.stages[0].groups[1].name``) to where it
    is written, or None.
    """
    kind = kind_of(arm_type)
    p = _Props(body, where)
    lowered = arm_type.lower()
    if kind == Kind.FLEET:
        hub = _get(body, "properties.hubProfile")
        p.props["hub"] = hub if isinstance(hub, Unknown) else hub is not None
        p.props["hub_settable"] = True
        p._locate("hub", "properties.hubProfile")
        p.take("identity_type", "identity.type")
        p.identities("identity_ids", "identity")
        p.take("hub_agent_subnet", "properties.hubProfile.agentProfile.subnetId")
        p.take("hub_vnet_integration", "properties.hubProfile.apiServerAccessProfile.enableVnetIntegration")
        p.take("hub_api_server_subnet", "properties.hubProfile.apiServerAccessProfile.subnetId")
        p.take("hub_private", "properties.hubProfile.apiServerAccessProfile.enablePrivateCluster")
    elif kind == Kind.MEMBER:
        p.take("cluster", "properties.clusterResourceId")
        p.take("group", "properties.group")
        p.take("labels", "properties.labels")
    elif kind == Kind.UPDATE_STRATEGY:
        p.stages("stages", "properties.strategy.stages")
    elif kind == Kind.UPDATE_RUN:
        p.take("strategy", "properties.updateStrategyId")
        p.stages("stages", "properties.strategy.stages")
        p.take("upgrade_type", "properties.managedClusterUpdate.upgrade.type")
        p.take("kubernetes_version", "properties.managedClusterUpdate.upgrade.kubernetesVersion")
        p.take("node_image_selection", "properties.managedClusterUpdate.nodeImageSelection.type")
        p.take("custom_node_image_versions",
               "properties.managedClusterUpdate.nodeImageSelection.customNodeImageVersions")
    elif kind == Kind.AUTO_UPGRADE_PROFILE:
        for canonical, path in (("channel", "channel"), ("strategy", "updateStrategyId"), ("disabled", "disabled"),
                                ("target_kubernetes_version", "targetKubernetesVersion"),
                                ("long_term_support", "longTermSupport"),
                                ("node_image_selection", "nodeImageSelection.type")):
            p.take(canonical, "properties." + path)
    elif kind == Kind.CLUSTER:
        p.props["flavor"] = "arc" if lowered.startswith("microsoft.kubernetes/") else "aks"
        p.take("kubernetes_version", "properties.kubernetesVersion")
        p.take("support_plan", "properties.supportPlan")
        p.take("sku_tier", "sku.tier")
        p.take("sku_name", "sku.name")
        p.take("location", "location")
        p.take("auto_upgrade_channel", "properties.autoUpgradeProfile.upgradeChannel")
        p.take("node_os_upgrade_channel", "properties.autoUpgradeProfile.nodeOSUpgradeChannel")
        if p.props["flavor"] == "arc":
            p.props["arc_gateway"] = _arc_gateway(body)
            p._locate("arc_gateway", "properties.gateway")
    elif kind == Kind.VIRTUAL_NETWORK:
        p.take("address_space", "properties.addressSpace.addressPrefixes")
    elif kind == Kind.SUBNET:
        _delegations(p, body, "properties.delegations")
    elif kind == Kind.ROLE_ASSIGNMENT:
        p.take("principal", "properties.principalId")
        p.take("role", "properties.roleDefinitionId")
        p.take("principal_type", "properties.principalType")
    elif kind == Kind.EVENT_SYSTEM_TOPIC:
        p.take("topic_type", "properties.topicType")
        p.take("source", "properties.source")
    elif kind == Kind.EVENT_SUBSCRIPTION:
        p.take("included_event_types", "properties.filter.includedEventTypes")
    elif kind == Kind.ROLE_DEFINITION:
        p.take("role_name", "properties.roleName")
        permissions = _get(body, "properties.permissions")
        p._locate("actions", "properties.permissions")
        if isinstance(permissions, list):
            actions: list[Any] = []
            not_actions: list[Any] = []
            for entry in permissions:
                if not isinstance(entry, dict):
                    actions.append(Unknown("properties.permissions"))
                    continue
                actions.extend(_as_list(_get(entry, "actions")))
                not_actions.extend(_as_list(_get(entry, "notActions")))
            p.props["actions"], p.props["not_actions"] = actions, not_actions
        elif permissions is not None:
            p.props["actions"] = Unknown("properties.permissions")
        p.take("assignable_scopes", "properties.assignableScopes")
    return p.props, p.locations


def _arc_gateway(body: dict[str, Any]) -> Any:
    """Whether a connected cluster uses Azure Arc Gateway: a gateway resource ID, or ``enabled`` true."""
    resource_id = _get(body, "properties.gateway.resourceId")
    enabled = _get(body, "properties.gateway.enabled")
    if (isinstance(resource_id, str) and resource_id.strip()) or enabled is True:
        return True
    for value in (resource_id, enabled):
        if isinstance(value, Unknown):
            return value
    return False


def _delegations(p: _Props, body: Any, path: str) -> None:
    value = _get(body, path)
    if value is None:
        return
    p._locate("delegations", path)
    if not isinstance(value, list):
        p.props["delegations"] = value if isinstance(value, Unknown) else Unknown(path, UnknownCause.NOT_A_LIST)
        return
    names = []
    for entry in value:
        name = _get(entry, "properties.serviceName") if isinstance(entry, dict) else entry
        names.append(name if name is None or isinstance(name, (str, Unknown)) else Unknown(path))
    p.props["delegations"] = [n for n in names if n is not None]


def _prefixed(where: Where, base: str) -> Where:
    return lambda path: where(f"{base}.{path}")


def inline_subnets(body: dict[str, Any], where: Where) -> list[tuple[Any, dict[str, Any], dict[str, Location]]]:
    """The subnets a virtual network's body declares in ``properties.subnets``: each one's name, canonical
    subnet props and their locations (keys as :func:`canonical_props` gives them)."""
    value = _get(body, "properties.subnets")
    out: list[tuple[Any, dict[str, Any], dict[str, Location]]] = []
    if not isinstance(value, list):
        return out
    for index, entry in enumerate(value):
        if not isinstance(entry, dict):
            continue
        base = f"properties.subnets[{index}]"
        p = _Props(entry, _prefixed(where, base))
        _delegations(p, entry, "properties.delegations")
        location = where(base)
        if location is not None:
            p.locations.setdefault("delegations", location)
            p.locations["block"] = location
        out.append((_get(entry, "name"), p.props, p.locations))
    return out


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value if isinstance(value, Unknown) else Unknown(str(value))]


# -- what a template's resources say of each other (Bicep and ARM JSON alike) ------------------------


def link_children_by_name(resources: Iterable[Resource], children: Iterable[tuple[Resource, str]]) -> None:
    """A child named ``'fleet/member'`` (``children``: each with its parent's name) belongs to the one
    declared fleet of that name, if unique."""
    fleets: dict[str, list[str]] = {}
    for resource in resources:
        if resource.kind == Kind.FLEET and isinstance(resource.name, str):
            fleets.setdefault(resource.name.lower(), []).append(resource.key)
    for resource, parent_name in children:
        keys = fleets.get(parent_name.lower(), [])
        if len(keys) == 1 and isinstance(resource.props, FLEET_CHILD_PROPS):
            resource.props = replace(resource.props, fleet=ResourceRef(keys[0], "id"))


def resolve_local_ids(resources: list[Resource], full_name: Callable[[Resource], str | None], local: type,
                      template: str, language: str, special: Callable[[Any], Any] | None = None) -> None:
    """``resourceId(type, name)`` in the deployment's own resource group (a ``local`` value: an
    :class:`Unknown` with ``arm_type``, ``name``, ``resource_group``, ``subscription``, and ``attr`` when
    it names an attribute) names the resource of that type and full name the unit declares there (a
    declaration before an ``existing`` reference). With none, it means what an ``existing`` reference
    would: such a reference is added, for the graph to join to a declaration in another unit or to stand
    for a resource managed elsewhere, whose resource group is still known. With several, or a type the
    analyzer does not model, it stays unknown, with its resource type known (a misspelt type is worth
    a finding). ``special`` resolves a front end's own kinds of value first (None: not one of them)."""
    candidates: dict[tuple[str, str], list[Resource]] = {}
    for resource in resources:
        name = full_name(resource)
        if resource.arm_type and name is not None:
            candidates.setdefault((resource.arm_type.lower(), name.lower()), []).append(resource)
    implied: dict[str, Resource] = {}

    def resolve(value: Any, where: Location) -> Any:
        if special is not None:
            handled = special(value)
            if handled is not None:
                return handled
        if isinstance(value, local):
            named: Any = value  # has arm_type, name, resource_group, subscription (and attr)
            attr = getattr(named, "attr", "id")
            found = [r for r in candidates.get((named.arm_type.lower(), named.name.lower()), [])
                     if same_value(r.resource_group, named.resource_group)
                     and same_value(r.subscription, named.subscription)]
            found = [r for r in found if not r.existing] or found
            if len(found) == 1:
                return ResourceRef(found[0].key, attr)
            kind = kind_of(named.arm_type)
            if attr != "id":
                return Unknown(named.text, named.cause)
            if found or kind is None or named.arm_type.count("/") != 1:
                return PartialId(named.text, named.cause, named.arm_type)
            address = f"resourceId('{named.arm_type}', '{named.name}')"
            rg = named.resource_group
            key = f"{template}#{address}" + (f"@{rg}" if isinstance(rg, str) else "")
            if key not in implied:
                flavor = "arc" if named.arm_type.lower().startswith("microsoft.kubernetes/") else "aks"
                implied[key] = Resource(
                    key=key, address=address, kind=kind, source_type=named.arm_type, language=language,
                    location=where, name=named.name, resource_group=rg, subscription=named.subscription,
                    arm_type=named.arm_type, existing=True,
                    props=props_for(kind, {"flavor": flavor} if kind == Kind.CLUSTER else {}))
            return ResourceRef(key, "id")
        if isinstance(value, dict):
            return {k: resolve(v, where) for k, v in value.items()}
        if isinstance(value, list):
            return [resolve(v, where) for v in value]
        if isinstance(value, tuple):
            return tuple(resolve(v, where) for v in value)
        if is_dataclass(value) and not isinstance(value, type | Unknown):  # a stage, a group
            return replace(value, **{f.name: resolve(getattr(value, f.name), where) for f in fields(value)})
        return value

    for resource in list(resources):
        props = resource.props
        resource.props = replace(props, **{f.name: resolve(getattr(props, f.name), resource.where(f.name))
                                           for f in fields(props) if getattr(props, f.name) is not None})
    resources.extend(implied.values())


def same_value(a: Any, b: Any) -> bool:
    """Two names (a resource group, a subscription) as ARM compares them: text without letter case."""
    if isinstance(a, str) and isinstance(b, str):
        return a.lower() == b.lower()
    return type(a) is type(b) and a == b
