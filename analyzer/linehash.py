"""GitHub code scanning's ``primaryLocationLineHash``, computed the way codeql-action computes it.

GitHub matches alerts across commits with this value. conventions.md allows it only when it is
computed exactly as the upload action would (a differing value makes the action warn and GitHub treat
moved alerts as new), so this follows the published algorithm and is tested against its vectors:

- a rolling polynomial hash (multiplier 37, arithmetic modulo 2**64, as the action's 64-bit ``Long``
  wraps) over a window of 100 characters;
- spaces and tabs are not characters for the hash; ``\\r\\n`` and a lone ``\\r`` count as ``\\n``;
- characters are UTF-16 code units (JavaScript strings), so a character outside the Basic
  Multilingual Plane counts twice;
- a line's hash covers the 100 characters that start at its first character; after the text comes a
  sentinel (65535) and then zeros, so the last lines have 100 characters too;
- the value is ``<hex of the unsigned hash>:<n>``, where ``n`` counts how often that hash has
  occurred so far in the file (repeated lines stay distinct).
"""

from __future__ import annotations

_WINDOW = 100
_BASE = 37
_MASK = (1 << 64) - 1
_END_OF_TEXT = 65535
_SPACE, _TAB, _LF, _CR = 0x20, 0x09, 0x0A, 0x0D
# BASE ** WINDOW: the weight the character leaving the window carries.
_LEAVING_WEIGHT = pow(_BASE, _WINDOW, 1 << 64)


def _code_units(text: str) -> list[int]:
    """The text as UTF-16 code units, which is what the action iterates over."""
    data = text.encode("utf-16-le", errors="surrogatepass")
    return [int.from_bytes(data[i:i + 2], "little") for i in range(0, len(data), 2)]


def line_hashes(text: str) -> dict[int, str]:
    """``{line number (1-based): primaryLocationLineHash}`` for every line of ``text``.

    Like the action, a text ending with a newline has one more (empty) line after it.
    """
    window = [0] * _WINDOW
    starts = [-1] * _WINDOW  # the line number whose first character sits at this window slot
    state = {"hash": 0, "index": 0, "line": 0, "line_start": True, "after_cr": False}
    seen: dict[str, int] = {}
    result: dict[int, str] = {}

    def emit() -> None:
        index = state["index"]
        value = format(state["hash"], "x")
        seen[value] = seen.get(value, 0) + 1
        result[starts[index]] = f"{value}:{seen[value]}"
        starts[index] = -1

    def push(unit: int) -> None:
        index = state["index"]
        leaving = window[index]
        window[index] = unit
        state["hash"] = (_BASE * state["hash"] + unit - _LEAVING_WEIGHT * leaving) & _MASK
        state["index"] = (index + 1) % _WINDOW

    def take(unit: int) -> None:
        if unit in (_SPACE, _TAB) or (state["after_cr"] and unit == _LF):
            state["after_cr"] = False
            return
        state["after_cr"] = unit == _CR
        if unit == _CR:
            unit = _LF
        if starts[state["index"]] != -1:
            emit()
        if state["line_start"]:
            state["line_start"] = False
            state["line"] += 1
            starts[state["index"]] = state["line"]
        if unit == _LF:
            state["line_start"] = True
        push(unit)

    for unit in _code_units(text):
        take(unit)
    take(_END_OF_TEXT)
    for _ in range(_WINDOW):
        if starts[state["index"]] != -1:
            emit()
        push(0)
    return result
