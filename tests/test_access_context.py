"""The access context (policies.md "Access context"): exports given with ``--assignments``, the
principals named with ``--operator``, and how an exported scope contains a resource of the code."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from fleetiac.analyzer.graph import FleetGraph
from fleetiac.analyzer.graph.access import (
    DEPLOYER_EXPRESSIONS,
    AccessContext,
    Scope,
    Target,
    contains,
    parse_operator,
    scope_of_arm_id,
)
from fleetiac.analyzer.knowledge.roles import ExportError, read_export
from fleetiac.analyzer.values import Unknown
from tests.ci_helpers import AS_OF, ROOT, git_repo, member_tf, run

SUB = "00000000-0000-0000-0000-000000000000"
OTHER_SUB = "11111111-2222-4333-8444-555555555555"
PRINCIPAL = "5b0e7c2a-3f4d-4e8b-9a1c-2d3e4f5a6b7c"
USER_ROLE = "4abbcc35-e782-43d8-92c5-2d3f1bd2253f"
ADMIN_ROLE = "0ab0b1a8-8aac-4efd-b8c2-3ee1fb270be8"
CLUSTER = Target(SUB, "rg-aks", "Microsoft.ContainerService/managedClusters", "aks-west")
UNPLACED = Target(Unknown("azurerm provider subscription"), "rg-aks", "Microsoft.ContainerService/managedClusters",
                  "aks-west")


FIAC101 = ["--select", "FIAC101", "--format", "json", *AS_OF]


def exported(scope: str) -> Scope:
    found = scope_of_arm_id(scope, exported=True)
    assert found is not None
    return found


# ---------------------------------------------------------------------------------------------
# Containment, segment by segment, three-valued


@pytest.mark.parametrize(("scope", "target", "expected"), [
    ("/", CLUSTER, True),
    ("/", UNPLACED, True),
    (f"/subscriptions/{SUB}", CLUSTER, True),
    (f"/SUBSCRIPTIONS/{SUB.upper()}/resourcegroups/RG-AKS", CLUSTER, True),  # letter case does not matter
    (f"/subscriptions/{SUB}/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks-west",
     CLUSTER, True),
    (f"/subscriptions/{OTHER_SUB}", CLUSTER, False),  # another subscription
    (f"/subscriptions/{SUB}/resourceGroups/rg-other", CLUSTER, False),  # another resource group
    (f"/subscriptions/{SUB}/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks-east",
     CLUSTER, False),  # another resource
    (f"/subscriptions/{SUB}/resourceGroups/rg-other", UNPLACED, False),  # a known segment differs
    (f"/subscriptions/{SUB}/resourceGroups/rg-aks", UNPLACED, None),  # the code's subscription is unknown
    (f"/subscriptions/{SUB}", UNPLACED, None),
    ("/providers/Microsoft.Management/managementGroups/platform", CLUSTER, None),  # hierarchy not in the code
])
def test_exported_scope_contains_a_resource_segment_by_segment(scope: str, target: Target,
                                                               expected: bool | None) -> None:
    assert contains(FleetGraph([]), exported(scope), target) is expected


def test_a_management_group_grant_of_the_code_still_covers() -> None:
    # In the code, a management-group grant may cover anything and is taken as covering: it can only
    # suppress findings. An exported one is unknown, which suppresses them too.
    assert contains(FleetGraph([]), Scope("management_group"), CLUSTER) is True


def test_an_exported_scope_that_is_no_arm_id_is_unknown() -> None:
    assert scope_of_arm_id("rg-aks", exported=True) is None


# ---------------------------------------------------------------------------------------------
# --operator values


def test_operator_forms() -> None:
    assert parse_operator(PRINCIPAL.upper()).keys == (PRINCIPAL,)
    assert parse_operator(PRINCIPAL.upper()).object_id == PRINCIPAL
    assert parse_operator("var.deployer_id").keys == ("expr:var.deployer_id",)
    assert parse_operator("var.deployer_id").object_id is None
    deployer = parse_operator(f"deployer={PRINCIPAL}")
    assert deployer.keys == tuple("expr:" + e for e in DEPLOYER_EXPRESSIONS)
    assert (deployer.object_id, deployer.name) == (PRINCIPAL, "deployer")
    assert parse_operator(f" pipelineId = {PRINCIPAL} ").keys == ("expr:pipelineId",)


@pytest.mark.parametrize(("text", "message"), [
    ("deployer=not-a-guid", "the part after '=' must be an object ID"),
    (f"={PRINCIPAL}", "name a principal"),
    ("", "name a principal"),
    (f"{PRINCIPAL}={OTHER_SUB}", "an object ID cannot be given another object ID"),
])
def test_bad_operator_values(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_operator(text)


# ---------------------------------------------------------------------------------------------
# Reading exports


def assignment(role: str, scope: str, principal: str = PRINCIPAL, name: str = "Azure Kubernetes Service "
               "Cluster User Role") -> dict[str, object]:
    return {"principalId": principal, "principalName": "app", "principalType": "ServicePrincipal",
            "roleDefinitionId": f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/{role}",
            "roleDefinitionName": name, "scope": scope, "type": "Microsoft.Authorization/roleAssignments"}


def test_reads_assignments_and_custom_roles() -> None:
    exports = read_export(json.dumps([assignment(USER_ROLE.upper(), f"/subscriptions/{SUB}")]), "a.json")
    [read] = exports.assignments
    assert (read.principal_id, read.role_guid, read.scope, read.source) == (
        PRINCIPAL, USER_ROLE, f"/subscriptions/{SUB}", "a.json")
    builtin = exports.role(USER_ROLE)
    assert builtin is not None and builtin.name == "Azure Kubernetes Service Cluster User Role"
    custom = read_export(json.dumps([{
        "name": "7d2c9e41-5b3a-4f6e-8d1c-0a9b8c7d6e5f", "roleName": "joiner",
        "type": "Microsoft.Authorization/roleDefinitions",
        "id": "/subscriptions/x/providers/Microsoft.Authorization/roleDefinitions/7d2c9e41-5b3a-4f6e-8d1c-0a9b8c7d6e5f",
        "permissions": [{"actions": ["Microsoft.ContainerService/*"], "notActions": [
            "Microsoft.ContainerService/fleetMemberships/write"]}]}]), "roles.json")
    role = custom.role("7d2c9e41-5b3a-4f6e-8d1c-0a9b8c7d6e5f")
    assert role is not None and role.name == "joiner"
    assert role.permits("Microsoft.ContainerService/fleetMemberships/read")
    assert not role.permits("Microsoft.ContainerService/fleetMemberships/write")
    assert read_export("[]", "empty.json").assignments == ()


@pytest.mark.parametrize(("text", "message"), [
    ("not json", "a.json: not JSON"),
    ('{"value": []}', "a.json: not a JSON array"),
    ('[{"name": "aks-west", "type": "Microsoft.ContainerService/ManagedClusters"}]',
     "a.json: item 1 is not a role assignment or role definition"),
    ('[{"type": "Microsoft.Authorization/roleAssignments", "scope": "/", "roleDefinitionId": "x"}]',
     "a.json: item 1: `principalId` is missing or not a string"),
    ('[{"type": "Microsoft.Authorization/roleDefinitions", "name": "x", "id": "y", "permissions": []}]',
     "a.json: item 1: neither `name` nor `id` ends in a role definition GUID"),
])
def test_other_content_is_an_export_error(text: str, message: str) -> None:
    with pytest.raises(ExportError, match=re.escape(message)):
        read_export(text, "a.json")


def test_exported_assignments_of_one_principal_belong_to_the_one_operator_without_an_object_id() -> None:
    exports = read_export(json.dumps([assignment(USER_ROLE, "/")]), "a.json")
    graph = FleetGraph([])
    alone = AccessContext(graph, [], exports, (parse_operator("pipelineId"),))
    assert [g.assignment.scope for g in alone.exported["expr:pipelineId"]] == ["/"]
    # Two operators without an object ID: whose export it is cannot be told.
    two = AccessContext(graph, [], exports, (parse_operator("pipelineId"), parse_operator("deployer")))
    assert two.exported == {}
    # An operator whose object ID differs does not get them.
    other = AccessContext(graph, [], exports, (parse_operator(f"pipelineId={OTHER_SUB}"),))
    assert other.exported == {}


def test_operator_written_as_a_resource_attribute_names_that_identity(tmp_path: Path) -> None:
    repo = git_repo(tmp_path / "repo")
    (repo / "main.tf").write_text(member_tf() + '''
resource "azurerm_user_assigned_identity" "ci" {
  name                = "id-ci"
  location            = "westeurope"
  resource_group_name = "rg-fleet"
}

resource "azurerm_role_assignment" "ci" {
  scope                = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-aks"
  role_definition_name = "Azure Kubernetes Service Cluster Admin Role"
  principal_id         = azurerm_user_assigned_identity.ci.principal_id
}
''')
    result = run("scan", str(repo), "--operator", "azurerm_user_assigned_identity.ci.principal_id", *FIAC101)
    assert result.exit_code == 1
    assert [(f[0], f[2], f[3].split(" (")[0]) for f in _findings(result.stdout)] == [
        ("FIAC101", 10, "operator `azurerm_user_assigned_identity.ci.principal_id`")]


# ---------------------------------------------------------------------------------------------
# The command line and the configuration


def _repo(tmp_path: Path, config: str = "") -> Path:
    repo = git_repo(tmp_path / "repo")
    (repo / "main.tf").write_text(member_tf())
    if config:
        (repo / ".fleetiac.toml").write_text(config)
    return repo


def _export(path: Path, role: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([assignment(role, f"/subscriptions/{SUB}/resourceGroups/rg-aks")]))
    return path


def _findings(output: str) -> list[tuple[str, str, int, str]]:
    return [(f["rule_id"], f["path"], f["line"], f["message"]) for f in json.loads(output)["findings"]]


def test_assignments_flag_decides_for_the_deployer(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    admin = _export(tmp_path / "admin.json", ADMIN_ROLE)
    user = _export(tmp_path / "user.json", USER_ROLE)
    # Without an export, the deployer's rights are outside the code: nothing is reported.
    result = run("scan", str(repo), "--operator", "deployer", *FIAC101)
    assert (result.exit_code, _findings(result.stdout)) == (0, [])
    result = run("scan", str(repo), "--operator", f"deployer={PRINCIPAL}", "--assignments", str(admin), *FIAC101)
    assert result.exit_code == 1
    assert _findings(result.stdout) == [(
        "FIAC101", "main.tf", 10,
        "operator `deployer` (named as an operator by --operator or the configuration, with the assignments "
        "exported in admin.json) lacks listClusterUserCredential on cluster `/subscriptions/00000000-0000-0000-"
        "0000-000000000000/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks-west`; "
        "joining member `azurerm_kubernetes_fleet_member.west` to fleet `azurerm_kubernetes_fleet_manager.fleet` "
        "will fail (its roles: Azure Kubernetes Service Cluster Admin Role)")]
    result = run("scan", str(repo), "--operator", f"deployer={PRINCIPAL}", "--assignments", str(admin),
                 "--assignments", str(user), *FIAC101)
    assert (result.exit_code, _findings(result.stdout)) == (0, [])


def test_assignments_file_with_other_content_is_a_usage_error(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    clusters = tmp_path / "clusters.json"
    clusters.write_text('[{"name": "aks-west", "type": "Microsoft.ContainerService/ManagedClusters"}]')
    result = run("scan", str(repo), "--assignments", str(clusters), *AS_OF)
    assert result.exit_code == 2
    assert ("clusters.json: item 1 is not a role assignment or role definition (its `type` must be "
            "Microsoft.Authorization/roleAssignments or Microsoft.Authorization/roleDefinitions)") in result.output
    assert "Traceback" not in result.output and "internal error" not in result.output


def test_assignments_written_by_powershell_are_read(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    admin = tmp_path / "admin.json"
    admin.write_bytes(_export(tmp_path / "utf8.json", ADMIN_ROLE).read_text().encode("utf-16"))
    result = run("scan", str(repo), "--operator", f"deployer={PRINCIPAL}", "--assignments", str(admin), *FIAC101)
    assert result.exit_code == 1 and [f[:3] for f in _findings(result.stdout)] == [("FIAC101", "main.tf", 10)]


def test_missing_assignments_file_is_a_usage_error(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    result = run("scan", str(repo), "--assignments", str(tmp_path / "missing.json"), *AS_OF)
    assert result.exit_code == 2
    assert f"{tmp_path / 'missing.json'}: --assignments names no file" in result.output
    assert "Traceback" not in result.output


def test_bad_operator_is_a_usage_error(tmp_path: Path) -> None:
    result = run("scan", str(_repo(tmp_path)), "--operator", "deployer=me", *AS_OF)
    assert result.exit_code == 2
    assert "the part after '=' must be an object ID (a GUID), not 'me'" in result.output


def test_configuration_keys_and_the_command_line_winning(tmp_path: Path) -> None:
    repo = _repo(tmp_path, f'operators = ["deployer={PRINCIPAL}"]\nassignments = ["access/admin.json"]\n')
    _export(repo / "access" / "admin.json", ADMIN_ROLE)
    user = _export(tmp_path / "user.json", USER_ROLE)
    result = run("scan", str(repo), *FIAC101)
    assert result.exit_code == 1 and [f[0] for f in _findings(result.stdout)] == ["FIAC101"]
    # The command line's --assignments replaces the file's.
    result = run("scan", str(repo), "--assignments", str(user), *FIAC101)
    assert (result.exit_code, _findings(result.stdout)) == (0, [])
    # --isolated ignores the tree's configuration: no operator, no export.
    result = run("scan", str(repo), "--isolated", *FIAC101)
    assert (result.exit_code, _findings(result.stdout)) == (0, [])
    shown = run("config", str(repo))
    assert f'assignments = ["{(repo / "access" / "admin.json").as_posix()}"]' in shown.stdout


def test_configuration_assignments_outside_the_scanned_root_are_not_read(tmp_path: Path) -> None:
    _export(tmp_path / "secret.json", USER_ROLE)
    repo = _repo(tmp_path, 'assignments = ["../secret.json"]\n')
    result = run("scan", str(repo), *AS_OF)
    assert result.exit_code == 2
    assert ("assignments entry '../secret.json' is outside the scanned root, so it is not read (fleetiac reads "
            "nothing outside it; name the file with --assignments on the command line to read it)") in result.output
    # A link in the tree to a file outside it is outside too.
    (repo / "access.json").symlink_to(tmp_path / "secret.json")
    repo.joinpath(".fleetiac.toml").write_text('assignments = ["access.json"]\n')
    result = run("scan", str(repo), *AS_OF)
    assert result.exit_code == 2 and "assignments entry 'access.json' is outside the scanned root" in result.output
    repo.joinpath(".fleetiac.toml").write_text('operators = ["deployer=me"]\n')
    result = run("scan", str(repo), *AS_OF)
    assert result.exit_code == 2 and "operators: 'deployer=me': the part after '='" in result.output


def test_readme_walkthrough_output_is_what_the_command_prints() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.partition("### Does my pipeline identity have all the permissions to join members?")[2]
    command, output = re.findall(r"```\n(.*?)```", section, re.S)[1:3]
    assert command.startswith("fleetiac scan examples/platform ")
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        result = run(*command.split()[1:], "--no-cache")
    finally:
        os.chdir(cwd)
    assert result.exit_code == 1
    assert result.stdout == output
