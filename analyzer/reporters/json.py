"""The JSON report: a stable document for scripts and dashboards (see ``docs/output-formats.md``).

Field names are a public interface: they are only ever added to, never renamed or removed, and
``version`` changes only if that promise has to be broken. The output is deterministic (sorted keys,
no timestamps) so it can be diffed and committed.
"""

from __future__ import annotations

from typing import Any

from fleetiac.analyzer.model import Finding, Level, Report, RuleInfo
from fleetiac.analyzer.reporters._common import count_by_level, rule_for
from fleetiac.analyzer.reporters._escape import json_text

FORMAT_VERSION = 1
"""Bumped only for an incompatible change; additions keep it."""


def _finding(report: Report, finding: Finding) -> dict[str, Any]:
    loc = finding.location
    return {
        "rule_id": finding.rule_id,
        "rule_name": rule_for(report, finding.rule_id, Level(finding.level)).name,
        "level": Level(finding.level).value,
        "message": finding.message,
        "hint": finding.hint,
        "path": loc.path,
        "line": loc.line,
        "column": loc.column,
        # null rather than absent, so every finding object has the same keys.
        "end_line": loc.end_line,
        "end_column": loc.end_column,
        "resource": finding.resource,
        "related": list(finding.related),
        "fingerprint": finding.fingerprint,
        # null on reported findings, so every finding object has the same keys.
        "suppressed": _suppression(finding),
    }


def _suppression(finding: Finding) -> dict[str, Any] | None:
    if finding.suppression is None:
        return None
    loc = finding.suppression.location
    return {
        "reason": finding.suppression.reason,
        "until": finding.suppression.until,
        "location": {"path": loc.path, "line": loc.line, "column": loc.column},
    }


def _rule(info: RuleInfo) -> dict[str, Any]:
    return {
        "id": info.id,
        "name": info.name,
        "level": Level(info.level).value,
        "summary": info.summary,
        "tags": list(info.tags),
    }


def document(report: Report) -> dict[str, Any]:
    """The report as plain JSON-ready data (exposed so tests and callers need not re-parse text)."""
    counts = count_by_level(report.findings)
    # Describe only the rules that fired: the full catalog is `fleetiac rules` (and SARIF's job).
    fired: dict[str, RuleInfo] = {}
    for finding in [*report.findings, *report.suppressed]:
        fired.setdefault(finding.rule_id, rule_for(report, finding.rule_id, Level(finding.level)))
    out: dict[str, Any] = {
        "version": FORMAT_VERSION,
        "tool": {"name": "fleetiac", "version": report.tool_version},
        "as_of": report.as_of,
        "root": report.root,
        "summary": {
            "files": report.files_scanned,
            "findings": len(report.findings),
            "by_level": {level.value: count for level, count in counts.items()},
            "suppressed": len(report.suppressed),
            "baseline": None if report.baseline is None else {
                "path": report.baseline.path, "matched": report.baseline.matched, "gone": report.baseline.gone},
        },
        "findings": [_finding(report, finding) for finding in report.findings],
        "notices": list(report.notices),
        "suppressed": [_finding(report, finding) for finding in report.suppressed],
        "rules": [_rule(fired[rule_id]) for rule_id in sorted(fired)],
    }
    if report.internal_errors:
        # Only when fleetiac's own code failed (the scan exits 2): a complete scan's document is unchanged.
        out["internal_errors"] = [{"message": failure.message, "path": failure.location.path,
                                   "line": failure.location.line, "column": failure.location.column}
                                  for failure in report.internal_errors]
    return out


def render(report: Report) -> str:
    """The JSON report, two-space indented, keys sorted, ending with a newline.

    Non-ASCII text is escaped (``\\u00e9``) so the bytes are ASCII whatever the terminal encoding is;
    a lone surrogate is U+FFFD and ``##vso[`` is written ``\\u0023#vso[`` (:func:`json_text`).
    """
    return json_text(document(report), indent=2, sort_keys=True) + "\n"
