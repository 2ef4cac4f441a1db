"""The parse stage, parse cache and grammar cache: faster, never different.

Benchmarks live in bench/ (``make bench``); nothing here is timed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from fleetiac.analyzer import cache as cache_module
from fleetiac.analyzer import parsestage
from fleetiac.analyzer.cli import main
from fleetiac.analyzer.discovery import discover
from fleetiac.analyzer.engine import ScanOptions, scan
from fleetiac.analyzer.frontends import grammars
from fleetiac.analyzer.parsestage import ParseStats, parse_files

ROOT = Path(__file__).resolve().parents[1]
TREES = [ROOT / "examples", ROOT / "fixtures"]
AS_OF = date(2026, 11, 23)

FLEET_TF = '''resource "azurerm_kubernetes_fleet_manager" "fleet" {
  name                = "fleet"
  location            = "westeurope"
  resource_group_name = "rg"
  hub_profile {
    dns_prefix = "%s"
  }
}
'''


@pytest.fixture(scope="session")
def compiled_grammars() -> Path:
    """The suite's grammar cache, compiled once (building python-hcl2's takes seconds)."""
    session_root = Path(os.environ["FLEETIAC_CACHE_DIR"])
    grammars.configure(session_root)
    grammars.hcl2_parser()
    grammars.bicep_parser()
    return session_root / "grammars"


@pytest.fixture
def cache_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, compiled_grammars: Path) -> Path:
    """An empty parse cache of the test's own, with the compiled grammars copied in."""
    root = tmp_path / "cache"
    shutil.copytree(compiled_grammars, root / "grammars")
    monkeypatch.setenv("FLEETIAC_CACHE_DIR", str(root))
    yield root
    grammars.configure(None)  # later tests must not keep using a removed folder
    cache_module.use_for_line_hashes(None)


def _files_in(root: Path) -> list[tuple[str, int]]:
    return sorted((p.relative_to(root).as_posix(), p.stat().st_mtime_ns) for p in root.rglob("*") if p.is_file())


def _scan(path: Path, **options: object) -> object:
    return scan([path], ScanOptions(**{"as_of": AS_OF, **options}))  # type: ignore[arg-type]


@pytest.mark.parametrize("tree", TREES, ids=lambda p: p.name)
def test_parsed_data_is_identical_in_process_in_workers_and_from_cache(
        tree: Path, cache_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parsestage, "MIN_FILES_FOR_WORKERS", 1)  # workers even for a small tree
    _, files = discover([tree])
    plain = parse_files(files, cache_root=None, workers=1)
    cold_stats, warm_stats = ParseStats(), ParseStats()
    in_workers = parse_files(files, cache_root=cache_root, workers=2, stats=cold_stats)
    cached = parse_files(files, cache_root=cache_root, workers=2, stats=warm_stats)
    assert plain == in_workers == cached
    assert cold_stats.workers == 2 and cold_stats.parsed == cold_stats.files > 0
    assert warm_stats.cached == warm_stats.files and warm_stats.parsed == 0


@pytest.mark.parametrize("tree", TREES, ids=lambda p: p.name)
def test_reports_are_identical_cached_uncached_single_process_and_workers(
        tree: Path, cache_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parsestage, "MIN_FILES_FOR_WORKERS", 1)
    before = _files_in(cache_root)
    uncached = _scan(tree, cache=False, workers=1)
    assert _files_in(cache_root) == before
    cold_workers = _scan(tree, cache=True, workers=2)
    warm_single = _scan(tree, cache=True, workers=1)
    warm_workers = _scan(tree, cache=True, workers=2)
    assert uncached == cold_workers == warm_single == warm_workers
    if uncached.findings:  # line hashes came from the cache the second time
        assert list((cache_root / f"lines-v{cache_module.FORMAT_VERSION}").rglob("*"))


def test_a_changed_file_is_parsed_again(tmp_path: Path, cache_root: Path) -> None:
    source = tmp_path / "tree" / "main.tf"
    source.parent.mkdir()
    source.write_text(FLEET_TF % "one")
    first = parse_files(discover([source.parent])[1], cache_root=cache_root)
    source.write_text(FLEET_TF % "two")
    stats = ParseStats()
    second = parse_files(discover([source.parent])[1], cache_root=cache_root, stats=stats)
    assert stats.parsed == 1 and stats.cached == 0
    assert first != second
    assert "two" in repr(second["main.tf"]) and "one" not in repr(second["main.tf"])


def test_a_parse_error_is_cached_as_the_same_diagnostic(tmp_path: Path, cache_root: Path) -> None:
    (tmp_path / "tree").mkdir()
    (tmp_path / "tree" / "broken.tf").write_text('resource "x" "y" {\n  name = \n')
    (tmp_path / "tree" / "broken.bicep").write_text("resource x 'A/b@1' = {\n  name: \n")
    cold = _scan(tmp_path / "tree")
    stats = ParseStats()
    parse_files(discover([tmp_path / "tree"])[1], cache_root=cache_root, stats=stats)
    warm = _scan(tmp_path / "tree")
    assert stats.cached == 2
    assert cold == warm
    assert {d.location.path for d in warm.diagnostics} == {"broken.tf", "broken.bicep"}


def test_corrupt_or_foreign_entries_are_ignored(tmp_path: Path, cache_root: Path) -> None:
    tree = ROOT / "examples"
    expected = _scan(tree, cache=False)
    _scan(tree)
    entries = [p for p in (cache_root / f"parse-v{cache_module.FORMAT_VERSION}").rglob("*") if p.is_file()]
    assert entries
    for i, entry in enumerate(entries):
        data = entry.read_bytes()
        # Truncated, garbage, and a whole entry moved under another key.
        entry.write_bytes(data[: len(data) // 2] if i % 3 == 0 else b"\x80\x05garbage" if i % 3 == 1
                          else entries[(i + 1) % len(entries)].read_bytes() if len(entries) > 1 else b"")
    assert _scan(tree) == expected
    assert _scan(tree) == expected  # the rewritten entries read back


def test_no_cache_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "cache"
    monkeypatch.setenv("FLEETIAC_CACHE_DIR", str(root))
    try:
        result = CliRunner().invoke(main, ["scan", "--no-cache", "--fail-on", "never", str(ROOT / "examples")])
    finally:
        grammars.configure(None)
    assert result.exit_code == 0, result.output
    assert not root.exists()


def test_cache_info_and_clear(tmp_path: Path, cache_root: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["scan", "--fail-on", "never", str(ROOT / "examples")]).exit_code == 0
    cache_root.joinpath("notes.txt").write_text("not ours")  # a folder the user pointed us at
    info = runner.invoke(main, ["cache", "info"])
    assert info.exit_code == 0 and str(cache_root) in info.output and " files, " in info.output
    cleared = runner.invoke(main, ["cache", "clear"])
    assert cleared.exit_code == 0 and "removed" in cleared.output
    assert sorted(p.name for p in cache_root.iterdir()) == ["notes.txt"]
    assert cache_module.info(cache_root).files == 1


def test_cache_folder_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("FLEETIAC_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_module.cache_dir() == tmp_path / "xdg" / "fleetiac"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_module.cache_dir() == tmp_path / "home" / ".cache" / "fleetiac"
    monkeypatch.setenv("FLEETIAC_CACHE_DIR", str(tmp_path / "own"))
    assert cache_module.cache_dir() == tmp_path / "own"


def test_own_grammar_caches_parse_exactly_like_the_libraries(cache_root: Path) -> None:
    from lark import Lark

    # The HCL grammar is python-hcl2's edited (grammars._HCL2_EDITS): the reference is the same
    # grammar built in memory, without any cache.
    grammars.configure(None)
    reference_hcl = grammars.hcl2_parser()
    shutil.rmtree(cache_root / "grammars")
    grammars.configure(cache_root)
    for _ in range(2):  # built, then loaded from the cache file
        grammars._parsers.clear()
        for path in sorted((ROOT / "fixtures").rglob("*.tf"))[:40]:
            text = path.read_text(encoding="utf-8-sig")
            try:
                expected = reference_hcl.parse(text + " \n")
            except Exception as error:
                with pytest.raises(type(error)):
                    grammars.hcl2_tree(text)
                continue
            assert grammars.hcl2_tree(text) == expected
    # The Bicep grammar is pycep's edited (grammars._BICEP_EDITS), reading prepared text.
    from fleetiac.analyzer.frontends.bicep.syntax import prepare

    reference = Lark(grammar=grammars.bicep_grammar(), parser="lalr", propagate_positions=True, regex=True,
                     cache=False, keep_all_tokens=True)
    for path in sorted((ROOT / "fixtures").rglob("*.bicep"))[:40]:
        text = prepare(path.read_text(encoding="utf-8-sig") + "\n")
        try:
            expected = reference.parse(text)
        except Exception as error:
            with pytest.raises(type(error)):
                grammars.bicep_parser().parse(text)
            continue
        assert grammars.bicep_parser().parse(text) == expected
    assert {p.name.split("-")[0] for p in (cache_root / "grammars").iterdir()} == {"hcl2", "pycep"}


def test_progress_only_when_asked_or_on_a_terminal(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parsestage, "PROGRESS_AFTER", 0.0)
    _, files = discover([ROOT / "examples"])
    parse_files(files, cache_root=None, workers=1, progress=False)
    assert capsys.readouterr().err == ""
    parse_files(files, cache_root=None, workers=1)  # stderr is not a terminal under pytest
    assert capsys.readouterr().err == ""
    parse_files(files, cache_root=None, workers=1, progress=True)
    assert "parsing 3/3 files" in capsys.readouterr().err


def test_workers_fall_back_to_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise OSError("no processes here")

    monkeypatch.setattr(parsestage, "MIN_FILES_FOR_WORKERS", 1)
    import multiprocessing.context

    monkeypatch.setattr(multiprocessing.context.ForkProcess, "start", refuse)
    _, files = discover([ROOT / "examples"])
    stats = ParseStats()
    assert parse_files(files, cache_root=None, workers=2, stats=stats) == parse_files(files, cache_root=None,
                                                                                       workers=1)
    assert stats.workers == 1


def test_suite_uses_a_private_cache_folder() -> None:
    assert "fleetiac-test-cache-" in os.environ["FLEETIAC_CACHE_DIR"]


# --- Evaluated units remembered across scans: identical reports, and never a stale result ---------

def _json(path: Path, *extra: str, env: dict[str, str] | None = None) -> str:
    runner = CliRunner()
    done = runner.invoke(main, ["scan", str(path), "--format", "json", "--fail-on", "never", "--no-progress",
                                "--as-of", AS_OF.isoformat(), *extra], env=env)
    assert done.exit_code == 0, done.output
    return done.output


@pytest.fixture(scope="module")
def bench_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import sys

    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from generate import generate  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(ROOT / "bench"))
    return generate(tmp_path_factory.mktemp("bench") / "tree", 24, 8)


@pytest.mark.parametrize("which", ["examples", "fixtures", "bench"])
def test_json_reports_identical_cold_warm_touched_uncached_one_worker(
        which: str, tmp_path: Path, cache_root: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest,
) -> None:
    monkeypatch.setattr(parsestage, "MIN_FILES_FOR_WORKERS", 1)
    source = request.getfixturevalue("bench_tree") if which == "bench" else ROOT / which
    tree = tmp_path / "tree"
    shutil.copytree(source, tree, symlinks=True)
    uncached = _json(tree, "--no-cache", "--workers", "1")
    assert _json(tree) == uncached  # cold, into the cache
    assert _json(tree) == uncached  # warm
    assert _json(tree, "--workers", "1") == uncached
    touched = sorted(tree.rglob("*.tf"))[0]
    touched.write_text(touched.read_text() + "\n# touched\n")
    assert _json(tree) == _json(tree, "--no-cache", "--workers", "1")
    assert list((cache_root / f"units-v{cache_module.FORMAT_VERSION}").iterdir())


def _resources(paths: list[Path], **options: object) -> str:
    from fleetiac.analyzer.engine import load

    _, files = discover(paths)
    loaded = load(files, ScanOptions(as_of=AS_OF, **options))  # type: ignore[arg-type]
    variants, diagnostics, notices = loaded.variants, loaded.diagnostics, loaded.notices
    # And the whole scan's report, whose findings come from the findings cache when nothing changed.
    report = scan(paths, ScanOptions(as_of=AS_OF, **options))  # type: ignore[arg-type]
    return repr((variants, sorted(diagnostics, key=repr), notices, report.findings, report.notices))


def _check_fresh(paths: list[Path], change: object, **options: object) -> None:
    """Scan twice into the cache, make ``change``, and compare the cached scan with an uncached one."""
    before = _resources(paths, **options)
    assert _resources(paths, **options) == before
    changed = change()  # type: ignore[operator]
    if isinstance(changed, dict):  # new options instead of a changed file
        options = changed
    after = _resources(paths, **options)
    assert after == _resources(paths, cache=False, **options)
    assert after != before  # the change mattered, so a stale result would have been caught


MODULE_CALL = '''module "fleet" {
  source = "%s"
  prefix = var.prefix
}
variable "prefix" {
  type    = string
  default = "default"
}
'''
MODULE_BODY = '''variable "prefix" {}
resource "azurerm_kubernetes_fleet_manager" "fleet" {
  name                = "fleet-${var.prefix}-%s"
  location            = "westeurope"
  resource_group_name = "rg"
}
'''


def _terraform_tree(tmp_path: Path) -> tuple[Path, Path]:
    """A repository whose scanned folder ``live`` calls a module beside it (inside the repository:
    the scanned root, the only place modules are read from, is the git root; the cache folder lies
    outside it, where a cache is used)."""
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    live, module = repo / "live", repo / "modules" / "fleet"
    live.mkdir()
    module.mkdir(parents=True)
    (live / "main.tf").write_text(MODULE_CALL % "../modules/fleet")
    (module / "main.tf").write_text(MODULE_BODY % "one")
    return live, module


def test_unit_cache_sees_a_module_outside_the_scanned_folder_change(tmp_path: Path, cache_root: Path) -> None:
    live, module = _terraform_tree(tmp_path)
    _check_fresh([live], lambda: (module / "main.tf").write_text(MODULE_BODY % "two"))


def test_unit_cache_sees_a_new_file_in_a_called_module(tmp_path: Path, cache_root: Path) -> None:
    live, module = _terraform_tree(tmp_path)
    _check_fresh([live], lambda: (module / "extra.tf").write_text(
        (FLEET_TF % "extra").replace('"fleet" {', '"extra" {')))


def test_unit_cache_sees_a_called_folder_change_role(tmp_path: Path, cache_root: Path) -> None:
    """A called folder with resources is also evaluated on its own; a root folder that becomes called
    gives standalone results (another key), and what a standalone result adds depends on what its
    callers evaluate (it is reduced after the cache, never stored reduced)."""
    live, _ = _terraform_tree(tmp_path)
    repo = live.parent
    (live / "main.tf").write_text('variable "prefix" {}\n')
    _check_fresh([repo], lambda: (live / "main.tf").write_text(MODULE_CALL % "../modules/fleet"))
    _check_fresh([repo], lambda: (live / "main.tf").write_text(
        (MODULE_CALL % "../modules/fleet").replace("  prefix", "  count  = 0\n  prefix")))


def test_unit_cache_sees_a_downloaded_module_copy_change(tmp_path: Path, cache_root: Path) -> None:
    import json

    live = tmp_path / "live"
    copy = live / ".terraform" / "modules" / "fleet"
    copy.mkdir(parents=True)
    (live / "main.tf").write_text(MODULE_CALL % "example/fleet/azurerm")
    (copy / "main.tf").write_text(MODULE_BODY % "one")
    (copy.parent / "modules.json").write_text(json.dumps(
        {"Modules": [{"Key": "fleet", "Source": "example/fleet/azurerm", "Dir": ".terraform/modules/fleet"}]}))
    _check_fresh([live], lambda: (copy / "main.tf").write_text(MODULE_BODY % "two"))


def test_unit_cache_sees_a_loaded_json_file_change(tmp_path: Path, cache_root: Path) -> None:
    # loadJsonContent() reads a file the scan does not parse: the Bicep unit depends on it.
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "main.bicep").write_text("var names = loadJsonContent('names.json')\n"
                                     "resource f 'Microsoft.ContainerService/fleets@2025-03-01' = {\n"
                                     "  name: names.fleet\n  location: 'westeurope'\n}\n")
    (repo / "names.json").write_text('{"fleet": "one"}')
    _check_fresh([repo], lambda: (repo / "names.json").write_text('{"fleet": "two"}'))


def test_unit_cache_sees_a_tfvars_change(tmp_path: Path, cache_root: Path) -> None:
    live, _ = _terraform_tree(tmp_path)
    (live / "terraform.tfvars").write_text('prefix = "a"\n')
    _check_fresh([live], lambda: (live / "terraform.tfvars").write_text('prefix = "b"\n'))


def test_unit_cache_sees_var_var_file_and_environment_changes(
        tmp_path: Path, cache_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    live, _ = _terraform_tree(tmp_path)
    _check_fresh([live], lambda: {"variables": (("prefix", "cli"),)})
    var_file = tmp_path / "extra.tfvars"
    var_file.write_text('prefix = "file-one"\n')
    _check_fresh([live], lambda: var_file.write_text('prefix = "file-two"\n'), var_files=(var_file,))
    monkeypatch.setenv("TF_VAR_prefix", "env-one")
    _check_fresh([live], lambda: monkeypatch.setenv("TF_VAR_prefix", "env-two"), env_vars=True)


BICEP_MAIN = '''param prefix string = 'main'
module fleet 'fleet.bicep' = {
  name: 'fleet'
  params: {
    prefix: prefix
  }
}
'''
BICEP_FLEET = '''param prefix string
resource fleet 'Microsoft.ContainerService/fleets@2024-04-01' = {
  name: '${prefix}-%s'
  location: 'westeurope'
}
'''


def test_unit_cache_sees_bicep_module_and_parameter_file_changes(tmp_path: Path, cache_root: Path) -> None:
    tree = tmp_path / "tree"  # beside the cache folder: a cache inside the scanned tree is never used
    tree.mkdir()
    (tree / "main.bicep").write_text(BICEP_MAIN)
    (tree / "fleet.bicep").write_text(BICEP_FLEET % "one")
    (tree / "dev.bicepparam").write_text("using 'main.bicep'\nparam prefix = 'dev'\n")
    _check_fresh([tree], lambda: (tree / "fleet.bicep").write_text(BICEP_FLEET % "two"))
    _check_fresh([tree], lambda: (tree / "dev.bicepparam").write_text(
        "using 'main.bicep'\nparam prefix = 'test'\n"))


def test_line_hashes_are_computed_only_for_sarif(monkeypatch: pytest.MonkeyPatch, cache_root: Path) -> None:
    """Only SARIF shows primaryLocationLineHash: other formats do not read and hash the files of
    their findings for it."""
    from fleetiac.analyzer import postscan

    computed: list[int] = []
    real = postscan.hashes_for
    monkeypatch.setattr(postscan, "hashes_for", lambda *a: computed.append(1) or real(*a))
    example = str(ROOT / "examples" / "platform")
    for fmt in ("json", "text", "junit"):
        assert CliRunner().invoke(main, ["scan", example, "--format", fmt, "--as-of", "2026-11-23"]).exit_code == 1
    assert computed == []
    result = CliRunner().invoke(main, ["scan", example, "--format", "sarif", "--as-of", "2026-11-23"])
    assert result.exit_code == 1 and computed == [1]
    assert '"primaryLocationLineHash"' in result.output


def test_unit_cache_sees_a_yaml_manifest_change(tmp_path: Path, cache_root: Path) -> None:
    case = ROOT / "fixtures" / "FIAC601" / "yaml-min-equals-replicas"
    shutil.copytree(case, tmp_path / "case")
    manifest = tmp_path / "case" / "app.yaml"
    _check_fresh([tmp_path / "case"], lambda: manifest.write_text(
        manifest.read_text().replace("minAvailable: 3", "minAvailable: 2")))


def test_findings_are_reused_only_for_the_same_resources_date_operators_and_rules(
        tmp_path: Path, cache_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The rules run again whenever anything they read differs; an unchanged tree with unchanged
    options reuses their findings, and every report equals an uncached scan's."""
    from fleetiac.analyzer import engine

    tree = tmp_path / "platform"
    shutil.copytree(ROOT / "examples" / "platform", tree)
    runs: list[int] = []
    real = engine.run_rules
    monkeypatch.setattr(engine, "run_rules", lambda *a, **k: runs.append(1) or real(*a, **k))

    def checked(**options: object) -> bool:
        """Whether the scan ran the rules; its report must equal an uncached scan's."""
        runs.clear()
        cached = _scan(tree, **options)
        ran = bool(runs)
        assert cached == _scan(tree, cache=False, **options)
        return ran

    assert checked()
    assert not checked()  # nothing changed
    assert checked(as_of=date(2027, 6, 1)) and not checked(as_of=date(2027, 6, 1))
    assert checked(operators=("00000000-0000-0000-0000-000000000042",))
    assert checked(select=("FIAC1",)) and not checked(select=("FIAC1",))
    main_tf = tree / "fleet" / "main.tf"
    main_tf.write_text(main_tf.read_text() + "\n# an edit that changes no resource\n")
    assert not checked()  # the same resources: the rules' results still hold
    main_tf.write_text(main_tf.read_text().replace('"Production"', '"production"'))
    assert checked()


def test_unit_index_trail_names_the_records_a_scan_used(tmp_path: Path) -> None:
    from fleetiac.analyzer.cache import UnitIndex

    first = UnitIndex(tmp_path, "scope")
    first.put("a", [1, 2])
    first.put("b", {"x": 1})
    trail = first.trail()
    first.save()
    again = UnitIndex(tmp_path, "scope")
    assert again.get("a") == [1, 2] and again.get("b") == {"x": 1}
    assert again.trail() == trail
    changed = UnitIndex(tmp_path, "scope")
    changed.get("a")
    changed.put("b", {"x": 2})
    assert changed.trail() not in (None, trail)
    partial = UnitIndex(tmp_path, "scope")
    partial.get("a")
    partial.untracked()  # a result that bypassed the index: no identity at all
    assert partial.trail() is None
    assert UnitIndex(None, "scope").trail() is None


def test_suppressions_read_only_files_that_can_hold_a_directive(
        tmp_path: Path, cache_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The parse stage has read every file once for its cache key; the suppression pass reads again
    only files whose bytes mention ``fleetiac``, and suppresses exactly what an uncached scan does."""
    from fleetiac.analyzer.suppressions import SourceTexts

    tree = tmp_path / "platform"
    shutil.copytree(ROOT / "examples" / "platform", tree)
    fleet = tree / "fleet" / "main.tf"
    lines = fleet.read_text().splitlines()
    lines.insert(40, "  # fleetiac:ignore FIAC504 -- the group is renamed in the next change")  # above line 41
    fleet.write_text("\n".join(lines) + "\n")
    (tree / "k8s.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: quiet\n")
    read: list[str] = []
    real = SourceTexts.get
    monkeypatch.setattr(SourceTexts, "get", lambda self, display, *a: read.append(display) or real(self, display, *a))
    cached = _scan(tree, line_hashes=False)  # line hashes would read the files with findings too
    assert sorted(set(read)) == ["fleet/main.tf"]
    read.clear()
    assert _scan(tree, cache=False, line_hashes=False) == cached
    assert set(read) >= {"fleet/clusters.tf", "fleet/rbac.tf", "k8s.yaml"}  # uncached: every file read here
    assert {f.rule_id for f in cached.suppressed} == {"FIAC504"}


def test_rules_are_imported_while_workers_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    """With workers, the rules and the graph library are loaded while they parse (not after, with a
    core idle); in one process that hook is not called and the scan is the same."""
    from fleetiac.analyzer import engine

    calls: list[int] = []

    def steps() -> Iterator[None]:
        calls.append(1)
        yield
        calls.append(2)

    monkeypatch.setattr(parsestage, "MIN_FILES_FOR_WORKERS", 1)
    monkeypatch.setattr(engine, "_ready_for_rules", steps)
    with_workers = _scan(ROOT / "examples", cache=False, workers=2)
    assert calls == [1, 2]  # every step, even when the workers are done first
    calls.clear()
    assert _scan(ROOT / "examples", cache=False, workers=1) == with_workers
    assert calls == []


def test_parse_fingerprint_covers_whole_front_end_packages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A module added to a front end changes the parse cache's keys, and a fingerprint path that no
    longer exists is an error instead of a key blind to that code."""
    from fleetiac.analyzer import cache

    package = Path(cache.__file__).resolve().parent
    files = cache._code_files(package, cache._PARSER_CODE)
    assert package / "frontends" / "terraform" / "syntax.py" in files
    assert package / "frontends" / "bicep" / "syntax.py" in files
    copy = tmp_path / "analyzer"
    for path in files:
        target = copy / path.relative_to(package)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())

    def digest() -> str:
        h = hashlib.sha256()
        cache._hash_files(h, copy, cache._code_files(copy, cache._PARSER_CODE))
        return h.hexdigest()

    before = digest()
    (copy / "frontends" / "bicep" / "new_module.py").write_text("X = 1\n", encoding="utf-8")
    assert digest() != before
    with pytest.raises(cache.FingerprintError, match=r"renamed\.py"):
        cache._code_files(copy, ("renamed.py",))


def test_lark_load_options_match_the_installed_lark() -> None:
    # grammars.LOAD_OPTIONS writes out Lark's private list instead of importing it; if a Lark release
    # admitted by pyproject.toml changes the list, this says so before a saved parser loads wrongly.
    from lark.lark import _LOAD_ALLOWED_OPTIONS

    from fleetiac.analyzer.frontends.grammars import LOAD_OPTIONS

    assert set(_LOAD_ALLOWED_OPTIONS) == LOAD_OPTIONS


def _cgroup(tmp_path: Path, self_cgroup: str, files: dict[str, str]) -> tuple[Path, Path]:
    root = tmp_path / "cgroup"
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    proc = tmp_path / "self-cgroup"
    proc.write_text(self_cgroup)
    return root, proc


def test_cpu_quota_reads_cgroup_v2_cpu_max_of_the_group_and_its_ancestors(tmp_path: Path) -> None:
    root, proc = _cgroup(tmp_path, "0::/kubepods/pod1/ctr\n", {
        "cpu.max": "max 100000\n",
        "kubepods/cpu.max": "400000 100000\n",
        "kubepods/pod1/cpu.max": "150000 100000\n",
        "kubepods/pod1/ctr/cpu.max": "max 100000\n",
    })
    assert parsestage.cpu_quota(root, proc) == 1.5
    (root / "kubepods/pod1/cpu.max").write_text("max 100000\n")
    assert parsestage.cpu_quota(root, proc) == 4.0
    (root / "kubepods/cpu.max").write_text("max 100000\n")
    assert parsestage.cpu_quota(root, proc) is None


def test_cpu_quota_reads_cgroup_v1_cfs_quota(tmp_path: Path) -> None:
    files = {"cpu,cpuacct/cpu.cfs_quota_us": "200000\n", "cpu,cpuacct/cpu.cfs_period_us": "100000\n"}
    root, proc = _cgroup(tmp_path, "4:memory:/x\n3:cpu,cpuacct:/\n", files)
    assert parsestage.cpu_quota(root, proc) == 2.0
    (root / "cpu,cpuacct/cpu.cfs_quota_us").write_text("-1\n")
    assert parsestage.cpu_quota(root, proc) is None
    assert parsestage.cpu_quota(root, tmp_path / "absent") is None


def test_default_workers_is_capped_by_the_cpu_quota(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    root, proc = _cgroup(tmp_path, "0::/\n", {"cpu.max": "100000 100000\n"})
    monkeypatch.setattr(parsestage, "CGROUP_ROOT", root)
    monkeypatch.setattr(parsestage, "SELF_CGROUP", proc)
    monkeypatch.setattr(parsestage.os, "sched_getaffinity", lambda pid: {0, 1, 2, 3}, raising=False)
    assert parsestage.default_workers() == 1
    (root / "cpu.max").write_text("350000 100000\n")
    assert parsestage.default_workers() == 3
    (root / "cpu.max").write_text("max 100000\n")
    assert parsestage.default_workers() == 4


@pytest.mark.parametrize("cached", [False, True])
def test_units_are_evaluated_in_the_workers_that_parsed_them(
        cached: bool, bench_tree: Path, tmp_path: Path, cache_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With workers, every Terraform root module and Bicep group is evaluated in a worker (this
    process forms the units from the summaries the workers sent, and evaluates none), with the
    report of one process."""
    from fleetiac.analyzer import cache

    tree = tmp_path / "tree"
    shutil.copytree(bench_tree, tree)
    alone = _scan(tree, cache=False, workers=1)
    monkeypatch.setattr(parsestage, "MIN_FILES_FOR_WORKERS", 1)
    here: list[str] = []
    real = cache.run_unit
    monkeypatch.setattr(cache, "run_unit", lambda unit: here.append(unit.name) or real(unit))
    assert _scan(tree, cache=cached, workers=2) == alone
    assert here == []


@pytest.mark.parametrize("failure", ["exit", "raise"])
def test_a_worker_that_fails_while_evaluating_leaves_the_units_to_this_process(
        failure: str, bench_tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker that dies (or whose code raises) while evaluating: this process evaluates those units
    itself, and the report is the one of a single process."""
    tree = tmp_path / "tree"
    shutil.copytree(bench_tree, tree)
    alone = _scan(tree, cache=False, workers=1)
    monkeypatch.setattr(parsestage, "MIN_FILES_FOR_WORKERS", 1)

    def broken(self: object, sid: int, wanted: list[object]) -> list[object]:
        if failure == "exit":
            os._exit(3)
        raise RuntimeError("a bug")

    monkeypatch.setattr(parsestage._WorkerState, "evaluate", broken)
    assert _scan(tree, cache=False, workers=2) == alone


def test_a_comment_in_a_root_module_keeps_the_rules_findings(
        bench_tree: Path, tmp_path: Path, cache_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A root module re-evaluated here after a comment was added gives the results its worker gave
    (the trail names them by content, in the order of the units), so the rules do not run again."""
    from fleetiac.analyzer import engine

    tree = tmp_path / "tree"
    shutil.copytree(bench_tree, tree)
    monkeypatch.setattr(parsestage, "MIN_FILES_FOR_WORKERS", 1)
    first = _scan(tree, cache=True, workers=2)
    touched = sorted((tree / "terraform" / "teams").rglob("fleet.tf"))[0]
    touched.write_text(touched.read_text() + "# a comment\n")
    runs: list[int] = []
    real = engine.run_rules
    monkeypatch.setattr(engine, "run_rules", lambda *a, **k: runs.append(1) or real(*a, **k))
    assert _scan(tree, cache=True, workers=2) == first
    assert runs == []


def test_a_rescan_whose_findings_are_cached_unpickles_no_unit_results(
        tmp_path: Path, cache_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A unit's record keeps its results as a pickle of their own, unpickled only when asked for: a
    rescan whose resources are unchanged (so are the rules' findings) takes the report's diagnostics,
    notices and related locations from what the first scan derived from the results, remembered
    with their identity. Its report is the same; the resources are still there when asked for."""
    from fleetiac.analyzer import engine
    from fleetiac.analyzer.engine import load

    tree = tmp_path / "platform"
    shutil.copytree(ROOT / "examples" / "platform", tree)
    first = _scan(tree)
    unpickled: list[int] = []
    real = cache_module.StoredResults.value
    monkeypatch.setattr(cache_module.StoredResults, "value", lambda self: unpickled.append(1) or real(self))
    assert _scan(tree) == first
    assert unpickled == []
    main_tf = tree / "fleet" / "main.tf"
    main_tf.write_text(main_tf.read_text() + "\n# an edit that changes no resource\n")
    assert _scan(tree) == first  # that root evaluated again, the others left in their records
    assert unpickled == []
    _, files = discover([tree])
    loaded = load(files, ScanOptions(as_of=AS_OF))
    assert unpickled == []
    uncached = load(files, ScanOptions(as_of=AS_OF, cache=False))
    assert repr(loaded.variants) == repr(uncached.variants) and unpickled
    assert loaded.declared == uncached.declarations()
    assert (loaded.diagnostics, loaded.notices, loaded.unknowns) == (uncached.diagnostics, uncached.notices,
                                                                     uncached.unknowns)
    # Without what the first scan derived (another version's record), it is derived again, the same.
    monkeypatch.setattr(engine, "LOADED_RECORD", "loaded-test")
    unpickled.clear()
    assert _scan(tree) == first and unpickled


def test_the_rule_catalog_is_remembered_and_its_checks_import_the_rules(
        tmp_path: Path, cache_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """In a process that has not imported the rules' modules, a scan with the cache describes the
    rules from the catalog an earlier scan remembered: the same metadata, checks that run the rules
    themselves, the same reports."""
    from fleetiac.analyzer import engine
    from fleetiac.analyzer import rules as registry

    real = registry.all_rules()
    monkeypatch.setattr(registry, "_IMPORTED", [])  # as in a fresh process
    assert engine.rule_catalog(cache_root) == real  # imported, and remembered
    monkeypatch.setattr(registry, "_IMPORTED", [])
    described = engine.rule_catalog(cache_root)
    assert [r.info for r in described] == [r.info for r in real] and described != real
    assert [(r.module, r.check is None) for r in described] == [(r.module, r.check is None) for r in real]
    assert engine.rule_catalog(None) == real
    tree = tmp_path / "platform"
    shutil.copytree(ROOT / "examples" / "platform", tree)
    monkeypatch.setattr(registry, "_IMPORTED", [])
    assert _scan(tree) == _scan(tree, cache=False)  # the rules ran through the described checks
    monkeypatch.setattr(registry, "_IMPORTED", [])
    assert _scan(tree, as_of=date(2027, 6, 1)) == _scan(tree, cache=False, as_of=date(2027, 6, 1))


_WARM_SCAN = """
import contextlib, io, json, sys
from fleetiac.analyzer.cli import main
out = io.StringIO()
with contextlib.redirect_stdout(out):
    try:
        main(["scan", sys.argv[1], "--format", "json", "--fail-on", "never", "--no-progress"])
    except SystemExit:
        pass
print(json.dumps([out.getvalue(), sorted(sys.modules)]))
"""


def test_a_rescan_imports_only_what_its_report_needs(tmp_path: Path, cache_root: Path) -> None:
    """An unchanged tree's rescan, in a process of its own, parses nothing, runs no rule and draws
    no view: the parsers, the rules' modules, the access graph, the graph library, the views' model
    and importlib.metadata stay unimported; its report is the first scan's."""
    import json
    import subprocess
    import sys

    tree = tmp_path / "platform"
    shutil.copytree(ROOT / "examples" / "platform", tree)

    def scanned() -> tuple[str, list[str]]:
        done = subprocess.run([sys.executable, "-c", _WARM_SCAN, str(tree)], cwd=ROOT, capture_output=True,
                              text=True, check=True)
        report, modules = json.loads(done.stdout)
        return report, modules

    first, _ = scanned()
    again, modules = scanned()
    assert again == first and '"findings": [' in first
    # What the interpreter itself imports at start (site hooks of the machine) is not the scan's doing.
    listed = "import json, sys; print(json.dumps(sorted(sys.modules)))"
    bare = set(json.loads(subprocess.run([sys.executable, "-c", listed], capture_output=True, text=True,
                                         check=True).stdout))
    prefixes = ("fleetiac.policies.", "lark", "hcl2", "pycep", "networkx", "importlib.metadata", "yaml")
    named = ("fleetiac.analyzer.graph.access", "fleetiac.analyzer.viewmodel",
             "fleetiac.analyzer.frontends.terraform.syntax", "fleetiac.analyzer.frontends.bicep.ast")
    unwanted = [m for m in modules if m not in bare and (m.startswith(prefixes) or m in named)]
    assert unwanted == []


class _Conn:
    """A worker's pipe end as :class:`parsestage._Pool` uses it, recording what was sent."""

    def __init__(self) -> None:
        self.sent: list[object] = []

    def send(self, task: object) -> None:
        self.sent.append(task)

    def send_bytes(self, data: bytes) -> None:
        import pickle

        self.sent.append(pickle.loads(data))


def _bare_pool(workers: int) -> parsestage._Pool:
    pool = parsestage._Pool.__new__(parsestage._Pool)
    pool.conns = [_Conn() for _ in range(workers)]
    pool.busy = [[] for _ in range(workers)]
    pool.idle = None
    pool.parse_queue = []
    pool.eval_queues = [[] for _ in range(workers)]
    pool.setups = {}
    pool.sent_setups = [set() for _ in range(workers)]
    pool.flush_due = [False] * workers
    return pool


def test_a_worker_gets_a_second_task_only_while_enough_are_left_for_the_others() -> None:
    pool = _bare_pool(2)
    pool.parse_queue = [("parse", [n], frozenset()) for n in range(5)]

    def chunks() -> list[list[int]]:
        return [[task[1][0] for task in tasks] for tasks in pool.busy]

    pool._feed()
    # Worker 0 runs chunk 0 with chunk 1 waiting in its pipe; worker 1 gets no second one, since
    # that would leave fewer chunks here than workers to take them.
    assert chunks() == [[0, 1], [2]]
    assert [t[1] for t in pool.parse_queue] == [[3], [4]]
    pool.busy[1].pop(0)  # worker 1 answered
    pool._feed()
    assert chunks() == [[0, 1], [3]]
    assert [t[1] for t in pool.parse_queue] == [[4]]  # the last one, for whichever is free first


def test_a_task_queued_ahead_is_small_and_never_a_setup() -> None:
    pool = _bare_pool(1)
    big: tuple[object, ...] = ("parse", ["x" * (parsestage.AHEAD_BYTES + 1)], frozenset())
    pool.parse_queue = [("parse", ["a"], frozenset()), big, ("parse", ["b"], frozenset()),
                        ("parse", ["c"], frozenset())]
    pool._feed()
    # Too large to wait in the worker's pipe (it could fill it while the worker sends a large reply):
    # kept here, first in line, for when the worker is free.
    assert pool.busy == [[("parse", ["a"], frozenset())]]
    assert pool.parse_queue[0] is big
    pool.busy[0].clear()
    pool.parse_queue = []
    pool.setups = {7: ("setup", 7)}
    pool.eval_queues = [[("eval", 7, ["u1"]), ("eval", 7, ["u2"])]]
    pool.conns[0].sent.clear()
    pool._feed()
    # The setup (large: every file's summary) goes only to a worker with nothing to do, before its
    # first evaluation; the next evaluation then waits behind the first.
    assert pool.conns[0].sent == [("setup", 7), ("eval", 7, ["u1"]), ("eval", 7, ["u2"])]
    pool.busy[0].clear()
    pool.setups[8] = ("setup", 8)
    pool.eval_queues = [[("eval", 7, ["u3"]), ("eval", 8, ["u4"])]]
    pool.conns[0].sent.clear()
    pool._feed()
    assert pool.conns[0].sent == [("eval", 7, ["u3"])]  # the next needs a setup: not queued ahead
    assert pool.eval_queues == [[("eval", 8, ["u4"])]]


def test_idle_work_goes_a_step_at_a_time_and_a_failing_step_ends_it() -> None:
    pool = _bare_pool(1)
    done: list[str] = []

    def steps() -> Iterator[None]:
        done.append("first")
        yield
        raise RuntimeError("a bug in work for a later stage")

    pool.idle = steps()
    pool._idle_step()
    assert done == ["first"] and pool.idle is not None
    pool._idle_step()  # the failure ends the steps; the stage that needs the work does it again
    assert pool.idle is None
    pool.idle = iter([None, None])
    pool.finish_idle()
    assert pool.idle is None


def test_workers_without_a_cache_say_which_files_hold_no_suppression_directive(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With --no-cache the workers read every parsed file for its key anyway: the ones without the
    directive mark are not read again by the suppression pass; in one process, nothing is known."""
    from fleetiac.analyzer.frontends.base import front_ends
    from fleetiac.analyzer.parsestage import parse_lazily

    monkeypatch.setattr(parsestage, "MIN_FILES_FOR_WORKERS", 1)
    (tmp_path / "plain.tf").write_text('resource "azurerm_resource_group" "a" {\n  name = "a"\n}\n')
    (tmp_path / "quieted.tf").write_text('# fleetiac:ignore FIAC504 -- later\nlocals {\n  b = 1\n}\n')
    (tmp_path / "values.auto.tfvars").write_text('region = "westeurope"\n')
    _, files = discover([tmp_path])
    # The languages whose trees stay in the workers, as the engine asks (their front ends summarize).
    kept = tuple(lang.name for fe in front_ends() if hasattr(fe, "summarize") for lang in fe.languages)
    assert parse_lazily(files, cache_root=None, workers=2, kept=kept).quiet == {"plain.tf", "values.auto.tfvars"}
    assert parse_lazily(files, cache_root=None, workers=1, kept=kept).quiet == set()


def test_a_rescan_reads_only_files_whose_status_changed(
        tmp_path: Path, cache_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from fleetiac.analyzer.parsestage import KeyMemo, parse_lazily

    tree = tmp_path / "tree"
    tree.mkdir()
    old = time.time() - 3600
    for name in ("a.tf", "b.tf"):
        (tree / name).write_text(f'locals {{\n  {name[0]} = 1\n}}\n')
        os.utime(tree / name, (old, old))
    _, files = discover([tree])
    keyed: list[str] = []
    real = cache_module.entry_key
    monkeypatch.setattr(cache_module, "entry_key", lambda data, *rest: keyed.append(rest[1]) or real(data, *rest))

    def keys() -> dict[str, str | None]:
        keyed.clear()
        return dict(parse_lazily(files, cache_root=cache_root, workers=1).cache_keys)

    first = keys()
    assert sorted(keyed) == ["a.tf", "a.tf", "b.tf", "b.tf"]  # keyed again once parsed (is it unchanged?)
    # Their change times are of just now, within RACY_NS of the scan: nothing was remembered.
    assert keys() == first and sorted(keyed) == ["a.tf", "b.tf"]
    monkeypatch.setattr(parsestage, "RACY_NS", -10**18)  # as if they had been changed long ago
    assert keys() == first and sorted(keyed) == ["a.tf", "b.tf"]  # read once more, now remembered
    assert keys() == first and keyed == []
    # The same size, the same modification time put back: only the change time tells.
    (tree / "b.tf").write_text("locals {\n  b = 2\n}\n")
    os.utime(tree / "b.tf", (old, old))
    second = keys()
    assert keyed == ["b.tf", "b.tf"] and second["a.tf"] == first["a.tf"] and second["b.tf"] != first["b.tf"]
    # A table that does not verify is not used: every file is read again, with the same keys.
    (table,) = (cache_root / KeyMemo.FOLDER).iterdir()
    table.write_bytes(table.read_bytes()[:-1] + b"x")
    assert keys() == second and sorted(keyed) == ["a.tf", "b.tf"]
