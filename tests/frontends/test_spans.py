"""Positions read from tokens (analyzer.frontends.spans) are Lark's propagated positions, and the
lexers' precompiled regular expressions are the ones ``re`` compiles."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from lark import Lark, Token, Tree

from fleetiac.analyzer.frontends import grammars
from fleetiac.analyzer.frontends.bicep.syntax import prepare
from fleetiac.analyzer.frontends.spans import Spans

ROOT = Path(__file__).resolve().parents[2]


def _with_positions(parser: Lark, **runtime: Any) -> Lark:
    """The same compiled grammar, loaded with ``propagate_positions`` on (the reference)."""
    buffer = io.BytesIO()
    parser.save(buffer, set(grammars.LOAD_OPTIONS))
    buffer.seek(0)
    return Lark.__new__(Lark)._load(buffer, propagate_positions=True, **runtime)


def _pairs(reference: Tree, ours: Tree) -> list[tuple[Tree, Tree]]:
    out, stack = [], [(reference, ours)]
    while stack:
        a, b = stack.pop()
        out.append((a, b))
        stack.extend((x, y) for x, y in zip(a.children, b.children, strict=True) if isinstance(x, Tree))
    return out


def _compare(reference: Tree, ours: Tree) -> int:
    assert reference == ours
    spans = Spans()
    for a, b in _pairs(reference, ours):
        first, last = spans.first(b), spans.last(b)
        if getattr(a.meta, "empty", True):
            assert first is None and last is None
            continue
        assert first is not None and last is not None
        assert (a.meta.line, a.meta.column, a.meta.start_pos) == (first.line, first.column, first.start_pos)
        assert (a.meta.end_line, a.meta.end_column, a.meta.end_pos) == (last.end_line, last.end_column, last.end_pos)
    return 1


HCL_SAMPLES = [
    'a = 1 + 2 * (3 - x.y[0]) ? "s${v}" : [for k, v in m : v if k != ""]\n',
    'resource "t" "n" {\n}\nb {\n  c = { d = 1, e = f(g...) }\n}\n',
    'x = <<EOT\nhi ${a}\nEOT\ny = -1\nz = a[*].b\n',
]


def test_terraform_positions_from_tokens_are_lark_s() -> None:
    ours = grammars.hcl2_parser()
    reference = _with_positions(ours, postlex=ours.options.postlex)
    texts = [*HCL_SAMPLES, *(p.read_text(encoding="utf-8-sig") for p in sorted((ROOT / "fixtures").rglob("*.tf")))]
    compared = 0
    for text in texts:
        try:
            expected = reference.parse(text + " \n")
        except Exception:
            continue
        compared += _compare(expected, ours.parse(text + " \n"))
    assert compared > 20


def test_bicep_positions_from_tokens_are_lark_s() -> None:
    ours = grammars.bicep_parser()
    reference = _with_positions(ours, regex=True)
    compared = 0
    for path in sorted((ROOT / "fixtures").rglob("*.bicep")):
        text = prepare(path.read_text(encoding="utf-8-sig") + "\n")
        try:
            expected = reference.parse(text)
        except Exception:
            continue
        compared += _compare(expected, ours.parse(text))
    assert compared > 10


def test_a_chain_as_deep_as_the_file_costs_its_length() -> None:
    # `a + a + ...` nests to the left: every node's first token is the same, found once.
    depth = 50_000
    tree: Any = Token("NAME", "a", 0, 1, 1)
    for _ in range(depth):
        tree = Tree("binary_op", [tree, Token("PLUS", "+", 0, 1, 1)])
    spans = Spans()
    node, seen = tree, 0
    while isinstance(node, Tree):  # top down, as a converter asks (quadratic without the table)
        assert spans.first(node) == "a" and spans.last(node) == "+"
        node, seen = node.children[0], seen + 1
    assert seen == depth


def test_empty_nodes_and_placeholders_are_skipped() -> None:
    token = Token("NAME", "x", 4, 1, 5)
    node = Tree("r", [None, Tree("empty", []), Tree("a", [Tree("b", [None]), token]), Tree("empty", [])])
    assert Spans().first(node) is token and Spans().last(node) is token
    assert Spans().first(Tree("empty", [Tree("e", [])])) is None


def test_precompiled_lexer_patterns_are_those_re_compiles() -> None:
    pytest.importorskip("_sre")
    recorder = grammars._Precompiled({})
    patterns = [(r"(?P<NAME>[a-zA-Zé_][\w-]*)|(?P<EQ>[ \t]*=(?!=|>))", 0), (r"\d+(?:\.\d+)?", re.IGNORECASE)]
    for pattern, flags in patterns:
        recorder.compile(pattern, flags)
    codes = recorder.codes()
    assert set(codes) == set(patterns)
    loaded = grammars._Precompiled(codes)
    for pattern, flags in patterns:
        assert loaded.compile(pattern, flags) == re.compile(pattern, flags)
    assert loaded.match(r"\d+(?:\.\d+)?", "12.5x", re.IGNORECASE).group(0) == "12.5"
    assert loaded.compile("[b-c]+").pattern == "[b-c]+"  # not saved: compiled by re
