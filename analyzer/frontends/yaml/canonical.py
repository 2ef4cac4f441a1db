"""Kubernetes YAML manifests into canonical ``manifest`` resources, for the objects the placement and
workload rules read.

A scanned tree often keeps the objects applied to the fleet hub (ClusterResourcePlacement...) and to
the member clusters (Deployments, PodDisruptionBudgets) as plain YAML next to the Terraform or Bicep.
This module reads those files into canonical ``manifest`` resources, the same shape the Terraform
front end gives a ``kubernetes_manifest`` (see :mod:`analyzer.model`), so a rule is written once.

Only the kinds the rules need are kept (:func:`wanted`); every other object, and every YAML file that
is not a Kubernetes manifest (CI workflows, Helm values, docker-compose files), is skipped without a
word. A YAML syntax error is a diagnostic (FIAC901) only when the file looks like a Kubernetes
manifest (an ``apiVersion:`` and a ``kind:`` key at the start of a line) and is not a Go/Helm
template (``{{ ... }}``), whose raw text is not YAML anyway.

Positions come from PyYAML's node API (:func:`yaml.compose_all`): each written key gets a location
under its dotted path relative to the object (``spec.policy.placementType``,
``spec.policy.clusterNames[1]``); ``body`` is the object's first line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from fleetiac.analyzer.frontends.sources import SourceFile, SourceProblem, load_text
from fleetiac.analyzer.knowledge.kubernetes import wanted
from fleetiac.analyzer.model import Diagnostic, FileResult, Kind, Location, ManifestProps, Resource
from fleetiac.analyzer.values import Unknown, UnknownCause

_LOOKS_LIKE_MANIFEST = (re.compile(r"^\s*(?:-\s+)?apiVersion\s*:", re.M), re.compile(r"^\s*(?:-\s+)?kind\s*:", re.M))
_TEMPLATE = re.compile(r"\{\{|\{%")


def looks_like_manifest(text: str) -> bool:
    return all(pattern.search(text) for pattern in _LOOKS_LIKE_MANIFEST)


def load_manifest_file(file: SourceFile) -> FileResult:
    result = FileResult()
    try:
        text = load_text(file)
    except SourceProblem as problem:
        # Most YAML in a repository is not a manifest (CI files, Helm values, generated data): only a
        # file that cannot be opened at all, or one whose start looks like a manifest, is reported.
        if problem.kind == "unreadable" or (problem.kind != "not-a-file" and _starts_like_manifest(file)):
            result.diagnostics.append(problem.diagnostic(file.display))
        return result
    if not looks_like_manifest(text):
        return result
    result.resources, error = parse_manifests(text, file.display)
    if error is not None and not _TEMPLATE.search(text):
        result.diagnostics.append(error)
    return result


def _starts_like_manifest(file: SourceFile) -> bool:
    """Whether the first 64 KB of a file that cannot be read whole look like a Kubernetes manifest."""
    try:
        with file.path.open("rb") as handle:
            head = handle.read(64 * 1024)
    except OSError:
        return False
    return looks_like_manifest(head.replace(b"\x00", b"").decode("utf-8", errors="replace"))


def parse_manifests(text: str, display: str) -> tuple[list[Resource], Diagnostic | None]:
    """The wanted objects of a multi-document YAML text, and the syntax error that stopped reading
    (documents before the error are kept)."""
    resources: list[Resource] = []
    try:
        for index, node in enumerate(yaml.compose_all(text, Loader=yaml.SafeLoader)):
            resources.extend(_objects(node, display, str(index)))
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        problem = error.problem or error.context or "invalid YAML"
        return resources, Diagnostic(Location(display, line, column), f"cannot parse YAML: {problem}")
    except (yaml.YAMLError, RecursionError, ValueError, TypeError) as error:
        return resources, Diagnostic(Location(display, 1, 1), f"cannot parse YAML: {type(error).__name__}")
    return resources, None


def _objects(node: Node | None, display: str, index: str) -> Iterator[Resource]:
    """The wanted objects in one document: the document itself, or the items of a ``v1`` ``List``."""
    if not isinstance(node, MappingNode):
        return
    head = {key.value: value for key, value in node.value
            if isinstance(key, ScalarNode) and key.value in ("apiVersion", "kind", "items")}
    api_version, kind = _scalar(head.get("apiVersion")), _scalar(head.get("kind"))
    if kind == "List" and api_version == "v1" and isinstance(head.get("items"), SequenceNode):
        for i, item in enumerate(head["items"].value):
            yield from _objects(item, display, f"{index}.items[{i}]")
        return
    if not wanted(api_version, kind):
        return
    body = _holes(SafeConstructor().construct_document(node))
    if not isinstance(body, dict):
        return
    found = body.get("metadata")
    metadata: dict[str, Any] = found if isinstance(found, dict) else {}
    name = metadata.get("name")
    start = _start(node, display)
    resource = Resource(
        key=f"{display}#{index}",
        address=f"{kind}/{name}" if isinstance(name, str) else f"{kind}/#{index}",
        kind=Kind.MANIFEST,
        source_type=kind or "",
        language="yaml",
        location=start,
        props=ManifestProps(api_version=api_version, manifest_kind=kind, namespace=metadata.get("namespace"),
                            body=body),
        name=name,
    )
    resource.locations["body"] = start
    _locate(node, "", display, resource.locations, set())
    yield resource


def _holes(value: Any, memo: dict[int, Any] | None = None) -> Any:
    """A string holding a Go/Helm template expression (``{{ .Values.x }}``, quoted so the file is
    still YAML) is only known once rendered: it becomes :class:`Unknown`, so no rule decides on it.
    Objects shared through YAML aliases are rewritten once (``memo``), so alias bombs stay linear."""
    if isinstance(value, str):
        return Unknown(value.strip(), UnknownCause.TEMPLATE_EXPRESSION) if _TEMPLATE.search(value) else value
    if not isinstance(value, (dict, list)):
        return value
    memo = {} if memo is None else memo
    if id(value) not in memo:
        if isinstance(value, dict):
            memo[id(value)] = {k: _holes(v, memo) for k, v in value.items()}
        else:
            memo[id(value)] = [_holes(v, memo) for v in value]
    return memo[id(value)]


def _scalar(node: Node | None) -> str | None:
    return node.value if isinstance(node, ScalarNode) and isinstance(node.value, str) else None


def _start(node: Node, display: str) -> Location:
    return Location(display, node.start_mark.line + 1, node.start_mark.column + 1)


def _span(display: str, start: Node, end: Node) -> Location:
    """From the start of ``start`` to the end of ``end`` (a key and its scalar value, a scalar item)."""
    return Location(display, start.start_mark.line + 1, start.start_mark.column + 1,
                    end.end_mark.line + 1, end.end_mark.column + 1)


def _locate(node: Node, prefix: str, display: str, out: dict[str, Location], seen: set[int]) -> None:
    """Record where each key (from the key to its value when the value is a scalar, else the key
    alone) and each list item is written. A node reached again through a YAML alias is not walked
    twice, so alias bombs stay linear."""
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, MappingNode):
        for key, value in node.value:
            if not isinstance(key, ScalarNode) or key.value == "<<":
                continue
            path = f"{prefix}.{key.value}" if prefix else key.value
            # Last one wins, as in the constructed value (own keys after ``<<`` merges, duplicates).
            out[path] = _span(display, key, value if isinstance(value, ScalarNode) else key)
            _locate(value, path, display, out, seen)
    elif isinstance(node, SequenceNode):
        for i, item in enumerate(node.value):
            path = f"{prefix}[{i}]"
            out[path] = _span(display, item, item) if isinstance(item, ScalarNode) else _start(item, display)
            _locate(item, path, display, out, seen)
