"""The rule catalog is a contract: the registry must match policies.md (IDs, names, levels) and the
README's table, and every catalog ID must have a rule."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fleetiac.analyzer.rules import all_rules

ROOT = Path(__file__).resolve().parents[1]
POLICIES = ROOT.parent / "shared" / "spec" / "policies.md"
ROW = re.compile(r"^\|\s*(FIAC\d{3})\s*\|\s*([a-z0-9-]+)\s*\|\s*(error|warning|note)\s*\|", re.M)


def table(text: str) -> dict[str, tuple[str, str]]:
    return {rule_id: (name, level) for rule_id, name, level in ROW.findall(text)}


def registry() -> dict[str, tuple[str, str]]:
    return {r.info.id: (r.info.name, r.info.level.value) for r in all_rules()}


def _catalog() -> dict[str, tuple[str, str]]:
    if not POLICIES.exists():
        pytest.skip(f"the shared spec is not beside the repository ({POLICIES})")
    catalog = table(POLICIES.read_text(encoding="utf-8"))
    assert catalog, "no rule rows found in policies.md"
    return catalog


def test_every_rule_matches_the_policy_catalog() -> None:
    catalog = _catalog()
    assert {rule_id: catalog.get(rule_id) for rule_id in registry()} == registry()


def test_every_catalog_rule_is_implemented() -> None:
    assert sorted(set(_catalog()) - set(registry())) == []


def test_readme_lists_every_rule_with_its_name_and_level() -> None:
    assert table((ROOT / "README.md").read_text(encoding="utf-8")) == registry()


def test_readme_documents_every_scan_option() -> None:
    from fleetiac.analyzer.cli import main

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    options = [opt for p in main.commands["scan"].params for opt in (*p.opts, *p.secondary_opts)
               if opt.startswith("--")]
    assert [o for o in options if f"`{o}" not in readme] == []
