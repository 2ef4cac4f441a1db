"""Where each value of a JSON document is written, for the stage files scripts pass to ``--stages``.

:func:`positions` walks JSON text that :func:`json.loads` accepted and gives the line and column
(1-based) of every value by its path (``stages[0].groups[1].name``; ``""`` for the document), so a
finding about a stage points at the stage in the file a user edits.
"""

from __future__ import annotations

import re

_WHITESPACE = re.compile(r"[ \t\n\r]*")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_SCALAR = re.compile(r"-?[0-9][0-9.eE+-]*|true|false|null")


class _Walker:
    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0
        self.found: dict[str, tuple[int, int]] = {}
        self.starts = [0]
        for index, char in enumerate(text):
            if char == "\n":
                self.starts.append(index + 1)

    def where(self, offset: int) -> tuple[int, int]:
        import bisect

        line = bisect.bisect_right(self.starts, offset) - 1
        return line + 1, offset - self.starts[line] + 1

    def skip(self) -> None:
        match = _WHITESPACE.match(self.text, self.i)
        self.i = match.end() if match else self.i

    def value(self, path: str, depth: int) -> None:
        self.skip()
        self.found[path] = self.where(self.i)
        char = self.text[self.i:self.i + 1]
        if depth > 64:
            raise ValueError("nested too deeply")
        if char == "{":
            self.i += 1
            self.skip()
            if self.text.startswith("}", self.i):
                self.i += 1
                return
            while True:
                self.skip()
                match = _STRING.match(self.text, self.i)
                if match is None:
                    raise ValueError("a key is expected")
                import json

                key = json.loads(match.group(0))
                self.i = match.end()
                self.skip()
                self.i += 1  # the colon
                self.value(f"{path}.{key}" if path else str(key), depth + 1)
                self.skip()
                if self.text.startswith(",", self.i):
                    self.i += 1
                    continue
                self.i += 1  # the closing brace
                return
        if char == "[":
            self.i += 1
            self.skip()
            if self.text.startswith("]", self.i):
                self.i += 1
                return
            index = 0
            while True:
                self.value(f"{path}[{index}]", depth + 1)
                index += 1
                self.skip()
                if self.text.startswith(",", self.i):
                    self.i += 1
                    continue
                self.i += 1  # the closing bracket
                return
        match = _STRING.match(self.text, self.i) or _SCALAR.match(self.text, self.i)
        if match is None:
            raise ValueError("a value is expected")
        self.i = match.end()


def positions(text: str) -> dict[str, tuple[int, int]]:
    """The (line, column) of each value by path, keys as written; empty when the text cannot be
    walked (it is then located as a whole)."""
    walker = _Walker(text.lstrip("\ufeff"))
    try:
        walker.value("", 0)
    except (ValueError, IndexError):
        return {}
    return walker.found
