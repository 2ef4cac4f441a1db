"""Expectation markers: comments in a rule example or a fixture file that say where findings are reported.

A marker is a comment that ends its line and names the findings reported on that line::

    group = "production"   # expect: FIAC201
    group: 'production'    // expect: FIAC201, FIAC202
    group = each.value     # expect: FIAC201 x2 -- one per member of the loop

``# expect-next-line: ...`` names the findings of the line below instead, for a line that cannot carry
a comment (inside a heredoc or multi-line string, or a line whose trailing comment would be part of
something else, such as a suppression directive's reason). It may end a line of code or stand on a line
of its own.

The rules, deliberately strict so that a typo fails instead of silently expecting nothing:

- The comment sign is the file's line comment, as its front end's language says
  (:attr:`analyzer.frontends.base.Language.line_comment`: ``#`` in Terraform and YAML, ``//`` in Bicep);
  it starts a line or follows white space, and the marker is the last thing on the line.
- The list is rule IDs (``FIAC`` and three digits) separated by commas, each at most once, each with an
  optional ``xN`` count (N >= 1); an optional note follows `` -- ``. One marker a line.
- A quote character after the comment sign means the text is inside a string literal, not a comment
  (``note = "# expect: FIAC201"`` is data): it is not a marker, and notes cannot hold quotes.
- Anything else that starts like a marker (``# expect FIAC201``, ``# expect: fiac201``) is an error.

JSON files (``.tfvars.json``) have no comments and hold no markers. The parser does not know the
languages' grammars: a marker-like line inside a heredoc is read as a marker, so do not write one there.

The markers are for the tests: :func:`strip_markers` gives the code shown to users, without them.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cache

from fleetiac.analyzer.frontends.base import language, language_of

_ITEM = r"FIAC\d{3}(?:\s+x[1-9]\d*)?"
_LIST = re.compile(rf"\s*(?P<items>{_ITEM}(?:\s*,\s*{_ITEM})*)(?:\s+--\s+\S.*)?\s*")


class MarkerError(ValueError):
    """A comment that looks like a marker but is not a valid one."""


@dataclass(frozen=True, slots=True)
class Marker:
    """The marker ending one line."""

    counts: Counter[str]
    """How many findings of each rule ID it names."""
    next_line: bool
    """``expect-next-line``: the findings are those of the line below."""
    code: str
    """The line before the marker, without the white space in between (empty: a line of its own)."""


def line_comment(filename: str) -> str | None:
    """The sign that starts a line comment in a file of this name (a name or a path), as the language
    of its front end says; None when the file cannot hold markers: no front end reads it, its language
    has no line comments, or it is JSON (``.tfvars.json`` is the ``tfvars`` language written in JSON,
    which has no comments)."""
    if filename.lower().endswith(".json"):
        return None
    name = language_of(filename)
    return None if name is None else language(name).line_comment


@cache
def _patterns(sign: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The marker, and anything that starts like one, after the comment sign ``sign``."""
    sign = re.escape(sign)
    marker = re.compile(rf"(?:^|\s){sign}\s*expect(?P<next>-next-line)?:(?P<body>[^\"'`]*)$")
    looks_like = re.compile(rf"(?:^|\s){sign}\s*expect(?:[\w-]*\s*:|\s+fiac\d)[^\"'`]*$", re.IGNORECASE)
    return marker, looks_like


def parse_list(body: str, where: str) -> Counter[str]:
    """``FIAC201, FIAC202 x2 -- note`` -> counts by rule ID."""
    match = _LIST.fullmatch(body)
    if match is None:
        raise MarkerError(f"{where}: not a list of rule IDs: {body.strip()!r}")
    counts: Counter[str] = Counter()
    for item in match["items"].split(","):
        rule_id, *times = item.split()
        if rule_id in counts:
            raise MarkerError(f"{where}: {rule_id} named twice; write {rule_id} xN")
        counts[rule_id] = int(times[0][1:]) if times else 1
    return counts


def find_marker(line: str, sign: str, where: str) -> Marker | None:
    """The marker ending ``line`` (without its line break) in a file whose comments start with ``sign``;
    None when it has none. Raises :class:`MarkerError` for a malformed one."""
    if "expect" not in line.casefold():
        return None  # most lines: no marker, and nothing that looks like one (both need the word)
    marker, looks_like = _patterns(sign)
    match = marker.search(line)
    if match is None:
        if looks_like.search(line):
            raise MarkerError(f"{where}: malformed marker: {line.strip()!r}")
        return None
    return Marker(parse_list(match["body"], where), bool(match["next"]), line[:match.start()].rstrip())


def _lines(text: str) -> list[tuple[str, str]]:
    """Each line of ``text`` without and with its line break (``\\n``, ``\\r\\n``, none at the end)."""
    pieces = text.split("\n")
    lines = [(piece.removesuffix("\r"), piece + "\n") for piece in pieces[:-1]]
    return lines + ([(pieces[-1].removesuffix("\r"), pieces[-1])] if pieces[-1] else [])


def _markers(text: str, filename: str, where: str | None) -> list[tuple[int, str, str, Marker | None]]:
    """(1-based line number, line without and with its break, its marker) for each line of ``text``."""
    sign = line_comment(filename)
    where = filename if where is None else where
    return [(number, body, line, None if sign is None else find_marker(body, sign, f"{where}:{number}"))
            for number, (body, line) in enumerate(_lines(text), start=1)]


def expectations(text: str, filename: str, where: str | None = None) -> Counter[tuple[str, int]]:
    """The findings the markers of a file's text announce, as a count per (rule ID, 1-based line);
    nothing for a file that cannot hold markers. ``where`` names the file in errors (default:
    ``filename``)."""
    found: Counter[tuple[str, int]] = Counter()
    for number, _, _, marker in _markers(text, filename, where):
        if marker is not None:
            target = number + 1 if marker.next_line else number
            for rule_id, times in marker.counts.items():
                found[(rule_id, target)] += times
    return found


def strip_markers(text: str, filename: str, where: str | None = None) -> str:
    """A file's text as users see it: each marker removed with its note and the white space before it,
    an ``expect-next-line`` line of its own dropped."""
    shown: list[str] = []
    for _, body, line, marker in _markers(text, filename, where):
        if marker is None:
            shown.append(line)
        elif marker.code or not marker.next_line:
            shown.append(marker.code + line[len(body):])
    return "".join(shown)
