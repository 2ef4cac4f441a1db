"""Forgetting what a test process holds of the grammars in memory (its parsers and fast drivers),
so that a test sees them loaded from the folder it configured."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fleetiac.analyzer.frontends import grammars


@contextmanager
def forgotten_grammars() -> Iterator[None]:
    """Forget the parsers and drivers in memory, so the next parse loads them from the configured
    folder; then put them back (building a grammar again would cost the suite seconds) and leave no
    folder configured (later tests must not keep using one a test removed)."""
    kept = (grammars._parsers, grammars._done, grammars._drivers, grammars._driven)
    saved = [type(known)(known) for known in kept]
    for known in kept:
        known.clear()
    try:
        yield
    finally:
        grammars.configure(None)
        for known, before in zip(kept, saved, strict=True):
            known.clear()
            known.update(before)
