"""Which members an update run includes and an auto-upgrade profile covers (policies.md, Terms).

- **members a stage selects**: for a group without a member selector, the members whose ``group``
  equals the group's name (case-sensitive); for a group with a selector, the members it matches; a
  stage selector, when set, restricts both; a stage with a selector and no groups selects the members
  its selector matches.
- **members a run includes**: with inline stages, the members those stages select; with a strategy
  reference, the members the referenced strategy's stages select; with neither, every member of the
  fleet. **Members a profile covers**: the same for a profile and its ``updateStrategyId``; every
  member of the fleet when it has none.

Answers are three-valued: True, False, or None when an unknown value (a member's group or labels, a
selector, stages, a strategy that is not declared in the scan) decides.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from analyzer.graph import FleetGraph
from analyzer.model import (
    AutoUpgradeProfile,
    Group,
    Kind,
    Member,
    Stage,
    Stages,
    UpdateRun,
    UpdateStrategyProps,
    narrow,
)
from analyzer.values import Unknown, is_known

Tri = bool | None

# -- label selectors -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Requirement:
    key: str
    op: str
    """``exists``, ``!exists``, ``=``, ``!=``, ``in``, ``notin``."""
    values: tuple[str, ...] = ()


_KEY = r"[A-Za-z0-9](?:[-A-Za-z0-9_./]*[A-Za-z0-9])?"
_VALUE = r"(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?)?"
_SET_RE = re.compile(rf"^({_KEY})\s+(in|notin)\s*\(\s*({_VALUE}(?:\s*,\s*{_VALUE})*)\s*\)$")
_EQ_RE = re.compile(rf"^({_KEY})\s*(==|=|!=)\s*({_VALUE})$")
_EXISTS_RE = re.compile(rf"^(!?)\s*({_KEY})$")


def parse_selector(text: str) -> tuple[Requirement, ...] | None:
    """A Kubernetes label selector string (``env=prod,tier in (a,b),!canary``); None when it does not
    parse. The empty selector has no requirements (it matches everything)."""
    parts: list[str] = []
    depth, start = 0, 0
    for i, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    if not text.strip():
        return ()
    requirements = []
    for raw in parts:
        part = raw.strip()
        if (match := _SET_RE.match(part)) is not None:
            values = tuple(v.strip() for v in match.group(3).split(","))
            requirements.append(Requirement(match.group(1), match.group(2), values))
        elif (match := _EQ_RE.match(part)) is not None:
            op = "!=" if match.group(2) == "!=" else "="
            requirements.append(Requirement(match.group(1), op, (match.group(3),)))
        elif (match := _EXISTS_RE.match(part)) is not None:
            requirements.append(Requirement(match.group(2), "!exists" if match.group(1) else "exists"))
        else:
            return None
    return tuple(requirements)


def _matches(requirement: Requirement, labels: Mapping[str, Any]) -> Tri:
    if requirement.key not in labels:
        return requirement.op in ("!exists", "!=", "notin")
    value = labels[requirement.key]
    if requirement.op == "exists":
        return True
    if requirement.op == "!exists":
        return False
    if not isinstance(value, str):
        return None  # unknown (or not text): cannot be compared
    inside = value in requirement.values
    return inside if requirement.op in ("=", "in") else not inside


def selector_matches(selector: Any, labels: Any) -> Tri:
    """Whether ``selector`` (a label selector string) selects a member with ``labels`` (a dict; None:
    no labels)."""
    if not isinstance(selector, str):
        return None
    requirements = parse_selector(selector)
    if requirements is None:
        return None
    if labels is None:
        labels = {}
    if not isinstance(labels, dict):
        return None
    result: Tri = True
    for requirement in requirements:
        matched = _matches(requirement, labels)
        if matched is False:
            return False
        if matched is None:
            result = None
    return result


# -- selection -----------------------------------------------------------------------------------


def _and(a: Tri, b: Tri) -> Tri:
    if a is False or b is False:
        return False
    return None if a is None or b is None else True


def _or(values: list[Tri]) -> Tri:
    if any(v is True for v in values):
        return True
    return None if any(v is None for v in values) else False


def _group_selects(group: Group | Unknown, member: Member) -> Tri:
    if not isinstance(group, Group):
        return None
    if group.member_selector is not None:
        return selector_matches(group.member_selector, member.props.labels)
    name, value = group.name, member.props.group
    if not isinstance(name, str) or (value is not None and not isinstance(value, str)):
        return None
    return value == name


def stage_selects(stage: Stage | Unknown, member: Member) -> Tri:
    """Whether ``stage`` selects ``member`` (see the module doc)."""
    if not isinstance(stage, Stage):
        return None
    selector: Tri = True
    if stage.member_selector is not None:
        selector = selector_matches(stage.member_selector, member.props.labels)
    groups = stage.groups
    if groups is None or (isinstance(groups, tuple) and not groups):
        return selector if stage.member_selector is not None else False
    if not isinstance(groups, tuple):
        return _and(selector, None)
    return _and(selector, _or([_group_selects(group, member) for group in groups]))


def stages_select(stages: Stages, member: Member) -> Tri:
    if not isinstance(stages, tuple):
        return None
    return _or([stage_selects(stage, member) for stage in stages])


def fleet_members(graph: FleetGraph, fleet: str) -> list[Member]:
    """The members of the fleet with this identity (:meth:`FleetGraph.fleet_identity`)."""
    return [m for m in graph.of_kind(Kind.MEMBER) if graph.fleet_identity(m) == fleet]


def _strategy_stages(graph: FleetGraph, value: Any) -> Stages | None:
    """The stages of the update strategy ``value`` refers to; an Unknown when it is not declared in the
    scan (or its reference is unknown); None for a strategy without stages."""
    strategy = narrow(graph.resolve(value), UpdateStrategyProps)
    if strategy is None:
        return Unknown(str(value) if is_known(value) else "update strategy")
    return strategy.props.stages if strategy.props.stages is not None else ()


def _no_strategy(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def run_includes(graph: FleetGraph, run: UpdateRun, member: Member) -> Tri:
    """Whether update run ``run`` includes ``member`` (a member of its fleet)."""
    if run.props.stages is not None:
        return stages_select(run.props.stages, member)
    if not _no_strategy(run.props.strategy):
        stages = _strategy_stages(graph, run.props.strategy)
        return stages_select(stages if stages is not None else (), member)
    return True


def profile_covers(graph: FleetGraph, profile: AutoUpgradeProfile, member: Member) -> Tri:
    """Whether auto-upgrade profile ``profile`` covers ``member`` (a member of its fleet)."""
    if not _no_strategy(profile.props.strategy):
        stages = _strategy_stages(graph, profile.props.strategy)
        return stages_select(stages if stages is not None else (), member)
    return True


def run_members(graph: FleetGraph, run: UpdateRun) -> list[tuple[Member, Tri]]:
    """Every member of the run's fleet with whether the run includes it."""
    fleet = graph.fleet_identity(run)
    if fleet is None:
        return []
    return [(m, run_includes(graph, run, m)) for m in fleet_members(graph, fleet)]


def profile_members(graph: FleetGraph, profile: AutoUpgradeProfile) -> list[tuple[Member, Tri]]:
    """Every member of the profile's fleet with whether the profile covers it."""
    fleet = graph.fleet_identity(profile)
    if fleet is None:
        return []
    return [(m, profile_covers(graph, profile, m)) for m in fleet_members(graph, fleet)]
