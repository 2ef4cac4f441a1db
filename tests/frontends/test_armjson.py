"""The ARM JSON front end: which JSON it reads, positions, the template expression language, loops,
nested and linked deployments, parameter files, and what stays unknown."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fleetiac.analyzer.discovery import discover
from fleetiac.analyzer.engine import ScanOptions, load
from fleetiac.analyzer.frontends.armjson import functions as arm_functions
from fleetiac.analyzer.frontends.armjson.syntax import ArmSyntaxError, parse_expression, parse_json
from fleetiac.analyzer.frontends.bicep import functions as bicep_functions
from fleetiac.analyzer.model import Diagnostic, Kind, Location, Resource
from fleetiac.analyzer.values import ResourceRef, Unknown, UnknownCause

SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
PARAMS_SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#"
FLEETS = "Microsoft.ContainerService/fleets"
MEMBERS = "Microsoft.ContainerService/fleets/members"
CLUSTERS = "Microsoft.ContainerService/managedClusters"


def template(resources: Any, **top: Any) -> str:
    return json.dumps({"$schema": SCHEMA, "contentVersion": "1.0.0.0", **top, "resources": resources}, indent=2)


def fleet(name: str = "fleet", **extra: Any) -> dict[str, Any]:
    return {"type": FLEETS, "apiVersion": "2025-03-01", "name": name, "location": "westeurope", **extra}


def member(name: Any, group: Any = "prod", cluster: Any = None, **extra: Any) -> dict[str, Any]:
    properties = {"clusterResourceId": cluster or f"[resourceId('{CLUSTERS}', 'aks')]", "group": group}
    return {"type": MEMBERS, "apiVersion": "2025-03-01", "name": name, "properties": properties, **extra}


def scan(root: Path, files: dict[str, str], **options: Any) -> tuple[list[list[Resource]], list[Diagnostic]]:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    _, found = discover([root], root)
    loaded = load(found, ScanOptions(cache=False, workers=1, **options))
    return loaded.variants, loaded.diagnostics


def of_kind(resources: list[Resource], kind: Kind) -> list[Resource]:
    return sorted((r for r in resources if r.kind == kind and not r.existing), key=lambda r: r.key)


def members(tmp_path: Path, files: dict[str, str], **options: Any) -> list[tuple[Any, Any]]:
    variants, diagnostics = scan(tmp_path, files, **options)
    assert diagnostics == []
    return [(m.name, m.props.group) for m in of_kind(variants[0], Kind.MEMBER)]


# -- which files ---------------------------------------------------------------------------------


def test_only_json_that_looks_like_an_arm_file_is_scanned(tmp_path: Path) -> None:
    files = {
        "infra/main.json": template([]),  # by its $schema
        "azuredeploy.json": "{}",  # by its name
        "infra/main.parameters.json": "{}",  # by its name
        "sub.json": json.dumps({"$schema": "https://schema.management.azure.com/schemas/2018-05-01/"
                                           "subscriptionDeploymentTemplate.json#", "resources": []}),
        "package.json": '{"name": "x", "version": "1.0.0"}',
        "tsconfig.json": '{"compilerOptions": {,}}',  # not JSON at all, and not ours: silent
        "schema.json": '{"$schema": "http://json-schema.org/draft-07/schema#"}',
        "vars.tfvars.json": '{"a": 1}',
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    _, found = discover([tmp_path], tmp_path)
    assert [(f.display, f.language) for f in found] == [
        ("azuredeploy.json", "armjson"), ("infra/main.json", "armjson"), ("infra/main.parameters.json", "armjson"),
        ("sub.json", "armjson"), ("vars.tfvars.json", "tfvars")]
    loaded = load(found, ScanOptions(cache=False, workers=1))
    assert loaded.diagnostics == []


def test_a_syntax_error_is_reported_at_its_line_and_column(tmp_path: Path) -> None:
    text = '{\n  "$schema": "' + SCHEMA + '",\n  "resources": [\n    {"name": "a" "type": "b"}\n  ]\n}\n'
    _, diagnostics = scan(tmp_path, {"main.json": text})
    assert diagnostics == [Diagnostic(Location("main.json", 4, 18),
                                      "invalid JSON: expected ',' or '}' after a property", unread=True)]


def test_positions_of_keys_and_items() -> None:
    value, start = parse_json('// a comment\n{\n  "a": [1,\n    {"b": "x"}],\n  /* c */ "c": null\n}', "f.json")
    assert start == Location("f.json", 2, 1)
    assert value == {"a": [1, {"b": "x"}], "c": None}
    assert value.locs == {"a": Location("f.json", 3, 3), "c": Location("f.json", 5, 11)}
    assert value["a"].locs == [Location("f.json", 3, 9), Location("f.json", 4, 5)]
    with pytest.raises(ArmSyntaxError, match="unexpected text after"):
        parse_json("{} {}", "f.json")


def test_findings_point_at_the_json_property(tmp_path: Path) -> None:
    variants, _ = scan(tmp_path, {"main.json": template([fleet(), member("fleet/m1", group="canary")])})
    (m,) = of_kind(variants[0], Kind.MEMBER)
    text = (tmp_path / "main.json").read_text(encoding="utf-8").splitlines()
    group = m.locations["group"]
    assert text[group.line - 1][group.column - 1:].startswith('"group": "canary"')
    assert text[m.location.line - 1].strip() == "{" and text[m.location.line].strip() == f'"type": "{MEMBERS}",'


# -- expressions -----------------------------------------------------------------------------------


def test_the_expression_language(tmp_path: Path) -> None:
    params = {"env": {"type": "string", "defaultValue": "prod"}, "n": {"type": "int", "defaultValue": 2}}
    variables = {"prefix": "[toLower(concat('M-', parameters('env')))]",
                 "groups": ["canary", "[if(equals(parameters('env'), 'PROD'), 'broad', 'dev')]"],
                 "obj": {"k": "[add(parameters('n'), 1)]"}}
    resources = [fleet(), member("[format('fleet/{0}-{1}', variables('prefix'), variables('obj').k)]",
                                 group="[variables('groups')[sub(length(variables('groups')), 1)]]"),
                 member("[concat('fleet/', string(mul(2, 3)), '[[literal]')]", group="[[literal]"),
                 member("fleet/u", group="[if(greater(parameters('n'), 1), 'many', reference('x').group)]")]
    assert members(tmp_path, {"main.json": template(resources, parameters=params, variables=variables)}) == [
        ("m-prod-3", "broad"), ("6[[literal]", "[literal]"), ("u", "many")]


def test_unknown_is_never_a_guess(tmp_path: Path) -> None:
    params = {"group": {"type": "string"}}
    resources = [fleet(),
                 member("fleet/a", group="[parameters('group')]"),
                 member("fleet/b", group="[reference(resourceId('Microsoft.Resources/deployments', 'd')).outputs.g]"),
                 member("fleet/c", group="[uniqueString(resourceGroup().id)]"),
                 member("fleet/d", group="[concat('g-', parameters('group'))]"),
                 member("fleet/e", group="[noSuchFunction('x')]"),
                 member("fleet/f", group="[concat('unclosed']"),
                 member("fleet/h", group="[concat('not an expression'"),
                 member("fleet/g", group="[variables('missing')]")]
    groups = dict(members(tmp_path, {"main.json": template(resources, parameters=params)}))
    assert groups == {"a": Unknown("group"), "b": Unknown("reference(resourceId('Microsoft.Resources/deployments', "
                                                          "'d')).outputs.g"),
                      "c": Unknown("uniqueString(resourceGroup().id)"),
                      "d": Unknown("concat('g-', parameters('group'))"),
                      "e": Unknown("noSuchFunction('x')"), "f": Unknown("[concat('unclosed']"),
                      "h": "[concat('not an expression'",
                      "g": Unknown("variables('missing')")}
    assert groups["a"].cause == UnknownCause.NO_INPUT_VALUE
    assert groups["e"].cause == UnknownCause.UNSUPPORTED_FUNCTION
    assert groups["f"].cause == UnknownCause.TEMPLATE_EXPRESSION


def test_bicep_functions_are_reused_not_copied() -> None:
    assert set(bicep_functions._FUNCTIONS) >= arm_functions._BICEP
    assert not set(arm_functions._FUNCTIONS) & set(bicep_functions._FUNCTIONS)
    assert parse_expression("[a.b(1, 'x''y')[0].c]") == (
        "prop", ("index", ("call", "a.b", (("lit", 1), ("lit", "x'y"))), ("lit", 0)), "c")


# -- loops and conditions -----------------------------------------------------------------------------


def test_copy_loops_at_resource_property_and_variable_level(tmp_path: Path) -> None:
    variables = {"copy": [{"name": "names", "count": 2, "input": "[concat('m', copyIndex('names', 1))]"}]}
    loop = member("[concat('fleet/', variables('names')[copyIndex()])]", group="[concat('g', copyIndex())]",
                  copy={"name": "loop", "count": "[length(variables('names'))]"})
    strategy = {"type": "Microsoft.ContainerService/fleets/updateStrategies", "apiVersion": "2025-03-01",
                "name": "fleet/rings", "properties": {"strategy": {"copy": [
                    {"name": "stages", "count": 2, "input": {"name": "[concat('s', copyIndex('stages'))]"}}]}}}
    files = {"main.json": template([fleet(), loop, strategy], variables=variables)}
    assert members(tmp_path, files) == [("m1", "g0"), ("m2", "g1")]
    variants, _ = scan(tmp_path, files)
    (rings,) = of_kind(variants[0], Kind.UPDATE_STRATEGY)
    assert [s.name for s in rings.props.stages] == ["s0", "s1"]


def test_an_unknown_loop_count_keeps_one_copy_with_unknown_values(tmp_path: Path) -> None:
    params = {"n": {"type": "int"}}
    loop = member("[concat('fleet/m', copyIndex())]", copy={"name": "loop", "count": "[parameters('n')]"})
    assert members(tmp_path, {"main.json": template([fleet(), loop], parameters=params)}) == [
        (Unknown("concat('fleet/m', copyIndex())"), "prod")]


def test_conditions(tmp_path: Path) -> None:
    params = {"on": {"type": "bool", "defaultValue": False}, "maybe": {"type": "bool"}}
    resources = [fleet(), member("fleet/off", condition="[parameters('on')]"),
                 member("fleet/maybe", condition="[parameters('maybe')]"),
                 member("fleet/on", condition="[not(parameters('on'))]")]
    assert members(tmp_path, {"main.json": template(resources, parameters=params)}) == [
        ("maybe", "prod"), ("on", "prod")]


# -- children, references, symbolic names, functions ------------------------------------------------


def test_children_nested_and_by_name_belong_to_their_fleet(tmp_path: Path) -> None:
    nested = fleet("one", resources=[{"type": "members", "apiVersion": "2025-03-01", "name": "m1",
                                      "properties": {"group": "a"}}])
    variants, _ = scan(tmp_path, {"main.json": template([nested, fleet("two"), member("two/m2"),
                                                         member("elsewhere/m3")])})
    fleets = {f.name: f.key for f in of_kind(variants[0], Kind.FLEET)}
    assert {m.name: m.props.fleet for m in of_kind(variants[0], Kind.MEMBER)} == {
        "m1": ResourceRef(fleets["one"]), "m2": ResourceRef(fleets["two"]), "m3": "elsewhere"}


def test_resource_ids_and_principal_ids_name_declared_resources(tmp_path: Path) -> None:
    identity = {"type": "Microsoft.ManagedIdentity/userAssignedIdentities", "apiVersion": "2023-01-31",
                "name": "id", "location": "westeurope"}
    cluster = {"type": CLUSTERS, "apiVersion": "2025-05-01", "name": "aks", "location": "westeurope"}
    assignment = {"type": "Microsoft.Authorization/roleAssignments", "apiVersion": "2022-04-01",
                  "scope": f"[format('{CLUSTERS}/{{0}}', 'aks')]", "name": "[guid('a')]",
                  "properties": {"principalId": "[reference(resourceId('Microsoft.ManagedIdentity/"
                                                "userAssignedIdentities', 'id'), '2023-01-31').principalId]",
                                 "roleDefinitionId": "[subscriptionResourceId('Microsoft.Authorization/"
                                                     "roleDefinitions', 'abc')]"}}
    variants, _ = scan(tmp_path, {"main.json": template([fleet(), identity, cluster, member("fleet/m"),
                                                         assignment])})
    (ident,) = of_kind(variants[0], Kind.IDENTITY)
    (aks,) = of_kind(variants[0], Kind.CLUSTER)
    (m,) = of_kind(variants[0], Kind.MEMBER)
    (ra,) = of_kind(variants[0], Kind.ROLE_ASSIGNMENT)
    assert m.props.cluster == ResourceRef(aks.key)
    assert (ra.props.principal, ra.props.scope, ra.props.role, ra.props.target_scope) == (
        ResourceRef(ident.key, "principal_id"), ResourceRef(aks.key),
        "/providers/Microsoft.Authorization/roleDefinitions/abc", "resourceGroup")


def test_symbolic_names_and_user_defined_functions(tmp_path: Path) -> None:
    functions = [{"namespace": "fx", "members": {"name": {
        "parameters": [{"name": "i", "type": "int"}],
        "output": {"type": "string", "value": "[format('fleet/m{0}', parameters('i'))]"}}}}]
    resources = {"fleet": fleet(), "old": {**fleet("old"), "existing": True},
                 "m": member("[fx.name(copyIndex())]", copy={"name": "m", "count": 2})}
    text = template(resources, languageVersion="2.0", functions=functions)
    variants, _ = scan(tmp_path, {"main.json": text})
    assert [(m.address, m.name) for m in of_kind(variants[0], Kind.MEMBER)] == [("m[0]", "m0"), ("m[1]", "m1")]
    assert [(f.name, f.existing) for f in variants[0] if f.kind == Kind.FLEET] == [("fleet", False), ("old", True)]


# -- nested and linked deployments, parameter files ----------------------------------------------


def deployment(name: str, properties: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": name,
            "properties": {"mode": "Incremental", **properties}, **extra}


def test_nested_templates_inner_and_outer_scope(tmp_path: Path) -> None:
    params = {"group": {"type": "string", "defaultValue": "outer"}}
    inner_template = json.loads(template([member("fleet/inner", group="[parameters('group')]")],
                                         parameters={"group": {"type": "string", "defaultValue": "default"}}))
    outer_template = json.loads(template([member("fleet/outer", group="[parameters('group')]")]))
    resources = [fleet(),
                 deployment("in", {"expressionEvaluationOptions": {"scope": "inner"}, "template": inner_template,
                                   "parameters": {"group": {"value": "[concat('from-', parameters('group'))]"}}}),
                 deployment("out", {"template": outer_template}, resourceGroup="rg-other")]
    variants, _ = scan(tmp_path, {"main.json": template(resources, parameters=params)})
    found = {m.name: (m.props.group, m.resource_group, m.address) for m in of_kind(variants[0], Kind.MEMBER)}
    assert found == {"inner": ("from-outer", Unknown("resourceGroup().name"), "in/fleet/inner"),
                     "outer": ("outer", "rg-other", "out/fleet/outer")}


def test_linked_templates_inside_the_scanned_files_only(tmp_path: Path) -> None:
    linked = template([member("fleet/linked", group="[parameters('g')]")], parameters={"g": {"type": "string"}})
    (tmp_path / "outside.json").write_text(template([member("fleet/outside")]), encoding="utf-8")
    root = tmp_path / "repo"
    resources = [fleet(),
                 deployment("a", {"expressionEvaluationOptions": {"scope": "inner"},
                                  "templateLink": {"relativePath": "nested/linked.json"},
                                  "parameters": {"g": {"value": "given"}}}),
                 deployment("b", {"templateLink": {"relativePath": "../outside.json"}}),
                 deployment("c", {"templateLink": {"uri": "https://example.com/t.json"}})]
    root.mkdir()
    assert members(root, {"main.json": template(resources), "nested/linked.json": linked}) == [("linked", "given")]


def test_a_linked_template_that_links_back_is_reported(tmp_path: Path) -> None:
    loop = template([deployment("back", {"templateLink": {"relativePath": "main.json"}})])
    _, diagnostics = scan(tmp_path, {"main.json": loop.replace('"resources"', '"x": 1, "resources"')})
    assert [d.message for d in diagnostics] == [
        "deployment back links a template that links back to itself: main.json -> main.json; it is not analysed"]


def test_parameter_files_by_name_and_by_option(tmp_path: Path) -> None:
    params = {"group": {"type": "string", "defaultValue": "default"}}
    text = template([fleet(), member("fleet/m", group="[parameters('group')]")], parameters=params)

    def values(group: str) -> str:
        return json.dumps({"$schema": PARAMS_SCHEMA, "parameters": {"group": {"value": group}}})

    files = {"azuredeploy.json": text, "azuredeploy.parameters.json": values("by-name"), "env/prod.json": values("p")}
    variants, diagnostics = scan(tmp_path, files)
    assert diagnostics == [] and [m.props.group for m in of_kind(variants[0], Kind.MEMBER)] == ["by-name"]
    pairs = ((tmp_path / "azuredeploy.json", tmp_path / "env/prod.json"),)
    variants, diagnostics = scan(tmp_path, {}, parameter_files=pairs)
    assert diagnostics == []
    assert sorted(m.props.group for v in variants for m in of_kind(v, Kind.MEMBER)) == ["by-name", "p"]
    missing = ((tmp_path / "azuredeploy.json", tmp_path / "nope.json"),)
    _, diagnostics = scan(tmp_path, {}, parameter_files=missing)
    assert [d.message for d in diagnostics] == [
        f"--arm-parameters: {(tmp_path / 'nope.json').as_posix()} is not a scanned ARM parameter file; the template "
        "is evaluated without it"]


def test_a_loop_past_arms_limit_and_the_budget(tmp_path: Path) -> None:
    huge = member("[concat('fleet/m', copyIndex())]", copy={"name": "loop", "count": 100_000})
    assert members(tmp_path, {"main.json": template([fleet(), huge])}) == [
        (Unknown("concat('fleet/m', copyIndex())"), "prod")]
    doubling = {"v0": "x"} | {f"v{i}": f"[concat(variables('v{i - 1}'), variables('v{i - 1}'))]" for i in range(1, 40)}
    doubled = template([fleet(), member("fleet/m", group="[variables('v39')]")], variables=doubling)
    variants, diagnostics = scan(tmp_path, {"main.json": doubled})
    assert [m.props.group for m in of_kind(variants[0], Kind.MEMBER)] == [Unknown("concat(variables('v38'), "
                                                                                  "variables('v38'))")]
    assert diagnostics == [Diagnostic(Location("main.json", 1, 1), "evaluation stopped after 250,000 values; the "
                                      "rest of this template is unknown")]


def test_discovery_reads_only_the_head_of_other_json(tmp_path: Path) -> None:
    """A large JSON file of another tool is passed over from its first bytes: never read in full, so never
    refused for its size; a template as large is the scan's, and refused (FIAC901) from its size."""
    filler = '"x": "' + "a" * (6 * 1024 * 1024) + '"'
    (tmp_path / "data.json").write_text('{"name": "data", ' + filler + "}", encoding="utf-8")
    (tmp_path / "big.json").write_text('{"$schema": "' + SCHEMA + '", ' + filler + "}", encoding="utf-8")
    _, found = discover([tmp_path], tmp_path)
    assert [f.display for f in found] == ["big.json"]
    loaded = load(found, ScanOptions(cache=False, workers=1))
    assert [(d.location.path, d.message) for d in loaded.diagnostics] == [
        ("big.json", "file is larger than 5 MB (--max-file-size); not analysed")]


def test_parameter_files_of_environments(tmp_path: Path) -> None:
    params = {"group": {"type": "string", "defaultValue": "default"}}
    text = template([fleet(), member("fleet/m", group="[parameters('group')]")], parameters=params)

    def values(group: str) -> str:
        return json.dumps({"$schema": PARAMS_SCHEMA, "parameters": {"group": {"value": group}}})

    files = {"main.json": text, "main.dev.parameters.json": values("d"), "main.parameters.prod.json": values("p"),
             "other.parameters.json": values("no template")}
    variants, diagnostics = scan(tmp_path, files)
    assert diagnostics == []
    assert sorted(m.props.group for v in variants for m in of_kind(v, Kind.MEMBER)) == ["d", "p"]
    from fleetiac.analyzer.frontends.armjson import _environment

    assert [_environment(p, "main.json") for p in ("main.dev.parameters.json", "main.parameters.prod.json",
                                                    "azuredeploy.parameters.json", "env/test.json")] == [
        "dev", "prod", "azuredeploy", "test"]


def test_the_outputs_of_a_nested_deployment(tmp_path: Path) -> None:
    """What `az bicep build` writes for a module's output: ``reference(resourceId('Microsoft.Resources/
    deployments', 'aks'), '2022-09-01').outputs.id.value`` is the output the nested template declares."""
    inner = json.loads(template([{"type": CLUSTERS, "apiVersion": "2025-05-01", "name": "[parameters('name')]",
                                  "location": "westeurope"}], parameters={"name": {"type": "string"}}))
    inner["outputs"] = {"id": {"type": "string", "value": f"[resourceId('{CLUSTERS}', parameters('name'))]"},
                        "state": {"type": "string", "value": f"[reference(resourceId('{CLUSTERS}', "
                                                             "parameters('name'))).provisioningState]"}}
    module = deployment("aks", {"expressionEvaluationOptions": {"scope": "inner"}, "template": inner,
                                "parameters": {"name": {"value": "aks-west"}}})
    uses = "reference(resourceId('Microsoft.Resources/deployments', 'aks'), '2022-09-01').outputs"
    resources = [fleet(), member("fleet/m", cluster=f"[{uses}.id.value]", group=f"[{uses}.state.value]"), module]
    variants, diagnostics = scan(tmp_path, {"main.json": template(resources)})
    assert diagnostics == []
    (aks,) = of_kind(variants[0], Kind.CLUSTER)
    (m,) = of_kind(variants[0], Kind.MEMBER)
    assert (m.props.cluster, m.props.group) == (
        ResourceRef(aks.key), Unknown("reference(resourceId('Microsoft.ContainerService/managedClusters', "
                                      "parameters('name'))).provisioningState"))
    symbolic = {"fleet": fleet(), "aks": module,
                "m": member("fleet/m", cluster="[reference('aks').outputs.id.value]", dependsOn=["aks"])}
    variants, diagnostics = scan(tmp_path, {"main.json": template(symbolic, languageVersion="2.0")})
    assert diagnostics == []
    (aks,) = of_kind(variants[0], Kind.CLUSTER)
    assert [m.props.cluster for m in of_kind(variants[0], Kind.MEMBER)] == [ResourceRef(aks.key)]
