"""The ARM JSON front end: ARM templates (``azuredeploy.json``, ``az bicep build`` output) and their
parameter files -> evaluated units of canonical resources.

Repositories hold much JSON that is no template, so a ``.json`` file is this front end's only when a
cheap look claims it (:func:`claims`): its name (``azuredeploy.json``, ``*.parameters.json``) or a
``$schema`` naming an ARM deployment template or parameter file in its first bytes. Other JSON is not
scanned, and says nothing. A claimed file is parsed with positions (:mod:`.syntax`); a syntax error is
a diagnostic at its line and column.

Units are formed as the Bicep front end forms them: every root template (one no other scanned template
links with ``templateLink.relativePath``) is evaluated once per parameter file bound to it, or once
with its defaults. A parameter file is bound by name (``x.parameters.json`` to ``x.json`` in the same
folder, ``x.dev.parameters.json`` and ``x.parameters.dev.json`` too) or by ``--arm-parameters
TEMPLATE=PARAMS``. A linked template with resources of its own is
evaluated on its own as well (a standalone result).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
from fleetiac.analyzer.model import Diagnostic, FileResult, Location, internal_error

if TYPE_CHECKING:
    from fleetiac.analyzer.frontends.armjson.syntax import ParsedArm
    from fleetiac.analyzer.frontends.sources import SourceFile

__all__ = ["FRONT_END", "claims", "parse_source"]

SNIFF_BYTES = 4096
"""How much of a ``.json`` file is read to see whether it is an ARM template or parameter file."""
_SCHEMA = re.compile(rb'"\$schema"\s*:\s*"[^"]*(?:deploymentTemplate|deploymentParameters)\.json',
                     re.IGNORECASE)
_NAMES = ("azuredeploy.json", "maintemplate.json")
_NOT_OURS = (".tf.json", ".tfvars.json")


def claims(path: Path) -> bool:
    """Whether a ``.json`` file is an ARM template or parameter file: by its name, else by a ``$schema``
    in its first :data:`SNIFF_BYTES` bytes."""
    name = path.name.lower()
    if name.endswith(_NOT_OURS):
        return False
    if name in _NAMES or name.endswith(".parameters.json"):
        return True
    try:
        with path.open("rb") as handle:
            head = handle.read(SNIFF_BYTES)
    except OSError:
        return False
    return _SCHEMA.search(head) is not None


def parse_source(file: SourceFile) -> ParsedArm | Diagnostic:
    """Read and parse one file; never raises."""
    from fleetiac.analyzer.frontends.armjson.syntax import ArmSyntaxError, ParsedArm, kind_of, parse_json
    from fleetiac.analyzer.frontends.sources import ParseTimeout, read_source, time_budget, timed_out

    text = read_source(file)
    if isinstance(text, Diagnostic):
        return text
    try:
        with time_budget(file.limits.time_budget):
            value, start = parse_json(text, file.display)
        return ParsedArm(file.display, kind_of(value, file.display), value, start.line, start.column)
    except ArmSyntaxError as error:
        return Diagnostic(Location(file.display, error.line, error.column), f"invalid JSON: {error.message}")
    except ParseTimeout:
        return timed_out(file)
    except RecursionError:
        return Diagnostic(Location(file.display, 1, 1), "cannot parse JSON: the file is nested too deeply")
    except Exception as exc:  # a parser bug: the other files are still analysed, the scan fails
        return internal_error(Location(file.display, 1, 1), f"parsing {file.display}", exc)


class ArmJsonFrontEnd:
    name = "armjson"
    languages = (Language("armjson", (".json",), claims=claims),)
    early = False

    distributions = ()
    data_modules = ("fleetiac.analyzer.frontends.armjson.syntax",)

    def preload(self) -> None:
        from fleetiac.analyzer.frontends.armjson import syntax  # noqa: F401

    def parse(self, source: SourceFile) -> Any:
        return parse_source(source)

    def units(self, files: list[SourceFile], parsed: Mapping[str, Any], keys: Mapping[str, str | None],
              inputs: ScanInputs, memo: Memo) -> list[Unit]:
        return [arm_unit(files, parsed, keys, inputs)] if files else []

    def comments(self, text: str, display: str) -> list[CoveredComment]:
        from fleetiac.analyzer.frontends.armjson.comments import comments

        return comments(text, display)


FRONT_END = ArmJsonFrontEnd()


def _explicit_pairs(files: list[SourceFile], inputs: ScanInputs) -> list[tuple[str, str]]:
    """``--arm-parameters`` pairs as display paths of scanned files."""
    by_path = {f.path.resolve(): f.display for f in files}
    out = []
    for template, params in inputs.parameter_files:
        t = by_path.get(Path(template).resolve())
        if t is not None:  # a template not scanned here: the pair is for another scan
            out.append((t, by_path.get(Path(params).resolve(), params.as_posix())))
    return out


def arm_unit(files: list[SourceFile], parsed: Mapping[str, Any], keys: Mapping[str, str | None],
             inputs: ScanInputs) -> Unit:
    """Every ARM template of the scan as one unit (a template may link another), keyed by the parse-cache
    keys of every scanned ARM file and the ``--arm-parameters`` pairs."""
    pairs = tuple(_explicit_pairs(files, inputs))
    listed = tuple((f.display, keys.get(f.display)) for f in files)
    key = ("armjson-units", listed, pairs) if all(k is not None for _, k in listed) else None

    def evaluate() -> tuple[list[Evaluated], Any]:
        results = {f.display: parsed.get(f.display) or parse_source(f) for f in files}
        return build_units(results, list(pairs)), None

    return Unit("ARM templates", key, evaluate)


def bound_templates(params: str) -> list[str]:
    """The templates a parameter file may be bound to by its name, the likeliest first:
    ``x.parameters.json`` -> ``x.json``; ``x.dev.parameters.json`` -> ``x.dev.json``, else ``x.json``;
    ``x.parameters.dev.json`` -> ``x.json``."""
    folder, name = posixpath.split(params)
    lowered = name.lower()
    stems: list[str] = []
    if lowered.endswith(".parameters.json"):
        stem = name[: -len(".parameters.json")]
        stems.append(stem)
        if "." in stem:
            stems.append(stem.split(".", 1)[0])
    elif ".parameters." in lowered and lowered.endswith(".json"):
        stems.append(name[: lowered.index(".parameters.")])
    return [posixpath.join(folder, stem + ".json") for stem in stems if stem]


def _environment(params: str, template: str) -> str:
    """An environment's name from its parameter file: ``main.dev.parameters.json`` or
    ``main.parameters.dev.json`` for ``main.json`` is ``dev``; otherwise the file's name without
    ``.parameters.json`` or ``.json``."""
    name = posixpath.basename(params)
    stem = posixpath.basename(template)[: -len(".json")].lower()
    parts = [p for p in name[: -len(".json")].split(".") if p]
    rest = [p for p in parts if p.lower() != "parameters"]
    if len(rest) > 1 and rest[0].lower() == stem:
        rest = rest[1:]
    return ".".join(rest) or name


def build_units(parsed: Mapping[str, Any], pairs: list[tuple[str, str]]) -> list[Evaluated]:
    from fleetiac.analyzer.frontends.armjson.syntax import ParsedArm

    out: list[Evaluated] = []
    templates = {p: r for p, r in parsed.items() if isinstance(r, ParsedArm) and r.kind == "template"}
    parameters = {p: r for p, r in parsed.items() if isinstance(r, ParsedArm) and r.kind == "parameters"}
    for _path, result in sorted(parsed.items()):
        if isinstance(result, Diagnostic):
            out.append(Evaluated(FileResult([], [result])))
    calls = {path: linked_templates(path, t.value) & set(templates) for path, t in templates.items()}
    called = {c for path, targets in calls.items() for c in targets if c != path}
    bound: dict[str, list[str]] = {}
    explicit = {p for _, p in pairs}
    for template, params in pairs:
        if template in templates and params in parameters:
            bound.setdefault(template, []).append(params)
        elif template in templates:
            message = f"--arm-parameters: {params} is not a scanned ARM parameter file; the template is " \
                      "evaluated without it"
            out.append(Evaluated(FileResult([], [Diagnostic(Location(template, 1, 1), message)])))
    for params in sorted(parameters):
        target = next((t for t in bound_templates(params) if t in templates), None)
        if params not in explicit and target is not None:
            bound.setdefault(target, []).append(params)
    for path in sorted(templates):
        variants = sorted(set(bound.get(path, [])))
        if path in called and not variants:
            continue
        if not variants:
            out.append(Evaluated(evaluate_template(templates, path, None), path, None))
        for params in variants:
            environment = None if len(variants) == 1 else _environment(params, path)
            out.append(Evaluated(evaluate_template(templates, path, parameters[params]), path, environment))
    alone = [p for p in sorted(templates) if p in called and p not in bound]
    standalone = [Evaluated(evaluate_template(templates, p, None), p, None, standalone=True)
                  for p in callers_first(alone, calls)]
    return without_repeats(out + standalone)


def linked_templates(path: str, value: Any) -> set[str]:
    """The templates a template links with a literal ``templateLink.relativePath`` (display paths)."""
    found: set[str] = set()
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, child in item.items():
                if key.lower() == "templatelink" and isinstance(child, dict):
                    relative = next((v for k, v in child.items() if k.lower() == "relativepath"), None)
                    if isinstance(relative, str) and not relative.startswith("["):
                        found.add(posixpath.normpath(posixpath.join(posixpath.dirname(path), relative)))
                elif isinstance(child, (dict, list)):
                    stack.append(child)
        elif isinstance(item, list):
            stack.extend(c for c in item if isinstance(c, (dict, list)))
    return found


def evaluate_template(templates: Mapping[str, ParsedArm], path: str, params: ParsedArm | None) -> FileResult:
    """One root template with one parameter file (or its defaults); never raises."""
    from fleetiac.analyzer.frontends.armjson.evaluate import (
        RG_NAME,
        SUBSCRIPTION_ID,
        Template,
        UnitContext,
        link_children_by_name,
        resolve_local_ids,
        target_scope_of,
    )

    try:
        ctx = UnitContext(files=dict(templates))
        values = _parameter_values(params) if params is not None else {}
        template = templates[path].value
        scope = target_scope_of(template)
        root = Template(ctx, path, template, values, f"{path}#", "", RG_NAME if scope == "resourceGroup" else None,
                        SUBSCRIPTION_ID, scope)
        root.emit()
        link_children_by_name(ctx)
        resolve_local_ids(ctx, path)
        problems = [Diagnostic(where, message) for where, message in sorted(
            ctx.problems.items(), key=lambda item: (item[0].sort_key(), item[1]))]
        return FileResult(ctx.resources, [*problems, *ctx.budget_diagnostics(path)])
    except RecursionError:
        diagnostic = Diagnostic(Location(path, 1, 1), "cannot evaluate the ARM template: it is nested too deeply")
    except Exception as exc:  # an evaluator bug: the other units are still analysed, the scan fails
        unit = f"{path} with {params.path}" if params is not None else path
        diagnostic = internal_error(Location(path, 1, 1), f"evaluating ARM template {unit}", exc)
    return FileResult([], [diagnostic])


def _parameter_values(params: ParsedArm) -> dict[str, Any]:
    """A parameter file's values (``{"x": {"value": ...}}``); a Key Vault ``reference`` is unknown.
    ARM takes parameter values as written: expressions in them are not evaluated."""
    from fleetiac.analyzer.frontends.armjson.evaluate import _get
    from fleetiac.analyzer.values import Unknown, UnknownCause

    out: dict[str, Any] = {}
    given = _get(params.value, "parameters")
    for name, entry in (given.items() if isinstance(given, dict) else ()):
        if not isinstance(entry, dict):
            continue
        key = next((k for k in entry if k.lower() == "value"), None)
        out[name] = entry[key] if key is not None else Unknown(f"parameters('{name}')", UnknownCause.NOT_STATIC)
    return out
