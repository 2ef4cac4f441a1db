"""``make bench``: how fast fleetiac scans a realistic tree, cold and warm, and how it scales.

Every figure comes from child processes running the installed command, as a user would run it:

- cold scan: ``--no-cache`` (every file parsed, in worker processes), and the same with one worker;
- first scan with an empty cache folder (parsing plus writing the cache), warm rescan (no file
  changed: the same command is replayed, see ``analyzer/replay.py``), the same without the replay
  memo (every stage through the parse, unit and findings caches) and rescan after touching one file;
- each of these once per round, ``--runs`` rounds (5 by default), medians reported: interleaving them keeps the
  ratios fair on a machine whose speed drifts (a shared or throttled one);
- ``fleetiac --version`` start-up, median of 5;
- time per file of each stage (parse, evaluate, rules, report) of a cold scan in one process, as the
  tree doubles five times (250 to 8,000 files), and on a module-heavy tree (20 roots with 5 local
  modules each, all called with ``for_each``): flat rows mean linear time;
- the access rules' CPU time on grant-heavy trees (one operator holding about two grants per member
  cluster, 250 to 1,000 members), with the operator's grants indexed by scope prefix and asked one by
  one (the index switched off), and whether their findings are the same;
- peak memory: the largest resident set of any process of the scan (``ru_maxrss`` of the child
  processes), for trees of a quarter, a half and all of the benchmark's size;
- files per second of the cold scan; single-process parse time of the tree with the parsers'
  own raw trees (once per round, median) and with fleetiac's parse stage (once); worker speed-up
  (cold scan with 1 worker against the default, medians), and on the 2,000- and 5,000-file trees
  (``--workers 1`` against ``--workers 2``, interleaved rounds, medians);
- a tree of Terraform plan JSON files (``terraform show -json``), one plan per root module of the HCL
  tree, scanned cold once per round (median);
- a cold scan (``--no-cache``) of an ARM JSON tree with as many template and parameter files as the
  Terraform tree has ``.tf`` files (beside JSON files of other tools, which discovery passes over);
- ``--compare`` (``make bench-compare``, which installs Checkov into ``.bench-venv``) measures only
  Checkov against fleetiac's cold scan on trees of 500 and 2,000 files (scaled by ``BENCH_SCALE``),
  both in the same run, in interleaved rounds (``BENCH_COMPARE_RUNS``, 3 by default), with the
  peak memory of each; it writes ``bench/results-compare.json``.

Figures go to stdout and ``bench/results.json``. ``BENCH_SCALE`` (default 1) shrinks or grows the
tree: 0.25 gives 250 Terraform and 75 Bicep files. Benchmarks are not tests: nothing here passes or
fails on a time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from generate import FILES_PER_ROOT, comment_share, generate, generate_arm, grants_tree, module_tree  # noqa: E402  (a script beside this one, not a package)

# Runs one command and reports its wall time and the peak RSS of it and its children: a fresh
# interpreter per measurement, so ru_maxrss covers that measurement only.
_MEASURE = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
seconds = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"seconds": seconds, "cpu": usage.ru_utime + usage.ru_stime, "peak_mib": usage.ru_maxrss / 1024,
                  "code": done.returncode,
                  "stderr": done.stderr.decode(errors="replace")[-2000:]}))
"""

# The parsers' own single-process parse time of the tree: raw Lark trees (their fastest output), or
# fleetiac's parse stage in one process without the cache (raw trees plus conversion); argv[2] says
# which. Either way the parsers are made before the clock starts (fleetiac's loaded from the
# compiled grammars in the cache folder, as `--no-cache` loads them). Prints the seconds.
_PARSE_ONLY = """
import json, os, sys, time
from pathlib import Path
from fleetiac.analyzer.discovery import discover
from fleetiac.analyzer.parsestage import parse_lazily
import hcl2.api
from lark import Lark
from pycep.main import LARK_GRAMMAR
_, files = discover([Path(sys.argv[1])])
if sys.argv[2] == "fleetiac":
    from fleetiac.analyzer.frontends import grammars
    grammar_root = Path(os.environ["FLEETIAC_CACHE_DIR"])
    grammars.configure(grammar_root, writable=False)
    grammars.ready("hcl2"), grammars.ready("bicep")
    start = time.perf_counter()
    dict(parse_lazily(files, cache_root=None, workers=1, grammar_root=grammar_root))
    print(time.perf_counter() - start)
    raise SystemExit
texts = [(f.language, f.path.read_text(encoding="utf-8-sig")) for f in files]
bicep = Lark(grammar=LARK_GRAMMAR, parser="lalr", propagate_positions=True, regex=True, cache=True)
hcl2.api.parses_to_tree("a = 1\\n")
start = time.perf_counter()
for language, text in texts:
    try:
        if language in ("terraform", "tfvars"):
            hcl2.api.parses_to_tree(text)
        elif language == "bicep":
            bicep.parse(text)
    except Exception:
        pass
print(time.perf_counter() - start)
"""


# One cold scan in one process (`--no-cache --workers 1`), as the CLI runs it, with the seconds of
# each stage (the engine's STAGE_SECONDS, wall time) and of rendering the JSON report, and the CPU
# time of the whole (steadier than wall time on a shared machine); prints them as JSON.
_STAGES = """
import json, sys, time
from pathlib import Path
from fleetiac.analyzer import engine
from fleetiac.analyzer.reporters import render
start, cpu = time.perf_counter(), time.process_time()
report = engine.scan([Path(sys.argv[1])], engine.ScanOptions(cache=False, workers=1, progress=False))
began = time.perf_counter()
render(report, "json")
stages = {**engine.STAGE_SECONDS, "report": time.perf_counter() - began, "total": time.perf_counter() - start,
          "total CPU": time.process_time() - cpu}
print(json.dumps({"files": report.files_scanned, "stages": stages}))
"""

# The access rules on a grant-heavy tree (bench/generate.py grants_tree: one operator with about two
# grants per member cluster), CPU seconds in one process, with the operator's grants indexed by
# scope prefix and, for comparison, asked one by one (the index switched off); the findings must be
# the same. Prints JSON.
_GRANTS = """
import json, sys, time
from pathlib import Path
from fleetiac.analyzer import engine
from fleetiac.analyzer.graph import access
from fleetiac.analyzer.graph.access import grants
graphs = engine.load_graphs([Path(sys.argv[1])]).graphs
rules = ("FIAC101", "FIAC102", "FIAC103", "FIAC104", "FIAC105", "FIAC106", "FIAC107")
options = engine.ScanOptions(cache=False, workers=1, progress=False)
engine.rule_findings(graphs[0], rules, options)  # imports and the role table, outside the timing
result = {"grants": sum(len(grants(g)) for g in graphs)}
found = {}
indexed_from = access._INDEX_FROM
for label, threshold in (("indexed", indexed_from), ("linear", 10**9)):
    access._INDEX_FROM = threshold
    start = time.process_time()
    found[label] = [engine.rule_findings(graph, rules, options) for graph in graphs]
    result[label] = time.process_time() - start
access._INDEX_FROM = indexed_from
result["findings"] = sum(len(f) for f in found["indexed"])
result["identical"] = found["indexed"] == found["linear"]
print(json.dumps(result))
"""
GRANT_CLUSTERS = (250, 500, 1000)

STAGES = ("parse", "evaluate", "rules", "report")
# The per-stage scaling rows: the tree doubles five times (times BENCH_SCALE), so "time per file flat
# from 500 to 8,000 files" can be read off the table.
SCALING_FILES = (250, 500, 1000, 2000, 4000, 8000)

# What two workers would take on two free cores, from CPU times (wall times on a shared machine say
# little): a cold `--no-cache` scan in one process, then one with two workers, timing this process
# before the workers start and after they end, and each worker's CPU time (read from /proc just
# before it ends). The scan's critical path is the sum of the first, the slower worker and the last.
_CRITICAL = """
import json, os, sys, time
from pathlib import Path
from fleetiac.analyzer import engine, parsestage
marks = {}
start_pool, close_pool = parsestage._Pool.__init__, parsestage._Pool.close
def started(self, *args, **kwargs):
    marks["start"] = time.process_time()
    start_pool(self, *args, **kwargs)
def closing(self):
    tick = os.sysconf("SC_CLK_TCK")
    fields = [open(f"/proc/{p.pid}/stat").read().rsplit(")", 1)[1].split() for p in self.processes]
    marks["workers"] = [(int(f[11]) + int(f[12])) / tick for f in fields]
    marks["end"] = time.process_time()
    close_pool(self)
parsestage._Pool.__init__, parsestage._Pool.close = started, closing
workers = int(sys.argv[2])
engine.scan([Path(sys.argv[1])], engine.ScanOptions(cache=False, workers=workers, progress=False,
                                                    line_hashes=False))
ended = time.process_time()  # since the process started: imports included, as in the CLI
if workers == 1:
    print(json.dumps({"one_process": ended}))
else:
    print(json.dumps({"parent_before": marks["start"], "workers": marks["workers"],
                      "parent_after": ended - marks["end"], "parent_total": ended}))
"""


def critical_path(tree: Path, env: dict[str, str]) -> dict[str, object]:
    def run(workers: int) -> dict[str, object]:
        done = subprocess.run([sys.executable, "-c", _CRITICAL, str(tree), str(workers)], env=env,
                              capture_output=True, text=True, check=True)
        return dict(json.loads(done.stdout))

    out = {**run(1), **run(2)}
    out["critical_path"] = out["parent_before"] + max(out["workers"]) + out["parent_after"]  # type: ignore[call-overload,operator]
    out["speedup"] = out["one_process"] / out["critical_path"]  # type: ignore[operator]
    return out


def stage_times(tree: Path, env: dict[str, str]) -> dict[str, object]:
    done = subprocess.run([sys.executable, "-c", _STAGES, str(tree)], env=env, capture_output=True, text=True,
                          check=True)
    return json.loads(done.stdout)


# A fixed amount of pure-Python work: its time in each round shows how much the machine's speed
# drifted during the benchmark (on a shared machine it can change by half within minutes).
_CALIBRATION = "total = 0\nfor i in range(10_000_000):\n    total += i\n"


_INSTALLED: list[list[str]] = []


def fleetiac_command() -> list[str]:
    """The ``fleetiac`` command as a user installs it: the checkout built as a wheel and installed
    with its dependencies into a virtual environment of its own under the work folder (made once per
    run). The development environment's command would measure what is not fleetiac's: an editable
    install's import hook and whatever ``.pth`` files its site-packages hold run at every start (here
    about 30 ms, a fifth of a replayed rescan), and a version manager's shim in front of it (pyenv's
    is a shell script: 40-50 ms more). ``BENCH_FLEETIAC`` names another command to measure instead."""
    if not _INSTALLED:
        given = os.environ.get("BENCH_FLEETIAC")
        _INSTALLED.append(given.split() if given else _install_wheel(WORK[0]))
    return _INSTALLED[0]


WORK: list[Path] = []
"""The work folder of this run (set by :func:`main` before anything is measured)."""


def _install_wheel(work: Path) -> list[str]:
    venv = work / "venv"
    wheels = work / "wheel"
    shutil.rmtree(wheels, ignore_errors=True)
    print("  installing fleetiac from a wheel of the checkout into a virtual environment...", file=sys.stderr,
          flush=True)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(wheels),
                    str(HERE.parent)], check=True)
    if not (venv / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    wheel = next(wheels.glob("fleetiac-*.whl"))
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-warn-script-location"]
    # This checkout's code always (the version number does not change with it), then its dependencies.
    subprocess.run([*pip, "--no-deps", "--force-reinstall", str(wheel)], check=True)
    subprocess.run([*pip, str(wheel)], check=True)
    return [str(venv / "bin" / "fleetiac")]


def measure(command: list[str], env: dict[str, str]) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", _MEASURE, *command], env=env, capture_output=True, text=True,
                         check=True)
    result = json.loads(out.stdout)
    if result["code"] not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed ({result['code']}):\n{result['stderr']}")
    return result


def summarize(results: list[dict[str, float]]) -> dict[str, object]:
    return {"seconds": statistics.median(r["seconds"] for r in results),
            "cpu": statistics.median(r["cpu"] for r in results),
            "peak_mib": max(r["peak_mib"] for r in results),
            "runs": [round(r["seconds"], 3) for r in results]}


def median_of(runs: int, command: list[str], env: dict[str, str]) -> dict[str, object]:
    return summarize([measure(command, env) for _ in range(runs)])


def parse_only(tree: Path, which: str, env: dict[str, str]) -> float:
    done = subprocess.run([sys.executable, "-c", _PARSE_ONLY, str(tree), which], env=env, capture_output=True,
                          text=True, check=True)
    return round(float(done.stdout), 3)


def count_files(tree: Path) -> int:
    return sum(1 for p in tree.rglob("*") if p.suffix in (".tf", ".bicep", ".bicepparam", ".tfvars"))


def bench_env(work: Path) -> dict[str, str]:
    env = {**os.environ, "FLEETIAC_CACHE_DIR": str(work / "cache"), "PYTHONPYCACHEPREFIX": str(work / "pycache")}
    # An installed Python writes bytecode on first import and reuses it; with PYTHONDONTWRITEBYTECODE
    # (set in some containers) every run would compile fleetiac's modules again, about 0.2 s.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def compile_grammars(tree: Path, env: dict[str, str]) -> None:
    """An empty cache with the grammars compiled, as any earlier run on the machine would leave it."""
    fleetiac = fleetiac_command()
    subprocess.run([*fleetiac, "cache", "clear"], env=env, capture_output=True, check=True)
    subprocess.run([*fleetiac, "scan", str(tree / "bicep" / "app-0000"), str(tree / "terraform" / "modules"),
                    "--fail-on", "never"], env=env, capture_output=True, check=True)


# Checkov's frameworks for the files fleetiac reads (Terraform, Bicep, ARM JSON), and the options
# that keep it offline and on its own built-in checks: no guidelines or mappings fetched from its
# platform, no external modules downloaded, no external checks, no update check. Its exit code 1
# means failed checks (it finds plenty in these trees), not a failed run; 2 is a crash.
CHECKOV_FRAMEWORKS = ("terraform", "bicep", "arm")
CHECKOV_ENV = {"CKV_SKIP_PACKAGE_UPDATE_CHECK": "true", "BC_SKIP_MAPPING": "TRUE"}
COMPARE_FILES = (500, 2000)


def checkov_command(checkov: Path, tree: Path, out: Path) -> list[str]:
    return [str(checkov), "--directory", str(tree), "--framework", *CHECKOV_FRAMEWORKS, "--skip-download",
            "--download-external-modules", "false", "--quiet", "--compact", "--output", "json",
            "--output-file-path", str(out)]


def checkov_summary(out: Path) -> dict[str, int]:
    """What Checkov's JSON report says it checked: a run that parsed no resource measured nothing."""
    found = sorted(out.glob("*.json"))
    if not found:
        raise SystemExit(f"Checkov wrote no JSON report into {out}")
    data = json.loads(found[0].read_text())
    reports = data if isinstance(data, list) else [data]
    totals = {"resources": 0, "passed": 0, "failed": 0, "parsing_errors": 0}
    for one in reports:
        summary = one.get("summary", {})
        totals["resources"] += int(summary.get("resource_count", 0))
        for name in ("passed", "failed", "parsing_errors"):
            totals[name] += int(summary.get(name, 0))
    if totals["passed"] + totals["failed"] == 0:
        raise SystemExit(f"Checkov ran no check on the tree (report {found[0]})")
    return totals


def generate_files(out: Path, files: int, scale: float) -> Path:
    """A generated tree of about ``files`` times ``scale`` files (at least 13), in the benchmark
    tree's mix: 10 Terraform files for every 3 Bicep files."""
    size = max(13, round(files * scale))
    return generate(out, round(size * 10 / 13), round(size * 3 / 13))


def compare(args: argparse.Namespace) -> None:
    """Checkov against fleetiac's cold scan (``--no-cache``, default workers) on trees of 500 and
    2,000 files, in rounds that run each once, in alternating order, so both meet the same machine."""
    checkov: Path = args.checkov
    if not checkov.exists():
        raise SystemExit(f"{checkov} is missing: `make bench-compare` installs Checkov into .bench-venv")
    version = subprocess.run([str(checkov), "--version"], capture_output=True, text=True,
                             env={**os.environ, **CHECKOV_ENV}, check=True).stdout.strip()
    work: Path = args.work
    env = bench_env(work)
    checkov_env = {**env, **CHECKOV_ENV}
    fleetiac = fleetiac_command()
    out = work / "checkov-report"
    results: dict[str, object] = {
        "date": time.strftime("%Y-%m-%d"), "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"{platform.system()}", "python": platform.python_version(), "scale": args.scale,
        "runs": args.compare_runs, "checkov_version": version, "checkov_frameworks": list(CHECKOV_FRAMEWORKS),
        "trees": [],
    }
    print(f"Checkov {version} against fleetiac (cold, --no-cache) on {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, {args.compare_runs} rounds", flush=True)
    for number, wanted in enumerate(COMPARE_FILES):
        tree = generate_files(work / f"tree-compare-{wanted}", wanted, args.scale)
        files = count_files(tree)
        compile_grammars(tree, env)
        if number == 0:
            # Checkov's first run after its install compiles the bytecode of its thousand modules
            # (about 20 s here): one unmeasured run, as fleetiac's grammars are compiled above.
            print("  warming Checkov up (one unmeasured run)...", file=sys.stderr, flush=True)
            shutil.rmtree(out, ignore_errors=True)
            measure(checkov_command(checkov, tree, out), checkov_env)
        scan = [*fleetiac, "scan", str(tree), "--format", "json", "--fail-on", "never", "--no-progress", "--no-cache"]
        kinds: dict[str, list[dict[str, float]]] = {"fleetiac": [], "checkov": []}
        checked: dict[str, int] = {}
        for round_number in range(1, max(1, args.compare_runs) + 1):
            print(f"  measuring {files} files, round {round_number}/{args.compare_runs}...", file=sys.stderr,
                  flush=True)

            # Every other round in the opposite order, so a drift of the machine's speed favours
            # neither side.
            for tool in ("fleetiac", "checkov") if round_number % 2 else ("checkov", "fleetiac"):
                if tool == "fleetiac":
                    kinds[tool].append(measure(scan, env))
                    continue
                shutil.rmtree(out, ignore_errors=True)
                kinds[tool].append(measure(checkov_command(checkov, tree, out), checkov_env))
                checked = checkov_summary(out)
        row = {"files": files, "comment_share": round(comment_share(tree), 3),
               "fleetiac": summarize(kinds["fleetiac"]), "checkov": summarize(kinds["checkov"]),
               "checkov_checked": checked}
        row["ratio"] = row["checkov"]["seconds"] / row["fleetiac"]["seconds"]  # type: ignore[index]
        row["cpu_ratio"] = row["checkov"]["cpu"] / row["fleetiac"]["cpu"]  # type: ignore[index]
        row["ratio_per_round"] = [round(c / f, 2) for c, f in zip(row["checkov"]["runs"],  # type: ignore[index]
                                                                   row["fleetiac"]["runs"], strict=True)]  # type: ignore[index]
        results["trees"].append(row)  # type: ignore[attr-defined]
        shutil.rmtree(tree, ignore_errors=True)
    lines = ["| files | Checkov | fleetiac cold | ratio (per round) | CPU time, Checkov / fleetiac (ratio) "
             "| peak memory, Checkov / fleetiac |", "| --- | --- | --- | --- | --- | --- |"]
    for row in results["trees"]:  # type: ignore[attr-defined]
        lines.append(f"| {row['files']:,} | {row['checkov']['seconds']:.2f} s | {row['fleetiac']['seconds']:.2f} s | "
                     f"**{row['ratio']:.1f}x** ({', '.join(f'{r:.1f}' for r in row['ratio_per_round'])}) | "
                     f"{row['checkov']['cpu']:.1f} / {row['fleetiac']['cpu']:.1f} s ({row['cpu_ratio']:.1f}x) | "
                     f"{row['checkov']['peak_mib']:.0f} / {row['fleetiac']['peak_mib']:.0f} MiB |")
    for row in results["trees"]:  # type: ignore[attr-defined]
        c = row["checkov_checked"]
        lines.append(f"Checkov on {row['files']} files: {c['resources']} resources, {c['passed']} passed and "
                     f"{c['failed']} failed checks, {c['parsing_errors']} parsing errors")
    print("\n".join(lines))
    target = args.out.with_name("results-compare.json") if args.out == HERE / "results.json" else args.out
    target.write_text(json.dumps(results, indent=2, default=round) + "\n")
    print(f"results written to {target}")


def main() -> None:
    parser = argparse.ArgumentParser(description="fleetiac benchmark")
    parser.add_argument("--scale", type=float, default=float(os.environ.get("BENCH_SCALE", "1")))
    parser.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", "5")))
    parser.add_argument("--out", type=Path, default=HERE / "results.json")
    # Outside the repository: a scan refuses a cache folder inside its scanned root (the git root
    # above the tree), so a tree and cache under bench/ would measure every "warm" scan uncached.
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "fleetiac-bench",
                        help="where trees and caches go (outside any git repository)")
    parser.add_argument("--compare", action="store_true",
                        help="only Checkov against fleetiac's cold scan on the 500- and 2,000-file trees")
    parser.add_argument("--checkov", type=Path, default=HERE.parent / ".bench-venv" / "bin" / "checkov",
                        help="the Checkov command for --compare (make bench-compare installs it there)")
    parser.add_argument("--compare-runs", type=int, default=int(os.environ.get("BENCH_COMPARE_RUNS", "3")))
    args = parser.parse_args()
    WORK.append(args.work)
    args.work.mkdir(parents=True, exist_ok=True)
    if args.compare:
        compare(args)
        return

    tf, bicep = max(5, round(1000 * args.scale)), max(3, round(300 * args.scale))
    work = args.work
    tree = generate(work / "tree", tf, bicep)
    files = count_files(tree)
    plans = max(1, tf // FILES_PER_ROOT)  # one plan per root module of the HCL tree
    plan_tree = generate(work / "plan-tree", 0, 0, plans=plans) / "plans"
    arm_tree = generate_arm(work / "arm-tree", tf)
    arm_scan = [*fleetiac_command(), "scan", str(arm_tree), "--format", "json", "--fail-on", "never", "--no-progress",
                "--no-cache"]
    cache = work / "cache"
    env = bench_env(work)
    fleetiac = fleetiac_command()
    scan = [*fleetiac, "scan", str(tree), "--format", "json", "--fail-on", "never", "--no-progress"]
    print(f"fleetiac benchmark: {tf} Terraform + {bicep} Bicep files ({files} scanned, "
          f"{comment_share(tree):.0%} comment bytes) on {os.cpu_count()} cores, Python {platform.python_version()}",
          flush=True)

    def step(name: str) -> None:
        print(f"  measuring {name}...", file=sys.stderr, flush=True)

    results: dict[str, object] = {
        "date": time.strftime("%Y-%m-%d"), "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"{platform.system()}", "python": platform.python_version(), "scale": args.scale, "runs": args.runs,
        "tree": {"terraform": tf, "bicep": bicep, "files": files, "plans": plans, "arm": tf,
                 "comment_share": round(comment_share(tree), 3)},
    }
    step("fleetiac --version")
    results["version"] = median_of(max(5, args.runs), [*fleetiac, "--version"], env)
    compile_grammars(tree, env)

    def drop_parse_cache() -> None:
        """Everything but the compiled grammars: a first scan finds no parsed file, evaluated unit,
        findings or line hashes (the findings of an identical earlier scan would spare it the rules)."""
        # Every folder but the grammars and the key, whatever its format version (a version bump
        # of the parse or unit cache once left the "first scan" reading a full cache).
        for folder in cache.iterdir():
            if folder.is_dir() and folder.name not in ("grammars", "secret-v1"):
                shutil.rmtree(folder, ignore_errors=True)

    touched = sorted((tree / "terraform" / "teams").rglob("fleet.tf"))[0]
    counter = iter(range(10**6))

    def touch_one() -> None:
        with touched.open("a") as handle:
            handle.write(f"# touched {next(counter)}\n")

    # Rounds, each measuring every kind of scan once: a shared or throttled machine changes speed
    # over minutes, and interleaving keeps each ratio between scans made under the same conditions.
    kinds: dict[str, list[dict[str, float]]] = {k: [] for k in
                                               ("calibration", "cold", "cold_one_worker", "first_with_cache", "warm",
                                                "warm_pipeline", "touch_one", "plan_cold", "arm_cold")}
    raw_parse: list[float] = []
    for round_number in range(1, args.runs + 1):
        step(f"round {round_number}/{args.runs}: cold, cold with one worker, first into an empty cache, "
             "warm, after touching one file, raw single-process parse, cold ARM JSON tree")
        kinds["calibration"].append(measure([sys.executable, "-c", _CALIBRATION], env))

        def cold() -> None:
            kinds["cold"].append(measure([*scan, "--no-cache"], env))

        def one_worker() -> None:
            kinds["cold_one_worker"].append(measure([*scan, "--no-cache", "--workers", "1"], env))

        def cached() -> None:
            drop_parse_cache()
            kinds["first_with_cache"].append(measure(scan, env))
            kinds["warm"].append(measure(scan, env))  # the same command again: replayed
            # Without the replay memo: every stage through the parse, unit and findings caches.
            shutil.rmtree(cache / "replay-v1", ignore_errors=True)
            kinds["warm_pipeline"].append(measure(scan, env))
            touch_one()
            kinds["touch_one"].append(measure(scan, env))

        def raw() -> None:
            raw_parse.append(parse_only(tree, "raw", env))

        def plan_cold() -> None:
            kinds["plan_cold"].append(measure([*fleetiac, "scan", str(plan_tree), "--format", "json", "--fail-on",
                                               "never", "--no-progress", "--no-cache"], env))


        def arm() -> None:
            kinds["arm_cold"].append(measure(arm_scan, env))

        # Every other round in the opposite order, so a steady speed-up or slow-down of the machine
        # favours each side of a ratio equally often.
        order = [cold, one_worker, cached, raw, plan_cold, arm]
        for measurement in order if round_number % 2 else reversed(order):
            measurement()
    for kind, runs in kinds.items():
        results[kind] = summarize(runs)
    step("single-process parse time of fleetiac's parse stage (once)")
    results["parse_only_single_process"] = {"raw": statistics.median(raw_parse), "raw_runs": raw_parse,
                                            "fleetiac": parse_only(tree, "fleetiac", env)}
    step("CPU critical path of a cold scan with two workers (once)")
    results["critical_path"] = critical_path(tree, env)
    step("stages per file as the tree doubles (one process, no cache, once each)")
    scaling = []
    for files_wanted in SCALING_FILES:
        grown = generate_files(work / "tree-scaling", files_wanted, args.scale)
        scaling.append(stage_times(grown, env))
    shutil.rmtree(work / "tree-scaling", ignore_errors=True)
    results["scaling"] = scaling
    step("module-heavy tree (20 roots x 5 local modules with for_each; one process, no cache)")
    modules = work / "tree-modules"
    shutil.rmtree(modules, ignore_errors=True)
    results["modules"] = stage_times(module_tree(modules, 20), env)
    step("access rules on grant-heavy trees, grants indexed by scope and one by one (one process, CPU time)")
    grant_rows = []
    for clusters in GRANT_CLUSTERS:
        heavy = grants_tree(work / "tree-grants", max(10, round(clusters * args.scale)))
        done = subprocess.run([sys.executable, "-c", _GRANTS, str(heavy)], env=env, capture_output=True, text=True,
                              check=True)
        grant_rows.append({"members": max(10, round(clusters * args.scale)), **json.loads(done.stdout)})
    shutil.rmtree(work / "tree-grants", ignore_errors=True)
    results["grants"] = grant_rows
    step(f"one worker against two on the {' and '.join(f'{n:,}' for n in WORKER_FILES)}-file trees "
         f"(cold, --no-cache, {args.runs} interleaved rounds)")
    results["workers_by_files"] = workers_by_files(work, args, env)
    memory = {}
    for fraction in (0.25, 0.5):
        step(f"memory at {fraction:g} of the tree")
        small = generate(work / f"tree-{fraction:g}", max(5, round(tf * fraction)), max(3, round(bicep * fraction)))
        run = measure([*fleetiac, "scan", str(small), "--format", "json", "--fail-on", "never", "--no-cache"], env)
        memory[str(count_files(small))] = round(run["peak_mib"], 1)
    memory[str(files)] = round(results["cold"]["peak_mib"], 1)  # type: ignore[index]
    results["peak_mib_by_files"] = memory
    report(results)
    args.out.write_text(json.dumps(results, indent=2, default=round) + "\n")
    print(f"results written to {args.out}")


WORKER_FILES = (2000, 5000)
"""The trees (files, before ``BENCH_SCALE``) on which one worker is measured against two: the issue's
target is set on these, where a scan is long enough for its serial parts (start-up, rules, report)
to be a small share."""


def workers_by_files(work: Path, args: argparse.Namespace, env: dict[str, str]) -> list[dict[str, object]]:
    """Cold ``--no-cache`` scans with ``--workers 1`` and ``--workers 2`` of each :data:`WORKER_FILES`
    tree, once each per round, in alternating order (so a drift of the machine's speed favours
    neither): medians, and the ratio within each round."""
    rows = []
    for wanted in WORKER_FILES:
        tree = generate_files(work / "tree-workers", wanted, args.scale)
        scan = [*fleetiac_command(), "scan", str(tree), "--format", "json", "--fail-on", "never", "--no-progress",
                "--no-cache", "--workers"]
        kinds: dict[str, list[dict[str, float]]] = {"1": [], "2": []}
        for round_number in range(1, args.runs + 1):
            for count in ("1", "2") if round_number % 2 else ("2", "1"):
                kinds[count].append(measure([*scan, count], env))
        one, two = summarize(kinds["1"]), summarize(kinds["2"])
        rows.append({"files": count_files(tree), "one_worker": one, "two_workers": two,
                     "speedup": one["seconds"] / two["seconds"],  # type: ignore[operator]
                     "speedup_per_round": [round(a["seconds"] / b["seconds"], 2)
                                           for a, b in zip(kinds["1"], kinds["2"], strict=True)]})
    shutil.rmtree(work / "tree-workers", ignore_errors=True)
    return rows


def report(r: dict) -> None:
    cold, warm, touch = r["cold"]["seconds"], r["warm"]["seconds"], r["touch_one"]["seconds"]
    files = r["tree"]["files"]
    parse = r["parse_only_single_process"]
    r["files_per_second"] = files / cold
    r["warm_speedup"] = cold / warm
    r["worker_speedup"] = r["cold_one_worker"]["seconds"] / cold
    lines = [
        f"cold scan (--no-cache)          {cold:7.2f} s   ({r['files_per_second']:.0f} files/s)",
        f"first scan, empty cache         {r['first_with_cache']['seconds']:7.2f} s",
        f"warm rescan (replayed)          {warm:7.3f} s   ({r['warm_speedup']:.1f}x faster than cold)",
        f"warm rescan, memo dropped       {r['warm_pipeline']['seconds']:7.3f} s   "
        f"({cold / r['warm_pipeline']['seconds']:.1f}x faster than cold: every stage through the caches)",
        f"rescan after touching one file  {touch:7.2f} s",
        f"fleetiac --version              {r['version']['seconds']:7.3f} s",
        f"cold scan, ARM JSON tree        {r['arm_cold']['seconds']:7.2f} s   ({r['tree']['arm']} template and "
        f"parameter files: {r['tree']['arm'] / r['arm_cold']['seconds']:.0f} files/s)",
        f"cold scan with 1 worker         {r['cold_one_worker']['seconds']:7.2f} s   "
        f"(default workers: {r['worker_speedup']:.2f}x)",
        f"two workers on two free cores   {r['critical_path']['speedup']:7.2f}x  (CPU: one process "
        f"{r['critical_path']['one_process']:.2f} s; with two workers this process "
        f"{r['critical_path']['parent_total']:.2f} s, workers {r['critical_path']['workers']} s, critical path "
        f"{r['critical_path']['critical_path']:.2f} s)",
        *(f"two workers, {row['files']:5,d} files      {row['speedup']:7.2f}x  ({row['one_worker']['seconds']:.2f} s "
          f"with one, {row['two_workers']['seconds']:.2f} s with two; per round {row['speedup_per_round']})"
          for row in r["workers_by_files"]),
        f"parse only, 1 process, raw      {parse['raw']:7.2f} s   (cold scan takes {cold / parse['raw']:.2f}x that)",
        f"parse only, 1 process, fleetiac {parse['fleetiac']:7.2f} s",
        f"peak memory (MiB by files)      {r['peak_mib_by_files']}",
        f"plan JSON tree, cold scan       {r['plan_cold']['seconds']:7.2f} s   "
        f"({r['tree']['plans']} plans, one per root module of the HCL tree)",
        f"machine drift (fixed work, s)   {r['calibration']['runs']}   (one per round; equal = steady machine)",
    ]
    # The same ratios within each round, where both sides ran under the same conditions.
    per_round = {
        "cold / warm": zip(r["cold"]["runs"], r["warm"]["runs"], strict=True),
        "one worker / default": zip(r["cold_one_worker"]["runs"], r["cold"]["runs"], strict=True),
        "cold / raw parse": zip(r["cold"]["runs"], parse["raw_runs"], strict=True),
    }
    r["per_round"] = {name: [round(a / b, 2) for a, b in pairs] for name, pairs in per_round.items()}
    lines.extend(f"per round, {name + ':':22s}{values}" for name, values in r["per_round"].items())
    lines.append("per-stage ms per file as the tree doubles (1 process, --no-cache):")
    lines.append("  files   " + "".join(f"{name:>10s}" for name in (*STAGES, "total", "total CPU")))
    for row in [*r["scaling"], r["modules"]]:
        label = f"{row['files']:5d}" + (" (modules)" if row is r["modules"] else "")
        lines.append(f"  {label:8s}" + "".join(f"{1000 * row['stages'].get(name, 0.0) / row['files']:10.2f}"
                                             for name in (*STAGES, "total", "total CPU")))
    lines.append("access rules FIAC101-FIAC107, one operator with ~2 grants per member (CPU s, 1 process):")
    lines.append("  members  grants   indexed  one by one   ratio  ms/member indexed  same findings")
    for row in r["grants"]:
        ratio, per_member = row["linear"] / max(row["indexed"], 1e-9), 1000 * row["indexed"] / row["members"]
        lines.append(f"  {row['members']:7d}  {row['grants']:6d}  {row['indexed']:8.3f}  {row['linear']:10.3f}  "
                     f"{ratio:6.1f}x  {per_member:17.3f}  {'yes' if row['identical'] else 'NO'}")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
