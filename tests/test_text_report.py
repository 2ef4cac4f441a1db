"""The text report's layout (issue 17, "The text report"): code frames from the snippets the engine
puts in the report, one block for the instances of a resource with the same problem, long messages
cut to a ``help:`` line, the summary table, ``--statistics``/``--compact``/``--quiet``, color
choices and plain progress lines. A golden file pins the whole layout of ``examples/platform``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from fleetiac.analyzer.cli import main
from fleetiac.analyzer.engine import ScanOptions, scan
from fleetiac.analyzer.model import Finding, Level, Location, RelatedLocation, Report, RuleInfo
from fleetiac.analyzer.parsestage import Progress
from fleetiac.analyzer.reporters import render
from fleetiac.analyzer.reporters.text import split_message

REPO = Path(__file__).resolve().parents[1]
GOLDEN = REPO / "tests" / "golden" / "platform.txt"
RULE = RuleInfo("FIAC201", "member-group-not-in-strategy", Level.ERROR, "A member's group is in no stage.",
                "## What it finds\n\nA member.\n", ("orchestration",))


def _report(findings: list[Finding], snippets: dict[str, dict[int, str]] | None = None) -> Report:
    return Report(findings=findings, rules={RULE.id: RULE}, root="/r", files_scanned=1, tool_version="0",
                  as_of="2026-11-23", snippets=snippets or {})


def _cli(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False, env=env)
    return result.exit_code, result.stdout, result.stderr


def test_golden_platform(monkeypatch: pytest.MonkeyPatch) -> None:
    """``fleetiac scan examples/platform --no-color --as-of 2026-11-23``, byte for byte. To accept a
    deliberate change: FLEETIAC_UPDATE_SNAPSHOTS=1, then review the diff of the golden file."""
    monkeypatch.chdir(REPO)
    code, out, _ = _cli("scan", "examples/platform", "--no-color", "--as-of", "2026-11-23", "--no-cache")
    assert code == 1
    if os.environ.get("FLEETIAC_UPDATE_SNAPSHOTS"):
        GOLDEN.write_text(out, encoding="utf-8")
    assert out == GOLDEN.read_text(encoding="utf-8")


def test_code_frame_caret_under_the_value_span_with_context() -> None:
    finding = Finding("FIAC201", Level.ERROR, "group canary is in no stage", Location("main.tf", 12, 11, 12, 19),
                      resource="azurerm_kubernetes_fleet_member.a")
    report = _report([finding], {"main.tf": {11: "  name  = \"a\"", 12: "  group = \"canary\""}})
    assert render(report, "text").splitlines()[:6] == [
        "main.tf:12:11: ERROR FIAC201 group canary is in no stage",
        "   |",
        "11 |   name  = \"a\"",
        "12 |   group = \"canary\"",
        "   |           ^^^^^^^^ FIAC201",
        "   |",
    ]


def test_second_frame_fix_here_on_the_related_grant() -> None:
    grant = RelatedLocation("azurerm_role_assignment.x", "role_assignment", Location("iam.tf", 3, 1))
    finding = Finding("FIAC201", Level.ERROR, "m", Location("main.tf", 1, 1), resource="r.a",
                      related=("azurerm_role_assignment.x",), related_locations=(grant,))
    report = _report([finding], {"main.tf": {1: "resource \"r\" \"a\" {"},
                                 "iam.tf": {2: "", 3: "resource \"azurerm_role_assignment\" \"x\" {"}})
    lines = render(report, "text").splitlines()
    start = lines.index("  fix here: azurerm_role_assignment.x (iam.tf:3:1)")
    assert lines[start + 1:start + 6] == [
        "  |",
        "2 |",
        "3 | resource \"azurerm_role_assignment\" \"x\" {",
        "  | " + "^" * len("resource \"azurerm_role_assignment\" \"x\" {"),
        "  |",
    ]


def test_scanned_source_in_a_frame_is_escaped() -> None:
    finding = Finding("FIAC201", Level.ERROR, "m", Location("main.tf", 1, 1), resource="r")
    report = _report([finding], {"main.tf": {1: "x = \"\x1b[31m##vso[task.setvariable]\""}})
    text = render(report, "text")
    assert "\x1b" not in text and "##vso[" not in text
    assert "1 | x = \"\\x1b[31m#\\#vso[task.setvariable]\"" in text


def test_instances_with_the_same_problem_are_one_block() -> None:
    findings = [Finding("FIAC201", Level.ERROR, f"group of member `m[{i}]` is in no stage", Location("main.tf", 4, 3),
                        resource=f"m[{i}]") for i in range(12)]
    lines = render(_report(findings), "text").splitlines()
    assert lines[:2] == ["main.tf:4:3: ERROR FIAC201 group of member `m[*]` is in no stage", "  \u00d7 12: m[0..11]"]
    assert "FIAC201  error       12  member-group-not-in-strategy" in lines
    keyed = [Finding("FIAC201", Level.ERROR, f"member `m[\"{k}\"]`", Location("main.tf", 4, 3),
                     resource=f"m[\"{k}\"]") for k in ("a", "b")]
    assert render(_report(keyed), "text").splitlines()[1] == "  \u00d7 2: m[\"a\", \"b\"]"
    # Different places or different problems stay apart.
    apart = [Finding("FIAC201", Level.ERROR, "x", Location("main.tf", 4 + i, 3), resource=f"m[{i}]") for i in range(2)]
    assert "\u00d7" not in render(_report(apart), "text")


def test_long_message_goes_on_a_help_line() -> None:
    message = ("operator `" + "x" * 120 + "` lacks listClusterUserCredential on cluster `c`; "
               "joining member `m` will fail")
    head, rest = split_message(message)
    assert head.endswith("on cluster `c`") and rest == "joining member `m` will fail"
    assert split_message("short; message") == ("short; message", "")
    finding = Finding("FIAC201", Level.ERROR, message, Location("main.tf", 1, 1), hint="do this")
    lines = render(_report([finding]), "text").splitlines()
    assert lines[0] == f"main.tf:1:1: ERROR FIAC201 {head}"
    assert lines[1:3] == ["  help: joining member `m` will fail", "  help: do this"]


def test_statistics_compact_quiet() -> None:
    findings = [Finding("FIAC201", Level.ERROR, "a", Location("main.tf", 1, 1), hint="h"),
                Finding("FIAC201", Level.ERROR, "b", Location("main.tf", 2, 1))]
    report = _report(findings)
    assert render(report, "text", options=_style("statistics")) == (
        "Rule     Level    Count  Name\nFIAC201  error        2  member-group-not-in-strategy\n\n"
        "2 findings (2 errors, 0 warnings, 0 notes) in 1 file.\n")
    assert render(report, "text", options=_style("compact")) == (
        "main.tf:1:1: ERROR FIAC201 a\nmain.tf:2:1: ERROR FIAC201 b\n\n"
        "2 findings (2 errors, 0 warnings, 0 notes) in 1 file.\n")
    quiet = render(report, "text", options=_style("quiet"))
    assert "findings" not in quiet and quiet.startswith("main.tf:1:1: ERROR FIAC201 a\n  help: h")
    assert render(_report([]), "text", options=_style("quiet")) == ""


def _style(style: str) -> object:
    from fleetiac.analyzer.reporters import RenderOptions

    return RenderOptions(text_style=style)


def test_cli_layout_options_and_color_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(REPO)
    base = ("scan", "examples/platform", "--as-of", "2026-11-23", "--no-cache")
    _, out, _ = _cli(*base, "--statistics", env={"NO_COLOR": "", "FORCE_COLOR": ""})
    assert out.splitlines()[0] == "Rule     Level    Count  Name" and "\x1b[" not in out
    _, out, _ = _cli(*base, "--compact")
    assert len(out.splitlines()) == 9 + 2  # nine findings, a blank line, the summary
    _, out, _ = _cli(*base, "--quiet")
    assert "findings (" not in out and out.startswith("examples/platform/fleet/main.tf:31:3: ERROR FIAC302")
    assert _cli(*base, "--quiet", "--compact")[0] == 2
    # Piped (CliRunner is no terminal): --color and FORCE_COLOR color; NO_COLOR wins over FORCE_COLOR.
    assert "\x1b[" in _cli(*base, "--color")[1]
    assert "\x1b[" in _cli(*base, env={"FORCE_COLOR": "1"})[1]
    assert "\x1b[" not in _cli(*base, env={"FORCE_COLOR": "1", "NO_COLOR": "1"})[1]
    _cli(*base, "--format", f"text:{tmp_path / 'out.txt'}", env={"FORCE_COLOR": "1"})
    assert "\x1b[" not in (tmp_path / "out.txt").read_text()  # a file is colored only with --color


def test_progress_off_a_terminal_is_plain_lines(capsys: pytest.CaptureFixture[str]) -> None:
    bar = Progress(40, enabled=True, terminal=False)
    for _ in range(40):
        bar.advance(1)
    bar.close()
    err = capsys.readouterr().err
    assert "\r" not in err
    assert err.splitlines() == [f"fleetiac: parsing {n * 4}/40 files ({n * 10}%)" for n in range(1, 11)]


def test_engine_snippets_stay_under_the_root(tmp_path: Path) -> None:
    """The report carries the lines of the findings' files, and nothing from outside the root."""
    root = tmp_path / "repo"
    (root / "infra").mkdir(parents=True)
    (tmp_path / "outside.tf").write_text("secret = 1\n")
    src = (REPO / "examples" / "platform" / "fleet")
    for file in src.iterdir():
        (root / "infra" / file.name).write_bytes(file.read_bytes())
    report = scan([root], ScanOptions(as_of=__import__("datetime").date(2026, 11, 23), cache=False, snippets=True))
    assert set(report.snippets) <= {"infra/main.tf", "infra/clusters.tf", "infra/rbac.tf"}
    assert report.snippets["infra/main.tf"][41].strip() == "group                 = each.value.group"
    # Off by default (the CLI asks for them when it writes text): no file is read again for them.
    assert scan([root], ScanOptions(as_of=__import__("datetime").date(2026, 11, 23), cache=False)).snippets == {}
    from fleetiac.analyzer.postscan import _inside

    assert not _inside(root, "../outside.tf") and not _inside(root, str(tmp_path / "outside.tf"))
    (root / "link.tf").symlink_to(tmp_path / "outside.tf")
    assert not _inside(root, "link.tf") and _inside(root, "infra/main.tf")


NO_OPERATOR_TF = """\
resource "azurerm_kubernetes_fleet_manager" "f" {
  name                = "fleet"
  location            = "westeurope"
  resource_group_name = "rg"
}

resource "azurerm_kubernetes_fleet_member" "m" {
  name                  = "m"
  group                 = "canary"
  kubernetes_fleet_id   = azurerm_kubernetes_fleet_manager.f.id
  kubernetes_cluster_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/\
Microsoft.ContainerService/managedClusters/c"
}
"""


def test_access_rules_say_when_they_had_no_operator(tmp_path: Path) -> None:
    from datetime import date

    from fleetiac.policies.access import NO_OPERATOR_NOTICE

    (tmp_path / "main.tf").write_text(NO_OPERATOR_TF)
    options = {"as_of": date(2026, 11, 23), "cache": False, "select": ("FIAC1",)}
    assert scan([tmp_path], ScanOptions(**options)).notices == [NO_OPERATOR_NOTICE]  # type: ignore[arg-type]
    assert "--operator deployer --assignments FILE" in NO_OPERATOR_NOTICE
    named = scan([tmp_path], ScanOptions(**options, operators=("deployer",)))  # type: ignore[arg-type]
    assert NO_OPERATOR_NOTICE not in named.notices
    _, out, _ = _cli("scan", str(tmp_path), "--as-of", "2026-11-23", "--no-cache", "--select", "FIAC1")
    assert f"note: {NO_OPERATOR_NOTICE}" in out.splitlines()
