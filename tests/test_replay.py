"""The replay memo (analyzer/replay.py): the same command on unchanged files writes the recorded
outcome without scanning, and anything the outcome came from, changed, makes it scan again.

Files written by a test are seconds younger than the memo trusts (``RACY_NS``): the tests that are
not about that window shrink it to nothing, and change files in ways that change their status (a
scan between two writes lasts longer than the file system's time granularity).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from fleetiac.analyzer import engine, replay
from fleetiac.analyzer.cli import main
from tests.test_speed_arch import (  # noqa: F401  (fixtures)
    BICEP_FLEET,
    BICEP_MAIN,
    MODULE_BODY,
    MODULE_CALL,
    _terraform_tree,
    cache_root,
    compiled_grammars,
)

ROOT = Path(__file__).resolve().parents[1]
AS_OF = "2026-11-23"


@pytest.fixture
def scans(monkeypatch: pytest.MonkeyPatch, cache_root: Path) -> list[int]:  # noqa: F811
    """Counts the scans that really ran (a replayed one does not call the engine)."""
    ran: list[int] = []
    real = engine.scan

    def counted(*args: object, **kwargs: object) -> object:
        ran.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "scan", counted)
    monkeypatch.setattr(replay, "RACY_NS", -10**18)  # every status trusted: see the module docstring
    return ran


def _run(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["scan", *map(str, args), "--as-of", AS_OF, "--format", "json"],
                                catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def _memos(cache: Path) -> list[Path]:
    return sorted(p for p in (cache / replay.MEMO_FOLDER).rglob("*") if p.is_file())


def _check(scans: list[int], args: list[str | Path], change: Callable[[], object]) -> None:
    """Scan (or replay), replay, make ``change``: the next run scans, and says what an uncached scan says."""
    first = _run(*args)
    ran = len(scans)
    assert _run(*args) == first and len(scans) == ran  # replayed
    change()
    after = _run(*args)
    assert len(scans) == ran + 1, "the change was not seen: the outcome was replayed"
    assert after == _run(*args, "--no-cache")
    assert after != first  # the change mattered, so a stale replay would have been caught
    assert _run(*args) == after and len(scans) == ran + 2  # --no-cache scanned; this one replays


_GROUP_TYPO = (ROOT / "fixtures" / "FIAC201" / "tf-group-typo" / "main.tf").read_text()
FLEET = _GROUP_TYPO[:_GROUP_TYPO.index('resource "azurerm_kubernetes_fleet_member"')]
"""The fixture's fleet and its update strategy (stages of the groups ``canary`` and ``prod``), without its members."""
MEMBER = '''resource "azurerm_kubernetes_fleet_member" "%(name)s" {
  name                  = "%(name)s"
  kubernetes_fleet_id   = %(fleet)s
  kubernetes_cluster_id = "%(cluster)s/%(name)s"
  group                 = %(group)s
}
'''
FLEET_ID = "azurerm_kubernetes_fleet_manager.fleet.id"
"""A member whose group is no stage's group is FIAC201: each test changes what decides the group."""


CLUSTERS = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/" \
           "Microsoft.ContainerService/managedClusters"


def _member(group: str, name: str = "aks-west", fleet: str = FLEET_ID) -> str:
    return MEMBER % {"name": name, "fleet": fleet, "group": group, "cluster": CLUSTERS}


def _tree(tmp_path: Path, *members: str) -> Path:
    tree = tmp_path / "repo" / "live"
    (tmp_path / "repo" / ".git").mkdir(parents=True, exist_ok=True)
    tree.mkdir(exist_ok=True)
    (tree / "main.tf").write_text(FLEET + "".join(members))
    return tree


MODULE = '''variable "fleet_id" {}
''' + MEMBER % {"name": "aks-east", "fleet": "var.fleet_id", "group": '"%s"',
                                                "cluster": CLUSTERS}


def _module_call(source: str) -> str:
    return f'module "members" {{\n  source   = "{source}"\n  fleet_id = {FLEET_ID}\n}}\n'


def test_same_command_on_unchanged_files_replays_its_reports_and_exit_code(
        tmp_path: Path, scans: list[int], cache_root: Path) -> None:  # noqa: F811
    tree = tmp_path / "platform"
    shutil.copytree(ROOT / "examples" / "platform", tree)
    sarif = tmp_path / "out" / "results.sarif"
    args = [tree, "--format", f"sarif:{sarif}"]
    first = _run(*args)
    written = sarif.read_bytes()
    assert first[0] == 1 and len(scans) == 1 and len(_memos(cache_root)) == 1
    sarif.unlink()
    assert _run(*args) == first and len(scans) == 1
    assert sarif.read_bytes() == written  # the file reports are written again
    json.loads(first[1])


def test_another_option_or_date_is_another_command(tmp_path: Path, scans: list[int]) -> None:
    tree = _tree(tmp_path, _member('"production"'))
    _run(tree)
    _run(tree, "--select", "FIAC2")
    _run(tree, "--show-unknown")
    CliRunner().invoke(main, ["scan", str(tree), "--as-of", "2026-11-24", "--format", "json"])
    assert len(scans) == 4
    _run(tree, "--select", "FIAC2")
    assert len(scans) == 4


def test_an_edited_file_is_scanned_again(tmp_path: Path, scans: list[int]) -> None:
    tree = _tree(tmp_path, _member('"prod"'))
    _check(scans, [tree], lambda: (tree / "main.tf").write_text(FLEET + _member('"production"')))


def test_an_added_or_removed_file_is_scanned_again(tmp_path: Path, scans: list[int]) -> None:
    tree = _tree(tmp_path)
    _check(scans, [tree], lambda: (tree / "member.tf").write_text(_member('"production"')))
    _check(scans, [tree], lambda: (tree / "member.tf").unlink())


def test_a_called_module_outside_the_scanned_folder_is_watched(tmp_path: Path, scans: list[int]) -> None:
    tree = _tree(tmp_path, _module_call("../modules/members"))
    module = tmp_path / "repo" / "modules" / "members"
    module.mkdir(parents=True)
    (module / "main.tf").write_text(MODULE % "prod")
    _check(scans, [tree], lambda: (module / "main.tf").write_text(MODULE % "production"))
    _check(scans, [tree], lambda: (module / "more.tf").write_text(_member('"staging"', "aks-more", "var.fleet_id")))


def test_a_downloaded_module_copy_and_its_manifest_are_watched(tmp_path: Path, scans: list[int]) -> None:
    tree = _tree(tmp_path, _module_call("example/members/azurerm"))
    copy = tree / ".terraform" / "modules" / "members"
    copy.mkdir(parents=True)
    (copy / "main.tf").write_text(MODULE % "production")
    manifest = copy.parent / "modules.json"

    def init() -> None:  # `terraform init` writes the manifest: the module is read from then on
        manifest.write_text(json.dumps({"Modules": [
            {"Key": "members", "Source": "example/members/azurerm", "Dir": ".terraform/modules/members"}]}))

    _check(scans, [tree], init)
    _check(scans, [tree], lambda: (copy / "main.tf").write_text(MODULE % "prod"))


BICEP = (ROOT / "fixtures" / "FIAC201" / "bicep-group-typo" / "main.bicep").read_text()


def test_a_file_bicep_loads_is_watched(tmp_path: Path, scans: list[int]) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "main.bicep").write_text("var groups = loadJsonContent('groups.json')\n" + BICEP.replace(
        "group: 'production' // expect: FIAC201", "group: groups.west"))
    (repo / "groups.json").write_text('{"west": "prod"}')
    _check(scans, [repo], lambda: (repo / "groups.json").write_text('{"west": "production"}'))


def test_bicep_parameter_files_are_watched(tmp_path: Path, scans: list[int]) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "main.bicep").write_text("param west string\n" + BICEP.replace(
        "group: 'production' // expect: FIAC201", "group: west"))
    (repo / "dev.bicepparam").write_text("using 'main.bicep'\nparam west = 'prod'\n")
    _check(scans, [repo], lambda: (repo / "dev.bicepparam").write_text(
        "using 'main.bicep'\nparam west = 'production'\n"))


VARIABLE = 'variable "group" {\n  type    = string\n  default = "prod"\n}\n'


def test_files_options_name_and_the_environment_are_watched(
        tmp_path: Path, scans: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    tree = _tree(tmp_path, VARIABLE, _member("var.group"))
    var_file = tmp_path / "extra.tfvars"
    var_file.write_text('group = "prod"\n')
    _check(scans, [tree, "--var-file", var_file], lambda: var_file.write_text('group = "production"\n'))
    monkeypatch.setenv("TF_VAR_group", "prod")
    _check(scans, [tree, "--env-vars"], lambda: monkeypatch.setenv("TF_VAR_group", "production"))


def test_a_baseline_file_is_watched(tmp_path: Path, scans: list[int]) -> None:
    tree = tmp_path / "platform"
    shutil.copytree(ROOT / "examples" / "platform", tree)
    baseline = tmp_path / "baseline.json"
    assert CliRunner().invoke(main, ["scan", str(tree), "--as-of", AS_OF, "--write-baseline",
                                     str(baseline)]).exit_code == 0
    entries = json.loads(baseline.read_text())

    def forget_one() -> None:
        key = next(k for k, v in entries.items() if isinstance(v, list) and v)
        entries[key] = entries[key][1:]
        baseline.write_text(json.dumps(entries))

    _check(scans, [tree, "--baseline", baseline], forget_one)


def test_no_memo_without_the_cache_or_when_writing_a_baseline(
        tmp_path: Path, scans: list[int], cache_root: Path) -> None:  # noqa: F811
    tree = _tree(tmp_path, _member('"production"'))
    _run(tree, "--no-cache")
    _run(tree, "--no-cache")
    CliRunner().invoke(main, ["scan", str(tree), "--write-baseline", str(tmp_path / "b.json")])
    CliRunner().invoke(main, ["scan", str(tree), "--write-baseline", str(tmp_path / "b.json")])
    assert len(scans) == 4 and _memos(cache_root) == []


def test_a_scan_that_failed_inside_is_not_recorded(
        tmp_path: Path, scans: list[int], cache_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    tree = _tree(tmp_path, _member('"production"'))

    def broken(*_args: object, **_kwargs: object) -> object:
        raise RuntimeError("a rule's bug")

    monkeypatch.setattr(engine, "run_rules", broken)
    assert _run(tree)[0] == 2 and _run(tree)[0] == 2
    assert len(scans) == 2 and _memos(cache_root) == []


def test_a_damaged_or_foreign_memo_is_a_miss(tmp_path: Path, scans: list[int], cache_root: Path) -> None:  # noqa: F811
    tree = _tree(tmp_path, _member('"production"'))
    first = _run(tree)
    [memo] = _memos(cache_root)
    data = bytearray(memo.read_bytes())
    data[-1] ^= 1  # the payload no longer matches its MAC
    memo.write_bytes(bytes(data))
    assert _run(tree) == first and len(scans) == 2
    assert _run(tree) == first and len(scans) == 2  # the scan recorded a good memo again


def test_files_changed_just_before_the_scan_are_not_trusted(
        tmp_path: Path, cache_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    """With the real window, a file written a moment ago (as every file of this test is) leaves no
    memo: its status may not yet show a change made in the same tick of the file system's clock."""
    ran: list[int] = []
    real = engine.scan
    monkeypatch.setattr(engine, "scan", lambda *a, **k: ran.append(1) or real(*a, **k))
    tree = _tree(tmp_path, _member('"production"'))
    _run(tree)
    _run(tree)
    assert len(ran) == 2 and _memos(cache_root) == []
    old = time.time() - 60
    os.utime(tree / "main.tf", (old, old))  # the change time stays now: still not trusted
    _run(tree)
    assert len(ran) == 3 and _memos(cache_root) == []


def test_observe_tells_kinds_apart(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    link = tmp_path / "link"
    link.symlink_to(target)
    seen = replay.observe("stat", str(link))
    assert seen is not None and seen[1] == 1
    assert replay.observe("stat", str(tmp_path / "missing")) is None
    assert replay.observe("real", str(link)) == str(target.resolve())
    assert replay.observe("real", str(tmp_path / "missing")) is None
    assert replay.observe("exists", str(link)) is True
    with pytest.raises(ValueError):
        replay.observe("read", str(link))


def test_the_code_a_plan_is_mapped_to_is_watched(tmp_path: Path, scans: list[int]) -> None:
    from tests.frontends.plan_shapes import dumps
    from tests.frontends.test_tfplan import ACCESS_TF, MAIN_TF, platform_plan

    repo = tmp_path / "repo"
    (repo / "modules" / "access").mkdir(parents=True)
    (repo / ".git").mkdir()
    (repo / "main.tf").write_text(MAIN_TF)
    (repo / "modules" / "access" / "main.tf").write_text(ACCESS_TF)
    (repo / "plan.json").write_text(dumps(platform_plan()))
    # Only the plan is scanned: its resources are placed in the code beside it, read from disk.
    _check(scans, [repo / "plan.json"], lambda: (repo / "main.tf").write_text("\n\n" + MAIN_TF))
