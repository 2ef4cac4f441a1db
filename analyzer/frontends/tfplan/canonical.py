"""A plan's modules to canonical resources: the Terraform front end's mapping, unchanged."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fleetiac.analyzer.frontends.terraform import syntax as s
from fleetiac.analyzer.model import Resource

if TYPE_CHECKING:
    from fleetiac.analyzer.frontends.terraform.evaluate import Module


def resources(module: Module, deployment: str, lock: s.ParsedFile | None,
              constraints: list[tuple[str, str]]) -> list[Resource]:
    """The canonical resources of a plan's root module and the modules it calls, with the azurerm
    versions in use: the lock file beside the code when there is one, else the plan's provider
    version constraints."""
    from fleetiac.analyzer.frontends.terraform.canonical import azurerm_versions, extract, with_provider_versions

    found = extract(module)
    for resource in found:
        resource.deployment = deployment
    pos = s.Pos(1, 1, 1, 1)
    required = s.Block("required_providers", (), {
        f"p{i}": s.Attribute(f"p{i}", s.ObjectExpr(pos, ((s.Literal(pos, "source"), s.Literal(pos, source)),
                                                          (s.Literal(pos, "version"), s.Literal(pos, constraint)))),
                             pos)
        for i, (source, constraint) in enumerate(constraints)}, (), pos)
    terraform = s.ParsedFile("<plan>", (s.Block("terraform", (), {}, (required,), pos),), {})
    with_provider_versions(found, azurerm_versions(lock, [[terraform]]))
    return found
