"""Nothing outside the scanned root is read (issue 18, item 5).

The scanned root is the report root: the git root above the first scanned path (else that path's
folder). A module folder a ``../`` source, a ``modules.json`` entry or a symbolic link leads out of
it is not read: the call is a notice and its outputs are unknown. A ``var-files`` entry of a
configuration file in the tree that leads out is an error; ``--var-file`` on the command line is the
user's own choice and may name any file. Each tree here holds a secret outside the repository that
no report may show.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.ci_helpers import AS_OF, git_repo, member_tf, run

SECRET = "SECRET-OUTSIDE-THE-ROOT"
OUTSIDE_TF = (f'output "name" {{\n  value = "{SECRET}"\n}}\n'
              'resource "azurerm_kubernetes_fleet_member" "outside" {\n'
              f'  name = "{SECRET}"\n  kubernetes_fleet_id = "x"\n'
              '  kubernetes_cluster_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/'
              'providers/Microsoft.ContainerService/managedClusters/aks"\n}\n')
USES_OUTPUT = '''
resource "azurerm_kubernetes_fleet_manager" "fleet" {
  name                = module.m.name
  location            = "westeurope"
  resource_group_name = "rg-fleet"
}
'''


def _repo(tmp_path: Path) -> tuple[Path, Path]:
    """A repository with ``infra`` (the folder scanned) and a folder outside it holding a module."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "main.tf").write_text(OUTSIDE_TF)
    repo = git_repo(tmp_path / "repo")
    (repo / "infra").mkdir()
    return repo, outside


def _scan(*args: str) -> tuple[int, dict[str, Any], str]:
    result = run("scan", *args, "--format", "json", "--select", "FIAC203,FIAC901", "--no-cache", *AS_OF)
    return result.exit_code, json.loads(result.stdout), result.output


def _call(source: str, name: str = "m") -> str:
    return f'module "{name}" {{\n  source = "{source}"\n}}\n'


def test_a_module_in_the_repository_outside_the_scanned_folder_is_read(tmp_path: Path) -> None:
    repo, _ = _repo(tmp_path)
    (repo / "modules" / "fleet").mkdir(parents=True)
    (repo / "modules" / "fleet" / "main.tf").write_text(member_tf())
    (repo / "infra" / "main.tf").write_text(_call("../modules/fleet"))
    code, doc, _ = _scan(str(repo / "infra"))
    assert code == 0 and doc["notices"] == []
    assert [(f["rule_id"], f["path"], f["resource"]) for f in doc["findings"]] == [
        ("FIAC203", "modules/fleet/main.tf", "module.m.azurerm_kubernetes_fleet_member.west")]


def test_a_module_outside_the_repository_is_not_read(tmp_path: Path) -> None:
    repo, _ = _repo(tmp_path)
    (repo / "infra" / "main.tf").write_text(_call("../../outside") + USES_OUTPUT)
    code, doc, output = _scan(str(repo / "infra"), "--show-unknown", "--select", "FIAC902")
    assert code == 0 and SECRET not in output
    assert doc["notices"] == [
        'module.m (infra/main.tf:1, source "../../outside") was not analysed: folder ../outside is outside the '
        "scanned root, so it was not read; its resources are not checked and its outputs are unknown"]


def test_without_git_the_scanned_root_is_the_first_paths_folder(tmp_path: Path) -> None:
    _, outside = _repo(tmp_path)
    live = tmp_path / "live"
    live.mkdir()
    (live / "main.tf").write_text(_call("../outside"))
    _, doc, output = _scan(str(live))
    assert SECRET not in output
    assert [n.split(": ", 1)[1] for n in doc["notices"]] == [
        "folder ../outside is outside the scanned root, so it was not read; its resources are not checked "
        "and its outputs are unknown"]
    # Both folders named on the command line: the user's own choice, so the module is read.
    _, doc, output = _scan(str(live), str(outside))
    assert doc["notices"] == [] and SECRET in output


def test_modules_json_entries_that_lead_outside_are_not_read(tmp_path: Path) -> None:
    repo, outside = _repo(tmp_path)
    (repo / "infra" / "main.tf").write_text(_call("example/abs/azurerm", "abs") + _call("example/up/azurerm", "up"))
    manifest = repo / "infra" / ".terraform" / "modules" / "modules.json"
    manifest.parent.mkdir(parents=True)
    manifest.write_text(json.dumps({"Modules": [
        {"Key": "abs", "Source": "example/abs/azurerm", "Dir": outside.as_posix()},
        {"Key": "up", "Source": "example/up/azurerm", "Dir": "../../outside"}]}))
    _, doc, output = _scan(str(repo / "infra"))
    assert SECRET not in output and outside.as_posix() not in output
    assert [n.split(": ", 1)[1] for n in doc["notices"]] == [
        "its folder is an absolute path outside the scanned root, so it was not read; its resources are not "
        "checked and its outputs are unknown",
        "folder ../outside is outside the scanned root, so it was not read; its resources are not checked "
        "and its outputs are unknown"]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_symbolic_links_out_of_the_root_are_not_followed(tmp_path: Path) -> None:
    repo, outside = _repo(tmp_path)
    (repo / "modules").mkdir()
    (repo / "modules" / "linked").symlink_to(outside, target_is_directory=True)  # a folder link
    (repo / "modules" / "mixed").mkdir()
    (repo / "modules" / "mixed" / "main.tf").write_text(member_tf())
    (repo / "modules" / "mixed" / "leak.tf").symlink_to(outside / "main.tf")  # a file link
    (repo / "infra" / "main.tf").write_text(_call("../modules/linked") + _call("../modules/mixed", "mixed"))
    (repo / "infra" / ".terraform").symlink_to(outside, target_is_directory=True)  # a manifest link
    (outside / "modules").mkdir()
    (outside / "modules" / "modules.json").write_text('{"Modules": []}')
    _, doc, output = _scan(str(repo / "infra"))
    assert SECRET not in output
    assert doc["notices"] == [
        'module.m (infra/main.tf:1, source "../modules/linked") was not analysed: folder modules/linked leads '
        "outside the scanned root through a symbolic link, so it was not read; its resources are not checked "
        "and its outputs are unknown"]
    assert sorted((f["rule_id"], f["path"], f["message"]) for f in doc["findings"] if f["rule_id"] == "FIAC901") == [
        ("FIAC901", "infra/.terraform/modules/modules.json", "a symbolic link to outside the scanned root; not read "
                                                             "(downloaded modules are not analysed)"),
        ("FIAC901", "modules/mixed/leak.tf", "a symbolic link to a file outside the scanned root; not read")]
    assert ("FIAC203", "modules/mixed/main.tf") in [(f["rule_id"], f["path"]) for f in doc["findings"]]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_the_unit_cache_sees_a_link_out_replaced_by_a_folder(tmp_path: Path) -> None:
    repo, outside = _repo(tmp_path)
    (repo / "modules").mkdir()
    link = repo / "modules" / "fleet"
    link.symlink_to(outside, target_is_directory=True)
    (repo / "infra" / "main.tf").write_text(_call("../modules/fleet"))

    def scan() -> list[str]:
        result = run("scan", str(repo / "infra"), "--format", "json", "--select", "FIAC203", *AS_OF)
        doc = json.loads(result.stdout)
        return [*doc["notices"], *(f["path"] for f in doc["findings"])]

    assert len(scan()) == 1 and scan() == scan()  # the notice, twice (the second time from the cache)
    link.unlink()
    link.mkdir()
    (link / "main.tf").write_text(member_tf())
    assert scan() == ["modules/fleet/main.tf"]


def test_config_var_files_outside_the_root_are_an_error(tmp_path: Path) -> None:
    repo, outside = _repo(tmp_path)
    (outside / "secret.tfvars").write_text(f'prefix = "{SECRET}"\n')
    (repo / "infra" / "main.tf").write_text('variable "prefix" {}\n'
                                            + member_tf().replace('"aks-west"', "var.prefix"))
    for entry in ((outside / "secret.tfvars").as_posix(), "../../outside/secret.tfvars"):
        (repo / "infra" / ".fleetiac.toml").write_text(f"var-files = [{json.dumps(entry)}]\n")
        for command in (["scan", "--format", "json", *AS_OF], ["config"]):
            result = run(*command, str(repo / "infra"))
            assert result.exit_code == 2 and "Traceback" not in result.output and SECRET not in result.output
            assert (f"var-files entry {entry!r} is outside the scanned root, so it is not read (fleetiac reads "
                    "nothing outside it; name the file with --var-file on the command line to read it)"
                    in result.output)
    # The same file named on the command line is the user's own choice.
    (repo / "infra" / ".fleetiac.toml").unlink()
    _, doc, _ = _scan(str(repo / "infra"), "--var-file", str(outside / "secret.tfvars"))
    assert [f["message"].split(" (")[0] for f in doc["findings"]] == [f"member {SECRET}"]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_config_links_out_of_the_root_are_an_error(tmp_path: Path) -> None:
    repo, outside = _repo(tmp_path)
    (outside / "secret.tfvars").write_text(f'prefix = "{SECRET}"\n')
    (repo / "infra" / "main.tf").write_text(member_tf())
    (repo / "infra" / "vars.tfvars").symlink_to(outside / "secret.tfvars")
    (repo / ".fleetiac.toml").write_text('var-files = ["infra/vars.tfvars"]\n')
    result = run("scan", str(repo / "infra"))
    assert result.exit_code == 2 and "var-files entry 'infra/vars.tfvars' is outside the scanned root" in result.output
    (repo / ".fleetiac.toml").unlink()
    (outside / "pyproject.toml").write_text('[tool.fleetiac]\nfail-on = "never"\n')
    (repo / "pyproject.toml").symlink_to(outside / "pyproject.toml")
    result = run("scan", str(repo / "infra"))
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "pyproject.toml: a symbolic link to outside the scanned root; fleetiac reads nothing outside it" \
        in result.output
