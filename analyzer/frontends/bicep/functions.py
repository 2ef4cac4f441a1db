"""Bicep functions and operators the evaluator understands; anything else is unknown."""

from __future__ import annotations

import base64
import ipaddress
import json
import posixpath
import re
from dataclasses import dataclass
from functools import cmp_to_key
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

from fleetiac.analyzer.frontends.bicep import ast as A
from fleetiac.analyzer.frontends.bicep.ast import render
from fleetiac.analyzer.frontends.bicep.values import (
    LocalId,
    ScopeVal,
    UnknownRun,
    _is_int,
    checked_int,
    guid_of,
    has_run,
    run_of,
    unique_string_of,
)
from fleetiac.analyzer.frontends.budget import MAX_TEXT_CHARS, NotComputed
from fleetiac.analyzer.frontends.located import LocatedDict, LocatedList
from fleetiac.analyzer.values import PartialId, ResourceRef, Unknown, UnknownCause, first_unknown, is_known

if TYPE_CHECKING:
    from .evaluate import Instance

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
    declared = getattr(inst.file, "functions", None) or {}
    if name in declared:
        return _user_function(inst, node, declared[name], env)
    lambda_impl = _LAMBDA_FUNCTIONS.get(lname)
    if lambda_impl is not None:
        return _finish(inst, node, lambda: lambda_impl(inst, node, env))
    if lname == "nameof":
        return _name_of(node)
    if lname in _LOAD_FUNCTIONS:
        return _finish(inst, node, lambda: _load_content(inst, lname, node, env))
    impl = _FUNCTIONS.get(lname)
    if impl is None:
        cause = UnknownCause.NOT_STATIC if lname in DEPLOYMENT_FUNCTIONS or lname.startswith("list") \
            else UnknownCause.UNSUPPORTED_FUNCTION
        return Unknown(render(node), cause)
    args = [inst.publish(inst.eval(a, env), a) for a in node.args]
    if lname not in _PARTIAL:
        unknown = first_unknown(args)
        if unknown is not None:
            return Unknown(render(node), _carried(unknown))
    if lname not in _REF_OK and any(isinstance(a, ResourceRef) for a in args):
        return Unknown(render(node))
    return _finish(inst, node, lambda: impl(inst, args))


def _user_function(inst: Instance, node: A.Call, func: Any, env: dict[str, Any]) -> Any:
    """A call of a ``func`` the template declares: its body with the arguments as its parameters
    (a function sees nothing else of the template)."""
    params = tuple(getattr(func, "params", ()))
    if len(params) != len(node.args):
        return Unknown(render(node))
    key = f"func:{node.name}"
    if key in inst.busy:
        return Unknown(render(node), UnknownCause.CYCLE)
    scope = {p: inst.publish(inst.eval(a, env), a) for p, a in zip(params, node.args, strict=True)}
    inst.busy.add(key)
    try:
        return inst.publish(inst.eval(func.body, scope), func.body)
    finally:
        inst.busy.discard(key)


def _finish(inst: Instance, node: A.Call, compute: Any) -> Any:
    """Run one function; its errors are unknown values, never exceptions (a call Bicep would reject,
    or one whose value ARM computes but fleetiac cannot)."""
    try:
        result = compute()
    except (NotComputed, OverflowError, MemoryError):
        return Unknown(render(node), UnknownCause.TOO_LARGE)
    except (TypeError, ValueError, IndexError, KeyError, AttributeError, ZeroDivisionError, UnicodeError):
        result = MISSING
    if inst.ctx.budget.spent is not None and not is_known(result):
        return Unknown(render(node), UnknownCause.BUDGET)  # a lambda ran out of budget on the way
    if result is MISSING:
        return Unknown(render(node))
    inst.ctx.budget.charge_size(result)
    if isinstance(result, LocalId):
        return LocalId(render(node), UnknownCause.NOT_STATIC, result.arm_type, result.name, result.resource_group,
                       result.subscription)
    if isinstance(result, PartialId):
        return PartialId(render(node), result.cause, result.arm_type)
    if isinstance(result, Unknown) and not result.text:
        return Unknown(render(node), result.cause)
    if isinstance(result, list) and result and all(isinstance(r, UnknownRun) for r in result):
        # Nothing of it is known, not even whether it is empty: an unknown array, not an array of unknowns.
        return Unknown(render(node), _carried(result[0]))
    return result


DEPLOYMENT_FUNCTIONS = frozenset({
    "deployment", "deployer", "environment", "utcnow", "newguid", "reference", "getsecret", "pickzones",
    "providers", "externalinput", "readenvironmentvariable",
})
"""Functions whose value exists only when deployed (``list*`` too): unknown, but not unsupported."""


def _carried(unknown: Unknown) -> UnknownCause:
    """The cause a call with an unknown argument keeps: "unsupported" and "budget spent" are worth
    passing on (they say why a value was not checked); an unknown reference is not, it is no longer
    the reference itself."""
    if unknown.cause in (UnknownCause.UNSUPPORTED_FUNCTION, UnknownCause.BUDGET, UnknownCause.TOO_LARGE):
        return unknown.cause
    return UnknownCause.NOT_STATIC


class _Missing:
    pass


MISSING = _Missing()
_REF_OK = {"length", "empty", "contains", "union", "first", "last", "concat", "range", "items",
           "extensionresourceid", "coalesce", "tryget", "take", "skip", "flatten", "createarray", "array",
           "indexof", "lastindexof", "any"}
"""Functions that may hand on a reference (the ID of a declared resource) as a value among others."""
_PARTIAL = {"concat", "union", "contains", "length", "empty", "first", "last", "items", "flatten", "take", "skip",
            "coalesce", "tryget", "createarray", "createobject", "array", "indexof", "lastindexof", "any",
            "resourceid", "subscriptionresourceid", "tenantresourceid", "extensionresourceid",
            "managementgroupresourceid", "shallowmerge"}
"""Functions evaluated element by element: they get their arguments with unknown parts and decide
what of the result is still known."""


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


def _bmp(text: str) -> bool:
    """Whether each character of ``text`` is one UTF-16 code unit, as ARM counts positions."""
    return all(ord(c) <= 0xFFFF for c in text)


def _is_ascii(values: list[str]) -> bool:
    return all(v.isascii() for v in values)


# -- lambdas ---------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Lambda:
    params: tuple[str, ...]
    body: A.Expr


def lambda_of(node: A.Expr) -> Lambda | None:
    """The lambda an argument is (``x => ...``, ``(acc, x, i) => ...``, ``() => ...``: the syntax tree's
    lambda node), or None."""
    params = getattr(node, "params", None)
    body = getattr(node, "body", None)
    if isinstance(params, tuple) and body is not None and not isinstance(node, (A.For, A.IfBody)):
        return Lambda(tuple(str(p) for p in params), body)
    return None


def _apply(inst: Instance, fn: Lambda, values: list[Any], env: dict[str, Any]) -> Any:
    if len(fn.params) > len(values):
        raise ValueError("the lambda takes more arguments than the function gives")
    scope = dict(env)
    scope.update(zip(fn.params, values, strict=False))
    return inst.publish(inst.eval(fn.body, scope), fn.body)


def _lambda_args(inst: Instance, node: A.Call, env: dict[str, Any], shape: str) -> list[Any]:
    """The arguments of a lambda function: ``v`` a value, ``l`` a lambda, ``o`` an optional lambda."""
    args = list(node.args)
    if not sum(c == "v" or c == "l" for c in shape) <= len(args) <= len(shape):
        raise ValueError("wrong number of arguments")
    out: list[Any] = []
    for kind, arg in zip(shape, args, strict=False):
        if kind == "v":
            out.append(inst.publish(inst.eval(arg, env), arg))
        else:
            fn = lambda_of(arg)
            if fn is None:
                raise ValueError("not a lambda")
            out.append(fn)
    return out


def _unknown_of(value: Unknown) -> Unknown:
    """The call is unknown because ``value`` is (text filled in by :func:`_finish`)."""
    return Unknown("", _carried(value))


def _index_after(items: list[Any], i: int, text: str) -> Any:
    """Index ``i`` of the array as a lambda sees it: unknown once an unknown run came before it."""
    return Unknown(f"indexOf({text})", UnknownCause.UNKNOWN_LOOP) if has_run(items[:i]) else i


def _map(inst: Instance, node: A.Call, env: dict[str, Any]) -> Any:
    items, fn = _lambda_args(inst, node, env, "vl")
    if isinstance(items, Unknown) or not isinstance(items, list):
        return _unknown_of(items) if isinstance(items, Unknown) else MISSING
    out = LocatedList()
    for i, item in enumerate(items):
        if isinstance(item, UnknownRun):
            out.append(item)
        else:
            out.append(_apply(inst, fn, [item, _index_after(items, i, render(node))], env))
        out.locs.append(inst.loc(fn.body))
    return out


def _filter(inst: Instance, node: A.Call, env: dict[str, Any]) -> Any:
    items, fn = _lambda_args(inst, node, env, "vl")
    if isinstance(items, Unknown) or not isinstance(items, list):
        return _unknown_of(items) if isinstance(items, Unknown) else MISSING
    out = LocatedList()
    locs = getattr(items, "locs", [])
    for i, item in enumerate(items):
        keep = item if isinstance(item, UnknownRun) else \
            _apply(inst, fn, [item, _index_after(items, i, render(node))], env)
        if keep is False:
            continue
        if keep is True:
            out.append(item)
        elif isinstance(keep, Unknown):
            out.append(UnknownRun(f"{render(node)}[{i}]", _carried(keep)))  # kept or not: not known
        else:
            return MISSING
        out.locs.append(locs[i] if i < len(locs) else None)
    return out


def _reduce(inst: Instance, node: A.Call, env: dict[str, Any]) -> Any:
    items, initial, fn = _lambda_args(inst, node, env, "vvl")
    if isinstance(items, Unknown) or not isinstance(items, list):
        return _unknown_of(items) if isinstance(items, Unknown) else MISSING
    if has_run(items):
        return Unknown("", UnknownCause.NOT_STATIC)
    current = initial
    for i, item in enumerate(items):
        current = _apply(inst, fn, [current, item, i], env)
    return current


def _sort(inst: Instance, node: A.Call, env: dict[str, Any]) -> Any:
    items, fn = _lambda_args(inst, node, env, "vl")
    if isinstance(items, Unknown) or not isinstance(items, list):
        return _unknown_of(items) if isinstance(items, Unknown) else MISSING
    if not is_known(items):
        return Unknown("", _carried(first_unknown(items) or Unknown("")))

    def before(a: Any, b: Any) -> bool:
        answer = _apply(inst, fn, [a, b], env)
        if not isinstance(answer, bool):
            raise _Undecided
        return answer

    def compare(a: Any, b: Any) -> int:
        if before(a, b):
            return -1
        if before(b, a):
            return 1
        if _plain(a) != _plain(b):
            raise _Undecided  # neither first: the order ARM's sort gives them is not known
        return 0

    try:
        return sorted(items, key=cmp_to_key(compare))
    except _Undecided:
        return Unknown("", UnknownCause.NOT_STATIC)


class _Undecided(Exception):
    pass


def _to_object(inst: Instance, node: A.Call, env: dict[str, Any]) -> Any:
    items, key_fn, *rest = _lambda_args(inst, node, env, "vlo")
    if isinstance(items, Unknown) or not isinstance(items, list):
        return _unknown_of(items) if isinstance(items, Unknown) else MISSING
    if has_run(items):
        return Unknown("", UnknownCause.NOT_STATIC)
    out = LocatedDict()
    seen: set[str] = set()
    for item in items:
        key = _apply(inst, key_fn, [item], env)
        if isinstance(key, Unknown):
            return Unknown("", _carried(key))
        if not isinstance(key, str) or key.lower() in seen:
            return MISSING  # ARM keys are compared regardless of case; which duplicate wins is not known
        seen.add(key.lower())
        out[key] = _apply(inst, rest[0], [item], env) if rest else item
        out.locs[key] = inst.loc(rest[0].body if rest else key_fn.body)
    return out


def _group_by(inst: Instance, node: A.Call, env: dict[str, Any]) -> Any:
    """``groupBy(array, key => ..., [item => value])``: the items (or their values) by key."""
    items, key_fn, *value_fn = _lambda_args(inst, node, env, "vlo")
    if isinstance(items, Unknown) or not isinstance(items, list):
        return _unknown_of(items) if isinstance(items, Unknown) else MISSING
    if has_run(items):
        return Unknown("", UnknownCause.NOT_STATIC)
    out = LocatedDict()
    spelling: dict[str, str] = {}
    for item in items:
        key = _apply(inst, key_fn, [item], env)
        if isinstance(key, Unknown):
            return Unknown("", _carried(key))
        if not isinstance(key, str):
            return MISSING
        if key.lower() in spelling and spelling[key.lower()] != key:
            return MISSING  # one group or two: not known
        spelling[key.lower()] = key
        out.setdefault(key, LocatedList()).append(_apply(inst, value_fn[0], [item], env) if value_fn else item)
        out.locs[key] = inst.loc(key_fn.body)
    return out


def _map_values(inst: Instance, node: A.Call, env: dict[str, Any]) -> Any:
    obj, fn = _lambda_args(inst, node, env, "vl")
    if isinstance(obj, Unknown) or not isinstance(obj, dict):
        return _unknown_of(obj) if isinstance(obj, Unknown) else MISSING
    out = LocatedDict()
    locs = getattr(obj, "locs", {})
    for key, value in obj.items():
        out[key] = _apply(inst, fn, [value], env)
        if key in locs:
            out.locs[key] = locs[key]
    return out


_LAMBDA_FUNCTIONS = {
    "map": _map, "filter": _filter, "reduce": _reduce, "sort": _sort, "toobject": _to_object,
    "groupby": _group_by, "mapvalues": _map_values,
}
_LOAD_FUNCTIONS = {"loadtextcontent", "loadjsoncontent", "loadfileasbase64"}
_LOAD_LIMITS = {"loadtextcontent": 131_072, "loadjsoncontent": 1_048_576, "loadfileasbase64": 98_304}
"""The most each function reads, as the Bicep compiler limits them (characters; bytes for base64)."""
_ENCODINGS = {"utf-8": "utf-8-sig", "us-ascii": "ascii", "iso-8859-1": "latin-1", "utf-16": "utf-16",
              "utf-16be": "utf-16-be"}
"""The ``encoding`` arguments, as Python codecs (a byte order mark is not part of the text). Checked
against what the Bicep compiler writes for its own LoadFunctions sample, one file in each encoding."""


def _name_of(node: A.Call) -> Any:
    """``nameof(symbol.property)``: the last name of its argument, as written."""
    if len(node.args) != 1:
        return Unknown(render(node))
    arg = node.args[0]
    if isinstance(arg, A.Ident):
        return arg.name
    if isinstance(arg, A.Member):
        return arg.name
    if isinstance(arg, A.Index) and isinstance(arg.index, A.Lit) and isinstance(arg.index.value, str):
        return arg.index.value
    # `parent::child.property` is kept as text: its last name.
    m = re.fullmatch(r"[A-Za-z_][\w:.\[\]]*[.:]([A-Za-z_]\w*)", arg.text) if isinstance(arg, A.Opaque) else None
    return m.group(1) if m else Unknown(render(node))


# -- files -----------------------------------------------------------------------------------------
def _load_content(inst: Instance, lname: str, node: A.Call, env: dict[str, Any]) -> Any:
    """``loadTextContent(path, [encoding])``, ``loadJsonContent(path, [jsonPath], [encoding])``,
    ``loadFileAsBase64(path)``: the file, relative to the template, read only when it lies inside
    the scanned root (after symbolic links); a file outside is unknown, and a diagnostic says so."""
    args = [inst.publish(inst.eval(a, env), a) for a in node.args]
    if not args or not _strs(args) or len(args) > {"loadtextcontent": 2, "loadjsoncontent": 3}.get(lname, 1):
        return MISSING
    path, *options = args
    json_path = options.pop(0) if lname == "loadjsoncontent" and options else None
    encoding = _ENCODINGS.get((options[0] if options else "utf-8").lower())
    reader = inst.ctx.reader
    if encoding is None or reader is None:
        return MISSING
    display = posixpath.normpath(posixpath.join(posixpath.dirname(inst.file.path), path.replace("\\", "/")))
    limit = _LOAD_LIMITS[lname]
    data = reader.read_bytes(display, limit * 4)
    if data == "outside":
        inst.ctx.problems.setdefault(inst.loc(node), f"{node.name}() names {path!r}, a file outside the scanned "
                                     "root; it is not read and its content is unknown")
        return MISSING
    if not isinstance(data, bytes):
        return MISSING
    if lname == "loadfileasbase64":
        return base64.b64encode(data).decode("ascii") if len(data) <= limit else MISSING
    text = data.decode(encoding).removeprefix("\ufeff")
    if len(text) > limit:
        return MISSING  # the compiler rejects a longer file
    inst.ctx.budget.charge_text(len(text))
    if lname == "loadtextcontent":
        return text
    value = from_json(json.loads(_without_comments(text)))
    if json_path is None:
        return value
    steps = _JSON_PATH.fullmatch(json_path)
    if steps is None:
        return MISSING  # a JSON path beyond property names and indexes (filters, wildcards) is not evaluated
    for name, index, quoted in _JSON_STEP.findall(json_path):
        key: str | int = int(index) if index else (quoted or name)
        found = (isinstance(key, int) and isinstance(value, list) and key < len(value)) or \
            (isinstance(key, str) and isinstance(value, dict) and key in value)
        if not found:
            return MISSING
        value = value[key]
    return value


_JSON_STEP_TEXT = r"\.([A-Za-z_][\w-]*)|\[(\d+)\]|\['([^']*)'\]"
_JSON_PATH = re.compile(rf"\$?(?:{_JSON_STEP_TEXT})*")
_JSON_STEP = re.compile(_JSON_STEP_TEXT)


def _without_comments(text: str) -> str:
    """JSON text without its ``//`` and ``/* */`` comments (Bicep reads JSON files with comments)."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            end = i + 1
            while end < n and text[end] != '"':
                end += 2 if text[end] == "\\" else 1
            out.append(text[i:end + 1])
            i = end + 1
        elif text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                raise ValueError("unterminated comment")
            out.append(" ")
            i = end + 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


# -- resource IDs ----------------------------------------------------------------------------------
def _split_id_args(args: list[Any]) -> tuple[list[Any], str, list[Any]]:
    """``[scope args...], type, [names...]``: the type is the first argument with a '/'."""
    for i, arg in enumerate(args[:3]):  # at most a subscription and a resource group come first
        if isinstance(arg, str) and "/" in arg:
            return args[:i], arg, args[i + 1:]
        if not isinstance(arg, (str, Unknown)):
            break
    raise ValueError("no resource type")


def _partial(rtype: str, lead: list[Any], names: list[Any]) -> Any:
    """An ID whose type is known but not every other part: a :class:`PartialId` (or unknown when
    the type itself is not a literal resource type)."""
    if any(isinstance(v, ResourceRef) for v in (*lead, *names)) or rtype.count("/") < 1:
        return MISSING
    return PartialId("", UnknownCause.NOT_STATIC, rtype)


def _known_parts(values: list[Any]) -> bool:
    return all(isinstance(v, str) for v in values)


def _resource_id(inst: Instance, args: list[Any]) -> Any:
    lead, rtype, names = _split_id_args(args)
    sub, rg = inst.sub, inst.rg
    if len(lead) == 1:
        rg = lead[0]
    elif len(lead) == 2:
        sub, rg = lead
    if not _known_parts(names):
        return _partial(rtype, lead, names)
    if not (isinstance(sub, str) and isinstance(rg, str)):
        if not (isinstance(sub, (str, Unknown)) and isinstance(rg, (str, Unknown))):
            return MISSING
        # The deployment's own subscription or resource group: resolved against the unit's resources.
        return LocalId("", UnknownCause.NOT_STATIC, rtype, "/".join(names), rg, sub)
    return f"/subscriptions/{sub}/resourceGroups/{rg}/providers/{_typed_names(rtype, names)}"


def _typed_names(rtype: str, names: list[str]) -> str:
    segments = rtype.split("/")
    if len(names) != len(segments) - 1:
        raise ValueError("one name per type segment")
    out = [segments[0]]
    for seg, name in zip(segments[1:], names, strict=False):
        out += [seg, name]
    return "/".join(out)


def _subscription_resource_id(inst: Instance, args: list[Any]) -> Any:
    lead, rtype, names = _split_id_args(args)
    if not _known_parts(names):
        return _partial(rtype, lead, names)
    # Role definitions are compared by their trailing GUID, so the ID stays resolvable even when the
    # subscription is not known.
    if rtype.lower() == ROLE_DEFINITIONS:
        return f"/providers/{_typed_names(rtype, names)}"
    sub = lead[0] if lead else inst.sub
    if not isinstance(sub, str):
        return _partial(rtype, lead, names)
    return f"/subscriptions/{sub}/providers/{_typed_names(rtype, names)}"


def _tenant_resource_id(inst: Instance, args: list[Any]) -> Any:
    lead, rtype, names = _split_id_args(args)
    return f"/providers/{_typed_names(rtype, names)}" if _known_parts(names) else _partial(rtype, lead, names)


def _management_group_resource_id(inst: Instance, args: list[Any]) -> Any:
    lead, rtype, names = _split_id_args(args)
    if not (_known_parts(names) and lead and isinstance(lead[0], str)):
        return _partial(rtype, lead, names)
    return f"/providers/Microsoft.Management/managementGroups/{lead[0]}/providers/{_typed_names(rtype, names)}"


def _extension_resource_id(inst: Instance, args: list[Any]) -> Any:
    base, rest = args[0], args[1:]
    _lead, rtype, names = _split_id_args(rest)
    if not (isinstance(base, str) and _known_parts(names)):
        return _partial(rtype, [base], names)
    return f"{base}/providers/{_typed_names(rtype, names)}"


# -- hashes ----------------------------------------------------------------------------------------
def _guid(inst: Instance, args: list[Any]) -> Any:
    if not args or not _strs(args) or not _is_ascii(args):
        return MISSING  # a reference's ID is not known text; other text is not verified against ARM
    return guid_of(args)


def _unique_string(inst: Instance, args: list[Any]) -> Any:
    if not args or not _strs(args) or not _is_ascii(args):
        return MISSING
    inst.ctx.budget.charge_text(sum(map(len, args)))  # the hash runs over every character, in Python
    return unique_string_of(args)


# -- arrays and objects ----------------------------------------------------------------------------
def _concat(inst: Instance, args: list[Any]) -> Any:
    if args and any(isinstance(a, list) for a in args) and all(isinstance(a, (list, Unknown)) for a in args):
        out = LocatedList()
        for arg in args:
            if isinstance(arg, Unknown):  # an unknown array: its elements are an unknown run
                out.append(run_of(arg))
                out.locs.append(None)
                continue
            out.extend(arg)
            locs = getattr(arg, "locs", [])
            out.locs.extend(locs[i] if i < len(locs) else None for i in range(len(arg)))
        return out
    if not is_known(args) or any(isinstance(a, ResourceRef) for a in args):
        return Unknown("", _carried(first_unknown(args) or Unknown("")))
    if all(isinstance(a, (str, int)) and not isinstance(a, bool) for a in args):
        return "".join(str(a) for a in args)
    return MISSING


def _flatten(inst: Instance, args: list[Any]) -> Any:
    (items,) = args
    if isinstance(items, Unknown) or not isinstance(items, list):
        return _unknown_of(items) if isinstance(items, Unknown) else MISSING
    out = LocatedList()
    for item in items:
        if isinstance(item, Unknown):
            out.append(run_of(item))
            out.locs.append(None)
        elif isinstance(item, list):
            out.extend(item)
            locs = getattr(item, "locs", [])
            out.locs.extend(locs[i] if i < len(locs) else None for i in range(len(item)))
        else:
            return MISSING
    return out


def _union(inst: Instance, args: list[Any]) -> Any:
    if any(isinstance(a, Unknown) for a in args):
        return Unknown("", _carried(first_unknown(args) or Unknown("")))
    if all(isinstance(a, dict) for a in args):
        out: dict[str, Any] = LocatedDict()
        for arg in args:
            _merge(out, arg)
        return out
    if all(isinstance(a, list) for a in args):
        if not is_known(args):
            return Unknown("", UnknownCause.NOT_STATIC)  # which duplicates it drops is not known
        merged: list[Any] = []
        seen: set[Any] = set()
        for arg in args:
            inst.ctx.budget.charge(len(arg))
            for item in arg:
                key = _hashable(item)
                if key not in seen:
                    seen.add(key)
                    merged.append(item)
        return merged
    return MISSING


def _merge(into: dict[str, Any], other: dict[str, Any]) -> None:
    """``union()`` of objects: later values win; objects in both are merged, recursively."""
    locs = getattr(other, "locs", {})
    folded = {k.lower(): k for k in into}
    for key, value in other.items():
        if key.lower() in folded and folded[key.lower()] != key:
            raise ValueError("keys that differ in case only")  # which spelling ARM keeps: not known
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            nested = LocatedDict()
            _merge(nested, into[key])
            _merge(nested, value)
            into[key] = nested
        else:
            into[key] = value
        if key in locs and isinstance(into, LocatedDict):
            into.locs[key] = locs[key]


def _shallow_merge(inst: Instance, args: list[Any]) -> Any:
    """``shallowMerge(objects)``: one object, a later object's property replacing an earlier one's whole."""
    (items,) = args
    if isinstance(items, Unknown) or not isinstance(items, list) or has_run(items):
        return Unknown("", UnknownCause.NOT_STATIC) if isinstance(items, (Unknown, list)) else MISSING
    out = LocatedDict()
    for item in items:
        if isinstance(item, Unknown):
            return Unknown("", _carried(item))
        if not isinstance(item, dict):
            return MISSING
        for key, value in item.items():
            if key.lower() in {k.lower() for k in out} and key not in out:
                return MISSING  # keys that differ in case only
            out[key] = value
            loc = getattr(item, "locs", {}).get(key)
            if loc is not None:
                out.locs[key] = loc
    return out


def _intersection(inst: Instance, args: list[Any]) -> Any:
    if len(args) < 2:
        return MISSING
    if all(isinstance(a, dict) for a in args):
        first = args[0]
        if any(len({k.lower() for k in a}) != len(a) for a in args):
            return MISSING
        out = LocatedDict()
        for key, value in first.items():
            if all(key in a and _plain(a[key]) == _plain(value) for a in args[1:]):
                out[key] = value
        return out
    if all(isinstance(a, list) for a in args):
        if not is_known(args):
            return Unknown("", UnknownCause.NOT_STATIC)
        inst.ctx.budget.charge(sum(len(a) for a in args))
        others = [{_hashable(x) for x in a} for a in args[1:]]
        result: list[Any] = []
        taken: set[Any] = set()
        for item in args[0]:
            key = _hashable(item)
            if key not in taken and all(key in other for other in others):
                taken.add(key)
                result.append(item)
        return result
    return MISSING


def _hashable(value: Any) -> Any:
    """A key equal for equal values (objects regardless of key order), for sets of values."""
    if isinstance(value, dict):
        return ("{", frozenset((k, _hashable(v)) for k, v in value.items()))
    if isinstance(value, list):
        return ("[", tuple(_hashable(v) for v in value))
    return (type(value).__name__, value)


def _contains(inst: Instance, args: list[Any]) -> Any:
    container, item = args
    if isinstance(container, Unknown) or isinstance(item, Unknown):
        return Unknown("", UnknownCause.NOT_STATIC)
    if isinstance(container, str) and isinstance(item, (str, int)) and not isinstance(item, bool):
        return str(item) in container
    if isinstance(container, dict) and isinstance(item, str):
        return item.lower() in {k.lower() for k in container}
    if isinstance(container, list):
        if not is_known(item):
            return Unknown("", UnknownCause.NOT_STATIC)
        inst.ctx.budget.charge(len(container))
        plain = _plain(item)
        if any(is_known(x) and _plain(x) == plain for x in container):
            return True
        return False if is_known(container) else Unknown("", UnknownCause.NOT_STATIC)
    return MISSING


def _index_of(inst: Instance, args: list[Any], last: bool = False) -> Any:
    container, item = args
    if isinstance(container, Unknown) or not is_known(item):
        return Unknown("", UnknownCause.NOT_STATIC)
    if isinstance(container, str) and isinstance(item, str):
        if not _bmp(container):
            return MISSING
        exact = container.rfind(item) if last else container.find(item)
        folded = container.lower().rfind(item.lower()) if last else container.lower().find(item.lower())
        return _same_either_way(exact, folded)
    if isinstance(container, list):
        inst.ctx.budget.charge(len(container))
        plain = _plain(item)
        order = range(len(container) - 1, -1, -1) if last else range(len(container))
        for i in order:
            element = container[i]
            if not is_known(element):
                return Unknown("", UnknownCause.NOT_STATIC)  # it may be the one
            if _plain(element) == plain:
                return i
        return -1
    return MISSING


def _last_index_of(inst: Instance, args: list[Any]) -> Any:
    return _index_of(inst, args, last=True)


def _length(inst: Instance, args: list[Any]) -> Any:
    (value,) = args
    if isinstance(value, list) and not has_run(value):
        return len(value)
    if isinstance(value, dict):
        return len(value)
    if isinstance(value, str):
        return len(value.encode("utf-16-le")) // 2  # ARM counts UTF-16 code units
    return Unknown("", UnknownCause.NOT_STATIC) if isinstance(value, (Unknown, list)) else MISSING


def _empty(inst: Instance, args: list[Any]) -> Any:
    (value,) = args
    if value is None:
        return True
    if isinstance(value, list):
        if any(not isinstance(v, UnknownRun) for v in value):
            return False
        return True if not value else Unknown("", UnknownCause.NOT_STATIC)
    if isinstance(value, (str, dict)):
        return len(value) == 0
    return Unknown("", UnknownCause.NOT_STATIC) if isinstance(value, Unknown) else MISSING


def _first(inst: Instance, args: list[Any]) -> Any:
    (value,) = args
    if isinstance(value, str):
        return (value[0] if value else "") if _bmp(value) else MISSING
    if isinstance(value, list):
        if value and isinstance(value[0], UnknownRun):
            return Unknown("", UnknownCause.NOT_STATIC)
        return value[0] if value else None
    return Unknown("", UnknownCause.NOT_STATIC) if isinstance(value, Unknown) else MISSING


def _last(inst: Instance, args: list[Any]) -> Any:
    (value,) = args
    if isinstance(value, str):
        return (value[-1] if value else "") if _bmp(value) else MISSING
    if isinstance(value, list):
        if value and isinstance(value[-1], UnknownRun):
            return Unknown("", UnknownCause.NOT_STATIC)
        return value[-1] if value else None
    return Unknown("", UnknownCause.NOT_STATIC) if isinstance(value, Unknown) else MISSING


def _take(inst: Instance, args: list[Any], skip: bool = False) -> Any:
    value, count = args
    if isinstance(value, Unknown) or not _is_int(count):
        return Unknown("", UnknownCause.NOT_STATIC) if isinstance(value, Unknown) or isinstance(count, Unknown) \
            else MISSING
    if not isinstance(value, (str, list)) or (isinstance(value, str) and not _bmp(value)):
        return MISSING
    n = max(count, 0)
    if isinstance(value, list) and has_run(value[:n] if not skip else value):
        if skip and not has_run(value[:n]):
            out = LocatedList(value[n:])
            out.locs = list(getattr(value, "locs", [])[n:])
            return out
        return Unknown("", UnknownCause.NOT_STATIC)
    part = value[n:] if skip else value[:n]
    if isinstance(value, LocatedList):
        out = LocatedList(part)
        out.locs = list(value.locs[n:] if skip else value.locs[:n])
        return out
    return part


def _skip(inst: Instance, args: list[Any]) -> Any:
    return _take(inst, args, skip=True)


def _create_array(inst: Instance, args: list[Any]) -> Any:
    return LocatedList(args)


def _array(inst: Instance, args: list[Any]) -> Any:
    (value,) = args
    if isinstance(value, list):
        return value
    if isinstance(value, Unknown):
        return Unknown("", _carried(value))  # an array itself, or the one element of a new one
    return LocatedList([value])


def _create_object(inst: Instance, args: list[Any]) -> Any:
    if len(args) % 2:
        return MISSING
    out = LocatedDict()
    for key, value in zip(args[::2], args[1::2], strict=True):
        if not isinstance(key, str):
            return Unknown("", UnknownCause.UNKNOWN_KEY) if isinstance(key, Unknown) else MISSING
        if key.lower() in {k.lower() for k in out}:
            return MISSING
        out[key] = value
    return out


def _items(inst: Instance, args: list[Any]) -> Any:
    (obj,) = args
    if isinstance(obj, Unknown):
        return Unknown("", _carried(obj))
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


def _coalesce(inst: Instance, args: list[Any]) -> Any:
    for arg in args:
        if isinstance(arg, Unknown):
            return Unknown("", _carried(arg))  # it may be null or not
        if arg is not None:
            return arg
    return None


def _try_get(inst: Instance, args: list[Any]) -> Any:
    """``tryGet(value, key, ...)``: the value at the keys (property names or indexes), null where there
    is none."""
    value, *keys = args
    if not keys:
        return MISSING
    for key in keys:
        if isinstance(value, Unknown) or isinstance(key, Unknown):
            return Unknown("", UnknownCause.NOT_STATIC)
        if value is None:
            return None
        if isinstance(value, dict) and isinstance(key, str):
            folded = {k.lower(): k for k in value}
            value = value[folded[key.lower()]] if key.lower() in folded else None
        elif isinstance(value, list) and _is_int(key):
            if has_run(value[:key + 1] if key >= 0 else value):
                return Unknown("", UnknownCause.NOT_STATIC)
            value = value[key] if 0 <= key < len(value) else None
        else:
            return MISSING
    return value


def _range(inst: Instance, args: list[Any]) -> Any:
    start, count = args
    if _is_int(start) and _is_int(count) and 0 <= count <= 10_000 and start + count <= 2**31 - 1:
        inst.ctx.budget.charge(count)
        return list(range(start, start + count))
    return MISSING


def _min(inst: Instance, args: list[Any]) -> Any:
    values = args[0] if len(args) == 1 and isinstance(args[0], list) else args
    return min(values) if values and all(_is_int(v) for v in values) else MISSING


def _max(inst: Instance, args: list[Any]) -> Any:
    values = args[0] if len(args) == 1 and isinstance(args[0], list) else args
    return max(values) if values and all(_is_int(v) for v in values) else MISSING


def _any(inst: Instance, args: list[Any]) -> Any:
    (value,) = args
    return value


# -- text ------------------------------------------------------------------------------------------
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
    if not (isinstance(items, list) and isinstance(delim, str)):
        return MISSING
    parts = []
    for item in items:
        if isinstance(item, bool):  # as the Bicep compiler's own test has it: join(['abc', 123, true], '/')
            parts.append("True" if item else "False")
        elif isinstance(item, (str, int)):
            parts.append(str(item))
        else:
            return MISSING
    inst.ctx.budget.charge_text(sum(map(len, parts)) + len(delim) * len(parts))
    return delim.join(parts)


def _replace(inst: Instance, args: list[Any]) -> Any:
    text, old, new = args
    if not _strs([text, old, new]) or not old:
        return MISSING
    if len(text) + text.count(old) * (len(new) - len(old)) > MAX_TEXT_CHARS:
        raise NotComputed("replaced text too long")
    return text.replace(old, new)


def _lower(inst: Instance, args: list[Any]) -> Any:
    return args[0].lower() if isinstance(args[0], str) else MISSING


def _upper(inst: Instance, args: list[Any]) -> Any:
    return args[0].upper() if isinstance(args[0], str) else MISSING


def _trim(inst: Instance, args: list[Any]) -> Any:
    return args[0].strip() if isinstance(args[0], str) else MISSING


def _same_either_way(exact: Any, folded: Any) -> Any:
    """The answer when comparing text with and without letter case gives the same one (whether ARM
    folds case for this function is not verified), else unknown."""
    return exact if exact == folded else MISSING


def _starts_with(inst: Instance, args: list[Any]) -> Any:
    text, prefix = args
    if not _strs([text, prefix]):
        return MISSING
    return _same_either_way(text.startswith(prefix), text.lower().startswith(prefix.lower()))


def _ends_with(inst: Instance, args: list[Any]) -> Any:
    text, suffix = args
    if not _strs([text, suffix]):
        return MISSING
    return _same_either_way(text.endswith(suffix), text.lower().endswith(suffix.lower()))


def _substring(inst: Instance, args: list[Any]) -> Any:
    text, start, *rest = args
    if not (isinstance(text, str) and _bmp(text) and _is_int(start) and all(_is_int(r) for r in rest)
            and len(rest) <= 1):
        return MISSING
    length = rest[0] if rest else len(text) - start
    if start < 0 or length < 0 or start + length > len(text):
        return MISSING  # ARM rejects it
    return text[start:start + length]


def _pad_left(inst: Instance, args: list[Any]) -> Any:
    value, total, *pad = args
    text = str(value) if _is_int(value) else value
    fill = pad[0] if pad else " "
    if not (isinstance(text, str) and _is_int(total) and isinstance(fill, str) and len(fill) == 1):
        return MISSING
    if total > 16 * 1024:
        return MISSING
    return text.rjust(total, fill)


def _string(inst: Instance, args: list[Any]) -> Any:
    (value,) = args
    if isinstance(value, str):
        return value
    if _is_int(value):
        return str(value)
    if isinstance(value, (dict, list)):
        text = json.dumps(_plain(value), separators=(",", ":"), ensure_ascii=False)
        if any(ord(c) < 0x20 for c in text):
            return MISSING  # how ARM escapes control characters is not verified
        return text
    return MISSING  # a bool or null: how ARM writes it is not verified


def _int(inst: Instance, args: list[Any]) -> Any:
    (value,) = args
    if _is_int(value):
        return value
    if isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value.strip()):
        return int(value.strip())
    return MISSING


def _bool(inst: Instance, args: list[Any]) -> Any:
    (value,) = args
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in {"true", "false"}:
        return value.lower() == "true"
    if _is_int(value) and value in {0, 1}:
        return value == 1
    return MISSING


def _json(inst: Instance, args: list[Any]) -> Any:
    (text,) = args
    if not isinstance(text, str):
        return MISSING
    return from_json(json.loads(text))


def from_json(value: Any) -> Any:
    """A parsed JSON value as a Bicep value (a fraction is no Bicep value: unknown)."""
    if isinstance(value, float):
        raise ValueError("not an integer")
    if isinstance(value, int) and not isinstance(value, bool) and not -2**63 <= value < 2**63:
        raise NotComputed("an integer beyond 64 bits")
    if isinstance(value, dict):
        out = LocatedDict()
        for k, v in value.items():
            out[k] = from_json(v)
        return out
    if isinstance(value, list):
        return LocatedList(from_json(v) for v in value)
    return value


def _base64(inst: Instance, args: list[Any]) -> Any:
    (text,) = args
    return base64.b64encode(text.encode("utf-8")).decode("ascii") if isinstance(text, str) else MISSING


def _base64_to_string(inst: Instance, args: list[Any]) -> Any:
    (text,) = args
    return base64.b64decode(text, validate=True).decode("utf-8") if isinstance(text, str) else MISSING


def _base64_to_json(inst: Instance, args: list[Any]) -> Any:
    return _json(inst, [_base64_to_string(inst, args)])


def _data_uri(inst: Instance, args: list[Any]) -> Any:
    encoded = _base64(inst, args)
    return MISSING if encoded is MISSING else f"data:text/plain;charset=utf-8;base64,{encoded}"


def _data_uri_to_string(inst: Instance, args: list[Any]) -> Any:
    (text,) = args
    m = re.fullmatch(r"data:[^,;]*(?:;charset=utf-?8)?;base64,(.*)", text, re.IGNORECASE | re.DOTALL) \
        if isinstance(text, str) else None
    return base64.b64decode(m.group(1), validate=True).decode("utf-8") if m else MISSING


def _uri_component(inst: Instance, args: list[Any]) -> Any:
    (text,) = args
    return quote(text, safe="") if isinstance(text, str) else MISSING


def _uri_component_to_string(inst: Instance, args: list[Any]) -> Any:
    (text,) = args
    return unquote(text, errors="strict") if isinstance(text, str) else MISSING


# -- networks --------------------------------------------------------------------------------------
def _network(text: Any) -> ipaddress.IPv4Network:
    """An IPv4 range with no host bits set (how ARM writes IPv6 ranges and treats host bits is not
    verified: anything else is unknown)."""
    if not isinstance(text, str) or "/" not in text:
        raise ValueError("not a CIDR")
    return ipaddress.IPv4Network(text, strict=True)


def _parse_cidr(inst: Instance, args: list[Any]) -> Any:
    """``parseCidr(range)``: an IPv4 range's network, netmask, broadcast, first and last usable
    address and prefix length, as the Bicep documentation describes them."""
    (text,) = args
    net = _network(text)
    if net.prefixlen > 30:
        return MISSING  # what ARM gives for /31 and /32 is not verified
    out = LocatedDict()
    out["network"] = str(net.network_address)
    out["netmask"] = str(net.netmask)
    out["broadcast"] = str(net.broadcast_address)
    out["firstUsable"] = str(net.network_address + 1)
    out["lastUsable"] = str(net.broadcast_address - 1)
    out["cidr"] = net.prefixlen
    return out


def _cidr_subnet(inst: Instance, args: list[Any]) -> Any:
    """``cidrSubnet(range, prefix, index)``: the ``index``-th subnet of that prefix length in the range."""
    text, prefix, index = args
    net = _network(text)
    if not (_is_int(prefix) and _is_int(index)) or not net.prefixlen <= prefix <= net.max_prefixlen or index < 0:
        return MISSING
    count = 2 ** (prefix - net.prefixlen)
    if index >= count:
        return MISSING
    size = 2 ** (net.max_prefixlen - prefix)
    first = net.network_address + index * size
    return f"{first}/{prefix}"


def _cidr_host(inst: Instance, args: list[Any]) -> Any:
    """``cidrHost(range, index)``: the ``index``-th usable host address of an IPv4 range (index 0 is the
    address after the network address)."""
    text, index = args
    net = _network(text)
    if net.prefixlen > 30 or not _is_int(index) or not 0 <= index < net.num_addresses - 2:
        return MISSING
    return str(net.network_address + index + 1)


_FUNCTIONS = {
    "resourceid": _resource_id,
    "subscriptionresourceid": _subscription_resource_id,
    "tenantresourceid": _tenant_resource_id,
    "extensionresourceid": _extension_resource_id,
    "managementgroupresourceid": _management_group_resource_id,
    "guid": _guid,
    "uniquestring": _unique_string,
    "concat": _concat,
    "format": _format,
    "union": _union,
    "intersection": _intersection,
    "shallowmerge": _shallow_merge,
    "contains": _contains,
    "indexof": _index_of,
    "lastindexof": _last_index_of,
    "length": _length,
    "empty": _empty,
    "first": _first,
    "last": _last,
    "take": _take,
    "skip": _skip,
    "flatten": _flatten,
    "createarray": _create_array,
    "array": _array,
    "createobject": _create_object,
    "items": _items,
    "coalesce": _coalesce,
    "tryget": _try_get,
    "range": _range,
    "min": _min,
    "max": _max,
    "any": _any,
    "split": _split,
    "join": _join,
    "replace": _replace,
    "tolower": _lower,
    "toupper": _upper,
    "trim": _trim,
    "startswith": _starts_with,
    "endswith": _ends_with,
    "substring": _substring,
    "padleft": _pad_left,
    "string": _string,
    "int": _int,
    "bool": _bool,
    "json": _json,
    "base64": _base64,
    "base64tostring": _base64_to_string,
    "base64tojson": _base64_to_json,
    "datauri": _data_uri,
    "datauritostring": _data_uri_to_string,
    "uricomponent": _uri_component,
    "uricomponenttostring": _uri_component_to_string,
    "parsecidr": _parse_cidr,
    "cidrsubnet": _cidr_subnet,
    "cidrhost": _cidr_host,
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
