"""Values that exist only while a Bicep unit is evaluated (never handed to the rules)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from analyzer.frontends.bicep.ast import Expr, render
from analyzer.values import Unknown, UnknownCause


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



@dataclass(frozen=True, slots=True)
class LocalId(Unknown):
    """``resourceId(type, names...)`` where the subscription or resource group is only known as "the
    deployment's own" (``subscription().subscriptionId``, ``resourceGroup().name``): no ARM ID text
    can be written, but it names the resource of that type and name in that resource group, if the
    unit declares it. Unknown to every operator and function; once the whole unit is emitted, it
    becomes a reference to that resource, or a plain :class:`Unknown`."""

    arm_type: str = ""
    name: str = ""
    resource_group: Any = None
    subscription: Any = None


_GUID_NAMESPACE = uuid.UUID("6f1c2a52-3c38-4a4e-9f0e-5b1d2f7a9e41")


def guid_of(parts: list[str]) -> str:
    """A deterministic GUID for ``guid(...)`` (only needs to be stable, not to match ARM's)."""
    return str(uuid.uuid5(_GUID_NAMESPACE, "\x1f".join(parts)))


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def checked_int(value: Any, node: Expr) -> Any:
    """``value``, or unknown for an integer outside ARM's 64 bits (a literal Bicep rejects, or an
    overflow)."""
    if _is_int(value) and not -2**63 <= value < 2**63:
        return Unknown(render(node), UnknownCause.TOO_LARGE)
    return value
