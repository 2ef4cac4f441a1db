"""JUnit XML, for CI systems that show test results (Azure DevOps PublishTestResults, GitLab
``artifacts:reports:junit``, Jenkins).

One ``testsuite`` per rule that ran; in it one ``testcase`` per resource the rule reported on, which
fails with every finding of that rule on that resource. A rule without findings has one passing
``testcase`` named ``all resources``, so a clean run still shows which checks ran. A suppressed
(rule, resource) pair without active findings is a skipped test case with the reason. No timestamps
or durations, so the XML is deterministic. Every string from the scanned code is one line without
control characters, CI commands or characters XML 1.0 forbids
(:func:`~analyzer.reporters._escape.xml_text`), so the XML always parses.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict

from fleetiac.analyzer.model import Finding, Level, Report
from fleetiac.analyzer.reporters._common import params_phrase, rule_for, set_elsewhere
from fleetiac.analyzer.reporters._escape import xml_line_start, xml_text

PASSING_CASE = "all resources"
INTERNAL_SUITE = "fleetiac internal errors"
"""The suite of failures of fleetiac's own code (one ``error`` test case each), only when there are any."""
UNUSED_SUITE = "fleetiac unused suppressions"
"""The suite of ``fleetiac:ignore`` directives that silenced nothing (one ``skipped`` test case each,
at the directive), only when there are any: notes, so never a failure."""


def _subject(finding: Finding) -> str:
    """The resource address, or the file for file-level findings (parse errors)."""
    return xml_text(finding.resource or finding.location.path)


def _finding_text(finding: Finding) -> str:
    """``path:line:col: level RULE message``, then as in the text report a ``help:`` line, a
    ``note: with parameter file ...`` line and a ``set here: path:line:col`` line per place the
    offending value was set elsewhere."""
    loc = finding.location
    lines = [f"{xml_line_start(loc.path)}:{loc.line}:{loc.column}: {Level(finding.level).value} "
             f"{xml_text(finding.rule_id)} {xml_text(finding.message)}"]
    if finding.hint:
        lines.append(f"  help: {xml_text(finding.hint)}")
    if finding.param_files:
        lines.append(f"  note: {params_phrase(finding.param_files, xml_text)}")
    lines.extend(f"  set here: {xml_text(o.path)}:{o.line}:{o.column}" for o in set_elsewhere(finding))
    return "\n".join(lines)


def render(report: Report) -> str:
    by_rule: dict[str, dict[str, list[Finding]]] = defaultdict(lambda: defaultdict(list))
    for finding in report.findings:
        by_rule[finding.rule_id][_subject(finding)].append(finding)
    quiet: dict[str, dict[str, list[Finding]]] = defaultdict(lambda: defaultdict(list))
    for finding in report.suppressed:
        quiet[finding.rule_id][_subject(finding)].append(finding)
    suites = ET.Element("testsuites", name="fleetiac")
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    for rule_id in sorted(set(report.rules) | set(by_rule) | set(quiet)):
        info = rule_for(report, rule_id, Level.WARNING)
        suite = ET.SubElement(suites, "testsuite", name=xml_text(f"{rule_id} {info.name}"))
        counts = {"tests": 0, "failures": 0, "skipped": 0}
        failing = by_rule.get(rule_id, {})
        skipped = {s: f for s, f in quiet.get(rule_id, {}).items() if s not in failing}
        for subject in sorted(set(failing) | set(skipped)):
            # ``file``: the file of the case's first finding (GitLab links the test case to it).
            first = (failing.get(subject) or skipped[subject])[0]
            case = ET.SubElement(suite, "testcase", classname=xml_text(rule_id), name=subject,
                                 file=xml_text(first.location.path))
            counts["tests"] += 1
            if subject in failing:
                findings = failing[subject]
                counts["failures"] += 1
                failure = ET.SubElement(case, "failure", message=xml_text(findings[0].message),
                                        type=Level(findings[0].level).value)
                failure.text = "\n".join(_finding_text(f) for f in findings)
            else:
                counts["skipped"] += 1
                reasons = sorted({f.suppression.reason for f in skipped[subject] if f.suppression})
                ET.SubElement(case, "skipped", message="suppressed: " + "; ".join(xml_text(r) for r in reasons))
        if not failing and not skipped:
            ET.SubElement(suite, "testcase", classname=xml_text(rule_id), name=PASSING_CASE)
            counts["tests"] += 1
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
        suite.set("errors", "0")
    errors = 0
    if report.internal_errors:
        # fleetiac's own code failed on part of the tree: an error (not a failure) of the run itself.
        suite = ET.SubElement(suites, "testsuite", name=INTERNAL_SUITE)
        for internal in report.internal_errors:
            error_case = ET.SubElement(suite, "testcase", classname="fleetiac", name=xml_text(internal.location.path))
            message = xml_text(internal.message)
            ET.SubElement(error_case, "error", message=message, type="internal").text = message
        errors = len(report.internal_errors)
        for key, value in (("tests", errors), ("failures", 0), ("skipped", 0), ("errors", errors)):
            suite.set(key, str(value))
        totals["tests"] += errors
    if report.unused_suppressions:
        # Not failures (they never fail the gate): skipped cases, whose message every JUnit viewer shows.
        suite = ET.SubElement(suites, "testsuite", name=UNUSED_SUITE)
        for unused in report.unused_suppressions:
            loc = unused.location
            case = ET.SubElement(suite, "testcase", classname="fleetiac", name=f"{xml_text(loc.path)}:{loc.line}",
                                 file=xml_text(loc.path))
            ET.SubElement(case, "skipped", message=xml_text(unused.message))
        count = len(report.unused_suppressions)
        for key, value in (("tests", count), ("failures", 0), ("skipped", count), ("errors", 0)):
            suite.set(key, str(value))
        totals["tests"] += count
        totals["skipped"] += count
    for key, value in totals.items():
        suites.set(key, str(value))
    suites.set("errors", str(errors))
    ET.indent(suites, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
