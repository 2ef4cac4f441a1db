"""The replay memo: a scan repeated on an unchanged tree writes the same reports without scanning.

A warm rescan through the caches still reads every cached record, forms the units and renders the
reports (a third of a second on a thousand files); a pre-commit hook or an editor rerunning the same
command on the same files needs none of that. So a scan whose outcome follows from its inputs alone
(:attr:`~analyzer.engine.ScanTrace.replayable`) leaves, in the cache folder, what it wrote (each
report and its destination, the lines on standard error, the exit code) under a key naming the
command (its options, the configuration's settings, the working folder, the colors chosen, the
``TF_VAR_*`` values when read, fleetiac's code, the parsers, Python), with the status of everything
the outcome was computed from:

- every folder the discovery walk listed and every entry it looked at (a file added, removed or
  renamed changes its folder's status; an edited file its own);
- what the units read besides the scanned files (:attr:`~analyzer.frontends.base.Unit.probes`: module
  folders outside the scanned ones, ``modules.json``, files ``loadTextContent()`` reads), with where
  each path leads after symbolic links;
- the files options name (``--var-file``, ``--assignments``, ``--aks-versions``, ``--baseline``,
  ``--arm-parameters``), the scanned paths, and the ``.git`` folders that place the report root.

The next run of the same command compares those statuses (``os.stat``: type, size, modification
and change times, inode, device, as git's index does) and, when all are equal, writes the recorded
outcome. Any difference, or any doubt, runs the scan. A status changed in the same two seconds as
the scan (a file saved while it ran, or just before: file times are coarse on some file systems) is
not trusted: such a scan records nothing. The change time cannot be set by a program (a ``touch -d``
or an archive restoring times still moves it), so equal statuses mean an untouched file.

The memo is sealed like every cache entry (:func:`analyzer.storage.seal`) and holds only plain data
read back with :mod:`marshal` (no objects, no code).
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from fleetiac.analyzer.storage import RACY_NS, atomic_write, file_status, read_entry, seal, unseal

MEMO_FOLDER = "replay-v1"
"""The cache folder's subfolder of replay memos (the number goes up when their layout changes)."""
_LABEL = b"fleetiac-replay-1\n"

Observation = tuple[str, str, Any]
"""``(kind, path, what was seen)``: see :func:`observe`."""
Outcome = tuple[tuple[tuple[str | None, str], ...], tuple[str, ...], int]
"""What a scan wrote: ``((destination or None for standard output, text), ...)``, the lines it wrote
to standard error, and its exit code."""


def observe(kind: str, path: str) -> Any:
    """``stat``: the status of what ``path`` leads to (type, size, modification and change times in
    nanoseconds, inode, device), None when nothing is there; ``real``: the path after symbolic links
    (None when nothing is there: where a missing path would lead matters only once it exists, which
    its ``stat`` tells); ``exists``: whether something is there."""
    if kind == "stat":
        try:
            return file_status(os.stat(path))
        except (OSError, ValueError):
            return None
    if kind == "real":
        try:
            return os.path.realpath(path) if os.path.exists(path) else None
        except (OSError, ValueError):
            return None
    if kind == "exists":
        return os.path.exists(path)
    raise ValueError(f"unknown kind of observation {kind!r}")


def _code_files() -> Iterable[str]:
    """Every file of fleetiac's code and data, and the parsers' package folders (an upgrade replaces
    their files, which changes the folders' status)."""
    import importlib.util

    package = Path(__file__).resolve().parent
    policies = package.parent / "policies"
    for top in (package, policies):
        for folder, dirs, files in os.walk(top):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            yield folder
            for name in sorted(files):
                if not name.endswith((".pyc", ".pyo")):
                    yield os.path.join(folder, name)
    for name in ("lark", "hcl2", "pycep", "networkx"):
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.submodule_search_locations:
            yield from spec.submodule_search_locations


def code_stamp() -> str:
    """Names the code a report came from: fleetiac's version, its files' statuses, the parsers'."""
    from fleetiac.analyzer import __version__

    digest = hashlib.sha256(f"{__version__}\n{sys.version}\n{sys.executable}\n".encode())
    for path in _code_files():
        digest.update(repr((path, observe("stat", path))).encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def memo_key(*parts: Any) -> str:
    """The name of a memo: a digest of the command's parts (plain data with a stable ``repr``)."""
    text = repr((code_stamp(), os.getcwd(), parts))
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()


class Memo:
    """The replay memos of one trusted cache folder (``root``, with its ``secret``)."""

    def __init__(self, root: Path, secret: bytes) -> None:
        self.root = root
        self.secret = secret

    def _path(self, key: str) -> Path:
        return self.root / MEMO_FOLDER / key[:2] / key

    def replay(self, key: str) -> Outcome | None:
        """The outcome recorded under ``key`` when everything it was computed from is as it was."""
        path = self._path(key)
        try:
            data = read_entry(path)
        except OSError:
            return None
        body = unseal(self.secret, _LABEL + key.encode(), data)
        if body is None:
            return None
        try:
            outcome, observed = marshal.loads(body)
            status = os.stat
            for kind, where, seen in observed:
                if kind == "stat":  # nearly all of them: observe()'s "stat", inline
                    try:
                        info = status(where)
                    except (OSError, ValueError):
                        if seen is not None:
                            return None
                        continue
                    if seen != file_status(info):
                        return None
                elif observe(kind, where) != seen:
                    return None
            outputs, messages, code = outcome
            return tuple((o[0], o[1]) for o in outputs), tuple(messages), int(code)
        except Exception:  # damaged or of another layout: a miss
            return None

    def record(self, key: str, outcome: Outcome, watched: Iterable[tuple[str, str]], started_ns: int) -> bool:
        """Remember ``outcome`` with the statuses of ``watched`` now; nothing (False) when one of them
        changed since ``RACY_NS`` before ``started_ns`` (it may have changed while the scan read it)."""
        since = started_ns - RACY_NS
        observed: list[Observation] = []
        for kind, where in dict.fromkeys(watched):
            seen = observe(kind, where)
            if kind == "stat" and seen is not None and (seen[2] >= since or seen[3] >= since):
                return False
            observed.append((kind, where, seen))
        try:
            body = marshal.dumps((outcome, tuple(observed)))
        except ValueError:  # something not plain data: not remembered
            return False
        try:
            atomic_write(self._path(key), seal(self.secret, _LABEL + key.encode(), body))
        except OSError:
            return False
        return True


def watched(trace: Any, outputs: list[str], named: list[Path], targets: list[Path]) -> list[tuple[str, str]] | None:
    """What a scan's outcome came from (see the module doc), from its
    :class:`~analyzer.engine.ScanTrace`: the walk's folders and entries, the units' probes, the files
    options name (``named``), the scanned paths and the ``.git`` folders :func:`analyzer.discovery.report_root`
    looks for on its way up. None when a report the command writes (``outputs``) is itself scanned:
    the next scan reads what this one wrote."""
    written = {os.path.realpath(target) for target in outputs}
    names = {os.path.basename(target) for target in written}
    if written & {os.path.realpath(f) for f in trace.scanned if os.path.basename(f) in names}:
        return None
    # A report this command writes into the scanned tree is looked at by the next walk (and rewritten
    # by every run): its status is this command's own doing.
    entries = [entry for entry in trace.walked.entries
               if not (os.path.basename(entry) in names and os.path.realpath(entry) in written)]
    first = targets[0].resolve()
    start = first if first.is_dir() else first.parent
    git = []
    for folder in (start, *start.parents):
        git.append(("exists", (folder / ".git").as_posix()))
        if trace.root is not None and folder == trace.root:
            break
    return [*(("stat", f) for f in trace.walked.folders), *(("stat", f) for f in entries), *(trace.probes or ()),
            *(("stat", str(p)) for p in named), *((kind, str(t)) for t in targets for kind in ("stat", "real")),
            *git]


def open_memo(scanned: Iterable[Path]) -> Memo | None:
    """The memo of the configured cache folder when it is trusted (as :func:`analyzer.cache.open_cache`
    decides, which the scan calls next: the folder and its key are made if missing), else None."""
    from fleetiac.analyzer.storage import Refused, cache_dir, secret, trusted_folder

    configured = cache_dir()
    try:
        root = trusted_folder(configured, list(scanned))
        return Memo(root, secret(root))
    except (Refused, OSError):
        return None


def now_ns() -> int:
    return time.time_ns()
