"""Versions and upgrades (FIAC4xx): Kubernetes versions of AKS members, update run targets and fleet
auto-upgrade profiles.

The AKS release calendar and version arithmetic are knowledge (:mod:`analyzer.knowledge.aks_versions`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from analyzer.knowledge.aks_versions import LTS_PLAN, Version, calendar, compare_versions, parse_version
from analyzer.model import AutoUpgradeProfile, Cluster, ClusterProps, Kind, Level, Member, Resource, UpdateRun, narrow
from analyzer.rules import RuleContext, rule
from analyzer.values import display, is_known

# -- members and their clusters ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AksMember:
    member: Member
    cluster: Cluster


def aks_members(ctx: RuleContext, decision: str) -> list[AksMember]:
    """Members whose cluster is an AKS cluster declared (not just referenced) in the scanned code.

    A member whose cluster cannot be resolved is recorded as a skipped ``decision``. A cluster managed
    elsewhere (a data source, ``existing``, a literal ID) is left out silently: its settings are not in
    the code, which is not an unknown value. Arc members are left out: they have no Kubernetes version
    or upgrade channels of their own here.
    """
    out = []
    for member in ctx.graph.of_kind(Kind.MEMBER):
        value = member.props.cluster
        if value is None:
            continue
        cluster = narrow(ctx.graph.resolve(value), ClusterProps)
        if cluster is None:
            if not is_known(value):
                ctx.unknown(member, f"{decision}: cluster {display(value)} cannot be resolved", at=("cluster",))
            continue  # a cluster managed elsewhere: its settings are not in this code
        if cluster.props.flavor != "aks" or cluster.existing:
            continue
        out.append(AksMember(member, cluster))
    return out


def by_cluster(members: list[AksMember]) -> list[tuple[Cluster, list[Member]]]:
    """Clusters with the members that join them (one finding per cluster, naming every member)."""
    grouped: dict[str, tuple[Cluster, list[Member]]] = {}
    for item in members:
        grouped.setdefault(item.cluster.key, (item.cluster, []))[1].append(item.member)
    return list(grouped.values())


def _name(resource: Resource) -> str:
    return f"`{display(resource.name)}`" if resource.name is not None else f"`{resource.address}`"


def _members_text(members: Sequence[Resource]) -> str:
    return ", ".join(_name(m) for m in members)


def _lower(value: Any) -> str | None:
    return value.strip().lower() if isinstance(value, str) else None


@rule("FIAC401", "member-version-unsupported", "error",
      "An AKS member runs a Kubernetes minor that is past its AKS end of life on the evaluation date.",
      tags=("versions",))
def member_version_unsupported(ctx: RuleContext) -> None:
    """
    ## What it finds

    An AKS cluster that is a fleet member and whose `kubernetes_version` (Terraform) or
    `properties.kubernetesVersion` (Bicep) is a minor past its end of life on the evaluation date
    (today, or `--as-of YYYY-MM-DD`). Minor aliases (`1.33`) and patch versions (`1.33.2`, `v1.33.2`)
    are read alike. A cluster with `support_plan = "AKSLongTermSupport"` (`supportPlan`) is judged
    against the long-term support end date instead. The dates come from the AKS release calendar
    packaged with fleetiac (`analyzer/knowledge/data/aks_versions.json`, which records its source and date); a
    month-only date means the last day of that month, and a minor is supported up to that day.

    Not judged: an unset version (AKS picks a supported one) and a cluster managed outside the
    scanned code (a data source, `existing`, a literal ID). Skipped and listed by `--show-unknown`: a
    version or support plan that cannot be resolved (an unknown support plan is judged only when even
    the LTS end has passed), and a minor newer than any the data knows. When the data cannot answer — a newer minor, or data gathered more than a year before the
    evaluation date deciding an end date it only forecast — the report says so once in a notice
    instead of guessing. A minor older than any in the data is taken to have ended no later than the
    oldest one did.

    ## Why it matters

    An unsupported minor gets no security patches, AKS support stops covering it, and a fleet update
    run can move it only one minor at a time, so the longer it stays the longer the way back.

    ## Example

    ## Fix

    Upgrade to a supported minor (one minor at a time), or, while planning the upgrade, move the
    cluster to long-term support.

    ## References

    - [Supported Kubernetes versions in AKS (release calendar)](https://learn.microsoft.com/azure/aks/supported-kubernetes-versions)
    - [AKS long-term support](https://learn.microsoft.com/azure/aks/long-term-support)
    """
    data = calendar()
    stale = data.is_stale(ctx.as_of)
    decision = "whether the member's Kubernetes version is supported"
    for cluster, members in by_cluster(aks_members(ctx, decision)):
        value = cluster.props.kubernetes_version
        if value is None:
            continue  # AKS picks a supported version
        if not is_known(value):
            ctx.unknown(cluster, f"Kubernetes version {display(value)} cannot be resolved", at=("kubernetes_version",))
            continue
        version = parse_version(value)
        if version is None or version.major != 1:
            ctx.unknown(cluster, f"`{display(value)}` is not a Kubernetes version fleetiac can read",
                        at=("kubernetes_version",))
            continue
        if not data.knows(version):
            ctx.notice(f"AKS version data ({data.retrieved.isoformat()}) ends at Kubernetes {data.newest.label}; "
                       f"newer minors in this code (such as {version.major}.{version.minor}) were not checked "
                       f"for support: update fleetiac")
            ctx.unknown(cluster, f"Kubernetes {version} is newer than the version data knows",
                        at=("kubernetes_version",))
            continue
        plan = cluster.props.support_plan
        lts: bool | None = None if not is_known(plan) else _lower(plan) == LTS_PLAN
        end = data.end_of_support(version, lts is not False)
        assert end is not None
        regular_end = data.end_of_support(version, False)
        assert regular_end is not None
        if ctx.as_of <= end:
            if lts is None and ctx.as_of > regular_end:
                ctx.unknown(cluster, f"support plan {display(plan)} cannot be resolved (Kubernetes {version} "
                                     f"is past standard support, not past LTS)", at=("support_plan",))
            continue
        if stale and end > data.retrieved:
            ctx.notice(f"AKS version data is from {data.retrieved.isoformat()}, more than a year before the "
                       f"evaluation date {ctx.as_of.isoformat()}; end-of-life dates after it were not relied on: "
                       f"update fleetiac")
            ctx.unknown(cluster, f"the end of support of Kubernetes {version} ({end.isoformat()}) is later than "
                                 f"the version data", at=("kubernetes_version",))
            continue
        kind = {True: "long-term support", False: "standard support", None: "support (even long-term)"}[lts]
        supported = data.supported(ctx.as_of)
        hint = (f"upgrade one minor at a time to a supported minor ({', '.join(supported)})" if supported
                else "upgrade to a supported minor")
        lts_end = data.end_of_support(version, True)
        if not lts and lts_end is not None and ctx.as_of <= lts_end:
            hint += f", or set the support plan to AKSLongTermSupport (supported until {lts_end.isoformat()})"
        ctx.report(cluster,
                   f"cluster {_name(cluster)} ({cluster.address}), fleet member {_members_text(members)}, runs "
                   f"Kubernetes {display(value)}, whose AKS {kind} ended on {end.isoformat()}; it gets no more "
                   f"patches and must be upgraded one minor at a time",
                   at=("kubernetes_version",), hint=hint, related=tuple(m.address for m in members))


_CONTROL_PLANE_TYPES = ("full", "controlplaneonly")


def _run_targets(ctx: RuleContext, decision: str) -> list[tuple[UpdateRun, Version, list[tuple[AksMember, Version]]]]:
    """Update runs that upgrade the control plane to a known version, each with the AKS members of its
    fleet whose cluster version is known."""
    runs: list[tuple[UpdateRun, Version, list[tuple[AksMember, Version]]]] = []
    fleet_members: dict[str, list[AksMember]] = {}
    for item in aks_members(ctx, decision):
        fleet = ctx.graph.fleet_identity(item.member)
        if fleet is not None:
            fleet_members.setdefault(fleet, []).append(item)
    for run in ctx.graph.of_kind(Kind.UPDATE_RUN):
        upgrade_type, value = run.props.upgrade_type, run.props.kubernetes_version
        if value is None or upgrade_type is None:
            continue
        if not is_known(upgrade_type) or not is_known(value):
            ctx.unknown(run, f"{decision}: the run's upgrade type or version cannot be resolved",
                        at=("kubernetes_version",))
            continue
        if _lower(upgrade_type) not in _CONTROL_PLANE_TYPES:
            continue  # NodeImageOnly ignores the version (FIAC404)
        target = parse_version(value)
        fleet = ctx.graph.fleet_identity(run)
        if target is None or fleet is None:
            ctx.unknown(run, f"{decision}: the run's target version or fleet cannot be read",
                        at=("kubernetes_version",))
            continue
        compared = []
        for item in fleet_members.get(fleet, []):
            current_value = item.cluster.props.kubernetes_version
            if current_value is None:
                continue
            current = parse_version(current_value) if is_known(current_value) else None
            if current is None:
                ctx.unknown(run, f"{decision}: the Kubernetes version of cluster {item.cluster.address} cannot "
                                 f"be read", at=("kubernetes_version",))
                continue
            compared.append((item, current))
        runs.append((run, target, compared))
    return runs


@rule("FIAC402", "update-run-target-not-newer", "error",
      "An update run's target Kubernetes version is lower than (or equal to) a member's version.",
      tags=("versions", "updates"))
def update_run_target_not_newer(ctx: RuleContext) -> None:
    """
    ## What it finds

    An update run of type `Full` or `ControlPlaneOnly` whose Kubernetes version is lower than the
    version of an AKS member cluster of the run's fleet (an error: a downgrade is impossible), or equal
    to it (a warning: the run skips that member).

    Versions are compared on the parts both write: a run to `1.34.3` is lower than a cluster on
    `1.35`, but a run to `1.35` and a cluster on `1.35.2` are not judged, since a minor alias may mean
    any patch of that minor. Equal means equal patch versions. Clusters without a version, declared
    outside the scanned code, or whose version cannot be resolved are not judged.

    ## Why it matters

    AKS cannot downgrade a cluster: the run fails for that member (and stops the stage it is in), or,
    when the version is the member's own, skips it while the run looks like it upgraded the fleet.

    ## Example

    ## Fix

    Target a version newer than every member's.

    ## References

    - [Update Kubernetes and node images across clusters with update runs](https://learn.microsoft.com/azure/kubernetes-fleet/update-orchestration)
    - [Supported Kubernetes versions in AKS](https://learn.microsoft.com/azure/aks/supported-kubernetes-versions)
    """
    for run, target, compared in _run_targets(ctx, "whether the run's target is newer than its members"):
        for item, current in compared:
            order = compare_versions(target, current)
            if order is None or order > 0:
                continue
            member, cluster = item.member, item.cluster
            if order < 0:
                ctx.report(run,
                           f"update run {_name(run)} targets Kubernetes {target}, lower than {current} of member "
                           f"{_name(member)} (cluster {cluster.address}); AKS cannot downgrade, so the run fails "
                           f"for it", at=("kubernetes_version",),
                           hint=f"target a version newer than {current}, or leave the member out of the run",
                           related=(member.address, cluster.address))
            else:
                ctx.report(run,
                           f"update run {_name(run)} targets Kubernetes {target}, the version member "
                           f"{_name(member)} (cluster {cluster.address}) already runs; the run skips it",
                           at=("kubernetes_version",), hint=f"target a version newer than {current}",
                           related=(member.address, cluster.address), level=Level.WARNING)


@rule("FIAC403", "update-run-skips-minor", "error",
      "An update run's target minor is more than one minor above a member's.", tags=("versions", "updates"))
def update_run_skips_minor(ctx: RuleContext) -> None:
    """
    ## What it finds

    An update run of type `Full` or `ControlPlaneOnly` whose target minor is more than one minor above
    the minor of an AKS member cluster of the run's fleet (a run to 1.36 with a member on 1.34).
    Clusters without a version, declared outside the scanned code, or whose version cannot be resolved
    are not judged.

    ## Why it matters

    A control-plane upgrade moves one minor version at a time (1.34 -> 1.35 -> 1.36): the run fails
    for that member, and a failed member stops the run's stage.

    ## Example

    ## Fix

    Upgrade through each minor: run to the next minor first.

    ## References

    - [Upgrade an AKS cluster (one minor at a time)](https://learn.microsoft.com/azure/aks/upgrade-aks-cluster)
    - [Update Kubernetes and node images across clusters with update runs](https://learn.microsoft.com/azure/kubernetes-fleet/update-orchestration)
    """
    for run, target, compared in _run_targets(ctx, "whether the run skips a minor for its members"):
        for item, current in compared:
            if target.major != current.major or target.minor <= current.minor + 1:
                continue
            member, cluster = item.member, item.cluster
            step = f"{current.major}.{current.minor + 1}"
            ctx.report(run,
                       f"update run {_name(run)} targets Kubernetes {target}, but member {_name(member)} (cluster "
                       f"{cluster.address}) runs {current.major}.{current.minor}: the control plane moves one minor "
                       f"at a time, so the run fails for it",
                       at=("kubernetes_version",),
                       hint=f"run to {step} first, then on to {target.major}.{target.minor}",
                       related=(member.address, cluster.address))


@rule("FIAC404", "update-run-version-mismatch", "error",
      "An update run's upgrade type and Kubernetes version do not fit together.", tags=("versions", "updates"))
def update_run_version_mismatch(ctx: RuleContext) -> None:
    """
    ## What it finds

    An update run of upgrade type `Full` or `ControlPlaneOnly` without a Kubernetes version (an
    error), or of type `NodeImageOnly` with one (a warning: the version is ignored). Types compare
    without regard to letter case; a type or version that cannot be resolved is not judged.

    ## Why it matters

    A Kubernetes upgrade needs a version to go to: the API rejects the run. A node-image-only run
    ignores the version, so a reader who expects the clusters to move to it is misled.

    ## Example

    ## Fix

    Give a Kubernetes upgrade its version; leave it out of a node-image-only run.

    ## References

    - [Update Kubernetes and node images across clusters with update runs](https://learn.microsoft.com/azure/kubernetes-fleet/update-orchestration)
    - [azurerm_kubernetes_fleet_update_run (Terraform registry)](https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/kubernetes_fleet_update_run)
    """
    for run in ctx.graph.of_kind(Kind.UPDATE_RUN):
        upgrade_type = run.props.upgrade_type
        if upgrade_type is None:
            continue
        if not is_known(upgrade_type):
            ctx.unknown(run, f"upgrade type {display(upgrade_type)} cannot be resolved", at=("upgrade_type",))
            continue
        kind = _lower(upgrade_type)
        version = run.props.kubernetes_version
        if kind in _CONTROL_PLANE_TYPES:
            if version is not None and not is_known(version):
                ctx.unknown(run, f"Kubernetes version {display(version)} cannot be resolved",
                            at=("kubernetes_version",))
            elif version is None or (isinstance(version, str) and not version.strip()):
                ctx.report(run,
                           f"update run {_name(run)} has upgrade type {upgrade_type} but no Kubernetes version; "
                           f"the API rejects it", at=("upgrade_type",),
                           hint="set the Kubernetes version to upgrade to, or use type NodeImageOnly")
        elif kind == "nodeimageonly":
            if version is not None and not is_known(version):
                ctx.unknown(run, f"Kubernetes version {display(version)} cannot be resolved",
                            at=("kubernetes_version",))
            elif isinstance(version, str) and version.strip():
                ctx.report(run,
                           f"update run {_name(run)} is NodeImageOnly, so its Kubernetes version {version} is "
                           f"ignored", at=("kubernetes_version",), level=Level.WARNING,
                           hint="remove the version, or use type Full to upgrade Kubernetes")


@rule("FIAC405", "auto-upgrade-profile-invalid", "error",
      "A fleet auto-upgrade profile's channel and target version settings contradict each other.",
      tags=("versions", "auto-upgrade"))
def auto_upgrade_profile_invalid(ctx: RuleContext) -> None:
    """
    ## What it finds

    A fleet auto-upgrade profile (`Microsoft.ContainerService/fleets/autoUpgradeProfiles`, with
    `azapi_resource` in Terraform) whose

    - channel is `TargetKubernetesVersion` without `targetKubernetesVersion`;
    - `targetKubernetesVersion` is set (not empty) on another channel;
    - `longTermSupport` is true on another channel (`false` there changes nothing and is accepted).

    Channels compare without regard to letter case; values that cannot be resolved are not judged.

    ## Why it matters

    The API rejects the profile, so the deployment fails and the fleet keeps upgrading (or not) as
    before.

    ## Example

    ## Fix

    Set a target version exactly when the channel is `TargetKubernetesVersion`.

    ## References

    - [Automatically upgrade clusters with auto-upgrade profiles](https://learn.microsoft.com/azure/kubernetes-fleet/concepts-update-orchestration#understanding-auto-upgrade-profiles)
    """
    for profile in ctx.graph.of_kind(Kind.AUTO_UPGRADE_PROFILE):
        channel = profile.props.channel
        target = profile.props.target_kubernetes_version
        lts = profile.props.long_term_support
        if channel is None:
            continue
        if not is_known(channel):
            ctx.unknown(profile, f"channel {display(channel)} cannot be resolved", at=("channel",))
            continue
        pinned = _lower(channel) == "targetkubernetesversion"
        if pinned:
            if target is not None and not is_known(target):
                ctx.unknown(profile, f"target version {display(target)} cannot be resolved",
                            at=("target_kubernetes_version",))
            elif target is None or (isinstance(target, str) and not target.strip()):
                ctx.report(profile,
                           f"auto-upgrade profile {_name(profile)} has channel TargetKubernetesVersion but no "
                           f"targetKubernetesVersion; the API rejects it", at=("channel",),
                           hint='set targetKubernetesVersion to the minor to follow, e.g. "1.36"')
            continue
        if target is not None and not is_known(target):
            ctx.unknown(profile, f"target version {display(target)} cannot be resolved",
                        at=("target_kubernetes_version",))
        elif isinstance(target, str) and target.strip():
            ctx.report(profile,
                       f"auto-upgrade profile {_name(profile)} sets targetKubernetesVersion {target} on channel "
                       f"{channel}; only channel TargetKubernetesVersion takes one, so the API rejects it",
                       at=("target_kubernetes_version",),
                       hint="remove targetKubernetesVersion, or set the channel to TargetKubernetesVersion")
        if lts is not None and not is_known(lts):
            ctx.unknown(profile, f"longTermSupport {display(lts)} cannot be resolved", at=("long_term_support",))
        elif lts is True:
            ctx.report(profile,
                       f"auto-upgrade profile {_name(profile)} sets longTermSupport on channel {channel}; only "
                       f"channel TargetKubernetesVersion takes it, so the API rejects it",
                       at=("long_term_support",),
                       hint="remove longTermSupport, or set the channel to TargetKubernetesVersion")


def _fleet_upgraders(ctx: RuleContext) -> dict[str, tuple[list[AutoUpgradeProfile], list[UpdateRun]]]:
    """By fleet identity: its enabled auto-upgrade profiles (``disabled`` not true; an unknown
    ``disabled`` counts as maybe-enabled and is returned separately as an unknown) and its update runs."""
    out: dict[str, tuple[list[AutoUpgradeProfile], list[UpdateRun]]] = {}
    for profile in ctx.graph.of_kind(Kind.AUTO_UPGRADE_PROFILE):
        fleet = ctx.graph.fleet_identity(profile)
        if fleet is None or profile.props.disabled is True:
            continue
        out.setdefault(fleet, ([], []))[0].append(profile)
    for run in ctx.graph.of_kind(Kind.UPDATE_RUN):
        fleet = ctx.graph.fleet_identity(run)
        if fleet is not None:
            out.setdefault(fleet, ([], []))[1].append(run)
    return out


@rule("FIAC406", "aks-auto-upgrade-conflict", "warning",
      "An AKS member keeps its own auto-upgrade channel while its fleet manages upgrades.",
      tags=("versions", "auto-upgrade"))
def aks_auto_upgrade_conflict(ctx: RuleContext) -> None:
    """
    ## What it finds

    An AKS cluster that is a fleet member and keeps its own auto-upgrade channel
    (`automatic_upgrade_channel` in Terraform, `properties.autoUpgradeProfile.upgradeChannel` in
    Bicep, set and not `none`), while its fleet has an enabled auto-upgrade profile or update runs in
    the scanned code. A profile whose `disabled` cannot be resolved counts only when nothing else
    manages the fleet's upgrades, and then the decision is skipped rather than reported.

    ## Why it matters

    Two upgraders race: whichever runs first upgrades the cluster, outside the fleet's stages and
    soak times (or a fleet run then finds nothing to do). The Fleet documentation says to turn AKS
    auto-upgrade off on members the fleet upgrades.

    ## Example

    ## Fix

    Let the fleet alone upgrade its members: remove the cluster's channel (or set it to `none`).

    ## References

    - [Automatically upgrade clusters with auto-upgrade profiles](https://learn.microsoft.com/azure/kubernetes-fleet/concepts-update-orchestration#understanding-auto-upgrade-profiles)
    - [AKS cluster auto-upgrade channels](https://learn.microsoft.com/azure/aks/auto-upgrade-cluster)
    """
    upgraders = _fleet_upgraders(ctx)
    reported: set[str] = set()
    for item in aks_members(ctx, "whether the member's own auto-upgrade conflicts with the fleet's"):
        cluster, member = item.cluster, item.member
        channel = cluster.props.auto_upgrade_channel
        if channel is None or cluster.key in reported:
            continue
        fleet = ctx.graph.fleet_identity(member)
        profiles, runs = upgraders.get(fleet, ([], [])) if fleet is not None else ([], [])
        enabled = [p for p in profiles if p.props.disabled is not True and is_known(p.props.disabled)]
        if not enabled and not runs:
            if profiles:
                ctx.unknown(cluster, "whether the fleet's auto-upgrade profile is disabled", at=("auto_upgrade_channel",))
            continue
        if not is_known(channel):
            ctx.unknown(cluster, f"auto-upgrade channel {display(channel)} cannot be resolved",
                        at=("auto_upgrade_channel",))
            continue
        if _lower(channel) == "none":
            continue
        managers = [*(f"auto-upgrade profile {_name(p)}" for p in enabled), *(f"update run {_name(r)}" for r in runs)]
        reported.add(cluster.key)
        ctx.report(cluster,
                   f"cluster {_name(cluster)} ({cluster.address}), fleet member {_name(member)}, keeps its own "
                   f"auto-upgrade channel `{channel}` while its fleet upgrades it ({', '.join(managers)}); "
                   f"whichever runs first upgrades it, outside the fleet's stages",
                   at=("auto_upgrade_channel",),
                   hint="remove the cluster's auto-upgrade channel (or set it to none) and let the fleet upgrade it",
                   related=(member.address, *(r.address for r in enabled), *(r.address for r in runs)))


@rule("FIAC407", "auto-upgrade-without-strategy", "warning",
      "An enabled fleet auto-upgrade profile has no update strategy, so it upgrades every member at once.",
      tags=("versions", "auto-upgrade", "updates"))
def auto_upgrade_without_strategy(ctx: RuleContext) -> None:
    """
    ## What it finds

    A fleet auto-upgrade profile that is enabled (`disabled` not true) and sets no
    `updateStrategyId`. A profile whose `disabled` or strategy cannot be resolved is not judged.

    ## Why it matters

    Without a strategy the profile upgrades every member without stages: no canary, no soak time, no
    gate, so a bad version reaches production clusters as fast as test ones.

    ## Example

    ## Fix

    Point the profile at an update strategy (or disable it).

    ## References

    - [Automatically upgrade clusters with auto-upgrade profiles](https://learn.microsoft.com/azure/kubernetes-fleet/concepts-update-orchestration#understanding-auto-upgrade-profiles)
    """
    for profile in ctx.graph.of_kind(Kind.AUTO_UPGRADE_PROFILE):
        disabled = profile.props.disabled
        if disabled is True:
            continue
        strategy = profile.props.strategy
        if not is_known(disabled) or (strategy is not None and not is_known(strategy)):
            ctx.unknown(profile, "whether the profile is enabled and has an update strategy", at=("strategy", "disabled"))
            continue
        if strategy is not None and not (isinstance(strategy, str) and not strategy.strip()):
            continue
        ctx.report(profile,
                   f"auto-upgrade profile {_name(profile)} ({profile.address}) has no update strategy, so it "
                   f"upgrades every member of its fleet at once, without stages or soak time",
                   at=("strategy",),
                   hint="set updateStrategyId to an update strategy of the fleet, or disable the profile")


@rule("FIAC408", "unmanaged-node-os-channel", "note",
      "An AKS member uses node OS upgrade channel Unmanaged: node OS patches bypass the fleet's stages.",
      tags=("versions", "auto-upgrade"))
def unmanaged_node_os_channel(ctx: RuleContext) -> None:
    """
    ## What it finds

    An AKS cluster that is a fleet member with node OS upgrade channel `Unmanaged`
    (`node_os_upgrade_channel` in Terraform, `properties.autoUpgradeProfile.nodeOSUpgradeChannel` in
    Bicep), compared without regard to letter case. Clusters declared outside the scanned code, or
    whose channel cannot be resolved, are not judged.

    ## Why it matters

    With `Unmanaged`, node OS patches are applied by the OS itself, outside the fleet's update runs
    and stages; Fleet offers no `Unmanaged` channel of its own, so it cannot sequence them.

    ## Example

    ## Fix

    Use a managed node OS channel (`NodeImage` or `SecurityPatch`), or `None`.

    ## References

    - [AKS node OS auto-upgrade channels](https://learn.microsoft.com/azure/aks/auto-upgrade-node-os-image)
    - [Update orchestration across member clusters](https://learn.microsoft.com/azure/kubernetes-fleet/concepts-update-orchestration)
    """
    for cluster, members in by_cluster(aks_members(ctx, "the member's node OS upgrade channel")):
        channel = cluster.props.node_os_upgrade_channel
        if channel is None:
            continue
        if not is_known(channel):
            ctx.unknown(cluster, f"node OS upgrade channel {display(channel)} cannot be resolved",
                        at=("node_os_upgrade_channel",))
            continue
        if _lower(channel) != "unmanaged":
            continue
        ctx.report(cluster,
                   f"cluster {_name(cluster)} ({cluster.address}), fleet member {_members_text(members)}, uses node "
                   f"OS upgrade channel `{channel}`: node OS patches are applied outside the fleet's stages",
                   at=("node_os_upgrade_channel",),
                   hint="use NodeImage or SecurityPatch (or None to update node images through the fleet's runs)",
                   related=tuple(m.address for m in members))
