"""A faster driver for fleetiac's two Lark LALR parsers: the same lexer states, parse table and tree
callbacks, run by one loop.

Lark's own loop costs most of a parse in bookkeeping around the regular expressions: a generator per
layer (contextual lexer, post-lexer connector, parser), a line counter object fed per token, a
keyword-argument ``Token`` constructor, and each reduction's callback looked up by a ``Rule`` whose
``__eq__`` is Python code. :class:`FastParser` reads everything it needs from a built (or loaded)
:class:`lark.Lark` once: each parser state's scanner (Lark's own compiled alternation of the
terminals that state accepts, with its keyword callbacks), the newline and ignored terminals, the
parse table renumbered as ints, and the shape of Lark's callback of each rule. It then lexes and
parses in a single function, making the same tokens (type, value, the eight positions) and the same
nodes in the same order (a plain tree and a filtered one inline, a filter with ``None`` placeholders
or a rule that keeps a lone child as :class:`_Node` makes them, exactly as Lark's callbacks do), so
the tree is the one ``Lark.parse`` returns.

Only the successful parse is done here. Any exception on the way (a character no terminal matches,
an unexpected token, anything this module does not expect) is answered by running ``Lark.parse``
itself on the same text, so every error is Lark's own, with Lark's message and position; only
:class:`~analyzer.frontends.sources.ParseTimeout` (the file's time budget) passes through, since
running the slow parser again would only spend more time. A parser laid out in a way this module
does not know (a terminal callback, a lexer other than the contextual one, a post-lexer other than
fleetiac's) is refused at construction: :func:`fast_parser` then returns None and Lark serves.

All the driver reads can be kept as plain data (:meth:`FastParser.portable`: dicts, tuples, strings,
ints, what ``marshal`` writes) and the driver made again from it (:func:`portable_parser`) without
the Lark object, which costs a scan several times as long to load; the scanners' patterns are then
compiled on first use, as Lark compiles them. Such a driver asks for the Lark object only when the
fast loop fails, for Lark's error. Data that is not laid out exactly as :meth:`portable` writes it
is refused.

tests/test_fastlalr.py compares the two on every fixture, the examples and randomly generated input.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import chain
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lark import Lark, Tree

_SHIFT_LIMIT = 1 << 30
"""Codes at or above it are reductions (``_SHIFT_LIMIT + rule number``); below it, shifts to a state."""


_KEEP, _TREE, _FILTER, _BUILT = 0, 1, 2, 3
"""How a rule's node is made. In a rule's spec (:func:`_spec`): its one child kept as it is; a tree
(or the lone child, with ``single``); a tree (or lone child) of the children a filter keeps, inlines
or adds ``None`` placeholders to. In the loop, the first three are made inline (a filter without
placeholders or ``single``), and every other rule is ``_BUILT`` by a function of its children
(:class:`_Node`, or Lark's own callback of a shape :func:`_spec` does not know)."""

_SKIPPING, _KEEPING, _CLOSING, _INSIDE = 1, 2, 3, 4
"""What a token does to the HCL post-lexer's brackets: opens one inside which newlines are dropped,
opens one where they are kept, closes one, or (``FOR`` right after ``{``) makes the innermost one drop
them."""

_PORTABLE = frozenset({"start", "end", "actions", "gotos", "rules", "terminals", "lexers", "lexer_of", "brackets",
                       "regex"})
"""The keys of :meth:`FastParser.portable`'s data."""

_REGEX_MODULES = ("re", "regex")
"""The modules a portable driver's patterns may be compiled with (Lark's ``regex`` option)."""

_Lexer = tuple[tuple[Any, ...], frozenset[str], frozenset[str], dict[str, dict[str, str]]]
"""A state's scanner as the loop reads it: compiled alternations, newline and ignored terminals,
keyword tables (:func:`_keywords`)."""


class _Refused(Exception):
    """A Lark parser, or a portable driver's data, laid out in a way this module does not drive."""


class FastParser:
    """``lark_parser.parse(text)``, the same tree, faster (see the module doc)."""

    def __init__(self, lark_parser: Lark) -> None:
        from lark import Tree
        from lark.lexer import BasicLexer, ContextualLexer, PatternStr, UnlessCallback
        from lark.parser_frontends import PostLexConnector
        from lark.parsers.lalr_analysis import Reduce, Shift

        self.lark: Lark | None = lark_parser
        self._load: Callable[[], Lark] = lambda: lark_parser
        self._data: dict[str, Any] | None = None
        frontend = lark_parser.parser
        lexer: Any = frontend.lexer
        brackets: Any = None
        if type(lexer) is PostLexConnector:
            brackets = getattr(lexer.postlexer, "BRACKETS", None)
            if brackets is None:
                raise _Refused("a post-lexer other than fleetiac's HCL newlines")
            lexer = lexer.lexer
        if type(lexer) is not ContextualLexer:
            raise _Refused("not Lark's contextual lexer")
        options = lark_parser.options
        if options.lexer_callbacks or options.transformer is not None or options.use_bytes \
                or options.propagate_positions or options.tree_class not in (None, Tree):
            raise _Refused("options this driver does not follow")
        lalr = frontend.parser
        parser = lalr.parser
        callbacks = parser.callbacks
        if any(isinstance(key, str) for key in callbacks):
            raise _Refused("terminal callbacks")
        table = parser.parse_table
        starts = frontend.parser_conf.start
        if len(starts) != 1:
            raise _Refused("more than one start symbol")
        rules: list[Any] = []
        rule_number: dict[int, int] = {}
        actions: dict[int, dict[str, int]] = {}
        gotos: dict[int, dict[str, int]] = {}
        for state, row in table.states.items():
            acts: dict[str, int] = {}
            goto: dict[str, int] = {}
            for symbol, (action, arg) in row.items():
                if action is Shift:
                    if type(arg) is not int or arg >= _SHIFT_LIMIT:
                        raise _Refused("a shift to a state that is no small int")
                    if symbol.isupper() or symbol == "$END":
                        acts[symbol] = arg
                    else:
                        goto[symbol] = arg
                elif action is Reduce:
                    number = rule_number.get(id(arg))
                    if number is None:
                        number = rule_number[id(arg)] = len(rules)
                        rules.append(arg)
                    if not (symbol.isupper() or symbol == "$END"):
                        raise _Refused("a reduction on a nonterminal")
                    acts[symbol] = _SHIFT_LIMIT + number
                else:
                    raise _Refused("an action that is neither shift nor reduce")
            actions[state] = acts
            gotos[state] = goto
        self._specs = [_spec(callbacks[rule], len(rule.expansion), rule.origin.name, Tree) for rule in rules]
        # Each parser state's lexer: Lark's own scanner for the terminals it accepts, read on first
        # use (:meth:`_lexer`), as Lark builds it: a scan that never reaches a state never compiles
        # its patterns. States Lark gave one lexer share it.
        sources: dict[int, Any] = {}
        lexer_of = {state: sources.setdefault(id(basic), len(sources)) for state, basic in lexer.lexers.items()}
        basics = {id(basic): basic for basic in lexer.lexers.values()}
        self._sources: list[Any] = [basics[key] for key in sources]
        for basic in self._sources:
            if type(basic) is not BasicLexer:
                raise _Refused("a lexer other than Lark's basic one")
        self._classes: tuple[Any, ...] = (UnlessCallback, PatternStr)
        self._compile: Callable[[str, int], Any] | None = None
        self._regex = getattr(getattr(lark_parser.lexer_conf, "re_module", None), "__name__", "")
        self._terminals: dict[str, str] = {}
        self._setup(table.start_states[starts[0]], table.end_states[starts[0]], actions, gotos,
                    [(len(rule.expansion), rule.origin.name, _BUILT, "", (), callbacks[rule]) if spec is None
                     else _loop_rule(spec, Tree) for rule, spec in zip(rules, self._specs, strict=True)],
                    brackets, lexer_of, Tree)

    @classmethod
    def from_portable(cls, data: Any, lark: Callable[[], Lark],
                      regex: Callable[[str], Callable[[str, int], Any]]) -> FastParser:
        """The driver kept as ``data`` (:meth:`portable`, checked here: :func:`_checked`); ``lark``
        gives Lark's parser of the same grammar when the fast loop fails (on first need), ``regex``
        the function that compiles the patterns with the named module (``re`` or ``regex``)."""
        from lark import Tree

        _checked(data)
        self = cls.__new__(cls)
        self.lark = None
        self._load = lark
        self._data = data
        self._specs = list(data["rules"])
        self._sources = list(data["lexers"])
        self._terminals = data["terminals"]
        self._classes = ()
        self._compile = regex(data["regex"])
        self._regex = data["regex"]
        self._setup(data["start"], data["end"], data["actions"], data["gotos"],
                    [_loop_rule(spec, Tree) for spec in data["rules"]], data["brackets"], data["lexer_of"], Tree)
        return self

    def _setup(self, start: int, end: int, actions: dict[int, dict[str, int]], gotos: dict[int, dict[str, int]],
               rules: list[tuple[int, str, int, str, tuple[Any, ...], Any]], brackets: Any,
               lexer_of: dict[int, int], tree_class: type) -> None:
        """What the loop reads, however the driver was made."""
        from lark.lexer import Token

        self.token_class = Token
        self.tree_class: Any = tree_class
        # The loop makes trees as ``Tree.__init__`` does: it sets ``data``, ``children`` and ``_meta``,
        # in that order, and nothing else (checked on a tree it makes).
        if vars(tree_class("x", [])) != {"data": "x", "children": [], "_meta": None}:
            raise _Refused("a tree class laid out otherwise")
        self.start_state = start
        self.end_state = end
        self.actions = actions
        self.gotos = gotos
        self.rules = rules
        """Each rule: (length of its expansion, its name, how its node is made (``_KEEP``, ``_TREE``,
        ``_FILTER``, ``_BUILT``), the tree's name and the filter's ``(index, inlined)`` pairs for the
        inline ones, and the function that makes the node (None for ``_KEEP``: most reductions of an
        expression are these, one per precedence level)."""
        self.brackets: dict[str, int] | None = None
        """The post-lexer's bracket machine, by token type (None: no post-lexer)."""
        self.newline_kind = ""
        self.skipping_after = ""
        self._brackets = brackets
        if brackets is not None:
            if not _valid_brackets(brackets):
                raise _Refused("a post-lexer's brackets laid out otherwise")
            self.newline_kind, skipping, keeping, closing, self.skipping_after, inside = brackets
            self.brackets = {**{k: _SKIPPING for k in skipping}, **{k: _KEEPING for k in keeping},
                             **{k: _CLOSING for k in closing}, inside: _INSIDE}
            if len(self.brackets) != len(skipping) + len(keeping) + len(closing) + 1:
                raise _Refused("a token type with two roles in the bracket machine")
        if set(lexer_of) != set(actions):
            raise _Refused("lexer states and parser states differ")
        self._lexer_of = lexer_of
        self._made: dict[int, _Lexer] = {}
        self.lexers: dict[int, _Lexer] = {}
        self.chains: dict[tuple[int, int, str], int] = {}
        """(state below, top state, next token's type) -> the top state once every reduction of
        one kept child that follows has been made: an expression's token climbs the precedence rules
        (``unary_expr`` to ``expression``, eight of them in HCL) in one step. None of them changes the
        state below or the values (:meth:`_chain`)."""

    def portable(self) -> dict[str, Any] | None:
        """Everything the driver reads, as plain data (see the module doc), or None when a rule's node
        is made by a callback whose shape it does not know, or a lexer is laid out otherwise. Every
        scanner is built for it (once, when the data is written)."""
        if self._data is not None:
            return self._data
        # A parser built rather than loaded names its rules by Lark's tokens (a ``str`` subclass),
        # which its ``_KEEP`` rules keep: such a parser is not portable either.
        if not all(spec is not None and _valid_rule(spec) for spec in self._specs) or self._regex not in _REGEX_MODULES:
            return None
        terminals: dict[str, str] = {}
        try:
            lexers = tuple(self._scanner(source, terminals)[1] for source in self._sources)
        except Exception:  # a lexer this module does not know: not portable
            return None
        return {"start": self.start_state, "end": self.end_state, "actions": self.actions, "gotos": self.gotos,
                "rules": tuple(self._specs), "terminals": terminals, "lexers": lexers, "lexer_of": self._lexer_of,
                "brackets": self._brackets, "regex": self._regex}

    def _lexer(self, state: int) -> _Lexer:
        """State ``state``'s scanner (:data:`_Lexer`); shared by the states Lark gave one lexer."""
        index = self._lexer_of[state]
        known = self._made.get(index)
        if known is None:
            source = self._sources[index]
            compile = self._compile
            if compile is not None:  # a portable driver's: compiled now, as Lark compiles a scanner
                alternations, newline, ignore, unless = source
                mres = tuple(compile(_alternation(names, self._terminals), flags) for names, flags in alternations)
            else:
                mres, (_, newline, ignore, unless) = self._scanner(source, {})
            known = self._made[index] = (mres, frozenset(newline), frozenset(ignore), unless)
        self.lexers[state] = known
        return known

    def _scanner(self, basic: Any, terminals: dict[str, str]) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
        """Lark's basic lexer ``basic``: its scanner's compiled alternations (built here if Lark has
        not yet), and what they are made from, as a portable driver keeps it (:func:`_valid_lexer`):
        each alternation's terminals (their patterns added to ``terminals``, by name: python-hcl2's
        identifiers, all of Unicode's letters, are in most of its hundred lexers) and flags, the
        newline and ignored terminals, and the keyword tables (:func:`_keywords`)."""
        unless_callback, pattern_str = self._classes
        scanner = basic.scanner
        if scanner.use_bytes:
            raise _Refused("a bytes scanner")
        unless: dict[str, dict[str, str]] = {}
        for name, callback in basic.callback.items():
            if type(callback) is not unless_callback:
                raise _Refused("a lexer callback other than Lark's keyword check")
            unless[name] = _keywords(callback, pattern_str)
        mres = tuple(scanner._mres)
        # Lark joins the terminals, in order, into alternations of at most a hundred groups each
        # (``Scanner._build_mres``): each alternation's terminals are found again here by its length,
        # and it is kept only when joining them gives back exactly its pattern.
        order = [terminal.name for terminal in scanner.terminals]
        regexps = {terminal.name: terminal.pattern.to_regexp() for terminal in scanner.terminals}
        alternations = []
        start = 0
        for mre in mres:
            end, length = start, -1
            while end < len(order) and length < len(mre.pattern):
                length += len(regexps[order[end]]) + len(order[end]) + 7  # "|(?P<" name ">" regexp ")"
                end += 1
            names = tuple(order[start:end])
            if type(mre.pattern) is not str or _alternation(names, regexps) != mre.pattern:
                raise _Refused("an alternation laid out otherwise")
            alternations.append((names, scanner.g_regex_flags))
            start = end
        if start != len(order):
            raise _Refused("terminals in no alternation")
        for name, regexp in regexps.items():
            if terminals.setdefault(name, regexp) != regexp:
                raise _Refused("two patterns of one terminal")
        spec = (tuple(alternations), tuple(sorted(basic.newline_types)), tuple(sorted(basic.ignore_types)), unless)
        if not _valid_lexer(spec):  # also refuses a callback on an ignored terminal
            raise _Refused("a lexer laid out otherwise")
        return mres, spec

    def _chain(self, key: tuple[int, int, str]) -> int:
        """The top state after the reductions of one kept child that the parser makes in a row from
        ``key`` (see :attr:`chains`); each replaces the top state by the goto of the state below."""
        below, top, kind = key
        while True:
            code = self.actions[top][kind]
            if code < _SHIFT_LIMIT:
                return top
            _, origin, mode, *_ = self.rules[code - _SHIFT_LIMIT]
            if mode != _KEEP:
                return top
            top = self.gotos[below][origin]

    def parse(self, text: str) -> Tree:
        """The tree ``Lark.parse(text)`` returns; any error is Lark's own (see the module doc)."""
        from fleetiac.analyzer.frontends.sources import ParseTimeout

        try:
            return self._parse(text)
        except ParseTimeout:
            raise
        except Exception:  # Lark's own parse says what is wrong, as it always did
            lark = self.lark
            if lark is None:  # a portable driver's: made now, once
                lark = self.lark = self._load()
            return lark.parse(text)

    def _parse(self, text: str) -> Tree:
        """Lex and parse ``text`` in one loop: each token is lexed in the state the parser is in
        when it needs the next one, as Lark's contextual lexer is asked (``states[-1]``); with the
        HCL post-lexer's bracket machine (:attr:`brackets`) applied to each token on the way."""
        actions = self.actions
        gotos = self.gotos
        rules = self.rules
        end_state = self.end_state
        chains = self.chains
        lexers = self.lexers
        token_new = str.__new__
        token_class = self.token_class
        tree_new = object.__new__
        tree_class = self.tree_class
        states = [self.start_state]
        values: list[Any] = []
        end = len(text)
        pos = 0
        line = 1
        line_start = 0
        brackets = self.brackets
        newline_kind = self.newline_kind
        skips: list[bool] = []  # the post-lexer's: per open bracket, whether newlines inside are dropped
        last = ""
        state = states[-1]  # always the top of `states`, kept in a local (read for every token)
        while pos < end:
            try:
                mres, newline_types, ignore_types, unless = lexers[state]
            except KeyError:
                mres, newline_types, ignore_types, unless = self._lexer(state)
            for mre in mres:
                match = mre.match(text, pos, end)
                if match:
                    break
            else:
                raise _Unlexed(pos)
            value = match.group(0)
            kind = match.lastgroup
            start, column, first_line = pos, pos - line_start + 1, line
            if kind in newline_types:
                newlines = value.count("\n")
                if newlines:
                    line += newlines
                    line_start = pos + value.rindex("\n") + 1
            pos += len(value)
            if kind in ignore_types:
                continue
            token = token_new(token_class, value)
            token.start_pos = start
            token.value = value
            token.line = first_line
            token.column = column
            token.end_line = line
            token.end_column = pos - line_start + 1
            token.end_pos = pos
            if kind in unless:  # Lark's UnlessCallback: a keyword the terminal also matches
                kind = unless[kind].get(value, kind)
            token.type = kind
            if brackets is not None:  # the post-lexer (see NewlinePostLexer in analyzer.frontends.grammars)
                if kind == newline_kind:
                    if skips and skips[-1]:
                        continue
                else:
                    effect = brackets.get(kind)
                    if effect is not None:
                        if effect == _SKIPPING:
                            skips.append(True)
                        elif effect == _KEEPING:
                            skips.append(False)
                        elif effect == _CLOSING:
                            if skips:
                                skips.pop()
                        elif last == self.skipping_after and skips:  # `{ for`
                            skips[-1] = True
                    last = kind
            while True:
                code = actions[state][kind]  # KeyError: an unexpected token (Lark says which)
                if code < _SHIFT_LIMIT:
                    if code == end_state:
                        raise _Refused("a shift into the end state")  # Lark asserts it never happens
                    states.append(code)
                    state = code
                    values.append(token)
                    break
                size, origin, mode, name, include, build = rules[code - _SHIFT_LIMIT]
                if mode == _KEEP:  # one child, kept as it is: only the top state changes
                    key = (states[-2], state, kind)
                    top = chains.get(key)
                    if top is None:
                        top = chains[key] = self._chain(key)
                    states[-1] = state = top
                    continue
                if size:
                    children = values[-size:]
                    del states[-size:]
                    del values[-size:]
                else:
                    children = []
                if mode == _BUILT:
                    value = build(children)
                else:  # Tree(name, children), as Lark's callback makes it (see _spec)
                    if mode == _FILTER:  # ChildFilterLALR_NoPlaceholders.__call__, step by step
                        kept: list[Any] = []
                        for i, to_expand in include:
                            if to_expand:
                                if kept:
                                    kept += children[i].children
                                else:
                                    kept = children[i].children
                            else:
                                kept.append(children[i])
                        children = kept
                    value = tree_new(tree_class)
                    value.data = name
                    value.children = children
                    value._meta = None
                state = gotos[states[-1]][origin]
                states.append(state)
                values.append(value)
        # The end: reduce until the end state, as Lark does with its `$END` token.
        while True:
            code = actions[states[-1]]["$END"]
            if code < _SHIFT_LIMIT:
                raise _Refused("a shift on the end of the input")
            size, origin, mode, _, _, build = rules[code - _SHIFT_LIMIT]
            if mode == _KEEP:
                del states[-1]
                states.append(gotos[states[-1]][origin])
            else:
                if size:
                    children = values[-size:]
                    del states[-size:]
                    del values[-size:]
                else:
                    children = []
                value = build(children)
                states.append(gotos[states[-1]][origin])
                values.append(value)
            if states[-1] == end_state:
                return values[-1]


def _spec(callback: Any, size: int, origin: str, tree_class: type) -> tuple[Any, ...] | None:
    """How Lark's callback ``callback`` makes the node of a rule of ``size`` symbols named ``origin``,
    as data: ``(size, origin, shape, tree name, filter, placeholders at the end, single)`` (the shapes
    are :data:`_KEEP`, :data:`_TREE`, :data:`_FILTER`; the filter is ``(index, inlined, placeholders
    before)`` triples, as Lark's ``ChildFilterLALR`` keeps them), or None for a callback of another
    shape. Lark wraps ``partial(Tree, name)`` in ``ExpandSingleChild`` for a ``?rule`` (a lone child
    is the node: ``single``; a rule of one symbol with nothing else is ``_KEEP``), and that in a filter
    when the rule drops, inlines or (with ``maybe_placeholders``) adds ``None`` children:
    ``ChildFilterLALR_NoPlaceholders`` (pairs) or ``ChildFilterLALR`` (triples, and ``append_none``)."""
    from functools import partial

    from lark.parse_tree_builder import ChildFilterLALR, ChildFilterLALR_NoPlaceholders, ExpandSingleChild

    if size == 1 and type(callback) is ExpandSingleChild:
        return (size, origin, _KEEP, "", (), 0, False)
    shape, builder, nones = _TREE, callback, 0
    include: tuple[Any, ...] = ()
    try:
        if type(callback) is ChildFilterLALR_NoPlaceholders:
            shape, builder = _FILTER, callback.node_builder
            include = tuple((i, inlined, 0) for i, inlined in callback.to_include)
        elif type(callback) is ChildFilterLALR:
            shape, builder, nones = _FILTER, callback.node_builder, callback.append_none
            include = tuple((i, inlined, before) for i, inlined, before in callback.to_include)
    except (TypeError, ValueError):  # a filter laid out otherwise
        return None
    single = type(builder) is ExpandSingleChild
    if single:
        builder = builder.node_builder
    if not (type(builder) is partial and builder.func is tree_class and len(builder.args) == 1
            and not builder.keywords):
        return None
    spec = (size, origin, shape, builder.args[0], include, nones, single)
    return spec if _valid_rule(spec) else None


def _loop_rule(spec: tuple[Any, ...], tree_class: type) -> tuple[int, str, int, str, tuple[Any, ...], Any]:
    """The loop's entry of the rule of ``spec`` (:func:`_spec`; see :attr:`FastParser.rules`). Every
    rule but a ``_KEEP`` one has its :class:`_Node`: the loop's end (reductions on ``$END``) calls
    it even for the rules the loop makes inline."""
    size, origin, shape, name, include, nones, single = spec
    if shape == _KEEP:
        return (size, origin, _KEEP, "", (), None)
    build = _Node(spec, tree_class)
    if single or nones or any(before for _, _, before in include):
        return (size, origin, _BUILT, "", (), build)
    if shape == _TREE:
        return (size, origin, _TREE, name, (), build)
    return (size, origin, _FILTER, name, tuple((i, inlined) for i, inlined, _ in include), build)


class _Node:
    """The node of a rule of ``spec`` (:func:`_spec`) made from its children exactly as Lark's
    callbacks make it: ``ChildFilterLALR.__call__`` (which, without placeholders, does what
    ``ChildFilterLALR_NoPlaceholders`` does), then ``ExpandSingleChild`` (with ``single``), then
    ``Tree(name, children)``."""

    __slots__ = ("filtered", "include", "name", "nones", "single", "tree_class")

    def __init__(self, spec: tuple[Any, ...], tree_class: type) -> None:
        _, _, shape, self.name, self.include, self.nones, self.single = spec
        self.filtered = shape == _FILTER
        self.tree_class = tree_class

    def __call__(self, children: list[Any]) -> Any:
        if self.filtered:
            kept: list[Any] = []
            for i, inlined, before in self.include:
                if before:
                    kept += [None] * before
                if inlined:
                    if kept:
                        kept += children[i].children
                    else:  # Lark's own shortcut: the inlined child's list itself (left recursion)
                        kept = children[i].children
                else:
                    kept.append(children[i])
            if self.nones:
                kept += [None] * self.nones
            children = kept
        if self.single and len(children) == 1:
            return children[0]
        return self.tree_class(self.name, children)


def _valid_rule(spec: Any) -> bool:
    """Whether ``spec`` is a rule's spec as :func:`_spec` makes it (its filter's indexes within the rule)."""
    if type(spec) is not tuple or len(spec) != 7:
        return False
    size, origin, shape, name, include, nones, single = spec
    if not (type(size) is int and size >= 0 and type(origin) is str and type(shape) is int and type(name) is str
            and type(include) is tuple and type(nones) is int and nones >= 0 and type(single) is bool):
        return False
    if shape == _KEEP:
        return size == 1 and not (name or include or nones or single)
    if shape == _TREE:
        return not (include or nones)
    return shape == _FILTER and all(
        type(entry) is tuple and len(entry) == 3 and type(entry[0]) is int and 0 <= entry[0] < size
        and type(entry[1]) is bool and type(entry[2]) is int and entry[2] >= 0 for entry in include)


def _strings(value: Any) -> bool:
    return type(value) is tuple and set(map(type, value)) <= {str}


def _alternation(names: tuple[str, ...], regexps: dict[str, str]) -> str:
    """The pattern Lark compiles for a scanner of the terminals ``names`` (``Scanner._build_mres``)."""
    return "|".join(f"(?P<{name}>{regexps[name]})" for name in names)


def _valid_lexer(spec: Any, terminals: dict[str, str] | None = None) -> bool:
    """Whether ``spec`` is a lexer as a portable driver keeps it (:meth:`FastParser._scanner`): its
    alternations (each the names of its terminals, all of ``terminals`` when given, and its flags),
    newline and ignored terminals, and keyword tables, none of them for an ignored terminal."""
    if type(spec) is not tuple or len(spec) != 4:
        return False
    alternations, newline, ignore, unless = spec
    return (type(alternations) is tuple
            and all(type(a) is tuple and len(a) == 2 and _strings(a[0]) and type(a[1]) is int
                    and (terminals is None or terminals.keys() >= set(a[0])) for a in alternations)
            and _strings(newline) and _strings(ignore) and type(unless) is dict
            and all(type(name) is str and type(table) is dict
                    and all(type(word) is str and type(kind) is str for word, kind in table.items())
                    for name, table in unless.items())
            and not unless.keys() & set(ignore))


def _valid_brackets(spec: Any) -> bool:
    """Whether ``spec`` is laid out as the HCL post-lexer's ``BRACKETS``."""
    return (type(spec) is tuple and len(spec) == 6 and all(type(spec[i]) is str for i in (0, 4, 5))
            and all(_strings(spec[i]) for i in (1, 2, 3)))


def _codes(table: Any) -> set[Any]:
    """Every code of ``table`` (state -> symbol -> code), once its states are checked to be ints below
    :data:`_SHIFT_LIMIT`, its symbols strings and its codes ints (over the distinct ones: a few
    thousand, where the table has tens of thousands of entries)."""
    if type(table) is not dict or not set(map(type, table)) <= {int} or not set(map(type, table.values())) <= {dict} \
            or (table and not 0 <= min(table) <= max(table) < _SHIFT_LIMIT):
        raise _Refused("a parse table laid out otherwise")
    symbols = set().union(*table.values())
    codes = set(chain.from_iterable(map(dict.values, table.values())))
    if not set(map(type, symbols)) <= {str} or not set(map(type, codes)) <= {int}:
        raise _Refused("a parse table laid out otherwise")
    return codes


def _checked(data: Any) -> None:
    """Refuse ``data`` unless it is laid out as :meth:`FastParser.portable` writes it: the types of
    everything, each shift to a state of the table, each reduction to a rule, each goto to a state,
    each state with its lexer. (What it holds was written by this module and sealed: this only keeps
    a file of another layout from being driven.)"""
    if type(data) is not dict or data.keys() != _PORTABLE:
        raise _Refused("not a portable driver")
    actions, gotos, rules, lexers, lexer_of = (data[key] for key in ("actions", "gotos", "rules", "lexers", "lexer_of"))
    terminals = data["terminals"]
    if type(terminals) is not dict or not set(map(type, terminals)) <= {str} \
            or not set(map(type, terminals.values())) <= {str}:
        raise _Refused("terminals laid out otherwise")
    if type(rules) is not tuple or not all(map(_valid_rule, rules)) \
            or type(lexers) is not tuple or not all(_valid_lexer(lexer, terminals) for lexer in lexers):
        raise _Refused("rules or lexers laid out otherwise")
    shifts, targets = _codes(actions), _codes(gotos)
    reductions = range(_SHIFT_LIMIT, _SHIFT_LIMIT + len(rules))
    if not all(code in actions or code in reductions for code in shifts) or not targets <= actions.keys():
        raise _Refused("a code to no state or rule")
    if gotos.keys() != actions.keys() or type(lexer_of) is not dict or lexer_of.keys() != actions.keys() \
            or not set(map(type, lexer_of.values())) <= {int} \
            or (lexer_of and not 0 <= min(lexer_of.values()) <= max(lexer_of.values()) < len(lexers)):
        raise _Refused("states laid out otherwise")
    if not (type(data["start"]) is int and data["start"] in actions and type(data["end"]) is int
            and data["end"] in actions and data["regex"] in _REGEX_MODULES
            and (data["brackets"] is None or _valid_brackets(data["brackets"]))):
        raise _Refused("a driver laid out otherwise")


def _keywords(callback: Any, pattern_str: Any) -> dict[str, str]:
    """Lark's ``UnlessCallback`` as a table: the literal strings its scanner fully matches, each with
    its terminal's name (the first in the scanner's order, as its alternation picks). Refused unless
    every one is a plain string pattern without flags and the scanner has none: a full match of
    such an alternation is then exactly equality with one of them."""
    scanner = callback.scanner
    if scanner.g_regex_flags or scanner.use_bytes:
        raise _Refused("a keyword scanner with flags")
    table: dict[str, str] = {}
    for terminal in scanner.terminals:
        pattern: Any = terminal.pattern
        if type(pattern) is not pattern_str or pattern.flags or type(pattern.value) is not str:
            raise _Refused("a keyword that is no plain string")
        table.setdefault(pattern.value, terminal.name)
    return table


class _Unlexed(Exception):
    """No terminal of the state matches at this offset (Lark's own parse says what it expected)."""


def fast_parser(lark_parser: Lark) -> FastParser | None:
    """The fast driver of ``lark_parser``, or None when it is laid out otherwise (Lark then serves)."""
    try:
        return FastParser(lark_parser)
    except Exception:
        return None


def portable_parser(data: Any, lark: Callable[[], Lark],
                    regex: Callable[[str], Callable[[str, int], Any]]) -> FastParser | None:
    """The driver kept as ``data`` (:meth:`FastParser.from_portable`), or None when ``data`` is laid out
    otherwise (the caller then loads Lark's parser and drives that)."""
    try:
        return FastParser.from_portable(data, lark, regex)
    except Exception:
        return None
