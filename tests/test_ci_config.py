"""Configuration files through the CLI: discovery upward, CLI precedence, unknown keys, `fleetiac config`."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ci_helpers import AS_OF, ROOT, git_repo, member_tf, run, scan_json


def _tree(tmp_path: Path, config: str, name: str = "pyproject.toml") -> Path:
    repo = git_repo(tmp_path / "repo")
    (repo / name).write_text(config)
    infra = repo / "infra" / "fleet"
    infra.mkdir(parents=True)
    (infra / "main.tf").write_text(member_tf())
    (repo / "infra" / "legacy").mkdir()
    (repo / "infra" / "legacy" / "main.tf").write_text(member_tf(name="old"))
    return repo


def test_pyproject_table_is_found_from_a_subfolder(tmp_path: Path) -> None:
    repo = _tree(tmp_path, '[tool.fleetiac]\nexclude = ["infra/legacy"]\nfail-on = "warning"\n\n'
                           '[tool.fleetiac.levels]\nFIAC203 = "error"\n')
    code, doc = scan_json(str(repo / "infra"))
    assert code == 1
    assert [(f["rule_id"], f["path"], f["line"], f["level"]) for f in doc["findings"]] == [
        ("FIAC203", "infra/fleet/main.tf", 7, "error")]


def test_cli_flags_override_the_file(tmp_path: Path) -> None:
    repo = _tree(tmp_path, 'select = ["FIAC3"]\nfail-on = "warning"\n', name=".fleetiac.toml")
    code, doc = scan_json(str(repo / "infra" / "fleet"), "--fail-on", "error")
    # --select from the helper overrides select = FIAC3; --fail-on error overrides warning.
    assert code == 0
    assert [(f["rule_id"], f["path"]) for f in doc["findings"]] == [("FIAC203", "infra/fleet/main.tf")]
    assert run("scan", str(repo / "infra" / "fleet"), *AS_OF).exit_code == 0  # select = FIAC3: nothing


def test_fleetiac_toml_wins_over_pyproject_in_the_same_folder(tmp_path: Path) -> None:
    repo = _tree(tmp_path, '[tool.fleetiac]\nfail-on = "note"\n')
    (repo / ".fleetiac.toml").write_text('fail-on = "never"\n')
    result = run("config", str(repo / "infra"))
    assert result.exit_code == 0
    assert 'fail-on = "never"' in result.stdout and "# .fleetiac.toml" in result.stdout


def test_unknown_key_is_an_error_naming_file_and_key(tmp_path: Path) -> None:
    repo = _tree(tmp_path, '[tool.fleetiac]\nignroe = ["FIAC203"]\n')
    result = run("scan", str(repo), *AS_OF)
    assert result.exit_code == 2
    assert f"{repo / 'pyproject.toml'}: unknown key 'tool.fleetiac.ignroe'" in result.output
    assert "Traceback" not in result.output


def test_bad_level_and_unknown_rule_in_levels_are_errors(tmp_path: Path) -> None:
    repo = _tree(tmp_path, '[tool.fleetiac.levels]\nFIAC203 = "fatal"\n')
    assert "tool.fleetiac.levels.FIAC203 must be one of error, warning, note" in run("scan", str(repo)).output
    (repo / "pyproject.toml").write_text('[tool.fleetiac.levels]\nFIAC999 = "error"\n')
    result = run("scan", str(repo))
    assert result.exit_code == 2 and "unknown rule 'FIAC999'" in result.output


def test_config_command_shows_values_and_their_sources(tmp_path: Path) -> None:
    repo = _tree(tmp_path, '[tool.fleetiac]\nselect = "FIAC2, FIAC9"\nas-of = 2026-11-23\n'
                           'operators = ["var.deployer_id"]\nvar-files = ["env/prod.tfvars"]\n')
    result = run("config", str(repo / "infra"))
    assert result.exit_code == 0
    lines = [" ".join(line.split()) for line in result.stdout.splitlines()]
    source = "# pyproject.toml [tool.fleetiac]"
    assert lines[0] == "# configuration file: pyproject.toml [tool.fleetiac]"
    assert f'select = ["FIAC2", "FIAC9"] {source}' in lines
    assert "ignore = [] # default" in lines
    assert f"as-of = 2026-11-23 {source}" in lines
    assert f'operators = ["var.deployer_id"] {source}' in lines
    assert f'var-files = ["{(repo / "env" / "prod.tfvars").as_posix()}"] {source}' in lines
    assert 'fail-on = "error" # default' in lines
    assert 'unreadable-fleet-files = "error" # default' in lines


def test_config_stops_at_the_repository_root(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.fleetiac]\nfail-on = "never"\n')
    repo = git_repo(tmp_path / "repo")
    (repo / "main.tf").write_text(member_tf())
    result = run("config", str(repo))
    assert result.stdout.splitlines()[0] == "# configuration file: no configuration file"


# ---------------------------------------------------------------------------------------------
# What a pull request can change (issue 18, item 6): --isolated, --config, the command line wins

PR_CONFIG = 'ignore = ["FIAC2"]\nfail-on = "never"\nexclude = ["**"]\n'
"""What a pull request adds beside the code it changes to blind the gate."""


def _pr_tree(tmp_path: Path) -> Path:
    repo = _tree(tmp_path, '[tool.fleetiac]\nfail-on = "warning"\n')
    (repo / "infra" / ".fleetiac.toml").write_text(PR_CONFIG)
    (repo / "infra" / "fleet" / "main.tf").write_text(
        member_tf(directive="# fleetiac:ignore FIAC203 -- not needed"))
    return repo


def test_isolated_ignores_every_configuration_and_inline_suppression_in_the_tree(tmp_path: Path) -> None:
    repo = _pr_tree(tmp_path)
    code, doc = scan_json(str(repo / "infra"))
    # The nearest file applies; it excludes everything, and scanning nothing is exit 2, not a pass.
    assert (code, doc["findings"], doc["summary"]["files"]) == (2, [], 0)
    code, doc = scan_json(str(repo / "infra"), "--isolated")
    assert code == 0 and doc["suppressed"] == []
    assert sorted((f["rule_id"], f["path"]) for f in doc["findings"]) == [
        ("FIAC203", "infra/fleet/main.tf"), ("FIAC203", "infra/legacy/main.tf")]
    assert scan_json(str(repo / "infra"), "--isolated", "--fail-on", "warning")[0] == 1
    result = run("config", "--isolated", str(repo / "infra"))
    assert result.exit_code == 0
    assert result.stdout.splitlines()[:2] == ["# configuration file: none (--isolated)",
                                              "# inline suppressions: ignored (--isolated)"]
    assert 'fail-on = "error" # default' in [" ".join(line.split()) for line in result.stdout.splitlines()]


def test_config_names_the_one_file_used(tmp_path: Path) -> None:
    repo = _pr_tree(tmp_path)
    trusted = tmp_path / "trusted" / "fleetiac.toml"
    trusted.parent.mkdir()
    trusted.write_text('exclude = ["infra/legacy"]\nfail-on = "warning"\n')
    code, doc = scan_json(str(repo / "infra"), "--config", str(trusted), "--no-inline-suppressions")
    assert code == 1
    assert [(f["rule_id"], f["path"]) for f in doc["findings"]] == [("FIAC203", "infra/fleet/main.tf")]
    result = run("config", "--config", str(trusted), str(repo / "infra"))
    assert result.stdout.splitlines()[0] == f"# configuration file: {trusted.as_posix()} (--config)"
    assert 'fail-on = "warning"' in result.stdout and f"# {trusted.as_posix()} (--config)" in result.stdout
    # A pyproject.toml is read for its [tool.fleetiac] table, which it must have.
    assert "fail-on = \"warning\"" in run("config", "--config", str(repo / "pyproject.toml"), str(repo)).stdout
    (tmp_path / "trusted" / "pyproject.toml").write_text("[tool.other]\n")
    result = run("scan", str(repo), "--config", str(tmp_path / "trusted" / "pyproject.toml"))
    assert result.exit_code == 2 and "has no [tool.fleetiac] table" in result.output
    result = run("scan", str(repo), "--config", str(tmp_path / "missing.toml"))
    assert result.exit_code == 2 and "--config names no file" in result.output
    result = run("scan", str(repo), "--config", str(trusted), "--isolated")
    assert result.exit_code == 2 and "--config cannot be used with --isolated" in result.output


def test_var_files_of_a_config_file_outside_the_tree_are_the_users(tmp_path: Path) -> None:
    repo = _tree(tmp_path, "")
    (repo / "infra" / "fleet" / "main.tf").write_text(
        'variable "name" {}\n' + member_tf().replace('"aks-west"', "var.name"))
    (tmp_path / "ci").mkdir()
    (tmp_path / "ci" / "ci.tfvars").write_text('name = "from-ci"\n')
    (tmp_path / "ci" / "fleetiac.toml").write_text('var-files = ["ci.tfvars"]\n')
    _, doc = scan_json(str(repo / "infra"), "--config", str(tmp_path / "ci" / "fleetiac.toml"))
    assert {f["message"].split(" (")[0] for f in doc["findings"]} == {"member from-ci", "member aks-old"}
    # The same file inside the tree is the tree's: its var-files stay inside the scanned root.
    (repo / "infra" / "ci.toml").write_text('var-files = ["../../ci/ci.tfvars"]\n')
    result = run("scan", str(repo / "infra"), "--config", str(repo / "infra" / "ci.toml"))
    assert result.exit_code == 2 and "is outside the scanned root, so it is not read" in result.output


def test_the_command_line_wins_over_the_configuration(tmp_path: Path) -> None:
    repo = _tree(tmp_path, '[tool.fleetiac]\nignore = ["FIAC203"]\nfail-on = "never"\nexclude = ["infra/legacy"]\n\n'
                           '[tool.fleetiac.levels]\nFIAC203 = "note"\nFIAC901 = "error"\n')
    # --select on the command line is the whole selection: the file's ignore does not take it away.
    code, doc = scan_json(str(repo), "--fail-on", "warning")
    assert code == 0 and [f["level"] for f in doc["findings"]] == ["note"]
    # --level overrides the file's level of the rules it names; the file's other levels stay.
    code, doc = scan_json(str(repo), "--fail-on", "warning", "--level", "fiac203=warning")
    assert code == 1 and [f["level"] for f in doc["findings"]] == ["warning"]
    code, doc = scan_json(str(repo), "--fail-on", "warning", "--level", "FIAC901=warning")
    assert code == 0 and [f["level"] for f in doc["findings"]] == ["note"]
    result = run("scan", str(repo), "--level", "FIAC203=fatal")
    assert result.exit_code == 2 and "'FIAC203=fatal' is not RULE=LEVEL" in result.output
    result = run("scan", str(repo), "--level", "FIAC999=error")
    assert result.exit_code == 2 and "unknown rule 'FIAC999'" in result.output


def test_the_action_scans_isolated_by_default_and_the_readme_says_why() -> None:
    import yaml

    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    assert action["inputs"]["isolated"]["default"] == "true" and action["inputs"]["config"]["default"] == ""
    command = next(step for step in action["runs"]["steps"] if step.get("id") == "scan")["run"]
    assert "trust+=(--isolated)" in command and "trust+=(--config \"$CONFIG\")" in command
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Security model", 1)[1].split("\n## ", 1)[0]
    for part in ("**The scanned root**", "**What it reads.**", "**What it never executes.**",
                 "**What it never fetches.**", "**What a pull request can change.**",
                 "**Recommended for untrusted pull requests**", "--isolated", "--config FILE"):
        assert part in section, part


@pytest.mark.parametrize("config", [
    'select = ["FIAC2"]\nfail-on = "warning"\n[levels]\nFIAC203 = "error"\n'
    '[manifests]\n"k8s/**" = ["azurerm_kubernetes_fleet_manager.fleet"]\n',
    'fail-on = "note"\n',  # the tables left at their defaults: printed as {}
], ids=["tables", "defaults"])
def test_config_output_reads_back_as_the_same_configuration(tmp_path: Path, config: str) -> None:
    first = tmp_path / "first"
    first.mkdir()
    (first / "main.tf").write_text(member_tf())
    (first / ".fleetiac.toml").write_text(config)
    printed = run("config", str(first))
    assert printed.exit_code == 0, printed.output
    second = tmp_path / "second"
    second.mkdir()
    (second / "main.tf").write_text(member_tf())
    (second / ".fleetiac.toml").write_text(printed.stdout)
    again = run("config", str(second))
    assert again.exit_code == 0, again.output

    def values(text: str) -> list[str]:
        return [line.split("  #")[0].rstrip() for line in text.splitlines() if not line.startswith("#")]

    assert values(again.stdout) == values(printed.stdout)
