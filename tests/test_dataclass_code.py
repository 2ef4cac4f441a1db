"""The compiled code of fleetiac's dataclass methods, kept beside the bytecode (``fleetiac/_dataclass_code.py``):
the same code as ``dataclasses`` compiles, read back by the next start, and nothing else touched."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import types
from pathlib import Path

import pytest

from fleetiac import _dataclass_code

ROOT = Path(__file__).resolve().parents[1]

# What a start prints: how many texts it compiled, how many the tables it read held, and how many
# different texts it ran (what it leaves in the tables).
_PROBE = (
    "import fleetiac.analyzer.model, fleetiac.analyzer.engine\n"
    "from fleetiac import _dataclass_code as c\n"
    "print(sum(c._compiled.values()), sum(map(len, c._tables.values())), sum(map(len, c._used.values())))\n"
)


def _start(prefix: Path, *, write: bool = True) -> tuple[int, int, int]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(prefix)
    env["PYTHONPATH"] = str(ROOT)
    if not write:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    done = subprocess.run([sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, timeout=120,
                          check=True)
    compiled, held, used = done.stdout.split()
    return int(compiled), int(held), int(used)


def _table_files(prefix: Path) -> list[Path]:
    """The tables, one per module of fleetiac's that defines dataclasses."""
    (folder,) = prefix.rglob("_dataclass_code.*.dataclasses")
    return sorted(folder.iterdir())


def test_the_next_start_compiles_no_dataclass_method_again(tmp_path: Path) -> None:
    compiled, held, used = _start(tmp_path)
    # The model's and the engine's classes: hundreds of methods (a text two classes share, once).
    assert held == 0 and compiled >= used > 100
    tables = _table_files(tmp_path)
    assert "fleetiac.analyzer.model.bin" in {t.name for t in tables} and len(tables) > 5
    assert _start(tmp_path) == (0, used, used)


def test_a_table_that_is_not_this_interpreters_is_ignored_and_replaced(tmp_path: Path) -> None:
    compiled, _, used = _start(tmp_path)
    tables = _table_files(tmp_path)
    for damaged in (b"", b"not a table", None, _dataclass_code._HEADER + b"\0\0\0\0" + b"x" * 40):
        for table in tables:
            table.write_bytes(table.read_bytes()[:-7] if damaged is None else damaged)
        assert _start(tmp_path) == (compiled, 0, used)  # compiled as without the tables; no crash
        assert _start(tmp_path) == (0, used, used)  # and written again


def test_no_table_is_written_when_bytecode_is_not(tmp_path: Path) -> None:
    assert _start(tmp_path, write=False)[1] == 0
    assert not list(tmp_path.rglob("*.dataclasses"))
    assert not list(tmp_path.rglob("*.bin"))


_CLASS = """
import dataclasses

@dataclasses.dataclass(frozen=True, slots=True)
class Probe:
    name: str
    count: int = 0
    tags: tuple[str, ...] = ()
"""


def _probe_class(name: str) -> type:
    """``Probe`` defined in a module of fleetiac's (a name under ``fleetiac.``)."""
    module = types.ModuleType(name)
    sys.modules[name] = module
    try:
        exec(_CLASS, module.__dict__)
    finally:
        del sys.modules[name]
    return module.Probe  # type: ignore[no-any-return]


def test_the_methods_are_those_dataclasses_makes_itself() -> None:
    assert vars(dataclasses)["exec"] is _dataclass_code._exec  # installed by importing fleetiac
    memoized = _probe_class("fleetiac._probe_memoized")
    assert len(_dataclass_code._used["fleetiac._probe_memoized"]) == 6  # its texts went through a table
    del dataclasses.exec  # type: ignore[attr-defined]
    try:
        built_in = _probe_class("fleetiac._probe_built_in")
    finally:
        dataclasses.exec = _dataclass_code._exec  # type: ignore[attr-defined]
    methods = ("__init__", "__repr__", "__eq__", "__hash__", "__setattr__", "__delattr__")
    for method in methods:
        assert getattr(memoized, method).__code__ == getattr(built_in, method).__code__, method
    # Annotations evaluated, as the built-in exec's are: fleetiac's `from __future__` is not inherited.
    assert memoized.__init__.__annotations__ == built_in.__init__.__annotations__  # type: ignore[misc]
    assert memoized("a", 2) == memoized("a", 2) and repr(memoized("a")) == "Probe(name='a', count=0, tags=())"
    with pytest.raises(dataclasses.FrozenInstanceError):
        memoized("a").count = 3  # type: ignore[misc]


def test_other_modules_dataclasses_are_left_to_the_built_in_exec() -> None:
    kept = {module: dict(texts) for module, texts in _dataclass_code._used.items()}
    _probe_class("not_fleetiac_probe")

    @dataclasses.dataclass(frozen=True)
    class Elsewhere:  # this test module's
        a: int

    assert Elsewhere(1) == Elsewhere(1)
    assert _dataclass_code._used == kept
