"""Bicep functions and operators the evaluator understands; anything else is unknown."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from analyzer.frontends.bicep import ast as A
from analyzer.frontends.bicep.ast import render
from analyzer.frontends.bicep.values import LocalId, ScopeVal, _is_int, checked_int, guid_of
from analyzer.frontends.budget import MAX_TEXT_CHARS, NotComputed
from analyzer.frontends.located import LocatedDict, LocatedList
from analyzer.values import ResourceRef, Unknown, UnknownCause, is_known

if TYPE_CHECKING:
    from analyzer.frontends.bicep.evaluate import Instance

ROLE_DEFINITIONS = "microsoft.authorization/roledefinitions"


def call(inst: Instance, node: A.Call, env: dict[str, Any]) -> Any:
    name = node.name
    lname = name.lower()
    if lname == "resourcegroup":
        return _resource_group(inst, node, env)
    if lname == "subscription":
        args = [inst.publish(inst.eval(a, env), a) for a in node.args]
        sub = args[0] if args else inst.sub
        return ScopeVal("subscription", None, sub, render(node))
    if lname == "tenant":
        return ScopeVal("tenant", None, None, render(node))
    if lname == "managementgroup":
        args = [inst.publish(inst.eval(a, env), a) for a in node.args]
        return ScopeVal("managementGroup", args[0] if args else Unknown(render(node) + ".name"), None,
                        render(node))
    impl = _FUNCTIONS.get(lname)
    if impl is None:
        return Unknown(render(node), UnknownCause.UNSUPPORTED_FUNCTION)
    args = [inst.publish(inst.eval(a, env), a) for a in node.args]
    if not all(is_known(a) for a in args):
        return Unknown(render(node))
    if lname not in _REF_OK and any(isinstance(a, ResourceRef) for a in args):
        return Unknown(render(node))
    try:
        result = impl(inst, args)
    except (NotComputed, OverflowError, MemoryError):  # a value ARM computes, fleetiac cannot
        return Unknown(render(node), UnknownCause.TOO_LARGE)
    except (TypeError, ValueError, IndexError, KeyError, AttributeError, ZeroDivisionError):
        result = MISSING
    if result is MISSING:
        return Unknown(render(node))
    inst.ctx.budget.charge_size(result)
    if isinstance(result, LocalId):
        return LocalId(render(node), UnknownCause.NOT_STATIC, result.arm_type, result.name, result.resource_group,
                       result.subscription)
    return result


class _Missing:
    pass


MISSING = _Missing()
_REF_OK = {"guid", "length", "empty", "contains", "union", "first", "last", "concat", "range", "items",
           "extensionresourceid"}


def _resource_group(inst: Instance, node: A.Call, env: dict[str, Any]) -> Any:
    args = [inst.publish(inst.eval(a, env), a) for a in node.args]
    if not args:
        return ScopeVal("resourceGroup", inst.rg if inst.rg is not None else Unknown("resourceGroup().name"),
                        inst.sub, render(node))
    if len(args) == 1:
        return ScopeVal("resourceGroup", args[0], inst.sub, render(node))
    return ScopeVal("resourceGroup", args[1], args[0], render(node))


def _strs(values: list[Any]) -> bool:
    return all(isinstance(v, str) for v in values)


def _split_id_args(args: list[Any]) -> tuple[list[Any], str, list[Any]]:
    """``[scope args...], type, [names...]``: the type is the first argument with a '/'."""
    for i, arg in enumerate(args):
        if isinstance(arg, str) and "/" in arg:
            return args[:i], arg, args[i + 1:]
    raise ValueError("no resource type")


def _resource_id(inst: Instance, args: list[Any]) -> Any:
    lead, rtype, names = _split_id_args(args)
    sub, rg = inst.sub, inst.rg
    if len(lead) == 1:
        rg = lead[0]
    elif len(lead) == 2:
        sub, rg = lead
    if not _strs(names):
        return MISSING
    if not (isinstance(sub, str) and isinstance(rg, str)):
        if not (isinstance(sub, (str, Unknown)) and isinstance(rg, (str, Unknown))):
            return MISSING
        # The deployment's own subscription or resource group: resolved against the unit's resources.
        return LocalId("", UnknownCause.NOT_STATIC, rtype, "/".join(names), rg, sub)
    return f"/subscriptions/{sub}/resourceGroups/{rg}/providers/{_typed_names(rtype, names)}"


def _typed_names(rtype: str, names: list[str]) -> str:
    segments = rtype.split("/")
    out = [segments[0]]
    for seg, name in zip(segments[1:], names, strict=False):
        out += [seg, name]
    return "/".join(out)


def _subscription_resource_id(inst: Instance, args: list[Any]) -> Any:
    lead, rtype, names = _split_id_args(args)
    if not _strs(names):
        return MISSING
    # Role definitions are compared by their trailing GUID, so the ID stays resolvable even when the
    # subscription is not known.
    if rtype.lower() == ROLE_DEFINITIONS:
        return f"/providers/{_typed_names(rtype, names)}"
    sub = lead[0] if lead else inst.sub
    if not isinstance(sub, str):
        return MISSING
    return f"/subscriptions/{sub}/providers/{_typed_names(rtype, names)}"


def _tenant_resource_id(inst: Instance, args: list[Any]) -> Any:
    _lead, rtype, names = _split_id_args(args)
    return f"/providers/{_typed_names(rtype, names)}" if _strs(names) else MISSING


def _extension_resource_id(inst: Instance, args: list[Any]) -> Any:
    base, rest = args[0], args[1:]
    _lead, rtype, names = _split_id_args(rest)
    if not (isinstance(base, str) and _strs(names)):
        return MISSING
    return f"{base}/providers/{_typed_names(rtype, names)}"


def _guid(inst: Instance, args: list[Any]) -> Any:
    parts = []
    for arg in args:
        if isinstance(arg, ResourceRef):
            parts.append(f"ref:{arg.key}.{arg.attr}")
        elif isinstance(arg, str):
            parts.append(arg)
        else:
            return MISSING
    return guid_of(parts)


def _concat(inst: Instance, args: list[Any]) -> Any:
    if args and all(isinstance(a, list) for a in args):
        return [x for a in args for x in a]
    if any(isinstance(a, ResourceRef) for a in args):
        return MISSING
    if all(isinstance(a, (str, int)) and not isinstance(a, bool) for a in args):
        return "".join(str(a) for a in args)
    return MISSING


def _format(inst: Instance, args: list[Any]) -> Any:
    template, values = args[0], args[1:]
    if not isinstance(template, str):
        return MISSING

    length = [len(template)]

    def sub(m: re.Match[str]) -> str:
        if m.group(0) in {"{{", "}}"}:
            return m.group(0)[0]
        if m.group(2):
            raise ValueError("format specifiers are not evaluated")
        value = values[int(m.group(1))]
        if isinstance(value, bool):
            return "True" if value else "False"
        if not isinstance(value, (str, int)):
            raise ValueError("not text")
        length[0] += len(str(value))
        if length[0] > MAX_TEXT_CHARS:
            raise NotComputed("formatted text too long")
        return str(value)

    return re.sub(r"\{\{|\}\}|\{(\d+)(:[^}]*)?\}", sub, template)


def _union(inst: Instance, args: list[Any]) -> Any:
    if all(isinstance(a, dict) for a in args):
        out: dict[str, Any] = LocatedDict()
        for arg in args:
            _merge(out, arg)
        return out
    if all(isinstance(a, list) for a in args):
        merged: list[Any] = []
        for arg in args:
            for item in arg:
                if item not in merged:
                    merged.append(item)
        return merged
    return MISSING


def _merge(into: dict[str, Any], other: dict[str, Any]) -> None:
    locs = getattr(other, "locs", {})
    for key, value in other.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            nested = LocatedDict()
            _merge(nested, into[key])
            _merge(nested, value)
            into[key] = nested
        else:
            into[key] = value
        if key in locs and isinstance(into, LocatedDict):
            into.locs[key] = locs[key]


def _contains(inst: Instance, args: list[Any]) -> Any:
    container, item = args
    if isinstance(container, str) and isinstance(item, str):
        return item in container
    if isinstance(container, dict) and isinstance(item, str):
        return item.lower() in {k.lower() for k in container}
    if isinstance(container, list):
        return item in container
    return MISSING


def _length(inst: Instance, args: list[Any]) -> Any:
    value = args[0]
    return len(value) if isinstance(value, (str, list, dict)) else MISSING


def _empty(inst: Instance, args: list[Any]) -> Any:
    value = args[0]
    if value is None:
        return True
    return len(value) == 0 if isinstance(value, (str, list, dict)) else MISSING


def _first(inst: Instance, args: list[Any]) -> Any:
    value = args[0]
    if isinstance(value, (str, list)):
        return value[0] if value else (None if isinstance(value, list) else "")
    return MISSING


def _last(inst: Instance, args: list[Any]) -> Any:
    value = args[0]
    if isinstance(value, (str, list)):
        return value[-1] if value else (None if isinstance(value, list) else "")
    return MISSING


def _split(inst: Instance, args: list[Any]) -> Any:
    text, delims = args
    if not isinstance(text, str):
        return MISSING
    seps = [delims] if isinstance(delims, str) else delims
    if not (isinstance(seps, list) and _strs(seps) and all(seps)):
        return MISSING
    return re.split("|".join(re.escape(s) for s in seps), text)


def _join(inst: Instance, args: list[Any]) -> Any:
    items, delim = args
    if isinstance(items, list) and isinstance(delim, str) and all(
            isinstance(i, (str, int)) and not isinstance(i, bool) for i in items):
        return delim.join(str(i) for i in items)
    return MISSING


def _replace(inst: Instance, args: list[Any]) -> Any:
    text, old, new = args
    if not _strs([text, old, new]):
        return MISSING
    if len(text) + text.count(old) * (len(new) - len(old)) > MAX_TEXT_CHARS:
        raise NotComputed("replaced text too long")
    return text.replace(old, new)


def _lower(inst: Instance, args: list[Any]) -> Any:
    return args[0].lower() if isinstance(args[0], str) else MISSING


def _upper(inst: Instance, args: list[Any]) -> Any:
    return args[0].upper() if isinstance(args[0], str) else MISSING


def _range(inst: Instance, args: list[Any]) -> Any:
    start, count = args
    if _is_int(start) and _is_int(count) and 0 <= count <= 10_000:
        return list(range(start, start + count))
    return MISSING


def _items(inst: Instance, args: list[Any]) -> Any:
    obj = args[0]
    if not isinstance(obj, dict):
        return MISSING
    out = LocatedList()
    for key in sorted(obj, key=str.lower):
        entry = LocatedDict({"key": key, "value": obj[key]})
        loc = getattr(obj, "locs", {}).get(key)
        if loc is not None:
            entry.locs = {"key": loc, "value": loc}
        out.append(entry)
        out.locs.append(loc)
    return out


_FUNCTIONS = {
    "resourceid": _resource_id,
    "subscriptionresourceid": _subscription_resource_id,
    "tenantresourceid": _tenant_resource_id,
    "extensionresourceid": _extension_resource_id,
    "guid": _guid,
    "concat": _concat,
    "format": _format,
    "union": _union,
    "contains": _contains,
    "length": _length,
    "empty": _empty,
    "first": _first,
    "last": _last,
    "split": _split,
    "join": _join,
    "replace": _replace,
    "tolower": _lower,
    "toupper": _upper,
    "range": _range,
    "items": _items,
}


def binary(inst: Instance, node: A.Binary, env: dict[str, Any]) -> Any:
    op = node.op
    left = inst.publish(inst.eval(node.left, env), node.left)
    if op in {"&&", "||"}:
        # Short-circuit: `false && x` and `true || x` are known whatever x is.
        if left is (op == "||"):
            return left
        right = inst.publish(inst.eval(node.right, env), node.right)
        if isinstance(left, bool) and isinstance(right, bool):
            return right
        if right is (op == "||"):
            return right
        return Unknown(render(node))
    if op == "??":
        if left is None:
            return inst.publish(inst.eval(node.right, env), node.right)
        return left if is_known(left) else Unknown(render(node))
    right = inst.publish(inst.eval(node.right, env), node.right)
    if not (is_known(left) and is_known(right)):
        return Unknown(render(node))
    if op in {"==", "!="}:
        if isinstance(left, ResourceRef) or isinstance(right, ResourceRef):
            if left == right:
                return op == "=="
            return Unknown(render(node))
        return (_plain(left) == _plain(right)) == (op == "==")
    if op in {"=~", "!~"}:
        if isinstance(left, str) and isinstance(right, str):
            return (left.lower() == right.lower()) == (op == "=~")
        return Unknown(render(node))
    if _is_int(left) and _is_int(right):
        if op == "+":
            return checked_int(left + right, node)
        if op == "-":
            return checked_int(left - right, node)
        if op == "*":
            return checked_int(left * right, node)
        if op in {"/", "%"}:
            if right == 0:
                return Unknown(render(node), UnknownCause.DIVISION_BY_ZERO)
            quotient = abs(left) // abs(right) * (1 if (left >= 0) == (right >= 0) else -1)
            return checked_int(quotient if op == "/" else left - right * quotient, node)
    if op in {"<", "<=", ">", ">="} and (
            (_is_int(left) and _is_int(right)) or (isinstance(left, str) and isinstance(right, str))):
        return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[op]
    return Unknown(render(node))


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
