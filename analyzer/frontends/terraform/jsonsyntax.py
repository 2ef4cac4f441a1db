"""Strict JSON that keeps where each value is written (line and column), for Terraform's JSON forms
(``.tf.json``, ``.tfvars.json``) and Terraform's machine-readable plans (``terraform show -json``).

Python's ``json`` module gives no positions; this reader is small, follows RFC 8259 (no comments,
no trailing commas; a duplicate key is kept as written, in order) and raises :class:`JsonProblem`
at the line and column of the first error.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Any

from fleetiac.analyzer.frontends.terraform.syntax import Pos


@dataclass(frozen=True, slots=True)
class JValue:
    """A string, number, boolean or null."""

    pos: Pos
    value: Any


@dataclass(frozen=True, slots=True)
class JArray:
    pos: Pos
    items: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class JObject:
    pos: Pos
    members: tuple[tuple[str, Pos, Any], ...]
    """(key, where the key is written, value), in the order written; duplicates kept."""

    def get(self, key: str) -> Any:
        """The last value written under ``key`` (None: not written)."""
        found = None
        for name, _, value in self.members:
            if name == key:
                found = value
        return found


JNode = JValue | JArray | JObject


class JsonProblem(Exception):
    """The text is not JSON; carries where (1-based line and column)."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


_WS = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")
_STRING_CHUNK = re.compile(r'[^"\\\x00-\x1f]*')
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
MAX_DEPTH = 200
"""Nesting deeper than this is refused with a position (rather than a recursion error)."""


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.at = 0
        self.lines = [0] + [m.end() for m in re.finditer("\n", text)]

    def where(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.lines, offset)
        return line, offset - self.lines[line - 1] + 1

    def pos(self, start: int, end: int) -> Pos:
        line, column = self.where(start)
        end_line, end_column = self.where(end)
        return Pos(line, column, end_line, end_column)

    def fail(self, message: str, offset: int | None = None) -> JsonProblem:
        line, column = self.where(self.at if offset is None else offset)
        return JsonProblem(message, line, column)

    def skip(self) -> None:
        self.at = _WS.match(self.text, self.at).end()  # type: ignore[union-attr]  # always matches

    def shown(self) -> str:
        if self.at >= len(self.text):
            return "end of file"
        return repr(self.text[self.at])

    def value(self, depth: int) -> JNode:
        self.skip()
        if depth > MAX_DEPTH:
            raise self.fail("values are nested too deeply")
        start = self.at
        char = self.text[start:start + 1]
        if char == "{":
            return self.object(depth)
        if char == "[":
            return self.array(depth)
        if char == '"':
            text = self.string()
            return JValue(self.pos(start, self.at), text)
        for word, value in (("true", True), ("false", False), ("null", None)):
            if self.text.startswith(word, start):
                self.at = start + len(word)
                return JValue(self.pos(start, self.at), value)
        match = _NUMBER.match(self.text, start)
        if match and match.end() > start:
            self.at = match.end()
            number: Any = float(match.group(0)) if match.group(1) or match.group(2) else int(match.group(0))
            return JValue(self.pos(start, self.at), number)
        raise self.fail(f"unexpected {self.shown()}, expected a value")

    def string(self) -> str:
        self.at += 1  # the opening quote
        pieces: list[str] = []
        text = self.text
        while True:
            match = _STRING_CHUNK.match(text, self.at)
            assert match is not None  # the pattern matches the empty string
            pieces.append(match.group(0))
            self.at = match.end()
            char = text[self.at:self.at + 1]
            if char == '"':
                self.at += 1
                return "".join(pieces)
            if char == "\\":
                code = text[self.at + 1:self.at + 2]
                if code == "u":
                    digits = text[self.at + 2:self.at + 6]
                    if not re.fullmatch(r"[0-9a-fA-F]{4}", digits):
                        raise self.fail("invalid \\u escape in a string")
                    point = int(digits, 16)
                    self.at += 6
                    if 0xD800 <= point <= 0xDBFF and text.startswith("\\u", self.at):
                        low = text[self.at + 2:self.at + 6]
                        if re.fullmatch(r"[0-9a-fA-F]{4}", low) and 0xDC00 <= int(low, 16) <= 0xDFFF:
                            point = 0x10000 + ((point - 0xD800) << 10) + (int(low, 16) - 0xDC00)
                            self.at += 6
                    pieces.append("\ufffd" if 0xD800 <= point <= 0xDFFF else chr(point))
                    continue
                if code not in _ESCAPES:
                    raise self.fail("invalid escape in a string")
                pieces.append(_ESCAPES[code])
                self.at += 2
                continue
            if not char:
                raise self.fail("unterminated string")
            raise self.fail("control character in a string")

    def object(self, depth: int) -> JObject:
        start = self.at
        self.at += 1
        members: list[tuple[str, Pos, Any]] = []
        self.skip()
        if self.text.startswith("}", self.at):
            self.at += 1
            return JObject(self.pos(start, self.at), ())
        while True:
            self.skip()
            if not self.text.startswith('"', self.at):
                raise self.fail(f"unexpected {self.shown()}, expected a property name")
            key_start = self.at
            key = self.string()
            key_pos = self.pos(key_start, self.at)
            self.skip()
            if not self.text.startswith(":", self.at):
                raise self.fail(f"unexpected {self.shown()}, expected ':'")
            self.at += 1
            members.append((key, key_pos, self.value(depth + 1)))
            self.skip()
            char = self.text[self.at:self.at + 1]
            if char == ",":
                self.at += 1
                continue
            if char == "}":
                self.at += 1
                return JObject(self.pos(start, self.at), tuple(members))
            raise self.fail(f"unexpected {self.shown()}, expected ',' or '}}'")

    def array(self, depth: int) -> JArray:
        start = self.at
        self.at += 1
        items: list[Any] = []
        self.skip()
        if self.text.startswith("]", self.at):
            self.at += 1
            return JArray(self.pos(start, self.at), ())
        while True:
            items.append(self.value(depth + 1))
            self.skip()
            char = self.text[self.at:self.at + 1]
            if char == ",":
                self.at += 1
                continue
            if char == "]":
                self.at += 1
                return JArray(self.pos(start, self.at), tuple(items))
            raise self.fail(f"unexpected {self.shown()}, expected ',' or ']'")


def parse_json(text: str) -> JNode:
    """``text`` (one JSON value, a byte order mark allowed before it) with positions; raises
    :class:`JsonProblem` where it is not JSON."""
    reader = _Reader(text[1:] if text.startswith("\ufeff") else text)
    reader.skip()
    if reader.at >= len(reader.text):
        raise reader.fail("the file is empty, expected a JSON value")
    node = reader.value(0)
    reader.skip()
    if reader.at < len(reader.text):
        raise reader.fail(f"unexpected {reader.shown()} after the JSON value")
    return node


def plain(node: Any) -> Any:
    """The value without positions (dicts, lists, scalars); a duplicate key keeps its last value."""
    if isinstance(node, JObject):
        return {key: plain(value) for key, _, value in node.members}
    if isinstance(node, JArray):
        return [plain(item) for item in node.items]
    return node.value
