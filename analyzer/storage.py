"""Where fleetiac keeps its files (the user cache folder) and how it writes them: the lowest layer,
shared by the cache and the front ends' compiled grammars. Imports nothing of fleetiac."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

GRAMMAR_FOLDER = "grammars"
"""The cache folder's subfolder of compiled parser grammars."""


def cache_dir() -> Path:
    """``$FLEETIAC_CACHE_DIR``, else ``$XDG_CACHE_HOME/fleetiac``, else ``~/.cache/fleetiac``."""
    explicit = os.environ.get("FLEETIAC_CACHE_DIR")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg and os.path.isabs(os.path.expanduser(xdg)) else Path.home() / ".cache"
    return base / "fleetiac"


def dist_version(name: str) -> str:
    """The installed version of a distribution, or ``?``."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "?"


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
