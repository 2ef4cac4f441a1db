"""Comments of Bicep files (``//``, ``/* */``; ``'...'`` strings with ``${}``, ``'''`` strings), for
inline suppressions."""

from __future__ import annotations

from fleetiac.analyzer.frontends.base import CoveredComment
from fleetiac.analyzer.frontends.scanner import Syntax, covered_comments

BICEP = Syntax(quote="'")


def comments(text: str, display: str) -> list[CoveredComment]:
    return covered_comments(text, BICEP)
