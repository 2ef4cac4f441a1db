"""GitHub Actions workflow commands: one annotation per finding, shown on the pull request's diff.

``::error file=infra/k8s/pdb.yaml,line=12,col=5,endLine=12,endColumn=40,title=FIAC101::message``

GitHub reads the properties up to ``::`` and splits them on ``,``, so property values escape ``%``,
CR, LF, ``:`` and ``,``; the message escapes ``%``, CR and LF (its ``:`` and ``,`` are plain text).
Before that, every string from the scanned code goes through
:func:`~analyzer.reporters._escape.workflow_text` (no lone surrogate, no other control character, no
``##vso[``). Suppressed findings are not annotated. Levels map to ``error``, ``warning`` and
``notice``; an internal error (a failure of fleetiac's own code) is an ``error`` titled ``fleetiac internal error``.
"""

from __future__ import annotations

from fleetiac.analyzer.model import Diagnostic, Finding, Level, Report
from fleetiac.analyzer.reporters._common import context_phrase
from fleetiac.analyzer.reporters._escape import workflow_text

_COMMANDS: dict[Level, str] = {Level.ERROR: "error", Level.WARNING: "warning", Level.NOTE: "notice"}


def escape_data(text: str) -> str:
    """Escape a command's message (GitHub's ``escapeData``)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value (GitHub's ``escapeProperty``): the message escapes plus ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _properties(properties: list[tuple[str, str]]) -> str:
    return ",".join(f"{key}={escape_property(workflow_text(value))}" for key, value in properties)


def annotation(finding: Finding) -> str:
    loc = finding.location
    properties = [("file", loc.path), ("line", str(loc.line)), ("col", str(loc.column))]
    if loc.end_line is not None and loc.end_line >= loc.line:
        properties.append(("endLine", str(loc.end_line)))
        if loc.end_column is not None and (loc.end_line > loc.line or loc.end_column >= loc.column):
            properties.append(("endColumn", str(loc.end_column)))
    properties.append(("title", finding.rule_id))
    message = f"{finding.message} {finding.hint}" if finding.hint else finding.message
    context = context_phrase(finding)
    if context:
        # A line of its own in the annotation (``%0A``): the parameter files and where the value was set.
        message = f"{message}\n{context}"
    return f"::{_COMMANDS[Level(finding.level)]} {_properties(properties)}::{escape_data(workflow_text(message))}"


def internal_annotation(failure: Diagnostic) -> str:
    """A failure of fleetiac's own code, as an error on the file it failed on."""
    loc = failure.location
    properties = [("file", loc.path), ("line", str(loc.line)), ("col", str(loc.column)),
                  ("title", "fleetiac internal error")]
    return f"::error {_properties(properties)}::{escape_data(workflow_text(failure.message))}"


def unused_annotation(unused: Diagnostic) -> str:
    """A ``fleetiac:ignore`` directive that silenced nothing, as a notice on its line."""
    loc = unused.location
    properties = [("file", loc.path), ("line", str(loc.line)), ("col", str(loc.column)),
                  ("title", "fleetiac unused suppression")]
    return f"::notice {_properties(properties)}::{escape_data(workflow_text(unused.message))}"


def render(report: Report) -> str:
    """One workflow command per internal error, then one per finding, then a notice per unused
    suppression; an empty report is a single newline-terminated empty text."""
    lines = [*(internal_annotation(failure) for failure in report.internal_errors),
             *(annotation(finding) for finding in report.findings),
             *(unused_annotation(unused) for unused in report.unused_suppressions)]
    return "".join(line + "\n" for line in lines) or "\n"
