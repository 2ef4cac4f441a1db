"""Evaluate a parsed Bicep template (and the local modules it calls) into canonical resources.

Values follow :mod:`analyzer.values`: anything the evaluator cannot resolve is an ``Unknown`` carrying
the canonical text of the expression it came from, never a guess. Objects and arrays are evaluated
into containers that remember where each key and item is written, so every prop gets the location
of the property a user must change.
"""

from __future__ import annotations

import hashlib
import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fleetiac.analyzer.frontends.bicep import ast as A
from fleetiac.analyzer.frontends.bicep.ast import render
from fleetiac.analyzer.frontends.bicep.values import (
    Collection,
    ModHandle,
    Partial,
    ResHandle,
    ScopeVal,
    UnknownRun,
    _is_int,
    checked_int,
    has_run,
    partial_id_type,
    run_of,
)
from fleetiac.analyzer.frontends.budget import Budget, BudgetExceeded, NotComputed
from fleetiac.analyzer.frontends.located import LocatedDict, LocatedList
from fleetiac.analyzer.knowledge import arm_ids
from fleetiac.analyzer.model import Diagnostic, Kind, Location, Resource
from fleetiac.analyzer.values import PartialId, ResourceRef, Unknown, UnknownCause

RG_NAME = Unknown("resourceGroup().name")
SUBSCRIPTION_ID = Unknown("subscription().subscriptionId")
MAX_MODULE_DEPTH = 16


@dataclass
class ContentReader:
    """Reads the files ``loadTextContent()`` and the like name: only files inside the scanned root
    (resolved after symbolic links), and remembers what it read (the unit's dependencies)."""

    root: Path | None
    """The folder display paths are relative to."""
    roots: tuple[Path, ...] = ()
    """Resolved folders files may be read from (the scanned root when empty)."""
    read: dict[str, tuple[int, str | None]] = field(default_factory=dict)
    """Display path -> (bytes looked at, digest of them; None: absent or unreadable; "outside":
    refused) of every file asked for."""

    def disk_path(self, display: str) -> Path | None:
        """Where ``display`` is on disk, or None when it may not be read."""
        from fleetiac.analyzer.frontends.sources import within

        if self.root is None or display.startswith(("../", "/")) or display == "..":
            return None
        path = self.root / display
        return path if within(path, self.roots or (self.root.resolve(),)) else None

    def read_bytes(self, display: str, limit: int) -> bytes | str | None:
        """The file's bytes (at most ``limit`` + 1), None when absent or unreadable, ``"outside"``
        when it lies outside the scanned root."""
        path = self.disk_path(display)
        if path is None:
            self.read[display] = (limit, "outside")
            return "outside"
        data = _head(path, limit)
        self.read[display] = (limit, hashlib.sha256(data).hexdigest() if data is not None else None)
        return data

    def unchanged(self, recorded: tuple[tuple[str, tuple[int, str | None]], ...]) -> bool:
        """Whether every file an earlier evaluation read still reads the same."""
        for display, (limit, digest) in recorded:
            path = self.disk_path(display)
            if path is None:
                now: str | None = "outside"
            else:
                data = _head(path, limit)
                now = hashlib.sha256(data).hexdigest() if data is not None else None
            if now != digest:
                return False
        return True


def _head(path: Path, limit: int) -> bytes | None:
    """The first ``limit`` + 1 bytes of a regular file (enough to tell it is too long), None when it is
    unreadable or no regular file (a FIFO would block, a device never end)."""
    try:
        if not path.is_file():
            return None
        with path.open("rb") as handle:
            return handle.read(limit + 1)
    except OSError:
        return None


@dataclass
class UnitContext:
    """What every instance of one unit shares: the parsed files and the resources emitted so far."""

    files: dict[str, Any]
    """Display path -> ParsedBicep (only successfully parsed templates)."""
    resources: list[Resource] = field(default_factory=list)
    by_name_children: list[tuple[Resource, str]] = field(default_factory=list)
    problems: dict[Location, str] = field(default_factory=dict)
    """Module declarations that were not followed (a cycle, too deep), with why: one per declaration."""
    budget: Budget = field(default_factory=Budget)
    """Values and seconds left to this evaluation (see :mod:`analyzer.frontends.budget`)."""
    reader: ContentReader | None = None
    """Reads the files the ``load*Content()`` functions name; None: no file is read."""

    def budget_diagnostics(self, template: str) -> list[Diagnostic]:
        """The diagnostic saying where evaluation stopped, once the budget is spent."""
        diagnostic = self.budget.diagnostic(Location(template, 1, 1), "template")
        return [diagnostic] if diagnostic is not None else []


@dataclass
class Copy:
    """One copy of a resource or module declaration (one loop iteration, or the only one)."""

    decl: Any
    key: str
    address: str
    env: dict[str, Any]
    body: A.Expr
    arm_type: str
    parent: Copy | None = None


class _Missing:
    pass


MISSING = _Missing()


class Instance:
    """One evaluation of one template with given parameter values and deployment scope."""

    def __init__(self, ctx: UnitContext, parsed: Any, params: dict[str, Any], key_prefix: str,
                 address_prefix: str, rg: Any, sub: Any, depth: int = 0,
                 templates: tuple[str, ...] = (), param_origins: dict[str, Origin] | None = None) -> None:
        self.ctx = ctx
        self.param_origins = param_origins or {}
        """Where each of ``params`` was given (its ``.bicepparam`` line, the module call's argument):
        a function of the path inside the value, see :meth:`origin`."""
        self.templates = (*templates, parsed.path)
        """The templates from the root down to this one (a module calling one of them is a cycle)."""
        self.file = parsed
        self.params_in = params
        self.key_prefix = key_prefix
        self.address_prefix = address_prefix
        self.sub = sub
        self.target_scope = parsed.target_scope
        self.rg = rg if self.target_scope == "resourceGroup" else None
        self.depth = depth
        self.cache: dict[str, Any] = {}
        self.busy: set[str] = set()
        self.decls: dict[str, tuple[Any, str | None]] = {}
        for decl in parsed.resources:
            self._register(decl, None)
        self.modules = {m.symbol: m for m in parsed.modules}
        self.copy_cache: dict[str, list[Copy]] = {}
        self.module_cache: dict[str, list[Copy]] = {}
        self.children: dict[str, Instance | None] = {}
        self.imported_files: dict[str, Instance | None] = {}

    def _register(self, decl: A.ResourceDecl, parent: str | None) -> None:
        symbol = decl.symbol if parent is None else f"{parent}::{decl.symbol}"
        self.decls[symbol] = (decl, parent)
        body = _object_of(decl.body)
        if body is not None:
            for child in body.resources:
                self._register(child, symbol)

    def loc(self, node: Any) -> Location:
        return Location(self.file.path, node.line, node.col)

    # -- where values were set ---------------------------------------------------------------------
    def origin(self, node: A.Expr, env: dict[str, Any], path: tuple[str | int, ...] = (),
               depth: int = 0) -> Location | None:
        """Where the value at ``path`` inside the value of ``node`` was set: the expression (or the
        object property) that writes it, following references to parameters (to the ``.bicepparam``
        line or the module argument that gives them, else their default), variables, and the keys
        and items of written objects and arrays. None when that is not certain (a function's result
        taken apart, a spread, an index not known)."""
        if depth > _ORIGIN_DEPTH:
            return None
        if isinstance(node, A.Obj):
            if not path:
                return self.loc(node)
            step = path[0]
            if not isinstance(step, str) or any(isinstance(p, A.Spread) for p in node.pairs):
                return None
            pair = next((p for p in reversed(node.pairs) if isinstance(p.key, str) and p.key.lower() == step.lower()),
                        None)
            if pair is None:
                return None
            if len(path) == 1 and not _is_reference(pair.value):
                return self.loc(pair)
            return self.origin(pair.value, env, path[1:], depth + 1)
        if isinstance(node, A.Array):
            if not path:
                return self.loc(node)
            step = path[0]
            if not isinstance(step, int) or any(isinstance(i, A.Spread) for i in node.items) \
                    or not 0 <= step < len(node.items):
                return None
            item = node.items[step]
            if len(path) == 1 and not _is_reference(item):
                return self.loc(item)
            return self.origin(item, env, path[1:], depth + 1)
        if isinstance(node, A.Ident):
            name = node.name
            if name in env:  # a loop's item: where its keys are written, when it is a written object
                return _written_at(env[name], path)
            if name in self.file.params:
                if name in self.params_in:
                    given = self.param_origins.get(name)
                    return given(path, depth + 1) if given is not None else None
                default = self.file.params[name].value
                return self.origin(default, {}, path, depth + 1) if default is not None else None
            if name in self.file.vars:
                return self.origin(self.file.vars[name].value, {}, path, depth + 1)
            return None
        if isinstance(node, (A.Member, A.Index)):
            if isinstance(node, A.Member):
                key: str | int = node.name
            else:
                index = self.publish(self.eval(node.index, env), node.index)
                if node.from_end or not isinstance(index, (str, int)) or isinstance(index, bool):
                    return None
                key = index
            found = self.origin(node.obj, env, (key, *path), depth + 1)
            if found is not None:
                return found
            return _written_at(self.eval(node.obj, env), (key, *path))
        return None if path else self.loc(node)  # computed by this expression

    def given_origin(self, node: A.Expr, env: dict[str, Any], at: Location) -> Origin:
        """The origin of a value given as ``node`` (a parameter file's assignment, a module
        argument): a value written there, not a reference, is set at ``at``."""
        def origin(path: tuple[str | int, ...], depth: int) -> Location | None:
            if not path and not _is_reference(node):
                return at
            return self.origin(node, env, path, depth)

        return origin

    # -- symbols -----------------------------------------------------------------------------------
    def lookup(self, name: str, env: dict[str, Any], node: A.Expr) -> Any:
        if name in env:
            return env[name]
        if name in self.file.params:
            return self.param(name)
        if name in self.file.vars:
            return self.var(name)
        if name in self.decls:
            copies = self.copies(name)
            if _is_looped(self.decls[name][0].body):
                return Collection(tuple(self.handle(c) for c in copies), name)
            return self.handle(copies[0]) if copies else Unknown(name, UnknownCause.CONDITION_FALSE)
        if name in self.modules:
            copies = self.module_copies(name)
            if _is_looped(self.modules[name].body):
                return Collection(tuple(ModHandle(self, c, name) for c in copies), name)
            return ModHandle(self, copies[0], name) if copies else Unknown(name, UnknownCause.CONDITION_FALSE)
        value = self.imported(name)
        if value is not MISSING:
            return value
        return Unknown(render(node), UnknownCause.UNRESOLVED_NAME)

    def imported(self, name: str) -> Any:
        """A variable imported from a scanned file: ``import {a as b} from 'x.bicep'`` (its value), or
        ``import * as ns from 'x.bicep'`` (its variables by name). An exported variable refers only to
        its own file, so it is evaluated there, without parameters. MISSING when no import names it."""
        for decl in getattr(self.file, "imports", ()):
            if decl.wildcard == name:
                source = self.import_instance(decl.path)
                if source is None:
                    return Unknown(name, UnknownCause.UNRESOLVED_NAME)
                namespace = LocatedDict()
                for var, var_decl in source.file.vars.items():
                    namespace[var] = source.var(var)
                    namespace.locs[var] = source.loc(var_decl)
                return namespace
            for original, alias in decl.names:
                if alias == name:
                    source = self.import_instance(decl.path)
                    if source is None or original not in source.file.vars:
                        return Unknown(name, UnknownCause.UNRESOLVED_NAME)
                    return source.var(original)
        return MISSING

    def import_instance(self, path: str) -> Instance | None:
        """The instance of a local file imported from (None when it is not scanned, or imports back)."""
        target = _module_path(self.file.path, path)
        if target is None:  # a registry reference
            return None
        if target not in self.imported_files:
            parsed = self.ctx.files.get(target)
            if parsed is None or target in self.templates or self.depth >= MAX_MODULE_DEPTH:
                self.imported_files[target] = None
            else:
                self.imported_files[target] = Instance(self.ctx, parsed, {}, f"{target}#import#", "", self.rg,
                                                       self.sub, self.depth + 1, self.templates)
        return self.imported_files[target]

    def param(self, name: str) -> Any:
        if name in self.params_in:
            return self.params_in[name]
        decl = self.file.params[name]
        if decl.value is None:
            return Unknown(name, UnknownCause.NO_INPUT_VALUE)
        value = decl.value
        return self._cached("param:" + name, lambda: self.publish(self.eval(value, {}), value), name)

    def var(self, name: str) -> Any:
        decl = self.file.vars[name]
        return self._cached("var:" + name, lambda: self.eval(decl.value, {}), name)

    def _cached(self, key: str, compute: Any, text: str) -> Any:
        if key in self.cache:
            return self.cache[key]
        if key in self.busy:
            return Unknown(text, UnknownCause.CYCLE)
        self.busy.add(key)
        try:
            value = compute()
        finally:
            self.busy.discard(key)
        self.cache[key] = value
        return value

    def handle(self, copy: Copy) -> ResHandle:
        return ResHandle(copy.key, arm_ids.kind_of(copy.arm_type), copy.arm_type, self, copy)

    # -- copies ------------------------------------------------------------------------------------
    def copies(self, symbol: str) -> list[Copy]:
        if symbol in self.copy_cache:
            return self.copy_cache[symbol]
        if "copies:" + symbol in self.busy:
            return []
        self.busy.add("copies:" + symbol)
        try:
            decl, parent = self.decls[symbol]
            out: list[Copy] = []
            if parent is None:
                arm_type = _strip_version(decl.type)
                out = self._expand(decl, {}, self.key_prefix + decl.symbol, self.address_prefix + decl.symbol,
                                   arm_type, None)
            else:
                for pcopy in self.copies(parent):
                    arm_type = _child_type(pcopy.arm_type, decl.type)
                    out += self._expand(decl, dict(pcopy.env), f"{pcopy.key}::{decl.symbol}",
                                        f"{pcopy.address}::{decl.symbol}", arm_type, pcopy)
        finally:
            self.busy.discard("copies:" + symbol)
        self.copy_cache[symbol] = out
        return out

    def _expand(self, decl: Any, env: dict[str, Any], key: str, address: str, arm_type: str,
                parent: Copy | None) -> list[Copy]:
        """The copies a declaration body gives: one, none (false condition) or one per loop item."""
        body = decl.body
        if isinstance(body, A.IfBody):
            if self.eval(body.cond, env) is False:
                return []
            return [Copy(decl, key, address, env, body.body, arm_type, parent)]
        if not isinstance(body, A.For):
            return [Copy(decl, key, address, env, body, arm_type, parent)]
        out: list[Copy] = []
        inner = body.body
        for index, item_env in self.iterate(body, env):
            if body.filter is not None and self.eval(body.filter, item_env) is False:
                continue
            copy_body = inner.body if isinstance(inner, A.IfBody) else inner
            if isinstance(inner, A.IfBody) and self.eval(inner.cond, item_env) is False:
                continue
            out.append(
                Copy(decl, f"{key}[{index}]", f"{address}[{index}]", item_env, copy_body, arm_type, parent)
            )
        return out

    def iterate(self, loop: A.For, env: dict[str, Any], evaluated: Any = MISSING) -> list[tuple[str, dict[str, Any]]]:
        """(index text, environment) per iteration; one placeholder iteration when the array is unknown,
        so a looped declaration never disappears (its values are then unknown)."""
        items = self.eval(loop.iterable, env) if evaluated is MISSING else evaluated
        if isinstance(items, Collection):
            items = list(items.items)
        if isinstance(items, list):
            try:
                self.ctx.budget.charge(len(items))
            except BudgetExceeded:  # as for an unknown array: one placeholder iteration
                self.ctx.budget.stopped_at(self.loc(loop.iterable))
                items = None
        if not isinstance(items, list):
            text = render(loop.iterable)
            item_env = dict(env)
            item_env[loop.item] = Unknown(f"{text}[*]", UnknownCause.UNKNOWN_LOOP)
            if loop.index:
                item_env[loop.index] = Unknown(f"indexOf({text})", UnknownCause.UNKNOWN_LOOP)
            return [("*", item_env)]
        out = []
        text = render(loop.iterable)
        runs = 0
        for i, item in enumerate(items):
            item_env = dict(env)
            if isinstance(item, UnknownRun):
                # Elements not known, perhaps none: one placeholder iteration stands for them.
                item_env[loop.item] = Unknown(f"{text}[*]", UnknownCause.UNKNOWN_LOOP)
                if loop.index:
                    item_env[loop.index] = Unknown(f"indexOf({text})", UnknownCause.UNKNOWN_LOOP)
                out.append(("*" if not runs else f"*{runs}", item_env))
                runs += 1
                continue
            item_env[loop.item] = item
            if loop.index:
                item_env[loop.index] = i if not runs else Unknown(f"indexOf({text})", UnknownCause.UNKNOWN_LOOP)
            out.append((str(i), item_env))
        return out

    def name_of(self, copy: Copy) -> Any:
        body = copy.body
        if not isinstance(body, A.Obj):
            return Unknown(render(body))
        pair = _pair(body, "name")
        if pair is None:
            return None
        value = pair.value
        return self._cached("name:" + copy.key, lambda: self.publish(self.eval(value, copy.env), value),
                            render(value))

    # -- modules -----------------------------------------------------------------------------------
    def module_copies(self, symbol: str) -> list[Copy]:
        if symbol not in self.module_cache:
            decl = self.modules[symbol]
            self.module_cache[symbol] = self._expand(decl, {}, self.key_prefix + symbol,
                                                     self.address_prefix + symbol, "", None)
        return self.module_cache[symbol]

    def module_instance(self, copy: Copy) -> Instance | None:
        if copy.key in self.children:
            return self.children[copy.key]
        self.children[copy.key] = None
        decl = copy.decl
        path = _module_path(self.file.path, decl.path)
        parsed = self.ctx.files.get(path) if path else None
        if path is None or parsed is None or not isinstance(copy.body, A.Obj):
            return None
        if path in self.templates:
            chain = " -> ".join((*self.templates[self.templates.index(path):], path))
            self.ctx.problems.setdefault(self.loc(decl), f"module {copy.address} calls a module that calls itself: "
                                         f"{chain}; it is not analysed")
            return None
        if self.depth >= MAX_MODULE_DEPTH:
            self.ctx.problems.setdefault(self.loc(decl), f"module {copy.address} is nested more than "
                                         f"{MAX_MODULE_DEPTH} modules deep; it is not analysed")
            return None
        params: dict[str, Any] = {}
        origins: dict[str, Origin] = {}
        pair = _pair(copy.body, "params")
        if pair is not None:
            value = self.publish(self.eval(pair.value, copy.env), pair.value)
            if isinstance(value, dict):
                params = dict(value)
                if isinstance(pair.value, A.Obj) and not any(isinstance(p, A.Spread) for p in pair.value.pairs):
                    for argument in pair.value.pairs:
                        if isinstance(argument.key, str):
                            origins[argument.key] = self.given_origin(argument.value, copy.env, self.loc(argument))
        rg, sub = self.rg, self.sub
        scope_pair = _pair(copy.body, "scope")
        if scope_pair is not None:
            scope = self.eval(scope_pair.value, copy.env)
            if isinstance(scope, ScopeVal):
                rg = scope.name if scope.kind == "resourceGroup" else None
                sub = scope.sub if scope.kind in {"resourceGroup", "subscription"} else None
            elif isinstance(scope, ResHandle) and scope.kind == Kind.RESOURCE_GROUP:
                rg = scope.owner.name_of(scope.copy)
            else:
                rg = Unknown(f"{render(scope_pair.value)}.name")
        elif parsed.target_scope == "subscription":
            rg = None
        child_key = f"{copy.key}/{path}#"
        child_address = f"{copy.address}/"
        instance = Instance(self.ctx, parsed, params, child_key, child_address, rg, sub, self.depth + 1,
                            self.templates, origins)
        self.children[copy.key] = instance
        return instance

    def outputs(self) -> LocatedDict:
        out = LocatedDict()
        for name, decl in self.file.outputs.items():
            out[name] = self._cached("output:" + name,
                                     lambda d=decl: self.publish(self.eval(d.value, {}), d.value), name)
            out.locs[name] = Location(self.file.path, decl.line, decl.col)
        return out

    # -- emission ----------------------------------------------------------------------------------
    def emit(self) -> None:
        for symbol in self.decls:
            for copy in self.copies(symbol):
                self.emit_copy(copy)
        for symbol in self.modules:
            for copy in self.module_copies(symbol):
                child = self.module_instance(copy)
                if child is not None:
                    child.emit()

    def emit_copy(self, copy: Copy) -> None:
        kind = arm_ids.kind_of(copy.arm_type)
        if kind is None or not isinstance(copy.body, A.Obj):
            return
        from .canonical import build_resource

        resource, parent_name, inline = build_resource(self, copy, kind)
        self.ctx.resources.append(resource)
        self.ctx.resources.extend(inline)
        if parent_name is not None:
            self.ctx.by_name_children.append((resource, parent_name))

    # -- evaluation --------------------------------------------------------------------------------
    def publish(self, value: Any, node: A.Expr) -> Any:
        """The public value of an evaluation result (references become ``ResourceRef``)."""
        if isinstance(value, ResHandle):
            return ResourceRef(value.key, "id")
        if isinstance(value, (ScopeVal, Collection, ModHandle)):
            return Unknown(render(node))
        if isinstance(value, Partial):
            return Unknown(value.text)
        return value

    def eval(self, node: A.Expr, env: dict[str, Any]) -> Any:
        """The value of ``node``; never raises for anything the input does. A value too large to
        compute is unknown, and so, once the budget is spent, is this and every later expression."""
        if self.ctx.budget.spent is not None:
            return Unknown(render(node), UnknownCause.BUDGET)
        try:
            return self._eval(node, env)
        except BudgetExceeded:
            self.ctx.budget.stopped_at(self.loc(node))
            return Unknown(render(node), UnknownCause.BUDGET)
        except (NotComputed, OverflowError, MemoryError):
            return Unknown(render(node), UnknownCause.TOO_LARGE)
        except RecursionError:
            return Unknown(render(node), UnknownCause.TOO_DEEP)

    def _eval(self, node: A.Expr, env: dict[str, Any]) -> Any:
        self.ctx.budget.charge()
        if isinstance(node, A.Lit):
            return checked_int(node.value, node)
        if isinstance(node, A.Interp):
            out: list[str | None] = []
            for part in node.parts:
                if isinstance(part, str):
                    out.append(part)
                    continue
                value = self.publish(self.eval(part, env), part)
                out.append(_to_text(value))
            if any(piece is None for piece in out):
                # Unknown text; if it is an ARM ID whose unknown parts are only names, its type is known.
                arm_type = partial_id_type(out)
                return PartialId(render(node), arm_type=arm_type) if arm_type else Unknown(render(node))
            known = [piece for piece in out if piece is not None]
            self.ctx.budget.charge_text(sum(map(len, known)))
            return "".join(known)
        if isinstance(node, (A.Ident, A.Member, A.Index)):
            if isinstance(node, A.Ident):
                value = self.lookup(node.name, env, node)
            else:
                value = self.member(node, env) if isinstance(node, A.Member) else self.index(node, env)
            # A reference hands on a value made elsewhere, perhaps many times over: count all of it.
            self.ctx.budget.charge_size(value)
            return value
        if isinstance(node, A.Call):
            from .functions import call

            return call(self, node, env)
        if isinstance(node, A.Unary):
            value = self.eval(node.operand, env)
            if node.op == "!" and isinstance(value, bool):
                return not value
            if node.op == "-" and _is_int(value):
                return checked_int(-value, node)
            return Unknown(render(node))
        if isinstance(node, A.Binary):
            from .functions import binary

            return binary(self, node, env)
        if isinstance(node, A.Ternary):
            cond = self.eval(node.cond, env)
            if isinstance(cond, bool):
                return self.eval(node.then if cond else node.other, env)
            return Unknown(render(node))
        if isinstance(node, A.Array):
            arr = LocatedList()
            for item in node.items:
                if isinstance(item, A.Spread):  # `...xs`: its items, or an array of unknown length
                    items = self.eval(item.value, env)
                    if isinstance(items, Unknown):  # unknown elements, perhaps none: the others stay known
                        arr.append(run_of(items))
                        arr.locs.append(self.loc(item))
                        continue
                    if not isinstance(items, list):
                        return Unknown(render(node))
                    locs = items.locs if isinstance(items, LocatedList) else [self.loc(item)] * len(items)
                    arr.extend(items)
                    arr.locs.extend(locs)
                    continue
                arr.append(self.publish(self.eval(item, env), item))
                arr.locs.append(self.loc(item))
            return arr
        if isinstance(node, A.Obj):
            obj = LocatedDict()
            for pair in node.pairs:
                if isinstance(pair, A.Spread):  # `...o`: its properties, later ones replacing earlier ones
                    spread = self.eval(pair.value, env)
                    if not isinstance(spread, dict):
                        return Unknown(render(node))
                    for k, v in spread.items():
                        obj[k] = v
                        obj.locs[k] = spread.locs.get(k, self.loc(pair)) if isinstance(spread, LocatedDict) \
                            else self.loc(pair)
                    continue
                key = pair.key if isinstance(pair.key, str) else self.eval(pair.key, env)
                if isinstance(pair.key, A.Interp) and len(pair.key.parts) == 1 \
                        and not isinstance(pair.key.parts[0], str):
                    # `'${uami.id}': {}` (userAssignedIdentities): the key names a declared resource.
                    named = self.eval(pair.key.parts[0], env)
                    if isinstance(named, ResourceRef):
                        key = named
                if not isinstance(key, str | ResourceRef):
                    return Unknown(render(node))
                obj[key] = self.publish(self.eval(pair.value, env), pair.value)  # type: ignore[index]
                obj.locs[key] = self.loc(pair)  # type: ignore[index]
            return obj
        if isinstance(node, A.For):
            items = self.eval(node.iterable, env)
            if not isinstance(items, (list, Collection)):
                return Unknown(render(node), _carried_cause(items))
            arr = LocatedList()
            for index, item_env in self.iterate(node, env, items):
                if index.startswith("*"):  # unknown elements give unknown elements, perhaps none
                    arr.append(UnknownRun(render(node), UnknownCause.UNKNOWN_LOOP))
                    arr.locs.append(self.loc(node.body))
                    continue
                if node.filter is not None:
                    keep = self.eval(node.filter, item_env)
                    if keep is False:
                        continue
                    if not isinstance(keep, bool):
                        arr.append(UnknownRun(render(node), UnknownCause.NOT_STATIC))
                        arr.locs.append(self.loc(node.body))
                        continue
                arr.append(self.publish(self.eval(node.body, item_env), node.body))
                arr.locs.append(self.loc(node.body))
            if arr and all(isinstance(a, UnknownRun) for a in arr):
                return Unknown(render(node), arr[0].cause)  # nothing of it known, not even its length
            return arr
        return Unknown(render(node))

    def member(self, node: A.Member, env: dict[str, Any]) -> Any:
        obj = self.eval(node.obj, env)
        name = node.name
        if isinstance(obj, ResHandle):
            if name == "id":
                return ResourceRef(obj.key, "id")
            if name == "name":
                return obj.owner.name_of(obj.copy)
            if name == "type":
                return obj.arm_type
            return Partial(obj, (name,), render(node))
        if isinstance(obj, Partial):
            path = (*obj.path, name)
            if path == ("properties", "principalId") and obj.handle.kind == Kind.IDENTITY:
                return ResourceRef(obj.handle.key, "principal_id")
            return Partial(obj.handle, path, render(node))
        if isinstance(obj, ModHandle):
            if name == "outputs":
                child = obj.owner.module_instance(obj.copy)
                return child.outputs() if child is not None else Unknown(render(node))
            if name == "name" and isinstance(obj.copy.body, A.Obj):
                pair = _pair(obj.copy.body, "name")
                if pair is not None:
                    return self.publish(obj.owner.eval(pair.value, obj.copy.env), pair.value)
            return Unknown(render(node))
        if isinstance(obj, ScopeVal):
            return _scope_member(obj, name, node)
        if isinstance(obj, ResourceRef) and obj.attr == "id" and name == "id":
            return obj  # a resource passed in (a resource-typed param): its id is the reference itself
        if isinstance(obj, dict):
            if name in obj:
                return obj[name]
            folded = {k.lower(): k for k in obj}
            if name.lower() in folded:
                return obj[folded[name.lower()]]
            if node.safe:
                return None
            return Unknown(render(node), UnknownCause.NO_SUCH_PROPERTY)
        if obj is None and node.safe:
            return None
        if isinstance(obj, Unknown) and obj.cause in (UnknownCause.UNRESOLVED_NAME, UnknownCause.UNDECLARED_SYMBOL):
            # `typo.id`, where `typo` is no symbol of the file, is a misspelt resource reference; a
            # bare unresolved name could be an import the evaluator does not follow.
            cause = UnknownCause.UNDECLARED_SYMBOL if name == "id" else UnknownCause.UNRESOLVED_NAME
            return Unknown(render(node), cause)
        return Unknown(render(node))

    def index(self, node: A.Index, env: dict[str, Any]) -> Any:
        obj = self.eval(node.obj, env)
        idx = self.publish(self.eval(node.index, env), node.index)
        if isinstance(obj, Collection):
            obj_items: Any = list(obj.items)
        else:
            obj_items = obj
        if isinstance(obj_items, list) and _is_int(idx):
            if node.from_end:
                if has_run(obj_items):
                    return Unknown(render(node))  # how far from the end is unknown
                idx = len(obj_items) - idx
            if has_run(obj_items[:idx + 1] if idx >= 0 else obj_items):
                return Unknown(render(node))  # the unknown elements before it shift it by an unknown count
            if 0 <= idx < len(obj_items):
                return obj_items[idx]
            return None if node.safe else Unknown(render(node), UnknownCause.INDEX_OUT_OF_RANGE)
        if isinstance(obj_items, dict) and isinstance(idx, str):
            if idx in obj_items:
                return obj_items[idx]
            folded = {k.lower(): k for k in obj_items}
            if idx.lower() in folded:
                return obj_items[folded[idx.lower()]]
            return None if node.safe else Unknown(render(node), UnknownCause.NO_SUCH_PROPERTY)
        return Unknown(render(node))


Origin = Callable[[tuple[str | int, ...], int], Location | None]
"""Where a given parameter's value (at a path inside it) was set; see :meth:`Instance.origin`."""
_ORIGIN_DEPTH = 64
"""References followed at most, looking for where a value was set (a cycle of variables ends there)."""


def _is_reference(node: A.Expr) -> bool:
    """An expression whose value is set elsewhere (a name, a property or an item of one)."""
    return isinstance(node, (A.Ident, A.Member, A.Index))


def _written_at(value: Any, path: tuple[str | int, ...]) -> Location | None:
    """Where the value at ``path`` inside an evaluated value is written, when every step is a key or
    item of a written object or array (each remembers its place); None otherwise."""
    if not path:
        return None
    found: Location | None = None
    for step in path:
        locs = getattr(value, "locs", None)
        if isinstance(step, int) and isinstance(value, LocatedList) and 0 <= step < len(value) \
                and not has_run(value[:step + 1]):
            found = value.locs[step] if step < len(value.locs) else None
            value = value[step]
        elif isinstance(step, str) and isinstance(value, LocatedDict) and isinstance(locs, dict):
            key = step if step in value else next((k for k in value if isinstance(k, str)
                                                   and k.lower() == step.lower()), None)
            if key is None:
                return None
            found, value = locs.get(key), value[key]
        else:
            return None
        if found is None:
            return None
    return found


def _carried_cause(value: Any) -> UnknownCause:
    if isinstance(value, Unknown) and value.cause in (UnknownCause.UNSUPPORTED_FUNCTION, UnknownCause.BUDGET):
        return value.cause
    return UnknownCause.NOT_STATIC


def _scope_member(scope: ScopeVal, name: str, node: A.Expr) -> Any:
    if scope.kind == "resourceGroup":
        if name == "name":
            return scope.name
        if name == "id" and isinstance(scope.sub, str) and isinstance(scope.name, str):
            return f"/subscriptions/{scope.sub}/resourceGroups/{scope.name}"
    if scope.kind == Kind.SUBSCRIPTION:
        if name == "subscriptionId":
            return scope.sub
        if name == "id" and isinstance(scope.sub, str):
            return f"/subscriptions/{scope.sub}"
    if scope.kind == "managementGroup" and name == "name":
        return scope.name
    return Unknown(render(node))


def _to_text(value: Any) -> str | None:
    """A value as it appears inside an interpolated string; None when it is not known text. The
    compiler writes an interpolation as ``format()``, which writes a bool as ``True``/``False`` (the
    Bicep compiler's own test: ``format('{0}', true)`` is ``True``)."""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, (str, int)):
        return str(value)
    return None


def _is_looped(body: A.Expr) -> bool:
    return isinstance(body, A.For)


def _object_of(body: A.Expr) -> A.Obj | None:
    while isinstance(body, (A.For, A.IfBody)):
        body = body.body
    return body if isinstance(body, A.Obj) else None


def _pair(obj: A.Obj, key: str) -> A.Pair | None:
    for pair in obj.pairs:
        if pair.key == key:
            return pair
    return None


def _strip_version(type_text: str) -> str:
    return type_text.split("@", 1)[0]


def _child_type(parent_type: str, child: str) -> str:
    """Full type of a nested child: a relative type (``members@...``) is appended to the parent's."""
    bare = _strip_version(child)
    first = bare.split("/", 1)[0]
    if "." in first:
        return bare
    return f"{parent_type}/{bare}"


def _module_path(caller: str, path: str) -> str | None:
    """Display path of a local module (None for registry and template-spec modules)."""
    if ":" in path.split("/", 1)[0]:
        return None
    base = posixpath.dirname(caller)
    return posixpath.normpath(posixpath.join(base, path))



