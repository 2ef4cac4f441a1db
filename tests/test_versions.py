"""The AKS version data and how versions are read (policies/versions.py)."""

from __future__ import annotations

import re
from datetime import date

import pytest

from fleetiac.analyzer.engine import ScanOptions, scan
from fleetiac.analyzer.knowledge.aks_versions import (
    Version,
    calendar,
    calendar_date,
    compare_versions,
    load_calendar,
    parse_version,
)
from fleetiac.analyzer.values import Unknown


@pytest.mark.parametrize(("text", "expected"), [
    ("1.36", Version(1, 36)),
    ("1.36.2", Version(1, 36, 2)),
    ("v1.36.2", Version(1, 36, 2)),
    (" 1.36 ", Version(1, 36)),
])
def test_parse_version_reads_aliases_and_patches(text: str, expected: Version) -> None:
    assert parse_version(text) == expected


@pytest.mark.parametrize("text", ["", "1", "latest", "1.36.x", "1.36.2-preview", None, 136])
def test_parse_version_rejects_other_text(text: object) -> None:
    assert parse_version(text) is None


def test_compare_versions_on_the_parts_both_write() -> None:
    assert compare_versions(Version(1, 35, 4), Version(1, 36, 2)) == -1
    assert compare_versions(Version(1, 34), Version(1, 35, 1)) == -1
    assert compare_versions(Version(1, 36, 2), Version(1, 36, 2)) == 0
    assert compare_versions(Version(1, 36), Version(1, 36)) == 0
    assert compare_versions(Version(1, 36), Version(1, 36, 2)) is None  # an alias may be any patch
    assert compare_versions(Version(1, 37), Version(1, 36, 9)) == 1


def test_month_only_dates_mean_the_last_day_of_the_month() -> None:
    assert calendar_date("2026-11") == date(2026, 11, 30)
    assert calendar_date("2028-02") == date(2028, 2, 29)
    assert calendar_date("2025-08-22") == date(2025, 8, 22)


def test_packaged_calendar_has_source_date_and_the_spec_table() -> None:
    data = calendar()
    assert "azure-facts" in data.source and data.retrieved == date(2026, 8, 5)
    assert [r.label for r in sorted(data.releases, key=lambda r: r.minor)] == [
        f"1.{n}" for n in range(29, 38)]
    assert data.end_of_support(Version(1, 30, 1), lts=False) == date(2025, 8, 22)
    assert data.end_of_support(Version(1, 31), lts=False) == date(2025, 11, 1)
    assert data.end_of_support(Version(1, 34), lts=False) == date(2026, 11, 30)
    assert data.end_of_support(Version(1, 34), lts=True) == date(2027, 11, 30)


def test_minors_outside_the_data() -> None:
    data = calendar()
    assert data.end_of_support(Version(1, 38), lts=False) is None
    assert not data.knows(Version(1, 38, 0))
    # older than the oldest: ended no later than the oldest did
    assert data.end_of_support(Version(1, 27, 3), lts=False) == date(2025, 3, 31)


def test_supported_minors_and_staleness() -> None:
    data = calendar()
    assert data.supported(date(2026, 11, 23)) == ["1.34", "1.35", "1.36", "1.37"]
    assert not data.is_stale(date(2027, 8, 5))
    assert data.is_stale(date(2027, 8, 6))


def test_load_calendar_rejects_patch_versions_as_minors() -> None:
    text = ('{"source": "s", "retrieved": "2026-01", "minors": '
            '[{"minor": "1.30.1", "ga": "2024-07", "end_of_life": "2025-08", "lts_end": "2026-07"}]}')
    with pytest.raises(ValueError):
        load_calendar(text)


MEMBER = '''
resource "azurerm_kubernetes_cluster" "west" {{
  name                = "aks-west"
  resource_group_name = "rg-aks"
  kubernetes_version  = "{version}"
}}

resource "azurerm_kubernetes_fleet_member" "west" {{
  name                  = "aks-west"
  kubernetes_fleet_id   = "{fleet}"
  kubernetes_cluster_id = azurerm_kubernetes_cluster.west.id
}}
'''


FLEET_ID = ("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg"
            "/providers/Microsoft.ContainerService/fleets/f")


def _scan(tmp_path, version: str, as_of: date):
    (tmp_path / "main.tf").write_text(MEMBER.format(version=version, fleet=FLEET_ID), encoding="utf-8")
    return scan([tmp_path], ScanOptions(select=("FIAC401", "FIAC902"), as_of=as_of, show_unknown=True))


def test_newer_minor_gives_one_notice_and_a_skipped_decision(tmp_path) -> None:
    report = _scan(tmp_path, "1.38.1", date(2026, 11, 23))
    assert [f.rule_id for f in report.findings] == ["FIAC902"]
    assert len(report.notices) == 1 and "1.38" in report.notices[0]


def test_stale_data_does_not_rely_on_forecast_end_dates(tmp_path) -> None:
    # 1.36's end of life (2027-06-30) lies after the data's date: with data over a year old, skip it.
    report = _scan(tmp_path, "1.36", date(2027, 12, 1))
    assert [f.rule_id for f in report.findings] == ["FIAC902"]
    assert len(report.notices) == 1 and "more than a year" in report.notices[0]


def test_stale_data_still_reports_ends_it_had_seen(tmp_path) -> None:
    # 1.30 ended 2025-08-22, before the data was gathered: a fact, not a forecast.
    report = _scan(tmp_path, "1.30", date(2027, 12, 1))
    assert [f.rule_id for f in report.findings] == ["FIAC401"]
    assert report.notices == []


def test_fresh_data_gives_no_notice(tmp_path) -> None:
    report = _scan(tmp_path, "1.35.2", date(2026, 11, 23))
    assert report.findings == [] and report.notices == []


# -- regional version data (--aks-versions) ------------------------------------------------------

_REGION_JSON = ('{"values": [{"version": "1.36", "isPreview": null, "capabilities": {"supportPlan": '
                '["KubernetesOfficial"]}, "patchVersions": {"1.36.1": {"upgrades": []}, "1.36.3": {}}}]}')


def test_regional_data_takes_its_region_from_the_id_else_the_file_name(tmp_path) -> None:
    from fleetiac.analyzer.knowledge.aks_versions import load_regional

    named = tmp_path / "westeurope.json"
    named.write_text(_REGION_JSON, encoding="utf-8")
    with_id = tmp_path / "east-versions.json"
    with_id.write_text('{"id": "/subscriptions/x/providers/Microsoft.ContainerService/locations/East US 2/'
                       'kubernetesVersions/default", ' + _REGION_JSON[1:], encoding="utf-8")
    regional = load_regional([named, with_id])
    assert sorted(regional) == ["eastus2", "westeurope"]
    west = regional["westeurope"]
    assert west.files == ("westeurope.json",)
    assert [west.offers(v) for v in (Version(1, 36), Version(1, 36, 1), Version(1, 36, 2), Version(1, 37))] == [
        True, True, False, False]


@pytest.mark.parametrize(("name", "text", "message"), [
    ("aks-versions.json", _REGION_JSON, "no region"),
    ("westeurope.json", "[]", "not the output of `az aks get-versions"),
    ("westeurope.json", "{", "not JSON"),
    ("westeurope.json", '{"values": [{"version": "1.36"}]}', "needs a `version` and a `patchVersions`"),
])
def test_regional_data_that_cannot_be_read_is_an_error_naming_the_file(tmp_path, name: str, text: str,
                                                                        message: str) -> None:
    from fleetiac.analyzer.knowledge.aks_versions import RegionalDataError, load_regional

    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RegionalDataError, match=re.escape(message)) as caught:
        load_regional([path])
    assert str(caught.value).startswith(str(path))


def test_aks_versions_flag_without_a_region_is_a_usage_error(tmp_path) -> None:
    from click.testing import CliRunner

    from fleetiac.analyzer.cli import main

    (tmp_path / "main.tf").write_text("", encoding="utf-8")
    data = tmp_path / "versions.json.txt"
    data.write_text(_REGION_JSON, encoding="utf-8")
    result = CliRunner().invoke(main, ["scan", "--no-cache", "--aks-versions", str(data), str(tmp_path)])
    assert result.exit_code == 2
    assert f"{data}: no region" in result.output


def test_aks_versions_key_is_confined_to_the_scanned_root(tmp_path) -> None:
    from fleetiac.analyzer.config import ConfigError, validate

    root = tmp_path / "repo"
    root.mkdir()
    (root / "westeurope.json").write_text(_REGION_JSON, encoding="utf-8")
    config = root / ".fleetiac.toml"
    values = validate({"aks-versions": ["westeurope.json"]}, config, "", root.resolve())
    assert values["aks-versions"] == ((root / "westeurope.json").resolve(),)
    with pytest.raises(ConfigError) as caught:
        validate({"aks-versions": ["../outside.json"]}, config, "", root.resolve())
    assert str(caught.value) == (f"{config}: aks-versions entry '../outside.json' is outside the scanned root, so it "
                                 "is not read (fleetiac reads nothing outside it; name the file with --aks-versions "
                                 "on the command line to read it)")


def test_label_selectors_follow_kubernetes_syntax() -> None:
    from fleetiac.analyzer.graph.stages import parse_selector, selector_matches

    assert parse_selector("env in (prod, staging),!canary, tier!=web,region") is not None
    assert parse_selector("env in prod") is None
    labels = {"env": "prod", "tier": "api"}
    cases = {"env=prod": True, "env==prod": True, "env!=prod": False, "env in (dev,prod)": True,
             "env notin (prod)": False, "tier": True, "!tier": False, "zone!=a": True, "zone notin (a)": True,
             "zone": False, "env=prod,tier=web": False, "": True, "env in prod": None}
    assert {text: selector_matches(text, labels) for text in cases} == cases
    assert selector_matches("env=prod", {"env": Unknown("var.env")}) is None
    assert selector_matches("env=prod", Unknown("var.labels")) is None
    assert selector_matches("!env", {}) is True


def test_members_a_stage_selects_follow_the_terms() -> None:
    from fleetiac.analyzer.graph.stages import stage_selects
    from fleetiac.analyzer.model import Group, Kind, Location, MemberProps, Resource, Stage

    def member(group: object, labels: object) -> Resource:
        return Resource("k", "m", Kind.MEMBER, "t", "l", Location("f", 1), MemberProps(group=group, labels=labels))

    prod = member("ring1", {"env": "prod"})
    dev = member("ring1", {"env": "dev"})
    unknown_group = member(Unknown("var.group"), {"env": "prod"})
    by_group = Stage(name="s", groups=(Group(name="ring1"),))
    by_label = Stage(name="s", member_selector="env=prod")
    prefiltered = Stage(name="s", member_selector="env=prod", groups=(Group(name="ring1"),))
    group_selector = Stage(name="s", groups=(Group(name="display only", member_selector="env=dev"),))
    assert [stage_selects(by_group, m) for m in (prod, dev, unknown_group)] == [True, True, None]
    assert [stage_selects(by_label, m) for m in (prod, dev, unknown_group)] == [True, False, True]
    assert [stage_selects(prefiltered, m) for m in (prod, dev, unknown_group)] == [True, False, None]
    assert [stage_selects(group_selector, m) for m in (prod, dev, unknown_group)] == [False, True, False]
    assert stage_selects(Stage(name="s", groups=(Group(name="Ring1"),)), prod) is False  # case-sensitive
    assert stage_selects(Unknown("var.stage"), prod) is None
