"""fleetiac installs under one import name (issue 17): a user's own ``analyzer`` or ``policies`` package
on the path cannot take the place of ours, and the wheel holds nothing but ``fleetiac``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MEMBER = ROOT / "fixtures" / "FIAC201" / "bicep-group-typo"


def _shadowing_packages(folder: Path) -> None:
    """A repository that keeps its Azure Policy definitions in ``policies/`` and its own ``analyzer``."""
    for name in ("policies", "analyzer"):
        package = folder / name
        package.mkdir()
        (package / "__init__.py").write_text(f"raise ImportError('the user\\'s own {name} package was imported')\n")


def _environment(first: Path) -> dict[str, str]:
    # The user's folder first, as PYTHONPATH=. does; the repository after it so the test also runs from
    # a checkout that is not installed.
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(first), str(ROOT)]), "FLEETIAC_CACHE_DIR": ""}


def test_a_users_policies_package_on_the_path_does_not_shadow_fleetiac(tmp_path: Path) -> None:
    _shadowing_packages(tmp_path)
    result = subprocess.run([sys.executable, "-m", "fleetiac", "scan", str(MEMBER), "--no-cache",
                             "--select", "FIAC201", "--fail-on", "never", "--format", "json"],
                            cwd=tmp_path, env=_environment(tmp_path), capture_output=True, text=True,
                            timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    assert {finding["rule_id"] for finding in json.loads(result.stdout)["findings"]} == {"FIAC201"}
    assert "the user's own" not in result.stderr


def test_python_m_fleetiac_is_the_command_line(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "fleetiac", "--version"], cwd=tmp_path,
                            env=_environment(tmp_path), capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("fleetiac ")


def test_the_wheel_holds_only_the_fleetiac_package(tmp_path: Path) -> None:
    # Built from a copy (links kept as links) so the build leaves nothing in the checkout.
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, source / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("analyzer", "policies", "fleetiac"):  # an sdist has only fleetiac/, with folders in it
        if (ROOT / name).exists():
            shutil.copytree(ROOT / name, source / name, symlinks=True, ignore=ignore)
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path / "dist"),
                            str(source)], capture_output=True, text=True, timeout=600, check=False)
    assert build.returncode == 0, build.stderr[-3000:]
    (wheel,) = (tmp_path / "dist").glob("fleetiac-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert sorted({name.split("/")[0] for name in names if not name.startswith("fleetiac-")}) == ["fleetiac"]
    for needed in ("fleetiac/__main__.py", "fleetiac/analyzer/cli.py", "fleetiac/policies/access.py",
                   "fleetiac/analyzer/knowledge/data/roles.json", "fleetiac/analyzer/knowledge/data/aks_versions.json",
                   "fleetiac/policies/examples/FIAC201/fix.tf"):
        assert needed in names, needed
    entry_points = next(name for name in names if name.endswith("entry_points.txt"))
    assert "fleetiac = fleetiac.analyzer.cli:run" in zipfile.ZipFile(wheel).read(entry_points).decode()
