"""Plans and states in the shape ``terraform show -json`` prints them (JSON output format, format
version 1.2: https://developer.hashicorp.com/terraform/internals/json-format), from a short list of
resource instances. Used by the plan tests and to write the plan fixtures (``fixtures/*/plan-*``)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

AZURERM = "registry.terraform.io/hashicorp/azurerm"


@dataclass
class Res:
    """One resource instance: ``module`` is the module instance address (``module.env[0]``), ``after``
    its planned values (unknown ones left out), ``unknown`` its ``after_unknown``, ``expressions`` its
    block's configuration expressions."""

    type: str
    name: str
    after: dict[str, Any]
    unknown: dict[str, Any] = field(default_factory=dict)
    expressions: dict[str, Any] = field(default_factory=dict)
    index: int | str | None = None
    module: str = ""
    mode: str = "managed"
    provider: str = AZURERM

    @property
    def local(self) -> str:
        base = f"{self.type}.{self.name}" if self.mode == "managed" else f"data.{self.type}.{self.name}"
        if self.index is None:
            return base
        return base + (f"[{self.index}]" if isinstance(self.index, int) else f'["{self.index}"]')

    @property
    def address(self) -> str:
        return f"{self.module}.{self.local}" if self.module else self.local


def ref(*addresses: str) -> dict[str, Any]:
    """A configuration expression that is a reference: Terraform lists it with its prefixes."""
    out: list[str] = []
    for address in addresses:
        parts = address.split(".")
        for end in range(len(parts), 1, -1):
            if ".".join(parts[:end]) not in out and not (end == 2 and parts[0] == "data"):
                out.append(".".join(parts[:end]))
    return {"references": out}


def const(value: Any) -> dict[str, Any]:
    return {"constant_value": value}


def _instance(res: Res) -> dict[str, Any]:
    out: dict[str, Any] = {"address": res.address, "mode": res.mode, "type": res.type, "name": res.name}
    if res.index is not None:
        out["index"] = res.index
    out.update({"provider_name": res.provider, "schema_version": 0, "values": res.after, "sensitive_values": {}})
    return out


def _module_values(resources: list[Res], address: str) -> dict[str, Any]:
    own = [_instance(r) for r in resources if r.module == address]
    prefix = f"{address}." if address else ""
    children = sorted({prefix + _first_step(r.module[len(prefix):]) for r in resources
                       if r.module.startswith(prefix) and r.module != address})
    out: dict[str, Any] = {}
    if address:
        out["address"] = address
    out["resources"] = own
    if children:
        out["child_modules"] = [_module_values(resources, child) for child in children]
    return out


def _first_step(rest: str) -> str:
    """The first ``module.NAME[KEY]`` of a module address."""
    match = re.match(r'module\.[^.\[]+(\[[^\]]+\])?', rest)
    assert match is not None, rest
    return match.group(0)


def _calls(module: str) -> list[str]:
    """``module.env[0].module.inner`` -> ``["env", "inner"]``."""
    return re.findall(r"module\.([^.\[]+)", module)


def _config(resources: list[Res], sources: dict[str, str], outputs: dict[str, dict[str, Any]],
            depth: tuple[str, ...] = ()) -> dict[str, Any]:
    seen: dict[str, dict[str, Any]] = {}
    for r in resources:
        if tuple(_calls(r.module)) != depth:
            continue
        local = f"{r.type}.{r.name}" if r.mode == "managed" else f"data.{r.type}.{r.name}"
        entry = {"address": local, "mode": r.mode, "type": r.type, "name": r.name,
                 "provider_config_key": "azurerm", "expressions": r.expressions, "schema_version": 0}
        if r.index is not None:
            entry["count_expression" if isinstance(r.index, int) else "for_each_expression"] = const(None)
        seen.setdefault(local, entry)
    out: dict[str, Any] = {}
    key = ".".join(depth)
    if key in outputs:
        out["outputs"] = outputs[key]
    out["resources"] = list(seen.values())
    calls = sorted({tuple(_calls(r.module))[len(depth)] for r in resources
                    if tuple(_calls(r.module))[:len(depth)] == depth and len(_calls(r.module)) > len(depth)})
    if calls:
        out["module_calls"] = {call: {"source": sources.get(".".join((*depth, call)), f"./modules/{call}"),
                                      "module": _config(resources, sources, outputs, (*depth, call))}
                               for call in calls}
    return out


def plan(resources: list[Res], *, variables: dict[str, Any] | None = None, sources: dict[str, str] | None = None,
         outputs: dict[str, dict[str, Any]] | None = None, format_version: str = "1.2",
         constraint: str = "~> 4.0") -> dict[str, Any]:
    """``terraform show -json PLANFILE`` of a plan that creates ``resources``."""
    return {
        "format_version": format_version,
        "terraform_version": "1.9.8",
        "variables": {name: {"value": value} for name, value in (variables or {}).items()},
        "planned_values": {"root_module": _module_values(resources, "")},
        "resource_changes": [
            {"address": r.address, **({"module_address": r.module} if r.module else {}), "mode": r.mode,
             "type": r.type, "name": r.name, **({"index": r.index} if r.index is not None else {}),
             "provider_name": r.provider,
             "change": {"actions": ["read"] if r.mode == "data" else ["create"], "before": None, "after": r.after,
                        "after_unknown": r.unknown, "before_sensitive": False, "after_sensitive": {}}}
            for r in resources],
        "configuration": {
            "provider_config": {"azurerm": {"name": "azurerm", "full_name": AZURERM, "version_constraint": constraint,
                                            "expressions": {"features": [{}]}}},
            "root_module": _config(resources, sources or {}, outputs or {})},
        "timestamp": "2026-11-20T09:00:00Z",
        "applyable": True,
        "complete": True,
        "errored": False,
    }


def state(resources: list[Res]) -> dict[str, Any]:
    """``terraform show -json`` of a state holding ``resources`` (every value known)."""
    return {"format_version": "1.0", "terraform_version": "1.9.8",
            "values": {"root_module": _module_values(resources, "")}}


def dumps(document: dict[str, Any]) -> str:
    """As ``terraform show -json`` writes it, indented for reading (Terraform writes one line)."""
    return json.dumps(document, indent=2) + "\n"
