"""The Terraform evaluator: exact values for expressions, variables in precedence order, instances
and modules. Each test writes a few lines of HCL; nothing here needs the rules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fleetiac.analyzer.discovery import discover
from fleetiac.analyzer.frontends.base import ScanInputs
from fleetiac.analyzer.frontends.terraform import analyse_terraform, root_folders
from fleetiac.analyzer.frontends.terraform.evaluate import Frame, Module
from fleetiac.analyzer.frontends.terraform.syntax import parse_text
from fleetiac.analyzer.model import Resource
from fleetiac.analyzer.values import ResourceRef, Unknown


def module_of(text: str, variables: dict[str, Any] | None = None) -> Module:
    return Module("", [parse_text(text, "main.tf")], dict(variables or {}), key_prefix=".:")


def value(expr: str, prelude: str = "", variables: dict[str, Any] | None = None) -> Any:
    """The value of ``expr`` as a local, evaluated with ``prelude`` in the same module."""
    module = module_of(f"{prelude}\nlocals {{\n  probe = {expr}\n}}\n", variables)
    return module.local("probe")


@pytest.mark.parametrize(("expr", "expected"), [
    ('format("%s-%03d", "aks", 7)', "aks-007"),
    ('lower("AKS")', "aks"),
    ('upper("aks")', "AKS"),
    ('title("ring zero")', "Ring Zero"),
    ('replace("a-b-c", "-", "_")', "a_b_c"),
    ('split(",", "a,b")', ["a", "b"]),
    ('join("-", ["a", "b"])', "a-b"),
    ('trimspace("  x ")', "x"),
    ('substr("westeurope", 0, 4)', "west"),
    ('startswith("aks-weu", "aks")', True),
    ('endswith("aks-weu", "neu")', False),
    ("concat([1], [2, 3])", [1, 2, 3]),
    ('merge({ a = 1 }, { a = 2, b = 3 })', {"a": 2, "b": 3}),
    ("flatten([[1], [2, [3]]])", [1, 2, 3]),
    ("distinct([1, 2, 1])", [1, 2]),
    ("keys({ b = 1, a = 2 })", ["a", "b"]),
    ("values({ b = 1, a = 2 })", [2, 1]),
    ('lookup({ a = 1 }, "b", 0)', 0),
    ('contains(["a"], "a")', True),
    ('length("four")', 4),
    ("element([1, 2, 3], 4)", 2),
    ("one([])", None),
    ('coalesce("", "x")', "x"),
    ("coalescelist([], [1])", [1]),
    ('zipmap(["a", "b"], [1, 2])', {"a": 1, "b": 2}),
    ('tomap({ a = "x" })', {"a": "x"}),
    ("tolist([1])", [1]),
    ('toset(["b", "a", "b"])', ["a", "b"]),
    ("tostring(5)", "5"),
    ('tonumber("5")', 5),
    ('jsonencode({ b = [1, true], a = null })', '{"a":null,"b":[1,true]}'),
    ('jsondecode("{\\"a\\": [1]}")', {"a": [1]}),
    ('yamldecode("a: 1\\nb: [x]")', {"a": 1, "b": ["x"]}),
    ("range(3)", [0, 1, 2]),
    ("min(3, 1, 2)", 1),
    ("max(3, 1, 2)", 3),
])
def test_functions(expr: str, expected: Any) -> None:
    assert value(expr) == expected


@pytest.mark.parametrize(("expr", "expected"), [
    ('[for k, v in { a = 1, b = 2 } : "${k}=${v}" if v > 1]', ["b=2"]),
    ('{ for s in ["x", "y"] : s => upper(s) }', {"x": "X", "y": "Y"}),
    ('{ for s in ["a", "b", "a"] : s => s... }', {"a": ["a", "a"], "b": ["b"]}),
    ('[{ n = "a" }, { n = "b" }][*].n', ["a", "b"]),
    ('{ x = { y = ["p", "q"] } }.x.y[1]', "q"),
    ('true ? "yes" : "no"', "yes"),
    ('try({ a = 1 }.b, "fallback")', "fallback"),
    ("can({ a = 1 }.b)", False),
    ("1 + 2 * 3", 7),
])
def test_expressions(expr: str, expected: Any) -> None:
    assert value(expr) == expected


def test_templates_and_heredocs() -> None:
    prelude = 'variable "env" {\n  default = "prod"\n}\n'
    assert value('"fleet-${var.env}"', prelude) == "fleet-prod"
    heredoc = "<<-EOT\n    name: ${var.env}\n    ring: 0\n  EOT"
    # The indented form strips the smallest indentation of the content lines.
    assert value(heredoc, prelude) == "name: prod\nring: 0\n"


def test_unknown_in_unknown_out() -> None:
    prelude = 'variable "clusters" {}\n'
    assert value("var.clusters") == Unknown("var.clusters")
    assert value('upper(var.clusters["a"])', prelude) == Unknown('upper(var.clusters["a"])')
    assert value('regex("a+", "aaa")') == Unknown('regex("a+", "aaa")')
    assert value('"%{ if true }x%{ endif }"') == Unknown("<template directive>")
    # A YAML 1.1 boolean (``yes``) is not what Terraform's YAML 1.2 reader gives: unknown.
    assert value('yamldecode("a: yes")') == Unknown('yamldecode("a: yes")')


def test_local_cycle_is_reported_and_unknown() -> None:
    module = module_of("locals {\n  a = local.b\n  b = local.a\n}\n")
    assert module.local("a") == Unknown("local.a")
    assert [p.message for p in module.problems] == ["locals refer to each other in a cycle: a -> b -> a"]


def test_instances_are_addressed_and_referenced() -> None:
    module = module_of("""
variable "clusters" {
  default = { "aks-weu-1" = "ring0", "aks-weu-2" = "ring1" }
}
resource "azurerm_kubernetes_cluster" "member" {
  for_each = var.clusters
  name     = each.key
}
resource "azurerm_kubernetes_fleet_member" "this" {
  for_each              = var.clusters
  kubernetes_cluster_id = azurerm_kubernetes_cluster.member[each.key].id
  group                 = each.value
}
resource "azurerm_subnet" "s" {
  count = 2
  name  = "snet-${count.index}"
}
locals {
  names = azurerm_subnet.s[*].name
}
""")
    members = module.instances("resource", "azurerm_kubernetes_fleet_member", "this")
    assert [m.address for m in members] == ['azurerm_kubernetes_fleet_member.this["aks-weu-1"]',
                                            'azurerm_kubernetes_fleet_member.this["aks-weu-2"]']
    assert module.instance_attribute(members[1], "kubernetes_cluster_id") == ResourceRef(
        '.:azurerm_kubernetes_cluster.member["aks-weu-2"]', "id")
    assert module.instance_attribute(members[1], "group") == "ring1"
    assert module.local("names") == ["snet-0", "snet-1"]


def test_fan_out_over_the_bound_is_reported_not_expanded() -> None:
    module = module_of('resource "azurerm_subnet" "s" {\n  count = 100000\n}\n')
    instances = module.instances("resource", "azurerm_subnet", "s")
    assert [i.address for i in instances] == ["azurerm_subnet.s[*]"]
    assert [p.message for p in module.problems] == [
        "azurerm_subnet.s expands to 100000 instances, more than the 1000 analysed; its instances are unknown"]


def test_dynamic_blocks_expand() -> None:
    module = module_of("""
locals {
  stages = { first = ["a", "b"], second = ["c"] }
}
resource "azurerm_kubernetes_fleet_update_strategy" "s" {
  dynamic "stage" {
    for_each = local.stages
    content {
      name = stage.key
      dynamic "group" {
        for_each = stage.value
        iterator = g
        content {
          name = g.value
        }
      }
    }
  }
}
""")
    block, _ = module.blocks[("resource", "azurerm_kubernetes_fleet_update_strategy", "s")]
    evaluated = module.evaluate_block(block, Frame())
    assert [(st.values["name"], [g.values["name"] for g in st.blocks["group"]]) for st in evaluated.blocks["stage"]] \
        == [("first", ["a", "b"]), ("second", ["c"])]


# -- variables, modules: through the front end ---------------------------------------------------


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def load(root: Path, inputs: ScanInputs | None = None) -> tuple[dict[str, Resource], list[str], Any]:
    _, files = discover([root], root)
    results = analyse_terraform(files, inputs)
    resources = {r.address: r for result in results for r in result.resources}
    diagnostics = [f"{d.location.path}:{d.location.line} {d.message}" for result in results
                   for d in result.diagnostics]
    return resources, diagnostics, [notice for result in results for notice in result.notices]


VARIABLES_TF = """
variable "group" {}
variable "wait" {
  type    = number
  default = 1
}
variable "rings" {
  type    = list(string)
  default = []
}
resource "azurerm_kubernetes_fleet_member" "m" {
  group = var.group
  name  = "m-${var.wait}-${length(var.rings)}"
}
"""


def member(resources: dict[str, Resource]) -> tuple[Any, Any]:
    m = resources["azurerm_kubernetes_fleet_member.m"]
    return m.props.group, m.name


def test_variable_precedence(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": VARIABLES_TF})
    assert member(load(tmp_path)[0]) == (Unknown("var.group"), "m-1-0")
    environ = {"TF_VAR_group": "env", "TF_VAR_wait": "2"}
    assert member(load(tmp_path, ScanInputs(environ=environ))[0]) == ("env", "m-2-0")
    # Without --env-vars the environment is not read.
    assert member(load(tmp_path, ScanInputs())[0])[0] == Unknown("var.group")
    write(tmp_path, {"terraform.tfvars": 'group = "tfvars"\nwait = 3\n',
                     "terraform.tfvars.json": '{"group": "json"}',
                     "b.auto.tfvars": 'group = "auto-b"\n', "a.auto.tfvars.json": '{"group": "auto-a", "wait": "4"}'})
    assert member(load(tmp_path, ScanInputs(environ=environ))[0]) == ("auto-b", "m-4-0")
    (tmp_path / "extra.tfvars").write_text('group = "file"\n', encoding="utf-8")
    var_file = tmp_path / "extra.tfvars"
    assert member(load(tmp_path, ScanInputs(var_files=(var_file,)))[0]) == ("file", "m-4-0")
    cli = (("group", "cli"), ("wait", "5"), ("rings", '["a", "b"]'))
    assert member(load(tmp_path, ScanInputs(var_files=(var_file,), variables=cli))[0]) == ("cli", "m-5-2")


MODULE_TF = """
variable "clusters" {}
resource "azurerm_kubernetes_fleet_manager" "this" {
  name = "fleet"
}
resource "azurerm_kubernetes_fleet_member" "this" {
  for_each            = var.clusters
  kubernetes_fleet_id = azurerm_kubernetes_fleet_manager.this.id
  group               = each.value
}
output "fleet" {
  value = azurerm_kubernetes_fleet_manager.this
}
output "groups" {
  value = [for k in keys(var.clusters) : var.clusters[k]]
}
"""


def test_modules_inputs_outputs_and_addresses(tmp_path: Path) -> None:
    write(tmp_path, {
        "live/main.tf": """
module "fleet" {
  source   = "../modules/fleet"
  clusters = { a = "ring0", b = "ring1" }
}
module "env" {
  source   = "../modules/fleet"
  for_each = { dev = "ring-dev" }
  clusters = { x = each.value }
}
resource "azurerm_kubernetes_fleet_update_strategy" "s" {
  kubernetes_fleet_manager_id = module.fleet.fleet.id
  stage {
    name = join("-", module.fleet.groups)
  }
}
""",
        "modules/fleet/main.tf": MODULE_TF,
    })
    resources, diagnostics, _ = load(tmp_path)
    assert diagnostics == []
    assert sorted(resources) == [
        'azurerm_kubernetes_fleet_update_strategy.s',
        'module.env["dev"].azurerm_kubernetes_fleet_manager.this',
        'module.env["dev"].azurerm_kubernetes_fleet_member.this["x"]',
        "module.fleet.azurerm_kubernetes_fleet_manager.this",
        'module.fleet.azurerm_kubernetes_fleet_member.this["a"]',
        'module.fleet.azurerm_kubernetes_fleet_member.this["b"]',
    ]
    strategy = resources["azurerm_kubernetes_fleet_update_strategy.s"]
    assert strategy.props.fleet == ResourceRef("live:module.fleet.azurerm_kubernetes_fleet_manager.this")
    assert strategy.props.stages[0].name == "ring0-ring1"
    member_b = resources['module.fleet.azurerm_kubernetes_fleet_member.this["b"]']
    assert (member_b.key, member_b.props.group, member_b.location.path, member_b.location.line) == (
        'live:module.fleet.azurerm_kubernetes_fleet_member.this["b"]', "ring1", "modules/fleet/main.tf", 6)
    assert resources['module.env["dev"].azurerm_kubernetes_fleet_member.this["x"]'].props.group == "ring-dev"


def test_called_folder_is_not_a_root() -> None:
    parsed = {d: [parse_text(t, f"{d}/main.tf")] for d, t in {
        "live": 'module "a" {\n  source = "../mod"\n}\n',
        "mod": 'module "b" {\n  source = "./inner"\n}\n',
        "mod/inner": "",
        "loop1": 'module "x" {\n  source = "../loop2"\n}\n',
        "loop2": 'module "y" {\n  source = "../loop1"\n}\n',
    }.items()}
    assert root_folders(parsed) == ["live", "loop1"]


def test_module_cycles_registry_and_downloaded_copies(tmp_path: Path) -> None:
    write(tmp_path, {
        "main.tf": """
module "self" {
  source = "./"
}
module "registry" {
  source  = "Azure/avm-res-containerservice-fleet/azurerm"
  version = "0.1.0"
}
module "gone" {
  source = "git::https://example.invalid/fleet.git"
}
resource "azurerm_kubernetes_fleet_member" "m" {
  group = module.gone.group
  name  = module.registry.name
}
""",
        ".terraform/modules/modules.json": '{"Modules": [{"Key": "", "Source": "", "Dir": "."}, '
                                           '{"Key": "registry", "Source": "x", "Dir": ".terraform/modules/registry"}]}',
        ".terraform/modules/registry/main.tf": 'output "name" {\n  value = "from-download"\n}\n'
                                               'resource "azurerm_kubernetes_fleet_manager" "f" {\n  name = "f"\n}\n',
    })
    resources, diagnostics, notices = load(tmp_path)
    assert diagnostics == ["main.tf:2 module.self calls a module that calls itself: . -> .; it is not analysed"]
    assert notices == ['module.gone (main.tf:9, source "git::https://example.invalid/fleet.git") was not analysed: '
                       "not downloaded (run terraform init to analyse it); its resources are not checked and its "
                       "outputs are unknown"]
    m = resources["azurerm_kubernetes_fleet_member.m"]
    assert (m.props.group, m.name) == (Unknown("module.gone.group"), "from-download")
    f = resources["module.registry.azurerm_kubernetes_fleet_manager.f"]
    assert f.location.path == ".terraform/modules/registry/main.tf"


def test_data_sources(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": """
data "azurerm_client_config" "me" {}
data "azurerm_role_definition" "user" {
  name = "Azure Kubernetes Service Cluster User Role"
}
data "azurerm_kubernetes_cluster" "old" {
  name                = "aks-old"
  resource_group_name = "rg"
}
resource "azurerm_role_assignment" "a" {
  principal_id       = data.azurerm_client_config.me.object_id
  role_definition_id = data.azurerm_role_definition.user.id
  scope              = data.azurerm_kubernetes_cluster.old.id
}
"""})
    resources, _, _ = load(tmp_path)
    assignment = resources["azurerm_role_assignment.a"]
    assert assignment.props.principal == Unknown("data.azurerm_client_config.current.object_id")
    assert assignment.props.role == ("/providers/Microsoft.Authorization/roleDefinitions/"
                                        "4abbcc35-e782-43d8-92c5-2d3f1bd2253f")
    assert assignment.props.scope == ResourceRef(".:data.azurerm_kubernetes_cluster.old")
    old = resources["data.azurerm_kubernetes_cluster.old"]
    assert old.props.kubernetes_version == Unknown("data.azurerm_kubernetes_cluster.old.kubernetes_version")


STRATEGY_TF = """
locals {
  rg = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg"
}
variable "group" {
  type = string
}
resource "azurerm_kubernetes_fleet_manager" "fleet" {
  name                = "fleet"
  resource_group_name = "rg"
}
resource "azurerm_kubernetes_fleet_update_strategy" "s" {
  name                        = "s"
  kubernetes_fleet_manager_id = azurerm_kubernetes_fleet_manager.fleet.id
  stage {
    name = "first"
    group {
      name = "ring0"
    }
  }
}
resource "azurerm_kubernetes_fleet_member" "m" {
  name                  = "m"
  kubernetes_fleet_id   = azurerm_kubernetes_fleet_manager.fleet.id
  kubernetes_cluster_id = "${local.rg}/providers/Microsoft.ContainerService/managedClusters/m"
  group                 = var.group
}
"""


def test_cli_variable_options(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from fleetiac.analyzer.cli import main

    write(tmp_path, {"main.tf": STRATEGY_TF, "other.tfvars": 'group = "ring9"\n'})
    base = ["scan", str(tmp_path), "--select", "FIAC201", "--as-of", "2026-11-23", "--format", "json"]
    runner = CliRunner()

    def found(*extra: str) -> list[str]:
        import json

        result = runner.invoke(main, [*base, *extra])
        assert result.exit_code in (0, 1), result.output
        return [f["resource"] for f in json.loads(result.output)["findings"]]

    member = "azurerm_kubernetes_fleet_member.m"
    assert found() == []  # var.group is unknown
    assert found("--var-file", str(tmp_path / "other.tfvars")) == [member]
    assert found("--var-file", str(tmp_path / "other.tfvars"), "--var", "group=ring0") == []
    monkeypatch.setenv("TF_VAR_group", "ring7")
    assert found() == []
    assert found("--env-vars") == [member]
    bad = runner.invoke(main, [*base, "--var", "no-equals-sign"])
    assert bad.exit_code == 2 and "NAME=VALUE" in bad.output
