"""Fixtures are the spec in miniature: ``fixtures/<RULE>/<case>/`` holds a small tree, and
``fixtures/<RULE>/expected.txt`` lists every finding of that rule, as ``RULE case/file:line`` (a line
listed twice means two findings there: a loop can report several resources on one line). A case with
no line there must produce no finding of the rule. Each case is scanned on its own."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from analyzer.engine import ScanOptions, scan
from analyzer.rules import all_rules

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
AS_OF = date(2026, 11, 23)  # fixtures are written against this date (version rules)
SOURCE_SUFFIXES = {".tf", ".bicep", ".bicepparam", ".tfvars", ".json"}


def read_expected(rule_dir: Path) -> Counter[tuple[str, str, int]]:
    expected: Counter[tuple[str, str, int]] = Counter()
    path = rule_dir / "expected.txt"
    for raw in path.read_text(encoding="utf-8").splitlines() if path.exists() else []:
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        rule_id, location = line.split()
        file, number = location.rsplit(":", 1)
        expected[(rule_id, file, int(number))] += 1
    return expected


def cases() -> list[tuple[str, str]]:
    found = []
    for rule_dir in sorted(p for p in FIXTURES.iterdir() if p.is_dir()):
        for case in sorted(p for p in rule_dir.iterdir() if p.is_dir()):
            found.append((rule_dir.name, case.name))
    return found


CASES = cases()


@pytest.mark.parametrize(("rule_id", "case"), CASES, ids=[f"{r}/{c}" for r, c in CASES])
def test_fixture(rule_id: str, case: str) -> None:
    rule_dir = FIXTURES / rule_id
    expected = Counter({e: n for e, n in read_expected(rule_dir).items() if e[1].split("/", 1)[0] == case})
    report = scan([rule_dir / case], ScanOptions(select=(rule_id,), as_of=AS_OF))
    prefix = rule_dir.relative_to(report.root).as_posix() + "/"
    found = Counter((f.rule_id, f.location.path.removeprefix(prefix), f.location.line) for f in report.findings)
    assert found == expected, "\n".join(f"{f.rule_id} {f.location.path}:{f.location.line} {f.message}"
                                        for f in report.findings)


def _has_language(rule_id: str, case_names: set[str], suffix: str) -> bool:
    return any(p.suffix == suffix for case in case_names for p in (FIXTURES / rule_id / case).rglob("*"))


# Rules that cannot occur in one language: FIAC302 is about the azurerm provider only.
SINGLE_LANGUAGE = {"FIAC302": ".tf"}
# Rules about Kubernetes objects: Bicep cannot hold them in a form fleetiac reads, so Kubernetes YAML
# manifests take Bicep's place (tests.doc_examples.BICEP_STAND_IN does the same for docs).
IN_PLACE_OF_BICEP = {"FIAC601": ".yaml", "FIAC602": ".yaml"}


def test_every_rule_has_failing_and_passing_fixtures() -> None:
    by_rule: dict[str, set[str]] = {}
    for rule_id, case in CASES:
        by_rule.setdefault(rule_id, set()).add(case)
    for rule in all_rules():
        rule_id = rule.info.id
        if rule_id == "FIAC902":
            continue  # shown only with --show-unknown; its doc examples cover it
        assert rule_id in by_rule, f"{rule_id} has no fixture folder"
        failing = {file.split("/", 1)[0] for _, file, _ in read_expected(FIXTURES / rule_id)}
        passing = by_rule[rule_id] - failing
        for suffix in (".tf", ".bicep"):
            if SINGLE_LANGUAGE.get(rule_id, suffix) != suffix:
                continue
            if suffix == ".bicep":
                suffix = IN_PLACE_OF_BICEP.get(rule_id, suffix)
            assert _has_language(rule_id, failing, suffix), f"{rule_id}: no failing {suffix} fixture"
            assert _has_language(rule_id, passing, suffix), f"{rule_id}: no passing {suffix} fixture"


def test_fixture_files_are_source_files() -> None:
    for path in FIXTURES.rglob("*"):
        if path.is_file() and path.name != "expected.txt":
            assert path.suffix in SOURCE_SUFFIXES or path.name.endswith((".yaml", ".yml")), path
