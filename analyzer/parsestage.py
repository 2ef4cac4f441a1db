"""The parse stage: every file of a parsed language parsed once, into plain data, before evaluation.

Parsing is most of a cold scan (Lark parsers, 15-45 ms a file) and each file parses on its own, so
the files a cache does not already hold are spread over worker processes in chunks. Front ends
return picklable plain data, so a worker sends its results back as pickles, which are also exactly
what the cache stores: the bytes are made once, in the worker. Evaluation (which needs every file of
a module together) then runs in this process from the parsed data.

The results do not depend on how they were made: the same objects come from a worker, from this
process or from the cache (tests assert it).
"""

from __future__ import annotations

import os
import pickle
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from fleetiac.analyzer.cache import gc_paused, register_fast_pickling, use_for_line_hashes
from fleetiac.analyzer.frontends.sources import SourceFile, machine_dependent
from fleetiac.analyzer.model import Diagnostic, Location, internal_error

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


def file_facts(source: SourceFile) -> tuple[str | None, bool]:
    """:func:`file_key`, and whether the bytes it read contain :data:`DIRECTIVE_MARK` (True when
    unread): the suppression pass skips files known to hold no directive instead of reading
    every file a second time."""
    import stat

    from fleetiac.analyzer.cache import entry_key

    try:
        info = source.path.stat()
        # The front end refuses these without reading them (a FIFO would block a read forever):
        # nothing worth caching. The size limit is the file's own (--max-file-size).
        if not stat.S_ISREG(info.st_mode) or info.st_size > source.limits.max_bytes:
            return None, True
        data = source.path.read_bytes()
        return entry_key(data, source.language, source.display), DIRECTIVE_MARK in data
    except OSError:
        return None, True


def _parse_chunk(chunk: list[tuple[SourceFile, str | None]], cache_root: str | None) -> list[tuple[str, bytes]]:
    """Worker side: parse, pickle, and store each result; return the pickles. Each file comes with
    its cache key, computed when the parse stage looked it up (None: not cacheable, or no cache)."""
    from fleetiac.analyzer.cache import ParseCache

    register_fast_pickling()  # in each process that pickles, forked or spawned
    cache = ParseCache(Path(cache_root)) if cache_root is not None else None
    out = []
    with gc_paused():
        for source, key in chunk:
            result = parse_one(source)
            payload = pickle.dumps(result, pickle.HIGHEST_PROTOCOL)
            # Stored only when the file did not change while it was parsed (the key is re-read), and
            # not when it ran out of time or crashed (that depends on the machine, not on the file).
            if cache is not None and key is not None and not machine_dependent(result) \
                    and file_key(source) == key:
                cache.store(key, payload)
            out.append((source.display, payload))
    return out


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


def _worker_init(cache_root: str | None, grammar_root: str | None, parent: int = 0) -> None:
    from fleetiac.analyzer.frontends import grammars

    if parent:
        _end_with_parent(parent)

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

    def __init__(self, values: dict[str, Any], pending: dict[str, tuple[SourceFile, str]],
                 keys: dict[str, str | None], cache_root: Path | None, quiet: set[str] | None = None) -> None:
        self._values = values
        self._pending = pending
        self.cache_keys = keys
        self._root = cache_root
        self.quiet: set[str] = quiet or set()
        """Files whose bytes, read for their keys, hold no suppression directive."""

    def __getitem__(self, display: str) -> Any:
        if display in self._values:
            return self._values[display]
        source, key = self._pending.pop(display)  # KeyError for a file never given
        from fleetiac.analyzer.cache import ParseCache

        found, value = False, None
        if self._root is not None:
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
                 grammar_root: Path | None = None) -> LazyParsed:
    """Like :func:`parse_files`, but entries found in the cache are read only when asked for.

    With worker processes, files of the ``first`` languages are parsed first, and ``when_first`` is
    called (in this process, with them available) as soon as they are all in, while the workers go on
    with the others: an early front end's evaluation then overlaps the others' parse. Without workers it is
    not called; the caller does that work afterwards, from the same data.

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
    use_for_line_hashes(cache_root)  # the report's line hashes follow --no-cache too
    stats.files = sum(1 for f in files if language(f.language).parsed)
    results: dict[str, Any] = {}
    pending: dict[str, tuple[SourceFile, str]] = {}
    keys: dict[str, str | None] = {}
    quiet: set[str] = set()
    missing: list[SourceFile] = []
    cache = ParseCache(cache_root) if cache_root is not None else None
    for source in files:
        key, marked = file_facts(source) if cache is not None else (None, True)
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
    try:
        if count > 1 and len(missing) >= MIN_FILES_FOR_WORKERS:
            missing.sort(key=lambda f: f.language not in first)  # stable: the first languages first
            needed = sum(1 for f in missing if f.language in first)

            def first_done(done: dict[str, Any]) -> None:
                if when_first is not None:
                    when_first(LazyParsed({**results, **done}, dict(pending), keys, cache_root))

            done = _in_workers([(f, keys[f.display]) for f in missing], root, count, bar.advance, needed, first_done,
                               str(grammar_root) if grammar_root is not None else None)
            if done is not None:
                stats.workers = count
                results.update(done)
                missing = []
        with gc_paused():  # the results pile up here: collections would walk them again and again
            for source in missing:
                for display, payload in _parse_chunk([(source, keys[source.display])], root):
                    results[display] = pickle.loads(payload)
                bar.advance(1)
    finally:
        bar.close()
    stats.seconds = time.perf_counter() - began
    return LazyParsed(results, pending, keys, cache_root, quiet)


def _in_workers(files: list[tuple[SourceFile, str | None]], cache_root: str | None, workers: int,
                advance: Callable[[int], None], needed: int = 0,
                first_done: Callable[[dict[str, Any]], None] | None = None,
                grammar_str: str | None = None) -> dict[str, Any] | None:
    """Parse ``files`` (each with its cache key) in ``workers`` processes; None when processes cannot
    be used here (the caller then parses in this process)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    # Small chunks balance the load (files of some languages parse much faster); not too small,
    # since each chunk is one round trip.
    size = max(1, min(16, len(files) // (workers * 4)))
    chunks = [files[i:i + size] for i in range(0, len(files), size)]
    # fork shares the already imported parsers with the children; elsewhere the default is used.
    method = "fork" if sys.platform.startswith("linux") else None
    if method == "fork":
        from fleetiac.analyzer.frontends.base import front_ends

        # Loaded once here instead of once per worker: the grammars, the front ends' parse code and
        # the pickling registration.
        for front_end in front_ends():
            front_end.preload()
        register_fast_pickling()
    results: dict[str, Any] = {}
    try:
        context = multiprocessing.get_context(method)
        with ProcessPoolExecutor(workers, mp_context=context, initializer=_worker_init,
                                 initargs=(cache_root, grammar_str, os.getpid())) as pool:
            futures = [pool.submit(_parse_chunk, chunk, cache_root) for chunk in chunks]
            called = False
            with gc_paused():
                for future in as_completed(futures):
                    done = future.result()
                    for display, payload in done:
                        results[display] = pickle.loads(payload)
                    advance(len(done))
                    # Chunks finish out of order: wait until every file of the first languages is in.
                    if not called and first_done is not None and len(results) >= needed \
                            and all(f.display in results for f, _ in files[:needed]):
                        called = True
                        first_done(results)
    except (OSError, NotImplementedError, PermissionError, BrokenProcessPool, ImportError):
        return None
    return results
