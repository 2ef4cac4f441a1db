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

import sys

_WINDOW = 100
_BASE = 37
_MASK = (1 << 64) - 1
_END_OF_TEXT = 65535
_SPACE, _TAB, _LF, _CR = 0x20, 0x09, 0x0A, 0x0D
# BASE ** WINDOW: the weight the character leaving the window carries.
_LEAVING_WEIGHT = pow(_BASE, _WINDOW, 1 << 64)


def _code_units(text: str) -> list[int]:
    """The text as UTF-16 code units, which is what the action iterates over."""
    import array

    units = array.array("H")
    units.frombytes(text.encode("utf-16-le", errors="surrogatepass"))
    if sys.byteorder != "little":
        units.byteswap()
    return units.tolist()


def line_hashes(text: str) -> dict[int, str]:
    """``{line number (1-based): primaryLocationLineHash}`` for every line of ``text``.

    Like the action, a text ending with a newline has one more (empty) line after it.
    """
    # One loop over local variables: this runs over every character of every file with a finding,
    # on every scan, so it must not dominate a warm (cached) rescan.
    window = [0] * _WINDOW
    starts = [-1] * _WINDOW  # the line number whose first character sits at this window slot
    value = index = line = 0
    line_start, after_cr = True, False
    seen: dict[int, int] = {}
    result: dict[int, str] = {}
    base, mask, leaving_weight, size = _BASE, _MASK, _LEAVING_WEIGHT, _WINDOW

    units = _code_units(text)
    units.append(_END_OF_TEXT)
    for unit in units:
        if unit in (_SPACE, _TAB) or (after_cr and unit == _LF):
            after_cr = False
            continue
        after_cr = unit == _CR
        if after_cr:
            unit = _LF
        started = starts[index]
        if started != -1:
            count = seen[value] = seen.get(value, 0) + 1
            result[started] = f"{value:x}:{count}"
            starts[index] = -1
        if line_start:
            line_start = False
            line += 1
            starts[index] = line
        if unit == _LF:
            line_start = True
        value = (base * value + unit - leaving_weight * window[index]) & mask
        window[index] = unit
        index = (index + 1) % size
    for _ in range(size):
        started = starts[index]
        if started != -1:
            count = seen[value] = seen.get(value, 0) + 1
            result[started] = f"{value:x}:{count}"
            starts[index] = -1
        value = (base * value - leaving_weight * window[index]) & mask
        window[index] = 0
        index = (index + 1) % size
    return result
