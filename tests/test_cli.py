"""The command line, end to end: what a user runs, what they see, and the exit codes."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from fleetiac.analyzer import __version__
from fleetiac.analyzer.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "platform"
AS_OF = ["--as-of", "2026-11-23"]
MAIN = "examples/platform/fleet/main.tf"

# Every finding the bundled example must give, and nothing else: (rule, file, line, resource).
EXPECTED = {
    ("FIAC101", MAIN, 40, 'azurerm_kubernetes_fleet_member.this["aks-neu-1"]'),
    ("FIAC101", MAIN, 40, 'azurerm_kubernetes_fleet_member.this["aks-weu-1"]'),
    ("FIAC101", MAIN, 40, 'azurerm_kubernetes_fleet_member.this["aks-weu-2"]'),
    # Cluster Admin lacks managedClusters/write too, and nothing grants fleetMemberships/*.
    ("FIAC102", MAIN, 40, 'azurerm_kubernetes_fleet_member.this["aks-neu-1"]'),
    ("FIAC102", MAIN, 40, 'azurerm_kubernetes_fleet_member.this["aks-weu-1"]'),
    ("FIAC102", MAIN, 40, 'azurerm_kubernetes_fleet_member.this["aks-weu-2"]'),
    ("FIAC202", MAIN, 41, 'azurerm_kubernetes_fleet_member.this["aks-weu-2"]'),
    # Group names must also be lower case: the same typo breaks the API's name rule.
    ("FIAC504", MAIN, 41, 'azurerm_kubernetes_fleet_member.this["aks-weu-2"]'),
    ("FIAC504", MAIN, 41, 'azurerm_kubernetes_fleet_member.this["aks-weu-2"]'),  # "Production": uppercase
    ("FIAC302", MAIN, 31, "azurerm_kubernetes_fleet_manager.fleet"),
}


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_example_gives_exactly_the_expected_findings_in_json() -> None:
    code, output = run("scan", str(EXAMPLE), "--format", "json", *AS_OF)
    assert code == 1
    document = json.loads(output)
    found = {(f["rule_id"], f["path"], f["line"], f["resource"]) for f in document["findings"]}
    assert found == EXPECTED


def test_example_text_report_names_file_line_and_rule() -> None:
    code, output = run("scan", str(EXAMPLE), *AS_OF)
    assert code == 1
    assert f"{MAIN}:41:" in output and "FIAC202" in output
    assert f"{MAIN}:31:" in output and "FIAC302" in output


def test_example_sarif_results_point_at_the_same_places(tmp_path: Path) -> None:
    out = tmp_path / "results.sarif"
    code, _ = run("scan", str(EXAMPLE), "--format", "sarif", "-o", str(out), *AS_OF)
    assert code == 1
    sarif = json.loads(out.read_text(encoding="utf-8"))
    results = sarif["runs"][0]["results"]
    found = {(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
              r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in results}
    assert found == {(rule, path, line) for rule, path, line, _ in EXPECTED}


def test_fail_on_never_and_warning() -> None:
    assert run("scan", str(EXAMPLE), "--fail-on", "never", *AS_OF)[0] == 0
    assert run("scan", str(EXAMPLE), "--select", "FIAC203", *AS_OF)[0] == 0


def test_select_and_ignore_by_prefix() -> None:
    code, output = run("scan", str(EXAMPLE), "--format", "json", "--select", "FIAC1,FIAC3",
                       "--ignore", "FIAC302", *AS_OF)
    assert code == 1
    assert {f["rule_id"] for f in json.loads(output)["findings"]} == {"FIAC101", "FIAC102"}


def test_parse_error_is_a_warning_that_does_not_fail_the_default_gate(tmp_path: Path) -> None:
    (tmp_path / "broken.tf").write_text('resource "x" "y" {\n  a = \n}\n', encoding="utf-8")
    code, output = run("scan", str(tmp_path), "--format", "json")
    assert code == 0
    findings = json.loads(output)["findings"]
    assert [(f["rule_id"], f["path"], f["line"], f["level"]) for f in findings] == [
        ("FIAC901", "broken.tf", 2, "warning")]
    assert run("scan", str(tmp_path), "--fail-on", "warning")[0] == 1


def test_missing_path_is_a_usage_error() -> None:
    code, output = run("scan", "/no/such/folder")
    assert code == 2
    assert "does not exist" in output
    assert "Traceback" not in output


def test_bad_as_of_is_a_usage_error() -> None:
    code, output = run("scan", str(EXAMPLE), "--as-of", "tomorrow")
    assert code == 2
    assert "YYYY-MM-DD" in output


def test_rules_lists_the_catalog() -> None:
    code, output = run("rules")
    assert code == 0
    lines = output.splitlines()
    assert any(line.startswith("FIAC101  error    member-missing-list-credential-grant") for line in lines)
    assert any(line.startswith("FIAC203  warning  member-without-group") for line in lines)


def test_explain_prints_the_doc_and_rejects_unknown_ids() -> None:
    code, output = run("explain", "fiac202")
    assert code == 0
    assert output.startswith("# FIAC202 group-name-case-mismatch (error)")
    assert "## Why it matters" in output and "```bicep" in output
    code, output = run("explain", "FIAC999")
    assert code == 2 and "unknown rule" in output


def test_version_names_the_dates_of_the_data() -> None:
    code, output = run("--version")
    assert code == 0
    assert output.splitlines() == [f"fleetiac {__version__}", "data: AKS release calendar 2026-08-05; built-in roles "
                                   "2026-08; Fleet API lifecycle 2026-08"]


def test_rules_as_json_filtered_by_level_and_tag() -> None:
    code, output = run("rules", "--format", "json", "--level", "note", "--tag", "access")
    assert code == 0
    assert json.loads(output) == [{
        "id": "FIAC104", "name": "join-grant-at-resource-scope", "level": "note",
        "summary": "An operator's join permissions on member clusters are granted cluster by cluster, not on their "
                   "resource group.", "tags": ["access", "membership"]}]
    code, output = run("rules", "--tag", "no-such-tag")
    assert (code, output) == (0, "")


def test_fail_on_is_case_insensitive(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "azurerm_kubernetes_fleet_manager" "f" {\n  name = "Bad_Name"\n'
                                      '  location = "westeurope"\n  resource_group_name = "rg"\n}\n')
    assert run("scan", str(tmp_path), "--fail-on", "NEVER")[0] == 0
    assert run("scan", str(tmp_path), "--fail-on", "Error")[0] == 1
    (tmp_path / ".fleetiac.toml").write_text('fail-on = "Never"\n')
    assert run("scan", str(tmp_path))[0] == 0


OPERATOR_BICEP = """param deployerId string
var ROLE = '0ab0b1a8-8aac-4efd-b8c2-3ee1fb270be8'

resource fleet 'Microsoft.ContainerService/fleets@2025-03-01' = {
  name: 'fleet'
  location: 'westeurope'
}

resource aks 'Microsoft.ContainerService/managedClusters@2025-05-01' = {
  name: 'aks-west'
  location: 'westeurope'
}

resource member 'Microsoft.ContainerService/fleets/members@2025-03-01' = {
  parent: fleet
  name: 'aks-west'
  properties: {
    clusterResourceId: aks.id
    group: 'prod'
  }
}

resource admin 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: aks
  name: guid(aks.id, deployerId)
  properties: {
    principalId: deployerId
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', ROLE)
  }
}
"""


def test_operator_option_names_a_bicep_param(tmp_path: Path) -> None:
    (tmp_path / "main.bicep").write_text(OPERATOR_BICEP, encoding="utf-8")
    args = ("scan", str(tmp_path), "--format", "json", "--select", "FIAC101")
    # Cluster Admin on the cluster alone does not make the deployer an operator of the fleet...
    assert json.loads(run(*args)[1])["findings"] == []
    # ...but naming its param as an operator does, and it lacks the user credential.
    code, output = run(*args, "--operator", "deployerId")
    found = [(f["rule_id"], f["path"], f["line"]) for f in json.loads(output)["findings"]]
    assert (code, found) == (1, [("FIAC101", "main.bicep", 18)])


def test_operator_named_by_param_keeps_its_grants(tmp_path: Path) -> None:
    user_role = OPERATOR_BICEP.replace("0ab0b1a8-8aac-4efd-b8c2-3ee1fb270be8", "4abbcc35-e782-43d8-92c5-2d3f1bd2253f")
    (tmp_path / "main.bicep").write_text(user_role, encoding="utf-8")
    code, output = run("scan", str(tmp_path), "--format", "json", "--select", "FIAC101", "--operator", "deployerId")
    # The Cluster User Role it holds is found: the operator given by name is the grants' principal.
    assert (code, json.loads(output)["findings"]) == (0, [])


def test_modules_that_are_not_fetched_are_named_in_a_notice(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'module "aks" {\n  source  = "Azure/aks/azurerm"\n  version = "9.0.0"\n}\n', encoding="utf-8")
    for _ in ("cold", "warm"):  # a remembered evaluation must say it as well
        code, output = run("scan", str(tmp_path), "--format", "json")
        notices = json.loads(output)["notices"]
        assert code == 0 and len(notices) == 1
        assert notices[0].startswith('module.aks (main.tf:1, source "Azure/aks/azurerm") was not analysed')
    assert "note: module.aks (main.tf:1" in run("scan", str(tmp_path))[1]


def test_rule_pages_survive_python_OO() -> None:
    # -OO drops docstrings, and a rule's docstring is its page: it is read from the source instead.
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    result = subprocess.run([sys.executable, "-OO", "-m", "fleetiac", "explain", "FIAC201"], cwd=root,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("# FIAC201 member-group-not-in-strategy (error)\n")
    assert "## What it finds" in result.stdout and "## Fix" in result.stdout


def test_the_command_ends_without_teardown_but_with_its_whole_output_and_exit_code(tmp_path: Path) -> None:
    # `fleetiac` (cli.run) ends with os._exit once main() returns: the report on standard output and
    # in a --format FILE must still be whole, and the exit code main()'s.
    import subprocess
    import sys

    sarif = tmp_path / "out.sarif"
    command = [sys.executable, "-m", "fleetiac", "scan", str(EXAMPLE), "--no-cache", "-f", "json",
               "-f", f"sarif:{sarif}", *AS_OF]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    in_process = tmp_path / "main.sarif"
    code, output = run("scan", str(EXAMPLE), "--no-cache", "-f", "json", "-f", f"sarif:{in_process}", *AS_OF)
    assert code == 1
    assert (done.returncode, done.stdout) == (code, output)
    assert sarif.read_text(encoding="utf-8") == in_process.read_text(encoding="utf-8")
    missing = subprocess.run([sys.executable, "-m", "fleetiac", "scan", str(tmp_path / "absent")], cwd=ROOT,
                             capture_output=True, text=True, timeout=300, check=False)
    assert missing.returncode == 2 and "absent" in missing.stderr and not missing.stdout


def test_a_closed_output_pipe_ends_with_exit_code_1_as_before() -> None:
    # A reader that goes away (`fleetiac scan | head -0`): click answers the broken pipe with exit 1 and
    # quiets the later flushes, and run() keeps that code (the same as main() alone, checked before
    # run() existed); a scan whose report was not delivered never ends as a success.
    import subprocess
    import sys

    reader = subprocess.Popen([sys.executable, "-m", "fleetiac", "scan", str(EXAMPLE), "--no-cache", "-f", "json",
                               "--fail-on", "never", *AS_OF], cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)
    assert reader.stdout is not None and reader.stderr is not None
    reader.stdout.close()  # nobody reads the report
    error = reader.stderr.read().decode()
    assert reader.wait(timeout=300) == 1, error
