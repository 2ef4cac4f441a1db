"""The two Lark parsers, loaded from a grammar cache fleetiac can write to and trusts.

Building either grammar from scratch is slow (python-hcl2's ≈ 3 s, pycep's ≈ 1 s). python-hcl2 keeps
its compiled grammar next to its code in site-packages, so a read-only install (a container image,
a system package) rebuilds it on every run; pycep keeps its own in the shared temp folder, which CI
jobs start empty and any other user can write to. With a cache folder configured (the default:
fleetiac's user cache folder), both are compiled once into ``<cache>/grammars/`` and loaded from
there (≈ 0.03 s of CPU each, with their lexers' patterns precompiled). A compiled grammar is kept as
Lark's own serialised form (plain data, read with ``marshal``: no pickle), sealed with the cache
folder's key like every other entry (:mod:`analyzer.storage`); one that does not verify is compiled
again, never read. Next to it is kept its fast driver's portable form (:mod:`analyzer.frontends.fastlalr`,
plain data too, sealed alike): a scan parses with the driver made from it (≈ 0.01 s) and loads
Lark's parser only for Lark's message about a file that does not parse (:func:`parse`).
Options are the libraries' own, so the parse trees are the same (tests compare them), but for
``propagate_positions``: the converters read positions from the tokens (:mod:`analyzer.frontends.spans`).
Without a cache folder (``--no-cache``, or a folder that cannot be trusted), both grammars are
built in memory with Lark's cache off: nothing is read from or written to any file.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lark import Lark, Tree

    from fleetiac.analyzer.frontends.fastlalr import FastParser

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


def _file_base(name: str) -> str:
    """The grammar ``name``'s files in the folder, without their suffix: the name carries the grammar
    text's digest, and the Lark and Python versions."""
    import lark

    return f"{name}-lark{lark.__version__}-py{sys.version_info[0]}.{sys.version_info[1]}"


def _ready(short: str) -> Lark | None:
    """The parser ``short`` when nothing is left to do for the configured folder (the fast path)."""
    parser = _parsers.get(short)
    return parser if parser is not None and (short, _grammar_folder()) in _done else None


def _cached(short: str, name: str, build: Callable[..., Lark], options: dict[str, Any]) -> Lark:
    """``build(**options)`` (with Lark's cache off), compiled once into our folder. Lark's own
    ``cache=`` option is never used: it writes in place (a concurrent run could read half a file),
    it unpickles whatever file has its name, and its key includes the cache file's name, so a file
    written under a temporary name never matches. So the compiled parser is kept in Lark's own
    serialised form (:func:`_plain`: dicts, lists, strings and numbers, written with ``marshal``,
    which builds no other objects), sealed with the folder's key, written to a temporary file and
    renamed into place, and rebuilt (once its MAC verifies) by :func:`_revived`, in a file named
    by :func:`_file_base`."""
    import marshal

    from fleetiac.analyzer.storage import atomic_write, read_entry, seal, secret_or_none, unseal

    folder = _grammar_folder()
    parser = _parsers.get(short)
    key = secret_or_none(folder.parent) if folder is not None else None
    runtime = {k: v for k, v in options.items() if k in LOAD_OPTIONS}
    if folder is None or key is None:  # no folder, or one that cannot be trusted: in memory only
        if parser is None:
            parser = _parsers[short] = _reloaded(build(cache=False, **options), runtime)
        _done.add((short, folder))
        return parser
    final = folder / f"{_file_base(name)}.parser"
    label = _MAGIC + final.name.encode()
    if parser is None:
        try:
            payload = unseal(key, label, read_entry(final))
            if payload is not None:  # anything else is never read
                parser = _revived(marshal.loads(payload), runtime)
                _done.add((short, folder))
        except Exception:  # missing, unreadable, or written by another Lark: compile and replace it
            parser = None
    plain: dict[str, Any] | None = None
    if parser is None:
        parser, plain = _compiled(build(cache=False, **options), runtime)
    elif (short, folder) not in _done:  # made for another folder: kept in this one too
        plain = _compiled(parser, runtime)[1]
    _parsers[short] = parser
    if (short, folder) not in _done:
        _done.add((short, folder))  # tried once: an unwritable folder only costs speed
        if _writable and plain is not None:
            with contextlib.suppress(OSError, ValueError):
                atomic_write(final, seal(key, label, marshal.dumps(plain)))
    _compiled_lexer(parser, final.with_suffix(".regex"), key)
    return parser


def _reloaded(parser: Lark, runtime: dict[str, Any]) -> Lark:
    """``parser`` saved and loaded again in memory, as a parser from the folder is: Lark names a
    built parser's rules with the grammar's tokens (a ``str`` subclass whose ``__eq__`` is Python
    code), which its LALR loop and the converters then compare at every node (a tenth of an HCL
    parse); a loaded one has plain strings. The same grammar, so the same trees."""
    try:
        return _compiled(parser, runtime)[0]
    except Exception:  # a Lark that cannot: the built one serves
        return parser


def _compiled(built: Lark, runtime: dict[str, Any]) -> tuple[Lark, dict[str, Any] | None]:
    """A freshly built parser rebuilt from the form it is kept in, and that form (None when Lark
    cannot serialise it: the built parser then serves, and nothing is kept). The parse table is
    packed for :func:`_revived` only when the fast rebuild gives back exactly what Lark's own
    loading does (the two serialised forms compared in full); otherwise Lark's form is kept, and
    loaded by Lark."""
    import marshal

    try:
        plain = marshal.loads(marshal.dumps(_plain(built)))  # exactly what a later run reads
    except Exception:  # not an LALR parser, or a Lark laid out otherwise
        return built, None
    try:
        packed = marshal.loads(marshal.dumps(_packed(plain)))
        fast = _revived(packed, runtime)
        if _plain(fast) == plain:
            return fast, packed
    except Exception:  # a Lark laid out otherwise: its own loading serves
        pass
    try:
        return _revived(plain, runtime), plain
    except Exception:
        return built, plain


def _plain(parser: Lark) -> dict[str, Any]:
    """What ``Lark.save`` pickles (the parser's own serialised form: ``{"data": ..., "memo": ...}``
    of dicts, lists, tuples, strings, numbers), but the options that are given again at load."""
    from lark.grammar import Rule
    from lark.lexer import TerminalDef

    data, memo = parser.memo_serialize([TerminalDef, Rule])
    data["options"] = {n: v for n, v in data["options"].items() if n not in LOAD_OPTIONS}
    return {"data": data, "memo": memo}


def _packed(plain: dict[str, Any]) -> dict[str, Any]:
    """``plain`` with its LALR table packed: each state's terminals (a tuple of names) and actions
    (a tuple of ints: a shift to state ``n`` is ``2n``, a reduce by the rule kept as ``memo[m]`` is
    ``2m + 1``), where Lark keeps a dict of ``(0, n)`` and ``(1, {"@": m})`` pairs, which cost a
    generic deserialisation each; and its rules packed as tuples (:func:`_packed_rule`)."""
    parser = dict(plain["data"]["parser"])
    table = parser.pop("parser")
    names = table["tokens"]
    states = {}
    for state, actions in table["states"].items():
        codes = []
        for action, arg in actions.values():
            if action == 0 and type(arg) is int:
                codes.append(2 * arg)
            elif action == 1 and type(arg) is dict and len(arg) == 1 and type(arg.get("@")) is int:
                codes.append(2 * arg["@"] + 1)
            else:
                raise ValueError("a parse table laid out otherwise")
        states[state] = (tuple(names[t] for t in actions), tuple(codes))
    data = {**plain["data"], "parser": parser}
    memo = {key: _packed_rule(value) for key, value in plain["memo"].items()}
    return {"data": data, "memo": memo,
            "table": {"states": states, "start_states": table["start_states"], "end_states": table["end_states"]}}


_RULE_OPTIONS = ("keep_all_tokens", "expand1", "priority", "template_source", "empty_indices")


def _packed_rule(data: Any) -> Any:
    """A rule as Lark serialises it, as ``(origin, ((name, filter_out), ...), order, alias, options)``
    (``filter_out`` None for a nonterminal, the options in :data:`_RULE_OPTIONS` order), rebuilt by
    Lark's constructors in :func:`_revived` (which set the same fields, and hash, as its generic
    deserialisation); anything else as it is."""
    if not (type(data) is dict and data.get("__type__") == "Rule"
            and data.keys() == {"origin", "expansion", "order", "alias", "options", "__type__"}):
        return data
    origin, options = data["origin"], data["options"]
    if origin != {"name": origin.get("name"), "__type__": "NonTerminal"} or type(origin["name"]) is not str:
        return data
    if not (type(options) is dict and options.keys() == {*_RULE_OPTIONS, "__type__"}
            and options["__type__"] == "RuleOptions"):
        return data
    expansion: list[tuple[str, bool | None]] = []
    for symbol in data["expansion"]:
        if symbol == {"name": symbol.get("name"), "__type__": "NonTerminal"}:
            expansion.append((symbol["name"], None))
        elif symbol.keys() == {"name", "filter_out", "__type__"} and symbol["__type__"] == "Terminal" \
                and type(symbol["filter_out"]) is bool:
            expansion.append((symbol["name"], symbol["filter_out"]))
        else:
            return data
    return (origin["name"], tuple(expansion), data["order"], data["alias"],
            tuple(options[name] for name in _RULE_OPTIONS))


def _revived(plain: dict[str, Any], runtime: dict[str, Any]) -> Lark:
    """The parser kept as ``plain`` (:func:`_plain`, or :func:`_packed`), loaded with ``runtime``
    options. A packed one is rebuilt here, step by step as ``Lark._load`` does (Lark 1.2 and 1.3
    load alike), without its generic deserialisation of every table entry: a third to a half of
    the load (checked equal to Lark's when the file is written: :func:`_compiled`)."""
    from lark import Lark

    if "table" not in plain:
        return Lark.__new__(Lark)._load(plain, **runtime)
    from lark.common import ParserConf
    from lark.grammar import NonTerminal, Rule, RuleOptions, Terminal
    from lark.lark import LarkOptions
    from lark.lexer import TerminalDef
    from lark.parser_frontends import ParsingFrontend, _validate_frontend_args
    from lark.parsers.lalr_analysis import IntParseTable, Reduce, Shift
    from lark.parsers.lalr_parser import LALR_Parser, _Parser

    data = plain["data"]
    if "grammar" in data or set(runtime) - LOAD_OPTIONS or runtime.get("_plugins"):
        raise ValueError("kept otherwise")  # never written so: Lark's form is kept for these
    revive = _Revive({"Rule": Rule, "TerminalDef": TerminalDef})
    memo = {key: Rule(NonTerminal(value[0]), [NonTerminal(name) if out is None else Terminal(name, out)
                                              for name, out in value[1]], value[2], value[3], RuleOptions(*value[4]))
            if type(value) is tuple else revive.value(value, {}) for key, value in plain["memo"].items()}
    self = Lark.__new__(Lark)
    self.options = LarkOptions.deserialize({**data["options"], **runtime}, memo)
    self.rules = [revive.obj(Rule, rule, memo) for rule in data["rules"]]
    self.source_path = "<deserialized>"
    _validate_frontend_args(self.options.parser, self.options.lexer)
    self.lexer_conf = self._deserialize_lexer_conf(data["parser"], memo, self.options)
    self.terminals = self.lexer_conf.terminals
    self._prepare_callbacks()
    self._terminals_dict = {t.name: t for t in self.terminals}
    # lark.parser_frontends._deserialize_parsing_frontend, with the table unpacked here.
    parser_conf = ParserConf.deserialize(data["parser"]["parser_conf"], memo)
    table = plain["table"]
    top = max((max(codes) for _, codes in table["states"].values() if codes), default=0)
    action = [(Shift, i >> 1) if i & 1 == 0 else (Reduce, memo.get(i >> 1)) for i in range(top + 1)]
    states = {state: dict(zip(names, map(action.__getitem__, codes), strict=True))
              for state, (names, codes) in table["states"].items()}
    lalr = LALR_Parser.__new__(LALR_Parser)
    lalr._parse_table = IntParseTable(states, table["start_states"], table["end_states"])  # type: ignore[assignment]
    lalr.parser = _Parser(lalr._parse_table, self._callbacks, self.options.debug)
    parser_conf.callbacks = self._callbacks
    self.parser = ParsingFrontend(self.lexer_conf, parser_conf, self.options, parser=lalr)
    return self


class _Revive:
    """``lark.utils._deserialize`` and ``Serialize.deserialize``, the same steps with each class's
    namespace and fields looked up once (Lark builds them again for every object)."""

    def __init__(self, namespace: dict[str, type]) -> None:
        from lark.utils import Serialize

        self.namespace = namespace
        self.generic = Serialize.deserialize.__func__  # type: ignore[attr-defined]
        self.specs: dict[Any, tuple[dict[str, type], tuple[str, ...], bool, bool]] = {}

    def value(self, data: Any, memo: dict[int, Any], namespace: dict[str, type] | None = None) -> Any:
        if isinstance(data, dict):
            if "__type__" in data:
                return self.obj((self.namespace if namespace is None else namespace)[data["__type__"]], data, memo)
            if "@" in data:
                return memo[data["@"]]
            return {key: self.value(item, memo, namespace) for key, item in data.items()}
        if isinstance(data, list):
            return [self.value(item, memo, namespace) for item in data]
        return data

    def obj(self, cls: Any, data: dict[str, Any], memo: dict[int, Any]) -> Any:
        spec = self.specs.get(cls)
        if spec is None:
            spec = self.specs[cls] = (
                {c.__name__: c for c in getattr(cls, "__serialize_namespace__", [])},
                tuple(cls.__serialize_fields__),
                getattr(cls.deserialize, "__func__", None) is self.generic,
                hasattr(cls, "_deserialize"))
        namespace, fields, generic, post = spec
        if not generic:
            return cls.deserialize(data, memo)
        if "@" in data:
            return memo[data["@"]]
        inst = cls.__new__(cls)
        for field in fields:
            try:
                setattr(inst, field, self.value(data[field], memo, namespace))
            except KeyError as e:
                raise KeyError("Cannot find key for class", cls, e) from None
        if post:
            inst._deserialize()
        return inst


def _lexers(parser: Lark) -> list[Any]:
    """The basic lexers of ``parser``'s contextual lexer (one per set of terminals a parser state
    accepts, and the root one); empty for a Lark laid out otherwise."""
    lexer = getattr(parser.parser, "lexer", None)
    lexer = getattr(lexer, "lexer", lexer)  # behind the post-lexer
    found = {id(basic): basic for basic in getattr(lexer, "lexers", {}).values()}
    root = getattr(lexer, "root_lexer", None)
    if root is not None:
        found[id(root)] = root
    return [basic for basic in found.values() if hasattr(basic, "re") and getattr(basic, "_scanner", 0) is None]


def _compiled_lexer(parser: Lark, path: Path, key: bytes) -> None:
    """Give ``parser``'s lexers their regular expressions already compiled (the compiled code, saved
    in ``path``, sealed like the grammar). A loaded grammar's lexers compile them again in each
    process, on first use: python-hcl2's identifier classes (all of Unicode's letters) in each of
    its dozens of state scanners, ≈ 0.2 s of CPU, most of the start-up of a scan of one file, and
    pycep's patterns with the ``regex`` module, whose compiler is slower still. The code is exactly
    what the module compiles (checked when it is saved: :meth:`_Precompiled.codes`); each pattern's
    is read only when a lexer first needs it. A missing or unverified file, another Python or
    another ``regex``: compiled as before."""
    import marshal

    from fleetiac.analyzer.storage import atomic_write, seal

    lexers = _lexers(parser)
    engine = _engine(lexers[0].re) if lexers and all(basic.re is lexers[0].re for basic in lexers) else None
    if engine is None:
        return
    saved = _saved_codes(path, key, engine)
    module = lexers[0].re
    if saved is None and _writable:  # compile every scanner now, once, and save their code
        recorder = _Precompiled({}, module)
        for basic in lexers:
            basic.re = recorder
        try:
            for basic in lexers:
                _ = basic.scanner
            codes = {pattern: marshal.dumps(code) for pattern, code in recorder.codes().items()}
            atomic_write(path, seal(key, _MAGIC + f"{path.name} {engine}".encode(), marshal.dumps(codes)))
        except (OSError, ValueError, TypeError, AttributeError, AssertionError, ImportError):
            pass
        return
    if saved is not None:
        shim = _Precompiled(saved, module)
        for basic in lexers:
            basic.re = shim


def _saved_codes(path: Path, key: bytes, engine: str) -> dict[tuple[str, int], Any] | None:
    """The compiled code of patterns saved in ``path`` by :func:`_compiled_lexer` for ``engine``, or
    None when the file is missing or does not verify (its label names the engine: another Python or
    ``regex`` never reads it)."""
    import marshal

    from fleetiac.analyzer.storage import read_entry, unseal

    try:
        payload = unseal(key, _MAGIC + f"{path.name} {engine}".encode(), read_entry(path))
        saved = marshal.loads(payload) if payload is not None else None  # anything else is never read
    except (OSError, EOFError, ValueError, TypeError):
        return None
    return saved if isinstance(saved, dict) else None


def _compiler(module: Any, path: Path, key: bytes) -> Callable[[str, int], Any]:
    """How a portable driver compiles its patterns with ``module`` (``re`` or ``regex``): from the
    code saved in ``path`` (:func:`_compiled_lexer`) when it verifies, as Lark's lexers of a loaded
    grammar do, else by the module itself."""
    engine = _engine(module)
    saved = _saved_codes(path, key, engine) if engine is not None else None
    return _Precompiled(saved, module).compile if saved is not None else module.compile


def _engine(module: Any) -> str | None:
    """What the code of ``module``'s compiled patterns depends on (a pattern compiled by one is
    rebuilt only by the same): CPython's ``re`` (``_sre``'s magic number and the Python build), or
    the ``regex`` module (its version and magic number); None for any other."""
    import re

    try:
        if module is re:
            import _sre  # type: ignore[import-not-found]  # CPython's regex engine

            return f"sre{_sre.MAGIC} {sys.version}"
        if getattr(module, "__name__", "") == "regex":
            from regex import _regex  # type: ignore[import-untyped]

            return f"regex{module.__version__} {_regex.MAGIC} {sys.version}"
    except (ImportError, AttributeError):
        pass
    return None


class _Precompiled:
    """Stands in for the ``re`` or ``regex`` module in a lexer (Lark calls only its ``compile`` and
    ``match``): a pattern whose code was saved is built from that code, any other one is compiled by
    the module. Saved code is a tuple, or its ``marshal`` bytes (read on first use)."""

    def __init__(self, saved: dict[tuple[str, int], Any], module: Any = None) -> None:
        import re

        self.module = module if module is not None else re
        self.error = self.module.error
        self._saved = saved
        self._made: dict[tuple[str, int], Any] = {}

    def compile(self, pattern: str, flags: int = 0) -> Any:
        made = self._made.get((pattern, flags))
        if made is None:
            code = self._saved.get((pattern, flags))
            try:
                if type(code) is bytes:
                    import marshal

                    code = marshal.loads(code)
                made = self._build(pattern, code) if code is not None else None
            except Exception:  # code this Python does not take: compiled as usual
                made = None
            if made is None:
                made = self.module.compile(pattern, flags)
            self._made[(pattern, flags)] = made
        return made

    def _build(self, pattern: str, code: tuple[Any, ...]) -> Any:
        if self.module.__name__ == "regex":
            from regex import _regex

            return _regex.compile(*code) if code[0] == pattern else None
        import _sre

        return _sre.compile(pattern, *code)

    def match(self, pattern: str, string: str, flags: int = 0) -> Any:
        return self.compile(pattern, flags).match(string)

    def codes(self) -> dict[tuple[str, int], tuple[Any, ...]]:
        """The compiled code of every pattern compiled so far, as :meth:`_build` takes it, each
        checked to build a pattern equal to the one the module compiles."""
        out: dict[tuple[str, int], tuple[Any, ...]] = {}
        for (pattern, flags), made in self._made.items():
            try:
                code = self._code(pattern, flags, made)
                if code is not None:
                    out[(pattern, flags)] = code
            except Exception:  # a module laid out otherwise: this one is compiled each time
                continue
        return out

    def _code(self, pattern: str, flags: int, made: Any) -> tuple[Any, ...] | None:
        if self.module.__name__ == "regex":
            # What pickling a compiled pattern keeps (the regex module's own ``_pickle``).
            code = tuple(made._pickled_data)
            return code if self._build(pattern, code)._pickled_data == made._pickled_data else None
        import _sre
        import re
        from re import _compiler, _parser  # type: ignore[attr-defined]

        parsed = _parser.parse(pattern, flags)
        groups = parsed.state.groupdict
        index: list[str | None] = [None] * parsed.state.groups
        for group, at in groups.items():
            index[at] = group
        code = (int(flags | parsed.state.flags), [int(c) for c in _compiler._code(parsed, flags)],
                parsed.state.groups - 1, dict(groups), tuple(index))
        return code if _sre.compile(pattern, *code) == re.compile(pattern, flags) else None


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


def _package_text(package: str, name: str) -> str | None:
    """The text of the data file ``name`` of the installed ``package``, found without importing the
    package (python-hcl2's imports its whole API, pycep's its transformer and type checker: 10 and
    25 ms of a scan's start-up); None when the package is not a folder of files."""
    import importlib.util

    try:
        spec = importlib.util.find_spec(package)
        for folder in (spec.submodule_search_locations or []) if spec is not None else []:
            path = Path(folder) / name
            if path.is_file():
                return path.read_text(encoding="utf-8")
    except (ImportError, ValueError, OSError):
        pass
    return None


def _hcl2_text() -> str:
    """python-hcl2's grammar text (``hcl2.lark``, which its parser reads)."""
    text = _package_text("hcl2", "hcl2.lark")
    if text is None:
        import hcl2.parser

        text = (Path(hcl2.parser.__file__).parent / "hcl2.lark").read_text(encoding="utf-8")
    return text


def hcl2_grammar() -> str:
    """python-hcl2's grammar with fleetiac's edits (:data:`_HCL2_EDITS`)."""
    text = _hcl2_text()
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
    from lark import Lark, Token

    class NewlinePostLexer:
        """Newlines as HCL reads them (:meth:`_merge_newlines_into_operators`, which replaces
        python-hcl2's ``PostLexer`` pass of that name, its only one); a newline is lexed in every
        state (:data:`_ALWAYS_LEXED`: only its lexing changes, what the parser accepts is still the
        grammar's)."""

        always_accept: tuple[str, ...] = _ALWAYS_LEXED
        BRACKETS = ("NL_OR_COMMENT", ("LPAR", "LSQB", "INTERP_START", "DIRECTIVE_START"), ("LBRACE",),
                    ("RPAR", "RSQB", "RBRACE"), "LBRACE", "FOR")
        """The machine below, as data: the newline token; the brackets inside which newlines are
        dropped; those inside which they are kept; the closing ones; and the token after which the
        last one (`FOR`) makes the innermost bracket drop them. The fast driver
        (:mod:`analyzer.frontends.fastlalr`) runs the same machine from it."""

        def process(self, stream: Iterator[Token]) -> Iterator[Token]:
            return self._merge_newlines_into_operators(stream)

        def _merge_newlines_into_operators(self, stream: Iterator[Token]) -> Iterator[Token]:
            """HCL skips newlines (and the line comments that end at them) only inside parentheses,
            brackets, ``${ }``, ``%{ }`` and a ``{ for }``: there they are dropped here, so an
            expression may continue on the next line anywhere (`(b\\n - 1)`, `(!\\n b)`, `[b ?\\n 1 : 2]`).
            Elsewhere (an argument, an object) a newline ends the expression and goes to the parser,
            which rejects it before or after an operator (`a = b +\\n 1`, `a = b\\n ? 1 : 2`).
            python-hcl2's own pass instead joined a newline to a binary operator after it, anywhere,
            and held each newline back, so the next token was lexed in the state before it."""
            newline, skipping, keeping, closing, before_for, for_kind = self.BRACKETS
            skips: list[bool] = []  # per open bracket: whether newlines inside it are skipped
            last = ""
            for token in stream:
                kind = token.type
                if kind == newline:
                    if not (skips and skips[-1]):
                        yield token
                    continue
                yield token
                if kind in skipping:
                    skips.append(True)
                elif kind in keeping:
                    skips.append(False)
                elif kind == for_kind and last == before_for and skips:
                    skips[-1] = True  # `{ for ... }`
                elif kind in closing and skips:
                    skips.pop()
                last = kind

    def build(**options: Any) -> Lark:
        return Lark(hcl2_grammar(), **options)

    options = {"parser": "lalr", "propagate_positions": False, "postlex": NewlinePostLexer()}
    return _cached("hcl2", _hcl2_name(), build, options)


def _hcl2_name() -> str:
    """The HCL grammar's name in the folder. The grammar text is fixed by python-hcl2's and this
    module's edits (and by Python's Unicode tables, which the identifier classes read: the file name
    carries the Python version)."""
    import hashlib

    digest = hashlib.sha256(repr((_hcl2_text(), _HCL2_EDITS, _ALWAYS_LEXED, _GO_SPACE)).encode()).hexdigest()
    return f"hcl2-{digest[:12]}"


def hcl2_tree(text: str) -> Tree:
    """What ``hcl2.api.parses_to_tree`` returns, from our parser instance."""
    # The trailing newline is python-hcl2's own workaround: its grammar needs a newline at the end.
    # A space before it keeps a lone CR at the end of the file one (HCL rejects it), not a CRLF.
    return parse("hcl2", text + " \n")


USE_FAST = True
"""Whether :func:`parse` drives the parsers with :mod:`analyzer.frontends.fastlalr` (the same trees;
tests set it False to compare a whole scan against Lark's own loop)."""
_drivers: dict[str, FastParser | Lark] = {}
"""Each grammar's driver (``hcl2``, ``bicep``): the fast one, made from its portable form in the
folder or from Lark's parser, or Lark's parser itself when the fast driver refuses it."""
_driven: set[tuple[str, Path | None]] = set()
"""(grammar, folder) pairs whose driver is dealt with: read from the folder's driver file, or
written to it (or it could not be, or the folder is None)."""


def parse(short: str, text: str) -> Tree:
    """The parse tree of ``text`` by the grammar ``short`` (``hcl2``, ``bicep``), or Lark's own error,
    made by its fast driver (:class:`~analyzer.frontends.fastlalr.FastParser`) when the parser is laid
    out as it knows."""
    if not USE_FAST:
        return _PARSERS[short]().parse(text)
    driver = _drivers.get(short)
    if driver is None or (short, _grammar_folder()) not in _driven:
        driver = _driver(short)
    return driver.parse(text)


def ready(short: str) -> None:
    """Load now what :func:`parse` uses for the grammar ``short``: before a file's time budget starts,
    and in the front ends' ``preload``, before worker processes fork, so they share it."""
    if USE_FAST:
        _driver(short)
    else:
        _PARSERS[short]()


def _driver(short: str) -> FastParser | Lark:
    """The driver of the grammar ``short`` for the configured folder. Read from the folder's driver
    file, which is made from the compiled grammar's fast driver and sealed as the grammar is
    (:func:`_portable`): the scan then never builds Lark's parser, but for a file that does not parse
    (for Lark's own error). Without a file that verifies and is laid out as the driver writes it, as
    before: the fast driver of the grammar's Lark parser, whose portable form is then written to
    the folder (when it may be written)."""
    import marshal

    from fleetiac.analyzer.frontends.fastlalr import FastParser, fast_parser
    from fleetiac.analyzer.storage import atomic_write, seal, secret_or_none

    folder = _grammar_folder()
    driver = _drivers.get(short)
    if driver is not None and (short, folder) in _driven:
        return driver
    key = secret_or_none(folder.parent) if folder is not None else None
    code = _driver_code()
    path = None
    if folder is not None and key is not None and code is not None:
        base = _file_base(_NAMES[short]())
        path = folder / f"{base}-fast{code}.driver"
        if driver is None:
            driver = _portable(short, path, folder / base, key)
            if driver is not None:
                path = None  # read from the folder: nothing to write
    if driver is None:
        parser = _PARSERS[short]()
        fast = fast_parser(parser)
        driver = fast if fast is not None else parser
    _drivers[short] = driver
    _driven.add((short, folder))  # tried once: an unwritable folder only costs speed
    if path is not None and key is not None and _writable and isinstance(driver, FastParser):
        data = driver.portable()
        if data is not None:
            with contextlib.suppress(OSError, ValueError):
                atomic_write(path, seal(key, _MAGIC + path.name.encode(), marshal.dumps(data)))
    return driver


def _portable(short: str, path: Path, base: Path, key: bytes) -> FastParser | None:
    """The fast driver kept in ``path`` (:meth:`~analyzer.frontends.fastlalr.FastParser.portable`),
    or None when the file is missing, does not verify, or is not laid out as the driver writes it.
    Its patterns are compiled from the grammar's saved code (``base.regex``), its Lark parser loaded
    only when a text does not parse; the grammar file (``base.parser``) is marked used, so pruning
    keeps it while the driver serves."""
    import marshal

    from fleetiac.analyzer.frontends.fastlalr import portable_parser
    from fleetiac.analyzer.storage import mark_used, read_entry, unseal

    try:
        payload = unseal(key, _MAGIC + path.name.encode(), read_entry(path))
        data = marshal.loads(payload) if payload is not None else None  # anything else is never read
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if data is None:
        return None

    def compiler(module_name: str) -> Callable[[str, int], Any]:
        import importlib

        return _compiler(importlib.import_module(module_name), base.with_name(f"{base.name}.regex"), key)

    driver = portable_parser(data, _PARSERS[short], compiler)
    if driver is not None:
        grammar = base.with_name(f"{base.name}.parser")
        with contextlib.suppress(OSError):
            mark_used(os.stat(grammar), grammar)
    return driver


def _driver_code() -> str | None:
    """A digest of the code a driver file's data depends on besides the grammar (which names it): the
    driver's (:mod:`analyzer.frontends.fastlalr`), which writes and reads it, and this module's, which
    holds the HCL post-lexer's brackets; so a file written by other code is never read. None when
    the code cannot be read (no driver file is then used)."""
    global _code_digest
    if _code_digest is None:
        import hashlib

        from fleetiac.analyzer.frontends import fastlalr

        try:
            text = b"".join(Path(module).read_bytes() for module in (fastlalr.__file__, __file__))
        except (OSError, TypeError):
            return None
        _code_digest = hashlib.sha256(text).hexdigest()[:12]
    return _code_digest


_code_digest: str | None = None


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
    text = _pycep_text()
    for old, new in _BACKTRACKING_TERMINALS:
        text = text.replace(old, new)
    for old, new, why in _BICEP_EDITS if syntax else ():
        if text.count(old) != 1:
            raise RuntimeError(f"pycep's grammar changed: the {why} edit does not apply")
        text = text.replace(old, new)
    return text


def _pycep_text() -> str:
    """pycep's grammar text (``pycep.main.LARK_GRAMMAR``, read from its ``bicep.lark``)."""
    text = _package_text("pycep", "bicep.lark")
    if text is None:
        from pycep.main import LARK_GRAMMAR

        text = LARK_GRAMMAR
    return text


def bicep_parser() -> Lark:
    """pycep's grammar (:func:`bicep_grammar`), keeping every token (see
    :mod:`analyzer.frontends.bicep.syntax` for why); never pycep's own cache in the temp folder."""
    parser = _ready("bicep")
    if parser is not None:
        return parser
    from lark import Lark

    grammar = bicep_grammar()

    def build(**options: Any) -> Lark:
        return Lark(grammar=grammar, **options)

    options = {"parser": "lalr", "propagate_positions": False, "regex": True, "keep_all_tokens": True}
    return _cached("bicep", _bicep_name(grammar), build, options)


def _bicep_name(grammar: str | None = None) -> str:
    """The Bicep grammar's name in the folder: it carries the grammar's digest, so a grammar compiled
    before a rewrite is never loaded."""
    import hashlib

    text = bicep_grammar() if grammar is None else grammar
    return f"pycep-{hashlib.sha256(text.encode()).hexdigest()[:12]}"


_PARSERS: dict[str, Callable[[], Lark]] = {"hcl2": hcl2_parser, "bicep": bicep_parser}
"""Each grammar's Lark parser, by its short name."""
_NAMES: dict[str, Callable[[], str]] = {"hcl2": _hcl2_name, "bicep": _bicep_name}
"""Each grammar's name in the folder (:func:`_file_base`), by its short name."""
