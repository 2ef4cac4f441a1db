"""Comments of plan files: JSON has none (suppress a plan's findings by baseline or configuration,
or by a comment in the ``.tf`` code a finding is mapped to)."""

from __future__ import annotations

from fleetiac.analyzer.frontends.base import CoveredComment


def comments(text: str, display: str) -> list[CoveredComment]:
    return []
