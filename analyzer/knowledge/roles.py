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
    data = importlib_resources.files("fleetiac.analyzer.knowledge").joinpath("data/roles.json")
    text = data.read_text(encoding="utf-8")
    by_name: dict[str, Role] = {}
    by_guid: dict[str, Role] = {}
    for entry in json.loads(text)["roles"]:
        role = Role(entry["name"], tuple(entry["actions"]), tuple(entry["not_actions"]))
        by_name[entry["name"].lower()] = role
        by_guid[entry["id"].lower()] = role
    return by_name, by_guid


# -- Exports from Azure (policies.md "Access context", azure-facts §10) ----------------------------

ASSIGNMENT_TYPE = "microsoft.authorization/roleassignments"
DEFINITION_TYPE = "microsoft.authorization/roledefinitions"
_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


class ExportError(Exception):
    """A file given as an export is not one ``az role assignment list`` or ``az role definition list``
    prints."""


@dataclass(frozen=True, slots=True)
class ExportedAssignment:
    """One object of ``az role assignment list -o json``: the fields fleetiac reads."""

    principal_id: str
    """The object ID, lower-cased."""
    role_guid: str | None
    """The GUID that ends ``roleDefinitionId``, lower-cased (None when it ends otherwise)."""
    role_name: str
    """``roleDefinitionName``, for messages."""
    scope: str
    source: str
    """The export file's name, for messages."""


@dataclass(frozen=True, slots=True)
class Exports:
    """Everything the ``--assignments`` files hold, in the order given."""

    assignments: tuple[ExportedAssignment, ...] = ()
    roles: tuple[tuple[str, Role], ...] = ()
    """Custom role definitions by lower-cased GUID (``name``, else the end of ``id``)."""
    digest: str = ""
    """Names the content, for the findings cache."""

    def role(self, guid: str | None) -> Role | None:
        """The role an exported assignment names: built in, else an exported custom role."""
        if guid is None:
            return None
        builtin = builtin_roles()[1].get(guid)
        if builtin is not None:
            return builtin
        return dict(self.roles).get(guid)


def _text(entry: dict[str, object], key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ExportError(f"{where}: `{key}` is missing or not a string")
    return value.strip()


def _actions(value: object, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(a, str) for a in value):
        raise ExportError(f"{where}: must be a list of strings")
    return tuple(value)


_EXPECTED = ("give the output of `az role assignment list --all --assignee ID -o json` or "
             "`az role definition list --custom-role-only true -o json`")


def read_export(text: str, name: str) -> Exports:
    """One export file: a JSON array of role assignments or of role definitions (either may be empty).
    Anything else raises :class:`ExportError` naming the file and what is wrong."""
    import json

    try:
        data = json.loads(text)
    except ValueError as error:
        raise ExportError(f"{name}: not JSON ({error}); {_EXPECTED}") from None
    if not isinstance(data, list):
        raise ExportError(f"{name}: not a JSON array; {_EXPECTED}")
    assignments: list[ExportedAssignment] = []
    roles: list[tuple[str, Role]] = []
    for i, entry in enumerate(data):
        where = f"{name}: item {i + 1}"
        kind = entry.get("type") if isinstance(entry, dict) else None
        if not isinstance(entry, dict) or not isinstance(kind, str) \
                or kind.lower() not in (ASSIGNMENT_TYPE, DEFINITION_TYPE):
            raise ExportError(f"{where} is not a role assignment or role definition (its `type` must be "
                              "Microsoft.Authorization/roleAssignments or Microsoft.Authorization/roleDefinitions)")
        if kind.lower() == ASSIGNMENT_TYPE:
            principal = _text(entry, "principalId", where)
            if not _GUID.match(principal):
                raise ExportError(f"{where}: `principalId` {principal!r} is not an object ID")
            role_id = _text(entry, "roleDefinitionId", where).rstrip("/")
            guid = role_id.rsplit("/", 1)[-1].lower()
            name_value = entry.get("roleDefinitionName")
            assignments.append(ExportedAssignment(
                principal.lower(), guid if _GUID.match(guid) else None,
                name_value if isinstance(name_value, str) else role_id, _text(entry, "scope", where), name))
        else:
            named = entry.get("name")
            guid = named if isinstance(named, str) and _GUID.match(named) else \
                _text(entry, "id", where).rstrip("/").rsplit("/", 1)[-1]
            if not _GUID.match(guid):
                raise ExportError(f"{where}: neither `name` nor `id` ends in a role definition GUID")
            permissions = entry.get("permissions")
            if not isinstance(permissions, list) or not all(isinstance(p, dict) for p in permissions):
                raise ExportError(f"{where}: `permissions` must be a list of objects")
            actions = tuple(a for p in permissions for a in _actions(p.get("actions"), f"{where}: actions"))
            not_actions = tuple(a for p in permissions
                                for a in _actions(p.get("notActions"), f"{where}: notActions"))
            role_name = entry.get("roleName")
            roles.append((guid.lower(), Role(role_name if isinstance(role_name, str) else guid, actions, not_actions)))
    return Exports(tuple(assignments), tuple(roles))


def merge_exports(exports: list[Exports], digest: str) -> Exports:
    return Exports(tuple(a for e in exports for a in e.assignments), tuple(r for e in exports for r in e.roles),
                   digest)
