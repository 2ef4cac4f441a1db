"""The README's CI snippets, run as CI would run them, against small fixture repositories (issue 17):

- GitHub Actions: the README's workflow, whose fleetiac step is the repository's composite action: every
  step of ``action.yml`` is run in order, with the workflow's inputs over the action's defaults, its
  ``${{ }}`` expressions and ``if:`` conditions evaluated, in bash as the runner starts it, with a fake
  ``GITHUB_*``/``RUNNER_*`` environment; the ``uses:`` steps are stood in for (setup-python: this
  Python; cache: nothing; upload-sarif: the file must be there and valid). The README's "without the
  action" command is run too.
- Azure DevOps and GitLab: each ``script`` of the snippet in bash, with the pipeline's variables as
  folders here and the clone from this repository instead of GitHub; the files the publishing tasks
  and ``artifacts:reports`` name must exist afterwards.
- pre-commit: the README's ``.pre-commit-config.yaml`` names the hook of ``.pre-commit-hooks.yaml``; the
  hook's ``files``/``exclude``/``types`` filter is applied to a fixture repository's tracked files, and
  its ``entry`` is run from the repository's root without file names (``pass_filenames: false``).

Installing fleetiac from a clone (``pip install``) needs its build backend and dependencies from PyPI,
which a test machine may not reach: the install commands run for real with
``FLEETIAC_TEST_INSTALL=1``, and in CI (``CI`` set: it has the registries) unless that says ``0``;
otherwise those tests skip, saying so, and the pipeline tests put this checkout's fleetiac where the
install would have put it (``bin/fleetiac`` running this Python with this checkout on ``PYTHONPATH``)
and run every other command as written.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.ci_helpers import CLUSTER, ROOT, member_tf
from tests.test_ci_sarif import _validate

yaml = pytest.importorskip("yaml", reason="PyYAML reads the README's snippets and the action definition")

AS_OF = "2026-11-23"
INSTALL = os.environ.get("FLEETIAC_TEST_INSTALL", "1" if os.environ.get("CI") else "0") == "1"
NO_INSTALL = ("installing fleetiac from a clone needs its build backend (setuptools>=77) and dependencies from "
              "PyPI; set FLEETIAC_TEST_INSTALL=1 where pip can reach them (or a wheelhouse via PIP_FIND_LINKS)")


def _readme_section(heading: str) -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return readme.split(f"\n{heading}\n", 1)[1].split("\n### ", 1)[0]


def _snippet(heading: str) -> Any:
    """The first ```yaml block of a README section, parsed."""
    block = re.search(r"```yaml\n(.*?)```", _readme_section(heading), re.S)
    assert block, heading
    return yaml.safe_load(block.group(1))


def _standin_bin(folder: Path) -> Path:
    """``folder/bin`` with ``fleetiac`` and ``python`` running this Python on this checkout, as a venv's."""
    bin_dir = folder / "bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    for name, run in (("fleetiac", "-m fleetiac"), ("python", "")):
        script = bin_dir / name
        script.write_text(f'#!/bin/sh\nPYTHONPATH="{ROOT}${{PYTHONPATH:+:$PYTHONPATH}}" exec "{sys.executable}" '
                          f'{run} "$@"\n')
        script.chmod(0o755)
    return bin_dir


def _fixture_repo(path: Path, *, error: bool = False) -> Path:
    """A git repository with ``infra/main.tf``: a member without a group (FIAC203, a warning), and with
    ``error`` a strategy whose stage group no member has plus a member in another group (FIAC201, an
    error); a README that no hook or scan reads."""
    (path / "infra").mkdir(parents=True)
    text = member_tf()
    if error:
        text += ('\nresource "azurerm_kubernetes_fleet_update_strategy" "s" {\n  name = "s"\n'
                 "  kubernetes_fleet_manager_id = azurerm_kubernetes_fleet_manager.fleet.id\n"
                 '  stage {\n    name = "one"\n    group {\n      name = "canary"\n    }\n  }\n}\n\n'
                 'resource "azurerm_kubernetes_fleet_member" "east" {\n  name = "aks-east"\n'
                 "  kubernetes_fleet_id = azurerm_kubernetes_fleet_manager.fleet.id\n"
                 f'  kubernetes_cluster_id = "{CLUSTER.replace("aks-west", "aks-east")}"\n  group = "prod"\n}}\n')
    (path / "infra" / "main.tf").write_text(text)
    (path / "README.md").write_text("# platform\n")
    git = shutil.which("git")
    if git is None:
        (path / ".git").mkdir()
        return path
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com"}
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "fixture"]):
        subprocess.run([git, *args], cwd=path, check=True, env=env, capture_output=True)
    return path


def _bash(script: str, env: dict[str, str], cwd: Path, *, runner: bool = False) -> subprocess.CompletedProcess[str]:
    """``script`` in bash: as GitHub's runner starts a ``shell: bash`` step (``--noprofile --norc -eo
    pipefail``) with ``runner``, else as ``bash -e`` (Azure Pipelines' ``script`` on Linux, GitLab)."""
    options = ["--noprofile", "--norc", "-eo", "pipefail"] if runner else ["-e"]
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "RUNNER_", "FLEETIAC_"))}
    clean.pop("PYTHONPATH", None)
    return subprocess.run(["bash", *options, "-c", script], env={**clean, **env}, cwd=cwd, capture_output=True,
                          text=True, timeout=600)


# --------------------------------------------------------------------------------- GitHub Actions

_TOKEN = re.compile(r"\s*('[^']*'|[A-Za-z_][\w.-]*\(\)|==|!=|&&|\|\||!|\(|\)|[A-Za-z_][\w.-]*)")


def _lookup(ref: str, context: dict[str, Any]) -> Any:
    value: Any = context
    for part in ref.split("."):
        value = value.get(part, "") if isinstance(value, dict) else ""
    return value


def _evaluate(expression: str, context: dict[str, Any], failed: bool = False) -> Any:
    """A GitHub Actions expression of the forms action.yml uses: references, string literals, ``==``,
    ``!=``, ``&&``, ``||``, ``!``, parentheses and the status functions."""
    python: list[str] = []
    position = 0
    expression = expression.strip()
    while position < len(expression):
        match = _TOKEN.match(expression, position)
        assert match, f"cannot read {expression[position:]!r}"
        token = match.group(1)
        position = match.end()
        if token.startswith("'"):
            python.append(repr(token[1:-1]))
        elif token.endswith("()"):
            python.append(repr({"always()": True, "success()": not failed, "failure()": failed,
                                "cancelled()": False}[token]))
        elif token in ("==", "!=", "(", ")"):
            python.append(token)
        elif token in ("&&", "||", "!"):
            python.append({"&&": " and ", "||": " or ", "!": " not "}[token])
        elif token in ("true", "false"):
            python.append(repr(token == "true"))
        else:
            python.append(repr(_lookup(token, context)))
    return eval("".join(python), {"__builtins__": {}})  # our own tokens only, no names


def _substitute(text: Any, context: dict[str, Any]) -> str:
    def value(match: re.Match[str]) -> str:
        result = _evaluate(match.group(1), context)
        return ("true" if result else "false") if isinstance(result, bool) else str(result)

    if isinstance(text, bool):  # YAML's `false`, as the runner passes it on
        return "true" if text else "false"
    return re.sub(r"\$\{\{(.*?)\}\}", value, str(text))


def _condition(step: dict[str, Any], context: dict[str, Any], failed: bool) -> bool:
    condition = str(step.get("if", "success()")).strip()
    if condition.startswith("${{") and condition.endswith("}}"):
        condition = condition[3:-2]
    if not re.search(r"\b(always|success|failure|cancelled)\(\)", condition):
        condition = f"success() && ({condition})"
    return bool(_evaluate(condition, context, failed))


class _Job:
    """One job of a workflow on a fake runner: the steps' outputs, the files the runner provides."""

    def __init__(self, tmp_path: Path, workspace: Path) -> None:
        self.workspace = workspace
        self.temp = tmp_path / "runner-temp"
        self.temp.mkdir()
        self.summary = tmp_path / "step-summary.md"
        self.summary.touch()
        self.uploaded: list[Path] = []
        self.log: list[str] = []
        self.env = {"GITHUB_ACTIONS": "true", "CI": "true", "GITHUB_WORKSPACE": str(workspace),
                    "GITHUB_REPOSITORY": "contoso/platform", "GITHUB_SHA": "0" * 40, "GITHUB_REF": "refs/pull/1/merge",
                    "GITHUB_EVENT_NAME": "pull_request", "GITHUB_STEP_SUMMARY": str(self.summary),
                    "RUNNER_TEMP": str(self.temp), "RUNNER_OS": "Linux", "HOME": str(tmp_path / "home")}
        (tmp_path / "home").mkdir()

    def run_action(self, action_path: Path, given: dict[str, Any]) -> tuple[dict[str, str], bool]:
        """Run the composite action's steps; its outputs, and whether a step failed."""
        action = yaml.safe_load((action_path / "action.yml").read_text(encoding="utf-8"))
        unknown = set(given) - set(action["inputs"])
        assert not unknown, f"the workflow gives inputs the action does not have: {unknown}"
        inputs = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}
        inputs.update({name: "true" if value is True else "false" if value is False else str(value)
                       for name, value in given.items()})
        steps: dict[str, Any] = {}
        context = {"inputs": inputs, "steps": steps, "github": {"action_path": str(action_path), "sha": "0" * 40},
                   "runner": {"temp": str(self.temp), "os": "Linux"}}
        failed = False
        for number, step in enumerate(action["runs"]["steps"]):
            if not _condition(step, context, failed):
                continue
            name = step.get("id") or f"step{number}"
            outputs: dict[str, str] = {}
            if "uses" in step:
                given_with = {k: _substitute(v, context) for k, v in step.get("with", {}).items()}
                outputs = self._uses(step["uses"], given_with)
            elif step.get("id") == "install" and not INSTALL:
                outputs = {"bin": str(_standin_bin(self.temp / "fleetiac-venv"))}
            else:
                assert step.get("shell") == "bash", step
                output_file = self.temp / f"output-{number}"
                output_file.touch()
                env = {**self.env, "GITHUB_OUTPUT": str(output_file), "GITHUB_ACTION_PATH": str(action_path),
                       **{k: _substitute(v, context) for k, v in step.get("env", {}).items()}}
                done = _bash(_substitute(step["run"], context), env, self.workspace, runner=True)
                self.log.append(done.stdout + done.stderr)
                outputs = dict(line.split("=", 1) for line in output_file.read_text().splitlines() if "=" in line)
                failed = failed or done.returncode != 0
            steps[name] = {"outputs": outputs}
        return {name: _substitute(spec["value"], context) for name, spec in action.get("outputs", {}).items()}, failed

    def _uses(self, uses: str, given: dict[str, str]) -> dict[str, str]:
        if uses.startswith("actions/setup-python@"):
            assert given.get("update-environment") == "false"  # the caller's Python stays
            return {"python-path": sys.executable, "python-version": sys.version.split()[0]}
        if uses.startswith("actions/cache@"):
            assert given["path"].startswith(str(self.temp)) and given["key"]
            return {"cache-hit": "false"}
        if uses.startswith("github/codeql-action/upload-sarif@"):
            sarif = self.workspace / given["sarif_file"]
            assert sarif.is_file(), "upload-sarif runs only after the SARIF was written"
            self.uploaded.append(sarif)
            return {}
        raise AssertionError(f"a step the test cannot stand in for: {uses}")


def _checkout_of_this_repository(target: Path) -> None:
    """This repository where a workflow checks fleetiac out: a link, or (when the install runs for real,
    and pip builds in the folder it installs) a copy, so no build output lands in this checkout."""
    if not INSTALL:
        target.symlink_to(ROOT, target_is_directory=True)
        return
    shutil.copytree(ROOT, target, ignore=_NOT_COPIED)


_NOT_COPIED = shutil.ignore_patterns(".git", ".oracle", "__pycache__", "*.egg-info", "build", ".mypy_cache",
                                     ".ruff_cache", ".hypothesis")


def _github_job(tmp_path: Path, *, error: bool) -> tuple[_Job, dict[str, str], bool, dict[str, Any]]:
    """The README's workflow on a fixture repository: its checkouts, then its fleetiac step."""
    if shutil.which("bash") is None:
        pytest.skip("bash is not installed")
    workflow = _snippet("### GitHub Actions")
    assert workflow["permissions"]["security-events"] == "write"  # upload-sarif needs it
    workspace = _fixture_repo(tmp_path / "workspace", error=error)
    job = _Job(tmp_path, workspace)
    outputs: dict[str, str] = {}
    failed = False
    step_with: dict[str, Any] = {}
    for step in workflow["steps"]:
        uses = step["uses"]
        if uses.startswith("actions/checkout@"):
            options = step.get("with", {})
            if "path" in options:  # fleetiac's own checkout: this repository stands in for the clone
                assert options["repository"] == "fleetiac/fleetiac" and options["ref"] == "main"
                _checkout_of_this_repository(workspace / options["path"])
            continue  # the first checkout is the fixture repository itself
        assert uses.startswith("./"), uses
        step_with = step.get("with", {})
        outputs, failed = job.run_action(workspace / uses, step_with)
    return job, outputs, failed, step_with


def test_readme_github_workflow_runs_the_action_on_a_fixture_repository(tmp_path: Path) -> None:
    job, outputs, failed, given = _github_job(tmp_path, error=False)
    assert given == {"paths": "infra", "fail-on": "error"}
    # A warning only, and the gate is error: the job passes, with everything written and uploaded.
    assert not failed, "\n".join(job.log)
    assert outputs["exit-code"] == "0" and outputs["findings"] == "1" and outputs["sarif-file"] == "fleetiac.sarif"
    (sarif,) = job.uploaded
    log = json.loads(sarif.read_text())
    _validate(log)
    assert [(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"])
            for r in log["runs"][0]["results"]] == [("FIAC203", "infra/main.tf")]
    assert log["runs"][0]["automationDetails"] == {"id": "fleetiac/"}
    summary = job.summary.read_text()
    assert summary.startswith("## fleetiac") and "FIAC203" in summary
    scan_log = next(text for text in job.log if "FIAC203" in text)
    assert "infra/main.tf:7:1: WARNING FIAC203" in scan_log and "::warning" not in scan_log  # no double annotations


def test_readme_github_workflow_fails_on_an_error_after_uploading(tmp_path: Path) -> None:
    job, outputs, failed, _ = _github_job(tmp_path, error=True)
    assert failed and outputs["exit-code"] == "1" and outputs["findings"] == "3"
    (sarif,) = job.uploaded  # uploaded although the gate fails
    assert sorted(r["ruleId"] for r in json.loads(sarif.read_text())["runs"][0]["results"]) == [
        "FIAC201", "FIAC203", "FIAC204"]
    assert "::error" not in "".join(job.log)  # findings, not a scan error: the gate adds no error annotation


def test_readme_github_command_without_the_action_runs(tmp_path: Path) -> None:
    """The README's "Without the action" command, as written, from the fixture repository's root."""
    section = re.sub(r"```.*?```", "", _readme_section("### GitHub Actions"), flags=re.S)
    (command,) = [span for span in re.findall(r"`([^`]+)`", section) if span.startswith("fleetiac scan ")]
    repo = _fixture_repo(tmp_path / "repo")
    bin_dir = _standin_bin(tmp_path / "venv")
    done = _bash(f'export PATH="{bin_dir}:$PATH"\n{command} --as-of {AS_OF}', {}, repo)
    assert done.returncode == 0, done.stderr
    assert "infra/main.tf:7:1: WARNING FIAC203" in done.stdout
    upload = re.search(r"`(github/codeql-action/upload-sarif@v\d+)` with `sarif_file: ([^`]+)`", section)
    assert upload and (repo / upload.group(2)).is_file()
    _validate(json.loads((repo / upload.group(2)).read_text()))


@pytest.mark.skipif(not INSTALL, reason=NO_INSTALL)
def test_action_install_step_installs_into_a_private_venv(tmp_path: Path) -> None:
    """The action's install step for real: a venv of its own, the caller's Python untouched."""
    steps = yaml.safe_load((ROOT / "action.yml").read_text())["runs"]["steps"]
    step = next(s for s in steps if s.get("id") == "install")
    source = tmp_path / "action"
    shutil.copytree(ROOT, source, ignore=_NOT_COPIED)
    output = tmp_path / "output"
    output.touch()
    (tmp_path / "temp").mkdir()
    env = {"PYTHON": sys.executable, "ACTION_PATH": str(source), "RUNNER_TEMP": str(tmp_path / "temp"),
           "GITHUB_OUTPUT": str(output)}
    done = _bash(step["run"], env, tmp_path, runner=True)
    assert done.returncode == 0, done.stderr
    bin_dir = Path(output.read_text().split("bin=", 1)[1].strip())
    assert bin_dir.parent == tmp_path / "temp" / "fleetiac-venv" and (bin_dir / "fleetiac").is_file()


# --------------------------------------------------------------------------- Azure DevOps and GitLab

def _clone_url_replaced(script: str) -> str:
    """The snippet's clone, from this repository (its committed HEAD) instead of GitHub."""
    if "git clone" in script:
        assert "https://github.com/fleetiac/fleetiac" in script
    return script.replace("https://github.com/fleetiac/fleetiac", f"file://{ROOT}")


def _standin_install(script: str, tmp_path: Path) -> str:
    """Without FLEETIAC_TEST_INSTALL, the snippet's ``pip install`` line puts this checkout's fleetiac in
    the venv it created instead (every other line runs as written)."""
    if INSTALL:
        return script
    lines = []
    for line in script.splitlines():
        match = re.match(r'\s*"?([^"\s]+)/bin/python"? -m pip install ', line)
        if match:
            venv = match.group(1)
            line = f'cp "{_standin_bin(tmp_path / "standin")}/fleetiac" "{venv}/bin/fleetiac"'
        lines.append(line)
    return "\n".join(lines)


def _need_tools() -> None:
    for tool in ("bash", "git"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed")
    if not (ROOT / ".git").exists():
        pytest.skip("this checkout is not a git repository, so the snippets' clone cannot be stood in for")


def test_readme_azure_devops_pipeline_runs_on_a_fixture_repository(tmp_path: Path) -> None:
    _need_tools()
    steps = _snippet("### Azure DevOps")["steps"]
    repo = _fixture_repo(tmp_path / "s")
    agent_temp, staging = tmp_path / "agent-temp", tmp_path / "staging"
    agent_temp.mkdir()
    macros = {"$(Agent.TempDirectory)": str(agent_temp), "$(Build.ArtifactStagingDirectory)": str(staging)}
    published: list[tuple[str, Path]] = []
    for step in steps:
        if "task" in step:
            task, inputs = step["task"], {k: str(v) for k, v in step.get("inputs", {}).items()}
            for macro, value in macros.items():
                inputs = {k: v.replace(macro, value) for k, v in inputs.items()}
            if task.startswith("UsePythonVersion@"):
                continue  # the agent's Python: here this one
            if task.startswith("PublishTestResults@"):
                assert step.get("condition") == "always()" and inputs["testResultsFormat"] == "JUnit"
                published.append(("junit", repo / inputs["testResultsFiles"]))
            elif task.startswith("PublishBuildArtifacts@"):
                assert inputs["ArtifactName"] == "CodeAnalysisLogs"
                published.append(("sarif", Path(inputs["PathtoPublish"]) / "fleetiac.sarif"))
            else:
                raise AssertionError(f"a task the test cannot stand in for: {task}")
            continue
        script = step["script"]
        for macro, value in macros.items():
            script = script.replace(macro, value)
        script = _standin_install(_clone_url_replaced(script), tmp_path)
        if " scan " in script:
            script = script.rstrip("\n") + f" --as-of {AS_OF}"
        done = _bash(script, {}, repo)
        assert done.returncode == 0, (step.get("displayName"), done.stdout, done.stderr)
    assert [kind for kind, _ in published] == ["junit", "sarif"]
    for kind, path in published:
        assert path.is_file(), (kind, path)
    assert 'file="infra/main.tf"' in published[0][1].read_text()
    _validate(json.loads(published[1][1].read_text()))


def test_readme_gitlab_job_runs_on_a_fixture_repository(tmp_path: Path) -> None:
    _need_tools()
    (job,) = _snippet("### GitLab CI").values()
    assert job["image"].startswith("python:")
    repo = _fixture_repo(tmp_path / "project")
    # The job's /tmp paths are under this test's folder.
    script = "\n".join(job["script"]).replace("/tmp/", f"{tmp_path}/tmp/")
    (tmp_path / "tmp").mkdir()
    script = _standin_install(_clone_url_replaced(script), tmp_path)
    script = script.rstrip("\n") + f" --as-of {AS_OF}"
    done = _bash(script, {}, repo)
    assert done.returncode == 0, (done.stdout, done.stderr)
    assert "infra/main.tf:7:1: WARNING FIAC203" in done.stdout
    assert job["artifacts"]["when"] == "always"
    reports = {kind: repo / name for kind, name in job["artifacts"]["reports"].items()}
    assert set(reports) == {"codequality", "sast", "junit"} and all(p.is_file() for p in reports.values())
    assert json.loads(reports["codequality"].read_text())[0]["location"]["path"] == "infra/main.tf"
    assert json.loads(reports["sast"].read_text())["scan"]["type"] == "sast"
    assert 'file="infra/main.tf"' in reports["junit"].read_text()


@pytest.mark.skipif(not INSTALL, reason=NO_INSTALL)
def test_readme_gitlab_install_commands_install_fleetiac(tmp_path: Path) -> None:
    _need_tools()
    (job,) = _snippet("### GitLab CI").values()
    install = [line for line in job["script"] if " scan " not in line]
    script = _clone_url_replaced("\n".join(install).replace("/tmp/", f"{tmp_path}/tmp/"))
    (tmp_path / "tmp").mkdir()
    done = _bash(script, {}, tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "tmp" / "venv" / "bin" / "fleetiac").is_file()


# -------------------------------------------------------------------------------------- pre-commit

def _hook_selects(hook: dict[str, Any], paths: list[str], repo: Path) -> list[str]:
    """The files pre-commit would pass the hook, by its ``files``, ``exclude`` and ``types`` filters."""
    files = re.compile(hook.get("files", ""))
    exclude = re.compile(hook.get("exclude", "^$"))
    types = set(hook.get("types", ["file"]))
    types_or = set(hook.get("types_or", []))
    exclude_types = set(hook.get("exclude_types", []))
    if types != {"file"} or types_or or exclude_types:
        identify = pytest.importorskip("identify.identify", reason="the hook filters by type: needs identify")

        def typed(path: str) -> bool:
            tags = identify.tags_from_path(str(repo / path))
            return types <= tags and (not types_or or bool(types_or & tags)) and not (exclude_types & tags)
    else:
        def typed(path: str) -> bool:
            return (repo / path).is_file()
    return [p for p in paths if files.search(p) and not exclude.search(p) and typed(p)]


def test_readme_pre_commit_hook_runs_on_a_fixture_repository(tmp_path: Path) -> None:
    if shutil.which("bash") is None:
        pytest.skip("bash is not installed")
    config = _snippet("### pre-commit")
    (entry,) = config["repos"]
    assert entry["repo"] == "https://github.com/fleetiac/fleetiac"
    (hooks,) = [yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())]
    by_id = {hook["id"]: hook for hook in hooks}
    (wanted,) = entry["hooks"]
    hook = {**by_id[wanted["id"]], **wanted}
    assert hook["language"] == "python" and hook["pass_filenames"] is False
    repo = _fixture_repo(tmp_path / "repo", error=True)
    for name, text in (("infra/prod.tfvars.json", "{}\n"), ("infra/azuredeploy.json", "{}\n"),
                       ("k8s/app.yaml", "kind: ConfigMap\n"), ("k8s/app.yml", "kind: ConfigMap\n"),
                       ("bicep/main.bicep", "param x string\n"), ("bicep/main.bicepparam", "using 'main.bicep'\n"),
                       ("infra/x.tfvars", "a = 1\n"), ("docs/notes.txt", "notes\n")):
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    # Every kind of file the README says fires the hook does; others do not.
    prose = _readme_section("### pre-commit")
    suffixes = re.findall(r"`(\.[a-z.]+)`", prose.split("whenever", 1)[1].split("changes", 1)[0])
    assert {".tf", ".tfvars", ".tfvars.json", ".bicep", ".bicepparam", ".json", ".yaml", ".yml"} <= set(suffixes)
    for suffix in suffixes:
        assert re.search(hook["files"], f"infra/x{suffix}"), suffix
    assert _hook_selects(hook, ["README.md", "docs/notes.txt"], repo) == []  # the hook does not run
    changed = ["README.md", "infra/main.tf", "infra/prod.tfvars.json", "k8s/app.yml"]
    assert _hook_selects(hook, changed, repo) == ["infra/main.tf", "infra/prod.tfvars.json", "k8s/app.yml"]
    # It runs: the entry (and any args), from the repository root, no file names.
    bin_dir = _standin_bin(tmp_path / "hook-env")
    command = shlex.join([*shlex.split(hook["entry"]), *hook.get("args", []), "--as-of", AS_OF])
    done = _bash(f'export PATH="{bin_dir}:$PATH"\n{command}', {}, repo)
    assert done.returncode == 1, done.stderr  # FIAC201 is an error: the commit is refused
    assert "infra/main.tf:" in done.stdout and " ERROR FIAC201 " in done.stdout
