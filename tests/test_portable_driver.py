"""The fast driver kept in the grammar cache folder (analyzer/frontends/grammars.py, in the portable
form of analyzer/frontends/fastlalr.py): a scan drives from it without building Lark's parser until
a file does not parse; a file that does not verify, or is laid out otherwise, is never driven (the
grammar's Lark parser and its fast driver serve, as before, and the file is written again); shapes
of Lark's callbacks the driver does not know keep a grammar on that path.

The trees the portable driver makes are compared with Lark's on the corpus in tests/test_fastlalr.py.
"""

from __future__ import annotations

import marshal
import os
import random
import shutil
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from lark import Lark

from fleetiac.analyzer.engine import ScanOptions, scan
from fleetiac.analyzer.frontends import grammars
from fleetiac.analyzer.frontends.fastlalr import FastParser, portable_parser
from fleetiac.analyzer.storage import SECRET_FILE, seal, secret
from tests.grammar_memory import forgotten_grammars
from tests.test_fastlalr import _same

ROOT = Path(__file__).resolve().parents[1]
SESSION = Path(os.environ["FLEETIAC_CACHE_DIR"])
TF = ROOT / "examples" / "platform" / "fleet" / "rbac.tf"
BICEP = ROOT / "fixtures" / "FIAC414" / "bicep-lts-profiles" / "main.bicep"
BROKEN_TF = 'resource "azurerm_kubernetes_fleet_manager" "fleet" {\n  name = \n}\n'


@pytest.fixture
def folder(tmp_path: Path) -> Iterator[Path]:
    """A cache folder of the test's own: the suite's key, compiled grammars and drivers."""
    grammars.configure(SESSION)
    saved = set(grammars._driven)
    grammars._driven.clear()  # each driver in memory is written to the suite's folder again
    for short in ("hcl2", "bicep"):
        grammars.ready(short)
    grammars._driven.update(saved)
    root = tmp_path / "cache"
    root.mkdir(mode=0o700)
    shutil.copy2(SESSION / SECRET_FILE, root / SECRET_FILE)
    shutil.copytree(SESSION / "grammars", root / "grammars")
    assert len(list((root / "grammars").glob("*.driver"))) >= 2
    yield root
    grammars.configure(None)


def _driver_file(root: Path, short: str) -> Path:
    name = grammars._NAMES[short]()
    return root / "grammars" / f"{grammars._file_base(name)}-fast{grammars._driver_code()}.driver"


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The grammars whose Lark parser is loaded (or built) from here on."""
    seen: list[str] = []
    original = grammars._cached

    def counting(short: str, *args: Any) -> Lark:
        seen.append(short)
        return original(short, *args)

    monkeypatch.setattr(grammars, "_cached", counting)
    return seen


def _report(tree: Path) -> Any:
    options = ScanOptions(cache=False, workers=1, progress=False, as_of=date(2026, 11, 23))
    found = scan([tree], options)
    return [(f.rule_id, f.message, f.location) for f in found.findings], found.diagnostics


def test_a_scan_with_the_drivers_builds_no_lark_parser_until_a_file_fails(
        folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, loads: list[str]) -> None:
    """``--no-cache`` reads the trusted folder (never writes it): both files parse with the drivers
    read from it, and Lark's parser is loaded for the file that does not parse, for its message."""
    tree = tmp_path / "tree"
    tree.mkdir()
    shutil.copy(TF, tree / "rbac.tf")
    shutil.copy(BICEP, tree / "main.bicep")
    monkeypatch.setenv("FLEETIAC_CACHE_DIR", str(folder))
    before = sorted((p.name, p.stat().st_mtime_ns) for p in (folder / "grammars").iterdir())
    with forgotten_grammars():
        clean = _report(tree)
        assert loads == []
        assert all(isinstance(grammars._drivers[s], FastParser) and grammars._drivers[s].lark is None
                   for s in ("hcl2", "bicep"))
        (tree / "broken.tf").write_text(BROKEN_TF)
        broken = _report(tree)
        assert loads == ["hcl2"]
        assert grammars._drivers["hcl2"].lark is grammars._parsers["hcl2"]  # type: ignore[union-attr]
    assert sorted((p.name, p.stat().st_mtime_ns) for p in (folder / "grammars").iterdir()) == before
    with forgotten_grammars():
        monkeypatch.setattr(grammars, "USE_FAST", False)
        assert _report(tree) == broken  # Lark's own loop, and its own message
        (tree / "broken.tf").unlink()
        assert _report(tree) == clean


def _tampered(root: Path, path: Path, how: str) -> None:
    data = path.read_bytes()
    if how == "flipped":
        path.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    elif how == "unsealed":
        path.write_bytes(data[32:])
    elif how == "other key":
        path.write_bytes(seal(os.urandom(32), grammars._MAGIC + path.name.encode(), data[32:]))
    else:  # another grammar's driver under this one's name (its label names the other file)
        other = next(p for p in path.parent.glob("*.driver") if p != path)
        path.write_bytes(other.read_bytes())


@pytest.mark.parametrize("how", ["flipped", "unsealed", "other key", "renamed"])
@pytest.mark.parametrize("short", ["hcl2", "bicep"])
def test_a_driver_file_that_does_not_verify_is_never_driven(folder: Path, loads: list[str], short: str,
                                                            how: str) -> None:
    path = _driver_file(folder, short)
    _tampered(folder, path, how)
    _falls_back_and_rewrites(folder, path, short, loads)


def _falls_back_and_rewrites(root: Path, path: Path, short: str, loads: list[str]) -> None:
    """The grammar ``short``, with an unusable ``path``, is parsed by its Lark parser's fast driver
    (the trees and errors of a scan without the file), read-only; written again when writable."""
    bad = path.read_bytes()
    texts = [TF.read_text() + " \n", "a = \n", 'x "y" {\n  b = [1, 2]\n}\n'] if short == "hcl2" else \
        [grammars_text(BICEP), "param x int =\n", "var y = [\n1\n2\n]\n"]
    with forgotten_grammars():
        grammars.configure(root, writable=False)
        grammars.ready(short)
        driver = grammars._drivers[short]
        assert loads == [short] and isinstance(driver, FastParser) and driver.lark is grammars._parsers[short]
        for text in texts:
            _same(grammars._parsers[short], driver, text)
        assert path.read_bytes() == bad  # read-only: left as it was
    with forgotten_grammars():
        grammars.configure(root)
        grammars.ready(short)  # writable: replaced by the driver's portable form
    loads.clear()
    with forgotten_grammars():
        grammars.configure(root, writable=False)
        grammars.ready(short)
        driver = grammars._drivers[short]
        assert loads == [] and isinstance(driver, FastParser) and driver.lark is None
        for text in texts:
            _same(grammars.hcl2_parser() if short == "hcl2" else grammars.bicep_parser(), driver, text)


def grammars_text(path: Path) -> str:
    from fleetiac.analyzer.frontends.bicep.syntax import prepare

    return prepare(path.read_text(encoding="utf-8-sig") + "\n")


def _portable_data(short: str) -> dict[str, Any]:
    parser = grammars.hcl2_parser() if short == "hcl2" else grammars.bicep_parser()
    data = FastParser(parser).portable()
    assert data is not None
    copied: dict[str, Any] = marshal.loads(marshal.dumps(data))  # what a later scan reads
    return copied


def _first(table: dict[Any, Any]) -> Any:
    return next(iter(table))


_RESHAPED: dict[str, Callable[[dict[str, Any]], Any]] = {
    "a list": lambda data: list(data.items()),
    "a key missing": lambda data: {k: v for k, v in data.items() if k != "regex"},
    "a key more": lambda data: {**data, "more": 1},
    "another regex module": lambda data: {**data, "regex": "os"},
    "a shift to no state": lambda data: {**data, "actions": {**data["actions"], 0: {"X": len(data["actions"]) + 5}}},
    "a reduction to no rule": lambda data: {**data, "actions": {**data["actions"], 0: {"X": (1 << 30) + 10**6}}},
    "a code that is text": lambda data: {**data, "actions": {**data["actions"], 0: {"X": "1"}}},
    "a goto to no state": lambda data: {**data, "gotos": {**data["gotos"], 0: {"x": -1}}},
    "a state without its lexer": lambda data: {**data, "lexer_of": dict(list(data["lexer_of"].items())[1:])},
    "a lexer that is not one": lambda data: {**data, "lexer_of": {**data["lexer_of"], 0: len(data["lexers"])}},
    "a filter beyond its rule": lambda data: {**data, "rules": tuple(
        (r[0], r[1], 2, r[3], ((r[0], False, 0),), r[5], r[6]) if i == 0 else r for i, r in enumerate(data["rules"]))},
    "a rule of another shape": lambda data: {**data, "rules": (("x",), *data["rules"][1:])},
    "a size that is a bool": lambda data: {**data, "rules": tuple(
        (True, *r[1:]) if i == 0 else r for i, r in enumerate(data["rules"]))},
    "an unknown terminal": lambda data: {**data, "lexers": ((((("NOPE",), 0),), (), (), {}), *data["lexers"][1:])},
    "a pattern that is bytes": lambda data: {**data,
                                             "terminals": {**data["terminals"], _first(data["terminals"]): b"x"}},
    "a keyword of an ignored terminal": lambda data: {**data, "lexers": (
        ((), (), ("A",), {"A": {"a": "B"}}), *data["lexers"][1:])},
    "brackets laid out otherwise": lambda data: {**data, "brackets": ("NL", ["LPAR"], (), (), "LBRACE", "FOR")},
    "a start in no state": lambda data: {**data, "start": -1},
}


@pytest.mark.parametrize("short", ["hcl2", "bicep"])
@pytest.mark.parametrize("how", sorted(_RESHAPED))
def test_portable_data_laid_out_otherwise_is_refused(short: str, how: str) -> None:
    import re

    data = _portable_data(short)
    assert portable_parser(data, grammars.hcl2_parser, lambda name: re.compile) is not None
    modules: list[str] = []
    assert portable_parser(_RESHAPED[how](data), grammars.hcl2_parser,
                           lambda name: modules.append(name) or re.compile) is None  # type: ignore[func-returns-value]
    assert modules == []  # refused before any module is imported


@pytest.mark.parametrize("short", ["hcl2", "bicep"])
def test_a_sealed_driver_file_laid_out_otherwise_is_never_driven(folder: Path, loads: list[str], short: str) -> None:
    path = _driver_file(folder, short)
    data = _RESHAPED["a filter beyond its rule"](_portable_data(short))
    path.write_bytes(seal(secret(folder), grammars._MAGIC + path.name.encode(), marshal.dumps(data)))
    loads.clear()  # making the data may have loaded the parser (it depends on what earlier tests left)
    _falls_back_and_rewrites(folder, path, short, loads)


def test_the_driver_file_is_named_by_the_driver_code() -> None:
    """A change to the code that writes and reads the file (or to the post-lexer's brackets) names
    another file: tables another version wrote are never read."""
    import hashlib

    from fleetiac.analyzer.frontends import fastlalr

    code = Path(fastlalr.__file__).read_bytes() + Path(grammars.__file__).read_bytes()
    assert grammars._driver_code() == hashlib.sha256(code).hexdigest()[:12]


TOY = r"""
start: _item+
_item: pair | group | single | flags
pair: "(" [NAME] "," [NAME] ")"
group: "[" _names? "]"
_names: NAME ("," NAME)*
?single: NAME | NAME "!" NAME | "<" NAME NAME ">"
flags: "{" [NAME] [NAME "="] "}"
NAME: /[a-z]+/
%ignore " "
"""
"""A grammar with every node shape Lark makes for LALR: plain trees, filters that drop and inline
children, ``None`` placeholders before and after the kept children, and ``?rule`` expansions of
one child and of several (filtered or not)."""


def _toy(**options: Any) -> Lark:
    """The toy grammar's parser, saved and loaded as the grammar cache keeps one (its rules named by
    plain strings: a built parser names them by Lark's tokens, which the portable form refuses)."""
    return grammars._reloaded(Lark(TOY, parser="lalr", **options), {})


@pytest.mark.parametrize("keep_all_tokens", [False, True])
def test_every_node_shape_is_made_as_lark_makes_it(keep_all_tokens: bool) -> None:
    import re

    parser = _toy(keep_all_tokens=keep_all_tokens)
    data = FastParser(parser).portable()
    assert data is not None
    driver = portable_parser(marshal.loads(marshal.dumps(data)), lambda: parser, lambda name: re.compile)
    assert driver is not None
    rng = random.Random(f"portable-toy-{keep_all_tokens}")
    pieces = ["(", ")", ",", "[", "]", "!", "<", ">", "{", "}", "=", "a", "bc", " "]
    parsed = [_same(parser, driver, "".join(rng.choice(pieces) for _ in range(rng.randint(1, 10))))
              for _ in range(3000)]
    parsed += [_same(parser, driver, text) for text in ("(a,b)", "(,)", "[a,b,c]", "[]", "a!b", "<a b>", "a",
                                                        "{a b=}", "{}", "{b=}", "{a}")]
    assert any(parsed) and not all(parsed)


def test_a_callback_of_another_shape_keeps_the_grammar_on_lark_s_driver() -> None:
    parser = _toy()
    assert FastParser(parser).portable() is not None
    callbacks = parser.parser.parser.parser.callbacks
    rule = next(r for r in callbacks if r.origin.name == "pair")
    callbacks[rule] = lambda children: ("pair", children)
    fast = FastParser(parser)
    assert fast.portable() is None
    assert fast.parse("(a,b)") == parser.parse("(a,b)")


def test_a_built_parser_is_not_portable() -> None:
    """A parser built rather than loaded names its rules by Lark's tokens: its driver is Lark's
    parser's only (the grammar cache always drives a loaded one)."""
    parser = Lark(TOY, parser="lalr")
    fast = FastParser(parser)
    assert fast.portable() is None
    assert fast.parse("(a,b) [c]") == parser.parse("(a,b) [c]")
