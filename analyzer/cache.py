"""The on-disk cache: parsed files keyed by their content, and the parsers' compiled grammars.

A warm rescan must not parse again: parsing is most of a cold scan (both parsers are Lark-based and
slow per file), while evaluating the parsed data is cheap. Entries are keyed by the sha256 of the
file's bytes plus everything else the parsed data depends on (the language, the display path,
which is written into positions and diagnostics, fleetiac's and the parsers' versions, and a hash
of fleetiac's own parser code, so an edited checkout never reads data a different converter wrote).
Entries are not one file each (a 5,000-file tree once left 5,000 files, and writing them cost
seconds): the entries one process stores during a scan are written together as a chunk file, and
each scanned tree has a table saying which chunk holds each entry it uses (:class:`Store`). Nothing
is ever updated in place: a chunk or a table is written to a temporary file and renamed over its
name, so concurrent runs at worst do the same work twice, and a reader sees a whole chunk or none.
An entry that cannot be read back is treated as missing.

Entries are pickles, so they are read only from a folder :func:`open_cache` trusts, and each one
carries an HMAC of its bytes (:mod:`analyzer.storage`), as does each table: an entry whose MAC does
not verify is a miss and is never unpickled. The cache is pruned (:func:`maybe_prune`), a chunk at
a time: chunks no scan used for :data:`MAX_AGE_DAYS` days go, then the least recently used ones
beyond :data:`MAX_BYTES`; a table drops the entries its tree stopped using, and a chunk mostly of
those is rewritten (:data:`COMPACT_BELOW`).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import shutil
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fleetiac.analyzer.collector import gc_paused as gc_paused
from fleetiac.analyzer.collector import long_lived_frozen as long_lived_frozen
from fleetiac.analyzer.storage import (
    GRAMMAR_FOLDER,
    SECRET_FILE,
    TOUCH_AFTER,
    Refused,
    atomic_write,
    cache_dir,
    dist_version,
    forget_secrets,
    mark_used,
    read_entry,
    seal,
    secret_or_none,
    trusted_folder,
    unseal,
)

if TYPE_CHECKING:
    from fleetiac.analyzer.frontends.base import Evaluated, Memo, Unit

FORMAT_VERSION = 3
"""Bump when the entry layout or the meaning of cached data changes (2: entries carry an HMAC; 3: entries
live in chunk files found through a table per scanned tree, :class:`Store`)."""

_MAGIC = b"fleetiac-parse\n"
_ENTRY_FOLDERS = ("parse-v", "lines-v", "units-v", "findings-v", "replay-v", "keys-v")
"""The folders of fleetiac's entries (each with the format version after the ``v``)."""

# The code that decides what a parsed file holds, as paths below the ``analyzer`` package: a folder
# stands for every ``.py`` file under it, so a module added to or renamed inside a front end is
# covered without editing this list. A path that does not exist is an error (a moved module must
# never leave the keys blind to its code).
_PARSER_CODE = ("frontends", "model.py", "values.py", "cache.py", "linehash.py")


class FingerprintError(RuntimeError):
    """A path the parse cache's fingerprint must cover does not exist (a developer error)."""


def _code_files(package: Path, paths: tuple[str, ...]) -> list[Path]:
    """Every ``.py`` file that ``paths`` (files or folders under ``package``) stand for, sorted."""
    files: set[Path] = set()
    for relative in paths:
        path = package / relative
        if path.is_dir():
            # What path.rglob("*.py") gives (links to folders not followed), in a tenth of its time.
            for folder, _dirs, names in os.walk(path):
                files.update(Path(folder, name) for name in names if name.endswith(".py"))
        elif path.is_file():
            files.add(path)
        else:
            raise FingerprintError(f"the parse cache fingerprint names {relative}, which is not in {package}")
    return sorted(files)


def _hash_files(digest: Any, base: Path, files: list[Path]) -> None:
    prefix = str(base).rstrip("/") + "/"
    for path in files:
        text = str(path)
        # relative_to's answer for a path under base, cut off its text (pathlib's parts were half of this).
        name = text[len(prefix):] if os.sep == "/" and text.startswith(prefix) else path.relative_to(base).as_posix()
        with open(text, "rb") as handle:
            digest.update(name.encode() + b"\0" + handle.read() + b"\0")


_FAST_PICKLING: set[str] = set()
"""The modules whose dataclasses :func:`register_fast_pickling` registered in this process."""


def register_fast_pickling() -> None:
    """Pickle the parsed-data dataclasses as ``Class(*fields)``. By default a frozen slotted
    dataclass is restored through a generic ``__setstate__`` that looks its fields up again for every
    object; a warm rescan restores hundreds of thousands of them, and calling the constructor loads
    the same objects about five times faster (and the pickles are smaller).

    Called just before pickling parse results or cached records, not at import. It registers the
    classes of :mod:`analyzer.model` and of each front end's parsed-data modules that are imported
    (once each): an object of a class exists only once its module is imported, so every object
    pickled is pickled the same way, and a rescan that parses one file does not import the other
    front ends' data modules just to register them (that was a third of its extra time).
    Unpickling does not need it."""
    import sys

    from fleetiac.analyzer.frontends.base import front_ends

    names = ["fleetiac.analyzer.model", *(module for front_end in front_ends() for module in front_end.data_modules)]
    for name in names:
        module = sys.modules.get(name)
        if module is None or name in _FAST_PICKLING:
            continue
        _FAST_PICKLING.add(name)
        _register_module(module, name)


def _register_module(module: Any, name: str) -> None:
    import copyreg
    import dataclasses

    for cls in vars(module).values():
        if not (isinstance(cls, type) and dataclasses.is_dataclass(cls) and cls.__module__ == name):
            continue
        fields = dataclasses.fields(cls)
        # Only where the constructor takes every field, positionally, and does nothing else.
        if all(f.init for f in fields) and not hasattr(cls, "__post_init__"):
            copyreg.pickle(cls, _fields_reducer(tuple(f.name for f in fields)))


def _fields_reducer(names: tuple[str, ...]) -> Any:
    def reduce(obj: Any) -> tuple[type, tuple[Any, ...]]:
        return type(obj), tuple(getattr(obj, n) for n in names)

    return reduce


@lru_cache(maxsize=1)
def fingerprint() -> str:
    """What every entry's key includes besides the file: versions and fleetiac's parser code."""
    from fleetiac.analyzer import __version__
    from fleetiac.analyzer.frontends.base import front_ends

    digest = hashlib.sha256()
    parts = [f"format={FORMAT_VERSION}", f"fleetiac={__version__}",
             *(f"{d}={dist_version(d)}" for d in sorted({d for fe in front_ends() for d in fe.distributions})),
             f"python={'.'.join(map(str, __import__('sys').version_info[:2]))}"]
    digest.update("\n".join(parts).encode())
    package = Path(__file__).resolve().parent
    _hash_files(digest, package, _code_files(package, _PARSER_CODE))
    return digest.hexdigest()


def entry_key(data: bytes, language: str, display: str) -> str:
    digest = hashlib.sha256(data)
    digest.update(b"\0" + language.encode() + b"\0" + display.encode("utf-8", "surrogateescape") + b"\0")
    digest.update(fingerprint().encode())
    return digest.hexdigest()


CHUNK_FOLDER = "chunks"
"""The subfolder of an entry kind's folder that holds its chunk files."""
TABLE_FOLDER = "tables"
"""The subfolder of an entry kind's folder that holds one table per scanned tree."""
CHUNK_BYTES = 8 * 1024 * 1024
"""A writer's buffered entries are written out as a chunk once they reach this many bytes (and at
the end of its scan): a chunk per worker per scan of a few thousand files, not one file per entry."""
COMPACT_BELOW = 0.5
"""A chunk whose entries still listed in its tree's table take less than this share of its bytes is
rewritten: those entries are copied (sealed as they are) into a new chunk, and the chunk removed."""
SMALL_CHUNK = 256 * 1024
SMALL_CHUNKS = 8
"""A tree's table listing more than this many chunks under :data:`SMALL_CHUNK` bytes (each rescan
after an edit writes one, of the files it parsed again) has them merged into one."""
RETAIN_SECONDS = 2 * TOUCH_AFTER
"""An entry stays listed in its tree's table this long after a scan last marked it used (at least a
day after it was last used), though later scans do not use it: a scan with other options
(``--exclude``, ``--select``), or an edit undone, finds it still."""
RETAIN_FINDINGS = 16
"""At most this many findings entries a scan did not use stay listed (one a tree state)."""

Location = tuple[str, int, int]
"""Where an entry lies: its chunk's name, the offset and the length of its sealed bytes."""
Listed = tuple[str, int, int, float]
"""A table's line: the entry's :data:`Location` and when a scan last used it."""


class Store:
    """The entries of one kind (``parse``, ``lines``, ``findings``) that one scanned tree uses, in
    chunk files under ``<root>/<kind>-v<N>/chunks/``, found through the tree's table
    ``<root>/<kind>-v<N>/tables/<digest of the tree>``.

    Each entry is sealed on its own (:func:`analyzer.storage.seal` over the kind and the key, not its
    place), so a reader reads only the bytes of the entries it asks for (one ``pread``), verifies them
    and only then unpickles; sealed bytes can be copied into another chunk as they are. A chunk is
    written once, through a temporary file and a rename, and never changed. The table (key ->
    :data:`Listed`) is sealed as a whole and rewritten the same way when a scan changed it: it lists
    the entries this scan used (found or stored) and those used within :data:`RETAIN_SECONDS`, so
    entries of deleted or edited files leave it. A chunk the old table listed and the new one does not
    is removed; one whose listed entries take less than :data:`COMPACT_BELOW` of it is compacted.

    Only the process that made the store writes the table (a forked parse worker writes chunks and
    hands their locations back: :meth:`written`, :meth:`adopt`). Concurrent scans of different trees
    write different tables; of one tree, the last table written wins and the other scan's new chunks
    are left to pruning (a later scan parses those files again)."""

    def __init__(self, root: Path, kind: str, scope: str) -> None:
        self.root = root
        self.kind = kind
        self.kind_bytes = kind.encode()
        self.folder = root / f"{kind}-v{FORMAT_VERSION}"
        self.table_path = self.folder / TABLE_FOLDER / digest_of("table", scope)
        self.secret = secret_or_none(root)
        self.owner = os.getpid()
        self.eager = kind == "findings"
        """One entry a scan: written (chunk and table) as soon as it is stored, and its table marked
        as soon as it is found (nothing saves this store at the end of a scan)."""
        self.retain_max = RETAIN_FINDINGS if kind == "findings" else None
        self._old: dict[str, Listed] | None = None
        self.others: dict[str, Location] = {}
        """Entries of other trees' tables, read on this tree's first scan (:meth:`_other_tables`)."""
        self.borrowed: dict[str, Location] = {}
        """The entries of :attr:`others` this scan used, to be copied into its own chunk."""
        self.used: dict[str, Location] = {}
        """Every entry this scan found or stored (and wrote), where it lies."""
        self.moved: dict[str, float] = {}
        """Entries this scan did not use that compaction moved, with when a scan last used them."""
        self.pending: dict[str, bytes] = {}
        """Sealed entries not yet written, by key."""
        self.pending_bytes = 0
        self.fresh: list[tuple[str, Location]] = []
        """Entries this process wrote into chunks, not yet handed back (:meth:`written`)."""
        self._chunks: dict[str, os.stat_result | None] = {}
        self.touched = False
        """Whether this scan asked for or stored any entry: a store it never used is not saved (its
        tree's table is left as it was, not emptied)."""

    def _label(self, key: str) -> bytes:
        return _MAGIC + self.kind_bytes + b"\0" + key.encode()

    def _table_label(self, name: str | None = None) -> bytes:
        return _MAGIC + self.kind_bytes + b"\0table\0" + (name or self.table_path.name).encode()

    @property
    def old(self) -> dict[str, Listed]:
        """The table as the last scan of the tree wrote it (read on first use), or empty. A tree
        without one yet (its first scan) may borrow entries from the other trees' tables."""
        if self._old is None:
            try:
                data: bytes | None = read_entry(self.table_path)
            except FileNotFoundError:
                data = None
                self.others = self._other_tables()
            except OSError:
                data = b""
            self._old = self._read_table(data, self.table_path.name) if data else {}
        return self._old

    def _other_tables(self) -> dict[str, Location]:
        """Where the other trees' tables say their entries lie: a second checkout or worktree of a
        repository (same files, same display paths: the same keys) finds what the first one parsed.
        Entries found there are copied into this tree's own chunk (:meth:`save`), so a chunk is only
        ever listed by one tree's table and may be removed when that table stops listing it."""
        folder = self.table_path.parent
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            return {}
        found: dict[str, Location] = {}
        for name in names:
            if name == self.table_path.name or not name.isalnum():
                continue
            try:
                with open(folder / name, "rb") as handle:  # not marked used: it is not this tree's
                    data = handle.read()
            except OSError:
                continue
            for key, listed in self._read_table(data, name).items():
                found.setdefault(key, listed[:3])
        return found

    def _read_table(self, data: bytes, name: str) -> dict[str, Listed]:
        if self.secret is None:
            return {}
        body = unseal(self.secret, self._table_label(name), data)
        if body is None:  # not written with this folder's key: never unpickled
            return {}
        try:
            table = pickle.loads(body)  # names and numbers, written by this user
        except Exception:
            return {}
        if not isinstance(table, dict):
            return {}
        return {k: v for k, v in table.items() if isinstance(v, tuple) and len(v) == 4 and str(v[0]).isalnum()}

    def _chunk(self, name: str) -> os.stat_result | None:
        """The status of chunk ``name`` (None: gone), asked once a scan; a chunk in use is marked so."""
        if name not in self._chunks:
            path = self.folder / CHUNK_FOLDER / name
            try:
                info: os.stat_result | None = os.stat(path)
            except OSError:
                info = None
            if info is not None:
                mark_used(info, path)
            self._chunks[name] = info
        return self._chunks[name]

    def _locate(self, key: str) -> Location | None:
        where = self.used.get(key)
        if where is None:
            listed = self.old.get(key)
            if listed is not None:
                where = listed[:3]
            elif key in self.others:
                where = self.borrowed[key] = self.others[key]
            else:
                return None
        return where if self._chunk(where[0]) is not None else None

    def _drop(self, key: str) -> None:
        """Forget an entry that did not read back (so the table no longer lists it)."""
        self.used.pop(key, None)
        self.old.pop(key, None)

    def has(self, key: str) -> bool:
        """Whether an entry exists (it may still turn out unreadable: :meth:`load` says); one that
        does is kept in the tree's table."""
        if self.secret is None:
            return False
        self.touched = True
        if key in self.pending:
            return True
        where = self._locate(key)
        if where is None:
            return False
        self.used[key] = where
        return True

    def _read(self, where: Location) -> bytes | None:
        name, offset, length = where
        try:
            fd = os.open(self.folder / CHUNK_FOLDER / name, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        except OSError:
            return None
        try:
            data = os.pread(fd, length, offset) if hasattr(os, "pread") else _seek_read(fd, offset, length)
        except (OSError, OverflowError, ValueError):
            return None
        finally:
            os.close(fd)
        return data if len(data) == length else None

    def _verified(self, key: str, sealed: bytes) -> bool:
        """Whether ``sealed`` is the entry of ``key`` (before it is copied into another chunk)."""
        return self.secret is not None and unseal(self.secret, self._label(key), sealed) is not None

    def load(self, key: str) -> tuple[bool, Any]:
        """``(True, value)`` for an entry whose MAC verifies and that unpickles, else ``(False, None)``."""
        if self.secret is None:
            return False, None
        self.touched = True
        sealed = self.pending.get(key)
        where = self._locate(key) if sealed is None else None
        if sealed is None and where is not None:
            sealed = self._read(where)
        if sealed is None:
            self._drop(key)
            return False, None
        payload = unseal(self.secret, self._label(key), sealed)
        if payload is None:  # not written with this folder's key (or damaged): never unpickled
            self._drop(key)
            return False, None
        try:
            value = pickle.loads(payload)
        except Exception:  # written by incompatible code: a miss, never an error
            self._drop(key)
            return False, None
        if where is not None:
            self.used[key] = where
        if self.eager:  # its table marks it used (the store writes nothing when it already says so)
            self.save()
        return True, value

    def store(self, key: str, payload: bytes) -> None:
        """Store a pickled value (buffered, written as part of a chunk); a cache that cannot be written
        only costs speed."""
        if self.secret is None:
            return
        self.touched = True
        self._buffer(key, seal(self.secret, self._label(key), payload))
        if self.eager:
            self.save()

    def _buffer(self, key: str, sealed: bytes) -> None:
        self.pending_bytes += len(sealed) - len(self.pending.get(key, b""))
        self.pending[key] = sealed
        if self.pending_bytes >= CHUNK_BYTES:
            self.write_chunk()

    def write_chunk(self) -> None:
        """Write the buffered entries as one chunk (atomically); they are then listed in :attr:`used`."""
        if not self.pending:
            return
        pending, self.pending, self.pending_bytes = self.pending, {}, 0
        name = os.urandom(12).hex()  # chunks are never overwritten: concurrent writers never collide
        placed: list[tuple[str, Location]] = []
        offset = 0
        for key, sealed in pending.items():
            placed.append((key, (name, offset, len(sealed))))
            offset += len(sealed)
        try:
            atomic_write(self.folder / CHUNK_FOLDER / name, b"".join(pending.values()))
        except OSError:
            return  # not written: those entries are parsed again next time
        self.used.update(placed)
        self.fresh.extend(placed)

    def written(self, flush: bool = False) -> list[tuple[str, Location]]:
        """The entries written into chunks since the last call (a worker sends them to the scan);
        ``flush``: the buffered ones too, written now."""
        if flush:
            self.write_chunk()
        fresh, self.fresh = self.fresh, []
        return fresh

    def adopt(self, placed: Iterable[tuple[str, Location]]) -> None:
        """Entries another process (a parse worker) wrote into chunks for this scan."""
        for key, where in placed:
            self.used[key] = where
            self.touched = True

    def _table(self, now: float) -> dict[str, Listed]:
        """What the tree's table is to hold: the entries of earlier scans used within
        :data:`RETAIN_SECONDS` (at most :attr:`retain_max`) whose chunk is there, then every entry this
        scan used, marked used now (unless marked less than :data:`TOUCH_AFTER` ago: a warm rescan
        then writes no table)."""
        kept = [(k, w) for k, w in self.old.items()
                if k not in self.used and now - w[3] < RETAIN_SECONDS and self._chunk(w[0]) is not None]
        if self.retain_max is not None and len(kept) > self.retain_max:
            kept = sorted(kept, key=lambda item: item[1][3])[-self.retain_max:]
        table: dict[str, Listed] = dict(kept)
        for key, where in self.used.items():
            if key in self.moved:
                table[key] = (where[0], where[1], where[2], self.moved[key])
                continue
            before = self.old.get(key)
            if before is not None and before[:3] == where and now - before[3] < TOUCH_AFTER:
                table[key] = before
            else:
                table[key] = (where[0], where[1], where[2], now)
        return table

    def _compact(self, table: dict[str, Listed]) -> None:
        """Buffer, to be written into this scan's chunk, the listed entries of chunks mostly of entries
        no longer listed (:data:`COMPACT_BELOW`), and of every small chunk once there are more than
        :data:`SMALL_CHUNKS` of them."""
        by_chunk: dict[str, list[tuple[str, Listed]]] = {}
        for key, listed in table.items():
            by_chunk.setdefault(listed[0], []).append((key, listed))
        sizes = {name: info.st_size for name in by_chunk if (info := self._chunk(name)) is not None}
        small = [name for name, size in sizes.items() if size < SMALL_CHUNK]
        for name, entries in by_chunk.items():
            live = sum(listed[2] for _, listed in entries)
            if name not in sizes:
                continue
            if live >= sizes[name] * COMPACT_BELOW and not (len(small) > SMALL_CHUNKS and name in small):
                continue
            for key, listed in entries:
                sealed = self._read(listed[:3])
                if sealed is None or not self._verified(key, sealed):
                    continue
                if key not in self.used:
                    self.moved[key] = listed[3]
                self._buffer(key, sealed)

    def save(self) -> None:
        """Write the buffered entries (with the borrowed and the compacted ones) as one chunk, and the
        tree's table when it changed; remove the chunks of this tree no longer listed. Only in the
        process that made the store."""
        if self.secret is None or not self.touched or _in_worker or os.getpid() != self.owner:
            return
        with contextlib.suppress(OSError):
            now = time.time()
            # The chunks this tree's tables list or this scan wrote (not another tree's it borrowed
            # from): those no longer listed afterwards are removed.
            borrowed = {where[0] for where in self.borrowed.values()}
            known = {where[0] for where in self.old.values()} | ({where[0] for where in self.used.values()} - borrowed)
            for key, where in self.borrowed.items():  # copied as they are (their MAC names their key)
                if self.used.get(key) != where:
                    continue
                del self.used[key]
                sealed = self._read(where)
                if sealed is not None and self._verified(key, sealed):
                    self._buffer(key, sealed)
            self.borrowed.clear()
            self._compact(self._table(now))
            self.write_chunk()  # what this process parsed, borrowed and compacted: one chunk
            self.fresh.clear()
            table = self._table(now)
            if table == self.old:
                return
            atomic_write(self.table_path, seal(self.secret, self._table_label(),
                                               pickle.dumps(table, pickle.HIGHEST_PROTOCOL)))
            for name in known - {where[0] for where in table.values()}:
                with contextlib.suppress(OSError):
                    os.unlink(self.folder / CHUNK_FOLDER / name)
                self._chunks.pop(name, None)
            self._old = table


def _seek_read(fd: int, offset: int, length: int) -> bytes:
    os.lseek(fd, offset, os.SEEK_SET)
    return os.read(fd, length)


_stores: dict[tuple[Path, str], Store] = {}
_scopes: dict[Path, str] = {}
_in_worker = False


def begin_scan(root: Path, scope: str) -> None:
    """Start a scan of the tree ``scope`` (its root folder) with the cache folder ``root``: what an
    earlier scan of this process left unsaved is saved, and the tree's tables are read afresh."""
    save_stores(root)
    for kind_root in [k for k in _stores if k[0] == root]:
        del _stores[kind_root]
    _scopes[root] = scope


def in_worker(root: Path, scope: str) -> None:
    """In a parse worker: forget the stores inherited from the scanning process (it saves them), and
    use the tables of ``scope``; tables are never written here."""
    global _in_worker
    _in_worker = True
    _stores.clear()
    _scopes[root] = scope


def store_for(root: Path, kind: str) -> Store:
    """This process's store of ``kind`` entries under ``root``, for the tree of the current scan."""
    found = _stores.get((root, kind))
    if found is None:
        found = _stores[(root, kind)] = Store(root, kind, _scopes.get(root, ""))
    return found


def save_stores(root: Path | None, kind: str | None = None) -> None:
    """Save the stores under ``root`` (of ``kind`` only, when given): the end of a scan's use of them."""
    for (where, its_kind), found in list(_stores.items()):
        if where == root and kind in (None, its_kind):
            found.save()


class ParseCache:
    """Parsed files by :func:`entry_key` under ``<root>/parse-v<N>/`` (or another ``kind``'s folder):
    a view of this process's :class:`Store` of that kind, for the tree of the current scan
    (:func:`begin_scan`).

    ``root`` is a folder :func:`open_cache` accepted; every entry is sealed with the HMAC of the
    folder's key (over the entry's kind, key and bytes, so an entry copied under another name does
    not verify either), and one that does not verify is a miss, never unpickled. Without a usable
    key nothing is read or written."""

    def __init__(self, root: Path, kind: str = "parse") -> None:
        self.root = root
        self.kind = kind
        self.entries = store_for(root, kind)
        self.folder = self.entries.folder
        self.secret = self.entries.secret

    def has(self, key: str) -> bool:
        """Whether an entry exists (it may still turn out unreadable: :meth:`load` says)."""
        return self.entries.has(key)

    def load(self, key: str) -> tuple[bool, Any]:
        """``(True, value)`` for an entry whose MAC verifies and that unpickles, else ``(False, None)``."""
        return self.entries.load(key)

    def store(self, key: str, payload: bytes) -> None:
        """Store a pickled value; a cache that cannot be written only costs speed."""
        self.entries.store(key, payload)


@dataclass(frozen=True)
class CacheUse:
    """The cache folder a scan uses (None: none), and why it refused the configured one."""

    root: Path | None
    notice: str | None = None


def open_cache(scanned: Sequence[Path]) -> CacheUse:
    """The configured cache folder (:func:`cache_dir`) when it can be trusted with pickles: outside
    every scanned tree, the current user's, writable by nobody else, with a key of its own
    (:func:`analyzer.storage.trusted_folder`, :func:`analyzer.storage.secret`). Otherwise the scan
    runs without a cache, with a one-line notice (no path: reports may be public); a folder that
    cannot be created or written just means no cache, as before."""
    configured = cache_dir()
    try:
        root = trusted_folder(configured, scanned)
        from fleetiac.analyzer.storage import secret

        secret(root)
    except Refused as refused:
        named = "FLEETIAC_CACHE_DIR" if os.environ.get("FLEETIAC_CACHE_DIR") else "the user cache folder"
        return CacheUse(None, f"the cache folder ({named}) {refused}, so it was not used: this scan read "
                              "and wrote no cache")
    except OSError:
        return CacheUse(None)
    return CacheUse(root)


def existing_cache(scanned: Sequence[Path]) -> Path | None:
    """The configured cache folder when it already exists with its key and passes :func:`open_cache`'s
    checks, without creating anything (``--no-cache`` may read compiled grammars from it); else None."""
    from fleetiac.analyzer.storage import SECRET_FILE, secret

    configured = cache_dir()
    try:
        if not (configured / SECRET_FILE).is_file():
            return None
        root = trusted_folder(configured, scanned)
        secret(root)
    except (Refused, OSError):
        return None
    return root


MAX_AGE_DAYS = 30
"""Entries no scan used for this many days are removed."""
MAX_BYTES = 1024 * 1024 * 1024
"""Beyond this much disk space, the least recently used entries are removed (to 3/4 of it)."""
PRUNE_EVERY = 24 * 3600.0
"""Seconds between prunes (one scan of a day pays for it: a walk of the cache folder)."""
PRUNE_AFTER_PARSED = 5000
"""A scan that parsed (and so stored) more files than this prunes whatever the last prune's date."""
_PRUNE_STAMP = "pruned-v1"


def _disk_bytes(info: os.stat_result) -> int:
    """The space a file takes on disk (an empty file still takes a block), else its size."""
    blocks = getattr(info, "st_blocks", None)
    return blocks * 512 if blocks is not None else info.st_size


def _entries(root: Path) -> Iterator[tuple[str, os.stat_result]]:
    """Every file of fleetiac's own entry and grammar folders under ``root``, with its status."""
    try:
        children = list(os.scandir(root))
    except OSError:
        return
    for child in children:
        ours = child.name == GRAMMAR_FOLDER or child.name.startswith(_ENTRY_FOLDERS)
        if not ours or not child.is_dir(follow_symlinks=False):
            continue
        for folder, _dirs, names in os.walk(child.path):
            for name in names:
                path = os.path.join(folder, name)
                with contextlib.suppress(OSError):
                    yield path, os.lstat(path)


def maybe_prune(root: Path, parsed: int = 0, now: float | None = None) -> bool:
    """Prune ``root`` when the last prune is :data:`PRUNE_EVERY` old (or never happened), or this scan
    parsed more than :data:`PRUNE_AFTER_PARSED` files; otherwise only one ``stat``. True when it pruned."""
    now = time.time() if now is None else now
    stamp = root / _PRUNE_STAMP
    try:
        due = now - os.stat(stamp).st_mtime >= PRUNE_EVERY
    except OSError:
        due = True
    if not (due or parsed > PRUNE_AFTER_PARSED):
        return False
    with contextlib.suppress(OSError):  # first, so concurrent scans do not all prune
        stamp.touch()
        os.utime(stamp, (now, now))
    prune(root, now)
    return True


def prune(root: Path, now: float | None = None, max_age_days: float = MAX_AGE_DAYS,
          max_bytes: int = MAX_BYTES) -> int:
    """Remove the entries of ``root`` not used for ``max_age_days``, then the least recently used
    beyond ``max_bytes`` (down to three quarters of it); returns how many were removed. An entry
    used by a scan is marked (its modification time) at most once a day, so this reads no file."""
    now = time.time() if now is None else now
    oldest = now - max_age_days * 86400
    kept: list[tuple[float, int, str]] = []
    removed = 0
    for path, info in _entries(root):
        if info.st_mtime < oldest:
            with contextlib.suppress(OSError):
                os.unlink(path)
                removed += 1
        else:
            kept.append((info.st_mtime, _disk_bytes(info), path))
    total = sum(size for _, size, _ in kept)
    if total > max_bytes:
        kept.sort()
        for _, size, path in kept:
            if total <= max_bytes * 3 // 4:
                break
            with contextlib.suppress(OSError):
                os.unlink(path)
                removed += 1
                total -= size
    return removed


@dataclass(frozen=True)
class CacheInfo:
    path: Path
    files: int
    bytes: int
    """Disk space (an empty file takes a block)."""


def info(root: Path | None = None) -> CacheInfo:
    root = root or cache_dir()
    files = size = 0
    if root.is_dir():
        for folder, _dirs, names in os.walk(root):
            for name in names:
                try:
                    size += _disk_bytes(os.lstat(os.path.join(folder, name)))
                    files += 1
                except OSError:
                    pass
    return CacheInfo(root, files, size)


def clear(root: Path | None = None) -> CacheInfo:
    """Remove what fleetiac cached (and its key); returns what was there. Only fleetiac's own files
    and folders are removed (``FLEETIAC_CACHE_DIR`` could name a folder that holds other things)."""
    before = info(root)
    if before.path.is_dir():
        for child in before.path.iterdir():
            ours = child.name == GRAMMAR_FOLDER or child.name.startswith(_ENTRY_FOLDERS)
            if ours and child.is_dir() and not child.is_symlink():
                shutil.rmtree(child, ignore_errors=True)
            elif child.name in (SECRET_FILE, _PRUNE_STAMP) and not child.is_dir():
                with contextlib.suppress(OSError):
                    child.unlink()
        forget_secrets()
        with contextlib.suppress(OSError):
            before.path.rmdir()  # only when nothing else is left in it
    return before


_line_hash_cache: ParseCache | None = None


def use_for_line_hashes(root: Path | None) -> None:
    """Keep line hashes under ``root`` (set by the parse stage; None with ``--no-cache``)."""
    global _line_hash_cache
    _line_hash_cache = ParseCache(root, "lines") if root is not None else None


def save_line_hashes() -> None:
    """Write the line hashes computed since the last call (one chunk), and the tree's table of them."""
    if _line_hash_cache is not None:
        _line_hash_cache.entries.save()


def cached_line_hashes(text: str) -> dict[int, str]:
    """:func:`analyzer.linehash.line_hashes`, remembered by the text's content: computing them runs
    in Python over every character of each file with a finding, a large part of a warm rescan."""
    from fleetiac.analyzer.linehash import line_hashes

    cache = _line_hash_cache
    if cache is None:
        return line_hashes(text)
    key = entry_key(text.encode("utf-8", "surrogatepass"), "line-hashes", "")
    found, value = cache.load(key)
    if found and isinstance(value, dict):
        return value
    value = line_hashes(text)
    cache.store(key, pickle.dumps(value, pickle.HIGHEST_PROTOCOL))
    return value


@lru_cache(maxsize=1)
def source_fingerprint() -> str:
    """:func:`fingerprint` plus a hash of every module of the analyzer: what an evaluated unit depends
    on besides its files and inputs (the evaluators, extractors and value helpers)."""
    digest = hashlib.sha256(fingerprint().encode())
    package = Path(__file__).resolve().parent
    _hash_files(digest, package, _code_files(package, (".",)))
    return digest.hexdigest()


@lru_cache(maxsize=1)
def rules_fingerprint() -> str:
    """:func:`source_fingerprint` plus the rules' own code (``policies/``) and the data they read
    (``analyzer/knowledge/data``): what the rules' findings depend on besides the resources and the options."""
    from fleetiac import policies

    digest = hashlib.sha256(source_fingerprint().encode())
    for package in (Path(policies.__file__).resolve().parent, Path(__file__).resolve().parent / "knowledge" / "data"):
        _hash_files(digest, package.parent, sorted(p for p in package.rglob("*") if p.suffix in (".py", ".json")))
    return digest.hexdigest()


def digest_of(*parts: Any) -> str:
    """A sha256 of plain data (strings, numbers, None and tuples of them), in a stable spelling."""
    return hashlib.sha256(repr(parts).encode("utf-8", "surrogateescape")).hexdigest()


class UnitIndex:
    """Evaluated units (and small per-file summaries) of one scanned tree, in a single file under
    ``<root>/units-v<N>/``, so a warm rescan reads one file instead of one per source file.

    Every record is found by a key that covers everything it was computed from (see the callers); the
    file is rewritten, atomically, with the records this scan used when anything changed, so records
    of deleted or edited files do not pile up. Concurrent scans of one tree at worst drop each other's
    new records (a later scan recomputes them). ``root`` None (``--no-cache``) holds nothing.

    Each record is kept as its own pickle with the sha256 of those bytes. The digests of the records a
    scan used, in the order it used them, are its :meth:`trail`: two scans with the same trail
    evaluated to the same resources, which is what lets the engine reuse the findings of the rules."""

    _HEADER = _MAGIC + b"units-5\n"
    """Bumped when what a record holds changes (4: resources carry their parameter file and origins;
    5: a unit's results are a pickle of their own inside its record, see :func:`unit_record`)."""

    def __init__(self, root: Path | None, scope: str) -> None:
        self.secret = secret_or_none(root) if root is not None else None
        self.path = (root / f"units-v{FORMAT_VERSION}" / digest_of(scope, source_fingerprint())) \
            if root is not None and self.secret is not None else None
        self.old: dict[str, tuple[str, bytes]] = {}
        self.new: dict[str, tuple[str, bytes]] = {}
        self.changed = False
        self._trail: list[str] | None = []
        if self.path is not None and self.secret is not None:
            try:
                data = read_entry(self.path)
            except OSError:
                data = b""
            # The whole file is authenticated before anything in it is unpickled; its records are
            # then trusted as this user's own.
            body = unseal(self.secret, self._HEADER + self.path.name.encode(), data) if data else None
            if body is not None:
                try:
                    loaded = pickle.loads(body)  # digests and bytes: no objects yet
                except Exception:
                    loaded = None
                if isinstance(loaded, dict):
                    self.old = loaded

    @property
    def enabled(self) -> bool:
        return self.path is not None

    @property
    def remembers(self) -> bool:
        """Whether records are kept (so their trail digests are worth computing)."""
        return self.path is not None

    def get(self, key: tuple[Any, ...]) -> Any:
        """The record under ``key`` (plain data) or None; a record read is kept when the index is
        rewritten."""
        name = digest_of(*key)
        entry = self.new.get(name) or self.old.get(name)
        if entry is None:
            return None
        try:
            with gc_paused():  # many long-lived acyclic objects: the collector would only walk them
                value = pickle.loads(entry[1])
        except Exception:  # damaged: a miss
            return None
        self.new[name] = entry
        if self._trail is not None:
            self._trail.append(entry[0])
        return value

    def recall(self, key: tuple[Any, ...]) -> Any:
        """:meth:`get` of a record that is not part of the :meth:`trail` (one derived from the
        records the trail names, see :func:`analyzer.engine.load`)."""
        name = digest_of(*key)
        entry = self.new.get(name) or self.old.get(name)
        if entry is None:
            return None
        try:
            with gc_paused():
                value = pickle.loads(entry[1])
        except Exception:  # damaged: a miss
            return None
        self.new[name] = entry
        return value

    def keep(self, key: tuple[Any, ...], value: Any) -> None:
        """:meth:`put` of a record that is not part of the :meth:`trail` (see :meth:`recall`)."""
        if self.path is None:
            return
        register_fast_pickling()
        try:
            payload = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
        except Exception:  # not picklable: simply not remembered
            return
        self.new[digest_of(*key)] = ("", payload)
        self.changed = True

    def reserve(self) -> int | None:
        """A place in :meth:`trail` for a record put later (``slot`` of :meth:`put`), so the trail
        follows the order of the units whichever of them were found and whichever evaluated."""
        if self._trail is None:
            return None
        self._trail.append("")
        return len(self._trail) - 1

    def _named(self, digest: str, slot: int | None) -> None:
        if self._trail is None:
            return
        if slot is not None and slot < len(self._trail):
            self._trail[slot] = digest
        else:
            self._trail.append(digest)

    def put(self, key: tuple[Any, ...], value: Any, trail: str | None = None, slot: int | None = None) -> None:
        """Remember ``value``; ``trail`` names it in :meth:`trail` (by default the digest of its
        pickle; a unit's record is named by its results alone, see :func:`results_digest`), at
        ``slot`` when one was reserved."""
        if self.path is None:
            return
        register_fast_pickling()
        try:
            payload = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
        except Exception:  # not picklable: not remembered, and the trail no longer describes the scan
            self.untracked()
            return
        entry = (trail or hashlib.sha256(payload).hexdigest(), payload)
        self.new[digest_of(*key)] = entry
        self.changed = True
        self._named(entry[0], slot)

    def put_payload(self, key: tuple[Any, ...], payload: bytes, trail: str | None = None,
                    slot: int | None = None) -> None:
        """:meth:`put` of a value already pickled (by a worker)."""
        if self.path is None:
            return
        entry = (trail or hashlib.sha256(payload).hexdigest(), payload)
        self.new[digest_of(*key)] = entry
        self.changed = True
        self._named(entry[0], slot)

    def untracked(self) -> None:
        """Say that this scan used a result that is not in the index (so it has no :meth:`trail`)."""
        self._trail = None

    def trail(self) -> str | None:
        """A digest of the records this scan used, in order; None without a cache, or when some
        result did not come from (or go into) the index."""
        if self.path is None or self._trail is None:
            return None
        return digest_of("trail", tuple(self._trail))

    def save(self) -> None:
        if self.path is None or self.secret is None or not (self.changed or set(self.old) - set(self.new)):
            return
        with contextlib.suppress(Exception):
            body = pickle.dumps(self.new, pickle.HIGHEST_PROTOCOL)
            atomic_write(self.path, seal(self.secret, self._HEADER + self.path.name.encode(), body))


def run_unit(unit: Unit) -> tuple[list[Evaluated], Any, bool]:
    """Evaluate one unit: its results, its dependencies, and whether the results depend on the
    machine (a parse timeout or an internal error: never remembered). A unit whose evaluation raises
    (a front end's bug) gives an internal error naming it."""
    from fleetiac.analyzer.frontends.sources import machine_dependent
    from fleetiac.analyzer.model import FileResult, Location, internal_error

    try:
        results, dependencies = unit.evaluate()
    except Exception as error:
        from fleetiac.analyzer.frontends.base import Evaluated

        failed = internal_error(Location(unit.name, 1, 1), f"evaluating {unit.name}", error)
        results, dependencies = [Evaluated(FileResult(diagnostics=[failed]))], None
    unstable = any(machine_dependent(d) for evaluated in results for d in evaluated.result.diagnostics)
    return results, dependencies, unstable


def results_digest(results: list[Evaluated]) -> str | None:
    """What names a unit's record in the unit index's trail: the digest of its results alone, not of
    the dependencies stored with them (which name the files' contents). An edit that leaves every
    resource as it was (a comment) keeps the trail, and so the rules' cached findings. None when the
    results cannot be pickled."""
    import io

    register_fast_pickling()
    out = io.BytesIO()
    pickler = pickle.Pickler(out, pickle.HIGHEST_PROTOCOL)
    # Without the memo, the bytes follow the content alone: results evaluated from freshly parsed trees
    # and from cached ones share equal strings differently, which the memo would write differently.
    pickler.fast = True
    try:
        pickler.dump(results)
    except Exception:  # a cycle (or something unpicklable): named by the record's own bytes instead
        return None
    return hashlib.sha256(out.getbuffer()).hexdigest()


def unit_record(results: list[Evaluated], dependencies: Any) -> bytes:
    """A unit's record as the unit index keeps it: its dependencies, and its results as a pickle of
    their own, so that a rescan checks the dependencies without unpickling the results (which it
    needs only when the rules run or the report asks; see :class:`StoredResults`)."""
    register_fast_pickling()
    return pickle.dumps((pickle.dumps(results, pickle.HIGHEST_PROTOCOL), dependencies), pickle.HIGHEST_PROTOCOL)


def read_unit_record(payload: bytes) -> tuple[list[Evaluated], Any]:
    """The results and dependencies of a :func:`unit_record`."""
    with gc_paused():
        results, dependencies = pickle.loads(payload)
        return pickle.loads(results), dependencies


class StoredResults:
    """A unit's results as its record holds them (pickled), unpickled when first asked for: a rescan
    whose findings are cached never needs most of them."""

    __slots__ = ("_payload", "_value")

    def __init__(self, payload: bytes) -> None:
        self._payload: bytes | None = payload
        self._value: list[Evaluated] | None = None

    def value(self) -> list[Evaluated]:
        if self._value is None:
            assert self._payload is not None
            with gc_paused():
                self._value = pickle.loads(self._payload)
            self._payload = None
        return self._value


UnitResults = list["Evaluated"] | StoredResults
"""One unit's results: evaluated now, or still in their record (see :func:`evaluate_units_lazily`)."""


def unit_results(parts: list[UnitResults]) -> list[Evaluated]:
    """The results of every unit of ``parts``, in order (those still in their records unpickled)."""
    return [e for part in parts for e in (part.value() if isinstance(part, StoredResults) else part)]


Remote = Callable[[list[tuple[Any, ...]]],
                  dict[tuple[Any, ...], tuple[Any, bool, bytes, str | None, tuple[list["Evaluated"], Any] | None]]]
"""Evaluates units elsewhere (parse workers), by :attr:`Unit.remote`: each one's key, whether its
result depends on the machine, its record (:func:`unit_record`), its :func:`results_digest`, and
the record read back (:func:`read_unit_record`) when the caller did that already (else None)."""


def evaluate_units(units: list[Unit], memo: Memo, remote: Remote | None = None,
                   probes: list[tuple[tuple[str, str], ...] | None] | None = None) -> list[Evaluated]:
    """:func:`evaluate_units_lazily`, every result unpickled."""
    return unit_results(evaluate_units_lazily(units, memo, remote, probes))


def evaluate_units_lazily(units: list[Unit], memo: Memo, remote: Remote | None = None,
                          probes: list[tuple[tuple[str, str], ...] | None] | None = None) -> list[UnitResults]:
    """Every unit's results (those found in ``memo`` left in their records until asked for, see
    :class:`StoredResults`), one entry per unit, remembered in ``memo`` under the unit's key (its inputs) together with
    the dependencies its evaluation reported; a remembered result is used only while the unit says
    those dependencies are unchanged. A result holding a parse timeout or an internal error is
    never remembered: it depends on the machine, not on the files. A unit whose evaluation raises
    (a front end's bug) gives an internal error naming it; the other units are still evaluated.

    With ``remote``, the units to evaluate that can be (:attr:`Unit.remote`) are evaluated there, all
    at once; their pickled results are remembered as they came (not pickled again here). A unit
    ``remote`` gave no result for, or one under another key, is evaluated here.

    ``probes`` (when given) gets, for each unit, what on disk its dependencies depend on
    (:attr:`Unit.probes`), None for a unit whose dependencies cannot be told that way."""

    def probed(unit: Unit, dependencies: Any) -> None:
        if probes is None:
            return
        if dependencies is None:
            probes.append(())
        else:
            probes.append(unit.probes(dependencies) if unit.probes is not None else None)

    done: list[UnitResults | None] = []
    todo: list[int] = []
    slots: dict[int, int | None] = {}
    remembering = getattr(memo, "remembers", False)
    for index, unit in enumerate(units):
        if unit.ready is not None:
            done.append(unit.ready)
            continue
        key = ("unit", unit.key) if unit.key is not None else None
        record = memo.get(key) if key is not None else None
        if isinstance(record, tuple) and len(record) == 2 and isinstance(record[0], bytes) \
                and unit.unchanged(record[1]):
            done.append(StoredResults(record[0]))
            probed(unit, record[1])
            continue
        done.append(None)
        todo.append(index)
        slots[index] = memo.reserve() if remembering else None  # type: ignore[attr-defined]
    far: dict[tuple[Any, ...], tuple[Any, bool, bytes, str | None, tuple[list[Evaluated], Any] | None]] = {}
    wanted = [units[i].remote for i in todo if units[i].remote is not None]
    if remote is not None and wanted:
        try:
            far = remote(wanted)  # type: ignore[arg-type]
        except Exception:  # the workers failed: everything is evaluated here
            far = {}
    for index in todo:
        unit = units[index]
        key = ("unit", unit.key) if unit.key is not None else None
        got = far.get(unit.remote) if unit.remote is not None else None
        payload: bytes | None = None
        trail: str | None = None
        if got is not None and got[0] == unit.key:
            try:
                results, dependencies = got[4] if got[4] is not None else read_unit_record(got[2])
                unstable, payload, trail = got[1], got[2], got[3]
            except Exception:
                results, dependencies, unstable = run_unit(unit)
        else:
            results, dependencies, unstable = run_unit(unit)
        probed(unit, dependencies)
        if key is not None and not unstable:
            if remembering and trail is None:
                trail = results_digest(results)
            if remembering:
                try:
                    payload = payload if payload is not None else unit_record(results, dependencies)
                except Exception:  # not picklable: not remembered, and the trail no longer describes the scan
                    memo.untracked()
                else:
                    memo.put_payload(key, payload, trail, slots.get(index))  # type: ignore[attr-defined]
            else:
                memo.put(key, (results, dependencies))
        else:
            memo.untracked()
        done[index] = results
    return [part for part in done if part is not None]


class Offered:
    """A memo (:class:`UnitIndex` or :class:`~analyzer.frontends.base.NoMemo`) with records that parse
    workers sent (per-file summaries, by memo key) offered where it has none: a record taken from the
    offer is put into ``base`` as if computed here, so the next scan finds it."""

    def __init__(self, base: Memo, offered: dict[tuple[Any, ...], Any]) -> None:
        self.base = base
        self.offered = offered
        self.seen: dict[tuple[Any, ...], Any] = {}
        """Every record got or put: what the workers need to form the same units without trees."""

    def get(self, key: tuple[Any, ...]) -> Any:
        value = self.base.get(key)
        if value is None and key in self.offered:
            value = self.offered[key]
            self.base.put(key, value)
        if value is not None:
            self.seen[key] = value
        return value

    def put(self, key: tuple[Any, ...], value: Any) -> None:
        self.seen[key] = value
        self.base.put(key, value)

    def untracked(self) -> None:
        self.base.untracked()
