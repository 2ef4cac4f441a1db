"""The integration files in the repository run the real CLI: the pre-commit hook's entry on a fixture,
and the GitHub Action's scan step uses only options the CLI has."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest

from tests.ci_helpers import AS_OF, ROOT, run

yaml = pytest.importorskip("yaml", reason="PyYAML reads the hook and action definitions")


def _load(name: str) -> Any:
    return yaml.safe_load((ROOT / name).read_text(encoding="utf-8"))


def test_pre_commit_hook_entry_runs_on_a_fixture(monkeypatch: pytest.MonkeyPatch) -> None:
    (hook,) = _load(".pre-commit-hooks.yaml")
    assert hook["id"] == "fleetiac" and hook["pass_filenames"] is False
    files = re.compile(hook["files"])
    assert all(files.search(name) for name in ("main.tf", "a.tfvars", "main.bicep", "prod.bicepparam"))
    assert not files.search("README.md")
    program, *args = shlex.split(hook["entry"])
    assert program == "fleetiac"
    # pre-commit runs the entry from the repository root with no file names (pass_filenames: false).
    case = ROOT / "fixtures" / "FIAC203" / "bicep-no-group"
    monkeypatch.chdir(case)
    result = run(*args, "--select", "FIAC203", "--fail-on", "warning", *AS_OF)
    assert result.exit_code == 1
    assert result.stdout.startswith("fixtures/FIAC203/bicep-no-group/main.bicep:2:1: WARNING FIAC203 ")


def test_action_scans_with_options_the_cli_has() -> None:
    action = _load("action.yml")
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    uses = [step.get("uses", "") for step in steps]
    assert any(u.startswith("actions/setup-python@") for u in uses)
    assert any(u.startswith("github/codeql-action/upload-sarif@") for u in uses)
    scan = next(step for step in steps if step.get("id") == "scan")
    command = scan["run"]
    assert "fleetiac scan" in command
    from analyzer.cli import scan as scan_command

    known = {opt for param in scan_command.params for opt in param.opts}
    used = set(re.findall(r"(--[a-z-]+)", command))
    assert used <= known, used - known
    assert {"paths", "format", "fail-on"} <= set(action["inputs"])


def test_readme_ci_snippets_use_real_options() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Use in CI", 1)[1]
    from analyzer.cli import scan as scan_command

    known = {opt for param in scan_command.params for opt in param.opts}
    for line in section.splitlines():
        if "fleetiac scan" in line:
            used = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]+)", line.split("fleetiac scan", 1)[1]))
            assert used <= known, (line, used - known)
    assert Path(ROOT / "action.yml").is_file()
