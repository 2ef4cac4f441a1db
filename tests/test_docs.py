"""Rule docs are part of the product: every rule has them, and their examples are run.

A rule's examples are the files of ``policies/examples/<RULE_ID>/``; each failing example marks the
lines its findings are reported on (``# expect: FIAC201``, see :mod:`analyzer.markers`). The fixture
runner (``tests/test_fixtures.py``) scans every example as a case of its rule and compares its findings
with the markers; these tests check what the rule pages show.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

import fleetiac.analyzer.rules
from fleetiac.analyzer.cli import main
from fleetiac.analyzer.engine import ScanOptions, scan
from fleetiac.analyzer.markers import strip_markers
from fleetiac.analyzer.model import EXAMPLES_PLACEHOLDER, RuleExample
from fleetiac.analyzer.rules import (
    _REGISTRY,
    BICEP_STAND_IN,
    DOC_SECTIONS,
    TERRAFORM_ONLY,
    RegistryError,
    RuleContext,
    all_rules,
    rule,
)

RULES = all_rules()
EXAMPLES = [(r.info.id, e) for r in RULES for e in r.info.examples]
AS_OF = date(2026, 11, 23)


def test_every_rule_has_every_doc_section() -> None:
    for r in RULES:
        for section in DOC_SECTIONS:
            assert section in r.info.doc, f"{r.info.id} lacks {section}"


def test_every_rule_has_failing_and_fixed_examples() -> None:
    for r in RULES:
        present = {(e.section, e.language) for e in r.info.examples}
        bicep = BICEP_STAND_IN.get(r.info.id, "bicep")
        assert ("Example", "terraform") in present, f"{r.info.id}: no failing Terraform example"
        assert ("Fix", "terraform") in present, f"{r.info.id}: no fixed Terraform example"
        assert ("Fix", bicep) in present, f"{r.info.id}: no fixed {bicep} example"
        if r.info.id not in TERRAFORM_ONLY:
            assert ("Example", bicep) in present, f"{r.info.id}: no failing {bicep} example"


FAILING = [(i, e) for i, e in EXAMPLES if e.section == "Example"]


@pytest.mark.parametrize(("rule_id", "example"), FAILING, ids=[f"{i}/{e.filename}" for i, e in FAILING])
def test_markers_do_not_change_what_is_found(rule_id: str, example: RuleExample, tmp_path: Path) -> None:
    """Every rule finds the same in the shown code as in the marked file (lines mapped back)."""
    shown_line: dict[int, int] = {}
    for number, line in enumerate(example.source.splitlines(), start=1):
        if strip_markers(line + "\n", example.filename):
            shown_line[number] = len(shown_line) + 1
    results = []
    for code, folder, lines in ((example.source, tmp_path / "marked", shown_line),
                                (example.code, tmp_path / "shown", None)):
        folder.mkdir()
        (folder / example.filename).write_text(code, encoding="utf-8")
        report = scan([folder], ScanOptions(as_of=AS_OF, show_unknown=True))
        results.append(sorted((f.rule_id, lines[f.location.line] if lines else f.location.line, f.message)
                              for f in report.findings))
    assert results[0] == results[1]


def test_explain_shows_every_example_without_markers() -> None:
    runner = CliRunner()
    for r in RULES:
        result = runner.invoke(main, ["explain", r.info.id])
        assert result.exit_code == 0, result.output
        assert "expect:" not in result.output and "expect-next-line" not in result.output
        assert EXAMPLES_PLACEHOLDER not in result.output
        # Each example is shown in its own section: the failing ones under ## Example, the fixed under ## Fix.
        failing, _, fixed = result.output.partition("\n## Example\n")[2].partition("\n## Fix\n")
        fixed = fixed.partition("\n## ")[0]
        for example in r.info.examples:
            fence = f"```{example.language}\n{example.code}```"
            assert fence in (failing if example.section == "Example" else fixed), f"{r.info.id}/{example.filename}"


def test_rule_info_with_examples_pickles() -> None:
    info = RULES[0].info
    assert pickle.loads(pickle.dumps(info)) == info


def _doc(example: str = "") -> str:
    sections = [f"{section}\n\nText.{example if section == '## Example' else ''}" for section in DOC_SECTIONS]
    return "\n\n".join(sections)


@pytest.fixture
def fake_rule_id() -> Iterator[str]:
    """A rule ID no policy uses, unregistered again afterwards whatever the test did."""
    try:
        yield "FIAC998"
    finally:
        _REGISTRY.pop("FIAC998", None)


def _register(rule_id: str, doc: str) -> None:
    def check(ctx: RuleContext) -> None:
        del ctx

    check.__doc__ = doc
    rule(rule_id, "fake", "note", "A rule for the test.")(check)


def test_registry_refuses_a_rule_without_an_examples_folder(fake_rule_id: str) -> None:
    with pytest.raises(RegistryError, match="no examples folder policies/examples/FIAC998"):
        _register(fake_rule_id, _doc())
    assert fake_rule_id not in {r.info.id for r in all_rules()}


def _kinds_of(examples: Iterable[RuleExample]) -> list[tuple[str, str]]:
    return [(e.section, e.language) for e in examples]


def test_registry_refuses_a_rule_without_a_fixed_bicep_example(fake_rule_id: str,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    partial = tuple(e for e in _REGISTRY["FIAC101"].info.examples if e.filename != "fix.bicep")
    # The file names are checked when the rule registers (no file is read then).
    monkeypatch.setattr(fleetiac.analyzer.rules, "example_kinds", lambda rule_id: _kinds_of(partial))
    with pytest.raises(RegistryError, match="lacks a fixed bicep example"):
        _register(fake_rule_id, _doc())
    assert fake_rule_id not in _REGISTRY


def test_registry_refuses_example_code_left_in_the_doc(fake_rule_id: str, monkeypatch: pytest.MonkeyPatch) -> None:
    examples = _REGISTRY["FIAC101"].info.examples
    monkeypatch.setattr(fleetiac.analyzer.rules, "example_kinds", lambda rule_id: _kinds_of(examples))
    monkeypatch.setattr(fleetiac.analyzer.rules, "load_examples", lambda rule_id: tuple(examples))
    with pytest.raises(RegistryError, match="belongs in policies/examples/FIAC998/"):
        _register(fake_rule_id, _doc("\n\n```terraform\nlocals {}\n```"))


def test_examples_are_read_on_first_use_and_checked_then(fake_rule_id: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Registering a rule reads no example file; its examples are read (and checked: a fixed Bicep
    one missing from the files read is still refused) when first used, and once."""
    examples = tuple(_REGISTRY["FIAC101"].info.examples)
    reads: list[str] = []

    def partial_examples(rule_id: str) -> tuple[RuleExample, ...]:
        reads.append(rule_id)
        return tuple(e for e in examples if e.filename != "fix.bicep")

    monkeypatch.setattr(fleetiac.analyzer.rules, "example_kinds", lambda rule_id: _kinds_of(examples))
    monkeypatch.setattr(fleetiac.analyzer.rules, "load_examples", partial_examples)
    _register(fake_rule_id, _doc())
    assert reads == []
    with pytest.raises(RegistryError, match="lacks a fixed bicep example"):
        len(_REGISTRY[fake_rule_id].info.examples)
    monkeypatch.setattr(fleetiac.analyzer.rules, "load_examples", lambda rule_id: (reads.append(rule_id), examples)[1])
    info = _REGISTRY[fake_rule_id].info
    assert tuple(info.examples) == examples and info.examples == examples and len(info.examples) == len(examples)
    assert reads == [fake_rule_id, fake_rule_id]  # read once when it worked, not again


def test_a_scan_reads_no_example_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The rules' examples are for their pages (``fleetiac explain``, SARIF's rule help): a scan in
    another format never reads them; ``explain`` and SARIF show them as before."""
    import fleetiac.analyzer.docexamples
    from fleetiac.analyzer.model import LazyExamples

    for r in RULES:
        assert isinstance(r.info.examples, LazyExamples)
        monkeypatch.setattr(r.info.examples, "_items", None)  # as a fresh process has them
    read: list[str] = []
    real = fleetiac.analyzer.docexamples.load_examples
    monkeypatch.setattr(fleetiac.analyzer.rules, "load_examples", lambda rule_id: (read.append(rule_id),
                                                                                  real(rule_id))[1])
    (tmp_path / "main.tf").write_text('resource "azurerm_kubernetes_fleet_manager" "f" {\n  name = "x"\n}\n')
    runner = CliRunner()
    for fmt in ("json", "text", "junit", "markdown", "github"):
        result = runner.invoke(main, ["scan", str(tmp_path), "--format", fmt, "--no-cache", "--fail-on", "never"])
        assert result.exit_code == 0, result.output
    assert read == []
    explained = runner.invoke(main, ["explain", "FIAC101"])
    assert explained.exit_code == 0 and "```terraform" in explained.output
    assert read == ["FIAC101"]
    sarif = runner.invoke(main, ["scan", str(tmp_path), "--format", "sarif", "--no-cache", "--fail-on", "never"])
    assert sarif.exit_code == 0 and sarif.output.count("```terraform") >= len(RULES)  # every rule's help
    assert sorted(read) == sorted({"FIAC101", *(r.info.id for r in RULES)})  # each read once
