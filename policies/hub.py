"""Hub mode (FIAC3xx): features that need a fleet with a hub cluster."""

from __future__ import annotations

from analyzer.graph.access import target_of_value
from analyzer.knowledge.kubernetes import HUB_API_GROUPS
from analyzer.model import ClusterProps, FleetProps, Kind, Resource
from analyzer.rules import RuleContext, rule
from analyzer.values import display


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
      (`networking.fleet.azure.com`) in a Terraform `kubernetes_manifest`, when the scanned code
      declares fleets and every one of them is hubless;
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
    fleets = graph.of_kind(Kind.FLEET)
    all_hubless = bool(fleets) and all(_hubless(f) is True for f in fleets)
    for manifest in graph.of_kind(Kind.MANIFEST):
        api_version = manifest.props.api_version
        if not isinstance(api_version, str) or api_version.split("/", 1)[0] not in HUB_API_GROUPS:
            continue
        if all_hubless:
            names = ", ".join(f.address for f in fleets)
            ctx.report(manifest,
                       f"{display(manifest.props.manifest_kind)} {display(manifest.name)} "
                       f"({manifest.address}) needs a fleet hub, but every fleet in this code is hubless ({names})",
                       at=("body",), hint=_hint(fleets[0]), related=tuple(f.address for f in fleets))
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


@rule("FIAC302", "azurerm-hub-profile-ignored", "error",
      "azurerm_kubernetes_fleet_manager has a hub_profile block, which the provider ignores.", tags=("hub",))
def azurerm_hub_profile_ignored(ctx: RuleContext) -> None:
    """
    ## What it finds

    An `azurerm_kubernetes_fleet_manager` with a `hub_profile` block.

    ## Why it matters

    `hub_profile` is deprecated since azurerm 3.95.0 and never sent to the API: the provider accepts
    it and creates a fleet **without** a hub. Everything that relies on the hub (placement, managed
    namespaces, multi-cluster networking) then fails, and a hubless fleet cannot be given a hub from
    Terraform afterwards.

    ## Example

    <!-- examples -->

    Bicep: not applicable. Bicep has no `hub_profile`; a Bicep fleet with `properties.hubProfile`
    does get a hub (see the fix below).

    ## Fix

    Remove the block, or declare the fleet with `azapi_resource` and `properties.hubProfile` when a
    hub is wanted.

    ## References

    - [azurerm_kubernetes_fleet_manager (Terraform registry)](https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/kubernetes_fleet_manager)
    - [Choosing a fleet with or without a hub cluster](https://learn.microsoft.com/azure/kubernetes-fleet/concepts-choosing-fleet)
    """
    for fleet in ctx.graph.of_kind(Kind.FLEET):
        if fleet.props.hub_profile_ignored is True:
            ctx.report(fleet,
                       f"fleet {display(fleet.name)} ({fleet.address}) has a hub_profile block, which the azurerm "
                       f"provider no longer sends: the fleet is created without a hub",
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
    from analyzer.model import Level
    from analyzer.values import is_known

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
