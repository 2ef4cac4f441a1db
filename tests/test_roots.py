"""Which code is evaluated as a root: a module that other code calls is evaluated on its own as well,
so a caller that never deploys it (``count = 0``, ``for_each = {}``, ``if (false)``, a cycle) cannot
hide its findings; and a declaration its callers evaluate is reported once, through them."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from fleetiac.analyzer.engine import ScanOptions, scan
from fleetiac.analyzer.model import Finding

ROOT = Path(__file__).resolve().parents[1]
AS_OF = date(2025, 6, 1)

FLEET_TF = '''resource "azurerm_kubernetes_fleet_manager" "fleet" {
  name                = "Bad_Name"
  location            = "westeurope"
  resource_group_name = "rg-fleet"
}
'''

FLEET_BICEP = '''resource fleet 'Microsoft.ContainerService/fleets@2025-03-01' = {
  name: 'Bad_Name'
  location: 'westeurope'
}
'''


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def findings(root: Path) -> list[Finding]:
    report = scan([root], ScanOptions(as_of=AS_OF, cache=False, workers=1))
    assert not report.internal_errors
    return report.findings


def places(found: list[Finding]) -> list[tuple[str, str, int]]:
    return sorted((f.rule_id, f.location.path, f.location.line) for f in found)


@pytest.mark.parametrize("meta", ["count = 0", "for_each = {}", "count = length([])"])
def test_terraform_wrapper_that_never_deploys_the_real_root_hides_nothing(tmp_path: Path, meta: str) -> None:
    alone = tmp_path / "alone"
    shutil.copytree(ROOT / "examples" / "platform" / "fleet", alone / "infra")
    expected = places(findings(alone))
    assert len(expected) >= 9 and all(f[1].startswith("infra/") for f in expected)
    wrapped = tmp_path / "wrapped"
    shutil.copytree(alone, wrapped)
    write(wrapped, {"zz/main.tf": f'module "w" {{\n  source = "../infra"\n  {meta}\n}}\n'})
    found = findings(wrapped)
    assert places(found) == expected
    assert all(not f.resource.startswith("module.") for f in found)  # from infra evaluated as its own root


def test_terraform_module_reported_once_through_its_caller(tmp_path: Path) -> None:
    write(tmp_path, {
        "live/main.tf": 'module "fleet" {\n  source = "../modules/fleet"\n}\n',
        "modules/fleet/main.tf": FLEET_TF,
    })
    found = [f for f in findings(tmp_path) if f.rule_id == "FIAC504"]
    assert [(f.location.path, f.location.line, f.resource) for f in found] == [
        ("modules/fleet/main.tf", 2, "module.fleet.azurerm_kubernetes_fleet_manager.fleet")]


def test_terraform_module_resource_no_caller_creates_is_checked_once(tmp_path: Path) -> None:
    """A caller that turns one resource of a module off: that resource is checked on its own, the
    others through the caller, each once."""
    module = FLEET_TF + FLEET_TF.replace('"fleet" {', '"spare" {\n  count               = var.spare ? 1 : 0') \
        .replace("Bad_Name", "Spare_Name") + 'variable "spare" {\n  type = bool\n}\n'
    write(tmp_path, {
        "live/main.tf": 'module "fleet" {\n  source = "../modules/fleet"\n  spare  = false\n}\n',
        "modules/fleet/main.tf": module,
    })
    found = [f for f in findings(tmp_path) if f.rule_id == "FIAC504"]
    assert sorted((f.location.line, f.resource) for f in found) == [
        (2, "module.fleet.azurerm_kubernetes_fleet_manager.fleet"),
        (8, "azurerm_kubernetes_fleet_manager.spare[*]"),
    ]


def test_terraform_module_cycle_reports_each_folder_once(tmp_path: Path) -> None:
    write(tmp_path, {
        "a/main.tf": 'module "b" {\n  source = "../b"\n}\n' + FLEET_TF,
        "b/main.tf": 'module "a" {\n  source = "../a"\n}\n' + FLEET_TF.replace("Bad_Name", "Other_Name"),
    })
    found = findings(tmp_path)
    assert sorted((f.location.path, f.location.line) for f in found if f.rule_id == "FIAC504") == [
        ("a/main.tf", 5), ("b/main.tf", 5)]
    assert any(f.rule_id == "FIAC901" and "calls itself" in f.message for f in found)


@pytest.mark.parametrize("condition", ["if (false)", "[for i in range(0, 0): ]"])
def test_bicep_wrapper_that_never_deploys_the_template_hides_nothing(tmp_path: Path, condition: str) -> None:
    write(tmp_path, {"main.bicep": FLEET_BICEP})
    expected = places(findings(tmp_path))
    assert ("FIAC504", "main.bicep", 2) in expected
    body = "{\n  name: 'w'\n}" if condition.startswith("if") else "{\n  name: 'w${i}'\n}]"
    write(tmp_path, {"zz.bicep": f"module w 'main.bicep' = {condition.removesuffix(']')} {body}\n"})
    assert places(findings(tmp_path)) == expected


def test_bicep_module_reported_once_through_its_caller(tmp_path: Path) -> None:
    write(tmp_path, {"main.bicep": "module fleet 'modules/fleet.bicep' = {\n  name: 'fleet'\n}\n",
                     "modules/fleet.bicep": FLEET_BICEP})
    found = [f for f in findings(tmp_path) if f.rule_id == "FIAC504"]
    assert [(f.location.path, f.location.line, f.resource) for f in found] == [
        ("modules/fleet.bicep", 2, "fleet/fleet")]


def test_bicep_module_cycle_is_reported_and_both_templates_are_checked(tmp_path: Path) -> None:
    write(tmp_path, {
        "a.bicep": FLEET_BICEP + "module b 'b.bicep' = {\n  name: 'b'\n}\n",
        "b.bicep": FLEET_BICEP.replace("Bad_Name", "Other_Name") + "module a 'a.bicep' = {\n  name: 'a'\n}\n",
    })
    found = findings(tmp_path)
    assert sorted((f.location.path, f.location.line) for f in found if f.rule_id == "FIAC504") == [
        ("a.bicep", 2), ("b.bicep", 2)]
    cycles = sorted((f.location.path, f.location.line, f.message) for f in found if f.rule_id == "FIAC901")
    assert cycles and all("calls a module that calls itself" in m and "it is not analysed" in m for *_, m in cycles)
    assert ("b.bicep", 5, "module b/a calls a module that calls itself: a.bicep -> b.bicep -> a.bicep; "
            "it is not analysed") in cycles


def test_bicep_self_call_is_a_cycle_not_sixteen_copies(tmp_path: Path) -> None:
    write(tmp_path, {"main.bicep": FLEET_BICEP.replace("Bad_Name", "fleet")
                     + "module again 'main.bicep' = {\n  name: 'again'\n}\n"})
    found = findings(tmp_path)
    assert [(f.rule_id, f.location.line, f.message) for f in found] == [
        ("FIAC901", 5, "module again calls a module that calls itself: main.bicep -> main.bicep; it is not analysed")]
