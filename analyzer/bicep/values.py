"""Values that exist only while a Bicep unit is evaluated (never handed to the rules)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from analyzer.model import Location


class LDict(dict):
    """An evaluated object literal that remembers where each of its keys is written."""

    __slots__ = ("locs",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.locs: dict[str, Location] = {}


class LList(list):
    """An evaluated array (or ``for`` result) that remembers where each item is written."""

    __slots__ = ("locs",)

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.locs: list[Location | None] = []


@dataclass(frozen=True, slots=True)
class ScopeVal:
    """``resourceGroup(...)``, ``subscription(...)``, ``tenant()``, ``managementGroup(...)``."""

    kind: str
    name: Any = None
    """The resource group's (or management group's) name, a value."""
    sub: Any = None
    text: str = ""


@dataclass(frozen=True, slots=True)
class ResHandle:
    """One declared resource (one loop copy), as a symbol reference evaluates to."""

    key: str
    kind: str | None
    arm_type: str
    owner: Any
    """The evaluating instance that declares it (to evaluate its name on demand)."""
    copy: Any


@dataclass(frozen=True, slots=True)
class Collection:
    """A looped resource or module symbol used without an index."""

    items: tuple[Any, ...]
    text: str


@dataclass(frozen=True, slots=True)
class Partial:
    """A resource's property path that is not statically known but may still become a reference
    (``uami.properties.principalId``)."""

    handle: ResHandle
    path: tuple[str, ...]
    text: str


@dataclass(frozen=True, slots=True)
class ModHandle:
    owner: Any
    copy: Any
    text: str
