"""A small, plain-data syntax tree for Bicep files.

Everything here is frozen dataclasses of strings, numbers and tuples, so a parsed file can be pickled
(worker processes, caches) and never holds a Lark tree. Every expression node carries the 1-based
line and column where it starts in its file, because findings must point at the text a user edits.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Lit:
    """A literal whose value needs no evaluation: a plain string, an integer, a bool or null."""

    line: int
    col: int
    value: str | int | bool | None


@dataclass(frozen=True, slots=True)
class Interp:
    """A string with ``${...}`` holes: literal text and expressions, in order."""

    line: int
    col: int
    parts: tuple[str | Expr, ...]


@dataclass(frozen=True, slots=True)
class Ident:
    """A bare name: a param, var, resource, module, loop variable or output."""

    line: int
    col: int
    name: str


@dataclass(frozen=True, slots=True)
class Member:
    line: int
    col: int
    obj: Expr
    name: str
    safe: bool = False


@dataclass(frozen=True, slots=True)
class Index:
    line: int
    col: int
    obj: Expr
    index: Expr
    safe: bool = False
    from_end: bool = False
    """``x[^1]``: the index counts from the end."""


@dataclass(frozen=True, slots=True)
class Call:
    """A function call; ``name`` has no ``sys.``/``az.`` namespace."""

    line: int
    col: int
    name: str
    args: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class MethodCall:
    """``x.listKeys(...)`` and the like: only ever unknown, but kept for its canonical text."""

    line: int
    col: int
    obj: Expr
    name: str
    args: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Unary:
    line: int
    col: int
    op: str
    operand: Expr


@dataclass(frozen=True, slots=True)
class Binary:
    line: int
    col: int
    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class Ternary:
    line: int
    col: int
    cond: Expr
    then: Expr
    other: Expr


@dataclass(frozen=True, slots=True)
class Array:
    line: int
    col: int
    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Pair:
    """``key: value``; ``key`` is the decoded key (quoted keys lose their quotes)."""

    line: int
    col: int
    key: str | Expr
    value: Expr


@dataclass(frozen=True, slots=True)
class Obj:
    """An object literal. Nested ``resource`` declarations in a resource body are kept apart."""

    line: int
    col: int
    pairs: tuple[Pair | Spread, ...]
    resources: tuple[ResourceDecl, ...] = ()


@dataclass(frozen=True, slots=True)
class For:
    """``[for (item, index) in iterable: if(filter) body]``."""

    line: int
    col: int
    item: str
    index: str | None
    iterable: Expr
    filter: Expr | None
    body: Expr


@dataclass(frozen=True, slots=True)
class IfBody:
    """A conditional declaration body: ``if (cond) { ... }``."""

    line: int
    col: int
    cond: Expr
    body: Expr


@dataclass(frozen=True, slots=True)
class Spread:
    """``...value`` in an array (its items) or an object (its properties)."""

    line: int
    col: int
    value: Expr

    @property
    def key(self) -> None:
        """A spread has no key: code looking for a property by name passes over it."""
        return None


@dataclass(frozen=True, slots=True)
class Lambda:
    """``x => body``, ``(a, b) => body``: the parameter names and the body."""

    line: int
    col: int
    params: tuple[str, ...]
    body: Expr


@dataclass(frozen=True, slots=True)
class Opaque:
    """Syntax the evaluator does not model (``a::b``): always unknown, with its source text."""

    line: int
    col: int
    text: str


Expr = (
    Lit | Interp | Ident | Member | Index | Call | MethodCall | Unary | Binary | Ternary | Array | Obj | For
    | IfBody | Spread | Lambda | Opaque
)


@dataclass(frozen=True, slots=True)
class ResourceDecl:
    symbol: str
    type: str
    """The type as written, with its ``@api-version`` (relative for a nested child)."""
    existing: bool
    body: Expr
    line: int
    col: int


@dataclass(frozen=True, slots=True)
class ModuleDecl:
    symbol: str
    path: str
    body: Expr
    line: int
    col: int


@dataclass(frozen=True, slots=True)
class Decl:
    """A param, var or output: a name and its value (None for a param without default)."""

    name: str
    value: Expr | None
    line: int
    col: int
    resource_type: str | None = None
    """For a resource-typed param or output (``param p resource 'T@v'``), the type as written."""


@dataclass(frozen=True, slots=True)
class FuncDecl:
    """A user-defined function: ``func name(a string, b int) string => body``."""

    name: str
    params: tuple[str, ...]
    body: Expr
    line: int
    col: int


@dataclass(frozen=True, slots=True)
class ImportDecl:
    """``import {a, b as c} from 'path'`` (``names``: (name, alias) pairs) or ``import * as x from 'path'``
    (``wildcard``: the alias); a legacy extension import (``import 'az@1.0.0'``) has neither."""

    path: str
    names: tuple[tuple[str, str], ...]
    wildcard: str | None
    line: int
    col: int


@dataclass(slots=True)
class ParsedBicep:
    """One ``.bicep`` file's declarations, in source order."""

    path: str
    target_scope: str = "resourceGroup"
    params: dict[str, Decl] = field(default_factory=dict)
    vars: dict[str, Decl] = field(default_factory=dict)
    outputs: dict[str, Decl] = field(default_factory=dict)
    resources: list[ResourceDecl] = field(default_factory=list)
    modules: list[ModuleDecl] = field(default_factory=list)
    functions: dict[str, FuncDecl] = field(default_factory=dict)
    imports: list[ImportDecl] = field(default_factory=list)


@dataclass(slots=True)
class ParsedParams:
    """One ``.bicepparam`` file: the template it is ``using`` and the values it assigns."""

    path: str
    using: str | None
    using_line: int = 1
    params: dict[str, Decl] = field(default_factory=dict)
    vars: dict[str, Decl] = field(default_factory=dict)
    extends: str | None = None
    """The base parameter file this one ``extends``, as written."""
    imports: list[ImportDecl] = field(default_factory=list)


def quote(text: str) -> str:
    """``text`` as a Bicep single-quoted string literal."""
    escaped = (
        text.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n").replace("\r", "\\r")
        .replace("\t", "\\t").replace("${", "\\${")
    )
    return f"'{escaped}'"


def render(expr: Expr) -> str:
    """Canonical source text of an expression: independent of spacing, comments and line breaks, so
    the same expression written twice gives the same text (principals are compared by it)."""
    if isinstance(expr, Lit):
        if isinstance(expr.value, bool):
            return "true" if expr.value else "false"
        if expr.value is None:
            return "null"
        if isinstance(expr.value, str):
            return quote(expr.value)
        return str(expr.value)
    if isinstance(expr, Interp):
        out = []
        for part in expr.parts:
            out.append(quote(part)[1:-1] if isinstance(part, str) else "${" + render(part) + "}")
        return "'" + "".join(out) + "'"
    if isinstance(expr, Ident):
        return expr.name
    if isinstance(expr, Member):
        return f"{_operand(expr.obj, 10)}{'.?' if expr.safe else '.'}{expr.name}"
    if isinstance(expr, Index):
        return f"{_operand(expr.obj, 10)}[{'?' if expr.safe else ''}{'^' if expr.from_end else ''}{render(expr.index)}]"
    if isinstance(expr, Call):
        return f"{expr.name}({', '.join(render(a) for a in expr.args)})"
    if isinstance(expr, MethodCall):
        return f"{_operand(expr.obj, 10)}.{expr.name}({', '.join(render(a) for a in expr.args)})"
    if isinstance(expr, Unary):
        return f"{expr.op}{_operand(expr.operand, 9)}"
    if isinstance(expr, Binary):
        bp = BINARY_PRECEDENCE[expr.op]
        return f"{_operand(expr.left, bp)} {expr.op} {_operand(expr.right, bp + 1)}"
    if isinstance(expr, Ternary):
        return f"{_operand(expr.cond, 2)} ? {render(expr.then)} : {render(expr.other)}"
    if isinstance(expr, Array):
        return "[" + ", ".join(render(i) for i in expr.items) + "]"
    if isinstance(expr, Obj):
        pairs = ", ".join(
            render(p) if isinstance(p, Spread) else
            f"{p.key if isinstance(p.key, str) and _is_name(p.key) else _key_text(p.key)}: {render(p.value)}"
            for p in expr.pairs
        )
        return "{" + pairs + "}"
    if isinstance(expr, Spread):
        return f"...{render(expr.value)}"
    if isinstance(expr, Lambda):
        head = expr.params[0] if len(expr.params) == 1 else f"({', '.join(expr.params)})"
        return f"{head} => {render(expr.body)}"
    if isinstance(expr, For):
        head = expr.item if expr.index is None else f"({expr.item}, {expr.index})"
        cond = f"if ({render(expr.filter)}) " if expr.filter is not None else ""
        return f"[for {head} in {render(expr.iterable)}: {cond}{render(expr.body)}]"
    if isinstance(expr, IfBody):
        return f"if ({render(expr.cond)}) {render(expr.body)}"
    return expr.text


def _key_text(key: str | Expr) -> str:
    return quote(key) if isinstance(key, str) else render(key)


def _is_name(text: str) -> bool:
    return text.isidentifier()


def _operand(expr: Expr, min_bp: int) -> str:
    """Render ``expr`` as an operand, parenthesized when it binds more loosely than its position."""
    text = render(expr)
    if isinstance(expr, Binary) and BINARY_PRECEDENCE[expr.op] < min_bp:
        return f"({text})"
    if isinstance(expr, Ternary) or (isinstance(expr, Unary) and min_bp > 9):
        return f"({text})"
    return text


# Bicep precedence, loosest first (ternary is 1, handled on its own); higher binds tighter.
BINARY_PRECEDENCE: dict[str, int] = {
    "??": 2,
    "||": 3,
    "&&": 4,
    "==": 5, "!=": 5, "=~": 5, "!~": 5,
    "<": 6, "<=": 6, ">": 6, ">=": 6,
    "+": 7, "-": 7,
    "*": 8, "/": 8, "%": 8,
}
UNARY_PRECEDENCE = 9
