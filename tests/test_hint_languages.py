"""Hints in the language of the file (issue 17, "The text report"): no Terraform syntax in a Bicep or
ARM JSON hint, no Bicep syntax in a Terraform or ARM JSON one. Checked over every rule's fixture
snapshot (each finding's file and hint), and on :func:`~analyzer.knowledge.dialects.dialect`."""

from __future__ import annotations

import re
from itertools import pairwise
from pathlib import Path

import pytest

from fleetiac.analyzer.model import Kind, Location, Resource, props_for
from fleetiac.analyzer.rules import assignment, dialect, scheduled_start

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TERRAFORM_SYNTAX = re.compile(r'\(Terraform\)| = "|azurerm_\w+\.<|ignore_changes|lifecycle')
BICEP_SYNTAX = re.compile(r": '|\(Bicep\)|Bicep symbol")


def _hints() -> list[tuple[str, str, str]]:
    """(rule, file, hint) of every finding with a hint in the fixture snapshots."""
    out = []
    for snapshot in sorted(FIXTURES.glob("*/snapshot.txt")):
        lines = snapshot.read_text(encoding="utf-8").splitlines()
        for previous, line in pairwise(lines):
            if line.startswith("  hint: ") and not previous.startswith("  "):
                out.append((snapshot.parent.name, previous.split(":", 1)[0], line.removeprefix("  hint: ")))
    return out


def test_every_hint_fits_the_language_of_its_file() -> None:
    hints = _hints()
    assert len(hints) > 100
    wrong = []
    for rule, path, hint in hints:
        terraform = path.endswith((".tf", ".tf.json", "plan.json"))
        if not terraform and path.endswith((".bicep", ".json")) and TERRAFORM_SYNTAX.search(hint):
            wrong.append((rule, path, hint))
        if (terraform or path.endswith(".json")) and BICEP_SYNTAX.search(hint):
            wrong.append((rule, path, hint))
    assert wrong == []


def _resource(language: str, source_type: str) -> Resource:
    return Resource("k", "a", Kind.MEMBER, source_type, language, Location("f", 1), props_for(Kind.MEMBER, {}))


@pytest.mark.parametrize(("language", "source_type", "expected", "group", "schedule"), [
    ("terraform", "azurerm_kubernetes_fleet_member", "azurerm", 'group = "x"', 'startDay = "Saturday"'),
    ("terraform", "azapi_resource", "azapi", 'properties.group = "x"', 'startDay = "Saturday"'),
    ("bicep", "Microsoft.ContainerService/fleets/members", "bicep", "properties.group: 'x'", "startDay: 'Saturday'"),
    ("armjson", "Microsoft.ContainerService/fleets/members", "arm", 'properties.group: "x"', '"startDay": "Saturday"'),
    ("shell", "az fleet member create", "az", 'properties.group: "x"', '"startDay": "Saturday"'),
    ("yaml", "az fleet member create", "az", 'properties.group: "x"', '"startDay": "Saturday"'),
])
def test_dialect_of_each_language(language: str, source_type: str, expected: str, group: str,
                                  schedule: str) -> None:
    resource = _resource(language, source_type)
    assert dialect(resource) == expected
    assert assignment(resource, "group", "properties.group", "x") == group
    assert schedule in scheduled_start(resource)
