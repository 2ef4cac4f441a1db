"""Baselines: adopt fleetiac on an existing repository without fixing everything first.

``--write-baseline FILE`` records the current findings; ``--baseline FILE`` then reports only findings
that are not recorded. An entry is keyed by rule, file, resource address and the finding's subject
(:attr:`Finding.subject`: the operator, the duplicated group; empty for most rules), never by line,
so code added above a finding does not turn it into a "new" one, and never by message text, which
names incidental things (a principal's other roles, a strategy's stages) that change without the
problem changing. Each entry absorbs one finding, so a second finding with the same key (the same
problem twice) is still new. Entries no finding matches any more are counted as gone (fixed, or moved
to another file or resource): rewrite the baseline to drop them.

Baselines of format 1 (keyed by message) are still read, and matched by message.

FIAC901 (a file that could not be read or parsed) is never recorded and never matched: nothing in
such a file is checked, so a baselined parse error would let a change keep a broken file, and every
finding it hides, for good. A FIAC901 entry in a hand-edited baseline is counted as gone. Internal
errors are not findings and never reach a baseline either.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

from fleetiac.analyzer.model import BaselineSummary, Finding, Report
from fleetiac.analyzer.suppressions import UNSUPPRESSIBLE

FORMAT_VERSION = 2
Key = tuple[str, str, str, str]


class BaselineError(Exception):
    """The baseline file cannot be read or is not a fleetiac baseline."""


def key(finding: Finding) -> Key:
    return (finding.rule_id, finding.location.path, finding.resource, finding.subject)


def _message_key(finding: Finding) -> Key:
    """The key of format 1."""
    return (finding.rule_id, finding.location.path, finding.resource, finding.message)


def write(report: Report, path: Path) -> int:
    """Write the report's (unsuppressed) findings, except FIAC901, as a baseline; returns the number of
    entries."""
    entries = [dict(zip(("rule_id", "path", "resource", "subject"), key(f), strict=True))
               for f in sorted(report.findings, key=key) if f.rule_id not in UNSUPPRESSIBLE]
    document = {"version": FORMAT_VERSION, "tool": "fleetiac", "entries": entries}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    except OSError as error:
        raise BaselineError(f"cannot write baseline {path.as_posix()}: {error.strerror or type(error).__name__}") \
            from None
    return len(entries)


def read(path: Path) -> tuple[Counter[Key], Counter[Key]]:
    """The entries keyed by subject (format 2) and those keyed by message (format 1)."""
    try:
        document: Any = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise BaselineError(f"cannot read baseline {path}: {error.strerror or error}") from None
    except ValueError as error:
        raise BaselineError(f"baseline {path} is not JSON: {error}") from None
    if not isinstance(document, dict) or document.get("tool") != "fleetiac" or \
            not isinstance(document.get("entries"), list):
        raise BaselineError(f"{path} is not a fleetiac baseline (written by --write-baseline)")
    by_subject: Counter[Key] = Counter()
    by_message: Counter[Key] = Counter()
    for entry in document["entries"]:
        try:
            head = (entry["rule_id"], entry["path"], entry["resource"])
            if "subject" in entry:
                by_subject[(*head, entry["subject"])] += 1
            else:
                by_message[(*head, entry["message"])] += 1
        except (KeyError, TypeError):
            raise BaselineError(f"{path}: malformed entry {entry!r}") from None
    return by_subject, by_message


def apply(report: Report, path: Path, shown_path: str) -> Report:
    """The report without the findings the baseline records, with a summary of the comparison."""
    by_subject, by_message = read(path)
    total = sum(by_subject.values()) + sum(by_message.values())
    new: list[Finding] = []
    for finding in report.findings:
        if finding.rule_id in UNSUPPRESSIBLE:
            new.append(finding)
        elif by_subject[key(finding)] > 0:
            by_subject[key(finding)] -= 1
        elif by_message[_message_key(finding)] > 0:
            by_message[_message_key(finding)] -= 1
        else:
            new.append(finding)
    gone = sum(by_subject.values()) + sum(by_message.values())
    summary = BaselineSummary(shown_path, total - gone, gone)
    return replace(report, findings=new, baseline=summary)
