"""The one located-value layer: a path such as ``properties.stages[0].name`` read from evaluated
values as a value and the place it is written, the same way for every front end."""

from __future__ import annotations

from pathlib import Path

from fleetiac.analyzer.discovery import discover
from fleetiac.analyzer.engine import ScanOptions, load
from fleetiac.analyzer.frontends.located import LocatedDict, LocatedList, locate, lookup
from fleetiac.analyzer.model import Location
from fleetiac.analyzer.values import ABSENT, Unknown, path_steps, value_at


def loc(line: int) -> Location:
    return Location("main.bicep", line)


def body() -> LocatedDict:
    stage = LocatedDict(name="canary")
    stage.locs["name"] = loc(4)
    stages = LocatedList([stage, {"name": "built-by-a-loop"}])
    stages.locs = [loc(3), None]
    properties = LocatedDict(Stages=stages, group=Unknown("param.group"))
    properties.locs.update(Stages=loc(2), group=loc(6))
    top = LocatedDict(properties=properties)
    top.locs["properties"] = loc(1)
    return top


def test_path_steps() -> None:
    assert path_steps("properties.stages[0].name") == ("properties", "stages", 0, "name")
    assert path_steps("a") == ("a",)


def test_lookup_folds_case_as_arm_does_and_returns_where_it_is_written() -> None:
    assert lookup(body(), "properties.stages[0].name") == ("canary", loc(4))
    assert lookup(body(), "properties.stages[0].name", fold_case=False) == (ABSENT, None)


def test_a_value_built_by_an_expression_is_located_at_the_deepest_written_property() -> None:
    assert lookup(body(), "properties.stages[1].name") == ("built-by-a-loop", loc(2))
    assert locate(body(), "properties.stages[1].name") == loc(2)
    assert locate(body(), "properties.stages[0].name") == loc(4)


def test_absent_and_unknown() -> None:
    assert lookup(body(), "properties.missing") == (ABSENT, None)
    assert locate(body(), "properties.missing.deeper") == loc(1)
    # An unknown container might hold anything: the value is the unknown itself, where it is written.
    assert lookup(body(), "properties.group.name") == (Unknown("param.group"), loc(6))
    assert value_at({"spec": Unknown("x")}, "spec.policy") == Unknown("x")
    assert value_at({"spec": {"policy": None}}, "spec.policy") is None
    assert value_at({"spec": {}}, "spec.policy") is ABSENT
    assert value_at({"Spec": {}}, "spec", fold_case=False) is ABSENT


def test_azapi_body_paths_are_found_regardless_of_case_like_bicep(tmp_path: Path) -> None:
    """The Terraform azapi body goes through the same walker: a key written ``HubProfile`` is where
    the fleet's hub is said (before, only an exact-case key was found, and the finding fell back to
    the enclosing ``properties``)."""
    (tmp_path / "main.tf").write_text('''resource "azapi_resource" "fleet" {
  type      = "Microsoft.ContainerService/fleets@2025-03-01"
  name      = "fleet"
  parent_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg"
  body = {
    properties = {
      HubProfile = {
        dnsPrefix = "fleet"
      }
    }
  }
}
''', encoding="utf-8")
    _, files = discover([tmp_path], tmp_path)
    [resources] = load(files, ScanOptions(cache=False, workers=1)).variants
    [fleet] = resources
    assert fleet.props.hub is True
    assert fleet.locations["hub"] == Location("main.tf", 7, 7, 9, 8)
