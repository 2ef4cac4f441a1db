"""Where fleetiac keeps its files (the user cache folder), how it writes them, and how it knows it
wrote them: the lowest layer, shared by the cache and the front ends' compiled grammars. Imports
nothing of fleetiac.

Every cache entry is a pickle, and unpickling runs code, so nothing is unpickled that someone else
could have written. The cache folder is used only when it is a folder of the current user that
nobody else can write to (created ``0700``), and outside the scanned tree (:func:`trusted_folder`);
each entry carries an HMAC-SHA256 of its bytes keyed by a per-user secret kept ``0600`` in that
folder (:func:`secret`, :func:`seal`, :func:`unseal`), and an entry whose MAC does not verify is a
miss, never unpickled.
"""

from __future__ import annotations

import contextlib
import hmac
import os
import re
import stat
import time
from collections.abc import Iterable
from pathlib import Path

GRAMMAR_FOLDER = "grammars"
"""The cache folder's subfolder of compiled parser grammars."""
SECRET_FILE = "secret-v1"
"""The cache folder's file of the key that authenticates every entry (``0600``)."""
_SECRET_BYTES = 32
MAC_BYTES = 32
"""The length of an entry's HMAC-SHA256."""

RACY_NS = 2_000_000_000
"""A file status this close to a scan's start (or after it) is not trusted to name the file's
content (nanoseconds): a file written again within one tick of a coarse file system clock keeps
its status. The replay memo and the parse stage's key memo follow it, as git's index does."""


def file_status(info: os.stat_result) -> tuple[int, ...]:
    """What a file's status says of its content: type, size, modification and change times in
    nanoseconds, inode, device. Any change of the file changes its change time, which no program
    can set back."""
    return (stat.S_IFMT(info.st_mode), info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev)


TOUCH_AFTER = 24 * 3600.0
"""Seconds: an entry used this long after it was written (or last marked) is marked used again
(its modification time set to now), so pruning by age removes only entries no scan used."""


class Refused(Exception):
    """The cache folder cannot be trusted; the message says why, in words without the path."""


def cache_dir() -> Path:
    """``$FLEETIAC_CACHE_DIR``, else ``$XDG_CACHE_HOME/fleetiac``, else ``~/.cache/fleetiac``."""
    explicit = os.environ.get("FLEETIAC_CACHE_DIR")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg and os.path.isabs(os.path.expanduser(xdg)) else Path.home() / ".cache"
    return base / "fleetiac"


def dist_version(name: str) -> str:
    """The installed version of a distribution, or ``?``: what ``importlib.metadata.version`` says.
    The usual case (a ``*.dist-info`` folder in a folder of ``sys.path``) is read directly, as that
    function finds it (:func:`_listed_version`); importing ``importlib.metadata`` (with the e-mail
    parser) cost a warm rescan more than all its other work on the parse-cache keys."""
    found = _listed_version(name)
    if found is not None:
        return found
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "?"


_HEADER_NAME = re.compile(r"[\041-\071\073-\176]*:")
"""The start of a header line as the e-mail parser (which reads ``METADATA``) recognises one."""


def _listed_version(name: str) -> str | None:
    """The ``Version`` of the distribution ``importlib.metadata`` would find first for ``name``, when
    that is a ``*.dist-info`` or ``*.egg-info`` folder with a plain ``METADATA`` file in a folder of
    ``sys.path``; None whenever anything is otherwise (an egg, a zip, another metadata finder, an
    unusual ``METADATA``, no such distribution): then ``importlib.metadata`` itself is asked."""
    import sys
    from importlib.machinery import PathFinder

    if any(finder is not PathFinder and hasattr(finder, "find_distributions") for finder in sys.meta_path):
        return None
    # importlib.metadata's name normalisation (PEP 503, dashes as underscores), and its search:
    # the folders of sys.path in order, the first metadata folder of a matching name in each.
    wanted = re.sub(r"[-_.]+", "-", name).lower().replace("-", "_")
    for entry in sys.path:
        if not isinstance(entry, str):
            return None
        root = entry or "."
        if os.path.basename(entry).lower().endswith(".egg"):
            return None
        try:
            children = os.listdir(root)
        except OSError:
            if os.path.exists(root) and not os.path.isdir(root):
                return None  # a zip file: importlib.metadata reads it
            continue
        for child in children:
            low = child.lower()
            if not low.endswith((".dist-info", ".egg-info")):
                continue
            if re.sub(r"[-_.]+", "-", low.rpartition(".")[0].partition("-")[0]).lower().replace("-", "_") != wanted:
                continue
            try:
                with open(os.path.join(root, child, "METADATA"), encoding="utf-8") as handle:
                    text = handle.read()
            except OSError:
                return None
            return _metadata_version(text)
    return None


def _metadata_version(text: str) -> str | None:
    """The first ``Version`` header of a ``METADATA`` text, as the e-mail parser reads it; None when
    the headers hold anything but plain one-line ``Name: value`` lines before it."""
    lines = text.splitlines(keepends=True)
    for index, line in enumerate(lines):
        if line.strip("\r\n") == "":
            return None  # the end of the headers
        if line[0] in " \t":
            continue  # the continuation of an earlier header
        if line.startswith("From ") or _HEADER_NAME.match(line) is None:
            return None
        header, _, value = line.partition(":")
        if header.lower() != "version":
            continue
        if index + 1 < len(lines) and lines[index + 1][:1] in (" ", "\t"):
            return None  # folded over lines
        value = value.lstrip(" \t").rstrip("\r\n")
        return value or None
    return None


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename; folders
    it makes are ``0700``."""
    if not path.parent.is_dir():
        missing = [folder for folder in (path.parent, *path.parent.parents) if not folder.is_dir()]
        for folder in reversed(missing):
            with contextlib.suppress(FileExistsError):
                folder.mkdir(mode=0o700)
    import tempfile  # here: a scan that writes nothing (a replayed one) never needs it

    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def _owner_problem(info: os.stat_result) -> str | None:
    """Why a file or folder with this status is not the current user's alone, or None."""
    getuid = getattr(os, "getuid", None)
    if getuid is not None and info.st_uid != getuid():
        return "belongs to another user"
    if os.name == "posix" and info.st_mode & 0o022:
        return "can be written by other users"
    return None


def trusted_folder(root: Path, scanned: Iterable[Path] = ()) -> Path:
    """``root``, resolved and created (``0700``) if missing, when fleetiac may read pickles from it:
    a folder of the current user that nobody else can write to, and not inside any of ``scanned``
    (a pull request could have planted it there). Raises :class:`Refused`; an :class:`OSError` when
    it cannot be created."""
    resolved = Path(os.path.abspath(root.expanduser())).resolve()
    for tree in scanned:
        top = Path(os.path.abspath(tree)).resolve()
        if resolved == top or top in resolved.parents:
            raise Refused("is inside the scanned tree")
    if not resolved.exists():
        resolved.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):
            resolved.mkdir(mode=0o700)
    info = os.stat(resolved)
    if not stat.S_ISDIR(info.st_mode):
        raise Refused("is not a folder")
    problem = _owner_problem(info)
    if problem is not None:
        raise Refused(problem)
    return resolved


_secrets: dict[Path, bytes] = {}


def secret(root: Path) -> bytes:
    """The key that authenticates the entries under ``root`` (a :func:`trusted_folder`), read from
    its :data:`SECRET_FILE`, which is made (atomically, ``0600``) on first use. Raises
    :class:`Refused` for a folder or key file someone else could have written, :class:`OSError`
    when it cannot be read or made. Remembered per process."""
    known = _secrets.get(root)
    if known is not None:
        return known
    folder = trusted_folder(root)
    path = folder / SECRET_FILE
    try:
        key = _read_secret(path)
    except FileNotFoundError:
        import tempfile

        fd, temp = tempfile.mkstemp(dir=folder, prefix=".tmp-")  # 0600
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(os.urandom(_SECRET_BYTES))
            try:
                os.link(temp, path)  # never replaces a key another process made meanwhile
            except FileExistsError:
                pass
            except OSError:  # no hard links here: a rename (a concurrent run's entries become misses)
                os.replace(temp, path)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(temp)
        key = _read_secret(path)
    _secrets[root] = key
    return key


def _read_secret(path: Path) -> bytes:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    try:
        info = os.fstat(fd)
        problem = _owner_problem(info)
        if not stat.S_ISREG(info.st_mode):
            problem = "has a key that is not a file"
        elif problem is None and os.name == "posix" and info.st_mode & 0o077:
            problem = "has a key other users can read"
        if problem is not None:
            raise Refused(problem if problem.startswith("has") else f"has a key that {problem}")
        data = os.read(fd, _SECRET_BYTES + 1)
    finally:
        os.close(fd)
    if len(data) != _SECRET_BYTES:
        raise Refused("has a damaged key")
    return data


def forget_secrets() -> None:
    """Forget the keys read in this process (after ``fleetiac cache clear`` removed them)."""
    _secrets.clear()


def secret_or_none(root: Path) -> bytes | None:
    """:func:`secret`, or None when the folder cannot be used (the caller then caches nothing)."""
    try:
        return secret(root)
    except (Refused, OSError):
        return None


def seal(key: bytes, label: bytes, payload: bytes) -> bytes:
    """``payload`` preceded by its HMAC-SHA256 under ``key``; ``label`` (what the entry is stored
    as) is authenticated too, so an entry copied under another name does not verify."""
    mac = hmac.new(key, label + b"\0", "sha256")
    mac.update(payload)
    return mac.digest() + payload


def unseal(key: bytes, label: bytes, data: bytes | memoryview) -> memoryview | None:
    """The payload of :func:`seal`'s ``data``, or None when its MAC does not verify."""
    view = memoryview(data)
    if len(view) < MAC_BYTES:
        return None
    payload = view[MAC_BYTES:]
    mac = hmac.new(key, label + b"\0", "sha256")
    mac.update(payload)
    return payload if hmac.compare_digest(mac.digest(), view[:MAC_BYTES]) else None


def read_entry(path: Path) -> bytes:
    """The bytes of a cache entry; an entry last marked more than :data:`TOUCH_AFTER` ago is marked
    used now (so pruning keeps it). Raises :class:`OSError`."""
    with open(path, "rb") as handle:
        data = handle.read()
        mark_used(os.fstat(handle.fileno()), path)
    return data


def mark_used(info: os.stat_result, path: Path) -> None:
    """Set ``path``'s modification time to now when ``info`` (its status) is older than :data:`TOUCH_AFTER`."""
    if time.time() - info.st_mtime > TOUCH_AFTER:
        with contextlib.suppress(OSError):
            os.utime(path)
