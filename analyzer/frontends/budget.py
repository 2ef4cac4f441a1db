"""How much work the evaluation of one unit may do, and values too large to compute.

A scanned tree is untrusted input: a few hundred bytes of Terraform or Bicep can ask for more values
than any machine holds (nested loops, a module fanned out a thousand times, a YAML alias bomb,
strings that double in every local). Each unit's evaluation therefore gets a :class:`Budget` of
*values produced* and of *seconds*. Every evaluated expression, every element of a container a
reference or function hands on (counted as often as it is reached, so values shared by reference
are counted in full), and every :data:`CHARS_PER_VALUE` characters of text count as one value. Once
the budget is spent, the evaluators stop: the expression that was being evaluated, and everything
evaluated after it in the unit, is unknown (:attr:`UnknownCause.BUDGET`), and one diagnostic names
the file and line where evaluation stopped.

The count of values is a property of the files (deterministic); the clock is not, so a unit that ran
out of *time* is reported with a :class:`~analyzer.frontends.sources.TimedOut` diagnostic, which no
cache keeps.

:class:`NotComputed` is the other side of the same coin: a value Terraform or ARM would compute but
fleetiac cannot represent (a number beyond Terraform's 512-bit precision or a float's range, an
integer outside Bicep's 64 bits, text longer than :data:`MAX_TEXT_CHARS`). It is unknown
(:attr:`UnknownCause.TOO_LARGE`), never an error: ``try()`` and ``can()`` must not take their
fallback for it.
"""

from __future__ import annotations

import math
import time
from typing import Any

from fleetiac.analyzer.model import Diagnostic, Location

MAX_VALUES = 250_000
"""Values one unit may produce (see the module doc). The largest unit of the examples, the fixtures
and a generated benchmark tree (300 Terraform roots, 80 Bicep templates) uses under 1,000; the
budget stops the bombs of issue 18 within about a second and 100 MB."""
MAX_SECONDS = 20.0
"""Seconds one unit's evaluation may take: a backstop for work the count of values misses."""
CHARS_PER_VALUE = 16
"""Characters of text that count as one value."""
MAX_TEXT_CHARS = 4_000_000
"""Longest text a function or template may produce; a longer one is unknown (:class:`NotComputed`)."""
_CHECK_EVERY = 4096
"""Values between two looks at the clock."""


class BudgetExceeded(Exception):
    """Raised where a value is produced once the unit's budget is spent. The evaluators catch it
    where they turn an expression into a value (so it never becomes an internal error) and nowhere
    else (so ``try()`` never takes a fallback for it)."""


class NotComputed(Exception):
    """A value that exists but that fleetiac cannot compute or represent (see the module doc)."""


class Budget:
    """The values and seconds left to one unit's evaluation; shared by every module instance or
    template instance the unit evaluates."""

    __slots__ = ("_deadline", "_next_check", "max_seconds", "max_values", "spent", "values", "where")

    def __init__(self, max_values: int = MAX_VALUES, max_seconds: float | None = MAX_SECONDS) -> None:
        self.max_values = max_values
        self.max_seconds = max_seconds
        self.values = 0
        self.spent: str | None = None
        """None while there is budget left; then ``"values"`` or ``"time"``, whichever ran out."""
        self.where: Location | None = None
        """Where evaluation stopped (set by the evaluator that caught :class:`BudgetExceeded` first)."""
        self._deadline = time.monotonic() + max_seconds if max_seconds else math.inf
        self._next_check = min(_CHECK_EVERY, max_values + 1)

    def charge(self, count: int = 1) -> None:
        """Count ``count`` values produced; raises :class:`BudgetExceeded` once the budget is spent."""
        self.values += count
        if self.values >= self._next_check:
            self._check()

    def _check(self) -> None:
        if self.spent is None:
            if self.values > self.max_values:
                self.spent = "values"
            elif time.monotonic() > self._deadline:
                self.spent = "time"
            else:
                self._next_check = min(self.values + _CHECK_EVERY, self.max_values + 1)
                return
            self._next_check = -1  # every later charge raises
        raise BudgetExceeded

    def charge_text(self, length: int) -> None:
        """Count text of ``length`` characters about to be produced (refused past :data:`MAX_TEXT_CHARS`)."""
        if length > MAX_TEXT_CHARS:
            raise NotComputed(f"text of {length:,} characters")
        self.charge(1 + length // CHARS_PER_VALUE)

    def charge_size(self, value: Any) -> None:
        """Count every element of ``value``, as often as it is reached: a value that holds the same
        list twice costs it twice, so the walk is bounded by the budget, not by the memory it takes."""
        if isinstance(value, str):
            self.charge(1 + len(value) // CHARS_PER_VALUE)
        elif isinstance(value, dict):
            self.charge(1 + len(value))
            for item in value.values():
                if isinstance(item, (dict, list, tuple, str)):
                    self.charge_size(item)
        elif isinstance(value, (list, tuple)):
            self.charge(1 + len(value))
            for item in value:
                if isinstance(item, (dict, list, tuple, str)):
                    self.charge_size(item)
        else:
            self.charge()

    def stopped_at(self, where: Location) -> None:
        """Record where evaluation stopped, once (the first evaluator to catch the exhaustion)."""
        if self.where is None:
            self.where = where

    def diagnostic(self, fallback: Location, what: str) -> Diagnostic | None:
        """The diagnostic saying that the unit (``what``: "module", "template") was not evaluated to
        its end, or None when the budget held."""
        if self.spent is None:
            return None
        from fleetiac.analyzer.frontends.sources import TimedOut

        where = self.where or fallback
        if self.spent == "time":
            return TimedOut(where, f"evaluation stopped after {self.max_seconds:g} s; the rest of this {what} "
                                   "is unknown")
        return Diagnostic(where, f"evaluation stopped after {self.max_values:,} values; the rest of this {what} "
                                 "is unknown")
