"""The SARIF 2.1.0 report, shaped for what code-scanning services accept.

Every choice here answers a rule in ``conventions.md`` → "SARIF" (GitHub and Azure DevOps reject or
mis-group files that break them): one run; ``results`` present even when empty; rules deduplicated
and sorted by ID with a matching ``ruleIndex``; ``security-severity`` as a *string*; exactly one
location per result whose URI is relative to ``%SRCROOT%`` and percent-encoded; our own fingerprint
under our own key, and ``primaryLocationLineHash`` only as codeql-action computes it
(:mod:`analyzer.linehash`, from the engine); no timestamps, so two runs over the same tree produce the
same bytes.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from fleetiac.analyzer.model import Diagnostic, Finding, Level, Location, Report, RuleInfo
from fleetiac.analyzer.reporters._common import Block, distinct_fingerprints, grouped, instances_label, rule_for
from fleetiac.analyzer.reporters._escape import json_text

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
INFORMATION_URI = "https://github.com/fleetiac/fleetiac"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "fleetiacFingerprint/v1"
LINE_HASH_KEY = "primaryLocationLineHash"

# GitHub ranks alerts by this CVSS-like score and files them under "security" by the tag: the access
# family (FIAC1xx, who may do what) and any rule tagged ``security`` get both, the others neither
# (they are reliability problems, not security ones).
_SECURITY_FAMILY = "FIAC1"
_SECURITY_TAG = "security"
_SECURITY_SEVERITY: dict[Level, str] = {Level.ERROR: "8.0", Level.WARNING: "5.0", Level.NOTE: "3.0"}

_PLAIN_WORD = re.compile(r"[a-z]+ ")
_DRIVE = re.compile(r"^[A-Za-z]:")
_FOREIGN_SURROGATE = re.compile("[\ud800-\udc7f\udd00-\udfff]")
"""Surrogates that ``surrogateescape`` cannot have made from a byte (it makes U+DC80-U+DCFF)."""


def encode_path(path: str) -> str:
    """Percent-encode a POSIX path as an RFC 3986 relative reference, keeping ``/``.

    Everything outside the unreserved set is encoded, which covers spaces, ``%``, ``#``, ``?`` and
    non-ASCII (as UTF-8), and also ``:`` so a first segment such as ``c:`` can never read as a scheme.
    A file name that is not UTF-8 (its bytes held as ``surrogateescape`` code points) is encoded as
    those bytes, so the URI still names the file; any other lone surrogate is U+FFFD.
    """
    return quote(_FOREIGN_SURROGATE.sub("\ufffd", path), safe="/", encoding="utf-8", errors="surrogateescape")


def relative_uri(path: str, root: str) -> str:
    """The finding's URI relative to ``%SRCROOT%``: non-empty, no leading ``/`` or ``./``."""
    posix = path.replace("\\", "/")
    prefix = root.rstrip("/") + "/"
    # Reports carry root-relative paths; tolerate an absolute one under the root rather than emit an
    # absolute URI that a service would fail to map onto the repository.
    if posix.startswith(prefix):
        posix = posix[len(prefix):]
    while posix.startswith("./"):
        posix = posix[2:]
    posix = posix.lstrip("/")
    return encode_path(posix) if posix else "."


def root_uri(root: str) -> str:
    """``file://`` URI of the report root, ending with ``/`` as SARIF requires of a base URI."""
    posix = root.replace("\\", "/").rstrip("/")
    if _DRIVE.match(posix):
        # Windows roots become file:///C:/...; the drive's colon is legal here, unlike in a relative URI.
        return f"file:///{posix[:2]}{encode_path(posix[2:])}/"
    return f"file://{encode_path(posix)}/"


def _full_description(info: RuleInfo) -> str:
    """The first prose paragraph of the rule's doc (its "What it finds"), on one line."""
    in_fence = False
    paragraph: list[str] = []
    for line in [*info.doc.splitlines(), ""]:
        stripped = line.strip()
        if stripped.startswith("```"):
            in_fence = not in_fence
            continue
        if in_fence or stripped.startswith("#"):
            continue
        if stripped:
            paragraph.append(stripped)
        elif paragraph:
            return " ".join(paragraph)
    return info.summary or info.name


def _descriptor(info: RuleInfo) -> dict[str, Any]:
    level = Level(info.level)
    tags = list(info.tags)
    if info.family == _SECURITY_FAMILY and _SECURITY_TAG not in tags:
        tags.append(_SECURITY_TAG)
    properties: dict[str, Any] = {"tags": tags, "precision": "high"}
    if _SECURITY_TAG in tags:
        properties["security-severity"] = _SECURITY_SEVERITY[level]
    doc = info.page.strip() or info.summary or info.name
    return {
        "id": info.id,
        "name": info.name,
        "shortDescription": {"text": info.summary or info.name},
        "fullDescription": {"text": _full_description(info)},
        "help": {"text": doc, "markdown": doc},
        "defaultConfiguration": {"level": level.value},
        "properties": properties,
    }


def _region(loc: Location) -> dict[str, int]:
    """A tight region: the end is given only when it is known and not before the start."""
    start_line = max(1, loc.line)
    start_column = max(1, loc.column)
    region = {"startLine": start_line, "startColumn": start_column}
    end_line = loc.end_line if loc.end_line is not None and loc.end_line >= start_line else None
    if end_line is not None:
        region["endLine"] = end_line
    # An end column is measured on the end line (the start line when no end line is given).
    on_start_line = end_line is None or end_line == start_line
    if loc.end_column is not None and loc.end_column >= 1 and (not on_start_line or loc.end_column >= start_column):
        region["endColumn"] = loc.end_column
    return region


def _physical(loc: Location, root: str) -> dict[str, Any]:
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": relative_uri(loc.path, root), "uriBaseId": SRCROOT},
            "region": _region(loc),
        }
    }


def _notification(diagnostic: Diagnostic, root: str) -> dict[str, Any]:
    """A file the analyzer could not read or parse, as the tool's own report about its run."""
    return {
        "level": "warning",
        "message": {"text": diagnostic.message},
        "locations": [_physical(diagnostic.location, root)],
        "descriptor": {"id": "FIAC901"},
    }


def _internal_notification(failure: Diagnostic, root: str) -> dict[str, Any]:
    """A failure of fleetiac's own code on part of the tree: the run did not finish its work."""
    return {
        "level": "error",
        "message": {"text": failure.message},
        "locations": [_physical(failure.location, root)],
    }


def sentence(text: str) -> str:
    """``text`` as a sentence: its first word capitalised when it is a plain lower-case word (never
    an identifier such as ``azurerm_x.y`` or a code span), and a full stop at the end (unless it
    ends with one, ``!`` or ``?``); empty text stays empty."""
    text = text.strip()
    if not text:
        return ""
    if _PLAIN_WORD.match(text):
        text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def message_text(finding: Finding) -> str:
    """The message and the hint, each a sentence: ``Operator lacks the grant. Assign the role.``"""
    return " ".join(part for part in (sentence(finding.message), sentence(finding.hint)) if part)


def _related_locations(finding: Finding, root: str) -> list[dict[str, Any]]:
    """The other resources the finding names, where they are declared (ids from 1, in order)."""
    return [{"id": number, **_physical(related.location, root), "message": {"text": related.address}}
            for number, related in enumerate(finding.related_locations, start=1)]


def _result(finding: Finding, rule_index: int, root: str, line_hash: str | None = None,
            fingerprint: str | None = None, block: Block | None = None) -> dict[str, Any]:
    text = message_text(finding)
    if block is not None and block.instances:
        text = f"{text} {instances_label(block.instances, block.base)}."
    result: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": Level(finding.level).value,
        "message": {"text": text},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": relative_uri(finding.location.path, root), "uriBaseId": SRCROOT},
                    "region": _region(finding.location),
                }
            }
        ],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint or finding.fingerprint},
    }
    related = _related_locations(finding, root)
    if related:
        result["relatedLocations"] = related
    if line_hash is not None:
        result["partialFingerprints"][LINE_HASH_KEY] = line_hash
    if finding.suppression is not None:
        # "inSource": the directive is a comment in the scanned file; "accepted": it was honoured.
        result["suppressions"] = [{
            "kind": "inSource",
            "status": "accepted",
            "justification": finding.suppression.reason,
            "location": _physical(finding.suppression.location, root),
        }]
    # The resolved addresses help triage; a property bag is where SARIF lets a tool put its own data.
    properties: dict[str, Any] = {}
    if finding.resource:
        properties["resource"] = finding.resource
    if finding.related:
        properties["related"] = list(finding.related)
    if block is not None and block.instances:
        properties["instances"] = [member.resource for member in block.members]
    if properties:
        result["properties"] = properties
    return result


def fingerprints(findings: list[Finding]) -> list[str]:
    """:func:`~analyzer.reporters._common.distinct_fingerprints`: no two results share one."""
    return distinct_fingerprints(findings)


def automation_id(category: str) -> str:
    """``automationDetails.id`` for a category: SARIF reads the part before the last ``/`` as the
    category, so one is added when missing (as GitHub's upload action does)."""
    return category if category.endswith("/") else category + "/"


def document(report: Report, *, category: str = "", include_suppressed: bool = False) -> dict[str, Any]:
    """The SARIF log as JSON-ready data. Suppressed findings are left out unless ``include_suppressed``
    (then they carry ``suppressions``), because GitHub ignores ``suppressions`` and would raise them."""
    shown = sorted([*report.findings, *report.suppressed], key=Finding.sort_key) if include_suppressed \
        else report.findings
    # All rules that ran are listed (a rule with no result documents that it was checked), plus a
    # stand-in for any rule a finding names that the report forgot, so every ruleIndex resolves.
    infos: dict[str, RuleInfo] = dict(report.rules)
    for finding in shown:
        if finding.rule_id not in infos:
            infos[finding.rule_id] = rule_for(report, finding.rule_id, Level(finding.level))
    rule_ids = sorted(infos)
    # Instances of one resource with the same problem at the same place are one result.
    results = grouped(shown)
    index = {rule_id: position for position, rule_id in enumerate(rule_ids)}
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "fleetiac",
                "version": report.tool_version,
                "semanticVersion": report.tool_version,
                "informationUri": INFORMATION_URI,
                "rules": [_descriptor(infos[rule_id]) for rule_id in rule_ids],
            }
        },
        "originalUriBaseIds": {SRCROOT: {"uri": root_uri(report.root)}},
        "columnKind": "unicodeCodePoints",
        "results": [_result(finding, index[finding.rule_id], report.root,
                            report.line_hashes.get((finding.location.path, finding.location.line)), fingerprint,
                            block)
                    for (finding, block), fingerprint in zip(results, fingerprints([f for f, _ in results]),
                                                             strict=True)],
        # Files that failed to parse are reported, not fatal; a failure of our own code is (exit 2).
        "invocations": [{
            "executionSuccessful": not report.internal_errors,
            "toolExecutionNotifications": [*(_internal_notification(d, report.root) for d in report.internal_errors),
                                           *(_notification(d, report.root) for d in report.diagnostics),
                                           *({"level": "note", "message": {"text": notice}}
                                             for notice in report.notices)],
        }],
        "properties": {"asOf": report.as_of},
    }
    if category:
        run["automationDetails"] = {"id": automation_id(category)}
    return {"$schema": SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}


def render(report: Report, *, category: str = "", include_suppressed: bool = False) -> str:
    """The SARIF log, two-space indented, in a fixed key order, ending with a newline."""
    return json_text(document(report, category=category, include_suppressed=include_suppressed), indent=2) + "\n"
