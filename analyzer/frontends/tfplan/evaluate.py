"""A plan's (or state's) resource instances as modules of the Terraform front end's evaluator, so the
one Terraform mapping (:mod:`analyzer.frontends.terraform.canonical`) makes their canonical resources.

Each resource instance of ``planned_values`` (``values`` for a state) becomes a block of its own whose
arguments are the instance's values, taken literally; nested blocks are the values that are lists of
objects. A value the plan leaves unknown (``after_unknown``) is unknown, unless the ``configuration``
writes it as a reference to another resource (``azurerm_kubernetes_fleet_manager.x.id``), a module
output or an instance of a collection (``azurerm_kubernetes_cluster.m[each.key].id``): then it is that
reference, resolved like the code's own. A value the code does not write and the plan leaves unknown
(a computed ``id``) is not written, so a reference to it is a reference, as in the code. Module
instances become child modules whose outputs are the configuration's output expressions.

Every block is located in the ``.tf`` code that declares it when that code is inside the scanned
root (the plan's folder is the root module; a call's local ``source``, or ``modules.json``, leads to
a module's folder), else at its place in the plan.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fleetiac.analyzer.frontends.terraform import syntax as s
from fleetiac.analyzer.frontends.terraform.jsonsyntax import JArray, JObject, JValue, plain
from fleetiac.analyzer.frontends.terraform.tfjson import OBJECT_ARGUMENTS, expression_text, literal, placed
from fleetiac.analyzer.values import Unknown

if TYPE_CHECKING:
    from fleetiac.analyzer.frontends.terraform.evaluate import Module, ModuleTree

KNOWN_FORMATS = ("0.1", "0.2", "1.0", "1.1", "1.2")
"""``format_version`` values of ``terraform show -json`` that fleetiac knows."""
ITERATORS = ("each.key", "count.index")
NOT_RESOURCES = {"var", "local", "module", "each", "count", "path", "terraform", "self", "data"}
_MODULE_STEP = re.compile(r'module\.([A-Za-z_][A-Za-z0-9_-]*)(?:\[(\d+|"(?:[^"\\]|\\.)*")\])?')

Loader = Callable[[str], "list[s.ParsedFile] | None"]


def module_steps(address: str) -> tuple[tuple[str, Any], ...]:
    """``module.a[0].module.b["x"]`` as ``(("a", 0), ("b", "x"))``; raises ValueError for another text."""
    steps: list[tuple[str, Any]] = []
    at = 0
    while at < len(address):
        match = _MODULE_STEP.match(address, at)
        if match is None:
            raise ValueError(address)
        key = match.group(2)
        steps.append((match.group(1), None if key is None else int(key) if key.isdigit() else json.loads(key)))
        at = match.end() + (1 if address.startswith(".", match.end()) else 0)
    return tuple(steps)


_STEP = re.compile(r'\.([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]|\[(each\.key|count\.index)\]')
_ROOT = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def traversal(text: str, pos: s.Pos) -> s.Expr:
    """A reference as the configuration lists it (``module.env["prod"].fleet_id``,
    ``azurerm_x.y[each.key].id``) as an expression, without the HCL parser (whose grammar takes a
    second to load); other text through it."""
    root = _ROOT.match(text)
    if root is not None:
        expr: s.Expr = s.Name(pos, root.group(0))
        at = root.end()
        while at < len(text):
            step = _STEP.match(text, at)
            if step is None:
                break
            name, number, quoted, iterator = step.groups()
            if name is not None:
                expr = s.GetAttr(pos, expr, name)
            elif number is not None:
                expr = s.Index(pos, expr, s.Literal(pos, int(number)))
            elif quoted is not None:
                expr = s.Index(pos, expr, s.Literal(pos, json.loads(quoted)))
            else:
                head, attr = iterator.split(".")
                expr = s.Index(pos, expr, s.GetAttr(pos, s.Name(pos, head), attr))
            at = step.end()
        else:
            return expr
    return expression_text(text, pos)


def index_suffix(index: Any) -> str:
    if index is None:
        return ""
    return f"[{index}]" if isinstance(index, int) else f'["{index}"]'


@dataclass(slots=True)
class PlanResource:
    mode: str
    """``resource`` or ``data`` (the plan says ``managed`` or ``data``)."""
    type: str
    name: str
    index: Any
    address: str
    node: JObject
    values: JObject | None
    unknown: Any
    """``after_unknown`` of the instance's change (plain JSON), None for a state."""


@dataclass(slots=True)
class PlanModule:
    address: str
    steps: tuple[tuple[str, Any], ...]
    pos: s.Pos
    resources: list[PlanResource] = field(default_factory=list)


def _text(node: Any) -> str | None:
    return node.value if isinstance(node, JValue) and isinstance(node.value, str) else None


def _objects(node: Any) -> list[JObject]:
    return [i for i in node.items if isinstance(i, JObject)] if isinstance(node, JArray) else []


def read_modules(root: JObject, kind: str) -> dict[str, PlanModule]:
    """The module instances of the plan's ``planned_values`` (a state's ``values``), by address, with
    their resource instances and each instance's ``after_unknown``."""
    unknown: dict[str, Any] = {}
    for change in _objects(root.get("resource_changes")):
        address, detail = _text(change.get("address")), change.get("change")
        if address is not None and isinstance(detail, JObject) and detail.get("after_unknown") is not None:
            unknown[address] = plain(detail.get("after_unknown"))
    values = root.get("planned_values" if kind == "plan" else "values")
    modules: dict[str, PlanModule] = {}

    def walk(node: JObject, address: str) -> None:
        try:
            steps = module_steps(address)
        except ValueError:
            return
        module = modules.setdefault(address, PlanModule(address, steps, node.pos))
        for resource in _objects(node.get("resources")):
            mode, type_, name = (_text(resource.get(k)) for k in ("mode", "type", "name"))
            full = _text(resource.get("address"))
            if mode not in ("managed", "data") or type_ is None or name is None or full is None:
                continue
            index = resource.get("index")
            index_value = index.value if isinstance(index, JValue) and isinstance(index.value, (int, str)) else None
            found = resource.get("values")
            module.resources.append(PlanResource("resource" if mode == "managed" else "data", type_, name,
                                                 index_value, full, resource,
                                                 found if isinstance(found, JObject) else None, unknown.get(full)))
        for child in _objects(node.get("child_modules")):
            child_address = _text(child.get("address"))
            if child_address is not None:
                walk(child, child_address)

    root_module = values.get("root_module") if isinstance(values, JObject) else None
    if isinstance(root_module, JObject):
        walk(root_module, "")
    for address in list(modules):  # a module with only child modules still calls them
        steps = modules[address].steps
        for depth in range(len(steps)):
            parent = ".".join(f"module.{n}{index_suffix(i)}" for n, i in steps[:depth])
            modules.setdefault(parent, PlanModule(parent, steps[:depth], modules[address].pos))
    return modules


def _prefix(shorter: str, longer: str) -> bool:
    return longer == shorter or longer.startswith((shorter + ".", shorter + "["))


def _resource_address(text: str) -> bool:
    parts = text.split(".")
    return (len(parts) == 2 and parts[0] not in NOT_RESOURCES) or (len(parts) == 3 and parts[0] == "data")


def reference_text(name: str, entry: JObject) -> str | None:
    """The reference a configuration expression is, when its ``references`` say which: one traversal
    (with the prefixes Terraform lists after it), or an ``*_id`` argument that takes the ``id`` of the
    instance of a collection with the same key (``[each.key]``, ``[count.index]``); None otherwise."""
    refs = [r.value for r in entry.get("references").items if isinstance(r, JValue) and isinstance(r.value, str)] \
        if isinstance(entry.get("references"), JArray) else []
    if not refs or any(r == "each.value" or r.startswith("each.value.") for r in refs):
        return None
    iterators = sorted({r for r in refs if r in ITERATORS})
    others = sorted({r for r in refs if r not in ITERATORS}, key=lambda r: (-len(r), r))
    if not others or not all(_prefix(o, others[0]) for o in others):
        return None
    head = others[0]
    if not iterators:
        return head
    if len(iterators) == 1 and name.endswith("_id") and _resource_address(head):
        return f"{head}[{iterators[0]}].id"
    return None


def _unknown_leaves(value: Any) -> int:
    if value is True:
        return 1
    if isinstance(value, dict):
        return sum(_unknown_leaves(v) for v in value.values())
    if isinstance(value, list):
        return sum(_unknown_leaves(v) for v in value)
    return 0


class PlanReader:
    """Builds the evaluator's modules for one plan."""

    def __init__(self, display: str, root: JObject, kind: str, loader: Loader | None,
                 manifest: dict[str, str], plan_folder: str) -> None:
        self.display = display
        self.root = root
        self.kind = kind
        self.loader = loader
        self.manifest = manifest
        self.plan_folder = plan_folder
        configuration = root.get("configuration")
        self.configuration = configuration if isinstance(configuration, JObject) else None
        self.key_prefix = f"{display}:"
        self._sources: dict[str, dict[tuple[str, ...], tuple[s.Block, str]]] = {}
        self.mapped: set[str] = set()
        """Folders whose ``.tf`` code declares blocks of the plan."""

    # -- configuration and code -------------------------------------------------------------

    def config_module(self, calls: tuple[str, ...]) -> JObject | None:
        if self.configuration is None:
            return None
        module = self.configuration.get("root_module")
        for call in calls:
            calls_node = module.get("module_calls") if isinstance(module, JObject) else None
            call_node = calls_node.get(call) if isinstance(calls_node, JObject) else None
            module = call_node.get("module") if isinstance(call_node, JObject) else None
        return module if isinstance(module, JObject) else None

    def config_expressions(self, calls: tuple[str, ...]) -> dict[tuple[str, str, str], JObject]:
        module = self.config_module(calls)
        out: dict[tuple[str, str, str], JObject] = {}
        for resource in _objects(module.get("resources") if module is not None else None):
            mode, type_, name = (_text(resource.get(k)) for k in ("mode", "type", "name"))
            expressions = resource.get("expressions")
            if mode is not None and type_ is not None and name is not None:
                out[("resource" if mode == "managed" else "data", type_, name)] = \
                    expressions if isinstance(expressions, JObject) else JObject(resource.pos, ())
        return out

    def folder(self, calls: tuple[str, ...]) -> str | None:
        """The folder of the code of the module the calls lead to, when it can be found."""
        from fleetiac.analyzer.frontends.terraform.evaluate import is_local_source, join_folder

        folder = self.plan_folder
        module = self.config_module(()) if self.configuration is not None else None
        for depth, call in enumerate(calls):
            calls_node = module.get("module_calls") if module is not None else None
            call_node = calls_node.get(call) if isinstance(calls_node, JObject) else None
            source = _text(call_node.get("source")) if isinstance(call_node, JObject) else None
            key = ".".join(calls[:depth + 1])
            if source is not None and is_local_source(source):
                folder = join_folder(folder, source)
            elif key in self.manifest:
                folder = self.manifest[key]
            else:
                return None
            inner = call_node.get("module") if isinstance(call_node, JObject) else None
            module = inner if isinstance(inner, JObject) else None
        return folder

    def sources(self, folder: str | None) -> dict[tuple[str, ...], tuple[s.Block, str]]:
        """The blocks the code in ``folder`` declares, by (kind, labels...)."""
        if folder is None or self.loader is None:
            return {}
        if folder not in self._sources:
            found: dict[tuple[str, ...], tuple[s.Block, str]] = {}
            for parsed in self.loader(folder) or []:
                for block in parsed.blocks:
                    if block.type in ("resource", "data", "module") and block.labels:
                        found.setdefault((block.type, *block.labels), (block, parsed.display))
            self._sources[folder] = found
        return self._sources[folder]

    # -- blocks ---------------------------------------------------------------------------------

    def _unknown_expr(self, name: str, expressions: JObject | None, where: s.Pos) -> s.Expr | None:
        """What an argument the plan leaves unknown is: the reference the code writes, unknown when
        the code writes something else, not written (None) when the code does not write it."""
        if expressions is None:
            return s.Unsupported(where, "known after apply")
        entry = expressions.get(name)
        if not isinstance(entry, JObject):
            return None
        text = reference_text(name, entry)
        if text is not None:
            try:
                return traversal(text, where)
            except s.SyntaxProblem:
                pass
        return s.Unsupported(where, "known after apply")

    def _value(self, value: Any, unknown: Any, entry_refs: s.Expr | None, where: s.Pos, mapped: bool) -> s.Expr:
        """A written value with its unknown parts (``after_unknown`` leaves) unknown, or the one
        reference the code writes for it when it has one unknown part."""
        if unknown is True:
            return entry_refs if entry_refs is not None else s.Unsupported(where, "known after apply")
        if isinstance(unknown, dict) and isinstance(value, JObject | JValue):
            members = value.members if isinstance(value, JObject) else ()
            items = []
            for key, key_pos, item in members:
                items.append((s.Literal(key_pos, key), self._value(item, unknown.get(key), entry_refs, where, mapped)))
            written = {key for key, _, _ in members}
            items.extend((s.Literal(where, key), self._value(None, part, entry_refs, where, mapped))
                         for key, part in sorted(unknown.items()) if key not in written and _unknown_leaves(part))
            return s.ObjectExpr(value.pos if value is not None else where, tuple(items))
        if isinstance(unknown, list) and isinstance(value, JArray):
            return s.TupleExpr(value.pos, tuple(self._value(item, unknown[i] if i < len(unknown) else None,
                                                            entry_refs, where, mapped)
                                                for i, item in enumerate(value.items)))
        if value is None:
            return s.Unsupported(where, "known after apply")
        expr = literal(value)
        return placed(expr, where) if mapped else expr

    def body(self, values: JObject | None, unknown: Any, expressions: JObject | None, source: s.Block | None,
             fallback: s.Pos | None, home: s.Pos) -> tuple[dict[str, s.Attribute], list[s.Block]]:
        """A block's arguments and nested blocks. ``home`` is where the block is written in the plan:
        where an argument the plan leaves out is located, when the code is not at hand."""
        attributes: dict[str, s.Attribute] = {}
        blocks: list[s.Block] = []
        unknowns = unknown if isinstance(unknown, dict) else {}
        members = list(values.members) if values is not None else []
        written = {name for name, _, _ in members}
        mapped = source is not None
        for name in sorted(n for n, v in unknowns.items() if v is True and n not in written):
            where = self._where(name, source, fallback or home, None, None)
            if isinstance(expressions.get(name) if expressions is not None else None, JArray):
                blocks.append(_unknown_blocks(name, where))
                continue
            expr = self._unknown_expr(name, expressions, where)
            if expr is not None:
                attributes[name] = s.Attribute(name, expr, where)
        for name, key_pos, value in members:
            part = unknowns.get(name)
            where = self._where(name, source, fallback, key_pos, value)
            if part is True and (isinstance(expressions.get(name) if expressions is not None else None, JArray)
                                 or (isinstance(value, JArray) and any(isinstance(i, JObject) for i in value.items))):
                blocks.append(_unknown_blocks(name, where))
                continue
            if part is True:
                expr = self._unknown_expr(name, expressions, where)
                if expr is not None:
                    attributes[name] = s.Attribute(name, expr, where)
                continue
            if name not in OBJECT_ARGUMENTS and isinstance(value, JArray) and value.items \
                    and all(isinstance(i, JObject) for i in value.items):
                written_blocks = [b for b in source.blocks if b.type == name] if source is not None else []
                configured = expressions.get(name) if expressions is not None else None
                for i, item in enumerate(value.items):
                    inner_source = written_blocks[i] if i < len(written_blocks) else None
                    inner_config = configured.items[i] if isinstance(configured, JArray) \
                        and i < len(configured.items) and isinstance(configured.items[i], JObject) else None
                    inner_unknown = part[i] if isinstance(part, list) and i < len(part) else None
                    pos = inner_source.pos if inner_source is not None else source.pos if source is not None \
                        else item.pos
                    inner_attributes, inner_blocks = self.body(
                        item, inner_unknown, inner_config if expressions is not None else None, inner_source,
                        fallback if source is None else source.pos if inner_source is None else None, item.pos)
                    blocks.append(s.Block(name, (), inner_attributes, tuple(inner_blocks), pos))
                continue
            if isinstance(value, JValue) and value.value is None:
                continue
            refs = None
            if _unknown_leaves(part) == 1 and expressions is not None and isinstance(expressions.get(name), JObject):
                found = self._unknown_expr(name, expressions, where)
                refs = found if not isinstance(found, s.Unsupported) else None
            attributes[name] = s.Attribute(name, self._value(value, part, refs, where, mapped), where)
        return attributes, blocks

    @staticmethod
    def _where(name: str, source: s.Block | None, fallback: s.Pos | None, key_pos: s.Pos | None,
               value: Any) -> s.Pos:
        if source is not None:
            attribute = source.attributes.get(name)
            return attribute.pos if attribute is not None else source.pos
        if fallback is not None:
            return fallback
        if key_pos is not None and value is not None:
            return s.Pos(key_pos.line, key_pos.column, value.pos.end_line, value.pos.end_column)
        return key_pos or s.Pos(1, 1, 1, 1)

    def resource_block(self, resource: PlanResource, expressions: JObject | None, source: s.Block | None,
                       meta: dict[str, s.Attribute]) -> s.Block:
        attributes, blocks = self.body(resource.values, resource.unknown, expressions, source, None,
                                       resource.node.pos)
        attributes.update(meta)
        lifecycle = [b for b in source.blocks if b.type == "lifecycle"] if source is not None else []
        if source is None and resource.mode == "resource":
            # A plan does not say which changes the code ignores.
            lifecycle = [s.Block("lifecycle", (), {"ignore_changes": s.Attribute(
                "ignore_changes", s.Unsupported(resource.node.pos, "not in the plan"), resource.node.pos)}, (),
                resource.node.pos)]
        pos = source.pos if source is not None else resource.node.pos
        return s.Block(resource.mode, (resource.type, resource.name), attributes, (*blocks, *lifecycle), pos)

    # -- modules ---------------------------------------------------------------------------------

    def build(self, tree: ModuleTree, variables: dict[str, Any]) -> Module:
        from fleetiac.analyzer.frontends.terraform.evaluate import Frame, Instance, Module, ModuleInput

        modules = read_modules(self.root, self.kind)
        by_parent: dict[str, list[PlanModule]] = defaultdict(list)
        for module in modules.values():
            if module.steps:
                parent = ".".join(f"module.{n}{index_suffix(i)}" for n, i in module.steps[:-1])
                by_parent[parent].append(module)

        def make(plan_module: PlanModule) -> Module:
            calls = tuple(n for n, _ in plan_module.steps)
            folder = self.folder(calls)
            sources = self.sources(folder)
            expressions = self.config_expressions(calls)
            have_config = self.config_module(calls) is not None
            files: dict[str, list[s.Block]] = defaultdict(list)
            instances: dict[tuple[str, str, str], list[tuple[PlanResource, s.Block]]] = defaultdict(list)
            displays: dict[tuple[str, str, str], str] = {}
            for resource in plan_module.resources:
                key = (resource.mode, resource.type, resource.name)
                written = sources.get(key)
                meta = _meta(resource.index, written[0].pos if written else resource.node.pos)
                block = self.resource_block(resource, expressions.get(key) if have_config else None,
                                            written[0] if written else None, meta)
                if written is not None and folder is not None:
                    self.mapped.add(folder)
                displays.setdefault(key, written[1] if written else self.display)
                instances[key].append((resource, block))
            for key, listed in instances.items():
                files[displays[key]].append(listed[0][1])
            children = sorted(by_parent.get(plan_module.address, []), key=lambda m: m.address)
            calls_made: dict[str, list[PlanModule]] = defaultdict(list)
            for child in children:
                calls_made[child.steps[-1][0]].append(child)
            call_blocks: dict[str, s.Block] = {}
            for call, called in calls_made.items():
                written = sources.get(("module", call))
                pos = written[0].pos if written else called[0].pos
                attributes = {"source": s.Attribute("source", s.Literal(pos, "."), pos),
                              **_meta(called[0].steps[-1][1], pos)}
                call_blocks[call] = s.Block("module", (call,), attributes, (), pos)
                files[written[1] if written else self.display].append(call_blocks[call])
            if plan_module.steps:
                files[self.display].extend(self._outputs(calls))
            parsed = [s.ParsedFile(display, tuple(blocks), {}) for display, blocks in sorted(files.items())]
            prefix = f"{plan_module.address}." if plan_module.address else ""
            module = Module(folder if folder is not None else self.plan_folder, parsed, {}, self.key_prefix, prefix,
                            tree, calls)
            module.inputs.update(variables if not plan_module.steps else {})
            for (mode, type_, name), listed in instances.items():
                module.set_instances(mode, type_, name, [
                    Instance(block, mode, type_, name, resource.address, self.key_prefix + resource.address,
                             each_key=resource.index if isinstance(resource.index, str) else None,
                             each_value=Unknown(f"{resource.address}.each.value"),
                             count_index=resource.index if isinstance(resource.index, int) else None,
                             owner=module)
                    for resource, block in sorted(listed, key=lambda pair: _order(pair[0].index))])
            for call, called in calls_made.items():
                made: list[tuple[Instance, Module | None]] = []
                for child in sorted(called, key=lambda m: _order(m.steps[-1][1])):
                    index = child.steps[-1][1]
                    instance = Instance(call_blocks[call], "module", "module", call, child.address,
                                        self.key_prefix + child.address,
                                        each_key=index if isinstance(index, str) else None,
                                        count_index=index if isinstance(index, int) else None, owner=module)
                    made_child = make(child)
                    for name, expr in self._inputs((*calls, call), call_blocks[call].pos).items():
                        made_child.input_exprs[name] = ModuleInput(module, expr, Frame(instance))
                    made.append((instance, made_child))
                module.set_children(call, made)
            return module

        root = modules.get("") or PlanModule("", (), self.root.pos)
        return make(root)

    def _config_expr(self, name: str, expression: Any, pos: s.Pos) -> s.Expr:
        """A configuration expression: its constant, the reference it is, else unknown."""
        if isinstance(expression, JObject):
            constant = expression.get("constant_value")
            text = reference_text(name, expression)
            if constant is not None:
                return literal(constant)
            if text is not None:
                with contextlib.suppress(s.SyntaxProblem):
                    return traversal(text, pos)
        return s.Unsupported(pos, "an expression the plan does not spell out")

    def _inputs(self, calls: tuple[str, ...], pos: s.Pos) -> dict[str, s.Expr]:
        """The arguments of the module call ``calls`` leads to, as the configuration writes them."""
        parent = self.config_module(calls[:-1])
        calls_node = parent.get("module_calls") if parent is not None else None
        call_node = calls_node.get(calls[-1]) if isinstance(calls_node, JObject) else None
        expressions = call_node.get("expressions") if isinstance(call_node, JObject) else None
        return {name: self._config_expr(name, entry, pos)
                for name, _, entry in (expressions.members if isinstance(expressions, JObject) else ())}

    def _outputs(self, calls: tuple[str, ...]) -> list[s.Block]:
        module = self.config_module(calls)
        outputs = module.get("outputs") if module is not None else None
        blocks = []
        for name, key_pos, output in outputs.members if isinstance(outputs, JObject) else ():
            expression = output.get("expression") if isinstance(output, JObject) else None
            expr = self._config_expr(name, expression, key_pos)
            blocks.append(s.Block("output", (name,), {"value": s.Attribute("value", expr, key_pos)}, (), key_pos))
        return blocks


def _unknown_blocks(name: str, pos: s.Pos) -> s.Block:
    """Nested blocks the plan leaves unknown as a whole (a ``dynamic`` block over an unknown
    collection): a ``dynamic`` block whose ``for_each`` is unknown, as the evaluator reads one."""
    unknown = s.Unsupported(pos, "known after apply")
    return s.Block("dynamic", (name,), {"for_each": s.Attribute("for_each", unknown, pos)},
                   (s.Block("content", (), {}, (), pos),), pos)


def _meta(index: Any, pos: s.Pos) -> dict[str, s.Attribute]:
    """``count`` or ``for_each`` for an instance key: the evaluator then treats references to the
    block as to a list or a map of instances."""
    if isinstance(index, int):
        return {"count": s.Attribute("count", s.Literal(pos, 0), pos)}
    if isinstance(index, str):
        return {"for_each": s.Attribute("for_each", s.Literal(pos, {}), pos)}
    return {}


def _order(index: Any) -> tuple[int, Any]:
    return (0, index) if isinstance(index, int) else (1, str(index)) if index is not None else (-1, 0)


def sensitive_texts(root: JObject, kind: str) -> dict[str, str]:
    """What reports must not show of a plan: every string (and number) Terraform marks sensitive
    (a resource's ``sensitive_values``, a variable declared ``sensitive``), each shown as
    ``(sensitive value)``. ``terraform show -json`` writes sensitive values in clear."""
    from fleetiac.analyzer.frontends.terraform import MASK_MIN_LENGTH

    found: set[str] = set()

    def take(value: Any, marks: Any) -> None:
        if marks is True:
            collect(value)
        elif isinstance(marks, dict) and isinstance(value, dict):
            for key, inner in marks.items():
                take(value.get(key), inner)
        elif isinstance(marks, list) and isinstance(value, list):
            for item, inner in zip(value, marks, strict=False):
                take(item, inner)

    def collect(value: Any) -> None:
        if isinstance(value, dict):
            for inner in value.values():
                collect(inner)
        elif isinstance(value, list):
            for inner in value:
                collect(inner)
        elif isinstance(value, str):
            found.add(value)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            found.add(str(value))

    values = root.get("planned_values" if kind == "plan" else "values")

    def walk(node: Any) -> None:
        if not isinstance(node, JObject):
            return
        for resource in _objects(node.get("resources")):
            marks = resource.get("sensitive_values")
            if marks is not None:
                take(plain(resource.get("values")) if resource.get("values") is not None else None, plain(marks))
        for child in _objects(node.get("child_modules")):
            walk(child)

    walk(values.get("root_module") if isinstance(values, JObject) else None)
    configuration = root.get("configuration")
    module = configuration.get("root_module") if isinstance(configuration, JObject) else None
    declared = module.get("variables") if isinstance(module, JObject) else None
    given = root.get("variables")
    for name, _, variable in declared.members if isinstance(declared, JObject) else ():
        sensitive = variable.get("sensitive") if isinstance(variable, JObject) else None
        entry = given.get(name) if isinstance(given, JObject) else None
        if isinstance(sensitive, JValue) and sensitive.value is True and isinstance(entry, JObject):
            collect(plain(entry.get("value")) if entry.get("value") is not None else None)
    return {text: "(sensitive value)" for text in sorted(found)
            if len(text) >= MASK_MIN_LENGTH and text not in ("true", "false", "null")}


def provider_constraints(root: JObject) -> list[tuple[str, str]]:
    """(provider source, version constraint) of the configuration's ``provider_config``."""
    configuration = root.get("configuration")
    providers = configuration.get("provider_config") if isinstance(configuration, JObject) else None
    out = []
    for _, _, provider in providers.members if isinstance(providers, JObject) else ():
        if not isinstance(provider, JObject):
            continue
        source = _text(provider.get("full_name")) or _text(provider.get("name"))
        constraint = _text(provider.get("version_constraint"))
        if source is not None and constraint is not None:
            out.append((source, constraint))
    return out
