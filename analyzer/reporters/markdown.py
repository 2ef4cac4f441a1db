"""Markdown for a pull-request comment or ``$GITHUB_STEP_SUMMARY``: a summary line, a table of rules
with their counts, then a table of findings. Table cells escape ``|`` and fold newlines, which would
otherwise end the row. Every string from the scanned code is escaped so that it renders as itself and
nothing more: no raw HTML, link, image or code span it did not hold, no line break, no CI command
(:mod:`analyzer.reporters._escape`)."""

from __future__ import annotations

from collections import Counter

from fleetiac.analyzer.model import Finding, Level, Report
from fleetiac.analyzer.reporters._common import LEVELS, context_phrase, count_by_level, plural, rule_for
from fleetiac.analyzer.reporters._escape import md_code, md_message

_ICONS: dict[Level, str] = {Level.ERROR: "**error**", Level.WARNING: "warning", Level.NOTE: "note"}


def _row(finding: Finding) -> str:
    loc = finding.location
    message = f"{finding.message} ({finding.hint})" if finding.hint else finding.message
    # The parameter files and where the value was set, on a line of the cell of their own, paths as code.
    context = context_phrase(finding, md_code)
    return (f"| {_ICONS[Level(finding.level)]} | {finding.rule_id} | {md_code(f'{loc.path}:{loc.line}')} "
            f"| {md_code(finding.resource)} | {md_message(message)}{'<br>' + context if context else ''} |")


COMMENT_LIMIT = 65_536
"""The most characters a GitHub pull request comment holds: longer reports lose their last rows
(suppressed findings first), with a line saying how many."""


UNUSED_LISTED = 20
"""Unused suppressions listed by line in a comment; the rest are counted."""


def render(report: Report) -> str:
    text = _render(report, len(report.findings), len(report.suppressed))
    if len(text) <= COMMENT_LIMIT:
        return text
    low, high = 0, len(report.findings)  # the most finding rows that fit, without suppressed rows
    while low < high:
        middle = (low + high + 1) // 2
        if len(_render(report, middle, 0)) <= COMMENT_LIMIT:
            low = middle
        else:
            high = middle - 1
    return _render(report, low, 0)


def _render(report: Report, shown: int, shown_suppressed: int) -> str:
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
        lines.extend(["", f"**error:** {md_message(failure.message)}"])
    for notice in report.notices:
        lines.extend(["", f"> {md_message(notice)}"])
    for unused in report.unused_suppressions[:UNUSED_LISTED]:
        loc = unused.location
        lines.extend(["", f"> {md_code(f'{loc.path}:{loc.line}')}: {md_message(unused.message)}"])
    if len(report.unused_suppressions) > UNUSED_LISTED:
        lines.extend(["", f"> {plural(len(report.unused_suppressions) - UNUSED_LISTED, 'more unused suppression')} "
                          f"(the text and JSON reports list them all)"])
    if report.findings:
        per_rule = Counter(f.rule_id for f in report.findings)
        lines += ["", "| Rule | Name | Findings |", "|---|---|---:|"]
        for rule_id in sorted(per_rule):
            info = rule_for(report, rule_id, Level.WARNING)
            lines.append(f"| {rule_id} | {md_message(info.name)} | {per_rule[rule_id]} |")
        lines += ["", "| Level | Rule | Location | Resource | Message |", "|---|---|---|---|---|"]
        lines.extend(_row(finding) for finding in report.findings[:shown])
    left_out = len(report.findings) - shown
    if left_out:
        lines += ["", f"*{plural(left_out, 'more finding')} not shown: a GitHub comment holds at most "
                      f"{COMMENT_LIMIT:,} characters (the JSON and SARIF reports have every finding).*"]
    if report.suppressed and not shown_suppressed:
        lines += ["", f"*{plural(len(report.suppressed), 'suppressed finding')} not listed (the report is too "
                      f"long for a comment).*"]
    elif report.suppressed:
        lines += ["", "<details><summary>Suppressed findings</summary>", "",
                  "| Rule | Location | Resource | Reason |", "|---|---|---|---|"]
        for finding in report.suppressed[:shown_suppressed]:
            loc = finding.location
            reason = finding.suppression.reason if finding.suppression else ""
            lines.append(f"| {finding.rule_id} | {md_code(f'{loc.path}:{loc.line}')} | {md_code(finding.resource)} "
                         f"| {md_message(reason)} |")
        lines += ["", "</details>"]
    return "\n".join(lines) + "\n"
