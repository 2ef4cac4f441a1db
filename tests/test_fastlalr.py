"""The fast LALR driver (analyzer/frontends/fastlalr.py) against Lark's own parse: the same trees,
the same tokens at the same positions, and an error exactly where Lark has one.

Inputs: every text the front ends give a parser while parsing the fixtures and the examples (files,
and the expressions re-read inside them), then random mutations of those texts (spans deleted,
repeated, moved, and characters that matter to the grammars inserted), so the error paths and
unusual token sequences are met too. Nothing here is timed.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lark import Lark, Token, Tree

from fleetiac.analyzer.discovery import discover
from fleetiac.analyzer.frontends import grammars
from fleetiac.analyzer.frontends.base import front_end_of, language
from fleetiac.analyzer.frontends.fastlalr import FastParser, fast_parser

ROOT = Path(__file__).resolve().parents[1]
TREES = [ROOT / "examples", ROOT / "fixtures"]
MUTATIONS = int(os.environ.get("FLEETIAC_FASTLALR_MUTATIONS", "400"))
"""Mutated texts per grammar (more with FLEETIAC_FASTLALR_MUTATIONS)."""
SIGNIFICANT = [*"{}[]()<>\"'=:,.?!$%&|+-*/#\\\n\t @~^", "${", "%{", "'''", "<<EOT\n", "\nEOT\n", "//", "/*", "*/",
               "=>", "...", "if", "for", "in", "true", "null"]


@pytest.fixture(scope="module")
def given() -> dict[str, list[str]]:
    """Every text the front ends hand to each parser (``hcl2``, ``bicep``) while parsing the fixtures
    and the examples, recorded at :func:`grammars.parse`."""
    seen: dict[str, list[str]] = {"hcl2": [], "bicep": []}
    original = grammars.parse

    def recording(short: str, text: str) -> Tree:
        seen[short].append(text)
        return original(short, text)

    grammars.parse = recording  # type: ignore[assignment]
    try:
        for tree in TREES:
            _, files = discover([tree])
            for source in files:
                if language(source.language).parsed:
                    front_end_of(source.language).parse(source)
    finally:
        grammars.parse = original  # type: ignore[assignment]
    for name, texts in seen.items():
        assert len(texts) > 50, name  # the corpus reached the parser
        seen[name] = sorted(set(texts))
    return seen


def _tokens(tree: Any) -> Iterator[tuple[Any, ...]]:
    """Every token of ``tree`` with all that a converter may read of it."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, Tree):
            yield ("tree", type(node), node.data, len(node.children), list(vars(node)), node._meta)
            stack.extend(reversed(node.children))
        elif isinstance(node, Token):
            yield (type(node), node.type, node.value, str(node), node.start_pos, node.line, node.column,
                   node.end_line, node.end_column, node.end_pos)
        else:
            yield (type(node), node)


def _outcome(parse: Any, text: str) -> tuple[str, Any]:
    try:
        return "tree", parse(text)
    except Exception as error:
        return "error", (type(error).__name__, str(error))


def _same(parser: Lark, fast: FastParser, text: str) -> bool:
    """Whether the fast loop (without its fallback) and Lark agree on ``text``: both fail, or both
    give the same tree with the same tokens. Returns whether Lark parsed it."""
    want, got = _outcome(parser.parse, text), _outcome(fast._parse, text)
    if want[0] == "error":
        assert got[0] == "error", f"the fast driver accepts what Lark refuses: {text!r}"
        # With its fallback, the driver raises Lark's own error, with Lark's message.
        with pytest.raises(Exception) as raised:
            fast.parse(text)
        assert (type(raised.value).__name__, str(raised.value)) == want[1]
        return False
    assert got[0] == "tree", f"the fast driver refuses what Lark parses ({got[1]}): {text!r}"
    assert got[1] == want[1]
    assert list(_tokens(got[1])) == list(_tokens(want[1])), text
    return True


@pytest.mark.parametrize("name", ["hcl2", "bicep"])
def test_the_driver_takes_both_grammars(name: str) -> None:
    parser = grammars.hcl2_parser() if name == "hcl2" else grammars.bicep_parser()
    assert fast_parser(parser) is not None  # else the scan silently runs at Lark's speed


def _driver(name: str, kind: str) -> FastParser:
    """The fast driver of grammar ``name``: made from its Lark parser (``lark``), or (``portable``) the
    one a scan reads from the suite's grammar folder, made from the portable form written there
    (its patterns compiled from the folder's saved code, its Lark parser loaded on first need)."""
    parser = grammars.hcl2_parser() if name == "hcl2" else grammars.bicep_parser()
    if kind == "lark":
        return FastParser(parser)
    grammars.configure(Path(os.environ["FLEETIAC_CACHE_DIR"]))
    saved = dict(grammars._drivers), set(grammars._driven)
    try:
        grammars._driven.clear()
        grammars.ready(name)  # the folder's driver file, written from the driver in memory
        grammars._drivers.clear()
        grammars._driven.clear()
        grammars.ready(name)  # read from that file
        driver = grammars._drivers[name]
    finally:
        grammars._drivers.clear()
        grammars._drivers.update(saved[0])
        grammars._driven.clear()
        grammars._driven.update(saved[1])
    assert isinstance(driver, FastParser) and driver.lark is None and driver._data is not None
    return driver


@pytest.mark.parametrize("kind", ["lark", "portable"])
@pytest.mark.parametrize("name", ["hcl2", "bicep"])
def test_the_same_trees_on_the_corpus(given: dict[str, list[str]], name: str, kind: str) -> None:
    parser = grammars.hcl2_parser() if name == "hcl2" else grammars.bicep_parser()
    fast = _driver(name, kind)
    parsed = sum(_same(parser, fast, text) for text in given[name])
    assert parsed > 0.9 * len(given[name])  # the corpus is mostly valid input


@pytest.mark.parametrize("name", ["hcl2", "bicep"])
def test_the_portable_driver_makes_today_s_trees(given: dict[str, list[str]], name: str) -> None:
    """The driver read from its portable form and the one made from Lark's parser give the same trees
    (tokens and their positions too), and refuse the same texts."""
    fast, portable = _driver(name, "lark"), _driver(name, "portable")
    for text in given[name]:
        want, got = _outcome(fast._parse, text), _outcome(portable._parse, text)
        assert want[0] == got[0], text
        if want[0] == "tree":
            assert list(_tokens(got[1])) == list(_tokens(want[1])), text


def _mutated(rng: random.Random, text: str) -> str:
    """``text`` with one to three random edits."""
    for _ in range(rng.randint(1, 3)):
        if not text:
            text = rng.choice(SIGNIFICANT)
            continue
        i, j = sorted(rng.randrange(len(text) + 1) for _ in range(2))
        j = min(j, i + rng.choice((1, 2, 5, 20)))
        edit = rng.randrange(5)
        if edit == 0:
            text = text[:i] + text[j:]
        elif edit == 1:
            text = text[:i] + text[i:j] * 2 + text[j:]
        elif edit == 2:
            k = rng.randrange(len(text) + 1)
            piece, rest = text[i:j], text[:i] + text[j:]
            k = min(k, len(rest))
            text = rest[:k] + piece + rest[k:]
        else:
            text = text[:i] + rng.choice(SIGNIFICANT) + text[i:]
    return text


@pytest.mark.parametrize("kind", ["lark", "portable"])
@pytest.mark.parametrize("name", ["hcl2", "bicep"])
def test_the_same_outcome_on_mutated_input(given: dict[str, list[str]], name: str, kind: str) -> None:
    parser = grammars.hcl2_parser() if name == "hcl2" else grammars.bicep_parser()
    fast = _driver(name, kind)
    rng = random.Random(f"fastlalr-{name}")
    small = [text for text in given[name] if len(text) < 4000]
    outcomes = [_same(parser, fast, _mutated(rng, rng.choice(small))) for _ in range(MUTATIONS)]
    assert any(outcomes) and not all(outcomes)  # both sides of the grammar were met


def test_a_timeout_is_not_parsed_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """The file's time budget stops the fast driver; Lark's slower loop is not run on top of it."""
    from fleetiac.analyzer.frontends.sources import ParseTimeout

    parser = grammars.hcl2_parser()
    fast = FastParser(parser)

    def expired(text: str) -> Tree:
        raise ParseTimeout

    monkeypatch.setattr(fast, "_parse", expired)
    monkeypatch.setattr(fast, "lark", None)  # any use of Lark fails the test
    with pytest.raises(ParseTimeout):
        fast.parse("a = 1\n")


def test_a_scan_is_the_same_with_lark_s_own_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import date

    from fleetiac.analyzer.engine import ScanOptions, scan

    def report(fast: bool) -> Any:
        monkeypatch.setattr(grammars, "USE_FAST", fast)
        options = ScanOptions(cache=False, workers=1, progress=False, as_of=date(2026, 11, 23))
        found = scan([ROOT / "examples"], options)
        return [(f.rule_id, f.level, f.message, f.location) for f in found.findings], found.diagnostics

    assert report(True) == report(False)
