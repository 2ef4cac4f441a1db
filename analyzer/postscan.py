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
from fleetiac.analyzer.cache import cached_line_hashes, save_line_hashes
from fleetiac.analyzer.config import Exclusion
from fleetiac.analyzer.frontends.base import front_end_of, language_of
from fleetiac.analyzer.frontends.sources import MAX_LINE_CHARS, SourceFile
from fleetiac.analyzer.model import Diagnostic, Finding, Level, Location, RelatedLocation, Resource, RuleInfo


def _folded(pattern: str) -> str:
    """A glob without a leading ``./`` nor a trailing ``/`` or ``/**`` (the folder and all in it)."""
    cleaned = pattern.strip().removeprefix("./")
    while cleaned.endswith(("/**", "/")) and cleaned not in ("/", "/**"):
        cleaned = cleaned.removesuffix("/**").removesuffix("/")
    return cleaned


def _candidates(path: str) -> list[str]:
    """The path and every folder above it (not ``.`` nor ``/``)."""
    pure = PurePosixPath(path)
    return [path, *(parent.as_posix() for parent in pure.parents if parent.as_posix() not in (".", "/"))]


def is_excluded(file: SourceFile | str, patterns: Iterable[str | Exclusion]) -> bool:
    """True when the file, or a folder above it, matches one of the glob ``patterns``.

    A plain string is relative to the report root (matched against the file's root-relative path); an
    :class:`~analyzer.config.Exclusion` is relative to its own folder (the current folder for
    ``--exclude``, the configuration file's folder for its ``exclude``), matched against the file's
    absolute path. ``*`` also matches ``/`` (fnmatch), so ``modules/*`` and ``**/legacy/**`` both work; a
    trailing ``/`` or ``/**`` means the folder and everything in it.
    """
    display = file if isinstance(file, str) else file.display
    relative: list[str] | None = None
    absolute: list[str] | None = None
    for pattern in patterns:
        if isinstance(pattern, Exclusion) and not pattern.base:
            pattern = pattern.pattern  # root-relative (a --config file outside the scanned root)
        if isinstance(pattern, Exclusion):
            if isinstance(file, str):
                continue
            cleaned = _folded(pattern.anchored())
            if absolute is None:
                absolute = _candidates(file.path.absolute().as_posix())
            candidates = absolute
        else:
            cleaned = _folded(pattern)
            if relative is None:
                relative = _candidates(display)
            candidates = relative
        if cleaned and any(fnmatchcase(candidate, cleaned) for candidate in candidates):
            return True
    return False


def exclude(files: list[SourceFile], patterns: Iterable[str | Exclusion]) -> list[SourceFile]:
    patterns = tuple(patterns)
    return [f for f in files if not is_excluded(f, patterns)] if patterns else files


def unused_exclusions(files: list[SourceFile], patterns: Iterable[str | Exclusion],
                      root: Path | None = None) -> list[str]:
    """Notices for the ``exclude`` patterns that leave out none of ``files`` (the files before
    exclusion): a misspelt pattern that silently excludes nothing would check what the user meant to
    leave out, and one meant to be relative to another folder never matches."""
    notices = []
    for pattern in dict.fromkeys(patterns):
        if any(is_excluded(f, (pattern,)) for f in files):
            continue
        if not isinstance(pattern, Exclusion):
            notices.append(f"--exclude pattern {pattern!r} matches no scanned file (patterns are relative to the "
                           "report root)")
        elif not pattern.config:
            notices.append(f"--exclude pattern {pattern.pattern!r} matches no scanned file (patterns are relative "
                           "to the current folder)")
        else:
            shown = pattern.config
            if root is not None and shown.startswith(root.as_posix().rstrip("/") + "/"):
                shown = shown[len(root.as_posix().rstrip("/")) + 1:]
            where = ("relative to the folder of the file that sets them" if pattern.base else
                     "relative to the report root, since the file is outside it")
            notices.append(f"exclude pattern {pattern.pattern!r} of {shown} matches no scanned file (patterns are "
                           f"{where})")
    return notices


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
             known: set[str], as_of: date, report_invalid: bool,
             unused: list[Diagnostic] | None = None,
             ran: Iterable[str] = ()) -> tuple[list[Finding], list[Finding]]:
    """(active findings plus FIAC903 ones when ``report_invalid``, suppressed findings).

    Directives are read from every scanned file (so FIAC903 covers them all) and from any other file a
    finding points into (a module outside the scanned folder). When ``unused`` is a list, the notes of
    the directives in scanned files that name rules of ``ran`` which reported nothing where they
    point (:func:`analyzer.suppressions.unused`) are appended to it.
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
    ran = set(ran)
    if unused is not None and ran:
        unused.extend(suppressions.unused(found, findings, ran, {f.display for f in files}))
    if report_invalid:
        active.extend(suppressions.invalid_findings(found))
    return active, suppressed


def evaluated_rules(selected: set[str], checked: set[str], skipped: Iterable[Finding], notices: Iterable[str],
                    complete: bool, show_unknown: bool, regional: bool) -> set[str]:
    """The rules of a scan that decided every case they met, so that a directive naming one of them and
    covering none of its findings is unused. None when the scan is incomplete (a file not read or not
    fully evaluated, input skipped, fleetiac's own code failing): what was not read may hold the finding.
    Left out: rules not selected (``--select``/``--ignore``); rules that recorded an unknown decision
    anywhere (FIAC902: the finding a directive waits for may be behind it); a rule skipped for a value
    nested too deeply; FIAC416 without ``--aks-versions`` (it never fires); the access rules when they
    had no operator to check; FIAC902 without ``--show-unknown``. ``checked``: the selected rules that
    have a check of their own (the others the engine reports)."""
    if not complete:
        return set()
    undecided = {f.message.split(" ", 1)[0] for f in skipped}
    ran = (checked | ({"FIAC903"} & selected) | ({"FIAC902"} & selected if show_unknown else set())) - undecided
    for notice in notices:
        if notice.endswith("nested too deeply") and " was skipped: " in notice:
            ran.discard(notice.split(" ", 1)[0])
        if notice.startswith("the access rules had no operator to check"):
            ran -= ACCESS_JOIN_RULES
    if not regional:
        ran.discard("FIAC416")
    return ran


ACCESS_JOIN_RULES = frozenset({"FIAC101", "FIAC102", "FIAC103", "FIAC104"})
"""The rules that judge operators' join permissions (``policies/access.py``): with no operator they
check nothing, and say so in a notice."""


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
    save_line_hashes()  # the ones computed here, as one chunk
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


def declarations(variants: Iterable[Iterable[Resource]]) -> dict[str, tuple[str, Location]]:
    """Each resource address's kind and location: its first declaration, in variant order."""
    where: dict[str, tuple[str, Location]] = {}
    for resources in variants:
        for resource in resources:
            where.setdefault(resource.address, (resource.kind.value, resource.location))
    return where


def with_related(findings: Iterable[Finding], variants: Iterable[Iterable[Resource]] = (),
                 where: dict[str, tuple[str, Location]] | None = None) -> list[Finding]:
    """``findings`` with :attr:`~analyzer.model.Finding.related_locations` filled from the resources
    their ``related`` addresses name (the first declaration of each address, in variant order;
    ``where``: those declarations, :func:`declarations` of the variants)."""
    if where is None:
        where = declarations(variants)
    result: list[Finding] = []
    for finding in findings:
        related = tuple(RelatedLocation(address, *where[address]) for address in finding.related
                        if address in where and address != finding.resource)[:RELATED_SHOWN]
        result.append(replace(finding, related_locations=related) if related else finding)
    return result


def merged(findings: Iterable[Finding]) -> list[Finding]:
    """``findings`` with equal ones (the same finding from several deployment variants) as one, in
    first-seen order, naming the parameter files and the origins of them all
    (:attr:`~analyzer.model.Finding.param_files`, :attr:`~analyzer.model.Finding.origins`)."""
    out: dict[Finding, Finding] = {}
    for finding in findings:
        seen = out.get(finding)
        if seen is None:
            out[finding] = finding
        elif (finding.param_files or finding.origins) and finding is not seen:
            out[finding] = replace(
                seen, param_files=tuple(sorted({*seen.param_files, *finding.param_files})),
                origins=tuple(sorted({*seen.origins, *finding.origins}, key=Location.sort_key)))
    return list(out.values())


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
        for location in (finding.location, *(r.location for r in finding.related_locations), *finding.origins):
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
