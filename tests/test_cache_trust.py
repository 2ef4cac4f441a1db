"""The caches never unpickle anything an attacker can write (issue 18, item 7), and stay bounded
(item 10).

Every attack plants a pickle whose ``__reduce__`` would create a marker file, where fleetiac would
read it: in a cache folder inside the scanned checkout, in a folder of another user or one others
can write to, in every kind of entry of a trusted folder (parse cache, line hashes, unit index,
findings cache, compiled grammars) without the folder's key, and in Lark's own cache file in the
temp folder under ``--no-cache``. The scan must not run it, and must report what an uncached scan
reports.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from fleetiac.analyzer import cache as cache_module
from fleetiac.analyzer import parsestage, replay, storage
from fleetiac.analyzer.cli import main
from fleetiac.analyzer.frontends import grammars
from tests.grammar_memory import forgotten_grammars

ROOT = Path(__file__).resolve().parents[1]
AS_OF = "2026-11-23"
BICEP = ROOT / "fixtures" / "FIAC303" / "bicep-subnet-without-vnet" / "main.bicep"
SECRET_FILE = getattr(storage, "SECRET_FILE", "secret-v1")
MAC_BYTES = getattr(storage, "MAC_BYTES", 32)


class Planted:
    """Unpickling this creates the file ``marker``: what an attacker's entry would do."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (open, (str(self.marker), "w"))  # opening for writing creates the file


def evil(marker: Path) -> bytes:
    return pickle.dumps(Planted(marker))


def _tree(where: Path) -> Path:
    """A checkout (a ``.git`` folder) with Terraform, Bicep and YAML files that have findings."""
    tree = where / "repo"
    shutil.copytree(ROOT / "examples" / "platform", tree)
    (tree / ".git").mkdir()
    shutil.copy(BICEP, tree / "network.bicep")
    (tree / "app.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n")
    return tree


def _json(tree: Path, *extra: str, cwd: Path | None = None) -> dict[str, object]:
    """The JSON report of a scan that also writes SARIF (so line hashes are computed and cached)."""
    old = Path.cwd()
    if cwd is not None:
        os.chdir(cwd)
    sarif = tree.parent / "report.sarif"
    try:
        done = CliRunner().invoke(main, ["scan", str(tree), "-f", "json", "-f", f"sarif:{sarif}", "--fail-on", "never",
                                         "--no-progress", "--as-of", AS_OF, *extra])
    finally:
        os.chdir(old)
        grammars.configure(None)
        cache_module.use_for_line_hashes(None)
    assert done.exit_code == 0, done.output
    document: dict[str, object] = json.loads(done.output)
    return document


def _without_notices(document: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in document.items() if k != "notices"}


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return _tree(tmp_path)


@pytest.fixture
def expected(tree: Path) -> dict[str, object]:
    return _json(tree, "--no-cache")


def _plant_everywhere(root: Path, marker: Path, layout: str) -> list[Path]:
    """Overwrite every entry file under ``root`` (parse, lines, units, findings, grammars) with a planted
    pickle, as an attacker who knows the layout but not the key would write it. ``layout``: ``bare``
    (the pickle alone), ``headed`` (each kind's own header before it, as fleetiac 1 wrote entries)
    or ``forged`` (32 bytes where a MAC goes)."""
    planted = []
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.name != SECRET_FILE):
        if path.parent == root:
            continue  # the key and the prune stamp are not entries
        payload = evil(marker)
        if layout == "headed":
            kind = path.relative_to(root).parts[0]
            if kind.startswith("units-"):
                header = cache_module.UnitIndex._HEADER
            elif kind == "grammars":
                header = b""
            else:
                header = cache_module._MAGIC + (path.parent.name + path.name).encode() + b"\n"
            payload = header + payload
        elif layout == "forged":
            payload = os.urandom(MAC_BYTES) + payload
        path.write_bytes(payload)
        planted.append(path)
    return planted


@pytest.mark.parametrize("layout", ["bare", "headed", "forged"])
def test_planted_entries_without_the_key_are_never_unpickled(
        tree: Path, expected: dict[str, object], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, layout: str) -> None:
    root = tmp_path / "cache"
    monkeypatch.setenv("FLEETIAC_CACHE_DIR", str(root))
    # The replay memo and the key memo trust a file's status only once it is two seconds old: as if
    # it were, so that they are written (and planted) whatever the machine's speed.
    monkeypatch.setattr(replay, "RACY_NS", -10**18)
    monkeypatch.setattr(parsestage, "RACY_NS", -10**18)
    assert _json(tree) == expected  # cold: every kind of entry is written
    kinds = {p.relative_to(root).parts[0].split("-v")[0] for p in root.rglob("*") if p.is_file() and p.parent != root}
    assert kinds == {"parse", "lines", "units", "findings", "grammars", "replay", "keys"}
    marker = tmp_path / "marker"
    planted = _plant_everywhere(root, marker, layout)
    with forgotten_grammars():
        assert _json(tree) == expected
        assert _json(tree, "--workers", "1") == expected
    assert not marker.exists()
    assert any(p.read_bytes() != evil(marker) for p in planted)  # rewritten with real entries


def test_a_cache_folder_inside_the_checkout_is_refused(tree: Path, expected: dict[str, object], tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A relative FLEETIAC_CACHE_DIR in CI names a folder of the checkout, which the pull request
    wrote: a parse entry, a fixed-name grammar file, even a key and entries sealed with it."""
    legit = tmp_path / "legit"
    monkeypatch.setenv("FLEETIAC_CACHE_DIR", str(legit))
    _json(tree)
    planted = tree / ".fleetiac-cache"
    shutil.copytree(legit, planted)  # the attacker's own key, with entries it sealed
    marker = tmp_path / "marker"
    _plant_everywhere(planted, marker, "headed")
    monkeypatch.setenv("FLEETIAC_CACHE_DIR", ".fleetiac-cache")
    with forgotten_grammars():
        document = _json(tree, cwd=tree)
    assert not marker.exists()
    assert _without_notices(document) == _without_notices(expected)
    notices = [n for n in document["notices"] if "cache" in n]  # type: ignore[union-attr]
    assert notices == ["the cache folder (FLEETIAC_CACHE_DIR) is inside the scanned tree, so it was not used: "
                       "this scan read and wrote no cache"]
    assert sorted(p.name for p in planted.iterdir()) == sorted(p.name for p in legit.iterdir())  # nothing written


def _legit_then_plant(tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    root = tmp_path / "cache"
    monkeypatch.setenv("FLEETIAC_CACHE_DIR", str(root))
    _json(tree)
    marker = tmp_path / "marker"
    _plant_everywhere(root, marker, "headed")
    return root, marker


def test_a_cache_folder_of_another_user_is_refused(tree: Path, expected: dict[str, object], tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    _root, marker = _legit_then_plant(tree, tmp_path, monkeypatch)
    getattr(storage, "forget_secrets", lambda: None)()
    uid = os.getuid()
    monkeypatch.setattr(os, "getuid", lambda: uid + 1)  # the folder now belongs to someone else
    try:
        document = _json(tree)
    finally:
        getattr(storage, "forget_secrets", lambda: None)()
    assert not marker.exists()
    assert _without_notices(document) == _without_notices(expected)
    assert any("belongs to another user" in n for n in document["notices"])  # type: ignore[union-attr]


@pytest.mark.parametrize("mode", [0o770, 0o707])
def test_a_cache_folder_others_can_write_is_refused(tree: Path, expected: dict[str, object], tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch, mode: int) -> None:
    root, marker = _legit_then_plant(tree, tmp_path, monkeypatch)
    getattr(storage, "forget_secrets", lambda: None)()
    root.chmod(mode)
    try:
        document = _json(tree)
    finally:
        root.chmod(0o700)
    assert not marker.exists()
    assert _without_notices(document) == _without_notices(expected)
    assert any("can be written by other users" in n for n in document["notices"])  # type: ignore[union-attr]


def test_a_key_others_can_read_is_refused(tree: Path, expected: dict[str, object], tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A checkout writes files 0644: a key planted with the entries it sealed is not this user's."""
    root, _marker = _legit_then_plant(tree, tmp_path, monkeypatch)
    getattr(storage, "forget_secrets", lambda: None)()
    (root / SECRET_FILE).chmod(0o644)
    document = _json(tree)
    getattr(storage, "forget_secrets", lambda: None)()
    assert _without_notices(document) == _without_notices(expected)
    assert any("has a key other users can read" in n for n in document["notices"])  # type: ignore[union-attr]


def test_the_cache_folder_and_its_key_are_private(tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "new" / "cache"
    monkeypatch.setenv("FLEETIAC_CACHE_DIR", str(root))
    _json(tree)
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    assert stat.S_IMODE((root / SECRET_FILE).stat().st_mode) == 0o600
    assert (root / SECRET_FILE).stat().st_size == 32
    for folder in (p for p in root.rglob("*") if p.is_dir()):
        assert stat.S_IMODE(folder.stat().st_mode) & 0o077 == 0, folder


def _lark_cache_name(scratch: Path) -> str:
    """The name Lark gives the Bicep grammar's cache file in the temp folder (learnt by letting Lark
    write it in a scratch temp folder, called as fleetiac called it under ``--no-cache``)."""
    scratch.mkdir()
    code = ("from lark import Lark; from pycep.main import LARK_GRAMMAR; "  # fleetiac 1's call, option order too
            "Lark(grammar=LARK_GRAMMAR, cache=True, parser='lalr', propagate_positions=True, regex=True, "
            "keep_all_tokens=True)")
    subprocess.run([sys.executable, "-c", code], env={**os.environ, "TMPDIR": str(scratch)}, check=True)
    [name] = [p.name for p in scratch.iterdir()]
    return name


def test_no_cache_reads_and_writes_nothing_anywhere(tree: Path, expected: dict[str, object], tmp_path: Path) -> None:
    """``--no-cache`` leaves the temp folder and the cache folder as they were, and does not load the
    Lark cache file another user of the shared temp folder planted."""
    temp = tmp_path / "tmp"
    name = _lark_cache_name(tmp_path / "scratch")
    temp.mkdir()
    marker = tmp_path / "marker"
    (temp / name).write_bytes(b"0\n" + evil(marker))  # Lark reads a hash line, then unpickles
    before = sorted((p.name, p.stat().st_mtime_ns) for p in temp.iterdir())
    cache = tmp_path / "cache"
    env = {**os.environ, "TMPDIR": str(temp), "FLEETIAC_CACHE_DIR": str(cache)}
    for workers in ("1", "2"):
        done = subprocess.run([sys.executable, "-m", "fleetiac", "scan", str(tree), "--no-cache", "-f", "json",
                               "--fail-on", "never", "--as-of", AS_OF, "--workers", workers],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout) == expected
    assert not marker.exists()
    assert sorted((p.name, p.stat().st_mtime_ns) for p in temp.iterdir()) == before
    assert not cache.exists()


def test_no_cache_loads_compiled_grammars_from_a_trusted_cache_and_writes_nothing(
        tree: Path, expected: dict[str, object], tmp_path: Path) -> None:
    """Building the grammars takes seconds: ``--no-cache`` reuses a grammar an earlier scan compiled into
    the trusted cache folder (verified by its MAC), and leaves that folder exactly as it was."""
    cache = tmp_path / "cache"
    env = {**os.environ, "FLEETIAC_CACHE_DIR": str(cache)}
    args = [sys.executable, "-m", "fleetiac", "scan", str(tree), "-f", "json", "--fail-on", "never",
            "--as-of", AS_OF, "--workers", "1"]
    subprocess.run(args, cwd=ROOT, env=env, capture_output=True, check=True, timeout=300)  # compiles them
    # The two grammars, their fast drivers, and the compiled regular expressions of their lexers.
    assert sorted(p.suffix for p in (cache / "grammars").iterdir()) == [".driver", ".driver", ".parser", ".parser",
                                                                         ".regex", ".regex"]
    before = sorted((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in cache.rglob("*"))
    # With Lark unable to build a grammar, the scan can only succeed by loading the compiled ones.
    code = ("import sys, lark; lark.Lark.__init__ = lambda *a, **k: sys.exit('built a grammar'); "
            "from fleetiac.analyzer.cli import main; main()")
    done = subprocess.run([sys.executable, "-c", code, *args[3:], "--no-cache"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == expected
    assert sorted((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in cache.rglob("*")) == before


# --- bounded: pruned by age and size, cheaply ---------------------------------------------------------

def _entry_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.parent != root)


def _age(paths: list[Path], days: float) -> None:
    then = time.time() - days * 86400
    for path in paths:
        os.utime(path, (then, then))


def test_entries_not_used_for_a_month_are_pruned_and_used_ones_kept(
        tree: Path, expected: dict[str, object], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "cache"
    monkeypatch.setenv("FLEETIAC_CACHE_DIR", str(root))
    _json(tree)
    used = _entry_files(root)
    stale = root / f"parse-v{cache_module.FORMAT_VERSION}" / "ab" / "stale"
    stale.parent.mkdir(exist_ok=True)
    stale.write_bytes(b"old")
    old_version = root / "parse-v1" / "cd" / "older"  # a previous format's entries age out too
    old_version.parent.mkdir(parents=True)
    old_version.write_bytes(b"old")
    notes = root / "notes.txt"  # not fleetiac's: never removed
    notes.write_text("mine")
    _age([*used, stale, old_version, notes], 40)
    assert _json(tree) == expected  # a warm scan marks what it used
    cache_module.prune(root)
    assert not stale.exists() and not old_version.exists() and notes.exists()
    kept = set(_entry_files(root))
    for kind in ("parse", "lines", "units", "findings"):
        of_kind = {p for p in used if p.relative_to(root).parts[0] == f"{kind}-v{cache_module.FORMAT_VERSION}"}
        assert of_kind and of_kind <= kept, kind
    assert _json(tree) == expected


def test_the_cache_is_capped_by_disk_space_least_recently_used_first(tmp_path: Path) -> None:
    root = tmp_path / "cache"
    folder = root / f"parse-v{cache_module.FORMAT_VERSION}" / "00"
    folder.mkdir(parents=True)
    paths = []
    for i in range(400):  # tiny entries take a block each on disk: that is what counts
        path = folder / f"{i:04d}"
        path.write_bytes(b"x")
        then = time.time() - (400 - i)  # 0000 is the least recently used
        os.utime(path, (then, then))
        paths.append(path)
    size = cache_module.info(root).bytes
    assert size > 0
    removed = cache_module.prune(root, max_bytes=size // 2)
    assert removed > 200
    assert cache_module.info(root).bytes <= size * 3 // 8
    left = sorted(p.name for p in folder.iterdir())
    assert left == [p.name for p in paths[-len(left):]]  # the most recently used survive


def test_pruning_runs_at_most_once_a_day_unless_a_scan_stored_a_lot(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "cache"
    root.mkdir()
    runs: list[int] = []
    monkeypatch.setattr(cache_module, "prune", lambda *a, **k: runs.append(1) or 0)
    now = time.time()
    assert cache_module.maybe_prune(root, now=now)  # never pruned yet
    assert not cache_module.maybe_prune(root, now=now + 3600)
    assert cache_module.maybe_prune(root, parsed=cache_module.PRUNE_AFTER_PARSED + 1, now=now + 7200)
    assert cache_module.maybe_prune(root, now=now + 7200 + cache_module.PRUNE_EVERY)
    assert len(runs) == 3


def test_cache_info_says_how_the_cache_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLEETIAC_CACHE_DIR", str(tmp_path / "cache"))
    done = CliRunner().invoke(main, ["cache", "info"])
    assert done.exit_code == 0
    assert "not used for 30 days" in done.output and "1024 MiB" in done.output
