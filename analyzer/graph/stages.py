"""Stage plans: which update groups the stages of a fleet's update strategies and runs name. The
orchestration rules (which members a run reaches) and the membership rules share them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from analyzer.graph import FleetGraph
from analyzer.model import Kind, Resource
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
    sources = [*graph.of_kind(Kind.UPDATE_STRATEGY),
               *(r for r in graph.of_kind(Kind.UPDATE_RUN) if r.props.get("stages") is not None)]
    for source in sources:
        fleet = graph.fleet_identity(source)
        if fleet is None:
            continue
        plan = plans[fleet]
        plan.sources.append(source)
        stages = source.props.get("stages")
        if not isinstance(stages, list):
            plan.known = plan.known and stages is None
            continue
        for stage in stages:
            if not isinstance(stage, dict):
                plan.known = False
                continue
            name = stage.get("name")
            if isinstance(name, str):
                plan.stage_names.append(name)
            groups = stage.get("groups")
            if not isinstance(groups, list):
                plan.known = plan.known and groups is None
                continue
            for group in groups:
                group_name = group.get("name") if isinstance(group, dict) else None
                if isinstance(group_name, str):
                    plan.groups.add(group_name)
                else:
                    plan.known = False
    return dict(plans)
