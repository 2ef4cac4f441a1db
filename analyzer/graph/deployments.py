"""Which fleets a Kubernetes manifest can target: manifests belong to a deployment.

A manifest is applied to the hub of a fleet of the same deployment, not to any fleet the scan happens
to hold (two repositories scanned together, a repository holding several fleets). The fleets it can
target are, in this order:

1. those the configuration names for it (``[manifests]``: a glob of manifest paths -> fleet addresses);
2. for a manifest that a deployment unit applies (a root module's ``kubernetes_manifest``): the
   fleets that unit deploys;
3. for a manifest file: walking up from its folder, within the scanned tree that holds it, the first
   folder that is a deployment unit (a root module's folder, which contains the file), or that
   declares a fleet in one of its own files; the fleets that folder's unit deploys or its files
   declare.

A fleet created elsewhere makes the target unknown: a fleet created by a command
(:attr:`~analyzer.model.FleetProps.by_command`, ``az fleet create``) in the folder found, or in a
folder on the way up, and a unit or folder with no fleet at all (the fleet is then created outside
the scan). A command-created fleet is a fleet like any other for every other rule, and the
configuration (1.) may name it as a manifest's target; what it cannot be is the target a folder
walk finds: no deployment unit deploys it, and the manifests beside it may be applied to the fleet
it creates or to any other (the same script may ``kubectl apply`` them to a fleet of its own
choosing), so "a fleet of this folder" says nothing about which fleet they reach.
"""

from __future__ import annotations

import posixpath
import weakref
from dataclasses import dataclass
from fnmatch import fnmatchcase

from fleetiac.analyzer.graph import FleetGraph
from fleetiac.analyzer.model import Fleet, Kind, Manifest, Resource


def folder_of(resource: Resource) -> str:
    """The display folder of the file that declares ``resource`` (``""`` for the report root)."""
    return posixpath.dirname(resource.location.path)


def _matches(path: str, pattern: str) -> bool:
    cleaned = pattern.strip().removeprefix("./")
    while cleaned.endswith(("/**", "/")):
        cleaned = cleaned.removesuffix("/**").removesuffix("/")
    parents = []
    folder = posixpath.dirname(path)
    while folder:
        parents.append(folder)
        folder = posixpath.dirname(folder)
    return bool(cleaned) and any(fnmatchcase(candidate, cleaned) for candidate in (path, *parents))


def _within(folder: str, root: str) -> bool:
    return root == "" or folder == root or folder.startswith(root + "/")


def _tree_root(graph: FleetGraph, folder: str) -> str:
    """The scanned tree holding ``folder``: the deepest scanned root above it (``""`` without one)."""
    roots = [r for r in graph.scope.roots if _within(folder, r)]
    return max(roots, key=len) if roots else ""


def configured_fleets(graph: FleetGraph, manifest: Manifest) -> list[Fleet] | bool | None:
    """The fleets the configuration names for ``manifest``; False when no glob matches it; None when a
    named fleet is not in the scan (it is deployed elsewhere: unknown)."""
    addresses = [a for pattern, named in graph.scope.manifests if _matches(manifest.location.path, pattern)
                 for a in named]
    if not addresses:
        return False
    fleets = graph.of_kind(Kind.FLEET)
    chosen: list[Fleet] = []
    for address in addresses:
        found = [f for f in fleets if address in (f.address, f.key)]
        if not found:
            return None
        chosen.extend(f for f in found if f not in chosen)
    return chosen


@dataclass(frozen=True)
class _Index:
    fleets: list[Fleet]
    deployments: frozenset[str]
    """The folders of the deployment units that deploy something."""
    outside: frozenset[str]
    """The folders where commands create fleets."""
    declared_in: frozenset[str]
    """The folders whose files declare fleets."""


_INDEXES: weakref.WeakKeyDictionary[FleetGraph, _Index] = weakref.WeakKeyDictionary()


def _index(graph: FleetGraph) -> _Index:
    index = _INDEXES.get(graph)
    if index is None:
        fleets = [f for f in graph.of_kind(Kind.FLEET) if not f.props.by_command]
        index = _INDEXES[graph] = _Index(
            fleets,
            frozenset(r.deployment for kind in Kind for r in graph.of_kind(kind) if r.deployment is not None),
            frozenset(folder_of(f) for f in graph.of_kind(Kind.FLEET) if f.props.by_command),
            frozenset(folder_of(f) for f in fleets))
    return index


def target_fleets(graph: FleetGraph, manifest: Manifest) -> list[Fleet] | None:
    """The fleets ``manifest`` can target (see the module doc), sorted by key; None when that is
    unknown (a fleet created elsewhere, or none in its deployment)."""
    configured = configured_fleets(graph, manifest)
    if configured is None or isinstance(configured, list):
        return configured or None
    index = _index(graph)
    fleets = index.fleets
    if manifest.deployment is not None:
        chosen = [f for f in fleets if f.deployment == manifest.deployment]
        return chosen if chosen and manifest.deployment not in index.outside else None
    folder = folder_of(manifest)
    top = _tree_root(graph, folder)
    while True:
        if folder in index.outside:
            return None
        if folder in index.deployments or folder in index.declared_in:
            chosen = [f for f in fleets if f.deployment == folder or folder_of(f) == folder]
            return chosen or None
        if folder == top or folder == "":
            return None
        folder = posixpath.dirname(folder)
