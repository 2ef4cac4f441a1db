"""junit, github and markdown formats, and several outputs in one run, through the CLI."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from fleetiac.analyzer.reporters.github import escape_data, escape_property
from tests.ci_helpers import AS_OF, ONLY, member_tf, run


def _tree(tmp_path: Path) -> Path:
    (tmp_path / "main.tf").write_text(member_tf("# fleetiac:ignore FIAC2O3 -- typo"))
    return tmp_path


def test_several_outputs_in_one_run(tmp_path: Path) -> None:
    tree = _tree(tmp_path)
    sarif, junit = tmp_path / "r.sarif", tmp_path / "r.xml"
    result = run("scan", str(tree), *ONLY, "--format", f"sarif:{sarif}", "--format", "text",
                 "-f", f"junit:{junit}", *AS_OF)
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1] == "2 findings (0 errors, 2 warnings, 0 notes) in 1 file."
    assert [r["ruleId"] for r in json.loads(sarif.read_text())["runs"][0]["results"]] == ["FIAC903", "FIAC203"]
    assert ET.parse(junit).getroot().get("failures") == "2"


def test_output_option_still_names_the_single_formats_file(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    assert run("scan", str(_tree(tmp_path)), *ONLY, "-f", "json", "-o", str(out), *AS_OF).exit_code == 0
    assert json.loads(out.read_text())["summary"]["findings"] == 2


def test_two_formats_on_standard_output_are_refused(tmp_path: Path) -> None:
    result = run("scan", str(_tree(tmp_path)), "-f", "text", "-f", "json")
    assert result.exit_code == 2 and "only one format can go to standard output" in result.output
    result = run("scan", str(tmp_path), "-f", "yaml")
    assert result.exit_code == 2 and "format must be one of" in result.output


def test_github_annotations(tmp_path: Path) -> None:
    result = run("scan", str(_tree(tmp_path)), *ONLY, "-f", "github", *AS_OF)
    lines = result.stdout.splitlines()
    assert lines[0] == ("::warning file=main.tf,line=7,col=1,title=FIAC903::suppression names unknown rule "
                        "'FIAC2O3', so it suppresses nothing (`fleetiac rules` lists the IDs)")
    assert lines[1].startswith("::warning file=main.tf,line=8,col=1,endLine=12,endColumn=2,title=FIAC203::member ")
    assert len(lines) == 2


def test_github_escaping() -> None:
    assert escape_data("100%\r\nnext: a,b") == "100%25%0D%0Anext: a,b"
    assert escape_property("dir,a:b/100%\n.tf") == "dir%2Ca%3Ab/100%25%0A.tf"


def test_junit_has_a_case_per_rule_and_resource(tmp_path: Path) -> None:
    result = run("scan", str(_tree(tmp_path)), *ONLY, "-f", "junit", *AS_OF)
    root = ET.fromstring(result.stdout)
    cases = {(case.get("classname"), case.get("name"), case.find("failure") is not None)
             for case in root.iter("testcase")}
    assert cases == {("FIAC203", "azurerm_kubernetes_fleet_member.west", True), ("FIAC903", "main.tf", True),
                     ("FIAC901", "all resources", False)}
    assert (root.get("tests"), root.get("failures"), root.get("skipped")) == ("3", "2", "0")


def test_markdown_summary_table(tmp_path: Path) -> None:
    result = run("scan", str(_tree(tmp_path)), *ONLY, "-f", "markdown", *AS_OF)
    lines = result.stdout.splitlines()
    assert lines[:3] == ["## fleetiac", "", "**2 findings** (0 errors, 2 warnings, 0 notes) in 1 file."]
    assert "| FIAC203 | member-without-group | 1 |" in lines
    assert any(line.startswith("| warning | FIAC903 | `main.tf:7` |  | suppression names unknown rule")
               for line in lines)
