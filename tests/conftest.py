"""Suite-wide setup."""

from __future__ import annotations

import os
import tempfile

# The suite must never read or write the user's real cache (a stale entry there could hide a bug,
# and tests must not leave files in a home folder): every run gets its own cache folder, set before
# any test runs so in-process scans and spawned `fleetiac` processes alike use it.
os.environ["FLEETIAC_CACHE_DIR"] = tempfile.mkdtemp(prefix="fleetiac-test-cache-")


def pytest_sessionstart(session: object) -> None:
    # fleetiac reports paths relative to the git root above what it scans, and the tests expect the
    # repository's own: an unpacked sdist has no .git, so say so once instead of failing in 40 tests.
    from pathlib import Path

    import pytest

    root = Path(__file__).resolve().parents[1]
    if not any((folder / ".git").exists() for folder in (root, *root.parents)):
        raise pytest.UsageError(f"{root} is not in a git checkout: fleetiac reports paths relative to the git root, "
                                "and the tests expect this folder to be it; run `git init` here first "
                                "(an unpacked sdist has no .git)")
