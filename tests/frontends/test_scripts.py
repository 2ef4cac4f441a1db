"""The scripts front end: lexing shell and PowerShell, variables, and each ``az`` command it reads."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from fleetiac.analyzer.engine import ScanOptions, scan
from fleetiac.analyzer.frontends.scripts.canonical import FLEET_RP, SUBSCRIPTION, evaluate_pipeline, evaluate_script
from fleetiac.analyzer.frontends.scripts.syntax import Opaque, Var, lex_powershell, lex_shell
from fleetiac.analyzer.frontends.sources import SourceFile
from fleetiac.analyzer.model import (
    AutoUpgradeProfileProps,
    ClusterProps,
    FileResult,
    FleetProps,
    Group,
    MemberProps,
    Resource,
    RoleAssignmentProps,
    Stage,
    UpdateRunProps,
    UpdateStrategyProps,
)
from fleetiac.analyzer.values import ResourceRef, Unknown, UnknownCause


def _load(tmp_path: Path, text: str, name: str = "deploy.sh") -> FileResult:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    language = "powershell" if name.endswith(".ps1") else "shell"
    return evaluate_script(SourceFile(path, name, language), (tmp_path.resolve(),))[0]


def _one(result: FileResult, kind: str) -> Resource[Any]:
    found = [r for r in result.resources if r.kind == kind]
    assert len(found) == 1, found
    return found[0]


# -- lexing ---------------------------------------------------------------------------------------


def test_shell_words_quotes_continuations_and_operators() -> None:
    script = lex_shell("A='x y' # a comment\n"
                       "az fleet create -g \"$RG\" \\\n"
                       "  --name 'it''s' --tags a=\"b c\" > /dev/null 2>&1 && echo \"#not a comment\"; ls\n"
                       "echo $(date) `hostname` ${X:-d} $1\n")
    assert [[w.raw for w in c.words] for c in script.commands] == [
        ["A='x y'"],
        ["az", "fleet", "create", "-g", '"$RG"', "--name", "'it''s'", "--tags", 'a="b c"'],
        ["echo", '"#not a comment"'], ["ls"],
        ["echo", "$(date)", "`hostname`", "${X:-d}", "$1"]]
    create = script.commands[1]
    assert [w.parts for w in create.words[3:]] == [("-g",), (Var("RG"),), ("--name",), ("its",), ("--tags",),
                                                   ("a=b c",)]
    assert (create.line, create.words[5].line, create.words[5].column) == (2, 3, 3)
    assert script.commands[4].words[1].parts == (Opaque("date", command=True),)
    assert script.commands[4].words[2].parts == (Opaque("hostname", command=True),)
    assert script.commands[4].words[3].parts == (Opaque("${X:-d}"),)
    assert script.problems == []


def test_shell_loops_here_documents_and_unclosed_quotes() -> None:
    script = lex_shell("for m in a b; do\n"
                       "  az fleet member create -n \"$m\"\n"
                       "done\n"
                       "cat > stages.json <<EOF\n"
                       "az fleet create -n inside-the-heredoc\n"
                       "EOF\n"
                       "echo \"never closed\n"
                       "az fleet create -n after\n")
    heads = [(c.line, c.nested, c.loop_variable, [w.raw for w in c.words][:3]) for c in script.commands]
    assert heads == [(1, 1, "m", []), (2, 1, None, ["az", "fleet", "member"]), (4, 0, None, ["cat"]),
                     (8, 0, None, ["az", "fleet", "create"])]
    assert [(p.line, p.message) for p in script.problems] == [
        (7, "cannot split the line into words (No closing quotation)")]


def test_powershell_quotes_backticks_and_variables() -> None:
    script = lex_powershell("$Rg = 'rg-''a'''\n"
                            "az fleet create -g $Rg `\n"
                            "  --name \"f-$Name-`\"x`\"\" --tags $obj.Tags # comment\n"
                            "<# a block\n"
                            "   comment #>\n"
                            "$id = $(az aks show -n a --query id -o tsv); & az group create -n $env:RG\n")
    commands = [[w.parts for w in c.words] for c in script.commands]
    assert commands == [
        [(Var("Rg"),), ("=",), ("rg-'a'",)],
        [("az",), ("fleet",), ("create",), ("-g",), (Var("Rg"),), ("--name",), ("f-", Var("Name"), '-"x"'),
         ("--tags",), (Opaque("$obj.Tags"),)],
        [(Var("id"),), ("=",), (Opaque("az aks show -n a --query id -o tsv", command=True),)],
        [("az",), ("group",), ("create",), ("-n",), (Var("env:RG"),)]]
    assert [(c.line, c.column) for c in script.commands] == [(1, 1), (2, 1), (6, 1), (6, 48)]


def test_powershell_unclosed_string_skips_its_line_only() -> None:
    script = lex_powershell("az fleet create -n 'open\naz fleet create -n next\n")
    assert [(p.line, p.message) for p in script.problems] == [(1, "a single-quoted string is never closed")]
    assert [[w.raw for w in c.words] for c in script.commands] == [["az", "fleet", "create", "-n", "next"]]


# -- values ---------------------------------------------------------------------------------------


def test_variables_from_earlier_assignments_and_unknowns(tmp_path: Path) -> None:
    result = _load(tmp_path, "RG=rg-fleet\n"
                             "export NAME=\"${RG}-hub\"\n"
                             "az fleet create -g $RG -n $NAME\n"
                             "az fleet create -g $RG -n \"$UNSET\"\n"
                             "if true; then RG=other; fi\n"
                             "az fleet create -g $RG -n late\n"
                             "N=$(date +%s)\n"
                             "az fleet create -g rg -n \"f-$N\"\n")
    fleets = [(r.name, r.resource_group) for r in result.resources]
    assert fleets == [("rg-fleet-hub", "rg-fleet"), (Unknown("$UNSET"), "rg-fleet"),
                      ("late", Unknown("$RG (set at line 5)")), (Unknown("f-$N (line 7)"), "rg")]
    assert result.resources[1].name.cause == UnknownCause.NO_INPUT_VALUE
    assert result.resources[2].resource_group.cause == UnknownCause.UNKNOWN_LOOP


def test_command_output_differs_at_each_place(tmp_path: Path) -> None:
    result = _load(tmp_path, "for c in a b; do az fleet create -g rg -n \"$c\"; done\n"
                             "for c in a b; do az fleet create -g rg -n \"$c\"; done\n"
                             "az fleet create -g rg -n \"f-$(date +%s)\"\n"
                             "az fleet create -g rg -n \"f-$(date +%s)\"\n")
    assert [r.name for r in result.resources] == [
        Unknown("$c (loop at line 1)"), Unknown("$c (loop at line 2)"), Unknown("f-$(date +%s) (line 3)"),
        Unknown("f-$(date +%s) (line 4)")]


def test_powershell_variables_are_case_insensitive(tmp_path: Path) -> None:
    result = _load(tmp_path, "$FleetName = \"fleet-a\"\naz fleet create -g rg -n $fleetname\n", "deploy.ps1")
    assert [r.name for r in result.resources] == ["fleet-a"]


def test_lookups_of_created_resources_are_references(tmp_path: Path) -> None:
    result = _load(tmp_path, "SUB=$(az account show --query id -o tsv)\n"
                             "az fleet create -g rg -n f\n"
                             "az aks create -g rg-aks -n c1\n"
                             "az aks create -g rg-aks -n c2\n"
                             "ID=$(az aks show -g rg-aks -n c1 --query id -o tsv)\n"
                             "az fleet member create -g rg -f f -n m1 --member-cluster-id \"$ID\"\n"
                             "az fleet member create -g rg -f f -n m2 --member-cluster-id "
                             "\"/subscriptions/$SUB/resourceGroups/rg-aks/providers/Microsoft.ContainerService/"
                             "managedClusters/c2\"\n"
                             "az fleet member create -g rg -f f -n m3 --member-cluster-id "
                             "\"$(az aks show -g rg-aks -n elsewhere --query id -o tsv)\"\n"
                             "az fleet member create -g rg -f other -n m4 --member-cluster-id "
                             "/subscriptions/0/resourceGroups/r/providers/Microsoft.ContainerService/managedClusters/x\n")
    members = [r for r in result.resources if isinstance(r.props, MemberProps)]
    assert [m.props.cluster for m in members] == [
        ResourceRef("deploy.sh#az-aks-create:3"), ResourceRef("deploy.sh#az-aks-create:4"),
        ResourceRef("deploy.sh#elsewhere:managedClusters/rg-aks/elsewhere"),
        "/subscriptions/0/resourceGroups/r/providers/Microsoft.ContainerService/managedClusters/x"]
    assert [m.props.fleet for m in members][:3] == [ResourceRef("deploy.sh#az-fleet-create:2")] * 3
    assert members[3].props.fleet == ResourceRef("deploy.sh#elsewhere:fleets/rg/other")
    # what the script names but does not create is a reference node (the graph finds its declaration)
    placeholders = [(r.key, r.existing, r.address) for r in result.resources if r.existing]
    assert placeholders == [
        ("deploy.sh#elsewhere:managedClusters/rg-aks/elsewhere", True, "cluster elsewhere (not created by deploy.sh)"),
        ("deploy.sh#elsewhere:fleets/rg/other", True, "fleet other (not created by deploy.sh)")]
    assert {r.subscription for r in result.resources} == {SUBSCRIPTION}


# -- each command ---------------------------------------------------------------------------------


def test_fleet_create_and_its_hub(tmp_path: Path) -> None:
    result = _load(tmp_path, "az fleet create -g rg -n plain -l westeurope\n"
                             "az fleet create -g rg -n hub --enable-hub --enable-managed-identity\n"
                             "az fleet create -g rg -n private --enable-private-cluster --enable-vnet-integration "
                             "--apiserver-subnet-id /s/api --agent-subnet-id=/s/agents --assign-identity /id/u\n")
    plain, hub, private = (r.props for r in result.resources if r.kind == "fleet")
    assert isinstance(plain, FleetProps) and isinstance(hub, FleetProps) and isinstance(private, FleetProps)
    assert (plain.hub, plain.hub_settable, plain.by_command, plain.identity_type) == (False, True, True, None)
    assert (hub.hub, hub.identity_type) == (True, "SystemAssigned")
    assert (private.hub, private.hub_private, private.hub_vnet_integration, private.hub_api_server_subnet,
            private.hub_agent_subnet, private.identity_type, private.identity_ids) == (
        True, True, True, "/s/api", "/s/agents", "UserAssigned", ("/id/u",))
    assert result.resources[2].where("hub_agent_subnet").column == 114
    assert result.resources[0].arm_type == "Microsoft.ContainerService/fleets"
    # the command grants the Fleet RP Network Contributor on the agent subnet (azure-facts §3)
    grant = _one(result, "role_assignment")
    assert isinstance(grant.props, RoleAssignmentProps)
    assert (grant.props.principal, grant.props.role, grant.props.scope, grant.location.column) == (
        FLEET_RP, "Network Contributor", "/s/agents", 114)


def test_member_create(tmp_path: Path) -> None:
    result = _load(tmp_path, "az fleet member create --resource-group rg --fleet-name f --name m "
                             "--member-cluster-id /x --update-group canary --member-labels env=prod ring=0\n"
                             "az fleet member create -g rg -f f -n m2 --labels env=$ENV\n")
    first, second = [r for r in result.resources if not r.existing]
    assert isinstance(first.props, MemberProps) and isinstance(second.props, MemberProps)
    assert (first.props.cluster, first.props.group, first.props.labels) == (
        "/x", "canary", {"env": "prod", "ring": "0"})
    assert first.where("group").column == 91 and first.address == "az fleet member create m"
    assert isinstance(second.props.labels, Unknown) and second.props.group is None


def test_member_update_changes_a_created_member(tmp_path: Path) -> None:
    result = _load(tmp_path, "az fleet create -g rg -n f\n"
                             "az fleet member create -g rg -f f -n m --member-cluster-id /x\n"
                             "az fleet member update -g rg -f f -n m --update-group ring-1 --labels a=b\n"
                             "az fleet member update -g rg -f f -n elsewhere --update-group ring-2\n")
    member = _one(result, "member")
    assert isinstance(member.props, MemberProps)
    assert (member.props.cluster, member.props.group, member.props.labels) == ("/x", "ring-1", {"a": "b"})
    assert member.where("group").line == 3


def test_update_strategy_stages_from_a_file_and_inline(tmp_path: Path) -> None:
    (tmp_path / "cfg").mkdir()
    (tmp_path / "cfg" / "stages.json").write_text(
        '{"stages": [{"name": "s1", "groups": [{"name": "g1", "maxConcurrency": "25%"}], '
        '"afterStageWaitInSeconds": 60}, {"name": "s2", "groups": [{"name": "g2"}]}]}', encoding="utf-8")
    (tmp_path / "bad.json").write_text('{"stages": [', encoding="utf-8")
    result = _load(tmp_path, "az fleet updatestrategy create -g rg -f f -n a --stages cfg/stages.json\n"
                             "az fleet updatestrategy create -g rg -f f -n b --stages @cfg/stages.json\n"
                             "az fleet updatestrategy create -g rg -f f -n c --stages "
                             "'[{\"name\": \"only\", \"groups\": [{\"name\": \"g\"}]}]'\n"
                             "az fleet updatestrategy create -g rg -f f -n d --stages missing.json\n"
                             "az fleet updatestrategy create -g rg -f f -n e --stages ../outside.json\n"
                             "az fleet updatestrategy create -g rg -f f -n g --stages bad.json\n")
    stages = [r.props.stages for r in result.resources if isinstance(r.props, UpdateStrategyProps)]
    expected = (Stage("s1", (Group("g1", max_concurrency="25%"),), after_wait=60), Stage("s2", (Group("g2"),)))
    assert stages[:3] == [expected, expected, (Stage("only", (Group("g"),)),)]
    assert [type(s).__name__ for s in stages[3:]] == ["Unknown", "Unknown", "Unknown"]
    assert [(d.location.path, d.location.line, d.location.column) for d in result.diagnostics] == [("bad.json", 1, 13)]


def test_update_run_and_auto_upgrade_profile(tmp_path: Path) -> None:
    result = _load(tmp_path, "az fleet create -g rg -n f\n"
                             "az fleet updatestrategy create -g rg -f f -n safe --stages '{\"stages\": []}'\n"
                             "az fleet updaterun create -g rg -f f -n r --upgrade-type Full "
                             "--kubernetes-version 1.30.1 "
                             "--node-image-selection Consistent --update-strategy-name safe\n"
                             "az fleet updaterun create -g rg -f f -n r2 --upgrade-type NodeImageOnly "
                             "--update-strategy-name unknown-one\n"
                             "az fleet autoupgradeprofile create -g rg -f f -n p -c TargetKubernetesVersion "
                             "--tkv 1.30 --lts --disabled --update-strategy-id \"$(az fleet updatestrategy show "
                             "-g rg -f f -n safe --query id -o tsv)\"\n")
    run, other = (r.props for r in result.resources if isinstance(r.props, UpdateRunProps))
    assert (run.upgrade_type, run.kubernetes_version, run.node_image_selection, run.strategy) == (
        "Full", "1.30.1", "Consistent", ResourceRef("deploy.sh#az-fleet-updatestrategy-create:2"))
    assert other.strategy == Unknown("update strategy unknown-one (not created by this script)")
    profile = _one(result, "auto_upgrade_profile").props
    assert isinstance(profile, AutoUpgradeProfileProps)
    assert (profile.channel, profile.target_kubernetes_version, profile.long_term_support, profile.disabled,
            profile.strategy) == ("TargetKubernetesVersion", "1.30", True, True,
                                  ResourceRef("deploy.sh#az-fleet-updatestrategy-create:2"))


def test_aks_create_and_update(tmp_path: Path) -> None:
    result = _load(tmp_path, "az aks create -g rg -n c -k 1.31.2 --tier premium "
                             "--k8s-support-plan AKSLongTermSupport "
                             "--auto-upgrade-channel patch --node-os-upgrade-channel NodeImage --sku automatic "
                             "-l westeurope --generate-ssh-keys\n"
                             "az aks update -g rg -n c --auto-upgrade-channel none "
                             "--node-os-upgrade-channel Unmanaged\n"
                             "az aks update -g rg -n elsewhere --tier standard\n")
    created, updated = result.resources
    assert isinstance(created.props, ClusterProps) and isinstance(updated.props, ClusterProps)
    assert (created.props.flavor, created.props.kubernetes_version, created.props.sku_tier, created.props.support_plan,
            created.props.auto_upgrade_channel, created.props.node_os_upgrade_channel, created.props.sku_name,
            created.props.location) == ("aks", "1.31.2", "Premium", "AKSLongTermSupport", "none", "Unmanaged",
                                        "Automatic", "westeurope")
    assert created.where("auto_upgrade_channel").line == 2
    assert updated.existing and updated.props.sku_tier == "Standard"
    assert isinstance(updated.props.kubernetes_version, Unknown)


def test_role_assignment_create(tmp_path: Path) -> None:
    result = _load(tmp_path, "az group create -n rg-aks -l westeurope\n"
                             "az role assignment create --assignee-object-id 0a1b --assignee-principal-type "
                             "ServicePrincipal --role Contributor --scope /subscriptions/s/resourceGroups/x\n"
                             "az role assignment create --assignee someone@example.com --role \"AKS Reader\" "
                             "-g rg-aks\n"
                             "az role assignment create --assignee $WHO --role Reader -g rg-else\n")
    grants = [r.props for r in result.resources if isinstance(r.props, RoleAssignmentProps)]
    assert [(g.principal, g.principal_type, g.role, g.scope) for g in grants] == [
        ("0a1b", "ServicePrincipal", "Contributor", "/subscriptions/s/resourceGroups/x"),
        (Unknown("--assignee someone@example.com"), None, "AKS Reader", ResourceRef("deploy.sh#az-group-create:1")),
        (Unknown("$WHO"), None, "Reader", ResourceRef("deploy.sh#elsewhere:resourceGroups/rg-else/rg-else"))]


def test_account_set_changes_the_subscription(tmp_path: Path) -> None:
    result = _load(tmp_path, "az fleet create -g rg -n a\naz account set --subscription prod-sub\n"
                             "az fleet create -g rg -n b\naz fleet create -g rg -n c --subscription other\n")
    assert [r.subscription for r in result.resources] == [SUBSCRIPTION, "prod-sub", "other"]


def test_other_commands_are_not_read(tmp_path: Path) -> None:
    result = _load(tmp_path, "az fleet show -g rg -n f\naz fleet member delete -g rg -f f -n m\n"
                             "az fleetx create -n x\n"
                             "echo az fleet create -n no\n# az fleet create -n commented\n")
    assert result.resources == [] and result.unknowns == []


# -- pipelines ------------------------------------------------------------------------------------


def test_pipeline_steps(tmp_path: Path) -> None:
    workflow = tmp_path / ".github" / "workflows" / "ci.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text("jobs:\n"
                        "  a:\n"
                        "    defaults:\n"
                        "      run:\n"
                        "        shell: pwsh\n"
                        "    steps:\n"
                        "      - run: |\n"
                        "          $N = 'f1'\n"
                        "          az fleet create -g rg -n $N\n"
                        "      - run: az fleet create -g rg -n \"$N\"\n"
                        "        shell: bash\n"
                        "      - run: az fleet create -g rg -n cmd\n"
                        "        shell: cmd\n"
                        "      - uses: actions/github-script@v7\n"
                        "        with:\n"
                        "          script: console.log(\"az fleet create -n js\")\n", encoding="utf-8")
    result, _ = evaluate_pipeline(SourceFile(workflow, ".github/workflows/ci.yml", "yaml"), (tmp_path.resolve(),))
    assert [(r.name, r.location.line, r.location.column) for r in result.resources] == [
        ("f1", 9, 11), (Unknown("$N"), 10, 14)]


def test_pipeline_files_are_found_by_path() -> None:
    from fleetiac.analyzer.frontends.scripts.pipeline import is_pipeline

    assert is_pipeline(".github/workflows/ci.yml") and is_pipeline("repo/.github/workflows/ci.yaml")
    assert is_pipeline("azure-pipelines.yml") and is_pipeline("ci/azure-pipelines-release.yaml")
    assert not is_pipeline(".github/dependabot.yml") and not is_pipeline("k8s/placement.yaml")


# -- in a scan ------------------------------------------------------------------------------------


def test_a_line_that_cannot_be_lexed_is_a_fiac902_note(tmp_path: Path) -> None:
    (tmp_path / "deploy.sh").write_text("echo \"open\naz fleet create -g rg -n f\n", encoding="utf-8")
    options = ScanOptions(select=("FIAC901", "FIAC902"), show_unknown=True, as_of=date(2026, 11, 23), cache=False)
    report = scan([tmp_path], options)
    assert [(f.rule_id, f.location.path, f.location.line, f.message) for f in report.findings] == [
        ("FIAC902", "deploy.sh", 1,
         "line 1 of the script is not read: cannot split the line into words (No closing quotation)")]
    quiet = scan([tmp_path], ScanOptions(select=("FIAC902",), as_of=date(2026, 11, 23), cache=False))
    assert quiet.findings == []


@pytest.mark.parametrize("configured", [False, True])
def test_manifests_beside_a_script_fleet(tmp_path: Path, configured: bool) -> None:
    (tmp_path / "fleet.sh").write_text("az fleet create -g rg -n hubless\n", encoding="utf-8")
    (tmp_path / "placement.yaml").write_text(
        "apiVersion: placement.kubernetes-fleet.io/v1\nkind: ClusterResourcePlacement\nmetadata:\n  name: a\n"
        "spec:\n  resourceSelectors: []\n  policy:\n    placementType: PickAll\n", encoding="utf-8")
    manifests = (("*.yaml", ("az fleet create hubless",)),) if configured else ()
    options = ScanOptions(select=("FIAC301", "FIAC902"), show_unknown=True, as_of=date(2026, 11, 23), cache=False,
                          manifests=manifests)
    report = scan([tmp_path], options)
    found = [(f.rule_id, f.location.line) for f in [*report.findings]]
    # beside a fleet a script creates, the target is unknown; the configuration may name that fleet
    assert found == ([("FIAC301", 1)] if configured else [("FIAC902", 1)])


def test_a_changed_stage_file_is_read_again_with_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLEETIAC_CACHE_DIR", str(tmp_path / "cache"))
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "rollout.sh").write_text(
        "az fleet create -g rg -n f\naz aks create -g rg -n c1\n"
        "az fleet member create -g rg -f f -n m1 --update-group canary "
        "--member-cluster-id \"$(az aks show -g rg -n c1 --query id -o tsv)\"\n"
        "az fleet updatestrategy create -g rg -f f -n s --stages stages.json\n", encoding="utf-8")
    options = ScanOptions(select=("FIAC201",), as_of=date(2026, 11, 23))
    findings = []
    for group in ("canary", "prod", "canary"):
        (tree / "stages.json").write_text(json.dumps({"stages": [{"name": "a", "groups": [{"name": group}]}]}),
                                          encoding="utf-8")
        findings.append([(f.rule_id, f.location.line) for f in scan([tree], options).findings])
    assert findings == [[], [("FIAC201", 3)], []]


def test_workflows_are_discovered_in_github_only(tmp_path: Path) -> None:
    from fleetiac.analyzer.discovery import discover

    for path in (".github/workflows/ci.yml", ".github/dependabot.yml", ".gitlab/ci.yml", "a/.github/workflows/x.yaml",
                 ".github/.hidden/y.yml"):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("on: push\n", encoding="utf-8")
    _, files = discover([tmp_path])
    assert [f.display for f in files] == [".github/dependabot.yml", ".github/workflows/ci.yml",
                                          "a/.github/workflows/x.yaml"]


def test_stages_of_a_file_are_located_in_it(tmp_path: Path) -> None:
    (tmp_path / "cfg").mkdir()
    (tmp_path / "cfg" / "stages.json").write_text('{\n  "stages": [\n    {"name": "s1",\n     "groups": [\n'
                                                  '       {"name": "g1"}]}]}\n', encoding="utf-8")
    (tmp_path / "list.json").write_text('[{"name": "only"}]', encoding="utf-8")
    result = _load(tmp_path, "az fleet updatestrategy create -g rg -f f -n a --stages ./cfg/../cfg/stages.json\n"
                             "az fleet updatestrategy create -g rg -f f -n b --stages list.json\n"
                             "az fleet updatestrategy create -g rg -f f -n c --stages '[{\"name\": \"x\"}]'\n")
    first, second, inline = [r for r in result.resources if not r.existing]

    def at(resource: Resource[Any], key: str) -> tuple[str, int, int]:
        location = resource.where(key)
        return location.path, location.line, location.column

    assert at(first, "stages") == ("deploy.sh", 1, 48)
    assert at(first, "stages[0]") == ("cfg/stages.json", 3, 5)
    assert at(first, "stages[0].name") == ("cfg/stages.json", 3, 14)
    assert at(first, "stages[0].groups[0].name") == ("cfg/stages.json", 5, 17)
    assert at(second, "stages[0].name") == ("list.json", 1, 11)
    assert at(inline, "stages[0].name") == ("deploy.sh", 3, 48)


def test_a_fleet_another_script_creates_is_that_fleet(tmp_path: Path) -> None:
    (tmp_path / "01-fleet.sh").write_text("az fleet create -g rg-fleet -n fleet\n", encoding="utf-8")
    (tmp_path / "02-members.ps1").write_text(
        "az fleet member create -g rg-fleet -f fleet -n edge --update-group edge --member-cluster-id "
        "/subscriptions/6b1f3a9e-2c4d-4e8f-9a0b-1c2d3e4f5a6b/resourceGroups/rg/providers/"
        "Microsoft.Kubernetes/connectedClusters/edge\n", encoding="utf-8")
    report = scan([tmp_path], ScanOptions(select=("FIAC301",), as_of=date(2026, 11, 23), cache=False))
    assert [(f.rule_id, f.location.path, f.message) for f in report.findings] == [
        ("FIAC301", "02-members.ps1", "Arc-enabled member edge (az fleet member create edge) supports workload "
         "placement only, which needs a hub, but fleet az fleet create fleet has none")]
