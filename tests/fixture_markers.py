"""Expectation markers in fixture files, and a case's expectations read from them.

A marker is a comment that ends its line and names the findings reported on that line::

    group = "production"   # expect: FIAC201
    group: 'production'    // expect: FIAC201, FIAC202
    group = each.value     # expect: FIAC201 x2 -- one per member of the loop

``# expect-next-line: ...`` (``//`` in Bicep) names the findings of the line below instead, for a line
that cannot carry a comment (inside a heredoc or multi-line string, or a line whose trailing comment
would be part of something else, such as a suppression directive's reason). It may end a line of code or
stand on a line of its own.

The rules, deliberately strict so that a typo fails instead of silently expecting nothing:

- ``#`` in ``.tf``, ``.tfvars``, ``.yaml``, ``.yml``; ``//`` in ``.bicep``, ``.bicepparam``; the comment
  starts a line or follows white space, and it is the last thing on the line.
- The list is rule IDs (``FIAC`` and three digits) separated by commas, each at most once, each with an
  optional ``xN`` count (N >= 1); an optional note follows `` -- ``. One marker a line.
- A quote character after the comment sign means the text is inside a string literal, not a comment
  (``note = "# expect: FIAC201"`` is data): it is not a marker, and notes cannot hold quotes.
- Anything else that starts like a marker (``# expect FIAC201``, ``# expect: fiac201``) is an error.

Files without comment syntax (JSON: ``.tfvars.json``, ARM templates) take their expectations from the
case's ``expect.txt`` instead, one ``file:line RULE[ xN][, ...]`` a line (``#`` starts a comment there).
The marker parser does not know the languages' grammars: a marker-like line inside a heredoc is read as
a marker, so do not write one there.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

LEADERS = {".tf": "#", ".tfvars": "#", ".yaml": "#", ".yml": "#", ".bicep": "//", ".bicepparam": "//"}
EXPECT_FILE = "expect.txt"

_ITEM = r"FIAC\d{3}(?:\s+x[1-9]\d*)?"
_LIST = re.compile(rf"\s*(?P<items>{_ITEM}(?:\s*,\s*{_ITEM})*)(?:\s+--\s+\S.*)?\s*")

Expectations = Counter[tuple[str, str, int]]
"""(rule ID, file relative to the case as POSIX, line) -> how many findings."""


class MarkerError(ValueError):
    """A comment that looks like a marker but is not a valid one."""


def _patterns(leader: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    sign = re.escape(leader)
    marker = re.compile(rf"(?:^|\s){sign}\s*expect(?P<next>-next-line)?:(?P<body>[^\"'`]*)$")
    looks_like = re.compile(rf"(?:^|\s){sign}\s*expect(?:[\w-]*\s*:|\s+fiac\d)[^\"'`]*$", re.IGNORECASE)
    return marker, looks_like


PATTERNS = {leader: _patterns(leader) for leader in set(LEADERS.values())}


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


def markers_in_text(text: str, suffix: str, where: str = "") -> Counter[tuple[str, int]]:
    """Expected findings of one file's text, by (rule ID, line); nothing for a suffix without markers."""
    leader = LEADERS.get(suffix)
    found: Counter[tuple[str, int]] = Counter()
    if leader is None:
        return found
    marker, looks_like = PATTERNS[leader]
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.removesuffix("\r")
        match = marker.search(line)
        if match is None:
            if looks_like.search(line):
                raise MarkerError(f"{where}:{number}: malformed marker: {line.strip()!r}")
            continue
        target = number + 1 if match["next"] else number
        for rule_id, times in parse_list(match["body"], f"{where}:{number}").items():
            found[(rule_id, target)] += times
    return found


def _suffix(path: Path) -> str:
    return ".json" if path.name.lower().endswith(".json") else path.suffix.lower()


def read_expect_file(case_dir: Path) -> Expectations:
    """The case's ``expect.txt`` (``file:line RULE[ xN][, ...]``), for files that cannot hold markers."""
    expected: Expectations = Counter()
    path = case_dir / EXPECT_FILE
    if not path.exists():
        return expected
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        location, _, rules = line.partition(" ")
        file, _, line_number = location.rpartition(":")
        where = f"{path}:{number}"
        if not file or not line_number.isdigit() or not (case_dir / file).is_file():
            raise MarkerError(f"{where}: expected `file:line RULE`, with an existing file: {raw!r}")
        if _suffix(case_dir / file) in LEADERS:
            raise MarkerError(f"{where}: {file} can hold comments; write a marker in it instead")
        for rule_id, times in parse_list(rules, where).items():
            expected[(rule_id, file, int(line_number))] += times
    return expected


def case_expectations(case_dir: Path) -> Expectations:
    """Every finding a fixture case expects: its files' markers and its ``expect.txt``."""
    expected = read_expect_file(case_dir)
    for path in sorted(p for p in case_dir.rglob("*") if p.is_file()):
        relative = path.relative_to(case_dir).as_posix()
        text = path.read_bytes().decode("utf-8", errors="replace")
        for (rule_id, line), times in markers_in_text(text, _suffix(path), relative).items():
            expected[(rule_id, relative, line)] += times
    return expected
