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


def configure(cache_root: Path | None) -> None:
    """Use ``<cache_root>/grammars`` for compiled grammars, or the libraries' defaults for None."""
    global _folder
    from analyzer.storage import GRAMMAR_FOLDER

    folder = cache_root / GRAMMAR_FOLDER if cache_root is not None else None
    if folder != _folder:
        _folder = folder
        _parsers.clear()


def _grammar_folder() -> Path | None:
    if _folder is _UNSET:
        from analyzer.storage import cache_dir

        configure(cache_dir())
    return _folder


def _cached(name: str, build: Callable[..., Lark], options: dict[str, Any]) -> Lark:
    """``build(**options)``, compiled once into our folder. Lark's own ``cache=`` option cannot be used
    for this: it writes in place (a concurrent run could read half a file), and its key includes the
    cache file's name, so a file written under a temporary name never matches. So the compiled
    parser is saved with Lark's ``save`` to a temporary file, renamed into place, and loaded with the
    same options Lark itself passes when it loads its cache. The file name carries the library
    versions, which fix the grammar text."""
    from lark import Lark
    from lark.lark import _LOAD_ALLOWED_OPTIONS

    folder = _grammar_folder()
    if folder is None:
        return build(cache=options.get("cache", False), **{k: v for k, v in options.items() if k != "cache"})
    final = folder / f"{name}-lark{_version('lark')}-py{sys.version_info[0]}.{sys.version_info[1]}.cache"
    runtime = {k: v for k, v in options.items() if k in _LOAD_ALLOWED_OPTIONS}
    try:
        with final.open("rb") as handle:
            return Lark.__new__(Lark)._load(handle, **runtime)
    except Exception:  # missing, unreadable, or written by another Lark: compile and replace it
        pass
    parser = build(**{k: v for k, v in options.items() if k != "cache"})
    try:
        from analyzer.storage import atomic_write

        buffer = io.BytesIO()
        parser.save(buffer, _LOAD_ALLOWED_OPTIONS)
        atomic_write(final, buffer.getvalue())
    except (OSError, TypeError, AttributeError):  # an unwritable folder only costs speed
        pass
    return parser


def hcl2_parser() -> Lark:
    """python-hcl2's parser (same grammar file and options as ``hcl2.parser.parser``)."""
    parser = _parsers.get("hcl2")
    if parser is None:
        import hcl2.parser
        from hcl2.postlexer import PostLexer
        from lark import Lark

        def build(cache: bool | str = False, **options: Any) -> Lark:
            if _grammar_folder() is None:
                return hcl2.parser.parser()  # the library's own cache in site-packages, if writable
            return Lark.open("hcl2.lark", rel_to=hcl2.parser.__file__, cache=cache, **options)

        options = {"parser": "lalr", "propagate_positions": True, "postlex": PostLexer()}
        parser = _parsers["hcl2"] = _cached("hcl2-" + _version("python-hcl2"), build, options)
    return parser


def hcl2_tree(text: str) -> Tree:
    """What ``hcl2.api.parses_to_tree`` returns, from our parser instance."""
    # The trailing newline is python-hcl2's own workaround: its grammar needs a newline at the end.
    return hcl2_parser().parse(text + "\n")


# Two of pycep's terminals backtrack exponentially on a string that is not closed (a 67-byte file
# kept the lexer busy for minutes). Each is rewritten to match exactly the same text at every
# position (tests compare the two on generated input), without trying the same split twice:
_BACKTRACKING_TERMINALS = (
    # `(/.*?/ | NEWLINE)+` tries every way of cutting the text into pieces before it gives up on an
    # unclosed `'''`. Together the pieces are any characters (`.` takes all but a line feed, NEWLINE
    # the line feeds), and the lazy pieces stop at the first `'''`: so does one lazy `[\s\S]*?`.
    (r"""MULTI_LINE_STRING: "'''" (/.*?/ | NEWLINE)+ "'''" """.rstrip(),
     r"""MULTI_LINE_STRING: /'''[\s\S]*?'''/"""),
    # `${...}` and `\'` may each also be read as plain characters (`[^']`), and on a string with no
    # closing quote all 2**n readings are tried. A reading is only ever given up for another when no
    # quote follows it, so that is what is checked (`(?=[^']*')`), and the loop is possessive. An
    # interpolation without quotes ends where its characters would, so it needs no check; the check
    # of one with quotes scans only to the next quote (linear overall).
    (r"""QUOTED_INTERPOLATION: /(?!.*''')'(\${(?:[^}'{]+|(?R))*+}|\\'|[^'])*'/""",
     r"""QUOTED_INTERPOLATION: /(?!.*''')'(?:\${[^}'{]*}|\${(?:[^}'{]+|(?R))*+}(?=[^']*')|\\'(?=[^']*')"""
     r"""|[^'])*+'/"""),
)


def bicep_grammar() -> str:
    """pycep's grammar text with its backtracking terminals rewritten (:data:`_BACKTRACKING_TERMINALS`)."""
    from pycep.main import LARK_GRAMMAR

    text = LARK_GRAMMAR
    for old, new in _BACKTRACKING_TERMINALS:
        text = text.replace(old, new)
    return text


def bicep_parser() -> Lark:
    """pycep's grammar (:func:`bicep_grammar`), keeping every token (see
    :mod:`analyzer.frontends.bicep.syntax` for why)."""
    parser = _parsers.get("bicep")
    if parser is None:
        import hashlib

        from lark import Lark

        grammar = bicep_grammar()

        def build(**options: Any) -> Lark:
            return Lark(grammar=grammar, **options)

        # Without our folder, Lark's own cache in the temp folder (cache=True), as pycep does.
        options = {"parser": "lalr", "propagate_positions": True, "regex": True, "keep_all_tokens": True,
                   "cache": True}
        # The name carries the grammar's digest: a grammar compiled before a rewrite is never loaded.
        name = f"pycep-{_version('pycep-parser')}-{hashlib.sha256(grammar.encode()).hexdigest()[:12]}"
        parser = _parsers["bicep"] = _cached(name, build, options)
    return parser


def _version(dist: str) -> str:
    from analyzer.storage import dist_version

    return dist_version(dist)
