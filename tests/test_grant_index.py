"""Grants indexed by scope prefix (analyzer.graph.access.Grants): a question asked of the grants the
index returns for a target has the answer it has of all of a principal's grants. The index returns
every grant whose scope may contain the target (contains() not False), in the original order."""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from fleetiac.analyzer.engine import load_graphs
from fleetiac.analyzer.graph import FleetGraph
from fleetiac.analyzer.graph.access import (
    AccessContext,
    Grants,
    Scope,
    Target,
    contains,
    coverage,
    grants,
    member_cluster,
    target_of,
)
from fleetiac.analyzer.knowledge.roles import Role
from fleetiac.analyzer.model import Kind
from fleetiac.analyzer.values import ResourceRef, Unknown
from tests.ci_helpers import ROOT


@dataclass(frozen=True)
class FakeGrant:
    """What coverage() reads of a grant: its role and scope."""

    scope: Scope | None
    role: Role | None = None

    def describe(self) -> str:
        return repr(self.scope)


SUBS = ["sub-a", "SUB-A ", "sub-b", Unknown("var.subscription"), Unknown("var.other"), None,
        ResourceRef("x:azurerm_subscription.s", "id")]
GROUPS = ["rg-1", "RG-1", "rg-2", Unknown("var.group"), None]
TYPES = [None, "Microsoft.Network/virtualNetworks", "microsoft.network/virtualnetworks/subnets",
         "Microsoft.ContainerService/managedClusters", "Microsoft.ContainerService/fleets",
         "Microsoft.ContainerService/fleets/members", "Microsoft.Network"]
NAMES = ["a", "A", "b", Unknown("var.name")]
ROLES = [None, Role("Reader", ("*/read",), ()), Role("Owner", ("*",), ()),
         Role("Network", ("Microsoft.Network/*",), ())]


def _scope(rng: random.Random) -> Scope | None:
    level = rng.choice(["none", "root", "management_group", "subscription", "resource_group", "resource",
                        "resource", "resource"])
    if level == "none":
        return None
    return Scope(level, rng.choice(SUBS), rng.choice(GROUPS), arm_type=rng.choice(TYPES), name=rng.choice(NAMES),
                 exported=rng.random() < 0.5)


def _target(rng: random.Random) -> Target:
    arm_type = rng.choice(TYPES)
    within: tuple[tuple[str, Any], ...] = ()
    if arm_type and arm_type.lower().endswith("/subnets") and rng.random() < 0.5:
        within = (("Microsoft.Network/virtualNetworks", rng.choice(NAMES)),)
    return Target(rng.choice(SUBS), rng.choice(GROUPS), arm_type, rng.choice(NAMES), within=within)


def _fakes(items: Iterable[FakeGrant]) -> Grants:
    """Grants of fake grants (what coverage() and the index read of a grant is all they have)."""
    return Grants(cast(Any, items))


def _check(graph: FleetGraph, held: Grants, target: Target, actions: tuple[str, ...]) -> None:
    near = list(held.near(graph, target))
    assert near == [g for g in held if g in near], "in the original order"
    needed = [g for g in held if g.scope is None or contains(graph, g.scope, target) is not False]
    assert all(g in near for g in needed), (target, [g for g in needed if g not in near])
    for action in actions:
        assert coverage(graph, held, action, target) == coverage(graph, list(held), action, target)


def test_index_keeps_every_grant_that_may_contain_the_target() -> None:
    rng = random.Random(19)
    graph = FleetGraph([])
    actions = ("Microsoft.Network/virtualNetworks/subnets/join/action", "Microsoft.ContainerService/fleets/read",
               "Microsoft.ContainerService/fleets/members/write")
    for _ in range(300):
        held = _fakes(FakeGrant(_scope(rng), rng.choice(ROLES)) for _ in range(rng.randint(0, 40)))
        for _ in range(10):
            _check(graph, held, _target(rng), actions)


def test_many_grants_are_looked_up_not_scanned() -> None:
    graph = FleetGraph([])
    held = _fakes(FakeGrant(Scope("resource_group", "sub-a", f"rg-{i}")) for i in range(1000))
    near = held.near(graph, Target("sub-a", "rg-500", "Microsoft.ContainerService/managedClusters", "aks"))
    assert [g.scope.resource_group for g in near] == ["rg-500"]  # type: ignore[union-attr]
    # Terraform rarely knows the subscription: the group still finds the grant.
    unplaced = Target(Unknown("azurerm provider subscription"), "rg-7", None, "aks")
    assert [g.scope.resource_group for g in held.near(graph, unplaced)] == ["rg-7"]  # type: ignore[union-attr]
    # A target whose group is unknown may be in any of them.
    assert len(held.near(graph, Target("sub-a", Unknown("var.rg"), None, "aks"))) == 1000


def test_fixtures_and_examples_answer_alike_with_the_index() -> None:
    """Every declared resource and member cluster of the access fixtures, against every principal's
    grants (declared-resource scopes included): the index keeps what contains() does not rule out."""
    folders = [p for rule in ("FIAC101", "FIAC102", "FIAC103", "FIAC104", "FIAC105", "FIAC106", "FIAC107")
               for p in sorted((ROOT / "fixtures" / rule).iterdir()) if p.is_dir()]
    folders.append(ROOT / "examples" / "platform")
    checked = 0
    for folder in folders:
        for graph in load_graphs([Path(folder)]).graphs:
            code = grants(graph)
            access = AccessContext(graph, code)
            by_principal: dict[str | None, list[Any]] = {}
            for grant in code:
                by_principal.setdefault(grant.principal_key, []).append(grant)
            pools = [Grants(code), *(Grants(g) for g in by_principal.values())]
            # Small pools are not indexed: ask the index itself too.
            targets = [target_of(graph, d["resource"]) for _, d in graph.graph.nodes(data=True) if "resource" in d]
            targets += [t for m in graph.of_kind(Kind.MEMBER) if (t := member_cluster(graph, m).target) is not None]
            for pool in pools:
                index_pool = Grants([*pool] * 8)  # the same grants, enough to be indexed
                for target in targets:
                    _check(graph, pool, target, ("Microsoft.ContainerService/fleets/members/write",))
                    _check(graph, index_pool, target, ())
                    checked += 1
            for fleet in graph.of_kind(Kind.FLEET):
                access.operators(fleet)
    assert checked > 100
