"""The Terraform plan front end: ``terraform show -json`` of a plan (``planned_values``,
``configuration``, ``resource_changes``) or of a state (``values``) to the canonical resources the
Terraform front end makes of the code, one unit per file.

Which files: ``*.tfplan.json`` and ``*.plan.json`` by name; ``plan.json`` and ``tfplan.json``; and any
other ``.json`` whose first bytes are an object with ``format_version`` and ``terraform_version`` (what
``terraform show -json`` writes first), or with a key only plans have (``planned_values``,
``resource_changes``, ``prior_state``). A claimed file that turns out to be neither a plan nor a state
is ignored silently; one that is not JSON is reported (FIAC901) at its line and column.

A plan's resources are *standalone* results (:attr:`analyzer.frontends.base.Evaluated.standalone`):
when the scan also holds the ``.tf`` code a resource is mapped to, the code's own evaluation is the one
checked, and the plan adds only what the code does not reach (a registry module's resources).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from fleetiac.analyzer.frontends.base import CoveredComment, Evaluated, Language, Memo, ScanInputs, Unit
from fleetiac.analyzer.frontends.sources import SourceFile, read_source, time_budget, timed_out
from fleetiac.analyzer.model import Diagnostic, FileResult, Location, internal_error

if TYPE_CHECKING:
    from pathlib import Path

    from fleetiac.analyzer.frontends.tfplan.syntax import PlanFile

NAMES = ("plan.json", "tfplan.json")
"""Whole file names claimed (besides the suffixes of the language)."""
SUFFIXES = (".tfplan.json", ".plan.json")


def parse_source(source: SourceFile) -> PlanFile | Diagnostic:
    from fleetiac.analyzer.frontends.sources import ParseTimeout
    from fleetiac.analyzer.frontends.tfplan.syntax import JsonProblem, parse_plan

    text = read_source(source)
    if isinstance(text, Diagnostic):
        return text
    try:
        with time_budget(source.limits.time_budget):
            return parse_plan(text, source.display)
    except ParseTimeout:
        return timed_out(source)
    except JsonProblem as problem:
        return Diagnostic(Location(source.display, problem.line, problem.column), f"invalid JSON: {problem.message}")
    except RecursionError:
        return Diagnostic(Location(source.display, 1), "values are nested too deeply to analyse")
    except Exception as error:  # a bug of ours, not a problem of the file: the scan fails (exit 2)
        return internal_error(Location(source.display, 1), f"parsing {source.display}", error)


PLAN_KEYS = (b'"planned_values"', b'"resource_changes"', b'"prior_state"')
"""Top-level keys only Terraform's plans have: enough on their own (a plan printed with sorted keys
starts with ``applyable``, ``complete``, ``configuration``...)."""


def looks_like_a_plan(head: bytes) -> bool:
    """Whether a file's first bytes are those of ``terraform show -json``: an object whose first keys
    include ``format_version`` and ``terraform_version`` (as Terraform writes them), or a key only a
    plan has."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text.startswith(b"{"):
        return False
    return (b'"format_version"' in text and b'"terraform_version"' in text) or any(k in text for k in PLAN_KEYS)


def plan_notices(plan: PlanFile) -> list[str]:
    from fleetiac.analyzer.frontends.terraform.jsonsyntax import JValue
    from fleetiac.analyzer.frontends.tfplan.evaluate import KNOWN_FORMATS

    version = plan.root.get("format_version")
    shown = version.value if isinstance(version, JValue) else None
    if shown in KNOWN_FORMATS:
        return []
    what = "plan" if plan.kind == "plan" else "state"
    return [f"{plan.display}: {what} format_version {shown!r} is not one fleetiac knows "
            f"({', '.join(KNOWN_FORMATS)}); it was read as the newest of them, and anything it says "
            "differently is not analysed"]


def evaluate_plan(plan: PlanFile, source: SourceFile, inputs: ScanInputs, folders: Any = None) -> FileResult:
    """One plan or state to canonical resources, mapped to the ``.tf`` code inside the scanned root.
    ``folders``: the module loader to read that code with (a ``terraform._Folders``; made here when
    not given), which records the folders it was asked for."""
    from fleetiac.analyzer.frontends.sources import within
    from fleetiac.analyzer.frontends.terraform import LOCK_FILE, _Folders, _report_root
    from fleetiac.analyzer.frontends.terraform import parse_source as parse_terraform
    from fleetiac.analyzer.frontends.terraform.evaluate import ModuleTree
    from fleetiac.analyzer.frontends.terraform.jsonsyntax import JObject, plain
    from fleetiac.analyzer.frontends.terraform.syntax import ParsedFile
    from fleetiac.analyzer.frontends.tfplan.canonical import resources
    from fleetiac.analyzer.frontends.tfplan.evaluate import PlanReader, provider_constraints, sensitive_texts

    notices = plan_notices(plan)
    root_path = _report_root([source])
    folders = folders if folders is not None else _Folders({}, root_path, source.limits, inputs.roots)
    plan_folder = source.directory
    manifest = folders.manifest(plan_folder)
    reader = PlanReader(plan.display, plan.root, plan.kind, folders, manifest, plan_folder)
    variables: dict[str, Any] = {}
    given = plan.root.get("variables")
    for name, _, entry in given.members if isinstance(given, JObject) else ():
        if isinstance(entry, JObject) and entry.get("value") is not None:
            variables[name] = plain(entry.get("value"))
    try:
        tree = ModuleTree()
        module = reader.build(tree, variables)
        lock = None
        if plan_folder in reader.mapped and root_path is not None:
            lock_path = (root_path / plan_folder if plan_folder else root_path) / LOCK_FILE
            display = f"{plan_folder}/{LOCK_FILE}" if plan_folder else LOCK_FILE
            # Inside the roots, after symbolic links, as the module loader reads .tf files.
            if lock_path.is_file() and folders.disk_path(plan_folder) is not None and within(lock_path, folders.roots):
                parsed = parse_terraform(SourceFile(lock_path, display, "terraform-lock", source.limits))
                lock = parsed if isinstance(parsed, ParsedFile) else None
        deployment = plan_folder if plan_folder in reader.mapped else plan.display
        found = resources(module, deployment, lock, provider_constraints(plan.root))
    except RecursionError:
        return FileResult(diagnostics=[Diagnostic(Location(plan.display, 1, 1),
                                                  "cannot evaluate the plan: values are nested too deeply")])
    except Exception as error:  # an evaluator bug: the other files are still analysed, the scan fails
        return FileResult(diagnostics=[internal_error(Location(plan.display, 1, 1),
                                                      f"evaluating the plan {plan.display}", error)])
    result = FileResult(resources=found, notices=notices, masks=sensitive_texts(plan.root, plan.kind))
    for problem in tree.problems:
        result.diagnostics.append(Diagnostic(Location(problem.display, problem.pos.line, problem.pos.column),
                                             problem.message))
    return result


def _plan_unit(source: SourceFile, parsed: Mapping[str, Any], key: str | None, inputs: ScanInputs) -> Unit:
    """One plan's unit, keyed by the plan's parse-cache key and where code may be read from; what it
    read of the ``.tf`` code (every folder the loader was asked for, by its files' digests), the
    folder's ``modules.json`` and its lock file are its dependencies."""
    from fleetiac.analyzer.frontends.terraform import LOCK_FILE, _Folders, _report_root

    limits = (source.limits.max_bytes, source.limits.time_budget)
    unit_key = ("tfplan", key, tuple(root.as_posix() for root in inputs.roots), limits) if key is not None else None

    def loader() -> Any:
        return _Folders({}, _report_root([source]), source.limits, inputs.roots)

    def extra_files(folders: Any) -> list[Path | None]:
        """The plan folder's ``modules.json`` and lock file (where evaluate_plan looks for them)."""
        if folders.root is None:
            return [None, None]
        folder = folders.root / source.directory if source.directory else folders.root
        return [folders.manifest_path(source.directory), folder / LOCK_FILE]

    def dependencies(folders: Any, requested: list[str]) -> Any:
        from fleetiac.analyzer.frontends.terraform import bounded_digest, disk_state

        return (tuple((f, disk_state(folders, f)) for f in dict.fromkeys(requested)),
                tuple(bounded_digest(folders, path) for path in extra_files(folders)))

    def evaluate() -> tuple[list[Evaluated], Any]:
        value = parsed.get(source.display) if source.display in parsed else parse_source(source)
        if isinstance(value, Diagnostic):
            return [Evaluated(FileResult(diagnostics=[value]))], None
        if value is None or value.kind == "other":
            return [], None  # JSON, but neither a plan nor a state: not ours to judge
        folders = loader()
        result = evaluate_plan(value, source, inputs, folders)
        return [Evaluated(result, standalone=True)], dependencies(folders, folders.requested)

    def unchanged(deps: Any) -> bool:
        if deps is None:
            return True
        folders = loader()
        return bool(dependencies(folders, [f for f, _ in deps[0]]) == deps)

    def probes(deps: Any) -> tuple[tuple[str, str], ...]:
        from fleetiac.analyzer.frontends.terraform import disk_probes

        folders = loader()
        return disk_probes(folders, deps[0], extra_files(folders))

    return Unit(source.display, unit_key, evaluate, unchanged, probes=probes)


class PlanFrontEnd:
    name = "tfplan"
    languages = (Language("tfplan", SUFFIXES, line_comment=None),)
    early = False
    distributions: tuple[str, ...] = ()
    data_modules = ("fleetiac.analyzer.frontends.tfplan.syntax", "fleetiac.analyzer.frontends.terraform.jsonsyntax")

    def preload(self) -> None:
        from fleetiac.analyzer.frontends.tfplan import syntax  # noqa: F401

    def claims(self, name: str, head: Callable[[], bytes]) -> str | None:
        lowered = name.lower()
        if lowered in NAMES:
            return "tfplan"
        if lowered.endswith(".json") and looks_like_a_plan(head()):
            return "tfplan"
        return None

    def parse(self, source: SourceFile) -> PlanFile | Diagnostic:
        return parse_source(source)

    def units(self, files: list[SourceFile], parsed: Mapping[str, Any], keys: Mapping[str, str | None],
              inputs: ScanInputs, memo: Memo) -> list[Unit]:
        return [_plan_unit(source, parsed, keys.get(source.display), inputs) for source in files]

    def comments(self, text: str, display: str) -> list[CoveredComment]:
        from fleetiac.analyzer.frontends.tfplan.comments import comments

        return comments(text, display)


FRONT_END = PlanFrontEnd()
