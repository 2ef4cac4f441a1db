"""The ARM template functions the evaluator understands; anything else is unknown.

Functions that mean in ARM what they mean in Bicep (Bicep compiles to them) are Bicep's own
implementations (:mod:`analyzer.frontends.bicep.functions`), called through :func:`_bicep`; the rest
are here. Every function gets known arguments only: an unknown argument makes the call unknown,
except for the lazy ones (``if``, ``and``, ``or``, ``coalesce``), which need only what they use.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from fleetiac.analyzer.frontends.bicep import functions as bicep_functions
from fleetiac.analyzer.frontends.bicep.values import LocalId, _is_int
from fleetiac.analyzer.frontends.budget import NotComputed
from fleetiac.analyzer.frontends.located import LocatedDict
from fleetiac.analyzer.knowledge import arm_ids
from fleetiac.analyzer.model import Kind
from fleetiac.analyzer.values import ResourceRef, Unknown, UnknownCause, is_known

if TYPE_CHECKING:
    from fleetiac.analyzer.frontends.armjson.syntax import Expr

    from .evaluate import Env, Template


@dataclass(frozen=True, slots=True)
class ArmReference(Unknown):
    """``reference(x)``: the runtime state of a resource, unknown. It remembers the resource it
    names, so that ``reference(<a declared user-assigned identity>).principalId`` can become a reference
    to that identity's principal ID (what Bicep says with ``identity.properties.principalId``)."""

    target: Any = None


@dataclass(frozen=True, slots=True)
class LocalAttr(LocalId):
    """An attribute (``principal_id``) of the resource a :class:`LocalId` names."""

    attr: str = "id"


def render(expr: Expr) -> str:
    """An expression as text (for unknown values)."""
    tag = expr[0]
    if tag == "lit":
        value = expr[1]
        if isinstance(value, str):
            return "'" + value.replace("'", "''") + "'"
        return json.dumps(value)
    if tag == "call":
        return f"{expr[1]}({', '.join(render(a) for a in expr[2])})"
    if tag == "prop":
        return f"{render(expr[1])}.{expr[2]}"
    return f"{render(expr[1])}[{render(expr[2])}]"


class _Missing:
    pass


MISSING = _Missing()


def call(t: Template, expr: Expr, env: Env) -> Any:
    _, name, args = expr
    lname = name.lower()
    text = render(expr)
    if "." in lname:
        return t.user_function(name, [t.publish(t.eval(a, env)) for a in args], text)
    lazy = _LAZY.get(lname)
    if lazy is not None:
        return lazy(t, args, env, text)
    values = [t.publish(t.eval(a, env)) for a in args]
    if lname == "parameters":
        return t.param(values[0], env, text) if len(values) == 1 and isinstance(values[0], str) else Unknown(text)
    if lname == "variables":
        return t.var(values[0], text) if len(values) == 1 and isinstance(values[0], str) else Unknown(text)
    if lname == "copyindex":
        return t.copy_index(values, env, text)
    if lname == "reference":
        return ArmReference(text, UnknownCause.NOT_STATIC, t.reference_target(values[0]) if values else None)
    if lname in _SCOPES:
        return _SCOPES[lname](t, values, text)
    if lname in _BICEP:
        return _bicep(t, lname, values, text)
    impl = _FUNCTIONS.get(lname)
    if impl is None:
        return Unknown(text, UnknownCause.UNSUPPORTED_FUNCTION)
    if not all(is_known(v) for v in values) or any(isinstance(v, ResourceRef) for v in values):
        return Unknown(text)
    try:
        result = impl(values)
    except (NotComputed, OverflowError, MemoryError):
        return Unknown(text, UnknownCause.TOO_LARGE)
    except (TypeError, ValueError, IndexError, KeyError, AttributeError, ZeroDivisionError):
        return Unknown(text)
    if result is MISSING:
        return Unknown(text)
    t.ctx.budget.charge_size(result)
    return result


_BICEP = {"resourceid", "subscriptionresourceid", "tenantresourceid", "extensionresourceid", "guid", "concat",
          "format", "union", "contains", "length", "empty", "first", "last", "split", "join", "replace",
          "tolower", "toupper", "range", "items", "array", "bool", "createarray", "createobject", "endswith",
          "indexof", "int", "intersection", "json", "lastindexof", "max", "min", "padleft", "skip", "startswith",
          "string", "substring", "take", "trim"}
"""ARM functions whose meaning Bicep's implementation already has (Bicep compiles to them)."""


def _bicep(t: Template, lname: str, values: list[Any], text: str) -> Any:
    impl = bicep_functions._FUNCTIONS[lname]
    if not all(is_known(v) for v in values):
        return Unknown(text)
    if lname not in bicep_functions._REF_OK and any(isinstance(v, ResourceRef) for v in values):
        return Unknown(text)
    try:
        # Bicep's implementations read only the deployment's subscription and resource group
        # (``inst.sub``, ``inst.rg``) from the instance they are given: a template has both.
        result = impl(cast(Any, t), values)
    except (NotComputed, OverflowError, MemoryError):
        return Unknown(text, UnknownCause.TOO_LARGE)
    except (TypeError, ValueError, IndexError, KeyError, AttributeError, ZeroDivisionError):
        return Unknown(text)
    if result is bicep_functions.MISSING:
        return Unknown(text)
    t.ctx.budget.charge_size(result)
    if isinstance(result, LocalId):
        return LocalId(text, UnknownCause.NOT_STATIC, result.arm_type, result.name, result.resource_group,
                       result.subscription)
    return result


# -- lazy functions: they evaluate only the arguments they need ------------------------------------

def _if(t: Template, args: tuple[Expr, ...], env: Env, text: str) -> Any:
    if len(args) != 3:
        return Unknown(text)
    cond = t.publish(t.eval(args[0], env))
    if isinstance(cond, bool):
        return t.eval(args[1] if cond else args[2], env)
    return Unknown(text)


def _and_or(stop: bool) -> Callable[[Template, tuple[Expr, ...], Env, str], Any]:
    def impl(t: Template, args: tuple[Expr, ...], env: Env, text: str) -> Any:
        unknown = False
        for arg in args:
            value = t.publish(t.eval(arg, env))
            if value is stop:
                return stop  # `and(false, x)` and `or(true, x)` are known whatever x is
            if not isinstance(value, bool):
                unknown = True
        return Unknown(text) if unknown or not args else not stop
    return impl


def _coalesce(t: Template, args: tuple[Expr, ...], env: Env, text: str) -> Any:
    for arg in args:
        value = t.publish(t.eval(arg, env))
        if isinstance(value, Unknown):
            return Unknown(text)
        if value is not None:
            return value
    return None


_LAZY = {"if": _if, "and": _and_or(False), "or": _and_or(True), "coalesce": _coalesce}


# -- scopes ----------------------------------------------------------------------------------------

def _resource_group(t: Template, values: list[Any], text: str) -> Any:
    sub = t.sub
    rg = t.rg if t.rg is not None else Unknown("resourceGroup().name")
    if len(values) == 1:
        rg = values[0]
    elif len(values) == 2:
        sub, rg = values
    out = LocatedDict({"name": rg, "location": Unknown(text + ".location"), "tags": Unknown(text + ".tags")})
    out["id"] = f"/subscriptions/{sub}/resourceGroups/{rg}" if isinstance(sub, str) and isinstance(rg, str) \
        else Unknown(text + ".id")
    return out


def _subscription(t: Template, values: list[Any], text: str) -> Any:
    sub = values[0] if values else t.sub
    return LocatedDict({"subscriptionId": sub, "id": f"/subscriptions/{sub}" if isinstance(sub, str)
                        else Unknown(text + ".id"), "tenantId": Unknown(text + ".tenantId"),
                        "displayName": Unknown(text + ".displayName")})


def _management_group(t: Template, values: list[Any], text: str) -> Any:
    name = values[0] if values else Unknown(text + ".name")
    return LocatedDict({"name": name, "id": f"/providers/Microsoft.Management/managementGroups/{name}"
                        if isinstance(name, str) else Unknown(text + ".id")})


def _unknown(t: Template, values: list[Any], text: str) -> Any:
    return Unknown(text, UnknownCause.NOT_STATIC)


_SCOPES: dict[str, Callable[[Template, list[Any], str], Any]] = {
    "resourcegroup": _resource_group, "subscription": _subscription, "managementgroup": _management_group,
    "tenant": _unknown, "deployment": _unknown, "environment": _unknown, "utcnow": _unknown,
    "newguid": _unknown, "uniquestring": _unknown, "list": _unknown, "listkeys": _unknown,
    "listsecrets": _unknown, "listaccountsas": _unknown, "pickzones": _unknown, "providers": _unknown,
}


# -- known values in, a value out ------------------------------------------------------------------

def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k.lower(): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return value.lower()
    return value


def _equals(values: list[Any]) -> Any:
    left, right = values
    if isinstance(left, str) and isinstance(right, str):
        return left.lower() == right.lower()  # ARM compares strings regardless of case
    return _plain(left) == _plain(right) and type(left) is type(right)


def _number(value: Any) -> Any:
    if _is_int(value):
        return value
    raise TypeError("not an integer")


def _checked(value: int) -> Any:
    if not -2**63 <= value < 2**63:
        raise NotComputed("integer outside 64 bits")
    return value


def _div(values: list[Any]) -> Any:
    left, right = (_number(v) for v in values)
    if right == 0:
        raise ZeroDivisionError
    quotient = abs(left) // abs(right) * (1 if (left >= 0) == (right >= 0) else -1)
    return quotient


def _mod(values: list[Any]) -> Any:
    left, right = (_number(v) for v in values)
    return left - right * _div(values)


def _compare(op: Callable[[Any, Any], bool]) -> Callable[[list[Any]], Any]:
    def impl(values: list[Any]) -> Any:
        left, right = values
        if (_is_int(left) and _is_int(right)) or (isinstance(left, str) and isinstance(right, str)):
            return op(left, right)
        return MISSING
    return impl


_FUNCTIONS: dict[str, Callable[[list[Any]], Any]] = {
    "equals": _equals,
    "not": lambda v: (not v[0]) if isinstance(v[0], bool) else MISSING,
    "add": lambda v: _checked(_number(v[0]) + _number(v[1])),
    "sub": lambda v: _checked(_number(v[0]) - _number(v[1])),
    "mul": lambda v: _checked(_number(v[0]) * _number(v[1])),
    "div": _div,
    "mod": _mod,
    "less": _compare(lambda a, b: a < b),
    "lessorequals": _compare(lambda a, b: a <= b),
    "greater": _compare(lambda a, b: a > b),
    "greaterorequals": _compare(lambda a, b: a >= b),
    "true": lambda v: True if not v else MISSING,
    "false": lambda v: False if not v else MISSING,
    "null": lambda v: None if not v else MISSING,
    "float": lambda v: float(v[0]) if _is_int(v[0]) or (isinstance(v[0], float) and math.isfinite(v[0])) else MISSING,
}


def principal_of(target: Any, text: str) -> Any:
    """``reference(<resource>).principalId``: the principal ID of a declared user-assigned identity."""
    if isinstance(target, LocalId) and arm_ids.kind_of(target.arm_type) == Kind.IDENTITY:
        return LocalAttr(text, UnknownCause.NOT_STATIC, target.arm_type, target.name, target.resource_group,
                         target.subscription, "principal_id")
    if isinstance(target, ResourceRef):
        return ResourceRef(target.key, "principal_id")
    return Unknown(text, UnknownCause.NOT_STATIC)
