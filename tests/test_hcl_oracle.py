"""HashiCorp's HCL parser is the oracle of fleetiac's: generated and mutated ``.tf`` texts must be
accepted by both or rejected by both, and the accepted ones must read the same attribute values.

The oracle is ``@cdktf/hcl2json`` (hashicorp/hcl's ``hclsyntax``, compiled to wasm), installed by
``make oracle`` into ``.oracle/`` and driven through ``tests/oracle/hcl2json.js``. Without node or
the package these tests skip and say why (in CI, where ``make test`` installs it, they fail).

What is compared: fleetiac accepts a text when it parses with no problem (a redefined attribute is
one: Terraform rejects it); it rejects it with a FIAC901 syntax diagnostic. For an accepted text,
fleetiac's blocks and attributes are laid out as hcl2json lays out its JSON (a block is
``{type: {label: ... [body, ...]}}``, an attribute ``name: value``), and must give exactly the same
keys and the same number of blocks everywhere. An attribute fleetiac reads as a literal (a string,
number, bool or null; a template of literals is joined; a tuple or an object of such values, an
object only when all its keys are strings) must have the oracle's value; any other
expression (a reference, a call: hcl2json prints those as ``"${...}"`` text) is only required to
exist. A number is compared by value (``1e3`` is ``1000``), a bool only with a bool, a string by its
text (hcl2json writes `${` in one as `$${`).

The normal suite runs a small deterministic batch; ``make fuzz`` a large random one.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fleetiac.analyzer.frontends.terraform.syntax import (
    Block,
    Expr,
    Literal,
    ObjectExpr,
    ParsedFile,
    SyntaxProblem,
    Template,
    TupleExpr,
    parse_text,
    round_number,
)

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "tests" / "oracle" / "hcl2json.js"
ORACLE_FOLDER = Path(os.environ.get("FLEETIAC_HCL_ORACLE") or ROOT / ".oracle")
EXAMPLES = int(os.environ.get("FLEETIAC_ORACLE_EXAMPLES") or 0)
"""Set by ``make fuzz``: that many random examples instead of the suite's small fixed batch."""

# ---------------------------------------------------------------------------------------------
# The oracle process


class _BigInt(str):
    """An integer literal too long for Python's int(): fleetiac does not know its value."""


def _oracle_int(text: str) -> Any:
    return round_number(int(text)) if len(text.lstrip("-")) < 4000 else _BigInt(text)


class Oracle:
    """One ``node hcl2json.js --lines`` process answering one text per line."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            ["node", str(SCRIPT), "--lines"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, encoding="utf-8", env={**os.environ,
                                                                      "FLEETIAC_HCL_ORACLE": str(ORACLE_FOLDER)})

    def parse(self, text: str) -> dict[str, Any] | None:
        """The oracle's JSON for ``text``, or None when HashiCorp's parser rejects it."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(text) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("the oracle stopped: " + (self.process.stderr.read() if self.process.stderr else ""))
        answer = json.loads(line, parse_int=_oracle_int)
        if answer["ok"]:
            return answer["json"]
        # hcl2json also evaluates constant expressions (`!3600`, `1 + "x"`) and fails on their type
        # errors: the syntax is accepted then, only the values are not given.
        return None if answer["error"].startswith("parse config:") else ACCEPTED


    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=30)


def _missing() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed: the HCL oracle (HashiCorp's parser, npm @cdktf/hcl2json) cannot run"
    if not (ORACLE_FOLDER / "node_modules" / "@cdktf" / "hcl2json" / "package.json").is_file():
        return f"the HCL oracle is not installed in {ORACLE_FOLDER}: run `make oracle` (needs npm)"
    return None


@pytest.fixture(scope="module")
def oracle() -> Iterator[Oracle]:
    reason = _missing()
    if reason is not None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(reason + " (CI runs `make test`, which installs it)")
        pytest.skip(reason)
    process = Oracle()
    yield process
    process.close()


# ---------------------------------------------------------------------------------------------
# fleetiac's reading, laid out as hcl2json's JSON


class _Any:
    """A value fleetiac does not read as a literal: only its presence is compared."""

    def __repr__(self) -> str:
        return "ANY"


ANY = _Any()
ACCEPTED: Any = {"accepted, but hcl2json failed to evaluate a constant expression": ANY}


def fleetiac_parse(text: str) -> ParsedFile | None:
    try:
        parsed = parse_text(text, "case.tf")
    except SyntaxProblem:
        return None
    return None if parsed.problems else parsed


def _escaped(text: str) -> str:
    """A string as hcl2json writes it: as template text, where `${` is `$${`."""
    return text.replace("${", "$${").replace("%{", "%%{")


def _value(expr: Expr) -> Any:
    if isinstance(expr, Literal):
        return expr.value
    if isinstance(expr, Template):
        parts = [p if isinstance(p, str) else _value(p) for p in expr.parts]
        if all(isinstance(p, str) for p in parts):
            return "".join(parts)
    if isinstance(expr, TupleExpr):
        return [_value(item) for item in expr.items]
    if isinstance(expr, ObjectExpr):
        out: dict[str, Any] = {}
        for key_expr, value_expr in expr.items:
            key = _value(key_expr)
            if not isinstance(key, str):  # hcl2json writes other keys its own way (`${-1}`, `1000`)
                return ANY
            out[_escaped(key)] = _value(value_expr)  # a repeated key: the last one, as hcl2json
        return out
    return ANY


def _layout(attributes: dict[str, Any], blocks: tuple[Block, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for block in blocks:
        node: dict[str, Any] = out
        path = (block.type, *block.labels)
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node.setdefault(path[-1], []).append(_layout(block.attributes, block.blocks))
    # An attribute and a block of the same name are valid syntax (the schema rejects them); hcl2json
    # writes the attribute over the block, whichever comes first.
    out.update((name, _value(attribute.expr)) for name, attribute in attributes.items())
    return out


def fleetiac_json(parsed: ParsedFile) -> dict[str, Any]:
    return _layout(parsed.attributes, parsed.blocks)


def disagreement(expected: Any, actual: Any, where: str = "") -> str | None:
    """Where fleetiac's layout (``expected``, with ANY) and the oracle's JSON differ, or None."""
    if expected is ANY:
        return None
    if isinstance(actual, str) and actual.startswith("${") and actual.endswith("}") and (
            not isinstance(expected, str) or not _escaped(expected).startswith("${")):
        return None  # hcl2json prints an expression it did not evaluate (`- -1`, `("a")`); fleetiac folded it
    if isinstance(expected, dict):
        if not isinstance(actual, dict) or set(expected) != set(actual):
            return f"{where or '/'}: fleetiac has {sorted(expected) if isinstance(expected, dict) else expected!r}, " \
                   f"HashiCorp {sorted(actual) if isinstance(actual, dict) else actual!r}"
        for key in expected:
            found = disagreement(expected[key], actual[key], f"{where}/{key}")
            if found:
                return found
        return None
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(expected) != len(actual):
            return f"{where}: fleetiac has {len(expected)} blocks, HashiCorp {actual!r}"
        for index, (mine, theirs) in enumerate(zip(expected, actual, strict=True)):
            found = disagreement(mine, theirs, f"{where}[{index}]")
            if found:
                return found
        return None
    if isinstance(expected, str):  # hcl2json prints a string as template text: `${` is `$${` there
        same = isinstance(actual, str) and _escaped(expected) == actual
    elif isinstance(expected, bool) or expected is None:
        same = expected is actual
    else:
        same = isinstance(actual, (int, float)) and not isinstance(actual, bool) and expected == actual
    return None if same else f"{where}: fleetiac reads {expected!r}, HashiCorp {actual!r}"


def compare(oracle: Oracle, text: str) -> str | None:
    """None when both parsers agree on ``text``; else what differs."""
    theirs = oracle.parse(text)
    mine = fleetiac_parse(text)
    if (theirs is None) != (mine is None):
        return "HashiCorp " + ("rejects" if theirs is None else "accepts") + " it, fleetiac " + \
            ("rejects" if mine is None else "accepts") + " it"
    if mine is None:
        return None
    if theirs is ACCEPTED:
        return None
    return disagreement(fleetiac_json(mine), theirs)


# ---------------------------------------------------------------------------------------------
# Seeds and mutations

SEEDS = (
    '''resource "azurerm_kubernetes_fleet_manager" "fleet" {
  name                = "platform-fleet"
  location            = "westeurope"
  resource_group_name = "rg-platform"

  hub_profile {
    dns_prefix = "platform"
  }

  tags = {
    env = "prod"
  }
}
''',
    '''locals {
  stage_count  = 3
  wait_seconds = 3600
  ratio        = 0.5
  enabled      = true
  nothing      = null
  prefix       = "fleet"
  name         = "${local.prefix} - ${var.env}"
  greeting     = "hello ${ "fleet" } !"
  script       = <<EOT
echo ${local.prefix}
EOT
  indented     = <<-EOT
    first
      second
  EOT
}
''',
    '''variable "environment" {
  type    = string
  default = "staging"
}

resource "azurerm_kubernetes_fleet_update_strategy" "rings" {
  kubernetes_fleet_manager_id = azurerm_kubernetes_fleet_manager.fleet.id
  name                        = "rings"
  stage {
    after_stage_wait_in_seconds = 3600
    group { name = "ring-0" }
    name = "ring-0"
  }
  stage {
    group {
      name = "ring-1"
    }
    name = "ring-1"
  }
}
''',
    '''environment  = "prod"
member_count = 12
labels       = ["a", "b"]
enable_hub   = false
weight       = -1.25
''',
    '''resource "azurerm_kubernetes_fleet_member" "member" {
  count                 = 2
  name                  = "member-${count.index}"
  kubernetes_cluster_id = azurerm_kubernetes_cluster.aks[count.index].id
  group                 = count.index == 0 ? "canary" : "prod"
  note                  = "a ${ "b" } c"
}
''',
    '''locals {
  sum    = (var.a +
    1)
  pick   = [var.b ?
    "x" :
    "y"]
  call   = format("%s-%s",
    "a", # c
    "b")
  neg    = (1
    - 2)
  folded = <<-EOT
    one ${"two"} $${three}

      four ${~ "five" ~}
    six
  EOT
  each   = { for k, v in var.m :
    k => v
  }
  quoted = "a $${b} %%{c} ${"d"~} e"
}
''',
)

_TOKEN_RE = re.compile(
    r"(?P<nl>\r?\n)|(?P<ws>[ \t]+)|(?P<comment>#[^\n]*|//[^\n]*|/\*.*?\*/)"
    r"|(?P<number>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|(?P<ident>[A-Za-z_][A-Za-z0-9_-]*)"
    r"|(?P<punct>==|!=|<=|>=|&&|\|\||=>|\.\.\.|.)", re.S)
_HEREDOC_RE = re.compile(r"<<(-?)([A-Za-z_][A-Za-z0-9_-]*)\n.*?\n[ \t]*\2(?=\n)", re.S)


@dataclass(frozen=True)
class Tok:
    kind: str
    text: str


def tokens(text: str) -> list[Tok]:
    """A rough HCL tokenizer for mutating seeds: strings (with their interpolations) and heredocs
    are one token each."""
    out: list[Tok] = []
    at = 0
    while at < len(text):
        if text[at] == '"':
            end, depth = at + 1, 0
            while end < len(text):
                if text.startswith("${", end) or text.startswith("%{", end):
                    depth, end = depth + 1, end + 2
                    continue
                char = text[end]
                if char == "\\":
                    end += 2
                    continue
                if depth and char == "}":
                    depth -= 1
                elif not depth and char == '"':
                    break
                end += 1
            out.append(Tok("string", text[at:end + 1]))
            at = end + 1
            continue
        heredoc = _HEREDOC_RE.match(text, at)
        if heredoc:
            out.append(Tok("heredoc", heredoc.group(0)))
            at = heredoc.end()
            continue
        match = _TOKEN_RE.match(text, at)
        assert match is not None and match.lastgroup is not None
        out.append(Tok(match.lastgroup, match.group(0)))
        at = match.end()
    return out


BLOCK_COMMENTS = ("/* c */", "/**/", "/* a\nb */", "/* * / */", "/*c*/", "/* \u00e9 */")
LINE_COMMENTS = ("# c", "// c", "#", "# a\rb", "// \r", "# é")
CRS = ("crlf", "cr-in-comment", "cr-before-newline", "cr-in-space", "cr-alone")
HEREDOC_NAMES = ("_EOT", "E", "EOT_1", "E-T", "E.T", "\u00c9OT", "1EOT", "END", "_", "-E", "EOT~")
IDENTIFIERS = ("\u03c0", "n\u00e4me", "\u540d\u524d", "_x", "x-y", "\u00f11", "caf\u00e9_2", "x\u0301",
               "1x", "x\u20ac", "\U0001f600", "-x", "\u00b2", "x\u00b7y", "\u0661x", "x\u0661")
NUMBERS = ("123456789012345678901234567890", "9" * 400, "1" + "0" * 4400, "1e400", "1.5e-400", "007",
           "0.000001", "1E+3", "12345678901234567890.5", "1.", ".5", "1e", "0x10", "1_000", "00")
VOCABULARY = ("=", "{", "}", ",", "[", "]", '"', "\n", "~", ".", "*", "x", "1", "(", ")", ":", "?", "${",
              "%{", "<<EOT\n", "/*", "*/", "\\", "-", "!", "null", "=>", "...", "#", "+", "&&", "==", "<", "%",
              "/", "||", "\r\n", "\t", "$", "'", ";", "for", "in", "if", "~}", "${~", "<<-EOT\n", "EOT\n", "  ", "\n\n")

mutation = st.tuples(
    st.sampled_from(("block_comment", "line_comment", "cr", "strip", "heredoc", "ident", "number",
                     "delete", "duplicate", "swap", "insert")),
    st.integers(0, 10_000), st.integers(0, 10_000))


def mutate(tokens_: list[Tok], kind: str, where: int, choice: int) -> list[Tok]:
    toks = list(tokens_)

    def pick(kinds: tuple[str, ...], test: Any = None) -> int | None:
        found = [i for i, t in enumerate(toks) if t.kind in kinds and (test is None or test(t.text))]
        return found[where % len(found)] if found else None

    if kind == "block_comment":
        toks.insert(where % (len(toks) + 1), Tok("comment", BLOCK_COMMENTS[choice % len(BLOCK_COMMENTS)]))
    elif kind == "line_comment":
        at = pick(("nl",))
        if at is not None:
            toks.insert(at, Tok("comment", LINE_COMMENTS[choice % len(LINE_COMMENTS)]))
    elif kind == "cr":
        how = CRS[choice % len(CRS)]
        if how == "crlf":
            toks = [Tok("nl", "\r\n") if t.kind == "nl" else t for t in toks]
        elif how == "cr-in-comment":
            at = pick(("comment",))
            if at is None:
                toks.insert(pick(("nl",)) or 0, Tok("comment", "# a\rb"))
            else:
                text = toks[at].text
                toks[at] = Tok("comment", text[:2] + "\r" + text[2:])
        elif how == "cr-before-newline":
            at = pick(("nl",))
            if at is not None:
                toks.insert(at, Tok("ws", "\r"))
        elif how == "cr-in-space":
            at = pick(("ws",))
            if at is not None:
                toks[at] = Tok("ws", toks[at].text + "\r ")
        else:
            at = pick(("nl",))
            if at is not None:
                toks[at] = Tok("nl", "\r")
    elif kind == "strip":
        at = pick(("string", "heredoc"), lambda text: "${" in text or "%{" in text)
        if at is not None:
            text = toks[at].text
            opens = [m.start() for m in re.finditer(r"[$%]\{", text)]
            start = opens[choice % len(opens)]
            close = text.index("}", start)
            if choice // len(opens) % 3 != 1:
                text = text[:close] + "~" + text[close:]
            if choice // len(opens) % 3 != 2:
                text = text[:start + 2] + "~" + text[start + 2:]
            toks[at] = Tok(toks[at].kind, text)
    elif kind == "heredoc":
        at = pick(("heredoc",))
        if at is not None:
            text = toks[at].text
            header = re.match(r"<<(-?)([^\n]*)\n", text)
            assert header is not None  # a heredoc token starts with its header line, ends with its delimiter
            dash, old = header.groups()
            name = HEREDOC_NAMES[choice % len(HEREDOC_NAMES)]
            toks[at] = Tok("heredoc", f"<<{dash}{name}" + text[header.end() - 1:len(text) - len(old)] + name)
    elif kind == "ident":
        at = pick(("ident",))
        if at is not None:
            toks[at] = Tok("ident", IDENTIFIERS[choice % len(IDENTIFIERS)])
    elif kind == "number":
        at = pick(("number",))
        if at is not None:
            toks[at] = Tok("number", NUMBERS[choice % len(NUMBERS)])
    elif toks:
        at = where % len(toks)
        if kind == "delete":
            del toks[at]
        elif kind == "duplicate":
            toks.insert(at, toks[at])
        elif kind == "swap" and at + 1 < len(toks):
            toks[at], toks[at + 1] = toks[at + 1], toks[at]
        elif kind == "insert":
            toks.insert(at, Tok("punct", VOCABULARY[choice % len(VOCABULARY)]))
    return toks


@st.composite
def hcl_texts(draw: st.DrawFn) -> str:
    toks = tokens(draw(st.sampled_from(SEEDS)))
    for kind, where, choice in draw(st.lists(mutation, min_size=1, max_size=4)):
        toks = mutate(toks, kind, where, choice)
    return "".join(t.text for t in toks)


def test_seeds_tokenize_back_to_themselves() -> None:
    for seed in SEEDS:
        assert "".join(t.text for t in tokens(seed)) == seed
        assert fleetiac_parse(seed) is not None


def test_seeds_agree(oracle: Oracle) -> None:
    for seed in SEEDS:
        assert compare(oracle, seed) is None, seed


_RUN = settings(max_examples=EXAMPLES or 300, deadline=None, derandomize=not EXAMPLES, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@_RUN
@given(text=hcl_texts())
def test_fleetiac_reads_hcl_as_hashicorp_does(oracle: Oracle, text: str) -> None:
    found = compare(oracle, text)
    assert found is None, f"{found}\n--- text ---\n{text}"


# ---------------------------------------------------------------------------------------------
# Generated expressions: every kind of expression, nested, with newlines and comments between tokens
# (where HCL skips them, inside (), [], ${ } and { for }, and where they end the argument)

_SEPARATORS = st.sampled_from((" ", "", "\n", " \n ", " # c\n", " // c\n", " /* c */ ", "\r\n", "\t", "/* a\nb */"))
_sep = st.one_of(st.just(" "), _SEPARATORS)
_LEAVES = ("1", "x", "var.a", '"s"', "true", "null", "1.5", '"a ${x} b"', "-1", "x[0]", "x.*.y", "x[*].y", "f()",
           "<<EOT\nhi\nEOT\n", "<<-EOT\n  hi ${x}\n\n   there\n  EOT\n", "0.5e3", '"$${x}"', '"${~ "s" ~}"', "x.0",
           '"\\q"', '"\\u00e9\\n"', '"\\ud800"', '"$${"', '"%{ if x }a%{ endif }"', '"%{ if x }a"', '"%{ else }"',
           "<<EOT\n%{ for v in x }\nEOT\n", '"\\\\"')
_OPERATORS = ("+", "-", "*", "/", "%", "==", "!=", "<", ">=", "&&", "||")


@st.composite
def _joined(draw: st.DrawFn, pieces: list[Any]) -> str:
    """The pieces (texts, or strategies of texts) with a separator drawn between each two."""
    out = ""
    for index, piece in enumerate(pieces):
        if index:
            out += draw(_sep)
        out += piece if isinstance(piece, str) else draw(piece)
    return out


def _compound(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    items = st.lists(inner, max_size=3)
    key = st.sampled_from(("a", '"b"', "c", "in", "for", "(k)", '"${"k"}"'))
    object_item = st.tuples(key, st.sampled_from(("=", ":")), inner, st.sampled_from((",", "\n", ", ", " ", ",\n")))
    return st.one_of(
        st.tuples(inner, st.sampled_from(_OPERATORS), inner).flatmap(lambda t: _joined(list(t))),
        st.tuples(inner, inner, inner).flatmap(lambda t: _joined([t[0], "?", t[1], ":", t[2]])),
        inner.flatmap(lambda e: _joined(["(", e, ")"])),
        st.tuples(st.sampled_from(("!", "-")), inner).flatmap(lambda t: _joined(list(t))),
        st.tuples(items, st.sampled_from(("", ","))).flatmap(
            lambda t: _joined(["[", ", ".join(t[0]) + t[1], "]"])),
        st.lists(object_item, max_size=3).flatmap(
            lambda t: _joined(["{", "".join(f"{k} {s} {v}{end}" for k, s, v, end in t), "}"])),
        st.tuples(items, st.sampled_from(("", ",", "..."))).flatmap(
            lambda t: _joined(["f(", ", ".join(t[0]) + (t[1] if t[0] else ""), ")"])),
        st.tuples(inner, inner, st.sampled_from(("", "if x"))).flatmap(
            lambda t: _joined(["[", "for", "v", "in", t[0], ":", t[1], t[2], "]"])),
        st.tuples(inner, inner, inner, st.sampled_from(("", "...", "if x"))).flatmap(
            lambda t: _joined(["{", "for", "k, v", "in", t[0], ":", t[1], "=>", t[2], t[3], "}"])),
        st.tuples(st.sampled_from(("", "~")), inner, st.sampled_from(("", "~"))).flatmap(
            lambda t: _joined(['"${' + t[0], t[1], t[2] + '}"'])),
    )


hcl_expressions = st.recursive(st.sampled_from(_LEAVES), _compound, max_leaves=8)


@_RUN
@given(expression=hcl_expressions)
def test_fleetiac_reads_expressions_as_hashicorp_does(oracle: Oracle, expression: str) -> None:
    text = f"x {{\n  a = {expression}\n}}\n"
    found = compare(oracle, text)
    assert found is None, f"{found}\n--- text ---\n{text}"
