"""The human-readable report: findings grouped by file, then a one-line summary.

Each finding starts with ``path:line:col:`` so editors and terminals turn it into a link, and the
path is repeated on every line (rather than only in a group header) so ``grep`` keeps it. Every
string from the scanned code is one line without control characters or CI commands
(:func:`~analyzer.reporters._escape.line_text`).
"""

from __future__ import annotations

from dataclasses import replace
from itertools import groupby

from fleetiac.analyzer.model import Finding, Level, Location, RelatedLocation, Report
from fleetiac.analyzer.reporters._common import (
    LEVELS,
    Block,
    count_by_level,
    instance_blocks,
    instance_of,
    instances_label,
    params_phrase,
    plural,
    rule_for,
)
from fleetiac.analyzer.reporters._escape import line_start, line_text

_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"
_DIM = "\x1b[2m"
_BLUE = "\x1b[1;34m"
_CARET = "\x1b[1;31m"
_LEVEL_COLORS: dict[Level, str] = {
    Level.ERROR: "\x1b[1;31m",  # bold red
    Level.WARNING: "\x1b[1;33m",  # bold yellow
    Level.NOTE: "\x1b[1;36m",  # bold cyan
}


class _Painter:
    """Wraps text in ANSI codes, or leaves it alone, so the layout code has a single path."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, code: str) -> str:
        return f"{code}{text}{_RESET}" if self.enabled else text


MESSAGE_CHARS = 160
"""A message longer than this is cut at its last ``; `` before it, and the rest goes to a ``help:`` line."""

def split_message(message: str) -> tuple[str, str]:
    """(the message, up to about :data:`MESSAGE_CHARS` characters, the rest or "")."""
    if len(message) <= MESSAGE_CHARS:
        return message, ""
    for separator in ("; ", ": "):
        # The last clause boundary before the limit, else the first one after it.
        cut = message.rfind(separator, 0, MESSAGE_CHARS)
        if cut <= 0:
            cut = message.find(separator)
        if cut > 0:
            return message[:cut], message[cut + 2:]
    return message, ""


def _caret(line: str, location: Location, first: bool) -> tuple[int, int]:
    """(start, width) of the caret under ``line`` (0-based start) for ``location``."""
    text = line.rstrip()
    indent = len(text) - len(text.lstrip())
    start = location.column - 1 if first and location.column > 1 else indent
    start = min(max(start, 0), max(len(text) - 1, 0))
    if first and location.end_line == location.line and location.end_column and location.end_column > location.column:
        width = location.end_column - location.column
    else:
        width = len(text) - start
    return start, max(1, min(width, len(text) - start) if text else 1)


def _frame(report: Report, location: Location, label: str, paint: _Painter, gutter: int) -> list[str]:
    """The code frame of ``location``: the line above, the line with a caret under the value; [] when
    the report holds no source for it."""
    lines = report.snippets.get(location.path, {})
    if location.line not in lines:
        return []
    pad = " " * gutter
    out = [paint(f"{pad} |", _BLUE)]
    for number in (location.line - 1, location.line):
        if number in lines:
            source = line_text(lines[number].replace("\t", " ")).rstrip()
            out.append(f"{paint(str(number).rjust(gutter) + ' |', _BLUE)} {source}".rstrip())
    shown = line_text(lines[location.line].replace("\t", " "))
    start, width = _caret(shown, location, first=True)
    out.append(f"{paint(pad + ' |', _BLUE)} {' ' * start}{paint('^' * width + (' ' + label if label else ''), _CARET)}")
    out.append(paint(f"{pad} |", _BLUE))
    return out


def _related_label(related: RelatedLocation) -> str:
    """"fix here" on the grant to change, "see" on the other resources a finding names."""
    kind = "fix here" if related.kind in ("role_assignment", "role_definition") else "see"
    return f"{kind}: {related.address}"


def _frames(report: Report, finding: Finding, paint: _Painter, rule_id: str, grouped: bool,
            origins: tuple[Location, ...] = ()) -> list[str]:
    locations = [finding.location, *(r.location for r in finding.related_locations), *origins]
    gutter = len(str(max(loc.line for loc in locations)))
    out = _frame(report, finding.location, rule_id, paint, gutter)
    for related in finding.related_locations:
        if related.location.path == finding.location.path and related.location.line == finding.location.line:
            continue
        frame = _frame(report, related.location, "", paint, gutter)
        if frame:
            where = f"{line_start(related.location.path)}:{related.location.line}:{related.location.column}"
            label = _related_label(related)
            split = instance_of(replace(finding, resource=related.address)) if grouped else None
            if split is not None:
                label = label.replace(split[1], "[*]")
            out.append(paint(f"  {line_text(label)} ({where})", _DIM))
            out.extend(frame)
    # Where the offending value was set, when not on the finding's line (a parameter or variable
    # file's line, a default, a local value, a module argument): one frame per place, only when known.
    for origin in origins:
        if origin.path == finding.location.path and origin.line == finding.location.line:
            continue
        frame = _frame(report, origin, "", paint, gutter)
        if frame:
            out.append(paint(f"  set here ({line_start(origin.path)}:{origin.line}:{origin.column})", _DIM))
            out.extend(frame)
    return out


def _head(block: Block, paint: _Painter) -> str:
    finding = block.finding
    level = Level(finding.level)
    loc = finding.location
    message, _ = split_message(block.message)
    return (f"{paint(f'{line_start(loc.path)}:{loc.line}:{loc.column}:', _BOLD)} "
            f"{paint(level.value.upper(), _LEVEL_COLORS[level])} {line_text(finding.rule_id)} {line_text(message)}")


def _finding_lines(report: Report, block: Block, paint: _Painter) -> list[str]:
    finding = block.finding
    rule = rule_for(report, finding.rule_id, Level(finding.level))
    lines = [_head(block, paint)]
    if block.instances:
        split = instance_of(finding)
        base = split[0] if split else finding.resource
        lines.append(paint(f"  {line_text(instances_label(block.instances, base))}", _DIM))
    lines.extend(_frames(report, finding, paint, finding.rule_id, bool(block.instances), block.origins))
    _, rest = split_message(block.message)
    if rest:
        lines.append(paint(f"  help: {line_text(rest)}", _DIM))
    if block.hint:
        lines.append(paint(f"  help: {line_text(block.hint)}", _DIM))
    params = block.param_files
    if params:
        # A template evaluated with each of its parameter files: which ones give this finding.
        lines.append(paint(f"  note: {params_phrase(params, line_text)}", _DIM))
    # The rule name plus the command that prints its documentation: the next step for a reader.
    lines.append(paint(f"  rule: {line_text(rule.name)} (fleetiac explain {line_text(finding.rule_id)})", _DIM))
    return lines


def _compact_line(finding: Finding, paint: _Painter) -> str:
    """One line per finding (``--compact``): ``path:line:col: LEVEL ID message``, and for a finding
    from parameter files ``[params: dev.params, prod.params]`` (where the full report has its
    ``note: with parameter file`` line; the "set here" frames have no place on one line)."""
    level = Level(finding.level)
    loc = finding.location
    params = f" {paint('[params: ' + ', '.join(line_text(p) for p in finding.param_files) + ']', _DIM)}" \
        if finding.param_files else ""
    return (f"{paint(f'{line_start(loc.path)}:{loc.line}:{loc.column}:', _BOLD)} "
            f"{paint(level.value.upper(), _LEVEL_COLORS[level])} {line_text(finding.rule_id)} "
            f"{line_text(finding.message)}{params}")


def statistics_lines(report: Report) -> list[str]:
    """The summary table: one row per rule with findings (rule, level, count, name), most first."""
    counts: dict[tuple[str, Level], int] = {}
    for finding in report.findings:
        key = (finding.rule_id, Level(finding.level))
        counts[key] = counts.get(key, 0) + 1
    if not counts:
        return []
    rows = sorted(counts.items(), key=lambda item: (LEVELS.index(item[0][1]), -item[1], item[0][0]))
    names = {key: line_text(rule_for(report, key[0], key[1]).name) for key, _ in rows}
    id_width = max(len("Rule"), *(len(line_text(key[0])) for key, _ in rows))
    count_width = max(len("Count"), *(len(str(count)) for _, count in rows))
    out = [f"{'Rule'.ljust(id_width)}  {'Level'.ljust(7)}  {'Count'.rjust(count_width)}  Name"]
    for key, count in rows:
        out.append(f"{line_text(key[0]).ljust(id_width)}  {key[1].value.ljust(7)}  "
                   f"{str(count).rjust(count_width)}  {names[key]}".rstrip())
    return out


def _suppressed_lines(finding: Finding, paint: _Painter) -> list[str]:
    loc = finding.location
    head = (f"{paint(f'{line_start(loc.path)}:{loc.line}:{loc.column}:', _BOLD)} {paint('SUPPRESSED', _DIM)} "
            f"{line_text(finding.rule_id)} {line_text(finding.message)}")
    suppression = finding.suppression
    if suppression is None:
        return [head]
    until = f" (until {suppression.until})" if suppression.until else ""
    where = f"{line_text(suppression.location.path)}:{suppression.location.line}"
    return [head, paint(f"  reason: {line_text(suppression.reason)}{line_text(until)} [{where}]", _DIM)]


def summary_line(report: Report) -> str:
    """``3 findings (2 errors, 1 warning, 0 notes) in 5 files.`` or ``No findings in 5 files.``;
    suppressed findings are named after the counts, never counted in them."""
    files = plural(report.files_scanned, "file")
    extra = f" ({len(report.suppressed)} suppressed)" if report.suppressed else ""
    if not report.findings:
        return f"No findings in {files}{extra}."
    counts = count_by_level(report.findings)
    by_level = ", ".join(plural(counts[level], level.value) for level in LEVELS)
    return f"{plural(len(report.findings), 'finding')} ({by_level}) in {files}{extra}."


STYLES: tuple[str, ...] = ("full", "compact", "statistics", "quiet")
"""The text report's layouts: code frames and a summary table (``full``), one line per finding
(``compact``), the counts only (``statistics``), the findings only (``quiet``)."""


def render(report: Report, *, color: bool = False, style: str = "full") -> str:
    """The text report; ends with a newline. ``color`` adds ANSI escapes (the caller checks for a
    tty); ``style`` is one of :data:`STYLES`."""
    if style not in STYLES:
        raise ValueError(f"unknown text style {style!r}; expected one of {', '.join(STYLES)}")
    paint = _Painter(color)
    if style == "statistics":
        table = statistics_lines(report)
        return "\n\n".join([*(["\n".join(table)] if table else []), _summary(report, paint)]) + "\n"
    blocks: list[str] = []
    # The engine sorts findings by path already; sorting here again keeps the grouping correct for
    # hand-built reports, and a stable sort keeps each file's findings in the order given.
    ordered = sorted(report.findings, key=lambda finding: finding.location.path)
    for _path, group in groupby(ordered, key=lambda finding: finding.location.path):
        findings = list(group)
        if style == "compact":
            blocks.append("\n".join(_compact_line(finding, paint) for finding in findings))
            continue
        # A blank line between findings: each is a block of several lines (frames, help).
        blocks.extend("\n".join(_finding_lines(report, block, paint)) for block in instance_blocks(findings))
    if report.suppressed and style != "quiet":
        # After the findings, so what needs work comes first; marked so nobody mistakes them for open ones.
        lines = []
        for finding in report.suppressed:
            lines.extend(_suppressed_lines(finding, paint))
        blocks.append("\n".join(lines))
    if report.baseline is not None and style != "quiet":
        gone = report.baseline.gone
        blocks.append(f"Baseline {line_text(report.baseline.path)}: {plural(report.baseline.matched, 'finding')} "
                      f"left out, {gone} {'entry' if gone == 1 else 'entries'} gone.")
    if report.unused_suppressions and style != "quiet":
        # Directives that silenced nothing (like ruff's RUF100): a note each, at the directive.
        blocks.append("\n".join(paint(f"note: {line_text(d.location.path)}:{d.location.line}:{d.location.column}: "
                                       f"{line_text(d.message)}", _DIM) for d in report.unused_suppressions))
    if report.notices and style != "quiet":
        # What the scan itself could not do (modules not fetched, version data past its horizon):
        # said once, above the summary, so a clean summary is never read as "everything was checked".
        blocks.append("\n".join(paint(f"note: {line_text(notice)}", _DIM) for notice in report.notices))
    if report.internal_errors:
        # fleetiac's own code failed on part of the tree: what is above is incomplete (exit 2).
        blocks.append("\n".join(paint(f"error: {line_text(failure.message)}", _LEVEL_COLORS[Level.ERROR])
                                 for failure in report.internal_errors))
    if style == "quiet":
        return "\n\n".join(blocks) + "\n" if blocks else ""
    table = statistics_lines(report) if style == "full" else []
    if table:
        blocks.append("\n".join(table))
    blocks.append(_summary(report, paint))
    # A blank line between blocks (and before the summary) is the grouping the eye sees.
    return "\n\n".join(blocks) + "\n"


def _summary(report: Report, paint: _Painter) -> str:
    summary = summary_line(report)
    if report.findings:
        counts = count_by_level(report.findings)
        worst = next(level for level in LEVELS if counts[level])
        summary = paint(summary, _LEVEL_COLORS[worst])
    return summary
