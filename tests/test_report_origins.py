"""Which ``.bicepparam`` file gave a Bicep finding, and the "set here" frame where the offending value
was set on another line (issue 17, "The text report"): a parameter file's line, a tfvars line, a
variable's default, a local, a module argument. An origin that is not certain gives no frame."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from fleetiac.analyzer.baseline import key
from fleetiac.analyzer.engine import ScanOptions, scan
from fleetiac.analyzer.model import Finding, Level, Location, Report
from fleetiac.analyzer.reporters import render
from fleetiac.analyzer.reporters.json import document as json_document
from fleetiac.analyzer.reporters.sarif import document as sarif_document


def _write(root: Path, files: dict[str, str]) -> None:
    (root / ".git").mkdir()
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _scan(root: Path, select: str = "FIAC504") -> Report:
    return scan([root], ScanOptions(select=(select,), as_of=date(2026, 11, 23), cache=False, snippets=True))


TEMPLATE = """\
param fleetName string
param group string = 'canary'

resource fleet 'Microsoft.ContainerService/fleets@2025-03-01' = {
  name: fleetName
  location: 'westeurope'
}

resource member 'Microsoft.ContainerService/fleets/members@2025-03-01' = {
  parent: fleet
  name: 'm1'
  properties: {
    clusterResourceId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/a'
    group: group
  }
}
"""


def test_a_bicep_finding_names_its_parameter_file_and_where_it_set_the_value(tmp_path: Path) -> None:
    _write(tmp_path, {
        "main.bicep": TEMPLATE,
        "dev.bicepparam": "using 'main.bicep'\n\nparam fleetName = 'fleet-dev'\n",
        "prod.bicepparam": "using 'main.bicep'\n\n// upper case\nparam fleetName = 'Fleet-Prod'\n",
    })
    report = _scan(tmp_path)
    assert [(f.rule_id, f.location.path, f.location.line, f.param_files, f.origins) for f in report.findings] == [
        ("FIAC504", "main.bicep", 5, ("prod.bicepparam",), (Location("prod.bicepparam", 4, 7),))]
    text = render(report, "text")
    assert "  set here (prod.bicepparam:4:7)\n" in text
    assert "4 | param fleetName = 'Fleet-Prod'\n" in text
    assert "  note: with parameter file prod.bicepparam\n" in text
    assert json_document(report)["findings"][0]["param_files"] == ["prod.bicepparam"]
    result = sarif_document(report)["runs"][0]["results"][0]
    assert result["properties"]["parameterFiles"] == ["prod.bicepparam"]
    assert [(r["message"]["text"], r["physicalLocation"]["region"]["startLine"])
            for r in result["relatedLocations"]] == [("set here", 4)]


def test_the_same_finding_from_two_parameter_files_is_one_naming_both(tmp_path: Path) -> None:
    _write(tmp_path, {
        "main.bicep": TEMPLATE,
        "params/dev.bicepparam": "using '../main.bicep'\n\nparam fleetName = 'f'\nparam group = 'Canary'\n",
        "params/prod.bicepparam": "using '../main.bicep'\n\nparam fleetName = 'f'\n\nparam group = 'Canary'\n",
    })
    report = _scan(tmp_path)
    assert [(f.rule_id, f.location.path, f.location.line, f.param_files, f.origins) for f in report.findings] == [
        ("FIAC504", "main.bicep", 14, ("params/dev.bicepparam", "params/prod.bicepparam"),
         (Location("params/dev.bicepparam", 4, 7), Location("params/prod.bicepparam", 5, 7)))]
    text = render(report, "text")
    assert text.count("ERROR FIAC504") == 1
    assert "  note: with parameter files params/dev.bicepparam, params/prod.bicepparam\n" in text
    assert "  set here (params/dev.bicepparam:4:7)\n" in text and "  set here (params/prod.bicepparam:5:7)\n" in text


def test_a_default_of_the_template_is_set_there_and_a_literal_has_no_second_frame(tmp_path: Path) -> None:
    _write(tmp_path, {"main.bicep": TEMPLATE.replace("'canary'", "'Canary'").replace(
        "param fleetName string", "param fleetName string = 'fleet_1'")})
    report = _scan(tmp_path)
    found = sorted((f.location.line, f.param_files, f.origins) for f in report.findings)
    # `name: fleetName` takes the default of line 1; `group: group` the default of line 2.
    assert found == [(5, (), (Location("main.bicep", 1, 26),)), (14, (), (Location("main.bicep", 2, 22),))]
    _write_literal = TEMPLATE.replace("name: fleetName", "name: 'Fleet_1'")
    (tmp_path / "main.bicep").write_text(_write_literal, encoding="utf-8")
    report = _scan(tmp_path)
    assert [(f.location.line, f.origins) for f in report.findings] == [(5, ())]
    assert "set here" not in render(report, "text")


def test_a_module_argument_is_where_a_module_s_parameter_is_set(tmp_path: Path) -> None:
    _write(tmp_path, {
        "main.bicep": "module fleet 'fleet.bicep' = {\n  name: 'f'\n  params: {\n    fleetName: 'Bad_Name'\n  }\n}\n",
        "fleet.bicep": TEMPLATE.split("\nresource member")[0],
    })
    report = _scan(tmp_path)
    assert [(f.location.path, f.location.line, f.origins) for f in report.findings] == [
        ("fleet.bicep", 5, (Location("main.bicep", 4, 5),))]


TERRAFORM = """\
variable "group" {
  type    = string
  default = "Canary"
}

variable "fleet_name" {
  type = string
}

locals {
  members = {
    a = { group = "Early" }
  }
}

resource "azurerm_kubernetes_fleet_manager" "fleet" {
  name                = var.fleet_name
  location            = "westeurope"
  resource_group_name = "rg"
}

resource "azurerm_kubernetes_fleet_member" "default" {
  name                  = "default"
  kubernetes_fleet_id   = azurerm_kubernetes_fleet_manager.fleet.id
  kubernetes_cluster_id = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/a"
  group                 = var.group
}

resource "azurerm_kubernetes_fleet_member" "each" {
  for_each              = local.members
  name                  = each.key
  kubernetes_fleet_id   = azurerm_kubernetes_fleet_manager.fleet.id
  kubernetes_cluster_id = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/b"
  group                 = each.value.group
}

resource "azurerm_kubernetes_fleet_member" "computed" {
  name                  = "computed"
  kubernetes_fleet_id   = azurerm_kubernetes_fleet_manager.fleet.id
  kubernetes_cluster_id = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c"
  group                 = upper(local.members.a.group)
}
"""


def test_terraform_values_set_in_a_default_a_tfvars_file_and_a_for_each_local(tmp_path: Path) -> None:
    _write(tmp_path, {"main.tf": TERRAFORM, "terraform.tfvars": "# the fleet\nfleet_name = \"Fleet_1\"\n"})
    report = _scan(tmp_path)
    assert sorted((f.resource, f.location.line, f.origins) for f in report.findings) == [
        ("azurerm_kubernetes_fleet_manager.fleet", 17, (Location("terraform.tfvars", 2, 1, 2, 23),)),
        # a value a function computes on the finding's own line: no second frame
        ("azurerm_kubernetes_fleet_member.computed", 41, ()),
        ("azurerm_kubernetes_fleet_member.default", 26, (Location("main.tf", 3, 3, 3, 21),)),
        ('azurerm_kubernetes_fleet_member.each["a"]', 34, (Location("main.tf", 12, 11, 12, 26),)),
    ]
    assert all(f.param_files == () for f in report.findings)
    text = render(report, "text")
    assert "  set here (terraform.tfvars:2:1)\n" in text and "2 | fleet_name = \"Fleet_1\"\n" in text


def test_a_module_input_and_a_var_option_in_terraform(tmp_path: Path) -> None:
    module = TERRAFORM.split("\nresource \"azurerm_kubernetes_fleet_member\" \"default\"")[0]
    _write(tmp_path, {
        "root/main.tf": 'module "fleet" {\n  source     = "../fleet"\n  fleet_name = "Fleet_2"\n}\n',
        "fleet/main.tf": module,
    })
    report = _scan(tmp_path)
    assert [(f.location.path, f.location.line, f.origins) for f in report.findings] == [
        ("fleet/main.tf", 17, (Location("root/main.tf", 3, 3, 3, 25),))]
    # A value given on the command line is set nowhere a report can show.
    _write_var = scan([tmp_path / "fleet"], ScanOptions(select=("FIAC504",), as_of=date(2026, 11, 23), cache=False,
                                                        variables=(("fleet_name", "Fleet_3"),)))
    assert [(f.location.line, f.origins) for f in _write_var.findings] == [(17, ())]


def test_parameter_files_and_origins_never_change_identity_fingerprint_or_baseline_key() -> None:
    plain = Finding("FIAC504", Level.ERROR, "bad name", Location("main.bicep", 5, 3), "fleet")
    named = Finding("FIAC504", Level.ERROR, "bad name", Location("main.bicep", 5, 3), "fleet",
                    param_files=("dev.bicepparam",), origins=(Location("dev.bicepparam", 3, 7),))
    assert plain == named and hash(plain) == hash(named)
    assert plain.fingerprint == named.fingerprint and key(plain) == key(named)
