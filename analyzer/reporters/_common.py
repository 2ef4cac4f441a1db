"""Small helpers the reporters share, so text, JSON and SARIF count and name things the same way."""

from __future__ import annotations

from analyzer.model import Finding, Level, Report, RuleInfo

# Most severe first: the order summaries list levels in.
LEVELS: tuple[Level, ...] = (Level.ERROR, Level.WARNING, Level.NOTE)


def count_by_level(findings: list[Finding]) -> dict[Level, int]:
    """Every level is present (zero included) so summaries keep a fixed shape."""
    counts = dict.fromkeys(LEVELS, 0)
    for finding in findings:
        counts[Level(finding.level)] += 1
    return counts


def rule_for(report: Report, rule_id: str, level: Level) -> RuleInfo:
    """The rule's metadata, or a bare stand-in when a finding names a rule the report does not list.

    The engine always lists the rules it ran, but a reporter must not crash (or, in SARIF, emit a
    dangling ``ruleIndex``) if a caller builds a report by hand and forgets one.
    """
    info = report.rules.get(rule_id)
    if info is not None:
        return info
    return RuleInfo(id=rule_id, name=rule_id, level=level, summary="", doc="")


def plural(count: int, word: str) -> str:
    """``1 error``, ``2 errors``, ``0 notes``."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def distinct_fingerprints(findings: list[Finding]) -> list[str]:
    """Each finding's :attr:`~analyzer.model.Finding.fingerprint`, made distinct within one report:
    a finding whose fingerprint an earlier one has (the same rule, file, resource and message at
    another place, say on one line) gets ``:2``, ``:3``... in the findings' order, so no two
    results merge into one alert or one code-quality issue."""
    seen: dict[str, int] = {}
    result: list[str] = []
    for finding in findings:
        base = finding.fingerprint
        seen[base] = seen.get(base, 0) + 1
        result.append(base if seen[base] == 1 else f"{base}:{seen[base]}")
    return result
