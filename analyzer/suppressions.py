"""Inline suppressions: ``# fleetiac:ignore FIAC201,FIAC202 until=2027-01-31 -- reason``.

The parsers drop comments, so each front end reads the source text again for them (its
``comments`` module; brace languages share :mod:`analyzer.frontends.scanner`, which knows where
strings, heredocs and comments are and which brackets open and close where). That is all the
structure a suppression needs:

- a directive on its own line at the top level covers the construct that starts on the next code
  line, with every line its brackets span (a whole ``resource`` block, a declaration, a
  multi-line attribute);
- a directive inside a block (on its own line, or after the block's opening ``{``) covers that whole
  block, the innermost one it is written in;
- a directive after code on a line covers that line's construct.

A finding is suppressed when its rule ID is named and its start line lies in the covered lines. A
directive that names an unknown rule, gives no reason, has a bad or past ``until`` date, or is
malformed is reported as FIAC903 and suppresses nothing, so a typo never hides a finding.

FIAC901 (a file fleetiac could not read or parse) cannot be suppressed inline: nothing in such a file
was checked, so a directive above broken code would hide the file and every finding it would have
given. A directive naming it is a FIAC903 and suppresses nothing. Internal errors (failures of
fleetiac's own code) are never findings, so no directive reaches them either.
"""

from __future__ import annotations

import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from fleetiac.analyzer.frontends.base import CoveredComment
from fleetiac.analyzer.model import Finding, Level, Location, Suppression

DIRECTIVE_RE = re.compile(r"fleetiac\s*:\s*ignore\b(?P<rest>.*)", re.S)
RULE_ID_RE = re.compile(r"^[A-Z]+[0-9]+$")
UNTIL_RE = re.compile(r"^until=(?P<date>\S*)$")
UNSUPPRESSIBLE: frozenset[str] = frozenset({"FIAC901"})
"""Rules neither a directive nor a baseline (:mod:`analyzer.baseline`) can silence: a file that cannot
be parsed was not checked at all."""


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
    refused = False  # a rule was named but is not one a directive can name (unknown, or unsuppressible)
    for token in head.replace(",", " ").split():
        until_match = UNTIL_RE.match(token)
        if until_match:
            try:
                until = date.fromisoformat(until_match.group("date"))
            except ValueError:
                problems.append(f"suppression has an invalid date {token!r}; write until=YYYY-MM-DD")
            continue
        rule_id = token.upper()
        if not RULE_ID_RE.match(rule_id) or rule_id not in known or rule_id in UNSUPPRESSIBLE:
            refused = True
            if rule_id in UNSUPPRESSIBLE:
                problems.append(f"{rule_id} cannot be suppressed inline; a file that cannot be parsed is not "
                                f"checked at all, so fix it instead (this directive suppresses nothing)")
            else:
                problems.append(f"suppression names unknown rule {token!r}, so it suppresses nothing "
                                f"(`fleetiac rules` lists the IDs)")
            continue
        ids.append(rule_id)
    if not ids and not refused:
        problems.append("suppression names no rule; write `fleetiac:ignore FIAC201 -- reason`")
    if not sep or not reason:
        problems.append("suppression has no reason; write `-- reason` after the rule IDs")
    if until is not None and until < as_of:
        problems.append(f"suppression expired on {until.isoformat()} (as of {as_of.isoformat()})")
    return Directive(location, tuple(ids), reason, until, covered[0], covered[1], tuple(problems))


def directives(comments: Iterable[CoveredComment], path: str, known: set[str], as_of: date) -> list[Directive]:
    """Every ``fleetiac:ignore`` directive among one file's comments (which its front end found)."""
    found: list[Directive] = []
    for comment in comments:
        location = Location(path, comment.line, comment.column)
        directive = parse_directive(comment.text, location, known, as_of, (comment.first_line, comment.last_line))
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
        if finding.rule_id in UNSUPPRESSIBLE:
            active.append(finding)
            continue
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
