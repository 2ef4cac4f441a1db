"""Terraform's built-in functions over known values.

Every function here receives known arguments only: the evaluator returns *unknown* for a call whose
arguments are not all known (except ``try``, ``can`` and ``coalesce``-style functions, which it
handles itself). A function not listed here is unknown. A function that fails on its input
(Terraform would report an error) raises :class:`CallError`, which the evaluator turns into unknown.
A value Terraform would compute but fleetiac cannot represent (a number beyond Terraform's precision,
text too long) raises :class:`~analyzer.frontends.budget.NotComputed`: unknown too, but not an error,
so ``try()`` does not take its fallback. Functions in :data:`METERED` can produce far more than they
are given (a YAML alias bomb): they count what they produce with the ``charge`` they are passed.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from fleetiac.analyzer.frontends.budget import MAX_TEXT_CHARS, NotComputed
from fleetiac.analyzer.values import Unknown

NUMBER_BITS = 512
"""Terraform computes numbers as binary floating point with 512-bit mantissas (cty's ``big.Float``):
an integer with more significant bits than that is rounded there and exact here, so it is unknown."""
MAX_INT_BITS = 14_000
"""Largest integer (in bits) kept: under Python's 4,300-digit limit of converting integers to text."""
_INTEGER_RE = re.compile(r"[-+]?[0-9]+")


def checked_number(value: Any) -> Any:
    """``value`` if it is a number fleetiac holds exactly as Terraform does (a finite float, an
    integer within :data:`NUMBER_BITS` significant bits); raises :class:`NotComputed` otherwise.
    Other values are returned as they are."""
    if isinstance(value, float):
        if not math.isfinite(value):
            raise NotComputed("number out of range")
    elif isinstance(value, int) and not isinstance(value, bool) and not -2**63 <= value < 2**63:
        magnitude = abs(value)
        if magnitude.bit_length() > MAX_INT_BITS \
                or (magnitude >> ((magnitude & -magnitude).bit_length() - 1)).bit_length() > NUMBER_BITS:
            raise NotComputed("number beyond Terraform's precision")
    return value


def exact_number(text: str) -> int | float:
    """A number written as text (``"3"``, ``"1e3"``, ``"0.5"``) as Terraform reads it: an integral
    value exactly (``"1e23"`` is 10**23, not the float nearest to it). Raises ValueError for text that
    is no number and :class:`NotComputed` for one fleetiac cannot hold."""
    if _INTEGER_RE.fullmatch(text):
        if len(text) > 4000:
            raise NotComputed("number too long")
        return checked_number(int(text))
    number = float(text)  # ValueError for text that is no number
    if not math.isfinite(number) or number.is_integer():
        try:
            exact = Decimal(text)
        except InvalidOperation as error:
            raise ValueError(text) from error
        if not exact.is_finite():
            raise NotComputed("number out of range")
        if exact == exact.to_integral_value():
            if exact.adjusted() > 4000:
                raise NotComputed("number out of range")
            return checked_number(int(exact))
    return checked_number(number)


class CallError(Exception):
    """The call is invalid for these arguments; the result is unknown."""


def text_of(value: Any) -> str:
    """A primitive as Terraform converts it to a string (``true``, ``3``, ``1.5``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return _number_text(value)
    if isinstance(value, str):
        return value
    raise CallError("not a string")


def _number_text(value: float) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def number_of(value: Any) -> float:
    """A number, or a string Terraform would convert to one."""
    if isinstance(value, bool):
        raise CallError("not a number")
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        try:
            return exact_number(value)
        except ValueError as error:
            raise CallError("not a number") from error
    raise CallError("not a number")


def _list(value: Any) -> list[Any]:
    if isinstance(value, (list, tuple)):
        return list(value)
    raise CallError("not a list")


def _format(fmt: Any, *args: Any) -> str:
    text = text_of(fmt)
    out: list[str] = []
    arg_index = 0
    i = length = 0
    while i < len(text):
        char = text[i]
        if char != "%":
            out.append(char)
            i += 1
            continue
        if i + 1 < len(text) and text[i + 1] == "%":
            out.append("%")
            i += 2
            continue
        match = _VERB_RE.match(text, i)
        if not match:
            raise CallError("bad format verb")
        explicit, flags, width, precision, verb = match.groups()
        if max(len(width), len(precision or "")) > 7:
            raise NotComputed("format width too large")
        if explicit:
            arg_index = int(explicit[1:-1]) - 1
        if arg_index >= len(args):
            raise CallError("not enough arguments")
        value = args[arg_index]
        arg_index += 1
        if verb in "sv":
            piece = text_of(value) if not isinstance(value, (list, dict)) else json.dumps(value)
        elif verb == "q":
            piece = json.dumps(text_of(value))
        elif verb == "d":
            piece = str(int(number_of(value)))
        elif verb == "t":
            if not isinstance(value, bool):
                raise CallError("not a bool")
            piece = "true" if value else "false"
        elif verb == "f":
            piece = f"{number_of(value):.{int(precision) if precision else 6}f}"
        else:
            raise CallError("format verb not modelled")
        if width and "-" in flags:
            piece = piece.ljust(int(width))
        elif width and "0" in flags and verb in "dfeEgG":
            sign = "-" if piece.startswith("-") else ""
            piece = sign + piece[len(sign):].rjust(int(width) - len(sign), "0")
        elif width:
            piece = piece.rjust(int(width))
        out.append(piece)
        length += len(piece)
        if length > MAX_TEXT_CHARS:
            raise NotComputed("formatted text too long")
        i = match.end()
    return "".join(out)


_VERB_RE = re.compile(r"%(\[\d+\])?([-+# 0]*)(\d*)(?:\.(\d+))?([sdvqtfbxXoeEgG])")


def _lookup(mapping: Any, key: Any, *default: Any) -> Any:
    if not isinstance(mapping, dict):
        raise CallError("not a map")
    if key in mapping:
        return mapping[key]
    if default:
        return default[0]
    raise CallError("missing key")


def _element(values: Any, index: Any) -> Any:
    items = _list(values)
    if not items:
        raise CallError("empty list")
    return items[int(number_of(index)) % len(items)]


def _one(values: Any) -> Any:
    items = _list(values)
    if len(items) > 1:
        raise CallError("more than one element")
    return items[0] if items else None


def _merge(*maps: Any) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for mapping in maps:
        if mapping is None:
            continue
        if not isinstance(mapping, dict):
            raise CallError("not a map")
        merged.update(mapping)
    return merged


def _flatten(values: Any) -> list[Any]:
    out: list[Any] = []
    for item in _list(values):
        if isinstance(item, Unknown):
            raise CallError("unknown element: it may be a list")
        if isinstance(item, (list, tuple)):
            out.extend(_flatten(item))
        else:
            out.append(item)
    return out


def _distinct(values: Any) -> list[Any]:
    out: list[Any] = []
    seen: set[Any] = set()
    containers: list[Any] = []
    for item in _list(values):
        if isinstance(item, (list, dict)):
            # Compared one by one, as Terraform compares them: a bounded number, or unknown.
            if item not in containers:
                if len(containers) >= 4096:
                    raise NotComputed("too many distinct collections")
                containers.append(item)
                out.append(item)
        elif item not in seen:
            seen.add(item)
            out.append(item)
    return out


def _toset(values: Any) -> list[Any]:
    # Terraform sets of strings iterate in lexical order; keep that so for_each over a set is stable.
    items = _distinct(values)
    if all(isinstance(i, str) for i in items):
        return sorted(items)
    return items


def _range(*args: Any) -> list[Any]:
    numbers = [number_of(a) for a in args]
    start: int | float
    stop: int | float
    step: int | float
    if len(numbers) == 1:
        start, stop, step = 0, numbers[0], 1
    elif len(numbers) == 2:
        start, stop, step = numbers[0], numbers[1], 1
    else:
        start, stop, step = numbers
    # Whole numbers (1e16 included) step as integers: adding 1 to the float 1e16 gives 1e16 again.
    start, stop, step = (int(n) if isinstance(n, float) and n.is_integer() else n for n in (start, stop, step))
    if step == 0:
        raise CallError("range step is zero")
    count = max(0, -((start - stop) // step)) if all(isinstance(n, int) for n in (start, stop, step)) \
        else max(0, math.ceil((stop - start) / step))
    count = int(count)
    if count > 1024:
        raise CallError("range too large")
    return [checked_number(start + i * step) for i in range(count)]


def _substr(text: Any, offset: Any, length: Any) -> str:
    value = text_of(text)
    start = int(number_of(offset))
    count = int(number_of(length))
    if start < 0:
        start += len(value)
    return value[start:] if count < 0 else value[start:start + count]


def _replace(text: Any, search: Any, replacement: Any) -> str:
    pattern = text_of(search)
    if len(pattern) > 1 and pattern.startswith("/") and pattern.endswith("/"):
        raise CallError("regular expression replace not modelled")
    value, new = text_of(text), text_of(replacement)
    if len(value) + value.count(pattern) * (len(new) - len(pattern)) > MAX_TEXT_CHARS:
        raise NotComputed("replaced text too long")
    return value.replace(pattern, new)


def _tostring(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, (dict, list)):
        raise CallError("not a primitive")
    return text_of(value)


def _tonumber(value: Any) -> Any:
    return None if value is None else number_of(value)


def _tobool(value: Any) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise CallError("not a bool")


def _jsonencode(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def _jsondecode(text: Any) -> Any:
    try:
        return json.loads(text_of(text), parse_int=exact_number, parse_float=exact_number,
                          parse_constant=_not_json)
    except json.JSONDecodeError as error:
        raise CallError("invalid JSON") from error


def _not_json(name: str) -> Any:
    raise CallError(f"{name} is not JSON")


def _no_charge(count: int) -> None:
    return None


def _yamldecode(text: Any, charge: Callable[[int], None] = _no_charge) -> Any:
    """One YAML document as plain values. PyYAML reads YAML 1.1, Terraform YAML 1.2: where they
    differ (``yes``/``on`` as booleans, timestamps, sexagesimal numbers) the result is an error, so
    unknown, rather than a value Terraform would not produce. Aliases make a small document stand
    for a huge value (each ``*a`` repeats the whole of ``&a``): every value is charged as it is
    copied out, so the unit's budget bounds it."""
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    def strict_bool(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> bool:
        value = loader.construct_scalar(node)
        if str(value).lower() not in ("true", "false"):
            raise CallError("YAML 1.1 boolean")
        return str(value).lower() == "true"

    def checked_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
        if len(str(node.value)) > 4000:
            raise NotComputed("number too long")
        return yaml.SafeLoader.construct_yaml_int(loader, node)

    Loader.add_constructor("tag:yaml.org,2002:bool", strict_bool)
    Loader.add_constructor("tag:yaml.org,2002:int", checked_int)
    try:
        documents = list(yaml.load_all(text_of(text), Loader=Loader))  # a SafeLoader subclass: plain data only
    except yaml.YAMLError as error:
        raise CallError("invalid YAML") from error
    if len(documents) != 1:
        raise CallError("not exactly one YAML document")
    return _plain_yaml(documents[0], charge)


def _plain_yaml(value: Any, charge: Callable[[int], None]) -> Any:
    charge(1)
    if isinstance(value, dict):
        return {text_of(k): _plain_yaml(v, charge) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain_yaml(v, charge) for v in value]
    if value is None or isinstance(value, (str, bool, int, float)):
        # Terraform reads `.inf` and numbers past a float's range: values fleetiac cannot hold.
        return checked_number(value)
    raise CallError(f"YAML value of type {type(value).__name__} is not modelled")


def _zipmap(keys: Any, values: Any) -> dict[str, Any]:
    key_list, value_list = _list(keys), _list(values)
    if len(key_list) != len(value_list):
        raise CallError("length mismatch")
    return {text_of(k): v for k, v in zip(key_list, value_list, strict=True)}


def _tomap(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise CallError("not a map")
    return dict(value)


def _length(value: Any) -> int:
    if isinstance(value, (list, tuple, dict, str)):
        return len(value)
    raise CallError("no length")


def _contains(values: Any, item: Any) -> bool:
    return item in _list(values)


def _keys(mapping: Any) -> list[str]:
    if not isinstance(mapping, dict):
        raise CallError("not a map")
    return sorted(mapping)


def _values(mapping: Any) -> list[Any]:
    if not isinstance(mapping, dict):
        raise CallError("not a map")
    return [mapping[k] for k in sorted(mapping)]


def _concat(*lists: Any) -> list[Any]:
    out: list[Any] = []
    for item in lists:
        out.extend(_list(item))
    return out


def _min(*numbers: Any) -> Any:
    if not numbers:
        raise CallError("no arguments")
    return min(number_of(n) for n in numbers)


def _max(*numbers: Any) -> Any:
    if not numbers:
        raise CallError("no arguments")
    return max(number_of(n) for n in numbers)


METERED = {"yamldecode"}
"""Functions called with ``charge=``: what they produce can be far larger than what they are given."""

FUNCTIONS: dict[str, Callable[..., Any]] = {
    "format": _format,
    "lower": lambda s: text_of(s).lower(),
    "upper": lambda s: text_of(s).upper(),
    "title": lambda s: re.sub(r"\b([a-z])", lambda m: m.group(1).upper(), text_of(s)),
    "replace": _replace,
    "split": lambda sep, s: text_of(s).split(text_of(sep)),
    "join": lambda sep, items: text_of(sep).join(text_of(i) for i in _list(items)),
    "trimspace": lambda s: text_of(s).strip(),
    "trim": lambda s, chars: text_of(s).strip(text_of(chars)),
    "trimprefix": lambda s, p: text_of(s).removeprefix(text_of(p)),
    "trimsuffix": lambda s, p: text_of(s).removesuffix(text_of(p)),
    "substr": _substr,
    "startswith": lambda s, p: text_of(s).startswith(text_of(p)),
    "endswith": lambda s, p: text_of(s).endswith(text_of(p)),
    "strrev": lambda s: text_of(s)[::-1],
    "concat": _concat,
    "merge": _merge,
    "flatten": _flatten,
    "distinct": _distinct,
    "keys": _keys,
    "values": _values,
    "lookup": _lookup,
    "contains": _contains,
    "length": _length,
    "element": _element,
    "one": _one,
    "zipmap": _zipmap,
    "tomap": _tomap,
    "tolist": _list,
    "toset": _toset,
    "tostring": _tostring,
    "tonumber": _tonumber,
    "tobool": _tobool,
    "jsonencode": _jsonencode,
    "jsondecode": _jsondecode,
    "yamldecode": _yamldecode,
    "range": _range,
    "min": _min,
    "max": _max,
    "abs": lambda n: abs(number_of(n)),
    "ceil": lambda n: math.ceil(number_of(n)),
    "floor": lambda n: math.floor(number_of(n)),
    "reverse": lambda items: list(reversed(_list(items))),
    "sort": lambda items: sorted(text_of(i) for i in _list(items)),
    "compact": lambda items: [i for i in _list(items) if i not in (None, "")],
    "slice": lambda items, a, b: _list(items)[int(number_of(a)):int(number_of(b))],
    "index": lambda items, v: _list(items).index(v),
}
