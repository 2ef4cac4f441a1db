"""Comments of shell and PowerShell scripts, for inline suppressions."""

from __future__ import annotations

from fleetiac.analyzer.frontends.base import CoveredComment


def comments(text: str, display: str) -> list[CoveredComment]:
    """A ``#`` comment on its own line covers the next line; one after code covers its own line."""
    found: list[CoveredComment] = []
    lines = text.splitlines()
    for number, raw in enumerate(lines, start=1):
        stripped = raw.lstrip()
        if stripped.startswith("#"):
            found.append(CoveredComment(number, len(raw) - len(stripped) + 1, stripped[1:].strip(), number,
                                        min(number + 1, len(lines))))
        elif " #" in raw:
            column = raw.index(" #") + 2
            found.append(CoveredComment(number, column, raw[column:].strip(), number, number))
    return found
