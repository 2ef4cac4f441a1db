"""HCL that HashiCorp's parser accepts and fleetiac used to reject (a FIAC901 that hid the file),
and HCL it rejects that fleetiac used to accept; found by tests/test_hcl_oracle.py. Each case pins
the exact value read, so these run without the oracle."""

from __future__ import annotations

import shutil
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from fleetiac.analyzer.engine import ScanOptions
from fleetiac.analyzer.engine import scan as engine_scan
from fleetiac.analyzer.frontends.terraform.syntax import (
    Call,
    GetAttr,
    Literal,
    ObjectExpr,
    Pos,
    SyntaxProblem,
    Template,
    Unary,
    Unsupported,
    parse_text,
    render,
    round_number,
)
from tests.ci_helpers import AS_OF

ROOT = Path(__file__).resolve().parents[1]


def value(text: str, name: str = "a") -> Any:
    """The literal value of attribute ``name`` of the first block of ``text``."""
    parsed = parse_text(text, "main.tf")
    expr = parsed.blocks[0].attributes[name].expr
    assert isinstance(expr, Literal), expr
    return expr.value


def joined(text: str) -> str:
    """Attribute ``a`` of the first block of ``text``: a string, or a template of literals, joined."""
    expr = parse_text(text, "main.tf").blocks[0].attributes["a"].expr
    if isinstance(expr, Literal):
        return str(expr.value)
    assert isinstance(expr, Template), expr
    return "".join(p if isinstance(p, str) else str(p.value) for p in expr.parts)


def rejected(text: str) -> bool:
    try:
        parsed = parse_text(text, "main.tf")
    except SyntaxProblem:
        return True
    return bool(parsed.problems)


def test_inline_block_comments_between_tokens() -> None:
    assert value('resource "a" "b" {\n  name /* c */ = "platform-fleet"\n}\n', "name") == "platform-fleet"
    text = 'resource /* x */ "a" "b" /* y */ {\n  a = /* c */ "p" /* d */\n  /* own line */\n  b = 1 /* e */ # f\n}\n'
    assert value(text) == "p"
    assert value(text, "b") == 1
    assert value('x {\n  a = 1 /* spans\n  lines */\n}\n') == 1
    assert value('x {\n  a = "x /* y */"\n}\n') == "x /* y */"


def test_a_block_comment_is_not_a_newline() -> None:
    assert rejected("x {\n  a = 1 /* c */ b = 2\n}\n")
    assert rejected("x {\n  a = 1 /* c\n */ b = 2\n}\n")


def test_an_inline_comment_no_longer_hides_the_platform_findings(tmp_path: Path) -> None:
    tree = tmp_path / "platform"
    shutil.copytree(ROOT / "examples" / "platform", tree)
    main = tree / "fleet" / "main.tf"
    original = main.read_text(encoding="utf-8")

    def findings() -> Counter[tuple[str, str]]:
        report = engine_scan([tree], ScanOptions(as_of=date.fromisoformat(AS_OF[1]), workers=1, cache=False))
        return Counter((f.rule_id, f.level.name) for f in report.findings)

    before = findings()
    main.write_text(original.replace('  name                = "platform-fleet"',
                                     '  name /* c */        = "platform-fleet"'), encoding="utf-8")
    assert main.read_text(encoding="utf-8") != original
    after = findings()
    assert after == before
    assert sum(n for (rule, level), n in after.items() if level == "ERROR") == 9
    assert not any(rule == "FIAC901" for rule, _ in after)


def test_strip_markers() -> None:
    both = parse_text('x {\n  a = "x ${~ "y" ~} z"\n}\n', "main.tf").blocks[0].attributes["a"].expr
    assert isinstance(both, Template) and both.parts[0] == "x" and both.parts[2] == "z"
    expr = parse_text('x {\n  a = "x \\t${~ local.y ~}\\n z"\n}\n', "main.tf").blocks[0].attributes["a"].expr
    assert isinstance(expr, Template)
    assert expr.parts[0] == "x" and expr.parts[-1] == "z" and isinstance(expr.parts[1], GetAttr)
    one_sided = parse_text('x {\n  a = "x ${local.y~}  z"\n}\n', "main.tf").blocks[0].attributes["a"].expr
    assert isinstance(one_sided, Template) and one_sided.parts[0] == "x " and one_sided.parts[-1] == "z"


def test_strip_markers_in_a_heredoc_reach_only_the_next_line_break() -> None:
    expr = parse_text('x {\n  a = <<EOT\nx ${~ local.y ~}\n  z\nEOT\n}\n', "main.tf").blocks[0].attributes["a"].expr
    assert isinstance(expr, Template)
    assert expr.parts[0] == "x" and expr.parts[-1] == "  z\n"


def test_an_interpolation_in_a_heredoc_is_placed_where_the_file_has_it() -> None:
    # The interpolations are read from the body re-read as one quoted line; their positions are the
    # file's (they were that line's: line 1, column 14 for the `local.x` on line 4, column 11).
    text = 'x {\n  a = <<EOT\nfirst "line" \\ here\n  value ${local.x} and ${\n  var.y}\nEOT\n}\n'
    expr = parse_text(text, "main.tf").blocks[0].attributes["a"].expr
    assert isinstance(expr, Template)
    first, second = [part for part in expr.parts if isinstance(part, GetAttr)]
    assert first.pos == Pos(4, 11, 4, 18)
    assert second.pos == Pos(5, 3, 5, 8)


@pytest.mark.parametrize("name", ["_EOT", "E", "EOT_1", "E-T", "\u00c9OT", "_"])
def test_heredoc_delimiters_are_identifiers(name: str) -> None:
    assert value(f"x {{\n  a = <<{name}\nhello\n{name}\n}}\n") == "hello\n"
    assert value(f"x {{\n  a = <<-{name}\n    hello\n  {name}\n}}\n") == "hello\n"


@pytest.mark.parametrize("name", ["E.T", "1EOT", "-E"])
def test_heredoc_delimiters_that_are_not_identifiers_are_rejected(name: str) -> None:
    assert rejected(f"x {{\n  a = <<{name}\nhello\n{name}\n}}\n")


def test_heredoc_closing_delimiter_may_have_trailing_spaces() -> None:
    assert value("x {\n  a = <<EOT\nhello\nEOT  \n}\n") == "hello\n"


def test_unicode_identifiers() -> None:
    parsed = parse_text('locals {\n  \u03c0 = 3.14\n  n\u00e4me = "x"\n  x\u00b7y = 1\n  x\u0661 = 2\n}\n', "main.tf")
    assert {k: v.expr.value for k, v in parsed.blocks[0].attributes.items()  # type: ignore[attr-defined]
            } == {"\u03c0": 3.14, "n\u00e4me": "x", "x\u00b7y": 1, "x\u0661": 2}
    ref = parse_text('x {\n  a = "${local.n\u00e4me}"\n}\n', "main.tf").blocks[0].attributes["a"].expr
    assert isinstance(ref, Template) and isinstance(ref.parts[0], GetAttr) and ref.parts[0].name == "n\u00e4me"
    for bad in ("\u00b2", "\u0661x", "x\u20ac", "\U0001f600"):
        assert rejected(f"x {{\n  {bad} = 1\n}}\n"), bad


def test_carriage_returns() -> None:
    assert value("x {\r\n  # c\r more\r\n  a = 1\r\n}\r\n") == 1  # CRLF, and a lone CR in a comment
    assert value("x {\n  /* c\r */\n  a = 1 // d\r\n}\n") == 1
    assert value("x {\n  a = 1\n}\n# c\r") == 1
    for bad in ("x {\n  a = 1\r  b = 2\n}\n", "x {\n  a \r = 1\n}\n", "x {\n  a = 1\n}\r", 'x {\n  a = "x\ry"\n}\n'):
        assert rejected(bad), repr(bad)


def test_big_numbers() -> None:
    assert value("x {\n  a = 123456789012345678901234567890\n}\n") == 123456789012345678901234567890
    nines = int("9" * 400)
    assert value(f"x {{\n  a = {nines}\n}}\n") == round_number(nines) != nines  # HCL's 512-bit numbers
    assert round_number(nines).bit_length() == nines.bit_length()
    assert value("x {\n  a = 1E+3\n}\n") == 1000
    for text in ("1" + "0" * 4400, "1e400", "1.5e-400"):  # past what fleetiac holds: unknown, not wrong
        expr = parse_text(f"x {{\n  a = {text}\n}}\n", "main.tf").blocks[0].attributes["a"].expr
        assert isinstance(expr, Unsupported), text


def test_round_number_rounds_to_nearest_even() -> None:
    # 2**600 keeps its 512 highest bits: the lowest kept one is 2**89.
    assert round_number(2**600 + 2**88) == 2**600  # exactly half of it: ties to even
    assert round_number(2**600 + 2**89 + 2**88) == 2**600 + 2**90
    assert round_number(-(2**600 + 2**88 + 1)) == -(2**600 + 2**89)
    assert round_number(12345) == 12345


def test_every_argument_and_block_ends_with_a_newline() -> None:
    assert value("x { a = 1 }\n") == 1
    assert parse_text("x {}\ny { }\n", "main.tf").blocks[1].type == "y"
    for bad in ("x {\n  a = 1  b = 2\n}\n", "x {\n  a = 1}\n", "x {    a = 1\n}\n", "x { b {} }\n",
                'x "l"\n{\n}\n', "x { a = 1 } y = 2\n"):
        assert rejected(bad), repr(bad)


def test_multi_line_quoted_strings_are_rejected() -> None:
    assert rejected('x {\n  a = "x\ny"\n}\n')


def test_nested_unary_operators() -> None:
    assert value("x {\n  a = - -1\n}\n") == 1
    assert value("x {\n  a = - - - 1\n}\n") == -1
    assert value("x {\n  a = --1.5\n}\n") == 1.5
    expr = parse_text("x {\n  a = !!var.x\n}\n", "main.tf").blocks[0].attributes["a"].expr
    assert isinstance(expr, Unary) and expr.op == "!" and isinstance(expr.operand, Unary)
    assert isinstance(expr.operand.operand, GetAttr) and expr.operand.operand.name == "x"
    mixed = parse_text("x {\n  a = -!-x.y\n}\n", "main.tf").blocks[0].attributes["a"].expr
    assert render(mixed) == "-!-x.y"


@pytest.mark.parametrize("text", ["0.50.5", "-1.251.25", "1.5.5", "1e3.5", "1.5e1.5", "1..5", "x.0.5", "1 .5.5",
                                  "[0.50.5]"])
def test_a_number_followed_by_a_fraction_is_one_invalid_token(text: str) -> None:
    with pytest.raises(SyntaxProblem) as error:
        parse_text(f"x {{\n  a = {text}\n}}\n", "main.tf")
    assert error.value.line == 2


def test_number_tokens_that_are_numbers() -> None:
    assert value("x {\n  a = 1.e5\n}\n") == 100000
    assert value("x {\n  a = -1.E-5\n}\n") == -1e-05
    for text, shown in (("1.5 .5", "1.5[5]"), ("x.5.y", "x[5].y"), ("1.x", "1.x"), ("1.5[0]", "1.5[0]")):
        assert render(parse_text(f"x {{\n  a = {text}\n}}\n", "main.tf").blocks[0].attributes["a"].expr) == shown
    call = parse_text("x {\n  a = f(1...)\n}\n", "main.tf").blocks[0].attributes["a"].expr
    assert isinstance(call, Call) and call.expand_last and call.args[0] == Literal(call.args[0].pos, 1)


def test_object_items_need_a_comma_or_a_newline() -> None:
    for text, where in (("{ a = 1 b = 2 }", (2, 15)), ("{ a = 1 /* c */ b = 2 }", (2, 23)),
                        ("{ a = 1\n, b = 2 }", (3, 1)), ("{ a = 1 # c\n, b = 2 }", (3, 1)),
                        ('"${ {a = 1 b = 2} }"', (2, 18))):
        with pytest.raises(SyntaxProblem) as error:
            parse_text(f"x {{\n  a = {text}\n}}\n", "main.tf")
        assert (error.value.line, error.value.column) == where, text
    with pytest.raises(SyntaxProblem) as error:  # in a heredoc: reported at the heredoc
        parse_text("x {\n  a = <<EOT\n${ {a = 1 b = 2} }\nEOT\n}\n", "main.tf")
    assert (error.value.line, error.value.column) == (2, 7)
    for text in ("{ a = 1, b = 2 }", "{ a = 1\n b = 2 }", "{ a = 1 /* c */ , b = 2 }", "{\n  a = 1,\n\n  b = 2\n}",
                 "{ a = 1,\n}", "{ a = 1 # c\n b = 2 }"):
        expr = parse_text(f"x {{\n  a = {text}\n}}\n", "main.tf").blocks[0].attributes["a"].expr
        assert isinstance(expr, ObjectExpr)
        assert [(k.value, v.value) for k, v in expr.items] == [("a", 1), ("b", 2)][:len(expr.items)]  # type: ignore[attr-defined]
        assert len(expr.items) == (1 if text == "{ a = 1,\n}" else 2), text


def test_multi_line_interpolations_in_quoted_strings() -> None:
    expr = parse_text('x {\n  a = "x ${\n    local.y\n  } z"\n}\n', "main.tf").blocks[0].attributes["a"].expr
    assert isinstance(expr, Template) and expr.parts[0] == "x " and expr.parts[2] == " z"
    assert isinstance(expr.parts[1], GetAttr) and expr.parts[1].name == "y"
    stripped = parse_text('x {\n  a = "a ${~\n  local.y # c\n  ~} z"\n}\n', "main.tf").blocks[0].attributes["a"].expr
    assert isinstance(stripped, Template) and stripped.parts[0] == "a" and stripped.parts[2] == "z"


def problem_at(text: str) -> tuple[int, int]:
    """Where ``text``'s syntax error is (line, column)."""
    with pytest.raises(SyntaxProblem) as caught:
        parse_text(text, "main.tf")
    return caught.value.line, caught.value.column


def test_a_lone_carriage_return_in_a_heredoc_is_rejected() -> None:
    # HashiCorp: "Invalid character" at the CR (4,7 and 3,2); the first heredoc's closing line is not
    # `EOT` (a comment follows it), so it would otherwise run on to the next heredoc's delimiter.
    assert problem_at("x {\n  a = <<EOT\nhi\nEOT# c\rd\n  b = <<-EOT\n    e\n  EOT\n}\n") == (4, 7)
    assert problem_at("x {\n  a = <<EOT\nh\ri\nEOT\n}\n") == (3, 2)
    assert value("x {\n  a = <<EOT\nhi\nEOT  \r\n}\n") == "hi\n"  # CRLF after the delimiter: valid
    assert value("x {\n  a = <<EOT\nh\r\ni\nEOT\n}\n") == "h\r\ni\n"


def test_an_invalid_interpolation_in_a_heredoc_is_rejected_on_its_line() -> None:
    # HashiCorp: 3,20 "Extra characters after interpolation expression"; 4,12 and 5,1 "Invalid expression".
    assert problem_at("x {\n  a = <<EOT\necho ${local.prefix~~}\nEOT\n}\n") == (3, 20)
    assert problem_at("x {\n  a = <<EOT\necho ${local.prefix~ ~}\nEOT\n}\n") == (3, 20)
    assert problem_at("x {\n  a = <<-EOT\n    one\n    two ${~~local.prefix}\n  EOT\n}\n") == (4, 12)
    assert problem_at("x {\n  a = <<EOT\na ${\n  var.x +\n} b\nEOT\n}\n") == (5, 1)


def test_valid_heredoc_templates() -> None:
    multi = parse_text("x {\n  a = <<EOT\na ${\n  var.x\n} b\nEOT\n}\n", "main.tf").blocks[0].attributes["a"].expr
    assert isinstance(multi, Template) and multi.parts[0] == "a " and multi.parts[-1] == " b\n"
    assert isinstance(multi.parts[1], GetAttr) and multi.parts[1].name == "x"
    quotes = parse_text('x {\n  a = <<EOT\n${"a"} "q" \\ $${x}\nEOT\n}\n', "main.tf").blocks[0].attributes["a"].expr
    assert isinstance(quotes, Template)
    assert [p.value if isinstance(p, Literal) else p for p in quotes.parts] == ["a", ' "q" \\ ${x}\n']
    directive = 'x {\n  a = <<EOT\nx ${~ "y" ~}\n%{ if true }z%{ endif }\nEOT\n}\n'  # HashiCorp: valid
    assert isinstance(parse_text(directive, "main.tf").blocks[0].attributes["a"].expr, Unsupported)


def test_a_minus_right_after_an_operand_is_a_subtraction() -> None:
    """`1-11` is `1 - 11` (HCL's numbers have no sign); `-1` is still the number -1."""
    parsed = parse_text('x {\n  a = 1-11\n  b = 1-1.5\n  c = 1-11.25\n  d = -1-1e5\n  e = [1,-1]\n  f = - 1\n'
                        '  g = x - -1\n  h = f(-1)\n}\n', "main.tf")
    rendered = {k: render(v.expr) for k, v in parsed.blocks[0].attributes.items()}
    assert rendered == {"a": "1 - 11", "b": "1 - 1.5", "c": "1 - 11.25", "d": "-1 - 100000.0", "e": "[1, -1]",
                        "f": "-1", "g": "x - -1", "h": "f(-1)"}
    assert value("x {\n  a = -1.5e3\n}\n") == -1500.0
    assert value("x {\n  a = -9223372036854775809\n}\n") == -9223372036854775809


def test_a_newline_before_a_binary_operator_ends_the_argument() -> None:
    """HCL skips newlines only inside (), [], ${ } and { for }: elsewhere an operator may not start a line."""
    assert rejected('x {\n  a = count.index\n    == 0 ? "a" : "b"\n}\n')
    assert rejected("x {\n  a = b\n    ? 1 : 2\n}\n")
    assert rejected("x {\n  a = b # c\n    + 1\n}\n")
    assert rejected("x {\n  a = { b = c\n    + 0 }\n}\n")
    assert rejected("x {\n  a = ({ b = c\n    + 0 })\n}\n")
    for text in ('(count.index\n == 0 ? "a" : "b")', "[b\n + 0]", "f(b\n + 0)", '"${b\n + 0}"',
                 "[for x in y: x\n + 1]", "{ for x in y: x => x\n + 1 }", "(b # c\n + 1)"):
        assert not rejected(f"x {{\n  a = {text}\n}}\n"), text


def test_a_newline_after_a_binary_operator_or_around_a_conditional_ends_the_argument() -> None:
    """HashiCorp: "Invalid expression" at the newline (after the operator, `?` or `:`), or "Missing
    false expression in conditional" before a `:` that starts a line; inside (), [], ${ } and
    { for } the expression goes on."""
    for text, where in (("b +\n 1", (2, 10)), ("b ||\n c", (2, 11)), ("b ?\n 1 : 2", (2, 10)),
                        ("b ? 1\n : 2", (2, 12)), ("b ? 1 :\n 2", (2, 14)), ("{ c = b +\n 1 }", (2, 16)),
                        ("{ c = b ?\n 1 : 2 }", (2, 16)), ("[{ c = b +\n 1 }]", (2, 17))):
        assert problem_at(f"x {{\n  a = {text}\n}}\n") == where, text
    for text, shown in (("(b -\n 1)", "b - 1"), ("(b\n - 1)", "b - 1"), ("(!\n b)", "!b"), ("(b\n  .c)", "b.c"),
                        ("[b ?\n 1\n :\n 2]", "[b ? 1 : 2]"), ('"${b ?\n 1 :\n 2}"', '"${b ? 1 : 2}"'),
                        ("{ c = (b\n + 1) }", '{"c" = b + 1}'), ("(b // c\n  + 1)", "b + 1"),
                        ("[for x in y:\n x if\n x]", "[for x in y : x if x]"),
                        ("{\n for x in y: x =>\n x }", "{for x in y : x => x}")):
        assert render(parse_text(f"x {{\n  a = {text}\n}}\n", "main.tf").blocks[0].attributes["a"].expr) == shown
    heredoc = parse_text("x {\n  a = <<EOT\n${b +\n 1}\nEOT\n}\n", "main.tf").blocks[0].attributes["a"].expr
    assert isinstance(heredoc, Template) and render(heredoc.parts[0]) == "b + 1"


def test_a_strip_marker_is_part_of_its_brace() -> None:
    """HashiCorp lexes `${~` and `~}` as single tokens; a `~` anywhere else is an unsupported operator."""
    for text, where in (('"${x ~ }"', (2, 12)), ('"${ ~x}"', (2, 11)), ('"${~~x}"', (2, 11)), ('"${x~~}"', (2, 11)),
                        ('"%{ if x ~ }y%{ endif }"', (2, 16))):
        assert problem_at(f"x {{\n  a = {text}\n}}\n") == where, text
    expr = parse_text('x {\n  a = "${~x~}~"\n}\n', "main.tf").blocks[0].attributes["a"].expr
    assert isinstance(expr, Template) and render(expr) == '"${x}~"'


def test_heredoc_lines_keep_their_own_line_breaks() -> None:
    """In a CRLF file a heredoc's lines end with CRLF (HashiCorp's values)."""
    assert joined("x {\r\n  a = <<EOT\r\nhi\r\nEOT\r\n}\r\n") == "hi\r\n"
    assert joined("x {\r\n  a = <<EOT\r\nhi\r\nthere\r\nEOT\r\n}\r\n") == "hi\r\nthere\r\n"
    assert joined("x {\n  a = <<EOT\r\nhi\nthere\r\nEOT\n}\n") == "hi\nthere\r\n"
    assert joined("x {\r\n  a = <<EOT\r\n\r\nEOT\r\n}\r\n") == "\r\n"
    assert joined("x {\r\n  a = <<EOT\r\nEOT\r\n}\r\n") == ""
    assert joined("x {\r\n  a = <<-EOT\r\n    hi\r\n      there\r\n  EOT\r\n}\r\n") == "hi\r\n  there\r\n"
    assert joined('x {\r\n  a = <<EOT\r\nhi ${"x"~}\r\n  b\r\nEOT\r\n}\r\n') == "hi x  b\r\n"
    assert joined('x {\r\n  a = <<EOT\r\nhi \r\n${~"x"}\r\nEOT\r\n}\r\n') == "hix\r\n"


@pytest.mark.parametrize(("body", "expected"), [
    ("    hi\r\n  \r\n    x\r\n", "hi\r\n  \r\nx\r\n"),  # a line of spaces stays, and does not count
    ("    hi\n\t\n    x\n", "hi\n\t\nx\n"),
    ("    hi\n\n    x\n", "hi\n\nx\n"),
    ("  \u3000a\n   b\n", "a\nb\n"),  # any Unicode space is indentation
    ('    a ${"x"}\n  b\n', "  a x\nb\n"),
    ('    a ${"x" ~}\n  b\n', "a x  b\n"),  # the stripped line break: `  b` starts no line
    ('    a ${\n"x"}\n    b\n', "a x\nb\n"),  # lines inside an interpolation are not the heredoc's
    ('    ${"x"}\n    b\n', "x\nb\n"),
    ('      a\n    ${~"x"}\n      b\n', "      a\nx\n      b\n"),  # an interpolation starts its line
    ("    a $${x} %%{y} $ % $z\n  b\n", "  a ${x} %{y} $ % $z\nb\n"),
])
def test_flush_heredocs_remove_the_smallest_indentation_as_hashicorp_does(body: str, expected: str) -> None:
    newline = "\r\n" if "\r\n" in body else "\n"
    assert joined(f"x {{{newline}  a = <<-EOT{newline}{body}EOT{newline}}}{newline}") == expected


def test_a_brace_then_for_is_always_a_for_expression() -> None:
    """HashiCorp: "Invalid 'for' expression" at the token after a bare `for` that begins an object."""
    for text, where in (("{ for = 1 }", (2, 13)), ("{ for: 1 }", (2, 12)), ("{\n for = 1\n}", (3, 6)),
                        ("{ for /* c */ = 2 }", (2, 21)), ("{ for.x = 2 }", (2, 12))):
        assert problem_at(f"x {{\n  a = {text}\n}}\n") == where, text
    for text in ('{ "for" = 1 }', "{ b = 1, for = 2 }", "{ b = 1\n for = 2 }", "{ for-x = 2 }", "{ fork = 2 }"):
        expr = parse_text(f"x {{\n  a = {text}\n}}\n", "main.tf").blocks[0].attributes["a"].expr
        assert isinstance(expr, ObjectExpr), text


def test_a_heredoc_closing_line_is_the_delimiter_trimmed_of_unicode_spaces() -> None:
    assert value("x {\n  a = <<EOT\nhi\nEOT\v\n}\n") == "hi\n"
    assert value("x {\n  a = <<EOT\nhi\nEOT\u3000 \r\n}\n") == "hi\n"
    assert value("x {\n  a = <<EOT\nhi\n\u3000EOT\n}\n") == "hi\n"
    assert value("x {\n  a = <<EOT\nhi\n\x1cEOT\nEOT\n}\n") == "hi\n\x1cEOT\n"  # not a space in Go


def test_a_heredoc_closed_on_the_last_line_needs_a_line_break() -> None:
    assert problem_at("a = <<EOT\nhi\nEOT") == (3, 4)
    assert problem_at("a = <<EOT\nhi\nEOT  ") == (3, 6)
    assert parse_text("a = <<EOT\nhi\nEOT\nb = 1", "main.tf").attributes["b"].expr == Literal(Pos(4, 5, 4, 6), 1)


def test_a_parenthesized_object_key_is_an_expression() -> None:
    """`{ (k) = 1 }` keys the object by k's value (HashiCorp: a non-literal key), `{ k = 1 }` by "k"."""
    expr = parse_text("x {\n  a = { (k) = 1, k = 2, (var.x) = 3 }\n}\n", "main.tf").blocks[0].attributes["a"].expr
    assert isinstance(expr, ObjectExpr)
    assert [type(k).__name__ for k, _ in expr.items] == ["Name", "Literal", "GetAttr"]


def test_quoted_string_escapes_are_hcls_only() -> None:
    """HashiCorp: "Invalid escape sequence" at the backslash; `$${` and `%%{` need nothing to close them."""
    assert value('x {\n  a = "\\u00e9\\U0001F600\\t\\"\\\\\\r\\n"\n}\n') == 'é\U0001f600\t"\\\r\n'
    for text, column in (('"\\q"', 8), ('"\\u00"', 8), ('"\\$${x}"', 8), ('"\\x41"', 8), ('"\\ud800"', 8),
                         ('"\\U00110000"', 8), ('"x ${"\\q"}"', 13)):
        assert problem_at(f"x {{\n  a = {text}\n}}\n") == (2, column), text
    assert value('x {\n  a = "$${"\n}\n') == "${"
    assert value('x {\n  a = "a%%{b"\n}\n') == "a%{b"
    assert value("x {\n  a = <<EOT\n$${\nEOT\n}\n") == "${\n"
    assert joined('x {\n  a = "$${${"x"}}"\n}\n') == "${x}"


@pytest.mark.parametrize("template", [
    "%{ if true }a", "%{ else }", "%{ if true }a%{ else }b%{ else }c%{ endif }", "%{ endfor }",
    "%{ if true }%{ for x in y }a%{ endif }%{ endfor }", "%{ for x in y }a%{ else }%{ endfor }"])
def test_unbalanced_template_directives_are_rejected(template: str) -> None:
    assert rejected(f'x {{\n  a = "{template}"\n}}\n')
    assert rejected(f"x {{\n  a = <<EOT\n{template}\nEOT\n}}\n")


def test_balanced_template_directives_are_unknown_values() -> None:
    for text in ('"%{ if true }%{ for x in y }a%{ endfor }%{ else }b%{ endif }"',
                 "<<EOT\n%{ if true }\n%{ endif }\nEOT\n"):
        expr = parse_text(f"x {{\n  a = {text}\n}}\n", "main.tf").blocks[0].attributes["a"].expr
        assert isinstance(expr, Unsupported)


def test_block_labels_are_string_literals() -> None:
    """Escapes are read; a template sequence is an error (HashiCorp: "Template sequences are not allowed")."""
    parsed = parse_text('x "a\\"b" "\\u00e9" "%%{a}" "a$${b}" {\n}\n', "main.tf")
    assert parsed.blocks[0].labels == ('a"b', "\u00e9", "%{a}", "a${b}")
    assert problem_at('x "a${b}" {\n}\n') == (1, 5)
    assert problem_at('x "%{ if true }a%{ endif }" {\n}\n') == (1, 4)
    assert problem_at('x "a\\q" {\n}\n') == (1, 5)


def test_splats_and_function_names_as_hashicorp_reads_them() -> None:
    for text, shown in (("a[ * ]", "a[*]"), ("a[\t*\t]", "a[*]"), ("a . * . b", "a[*].b"), ("a :: b ()", "a::b()"),
                        ("a::b::c::d()", "a::b::c::d()"), ("(a::\nb())", "a::b()"),
                        ("provider::p::f(1)", "provider::p::f(1)")):
        assert render(parse_text(f"x {{\n  a = {text}\n}}\n", "main.tf").blocks[0].attributes["a"].expr) == shown, text
    assert rejected("x {\n  a = a::b\n}\n")
    assert rejected("x {\n  a = b[\n*\n]\n}\n")
