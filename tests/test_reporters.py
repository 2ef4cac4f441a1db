"""The reporters, on hand-built reports: exact text lines, JSON fields and SARIF fields.

Reports are built here rather than by scanning, so these tests pin the output formats themselves and
do not move when a rule's wording or a parser changes.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from fleetiac.analyzer.model import Diagnostic, Finding, Level, Location, Report, RuleInfo
from fleetiac.analyzer.reporters import FORMATS, render
from fleetiac.analyzer.reporters.sarif import encode_path, relative_uri, root_uri

SCHEMA_PATH = Path(__file__).resolve().parents[1].parent / "shared" / "schemas" / "sarif-schema-2.1.0.json"

# Every character class the URI encoder must handle: a space, '#', '%' and non-ASCII.
ODD_PATH = "infra/my env/100%#1/flëet.tf"
ODD_URI = "infra/my%20env/100%25%231/fl%C3%ABet.tf"

RULES: dict[str, RuleInfo] = {
    info.id: info
    for info in (
        RuleInfo("FIAC101", "member-missing-list-credential-grant", Level.ERROR,
                 "An operator lacks listClusterUserCredential.",
                 "## What it finds\n\nAn operator that\nlacks the grant.\n\n## Why it matters\n\nThe join fails.\n",
                 ("access", "security")),
        RuleInfo("FIAC102", "access-warning", Level.WARNING, "An access warning.", "## What it finds\n\nW.\n",
                 ("access",)),
        RuleInfo("FIAC201", "member-group-not-in-strategy", Level.ERROR,
                 "A member's group is in no stage.", "## What it finds\n\nA member.\n", ("orchestration",)),
        RuleInfo("FIAC301", "azurerm-hub-profile-ignored", Level.WARNING,
                 "The hub_profile block is ignored.", "## What it finds\n\nA hub.\n", ("hub",)),
        RuleInfo("FIAC902", "unknown-value", Level.NOTE, "A decision was skipped.", "## What it finds\n\nU.\n"),
    )
}

FINDINGS: list[Finding] = sorted(
    [
        Finding("FIAC101", Level.ERROR, "operator lacks the grant", Location("infra/main.tf", 12, 5, 12, 40),
                resource="azurerm_kubernetes_fleet_member.a", hint="assign Cluster User Role",
                related=("azurerm_kubernetes_cluster.a", "azurerm_role_assignment.x")),
        Finding("FIAC201", Level.ERROR, "group canary is in no stage", Location("infra/main.tf", 20, 3),
                resource="azurerm_kubernetes_fleet_member.b"),
        Finding("FIAC301", Level.WARNING, "hub_profile is ignored", Location(ODD_PATH, 3, 1, 5, 2),
                resource="azurerm_kubernetes_fleet_manager.f", hint="use azapi"),
        # An end before the start must not reach SARIF (the schema allows it, consumers choke on it).
        Finding("FIAC902", Level.NOTE, "scope is unknown", Location("modules/a.tf", 7, 9, 6, 1)),
    ],
    key=Finding.sort_key,
)


def make_report(findings: list[Finding] | None = None, *, files: int = 5,
                rules: dict[str, RuleInfo] | None = None) -> Report:
    return Report(findings=FINDINGS if findings is None else findings, rules=RULES if rules is None else rules,
                  root="/home/ci/my repo", files_scanned=files, tool_version="0.1.0", as_of="2026-11-23")


EMPTY = make_report([], files=1)


# ---------------------------------------------------------------------------------------------- text


def test_text_groups_by_file_with_hint_rule_and_summary() -> None:
    assert render(make_report(), "text").splitlines() == [
        "infra/main.tf:12:5: ERROR FIAC101 operator lacks the grant",
        "  help: assign Cluster User Role",
        "  rule: member-missing-list-credential-grant (fleetiac explain FIAC101)",
        "",
        "infra/main.tf:20:3: ERROR FIAC201 group canary is in no stage",
        "  rule: member-group-not-in-strategy (fleetiac explain FIAC201)",
        "",
        f"{ODD_PATH}:3:1: WARNING FIAC301 hub_profile is ignored",
        "  help: use azapi",
        "  rule: azurerm-hub-profile-ignored (fleetiac explain FIAC301)",
        "",
        "modules/a.tf:7:9: NOTE FIAC902 scope is unknown",
        "  rule: unknown-value (fleetiac explain FIAC902)",
        "",
        "Rule     Level    Count  Name",
        "FIAC101  error        1  member-missing-list-credential-grant",
        "FIAC201  error        1  member-group-not-in-strategy",
        "FIAC301  warning      1  azurerm-hub-profile-ignored",
        "FIAC902  note         1  unknown-value",
        "",
        "4 findings (2 errors, 1 warning, 1 note) in 5 files.",
    ]


def test_text_empty_report_and_singular_words() -> None:
    assert render(EMPTY, "text") == "No findings in 1 file.\n"
    one = make_report([FINDINGS[0]], files=1)
    assert render(one, "text").splitlines()[-1] == "1 finding (1 error, 0 warnings, 0 notes) in 1 file."


def test_text_color_only_when_asked() -> None:
    plain = render(make_report(), "text")
    colored = render(make_report(), "text", color=True)
    assert "\x1b[" not in plain
    assert "\x1b[1;31mERROR\x1b[0m" in colored
    assert "\x1b[1;33mWARNING\x1b[0m" in colored
    # Stripping the escapes gives back the plain report: color never changes the words.
    assert re.sub(r"\x1b\[[0-9;]*m", "", colored) == plain


def test_text_names_a_rule_missing_from_the_catalog_by_id() -> None:
    report = make_report([FINDINGS[0]], rules={})
    assert "  rule: FIAC101 (fleetiac explain FIAC101)" in render(report, "text").splitlines()


# ---------------------------------------------------------------------------------------------- json


def test_json_document() -> None:
    doc = json.loads(render(make_report(), "json"))
    assert doc["version"] == 1
    assert doc["tool"] == {"name": "fleetiac", "version": "0.1.0"}
    assert doc["as_of"] == "2026-11-23"
    assert doc["root"] == "/home/ci/my repo"
    assert doc["summary"] == {"files": 5, "findings": 4, "by_level": {"error": 2, "warning": 1, "note": 1},
                              "suppressed": 0, "baseline": None}
    assert doc["findings"][0] == {
        "rule_id": "FIAC101",
        "rule_name": "member-missing-list-credential-grant",
        "level": "error",
        "message": "operator lacks the grant",
        "hint": "assign Cluster User Role",
        "path": "infra/main.tf",
        "line": 12,
        "column": 5,
        "end_line": 12,
        "end_column": 40,
        "resource": "azurerm_kubernetes_fleet_member.a",
        "related": ["azurerm_kubernetes_cluster.a", "azurerm_role_assignment.x"],
        "fingerprint": FINDINGS[0].fingerprint,
        "suppressed": None,
    }
    second = doc["findings"][1]
    assert (second["hint"], second["end_line"], second["end_column"], second["related"]) == ("", None, None, [])
    assert doc["findings"][2]["path"] == ODD_PATH
    # Only the rules that fired are described, sorted by ID (FIAC102 ran but found nothing).
    assert [rule["id"] for rule in doc["rules"]] == ["FIAC101", "FIAC201", "FIAC301", "FIAC902"]
    assert doc["rules"][0] == {
        "id": "FIAC101",
        "name": "member-missing-list-credential-grant",
        "level": "error",
        "summary": "An operator lacks listClusterUserCredential.",
        "tags": ["access", "security"],
    }


def test_json_is_sorted_indented_and_ascii() -> None:
    text = render(make_report(), "json")
    assert text.startswith('{\n  "as_of": "2026-11-23",\n  "findings": [\n')
    assert text.endswith("}\n")
    assert text.isascii()
    assert "fl\\u00ebet.tf" in text


def test_json_empty_report() -> None:
    doc = json.loads(render(EMPTY, "json"))
    assert doc["findings"] == []
    assert doc["rules"] == []
    assert doc["summary"] == {"files": 1, "findings": 0, "by_level": {"error": 0, "warning": 0, "note": 0},
                              "suppressed": 0, "baseline": None}
    assert doc["suppressed"] == []


# --------------------------------------------------------------------------------------------- sarif


def sarif(report: Report) -> dict[str, Any]:
    return json.loads(render(report, "sarif"))


def test_sarif_log_and_run() -> None:
    log = sarif(make_report())
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert log["version"] == "2.1.0"
    assert len(log["runs"]) == 1
    run = log["runs"][0]
    assert run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": "file:///home/ci/my%20repo/"}}
    assert run["columnKind"] == "unicodeCodePoints"
    assert run["properties"] == {"asOf": "2026-11-23"}
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"], driver["semanticVersion"]) == ("fleetiac", "0.1.0", "0.1.0")
    assert driver["informationUri"] == "https://github.com/fleetiac/fleetiac"
    assert "timestamp" not in render(make_report(), "sarif").lower()


def test_sarif_lists_every_rule_run_once_sorted() -> None:
    rules = sarif(make_report())["runs"][0]["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == ["FIAC101", "FIAC102", "FIAC201", "FIAC301", "FIAC902"]
    assert all("/" not in rule["id"] for rule in rules)
    assert rules[0] == {
        "id": "FIAC101",
        "name": "member-missing-list-credential-grant",
        "shortDescription": {"text": "An operator lacks listClusterUserCredential."},
        "fullDescription": {"text": "An operator that lacks the grant."},
        "help": {"text": RULES["FIAC101"].doc.strip(), "markdown": RULES["FIAC101"].doc.strip()},
        "defaultConfiguration": {"level": "error"},
        "properties": {"tags": ["access", "security"], "precision": "high", "security-severity": "8.0"},
    }


def test_sarif_security_severity_is_a_string_on_the_access_family_only() -> None:
    rules = {rule["id"]: rule for rule in sarif(make_report())["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["FIAC101"]["properties"]["security-severity"] == "8.0"
    assert rules["FIAC102"]["properties"]["security-severity"] == "5.0"
    for rule_id in ("FIAC201", "FIAC301", "FIAC902"):
        assert "security-severity" not in rules[rule_id]["properties"]
        assert rules[rule_id]["properties"]["precision"] == "high"


def test_sarif_results() -> None:
    run = sarif(make_report())["runs"][0]
    rule_ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    results = run["results"]
    assert [result["ruleId"] for result in results] == ["FIAC101", "FIAC201", "FIAC301", "FIAC902"]
    for result, finding in zip(results, FINDINGS, strict=True):
        assert rule_ids[result["ruleIndex"]] == result["ruleId"]
        assert len(result["locations"]) == 1
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert result["partialFingerprints"] == {"fleetiacFingerprint/v1": finding.fingerprint}
    first = results[0]
    assert first["level"] == "error"
    assert first["message"] == {"text": "Operator lacks the grant. Assign Cluster User Role."}
    assert first["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "infra/main.tf", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 12, "startColumn": 5, "endLine": 12, "endColumn": 40},
    }
    assert first["properties"] == {
        "resource": "azurerm_kubernetes_fleet_member.a",
        "related": ["azurerm_kubernetes_cluster.a", "azurerm_role_assignment.x"],
    }
    assert results[1]["message"] == {"text": "Group canary is in no stage."}
    assert results[1]["locations"][0]["physicalLocation"]["region"] == {"startLine": 20, "startColumn": 3}
    odd = results[2]["locations"][0]["physicalLocation"]
    assert odd["artifactLocation"]["uri"] == ODD_URI
    assert odd["region"] == {"startLine": 3, "startColumn": 1, "endLine": 5, "endColumn": 2}
    # The end (6:1) lies before the start (7:9), so only the start is given.
    assert results[3]["locations"][0]["physicalLocation"]["region"] == {"startLine": 7, "startColumn": 9}
    assert "properties" not in results[3]
    assert "primaryLocationLineHash" not in render(make_report(), "sarif")


def test_sarif_empty_report_keeps_results_array_and_rules() -> None:
    text = render(EMPTY, "sarif")
    assert '"results": []' in text
    run = json.loads(text)["runs"][0]
    assert run["results"] == []
    assert len(run["tool"]["driver"]["rules"]) == len(RULES)


def test_sarif_rule_missing_from_catalog_still_gets_an_index() -> None:
    run = sarif(make_report([FINDINGS[1]], rules={"FIAC101": RULES["FIAC101"]}))["runs"][0]
    rule_ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    assert rule_ids == ["FIAC101", "FIAC201"]
    assert run["results"][0]["ruleIndex"] == 1


@pytest.mark.parametrize(
    ("path", "uri"),
    [
        ("a b.tf", "a%20b.tf"),
        ("100%.tf", "100%25.tf"),
        ("x#y/z.tf", "x%23y/z.tf"),
        ("dir/ünï.bicep", "dir/%C3%BCn%C3%AF.bicep"),
        ("c:/x.tf", "c%3A/x.tf"),  # no ':' in the first segment, or it reads as a scheme
        ("./infra/main.tf", "infra/main.tf"),
        ("/home/ci/my repo/infra/main.tf", "infra/main.tf"),  # absolute under the root: made relative
    ],
)
def test_relative_uri(path: str, uri: str) -> None:
    assert relative_uri(path, "/home/ci/my repo") == uri


def test_encode_and_root_uri() -> None:
    assert encode_path(ODD_PATH) == ODD_URI
    assert root_uri("/") == "file:///"
    assert root_uri("/srv/ä#1/") == "file:///srv/%C3%A4%231/"
    assert root_uri("C:/work/repo") == "file:///C:/work/repo/"


def test_sarif_validates_against_the_schema() -> None:
    if not SCHEMA_PATH.is_file():
        pytest.skip(f"SARIF schema not found at {SCHEMA_PATH} (the shared spec folder is absent)")
    jsonschema = pytest.importorskip("jsonschema")
    pytest.importorskip("rfc3986_validator", reason="needed so the schema's uri-reference format is checked")
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    for report in (make_report(), EMPTY):
        errors = sorted(validator.iter_errors(sarif(report)), key=lambda error: list(error.path))
        assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def test_schema_format_checker_catches_a_bad_uri() -> None:
    """Guard the guard: the validation above must really check uri-reference formats."""
    if not SCHEMA_PATH.is_file():
        pytest.skip(f"SARIF schema not found at {SCHEMA_PATH} (the shared spec folder is absent)")
    jsonschema = pytest.importorskip("jsonschema")
    pytest.importorskip("rfc3986_validator", reason="needed so the schema's uri-reference format is checked")
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    log = sarif(make_report())
    log["runs"][0]["results"][2]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] = ODD_PATH
    assert not validator.is_valid(log)


# --------------------------------------------------------------------------------------------- common


@pytest.mark.parametrize("fmt", FORMATS)
def test_render_is_deterministic(fmt: str) -> None:
    first = render(make_report(), fmt)
    assert first == render(make_report(), fmt)
    assert first.endswith("\n")


def test_unknown_format_is_refused() -> None:
    assert FORMATS == ("text", "json", "sarif", "junit", "github", "markdown", "html", "gitlab", "gitlab-sast")
    with pytest.raises(ValueError, match="unknown report format 'xml'"):
        render(make_report(), "xml")


def test_notices_are_shown_in_every_format() -> None:
    notice = "module.fleet (git::example) was not analysed"
    report = Report(findings=[], rules={}, root="/repo", files_scanned=1, tool_version="0.1.0",
                    as_of="2026-11-23", notices=[notice])
    assert f"note: {notice}" in render(report, "text")
    assert json.loads(render(report, "json"))["notices"] == [notice]
    notes = json.loads(render(report, "sarif"))["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert {"level": "note", "message": {"text": notice}} in notes


# ------------------------------------------------------------------------------- internal errors

FAILURE = Diagnostic(Location("infra/main.tf", 1, 1),
                     "internal error while parsing infra/main.tf (KeyError); please report it "
                     "\u2014 run with --debug for details", internal=True, detail="Traceback ... /home/ci/x.py")


def _failed() -> Report:
    report = make_report()
    report.internal_errors = [FAILURE]
    return report


def test_every_format_shows_an_internal_error_and_no_traceback() -> None:
    for fmt in FORMATS:
        text = render(_failed(), fmt)
        assert "internal error while parsing infra/main.tf" in text.replace("\\u2014", "\u2014"), fmt
        assert "Traceback" not in text and "x.py" not in text, fmt
        assert text != render(make_report(), fmt), fmt


def test_internal_errors_in_each_format() -> None:
    assert f"error: {FAILURE.message}" in render(_failed(), "text").splitlines()
    assert json.loads(render(_failed(), "json"))["internal_errors"] == [
        {"message": FAILURE.message, "path": "infra/main.tf", "line": 1, "column": 1}]
    assert "internal_errors" not in json.loads(render(make_report(), "json"))
    invocation = json.loads(render(_failed(), "sarif"))["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert invocation["toolExecutionNotifications"][0] == {
        "level": "error", "message": {"text": FAILURE.message},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": "infra/main.tf", "uriBaseId": "%SRCROOT%"},
                                            "region": {"startLine": 1, "startColumn": 1}}}]}
    assert render(_failed(), "github").splitlines()[0] == (
        "::error file=infra/main.tf,line=1,col=1,title=fleetiac internal error::" + FAILURE.message)
    assert f"**error:** {FAILURE.message}" in render(_failed(), "markdown").splitlines()
    junit = render(_failed(), "junit")
    assert re.search(r'<testsuites name="fleetiac" tests="\d+" failures="\d+" skipped="0" errors="1">', junit)
    assert ('<testsuite name="fleetiac internal errors" tests="1" failures="0" skipped="0" errors="1">\n'
            '    <testcase classname="fleetiac" name="infra/main.tf">\n'
            f'      <error message="{FAILURE.message}" type="internal">{FAILURE.message}</error>') in junit


def test_markdown_fits_a_github_comment_and_says_how_many_rows_it_left_out() -> None:
    from dataclasses import replace

    from fleetiac.analyzer.reporters.markdown import COMMENT_LIMIT

    many = [Finding("FIAC201", Level.ERROR, f"group canary-{i:04d} is in no stage " + "x" * 150,
                    Location("infra/main.tf", i + 1, 3), resource=f"azurerm_kubernetes_fleet_member.m{i:04d}")
            for i in range(600)]
    suppressed = [replace(many[0], location=Location("infra/other.tf", 1, 1))]
    report = replace(make_report(many), suppressed=suppressed)
    text = render(report, "markdown")
    assert len(text) <= COMMENT_LIMIT
    shown = text.count("| `azurerm_kubernetes_fleet_member.m")
    assert 0 < shown < 600
    assert f"*{600 - shown} more findings not shown: a GitHub comment holds at most 65,536 characters" in text
    assert "*1 suppressed finding not listed" in text
    assert "`infra/other.tf:1`" not in text
    # A report that fits is whole.
    small = render(make_report(many[:3]), "markdown")
    assert "not shown" not in small and small.count("| `azurerm_kubernetes_fleet_member.m") == 3
