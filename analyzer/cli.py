"""The ``fleetiac`` command line. Heavy modules are imported inside commands so that
``fleetiac --version`` starts fast."""

from __future__ import annotations

import json
import os
import re
import sys
import threading
from datetime import date
from pathlib import Path
from typing import Any

import click

from fleetiac.analyzer import __version__

LEVELS = ("error", "warning", "note", "never")


def _split(values: tuple[str, ...]) -> tuple[str, ...]:
    """``--select FIAC1,FIAC201`` and repeated options alike."""
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


def _as_of(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date:
    if value is None:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date in YYYY-MM-DD form") from None


def _variables(_ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    pairs = []
    for value in values:
        name, sep, text = value.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"{value!r} is not NAME=VALUE")
        pairs.append((name.strip(), text))
    return tuple(pairs)


def _parameter_files(_ctx: click.Context, _param: click.Parameter,
                     values: tuple[str, ...]) -> tuple[tuple[Path, Path], ...]:
    pairs = []
    for value in values:
        template, sep, params = value.partition("=")
        if not sep or not template.strip() or not params.strip():
            raise click.BadParameter(f"{value!r} is not TEMPLATE=PARAMS")
        pairs.append((Path(template.strip()), Path(params.strip())))
    return tuple(pairs)


def _operators(_ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]) -> tuple[str, ...]:
    if not values:  # without --operator, the access graph's module is not imported
        return ()
    from fleetiac.analyzer.graph.access import parse_operator

    for value in values:
        try:
            parse_operator(value)
        except ValueError as error:
            raise click.BadParameter(str(error)) from None
    return tuple(v.strip() for v in values)


def _levels(_ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """``--level FIAC203=error``, repeatable: the same overrides as a configuration's ``levels``."""
    from fleetiac.analyzer.config import LEVEL_NAMES

    pairs = []
    for value in values:
        rule_id, sep, level = value.partition("=")
        rule_id, level = rule_id.strip().upper(), level.strip().lower()
        if not sep or not rule_id or level not in LEVEL_NAMES:
            raise click.BadParameter(f"{value!r} is not RULE=LEVEL with a level of {', '.join(LEVEL_NAMES)}")
        pairs.append((rule_id, level))
    if pairs:
        from fleetiac.analyzer.rules import all_rules, rule_names

        names = rule_names(all_rules())
        unknown = [rule_id for rule_id, _ in pairs if rule_id.lower() not in names]
        if unknown:
            raise click.BadParameter(f"unknown rule {unknown[0]!r}; `fleetiac rules` lists them")
        pairs = [(names[rule_id.lower()], level) for rule_id, level in pairs]
    return tuple(pairs)


_DATA_FILES = (("aks_versions.json", "AKS release calendar"), ("roles.json", "built-in roles"),
               ("fleet_api_versions.json", "Fleet API lifecycle"))


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """``fleetiac --version``: the release, and when each body of Azure facts it decides from was
    gathered (a rule about versions or roles is only as current as its data). Reads three small files,
    imports nothing more: it stays fast."""
    if not value or ctx.resilient_parsing:
        return
    data = Path(__file__).resolve().parent / "knowledge" / "data"
    dates = []
    for name, label in _DATA_FILES:
        try:
            retrieved = str(json.loads((data / name).read_text(encoding="utf-8")).get("retrieved", "unknown"))
        except (OSError, ValueError, AttributeError):
            retrieved = "unreadable"
        dates.append(f"{label} {retrieved}")
    click.echo(f"fleetiac {__version__}\ndata: {'; '.join(dates)}")
    ctx.exit()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", "-V", is_flag=True, expose_value=False, is_eager=True, callback=_print_version,
              help="Show the version and the dates of the AKS calendar, role and Fleet API data, and exit.")
def main() -> None:
    """Static analysis of Azure Kubernetes Fleet Manager infrastructure code (Terraform and Bicep)."""


def run() -> None:
    """The ``fleetiac`` command (and ``python -m fleetiac``): :func:`main`, after which the process
    ends without Python's teardown of its objects.

    A scan ends holding everything it loaded: resources, parse summaries, unit results, findings.
    Python's finalization frees them one object at a time. On the benchmark trees that takes
    0.2-0.4 s after the report is written, up to a third of a one-file rescan, and the operating system
    frees the same memory at once. So once the command has returned, the exit functions run
    (``atexit``: multiprocessing's clean-up among them), standard output and error are flushed,
    and the process ends with :func:`os._exit`. Nothing is left to write by then: reports and
    cache entries are written and closed, worker pools are closed. A broken pipe is answered by
    click (exit 1, later flushes quieted); a flush that still fails, or a thread still running,
    leaves the exit to Python, as before. Tests call :func:`main`."""
    import atexit

    code: Any = 0
    try:
        main()  # click's standalone mode ends with SystemExit
    except SystemExit as done:
        code = done.code
    if code is None:
        code = 0
    elif not isinstance(code, int):  # as Python's own exit treats it
        print(code, file=sys.stderr)
        code = 1
    if threading.active_count() > 1:  # a thread still running would be cut off
        sys.exit(code)
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        sys.exit(code)
    os._exit(code)


def _formats(_ctx: click.Context, _param: click.Parameter,
             values: tuple[str, ...]) -> tuple[tuple[str, Path | None], ...]:
    """``--format sarif:results.sarif --format text``: FORMAT or FORMAT:FILE, repeatable."""
    from fleetiac.analyzer.reporters import FORMATS

    specs: list[tuple[str, Path | None]] = []
    for value in values:
        name, sep, file = value.partition(":")
        name = name.strip().lower()
        if name not in FORMATS:
            raise click.BadParameter(f"{value!r}: format must be one of {', '.join(FORMATS)} (optionally FORMAT:FILE)")
        if sep and not file:
            raise click.BadParameter(f"{value!r}: give a file after ':' or leave the ':' out")
        specs.append((name, Path(file) if sep else None))
    return tuple(specs)


def _outputs(specs: tuple[tuple[str, Path | None], ...], output: Path | None) -> list[tuple[str, Path | None]]:
    """Where each format goes: ``-o FILE`` names the file of the one format given without a file."""
    outputs = list(specs) or [("text", None)]
    to_stdout = [i for i, (_, file) in enumerate(outputs) if file is None]
    if output is not None:
        if len(to_stdout) != 1:
            raise click.UsageError("--output needs exactly one --format without a FILE; "
                                   "write several formats as --format FORMAT:FILE")
        outputs[to_stdout[0]] = (outputs[to_stdout[0]][0], output)
    elif len(to_stdout) > 1:
        raise click.UsageError("only one format can go to standard output; write the others as --format FORMAT:FILE")
    return outputs


# Settings a configuration file may give, with the scan option each one fills and its default.
_SETTING_PARAMS: dict[str, str] = {
    "select": "select", "ignore": "ignore", "levels": "levels", "fail-on": "fail_on", "exclude": "exclude",
    "operators": "operators", "assignments": "assignments", "var-files": "var_files", "aks-versions": "aks_versions",
    "as-of": "as_of", "manifests": "manifests",
}


def _defaults() -> dict[str, Any]:
    return {"select": (), "ignore": (), "levels": (), "fail-on": "error", "exclude": (), "operators": (),
            "assignments": (), "var-files": (), "aks-versions": (), "as-of": date.today(), "manifests": (),
            "unreadable-fleet-files": "error"}


def _settings(paths: list[Path], given: dict[str, Any], config_file: Path | None = None,
              isolated: bool = False) -> tuple[str, dict[str, tuple[Any, str]]]:
    """Each setting's effective value and where it came from: the command line, the configuration
    file, or the default. Returns the configuration file's description too.

    The configuration is the file ``--config`` names, else none under ``--isolated``, else the one
    found from the first path up to the report root. A setting given on the command line always
    wins: it replaces the file's value, except ``levels``, where the command line's ``--level``
    overrides the file's level of the rules it names. ``--select`` on the command line is the whole
    selection: the file's ``ignore`` does not apply then (only ``--ignore`` does)."""
    from fleetiac.analyzer.config import KEYS, Config, find, load
    from fleetiac.analyzer.discovery import report_root

    root = report_root(paths)
    if config_file is not None and isolated:
        raise click.UsageError("--config cannot be used with --isolated (which ignores every configuration file); "
                               "add --no-inline-suppressions to --config to ignore inline suppressions too")
    if isolated:
        config, described = Config(), "none (--isolated)"
    elif config_file is not None:
        config = load(config_file, root)
        described = f"{config.describe(root)} (--config)"
    else:
        config = find(paths[0], root)
        described = config.describe(root)
    defaults = _defaults()
    settings: dict[str, tuple[Any, str]] = {}
    for key in KEYS:
        if key == "levels" and key in given and config.values.get(key):
            merged = tuple(dict((*config.values[key], *given[key])).items())
            settings[key] = (merged, f"{described}, then the command line")
        elif key in given:
            settings[key] = (given[key], "command line")
        elif key == "ignore" and "select" in given:
            settings[key] = (defaults[key], "default (--select on the command line)")
        elif key in config.values:
            settings[key] = (config.values[key], described)
        else:
            settings[key] = (defaults[key], "default")
    return described, settings


def _given(ctx: click.Context, values: dict[str, Any]) -> dict[str, Any]:
    """The settings the user passed on the command line (not click's defaults)."""
    from click.core import ParameterSource

    given = {}
    for key, param in _SETTING_PARAMS.items():
        source = ctx.get_parameter_source(param) if param in ctx.params else None
        if source is not None and source != ParameterSource.DEFAULT:
            given[key] = values[param]
    return given


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "-f", "formats", multiple=True, callback=_formats, metavar="FORMAT[:FILE]",
              help="Report format: text (default), json, sarif, junit, github, markdown, html, gitlab (Code "
                   "Quality), gitlab-sast; FORMAT:FILE writes "
                   "it to FILE. Repeatable: --format sarif:results.sarif --format text.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report (the one format given without a FILE) to FILE instead of standard output.")
@click.option("--fail-on", type=click.Choice(LEVELS, case_sensitive=False), default="error", show_default=True,
              help="Exit 1 when a finding at or above this level is reported.")
@click.option("--select", multiple=True, metavar="IDS", help="Only these rule IDs or prefixes (FIAC2, FIAC101).")
@click.option("--ignore", multiple=True, metavar="IDS", help="Skip these rule IDs or prefixes.")
@click.option("--as-of", callback=_as_of, metavar="YYYY-MM-DD",
              help="The date version rules evaluate against (default: today).")
@click.option("--show-unknown", is_flag=True, help="List decisions skipped because a value is unknown (FIAC902).")
@click.option("--operator", "operators", multiple=True, metavar="PRINCIPAL", callback=_operators,
              help="A principal to treat as a fleet operator: an object ID, an expression such as "
                   "var.deployer_id, deployer, or EXPRESSION=OBJECT_ID (deployer=OBJECT_ID); repeatable.")
@click.option("--assignments", multiple=True, type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="The JSON of `az role assignment list --all --assignee ID -o json` or `az role definition "
                   "list --custom-role-only true -o json`, for the access rules; repeatable.")
@click.option("--var-file", "var_files", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="A Terraform .tfvars(.json) file for root modules; repeatable, a later one wins.")
@click.option("--aks-versions", "aks_versions", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              metavar="FILE", help="Regional version data: the JSON of `az aks get-versions --location REGION "
                                   "-o json` (region from its `id`, else the file name: westeurope.json); "
                                   "repeatable.")
@click.option("--var", "variables", multiple=True, callback=_variables, metavar="NAME=VALUE",
              help="A Terraform variable value for root modules; repeatable, wins over files.")
@click.option("--arm-parameters", "parameter_files", multiple=True, callback=_parameter_files,
              metavar="TEMPLATE=PARAMS", help="Evaluate the ARM template TEMPLATE with the parameter file PARAMS "
                                              "(besides x.parameters.json, bound to x.json by name); repeatable.")
@click.option("--env-vars", is_flag=True, help="Read Terraform variables from TF_VAR_* environment variables.")
@click.option("--exclude", multiple=True, metavar="GLOB",
              help="Do not scan root-relative paths (files or folders) matching GLOB; repeatable.")
@click.option("--no-inline-suppressions", is_flag=True, help="Ignore every fleetiac:ignore comment.")
@click.option("--level", "levels", multiple=True, callback=_levels, metavar="RULE=LEVEL",
              help="Report RULE at LEVEL (error, warning, note), over the configuration's levels; repeatable.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Use this configuration file (a .fleetiac.toml, or a pyproject.toml's [tool.fleetiac]) "
                   "and none found in the scanned tree.")
@click.option("--isolated", is_flag=True,
              help="Ignore every configuration file and every inline suppression in the scanned tree "
                   "(for untrusted pull requests).")
@click.option("--baseline", type=click.Path(dir_okay=False, path_type=Path),
              help="Report only findings that the baseline FILE does not record.")
@click.option("--write-baseline", type=click.Path(dir_okay=False, path_type=Path),
              help="Record the current findings in FILE (then exit 0).")
@click.option("--sarif-category", default="", metavar="CATEGORY",
              help="SARIF automationDetails.id, to tell several uploads for one commit apart.")
@click.option("--sarif-include-suppressed", is_flag=True,
              help="Write suppressed findings to SARIF too, with suppressions entries.")
@click.option("--color/--no-color", default=None,
              help="Color the text report (default: when a terminal; NO_COLOR and FORCE_COLOR are honoured).")
@click.option("--statistics", is_flag=True, help="Text report: the count of findings by rule only.")
@click.option("--compact", is_flag=True, help="Text report: one line per finding, no code frames.")
@click.option("--quiet", "-q", is_flag=True,
              help="Text report: the findings only (no summary, table or notes); no progress or baseline lines.")
@click.option("--no-cache", is_flag=True, help="Parse every file again and write nothing to the cache folder.")
@click.option("--workers", type=click.IntRange(min=1), metavar="N",
              help="Parse in N processes (default: one per available core; 1: no worker processes).")
@click.option("--progress/--no-progress", default=None,
              help="Show parse progress on stderr (default: on a terminal, for scans over 2 seconds).")
@click.option("--max-file-size", type=click.FloatRange(min=0, min_open=True), default=5, show_default=True,
              metavar="MB", help="Report larger files (FIAC901) without reading them.")
@click.option("--parse-timeout", type=click.FloatRange(min=0), default=60, show_default=True, metavar="SECONDS",
              help="Report a file that takes longer to parse (FIAC901) and go on; 0: no limit.")
@click.option("--allow-empty", is_flag=True,
              help="Exit 0 when PATHS hold no file fleetiac reads (default: a usage error, exit 2).")
@click.option("--debug", is_flag=True, help="Show a traceback on internal errors.")
@click.pass_context
def scan(ctx: click.Context, **options: Any) -> None:
    """Scan Terraform and Bicep files under PATHS (default: the current folder)."""
    import signal

    # Ctrl-C ends the scan at once with 130, like every shell tool (exit 1 would read as "findings"
    # in CI). A KeyboardInterrupt raised wherever the signal lands (a pool's shutdown, a finalizer)
    # could instead end as "Exception ignored" and exit 1. Nothing is lost: cache entries are
    # written atomically, and parse workers end with this process (see analyzer.parsestage).
    def interrupted(_signum: int, _frame: Any) -> None:
        os.write(2, b"fleetiac: interrupted\n")
        os._exit(130)

    from fleetiac.analyzer.collector import long_lived_frozen

    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, interrupted) if main_thread else None
    try:
        with long_lived_frozen():  # the garbage collector spares what the scan keeps to its end
            _scan(ctx, **options)
    finally:
        if main_thread:
            signal.signal(signal.SIGINT, previous)


def _checked_settings(settings: dict[str, tuple[Any, str]]) -> dict[str, Any]:
    """The effective settings, with rule selectors resolved (a rule name becomes its ID) and every
    ``--var-file`` checked to exist: a selector that names no rule, or a variables file that is not
    there, is a usage error rather than a scan that silently checks less."""
    from fleetiac.analyzer.rules import SelectorError, all_rules, resolve_selectors

    effective = {key: value for key, (value, _) in settings.items()}
    for key in ("select", "ignore"):
        if not effective[key]:  # nothing to resolve: the rules' modules are not imported for it
            effective[key] = ()
            continue
        try:
            effective[key] = resolve_selectors(effective[key], all_rules())
        except SelectorError as error:
            source = settings[key][1]
            where = f"--{key}" if source == "command line" else f"{key} in {source}"
            raise click.UsageError(f"{where}: {error}") from None
    for path in effective["var-files"]:
        if not Path(path).is_file():
            raise click.UsageError(f"--var-file {Path(path).as_posix()!r}: no such file")
    return effective


def _color_wanted(to_stdout: bool) -> bool:
    """Without ``--color``/``--no-color``: no color when ``NO_COLOR`` is set (no-color.org), color
    when ``FORCE_COLOR`` is (even piped, as CI logs that render ANSI want), else when standard output
    is a terminal. A report written to a file is never colored unless ``--color`` asks."""
    if not to_stdout:
        return False
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def _write(text: str, target: Path) -> str | None:
    """Write one report; the error in one line when it cannot be written (the other reports are
    still written)."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    except OSError as error:
        return f"fleetiac: cannot write {target.as_posix()}: {error.strerror or type(error).__name__}"
    return None


def _scan(ctx: click.Context, paths: tuple[Path, ...], formats: tuple[tuple[str, Path | None], ...],
          output: Path | None, fail_on: str, select: tuple[str, ...], ignore: tuple[str, ...], as_of: date,
          show_unknown: bool, operators: tuple[str, ...], assignments: tuple[Path, ...],
          var_files: tuple[Path, ...], aks_versions: tuple[Path, ...], variables: tuple[tuple[str, str], ...],
          parameter_files: tuple[tuple[Path, Path], ...],
          env_vars: bool, exclude: tuple[str, ...], no_inline_suppressions: bool,
          levels: tuple[tuple[str, str], ...], config_file: Path | None,
          isolated: bool, baseline: Path | None, write_baseline: Path | None, sarif_category: str,
          sarif_include_suppressed: bool, color: bool | None, statistics: bool, compact: bool, quiet: bool,
          no_cache: bool, workers: int | None,
          progress: bool | None, max_file_size: float, parse_timeout: float, allow_empty: bool,
          debug: bool) -> None:
    from fleetiac.analyzer.config import ConfigError, cli_exclusions
    from fleetiac.analyzer.replay import now_ns

    started = now_ns()
    outputs = _outputs(formats, output)
    if statistics + compact + quiet > 1:
        raise click.UsageError("--statistics, --compact and --quiet are different layouts: give one of them")
    text_style = "statistics" if statistics else "compact" if compact else "quiet" if quiet else "full"
    if quiet and progress is None:
        progress = False
    targets = list(paths) or [Path(".")]
    values = {"select": _split(select), "ignore": _split(ignore), "fail_on": fail_on,
              "exclude": cli_exclusions(exclude),
              "operators": operators, "assignments": assignments, "var_files": var_files,
              "aks_versions": aks_versions, "as_of": as_of,
              "levels": levels}
    try:
        _, settings = _settings(targets, _given(ctx, values), config_file, isolated)
    except ConfigError as error:
        raise click.UsageError(str(error)) from None
    colors = tuple(bool(color if color is not None else _color_wanted(target is None)) and fmt == "text"
                   for fmt, target in outputs)
    memo, memo_key = _replay(ctx, targets, settings, colors, env_vars, no_cache or write_baseline is not None)

    from fleetiac.analyzer import baseline as baselines
    from fleetiac.analyzer.discovery import DiscoveryError
    from fleetiac.analyzer.engine import ScanOptions, ScanTrace, exit_code
    from fleetiac.analyzer.engine import scan as run_scan
    from fleetiac.analyzer.knowledge.aks_versions import RegionalDataError
    from fleetiac.analyzer.knowledge.roles import ExportError
    from fleetiac.analyzer.reporters import RenderOptions, render
    from fleetiac.analyzer.reporters._escape import line_text

    effective = _checked_settings(settings)
    options = ScanOptions(select=effective["select"], ignore=effective["ignore"], as_of=effective["as-of"],
                          show_unknown=show_unknown, operators=effective["operators"],
                          assignments=effective["assignments"],
                          var_files=effective["var-files"], aks_versions=effective["aks-versions"],
                          variables=variables, parameter_files=parameter_files, env_vars=env_vars,
                          exclude=effective["exclude"], levels=effective["levels"],
                          manifests=effective["manifests"],
                          unreadable_fleet_files=effective["unreadable-fleet-files"],
                          inline_suppressions=not (no_inline_suppressions or isolated), cache=not no_cache,
                          workers=workers,
                          progress=progress, max_file_size=int(max_file_size * 1024 * 1024),
                          parse_timeout=parse_timeout or None,
                          line_hashes=any(fmt == "sarif" for fmt, _ in outputs),
                          snippets=any(fmt == "text" for fmt, _ in outputs) and text_style in ("full", "quiet"))
    fail_on = effective["fail-on"]
    rendered: list[tuple[str, Path | None]] = []
    messages: list[str] = []  # for standard error, after the scan (in the order they came)
    trace = ScanTrace() if memo is not None else None
    try:
        report = run_scan(targets, options, trace)
        if write_baseline is not None:
            write_baseline.parent.mkdir(parents=True, exist_ok=True)
            count = baselines.write(report, write_baseline)
            if not quiet:
                messages.append(f"fleetiac: wrote {count} baseline entries to {write_baseline}")
        if baseline is not None:
            report = baselines.apply(report, baseline, baseline.as_posix())
            assert report.baseline is not None
            if not quiet:
                messages.append(f"fleetiac: baseline {baseline}: {report.baseline.matched} known findings left out, "
                                f"{report.baseline.gone} baseline entries gone")
        views = None
        if any(fmt == "html" for fmt, _ in outputs):
            from fleetiac.analyzer.views import report_views

            views = report_views(targets, options, report)
        for (fmt, target), use_color in zip(outputs, colors, strict=True):
            render_options = RenderOptions(color=use_color, sarif_category=sarif_category,
                                           sarif_include_suppressed=sarif_include_suppressed, text_style=text_style,
                                           views=views if fmt == "html" else None)
            rendered.append((render(report, fmt, options=render_options), target))
    except (DiscoveryError, baselines.BaselineError, RegionalDataError, ExportError) as error:
        raise click.UsageError(str(error)) from None
    except Exception as error:
        for message in messages:
            click.echo(message, err=True)
        if debug:
            raise
        # The exception's type only: its text can hold Python internals and the machine's paths.
        click.echo(line_text(f"fleetiac: internal error: {type(error).__name__} (rerun with --debug for details)"),
                   err=True)
        sys.exit(2)
    write_failed = _deliver(rendered, messages)
    # Every report is written first (it holds what the rest of the tree gave); then each failure of
    # our own code is named on stderr (unless the text report on stdout just did), with its
    # traceback under --debug, and the scan exits 2.
    text_on_stdout = any(fmt == "text" and target is None for fmt, target in outputs)
    for failure in report.internal_errors:
        if not text_on_stdout:
            click.echo(f"fleetiac: {line_text(failure.message)}", err=True)  # CI agents read stderr too
        if debug and failure.detail:
            click.echo(failure.detail.rstrip("\n"), err=True)
    if report.internal_errors or write_failed:
        sys.exit(2)
    if report.files_scanned == 0 and not allow_empty:
        shown = ", ".join(line_text(p.as_posix()) for p in targets)
        from fleetiac.analyzer.frontends.base import suffixes

        click.echo(f"fleetiac: no file fleetiac reads ({' '.join(suffixes())}) found under {shown} "
                   f"(--allow-empty to accept that)", err=True)
        sys.exit(2)
    code = 0 if write_baseline is not None else exit_code(report, fail_on)
    if memo is not None and memo_key is not None and trace is not None and trace.replayable:
        try:
            _remember(memo, memo_key, (tuple((t.as_posix() if t else None, text) for text, t in rendered),
                                       tuple(messages), code), trace, options, targets, baseline, started)
        except Exception:  # the next run scans again; this one's reports are out already
            if debug:
                raise
    sys.exit(code)


def _deliver(rendered: list[tuple[str, Path | None]], messages: list[str]) -> bool:
    """Write the messages to standard error, then each report to its file or standard output;
    whether a report could not be written (each failure is said on standard error)."""
    from fleetiac.analyzer.reporters._escape import line_text

    for message in messages:
        click.echo(message, err=True)
    write_failed = False
    for text, target in rendered:
        if target is not None:
            problem = _write(text, target)
            if problem is not None:
                click.echo(line_text(problem), err=True)
                write_failed = True
        elif text:  # --quiet with nothing to say writes nothing
            # color=True: click would strip the ANSI codes when piped, but they are there only when
            # wanted (--color, FORCE_COLOR or a terminal); no other format ever holds them.
            click.echo(text, nl=not text.endswith("\n"), color=True)
    return write_failed


def _replay(ctx: click.Context, targets: list[Path], settings: dict[str, tuple[Any, str]], colors: tuple[bool, ...],
            env_vars: bool, off: bool) -> tuple[Any, str | None]:
    """The replay memo (:mod:`analyzer.replay`) and this command's key in it; when it holds this
    command's outcome and nothing it came from changed, that outcome is written and the process
    exits here, without scanning. ``off``: no memo (``--no-cache``, ``--write-baseline``)."""
    from fleetiac.analyzer.discovery import report_root
    from fleetiac.analyzer.replay import memo_key, open_memo

    if off:
        return None, None
    try:
        memo = open_memo((report_root(targets), *targets))
    except OSError:
        return None, None
    if memo is None:
        return None, None
    environment = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("TF_VAR_"))) if env_vars else ()
    key = memo_key("scan", sorted(ctx.params.items()), sorted(settings.items()), colors, environment)
    outcome = memo.replay(key)
    if outcome is not None:
        outputs, messages, code = outcome
        failed = _deliver([(text, Path(target) if target is not None else None) for target, text in outputs],
                          list(messages))
        sys.exit(2 if failed else code)
    return memo, key


def _remember(memo: Any, key: str, outcome: Any, trace: Any, options: Any, targets: list[Path],
              baseline: Path | None, started: int) -> None:
    """Record this scan's outcome in the replay memo with what it came from (see :mod:`analyzer.replay`)."""
    from fleetiac.analyzer.replay import watched

    named = [*options.var_files, *options.assignments, *options.aks_versions, *([baseline] if baseline else []),
             *(p for pair in options.parameter_files for p in pair)]
    what = watched(trace, [target for target, _ in outcome[0] if target is not None], named, targets)
    if what is not None:
        memo.record(key, outcome, what, started)


def _view_options(func: Any) -> Any:
    """The options ``rollout``, ``access`` and ``graph`` share with ``scan``: how the code is evaluated."""
    options = [
        click.argument("paths", nargs=-1, type=click.Path(path_type=Path)),
        click.option("--as-of", callback=_as_of, metavar="YYYY-MM-DD",
                     help="The date version rules evaluate against (default: today)."),
        click.option("--var-file", "var_files", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
                     help="As scan --var-file; repeatable."),
        click.option("--var", "variables", multiple=True, callback=_variables, metavar="NAME=VALUE",
                     help="As scan --var; repeatable."),
        click.option("--env-vars", is_flag=True, help="As scan --env-vars."),
        click.option("--exclude", multiple=True, metavar="GLOB", help="As scan --exclude; repeatable."),
        click.option("--aks-versions", "aks_versions", multiple=True,
                     type=click.Path(dir_okay=False, path_type=Path), metavar="FILE", help="As scan --aks-versions."),
        click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
                     help="As scan --config."),
        click.option("--isolated", is_flag=True, help="As scan --isolated: no configuration file."),
        click.option("--no-cache", is_flag=True, help="As scan --no-cache."),
        click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
                     help="Write to FILE instead of standard output."),
        click.option("--debug", is_flag=True, help="Show a traceback on internal errors."),
    ]
    for option in reversed(options):
        func = option(func)
    return click.pass_context(func)


def _view(ctx: click.Context, build: Any, fmt: str, operators: tuple[str, ...] = (),
          assignments: tuple[Path, ...] = ()) -> None:
    """Load the graphs as ``scan`` does, build a view with ``build(graphs, options)``, print it in ``fmt``."""
    from fleetiac.analyzer.config import ConfigError, cli_exclusions
    from fleetiac.analyzer.discovery import DiscoveryError
    from fleetiac.analyzer.engine import ScanOptions, load_graphs
    from fleetiac.analyzer.knowledge.aks_versions import RegionalDataError
    from fleetiac.analyzer.knowledge.roles import ExportError
    from fleetiac.analyzer.reporters._escape import line_text
    from fleetiac.analyzer.reporters.views import render
    from fleetiac.analyzer.views import FocusError

    params = ctx.params
    targets = list(params["paths"]) or [Path(".")]
    values = {"exclude": cli_exclusions(params["exclude"]), "operators": operators, "assignments": assignments,
              "var_files": params["var_files"], "aks_versions": params["aks_versions"], "as_of": params["as_of"]}
    try:
        _, settings = _settings(targets, _given(ctx, values), params["config_file"], params["isolated"])
    except ConfigError as error:
        raise click.UsageError(str(error)) from None
    effective = {key: value for key, (value, _) in settings.items()}
    options = ScanOptions(as_of=effective["as-of"], operators=effective["operators"],
                          assignments=effective["assignments"], var_files=effective["var-files"],
                          aks_versions=effective["aks-versions"], variables=params["variables"],
                          env_vars=params["env_vars"], exclude=effective["exclude"], manifests=effective["manifests"],
                          cache=not params["no_cache"], progress=False, line_hashes=False)
    try:
        view = build(load_graphs(targets, options), options)
        text = render(view, fmt)
    except (DiscoveryError, RegionalDataError, ExportError, FocusError) as error:
        raise click.UsageError(str(error)) from None
    except Exception as error:
        if params["debug"]:
            raise
        click.echo(line_text(f"fleetiac: internal error: {type(error).__name__} (rerun with --debug for details)"),
                   err=True)
        sys.exit(2)
    output = params["output"]
    if output is not None:
        output.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


@main.command()
@click.option("--format", "-f", "fmt", type=click.Choice(("text", "json", "markdown", "mermaid", "html")),
              default="text", show_default=True,
              help="text, json (docs/views.md), markdown (a PR comment), mermaid (Gantt charts and flowcharts in "
                   "fenced blocks), html (a self-contained page).")
@_view_options
def rollout(ctx: click.Context, fmt: str, **_: Any) -> None:
    """Show, for each update strategy, update run and auto-upgrade profile under PATHS, its stages,
    groups, members, batches, waits and gates, the members it skips and why, and its minimum wall time."""
    from fleetiac.analyzer import views

    _view(ctx, views.rollout, fmt)


@main.command()
@click.option("--format", "-f", "fmt", type=click.Choice(("text", "json", "markdown", "html")), default="text",
              show_default=True, help="text, json (docs/views.md), markdown or html (a self-contained page).")
@click.option("--operator", "operators", multiple=True, metavar="PRINCIPAL", callback=_operators,
              help="As scan --operator: a principal to treat as a fleet operator; repeatable.")
@click.option("--assignments", multiple=True, type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="As scan --assignments: role assignment or definition exports; repeatable.")
@_view_options
def access(ctx: click.Context, fmt: str, operators: tuple[str, ...], assignments: tuple[Path, ...], **_: Any) -> None:
    """Show, per fleet and operator, whether it holds each action joining members needs, on the fleet
    and on each member's cluster: ✓ with the grant, ✗, or ? with why it cannot be told."""
    from fleetiac.analyzer import views

    _view(ctx, views.access, fmt, operators, assignments)


@main.command()
@click.option("--format", "-f", "fmt", type=click.Choice(("mermaid", "dot", "json", "html")), default="mermaid",
              show_default=True, help="mermaid, dot (Graphviz), json (docs/views.md) or html (inline SVG).")
@click.option("--focus", default="", metavar="ADDRESS", help="Only this fleet (its address) and its neighbourhood.")
@_view_options
def graph(ctx: click.Context, fmt: str, focus: str, **_: Any) -> None:
    """Print the resource graph: fleets, members, clusters, strategies, runs, profiles, role
    assignments and manifests, with their references."""
    from fleetiac.analyzer import views

    _view(ctx, lambda graphs, _options: views.resource_graph(graphs, focus), fmt)


_TABLE_KEYS = ("levels", "manifests")
"""Settings that a configuration file writes as a table."""


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key)


def _toml_value(value: Any) -> str:
    """A value as TOML would write it, so ``fleetiac config`` output can be pasted into a file."""
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, Path):
        return json.dumps(value.as_posix())
    from fleetiac.analyzer.config import Exclusion

    if isinstance(value, Exclusion):
        return json.dumps(value.pattern)  # as written, relative to the file it came from
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple) and value and isinstance(value[0], tuple):
        return "{ " + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value) + " }"
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(value)


@main.command("config")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="As scan --config: this file, and none found in the tree.")
@click.option("--isolated", is_flag=True, help="As scan --isolated: no configuration file, no inline suppressions.")
def config_command(paths: tuple[Path, ...], config_file: Path | None, isolated: bool) -> None:
    """Print the effective configuration for a scan of PATHS and where each value comes from."""
    from fleetiac.analyzer.config import ConfigError

    targets = list(paths) or [Path(".")]
    try:
        described, settings = _settings(targets, {}, config_file, isolated)
    except ConfigError as error:
        raise click.UsageError(str(error)) from None
    click.echo(f"# configuration file: {described}")
    if isolated:
        click.echo("# inline suppressions: ignored (--isolated)")
    # A table setting with nothing in it is `{}`, so the output reads back as a configuration file.
    lines = [(f"{key} = {_toml_value(value) if value or key not in _TABLE_KEYS else '{}'}", source)
             for key, (value, source) in settings.items()]
    width = max(len(line) for line, _ in lines)
    for line, source in lines:
        click.echo(f"{line.ljust(width)}  # {source}")


@main.group()
def cache() -> None:
    """The parse cache (FLEETIAC_CACHE_DIR, else $XDG_CACHE_HOME/fleetiac or ~/.cache/fleetiac)."""


@cache.command("info")
def cache_info() -> None:
    """Where the cache is, how big it is, and how it is kept bounded."""
    from fleetiac.analyzer.cache import MAX_AGE_DAYS, MAX_BYTES, info

    found = info()
    click.echo(f"{found.path}\n{found.files} files, {found.bytes / (1024 * 1024):.1f} MiB on disk\n"
               f"pruned at most once a day: entries not used for {MAX_AGE_DAYS} days are removed, then the "
               f"least recently used beyond {MAX_BYTES // (1024 * 1024)} MiB")


@cache.command("clear")
def cache_clear() -> None:
    """Remove every cached parse and compiled grammar."""
    from fleetiac.analyzer.cache import clear

    removed = clear()
    click.echo(f"removed {removed.files} files ({removed.bytes / (1024 * 1024):.1f} MiB) from {removed.path}")


@main.command()
@click.option("--format", "-f", "fmt", type=click.Choice(("text", "json"), case_sensitive=False), default="text",
              show_default=True, help="A line per rule, or a JSON array of the rules' metadata.")
@click.option("--level", "levels", multiple=True,
              type=click.Choice(("error", "warning", "note"), case_sensitive=False),
              help="Only rules of this level; repeatable.")
@click.option("--tag", "tags", multiple=True, metavar="TAG",
              help="Only rules with this tag (access, hub...); repeatable.")
def rules(fmt: str, levels: tuple[str, ...], tags: tuple[str, ...]) -> None:
    """List every rule: ID, level, name and summary."""
    from fleetiac.analyzer.rules import all_rules

    chosen = [rule.info for rule in all_rules()
              if (not levels or rule.info.level.value in levels) and (not tags or set(tags) & set(rule.info.tags))]
    if fmt == "json":
        click.echo(json.dumps([{"id": info.id, "name": info.name, "level": info.level.value, "summary": info.summary,
                                "tags": list(info.tags)} for info in chosen], indent=2))
        return
    for info in chosen:
        click.echo(f"{info.id}  {info.level.value:<7}  {info.name:<44}  {info.summary}")


@main.command()
@click.argument("rule_id")
def explain(rule_id: str) -> None:
    """Print a rule's documentation."""
    from fleetiac.analyzer.rules import all_rules, rule_names

    catalog = all_rules()
    wanted = rule_names(catalog).get(rule_id.strip().lower(), "")
    for rule in catalog:
        if rule.info.id == wanted:
            info = rule.info
            click.echo(f"# {info.id} {info.name} ({info.level.value})\n\n{info.summary}\n\n{info.page}")
            return
    raise click.UsageError(f"unknown rule {rule_id!r}; `fleetiac rules` lists them")


if __name__ == "__main__":
    main()
