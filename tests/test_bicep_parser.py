"""The Bicep parser: each pycep transformer defect is pinned here, with exact values and positions."""

from __future__ import annotations

import pytest

from fleetiac.analyzer.frontends.bicep.ast import (
    Binary,
    Ident,
    Interp,
    Lit,
    Member,
    ParsedBicep,
    Ternary,
    Unary,
    render,
)
from fleetiac.analyzer.frontends.bicep.syntax import parse_file, parse_params_file
from fleetiac.analyzer.model import Diagnostic


def var(text: str, name: str = "x"):
    parsed = parse_file(text, "main.bicep")
    assert isinstance(parsed, ParsedBicep), parsed
    return parsed.vars[name].value


def test_ternary_binds_looser_than_equality() -> None:
    node = var("var x = i == 0 ? 3600 : 0\n")
    assert isinstance(node, Ternary)
    assert node.cond == Binary(1, 9, "==", Ident(1, 9, "i"), Lit(1, 14, 0))
    assert node.then == Lit(1, 18, 3600)
    assert node.other == Lit(1, 25, 0)


def test_member_access_binds_tighter_than_comparison() -> None:
    node = var("var x = x.kind == 'y'\n")
    assert node == Binary(1, 9, "==", Member(1, 9, Ident(1, 9, "x"), "kind"), Lit(1, 19, "y"))


def test_not_binds_tighter_than_and() -> None:
    node = var("var x = !a && b\n")
    assert node == Binary(1, 9, "&&", Unary(1, 9, "!", Ident(1, 10, "a")), Ident(1, 15, "b"))


def test_multiplication_before_addition_and_parentheses_kept() -> None:
    assert render(var("var x = 2*3+1\n")) == "2 * 3 + 1"
    assert isinstance(var("var x = 2*3+1\n"), Binary) and var("var x = 2*3+1\n").op == "+"
    grouped = var("var x = 2*(3+1)\n")
    assert grouped.op == "*" and render(grouped) == "2 * (3 + 1)"


def test_string_literal_is_not_an_identifier() -> None:
    parsed = parse_file("var a = 'fleet'\nvar b = fleet\n", "main.bicep")
    assert isinstance(parsed, ParsedBicep)
    assert parsed.vars["a"].value == Lit(1, 9, "fleet")
    assert parsed.vars["b"].value == Ident(2, 9, "fleet")


def test_interpolation_is_parsed_with_positions() -> None:
    node = var("var x = '${prefix}-fleet'\n")
    assert node == Interp(1, 9, (Ident(1, 12, "prefix"), "-fleet"))
    nested = var("var x = 'a-${c ? 'p' : 'q'}'\n")
    assert isinstance(nested, Interp) and nested.parts[0] == "a-"
    assert nested.parts[1] == Ternary(1, 14, Ident(1, 14, "c"), Lit(1, 18, "p"), Lit(1, 24, "q"))


def test_escapes_are_decoded() -> None:
    assert var("var x = '\\''\n") == Lit(1, 9, "'")
    assert var("var x = 'a\\nb'\n") == Lit(1, 9, "a\nb")
    assert var("var x = '\\${notahole}'\n") == Lit(1, 9, "${notahole}")


def test_quoted_object_keys_lose_their_quotes() -> None:
    node = var("var x = {\n  'my-key': 1\n  plain: 2\n}\n")
    assert [(p.key, p.line, p.col) for p in node.pairs] == [("my-key", 2, 3), ("plain", 3, 3)]


def test_canonical_text_ignores_spacing() -> None:
    assert render(var("var x = deployer( ).objectId\n")) == "deployer().objectId"
    assert render(var("var x = identity.properties.principalId\n")) == "identity.properties.principalId"


def test_rejected_syntax_gives_a_located_diagnostic() -> None:
    result = parse_file("var ok = 1\nvar x = [1 2]\n", "bad.bicep")
    assert isinstance(result, Diagnostic)
    assert (result.location.path, result.location.line, result.location.column) == ("bad.bicep", 2, 12)


def test_loop_filter_with_space_is_read_with_its_positions() -> None:
    # pycep rejects `if (` (the form the Bicep formatter writes); the filter must still be read.
    text = "var a = 1\n\nresource r 'x@1' = [for i in range(0, 2): if (i > 0) {\n  name: 'r'\n}]\n"
    result = parse_file(text, "loop.bicep")
    assert isinstance(result, ParsedBicep), result
    loop = result.resources[0].body
    assert loop.filter == Binary(3, 47, ">", Ident(3, 47, "i"), Lit(3, 51, 0))
    assert (loop.body.line, loop.body.col) == (3, 54)
    # A string that only looks like a loop head is left alone.
    assert var("var x = '[for a in b: if (c)'\n") == Lit(1, 9, "[for a in b: if (c)")


def test_odd_multiline_quotes_and_empty_file() -> None:
    result = parse_file("var a = 1\nvar b = '''x\n", "m.bicep")
    assert isinstance(result, Diagnostic) and result.location.line == 2
    empty = parse_file("", "e.bicep")
    assert isinstance(empty, ParsedBicep) and empty.resources == [] and empty.vars == {}


def test_bicepparam_values_keep_their_positions() -> None:
    text = ("using './main.bicep'\n\n// comment\nparam prefix = 'prod' // tail\nparam groups = [\n"
            "  'a'\n  'b'\n]\nparam who = readEnvironmentVariable('X')\n")
    parsed = parse_params_file(text, "env/prod.bicepparam")
    assert not isinstance(parsed, Diagnostic)
    assert parsed.using == "./main.bicep"
    assert parsed.params["prefix"].value == Lit(4, 16, "prod")
    assert render(parsed.params["groups"].value) == "['a', 'b']"
    assert parsed.params["groups"].value.items[1] == Lit(7, 3, "b")
    assert render(parsed.params["who"].value) == "readEnvironmentVariable('X')"


def test_a_grammar_edit_that_no_longer_applies_fails_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    import pycep.main

    from fleetiac.analyzer.frontends import grammars
    from fleetiac.analyzer.frontends.grammars import bicep_grammar

    assert "spread" in bicep_grammar() and "spread" not in bicep_grammar(syntax=False)
    # The text is read from pycep's grammar file without importing pycep: it is pycep's.
    assert grammars._pycep_text() == pycep.main.LARK_GRAMMAR
    monkeypatch.setattr(grammars, "_pycep_text", lambda: pycep.main.LARK_GRAMMAR.replace("loop_object", "x_object"))
    with pytest.raises(RuntimeError, match="pycep's grammar changed: the loops edit does not apply"):
        bicep_grammar()
