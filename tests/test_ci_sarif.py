"""SARIF for code scanning: repository-root URIs from a subfolder scan, GitHub line hashes (checked
against codeql-action's published vectors), automationDetails and tool execution notifications."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fleetiac.analyzer.linehash import line_hashes
from tests.ci_helpers import AS_OF, ONLY, member_tf, run

SCHEMA_PATH = Path(__file__).resolve().parents[1].parent / "shared" / "schemas" / "sarif-schema-2.1.0.json"

# github/codeql-action src/fingerprints.test.ts: input text -> the hash of each line, in order.
VECTORS: list[tuple[str, list[str]]] = [
    ("", ["c129715d7a2bc9a3:1"]),
    (" a\nb\n  \t\tc\n d", ["271789c17abda88f:1", "54703d4cd895b18:1", "180aee12dab6264:1", "a23a3dc5e078b07b:1"]),
    (" hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End",
     ["8b7cf3e952e7aeb2:1", "b1ae1287ec4718d9:1", "bff680108adb0fcc:1", "c6805c5e1288b612:1",
      "b86d3392aea1be30:1", "e6ceba753e1a442:1"]),
    *[(text, ["e9496ae3ebfced30:1", "fb7c023a8b9ccb3f:1", "ce8ba1a563dcdaca:1", "e20e36e16fcb0cc8:1",
              "b3edc88f2938467e:1", "c8e28b0b4002a3a0:1", "c129715d7a2bc9a3:1"])
      for text in (" hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End\n",
                   " hello; \t\nworld!!!\r\r\r  \t\tGreetings\r End\r",
                   " hello; \t\r\nworld!!!\r\n\r\n\r\n  \t\tGreetings\r\n End\r\n",
                   " hello; \t\nworld!!!\r\n\n\r  \t\tGreetings\r End\r\n")],
    ("Lorem ipsum dolor sit amet.\n" * 10,
     [*(f"a7f2ff13bc495cf2:{n}" for n in range(1, 7)), "a7f2ff1481e87703:1", "a9cf91f7bbf1862b:1",
      "55ec222b86bcae53:1", "cc97dc7b1d7d8f7b:1", "c129715d7a2bc9a3:1"]),
]


@pytest.mark.parametrize(("text", "expected"), VECTORS, ids=[f"vector{i}" for i in range(len(VECTORS))])
def test_line_hash_matches_codeql_action_vectors(text: str, expected: list[str]) -> None:
    assert line_hashes(text) == dict(enumerate(expected, start=1))


def _rolling_line_hashes(text: str) -> dict[int, str]:
    """The action's algorithm as it is written there: one rolling hash fed a character at a time. The
    reference the faster per-line computation must equal."""
    window, starts = [0] * 100, [-1] * 100
    value = index = line = 0
    line_start, after_cr = True, False
    seen: dict[int, int] = {}
    result: dict[int, str] = {}

    def record() -> None:
        if starts[index] != -1:
            count = seen[value] = seen.get(value, 0) + 1
            result[starts[index]] = f"{value:x}:{count}"
            starts[index] = -1

    encoded = text.encode("utf-16-le", errors="surrogatepass")
    units = [int.from_bytes(encoded[i:i + 2], "little") for i in range(0, len(encoded), 2)]  # UTF-16 code units
    for unit in [*units, 65535]:
        if unit in (0x20, 0x09) or (after_cr and unit == 0x0A):
            after_cr = False
            continue
        after_cr = unit == 0x0D
        unit = 0x0A if after_cr else unit
        record()
        if line_start:
            line_start, line = False, line + 1
            starts[index] = line
        line_start = unit == 0x0A
        value = (37 * value + unit - pow(37, 100, 1 << 64) * window[index]) & ((1 << 64) - 1)
        window[index], index = unit, (index + 1) % 100
    for _ in range(100):
        record()
        value = (37 * value - pow(37, 100, 1 << 64) * window[index]) & ((1 << 64) - 1)
        window[index], index = 0, (index + 1) % 100
    return result


@pytest.mark.parametrize("text", [vector for vector, _ in VECTORS], ids=[f"vector{i}" for i in range(len(VECTORS))])
def test_rolling_reference_reproduces_the_vectors(text: str) -> None:
    assert _rolling_line_hashes(text) == dict(enumerate(dict(VECTORS)[text], start=1))


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(["a", "Z", " ", "\t", "\n", "\r", "\r\n", "é", "😀", "\ud800", "x" * 40, "  \r \n",
                                 "\uffff", "resource {"]), max_size=120).map("".join))
def test_line_hashes_equal_the_rolling_algorithm(text: str) -> None:
    """Per-line window hashes from prefix hashes give exactly the action's rolling values, counts
    included, across line endings, whitespace, astral characters and repeated lines."""
    assert line_hashes(text) == _rolling_line_hashes(text)


def _validate(log: dict[str, Any]) -> None:
    if not SCHEMA_PATH.is_file():
        pytest.skip(f"SARIF schema not found at {SCHEMA_PATH} (the shared spec folder is absent)")
    jsonschema = pytest.importorskip("jsonschema")
    pytest.importorskip("rfc3986_validator", reason="needed so the schema's uri-reference format is checked")
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(log), key=str)
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def _repo(tmp_path: Path) -> Path:
    repo = tmp_path / "platform repo"
    (repo / "infra" / "fleet").mkdir(parents=True)
    if shutil.which("git"):
        subprocess.run(["git", "init", "-q", str(repo)], check=True)
    else:
        (repo / ".git").mkdir()
    (repo / "infra" / "fleet" / "main.tf").write_text(member_tf())
    (repo / "infra" / "broken.tf").write_text('resource "x" "y" {\n  a = \n}\n')
    return repo


def test_subfolder_scan_of_a_git_repository_has_root_relative_uris_and_validates(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    out = tmp_path / "results.sarif"
    result = run("scan", str(repo / "infra"), *ONLY, "--format", f"sarif:{out}", "--sarif-category", "fleetiac/prod",
                 *AS_OF)
    assert result.exit_code == 0
    log = json.loads(out.read_text())
    _validate(log)
    run_ = log["runs"][0]
    found = [(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
              r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in run_["results"]]
    assert found == [("FIAC901", "infra/broken.tf", 2), ("FIAC203", "infra/fleet/main.tf", 7)]
    assert run_["originalUriBaseIds"]["%SRCROOT%"]["uri"] == f"file://{repo.resolve().as_posix().replace(' ', '%20')}/"
    assert run_["automationDetails"] == {"id": "fleetiac/prod/"}
    # The line hash is GitHub's, of the finding's start line in the file; our own key sits beside it.
    text = (repo / "infra" / "fleet" / "main.tf").read_text()
    fingerprints = run_["results"][1]["partialFingerprints"]
    assert fingerprints["primaryLocationLineHash"] == line_hashes(text)[7]
    assert len(fingerprints["fleetiacFingerprint/v1"]) == 32
    (invocation,) = run_["invocations"]
    assert invocation["executionSuccessful"] is True
    (notification, notice) = invocation["toolExecutionNotifications"]
    assert notification["level"] == "warning" and notification["descriptor"] == {"id": "FIAC901"}
    assert notice == {"level": "note", "message": {
        "text": "1 file could not be read, so none of its resources were checked: infra/broken.tf"}}
    location = notification["locations"][0]["physicalLocation"]
    assert (location["artifactLocation"]["uri"], location["region"]["startLine"]) == ("infra/broken.tf", 2)


def test_parse_errors_are_notifications_even_when_fiac901_is_not_selected(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    result = run("scan", str(repo), "--select", "FIAC203", "--format", "sarif", *AS_OF)
    log = json.loads(result.stdout)
    _validate(log)
    assert [r["ruleId"] for r in log["runs"][0]["results"]] == ["FIAC203"]
    [notification, _notice] = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    location = notification["locations"][0]["physicalLocation"]
    assert (notification["descriptor"]["id"], notification["level"]) == ("FIAC901", "warning")
    assert (location["artifactLocation"]["uri"], location["region"]["startLine"]) == ("infra/broken.tf", 2)
    assert "automationDetails" not in log["runs"][0]


def test_sarif_with_suppressed_results_validates(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    (repo / "infra" / "fleet" / "main.tf").write_text(member_tf("# fleetiac:ignore FIAC203 -- moving"))
    result = run("scan", str(repo), *ONLY, "--format", "sarif", "--sarif-include-suppressed", *AS_OF)
    log = json.loads(result.stdout)
    _validate(log)
    assert [r.get("suppressions", [{}])[0].get("justification") for r in log["runs"][0]["results"]] == [
        None, "moving"]
