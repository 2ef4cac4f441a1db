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
from collections.abc import Callable, Iterator
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


_writable = True
"""Whether a compiled grammar may be written (False with ``--no-cache``: read, never written)."""

LOAD_OPTIONS = frozenset({"_plugins", "debug", "g_regex_flags", "lexer_callbacks", "postlex", "propagate_positions",
                          "regex", "transformer", "tree_class", "use_bytes"})
"""The options Lark lets ``Lark.load`` set on a saved parser (the rest are fixed by the grammar): the
value of Lark's private ``lark.lark._LOAD_ALLOWED_OPTIONS`` in the versions ``pyproject.toml`` admits,
written out so no private name is imported (tests/test_speed_arch.py checks they still agree)."""


def configure(cache_root: Path | None, writable: bool = True) -> None:
    """Use ``<cache_root>/grammars`` for compiled grammars (a folder the caller trusts), or no file for
    None; with ``writable`` False, a compiled grammar there is loaded but none is written."""
    global _folder, _writable
    from fleetiac.analyzer.storage import GRAMMAR_FOLDER

    _folder = cache_root / GRAMMAR_FOLDER if cache_root is not None else None
    _writable = writable


def _grammar_folder() -> Path | None:
    if _folder is _UNSET:  # a front end used outside a scan: the user cache folder, if it can be trusted
        from fleetiac.analyzer.storage import cache_dir, secret_or_none

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

    from fleetiac.analyzer.storage import atomic_write, read_entry, seal, secret_or_none, unseal

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
        runtime = {k: v for k, v in options.items() if k in LOAD_OPTIONS}
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
        if not _writable:
            return parser
        try:
            buffer = io.BytesIO()
            parser.save(buffer, set(LOAD_OPTIONS))
            atomic_write(final, seal(key, label, buffer.getvalue()))
        except (OSError, TypeError, AttributeError):
            pass
    return parser


# HashiCorp's HCL (hclsyntax, which Terraform uses) is the reference; python-hcl2's grammar differs
# from it, and tests/test_hcl_oracle.py compares the two. Each edit: (what python-hcl2 has, what
# fleetiac uses instead, why). An edit that no longer applies fails loudly (a new python-hcl2).
_HCL2_EDITS: tuple[tuple[str, str, str], ...] = (
    # A /* */ comment is not a newline in HCL: it is skipped like a space, between any two tokens
    # (`name /* c */ = "x"`), and `a = 1 /* c */ b = 2` is one line with two arguments (an error).
    (r"NL_OR_COMMENT: /\n[ \t]*/ | /#.*\n/ | /\/\/.*\n/ | /\/\*(.|\n)*?(\*\/)/",
     r"NL_OR_COMMENT: /\r?\n[ \t]*/ | /#.*\n/ | /\/\/.*\n/", "block comments"),
    # A carriage return is part of a CRLF newline or of a comment or heredoc; anywhere else HCL
    # rejects it ("This character is not used within the language"), so only `\r\n` is a newline.
    ("%ignore /[ \\t\\r]+/", "%ignore /[ \\t]+/\n%ignore /\\/\\*(.|\\n)*?\\*\\//", "carriage return"),
    # Identifiers are Unicode (ID_Start or _, then ID_Continue or -), heredoc delimiters too.
    ("NAME : /[a-zA-Z_][a-zA-Z0-9_-]*/", "NAME : /@START@@CONTINUE@*/", "identifiers"),
    ("(?P<heredoc>[a-zA-Z][a-zA-Z0-9._-]*)", "(?P<heredoc>@START@@CONTINUE@*)", "heredoc delimiter"),
    ("(?P<heredoc_trim>[a-zA-Z][a-zA-Z0-9._-]*)", "(?P<heredoc_trim>@START@@CONTINUE@*)", "heredoc delimiter"),
    # The newline after a heredoc's closing delimiter ends the argument, as after any other value. The
    # delimiter's line is the one that is the delimiter once trimmed of Go's Unicode spaces.
    ("\\s*(?P=heredoc)\\r?\\n/", "[@SPACE@\\r\\n]*(?P=heredoc)[@SPACE@]*(?=\\r?\\n)/", "heredoc end"),
    ("\\s*(?P=heredoc_trim)\\r?\\n/", "[@SPACE@\\r\\n]*(?P=heredoc_trim)[@SPACE@]*(?=\\r?\\n)/", "heredoc end"),
    # `$${` and `%%{` are escapes by themselves: nothing needs to close them (`"$${"` is "${").
    ("ESCAPED_INTERPOLATION.2: /\\$\\$\\{[^}]*\\}/", "ESCAPED_INTERPOLATION.2: /\\$\\$\\{/", "escapes"),
    ("ESCAPED_DIRECTIVE.2: /%%\\{[^}]*\\}/", "ESCAPED_DIRECTIVE.2: /%%\\{/", "escapes"),
    # A quoted string is one line: a newline (or a CR) in it is an error, not part of the value.
    ('(?!%\\{)[^"\\\\]|', '(?!%\\{)[^"\\\\\\r\\n]|', "one-line strings"),
    # A strip marker is part of the `${~`, `%{~` or `~}` token in HCL: `${ ~x}` and `${x ~ }` are errors
    # (a `~` is an unsupported operator there), and `${x~~}` is one at its first `~`.
    ('STRIP_MARKER : "~"', "STRIP_MARKER : /(?<=[$%]\\{)~|~(?=\\})/", "strip markers"),
    # `${~ expr ~}`: strip markers on interpolations, not only on directives.
    # A binary operation does not take the newline after it (python-hcl2's does, by a conflict
    # resolved as shift, which then leaves `a = 1 + 2` without the newline that ends the argument).
    # Newlines inside brackets are the brackets' own rules.
    (" new_line_or_comment? -> binary_op", " -> binary_op", "binary operators"),
    # Nor the newline after it (`a = b +\n 1` is an error), nor one around a conditional's `?` and
    # `:`. Inside brackets, where HCL skips newlines, the post-lexer drops them before the parser.
    ("_binary_operator new_line_or_comment? ", "_binary_operator ", "binary operators"),
    ("or_expr QMARK new_line_or_comment? expression new_line_or_comment? COLON new_line_or_comment? expression",
     "or_expr QMARK expression COLON expression", "conditionals"),
    # Inside `${ }` newlines are skipped, as inside parentheses: `"${\n  local.x\n}"` is one string.
    ("interpolation: INTERP_START expression RBRACE",
     "interpolation: INTERP_START STRIP_MARKER? new_line_or_comment? expression new_line_or_comment? STRIP_MARKER?"
     " RBRACE", "strip markers"),
    # HCL's splats are tokens `.` `*` and `[` `*` `]`: spaces may come between them (`a[ * ]`, `a . *`).
    ('ATTR_SPLAT : ".*"', "ATTR_SPLAT : /\\.[ \\t]*\\*/", "splats"),
    ('FULL_SPLAT_START : "[*]"', "FULL_SPLAT_START : /\\[[ \\t]*\\*[ \\t]*\\]/", "splats"),
    # A function name has any number of `::` parts (`a::b()`, `provider::p::f()`, `a::b::c::d()`).
    ("function_call : identifier (COLONS identifier COLONS identifier)? LPAR",
     "function_call : identifier (COLONS identifier)* LPAR", "namespaced functions"),
    # A unary operator applies to any unary expression: `!!x`, `- -1`, `-!x`.
    ("!unary_op : (MINUS | NOT) expr_term", "!unary_op : (MINUS | NOT) unary_expr", "nested unary operators"),
    # HCL reads a number as the longest run of digits, dots and exponents that does not end in a dot
    # (`0.50.5`, `1e3.5`, `x.0.5` are each one token, and an invalid one), not as a number and an index;
    # the token is then read as Go reads a float, so `1.e5` is a number. A number has no sign: `-` is
    # always the operator (HCL's scanner never joins it to the digits), so `1-11` is a subtraction
    # and `-1` a negation, which the conversion folds into the literal -1. python-hcl2's signed
    # tokens made `1-11` a number followed by a number (rejected) and `-1-1.5` one token.
    ("INT_LITERAL: NEGATIVE_DECIMAL? DECIMAL+\n",
     "INT_LITERAL: DECIMAL+ _NUMBER_END\n"
     "_NUMBER_END: /(?!\\.*(?:[0-9]|[eE][+-]?[0-9]))/\n", "number tokens"),
    ("FLOAT_LITERAL: (NEGATIVE_DECIMAL? DECIMAL+ | NEGATIVE_DECIMAL+) \".\" DECIMAL+ (EXP_MARK)?\n"
     "               | (NEGATIVE_DECIMAL? DECIMAL+ | NEGATIVE_DECIMAL+) (EXP_MARK)\n",
     "FLOAT_LITERAL: (DECIMAL+ \".\" DECIMAL+ (EXP_MARK)? | DECIMAL+ \".\"? (EXP_MARK)) _NUMBER_END\n",
     "number tokens"),
    # Every argument and block ends with a newline (or the end of the file); a block's body starts
    # with one, unless the block is empty or a single-line block with one argument (`x { a = 1 }`).
    ("body : (new_line_or_comment? (attribute | block))* new_line_or_comment?",
     "body : new_line_or_comment? ((attribute | block) new_line_or_comment)*\n"
     "block_body : new_line_or_comment ((attribute | block) new_line_or_comment)* -> body\n"
     "            | attribute? -> body", "newlines"),
    ("block : _attribute_name (_attribute_name | string)* new_line_or_comment? LBRACE body RBRACE",
     "block : _attribute_name (_attribute_name | string)* LBRACE block_body RBRACE", "newlines"),
)


_GO_SPACE = "\\t\\x0b\\x0c \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
"""A regex class's inside: Go's ``unicode.IsSpace`` but the line breaks ``\\r`` and ``\\n``."""

_ALWAYS_LEXED = ("NL_OR_COMMENT",)
"""Terminals the lexer reads in every state: a newline (or a line comment) may come after any token
inside brackets, where the post-lexer drops it; elsewhere the parser decides whether one may be there."""


def _identifier_classes() -> tuple[str, str]:
    """Regex classes of HCL's identifier characters: Unicode ID_Start (and ``_``) to begin, ID_Continue
    (and ``-``) after; Python's own identifier rules (XID_Start/XID_Continue) stand for them."""
    import re

    starts: list[tuple[int, int]] = []
    continues: list[tuple[int, int]] = []
    for point in range(0x110000):
        if 0xD800 <= point <= 0xDFFF:
            continue
        char = chr(point)
        for ranges, ok in ((starts, char.isidentifier()), (continues, ("a" + char).isidentifier() or char == "-")):
            if ok:
                if ranges and ranges[-1][1] == point - 1:
                    ranges[-1] = (ranges[-1][0], point)
                else:
                    ranges.append((point, point))

    def klass(ranges: list[tuple[int, int]]) -> str:
        def esc(point: int) -> str:
            return re.escape(chr(point)).replace("/", "\\/")
        return "[" + "".join(esc(a) if a == b else f"{esc(a)}-{esc(b)}" for a, b in ranges) + "]"

    return klass(starts), klass(continues)


def hcl2_grammar() -> str:
    """python-hcl2's grammar with fleetiac's edits (:data:`_HCL2_EDITS`)."""
    import hcl2.parser

    text = (Path(hcl2.parser.__file__).parent / "hcl2.lark").read_text(encoding="utf-8")
    for old, new, why in _HCL2_EDITS:
        if old not in text:
            raise RuntimeError(f"python-hcl2's grammar changed: the {why} edit does not apply")
        text = text.replace(old, new)
    start, cont = _identifier_classes()
    return text.replace("@START@", start).replace("@CONTINUE@", cont).replace("@SPACE@", _GO_SPACE)


def hcl2_parser() -> Lark:
    """fleetiac's HCL parser: python-hcl2's grammar, edited (:func:`hcl2_grammar`), with its options;
    never python-hcl2's own cache file in site-packages."""
    parser = _ready("hcl2")
    if parser is not None:
        return parser
    import hashlib

    from hcl2.postlexer import PostLexer
    from lark import Lark, Token

    class NewlinePostLexer(PostLexer):
        """Newlines as HCL reads them (:meth:`_merge_newlines_into_operators`); a newline is lexed in
        every state (:data:`_ALWAYS_LEXED`: only its lexing changes, what the parser accepts is
        still the grammar's)."""

        always_accept: tuple[str, ...] = _ALWAYS_LEXED  # type: ignore[assignment]  # () in the base

        def _merge_newlines_into_operators(self, stream: Iterator[Token]) -> Iterator[Token]:
            """HCL skips newlines (and the line comments that end at them) only inside parentheses,
            brackets, ``${ }``, ``%{ }`` and a ``{ for }``: there they are dropped here, so an
            expression may continue on the next line anywhere (`(b\\n - 1)`, `(!\\n b)`, `[b ?\\n 1 : 2]`).
            Elsewhere (an argument, an object) a newline ends the expression and goes to the parser,
            which rejects it before or after an operator (`a = b +\\n 1`, `a = b\\n ? 1 : 2`).
            python-hcl2's own pass instead joined a newline to a binary operator after it, anywhere,
            and held each newline back, so the next token was lexed in the state before it."""
            skips: list[bool] = []  # per open bracket: whether newlines inside it are skipped
            last = ""
            for token in stream:
                kind = token.type
                if kind == "NL_OR_COMMENT":
                    if not (skips and skips[-1]):
                        yield token
                    continue
                yield token
                if kind in ("LPAR", "LSQB", "INTERP_START", "DIRECTIVE_START"):
                    skips.append(True)
                elif kind == "LBRACE":
                    skips.append(False)
                elif kind == "FOR" and last == "LBRACE" and skips:
                    skips[-1] = True  # `{ for ... }`
                elif kind in ("RPAR", "RSQB", "RBRACE") and skips:
                    skips.pop()
                last = kind

    def build(**options: Any) -> Lark:
        return Lark(hcl2_grammar(), **options)

    # The grammar text is fixed by python-hcl2's version and this module's edits.
    edits = hashlib.sha256(repr((_HCL2_EDITS, _ALWAYS_LEXED, _GO_SPACE)).encode()).hexdigest()[:12]
    options = {"parser": "lalr", "propagate_positions": True, "postlex": NewlinePostLexer()}
    return _cached("hcl2", f"hcl2-{_version('python-hcl2')}-{edits}", build, options)


def hcl2_tree(text: str) -> Tree:
    """What ``hcl2.api.parses_to_tree`` returns, from our parser instance."""
    # The trailing newline is python-hcl2's own workaround: its grammar needs a newline at the end.
    # A space before it keeps a lone CR at the end of the file one (HCL rejects it), not a CRLF.
    return hcl2_parser().parse(text + " \n")


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


# pycep's grammar reads an older Bicep. Each edit: (what pycep has, what fleetiac uses instead, why); an
# edit that no longer applies fails loudly (a new pycep). The text is first made ready by
# :func:`analyzer.frontends.bicep.syntax.prepare`, which blanks comments and joins the lines Bicep joins
# (inside parentheses, before a line-leading `?`, `:`, `|`, `&&`, `||`, `??`, after `=>`, `|`, `&&`,
# `||`, `??`), keeping every offset: so a newline token here always separates statements, items or
# properties, and the rules say exactly where one may stand.
_BICEP_EDITS: tuple[tuple[str, str, str], ...] = (
    ("start: ((element _CPP_COMMENT_NL?) | _CPP_COMMENT_NL)*",
     "start: _NL? (element (_NL element)* _NL?)?", "one statement per line"),
    # Every statement takes decorators; the current statements and forms are added.
    ('element: "targetScope" "=" QUOTED_INTERPOLATION                                         -> scope\n'
     '       | "import" _import_statement                                                     -> custom_import\n'
     '       | "extension" STRING ["with" object] ["as" STRING]                               -> extension\n'
     '       | "metadata" STRING "=" metadata_value                                           -> metadata\n'
     '       | [decorators] "param" STRING data_type "?"? ["=" value_brackets]                -> param\n'
     '       | [decorators] "var" STRING [data_type "?"?] "=" var_value                       -> var\n'
     '       | [decorators] "output" STRING data_type "?"? "=" output_value                   -> output\n'
     '       | [decorators] "resource" STRING type_api_pair [EXISTING] "=" resource_value     -> resource\n'
     '       | [decorators] "module" STRING module_path "=" module_value                      -> module\n'
     '       | [decorators] "type" STRING "=" type_value                                      -> custom_type\n'
     '       | [decorators] "func" _func_statement                                            -> custom_func\n',
     'element: [decorators] "targetScope" "=" QUOTED_INTERPOLATION                        -> scope\n'
     '       | [decorators] "import" _import_statement                                    -> custom_import\n'
     '       | [decorators] ("extension" | "provider") (STRING | QUOTED_INTERPOLATION) ["with" object] ["as" STRING]'
     ' -> extension\n'
     '       | [decorators] "metadata" STRING "=" value_brackets                          -> metadata\n'
     '       | [decorators] "param" STRING type_expr ["=" value_brackets]                 -> param\n'
     '       | [decorators] "var" STRING [type_expr] "=" var_value                        -> var\n'
     '       | [decorators] "output" STRING type_expr "=" output_value                    -> output\n'
     '       | [decorators] "resource" STRING type_api_pair [EXISTING] "=" resource_value -> resource\n'
     '       | [decorators] "module" STRING module_path "=" module_value                  -> module\n'
     '       | [decorators] "type" STRING "=" type_expr                                   -> custom_type\n'
     '       | [decorators] "func" _func_statement                                        -> custom_func\n'
     '       | [decorators] "assert" STRING "=" value_brackets                            -> assert\n'
     '       | [decorators] "test" STRING QUOTED_INTERPOLATION "=" value_brackets         -> test\n'
     '       | "using" (QUOTED_INTERPOLATION | "none") ["with" value_brackets]             -> using\n'
     '       | "extends" QUOTED_INTERPOLATION                                             -> extends\n'
     '       | "extensionConfig" STRING "with" value_brackets                             -> extension_config\n',
     "statements"),
    # A value never starts with a newline (the places one may stand say so); `$'''` strings interpolate.
    ('?value: _NEWLINE? "null"                      -> null\n'
     '      | _NEWLINE? "true"                      -> true\n'
     '      | _NEWLINE? "false"                     -> false\n'
     '      | _NEWLINE? INT                         -> int_type\n'
     '      | _NEWLINE? STRING                      -> string\n'
     '      | _NEWLINE? QUOTED_INTERPOLATION        -> string\n'
     '      | MULTI_LINE_STRING                     -> multi_line_string\n',
     '?value: "null"                      -> null\n'
     '      | "true"                      -> true\n'
     '      | "false"                     -> false\n'
     '      | INT                         -> int_type\n'
     '      | STRING                      -> string\n'
     '      | QUOTED_INTERPOLATION        -> string\n'
     '      | MULTI_LINE_STRING           -> multi_line_string\n'
     '      | INTERP_MULTI_LINE_STRING    -> multi_line_string\n', "values"),
    ("      | _NEWLINE? function\n", "      | function\n", "values"),
    # `((x))`: a parenthesis holds any expression.
    ('?value_brackets: (value | "(" value ")") "!"?', '?value_brackets: (value | "(" value_brackets ")") "!"?',
     "nested parentheses"),
    # Import lists span lines; `import * as x from`, and the legacy `import 'x@1' with {} as y`.
    ('_import_statement: (("{" import_alias ("," import_alias)* "}" | import_alias) "from" QUOTED_INTERPOLATION'
     ' | QUOTED_INTERPOLATION)',
     '_import_statement: "{" _NL? import_alias (_sep import_alias)* _sep? "}" "from" QUOTED_INTERPOLATION\n'
     '                 | import_alias "from" QUOTED_INTERPOLATION\n'
     '                 | QUOTED_INTERPOLATION ["with" object] ["as" STRING]\n'
     '_sep: "," _NL? | _NL', "imports"),
    ('import_alias: (STRING | /\\*/) ["as" STRING]',
     'import_alias: (STRING | QUOTED_INTERPOLATION | /\\*/) ["as" STRING]', "imports"),
    # A function's parameters and result take any type.
    ('_func_statement: STRING "(" (STRING data_type ("," STRING data_type)*)? ")" data_type "=>" value_brackets',
     '_func_statement: STRING "(" [func_arg ("," func_arg)*] ")" type_expr "=>" value_brackets\n'
     'func_arg: STRING type_expr', "functions"),
    ("?metadata_value: QUOTED_INTERPOLATION -> string\n", "", "metadata"),
    ('child_resource: "resource" STRING QUOTED_INTERPOLATION [EXISTING] "=" (object | loop | deploy_condition)'
     ' _CPP_COMMENT_NL+',
     'child_resource: [decorators] "resource" STRING QUOTED_INTERPOLATION [EXISTING] "="'
     ' (object | loop | deploy_condition)', "nested resources"),
    # Types have their own grammar (pycep read them as values): unions (a leading `|` too), nullable
    # `?`, arrays, literals, object types with decorated, optional and `*` properties, tuples,
    # resource-typed `resource 'T@v'` and resource-derived `resourceInput<'T@v'>.properties` types.
    ('?type_value: value_brackets ("|" value_brackets)*\n', "", "types"),
    ('data_type: base_type array_suffix*\n'
     'base_type: STRING | union_type\n'
     'union_type: "(" data_type ("|" data_type)+ ")"\n'
     'array_suffix: "[" "]"\n',
     'type_expr: "|"? type_term ("|" type_term)*\n'
     'type_term: type_primary type_suffix*\n'
     'type_suffix: "[" "]" | "?" | "!" | "." STRING | "[" INT "]" | "[" "*" "]" | "." "*"\n'
     'type_primary: TYPE_NS? STRING\n'
     '            | "resource" QUOTED_INTERPOLATION                       -> resource_type\n'
     '            | TYPE_NS? STRING "<" _NL? QUOTED_INTERPOLATION _NL? ">" -> derived_type\n'
     '            | QUOTED_INTERPOLATION | MULTI_LINE_STRING | INT | "-" INT | "true" | "false" | "null"\n'
     '            | "!" type_primary\n'
     '            | "(" type_expr ")"\n'
     '            | type_object\n'
     '            | type_tuple\n'
     'type_object: "{" _NL? (type_member (_sep type_member)* _sep?)? "}"\n'
     'type_member: member_decorator* (key | "*") "?"? ":" type_expr\n'
     'type_tuple: "[" _NL? (type_item (_sep type_item)* _sep?)? "]"\n'
     'type_item: member_decorator* type_expr\n'
     '// A decorator inside a type has its own rule: the lexer state after a statement decorator expects\n'
     '// keywords (`type`, `metadata`...), which are plain property names here.\n'
     'member_decorator: "@" /(sys\\.)?[a-zA-Z0-9]+/ "(" [value_brackets ("," value_brackets)*] ")" _NL\n',
     "types"),
    # A loop filter is `if (...)`, with or without a space; `for` may stand on the line after `[`.
    ('loop: "[" _CPP_COMMENT_NL? "for" (loop_array | loop_array_index | loop_object) ":" [value_brackets]'
     ' value_brackets _CPP_COMMENT_NL? "]"',
     'loop: "[" _NL? "for" (loop_array | loop_array_index) ":" _NL? [loop_filter] value_brackets _NL? "]"\n'
     'loop_filter: "if" "(" value_brackets ")"', "loops"),
    # `items` is no keyword (`for item in items:`); `items(x)` is a call like any other.
    ('loop_object: STRING "in" "items" "(" value_brackets ")"\n', "", "loops"),
    ('deploy_condition: _CPP_COMMENT_NL? "if"', 'deploy_condition: _NL? "if"', "conditions"),
    # `x[^1]`: an index from the end.
    ('index_accessor: value_brackets "[" "?"? value_brackets "]"',
     'index_accessor: value_brackets "[" "?"? "^"? value_brackets "]"', "indexes"),
    # Items and properties: one per line, or separated by commas (a trailing one too); spread `...x`.
    ('array: "[" _CPP_COMMENT_NL* (value_brackets ("," value_brackets)* _CPP_COMMENT_NL*)* "]"',
     'array: "[" _NL? (_array_item (_sep _array_item)* _sep?)? "]"\n'
     '_array_item: value_brackets | spread\n'
     'spread: "..." value_brackets', "arrays"),
    ('object: "{" _CPP_COMMENT_NL* ((pair ("," pair)* | child_resource) _CPP_COMMENT_NL*)* "}"',
     'object: "{" _NL? (_object_item (_sep _object_item)* _sep?)? "}"\n'
     '_object_item: pair | child_resource | spread', "objects"),
    ('pair: key ":" (value_brackets | loop) "?"?', 'pair: key ":" (value_brackets | loop)', "objects"),
    # Keywords are property names too (`true: 1`).
    ('!key: "resource" | quoted_string', '!key: "resource" | "true" | "false" | "null" | quoted_string', "objects"),
    # Lambdas of any number of parameters: `x => ...`, `(x) => ...`, `(a, b) => ...`, `() => ...`.
    ('lambda_expression: (value_brackets | "(" value_brackets "," value_brackets ("," value_brackets)+ ")") "=>"'
     ' value_brackets',
     'lambda_expression: (value_brackets | "(" STRING ("," STRING)+ ")" | "(" ")") "=>" value_brackets', "lambdas"),
    ('decorator: ("@" /(sys\\.)?[a-zA-Z0-9]+/ "(" _CPP_COMMENT_NL? value_brackets? _CPP_COMMENT_NL? ")"'
     ' _CPP_COMMENT_NL~0..10)',
     'decorator: "@" /(sys\\.)?[a-zA-Z0-9]+/ "(" [value_brackets ("," value_brackets)*] ")" _NL?', "decorators"),
    # `if(` is the keyword, never a function call.
    ('FUNCTION.1: /((sys|az)\\.)?[a-zA-Z0-9]+/ "("', 'FUNCTION.1: /((sys|az)\\.)?(?!if\\()[a-zA-Z0-9]+/ "("',
     "conditions"),
    ('function: FUNCTION _CPP_COMMENT_NL? value_brackets? ("," _CPP_COMMENT_NL? value_brackets)* _CPP_COMMENT_NL? ")"',
     'function: (FUNCTION | STRING "(") [value_brackets ("," value_brackets)*] ")"', "calls"),
    ('_NEWLINE: NEWLINE\n_CPP_COMMENT_NL: [CPP_COMMENT] NEWLINE\n',
     "_NL: /(\\r?\\n[\\t ]*)+/\n"
     "INTERP_MULTI_LINE_STRING: /\\$+'''[\\s\\S]*?'''/\n"
     "TYPE_NS: /(sys|az)\\./\n", "newlines"),
    ("%ignore C_COMMENT\n", "%ignore C_COMMENT\n%ignore CPP_COMMENT\n", "comments"),
    # A multi-line string ends at the last quote of its closing run (`''''a''''` is `'a'`); a quoted
    # string is one that does not start with three quotes (pycep refused any on a line with `'''` later).
    ("MULTI_LINE_STRING: /'''[\\s\\S]*?'''/", "MULTI_LINE_STRING: /'''[\\s\\S]*?'''(?!')/", "multi-line strings"),
    ("INTERP_MULTI_LINE_STRING: /\\$+'''[\\s\\S]*?'''/", "INTERP_MULTI_LINE_STRING: /\\$+'''[\\s\\S]*?'''(?!')/",
     "multi-line strings"),
    ("QUOTED_INTERPOLATION: /(?!.*''')'", "QUOTED_INTERPOLATION: /(?!''')'", "strings"),
)


def bicep_grammar(syntax: bool = True) -> str:
    """pycep's grammar text with its backtracking terminals rewritten (:data:`_BACKTRACKING_TERMINALS`)
    and, with ``syntax``, the current language (:data:`_BICEP_EDITS`)."""
    from pycep.main import LARK_GRAMMAR

    text = LARK_GRAMMAR
    for old, new in _BACKTRACKING_TERMINALS:
        text = text.replace(old, new)
    for old, new, why in _BICEP_EDITS if syntax else ():
        if text.count(old) != 1:
            raise RuntimeError(f"pycep's grammar changed: the {why} edit does not apply")
        text = text.replace(old, new)
    return text


def bicep_parser() -> Lark:
    """pycep's grammar (:func:`bicep_grammar`), keeping every token (see
    :mod:`analyzer.frontends.bicep.syntax` for why); never pycep's own cache in the temp folder."""
    parser = _ready("bicep")
    if parser is not None:
        return parser
    import hashlib

    from lark import Lark

    grammar = bicep_grammar()

    def build(**options: Any) -> Lark:
        return Lark(grammar=grammar, **options)

    options = {"parser": "lalr", "propagate_positions": True, "regex": True, "keep_all_tokens": True}
    # The name carries the grammar's digest: a grammar compiled before a rewrite is never loaded.
    name = f"pycep-{_version('pycep-parser')}-{hashlib.sha256(grammar.encode()).hexdigest()[:12]}"
    return _cached("bicep", name, build, options)


def _version(dist: str) -> str:
    from fleetiac.analyzer.storage import dist_version

    return dist_version(dist)
