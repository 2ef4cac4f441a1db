"""analyzer/graph/multigraph.py against networkx's MultiDiGraph: the same nodes, attributes and
edges, in the same order, for every query fleetiac makes, on random graphs."""

from __future__ import annotations

import random
from typing import Any

import pytest

from fleetiac.analyzer.graph.multigraph import MultiDiGraph

networkx = pytest.importorskip("networkx")


def _queries(graph: Any, names: list[str]) -> list[Any]:
    out: list[Any] = [list(graph.nodes), list(graph.nodes(data=True)), list(graph.edges(keys=True)),
                      list(graph.edges()), len(graph)]
    for name in names:
        out += [name in graph, name in graph.nodes, graph.nodes.get(name), list(graph.out_edges(name)),
                list(graph.out_edges(name, keys=True)), list(graph.in_edges(name)),
                list(graph.in_edges(name, keys=True))]
        if name in graph:
            out.append(graph.nodes[name])
    out += [list(graph.out_edges(names[:3], keys=True)), list(graph.in_edges(names[2:6]))]
    return out


@pytest.mark.parametrize("seed", range(40))
def test_the_same_answers_as_networkx(seed: int) -> None:
    rng = random.Random(seed)
    names = [f"node-{i}" for i in range(rng.randint(1, 12))] + ["principal:x", "missing"]
    ours, theirs = MultiDiGraph(), networkx.MultiDiGraph()
    for _ in range(rng.randint(0, 60)):
        if rng.random() < 0.3:
            name, attributes = rng.choice(names[:-1]), {rng.choice(("resource", "principal")): rng.random()}
            ours.add_node(name, **attributes)
            theirs.add_node(name, **attributes)
        else:
            source, target = rng.choice(names[:-1]), rng.choice(names[:-1])
            key = rng.choice(("fleet", "parent", "scope", "principal"))
            ours.add_edge(source, target, key=key)
            theirs.add_edge(source, target, key=key)
    assert _queries(ours, names) == _queries(theirs, names)
