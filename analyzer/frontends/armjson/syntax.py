"""A JSON parser that keeps the line and column of every key and array item.

ARM templates are JSON; findings must point at the property a user edits, which the standard
library's parser forgets. This small recursive-descent parser builds
:class:`~analyzer.frontends.located.LocatedDict` and :class:`~analyzer.frontends.located.LocatedList`
values whose ``locs`` hold the :class:`~analyzer.model.Location` of each key (objects) and item
(arrays). Strings and numbers are matched by regular expressions and decoded by :mod:`json` (so
escapes follow the standard). ARM's own parser accepts ``//`` and ``/* */`` comments and so does this
one (they are skipped; they cannot hold suppressions, see :mod:`analyzer.frontends.armjson.comments`).

A syntax error raises :class:`ArmSyntaxError` with its line and column.
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass
from typing import Any

from analyzer.frontends.located import LocatedDict, LocatedList
from analyzer.model import Location

MAX_DEPTH = 256
"""Deepest nesting of objects and arrays parsed (no hand-written or compiled template comes close)."""

_SPACE = re.compile(r"(?:[ \t\n\r]+|//[^\n]*|/\*.*?\*/)*", re.DOTALL)
_STRING = re.compile(r'"(?:[^"\\\x00-\x1f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"')
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_WORDS = {"true": True, "false": False, "null": None}


class ArmSyntaxError(Exception):
    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


@dataclass(frozen=True, slots=True)
class ParsedArm:
    """One JSON file that is an ARM template or an ARM parameter file."""

    path: str
    kind: str
    """``template``, ``parameters``, or ``other`` (JSON that is neither: ignored)."""
    value: Any
    """The file's top-level value (located containers, plain strings, numbers, booleans, None)."""
    line: int = 1
    column: int = 1
    """Where the top-level value starts."""


class _Parser:
    def __init__(self, text: str, path: str) -> None:
        self.text = text
        self.path = path
        self.pos = 0
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1

    def loc(self, offset: int) -> Location:
        line, column = self.position(offset)
        return Location(self.path, line, column)

    def fail(self, message: str, offset: int | None = None) -> ArmSyntaxError:
        line, column = self.position(self.pos if offset is None else offset)
        return ArmSyntaxError(message, line, column)

    def skip(self) -> None:
        match = _SPACE.match(self.text, self.pos)
        self.pos = match.end() if match else self.pos
        if self.text.startswith("/*", self.pos):
            raise self.fail("unterminated comment")

    def value(self, depth: int) -> Any:
        self.skip()
        if self.pos >= len(self.text):
            raise self.fail("unexpected end of file: a value is missing")
        char = self.text[self.pos]
        if char == "{":
            return self.obj(depth + 1)
        if char == "[":
            return self.array(depth + 1)
        if char == '"':
            return self.string()
        match = _NUMBER.match(self.text, self.pos)
        if match:
            self.pos = match.end()
            token = match.group(0)
            if re.fullmatch(r"-?[0-9]+", token):
                if len(token) > 4000:
                    raise self.fail("a number with more than 4000 digits", match.start())
                return int(token)
            return float(token)
        for word, meaning in _WORDS.items():
            if self.text.startswith(word, self.pos):
                self.pos += len(word)
                return meaning
        raise self.fail(f"unexpected character {char!r}")

    def string(self) -> str:
        match = _STRING.match(self.text, self.pos)
        if match is None:
            end = self.text.find("\n", self.pos)
            if end == -1 or '"' not in self.text[self.pos + 1:end]:
                raise self.fail("unterminated string")
            raise self.fail("invalid string: a control character or a bad escape")
        self.pos = match.end()
        decoded: str = json.loads(match.group(0))
        return decoded

    def obj(self, depth: int) -> LocatedDict:
        if depth > MAX_DEPTH:
            raise self.fail(f"nested more than {MAX_DEPTH} levels deep")
        self.pos += 1
        out = LocatedDict()
        self.skip()
        if self.text.startswith("}", self.pos):
            self.pos += 1
            return out
        while True:
            self.skip()
            if not self.text.startswith('"', self.pos):
                raise self.fail("expected a property name in double quotes")
            start = self.pos
            key = self.string()
            self.skip()
            if not self.text.startswith(":", self.pos):
                raise self.fail("expected ':' after a property name")
            self.pos += 1
            out[key] = self.value(depth)
            out.locs[key] = self.loc(start)
            self.skip()
            if self.text.startswith(",", self.pos):
                self.pos += 1
                continue
            if self.text.startswith("}", self.pos):
                self.pos += 1
                return out
            raise self.fail("expected ',' or '}' after a property")

    def array(self, depth: int) -> LocatedList:
        if depth > MAX_DEPTH:
            raise self.fail(f"nested more than {MAX_DEPTH} levels deep")
        self.pos += 1
        out = LocatedList()
        self.skip()
        if self.text.startswith("]", self.pos):
            self.pos += 1
            return out
        while True:
            self.skip()
            start = self.pos
            out.append(self.value(depth))
            out.locs.append(self.loc(start))
            self.skip()
            if self.text.startswith(",", self.pos):
                self.pos += 1
                continue
            if self.text.startswith("]", self.pos):
                self.pos += 1
                return out
            raise self.fail("expected ',' or ']' after an item")


def parse_json(text: str, path: str) -> tuple[Any, Location]:
    """The value of a JSON document with locations, and where it starts; raises :class:`ArmSyntaxError`."""
    parser = _Parser(text, path)
    parser.skip()
    start = parser.loc(parser.pos)
    value = parser.value(0)
    parser.skip()
    if parser.pos != len(text):
        raise parser.fail("unexpected text after the JSON value")
    return value, start


TEMPLATE_SCHEMA = re.compile(r"(?:subscription|managementGroup|tenant)?deploymentTemplate\.json", re.IGNORECASE)
PARAMETERS_SCHEMA = re.compile(r"deploymentParameters\.json", re.IGNORECASE)


def kind_of(value: Any, display: str) -> str:
    """``template``, ``parameters`` or ``other``: by the top-level ``$schema``, else by the file's name."""
    if not isinstance(value, dict):
        return "other"
    schema = next((v for k, v in value.items() if k.lower() == "$schema"), None)
    if isinstance(schema, str):
        if TEMPLATE_SCHEMA.search(schema):
            return "template"
        if PARAMETERS_SCHEMA.search(schema):
            return "parameters"
        return "other"
    name = display.rsplit("/", 1)[-1].lower()
    keys = {k.lower() for k in value}
    if name.endswith(".parameters.json") and isinstance(value.get("parameters"), dict):
        return "parameters"
    if "resources" in keys and ("contentversion" in keys or "parameters" in keys):
        return "template"
    return "other"


# -- the template expression language ---------------------------------------------------------------
# `[concat(parameters('a'), '-x')]`: calls, 'strings' ('' escapes a quote), integers, true/false,
# property access (`.name`) and indexing (`[0]`). Parsed into tuples, cheap to build at evaluation:
#   ("lit", value) | ("call", name, (args...)) | ("prop", expr, name) | ("index", expr, expr)

Expr = tuple[Any, ...]

_TOKEN = re.compile(r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>-?[0-9]+(?:\.[0-9]+)?)|(?P<name>[A-Za-z_][\w]*"
                    r"(?:\.[A-Za-z_][\w]*)?(?=\s*\())|(?P<ident>[A-Za-z_$][\w$-]*)|(?P<punct>[(),.\[\]]))")


class ExprError(ValueError):
    """A template expression that cannot be parsed (ARM rejects it at deployment)."""


def is_expression(text: str) -> bool:
    """Whether a JSON string is a template expression: ``[...]``, but not ``[[...`` (a literal ``[``)."""
    return len(text) >= 2 and text[0] == "[" and text[-1] == "]" and not text.startswith("[[")


def literal(text: str) -> str:
    """A JSON string as ARM reads it when it is not an expression (``[[x]`` is the text ``[x]``)."""
    return text[1:] if text.startswith("[[") and text.endswith("]") else text


def parse_expression(text: str) -> Expr:
    """The expression inside ``[...]``; raises :class:`ExprError`."""
    tokens: list[tuple[str, str]] = []
    body = text[1:-1]
    pos = 0
    while pos < len(body):
        match = _TOKEN.match(body, pos)
        if match is None or match.end() == pos:
            if body[pos:].strip() == "":
                break
            raise ExprError(f"unexpected text at {body[pos:pos + 20]!r}")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        pos = match.end()
    parser = _ExprParser(tokens)
    expr = parser.expr(0)
    if parser.i != len(tokens):
        raise ExprError("unexpected text after the expression")
    return expr


class _ExprParser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.i = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, punct: str) -> None:
        token = self.peek()
        if token != ("punct", punct):
            raise ExprError(f"expected {punct!r}")
        self.i += 1

    def expr(self, depth: int) -> Expr:
        if depth > MAX_DEPTH:
            raise ExprError("nested too deeply")
        token = self.peek()
        if token is None:
            raise ExprError("an expression is missing")
        self.i += 1
        kind, text = token
        node: Expr
        if kind == "str":
            node = ("lit", text[1:-1].replace("''", "'"))
        elif kind == "num":
            node = ("lit", int(text) if "." not in text else float(text))
        elif kind == "name":
            self.take("(")
            args: list[Expr] = []
            if self.peek() != ("punct", ")"):
                while True:
                    args.append(self.expr(depth + 1))
                    if self.peek() == ("punct", ","):
                        self.i += 1
                        continue
                    break
            self.take(")")
            node = ("call", text, tuple(args))
        elif kind == "ident" and text.lower() in ("true", "false", "null"):
            node = ("lit", {"true": True, "false": False, "null": None}[text.lower()])
        else:
            raise ExprError(f"unexpected {text!r}")
        while True:
            token = self.peek()
            if token == ("punct", "."):
                self.i += 1
                name = self.peek()
                if name is None or name[0] not in ("ident", "name"):
                    raise ExprError("expected a property name after '.'")
                self.i += 1
                node = ("prop", node, name[1])
            elif token == ("punct", "["):
                self.i += 1
                index = self.expr(depth + 1)
                self.take("]")
                node = ("index", node, index)
            else:
                return node
