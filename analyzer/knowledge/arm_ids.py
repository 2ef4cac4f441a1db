"""ARM facts every layer shares: resource IDs and scopes, role definition IDs, and which canonical
kind each ARM resource type is (:mod:`analyzer.model`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from fleetiac.analyzer.model import Kind

FLEET = "microsoft.containerservice/fleets"
KIND_BY_ARM_TYPE = {
    FLEET: Kind.FLEET,
    FLEET + "/members": Kind.MEMBER,
    FLEET + "/updatestrategies": Kind.UPDATE_STRATEGY,
    FLEET + "/updateruns": Kind.UPDATE_RUN,
    FLEET + "/autoupgradeprofiles": Kind.AUTO_UPGRADE_PROFILE,
    FLEET + "/managednamespaces": Kind.MANAGED_NAMESPACE,
    "microsoft.containerservice/managedclusters": Kind.CLUSTER,
    "microsoft.kubernetes/connectedclusters": Kind.CLUSTER,
    "microsoft.authorization/roleassignments": Kind.ROLE_ASSIGNMENT,
    "microsoft.authorization/roledefinitions": Kind.ROLE_DEFINITION,
    "microsoft.managedidentity/userassignedidentities": Kind.IDENTITY,
    "microsoft.network/virtualnetworks": Kind.VIRTUAL_NETWORK,
    "microsoft.network/virtualnetworks/subnets": Kind.SUBNET,
    "microsoft.resources/resourcegroups": Kind.RESOURCE_GROUP,
    "microsoft.eventgrid/systemtopics": Kind.EVENT_SYSTEM_TOPIC,
    "microsoft.eventgrid/systemtopics/eventsubscriptions": Kind.EVENT_SUBSCRIPTION,
}


def kind_of(arm_type: str) -> Kind | None:
    return KIND_BY_ARM_TYPE.get(arm_type.lower())


_GUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
GUID_RE = re.compile(rf"^{_GUID}$")
ROLE_DEFINITION_ID_RE = re.compile(rf"/providers/Microsoft\.Authorization/roleDefinitions/({_GUID})/?$", re.I)


@dataclass(frozen=True, slots=True)
class ArmId:
    """A parsed ARM resource ID (or scope). Names keep their case; compare with :meth:`same`."""

    management_group: str | None = None
    subscription: str | None = None
    resource_group: str | None = None
    type: str | None = None
    """Full resource type, e.g. ``Microsoft.ContainerService/fleets/members``."""
    names: tuple[str, ...] = ()

    @property
    def level(self) -> str:
        if self.type:
            return "resource"
        if self.resource_group:
            return "resource_group"
        if self.subscription:
            return "subscription"
        return "management_group" if self.management_group else "tenant"

    @property
    def name(self) -> str | None:
        return self.names[-1] if self.names else None


def parse_arm_id(text: str) -> ArmId | None:
    """Parse ``/subscriptions/s/resourceGroups/rg/providers/NS/type/name[/child/name]`` and the
    subscription, resource-group and management-group scopes. None when it is not an ARM ID."""
    if not isinstance(text, str) or not text.startswith("/"):
        return None
    parts = [p for p in text.strip().split("/") if p != ""]
    if not parts:
        return None
    lowered = [p.lower() for p in parts]
    if lowered[:3] == ["providers", "microsoft.management", "managementgroups"] and len(parts) >= 4:
        return ArmId(management_group=parts[3]) if len(parts) == 4 else None
    subscription = resource_group = None
    i = 0
    if lowered[0] == "subscriptions" and len(parts) >= 2:
        subscription = parts[1]
        i = 2
        if len(parts) >= 4 and lowered[2] == "resourcegroups":
            resource_group = parts[3]
            i = 4
    if i == len(parts):
        return ArmId(subscription=subscription, resource_group=resource_group) if subscription else None
    if lowered[i] != "providers" or len(parts) < i + 4:
        return None
    namespace = parts[i + 1]
    rest = parts[i + 2:]
    if len(rest) % 2:
        return None
    types = rest[0::2]
    names = rest[1::2]
    return ArmId(subscription=subscription, resource_group=resource_group,
                 type="/".join([namespace, *types]), names=tuple(names))


def role_guid(value: Any) -> str | None:
    """The GUID of a role definition written as a GUID or a role definition ID."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if GUID_RE.match(text):
        return text.lower()
    match = ROLE_DEFINITION_ID_RE.search(text)
    return match.group(1).lower() if match else None
