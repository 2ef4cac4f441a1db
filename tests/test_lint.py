"""ruff is part of the contract ("ruff clean"): the suite fails when the code is not."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_is_clean() -> None:
    if shutil.which("ruff") is None and subprocess.run([sys.executable, "-m", "ruff", "--version"],
                                                       capture_output=True).returncode != 0:
        pytest.skip("ruff is not installed (pip install -e '.[test]' installs it)")
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "."], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("folders", [("fleetiac",), ("analyzer", "policies")])
def test_mypy_is_clean(tmp_path: Path, folders: tuple[str, ...]) -> None:
    """``mypy`` with the configuration in pyproject.toml (the fleetiac package, every def typed), and on
    the top-level folders as ``mypy analyzer policies`` names them: their modules are then also reached
    as ``fleetiac.*``, which a module importing itself back by that name would make two (so a front
    end's modules that import each other do it relatively)."""
    try:
        from mypy import api
    except ImportError:
        pytest.skip("mypy is not installed (pip install -e '.[test]' installs it)")
    if not all((ROOT / folder).is_dir() for folder in folders):
        pytest.skip(f"{', '.join(folders)}: not in this tree (an sdist holds only fleetiac/)")
    stdout, stderr, status = api.run(["--config-file", str(ROOT / "pyproject.toml"), "--cache-dir",
                                      str(tmp_path / "mypy-cache"), *(str(ROOT / folder) for folder in folders)])
    assert status == 0, stdout + stderr
