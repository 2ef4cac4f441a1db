"""Hostile input through the command line (issue 7): every odd file gives a correct parse or one FIAC901
with a useful position, in bounded time, with no traceback; odd trees are walked safely; the scan
never opens a socket or starts a program; and one bad file never hides another file's findings."""

from __future__ import annotations

import _thread
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fleetiac.analyzer.cli import main
from fleetiac.analyzer.engine import ScanOptions
from fleetiac.analyzer.engine import scan as engine_scan

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "platform"
HANG_GUARD = 60.0
"""Seconds any one scan may take before the test fails: a guard against hangs, not a speed test."""
MB = 1024 * 1024
DEEP = 5000


@contextmanager
def hang_guard(seconds: float = HANG_GUARD) -> Iterator[None]:
    """Interrupt the main thread (KeyboardInterrupt) when the body runs too long. A thread, not
    SIGALRM: the scan's own per-file time budget uses SIGALRM and stands aside when a timer runs."""
    timer = threading.Timer(seconds, _thread.interrupt_main)
    timer.start()
    try:
        yield
    finally:
        timer.cancel()


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    seconds: float

    def findings(self) -> set[tuple[str, str, int, int]]:
        document = json.loads(self.stdout)
        return {(f["rule_id"], f["path"], f["line"], f["column"]) for f in document["findings"]}

    def messages(self) -> list[str]:
        return [f["message"] for f in json.loads(self.stdout)["findings"]]


def cli(*args: str) -> Run:
    began = time.monotonic()
    with hang_guard():
        result = CliRunner().invoke(main, ["scan", "--as-of", "2026-11-23", "--no-cache", "--workers", "1", *args])
    seconds = time.monotonic() - began
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    run = Run(result.exit_code, result.stdout, result.stderr, seconds)
    assert "Traceback" not in run.stdout + run.stderr
    # Neither a contained failure of our code ("internal error while parsing ...") nor the CLI's last resort.
    assert "internal error while" not in run.stdout + run.stderr and "fleetiac: internal error" not in run.stderr
    return run


# ---------------------------------------------------------------------------------------------
# One file at a time


def nested(opening: str, middle: str, closing: str, depth: int = DEEP) -> str:
    return opening * depth + middle + closing * depth


# name -> (file name, content, expected findings as (rule, line, column), a word the message has)
FILE_CASES: dict[str, tuple[str, bytes, set[tuple[str, int, int]], str]] = {
    "invalid UTF-8 (tf)": ("main.tf", b'locals {\n  x = "\xff\xfe"\n}\n', {("FIAC901", 2, 8)}, "UTF-8"),
    "invalid UTF-8 (bicep)": ("main.bicep", b"var x = 'ok'\nvar y = '\xc3('\n", {("FIAC901", 2, 10)}, "UTF-8"),
    "UTF-8 BOM (tf)": ("main.tf", b'\xef\xbb\xbflocals {\n  x = 1\n}\n', set(), ""),
    "UTF-8 BOM (bicep)": ("main.bicep", b"\xef\xbb\xbfparam x string = 'a'\n", set(), ""),
    "UTF-16 with BOM (tf)": ("main.tf", 'locals {\n  x = 1\n}\n'.encode("utf-16"), {("FIAC901", 1, 1)}, "UTF-16"),
    "UTF-16 with BOM (bicep)": ("main.bicep", "var x = 1\n".encode("utf-16"), {("FIAC901", 1, 1)}, "UTF-16"),
    "empty (tf)": ("main.tf", b"", set(), ""),
    "empty (bicep, pycep raised TypeError)": ("main.bicep", b"", set(), ""),
    "empty (bicepparam)": ("main.bicepparam", b"", set(), ""),
    "binary named .tf": ("main.tf", bytes(range(256)) * 40, {("FIAC901", 1, 1)}, "NUL"),
    "binary named .bicep": ("main.bicep", bytes(range(256)) * 40, {("FIAC901", 1, 1)}, "NUL"),
    "binary without NUL": ("main.tf", bytes(range(1, 256)) * 40, {("FIAC901", 2, 118)}, "UTF-8"),
    "NUL byte (tf)": ("main.tf", b'locals {\n  x = "\x00"\n}\n', {("FIAC901", 1, 1)}, "NUL"),
    "NUL byte (bicep)": ("main.bicep", b"var x = '\x00'\n", {("FIAC901", 1, 1)}, "NUL"),
    # Line ends: a syntax error on line 3 is reported on line 3, whatever ends the lines.
    "CRLF (tf)": ("main.tf", b"locals {\r\n  a = 1\r\n  b = = 2\r\n}\r\n", {("FIAC901", 3, 7)}, "syntax"),
    "lone CR (tf)": ("main.tf", b"locals {\r  a = 1\r  b = = 2\r}\r", {("FIAC901", 3, 7)}, "syntax"),
    "CRLF (bicep)": ("main.bicep", b"var a = 1\r\nvar b = 2\r\nvar c = = 3\r\n", {("FIAC901", 3, 9)}, "Bicep"),
    "lone CR (bicep)": ("main.bicep", b"var a = 1\rvar b = 2\rvar c = = 3\r", {("FIAC901", 3, 9)}, "Bicep"),
    "one 5 MB line (tf)": ("main.tf", b'locals {\n  x = "' + b"a" * (5 * MB - 64) + b'"\n}\n',
                           {("FIAC901", 2, 1)}, "longer than"),
    "one 5 MB line (bicep)": ("main.bicep", b"var x = '" + b"a" * (5 * MB - 64) + b"'\n",
                              {("FIAC901", 1, 1)}, "longer than"),
    "5,000 parentheses (tf)": ("main.tf", f"locals {{\n  x = {nested('(', '1', ')')}\n}}\n".encode(),
                               {("FIAC901", 1, 1)}, "too deep"),
    "5,000 nested objects (tf)": ("main.tf", f"locals {{\n  x = {nested('{a = ', '1', '}')}\n}}\n".encode(),
                                  {("FIAC901", 1, 1)}, "too deep"),
    "5,000 nested arrays (tf)": ("main.tf", f"locals {{\n  x = {nested('[', '1', ']')}\n}}\n".encode(),
                                 {("FIAC901", 1, 1)}, "too deep"),
    "5,000 nested blocks (tf)": ("main.tf", nested("a {\n", "", "}\n").encode(), {("FIAC901", 1, 1)}, "too deep"),
    "5,000 operators (tf)": ("main.tf", f"locals {{\n  x = {'1 + ' * DEEP}1\n}}\n".encode(),
                             {("FIAC901", 1, 1)}, "too deep"),
    # pycep's grammar has no doubled parentheses at all: the first extra ')' is the error.
    "5,000 parentheses (bicep)": ("main.bicep", f"var x = {nested('(', '1', ')')}\n".encode(),
                                  {("FIAC901", 1, 1)}, "too deeply"),
    "5,000 nested objects (bicep)": ("main.bicep", f"var x = {nested('{' + chr(10) + 'a: ', '1', chr(10) + '}')}\n"
                                     .encode(), {("FIAC901", 1, 1)}, "too deeply"),
    "5,000 nested arrays (bicep)": ("main.bicep", f"var x = {nested('[', '1', ']')}\n".encode(),
                                    {("FIAC901", 1, 1)}, "too deeply"),
    "5,000 negations (bicep)": ("main.bicep", f"var x = {'!' * DEEP}true\n".encode(), {("FIAC901", 1, 1)},
                                "too deeply"),
    "pycep ''' (odd count raised ValueError)": ("main.bicep", b"var x = '''abc\n", {("FIAC901", 1, 1)},
                                                "multi-line string"),
    "python-hcl2 duplicate attribute": ("main.tf", b'resource "azurerm_resource_group" "rg" {\n  name = "a"\n'
                                        b'  name = "b"\n}\n', {("FIAC901", 3, 3)}, "more than once"),
    "python-hcl2 tags = {} and tags {}": ("main.tf", b'resource "azurerm_resource_group" "rg" {\n  tags = {}\n'
                                          b"  tags {\n  }\n}\n", set(), ""),
    # Nested unary operators are HCL (`- -1`): 100,000 of them are valid, only too deep to analyse.
    "100,000 minuses (tf)": ("main.tf", b"locals {\n  x = " + b"-" * 100_000 + b"1\n}\n",
                             {("FIAC901", 1, 1)}, "too deep"),
    "a syntax error with a 100 KB token": ("main.tf", b"locals {\n  x = 1 " + b"a" * 100_000 + b"\n}\n",
                                           {("FIAC901", 2, 9)}, "..."),
    # ARM templates: JSON errors at their line and column; JSON that is no template says nothing.
    "ARM template: a missing comma": ("azuredeploy.json", b'{\n  "$schema": "https://schema.management.azure.com/'
                                      b'schemas/2019-04-01/deploymentTemplate.json#"\n  "resources": []\n}\n',
                                      {("FIAC901", 3, 3)}, "JSON"),
    "ARM template: unterminated string": ("main.json", b'{"$schema": "https://schema.management.azure.com/schemas/'
                                          b'2019-04-01/deploymentTemplate.json#",\n "resources": [{"name": "x\n',
                                          {("FIAC901", 2, 25)}, "unterminated"),
    "ARM template: 5,000 nested arrays": ("azuredeploy.json", b'{"resources": ' + nested("[", "1", "]").encode()
                                          + b"}", {("FIAC901", 1, 270)}, "nested"),
    "ARM template: UTF-16": ("azuredeploy.json", '{"resources": []}'.encode("utf-16"), {("FIAC901", 1, 1)},
                             "UTF-16"),
    "ARM template: a 5,000-digit number": ("azuredeploy.json", b'{"resources": [' + b"1" * 5000 + b"]}",
                                           {("FIAC901", 1, 16)}, "digits"),
    "ARM template: a bad expression": ("azuredeploy.json", b'{"$schema": "deploymentTemplate.json", "resources": '
                                       b'[{"type": "[concat(", "name": "[)]"}]}', set(), ""),
    "JSON that is no template, with a syntax error": ("package.json", b'{"name": "x",,}', set(), ""),
}


@pytest.mark.parametrize("case", FILE_CASES, ids=list(FILE_CASES))
def test_one_hostile_file(tmp_path: Path, case: str) -> None:
    name, content, expected, word = FILE_CASES[case]
    (tmp_path / name).write_bytes(content)
    # --allow-empty: a tree of only a JSON file of another tool holds nothing fleetiac reads.
    run = cli(str(tmp_path), "--format", "json", "--allow-empty")
    assert run.code == 0  # FIAC901 is a warning: the default gate (--fail-on error) passes
    assert run.findings() == {(rule, name, line, column) for rule, line, column in expected}
    assert all(word in message and len(message) < 300 for message in run.messages())
    assert run.seconds < HANG_GUARD


def test_fiac901_fails_the_gate_only_with_fail_on_warning(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_bytes(b"\x00")
    assert cli(str(tmp_path), "--fail-on", "warning").code == 1


def test_a_50_mb_file_is_refused_from_its_size_without_being_read(tmp_path: Path) -> None:
    with (tmp_path / "big.tf").open("wb") as handle:
        handle.truncate(50 * MB)  # sparse: costs no disk
    (tmp_path / "big.bicep").write_bytes(b"x" * (6 * MB))
    run = cli(str(tmp_path), "--format", "sarif")
    sarif = json.loads(run.stdout)
    results = {(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], r["message"]["text"])
               for r in sarif["runs"][0]["results"]}
    assert results == {("big.tf", "File is larger than 5 MB (--max-file-size); not analysed."),
                       ("big.bicep", "File is larger than 5 MB (--max-file-size); not analysed.")}
    assert run.seconds < 20  # stat only: neither the parsers nor the line hashes read it


def test_max_file_size_is_configurable(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text("locals {\n  x = \"" + "a" * 300_000 + "\"\n}\n", encoding="utf-8")
    assert cli(str(tmp_path), "--format", "json").findings() == set()
    run = cli(str(tmp_path), "--format", "json", "--max-file-size", "0.25")
    assert run.findings() == {("FIAC901", "main.tf", 1, 1)}
    assert run.messages() == ["file is larger than 0.25 MB (--max-file-size); not analysed"]
    assert cli(str(tmp_path), "--max-file-size", "0").code == 2  # a usage error, not a silent no-op


@pytest.mark.skipif(not hasattr(__import__("signal"), "setitimer"), reason="the time budget needs SIGALRM (POSIX)")
def test_parse_timeout_reports_the_file_and_goes_on(tmp_path: Path) -> None:
    # 9,000 lines of resources and 400,000 comment lines take about a second to parse (the fast LALR
    # driver reads the resources alone in a tenth of a second once warm); a one-line file takes well
    # under a millisecond once the parser is warm (its first use in a process, about 25 ms, must fit
    # too): 0.25 s leaves a wide margin both ways on a loaded machine.
    (tmp_path / "slow.tf").write_text("".join(f'resource "azurerm_resource_group" "r{i}" {{\n  name = "n{i}"\n}}\n'
                                              for i in range(3000)) + "#\n" * 400_000, encoding="utf-8")
    (tmp_path / "ok.bicep").write_text("var x = 1\n", encoding="utf-8")
    run = cli(str(tmp_path), "--format", "json", "--parse-timeout", "0.25")
    assert run.findings() == {("FIAC901", "slow.tf", 1, 1)}
    assert run.messages() == ["parsing took longer than 0.25 s (--parse-timeout); not analysed"]
    assert cli(str(tmp_path), "--format", "json", "--parse-timeout", "0").findings() == set()


# ---------------------------------------------------------------------------------------------
# Trees


def test_symlinks_loops_fifos_and_dangling_links(tmp_path: Path) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside"
    (root / "sub").mkdir(parents=True)
    outside.mkdir()
    (outside / "o.tf").write_text("locals {\n  x = = 1\n}\n", encoding="utf-8")  # would be a finding if read
    (root / "out").symlink_to(outside, target_is_directory=True)
    (root / "outlink.tf").symlink_to(outside / "o.tf")
    (root / "loop1.tf").symlink_to(root / "loop2.tf")
    (root / "loop2.tf").symlink_to(root / "loop1.tf")
    (root / "sub" / "up").symlink_to(root, target_is_directory=True)  # a folder loop
    (root / "dangling.tf").symlink_to(root / "missing.tf")
    (root / "sub" / "main.tf").write_text("locals {\n  x = = 1\n}\n", encoding="utf-8")
    if hasattr(os, "mkfifo"):
        os.mkfifo(root / "fifo.tf")  # reading it would block forever
    run = cli(str(root), "--format", "json")
    expected = {("FIAC901", "dangling.tf", 1, 1), ("FIAC901", "sub/main.tf", 2, 7)}
    if hasattr(os, "mkfifo"):
        expected.add(("FIAC901", "fifo.tf", 1, 1))
    assert run.findings() == expected
    assert json.loads(run.stdout)["summary"]["files"] == len(expected)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="running as root: chmod 000 does not stop root from reading, so nothing is unreadable")
def test_unreadable_files_and_folders_are_reported_and_the_scan_goes_on(tmp_path: Path) -> None:
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "main.tf").write_text("locals {}\n", encoding="utf-8")
    (tmp_path / "secret.tf").write_text("locals {}\n", encoding="utf-8")
    (tmp_path / "ok.tf").write_text("locals {\n  x = = 1\n}\n", encoding="utf-8")
    os.chmod(tmp_path / "locked", 0)
    os.chmod(tmp_path / "secret.tf", 0)
    try:
        run = cli(str(tmp_path), "--format", "json")
    finally:
        os.chmod(tmp_path / "locked", 0o755)
        os.chmod(tmp_path / "secret.tf", 0o644)
    assert run.findings() == {("FIAC901", "locked", 1, 1), ("FIAC901", "secret.tf", 1, 1),
                              ("FIAC901", "ok.tf", 2, 7)}


def test_odd_characters_in_paths_in_every_format(tmp_path: Path) -> None:
    folder = tmp_path / "we ird:dir #1 %20 ü"
    folder.mkdir()
    (folder / "ma in.tf").write_text("locals {\n  x = = 1\n}\n", encoding="utf-8")
    display = "we ird:dir #1 %20 ü/ma in.tf"
    assert cli(str(tmp_path), "--format", "json").findings() == {("FIAC901", display, 2, 7)}
    assert f"{display}:2:7:" in cli(str(tmp_path), "--format", "text").stdout
    sarif = json.loads(cli(str(tmp_path), "--format", "sarif").stdout)
    (result,) = sarif["runs"][0]["results"]
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "we%20ird%3Adir%20%231%20%2520%20%C3%BC/ma%20in.tf"
    assert location["region"]["startLine"] == 2


def test_module_calling_itself_and_a_cycle_across_two_folders(tmp_path: Path) -> None:
    for folder, source in (("self", "./"), ("c1", "../c2"), ("c2", "../c1")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "main.tf").write_text(f'module "m" {{\n  source = "{source}"\n}}\n', encoding="utf-8")
    run = cli(str(tmp_path), "--format", "json")
    assert run.findings() == {("FIAC901", "self/main.tf", 1, 1), ("FIAC901", "c2/main.tf", 1, 1)}
    assert sorted(run.messages()) == [
        "module.m calls a module that calls itself: self -> self; it is not analysed",
        "module.m.module.m calls a module that calls itself: c1 -> c2 -> c1; it is not analysed",
    ]


def test_a_path_that_does_not_exist(tmp_path: Path) -> None:
    run = cli(str(tmp_path / "nowhere"))
    assert run.code == 2
    assert f"path does not exist: {tmp_path / 'nowhere'}" in run.stderr


def _many_files(root: Path, count: int) -> set[tuple[str, str, int, int]]:
    """``count`` small files in folders of 100, every 500th one broken; returns the expected findings."""
    expected = set()
    for i in range(count):
        folder = root / f"d{i // 100:03d}"
        folder.mkdir(exist_ok=True)
        if i % 500 == 7:
            (folder / f"f{i}.tf").write_text("locals {\n  x = = 1\n}\n", encoding="utf-8")
            expected.add(("FIAC901", f"d{i // 100:03d}/f{i}.tf", 2, 7))
        elif i % 2:
            (folder / f"f{i}.bicep").write_text(f"var x{i} = {i}\n", encoding="utf-8")
        else:
            (folder / f"f{i}.tf").write_text(f"locals {{\n  x{i} = {i}\n}}\n", encoding="utf-8")
    return expected


def test_two_thousand_files(tmp_path: Path) -> None:
    expected = _many_files(tmp_path, 2000)
    run = cli(str(tmp_path), "--format", "json")
    assert run.findings() == expected
    assert json.loads(run.stdout)["summary"]["files"] == 2000


@pytest.mark.skipif(not os.environ.get("FLEETIAC_SLOW_TESTS"), reason="slow: set FLEETIAC_SLOW_TESTS=1 to run")
def test_ten_thousand_files(tmp_path: Path) -> None:
    expected = _many_files(tmp_path, 10_000)
    result = CliRunner().invoke(main, ["scan", str(tmp_path), "--format", "json", "--no-cache"])
    findings = {(f["rule_id"], f["path"], f["line"], f["column"]) for f in json.loads(result.stdout)["findings"]}
    assert findings == expected


# ---------------------------------------------------------------------------------------------
# Safety: nothing fetched, nothing run, nothing written


def test_a_scan_opens_no_socket_and_starts_no_program(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the scan tried to reach the network or start a program")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(subprocess, "Popen", refuse)
    monkeypatch.setattr(os, "system", refuse)
    for name in ("execv", "execve", "execvp", "posix_spawn", "posix_spawnp"):
        if hasattr(os, name):
            monkeypatch.setattr(os, name, refuse)
    tree = tmp_path / "tree"
    shutil.copytree(ROOT / "fixtures", tree / "fixtures")
    shutil.copytree(EXAMPLE, tree / "platform")
    before = sorted((p.relative_to(tree).as_posix(), p.stat().st_mtime_ns) for p in tree.rglob("*"))
    outside_before = sorted(p.name for p in tmp_path.iterdir())
    out = tmp_path / "report.sarif"
    run = cli(str(tree), "--format", "sarif", "--output", str(out))
    assert run.code in (0, 1) and out.stat().st_size > 0
    assert sorted((p.relative_to(tree).as_posix(), p.stat().st_mtime_ns) for p in tree.rglob("*")) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*outside_before, "report.sarif"])


def test_file_functions_stay_unknown_and_read_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from fleetiac.analyzer.frontends.terraform.evaluate import Module
    from fleetiac.analyzer.frontends.terraform.syntax import parse_text
    from fleetiac.analyzer.values import Unknown

    secret = tmp_path / "secret.txt"
    secret.write_text("do-not-read", encoding="utf-8")
    opened: list[str] = []
    real_open = open

    def watching_open(file: object, *args: object, **kwargs: object) -> object:
        opened.append(str(file))
        return real_open(file, *args, **kwargs)  # type: ignore[call-overload]

    text = (f'locals {{\n  a = file("{secret}")\n  b = templatefile("{secret}", {{}})\n'
            f'  c = file("../../etc/passwd")\n}}\n')
    module = Module("", [parse_text(text, "main.tf")], {}, key_prefix=".:")
    monkeypatch.setattr("builtins.open", watching_open)
    for name in ("a", "b", "c"):
        assert isinstance(module.local(name), Unknown)
    assert not [p for p in opened if "secret" in p or "passwd" in p]


# ---------------------------------------------------------------------------------------------
# One bad file hides nothing


def _findings(path: Path) -> set[tuple[str, str, int, int, str]]:
    with hang_guard():
        report = engine_scan([path], ScanOptions(as_of=date(2026, 11, 23), cache=False, workers=1))
    return {(f.rule_id, f.location.path, f.location.line, f.location.column, f.resource or "")
            for f in report.findings}


BROKEN: dict[str, bytes] = {
    "fleet/broken.tf": b'resource "azurerm_kubernetes_fleet_manager" "x" {\n  name = \n}\n',
    "fleet/nul.tf": b"\x00\x01\x02",
    "fleet/deep.tf": f"locals {{\n  x = {nested('[', '1', ']')}\n}}\n".encode(),
    "fleet/utf16.tf": "locals {}\n".encode("utf-16"),
    "fleet/bad.tfvars": b"region = \n",
    "bicep/broken.bicep": b"resource f 'Microsoft.ContainerService/fleets@2024-04-01' = {\n",
    "bicep/triple.bicep": b"var x = '''\n",
    "bicep/broken.bicepparam": b"using 'nowhere.bicep'\nparam = \n",
    "k8s/broken.yaml": b"apiVersion: placement.kubernetes-fleet.io/v1\nkind: ClusterResourcePlacement\nspec: [\n",
}


def test_one_bad_file_of_each_kind_hides_no_finding_of_the_good_files(tmp_path: Path) -> None:
    tree = tmp_path / "platform"
    shutil.copytree(EXAMPLE, tree)
    clean = _findings(tree)
    assert clean  # the example has findings to lose
    for relative, content in BROKEN.items():
        (tree / relative).parent.mkdir(parents=True, exist_ok=True)
        (tree / relative).write_bytes(content)
    (tree / "huge.bicep").write_bytes(b" " * (6 * MB))
    broken = _findings(tree)
    assert {f for f in broken if f[0] != "FIAC901"} == clean
    reported = {f[1] for f in broken if f[0] == "FIAC901"}
    assert reported == {*BROKEN, "huge.bicep"}


# ---------------------------------------------------------------------------------------------
# Random and mutated input: the scan returns normally


def _seed_texts(suffix: str) -> list[str]:
    files = sorted(p for base in (ROOT / "fixtures", EXAMPLE) for p in base.rglob(f"*{suffix}"))
    return [p.read_text(encoding="utf-8") for p in files[:40]]


TF_SEEDS = _seed_texts(".tf")
BICEP_SEEDS = _seed_texts(".bicep")
TOKENS = ["{", "}", "[", "]", "(", ")", "=", ":", '"', "'", "'''", "${", "%{", "\n", "\r", "#", "//", "/*", "*/",
          "<<EOT\n", "EOT\n", "resource", "module", "for", "if", "?", "..", "...", ",", "\\", "\x00", "\ufeff", "é"]


def _mutate(draw: Callable[..., object], text: str) -> str:
    for _ in range(draw(st.integers(1, 6))):  # type: ignore[call-overload]
        where = draw(st.integers(0, len(text)))  # type: ignore[call-overload]
        action = draw(st.sampled_from(["delete", "duplicate", "insert"]))
        span = draw(st.integers(1, 40))  # type: ignore[call-overload]
        if action == "delete":
            text = text[:where] + text[where + span:]
        elif action == "duplicate":
            text = text[:where] + text[where:where + span] + text[where:]
        else:
            text = text[:where] + draw(st.sampled_from(TOKENS)) + text[where:]  # type: ignore[operator]
    return text


@st.composite
def mutated(draw: Callable[..., object], seeds: list[str]) -> str:
    return _mutate(draw, draw(st.sampled_from(seeds)))  # type: ignore[arg-type]


def _scan_text(folder: Path, name: str, text: str) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    (folder / name).write_bytes(text.encode("utf-8", errors="surrogatepass"))
    report = engine_scan([folder], ScanOptions(as_of=date(2026, 11, 23), cache=False, workers=1))
    assert all(f.location.line >= 1 for f in report.findings)
    # Odd input is FIAC901 at worst: an exception of our own code on it is a bug (and exits 2).
    assert report.internal_errors == [], [f"{e.message}\n{e.detail}" for e in report.internal_errors]


@pytest.mark.parametrize(("name", "parser"), [("main.tf", "fleetiac.analyzer.frontends.terraform.syntax.parse_text"),
                                              ("main.bicep", "fleetiac.analyzer.frontends.bicep.syntax._parse_bicep")])
def test_a_crashing_parser_does_not_pass_the_fuzz_scan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      name: str, parser: str) -> None:
    """What the fuzz tests guard against: a parser bug on every input is an internal error (exit 2),
    not a FIAC901 the default gate passes."""
    def crash(*_args: object) -> None:
        raise KeyError("x")

    monkeypatch.setattr(parser, crash)
    with pytest.raises(AssertionError, match=f"internal error while parsing {name} \\(KeyError\\)"):
        _scan_text(tmp_path / "fuzz", name, (TF_SEEDS if name.endswith(".tf") else BICEP_SEEDS)[0])
    report = engine_scan([tmp_path / "fuzz"], ScanOptions(as_of=date(2026, 11, 23), cache=False, workers=1))
    assert [f for f in report.findings if f.rule_id == "FIAC901"] == [] and len(report.internal_errors) == 1
    result = CliRunner().invoke(main, ["scan", str(tmp_path / "fuzz"), "--no-cache", "--workers", "1"])
    assert result.exit_code == 2
    assert "FIAC901" not in result.stdout and f"error: internal error while parsing {name}" in result.stdout


FUZZ = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@FUZZ
@given(text=mutated(TF_SEEDS))
def test_mutated_terraform_never_breaks_the_scan(tmp_path: Path, text: str) -> None:
    _scan_text(tmp_path / "tf", "main.tf", text)


@FUZZ
@given(text=mutated(BICEP_SEEDS))
def test_mutated_bicep_never_breaks_the_scan(tmp_path: Path, text: str) -> None:
    _scan_text(tmp_path / "bicep", "main.bicep", text)


ARM_SEEDS = _seed_texts(".json")


@FUZZ
@given(text=mutated(ARM_SEEDS))
def test_mutated_arm_templates_never_break_the_scan(tmp_path: Path, text: str) -> None:
    _scan_text(tmp_path / "arm", "azuredeploy.json", text)


@FUZZ
@given(text=st.lists(st.sampled_from([*TOKENS, "a", "1", " ", "x = ", "var ", "param "]), max_size=60)
       .map("".join), suffix=st.sampled_from([".tf", ".bicep", ".bicepparam", ".tfvars"]))
def test_random_text_never_breaks_the_scan(tmp_path: Path, text: str, suffix: str) -> None:
    _scan_text(tmp_path / "random", "main" + suffix, text)


def test_recursion_limit_is_untouched_by_a_scan(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(f"locals {{\n  x = {nested('[', '1', ']')}\n}}\n", encoding="utf-8")
    limit = sys.getrecursionlimit()
    cli(str(tmp_path))
    assert sys.getrecursionlimit() == limit


LONG_NUMBER = "9" * 5000  # past Python's 4,300-digit limit for int()
CRASHES_FOUND = [
    # Each raised in our parser (an internal error, or a FIAC901 naming a Python error) before.
    # HashiCorp rejects both escapes ("Cannot encode character"): a syntax error at the first.
    ("main.tf", 'locals {\n  a = "\\U0011FFFF"\n  b = "\\uD800"\n}\n', (2, 8, "invalid escape sequence")),
    ("main.tf", f"locals {{\n  a = {LONG_NUMBER}\n  b = [1][{LONG_NUMBER}]\n  c = [[1]][*][{LONG_NUMBER}]\n}}\n", None),
    ("main.bicep", "var a = '\\u{FFFFFFFFFFFFFFFFFFFFFFFF}'\n", (1, 10, "invalid unicode escape sequence")),
    ("main.bicep", "var a = 'x\\u{110000}'\n", (1, 11, "invalid unicode escape sequence")),
    ("main.bicep", "var a = '\\u{12'\n", (1, 10, "invalid unicode escape sequence")),
    ("main.bicep", f"var a = {LONG_NUMBER}\n", (1, 9, "expected a valid 64-bit signed integer")),
]


@pytest.mark.parametrize(("name", "text", "expected"), CRASHES_FOUND)
def test_odd_literals_are_input_problems_not_crashes(tmp_path: Path, name: str, text: str,
                                                     expected: tuple[int, int, str] | None) -> None:
    (tmp_path / name).write_text(text, encoding="utf-8")
    report = engine_scan([tmp_path], ScanOptions(as_of=date(2026, 11, 23), cache=False, workers=1))
    assert report.internal_errors == []
    problems = [(d.location.line, d.location.column, d.message) for d in report.diagnostics]
    if expected is None:
        assert problems == []
    else:
        ((line, column, message),) = problems
        prefix = "cannot parse Bicep: " if name.endswith(".bicep") else "Terraform syntax error: "
        assert (line, column) == expected[:2] and message.startswith(prefix + expected[2])


def test_a_lone_surrogate_escape_reaches_every_format_as_a_replacement_character(tmp_path: Path) -> None:
    # '\u{D800}' was decoded to a lone surrogate, which crashed the text report (a traceback) and the
    # fingerprints of every other format when a finding quoted it.
    (tmp_path / "main.bicep").write_text(
        "resource fleet 'Microsoft.ContainerService/fleets@2025-03-01' = {\n  name: 'fleet'\n}\n"
        "resource west 'Microsoft.ContainerService/fleets/members@2025-03-01' = {\n  parent: fleet\n"
        "  name: 'aks-\\u{D800}'\n  properties: {\n    clusterResourceId: '/subscriptions/0/resourceGroups/rg/"
        "providers/Microsoft.ContainerService/managedClusters/aks-\\u{D800}'\n  }\n}\n", encoding="utf-8")
    for fmt in ("text", "json", "sarif"):
        run = cli(str(tmp_path), "--format", fmt, "--select", "FIAC203")
        assert run.code == 0 and "aks-\ufffd" in run.stdout.replace("\\ufffd", "\ufffd"), fmt
