"""Workloads (FIAC6xx): Kubernetes objects that stall update runs or that the hub rejects.

These rules read ``manifest`` resources: Terraform ``kubernetes_manifest`` blocks and Kubernetes YAML
files in the scanned tree (:mod:`analyzer.frontends.yaml`). Bicep has no native way to hold a Kubernetes
object that pycep can read, so for these rules YAML manifests stand in for Bicep in docs and fixtures.
"""

from __future__ import annotations

import math
import re
from typing import Any

from fleetiac.analyzer.knowledge.kubernetes import AUTOSCALER, WORKLOAD_KINDS, api_group
from fleetiac.analyzer.model import Kind, Manifest
from fleetiac.analyzer.rules import RuleContext, rule
from fleetiac.analyzer.values import ABSENT, Unknown, display, is_known, value_at

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
    - has `placementType: PickFixed` and names, in `clusterNames`, a cluster that is not the name
      of a member of the fleets it can target (`clusterNames` are Fleet **member** names, the names
      of the hub's MemberCluster objects, not AKS cluster names). The fleets a manifest targets are
      those of its own deployment (see FIAC301); this is checked only when they are known, declare
      members, and every member's name is known; names are compared exactly, as Kubernetes does;
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
    from fleetiac.analyzer.graph.deployments import target_fleets

    fleets = target_fleets(ctx.graph, placement)
    if fleets is None:
        ctx.unknown(placement, f"whether the clusterNames of {what} are members (the fleet it targets is not "
                               f"declared in its deployment)", at=("spec.policy.clusterNames", "body"))
        return
    members = [m for fleet in fleets for m in ctx.graph.referrers(fleet, "fleet", Kind.MEMBER)]
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
            fleet_names = ", ".join(f"fleet {display(f.name)} ({f.address})" for f in fleets)
            ctx.report(placement, f"{what} places on cluster `{name}`, which is not the name of a member of "
                                  f"{fleet_names} (members: {', '.join(member_names)}; clusterNames are "
                                  f"member names, not AKS cluster names): nothing is placed there",
                       at=(f"spec.policy.clusterNames[{index}]", "spec.policy.clusterNames", "body"),
                       hint="use member names in spec.policy.clusterNames",
                       related=tuple(m.address for m in members))


def _written(value: Any) -> bool:
    """Whether a field is set: present and not null or an empty list/object (what the API sees)."""
    return value is not ABSENT and value is not None and value != [] and value != {}


@rule("FIAC603", "placement-fields-conflict", "error",
      "A placement sets fields its placement type does not allow, repeats a cluster name or toleration, or "
      "gives a resource selector both a name and a label selector.", tags=("hub", "placement"))
def placement_fields_conflict(ctx: RuleContext) -> None:
    """
    ## What it finds

    A `ClusterResourcePlacement` or `ResourcePlacement` (`placement.kubernetes-fleet.io`, v1 or
    v1beta1; in a Kubernetes YAML file of the scanned tree or in a Terraform `kubernetes_manifest`)
    that breaks one of the hub's validation rules besides those FIAC602 checks:

    - `placementType: PickFixed` with `tolerations`, `numberOfClusters` or
      `topologySpreadConstraints`;
    - `placementType: PickAll` (the default) with `clusterNames`, `numberOfClusters`,
      `topologySpreadConstraints`, or preferred cluster affinity terms
      (`affinity.clusterAffinity.preferredDuringSchedulingIgnoredDuringExecution`);
    - `placementType: PickN` with `clusterNames`;
    - a `clusterNames` entry listed twice;
    - a resource selector with both `name` and `labelSelector`;
    - a toleration with an empty `key` and an operator other than `Exists` (the default operator is
      `Equal`), a toleration with operator `Exists` and a `value`, or the same toleration listed twice.

    A value that cannot be resolved is not judged.

    Bicep cannot hold Kubernetes objects in a form fleetiac reads, so the examples below show a
    Kubernetes YAML manifest where the Bicep example would be.

    ## Why it matters

    The hub validates placements when they are applied (CRD validation rules and KubeFleet's
    admission webhook): such an object is rejected, so nothing it selects is placed, and a pipeline
    applying it fails after the infrastructure was deployed.

    ## Example

    ## Fix

    Keep only the fields the placement type uses, and list each cluster name and toleration once.

    ## References

    - [KubeFleet placement API (clusterresourceplacement_types.go)](https://github.com/kubefleet-dev/kubefleet/blob/main/apis/placement/v1/clusterresourceplacement_types.go)
    - [KubeFleet placement validation (validator/placement.go)](https://github.com/kubefleet-dev/kubefleet/blob/main/pkg/utils/validator/placement.go)
    - [Resource placement concepts](https://learn.microsoft.com/azure/kubernetes-fleet/concepts-resource-placement)
    """
    not_allowed = {
        "PickFixed": ("tolerations", "numberOfClusters", "topologySpreadConstraints"),
        "PickAll": ("clusterNames", "numberOfClusters", "topologySpreadConstraints"),
        "PickN": ("clusterNames",),
    }
    for placement in _manifests(ctx, (PLACEMENT_GROUP,), PLACEMENT_KINDS):
        what = f"{display(placement.props.manifest_kind)} {display(placement.name)} ({placement.address})"
        spec = value_at(placement.props.body, "spec")
        if isinstance(spec, Unknown):
            ctx.unknown(placement, f"the spec of {what}", at=("body",))
            continue
        if not isinstance(spec, dict):
            continue
        _check_selectors(ctx, placement, what, spec.get("resourceSelectors"))
        policy = spec.get("policy")
        if isinstance(policy, Unknown):
            ctx.unknown(placement, f"the placement policy of {what}", at=("spec.policy", "body"))
            continue
        if not isinstance(policy, dict):
            continue
        placement_type = policy.get("placementType") or "PickAll"
        if not isinstance(placement_type, str):
            ctx.unknown(placement, f"the placement type of {what}", at=("spec.policy.placementType", "body"))
        else:
            for field_name in not_allowed.get(placement_type, ()):
                value = policy.get(field_name, ABSENT)
                if isinstance(value, Unknown):
                    ctx.unknown(placement, f"spec.policy.{field_name} of {what}",
                                at=(f"spec.policy.{field_name}", "body"))
                elif _written(value):
                    ctx.report(placement, f"{what} sets {field_name} with placementType {placement_type}, "
                                          f"which does not allow it: the hub rejects the placement",
                               at=(f"spec.policy.{field_name}", "spec.policy", "body"),
                               hint=f"remove spec.policy.{field_name}, or use the placement type it belongs to")
            if placement_type == "PickAll":
                preferred = value_at(policy, "affinity.clusterAffinity.preferredDuringSchedulingIgnoredDuringExecution")
                path = "spec.policy.affinity.clusterAffinity.preferredDuringSchedulingIgnoredDuringExecution"
                if isinstance(preferred, Unknown):
                    ctx.unknown(placement, f"the preferred affinity terms of {what}", at=(path, "body"))
                elif _written(preferred):
                    ctx.report(placement, f"{what} sets preferred cluster affinity terms with placementType "
                                          f"PickAll, which does not allow them: the hub rejects the placement",
                               at=(path, "spec.policy.affinity", "body"),
                               hint="use requiredDuringSchedulingIgnoredDuringExecution with PickAll, or "
                                    "PickN to rank clusters by preference")
        names = policy.get("clusterNames")
        if isinstance(names, list):
            _check_repeats(ctx, placement, what, names, "spec.policy.clusterNames", "cluster name")
        _check_tolerations(ctx, placement, what, policy.get("tolerations"))


def _check_repeats(ctx: RuleContext, placement: Manifest, what: str, items: list[Any], path: str,
                   noun: str) -> None:
    seen: list[Any] = []
    for index, item in enumerate(items):
        if not is_known(item):
            continue
        if item in seen:
            if isinstance(item, str):
                text = f"lists {noun} `{item}` twice in {path.removeprefix('spec.')}"
            else:
                text = f"repeats {noun} {seen.index(item) + 1} as {noun} {index + 1}"
            ctx.report(placement, f"{what} {text}: the hub rejects the placement",
                       at=(f"{path}[{index}]", path, "body"), hint=f"list each {noun} once")
        else:
            seen.append(item)


def _check_selectors(ctx: RuleContext, placement: Manifest, what: str, selectors: Any) -> None:
    if not isinstance(selectors, list):
        return
    for index, selector in enumerate(selectors):
        if not isinstance(selector, dict):
            continue
        name, labels = selector.get("name", ABSENT), selector.get("labelSelector", ABSENT)
        if isinstance(name, Unknown) or isinstance(labels, Unknown):
            ctx.unknown(placement, f"resource selector {index + 1} of {what}",
                        at=(f"spec.resourceSelectors[{index}]", "body"))
        elif _written(name) and name != "" and _written(labels):
            ctx.report(placement, f"{what} gives resource selector {index + 1} "
                                  f"({display(selector.get('kind'))} {display(name)}) both a name and a "
                                  f"labelSelector, which exclude each other: the hub rejects the placement",
                       at=(f"spec.resourceSelectors[{index}].labelSelector", f"spec.resourceSelectors[{index}]",
                           "body"),
                       hint="select the resource by name or by label, not both")


def _check_tolerations(ctx: RuleContext, placement: Manifest, what: str, tolerations: Any) -> None:
    if not isinstance(tolerations, list):
        return
    for index, toleration in enumerate(tolerations):
        if not isinstance(toleration, dict):
            continue
        at = (f"spec.policy.tolerations[{index}]", "spec.policy.tolerations", "body")
        key, operator, value = toleration.get("key", ""), toleration.get("operator", "Equal"), toleration.get("value", "")
        if not is_known([key, operator, value]):
            ctx.unknown(placement, f"toleration {index + 1} of {what}", at=at)
            continue
        if key in ("", None) and operator != "Exists":
            ctx.report(placement, f"{what} has toleration {index + 1} with an empty key and operator "
                                  f"{display(operator)}: an empty key needs operator Exists, and the hub rejects "
                                  f"the placement", at=at, hint="give the toleration a key, or use operator Exists")
        elif operator == "Exists" and value not in ("", None):
            ctx.report(placement, f"{what} has toleration {index + 1} with operator Exists and value "
                                  f"{display(value)}: Exists takes no value, and the hub rejects the placement",
                       at=at, hint="remove the value, or use operator Equal")
    _check_repeats(ctx, placement, what, tolerations, "spec.policy.tolerations", "toleration")


STAGE_NAME = re.compile(r"^[a-z0-9]+$")
MAX_STAGES = 31
STAGE_NAME_MAX = 63
RUN_KINDS = {"ClusterStagedUpdateRun": ("ClusterResourcePlacement", "ClusterStagedUpdateStrategy"),
             "StagedUpdateRun": ("ResourcePlacement", "StagedUpdateStrategy")}
"""A staged update run's kind: the kinds of the placement and of the strategy it names."""


def _named(ctx: RuleContext, kind: str, name: Any, namespace: Any) -> list[Manifest]:
    """The objects of ``kind`` in the scan with ``name`` (namespaced kinds: in a namespace that may be
    ``namespace``)."""
    cluster_scoped = kind.startswith("Cluster")
    return [m for m in _manifests(ctx, (PLACEMENT_GROUP,), (kind,))
            if m.name == name and (cluster_scoped or _same_namespace(m.props.namespace, namespace))]


@rule("FIAC604", "staged-run-placement-not-external", "error",
      "A staged update run names a placement that does not use the External strategy, or a strategy the code "
      "does not declare; or a staged update strategy breaks the hub's limits.", tags=("hub", "placement"))
def staged_run_placement_not_external(ctx: RuleContext) -> None:
    """
    ## What it finds

    KubeFleet staged rollout objects (`placement.kubernetes-fleet.io`, in Kubernetes YAML files of
    the scanned tree or in Terraform `kubernetes_manifest`s):

    - a `ClusterStagedUpdateRun` whose `placementName` names a `ClusterResourcePlacement` declared
      in the scan (a `StagedUpdateRun`: a `ResourcePlacement` in its namespace) whose
      `spec.strategy.type` is not `External` (unset means `RollingUpdate`);
    - while that placement is declared in the scan, a `stagedRolloutStrategyName` that names no
      `ClusterStagedUpdateStrategy` (`StagedUpdateStrategy` in the run's namespace) of the scan;
    - a staged update strategy that breaks its limits: more than 31 stages; a stage name that does
      not match `^[a-z0-9]+$` or is longer than 63 characters; more than 2 `afterStageTasks` or more
      than 1 `beforeStageTasks` in a stage; two tasks of one type in one list; a `TimedWait` task
      without `waitTime`; an `Approval` task with `waitTime`; a `TimedWait` before a stage.

    A run naming a placement that is not in the scan is not judged (it may be applied from
    elsewhere), nor is a value that cannot be resolved.

    Bicep cannot hold Kubernetes objects in a form fleetiac reads, so the examples below show a
    Kubernetes YAML manifest where the Bicep example would be.

    ## Why it matters

    A staged update run only controls a placement whose strategy type is `External`: otherwise "the
    resource rollout starts as soon as you apply the manifest by using a RollingUpdate strategy",
    and every member gets the change at once, which is what the staged rollout was meant to prevent.
    A run whose strategy does not exist never starts, and the hub rejects a strategy that breaks its
    limits.

    ## Example

    ## Fix

    Set `spec.strategy.type: External` on the placement, declare the strategy the run names, and
    keep the strategy within its limits.

    ## References

    - [Control cluster order for resource placement (staged update runs)](https://learn.microsoft.com/azure/kubernetes-fleet/howto-staged-update-run)
    - [KubeFleet staged update API (stageupdate_types.go)](https://github.com/kubefleet-dev/kubefleet/blob/main/apis/placement/v1/stageupdate_types.go)
    """
    for run in _manifests(ctx, (PLACEMENT_GROUP,), tuple(RUN_KINDS)):
        kind = run.props.manifest_kind
        placement_kind, strategy_kind = RUN_KINDS[kind]
        what = f"{kind} {display(run.name)} ({run.address})"
        spec = value_at(run.props.body, "spec")
        if not isinstance(spec, dict):
            if isinstance(spec, Unknown):
                ctx.unknown(run, f"the spec of {what}", at=("body",))
            continue
        placement_name = spec.get("placementName")
        if not isinstance(placement_name, str):
            if isinstance(placement_name, Unknown):
                ctx.unknown(run, f"the placement of {what}", at=("spec.placementName", "body"))
            continue
        placements = _named(ctx, placement_kind, placement_name, run.props.namespace)
        if not placements:
            continue
        types = [value_at(p.props.body, "spec.strategy.type") for p in placements]
        if any(isinstance(t, Unknown) for t in types):
            ctx.unknown(run, f"the strategy type of {placement_kind} {placement_name}, for {what}",
                        at=("spec.placementName", "body"))
        elif all(t != "External" for t in types):
            shown = "not set (RollingUpdate)" if types[0] in (ABSENT, None) else display(types[0])
            ctx.report(run, f"{what} runs {placement_kind} {placement_name} ({placements[0].address}), whose "
                            f"spec.strategy.type is {shown}, not External: the placement rolls out to every "
                            f"cluster as soon as it is applied, outside the staged run",
                       at=("spec.placementName", "body"),
                       hint=f"set spec.strategy.type: External on {placement_kind} {placement_name}",
                       related=tuple(p.address for p in placements))
        strategy_name = spec.get("stagedRolloutStrategyName")
        if isinstance(strategy_name, str) and not _named(ctx, strategy_kind, strategy_name, run.props.namespace):
            ctx.report(run, f"{what} names {strategy_kind} {strategy_name}, which the scanned code does not "
                            f"declare beside {placement_kind} {placement_name}: the run cannot start",
                       at=("spec.stagedRolloutStrategyName", "body"),
                       hint=f"declare {strategy_kind} {strategy_name}, or name one that exists",
                       related=tuple(p.address for p in placements))
        elif isinstance(strategy_name, Unknown):
            ctx.unknown(run, f"the strategy of {what}", at=("spec.stagedRolloutStrategyName", "body"))
    for strategy in _manifests(ctx, (PLACEMENT_GROUP,), ("ClusterStagedUpdateStrategy", "StagedUpdateStrategy")):
        _check_staged_strategy(ctx, strategy)


def _check_staged_strategy(ctx: RuleContext, strategy: Manifest) -> None:
    what = f"{display(strategy.props.manifest_kind)} {display(strategy.name)} ({strategy.address})"
    stages = value_at(strategy.props.body, "spec.stages")
    if isinstance(stages, Unknown):
        ctx.unknown(strategy, f"the stages of {what}", at=("spec.stages", "body"))
        return
    if not isinstance(stages, list):
        return
    rejects = "the hub rejects the strategy"
    if len(stages) > MAX_STAGES:
        ctx.report(strategy, f"{what} has {len(stages)} stages, more than the {MAX_STAGES} allowed: {rejects}",
                   at=("spec.stages", "body"), hint=f"use at most {MAX_STAGES} stages")
    for index, stage in enumerate(stages):
        if not isinstance(stage, dict):
            continue
        base = f"spec.stages[{index}]"
        name = stage.get("name")
        if isinstance(name, str) and (not STAGE_NAME.match(name) or len(name) > STAGE_NAME_MAX):
            ctx.report(strategy, f"{what} has stage name `{name}`, which must match ^[a-z0-9]+$ and have at most "
                                 f"{STAGE_NAME_MAX} characters: {rejects}",
                       at=(f"{base}.name", base, "body"), hint="use lower-case letters and digits only")
        for key, limit in (("afterStageTasks", 2), ("beforeStageTasks", 1)):
            tasks = stage.get(key)
            if not isinstance(tasks, list):
                continue
            at = (f"{base}.{key}", base, "body")
            stage_name = display(name) if name is not None else str(index + 1)
            if len(tasks) > limit:
                ctx.report(strategy, f"{what} has {len(tasks)} {key} in stage {stage_name}, more than the {limit} "
                                     f"allowed: {rejects}", at=at, hint=f"keep at most {limit} {key} per stage")
            seen: set[str] = set()
            for task_index, task in enumerate(tasks):
                if not isinstance(task, dict):
                    continue
                task_type = task.get("type")
                task_at = (f"{base}.{key}[{task_index}]", *at)
                if not isinstance(task_type, str):
                    continue
                if task_type in seen:
                    ctx.report(strategy, f"{what} has two {task_type} tasks in the {key} of stage {stage_name}: "
                                         f"{rejects}", at=task_at, hint="use each task type once per list")
                seen.add(task_type)
                wait = task.get("waitTime")
                if task_type == "TimedWait" and key == "beforeStageTasks":
                    ctx.report(strategy, f"{what} has a TimedWait task before stage {stage_name}; only Approval "
                                         f"tasks may run before a stage: {rejects}", at=task_at,
                               hint="move the TimedWait to afterStageTasks, or use an Approval")
                elif task_type == "TimedWait" and wait is None:
                    ctx.report(strategy, f"{what} has a TimedWait task without waitTime in stage {stage_name}: "
                                         f"{rejects}", at=task_at, hint="set waitTime (for example 1h)")
                elif task_type == "Approval" and wait is not None:
                    ctx.report(strategy, f"{what} has an Approval task with waitTime in stage {stage_name}: "
                                         f"{rejects}", at=(f"{base}.{key}[{task_index}].waitTime", *task_at),
                               hint="remove waitTime from the Approval task")
