"""Find the files to scan under the paths a user gives."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

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


def discover(paths: list[Path], root: Path | None = None) -> tuple[Path, list[SourceFile]]:
    """Every scannable file under ``paths``, sorted, with the report root.

    Hidden folders, ``.terraform`` and ``.git`` are skipped; symbolic links are followed only when
    they stay inside the scanned path, and never twice to the same folder.
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
            _add(found, base, root, explicit=True)
            continue
        seen_dirs: set[Path] = set()
        for folder, dirnames, filenames in os.walk(base, followlinks=True):
            here = Path(folder)
            real = here.resolve()
            inside = real == base or base in real.parents
            if real in seen_dirs or not inside:
                dirnames[:] = []
                continue
            seen_dirs.add(real)
            dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in SKIPPED_DIRS)
            for name in sorted(filenames):
                candidate = here / name
                target = candidate.resolve()
                if candidate.is_symlink() and base not in target.parents:
                    continue
                _add(found, candidate, root, explicit=False)
    return root, sorted(found.values(), key=lambda f: f.display)


def _add(found: dict[Path, SourceFile], path: Path, root: Path, explicit: bool) -> None:
    language = LANGUAGE_BY_SUFFIX.get(path.suffix.lower())
    if path.name.lower().endswith(".tfvars.json"):
        language = "tfvars"
    if language is None or (not explicit and path.name.startswith(".")):
        return
    absolute = path.absolute()
    try:
        display = absolute.relative_to(root).as_posix()
    except ValueError:
        display = absolute.as_posix().lstrip("/")
    found.setdefault(absolute, SourceFile(absolute, display, language))
