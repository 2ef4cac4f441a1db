"""Fixtures are the spec in miniature: ``fixtures/<RULE>/<case>/`` holds a small tree, scanned on its own
for that rule. A rule's documentation examples (``policies/examples/<RULE>/example.tf``, ``fix.bicep``...)
are cases too, one file each, named ``examples/<file>``: what ``fleetiac explain`` shows is checked
exactly like a fixture, and a fixture need not repeat it.

- **Where** findings are expected is written in the case's files, as a comment ending the line the
  finding is reported on: ``# expect: FIAC201`` (``// expect: FIAC201`` in Bicep), several IDs
  comma-separated, ``FIAC201 x2`` for two findings on one line; ``expect-next-line:`` for the line
  below. JSON files, which have no comments, use the case's ``expect.txt``. The grammar is in
  :mod:`analyzer.markers`, ``expect.txt`` is read by ``tests/fixture_markers.py``. Every case must
  produce exactly its markers' findings (rule, file, line): a case without a marker for its rule is a
  passing case and must produce none.
- **How** a case is scanned: ``select=(RULE,)`` and ``as_of=2026-11-23``, unless the case's
  ``.fleetiac-test.toml`` says otherwise; its keys are ``ScanOptions`` fields (see ``OPTION_KEYS``),
  paths relative to the case.
- **What** the findings say: ``fixtures/<RULE>/snapshot.txt`` lists every finding of the rule over all
  its cases, sorted, as ``case/file:line:column resource | message`` (``-`` for no resource) with
  ``  hint: ...`` below when there is a hint. It must match exactly; after a deliberate change of a
  message, location or resource, rewrite the snapshots with ``FLEETIAC_UPDATE_SNAPSHOTS=1`` (``make
  snapshots``) and review the diff.
"""

from __future__ import annotations

import os
import tomllib
from collections import Counter
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any

import pytest

from fleetiac.analyzer.engine import ScanOptions, scan
from fleetiac.analyzer.markers import expectations
from fleetiac.analyzer.model import Level
from fleetiac.analyzer.rules import BICEP_STAND_IN, TERRAFORM_ONLY, all_rules
from tests.fixture_markers import EXPECT_FILE, Expectations, case_expectations

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
EXAMPLES = FIXTURES.parent / "policies" / "examples"
EXAMPLE_CASE = "examples/"
"""Cases named ``examples/<file>`` are the rule's documentation example of that name."""
AS_OF = date(2026, 11, 23)  # fixtures are written against this date (version rules)
SOURCE_SUFFIXES = {".tf", ".bicep", ".bicepparam", ".tfvars", ".json", ".hcl", ".sh", ".ps1"}
OPTIONS_FILE = ".fleetiac-test.toml"
SNAPSHOT_FILE = "snapshot.txt"
UPDATE_SNAPSHOTS = os.environ.get("FLEETIAC_UPDATE_SNAPSHOTS") == "1"


# ---------------------------------------------------------------------------------------------
# A case's options and findings


def _strings(value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TypeError("a list of strings")
    return tuple(value)


def _pairs(value: object) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise TypeError("a table of strings")
    return tuple(value.items())


def _flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise TypeError("true or false")
    return value


def _manifests(value: object) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not isinstance(value, dict):
        raise TypeError("a table of glob = list of fleet addresses")
    return tuple((glob, _strings(fleets)) for glob, fleets in value.items())


def _date(value: object) -> date:
    if not isinstance(value, date):
        raise TypeError("a date (2026-11-23, unquoted)")
    return value


OPTION_KEYS: dict[str, Any] = {
    "select": _strings,
    "ignore": _strings,
    "as_of": _date,
    "show_unknown": _flag,
    "operators": _strings,
    "assignments": _strings,  # relative to the case folder
    "var_files": _strings,  # relative to the case folder
    "aks_versions": _strings,  # relative to the case folder, as --aks-versions FILE
    "variables": _pairs,  # {NAME = "VALUE"}, in order, as --var NAME=VALUE
    "exclude": _strings,
    "levels": _pairs,  # {FIAC201 = "warning"}
    "inline_suppressions": _flag,
    "manifests": _manifests,  # {"k8s/**" = ["azapi_resource.fleet"]}, as [tool.fleetiac.manifests]
}


def options_from_toml(text: str, rule_id: str, case_dir: Path) -> ScanOptions:
    """A case's scan options: the defaults, then its ``.fleetiac-test.toml``."""
    fields: dict[str, Any] = {"select": (rule_id,), "as_of": AS_OF}
    for key, value in tomllib.loads(text).items():
        if key not in OPTION_KEYS:
            raise ValueError(f"{case_dir / OPTIONS_FILE}: unknown key {key!r}; known: {', '.join(OPTION_KEYS)}")
        try:
            fields[key] = OPTION_KEYS[key](value)
        except TypeError as error:
            raise ValueError(f"{case_dir / OPTIONS_FILE}: {key} must be {error}") from None
    for key in ("var_files", "assignments", "aks_versions"):
        if key in fields:
            fields[key] = tuple(case_dir / name for name in fields[key])
    return ScanOptions(**fields)


def case_options(rule_id: str, case_dir: Path) -> ScanOptions:
    path = case_dir / OPTIONS_FILE
    return options_from_toml(path.read_text(encoding="utf-8") if path.exists() else "", rule_id, case_dir)


EXAMPLE_REGIONAL_DATA = {"FIAC416": (FIXTURES / "FIAC416" / "tf-patch-missing" / "westeurope.json",)}
"""Regional version data (``--aks-versions``) the rule's examples are scanned with: without it the rule
never fires."""


def example_options(rule_id: str) -> ScanOptions:
    """An example is scanned for its rule; FIAC902 reports what the other rules could not decide, so
    its examples run every rule with ``--show-unknown``."""
    if rule_id == "FIAC902":
        return ScanOptions(as_of=AS_OF, show_unknown=True)
    return ScanOptions(select=(rule_id,), as_of=AS_OF, aks_versions=EXAMPLE_REGIONAL_DATA.get(rule_id, ()))


def case_path(rule_id: str, case: str) -> Path:
    """The folder a fixture case is, or the file an example case is."""
    if case.startswith(EXAMPLE_CASE):
        return EXAMPLES / rule_id / case.removeprefix(EXAMPLE_CASE)
    return FIXTURES / rule_id / case


def expectations_of(rule_id: str, case: str) -> Expectations:
    path = case_path(rule_id, case)
    if path.is_dir():
        return case_expectations(path)
    return Counter({(r, path.name, line): n for (r, line), n in
                    expectations(path.read_text(encoding="utf-8"), path.name, f"{rule_id}/{path.name}").items()})


@dataclass(frozen=True, order=True)
class Found:
    """One finding, its path relative to the case (POSIX)."""

    file: str
    line: int
    column: int
    rule_id: str
    resource: str
    message: str
    hint: str

    def __str__(self) -> str:
        return f"{self.rule_id} {self.file}:{self.line}:{self.column} {self.resource or '-'} | {self.message}"


def scan_with(rule_id: str, case_path: Path, options: ScanOptions) -> list[Found]:
    """A case's findings, with paths relative to the case's folder (an example's: its own folder)."""
    report = scan([case_path], options)
    base = (case_path if case_path.is_dir() else case_path.parent).as_posix()
    return sorted(Found(PurePosixPath(report.root, f.location.path).relative_to(base).as_posix(),
                        f.location.line, f.location.column, f.rule_id, f.resource, f.message, f.hint)
                  for f in report.findings)


@cache
def scan_case(rule_id: str, case: str) -> tuple[Found, ...]:
    path = case_path(rule_id, case)
    options = case_options(rule_id, path) if path.is_dir() else example_options(rule_id)
    return tuple(scan_with(rule_id, path, options))


def locations(found: tuple[Found, ...] | list[Found]) -> Expectations:
    return Counter((f.rule_id, f.file, f.line) for f in found)


def cases() -> list[tuple[str, str]]:
    found = []
    for rule_dir in sorted(p for p in FIXTURES.iterdir() if p.is_dir()):
        for case in sorted(p for p in rule_dir.iterdir() if p.is_dir()):
            found.append((rule_dir.name, case.name))
    for rule in all_rules():
        found.extend((rule.info.id, EXAMPLE_CASE + example.filename) for example in rule.info.examples)
    return sorted(found)


CASES = cases()
RULE_DIRS = sorted({rule_id for rule_id, _ in CASES if (FIXTURES / rule_id).is_dir()})


# ---------------------------------------------------------------------------------------------
# The fixtures


def _difference(expected: Expectations, found: tuple[Found, ...]) -> str:
    def listed(counts: Expectations) -> list[str]:
        return [f"  {r} {file}:{line}" + (f" x{n}" if n > 1 else "")
                for (r, file, line), n in sorted(counts.items())] or ["  (none)"]

    actual = locations(found)
    return "\n".join(["expected by the markers but not reported:", *listed(expected - actual),
                      "reported but not marked:", *listed(actual - expected),
                      "every finding of the scan:", *(f"  {f}" for f in found), *(["  (none)"] if not found else [])])


@pytest.mark.parametrize(("rule_id", "case"), CASES, ids=[f"{r}/{c}" for r, c in CASES])
def test_fixture(rule_id: str, case: str) -> None:
    expected = expectations_of(rule_id, case)
    found = scan_case(rule_id, case)
    assert locations(found) == expected, _difference(expected, found)


def render_snapshot(rule_id: str) -> str:
    lines = []
    for case in sorted(c for r, c in CASES if r == rule_id):
        for f in scan_case(rule_id, case):
            if f.rule_id == rule_id:
                where = case if case.startswith(EXAMPLE_CASE) else f"{case}/{f.file}"
                lines.append(f"{where}:{f.line}:{f.column} {f.resource or '-'} | {f.message}")
                if f.hint:
                    lines.append(f"  hint: {f.hint}")
    return "".join(f"{line}\n" for line in lines)


@pytest.mark.parametrize("rule_id", RULE_DIRS)
def test_snapshot(rule_id: str) -> None:
    path = FIXTURES / rule_id / SNAPSHOT_FILE
    rendered = render_snapshot(rule_id)
    if UPDATE_SNAPSHOTS:
        if not path.exists() or path.read_text(encoding="utf-8") != rendered:
            path.write_text(rendered, encoding="utf-8", newline="\n")
        return
    assert path.exists(), f"{path} is missing; write it with `make snapshots` and review it"
    assert path.read_text(encoding="utf-8") == rendered, (
        f"{rule_id}'s findings differ from {path.relative_to(FIXTURES.parent)}; if the change is meant, "
        "rewrite it with `make snapshots` (FLEETIAC_UPDATE_SNAPSHOTS=1) and review the diff")


def test_options_files_change_what_the_case_finds() -> None:
    """A ``.fleetiac-test.toml`` is there because the case needs it: without it, the markers fail."""
    with_options = [(r, c) for r, c in CASES if (case_path(r, c) / OPTIONS_FILE).exists()]
    assert with_options, "no case uses an options file"
    for rule_id, case in with_options:
        case_dir = FIXTURES / rule_id / case
        plain = scan_with(rule_id, case_dir, options_from_toml("", rule_id, case_dir))
        assert locations(plain) != case_expectations(case_dir), f"{rule_id}/{case}: {OPTIONS_FILE} changes nothing"


def test_options_file_keys() -> None:
    case_dir = FIXTURES / "FIAC201" / "tf-var-file"
    options = options_from_toml('select = ["FIAC2"]\nas_of = 2027-01-01\nvar_files = ["prod.tfvars"]\n'
                                'variables = {group = "ring0", other = "x"}\nshow_unknown = true\n',
                                "FIAC201", case_dir)
    assert (options.select, options.as_of, options.var_files, options.variables, options.show_unknown) == (
        ("FIAC2",), date(2027, 1, 1), (case_dir / "prod.tfvars",), (("group", "ring0"), ("other", "x")), True)
    assert options_from_toml("", "FIAC201", case_dir).select == ("FIAC201",)
    with pytest.raises(ValueError, match="unknown key 'operator'"):
        options_from_toml('operator = ["x"]\n', "FIAC101", case_dir)
    with pytest.raises(ValueError, match="operators must be a list of strings"):
        options_from_toml('operators = "x"\n', "FIAC101", case_dir)
    with pytest.raises(ValueError, match="as_of must be a date"):
        options_from_toml('as_of = "2027-01-01"\n', "FIAC101", case_dir)


# Rules that cannot occur in one language (FIAC302 is about the azurerm provider only), and rules about
# Kubernetes objects, where YAML manifests take Bicep's place: the registry's lists.
SINGLE_LANGUAGE = {rule_id: ".tf" for rule_id in TERRAFORM_ONLY}
IN_PLACE_OF_BICEP = {rule_id: "." + language for rule_id, language in BICEP_STAND_IN.items()}


def _has_language(rule_id: str, case_names: set[str], suffix: str) -> bool:
    paths = [case_path(rule_id, case) for case in case_names]
    return any(p.suffix == suffix for path in paths for p in (path.rglob("*") if path.is_dir() else [path]))


def test_every_rule_has_failing_and_passing_fixtures() -> None:
    by_rule: dict[str, set[str]] = {}
    for rule_id, case in CASES:
        by_rule.setdefault(rule_id, set()).add(case)
    for rule in all_rules():
        rule_id = rule.info.id
        assert rule_id in by_rule, f"{rule_id} has no fixture case"
        failing = {case for case in by_rule[rule_id]
                   if any(r == rule_id for r, _, _ in expectations_of(rule_id, case))}
        passing = by_rule[rule_id] - failing
        for suffix in (".tf", ".bicep"):
            if SINGLE_LANGUAGE.get(rule_id, suffix) != suffix:
                continue
            if suffix == ".bicep":
                suffix = IN_PLACE_OF_BICEP.get(rule_id, suffix)
            assert _has_language(rule_id, failing, suffix), f"{rule_id}: no failing {suffix} fixture"
            assert _has_language(rule_id, passing, suffix), f"{rule_id}: no passing {suffix} fixture"


def test_fixture_files_are_source_files() -> None:
    """Besides scanned files, only the runner's own: a rule's snapshot, a case's options and expect.txt."""
    for path in FIXTURES.rglob("*"):
        if not path.is_file():
            continue
        depth = len(path.relative_to(FIXTURES).parts)
        if (depth, path.name) in {(2, SNAPSHOT_FILE), (3, OPTIONS_FILE), (3, EXPECT_FILE)}:
            continue
        assert path.suffix in SOURCE_SUFFIXES or path.name.endswith((".yaml", ".yml")), path


def test_runner_files_are_not_scanned() -> None:
    from fleetiac.analyzer.discovery import discover

    _, files = discover([FIXTURES])
    assert files and not {PurePosixPath(f.display).name for f in files} & {SNAPSHOT_FILE, OPTIONS_FILE, EXPECT_FILE}


def test_markers_hold_no_directive_word() -> None:
    """A marker never says the tool's name: a suppression directive must not be mistaken for one, nor
    one for a directive."""
    for path in FIXTURES.rglob("*"):
        if path.is_file() and path.name not in (SNAPSHOT_FILE, OPTIONS_FILE):
            for line in path.read_bytes().decode("utf-8", errors="replace").splitlines():
                if "expect:" in line or "expect-next-line:" in line:
                    assert "fleetiac" not in line.lower().split("expect", 1)[1], (path, line)


FIX_EXAMPLES = sorted((rule.info.id, example.filename) for rule in all_rules() for example in rule.info.examples
                      if example.filename.startswith("fix."))


@pytest.mark.parametrize(("rule_id", "filename"), FIX_EXAMPLES, ids=[f"{r}/{f}" for r, f in FIX_EXAMPLES])
def test_every_fix_example_scans_clean_of_errors_and_warnings(rule_id: str, filename: str) -> None:
    """A documented fix that another rule reports at error or warning level teaches users to trade one
    failure for another (issue 17, item 5): every rule runs on it, not only its own."""
    path = EXAMPLES / rule_id / filename
    report = scan([path], ScanOptions(as_of=AS_OF, aks_versions=EXAMPLE_REGIONAL_DATA.get(rule_id, ())))
    loud = [f"{f.rule_id} {f.location.path}:{f.location.line} {f.message}" for f in report.findings
            if f.level.rank >= Level.WARNING.rank]
    assert loud == []
