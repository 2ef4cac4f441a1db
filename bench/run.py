"""``make bench``: how fast fleetiac scans a realistic tree, cold and warm, and how it scales.

Every figure comes from child processes running the installed command, as a user would run it:

- cold scan: ``--no-cache`` (every file parsed, in worker processes), and the same with one worker;
- first scan with an empty cache folder (parsing plus writing the cache), warm rescan (no file
  changed) and rescan after touching one file;
- each of these once per round, ``--runs`` rounds (5 by default), medians reported: interleaving them keeps the
  ratios fair on a machine whose speed drifts (a shared or throttled one);
- ``fleetiac --version`` start-up, median of 5;
- time per file of each stage (parse, evaluate, rules, report) of a cold scan in one process, as the
  tree doubles four times (250 to 4,000 files), and on a module-heavy tree (20 roots with 5 local
  modules each, all called with ``for_each``): flat rows mean linear time;
- peak memory: the largest resident set of any process of the scan (``ru_maxrss`` of the child
  processes), for trees of a quarter, a half and all of the benchmark's size;
- files per second of the cold scan; single-process parse time of the tree with the parsers'
  own raw trees (once per round, median) and with fleetiac's parse stage (once); worker speed-up
  (cold scan with 1 worker against the default, medians);
- a tree of Terraform plan JSON files (``terraform show -json``), one plan per root module of the HCL
  tree, scanned cold once per round (median);
- a cold scan (``--no-cache``) of an ARM JSON tree with as many template and parameter files as the
  Terraform tree has ``.tf`` files (beside JSON files of other tools, which discovery passes over);
- Checkov on the same tree, when ``make bench-compare`` has installed it into ``.bench-venv``.

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
from generate import FILES_PER_ROOT, comment_share, generate, generate_arm, module_tree  # noqa: E402  (a script beside this one, not a package)

# Runs one command and reports its wall time and the peak RSS of it and its children: a fresh
# interpreter per measurement, so ru_maxrss covers that measurement only.
_MEASURE = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
seconds = time.perf_counter() - start
peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"seconds": seconds, "peak_mib": peak_kib / 1024, "code": done.returncode,
                  "stderr": done.stderr.decode(errors="replace")[-2000:]}))
"""

# The parsers' own single-process parse time of the tree: raw Lark trees (their fastest output), or
# fleetiac's parse stage in one process without the cache (raw trees plus conversion); argv[2] says
# which. Prints the seconds.
_PARSE_ONLY = """
import json, sys, time
from pathlib import Path
from fleetiac.analyzer.discovery import discover
from fleetiac.analyzer.parsestage import parse_files
import hcl2.api
from lark import Lark
from pycep.main import LARK_GRAMMAR
_, files = discover([Path(sys.argv[1])])
if sys.argv[2] == "fleetiac":
    start = time.perf_counter()
    parse_files(files, cache_root=None, workers=1)
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
# each stage (the engine's STAGE_SECONDS) and of rendering the JSON report; prints them as JSON.
_STAGES = """
import json, sys, time
from pathlib import Path
from fleetiac.analyzer import engine
from fleetiac.analyzer.reporters import render
start = time.perf_counter()
report = engine.scan([Path(sys.argv[1])], engine.ScanOptions(cache=False, workers=1, progress=False))
began = time.perf_counter()
render(report, "json")
stages = {**engine.STAGE_SECONDS, "report": time.perf_counter() - began, "total": time.perf_counter() - start}
print(json.dumps({"files": report.files_scanned, "stages": stages}))
"""

STAGES = ("parse", "evaluate", "rules", "report")

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


def fleetiac_command() -> list[str]:
    found = shutil.which("fleetiac")
    return [found] if found else [sys.executable, "-m", "fleetiac"]


def measure(command: list[str], env: dict[str, str]) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", _MEASURE, *command], env=env, capture_output=True, text=True,
                         check=True)
    result = json.loads(out.stdout)
    if result["code"] not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed ({result['code']}):\n{result['stderr']}")
    return result


def summarize(results: list[dict[str, float]]) -> dict[str, object]:
    return {"seconds": statistics.median(r["seconds"] for r in results),
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


def main() -> None:
    parser = argparse.ArgumentParser(description="fleetiac benchmark")
    parser.add_argument("--scale", type=float, default=float(os.environ.get("BENCH_SCALE", "1")))
    parser.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", "5")))
    parser.add_argument("--out", type=Path, default=HERE / "results.json")
    # Outside the repository: a scan refuses a cache folder inside its scanned root (the git root
    # above the tree), so a tree and cache under bench/ would measure every "warm" scan uncached.
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "fleetiac-bench",
                        help="where trees and caches go (outside any git repository)")
    args = parser.parse_args()

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
    env = {**os.environ, "FLEETIAC_CACHE_DIR": str(cache), "PYTHONPYCACHEPREFIX": str(work / "pycache")}
    # An installed Python writes bytecode on first import and reuses it; with PYTHONDONTWRITEBYTECODE
    # (set in some containers) every run would compile fleetiac's modules again, about 0.2 s.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
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
    # Compile the grammars once, as any earlier run on the machine would have.
    subprocess.run([*fleetiac, "cache", "clear"], env=env, capture_output=True, check=True)
    subprocess.run([*fleetiac, "scan", str(tree / "bicep" / "app-0000"), str(tree / "terraform" / "modules"),
                    "--fail-on", "never"], env=env, capture_output=True, check=True)

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
                                                "touch_one", "plan_cold", "arm_cold")}
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
            kinds["warm"].append(measure(scan, env))
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
    for files_wanted in (250, 500, 1000, 2000, 4000):
        size = max(13, round(files_wanted * args.scale))
        grown = generate(work / "tree-scaling", round(size * 10 / 13), round(size * 3 / 13))
        scaling.append(stage_times(grown, env))
    shutil.rmtree(work / "tree-scaling", ignore_errors=True)
    results["scaling"] = scaling
    step("module-heavy tree (20 roots x 5 local modules with for_each; one process, no cache)")
    modules = work / "tree-modules"
    shutil.rmtree(modules, ignore_errors=True)
    results["modules"] = stage_times(module_tree(modules, 20), env)
    memory = {}
    for fraction in (0.25, 0.5):
        step(f"memory at {fraction:g} of the tree")
        small = generate(work / f"tree-{fraction:g}", max(5, round(tf * fraction)), max(3, round(bicep * fraction)))
        run = measure([*fleetiac, "scan", str(small), "--format", "json", "--fail-on", "never", "--no-cache"], env)
        memory[str(count_files(small))] = round(run["peak_mib"], 1)
    memory[str(files)] = round(results["cold"]["peak_mib"], 1)  # type: ignore[index]
    results["peak_mib_by_files"] = memory
    checkov = HERE.parent / ".bench-venv" / "bin" / "checkov"
    if checkov.exists():
        step("Checkov (once)")
        results["checkov"] = measure([str(checkov), "-d", str(tree), "--framework", "terraform", "bicep",
                                      "--quiet", "--compact", "-o", "json", "--skip-download"], env)
    report(results)
    args.out.write_text(json.dumps(results, indent=2, default=round) + "\n")
    print(f"results written to {args.out}")


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
        f"warm rescan                     {warm:7.2f} s   ({r['warm_speedup']:.1f}x faster than cold)",
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
    lines.append("  files   " + "".join(f"{name:>10s}" for name in (*STAGES, "total")))
    for row in [*r["scaling"], r["modules"]]:
        label = f"{row['files']:5d}" + (" (modules)" if row is r["modules"] else "")
        lines.append(f"  {label:8s}" + "".join(f"{1000 * row['stages'].get(name, 0.0) / row['files']:10.2f}"
                                             for name in (*STAGES, "total")))
    if "checkov" in r:
        r["checkov_ratio"] = r["checkov"]["seconds"] / cold
        lines.append(f"checkov (same tree)             {r['checkov']['seconds']:7.2f} s   "
                     f"(fleetiac cold is {r['checkov_ratio']:.1f}x faster)")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
