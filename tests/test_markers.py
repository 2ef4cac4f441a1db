"""The expectation markers of rule examples and fixtures (:mod:`analyzer.markers`), and the fixtures'
``expect.txt`` for files that cannot hold them (``tests/fixture_markers.py``)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from fleetiac.analyzer import docexamples
from fleetiac.analyzer.docexamples import ExampleError, load_examples
from fleetiac.analyzer.markers import MarkerError, expectations, line_comment, parse_list, strip_markers
from tests.fixture_markers import EXPECT_FILE, case_expectations, read_expect_file

# ---------------------------------------------------------------------------------------------
# Where markers are written: a file's line comments, as its front end's language says


def test_line_comment_comes_from_the_front_ends() -> None:
    assert [line_comment(name) for name in ("main.tf", "prod.tfvars", "x.yaml", "x.yml", "Main.TF")] == ["#"] * 5
    assert [line_comment(name) for name in ("main.bicep", "main.bicepparam", "infra/main.bicep")] == ["//"] * 3
    # JSON has no comments, though .tfvars.json is Terraform's tfvars language; nor have unread files
    assert [line_comment(name) for name in ("prod.tfvars.json", "azuredeploy.json", "expect.txt", "x.toml")] == [
        None] * 4


def test_trailing_markers_in_each_comment_syntax() -> None:
    tf = 'a = 1\n  group = "x" # expect: FIAC201\nb = 2  #expect:FIAC202,FIAC203\n'
    assert expectations(tf, "main.tf") == Counter({("FIAC201", 2): 1, ("FIAC202", 3): 1, ("FIAC203", 3): 1})
    bicep = "  group: 'x' // expect: FIAC201 x2, FIAC202\n"
    assert expectations(bicep, "main.bicep") == Counter({("FIAC201", 1): 2, ("FIAC202", 1): 1})
    assert expectations("minAvailable: 90% # expect: FIAC601\n", "pdb.yml") == Counter({("FIAC601", 1): 1})
    # each language its own comment sign; JSON has none
    assert expectations("group: 'x' # expect: FIAC201\n", "main.bicep") == Counter()
    assert expectations('group = "x" // expect: FIAC201\n', "main.tf") == Counter()
    assert expectations('{"a": 1} // expect: FIAC201\n', "prod.tfvars.json") == Counter()
    assert expectations("x: 1 // expect: FIAC101\ny: 2 # expect: FIAC102\n", "main.bicep") == Counter(
        {("FIAC101", 1): 1})


def test_next_line_markers_and_notes() -> None:
    text = ("resource {  # expect-next-line: FIAC903\n  # a directive with its own reason\n"
            "# expect-next-line: FIAC201 x3 -- one per member of the loop\nx = 1 # expect: FIAC201\n")
    assert expectations(text, "main.tf") == Counter({("FIAC903", 2): 1, ("FIAC201", 4): 4})
    crlf = "x = 1 # expect: FIAC201\r\ny = 2\r\n"
    assert expectations(crlf, "main.tf") == Counter({("FIAC201", 1): 1})
    # expect-next-line may end a line of code
    assert expectations("x = 1 # expect-next-line: FIAC101\n", "main.tf") == Counter({("FIAC101", 2): 1})


def test_marker_text_in_a_string_is_data() -> None:
    assert expectations('note = "# expect: FIAC201"\n', "main.tf") == Counter()
    assert expectations("note: '// expect: FIAC201'\n", "main.bicep") == Counter()
    assert expectations('url = "http://x#expect: FIAC201"\n', "main.tf") == Counter()
    assert expectations("a = b#expect: FIAC201\n", "main.tf") == Counter()  # a comment sign after a space


@pytest.mark.parametrize("line", [
    "x = 1 # expect FIAC201", "x = 1 # expect: fiac201", "x = 1 # expect: FIAC20", "x = 1 # expect:",
    "x = 1 # expect: FIAC201 FIAC202", "x = 1 # expect: FIAC201 x0", "x = 1 # expect: FIAC201, FIAC201",
    "x = 1 # expect-next: FIAC201", "x = 1 # expect: FIAC201 # expect-next-line: FIAC202",
    "x = 1 # Expect: FIAC201", "x = 1 # expect: FIAC201 -- ", "x = 1 # expect: FIAC1O1",
])
def test_malformed_markers_are_errors(line: str) -> None:
    with pytest.raises(MarkerError, match=r"^main\.tf:1: "):
        expectations(line + "\n", "main.tf")
    with pytest.raises(MarkerError):
        strip_markers(line + "\n", "main.tf")


def test_plain_comments_about_expectations_are_not_markers() -> None:
    assert expectations("# we expect the member to join later\n", "main.tf") == Counter()


def test_parse_list() -> None:
    assert parse_list(" FIAC201 x2 , FIAC202 -- why", "w") == Counter({"FIAC201": 2, "FIAC202": 1})


# ---------------------------------------------------------------------------------------------
# The code shown to users


def test_strip_markers() -> None:
    source = ('resource "a" "b" { # expect: FIAC201 x2, FIAC202\n'
              '  # expect-next-line: FIAC203\n'
              '  x = <<EOT\n'
              'EOT\n'
              '}\n')
    assert expectations(source, "example.tf") == Counter({("FIAC201", 1): 2, ("FIAC202", 1): 1,
                                                          ("FIAC203", 3): 1})
    assert strip_markers(source, "example.tf") == 'resource "a" "b" {\n  x = <<EOT\nEOT\n}\n'
    # a note goes with its marker; an expect-next-line ending a line of code leaves the code
    assert strip_markers("x = 1\t # expect: FIAC201 x2 -- one per member\r\n", "main.tf") == "x = 1\r\n"
    assert strip_markers("x = 1 # expect-next-line: FIAC101\ny = <<EOT\n", "main.tf") == "x = 1\ny = <<EOT\n"
    assert strip_markers("x: 1 // expect: FIAC101\ny: 2 # expect: FIAC102\n", "main.bicep") == (
        "x: 1\ny: 2 # expect: FIAC102\n")
    # strings are data, and files without comments keep everything
    assert strip_markers('note = "# expect: FIAC201"\n', "main.tf") == 'note = "# expect: FIAC201"\n'
    assert strip_markers('{"a": 1} // expect: FIAC201', "x.tfvars.json") == '{"a": 1} // expect: FIAC201'


def test_examples_with_malformed_markers_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(docexamples, "examples_folder", lambda rule_id: tmp_path)
    (tmp_path / "example.tf").write_text("x = 1 # expect: FIAC1O1\n", encoding="utf-8")
    with pytest.raises(ExampleError, match=r"FIAC998/example\.tf:1: not a list of rule IDs"):
        load_examples("FIAC998")
    (tmp_path / "example.tf").write_text("x = 1 # expect-next-line: FIAC101\ny = 2\n", encoding="utf-8")
    (tmp_path / "fix.bicep").write_text("x: 1\n", encoding="utf-8")
    assert [(e.section, e.language, e.code) for e in load_examples("FIAC998")] == [
        ("Example", "terraform", "x = 1\ny = 2\n"), ("Fix", "bicep", "x: 1\n")]
    (tmp_path / "example.json").write_text("{}\n", encoding="utf-8")
    with pytest.raises(ExampleError, match=r"unexpected example file 'example\.json'"):
        load_examples("FIAC998")


# ---------------------------------------------------------------------------------------------
# A fixture case's expect.txt, for files that cannot hold markers


def test_expect_file_for_files_without_comments(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('x = 1 # expect: FIAC201\n', encoding="utf-8")
    (tmp_path / "prod.tfvars.json").write_text('{\n  "group": "x"\n}\n', encoding="utf-8")
    (tmp_path / EXPECT_FILE).write_text("# JSON has no comments\nprod.tfvars.json:2 FIAC201 x2, FIAC202\n",
                                        encoding="utf-8")
    assert case_expectations(tmp_path) == Counter({("FIAC201", "main.tf", 1): 1,
                                                   ("FIAC201", "prod.tfvars.json", 2): 2,
                                                   ("FIAC202", "prod.tfvars.json", 2): 1})
    (tmp_path / EXPECT_FILE).write_text("main.tf:1 FIAC201\n", encoding="utf-8")
    with pytest.raises(MarkerError, match="write a marker in it instead"):
        read_expect_file(tmp_path)
    (tmp_path / EXPECT_FILE).write_text("missing.json:1 FIAC201\n", encoding="utf-8")
    with pytest.raises(MarkerError, match="existing file"):
        read_expect_file(tmp_path)
