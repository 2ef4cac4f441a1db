"""Stage plans: which update groups the stages of a fleet's update strategies and runs name. The
orchestration rules (which members a run reaches) and the membership rules share them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from analyzer.graph import FleetGraph
from analyzer.model import Group, Kind, Resource, Stage, UpdateRun, UpdateStrategy
from analyzer.values import display


@dataclass
class StagePlan:
    """The stage groups of one fleet: every group named in a stage of its update strategies, or in
    the inline stages of its update runs."""

    groups: set[str] = field(default_factory=set)
    sources: list[Resource] = field(default_factory=list)
    stage_names: list[str] = field(default_factory=list)
    known: bool = True
    """False when some stage or group name cannot be resolved: no group decision is made then."""

    def describe(self) -> str:
        kinds = {s.kind for s in self.sources}
        noun = "update strategy" if kinds == {"update_strategy"} else "update strategy/run"
        names = ", ".join(f"`{display(s.name) if s.name is not None else s.address}`" for s in self.sources)
        plural = "ies" if noun.endswith("strategy") and len(self.sources) > 1 else ""
        noun = noun[:-1] + plural if plural else noun
        return f"{noun} {names} (stages: {', '.join(self.stage_names) or 'none'})"


def stage_plans(graph: FleetGraph) -> dict[str, StagePlan]:
    """Stage plans by fleet identity (see :meth:`FleetGraph.fleet_identity`)."""
    plans: dict[str, StagePlan] = defaultdict(StagePlan)
    runs = [r for r in graph.of_kind(Kind.UPDATE_RUN) if r.props.stages is not None]
    sources: list[UpdateStrategy | UpdateRun] = [*graph.of_kind(Kind.UPDATE_STRATEGY), *runs]
    for source in sources:
        fleet = graph.fleet_identity(source)
        if fleet is None:
            continue
        plan = plans[fleet]
        plan.sources.append(source)
        stages = source.props.stages
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
                group_name = group.name if isinstance(group, Group) else None
                if isinstance(group_name, str):
                    plan.groups.add(group_name)
                else:
                    plan.known = False
    return dict(plans)
