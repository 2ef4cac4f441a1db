"""A faster driver for fleetiac's two Lark LALR parsers: the same lexer states, parse table and tree
callbacks, run by one loop.

Lark's own loop costs most of a parse in bookkeeping around the regular expressions: a generator per
layer (contextual lexer, post-lexer connector, parser), a line counter object fed per token, a
keyword-argument ``Token`` constructor, and each reduction's callback looked up by a ``Rule`` whose
``__eq__`` is Python code. :class:`FastParser` reads everything it needs from a built (or loaded)
:class:`lark.Lark` once: each parser state's scanner (Lark's own compiled alternation of the
terminals that state accepts, with its keyword callbacks), the newline and ignored terminals, the
parse table renumbered as ints, and Lark's own callback of each rule. It then lexes and parses in a
single function, making the same tokens (type, value, the eight positions) and calling the same
callbacks in the same order (the two commonest, a plain tree and a filtered one, are made inline as
those callbacks make them), so the tree is the one ``Lark.parse`` returns.

Only the successful parse is done here. Any exception on the way (a character no terminal matches,
an unexpected token, anything this module does not expect) is answered by running ``Lark.parse``
itself on the same text, so every error is Lark's own, with Lark's message and position; only
:class:`~analyzer.frontends.sources.ParseTimeout` (the file's time budget) passes through, since
running the slow parser again would only spend more time. A parser laid out in a way this module
does not know (a terminal callback, a lexer other than the contextual one, a post-lexer other than
fleetiac's) is refused at construction: :func:`fast_parser` then returns None and Lark serves.

tests/test_fastlalr.py compares the two on every fixture, the examples and randomly generated input.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lark import Lark, Tree

_SHIFT_LIMIT = 1 << 30
"""Codes at or above it are reductions (``_SHIFT_LIMIT + rule number``); below it, shifts to a state."""


_CALL, _TREE, _FILTER = 0, 1, 2
"""How a rule's node is made: by Lark's callback, or inline as a plain tree or a filtered one."""

_SKIPPING, _KEEPING, _CLOSING, _INSIDE = 1, 2, 3, 4
"""What a token does to the HCL post-lexer's brackets: opens one inside which newlines are dropped,
opens one where they are kept, closes one, or (``FOR`` right after ``{``) makes the innermost one drop
them."""


class _Refused(Exception):
    """A Lark parser laid out in a way this module does not drive."""


class FastParser:
    """``lark_parser.parse(text)``, the same tree, faster (see the module doc)."""

    def __init__(self, lark_parser: Lark) -> None:
        from lark import Tree
        from lark.lexer import BasicLexer, ContextualLexer, PatternStr, Token, UnlessCallback
        from lark.parse_tree_builder import ExpandSingleChild
        from lark.parser_frontends import PostLexConnector
        from lark.parsers.lalr_analysis import Reduce, Shift

        self.lark = lark_parser
        self.token_class = Token
        frontend = lark_parser.parser
        lexer: Any = frontend.lexer
        self.brackets: dict[str, int] | None = None
        """The post-lexer's bracket machine, by token type (None: no post-lexer)."""
        self.newline_kind = ""
        self.skipping_after = ""
        if type(lexer) is PostLexConnector:
            spec = getattr(lexer.postlexer, "BRACKETS", None)
            if spec is None:
                raise _Refused("a post-lexer other than fleetiac's HCL newlines")
            self.newline_kind, skipping, keeping, closing, self.skipping_after, inside = spec
            self.brackets = {**{k: _SKIPPING for k in skipping}, **{k: _KEEPING for k in keeping},
                             **{k: _CLOSING for k in closing}, inside: _INSIDE}
            if len(self.brackets) != len(skipping) + len(keeping) + len(closing) + 1:
                raise _Refused("a token type with two roles in the bracket machine")
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
        self.start_state: int = table.start_states[starts[0]]
        self.end_state: int = table.end_states[starts[0]]
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
        self.actions = actions
        self.gotos = gotos
        # Each rule: (length of its expansion, its name, Lark's callback for it). The callback of a
        # `?rule` of one symbol whose child is kept is Lark's ExpandSingleChild alone, which returns
        # that child: None here, and the loop keeps the value where it is (most reductions of an
        # expression are these, one per precedence level).
        # Lark's two most common callbacks are run inline (:func:`_builder`): a plain tree, and a
        # tree of the children a filter keeps or inlines.
        self.rules: list[tuple[int, str, Callable[[list[Any]], Any] | None, int, str, tuple[Any, ...]]] = []
        for rule in rules:
            callback = callbacks[rule]
            size = len(rule.expansion)
            if size == 1 and type(callback) is ExpandSingleChild:
                self.rules.append((size, rule.origin.name, None, _CALL, "", ()))
            else:
                self.rules.append((size, rule.origin.name, callback, *_builder(callback, Tree)))
        self.tree_class = Tree
        # Each parser state's lexer: Lark's own scanner for the terminals it accepts, read on first
        # use (:meth:`_lexer`), as Lark builds it: a scan that never reaches a state never compiles
        # its patterns.
        self.basic: dict[int, Any] = dict(lexer.lexers)
        self.lexers: dict[int, tuple[tuple[Any, ...], frozenset[str], frozenset[str], dict[str, dict[str, str]]]] = {}
        self._by_lexer: dict[int, tuple[tuple[Any, ...], frozenset[str], frozenset[str],
                                        dict[str, dict[str, str]]]] = {}
        for basic in self.basic.values():
            if type(basic) is not BasicLexer:
                raise _Refused("a lexer other than Lark's basic one")
        if set(self.basic) != set(actions):
            raise _Refused("lexer states and parser states differ")
        self._classes = (UnlessCallback, PatternStr)
        self.chains: dict[tuple[int, int, str], int] = {}
        """(state below, top state, next token's type) -> the top state once every reduction of
        one kept child that follows has been made: an expression's token climbs the precedence rules
        (``unary_expr`` to ``expression``, eight of them in HCL) in one step. None of them changes the
        state below or the values (:meth:`_chain`)."""

    def _lexer(self, state: int) -> tuple[tuple[Any, ...], frozenset[str], frozenset[str], dict[str, dict[str, str]]]:
        """State ``state``'s scanner: its compiled alternations, newline and ignored terminals, and
        keyword tables (:func:`_keywords`); shared by the states Lark gave one lexer."""
        basic = self.basic[state]
        known = self._by_lexer.get(id(basic))
        if known is None:
            unless_callback, pattern_str = self._classes
            scanner = basic.scanner  # built here if Lark has not yet
            if scanner.use_bytes:
                raise _Refused("a bytes scanner")
            unless: dict[str, dict[str, str]] = {}
            for name, callback in basic.callback.items():
                if type(callback) is not unless_callback:
                    raise _Refused("a lexer callback other than Lark's keyword check")
                unless[name] = _keywords(callback, pattern_str)
            if unless.keys() & basic.ignore_types:
                raise _Refused("a callback on an ignored terminal")
            known = self._by_lexer[id(basic)] = (tuple(scanner._mres), frozenset(basic.newline_types),
                                                 frozenset(basic.ignore_types), unless)
        self.lexers[state] = known
        return known

    def _chain(self, key: tuple[int, int, str]) -> int:
        """The top state after the reductions of one kept child that the parser makes in a row from
        ``key`` (see :attr:`chains`); each replaces the top state by the goto of the state below."""
        below, top, kind = key
        while True:
            code = self.actions[top][kind]
            if code < _SHIFT_LIMIT:
                return top
            _, origin, callback, *_ = self.rules[code - _SHIFT_LIMIT]
            if callback is not None:
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
            return self.lark.parse(text)

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
                size, origin, callback, mode, name, include = rules[code - _SHIFT_LIMIT]
                if callback is None:  # one child, kept as it is: only the top state changes
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
                if mode == _CALL:
                    value = callback(children)
                else:  # Tree(name, children), as Lark's callback makes it (see _builder)
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
            size, origin, callback, *_ = rules[code - _SHIFT_LIMIT]
            if callback is None:
                del states[-1]
                states.append(gotos[states[-1]][origin])
            else:
                if size:
                    children = values[-size:]
                    del states[-size:]
                    del values[-size:]
                else:
                    children = []
                value = callback(children)
                states.append(gotos[states[-1]][origin])
                values.append(value)
            if states[-1] == end_state:
                return values[-1]


def _builder(callback: Any, tree_class: type) -> tuple[int, str, tuple[Any, ...]]:
    """How the loop makes the node of a rule whose Lark callback is ``callback``: (mode, tree name,
    filter). Lark's callback of a plain rule is ``partial(Tree, name)``; of a rule that drops or
    inlines children, ``ChildFilterLALR_NoPlaceholders(to_include, partial(Tree, name))``. Those
    two are made inline (``Tree.__init__`` sets ``data``, ``children`` and ``_meta``, in that order, and
    nothing else: checked here on a tree it makes); any other shape is Lark's callback (``_CALL``)."""
    from functools import partial

    from lark.parse_tree_builder import ChildFilterLALR_NoPlaceholders

    mode, builder = _TREE, callback
    include: tuple[Any, ...] = ()
    if type(callback) is ChildFilterLALR_NoPlaceholders:
        mode, include, builder = _FILTER, tuple(callback.to_include), callback.node_builder
        if not all(type(i) is int and type(expand) is bool for i, expand in include):
            return _CALL, "", ()
    if not (type(builder) is partial and builder.func is tree_class and len(builder.args) == 1
            and type(builder.args[0]) is str and not builder.keywords):
        return _CALL, "", ()
    if vars(tree_class("x", [])) != {"data": "x", "children": [], "_meta": None}:
        return _CALL, "", ()
    return mode, builder.args[0], include


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
