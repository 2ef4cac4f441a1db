"""Comments of an ARM JSON file, for inline suppressions: none.

JSON has no comments (ARM's parser skips ``//`` and ``/* */``, but a template written as strict JSON,
such as ``az bicep build`` output, has none, and a ``metadata`` property is part of the deployment).
Findings in ARM templates are suppressed by a baseline (``--baseline``) or in the configuration
(``ignore``, ``exclude``), not inline.
"""

from __future__ import annotations

from fleetiac.analyzer.frontends.base import CoveredComment


def comments(text: str, display: str) -> list[CoveredComment]:
    return []
