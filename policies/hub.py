"""Hub mode (FIAC3xx): features that need a fleet with a hub cluster."""

from __future__ import annotations

from fleetiac.analyzer.graph.access import target_of_value
from fleetiac.analyzer.graph.deployments import target_fleets
from fleetiac.analyzer.knowledge.kubernetes import HUB_API_GROUPS
from fleetiac.analyzer.model import ClusterProps, Fleet, FleetProps, Kind, Resource
from fleetiac.analyzer.rules import RuleContext, rule
from fleetiac.analyzer.values import display, is_known


def _hubless(fleet: Resource) -> bool | None:
    hub = fleet.props.hub if isinstance(fleet.props, FleetProps) else None
    return (not hub) if isinstance(hub, bool) else None


@rule("FIAC301", "hub-feature-on-hubless-fleet", "error",
      "A hub-only feature (managed namespace, placement, fleet networking, Arc member) targets a fleet "
      "without a hub.", tags=("hub",))
def hub_feature_on_hubless_fleet(ctx: RuleContext) -> None:
    """
    ## What it finds

    A feature that only works on a fleet with a hub cluster, aimed at a fleet that has none:

    - a managed fleet namespace (`fleets/managedNamespaces`) whose parent fleet has no hub;
    - a placement object (`placement.kubernetes-fleet.io`: ClusterResourcePlacement,
      ResourcePlacement, staged update objects) or a fleet networking object
      (`networking.fleet.azure.com`) in a Kubernetes YAML file or a Terraform `kubernetes_manifest`,
      when every fleet it can target is hubless. A manifest targets the fleets of its own
      deployment: those of the root module that applies it (`kubernetes_manifest`) or contains it,
      or those declared in the nearest folder above it that declares a fleet, whichever is nearer;
      or the fleets that `[tool.fleetiac.manifests]` names for it (a table of path globs to fleet
      addresses). When that deployment declares no fleet, or a script beside or above the manifest
      creates one (`az fleet create`), the fleet is created elsewhere and nothing is reported;
    - an Arc-enabled member (a `Microsoft.Kubernetes/connectedClusters` cluster) of a hubless fleet:
      Arc members support workload placement only, which needs a hub.

    A fleet declared with `azurerm_kubernetes_fleet_manager` never has a hub (FIAC302); an ARM,
    Bicep or azapi fleet has one exactly when `properties.hubProfile` is set.

    ## Why it matters

    Placement, managed namespaces and multi-cluster networking run on the hub cluster. On a hubless
    fleet the managed namespace fails to deploy, and placement objects have no API server to be
    applied to.

    ## Example

    ## Fix

    Create the fleet with a hub (with `azapi_resource` in Terraform, since azurerm cannot), then
    use hub features on it.

    ## References

    - [Choosing a fleet with or without a hub cluster](https://learn.microsoft.com/azure/kubernetes-fleet/concepts-choosing-fleet)
    - [Managed fleet namespaces](https://learn.microsoft.com/azure/kubernetes-fleet/concepts-fleet-managed-namespace)
    """
    graph = ctx.graph
    for namespace in graph.of_kind(Kind.MANAGED_NAMESPACE):
        fleet = graph.target(namespace, "fleet")
        if fleet is None:
            continue
        hubless = _hubless(fleet)
        if hubless is None:
            ctx.unknown(namespace, f"whether fleet {fleet.address} has a hub", at=("fleet",))
        elif hubless:
            ctx.report(namespace,
                       f"managed namespace {display(namespace.name)} ({namespace.address}) needs a hub, but "
                       f"fleet {fleet.address} has none",
                       at=("fleet",), hint=_hint(fleet), related=(fleet.address,))
    for manifest in graph.of_kind(Kind.MANIFEST):
        api_version = manifest.props.api_version
        if not isinstance(api_version, str) or api_version.split("/", 1)[0] not in HUB_API_GROUPS:
            continue
        what = f"{display(manifest.props.manifest_kind)} {display(manifest.name)} ({manifest.address})"
        fleets = target_fleets(graph, manifest)
        if fleets is None:
            ctx.unknown(manifest, f"which fleet {what} targets (no fleet of its deployment is declared in the "
                                  f"scan, or one is created by a script)", at=("body",))
            continue
        hubs = [_hubless(f) for f in fleets]
        if all(h is True for h in hubs):
            names = ", ".join(f.address for f in fleets)
            ctx.report(manifest,
                       f"{what} needs a fleet hub, but every fleet it can target is hubless ({names})",
                       at=("body",), hint=_hint(fleets[0]), related=tuple(f.address for f in fleets))
        elif any(h is None for h in hubs):
            ctx.unknown(manifest, f"whether the fleets {what} can target have a hub", at=("body",))
    for member in graph.of_kind(Kind.MEMBER):
        fleet = graph.target(member, "fleet")
        if fleet is None or _hubless(fleet) is not True:
            continue
        cluster = graph.resolve(member.props.cluster)
        target = target_of_value(graph, member.props.cluster)
        arc = isinstance(cluster.props, ClusterProps) and cluster.props.flavor == "arc" if cluster is not None else (
            target is not None and (target.arm_type or "").lower() == "microsoft.kubernetes/connectedclusters")
        if arc:
            ctx.report(member,
                       f"Arc-enabled member {display(member.name)} ({member.address}) supports workload placement "
                       f"only, which needs a hub, but fleet {fleet.address} has none",
                       at=("cluster",), hint=_hint(fleet), related=(fleet.address,))


def _hint(fleet: Resource) -> str:
    if isinstance(fleet.props, FleetProps) and fleet.props.hub_settable is False:
        return ("azurerm_kubernetes_fleet_manager cannot create a hub: declare the fleet with azapi_resource "
                "and properties.hubProfile")
    return "set properties.hubProfile on the fleet (a hub cannot be removed later)"


HUB_PROFILE_DROPPED = (3, 95, 0)
"""The first azurerm release that no longer sends ``hub_profile`` (hashicorp/terraform-provider-azurerm#25010)."""


@rule("FIAC302", "azurerm-hub-profile-ignored", "error",
      "azurerm_kubernetes_fleet_manager has a hub_profile block, which azurerm 3.95.0 and later ignore.",
      tags=("hub",))
def azurerm_hub_profile_ignored(ctx: RuleContext) -> None:
    """
    ## What it finds

    An `azurerm_kubernetes_fleet_manager` with a `hub_profile` block, when the azurerm version in use
    may be 3.95.0 or later. The version in use is the one the root module's `.terraform.lock.hcl`
    records when the scan holds it; otherwise every version its `required_providers` constraints
    admit (Terraform's `=`, `!=`, `>`, `>=`, `<`, `<=`, `~>`, comma-separated); with neither it is
    unknown, and the rule reports, since an unpinned provider installs the latest release.

    No finding when every version in use is below 3.95.0: those releases still send the block, but
    they call the retired fleets API `2022-09-02-preview`, which FIAC506 reports.

    ## Why it matters

    From azurerm 3.95.0 on, `hub_profile` is deprecated and never sent to the API: the provider
    accepts it and creates a fleet **without** a hub. Everything that relies on the hub (placement,
    managed namespaces, multi-cluster networking) then fails, and a hubless fleet cannot be given a
    hub from Terraform afterwards.

    ## Example

    <!-- examples -->

    Bicep: not applicable. Bicep has no `hub_profile`; a Bicep fleet with `properties.hubProfile`
    does get a hub (see the fix below).

    ## Fix

    Remove the block, or declare the fleet with `azapi_resource` and `properties.hubProfile` when a
    hub is wanted.

    ## References

    - [azurerm_kubernetes_fleet_manager (Terraform registry)](https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/kubernetes_fleet_manager)
    - [azurerm: stop sending hub_profile (hashicorp/terraform-provider-azurerm#25010)](https://github.com/hashicorp/terraform-provider-azurerm/pull/25010)
    - [Dependency lock file](https://developer.hashicorp.com/terraform/language/files/dependency-lock)
    - [Choosing a fleet with or without a hub cluster](https://learn.microsoft.com/azure/kubernetes-fleet/concepts-choosing-fleet)
    """
    from fleetiac.analyzer.model import VersionSet

    for fleet in ctx.graph.of_kind(Kind.FLEET):
        if fleet.props.hub_profile_ignored is not True:
            continue
        versions = fleet.props.provider_versions
        if isinstance(versions, VersionSet):
            if not versions.admits_at_least(HUB_PROFILE_DROPPED):
                continue
            used = f"azurerm {versions.text()} {'is' if versions.single() else 'may be'} in use"
        else:
            used = "the azurerm version in use is not pinned (no .terraform.lock.hcl, no version constraint)"
        ctx.report(fleet,
                   f"fleet {display(fleet.name)} ({fleet.address}) has a hub_profile block, but {used}, and "
                   f"azurerm 3.95.0 and later no longer send it: the fleet is created without a hub",
                   at=("hub_profile_ignored",),
                   hint="remove hub_profile, or declare the fleet with azapi_resource and "
                        "properties.hubProfile to get a hub")


@rule("FIAC303", "hub-network-profile-invalid", "error",
      "A hub fleet's API server VNet integration and subnet settings do not fit together.", tags=("hub", "network"))
def hub_network_profile_invalid(ctx: RuleContext) -> None:
    """
    ## What it finds

    A fleet hub whose `hubProfile.apiServerAccessProfile`

    - has `enableVnetIntegration: true` without a `subnetId` (an error: the API requires the subnet);
    - has a `subnetId` while VNet integration is off or unset (reported at warning level: the subnet
      is ignored).

    Values that cannot be resolved are not judged: a subnet given by an unresolved expression might be
    empty, so it neither satisfies nor breaks the rule. An empty string counts as no subnet.

    ## Why it matters

    Without a subnet the fleet deployment fails; a subnet without VNet integration looks like a
    private, integrated API server but is not one, and public versus private cannot change after
    the hub is created.

    ## Example

    ## Fix

    Give VNet integration its subnet (or drop both).

    ## References

    - [Create a fleet with a private hub and API server VNet integration](https://learn.microsoft.com/azure/kubernetes-fleet/quickstart-create-fleet-and-members)
    - [Fleets REST API: APIServerAccessProfile](https://learn.microsoft.com/rest/api/fleet/fleets/create-or-update)
    """
    from fleetiac.analyzer.model import Level
    from fleetiac.analyzer.values import is_known

    for fleet in ctx.graph.of_kind(Kind.FLEET):
        integration = fleet.props.hub_vnet_integration
        subnet = fleet.props.hub_api_server_subnet
        if integration is None and subnet is None:
            continue
        if not is_known(integration) or not is_known(subnet):
            ctx.unknown(fleet, "whether the hub's API server VNet integration has its subnet",
                        at=("hub_vnet_integration", "hub_api_server_subnet"))
            continue
        has_subnet = subnet is not None and not (isinstance(subnet, str) and not subnet.strip())
        if integration is True and not has_subnet:
            ctx.report(fleet,
                       f"fleet {display(fleet.name)} ({fleet.address}) enables API server VNet integration "
                       f"without apiServerAccessProfile.subnetId; the deployment fails",
                       at=("hub_vnet_integration",),
                       hint="set apiServerAccessProfile.subnetId to the subnet for the hub's API server, or turn "
                            "VNet integration off")
        elif integration is not True and has_subnet:
            ctx.report(fleet,
                       f"fleet {display(fleet.name)} ({fleet.address}) sets apiServerAccessProfile.subnetId while "
                       f"VNet integration is off; the subnet is ignored",
                       at=("hub_api_server_subnet",), level=Level.WARNING,
                       hint="set enableVnetIntegration to true to use the subnet, or remove subnetId")


AKS_SERVICE_RANGE = "10.0.0.0/16"
"""The service CIDR of the hub's AKS cluster (AKS's default), which its VNet must not overlap."""
API_SERVER_DELEGATION = "microsoft.containerservice/managedclusters"


def _private_hub(ctx: RuleContext, fleet: Fleet, rule_what: str) -> bool:
    """Whether ``fleet`` is a private hub fleet; an unknown answer is recorded as a skipped decision."""
    hub, private = fleet.props.hub, fleet.props.hub_private
    if hub is False or hub is None or private is None or private is False:
        return False
    if not isinstance(hub, bool) or not isinstance(private, bool):
        ctx.unknown(fleet, f"whether fleet {fleet.address} has a private hub, for {rule_what}",
                    at=("hub_private", "hub"))
        return False
    return private


def _fleet_text(fleet: Resource) -> str:
    return f"fleet {display(fleet.name)} ({fleet.address})"


@rule("FIAC304", "private-hub-without-agent-subnet", "error",
      "A private hub fleet has no agentProfile.subnetId for its hub node.", tags=("hub", "network"))
def private_hub_without_agent_subnet(ctx: RuleContext) -> None:
    """
    ## What it finds

    A fleet with a private hub (`hubProfile.apiServerAccessProfile.enablePrivateCluster: true`)
    whose `hubProfile.agentProfile.subnetId` is not set (or is an empty string). A subnet given by a
    value that cannot be resolved counts as set.

    ## Why it matters

    A private hub's API server is reachable only from a virtual network, and the hub's node VM must
    be placed in a subnet the fleet is given: the private-fleet prerequisites require
    `agentProfile.subnetId`. Without it the hub cannot be created as planned, and public versus
    private cannot be changed after the hub exists.

    ## Example

    ## Fix

    Give the hub's agent profile a subnet of a virtual network you manage (and grant the Fleet
    resource provider Network Contributor on it).

    ## References

    - [Create a fleet with a private hub (Bicep quickstart, prerequisites)](https://learn.microsoft.com/azure/kubernetes-fleet/quickstart-create-fleet-resources-bicep)
    - [Create a fleet and join members (private hub)](https://learn.microsoft.com/azure/kubernetes-fleet/quickstart-create-fleet-and-members?pivots=private-hub)
    """
    for fleet in ctx.graph.of_kind(Kind.FLEET):
        if not _private_hub(ctx, fleet, "FIAC304"):
            continue
        subnet = fleet.props.hub_agent_subnet
        if subnet is None or (isinstance(subnet, str) and not subnet.strip()):
            ctx.report(fleet, f"{_fleet_text(fleet)} has a private hub but no hubProfile.agentProfile.subnetId: "
                              f"a private hub needs the subnet for its node",
                       at=("hub_agent_subnet", "hub_private", "hub"),
                       hint="set hubProfile.agentProfile.subnetId to a subnet of your virtual network")


@rule("FIAC305", "hub-vnet-overlaps-aks-service-range", "error",
      "A private hub's agent subnet lies in a virtual network whose address space overlaps 10.0.0.0/16, the "
      "hub cluster's AKS service range.", tags=("hub", "network"))
def hub_vnet_overlaps_aks_service_range(ctx: RuleContext) -> None:
    """
    ## What it finds

    A private hub fleet whose agent subnet (`hubProfile.agentProfile.subnetId`) lies in a virtual
    network declared in the scanned code (`azurerm_virtual_network`, `Microsoft.Network/virtualNetworks`)
    whose address space (`address_space`, `properties.addressSpace.addressPrefixes`) has an IPv4
    prefix that overlaps `10.0.0.0/16`.

    The subnet is followed through a reference to a declared subnet (and its virtual network) or an
    ARM ID naming the virtual network; a subnet whose network is not declared, or an address prefix
    that cannot be resolved, is not judged.

    ## Why it matters

    The hub is an AKS cluster that uses AKS's default service range `10.0.0.0/16`; the prerequisites
    of a private fleet require that the address prefix of the VNet holding the hub's subnet does not
    overlap it. With an overlap the hub cannot be created in that network.

    ## Example

    ## Fix

    Put the hub's subnet in a virtual network whose address space stays clear of `10.0.0.0/16`
    (for example `10.224.0.0/12`).

    ## References

    - [Create a fleet with a private hub (Bicep quickstart, prerequisites)](https://learn.microsoft.com/azure/kubernetes-fleet/quickstart-create-fleet-resources-bicep)
    - [AKS networking: service address range](https://learn.microsoft.com/azure/aks/configure-kubenet)
    """
    from fleetiac.analyzer.graph.network import network_of, overlaps

    for fleet in ctx.graph.of_kind(Kind.FLEET):
        if not _private_hub(ctx, fleet, "FIAC305"):
            continue
        network = network_of(ctx.graph, fleet.props.hub_agent_subnet)
        if network is None:
            continue
        space = network.props.address_space
        prefixes = space if isinstance(space, list) else [space] if space is not None else []
        clashing = [p for p in prefixes if overlaps(p, AKS_SERVICE_RANGE) is True]
        if clashing:
            ctx.report(network, f"virtual network {display(network.name)} ({network.address}) holds the agent subnet "
                                f"of the private hub of {_fleet_text(fleet)}, and its address prefix "
                                f"{display(clashing[0])} overlaps {AKS_SERVICE_RANGE}, the hub cluster's AKS "
                                f"service range", at=("address_space",),
                       hint=f"use an address space that does not overlap {AKS_SERVICE_RANGE}",
                       related=(fleet.address,))
        elif (not isinstance(space, list) or not is_known(space)) and space is not None:
            ctx.unknown(network, f"the address space of {network.address}, for {fleet.address}",
                        at=("address_space",))


@rule("FIAC306", "apiserver-subnet-not-delegated", "error",
      "A hub fleet's API server subnet (VNet integration) is not delegated to "
      "Microsoft.ContainerService/managedClusters.", tags=("hub", "network"))
def apiserver_subnet_not_delegated(ctx: RuleContext) -> None:
    """
    ## What it finds

    A hub fleet with `apiServerAccessProfile.enableVnetIntegration: true` whose API server subnet
    (`apiServerAccessProfile.subnetId`) is declared in the scanned code (`azurerm_subnet`, a `subnet`
    block of `azurerm_virtual_network`, `Microsoft.Network/virtualNetworks/subnets`, or an entry of a
    virtual network's `properties.subnets`) without a delegation to
    `Microsoft.ContainerService/managedClusters`. A subnet that is not declared in the code, or a
    delegation that cannot be resolved, is not judged.

    ## Why it matters

    API server VNet integration projects the hub's API server into that subnet, which AKS requires
    to be delegated to `Microsoft.ContainerService/managedClusters`; without the delegation the hub's
    creation fails.

    ## Example

    ## Fix

    Delegate the subnet to `Microsoft.ContainerService/managedClusters`.

    ## References

    - [API server VNet integration](https://learn.microsoft.com/azure/aks/api-server-vnet-integration)
    - [Create a fleet with a private hub (Terraform quickstart)](https://learn.microsoft.com/azure/kubernetes-fleet/quickstart-create-fleet-resources-terraform)
    """
    from fleetiac.analyzer.graph.network import declared_subnet

    for fleet in ctx.graph.of_kind(Kind.FLEET):
        if fleet.props.hub is not True or fleet.props.hub_vnet_integration is not True:
            continue
        subnet = declared_subnet(ctx.graph, fleet.props.hub_api_server_subnet)
        if subnet is None:
            continue
        delegations = subnet.props.delegations
        names = delegations if isinstance(delegations, list) else [] if delegations is None else [delegations]
        if any(isinstance(n, str) and n.strip().lower() == API_SERVER_DELEGATION for n in names):
            continue
        if not is_known(names):
            ctx.unknown(subnet, f"the delegations of {subnet.address}, for {fleet.address}", at=("delegations",))
            continue
        ctx.report(subnet, f"subnet {display(subnet.name)} ({subnet.address}) is the API server subnet of "
                           f"{_fleet_text(fleet)} with VNet integration, but it is not delegated to "
                           f"Microsoft.ContainerService/managedClusters",
                   at=("delegations",),
                   hint="add a delegation of the subnet to Microsoft.ContainerService/managedClusters",
                   related=(fleet.address,))


@rule("FIAC307", "private-hub-arc-member-without-gateway", "error",
      "An Arc-enabled member of a private hub fleet is declared without Azure Arc Gateway.", tags=("hub", "network"))
def private_hub_arc_member_without_gateway(ctx: RuleContext) -> None:
    """
    ## What it finds

    A private hub fleet with an Arc-enabled member whose connected cluster is declared in the
    scanned code as a `Microsoft.Kubernetes/connectedClusters` resource (Bicep, ARM or
    `azapi_resource`; not `existing`) without Azure Arc Gateway: neither
    `properties.gateway.resourceId` nor `properties.gateway.enabled: true`.

    An `existing` cluster, a cluster given by a literal ID, and an `azurerm_arc_kubernetes_cluster`
    (whose API version has no gateway setting) are not judged. AKS members never are: Fleet documents
    no network requirement between an AKS member and a private hub.

    ## Why it matters

    The Fleet documentation requires Azure Arc Gateway on Arc members of a fleet with a private hub
    (the member's agents reach the hub through it). Without it the member cannot connect to the
    hub, so placement on it never happens.

    ## Example

    ## Fix

    Enable Azure Arc Gateway on the connected cluster (`properties.gateway.resourceId`).

    ## References

    - [Member cluster types (Arc-enabled members)](https://learn.microsoft.com/azure/kubernetes-fleet/concepts-member-cluster-types)
    - [Azure Arc Gateway](https://learn.microsoft.com/azure/azure-arc/kubernetes/arc-gateway-simplify-networking)
    """
    from fleetiac.analyzer.model import ClusterProps, narrow

    for fleet in ctx.graph.of_kind(Kind.FLEET):
        if not _private_hub(ctx, fleet, "FIAC307"):
            continue
        for member in ctx.graph.referrers(fleet, "fleet", Kind.MEMBER):
            cluster = narrow(ctx.graph.resolve(member.props.cluster), ClusterProps)
            if cluster is None:
                target = target_of_value(ctx.graph, member.props.cluster)
                if target is not None and (target.arm_type or "").lower() == "microsoft.kubernetes/connectedclusters":
                    ctx.unknown(member, f"whether the Arc cluster of {member.address} uses Azure Arc Gateway "
                                        f"(not declared in the code)", at=("cluster",))
                continue
            if cluster.props.flavor != "arc":
                continue
            gateway = cluster.props.arc_gateway
            if gateway is False:
                ctx.report(cluster, f"Arc-enabled cluster {display(cluster.name)} ({cluster.address}) joins the "
                                    f"private hub of {_fleet_text(fleet)} as member {display(member.name)} "
                                    f"({member.address}) without Azure Arc Gateway (properties.gateway)",
                           at=("arc_gateway",),
                           hint="set properties.gateway.resourceId to an Azure Arc Gateway resource",
                           related=(fleet.address, member.address))
            elif gateway is not True:
                ctx.unknown(member, f"whether {cluster.address} uses Azure Arc Gateway", at=("cluster",))
