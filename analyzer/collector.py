"""When the cyclic garbage collector runs during a scan: apart from :mod:`analyzer.cache` so that the
command line can set it up without importing the cache (a replayed scan never does)."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

_FREEZING: list[bool] = []
"""Non-empty inside :func:`long_lived_frozen`."""


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic garbage collector off: parse trees and evaluated records are many small acyclic
    objects made or loaded at once, which the collector would only walk again and again (it cost
    about a tenth of a parse). Inside :func:`long_lived_frozen`, what is alive when it ends is
    frozen (left out of every later collection) before the collector is on again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if _FREEZING:
                # The garbage of the paused work first (an uncached load leaves as many unreachable
                # objects as live ones): one walk of the new objects, as the collector's next
                # collection would have made, and what survives is left out of the later ones.
                gc.collect(0)
                gc.freeze()
            gc.enable()


@contextlib.contextmanager
def long_lived_frozen() -> Iterator[None]:
    """For one command of the command line: the objects alive now (the modules imported) and those
    surviving each :func:`gc_paused` (the loaded records and resources) are frozen, so later
    collections walk only newer objects. Once paused, the collector's first collection walked every
    object loaded meanwhile, and the next older-generation one again: a tenth of a rescan that
    evaluated one file. Everything is unfrozen at the end (a process running several scans, as the
    tests do, keeps collecting whatever became garbage)."""
    gc.freeze()
    _FREEZING.append(True)
    try:
        yield
    finally:
        _FREEZING.pop()
        if not _FREEZING:
            gc.unfreeze()
