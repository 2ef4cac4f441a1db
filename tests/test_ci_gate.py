"""Defects that broke or silently weakened the gate (issue 17, items 1, 2, 4 and 6): each test failed
on the code before the fix."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.ci_helpers import AS_OF, ONLY, ROOT, member_tf, run


def test_reports_go_into_folders_that_do_not_exist_yet(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(member_tf())
    sarif = tmp_path / "results" / "deep" / "out.sarif"
    result = run("scan", str(tmp_path), *ONLY, *AS_OF, "--fail-on", "never", "-f", "sarif", "-o", str(sarif))
    assert result.exit_code == 0
    assert json.loads(sarif.read_text())["runs"][0]["results"][0]["ruleId"] == "FIAC203"


def test_a_report_that_cannot_be_written_is_one_line_exit_2_and_the_others_are_written(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(member_tf())
    blocker = tmp_path / "file"
    blocker.write_text("")
    junit = tmp_path / "out" / "junit.xml"
    result = run("scan", str(tmp_path), *ONLY, *AS_OF, "--fail-on", "never",
                 "-f", f"sarif:{blocker}/out.sarif", "-f", f"junit:{junit}", "-f", "json")
    assert result.exit_code == 2
    assert result.stderr == f"fleetiac: cannot write {blocker.as_posix()}/out.sarif: File exists\n"
    assert junit.is_file()
    assert json.loads(result.stdout)["findings"][0]["rule_id"] == "FIAC203"


@pytest.mark.parametrize(("option", "value", "message"), [
    ("--select", "FIAC999",
     "Error: --select: 'FIAC999' is not a rule ID, an ID prefix (FIAC2) or a rule name; did you mean "),
    ("--select", "FIAC2 FIAC4", "Error: --select: 'FIAC2 FIAC4' is not a rule ID, an ID prefix (FIAC2) or a rule "),
    ("--ignore", "member-without-grup", "Error: --ignore: 'member-without-grup' is not a rule ID, an ID prefix "
                                         "(FIAC2) or a rule name; did you mean 'member-without-group'?"),
])
def test_unknown_rule_selectors_are_usage_errors(tmp_path: Path, option: str, value: str, message: str) -> None:
    (tmp_path / "main.tf").write_text(member_tf())
    result = run("scan", str(tmp_path), option, value, *AS_OF)
    assert result.exit_code == 2
    assert message in result.stderr


def test_unknown_selectors_in_a_configuration_are_usage_errors_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(member_tf())
    (tmp_path / ".fleetiac.toml").write_text('ignore = ["FIAC2O3"]\n')
    result = run("scan", str(tmp_path), *AS_OF)
    assert result.exit_code == 2
    assert "Error: ignore in .fleetiac.toml: 'FIAC2O3' is not a rule ID" in result.stderr


def test_rule_names_work_as_selectors_levels_and_for_explain(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(member_tf())
    result = run("scan", str(tmp_path), "--select", "member-without-group", "--format", "json", *AS_OF,
                 "--level", "member-without-group=error")
    assert result.exit_code == 1
    assert [(f["rule_id"], f["level"]) for f in json.loads(result.stdout)["findings"]] == [("FIAC203", "error")]
    result = run("scan", str(tmp_path), "--ignore", "member-without-group", "--format", "json", *AS_OF)
    assert "FIAC203" not in {f["rule_id"] for f in json.loads(result.stdout)["findings"]}
    explained = run("explain", "member-without-group")
    assert explained.exit_code == 0 and explained.stdout.startswith("# FIAC203 member-without-group (warning)")


def test_scanning_nothing_is_a_usage_error_unless_allowed(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# docs\n")
    result = run("scan", str(tmp_path), *AS_OF)
    assert result.exit_code == 2
    assert result.stderr.startswith("fleetiac: no file fleetiac reads (")
    assert {".bicep", ".tf", ".yaml"} <= set(result.stderr.split("(", 1)[1].split(")", 1)[0].split())
    assert result.stderr.rstrip().endswith(f"found under {tmp_path.as_posix()} (--allow-empty to accept that)")
    result = run("scan", str(tmp_path), "--allow-empty", *AS_OF)
    assert result.exit_code == 0 and result.stdout.strip() == "No findings in 0 files."


def test_a_missing_var_file_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(member_tf())
    result = run("scan", str(tmp_path), "--var-file", str(tmp_path / "prod.tfvars"), *AS_OF)
    assert result.exit_code == 2
    assert f"Error: --var-file '{(tmp_path / 'prod.tfvars').as_posix()}': no such file" in result.stderr


def _tree(tmp_path: Path, files: int) -> Path:
    tree = tmp_path / "tree"
    tree.mkdir()
    for i in range(files):
        (tree / f"m{i}.tf").write_text(member_tf(name=f"m{i}").replace('"fleet"', f'"fleet{i}"'))
    return tree


def _children(pid: int) -> set[int]:
    found = set()
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(pid):
            found.add(int(status.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait_for_workers(process: subprocess.Popen[bytes]) -> set[int]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        workers = _children(process.pid)
        if workers:
            return workers
        time.sleep(0.05)
    pytest.skip("the scan ended before it started worker processes")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc to find the worker processes")
@pytest.mark.parametrize(("sent", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, None), (signal.SIGKILL, None)])
def test_workers_end_with_their_parent_and_ctrl_c_exits_130(tmp_path: Path, sent: int, code: int | None) -> None:
    tree = _tree(tmp_path, 400)
    env = {**os.environ, "FLEETIAC_CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, "-m", "fleetiac", "scan", str(tree), "--no-cache",
                                "--workers", "2", *AS_OF], env=env, cwd=tmp_path,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    workers = _wait_for_workers(process)
    process.send_signal(sent)
    returned = process.wait(timeout=30)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(w) for w in workers):
        time.sleep(0.05)
    left = [w for w in workers if _alive(w)]
    for worker in left:  # do not leave them behind for the rest of the suite
        os.kill(worker, signal.SIGKILL)
    assert left == []
    # Read only now: a worker left alive would hold the pipe open.
    stderr = process.stderr.read().decode() if process.stderr else ""
    if code is not None:
        assert (returned, stderr) == (code, "fleetiac: interrupted\n")
    else:
        assert returned == -sent


def test_an_exclude_pattern_that_matches_nothing_is_a_notice(tmp_path: Path) -> None:
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "main.tf").write_text(member_tf())
    result = run("scan", str(tmp_path), *ONLY, *AS_OF, "--format", "json", "--exclude", "infar/**",
                 "--exclude", "infra/legacy/**", "--exclude", "infra/main.tf")
    notices = json.loads(result.stdout)["notices"]
    assert [n for n in notices if n.startswith("--exclude")] == [
        "--exclude pattern 'infar/**' matches no scanned file (patterns are relative to the report root)",
        "--exclude pattern 'infra/legacy/**' matches no scanned file (patterns are relative to the report root)"]
