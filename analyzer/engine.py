"""One way through the house: files -> front ends -> graph -> policies -> a Report."""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Any

from analyzer import __version__, postscan
from analyzer.discovery import SourceFile, discover
from analyzer.graph import FleetGraph
from analyzer.model import Diagnostic, FileResult, Finding, Level, Report, Resource
from analyzer.rules import Rule, RuleContext, all_rules, select_rules
from analyzer.sources import DEFAULT_TIME_BUDGET, MAX_FILE_BYTES, ReadLimits
from analyzer.suppressions import SourceTexts


@dataclass(frozen=True)
class ScanOptions:
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    as_of: date = field(default_factory=date.today)
    show_unknown: bool = False
    operators: tuple[str, ...] = ()
    """Principals to treat as fleet operators besides those found from role assignments."""
    var_files: tuple[Path, ...] = ()
    """Terraform ``--var-file`` files, in the order given (a later one wins)."""
    variables: tuple[tuple[str, str], ...] = ()
    """Terraform ``--var NAME=VALUE`` pairs, in the order given."""
    env_vars: bool = False
    """Read Terraform variables from ``TF_VAR_*`` environment variables."""
    exclude: tuple[str, ...] = ()
    """Glob patterns of root-relative paths (files or folders) not to scan."""
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
    line_hashes: bool = True
    """Compute GitHub's ``primaryLocationLineHash`` of each finding (only SARIF shows it: the CLI turns
    it off for other formats, since it reads and hashes every file with a finding)."""


def parse_stage(files: list[SourceFile], options: ScanOptions, first: tuple[str, ...] = (),
                when_first: Any = None) -> Any:
    """Every Terraform and Bicep file parsed once (cache, then worker processes), by display path;
    entries the cache holds are read only when asked for (``.keys``: each file's cache key)."""
    from analyzer.cache import cache_dir
    from analyzer.parsestage import parse_lazily

    return parse_lazily(files, cache_root=cache_dir() if options.cache else None, workers=options.workers,
                        progress=options.progress, first=first, when_first=when_first)


@dataclass
class Loaded:
    """What the front ends produced for a scan."""

    variants: list[list[Resource]]
    """One resource list per *variant* of the deployment (a Bicep template evaluated with each of its
    ``.bicepparam`` files gives one variant each)."""
    diagnostics: list[Diagnostic]
    notices: list[str]
    """What could not be analysed (modules not downloaded), one line each."""
    identity: str | None = None
    """Names the variants' content (the unit cache's trail): equal identities, equal resources. None
    without the cache or when some result did not come through it."""
    quiet: frozenset[str] = frozenset()
    """Scanned files already read here and known to hold no suppression directive."""


def load(files: list[SourceFile], options: ScanOptions | None = None,
         while_parsing: Callable[[], None] | None = None) -> Loaded:
    """Run the front ends on ``files``. ``while_parsing`` is called in this process while worker
    processes still parse (when there are any): work for later stages that overlaps the parse."""
    from analyzer.cache import gc_paused

    # While every file's parse tree is alive, each full collection walks millions of objects that
    # cannot be garbage (0.3 s of the benchmark's Bicep evaluation); cycles made here wait until
    # the trees are gone.
    with gc_paused():
        return _load(files, options or ScanOptions(), while_parsing)


def _load(files: list[SourceFile], options: ScanOptions, while_parsing: Callable[[], None] | None) -> Loaded:
    from analyzer.frontends.terraform import VariableInputs, load_terraform, load_terraform_cached

    inputs = VariableInputs(options.var_files, options.variables, os.environ if options.env_vars else None)

    terraform_files = [f for f in files if f.language in ("terraform", "tfvars")]
    bicep_files = [f for f in files if f.language in ("bicep", "bicepparam")]
    index = None
    if options.cache:
        from analyzer.cache import UnitIndex, cache_dir

        # One index per scanned tree (its discovered root and file set's folders are in the keys too).
        scope = files[0].path.as_posix()[: -len(files[0].display)] if files else ""
        index = UnitIndex(cache_dir(), scope)
    evaluated: list[list[FileResult]] = []

    def evaluate_terraform(parsed: Any) -> None:
        if terraform_files:
            evaluated.append(load_terraform_cached(terraform_files, inputs, parsed, parsed.keys, index)
                             if index is not None else load_terraform(terraform_files, inputs, parsed))
        else:
            evaluated.append([])

    def early(parsed: Any) -> None:
        """Terraform evaluated while the workers still parse Bicep files; any failure here is left
        to the same evaluation afterwards (which then reports it as it would have)."""
        try:
            evaluate_terraform(parsed)
        except Exception:
            evaluated.clear()
        if while_parsing is not None:
            while_parsing()

    parsed = parse_stage(files, options, ("terraform", "tfvars"), early)
    if not evaluated:
        evaluate_terraform(parsed)
    results: list[FileResult] = evaluated[0]
    diagnostics = [d for r in results for d in r.diagnostics]
    notices = sorted({notice for r in results for notice in r.notices})
    shared = [res for r in results for res in r.resources]
    quiet = set(parsed.quiet)
    for manifest_result in _manifests([f for f in files if f.language == "yaml"], index, quiet):
        shared.extend(manifest_result.resources)  # Kubernetes objects belong to every variant
        diagnostics.extend(manifest_result.diagnostics)
    by_template: dict[str, dict[str | None, FileResult]] = defaultdict(dict)
    if bicep_files:
        from analyzer.frontends.bicep import load_bicep, load_bicep_cached

        units = load_bicep_cached(bicep_files, parsed, parsed.keys, index) if index is not None \
            else load_bicep(bicep_files, parsed)
        for unit in units:
            name = PurePosixPath(unit.variant).name.removesuffix(".bicepparam") if unit.variant else None
            # Two parameter files of one name for one template (params/dev, env/dev) stay two environments.
            by_template[unit.template][unit.variant if name in by_template[unit.template] else name] = unit.result
            diagnostics.extend(unit.result.diagnostics)
    if index is not None:
        index.save()  # before the rules see (and could touch) the resources
    return Loaded(_variants(shared, by_template), diagnostics, notices, index.trail() if index is not None else None,
                  frozenset(quiet))


def _manifests(files: list[SourceFile], index: Any, quiet: set[str]) -> list[FileResult]:
    """The Kubernetes objects of YAML files (only files that hold one, or a diagnostic), each file
    remembered in the unit index by its content."""
    if not files:
        return []
    from analyzer.cache import digest_of
    from analyzer.frontends.yaml import load_manifest_file
    from analyzer.parsestage import file_facts

    results = []
    for file in files:
        key = None
        if index is not None:
            content, marked = file_facts(file)
            key = digest_of("yaml", content) if content is not None else None
            if not marked:
                quiet.add(file.display)
        result = index.get(key) if key is not None else None
        if result is None:
            result = load_manifest_file(file)
            if key is not None:
                index.put(key, result)
            elif index is not None:
                index.untracked()
        if result.resources or result.diagnostics:
            results.append(result)
    return results


def _variants(shared: list[Resource], by_template: dict[str, dict[str | None, FileResult]]) -> list[list[Resource]]:
    """One resource list per environment. An environment is the name of a parameter file
    (``dev.bicepparam`` beside each template): templates are evaluated together only with the values of
    the same environment, so one template's dev values never meet another's prod values. A template
    without parameter files belongs to every environment; one with parameter files only to those it
    names (pairing it with another environment's values could report what no deployment does)."""
    names = sorted({name for units in by_template.values() for name in units if name is not None})
    variants = []
    for name in names or [None]:
        resources = list(shared)
        for units in by_template.values():
            chosen = units.get(name, units.get(None))
            if chosen is not None:
                resources.extend(chosen.resources)
        variants.append(resources)
    return variants


def run_rules(graph: FleetGraph, rules: list[Rule], options: ScanOptions,
              notices: list[str] | None = None) -> tuple[list[Finding], list[Finding]]:
    """Run ``rules`` on ``graph``; notices the rules give are appended to ``notices`` (deduplicated)."""
    context = RuleContext(graph, options.as_of, options.operators)
    for rule in rules:
        if rule.check is None:
            continue
        context.current = rule.info
        try:
            rule.check(context)
        except RecursionError:
            # A value nested just under the parsers' limit can be too deep for a rule's walk: that
            # rule is skipped on this graph (said in a notice); the other rules still run.
            context.notice(f"{rule.info.id} was skipped: a value in the scanned code is nested too deeply")
    if notices is not None:
        notices.extend(n for n in context.notices if n not in notices)
    return context.findings, context.skipped


def _checked(loaded: Loaded, rules: list[Rule], options: ScanOptions,
             notices: list[str]) -> tuple[set[Finding], set[Finding]]:
    """The rules' findings and skipped decisions on every variant; the rules' notices are added to
    ``notices``. Rules are pure functions of the resources, the date, the operators and fleetiac's
    code and data, so with the cache on, their results are remembered under exactly those (the
    resources by the load's identity) and an unchanged tree is not checked again."""
    store = key = None
    if options.cache and loaded.identity is not None:
        from analyzer.cache import ParseCache, cache_dir, digest_of, rules_fingerprint

        store = ParseCache(cache_dir(), "findings")
        key = digest_of("findings", rules_fingerprint(), loaded.identity, options.as_of.isoformat(),
                        tuple(options.operators), tuple(r.info.id for r in rules))
        found, value = store.load(key)
        if found and isinstance(value, tuple) and len(value) == 3:
            findings, skipped, rule_notices = value
            notices.extend(n for n in rule_notices if n not in notices)
            return findings, skipped
    findings, skipped, rule_notices = set(), set(), []
    for resources in loaded.variants:
        found, unknown = run_rules(FleetGraph(resources), rules, options, rule_notices)
        findings.update(found)
        skipped.update(unknown)
    if store is not None and key is not None:
        import pickle

        store.store(key, pickle.dumps((findings, skipped, rule_notices), pickle.HIGHEST_PROTOCOL))
    notices.extend(n for n in rule_notices if n not in notices)
    return findings, skipped


def _ready_for_rules() -> None:
    """Import the rules and the graph library (0.2-0.3 s) while the parse workers are busy, instead
    of afterwards with the other core idle. Without workers it is not called: the same imports then
    happen when the rules run, or not at all when their findings are cached."""
    import networkx  # noqa: F401

    all_rules()


def scan(paths: list[Path], options: ScanOptions | None = None) -> Report:
    options = options or ScanOptions()
    walk_problems: list[Diagnostic] = []  # folders that could not be listed
    limits = ReadLimits(max_bytes=options.max_file_size, time_budget=options.parse_timeout)
    root, files = discover(paths, limits=limits, problems=walk_problems)
    files = postscan.exclude(files, options.exclude)
    loaded = load(files, options, while_parsing=_ready_for_rules)
    catalog = all_rules()
    rules = select_rules(catalog, options.select, options.ignore)
    selected = {r.info.id for r in rules}
    diagnostics, notices = [*walk_problems, *loaded.diagnostics], loaded.notices
    findings, skipped = _checked(loaded, rules, options, notices)
    if "FIAC901" in selected:
        for diagnostic in diagnostics:
            findings.add(Finding("FIAC901", Level.WARNING, diagnostic.message, diagnostic.location))
    shown_skips = sorted(skipped, key=Finding.sort_key) if options.show_unknown and "FIAC902" in selected else []
    rule_infos = {r.info.id: r.info for r in rules}
    texts = SourceTexts(root, max_bytes=options.max_file_size, quiet=loaded.quiet)
    active, suppressed = list(findings.union(shown_skips)), []
    if options.inline_suppressions:
        active, suppressed = postscan.suppress(active, files, texts, {r.info.id for r in catalog}, options.as_of,
                                               report_invalid="FIAC903" in selected)
    suppressed, _ = postscan.override_levels(suppressed, rule_infos, options.levels)
    active, rule_infos = postscan.override_levels(active, rule_infos, options.levels)
    return Report(
        findings=sorted(set(active), key=Finding.sort_key),
        suppressed=sorted(set(suppressed), key=Finding.sort_key),
        diagnostics=sorted(set(diagnostics), key=lambda d: (d.location.sort_key(), d.message)),
        line_hashes=postscan.hashes_for([*active, *suppressed], texts) if options.line_hashes else {},
        rules=rule_infos,
        root=root.as_posix(),
        files_scanned=len(files),
        tool_version=__version__,
        as_of=options.as_of.isoformat(),
        skipped=shown_skips,
        notices=notices,
    )


def exit_code(report: Report, fail_on: str) -> int:
    """0 when no finding is at or above ``fail_on`` (``never`` never fails), else 1."""
    if fail_on == "never":
        return 0
    threshold = Level(fail_on).rank
    return 1 if any(f.level.rank >= threshold for f in report.findings) else 0
