"""Comments of Bicep files (``//``, ``/* */``; ``'...'`` strings with ``${}``, ``'''`` strings), for
inline suppressions."""

from __future__ import annotations

from analyzer.frontends.base import CoveredComment
from analyzer.frontends.scanner import Syntax, covered_comments

BICEP = Syntax(quote="'")


def comments(text: str, display: str) -> list[CoveredComment]:
    return covered_comments(text, BICEP)
