"""A small lexical scanner for brace languages (HCL, Bicep): where comments, strings, heredocs and
brackets are, so inline suppressions know which lines a comment covers. The parsers drop comments,
so the front ends' ``comments`` modules read the text again with this, each with its own
:class:`Syntax` (a ``#`` or ``{`` inside a string is not code)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from fleetiac.analyzer.frontends.base import CoveredComment


@dataclass(frozen=True, slots=True)
class Syntax:
    """What differs between the brace languages the scanner reads."""

    quote: str
    """The string quote (``"`` in HCL, ``'`` in Bicep, where ``'''`` also opens a multi-line string)."""
    hash_comments: bool = False
    """``#`` starts a line comment (HCL), besides ``//`` and ``/* */``."""
    heredocs: bool = False
    """``<<EOT`` heredocs (HCL)."""
    strings_end_at_line: bool = False
    """An unterminated string ends at the line end (HCL)."""
    template_directives: bool = False
    """``%{...}`` directives and the ``$${``/``%%{`` escapes inside strings (HCL)."""


@dataclass(frozen=True, slots=True)
class Comment:
    line: int
    column: int
    text: str
    """The comment's text without its markers (``#``, ``//``, ``/* */``)."""
    own_line: bool
    """Nothing but whitespace before it on its line."""
    enclosing: tuple[int, int] | None
    """Start and end line of the innermost bracket pair around the comment, if any."""


@dataclass(slots=True)
class Structure:
    """What the scanner learns about one file."""

    comments: list[Comment] = field(default_factory=list)
    spans: dict[int, int] = field(default_factory=dict)
    """Line -> the last line reached by a bracket opened on that line (only lines that open one)."""
    code_lines: set[int] = field(default_factory=set)
    """Lines with code (not only whitespace and comments)."""


def scan_source(text: str, syntax: Syntax) -> Structure:
    """Find comments, bracket spans and code lines in a text of the given syntax."""
    return _Scanner(text, syntax).run()


class _Scanner:
    def __init__(self, text: str, syntax: Syntax) -> None:
        self.text = text
        self.syntax = syntax
        self.pos = 0
        self.line = 1
        self.line_start = 0
        self.out = Structure()
        # Open brackets: (char, line). Interpolations push a "${" marker so their "}" ends them.
        self.stack: list[tuple[str, int]] = []

    def run(self) -> Structure:
        while self.pos < len(self.text):
            self.code()
        # Unclosed brackets (a syntax error the parser reports) span to the end of the file.
        for _, line in self.stack:
            self.out.spans[line] = max(self.out.spans.get(line, line), self.line)
        return self.out

    # -- helpers --------------------------------------------------------------------------------

    def peek(self, ahead: int = 0) -> str:
        index = self.pos + ahead
        return self.text[index] if index < len(self.text) else ""

    def advance(self, count: int = 1) -> None:
        for _ in range(count):
            if self.pos >= len(self.text):
                return
            if self.text[self.pos] == "\n":
                self.line += 1
                self.line_start = self.pos + 1
            self.pos += 1

    def enclosing(self) -> tuple[int, int] | None:
        """The innermost open bracket; its end line is filled in once the whole file is read."""
        for char, line in reversed(self.stack):
            if char != "${":
                return (line, -1)
        return None

    # -- states ---------------------------------------------------------------------------------

    def code(self, until_close: bool = False) -> None:
        """Read code; with ``until_close``, return after the ``}`` that ends an interpolation."""
        depth = len(self.stack)
        while self.pos < len(self.text):
            char = self.peek()
            two = char + self.peek(1)
            if char in " \t\r\n":
                self.advance()
            elif (char == "#" and self.syntax.hash_comments) or two == "//":
                self.line_comment(1 if char == "#" else 2)
            elif two == "/*":
                self.block_comment()
            elif self.syntax.quote == "'" and self.text.startswith("'''", self.pos):
                self.mark_code()
                self.advance(3)
                while self.pos < len(self.text) and not self.text.startswith("'''", self.pos):
                    self.advance()
                self.advance(3)
            elif char == self.syntax.quote:
                self.mark_code()
                self.string(char)
            elif self.syntax.heredocs and two == "<<" and self.heredoc():
                continue
            elif char in "{[(":
                self.mark_code()
                self.stack.append((char, self.line))
                self.advance()
            elif char in "}])":
                self.mark_code()
                if until_close and len(self.stack) == depth and char == "}":
                    self.advance()
                    return
                if self.stack and self.stack[-1][0] != "${":
                    _, opened = self.stack.pop()
                    self.out.spans[opened] = max(self.out.spans.get(opened, opened), self.line)
                self.advance()
            else:
                self.mark_code()
                self.advance()

    def mark_code(self) -> None:
        self.out.code_lines.add(self.line)

    def record(self, text: str, line: int, column: int, own_line: bool, enclosing: tuple[int, int] | None) -> None:
        self.out.comments.append(Comment(line, column, text, own_line, enclosing))

    def line_comment(self, marker: int) -> None:
        line, column = self.line, self.pos - self.line_start + 1
        own_line = not self.text[self.line_start:self.pos].strip()
        end = self.text.find("\n", self.pos)
        end = len(self.text) if end == -1 else end
        self.record(self.text[self.pos + marker:end].strip(), line, column, own_line, self.enclosing())
        self.advance(end - self.pos)

    def block_comment(self) -> None:
        line, column = self.line, self.pos - self.line_start + 1
        own_line = not self.text[self.line_start:self.pos].strip()
        end = self.text.find("*/", self.pos + 2)
        end = len(self.text) if end == -1 else end
        self.record(self.text[self.pos + 2:end].strip(), line, column, own_line, self.enclosing())
        self.advance(end + 2 - self.pos)

    def string(self, quote: str) -> None:
        self.advance()
        while self.pos < len(self.text):
            char = self.peek()
            if char == "\\":
                self.advance(2)
            elif char == quote:
                self.advance()
                return
            elif char == "\n" and self.syntax.strings_end_at_line:
                return  # an unterminated string ends at the line (the parser reports it)
            elif self.syntax.template_directives and char in "$%" and self.peek(1) == char and self.peek(2) == "{":
                self.advance(3)  # "$${" and "%%{" are literal text
            elif self.peek(1) == "{" and (char == "$" or (char == "%" and self.syntax.template_directives)):
                self.advance(2)
                self.stack.append(("${", self.line))
                self.code(until_close=True)
                self.stack.pop()
            else:
                self.advance()

    def heredoc(self) -> bool:
        """Skip a ``<<EOT`` / ``<<-EOT`` heredoc as opaque text; False when ``<<`` is not one."""
        match = re.compile(r"<<-?([A-Za-z_][A-Za-z0-9_-]*)[ \t]*\r?\n").match(self.text, self.pos)
        if not match:
            return False
        self.mark_code()
        marker = match.group(1)
        self.advance(match.end() - self.pos)
        while self.pos < len(self.text):
            end = self.text.find("\n", self.pos)
            end = len(self.text) if end == -1 else end
            done = self.text[self.pos:end].strip() == marker
            self.advance(end - self.pos + 1)
            if done:
                break
        return True

def covered_comments(text: str, syntax: Syntax) -> list[CoveredComment]:
    """Every comment of ``text`` with the lines it covers: a comment inside brackets covers the
    construct those brackets belong to; one at the end of a code line, that line's construct; one
    on its own line, the construct that starts on the next code line."""
    structure = scan_source(text, syntax)
    out = []
    for comment in structure.comments:
        first, last = _covered(comment, structure)
        out.append(CoveredComment(comment.line, comment.column, comment.text, first, last))
    return out


def _construct(line: int, structure: Structure) -> tuple[int, int]:
    return (line, max(line, structure.spans.get(line, line)))


def _covered(comment: Comment, structure: Structure) -> tuple[int, int]:
    if comment.enclosing is not None:
        start = comment.enclosing[0]
        return _construct(start, structure)
    if not comment.own_line:
        return _construct(comment.line, structure)
    following = [line for line in structure.code_lines if line > comment.line]
    if not following:
        return (comment.line, comment.line)
    return _construct(min(following), structure)
