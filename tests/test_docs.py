"""Rule docs are part of the product: every rule has them, and their examples are run."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from analyzer.engine import ScanOptions, scan
from analyzer.rules import DOC_SECTIONS, all_rules
from tests.doc_examples import BICEP_STAND_IN, DocExample, doc_examples

RULES = all_rules()
EXAMPLES = [example for rule in RULES for example in doc_examples(rule.info.id, rule.info.doc)]


def test_every_rule_has_every_doc_section() -> None:
    for rule in RULES:
        for section in DOC_SECTIONS:
            assert section in rule.info.doc, f"{rule.info.id} lacks {section}"


def test_every_rule_has_failing_and_fixed_terraform_examples() -> None:
    for rule in RULES:
        sections = {(e.section, e.language) for e in doc_examples(rule.info.id, rule.info.doc)}
        assert ("Example", "terraform") in sections, f"{rule.info.id}: no failing Terraform example"
        assert ("Fix", "terraform") in sections, f"{rule.info.id}: no fixed Terraform example"
        bicep = BICEP_STAND_IN.get(rule.info.id, "bicep")
        assert ("Fix", bicep) in sections, f"{rule.info.id}: no fixed {bicep} example"


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.test_id for e in EXAMPLES])
def test_doc_example(example: DocExample, tmp_path: Path) -> None:
    (tmp_path / example.filename).write_text(example.code, encoding="utf-8")
    # FIAC902 reports what the other rules could not decide, so its examples run every rule.
    reports_skips = example.rule_id == "FIAC902"
    options = ScanOptions(select=() if reports_skips else (example.rule_id,), as_of=date(2026, 11, 23),
                          show_unknown=reports_skips)
    report = scan([tmp_path], options)
    fired = [(f.rule_id, f.location.path) for f in report.findings if f.rule_id == example.rule_id]
    if example.section == "Example":
        assert fired, f"{example.test_id}: the failing example does not fire {example.rule_id}"
        assert {path for _, path in fired} == {example.filename}
    else:
        assert not fired, f"{example.test_id}: the fixed example fires {example.rule_id}: {report.findings}"
