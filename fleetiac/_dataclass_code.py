"""The compiled code of the methods ``dataclasses`` writes for fleetiac's classes, kept beside the
package's bytecode so that a start-up does not compile them again.

``@dataclass`` writes each class's ``__init__``, ``__repr__``, ``__eq__``, ``__hash__`` (and, for a
frozen class, ``__setattr__`` and ``__delattr__``) as source text and compiles it with ``exec``: for
the hundred-odd classes a scan imports, 40 ms of CPU at every start, a tenth of a one-file rescan.
Python keeps the compiled code of a module's own source in ``__pycache__``; this does the same for
those texts. :func:`install` gives the ``dataclasses`` module an ``exec`` of its own (a module global,
which its calls find before the built-in) that looks each text up in a table of code objects, read
when the first text of one of fleetiac's modules is run (a start that defines no class, such as
``--version``, reads nothing), and compiles only what the table lacks, as ``exec`` would: the same
text, file name ``<string>`` and no inherited ``__future__`` flags, so the same code. Texts run for
other modules pass straight to the built-in. At exit, a process that compiled any text writes the
table again (atomically), unless bytecode writing is off (``PYTHONDONTWRITEBYTECODE``).

The table is trusted as Python trusts the ``.pyc`` files beside it: it lies in the same folder
(``importlib.util.cache_from_source``, which follows ``PYTHONPYCACHEPREFIX``), and whoever can write
there can already change what Python runs. It is never read from anywhere a scan looks, and a file
that is not exactly a table of this interpreter's code objects is ignored.
"""

from __future__ import annotations

import atexit
import builtins
import contextlib
import marshal
import os
import sys
from types import CodeType
from typing import Any

_HEADER = b"fleetiac dataclass code 1\n"
"""What the file starts with, before the interpreter's bytecode magic number."""

_MAX_ENTRIES = 4096
"""More entries than this and the table is written with only those this process used (texts of
classes since changed are not kept for ever)."""

_table: dict[str, CodeType] = {}
_used: dict[str, CodeType] = {}
_compiled = [0]
"""How many texts this process compiled (the table is written again only when it did)."""
_where: list[str | None] = []
"""Where the table lies (None: nowhere on this interpreter), once read: on the first text of
fleetiac's, so that a start that defines no class (``--version``) reads nothing."""


def _path() -> str | None:
    """Where the table lies: beside this module's own bytecode."""
    from importlib.util import cache_from_source

    try:
        pyc = cache_from_source(__file__)
    except (NotImplementedError, ValueError):  # no bytecode cache on this interpreter
        return None
    return pyc.removesuffix(".pyc") + ".dataclasses"


def _magic() -> bytes:
    from importlib.util import MAGIC_NUMBER

    return _HEADER + MAGIC_NUMBER


def _read(path: str) -> dict[str, CodeType]:
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError:
        return {}
    magic = _magic()
    if not data.startswith(magic):
        return {}
    try:
        table = marshal.loads(data[len(magic):])
    except (EOFError, ValueError, TypeError):
        return {}
    if type(table) is not dict or not all(type(k) is str and type(v) is CodeType for k, v in table.items()):
        return {}
    return table


def _ours(namespace: Any) -> bool:
    name = namespace.get("__name__") if type(namespace) is dict else None
    return type(name) is str and (name == "fleetiac" or name.startswith("fleetiac."))


def _exec(source: Any, globals: Any = None, locals: Any = None, /, **options: Any) -> None:
    """``exec`` for the ``dataclasses`` module: a text run for one of fleetiac's modules is compiled
    once per table (see the module doc); anything else is the built-in's."""
    if type(source) is str and not options and _ours(globals):
        if not _where:
            _where.append(_path())
            if _where[0] is not None:
                _table.update(_read(_where[0]))
        code = _table.get(source)
        if code is None:
            code = compile(source, "<string>", "exec", dont_inherit=True)
            _compiled[0] += 1
        _used[source] = code
        source = code
    builtins.exec(source, globals, locals, **options)


def _save() -> None:
    path = _where[0] if _where else None
    if path is None or not _compiled[0] or sys.dont_write_bytecode:
        return
    table = {**_table, **_used} if len(_table) + len(_used) <= _MAX_ENTRIES else dict(_used)
    temporary = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(temporary, "wb") as handle:
            handle.write(_magic() + marshal.dumps(table))
        os.replace(temporary, path)
    except (OSError, ValueError):  # a read-only installation: only the next start's speed is lost
        with contextlib.suppress(OSError):
            os.unlink(temporary)


def install() -> None:
    """Give ``dataclasses`` the ``exec`` above (once; not when something else already gave it one)."""
    import dataclasses

    if "exec" in vars(dataclasses):
        return
    dataclasses.exec = _exec  # type: ignore[attr-defined]
    atexit.register(_save)
