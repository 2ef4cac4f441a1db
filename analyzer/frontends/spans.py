"""Where a node of a Lark parse tree starts and ends, read from its tokens.

Lark's ``propagate_positions`` stores on every node the start of its first token and the end of its
last one (a node with no token has none), and costs about 45 % of the HCL parse, at every reduction
of every rule, for positions the converters read on a fraction of the nodes. The parsers are built
without it, and :class:`Spans` finds the same tokens when a converter asks.

It is the same answer because both grammars keep every token in the tree (python-hcl2's terminals are
all named and none starts with ``_``; pycep's is built with ``keep_all_tokens``): Lark's ``container``
positions, which include tokens a rule filtered out, then equal the nodes' own, and a node's first
child with a position is the first one holding a token. (None children are ``[ ]`` placeholders.)
"""

from __future__ import annotations

from typing import Any

from lark import Token

_FIRST, _LAST = 0, -1
_NEAR = 4


class Spans:
    """The first and last token of each tree node asked for, remembered along the way down, so a
    chain as deep as the file is long (``a + b + c + ...`` nests to the left) costs its length once,
    not its square. Entries hold their node: an id in the table is never reused by another node."""

    __slots__ = ("_first", "_last")

    def __init__(self) -> None:
        self._first: dict[int, tuple[Any, Token | None]] = {}
        self._last: dict[int, tuple[Any, Token | None]] = {}

    def clear(self) -> None:
        self._first.clear()
        self._last.clear()

    def first(self, node: Any) -> Token | None:
        """The first token under ``node`` (a tree or a token); None when it holds none."""
        return self._near(node, _FIRST) or self._edge(node, self._first, _FIRST)

    def last(self, node: Any) -> Token | None:
        """The last token under ``node``; None when it holds none."""
        return self._near(node, _LAST) or self._edge(node, self._last, _LAST)

    @staticmethod
    def _near(node: Any, at: int) -> Token | None:
        """The edge token when it is at most :data:`_NEAR` levels down the edge children (most nodes:
        nothing to remember); None when it is not found there."""
        for _ in range(_NEAR):
            if isinstance(node, Token):
                return node
            children = node.children
            if not children:
                return None
            node = children[at]
            if node is None:
                return None
        return node if isinstance(node, Token) else None

    @staticmethod
    def _edge(node: Any, memo: dict[int, tuple[Any, Token | None]], at: int) -> Token | None:
        hit = memo.get(id(node))
        if hit is not None:
            return hit[1]
        path = [node]
        current = node
        token: Token | None = None
        while True:  # down the first (or last) children while each is a tree with children
            children = current.children
            if not children:
                break
            child = children[at]
            if isinstance(child, Token):
                token = child
                break
            if child is None:
                break
            hit = memo.get(id(child))
            if hit is not None:
                token = hit[1]
                break
            path.append(child)
            current = child
        if token is None:  # an empty tree or a placeholder at the edge: search every child, in order
            token = _search(node, at)
            path = [node]
        for passed in path:
            memo[id(passed)] = (passed, token)
        return token


def _search(node: Any, at: int) -> Token | None:
    """The first (``at`` 0) or last (-1) token under ``node``, depth first, without recursion."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, Token):
            return current
        if current is None:
            continue
        children = current.children
        stack.extend(reversed(children) if at == _FIRST else children)
    return None
