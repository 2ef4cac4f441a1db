"""The Bicep front end: ``.bicep`` and ``.bicepparam`` files -> evaluated units of canonical resources.

Each file is parsed once, on its own, into plain data (:func:`parse_source`), so parsing can move to
worker processes or a cache. Units are then formed: a root template (one no other scanned file calls as
a local module, or one a ``.bicepparam`` is ``using``) is evaluated once per parameter file, or once
with its defaults when it has none. A template other templates call that declares resources of its
own is evaluated on its own as well, with its defaults (a standalone result: it adds only what its
callers' evaluations did not declare, such as the resources of a module behind ``if (false)``).
Files that cannot be read or parsed become a unit of their own holding only their diagnostic, so
each is reported exactly once.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fleetiac.analyzer.frontends.arm import link_children_by_name, resolve_local_ids
from fleetiac.analyzer.frontends.base import (
    CoveredComment,
    Evaluated,
    Language,
    Memo,
    ScanInputs,
    Unit,
    callers_first,
    without_repeats,
)
from fleetiac.analyzer.frontends.bicep.values import LocalId
from fleetiac.analyzer.frontends.sources import ParseTimeout, SourceFile, raw_text, read_source, time_budget, timed_out
from fleetiac.analyzer.model import Diagnostic, FileResult, Location, internal_error

# The parser, the AST and the evaluator are imported where they are used: a warm rescan reads
# evaluated units from the cache (unpickling a unit imports this module) and needs none of them.
if TYPE_CHECKING:
    from fleetiac.analyzer.frontends.bicep.ast import ParsedBicep, ParsedParams
    from fleetiac.analyzer.frontends.bicep.evaluate import ContentReader, Origin, UnitContext

__all__ = ["FRONT_END", "BicepUnit", "evaluate_unit", "load_bicep", "parse_source"]


@dataclass
class BicepUnit:
    template: str
    """Display path of the root template."""
    variant: str | None
    """Display path of the ``.bicepparam`` used, or None."""
    result: FileResult
    standalone: bool = False
    """A called template evaluated on its own as well (see :attr:`Evaluated.standalone`)."""


_FLEET_TYPES = re.compile(r"Microsoft\.ContainerService/fleets", re.IGNORECASE)
"""Fleet Manager resource types (``fleets``, ``fleets/members``...) written anywhere in a file's text."""


def parse_source(file: SourceFile) -> ParsedBicep | ParsedParams | Diagnostic:
    """Read and parse one file; never raises. A file that cannot be parsed and names a Fleet Manager
    resource type is marked :attr:`Diagnostic.declares_fleet`: its fleet went unchecked."""
    text = read_source(file)  # the shared reader: size, NUL bytes, encodings, line ends
    if isinstance(text, Diagnostic):
        return replace(text, declares_fleet=True) if _FLEET_TYPES.search(raw_text(file)) else text
    result = _parse_text(file, text)
    if isinstance(result, Diagnostic) and not result.internal and _FLEET_TYPES.search(text):
        return replace(result, declares_fleet=True)
    return result


def _parse_text(file: SourceFile, text: str) -> ParsedBicep | ParsedParams | Diagnostic:
    from fleetiac.analyzer.frontends import grammars
    from fleetiac.analyzer.frontends.bicep.syntax import parse_file, parse_params_file

    # The budget times this file's parse: the grammar, built or loaded once per process, is not part of it.
    grammars.ready("bicep")
    try:
        with time_budget(file.limits.time_budget):
            if file.language == "bicepparam" or file.display.lower().endswith(".bicepparam"):
                return parse_params_file(text, file.display)
            return parse_file(text, file.display)
    except ParseTimeout:
        return timed_out(file)
    except RecursionError:
        return Diagnostic(Location(file.display, 1, 1), "cannot parse Bicep: the file is nested too deeply")
    except Exception as exc:  # a converter bug: the other files are still analysed, the scan fails
        return internal_error(Location(file.display, 1, 1), f"parsing {file.display}", exc)


def load_bicep(files: list[SourceFile],
               parsed: Mapping[str, ParsedBicep | ParsedParams | Diagnostic] | None = None,
               reader: ContentReader | None = None) -> list[BicepUnit]:
    """``parsed`` holds files already parsed by display path (the engine's parse stage); ``reader``
    reads the files ``load*Content()`` names (by default: inside the folder the files are relative to)."""
    known = parsed or {}
    reader = reader if reader is not None else content_reader(files, ())
    units = build_units({f.display: known.get(f.display) or parse_source(f) for f in files}, reader)
    # A standalone unit keeps only what its callers' units did not declare, and goes when that is nothing.
    reduced = without_repeats([Evaluated(u.result, standalone=u.standalone) for u in units])
    return [unit if not unit.standalone else BicepUnit(unit.template, None, e.result, standalone=True)
            for unit, e in zip(units, reduced, strict=True)
            if not unit.standalone or e.result.resources or e.result.diagnostics]


def file_summary(display: str, value: Any) -> tuple[str, tuple[str, ...], tuple[str, ...], bool]:
    """What forming the units needs of one parsed file: its kind (``template``, ``params`` or
    ``diagnostic``), the files it calls as modules (a parameter file: the template it is ``using``),
    the other files it names (imports, the file a parameter file ``extends``), and whether it
    declares resources. Kept per file in
    the unit index and sent by a parse worker instead of the tree, so units form without trees."""
    from fleetiac.analyzer.frontends.bicep.ast import ParsedBicep, ParsedParams
    from fleetiac.analyzer.frontends.bicep.evaluate import _module_path

    def local(path: str | None) -> str | None:
        return _module_path(display, path) if path else None

    if isinstance(value, ParsedBicep):
        modules = tuple(sorted({t for t in (local(m.path) for m in value.modules) if t is not None}))
        named = tuple(sorted({t for t in (local(i.path) for i in value.imports) if t is not None}))
        return "template", modules, named, bool(value.resources)
    if isinstance(value, ParsedParams):
        using = posixpath.normpath(posixpath.join(posixpath.dirname(display), value.using)) \
            if value.using is not None else None
        named = tuple(sorted({t for t in (local(value.extends), *(local(i.path) for i in value.imports))
                              if t is not None}))
        return "params", (using,) if using is not None else (), named, False
    return "diagnostic", (), (), False


def _groups(summaries: dict[str, tuple[str, tuple[str, ...], tuple[str, ...], bool]]) -> list[list[str]]:
    """The scanned files in groups that name no file of another group (modules, imports, ``using``),
    each sorted, in the order of their first file: evaluated apart, they give what all together give."""
    parent = {display: display for display in summaries}

    def find(display: str) -> str:
        while parent[display] != display:
            parent[display] = parent[parent[display]]
            display = parent[display]
        return display

    for display, (_, modules, named, _) in summaries.items():
        for target in (*modules, *named):
            if target in parent:
                a, b = find(display), find(target)
                if a != b:
                    parent[max(a, b)] = min(a, b)
    groups: dict[str, list[str]] = {}
    for display in sorted(summaries):
        groups.setdefault(find(display), []).append(display)
    return sorted(groups.values())


def _orders(summaries: dict[str, tuple[str, tuple[str, ...], tuple[str, ...], bool]]) -> dict[str, int]:
    """Where each standalone template comes among all of them, as :func:`build_units` orders them over
    the whole scan (callers first)."""
    templates = {d for d, s in summaries.items() if s[0] == "template"}
    calls = {d: {t for t in summaries[d][1] if t in templates} for d in templates}
    called = {t for d, targets in calls.items() for t in targets if t != d}
    variants = {t for s in summaries.values() if s[0] == "params" for t in s[1] if t in templates}
    alone = [d for d in sorted(templates) if d in called and d not in variants and summaries[d][3]]
    return {d: i for i, d in enumerate(callers_first(alone, calls))}


def bicep_units(files: list[SourceFile], parsed: Mapping[str, Any], keys: Mapping[str, str | None],
                roots: tuple[Path, ...] = (), memo: Memo | None = None) -> list[Unit]:
    """The Bicep files of the scan as units of files that name each other (a template with the modules
    it calls, the files it imports and the parameter files using it), each keyed by the parse-cache
    keys of its files (content, path, language, versions) and where files may be read from: besides
    them, evaluation reads only the files ``load*Content()`` names, which are its recorded
    dependencies. Each root template's result is a group of its own, with one environment per
    parameter file (named by the file: ``dev.bicepparam`` is ``dev``). Results carry the order the
    whole scan's evaluation gives them (:attr:`Evaluated.order`)."""
    from fleetiac.analyzer.frontends.base import NoMemo
    from fleetiac.analyzer.frontends.sources import machine_dependent

    memo = memo if memo is not None else NoMemo()
    summaries = {}
    for source in files:
        key = keys.get(source.display)
        summary = memo.get(("bicep-file", key)) if key is not None else None
        if summary is None:
            value = parsed.get(source.display) if source.display in parsed else None
            value = value if value is not None else parse_source(source)
            summary = file_summary(source.display, value)
            if key is not None and not machine_dependent(value):
                memo.put(("bicep-file", key), summary)
            else:
                memo.untracked()
        summaries[source.display] = summary
    by_display = {f.display: f for f in files}
    orders = _orders(summaries)
    kinds = {d: s[0] for d, s in summaries.items()}
    return [bicep_unit([by_display[d] for d in group], parsed, keys, roots, kinds, orders)
            for group in _groups(summaries)]


def bicep_unit(files: list[SourceFile], parsed: Mapping[str, Any], keys: Mapping[str, str | None],
               roots: tuple[Path, ...] = (), kinds: dict[str, str] | None = None,
               orders: dict[str, int] | None = None) -> Unit:
    """Bicep templates as one unit (see :func:`bicep_units`). ``kinds`` and ``orders`` place each
    result among those of the whole scan (by default: ``files`` are all of them)."""
    listed = tuple((f.display, f.language, keys.get(f.display)) for f in files)
    root = _report_root(files)
    where = (root.as_posix() if root is not None else None, tuple(r.as_posix() for r in roots))
    key = ("bicep-units", listed, where) if all(k is not None for *_, k in listed) else None
    readers: list[ContentReader] = []

    def made() -> ContentReader:
        """The reader, made when it is used (its module is the evaluator's, which a warm rescan
        does not import)."""
        if not readers:
            readers.append(content_reader(files, roots))
        return readers[0]

    def evaluate() -> tuple[list[Evaluated], Any]:
        out: list[Evaluated] = []
        seen: dict[str, set[str | None]] = {}
        reader = made()
        reader.read.clear()
        for unit in load_bicep(files, parsed, reader):
            name = posixpath.basename(unit.variant).removesuffix(".bicepparam") if unit.variant else None
            names = seen.setdefault(unit.template, set())
            # Two parameter files of one name for one template (params/dev, env/dev) stay two environments.
            environment = unit.variant if name in names else name
            names.add(environment)
            # As build_units orders them over the whole scan: files that cannot be used first, by path,
            # then root templates by path, then standalone ones, callers first.
            if unit.standalone:
                order: tuple[Any, ...] = (2, (orders or {}).get(unit.template, 0))
            elif kinds is not None and kinds.get(unit.template) != "template":
                order = (0, unit.template)
            else:
                order = (1, unit.template) if kinds is not None else ()
            out.append(Evaluated(unit.result, unit.template, environment, standalone=unit.standalone, order=order))
        return out, tuple(sorted(reader.read.items()))

    def unchanged(read: Any) -> bool:
        return not read or made().unchanged(read)

    def probes(read: Any) -> tuple[tuple[str, str], ...]:
        """The files ``load*Content()`` read (as :meth:`ContentReader.disk_path` finds them; a path
        going up or absolute is refused by its text alone, whatever is on disk)."""
        if root is None:
            return ()
        paths = ((root / display).as_posix() for display, _ in read
                 if not (display.startswith(("../", "/")) or display == ".."))
        return tuple((kind, path) for path in paths for kind in ("stat", "real"))

    first = files[0].display if files else ""
    return Unit("bicep templates", key, evaluate, unchanged,
                remote=("bicep-group", posixpath.dirname(first), first) if kinds is not None else None,
                probes=probes)


def content_reader(files: list[SourceFile], roots: tuple[Path, ...]) -> ContentReader:
    """The reader of ``load*Content()`` files: relative to the folder the display paths are relative
    to, confined to ``roots`` (the scanned root when empty)."""
    from fleetiac.analyzer.frontends.bicep.evaluate import ContentReader

    return ContentReader(_report_root(files), tuple(roots))


def _report_root(files: list[SourceFile]) -> Path | None:
    """The folder the files' display paths are relative to."""
    for source in files:
        posix = source.path.as_posix()
        if posix.endswith("/" + source.display):
            return Path(posix[: -len(source.display) - 1] or "/")
    return None


class BicepFrontEnd:
    name = "bicep"
    languages = (Language("bicep", (".bicep",), line_comment="//"),
                 Language("bicepparam", (".bicepparam",), line_comment="//"))
    early = False

    distributions = ("pycep-parser", "lark")
    data_modules = ("fleetiac.analyzer.frontends.bicep.ast",)
    """Modules whose dataclasses make up the parsed data (pickled by their fields, see the cache)."""

    def preload(self) -> None:
        from fleetiac.analyzer.frontends import grammars

        # The workers evaluate too: the evaluation code is loaded once, before they fork.
        from fleetiac.analyzer.frontends.bicep import canonical, evaluate, syntax  # noqa: F401

        grammars.ready("bicep")

    def parse(self, source: SourceFile) -> ParsedBicep | ParsedParams | Diagnostic:
        return parse_source(source)

    def summarize(self, source: SourceFile, value: Any, key: str | None) -> tuple[Any, Any] | None:
        """The unit-index record :func:`bicep_units` keeps for a parsed file (memo key, value), or None
        when it keeps none (see the Terraform front end's)."""
        from fleetiac.analyzer.frontends.sources import machine_dependent

        if key is None or machine_dependent(value):
            return None
        return ("bicep-file", key), file_summary(source.display, value)

    def units(self, files: list[SourceFile], parsed: Mapping[str, Any], keys: Mapping[str, str | None],
              inputs: ScanInputs, memo: Memo) -> list[Unit]:
        return bicep_units(files, parsed, keys, inputs.roots, memo) if files else []

    def comments(self, text: str, display: str) -> list[CoveredComment]:
        from fleetiac.analyzer.frontends.bicep.comments import comments

        return comments(text, display)


FRONT_END = BicepFrontEnd()


def build_units(parsed: dict[str, ParsedBicep | ParsedParams | Diagnostic],
                reader: ContentReader | None = None) -> list[BicepUnit]:
    """Units from already parsed files (display path -> parse result)."""
    from fleetiac.analyzer.frontends.bicep.ast import ParsedBicep, ParsedParams
    from fleetiac.analyzer.frontends.bicep.evaluate import _module_path

    units: list[BicepUnit] = []
    templates = {p: r for p, r in parsed.items() if isinstance(r, ParsedBicep)}
    calls: dict[str, set[str]] = {}
    for path, template in templates.items():
        targets = (_module_path(path, module.path) for module in template.modules)
        calls[path] = {t for t in targets if t is not None and t in templates}
    called = {t for path, targets in calls.items() for t in targets if t != path}
    variants: dict[str, list[ParsedParams]] = {}
    for path, result in sorted(parsed.items()):
        if isinstance(result, Diagnostic):
            units.append(BicepUnit(path, None, FileResult([], [result])))
        elif isinstance(result, ParsedParams):
            if result.using is None:
                continue
            target = posixpath.normpath(posixpath.join(posixpath.dirname(path), result.using))
            if target in templates:
                variants.setdefault(target, []).append(result)
            elif not isinstance(parsed.get(target), Diagnostic):
                message = f"the template this parameter file is using is not scanned: {result.using}"
                units.append(BicepUnit(path, None, FileResult([], [Diagnostic(
                    Location(path, result.using_line, 1), message)])))
    for path in sorted(templates):
        if path in called and path not in variants:
            continue
        param_files = variants.get(path)
        if param_files:
            for params in sorted(param_files, key=lambda p: p.path):
                units.append(evaluate_unit(templates, path, params, reader))
        else:
            units.append(evaluate_unit(templates, path, None, reader))
    # Called templates with resources of their own, on their own too: a caller may never deploy them
    # (``if (false)``, an empty loop, a module cycle). Callers first, so what a calling module reaches
    # is taken with the parameters it passes.
    alone = [p for p in sorted(templates) if p in called and p not in variants and templates[p].resources]
    for path in callers_first(alone, calls):
        unit = evaluate_unit(templates, path, None, reader)
        unit.standalone = True
        units.append(unit)
    return units


def evaluate_unit(templates: dict[str, ParsedBicep], path: str, params: ParsedParams | None,
                  reader: ContentReader | None = None) -> BicepUnit:
    """Evaluate one root template with one parameter file (or its defaults); never raises: a template
    too deep to evaluate is a diagnostic, an exception of the evaluator an internal error naming the unit."""
    from fleetiac.analyzer.frontends.bicep.evaluate import RG_NAME, SUBSCRIPTION_ID, Instance, UnitContext

    variant = params.path if params is not None else None
    try:
        ctx = UnitContext(files=templates, reader=reader)
        values, origins = _param_values(ctx, params) if params is not None else ({}, {})
        root = Instance(ctx, templates[path], values, f"{path}#", "", RG_NAME, SUBSCRIPTION_ID,
                        param_origins=origins)
        root.emit()
        link_children_by_name(ctx.resources, ctx.by_name_children)
        resolve_local_ids(ctx.resources, lambda r: r.name if isinstance(r.name, str) else None, LocalId, path,
                          "bicep")
        if variant is not None:  # each finding on them names the parameter file
            for resource in ctx.resources:
                resource.param_file = variant
        problems = [Diagnostic(where, message) for where, message in sorted(
            ctx.problems.items(), key=lambda item: (item[0].sort_key(), item[1]))]
        return BicepUnit(path, variant, FileResult(ctx.resources, [*problems, *ctx.budget_diagnostics(path)]))
    except RecursionError:
        diagnostic = Diagnostic(Location(path, 1, 1), "cannot evaluate Bicep: the template is nested too deeply")
    except Exception as exc:  # an evaluator bug: the other units are still analysed, the scan fails
        unit = f"{path} with {variant}" if variant is not None else path
        diagnostic = internal_error(Location(path, 1, 1), f"evaluating Bicep template {unit}", exc)
    return BicepUnit(path, variant, FileResult([], [diagnostic]))


def _param_values(ctx: UnitContext, params: ParsedParams) -> tuple[dict[str, object], dict[str, Origin]]:
    """Evaluate a parameter file's assignments (they may use its own ``var``s and its other
    ``param``s), with where each value is set (see :meth:`Instance.origin`)."""
    from fleetiac.analyzer.frontends.bicep.ast import ParsedBicep
    from fleetiac.analyzer.frontends.bicep.evaluate import RG_NAME, SUBSCRIPTION_ID, Instance

    assigned = {name: decl for name, decl in params.params.items() if decl.value is not None}
    holder = ParsedBicep(path=params.path, vars=dict(params.vars), params=assigned, imports=list(params.imports))
    instance = Instance(ctx, holder, {}, f"{params.path}#", "", RG_NAME, SUBSCRIPTION_ID)
    origins = {name: instance.given_origin(decl.value, {}, Location(params.path, decl.line, decl.col))
               for name, decl in assigned.items() if decl.value is not None}
    return {name: instance.param(name) for name in assigned}, origins


