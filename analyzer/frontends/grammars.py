"""The two Lark parsers, loaded from a grammar cache fleetiac can write to and trusts.

Building either grammar from scratch is slow (python-hcl2's ≈ 3 s, pycep's ≈ 1 s). python-hcl2 keeps
its compiled grammar next to its code in site-packages, so a read-only install (a container image,
a system package) rebuilds it on every run; pycep keeps its own in the shared temp folder, which CI
jobs start empty and any other user can write to. With a cache folder configured (the default:
fleetiac's user cache folder), both are compiled once into ``<cache>/grammars/`` and loaded from
there (≈ 0.1 s). A compiled grammar is a pickle, so it is sealed with the cache folder's key like every
other entry (:mod:`analyzer.storage`) and one that does not verify is compiled again, never loaded.
Options are exactly the libraries' own, so the parse trees are the same (tests compare them).
Without a cache folder (``--no-cache``, or a folder that cannot be trusted), both grammars are
built in memory with Lark's cache off: nothing is read from or written to any file.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lark import Lark, Tree

_UNSET: Any = object()
_folder: Path | None = _UNSET
_parsers: dict[str, Lark] = {}
"""Each grammar's parser (``hcl2``, ``bicep``), however it was made: built, or loaded from a
verified file, it is the same parser."""
_done: set[tuple[str, Path | None]] = set()
"""(grammar, folder) pairs already dealt with: the folder holds the compiled grammar, or could not
be written (None: built in memory)."""
_MAGIC = b"fleetiac-grammar\n"


def configure(cache_root: Path | None) -> None:
    """Use ``<cache_root>/grammars`` for compiled grammars (a folder the caller trusts), or no file for None."""
    global _folder
    from analyzer.storage import GRAMMAR_FOLDER

    _folder = cache_root / GRAMMAR_FOLDER if cache_root is not None else None


def _grammar_folder() -> Path | None:
    if _folder is _UNSET:  # a front end used outside a scan: the user cache folder, if it can be trusted
        from analyzer.storage import cache_dir, secret_or_none

        root = cache_dir()
        configure(root if secret_or_none(root) is not None else None)
    return _folder


def _ready(short: str) -> Lark | None:
    """The parser ``short`` when nothing is left to do for the configured folder (the fast path)."""
    parser = _parsers.get(short)
    return parser if parser is not None and (short, _grammar_folder()) in _done else None


def _cached(short: str, name: str, build: Callable[..., Lark], options: dict[str, Any]) -> Lark:
    """``build(**options)`` (with Lark's cache off), compiled once into our folder. Lark's own
    ``cache=`` option is never used: it writes in place (a concurrent run could read half a file),
    it unpickles whatever file has its name, and its key includes the cache file's name, so a file
    written under a temporary name never matches. So the compiled parser is saved with Lark's
    ``save``, sealed with the folder's key, written to a temporary file and renamed into place, and
    loaded (once its MAC verifies) with the same options Lark itself passes when it loads its cache.
    The file name carries the library versions, which fix the grammar text."""
    from lark import Lark
    from lark.lark import _LOAD_ALLOWED_OPTIONS

    from analyzer.storage import atomic_write, read_entry, seal, secret_or_none, unseal

    folder = _grammar_folder()
    parser = _parsers.get(short)
    key = secret_or_none(folder.parent) if folder is not None else None
    if folder is None or key is None:  # no folder, or one that cannot be trusted: in memory only
        if parser is None:
            parser = _parsers[short] = build(cache=False, **options)
        _done.add((short, folder))
        return parser
    final = folder / f"{name}-lark{_version('lark')}-py{sys.version_info[0]}.{sys.version_info[1]}.cache"
    label = _MAGIC + final.name.encode()
    if parser is None:
        runtime = {k: v for k, v in options.items() if k in _LOAD_ALLOWED_OPTIONS}
        try:
            payload = unseal(key, label, read_entry(final))
            if payload is not None:  # anything else is never unpickled
                parser = Lark.__new__(Lark)._load(io.BytesIO(payload), **runtime)
                _done.add((short, folder))
        except Exception:  # missing, unreadable, or written by another Lark: compile and replace it
            parser = None
    if parser is None:
        parser = build(cache=False, **options)
    _parsers[short] = parser
    if (short, folder) not in _done:
        _done.add((short, folder))  # tried once: an unwritable folder only costs speed
        try:
            buffer = io.BytesIO()
            parser.save(buffer, _LOAD_ALLOWED_OPTIONS)
            atomic_write(final, seal(key, label, buffer.getvalue()))
        except (OSError, TypeError, AttributeError):
            pass
    return parser


def hcl2_parser() -> Lark:
    """python-hcl2's parser (same grammar file and options as ``hcl2.parser.parser``, whose own cache
    file in site-packages is never used)."""
    parser = _ready("hcl2")
    if parser is not None:
        return parser
    import hcl2.parser
    from hcl2.postlexer import PostLexer
    from lark import Lark

    def build(**options: Any) -> Lark:
        return Lark.open("hcl2.lark", rel_to=hcl2.parser.__file__, **options)

    options = {"parser": "lalr", "propagate_positions": True, "postlex": PostLexer()}
    return _cached("hcl2", "hcl2-" + _version("python-hcl2"), build, options)


def hcl2_tree(text: str) -> Tree:
    """What ``hcl2.api.parses_to_tree`` returns, from our parser instance."""
    # The trailing newline is python-hcl2's own workaround: its grammar needs a newline at the end.
    return hcl2_parser().parse(text + "\n")


def bicep_parser() -> Lark:
    """pycep's grammar, keeping every token (see :mod:`analyzer.frontends.bicep.syntax` for why);
    never pycep's own cache in the temp folder."""
    parser = _ready("bicep")
    if parser is not None:
        return parser
    from lark import Lark
    from pycep.main import LARK_GRAMMAR

    def build(**options: Any) -> Lark:
        return Lark(grammar=LARK_GRAMMAR, **options)

    options = {"parser": "lalr", "propagate_positions": True, "regex": True, "keep_all_tokens": True}
    return _cached("bicep", "pycep-" + _version("pycep-parser"), build, options)


def _version(dist: str) -> str:
    from analyzer.storage import dist_version

    return dist_version(dist)
