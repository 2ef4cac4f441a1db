"""The directed multigraph a :class:`~analyzer.graph.FleetGraph` keeps: the part of networkx's
``MultiDiGraph`` fleetiac uses, with the same answers in the same order.

Importing networkx costs 0.1-0.2 s of CPU (its package imports every algorithm), in every cold scan,
in the scanning process while the parse workers need both cores; fleetiac only stores nodes with
attributes and labelled edges and walks them. The layout is networkx's: node attributes by node
(insertion order), successors and predecessors as dicts of dicts of edge keys, an edge's key dict
shared by both sides, so every iteration visits nodes, neighbours and keys in networkx's order
(tests/test_graph_multigraph.py compares the two on random graphs).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from typing import Any


class NodeView:
    """``graph.nodes``: node -> its attribute dict (``get``, ``[]``, ``in``, iteration), and
    ``graph.nodes(data=True)``: (node, attributes) pairs."""

    __slots__ = ("_node",)

    def __init__(self, node: dict[Hashable, dict[str, Any]]) -> None:
        self._node = node

    def __call__(self, data: bool = False) -> list[Any]:
        return list(self._node.items()) if data else list(self._node)

    def __getitem__(self, node: Hashable) -> dict[str, Any]:
        return self._node[node]

    def get(self, node: Hashable, default: Any = None) -> Any:
        return self._node.get(node, default)

    def __contains__(self, node: object) -> bool:
        return node in self._node

    def __iter__(self) -> Iterator[Hashable]:
        return iter(self._node)

    def __len__(self) -> int:
        return len(self._node)


class MultiDiGraph:
    """Nodes with attributes, and directed edges told apart by a key (networkx's ``MultiDiGraph``:
    ``add_node``, ``add_edge`` with a key, ``nodes``, ``edges``, ``out_edges``, ``in_edges``)."""

    def __init__(self) -> None:
        self._node: dict[Hashable, dict[str, Any]] = {}
        self._succ: dict[Hashable, dict[Hashable, dict[Any, dict[str, Any]]]] = {}
        self._pred: dict[Hashable, dict[Hashable, dict[Any, dict[str, Any]]]] = {}
        self.nodes = NodeView(self._node)

    def __contains__(self, node: object) -> bool:
        try:
            return node in self._node
        except TypeError:
            return False

    def __len__(self) -> int:
        return len(self._node)

    def add_node(self, node: Hashable, **attributes: Any) -> None:
        if node not in self._succ:
            self._succ[node] = {}
            self._pred[node] = {}
            self._node[node] = dict(attributes)
        else:
            self._node[node].update(attributes)

    def add_edge(self, source: Hashable, target: Hashable, key: Any, **attributes: Any) -> None:
        for node in (source, target):
            if node not in self._succ:
                self._succ[node] = {}
                self._pred[node] = {}
                self._node[node] = {}
        keys = self._succ[source].get(target)
        if keys is None:
            keys = self._succ[source][target] = {}
            self._pred[target][source] = keys
        data = keys.get(key, {})
        data.update(attributes)
        keys[key] = data

    def _nodes_of(self, nbunch: Any) -> list[Hashable]:
        """networkx's ``nbunch_iter``: every node (None), the one node named, or those of an
        iterable that are in the graph."""
        if nbunch is None:
            return list(self._node)
        if nbunch in self:
            return [nbunch]
        return list(dict.fromkeys(n for n in nbunch if n in self))

    def out_edges(self, nbunch: Any = None, keys: bool = False) -> list[tuple[Any, ...]]:
        """(source, target[, key]) of the edges out of ``nbunch``, one per key."""
        return [(n, target, k) if keys else (n, target)
                for n in self._nodes_of(nbunch) for target, kd in self._succ[n].items() for k in kd]

    def in_edges(self, nbunch: Any = None, keys: bool = False) -> list[tuple[Any, ...]]:
        """(source, target[, key]) of the edges into ``nbunch``, one per key."""
        return [(source, n, k) if keys else (source, n)
                for n in self._nodes_of(nbunch) for source, kd in self._pred[n].items() for k in kd]

    def edges(self, nbunch: Any = None, keys: bool = False) -> list[tuple[Any, ...]]:
        """Every edge (out of ``nbunch``), as :meth:`out_edges`."""
        return self.out_edges(nbunch, keys=keys)
