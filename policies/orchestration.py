"""Update orchestration (FIAC2xx): update groups, stages, strategies and runs."""

from __future__ import annotations

import re
from typing import Any, Literal

from fleetiac.analyzer.graph import same_value
from fleetiac.analyzer.graph.access import member_cluster
from fleetiac.analyzer.graph.stages import (
    Answer,
    FleetMembers,
    StagePlan,
    fleet_members,
    group_selects,
    selector_matches,
    stage_plans,
    stage_selects,
)
from fleetiac.analyzer.model import (
    FLEET_CHILD_PROPS,
    EventSubscriptionProps,
    EventSystemTopicProps,
    Group,
    Kind,
    Member,
    Resource,
    Stage,
    UpdateRun,
    UpdateStrategy,
    UpdateStrategyProps,
)
from fleetiac.analyzer.rules import RuleContext, assignment, dialect, rule, scheduled_start
from fleetiac.analyzer.values import ResourceRef, Unknown, display, is_known


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


def _not_selected_by_selector(ctx: RuleContext, member: Member, plan: StagePlan | None) -> bool:
    """True when no member selector of the plan may select ``member``; records the unknown case."""
    answer: Answer = plan.selector_may_select(member) if plan is not None else False
    if answer is None:
        ctx.unknown(member, "whether a member selector of its fleet's stages selects it: the member's labels "
                            "or a selector cannot be resolved", at=("labels", "group"))
    return answer is False


@rule("FIAC201", "member-group-not-in-strategy", "error",
      "A member's update group is in no stage of its fleet's strategies, so update runs skip it.",
      tags=("updates",))
def member_group_not_in_strategy(ctx: RuleContext) -> None:
    """
    ## What it finds

    A fleet member whose update group is not a stage group of its fleet: a group *without* a member
    selector named by a stage of the fleet's update strategies (or of the inline stages of its update
    runs), when the fleet has stage groups at all. A group that differs from a stage group only by
    letter case is reported by FIAC202 instead. A member that a member selector (`memberSelector`,
    preview) of those stages may select is not reported: its labels must be known and match none of
    them. Members whose group or labels are unknown, and fleets with a stage group name or selector
    that cannot be resolved, are not judged.

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
        if not _not_selected_by_selector(ctx, member, plan):
            continue
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

    Update group names must match `^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`, so a group with upper-case
    letters is rejected when the member is deployed (FIAC504 reports it as well). This finding names
    the stage group the member was meant to join, so the fix is a matter of letter case.

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
                   f"`{matches[0]}`; group names must be lowercase, so the Fleet API rejects the one with "
                   f"upper-case letters",
                   at=("group",), hint=f"write the group as `{matches[0]}`",
                   related=tuple(s.address for s in plan.sources))


@rule("FIAC203", "member-without-group", "warning",
      "An AKS fleet member has no update group and no member selector selects it.", tags=("updates",))
def member_without_group(ctx: RuleContext) -> None:
    """
    ## What it finds

    An AKS fleet member that sets no update group (`group` / `properties.group`), when no member
    selector (`memberSelector`, preview) of its fleet's update strategies or of its update runs'
    inline stages may select it. Arc members are not reported: update runs never update them. A
    member whose cluster type, labels or fleet's selectors are unknown is not judged.

    ## Why it matters

    An update run with stages upgrades only the members its stages select, so a member without a
    group (and outside every selector) is never upgraded by a staged run; and without groups there is
    no way to add a canary stage later without touching every member.

    ## Example

    ## Fix

    Put every member in an update group (or select it by label).

    ## References

    - [Update groups, stages and strategies](https://learn.microsoft.com/azure/kubernetes-fleet/concepts-update-orchestration)
    - [What clusters does multi-cluster updates support? (FAQ)](https://learn.microsoft.com/azure/kubernetes-fleet/faq)
    - [Define update strategies with member selectors](https://learn.microsoft.com/azure/kubernetes-fleet/update-create-update-strategy)
    """
    plans = stage_plans(ctx.graph)
    for member in ctx.graph.of_kind(Kind.MEMBER):
        if member.existing or member.props.group is not None:
            continue
        flavor = member_cluster(ctx.graph, member).flavor
        if flavor == "arc":
            continue
        if flavor is None:
            ctx.unknown(member, "whether its cluster is an AKS cluster", at=("cluster",))
            continue
        fleet = ctx.graph.fleet_identity(member)
        if fleet is not None:
            plan = plans.get(fleet)
            if not _not_selected_by_selector(ctx, member, plan):
                continue
        else:
            answers = [p.selector_may_select(member) for p in plans.values()]
            if any(a is not False for a in answers):
                ctx.unknown(member, "its fleet cannot be resolved, and a member selector may select it", at=("fleet",))
                continue
        if "group" not in member.locations:
            ctx.report(member, f"member {display(member.name)} ({member.address}) has no update group; "
                               f"staged update runs will not upgrade it",
                       hint=_group_hint(member))
        else:
            ctx.report(member, f"member {display(member.name)} ({member.address}) sets its update group to null; "
                               f"staged update runs will not upgrade it", at=("group",),
                       hint="set the group to a group a stage names")


_GROUP_HINT = {  # how a member's own language gives it an update group, by dialect
    "azurerm": "set `group` to a group a stage names",
    "azapi": "set `properties.group` in the member's body to a group a stage names",
    "bicep": "set `properties.group` to a group a stage names",
    "arm": "set `properties.group` to a group a stage names",
    "az": "pass `--update-group` with a group a stage names",
}


def _group_hint(member: Resource) -> str:
    return _GROUP_HINT.get(dialect(member), "give the member an update group a stage names")


def _set_group(source: Resource, name: str) -> str:
    """``set `group = "canary"``` in the language of ``source``'s file (``--update-group`` for az)."""
    if dialect(source) == "az":
        return f"pass `--update-group {name}`"
    return f"set `{assignment(source, 'group', 'properties.group', name)}`"


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

    A stage group (a group *without* a member selector) named in a stage of an update strategy (or
    of an update run's inline stages) that no member of the fleet belongs to, when every member of
    that fleet is known: the fleet is declared in the scanned code (not `existing`, a data source or a
    literal ID, whose members may be joined elsewhere), it has at least one member here, and every
    member that is or may be of it has a known fleet, name, group and labels. A group that matches a
    member's group except for letter case is left to FIAC202. A group with a member selector selects
    by label and its name is only a display name: that is FIAC210.

    ## Why it matters

    The stage upgrades nothing: usually a typo or a group renamed on the members but not in the
    strategy, so the clusters meant for that stage are skipped (or upgraded in a later stage
    without the intended soak time).

    ## Example

    ## Fix

    Put a member in every stage group (or remove the empty group).

    ## References

    - [Update groups, stages and strategies](https://learn.microsoft.com/azure/kubernetes-fleet/concepts-update-orchestration)
    - [What happens to update groups if I set a member selector at the group level? (FAQ)](https://learn.microsoft.com/azure/kubernetes-fleet/faq)
    """
    for source, stages in _stage_sources(ctx):
        target = ctx.graph.target(source, "fleet")
        if target is None or target.existing:
            continue
        members = fleet_members(ctx.graph, target.key)
        if not members.members:
            continue
        if not members.known:
            ctx.unknown(source, f"whether its stage groups have members: {members.why_unknown()}", at=("stages",))
            continue
        names = {m.props.group.lower() for m in members.members if isinstance(m.props.group, str)}
        for i, stage in enumerate(stages):
            for j, group in enumerate(_groups_of(stage)):
                if not isinstance(group, Group):
                    continue
                name = group.name
                if group.member_selector is not None:
                    if not is_known(group.member_selector):
                        ctx.unknown(source, f"whether group {display(name)} has a member selector",
                                    at=(f"stages[{i}].groups[{j}]",))
                    continue
                if not isinstance(name, str) or name.lower() in names:
                    continue
                stage_name = stage.name if isinstance(stage, Stage) else None
                ctx.report(source,
                           f"group `{name}` of stage {display(stage_name)} in {_what(source)} has no member in fleet "
                           f"{display(target.name)}; the stage upgrades nothing for it",
                           at=(f"stages[{i}].groups[{j}].name", f"stages[{i}].groups[{j}]", f"stages[{i}]"),
                           hint=f"{_set_group(source, name)} on the members meant for this stage, or remove the "
                                f"group (member groups: {', '.join(sorted(names)) or 'none'})",
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
MAX_STAGE_CONCURRENCY = 50


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
      "A stage has more than 50 groups, or a maxConcurrency is malformed or above its limit.",
      tags=("updates",))
def stage_limits_exceeded(ctx: RuleContext) -> None:
    """
    ## What it finds

    In an update strategy or an update run's inline stages:

    - a stage with more than 50 update groups;
    - a `maxConcurrency` (stage or group) that is not a positive count (`3`) or a percentage from 1%
      to 100% (`25%`);
    - a stage's count `maxConcurrency` above 50;
    - a group's `maxConcurrency` larger than its stage's. Only like with like is compared (two counts
      or two percentages): a count against a percentage depends on group sizes the code does not
      show, so it is not judged;
    - a group's count `maxConcurrency` larger than the number of members the group selects (by its
      name, or its member selector, within its stage's selector), when it selects at least one and
      every member of the fleet is known (see FIAC204).

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
    - [Maximum concurrency (preview)](https://learn.microsoft.com/azure/kubernetes-fleet/concepts-update-orchestration#maximum-concurrency-preview)
    """
    for source, stages in _stage_sources(ctx):
        fleet = ctx.graph.fleet_identity(source)
        members = fleet_members(ctx.graph, fleet) if fleet is not None else None
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
            if isinstance(stage_limit, tuple) and stage_limit[0] == "count" and stage_limit[1] > MAX_STAGE_CONCURRENCY:
                ctx.report(source, f"maxConcurrency {display(stage.max_concurrency)} of stage {stage_name} in "
                                   f"{_what(source)} is above {MAX_STAGE_CONCURRENCY}, the most a stage allows",
                           at=(limits[0][0], f"stages[{i}]"), hint=f"set at most \"{MAX_STAGE_CONCURRENCY}\"")
            groups_here = [g for g in _groups_of(stage) if isinstance(g, Group)]
            for (key, value, what), limit, group in zip(limits[1:], parsed[1:], groups_here, strict=True):
                if isinstance(stage_limit, tuple) and isinstance(limit, tuple) and limit[0] == stage_limit[0] \
                        and limit[1] > stage_limit[1]:
                    ctx.report(source, f"maxConcurrency {display(value)} of {what} in {_what(source)} exceeds the "
                                       f"stage's {display(stage.max_concurrency)}",
                               at=(key, f"stages[{i}]"),
                               hint="lower the group's maxConcurrency to at most the stage's, or raise the stage's")
                elif isinstance(limit, tuple) and limit[0] == "count" and members is not None:
                    _group_above_members(ctx, source, stage, group, members, key, value, what, limit[1])


def _group_above_members(ctx: RuleContext, source: UpdateStrategy | UpdateRun, stage: Stage, group: Group,
                         members: FleetMembers, key: str, value: object, what: str, limit: int) -> None:
    if not members.known:
        ctx.unknown(source, f"whether maxConcurrency {display(value)} of {what} exceeds its members: "
                            f"{members.why_unknown()}", at=(key,))
        return
    answers = [group_selects(stage, group, m) for m in members.members]
    if any(a is None for a in answers):
        ctx.unknown(source, f"how many members {what} selects", at=(key,))
        return
    selected = [m for m, a in zip(members.members, answers, strict=True) if a]
    if 1 <= len(selected) < limit:
        names = ", ".join(f"`{display(m.name)}`" for m in selected)
        ctx.report(source, f"maxConcurrency {display(value)} of {what} in {_what(source)} exceeds the "
                           f"{len(selected)} member(s) the group selects ({names}); the API rejects it",
                   at=(key,), hint=f"set maxConcurrency to at most \"{len(selected)}\", or use a percentage",
                   related=tuple(m.address for m in selected))


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
    from fleetiac.analyzer.knowledge import arm_ids

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


GATE_CREATED_EVENT = "microsoft.resourcenotifications.aksresources.fleetgatecreated"
AKS_RESOURCES_TOPIC = "microsoft.resourcenotifications.aksresources"
GATES_WRITE = "Microsoft.ContainerService/fleets/gates/write"


def _gates(stages: tuple[Stage | Unknown, ...]) -> list[tuple[str, str, Any, str]]:
    """Every gate of a stage list as (where, which list, gate, whose): stage and group, before and after."""
    out: list[tuple[str, str, Any, str]] = []
    for i, stage in enumerate(stages):
        if not isinstance(stage, Stage):
            continue
        stage_name = f"stage {display(stage.name)}"
        holders: list[tuple[str, Stage | Group, str]] = [(f"stages[{i}]", stage, stage_name)]
        holders += [(f"stages[{i}].groups[{j}]", g, f"group {display(g.name)} of {stage_name}")
                    for j, g in enumerate(_groups_of(stage)) if isinstance(g, Group)]
        for at, holder, whose in holders:
            for which, gates in (("before_gates", holder.before_gates), ("after_gates", holder.after_gates)):
                if isinstance(gates, list):
                    out.extend((f"{at}.{which}[{k}]", which, gate, whose) for k, gate in enumerate(gates))
                elif gates is not None:
                    out.append((f"{at}.{which}", which, gates, whose))
    return out


def _gate_type(gate: Any) -> Any:
    return gate.get("type") if isinstance(gate, dict) else gate


def _approval_gate(stages: Any) -> tuple[str, Answer]:
    """Where the first Approval gate of a stage list is, and whether there is one (None: cannot be told)."""
    if not isinstance(stages, tuple):
        return "", None if stages is not None else False
    unknown = False
    for at, _which, gate, _whose in _gates(stages):
        kind = _gate_type(gate)
        if isinstance(kind, str) and kind.lower() == "approval":
            return at, True
        if not isinstance(kind, str):
            unknown = True
    return "", None if unknown else False


def _subscription_approves(ctx: RuleContext, subscription: Resource) -> Answer:
    """Whether an Event Grid subscription delivers FleetGateCreated events of an AKS resources topic."""
    props = subscription.props
    if not isinstance(props, EventSubscriptionProps):
        return False
    topic_value = props.topic
    topic = ctx.graph.resolve(topic_value)
    if topic is None and isinstance(topic_value, str) and "/" not in topic_value:
        named = [t for t in ctx.graph.of_kind(Kind.EVENT_SYSTEM_TOPIC) if same_value(t.name, topic_value)
                 and same_value(t.resource_group, subscription.resource_group) is not False]
        topic = named[0] if len(named) == 1 else None
    topic_props = topic.props if topic is not None else None
    if not isinstance(topic_props, EventSystemTopicProps) or topic is None or topic.existing:
        return None
    topic_type = topic_props.topic_type
    if not isinstance(topic_type, str):
        return None
    if topic_type.lower() != AKS_RESOURCES_TOPIC:
        return False
    types = props.included_event_types
    if types is None:
        return True
    if not isinstance(types, list):
        return None
    if any(isinstance(t, str) and t.lower() == GATE_CREATED_EVENT for t in types):
        return True
    return None if not is_known(types) else not types


DEPLOYER_TEXTS = ("expr:data.azurerm_client_config.current.object_id", "expr:deployer().objectid")


def _grant_approves(ctx: RuleContext, grant: Any, fleet: Resource) -> Answer:
    """Whether a grant lets an automated principal (not the deployer) approve the fleet's gates."""
    from fleetiac.analyzer.graph.access import contains, target_of

    key = grant.principal_key
    if key is not None and key.lower() in DEPLOYER_TEXTS:
        return False
    permits: Answer = grant.role.permits(GATES_WRITE) if grant.role is not None else None
    inside: Answer = contains(ctx.graph, grant.scope, target_of(ctx.graph, fleet)) if grant.scope is not None else None
    principal = grant.principal
    kind: Answer
    declared = ctx.graph.resolve(principal) if isinstance(principal, ResourceRef) else None
    if declared is not None and (declared.kind == Kind.IDENTITY
                                 or "principal" in principal.attr.lower().replace("_", "")):
        kind = True
    else:
        principal_type = grant.assignment.props.principal_type
        if principal_type is None:
            kind = False
        elif isinstance(principal_type, str):
            kind = principal_type.lower() == "serviceprincipal"
        else:
            kind = None
    answers = (permits, inside, kind)
    if any(a is False for a in answers):
        return False
    return True if all(a is True for a in answers) else None


@rule("FIAC209", "approval-gate-without-approver", "warning",
      "An auto-upgrade profile's strategy has an Approval gate and nothing in the scan approves gates.",
      tags=("updates", "gates"))
def approval_gate_without_approver(ctx: RuleContext) -> None:
    """
    ## What it finds

    An enabled auto-upgrade profile whose update strategy (declared in the scan) has an `Approval`
    gate, before or after a stage or a group, while nothing in the scanned code approves gates
    automatically. Automation is either

    - an Event Grid event subscription (`azurerm_eventgrid_system_topic_event_subscription`,
      `Microsoft.EventGrid/systemTopics/eventSubscriptions`) on a system topic of type
      `Microsoft.ResourceNotifications.AKSResources` whose included event types contain
      `Microsoft.ResourceNotifications.AKSResources.FleetGateCreated` (any letter case) or are not
      restricted; or
    - a role assignment whose role includes `Microsoft.ContainerService/fleets/gates/write` (Fleet
      Manager Contributor, Contributor, Owner...) at a scope containing the fleet, to a principal that
      is not the deployer and is a managed identity declared in the scan or has `principal_type` /
      `principalType` `ServicePrincipal`.

    No finding when a topic type, an event type list, or a grant's role, scope or principal type that
    could satisfy either is unknown, nor when the strategy or whether the profile is disabled is.

    ## Why it matters

    Approvals never expire and cannot be given in advance. Every run the profile generates stops at
    the gate until someone approves it: with nobody watching, the fleet silently stops upgrading.

    ## Example

    ## Fix

    Subscribe a handler to the gate events (an Event Grid subscription on the
    `Microsoft.ResourceNotifications.AKSResources` system topic) and grant its identity the right to
    complete gates, or drop the gate from the strategy the profile uses.

    ## References

    - [Approvals (gates) in update runs](https://learn.microsoft.com/azure/kubernetes-fleet/update-strategies-gates-approvals)
    - [Automate approvals with Event Grid](https://learn.microsoft.com/azure/kubernetes-fleet/howto-configure-events-for-gates)
    """
    graph = ctx.graph
    for profile in graph.of_kind(Kind.AUTO_UPGRADE_PROFILE):
        if profile.existing:
            continue
        disabled = profile.props.disabled
        if disabled is True:
            continue
        strategy = graph.target(profile, "strategy")
        if profile.props.strategy is None or strategy is None or not isinstance(strategy.props, UpdateStrategyProps):
            if profile.props.strategy is not None:
                ctx.unknown(profile, f"whether update strategy {display(profile.props.strategy)} has approval gates",
                            at=("strategy",))
            continue
        _at, gated = _approval_gate(strategy.props.stages)
        if gated is not True:
            if gated is None:
                ctx.unknown(profile, f"whether update strategy {strategy.address} has approval gates", at=("strategy",))
            continue
        if disabled is not None and disabled is not False:
            ctx.unknown(profile, f"whether the profile is disabled ({display(disabled)})", at=("disabled",))
            continue
        fleet = graph.target(profile, "fleet")
        answers: list[Answer] = [_subscription_approves(ctx, s) for s in graph.of_kind(Kind.EVENT_SUBSCRIPTION)]
        if fleet is not None:
            answers += [_grant_approves(ctx, g, fleet) for g in ctx.grants]
        elif ctx.grants:
            answers.append(None)
        if any(a is True for a in answers):
            continue
        if any(a is None for a in answers):
            ctx.unknown(profile, "whether an Event Grid subscription or a grant approves its gates", at=("strategy",))
            continue
        ctx.report(profile,
                   f"auto-upgrade profile {display(profile.name)} ({profile.address}) uses update strategy "
                   f"{strategy.address}, which has an Approval gate, and nothing in the scanned code approves gates "
                   f"(no Event Grid subscription to FleetGateCreated events, no automated identity with "
                   f"fleets/gates/write); every run it generates waits at the gate",
                   at=("strategy",),
                   hint="subscribe a handler to Microsoft.ResourceNotifications.AKSResources.FleetGateCreated "
                        "events and grant its identity Fleet Manager Contributor, or remove the gate",
                   related=(strategy.address,) + ((fleet.address,) if fleet is not None else ()))


@rule("FIAC210", "member-selector-matches-no-member", "warning",
      "A stage's or group's member selector selects no member of the fleet.", tags=("updates", "preview"))
def member_selector_matches_no_member(ctx: RuleContext) -> None:
    """
    ## What it finds

    (Preview.) A member selector (`memberSelector.byLabel`) of a stage or of a group, in an update
    strategy or an update run's inline stages, that selects no member of the fleet, when every member
    of that fleet is known (see FIAC204). A group's selector is counted within its stage's selector.
    Selectors are Kubernetes label selectors (`env=prod`, `env in (prod, staging)`, `!canary`...)
    matched against the members' `labels`; a selector that cannot be parsed is not judged.

    ## Why it matters

    The stage or group upgrades nothing. A label typo (`env=prd`), or labels set on the members in
    another case or spelling, leaves the clusters meant for it out of every run while the run
    reports success.

    ## Example

    ## Fix

    Match the selector to the labels the members carry.

    ## References

    - [Define update strategies with member selectors](https://learn.microsoft.com/azure/kubernetes-fleet/update-create-update-strategy)
    - [Kubernetes label selectors](https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors)
    """
    for source, stages in _stage_sources(ctx):
        fleet = ctx.graph.target(source, "fleet")
        if fleet is None or fleet.existing:
            continue
        members = fleet_members(ctx.graph, fleet.key)
        checks: list[tuple[str, str, Any, Any]] = []
        for i, stage in enumerate(stages):
            if not isinstance(stage, Stage):
                continue
            if stage.member_selector is not None:
                checks.append((f"stages[{i}].member_selector", f"stage {display(stage.name)}", stage.member_selector,
                               lambda m, st=stage: selector_matches(st.member_selector, _member_labels(m))))
            for j, group in enumerate(_groups_of(stage)):
                if isinstance(group, Group) and group.member_selector is not None:
                    checks.append((f"stages[{i}].groups[{j}].member_selector",
                                   f"group {display(group.name)} of stage {display(stage.name)}", group.member_selector,
                                   lambda m, st=stage, g=group: group_selects(st, g, m)))
        for at, what, selector, selects in checks:
            if not isinstance(selector, str):
                ctx.unknown(source, f"member selector {display(selector)} cannot be resolved", at=(at,))
                continue
            if not members.known:
                ctx.unknown(source, f"whether member selector `{selector}` selects a member: {members.why_unknown()}",
                            at=(at,))
                continue
            answers = [selects(m) for m in members.members]
            if any(a is not False for a in answers):
                if not any(a is True for a in answers):
                    ctx.unknown(source, f"whether member selector `{selector}` selects a member", at=(at,))
                continue
            ctx.report(source,
                       f"member selector `{selector}` of {what} in {_what(source)} selects no member of fleet "
                       f"`{display(fleet.name)}`; the {what.split(' ')[0]} upgrades nothing",
                       at=(at,), hint="match the selector to the labels of the members meant for it "
                                      f"(members: {', '.join(sorted(display(m.name) for m in members.members))})",
                       related=(fleet.address,))


def _member_labels(member: Member) -> Any:
    labels = member.props.labels
    return {} if labels is None and not member.existing else labels


WEEKDAYS = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
_START_TIME_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_UTC_OFFSET_RE = re.compile(r"^[+-](\d\d):([0-5]\d)$")


def _scheduled_problems(gate: dict[str, Any], which: str) -> list[tuple[str, str]] | None:
    """What is wrong with a ScheduledStart gate, as (path suffix, problem); None when a value is unknown."""
    if which == "after_gates":
        return [("", "is in afterGates, but a ScheduledStart gate can only come before a stage or group")]
    config = next((v for k, v in gate.items() if k.lower() == "scheduledstartconfiguration"), None)
    if config is None:
        return [("", "has no scheduledStartConfiguration (startDay, startTime and utcOffset are required)")]
    if not isinstance(config, dict):
        return None
    values = {k.lower(): v for k, v in config.items()}
    problems: list[tuple[str, str]] = []
    unknown = False
    missing = [k for k in ("startDay", "startTime", "utcOffset") if values.get(k.lower()) is None]
    if missing:
        problems.append((".scheduledStartConfiguration", f"lacks {', '.join(missing)} in scheduledStartConfiguration"))
    day, time, offset = values.get("startday"), values.get("starttime"), values.get("utcoffset")
    for key, value, valid, expected in (
            ("startDay", day, lambda v: v.lower() in WEEKDAYS, "a day from Sunday to Saturday"),
            ("startTime", time, lambda v: _START_TIME_RE.match(v) is not None, "a 24-hour time HH:MM (00:00-23:59)"),
            ("utcOffset", offset, _valid_offset, "+HH:MM or -HH:MM between -14:00 and +14:00")):
        if value is None:
            continue
        if not isinstance(value, str):
            if is_known(value):
                problems.append((f".scheduledStartConfiguration.{key}", f"has {key} {value!r}, not {expected}"))
            else:
                unknown = True
            continue
        if not valid(value):
            problems.append((f".scheduledStartConfiguration.{key}", f"has {key} `{value}`, not {expected}"))
    if unknown and not problems:
        return None
    return problems


def _valid_offset(value: str) -> bool:
    match = _UTC_OFFSET_RE.match(value)
    if match is None:
        return False
    minutes = int(match.group(1)) * 60 + int(match.group(2))
    return minutes <= 14 * 60


@rule("FIAC211", "scheduled-start-gate-invalid", "error",
      "A ScheduledStart gate is after a stage or group, or its schedule is missing or malformed.",
      tags=("updates", "gates", "preview"))
def scheduled_start_gate_invalid(ctx: RuleContext) -> None:
    """
    ## What it finds

    (Preview.) A gate of type `ScheduledStart` in an update strategy or an update run's inline
    stages that

    - is in `afterGates` (scheduled gates only go before a stage or a group);
    - has no `scheduledStartConfiguration`, or lacks one of `startDay`, `startTime`, `utcOffset`;
    - has a `startDay` that is not `Sunday` ... `Saturday` (any letter case), a `startTime` that is
      not a 24-hour `HH:MM` from `00:00` to `23:59`, or a `utcOffset` that is not `+HH:MM`/`-HH:MM`
      between `-14:00` and `+14:00`.

    Values that cannot be resolved are not judged.

    ## Why it matters

    The API rejects the strategy or run, so the deployment fails (and with it the rollout plan it
    carries).

    ## Example

    ## Fix

    Put scheduled gates in `beforeGates` with a complete, well-formed schedule.

    ## References

    - [Scheduled start gates (preview)](https://learn.microsoft.com/azure/kubernetes-fleet/update-strategies-gates-scheduled-start)
    """
    for source, stages in _stage_sources(ctx):
        for at, which, gate, whose in _gates(stages):
            kind = _gate_type(gate)
            if not isinstance(kind, str):
                if kind is not None and not is_known(kind):
                    ctx.unknown(source, f"gate type {display(kind)} cannot be resolved", at=(at,))
                continue
            if kind.lower() != "scheduledstart" or not isinstance(gate, dict):
                continue
            problems = _scheduled_problems(gate, which)
            if problems is None:
                ctx.unknown(source, "the schedule of a ScheduledStart gate cannot be resolved", at=(at,))
                continue
            name = gate.get("displayName")
            label = f"ScheduledStart gate `{name}`" if isinstance(name, str) else "a ScheduledStart gate"
            side = "after" if which == "after_gates" else "before"
            for suffix, problem in problems:
                where = (at.rpartition("[")[0],) if which == "after_gates" else (at + suffix, at + ".type", at)
                ctx.report(source, f"{label} {side} {whose} in {_what(source)} {problem}; the API rejects it",
                           at=where,
                           hint=f"use beforeGates with scheduledStartConfiguration {scheduled_start(source)}")


TIERS_MIN_MEMBERS = 3


@rule("FIAC212", "rollout-without-tiers", "note",
      "An update reaches every member of a fleet at once, with no stage boundary to stop it.",
      tags=("updates",))
def rollout_without_tiers(ctx: RuleContext) -> None:
    """
    ## What it finds

    A fleet with at least 3 members, every one known (see FIAC204), and either

    - an update strategy of the fleet (or an update run's inline stages) with one stage that selects
      every member of the fleet; or
    - an update run of the fleet with neither a strategy nor inline stages, which updates every
      member one by one.

    An enabled auto-upgrade profile without a strategy is FIAC407.

    ## Why it matters

    The update reaches every cluster with no stage boundary, wait or gate at which to stop it first:
    a bad version or node image lands everywhere before anyone can look at the first cluster.

    ## Example

    ## Fix

    Split the members into stages (a canary stage first), with a wait or an approval between them.

    ## References

    - [Update groups, stages and strategies](https://learn.microsoft.com/azure/kubernetes-fleet/concepts-update-orchestration)
    - [Migrate updates from Terraform to Fleet](https://learn.microsoft.com/azure/kubernetes-fleet/howto-migrate-updates-from-terraform)
    """
    graph = ctx.graph
    for source, stages in _stage_sources(ctx):
        fleet = graph.target(source, "fleet")
        if fleet is None or fleet.existing:
            continue
        members = fleet_members(graph, fleet.key)
        if len(members.members) < TIERS_MIN_MEMBERS:
            continue
        if not members.known:
            ctx.unknown(source, f"whether one stage selects every member: {members.why_unknown()}", at=("stages",))
            continue
        for i, stage in enumerate(stages):
            answers = [stage_selects(stage, m) for m in members.members]
            if all(a is True for a in answers):
                name = display(stage.name) if isinstance(stage, Stage) else f"#{i + 1}"
                ctx.report(source, f"stage {name} of {_what(source)} selects all {len(answers)} members of fleet "
                                   f"`{display(fleet.name)}`; the update reaches every cluster with no stage boundary "
                                   f"to stop it first",
                           at=(f"stages[{i}].name", f"stages[{i}]"),
                           hint="split the members into stages (a canary stage first) with a wait or gate between them",
                           related=(fleet.address,))
                break
    for run in graph.of_kind(Kind.UPDATE_RUN):
        strategy = run.props.strategy
        if run.existing or run.props.stages is not None or not (
                strategy is None or (isinstance(strategy, str) and not strategy.strip())):
            continue
        fleet = graph.target(run, "fleet")
        if fleet is None or fleet.existing:
            continue
        members = fleet_members(graph, fleet.key)
        if len(members.members) < TIERS_MIN_MEMBERS:
            continue
        if not members.known:
            ctx.unknown(run, f"whether the run updates more than 2 members one by one: {members.why_unknown()}")
            continue
        ctx.report(run, f"update run {display(run.name)} ({run.address}) has neither an update strategy nor stages, "
                        f"so it updates all {len(members.members)} members of fleet `{display(fleet.name)}` one by one "
                        f"with no stage boundary to stop it first",
                   hint="reference an update strategy with stages, or give the run inline stages",
                   related=(fleet.address,))
