"""Evaluated values that remember where they are written, and the one walker that reads a path
(``properties.stages[0].name``) from them as a value and a location.

An evaluator that knows where each key and item of an object or array is written builds
:class:`LocatedDict` and :class:`LocatedList`; a value built by an expression (a loop, a function)
is a plain container with no locations of its own, and the deepest written property on the way
stands in for it. :func:`lookup` and :func:`locate` are what the canonical mappings (``arm.py``, each
front end's ``canonical``) read bodies with, so every front end points findings at the same place.
"""

from __future__ import annotations

from typing import Any

from fleetiac.analyzer.model import Location
from fleetiac.analyzer.values import ABSENT, Unknown, child, path_steps


class LocatedDict(dict[str, Any]):
    """An object whose keys remember where they are written (``locs``: key -> location)."""

    __slots__ = ("locs",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.locs: dict[str, Location] = {}


class LocatedList(list[Any]):
    """An array whose items remember where they are written (``locs``: one location or None a item)."""

    __slots__ = ("locs",)

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.locs: list[Location | None] = []


def _location_of(container: Any, key: Any) -> Location | None:
    locs = getattr(container, "locs", None)
    if isinstance(key, int):
        return locs[key] if isinstance(locs, list) and key < len(locs) else None
    return locs.get(key) if isinstance(locs, dict) else None


def lookup(container: Any, path: str | tuple[str | int, ...], loc: Location | None = None,
           fold_case: bool = True) -> tuple[Any, Location | None]:
    """The value at ``path`` (keys matched regardless of case, as ARM does, unless ``fold_case`` is
    False) and where it is written: ``(ABSENT, None)`` when the code does not write it. An unknown
    container on the way makes the value unknown (it might hold it), located at the deepest property
    on the way that is written."""
    current = container
    for step in path_steps(path) if isinstance(path, str) else path:
        if isinstance(current, Unknown):
            return current, loc
        value, key = child(current, step, fold_case)
        if value is ABSENT:
            return ABSENT, None
        loc = _location_of(current, key) or loc
        current = value
    return current, loc


def locate(container: Any, path: str, fold_case: bool = True) -> Location | None:
    """Where ``path`` is written: its own location, else that of the deepest written property on the
    way to it (also when the path goes on past what is written)."""
    current, loc = container, None
    for step in path_steps(path):
        value, key = child(current, step, fold_case)
        if value is ABSENT:
            return loc
        loc = _location_of(current, key) or loc
        current = value
    return loc
