"""A Terraform plan or state in JSON (``terraform show -json``) to plain data with positions.

The file is read with the positioned JSON reader of the Terraform front end, so a resource the
configuration in the scanned tree does not declare is still located at its place in the plan."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fleetiac.analyzer.frontends.terraform.jsonsyntax import JObject, JsonProblem, parse_json


@dataclass(frozen=True, slots=True)
class PlanFile:
    display: str
    root: Any
    """The whole JSON (:mod:`analyzer.frontends.terraform.jsonsyntax` nodes)."""
    kind: str
    """``plan`` (``planned_values``), ``state`` (``values``), or ``other``: JSON that is neither
    (ignored, silently)."""


def parse_plan(text: str, display: str) -> PlanFile:
    """Raises :class:`~analyzer.frontends.terraform.jsonsyntax.JsonProblem` where the text is not JSON."""
    root = parse_json(text)
    kind = "other"
    if isinstance(root, JObject) and root.get("format_version") is not None:
        if isinstance(root.get("planned_values"), JObject):
            kind = "plan"
        elif isinstance(root.get("values"), JObject):
            kind = "state"
    return PlanFile(display, root, kind)


__all__ = ["JsonProblem", "PlanFile", "parse_plan"]
