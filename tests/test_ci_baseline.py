"""Baselines through the CLI: keyed without lines, only new findings reported, gone entries counted."""

from __future__ import annotations

import json
from pathlib import Path

from tests.ci_helpers import AS_OF, ONLY, member_tf, run, scan_json


def test_baseline_survives_lines_added_above_and_reports_only_new_findings(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(member_tf())
    baseline = tmp_path / "fleetiac-baseline.json"
    result = run("scan", str(tmp_path), *ONLY, "--fail-on", "warning", "--write-baseline", str(baseline), *AS_OF)
    assert result.exit_code == 0
    assert json.loads(baseline.read_text())["entries"] == [{
        "rule_id": "FIAC203", "path": "main.tf", "resource": "azurerm_kubernetes_fleet_member.west",
        "subject": ""}]
    # Lines added above move the finding; a second member is new.
    extra = member_tf(name="east").split("}\n\n", 1)[1]
    (tmp_path / "main.tf").write_text("# a comment\n\n" + member_tf() + "\n" + extra)
    code, doc = scan_json(str(tmp_path), "--fail-on", "warning", "--baseline", str(baseline))
    assert code == 1
    assert [(f["rule_id"], f["line"], f["resource"]) for f in doc["findings"]] == [
        ("FIAC203", 15, "azurerm_kubernetes_fleet_member.east")]
    assert doc["summary"]["baseline"] == {"path": str(baseline), "matched": 1, "gone": 0}


def test_gone_entries_are_counted_on_stderr(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(member_tf())
    baseline = tmp_path / "b.json"
    run("scan", str(tmp_path), *ONLY, "--write-baseline", str(baseline), *AS_OF)
    (tmp_path / "main.tf").write_text(member_tf().replace('"aks-west"', '"aks-west"\n  group = "prod"'))
    result = run("scan", str(tmp_path), *ONLY, "--fail-on", "warning", "--baseline", str(baseline), *AS_OF)
    assert result.exit_code == 0
    assert result.stderr == f"fleetiac: baseline {baseline}: 0 known findings left out, 1 baseline entries gone\n"
    assert result.stdout.splitlines()[-1] == "No findings in 1 file."


def test_missing_or_foreign_baseline_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(member_tf())
    result = run("scan", str(tmp_path), "--baseline", str(tmp_path / "none.json"))
    assert result.exit_code == 2 and "cannot read baseline" in result.output
    (tmp_path / "x.json").write_text('{"results": []}')
    result = run("scan", str(tmp_path), "--baseline", str(tmp_path / "x.json"))
    assert result.exit_code == 2 and "is not a fleetiac baseline" in result.output


def test_a_parse_error_is_never_baselined(tmp_path: Path) -> None:
    # A baselined FIAC901 would let a pull request keep a broken file (and all it hides) for good.
    (tmp_path / "main.tf").write_text(member_tf())
    (tmp_path / "broken.tf").write_text('locals {\n  x = = 1\n}\n')
    baseline = tmp_path / "b.json"
    result = run("scan", str(tmp_path), *ONLY, "--write-baseline", str(baseline), *AS_OF)
    assert result.exit_code == 0
    assert [e["rule_id"] for e in json.loads(baseline.read_text())["entries"]] == ["FIAC203"]
    # A hand-written entry for it does not hide it either: it is counted as gone.
    _, plain = scan_json(str(tmp_path))
    assert [f["rule_id"] for f in plain["findings"]].count("FIAC901") == 1
    document = json.loads(baseline.read_text())
    document["entries"].append({"rule_id": "FIAC901", "path": "broken.tf", "resource": "", "subject": ""})
    baseline.write_text(json.dumps(document))
    code, doc = scan_json(str(tmp_path), "--fail-on", "warning", "--baseline", str(baseline))
    assert code == 1
    assert [(f["rule_id"], f["path"]) for f in doc["findings"]] == [("FIAC901", "broken.tf")]
    assert doc["summary"]["baseline"] == {"path": str(baseline), "matched": 1, "gone": 1}


GRANTED = """
data "azurerm_client_config" "current" {}

resource "azurerm_role_assignment" "cluster_user" {
  scope                = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-aks"
  role_definition_name = "Azure Kubernetes Service Cluster Admin Role"
  principal_id         = "11111111-1111-1111-1111-111111111111"
}

resource "azurerm_role_assignment" "fleet_writer" {
  scope                = azurerm_kubernetes_fleet_manager.fleet.id
  role_definition_name = "Azure Kubernetes Fleet Manager Contributor Role"
  principal_id         = "11111111-1111-1111-1111-111111111111"
}
"""
READER = """
resource "azurerm_role_assignment" "reader" {
  scope                = "/subscriptions/00000000-0000-0000-0000-000000000000"
  role_definition_name = "Reader"
  principal_id         = "11111111-1111-1111-1111-111111111111"
}
"""


def test_findings_stay_baselined_when_incidental_message_text_changes(tmp_path: Path) -> None:
    # FIAC101's message lists the operator's roles: an unrelated Reader role changes that text, not
    # the problem, so the baselined finding must not come back as new.
    (tmp_path / "main.tf").write_text(member_tf(inside='group = "prod"') + GRANTED)
    baseline = tmp_path / "b.json"
    select = ["--select", "FIAC101"]
    result = run("scan", str(tmp_path), *select, "--write-baseline", str(baseline), *AS_OF)
    assert result.exit_code == 0
    before = run("scan", str(tmp_path), *select, "--format", "json", *AS_OF)
    (written,) = json.loads(before.stdout)["findings"]
    (tmp_path / "main.tf").write_text(member_tf(inside='group = "prod"') + GRANTED + READER)
    after = run("scan", str(tmp_path), *select, "--format", "json", *AS_OF)
    (changed,) = json.loads(after.stdout)["findings"]
    assert changed["message"] != written["message"]  # the text did change
    result = run("scan", str(tmp_path), *select, "--format", "json", "--baseline", str(baseline), *AS_OF)
    assert result.exit_code == 0
    assert json.loads(result.stdout)["findings"] == []


def test_format_1_baselines_keyed_by_message_are_still_read(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(member_tf())
    _, plain = scan_json(str(tmp_path))
    (finding,) = plain["findings"]
    baseline = tmp_path / "old.json"
    baseline.write_text(json.dumps({"version": 1, "tool": "fleetiac", "entries": [{
        "rule_id": "FIAC203", "path": "main.tf", "resource": "azurerm_kubernetes_fleet_member.west",
        "message": finding["message"]}]}))
    code, doc = scan_json(str(tmp_path), "--fail-on", "warning", "--baseline", str(baseline))
    assert (code, doc["findings"]) == (0, [])
    assert doc["summary"]["baseline"] == {"path": str(baseline), "matched": 1, "gone": 0}


def test_a_baseline_is_written_into_a_folder_that_does_not_exist_yet(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(member_tf())
    baseline = tmp_path / "ci" / "new" / "b.json"
    result = run("scan", str(tmp_path), *ONLY, "--write-baseline", str(baseline), *AS_OF)
    assert result.exit_code == 0 and baseline.is_file()
