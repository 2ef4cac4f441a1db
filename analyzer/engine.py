"""One way through the house: files -> front ends -> graph -> policies -> a Report."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fleetiac.analyzer import __version__, postscan
from fleetiac.analyzer.config import Exclusion
from fleetiac.analyzer.discovery import discover
from fleetiac.analyzer.frontends.sources import DEFAULT_TIME_BUDGET, MAX_FILE_BYTES, ReadLimits, SourceFile, within
from fleetiac.analyzer.graph import FleetGraph
from fleetiac.analyzer.knowledge.aks_versions import RegionVersions, load_regional
from fleetiac.analyzer.model import (
    Diagnostic,
    FileResult,
    Finding,
    Level,
    Location,
    Report,
    Resource,
    ScanScope,
    internal_error,
)
from fleetiac.analyzer.rules import Rule, RuleContext, all_rules, select_rules
from fleetiac.analyzer.suppressions import SourceTexts

if TYPE_CHECKING:
    from fleetiac.analyzer.cache import UnitResults
    from fleetiac.analyzer.frontends.base import Evaluated


@dataclass(frozen=True)
class ScanOptions:
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    as_of: date = field(default_factory=date.today)
    show_unknown: bool = False
    operators: tuple[str, ...] = ()
    """Principals to treat as fleet operators besides those found from role assignments."""
    assignments: tuple[Path, ...] = ()
    """Role assignment and role definition exports (``--assignments``), read by :func:`scan`."""
    var_files: tuple[Path, ...] = ()
    """Variable files named with ``--var-file``, in the order given (a later one wins)."""
    aks_versions: tuple[Path, ...] = ()
    """Regional version data (``--aks-versions``): files printed by ``az aks get-versions``."""
    variables: tuple[tuple[str, str], ...] = ()
    """``--var NAME=VALUE`` pairs, in the order given."""
    parameter_files: tuple[tuple[Path, Path], ...] = ()
    """(template, parameter file) pairs (``--arm-parameters TEMPLATE=PARAMS``)."""
    env_vars: bool = False
    """Read variables from the environment (``--env-vars``)."""
    exclude: tuple[str | Exclusion, ...] = ()
    """Glob patterns of paths (files or folders) not to scan: a string is relative to the report root,
    an :class:`~analyzer.config.Exclusion` to its own folder (``--exclude``: the current folder; a
    configuration's ``exclude``: the file's folder)."""
    levels: tuple[tuple[str, str], ...] = ()
    """Per-rule level overrides: (rule ID, ``error``/``warning``/``note``)."""
    inline_suppressions: bool = True
    """Honour ``fleetiac:ignore`` comments (``--no-inline-suppressions`` turns them off)."""
    cache: bool = True
    """Read and write the parse cache in the user cache folder (``--no-cache`` turns it off)."""
    workers: int | None = None
    """Parse in this many processes; None: one per available core, 1: in this process."""
    progress: bool | None = None
    """Show parse progress on stderr; None: only when stderr is a terminal."""
    max_file_size: int = MAX_FILE_BYTES
    """Bytes; a larger file is reported (FIAC901) and never read (``--max-file-size``, in MB)."""
    parse_timeout: float | None = DEFAULT_TIME_BUDGET
    """Seconds one file may take to parse before it is reported and skipped; None: no limit."""
    manifests: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """``[manifests]`` of the configuration: glob of manifest paths -> addresses of the fleets they target."""
    unreadable_fleet_files: str = "error"
    """``error``: a file that declares Fleet Manager resources and cannot be read is a FIAC901 error (the
    default gate fails: its fleet was never checked); ``warn``: a warning like any unreadable file."""
    line_hashes: bool = True
    """Compute GitHub's ``primaryLocationLineHash`` of each finding (only SARIF shows it: the CLI turns
    it off for other formats, since it reads and hashes every file with a finding)."""
    snippets: bool = False
    """Put the source lines of the findings (and of their related resources) in the report, for the
    text format's code frames: the CLI turns it on when it writes text, since it reads every file with
    a finding again."""


STAGE_SECONDS: dict[str, float] = {}
"""Wall seconds of the stages of this process's last :func:`scan` (``parse``, ``evaluate``, ``rules``),
for ``make bench``; no report ever shows them. With workers, ``parse`` overlaps the first evaluations."""


def parse_stage(files: list[SourceFile], options: ScanOptions, first: tuple[str, ...] = (),
                when_first: Any = None, cache_root: Path | None = None, stats: Any = None,
                grammar_root: Path | None = None, kept: tuple[str, ...] = (), when_done: Any = None,
                idle: Callable[[], Iterator[None]] | None = None) -> Any:
    """Every file of a parsed language parsed once (cache, then worker processes), by display path;
    entries the cache holds are read only when asked for (``.cache_keys``: each file's cache key).
    ``cache_root`` is the trusted cache folder (None: no cache); ``grammar_root`` one that compiled
    grammars may be read from, never written to (``--no-cache``)."""
    from fleetiac.analyzer.parsestage import parse_lazily

    return parse_lazily(files, cache_root=cache_root if options.cache else None, workers=options.workers,
                        progress=options.progress, first=first, when_first=when_first, stats=stats,
                        grammar_root=grammar_root, kept=kept, when_done=when_done, idle=idle)


@dataclass
class Loaded:
    """What the front ends produced for a scan."""

    evaluated: Callable[[], list[Evaluated]]
    """Every result of the front ends, in order (:func:`~analyzer.frontends.base.without_repeats`
    applied): the results found in the unit index are unpickled only when this is first called, as
    :attr:`variants` does (a rescan whose findings are cached seldom needs them)."""
    diagnostics: list[Diagnostic]
    notices: list[str]
    """What could not be analysed (modules not downloaded), one line each."""
    identity: str | None = None
    """Names the variants' content (the unit cache's trail): equal identities, equal resources. None
    without the cache or when some result did not come through it."""
    quiet: frozenset[str] = frozenset()
    """Scanned files already read here and known to hold no suppression directive."""
    cache_root: Path | None = None
    """The cache folder the scan used (None: no cache, or it was refused)."""
    masks: dict[str, str] = field(default_factory=dict)
    """Texts no message may show, with what to show instead (see :attr:`FileResult.masks`)."""
    unknowns: list[tuple[Location, str]] = field(default_factory=list)
    """Input the front ends skipped as unreadable (see :attr:`FileResult.unknowns`): FIAC902 notes."""
    declared: dict[str, tuple[str, Location]] | None = None
    """Where each resource address is first declared (see :func:`analyzer.postscan.declarations`),
    when known without :attr:`variants` (remembered with the load's identity); else None."""
    probes: tuple[tuple[str, str], ...] | None = None
    """What on disk the units' dependencies depend on besides the scanned files (see
    :attr:`~analyzer.frontends.base.Unit.probes`); None when some unit's cannot be told that way."""

    @cached_property
    def variants(self) -> list[list[Resource]]:
        """One resource list per *variant* of the deployment (a template evaluated with each of its
        parameter files gives one variant each)."""
        return _variants(self.evaluated())

    def declarations(self) -> dict[str, tuple[str, Location]]:
        """:attr:`declared`, from :attr:`variants` when it is not known."""
        if self.declared is None:
            self.declared = postscan.declarations(self.variants)
        return self.declared


LOADED_RECORD = "loaded-1"
"""The unit index's key of what a load derives from its results (see :func:`_derived`); named
anew when that changes."""


def load(files: list[SourceFile], options: ScanOptions | None = None,
         while_parsing: Callable[[], Iterator[None]] | None = None, roots: tuple[Path, ...] = (),
         scanned: tuple[Path, ...] = ()) -> Loaded:
    """Run the front ends on ``files``. ``while_parsing`` is done in this process while worker
    processes parse and evaluate (when there are any), a step per ``next`` of what it returns,
    whenever this process would otherwise wait for them: work for later stages that overlaps theirs.
    ``roots`` are the resolved folders the front ends may read other files from (see
    :func:`readable_roots`); empty: the report root of ``files``. The cache is used only outside the
    files' tree and every ``scanned`` path (see :func:`analyzer.cache.open_cache`)."""
    from fleetiac.analyzer.cache import gc_paused

    # While every file's parse tree is alive, each full collection walks millions of objects that
    # cannot be garbage (0.3 s of the benchmark's evaluation); cycles made here wait until
    # the trees are gone.
    with gc_paused():
        return _load(files, options or ScanOptions(), while_parsing, roots, scanned)


def readable_roots(root: Path, paths: list[Path]) -> tuple[Path, ...]:
    """Where a scan may read files the discovery did not list (a module folder a call names): the
    scanned root (the report root: the git root above the first path, else its folder), and each
    folder named on the command line that is not inside it. Resolved, after symbolic links."""
    roots = [root.resolve()]
    for path in paths:
        real = path.resolve()
        if real.is_dir() and not within(real, roots):
            roots.append(real)
    return tuple(roots)


def _load(files: list[SourceFile], options: ScanOptions, while_parsing: Callable[[], Iterator[None]] | None,
          roots: tuple[Path, ...], scanned: tuple[Path, ...]) -> Loaded:
    from fleetiac.analyzer.cache import evaluate_units_lazily, unit_results
    from fleetiac.analyzer.frontends.base import Evaluated, Memo, NoMemo, ScanInputs, front_ends, without_repeats

    inputs = ScanInputs(options.var_files, options.variables, os.environ if options.env_vars else None, roots,
                        options.parameter_files)
    memo: Memo = NoMemo()
    index = None
    cache_root: Path | None = None
    cache_notices: list[str] = []
    # The scanned tree's root (files' paths minus their display paths).
    scope = files[0].path.as_posix()[: -len(files[0].display)] if files else ""
    trees = [*scanned, *([Path(scope)] if scope else [])]  # where no cache folder may lie
    if options.cache:
        from fleetiac.analyzer.cache import UnitIndex, open_cache

        use = open_cache(trees)
        cache_root = use.root
        cache_notices = [use.notice] if use.notice else []
    if cache_root is not None:
        # One index per scanned tree (its discovered root and file set's folders are in the keys too).
        memo = index = UnitIndex(cache_root, scope)
    ordered = sorted(front_ends(), key=lambda f: not f.early)  # stable: registry order otherwise
    files_of = {fe.name: [f for f in files if f.language in {lang.name for lang in fe.languages}] for fe in ordered}
    evaluated: dict[str, list[UnitResults]] = {}
    watched: list[tuple[tuple[str, str], ...] | None] = []
    """Each evaluated unit's probes (see :attr:`Loaded.probes`)."""

    def evaluate(front_end: Any, parsed: Any) -> None:
        from fleetiac.analyzer.cache import Offered

        front_files = files_of[front_end.name]
        # Per-file records the workers sent instead of the parse trees they kept.
        given = Offered(memo, getattr(parsed, "summaries", None) or {})
        try:
            units = front_end.units(front_files, parsed, parsed.cache_keys, inputs, given) if front_files else []
        except Exception as error:  # a front end's bug: its files are not analysed, the scan fails
            where = Location(min(f.display for f in front_files), 1, 1)
            failed = internal_error(where, f"forming the {front_end.name} units", error)
            memo.untracked()
            evaluated[front_end.name] = [[Evaluated(FileResult(diagnostics=[failed]))]]
            return
        far = getattr(parsed, "remote", None)

        def remote(wanted: list[tuple[Any, ...]]) -> Any:
            # With the records used here (the unit index's too), so the workers need no tree to form the units.
            return far(front_end.name, front_files, parsed.cache_keys, inputs, wanted, given.seen)  # type: ignore[misc]

        # Each unit's results; those of the unit index are unpickled when asked for (see results()).
        evaluated[front_end.name] = evaluate_units_lazily(units, memo, remote if far is not None else None, watched)

    early = [fe for fe in ordered if fe.early]

    def while_others_parse(parsed: Any) -> None:
        """Early front ends evaluated while the workers still parse the others' files; any failure
        here is left to the same evaluation afterwards (which then reports it as it would have)."""
        try:
            for front_end in early:
                evaluate(front_end, parsed)
        except Exception:
            evaluated.clear()

    first = tuple(lang.name for fe in early for lang in fe.languages)
    from fleetiac.analyzer.parsestage import ParseStats

    stats = ParseStats()
    grammar_root = None
    if not options.cache:
        from fleetiac.analyzer.cache import existing_cache

        # --no-cache reads and writes no results, but a grammar compiled by an earlier scan into a
        # trusted cache folder is still loaded (verified, never written): building one takes seconds.
        grammar_root = existing_cache(trees)
    began = time.perf_counter()
    def when_all_parsed(parsed: Any) -> None:
        """The other front ends evaluated while the workers still run (their units in the workers);
        a failure here is left to the same evaluation afterwards."""
        late = [fe for fe in ordered if fe.name not in evaluated]
        try:
            for front_end in late:
                evaluate(front_end, parsed)
        except Exception:
            for front_end in late:
                evaluated.pop(front_end.name, None)

    # Files of the front ends that can summarize them stay in the workers, which evaluate their units.
    kept = tuple(lang.name for fe in ordered if hasattr(fe, "summarize") for lang in fe.languages)
    parsed = parse_stage(files, options, first, while_others_parse, cache_root, stats, grammar_root, kept,
                         when_all_parsed, while_parsing)
    STAGE_SECONDS["parse"] = time.perf_counter() - began
    for front_end in ordered:
        if front_end.name not in evaluated:
            evaluate(front_end, parsed)
    done: list[list[Evaluated]] = []

    def results() -> list[Evaluated]:
        """Every result, in order: by front end, each front end's in the order one evaluation of all
        its files gives (a front end evaluating in parts says it), without repeats."""
        if not done:
            out: list[Evaluated] = []
            for fe in ordered:
                found = unit_results(evaluated[fe.name])
                out.extend(sorted(found, key=lambda e: e.order) if any(e.order for e in found) else found)
            done.append(without_repeats(out))
        return done[0]

    identity = index.trail() if index is not None else None
    # What the report needs of the results besides the rules' findings is remembered with the
    # identity (equal identities, equal results), so a rescan whose findings are cached need not
    # unpickle the results.
    derived = index.recall((LOADED_RECORD, identity)) if index is not None and identity is not None else None
    if not (isinstance(derived, tuple) and len(derived) == 5):
        derived = _derived(results())
        if index is not None and identity is not None:
            index.keep((LOADED_RECORD, identity), derived)
    if index is not None:
        index.save()  # before the rules see (and could touch) the resources
    if cache_root is not None:
        from fleetiac.analyzer.cache import maybe_prune, save_stores

        save_stores(cache_root)  # entries parsed again while evaluating, and the tree's tables
        maybe_prune(cache_root, stats.parsed)
    diagnostics, notices, masks, unknowns, declared = derived
    probes = None if any(p is None for p in watched) else tuple(sorted({x for p in watched for x in p or ()}))
    return Loaded(results, diagnostics, sorted(set(notices) | set(cache_notices)), identity,
                  frozenset(parsed.quiet), cache_root, masks, unknowns, declared, probes)


def _derived(results: list[Evaluated]) -> tuple[Any, ...]:
    """What :class:`Loaded` holds of ``results`` besides the resources: their diagnostics, notices,
    masks and unknown inputs, and where each address is declared."""
    return ([d for e in results for d in e.result.diagnostics],
            sorted({notice for e in results for notice in e.result.notices}),
            {text: name for e in results for text, name in e.result.masks.items()},
            sorted({u for e in results for u in e.result.unknowns}, key=lambda u: (u[0].sort_key(), u[1])),
            postscan.declarations(_variants(results)))


def _variants(results: list[Evaluated]) -> list[list[Resource]]:
    """One resource list per environment. An environment is named by the front ends (after a
    parameter file: ``dev`` for the ``dev`` parameters of each template): groups are evaluated together
    only with the values of the same environment, so one template's dev values never meet another's
    prod values. A result without a group belongs to every environment; a group without results of
    its own for an environment joins it with its default (environment None), and only when it has
    one (pairing it with another environment's values could report what no deployment does)."""
    shared = [r for e in results if e.group is None for r in e.result.resources]
    by_group: dict[str, dict[str | None, list[Resource]]] = {}
    for e in results:
        if e.group is not None:
            by_group.setdefault(e.group, {}).setdefault(e.environment, []).extend(e.result.resources)
    names: list[str | None] = [*sorted({name for groups in by_group.values() for name in groups if name is not None})]
    variants = []
    for name in names or [None]:  # with no environment named, one variant of the defaults
        resources = list(shared)
        for environments in by_group.values():
            chosen = environments.get(name, environments.get(None))
            if chosen is not None:
                resources.extend(chosen)
        variants.append(resources)
    return variants


def read_exports(paths: tuple[Path, ...]) -> Any:
    """The ``--assignments`` files, read and merged (:class:`~analyzer.knowledge.roles.Exports`);
    raises :class:`~analyzer.knowledge.roles.ExportError` for a file that cannot be read or is no export."""
    import hashlib

    from fleetiac.analyzer.knowledge.roles import ExportError, merge_exports, read_export

    read = []
    digest = hashlib.sha256()
    for path in paths:
        try:
            data = path.read_bytes()
            # PowerShell 5's `>` writes UTF-16 with a byte order mark; other shells UTF-8.
            text = data.decode("utf-16") if data[:2] in (b"\xff\xfe", b"\xfe\xff") else data.decode("utf-8-sig")
        except FileNotFoundError:
            raise ExportError(f"{path}: --assignments names no file") from None
        except (OSError, UnicodeDecodeError) as error:
            raise ExportError(f"{path}: cannot read: {getattr(error, 'strerror', None) or error}") from None
        read.append(read_export(text, path.name))
        digest.update(text.encode("utf-8", "surrogatepass") + b"\0")
    return merge_exports(read, digest.hexdigest() if paths else "")


def run_rules(graph: FleetGraph, rules: list[Rule], options: ScanOptions,
              notices: list[str] | None = None,
              failures: list[Diagnostic] | None = None, exports: Any = None,
              regional: dict[str, RegionVersions] | None = None) -> tuple[list[Finding], list[Finding]]:
    """Run ``rules`` on ``graph``; notices the rules give are appended to ``notices`` (deduplicated),
    and a rule that crashes is an internal error appended to ``failures`` (the other rules still run,
    and the scan fails: a crash must never pass the gate). ``exports``: the ``--assignments`` exports,
    ``regional``: the regional version data (each read from ``options`` when not given)."""
    if regional is None and options.aks_versions:
        regional = load_regional(options.aks_versions)
    context = RuleContext(graph, options.as_of, options.operators,
                          exports if exports is not None else read_exports(options.assignments), regional=regional)
    for rule in rules:
        if rule.check is None:
            continue
        context.current = rule.info
        reported = len(context.findings), len(context.skipped)
        try:
            rule.check(context)
        except RecursionError:
            # A value nested just under the parsers' limit can be too deep for a rule's walk: that
            # rule is skipped on this graph (said in a notice); the other rules still run.
            context.notice(f"{rule.info.id} was skipped: a value in the scanned code is nested too deeply")
        except Exception as error:  # a rule's bug: its partial findings are dropped, the scan fails
            del context.findings[reported[0]:], context.skipped[reported[1]:]
            if failures is None:
                raise
            failures.append(internal_error(Location(".", 1, 1), f"running rule {rule.info.id}", error))
    if notices is not None:
        notices.extend(n for n in context.notices if n not in notices)
    return context.findings, context.skipped


def scan_scope(root: Path, paths: list[Path], options: ScanOptions) -> ScanScope:
    """The scanned folders as display paths (a file's: its folder), and the configured manifest targets."""
    from fleetiac.analyzer.discovery import display_of

    roots = []
    for path in paths or [Path(".")]:
        real = path.resolve()
        folder = real if real.is_dir() else real.parent
        roots.append(display_of(folder, root.resolve()))
    return ScanScope(tuple(sorted(set(roots))), options.manifests)


def _checked(loaded: Loaded, rules: list[Rule], options: ScanOptions, notices: list[str],
             failures: list[Diagnostic], scope: ScanScope | None = None, exports: Any = None,
             regional: dict[str, RegionVersions] | None = None) -> tuple[set[Finding], set[Finding]]:
    """The rules' findings and skipped decisions on every variant; the rules' notices are added to
    ``notices``, their crashes to ``failures`` (results with a crash are not remembered). Rules are
    pure functions of the resources, the date, the operators and fleetiac's code and data, so with
    the cache on, their results are remembered under exactly those (the resources by the load's
    identity) and an unchanged tree is not checked again."""
    store = key = None
    if regional is None and options.aks_versions:
        regional = load_regional(options.aks_versions)
    if loaded.cache_root is not None and loaded.identity is not None:
        from fleetiac.analyzer.cache import ParseCache, digest_of, rules_fingerprint

        store = ParseCache(loaded.cache_root, "findings")
        key = digest_of("findings", rules_fingerprint(), loaded.identity, options.as_of.isoformat(),
                        tuple(options.operators), exports.digest if exports is not None else "",
                        tuple(r.info.id for r in rules), repr(regional), repr(scope))
        cached, value = store.load(key)
        if cached and isinstance(value, tuple) and len(value) == 3:
            notices.extend(n for n in value[2] if n not in notices)
            return value[0], value[1]
    every: list[Finding] = []
    every_skipped: list[Finding] = []
    rule_notices: list[str] = []
    crashed: list[Diagnostic] = []
    for resources in loaded.variants:
        found, unknown = run_rules(FleetGraph(resources, scope), rules, options, rule_notices, crashed, exports,
                                   regional)
        every.extend(found)
        every_skipped.extend(unknown)
    # The same finding from several variants is one, naming each variant's parameter file.
    findings, skipped = set(postscan.merged(every)), set(postscan.merged(every_skipped))
    failures.extend(dict.fromkeys(crashed))
    if store is not None and key is not None and not crashed:
        import pickle

        store.store(key, pickle.dumps((findings, skipped, rule_notices), pickle.HIGHEST_PROTOCOL))
    notices.extend(n for n in rule_notices if n not in notices)
    return findings, skipped


@dataclass
class Graphs:
    """The graphs of a scan, without running the rules: what ``fleetiac rollout``, ``access`` and
    ``graph`` show (:mod:`analyzer.views`)."""

    root: Path
    graphs: list[FleetGraph]
    """One per deployment variant (see :attr:`Loaded.variants`), built as :func:`scan` builds them."""
    exports: Any
    """The ``--assignments`` exports (:class:`~analyzer.knowledge.roles.Exports`)."""
    regional: dict[str, RegionVersions] | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)


def load_graphs(paths: list[Path], options: ScanOptions | None = None) -> Graphs:
    """The same discovery, evaluation and graph as :func:`scan`, one graph per deployment variant; no
    rule runs (:func:`rule_findings` runs some on a graph)."""
    options = options or ScanOptions()
    exports = read_exports(options.assignments)
    regional = load_regional(options.aks_versions) if options.aks_versions else None
    walk_problems: list[Diagnostic] = []
    limits = ReadLimits(max_bytes=options.max_file_size, time_budget=options.parse_timeout)
    root, files = discover(paths, limits=limits, problems=walk_problems)
    files = postscan.exclude(files, options.exclude)
    loaded = load(files, options, roots=readable_roots(root, paths or [Path(".")]), scanned=(root, *paths))
    scope = scan_scope(root, paths, options)
    return Graphs(root, [FleetGraph(resources, scope) for resources in loaded.variants], exports, regional,
                  [*walk_problems, *loaded.diagnostics])


def rule_findings(graph: FleetGraph, rule_ids: tuple[str, ...], options: ScanOptions, exports: Any = None,
                  regional: dict[str, RegionVersions] | None = None) -> list[Finding]:
    """The findings of the rules ``rule_ids`` on ``graph``, as :func:`scan` runs them (before
    suppressions and level overrides), sorted."""
    rules = select_rules(all_rules(), rule_ids, ())
    found, _ = run_rules(graph, rules, options, exports=exports, regional=regional)
    return sorted(set(found), key=Finding.sort_key)


CATALOG_RECORD = "catalog-1"
"""Names the remembered rule catalog (see :func:`rule_catalog`); named anew when its layout changes."""


def rule_catalog(cache_root: Path | None) -> list[Rule]:
    """Every rule, as :func:`~analyzer.rules.all_rules` gives them. With a cache folder and the rules'
    modules not imported yet, their descriptions remembered by an earlier scan under the same code
    (fleetiac's and the rules', :func:`~analyzer.cache.rules_fingerprint`, and the example files'
    names) stand in for them: equal metadata, and checks that import the rules' modules when they
    run. A rescan whose findings are cached runs no rule: importing every rule's module (and the
    access graph's) was a tenth of it."""
    from fleetiac.analyzer import rules as registry

    listing = registry.example_listing() if cache_root is not None and not registry.imported() else None
    if cache_root is None or listing is None:
        return all_rules()
    import pickle
    import sys

    from fleetiac.analyzer.cache import ParseCache, digest_of, rules_fingerprint

    store = ParseCache(cache_root, "findings")
    key = digest_of(CATALOG_RECORD, rules_fingerprint(), listing, sys.flags.optimize)
    found, value = store.load(key)
    if found and isinstance(value, list) and value:
        try:
            return [registry.from_description(entry) for entry in value]
        except Exception:  # written by other code: imported after all
            pass
    catalog = all_rules()
    store.store(key, pickle.dumps([registry.described(r) for r in catalog], pickle.HIGHEST_PROTOCOL))
    return catalog


def _ready_for_rules() -> Iterator[None]:
    """Import the graph library and the rules (0.1-0.3 s) while the workers parse, instead of
    afterwards with a core idle: in two steps, so that this process answers the workers in between.
    Without workers it is not called: the same imports then happen when the rules run, or not at
    all when their findings are cached."""
    import networkx  # noqa: F401

    yield
    all_rules()


@dataclass
class ScanTrace:
    """What a scan read, for the replay memo (:mod:`analyzer.replay`): filled in by :func:`scan`."""

    walked: Any = None
    """The discovery walk's folders and entries (:class:`~analyzer.discovery.Walked`)."""
    root: Path | None = None
    scanned: tuple[str, ...] = ()
    """The scanned files' paths."""
    probes: tuple[tuple[str, str], ...] | None = None
    """What the units read besides the scanned files (:attr:`Loaded.probes`)."""
    replayable: bool = False
    """Whether the report follows from the files and options alone: every unit's result came through
    the unit index (none depends on the machine, as a parse timeout does), the cache folder was used,
    and every folder could be listed."""


def scan(paths: list[Path], options: ScanOptions | None = None, trace: ScanTrace | None = None) -> Report:
    options = options or ScanOptions()
    exports = read_exports(options.assignments)  # first: a file that is no export is a usage error
    # Read first, and once: a file that cannot be read stops the scan before it starts.
    regional = load_regional(options.aks_versions) if options.aks_versions else None
    walk_problems: list[Diagnostic] = []  # folders that could not be listed
    limits = ReadLimits(max_bytes=options.max_file_size, time_budget=options.parse_timeout)
    if trace is not None:
        from fleetiac.analyzer.discovery import Walked

        trace.walked = Walked()
    root, files = discover(paths, limits=limits, problems=walk_problems, walked=trace.walked if trace else None)
    unused_exclusions = postscan.unused_exclusions(files, options.exclude, root)
    files = postscan.exclude(files, options.exclude)
    STAGE_SECONDS.clear()
    began = time.perf_counter()
    loaded = load(files, options, while_parsing=_ready_for_rules, roots=readable_roots(root, paths or [Path(".")]),
                  scanned=(root, *paths))
    STAGE_SECONDS["evaluate"] = time.perf_counter() - began - STAGE_SECONDS.get("parse", 0.0)
    if trace is not None:
        trace.root, trace.probes, trace.scanned = root, loaded.probes, tuple(f.path.as_posix() for f in files)
        trace.replayable = (loaded.cache_root is not None and loaded.identity is not None and not walk_problems
                            and loaded.probes is not None)
    catalog = rule_catalog(loaded.cache_root)
    rules = select_rules(catalog, options.select, options.ignore)
    selected = {r.info.id for r in rules}
    # Failures of our own code are kept apart: never FIAC901, never filtered, suppressed or baselined.
    internal = sorted({d for d in loaded.diagnostics if d.internal}, key=lambda d: (d.location.sort_key(), d.message))
    diagnostics = [*walk_problems, *(d for d in loaded.diagnostics if not d.internal)]
    notices = loaded.notices
    crashed: list[Diagnostic] = []
    began = time.perf_counter()
    findings, skipped = _checked(loaded, rules, options, notices, crashed, scan_scope(root, paths, options), exports,
                                 regional)
    skipped = skipped | {Finding("FIAC902", Level.NOTE, message, location) for location, message in loaded.unknowns}
    STAGE_SECONDS["rules"] = time.perf_counter() - began
    internal = sorted({*internal, *crashed}, key=lambda d: (d.location.sort_key(), d.message))
    fleet_level = Level.ERROR if options.unreadable_fleet_files == "error" else Level.WARNING
    if "FIAC901" in selected:
        for diagnostic in diagnostics:
            level = fleet_level if diagnostic.unread and diagnostic.declares_fleet else Level.WARNING
            findings.add(Finding("FIAC901", level, _unread_message(diagnostic), diagnostic.location))
    notices = [*notices, *_unread_notices(diagnostics), *unused_exclusions]
    shown_skips = sorted(skipped, key=Finding.sort_key) if options.show_unknown and "FIAC902" in selected else []
    rule_infos = {r.info.id: r.info for r in rules}
    texts = SourceTexts(root, max_bytes=options.max_file_size, quiet=loaded.quiet)
    active: list[Finding] = list(findings.union(shown_skips))
    suppressed: list[Finding] = []
    unused: list[Diagnostic] = []
    if options.inline_suppressions:
        complete = not (diagnostics or internal or loaded.unknowns)
        ran = postscan.evaluated_rules(selected, {r.info.id for r in rules if r.check is not None}, skipped, notices,
                                       complete, options.show_unknown, regional is not None)
        active, suppressed = postscan.suppress(active, files, texts, {r.info.id for r in catalog}, options.as_of,
                                               report_invalid="FIAC903" in selected, unused=unused, ran=ran)
    suppressed, _ = postscan.override_levels(suppressed, rule_infos, options.levels)
    active, rule_infos = postscan.override_levels(active, rule_infos, options.levels)
    if loaded.masks:
        active, suppressed, shown_skips, diagnostics, notices, internal = _masked(
            loaded.masks, active, suppressed, shown_skips, diagnostics, notices, internal)
    active = postscan.with_related(sorted(set(active), key=Finding.sort_key), where=loaded.declarations())
    suppressed = postscan.with_related(sorted(set(suppressed), key=Finding.sort_key), where=loaded.declarations())
    return Report(
        findings=active,
        suppressed=suppressed,
        diagnostics=sorted(set(diagnostics), key=lambda d: (d.location.sort_key(), d.message)),
        line_hashes=postscan.hashes_for([*active, *suppressed], texts) if options.line_hashes else {},
        rules=rule_infos,
        root=root.as_posix(),
        files_scanned=len(files),
        tool_version=__version__,
        as_of=options.as_of.isoformat(),
        skipped=shown_skips,
        notices=notices,
        internal_errors=internal,
        unused_suppressions=unused,
        unread_fleet_level=fleet_level,
        snippets={path: {n: _mask(text, loaded.masks) for n, text in lines.items()} if loaded.masks else lines
                  for path, lines in postscan.snippets_for([*active, *suppressed], texts, root).items()}
        if options.snippets else {},
    )


def _unread_message(diagnostic: Diagnostic) -> str:
    """A FIAC901 message, saying (in every format) when nothing in the file was checked."""
    if not diagnostic.unread:
        return diagnostic.message
    if diagnostic.declares_fleet:
        if diagnostic.message.endswith("not analysed"):
            return f"{diagnostic.message}, and it declares Fleet Manager resources"
        return (f"{diagnostic.message}; none of this file's resources were checked, and it declares Fleet Manager "
                "resources")
    if diagnostic.message.endswith("not analysed"):  # it says so already (a file too large to read)
        return diagnostic.message
    return f"{diagnostic.message}; none of this file's resources were checked"


def _unread_notices(diagnostics: list[Diagnostic]) -> list[str]:
    """The notice saying which files were not read at all, so none of their resources were checked."""
    unread = sorted({d.location.path: d.declares_fleet for d in diagnostics if d.unread}.items())
    if not unread:
        return []
    shown = [f"{path} (it declares Fleet Manager resources)" if fleet else path for path, fleet in unread[:10]]
    more = f" and {len(unread) - 10} more" if len(unread) > 10 else ""
    if len(unread) == 1:
        return [f"1 file could not be read, so none of its resources were checked: {shown[0]}"]
    return [f"{len(unread)} files could not be read, so none of their resources were checked: "
            f"{', '.join(shown)}{more}"]


def _mask(text: str, masks: dict[str, str]) -> str:
    for secret in sorted(masks, key=lambda t: (-len(t), t)):  # longest first: a value inside another
        if secret in text:
            text = text.replace(secret, masks[secret])
    return text


def _masked(masks: dict[str, str], findings: list[Finding], suppressed: list[Finding], skipped: list[Finding],
            diagnostics: list[Diagnostic], notices: list[str], internal: list[Diagnostic]) -> tuple[Any, ...]:
    """Every text of the report with each of ``masks`` replaced (``--env-vars`` values by their
    variable's name), as CI systems mask secrets in logs."""
    from dataclasses import replace

    def finding(f: Finding) -> Finding:
        return replace(f, message=_mask(f.message, masks), hint=_mask(f.hint, masks),
                       resource=_mask(f.resource, masks), related=tuple(_mask(r, masks) for r in f.related))

    def diagnostic(d: Diagnostic) -> Diagnostic:
        return replace(d, message=_mask(d.message, masks), detail=_mask(d.detail, masks))

    return ([finding(f) for f in findings], [finding(f) for f in suppressed], [finding(f) for f in skipped],
            [diagnostic(d) for d in diagnostics], [_mask(n, masks) for n in notices],
            [diagnostic(d) for d in internal])


def exit_code(report: Report, fail_on: str) -> int:
    """2 when fleetiac's own code failed on part of the tree (whatever ``fail_on`` says: the scan is
    incomplete), else 0 when no finding is at or above ``fail_on`` (``never`` never fails), else 1."""
    if report.internal_errors:
        return 2
    if fail_on == "never":
        return 0
    threshold = Level(fail_on).rank
    return 1 if any(f.level.rank >= threshold for f in report.findings) else 0
