"""Configuration files through the CLI: discovery upward, CLI precedence, unknown keys, `fleetiac config`."""

from __future__ import annotations

from pathlib import Path

from tests.ci_helpers import AS_OF, git_repo, member_tf, run, scan_json


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


def test_config_stops_at_the_repository_root(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.fleetiac]\nfail-on = "never"\n')
    repo = git_repo(tmp_path / "repo")
    (repo / "main.tf").write_text(member_tf())
    result = run("config", str(repo))
    assert result.stdout.splitlines()[0] == "# configuration file: no configuration file"
