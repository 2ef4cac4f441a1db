"""Update orchestration (FIAC2xx): update groups, stages, strategies and runs."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Literal

from analyzer.graph.stages import StagePlan, stage_plans
from analyzer.model import FLEET_CHILD_PROPS, Group, Kind, Member, Resource, Stage, UpdateRun, UpdateStrategy
from analyzer.rules import RuleContext, rule
from analyzer.values import Unknown, display, is_known


def _members_with_plans(ctx: RuleContext) -> list[tuple[Member, StagePlan]]:
    plans = stage_plans(ctx.graph)
    out: list[tuple[Member, StagePlan]] = []
    for member in ctx.graph.of_kind(Kind.MEMBER):
        fleet = ctx.graph.fleet_identity(member)
        plan = plans.get(fleet) if fleet is not None else None
        if plan is None or not plan.groups:
            continue
        if not plan.known:
            ctx.unknown(member, "some stage group names of its fleet cannot be resolved", at=("group",))
            continue
        out.append((member, plan))
    return out


@rule("FIAC201", "member-group-not-in-strategy", "error",
      "A member's update group is in no stage of its fleet's strategies, so update runs skip it.",
      tags=("updates",))
def member_group_not_in_strategy(ctx: RuleContext) -> None:
    """
    ## What it finds

    A fleet member whose update group is not named by any stage of the fleet's update strategies
    (or of the inline stages of its update runs), when the fleet has stage groups at all. A group
    that differs from a stage group only by letter case is reported by FIAC202 instead. Members whose
    group is unknown, and fleets with a stage group name that cannot be resolved, are not judged.

    ## Why it matters

    An update run upgrades the groups named in its stages, one stage after another. A member in any
    other group is silently skipped: it stays on its old Kubernetes version or node image while the
    run reports success, and drifts towards end of support.

    ## Example

    ## Fix

    Use a group that a stage names (or add the group to a stage).

    ## References

    - [Update groups, stages and strategies](https://learn.microsoft.com/azure/kubernetes-fleet/concepts-update-orchestration)
    """
    for member, plan in _members_with_plans(ctx):
        group = member.props.group
        if not isinstance(group, str) or group in plan.groups:
            if group is not None and not isinstance(group, str):
                ctx.unknown(member, f"group {display(group)} cannot be resolved", at=("group",))
            continue
        if any(group.lower() == g.lower() for g in plan.groups):
            continue  # FIAC202
        ctx.report(member,
                   f"member {display(member.name)} (group `{group}`) is in no stage of {plan.describe()}; "
                   f"update runs will skip it",
                   at=("group",),
                   hint=f"set the group to one of: {', '.join(sorted(plan.groups))}, or add `{group}` to a stage",
                   related=tuple(s.address for s in plan.sources))


@rule("FIAC202", "group-name-case-mismatch", "error",
      "A member's update group matches a stage group only when letter case is ignored.",
      tags=("updates",))
def group_name_case_mismatch(ctx: RuleContext) -> None:
    """
    ## What it finds

    A member whose update group equals a group named in its fleet's stages except for letter case
    (`Prod` against `prod`).

    ## Why it matters

    Update group names are case-sensitive: the member is in a group no stage names, so every update
    run skips it while looking, to a reader, as if it were included.

    ## Example

    ## Fix

    Write the group exactly as the stage does.

    ## References

    - [Update groups, stages and strategies](https://learn.microsoft.com/azure/kubernetes-fleet/concepts-update-orchestration)
    """
    for member, plan in _members_with_plans(ctx):
        group = member.props.group
        if not isinstance(group, str) or group in plan.groups:
            continue
        matches = sorted(g for g in plan.groups if g.lower() == group.lower())
        if not matches:
            continue
        ctx.report(member,
                   f"member {display(member.name)} has group `{group}`, but {plan.describe()} names "
                   f"`{matches[0]}`; group names are case-sensitive, so update runs will skip it",
                   at=("group",), hint=f"write the group as `{matches[0]}`",
                   related=tuple(s.address for s in plan.sources))


@rule("FIAC203", "member-without-group", "warning",
      "A fleet member has no update group.", tags=("updates",))
def member_without_group(ctx: RuleContext) -> None:
    """
    ## What it finds

    A fleet member that sets no update group (`group` / `properties.group`).

    ## Why it matters

    An update run with stages upgrades only the groups its stages name, so a member without a group
    is never upgraded by a staged run; and without groups there is no way to add a canary stage
    later without touching every member.

    ## Example

    ## Fix

    Put every member in an update group.

    ## References

    - [Update groups, stages and strategies](https://learn.microsoft.com/azure/kubernetes-fleet/concepts-update-orchestration)
    """
    for member in ctx.graph.of_kind(Kind.MEMBER):
        if member.props.group is None and "group" not in member.locations:
            ctx.report(member, f"member {display(member.name)} ({member.address}) has no update group; "
                               f"staged update runs will not upgrade it",
                       hint="set `group` (Terraform) or `properties.group` (Bicep) to a group a stage names")
        elif member.props.group is None and "group" in member.locations:
            ctx.report(member, f"member {display(member.name)} ({member.address}) sets its update group to null; "
                               f"staged update runs will not upgrade it", at=("group",),
                       hint="set the group to a group a stage names")


def _stage_sources(ctx: RuleContext) -> list[tuple[UpdateStrategy | UpdateRun, tuple[Stage | Unknown, ...]]]:
    """Update strategies and update runs with inline stages, each with its list of stages; a stage list
    that cannot be resolved is recorded as skipped."""
    out: list[tuple[UpdateStrategy | UpdateRun, tuple[Stage | Unknown, ...]]] = []
    sources: list[UpdateStrategy | UpdateRun] = [*ctx.graph.of_kind(Kind.UPDATE_STRATEGY),
                                                 *ctx.graph.of_kind(Kind.UPDATE_RUN)]
    for source in sources:
        stages = source.props.stages
        if stages is None:
            continue
        if isinstance(stages, Unknown):
            ctx.unknown(source, f"stages {display(stages)} cannot be resolved", at=("stages",))
            continue
        out.append((source, stages))
    return out


def _fleet_of(resource: Resource) -> object:
    return resource.props.fleet if isinstance(resource.props, FLEET_CHILD_PROPS) else None


def _what(source: Resource) -> str:
    noun = "update strategy" if source.kind == Kind.UPDATE_STRATEGY else "update run"
    return f"{noun} {display(source.name) if source.name is not None else source.address} ({source.address})"


def _groups_of(stage: Stage | Unknown) -> tuple[Group | Unknown, ...]:
    groups = stage.groups if isinstance(stage, Stage) else None
    return groups if isinstance(groups, tuple) else ()


@rule("FIAC204", "stage-group-without-members", "warning",
      "A stage names an update group that no member of the fleet is in.", tags=("updates",))
def stage_group_without_members(ctx: RuleContext) -> None:
    """
    ## What it finds

    A group named in a stage of an update strategy (or of an update run's inline stages) that no
    member of the fleet belongs to, when every member of that fleet is known. To keep false positives
    out, the rule judges only fleets declared in the scanned code (not `existing`, a data source or a
    literal ID, whose members may be joined elsewhere) that have at least one member here, and only
    when no member anywhere in the code has an unresolved fleet or group. A group that matches a
    member's group except for letter case is left to FIAC202.

    ## Why it matters

    The stage upgrades nothing: usually a typo or a group renamed on the members but not in the
    strategy, so the clusters meant for that stage are skipped (or upgraded in a later stage
    without the intended soak time).

    ## Example

    ## Fix

    Put a member in every stage group (or remove the empty group).

    ## References

    - [Update groups, stages and strategies](https://learn.microsoft.com/azure/kubernetes-fleet/concepts-update-orchestration)
    """
    members = ctx.graph.of_kind(Kind.MEMBER)
    unsure = [m for m in members if ctx.graph.fleet_identity(m) is None
              or (m.props.group is not None and not isinstance(m.props.group, str))]
    groups_by_fleet: dict[str, set[str]] = defaultdict(set)
    for member in members:
        fleet = ctx.graph.fleet_identity(member)
        group = member.props.group
        if fleet is not None and isinstance(group, str):
            groups_by_fleet[fleet].add(group.lower())
    counted = {ctx.graph.fleet_identity(m) for m in members}
    for source, stages in _stage_sources(ctx):
        target = ctx.graph.target(source, "fleet")
        if target is None or target.existing or target.key not in counted:
            continue
        if unsure:
            ctx.unknown(source, f"whether its stage groups have members: the fleet or group of "
                                f"{', '.join(m.address for m in unsure)} cannot be resolved", at=("stages",))
            continue
        for i, stage in enumerate(stages):
            for j, group in enumerate(_groups_of(stage)):
                name = group.name if isinstance(group, Group) else None
                if not isinstance(name, str) or name.lower() in groups_by_fleet[target.key]:
                    continue
                stage_name = stage.name if isinstance(stage, Stage) else None
                ctx.report(source,
                           f"group `{name}` of stage {display(stage_name)} in {_what(source)} has no member in fleet "
                           f"{display(target.name)}; the stage upgrades nothing for it",
                           at=(f"stages[{i}].groups[{j}].name", f"stages[{i}].groups[{j}]", f"stages[{i}]"),
                           hint=f"set `group = \"{name}\"` on the members meant for this stage, or remove the group "
                                f"(member groups: {', '.join(sorted(groups_by_fleet[target.key])) or 'none'})",
                           related=(target.address,))


@rule("FIAC205", "duplicate-stage-or-group", "error",
      "Two stages share a name, or a group appears more than once in one strategy or run.", tags=("updates",))
def duplicate_stage_or_group(ctx: RuleContext) -> None:
    """
    ## What it finds

    In one update strategy, or in one update run's inline stages: two stages with the same name, or
    one group named more than once (in one stage or across stages). Names compare exactly as written;
    names that cannot be resolved are not compared. Reported at the second occurrence.

    ## Why it matters

    The API rejects the strategy or run: stage names are unique, and a group may appear only once
    in a strategy (a cluster is upgraded once per run).

    ## Example

    ## Fix

    Give every stage its own name and every group one place.

    ## References

    - [Update groups, stages and strategies](https://learn.microsoft.com/azure/kubernetes-fleet/concepts-update-orchestration)
    """
    for source, stages in _stage_sources(ctx):
        stage_seen: dict[str, int] = {}
        group_seen: dict[str, str] = {}
        for i, stage in enumerate(stages):
            if not isinstance(stage, Stage):
                continue
            name = stage.name
            if isinstance(name, str):
                if name in stage_seen:
                    ctx.report(source, f"{_what(source)} has two stages named `{name}`; stage names must be unique",
                               at=(f"stages[{i}].name", f"stages[{i}]"), hint="rename one of the stages")
                stage_seen.setdefault(name, i)
            for j, group in enumerate(_groups_of(stage)):
                group_name = group.name if isinstance(group, Group) else None
                if not isinstance(group_name, str):
                    continue
                here = display(name) if name is not None else f"#{i + 1}"
                if group_name in group_seen:
                    ctx.report(source,
                               f"group `{group_name}` appears more than once in {_what(source)} (stage "
                               f"{group_seen[group_name]} and stage {here}); a group may be in one place only",
                               at=(f"stages[{i}].groups[{j}].name", f"stages[{i}].groups[{j}]", f"stages[{i}]"),
                               hint="remove the repeated group")
                group_seen.setdefault(group_name, here)


_MAX_CONCURRENCY_RE = re.compile(r"^(?:([1-9]\d*)|([1-9]\d?|100)%)$")
MAX_GROUPS_PER_STAGE = 50


def _concurrency(value: object) -> tuple[str, int] | Literal[False] | None:
    """("count", n) or ("percent", n); None when unset; False when malformed. An integer is read as its
    text (Bicep may write one where the API takes a string)."""
    if value is None:
        return None
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(text, str):
        return False
    match = _MAX_CONCURRENCY_RE.match(text)
    if match is None:
        return False
    return ("count", int(match.group(1))) if match.group(1) else ("percent", int(match.group(2)))


@rule("FIAC206", "stage-limits-exceeded", "error",
      "A stage has more than 50 groups, or a maxConcurrency is malformed or larger than its stage's.",
      tags=("updates",))
def stage_limits_exceeded(ctx: RuleContext) -> None:
    """
    ## What it finds

    In an update strategy or an update run's inline stages:

    - a stage with more than 50 update groups;
    - a `maxConcurrency` (stage or group) that is not a positive count (`3`) or a percentage from 1%
      to 100% (`25%`);
    - a group's `maxConcurrency` larger than its stage's. Only like with like is compared (two counts
      or two percentages): a count against a percentage depends on group sizes the code does not
      show, so it is not judged.

    An integer where the API takes a string is read as its text. Values that cannot be resolved are
    not judged. azurerm update strategies have no `maxConcurrency`: in Terraform this applies to
    `azapi_resource` strategies and runs.

    ## Why it matters

    The API rejects the strategy or run, so the deployment fails.

    ## Example

    ## Fix

    Keep counts positive, percentages from 1% to 100%, and each group's limit within its stage's.

    ## References

    - [Update groups, stages and strategies](https://learn.microsoft.com/azure/kubernetes-fleet/concepts-update-orchestration)
    - [Update strategies REST API](https://learn.microsoft.com/rest/api/fleet/fleet-update-strategies/create-or-update)
    """
    for source, stages in _stage_sources(ctx):
        for i, stage in enumerate(stages):
            if not isinstance(stage, Stage):
                continue
            stage_name = display(stage.name)
            groups = stage.groups
            # An unknown element may stand for any number of groups, none included: count the known ones.
            listed = groups if isinstance(groups, tuple) else ()
            known_groups = sum(isinstance(g, Group) for g in listed)
            if known_groups > MAX_GROUPS_PER_STAGE:
                more = " or more" if known_groups < len(listed) else ""
                ctx.report(source, f"stage {stage_name} of {_what(source)} has {known_groups}{more} update groups; a stage "
                                   f"takes at most {MAX_GROUPS_PER_STAGE}",
                           at=(f"stages[{i}].groups", f"stages[{i}].name", f"stages[{i}]"),
                           hint="split the groups over several stages")
            limits: list[tuple[str, object, str]] = [(f"stages[{i}].max_concurrency", stage.max_concurrency,
                                                      f"stage {stage_name}")]
            limits += [(f"stages[{i}].groups[{j}].max_concurrency", g.max_concurrency,
                        f"group {display(g.name)} of stage {stage_name}")
                       for j, g in enumerate(_groups_of(stage)) if isinstance(g, Group)]
            parsed: list[tuple[str, int] | None] = []
            for key, value, what in limits:
                if value is not None and not is_known(value):
                    ctx.unknown(source, f"maxConcurrency {display(value)} cannot be resolved", at=(key,))
                    parsed.append(None)
                    continue
                result = _concurrency(value)
                if result is False:
                    ctx.report(source, f"maxConcurrency {display(value)} of {what} in {_what(source)} is malformed; "
                                       f"it must be a positive count (\"3\") or a percentage from 1% to 100% (\"25%\")",
                               at=(key, f"stages[{i}]"), hint='write a count such as "3" or a percentage such as "25%"')
                    result = None
                parsed.append(result)
            stage_limit = parsed[0]
            if not isinstance(stage_limit, tuple):
                continue
            for (key, value, what), limit in zip(limits[1:], parsed[1:], strict=True):
                if isinstance(limit, tuple) and limit[0] == stage_limit[0] and limit[1] > stage_limit[1]:
                    ctx.report(source, f"maxConcurrency {display(value)} of {what} in {_what(source)} exceeds the "
                                       f"stage's {display(stage.max_concurrency)}",
                               at=(key, f"stages[{i}]"),
                               hint="lower the group's maxConcurrency to at most the stage's, or raise the stage's")


def _has_gates(value: object) -> bool | None:
    """True when gates are written (a non-empty list), None when unknown."""
    if value is None:
        return False
    if not is_known(value):
        return None
    return isinstance(value, list) and len(value) > 0


@rule("FIAC207", "no-soak-between-stages", "warning",
      "A stage is followed by another with no wait time and no approval gate between them.", tags=("updates",))
def no_soak_between_stages(ctx: RuleContext) -> None:
    """
    ## What it finds

    A stage of an update strategy (or of an update run's inline stages) that another stage follows,
    with neither a wait after it (`after_stage_wait_in_seconds` / `afterStageWaitInSeconds` above 0)
    nor an approval gate between the two. Any gate counts, to avoid false positives: the stage's
    `afterGates` or the next stage's `beforeGates`, and also the after-gates of the stage's groups or
    the before-gates of the next stage's groups. The last stage needs no soak. Values that cannot be
    resolved are not judged.

    ## Why it matters

    Stages exist so that a bad version shows itself on early clusters before it reaches the next
    ones. Without a soak time or an approval, the next stage starts the moment the previous one ends,
    before monitoring has caught anything.

    ## Example

    ## Fix

    Wait after each stage but the last, or gate the next one on an approval.

    ## References

    - [Update groups, stages and strategies](https://learn.microsoft.com/azure/kubernetes-fleet/concepts-update-orchestration)
    - [Approvals (gates) in update runs](https://learn.microsoft.com/azure/kubernetes-fleet/update-strategies-gates-approvals)
    """
    for source, stages in _stage_sources(ctx):
        for i in range(len(stages) - 1):
            stage, following = stages[i], stages[i + 1]
            if not isinstance(stage, Stage) or not isinstance(following, Stage):
                ctx.unknown(source, f"stage {i + 1} or {i + 2} cannot be resolved", at=(f"stages[{i}]",))
                continue
            wait = stage.after_wait
            checks: list[bool | None] = [_has_gates(stage.after_gates), _has_gates(following.before_gates)]
            checks += [_has_gates(g.after_gates) for g in _groups_of(stage) if isinstance(g, Group)]
            checks += [_has_gates(g.before_gates) for g in _groups_of(following) if isinstance(g, Group)]
            if wait is not None and not is_known(wait):
                checks.append(None)
            elif isinstance(wait, (int, float)) and not isinstance(wait, bool):
                checks.append(wait > 0)
            if any(c is True for c in checks):
                continue
            if any(c is None for c in checks):
                ctx.unknown(source, f"whether stage {display(stage.name)} has a soak time or gate",
                            at=(f"stages[{i}].after_wait", f"stages[{i}].name", f"stages[{i}]"))
                continue
            ctx.report(source,
                       f"stage {display(stage.name)} of {_what(source)} is followed by stage "
                       f"{display(following.name)} with no wait and no approval gate between them; the next "
                       f"stage starts as soon as this one ends",
                       at=(f"stages[{i}].after_wait", f"stages[{i}].name", f"stages[{i}]"),
                       hint="set a wait after the stage (e.g. 3600 seconds), or add an approval gate "
                            "(afterGates, or beforeGates on the next stage)")


@rule("FIAC208", "run-strategy-conflict", "error",
      "An update run sets both a strategy and inline stages, or uses a strategy of another fleet.",
      tags=("updates",))
def run_strategy_conflict(ctx: RuleContext) -> None:
    """
    ## What it finds

    An update run that

    - references an update strategy (`fleet_update_strategy_id` / `updateStrategyId`) **and** has
      inline stages (`stage` blocks / `strategy.stages`) — they conflict;
    - references an update strategy of another fleet: one declared in the scanned code under another
      fleet, or an ARM ID whose fleet name (or resource group) differs from the run's fleet.

    A strategy reference that cannot be resolved is not judged (it might be null); so are inline
    stages written with `dynamic` blocks, and fleets that cannot be told apart.

    ## Why it matters

    The API rejects a run with both (the azurerm provider refuses the plan), and rejects a strategy
    of another fleet: the run is never created, so the fleet is not upgraded.

    ## Example

    ## Fix

    Use either a strategy of the run's own fleet or inline stages.

    ## References

    - [Update Kubernetes and node images across clusters with update runs](https://learn.microsoft.com/azure/kubernetes-fleet/update-orchestration)
    - [azurerm_kubernetes_fleet_update_run (Terraform registry)](https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/kubernetes_fleet_update_run)
    """
    from analyzer.knowledge import arm_ids

    graph = ctx.graph
    for run in graph.of_kind(Kind.UPDATE_RUN):
        strategy = run.props.strategy
        if strategy is None:
            continue
        if not is_known(strategy):
            ctx.unknown(run, f"strategy reference {display(strategy)} cannot be resolved", at=("strategy",))
            continue
        if isinstance(strategy, str) and not strategy.strip():
            continue
        stages = run.props.stages
        if isinstance(stages, tuple) and stages:
            ctx.report(run, f"update run {display(run.name)} ({run.address}) sets both an update strategy and "
                            f"inline stages; they conflict, so the run is rejected",
                       at=("stages", "strategy"),
                       hint="remove the inline stages to use the strategy, or remove the strategy reference")
        elif stages is not None and isinstance(stages, Unknown):
            ctx.unknown(run, "whether the run also has inline stages", at=("stages",))
        run_fleet = graph.fleet_identity(run)
        target = graph.target(run, "strategy")
        if target is not None:
            strategy_fleet = graph.fleet_identity(target)
            if run_fleet is not None and strategy_fleet is not None and run_fleet != strategy_fleet:
                other = graph.target(target, "fleet")
                ctx.report(run, f"update run {display(run.name)} ({run.address}) uses update strategy "
                                f"{target.address}, which belongs to another fleet "
                                f"({other.address if other is not None else display(_fleet_of(target))})",
                           at=("strategy",), hint="use an update strategy of the run's own fleet",
                           related=(target.address,))
            continue
        parsed = arm_ids.parse_arm_id(strategy) if isinstance(strategy, str) else None
        if parsed is None or len(parsed.names) < 2 or (parsed.type or "").lower() != arm_ids.FLEET + "/updatestrategies":
            continue
        fleet = graph.target(run, "fleet")
        fleet_value = run.props.fleet
        fleet_id = arm_ids.parse_arm_id(fleet_value) if isinstance(fleet_value, str) else None
        fleet_name = fleet.name if fleet is not None else (fleet_id.name if fleet_id is not None else None)
        fleet_rg = fleet.resource_group if fleet is not None else (fleet_id.resource_group if fleet_id else None)
        if not isinstance(fleet_name, str):
            continue
        differs = parsed.names[0].lower() != fleet_name.lower() or (
            isinstance(fleet_rg, str) and isinstance(parsed.resource_group, str)
            and parsed.resource_group.lower() != fleet_rg.lower())
        if differs:
            ctx.report(run, f"update run {display(run.name)} ({run.address}) uses update strategy "
                            f"`{parsed.names[-1]}` of fleet `{parsed.names[0]}`, not of its own fleet `{fleet_name}`",
                       at=("strategy",), hint="use an update strategy of the run's own fleet")
