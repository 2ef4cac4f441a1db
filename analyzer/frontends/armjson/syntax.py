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

from fleetiac.analyzer.frontends.located import LocatedDict, LocatedList
from fleetiac.analyzer.model import Location

MAX_DEPTH = 256
"""Deepest nesting of objects and arrays parsed (no hand-written or compiled template comes close)."""

_TOKEN = re.compile(r'''[ \t\n\r]+|//[^\n]*|/\*.*?\*/|"(?:[^"\\\x00-\x1f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"'''
                    r"|-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|true|false|null|.", re.DOTALL)
"""One token of JSON (or a space or comment to skip); anything else is one character, an error."""
_WORDS = {"true": True, "false": False, "null": None}
_INTEGER = re.compile(r"-?[0-9]+")


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


_VALUE, _VALUE_OR_END, _KEY, _KEY_OR_END, _COLON, _AFTER = range(6)


def parse_json(text: str, path: str) -> tuple[Any, Location]:
    """The value of a JSON document with locations, and where it starts; raises :class:`ArmSyntaxError`.

    One regular expression splits the text into tokens (in C); a loop with an explicit stack builds the
    values, so nesting costs no recursion and is bounded by :data:`MAX_DEPTH`."""
    starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def position(offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(starts, offset)
        return line, offset - starts[line - 1] + 1

    def loc(offset: int) -> Location:
        line, column = position(offset)
        return Location(path, line, column)

    def fail(message: str, offset: int) -> ArmSyntaxError:
        line, column = position(offset)
        return ArmSyntaxError(message, line, column)

    stack: list[LocatedDict | LocatedList] = []
    keys: list[tuple[str, int]] = []
    root: Any = None
    start: Location | None = None
    state = _VALUE
    for match in _TOKEN.finditer(text):
        token = match.group()
        first = token[0]
        if first in " \t\n\r" or (first == "/" and token[1:2] in ("/", "*")):
            continue
        offset = match.start()
        if state == _COLON:
            if first != ":":
                raise fail("expected ':' after a property name", offset)
            state = _VALUE
            continue
        if state in (_KEY, _KEY_OR_END):
            if first == '"' and len(token) > 1:
                keys.append((_decode(token), offset))
                state = _COLON
                continue
            if first == "}" and state == _KEY_OR_END:
                stack.pop()
                state = _AFTER
                continue
            if first == '"':
                raise fail(_bad_string(text, offset), offset)
            raise fail("expected a property name in double quotes", offset)
        if state == _AFTER:
            if not stack:
                raise fail("unexpected text after the JSON value", offset)
            top = stack[-1]
            if first == ",":
                state = _KEY if isinstance(top, dict) else _VALUE
            elif (first == "}" and isinstance(top, dict)) or (first == "]" and isinstance(top, list)):
                stack.pop()
            elif isinstance(top, dict):
                raise fail("expected ',' or '}' after a property", offset)
            else:
                raise fail("expected ',' or ']' after an item", offset)
            continue
        # a value is expected
        value: Any
        opened = False
        if first == "]" and state == _VALUE_OR_END:
            stack.pop()
            state = _AFTER
            continue
        if first in "{[":
            if len(stack) >= MAX_DEPTH:
                raise fail(f"nested more than {MAX_DEPTH} levels deep", offset)
            value = LocatedDict() if first == "{" else LocatedList()
            opened = True
        elif first == '"':
            if len(token) == 1:
                raise fail(_bad_string(text, offset), offset)
            value = _decode(token)
        elif first == "-" or first.isdigit():
            if token == "-":
                raise fail("unexpected character '-'", offset)
            if _INTEGER.fullmatch(token):
                if len(token) > 4000:
                    raise fail("a number with more than 4000 digits", offset)
                value = int(token)
            else:
                value = float(token)
        elif token in _WORDS:
            value = _WORDS[token]
        elif first == "/":
            raise fail("unterminated comment" if text.startswith("/*", offset) else "unexpected character '/'",
                       offset)
        else:
            raise fail(f"unexpected character {first!r}", offset)
        if not stack:
            root, start = value, loc(offset)
        else:
            top = stack[-1]
            if isinstance(top, LocatedDict):
                key, key_offset = keys.pop()
                top[key] = value
                top.locs[key] = loc(key_offset)
            else:
                top.append(value)
                top.locs.append(loc(offset))
        if opened:
            stack.append(value)
            state = _KEY_OR_END if first == "{" else _VALUE_OR_END
        else:
            state = _AFTER
    if stack or start is None:
        raise fail("unexpected end of file: a value is missing", len(text))
    return root, start


def _decode(token: str) -> str:
    if "\\" not in token:
        return token[1:-1]
    decoded: str = json.loads(token)
    return decoded


def _bad_string(text: str, offset: int) -> str:
    end = text.find("\n", offset)
    rest = text[offset + 1:end if end != -1 else len(text)]
    return "invalid string: a control character or a bad escape" if '"' in rest else "unterminated string"


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

_EXPR_TOKEN = re.compile(r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>-?[0-9]+(?:\.[0-9]+)?)|(?P<name>[A-Za-z_][\w]*"
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
        match = _EXPR_TOKEN.match(body, pos)
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
