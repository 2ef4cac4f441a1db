"""SARIF for code scanning and the GitLab formats (issue 17, "Formats and integrations"), on
hand-built reports and on a scan of ``examples/platform``."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from fleetiac.analyzer.engine import ScanOptions, scan
from fleetiac.analyzer.model import Finding, Level, Location, RelatedLocation, Report, RuleInfo
from fleetiac.analyzer.reporters import render
from fleetiac.analyzer.rules import all_rules

REPO = Path(__file__).resolve().parents[1]
SARIF_SCHEMA = REPO.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json"
RULE = RuleInfo("FIAC101", "member-missing-list-credential-grant", Level.ERROR, "s", "## What it finds\n\nX.\n",
                ("access",))
GRANT = RelatedLocation("azurerm_role_assignment.x", "role_assignment", Location("iam.tf", 3, 1))


def _report(findings: list[Finding], rules: dict[str, RuleInfo] | None = None) -> Report:
    return Report(findings=findings, rules=rules or {RULE.id: RULE}, root="/r", files_scanned=1, tool_version="0",
                  as_of="2026-11-23")


def _sarif(report: Report) -> dict[str, Any]:
    return json.loads(render(report, "sarif"))


def _validate_sarif(log: dict[str, Any]) -> None:
    if not SARIF_SCHEMA.is_file():
        pytest.skip(f"SARIF schema not found at {SARIF_SCHEMA}")
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(log), key=lambda error: list(error.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def test_sarif_message_and_hint_are_sentences() -> None:
    finding = Finding("FIAC101", Level.ERROR, "operator `x` lacks the grant", Location("a.tf", 1, 1),
                      hint="assign 'Cluster User Role'")
    text = _sarif(_report([finding]))["runs"][0]["results"][0]["message"]["text"]
    assert text == "Operator `x` lacks the grant. Assign 'Cluster User Role'."
    # An identifier first stays as written; a message ending with a full stop gets no second one.
    finding = Finding("FIAC101", Level.ERROR, "azurerm_x.y is wrong.", Location("a.tf", 1, 1))
    assert _sarif(_report([finding]))["runs"][0]["results"][0]["message"]["text"] == "azurerm_x.y is wrong."


def test_sarif_related_locations_and_distinct_fingerprints_on_one_line() -> None:
    first = Finding("FIAC101", Level.ERROR, "m", Location("a.tf", 4, 3), resource="r",
                    related=("azurerm_role_assignment.x",), related_locations=(GRANT,))
    second = Finding("FIAC101", Level.ERROR, "m", Location("a.tf", 4, 9), resource="r")
    log = _sarif(_report([first, second]))
    results = log["runs"][0]["results"]
    assert results[0]["relatedLocations"] == [{
        "id": 1,
        "physicalLocation": {"artifactLocation": {"uri": "iam.tf", "uriBaseId": "%SRCROOT%"},
                             "region": {"startLine": 3, "startColumn": 1}},
        "message": {"text": "azurerm_role_assignment.x"},
    }]
    assert "relatedLocations" not in results[1]
    prints = [r["partialFingerprints"]["fleetiacFingerprint/v1"] for r in results]
    assert first.fingerprint == second.fingerprint  # same rule, file, resource, message
    assert prints == [first.fingerprint, f"{first.fingerprint}:2"]
    _validate_sarif(log)


def test_sarif_one_result_for_instances_with_one_problem_at_one_place() -> None:
    same = [Finding("FIAC101", Level.ERROR, f"member `m[{i}]` lacks it", Location("a.tf", 4, 3), resource=f"m[{i}]",
                    hint=f"grant it to `m[{i}]`") for i in range(3)]
    elsewhere = Finding("FIAC101", Level.ERROR, "member `m[3]` lacks it", Location("b.tf", 1, 1), resource="m[3]")
    results = _sarif(_report([*same, elsewhere]))["runs"][0]["results"]
    assert len(results) == 2
    assert results[0]["message"]["text"] == "Member `m[*]` lacks it. Grant it to `m[*]`. \u00d7 3: m[0..2]."
    assert results[0]["properties"] == {"resource": "m[*]", "instances": ["m[0]", "m[1]", "m[2]"]}
    assert results[1]["message"]["text"] == "Member `m[3]` lacks it."
    # Its fingerprint does not depend on which instance came first, nor on how many there are.
    two = _sarif(_report(same[1:]))["runs"][0]["results"][0]["partialFingerprints"]
    assert two == results[0]["partialFingerprints"]


def test_sarif_security_tag_and_severity_agree_for_every_rule() -> None:
    catalog = {rule.info.id: rule.info for rule in all_rules()}
    findings = [Finding(rule_id, info.level, "m", Location("a.tf", 1, 1)) for rule_id, info in catalog.items()]
    for descriptor in _sarif(_report(findings, catalog))["runs"][0]["tool"]["driver"]["rules"]:
        properties = descriptor["properties"]
        assert ("security" in properties["tags"]) == ("security-severity" in properties), descriptor["id"]
        if descriptor["id"].startswith("FIAC1"):
            assert "security" in properties["tags"], descriptor["id"]


def test_sarif_of_a_scan_names_where_the_related_resources_are() -> None:
    report = scan([REPO / "examples" / "platform"], ScanOptions(as_of=date(2026, 11, 23), cache=False))
    log = _sarif(report)
    result = next(r for r in log["runs"][0]["results"] if r["ruleId"] == "FIAC202")
    assert [(r["message"]["text"], r["physicalLocation"]["artifactLocation"]["uri"],
             r["physicalLocation"]["region"]["startLine"]) for r in result["relatedLocations"]] == [
        ("azurerm_kubernetes_fleet_update_strategy.rollout", "examples/platform/fleet/main.tf", 44)]
    prints = [r["partialFingerprints"]["fleetiacFingerprint/v1"] for r in log["runs"][0]["results"]]
    assert len(set(prints)) == len(prints)
    _validate_sarif(log)


# ---------------------------------------------------------------------------------------------- GitLab

SAST_SCHEMA = REPO / "tests" / "schemas" / "gitlab-sast-report-trimmed.json"


def _platform() -> Report:
    return scan([REPO / "examples" / "platform"], ScanOptions(as_of=date(2026, 11, 23), cache=False))


def test_gitlab_code_quality_is_the_subset_gitlab_reads() -> None:
    report = _platform()
    issues = json.loads(render(report, "gitlab"))
    # Nine findings, of which two are three instances each at one place: five issues.
    assert (len(issues), len(report.findings)) == (5, 9)
    first = issues[0]
    assert first == {
        "type": "issue",
        "description": f"FIAC302 {report.findings[0].message} ({report.findings[0].hint})",
        "check_name": "FIAC302 azurerm-hub-profile-ignored",
        "fingerprint": report.findings[0].fingerprint,
        "severity": "critical",
        "location": {"path": "examples/platform/fleet/main.tf", "lines": {"begin": 31}},
    }
    assert len({issue["fingerprint"] for issue in issues}) == len(issues)
    for issue in issues:
        assert {"description", "check_name", "fingerprint", "severity", "location"} <= set(issue)
        assert issue["severity"] in ("info", "minor", "major", "critical", "blocker")
        assert isinstance(issue["location"]["lines"]["begin"], int)
    assert render(_report([]), "gitlab") == "[]\n"


def test_gitlab_sast_validates_against_the_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft7Validator(json.loads(SAST_SCHEMA.read_text(encoding="utf-8")))
    report = _platform()
    doc = json.loads(render(report, "gitlab-sast"))
    for checked in (doc, json.loads(render(_report([]), "gitlab-sast"))):
        errors = sorted(validator.iter_errors(checked), key=lambda error: list(error.path))
        assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)
    # The guard is a guard: a vulnerability without identifiers, or a bad time, is refused.
    broken = json.loads(render(report, "gitlab-sast"))
    broken["vulnerabilities"][0]["identifiers"] = []
    assert not validator.is_valid(broken)
    broken = json.loads(render(report, "gitlab-sast"))
    broken["scan"]["start_time"] = "2026-11-23 00:00"
    assert not validator.is_valid(broken)
    vulnerability = doc["vulnerabilities"][1]
    assert (vulnerability["severity"], vulnerability["location"]["file"], vulnerability["location"]["start_line"],
            vulnerability["identifiers"][0]["value"]) == ("High", "examples/platform/fleet/main.tf", 40, "FIAC101")
    assert doc["scan"]["start_time"] == "2026-11-23T00:00:00" and doc["scan"]["status"] == "success"
    assert len({v["id"] for v in doc["vulnerabilities"]}) == len(doc["vulnerabilities"]) == 5
    assert vulnerability["location"]["class"] == "azurerm_kubernetes_fleet_member.this[*]"


def test_junit_test_cases_carry_their_file() -> None:
    import xml.etree.ElementTree as ET

    tree = ET.fromstring(render(_platform(), "junit"))
    failing = [case for case in tree.iter("testcase") if case.find("failure") is not None]
    assert failing and all(case.get("file") == "examples/platform/fleet/main.tf" for case in failing)
