"""Project configuration: ``[tool.fleetiac]`` in ``pyproject.toml`` or a ``.fleetiac.toml``.

The file is looked for from the first scanned path upward, stopping at the report root (the git root),
so a repository's configuration applies however deep a scan starts and a parent project's never leaks
in. In each folder ``.fleetiac.toml`` wins over ``pyproject.toml``; a ``pyproject.toml`` without a
``[tool.fleetiac]`` table does not count. The nearest file is used whole (no merging), so what applies
is always one file that can be read top to bottom. Command-line flags override its values.

Unknown keys are errors that name the file and the key: a misspelt ``ignroe`` silently doing nothing
is the failure this prevents.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

LEVEL_NAMES = ("error", "warning", "note")
FAIL_ON_NAMES = (*LEVEL_NAMES, "never")
KEYS = ("select", "ignore", "levels", "fail-on", "exclude", "operators", "var-files", "as-of")
"""Every key the table accepts, in the order ``fleetiac config`` prints them."""


class ConfigError(Exception):
    """The configuration file is unreadable or holds an unknown key or a bad value."""


@dataclass(slots=True)
class Config:
    path: Path | None = None
    """The file the values came from (None: no file found)."""
    table: str = ""
    """``[tool.fleetiac]`` for pyproject.toml, ``""`` for .fleetiac.toml."""
    values: dict[str, Any] = field(default_factory=dict)
    """Validated values by key; only the keys the file sets."""

    def describe(self, root: Path) -> str:
        """The file as ``fleetiac config`` names it: root-relative when inside the root."""
        if self.path is None:
            return "no configuration file"
        try:
            name = self.path.relative_to(root).as_posix()
        except ValueError:
            name = self.path.as_posix()
        return f"{name} {self.table}".strip()


def find(start: Path, root: Path) -> Config:
    """The nearest configuration from ``start`` (a scanned path) up to ``root``, validated."""
    start = start.resolve()
    folder = start if start.is_dir() else start.parent
    root = root.resolve()
    chain = [folder, *folder.parents]
    if root in chain:
        chain = chain[:chain.index(root) + 1]
    else:
        chain = [folder]  # the scanned path is outside the report root: only its own folder
    for here in chain:
        dedicated = here / ".fleetiac.toml"
        if dedicated.is_file():
            return Config(dedicated, "", validate(_read(dedicated), dedicated, ""))
        pyproject = here / "pyproject.toml"
        if pyproject.is_file():
            data = _read(pyproject)
            tool = data.get("tool", {})
            if isinstance(tool, dict) and "fleetiac" in tool:
                table = tool["fleetiac"]
                if not isinstance(table, dict):
                    raise ConfigError(f"{pyproject}: [tool.fleetiac] must be a table")
                return Config(pyproject, "[tool.fleetiac]", validate(table, pyproject, "tool.fleetiac."))
    return Config()


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror or error}") from None


def _strings(value: Any, path: Path, key: str) -> tuple[str, ...]:
    """A list of strings, or one string of comma-separated items (as the CLI accepts)."""
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"{path}: {key} must be a list of strings")
    return tuple(item.strip() for item in value if item.strip())


def validate(data: dict[str, Any], path: Path, prefix: str) -> dict[str, Any]:
    """Check every key and value; relative ``var-files`` are made relative to the file's folder."""
    values: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if key not in KEYS:
            raise ConfigError(f"{path}: unknown key {name!r} (known: {', '.join(KEYS)})")
        if key in ("select", "ignore", "exclude", "operators"):
            values[key] = _strings(value, path, name)
        elif key == "var-files":
            values[key] = tuple((path.parent / item).resolve() for item in _strings(value, path, name))
        elif key == "fail-on":
            if value not in FAIL_ON_NAMES:
                raise ConfigError(f"{path}: {name} must be one of {', '.join(FAIL_ON_NAMES)}, not {value!r}")
            values[key] = value
        elif key == "as-of":
            if isinstance(value, date):
                values[key] = value
            else:
                try:
                    values[key] = date.fromisoformat(str(value))
                except ValueError:
                    raise ConfigError(f"{path}: {name} must be a date (YYYY-MM-DD), not {value!r}") from None
        elif key == "levels":
            if not isinstance(value, dict):
                raise ConfigError(f"{path}: {name} must be a table of rule ID = level")
            levels = []
            for rule_id, level in value.items():
                if level not in LEVEL_NAMES:
                    raise ConfigError(f"{path}: {name}.{rule_id} must be one of {', '.join(LEVEL_NAMES)}, "
                                      f"not {level!r}")
                levels.append((rule_id.upper(), level))
            values[key] = tuple(levels)
    if "levels" in values:
        from analyzer.rules import all_rules

        known = {rule.info.id for rule in all_rules()}
        for rule_id, _ in values["levels"]:
            if rule_id not in known:
                raise ConfigError(f"{path}: unknown rule {rule_id!r} in {prefix}levels")
    return values
