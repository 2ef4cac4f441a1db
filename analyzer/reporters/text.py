"""The human-readable report: findings grouped by file, then a one-line summary.

Each finding starts with ``path:line:col:`` so editors and terminals turn it into a link, and the
path is repeated on every line (rather than only in a group header) so ``grep`` keeps it. Every
string from the scanned code is one line without control characters or CI commands
(:func:`~analyzer.reporters._escape.line_text`).
"""

from __future__ import annotations

from itertools import groupby

from analyzer.model import Finding, Level, Report
from analyzer.reporters._common import LEVELS, count_by_level, plural, rule_for
from analyzer.reporters._escape import line_start, line_text

_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"
_DIM = "\x1b[2m"
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


def _finding_lines(report: Report, finding: Finding, paint: _Painter) -> list[str]:
    level = Level(finding.level)
    loc = finding.location
    rule = rule_for(report, finding.rule_id, level)
    head = (
        f"{paint(f'{line_start(loc.path)}:{loc.line}:{loc.column}:', _BOLD)} "
        f"{paint(level.value.upper(), _LEVEL_COLORS[level])} {line_text(finding.rule_id)} "
        f"{line_text(finding.message)}"
    )
    lines = [head]
    if finding.hint:
        lines.append(paint(f"  help: {line_text(finding.hint)}", _DIM))
    # The rule name plus the command that prints its documentation: the next step for a reader.
    lines.append(paint(f"  rule: {line_text(rule.name)} (fleetiac explain {line_text(finding.rule_id)})", _DIM))
    return lines


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


def render(report: Report, *, color: bool = False) -> str:
    """The text report; ends with a newline. ``color`` adds ANSI escapes (the caller checks for a tty)."""
    paint = _Painter(color)
    blocks: list[str] = []
    # The engine sorts findings by path already; sorting here again keeps the grouping correct for
    # hand-built reports, and a stable sort keeps each file's findings in the order given.
    ordered = sorted(report.findings, key=lambda finding: finding.location.path)
    for _path, group in groupby(ordered, key=lambda finding: finding.location.path):
        lines: list[str] = []
        for finding in group:
            lines.extend(_finding_lines(report, finding, paint))
        blocks.append("\n".join(lines))
    if report.suppressed:
        # After the findings, so what needs work comes first; marked so nobody mistakes them for open ones.
        lines = []
        for finding in report.suppressed:
            lines.extend(_suppressed_lines(finding, paint))
        blocks.append("\n".join(lines))
    if report.baseline is not None:
        gone = report.baseline.gone
        blocks.append(f"Baseline {line_text(report.baseline.path)}: {plural(report.baseline.matched, 'finding')} "
                      f"left out, {gone} {'entry' if gone == 1 else 'entries'} gone.")
    if report.notices:
        # What the scan itself could not do (modules not fetched, version data past its horizon):
        # said once, above the summary, so a clean summary is never read as "everything was checked".
        blocks.append("\n".join(paint(f"note: {line_text(notice)}", _DIM) for notice in report.notices))
    if report.internal_errors:
        # fleetiac's own code failed on part of the tree: what is above is incomplete (exit 2).
        blocks.append("\n".join(paint(f"error: {line_text(failure.message)}", _LEVEL_COLORS[Level.ERROR])
                                 for failure in report.internal_errors))
    summary = summary_line(report)
    if report.findings:
        counts = count_by_level(report.findings)
        worst = next(level for level in LEVELS if counts[level])
        summary = paint(summary, _LEVEL_COLORS[worst])
    blocks.append(summary)
    # A blank line between files (and before the summary) is the grouping the eye sees.
    return "\n\n".join(blocks) + "\n"
