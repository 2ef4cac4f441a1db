"""GitLab's two report formats: the Code Quality report (``--format gitlab``, for
``artifacts:reports:codequality``) and the SAST report (``--format gitlab-sast``, for
``artifacts:reports:sast``).

Code Quality is the subset of the Code Climate issue format GitLab reads: a JSON array of issues,
each with ``description``, ``check_name``, ``fingerprint``, ``severity`` (``info``, ``minor``,
``major``, ``critical``, ``blocker``) and ``location.path`` with ``location.lines.begin``.

The SAST report follows GitLab's security report schema (``sast-report-format.json``, version
:data:`SAST_SCHEMA_VERSION`): ``version``, ``scan`` (analyzer and scanner, times, status, type) and
``vulnerabilities``, each with an ``id``, ``identifiers`` and a ``location`` (file and lines). The
scan times are the evaluation date at midnight, so the same tree gives the same bytes.

Paths are relative to the report root (the repository, as GitLab wants them). Strings from the
scanned code are written with ASCII escapes and without ``##name[`` (:func:`json_text`).
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from fleetiac.analyzer.model import Finding, Level, Report
from fleetiac.analyzer.reporters._common import context_phrase, distinct_fingerprints, grouped, rule_for, set_elsewhere
from fleetiac.analyzer.reporters._escape import json_text

SAST_SCHEMA_VERSION = "15.2.1"
SAST_SCHEMA_URL = ("https://gitlab.com/gitlab-org/security-products/security-report-schemas/-/raw/"
                   f"v{SAST_SCHEMA_VERSION}/dist/sast-report-format.json")
CODE_QUALITY_SEVERITY: dict[Level, str] = {Level.ERROR: "critical", Level.WARNING: "major", Level.NOTE: "info"}
SAST_SEVERITY: dict[Level, str] = {Level.ERROR: "High", Level.WARNING: "Medium", Level.NOTE: "Info"}
_NAMESPACE = uuid.UUID("4f1a9c3e-2b7d-5e60-8a14-3c9d0e7f6b21")
"""Vulnerability ids are UUIDs derived from the fingerprints under this namespace (stable across runs)."""


def _text(finding: Finding) -> str:
    """``message (hint)``, then ``; with parameter file ...; set here: path:line`` when known."""
    text = f"{finding.message} ({finding.hint})" if finding.hint else finding.message
    context = context_phrase(finding)
    return f"{text}; {context}" if context else text


def _unused_fingerprints(report: Report) -> list[str]:
    """A fingerprint per unused suppression: its file and message (not its line, so it keeps its
    identity when lines move), made distinct as the findings' are."""
    seen: dict[str, int] = {}
    result = []
    for unused in report.unused_suppressions:
        text = "\x1f".join(("unused-suppression", unused.location.path, unused.message))
        base = "unused:" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]
        seen[base] = seen.get(base, 0) + 1
        result.append(base if seen[base] == 1 else f"{base}:{seen[base]}")
    return result


def _details(finding: Finding) -> dict[str, Any]:
    """The vulnerability's ``details`` (the schema's named list): the parameter files as a list of
    texts, and the places the value was set as a list of file locations (GitLab links them)."""
    details: dict[str, Any] = {}
    if finding.param_files:
        details["parameter_files"] = {"name": "Parameter files", "type": "list",
                                      "items": [{"type": "text", "value": p} for p in finding.param_files]}
    elsewhere = set_elsewhere(finding)
    if elsewhere:
        details["set_here"] = {"name": "Set here", "type": "list", "items": [
            {"type": "file-location", "file_name": o.path, "line_start": max(1, o.line),
             "line_end": o.end_line if o.end_line is not None and o.end_line >= max(1, o.line) else max(1, o.line)}
            for o in elsewhere]}
    return details


def code_quality(report: Report) -> list[dict[str, Any]]:
    """The Code Quality issues, one per finding, in the report's order."""
    issues = []
    shown = [finding for finding, _ in grouped(report.findings)]  # one per place (instances merged)
    for finding, fingerprint in zip(shown, distinct_fingerprints(shown), strict=True):
        rule = rule_for(report, finding.rule_id, Level(finding.level))
        issues.append({
            "type": "issue",
            "description": f"{finding.rule_id} {_text(finding)}",
            "check_name": f"{finding.rule_id} {rule.name}",
            "fingerprint": fingerprint,
            "severity": CODE_QUALITY_SEVERITY[Level(finding.level)],
            "location": {"path": finding.location.path, "lines": {"begin": max(1, finding.location.line)}},
        })
    # A failure of fleetiac's own code (the scan exits 2): a blocker on the file it failed on, so the
    # merge request shows that the report is incomplete.
    for failure in report.internal_errors:
        issues.append({
            "type": "issue",
            "description": failure.message,
            "check_name": "fleetiac internal error",
            "fingerprint": f"internal:{failure.location.path}:{failure.location.line}",
            "severity": "blocker",
            "location": {"path": failure.location.path, "lines": {"begin": max(1, failure.location.line)}},
        })
    # A fleetiac:ignore that silenced nothing: an info issue at the comment, as ruff reports RUF100.
    for unused, fingerprint in zip(report.unused_suppressions, _unused_fingerprints(report), strict=True):
        issues.append({
            "type": "issue",
            "description": unused.message,
            "check_name": "fleetiac unused suppression",
            "fingerprint": fingerprint,
            "severity": "info",
            "location": {"path": unused.location.path, "lines": {"begin": max(1, unused.location.line)}},
        })
    return issues


def sast(report: Report) -> dict[str, Any]:
    """The SAST report as JSON-ready data."""
    stamp = f"{report.as_of}T00:00:00"
    component = {"id": "fleetiac", "name": "fleetiac", "version": report.tool_version,
                 "vendor": {"name": "fleetiac"}}
    vulnerabilities = []
    shown = [finding for finding, _ in grouped(report.findings)]  # one per place (instances merged)
    for finding, fingerprint in zip(shown, distinct_fingerprints(shown), strict=True):
        rule = rule_for(report, finding.rule_id, Level(finding.level))
        loc = finding.location
        line = max(1, loc.line)
        end = loc.end_line if loc.end_line is not None and loc.end_line >= line else line
        vulnerability: dict[str, Any] = {
            "id": str(uuid.uuid5(_NAMESPACE, fingerprint)),
            "name": f"{finding.rule_id} {rule.name}"[:255],
            "description": finding.message[:1_048_576],
            "severity": SAST_SEVERITY[Level(finding.level)],
            "identifiers": [{"type": "fleetiac_rule_id", "name": f"fleetiac {finding.rule_id}",
                             "value": finding.rule_id}],
            "location": {"file": loc.path, "start_line": line, "end_line": end},
        }
        if finding.resource:
            vulnerability["location"]["class"] = finding.resource
        if finding.hint:
            vulnerability["solution"] = finding.hint[:7000]
        details = _details(finding)
        if details:
            vulnerability["details"] = details
        vulnerabilities.append(vulnerability)
    scan: dict[str, Any] = {
        "analyzer": component,
        "scanner": component,
        "type": "sast",
        "start_time": stamp,
        "end_time": stamp,
        "status": "failure" if report.internal_errors else "success",
    }
    messages = [{"level": "fatal" if failure in report.internal_errors else "warn", "value": failure.message}
                for failure in (*report.internal_errors, *report.diagnostics)]
    messages += [{"level": "info", "value": notice} for notice in report.notices]
    messages += [{"level": "info", "value": f"{d.location.path}:{d.location.line}:{d.location.column}: {d.message}"}
                 for d in report.unused_suppressions]
    if messages:
        scan["messages"] = messages
    return {"version": SAST_SCHEMA_VERSION, "schema": SAST_SCHEMA_URL, "scan": scan,
            "vulnerabilities": vulnerabilities}


def render_code_quality(report: Report) -> str:
    return json_text(code_quality(report), indent=2) + "\n"


def render_sast(report: Report) -> str:
    return json_text(sast(report), indent=2) + "\n"
