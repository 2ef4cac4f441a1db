"""The parse stage: every file of a parsed language parsed once, into plain data, before evaluation.

Parsing is most of a cold scan (Lark parsers, 15-45 ms a file) and each file parses on its own, so
the files a cache does not already hold are spread over worker processes in chunks. Front ends
return picklable plain data, so a worker sends its results back as pickles, which are also exactly
what the cache stores: the bytes are made once, in the worker, which writes the entries it parsed as
one chunk file (or a few) and sends back where they lie; this process writes the scanned tree's table
of them (:class:`analyzer.cache.Store`). Evaluation (which needs every file of a module together)
then runs in this process from the parsed data.

The results do not depend on how they were made: the same objects come from a worker, from this
process or from the cache (tests assert it).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from fleetiac.analyzer.cache import begin_scan, gc_paused, register_fast_pickling, save_stores, use_for_line_hashes
from fleetiac.analyzer.frontends.sources import SourceFile, machine_dependent
from fleetiac.analyzer.model import Diagnostic, Location, internal_error
from fleetiac.analyzer.storage import RACY_NS, file_status

MIN_FILES_FOR_WORKERS = 24
"""Below this many files to parse, starting processes costs more than it saves."""
PROGRESS_AFTER = 2.0
"""Seconds before a progress line appears (short scans stay quiet)."""


@dataclass
class ParseStats:
    files: int = 0
    cached: int = 0
    parsed: int = 0
    workers: int = 1
    seconds: float = 0.0


def parse_one(source: SourceFile) -> Any:
    """The front end's own parse of the file; never raises (a front end that does anyway has a bug:
    an internal error of this file, so the other files are still parsed)."""
    from fleetiac.analyzer.frontends.base import front_end_of

    try:
        result = front_end_of(source.language).parse(source)
    except Exception as error:
        return internal_error(Location(source.display, 1, 1), f"parsing {source.display}", error)
    if isinstance(result, Diagnostic) and not result.internal and not result.unread:
        return replace(result, unread=True)  # nothing in the file was read: none of its resources checked
    return result


def file_key(source: SourceFile) -> str | None:
    """The file's cache key (content, language, display path, versions); None when it is not a
    regular file within the size limit, or cannot be read."""
    return file_facts(source)[0]


DIRECTIVE_MARK = b"fleetiac"
"""Every suppression directive contains it (``fleetiac:ignore``); a file without it has none."""


def file_facts(source: SourceFile, memo: KeyMemo | None = None) -> tuple[str | None, bool]:
    """:func:`file_key`, and whether the bytes it read contain :data:`DIRECTIVE_MARK` (True when
    unread): the suppression pass skips files known to hold no directive instead of reading
    every file a second time. With ``memo``, a file whose status is the one an earlier scan read it
    with is not read again (see :class:`KeyMemo`)."""
    import stat

    from fleetiac.analyzer.cache import entry_key

    try:
        path = os.fspath(source.path)  # os calls on the text: pathlib's wrappers were a tenth of this
        info = os.stat(path)
        # The front end refuses these without reading them (a FIFO would block a read forever):
        # nothing worth caching. The size limit is the file's own (--max-file-size).
        if not stat.S_ISREG(info.st_mode) or info.st_size > source.limits.max_bytes:
            return None, True
        known = memo.get(source, info) if memo is not None else None
        if known is not None:
            return known
        with open(path, "rb") as handle:
            data = handle.read()
        facts = entry_key(data, source.language, source.display), DIRECTIVE_MARK in data
        if memo is not None:
            memo.put(source, info, facts)
        return facts
    except OSError:
        return None, True


class KeyMemo:
    """Each file's :func:`file_facts` as the last scans of its tree read them, by the file's status
    (type, size, modification and change times in nanoseconds, inode, device), so that a rescan
    reads only the files that changed (reading and hashing every file was a tenth of a one-file
    rescan). Kept per scanned tree in the cache folder, sealed with its key, under the parse
    fingerprint (a new parser or version starts afresh).

    A status is remembered only once it is :data:`~analyzer.storage.RACY_NS` older than the scan's
    start: a file written again within the same tick of its clock (or in the seconds around the
    scan) keeps its status but not its content, so it is read again until its status has settled,
    as the replay memo and git do. Any change of the file changes its change time, which no user can
    set back."""

    FOLDER = "keys-v1"
    _LABEL = b"fleetiac-keys-1\n"
    KEEP = 4
    """The table keeps the files of other scans of the tree (another path, other options) while it
    holds no more than this many times the files of the current one."""

    def __init__(self, root: Path, scope: str) -> None:
        import hashlib

        from fleetiac.analyzer.cache import fingerprint
        from fleetiac.analyzer.storage import secret_or_none

        self.secret = secret_or_none(root)
        self.path = root / self.FOLDER / hashlib.sha256(scope.encode("utf-8", "surrogateescape")).hexdigest()[:32]
        self.version = fingerprint()
        self.settled_before = time.time_ns() - RACY_NS
        self.known: dict[str, tuple[Any, ...]] = self._read()
        self.seen: dict[str, tuple[Any, ...]] = {}
        self.changed = False

    def _label(self) -> bytes:
        return self._LABEL + self.path.name.encode() + b"\0" + self.version.encode()

    def _read(self) -> dict[str, tuple[Any, ...]]:
        import marshal

        from fleetiac.analyzer.storage import read_entry, unseal

        if self.secret is None:
            return {}
        try:
            payload = unseal(self.secret, self._label(), read_entry(self.path))
            table = marshal.loads(payload) if payload is not None else None
        except (OSError, EOFError, ValueError, TypeError):
            return {}
        if type(table) is not dict or not all(type(entry) is tuple and len(entry) == 5 for entry in table.values()):
            return {}
        return table

    def get(self, source: SourceFile, info: os.stat_result) -> tuple[str, bool] | None:
        path = os.fspath(source.path)
        entry = self.known.get(path)
        if entry is None or entry[0] != file_status(info) or entry[1] != source.language or entry[2] != source.display:
            return None
        self.seen[path] = entry
        return entry[3], entry[4]

    def put(self, source: SourceFile, info: os.stat_result, facts: tuple[str | None, bool]) -> None:
        key, marked = facts
        if key is None or max(info.st_mtime_ns, info.st_ctime_ns) >= self.settled_before:
            return  # not settled: read again next time
        self.seen[os.fspath(source.path)] = (file_status(info), source.language, source.display, key, marked)
        self.changed = True

    def save(self) -> None:
        """Write the table when this scan read a file it did not hold (or held otherwise)."""
        import marshal

        from fleetiac.analyzer.storage import atomic_write, seal

        if self.secret is None or not self.changed:
            return
        table = {**self.known, **self.seen} if len(self.known) <= self.KEEP * max(1, len(self.seen)) \
            else dict(self.seen)
        with contextlib.suppress(OSError, ValueError):
            atomic_write(self.path, seal(self.secret, self._label(), marshal.dumps(table)))


def _parse_chunk(chunk: list[tuple[SourceFile, str | None]], cache_root: str | None) -> list[tuple[str, bytes]]:
    """Parse, pickle, and store each result (buffered into this process's next chunk); return the
    pickles. Each file comes with its cache key, computed when the parse stage looked it up (None: not
    cacheable, or no cache)."""
    from fleetiac.analyzer.cache import ParseCache

    register_fast_pickling()  # in each process that pickles, forked or spawned
    cache = ParseCache(Path(cache_root)) if cache_root is not None else None
    out = []
    with gc_paused():
        for source, key in chunk:
            result = parse_one(source)
            register_fast_pickling()  # again: parsing may have imported the front end's data modules
            payload = pickle.dumps(result, pickle.HIGHEST_PROTOCOL)
            _store(cache, source, key, result, payload)
            out.append((source.display, payload))
    return out


def _store(cache: Any, source: SourceFile, key: str | None, result: Any, payload: bytes) -> None:
    """Keep ``payload`` (``result`` pickled) in ``cache`` (None: no cache) under ``key``: only when
    the file did not change while it was parsed (the key is re-read), and not when it ran out of
    time or crashed (that depends on the machine, not on the file)."""
    if cache is not None and key is not None and not machine_dependent(result) and file_key(source) == key:
        cache.store(key, payload)


def _parse_here(source: SourceFile, key: str | None, cache: Any) -> Any:
    """One file parsed in this process: its result as the front end made it, pickled only when the
    cache (None: none) keeps it. A result from a worker or the cache is a pickle's copy; this one is
    the original, which nothing else holds either (the workers' kept trees are used so too)."""
    result = parse_one(source)
    if cache is not None and key is not None:
        register_fast_pickling()
        _store(cache, source, key, result, pickle.dumps(result, pickle.HIGHEST_PROTOCOL))
    return result


def _end_with_parent(parent: int) -> None:
    """Make this worker end when the scan that started it ends, however it ends (SIGTERM, SIGKILL,
    a crash): on Linux the kernel sends SIGTERM to the worker when its parent dies. Ctrl-C is the
    parent's to handle (it exits 130 and ends the pool), so the worker ignores SIGINT instead of
    printing a traceback of its own."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            pr_set_pdeathsig = 1
            ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, int(signal.SIGTERM))
        except (OSError, AttributeError):  # no libc with prctl: the pool's own pipes end the worker
            pass
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)


def _worker_init(cache_root: str | None, grammar_root: str | None, parent: int = 0, scope: str = "") -> None:
    from fleetiac.analyzer.cache import in_worker
    from fleetiac.analyzer.frontends import grammars

    if parent:
        _end_with_parent(parent)
    if cache_root is not None:
        in_worker(Path(cache_root), scope)  # chunks are written here, the tables by the scanning process

    grammars.configure(Path(grammar_root) if grammar_root is not None else None, writable=cache_root is not None)


CGROUP_ROOT = Path("/sys/fs/cgroup")
"""Where the cgroup file systems are mounted (tests point it elsewhere)."""
SELF_CGROUP = Path("/proc/self/cgroup")
"""Which cgroups this process is in."""


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="ascii", errors="replace").strip()
    except OSError:
        return None


def _quota_v2(root: Path, group: str) -> float | None:
    """The smallest ``cpu.max`` quota (in CPUs) of the cgroup v2 ``group`` and its ancestors."""
    limits: list[float] = []
    folder = root.joinpath(*[part for part in group.split("/") if part and part != ".."])
    while True:
        fields = (_read(folder / "cpu.max") or "").split()
        if len(fields) == 2 and fields[0] != "max":
            try:
                quota, period = int(fields[0]), int(fields[1])
            except ValueError:
                quota, period = 0, 0
            if quota > 0 and period > 0:
                limits.append(quota / period)
        if folder == root or root not in folder.parents:
            break
        folder = folder.parent
    return min(limits) if limits else None


def _quota_v1(root: Path, group: str) -> float | None:
    """The ``cpu.cfs_quota_us`` / ``cpu.cfs_period_us`` of the cgroup v1 cpu controller: in the
    process's group, or at the mount's top (a container sees its own group there)."""
    for mount in ("cpu,cpuacct", "cpu", "cpuacct,cpu"):
        base = root / mount
        for folder in (base.joinpath(*[p for p in group.split("/") if p and p != ".."]), base):
            quota, period = _read(folder / "cpu.cfs_quota_us"), _read(folder / "cpu.cfs_period_us")
            if quota is None or period is None:
                continue
            try:
                q, per = int(quota), int(period)
            except ValueError:
                continue
            return q / per if q > 0 and per > 0 else None
    return None


def cpu_quota(root: Path | None = None, self_cgroup: Path | None = None) -> float | None:
    """How many CPUs the process's cgroup lets it use (a container's ``--cpus``), from cgroup v2
    ``cpu.max`` or v1 ``cpu.cfs_quota_us``; None without a limit (or off Linux)."""
    root = root or CGROUP_ROOT
    text = _read(self_cgroup or SELF_CGROUP)
    if text is None:
        return None
    for line in text.splitlines():
        hierarchy, _, rest = line.partition(":")
        controllers, _, group = rest.partition(":")
        if hierarchy == "0" and controllers == "":
            quota = _quota_v2(root, group)
            if quota is not None:
                return quota
        elif "cpu" in controllers.split(","):
            quota = _quota_v1(root, group)
            if quota is not None:
                return quota
    return None


def default_workers() -> int:
    """One worker per CPU the process may run on: its affinity, capped by its cgroup's CPU quota
    (rounded down, at least one): in a container limited to 2 CPUs on a 64-core host, 2."""
    try:
        cores = max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        cores = max(1, os.cpu_count() or 1)
    quota = cpu_quota()
    return max(1, min(cores, int(quota))) if quota is not None else cores


class Progress:
    """``parsing 120/1300 files`` on stderr, rewritten in place; silent for the first seconds."""

    def __init__(self, total: int, enabled: bool, terminal: bool | None = None) -> None:
        self.total = total
        self.enabled = enabled
        self.terminal = _stderr_is_terminal() if terminal is None else terminal
        """On a terminal the line is rewritten in place; elsewhere (a CI log) a plain line is written
        every tenth of the files, since ``\\r`` frames pile up there."""
        self.start = time.monotonic()
        self.done = 0
        self.shown = False
        self.tenths = 0

    def advance(self, count: int) -> None:
        self.done += count
        if not self.enabled:
            return
        if not self.terminal:
            tenths = self.done * 10 // self.total if self.total else 10
            if tenths > self.tenths:
                self.tenths = tenths
                sys.stderr.write(f"fleetiac: parsing {self.done}/{self.total} files ({tenths * 10}%)\n")
                sys.stderr.flush()
            return
        if time.monotonic() - self.start >= PROGRESS_AFTER:
            self.shown = True
            sys.stderr.write(f"\rfleetiac: parsing {self.done}/{self.total} files")
            sys.stderr.flush()

    def close(self) -> None:
        if self.shown:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


def _stderr_is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def progress_wanted(option: bool | None) -> bool:
    """``--progress``/``--no-progress`` when given; else only when stderr is a terminal."""
    if option is not None:
        return option
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


class LazyParsed(Mapping[str, Any]):
    """Display path -> parse result, where results the cache holds are only read when asked for (a
    warm rescan whose evaluated units are cached never needs them). ``cache_keys`` holds each file's
    cache key (None: not cacheable, or ``--no-cache``)."""

    def __init__(self, values: dict[str, Any], pending: dict[str, tuple[SourceFile, str | None]],
                 keys: dict[str, str | None], cache_root: Path | None, quiet: set[str] | None = None,
                 summaries: dict[tuple[Any, ...], Any] | None = None) -> None:
        self._values = values
        self._pending = pending
        self.cache_keys = keys
        self._root = cache_root
        self.quiet: set[str] = quiet or set()
        """Files whose bytes, read for their keys, hold no suppression directive."""
        self.summaries: dict[tuple[Any, ...], Any] = summaries or {}
        """Per-file records the workers sent for the files they kept (see ``kept`` of
        :func:`parse_lazily`), by memo key: the front end's units find them there."""
        self.remote: Callable[..., Any] | None = None
        """Evaluates units in the workers (while they still run), or None."""

    def __getitem__(self, display: str) -> Any:
        if display in self._values:
            return self._values[display]
        source, key = self._pending.pop(display)  # KeyError for a file never given
        from fleetiac.analyzer.cache import ParseCache

        found, value = False, None
        if self._root is not None and key is not None:
            with gc_paused():
                found, value = ParseCache(self._root).load(key)
        if not found:  # removed or damaged since it was seen: parsed here after all
            ((_, payload),) = _parse_chunk([(source, key)], str(self._root) if self._root is not None else None)
            value = pickle.loads(payload)
        self._values[display] = value
        return value

    def __iter__(self) -> Iterator[str]:
        yield from self._values
        yield from list(self._pending)

    def __len__(self) -> int:
        return len(self._values) + len(self._pending)

    def __contains__(self, display: object) -> bool:
        return display in self._values or display in self._pending


def parse_files(files: list[SourceFile], *, cache_root: Path | None, workers: int | None = None,
                progress: bool | None = None, stats: ParseStats | None = None) -> dict[str, Any]:
    """Every file's parse result, read or parsed now (see :func:`parse_lazily`)."""
    lazy = parse_lazily(files, cache_root=cache_root, workers=workers, progress=progress, stats=stats)
    return {display: lazy[display] for display in lazy}


def parse_lazily(files: list[SourceFile], *, cache_root: Path | None, workers: int | None = None,
                 progress: bool | None = None, stats: ParseStats | None = None,
                 first: tuple[str, ...] = (), when_first: Callable[[LazyParsed], None] | None = None,
                 grammar_root: Path | None = None, kept: tuple[str, ...] = (),
                 when_done: Callable[[LazyParsed], None] | None = None,
                 idle: Callable[[], Iterator[None]] | None = None) -> LazyParsed:
    """Like :func:`parse_files`, but entries found in the cache are read only when asked for.

    With worker processes, files of the ``first`` languages are parsed first, and ``when_first`` is
    called (in this process, with them available) as soon as they are all in, while the workers go on
    with the others: an early front end's evaluation then overlaps the others' parse. Without workers it is
    not called; the caller does that work afterwards, from the same data.

    With worker processes, the parse trees of files of the ``kept`` languages stay in the workers
    (their front end's ``summarize`` records come back instead, in ``.summaries``), and the mapping
    given to ``when_first`` has a ``.remote`` that evaluates units in the workers that hold them;
    ``when_done`` is called likewise once every file is in, while the workers still run. ``idle``
    (with workers only) is work of this process for later stages, done a step at a time while it
    waits for the workers.

    ``cache_root`` None parses everything and writes nothing (``--no-cache``), though compiled grammars
    are still loaded from a trusted ``grammar_root`` (never written there); ``workers`` None uses every
    core the process may run on, 1 parses in this process."""
    from fleetiac.analyzer.cache import ParseCache
    from fleetiac.analyzer.frontends import grammars
    from fleetiac.analyzer.frontends.base import language

    began = time.perf_counter()
    stats = stats if stats is not None else ParseStats()
    grammar_root = cache_root if cache_root is not None else grammar_root
    grammars.configure(grammar_root, writable=cache_root is not None)
    # The scanned tree's root (files' paths minus their display paths), as the engine names its unit
    # index: the cache's tables are per tree.
    scope = files[0].path.as_posix()[: -len(files[0].display)] if files else ""
    if cache_root is not None:
        begin_scan(cache_root, scope)
    use_for_line_hashes(cache_root)  # the report's line hashes follow --no-cache too
    stats.files = sum(1 for f in files if language(f.language).parsed)
    results: dict[str, Any] = {}
    pending: dict[str, tuple[SourceFile, str | None]] = {}
    keys: dict[str, str | None] = {}
    quiet: set[str] = set()
    missing: list[SourceFile] = []
    cache = ParseCache(cache_root) if cache_root is not None else None
    memo = KeyMemo(cache_root, scope) if cache_root is not None else None
    for source in files:
        key, marked = file_facts(source, memo) if cache is not None else (None, True)
        keys[source.display] = key
        if not marked:
            quiet.add(source.display)
        if not language(source.language).parsed:
            continue  # its front end reads it when evaluating (the key still serves that)
        if cache is not None and key is not None and cache.has(key):
            pending[source.display] = (source, key)
            continue
        missing.append(source)
    stats.cached = stats.files - len(missing)
    stats.parsed = len(missing)
    count = min(workers if workers is not None else default_workers(), len(missing))
    bar = Progress(len(missing), progress_wanted(progress))
    root = str(cache_root) if cache_root is not None else None
    summaries: dict[tuple[Any, ...], Any] = {}
    try:
        if count > 1 and len(missing) >= MIN_FILES_FOR_WORKERS:
            missing.sort(key=lambda f: f.language not in first)  # stable: the first languages first
            needed = sum(1 for f in missing if f.language in first)
            by_display = {f.display: f for f in missing}

            def gathered_so_far(got: _Gathered) -> LazyParsed:
                """What came back: parse results, and the kept files (read or parsed here when asked)."""
                keys.update(got.keys)
                waiting = {**pending, **{d: (by_display[d], got.keys[d]) for d in got.kept}}
                return LazyParsed({**results, **got.values}, waiting, keys, cache_root, quiet | got.quiet,
                                  got.summaries)

            def first_done(got: _Gathered, remote: Any) -> None:
                if when_first is not None:
                    lazy = gathered_so_far(got)
                    lazy.remote = remote
                    when_first(lazy)

            def last_done(got: _Gathered, remote: Any) -> None:
                if when_done is not None:
                    lazy = gathered_so_far(got)
                    lazy.remote = remote
                    when_done(lazy)

            done = _in_workers([(f, keys[f.display]) for f in missing], root, count, bar.advance, needed, first_done,
                               str(grammar_root) if grammar_root is not None else None, frozenset(kept), last_done,
                               scope, idle)
            if done is not None:
                stats.workers = count
                lazy = gathered_so_far(done)
                results, pending, summaries, quiet = lazy._values, lazy._pending, done.summaries, lazy.quiet
                missing = []
        with gc_paused():  # the results pile up here: collections would walk them again and again
            for source in missing:
                results[source.display] = _parse_here(source, keys[source.display], cache)
                bar.advance(1)
    finally:
        bar.close()
    if cache_root is not None:
        save_stores(cache_root, "parse")  # what this process parsed as one chunk, and the tree's table
    if memo is not None:
        memo.save()
    stats.seconds = time.perf_counter() - began
    return LazyParsed(results, pending, keys, cache_root, quiet, summaries)


class _Broken(Exception):
    """A worker process ended or failed: what it had not sent is done in this process."""


class _WorkerState:
    """A worker process's own data: the parse trees of the kept languages it parsed (or read, or
    parsed again as a module another unit called), and the units it can evaluate."""

    def __init__(self, cache_root: str | None) -> None:
        from fleetiac.analyzer.cache import ParseCache

        self.cache = ParseCache(Path(cache_root)) if cache_root is not None else None
        self.trees: dict[str, Any] = {}
        self.units: dict[int, dict[tuple[Any, ...], Any]] = {}

    def parse(self, chunk: list[tuple[SourceFile, str | None]], kept: frozenset[str]) -> list[tuple[Any, ...]]:
        """Parse, store in the cache and return each file: its pickle, or, for a kept language, its
        front end's summary (the tree stays here, for evaluation)."""
        from fleetiac.analyzer.frontends.base import front_end_of

        out: list[tuple[Any, ...]] = []
        with gc_paused():
            for source, key in chunk:
                keep = source.language in kept
                marked = True  # unknown here: the scanning process read the file already, or will
                if keep and key is None and self.cache is None:
                    # No cache: the key still names the file for the units, and the bytes read for
                    # it tell whether the suppression pass needs to read the file again.
                    key, marked = file_facts(source)
                result = parse_one(source)
                summary = front_end_of(source.language).summarize(source, result, key) if keep else None  # type: ignore[attr-defined]
                store = self.cache is not None and key is not None and not machine_dependent(result) \
                    and file_key(source) == key
                register_fast_pickling()  # again: parsing may have imported the front end's data modules
                payload = pickle.dumps(result, pickle.HIGHEST_PROTOCOL) if store or summary is None else None
                if store and self.cache is not None and payload is not None:
                    self.cache.store(key, payload)  # type: ignore[arg-type]
                if summary is not None:
                    self.trees[source.display] = result
                    out.append((source.display, key, summary, None, marked))
                else:
                    out.append((source.display, key, None, payload, marked))
        return out

    def written(self, flush: bool = False) -> list[tuple[str, Any]]:
        """Where the entries this worker stored since the last call lie (see :meth:`Store.written`)."""
        return self.cache.entries.written(flush) if self.cache is not None else []

    def setup(self, sid: int, name: str, files: list[SourceFile], keys: dict[str, str | None], inputs: Any,
              summaries: dict[tuple[Any, ...], Any], values: dict[str, Any],
              placed: Sequence[tuple[str, Any]] = ()) -> None:
        """Form the units of front end ``name`` as the scanning process does, from the same files and
        the summaries every worker sent; ``placed``: where the entries the other workers stored lie
        (so a tree another worker parsed is read, not parsed again)."""
        from fleetiac.analyzer.frontends.base import front_ends

        if self.cache is not None:
            self.cache.entries.adopt(list(placed))

        front_end = next(f for f in front_ends() if f.name == name)
        trees = _WorkerTrees(self, {f.display: f for f in files}, keys, values)
        units = front_end.units(files, trees, keys, inputs, _Given(summaries))
        self.units[sid] = {u.remote: u for u in units if u.remote is not None}

    def evaluate(self, sid: int, wanted: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        from fleetiac.analyzer.cache import results_digest, run_unit, unit_record

        units = self.units.get(sid, {})
        out: list[tuple[Any, ...]] = []
        with gc_paused():
            for descriptor in wanted:
                unit = units.get(descriptor)
                if unit is None:
                    continue
                results, dependencies, unstable = run_unit(unit)
                try:
                    payload = unit_record(results, dependencies)  # as the unit index keeps it
                except Exception:  # not picklable: evaluated again by the scanning process
                    continue
                trail = results_digest(results) if self.cache is not None else None
                out.append((descriptor, unit.key, unstable, payload, trail))
        return out


class _Given:
    """The memo of a worker's units: the summaries the scanning process gathered, nothing kept."""

    def __init__(self, records: dict[tuple[Any, ...], Any]) -> None:
        self.records = records

    def get(self, key: tuple[Any, ...]) -> Any:
        return self.records.get(key)

    def put(self, key: tuple[Any, ...], value: Any) -> None:
        return None

    def untracked(self) -> None:
        return None


class _WorkerTrees(Mapping[str, Any]):
    """Display path -> parse result in a worker: its own trees, else the cache's, else parsed here."""

    def __init__(self, state: _WorkerState, sources: dict[str, SourceFile], keys: dict[str, str | None],
                 values: dict[str, Any]) -> None:
        self.state, self.sources, self.file_keys, self.given = state, sources, keys, values

    def __getitem__(self, display: str) -> Any:
        trees = self.state.trees
        if display in trees:
            return trees[display]
        if display in self.given:
            return self.given[display]
        source = self.sources[display]
        key = self.file_keys.get(display)
        found, value = False, None
        if self.state.cache is not None and key is not None:
            with gc_paused():
                found, value = self.state.cache.load(key)
        if not found:
            value = parse_one(source)
        trees[display] = value
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self.sources)

    def __len__(self) -> int:
        return len(self.sources)

    def __contains__(self, display: object) -> bool:
        return display in self.sources


def _worker_main(conn: Any, cache_root: str | None, grammar_root: str | None, parent: int, scope: str = "") -> None:
    """A worker's loop: one task in, one reply out (a setup has none), until the pipe closes."""
    _worker_init(cache_root, grammar_root, parent, scope)
    register_fast_pickling()
    state = _WorkerState(cache_root)
    failed: str | None = None
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            break
        if task is None:
            break
        kind = task[0]
        try:
            if kind == "setup":
                try:
                    state.setup(*task[1:])
                except Exception as error:  # its evaluations then fail, and are done by the parent
                    failed = repr(error)
                continue
            if kind == "parse":
                reply: tuple[Any, ...] = ("parse", state.parse(task[1], task[2]), state.written())
            elif kind == "flush":
                reply = ("flushed", state.written(flush=True))
            elif failed is not None:
                reply = ("failed", failed)
            else:
                reply = ("eval", state.evaluate(task[1], task[2]))
        except Exception as error:
            reply = ("failed", repr(error))
        conn.send(reply)


class _Pool:
    """Worker processes with a pipe each, so that a task can go to the worker that holds its data:
    a unit to the worker that parsed its folder (its trees never cross a process boundary). An
    idle worker takes its own evaluations first, then the next parse chunk, then another worker's
    evaluations (it reads or parses their trees itself).

    While plenty of work is left, each worker has a second task waiting in its pipe behind the one
    it runs (:data:`AHEAD`): it starts on it as soon as it sends its reply, instead of waiting for
    this process to read the reply and answer, which it may do late when it is busy with its own
    work (:attr:`idle`). Near the end a worker gets one task at a time, so no task
    waits behind another while a worker sits idle."""

    def __init__(self, count: int, cache_root: str | None, grammar_root: str | None, scope: str = "") -> None:
        import multiprocessing

        context: Any = multiprocessing.get_context(START_METHOD)
        self.conns: list[Any] = []
        self.processes: list[Any] = []
        try:
            for _ in range(count):
                mine, theirs = context.Pipe()
                process = context.Process(target=_worker_main, daemon=True,
                                          args=(theirs, cache_root, grammar_root, os.getpid(), scope))
                process.start()
                theirs.close()
                self.conns.append(mine)
                self.processes.append(process)
        except BaseException:
            self.close()
            raise
        self.busy: list[list[tuple[Any, ...]]] = [[] for _ in range(count)]
        """Each worker's tasks sent and not yet answered, oldest first (it answers them in order)."""
        self.idle: Iterator[None] | None = None
        """This process's own work, a step per ``next`` (see :meth:`pump`); None once done."""
        self.parse_queue: list[tuple[Any, ...]] = []
        self.eval_queues: list[list[tuple[Any, ...]]] = [[] for _ in range(count)]
        self.setups: dict[int, tuple[Any, ...]] = {}
        self.sent_setups: list[set[int]] = [set() for _ in range(count)]
        self.flush_due = [False] * count
        """Workers to ask, once nothing else is left for them, for the entries they still buffer
        (never taken by another worker: each writes its own)."""
        self.on_reply: Callable[[int, tuple[Any, ...], tuple[Any, ...]], None] = lambda *_: None

    def _next(self, worker: int) -> tuple[Any, ...] | None:
        """The task ``worker`` takes next when it has none (see the class doc)."""
        own = self.eval_queues[worker]
        if own:
            return own.pop(0)
        if self.parse_queue:
            return self.parse_queue.pop(0)
        if self.flush_due[worker]:
            self.flush_due[worker] = False
            return ("flush",)
        other = max(range(len(self.eval_queues)), key=lambda w: len(self.eval_queues[w]))
        return self.eval_queues[other].pop() if self.eval_queues[other] else None

    def _next_ahead(self, worker: int) -> tuple[Any, ...] | None:
        """A task to queue behind the one ``worker`` runs, or None: one of its own evaluations whose
        setup it already has, or a parse chunk while enough chunks are left that every other worker
        still gets one."""
        own = self.eval_queues[worker]
        if own:
            return own.pop(0) if own[0][1] in self.sent_setups[worker] else None
        if len(self.parse_queue) > len(self.conns):
            return self.parse_queue.pop(0)
        return None

    def _feed(self) -> None:
        from multiprocessing.reduction import ForkingPickler

        for worker, conn in enumerate(self.conns):
            sent = self.busy[worker]
            while len(sent) < AHEAD:
                task = self._next_ahead(worker) if sent else self._next(worker)
                if task is None:
                    break
                try:
                    if sent:
                        # A worker busy with its task reads no other until it has sent that task's
                        # reply, and a large reply waits for this process to read it: a task queued
                        # ahead must fit in the pipe's buffer, or both sides would wait on each other.
                        data = ForkingPickler.dumps(task)
                        if len(data) > AHEAD_BYTES:
                            (self.eval_queues[worker] if task[0] == "eval" else self.parse_queue).insert(0, task)
                            break
                        conn.send_bytes(data)
                    else:
                        if task[0] == "eval" and task[1] not in self.sent_setups[worker]:
                            conn.send(self.setups[task[1]])
                            self.sent_setups[worker].add(task[1])
                        conn.send(task)
                except (OSError, ValueError) as error:
                    raise _Broken from error
                sent.append(task)

    def pending(self) -> bool:
        return any(self.busy) or bool(self.parse_queue) or any(self.eval_queues)

    def pump(self, until: Callable[[], bool]) -> None:
        """Hand out tasks and take replies until ``until()``. While no reply is waiting, this
        process does a step of its own work (:attr:`idle`, work for later stages that overlaps the
        workers'); the steps left when ``until()`` holds wait for the next pump or :meth:`finish_idle`."""
        from multiprocessing.connection import wait

        self._feed()
        while not until():
            waiting = [conn for conn, tasks in zip(self.conns, self.busy, strict=True) if tasks]
            if not waiting:
                raise _Broken("nothing left to wait for")
            if self.idle is None:
                replies = wait(waiting)
            else:
                replies = wait(waiting, 0)
                if not replies:  # none waiting: a step of this process's own work
                    self._idle_step()
                    continue
            for ready in replies:
                conn: Any = ready
                worker = self.conns.index(conn)
                try:
                    reply: Any = conn.recv()
                except (EOFError, OSError) as error:
                    raise _Broken from error
                task = self.busy[worker].pop(0)
                if reply[0] == "failed" and task[0] == "parse":
                    raise _Broken(reply[1])
                self.on_reply(worker, task, reply)
            self._feed()

    def _idle_step(self) -> None:
        # A step that fails is not this stage's to report: the work is left undone, and the stage
        # that needs it does it again (and fails there, with its own diagnostic).
        try:
            if self.idle is not None and next(self.idle, _DONE) is _DONE:
                self.idle = None
        except Exception:
            self.idle = None

    def finish_idle(self) -> None:
        """The steps of this process's own work that no pump has done yet."""
        while self.idle is not None:
            self._idle_step()

    def close(self) -> None:
        for conn in self.conns:
            with contextlib.suppress(OSError, ValueError):
                conn.send(None)
        for process in self.processes:
            process.join(timeout=5)
            if process.is_alive():
                process.terminate()
                process.join(timeout=5)
        for conn in self.conns:
            conn.close()


AHEAD = 2
"""Tasks a worker may have sent to it at once: the one it runs, and one waiting in its pipe (see
:class:`_Pool`)."""

AHEAD_BYTES = 4096
"""The largest task (pickled) queued behind a running one: under a pipe's buffer (a local socket's:
about 200 KB on Linux, 8 KB by default on macOS), so sending it never waits for the worker. A parse
chunk of 20 files is about 1.7 KB."""

_DONE = object()
"""What ``next`` gives for an exhausted :attr:`_Pool.idle`."""


START_METHOD: str | None = "fork" if sys.platform.startswith("linux") else None
"""How worker processes start: fork shares the already imported parsers with the children; elsewhere
the platform's default (spawn), each worker loading them itself."""


def _start_pool(count: int, cache_root: str | None, grammar_root: str | None, scope: str = "") -> _Pool | None:
    """Worker processes, or None when processes cannot be used here (the caller then parses in this
    process)."""
    if START_METHOD == "fork":
        from fleetiac.analyzer.frontends.base import front_ends

        # Loaded once here instead of once per worker: the grammars, the front ends' parse and
        # evaluation code and the pickling registration; and, without a cache (which would have
        # made it for the files' keys already), the keys' fingerprint, which the workers need for
        # the files they keep (it reads package versions through importlib.metadata, 0.03 s, and
        # hashes the parser code).
        for front_end in front_ends():
            front_end.preload()
        register_fast_pickling()
        if cache_root is None:
            from fleetiac.analyzer.cache import fingerprint

            fingerprint()
    try:
        return _Pool(count, cache_root, grammar_root, scope)
    except (OSError, NotImplementedError, ImportError):
        return None


def _chunks(files: list[tuple[SourceFile, str | None]], size: int, by_folder: frozenset[str]) -> list[list[Any]]:
    """``files`` in chunks of about ``size``; files of the ``by_folder`` languages with every other file
    of their folder (so one worker holds a module's files together)."""
    chunks: list[list[Any]] = []
    current: list[Any] = []
    folder: str | None = None
    for item in files:
        source = item[0]
        grouped = source.language in by_folder
        same = grouped and folder is not None and source.directory == folder
        if current and len(current) >= size and not same:
            chunks.append(current)
            current = []
        current.append(item)
        folder = source.directory if grouped else None
    if current:
        chunks.append(current)
    return chunks


@dataclass
class _Gathered:
    values: dict[str, Any]
    keys: dict[str, str | None]
    summaries: dict[tuple[Any, ...], Any]
    kept: set[str]
    owners: dict[str, int]
    """Folder -> the worker that parsed (and so holds) its kept files."""
    quiet: set[str]
    """Files a worker read and found without a suppression directive (see :func:`file_facts`)."""


def _in_workers(files: list[tuple[SourceFile, str | None]], cache_root: str | None, workers: int,
                advance: Callable[[int], None], needed: int = 0,
                first_done: Callable[[_Gathered, Any], None] | None = None,
                grammar_str: str | None = None, kept: frozenset[str] = frozenset(),
                last_done: Callable[[_Gathered, Any], None] | None = None, scope: str = "",
                idle: Callable[[], Iterator[None]] | None = None) -> _Gathered | None:
    """Parse ``files`` (each with its cache key) in ``workers`` processes; None when processes cannot
    be used here (the caller then parses in this process). Files of the ``kept`` languages stay in
    the workers (their summaries come back); ``first_done`` is called once the first ``needed``
    files are in, with what came back and a function that evaluates units in the workers. ``idle``
    is this process's own work, done a step at a time while it waits for the workers (all of it,
    unless the workers fail)."""
    from fleetiac.analyzer.cache import read_unit_record, store_for

    pool = _start_pool(workers, cache_root, grammar_str, scope)
    if pool is None:
        return None
    pool.idle = idle() if idle is not None else None
    # The workers write the entries they parse into chunks; the table is this process's to write.
    store = store_for(Path(cache_root), "parse") if cache_root is not None else None
    placed: list[tuple[str, Any]] = []
    flushing = [0]
    # Small chunks balance the load (files of some languages parse much faster); not too small,
    # since each chunk is one round trip.
    size = max(1, min(16, len(files) // (workers * 4)))
    chunks = _chunks(files, size, kept)
    pool.parse_queue = [("parse", chunk, kept) for chunk in chunks]
    gathered = _Gathered({}, {}, {}, set(), {}, set())
    first_displays = {f.display for f, _ in files[:needed]}
    count = {"first": len(first_displays), "all": len(files)}
    evaluated: dict[tuple[Any, ...], tuple[Any, bool, bytes, str | None, Any]] = {}
    outstanding = [0]

    def on_reply(worker: int, task: tuple[Any, ...], reply: tuple[Any, ...]) -> None:
        if reply[0] == "parse":
            with gc_paused():  # the results pile up here: collections would walk them again and again
                for display, key, summary, payload, marked in reply[1]:
                    gathered.keys[display] = key
                    if not marked:
                        gathered.quiet.add(display)
                    if summary is not None:
                        gathered.kept.add(display)
                        gathered.summaries[summary[0]] = summary[1]
                        gathered.owners.setdefault(display.rpartition("/")[0], worker)
                    else:
                        gathered.values[display] = pickle.loads(payload)
                    count["all"] -= 1
                    if display in first_displays:
                        count["first"] -= 1
            if store is not None:
                store.adopt(reply[2])
                placed.extend(reply[2])
            advance(len(reply[1]))
        elif task and task[0] == "flush":
            flushing[0] -= 1
            if reply[0] == "flushed" and store is not None:
                store.adopt(reply[1])
        elif task and task[0] == "eval":
            outstanding[0] -= 1
            if reply[0] == "eval":
                for descriptor, key, unstable, payload, trail in reply[1]:
                    # Read back now, between replies, while the workers go on with the tasks queued
                    # for them: read once they are all in, the records of thousands of units took
                    # this process long enough for both workers to run out of work.
                    try:
                        decoded = read_unit_record(payload)
                    except Exception:  # the caller evaluates that unit itself
                        decoded = None
                    evaluated[descriptor] = (key, unstable, payload, trail, decoded)

    pool.on_reply = on_reply
    sid = [0]
    broken = [False]

    def remote(name: str, front_files: list[SourceFile], keys: Any, inputs: Any, wanted: list[tuple[Any, ...]],
               records: dict[tuple[Any, ...], Any] | None = None,
               ) -> dict[tuple[Any, ...], tuple[Any, bool, bytes, str | None, Any]]:
        """Evaluate the units ``wanted`` of front end ``name`` in the workers (see :data:`analyzer.cache.Remote`)."""
        if broken[0]:
            return {}
        from dataclasses import replace as replaced

        sid[0] += 1
        environ = dict(inputs.environ) if inputs.environ is not None else None
        values = {f.display: gathered.values[f.display] for f in front_files if f.display in gathered.values}
        pool.setups[sid[0]] = ("setup", sid[0], name, front_files, dict(keys), replaced(inputs, environ=environ),
                               {**gathered.summaries, **(records or {})}, values, list(placed))
        by_worker: dict[int, list[tuple[Any, ...]]] = {}
        for descriptor in wanted:
            owner = gathered.owners.get(descriptor[1], hash(descriptor[1]) % workers)
            by_worker.setdefault(owner, []).append(descriptor)
        for worker, mine in by_worker.items():
            batch = max(1, min(4, len(mine) // 8))
            for i in range(0, len(mine), batch):
                pool.eval_queues[worker].append(("eval", sid[0], mine[i:i + batch]))
                outstanding[0] += 1
        evaluated.clear()
        try:
            pool.pump(lambda: outstanding[0] == 0)
        except _Broken:
            broken[0] = True
            return {}
        return dict(evaluated)

    try:
        try:
            if first_done is not None:
                pool.pump(lambda: count["first"] == 0)
                first_done(gathered, remote)
            pool.pump(lambda: count["all"] == 0)
            if last_done is not None:
                last_done(gathered, remote)
        except _Broken:
            return None
        if store is not None:  # what the workers still buffer: a last chunk each
            with contextlib.suppress(_Broken):
                pool.flush_due = [True] * workers
                flushing[0] = workers
                pool.pump(lambda: flushing[0] == 0)
        pool.finish_idle()
    finally:
        pool.close()
    return gathered
