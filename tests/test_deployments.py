"""Manifests belong to a deployment; the azurerm version in use; lock files in the discovery."""

from __future__ import annotations

from datetime import date
from pathlib import Path, PurePosixPath

import pytest

from fleetiac.analyzer.discovery import discover
from fleetiac.analyzer.engine import ScanOptions, scan
from fleetiac.analyzer.frontends.terraform.canonical import constraint_versions
from fleetiac.analyzer.model import FleetProps, VersionRange, VersionSet

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TWO_REPOSITORIES = FIXTURES / "FIAC301" / "two-repositories"
OPTIONS = ScanOptions(select=("FIAC301", "FIAC602", "FIAC902"), show_unknown=True, as_of=date(2026, 11, 23))


def _findings(paths: list[Path]) -> set[tuple[str, str, int, str]]:
    report = scan(paths, OPTIONS)
    return {(f.rule_id, PurePosixPath(report.root, f.location.path).as_posix(), f.location.line, f.message)
            for f in [*report.findings, *report.skipped]}


def test_two_unrelated_repositories_give_the_union_of_their_separate_results() -> None:
    repo_a, repo_b = TWO_REPOSITORIES / "repo-a", TWO_REPOSITORIES / "repo-b"
    separate = _findings([repo_a]) | _findings([repo_b])
    together = _findings([repo_a, repo_b])
    assert together == separate
    placement_a = (repo_a / "k8s" / "placement.yaml").as_posix()
    assert {(rule, path, line) for rule, path, line, _ in together if rule == "FIAC301"} == {
        ("FIAC301", placement_a, 1)}
    # repo-b's placements target the fleet its script creates: unknown, never repo-a's hubless fleet
    unknown_b = sorted((path, line, message.split(":", 1)[0]) for rule, path, line, message in together
                       if rule == "FIAC902" and path.startswith(repo_b.as_posix()))
    assert unknown_b == [(f"{(repo_b / folder / 'placement.yaml').as_posix()}", line, f"{rule} not checked")
                         for folder in ("cluster", "k8s") for line, rule in ((1, "FIAC301"), (10, "FIAC602"))]


@pytest.mark.parametrize(("constraint", "expected"), [
    ("3.94.0", "3.94.0"),
    ("= 3.94", "3.94.0"),
    ("~> 3.0", ">= 3.0.0, < 4.0.0"),
    ("~> 3", ">= 3.0.0, < 4.0.0"),
    ("~> 3.90.1", ">= 3.90.1, < 3.91.0"),
    (">= 3.30, < 3.95", ">= 3.30.0, < 3.95.0"),
    ("> 3.94.1", ">= 3.94.2"),
    ("<= 3.94.0", "< 3.94.1"),
    (">= 3.0, != 3.5.0, < 4", ">= 3.0.0, < 3.5.0 or >= 3.5.1, < 4.0.0"),
    (">= 4, < 3", "no version"),
    ("3.0,", "3.0.0"),
])
def test_terraform_version_constraints(constraint: str, expected: str) -> None:
    versions = constraint_versions(constraint)
    assert versions is not None and versions.text() == expected


@pytest.mark.parametrize("constraint", ["", "3.0.0-beta1", ">== 3", "latest", "3.0,,", ",", "v3.0.0", "1.2.3.4"])
def test_unreadable_constraints_are_unknown(constraint: str) -> None:
    assert constraint_versions(constraint) is None


def test_version_set_questions() -> None:
    below = VersionSet((VersionRange((3, 30, 0), (3, 95, 0)),))
    assert not below.admits_at_least((3, 95, 0)) and below.within((3, 30, 0), (3, 95, 0))
    open_ended = VersionSet((VersionRange((3, 50, 0), None),))
    assert open_ended.admits_at_least((3, 95, 0)) and not open_ended.within((3, 30, 0), (3, 95, 0))
    too_old = VersionSet((VersionRange(None, (3, 95, 0)),))
    assert not too_old.within((3, 30, 0), (3, 95, 0))
    assert not VersionSet(()).within((3, 30, 0), (3, 95, 0))


def test_the_lock_file_of_a_scanned_root_is_discovered_and_nothing_else_hidden(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text("", encoding="utf-8")
    (tmp_path / ".terraform.lock.hcl").write_text("", encoding="utf-8")
    (tmp_path / ".hidden.tf").write_text("", encoding="utf-8")
    (tmp_path / ".terraform").mkdir()
    (tmp_path / ".terraform" / ".terraform.lock.hcl").write_text("", encoding="utf-8")
    _, files = discover([tmp_path])
    assert [(f.display, f.language) for f in files] == [(".terraform.lock.hcl", "terraform-lock"),
                                                        ("main.tf", "terraform")]


def test_scripts_yield_the_fleets_they_create(tmp_path: Path) -> None:
    from fleetiac.analyzer.frontends.scripts.canonical import load_script
    from fleetiac.analyzer.frontends.sources import SourceFile

    script = tmp_path / "create.ps1"
    script.write_text("# az fleet create --name commented-out\n"
                      "az fleet member create --fleet-name f --name m\n"
                      "  az fleet create -g rg --name 'fleet-hub' --enable-hub `\n"
                      "az fleetx create --name other\n", encoding="utf-8")
    result = load_script(SourceFile(script, "create.ps1", "powershell"))
    # The backtick continues line 3 into line 4: the last --name is the one the Azure CLI keeps.
    assert [(r.kind, r.name, r.location.line, r.location.column, r.address) for r in result.resources] == [
        ("member", "m", 2, 1, "az fleet member create m"), ("fleet", "other", 3, 3, "az fleet create other")]
    fleet = result.resources[1]
    assert isinstance(fleet.props, FleetProps) and fleet.props.by_command and fleet.props.hub is True


def test_configured_manifest_targets(tmp_path: Path) -> None:
    from fleetiac.analyzer.config import ConfigError, validate

    path = tmp_path / ".fleetiac.toml"
    assert validate({"manifests": {"k8s/**": "azapi_resource.fleet", "hub/*.yaml": ["a.b", " c.d "]}}, path, "") == {
        "manifests": (("k8s/**", ("azapi_resource.fleet",)), ("hub/*.yaml", ("a.b", "c.d")))}
    for bad in ({"manifests": ["k8s/**"]}, {"manifests": {"k8s/**": []}}, {"manifests": {"k8s/**": [1]}}):
        with pytest.raises(ConfigError, match="manifests"):
            validate(bad, path, "")
