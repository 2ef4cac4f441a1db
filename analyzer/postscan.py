"""What the engine does around the rules for CI use: exclude globs, per-rule level overrides, inline
suppressions (FIAC903) and the line hashes SARIF needs. Kept out of ``engine.py`` so the engine's
pipeline stays readable and these steps are testable on their own."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath

from fleetiac.analyzer import suppressions
from fleetiac.analyzer.cache import cached_line_hashes
from fleetiac.analyzer.frontends.base import front_end_of, language_of
from fleetiac.analyzer.frontends.sources import MAX_LINE_CHARS, SourceFile
from fleetiac.analyzer.model import Finding, Level, Location, RelatedLocation, Resource, RuleInfo


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


def unused_exclusions(files: list[SourceFile], patterns: Iterable[str]) -> list[str]:
    """Notices for the ``exclude`` patterns that leave out none of ``files`` (the files before
    exclusion): a misspelt pattern that silently excludes nothing would check what the user meant to
    leave out, and one meant to be relative to another folder never matches."""
    return [f"--exclude pattern {pattern!r} matches no scanned file (patterns are relative to the report root)"
            for pattern in dict.fromkeys(patterns) if not any(is_excluded(f.display, (pattern,)) for f in files)]


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


SNIPPET_LINE_CHARS = 240
"""A source line kept for a code frame is cut to this many characters."""
SNIPPET_LINES = 4000
"""At most this many source lines in one report (a scan with thousands of findings stays bounded)."""
RELATED_SHOWN = 3
"""At most this many related locations on one finding."""


def with_related(findings: Iterable[Finding], variants: Iterable[Iterable[Resource]]) -> list[Finding]:
    """``findings`` with :attr:`~analyzer.model.Finding.related_locations` filled from the resources
    their ``related`` addresses name (the first declaration of each address, in variant order)."""
    where: dict[str, tuple[str, Location]] = {}
    for resources in variants:
        for resource in resources:
            where.setdefault(resource.address, (resource.kind.value, resource.location))
    result: list[Finding] = []
    for finding in findings:
        related = tuple(RelatedLocation(address, *where[address]) for address in finding.related
                        if address in where and address != finding.resource)[:RELATED_SHOWN]
        result.append(replace(finding, related_locations=related) if related else finding)
    return result


def _inside(root: Path, display: str) -> bool:
    """True when ``display`` names a file under ``root`` (no ``..``, no absolute path, no link out)."""
    pure = PurePosixPath(display)
    if pure.is_absolute() or ".." in pure.parts:
        return False
    try:
        return (root / display).resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError, ValueError):
        return False


def snippets_for(findings: Iterable[Finding], texts: suppressions.SourceTexts,
                 root: Path) -> dict[str, dict[int, str]]:
    """The lines code frames show: each location's line and the one above it, for the findings and
    their related locations, from files under ``root`` only; bounded (:data:`SNIPPET_LINES`,
    :data:`SNIPPET_LINE_CHARS`)."""
    wanted: dict[str, set[int]] = {}
    for finding in findings:
        for location in (finding.location, *(r.location for r in finding.related_locations)):
            lines = wanted.setdefault(location.path, set())
            lines.update(n for n in (location.line - 1, location.line) if n >= 1)
    result: dict[str, dict[int, str]] = {}
    budget = SNIPPET_LINES
    for path in sorted(wanted):
        if budget <= 0:
            break
        if not _inside(root, path):
            continue
        text = texts.get(path)
        if text is None or _has_overlong_line(text):
            continue
        source = text.splitlines()
        kept: dict[int, str] = {}
        for number in sorted(wanted[path]):
            if number <= len(source) and budget > 0:
                kept[number] = source[number - 1][:SNIPPET_LINE_CHARS]
                budget -= 1
        if kept:
            result[path] = kept
    return result
