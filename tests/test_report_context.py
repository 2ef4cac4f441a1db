"""What every format says of a finding's parameter files and of where its offending value was set
(``Finding.param_files``, ``Finding.origins``), and of unused suppressions (``Report.unused_suppressions``),
each in the format's own way (issue 17): exact output on a hand-built report, the GitLab SAST report
against its schema, a hostile report escaped in every format, and one scan through the CLI.

The text report's frames and JSON/SARIF fields are pinned in tests/test_report_origins.py and
tests/test_ci_unused_suppressions.py; this file pins the others and ``--compact``."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from fleetiac.analyzer.model import Diagnostic, Finding, Level, Location, Report, RuleInfo
from fleetiac.analyzer.reporters import FORMATS, RenderOptions, render
from tests.ci_helpers import AS_OF, run

REPO = Path(__file__).resolve().parents[1]
SAST_SCHEMA = REPO / "tests" / "schemas" / "gitlab-sast-report-trimmed.json"
RULE = RuleInfo("FIAC504", "invalid-fleet-name", Level.ERROR, "A fleet name Azure rejects.",
                "## What it finds\n\nX.\n")
UNUSED = ("unused suppression: FIAC201 ran and reported nothing on the lines this fleetiac:ignore covers; "
          "remove the directive")
FINDING = Finding(
    "FIAC504", Level.ERROR, "fleet name `Fleet_Prod` is not valid", Location("main.bicep", 5, 3, 5, 18),
    resource="fleet", hint="use lower case", param_files=("params/dev.bicepparam", "params/prod.bicepparam"),
    # The first is on the finding's own line: set there, so no format names it as "set here".
    origins=(Location("main.bicep", 5, 9), Location("params/dev.bicepparam", 4, 7),
             Location("params/prod.bicepparam", 5, 7, 5, 30)))
PLAIN = Finding("FIAC504", Level.ERROR, "fleet name `A` is not valid", Location("other.bicep", 2, 3), resource="f")


def _report(findings: list[Finding] | None = None, unused: list[Diagnostic] | None = None) -> Report:
    return Report(findings=[FINDING] if findings is None else findings, rules={RULE.id: RULE}, root="/r",
                  files_scanned=3, tool_version="0", as_of="2026-11-23",
                  unused_suppressions=[Diagnostic(Location("main.tf", 18, 1), UNUSED)] if unused is None else unused)


def test_compact_keeps_one_line_and_names_the_parameter_files() -> None:
    text = render(_report([FINDING, PLAIN]), "text", options=RenderOptions(text_style="compact"))
    assert text.splitlines() == [
        "main.bicep:5:3: ERROR FIAC504 fleet name `Fleet_Prod` is not valid "
        "[params: params/dev.bicepparam, params/prod.bicepparam]",
        "",
        "other.bicep:2:3: ERROR FIAC504 fleet name `A` is not valid",
        "",
        f"note: main.tf:18:1: {UNUSED}",
        "",
        "2 findings (2 errors, 0 warnings, 0 notes) in 3 files.",
    ]


def test_junit_failure_text_and_a_skipped_case_per_unused_suppression() -> None:
    assert render(_report(), "junit") == f"""<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="fleetiac" tests="2" failures="1" skipped="1" errors="0">
  <testsuite name="FIAC504 invalid-fleet-name" tests="1" failures="1" skipped="0" errors="0">
    <testcase classname="FIAC504" name="fleet" file="main.bicep">
      <failure message="fleet name `Fleet_Prod` is not valid" type="error">\
main.bicep:5:3: error FIAC504 fleet name `Fleet_Prod` is not valid
  help: use lower case
  note: with parameter files params/dev.bicepparam, params/prod.bicepparam
  set here: params/dev.bicepparam:4:7
  set here: params/prod.bicepparam:5:7</failure>
    </testcase>
  </testsuite>
  <testsuite name="fleetiac unused suppressions" tests="1" failures="0" skipped="1" errors="0">
    <testcase classname="fleetiac" name="main.tf:18" file="main.tf">
      <skipped message="{UNUSED}" />
    </testcase>
  </testsuite>
</testsuites>
"""
    # Without either, the failure text and the suites are as before.
    plain = render(_report([PLAIN], []), "junit")
    assert "note:" not in plain and "set here" not in plain and "unused" not in plain
    assert ">other.bicep:2:3: error FIAC504 fleet name `A` is not valid</failure>" in plain


def test_github_annotation_has_a_line_for_the_parameter_files_and_where_the_value_was_set() -> None:
    assert render(_report([FINDING, PLAIN]), "github").splitlines() == [
        "::error file=main.bicep,line=5,col=3,endLine=5,endColumn=18,title=FIAC504::fleet name `Fleet_Prod` is "
        "not valid use lower case%0Awith parameter files params/dev.bicepparam, params/prod.bicepparam; "
        "set here: params/dev.bicepparam:4, params/prod.bicepparam:5",
        "::error file=other.bicep,line=2,col=3,title=FIAC504::fleet name `A` is not valid",
        f"::notice file=main.tf,line=18,col=1,title=fleetiac unused suppression::{UNUSED}",
    ]
    one = replace(FINDING, param_files=("prod.bicepparam",), origins=())
    assert render(_report([one], []), "github").endswith("use lower case%0Awith parameter file prod.bicepparam\n")


def test_markdown_cell_has_a_line_with_the_files_as_code() -> None:
    lines = render(_report([FINDING, PLAIN]), "markdown").splitlines()
    assert "| **error** | FIAC504 | `main.bicep:5` | `fleet` | fleet name `Fleet_Prod` is not valid (use lower case)" \
           "<br>with parameter files `params/dev.bicepparam`, `params/prod.bicepparam`; " \
           "set here: `params/dev.bicepparam:4`, `params/prod.bicepparam:5` |" in lines
    assert "| **error** | FIAC504 | `other.bicep:2` | `f` | fleet name `A` is not valid |" in lines
    assert f"> `main.tf:18`: {UNUSED}" in lines


def test_html_lines_under_the_finding_and_the_unused_suppressions() -> None:
    page = render(_report([FINDING, PLAIN]), "html")
    assert ('<td>fleet name `Fleet_Prod` is not valid<br><span class="muted">help: use lower case</span>'
            '<br><span class="muted">with parameter files <code>params/dev.bicepparam</code>, '
            '<code>params/prod.bicepparam</code></span><br><span class="muted">set here: '
            '<code>params/dev.bicepparam:4:7</code>, <code>params/prod.bicepparam:5:7</code></span></td>') in page
    assert "<td>fleet name `A` is not valid</td>" in page
    assert f'<p class="muted unused"><code>main.tf:18:1</code>: {UNUSED}</p>' in page
    # With no findings the unused suppressions are still there.
    assert '<p class="muted unused">' in render(_report([]), "html")


def test_gitlab_code_quality_description_and_an_info_issue_per_unused_suppression() -> None:
    issues = json.loads(render(_report([FINDING, PLAIN]), "gitlab"))
    assert [issue["description"] for issue in issues] == [
        "FIAC504 fleet name `Fleet_Prod` is not valid (use lower case); with parameter files "
        "params/dev.bicepparam, params/prod.bicepparam; set here: params/dev.bicepparam:4, params/prod.bicepparam:5",
        "FIAC504 fleet name `A` is not valid",
        UNUSED,
    ]
    # The findings' fingerprints are their own, as without the new text.
    assert [issue["fingerprint"] for issue in issues[:2]] == [FINDING.fingerprint, PLAIN.fingerprint]
    unused = issues[2]
    assert {k: v for k, v in unused.items() if k != "fingerprint"} == {
        "type": "issue", "description": UNUSED, "check_name": "fleetiac unused suppression", "severity": "info",
        "location": {"path": "main.tf", "lines": {"begin": 18}}}
    # Keyed on the file and the message, not the line; two alike in one file stay distinct.
    moved = json.loads(render(_report([], [Diagnostic(Location("main.tf", 30, 1), UNUSED)]), "gitlab"))
    assert moved[0]["fingerprint"] == unused["fingerprint"]
    two = json.loads(render(_report([], [Diagnostic(Location("main.tf", line, 1), UNUSED) for line in (3, 9)]),
                            "gitlab"))
    assert [issue["fingerprint"] for issue in two] == [unused["fingerprint"], unused["fingerprint"] + ":2"]


def _sast_validator() -> Any:
    jsonschema = pytest.importorskip("jsonschema")
    return jsonschema.Draft7Validator(json.loads(SAST_SCHEMA.read_text(encoding="utf-8")))


def test_gitlab_sast_details_and_messages_validate() -> None:
    doc = json.loads(render(_report([FINDING, PLAIN]), "gitlab-sast"))
    first, second = doc["vulnerabilities"]
    assert first["details"] == {
        "parameter_files": {"name": "Parameter files", "type": "list", "items": [
            {"type": "text", "value": "params/dev.bicepparam"}, {"type": "text", "value": "params/prod.bicepparam"}]},
        "set_here": {"name": "Set here", "type": "list", "items": [
            {"type": "file-location", "file_name": "params/dev.bicepparam", "line_start": 4, "line_end": 4},
            {"type": "file-location", "file_name": "params/prod.bicepparam", "line_start": 5, "line_end": 5}]},
    }
    assert "details" not in second
    assert first["location"] == {"file": "main.bicep", "start_line": 5, "end_line": 5, "class": "fleet"}
    assert doc["scan"]["messages"] == [{"level": "info", "value": f"main.tf:18:1: {UNUSED}"}]
    validator = _sast_validator()
    errors = sorted(validator.iter_errors(doc), key=lambda error: list(error.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)
    # The schema's details rules are rules: an unknown detail type or a location without its line is refused.
    broken = json.loads(render(_report([FINDING]), "gitlab-sast"))
    broken["vulnerabilities"][0]["details"]["set_here"]["items"][0]["type"] = "place"
    assert not validator.is_valid(broken)
    broken = json.loads(render(_report([FINDING]), "gitlab-sast"))
    del broken["vulnerabilities"][0]["details"]["parameter_files"]["name"]
    assert not validator.is_valid(broken)
    broken = json.loads(render(_report([FINDING]), "gitlab-sast"))
    del broken["vulnerabilities"][0]["details"]["set_here"]["items"][1]["line_start"]
    assert not validator.is_valid(broken)


@pytest.mark.parametrize("fmt", [fmt for fmt in FORMATS if fmt != "json"])  # JSON always has the (empty) keys
def test_formats_without_either_are_unchanged(fmt: str) -> None:
    """A finding with no parameter file and no origin elsewhere, and no unused suppression: nothing new."""
    text = render(_report([PLAIN], []), fmt)
    for word in ("parameter file", "set here", "Set here", "params:", "unused"):
        assert word not in text, (fmt, word)


# ------------------------------------------------------------------------------------- hostile input

HOSTILE = "::error::p ##vso[task.setvariable variable=x]y\r\n<img src=x onerror=alert(1)> [l](http://e)`\x1b[31m\ud800"
COMMAND_AT_LINE_START = re.compile(r"^\s*(::|##[a-z]*\[)", re.I)


def _hostile() -> Report:
    finding = replace(FINDING, param_files=(f"{HOSTILE}.bicepparam",),
                      origins=(Location(f"{HOSTILE}.bicepparam", 3, 7),))
    return _report([finding], [Diagnostic(Location(f"{HOSTILE}.bicep", 2, 1), UNUSED)])


@pytest.mark.parametrize("fmt", FORMATS)
def test_hostile_parameter_file_names_and_paths_are_escaped_in_every_format(fmt: str) -> None:
    text = render(_hostile(), fmt)
    text.encode("utf-8")  # strict: no lone surrogate
    assert re.search(r"##[a-z]*\[", text, re.I) is None, fmt
    assert "\r" not in text and "\x1b" not in text, fmt
    assert re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]", text) is None, fmt
    for line in text.splitlines():
        if fmt == "github":
            assert re.match(r"::(error|warning|notice) file=", line), line
        else:
            assert COMMAND_AT_LINE_START.match(line) is None, (fmt, line)
    if fmt in ("markdown", "html"):
        assert "<img" not in text, fmt
    if fmt == "markdown":
        assert re.search(r"(?<!\\)\]\(", text) is None  # no link the text did not hold
    if fmt == "junit":
        root = ET.fromstring(text)
        failure = next(root.iter("failure")).text or ""
        assert "  note: with parameter file ::error::p #\\#vso[task.setvariable variable=x]y\\r\\n<img" in failure
    if fmt in ("gitlab", "gitlab-sast", "json", "sarif"):
        assert "##vso[task.setvariable variable=x]y" in json.dumps(json.loads(text), ensure_ascii=False), fmt


def test_hostile_names_parse_back_in_the_gitlab_reports() -> None:
    """The data formats keep the names as written (a surrogate as U+FFFD); consumers escape for their use."""
    written = HOSTILE.replace("\ud800", "\ufffd")
    issues = json.loads(render(_hostile(), "gitlab"))
    assert f"with parameter file {written}.bicepparam; set here: {written}.bicepparam:3" in issues[0]["description"]
    assert issues[1]["location"]["path"] == f"{written}.bicep"
    doc = json.loads(render(_hostile(), "gitlab-sast"))
    assert doc["vulnerabilities"][0]["details"]["set_here"]["items"][0]["file_name"] == f"{written}.bicepparam"
    assert doc["scan"]["messages"][0]["value"] == f"{written}.bicep:2:1: {UNUSED}"
    errors = list(_sast_validator().iter_errors(doc))
    assert not errors


# ------------------------------------------------------------------------------------------ a scan

TEMPLATE = """\
param fleetName string

resource fleet 'Microsoft.ContainerService/fleets@2025-03-01' = {
  name: fleetName
  location: 'westeurope'
}
"""


def test_a_scan_with_parameter_files_in_the_ci_formats(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "main.bicep").write_text(TEMPLATE, encoding="utf-8")
    (tmp_path / "dev.bicepparam").write_text("using 'main.bicep'\n\nparam fleetName = 'fleet-dev'\n", encoding="utf-8")
    (tmp_path / "prod.bicepparam").write_text("using 'main.bicep'\n\n// upper case\nparam fleetName = 'Fleet_Prod'\n",
                                              encoding="utf-8")
    base = ("scan", str(tmp_path), "--no-cache", "--select", "FIAC504", *AS_OF)
    github = run(*base, "-f", "github")
    assert github.exit_code == 1
    (line,) = github.stdout.splitlines()
    assert line.startswith("::error file=main.bicep,line=4,col=3,") and line.endswith(
        "%0Awith parameter file prod.bicepparam; set here: prod.bicepparam:4")
    compact = run(*base, "--compact", "--no-color").stdout.splitlines()
    assert compact[0].startswith("main.bicep:4:3: ERROR FIAC504 ") and compact[0].endswith(" [params: prod.bicepparam]")
    junit = ET.fromstring(run(*base, "-f", "junit").stdout)
    assert (next(junit.iter("failure")).text or "").endswith(
        "\n  note: with parameter file prod.bicepparam\n  set here: prod.bicepparam:4:7")
    sast = json.loads(run(*base, "-f", "gitlab-sast").stdout)
    assert sast["vulnerabilities"][0]["details"]["set_here"]["items"] == [
        {"type": "file-location", "file_name": "prod.bicepparam", "line_start": 4, "line_end": 4}]
    assert not list(_sast_validator().iter_errors(sast))
