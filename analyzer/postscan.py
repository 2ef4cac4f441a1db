"""What the engine does around the rules for CI use: exclude globs, per-rule level overrides, inline
suppressions (FIAC903) and the line hashes SARIF needs. Kept out of ``engine.py`` so the engine's
pipeline stays readable and these steps are testable on their own."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from fnmatch import fnmatchcase
from pathlib import PurePosixPath

from analyzer import suppressions
from analyzer.cache import cached_line_hashes
from analyzer.frontends.base import front_end_of, language_of
from analyzer.frontends.sources import MAX_LINE_CHARS, SourceFile
from analyzer.model import Finding, Level, RuleInfo


def is_excluded(display: str, patterns: Iterable[str]) -> bool:
    """True when the root-relative path, or a folder above it, matches one of the glob ``patterns``.

    ``*`` also matches ``/`` (fnmatch), so ``modules/*`` and ``**/legacy/**`` both work; a trailing
    ``/`` or ``/**`` means the folder and everything in it.
    """
    path = PurePosixPath(display)
    candidates = [display, *(parent.as_posix() for parent in path.parents if parent.as_posix() != ".")]
    for pattern in patterns:
        cleaned = pattern.strip().removeprefix("./")
        while cleaned.endswith(("/**", "/")):
            cleaned = cleaned.removesuffix("/**").removesuffix("/")
        if cleaned and any(fnmatchcase(candidate, cleaned) for candidate in candidates):
            return True
    return False


def exclude(files: list[SourceFile], patterns: Iterable[str]) -> list[SourceFile]:
    patterns = tuple(patterns)
    return [f for f in files if not is_excluded(f.display, patterns)] if patterns else files


def override_levels(findings: Iterable[Finding], rules: dict[str, RuleInfo],
                    levels: Iterable[tuple[str, str]]) -> tuple[list[Finding], dict[str, RuleInfo]]:
    """Apply ``[levels]`` overrides to findings and rule metadata (so SARIF's default level agrees).

    A finding whose rule reports a level other than the rule's default (a rule may downgrade a case)
    keeps its own level; only findings at the rule's default level take the override.
    """
    wanted = {rule_id.upper(): Level(level) for rule_id, level in levels}
    if not wanted:
        return list(findings), rules
    changed: list[Finding] = []
    for finding in findings:
        info = rules.get(finding.rule_id)
        new = wanted.get(finding.rule_id)
        if new is not None and info is not None and Level(finding.level) == info.level:
            finding = replace(finding, level=new)
        changed.append(finding)
    new_rules = {rule_id: replace(info, level=wanted[rule_id]) if rule_id in wanted else info
                 for rule_id, info in rules.items()}
    return changed, new_rules


def suppress(findings: list[Finding], files: list[SourceFile], texts: suppressions.SourceTexts,
             known: set[str], as_of: date, report_invalid: bool) -> tuple[list[Finding], list[Finding]]:
    """(active findings plus FIAC903 ones when ``report_invalid``, suppressed findings).

    Directives are read from every scanned file (so FIAC903 covers them all) and from any other file a
    finding points into (a module outside the scanned folder).
    """
    languages: dict[str, str | None] = {f.display: f.language for f in files}
    absolute = {f.display: f.path for f in files}
    for finding in findings:
        if finding.location.path not in languages:
            languages[finding.location.path] = language_of(finding.location.path)
    found: list[suppressions.Directive] = []
    for display, language in sorted((d, lang) for d, lang in languages.items() if lang is not None):
        if display in texts.quiet:
            continue  # read already in this scan, and it holds no directive
        text = texts.get(display, absolute.get(display))
        if text is None or "fleetiac" not in text:
            continue
        comments = front_end_of(language).comments(text, display)
        found.extend(suppressions.directives(comments, display, known, as_of))
    active, suppressed = suppressions.apply(findings, found)
    if report_invalid:
        active.extend(suppressions.invalid_findings(found))
    return active, suppressed


def hashes_for(findings: Iterable[Finding], texts: suppressions.SourceTexts) -> dict[tuple[str, int], str]:
    """``primaryLocationLineHash`` of each finding's start line, when its file can be read."""
    wanted: dict[str, set[int]] = {}
    for finding in findings:
        wanted.setdefault(finding.location.path, set()).add(finding.location.line)
    result: dict[tuple[str, int], str] = {}
    for path, lines in wanted.items():
        text = texts.get(path)
        if text is None or _has_overlong_line(text):
            continue
        by_line = cached_line_hashes(text)  # by content, in the parse cache's folder
        for line in lines:
            if line in by_line:
                result[(path, line)] = by_line[line]
    return result


def _has_overlong_line(text: str) -> bool:
    """A file the reader refused for an over-long line: hashing it (pure Python, about 0.3 us a
    character) could take longer than the rest of the scan, and the hash is optional in SARIF."""
    return len(text) > MAX_LINE_CHARS and any(len(line) > MAX_LINE_CHARS for line in text.splitlines())
