"""Output injection (issue 18, item 8): one tree of hostile names, scanned into every format.

Names, group names, for_each keys, suppression reasons, module sources and file names carry CI
commands (``::error::``, ``##vso[...]``, ``##[error]``), line breaks, HTML, links, backticks, ANSI
escapes, BEL, lone surrogates and a file name that is not UTF-8. Every format must come out whole
(no traceback, exit 1 for the findings), parse back where it is a data format, and hold nothing a CI
agent, a terminal or a markdown renderer would act on."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from fleetiac.analyzer.reporters import FORMATS
from fleetiac.analyzer.reporters._escape import json_text, line_start, line_text, md_code, md_message, workflow_text

ROOT = Path(__file__).resolve().parents[1]
CLUSTER = ("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-aks/providers/"
           "Microsoft.ContainerService/managedClusters/aks-west")

# The payload as each language's string escapes write it (one line of source, hostile once evaluated).
_PARTS = ["::error::x", "##vso[task.setvariable variable=x]y", "##[error]z", "<img src=x onerror=alert(1)>",
          "`", "[l](http://e)", "##VSO[task.setvariable variable=v]w"]
# HCL rejects a surrogate escape (HashiCorp: "Cannot encode character"): only Bicep's payload has one.
TF_PAYLOAD = r"\r\n" + " ".join(_PARTS) + r" \u001b[31m \u0007 \ufffd \r::add-mask::m"
BICEP_PAYLOAD = r"\r\n" + " ".join(_PARTS) + r" \u{1B}[31m \u{7} \u{D800} \r::stop-commands::s"
HOSTILE_FILE_NAME = "::error::f ##vso[task.setvariable variable=f]g ##[error]h <img src=x> [l](javascript:x)`.tf"
COMMAND_AT_LINE_START = re.compile(r"^\s*(::|##[a-z]*\[)", re.I)


def _tree(root: Path) -> None:
    (root / "main.tf").write_text(f'''resource "azurerm_kubernetes_fleet_manager" "fleet" {{
  name                = "fleet"
  location            = "westeurope"
  resource_group_name = "rg-fleet"
}}

resource "azurerm_kubernetes_fleet_update_strategy" "tiers" {{
  name                        = "tiers"
  kubernetes_fleet_manager_id = azurerm_kubernetes_fleet_manager.fleet.id
  stage {{
    name = "canary"
    group {{
      name = "canary"
    }}
  }}
}}

resource "azurerm_kubernetes_fleet_member" "m" {{
  for_each              = toset(["{TF_PAYLOAD}"])
  name                  = each.key
  kubernetes_fleet_id   = azurerm_kubernetes_fleet_manager.fleet.id
  kubernetes_cluster_id = "{CLUSTER}"
  group                 = each.key
}}

# fleetiac:ignore FIAC203 -- ##vso[task.setvariable variable=r]s ##[error]t <img src=x> ` [l](http://e)
resource "azurerm_kubernetes_fleet_member" "quiet" {{
  name                  = "quiet"
  kubernetes_fleet_id   = azurerm_kubernetes_fleet_manager.fleet.id
  kubernetes_cluster_id = "{CLUSTER}"
}}

module "m" {{
  source = "git::https://example.com/##vso[task.setvariable variable=n]o.git?ref=<img src=x>"
}}
''', encoding="utf-8")
    bicep = root / "bicep"
    bicep.mkdir()
    (bicep / "main.bicep").write_text(f'''resource fleet 'Microsoft.ContainerService/fleets@2025-03-01' = {{
  name: 'fleet'
  location: 'westeurope'
}}

resource tiers 'Microsoft.ContainerService/fleets/updateStrategies@2025-03-01' = {{
  parent: fleet
  name: 'tiers'
  properties: {{
    strategy: {{
      stages: [
        {{
          name: 'canary'
          groups: [
            {{ name: 'canary' }}
          ]
        }}
      ]
    }}
  }}
}}

resource west 'Microsoft.ContainerService/fleets/members@2025-03-01' = {{
  parent: fleet
  name: '{BICEP_PAYLOAD}'
  properties: {{
    clusterResourceId: '{CLUSTER}'
    group: '{BICEP_PAYLOAD}'
  }}
}}
''', encoding="utf-8")
    # File names are parse errors (FIAC901) quoted in every format: CI commands, a line break, an ESC
    # and a byte that is not UTF-8 (Linux file names are bytes).
    broken = "locals {\n  x = = 1\n}\n"
    (root / HOSTILE_FILE_NAME).write_text(broken, encoding="utf-8")
    (root / "nl\n::error::newline\r##vso[task.complete result=Failed]\x1b[31m.tf").write_text(broken, encoding="utf-8")
    (root / " ::warning::leading-space.tf").write_text(broken, encoding="utf-8")
    with open(os.fsencode(root) + b"/not-utf8-\xff\xfe.tf", "w", encoding="utf-8") as handle:
        handle.write(broken)


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Every format of one scan (text on standard output, the others in files), as bytes."""
    tree = tmp_path_factory.mktemp("hostile")
    _tree(tree)
    out = tmp_path_factory.mktemp("reports")
    args = [sys.executable, "-m", "fleetiac", "scan", str(tree), "--no-cache", "--as-of", "2026-11-23",
            "--no-color", "--workers", "1"]
    for fmt in FORMATS:
        if fmt != "text":
            args += ["--format", f"{fmt}:{out / fmt}"]
    args += ["--format", "text"]
    # A strict UTF-8 standard output: a lone surrogate in the text report would fail the run.
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, timeout=300, check=False)
    assert b"Traceback" not in result.stderr and b"internal error" not in result.stderr, result.stderr
    assert result.returncode == 1, result.stderr
    found = {fmt: (out / fmt).read_bytes() for fmt in FORMATS if fmt != "text"}
    found["text"] = result.stdout
    return found


def _text(reports: dict[str, bytes], fmt: str) -> str:
    return reports[fmt].decode("utf-8")  # strict: valid UTF-8, so no lone surrogate reached the bytes


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_format_holds_a_ci_command_a_control_character_or_invalid_utf8(reports: dict[str, bytes],
                                                                          fmt: str) -> None:
    text = _text(reports, fmt)
    assert "\ufffd" in text or "\\ufffd" in text  # the surrogates and the non-UTF-8 bytes, replaced
    assert re.search(r"##[a-z]*\[", text, re.I) is None
    assert "\r" not in text and "\x1b" not in text and "\x07" not in text
    assert re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]", text) is None
    for line in text.splitlines():
        if fmt == "github":
            # Its own command lines only; the payload after them is escaped.
            assert re.match(r"::(error|warning|notice) file=", line), line
        else:
            assert COMMAND_AT_LINE_START.match(line) is None, line


def test_the_findings_are_all_there(reports: dict[str, bytes]) -> None:
    document = json.loads(_text(reports, "json"))
    found = {(f["rule_id"], f["path"]) for f in document["findings"]}
    assert ("FIAC201", "main.tf") in found and ("FIAC201", "bicep/main.bicep") in found
    paths = {path for rule, path in found if rule == "FIAC901"}
    assert "not-utf8-\ufffd\ufffd.tf" in paths and HOSTILE_FILE_NAME in paths and len(paths) == 4
    assert [f["rule_id"] for f in document["suppressed"]] == ["FIAC203"]
    assert document["summary"]["by_level"]["error"] > 0


def test_json_and_sarif_parse_back_to_the_names_as_written(reports: dict[str, bytes]) -> None:
    document = json.loads(_text(reports, "json"))
    messages = " ".join(f["message"] for f in document["findings"])
    # Only escaped, not altered: the data formats keep the names (a consumer escapes for its own use).
    assert "\r\n::error::x ##vso[task.setvariable variable=x]y ##[error]z <img" in messages
    assert "\x1b[31m \x07 \ufffd" in messages
    assert "##vso[task.setvariable variable=r]s" in document["suppressed"][0]["suppressed"]["reason"]
    assert any("##vso[task.setvariable variable=n]o.git" in notice for notice in document["notices"])
    sarif = json.loads(_text(reports, "sarif"))
    (run,) = sarif["runs"]
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert "not-utf8-%FF%FE.tf" in uris  # the file's own bytes: the URI still names it
    assert any("##vso[task.setvariable" in r["message"]["text"] for r in run["results"])


def test_junit_parses_back(reports: dict[str, bytes]) -> None:
    root = ET.fromstring(reports["junit"])
    names = {case.get("name") for case in root.iter("testcase")}
    assert any(name and name.startswith('azurerm_kubernetes_fleet_member.m["\\r\\n::error::x') for name in names)
    assert int(root.get("failures") or 0) > 0


def test_markdown_renders_no_html_link_or_broken_out_code(reports: dict[str, bytes]) -> None:
    text = _text(reports, "markdown")
    assert "<img" not in text and re.search(r"(?<!\\)\]\(", text) is None
    assert "&lt;img src=x onerror=alert(1)&gt;" in text
    # The only HTML is the report's own.
    assert set(re.findall(r"<(/?[a-z]+)", text)) <= {"br", "code", "/code", "details", "/details", "summary",
                                                      "/summary"}


def test_text_shows_the_control_characters_as_escapes(reports: dict[str, bytes]) -> None:
    text = _text(reports, "text")
    assert "\\r\\n::error::x #\\#vso[task.setvariable variable=x]y #\\#[error]z <img" in text
    assert "\\x1b[31m \\x07 \ufffd" in text
    assert "./ ::warning::leading-space.tf:2:" in text and "./::error::f #\\#vso" in text
    assert "nl\\n::error::newline\\r#\\#vso[task.complete result=Failed]\\x1b[31m.tf:2:" in text


def test_ordinary_text_passes_every_escaper_unchanged() -> None:
    ordinary = 'member `azurerm_kubernetes_fleet_member.a["k"]` (group canary) -> stage # 1: a, b 100% ü'
    for escape in (line_text, line_start, workflow_text):
        assert escape(ordinary) == ordinary
    assert md_code('module.x["k"].y') == '`module.x["k"].y`'
    assert md_message("group `canary` of stage canary | x") == "group `canary` of stage canary \\| x"
    assert json.loads(json_text({"a": ordinary})) == {"a": ordinary}


def test_markdown_code_spans_follow_commonmark_pairing() -> None:
    # A lone backtick in a name cannot open a span; a span with HTML in it is <code> with entities.
    assert md_message("a `b` c ` d") == "a `b` c \\` d"
    assert md_message("x ``a`b`` y") == "x <code>a\\`b</code> y"
    assert md_message("g `<img src=x>` h") == "g <code>&lt;img src=x&gt;</code> h"
    assert md_code("a`b") == "<code>a\\`b</code>"
    # Pairing is one pass over the backtick runs: 2,000 runs of different lengths (none paired) are quick.
    many = "".join("`" * n + "x" for n in range(1, 2000))
    assert md_message(many).count("\\`") == many.count("`")


def test_json_escapes_commands_without_changing_the_data() -> None:
    data = {"k": "\\##vso[x] ##[y] \ud800 ###teamcity[z]"}
    text = json_text(data)
    assert "##" not in text.replace("\\u0023#", "")
    assert json.loads(text) == {"k": "\\##vso[x] ##[y] \ufffd ###teamcity[z]"}
