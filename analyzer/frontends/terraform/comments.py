"""Comments of Terraform files (``#``, ``//``, ``/* */``; strings with templates, heredocs), for inline
suppressions. ``.tfvars.json`` files have none."""

from __future__ import annotations

from fleetiac.analyzer.frontends.base import CoveredComment
from fleetiac.analyzer.frontends.scanner import Syntax, covered_comments

HCL = Syntax(quote='"', hash_comments=True, heredocs=True, strings_end_at_line=True, template_directives=True)


def comments(text: str, display: str) -> list[CoveredComment]:
    if display.lower().endswith(".json"):
        return []  # JSON has no comments
    return covered_comments(text, HCL)
