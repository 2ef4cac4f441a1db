"""Terraform's built-in functions over known values.

Every function here receives known arguments only: the evaluator returns *unknown* for a call whose
arguments are not all known (except ``try``, ``can`` and ``coalesce``-style functions, which it
handles itself). A function not listed here is unknown. A function that fails on its input
(Terraform would report an error) raises :class:`CallError`, which the evaluator turns into unknown.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from typing import Any

from analyzer.values import Unknown


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
            number = float(value)
        except ValueError as error:
            raise CallError("not a number") from error
        return int(number) if number.is_integer() else number
    raise CallError("not a number")


def _list(value: Any) -> list[Any]:
    if isinstance(value, (list, tuple)):
        return list(value)
    raise CallError("not a list")


def _format(fmt: Any, *args: Any) -> str:
    text = text_of(fmt)
    out: list[str] = []
    arg_index = 0
    i = 0
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
        match = re.match(r"%(\[\d+\])?([-+# 0]*)(\d*)(?:\.(\d+))?([sdvqtfbxXoeEgG])", text[i:])
        if not match:
            raise CallError("bad format verb")
        explicit, flags, width, precision, verb = match.groups()
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
        i += match.end()
    return "".join(out)


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
    for item in _list(values):
        if item not in out:
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
    if step == 0 or abs((stop - start) / step) > 1024:
        raise CallError("range too large")
    out = []
    value = start
    while (step > 0 and value < stop) or (step < 0 and value > stop):
        out.append(value)
        value += step
    return out


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
    return text_of(text).replace(pattern, text_of(replacement))


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
        return json.loads(text_of(text))
    except json.JSONDecodeError as error:
        raise CallError("invalid JSON") from error


def _yamldecode(text: Any) -> Any:
    """One YAML document as plain values. PyYAML reads YAML 1.1, Terraform YAML 1.2: where they
    differ (``yes``/``on`` as booleans, timestamps, sexagesimal numbers) the result is an error, so
    unknown, rather than a value Terraform would not produce."""
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    def strict_bool(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> bool:
        value = loader.construct_scalar(node)
        if str(value).lower() not in ("true", "false"):
            raise CallError("YAML 1.1 boolean")
        return str(value).lower() == "true"

    Loader.add_constructor("tag:yaml.org,2002:bool", strict_bool)
    try:
        documents = list(yaml.load_all(text_of(text), Loader=Loader))  # a SafeLoader subclass: plain data only
    except yaml.YAMLError as error:
        raise CallError("invalid YAML") from error
    if len(documents) != 1:
        raise CallError("not exactly one YAML document")
    return _plain_yaml(documents[0])


def _plain_yaml(value: Any) -> Any:
    if isinstance(value, dict):
        return {text_of(k): _plain_yaml(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain_yaml(v) for v in value]
    if value is None or isinstance(value, (str, bool, int, float)):
        if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
            raise CallError("not a finite number")
        return value
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
