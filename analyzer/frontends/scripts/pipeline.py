"""The script steps of CI pipeline files (GitHub Actions workflows, Azure Pipelines), read as scripts.

A pipeline file is YAML; the YAML front end hands the files that are pipelines by their path
(:func:`is_pipeline`: ``.github/workflows/*.yml``, ``azure-pipelines*.yml``) to this front end, which
reads only their steps' scripts:

- GitHub Actions: a step's ``run:``, in the shell its ``shell:`` (or the job's or workflow's
  ``defaults.run.shell``) names: bash (the default) or ``sh``, PowerShell for ``pwsh``/``powershell``;
  other shells (``cmd``, ``python``) are not read.
- Azure Pipelines: a step's ``script:`` and ``bash:`` (shell), ``pwsh:`` and ``powershell:``
  (PowerShell), and the ``inlineScript`` input of a task (``AzureCLI@2``), whose ``scriptType``
  ``ps``/``pscore`` is PowerShell and ``batch`` is not read.

Each step is a script of its own (its variables do not reach the next step), but the resources of
every step of the file are one unit: a member created in a later step belongs to the fleet an earlier
step creates. Pipeline expressions (``${{ ... }}``, ``$(variable)``) are unknown, as the shell would
see them as expansions the script does not assign.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import PurePosixPath

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

_PIPELINE_NAME = re.compile(r"azure-pipelines[^/]*\.ya?ml", re.I)
_POWERSHELL = {"pwsh", "powershell", "ps", "pscore"}
_SHELLS = {"bash", "sh"}


def is_pipeline(display: str) -> bool:
    """Whether a YAML file is a pipeline by its path."""
    return is_workflow(display) or bool(_PIPELINE_NAME.fullmatch(PurePosixPath(display).name))


def is_workflow(display: str) -> bool:
    """Whether a YAML file is a GitHub Actions workflow by its path."""
    path = PurePosixPath(display)
    parent = path.parent.as_posix()
    return (parent == ".github/workflows" or parent.endswith("/.github/workflows")) and \
        path.suffix.lower() in (".yml", ".yaml")


def _value(node: MappingNode, key: str) -> Node | None:
    for k, v in node.value:
        if isinstance(k, ScalarNode) and k.value == key:
            return v
    return None


def _text(node: Node | None) -> str | None:
    return node.value if isinstance(node, ScalarNode) and isinstance(node.value, str) else None


def steps(text: str, github: bool) -> Iterator[tuple[str, bool, int, int]]:
    """Each script step: its text, whether it is PowerShell, and the line and column (1-based) of its
    first character in the file. ``github``: a GitHub Actions workflow (only ``run:`` is a script
    there; ``with: script:`` is an action's input, JavaScript for ``actions/github-script``), else an
    Azure Pipelines file. Raises ``yaml.YAMLError``."""
    lines = text.splitlines()
    for root in yaml.compose_all(text, Loader=yaml.SafeLoader):
        if root is not None:
            yield from _walk(root, None, lines, github)


def _walk(node: Node, shell: str | None, lines: list[str], github: bool) -> Iterator[tuple[str, bool, int, int]]:
    if isinstance(node, SequenceNode):
        for item in node.value:
            yield from _walk(item, shell, lines, github)
        return
    if not isinstance(node, MappingNode):
        return
    defaults = _value(node, "defaults")
    if isinstance(defaults, MappingNode):
        run = _value(defaults, "run")
        if isinstance(run, MappingNode):
            shell = _text(_value(run, "shell")) or shell
    own = _text(_value(node, "shell")) or shell
    for key, value in node.value:
        name = _text(key)
        if not isinstance(value, ScalarNode):
            if name != "defaults":
                yield from _walk(value, shell, lines, github)
            continue
        if github:
            if name != "run":
                continue
            kind = ((own or "bash").split() or ["bash"])[0].lower()
            if kind not in _SHELLS | _POWERSHELL:
                continue  # cmd, python or a custom shell: not read
            powershell = kind in _POWERSHELL
        elif name in ("script", "bash"):
            powershell = False
        elif name in ("pwsh", "powershell"):
            powershell = True
        elif name == "inlineScript":
            kind = (_text(_value(node, "scriptType")) or "bash").lower()
            if kind not in _SHELLS | _POWERSHELL:
                continue  # batch
            powershell = kind in _POWERSHELL
        else:
            continue
        yield (value.value, powershell, *_start(value, lines))


def _start(node: ScalarNode, lines: list[str]) -> tuple[int, int]:
    """Where a scalar's first character is: the line after a ``|``/``>`` indicator (at its
    indentation), else where the scalar starts (after a quote)."""
    line = node.start_mark.line
    if node.style in ("|", ">"):
        for number in range(line + 1, min(node.end_mark.line + 1, len(lines))):
            content = lines[number]
            if content.strip():
                return number + 1, len(content) - len(content.lstrip()) + 1
        return line + 2, 1
    return line + 1, node.start_mark.column + (2 if node.style in ("'", '"') else 1)
