"""Workloads (FIAC6xx): Kubernetes objects that stall update runs or that the hub rejects.

These rules read ``manifest`` resources: Terraform ``kubernetes_manifest`` blocks and Kubernetes YAML
files in the scanned tree (:mod:`analyzer.frontends.yaml`). Bicep has no native way to hold a Kubernetes
object that pycep can read, so for these rules YAML manifests stand in for Bicep in docs and fixtures.
"""

from __future__ import annotations

import math
import re
from typing import Any

from analyzer.knowledge.kubernetes import AUTOSCALER, WORKLOAD_KINDS, api_group
from analyzer.model import Kind, Manifest
from analyzer.rules import RuleContext, rule
from analyzer.values import ABSENT, Unknown, display, is_known, value_at

PLACEMENT_GROUP = "placement.kubernetes-fleet.io"
PLACEMENT_KINDS = ("ClusterResourcePlacement", "ResourcePlacement")
_PERCENT = re.compile(r"^\s*(\d+)%\s*$")


def _manifests(ctx: RuleContext, groups: tuple[str, ...], kinds: tuple[str, ...]) -> list[Manifest]:
    return [m for m in ctx.graph.of_kind(Kind.MANIFEST)
            if api_group(m.props.api_version) in groups and m.props.manifest_kind in kinds]


def _int(value: Any) -> int | None:
    """An integer count (YAML int, HCL number with no fraction); None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _percent(value: Any) -> int | None:
    match = _PERCENT.match(value) if isinstance(value, str) else None
    return int(match.group(1)) if match else None


def _same_namespace(a: Any, b: Any) -> bool:
    # An object without a namespace gets one when it is applied (kubectl -n, kustomize): it may be
    # any namespace. Counting such a workload can only raise the replica total, never make a finding.
    return a == b if isinstance(a, str) and isinstance(b, str) else True


def _selects(selector: Any, labels: Any) -> bool | None:
    """Whether a label selector selects pods with ``labels``; None when it cannot be told."""
    if not isinstance(selector, dict) or not isinstance(labels, dict) or not is_known(selector) \
            or not is_known(labels):
        return None
    match_labels = selector.get("matchLabels") or {}
    if not isinstance(match_labels, dict):
        return None
    if any(labels.get(k, ABSENT) != v for k, v in match_labels.items()):
        return False
    for expression in selector.get("matchExpressions") or []:
        if not isinstance(expression, dict):
            return None
        key, operator, values = expression.get("key"), expression.get("operator"), expression.get("values") or []
        if operator == "In" and isinstance(values, list):
            ok = key in labels and labels[key] in values
        elif operator == "NotIn" and isinstance(values, list):
            ok = key not in labels or labels[key] not in values
        elif operator == "Exists":
            ok = key in labels
        elif operator == "DoesNotExist":
            ok = key not in labels
        else:
            return None
        if not ok:
            return False
    return True


def _pod_labels(workload: Manifest) -> Any:
    labels = value_at(workload.props.body, "spec.template.metadata.labels")
    if labels is ABSENT:
        labels = value_at(workload.props.body, "spec.selector.matchLabels")
    return labels


def _autoscaled(ctx: RuleContext, workload: Manifest) -> bool:
    kind = workload.props.manifest_kind
    for hpa in _manifests(ctx, (AUTOSCALER[0],), (AUTOSCALER[1],)):
        target = value_at(hpa.props.body, "spec.scaleTargetRef")
        if isinstance(target, dict) and target.get("kind") == kind and target.get("name") == workload.name \
                and _same_namespace(hpa.props.namespace, workload.props.namespace):
            return True
    return False


def _selected_replicas(ctx: RuleContext, pdb: Manifest, selector: Any) -> tuple[int | None, list[Manifest], str]:
    """The replica total of the workloads ``pdb`` selects, those workloads, and why the total is
    None when it cannot be told (empty when no workload in the code is selected)."""
    kinds = tuple(sorted({kind for _, kind in WORKLOAD_KINDS}))
    groups = tuple(sorted({group for group, _ in WORKLOAD_KINDS}))
    total, chosen = 0, []
    if selector is None:
        return None, [], ""  # policy/v1: a budget without a selector selects no pod
    for workload in _manifests(ctx, groups, kinds):
        if (api_group(workload.props.api_version), workload.props.manifest_kind) not in WORKLOAD_KINDS:
            continue
        if not _same_namespace(pdb.props.namespace, workload.props.namespace):
            continue
        selected = _selects(selector, _pod_labels(workload))
        if selected is False:
            continue
        if selected is None:
            return None, [], f"whether it selects {workload.address}"
        replicas = _int(value_at(workload.props.body, "spec.replicas"))
        if replicas is None:
            return None, [], f"the replicas of {workload.address} (not written, or not a number)"
        if _autoscaled(ctx, workload):
            return None, [], f"the replicas of {workload.address} (an autoscaler owns them)"
        total += replicas
        chosen.append(workload)
    return (total if chosen else None), chosen, ""


def _names(resources: list[Manifest]) -> str:
    return ", ".join(f"{display(r.props.manifest_kind)} {display(r.name)}" for r in resources)


@rule("FIAC601", "pdb-blocks-node-drain", "warning",
      "A PodDisruptionBudget allows no disruption, so node drains, and with them update runs, stall.",
      tags=("workloads", "updates"))
def pdb_blocks_node_drain(ctx: RuleContext) -> None:
    """
    ## What it finds

    A `PodDisruptionBudget` (in a Kubernetes YAML file of the scanned tree, or in a Terraform
    `kubernetes_manifest`) that allows no voluntary disruption:

    - `maxUnavailable: 0` (or `"0%"`);
    - `minAvailable: "100%"`;
    - an integer `minAvailable` at least the total `replicas` of the workloads (Deployment,
      StatefulSet, ReplicaSet) it selects in its namespace, or a percentage that rounds up to all of
      them (Kubernetes rounds `minAvailable` percentages up: 90% of 3 pods is 3).

    To stay clear of false alarms, the replica comparison is made only when every selected workload in
    the code has a literal `replicas` and no HorizontalPodAutoscaler targets it; a budget that selects
    no workload in the code is left alone (its workload is deployed from elsewhere). An object
    without a namespace may land in any namespace, so it is counted with every namespace; that can
    only raise the replica total.

    Bicep cannot hold Kubernetes objects in a form fleetiac reads (the Bicep Kubernetes extension is
    not supported by its parser), so the examples below show a Kubernetes YAML manifest where the
    Bicep example would be.

    ## Why it matters

    Fleet update runs upgrade each member cluster by cordoning and draining its nodes. A drain evicts
    pods through the eviction API, which refuses every eviction a budget does not allow: the drain
    waits, the node upgrade times out, and the update run stalls on that member (and the stages after
    it never start).

    ## Example

    ## Fix

    Let at least one pod go at a time, and run enough replicas to serve while it does.

    ## References

    - [Specifying a Disruption Budget for your Application](https://kubernetes.io/docs/tasks/run-application/configure-pdb/)
    - [Update Kubernetes and node images across multiple member clusters](https://learn.microsoft.com/azure/kubernetes-fleet/update-orchestration)
    - [Upgrade an AKS cluster: node drain and PodDisruptionBudgets](https://learn.microsoft.com/azure/aks/upgrade-cluster)
    """
    hint = "allow at least one disruption (maxUnavailable: 1, or minAvailable below the replica count)"
    for pdb in _manifests(ctx, ("policy",), ("PodDisruptionBudget",)):
        spec = value_at(pdb.props.body, "spec")
        if isinstance(spec, Unknown):
            ctx.unknown(pdb, f"the spec of PodDisruptionBudget {display(pdb.name)}", at=("body",))
            continue
        if not isinstance(spec, dict):
            continue
        what = f"PodDisruptionBudget {display(pdb.name)} ({pdb.address})"
        max_unavailable = spec.get("maxUnavailable")
        if max_unavailable is not None:
            if _int(max_unavailable) == 0 or _percent(max_unavailable) == 0:
                ctx.report(pdb, f"{what} sets maxUnavailable: {max_unavailable}, so none of its pods can be "
                                f"evicted: node drains, and the fleet update runs that need them, stall",
                           at=("spec.maxUnavailable", "body"), hint=hint)
            elif not is_known(max_unavailable):
                ctx.unknown(pdb, f"maxUnavailable of {what}", at=("spec.maxUnavailable", "body"))
            continue
        min_available = spec.get("minAvailable")
        if min_available is None:
            continue
        if not is_known(min_available):
            ctx.unknown(pdb, f"minAvailable of {what}", at=("spec.minAvailable", "body"))
            continue
        percent, count = _percent(min_available), _int(min_available)
        if percent is not None and percent >= 100:
            ctx.report(pdb, f"{what} sets minAvailable: {min_available}, so none of its pods can be evicted: "
                            f"node drains, and the fleet update runs that need them, stall",
                       at=("spec.minAvailable", "body"), hint=hint)
            continue
        if percent is None and count is None:
            continue
        total, workloads, why = _selected_replicas(ctx, pdb, spec.get("selector"))
        if total is None:
            if why:
                ctx.unknown(pdb, f"{why}, for {what}", at=("spec.minAvailable", "body"))
            continue
        needed = math.ceil(total * percent / 100) if percent is not None else count
        if total == 0 or needed is None or needed < total:
            continue
        rounding = f" ({min_available} of {total} rounds up to {needed})" if percent is not None else ""
        ctx.report(pdb, f"{what} sets minAvailable: {min_available}{rounding}, and the workloads it selects "
                        f"({_names(workloads)}) run {total} replica{'s' if total != 1 else ''} in all: no pod "
                        f"can be evicted, so node drains, and the fleet update runs that need them, stall",
                   at=("spec.minAvailable", "body"), hint=hint + ", or add replicas",
                   related=tuple(w.address for w in workloads))


@rule("FIAC602", "placement-policy-invalid", "error",
      "A placement's policy is incomplete or contradictory (PickN without numberOfClusters, PickFixed "
      "without clusterNames or naming a non-member, affinity on PickFixed).", tags=("hub", "placement"))
def placement_policy_invalid(ctx: RuleContext) -> None:
    """
    ## What it finds

    A `ClusterResourcePlacement` or `ResourcePlacement` (`placement.kubernetes-fleet.io`, v1 or
    v1beta1; in a Kubernetes YAML file of the scanned tree or in a Terraform `kubernetes_manifest`)
    whose `spec.policy`:

    - has `placementType: PickN` without `numberOfClusters`;
    - has `placementType: PickFixed` without `clusterNames` (or with an empty list);
    - has `placementType: PickFixed` and names, in `clusterNames`, a cluster that is not a fleet
      member declared in the scanned code. This is checked only when the code declares members and
      every member's name is known; names are compared exactly, as Kubernetes does;
    - has `placementType: PickFixed` with `affinity` (cluster affinity applies to PickAll and PickN
      only).

    A policy without `placementType` is PickAll.

    Bicep cannot hold Kubernetes objects in a form fleetiac reads (the Bicep Kubernetes extension is
    not supported by its parser), so the examples below show a Kubernetes YAML manifest where the
    Bicep example would be.

    ## Why it matters

    The hub's admission checks reject a PickN placement without a cluster count, and a PickFixed one
    without cluster names or with affinity: the apply fails. A PickFixed name that is not a member
    cluster is accepted, but nothing is placed there and the placement never becomes available, which
    is easy to miss after a member is renamed or removed.

    ## Example

    ## Fix

    Give PickN its `numberOfClusters`; give PickFixed the names of member clusters and no affinity
    (or use PickAll or PickN to select clusters by label).

    ## References

    - [Resource placement concepts (placement policies)](https://learn.microsoft.com/azure/kubernetes-fleet/concepts-resource-propagation)
    - [Use ClusterResourcePlacement to propagate resources to member clusters](https://learn.microsoft.com/azure/kubernetes-fleet/quickstart-resource-propagation)
    """
    for placement in _manifests(ctx, (PLACEMENT_GROUP,), PLACEMENT_KINDS):
        policy = value_at(placement.props.body, "spec.policy")
        what = f"{display(placement.props.manifest_kind)} {display(placement.name)} ({placement.address})"
        if isinstance(policy, Unknown):
            ctx.unknown(placement, f"the placement policy of {what}", at=("spec.policy", "body"))
            continue
        if not isinstance(policy, dict):
            continue
        placement_type = policy.get("placementType") or "PickAll"
        if not isinstance(placement_type, str):
            ctx.unknown(placement, f"the placement type of {what}", at=("spec.policy.placementType", "body"))
            continue
        type_at = ("spec.policy.placementType", "spec.policy", "body")
        if placement_type == "PickN" and policy.get("numberOfClusters") is None:
            ctx.report(placement, f"{what} uses placementType PickN without numberOfClusters: the hub rejects it",
                       at=type_at, hint="set spec.policy.numberOfClusters to the number of clusters to pick")
        if placement_type != "PickFixed":
            continue
        names = policy.get("clusterNames")
        if names is None or names == []:
            ctx.report(placement, f"{what} uses placementType PickFixed without clusterNames: the hub rejects it",
                       at=type_at, hint="list the member clusters in spec.policy.clusterNames")
        elif isinstance(names, list):
            _check_cluster_names(ctx, placement, what, names)
        if policy.get("affinity") is not None:
            ctx.report(placement, f"{what} sets affinity with placementType PickFixed; cluster affinity applies "
                                  f"to PickAll and PickN only, and the hub rejects it",
                       at=("spec.policy.affinity", *type_at),
                       hint="remove affinity, or select clusters by label with PickAll or PickN")


def _check_cluster_names(ctx: RuleContext, placement: Manifest, what: str, names: list[Any]) -> None:
    members = ctx.graph.of_kind(Kind.MEMBER)
    if not members:
        return
    unknown = [m for m in members if not isinstance(m.name, str)]
    if unknown:
        ctx.unknown(placement, f"whether the clusterNames of {what} are members (the name of "
                               f"{unknown[0].address} is not known)", at=("spec.policy.clusterNames", "body"))
        return
    member_names = sorted({m.name for m in members})
    for index, name in enumerate(names):
        if not isinstance(name, str):
            continue
        if name not in member_names:
            ctx.report(placement, f"{what} places on cluster `{name}`, which is not a fleet member "
                                  f"(members: {', '.join(member_names)}): nothing is placed there",
                       at=(f"spec.policy.clusterNames[{index}]", "spec.policy.clusterNames", "body"),
                       hint="use member names in spec.policy.clusterNames",
                       related=tuple(m.address for m in members))
