"""Values that exist only while a Bicep unit is evaluated (never handed to the rules)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fleetiac.analyzer.values import Unknown, UnknownCause

# The AST is imported where it is used: unpickling a cached Bicep result imports this module (its
# LocalId), and a warm rescan needs no AST class.
if TYPE_CHECKING:
    from fleetiac.analyzer.frontends.bicep.ast import Expr


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


@dataclass(frozen=True, slots=True)
class UnknownRun(Unknown):
    """Zero or more elements of an array that cannot be known, between elements that are: the unknown
    array in ``concat([pilot], waves)``, an element ``filter()`` may or may not keep. It stands in the
    array where those elements would be, so the known elements around it stay known; whatever depends
    on the array's length or on positions after it is unknown. Before the resources are handed on it
    becomes a plain :class:`Unknown` element (a rule treats it as one unknown element, never fires on it)."""


_HOLE = "\x00"


def partial_id_type(pieces: list[str | None]) -> str | None:
    """The resource type of text that is an ARM resource ID whatever its unknown parts (``None``):
    ``'${scope}/providers/Microsoft.ContainerService/managedClusters/${name}'``. After the last
    ``/providers/``, the namespace and every type segment must be written out, and each unknown part
    must be a whole name segment; None when it is not such an ID."""
    text = "".join(_HOLE if p is None else p.replace(_HOLE, "") for p in pieces)
    at = text.rfind("/providers/")
    if at < 0 or _HOLE not in text or not (text.startswith("/") or text.startswith(_HOLE)):
        return None
    segments = text[at + len("/providers/"):].split("/")
    if len(segments) < 3 or len(segments) % 2 == 0:
        return None
    types, names = [segments[0], *segments[1::2]], segments[2::2]
    if any(not t or _HOLE in t for t in types) or any(not n or (_HOLE in n and n != _HOLE) for n in names):
        return None
    return "/".join(types)


def run_of(value: Unknown) -> UnknownRun:
    """The elements of an unknown array, as a run inside a known one."""
    return value if isinstance(value, UnknownRun) else UnknownRun(value.text, value.cause)


def has_run(items: list[Any]) -> bool:
    return any(isinstance(item, UnknownRun) for item in items)


_ARM_GUID_NAMESPACE = uuid.UUID("11fb06fb-712d-4ddd-98c7-e71bbd588830")
"""The namespace of ARM's ``guid()``: a name-based (version 5) UUID of the arguments joined with
``-``. Checked against the Bicep compiler's own test of the function:
``guid('foo', 'bar', 'baz')`` is ``2ed86837-7c7c-5eaa-9864-dd077fd19b0d``."""


def guid_of(parts: list[str]) -> str:
    """``guid(parts...)`` as ARM computes it (ASCII arguments; callers check)."""
    return str(uuid.uuid5(_ARM_GUID_NAMESPACE, "-".join(parts)))


_M32 = 0xFFFFFFFF
_BASE32 = "abcdefghijklmnopqrstuvwxyz234567"


def _rotl(x: int, r: int) -> int:
    return ((x << r) | (x >> (32 - r))) & _M32


def _fmix(h: int) -> int:
    h = ((h ^ (h >> 16)) * 0x85EBCA6B) & _M32
    h = ((h ^ (h >> 13)) * 0xC2B2AE35) & _M32
    return h ^ (h >> 16)


def _murmur64(data: bytes) -> int:
    """The 64-bit MurmurHash variant ARM's ``uniqueString()`` uses: two 32-bit lanes over 8-byte
    blocks (little endian), then a final mix of both lanes."""
    c1, c2 = 0xAB0E9789, 0x239B961B
    h1 = h2 = 0
    n = len(data)
    full = n - n % 8
    for i in range(0, full, 8):
        k1 = int.from_bytes(data[i:i + 4], "little")
        k2 = int.from_bytes(data[i + 4:i + 8], "little")
        h1 = _rotl(h1 ^ (_rotl((k1 * c2) & _M32, 15) * c1 & _M32), 19)
        h1 = ((h1 + h2) * 5 + 0x561CCD1B) & _M32
        h2 = _rotl(h2 ^ (_rotl((k2 * c1) & _M32, 17) * c2 & _M32), 13)
        h2 = ((h2 + h1) * 5 + 0x0BCAA747) & _M32
    tail = data[full:]
    if tail:
        k1 = int.from_bytes(tail[:4], "little")
        h1 ^= _rotl((k1 * c2) & _M32, 15) * c1 & _M32
        if len(tail) > 4:
            k2 = int.from_bytes(tail[4:], "little")
            h2 ^= _rotl((k2 * c1) & _M32, 17) * c2 & _M32
    h2 = (h2 ^ n) & _M32
    h1 = ((h1 ^ n) + h2) & _M32
    h2 = (h2 + h1) & _M32
    h1, h2 = _fmix(h1), _fmix(h2)
    h1 = (h1 + h2) & _M32
    h2 = (h2 + h1) & _M32
    return (h2 << 32) | h1


def unique_string_of(parts: list[str]) -> str:
    """``uniqueString(parts...)`` as ARM computes it (ASCII arguments; callers check): the arguments
    joined with ``-``, hashed, and the hash's top 65 bits written as 13 base-32 letters. Checked against
    the Bicep compiler's test (``uniqueString('snap', 'crackle', 'pop')`` is ``byghxckddilkc``) and
    values published from real deployments (``uniqueString('aaa')`` is ``zavj67f3en4hc``)."""
    h = _murmur64("-".join(parts).encode("ascii"))
    out = []
    for _ in range(13):
        out.append(_BASE32[(h >> 59) & 31])
        h = (h << 5) & 0xFFFFFFFFFFFFFFFF
    return "".join(out)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def checked_int(value: Any, node: Expr) -> Any:
    """``value``, or unknown for an integer outside ARM's 64 bits (a literal Bicep rejects, or an
    overflow)."""
    if _is_int(value) and not -2**63 <= value < 2**63:
        from fleetiac.analyzer.frontends.bicep.ast import render

        return Unknown(render(node), UnknownCause.TOO_LARGE)
    return value
