"""Stage plans and member selection: which members the stages of a fleet's update strategies and runs
select (policies.md "Terms"). The orchestration, membership and version rules share these questions.

Every answer about one member is three-valued: True (selected), False (not selected), None (cannot be
told: an unknown group, labels, selector or stage list). A :class:`Selection` gathers those answers for
every member of one fleet, and says whether that fleet's member list is complete.

The questions:

- :func:`selector_matches` ``(selector, labels) -> bool | None``: a Kubernetes label selector string
  (``memberSelector.byLabel``) against a member's ``labels``.
- :func:`stage_selects` ``(stage, member) -> bool | None`` and :func:`group_selects` ``(stage, group,
  member) -> bool | None``: the members a stage (or one of its groups) selects.
- :func:`fleet_members` ``(graph, fleet) -> FleetMembers``: the members of a fleet, and whether every
  one is known.
- :func:`members_stages_select` ``(graph, fleet, stages) -> Selection``: the members a list of stages
  selects.
- :func:`members_run_includes` ``(graph, run) -> Selection`` and :func:`members_profile_covers`
  ``(graph, profile) -> Selection``.
- :func:`stage_plans` ``(graph) -> dict[str, StagePlan]`` and :func:`stage_groups` ``(graph, fleet) ->
  StagePlan | None``: the stage groups of each fleet (groups without a member selector), and whether a
  selector of its stages may select a member (:meth:`StagePlan.selector_may_select`).

A :class:`Selection` answers :meth:`~Selection.includes` ``(member) -> bool | None``; ``selected`` and
``maybe`` list the members selected for certain and those that may be; ``count`` is the number selected
when every answer is known and every member of the fleet is (else None); ``everyone`` whether all are;
``members.known`` whether the fleet's member list is complete; ``reason`` why every answer is None.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from fleetiac.analyzer.graph import FleetGraph
from fleetiac.analyzer.model import (
    AutoUpgradeProfile,
    Group,
    Kind,
    Member,
    Resource,
    Stage,
    Stages,
    UpdateRun,
    UpdateStrategy,
    UpdateStrategyProps,
)
from fleetiac.analyzer.values import Unknown, display, is_known

Answer = bool | None
"""True, False, or None: cannot be told statically."""


def _and(*answers: Answer) -> Answer:
    if any(a is False for a in answers):
        return False
    return True if all(a is True for a in answers) else None


def _or(answers: Iterable[Answer]) -> Answer:
    result: Answer = False
    for answer in answers:
        if answer is True:
            return True
        if answer is None:
            result = None
    return result


# -- label selectors -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Requirement:
    """One requirement of a label selector: ``key`` with an operator and its values."""

    key: str
    operator: str
    """``in``, ``notin``, ``exists`` or ``!exists`` (``=``/``==`` are ``in``, ``!=`` is ``notin``)."""
    values: frozenset[str] = frozenset()


_KEY = r"[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?"
_VALUE = r"([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?"
_SET_RE = re.compile(rf"^({_KEY})\s+(in|notin)\s*\(([^()]*)\)$")
_EQUALS_RE = re.compile(rf"^({_KEY})\s*(==|=|!=)\s*({_VALUE})$")
_EXISTS_RE = re.compile(rf"^(!?)\s*({_KEY})$")
_VALUE_RE = re.compile(rf"^{_VALUE}$")


def _split(text: str) -> list[str] | None:
    """The requirements of a selector: comma-separated, commas inside ``( )`` excepted."""
    parts: list[str] = []
    depth, start = 0, 0
    for i, char in enumerate(text):
        if char == "(":
            depth += 1
            if depth > 1:
                return None
        elif char == ")":
            depth -= 1
            if depth < 0:
                return None
        elif char == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    if depth:
        return None
    parts.append(text[start:])
    return [p.strip() for p in parts]


def parse_selector(text: str) -> tuple[Requirement, ...] | None:
    """The requirements of a Kubernetes label selector string (``env=prod,tier in (a, b),!canary``);
    None when it is malformed. An empty selector has no requirements (it matches every member)."""
    if not text.strip():
        return ()
    parts = _split(text)
    if parts is None:
        return None
    out: list[Requirement] = []
    for part in parts:
        match = _SET_RE.match(part)
        if match is not None:
            values = [v.strip() for v in match.group(4).split(",")]
            if not all(_VALUE_RE.match(v) for v in values):
                return None
            out.append(Requirement(match.group(1), match.group(3), frozenset(values)))
            continue
        match = _EQUALS_RE.match(part)
        if match is not None:
            operator = "notin" if match.group(3) == "!=" else "in"
            out.append(Requirement(match.group(1), operator, frozenset([match.group(4)])))
            continue
        match = _EXISTS_RE.match(part)
        if match is not None:
            out.append(Requirement(match.group(2), "!exists" if match.group(1) else "exists"))
            continue
        return None
    return tuple(out)


def _labels(member: Member) -> dict[str, Any] | Unknown:
    """A member's labels; unknown for an ``existing`` member (its labels are not in the code)."""
    labels = member.props.labels
    if member.existing:
        return Unknown(f"{member.address}.labels")
    if labels is None:
        return {}
    if isinstance(labels, dict):
        return labels
    return labels if isinstance(labels, Unknown) else Unknown(f"{member.address}.labels")


def selector_matches(selector: Any, labels: Any) -> Answer:
    """Whether a label selector (a string) matches ``labels`` (a dict, or unknown). None when the
    selector or a label it reads is unknown, or the selector is malformed. As in Kubernetes, ``!=`` and
    ``notin`` match a member without the key."""
    if not isinstance(selector, str):
        return None
    requirements = parse_selector(selector)
    if requirements is None or not isinstance(labels, dict):
        return None
    answers: list[Answer] = []
    for req in requirements:
        if req.key not in labels:
            if not all(isinstance(k, str) for k in labels):
                answers.append(None)
                continue
            answers.append(req.operator in ("notin", "!exists"))
            continue
        value = labels[req.key]
        if req.operator in ("exists", "!exists"):
            answers.append(req.operator == "exists")
        elif not isinstance(value, str):
            answers.append(None)
        else:
            answers.append((value in req.values) == (req.operator == "in"))
    return _and(*answers)


# -- stages --------------------------------------------------------------------------------------


def _group_name_matches(group: Group, member: Member) -> Answer:
    value = member.props.group
    if member.existing or not is_known(group.name) or (value is not None and not isinstance(value, str)):
        return None
    return isinstance(value, str) and value == group.name


def group_selects(stage: Stage, group: Group | Unknown, member: Member) -> Answer:
    """Whether ``group`` of ``stage`` selects ``member``: by the group's selector when it has one, else
    by the member's ``group`` (case-sensitive); the stage's selector, when set, restricts both."""
    if not isinstance(group, Group):
        return None
    labels = _labels(member)
    stage_filter: Answer = True if stage.member_selector is None else selector_matches(stage.member_selector, labels)
    if group.member_selector is not None:
        return _and(stage_filter, selector_matches(group.member_selector, labels))
    return _and(stage_filter, _group_name_matches(group, member))


def stage_selects(stage: Stage | Unknown, member: Member) -> Answer:
    """Whether a stage selects ``member`` (policies.md "members a stage selects"). A stage with a
    selector and no groups selects the members its selector matches; one with neither selects none."""
    if not isinstance(stage, Stage):
        return None
    groups = stage.groups
    if isinstance(groups, Unknown):
        stage_filter = True if stage.member_selector is None else \
            selector_matches(stage.member_selector, _labels(member))
        return None if stage_filter is not False else False
    if not groups:
        if stage.member_selector is None:
            return False
        return selector_matches(stage.member_selector, _labels(member))
    return _or(group_selects(stage, group, member) for group in groups)


def selector_selects(stages: Stages | None, member: Member) -> Answer:
    """Whether some member selector of ``stages`` may select ``member`` on its own: a group with a
    selector (within its stage's selector), or a stage with a selector and no groups. Group-name
    selection is not counted (see :func:`stage_selects` for all of it)."""
    if stages is None:
        return False
    if not isinstance(stages, tuple):
        return None
    answers: list[Answer] = []
    for stage in stages:
        if not isinstance(stage, Stage):
            answers.append(None)
            continue
        groups = stage.groups
        if isinstance(groups, Unknown):
            answers.append(None)
        elif not groups:
            if stage.member_selector is not None:
                answers.append(selector_matches(stage.member_selector, _labels(member)))
        else:
            for group in groups:
                if not isinstance(group, Group):
                    answers.append(None)
                elif group.member_selector is not None:
                    answers.append(group_selects(stage, group, member))
    return _or(answers)


# -- members of a fleet --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FleetMembers:
    """The members of one fleet as the scan shows them."""

    fleet: str
    """The fleet's identity (:meth:`FleetGraph.fleet_identity`)."""
    members: tuple[Member, ...]
    unsure: tuple[Resource, ...] = ()
    """What keeps the list from being known: members that may belong to it (unknown fleet), members of
    it with an unknown name, group or labels, or expanded from an unknown loop."""
    declared: bool = False
    """The fleet is declared in the scan (not ``existing``, a data source or an ID literal)."""

    @property
    def known(self) -> bool:
        """Every member of the fleet is known (policies.md "Unknown values"): the fleet is declared here,
        it has a member here, and no member is unsure."""
        return self.declared and bool(self.members) and not self.unsure

    def why_unknown(self) -> str:
        if not self.declared:
            return "the fleet is not declared in the scanned code, so members may join it elsewhere"
        if not self.members:
            return "the fleet has no member in the scanned code"
        return "the fleet, name, group or labels of " + ", ".join(r.address for r in self.unsure) + \
            " cannot be resolved"


def _member_known(member: Member) -> bool:
    group, labels = member.props.group, member.props.labels
    return (not member.existing and isinstance(member.name, str) and not member.address.endswith("[*]")
            and (group is None or isinstance(group, str))
            and (labels is None or (isinstance(labels, dict) and all(isinstance(v, str) for v in labels.values()))))


def _members_by_fleet(graph: FleetGraph) -> tuple[dict[str, list[tuple[int, Member]]], list[tuple[int, Member]]]:
    """Every member by fleet identity, and those whose fleet cannot be told, each with its position
    among the graph's members: built once per graph, so a fleet's members cost no scan of all."""
    index: tuple[dict[str, list[tuple[int, Member]]], list[tuple[int, Member]]] | None = \
        graph.__dict__.get("_members_by_fleet")
    if index is None:
        by_fleet: dict[str, list[tuple[int, Member]]] = defaultdict(list)
        unplaced: list[tuple[int, Member]] = []
        for position, member in enumerate(graph.of_kind(Kind.MEMBER)):
            identity = graph.fleet_identity(member)
            if identity is None:
                unplaced.append((position, member))
            else:
                by_fleet[identity].append((position, member))
        index = (dict(by_fleet), unplaced)
        graph.__dict__["_members_by_fleet"] = index
    return index


def fleet_members(graph: FleetGraph, fleet: str) -> FleetMembers:
    """The members of the fleet with identity ``fleet``, and whether every one of them is known."""
    memo: dict[str, FleetMembers] = graph.__dict__.setdefault("_fleet_members_memo", {})
    if fleet in memo:
        return memo[fleet]
    by_fleet, unplaced = _members_by_fleet(graph)
    own = by_fleet.get(fleet, [])
    members = [member for _, member in own]
    # In the graph's member order: those of no known fleet, and this fleet's own that are not known.
    unsure = [member for _, member in sorted([*unplaced, *((i, m) for i, m in own if not _member_known(m))],
                                             key=lambda pair: pair[0])]
    node = graph.graph.nodes.get(fleet) if not fleet.startswith("arm:") else None
    resource = node.get("resource") if node else None
    declared = resource is not None and resource.kind == Kind.FLEET and not resource.existing
    result = FleetMembers(fleet, tuple(members), tuple(unsure), declared)
    memo[fleet] = result
    return result


@dataclass(frozen=True, slots=True)
class Selection:
    """Which members of one fleet something (a stage, a run, a profile) selects."""

    members: FleetMembers
    """The fleet's members (and whether every one is known)."""
    answers: tuple[tuple[Member, Answer], ...]
    """Each member of the fleet with its answer."""
    reason: str = ""
    """Why answers are None for every member (an unknown stage list or strategy), else empty."""

    _index: dict[str, Answer] = field(default_factory=dict, init=False, repr=False, compare=False)
    """The answers by member key (the first one for a key), built on first use."""

    def includes(self, member: Member) -> Answer:
        """True (selected), False (not), None (cannot be told); False for a member of another fleet."""
        if not self._index and self.answers:
            for candidate, answer in self.answers:
                self._index.setdefault(candidate.key, answer)
        return self._index.get(member.key, False)

    @property
    def selected(self) -> tuple[Member, ...]:
        """The members certainly selected."""
        return tuple(m for m, a in self.answers if a is True)

    @property
    def maybe(self) -> tuple[Member, ...]:
        """The members that may be selected."""
        return tuple(m for m, a in self.answers if a is None)

    @property
    def count(self) -> int | None:
        """How many members are selected, when every member of the fleet is known and every answer is."""
        if not self.members.known or self.maybe:
            return None
        return len(self.selected)

    @property
    def everyone(self) -> Answer:
        """Whether every member of the fleet is selected (None unless the member list is known)."""
        if not self.members.known:
            return None
        return _and(*(a for _, a in self.answers))


def _selection(members: FleetMembers, answer: Any, reason: str = "") -> Selection:
    return Selection(members, tuple((m, answer(m)) for m in members.members), reason)


def members_stages_select(graph: FleetGraph, fleet: str, stages: Stages | None) -> Selection:
    """The members of ``fleet`` that one of ``stages`` selects (an unknown stage list: every answer None)."""
    members = fleet_members(graph, fleet)
    if stages is None:
        return _selection(members, lambda m: False)
    if not isinstance(stages, tuple):
        return _selection(members, lambda m: None, f"stages {display(stages)} cannot be resolved")
    return _selection(members, lambda m: _or(stage_selects(s, m) for s in stages))


def members_stage_selects(graph: FleetGraph, fleet: str, stage: Stage | Unknown) -> Selection:
    """The members of ``fleet`` that ``stage`` selects."""
    return _selection(fleet_members(graph, fleet), lambda m: stage_selects(stage, m))


def _nobody(reason: str) -> Selection:
    return Selection(FleetMembers("", ()), (), reason)


def _by_strategy(graph: FleetGraph, owner: UpdateRun | AutoUpgradeProfile, fleet: str) -> Selection:
    strategy = owner.props.strategy
    members = fleet_members(graph, fleet)
    if strategy is None or (isinstance(strategy, str) and not strategy.strip()):
        return _selection(members, lambda m: True)
    target = graph.target(owner, "strategy")
    if target is None or not isinstance(target.props, UpdateStrategyProps):
        return _selection(members, lambda m: None,
                          f"its update strategy {display(strategy)} is not declared in the scanned code")
    if target.props.stages is None:
        return _selection(members, lambda m: None, f"update strategy {target.address} has no readable stages")
    return members_stages_select(graph, fleet, target.props.stages)


def members_run_includes(graph: FleetGraph, run: UpdateRun) -> Selection:
    """The members an update run includes (policies.md "members a run includes"): those its inline
    stages select; else those the referenced strategy's stages select; with neither, every member of
    its fleet. A run whose fleet cannot be told includes no known member (``reason`` says why)."""
    memo: dict[str, tuple[UpdateRun, Selection]] = graph.__dict__.setdefault("_run_includes_memo", {})
    cached = memo.get(run.key)
    if cached is not None and cached[0] is run:
        return cached[1]
    fleet = graph.fleet_identity(run)
    if fleet is None:
        result = _nobody(f"the fleet of {run.address} cannot be resolved")
    elif run.props.stages is not None:
        result = members_stages_select(graph, fleet, run.props.stages)
    else:
        result = _by_strategy(graph, run, fleet)
    memo[run.key] = (run, result)
    return result


def members_profile_covers(graph: FleetGraph, profile: AutoUpgradeProfile) -> Selection:
    """The members an auto-upgrade profile covers: those its ``updateStrategyId``'s stages select, or
    every member of its fleet when it has none."""
    memo: dict[str, tuple[AutoUpgradeProfile, Selection]] = graph.__dict__.setdefault("_profile_covers_memo", {})
    cached = memo.get(profile.key)
    if cached is not None and cached[0] is profile:
        return cached[1]
    fleet = graph.fleet_identity(profile)
    result = _nobody(f"the fleet of {profile.address} cannot be resolved") if fleet is None \
        else _by_strategy(graph, profile, fleet)
    memo[profile.key] = (profile, result)
    return result


def members_reached(graph: FleetGraph) -> dict[str, list[tuple[UpdateRun | AutoUpgradeProfile, Answer]]]:
    """For each member key, the update runs that may include it and the auto-upgrade profiles that
    may cover it, with the answer (:func:`members_run_includes`, :func:`members_profile_covers`), in
    the graph's order of runs then profiles: an index built once per graph."""
    index: dict[str, list[tuple[UpdateRun | AutoUpgradeProfile, Answer]]] | None = \
        graph.__dict__.get("_members_reached")
    if index is None:
        index = defaultdict(list)
        owners: list[tuple[UpdateRun | AutoUpgradeProfile, Selection]] = [
            *((r, members_run_includes(graph, r)) for r in graph.of_kind(Kind.UPDATE_RUN)),
            *((p, members_profile_covers(graph, p)) for p in graph.of_kind(Kind.AUTO_UPGRADE_PROFILE))]
        for owner, selection in owners:
            for member, answer in selection.answers:
                index[member.key].append((owner, answer))
        index = dict(index)
        graph.__dict__["_members_reached"] = index
    return index


# -- stage groups ----------------------------------------------------------------------------------


@dataclass
class StagePlan:
    """The stage groups of one fleet (policies.md "stage groups of a fleet"): every group without a
    member selector named in a stage of its update strategies, or in the inline stages of its update
    runs; and the stage lists themselves, for the selectors."""

    groups: set[str] = field(default_factory=set)
    sources: list[Resource] = field(default_factory=list)
    stage_names: list[str] = field(default_factory=list)
    stage_lists: list[Stages] = field(default_factory=list)
    known: bool = True
    """False when some stage or group name, or whether a group has a selector, cannot be resolved: no
    group decision is made then."""

    def describe(self) -> str:
        kinds = {s.kind for s in self.sources}
        noun = "update strategy" if kinds == {"update_strategy"} else "update strategy/run"
        names = ", ".join(f"`{display(s.name) if s.name is not None else s.address}`" for s in self.sources)
        plural = "ies" if noun.endswith("strategy") and len(self.sources) > 1 else ""
        noun = noun[:-1] + plural if plural else noun
        return f"{noun} {names} (stages: {', '.join(self.stage_names) or 'none'})"

    def selector_may_select(self, member: Member) -> Answer:
        """Whether some member selector of these stages may select ``member`` (:func:`selector_selects`)."""
        return _or(selector_selects(stages, member) for stages in self.stage_lists)


def stage_sources(graph: FleetGraph) -> list[UpdateStrategy | UpdateRun]:
    """Update strategies and the update runs with inline stages."""
    runs = [r for r in graph.of_kind(Kind.UPDATE_RUN) if r.props.stages is not None]
    return [*graph.of_kind(Kind.UPDATE_STRATEGY), *runs]


def stage_plans(graph: FleetGraph) -> dict[str, StagePlan]:
    """Stage plans by fleet identity (see :meth:`FleetGraph.fleet_identity`)."""
    plans: dict[str, StagePlan] = defaultdict(StagePlan)
    for source in stage_sources(graph):
        fleet = graph.fleet_identity(source)
        if fleet is None:
            continue
        plan = plans[fleet]
        plan.sources.append(source)
        stages = source.props.stages
        if stages is not None:
            plan.stage_lists.append(stages)
        if not isinstance(stages, tuple):
            plan.known = plan.known and stages is None
            continue
        for stage in stages:
            if not isinstance(stage, Stage):
                plan.known = False
                continue
            if isinstance(stage.name, str):
                plan.stage_names.append(stage.name)
            groups = stage.groups
            if not isinstance(groups, tuple):
                plan.known = plan.known and groups is None
                continue
            for group in groups:
                if not isinstance(group, Group) or not is_known(group.member_selector):
                    plan.known = False
                    continue
                if group.member_selector is not None:
                    continue  # a selector group's name is a display name
                if isinstance(group.name, str):
                    plan.groups.add(group.name)
                else:
                    plan.known = False
    return dict(plans)


def stage_groups(graph: FleetGraph, fleet: str) -> StagePlan | None:
    """The stage plan of one fleet, or None when no strategy or run of it has stages."""
    return stage_plans(graph).get(fleet)
