"""``--exclude`` patterns are relative to the current folder; a configuration's ``exclude`` to the folder
of the file that sets it (issue 17), whatever folder the scan starts from."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fleetiac.analyzer.config import Exclusion
from fleetiac.analyzer.frontends.sources import SourceFile
from fleetiac.analyzer.postscan import is_excluded
from tests.ci_helpers import AS_OF, ONLY, member_tf, run


def _repo(tmp_path: Path) -> Path:
    """repo/.git, repo/infra/fleet/main.tf (finding at line 7), repo/infra/legacy/main.tf (line 7)."""
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    for folder, name in (("fleet", "west"), ("legacy", "old")):
        (repo / "infra" / folder).mkdir(parents=True)
        (repo / "infra" / folder / "main.tf").write_text(member_tf(name=name))
    return repo


def _paths(*args: str) -> tuple[list[str], list[str]]:
    result = run("scan", *args, *ONLY, *AS_OF, "--format", "json", "--no-cache", "--fail-on", "never")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    return [f"{f['path']}:{f['line']}" for f in doc["findings"]], [n for n in doc["notices"] if "exclude" in n]


def test_cli_patterns_are_relative_to_the_current_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = _repo(tmp_path)
    monkeypatch.chdir(repo / "infra")
    # From infra/, `legacy` is infra/legacy; the report paths stay root-relative.
    assert _paths(".", "--exclude", "legacy") == (["infra/fleet/main.tf:7"], [])
    assert _paths(".", "--exclude", "./legacy/**") == (["infra/fleet/main.tf:7"], [])
    assert _paths(str(repo), "--exclude", "legacy/") == (["infra/fleet/main.tf:7"], [])
    assert _paths(".", "--exclude", "../infra/legacy/main.tf") == (["infra/fleet/main.tf:7"], [])
    assert _paths(".", "--exclude", f"{repo.resolve().as_posix()}/infra/legacy") == (["infra/fleet/main.tf:7"], [])
    assert _paths(".", "--exclude", "**/main.tf", "--allow-empty")[0] == []
    # The root-relative spelling names infra/infra/legacy from here: nothing, and a notice says so.
    assert _paths(".", "--exclude", "infra/legacy") == (
        ["infra/fleet/main.tf:7", "infra/legacy/main.tf:7"],
        ["--exclude pattern 'infra/legacy' matches no scanned file (patterns are relative to the current folder)"])
    # From the repository root, the same pattern leaves out infra/legacy.
    monkeypatch.chdir(repo)
    assert _paths("infra", "--exclude", "infra/legacy") == (["infra/fleet/main.tf:7"], [])


def test_config_patterns_are_relative_to_the_file_that_sets_them(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    repo = _repo(tmp_path)
    (repo / "infra" / ".fleetiac.toml").write_text('exclude = ["legacy/**", "nothing/**"]\n')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for cwd in (elsewhere, repo, repo / "infra" / "fleet"):
        monkeypatch.chdir(cwd)
        assert _paths(str(repo / "infra")) == (["infra/fleet/main.tf:7"], [
            "exclude pattern 'nothing/**' of infra/.fleetiac.toml matches no scanned file (patterns are relative "
            "to the folder of the file that sets them)"]), cwd
    # --config inside the repository: relative to that file's folder too.
    (repo / "ci").mkdir()
    (repo / "ci" / "fleetiac.toml").write_text('exclude = ["../infra/fleet"]\n')
    assert _paths(str(repo / "infra"), "--config", str(repo / "ci" / "fleetiac.toml")) == (
        ["infra/legacy/main.tf:7"], [])
    # A trusted --config kept outside the checkout: its folder says nothing about the tree, so its
    # patterns are relative to the report root.
    trusted = elsewhere / "fleetiac.toml"
    trusted.write_text('exclude = ["infra/fleet", "../repo/infra/legacy"]\n')
    assert _paths(str(repo / "infra"), "--config", str(trusted)) == (["infra/legacy/main.tf:7"], [
        f"exclude pattern '../repo/infra/legacy' of {trusted.resolve().as_posix()} matches no scanned file "
        "(patterns are relative to the report root, since the file is outside it)"])
    # A command-line --exclude replaces the file's, relative to the current folder.
    monkeypatch.chdir(repo)
    assert _paths(str(repo / "infra"), "--exclude", "infra/fleet") == (["infra/legacy/main.tf:7"], [])
    # `fleetiac config` prints the patterns as written (it reads back as the same file).
    shown = run("config", str(repo / "infra")).stdout
    assert 'exclude = ["legacy/**", "nothing/**"]' in shown and "# infra/.fleetiac.toml" in shown


def test_views_take_cli_patterns_relative_to_the_current_folder(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    repo = _repo(tmp_path)
    monkeypatch.chdir(repo / "infra")
    result = run("graph", ".", "-f", "json", "--exclude", "legacy", "--no-cache")
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "azurerm_kubernetes_fleet_member.west" in text and "azurerm_kubernetes_fleet_member.old" not in text


def test_plain_patterns_stay_root_relative_and_anchored_ones_match_absolute_paths(tmp_path: Path) -> None:
    file = SourceFile(tmp_path / "infra" / "legacy" / "main.tf", "infra/legacy/main.tf", "terraform")
    base = tmp_path.as_posix()
    assert is_excluded(file, ["infra/legacy/**"])
    assert is_excluded(file, [Exclusion("legacy", f"{base}/infra")])
    assert is_excluded(file, [Exclusion("*/legacy", base)])  # fnmatch: * also matches /
    assert not is_excluded(file, [Exclusion("infra/legacy", f"{base}/infra")])
    assert not is_excluded(file, [Exclusion("legacy", base)])
    assert is_excluded(file, [Exclusion("**", f"{base}/infra")])
    assert is_excluded(file, [Exclusion("infra/legacy", "", "/elsewhere/fleetiac.toml")])  # root-relative
    bracketed = SourceFile(tmp_path / "a[1]" / "main.tf", "a[1]/main.tf", "terraform")
    assert is_excluded(bracketed, [Exclusion("main.tf", f"{base}/a[1]")])
    assert not is_excluded(SourceFile(tmp_path / "a1" / "main.tf", "a1/main.tf", "terraform"),
                           [Exclusion("main.tf", f"{base}/a[1]")])
    assert not is_excluded(file, [Exclusion("**", f"{base}/x")])
