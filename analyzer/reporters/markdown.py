"""Markdown for a pull-request comment or ``$GITHUB_STEP_SUMMARY``: a summary line, a table of rules
with their counts, then a table of findings. Table cells escape ``|`` and fold newlines, which would
otherwise end the row."""

from __future__ import annotations

from collections import Counter

from analyzer.model import Finding, Level, Report
from analyzer.reporters._common import LEVELS, count_by_level, plural, rule_for

_ICONS: dict[Level, str] = {Level.ERROR: "**error**", Level.WARNING: "warning", Level.NOTE: "note"}


def cell(text: str) -> str:
    """A table cell: pipes escaped, line breaks as ``<br>``, no leading/trailing space."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r\n", "\n").replace("\n", "<br>").strip()


def _code(text: str) -> str:
    """Inline code that survives backticks in the text."""
    fence = "``" if "`" in text else "`"
    pad = " " if "`" in text else ""
    return f"{fence}{pad}{cell(text)}{pad}{fence}" if text else ""


def _row(finding: Finding) -> str:
    loc = finding.location
    message = f"{finding.message} ({finding.hint})" if finding.hint else finding.message
    return (f"| {_ICONS[Level(finding.level)]} | {finding.rule_id} | {_code(f'{loc.path}:{loc.line}')} "
            f"| {_code(finding.resource)} | {cell(message)} |")


def render(report: Report) -> str:
    counts = count_by_level(report.findings)
    lines = ["## fleetiac", ""]
    files = plural(report.files_scanned, "file")
    if report.findings:
        by_level = ", ".join(plural(counts[level], level.value) for level in LEVELS)
        lines.append(f"**{plural(len(report.findings), 'finding')}** ({by_level}) in {files}.")
    else:
        lines.append(f"**No findings** in {files}.")
    extras = []
    if report.suppressed:
        extras.append(f"{len(report.suppressed)} suppressed inline")
    if report.baseline is not None:
        extras.append(f"{report.baseline.matched} in the baseline, {report.baseline.gone} baseline entries gone")
    if extras:
        lines.append("")
        lines.append("; ".join(extras).capitalize() + ".")
    for failure in report.internal_errors:
        lines.extend(["", f"**error:** {cell(failure.message)}"])
    for notice in report.notices:
        lines.extend(["", f"> {cell(notice)}"])
    if report.findings:
        per_rule = Counter(f.rule_id for f in report.findings)
        lines += ["", "| Rule | Name | Findings |", "|---|---|---:|"]
        for rule_id in sorted(per_rule):
            info = rule_for(report, rule_id, Level.WARNING)
            lines.append(f"| {rule_id} | {cell(info.name)} | {per_rule[rule_id]} |")
        lines += ["", "| Level | Rule | Location | Resource | Message |", "|---|---|---|---|---|"]
        lines.extend(_row(finding) for finding in report.findings)
    if report.suppressed:
        lines += ["", "<details><summary>Suppressed findings</summary>", "",
                  "| Rule | Location | Resource | Reason |", "|---|---|---|---|"]
        for finding in report.suppressed:
            loc = finding.location
            reason = finding.suppression.reason if finding.suppression else ""
            lines.append(f"| {finding.rule_id} | {_code(f'{loc.path}:{loc.line}')} | {_code(finding.resource)} "
                         f"| {cell(reason)} |")
        lines += ["", "</details>"]
    return "\n".join(lines) + "\n"
