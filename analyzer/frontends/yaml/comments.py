"""Comments of YAML manifests, for inline suppressions."""

from __future__ import annotations

from fleetiac.analyzer.frontends.base import CoveredComment


def comments(text: str, display: str) -> list[CoveredComment]:
    """A ``#`` comment on its own line covers the next line and every line indented under it; at the
    top level it covers the rest of the document (up to ``---``)."""
    lines = text.splitlines()

    def indent(number: int) -> int:
        return len(lines[number - 1]) - len(lines[number - 1].lstrip())

    def is_content(number: int) -> bool:
        stripped = lines[number - 1].strip()
        return bool(stripped) and not stripped.startswith("#")

    found: list[CoveredComment] = []
    for number, raw in enumerate(lines, start=1):
        stripped = raw.lstrip()
        if not stripped.startswith("#"):
            continue
        start = next((n for n in range(number + 1, len(lines) + 1) if is_content(n)), None)
        end = number if start is None else start
        if start is not None:
            for n in range(start + 1, len(lines) + 1):
                if not is_content(n):
                    continue
                if lines[n - 1].strip() == "---" or (indent(start) > 0 and indent(n) <= indent(start)):
                    break
                end = n
        found.append(CoveredComment(number, len(raw) - len(stripped) + 1, stripped[1:].strip(), start or number, end))
    return found
