"""Versions and upgrades (FIAC4xx): Kubernetes versions of AKS members, update run targets and fleet
auto-upgrade profiles.

The AKS release calendar and version arithmetic are knowledge (:mod:`analyzer.knowledge.aks_versions`);
which members a run includes or a profile covers is a graph question (:mod:`analyzer.graph.runs`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from fleetiac.analyzer.graph.stages import Answer, members_profile_covers, members_reached, members_run_includes
from fleetiac.analyzer.knowledge.aks_versions import (
    LTS_PLAN,
    Calendar,
    Version,
    calendar,
    compare_versions,
    parse_version,
    region_key,
)
from fleetiac.analyzer.model import (
    AutoUpgradeProfile,
    AutoUpgradeProfileProps,
    Cluster,
    ClusterProps,
    Kind,
    Level,
    Member,
    Resource,
    UpdateRun,
    UpdateRunProps,
    narrow,
)
from fleetiac.analyzer.rules import RuleContext, rule
from fleetiac.analyzer.values import Unknown, display, is_known

Tri = bool | None

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
        cluster = _aks_cluster(ctx, member, decision)
        if cluster is not None:
            out.append(AksMember(member, cluster))
    return out


def _aks_cluster(ctx: RuleContext, member: Member, decision: str | None = None) -> Cluster | None:
    value = member.props.cluster
    if value is None:
        return None
    cluster = narrow(ctx.graph.resolve(value), ClusterProps)
    if cluster is None:
        if not is_known(value) and decision is not None:
            ctx.unknown(member, f"{decision}: cluster {display(value)} cannot be resolved", at=("cluster",))
        return None  # a cluster managed elsewhere: its settings are not in this code
    if cluster.props.flavor != "aks" or cluster.existing:
        return None
    return cluster


def by_cluster(members: list[AksMember]) -> list[tuple[Cluster, list[Member]]]:
    """Clusters with the members that join them (one finding per cluster, naming every member)."""
    grouped: dict[str, tuple[Cluster, list[Member]]] = {}
    for item in members:
        grouped.setdefault(item.cluster.key, (item.cluster, []))[1].append(item.member)
    return list(grouped.values())


def _name(resource: Resource) -> str:
    """The resource's name as evaluated; its address when the name is not known."""
    name = resource.name
    return f"`{name}`" if isinstance(name, str) and name else f"`{resource.address}`"


def _members_text(members: Sequence[Resource]) -> str:
    return ", ".join(_name(m) for m in members)


def _lower(value: Any) -> str | None:
    return value.strip().lower() if isinstance(value, str) else None


def _unset(value: Any) -> bool:
    """Not written, or written empty: ``kubernetesVersion: ''`` means AKS's default version."""
    return value is None or (isinstance(value, str) and not value.strip())


def lts_cluster(cluster: Cluster) -> Tri:
    """Whether the cluster is an LTS cluster: support plan ``AKSLongTermSupport`` and tier ``Premium``
    (unset plan: ``KubernetesOfficial``; unset tier: ``Free``). None when the plan or the tier is unknown."""
    plan, tier = cluster.props.support_plan, cluster.props.sku_tier
    if not is_known(plan) or not is_known(tier):
        return None
    return _lower(plan) == LTS_PLAN and _lower(tier) == "premium"


def _minor(version: Version) -> str:
    return f"{version.major}.{version.minor}"


def _cluster_version(ctx: RuleContext, cluster: Cluster, decision: str) -> Version | None:
    """The cluster's known Kubernetes version; None (recording why when it is unknown) otherwise."""
    value = cluster.props.kubernetes_version
    if _unset(value):
        return None
    if not is_known(value):
        ctx.unknown(cluster, f"{decision}: Kubernetes version {display(value)} cannot be resolved",
                    at=("kubernetes_version",))
        return None
    version = parse_version(value)
    if version is None or version.major != 1:
        ctx.unknown(cluster, f"{decision}: `{display(value)}` is not a Kubernetes version fleetiac can read",
                    at=("kubernetes_version",))
        return None
    return version


def _ended(data: Calendar, version: Version, lts: bool, as_of: date) -> tuple[bool, date, bool] | None:
    """Whether ``version``'s minor is past its end (LTS end with ``lts``) on ``as_of``, the end date, and
    whether the date is only an upper bound (a minor older than the data). None: newer than the data."""
    end = data.end_of_support(version, lts)
    if end is None:
        return None
    older = version.minor_key < data.oldest.minor
    return as_of > end, end, older


def _ended_text(end: date, older: bool) -> str:
    return f"no later than {end.isoformat()}" if older else f"on {end.isoformat()}"


def _newer_notice(ctx: RuleContext, data: Calendar, version: Version) -> None:
    ctx.notice(f"AKS version data ({data.retrieved.isoformat()}) ends at Kubernetes {data.newest.label}; "
               f"newer minors in this code (such as {_minor(version)}) were not checked "
               f"for support: update fleetiac")


@rule("FIAC401", "member-version-unsupported", "error",
      "An AKS member runs a Kubernetes minor that is past its AKS end of life on the evaluation date.",
      tags=("versions",))
def member_version_unsupported(ctx: RuleContext) -> None:
    """
    ## What it finds

    An AKS cluster that is a fleet member and whose `kubernetes_version` (Terraform) or
    `properties.kubernetesVersion` (Bicep) is a minor past its end of life on the evaluation date
    (today, or `--as-of YYYY-MM-DD`). Minor aliases (`1.33`) and patch versions (`1.33.2`, `v1.33.2`)
    are read alike. An LTS cluster — support plan `AKSLongTermSupport` (`support_plan`/`supportPlan`)
    **and** tier `Premium` (`sku_tier`/`sku.tier`; unset means `Free`) — is judged against the
    long-term support end date instead; the plan alone, without the Premium tier, gives no long-term
    support. The dates come from the AKS release calendar packaged with fleetiac
    (`analyzer/knowledge/data/aks_versions.json`, which records its sources and date); a month-only
    date means the last day of that month, and a minor is supported up to that day.

    A minor older than the oldest in the data is past its end of life once that oldest minor's end of
    life (its LTS end, for an LTS cluster) has passed, and the message says it ended "no later than"
    that date. A minor newer than the newest in the data is unknown.

    Not judged: an unset or empty version (AKS picks its default version) and a cluster managed
    outside the scanned code (a data source, `existing`, a literal ID). Skipped and listed by
    `--show-unknown`: a version, support plan or tier that cannot be resolved (when the plan or tier
    is unknown the cluster is judged only when even the LTS end has passed), and a minor newer than any
    the data knows. When the data cannot answer — a newer minor, or data gathered more than a year
    before the evaluation date deciding an end date it only forecast — the report says so once in a
    notice instead of guessing.

    ## Why it matters

    An unsupported minor gets no security patches, AKS support stops covering it, and a fleet update
    run can move it only one minor at a time, so the longer it stays the longer the way back.

    ## Example

    ## Fix

    Upgrade to a supported minor (one minor at a time), or, while planning the upgrade, move the
    cluster to long-term support (the `AKSLongTermSupport` plan with the Premium tier).

    ## References

    - [Supported Kubernetes versions in AKS (release calendar)](https://learn.microsoft.com/azure/aks/supported-kubernetes-versions)
    - [AKS long-term support](https://learn.microsoft.com/azure/aks/long-term-support)
    """
    data = calendar()
    stale = data.is_stale(ctx.as_of)
    decision = "whether the member's Kubernetes version is supported"
    for cluster, members in by_cluster(aks_members(ctx, decision)):
        value = cluster.props.kubernetes_version
        version = _cluster_version(ctx, cluster, decision)
        if version is None:
            continue
        if not data.knows(version):
            _newer_notice(ctx, data, version)
            ctx.unknown(cluster, f"Kubernetes {version} is newer than the version data knows",
                        at=("kubernetes_version",))
            continue
        lts = lts_cluster(cluster)
        judged = _ended(data, version, lts is not False, ctx.as_of)
        regular = _ended(data, version, False, ctx.as_of)
        assert judged is not None and regular is not None
        past, end, older = judged
        if not past:
            if lts is None and regular[0]:
                ctx.unknown(cluster, f"support plan {display(cluster.props.support_plan)} or tier "
                                     f"{display(cluster.props.sku_tier)} cannot be resolved (Kubernetes {version} "
                                     f"is past standard support, not past LTS)", at=("support_plan", "sku_tier"))
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
        if lts is False and lts_end is not None and ctx.as_of <= lts_end:
            if _lower(cluster.props.support_plan) == LTS_PLAN:
                hint += (f", or set the tier to Premium, which long-term support requires (supported until "
                         f"{lts_end.isoformat()})")
            else:
                hint += (f", or move the cluster to long-term support (support plan AKSLongTermSupport with the "
                         f"Premium tier; supported until {lts_end.isoformat()})")
        ctx.report(cluster,
                   f"cluster {_name(cluster)} ({cluster.address}), fleet member {_members_text(members)}, runs "
                   f"Kubernetes {display(value)}, whose AKS {kind} ended {_ended_text(end, older)}; it gets no "
                   f"more patches and must be upgraded one minor at a time",
                   at=("kubernetes_version",), hint=hint, related=tuple(m.address for m in members))


_CONTROL_PLANE_TYPES = ("full", "controlplaneonly")


@dataclass(frozen=True, slots=True)
class RunTarget:
    run: UpdateRun
    target: Version
    full: bool
    """Upgrade type Full (else ControlPlaneOnly)."""
    members: list[tuple[AksMember, Version]]
    """The AKS members the run includes whose cluster version is known."""


def _run_kind(ctx: RuleContext, run: UpdateRun, decision: str) -> str | None:
    """The run's upgrade type, lower case; None when unset or unknown (recorded)."""
    upgrade_type = run.props.upgrade_type
    if upgrade_type is None:
        return None
    if not is_known(upgrade_type):
        ctx.unknown(run, f"{decision}: the run's upgrade type {display(upgrade_type)} cannot be resolved",
                    at=("upgrade_type",))
        return None
    return _lower(upgrade_type)


def _run_version(ctx: RuleContext, run: UpdateRun, decision: str) -> Version | None:
    value = run.props.kubernetes_version
    if _unset(value):
        return None
    if not is_known(value):
        ctx.unknown(run, f"{decision}: the run's version {display(value)} cannot be resolved",
                    at=("kubernetes_version",))
        return None
    target = parse_version(value)
    if target is None:
        ctx.unknown(run, f"{decision}: `{display(value)}` is not a Kubernetes version fleetiac can read",
                    at=("kubernetes_version",))
    return target


def _included(ctx: RuleContext, run: UpdateRun, decision: str) -> list[tuple[Member, Cluster | None]]:
    """The members the run includes, each with its declared AKS cluster (None: Arc, or not declared);
    a member the run may include is recorded as a skipped ``decision``."""
    out = []
    for member, included in members_run_includes(ctx.graph, run).answers:
        if included is False:
            continue
        if included is None:
            ctx.unknown(run, f"{decision}: whether the run includes member {_name(member)} "
                             f"(its group, labels or the run's stages cannot be resolved)", at=("kubernetes_version",))
            continue
        out.append((member, _aks_cluster(ctx, member, decision)))
    return out


def _run_targets(ctx: RuleContext, decision: str) -> list[RunTarget]:
    """Update runs that upgrade the control plane to a known version, each with the AKS members it
    includes whose cluster version is known."""
    out = []
    for run in ctx.graph.of_kind(Kind.UPDATE_RUN):
        kind = _run_kind(ctx, run, decision)
        if kind not in _CONTROL_PLANE_TYPES:
            continue  # NodeImageOnly ignores the version (FIAC404)
        target = _run_version(ctx, run, decision)
        if target is None:
            continue
        compared = []
        for member, cluster in _included(ctx, run, decision):
            if cluster is None:
                continue
            current = _cluster_version(ctx, cluster, decision)
            if current is not None:
                compared.append((AksMember(member, cluster), current))
        out.append(RunTarget(run, target, kind == "full", compared))
    return out


@rule("FIAC402", "update-run-target-not-newer", "error",
      "An update run's target Kubernetes version is lower than (or equal to) a member's version.",
      tags=("versions", "updates"))
def update_run_target_not_newer(ctx: RuleContext) -> None:
    """
    ## What it finds

    An update run of type `Full` or `ControlPlaneOnly` whose Kubernetes version is lower than the
    version of an AKS member cluster the run includes (an error: a downgrade is impossible), or equal
    to it (a warning: the run skips that member). A run includes the members its inline stages select,
    or those its update strategy's stages select, or, with neither, every member of its fleet; a stage
    selects members by update group or by member selector (`memberSelector.byLabel`).

    Versions are compared on the parts both write: a run to `1.34.3` is lower than a cluster on
    `1.35`, but a run to `1.35` and a cluster on `1.35.2` are not judged, since a minor alias may mean
    any patch of that minor. Equal means equal patch versions. Clusters without a version, declared
    outside the scanned code, or whose version cannot be resolved are not judged, nor are members the
    run leaves out; a member the run may include (its group or labels, or the run's stages, cannot be
    resolved) is skipped and listed by `--show-unknown`.

    ## Why it matters

    AKS cannot downgrade a cluster: the run fails for that member (and stops the stage it is in), or,
    when the version is the member's own, skips it while the run looks like it upgraded the fleet.

    ## Example

    ## Fix

    Target a version newer than every member's the run includes.

    ## References

    - [Update Kubernetes and node images across clusters with update runs](https://learn.microsoft.com/azure/kubernetes-fleet/update-orchestration)
    - [Update orchestration concepts (update groups select the clusters to update)](https://learn.microsoft.com/azure/kubernetes-fleet/concepts-update-orchestration)
    - [Supported Kubernetes versions in AKS](https://learn.microsoft.com/azure/aks/supported-kubernetes-versions)
    """
    for item in _run_targets(ctx, "whether the run's target is newer than its members"):
        run, target = item.run, item.target
        for aks, current in item.members:
            order = compare_versions(target, current)
            if order is None or order > 0:
                continue
            member, cluster = aks.member, aks.cluster
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


def _skip_allowed(data: Calendar, item: RunTarget, current: Version, lts: bool, as_of: date) -> bool:
    """Whether AKS lets a member skip minors to the run's target: (a) an LTS cluster to a target minor
    not past its LTS end (ControlPlaneOnly: at most three minors above, the node-pool skew limit); (b) a
    Full run from a non-LTS cluster past its end of life to the oldest minor supported on ``as_of``."""
    target = item.target
    if lts:
        ended = _ended(data, target, True, as_of)
        if ended is None or ended[0]:
            return False
        return item.full or target.minor <= current.minor + 3
    if not item.full:
        return False
    ended = _ended(data, current, False, as_of)
    supported = data.supported(as_of)
    return ended is not None and ended[0] and bool(supported) and _minor(target) == supported[0]


@rule("FIAC403", "update-run-skips-minor", "error",
      "An update run's target minor is more than one minor above a member's.", tags=("versions", "updates"))
def update_run_skips_minor(ctx: RuleContext) -> None:
    """
    ## What it finds

    An update run of type `Full` or `ControlPlaneOnly` whose target minor is more than one minor above
    the minor of an AKS member cluster the run includes (a run to 1.36 with a member on 1.34), except
    where AKS allows the skip:

    - (a) the member is an LTS cluster (support plan `AKSLongTermSupport` and tier `Premium`) and the
      target minor has not passed its LTS end on the evaluation date: LTS to a higher LTS may skip
      minors; for a `ControlPlaneOnly` run at most three minors above, the node pools' version skew
      limit;
    - (b) a `Full` run from a member that is not an LTS cluster and is past its end of life, to the
      oldest minor still supported on the evaluation date: AKS's unsupported recovery path (FIAC401
      reports the member).

    A run includes the members its stages (or its strategy's) select, every member of the fleet
    without either. Clusters without a version, declared outside the scanned code, or whose version
    cannot be resolved are not judged, nor are members the run leaves out. A member whose plan or tier
    cannot be resolved, where an exception might apply, is skipped and listed by `--show-unknown`.

    ## Why it matters

    Outside those paths a control-plane upgrade moves one minor version at a time (1.34 -> 1.35 ->
    1.36): the run fails for that member, and a failed member stops the run's stage.

    ## Example

    ## Fix

    Upgrade through each minor: run to the next minor first.

    ## References

    - [Supported Kubernetes versions in AKS ("Can I skip multiple AKS versions during a cluster upgrade?")](https://learn.microsoft.com/azure/aks/supported-kubernetes-versions)
    - [AKS long-term support](https://learn.microsoft.com/azure/aks/long-term-support)
    - [Update Kubernetes and node images across clusters with update runs](https://learn.microsoft.com/azure/kubernetes-fleet/update-orchestration)
    """
    data = calendar()
    for item in _run_targets(ctx, "whether the run skips a minor for its members"):
        run, target = item.run, item.target
        for aks, current in item.members:
            if target.major != current.major or target.minor <= current.minor + 1:
                continue
            member, cluster = aks.member, aks.cluster
            lts = lts_cluster(cluster)
            if lts is not False and not data.knows(target):
                _newer_notice(ctx, data, target)
                ctx.unknown(run, f"whether member {_name(member)} (cluster {cluster.address}) may skip minors: "
                                 f"the LTS end of Kubernetes {_minor(target)} is newer than the version data",
                            at=("kubernetes_version",))
                continue
            if lts is None:
                if any(_skip_allowed(data, item, current, choice, ctx.as_of) for choice in (True, False)):
                    ctx.unknown(run, f"whether member {_name(member)} (cluster {cluster.address}) may skip minors: "
                                     f"its support plan or tier cannot be resolved", at=("kubernetes_version",))
                    continue
            elif _skip_allowed(data, item, current, lts, ctx.as_of):
                continue
            step = f"{current.major}.{current.minor + 1}"
            ctx.report(run,
                       f"update run {_name(run)} targets Kubernetes {target}, but member {_name(member)} (cluster "
                       f"{cluster.address}) runs {_minor(current)}: the control plane moves one minor "
                       f"at a time, so the run fails for it",
                       at=("kubernetes_version",),
                       hint=f"run to {step} first, then on to {_minor(target)}",
                       related=(member.address, cluster.address))


@rule("FIAC404", "update-run-version-mismatch", "error",
      "An update run's upgrade type, Kubernetes version and node image selection do not fit together.",
      tags=("versions", "updates"))
def update_run_version_mismatch(ctx: RuleContext) -> None:
    """
    ## What it finds

    An update run

    - of upgrade type `Full` or `ControlPlaneOnly` without a Kubernetes version (an error);
    - with node image selection `Custom` without `customNodeImageVersions`, or with
      `customNodeImageVersions` and another selection type (an error);
    - of type `NodeImageOnly` with a Kubernetes version (a warning: the version is ignored).

    Types compare without regard to letter case; a type, version or list that cannot be resolved is
    not judged.

    ## Why it matters

    A Kubernetes upgrade needs a version to go to, and the API requires `customNodeImageVersions`
    exactly when the selection is `Custom` ("Otherwise, it must be empty"): it rejects the run. A
    node-image-only run ignores the version, so a reader who expects the clusters to move to it is
    misled.

    ## Example

    ## Fix

    Give a Kubernetes upgrade its version; leave it out of a node-image-only run; list custom node
    image versions exactly with the `Custom` selection.

    ## References

    - [Update Kubernetes and node images across clusters with update runs](https://learn.microsoft.com/azure/kubernetes-fleet/update-orchestration)
    - [Fleet API: NodeImageSelection.customNodeImageVersions](https://github.com/Azure/azure-rest-api-specs/tree/main/specification/containerservice/resource-manager/Microsoft.ContainerService/fleet)
    - [azurerm_kubernetes_fleet_update_run (Terraform registry)](https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/kubernetes_fleet_update_run)
    """
    for run in ctx.graph.of_kind(Kind.UPDATE_RUN):
        _custom_images(ctx, run)
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
            elif _unset(version):
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


def _custom_images(ctx: RuleContext, run: UpdateRun) -> None:
    selection, versions = run.props.node_image_selection, run.props.custom_node_image_versions
    if selection is None and versions is None:
        return
    if not is_known(selection) or (versions is not None and not is_known(versions)):
        ctx.unknown(run, "the node image selection or its customNodeImageVersions cannot be resolved",
                    at=("node_image_selection", "custom_node_image_versions"))
        return
    listed = isinstance(versions, list) and len(versions) > 0
    if _lower(selection) == "custom" and not listed:
        ctx.report(run,
                   f"update run {_name(run)} has node image selection Custom without customNodeImageVersions; "
                   f"the API rejects it", at=("node_image_selection",),
                   hint="list the node image versions to use in customNodeImageVersions, or select Latest "
                        "or Consistent")
    elif selection is not None and _lower(selection) != "custom" and listed:
        ctx.report(run,
                   f"update run {_name(run)} lists customNodeImageVersions with node image selection "
                   f"{selection}; they are allowed only with Custom, so the API rejects it",
                   at=("custom_node_image_versions",),
                   hint="remove customNodeImageVersions, or set the node image selection type to Custom")


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


def _automatic(cluster: Cluster) -> Tri:
    """Whether the cluster is AKS Automatic (``sku.name`` ``Automatic``); None when unknown."""
    name = cluster.props.sku_name
    if name is None:
        return False
    if not is_known(name):
        return None
    return _lower(name) == "automatic"


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

    Not for AKS Automatic clusters (`sku.name` `Automatic`), whose own auto-upgrade cannot be turned
    off (FIAC413 reports them); a cluster whose `sku.name` cannot be resolved is skipped.

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
    - [Fleet Manager FAQ (AKS Automatic members)](https://learn.microsoft.com/azure/kubernetes-fleet/faq)
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
        automatic = _automatic(cluster)
        if automatic is not False:
            if automatic is None:
                ctx.unknown(cluster, f"whether the cluster is AKS Automatic: sku.name "
                                     f"{display(cluster.props.sku_name)} cannot be resolved", at=("sku_name",))
            continue  # an Automatic cluster cannot turn its own auto-upgrade off (FIAC413)
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


# -- who upgrades a member -----------------------------------------------------------------------

_FLEET_VERSION_CHANNELS = ("rapid", "stable", "targetkubernetesversion")


def _enabled_profiles(ctx: RuleContext, decision: str) -> list[AutoUpgradeProfile]:
    """Auto-upgrade profiles whose ``disabled`` is known not true; one whose ``disabled`` cannot be
    resolved is recorded as a skipped ``decision``."""
    out = []
    for profile in ctx.graph.of_kind(Kind.AUTO_UPGRADE_PROFILE):
        disabled = profile.props.disabled
        if disabled is True:
            continue
        if not is_known(disabled):
            ctx.unknown(profile, f"{decision}: whether the profile is disabled ({display(disabled)}) cannot be "
                                 f"resolved", at=("disabled",))
            continue
        out.append(profile)
    return out


def _channel(ctx: RuleContext, profile: AutoUpgradeProfile, decision: str) -> str | None:
    channel = profile.props.channel
    if channel is not None and not is_known(channel):
        ctx.unknown(profile, f"{decision}: channel {display(channel)} cannot be resolved", at=("channel",))
        return None
    return _lower(channel)


def _covered(ctx: RuleContext, profile: AutoUpgradeProfile, decision: str, at: str) -> list[Member]:
    """The members the profile covers; a member it may cover is recorded as a skipped ``decision``."""
    out = []
    for member, covered in members_profile_covers(ctx.graph, profile).answers:
        if covered is None:
            ctx.unknown(profile, f"{decision}: whether the profile covers member {_name(member)} (its group, "
                                 f"labels or the strategy's stages cannot be resolved)", at=(at,))
        elif covered:
            out.append(member)
    return out


def _profile_target(ctx: RuleContext, profile: AutoUpgradeProfile, decision: str) -> Version | None:
    """The known target minor of a TargetKubernetesVersion profile."""
    if _channel(ctx, profile, decision) != "targetkubernetesversion":
        return None
    value = profile.props.target_kubernetes_version
    if _unset(value):
        return None  # FIAC405
    if not is_known(value):
        ctx.unknown(profile, f"{decision}: target version {display(value)} cannot be resolved",
                    at=("target_kubernetes_version",))
        return None
    target = parse_version(value)
    if target is None:
        ctx.unknown(profile, f"{decision}: `{display(value)}` is not a Kubernetes version fleetiac can read",
                    at=("target_kubernetes_version",))
    return target


def _what(resource: Resource) -> str:
    noun = "update run" if resource.kind == Kind.UPDATE_RUN else "auto-upgrade profile"
    return f"{noun} {_name(resource)}"


def _steps(path: str) -> list[str]:
    """``default_node_pool[0].orchestrator_version`` (or ``default_node_pool.0.orchestrator_version``)
    as its steps: ``["default_node_pool", "0", "orchestrator_version"]``."""
    return [step for step in re.split(r"[.\[\]\"]+", path) if step]


def _ignores(ignore: tuple[str, ...], path: str) -> bool:
    """Whether ``lifecycle { ignore_changes }`` entries cover the attribute ``path``: ``all``, the path,
    or a block that holds it (``default_node_pool``)."""
    wanted = _steps(path)
    for entry in ignore:
        if entry == "all":
            return True
        steps = _steps(entry)
        if steps and wanted[:len(steps)] == steps:
            return True
    return False


def _pin_managers(ctx: RuleContext, cluster: Cluster, members: list[Member], decision: str,
                  pools: bool) -> tuple[list[Resource], bool]:
    """What upgrades the cluster's version (``pools``: its node pools' versions) through its fleet: update
    runs that include one of its members (Full or ControlPlaneOnly; Full only for pools), and, for the
    control plane, enabled profiles on channel Rapid, Stable or TargetKubernetesVersion that cover one.
    The flag says whether something may also upgrade it (an unknown decides)."""
    managers: dict[str, Resource] = {}
    maybe = False
    kinds = ("full",) if pools else _CONTROL_PLANE_TYPES
    # The runs and profiles that reach one of the members, each with its answers for them (through
    # the graph's index, not by asking every run about every cluster). Order does not matter: the
    # managers are sorted and `maybe` is an "any".
    reached: dict[str, tuple[Resource, list[Answer]]] = {}
    index = members_reached(ctx.graph)
    for member in members:
        for reacher, answer in index.get(member.key, ()):
            reached.setdefault(reacher.key, (reacher, []))[1].append(answer)
    for owner, answers in reached.values():
        if isinstance(owner.props, UpdateRunProps):
            upgrade_type = owner.props.upgrade_type
            if upgrade_type is None:
                continue
            if not is_known(upgrade_type):
                maybe = True
                continue
            if _lower(upgrade_type) not in kinds:
                continue
        elif isinstance(owner.props, AutoUpgradeProfileProps):
            if pools or owner.props.disabled is True:
                continue
            channel = owner.props.channel
            if not is_known(owner.props.disabled) or not is_known(channel):
                maybe = True
                continue
            if _lower(channel) not in _FLEET_VERSION_CHANNELS:
                continue
        else:
            continue
        if any(answer is True for answer in answers):
            managers[owner.key] = owner
        elif any(answer is None for answer in answers):
            maybe = True
    return [managers[k] for k in sorted(managers)], maybe


@rule("FIAC409", "terraform-pins-fleet-managed-version", "warning",
      "Terraform pins the Kubernetes version of a cluster whose upgrades the fleet manages.",
      tags=("versions", "updates", "auto-upgrade"))
def terraform_pins_fleet_managed_version(ctx: RuleContext) -> None:
    """
    ## What it finds

    The `azurerm_kubernetes_cluster` of an AKS fleet member that sets `kubernetes_version` to a known
    value with no `lifecycle { ignore_changes }` entry for it (nor `all`), while an update run of type
    `Full` or `ControlPlaneOnly` includes the member, or an enabled auto-upgrade profile on channel
    `Rapid`, `Stable` or `TargetKubernetesVersion` covers it. Likewise
    `default_node_pool.orchestrator_version`, or the `orchestrator_version` of an
    `azurerm_kubernetes_cluster_node_pool` of that cluster, while a `Full` run includes the member.
    An `ignore_changes` entry for a block (`default_node_pool`) covers the attributes in it.

    A run includes the members its stages (or its strategy's) select, or every member of the fleet
    without either; a profile covers those its strategy's stages select, or every member without one.
    Skipped and listed by `--show-unknown`: a version, an `ignore_changes` list, or a run's or
    profile's reach that cannot be resolved.

    Bicep: not applicable. Bicep has no `lifecycle`, so there is no entry to ask for; a template
    redeployed with an older `kubernetesVersion` than the cluster now runs fails the same way, so keep
    the version written there in step with the fleet's runs.

    ## Why it matters

    Once Fleet upgrades the cluster, the next `terraform apply` sees the old version in the code and
    tries to set it back; AKS does not downgrade, so the apply fails (or, for node pools, plans a
    change on every run). Microsoft's migration guide says to remove Kubernetes version updates from
    Terraform once Fleet runs them.

    ## Example

    ## Fix

    Let Fleet own the version: add the attribute to `lifecycle { ignore_changes }` (or remove it).

    ## References

    - [Migrate Kubernetes updates from Terraform to Fleet Manager](https://learn.microsoft.com/azure/kubernetes-fleet/howto-migrate-updates-from-terraform)
    - [The lifecycle meta-argument: ignore_changes](https://developer.hashicorp.com/terraform/language/meta-arguments/lifecycle)
    - [Supported Kubernetes versions in AKS (no downgrades)](https://learn.microsoft.com/azure/aks/supported-kubernetes-versions)
    """
    decision = "whether Terraform pins a version the fleet upgrades"
    for cluster, members in by_cluster(aks_members(ctx, decision)):
        ignore = cluster.props.ignore_changes
        if ignore is None:
            continue  # a language without lifecycle
        # (resource, canonical field, ignore_changes path, attribute as users write it, value, its
        # ignore_changes, whether it is a node pool version)
        pins: list[tuple[Resource, str, str, str, Any, Any, bool]] = [
            (cluster, "kubernetes_version", "kubernetes_version", "kubernetes_version",
             cluster.props.kubernetes_version, ignore, False),
            (cluster, "default_pool_version", "default_node_pool[0].orchestrator_version",
             "default_node_pool.orchestrator_version", cluster.props.default_pool_version, ignore, True)]
        for pool in ctx.graph.referrers(cluster, "cluster", Kind.NODE_POOL):
            pins.append((pool, "orchestrator_version", "orchestrator_version", "orchestrator_version",
                         pool.props.orchestrator_version, pool.props.ignore_changes, True))
        for resource, field, path, written, value, ignored, pools in pins:
            if _unset(value):
                continue
            if not is_known(value) or isinstance(ignored, Unknown):
                ctx.unknown(resource, f"{decision}: {path} {display(value)} or its lifecycle ignore_changes "
                                      f"cannot be resolved", at=(field,))
                continue
            if isinstance(ignored, tuple) and _ignores(ignored, path):
                continue
            managers, maybe = _pin_managers(ctx, cluster, members, decision, pools)
            if not managers:
                if maybe:
                    ctx.unknown(resource, f"{decision}: whether a run or profile of the fleet upgrades "
                                          f"{cluster.address}", at=(field,))
                continue
            ctx.report(resource,
                       f"{resource.address} sets {written} = \"{value}\" without a lifecycle ignore_changes entry for "
                       f"it, while {', '.join(_what(m) for m in managers)} upgrades cluster {_name(cluster)}, "
                       f"fleet member {_members_text(members)}: once the fleet upgrades it, the next apply tries "
                       f"to set {value} back, and AKS does not downgrade",
                       at=(field,),
                       hint=(f"add {path} to the lifecycle ignore_changes of {resource.address}" if ignored
                             else f"add lifecycle {{ ignore_changes = [{path}] }} to {resource.address}")
                       + f", or remove {written}",
                       related=(cluster.address, *(m.address for m in members), *(m.address for m in managers)))


@rule("FIAC410", "lts-without-premium-tier", "error",
      "An AKS member asks for long-term support without the Premium tier it requires.", tags=("versions",))
def lts_without_premium_tier(ctx: RuleContext) -> None:
    """
    ## What it finds

    An AKS cluster that is a fleet member with support plan `AKSLongTermSupport` (`support_plan`,
    `properties.supportPlan`) and a known tier other than `Premium` (`sku_tier`, `sku.tier`; unset
    means `Free`). Values compare without regard to letter case; a plan or tier that cannot be
    resolved is not judged (listed by `--show-unknown`).

    ## Why it matters

    Long-term support requires the Premium tier: AKS rejects the plan on another tier, and a cluster
    counted on for LTS is in fact on the community support calendar, so it reaches its end of life a
    year earlier than planned (FIAC401 judges it by that earlier date).

    ## Example

    ## Fix

    Set the tier to `Premium`, or drop the LTS support plan.

    ## References

    - [AKS long-term support ("Enabling LTS requires moving your cluster to the Premium tier")](https://learn.microsoft.com/azure/aks/long-term-support)
    - [AKS pricing tiers](https://learn.microsoft.com/azure/aks/free-standard-pricing-tiers)
    """
    for cluster, members in by_cluster(aks_members(ctx, "whether the LTS cluster has the Premium tier")):
        plan, tier = cluster.props.support_plan, cluster.props.sku_tier
        if not is_known(plan):
            ctx.unknown(cluster, f"support plan {display(plan)} cannot be resolved", at=("support_plan",))
            continue
        if _lower(plan) != LTS_PLAN:
            continue
        if not is_known(tier):
            ctx.unknown(cluster, f"tier {display(tier)} cannot be resolved", at=("sku_tier",))
            continue
        if _lower(tier) == "premium":
            continue
        shown = f"tier {tier}" if tier is not None else "no tier (Free)"
        ctx.report(cluster,
                   f"cluster {_name(cluster)} ({cluster.address}), fleet member {_members_text(members)}, has "
                   f"support plan {plan} with {shown}: long-term support requires the Premium tier",
                   at=("sku_tier", "support_plan"),
                   hint="set the tier to Premium, or use support plan KubernetesOfficial",
                   related=tuple(m.address for m in members))


@rule("FIAC411", "target-version-profile-unreachable", "warning",
      "A TargetKubernetesVersion auto-upgrade profile covers a member it cannot bring to its target minor.",
      tags=("versions", "auto-upgrade"))
def target_version_profile_unreachable(ctx: RuleContext) -> None:
    """
    ## What it finds

    An enabled auto-upgrade profile with channel `TargetKubernetesVersion` that covers an AKS member
    whose known minor is above the target minor, or more than one minor below it for a member that is
    not an LTS cluster. A profile covers the members its update strategy's stages select, or every
    member of the fleet without a strategy. Members whose version, plan or tier, or whether the profile
    covers them, cannot be resolved are skipped and listed by `--show-unknown`.

    ## Why it matters

    Auto-upgrade never downgrades, and "doesn't move clusters between minor Kubernetes versions when
    there's more than one minor Kubernetes version difference": the profile silently leaves that member
    where it is, while the fleet looks pinned to the target minor.

    ## Example

    ## Fix

    Bring the member within one minor below the target first (an update run), or cover it with a
    profile of its own; or choose a target the member can reach.

    ## References

    - [Update orchestration: auto-upgrade profiles](https://learn.microsoft.com/azure/kubernetes-fleet/concepts-update-orchestration)
    """
    decision = "whether the target version profile can reach its members"
    for profile in _enabled_profiles(ctx, decision):
        target = _profile_target(ctx, profile, decision)
        if target is None:
            continue
        for member in _covered(ctx, profile, decision, "target_kubernetes_version"):
            cluster = _aks_cluster(ctx, member, decision)
            current = _cluster_version(ctx, cluster, decision) if cluster is not None else None
            if cluster is None or current is None or current.major != target.major:
                continue
            if current.minor > target.minor:
                why = "above the target, and auto-upgrade never downgrades"
            elif current.minor < target.minor - 1:
                lts = lts_cluster(cluster)
                if lts is None:
                    ctx.unknown(profile, f"{decision}: whether cluster {cluster.address} is an LTS cluster "
                                         f"(support plan or tier cannot be resolved)", at=("target_kubernetes_version",))
                    continue
                if lts:
                    continue
                why = "more than one minor below the target, and auto-upgrade does not move a cluster across more " \
                      "than one minor"
            else:
                continue
            ctx.report(profile,
                       f"auto-upgrade profile {_name(profile)} targets Kubernetes {_minor(target)}, but member "
                       f"{_name(member)} (cluster {cluster.address}) runs {current}, {why}: the profile never "
                       f"upgrades it",
                       at=("target_kubernetes_version",),
                       hint=("bring the member to a minor at most one below the target with an update run first"
                             if current.minor < target.minor else "choose a target at or above the member's minor"),
                       related=(member.address, cluster.address))


@rule("FIAC412", "lts-profile-includes-non-lts-member", "error",
      "An auto-upgrade profile with longTermSupport covers a member that is not an LTS cluster.",
      tags=("versions", "auto-upgrade"))
def lts_profile_includes_non_lts_member(ctx: RuleContext) -> None:
    """
    ## What it finds

    An enabled auto-upgrade profile with `longTermSupport` true that covers an AKS member whose cluster
    is known not to be an LTS cluster (support plan `AKSLongTermSupport` **and** tier `Premium`; unset
    plan means `KubernetesOfficial`, unset tier `Free`). A profile covers the members its update
    strategy's stages select, or every member of the fleet without a strategy. A member whose plan or
    tier cannot be resolved is skipped and listed by `--show-unknown`.

    ## Why it matters

    "If the generated update run includes clusters without LTS enabled, it fails": every run the
    profile generates for LTS patches stops at that member.

    ## Example

    ## Fix

    Enable LTS on the member (plan `AKSLongTermSupport`, tier `Premium`), or point the profile at a
    strategy whose stages select only LTS clusters.

    ## References

    - [Update orchestration: auto-upgrade profiles and long-term support](https://learn.microsoft.com/azure/kubernetes-fleet/concepts-update-orchestration)
    - [AKS long-term support](https://learn.microsoft.com/azure/aks/long-term-support)
    """
    decision = "whether the LTS profile covers only LTS clusters"
    for profile in _enabled_profiles(ctx, decision):
        flag = profile.props.long_term_support
        if flag is None:
            continue
        if not is_known(flag):
            ctx.unknown(profile, f"longTermSupport {display(flag)} cannot be resolved", at=("long_term_support",))
            continue
        if flag is not True:
            continue
        for member in _covered(ctx, profile, decision, "long_term_support"):
            cluster = _aks_cluster(ctx, member, decision)
            if cluster is None:
                continue
            lts = lts_cluster(cluster)
            if lts is None:
                ctx.unknown(profile, f"{decision}: whether cluster {cluster.address} is an LTS cluster (support "
                                     f"plan or tier cannot be resolved)", at=("long_term_support",))
                continue
            if lts:
                continue
            ctx.report(profile,
                       f"auto-upgrade profile {_name(profile)} has longTermSupport but covers member "
                       f"{_name(member)}, whose cluster {cluster.address} is not an LTS cluster (support plan "
                       f"{display(cluster.props.support_plan) if cluster.props.support_plan is not None else 'KubernetesOfficial'}, "
                       f"tier {display(cluster.props.sku_tier) if cluster.props.sku_tier is not None else 'Free'}): "
                       f"the runs it generates fail",
                       at=("long_term_support",),
                       hint="enable LTS on the cluster (support plan AKSLongTermSupport, tier Premium), or give the "
                            "profile a strategy that selects only LTS clusters",
                       related=(member.address, cluster.address))


@rule("FIAC413", "aks-automatic-member-self-upgrades", "warning",
      "An AKS Automatic member upgrades itself, outside the fleet's update sequence.",
      tags=("versions", "auto-upgrade", "updates"))
def aks_automatic_member_self_upgrades(ctx: RuleContext) -> None:
    """
    ## What it finds

    An AKS fleet member whose cluster is AKS Automatic (`sku.name` `Automatic`) while an update run of
    its fleet includes it or an enabled auto-upgrade profile covers it. A run includes the members its
    stages (or its strategy's) select, every member without either; a profile covers the members its
    strategy's stages select, every member without one. A `sku.name` or a reach that cannot be
    resolved is skipped and listed by `--show-unknown`.

    ## Why it matters

    An Automatic cluster upgrades itself on the stable channel, and "You can't disable cluster-level
    auto-upgrade, so the cluster can update out of sequence": it may move before the fleet's earlier
    stages have soaked, or leave a run nothing to do.

    ## Example

    ## Fix

    Keep AKS Automatic clusters out of the fleet's update runs and profiles (a stage or strategy that
    does not select them), or use a Standard cluster where the fleet must sequence upgrades.

    ## References

    - [Fleet Manager FAQ (AKS Automatic)](https://learn.microsoft.com/azure/kubernetes-fleet/faq)
    - [What is AKS Automatic?](https://learn.microsoft.com/azure/aks/intro-aks-automatic)
    """
    decision = "whether an AKS Automatic member is upgraded by the fleet"
    profiles = _enabled_profiles(ctx, decision)
    reach: dict[str, tuple[list[Resource], bool]] = {}
    sources: list[tuple[Resource, tuple[tuple[Member, Tri], ...]]] = [
        *((r, members_run_includes(ctx.graph, r).answers) for r in ctx.graph.of_kind(Kind.UPDATE_RUN)),
        *((p, members_profile_covers(ctx.graph, p).answers) for p in profiles)]
    for source, pairs in sources:
        for member, included in pairs:
            found, _ = reach.setdefault(member.key, ([], False))
            if included:
                found.append(source)
            elif included is None:
                reach[member.key] = (found, True)
    for cluster, members in by_cluster(aks_members(ctx, decision)):
        automatic = _automatic(cluster)
        if automatic is None:
            ctx.unknown(cluster, f"sku.name {display(cluster.props.sku_name)} cannot be resolved", at=("sku_name",))
            continue
        if not automatic:
            continue
        managers = sorted({s.key: s for m in members for s in reach.get(m.key, ([], False))[0]}.values(),
                          key=lambda r: r.key)
        if not managers:
            if any(reach.get(m.key, ([], False))[1] for m in members):
                ctx.unknown(cluster, f"{decision}: whether a run or profile includes it", at=("sku_name",))
            continue
        ctx.report(cluster,
                   f"cluster {_name(cluster)} ({cluster.address}), fleet member {_members_text(members)}, is AKS "
                   f"Automatic, whose own auto-upgrade cannot be turned off, while "
                   f"{', '.join(_what(m) for m in managers)} upgrades it: it can upgrade out of the fleet's sequence",
                   at=("sku_name",),
                   hint="keep AKS Automatic clusters out of the fleet's runs and profiles, or use a Standard cluster",
                   related=(*(m.address for m in members), *(m.address for m in managers)))


def _upgrade_targets(ctx: RuleContext, decision: str) -> list[tuple[Resource, Version, str, list[Member], bool]]:
    """Every known target of a Full or ControlPlaneOnly update run, or of an enabled
    TargetKubernetesVersion profile: (the run or profile, the target, the field it is written in, the
    members it definitely includes or covers, whether it may include others)."""
    out: list[tuple[Resource, Version, str, list[Member], bool]] = []
    for run in ctx.graph.of_kind(Kind.UPDATE_RUN):
        if _run_kind(ctx, run, decision) not in _CONTROL_PLANE_TYPES:
            continue
        target = _run_version(ctx, run, decision)
        if target is None:
            continue
        pairs = members_run_includes(ctx.graph, run).answers
        out.append((run, target, "kubernetes_version", [m for m, included in pairs if included],
                    any(included is None for _, included in pairs)))
    for profile in _enabled_profiles(ctx, decision):
        target = _profile_target(ctx, profile, decision)
        if target is None:
            continue
        pairs = members_profile_covers(ctx.graph, profile).answers
        out.append((profile, target, "target_kubernetes_version", [m for m, covered in pairs if covered],
                    any(covered is None for _, covered in pairs)))
    return out


def _all_lts(ctx: RuleContext, members: list[Member], maybe_more: bool) -> Tri:
    """Whether every one of ``members`` is an LTS cluster (none: False). An Arc member is none."""
    if not members:
        return None if maybe_more else False
    result: Tri = None if maybe_more else True
    for member in members:
        cluster = narrow(ctx.graph.resolve(member.props.cluster), ClusterProps)
        if cluster is not None and cluster.props.flavor == "arc":
            return False
        lts = lts_cluster(cluster) if cluster is not None and not cluster.existing else None
        if lts is False:
            return False
        if lts is None:
            result = None
    return result


@rule("FIAC414", "upgrade-target-unsupported", "error",
      "An update run or a target version profile upgrades to a Kubernetes minor past its end of life.",
      tags=("versions", "updates", "auto-upgrade"))
def upgrade_target_unsupported(ctx: RuleContext) -> None:
    """
    ## What it finds

    The target of an update run of type `Full` or `ControlPlaneOnly` (`kubernetesVersion`), or of an
    enabled auto-upgrade profile with channel `TargetKubernetesVersion` (`targetKubernetesVersion`),
    whose minor is past its end of life on the evaluation date; past its LTS end instead for a profile
    with `longTermSupport` true, or for a run whose included members are all LTS clusters (support plan
    `AKSLongTermSupport` and tier `Premium`). A minor older than the version data counts as past once
    the oldest known minor's end (LTS end in the LTS cases) has passed, and the message says "no later
    than". A target newer than every minor in the data is unknown: no finding. When it cannot be told
    whether the LTS end applies, the target is reported only if even the LTS end has passed.

    ## Why it matters

    AKS no longer offers versions past their end of life for new upgrades: the run fails for every
    member (or the profile never generates a run), and the clusters stay on the older version.

    ## Example

    ## Fix

    Target a supported minor (see `az aks get-versions`), one minor above the members' at most.

    ## References

    - [Supported Kubernetes versions in AKS (release calendar)](https://learn.microsoft.com/azure/aks/supported-kubernetes-versions)
    - [AKS long-term support](https://learn.microsoft.com/azure/aks/long-term-support)
    - [Update orchestration: auto-upgrade profiles](https://learn.microsoft.com/azure/kubernetes-fleet/concepts-update-orchestration)
    """
    data = calendar()
    decision = "whether the upgrade target is supported"
    for source, target, field, members, maybe in _upgrade_targets(ctx, decision):
        if not data.knows(target):
            _newer_notice(ctx, data, target)
            ctx.unknown(source, f"Kubernetes {target} is newer than the version data knows", at=(field,))
            continue
        if source.kind == Kind.AUTO_UPGRADE_PROFILE:
            flag = getattr(source.props, "long_term_support", None)
            lts: Tri = None if not is_known(flag) else flag is True
        else:
            lts = _all_lts(ctx, members, maybe)
        judged = _ended(data, target, lts is not False, ctx.as_of)
        assert judged is not None
        past, end, older = judged
        if not past:
            regular = _ended(data, target, False, ctx.as_of)
            if lts is None and regular is not None and regular[0]:
                ctx.unknown(source, f"{decision}: whether the LTS end of Kubernetes {_minor(target)} applies",
                            at=(field,))
            continue
        kind = {True: "long-term support", False: "standard support", None: "support (even long-term)"}[lts]
        supported = data.supported(ctx.as_of)
        ctx.report(source,
                   f"{_what(source)} targets Kubernetes {target}, whose AKS {kind} ended {_ended_text(end, older)}: "
                   f"AKS does not upgrade clusters to it",
                   at=(field,),
                   hint=(f"target a supported minor ({', '.join(supported)})" if supported
                         else "target a supported minor"),
                   related=tuple(m.address for m in members))


@rule("FIAC415", "member-version-drift", "note",
      "Two members of one fleet are more than one Kubernetes minor apart: no single run target fits both.",
      tags=("versions", "updates"))
def member_version_drift(ctx: RuleContext) -> None:
    """
    ## What it finds

    Two AKS members of one fleet, neither an LTS cluster, whose known minors differ by more than one
    (1.33 and 1.35). It is reported on each older cluster, naming the newest member. Members whose
    version, plan or tier cannot be resolved are not judged (listed by `--show-unknown` when they
    would differ by more than one minor); LTS clusters may skip minors and are left out.

    ## Why it matters

    An update run neither downgrades nor skips a minor, so no single target brings both members to
    one version: the older members need runs of their own first ("When administrators have a diverse
    set of Kubernetes versions, first use one or more update runs to bring clusters into a set of
    consistently versioned releases").

    ## Example

    ## Fix

    Upgrade the older members (one minor at a time) until every member is within one minor of the
    others.

    ## References

    - [Update orchestration: minor version skipping behavior](https://learn.microsoft.com/azure/kubernetes-fleet/concepts-update-orchestration#minor-version-skipping-behavior)
    """
    decision = "whether the fleet's members are more than one minor apart"
    by_fleet: dict[str, list[tuple[AksMember, Version, Tri]]] = {}
    for item in aks_members(ctx, decision):
        fleet = ctx.graph.fleet_identity(item.member)
        version = _cluster_version(ctx, item.cluster, decision)
        if fleet is None or version is None or version.major != 1:
            continue
        by_fleet.setdefault(fleet, []).append((item, version, lts_cluster(item.cluster)))
    for fleet in sorted(by_fleet):
        entries = by_fleet[fleet]
        plain = [e for e in entries if e[2] is False]
        if not plain:
            continue
        newest = max(plain, key=lambda e: (e[1].minor, e[0].cluster.key))
        reported: set[str] = set()
        for item, version, lts in entries:
            if item.cluster.key in reported or version.minor >= newest[1].minor - 1:
                continue
            if lts is None:
                ctx.unknown(item.cluster, f"{decision}: whether cluster {item.cluster.address} is an LTS cluster "
                                          f"(support plan or tier cannot be resolved)", at=("kubernetes_version",))
                continue
            if lts:
                continue
            reported.add(item.cluster.key)
            top = newest[0]
            ctx.report(item.cluster,
                       f"cluster {_name(item.cluster)} ({item.cluster.address}), fleet member {_name(item.member)}, "
                       f"runs Kubernetes {_minor(version)}, more than one minor below {_minor(newest[1])} of member "
                       f"{_name(top.member)} (cluster {top.cluster.address}): no single update run target fits "
                       f"both, since a run neither downgrades nor skips a minor",
                       at=("kubernetes_version",),
                       hint=f"upgrade {_name(item.member)} one minor at a time to within one minor of "
                            f"{_minor(newest[1])} first (its own update runs)",
                       related=(item.member.address, top.member.address, top.cluster.address))


@rule("FIAC416", "target-version-unavailable-in-region", "warning",
      "An upgrade target is not offered in the region of a member it includes (regional version data).",
      tags=("versions", "updates", "auto-upgrade"))
def target_version_unavailable_in_region(ctx: RuleContext) -> None:
    """
    ## What it finds

    With regional version data (`--aks-versions FILE`, the JSON of
    `az aks get-versions --location REGION -o json`; repeatable, or `aks-versions = [...]` in the
    configuration): the target of an update run of type `Full` or `ControlPlaneOnly`, or of an enabled
    `TargetKubernetesVersion` auto-upgrade profile, that is absent from the data of the region of an
    AKS member the run includes or the profile covers. For `x.y.z`: no `patchVersions` key `x.y.z`
    under `version` `x.y`; for `x.y`: no `values` entry `x.y`. The region of a file is the
    `locations/<region>` segment of its `id`, else its file name (`westeurope.json`); regions compare
    in lower case without spaces (`West Europe` is `westeurope`).

    Without regional data the rule never fires; members in regions the data does not cover are not
    judged, and a member whose `location` cannot be resolved is skipped and listed by `--show-unknown`.

    ## Why it matters

    Fleet sets a member to Pending while the "target Kubernetes or node image version isn't yet
    available in the cluster's Azure region": its stage waits, and so does the run, until AKS
    publishes the version there.

    ## Example

    ## Fix

    Target a version AKS offers in every region of the members (check `az aks get-versions` or the
    AKS release tracker), or wait for the release to reach the region.

    ## References

    - [Update orchestration (Pending members)](https://learn.microsoft.com/azure/kubernetes-fleet/concepts-update-orchestration)
    - [az aks get-versions](https://learn.microsoft.com/cli/azure/aks#az-aks-get-versions)
    - [AKS release tracker](https://releases.aks.azure.com/)
    """
    if ctx.regional is None:
        return
    decision = "whether the target version is offered in the member's region"
    for source, target, field, members, _maybe in _upgrade_targets(ctx, decision):
        missing: dict[str, list[tuple[Member, Cluster]]] = {}
        for member in members:
            cluster = _aks_cluster(ctx, member, decision)
            if cluster is None:
                continue
            location = cluster.props.location
            if location is None:
                continue
            if not is_known(location) or not isinstance(location, str):
                ctx.unknown(source, f"{decision}: the location {display(location)} of cluster {cluster.address} "
                                    f"cannot be resolved", at=(field,))
                continue
            data = ctx.regional.get(region_key(location))
            if data is not None and not data.offers(target):
                missing.setdefault(data.region, []).append((member, cluster))
        for region in sorted(missing):
            pairs = missing[region]
            data = ctx.regional[region]
            names = ", ".join(f"{_name(m)} (cluster {c.address})" for m, c in pairs)
            ctx.report(source,
                       f"{_what(source)} targets Kubernetes {target}, which the version data of region {region} "
                       f"({', '.join(data.files)}) does not list, for member {names}: Fleet sets the member to "
                       f"Pending until AKS publishes the version there, so its stage and the run cannot complete",
                       at=(field,),
                       hint=f"target a version AKS offers in {region} (az aks get-versions --location {region})",
                       related=(*(m.address for m, _ in pairs), *(c.address for _, c in pairs)))
