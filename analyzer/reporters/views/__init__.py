"""Renderers of the views (:mod:`analyzer.viewmodel`): each a pure function of one view, which it
escapes for its format (:mod:`analyzer.reporters._escape`); none sees the graph."""

from __future__ import annotations

import importlib

from fleetiac.analyzer.reporters._escape import json_text
from fleetiac.analyzer.viewmodel import AccessMatrix, GraphView, RolloutView, View, to_data

FORMATS: dict[type, tuple[str, ...]] = {
    RolloutView: ("text", "json", "markdown", "mermaid", "html"),
    AccessMatrix: ("text", "json", "markdown", "html"),
    GraphView: ("mermaid", "dot", "json", "html"),
}
"""The formats of each view, the default first."""
_MODULES = {RolloutView: "rollout", AccessMatrix: "access", GraphView: "graph"}


def render(view: View, fmt: str) -> str:
    """``view`` in ``fmt`` (one of :data:`FORMATS` for its type); ends with a newline."""
    if fmt not in FORMATS[type(view)]:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS[type(view)])}")
    if fmt == "json":
        return json_text(to_data(view), indent=2, sort_keys=True) + "\n"
    if fmt == "html":
        from fleetiac.analyzer.reporters.html import view_page

        return view_page(view)
    module = importlib.import_module(f"fleetiac.analyzer.reporters.views.{_MODULES[type(view)]}")
    text: str = getattr(module, fmt)(view)
    return text if text.endswith("\n") else text + "\n"
