"""The values the evaluators produce and the policies read.

A value is a plain Python value (``str``, ``int``, ``float``, ``bool``, ``None``, ``list``, ``dict``)
or one of the symbolic values below. Every front end produces them, so policies never need to
know which language a value came from.

- :class:`Unknown` is a value that cannot be resolved statically. It carries the canonical text of
  the expression it came from (``data.azurerm_client_config.current.object_id``, ``var.deployer_id``,
  ``deployer().objectId``): two unknowns with the same text are the same unknown value, which is how
  principals are compared when their value cannot be known.
- :class:`PartialId` is an unknown ARM resource ID of which the resource type is known.
- :class:`ResourceRef` is an attribute of a resource declared in the scanned code whose value is
  not known statically but whose *identity* is (``azurerm_kubernetes_fleet_manager.fleet.id`` is
  "the id of that fleet"). The graph turns these into edges.

Rules never fire on an unknown value: :func:`is_known` is the test they use.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import Any


class UnknownCause(StrEnum):
    """Why a value is unknown. Front ends set it; rules may ask it (an undeclared reference is a
    finding of its own) but never parse text for it. The values are for people reading a dump."""

    NOT_STATIC = "known only when deployed"
    """An attribute Azure assigns, a data source, a deployment function: no fault of the code."""
    UNDECLARED_RESOURCE = "undeclared resource"
    UNDECLARED_DATA_SOURCE = "undeclared data source"
    UNDECLARED_MODULE = "undeclared module"
    UNDECLARED_LOCAL = "undeclared local"
    UNDECLARED_SYMBOL = "undeclared symbol"
    """``x.id`` where ``x`` is no symbol of the file: a misspelt resource symbol."""
    UNRESOLVED_NAME = "unresolved name"
    """A bare name that is no symbol of the file (it may be an import the evaluator does not follow)."""
    NO_INPUT_VALUE = "input without a value"
    """A variable or parameter with no default and no value given."""
    INVALID_INPUT = "input value is not an expression"
    NOT_CONSTANT = "input value is not a constant"
    MODULE_NOT_ANALYSED = "module not analysed"
    CYCLE = "cycle"
    UNSUPPORTED_FUNCTION = "function not evaluated"
    EVALUATION_ERROR = "evaluation error"
    TOO_LARGE = "too large to compute"
    """A number beyond what the language computes exactly or a float can hold, text too long: the value
    exists, fleetiac cannot represent it (:class:`analyzer.frontends.budget.NotComputed`)."""
    BUDGET = "evaluation budget spent"
    """Evaluated after the unit ran out of its budget of values or time (:mod:`analyzer.frontends.budget`)."""
    TOO_DEEP = "nested too deeply"
    UNKNOWN_KEY = "unknown object key"
    NO_SUCH_PROPERTY = "no such property"
    INDEX_OUT_OF_RANGE = "index out of range"
    DIVISION_BY_ZERO = "division by zero"
    NOT_MODELLED = "not modelled"
    DYNAMIC_BLOCK = "dynamic block"
    UNKNOWN_LOOP = "unknown loop collection"
    CONDITION_FALSE = "condition is false"
    NOT_JSON = "not JSON"
    NOT_A_LIST = "not a list"
    NOT_AN_OBJECT = "not an object"
    TEMPLATE_EXPRESSION = "template expression"


@dataclass(frozen=True, slots=True)
class Unknown:
    """A value the evaluator could not resolve; ``text`` is its canonical source expression."""

    text: str
    cause: UnknownCause = field(default=UnknownCause.NOT_STATIC, compare=False, hash=False)

    def __str__(self) -> str:
        return f"({self.text})"


@dataclass(frozen=True, slots=True)
class PartialId(Unknown):
    """An ARM resource ID of which only the resource type is known: the name, the resource group or
    the subscription is not (an ID function called with an unknown name). Unknown like any other
    :class:`Unknown`; a rule that needs only the type may read :attr:`arm_type`."""

    arm_type: str = ""
    """The resource type as written (``Microsoft.ContainerService/managedClusters``)."""


@dataclass(frozen=True, slots=True)
class ResourceRef:
    """An attribute (``id``, ``principal_id``, ...) of a resource declared in the scanned code.

    ``key`` is the graph key of that resource (:attr:`analyzer.model.Resource.key`).
    """

    key: str
    attr: str = "id"

    def __str__(self) -> str:
        return f"{self.key}.{self.attr}"


def is_known(value: Any) -> bool:
    """True when ``value`` contains no :class:`Unknown` anywhere (deeply)."""
    if isinstance(value, Unknown):
        return False
    if isinstance(value, dict):
        return all(is_known(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return all(is_known(v) for v in value)
    return True


def first_unknown(value: Any) -> Unknown | None:
    """The first :class:`Unknown` found in ``value`` (depth first), or None."""
    if isinstance(value, Unknown):
        return value
    items: Iterable[Any]
    if isinstance(value, dict):
        items = value.values()
    elif isinstance(value, (list, tuple)):
        items = value
    else:
        return None
    for item in items:
        found = first_unknown(item)
        if found is not None:
            return found
    return None


def identity_text(value: Any) -> str | None:
    """A stable comparison key for a principal or other identity-like value.

    Known strings compare case-insensitively (object IDs are GUIDs); unknown values compare by the
    canonical text of their expression; references by the resource and attribute. ``None`` when the
    value cannot serve as an identity (e.g. a list).
    """
    if isinstance(value, str):
        return value.strip().lower()
    if isinstance(value, Unknown):
        return "expr:" + value.text
    if isinstance(value, ResourceRef):
        return f"ref:{value.key}.{value.attr}"
    return None


def display(value: Any) -> str:
    """How a value is named in a finding's message."""
    if isinstance(value, Unknown):
        return value.text
    if isinstance(value, ResourceRef):
        return f"{value.key}.{value.attr}"
    if isinstance(value, str):
        return value
    return repr(value)


class _Absent:
    """What a path names when the code does not write it (distinct from a written ``null``)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Any = _Absent()

_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


@lru_cache(maxsize=4096)
def path_steps(path: str) -> tuple[str | int, ...]:
    """``properties.stages[0].name`` as ``("properties", "stages", 0, "name")``."""
    return tuple(int(index) if index else key for key, index in _STEP.findall(path))


def child(container: Any, step: str | int, fold_case: bool = False) -> tuple[Any, Any]:
    """One step down a path: ``(value, key)`` where ``key`` is the key or index the container holds the
    value under (its own spelling when ``fold_case`` matches keys regardless of case, as ARM does),
    or ``(ABSENT, None)`` when the container does not hold it."""
    if isinstance(step, int):
        if isinstance(container, list) and 0 <= step < len(container):
            return container[step], step
        return ABSENT, None
    if not isinstance(container, dict):
        return ABSENT, None
    if step in container:
        return container[step], step
    if fold_case:
        lowered = step.lower()
        for key in container:
            if isinstance(key, str) and key.lower() == lowered:
                return container[key], key
    return ABSENT, None


def value_at(value: Any, path: str, fold_case: bool = False) -> Any:
    """The value at ``path`` inside nested dicts and lists: :data:`ABSENT` when a level is not written,
    the :class:`Unknown` itself when a level cannot be known (it might hold anything)."""
    for step in path_steps(path):
        if isinstance(value, Unknown):
            return value
        value, _ = child(value, step, fold_case)
        if value is ABSENT:
            return ABSENT
    return value
