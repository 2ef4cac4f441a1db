"""GitHub code scanning's ``primaryLocationLineHash``, computed the way codeql-action computes it.

GitHub matches alerts across commits with this value. conventions.md allows it only when it is
computed exactly as the upload action would (a differing value makes the action warn and GitHub treat
moved alerts as new), so this follows the published algorithm and is tested against its vectors:

- a polynomial hash (multiplier 37, arithmetic modulo 2**64, as the action's 64-bit ``Long`` wraps)
  over a window of 100 characters; the action rolls it along the text;
- spaces and tabs are not characters for the hash; ``\\r\\n`` and a lone ``\\r`` count as ``\\n``;
- characters are UTF-16 code units (JavaScript strings), so a character outside the Basic
  Multilingual Plane counts twice;
- a line's hash covers the 100 characters that start at its first character; after the text comes a
  sentinel (65535) and then zeros, so the last lines have 100 characters too;
- the value is ``<hex of the unsigned hash>:<n>``, where ``n`` counts how often that hash has
  occurred so far in the file (repeated lines stay distinct).

The action rolls the hash along the text one character at a time; written that way in Python it
took about 10 ms for a 200-line file, seconds for a tree with many findings. Here the text is
normalised with ``str`` methods (in C), one prefix hash per character is the only per-character
work, and each line's window hash is the difference of two prefix hashes (about 4x faster; the
reference rolling version is kept in the tests, which compare the two on generated text).
"""

from __future__ import annotations

import array
import sys
from itertools import accumulate

_WINDOW = 100
_BASE = 37
_MASK = (1 << 64) - 1
_END_OF_TEXT = 65535
_SHIFT = pow(_BASE, _WINDOW, 1 << 64)  # moves a prefix hash past a whole window
_NOT_CHARACTERS = str.maketrans("", "", " \t")


def line_hashes(text: str) -> dict[int, str]:
    """``{line number (1-based): primaryLocationLineHash}`` for every line of ``text``.

    Like the action, a text ending with a newline has one more (empty) line after it.
    """
    normal = text.replace("\r\n", "\n").replace("\r", "\n").translate(_NOT_CHARACTERS)
    units = array.array("H")
    units.frombytes(normal.encode("utf-16-le", errors="surrogatepass"))
    if sys.byteorder != "little":
        units.byteswap()
    units.append(_END_OF_TEXT)
    units.extend(bytes(_WINDOW - 1))
    astral = len(units) - _WINDOW != len(normal)  # some character takes two code units
    # prefix[i]: the hash of units[:i]; a window's hash is the difference of two prefixes.
    prefix = [0, *accumulate(units, _step)]
    seen: dict[int, int] = {}
    result: dict[int, str] = {}
    start = 0
    for number, line in enumerate(normal.split("\n"), start=1):
        value = (prefix[start + _WINDOW] - prefix[start] * _SHIFT) & _MASK
        count = seen[value] = seen.get(value, 0) + 1
        result[number] = f"{value:x}:{count}"
        start += (len(line.encode("utf-16-le", errors="surrogatepass")) // 2 if astral else len(line)) + 1
    return result


def _step(value: int, unit: int) -> int:
    return (value * _BASE + unit) & _MASK
