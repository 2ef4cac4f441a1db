"""The parse cache keeps entries in chunk files, found through one sealed table per scanned tree
(issue 19: one file per entry cost seconds at 5,000 files), and keeps every property of one file per
entry: nothing unpickled unless its MAC verifies, a damaged chunk is a miss, concurrent scans at worst
do the same work twice, and pruning works a chunk at a time (dead entries do not pin a chunk forever).
"""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from fleetiac.analyzer import cache as cache_module
from fleetiac.analyzer import parsestage, storage
from fleetiac.analyzer.discovery import discover
from fleetiac.analyzer.engine import ScanOptions, scan
from fleetiac.analyzer.frontends import grammars
from fleetiac.analyzer.parsestage import ParseStats, parse_files

ROOT = Path(__file__).resolve().parents[1]
AS_OF = date(2026, 11, 23)
VERSION = cache_module.FORMAT_VERSION


class Planted:
    """Unpickling this creates the file ``marker``: what an attacker's entry would do."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (open, (str(self.marker), "w"))


@pytest.fixture
def cache_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache folder of the test's own, with the suite's compiled grammars copied in."""
    root = tmp_path / "cache"
    session = Path(os.environ["FLEETIAC_CACHE_DIR"])
    grammars.configure(session)
    grammars.hcl2_parser()
    grammars.bicep_parser()
    shutil.copytree(session / "grammars", root / "grammars")
    root.chmod(0o700)
    monkeypatch.setenv("FLEETIAC_CACHE_DIR", str(root))
    yield root
    grammars.configure(None)
    cache_module.use_for_line_hashes(None)


def _scan(path: Path, **options: object) -> object:
    return scan([path], ScanOptions(**{"as_of": AS_OF, **options}))  # type: ignore[arg-type]


def _chunks(root: Path, kind: str = "parse") -> list[Path]:
    folder = root / f"{kind}-v{VERSION}" / cache_module.CHUNK_FOLDER
    return sorted(folder.iterdir()) if folder.is_dir() else []


def _tables(root: Path, kind: str = "parse") -> list[Path]:
    folder = root / f"{kind}-v{VERSION}" / cache_module.TABLE_FOLDER
    return sorted(folder.iterdir()) if folder.is_dir() else []


def _store(root: Path, scope: str = "/tree", kind: str = "parse") -> cache_module.Store:
    """The store a new scan of ``scope`` would use (what was saved is read afresh, as in a new process)."""
    cache_module.begin_scan(root, scope)
    return cache_module.store_for(root, kind)


def _key(i: int) -> str:
    return f"{i:064x}"


def test_a_scan_leaves_a_chunk_per_worker_and_one_table(cache_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parsestage, "MIN_FILES_FOR_WORKERS", 1)
    _, files = discover([ROOT / "fixtures"])
    stats = ParseStats()
    cold = parse_files(files, cache_root=cache_root, workers=2, stats=stats)
    assert stats.parsed > 100 and stats.workers == 2
    assert 1 <= len(_chunks(cache_root)) <= 2 and len(_tables(cache_root)) == 1
    warm_stats = ParseStats()
    assert parse_files(files, cache_root=cache_root, workers=2, stats=warm_stats) == cold
    assert warm_stats.cached == warm_stats.files and warm_stats.parsed == 0
    single = ParseStats()
    assert parse_files(files, cache_root=cache_root, workers=1, stats=single) == cold
    assert single.parsed == 0 and len(_chunks(cache_root)) <= 2  # a warm scan writes nothing


def test_a_lookup_reads_only_its_own_entry(tmp_path: Path) -> None:
    """A cold lookup reads the tree's table and the bytes of one entry: the rest of its chunk may be
    anything."""
    root = storage.trusted_folder(tmp_path / "cache")
    store = _store(root)
    for i in range(20):
        store.store(_key(i), pickle.dumps(("value", i)))
    store.save()
    [chunk] = _chunks(root)
    listed = _store(root).old[_key(7)]
    data = bytearray(chunk.read_bytes())
    for i in range(len(data)):
        if not listed[1] <= i < listed[1] + listed[2]:
            data[i] = 0
    chunk.write_bytes(bytes(data))
    fresh = _store(root)
    assert fresh.load(_key(7)) == (True, ("value", 7))
    assert fresh.load(_key(8)) == (False, None)


@pytest.mark.parametrize("damage", ["truncated", "flipped", "emptied", "removed", "swapped"])
def test_a_damaged_chunk_is_a_miss_and_is_replaced(cache_root: Path, damage: str) -> None:
    tree = ROOT / "examples"
    expected = _scan(tree, cache=False)
    assert _scan(tree, workers=1) == expected
    [chunk] = _chunks(cache_root)
    data = chunk.read_bytes()
    if damage == "truncated":
        chunk.write_bytes(data[: len(data) // 3])
    elif damage == "flipped":
        chunk.write_bytes(bytes(b ^ 0x55 if i % 997 == 0 else b for i, b in enumerate(data)))
    elif damage == "emptied":
        chunk.write_bytes(b"")
    elif damage == "removed":
        chunk.unlink()
    else:  # the entries in another order: each one found at another's place
        half = len(data) // 2
        chunk.write_bytes(data[half:] + data[:half])
    shutil.rmtree(cache_root / f"units-v{VERSION}")  # so the parse entries are read
    assert _scan(tree, workers=1) == expected
    stats = ParseStats()
    parse_files(discover([tree])[1], cache_root=cache_root, stats=stats)
    assert stats.parsed == 0  # what did not read back was parsed again and stored
    shutil.rmtree(cache_root / f"units-v{VERSION}")
    assert _scan(tree, workers=1) == expected


def test_entries_and_tables_under_a_foreign_key_are_never_unpickled(tmp_path: Path) -> None:
    """A chunk and a table sealed with another key (say, another user's cache copied in), listing
    planted entries at the right places, are misses."""
    root = storage.trusted_folder(tmp_path / "cache")
    marker = tmp_path / "marker"
    store = _store(root)
    store.store(_key(1), pickle.dumps("mine"))
    store.save()
    [table] = _tables(root)
    [chunk] = _chunks(root)
    foreign = os.urandom(32)
    label = cache_module._MAGIC + b"parse\0" + _key(1).encode()
    planted = storage.seal(foreign, label, pickle.dumps(Planted(marker)))
    chunk.write_bytes(planted)
    assert _store(root).load(_key(1)) == (False, None)  # the real table, a foreign entry
    listing = {_key(1): (chunk.name, 0, len(planted), time.time())}
    table_label = cache_module._MAGIC + b"parse\0table\0" + table.name.encode()
    table.write_bytes(storage.seal(foreign, table_label, pickle.dumps(listing)))
    assert _store(root).load(_key(1)) == (False, None)
    table.write_bytes(os.urandom(32) + pickle.dumps(Planted(marker)))  # a table that is a planted pickle
    assert _store(root).load(_key(1)) == (False, None)
    assert not marker.exists()


def test_an_entry_is_only_found_under_its_own_key(tmp_path: Path) -> None:
    """Each entry's MAC covers its kind and key, not its place: a table pointing one key at another
    key's bytes finds nothing."""
    root = storage.trusted_folder(tmp_path / "cache")
    store = _store(root)
    store.store(_key(1), pickle.dumps("one"))
    store.store(_key(2), pickle.dumps("two"))
    store.save()
    table = _store(root).old
    secret = storage.secret(root)
    [path] = _tables(root)
    swapped = {_key(1): table[_key(2)], _key(2): table[_key(1)]}
    label = cache_module._MAGIC + b"parse\0table\0" + path.name.encode()
    path.write_bytes(storage.seal(secret, label, pickle.dumps(swapped)))
    fresh = _store(root)
    assert fresh.load(_key(1)) == (False, None) and fresh.load(_key(2)) == (False, None)
    lines = _store(root, kind="lines")  # another kind's store never reads these entries
    assert lines.load(_key(1)) == (False, None)


def test_a_worker_writes_chunks_never_tables(tmp_path: Path) -> None:
    root = storage.trusted_folder(tmp_path / "cache")
    _store(root)
    pid = os.fork()
    if pid == 0:  # a parse worker, as the pool forks it
        try:
            cache_module.in_worker(root, "/tree")
            worker = cache_module.store_for(root, "parse")
            worker.store(_key(3), pickle.dumps(3))
            placed = worker.written(flush=True)
            worker.save()
            (tmp_path / "placed").write_bytes(pickle.dumps(placed))
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    try:
        assert _tables(root) == [] and len(_chunks(root)) == 1
        placed = pickle.loads((tmp_path / "placed").read_bytes())
        store = _store(root)
        store.adopt(placed)
        store.save()
        assert _store(root).load(_key(3)) == (True, 3)
    finally:
        cache_module._in_worker = False


def test_concurrent_scans_of_one_tree_and_of_two_trees(cache_root: Path, tmp_path: Path) -> None:
    """Scans at the same time into one cache folder: of the same tree (the last table wins, the other
    scan's chunks are left to pruning), and of two trees (a table each): every report is the
    uncached one, and the next scan of each tree parses nothing."""
    first, second = tmp_path / "one", tmp_path / "two"
    shutil.copytree(ROOT / "examples", first)
    shutil.copytree(ROOT / "fixtures" / "FIAC303", second)
    expected = {tree: _scan(tree, cache=False) for tree in (first, second)}
    command = [sys.executable, "-m", "fleetiac", "scan", "-f", "json", "--fail-on", "never", "--no-progress",
               "--as-of", AS_OF.isoformat(), "--workers", "2"]
    env = {**os.environ, "FLEETIAC_CACHE_DIR": str(cache_root)}
    runs = [subprocess.Popen([*command, str(tree)], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            for tree in (first, first, second, second)]
    outputs = [run.communicate(timeout=300) for run in runs]
    assert all(run.returncode == 0 for run in runs), [o[1][-500:] for o in outputs]
    assert outputs[0][0] == outputs[1][0] and outputs[2][0] == outputs[3][0]
    assert len(_tables(cache_root)) == 2
    for tree in (first, second):
        stats = ParseStats()
        parse_files(discover([tree])[1], cache_root=cache_root, stats=stats)
        assert stats.parsed == 0 and stats.cached == stats.files > 0
        assert _scan(tree) == expected[tree]


def test_chunks_are_pruned_one_at_a_time_and_used_ones_kept(tmp_path: Path) -> None:
    root = storage.trusted_folder(tmp_path / "cache")
    old = _store(root, "/old")
    old.store(_key(1), pickle.dumps(1))
    old.save()
    used = _store(root, "/used")
    used.store(_key(2), pickle.dumps(2))
    used.save()
    every = [*_chunks(root), *_tables(root)]
    then = time.time() - 40 * 86400
    for path in every:
        os.utime(path, (then, then))
    assert _store(root, "/used").has(_key(2))  # a scan of /used marks its table and its chunk
    cache_module.save_stores(root)
    assert cache_module.prune(root) == 2  # /old's table and chunk
    assert _store(root, "/used").load(_key(2)) == (True, 2)
    assert _store(root, "/old").load(_key(1)) == (False, None)
    assert len(_chunks(root)) == 1 and len(_tables(root)) == 1


def test_dead_entries_leave_the_table_and_a_mostly_dead_chunk_is_rewritten(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Entries a tree no longer uses stay listed for a day (an edit undone finds its entry), then
    leave its table; a chunk whose listed entries are under half of it is compacted into a new one,
    and a chunk nothing lists is removed."""
    root = storage.trusted_folder(tmp_path / "cache")
    store = _store(root)
    for i in range(10):
        store.store(_key(i), pickle.dumps(("x" * 1000, i)))
    store.save()
    [big] = _chunks(root)
    scan_two = _store(root)
    assert scan_two.has(_key(0)) and scan_two.has(_key(1))
    scan_two.store(_key(99), pickle.dumps("new"))
    scan_two.save()
    assert big.exists() and set(_store(root).old) == {*map(_key, range(10)), _key(99)}  # kept for a day
    monkeypatch.setattr(cache_module, "RETAIN_SECONDS", 0.0)
    scan_three = _store(root)
    assert scan_three.has(_key(0)) and scan_three.has(_key(1)) and scan_three.has(_key(99))
    scan_three.save()
    assert not big.exists()  # two live entries of ten: copied into a new chunk
    assert set(_store(root).old) == {_key(0), _key(1), _key(99)}
    reader = _store(root)
    assert reader.load(_key(0)) == (True, ("x" * 1000, 0)) and reader.load(_key(99)) == (True, "new")
    reader.save()
    only = _store(root)
    assert only.has(_key(99))
    only.save()  # _key(0) and _key(1) are no longer used: their chunk goes, or is compacted away
    assert set(_store(root).old) == {_key(99)}
    listed = {w[0] for w in _store(root).old.values()}
    assert {p.name for p in _chunks(root)} == listed


def test_findings_of_other_tree_states_stay_listed_but_bounded(tmp_path: Path) -> None:
    root = storage.trusted_folder(tmp_path / "cache")
    for i in range(cache_module.RETAIN_FINDINGS + 5):
        store = _store(root, kind="findings")
        store.store(_key(i), pickle.dumps(i))  # written at once: one a scan
    table = _store(root, kind="findings").old
    assert len(table) == cache_module.RETAIN_FINDINGS + 1 and _key(0) not in table
    assert {p.name for p in _chunks(root, "findings")} == {w[0] for w in table.values()}
    assert len(_chunks(root, "findings")) <= cache_module.SMALL_CHUNKS + 1  # merged as they pile up


def test_no_cache_writes_no_chunk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "cache"
    monkeypatch.setenv("FLEETIAC_CACHE_DIR", str(root))
    monkeypatch.setattr(parsestage, "MIN_FILES_FOR_WORKERS", 1)
    try:
        _scan(ROOT / "examples", cache=False, workers=2)
    finally:
        grammars.configure(None)
    assert not root.exists()


def test_a_second_checkout_finds_what_the_first_parsed_and_keeps_its_own_copy(cache_root: Path, tmp_path: Path) -> None:
    """A worktree or second checkout of a repository has the same files under the same display paths:
    its first scan reads the entries the other tree's table lists, and copies them into a chunk of its
    own (so the other tree dropping them later costs it nothing)."""
    first, second = tmp_path / "one", tmp_path / "two"
    shutil.copytree(ROOT / "examples", first)
    shutil.copytree(ROOT / "examples", second)
    expected = _scan(second, cache=False)
    _scan(first)
    stats = ParseStats()
    parse_files(discover([second])[1], cache_root=cache_root, stats=stats)
    assert stats.parsed == 0 and stats.cached == stats.files > 0
    assert len(_tables(cache_root)) == 2
    for path in _tables(cache_root):  # the first tree's table and chunks gone: the second has its own
        listed = {w[0] for w in pickle.loads(path.read_bytes()[storage.MAC_BYTES:]).values()}
        if not listed & {w[0] for w in _store(cache_root, str(second) + "/").old.values()}:
            for name in listed:
                (cache_root / f"parse-v{VERSION}" / cache_module.CHUNK_FOLDER / name).unlink()
            path.unlink()
    assert len(_tables(cache_root)) == 1
    again = ParseStats()
    parse_files(discover([second])[1], cache_root=cache_root, stats=again)
    assert again.parsed == 0
    assert _scan(second) == expected


def test_rescans_after_edits_do_not_pile_up_small_chunks(tmp_path: Path) -> None:
    """Each rescan after an edit stores what it parsed again as a chunk of its own; past a few small
    chunks, a scan merges them into one."""
    root = storage.trusted_folder(tmp_path / "cache")
    for i in range(3 * cache_module.SMALL_CHUNKS):
        store = _store(root)
        for j in range(i):
            assert store.has(_key(j))
        store.store(_key(i), pickle.dumps(i))
        store.save()
        assert len(_chunks(root)) <= cache_module.SMALL_CHUNKS + 1
        listed = {w[0] for w in _store(root).old.values()}  # (the next scan saved what the last one left)
        assert {p.name for p in _chunks(root)} == listed  # none left over
    reader = _store(root)
    assert all(reader.load(_key(i)) == (True, i) for i in range(3 * cache_module.SMALL_CHUNKS))
