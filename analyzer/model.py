"""The plain data structures handed from one stage to the next.

Files -> front end (parse + evaluate, per language) -> ``FileResult`` with canonical ``Resource``s ->
graph -> policies -> ``Finding``s -> reporters.

Canonical resources
-------------------
Both front ends describe what the code declares with the same :class:`Resource` shape, so a policy is
written once. ``kind`` and ``props`` follow this table (every value is a :mod:`analyzer.values` value:
plain, :class:`~analyzer.values.Unknown` or :class:`~analyzer.values.ResourceRef`; a prop that the
code does not set is absent or ``None``):

=====================  ===========================================================================
kind                   props
=====================  ===========================================================================
fleet                  ``hub`` (bool: ARM/azapi ``properties.hubProfile`` present; azurerm: False),
                       ``hub_settable`` (bool: whether the declaring resource type can ask for a hub),
                       ``hub_profile_ignored`` (True when an azurerm ``hub_profile`` block is written),
                       ``identity_type``, ``hub_agent_subnet``, ``hub_vnet_integration``,
                       ``hub_api_server_subnet``
member                 ``fleet`` (ref/ARM id), ``cluster`` (ref/ARM id), ``group``, ``labels``
update_strategy        ``fleet``, ``stages``: list of stage dicts (below)
update_run             ``fleet``, ``strategy`` (ref/ARM id or None), ``stages`` (inline, or None),
                       ``upgrade_type``, ``kubernetes_version``, ``node_image_selection``
auto_upgrade_profile   ``fleet``, ``channel``, ``strategy``, ``disabled``, ``target_kubernetes_version``,
                       ``long_term_support``, ``node_image_selection``
managed_namespace      ``fleet``
cluster                ``flavor`` ("aks" or "arc"), ``kubernetes_version``, ``support_plan``,
                       ``auto_upgrade_channel``, ``node_os_upgrade_channel``
resource_group         (name only)
subscription           ``subscription_id``
role_assignment        ``principal``, ``role`` (built-in name, role definition ID or GUID string, a ref
                       to a ``role_definition``, or unknown), ``scope`` (ref/ARM id/unknown; None means
                       the deployment's target scope, given by ``target_scope``: "resourceGroup",
                       "subscription", "managementGroup" or "tenant"; azapi: its ``parent_id``),
                       ``principal_type``, ``role_by`` (azurerm: "name" or "id", the argument used)
role_definition        ``role_name``, ``role_id`` (GUID; in ARM bodies, the resource name),
                       ``actions``, ``not_actions``, ``assignable_scopes``, ``scope`` (azurerm only)
identity               ``principal_id``
subnet                 ``virtual_network`` (the name of its VNet, when the subnet is declared apart
                       from it)
manifest               ``api_version``, ``manifest_kind``, ``namespace``, ``body`` (the whole object)
=====================  ===========================================================================

A stage dict is ``{"name", "groups": [{"name", "max_concurrency", "before_gates", "after_gates"}],
"after_wait", "max_concurrency", "before_gates", "after_gates"}``. Locations of nested values use
dotted keys: ``stages[0]``, ``stages[0].name``, ``stages[0].groups[1].name``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    """What a canonical resource is; its props follow the table in the module doc."""

    FLEET = "fleet"
    MEMBER = "member"
    UPDATE_STRATEGY = "update_strategy"
    UPDATE_RUN = "update_run"
    AUTO_UPGRADE_PROFILE = "auto_upgrade_profile"
    MANAGED_NAMESPACE = "managed_namespace"
    CLUSTER = "cluster"
    RESOURCE_GROUP = "resource_group"
    SUBSCRIPTION = "subscription"
    ROLE_ASSIGNMENT = "role_assignment"
    ROLE_DEFINITION = "role_definition"
    IDENTITY = "identity"
    VIRTUAL_NETWORK = "virtual_network"
    SUBNET = "subnet"
    MANIFEST = "manifest"


class Level(StrEnum):
    """A finding's level; the order matters for ``--fail-on``."""

    NOTE = "note"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return {"note": 1, "warning": 2, "error": 3}[self.value]


@dataclass(frozen=True, slots=True)
class Location:
    """A span in a source file. ``path`` is POSIX, relative to the report root; lines are 1-based."""

    path: str
    line: int
    column: int = 1
    end_line: int | None = None
    end_column: int | None = None

    def sort_key(self) -> tuple[str, int, int]:
        return (self.path, self.line, self.column)


@dataclass(slots=True)
class Resource:
    """One thing the scanned code declares, in the canonical shape described in the module doc."""

    key: str
    """Unique graph key, stable across runs (e.g. ``infra/fleet:azurerm_kubernetes_fleet_member.a``)."""
    address: str
    """What the user calls it: ``azurerm_kubernetes_fleet_member.a``, ``module.x.y["k"]``, ``fleetMember``."""
    kind: Kind
    source_type: str
    """The type as written: ``azurerm_kubernetes_fleet_member``, ``Microsoft.ContainerService/fleets``."""
    language: str
    """The front end's name of the file's language (:attr:`SourceFile.language`)."""
    location: Location
    """The block's (declaration's) first line."""
    name: Any = None
    resource_group: Any = None
    """Name of the resource group the resource lives in (a value)."""
    subscription: Any = None
    arm_type: str | None = None
    """``Microsoft.ContainerService/fleets/members`` etc., when the resource is an ARM resource."""
    existing: bool = False
    """Declared elsewhere (an ``existing`` reference, a data source): a reference, not a declaration."""
    props: dict[str, Any] = field(default_factory=dict)
    locations: dict[str, Location] = field(default_factory=dict)
    """Where each prop (dotted key) is written; :meth:`where` falls back to the block."""

    def where(self, *keys: str) -> Location:
        """The location of the first of ``keys`` that is written, else of the block."""
        for key in keys:
            loc = self.locations.get(key)
            if loc is not None:
                return loc
        return self.location

    def get(self, key: str, default: Any = None) -> Any:
        return self.props.get(key, default)


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """A problem the analyzer met in a file: the input could not be read, parsed or evaluated
    (reported as FIAC901), or, with :attr:`internal`, fleetiac's own code failed on it."""

    location: Location
    message: str
    internal: bool = False
    """An exception in fleetiac's own code, not a problem of the input (see :func:`internal_error`):
    never FIAC901, never cached, never suppressed, filtered or baselined; the scan exits 2."""
    detail: str = field(default="", compare=False)
    """With :attr:`internal`: the traceback, shown only with ``--debug``."""


def internal_error(location: Location, doing: str, error: BaseException) -> Diagnostic:
    """The diagnostic of an exception fleetiac's own code raised while ``doing`` something
    (``parsing infra/fleet.yaml``, ``evaluating module envs/prod``). The message names the exception
    type only: its text and the traceback may hold Python internals and absolute paths, so they go
    to :attr:`Diagnostic.detail` (``--debug``)."""
    import traceback

    message = (f"internal error while {doing} ({type(error).__name__}); please report it "
               "\u2014 run with --debug for details")
    return Diagnostic(location, message, internal=True, detail="".join(traceback.format_exception(error)))


@dataclass(slots=True)
class FileResult:
    """What a front end hands on for one file or one evaluated unit (a module, a template)."""

    resources: list[Resource] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    """What this unit could not analyse (a registry module that was not downloaded), said once in the report."""
    masks: dict[str, str] = field(default_factory=dict)
    """Texts no message may show, each with what to show instead: values read from the environment
    (``--env-vars``), replaced by the variable's name wherever they occur in the report's messages."""


@dataclass(frozen=True, slots=True)
class RuleExample:
    """One documentation example of a rule: a file of ``policies/examples/<RULE_ID>/``."""

    section: str
    """``Example`` (the code fires the rule) or ``Fix`` (it does not)."""
    language: str
    """The example's language, as its fence in the rule's page is labelled."""
    filename: str
    """``example.<suffix>`` (the code fires the rule) or ``fix.<suffix>``."""
    code: str
    """The code as users see it (without the ``expect`` markers)."""
    source: str = ""
    """The file as written, with the markers (:mod:`analyzer.markers`)."""


EXAMPLES_PLACEHOLDER = "<!-- examples -->"
"""A line of a doc's ``## Example`` or ``## Fix`` section where that section's examples go (when
prose follows them); without it they end the section."""


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """A rule's metadata, as the catalog, ``explain`` and the reporters show it."""

    id: str
    name: str
    level: Level
    summary: str
    doc: str
    """The rule's docstring: its doc page without the example code (see :attr:`page`)."""
    tags: tuple[str, ...] = ()
    examples: tuple[RuleExample, ...] = ()

    @property
    def family(self) -> str:
        return self.id[:5]

    @property
    def page(self) -> str:
        """The doc page users read: :attr:`doc` with each example as a fenced block in its section."""
        page = self.doc
        for section in ("Example", "Fix"):
            fences = [f"```{e.language}\n{e.code}```" for e in self.examples if e.section == section]
            heading = re.search(rf"^## {section}\n", page, re.M)
            if not fences or heading is None:
                continue
            following = re.compile(r"^## ", re.M).search(page, heading.end())
            end = following.start() if following else len(page)
            body, code = page[heading.end():end], "\n\n".join(fences)
            if EXAMPLES_PLACEHOLDER in body:
                body = body.replace(EXAMPLES_PLACEHOLDER, code, 1)
            else:
                prose = body.strip()
                body = "\n" + "\n\n".join([prose, code] if prose else [code]) + ("\n\n" if following else "")
            page = page[:heading.end()] + body + page[end:]
        return page


@dataclass(frozen=True, slots=True)
class Suppression:
    """Why a finding is not reported: an inline ``fleetiac:ignore`` directive."""

    reason: str
    until: str | None
    """Expiry date (ISO) the directive gives, or None."""
    location: Location
    """Where the directive is written."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem at one place."""

    rule_id: str
    level: Level
    message: str
    location: Location
    resource: str = ""
    """The address of the resource the finding is reported on (empty for file-level diagnostics)."""
    hint: str = ""
    related: tuple[str, ...] = ()
    """Addresses of the other resources involved (cluster, operator's grants, strategy...)."""
    suppression: Suppression | None = None
    """Set on the findings in ``Report.suppressed``: the directive that silenced it."""

    def sort_key(self) -> tuple[Any, ...]:
        return (*self.location.sort_key(), self.rule_id, self.resource, self.message)

    @property
    def fingerprint(self) -> str:
        """A stable key that does not move when lines are added above the finding."""
        import hashlib

        text = "\x1f".join((self.rule_id, self.location.path, self.resource, self.message))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


@dataclass(slots=True)
class Report:
    """Everything a reporter needs; reporters never see the graph."""

    findings: list[Finding]
    """Sorted, deduplicated findings to show."""
    rules: dict[str, RuleInfo]
    """Every rule that was run (reporters describe the ones they need; SARIF lists them all)."""
    root: str
    """The report root as an absolute POSIX path (paths in findings are relative to it)."""
    files_scanned: int
    tool_version: str
    as_of: str
    """The evaluation date (ISO), for version rules."""
    skipped: list[Finding] = field(default_factory=list)
    """FIAC902 decisions skipped for unknown values (shown only with ``--show-unknown``)."""
    notices: list[str] = field(default_factory=list)
    """One-line notices about the scan itself (e.g. version data older than the evaluation date),
    each once, in the order rules gave them."""
    suppressed: list[Finding] = field(default_factory=list)
    """Findings silenced by inline suppressions (each with ``suppression`` set); never counted toward
    the exit code."""
    diagnostics: list[Diagnostic] = field(default_factory=list)
    """Files that could not be read or parsed (also FIAC901 findings when that rule is selected);
    SARIF lists them as tool execution notifications."""
    internal_errors: list[Diagnostic] = field(default_factory=list)
    """Failures of fleetiac's own code (:attr:`Diagnostic.internal`), each contained to the file or
    unit it failed on: every reporter shows them, and any of them makes the scan exit 2."""
    line_hashes: dict[tuple[str, int], str] = field(default_factory=dict)
    """GitHub's ``primaryLocationLineHash`` of each finding's start line, by (path, line)."""
    baseline: BaselineSummary | None = None
    """Set when findings were compared with a ``--baseline`` file."""


@dataclass(frozen=True, slots=True)
class BaselineSummary:
    """What comparing with a baseline file did."""

    path: str
    matched: int
    """Findings left out because the baseline records them."""
    gone: int
    """Baseline entries that no finding matched any more (fixed, or their resource renamed)."""
