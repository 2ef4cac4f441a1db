"""The ``fleetiac`` command line. Heavy modules are imported inside commands so that
``fleetiac --version`` starts fast."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click

from analyzer import __version__

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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="fleetiac", message="%(prog)s %(version)s")
def main() -> None:
    """Static analysis of Azure Kubernetes Fleet Manager infrastructure code (Terraform and Bicep)."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "-f", "fmt", type=click.Choice(["text", "json", "sarif"]), default="text",
              show_default=True, help="Report format.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report to FILE instead of standard output.")
@click.option("--fail-on", type=click.Choice(LEVELS), default="error", show_default=True,
              help="Exit 1 when a finding at or above this level is reported.")
@click.option("--select", multiple=True, metavar="IDS", help="Only these rule IDs or prefixes (FIAC2, FIAC101).")
@click.option("--ignore", multiple=True, metavar="IDS", help="Skip these rule IDs or prefixes.")
@click.option("--as-of", callback=_as_of, metavar="YYYY-MM-DD",
              help="The date version rules evaluate against (default: today).")
@click.option("--show-unknown", is_flag=True, help="List decisions skipped because a value is unknown (FIAC902).")
@click.option("--operator", "operators", multiple=True, metavar="PRINCIPAL",
              help="A principal (object ID or expression such as var.deployer_id) to treat as a fleet operator.")
@click.option("--var-file", "var_files", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="A Terraform .tfvars(.json) file for root modules; repeatable, a later one wins.")
@click.option("--var", "variables", multiple=True, callback=_variables, metavar="NAME=VALUE",
              help="A Terraform variable value for root modules; repeatable, wins over files.")
@click.option("--env-vars", is_flag=True, help="Read Terraform variables from TF_VAR_* environment variables.")
@click.option("--color/--no-color", default=None, help="Color the text report (default: when a terminal).")
@click.option("--debug", is_flag=True, help="Show a traceback on internal errors.")
def scan(paths: tuple[Path, ...], fmt: str, output: Path | None, fail_on: str, select: tuple[str, ...],
         ignore: tuple[str, ...], as_of: date, show_unknown: bool, operators: tuple[str, ...],
         var_files: tuple[Path, ...], variables: tuple[tuple[str, str], ...], env_vars: bool,
         color: bool | None, debug: bool) -> None:
    """Scan Terraform and Bicep files under PATHS (default: the current folder)."""
    from analyzer.discovery import DiscoveryError
    from analyzer.engine import ScanOptions, exit_code
    from analyzer.engine import scan as run_scan
    from analyzer.reporters import render

    options = ScanOptions(select=_split(select), ignore=_split(ignore), as_of=as_of,
                          show_unknown=show_unknown, operators=operators, var_files=var_files,
                          variables=variables, env_vars=env_vars)
    try:
        report = run_scan(list(paths) or [Path(".")], options)
        use_color = color if color is not None else (output is None and sys.stdout.isatty())
        text = render(report, fmt, color=use_color and fmt == "text")
    except DiscoveryError as error:
        raise click.UsageError(str(error)) from None
    except Exception as error:
        if debug:
            raise
        click.echo(f"fleetiac: internal error: {type(error).__name__}: {error} (rerun with --debug for details)",
                   err=True)
        sys.exit(2)
    if output is not None:
        output.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=not text.endswith("\n"))
    sys.exit(exit_code(report, fail_on))


@main.command()
def rules() -> None:
    """List every rule: ID, level, name and summary."""
    from analyzer.rules import all_rules

    for rule in all_rules():
        info = rule.info
        click.echo(f"{info.id}  {info.level.value:<7}  {info.name:<44}  {info.summary}")


@main.command()
@click.argument("rule_id")
def explain(rule_id: str) -> None:
    """Print a rule's documentation."""
    from analyzer.rules import all_rules

    wanted = rule_id.strip().upper()
    for rule in all_rules():
        if rule.info.id == wanted:
            info = rule.info
            click.echo(f"# {info.id} {info.name} ({info.level.value})\n\n{info.summary}\n\n{info.doc}")
            return
    raise click.UsageError(f"unknown rule {rule_id!r}; `fleetiac rules` lists them")


if __name__ == "__main__":
    main()
