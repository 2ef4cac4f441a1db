"""Evaluate an ARM template (its nested and linked templates too) into canonical resources.

A :class:`Template` is one evaluation of one template body with given parameter values, deployment
scope (subscription, resource group) and key prefix. JSON strings that are template expressions
(``[...]``) are parsed once per unit and evaluated with :mod:`analyzer.frontends.armjson.functions`;
anything that cannot be resolved is an :class:`~analyzer.values.Unknown`, never a guess. Objects and
arrays are evaluated into located containers, so every prop points at the JSON key that writes it.

What a template does:

- ``parameters`` (values from a parameter file or a calling deployment, else ``defaultValue``),
  ``variables`` (with ``copy`` loops), user-defined ``functions``;
- ``resources`` as an array, or as an object of symbolic names (``languageVersion`` 2.0), each with
  ``condition``, a ``copy`` loop, nested child ``resources``, and property ``copy`` loops in its body;
- ``Microsoft.Resources/deployments`` with an inline ``template`` (``expressionEvaluationOptions``
  ``inner`` or ``outer`` scope) or a ``templateLink.relativePath`` to a scanned template (a path that
  leads outside the scanned files is not followed); ``reference(<such a deployment>).outputs`` are its
  template's outputs.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import Any

from fleetiac.analyzer.frontends import arm
from fleetiac.analyzer.frontends.armjson.syntax import (
    TEMPLATE_SCHEMA,
    Expr,
    ExprError,
    ParsedArm,
    is_expression,
    literal,
    parse_expression,
)
from fleetiac.analyzer.frontends.bicep.values import LocalId, _is_int
from fleetiac.analyzer.frontends.budget import Budget, BudgetExceeded, NotComputed
from fleetiac.analyzer.frontends.located import LocatedDict, LocatedList
from fleetiac.analyzer.knowledge import arm_ids
from fleetiac.analyzer.model import Diagnostic, Kind, Location, Resource
from fleetiac.analyzer.values import ResourceRef, Unknown, UnknownCause

from .functions import ArmReference, call, principal_of, render

RG_NAME = Unknown("resourceGroup().name")
SUBSCRIPTION_ID = Unknown("subscription().subscriptionId")
MAX_DEPTH = 16
"""Nested deployments followed, one inside the other."""
MAX_COPIES = 800
"""ARM's own limit of a ``copy`` loop's count."""
MAX_CALL_DEPTH = 32
"""User-defined function calls, one inside the other."""
DEPLOYMENTS = "microsoft.resources/deployments"

Env = dict[str, Any]
"""Loop indexes by loop name (``""``: the resource's own loop); ``$params``: a user function's arguments."""


@dataclass
class UnitContext:
    files: dict[str, ParsedArm]
    """Display path -> parsed template (every scanned ARM template)."""
    resources: list[Resource] = field(default_factory=list)
    by_name_children: list[tuple[Resource, str]] = field(default_factory=list)
    problems: dict[Location, str] = field(default_factory=dict)
    budget: Budget = field(default_factory=Budget)
    expressions: dict[str, Expr | None] = field(default_factory=dict)
    deployments: dict[str, Template | None] = field(default_factory=dict)
    """Deployment copy key -> the template it deploys (None: not followed)."""
    deployment_copies: dict[tuple[str, str], Copy] = field(default_factory=dict)
    """(template key prefix, deployment name lowered) -> the deployment's copy, for ``reference()``."""
    full_names: dict[str, str] = field(default_factory=dict)
    """Resource key -> its full ARM name (``fleet/member``), for ``resourceId()`` to find it by."""
    calls: int = 0

    def parse(self, text: str) -> Expr | None:
        if text not in self.expressions:
            try:
                self.expressions[text] = parse_expression(text)
            except (ExprError, RecursionError):
                self.expressions[text] = None
        return self.expressions[text]

    def budget_diagnostics(self, template: str) -> list[Diagnostic]:
        diagnostic = self.budget.diagnostic(Location(template, 1, 1), "template")
        return [diagnostic] if diagnostic is not None else []


def target_scope_of(body: Any, default: str = "resourceGroup") -> str:
    schema = _get(body, "$schema")
    if not isinstance(schema, str) or not TEMPLATE_SCHEMA.search(schema):
        return default
    lowered = schema.lower()
    for prefix, scope in (("subscription", "subscription"), ("managementgroup", "managementGroup"),
                          ("tenant", "tenant")):
        if prefix + "deploymenttemplate" in lowered:
            return scope
    return "resourceGroup"


def _get(obj: Any, key: str) -> Any:
    """A key of a JSON object regardless of case (ARM's property names are); None when absent."""
    if not isinstance(obj, dict):
        return None
    if key in obj:
        return obj[key]
    lowered = key.lower()
    return next((v for k, v in obj.items() if k.lower() == lowered), None)


def _key(obj: Any, key: str) -> str | None:
    if not isinstance(obj, dict):
        return None
    lowered = key.lower()
    return next((k for k in obj if k.lower() == lowered), None)


@dataclass(frozen=True, slots=True)
class DeploymentRef:
    """What ``reference(<a nested or linked deployment of this template>)`` names: its outputs are known."""

    key: str
    prefix: str


@dataclass
class Decl:
    """One resource declaration of a template: its JSON object and where it is written."""

    body: dict[str, Any]
    address: str
    """``resources[0]``, a symbolic name, ``resources[0].resources[1]``."""
    location: Location
    symbol: str | None = None


@dataclass
class Copy:
    decl: Decl
    key: str
    address: str
    env: Env
    arm_type: str
    parent: Copy | None = None
    resource: Resource | None = None


class Template:
    def __init__(self, ctx: UnitContext, path: str, body: Any, params: dict[str, Any], key_prefix: str,
                 address_prefix: str, rg: Any, sub: Any, target_scope: str, depth: int = 0,
                 chain: tuple[str, ...] = (), names: Template | None = None) -> None:
        self.ctx = ctx
        self.path = path
        self.body = body if isinstance(body, dict) else LocatedDict()
        self.params_in = {k.lower(): v for k, v in params.items()}
        self.key_prefix = key_prefix
        self.address_prefix = address_prefix
        self.target_scope = target_scope
        self.rg = rg if target_scope == "resourceGroup" else None
        self.sub = sub
        self.depth = depth
        self.chain = (*chain, path)
        self.names = names or self
        """The template whose parameters, variables and functions expressions read (the outer one
        for a nested template with ``outer`` scope)."""
        self.cache: dict[str, Any] = {}
        self.busy: set[str] = set()
        self.symbols: dict[str, list[Copy]] = {}

    def loc(self, container: Any, key: Any, fallback: Location | None = None) -> Location:
        locs = getattr(container, "locs", None)
        found = None
        if isinstance(locs, dict):
            found = locs.get(key)
        elif isinstance(locs, list) and isinstance(key, int) and key < len(locs):
            found = locs[key]
        return found or fallback or Location(self.path, 1, 1)

    # -- values ------------------------------------------------------------------------------------
    def value(self, raw: Any, env: Env) -> Any:
        """A JSON value of the template, evaluated (expressions in strings, property loops)."""
        if self.ctx.budget.spent is not None:
            return Unknown("…", UnknownCause.BUDGET)
        try:
            self.ctx.budget.charge()
        except BudgetExceeded:
            return Unknown("…", UnknownCause.BUDGET)
        if isinstance(raw, str):
            return self.string(raw, env)
        if isinstance(raw, dict):
            out = LocatedDict()
            for key, item in raw.items():
                if key.lower() == "copy" and isinstance(item, list):
                    self.property_loops(raw, item, env, out)
                    continue
                out[key] = self.publish(self.value(item, env))
                out.locs[key] = self.loc(raw, key)
            return out
        if isinstance(raw, list):
            arr = LocatedList()
            for index, item in enumerate(raw):
                arr.append(self.publish(self.value(item, env)))
                arr.locs.append(self.loc(raw, index))
            return arr
        return raw

    def string(self, text: str, env: Env) -> Any:
        if not is_expression(text):
            return literal(text)
        expr = self.ctx.parse(text)
        if expr is None:
            return Unknown(text, UnknownCause.TEMPLATE_EXPRESSION)
        return self.eval(expr, env)

    def property_loops(self, raw: Any, loops: list[Any], env: Env, out: LocatedDict) -> None:
        """``"copy": [{"name": "x", "count": n, "input": {...}}]`` in an object: property ``x``, an array."""
        where = self.loc(raw, _key(raw, "copy"))
        for loop in loops:
            name = self.publish(self.value(_get(loop, "name"), env))
            if not isinstance(name, str):
                continue
            items = LocatedList()
            indexes = self.loop_indexes(loop, env)
            if indexes is None:
                out[name] = Unknown(f"copy {name}", UnknownCause.UNKNOWN_LOOP)
            else:
                raw_input = _get(loop, "input")
                for index in indexes:
                    items.append(self.publish(self.value(raw_input, {**env, name.lower(): index})))
                    items.locs.append(self.loc(loop, _key(loop, "input"), where))
                out[name] = items
            out.locs[name] = where

    def loop_indexes(self, loop: Any, env: Env) -> list[int] | None:
        count = self.publish(self.value(_get(loop, "count"), env))
        if isinstance(count, float) and count.is_integer():
            count = int(count)
        if not _is_int(count) or not 0 <= count <= MAX_COPIES:
            return None
        try:
            self.ctx.budget.charge(count)
        except BudgetExceeded:
            return None
        return list(range(count))

    def publish(self, value: Any) -> Any:
        if isinstance(value, ArmReference):
            return Unknown(value.text, value.cause)
        return value

    def eval(self, expr: Expr, env: Env) -> Any:
        if self.ctx.budget.spent is not None:
            return Unknown(render(expr), UnknownCause.BUDGET)
        try:
            return self._eval(expr, env)
        except BudgetExceeded:
            self.ctx.budget.stopped_at(Location(self.path, 1, 1))
            return Unknown(render(expr), UnknownCause.BUDGET)
        except (NotComputed, OverflowError, MemoryError):
            return Unknown(render(expr), UnknownCause.TOO_LARGE)
        except RecursionError:
            return Unknown(render(expr), UnknownCause.TOO_DEEP)

    def _eval(self, expr: Expr, env: Env) -> Any:
        self.ctx.budget.charge()
        tag = expr[0]
        if tag == "lit":
            return expr[1]
        if tag == "call":
            return call(self, expr, env)
        target = self.eval(expr[1], env)
        if tag == "prop":
            name = expr[2]
            if isinstance(target, ArmReference):
                if name.lower() == "principalid":
                    return principal_of(target.target, render(expr))
                if name.lower() == "outputs" and isinstance(target.target, DeploymentRef):
                    return self.deployment_outputs(target.target, render(expr))
                return Unknown(render(expr), UnknownCause.NOT_STATIC)
            if isinstance(target, dict):
                key = _key(target, name)
                if key is None:
                    return Unknown(render(expr), UnknownCause.NO_SUCH_PROPERTY)
                value = target[key]
                self.ctx.budget.charge_size(value)
                return value
            return Unknown(render(expr))
        index = self.publish(self.eval(expr[2], env))
        if isinstance(target, list) and _is_int(index):
            if 0 <= index < len(target):
                return target[index]
            return Unknown(render(expr), UnknownCause.INDEX_OUT_OF_RANGE)
        if isinstance(target, dict) and isinstance(index, str):
            key = _key(target, index)
            return target[key] if key is not None else Unknown(render(expr), UnknownCause.NO_SUCH_PROPERTY)
        return Unknown(render(expr))

    # -- names -------------------------------------------------------------------------------------
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

    def param(self, name: str, env: Env, text: str) -> Any:
        if "$params" in env:  # inside a user-defined function: its own parameters only
            given = env["$params"]
            return given.get(name.lower(), Unknown(text, UnknownCause.UNRESOLVED_NAME))
        owner = self.names
        lowered = name.lower()
        if lowered in owner.params_in:
            return owner.params_in[lowered]
        decl = _get(_get(owner.body, "parameters"), name)
        if not isinstance(decl, dict):
            return Unknown(text, UnknownCause.UNRESOLVED_NAME)
        key = _key(decl, "defaultValue")
        if key is None:
            return Unknown(name, UnknownCause.NO_INPUT_VALUE)
        return owner._cached("param:" + lowered, lambda: owner.publish(owner.value(decl[key], {})), text)

    def var(self, name: str, text: str) -> Any:
        owner = self.names
        variables = _get(owner.body, "variables")
        lowered = name.lower()
        key = _key(variables, name)
        if key is not None and key.lower() != "copy":
            return owner._cached("var:" + lowered, lambda: owner.publish(owner.value(variables[key], {})), text)
        loops = _get(variables, "copy")
        for loop in loops if isinstance(loops, list) else []:
            if isinstance(_get(loop, "name"), str) and _get(loop, "name").lower() == lowered:
                return owner._cached("var:" + lowered, lambda loop=loop: owner.variable_loop(loop, name), text)
        return Unknown(text, UnknownCause.UNRESOLVED_NAME)

    def variable_loop(self, loop: Any, name: str) -> Any:
        indexes = self.loop_indexes(loop, {})
        if indexes is None:
            return Unknown(f"variables('{name}')", UnknownCause.UNKNOWN_LOOP)
        out = LocatedList()
        for index in indexes:
            out.append(self.publish(self.value(_get(loop, "input"), {name.lower(): index})))
            out.locs.append(self.loc(loop, _key(loop, "input")))
        return out

    def copy_index(self, values: list[Any], env: Env, text: str) -> Any:
        loop, offset = "", 0
        for value in values:
            if isinstance(value, str):
                loop = value.lower()
            elif _is_int(value):
                offset = value
            else:
                return Unknown(text)
        index = env.get(loop)
        if index is None:
            return Unknown(text, UnknownCause.UNRESOLVED_NAME)
        return index + offset if _is_int(index) else Unknown(text, UnknownCause.UNKNOWN_LOOP)

    def user_function(self, name: str, values: list[Any], text: str) -> Any:
        namespace, _, member = name.partition(".")
        for group in _as_list(_get(self.names.body, "functions")):
            space = _get(group, "namespace")
            if not (isinstance(space, str) and space.lower() == namespace.lower()):
                continue
            decl = _get(_get(group, "members"), member)
            if not isinstance(decl, dict):
                continue
            names = [_get(p, "name") for p in _as_list(_get(decl, "parameters"))]
            if len(names) != len(values) or not all(isinstance(n, str) for n in names):
                return Unknown(text)
            if self.ctx.calls >= MAX_CALL_DEPTH:
                return Unknown(text, UnknownCause.TOO_DEEP)
            self.ctx.calls += 1
            try:
                output = _get(_get(decl, "output"), "value")
                return self.names.value(output, {"$params": {n.lower(): v for n, v in zip(names, values, strict=True)}})
            finally:
                self.ctx.calls -= 1
        return Unknown(text, UnknownCause.UNSUPPORTED_FUNCTION)

    def reference_target(self, value: Any) -> Any:
        """What ``reference(value)`` names: a declared resource (a symbolic name, a resource ID)."""
        if isinstance(value, LocalId):
            if value.arm_type.lower() == DEPLOYMENTS and arm.same_value(value.resource_group, self.rg) \
                    and arm.same_value(value.subscription, self.sub):
                copy = self.ctx.deployment_copies.get((self.key_prefix, value.name.lower()))
                return DeploymentRef(copy.key, self.key_prefix) if copy is not None else None
            return value
        if isinstance(value, str) and value in self.symbols and len(self.symbols[value]) == 1:
            copy = self.symbols[value][0]
            if arm_ids.kind_of(copy.arm_type) == Kind.IDENTITY:
                return ResourceRef(copy.key, "id")
            if copy.arm_type.lower() == DEPLOYMENTS:
                return DeploymentRef(copy.key, self.key_prefix)
        return None

    def deployment_outputs(self, target: DeploymentRef, text: str) -> Any:
        copy = next((c for (prefix, _), c in self.ctx.deployment_copies.items()
                     if prefix == target.prefix and c.key == target.key), None)
        if copy is None and self.symbols:
            copy = next((c for copies in self.symbols.values() for c in copies if c.key == target.key), None)
        inner = self.deployment(copy) if copy is not None else None
        return inner.outputs() if inner is not None else Unknown(text, UnknownCause.NOT_STATIC)

    # -- resources ---------------------------------------------------------------------------------
    def declarations(self) -> list[Decl]:
        resources = _get(self.body, "resources")
        out: list[Decl] = []
        if isinstance(resources, dict):  # symbolic names (languageVersion 2.0)
            for symbol, body in resources.items():
                if isinstance(body, dict):
                    out.append(Decl(body, symbol, self.loc(resources, symbol), symbol))
        elif isinstance(resources, list):
            for index, body in enumerate(resources):
                if isinstance(body, dict):
                    out.append(Decl(body, f"resources[{index}]", self.loc(resources, index)))
        return out

    def copies(self, decl: Decl, env: Env, key: str, address: str, arm_type: str, parent: Copy | None) -> list[Copy]:
        """The copies of one declaration: none (a false condition), one, or one per loop index; one with
        an unknown index when the loop's count is unknown, so a looped resource never disappears."""
        loop = _get(decl.body, "copy")
        envs: list[tuple[str, Env]] = [("", env)]
        if isinstance(loop, dict):
            name = self.publish(self.value(_get(loop, "name"), env))
            indexes = self.loop_indexes(loop, env)
            names = ("", name.lower()) if isinstance(name, str) else ("",)
            if indexes is None:
                unknown = Unknown("copyIndex()", UnknownCause.UNKNOWN_LOOP)
                envs = [("[*]", {**env, **{n: unknown for n in names}})]
            else:
                envs = [(f"[{i}]", {**env, **{n: i for n in names}}) for i in indexes]
        out = []
        for suffix, copy_env in envs:
            condition = _key(decl.body, "condition")
            if condition is not None and self.publish(self.value(decl.body[condition], copy_env)) is False:
                continue
            out.append(Copy(decl, key + suffix, address + suffix, copy_env, arm_type, parent))
        return out

    def emit(self) -> None:
        decls = self.declarations()
        pending: list[tuple[Decl, list[Copy]]] = []
        for decl in decls:
            arm_type = self.publish(self.value(_get(decl.body, "type"), {}))
            if not isinstance(arm_type, str):
                continue
            copies = self.copies(decl, {}, self.key_prefix + decl.address, self.address_prefix + decl.address,
                                 arm_type, None)
            if decl.symbol is not None:
                self.symbols[decl.symbol] = copies
            if arm_type.lower() == DEPLOYMENTS:
                for copy in copies:
                    name = self.publish(self.value(_get(decl.body, "name"), copy.env))
                    if isinstance(name, str):
                        self.ctx.deployment_copies[(self.key_prefix, name.lower())] = copy
            pending.append((decl, copies))
        for _decl, copies in pending:
            for copy in copies:
                self.emit_copy(copy)

    def emit_copy(self, copy: Copy) -> None:
        if copy.arm_type.lower() == DEPLOYMENTS:
            inner = self.deployment(copy)
            if inner is not None:
                inner.emit()
            return
        kind = arm_ids.kind_of(copy.arm_type)
        if kind is not None:
            from .canonical import build_resource

            resource, parent_name, inline = build_resource(self, copy, kind)
            copy.resource = resource
            self.ctx.resources.append(resource)
            self.ctx.resources.extend(inline)
            if parent_name is not None:
                self.ctx.by_name_children.append((resource, parent_name))
        children = _get(copy.decl.body, "resources")
        for index, body in enumerate(children if isinstance(children, list) else []):
            if not isinstance(body, dict):
                continue
            child = Decl(body, f"{copy.decl.address}.resources[{index}]", self.loc(children, index))
            child_type = self.publish(self.value(_get(body, "type"), copy.env))
            if not isinstance(child_type, str):
                continue
            full_type = child_type if "." in child_type.split("/", 1)[0] else f"{copy.arm_type}/{child_type}"
            for child_copy in self.copies(child, dict(copy.env), f"{copy.key}.resources[{index}]",
                                          f"{copy.address}.resources[{index}]", full_type, copy):
                self.emit_copy(child_copy)

    def deployment(self, copy: Copy) -> Template | None:
        """The template a nested (inline ``template``) or linked (``templateLink.relativePath``) deployment
        deploys, evaluated once (its outputs may be read before it is emitted); None when not followed."""
        if copy.key not in self.ctx.deployments:
            self.ctx.deployments[copy.key] = None  # a deployment whose parameters read its own outputs
            self.ctx.deployments[copy.key] = self._deployment(copy)
        return self.ctx.deployments[copy.key]

    def _deployment(self, copy: Copy) -> Template | None:
        body = copy.decl.body
        props = _get(body, "properties")
        where = copy.decl.location
        name = self.publish(self.value(_get(body, "name"), copy.env))
        shown = f"{self.address_prefix}{name}" if isinstance(name, str) else copy.address
        inline = _get(props, "template")
        path = self.path
        if isinstance(inline, dict):
            inner_body = inline
        else:
            relative = self.publish(self.value(_get(_get(props, "templateLink"), "relativePath"), copy.env))
            if not isinstance(relative, str):
                return None  # a URI, or a path only known when deployed: not followed
            path = posixpath.normpath(posixpath.join(posixpath.dirname(self.path), relative))
            linked = self.ctx.files.get(path)
            if linked is None:
                return None  # outside the scanned files (or not a template): not followed
            if path in self.chain:
                chain = " -> ".join((*self.chain[self.chain.index(path):], path))
                self.ctx.problems.setdefault(where, f"deployment {shown} links a template that links back "
                                             f"to itself: {chain}; it is not analysed")
                return None
            inner_body = linked.value
        if self.depth >= MAX_DEPTH:
            self.ctx.problems.setdefault(where, f"deployment {shown} is nested more than {MAX_DEPTH} "
                                         "deployments deep; it is not analysed")
            return None
        scope = self.publish(self.value(_get(_get(props, "expressionEvaluationOptions"), "scope"), copy.env))
        outer = isinstance(inline, dict) and not (isinstance(scope, str) and scope.lower() == "inner")
        params: dict[str, Any] = {}
        given = _get(props, "parameters")
        if not outer and isinstance(given, dict):
            for param in given:
                entry = given[param]
                value_key = _key(entry, "value")
                params[param] = self.publish(self.value(entry[value_key], copy.env)) if value_key is not None \
                    else Unknown(f"parameters.{param}", UnknownCause.NOT_STATIC)  # a Key Vault reference
        rg, sub = self.rg, self.sub
        given_rg = _key(body, "resourceGroup")
        given_sub = _key(body, "subscriptionId")
        if given_sub is not None:
            sub = self.publish(self.value(body[given_sub], copy.env))
        inherited = self.target_scope
        if given_rg is not None:
            rg = self.publish(self.value(body[given_rg], copy.env))
            inherited = "resourceGroup"
        elif given_sub is not None:
            rg = RG_NAME if inherited == "resourceGroup" else None
        scope_name = target_scope_of(inner_body, inherited) if given_rg is None else "resourceGroup"
        if scope_name == "resourceGroup" and rg is None:
            rg = RG_NAME
        address = f"{name}/" if isinstance(name, str) else f"{copy.address}/"
        return Template(self.ctx, path, inner_body, params, f"{copy.key}/", self.address_prefix + address, rg,
                        sub, scope_name, self.depth + 1, self.chain, names=self.names if outer else None)

    def outputs(self) -> LocatedDict:
        """The template's outputs as ``reference(<deployment>).outputs`` gives them: ``{name: {"value": v}}``."""
        out = LocatedDict()
        declared = _get(self.body, "outputs")
        for name, decl in (declared.items() if isinstance(declared, dict) else ()):
            key = _key(decl, "value")
            if key is None:
                continue  # an output `copy` loop: not evaluated (unknown through NO_SUCH_PROPERTY)
            value = self._cached("output:" + name, lambda d=decl, k=key: self.publish(self.value(d[k], {})), name)
            out[name] = LocatedDict({"type": _get(decl, "type"), "value": value})
            out.locs[name] = self.loc(declared, name)
        return out


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


# -- after emission ---------------------------------------------------------------------------------

def link_children_by_name(ctx: UnitContext) -> None:
    """A child named ``'fleet/member'`` belongs to the one declared fleet of that name, if unique."""
    arm.link_children_by_name(ctx.resources, ctx.by_name_children)


def resolve_local_ids(ctx: UnitContext, template: str) -> None:
    """``resourceId(type, name)`` of the deployment's own resource group, as :func:`arm.resolve_local_ids`
    (names are a resource's full name, ``fleet/member``); ``reference(<identity>).principalId`` becomes
    that identity's principal ID the same way, and any other ``reference()`` stays unknown."""
    arm.resolve_local_ids(ctx.resources, lambda r: ctx.full_names.get(r.key), LocalId, template, "armjson",
                          lambda v: Unknown(v.text, v.cause) if isinstance(v, ArmReference) else None)
