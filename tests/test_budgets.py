"""Bounded evaluation (issue 18, items 1 and 9): a value fleetiac cannot compute is unknown, never an
error that drops its module; every unit's evaluation has a budget of values and seconds; and the
Bicep lexer never backtracks exponentially."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from fleetiac.analyzer.engine import ScanOptions
from fleetiac.analyzer.engine import scan as engine_scan
from fleetiac.analyzer.frontends.budget import MAX_VALUES, Budget, BudgetExceeded
from fleetiac.analyzer.frontends.sources import machine_dependent
from fleetiac.analyzer.frontends.terraform.evaluate import Module, ModuleTree
from fleetiac.analyzer.frontends.terraform.syntax import parse_text
from fleetiac.analyzer.values import Unknown, UnknownCause

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "platform"
SECONDS = 5.0
RSS_MB = 300


def probe(expr: str, prelude: str = "", budget: Budget | None = None) -> Any:
    module = Module("", [parse_text(f"{prelude}\nlocals {{\n  probe = {expr}\n}}\n", "main.tf")], {},
                    key_prefix=".:", tree=ModuleTree(budget=budget or Budget()))
    return module.local("probe")


def findings(path: Path) -> list[tuple[str, str, int, str]]:
    report = engine_scan([path], ScanOptions(as_of=date(2026, 11, 23), cache=False, workers=1))
    assert report.internal_errors == [] and report.diagnostics == []
    return sorted((f.rule_id, f.location.path, f.location.line, f.message) for f in report.findings)


# -- item 1: one value, not the module ----------------------------------------------------------------

SQUARES = "\n".join(["locals {", "  n0  = 2", *(f"  n{i} = local.n{i - 1} * local.n{i - 1}" for i in range(1, 12)),
                     "  x   = local.n11 / 3", "}"])


def test_one_value_too_large_for_a_float_keeps_every_other_finding(tmp_path: Path) -> None:
    """The issue's reproducer: 2**2048 / 3 overflows a float. Before, the whole root module was lost."""
    shutil.copytree(EXAMPLE, tmp_path / "platform")
    expected = findings(tmp_path / "platform")
    assert len(expected) == 9
    (tmp_path / "platform" / "fleet" / "squares.tf").write_text(
        SQUARES + '\nresource "azurerm_resource_group" "squares" {\n  name     = "rg-squares"\n'
        "  location = local.x\n}\n", encoding="utf-8")
    assert findings(tmp_path / "platform") == expected


@pytest.mark.parametrize("expr", [
    "local.n11 / 3",  # OverflowError: a float cannot hold it
    "local.n11 * local.n11 * local.n11 + 1",  # 6,145 significant bits: Terraform rounds it, to 512
    "1e400",  # a float literal past a float's range (Terraform reads it)
    'tonumber("1e400")',
    # 2**14336 has 4,316 digits: past Python's limit of 4,300 for writing it as text.
    "local.n11 * local.n11 * local.n11 * local.n11 * local.n11 * local.n11 * local.n11",
    'jsondecode("1${join("", [for i in range(1024) : "0000000"])}")',  # 7,000 digits: Python's limit
    'yamldecode("x: .inf")',
    'format("%999999999d", 1)',
    'replace(join("", range(1000)), "", join("", range(1000)))',
])
def test_a_value_fleetiac_cannot_hold_is_unknown(expr: str) -> None:
    value = probe(expr, SQUARES)
    found = value if isinstance(value, Unknown) else value.get("x") if isinstance(value, dict) else None
    assert isinstance(found, Unknown), value
    assert found.cause == UnknownCause.TOO_LARGE


def test_try_does_not_take_its_fallback_for_a_value_too_large() -> None:
    """Terraform computes 2**2048 / 3: no error, so no fallback; fleetiac cannot, so unknown."""
    assert isinstance(probe('try(local.n11 / 3, "fallback")', SQUARES), Unknown)
    assert isinstance(probe("can(local.n11 / 3)", SQUARES), Unknown)
    assert probe('try({ a = 1 }.b, "fallback")', SQUARES) == "fallback"  # a Terraform error still is one


def test_the_failure_is_contained_to_the_expression_that_failed() -> None:
    assert probe('{ a = local.n11 / 3, b = "kept", c = local.n0 + 1 }', SQUARES) == {
        "a": Unknown("local.n11 / 3"), "b": "kept", "c": 3}


@pytest.mark.parametrize(("expr", "expected"), [
    ("length(range(1e16, 1e16 + 10))", 10),  # 1e16 + 1 == 1e16 as floats: it used to loop forever
    ('tonumber("100000000000000000000000")', 10**23),  # exactly, not the float nearest to it
    ('tonumber("1e23")', 10**23),
    ("local.n8 * local.n8", 2**512),  # one significant bit: exact in Terraform too
])
def test_numbers_stay_exact(expr: str, expected: Any) -> None:
    assert probe(expr, SQUARES) == expected


def test_count_1e400_is_an_unknown_count_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "azurerm_resource_group" "r" {\n  count    = 1e400\n'
                                      '  name     = "rg"\n  location = "westeurope"\n}\n', encoding="utf-8")
    report = engine_scan([tmp_path], ScanOptions(as_of=date(2026, 11, 23), cache=False, workers=1))
    assert report.internal_errors == [] and report.diagnostics == []


def test_a_bug_of_ours_is_still_an_internal_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Only failures of the user's values are contained; a KeyError of the evaluator fails the scan."""
    from fleetiac.analyzer.frontends.terraform import functions

    def broken(_: Any) -> Any:
        raise AttributeError("a bug")

    monkeypatch.setitem(functions.FUNCTIONS, "lower", lambda value: broken(value))
    (tmp_path / "main.tf").write_text('resource "azurerm_resource_group" "r" {\n  name     = lower("RG")\n'
                                      '  location = "westeurope"\n}\n', encoding="utf-8")
    report = engine_scan([tmp_path], ScanOptions(as_of=date(2026, 11, 23), cache=False, workers=1))
    assert [(e.location.path, e.message) for e in report.internal_errors] == [(
        "main.tf", "internal error while evaluating Terraform module . (AttributeError); please report it "
                   "\u2014 run with --debug for details")]


def test_bicep_integers_past_64_bits_are_unknown(tmp_path: Path) -> None:
    from fleetiac.analyzer.frontends.bicep import load_bicep
    from fleetiac.analyzer.frontends.sources import SourceFile

    (tmp_path / "main.bicep").write_text(textwrap.dedent("""\
        var big = 9223372036854775807
        resource rg 'Microsoft.Resources/resourceGroups@2022-09-01' = {
          name: 'rg-${big * big * big}'
          location: 'westeurope'
          tags: {
            kept: 'rg-${big - 1}'
          }
        }
        """), encoding="utf-8")
    [unit] = load_bicep([SourceFile(tmp_path / "main.bicep", "main.bicep", "bicep")])
    [resource] = unit.result.resources
    assert unit.result.diagnostics == []
    assert isinstance(resource.name, Unknown)


# -- item 9: a budget per unit ------------------------------------------------------------------------

def test_budget_counts_values_reached_through_shared_lists() -> None:
    budget = Budget(max_values=1000)
    shared: list[Any] = ["x"] * 10
    for _ in range(20):
        shared = [shared, shared]  # 2**20 leaves in 20 small lists
    with pytest.raises(BudgetExceeded):
        budget.charge_size(shared)
    assert budget.spent == "values"


def test_the_rest_of_the_module_is_unknown_and_the_stop_is_reported(tmp_path: Path) -> None:
    budget = Budget(max_values=5000)
    text = textwrap.dedent("""\
        locals {
          early = "known"
          big   = [for i in range(1000) : [for j in range(1000) : j]]
          late  = "after the budget"
        }
        """)
    module = Module("", [parse_text(text, "main.tf")], {}, key_prefix=".:", tree=ModuleTree(budget=budget))
    assert module.local("early") == "known"
    assert module.local("big") == Unknown("[for i in range(1000) : [for j in range(1000) : j]]")
    assert module.local("late") == Unknown('"after the budget"', UnknownCause.BUDGET)
    problem = module.tree.budget_problem()
    assert problem is not None and (problem.display, problem.pos.line) == ("main.tf", 3)
    assert problem.message == "evaluation stopped after 5,000 values; the rest of this module is unknown"
    assert not problem.machine_dependent


def test_running_out_of_time_is_never_cached() -> None:
    budget = Budget(max_values=10**9, max_seconds=1e-9)
    with pytest.raises(BudgetExceeded):
        for _ in range(10**6):
            budget.charge()
    from fleetiac.analyzer.model import Location

    diagnostic = budget.diagnostic(Location("main.tf", 1, 1), "module")
    assert budget.spent == "time" and diagnostic is not None and machine_dependent(diagnostic)


def tagged(expr: str, prelude: str = "") -> dict[str, str]:
    """A root module whose one resource needs ``expr`` (evaluation is lazy: an unused local is never computed)."""
    return {"main.tf": prelude + f'resource "azurerm_resource_group" "r" {{\n  name     = "rg"\n'
                                 f'  location = "westeurope"\n  tags     = {{ n = {expr} }}\n}}\n'}


ALIASES = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
    f"{n}: &{n} [{','.join([f'*{p}'] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi", strict=True))
"""About 300 bytes of YAML that stand for 9**9 strings."""

BOMBS: dict[str, dict[str, str]] = {
    "nested for 1000**3": tagged("length(local.x)", "locals {\n  x = [for i in range(1000) : [for j in range(1000) : "
                                                    "[for k in range(1000) : k]]]\n}\n"),
    "dynamic 1000x1000": {"main.tf": """\
        resource "azurerm_kubernetes_cluster" "c" {
          name = "aks"
          dynamic "a" {
            for_each = range(1000)
            content {
              dynamic "b" {
                for_each = range(1000)
                content {
                  x = b.value
                }
              }
            }
          }
        }
        """},
    "yamldecode alias bomb": tagged("length(local.y)", f"locals {{\n  y = yamldecode(<<EOT\n{ALIASES}EOT\n  )\n}}\n"),
    "range(1e16, 1e16 + 10)": tagged("length(range(1e16, 1e16 + 10))"),
    "module fan-out 1000x1000": {"main.tf": """\
        module "m" {
          source   = "./m"
          for_each = toset([for i in range(1000) : tostring(i)])
        }
        """, "m/main.tf": """\
        resource "azurerm_resource_group" "r" {
          for_each = toset([for i in range(1000) : tostring(i)])
          name     = each.key
          location = "westeurope"
        }
        """},
    "bicep loops 100x100x100": {"main.bicep": """\
        var x = [for i in range(0, 100): {
          a: [for j in range(0, 100): {
            b: [for k in range(0, 100): {
              c: k
            }]
          }]
        }]
        resource rg 'Microsoft.Resources/resourceGroups@2022-09-01' = {
          name: 'rg'
          location: 'westeurope'
          tags: {
            n: length(x)
          }
        }
        """},
    # An unclosed ''' (the one before it is in a comment): pycep's lexer split the line every way.
    "bicep unclosed multi-line string (67 bytes)": {"main.bicep": "// '''\nvar x = '''" + "a" * 48 + "\n"},
    "bicep unclosed interpolations": {"main.bicep": "var x = '" + "${}" * 30 + "\n"},
}

_MEASURE = """\
import json, resource, sys, time
from datetime import date
from pathlib import Path
from fleetiac.analyzer.engine import ScanOptions, scan
out = {}
for folder in sorted(Path(sys.argv[1]).iterdir()):
    start = time.monotonic()
    report = scan([folder], ScanOptions(as_of=date(2026, 11, 23), cache=False, workers=1))
    out[folder.name] = {"seconds": time.monotonic() - start, "internal": len(report.internal_errors),
                        "diagnostics": [(d.location.path, d.location.line, d.message) for d in report.diagnostics]}
out["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""


def test_every_bomb_finishes_in_seconds_and_megabytes(tmp_path: Path) -> None:
    """Each case of the issue in one process (so its peak memory covers every case): under 5 s each,
    under 300 MB at the peak, and a diagnostic naming where evaluation stopped. Before, each of
    them hung, crashed or took minutes; the subprocess's timeout catches a hang."""
    for number, files in enumerate(BOMBS.values()):
        for name, text in files.items():
            path = tmp_path / "cases" / f"{number:02}" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text) if not text.startswith("//") else text, encoding="utf-8")
    run = subprocess.run([sys.executable, "-c", _MEASURE, str(tmp_path / "cases")], cwd=ROOT, capture_output=True,
                         text=True, timeout=60 + 10 * len(BOMBS))
    assert run.returncode == 0, run.stderr[-2000:]
    measured = json.loads(run.stdout)
    assert measured.pop("rss_mb") < RSS_MB
    for (case, _), (_, result) in zip(BOMBS.items(), sorted(measured.items()), strict=True):
        assert result["seconds"] < SECONDS, (case, result)
        assert result["internal"] == 0, case
        if case.startswith(("nested", "dynamic", "yamldecode", "module", "bicep loops")):
            [where] = [d for d in result["diagnostics"] if "evaluation stopped" in d[2]]
            assert where[1] > 1 and f"{MAX_VALUES:,} values" in where[2], (case, where)


def test_the_rewritten_bicep_terminals_match_what_pycep_matches() -> None:
    """The two terminals rewritten in :func:`analyzer.frontends.grammars.bicep_grammar` match the same
    text as pycep's originals at every position (on short strings, where the originals are fast)."""
    import regex
    from lark import Lark
    from pycep.main import LARK_GRAMMAR

    from fleetiac.analyzer.frontends.grammars import _BACKTRACKING_TERMINALS, bicep_grammar

    assert all(old in LARK_GRAMMAR for old, _ in _BACKTRACKING_TERMINALS), "pycep's grammar changed"
    options: dict[str, Any] = {"parser": "lalr", "regex": True, "keep_all_tokens": True}
    before = {t.name: t for t in Lark(grammar=LARK_GRAMMAR, **options).terminals}
    after = {t.name: t for t in Lark(grammar=bicep_grammar(syntax=False), **options).terminals}
    # The lexer tries terminals in this order: it must not change.
    assert [(t.name, t.priority) for t in before.values()] == [(t.name, t.priority) for t in after.values()]
    rnd = random.Random(18)
    for name in ("MULTI_LINE_STRING", "QUOTED_INTERPOLATION"):
        assert before[name].pattern.max_width == after[name].pattern.max_width
        old, new = regex.compile(before[name].pattern.to_regexp()), regex.compile(after[name].pattern.to_regexp())
        for _ in range(3000):
            body = "".join(rnd.choice("'''$${}\\a\n\r") for _ in range(rnd.randint(0, 12)))
            text = rnd.choice(["'", "'''", ""]) + body
            first, second = old.match(text), new.match(text)
            assert (first and first.span()) == (second and second.span()), (name, text)


def test_a_budget_large_enough_for_real_code() -> None:
    """The examples use a tiny part of the budget (see MAX_VALUES): a realistic module never meets it."""
    budget = Budget()
    module = Module("fleet", [parse_text((EXAMPLE / "fleet" / name).read_text(encoding="utf-8"), f"fleet/{name}")
                              for name in ("main.tf", "clusters.tf", "rbac.tf")], {}, key_prefix="fleet:",
                    tree=ModuleTree(budget=budget))
    from fleetiac.analyzer.frontends.terraform.canonical import extract

    assert extract(module)
    assert 0 < budget.values < MAX_VALUES // 100
