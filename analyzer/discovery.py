"""Find the files to scan under the paths a user gives."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported when files are found: report_root() alone is asked before a replayed scan
    from fleetiac.analyzer.frontends.sources import ReadLimits, SourceFile
    from fleetiac.analyzer.model import Diagnostic

SKIPPED_DIRS = {"node_modules", "__pycache__"}
"""Skipped besides hidden folders (every name that starts with a dot, such as ``.git``)."""
HIDDEN_READ = {".github"}
"""Hidden folders that are walked all the same: ``.github`` holds the CI workflows."""


class DiscoveryError(Exception):
    """A path given by the user cannot be scanned (it does not exist)."""


def report_root(paths: list[Path]) -> Path:
    """The folder that reported paths are relative to: the git root above the first path, else the
    first path's folder. Code-scanning tools need repository-root-relative paths."""
    first = paths[0].resolve()
    start = first if first.is_dir() else first.parent
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return start


def discover(paths: list[Path], root: Path | None = None, limits: ReadLimits | None = None,
             problems: list[Diagnostic] | None = None,
             walked: Walked | None = None) -> tuple[Path, list[SourceFile]]:
    """Every scannable file under ``paths``, sorted, with the report root.

    Hidden folders (``.git`` and the like) are skipped; symbolic links are followed only when
    they stay inside the scanned path, and never twice to the same folder (a link loop ends there).
    A folder that cannot be listed is appended to ``problems`` (when given) and the walk goes on.
    ``walked`` (when given) gets every folder listed and every other entry looked at, whether it was
    taken or not: what the list of files depends on (see :mod:`analyzer.replay`).
    """
    from fleetiac.analyzer.frontends.sources import DEFAULT_LIMITS

    limits = limits or DEFAULT_LIMITS
    if not paths:
        paths = [Path(".")]
    for path in paths:
        if not path.exists():
            raise DiscoveryError(f"path does not exist: {path}")
    root = (root or report_root(paths)).resolve()
    found: dict[str, SourceFile] = {}
    for given in paths:
        base = given.resolve()
        if base.is_file():
            if walked is not None:
                walked.entries.append(base.as_posix())
            _add(found, base, root, explicit=True, limits=limits)
            continue
        for path in _walk(base, root, problems, walked):
            if walked is not None:
                walked.entries.append(path.as_posix())
            _add(found, path, root, explicit=False, limits=limits)
    return root, sorted(found.values(), key=lambda f: f.display)


class Walked:
    """The folders a walk listed and the other entries it looked at (paths as walked)."""

    def __init__(self) -> None:
        self.folders: list[str] = []
        self.entries: list[str] = []


def _walk(base: Path, root: Path, problems: list[Diagnostic] | None, walked: Walked | None = None) -> Iterator[Path]:
    """Every file (or other non-folder entry) under ``base`` to consider, folder by folder in sorted,
    depth-first order. Real paths are carried down the walk, so only symbolic links are resolved
    (resolving every file was a third of a warm rescan of a large tree)."""
    base_text = base.as_posix()

    def inside(real: str) -> bool:
        return real == base_text or real.startswith(base_text.rstrip("/") + "/")

    seen: set[str] = set()
    stack = [(base_text, base_text)]  # (path as walked, its real path)
    while stack:
        folder, real = stack.pop()
        if real in seen:
            continue  # reached again through a link: a loop, or a second name for the same folder
        seen.add(real)
        if walked is not None:
            walked.folders.append(folder)
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as error:
            if problems is not None:
                display = _display(Path(folder), root)
                message = f"cannot read folder: {error.strerror or type(error).__name__}; its files are not analysed"
                from fleetiac.analyzer.model import Diagnostic, Location

                problems.append(Diagnostic(Location(display, 1, 1), message))
            continue
        folders = []
        for entry in entries:
            name = entry.name
            try:
                link = entry.is_symlink()
                target = real.rstrip("/") + "/" + name
                if link:
                    resolved = _resolved(Path(entry.path))
                    if resolved is None or not inside(resolved.as_posix()):
                        continue  # a link loop, or a link leading out of the scanned folder: not followed
                    target = resolved.as_posix()
                is_folder = entry.is_dir()
            except OSError:
                continue
            if is_folder:
                if (not name.startswith(".") or name in HIDDEN_READ) and name not in SKIPPED_DIRS:
                    folders.append((entry.path, target))
            else:
                yield Path(entry.path)
        stack.extend(reversed(folders))


def _resolved(path: Path) -> Path | None:
    """The real path, or None for a symbolic link loop (Python 3.11 raises RuntimeError for one,
    later versions OSError)."""
    try:
        return path.resolve()
    except (RuntimeError, OSError):
        return None


def display_of(folder: Path, root: Path) -> str:
    """How a folder's path is shown in the report: relative to ``root`` (``""`` for the root itself)."""
    shown = _display(folder, root)
    return "" if shown == "." else shown


def _display(absolute: Path, root: Path) -> str:
    try:
        return absolute.relative_to(root).as_posix()
    except ValueError:
        return absolute.as_posix().lstrip("/")


def _head(path: Path) -> bytes:
    """A file's first bytes, for front ends that decide from them (nothing when it cannot be read)."""
    from fleetiac.analyzer.frontends.base import HEAD_BYTES

    try:
        with path.open("rb") as file:
            return file.read(HEAD_BYTES)
    except OSError:
        return b""


def _add(found: dict[str, SourceFile], path: Path, root: Path, explicit: bool, limits: ReadLimits) -> None:
    from fleetiac.analyzer.frontends.base import claimed_language, language, language_of
    from fleetiac.analyzer.frontends.sources import SourceFile

    # By the front ends' suffixes (a file of a common suffix, .json, only when its language claims it),
    # else by a front end that claims the name or the first bytes.
    found_language = language_of(path.name, path) or claimed_language(path.name, lambda: _head(path))
    if found_language is None or (not explicit and path.name.startswith(".")
                                  and not language(found_language).hidden):
        return
    absolute = path.absolute()
    # Keyed by the path's text (paths of a POSIX tree are equal when their texts are: both are
    # normalised), and shown relative to the root by cutting the root off the text when it starts
    # the path: what relative_to gives, without its parts (a tenth of a rescan was spent on paths).
    text = str(absolute)
    if text in found:
        return
    prefix = str(root).rstrip("/") + "/"
    display = text[len(prefix):] if text.startswith(prefix) and os.sep == "/" and "\\" not in text \
        else _display(absolute, root)
    found[text] = SourceFile(absolute, display, found_language, limits)
