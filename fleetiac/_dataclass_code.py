"""The compiled code of the methods ``dataclasses`` writes for fleetiac's classes, kept beside the
package's bytecode so that a start-up does not compile them again.

``@dataclass`` writes each class's ``__init__``, ``__repr__``, ``__eq__``, ``__hash__`` (and, for a
frozen class, ``__setattr__`` and ``__delattr__``) as source text and compiles it with ``exec``: for
the hundred-odd classes a scan imports, 40 ms of CPU at every start, a tenth of a one-file rescan.
Python keeps the compiled code of a module's own source in ``__pycache__``; this does the same for
those texts. :func:`install` gives the ``dataclasses`` module an ``exec`` of its own (a module global,
which its calls find before the built-in) that looks each text up in a table of code objects kept
per module of fleetiac's, read when the first text of that module is run (a start that imports few
classes reads few tables), and compiles only what the table lacks, as ``exec`` would: the same text,
file name ``<string>`` and no inherited ``__future__`` flags, so the same code. Texts run for other
modules pass straight to the built-in. At exit, a process writes again (atomically) the table of each
module for which it compiled a text, unless bytecode writing is off (``PYTHONDONTWRITEBYTECODE``).

The tables are trusted as Python trusts the ``.pyc`` files beside them: they lie in the same folder
(``importlib.util.cache_from_source``, which follows ``PYTHONPYCACHEPREFIX``), and whoever can write
there can already change what Python runs. They are never read from anywhere a scan looks, and a file
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

_HEADER = b"fleetiac dataclass code 2\n"
"""What a table's file starts with, before the interpreter's bytecode magic number."""

_MAX_ENTRIES = 1024
"""More entries than this and a module's table is written with only those this process used (texts
of classes since changed are not kept for ever)."""

_tables: dict[str, dict[str, CodeType]] = {}
"""Each module's table as read (by module name)."""
_used: dict[str, dict[str, CodeType]] = {}
"""Each module's texts this process ran."""
_compiled: dict[str, int] = {}
"""How many texts this process compiled for each module (its table is written again when any)."""
_folder: list[str | None] = []
"""Where the tables lie (None: nowhere on this interpreter), once asked."""


def _table_path(module: str) -> str | None:
    """Where ``module``'s table lies: in a folder beside this module's own bytecode."""
    if not _folder:
        from importlib.util import cache_from_source

        try:
            pyc = cache_from_source(__file__)
        except (NotImplementedError, ValueError):  # no bytecode cache on this interpreter
            _folder.append(None)
        else:
            _folder.append(pyc.removesuffix(".pyc") + ".dataclasses")
    return os.path.join(_folder[0], module + ".bin") if _folder[0] is not None else None


def _magic() -> bytes:
    from importlib.util import MAGIC_NUMBER

    return _HEADER + MAGIC_NUMBER


def _read(path: str | None) -> dict[str, CodeType]:
    if path is None:
        return {}
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


def _module_of(namespace: object) -> str | None:
    """The name of the module of fleetiac's whose globals ``namespace`` is, else None."""
    name = namespace.get("__name__") if type(namespace) is dict else None
    return name if type(name) is str and (name == "fleetiac" or name.startswith("fleetiac.")) else None


def _exec(source: object, globals: object = None, locals: object = None, /, **options: object) -> None:
    """``exec`` for the ``dataclasses`` module: a text run for one of fleetiac's modules is compiled
    once per table (see the module doc); anything else is the built-in's."""
    module = _module_of(globals) if type(source) is str and not options else None
    if module is not None:
        table = _tables.get(module)
        if table is None:
            table = _tables[module] = _read(_table_path(module))
        text: str = source  # type: ignore[assignment]
        code = table.get(text)
        if code is None:
            code = compile(text, "<string>", "exec", dont_inherit=True)
            _compiled[module] = _compiled.get(module, 0) + 1
        _used.setdefault(module, {})[text] = code
        source = code
    builtins.exec(source, globals, locals, **options)  # type: ignore[arg-type]


def _save() -> None:
    if sys.dont_write_bytecode or not _compiled:
        return
    magic = _magic()
    for module in _compiled:
        path = _table_path(module)
        if path is None:
            return
        known, used = _tables.get(module, {}), _used.get(module, {})
        table = {**known, **used} if len(known) + len(used) <= _MAX_ENTRIES else dict(used)
        temporary = f"{path}.{os.getpid()}.tmp"
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(temporary, "wb") as handle:
                handle.write(magic + marshal.dumps(table))
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
