"""The views of ``fleetiac rollout``, ``access`` and ``graph``: the model of :mod:`analyzer.viewmodel`
computed from the graphs :func:`analyzer.engine.load_graphs` builds, with the questions the rules ask
(:mod:`analyzer.graph.stages` for stage selection, :mod:`analyzer.graph.access` for grants and
operators) and the rules' own findings where a view flags something (FIAC2xx, FIAC402/403/414,
FIAC502): no second implementation of either.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from fleetiac.analyzer.engine import Graphs, ScanOptions, rule_findings
from fleetiac.analyzer.graph import FleetGraph
from fleetiac.analyzer.graph.access import (
    AccessContext,
    AnyGrant,
    ExportedGrant,
    Operator,
    Target,
    contains,
    coverage,
    grants,
    member_cluster,
    short_action,
    target_of,
)
from fleetiac.analyzer.graph.stages import (
    fleet_members,
    group_selects,
    members_profile_covers,
    members_run_includes,
    members_stages_select,
    stage_selects,
)
from fleetiac.analyzer.knowledge.aks_versions import compare_versions, parse_version
from fleetiac.analyzer.model import (
    ClusterProps,
    Finding,
    Group,
    Kind,
    Location,
    Member,
    Resource,
    Stage,
    UpdateStrategyProps,
)
from fleetiac.analyzer.rules import RuleContext
from fleetiac.analyzer.values import Unknown, display
from fleetiac.analyzer.viewmodel import (
    UNKNOWN,
    AccessMatrix,
    AccessRow,
    Cell,
    FleetAccess,
    GraphEdge,
    GraphNode,
    GraphView,
    GroupView,
    MemberEntry,
    OperatorAccess,
    PlanView,
    ReportViews,
    RolloutView,
    Skip,
    Snippet,
    StageView,
)

ROLLOUT_RULES = ("FIAC201", "FIAC202", "FIAC203", "FIAC402", "FIAC403", "FIAC414", "FIAC502")
"""The rules whose findings the rollout view shows next to the members and plans they are about."""
STAGE_DEFAULT, GROUP_DEFAULT = 50, 1
"""``maxConcurrency`` when unset (azure-facts §8)."""
CONTROL_PLANE = ("full", "controlplaneonly")


def _where(location: Location) -> str:
    return f"{location.path}:{location.line}"


def _text(value: Any) -> str:
    return value if isinstance(value, str) else UNKNOWN if value is None or isinstance(value, Unknown) \
        else display(value)


def _fleet_name(graph: FleetGraph, identity: str | None) -> str:
    if identity is None:
        return UNKNOWN
    if identity.startswith("arm:"):
        return identity[4:]
    node = graph.graph.nodes.get(identity)
    return node["resource"].address if node and "resource" in node else identity


# -- rollout ---------------------------------------------------------------------------------------


def _gates(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list | tuple):
        return (f"{UNKNOWN} ({display(value)})",)
    out = []
    for gate in value:
        if not isinstance(gate, dict):
            out.append(UNKNOWN)
            continue
        kind = _text(gate.get("type", UNKNOWN))
        name = gate.get("displayName")
        out.append(f"{kind} {_text(name)}" if name is not None else kind)
    return tuple(out)


def _concurrency(value: Any, default: int) -> str:
    if value is None:
        return f"{default} (default)"
    return _text(value) if isinstance(value, str) else UNKNOWN if isinstance(value, Unknown) else str(value)


def _batch(value: Any, default: int, count: int | None) -> tuple[str, str]:
    """Members a group updates at once and how many batches one after the other, as far as known."""
    if value is None:
        size: int | None = default
    elif isinstance(value, str) and value.strip().isdigit():
        size = int(value.strip())
    elif isinstance(value, str) and value.strip().endswith("%") and value.strip()[:-1].isdigit():
        size = max(1, count * int(value.strip()[:-1]) // 100) if count is not None else None
    else:
        size = None
    if size is None or size < 1:
        return UNKNOWN, UNKNOWN
    if count is None:
        return str(size), UNKNOWN
    return str(size), str(math.ceil(count / size)) if count else "0"


@dataclass
class _Plan:
    """What one plan's members are and what the scan says about them."""

    graph: FleetGraph
    findings: list[Finding]
    owner: Resource
    version: Any = None
    """The run's target version (:class:`~analyzer.knowledge.aks_versions.Version`), or None."""

    def about(self, member: Member, rules: Iterable[str]) -> tuple[str, ...]:
        wanted = set(rules)
        return tuple(sorted({f.rule_id for f in self.findings if f.rule_id in wanted and (
            f.resource == member.address or (f.resource == self.owner.address and member.address in f.related))}))

    def current(self, member: Member) -> Any:
        cluster = member_cluster(self.graph, member).resource
        if cluster is None or not isinstance(cluster.props, ClusterProps):
            return None
        return parse_version(cluster.props.kubernetes_version)

    def entry(self, member: Member) -> MemberEntry:
        name = member.name if isinstance(member.name, str) else UNKNOWN
        cluster = member_cluster(self.graph, member).name
        if self.version is None:
            return MemberEntry(name, member.address, cluster)
        current = self.current(member)
        if current is None:
            return MemberEntry(name, member.address, cluster, UNKNOWN, str(self.version), UNKNOWN,
                               self.about(member, ("FIAC402", "FIAC403")))
        step = self.version.minor - current.minor if self.version.major == current.major else None
        text = UNKNOWN if step is None else f"+{step}" if step > 0 else str(step)
        return MemberEntry(name, member.address, cluster, str(current), str(self.version), text,
                           self.about(member, ("FIAC402", "FIAC403")))

    def at_target(self, member: Member) -> bool:
        current = self.current(member)
        return self.version is not None and current is not None and compare_versions(self.version, current) == 0


def _arc(graph: FleetGraph, member: Member) -> bool:
    return member_cluster(graph, member).flavor == "arc"


def _stage_groups(stages: tuple[Any, ...]) -> set[str]:
    return {g.name for s in stages if isinstance(s, Stage) and isinstance(s.groups, tuple)
            for g in s.groups if isinstance(g, Group) and g.member_selector is None and isinstance(g.name, str)}


def _skip_reason(member: Member, groups: set[str], arc: bool) -> str:
    if arc:
        return "Arc member: update runs never update Arc-enabled clusters"
    group = member.props.group
    if group is None:
        return "no update group, and no member selector of the stages selects it"
    if isinstance(group, str):
        if group in groups:
            return f"group `{group}` is a stage group, but the member selector of its stage does not select it"
        near = sorted(g for g in groups if g.lower() == group.lower() and g != group)
        if near:
            return f"group `{group}` differs from stage group `{near[0]}` only by letter case"
        return f"group `{group}` is in no stage, and no member selector of the stages selects it"
    return f"group {display(group)} cannot be resolved"


def _stage_views(plan: _Plan, fleet: str, stages: tuple[Any, ...]) -> tuple[StageView, ...]:
    graph = plan.graph
    members = fleet_members(graph, fleet)
    everyone = [m for m in members.members if not _arc(graph, m) and not plan.at_target(m)]
    out = []
    for index, stage in enumerate(stages):
        if not isinstance(stage, Stage):
            out.append(StageView(f"{UNKNOWN} (stage {index + 1})", max_concurrency=UNKNOWN, wait_seconds=None))
            continue
        groups: list[GroupView] = []
        if isinstance(stage.groups, Unknown):
            groups.append(GroupView(f"{UNKNOWN} ({display(stage.groups)})", max_concurrency=UNKNOWN, batch=UNKNOWN))
        elif not stage.groups:
            if stage.member_selector is not None:  # one implicit group of the members its selector matches
                picked = [(m, stage_selects(stage, m)) for m in everyone]
                groups.append(_group_view(plan, members.known, "(implicit)", _text(stage.member_selector), None, (),
                                          (), picked))
        else:
            for group in stage.groups:
                if not isinstance(group, Group):
                    groups.append(GroupView(UNKNOWN, max_concurrency=UNKNOWN, batch=UNKNOWN))
                    continue
                picked = [(m, group_selects(stage, group, m)) for m in everyone]
                selector = _text(group.member_selector) if group.member_selector is not None else ""
                groups.append(_group_view(plan, members.known, _text(group.name), selector, group.max_concurrency,
                                          _gates(group.before_gates), _gates(group.after_gates), picked))
        wait = stage.after_wait
        seconds = 0 if wait is None else wait if isinstance(wait, int) and not isinstance(wait, bool) else None
        out.append(StageView(_text(stage.name), _text(stage.member_selector) if stage.member_selector is not None
                             else "", _concurrency(stage.max_concurrency, STAGE_DEFAULT), seconds,
                             _gates(stage.before_gates), _gates(stage.after_gates), tuple(groups)))
    return tuple(out)


def _group_view(plan: _Plan, known: bool, name: str, selector: str, concurrency: Any, before: tuple[str, ...],
                after: tuple[str, ...], picked: list[tuple[Member, bool | None]]) -> GroupView:
    chosen = tuple(sorted((plan.entry(m) for m, a in picked if a is True), key=lambda e: (e.name, e.address)))
    maybe = tuple(sorted((plan.entry(m) for m, a in picked if a is None), key=lambda e: (e.name, e.address)))
    count = len(chosen) if known and not maybe else None
    batch, batches = _batch(concurrency, GROUP_DEFAULT, count)
    return GroupView(name, selector, _concurrency(concurrency, GROUP_DEFAULT), batch, batches, before, after,
                     chosen, maybe)


def _duration(seconds: int) -> str:
    parts = [(seconds // 86400, "d"), (seconds % 86400 // 3600, "h"), (seconds % 3600 // 60, "min"),
             (seconds % 60, "s")]
    human = " ".join(f"{n}{unit}" for n, unit in parts if n)
    return f"{seconds} s" + (f" ({human})" if human and seconds >= 60 else "")


def minimum_wall_time(stages: tuple[StageView, ...]) -> str:
    """The waits between stages (update time not counted), or ``unknown``: a wait cannot be resolved,
    or a gate waits for an approval or a scheduled time."""
    if any(s.wait_seconds is None for s in stages[:-1]):
        return UNKNOWN
    if any(s.before_gates or s.after_gates or any(g.before_gates or g.after_gates for g in s.groups) for s in stages):
        return f"{UNKNOWN} (a gate waits for an approval or a scheduled start)"
    return _duration(sum(s.wait_seconds or 0 for s in stages[:-1]))


def _plan(graph: FleetGraph, findings: list[Finding], owner: Any) -> PlanView:
    """``owner``: an update strategy, update run or auto-upgrade profile."""
    fleet = graph.fleet_identity(owner)
    kind = {Kind.UPDATE_STRATEGY: "update strategy", Kind.UPDATE_RUN: "update run",
            Kind.AUTO_UPGRADE_PROFILE: "auto-upgrade profile"}[owner.kind]
    plan = _Plan(graph, findings, owner)
    target = strategy_text = ""
    stages: Any = None
    if owner.kind == Kind.UPDATE_STRATEGY:
        stages = owner.props.stages
        selection = members_stages_select(graph, fleet, stages) if fleet is not None else None
    else:
        strategy = graph.target(owner, "strategy")
        if owner.props.strategy is not None:
            strategy_text = strategy.address if strategy is not None else display(owner.props.strategy)
        if owner.kind == Kind.UPDATE_RUN:
            upgrade = owner.props.upgrade_type
            version = owner.props.kubernetes_version
            target = " ".join(t for t in (_text(upgrade), _text(version) if version is not None else "") if t)
            if isinstance(upgrade, str) and upgrade.lower() in CONTROL_PLANE:
                plan.version = parse_version(version)
            selection = members_run_includes(graph, owner)
            stages = owner.props.stages
        else:
            channel, version = owner.props.channel, owner.props.target_kubernetes_version
            target = " ".join(t for t in (_text(channel), _text(version) if version is not None else "") if t)
            if owner.props.disabled is True:
                target += " (disabled)"
            selection = members_profile_covers(graph, owner)
        if stages is None and strategy is not None and isinstance(strategy.props, UpdateStrategyProps):
            stages = strategy.props.stages
        elif stages is None and owner.props.strategy is not None:
            stages = Unknown(display(owner.props.strategy))
    common: dict[str, Any] = {
        "kind": kind, "address": owner.address, "name": _text(owner.name), "fleet": _fleet_name(graph, fleet),
        "where": _where(owner.location), "strategy": strategy_text, "target": target,
        "findings": tuple(sorted({f.rule_id for f in findings
                                  if f.rule_id == "FIAC414" and f.resource == owner.address}))}
    if fleet is None or selection is None:
        return PlanView(mode=UNKNOWN, unknown=f"the fleet of {owner.address} cannot be resolved", **common)
    members = fleet_members(graph, fleet)
    incomplete = "" if members.known else members.why_unknown()
    skipped: list[Skip] = []
    groups: set[str] = _stage_groups(stages) if isinstance(stages, tuple) else set()
    for member, answer in selection.answers:
        arc = _arc(graph, member)
        if answer is False or arc:
            skipped.append(Skip(plan.entry(member).name, member.address, member_cluster(graph, member).name,
                                _skip_reason(member, groups, arc),
                                plan.about(member, ("FIAC201", "FIAC202", "FIAC203", "FIAC502"))))
        elif answer is True and plan.at_target(member):
            skipped.append(Skip(plan.entry(member).name, member.address, member_cluster(graph, member).name,
                                f"already at the target version {plan.version}", plan.about(member, ("FIAC402",))))
    skips = tuple(sorted(skipped, key=lambda s: (s.name, s.address)))
    if stages is None:  # a run or profile without a strategy: every member, one by one
        chosen = [m for m, a in selection.answers if a is True and not _arc(graph, m) and not plan.at_target(m)]
        entries = tuple(sorted((plan.entry(m) for m in chosen), key=lambda e: (e.name, e.address)))
        return PlanView(mode="one by one", one_by_one=entries, skipped=skips, unknown=incomplete,
                        minimum_wall_time="0 s", **common)
    if not isinstance(stages, tuple):
        return PlanView(mode=UNKNOWN, unknown=selection.reason or f"stages {display(stages)} cannot be resolved",
                        skipped=skips, **common)
    views = _stage_views(plan, fleet, stages)
    return PlanView(mode="stages", stages=views, skipped=skips, unknown=incomplete,
                    minimum_wall_time=minimum_wall_time(views), **common)


_KIND_ORDER = {"update strategy": 0, "update run": 1, "auto-upgrade profile": 2}


def rollout(graphs: Graphs, options: ScanOptions) -> RolloutView:
    """Every update strategy, update run and auto-upgrade profile of every deployment variant."""
    plans: set[PlanView] = set()
    for graph in graphs.graphs:
        findings = rule_findings(graph, ROLLOUT_RULES, options, graphs.exports, graphs.regional)
        owners: list[Any] = [*graph.of_kind(Kind.UPDATE_STRATEGY), *graph.of_kind(Kind.UPDATE_RUN),
                             *graph.of_kind(Kind.AUTO_UPGRADE_PROFILE)]
        plans.update(_plan(graph, findings, owner) for owner in owners if not owner.existing)
    return RolloutView(tuple(sorted(plans, key=lambda p: (p.fleet, _KIND_ORDER[p.kind], p.address, p.where, repr(p)))))


# -- access ----------------------------------------------------------------------------------------

FLEET_ACTIONS = tuple(f"Microsoft.ContainerService/fleets/{a}"
                      for a in ("read", "write", "members/read", "members/write"))
MEMBERSHIP_ACTIONS = ("Microsoft.ContainerService/fleetMemberships/read",
                      "Microsoft.ContainerService/fleetMemberships/write")
AKS_ACTIONS = ("Microsoft.ContainerService/managedClusters/read", "Microsoft.ContainerService/managedClusters/write",
               "Microsoft.ContainerService/managedClusters/listClusterUserCredential/action")
ARC_ACTIONS = ("Microsoft.Kubernetes/connectedClusters/read", "Microsoft.KubernetesConfiguration/extensions/read",
               "Microsoft.KubernetesConfiguration/extensions/write",
               "Microsoft.KubernetesConfiguration/extensions/delete")
"""azure-facts §4, as FIAC101-FIAC103 check them."""


def describe_grant(graph: FleetGraph, grant: AnyGrant) -> str:
    """Role, scope and where the grant is written (``file:line``, or the export it came from)."""
    if isinstance(grant, ExportedGrant):
        role = grant.role.name if grant.role else grant.assignment.role_name
        return f"{role} at {grant.assignment.scope} (exported, {grant.assignment.source})"
    role = grant.role.name if grant.role else display(grant.assignment.props.role)
    scope = grant.assignment.props.scope
    resolved = graph.resolve(scope)
    where = resolved.address if resolved is not None else display(scope) if scope is not None else \
        _text(grant.assignment.props.target_scope)
    return f"{role} at {where} ({grant.assignment.address}, {_where(grant.assignment.location)})"


def _cells(access: AccessContext, operator: Operator, actions: tuple[str, ...], target: Target | None,
           why: str) -> tuple[Cell, ...]:
    cells = []
    held = access.grants_for(operator)
    for action in actions:
        short = short_action(action)
        if target is None:
            cells.append(Cell(short, UNKNOWN, why))
            continue
        result = coverage(access.graph, held, action, target)
        if result.covered is True:
            cells.append(Cell(short, "yes", describe_grant(access.graph, result.by) if result.by is not None else ""))
        elif result.covered is None:
            cells.append(Cell(short, UNKNOWN, "a grant may cover it: " + describe_grant(access.graph, result.maybe)
                              if result.maybe is not None else "a grant may cover it"))
        elif not operator.judged:
            cells.append(Cell(short, UNKNOWN, "named as an operator, but the code grants it no role on the fleet "
                                              "or its member clusters and no --assignments export is given for it"))
        else:
            cells.append(Cell(short, "no"))
    return tuple(cells)


def access(graphs: Graphs, options: ScanOptions) -> AccessMatrix:
    """Per fleet and operator (those the access rules find, and those named with ``--operator``): the
    actions joining members needs on the fleet and on each member's cluster, held or not."""
    fleets: set[FleetAccess] = set()
    for graph in graphs.graphs:
        context: AccessContext = RuleContext(graph, options.as_of, options.operators, graphs.exports).access
        for fleet in graph.of_kind(Kind.FLEET):
            operators = []
            for operator in context.operators(fleet):
                rows = [AccessRow("fleet", fleet.address, "",
                                  _cells(context, operator, FLEET_ACTIONS, target_of(graph, fleet), ""))]
                for member in graph.referrers(fleet, "fleet", kind=Kind.MEMBER):
                    joined = member_cluster(graph, member)
                    flavor = joined.flavor if joined.target is not None else None
                    actions = (*{"aks": AKS_ACTIONS, "arc": ARC_ACTIONS}.get(flavor or "", ()), *MEMBERSHIP_ACTIONS)
                    why = f"cluster {display(joined.value)} cannot be placed"
                    rows.append(AccessRow(flavor or UNKNOWN, joined.name, member.address,
                                          _cells(context, operator, actions, joined.target, why)))
                operators.append(OperatorAccess(display(operator.principal), operator.reason,
                                                (rows[0], *sorted(rows[1:], key=lambda r: (r.member, r.resource)))))
            fleets.add(FleetAccess(fleet.address, tuple(sorted(operators, key=lambda o: (o.operator, o.reason)))))
    return AccessMatrix(tuple(sorted(fleets, key=lambda f: (f.fleet, repr(f)))))


# -- graph -----------------------------------------------------------------------------------------

GRAPH_KINDS = (Kind.FLEET, Kind.MEMBER, Kind.CLUSTER, Kind.UPDATE_STRATEGY, Kind.UPDATE_RUN, Kind.AUTO_UPGRADE_PROFILE,
               Kind.MANAGED_NAMESPACE, Kind.ROLE_ASSIGNMENT, Kind.ROLE_DEFINITION, Kind.RESOURCE_GROUP, Kind.MANIFEST)


class FocusError(ValueError):
    """``--focus`` names no fleet of the scan."""


def _neighbourhood(graph: FleetGraph, fleet: Resource) -> set[str]:
    """The fleet, what belongs to it (members, strategies, runs, profiles, namespaces), what those
    refer to (clusters, strategies, resource groups), and the role assignments scoped at any of them."""
    keep = {fleet.key}
    children = {s for s, _, label in graph.graph.in_edges(fleet.key, keys=True) if label in ("fleet", "parent")}
    keep |= children
    for child in [*children, fleet.key]:
        keep |= {t for _, t in graph.graph.out_edges(child)}
    places = [target_of(graph, fleet), *(t for m in graph.referrers(fleet, "fleet", kind=Kind.MEMBER)
                                          if (t := member_cluster(graph, m).target) is not None)]
    for grant in grants(graph):  # the role assignments at a scope containing the fleet or a member cluster
        if grant.scope is not None and any(contains(graph, grant.scope, place) is True for place in places):
            keep.add(grant.assignment.key)
            keep |= {t for _, t in graph.graph.out_edges(grant.assignment.key)}
    for source, target, label in graph.graph.edges(keys=True):
        if source in keep and label in ("principal", "role"):
            keep.add(target)
    return keep


def resource_graph(graphs: Graphs, focus: str = "") -> GraphView:
    """The resources of :data:`GRAPH_KINDS` and the principals of role assignments, with their edges;
    ``focus``: only one fleet's neighbourhood (the fleet's address)."""
    nodes: set[GraphNode] = set()
    edges: set[GraphEdge] = set()
    found = not focus
    for graph in graphs.graphs:
        keep: set[str] | None = None
        if focus:
            fleets = [f for f in graph.of_kind(Kind.FLEET) if f.address == focus]
            if not fleets:
                continue
            found = True
            keep = _neighbourhood(graph, fleets[0])
        shown: dict[str, GraphNode] = {}
        for key, data in graph.graph.nodes(data=True):
            if keep is not None and key not in keep:
                continue
            resource = data.get("resource")
            if resource is not None and resource.kind in GRAPH_KINDS:
                shown[key] = GraphNode(key, str(resource.kind), resource.address, _where(resource.location))
            elif resource is None and key.startswith("principal:"):
                shown[key] = GraphNode(key, "principal", display(data.get("principal", key[10:])))
        nodes.update(shown.values())
        edges.update(GraphEdge(s, t, label) for s, t, label in graph.graph.edges(keys=True)
                     if s in shown and t in shown)
    if not found:
        raise FocusError(f"--focus {focus!r} names no fleet of the scan (give a fleet's address)")
    return GraphView(tuple(sorted(nodes, key=lambda n: (n.kind, n.label, n.id, n.where))),
                     tuple(sorted(edges, key=lambda e: (e.source, e.target, e.label))), focus)


# -- the HTML report -------------------------------------------------------------------------------

SNIPPET_CONTEXT = 3
"""Lines shown above and below a finding's line."""


def snippets(report: Any, max_bytes: int | None = None) -> tuple[Snippet, ...]:
    """The lines around each finding of ``report`` (a :class:`~analyzer.model.Report`), read from the
    report root; a file that cannot be read (or is over ``max_bytes``) has none."""
    from pathlib import Path

    from fleetiac.analyzer.suppressions import SourceTexts

    texts = SourceTexts(Path(report.root), max_bytes=max_bytes)
    out = []
    for path, line in sorted({(f.location.path, f.location.line) for f in report.findings}):
        text = texts.get(path)
        if text is None or line < 1:
            continue
        lines = text.splitlines()
        first = max(1, line - SNIPPET_CONTEXT)
        out.append(Snippet(path, line, first, tuple(lines[first - 1:line + SNIPPET_CONTEXT])))
    return tuple(out)


def report_views(paths: list[Any], options: ScanOptions, report: Any) -> ReportViews:
    """The rollout, access and graph views of ``paths`` and the snippets of ``report``'s findings."""
    from fleetiac.analyzer.engine import load_graphs

    graphs = load_graphs(paths, options)
    return ReportViews(rollout(graphs, options), access(graphs, options), resource_graph(graphs),
                       snippets(report, options.max_file_size))
