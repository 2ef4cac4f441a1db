"""Unused suppressions (like ruff's RUF100): a valid ``fleetiac:ignore`` naming a rule that ran, decided
every case, and reported nothing on the lines the directive covers is a note (never a finding: the
catalog has no rule for it), in text, JSON, SARIF, GitHub and markdown. It never fires for a rule that
did not run or could not decide (not selected, an unknown value, missing input, an incomplete scan)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from fleetiac.analyzer.frontends.base import CoveredComment
from fleetiac.analyzer.model import Finding, Level, Location
from fleetiac.analyzer.suppressions import directives, unused
from tests.ci_helpers import AS_OF, member_tf, run
from tests.test_ci_sarif import _validate

WHOLE = ("unused suppression: FIAC201 ran and reported nothing on the lines this fleetiac:ignore covers; "
         "remove the directive")
PART = ("unused suppression: FIAC201 ran and reported nothing on the lines this fleetiac:ignore covers; "
        "remove FIAC201 from the directive")
AS_DATE = date(2026, 11, 23)
SELECT = ["--select", "FIAC201,FIAC203,FIAC901,FIAC903"]

STRATEGY = (
    'resource "azurerm_kubernetes_fleet_update_strategy" "s" {\n'
    '  name                        = "s"\n'
    "  kubernetes_fleet_manager_id = azurerm_kubernetes_fleet_manager.fleet.id\n"
    "  stage {\n"
    '    name = "one"\n'
    "    group {\n"
    '      name = "canary"\n'
    "    }\n"
    "  }\n"
    "}\n"
)


def _grouped(directive: str, group: str) -> str:
    """A fleet, a strategy with stage group ``canary``, and a member at line 19 in ``group``
    (``directive`` at line 18, above the member's block)."""
    return (member_tf().split("resource \"azurerm_kubernetes_fleet_member\"")[0] + STRATEGY + "\n"
            + member_tf(directive).split("}\n\n", 1)[1].replace(
                "  kubernetes_cluster_id", f"  group                 = {group}\n  kubernetes_cluster_id"))


def _json(path: Path, *args: str) -> tuple[int, dict[str, Any]]:
    result = run("scan", str(path), "--format", "json", "--no-cache", *AS_OF, *args)
    return result.exit_code, json.loads(result.stdout)


def test_a_directive_whose_rule_found_nothing_is_reported_in_every_format(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(_grouped("# fleetiac:ignore FIAC201 -- moving to canary", '"canary"'))
    code, doc = _json(tmp_path, *SELECT)
    assert code == 0 and doc["findings"] == [] and doc["suppressed"] == []
    assert doc["unused_suppressions"] == [{"path": "main.tf", "line": 18, "column": 1, "message": WHOLE}]
    text = run("scan", str(tmp_path), "--no-cache", *AS_OF, *SELECT)
    assert text.exit_code == 0
    assert f"note: main.tf:18:1: {WHOLE}" in text.stdout.splitlines()
    assert text.stdout.splitlines()[-1] == "No findings in 1 file."
    sarif = json.loads(run("scan", str(tmp_path), "--format", "sarif", "--no-cache", *AS_OF, *SELECT).stdout)
    _validate(sarif)
    assert sarif["runs"][0]["results"] == []
    notes = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert notes == [{"level": "note", "message": {"text": WHOLE[0].upper() + WHOLE[1:] + "."}, "locations": [
        {"physicalLocation": {"artifactLocation": {"uri": "main.tf", "uriBaseId": "%SRCROOT%"},
                              "region": {"startLine": 18, "startColumn": 1}}}]}]
    github = run("scan", str(tmp_path), "--format", "github", "--no-cache", *AS_OF, *SELECT).stdout
    assert github == f"::notice file=main.tf,line=18,col=1,title=fleetiac unused suppression::{WHOLE}\n"
    markdown = run("scan", str(tmp_path), "--format", "markdown", "--no-cache", *AS_OF, *SELECT).stdout
    assert f"> `main.tf:18`: {WHOLE}" in markdown.splitlines()


def test_a_directive_that_suppresses_is_used_and_only_its_idle_rule_is_named(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(_grouped("# fleetiac:ignore FIAC201 -- moving", '"prod"'))
    _, doc = _json(tmp_path, *SELECT)
    assert [(f["rule_id"], f["line"]) for f in doc["suppressed"]] == [("FIAC201", 22)]
    assert doc["unused_suppressions"] == []
    (tmp_path / "main.tf").write_text(member_tf("# fleetiac:ignore FIAC203,FIAC201 -- moving"))
    _, doc = _json(tmp_path, *SELECT)
    assert [(f["rule_id"], f["line"]) for f in doc["suppressed"]] == [("FIAC203", 8)]
    assert doc["unused_suppressions"] == [{"path": "main.tf", "line": 7, "column": 1, "message": PART}]


def test_two_directives_covering_one_finding_are_both_used(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(member_tf("# fleetiac:ignore FIAC203 -- moving",
                                                inside="# fleetiac:ignore FIAC203 -- and here"))
    _, doc = _json(tmp_path, *SELECT)
    assert [f["rule_id"] for f in doc["suppressed"]] == ["FIAC203"] and doc["unused_suppressions"] == []


def test_never_for_a_rule_that_was_not_run(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(_grouped("# fleetiac:ignore FIAC201 -- moving to canary", '"canary"'))
    for args in (["--select", "FIAC203"], [*SELECT, "--ignore", "FIAC201"],
                 ["--select", "FIAC2", "--ignore", "FIAC20"]):
        _, doc = _json(tmp_path, *args)
        assert doc["unused_suppressions"] == [], args
    # Nor when directives are not read at all.
    for flag in ("--no-inline-suppressions", "--isolated"):
        _, doc = _json(tmp_path, *SELECT, flag)
        assert doc["unused_suppressions"] == [], flag


def test_never_for_a_rule_that_could_not_decide_for_an_unknown_value(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('variable "group" {}\n\n'
                                      + _grouped("# fleetiac:ignore FIAC201 -- moving", "var.group"))
    _, doc = _json(tmp_path, *SELECT)
    assert doc["findings"] == [] and doc["unused_suppressions"] == []
    # With the value known, the same directive is used (another value) or unused (the stage's group).
    _, doc = _json(tmp_path, *SELECT, "--var", "group=prod")
    assert [f["rule_id"] for f in doc["suppressed"]] == ["FIAC201"] and doc["unused_suppressions"] == []
    _, doc = _json(tmp_path, *SELECT, "--var", "group=canary")
    assert doc["unused_suppressions"] == [{"path": "main.tf", "line": 20, "column": 1, "message": WHOLE}]


def test_never_for_rules_that_lacked_their_input(tmp_path: Path) -> None:
    """FIAC416 never fires without --aks-versions; the access rules check nothing without an operator;
    FIAC902 is not reported without --show-unknown."""
    (tmp_path / "main.tf").write_text(member_tf("# fleetiac:ignore FIAC416,FIAC101,FIAC102,FIAC902 -- later"))
    _, doc = _json(tmp_path, "--select", "FIAC1,FIAC416,FIAC902")
    assert doc["unused_suppressions"] == []


def test_never_when_the_scan_is_incomplete(tmp_path: Path) -> None:
    """A file that could not be read may hold what the directive waits for (the strategy here)."""
    (tmp_path / "main.tf").write_text(_grouped("# fleetiac:ignore FIAC201 -- moving to canary", '"canary"'))
    (tmp_path / "broken.tf").write_text('locals {\n  x = = 1\n}\n')
    _, doc = _json(tmp_path, *SELECT)
    assert [f["rule_id"] for f in doc["findings"]] == ["FIAC901"] and doc["unused_suppressions"] == []


def test_an_invalid_directive_is_fiac903_not_unused(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(_grouped("# fleetiac:ignore FIAC201", '"canary"'))
    _, doc = _json(tmp_path, *SELECT)
    assert [(f["rule_id"], f["line"]) for f in doc["findings"]] == [("FIAC903", 18)]
    assert doc["unused_suppressions"] == []


def test_unused_judges_only_the_rules_that_ran_and_the_scanned_files() -> None:
    comment = CoveredComment(text="fleetiac:ignore FIAC201,FIAC203 -- r", line=3, column=1, first_line=4, last_line=9)
    found = directives([comment], "a.tf", {"FIAC201", "FIAC203"}, AS_DATE)
    hit = Finding("FIAC203", Level.WARNING, "m", Location("a.tf", 9, 1))
    outside = Finding("FIAC201", Level.ERROR, "m", Location("a.tf", 10, 1))
    assert [d.message for d in unused(found, [hit, outside], {"FIAC201", "FIAC203"})] == [PART]
    assert unused(found, [hit], {"FIAC203"}) == []
    assert unused(found, [], {"FIAC201", "FIAC203"}, paths={"b.tf"}) == []
    [whole] = unused(found, [], {"FIAC201", "FIAC203"})
    assert (whole.location, whole.message) == (Location("a.tf", 3, 1), WHOLE.replace(
        "FIAC201 ran", "FIAC201, FIAC203 ran"))

