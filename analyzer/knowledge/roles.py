"""Azure RBAC facts: built-in roles with their actions (packaged data), and how a role's actions and
not-actions match an operation, wildcards included."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources as importlib_resources

MEMBERS_WRITE = "Microsoft.ContainerService/fleets/members/write"


@dataclass(frozen=True, slots=True)
class Role:
    name: str
    actions: tuple[str, ...]
    not_actions: tuple[str, ...]

    def permits(self, action: str) -> bool:
        return _permits(self.actions, self.not_actions, action)


@cache
def _permits(actions: tuple[str, ...], not_actions: tuple[str, ...], action: str) -> bool:
    # Remembered: rules ask the same few roles about the same actions once per fleet and grant, which
    # made this pattern matching the largest cost of a scan with many fleets and role assignments.
    return any(_matches(p, action) for p in actions) and not any(_matches(p, action) for p in not_actions)


@cache
def _pattern(pattern: str) -> re.Pattern[str]:
    return re.compile("^" + ".*".join(re.escape(part) for part in pattern.split("*")) + "$", re.I)


def _matches(pattern: str, action: str) -> bool:
    return bool(_pattern(pattern).match(action))


@cache
def builtin_roles() -> tuple[dict[str, Role], dict[str, Role]]:
    """Built-in roles by lower-cased name and by GUID, from the packaged data file."""
    text = importlib_resources.files("analyzer.knowledge").joinpath("data/roles.json").read_text(encoding="utf-8")
    by_name: dict[str, Role] = {}
    by_guid: dict[str, Role] = {}
    for entry in json.loads(text)["roles"]:
        role = Role(entry["name"], tuple(entry["actions"]), tuple(entry["not_actions"]))
        by_name[entry["name"].lower()] = role
        by_guid[entry["id"].lower()] = role
    return by_name, by_guid
