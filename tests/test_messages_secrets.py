"""Messages never show ``--env-vars`` values, Python internals or the machine's absolute paths
(issue 18, item 10): reports are uploaded, posted on pull requests and kept in CI logs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from fleetiac.analyzer.cli import main

SECRET = "s3cr3t-Pa55w0rd-9f8e7d"
NESTED = "nested-Token-4c3b2a"
MAIN_TF = '''variable "cfg" {
  type = object({ name = string, token = string })
}
variable "count_text" {
  type = number
}
variable "plain" {}
variable "tags" {
  type = list(string)
}
resource "azurerm_kubernetes_fleet_manager" "fleet" {
  name                = var.cfg.name
  location            = var.plain
  resource_group_name = "rg-${var.plain}"
  tags                = { t = var.tags[0] }
}
resource "azurerm_kubernetes_fleet_member" "m" {
  name                  = "m"
  kubernetes_fleet_id   = azurerm_kubernetes_fleet_manager.fleet.id
  kubernetes_cluster_id = var.cfg.token
}
'''


def _scan(tree: Path, env: dict[str, str], *extra: str) -> str:
    done = CliRunner().invoke(main, ["scan", str(tree), "--env-vars", "--show-unknown", "--no-cache", "--workers",
                                     "1", "--fail-on", "never", "--as-of", "2026-11-23", *extra], env=env)
    assert done.exit_code == 0, done.output
    return done.output


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "markdown", "junit", "github"])
def test_environment_values_are_shown_as_the_variable_name(tmp_path: Path, fmt: str) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "main.tf").write_text(MAIN_TF)
    env = {
        "TF_VAR_cfg": f'{{ name = "{SECRET}", token = upper("{NESTED}") }}',  # a value inside a complex one
        "TF_VAR_count_text": SECRET,  # does not convert to a number
        "TF_VAR_plain": SECRET.upper(),
        "TF_VAR_tags": f'[missing_function("{SECRET}")]',  # an unknown whose text would be the value
    }
    output = _scan(tree, env, "--format", fmt)
    for value in (SECRET, NESTED, NESTED.upper(), SECRET.upper()):
        assert value not in output
    if fmt == "json":
        messages = " ".join(f["message"] for f in json.loads(output)["findings"])
        assert "$TF_VAR_cfg" in messages  # the variable's name instead


def test_an_internal_error_on_the_command_line_names_only_the_exception_type(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from fleetiac.analyzer import engine

    private = str(tmp_path / "home" / "runner" / "secret-place")

    def crash(*_args: object, **_kwargs: object) -> None:
        raise OSError(13, "Permission denied", private)

    monkeypatch.setattr(engine, "scan", crash)
    tree = tmp_path / "tree"
    tree.mkdir()
    done = CliRunner().invoke(main, ["scan", str(tree)])
    assert done.exit_code == 2
    assert "internal error: PermissionError" in done.output
    assert private not in done.output and "Errno" not in done.output


def test_an_unreadable_folder_is_named_relative_to_the_root_without_the_error_text(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    tree = tmp_path / "tree"
    (tree / "locked").mkdir(parents=True)
    (tree / "main.tf").write_text('resource "azurerm_resource_group" "rg" {\n  name = "rg"\n  location = "x"\n}\n')
    real_scandir = os.scandir

    def scandir(path: object) -> object:
        if str(path).endswith("locked"):
            raise OSError(f"[Errno 13] denied: {path}")  # no strerror: only the text, with the path
        return real_scandir(path)  # type: ignore[call-overload]

    monkeypatch.setattr(os, "scandir", scandir)
    done = CliRunner().invoke(main, ["scan", str(tree), "-f", "json", "--no-cache", "--fail-on", "never"])
    assert done.exit_code == 0, done.output
    messages = [f["message"] for f in json.loads(done.output)["findings"] if f["rule_id"] == "FIAC901"]
    assert messages == ["cannot read folder: OSError; its files are not analysed"]
    assert str(tmp_path) not in " ".join(messages)
