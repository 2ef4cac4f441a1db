"""Terraform files to plain data: blocks, attributes and an expression tree, each with its position.

python-hcl2's dict API has no positions and re-renders expressions as text (parsers.md), so this
module reads the raw Lark tree instead (the fastest of its three outputs, and the only one with a
position on every node) and converts it into small frozen dataclasses. The result holds no Lark
objects, so it can cross process boundaries and be cached.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, fields, is_dataclass, replace
from typing import Any

from lark import Token, Tree

from fleetiac.analyzer.frontends.spans import Spans

# ---------------------------------------------------------------------------------------------
# The plain tree


@dataclass(frozen=True, slots=True)
class Pos:
    line: int
    column: int
    end_line: int
    end_column: int


@dataclass(frozen=True, slots=True)
class Expr:
    pos: Pos


@dataclass(frozen=True, slots=True)
class Literal(Expr):
    value: Any  # str, int, float, bool or None


@dataclass(frozen=True, slots=True)
class Template(Expr):
    """A quoted string or heredoc with interpolations: parts are ``str`` or ``Expr``."""

    parts: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Name(Expr):
    name: str


@dataclass(frozen=True, slots=True)
class GetAttr(Expr):
    obj: Expr
    name: str


@dataclass(frozen=True, slots=True)
class Index(Expr):
    obj: Expr
    key: Expr


@dataclass(frozen=True, slots=True)
class Splat(Expr):
    """``obj[*].a.b`` or ``obj.*.a``: ``steps`` apply to each element (GetAttr/Index on a Name "~")."""

    obj: Expr
    steps: tuple[Any, ...]  # ("attr", name) or ("index", Expr)


@dataclass(frozen=True, slots=True)
class Call(Expr):
    name: str
    args: tuple[Expr, ...]
    expand_last: bool = False


@dataclass(frozen=True, slots=True)
class Unary(Expr):
    op: str
    operand: Expr


@dataclass(frozen=True, slots=True)
class Binary(Expr):
    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class Conditional(Expr):
    condition: Expr
    then: Expr
    otherwise: Expr


@dataclass(frozen=True, slots=True)
class TupleExpr(Expr):
    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class ObjectExpr(Expr):
    items: tuple[tuple[Expr, Expr], ...]


@dataclass(frozen=True, slots=True)
class ForExpr(Expr):
    key_var: str | None
    value_var: str
    collection: Expr
    key: Expr | None  # None for a tuple ``for``
    value: Expr
    condition: Expr | None
    grouping: bool = False


@dataclass(frozen=True, slots=True)
class Unsupported(Expr):
    """Syntax the evaluator does not model (template directives): always unknown."""

    text: str


@dataclass(frozen=True, slots=True)
class TooLarge(Unsupported):
    """A number HCL holds but a Python value cannot (past a double's range, more digits than Python
    converts): always unknown, as a value too large to compute."""


@dataclass(frozen=True, slots=True)
class Attribute:
    name: str
    expr: Expr
    pos: Pos


@dataclass(frozen=True, slots=True)
class Block:
    type: str
    labels: tuple[str, ...]
    attributes: dict[str, Attribute]
    blocks: tuple[Block, ...]
    pos: Pos


@dataclass(frozen=True, slots=True)
class ParsedFile:
    display: str
    blocks: tuple[Block, ...]
    attributes: dict[str, Attribute]
    """Top-level attributes: only ``.tfvars`` files have them."""
    problems: tuple[tuple[Pos, str], ...] = ()
    """Things Terraform itself would reject but that do not stop the analysis (redefined attributes)."""


class SyntaxProblem(Exception):
    """The file is not valid HCL; carries where."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


# ---------------------------------------------------------------------------------------------
# Conversion from the raw Lark tree


_SPANS = Spans()
"""The tokens that start and end the nodes of the tree being converted (the parser does not
propagate positions: :mod:`analyzer.frontends.spans`); emptied after each file."""


def _pos(node: Tree | Token) -> Pos:
    if isinstance(node, Token):
        return Pos(node.line or 1, node.column or 1, node.end_line or node.line or 1,
                   node.end_column or node.column or 1)
    first = _SPANS.first(node)
    if first is None:  # a node without tokens (an empty body)
        return Pos(1, 1, 1, 1)
    last = _SPANS.last(node)
    assert last is not None  # a node with a first token has a last one
    return Pos(first.line, first.column, last.end_line, last.end_column)  # type: ignore[arg-type]  # set by the lexer


def _trees(node: Tree) -> list[Tree]:
    return [c for c in node.children if isinstance(c, Tree) and c.data != "new_line_or_comment"]


def _unquote_label(node: Tree | Token) -> str:
    if isinstance(node, Tree) and node.data == "string":
        # A label is a string literal: escapes are read, and a `${ }` or `%{ }` is an error (HashiCorp:
        # "Template sequences are not allowed in this string").
        out = ""
        for part in _trees(node):
            inner = part.children[0]
            if isinstance(inner, Tree):
                raise SyntaxProblem("a block label cannot hold a template sequence", *_start(inner))
            out += decode_string_chars(str(inner), inner.line or 1, inner.column or 1)
        return out
    if isinstance(node, Tree):
        return str(node.children[0])
    return str(node)


def convert(tree: Tree, display: str) -> ParsedFile:
    problems: list[tuple[Pos, str]] = []
    try:
        attributes, blocks = _body(tree.children[0], problems)
    finally:
        _SPANS.clear()
    return ParsedFile(display, blocks, attributes, tuple(problems))


def _body(body: Tree, problems: list[tuple[Pos, str]]) -> tuple[dict[str, Attribute], tuple[Block, ...]]:
    attributes: dict[str, Attribute] = {}
    blocks: list[Block] = []
    for item in _trees(body):
        if item.data == "attribute":
            name = _unquote_label(item.children[0])
            expr_node = item.children[-1]
            attribute = Attribute(name, _expr(expr_node), _pos(item))
            if name in attributes:
                # Terraform rejects a redefined attribute; python-hcl2's dict API silently keeps the
                # last one. Keep the first and say so, rather than analyse a value Terraform won't use.
                problems.append((attribute.pos, f'attribute "{name}" is defined more than once'))
                continue
            attributes[name] = attribute
        elif item.data == "block":
            blocks.append(_block(item, problems))
    return attributes, tuple(blocks)


def _block(node: Tree, problems: list[tuple[Pos, str]]) -> Block:
    head: list[Any] = []
    body: Tree | None = None
    for child in node.children:
        if isinstance(child, Tree) and child.data == "body":
            body = child
        elif isinstance(child, Tree) and child.data != "new_line_or_comment":
            head.append(child)
    block_type = _unquote_label(head[0])
    labels = tuple(_unquote_label(h) for h in head[1:])
    attributes, blocks = _body(body, problems) if body is not None else ({}, ())
    return Block(block_type, labels, attributes, blocks, _pos(node))


_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
_ESCAPE_RE = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)|\$\$\{|%%\{", re.S)


def decode_string_chars(text: str, line: int = 1, column: int = 1) -> str:
    """A quoted string's characters, escapes read. HCL has only ``\\n \\r \\t \\" \\\\``, ``\\uNNNN`` and
    ``\\UNNNNNNNN`` (of a character: not a surrogate, not past U+10FFFF), and ``$${``, ``%%{``; any
    other backslash is a syntax error, at ``column`` (where ``text`` starts) plus its offset."""

    def replace(match: re.Match[str]) -> str:
        whole = match.group(0)
        if whole == "$${":
            return "${"
        if whole == "%%{":
            return "%{"
        code = match.group(1)
        if code[0] in "uU" and len(code) > 1:
            point = int(code[1:], 16)
            if point <= 0x10FFFF and not 0xD800 <= point <= 0xDFFF:
                return chr(point)
        elif code in _ESCAPES:
            return _ESCAPES[code]
        raise SyntaxProblem(f"invalid escape sequence {whole!r}", line, column + match.start())

    return _ESCAPE_RE.sub(replace, text)


# What HCL's strip markers remove: Go's unicode.IsSpace (Python's str.isspace also counts \x1c-\x1f).
_STRIP_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" \
               "\u2028\u2029\u202f\u205f\u3000"


def _strip(parts: list[Any], strips: list[tuple[bool, bool]]) -> list[Any]:
    """Apply a quoted string's ``${~ ... ~}`` strip markers: ``~`` after ``${`` removes the whitespace
    before the interpolation, ``~`` before ``}`` the whitespace after it (the whole neighbouring
    literal; a heredoc's are applied line by line, :func:`_heredoc_parts`)."""
    out = list(parts)
    for index, (left, right) in enumerate(strips):
        if left and index > 0 and isinstance(out[index - 1], str):
            out[index - 1] = out[index - 1].rstrip(_STRIP_SPACE)
        if right and index + 1 < len(out) and isinstance(out[index + 1], str):
            out[index + 1] = out[index + 1].lstrip(_STRIP_SPACE)
    return out


def _interpolation(inner: Tree) -> tuple[Expr, bool, bool]:
    """An interpolation's expression, and whether it strips the whitespace before and after it."""
    markers = [i for i, c in enumerate(inner.children) if isinstance(c, Token) and c.type == "STRIP_MARKER"]
    at = next(i for i, c in enumerate(inner.children) if isinstance(c, Tree) and c.data != "new_line_or_comment")
    return _expr(inner.children[at]), any(m < at for m in markers), any(m > at for m in markers)


def _string(node: Tree) -> Expr:
    parts: list[Any] = []
    strips: list[tuple[bool, bool]] = []  # per part: (strip before, strip after)
    for part in node.children:
        if not isinstance(part, Tree):
            continue  # the quotes
        inner = part.children[0]
        if isinstance(inner, Token):
            text = decode_string_chars(str(inner), inner.line or 1, inner.column or 1)
            if parts and isinstance(parts[-1], str):
                parts[-1] += text
            else:
                parts.append(text)
                strips.append((False, False))
        elif inner.data == "interpolation":
            expr, left, right = _interpolation(inner)
            parts.append(expr)
            strips.append((left, right))
        else:
            # %{ if } / %{ for } directives: rare in infrastructure code, not modelled.
            _check_directives(node)
            return Unsupported(_pos(node), "template directive")
    if any(left or right for left, right in strips):
        parts = [p for p in _strip(parts, strips) if p != ""]
    return _template(_pos(node), parts)


_OPENS = {"template_if_start": "template_endif", "template_for_start": "template_endfor"}


def _check_directives(string: Tree) -> None:
    """A template's ``%{ if }``/``%{ else }``/``%{ endif }`` and ``%{ for }``/``%{ endfor }`` directives
    must nest (HashiCorp: "Unexpected end of template", "Unexpected else directive"...): raise at
    the first one that does not."""
    open_: list[tuple[str, bool]] = []  # the open directives: which, and whether an `else` was seen
    directive: Tree | None = None
    for part in _trees(string):
        directive = part.children[0] if isinstance(part.children[0], Tree) else None
        if directive is None or directive.data == "interpolation":
            continue
        kind = directive.data
        if kind in _OPENS:
            open_.append((kind, False))
        elif kind == "template_else" and open_ and open_[-1] == ("template_if_start", False):
            open_[-1] = ("template_if_start", True)
        elif open_ and _OPENS[open_[-1][0]] == kind:
            open_.pop()
        else:
            raise SyntaxProblem("unexpected template directive: the directives are unbalanced", *_start(directive))
    if open_:
        raise SyntaxProblem("unexpected end of template: a directive is not closed", *_start(string))


def _template(pos: Pos, parts: list[Any]) -> Expr:
    """A string's parts (texts and expressions) as a literal when they are one text, else a template."""
    if not parts:
        return Literal(pos, "")
    if len(parts) == 1 and isinstance(parts[0], str):
        return Literal(pos, parts[0])
    return Template(pos, tuple(parts))


def _heredoc(token: Token, pos: Pos) -> Expr:
    """A heredoc's value, as HashiCorp's parser reads it: the body is the lines between the header
    and the closing delimiter, each with its own line break (a CRLF stays one: `<<EOT\\r\\nhi\\r\\nEOT`
    is ``"hi\\r\\n"``); interpolations and strip markers as in :func:`_heredoc_parts`; ``<<-``
    removes the smallest indentation (:func:`_flush`)."""
    raw = str(token)
    lone_cr = re.search(r"\r(?!\n)", raw)
    if lone_cr:  # HCL: a carriage return is only part of a CRLF line break, in a heredoc too
        before = raw[:lone_cr.start()]
        line = (token.line or 1) + before.count("\n")
        column = len(before) - before.rfind("\n") if "\n" in before else (token.column or 1) + len(before)
        raise SyntaxProblem("unexpected character '\\r'", line, column)
    # The token ends with the closing delimiter's line, the header is the first: the body is between.
    body = raw[raw.index("\n") + 1:raw.rfind("\n") + 1]
    parts: list[Any]
    if "${" in body or "%{" in body:
        found = _heredoc_parts(body, pos, (token.line or pos.line) + 1)
        if isinstance(found, Expr):
            return found
        parts = found
    else:
        parts = [line + "\n" for line in body.split("\n")[:-1]]  # each line with its line break
    if raw.startswith("<<-"):
        _flush(parts)
    return template_of_parts(pos, parts)


def template_of_parts(pos: Pos, parts: list[Any]) -> Expr:
    """A template of texts and interpolations (:func:`_heredoc_parts`), neighbouring texts joined
    and empty ones dropped."""
    melded: list[Any] = []
    for part in parts:
        if isinstance(part, str) and melded and isinstance(melded[-1], str):
            melded[-1] += part
        elif part != "":
            melded.append(part)
    return _template(pos, melded)


def _flush(parts: list[Any]) -> None:
    """``<<-``: remove from each line the smallest indentation of the heredoc's lines, in place, as
    HCL's ``flushHeredocTemplateParts`` does: ``parts`` are its tokens (a text is a line, or the part
    of one before or after an interpolation), after strip markers. A line is one where the previous
    text ends with a line break; one that is only spaces is left as it is and does not count, one that
    starts with an interpolation counts as no indentation."""
    smallest = None
    line_start = True
    adjust: list[int] = []
    for index, part in enumerate(parts):
        if line_start:
            line_start = False
            if isinstance(part, str):
                rest = part.lstrip(_STRIP_SPACE)
                if rest or not part.endswith("\n"):
                    adjust.append(index)
                    spaces = len(part) - len(rest)
                    smallest = spaces if smallest is None else min(smallest, spaces)
            else:
                smallest = 0
        if isinstance(part, str) and part.endswith("\n"):
            line_start = True
    for index in adjust:
        parts[index] = parts[index][smallest:]


def _template_sequence_end(text: str, start: int) -> int:
    """Where the ``${ ... }`` or ``%{ ... }`` that opens at ``start`` ends (after its ``}``), skipping
    nested braces and quoted strings (with their own sequences); the text's end when it is not closed."""
    depth, at = 0, start + 2
    while at < len(text):
        char = text[at]
        if char == "{":
            depth += 1
        elif char == "}":
            if depth == 0:
                return at + 1
            depth -= 1
        elif char == '"':
            at += 1
            while at < len(text) and text[at] not in '"\n':
                if text[at] == "\\":
                    at += 1
                elif text.startswith(("${", "%{"), at):
                    at = _template_sequence_end(text, at) - 1
                at += 1
        at += 1
    return len(text)


def _heredoc_quoted(text: str) -> tuple[str, list[int]]:
    """The heredoc's ``text`` as the inside of a quoted string, with the offset in ``text`` of each of its
    characters: literal text is escaped (heredocs have no escapes; a quoted string is one line), while
    ``${ }`` and ``%{ }`` sequences stay as they are (an interpolation may span lines)."""
    out: list[str] = []
    where: list[int] = []
    at = 0
    while at < len(text):
        if text.startswith(("$${", "%%{"), at):
            out.append(text[at:at + 3])
            where.extend((at, at + 1, at + 2))
            at += 3
        elif text.startswith(("${", "%{"), at):
            end = _template_sequence_end(text, at)
            out.append(text[at:end])
            where.extend(range(at, end))
            at = end
        else:
            char = text[at]
            escaped = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"}.get(char, char)
            out.append(escaped)
            where.extend([at] * len(escaped))
            at += 1
    return "".join(out), where


_HEREDOC_PREFIX = 'x = "'
_TEMPLATE_MARK = re.compile("[$%]")


def _body_positions(source: str, where: list[int], body: str, first_line: int) -> Callable[[Pos], Pos]:
    """Moves a position in the re-read ``source`` (one line: ``x = "..."``) to where its characters
    are in the heredoc ``body`` (whose first line is ``first_line``), so a finding on an interpolated
    value points at the file's line and column."""
    starts = [0] + [i + 1 for i, char in enumerate(source) if char == "\n"]
    prefix = len(_HEREDOC_PREFIX)

    def place(offset: int) -> tuple[int, int]:
        before = body[:offset]
        return first_line + before.count("\n"), offset - (before.rfind("\n") + 1) + 1

    def moved(p: Pos) -> Pos:
        start = starts[p.line - 1] + p.column - 1 - prefix
        end = starts[p.end_line - 1] + p.end_column - 1 - prefix
        if not (0 <= start < len(where) and 0 < end <= len(where)):
            return p
        return Pos(*place(where[start]), *place(where[end - 1] + 1))

    return moved


def with_positions(node: Any, move: Callable[[Pos], Pos]) -> Any:
    """``node`` (an expression, a tuple of them) with each node's ``pos`` replaced by ``move(pos)``:
    for an expression re-read from other text (a heredoc's body, a ``.tf.json`` string) whose
    positions are that text's."""
    if isinstance(node, tuple):
        return tuple(with_positions(item, move) for item in node)
    if not is_dataclass(node) or isinstance(node, type):
        return node
    changes = {f.name: with_positions(getattr(node, f.name), move) for f in fields(node) if f.name != "pos"}
    if any(f.name == "pos" for f in fields(node)):
        changes["pos"] = move(node.pos)  # type: ignore[attr-defined]
    return replace(node, **changes)


def _heredoc_parts(body: str, pos: Pos, first_line: int) -> list[Any] | Expr:
    """A heredoc body with interpolations as HCL's tokens: each line's texts (split at each ``${ }``,
    escapes ``$${`` and ``%%{`` read) and the interpolations' expressions, strip markers applied
    (``~`` strips only the text token next to it: a heredoc's reach the nearest line break). The
    interpolations are read by re-reading the body as a quoted string (:func:`_heredoc_quoted`); one
    that does not parse is a syntax error, reported where in the heredoc (``first_line`` is the line
    of the body's first line). A template directive is not modelled: the heredoc is unknown."""
    from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

    from fleetiac.analyzer.frontends.grammars import hcl2_tree as parses_to_tree  # a writable grammar cache

    quoted, where = _heredoc_quoted(body)
    source = f'{_HEREDOC_PREFIX}{quoted}"\n'
    try:
        tree = parses_to_tree(source)
    except RecursionError:  # nested too deep to read: the value is not known
        return Unsupported(pos, "heredoc")
    except UnexpectedInput as error:
        offset: int | None = None
        shown = "end of heredoc"
        if isinstance(error, UnexpectedToken) and error.token.type != "$END":
            offset, shown = error.token.start_pos, repr(str(error.token)[:40])
        elif isinstance(error, UnexpectedCharacters):
            offset = error.pos_in_stream
            shown = f"character {source[offset]!r}" if offset is not None and offset < len(source) else shown
        inside = (offset or 0) - len(_HEREDOC_PREFIX)
        at = where[inside] if offset is not None and 0 <= inside < len(where) else len(body.rstrip("\r\n"))
        before = body[:at]
        raise SyntaxProblem(f"unexpected {shown} in a heredoc's template", first_line + before.count("\n"),
                            at - (before.rfind("\n") + 1) + 1) from None
    string = _trees(_trees(tree.children[0])[0].children[-1])[0]
    interpolations: list[tuple[Expr, bool, bool]] = []
    move: Callable[[Pos], Pos] | None = None  # made once, for the first interpolation
    try:
        for part in _trees(string):
            inner = part.children[0]
            if isinstance(inner, Tree):
                if inner.data != "interpolation":
                    _check_directives(string)
                    return Unsupported(pos, "heredoc")  # %{ if } / %{ for }
                expr, left, right = _interpolation(inner)
                move = move or _body_positions(source, where, body, first_line)
                interpolations.append((with_positions(expr, move), left, right))
    except SyntaxProblem as problem:  # where in the heredoc is not known: the heredoc is the place
        raise SyntaxProblem(problem.message, pos.line, pos.column) from None
    parts: list[Any] = []
    text = ""
    at = 0
    while at < len(body):
        if body.startswith(("$${", "%%{"), at):
            text += body[at + 1:at + 3]
            at += 3
        elif body.startswith("${", at):
            if text:
                parts.append(text)
            text = ""
            parts.append(None)
            at = _template_sequence_end(body, at)
        else:
            end = body.find("\n", at) + 1 or len(body)
            mark = _TEMPLATE_MARK.search(body, at, end)
            cut = max(mark.start() if mark else end, at + 1)  # a `$` or `%` that starts nothing is text
            text += body[at:cut]
            at = cut
            if text.endswith("\n"):
                parts.append(text)
                text = ""
    if text:
        parts.append(text)
    if parts.count(None) != len(interpolations):  # the two readings differ: not known
        return Unsupported(pos, "heredoc")
    found = iter(interpolations)
    strip_next = False
    for index, part in enumerate(parts):
        if part is None:
            expr, left, right = next(found)
            if left and index > 0 and isinstance(parts[index - 1], str):
                parts[index - 1] = parts[index - 1].rstrip(_STRIP_SPACE)
            parts[index] = expr
            strip_next = right
        else:
            if strip_next:
                parts[index] = part.lstrip(_STRIP_SPACE)
            strip_next = False
    return parts


_BINARY = {"binary_op"}


_NUMBER_BITS = 512
"""HCL reads a number literal as a binary float of 512 bits' precision (Go's big.Float)."""


def round_number(value: int) -> int:
    """``value`` as HCL holds it: integers wider than 512 bits lose their low bits (to nearest, ties
    to even), as Go's ``big.Float`` rounds them."""
    magnitude = abs(value)
    extra = magnitude.bit_length() - _NUMBER_BITS
    if extra <= 0:
        return value
    kept, rest = magnitude >> extra, magnitude & ((1 << extra) - 1)
    half = 1 << (extra - 1)
    if rest > half or (rest == half and kept & 1):
        kept += 1
    return (kept << extra) * (1 if value >= 0 else -1)


def _int(pos: Pos, digits: str) -> Expr:
    """An integer literal; one longer than Python converts (``sys.get_int_max_str_digits``, 4,300
    digits) is not known."""
    try:
        return Literal(pos, round_number(int(digits)))
    except ValueError:
        return TooLarge(pos, digits[:40] + "...")


def _float(pos: Pos, text: str) -> Expr:
    """A float literal. Past a double's range (``1e400``, ``1e-400``) HCL still has the number but a
    Python float has not (inf, 0.0): not known, rather than a wrong value."""
    value = float(text)
    mantissa = text.lower().split("e")[0]
    if math.isinf(value) or (value == 0 and mantissa.strip("-0.") != ""):
        return TooLarge(pos, text[:40])
    return Literal(pos, value)


def _check_separators(node: Tree) -> None:
    """HCL separates an object's items with a comma right after the item, or a newline: raise where
    one is missing (``{ a = 1 b = 2 }``) or the comma begins the next line. The grammar accepts both,
    because its lexer reads the token after a newline in the state before it, which must therefore
    accept what begins an item; so the check is here."""
    previous = ""
    for child in node.children:
        if isinstance(child, Tree):
            kind = "newline" if child.data == "new_line_or_comment" else "item"
            if kind == "item" and previous == "item":
                raise SyntaxProblem("missing a comma or newline between object items", *_start(child))
        elif child.type == "COMMA":
            if previous == "newline":
                raise SyntaxProblem("unexpected ','", child.line or 1, child.column or 1)
            kind = "comma"
        else:
            kind = "brace"
        previous = kind


def _check_not_for(items: list[Tree]) -> None:
    """HCL reads ``{`` followed by the word ``for`` as a ``for`` expression, always: an object whose
    first key is a bare ``for`` (``{ for = 1 }``) is an invalid one, reported at the token after it
    (``{ "for" = 1 }`` and ``{ a = 1, for = 2 }`` are objects)."""
    if not items:
        return
    key = _trees(items[0])[0]
    if not (_trees(key) and _trees(key)[0].data == "keyword" and str(_trees(key)[0].children[0]) == "for"):
        return
    after = next(c for c in items[0].children if isinstance(c, Token))  # the `=` or `:`
    text = str(after)
    raise SyntaxProblem("a 'for' expression needs a variable name after 'for'", after.line or 1,
                        (after.column or 1) + len(text) - len(text.lstrip(" \t")))


def _start(node: Tree) -> tuple[int, int]:
    pos = _pos(node)
    return pos.line, pos.column


def _expr(node: Tree | Token) -> Expr:
    if isinstance(node, Token):
        return Unsupported(_pos(node), str(node))
    kind = node.data
    children = _trees(node)
    if kind == "expr_term":  # a term, or `(expression)`: the expression either way
        return _expr(children[0])
    pos = _pos(node)
    if kind == "identifier":
        return Name(pos, str(node.children[0]))
    if kind == "literal_value":
        text = str(node.children[0])
        return Literal(pos, {"true": True, "false": False, "null": None}[text])
    if kind == "int_lit":
        return _int(pos, str(node.children[0]))
    if kind == "float_lit":
        return _float(pos, str(node.children[0]))
    if kind == "string":
        return _string(node)
    if kind in ("heredoc_template", "heredoc_template_trim"):
        token = node.children[0]
        assert isinstance(token, Token)  # the grammar's heredoc rules hold one terminal
        return _heredoc(token, pos)
    if kind == "template_string":
        return Unsupported(pos, str(node.children[0]))
    if kind == "conditional":
        return Conditional(pos, _expr(children[0]), _expr(children[1]), _expr(children[2]))
    if kind in _BINARY:
        left = _expr(children[0])
        term = children[1]
        term_children = _trees(term)
        op = str(term_children[0].children[0])
        return Binary(pos, op, left, _expr(term_children[1]))
    if kind == "unary_op":
        op = str(node.children[0])
        operand = _expr(children[0])
        if op == "-" and isinstance(operand, Literal) and isinstance(operand.value, (int, float)) \
                and not isinstance(operand.value, bool):
            return Literal(pos, -operand.value)
        return Unary(pos, op, operand)
    if kind == "tuple":
        return TupleExpr(pos, tuple(_expr(c) for c in children))
    if kind == "object":
        _check_separators(node)
        _check_not_for(children)
        items = []
        for elem in children:
            key_node, value_node = _trees(elem)[0], _trees(elem)[-1]
            key_inner = _trees(key_node)[0] if _trees(key_node) else key_node
            key = _expr(key_inner)
            parenthesized = isinstance(key_inner, Tree) and key_inner.data == "expr_term" and any(
                isinstance(t, Token) and t.type == "LPAR" for t in key_inner.children)
            if isinstance(key, Name) and not parenthesized:
                # A bare key is a literal name, not a reference (``{ group = "a" }``); `(group)` is one.
                key = Literal(key.pos, key.name)
            items.append((key, _expr(value_node)))
        return ObjectExpr(pos, tuple(items))
    if kind == "keyword":
        return Name(pos, str(node.children[0]))
    if kind == "function_call":
        names = [str(c.children[0]) for c in node.children if isinstance(c, Tree) and c.data == "identifier"]
        args_node = next((c for c in children if c.data == "arguments"), None)
        args: tuple[Expr, ...] = ()
        expand = False
        if args_node is not None:
            args = tuple(_expr(a) for a in _trees(args_node))
            expand = any(isinstance(t, Token) and t.type == "ELLIPSIS" for t in args_node.children)
        return Call(pos, "::".join(names), args, expand)
    if kind == "get_attr_expr_term":
        obj = _expr(children[0])
        attr = _trees(children[1])[0]
        return GetAttr(pos, obj, str(attr.children[0]))
    if kind == "index_expr_term":
        obj = _expr(children[0])
        index = children[1]
        if index.data == "short_index":
            token = next(t for t in index.children if isinstance(t, Token) and t.type == "INT_LITERAL")
            return Index(pos, obj, _int(_pos(token), str(token)))
        return Index(pos, obj, _expr(_trees(index)[0]))
    if kind in ("attr_splat_expr_term", "full_splat_expr_term"):
        obj = _expr(children[0])
        steps: list[Any] = []
        for step in _trees(children[1]):
            if step.data == "get_attr":
                steps.append(("attr", str(_trees(step)[0].children[0])))
            elif step.data == "short_index":
                token = next(t for t in step.children if isinstance(t, Token) and t.type == "INT_LITERAL")
                steps.append(("index", _int(_pos(token), str(token))))
            else:
                steps.append(("index", _expr(_trees(step)[0])))
        return Splat(pos, obj, tuple(steps))
    if kind in ("for_tuple_expr", "for_object_expr"):
        intro = next(c for c in children if c.data == "for_intro")
        names = [str(c.children[0]) for c in _trees(intro) if c.data == "identifier"]
        collection = _expr(next(c for c in _trees(intro) if c.data != "identifier"))
        key_var, value_var = (names[0], names[1]) if len(names) == 2 else (None, names[0])
        rest = [c for c in children if c.data not in ("for_intro", "for_cond")]
        cond_node = next((c for c in children if c.data == "for_cond"), None)
        condition = _expr(_trees(cond_node)[0]) if cond_node is not None else None
        if kind == "for_tuple_expr":
            return ForExpr(pos, key_var, value_var, collection, None, _expr(rest[0]), condition)
        grouping = any(isinstance(t, Token) and t.type == "ELLIPSIS" for t in node.children)
        return ForExpr(pos, key_var, value_var, collection, _expr(rest[0]), _expr(rest[1]), condition,
                       grouping)
    return Unsupported(pos, kind)


# ---------------------------------------------------------------------------------------------
# Canonical text, for unknown values and messages


def render(expr: Expr) -> str:
    """The expression as canonical HCL text (spacing normalised), used to compare unknown values."""
    if isinstance(expr, Literal):
        value = expr.value
        if isinstance(value, str):
            return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
        if value is None:
            return "null"
        if isinstance(value, bool):
            return "true" if value else "false"
        return repr(value)
    if isinstance(expr, Name):
        return expr.name
    if isinstance(expr, GetAttr):
        return f"{render(expr.obj)}.{expr.name}"
    if isinstance(expr, Index):
        return f"{render(expr.obj)}[{render(expr.key)}]"
    if isinstance(expr, Splat):
        out = render(expr.obj) + "[*]"
        for kind, step in expr.steps:
            out += f".{step}" if kind == "attr" else f"[{render(step)}]"
        return out
    if isinstance(expr, Template):
        out = ""
        for part in expr.parts:
            out += part.replace('"', '\\"') if isinstance(part, str) else "${" + render(part) + "}"
        return f'"{out}"'
    if isinstance(expr, Call):
        args = ", ".join(render(a) for a in expr.args)
        return f"{expr.name}({args}{'...' if expr.expand_last else ''})"
    if isinstance(expr, Unary):
        return f"{expr.op}{render(expr.operand)}"
    if isinstance(expr, Binary):
        return f"{render(expr.left)} {expr.op} {render(expr.right)}"
    if isinstance(expr, Conditional):
        return f"{render(expr.condition)} ? {render(expr.then)} : {render(expr.otherwise)}"
    if isinstance(expr, TupleExpr):
        return "[" + ", ".join(render(i) for i in expr.items) + "]"
    if isinstance(expr, ObjectExpr):
        return "{" + ", ".join(f"{render(k)} = {render(v)}" for k, v in expr.items) + "}"
    if isinstance(expr, ForExpr):
        names = f"{expr.key_var}, {expr.value_var}" if expr.key_var else expr.value_var
        cond = f" if {render(expr.condition)}" if expr.condition is not None else ""
        if expr.key is None:
            return f"[for {names} in {render(expr.collection)} : {render(expr.value)}{cond}]"
        return f"{{for {names} in {render(expr.collection)} : {render(expr.key)} => {render(expr.value)}{cond}}}"
    if isinstance(expr, Unsupported):
        return f"<{expr.text}>"
    return "<expr>"


# ---------------------------------------------------------------------------------------------
# Parsing a file


def parse_text(text: str, display: str) -> ParsedFile:
    """Parse Terraform source; raises :class:`SyntaxProblem` with a position when it is not HCL."""
    from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

    from fleetiac.analyzer.frontends.grammars import hcl2_tree as parses_to_tree  # a writable grammar cache

    try:
        tree = parses_to_tree(text)
    except UnexpectedToken as error:
        token = error.token
        text = str(token)
        # A token can be megabytes long (a run of operators, a huge string): the message shows its start.
        shown = "end of file" if token.type == "$END" else repr(text if len(text) <= 40 else text[:40] + "...")
        if token.type == "NL_OR_COMMENT":  # a newline (with what comments end at it) where none may be
            shown = "newline"
        raise SyntaxProblem(f"unexpected {shown}", error.line or 1, error.column or 1) from None
    except UnexpectedCharacters as error:
        at = error.pos_in_stream
        char = text[at] if at is not None and at < len(text) else ""
        raise SyntaxProblem(f"unexpected character {char!r}", error.line, error.column) from None
    except UnexpectedEOF:
        lines = text.split("\n")
        raise SyntaxProblem("unexpected end of file", len(lines), len(lines[-1]) + 1) from None
    except UnexpectedInput as error:
        raise SyntaxProblem("invalid syntax", getattr(error, "line", 1) or 1,
                            getattr(error, "column", 1) or 1) from None
    if not text.endswith("\n") and "<<" in text:
        # The parser sees the file with a line break added: a heredoc whose closing delimiter is the
        # file's last line, with no line break after it, is not closed (HashiCorp: "Unterminated
        # template string", at the end of the file).
        last_line = text.rfind("\n") + 1
        for token in tree.scan_values(lambda v: isinstance(v, Token) and v.type.startswith("HEREDOC_TEMPLATE")):
            if token.end_pos is not None and token.end_pos > last_line:
                raise SyntaxProblem("unterminated heredoc: no line break after its closing delimiter",
                                    text.count("\n") + 1, len(text) - last_line + 1)
    return convert(tree, display)
