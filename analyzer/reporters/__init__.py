"""Reporters turn a finished :class:`~analyzer.model.Report` into text.

A reporter is a pure function of the report: it never reads files, the graph or the parsers, so the
same report always renders to the same bytes (tests and SARIF consumers rely on that).
"""

from __future__ import annotations

from collections.abc import Callable

from analyzer.model import Report
from analyzer.reporters import json as json_reporter
from analyzer.reporters import sarif as sarif_reporter
from analyzer.reporters import text as text_reporter

FORMATS: tuple[str, ...] = ("text", "json", "sarif")
"""The values ``--format`` accepts, in the order the CLI lists them."""

# Only the text format has a use for color; the machine formats ignore the flag, so they share one
# signature without pretending to support it.
_RENDERERS: dict[str, Callable[[Report, bool], str]] = {
    "text": lambda report, color: text_reporter.render(report, color=color),
    "json": lambda report, color: json_reporter.render(report),
    "sarif": lambda report, color: sarif_reporter.render(report),
}


def render(report: Report, fmt: str, *, color: bool = False) -> str:
    """Render ``report`` in format ``fmt`` (one of :data:`FORMATS`); the result ends with a newline.

    ``color`` adds ANSI escapes to the text format only; the caller decides (a terminal, not a file).
    """
    try:
        renderer = _RENDERERS[fmt]
    except KeyError:
        raise ValueError(f"unknown report format {fmt!r}; expected one of {', '.join(FORMATS)}") from None
    return renderer(report, color)


__all__ = ["FORMATS", "render"]
