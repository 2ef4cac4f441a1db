"""Inline suppressions: ``# fleetiac:ignore FIAC201,FIAC202 until=2027-01-31 -- reason``.

The parsers drop comments, so this module reads the source text itself with a small scanner that
knows where strings, heredocs and comments are (a ``#`` or ``{`` inside a string is not code) and
which brackets open and close where. That is all the structure a suppression needs:

- a directive on its own line at the top level covers the construct that starts on the next code
  line, with every line its brackets span (a whole ``resource`` block, a Bicep declaration, a
  multi-line attribute);
- a directive inside a block (on its own line, or after the block's opening ``{``) covers that whole
  block, the innermost one it is written in;
- a directive after code on a line covers that line's construct.

A finding is suppressed when its rule ID is named and its start line lies in the covered lines. A
directive that names an unknown rule, gives no reason, has a bad or past ``until`` date, or is
malformed is reported as FIAC903 and suppresses nothing, so a typo never hides a finding.
"""

from __future__ import annotations

import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from analyzer.model import Finding, Level, Location, Suppression

DIRECTIVE_RE = re.compile(r"fleetiac\s*:\s*ignore\b(?P<rest>.*)", re.S)
RULE_ID_RE = re.compile(r"^[A-Z]+[0-9]+$")
UNTIL_RE = re.compile(r"^until=(?P<date>\S*)$")


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


def scan_source(text: str, language: str) -> Structure:
    """Find comments, bracket spans and code lines in Terraform (``#``, ``//``, ``/* */``, ``"..."``
    with ``${}`` templates, heredocs) or Bicep (``//``, ``/* */``, ``'...'`` with ``${}``, ``'''``)."""
    return _Scanner(text, language).run()


class _Scanner:
    def __init__(self, text: str, language: str) -> None:
        self.text = text
        self.bicep = language in ("bicep", "bicepparam")
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
            elif (char == "#" and not self.bicep) or two == "//":
                self.line_comment(1 if char == "#" else 2)
            elif two == "/*":
                self.block_comment()
            elif self.bicep and self.text.startswith("'''", self.pos):
                self.mark_code()
                self.advance(3)
                while self.pos < len(self.text) and not self.text.startswith("'''", self.pos):
                    self.advance()
                self.advance(3)
            elif (char == "'" and self.bicep) or (char == '"' and not self.bicep):
                self.mark_code()
                self.string(char)
            elif not self.bicep and two == "<<" and self.heredoc():
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
            elif char == "\n" and not self.bicep:
                return  # an unterminated Terraform string ends at the line (the parser reports it)
            elif not self.bicep and char in "$%" and self.peek(1) == char and self.peek(2) == "{":
                self.advance(3)  # "$${" and "%%{" are literal text in Terraform
            elif self.peek(1) == "{" and (char == "$" or (char == "%" and not self.bicep)):
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


@dataclass(frozen=True, slots=True)
class Directive:
    """One ``fleetiac:ignore`` comment, parsed and checked."""

    location: Location
    rule_ids: tuple[str, ...]
    """The known rule IDs it names (unknown ones are left out and reported)."""
    reason: str
    until: date | None
    first_line: int
    last_line: int
    problems: tuple[str, ...] = ()
    """Why it is invalid (FIAC903 messages); an invalid directive suppresses nothing."""

    @property
    def valid(self) -> bool:
        return not self.problems


def parse_directive(text: str, location: Location, known: set[str], as_of: date,
                    covered: tuple[int, int]) -> Directive | None:
    """The directive in a comment's text, or None when the comment is not one."""
    match = DIRECTIVE_RE.match(text)
    if not match:
        return None
    rest = match.group("rest")
    head, sep, reason = rest.partition("--")
    reason = " ".join(reason.split())
    problems: list[str] = []
    ids: list[str] = []
    until: date | None = None
    for token in head.replace(",", " ").split():
        until_match = UNTIL_RE.match(token)
        if until_match:
            try:
                until = date.fromisoformat(until_match.group("date"))
            except ValueError:
                problems.append(f"suppression has an invalid date {token!r}; write until=YYYY-MM-DD")
            continue
        rule_id = token.upper()
        if not RULE_ID_RE.match(rule_id) or rule_id not in known:
            problems.append(f"suppression names unknown rule {token!r}, so it suppresses nothing "
                            f"(`fleetiac rules` lists the IDs)")
            continue
        ids.append(rule_id)
    if not ids and not any("unknown rule" in p for p in problems):
        problems.append("suppression names no rule; write `fleetiac:ignore FIAC201 -- reason`")
    if not sep or not reason:
        problems.append("suppression has no reason; write `-- reason` after the rule IDs")
    if until is not None and until < as_of:
        problems.append(f"suppression expired on {until.isoformat()} (as of {as_of.isoformat()})")
    return Directive(location, tuple(ids), reason, until, covered[0], covered[1], tuple(problems))


def directives(text: str, language: str, path: str, known: set[str], as_of: date) -> list[Directive]:
    """Every ``fleetiac:ignore`` directive in one file, with the lines it covers."""
    if language == "yaml":
        return _yaml_directives(text, path, known, as_of)
    structure = scan_source(text, language)
    found: list[Directive] = []
    for comment in structure.comments:
        location = Location(path, comment.line, comment.column)
        covered = _covered(comment, structure)
        directive = parse_directive(comment.text, location, known, as_of, covered)
        if directive is not None:
            found.append(directive)
    return found


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


def _yaml_directives(text: str, path: str, known: set[str], as_of: date) -> list[Directive]:
    """YAML manifests: a ``#`` comment on its own line covers the next line and every line indented
    under it; at the top level it covers the rest of the document (up to ``---``)."""
    lines = text.splitlines()

    def indent(number: int) -> int:
        return len(lines[number - 1]) - len(lines[number - 1].lstrip())

    def is_content(number: int) -> bool:
        stripped = lines[number - 1].strip()
        return bool(stripped) and not stripped.startswith("#")

    found: list[Directive] = []
    for number, raw in enumerate(lines, start=1):
        stripped = raw.lstrip()
        if not stripped.startswith("#"):
            continue
        start = next((n for n in range(number + 1, len(lines) + 1) if is_content(n)), None)
        end = number if start is None else start
        if start is not None:
            for n in range(start + 1, len(lines) + 1):
                if not is_content(n):
                    continue
                if lines[n - 1].strip() == "---" or (indent(start) > 0 and indent(n) <= indent(start)):
                    break
                end = n
        location = Location(path, number, len(raw) - len(stripped) + 1)
        directive = parse_directive(stripped[1:].strip(), location, known, as_of, (start or number, end))
        if directive is not None:
            found.append(directive)
    return found


def invalid_findings(found: Iterable[Directive]) -> list[Finding]:
    """One FIAC903 finding per problem of each invalid directive."""
    return [Finding("FIAC903", Level.WARNING, problem, directive.location)
            for directive in found for problem in directive.problems]


def apply(findings: Iterable[Finding], found: Iterable[Directive]) -> tuple[list[Finding], list[Finding]]:
    """Split findings into (active, suppressed); a suppressed finding carries its suppression."""
    by_path: dict[str, list[Directive]] = {}
    for directive in found:
        if directive.valid:
            by_path.setdefault(directive.location.path, []).append(directive)
    active: list[Finding] = []
    suppressed: list[Finding] = []
    for finding in findings:
        match = next((d for d in by_path.get(finding.location.path, [])
                      if finding.rule_id in d.rule_ids and d.first_line <= finding.location.line <= d.last_line),
                     None)
        if match is None:
            active.append(finding)
        else:
            suppressed.append(replace(finding, suppression=Suppression(
                match.reason, match.until.isoformat() if match.until else None, match.location)))
    return active, suppressed


class SourceTexts:
    """Source files read once per scan, by report-relative path (suppressions and line hashes share it)."""

    def __init__(self, root: Path, max_bytes: int | None = None, quiet: Iterable[str] = ()) -> None:
        self.root = root
        self.max_bytes = max_bytes
        """Files larger than this are not read (the front ends refused them too): None, no limit."""
        self.quiet = frozenset(quiet)
        """Files known (from an earlier read in this scan) to hold no directive: not read for them."""
        self._texts: dict[str, str | None] = {}

    def get(self, display: str, absolute: Path | None = None) -> str | None:
        if display not in self._texts:
            path = absolute or self.root / display
            try:
                info = path.stat()
                # A FIFO would block a read forever; a file over the size limit was not analysed.
                if not stat.S_ISREG(info.st_mode) or (self.max_bytes is not None and info.st_size > self.max_bytes):
                    self._texts[display] = None
                else:
                    self._texts[display] = path.read_bytes().decode("utf-8", errors="replace")
            except OSError:
                self._texts[display] = None
        return self._texts[display]
