"""Evaluate a Terraform module's expressions into :mod:`analyzer.values` values.

The evaluator is deliberately partial: what it does not model is *unknown*, never a guess. Unknown
values keep the canonical text of the expression they came from, so that two references to the same
unresolvable value (``data.azurerm_client_config.current.object_id`` reached directly or through a
local) compare equal.
"""

from __future__ import annotations

import functools
import operator
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fleetiac.analyzer.frontends.budget import Budget, BudgetExceeded, NotComputed
from fleetiac.analyzer.frontends.terraform import syntax as s
from fleetiac.analyzer.frontends.terraform.functions import (
    FUNCTIONS,
    METERED,
    CallError,
    checked_number,
    number_of,
    text_of,
)
from fleetiac.analyzer.knowledge import arm_ids
from fleetiac.analyzer.model import Location
from fleetiac.analyzer.values import ResourceRef, Unknown, UnknownCause, is_known

META_ARGUMENTS = {"count", "for_each", "provider", "depends_on", "lifecycle"}
MODULE_META_ARGUMENTS = {"source", "version", "count", "for_each", "providers", "depends_on"}
# Bounds that keep a scan finite on hostile or mistaken code: instances of one block, module nesting
# depth, and module instances under one root module. Beyond them the expansion is unknown and a
# diagnostic says so.
MAX_INSTANCES = 1000
MAX_MODULE_DEPTH = 10
MAX_MODULE_INSTANCES = 1000
# How an azapi (v2) user-assigned identity's principal ID is read: `azapi_resource.x.output.properties.principalId`.
_AZAPI_PRINCIPAL = [("attr", "output"), ("attr", "properties"), ("attr", "principalId")]
# Functions that only look at the shape of their arguments, so they may carry unknown or
# reference values inside lists and maps without becoming unknown themselves.
STRUCTURAL_FUNCTIONS = {"concat", "flatten", "merge", "keys", "values", "lookup", "element", "length",
                        "tolist", "tomap", "one", "slice", "reverse", "zipmap"}


class EvalError(Exception):
    """What Terraform would report as an error (missing key, wrong type): caught by try()/can()."""


@dataclass(frozen=True, slots=True)
class InstanceValue:
    """A resource or data source instance used as a value (``azurerm_x.y`` before ``.id``)."""

    instance: Instance


@dataclass(frozen=True, slots=True)
class ModuleValue:
    """One instance of a module call used as a value (``module.fleet`` before ``.output``)."""

    module: Module


@dataclass(slots=True)
class Instance:
    """One instance of a resource, data or module block after ``count``/``for_each`` expansion."""

    block: s.Block
    mode: str  # "resource", "data" or "module"
    type: str
    name: str
    address: str
    key: str
    each_key: Any = None
    each_value: Any = None
    count_index: Any = None
    expanded_from_unknown: bool = False
    owner: Module | None = field(default=None, repr=False, compare=False)
    """The module instance that declares the block: its attributes are evaluated there."""


@dataclass(slots=True)
class Frame:
    """Names in scope for an expression: ``each``/``count`` of an instance, and for-expression or
    dynamic-block iterators."""

    instance: Instance | None = None
    names: dict[str, Any] = field(default_factory=dict)

    def with_names(self, **names: Any) -> Frame:
        return Frame(self.instance, {**self.names, **names})


@dataclass(slots=True)
class EvalBlock:
    """A block with its attributes evaluated and its nested (and dynamic) blocks expanded."""

    type: str
    pos: s.Pos
    values: dict[str, Any]
    exprs: dict[str, s.Expr]
    positions: dict[str, s.Pos]
    blocks: dict[str, list[EvalBlock]]
    unknown_blocks: set[str] = field(default_factory=set)
    """Block types produced by a ``dynamic`` block whose ``for_each`` is unknown."""


@dataclass(slots=True)
class ModuleProblem:
    pos: s.Pos
    display: str
    message: str
    machine_dependent: bool = False
    """The problem depends on the machine (the unit ran out of time): no cache may keep it."""


@dataclass(frozen=True, slots=True)
class SkippedModule:
    """A module call whose source is not on disk (registry, git, URL, a missing folder) or may not be
    read (outside the scanned root): its resources are not analysed and its outputs are unknown."""

    address: str
    source: str
    display: str
    pos: s.Pos
    reason: str


ModuleLoader = Callable[[str], "list[s.ParsedFile] | None"]
"""Given a module folder's display path, its parsed ``.tf`` files (None when it has none)."""


@dataclass(slots=True)
class ModuleTree:
    """What the module instances under one root module share: how to read a folder, the
    ``modules.json`` manifest of downloaded modules, bounds and what was not analysed."""

    loader: ModuleLoader | None = None
    manifest: dict[str, str] = field(default_factory=dict)
    """Module key (``fleet.inner``, call names joined by dots) to the folder holding its copy."""
    refuse: Callable[[str], str | None] | None = None
    """Given a module folder's display path, why it may not be read (it is outside the scanned
    root), or None; such a call is skipped with that reason and its outputs are unknown."""
    problems: list[ModuleProblem] = field(default_factory=list)
    skipped: list[SkippedModule] = field(default_factory=list)
    module_instances: int = 0
    budget: Budget = field(default_factory=Budget)
    """Values and seconds left to the whole root module (see :mod:`analyzer.frontends.budget`)."""
    stopped: tuple[Module, s.Expr] | None = None
    """The module and expression being evaluated when the budget ran out."""

    def budget_problem(self) -> ModuleProblem | None:
        """The problem saying where evaluation stopped, once the budget is spent."""
        if self.stopped is None:
            return None
        module, expr = self.stopped
        display = module.display_of(expr)
        diagnostic = self.budget.diagnostic(Location(display, expr.pos.line, expr.pos.column), "module")
        if diagnostic is None:
            return None
        return ModuleProblem(expr.pos, display, diagnostic.message, self.budget.spent == "time")


@dataclass(frozen=True, slots=True)
class ModuleInput:
    """An argument of a module call: evaluated in the caller, with the call's ``each``/``count``."""

    caller: Module
    expr: s.Expr
    frame: Frame


class Module:
    """The blocks of one Terraform module (one folder) and an evaluator over them."""

    def __init__(self, directory: str, files: list[s.ParsedFile], variables: dict[str, Any],
                 key_prefix: str, address_prefix: str = "", tree: ModuleTree | None = None,
                 call_path: tuple[str, ...] = (), folders: tuple[str, ...] = ()) -> None:
        self.directory = directory
        self.key_prefix = key_prefix
        self.address_prefix = address_prefix
        self.inputs: dict[str, Any] = variables
        """Variable values already known (the root's tfvars and CLI values)."""
        self.input_exprs: dict[str, ModuleInput] = {}
        """A child module's arguments, evaluated lazily in the caller (outputs may feed inputs)."""
        self.tree = tree if tree is not None else ModuleTree()
        self.budget = self.tree.budget
        self.files = files
        self.call_path = call_path
        """Names of the module calls from the root to here (the key of ``modules.json``)."""
        self.folders = folders or (directory,)
        """Folders from the root to here: a folder that appears twice is a module cycle."""
        self.variable_blocks: dict[str, s.Block] = {}
        self.locals: dict[str, tuple[s.Attribute, str]] = {}
        self.blocks: dict[tuple[str, str, str], tuple[s.Block, str]] = {}
        self.module_calls: dict[str, tuple[s.Block, str]] = {}
        self.outputs: dict[str, tuple[s.Block, str]] = {}
        self.problems: list[ModuleProblem] = self.tree.problems
        self._input_stack: set[str] = set()
        self._output_values: dict[str, Any] = {}
        self._output_stack: set[str] = set()
        self._children: dict[str, list[tuple[Instance, Module | None]]] = {}
        self._local_values: dict[str, Any] = {}
        self._local_stack: list[str] = []
        self._instances: dict[tuple[str, str, str], list[Instance]] = {}
        self._attr_cache: dict[tuple[str, str], Any] = {}
        self._attr_stack: set[tuple[str, str]] = set()
        for parsed in files:
            for block in parsed.blocks:
                self._index(block, parsed.display)

    def _index(self, block: s.Block, display: str) -> None:
        if block.type == "variable" and block.labels:
            self.variable_blocks[block.labels[0]] = block
        elif block.type == "locals":
            for name, attribute in block.attributes.items():
                self.locals[name] = (attribute, display)
        elif block.type in ("resource", "data") and len(block.labels) == 2:
            self.blocks[(block.type, *block.labels)] = (block, display)
        elif block.type == "module" and block.labels:
            self.module_calls[block.labels[0]] = (block, display)
        elif block.type == "output" and block.labels:
            self.outputs[block.labels[0]] = (block, display)

    def display_of(self, expr: s.Expr) -> str:
        """The file of this module that holds ``expr`` (the first file when none does: a tfvars value)."""
        for parsed in self.files:
            if any(_holds(block, expr) for block in parsed.blocks):
                return parsed.display
        return min((p.display for p in self.files), default=self.directory or ".")

    # -- instances -------------------------------------------------------------------------

    def set_instances(self, mode: str, type_: str, name: str, instances: list[Instance]) -> None:
        """The instances of a block as known elsewhere (a plan lists each instance, with values of
        its own in its own ``block``): they are taken as they are, not expanded from ``count`` or
        ``for_each``."""
        self._instances[(mode, type_, name)] = instances

    def set_children(self, call: str, children: list[tuple[Instance, Module | None]]) -> None:
        """The instances of a module call as known elsewhere (a plan's module instances), each with
        its module: taken as they are, not read from a folder."""
        self._children[call] = children

    def instances(self, mode: str, type_: str, name: str) -> list[Instance]:
        key = (mode, type_, name)
        cached = self._instances.get(key)
        if cached is not None:
            return cached
        block, display = self.blocks[key]
        base = f"{type_}.{name}" if mode == "resource" else f"data.{type_}.{name}"
        self._instances[key] = []  # a block whose count refers to itself is a cycle: no instances
        result = self._expand(block, display, mode, type_, name, base)
        self._instances[key] = result
        return result

    def _expand(self, block: s.Block, display: str, mode: str, type_: str, name: str,
                base: str) -> list[Instance]:
        """The instances ``count`` or ``for_each`` make of a block, addressed as Terraform does. An
        unknown (or oversized) expansion is one instance ``[*]`` whose ``each``/``count`` are unknown."""
        address = self.address_prefix + base
        make = lambda suffix, **kw: Instance(block, mode, type_, name, address + suffix,  # noqa: E731
                                             f"{self.key_prefix}{address}{suffix}", owner=self, **kw)
        unknown_count = lambda: [make("[*]", count_index=Unknown(f"{base}.count.index"),  # noqa: E731
                                      expanded_from_unknown=True)]
        unknown_each = lambda: [make("[*]", each_key=Unknown(f"{base}.each.key"),  # noqa: E731
                                     each_value=Unknown(f"{base}.each.value"), expanded_from_unknown=True)]
        if "count" in block.attributes:
            count = self.eval(block.attributes["count"].expr, Frame())
            if isinstance(count, bool) or not isinstance(count, (int, float)):
                return unknown_count()
            if count > MAX_INSTANCES:
                self._too_many(block, display, address, int(count))
                return unknown_count()
            if not self._afford(int(count), block.attributes["count"].expr):
                return unknown_count()
            return [make(f"[{i}]", count_index=i) for i in range(int(count))]
        if "for_each" in block.attributes:
            collection = self.eval(block.attributes["for_each"].expr, Frame())
            pairs: list[tuple[str, Any]]
            if isinstance(collection, dict) and all(isinstance(k, str) for k in collection):
                pairs = sorted(collection.items())
            elif isinstance(collection, list) and all(isinstance(i, str) for i in collection):
                pairs = [(k, k) for k in sorted(set(collection))]
            else:
                return unknown_each()
            if len(pairs) > MAX_INSTANCES:
                self._too_many(block, display, address, len(pairs))
                return unknown_each()
            if not self._afford(len(pairs), block.attributes["for_each"].expr):
                return unknown_each()
            return [make(f'["{k}"]', each_key=k, each_value=v) for k, v in pairs]
        return [make("")]

    def _afford(self, count: int, expr: s.Expr) -> bool:
        """Charge ``count`` values made by ``expr`` (instances, blocks); False once the budget is spent."""
        try:
            self.budget.charge(count)
        except BudgetExceeded:
            if self.tree.stopped is None:
                self.tree.stopped = (self, expr)
            return False
        return True

    def _too_many(self, block: s.Block, display: str, address: str, count: int) -> None:
        self.problems.append(ModuleProblem(block.pos, display, f"{address} expands to {count} instances, more "
                                           f"than the {MAX_INSTANCES} analysed; its instances are unknown"))

    def _collection(self, mode: str, type_: str, name: str) -> Any:
        block, _ = self.blocks[(mode, type_, name)]
        instances = self.instances(mode, type_, name)
        if "count" in block.attributes:
            if instances and instances[0].expanded_from_unknown:
                return Unknown(f"{type_}.{name}")
            return [InstanceValue(i) for i in instances]
        if "for_each" in block.attributes:
            if instances and instances[0].expanded_from_unknown:
                return Unknown(f"{type_}.{name}")
            return {i.each_key: InstanceValue(i) for i in instances}
        return InstanceValue(instances[0])

    def instance_attribute(self, instance: Instance, attr: str) -> Any:
        """The value of ``attr`` on a resource instance: its argument when the code sets it (and it
        is known), else a reference to the computed attribute."""
        cache_key = (instance.key, attr)
        if cache_key in self._attr_cache:
            return self._attr_cache[cache_key]
        text = f"{instance.address}.{attr}"
        attribute = instance.block.attributes.get(attr)
        if attribute is not None and attr not in META_ARGUMENTS:
            if cache_key in self._attr_stack:
                return Unknown(text, UnknownCause.CYCLE)
            self._attr_stack.add(cache_key)
            try:
                value = self.value(attribute.expr, Frame(instance))
            finally:
                self._attr_stack.discard(cache_key)
        elif any(b.type == attr for b in instance.block.blocks):
            value = Unknown(text)  # nested blocks (identity, default_node_pool): not modelled as values
        elif instance.mode == "data":
            value = self._data_attribute(instance, attr, text)
        else:
            value = ResourceRef(instance.key, attr)
        self._attr_cache[cache_key] = value
        return value

    def _data_attribute(self, instance: Instance, attr: str, text: str) -> Any:
        """A data source attribute the code does not set: what is known without Azure, else unknown."""
        if instance.type == "azurerm_client_config" and "provider" not in instance.block.attributes:
            # Every client_config of the default azurerm provider reads the same credentials, in any
            # module and under any name: one stable symbolic principal.
            return Unknown(f"data.azurerm_client_config.current.{attr}")
        if instance.type == "azurerm_role_definition" and attr in ("id", "role_definition_id"):
            guid = self._builtin_role_guid(instance)
            if guid is not None:
                # A built-in role's definition ID is the same everywhere; the rules resolve it by GUID.
                if attr == "role_definition_id":
                    return guid
                return f"/providers/Microsoft.Authorization/roleDefinitions/{guid}"
        if attr == "id" and instance.type in REFERABLE_DATA:
            return ResourceRef(instance.key, attr)
        return Unknown(text)

    def _builtin_role_guid(self, instance: Instance) -> str | None:
        from fleetiac.analyzer.knowledge.roles import builtin_roles

        by_name, by_guid = builtin_roles()
        frame = Frame(instance)
        for attribute in ("name", "role_definition_id"):
            if attribute not in instance.block.attributes:
                continue
            value = self.eval(instance.block.attributes[attribute].expr, frame)
            if not isinstance(value, str):
                return None
            if attribute == "name":
                role = by_name.get(value.strip().lower())
                guids = [g for g, r in by_guid.items() if r is role]
                return guids[0] if role is not None and guids else None
            guid = value.strip().lower().rsplit("/", 1)[-1]
            return guid if guid in by_guid else None
        return None

    # -- modules ---------------------------------------------------------------------------

    def children(self, call: str) -> list[tuple[Instance, Module | None]]:
        """The instances of a module call, each with the module it instantiates (None when the
        module cannot be analysed: not on disk, a cycle, over a bound)."""
        cached = self._children.get(call)
        if cached is not None:
            return cached
        self._children[call] = []  # a call whose count refers to its own outputs: no instances
        block, display = self.module_calls[call]
        folder = self._module_folder(call, block, display)
        instances = self._expand(block, display, "module", "module", call, f"module.{call}")
        result: list[tuple[Instance, Module | None]] = []
        for instance in instances:
            child = None
            if folder is not None:
                child = self._instantiate(instance, folder, display)
            result.append((instance, child))
        self._children[call] = result
        return result

    def _module_folder(self, call: str, block: s.Block, display: str) -> str | None:
        """The folder a module call's source names, or None (recorded as skipped or a problem)."""
        address = f"{self.address_prefix}module.{call}"
        source_attribute = block.attributes.get("source")
        source = source_attribute.expr.value if source_attribute is not None and isinstance(
            source_attribute.expr, s.Literal) else None
        if not isinstance(source, str):
            self.problems.append(ModuleProblem(block.pos, display, f"{address} has no literal source; "
                                               "it is not analysed"))
            return None
        key = ".".join((*self.call_path, call))
        if is_local_source(source):
            folder = join_folder(self.directory, source)
        elif key in self.tree.manifest:
            folder = self.tree.manifest[key]
        else:
            self.tree.skipped.append(SkippedModule(address, source, display, block.pos,
                                                   "not downloaded (run terraform init to analyse it)"))
            return None
        refused = self.tree.refuse(folder) if self.tree.refuse is not None else None
        if refused is not None:
            self.tree.skipped.append(SkippedModule(address, source, display, block.pos, refused))
            return None
        if folder in self.folders:
            chain = " -> ".join(f or "." for f in (*self.folders[self.folders.index(folder):], folder))
            self.problems.append(ModuleProblem(block.pos, display, f"{address} calls a module that calls "
                                               f"itself: {chain}; it is not analysed"))
            return None
        if len(self.folders) > MAX_MODULE_DEPTH:
            self.problems.append(ModuleProblem(block.pos, display, f"{address} is nested more than "
                                               f"{MAX_MODULE_DEPTH} modules deep; it is not analysed"))
            return None
        files = self.tree.loader(folder) if self.tree.loader is not None else None
        if not files:
            self.tree.skipped.append(SkippedModule(address, source, display, block.pos,
                                                   f"folder {folder or '.'} has no Terraform files"))
            return None
        return folder

    def _instantiate(self, instance: Instance, folder: str, display: str) -> Module | None:
        tree = self.tree
        if tree.module_instances >= MAX_MODULE_INSTANCES:
            if tree.module_instances == MAX_MODULE_INSTANCES:
                self.problems.append(ModuleProblem(instance.block.pos, display, f"more than {MAX_MODULE_INSTANCES} "
                                                   f"module instances; {instance.address} and later ones are "
                                                   "not analysed"))
                tree.module_instances += 1
            return None
        tree.module_instances += 1
        files = tree.loader(folder) if tree.loader is not None else None
        child = Module(folder, files or [], {}, self.key_prefix, instance.address + ".", tree,
                       (*self.call_path, instance.name), (*self.folders, folder))
        frame = Frame(instance)
        for name, attribute in instance.block.attributes.items():
            if name not in MODULE_META_ARGUMENTS:
                child.input_exprs[name] = ModuleInput(self, attribute.expr, frame)
        return child

    def _module_collection(self, call: str) -> Any:
        block, _ = self.module_calls[call]
        instances = self.children(call)
        if not instances or instances[0][0].expanded_from_unknown or any(c is None for _, c in instances):
            if not instances and ("count" in block.attributes or "for_each" in block.attributes):
                return [] if "count" in block.attributes else {}
            return Unknown(f"{self.address_prefix}module.{call}", UnknownCause.MODULE_NOT_ANALYSED)
        if "count" in block.attributes:
            return [ModuleValue(c) for _, c in instances if c is not None]
        if "for_each" in block.attributes:
            return {i.each_key: ModuleValue(c) for i, c in instances if c is not None}
        child = instances[0][1]
        assert child is not None
        return ModuleValue(child)

    def output(self, name: str) -> Any:
        """A module output's value; whole resources stay resources so the caller can take ``.id``."""
        if name in self._output_values:
            return self._output_values[name]
        entry = self.outputs.get(name)
        if entry is None:
            raise EvalError(f"module has no output {name!r}")
        block, _ = entry
        text = f"{self.address_prefix}{name}"
        attribute = block.attributes.get("value")
        if attribute is None:
            return Unknown(text)
        if name in self._output_stack:
            return Unknown(text, UnknownCause.CYCLE)
        self._output_stack.add(name)
        try:
            value = self.eval(attribute.expr, Frame())
        finally:
            self._output_stack.discard(name)
        self._output_values[name] = value
        return value

    # -- expressions -----------------------------------------------------------------------

    def eval(self, expr: s.Expr, frame: Frame) -> Any:
        """The value of ``expr``; never raises for anything the input does. A Terraform error is
        unknown (``try()`` sees it first); so is a value too large to compute, and, once the root
        module's budget is spent, this and every later expression (see :mod:`analyzer.frontends.budget`)."""
        if self.budget.spent is not None:
            return Unknown(s.render(expr), UnknownCause.BUDGET)
        try:
            return self._eval(expr, frame)
        except (EvalError, CallError):
            return Unknown(s.render(expr), UnknownCause.EVALUATION_ERROR)
        except BudgetExceeded:
            if self.tree.stopped is None:
                self.tree.stopped = (self, expr)
            return Unknown(s.render(expr), UnknownCause.BUDGET)
        except (NotComputed, OverflowError, MemoryError):
            return Unknown(s.render(expr), UnknownCause.TOO_LARGE)
        except RecursionError:
            return Unknown(s.render(expr), UnknownCause.TOO_DEEP)

    def value(self, expr: s.Expr, frame: Frame) -> Any:
        """:meth:`eval` then :meth:`finalize`: the value of an argument, a local or a variable."""
        value = self.eval(expr, frame)
        try:
            return self.finalize(value)
        except BudgetExceeded:
            if self.tree.stopped is None:
                self.tree.stopped = (self, expr)
            return Unknown(s.render(expr), UnknownCause.BUDGET)
        except RecursionError:
            return Unknown(s.render(expr), UnknownCause.TOO_DEEP)

    def finalize(self, value: Any) -> Any:
        """Replace whole-resource values (never a valid argument on their own) with unknowns. The copy
        is counted against the budget (a value may hold one list many times over)."""
        self.budget.charge()
        if isinstance(value, InstanceValue):
            return Unknown(value.instance.address)
        if isinstance(value, ModuleValue):
            return Unknown(value.module.address_prefix.rstrip("."))
        if isinstance(value, dict):
            return {k: self.finalize(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.finalize(v) for v in value]
        return value

    def _eval(self, expr: s.Expr, frame: Frame) -> Any:
        self.budget.charge()
        if isinstance(expr, s.Literal):
            if isinstance(expr.value, (int, float)):
                return self._number(expr.value, expr)
            return expr.value
        if isinstance(expr, s.Template):
            return self._template(expr, frame)
        if isinstance(expr, (s.Name, s.GetAttr, s.Index)):
            value = self._reference(expr, frame)
            # A reference hands on a value made elsewhere, perhaps many times over: count all of it.
            self.budget.charge_size(value)
            return value
        if isinstance(expr, s.Splat):
            return self._splat(expr, frame)
        if isinstance(expr, s.TupleExpr):
            return [self._eval(item, frame) for item in expr.items]
        if isinstance(expr, s.ObjectExpr):
            out: dict[str, Any] = {}
            for key_expr, value_expr in expr.items:
                key = self._eval(key_expr, frame)
                if not isinstance(key, str):
                    if isinstance(key, (int, float, bool)):
                        key = text_of(key)
                    else:
                        return Unknown(s.render(expr), UnknownCause.UNKNOWN_KEY)
                out[key] = self._eval(value_expr, frame)
            return out
        if isinstance(expr, s.Conditional):
            return self._conditional(expr, frame)
        if isinstance(expr, s.Binary):
            return self._binary(expr, frame)
        if isinstance(expr, s.Unary):
            operand = self._eval(expr.operand, frame)
            if not _plain(operand):
                return Unknown(s.render(expr))
            if expr.op == "!":
                if not isinstance(operand, bool):
                    raise EvalError("! on a non-bool")
                return not operand
            return self._number(-number_of(operand), expr)
        if isinstance(expr, s.Call):
            return self._call(expr, frame)
        if isinstance(expr, s.ForExpr):
            return self._for(expr, frame)
        if isinstance(expr, s.TooLarge):
            return Unknown(s.render(expr), UnknownCause.TOO_LARGE)
        return Unknown(s.render(expr), UnknownCause.NOT_MODELLED)

    def _number(self, value: Any, expr: s.Expr) -> Any:
        """A number result, or unknown when fleetiac cannot hold it as Terraform does."""
        try:
            return checked_number(value)
        except NotComputed:
            return Unknown(s.render(expr), UnknownCause.TOO_LARGE)

    def _template(self, expr: s.Template, frame: Frame) -> Any:
        pieces: list[str] = []
        length = 0
        for part in expr.parts:
            if isinstance(part, str):
                pieces.append(part)
                continue
            value = self._eval(part, frame)
            if not _plain(value) or isinstance(value, (list, dict)):
                return Unknown(s.render(expr))
            if value is None:
                raise EvalError("null in a template")
            pieces.append(text_of(value))
            length += len(pieces[-1])
        try:
            self.budget.charge_text(length)
        except NotComputed:
            return Unknown(s.render(expr), UnknownCause.TOO_LARGE)
        return "".join(pieces)

    def _conditional(self, expr: s.Conditional, frame: Frame) -> Any:
        condition = self._eval(expr.condition, frame)
        if isinstance(condition, bool):
            return self._eval(expr.then if condition else expr.otherwise, frame)
        if _plain(condition):
            raise EvalError("condition is not a bool")
        then, otherwise = self.eval(expr.then, frame), self.eval(expr.otherwise, frame)
        if is_known(then) and then == otherwise and not isinstance(then, InstanceValue):
            return then
        return Unknown(s.render(expr))

    def _binary(self, expr: s.Binary, frame: Frame) -> Any:
        left = self._eval(expr.left, frame)
        op = expr.op
        if op in ("&&", "||"):
            if isinstance(left, bool) and left == (op == "||"):
                return left
            right = self._eval(expr.right, frame)
            if isinstance(right, bool) and right == (op == "||") and not isinstance(left, bool):
                return right
            if isinstance(left, bool) and isinstance(right, bool):
                return left and right if op == "&&" else left or right
            return Unknown(s.render(expr))
        right = self._eval(expr.right, frame)
        if op in ("==", "!="):
            if is_known(left) and is_known(right) and _comparable(left) and _comparable(right):
                return (left == right) == (op == "==")
            if isinstance(left, ResourceRef) and isinstance(right, ResourceRef):
                return (left == right) == (op == "==")
            return Unknown(s.render(expr))
        if not (_plain(left) and _plain(right)):
            return Unknown(s.render(expr))
        a, b = number_of(left), number_of(right)
        if op in ("+", "-", "*", "/", "%"):
            if op in ("/", "%") and b == 0:
                raise EvalError("division by zero")
            try:
                return self._number(_ARITHMETIC[op](a, b), expr)
            except OverflowError:  # a float cannot hold it; Terraform's numbers can
                return Unknown(s.render(expr), UnknownCause.TOO_LARGE)
        comparisons = {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}
        if op in comparisons:
            return comparisons[op]
        return Unknown(s.render(expr))

    def _call(self, expr: s.Call, frame: Frame) -> Any:
        name = expr.name
        if name in ("try", "can"):
            return self._try(expr, frame)
        args = [self._eval(a, frame) for a in expr.args]
        if expr.expand_last and args:
            last = args.pop()
            if not isinstance(last, list):
                return Unknown(s.render(expr))
            args.extend(last)
        if name in ("coalesce", "coalescelist"):
            empty = (None, "") if name == "coalesce" else (None, [])
            for arg in args:
                if not _plain(arg) or (name == "coalescelist" and not isinstance(arg, list)
                                       and arg is not None):
                    return Unknown(s.render(expr))
                if arg not in empty:
                    return arg
            raise EvalError("no non-empty argument")
        function = FUNCTIONS.get(name)
        if function is None:
            return Unknown(s.render(expr), UnknownCause.UNSUPPORTED_FUNCTION)
        if name in METERED:
            function = functools.partial(function, charge=self.budget.charge)
        if name in STRUCTURAL_FUNCTIONS:
            if any(isinstance(a, (Unknown, ResourceRef, InstanceValue, ModuleValue)) for a in args):
                return Unknown(s.render(expr))
        elif not all(_plain(a) and is_known(a) and not _holds_reference(a) for a in args):
            return Unknown(s.render(expr))
        try:
            result = function(*args)
        except (NotComputed, OverflowError, MemoryError):  # a value Terraform computes, fleetiac cannot
            return Unknown(s.render(expr), UnknownCause.TOO_LARGE)
        except ValueError as error:
            if _digit_limit(error):
                return Unknown(s.render(expr), UnknownCause.TOO_LARGE)
            raise EvalError(str(error)) from error
        except (CallError, TypeError, IndexError, KeyError) as error:
            raise EvalError(str(error)) from error
        self.budget.charge_size(result)
        return result

    def _try(self, expr: s.Call, frame: Frame) -> Any:
        for arg in expr.args:
            try:
                value = self._eval(arg, frame)
            except (EvalError, CallError):
                if expr.name == "can":
                    return False
                continue
            if not is_known(value):
                return Unknown(s.render(expr))
            return True if expr.name == "can" else value
        raise EvalError("no argument of try() succeeded")

    def _for(self, expr: s.ForExpr, frame: Frame) -> Any:
        collection = self._eval(expr.collection, frame)
        if isinstance(collection, dict):
            pairs = [(k, collection[k]) for k in sorted(collection)]
        elif isinstance(collection, list):
            pairs = list(enumerate(collection))
        else:
            return Unknown(s.render(expr))
        results_list: list[Any] = []
        results_map: dict[str, Any] = {}
        for key, value in pairs:
            names = {expr.value_var: value}
            if expr.key_var:
                names[expr.key_var] = key
            inner = frame.with_names(**names)
            if expr.condition is not None:
                keep = self._eval(expr.condition, inner)
                if not isinstance(keep, bool):
                    return Unknown(s.render(expr))
                if not keep:
                    continue
            if expr.key is None:
                results_list.append(self._eval(expr.value, inner))
                continue
            out_key = self._eval(expr.key, inner)
            if not isinstance(out_key, str):
                return Unknown(s.render(expr))
            out_value = self._eval(expr.value, inner)
            if expr.grouping:
                results_map.setdefault(out_key, []).append(out_value)
            elif out_key in results_map:
                raise EvalError("duplicate key in for expression")
            else:
                results_map[out_key] = out_value
        return results_list if expr.key is None else results_map

    def _splat(self, expr: s.Splat, frame: Frame) -> Any:
        base = self._eval(expr.obj, frame)
        if isinstance(base, dict) and not isinstance(expr.obj, s.ObjectExpr):
            base = [base[k] for k in sorted(base)] if _all_instances(base) else [base]
        if base is None:
            return []
        if not isinstance(base, list):
            if isinstance(base, (Unknown, ResourceRef)):
                return Unknown(s.render(expr))
            base = [base]
        out = []
        for item in base:
            self.budget.charge()
            for kind, step in expr.steps:
                item = self._step(item, step if kind == "attr" else self._eval(step, frame), kind == "attr",
                                  expr)
            out.append(item)
        return out

    # -- references ------------------------------------------------------------------------

    def _reference(self, expr: s.Expr, frame: Frame) -> Any:
        chain: list[tuple[str, Any]] = []
        node = expr
        while isinstance(node, (s.GetAttr, s.Index)):
            if isinstance(node, s.GetAttr):
                chain.append(("attr", node.name))
            else:
                chain.append(("index", node.key))
            node = node.obj
        chain.reverse()
        if isinstance(node, s.Name):
            value, used = self._root(node.name, chain, frame, expr)
        else:
            value, used = self._eval(node, frame), 0
        for i in range(used, len(chain)):
            if isinstance(value, InstanceValue) and chain[i:] == _AZAPI_PRINCIPAL \
                    and self._azapi_identity(value.instance):
                # An azapi identity's principal ID, what azurerm calls `principal_id`: the same
                # reference, so that principals compare across the two providers and Bicep.
                return ResourceRef(value.instance.key, "principal_id")
            kind, step = chain[i]
            key = step if kind == "attr" else self._eval(step, frame)
            value = self._step(value, key, kind == "attr", expr)
        return value

    def _azapi_identity(self, instance: Instance) -> bool:
        if instance.type != "azapi_resource" or instance.mode != "resource":
            return False
        type_ = (instance.owner or self).instance_attribute(instance, "type")
        return isinstance(type_, str) and arm_ids.kind_of(type_.split("@", 1)[0]) == "identity"

    def _root(self, name: str, chain: list[tuple[str, Any]], frame: Frame,
              expr: s.Expr) -> tuple[Any, int]:
        """Resolve the namespace a reference starts with; returns the value and how many chain
        steps it consumed."""
        if name in frame.names:
            return frame.names[name], 0
        first = chain[0][1] if chain and chain[0][0] == "attr" else None
        instance = frame.instance
        if name == "var" and first is not None:
            return self.variable(first), 1
        if name == "local" and first is not None:
            return self.local(first), 1
        if name == "each" and instance is not None and first in ("key", "value"):
            return (instance.each_key if first == "key" else instance.each_value), 1
        if name == "count" and instance is not None and first == "index":
            return instance.count_index, 1
        if name == "data" and len(chain) >= 2 and chain[1][0] == "attr" and first is not None:
            if ("data", first, chain[1][1]) in self.blocks:
                return self._collection("data", first, chain[1][1]), 2
            return Unknown(s.render(expr), UnknownCause.UNDECLARED_DATA_SOURCE), len(chain)
        if name == "module" and first is not None:
            if first in self.module_calls:
                return self._module_collection(first), 1
            return Unknown(s.render(expr), UnknownCause.UNDECLARED_MODULE), len(chain)
        if first is not None and ("resource", name, first) in self.blocks:
            return self._collection("resource", name, first), 1
        if first is not None and "_" in name:
            # `type.name` of a resource block this module does not declare (a misspelt name).
            return Unknown(s.render(expr), UnknownCause.UNDECLARED_RESOURCE), len(chain)
        return Unknown(s.render(expr)), len(chain)

    def _step(self, value: Any, key: Any, is_attr: bool, whole: s.Expr) -> Any:
        if isinstance(value, InstanceValue):
            if isinstance(key, str):
                return (value.instance.owner or self).instance_attribute(value.instance, key)
            return Unknown(s.render(whole))
        if isinstance(value, ModuleValue):
            if isinstance(key, str):
                return value.module.output(key)
            return Unknown(s.render(whole))
        if isinstance(value, (Unknown, ResourceRef)) or isinstance(key, (Unknown, ResourceRef)):
            return Unknown(s.render(whole))
        if isinstance(value, dict):
            if isinstance(key, (int, float)) and not isinstance(key, bool):
                key = text_of(key)
            if key not in value:
                raise EvalError(f"no key {key!r}")
            return value[key]
        if isinstance(value, list):
            if is_attr or isinstance(key, bool):
                raise EvalError("attribute of a list")
            index = int(number_of(key))
            if not 0 <= index < len(value):
                raise EvalError("index out of range")
            return value[index]
        raise EvalError("cannot index this value")

    def variable(self, name: str) -> Any:
        if name in self.inputs:
            return self.inputs[name]
        block = self.variable_blocks.get(name)
        given = self.input_exprs.get(name)
        if given is not None:
            if name in self._input_stack:
                return Unknown(f"{self.address_prefix}var.{name}", UnknownCause.CYCLE)
            self._input_stack.add(name)
            try:
                value = given.caller.eval(given.expr, given.frame)
            finally:
                self._input_stack.discard(name)
            # An explicit null stays null, as for Terraform's default ``nullable = true``.
            value = convert_to_type(value, block)
            self.inputs[name] = value
            return value
        if block is not None and "default" in block.attributes:
            value = convert_to_type(self.eval(block.attributes["default"].expr, Frame()), block)
            self.inputs[name] = value
            return value
        return Unknown(f"{self.address_prefix}var.{name}", UnknownCause.NO_INPUT_VALUE)

    def local(self, name: str) -> Any:
        if name in self._local_values:
            return self._local_values[name]
        entry = self.locals.get(name)
        if entry is None:
            return Unknown(f"local.{name}", UnknownCause.UNDECLARED_LOCAL)
        if name in self._local_stack:
            attribute, display = entry
            cycle = " -> ".join([*self._local_stack[self._local_stack.index(name):], name])
            message = f"locals refer to each other in a cycle: {cycle}"
            self.problems.append(ModuleProblem(attribute.pos, display, message))
            return Unknown(f"local.{name}", UnknownCause.CYCLE)
        self._local_stack.append(name)
        try:
            value = self.value(entry[0].expr, Frame())
        finally:
            self._local_stack.pop()
        self._local_values[name] = value
        return value

    # -- blocks ----------------------------------------------------------------------------

    def evaluate_block(self, block: s.Block, frame: Frame) -> EvalBlock:
        values: dict[str, Any] = {}
        exprs: dict[str, s.Expr] = {}
        positions: dict[str, s.Pos] = {}
        for name, attribute in block.attributes.items():
            if name in META_ARGUMENTS:
                continue
            values[name] = self.value(attribute.expr, frame)
            exprs[name] = attribute.expr
            positions[name] = attribute.pos
        nested: dict[str, list[EvalBlock]] = {}
        unknown_blocks: set[str] = set()
        for child in block.blocks:
            if child.type == "dynamic" and child.labels:
                self._dynamic(child, frame, nested, unknown_blocks)
            elif child.type not in ("lifecycle",):
                nested.setdefault(child.type, []).append(self.evaluate_block(child, frame))
        return EvalBlock(block.type, block.pos, values, exprs, positions, nested, unknown_blocks)

    def _dynamic(self, block: s.Block, frame: Frame, nested: dict[str, list[EvalBlock]],
                 unknown_blocks: set[str]) -> None:
        produced = block.labels[0]
        iterator = produced
        if "iterator" in block.attributes and isinstance(block.attributes["iterator"].expr, s.Name):
            iterator = block.attributes["iterator"].expr.name
        content = next((b for b in block.blocks if b.type == "content"), None)
        for_each = block.attributes.get("for_each")
        if content is None or for_each is None:
            return
        collection = self.eval(for_each.expr, frame)
        if isinstance(collection, dict):
            pairs = [(k, collection[k]) for k in sorted(collection)]
        elif isinstance(collection, list):
            pairs = list(enumerate(collection))
        else:
            unknown_blocks.add(produced)
            return
        if not self._afford(len(pairs), for_each.expr):
            unknown_blocks.add(produced)
            return
        for key, value in pairs:
            if self.budget.spent is not None:  # the rest of this dynamic block is unknown
                unknown_blocks.add(produced)
                return
            inner = frame.with_names(**{iterator: {"key": key, "value": value}})
            evaluated = self.evaluate_block(content, inner)
            evaluated.type = produced
            nested.setdefault(produced, []).append(evaluated)


def _divide(a: float, b: float) -> float:
    result = a / b
    return int(result) if isinstance(result, float) and result.is_integer() else result


_ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": _divide, "%": operator.mod}


def _digit_limit(error: ValueError) -> bool:
    """Whether ``error`` is Python's limit on converting long integers to or from text."""
    return "integer string conversion" in str(error)


def _holds(node: Any, target: s.Expr) -> bool:
    """Whether ``target`` is ``node`` or inside it (by identity: blocks, attributes, expressions)."""
    stack = [node]
    while stack:
        item = stack.pop()
        if item is target:
            return True
        if isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif hasattr(item, "__dataclass_fields__") and not isinstance(item, (s.Literal, s.Pos)):
            stack.extend(getattr(item, name) for name in item.__dataclass_fields__)
    return False


REFERABLE_DATA = {"azurerm_subscription", "azurerm_resource_group", "azurerm_kubernetes_cluster",
                  "azurerm_role_definition", "azurerm_user_assigned_identity",
                  "azurerm_kubernetes_fleet_manager", "azurerm_arc_kubernetes_cluster"}


PRIMITIVE_TYPES = ("string", "number", "bool")


def variable_type(block: s.Block | None) -> str | None:
    """``string``, ``number`` or ``bool`` for a primitive type constraint; ``complex`` for any other
    written constraint (``any`` included); None when the variable has no ``type``."""
    if block is None or "type" not in block.attributes:
        return None
    expr = block.attributes["type"].expr
    if isinstance(expr, s.Name) and expr.name in PRIMITIVE_TYPES:
        return expr.name
    return "complex"


_NUMBER_RE = re.compile(r"^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$")


def convert_to_type(value: Any, block: s.Block | None) -> Any:
    """Terraform converts a variable's value to its primitive type constraint (``"3"`` for a number
    is 3, ``true`` for a string is "true"). Values that do not convert stay as given."""
    kind = variable_type(block)
    if kind == "string" and isinstance(value, (bool, int, float)):
        return text_of(value)
    if kind == "number" and isinstance(value, str) and _NUMBER_RE.match(value.strip()):
        try:
            return number_of(value.strip())
        except NotComputed:
            assert block is not None
            return Unknown(f"var.{block.labels[0]}", UnknownCause.TOO_LARGE)
    if kind == "bool" and value in ("true", "false"):
        return value == "true"
    return value


def is_local_source(source: str) -> bool:
    """Terraform reads a module from a folder only when its source starts with ``./`` or ``../``."""
    return source.startswith(("./", "../")) or source in (".", "..")


def join_folder(directory: str, source: str) -> str:
    """The display path of ``source`` relative to the folder ``directory`` ("" is the report root)."""
    joined = posixpath.normpath(posixpath.join(directory or ".", source))
    return "" if joined == "." else joined


def _plain(value: Any) -> bool:
    """A value the operators can work on (not unknown, not a reference)."""
    return not isinstance(value, (Unknown, ResourceRef, InstanceValue, ModuleValue))


def _comparable(value: Any) -> bool:
    return not _holds_reference(value)


def _holds_reference(value: Any) -> bool:
    if isinstance(value, (ResourceRef, InstanceValue, ModuleValue)):
        return True
    if isinstance(value, dict):
        return any(_holds_reference(v) for v in value.values())
    if isinstance(value, list):
        return any(_holds_reference(v) for v in value)
    return False


def _all_instances(mapping: dict[str, Any]) -> bool:
    return bool(mapping) and all(isinstance(v, (InstanceValue, ModuleValue)) for v in mapping.values())
