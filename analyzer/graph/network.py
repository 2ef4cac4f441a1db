"""Network questions rules share: which declared subnet a subnet ID names, and the virtual network it
lies in; whether an address prefix overlaps a range."""

from __future__ import annotations

import ipaddress
from typing import Any

from fleetiac.analyzer.graph import FleetGraph, same_value
from fleetiac.analyzer.knowledge import arm_ids
from fleetiac.analyzer.model import Kind, Subnet, SubnetProps, VirtualNetwork, VirtualNetworkProps, narrow
from fleetiac.analyzer.values import ResourceRef

VNET_TYPE = "microsoft.network/virtualnetworks"


def declared_subnet(graph: FleetGraph, value: Any) -> Subnet | None:
    """The subnet declared in the scan that ``value`` (a ref or an ARM ID) names, or None."""
    subnet = narrow(graph.resolve(value), SubnetProps)
    return subnet if subnet is not None and not subnet.existing else None


def network_of(graph: FleetGraph, value: Any) -> VirtualNetwork | None:
    """The virtual network declared in the scan (not a reference to an existing one) that holds the
    subnet ``value`` names: through the declared subnet's VNet, or the VNet segment of its ARM ID."""
    subnet = narrow(graph.resolve(value), SubnetProps)
    network: VirtualNetwork | None = None
    if subnet is not None:
        parent = subnet.props.virtual_network
        if isinstance(parent, ResourceRef):
            network = narrow(graph.resolve(parent), VirtualNetworkProps)
        elif isinstance(parent, str):
            candidates = [v for v in graph.of_kind(Kind.VIRTUAL_NETWORK)
                          if same_value(v.name, parent) and same_value(v.resource_group, subnet.resource_group)
                          is not False]
            network = candidates[0] if len(candidates) == 1 else None
    elif isinstance(value, str):
        parsed = arm_ids.parse_arm_id(value)
        if parsed is not None and (parsed.type or "").lower() == VNET_TYPE + "/subnets" and len(parsed.names) == 2:
            vnet_id = value.strip().rstrip("/").rsplit("/subnets/", 1)[0]
            network = narrow(graph.resolve(vnet_id), VirtualNetworkProps)
    return network if network is not None and not network.existing else None


def overlaps(prefix: Any, network: str) -> bool | None:
    """Whether the IPv4 address prefix ``prefix`` (``10.1.0.0/16``) overlaps ``network``; None when it
    is not an IPv4 prefix (unknown, IPv6, malformed)."""
    if not isinstance(prefix, str):
        return None
    try:
        parsed = ipaddress.ip_network(prefix.strip(), strict=False)
    except ValueError:
        return None
    if not isinstance(parsed, ipaddress.IPv4Network):
        return None
    return parsed.overlaps(ipaddress.IPv4Network(network))
