"""Project configuration: ``[tool.fleetiac]`` in ``pyproject.toml`` or a ``.fleetiac.toml``.

The file is looked for from the first scanned path upward, stopping at the report root (the git root),
so a repository's configuration applies however deep a scan starts and a parent project's never leaks
in. In each folder ``.fleetiac.toml`` wins over ``pyproject.toml``; a ``pyproject.toml`` without a
``[tool.fleetiac]`` table does not count. The nearest file is used whole (no merging), so what applies
is always one file that can be read top to bottom. Command-line flags override its values.

``--config FILE`` names the one file to use instead (:func:`load`), and ``--isolated`` uses none.

A configuration file in the scanned tree is input of the scan like the code (a pull request can add
one), so it may not make fleetiac read anything outside the scanned root (the report root): a file found
there that is a link to outside is an error, and so is a ``var-files``, ``assignments`` or
``aks-versions`` entry that leads outside (``--var-file``, ``--assignments`` and ``--aks-versions`` on
the command line are the user's own choice and may name any file). Those entries of a ``--config``
file that lies outside the scanned root are the user's too.

Unknown keys are errors that name the file and the key: a misspelt ``ignroe`` silently doing nothing
is the failure this prevents.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

LEVEL_NAMES = ("error", "warning", "note")
FAIL_ON_NAMES = (*LEVEL_NAMES, "never")
UNREADABLE_FLEET_NAMES = ("error", "warn")
"""``unreadable-fleet-files``: a file declaring Fleet Manager resources that cannot be read is a FIAC901
error (the default gate fails), or a warning like any other unreadable file."""
KEYS = ("select", "ignore", "levels", "fail-on", "exclude", "operators", "assignments", "var-files", "aks-versions",
        "as-of", "manifests", "unreadable-fleet-files")
"""Every key the table accepts, in the order ``fleetiac config`` prints them."""


@dataclass(frozen=True, slots=True)
class Exclusion:
    """An ``exclude`` glob as the user wrote it, with the folder it is relative to: the current folder
    for ``--exclude``, the configuration file's folder for its ``exclude`` key (a plain string in
    :attr:`~analyzer.engine.ScanOptions.exclude` is relative to the report root)."""

    pattern: str
    base: str
    """The absolute POSIX folder the pattern is relative to (resolved); ``""``: the report root (the
    ``exclude`` of a ``--config`` file outside the scanned root, whose own folder says nothing about the
    tree: a trusted file kept outside the checkout names the tree's paths from its root)."""
    config: str = ""
    """The configuration file that set it, as an absolute POSIX path; ``""``: the command line."""

    def anchored(self) -> str:
        """The pattern as an absolute POSIX glob (an absolute pattern is kept; ``..`` and ``.`` folded;
        glob characters in the folder's name match only themselves)."""
        import glob
        import posixpath

        cleaned = self.pattern.strip()
        joined = cleaned if cleaned.startswith("/") else glob.escape(self.base.rstrip("/")) + "/" + cleaned
        return posixpath.normpath(joined)


def cli_exclusions(patterns: tuple[str, ...]) -> tuple[Exclusion, ...]:
    """``--exclude`` patterns, relative to the current folder."""
    here = Path.cwd().resolve().as_posix()
    return tuple(Exclusion(pattern, here) for pattern in patterns if pattern.strip())


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
    """The nearest configuration from ``start`` (a scanned path) up to ``root``, validated; every
    file it reads or names must be inside ``root``."""
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
            _confine(dedicated, root)
            return Config(dedicated, "", validate(_read(dedicated), dedicated, "", root))
        pyproject = here / "pyproject.toml"
        if pyproject.is_file():
            _confine(pyproject, root)
            found = _pyproject(pyproject, root)
            if found is not None:
                return found
    return Config()


def load(path: Path, root: Path) -> Config:
    """The file named with ``--config``: ``[tool.fleetiac]`` of a ``pyproject.toml`` (which must have
    the table), the top level of any other file. Its ``var-files`` must be inside ``root`` when the
    file itself is (a file of the scanned tree); a file outside it is the user's own."""
    if not path.is_file():
        raise ConfigError(f"{path}: --config names no file")
    root = root.resolve()
    confine = root if _inside(path, root) else None
    if path.name == "pyproject.toml":
        found = _pyproject(path, confine)
        if found is None:
            raise ConfigError(f"{path}: has no [tool.fleetiac] table")
        return found
    return Config(path, "", validate(_read(path), path, "", confine))


def _pyproject(path: Path, root: Path | None) -> Config | None:
    """``[tool.fleetiac]`` of a ``pyproject.toml``, or None when it has no such table."""
    data = _read(path)
    tool = data.get("tool", {})
    if not isinstance(tool, dict) or "fleetiac" not in tool:
        return None
    table = tool["fleetiac"]
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.fleetiac] must be a table")
    return Config(path, "[tool.fleetiac]", validate(table, path, "tool.fleetiac.", root))


def _inside(path: Path, root: Path) -> bool:
    from fleetiac.analyzer.frontends.sources import within

    return within(path, (root,))


def _confine(path: Path, root: Path) -> None:
    """A configuration file found in the tree that is a link to outside it is not read."""
    if not _inside(path, root):
        raise ConfigError(f"{path}: a symbolic link to outside the scanned root; fleetiac reads nothing "
                          "outside it (name a file there with --config)")


def _read(path: Path) -> dict[str, Any]:
    import tomllib  # here: most scans find no configuration file (a replayed rescan spent 2 ms on it)

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


def validate(data: dict[str, Any], path: Path, prefix: str, root: Path | None = None) -> dict[str, Any]:
    """Check every key and value; relative ``var-files``, ``assignments`` and ``aks-versions`` are made
    relative to the file's folder and resolved, and each must be inside ``root`` (resolved) when one is
    given."""
    values: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if key not in KEYS:
            raise ConfigError(f"{path}: unknown key {name!r} (known: {', '.join(KEYS)})")
        if key in ("select", "ignore"):
            values[key] = _strings(value, path, name)
        elif key == "exclude":
            # Relative to the file's folder, as its other paths are, wherever the scan starts; for a
            # --config file outside the scanned root (root None), relative to the report root.
            here = path.resolve()
            values[key] = tuple(Exclusion(item, here.parent.as_posix() if root is not None else "", here.as_posix())
                                for item in _strings(value, path, name))
        elif key == "operators":
            from fleetiac.analyzer.graph.access import parse_operator

            values[key] = _strings(value, path, name)
            for item in values[key]:
                try:
                    parse_operator(item)
                except ValueError as error:
                    raise ConfigError(f"{path}: {name}: {error}") from None
        elif key in ("var-files", "assignments", "aks-versions"):
            flag = {"var-files": "--var-file", "assignments": "--assignments"}.get(key, "--aks-versions")
            files = []
            for item in _strings(value, path, name):
                try:
                    resolved = (path.parent / item).resolve()
                except (OSError, RuntimeError):  # a link loop
                    raise ConfigError(f"{path}: {name} entry {item!r} cannot be resolved") from None
                if root is not None and not _inside(resolved, root):
                    raise ConfigError(f"{path}: {name} entry {item!r} is outside the scanned root, so it is not "
                                      f"read (fleetiac reads nothing outside it; name the file with {flag} "
                                      "on the command line to read it)")
                files.append(resolved)
            values[key] = tuple(files)
        elif key == "unreadable-fleet-files":
            if value not in UNREADABLE_FLEET_NAMES:
                raise ConfigError(f"{path}: {name} must be one of {', '.join(UNREADABLE_FLEET_NAMES)}, not {value!r}")
            values[key] = value
        elif key == "fail-on":
            value = value.lower() if isinstance(value, str) else value
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
        elif key == "manifests":
            if not isinstance(value, dict):
                raise ConfigError(f"{path}: {name} must be a table of manifest path glob = fleet address(es)")
            targets = []
            for pattern, fleets in value.items():
                named = (fleets,) if isinstance(fleets, str) else fleets
                if not isinstance(named, list | tuple) or not named or not all(isinstance(f, str) and f.strip()
                                                                               for f in named):
                    raise ConfigError(f"{path}: {name}.{pattern} must be a fleet address or a list of them")
                targets.append((pattern, tuple(f.strip() for f in named)))
            values[key] = tuple(targets)
    if "levels" in values:
        from fleetiac.analyzer.rules import all_rules

        known = {rule.info.id for rule in all_rules()}
        for rule_id, _ in values["levels"]:
            if rule_id not in known:
                raise ConfigError(f"{path}: unknown rule {rule_id!r} in {prefix}levels")
    return values
