"""The front-end protocol and the registry of front ends.

A front end is the only place that knows a language. It names the file languages it reads (with their
suffixes), parses one file into plain picklable data (the parse stage runs that in worker processes
and keeps it in the parse cache), forms *units* from the parsed files (a Terraform root module, a
Bicep template with one parameter file, one YAML file), evaluates a unit into canonical resources,
and finds the comments of a file for inline suppressions. Everything after it (engine, cache,
graph, policies, reporters) sees only :mod:`analyzer.model` structures.

Adding a front end is one folder under ``analyzer/frontends/`` whose package defines ``FRONT_END``,
plus one line in :data:`FRONT_END_MODULES`. The folders keep the same file names: ``syntax``
(parsing), ``evaluate``, ``functions``, ``canonical`` (evaluated values to canonical resources) and
``comments``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from fleetiac.analyzer.model import FileResult, Location

if TYPE_CHECKING:
    from fleetiac.analyzer.frontends.sources import SourceFile

FRONT_END_MODULES = (
    "fleetiac.analyzer.frontends.terraform",
    "fleetiac.analyzer.frontends.bicep",
    "fleetiac.analyzer.frontends.yaml",
    "fleetiac.analyzer.frontends.scripts",
    "fleetiac.analyzer.frontends.tfplan",
    "fleetiac.analyzer.frontends.armjson",
)
"""One line per front end, in the order their units are evaluated (an ``early`` one first)."""


@dataclass(frozen=True, slots=True)
class Language:
    """A kind of file a front end reads."""

    name: str
    """What :attr:`analyzer.discovery.SourceFile.language` says (``terraform``, ``tfvars``)."""
    suffixes: tuple[str, ...]
    """File name endings, lower case (``.tf``; ``.tfvars.json``): the longest match wins."""
    parsed: bool = True
    """Parsed in the parse stage (worker processes, parse cache); False: read by its units."""
    line_comment: str | None = None
    """What starts a comment that runs to the end of the line (``#``, ``//``); None: the language has
    none. A language with a JSON form (``.tfvars.json``) names the sign of its own syntax: JSON has no
    comments. Expectation markers (:mod:`analyzer.markers`) are written in such comments."""
    hidden: bool = False
    """Its files' names start with a dot (a lock file): the discovery lists them, although it skips
    other hidden files."""
    claims: Callable[[Path], bool] | None = None
    """A cheap look (the file's name, its first bytes) deciding whether a file with one of the suffixes
    is of this language at all (``.json`` is an ARM template only when it looks like one); None: every
    file with the suffix is. A file it does not claim is not scanned, silently."""


@dataclass(frozen=True, slots=True)
class CoveredComment:
    """A comment of a source file, with the lines an inline directive written in it covers."""

    line: int
    column: int
    text: str
    """The comment's text without its markers (``#``, ``//``, ``/* */``)."""
    first_line: int
    last_line: int


@dataclass(frozen=True, slots=True)
class ScanInputs:
    """Values given outside the code (command line, configuration, environment)."""

    var_files: tuple[Path, ...] = ()
    """Variable files named with ``--var-file``, in the order given (a later one wins)."""
    variables: tuple[tuple[str, str], ...] = ()
    """``--var NAME=VALUE`` pairs, in the order given."""
    environ: Mapping[str, str] | None = None
    """The environment to read variables from; None unless ``--env-vars`` is given."""
    roots: tuple[Path, ...] = ()
    """The resolved folders a front end may read files from besides the scanned files (a module
    folder a call names): the scanned root, and each folder named on the command line. Nothing
    outside them is read. Empty: the report root the scanned files are relative to."""
    parameter_files: tuple[tuple[Path, Path], ...] = ()
    """(template, parameter file) pairs named with ``--arm-parameters TEMPLATE=PARAMS``."""


@dataclass(slots=True)
class Evaluated:
    """One result of a unit, with the deployment variant it belongs to."""

    result: FileResult
    group: str | None = None
    """Results of one group with different environments are alternatives (one Bicep template with
    each of its parameter files): a variant takes one of them. None: part of every variant."""
    environment: str | None = None
    """The environment name (``dev``) within its group; None: the group's default, used by every
    environment the group has no result of its own for."""
    order: tuple[Any, ...] = ()
    """Where the front end places this result among its results (sorted by it, stably): a front end
    that evaluates its files in independent parts gives the order one evaluation of all would."""
    standalone: bool = False
    """Code that other scanned code calls as a module, evaluated on its own as well (a Terraform
    folder with resources, a Bicep template): it adds only the resources and diagnostics at places
    no other result has (:func:`without_repeats`), so a module's resources that its
    callers evaluate are checked once, with the callers' inputs, and those no caller evaluates
    (``count = 0``, ``if (false)``) are still checked."""


class Memo(Protocol):
    """Remembered records of the scanned tree (:class:`analyzer.cache.UnitIndex`, or nothing), under
    keys of plain data (strings, numbers, None and tuples of them) that name everything a record was
    computed from."""

    def get(self, key: tuple[Any, ...]) -> Any: ...

    def put(self, key: tuple[Any, ...], value: Any) -> None: ...

    def untracked(self) -> None: ...


class NoMemo:
    """Remembers nothing (``--no-cache``, or tests that call a front end directly)."""

    def get(self, key: tuple[Any, ...]) -> Any:
        return None

    def put(self, key: tuple[Any, ...], value: Any) -> None:
        return None

    def untracked(self) -> None:
        return None


def callers_first(nodes: list[str], calls: Mapping[str, set[str]]) -> list[str]:
    """``nodes`` ordered so that a node comes before those it calls (directly or not), ties and
    cycles in path order: standalone evaluations of modules are taken callers first, so a module's
    resources that a calling module also reaches are taken with the inputs it passes."""
    remaining = set(nodes)
    order: list[str] = []
    while remaining:
        called = {c for n in remaining for c in calls.get(n, ()) if c != n and c in remaining}
        ready = sorted(remaining - called) or sorted(remaining)[:1]  # a cycle: its first node
        order.append(ready[0])
        remaining.discard(ready[0])
    return order


def without_repeats(results: list[Evaluated]) -> list[Evaluated]:
    """The results, each :attr:`~analyzer.frontends.base.Evaluated.standalone` one (a module evaluated
    on its own as well as through its callers) keeping only the resources declared, and the
    diagnostics reported, at places (file and line) no other result has; standalone results are
    taken in order, each after the others. So one declaration is checked once: through its callers,
    with the inputs they pass, when any caller evaluates it, and on its own otherwise (a caller with
    ``count = 0``). Internal errors are always kept."""
    if not any(e.standalone for e in results):
        return results

    def place(location: Location) -> tuple[str, int]:
        return (location.path, location.line)

    declared = {place(r.location) for e in results if not e.standalone for r in e.result.resources}
    reported = {place(d.location) for e in results if not e.standalone for d in e.result.diagnostics}
    out = []
    for e in results:
        if not e.standalone:
            out.append(e)
            continue
        resources = [r for r in e.result.resources if place(r.location) not in declared]
        diagnostics = [d for d in e.result.diagnostics if d.internal or place(d.location) not in reported]
        declared.update(place(r.location) for r in resources)
        reported.update(place(d.location) for d in diagnostics)
        kept = FileResult(resources, diagnostics, list(e.result.notices), dict(e.result.masks),
                          list(e.result.unknowns))
        out.append(Evaluated(kept, e.group, e.environment, standalone=True))
    return out


def _always(_: Any) -> bool:
    return True


@dataclass(slots=True)
class Unit:
    """What a front end evaluates at once, and what its result depends on."""

    name: str
    """For messages and tests: the root folder, the template and parameter file, the YAML file."""
    key: tuple[Any, ...] | None
    """Plain data naming every input known before evaluation (files by their parse-cache keys,
    variable inputs, read limits); None: never remembered."""
    evaluate: Callable[[], tuple[list[Evaluated], Any]]
    """Runs the evaluation; returns its results and the dependencies it discovered while running
    (plain data that :attr:`unchanged` can check later, e.g. the module folders it read)."""
    unchanged: Callable[[Any], bool] = _always
    """Whether dependencies recorded by an earlier evaluation are still as they were."""
    ready: list[Evaluated] | None = field(default=None)
    """Results known without evaluating (file diagnostics found while forming units)."""
    remote: tuple[Any, ...] | None = None
    """Names the unit among its front end's units so that a parse worker, forming the same units
    from the same files, can evaluate it (``(kind, folder, ...)``: the worker that parsed ``folder``
    holds its parse trees); None: evaluated only in the scanning process."""
    probes: Callable[[Any], tuple[tuple[str, str], ...]] | None = None
    """What on disk :attr:`unchanged` looks at for these dependencies, as ``(kind, absolute path)``
    pairs (:func:`analyzer.replay.observe` kinds: ``stat``, ``real``), so that a rescan can tell
    they are unchanged from the files' status alone (the replay memo). None: the unit's dependencies
    are always None (it reads nothing but its key's files); a unit that reports dependencies and has
    no probes is never replayed."""


class FrontEnd(Protocol):
    name: str
    languages: tuple[Language, ...]
    early: bool
    """Evaluate while the parse workers still parse the other front ends' files."""
    data_modules: tuple[str, ...]
    """Modules whose dataclasses make up the parsed data (pickled as ``Class(*fields)``)."""
    distributions: tuple[str, ...]
    """The installed distributions its parse depends on (their versions are in parse-cache keys)."""

    def preload(self) -> None:
        """Load the parser (its grammar, its modules) now: called once before worker processes fork,
        so they share it instead of each loading it."""

    def parse(self, source: SourceFile) -> Any:
        """One file into plain picklable data, or a :class:`~analyzer.model.Diagnostic` when its
        syntax is wrong or it cannot be read; never raises."""

    def units(self, files: list[SourceFile], parsed: Mapping[str, Any], keys: Mapping[str, str | None],
              inputs: ScanInputs, memo: Memo) -> list[Unit]:
        """The units of ``files`` (this front end's files of the scan). ``parsed`` gives each parsed
        file's data by display path (read from the cache only when asked for), ``keys`` each file's
        parse-cache key (None: not cacheable); ``memo`` keeps per-file summaries the units need."""

    def comments(self, text: str, display: str) -> list[CoveredComment]:
        """The comments of one file of this front end, with the lines each covers."""

    # Optional: ``claims(name, head) -> str | None``, the language of a file that no registered
    # suffix names (a generic ``.json``), decided from its name and, only when the name leaves it
    # open, its first bytes (``head()`` reads them once, :data:`HEAD_BYTES` at most). See
    # :func:`claimed_language`.


HEAD_BYTES = 4096
"""How much of a file a front end's ``claims`` may look at."""


@cache
def front_ends() -> tuple[FrontEnd, ...]:
    """Every registered front end, imported on first use (a front end's package imports its parser
    lazily, so this is cheap)."""
    return tuple(importlib.import_module(name).FRONT_END for name in FRONT_END_MODULES)


@cache
def _languages() -> dict[str, tuple[FrontEnd, Language]]:
    out: dict[str, tuple[FrontEnd, Language]] = {}
    for front_end in front_ends():
        for language in front_end.languages:
            if language.name in out:
                raise RuntimeError(f"language {language.name} is registered twice")
            out[language.name] = (front_end, language)
    return out


@cache
def _suffixes() -> tuple[tuple[str, str], ...]:
    """(suffix, language) pairs, longest suffix first."""
    pairs = [(suffix, language.name) for _, language in _languages().values() for suffix in language.suffixes]
    return tuple(sorted(pairs, key=lambda pair: (-len(pair[0]), pair[0])))


def language_of(name: str, path: Path | None = None) -> str | None:
    """The language of a file name, by its longest registered suffix; None when no front end reads it.
    With the file's ``path``, a language that :attr:`~Language.claims` only some files of its suffix
    is skipped for a file it does not claim (the next language of a matching suffix is tried)."""
    for found, claims in _matching(name.lower()):
        if path is not None and claims is not None and not claims(path):
            continue
        return found
    return None


@lru_cache(maxsize=4096)
def _matching(lowered: str) -> tuple[tuple[str, Callable[[Path], bool] | None], ...]:
    """The languages whose suffixes end ``lowered``, longest suffix first, with their claims: file
    names repeat (``main.tf``), and the discovery asks for each of a tree's files."""
    languages = _languages()
    return tuple((found, languages[found][1].claims) for suffix, found in _suffixes() if lowered.endswith(suffix))


def claimed_language(name: str, head: Callable[[], bytes]) -> str | None:
    """The language of a file no suffix names, as the first front end whose ``claims(name, head)``
    takes it says (front ends claim disjoint contents: a plan's top-level keys, a template's
    ``$schema``); None: no front end reads it. ``head`` is called at most once, and only when a front
    end needs the file's first bytes."""
    read: list[bytes] = []

    def once() -> bytes:
        if not read:
            read.append(head())
        return read[0]

    for front_end in front_ends():
        claims = getattr(front_end, "claims", None)
        found = claims(name, once) if claims is not None else None
        if found is not None:
            return str(found)
    return None


def front_end_of(language: str) -> FrontEnd:
    return _languages()[language][0]


def language(name: str) -> Language:
    return _languages()[name][1]


def suffixes() -> tuple[str, ...]:
    """Every registered suffix, for help texts."""
    return tuple(sorted({suffix for suffix, _ in _suffixes()}))
