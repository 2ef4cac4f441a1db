"""Reporters turn a finished :class:`~analyzer.model.Report` into text.

A reporter is a pure function of the report: it never reads files, the graph or the parsers, so the
same report always renders to the same bytes (tests and SARIF consumers rely on that).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

# The command line reads FORMATS before a scan that may never need a report model (a replayed one);
# the views' model is imported by the html reporter, the only one that draws views.
if TYPE_CHECKING:
    from fleetiac.analyzer.model import Report
    from fleetiac.analyzer.viewmodel import ReportViews


def _reporter(name: str) -> Any:
    """A reporter module, imported when its format is asked for (most scans render one format)."""
    return importlib.import_module(f"fleetiac.analyzer.reporters.{name}")


FORMATS: tuple[str, ...] = ("text", "json", "sarif", "junit", "github", "markdown", "html", "gitlab", "gitlab-sast")
"""The values ``--format`` accepts, in the order the CLI lists them."""


@dataclass(frozen=True, slots=True)
class RenderOptions:
    """Choices about presentation, not about findings: they never change what a report contains."""

    color: bool = False
    """ANSI escapes in the text format (the caller checks for a terminal)."""
    sarif_category: str = ""
    """SARIF ``automationDetails.id`` (GitHub's upload category); empty: not written."""
    sarif_include_suppressed: bool = False
    """Write suppressed findings to SARIF with ``suppressions`` entries (left out by default)."""
    views: ReportViews | None = None
    """For ``html``: the rollout, access and graph views and the code around each finding (computed by
    the pipeline, :func:`analyzer.views.report_views`); None: the findings alone."""
    text_style: str = "full"
    """The text format's layout (:data:`analyzer.reporters.text.STYLES`): ``full``, ``compact``,
    ``statistics`` or ``quiet``."""


# Each renderer takes the options it has a use for; the others ignore them.
_RENDERERS: dict[str, Callable[[Report, RenderOptions], str]] = {
    "text": lambda report, options: _reporter("text").render(report, color=options.color,
                                                                 style=options.text_style),
    "json": lambda report, options: _reporter("json").render(report),
    "sarif": lambda report, options: _reporter("sarif").render(
        report, category=options.sarif_category, include_suppressed=options.sarif_include_suppressed),
    "junit": lambda report, options: _reporter("junit").render(report),
    "github": lambda report, options: _reporter("github").render(report),
    "markdown": lambda report, options: _reporter("markdown").render(report),
    "html": lambda report, options: _reporter("html").render(report, options.views),
    "gitlab": lambda report, options: _reporter("gitlab").render_code_quality(report),
    "gitlab-sast": lambda report, options: _reporter("gitlab").render_sast(report),
}


def render(report: Report, fmt: str, *, color: bool = False, options: RenderOptions | None = None) -> str:
    """Render ``report`` in format ``fmt`` (one of :data:`FORMATS`); the result ends with a newline.

    ``color`` adds ANSI escapes to the text format only; ``options`` carries the other presentation
    choices (``color`` given here wins over ``options.color`` being False).
    """
    try:
        renderer = _RENDERERS[fmt]
    except KeyError:
        raise ValueError(f"unknown report format {fmt!r}; expected one of {', '.join(FORMATS)}") from None
    options = options or RenderOptions()
    if color and not options.color:
        options = replace(options, color=True)
    return renderer(report, options)


__all__ = ["FORMATS", "RenderOptions", "render"]
