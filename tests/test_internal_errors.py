"""A crash in fleetiac's own code is an internal error, never a FIAC901 the default gate passes: it is
contained to the file or unit it happened on, shown by every reporter, never cached, suppressed,
filtered or baselined, and the scan exits 2 after writing every report."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from fleetiac.analyzer.cli import main
from fleetiac.analyzer.engine import ScanOptions, exit_code
from fleetiac.analyzer.engine import scan as engine_scan
from fleetiac.analyzer.model import Report
from tests.ci_helpers import member_bicep, member_tf
from tests.test_ci_sarif import _validate

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "platform"
AS_OF = "2026-11-23"
ONLY = ("FIAC203", "FIAC901", "FIAC903")
KEY_ERROR = ("internal error while parsing main.tf (KeyError); please report it "
             "\u2014 run with --debug for details")


def scan(path: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["scan", str(path), "--as-of", AS_OF, "--no-cache", "--workers", "1", *args])


def report_of(path: Path, **options: Any) -> Report:
    """An in-process scan; only the rules these tests are about, unless ``select`` says otherwise."""
    return engine_scan([path], ScanOptions(as_of=date.fromisoformat(AS_OF), workers=1,
                                           **{"cache": False, "select": ONLY, **options}))


def _raise_key_error(*_args: object, **_kwargs: object) -> Any:
    raise KeyError("boom")


@pytest.fixture
def broken_hcl_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Terraform parser fails with a bug of ours on every file."""
    monkeypatch.setattr("fleetiac.analyzer.frontends.terraform.syntax.parse_text", _raise_key_error)


def test_a_parser_crash_is_an_internal_error_not_a_fiac901(tmp_path: Path, broken_hcl_parser: None) -> None:
    (tmp_path / "main.tf").write_text(member_tf(), encoding="utf-8")
    report = report_of(tmp_path)
    assert [(e.location.path, e.message) for e in report.internal_errors] == [("main.tf", KEY_ERROR)]
    assert report.findings == [] and report.diagnostics == []
    assert exit_code(report, "never") == 2
    result = scan(tmp_path, "--format", "json")
    assert result.exit_code == 2
    document = json.loads(result.stdout)
    assert document["findings"] == []
    assert document["internal_errors"] == [{"message": KEY_ERROR, "path": "main.tf", "line": 1, "column": 1}]
    assert result.stderr == f"fleetiac: {KEY_ERROR}\n"  # no traceback, no absolute path, no exception text
    assert "boom" not in result.stdout + result.stderr and str(tmp_path) not in result.stderr


def test_debug_shows_the_traceback_on_stderr(tmp_path: Path, broken_hcl_parser: None) -> None:
    (tmp_path / "main.tf").write_text(member_tf(), encoding="utf-8")
    result = scan(tmp_path, "--format", "text", "--debug")
    assert result.exit_code == 2
    assert f"error: {KEY_ERROR}" in result.stdout and "Traceback" not in result.stdout
    assert "Traceback (most recent call last)" in result.stderr and "KeyError: 'boom'" in result.stderr


def test_no_gate_setting_hides_an_internal_error(tmp_path: Path, broken_hcl_parser: None) -> None:
    (tmp_path / "main.tf").write_text(member_tf(), encoding="utf-8")
    (tmp_path / "fleetiac.toml").write_text('fail-on = "never"\nignore = ["FIAC"]\n', encoding="utf-8")
    baseline = tmp_path / "baseline.json"
    assert scan(tmp_path, "--fail-on", "never", "--select", "FIAC203", "--ignore", "FIAC9").exit_code == 2
    assert scan(tmp_path, "--write-baseline", str(baseline)).exit_code == 2
    assert scan(tmp_path, "--baseline", str(baseline), "--no-inline-suppressions").exit_code == 2


def test_an_internal_error_cannot_be_suppressed_inline(tmp_path: Path, broken_hcl_parser: None) -> None:
    (tmp_path / "main.tf").write_text("# fleetiac:ignore FIAC901 reason: noisy\n" + member_tf(), encoding="utf-8")
    report = report_of(tmp_path)
    assert [e.message for e in report.internal_errors] == [KEY_ERROR] and report.suppressed == []


def test_a_terraform_module_evaluator_crash_names_the_module_and_keeps_the_others(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(EXAMPLE, tmp_path / "platform")
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "main.tf").write_text(member_tf(), encoding="utf-8")
    clean = report_of(tmp_path / "platform", select=()).findings
    assert clean
    from fleetiac.analyzer.frontends.terraform import canonical

    real = canonical.extract

    def extract(module: Any) -> Any:
        if module.directory == "broken":
            raise AttributeError("'NoneType' object has no attribute 'x'")
        return real(module)

    monkeypatch.setattr(canonical, "extract", extract)
    report = report_of(tmp_path, select=())
    assert [(e.location.path, e.message) for e in report.internal_errors] == [(
        "broken/main.tf", "internal error while evaluating Terraform module broken (AttributeError); "
                          "please report it \u2014 run with --debug for details")]
    assert {(f.rule_id, f.message) for f in report.findings} == \
        {(f.rule_id, f.message) for f in clean}  # the other module's findings, and no FIAC901
    assert scan(tmp_path, "--format", "sarif").exit_code == 2


def test_a_bicep_template_evaluator_crash_names_the_unit_and_keeps_the_others(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for folder in ("good", "bad"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "main.bicep").write_text(member_bicep(), encoding="utf-8")
    (tmp_path / "bad" / "dev.bicepparam").write_text("using 'main.bicep'\n", encoding="utf-8")
    from fleetiac.analyzer.frontends.bicep.evaluate import Instance

    real = Instance.emit

    def emit(self: Instance) -> None:
        if self.key_prefix.startswith("bad/"):
            raise IndexError("list index out of range")
        real(self)

    monkeypatch.setattr(Instance, "emit", emit)
    report = report_of(tmp_path)
    assert [(e.location.path, e.message) for e in report.internal_errors] == [(
        "bad/main.bicep", "internal error while evaluating Bicep template bad/main.bicep with bad/dev.bicepparam "
                          "(IndexError); please report it \u2014 run with --debug for details")]
    assert [(f.rule_id, f.location.path) for f in report.findings] == [("FIAC203", "good/main.bicep")]
    result = scan(tmp_path, "--format", "json")
    assert result.exit_code == 2
    assert [f["path"] for f in json.loads(result.stdout)["findings"]] == ["good/main.bicep"]


def _both(folder: Path) -> Path:
    """A Terraform and a Bicep file in ``folder``, each with one FIAC203 finding."""
    (folder / "main.tf").write_text(member_tf(), encoding="utf-8")
    (folder / "main.bicep").write_text(member_bicep(), encoding="utf-8")
    return folder


def test_a_front_end_whose_units_crash_fails_only_its_own_files(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    _both(tmp_path)
    monkeypatch.setattr("fleetiac.analyzer.frontends.bicep.build_units", _raise_key_error)
    report = report_of(tmp_path)
    assert [(e.location.path, e.message.split(" (")[0]) for e in report.internal_errors] == [
        ("bicep templates", "internal error while evaluating bicep templates")]
    assert [(f.rule_id, f.location.path) for f in report.findings] == [("FIAC203", "main.tf")]
    monkeypatch.setattr("fleetiac.analyzer.frontends.terraform.root_units", _raise_key_error)
    report = report_of(tmp_path)
    assert sorted(e.location.path for e in report.internal_errors) == ["bicep templates", "main.tf"]
    assert "forming the terraform units" in report.internal_errors[1].message


def test_a_crash_in_the_parse_stage_itself_is_contained_to_the_file(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    _both(tmp_path)
    monkeypatch.setattr("fleetiac.analyzer.frontends.bicep.read_source", _raise_key_error)
    report = report_of(tmp_path)
    assert [e.message.split(" (")[0] for e in report.internal_errors] == ["internal error while parsing main.bicep"]
    assert [(f.rule_id, f.location.path) for f in report.findings] == [("FIAC203", "main.tf")]


def test_internal_errors_are_never_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLEETIAC_CACHE_DIR", str(tmp_path / "cache"))
    tree = tmp_path / "tree"
    (tree / "tf").mkdir(parents=True)
    (tree / "tf" / "main.tf").write_text(member_tf(), encoding="utf-8")
    (tree / "bicep").mkdir()
    (tree / "bicep" / "main.bicep").write_text(member_bicep(), encoding="utf-8")
    expected = {("FIAC203", "bicep/main.bicep"), ("FIAC203", "tf/main.tf")}
    with monkeypatch.context() as patched:  # a parser crash: the parse cache and the file summaries
        patched.setattr("fleetiac.analyzer.frontends.terraform.syntax.parse_text", _raise_key_error)
        patched.setattr("fleetiac.analyzer.frontends.bicep.syntax._parse_bicep", _raise_key_error)
        assert len(report_of(tree, cache=True).internal_errors) == 2
    report = report_of(tree, cache=True)
    assert report.internal_errors == []
    assert {(f.rule_id, f.location.path) for f in report.findings} == expected
    from fleetiac.analyzer.frontends.bicep.evaluate import Instance
    from fleetiac.analyzer.frontends.terraform import canonical

    (tree / "tf" / "main.tf").write_text(member_tf(name="east"), encoding="utf-8")
    (tree / "bicep" / "main.bicep").write_text(member_bicep() + "\n", encoding="utf-8")
    with monkeypatch.context() as patched:  # an evaluator crash: the unit cache (and so the findings')
        patched.setattr(canonical, "extract", _raise_key_error)
        patched.setattr(Instance, "emit", _raise_key_error)
        assert len(report_of(tree, cache=True).internal_errors) == 2
    report = report_of(tree, cache=True)
    assert report.internal_errors == []
    assert {(f.rule_id, f.location.path) for f in report.findings} == expected


def test_a_syntax_error_is_still_a_fiac901_warning_that_passes_the_default_gate(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text("locals {\n  x = = 1\n}\n", encoding="utf-8")
    (tmp_path / "main.bicep").write_text("var x = \n", encoding="utf-8")
    report = report_of(tmp_path)
    assert report.internal_errors == []
    assert {(f.rule_id, f.level.value, f.location.path) for f in report.findings} == {
        ("FIAC901", "warning", "main.tf"), ("FIAC901", "warning", "main.bicep")}
    result = scan(tmp_path, "--format", "json")
    assert result.exit_code == 0
    assert "internal_errors" not in json.loads(result.stdout)


def test_sarif_with_an_internal_error_validates(tmp_path: Path, broken_hcl_parser: None) -> None:
    (tmp_path / "main.tf").write_text(member_tf(), encoding="utf-8")
    (tmp_path / "broken.bicep").write_text("var x = \n", encoding="utf-8")
    result = scan(tmp_path, "--format", "sarif")
    assert result.exit_code == 2
    log = json.loads(result.stdout)
    _validate(log)
    (invocation,) = log["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    first, second, notice = invocation["toolExecutionNotifications"]
    assert notice["message"]["text"] == "1 file could not be read, so none of its resources were checked: broken.bicep"
    assert (first["level"], first["message"]["text"]) == ("error", KEY_ERROR)
    assert first["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "main.tf"
    assert (second["level"], second["descriptor"]) == ("warning", {"id": "FIAC901"})
    assert [r["ruleId"] for r in log["runs"][0]["results"]] == ["FIAC901"]  # broken.bicep only


def test_a_rule_that_crashes_is_an_internal_error_and_the_other_rules_still_report(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A rule's bug fails the scan (exit 2, every report written), drops only that rule's findings,
    and is never remembered in the findings cache."""
    shutil.copytree(EXAMPLE, tmp_path / "platform")
    clean = report_of(tmp_path, select=()).findings
    assert {f.rule_id for f in clean} >= {"FIAC302", "FIAC101"}
    import fleetiac.analyzer.model
    import fleetiac.analyzer.rules

    rules = fleetiac.analyzer.rules.all_rules()
    crashing = next(r for r in rules if r.info.id == "FIAC302")

    def broken(ctx: Any) -> None:
        [fleet, *_] = ctx.graph.of_kind(fleetiac.analyzer.model.Kind.FLEET)
        ctx.report(fleet, "reported before the crash: dropped with the rule's other findings")
        raise KeyError("boom")

    monkeypatch.setitem(fleetiac.analyzer.rules._REGISTRY, "FIAC302", type(crashing)(crashing.info, broken))
    report = report_of(tmp_path, select=())
    assert [e.message for e in report.internal_errors] == [
        "internal error while running rule FIAC302 (KeyError); please report it \u2014 run with --debug for details"]
    assert {(f.rule_id, f.message) for f in report.findings} == \
        {(f.rule_id, f.message) for f in clean if f.rule_id != "FIAC302"}
    out = tmp_path / "out.json"
    for _ in range(2):  # the second scan's unchanged tree would reuse remembered findings
        result = CliRunner().invoke(main, ["scan", str(tmp_path / "platform"), "--as-of", AS_OF, "--workers", "1",
                                           "--format", f"json:{out}"])
        assert result.exit_code == 2
        assert json.loads(out.read_text(encoding="utf-8"))["internal_errors"]
