"""Find the files to scan under the paths a user gives."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from analyzer.model import Diagnostic, Location
from analyzer.sources import DEFAULT_LIMITS, ReadLimits

LANGUAGE_BY_SUFFIX = {
    ".tf": "terraform",
    ".bicep": "bicep",
    ".bicepparam": "bicepparam",
    ".tfvars": "tfvars",
    ".yaml": "yaml",  # Kubernetes manifests (analyzer.manifests); other YAML is read and ignored
    ".yml": "yaml",
}
SKIPPED_DIRS = {".terraform", ".git", "node_modules", "__pycache__"}


class DiscoveryError(Exception):
    """A path given by the user cannot be scanned (it does not exist)."""


@dataclass(frozen=True, slots=True)
class SourceFile:
    path: Path
    """Absolute path on disk."""
    display: str
    """POSIX path relative to the report root; what every finding shows."""
    language: str
    limits: ReadLimits = DEFAULT_LIMITS
    """How much of the file the scan will read and parse (``--max-file-size``, ``--parse-timeout``)."""

    @property
    def directory(self) -> str:
        """The display path of the folder holding the file (a Terraform module's identity)."""
        parent = str(PurePosixPath(self.display).parent)
        return "" if parent == "." else parent


def report_root(paths: list[Path]) -> Path:
    """The folder that reported paths are relative to: the git root above the first path, else the
    first path's folder. Code-scanning tools need repository-root-relative paths."""
    first = paths[0].resolve()
    start = first if first.is_dir() else first.parent
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return start


def discover(paths: list[Path], root: Path | None = None, limits: ReadLimits = DEFAULT_LIMITS,
             problems: list[Diagnostic] | None = None) -> tuple[Path, list[SourceFile]]:
    """Every scannable file under ``paths``, sorted, with the report root.

    Hidden folders, ``.terraform`` and ``.git`` are skipped; symbolic links are followed only when
    they stay inside the scanned path, and never twice to the same folder (a link loop ends there).
    A folder that cannot be listed is appended to ``problems`` (when given) and the walk goes on.
    """
    if not paths:
        paths = [Path(".")]
    for path in paths:
        if not path.exists():
            raise DiscoveryError(f"path does not exist: {path}")
    root = (root or report_root(paths)).resolve()
    found: dict[Path, SourceFile] = {}
    for given in paths:
        base = given.resolve()
        if base.is_file():
            _add(found, base, root, explicit=True, limits=limits)
            continue
        seen_dirs: set[Path] = set()

        def unlistable(error: OSError) -> None:
            if problems is not None and error.filename is not None:
                display = _display(Path(error.filename).absolute(), root)
                message = f"cannot read folder: {error.strerror or error}; its files are not analysed"
                problems.append(Diagnostic(Location(display, 1, 1), message))

        for folder, dirnames, filenames in os.walk(base, onerror=unlistable, followlinks=True):
            here = Path(folder)
            real = _resolved(here)
            inside = real is not None and (real == base or base in real.parents)
            if real is None or real in seen_dirs or not inside:
                dirnames[:] = []
                continue
            seen_dirs.add(real)
            dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in SKIPPED_DIRS)
            for name in sorted(filenames):
                candidate = here / name
                target = _resolved(candidate)
                if target is None or (candidate.is_symlink() and base not in target.parents):
                    continue  # a link loop, or a link leading out of the scanned folder: not followed
                _add(found, candidate, root, explicit=False, limits=limits)
    return root, sorted(found.values(), key=lambda f: f.display)


def _resolved(path: Path) -> Path | None:
    """The real path, or None for a symbolic link loop (Python 3.11 raises RuntimeError for one,
    later versions OSError)."""
    try:
        return path.resolve()
    except (RuntimeError, OSError):
        return None


def _display(absolute: Path, root: Path) -> str:
    try:
        return absolute.relative_to(root).as_posix()
    except ValueError:
        return absolute.as_posix().lstrip("/")


def _add(found: dict[Path, SourceFile], path: Path, root: Path, explicit: bool,
         limits: ReadLimits = DEFAULT_LIMITS) -> None:
    language = LANGUAGE_BY_SUFFIX.get(path.suffix.lower())
    if path.name.lower().endswith(".tfvars.json"):
        language = "tfvars"
    if language is None or (not explicit and path.name.startswith(".")):
        return
    absolute = path.absolute()
    found.setdefault(absolute, SourceFile(absolute, _display(absolute, root), language, limits))
