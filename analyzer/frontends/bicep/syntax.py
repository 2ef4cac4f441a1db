"""Parse ``.bicep`` and ``.bicepparam`` text into the plain syntax tree of :mod:`analyzer.frontends.bicep.ast`.

pycep-parser's own transformer loses meaning (literals look like identifiers, operators have no
precedence, interpolations stay raw text, no positions below a declaration), so we run pycep's Lark
grammar ourselves, keeping every token (parentheses included: the grammar drops them otherwise and
``(a + b) * c`` could not be told from ``a + b * c``), and convert that tree here. Operator chains
come out of the grammar as right-leaning, precedence-free nests; we flatten each chain back into its
token sequence and re-parse it with Bicep's precedence.

The grammar is pycep's, extended to the current language (:data:`analyzer.frontends.grammars._BICEP_EDITS`),
and reads the text :func:`prepare` gives: the file with its comments blanked and the line breaks Bicep
reads as spaces turned into spaces, every offset kept, so positions come from offsets in the file.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import Any

from lark import Token, Tree
from lark.exceptions import UnexpectedInput

from fleetiac.analyzer.frontends.bicep.ast import (
    BINARY_PRECEDENCE,
    UNARY_PRECEDENCE,
    Array,
    Binary,
    Call,
    Decl,
    Expr,
    For,
    FuncDecl,
    Ident,
    IfBody,
    ImportDecl,
    Index,
    Interp,
    Lambda,
    Lit,
    Member,
    MethodCall,
    ModuleDecl,
    Obj,
    Opaque,
    Pair,
    ParsedBicep,
    ParsedParams,
    ResourceDecl,
    Spread,
    Ternary,
    Unary,
)
from fleetiac.analyzer.frontends.spans import Spans
from fleetiac.analyzer.model import Diagnostic, Location


def _lark_tree(prepared: str) -> Tree:
    """The Lark tree of a prepared text (:func:`prepare`), from the grammar's fast driver (made in
    analyzer.frontends.grammars, which keeps the compiled grammar in fleetiac's cache folder)."""
    from fleetiac.analyzer.frontends.grammars import parse

    return parse("bicep", prepared)


class BicepSyntaxError(Exception):
    def __init__(self, message: str, line: int, col: int) -> None:
        super().__init__(message)
        self.line = line
        self.col = col


def parse_file(text: str, display: str, header: dict[str, tuple[str | None, int]] | None = None,
               ) -> ParsedBicep | Diagnostic:
    """Parse one ``.bicep`` file; a file that cannot be parsed gives a located :class:`Diagnostic`.
    ``header`` receives a parameter file's ``using`` and ``extends`` (target, line)."""
    try:
        return _parse_bicep(text, display, header)
    except BicepSyntaxError as exc:
        return Diagnostic(Location(display, exc.line, exc.col), f"cannot parse Bicep: {exc}")
    except UnexpectedInput as exc:
        line, col = max(exc.line, 1), max(exc.column, 1)
        offset = getattr(exc, "pos_in_stream", None)
        if isinstance(offset, int) and offset >= 0:  # the prepared text has the file's offsets, not its lines
            line, col = _line_col(_line_starts(text), offset)
        construct = unsupported_construct(text, line, col)
        message = f"valid Bicep that fleetiac does not read yet: {construct}" if construct else _lark_message(exc)
        return Diagnostic(Location(display, line, col), message)
    except RecursionError:
        return Diagnostic(Location(display, 1, 1), "cannot parse Bicep: the file is nested too deeply")


def parse_params_file(text: str, display: str) -> ParsedParams | Diagnostic:
    """Parse one ``.bicepparam`` file (pycep rejects them: ``using`` is not in its grammar).

    The file is rewritten to a Bicep file with the same layout (``param`` turned into ``var  `` of the same
    width), so the expression parser and every position can be reused as is; the grammar reads
    ``using``, ``extends`` and ``extensionConfig``.
    """
    param_lines: set[int] = set()
    lines = text.split("\n")
    for number, line in enumerate(lines, start=1):
        m = re.match(r"^(\s*)param(\s)", line)
        if m:
            param_lines.add(number)
            lines[number - 1] = m.group(1) + "var  " + line[m.end(1) + 5:]
    header: dict[str, tuple[str | None, int]] = {}
    result = parse_file("\n".join(lines), display, header)
    if isinstance(result, Diagnostic):
        return Diagnostic(result.location, result.message.replace("Bicep", "Bicep parameters", 1))
    using, using_line = header.get("using", (None, 1))
    extends = header.get("extends", (None, 1))[0]
    out = ParsedParams(path=display, using=using, using_line=using_line, extends=extends,
                       imports=result.imports)
    for name, decl in result.vars.items():
        (out.params if decl.line in param_lines else out.vars)[name] = decl
    return out


def parse_expression(text: str, line: int, col: int) -> Expr:
    """Parse ``text`` (an expression found at ``line``:``col`` of a file) into an expression node."""
    prefix = "var __fleetiac_expr = "
    wrapped = prefix + text + "\n"
    prepared = prepare(wrapped)
    tree = _lark_tree(prepared)
    element = next(c for c in tree.children if isinstance(c, Tree))
    value = _children(element)[-1]
    return _Converter(wrapped, line, col - len(prefix) - 1, prepared).expr(value)


# Valid Bicep the grammar does not read, recognised where a parse stops: (pattern over the text of the
# line the parse stopped on, what to call it). Each pattern ends at the end of the line, and the parse
# must have stopped there (at the line break): a syntax error earlier on the line is not one of them.
_UNSUPPORTED: tuple[tuple[re.Pattern[str], str], ...] = (
    # `cond ?` / `a :` at the end of a line are joined only when spaced (`string?` is a nullable type).
    (re.compile(r"\S\?[ \t]*(//.*)?$|\?.*\S:[ \t]*(//.*)?$"),
     "a conditional expression continued after a line-ending '?' or ':'"),
)


def unsupported_construct(text: str, line: int, col: int) -> str | None:
    """The name of the valid Bicep construct a parse stopped at (``line``:``col``), when it is one
    fleetiac knows it does not read (:data:`_UNSUPPORTED`); None for anything else (a syntax error)."""
    lines = text.split("\n")
    if not 0 < line <= len(lines):
        return None
    written = lines[line - 1]
    code_end = len(written.split("//", 1)[0].rstrip())
    if col <= code_end:  # it stopped before the end of the line's code
        return None
    for pattern, construct in _UNSUPPORTED:
        if pattern.search(written):
            return construct
    return None


def _lark_message(exc: UnexpectedInput) -> str:
    token = getattr(exc, "token", None)
    if token is not None and str(token).strip():
        return f"cannot parse Bicep: unexpected {str(token)!r}"
    char = getattr(exc, "char", None)
    if char:
        return f"cannot parse Bicep: unexpected character {char!r}"
    return "cannot parse Bicep: unexpected end of input"


# -- preparing the text --------------------------------------------------------------------------------
# Strings, multi-line strings (`$'''` ones too) and comments, in the order the lexer meets them.
_SPANS = re.compile(
    r"(?=[$'/#])(?:(?P<ml>\$*'''[\s\S]*?'''(?!'))"
    r"|(?P<str>'(?:[^'\\$\n]|\\.|\$(?!\{)|\$\{(?:[^}'\n]|'(?:[^'\\\n]|\\.)*')*\})*')"
    r"|(?P<cmt>//[^\n]*|/\*[\s\S]*?\*/|\#[^\n]*))"
)
_BRACKETS = re.compile(r"[()\[\]{}]")
# A newline (with the blank lines after it) that Bicep reads as a space: after a line-ending `=>`, `|`,
# `&&`, `||`, `??`, or a binary operator with a space before it (`a +`, `c ?`: not the type `string?`)
# (group 1), or before a line-leading `?`, `:`, `|`, `&&`, `||`, `??`.
# (Possessive, and a line-leading join only after a line's last character: blank runs, such as blanked
# comment lines, are scanned once.)
_JOINS = re.compile(r"(?=[?&|=\n \t])(?:(?:\?\?|&&|\|\||=>|(?<!\|)\||[ \t](?:[-+*/%?:<>]|[=!<>]=|[=!]~))"
                    r"([ \t]*+\n\s*+)"
                    r"|(?<=\S)[ \t]*+\n\s*+(?=\?\?|&&|\|\||\?(?!\?)|:|\|(?!\|)))")


def prepare(text: str) -> str:
    """The text the grammar reads, of the same length (every offset is kept): comments and directives
    blanked, and the newlines Bicep reads as spaces turned into spaces (inside parentheses, and
    around a ternary's or a union's line-leading operator; see :data:`_JOINS`)."""
    if "\n" not in text:
        return text
    # `out`: comments blanked; `scan`: strings hidden too (no bracket or newline in one counts).
    outs: list[str] = []
    scans: list[str] = []
    last = 0
    for m in _SPANS.finditer(text):
        start, end = m.span()
        piece = text[last:start]
        outs.append(piece)
        scans.append(piece)
        blank = (" " if m.lastgroup == "cmt" else "_") * (end - start)
        outs.append(blank if m.lastgroup == "cmt" else m.group())
        scans.append(blank)
        last = end
    outs.append(text[last:])
    scans.append(text[last:])
    out, scan = "".join(outs), "".join(scans)
    joined: list[tuple[int, int]] = []
    stack: list[str] = []
    previous = 0
    for m in _BRACKETS.finditer(scan):
        at = m.start()
        if stack and stack[-1] == "(" and scan.find("\n", previous, at) >= 0:
            joined.append((previous, at))
        ch = m.group()
        if ch in "([{":
            stack.append(ch)
        elif stack:
            stack.pop()
        previous = at
    joined.extend(m.span(1) if m.group(1) else m.span() for m in _JOINS.finditer(scan))
    if not joined:
        return out
    chars = list(out)
    for start, end in joined:
        i = out.find("\n", start, end)
        while i >= 0:
            chars[i] = " "
            i = out.find("\n", i + 1, end)
    return "".join(chars)


def _parse_bicep(text: str, display: str, header: dict[str, tuple[str | None, int]] | None) -> ParsedBicep:
    parsed = ParsedBicep(path=display)
    if not text.strip():
        return parsed
    if text.count("'''") % 2:
        line = text[: text.rfind("'''")].count("\n") + 1
        raise BicepSyntaxError("unterminated multi-line string", line, 1)
    if not text.endswith("\n"):
        text += "\n"
    prepared = prepare(text)
    tree = _lark_tree(prepared)
    conv = _Converter(text, 0, 0, prepared)
    conv.header = header if header is not None else {}
    for element in tree.children:
        if isinstance(element, Tree):
            conv.declaration(element, parsed)
    return parsed


_HEX = re.compile(r"[0-9a-fA-F]+")


def _integer(tok: Token, line: int, col: int) -> int:
    """An integer literal; one longer than Python converts (4,300 digits) is far past Bicep's 64 bits."""
    try:
        return int(str(tok))
    except ValueError:
        raise BicepSyntaxError("expected a valid 64-bit signed integer", line, col) from None


def _children(node: Tree) -> list[Any]:
    """The meaningful children: no placeholders, newlines or comments."""
    return [
        c for c in node.children
        if c is not None and not (isinstance(c, Token) and (c.type in _TRIVIA))
    ]


_TRIVIA = {"NEWLINE", "_NL", "CPP_COMMENT", "C_COMMENT", "SH_COMMENT"}
_ESCAPES = {"\\": "\\", "'": "'", "n": "\n", "r": "\r", "t": "\t", "$": "$"}
_OPERATOR_TREES = {
    "operator", "greater_than_or_equals", "greater_than", "less_than_or_equals", "less_than", "equals",
    "not_equals", "equals_case_insens", "not_equals_case_insens", "and_op", "or_op", "not_op", "coalesce",
    "conditional", "add", "divide", "minus", "modulo", "multiply", "substract", "index_accessor",
    "function_accessor", "nested_resource_accessor", "property_accessor",
}


class _Op:
    """An operator token in a flattened chain."""

    __slots__ = ("col", "line", "sym")

    def __init__(self, sym: str, line: int, col: int) -> None:
        self.sym = sym
        self.line = line
        self.col = col


class _Postfix:
    """A delimited postfix part of a chain: ``[index]`` or ``.listKeys(...)``."""

    __slots__ = ("args", "col", "from_end", "index", "line", "name", "safe")

    def __init__(self, line: int, col: int, *, index: Expr | None = None, name: str = "",
                 args: tuple[Expr, ...] = (), safe: bool = False, from_end: bool = False) -> None:
        self.from_end = from_end
        self.line = line
        self.col = col
        self.index = index
        self.name = name
        self.args = args
        self.safe = safe


_Item = Expr | _Op | _Postfix


class _Converter:
    """Lark tree -> :mod:`ast` nodes. ``line_off``/``col_off`` shift positions of a sub-parse
    (an interpolation hole) back to where its text sits in the file."""

    def __init__(self, text: str, line_off: int, col_off: int, prepared: str | None = None) -> None:
        self.text = text
        # The parser's own lines are the file's when preparing the text joined none.
        self.starts = _line_starts(text) if prepared is None or prepared.count("\n") != text.count("\n") else None
        self.line_off = line_off
        self.col_off = col_off
        self.spans = Spans()
        """Each node's first and last token (the parser does not propagate positions)."""
        self.header: dict[str, tuple[str | None, int]] = {}

    # -- positions ---------------------------------------------------------------------------------
    def pos(self, node: Tree | Token) -> tuple[int, int]:
        first = node if isinstance(node, Token) else self.spans.first(node)
        if first is None:  # a node without tokens: where Lark's positions would be missing
            raise AttributeError("a syntax node without tokens has no position")
        if self.starts is None:
            line, col = first.line or 1, first.column or 1  # the lexer's, from 1
        else:  # from the offset: the parser read the prepared text, whose lines are not all the file's
            line, col = _line_col(self.starts or [0], first.start_pos or 0)
        if self.line_off == 0 and self.col_off == 0:
            return line, col
        if line == 1:
            return self.line_off, col + self.col_off
        return self.line_off + line - 1, col

    def source(self, node: Tree) -> str:
        first, last = self.spans.first(node), self.spans.last(node)
        if first is None or last is None:
            raise AttributeError("a syntax node without tokens has no source text")
        return " ".join(self.text[first.start_pos: last.end_pos].split())

    # -- declarations ------------------------------------------------------------------------------
    def declaration(self, node: Tree, parsed: ParsedBicep) -> None:
        kind = node.data
        kids = _children(node)
        if kind == "scope":
            parsed.target_scope = self.string_value(kids[-1])
            return
        if kind in {"param", "var", "output"}:
            name_tok = _after(kids, kind)
            line, col = self.pos(name_tok)
            value = _after(kids, "=")
            decl = Decl(str(name_tok), None if value is None else self.expr(value), line, col,
                        self.resource_type(kids))
            getattr(parsed, f"{kind}s" if kind != "var" else "vars")[decl.name] = decl
            return
        if kind == "custom_func":
            name_tok = _after(kids, "func")
            line, col = self.pos(name_tok)
            params = tuple(str(_children(k)[0]) for k in kids if isinstance(k, Tree) and k.data == "func_arg")
            parsed.functions[str(name_tok)] = FuncDecl(str(name_tok), params, self.expr(kids[-1]), line, col)
            return
        if kind in {"using", "extends"}:
            target = kids[1]
            value = None if str(target) == "none" else self.string_value(target)
            self.header[kind] = (value, self.pos(kids[0])[0])
            return
        if kind == "custom_import":
            parsed.imports.append(self.import_decl(kids))
            return
        if kind == "resource":
            parsed.resources.append(self.resource(node, kids))
            return
        if kind == "module":
            name_tok = _after(kids, "module")
            path_node = next(k for k in kids if isinstance(k, Tree) and k.data == "module_path")
            line, col = self.pos(_keyword(kids, "module"))
            body = self.expr(_after(kids, "="))
            parsed.modules.append(
                ModuleDecl(str(name_tok), self.string_value(_children(path_node)[0]), body, line, col)
            )

    def resource_type(self, kids: list[Any]) -> str | None:
        """The type of a resource-typed param or output (``resource 'T@v'``), or None."""
        for kid in kids:
            if isinstance(kid, Tree) and kid.data == "type_expr":
                terms = [t for t in _children(kid) if isinstance(t, Tree)]
                if len(terms) == 1:
                    primary = _children(terms[0])[0]
                    if isinstance(primary, Tree) and primary.data == "resource_type":
                        return self.string_value(_children(primary)[-1])
        return None

    def import_decl(self, kids: list[Any]) -> ImportDecl:
        line, col = self.pos(_keyword(kids, "import"))
        path = next(k for k in reversed(kids) if isinstance(k, Token) and k.type == "QUOTED_INTERPOLATION")
        names: list[tuple[str, str]] = []
        wildcard: str | None = None
        for alias in (k for k in kids if isinstance(k, Tree) and k.data == "import_alias"):
            parts = _children(alias)
            name = str(parts[0])
            as_name = str(parts[-1]) if len(parts) > 1 else name
            if name == "*":
                wildcard = as_name
            else:
                names.append((self.string_value(parts[0]) if parts[0].type == "QUOTED_INTERPOLATION" else name,
                              as_name))
        return ImportDecl(self.string_value(path), tuple(names), wildcard, line, col)

    def resource(self, node: Tree, kids: list[Any]) -> ResourceDecl:
        name_tok = _after(kids, "resource")
        type_node = kids[kids.index(name_tok) + 1]
        type_tok = _children(type_node)[0] if isinstance(type_node, Tree) else type_node
        existing = any(isinstance(k, Token) and k.type == "EXISTING" for k in kids)
        line, col = self.pos(_keyword(kids, "resource"))
        body = self.expr(_after(kids, "="))
        return ResourceDecl(str(name_tok), self.string_value(type_tok), existing, body, line, col)

    # -- strings -----------------------------------------------------------------------------------
    def string_value(self, tok: Token) -> str:
        value = self.string(tok)
        if isinstance(value, Lit) and isinstance(value.value, str):
            return value.value
        line, col = self.pos(tok)
        raise BicepSyntaxError("an interpolated string is not allowed here", line, col)

    def string(self, tok: Token) -> Lit | Interp:
        """Decode a single-quoted string: escapes, and ``${...}`` holes parsed as expressions."""
        raw = str(tok)
        line, col = self.pos(tok)
        parts: list[str | Expr] = []
        buf: list[str] = []
        i, end = 1, len(raw) - 1
        while i < end:
            ch = raw[i]
            if ch == "\\" and i + 1 < end:
                nxt = raw[i + 1]
                if nxt == "u" and raw.startswith("{", i + 2):
                    close = raw.find("}", i + 3)
                    digits = raw[i + 3: close] if close > 0 else ""
                    if not _HEX.fullmatch(digits) or int(digits, 16) > 0x10FFFF:
                        l2, c2 = _offset(raw, i, line, col)
                        raise BicepSyntaxError("invalid unicode escape sequence: valid ones range from "
                                               "\\u{0} to \\u{10FFFF}", l2, c2)
                    point = int(digits, 16)
                    # A lone surrogate is no character: written as U+FFFD, it cannot break an encoder later.
                    buf.append("\ufffd" if 0xD800 <= point <= 0xDFFF else chr(point))
                    i = close + 1
                    continue
                if nxt not in _ESCAPES:
                    l2, c2 = _offset(raw, i, line, col)
                    raise BicepSyntaxError(f"invalid escape sequence '\\{nxt}'", l2, c2)
                buf.append(_ESCAPES[nxt])
                i += 2
                continue
            if ch == "$" and raw.startswith("{", i + 1):
                close = _hole_end(raw, i + 2)
                if close < 0:
                    l2, c2 = _offset(raw, i, line, col)
                    raise BicepSyntaxError("unterminated interpolation", l2, c2)
                if buf:
                    parts.append("".join(buf))
                    buf = []
                l2, c2 = _offset(raw, i + 2, line, col)
                parts.append(parse_expression(raw[i + 2: close], l2, c2))
                i = close + 1
                continue
            buf.append(ch)
            i += 1
        if buf:
            parts.append("".join(buf))
        if all(isinstance(p, str) for p in parts):
            return Lit(line, col, "".join(parts))  # type: ignore[arg-type]
        return Interp(line, col, tuple(parts))

    # -- expressions -------------------------------------------------------------------------------
    def expr(self, node: Any) -> Expr:
        if isinstance(node, Token):
            return self.token(node)
        kind = node.data
        line, col = self.pos(node)
        if kind in _OPERATOR_TREES or (kind == "value_brackets" and not _has(node, "(")):
            items: list[_Item] = []
            self.flatten(node, items)
            return _ChainParser(items).parse()
        if kind == "value_brackets":
            inner = [c for c in _children(node) if isinstance(c, Tree)]
            return self.expr(inner[0])
        if kind in {"null", "true", "false"}:
            return Lit(line, col, {"null": None, "true": True, "false": False}[kind])
        if kind == "int_type":
            tok = _children(node)[-1]
            line, col = self.pos(tok)
            return Lit(line, col, _integer(tok, line, col))
        if kind == "string":
            return self.token(_children(node)[-1])
        if kind == "multi_line_string":
            return self.multi_line_string(_children(node)[-1])
        if kind == "spread":
            return Spread(line, col, self.expr(next(c for c in _children(node) if isinstance(c, Tree))))
        if kind == "lambda_expression":
            kids = _children(node)
            arrow = next(i for i, k in enumerate(kids) if isinstance(k, Token) and str(k) == "=>")
            params = tuple(str(t) for k in kids[:arrow] for t in _tokens(k) if t.type == "STRING")
            return Lambda(line, col, params, self.expr(kids[-1]))
        if kind == "array":
            return Array(line, col, tuple(self.expr(c) for c in _children(node) if isinstance(c, Tree)))
        if kind == "object":
            return self.obj(node)
        if kind == "function":
            return self.call(node)
        if kind == "loop":
            return self.loop(node)
        if kind == "deploy_condition":
            trees = [c for c in _children(node) if isinstance(c, Tree)]
            return IfBody(line, col, self.expr(trees[0]), self.expr(trees[1]))
        return Opaque(line, col, self.source(node))

    def multi_line_string(self, tok: Token) -> Lit | Interp:
        """A ``\'\'\'`` string: no escapes; with ``$`` before it, ``${...}`` holes (``$${...}`` with ``$$``)."""
        text = str(tok)
        dollars = len(text) - len(text.lstrip("$"))
        line, col = self.pos(tok)
        raw = text[dollars + 3:-3]
        start = dollars + 3
        # Bicep drops a line break right after the opening quotes.
        skip = 2 if raw.startswith("\r\n") else 1 if raw.startswith("\n") else 0
        raw, start = raw[skip:], start + skip
        if not dollars:
            return Lit(line, col, raw)
        opener = "$" * dollars + "{"
        parts: list[str | Expr] = []
        i = 0
        while True:
            hole = raw.find(opener, i)
            if hole < 0:
                break
            close = _hole_end(raw, hole + len(opener))
            if close < 0:
                l2, c2 = _offset(text, start + hole, line, col)
                raise BicepSyntaxError("unterminated interpolation", l2, c2)
            if hole > i:
                parts.append(raw[i:hole])
            l2, c2 = _offset(text, start + hole + len(opener), line, col)
            parts.append(parse_expression(raw[hole + len(opener):close], l2, c2))
            i = close + 1
        if i < len(raw):
            parts.append(raw[i:])
        if all(isinstance(p, str) for p in parts):
            return Lit(line, col, "".join(parts))  # type: ignore[arg-type]
        return Interp(line, col, tuple(parts))

    def token(self, tok: Token) -> Expr:
        line, col = self.pos(tok)
        if tok.type == "STRING":
            return Ident(line, col, str(tok))
        if tok.type in {"QUOTED_INTERPOLATION", "QUOTED_STRING"}:
            return self.string(tok)
        if tok.type == "INT":
            return Lit(line, col, _integer(tok, line, col))
        if tok.type in {"MULTI_LINE_STRING", "INTERP_MULTI_LINE_STRING"}:
            return self.multi_line_string(tok)
        return Opaque(line, col, str(tok))

    def obj(self, node: Tree) -> Obj:
        line, col = self.pos(node)
        pairs: list[Pair | Spread] = []
        resources: list[ResourceDecl] = []
        for child in _children(node):
            if not isinstance(child, Tree):
                continue
            if child.data == "child_resource":
                resources.append(self.resource(child, _children(child)))
                continue
            if child.data == "spread":
                spread = self.expr(child)
                assert isinstance(spread, Spread)
                pairs.append(spread)
                continue
            kids = _children(child)
            key_tok = _children(kids[0])[0]
            kline, kcol = self.pos(key_tok)
            if key_tok.type in {"QUOTED_INTERPOLATION", "QUOTED_STRING"}:
                decoded = self.string(key_tok)
                key: str | Expr = decoded.value if isinstance(decoded, Lit) else decoded  # type: ignore[assignment]
            else:
                key = str(key_tok)
            value = next(k for k in kids[1:] if isinstance(k, Tree))
            pairs.append(Pair(kline, kcol, key, self.expr(value)))
        return Obj(line, col, tuple(pairs), tuple(resources))

    def call(self, node: Tree) -> Expr:
        kids = _children(node)
        head = kids[0]
        line, col = self.pos(head)
        name = str(head) if head.type == "STRING" else str(head)[:-1]  # `f (x)`, with a space, or `f(x)`
        name = re.sub(r"^(sys|az)\.", "", name)
        args = tuple(self.expr(c) for c in kids[1:] if isinstance(c, Tree))
        return Call(line, col, name, args)

    def loop(self, node: Tree) -> For:
        line, col = self.pos(node)
        trees = [c for c in _children(node) if isinstance(c, Tree)]
        spec, body = trees[0], trees[-1]
        filt: Expr | None = None
        if len(trees) == 3:
            filt = self.expr(next(c for c in _children(trees[1]) if isinstance(c, Tree)))
        names = [str(t) for t in _children(spec) if isinstance(t, Token) and t.type == "STRING"]
        iterable = next(c for c in _children(spec) if isinstance(c, Tree))
        item = names[0]
        index = names[1] if len(names) > 1 else None
        return For(line, col, item, index, self.expr(iterable), filt, self.expr(body))

    # -- operator chains ---------------------------------------------------------------------------
    def flatten(self, node: Any, out: list[_Item]) -> None:
        """Append the tokens of an operator chain, in source order, to ``out``."""
        if isinstance(node, Token):
            out.append(self.token(node))
            return
        kind = node.data
        if kind == "value_brackets" and _has(node, "("):
            out.append(self.expr(node))
            return
        if kind not in _OPERATOR_TREES and kind != "value_brackets":
            out.append(self.expr(node))
            return
        kids = _children(node)
        if kind == "index_accessor":
            self.flatten(kids[0], out)
            line, col = self.pos(kids[1])
            safe = any(isinstance(k, Token) and str(k) == "?" for k in kids)
            from_end = any(isinstance(k, Token) and str(k) == "^" for k in kids)
            index = next(k for k in kids[2:] if isinstance(k, Tree))
            out.append(_Postfix(line, col, index=self.expr(index), safe=safe, from_end=from_end))
            return
        if kind == "function_accessor":
            self.flatten(kids[0], out)
            name_tok = next(k for k in kids if isinstance(k, Token) and k.type == "LIST_FUNC_NAME")
            line, col = self.pos(name_tok)
            args = tuple(self.expr(k) for k in kids[1:] if isinstance(k, Tree))
            out.append(_Postfix(line, col, name=str(name_tok), args=args))
            return
        if kind == "nested_resource_accessor":
            out.append(Opaque(*self.pos(node), text=self.source(node)))
            return
        previous_dot = False
        for kid in kids:
            if isinstance(kid, Token) and kid.type not in {"STRING", "QUOTED_INTERPOLATION", "INT"}:
                sym = str(kid)
                if sym == "!" and kind == "value_brackets":
                    continue  # the non-null assertion changes nothing we evaluate
                line, col = self.pos(kid)
                if sym == "?" and previous_dot:
                    out[-1] = _Op(".?", out[-1].line, out[-1].col)
                else:
                    out.append(_Op(sym, line, col))
                previous_dot = sym == "."
                continue
            previous_dot = False
            self.flatten(kid, out)


class _ChainParser:
    """Precedence climbing over a flattened operator chain (Bicep precedence, see ast.py)."""

    def __init__(self, items: list[_Item]) -> None:
        self.items = items
        self.i = 0

    def parse(self) -> Expr:
        result = self.expression(0)
        if self.i != len(self.items):
            raise self.error("unexpected operator")
        return result

    def error(self, message: str) -> BicepSyntaxError:
        item = self.items[min(self.i, len(self.items) - 1)]
        return BicepSyntaxError(message, item.line, item.col)

    def peek(self) -> _Item | None:
        return self.items[self.i] if self.i < len(self.items) else None

    def take(self) -> _Item:
        item = self.peek()
        if item is None:
            raise self.error("incomplete expression")
        self.i += 1
        return item

    def expression(self, min_bp: int) -> Expr:
        left = self.prefix()
        while True:
            op = self.peek()
            if not isinstance(op, _Op):
                if op is None:
                    return left
                raise self.error("missing operator")
            if op.sym == "?":
                if min_bp > 1:
                    return left
                self.i += 1
                then = self.expression(0)
                colon = self.take()
                if not (isinstance(colon, _Op) and colon.sym == ":"):
                    raise self.error("expected ':' in a conditional expression")
                other = self.expression(1)
                left = Ternary(left.line, left.col, left, then, other)
                continue
            if op.sym == ":":
                return left
            bp = BINARY_PRECEDENCE.get(op.sym)
            if bp is None:
                raise self.error(f"unexpected {op.sym!r}")
            if bp <= min_bp:
                return left
            self.i += 1
            right = self.expression(bp)
            left = Binary(left.line, left.col, op.sym, left, right)

    def prefix(self) -> Expr:
        item = self.take()
        if isinstance(item, _Op):
            if item.sym not in {"!", "-"}:
                raise BicepSyntaxError(f"unexpected {item.sym!r}", item.line, item.col)
            operand = self.expression(UNARY_PRECEDENCE)
            if item.sym == "-" and isinstance(operand, Lit) and isinstance(operand.value, int) \
                    and not isinstance(operand.value, bool):
                return Lit(item.line, item.col, -operand.value)
            return Unary(item.line, item.col, item.sym, operand)
        if isinstance(item, _Postfix):
            raise BicepSyntaxError("unexpected accessor", item.line, item.col)
        return self.postfix(item)

    def postfix(self, left: Expr) -> Expr:
        while True:
            item = self.peek()
            if isinstance(item, _Postfix):
                self.i += 1
                if item.index is not None:
                    left = Index(left.line, left.col, left, item.index, item.safe, item.from_end)
                else:
                    left = MethodCall(left.line, left.col, left, item.name, item.args)
                continue
            if isinstance(item, _Op) and item.sym in {".", ".?"}:
                self.i += 1
                name = self.take()
                if isinstance(name, Ident):
                    left = Member(left.line, left.col, left, name.name, item.sym == ".?")
                elif isinstance(name, Call):
                    left = MethodCall(left.line, left.col, left, name.name, name.args)
                else:
                    raise BicepSyntaxError("expected a property name", item.line, item.col)
                continue
            return left


def _line_starts(text: str) -> list[int]:
    """The offset where each line of ``text`` starts."""
    starts = [0]
    find = text.find
    i = find("\n")
    while i >= 0:
        starts.append(i + 1)
        i = find("\n", i + 1)
    return starts


def _line_col(starts: list[int], offset: int) -> tuple[int, int]:
    """1-based line and column of ``offset``, given the line starts."""
    line = bisect_right(starts, offset)
    return line, offset - starts[line - 1] + 1


def _tokens(node: Any) -> list[Token]:
    """Every token under ``node``, in order."""
    if isinstance(node, Token):
        return [node]
    return [t for c in node.children if c is not None for t in _tokens(c)]


def _has(node: Tree, sym: str) -> bool:
    return any(isinstance(c, Token) and str(c) == sym for c in node.children)


def _keyword(kids: list[Any], word: str) -> Token:
    return next(k for k in kids if isinstance(k, Token) and str(k) == word)


def _after(kids: list[Any], word: str) -> Any:
    """The child right after the keyword token ``word`` (None when it is last)."""
    for i, kid in enumerate(kids):
        if isinstance(kid, Token) and str(kid) == word:
            return kids[i + 1] if i + 1 < len(kids) else None
    return None


def _offset(raw: str, index: int, line: int, col: int) -> tuple[int, int]:
    """Line and column of ``raw[index]`` for a token starting at ``line``:``col``."""
    before = raw[:index]
    newlines = before.count("\n")
    if newlines == 0:
        return line, col + index
    return line + newlines, index - before.rfind("\n")


def _hole_end(raw: str, start: int) -> int:
    """Index of the ``}`` closing an interpolation hole opened just before ``start``; -1 when none does."""
    depth = 0
    i = start
    while i < len(raw):
        ch = raw[i]
        if ch == "'":
            i += 1
            while i < len(raw) and raw[i] != "'":
                i += 2 if raw[i] == "\\" else 1
        elif ch == "{":
            depth += 1
        elif ch == "}":
            if depth == 0:
                return i
            depth -= 1
        i += 1
    return -1
