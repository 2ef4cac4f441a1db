"""The two Lark parsers, loaded from a grammar cache fleetiac can write to.

Building either grammar from scratch is slow (python-hcl2's ≈ 3 s, pycep's ≈ 1 s). python-hcl2 keeps
its compiled grammar next to its code in site-packages, so a read-only install (a container image,
a system package) rebuilds it on every run; pycep keeps its own in the temp folder, which CI jobs
start empty. With a cache folder configured (the default: fleetiac's user cache folder), both are
compiled once into ``<cache>/grammars/`` and loaded from there (≈ 0.1 s). Options are exactly the
libraries' own, so the parse trees are the same (tests compare them). Without a cache folder
(``--no-cache``), the libraries' own caching is used and fleetiac writes nothing.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lark import Lark, Tree

_UNSET: Any = object()
_folder: Path | None = _UNSET
_parsers: dict[str, Lark] = {}


def configure(cache_root: Path | None) -> None:
    """Use ``<cache_root>/grammars`` for compiled grammars, or the libraries' defaults for None."""
    global _folder
    from analyzer.cache import GRAMMAR_FOLDER

    folder = cache_root / GRAMMAR_FOLDER if cache_root is not None else None
    if folder != _folder:
        _folder = folder
        _parsers.clear()


def _grammar_folder() -> Path | None:
    if _folder is _UNSET:
        from analyzer.cache import cache_dir

        configure(cache_dir())
    return _folder


def _cached(name: str, build: Any) -> Lark:
    """``build(cache)`` with a cache file under our folder, written atomically: Lark writes its cache
    file in place, so a first build goes to a private temporary name that is then renamed."""
    folder = _grammar_folder()
    if folder is None:
        return build(None)
    try:
        final = folder / f"{name}-lark{_version('lark')}.cache"
        if final.is_file():
            return build(str(final))  # Lark checks the grammar's hash inside and rebuilds on mismatch
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        temp = folder / f".tmp-{os.getpid()}-{final.name}"
        parser = build(str(temp))
        if temp.is_file():
            os.replace(temp, final)
        return parser
    except OSError:
        return build(None)


def hcl2_parser() -> Lark:
    """python-hcl2's parser (same grammar file and options as ``hcl2.parser.parser``)."""
    parser = _parsers.get("hcl2")
    if parser is None:
        import hcl2.parser
        from hcl2.postlexer import PostLexer
        from lark import Lark

        def build(cache: str | None) -> Lark:
            if cache is None:
                return hcl2.parser.parser()
            return Lark.open("hcl2.lark", parser="lalr", cache=cache, rel_to=hcl2.parser.__file__,
                             propagate_positions=True, postlex=PostLexer())

        parser = _parsers["hcl2"] = _cached("hcl2-" + _version("python-hcl2"), build)
    return parser


def hcl2_tree(text: str) -> Tree:
    """What ``hcl2.api.parses_to_tree`` returns, from our parser instance."""
    # The trailing newline is python-hcl2's own workaround: its grammar needs a newline at the end.
    return hcl2_parser().parse(text + "\n")


def bicep_parser() -> Lark:
    """pycep's grammar, keeping every token (see :mod:`analyzer.bicep.parser` for why)."""
    parser = _parsers.get("bicep")
    if parser is None:
        from lark import Lark
        from pycep.main import LARK_GRAMMAR

        def build(cache: str | None) -> Lark:
            return Lark(grammar=LARK_GRAMMAR, parser="lalr", propagate_positions=True, regex=True,
                        cache=cache if cache is not None else True, keep_all_tokens=True)

        parser = _parsers["bicep"] = _cached("pycep-" + _version("pycep-parser"), build)
    return parser


def _version(dist: str) -> str:
    from analyzer.cache import _dist_version

    return _dist_version(dist)
