"""A fixture case's expectations: the markers of its files (:mod:`analyzer.markers`) and its ``expect.txt``.

Files that cannot hold markers (JSON: ``.tfvars.json``, ARM templates) take their expectations from the
case's ``expect.txt`` instead, one ``file:line RULE[ xN][, ...]`` a line (``#`` starts a comment there).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from fleetiac.analyzer.markers import MarkerError, expectations, line_comment, parse_list

EXPECT_FILE = "expect.txt"

Expectations = Counter[tuple[str, str, int]]
"""(rule ID, file relative to the case as POSIX, line) -> how many findings."""


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
        if line_comment(file) is not None:
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
        for (rule_id, line), times in expectations(text, relative).items():
            expected[(rule_id, relative, line)] += times
    return expected
