"""A compiled grammar kept in fleetiac's form (analyzer.frontends.grammars) loads into exactly the
parser Lark's own loading makes, and its lexers' precompiled patterns are the ones the module compiles."""

from __future__ import annotations

import marshal
import re
from pathlib import Path
from typing import Any

import pytest
from lark import Lark

from fleetiac.analyzer.frontends import grammars
from fleetiac.analyzer.frontends.bicep.syntax import prepare

ROOT = Path(__file__).resolve().parents[2]


def _runtime(parser: Lark) -> dict[str, Any]:
    return {k: v for k, v in parser.options.options.items() if k in grammars.LOAD_OPTIONS}


@pytest.mark.parametrize("short", ["hcl2", "bicep"])
def test_a_packed_grammar_loads_as_lark_loads_it(short: str) -> None:
    ours = grammars.hcl2_parser() if short == "hcl2" else grammars.bicep_parser()
    runtime = _runtime(ours)
    plain = grammars._plain(ours)
    packed = grammars._packed(plain)
    assert "table" in packed
    # What is kept goes through marshal: plain data only, read back the same.
    packed = marshal.loads(marshal.dumps(packed))
    fast = grammars._revived(packed, runtime)
    lark = grammars._revived(marshal.loads(marshal.dumps(plain)), runtime)  # Lark's own _load
    assert grammars._plain(fast) == grammars._plain(lark) == plain
    assert fast.parser.parser._parse_table.states == lark.parser.parser._parse_table.states
    assert [vars(r.options) for r in fast.rules] == [vars(r.options) for r in lark.rules]
    assert [(t.name, vars(t.pattern), t.priority) for t in fast.terminals] == \
           [(t.name, vars(t.pattern), t.priority) for t in lark.terminals]
    assert sorted(fast._callbacks, key=str) == sorted(lark._callbacks, key=str)
    if short == "hcl2":
        texts = [p.read_text(encoding="utf-8-sig") + " \n" for p in sorted((ROOT / "fixtures").rglob("*.tf"))]
    else:
        texts = [prepare(p.read_text(encoding="utf-8-sig") + "\n")
                 for p in sorted((ROOT / "fixtures").rglob("*.bicep"))]
    parsed = 0
    for text in texts:
        try:
            expected = lark.parse(text)
        except Exception as error:
            with pytest.raises(type(error)):
                fast.parse(text)
            continue
        assert fast.parse(text) == expected
        parsed += 1
    assert parsed > 10


def test_a_grammar_lark_lays_out_otherwise_is_kept_in_lark_s_form() -> None:
    ours = grammars.bicep_parser()
    plain = grammars._plain(ours)
    table = plain["data"]["parser"]["parser"]
    state = next(iter(table["states"]))
    odd = {**plain, "data": {**plain["data"], "parser": {**plain["data"]["parser"], "parser": {
        **table, "states": {**table["states"], state: {0: (2, 0)}}}}}}
    with pytest.raises(ValueError):
        grammars._packed(odd)
    loaded, kept = grammars._compiled(ours, _runtime(ours))
    assert "table" in kept and grammars._plain(loaded) == plain


def test_precompiled_regex_module_patterns_are_those_regex_compiles() -> None:
    regex = pytest.importorskip("regex")
    recorder = grammars._Precompiled({}, regex)
    patterns = [(r"(?P<A>'(?:\${[^}']*}|(?R)|[^'])*+')|(?P<B>[a-zA-Z_]\w*)", 0), (r"\d+", 0)]
    for pattern, flags in patterns:
        recorder.compile(pattern, flags)
    codes = recorder.codes()
    assert set(codes) == set(patterns)
    saved = {pattern: marshal.dumps(code) for pattern, code in codes.items()}  # as kept: read on first use
    loaded = grammars._Precompiled(saved, regex)
    for pattern, flags in patterns:
        made = loaded.compile(pattern, flags)
        assert made._pickled_data == regex.compile(pattern, flags)._pickled_data
    assert loaded.match(patterns[0][0], "'a${b}c' x").lastgroup == "A"
    assert loaded.compile("[b-c]+").pattern == "[b-c]+"  # not saved: compiled by regex
    assert grammars._Precompiled({("x", 0): codes[patterns[1]]}, regex).compile("x").pattern == "x"  # not its code


def test_precompiled_re_patterns_read_on_first_use() -> None:
    pytest.importorskip("_sre")
    recorder = grammars._Precompiled({})
    recorder.compile(r"(?P<N>[a-zé_][\w-]*)|(?P<E>=)", 0)
    saved = {pattern: marshal.dumps(code) for pattern, code in recorder.codes().items()}
    loaded = grammars._Precompiled(saved)
    assert loaded.compile(r"(?P<N>[a-zé_][\w-]*)|(?P<E>=)") == re.compile(r"(?P<N>[a-zé_][\w-]*)|(?P<E>=)")
    assert grammars._Precompiled({("x", 0): b"not marshal"}).compile("x") == re.compile("x")


def test_grammar_texts_are_the_libraries_own_read_without_importing_them() -> None:
    import hcl2.parser
    import pycep.main

    assert grammars._pycep_text() == pycep.main.LARK_GRAMMAR
    assert grammars._hcl2_text() == (Path(hcl2.parser.__file__).parent / "hcl2.lark").read_text(encoding="utf-8")
    assert grammars._package_text("fleetiac_no_such_package", "x.lark") is None
