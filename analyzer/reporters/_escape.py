"""Output sanitisers: every string that came from the scanned code is escaped for the format it is
written in, so a pull request cannot inject commands into the CI log, markup into a summary or bytes
a parser rejects (issue 18, item 8; ``docs/output-formats.md`` → "Escaping").

The strings are resource addresses, group and other names in messages, paths, suppression reasons,
notices and diagnostics. What each format needs:

- Everywhere: no lone surrogate (a ``\\ud800`` escape in the code, or a file name that is not UTF-8
  and so holds ``surrogateescape`` code points): each is U+FFFD, so no format crashes and no
  consumer gets invalid UTF-8; and no ``##name[`` (Azure DevOps ``##vso[``, GitHub's legacy ``##[``,
  TeamCity's ``##teamcity[``), which the Azure DevOps agent reads anywhere in a line.
- Line-based formats (text, JUnit, markdown, GitHub): no line break and no other control character
  (ANSI escapes included) from the code; each is shown as its escape (``\\n``, ``\\x1b``), so a
  scanned string never starts a line of its own. A path that starts a printed line gets ``./`` when
  it would otherwise begin with ``::`` (a GitHub workflow command).
- JSON and SARIF: serialised with ASCII escapes; ``#`` before ``#name[`` is written ``\\u0023``, so
  the parsed strings are unchanged.

Ordinary text (no control characters, no surrogates, no ``##name[``) passes through unchanged.
"""

from __future__ import annotations

import json
import re
from typing import Any

_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")
"""C0 (but tab), DEL, C1 (CSI ``\\x9b`` too) and the Unicode line and paragraph separators."""
_BREAKS = re.compile("\r\n|[\r\n\u2028\u2029\x85]")
_CI_COMMAND = re.compile(r"#(?=#[A-Za-z]*\[)")
"""The first ``#`` of ``##vso[``, ``##[``, ``##teamcity[``: what a CI agent looks for."""
_XML_FORBIDDEN = re.compile("[\ufffe\uffff]")
"""What XML 1.0 forbids once surrogates and control characters are gone."""
_NAMED = {"\n": "\\n", "\r": "\\r"}


def scrub(text: str) -> str:
    """``text`` without lone surrogates (each becomes U+FFFD)."""
    return _SURROGATE.sub("\ufffd", text)


def _visible(match: re.Match[str]) -> str:
    char = match.group()
    return _NAMED.get(char) or (f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")


def visible(text: str) -> str:
    """Control characters (line breaks, ANSI ESC, BEL...) as their escapes: ``\\n``, ``\\x1b``."""
    return _CONTROL.sub(_visible, text)


def neutralise(text: str) -> str:
    """``##vso[`` as ``#\\#vso[`` (``#\\#`` renders as ``##`` in markdown): no CI agent reads it."""
    return _CI_COMMAND.sub("#\\\\", text)


def line_text(text: str) -> str:
    """A scanned string for a line-based format (text, JUnit): one line, no command, no control."""
    return neutralise(visible(scrub(text)))


def line_start(text: str) -> str:
    """:func:`line_text` of a path printed at the start of a line: ``./`` before a leading ``::``."""
    text = line_text(text)
    return "./" + text if text.lstrip().startswith("::") else text


def xml_text(text: str) -> str:
    """:func:`line_text` without the characters XML 1.0 forbids (ElementTree escapes the rest)."""
    return _XML_FORBIDDEN.sub("", line_text(text))


def xml_line_start(text: str) -> str:
    """:func:`line_start` without the characters XML 1.0 forbids."""
    return _XML_FORBIDDEN.sub("", line_start(text))


def workflow_text(text: str) -> str:
    """A scanned string for a GitHub workflow command, before its ``%`` escaping: line breaks are
    kept (the command escapes them as ``%0D``/``%0A``, and GitHub shows them); the rest as in
    :func:`line_text`."""
    parts = re.split("(\r|\n)", scrub(text))
    return "".join(part if part in ("\r", "\n") else neutralise(visible(part)) for part in parts)


def _scrub_tree(value: Any) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {scrub(k) if isinstance(k, str) else k: _scrub_tree(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub_tree(item) for item in value]
    return value


def json_text(data: Any, **options: Any) -> str:
    """``json.dumps`` of ``data`` (ASCII escapes), without lone surrogates and with every ``#`` of a
    ``##name[`` written ``\\u0023``. ``#`` appears only inside strings in JSON, and json.dumps writes a
    backslash as ``\\\\``, so the substitution never meets half an escape: parsed, it is the same."""
    indent = options.get("indent")
    text = None
    if set(options) <= {"indent", "sort_keys"} and type(indent) is int and indent >= 0:
        text = _indented(data, " " * indent, bool(options.get("sort_keys", False)))
    if text is None:
        text = json.dumps(_scrub_tree(data), ensure_ascii=True, **options)
    return _CI_COMMAND.sub(r"\\u0023", text)


class _Unusual(Exception):
    """A value :func:`_indented` leaves to ``json.dumps`` (a key that is no string, another type)."""


def _float_text(value: float) -> str:
    """A float as ``json.dumps`` writes it."""
    if value != value:
        return "NaN"
    if value == float("inf"):
        return "Infinity"
    if value == float("-inf"):
        return "-Infinity"
    return float.__repr__(value)


def _indented(data: Any, indent: str, sort_keys: bool) -> str | None:
    """``json.dumps(_scrub_tree(data), ensure_ascii=True, indent=..., sort_keys=...)``, byte for
    byte, in a third of its instructions: with an indent, json.dumps runs its pure-Python encoder,
    one generator per container, and the scrubbing copied the data first; together they were most
    of a rescan's JSON report (hundreds of findings). Strings are escaped by the same C function
    json.dumps uses; only a non-ASCII string can hold a lone surrogate, so only those are scrubbed.
    None when ``data`` holds something else than JSON's types with string keys (then json.dumps
    itself writes it, or says why it cannot)."""
    from json.encoder import encode_basestring_ascii as encode

    out: list[str] = []
    append = out.append
    # Per nesting level: what opens a container's first item, what separates items, what closes it.
    openers: list[str] = []
    separators: list[str] = []
    closers: list[str] = []

    def layout(level: int) -> None:
        while len(openers) <= level:
            depth = len(openers)
            openers.append("\n" + indent * (depth + 1))
            separators.append(",\n" + indent * (depth + 1))
            closers.append("\n" + indent * depth)

    def write(value: Any, level: int) -> None:
        if isinstance(value, str):
            append(encode(value if value.isascii() else scrub(value)))
        elif value is None:
            append("null")
        elif value is True:
            append("true")
        elif value is False:
            append("false")
        elif isinstance(value, int):
            append(int.__repr__(value))
        elif isinstance(value, float):
            append(_float_text(value))
        elif isinstance(value, list | tuple):
            if not value:
                append("[]")
                return
            layout(level)
            append("[")
            separator = openers[level]
            for item in value:
                kind = type(item)
                if kind is str:  # the usual leaves inline, without a call each
                    append(separator + encode(item if item.isascii() else scrub(item)))
                elif kind is int:
                    append(separator + int.__repr__(item))
                else:
                    append(separator)
                    write(item, level + 1)
                separator = separators[level]
            append(closers[level])
            append("]")
        elif isinstance(value, dict):
            if not value:
                append("{}")
                return
            try:
                keys = "".join(value)
            except TypeError:  # a key that is no string
                raise _Unusual from None
            if not keys.isascii():  # as _scrub_tree: scrubbed keys, later ones win
                value = {scrub(k): v for k, v in value.items()}
            layout(level)
            append("{")
            separator = openers[level]
            for key, item in sorted(value.items()) if sort_keys else value.items():
                kind = type(item)
                if kind is str:
                    append(f"{separator}{encode(key)}: {encode(item if item.isascii() else scrub(item))}")
                elif kind is int:
                    append(f"{separator}{encode(key)}: {int.__repr__(item)}")
                elif item is None:
                    append(f"{separator}{encode(key)}: null")
                else:
                    append(f"{separator}{encode(key)}: ")
                    write(item, level + 1)
                separator = separators[level]
            append(closers[level])
            append("}")
        else:
            raise _Unusual

    try:
        write(data, 0)
    except _Unusual:
        return None
    return "".join(out)


# Markdown --------------------------------------------------------------------------------------

_MD_SPECIAL = {"\\": "\\\\", "`": "\\`", "[": "\\[", "]": "\\]", "|": "\\|", "&": "&amp;", "<": "&lt;",
               ">": "&gt;"}
_MD_SPECIAL_RE = re.compile(r"[\\`\[\]|&<>]")
_BACKTICKS = re.compile("`+")


def md_text(text: str) -> str:
    """Markdown text that renders as ``text`` and nothing more: no HTML, link, image or code span can
    start in it (``<``, ``&``, ``[``, ``]`` and backticks escaped), ``|`` escaped for table cells,
    line breaks as ``<br>``, other control characters as their escapes."""
    escaped = _MD_SPECIAL_RE.sub(lambda m: _MD_SPECIAL[m.group()], scrub(text))
    # Every ``[`` is now ``\\[``, so no ``##name[`` is left for a CI agent to read.
    return visible(_BREAKS.sub("<br>", escaped))


_SPAN_UNSAFE = re.compile("[`<\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
"""What a code span cannot hold as it is: a backtick (it would end the span), ``<`` (to leave no raw
``<tag`` in the markdown at all), control characters and surrogates."""


def _span_content(text: str) -> str | None:
    """A code span's content as table cells write it (``\\`` and ``|`` escaped), or None when it
    holds what a code span cannot (:data:`_SPAN_UNSAFE`): then it is written as ``<code>`` around
    :func:`md_text`."""
    if _SPAN_UNSAFE.search(text):
        return None
    return neutralise(text.replace("\\", "\\\\").replace("|", "\\|"))


def md_code(text: str) -> str:
    """``text`` as inline code in a table cell; empty text gives an empty cell."""
    text = text.strip()
    if not text:
        return ""
    content = _span_content(text)
    return f"`{content}`" if content is not None else f"<code>{md_text(text)}</code>"


def md_message(text: str) -> str:
    """A message for markdown: its code spans (as CommonMark pairs backtick strings) stay code spans,
    or become ``<code>`` when their content needs escaping; the text around them is :func:`md_text`,
    and a backtick string without a partner is escaped. So a backtick in a scanned name cannot open
    or close a span the rule did not write. Leading and trailing white space is dropped."""
    runs = list(_BACKTICKS.finditer(text))
    partner: list[int | None] = [None] * len(runs)  # the next run of the same length, found in one pass
    last: dict[int, int] = {}
    for index in range(len(runs) - 1, -1, -1):
        length = len(runs[index].group())
        partner[index] = last.get(length)
        last[length] = index
    out: list[str] = []
    position = index = 0
    while index < len(runs):
        opening, closing = runs[index], partner[index]
        out.append(md_text(text[position:opening.start()]))
        if closing is None:
            out.append(md_text(opening.group()))
            position, index = opening.end(), index + 1
            continue
        fence, inner = opening.group(), text[opening.end():runs[closing].start()]
        content = _span_content(inner) if inner.strip() else None
        out.append(f"{fence}{content}{fence}" if content is not None else f"<code>{md_text(inner)}</code>")
        position, index = runs[closing].end(), closing + 1
    out.append(md_text(text[position:]))
    return "".join(out).strip()


# Views: Mermaid, DOT, HTML ---------------------------------------------------------------------

_MERMAID_SAFE = re.compile(r"[A-Za-z0-9 _.,:/=+@()'\[\]-]")


def mermaid_text(text: str) -> str:
    """A scanned string inside a quoted Mermaid label (``id["..."]``, an edge's ``|"..."|``): every
    character but letters, digits, space and ``_.,:/=+@()'[]-`` as its entity code (``#34;``), which
    Mermaid decodes for display, so no quote, bracket, backtick (a markdown string), ``<`` (HTML), ``%%``
    (a comment) or line break can leave the label; control characters as their escapes."""
    return "".join(c if _MERMAID_SAFE.fullmatch(c) else f"#{ord(c)};" for c in visible(scrub(text)))


_GANTT_UNSAFE = re.compile(r"[^A-Za-z0-9 _.()/-]")


def mermaid_gantt_text(text: str) -> str:
    """A scanned string in a Mermaid Gantt task or section title, which knows no escapes: every
    character but letters, digits, space and ``_.()/-`` is ``_`` (``:`` and ``#`` end a title)."""
    return _GANTT_UNSAFE.sub("_", visible(scrub(text))).strip() or "_"


def dot_text(text: str) -> str:
    """A scanned string inside a double-quoted Graphviz DOT string: ``\\`` and ``"`` escaped, control
    characters (line breaks too) as their escapes, shown as such; ``&`` as ``&amp;`` and the first
    ``#`` of ``##vso[`` as ``&#35;`` (Graphviz reads character entities in labels, and no CI agent
    reading the output finds a command)."""
    entities = _CI_COMMAND.sub("&#35;", visible(scrub(text)).replace("&", "&amp;"))
    return entities.replace("\\", "\\\\").replace('"', '\\"')


def html_text(text: str) -> str:
    """A scanned string in HTML text or a quoted attribute: ``& < > " '`` as character references,
    control characters as their escapes, no lone surrogate, and the first ``#`` of ``##vso[`` as
    ``&#35;`` (it renders as ``#``, and no CI agent reading the file finds a command)."""
    import html

    return _CI_COMMAND.sub("&#35;", html.escape(visible(scrub(text)), quote=True))
