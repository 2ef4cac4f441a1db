"""The Terraform front end: files to canonical resources, one evaluation per root module."""

from __future__ import annotations

import contextlib
import json
import posixpath
import re
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fleetiac.analyzer.frontends.base import (
    CoveredComment,
    Evaluated,
    Language,
    Memo,
    NoMemo,
    ScanInputs,
    Unit,
    callers_first,
    without_repeats,
)
from fleetiac.analyzer.frontends.sources import (
    DEFAULT_LIMITS,
    ParseTimeout,
    ReadLimits,
    SourceFile,
    TimedOut,
    machine_dependent,
    raw_text,
    time_budget,
    timed_out,
    within,
)
from fleetiac.analyzer.frontends.sources import MAX_FILE_BYTES as MAX_FILE_BYTES
from fleetiac.analyzer.frontends.sources import read_source as read_source
from fleetiac.analyzer.model import Diagnostic, FileResult, Location, internal_error
from fleetiac.analyzer.values import Unknown, UnknownCause, is_known

# The parser and the evaluator are imported where they are used: a warm rescan takes every root
# module's result from the unit cache and needs neither (importing them was a tenth of its time).
if TYPE_CHECKING:
    from fleetiac.analyzer.frontends.terraform.evaluate import Module, ModuleTree, SkippedModule
    from fleetiac.analyzer.frontends.terraform.syntax import ParsedFile


def parse_source(source: SourceFile) -> ParsedFile | Diagnostic:
    """One file to plain data; never raises. A file that cannot be parsed and names a Fleet Manager
    resource type is marked :attr:`Diagnostic.declares_fleet`."""
    text = read_source(source)
    if isinstance(text, Diagnostic):
        return replace(text, declares_fleet=True) if _FLEET_TYPES.search(raw_text(source)) else text
    result = _parse_text(source, text)
    if isinstance(result, Diagnostic) and not result.internal and _FLEET_TYPES.search(text):
        return replace(result, declares_fleet=True)  # a fleet went unchecked
    return result


_FLEET_TYPES = re.compile(r"azurerm_kubernetes_fleet_|Microsoft\.ContainerService/fleets", re.IGNORECASE)
"""Fleet Manager resource types (azurerm's, or an ARM type for azapi) written anywhere in a file's text."""


def _parse_text(source: SourceFile, text: str) -> ParsedFile | Diagnostic:
    from fleetiac.analyzer.frontends import grammars
    from fleetiac.analyzer.frontends.terraform.syntax import SyntaxProblem, parse_text

    # The budget times this file's parse: the grammar, built or loaded once per process, is not part of it.
    grammars.ready("hcl2")
    try:
        with time_budget(source.limits.time_budget):
            if source.display.lower().endswith(".json"):
                return _json_source(source, text)
            return parse_text(text, source.display)
    except ParseTimeout:
        return timed_out(source)
    except SyntaxProblem as problem:
        return Diagnostic(Location(source.display, problem.line, problem.column),
                          f"Terraform syntax error: {problem.message}")
    except RecursionError:
        return Diagnostic(Location(source.display, 1), "expression nesting is too deep to analyse")
    except Exception as error:  # a bug of ours, not a problem of the file: the scan fails (exit 2)
        return internal_error(Location(source.display, 1), f"parsing {source.display}", error)


def _json_source(source: SourceFile, text: str) -> ParsedFile | Diagnostic:
    """A file in Terraform's JSON syntax: a ``.tf.json`` module file, or ``.tfvars.json`` values (taken
    literally, each located at its property)."""
    from fleetiac.analyzer.frontends.terraform.jsonsyntax import JObject, JsonProblem, parse_json
    from fleetiac.analyzer.frontends.terraform.syntax import Attribute, ParsedFile, Pos
    from fleetiac.analyzer.frontends.terraform.tfjson import convert_file, literal

    if source.language == "tfvars" and not text.strip():
        return ParsedFile(source.display, (), {})
    try:
        root = parse_json(text)
    except JsonProblem as problem:
        return Diagnostic(Location(source.display, problem.line, problem.column), f"invalid JSON: {problem.message}")
    if source.language != "tfvars":
        return convert_file(root, source.display)
    if not isinstance(root, JObject):
        return Diagnostic(Location(source.display, 1), "a .tfvars.json file must hold an object")
    attributes = {}
    for name, key_pos, value in root.members:
        pos = Pos(key_pos.line, key_pos.column, value.pos.end_line, value.pos.end_column)
        attributes[name] = Attribute(name, literal(value), pos)
    return ParsedFile(source.display, (), attributes)


def _read_automatically(display: str) -> bool:
    """Whether Terraform reads this tfvars file without being told (``terraform.tfvars[.json]``,
    ``*.auto.tfvars[.json]``); others are read only through ``--var-file``."""
    name = display.rsplit("/", 1)[-1]
    return name.startswith("terraform.tfvars") or ".auto.tfvars" in name


def _var_files(inputs: ScanInputs, diagnostics: list[Diagnostic]) -> list[ParsedFile]:
    """The ``--var-file`` files, parsed; a file that cannot be parsed is added to ``diagnostics``."""
    parsed_files: list[ParsedFile] = []
    for path in inputs.var_files:
        parsed = parse_source(SourceFile(path, path.as_posix(), "tfvars"))
        if isinstance(parsed, Diagnostic):
            diagnostics.append(parsed)
        else:
            parsed_files.append(parsed)
    return parsed_files


def _tfvars_order(display: str) -> tuple[int, str]:
    """Terraform reads ``terraform.tfvars``, then ``terraform.tfvars.json``, then ``*.auto.tfvars``
    and ``*.auto.tfvars.json`` in lexical order; a later file wins."""
    name = display.rsplit("/", 1)[-1]
    if name == "terraform.tfvars":
        return (0, name)
    if name == "terraform.tfvars.json":
        return (1, name)
    return (2, name)


OUTSIDE = "outside the scanned root"
LOCK_FILE = ".terraform.lock.hcl"
"""The dependency lock file ``terraform init`` writes beside a root module: the provider versions selected."""
MANIFEST = ".terraform/modules/modules.json"


class _Folders:
    """Parsed ``.tf`` files by folder display path: the scanned ones, and folders read from disk on
    demand when a module call names one (outside the scanned paths, or under ``.terraform``).

    Nothing outside ``roots`` (resolved, after symbolic links) is read from disk: not a folder a
    ``../`` source or a ``modules.json`` entry leads out to, not a ``.tf`` file or a ``.terraform``
    folder that is a link to outside. Such a module call is skipped with a notice that says so."""

    def __init__(self, parsed: Mapping[str, list[ParsedFile]], root: Path | None,
                 limits: ReadLimits = DEFAULT_LIMITS, roots: tuple[Path, ...] = ()) -> None:
        self.parsed = parsed
        self.root = root
        self.limits = limits
        self.roots = roots or ((root.resolve(),) if root is not None else ())
        """Where reading from disk is allowed."""
        self._read: dict[str, list[ParsedFile] | None] = {}
        self.requested: list[str] = []
        """Every folder asked for, in order (what an evaluation read: the unit cache's dependencies)."""
        self.read_diagnostics: dict[str, list[Diagnostic]] = {}
        """Diagnostics of the folders read from disk, by folder."""
        self.manifest_diagnostics: dict[str, Diagnostic] = {}
        """A root module's ``modules.json`` that was not read, by the root's folder."""

    def disk_path(self, folder: str) -> Path | None:
        """Where a folder not scanned is on disk, or None when it may not be read (outside the roots)."""
        if self.root is None:
            return None
        path = self.root / folder if folder else self.root
        return path if within(path, self.roots) else None

    def refuse(self, folder: str) -> str | None:
        """Why a module folder is not read (:attr:`ModuleTree.refuse`), or None. A refused folder is
        recorded as requested too: it becomes readable when the link that led outside is replaced."""
        if folder in self.parsed or self.root is None or self.disk_path(folder) is not None:
            return None
        self.requested.append(folder)
        if folder.startswith("/"):  # a modules.json entry: its machine path is not repeated
            return f"its folder is an absolute path {OUTSIDE}, so it was not read"
        if folder == ".." or folder.startswith("../"):
            return f"folder {folder} is {OUTSIDE}, so it was not read"
        return f"folder {folder} leads {OUTSIDE} through a symbolic link, so it was not read"

    def __call__(self, folder: str) -> list[ParsedFile] | None:
        self.requested.append(folder)
        if folder in self.parsed:
            return self.parsed[folder]
        if folder in self._read:
            return self._read[folder]
        files: list[ParsedFile] | None = None
        path = self.disk_path(folder)
        if path is not None and path.is_dir():
            files = []
            for file in sorted([*path.glob("*.tf"), *path.glob("*.tf.json")]):
                if file.name.startswith(".") or not file.is_file():
                    continue
                display = f"{folder}/{file.name}" if folder else file.name
                found = self.read_diagnostics.setdefault(folder, [])
                if not within(file, self.roots):
                    found.append(Diagnostic(Location(display, 1, 1), f"a symbolic link to a file {OUTSIDE}; "
                                                                     "not read"))
                    continue
                parsed = parse_source(SourceFile(file, display, "terraform", self.limits))
                if isinstance(parsed, Diagnostic):
                    found.append(parsed)
                    continue
                found.extend(Diagnostic(Location(display, pos.line, pos.column), message)
                             for pos, message in parsed.problems)
                files.append(parsed)
        self._read[folder] = files or None
        return self._read[folder]

    def manifest_path(self, directory: str) -> Path | None:
        """Where a root module's ``modules.json`` would be (whether or not it may be read)."""
        if self.root is None:
            return None
        return (self.root / directory if directory else self.root) / MANIFEST

    def manifest(self, directory: str) -> dict[str, str]:
        """``.terraform/modules/modules.json`` of a root module (written by ``terraform init``): module
        keys to the folders holding the downloaded copies."""
        from fleetiac.analyzer.frontends.terraform.evaluate import join_folder

        path = self.manifest_path(directory)
        if path is None:
            return {}
        if not within(path, self.roots):
            # A committed .terraform (or modules.json) that is a link to outside: not read, and said so.
            display = f"{directory}/{MANIFEST}" if directory else MANIFEST
            self.manifest_diagnostics[directory] = Diagnostic(
                Location(display, 1, 1), f"a symbolic link to {OUTSIDE}; not read (downloaded modules "
                                         "are not analysed)")
            return {}
        try:
            data = json.loads(path.read_text(encoding="utf-8-sig"))
        except (OSError, ValueError):
            return {}
        out: dict[str, str] = {}
        for entry in data.get("Modules", []) if isinstance(data, dict) else []:
            if isinstance(entry, dict) and isinstance(entry.get("Key"), str) and isinstance(entry.get("Dir"), str) \
                    and entry["Key"]:
                out[entry["Key"]] = join_folder(directory, entry["Dir"])
        return out


def _report_root(files: list[SourceFile]) -> Path | None:
    """The folder display paths are relative to, recovered from a discovered file."""
    for source in files:
        posix = source.path.as_posix()
        if posix.endswith("/" + source.display):
            return Path(posix[: -len(source.display) - 1] or "/")
    return None


def _local_calls(files: list[ParsedFile], directory: str) -> set[str]:
    from fleetiac.analyzer.frontends.terraform.evaluate import is_local_source, join_folder
    from fleetiac.analyzer.frontends.terraform.syntax import Literal

    calls = set()
    for parsed in files:
        for block in parsed.blocks:
            source = block.attributes.get("source") if block.type == "module" else None
            if source is not None and isinstance(source.expr, Literal) and isinstance(source.expr.value, str) \
                    and is_local_source(source.expr.value):
                calls.add(join_folder(directory, source.expr.value))
    return calls


def _holds_resources(files: list[ParsedFile]) -> bool:
    return any(block.type == "resource" for parsed in files for block in parsed.blocks)


def root_folders(parsed_by_dir: dict[str, list[ParsedFile]]) -> list[str]:
    """Folders to evaluate as root modules: every folder no other scanned folder calls as a local
    module. Folders reached only through a cycle of calls get the first of the cycle as their root.
    (A called folder with resources of its own is evaluated on its own as well: see
    :func:`standalone_folders`.)"""
    return roots_from_calls({d: _local_calls(files, d) for d, files in parsed_by_dir.items()})


def standalone_folders(local_calls: dict[str, set[str]], holding: set[str]) -> list[str]:
    """The scanned folders that other scanned folders call as a module and that declare resources of
    their own, callers first: each is evaluated on its own as well, with its own defaults and
    tfvars, so a resource no caller evaluates (a call with ``count = 0``, ``for_each = {}``, a
    condition, a cycle) is still checked. What a caller did evaluate is taken from the caller
    (:attr:`Evaluated.standalone`)."""
    roots = set(roots_from_calls(local_calls))
    called = {c for d, targets in local_calls.items() for c in targets & set(local_calls) if c != d}
    return callers_first(sorted(d for d in holding if d not in roots and d in called), local_calls)


def roots_from_calls(local_calls: dict[str, set[str]]) -> list[str]:
    """:func:`root_folders` from each scanned folder's local module calls."""
    parsed_by_dir = local_calls
    calls = {d: targets & set(parsed_by_dir) for d, targets in local_calls.items()}
    called = {c for d, targets in calls.items() for c in targets if c != d}
    roots = [d for d in sorted(parsed_by_dir) if d not in called]
    reached: set[str] = set()

    def reach(start: str) -> None:
        stack = [start]
        while stack:
            folder = stack.pop()
            if folder not in reached:
                reached.add(folder)
                stack.extend(calls.get(folder, ()))

    for root in roots:
        reach(root)
    for folder in sorted(parsed_by_dir):
        if folder not in reached:
            roots.append(folder)
            reach(folder)
    return sorted(roots)


def analyse_terraform(files: list[SourceFile], inputs: ScanInputs | None = None) -> list[FileResult]:
    """Every root module of ``files`` evaluated, nothing remembered: the front end on its own, for
    tests and tools (a scan goes through :meth:`TerraformFrontEnd.units` and the engine)."""
    units = root_units(files, {}, {}, inputs or ScanInputs(), NoMemo())
    evaluated = [e for unit in units for e in (unit.ready if unit.ready is not None else unit.evaluate()[0])]
    return [e.result for e in without_repeats(evaluated)]


def evaluate_root(directory: str, files: list[ParsedFile], var_files: list[ParsedFile], inputs: ScanInputs,
                  tree: ModuleTree) -> FileResult:
    """One root module evaluated into canonical resources, with its problems as diagnostics and the
    module calls it could not follow as notices. Never raises: values too deep to evaluate are a
    diagnostic of their own, an exception of the evaluator an internal error naming the module."""
    from fleetiac.analyzer.frontends.terraform.canonical import extract
    from fleetiac.analyzer.frontends.terraform.evaluate import Module

    masks: dict[str, str] = {}
    try:
        module = Module(directory, files, {}, key_prefix=f"{directory or '.'}:", tree=tree)
        module.inputs.update(root_variables(module, var_files, inputs, masks))
        result = FileResult(resources=extract(module), masks=masks)
        for resource in result.resources:
            resource.deployment = directory  # a root module is deployed as one
    except RecursionError:
        # Values nested just under the parser's limit can still be too deep to evaluate: this
        # root module is reported, the other modules are still analysed.
        failed = _unevaluated(files, "values are nested too deeply")
        failed.masks.update(masks)
        return failed
    except Exception as error:  # an evaluator bug: the other modules are still analysed, the scan fails
        where = Location(min(p.display for p in files), 1, 1)
        return FileResult(diagnostics=[internal_error(where, f"evaluating Terraform module {directory or '.'}", error)],
                          masks=masks)
    stopped = tree.budget_problem()  # the budget ran out: where, and that the rest is unknown
    for problem in [*module.problems, *([stopped] if stopped is not None else [])]:
        kind = TimedOut if problem.machine_dependent else Diagnostic  # a timeout is never cached
        result.diagnostics.append(kind(Location(problem.display, problem.pos.line, problem.pos.column),
                                       problem.message))
    result.notices.extend(skipped_notice(skipped) for skipped in tree.skipped)
    return result


def skipped_notice(skipped: SkippedModule) -> str:
    return (f"{skipped.address} ({skipped.display}:{skipped.pos.line}, source \"{skipped.source}\") was not analysed: "
            f"{skipped.reason}; its resources are not checked and its outputs are unknown")


def _unevaluated(files: list[ParsedFile], why: str) -> FileResult:
    display = min(p.display for p in files)
    return FileResult(diagnostics=[Diagnostic(Location(display, 1, 1), f"cannot evaluate Terraform module: {why}")])


def root_variables(module: Module, var_files: list[ParsedFile], inputs: ScanInputs,
                   masks: dict[str, str] | None = None) -> dict[str, Any]:
    """The root module's variable values, lowest precedence first: ``TF_VAR_*`` (with
    ``--env-vars``), tfvars files beside the module, ``--var-file`` files, then ``--var``. Each
    environment value's texts go into ``masks`` (see :func:`environment_masks`)."""
    from fleetiac.analyzer.frontends.terraform.evaluate import Frame, convert_to_type

    values: dict[str, Any] = {}
    if inputs.environ is not None:
        for key in sorted(inputs.environ):
            if key.startswith("TF_VAR_") and len(key) > len("TF_VAR_"):
                name = key[len("TF_VAR_"):]
                values[name] = string_variable(module, name, inputs.environ[key])
                module.given_at[name] = None
                if masks is not None:
                    masks.update(environment_masks(key, inputs.environ[key], values[name]))
    for parsed in var_files:
        # A tfvars file beside the module is a scanned file (its display path is the report's); a
        # --var-file's path is as given on the command line, so no report shows where in it.
        beside = _read_automatically(parsed.display) and posixpath.dirname(parsed.display) == module.directory
        for name, attribute in parsed.attributes.items():
            value = module.value(attribute.expr, Frame())
            values[name] = convert_to_type(value, module.variable_blocks.get(name))
            module.given_at[name] = (parsed.display, attribute) if beside else None
    for name, text in inputs.variables:
        values[name] = string_variable(module, name, text)
        module.given_at[name] = None
    return values


MASK_MIN_LENGTH = 3
"""Shorter texts (and ``true``, ``false``, ``null``) are not masked: they would hide unrelated words."""


def environment_masks(key: str, text: str, value: Any) -> dict[str, str]:
    """What messages must not show of the environment variable ``key``: its text, and every string
    (and number) inside the value it gave, each to be shown as ``$TF_VAR_name``.
    CI systems hand secrets to Terraform this way, and reports are uploaded and shown in pull requests."""
    from fleetiac.analyzer.frontends.terraform.functions import text_of

    found: set[str] = {text, text.strip()}

    def walk(item: Any) -> None:
        if isinstance(item, dict):  # not its keys: an object's are attribute names (``name``)
            for v in item.values():
                walk(v)
        elif isinstance(item, (list, tuple)):
            for v in item:
                walk(v)
        elif isinstance(item, str):
            found.add(item)
        elif isinstance(item, (int, float)) and not isinstance(item, bool):
            with contextlib.suppress(ValueError, OverflowError):  # too many digits: no message spells it
                found.add(text_of(item))

    walk(value)
    return {t: f"${key}" for t in sorted(found)
            if len(t) >= MASK_MIN_LENGTH and t not in ("true", "false", "null")}


def string_variable(module: Module, name: str, text: str) -> Any:
    """A value given as a string (``--var``, ``TF_VAR_*``): Terraform takes it literally when the
    variable has no type or a primitive one, and reads it as an HCL expression otherwise."""
    from fleetiac.analyzer.frontends.terraform.evaluate import Frame, convert_to_type, variable_type
    from fleetiac.analyzer.frontends.terraform.syntax import SyntaxProblem, parse_text

    block = module.variable_blocks.get(name)
    if variable_type(block) != "complex":
        return convert_to_type(text, block)
    try:
        parsed = parse_text(f"value = {text}\n", "<--var>")
    except (SyntaxProblem, RecursionError):
        return Unknown(f"var.{name}", UnknownCause.INVALID_INPUT)
    attribute = parsed.attributes.get("value")
    if attribute is None:
        return Unknown(f"var.{name}", UnknownCause.INVALID_INPUT)
    # Only constants are allowed there; a reference would be an error in Terraform.
    value = module.value(attribute.expr, Frame())
    return value if is_known(value) else Unknown(f"var.{name}", UnknownCause.NOT_CONSTANT)


class _LazyDirs(Mapping[str, "list[ParsedFile]"]):
    """Scanned folders -> their parsed ``.tf`` files, read from the parse stage only when asked for."""

    def __init__(self, displays: dict[str, list[str]], parsed: Callable[[str], Any]) -> None:
        self.displays = displays
        self.parsed = parsed
        self._done: dict[str, list[ParsedFile]] = {}

    def __getitem__(self, folder: str) -> list[ParsedFile]:
        if folder not in self._done:
            self._done[folder] = [self.parsed(d) for d in self.displays[folder]]
        return self._done[folder]

    def __iter__(self) -> Any:
        return iter(self.displays)

    def __len__(self) -> int:
        return len(self.displays)

    def __contains__(self, folder: object) -> bool:
        return folder in self.displays


def _file_digest(path: Path) -> str | None:
    import hashlib

    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def disk_state(folders: _Folders, folder: str) -> tuple[Any, ...]:
    """What the module loader would read of a folder that is not scanned, as names and content digests."""
    if folders.root is None:
        return ("none",)
    path = folders.disk_path(folder)
    if path is None:
        return ("outside",)  # never read, not even for a digest
    if not path.is_dir():
        return ("absent",)
    return ("disk", tuple((f.name, _file_digest(f) if within(f, folders.roots) else "outside")
                          for f in sorted([*path.glob("*.tf"), *path.glob("*.tf.json")])
                          if not f.name.startswith(".") and f.is_file()))


def bounded_digest(folders: _Folders, path: Path | None) -> str | None:
    """The digest of a file the evaluation reads when it lies inside the roots (``"outside"``
    otherwise, None when there is none or it cannot be read)."""
    if path is None:
        return None
    return _file_digest(path) if within(path, folders.roots) else "outside"


def disk_probes(folders: _Folders, folder_states: Any, files: list[Path | None]) -> tuple[tuple[str, str], ...]:
    """What :func:`disk_state` and :func:`bounded_digest` look at, as replay probes
    (:attr:`~analyzer.frontends.base.Unit.probes`): each folder read from disk (its listing, where its
    path leads, its ``.tf`` files) and each of ``files``."""
    root = folders.root
    if root is None:
        return ()
    found: list[tuple[str, str]] = []
    for folder, folder_state in folder_states:
        if folder_state[0] in ("scanned", "none"):
            continue
        path = root / folder if folder else root
        found += [("stat", path.as_posix()), ("real", path.as_posix())]
        if folder_state[0] == "disk":
            for file in sorted([*path.glob("*.tf"), *path.glob("*.tf.json")]):
                found += [("stat", file.as_posix()), ("real", file.as_posix())]
    for file in files:
        if file is not None:
            found += [("stat", file.as_posix()), ("real", file.as_posix())]
    return tuple(found)


def file_summary(source: SourceFile, value: Any) -> tuple[Any, ...]:
    """What finding the root modules needs of one parsed file (its diagnostics, whether it parsed,
    its local module calls, whether it declares resources): kept per file in the unit index, and
    sent by a parse worker instead of the file's parse tree (see :meth:`TerraformFrontEnd.summarize`)."""
    if isinstance(value, Diagnostic):
        return ((value,), False, frozenset(), False)
    found = tuple(Diagnostic(Location(source.display, pos.line, pos.column), message)
                  for pos, message in value.problems)
    module = source.language == "terraform"
    calls = frozenset(_local_calls([value], source.directory)) if module else frozenset()
    return (found, True, calls, module and _holds_resources([value]))


def root_units(files: list[SourceFile], parsed: Mapping[str, Any], keys: Mapping[str, str | None],
               inputs: ScanInputs, memo: Memo) -> list[Unit]:
    """One unit per root folder of ``.tf`` files: the root module (with the modules it calls) with the
    ``terraform.tfvars`` and ``*.auto.tfvars`` beside it and the variable inputs. ``parsed`` holds the
    files the parse stage parsed, by display path (others are parsed here).

    A unit's key covers what is known before evaluating it: the root folder's files and tfvars (by
    parse-cache key: content, path and parser versions), the ``--var-file`` contents, ``--var``
    pairs, ``TF_VAR_*`` when read, and the read limits. What the evaluation discovers it read is its
    dependencies, checked before a remembered result is used: every folder the module loader was
    asked for (scanned ones by their files' keys, others by the names and content of their ``.tf``
    files) and the root's ``.terraform/modules/modules.json``. The per-file facts needed to find root
    modules (diagnostics, local module calls) are remembered per file, so an unchanged tree needs no
    parsed file at all."""
    limits = files[0].limits if files else DEFAULT_LIMITS
    limits_key = (limits.max_bytes, limits.time_budget)
    diagnostics: list[Diagnostic] = []
    ok_by_dir: dict[str, list[str]] = defaultdict(list)
    tfvars_by_dir: dict[str, list[str]] = defaultdict(list)
    lock_by_dir: dict[str, str] = {}
    calls_by_dir: dict[str, set[str]] = defaultdict(set)
    holding: set[str] = set()
    parsed_here: dict[str, Any] = {}

    def parsed_file(source: SourceFile) -> Any:
        value = parsed.get(source.display) if source.display in parsed else parsed_here.get(source.display)
        if value is None:
            value = parsed_here[source.display] = parse_source(source)
        return value

    for source in files:
        key = keys.get(source.display)
        summary = memo.get(("tf-file", key)) if key is not None else None
        if summary is None:
            value = parsed_file(source)
            summary = file_summary(source, value)
            if key is not None and not machine_dependent(value):  # a timeout or a crash depends on the machine
                memo.put(("tf-file", key), summary)
            else:
                memo.untracked()
        found_diagnostics, ok, calls, holds = summary
        diagnostics.extend(found_diagnostics)
        if not ok:
            continue
        if source.language == "terraform-lock":
            if source.display.rsplit("/", 1)[-1] == LOCK_FILE:
                lock_by_dir[source.directory] = source.display
        elif source.language == "tfvars":
            if _read_automatically(source.display):
                tfvars_by_dir[source.directory].append(source.display)
        else:
            ok_by_dir[source.directory].append(source.display)
            calls_by_dir[source.directory] |= calls
            if holds:
                holding.add(source.directory)
    by_display = {source.display: source for source in files}
    var_files = _var_files(inputs, diagnostics)
    var_digest = [(path.as_posix(), _file_digest(path)) for path in inputs.var_files]
    environ = None if inputs.environ is None else tuple(
        sorted((k, v) for k, v in inputs.environ.items() if k.startswith("TF_VAR_")))
    root_path = _report_root(files)
    lazy_dirs = _LazyDirs(dict(ok_by_dir), lambda display: parsed_file(by_display[display]))
    folders = _Folders(lazy_dirs, root_path, limits, inputs.roots)
    inputs_key = (tuple(var_digest), tuple(inputs.variables), environ, limits_key,
                  root_path.as_posix() if root_path is not None else None,
                  tuple(root.as_posix() for root in folders.roots))
    states: dict[str, Any] = {}

    def state(folder: str) -> Any:
        """What the module loader would give for ``folder``, as keys and content digests."""
        if folder not in states:
            if folder in ok_by_dir:
                states[folder] = ("scanned", tuple((d, keys.get(d)) for d in ok_by_dir[folder]))
            else:
                states[folder] = disk_state(folders, folder)
        return states[folder]

    def manifest_state(directory: str) -> Any:
        return bounded_digest(folders, folders.manifest_path(directory))

    def root_unit(directory: str, standalone: bool = False) -> Unit:
        own = tuple((d, keys.get(d)) for d in ok_by_dir[directory])
        tfvars_displays = sorted(tfvars_by_dir.get(directory, []), key=_tfvars_order)
        tfvars = tuple((d, keys.get(d)) for d in tfvars_displays)
        lock_display = lock_by_dir.get(directory)
        lock = ((lock_display, keys.get(lock_display)),) if lock_display is not None else ()
        cacheable = all(k is not None for _, k in (*own, *tfvars, *lock))
        # A folder evaluated on its own although others call it gives standalone results: its role is
        # part of the key (the same files give other results once no folder calls it any more).
        unit_key = ("tf-unit", directory, standalone, own, tfvars, lock, inputs_key) if cacheable else None

        def evaluate() -> tuple[list[Evaluated], Any]:
            from fleetiac.analyzer.frontends.terraform.evaluate import ModuleTree

            tree = ModuleTree(loader=folders, manifest=folders.manifest(directory), refuse=folders.refuse)
            start = len(folders.requested)
            tfvars_files = [parsed_file(by_display[d]) for d in tfvars_displays]
            result = evaluate_root(directory, lazy_dirs[directory], [*tfvars_files, *var_files], inputs, tree)
            used = list(dict.fromkeys(folders.requested[start:]))
            _provider_versions(result, lock_display and parsed_file(by_display[lock_display]),
                               [lazy_dirs[directory], *(folders(f) or [] for f in used if f != directory)])
            # Diagnostics of module folders read from disk belong to every root that reads them (the
            # report keeps each once).
            read = [d for f in used for d in folders.read_diagnostics.get(f, ())]
            if directory in folders.manifest_diagnostics:
                result.diagnostics.append(folders.manifest_diagnostics[directory])
            out = [Evaluated(result, standalone=standalone),
                   *([Evaluated(FileResult(diagnostics=read), standalone=standalone)] if read else [])]
            deps = (tuple((f, state(f)) for f in used), manifest_state(directory)) if unit_key is not None else None
            return out, deps

        def unchanged(deps: Any) -> bool:
            folder_states, manifest = deps
            return bool(manifest == manifest_state(directory) and all(state(f) == s for f, s in folder_states))

        def probes(deps: Any) -> tuple[tuple[str, str], ...]:
            """What :func:`unchanged` reads: folders not scanned and the ``modules.json`` (scanned
            folders are the scan's own files)."""
            folder_states, _ = deps
            return disk_probes(folders, folder_states, [folders.manifest_path(directory)])

        return Unit(directory or ".", unit_key, evaluate, unchanged, remote=("terraform-root", directory, standalone),
                    probes=probes)

    units = [Unit("files", None, _no_evaluation, ready=[Evaluated(FileResult(diagnostics=diagnostics))])] \
        if diagnostics else []
    units.extend(root_unit(directory) for directory in roots_from_calls(dict(calls_by_dir)))
    units.extend(root_unit(directory, standalone=True)
                 for directory in standalone_folders(dict(calls_by_dir), holding))
    return units


def _provider_versions(result: FileResult, lock: Any, modules: list[list[ParsedFile]]) -> None:
    """The azurerm versions in use, on the root module's azurerm fleets (see
    :func:`analyzer.frontends.terraform.canonical.azurerm_versions`). A lock file that cannot be
    parsed is left out (its diagnostic is reported with the other files')."""
    from fleetiac.analyzer.frontends.terraform.canonical import azurerm_versions, with_provider_versions
    from fleetiac.analyzer.frontends.terraform.syntax import ParsedFile

    parsed_lock = lock if isinstance(lock, ParsedFile) else None
    with_provider_versions(result.resources, azurerm_versions(parsed_lock, modules))


def _no_evaluation() -> tuple[list[Evaluated], Any]:
    return [], None


class TerraformFrontEnd:
    name = "terraform"
    languages = (Language("terraform", (".tf", ".tf.json"), line_comment="#"),
                 Language("tfvars", (".tfvars", ".tfvars.json"), line_comment="#"),
                 Language("terraform-lock", (LOCK_FILE,), line_comment="#", hidden=True))
    early = True
    """Root modules are evaluated while the parse workers still parse other front ends' files."""

    distributions = ("python-hcl2", "lark")
    data_modules = ("fleetiac.analyzer.frontends.terraform.syntax",)
    """Modules whose dataclasses make up the parsed data (pickled by their fields, see the cache)."""

    def preload(self) -> None:
        from fleetiac.analyzer.frontends import grammars

        # The workers evaluate too: the evaluation code is loaded once, before they fork.
        from fleetiac.analyzer.frontends.terraform import canonical, evaluate, syntax  # noqa: F401

        grammars.ready("hcl2")

    def parse(self, source: SourceFile) -> ParsedFile | Diagnostic:
        return parse_source(source)

    def summarize(self, source: SourceFile, value: Any, key: str | None) -> tuple[Any, Any] | None:
        """The unit-index record :func:`root_units` keeps for a parsed file (memo key, value), or None
        when it keeps none: a parse worker sends this instead of the parse tree, and evaluates the root
        modules itself (:attr:`Unit.remote`)."""
        if key is None or machine_dependent(value):
            return None
        return ("tf-file", key), file_summary(source, value)

    def units(self, files: list[SourceFile], parsed: Mapping[str, Any], keys: Mapping[str, str | None],
              inputs: ScanInputs, memo: Memo) -> list[Unit]:
        return root_units(files, parsed, keys, inputs, memo)

    def comments(self, text: str, display: str) -> list[CoveredComment]:
        from fleetiac.analyzer.frontends.terraform.comments import comments

        return comments(text, display)


FRONT_END = TerraformFrontEnd()
