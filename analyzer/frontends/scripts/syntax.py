"""Shell and PowerShell scripts as commands of words.

A script is read as a list of :class:`Command` objects in the order they run, each a list of
:class:`Word` objects. A word is made of parts: literal text, a variable reference
(:class:`Var`: ``$NAME``, ``${NAME}``, PowerShell ``$Name``), or something the script computes at run
time (:class:`Opaque`: a command substitution ``$(...)``, backquotes, arithmetic, a parameter
expansion with an operator, a PowerShell subexpression or member access). The evaluator
(:mod:`analyzer.frontends.scripts.canonical`) gives variables the values earlier assignments give them.

Shell (POSIX ``sh``, ``bash``): a command is what one logical line (joined at a ``\\`` before the
line end, or while a quote is open) holds between ``;``, ``&&``, ``||``, ``|`` and ``&``. The words of
each are split by Python's :mod:`shlex` in POSIX mode, after every expansion outside single quotes
is replaced by a placeholder (so quoting decides what is literal, as the shell does). Here-documents
are skipped; redirections are dropped.

PowerShell: a small lexer of its own (``'...'`` with ``''``, ``"..."`` with backtick escapes and
``""``, a backtick before the line end continues the line, ``<# ... #>`` block comments,
here-strings skipped). Variable names are case-insensitive: the evaluator compares them so.

A line that cannot be split (a quote that is never closed) is a :class:`Problem`; the commands
before and after it are still read.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SPECIAL = re.compile(r"[0-9#?@*!$-]")
_OPEN = "\x00"
_CLOSE = "\x01"
_OPERATOR = "\x02"
_SENTINEL = re.compile("\x00(\\d+)\x01")


@dataclass(frozen=True, slots=True)
class Var:
    """``$NAME``: the value of a variable."""

    name: str


@dataclass(frozen=True, slots=True)
class Opaque:
    """What the script computes when it runs: ``$(...)``, backquotes, ``$((...))``, ``${X:-y}``..."""

    text: str
    """As written, without the ``$(`` and ``)`` of a command substitution (``command`` says which)."""
    command: bool = False
    """A command substitution (``$(az aks show ...)``): ``text`` is the command."""


Part = str | Var | Opaque


@dataclass(frozen=True, slots=True)
class Word:
    """One argument as the shell passes it: its parts, as written (``raw``), where it starts."""

    parts: tuple[Part, ...]
    raw: str
    line: int
    column: int

    @property
    def literal(self) -> str | None:
        """The word's text when it has no expansion."""
        if all(isinstance(p, str) for p in self.parts):
            return "".join(p for p in self.parts if isinstance(p, str))
        return None


@dataclass(slots=True)
class Command:
    """One simple command: its words, where it starts, and how deep in loops and branches it is."""

    words: list[Word]
    line: int
    column: int
    nested: int = 0
    """How many compound commands (``if``, ``for``, ``while``, ``case``, ``{ }``, functions) hold it."""
    loop_variable: str | None = None
    """Set (and ``words`` empty) for the head of a loop: the variable it sets to values not listed here."""


@dataclass(frozen=True, slots=True)
class Problem:
    """A line the lexer could not split: it is skipped."""

    line: int
    message: str


@dataclass(slots=True)
class Script:
    commands: list[Command] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Shell


_HEREDOC = re.compile(r"<<-?\s*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\1")
_SHELL_OPEN = {"if", "for", "while", "until", "case", "select", "{"}
_SHELL_CLOSE = {"fi", "done", "esac", "}"}
_SHELL_LEAD = {"then", "do", "else", "elif", "!", "time", "exec", "command", "sudo", "in"}


def _shell_lines(text: str) -> list[tuple[int, str, list[tuple[int, int]]]]:
    """Logical lines: (first line number, text, the (line, column) of each character)."""
    physical = text.split("\n")
    out: list[tuple[int, str, list[tuple[int, int]]]] = []
    buffer: list[str] = []
    origin: list[tuple[int, int]] = []
    start = 0
    heredocs: list[str] = []
    quote: str | None = None
    index = 0
    while index < len(physical):
        raw = physical[index].rstrip("\r")
        number = index + 1
        index += 1
        if heredocs and quote is None and not buffer:
            if raw.strip() == heredocs[0]:
                heredocs.pop(0)
            continue
        if not buffer:
            start = number
        escaped = False
        comment = False
        for col, char in enumerate(raw, start=1):
            if quote is None and not escaped and char == "#" and (not buffer or buffer[-1] in " \t;&|()"):
                comment = True
                break
            buffer.append(char)
            origin.append((number, col))
            if escaped:
                escaped = False
            elif char == "\\" and quote != "'":
                escaped = True
            elif quote is None and char in "'\"`":
                quote = char
            elif quote is not None and char == quote:
                quote = None
        if escaped and not comment:
            buffer.pop()
            origin.pop()  # a backslash before the line end joins the next line
            continue
        if quote is not None:
            if index < len(physical):
                buffer.append("\n")
                origin.append((number, len(raw) + 1))
                continue
            # never closed: the first line of the command is reported, the lines after it read again
            first = physical[start - 1].rstrip("\r")
            out.append((start, first, [(start, c) for c in range(1, len(first) + 1)]))
            buffer, origin, quote, index = [], [], None, start
            continue
        line = "".join(buffer)
        out.append((start, line, origin))
        heredocs.extend(match.group(2) for match in _HEREDOC.finditer(line))
        buffer, origin = [], []
    return out


def _shell_expansion(line: str, i: int, table: list[Part]) -> tuple[str, int]:
    """The placeholder for the expansion starting at ``line[i]`` (``$`` or a backquote), and the index
    after it."""
    def placeholder(part: Part) -> str:
        table.append(part)
        return f"{_OPEN}{len(table) - 1}{_CLOSE}"

    if line[i] == "`":
        end = line.find("`", i + 1)
        end = len(line) - 1 if end < 0 else end
        return placeholder(Opaque(line[i + 1:end], command=True)), end + 1
    nxt = line[i + 1] if i + 1 < len(line) else ""
    if nxt == "(":
        depth, j = 0, i + 1
        while j < len(line):
            if line[j] == "(":
                depth += 1
            elif line[j] == ")":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        inner = line[i + 2:j]
        if inner.startswith("(") and inner.endswith(")"):
            return placeholder(Opaque(line[i:j + 1])), j + 1
        return placeholder(Opaque(inner.strip(), command=True)), j + 1
    if nxt == "{":
        end = line.find("}", i + 2)
        end = len(line) - 1 if end < 0 else end
        inner = line[i + 2:end]
        if _NAME.fullmatch(inner):
            return placeholder(Var(inner)), end + 1
        return placeholder(Opaque(line[i:end + 1])), end + 1
    match = _NAME.match(line, i + 1)
    if match:
        return placeholder(Var(match.group(0))), match.end()
    if nxt and _SPECIAL.match(nxt):
        return placeholder(Opaque(line[i:i + 2])), i + 2
    return "$", i + 1


def _shell_prepare(line: str) -> tuple[str, list[int], list[Part]]:
    """``line`` with expansions as placeholders and operators marked; the index in ``line`` of each
    character; the placeholders' parts."""
    out: list[str] = []
    where: list[int] = []
    table: list[Part] = []
    quote: str | None = None
    i = 0

    def emit(text: str, at: int, end: int | None = None) -> None:
        out.append(text)
        where.extend([at] + [at if end is None else end - 1] * (len(text) - 1))

    while i < len(line):
        char = line[i]
        if char == "\\" and quote != "'" and i + 1 < len(line):
            emit(line[i:i + 2], i)
            i += 2
            continue
        if quote == "'":
            emit(char, i)
            quote = None if char == "'" else quote
            i += 1
            continue
        if char in "$`":
            text, end = _shell_expansion(line, i, table)
            emit(text, i, end)
            i = end
            continue
        if quote == '"':
            emit(char, i)
            quote = None if char == '"' else quote
            i += 1
            continue
        if char in "'\"":
            quote = char
            emit(char, i)
            i += 1
            continue
        if char in ";&|":
            op = line[i:i + 2] if line[i:i + 2] in ("&&", "||", ";;") else char
            emit(f" {_OPERATOR}{op} ", i)
            i += len(op)
            continue
        if char in "<>":
            match = re.compile(r"[<>]+&?-?").match(line, i)
            assert match is not None
            emit(f" {_OPERATOR}> ", i)
            i = match.end()
            continue
        if char in "()":
            emit(f" {_OPERATOR}{char} ", i)
            i += 1
            continue
        emit(char, i)
        i += 1
    return "".join(out), where, table


def _words(token: str, table: list[Part], raw: str, line: int, column: int) -> Word:
    parts: list[Part] = []
    last = 0
    for match in _SENTINEL.finditer(token):
        if match.start() > last:
            parts.append(token[last:match.start()])
        parts.append(table[int(match.group(1))])
        last = match.end()
    if last < len(token):
        parts.append(token[last:])
    return Word(tuple(parts) or ("",), raw, line, column)


def lex_shell(text: str) -> Script:
    script = Script()
    nested = 0
    for number, line, origin in _shell_lines(text):
        prepared, where, table = _shell_prepare(line)
        lexer = shlex.shlex(prepared, posix=True)
        lexer.whitespace_split = True
        lexer.commenters = ""
        tokens: list[tuple[str, int, int]] = []
        end = 0
        try:
            while True:
                begin = end
                while begin < len(prepared) and prepared[begin] in " \t\r\n":
                    begin += 1
                token = lexer.get_token()
                if token is None:
                    break
                end = lexer.instream.tell()  # type: ignore[attr-defined]
                tokens.append((token, begin, end))
        except ValueError as error:
            script.problems.append(Problem(number, f"cannot split the line into words ({error})"))
            continue
        commands: list[list[Word]] = [[]]
        skip_next = False
        for index, (token, begin, stop) in enumerate(tokens):
            if token.isdigit() and index + 1 < len(tokens) and tokens[index + 1][0] == _OPERATOR + ">":
                continue  # the file descriptor of a redirection (2>&1)
            if token.startswith(_OPERATOR):
                if token[1:] == ">":
                    skip_next = True
                else:
                    commands.append([])
                continue
            if skip_next:
                skip_next = False
                continue
            last = min(max(stop - 1, begin), len(prepared) - 1)
            while last > begin and prepared[last] in " \t\r\n":
                last -= 1
            at = where[min(begin, len(where) - 1)] if where else 0
            raw_end = where[last] + 1 if where else 0
            line_no, col = origin[at] if at < len(origin) else (number, 1)
            commands[-1].append(_words(token, table, line[at:raw_end].strip(), line_no, col))
        for words in commands:
            nested = _shell_command(script, words, nested)
    return script


def _shell_command(script: Script, words: list[Word], nested: int) -> int:
    while words and words[0].literal in _SHELL_LEAD | _SHELL_CLOSE | _SHELL_OPEN:
        keyword = words[0].literal
        if keyword in _SHELL_CLOSE:
            nested = max(0, nested - 1)
        elif keyword in _SHELL_OPEN:
            nested += 1
            if keyword in ("for", "select") and len(words) > 1:
                # the loop variable takes values the lexer does not list
                script.commands.append(Command([], words[0].line, words[0].column, nested,
                                               words[1].literal or ""))
                return nested
            if keyword == "case":
                return nested
        words = words[1:]
    if (len(words) >= 2 and words[1].literal == "()") or (words and (words[0].literal or "").endswith("()")):
        return nested + (1 if words[-1].literal == "{" else 0)  # a function definition
    if words and words[-1].literal == "{":
        nested += 1
        words = words[:-1]
    if words:
        script.commands.append(Command(words, words[0].line, words[0].column, nested))
    return nested


# ---------------------------------------------------------------------------------------------
# PowerShell


_PS_VAR = re.compile(r"\$(?:\{([^}]+)\}|((?:env:|global:|script:|local:)?[A-Za-z_][A-Za-z0-9_]*))", re.I)
_PS_OPEN = {"if", "elseif", "else", "foreach", "for", "while", "do", "switch", "function", "try", "catch",
            "finally", "until"}


class _PowerShell:
    def __init__(self, text: str) -> None:
        self.text = text.replace("\r\n", "\n").replace("\r", "\n")
        self.i = 0
        self.line = 1
        self.col = 1
        self.script = Script()
        self.nested = 0

    def peek(self, offset: int = 0) -> str:
        j = self.i + offset
        return self.text[j] if j < len(self.text) else ""

    def advance(self, count: int = 1) -> str:
        taken = self.text[self.i:self.i + count]
        for char in taken:
            if char == "\n":
                self.line += 1
                self.col = 1
            else:
                self.col += 1
        self.i += count
        return taken

    def run(self) -> Script:
        words: list[Word] = []
        while self.i < len(self.text):
            char = self.peek()
            if char in " \t":
                self.advance()
            elif char == "`" and self.peek(1) == "\n":
                self.advance(2)  # line continuation
            elif char == "\n" or char == ";" or char == "|" or (char == "&" and self.peek(1) == "&"):
                self.advance(2 if self.text.startswith(("&&", "||"), self.i) else 1)
                self.flush(words)
                words = []
            elif char == "#":
                while self.i < len(self.text) and self.peek() != "\n":
                    self.advance()
            elif char == "<" and self.peek(1) == "#":
                end = self.text.find("#>", self.i)
                self.advance((end + 2 if end >= 0 else len(self.text)) - self.i)
            elif char == "@" and self.peek(1) in "\"'" and self.text[self.i + 2:self.i + 3] == "\n":
                close = self.text.find("\n" + self.peek(1) + "@", self.i)
                start = self.line
                if close < 0:
                    self.script.problems.append(Problem(start, "a here-string is never closed"))
                    self.advance(len(self.text) - self.i)
                else:
                    self.advance(close + 3 - self.i)
                    words.append(Word((Opaque("here-string"),), "@\"...\"@", start, 1))
            elif char == "{":
                self.advance()
                self.flush(words)
                words = []
                self.nested += 1
            elif char == "}":
                self.advance()
                self.flush(words)
                words = []
                self.nested = max(0, self.nested - 1)
            else:
                line, col, at = self.line, self.col, self.i
                try:
                    word = self.word()
                except ValueError as error:
                    # skip the statement's line and read on from the next one
                    self.script.problems.append(Problem(line, str(error)))
                    self.i, self.line, self.col = at, line, col
                    while self.i < len(self.text) and self.peek() != "\n":
                        self.advance()
                    words = []
                    continue
                words.append(Word(word, self.text[at:self.i], line, col))
        self.flush(words)
        return self.script

    def flush(self, words: list[Word]) -> None:
        while words and words[0].literal is not None and words[0].literal.lower() in ("&", "."):
            words = words[1:]
        if not words:
            return
        head = (words[0].literal or "").lower()
        if head in _PS_OPEN:
            if head == "foreach" and len(words) > 1:
                # foreach ($m in $list): the loop variable takes values the lexer does not list
                match = _PS_VAR.search(words[1].raw)
                if match:
                    name = match.group(1) or match.group(2)
                    self.script.commands.append(Command([], words[0].line, words[0].column, self.nested + 1,
                                                        name))
            return
        self.script.commands.append(Command(words, words[0].line, words[0].column, self.nested))

    def word(self) -> tuple[Part, ...]:
        parts: list[Part] = []
        text: list[str] = []

        def flush_text() -> None:
            if text:
                parts.append("".join(text))
                text.clear()

        while self.i < len(self.text):
            char = self.peek()
            if char in " \t\n;|{}" or (char == "#" and not text and not parts):
                break
            if char == "`":
                if self.peek(1) == "\n":
                    break
                self.advance()
                text.append(self.advance())
            elif char == "'":
                self.advance()
                while True:
                    if self.i >= len(self.text):
                        raise ValueError("a single-quoted string is never closed")
                    if self.peek() == "'":
                        if self.peek(1) == "'":
                            self.advance(2)
                            text.append("'")
                            continue
                        self.advance()
                        break
                    text.append(self.advance())
            elif char == '"':
                self.advance()
                while True:
                    if self.i >= len(self.text):
                        raise ValueError("a double-quoted string is never closed")
                    inner = self.peek()
                    if inner == '"':
                        if self.peek(1) == '"':
                            self.advance(2)
                            text.append('"')
                            continue
                        self.advance()
                        break
                    if inner == "`":
                        self.advance()
                        escaped = self.advance()
                        text.append({"n": "\n", "t": "\t", "r": "\r", "0": "\0"}.get(escaped, escaped))
                    elif inner == "$":
                        flush_text()
                        parts.append(self.variable(quoted=True))
                    else:
                        text.append(self.advance())
            elif char == "$":
                flush_text()
                parts.append(self.variable(quoted=False))
            elif char == "(":
                flush_text()
                parts.append(Opaque(self.balanced("(", ")")))
            else:
                text.append(self.advance())
        flush_text()
        return tuple(parts) or ("",)

    def balanced(self, opening: str, closing: str) -> str:
        start = self.i
        depth = 0
        while self.i < len(self.text):
            char = self.advance()
            if char == opening:
                depth += 1
            elif char == closing:
                depth -= 1
                if depth == 0:
                    return self.text[start:self.i]
        raise ValueError(f"a '{opening}' is never closed")

    def variable(self, quoted: bool) -> Part:
        if self.peek(1) == "(":
            self.advance()
            inner = self.balanced("(", ")")
            return Opaque(inner[1:-1].strip(), command=True)
        match = _PS_VAR.match(self.text, self.i)
        if match is None:
            self.advance()
            return "$"
        self.advance(match.end() - self.i)
        name = match.group(1) or match.group(2)
        if not quoted and self.peek() in ".[" and self.peek(1) not in " \t\n":
            start = self.i
            while self.i < len(self.text) and self.peek() not in " \t\n;|{}":
                if self.peek() == "[":
                    self.balanced("[", "]")
                else:
                    self.advance()
            return Opaque("$" + name + self.text[start:self.i])
        return Var(name)


def lex_powershell(text: str) -> Script:
    return _PowerShell(text).run()
