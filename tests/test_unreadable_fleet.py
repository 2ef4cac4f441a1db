"""A file that cannot be read never passes silently: every format says its resources were not checked,
and one that declares Fleet Manager resources fails the default gate (``unreadable-fleet-files``)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result

from fleetiac.analyzer.cli import main

FLEET = "Microsoft.ContainerService/fleets@2025-03-01"
BROKEN_FLEET = f"resource fleet '{FLEET}' = {{\n  name: 'fleet'\n  location 'westeurope'\n}}\n"
BROKEN_TF_MEMBER = ('resource "azurerm_kubernetes_fleet_member" "m" {\n  name = = "m"\n}\n')
UNCHECKED = "none of this file's resources were checked"


def scan(path: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["scan", str(path), "--as-of", "2026-11-23", "--no-cache", "--workers", "1",
                                     "--select", "FIAC901", *args])


def test_an_unreadable_bicep_fleet_file_fails_the_default_gate(tmp_path: Path) -> None:
    (tmp_path / "fleet.bicep").write_text(BROKEN_FLEET, encoding="utf-8")
    (tmp_path / "other.bicep").write_text("var x = [1 2]\n", encoding="utf-8")
    result = scan(tmp_path, "--format", "json")
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert [(f["path"], f["line"], f["level"], f["message"]) for f in doc["findings"]] == [
        ("fleet.bicep", 3, "error", "cannot parse Bicep: unexpected \"'westeurope'\"; " + UNCHECKED
         + ", and it declares Fleet Manager resources"),
        ("other.bicep", 1, "warning", "cannot parse Bicep: unexpected '2'; " + UNCHECKED)]
    assert doc["notices"] == ["2 files could not be read, so none of their resources were checked: fleet.bicep "
                              "(it declares Fleet Manager resources), other.bicep"]


def test_the_switch_turns_the_error_back_into_a_warning(tmp_path: Path) -> None:
    (tmp_path / "fleet.bicep").write_text(BROKEN_FLEET, encoding="utf-8")
    (tmp_path / ".fleetiac.toml").write_text('unreadable-fleet-files = "warn"\n', encoding="utf-8")
    result = scan(tmp_path, "--format", "json")
    assert result.exit_code == 0
    [finding] = json.loads(result.stdout)["findings"]
    assert (finding["rule_id"], finding["level"]) == ("FIAC901", "warning")
    (tmp_path / ".fleetiac.toml").write_text('unreadable-fleet-files = "ignore"\n', encoding="utf-8")
    bad = scan(tmp_path)
    assert bad.exit_code == 2 and "unreadable-fleet-files must be one of error, warn, not 'ignore'" in bad.output


def test_an_unreadable_terraform_fleet_file_fails_the_default_gate_too(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(BROKEN_TF_MEMBER, encoding="utf-8")
    (tmp_path / "other.tf").write_text("locals {\n  x = = 1\n}\n", encoding="utf-8")
    result = scan(tmp_path, "--format", "json")
    assert result.exit_code == 1
    assert [(f["path"], f["level"]) for f in json.loads(result.stdout)["findings"]] == [
        ("main.tf", "error"), ("other.tf", "warning")]


def test_every_format_says_the_resources_were_not_checked(tmp_path: Path) -> None:
    (tmp_path / "fleet.bicep").write_text(BROKEN_FLEET, encoding="utf-8")
    notice = "1 file could not be read, so none of its resources were checked: fleet.bicep (it declares Fleet " \
             "Manager resources)"
    for fmt in ("text", "json", "sarif", "junit", "github", "markdown"):
        result = scan(tmp_path, "--format", fmt)
        assert result.exit_code == 1, fmt
        assert UNCHECKED in result.stdout, fmt
        if fmt in ("text", "json", "sarif", "markdown"):
            assert notice in result.stdout, fmt


def test_a_fleet_file_that_is_not_utf8_fails_the_default_gate(tmp_path: Path) -> None:
    (tmp_path / "fleet.bicep").write_bytes(f"// caf\xe9\nresource fleet '{FLEET}' = {{\n  name: 'f'\n}}\n"
                                           .encode("latin-1"))
    result = scan(tmp_path, "--format", "json")
    assert result.exit_code == 1
    [finding] = json.loads(result.stdout)["findings"]
    assert (finding["level"], finding["line"], finding["message"]) == (
        "error", 1, "file is not valid UTF-8; " + UNCHECKED + ", and it declares Fleet Manager resources")
