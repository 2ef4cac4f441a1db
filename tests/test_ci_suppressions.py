"""Inline suppressions through the CLI: where a directive applies, what it reports, and FIAC903."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fleetiac.analyzer import suppressions
from fleetiac.analyzer.frontends.bicep.comments import BICEP
from fleetiac.analyzer.frontends.scanner import scan_source
from fleetiac.analyzer.frontends.terraform.comments import HCL
from fleetiac.analyzer.model import Finding, Level, Location
from tests.ci_helpers import AS_OF, ONLY, member_bicep, member_tf, run, scan_json

MEMBER_LINE = 8  # the member block's first line when a one-line directive is written above it


def test_directive_above_the_block_suppresses_with_reason_and_expiry(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        member_tf("# fleetiac:ignore FIAC203 until=2027-01-31 -- joins the canary group in OPS-12"))
    code, doc = scan_json(str(tmp_path), "--fail-on", "warning")
    assert code == 0
    assert doc["findings"] == []
    assert [(f["rule_id"], f["path"], f["line"], f["resource"]) for f in doc["suppressed"]] == [
        ("FIAC203", "main.tf", MEMBER_LINE, "azurerm_kubernetes_fleet_member.west")]
    assert doc["suppressed"][0]["suppressed"] == {
        "reason": "joins the canary group in OPS-12", "until": "2027-01-31",
        "location": {"path": "main.tf", "line": 7, "column": 1}}
    assert doc["summary"]["findings"] == 0 and doc["summary"]["suppressed"] == 1


def test_text_marks_suppressed_findings_and_does_not_count_them(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(member_tf("// fleetiac:ignore FIAC203 -- decommissioned next sprint"))
    result = run("scan", str(tmp_path), *ONLY, "--fail-on", "warning", *AS_OF)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"main.tf:{MEMBER_LINE}:1: SUPPRESSED FIAC203 member aks-west")
    assert lines[1] == "  reason: decommissioned next sprint [main.tf:7]"
    assert lines[-1] == "No findings in 1 file (1 suppressed)."


def test_directive_inside_the_block_covers_the_whole_block(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(member_tf(inside="# fleetiac:ignore FIAC203 -- being moved"))
    code, doc = scan_json(str(tmp_path), "--fail-on", "warning")
    assert code == 0
    assert [(f["rule_id"], f["line"]) for f in doc["suppressed"]] == [("FIAC203", 7)]


def test_directive_covers_only_the_next_block(tmp_path: Path) -> None:
    text = member_tf("# fleetiac:ignore FIAC203 -- being moved") + "\n" + member_tf(name="east").split("}\n\n", 1)[1]
    (tmp_path / "main.tf").write_text(text)
    code, doc = scan_json(str(tmp_path), "--fail-on", "warning")
    assert code == 1
    assert [(f["rule_id"], f["line"], f["resource"]) for f in doc["findings"]] == [
        ("FIAC203", 14, "azurerm_kubernetes_fleet_member.east")]
    assert [(f["rule_id"], f["line"]) for f in doc["suppressed"]] == [("FIAC203", MEMBER_LINE)]


def test_directive_for_another_rule_does_not_suppress(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(member_tf("# fleetiac:ignore FIAC201 -- not this one"))
    _, doc = scan_json(str(tmp_path))
    assert [(f["rule_id"], f["line"]) for f in doc["findings"]] == [("FIAC203", MEMBER_LINE)]
    assert doc["suppressed"] == []


def test_typo_never_suppresses_and_is_fiac903(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(member_tf("# fleetiac:ignore FIAC2O3 -- typo: letter O"))
    _, doc = scan_json(str(tmp_path))
    assert [(f["rule_id"], f["path"], f["line"], f["level"]) for f in doc["findings"]] == [
        ("FIAC903", "main.tf", 7, "warning"), ("FIAC203", "main.tf", MEMBER_LINE, "warning")]
    assert "unknown rule 'FIAC2O3'" in doc["findings"][0]["message"]


def test_missing_reason_and_expired_date_are_fiac903(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(member_tf("# fleetiac:ignore FIAC203 until=2026-11-22"))
    _, doc = scan_json(str(tmp_path))
    assert [(f["rule_id"], f["line"], f["message"]) for f in doc["findings"]] == [
        ("FIAC903", 7, "suppression expired on 2026-11-22 (as of 2026-11-23)"),
        ("FIAC903", 7, "suppression has no reason; write `-- reason` after the rule IDs"),
        ("FIAC203", MEMBER_LINE, doc["findings"][2]["message"]),
    ]
    assert doc["suppressed"] == []


BROKEN_TF = 'resource "azurerm_kubernetes_fleet_member" "west" {\n  name = = "aks-west"\n}\n'
BROKEN_BICEP = "resource west 'Microsoft.ContainerService/fleets/members@2025-03-01' = {\n  name: = 'x'\n}\n"


@pytest.mark.parametrize(("name", "text"), [("main.tf", "# fleetiac:ignore FIAC901 -- x\n" + BROKEN_TF),
                                            ("main.bicep", "// fleetiac:ignore FIAC901 -- x\n" + BROKEN_BICEP)])
def test_fiac901_cannot_be_suppressed_inline(tmp_path: Path, name: str, text: str) -> None:
    # A directive above unparseable code hid the parse error and everything the file would have given.
    (tmp_path / name).write_text(text)
    code, doc = scan_json(str(tmp_path), "--fail-on", "warning")
    assert code == 1
    assert [(f["rule_id"], f["line"]) for f in doc["findings"]] == [("FIAC903", 1), ("FIAC901", 3)]
    assert doc["findings"][0]["message"].startswith("FIAC901 cannot be suppressed inline; ")
    assert doc["suppressed"] == []


def test_a_directive_naming_fiac901_suppresses_nothing_else_either(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(member_tf("# fleetiac:ignore FIAC203, FIAC901 -- staged later"))
    _, doc = scan_json(str(tmp_path))
    assert [(f["rule_id"], f["line"]) for f in doc["findings"]] == [("FIAC903", 7), ("FIAC203", MEMBER_LINE)]
    assert doc["suppressed"] == []


def test_no_directive_object_can_hide_a_fiac901() -> None:
    # Even a directive built by hand (not parsed) that names FIAC901 leaves the parse error active.
    where = Location("main.tf", 1, 1)
    forged = suppressions.Directive(where, ("FIAC901",), "x", None, 1, 9)
    finding = Finding("FIAC901", Level.WARNING, "cannot parse", Location("main.tf", 2, 1))
    assert suppressions.apply([finding], [forged]) == ([finding], [])


def test_no_inline_suppressions_ignores_every_directive(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(member_tf("# fleetiac:ignore FIAC2O3 -- typo"))
    (tmp_path / "b.tf").write_text("# fleetiac:ignore FIAC203 -- would suppress nothing here anyway\n")
    _, doc = scan_json(str(tmp_path), "--no-inline-suppressions")
    assert [(f["rule_id"], f["path"], f["line"]) for f in doc["findings"]] == [("FIAC203", "main.tf", MEMBER_LINE)]
    assert doc["suppressed"] == []


def test_bicep_directive_above_the_declaration(tmp_path: Path) -> None:
    (tmp_path / "main.bicep").write_text(member_bicep("// fleetiac:ignore FIAC201, FIAC203 -- staged later"))
    code, doc = scan_json(str(tmp_path), "--fail-on", "warning")
    assert code == 0
    assert [(f["rule_id"], f["path"], f["line"], f["resource"]) for f in doc["suppressed"]] == [
        ("FIAC203", "main.bicep", 7, "west")]


def test_sarif_leaves_suppressed_out_unless_asked(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(member_tf("# fleetiac:ignore FIAC203 -- staged later"))
    out = tmp_path / "r.sarif"
    run("scan", str(tmp_path), *ONLY, "--format", f"sarif:{out}", *AS_OF)
    assert json.loads(out.read_text())["runs"][0]["results"] == []
    run("scan", str(tmp_path), *ONLY, "--format", f"sarif:{out}", "--sarif-include-suppressed", *AS_OF)
    results = json.loads(out.read_text())["runs"][0]["results"]
    assert [(r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in results] == [
        ("FIAC203", MEMBER_LINE)]
    (suppression,) = results[0]["suppressions"]
    assert suppression["kind"] == "inSource" and suppression["status"] == "accepted"
    assert suppression["justification"] == "staged later"
    assert suppression["location"]["physicalLocation"]["region"]["startLine"] == 7


def test_scanner_tells_strings_heredocs_and_templates_from_comments() -> None:
    text = (
        'locals {\n'                                        # 1
        '  a = "${jsonencode({ x = "}#" })} # no"\n'        # 2
        '  b = <<-EOT\n'                                     # 3
        '    { # fleetiac:ignore in heredoc\n'               # 4
        '  EOT\n'                                            # 5
        '  c = "$${literal} // no" # real\n'                 # 6
        '}\n'                                                # 7
        '/* block */ resource "x" "y" {\n'                   # 8
        '}\n'                                                # 9
    )
    structure = scan_source(text, HCL)
    assert [(c.line, c.text, c.own_line) for c in structure.comments] == [(6, "real", False), (8, "block", True)]
    assert structure.spans[1] == 7 and structure.spans[8] == 9
    bicep = "var s = 'it''s ${'}'} // no' // yes\nvar m = '''\n// no\n'''\n"
    assert [(c.line, c.text) for c in scan_source(bicep, BICEP).comments] == [(1, "yes")]
