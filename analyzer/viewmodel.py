"""The views' model: what ``fleetiac rollout``, ``access`` and ``graph`` show, as plain frozen data.

:mod:`analyzer.views` computes these from the graph (with the same questions the rules ask); the
renderers of :mod:`analyzer.reporters.views` draw them and never see the graph. Every text here is as
the scanned code wrote it (a renderer escapes it for its format); a value that cannot be told is
``"unknown"`` (or says why), never a guess. Tuples are sorted where order carries no meaning, so the
same code always gives the same view. ``to_data`` gives the JSON form (docs/views.md).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

UNKNOWN = "unknown"

# -- rollout ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MemberEntry:
    """One member a stage group (or a run) selects."""

    name: str
    """The member's name (``unknown`` when it cannot be resolved)."""
    address: str
    cluster: str
    """The member cluster's address (or its ARM ID as written)."""
    current: str = ""
    """For a run: the cluster's Kubernetes version (``unknown`` when not known); else empty."""
    target: str = ""
    """For a run: the version the run upgrades it to; else empty."""
    step: str = ""
    """For a run: the minor-version step ``current`` -> ``target`` (``+1``, ``+2``, ``0``, ``-1``, or
    ``unknown``); else empty."""
    findings: tuple[str, ...] = ()
    """IDs of the scan's findings about this member in this plan (FIAC402, FIAC403...)."""


@dataclass(frozen=True, slots=True)
class GroupView:
    name: str
    selector: str = ""
    """The group's member selector (``memberSelector.byLabel``); empty when it selects by name."""
    max_concurrency: str = "1"
    """As written, or ``1 (default)``."""
    batch: str = "1"
    """Members updated at once (a percentage resolved against the members it selects; ``unknown``)."""
    batches: str = UNKNOWN
    """How many batches one after the other the group takes (``unknown`` when its members are not all known)."""
    before_gates: tuple[str, ...] = ()
    after_gates: tuple[str, ...] = ()
    members: tuple[MemberEntry, ...] = ()
    maybe: tuple[MemberEntry, ...] = ()
    """Members it may select (their group or labels cannot be resolved)."""


@dataclass(frozen=True, slots=True)
class StageView:
    name: str
    selector: str = ""
    max_concurrency: str = "50 (default)"
    wait_seconds: int | None = 0
    """``afterStageWaitInSeconds`` (0 when unset); None when unknown."""
    before_gates: tuple[str, ...] = ()
    after_gates: tuple[str, ...] = ()
    groups: tuple[GroupView, ...] = ()


@dataclass(frozen=True, slots=True)
class Skip:
    """A member of the fleet the plan does not update, and why."""

    name: str
    address: str
    cluster: str
    reason: str
    findings: tuple[str, ...] = ()
    """IDs of the scan's findings that report it (FIAC201, FIAC202, FIAC203, FIAC402, FIAC502...)."""


@dataclass(frozen=True, slots=True)
class PlanView:
    """One update strategy, update run or auto-upgrade profile."""

    kind: str
    """``update strategy``, ``update run`` or ``auto-upgrade profile``."""
    address: str
    name: str
    fleet: str
    """The fleet's address (or ARM ID), ``unknown`` when it cannot be resolved."""
    where: str
    """``file:line`` of its declaration."""
    mode: str
    """``stages`` (its own or its strategy's), ``one by one`` (every member, no stages), or ``unknown``."""
    strategy: str = ""
    """For a run or a profile: the strategy it follows (address or as written), empty when none."""
    target: str = ""
    """For a run: ``<upgrade type> <version>``; for a profile: its channel (and target version)."""
    stages: tuple[StageView, ...] = ()
    one_by_one: tuple[MemberEntry, ...] = ()
    """With mode ``one by one``: every member, in no stated order."""
    skipped: tuple[Skip, ...] = ()
    unknown: str = ""
    """Why the stages or members cannot be told (mode ``unknown``), or why the member list is incomplete."""
    minimum_wall_time: str = UNKNOWN
    """The least time the waits imply (``3600 s``, update time not counted), or ``unknown`` (a wait
    cannot be resolved, a gate waits for someone)."""
    findings: tuple[str, ...] = ()
    """IDs of the scan's findings on the plan itself (FIAC414...)."""


@dataclass(frozen=True, slots=True)
class RolloutView:
    plans: tuple[PlanView, ...]


# -- access ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Cell:
    action: str
    """The action's short form (``fleets/read``)."""
    state: str
    """``yes`` (✓), ``no`` (✗) or ``unknown`` (?)."""
    detail: str = ""
    """``yes``: the grant (role, scope, ``file:line`` or ``exported``); ``unknown``: why."""


@dataclass(frozen=True, slots=True)
class AccessRow:
    kind: str
    """``fleet``, ``aks`` or ``arc`` (``unknown`` when the member's cluster cannot be placed)."""
    resource: str
    """The fleet's address, or the member's cluster (address or ARM ID)."""
    member: str = ""
    """For a cluster row: the member's address."""
    cells: tuple[Cell, ...] = ()


@dataclass(frozen=True, slots=True)
class OperatorAccess:
    operator: str
    reason: str
    """How it became an operator (the grant, ``--operator``)."""
    rows: tuple[AccessRow, ...] = ()


@dataclass(frozen=True, slots=True)
class FleetAccess:
    fleet: str
    operators: tuple[OperatorAccess, ...] = ()


@dataclass(frozen=True, slots=True)
class AccessMatrix:
    fleets: tuple[FleetAccess, ...]


# -- graph -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GraphNode:
    id: str
    """A stable key of the node (the resource's key), never shown as it is by a picture."""
    kind: str
    label: str
    """The resource's address (a principal's identity text)."""
    where: str = ""


@dataclass(frozen=True, slots=True)
class GraphEdge:
    source: str
    target: str
    label: str


@dataclass(frozen=True, slots=True)
class GraphView:
    nodes: tuple[GraphNode, ...]
    edges: tuple[GraphEdge, ...]
    focus: str = ""


View = RolloutView | AccessMatrix | GraphView


# -- the HTML report -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Snippet:
    """The lines around one finding's location, as the file holds them."""

    path: str
    line: int
    """The finding's line."""
    first: int
    """The number of the first of ``lines``."""
    lines: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ReportViews:
    """What the HTML report shows besides the findings: the views of the scanned code and the code
    around each finding (computed by the pipeline: a reporter reads no file and no graph)."""

    rollout: RolloutView
    access: AccessMatrix
    graph: GraphView
    snippets: tuple[Snippet, ...] = ()


def to_data(view: View) -> dict[str, Any]:
    """The JSON form of a view (docs/views.md): its fields, with ``schema`` naming the view."""
    name = {RolloutView: "rollout", AccessMatrix: "access", GraphView: "graph"}[type(view)]
    return {"schema": f"fleetiac.{name}/1", **asdict(view)}
