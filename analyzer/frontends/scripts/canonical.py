"""The Azure CLI commands of a script as canonical resources.

Each command that creates something becomes the resource it creates, located at its first word:

=====================================  =========================================================
``az fleet create``                    a fleet (``--enable-hub``, ``--enable-private-cluster``,
                                       ``--enable-vnet-integration``, ``--apiserver-subnet-id``,
                                       ``--agent-subnet-id`` count like ``hubProfile``); with
                                       ``--agent-subnet-id``, also the Network Contributor grant
                                       on that subnet to the Fleet RP that the command makes
``az fleet member create``             a member (``--member-cluster-id``, ``--update-group``,
                                       ``--member-labels``/``--labels``); ``az fleet member update``
                                       changes those of a member the file created
``az fleet updatestrategy create``     an update strategy (``--stages``)
``az fleet updaterun create``          an update run (``--upgrade-type``, ``--kubernetes-version``,
                                       ``--node-image-selection``, ``--stages``,
                                       ``--update-strategy-name``)
``az fleet autoupgradeprofile create`` an auto-upgrade profile (``--channel``/``-c``,
                                       ``--update-strategy-id``, ``--target-kubernetes-version``/
                                       ``--tkv``, ``--long-term-support``/``--lts``, ``--disabled``,
                                       ``--node-image-selection``)
``az aks create``, ``az aks update``   an AKS cluster (``--kubernetes-version``/``-k``,
                                       ``--auto-upgrade-channel``, ``--node-os-upgrade-channel``,
                                       ``--tier``, ``--k8s-support-plan``, ``--sku``, ``--location``)
``az role assignment create``          a role assignment (``--assignee-object-id``/``--assignee``,
                                       ``--role``, ``--scope``, else ``--resource-group``)
``az group create``                    a resource group (what ``--scope`` and ``-g`` refer to)
=====================================  =========================================================

Flag names are those of the Azure CLI and its ``fleet`` extension (learn.microsoft.com/cli/azure/fleet,
the extension's ``azext_fleet/_params.py``: ``--name``/``-n``, ``--fleet-name``/``-f``,
``--resource-group``/``-g`` on every fleet command; ``--stages`` takes "a path to a JSON file ... or a
JSON string"; the Azure CLI reads any argument written ``@file`` from that file). A flag not listed is
not read; a flag that takes no value (``--enable-hub``, ``--no-wait``) is followed by the next flag.

Values: literal words as the shell passes them; ``$VAR`` as an earlier assignment of the same script
left it (in a loop or a branch, an assignment leaves its variable unknown); anything else unknown
(an environment variable the script does not assign, a command substitution, a loop variable). A
command substitution that looks up a resource the script creates (``$(az aks show -g RG -n NAME
--query id -o tsv)``, ``az fleet show``, ``az group show``, ``az fleet updatestrategy show``) refers to
it, and so does an ARM ID the script writes whose only unknown part is the subscription. The JSON of
``--stages`` (a path relative to the script, inside the scanned root) has the shape of an ARM
strategy (``{"stages": [...]}``) and is read by the ARM mapping of :mod:`analyzer.frontends.arm`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from fleetiac.analyzer.frontends.arm import canonical_props
from fleetiac.analyzer.frontends.scripts.syntax import (
    Command,
    Opaque,
    Part,
    Problem,
    Script,
    Var,
    Word,
    lex_powershell,
    lex_shell,
)
from fleetiac.analyzer.frontends.sources import SourceFile, SourceProblem, load_text, within
from fleetiac.analyzer.knowledge import arm_ids
from fleetiac.analyzer.model import Diagnostic, FileResult, Kind, Location, Resource, props_for
from fleetiac.analyzer.values import ResourceRef, Unknown, UnknownCause

SUBSCRIPTION = Unknown("az account show --query id")
"""The subscription the Azure CLI signed in to: one value for every script (``az account set`` and
``--subscription`` change it)."""

FLEET_RP = Unknown("the Azure Kubernetes Service - Fleet RP service principal")
"""The principal ``az fleet create --agent-subnet-id`` grants Network Contributor on the subnet."""

FLEETS = "Microsoft.ContainerService/fleets"
ARM_TYPES = {
    ("fleet", "create"): (Kind.FLEET, FLEETS),
    ("fleet", "member", "create"): (Kind.MEMBER, FLEETS + "/members"),
    ("fleet", "updatestrategy", "create"): (Kind.UPDATE_STRATEGY, FLEETS + "/updateStrategies"),
    ("fleet", "updaterun", "create"): (Kind.UPDATE_RUN, FLEETS + "/updateRuns"),
    ("fleet", "autoupgradeprofile", "create"): (Kind.AUTO_UPGRADE_PROFILE, FLEETS + "/autoUpgradeProfiles"),
    ("aks", "create"): (Kind.CLUSTER, "Microsoft.ContainerService/managedClusters"),
    ("aks", "update"): (Kind.CLUSTER, "Microsoft.ContainerService/managedClusters"),
    ("fleet", "member", "update"): (Kind.MEMBER, FLEETS + "/members"),
    ("role", "assignment", "create"): (Kind.ROLE_ASSIGNMENT, "Microsoft.Authorization/roleAssignments"),
    ("group", "create"): (Kind.RESOURCE_GROUP, "Microsoft.Resources/resourceGroups"),
}
MAX_DEPTH = 8
"""Command substitutions nested deeper than this are unknown without being read."""
SHOW = {("aks", "show"): "Microsoft.ContainerService/managedClusters", ("fleet", "show"): FLEETS,
        ("group", "show"): "Microsoft.Resources/resourceGroups",
        ("fleet", "updatestrategy", "show"): FLEETS + "/updateStrategies",
        ("fleet", "member", "show"): FLEETS + "/members"}
"""Commands whose ``--query id`` output names a resource the script may create."""

ALIASES = {"-g": "--resource-group", "-n": "--name", "-f": "--fleet-name", "-l": "--location",
           "-k": "--kubernetes-version", "-c": "--channel", "--tkv": "--target-kubernetes-version",
           "--lts": "--long-term-support", "--labels": "--member-labels", "-p": "--dns-name-prefix"}
"""Short and alternative flag names (``options_list`` of ``azext_fleet/_params.py``; ``az aks create
-k``)."""

TIERS = {"free": "Free", "standard": "Standard", "premium": "Premium"}
"""``az aks create --tier`` takes lower-case names; ARM ``sku.tier`` is capitalised."""
SKUS = {"base": "Base", "automatic": "Automatic"}


@dataclass(slots=True)
class _State:
    file: SourceFile
    roots: tuple[Path, ...]
    env: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    subscription: Any = SUBSCRIPTION
    resources: list[Resource] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    unknowns: list[tuple[Location, str]] = field(default_factory=list)
    read: list[tuple[str, str]] = field(default_factory=list)
    """The stage files read: (absolute path, SHA-256 of their bytes)."""
    case_insensitive: bool = False
    depth: int = 0
    """How many command substitutions are being read, one inside the other."""


def load_script(file: SourceFile, roots: Iterable[Path] = ()) -> FileResult:
    """The resources a script's commands create (see the module doc)."""
    return evaluate_script(file, tuple(roots))[0]


def evaluate_script(file: SourceFile, roots: tuple[Path, ...]) -> tuple[FileResult, tuple[tuple[str, str], ...]]:
    """The resources of a script, and the stage files it read (path and digest)."""
    result = FileResult()
    try:
        text = load_text(file)
    except SourceProblem as problem:
        result.diagnostics.append(problem.diagnostic(file.display))
        return result, ()
    powershell = file.language == "powershell"
    script = lex_powershell(text) if powershell else lex_shell(text)
    state = _State(file, roots or _report_root(file), case_insensitive=powershell)
    run(state, script)
    result.resources.extend(state.resources)
    result.diagnostics.extend(state.diagnostics)
    result.unknowns.extend(state.unknowns)
    return result, tuple(state.read)


def evaluate_pipeline(file: SourceFile, roots: tuple[Path, ...]) -> tuple[FileResult, tuple[tuple[str, str], ...]]:
    """The resources the script steps of a pipeline file create (:mod:`.pipeline`): each step a script
    with variables of its own; a file that is not YAML is a diagnostic."""
    import yaml

    from fleetiac.analyzer.frontends.scripts.pipeline import is_workflow, steps

    result = FileResult()
    try:
        text = load_text(file)
        found = list(steps(text, is_workflow(file.display)))
    except SourceProblem as problem:
        result.diagnostics.append(problem.diagnostic(file.display))
        return result, ()
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = Location(file.display, mark.line + 1 if mark else 1, mark.column + 1 if mark else 1)
        result.diagnostics.append(Diagnostic(where, f"the pipeline is not YAML: {getattr(error, 'problem', error)}"))
        return result, ()
    state = _State(file, roots or _report_root(file))
    for body, powershell, line, column in found:
        state.env = {}
        state.case_insensitive = powershell
        state.subscription = SUBSCRIPTION
        script = lex_powershell(body) if powershell else lex_shell(body)
        run(state, _shifted(script, line, column))
    result.resources.extend(state.resources)
    result.diagnostics.extend(state.diagnostics)
    result.unknowns.extend(state.unknowns)
    return result, tuple(state.read)


def _report_root(file: SourceFile) -> tuple[Path, ...]:
    parts = PurePosixPath(file.display).parts
    return (file.path.parents[len(parts) - 1].resolve(),) if parts else ()


def _shifted(script: Script, line: int, column: int) -> Script:
    """A step's script placed where its text starts in the pipeline file (line 1 of the script at
    ``line``; every line at the block's indentation ``column``)."""
    def word(w: Word) -> Word:
        return Word(w.parts, w.raw, w.line + line - 1, w.column + column - 1)

    return Script([Command([word(w) for w in c.words], c.line + line - 1, c.column + column - 1, c.nested,
                           c.loop_variable) for c in script.commands],
                  [Problem(p.line + line - 1, p.message) for p in script.problems])


def run(state: _State, script: Script) -> None:
    for problem in script.problems:
        state.unknowns.append((Location(state.file.display, problem.line),
                               f"line {problem.line} of the script is not read: {problem.message}"))
    for command in script.commands:
        if command.loop_variable is not None:
            # each loop's variable is a value of its own: two loops over one name are not one value
            _assign(state, command.loop_variable, (Unknown(f"${command.loop_variable} (loop at line {command.line})",
                                                           UnknownCause.UNKNOWN_LOOP),), 0, command.line)
            continue
        _command(state, command)


def _name(state: _State, name: str) -> str:
    return name.lower() if state.case_insensitive else name


def _assign(state: _State, name: str, value: tuple[Any, ...], nested: int, line: int) -> None:
    key = _name(state, name)
    if nested:
        # assigned in a loop or a branch: which value it holds afterwards is not known
        value = (Unknown(f"${name} (set at line {line})", UnknownCause.UNKNOWN_LOOP),)
    state.env[key] = value


def _resolve(state: _State, word: Word) -> tuple[Any, ...]:
    """The word's parts with variables replaced by their values (str, Unknown or ResourceRef)."""
    out: list[Any] = []
    for part in word.parts:
        if isinstance(part, str):
            out.append(part)
        elif isinstance(part, Var):
            value = state.env.get(_name(state, part.name))
            out.extend(value if value is not None else (Unknown("$" + part.name, UnknownCause.NO_INPUT_VALUE),))
        elif part.command:
            out.append(_substitution(state, part, word.line))
        else:
            out.append(Unknown(part.text))
    return tuple(out)


def _value(state: _State, word: Word) -> Any:
    return _joined(state, _resolve(state, word), word.raw)


def _joined(state: _State, parts: tuple[Any, ...], raw: str) -> Any:
    if all(isinstance(p, str) for p in parts):
        return "".join(parts)
    if len(parts) == 1:
        return parts[0]
    # an ARM ID of which only the subscription is unknown names a resource the script creates
    text = "".join(p if isinstance(p, str) else "\x00" for p in parts)
    parsed = arm_ids.parse_arm_id(text)
    if parsed is not None and parsed.type is not None and "\x00" not in "".join(
            [parsed.type, *parsed.names, parsed.resource_group or "\x00"]):
        found = _created(state, parsed.type, parsed.names[-1], parsed.resource_group)
        if found is not None:
            return ResourceRef(found.key)
    unknowns = [p for p in parts if isinstance(p, Unknown)]
    text = raw.strip("\"'")
    # a word with command output in it differs at each place it runs; a variable's value does not
    placed = [p.text.rpartition(" (")[2] for p in unknowns
              if p.cause == UnknownCause.NOT_STATIC and p.text.endswith(")")]
    if placed:
        text += " (" + placed[0]
    return Unknown(text, unknowns[0].cause if unknowns else UnknownCause.NOT_STATIC)


def _created(state: _State, arm_type: str, name: Any, group: Any, fleet: Any = None) -> Resource | None:
    """The resource of ``arm_type`` named ``name`` in resource group ``group`` that the script created."""
    if not isinstance(name, str) or not isinstance(group, str):
        return None
    found = [r for r in state.resources if not r.existing and r.arm_type and r.arm_type.lower() == arm_type.lower()
             and isinstance(r.name, str) and r.name.lower() == name.lower()
             and (arm_type.lower() == "microsoft.resources/resourcegroups"
                  or (isinstance(r.resource_group, str) and r.resource_group.lower() == group.lower()))
             and (fleet is None or getattr(r.props, "fleet", None) == fleet)]
    return found[-1] if found else None


ELSEWHERE = {FLEETS: (Kind.FLEET, "fleet"), "Microsoft.ContainerService/managedClusters": (Kind.CLUSTER, "cluster"),
             "Microsoft.Resources/resourceGroups": (Kind.RESOURCE_GROUP, "resource group")}
"""The kinds a script may name without creating them: a reference node for each (see :func:`_elsewhere`)."""


def _elsewhere(state: _State, arm_type: str, name: Any, group: Any, line: int, column: int = 1) -> Resource | None:
    """A resource the script names (``--fleet-name``, ``az aks show``) but does not create, as an
    ``existing`` reference node: the graph makes it the resource the rest of the scan declares with
    that type, name and resource group (another script, a template, a Terraform module), when exactly
    one does; otherwise its props are unknown. None when the name or group is unknown."""
    if not isinstance(name, str) or not isinstance(group, str) or arm_type not in ELSEWHERE:
        return None
    kind, noun = ELSEWHERE[arm_type]
    key = f"{state.file.display}#elsewhere:{arm_type.rsplit('/', 1)[-1]}/{group.lower()}/{name.lower()}"
    for resource in state.resources:
        if resource.key == key:
            return resource
    values: dict[str, Any] = {}
    if kind == Kind.FLEET:
        values = {"by_command": True}  # a fleet no deployment unit of the scan deploys (deployments.py)
    elif kind == Kind.CLUSTER:
        values = {"flavor": "aks", "kubernetes_version": Unknown(f"the Kubernetes version of cluster {name}")}
    resource = Resource(
        key=key, address=f"{noun} {name} (not created by {state.file.display})", kind=kind,
        source_type="az " + {"fleet": "fleet", "cluster": "aks", "resource group": "group"}[noun] + " show",
        language=state.file.language, location=Location(state.file.display, line, column),
        props=props_for(kind, values), name=name, resource_group=None if kind == Kind.RESOURCE_GROUP else group,
        subscription=state.subscription, arm_type=arm_type, existing=True)
    state.resources.append(resource)
    return resource


def _substitution(state: _State, part: Opaque, line: int) -> Any:
    """``$(az aks show -g RG -n NAME --query id -o tsv)``: a reference to that cluster when the script
    creates it; any other command's output is unknown."""
    # the output of a command is a value of its own at each place it runs ($(date +%s) twice differs)
    unknown = Unknown(f"{part.text} (line {line})", UnknownCause.NOT_STATIC)
    if state.depth >= MAX_DEPTH:
        return Unknown(unknown.text, UnknownCause.TOO_DEEP)
    state.depth += 1
    try:
        return _looked_up(state, part, unknown, line)
    finally:
        state.depth -= 1


def _looked_up(state: _State, part: Opaque, unknown: Unknown, line: int) -> Any:
    script = lex_powershell(part.text) if state.case_insensitive else lex_shell(part.text)
    if len(script.commands) != 1 or script.problems:
        return unknown
    path, flags = _parse_az(state, script.commands[0])
    if path is None:
        return unknown
    arm_type = SHOW.get(path)
    query = _flag_value(state, flags, "--query")
    if arm_type is None or not isinstance(query, str) or query.strip() != "id":
        return unknown
    group = _flag_value(state, flags, "--resource-group") if "group" not in path else None
    name = _flag_value(state, flags, "--name")
    if path[0] == "group":
        group = name
    fleet = None
    if path[:2] in (("fleet", "updatestrategy"), ("fleet", "member")):
        fleet_resource = _created(state, FLEETS, _flag_value(state, flags, "--fleet-name"), group)
        if fleet_resource is None:
            return unknown
        fleet = ResourceRef(fleet_resource.key)
    found = _created(state, arm_type, name, group, fleet) or (
        _elsewhere(state, arm_type, name, group, line) if fleet is None else None)
    return ResourceRef(found.key) if found is not None else unknown


Flags = dict[str, list[tuple[Word, list[Word]]]]


def _parse_az(state: _State, command: Command) -> tuple[tuple[str, ...] | None, Flags]:
    """The command group path (``("fleet", "member", "create")``) and the flags of an ``az`` command
    (each with its word and the words after it up to the next flag); None when it is no ``az`` command."""
    words = command.words
    if not words or (words[0].literal or "").lower() not in ("az", "az.cmd"):
        return None, {}
    path: list[str] = []
    index = 1
    while index < len(words) and (words[index].literal or "-").lstrip()[:1] not in ("-", ""):
        path.append((words[index].literal or "").lower())
        index += 1
    flags: Flags = {}
    while index < len(words):
        word = words[index]
        literal = word.literal or ""
        index += 1
        if not literal.startswith("-") or literal in ("-", "--"):
            continue
        name, equals, rest = literal.partition("=")
        values: list[Word] = []
        if equals:
            values.append(Word((rest,), rest, word.line, word.column + len(name) + 1))
        else:
            while index < len(words) and not (words[index].literal or "").startswith("-"):
                values.append(words[index])
                index += 1
        flags.setdefault(ALIASES.get(name, name), []).append((word, values))
    return tuple(path), flags


def _flag_value(state: _State, flags: Flags, name: str) -> Any:
    """The value of the last ``name`` flag (the Azure CLI keeps the last), None when not written."""
    if name not in flags:
        return None
    word, values = flags[name][-1]
    if not values:
        return Unknown(word.raw, UnknownCause.NOT_STATIC)
    return _value(state, values[0])


def _command(state: _State, command: Command) -> None:
    words = command.words
    # NAME=value (sh), $Name = value (PowerShell), export/readonly/local NAME=value
    if words and words[0].literal in ("export", "readonly", "local", "declare", "typeset"):
        words = [w for w in words[1:] if not (w.literal or "").startswith("-")]
        command = Command(words, command.line, command.column, command.nested)
    if state.case_insensitive and len(words) >= 2 and len(words[0].parts) == 1 and \
            isinstance(words[0].parts[0], Var) and words[1].literal == "=":
        name = words[0].parts[0].name
        rest = words[2:]
        if len(rest) == 1:
            _assign(state, name, _resolve(state, rest[0]), command.nested, command.line)
        elif rest and (rest[0].literal or "").lower() == "az":
            _assign(state, name, (_substitution(state, Opaque(" ".join(w.raw for w in rest), command=True),
                                                command.line),), command.nested, command.line)
            _command(state, Command(rest, rest[0].line, rest[0].column, command.nested))
        else:
            _assign(state, name, (Unknown(f"{' '.join(w.raw for w in rest)} (line {command.line})"),),
                    command.nested, command.line)
        return
    assignments = 0
    for word in words:
        first = word.parts[0] if word.parts else ""
        if isinstance(first, str) and "=" in first and first.split("=", 1)[0].isidentifier():
            assignments += 1
        else:
            break
    if assignments and assignments == len(words):
        for word in words:
            first = word.parts[0]
            assert isinstance(first, str)
            name, _, after = first.partition("=")
            value_parts: tuple[Part, ...] = ((after,) if after else ()) + word.parts[1:]
            _assign(state, name, _resolve(state, Word(value_parts, word.raw, word.line, word.column)),
                    command.nested, command.line)
        return
    if assignments:
        command = Command(words[assignments:], command.line, command.column, command.nested)
    path, flags = _parse_az(state, command)
    if path is None:
        return
    if path == ("account", "set"):
        state.subscription = _flag_value(state, flags, "--subscription")
        return
    target = ARM_TYPES.get(path)
    if target is not None:
        _resource(state, command, path, target[0], target[1], flags)


def _resource(state: _State, command: Command, path: tuple[str, ...], kind: Kind, arm_type: str,
              flags: Flags) -> None:
    file = state.file
    props: dict[str, Any] = {}
    locations: dict[str, Location] = {}

    def where(word: Word) -> Location:
        return Location(file.display, word.line, word.column)

    def take(prop: str, flag: str, mapping: dict[str, str] | None = None) -> Any:
        value = _flag_value(state, flags, flag)
        if value is None:
            return None
        if mapping is not None and isinstance(value, str):
            value = mapping.get(value.lower(), value)
        props[prop] = value
        locations[prop] = where(flags[flag][-1][0])
        return value

    def present(prop: str, flag: str) -> bool:
        if flag in flags:
            props[prop] = True
            locations[prop] = where(flags[flag][-1][0])
            return True
        return False

    name = _flag_value(state, flags, "--name")
    group = _flag_value(state, flags, "--resource-group")
    subscription = _flag_value(state, flags, "--subscription") or state.subscription
    if kind == Kind.RESOURCE_GROUP:
        group = name
    elif group is None:
        group = Unknown("az configure --defaults group", UnknownCause.NO_INPUT_VALUE)
    existing = False
    if kind in (Kind.MEMBER, Kind.UPDATE_STRATEGY, Kind.UPDATE_RUN, Kind.AUTO_UPGRADE_PROFILE):
        fleet_name = _flag_value(state, flags, "--fleet-name")
        at = flags["--fleet-name"][-1][0] if "--fleet-name" in flags else None
        fleet = _created(state, FLEETS, fleet_name, group) or _elsewhere(
            state, FLEETS, fleet_name, group, at.line if at else command.line, at.column if at else command.column)
        props["fleet"] = ResourceRef(fleet.key) if fleet is not None else Unknown(
            f"fleet {fleet_name if isinstance(fleet_name, str) else '?'}", UnknownCause.NOT_STATIC)
        if "--fleet-name" in flags:
            locations["fleet"] = where(flags["--fleet-name"][-1][0])
    if kind == Kind.FLEET:
        hub = False
        for flag, prop in (("--enable-private-cluster", "hub_private"), ("--enable-vnet-integration",
                                                                          "hub_vnet_integration")):
            hub = present(prop, flag) or hub
        for flag, prop in (("--apiserver-subnet-id", "hub_api_server_subnet"), ("--agent-subnet-id",
                                                                                "hub_agent_subnet")):
            hub = take(prop, flag) is not None or hub
        props["hub"] = "--enable-hub" in flags or hub
        if "--enable-hub" in flags:
            locations["hub"] = where(flags["--enable-hub"][-1][0])
        props["hub_settable"] = True
        props["by_command"] = True
        if "--assign-identity" in flags:
            props["identity_type"] = "UserAssigned"
            identity = _flag_value(state, flags, "--assign-identity")
            props["identity_ids"] = identity if isinstance(identity, Unknown) else (identity,)
            locations["identity_type"] = locations["identity_ids"] = where(flags["--assign-identity"][-1][0])
        elif "--enable-managed-identity" in flags:
            props["identity_type"] = "SystemAssigned"
            locations["identity_type"] = where(flags["--enable-managed-identity"][-1][0])
    elif kind == Kind.MEMBER:
        if path[-1] == "update":
            # az fleet member update of a member the file created: the flags it sets replace the member's
            take("group", "--update-group")
            _labels(state, flags, props, locations)
            created = _created(state, arm_type, name, group, props["fleet"])
            if created is not None:
                _merge(created, {k: v for k, v in props.items() if k != "fleet"}, locations)
            return
        take("cluster", "--member-cluster-id")
        take("group", "--update-group")
        _labels(state, flags, props, locations)
    elif kind in (Kind.UPDATE_STRATEGY, Kind.UPDATE_RUN):
        if "--stages" in flags:
            props["stages"], written = _stages(state, flags["--stages"][-1])
            locations.update(written)
            locations["stages"] = where(flags["--stages"][-1][0])
        if kind == Kind.UPDATE_RUN:
            take("upgrade_type", "--upgrade-type")
            take("kubernetes_version", "--kubernetes-version")
            take("node_image_selection", "--node-image-selection")
            strategy = _flag_value(state, flags, "--update-strategy-name")
            if strategy is not None:
                found = _created(state, FLEETS + "/updateStrategies", strategy, group, props.get("fleet"))
                props["strategy"] = ResourceRef(found.key) if found is not None else Unknown(
                    f"update strategy {strategy if isinstance(strategy, str) else '?'} (not created by this script)")
                locations["strategy"] = where(flags["--update-strategy-name"][-1][0])
    elif kind == Kind.AUTO_UPGRADE_PROFILE:
        take("channel", "--channel")
        take("strategy", "--update-strategy-id")
        take("target_kubernetes_version", "--target-kubernetes-version")
        take("node_image_selection", "--node-image-selection")
        present("long_term_support", "--long-term-support")
        present("disabled", "--disabled")
    elif kind == Kind.CLUSTER:
        props["flavor"] = "aks"
        if path[-1] == "update":
            created = _created(state, arm_type, name, group)
            if created is not None:
                _update_cluster(created, flags, take, props, locations)
                return
            existing = True
            props["kubernetes_version"] = Unknown(f"az aks show -n {name} --query kubernetesVersion")
        else:
            take("kubernetes_version", "--kubernetes-version")
            take("location", "--location")
            take("sku_name", "--sku", SKUS)
        take("auto_upgrade_channel", "--auto-upgrade-channel")
        take("node_os_upgrade_channel", "--node-os-upgrade-channel")
        take("sku_tier", "--tier", TIERS)
        take("support_plan", "--k8s-support-plan")
    elif kind == Kind.ROLE_ASSIGNMENT:
        if take("principal", "--assignee-object-id") is None and take("principal", "--assignee") is not None:
            # --assignee is an object ID, an application ID or a sign-in name, resolved by the Azure CLI:
            # not an object ID to compare with others, but the same text names the same principal
            assignee = props["principal"]
            props["principal"] = assignee if isinstance(assignee, Unknown) else Unknown(f"--assignee {assignee}")
        take("principal_type", "--assignee-principal-type")
        take("role", "--role")
        if take("scope", "--scope") is None and "--resource-group" in flags:
            at = flags["--resource-group"][-1][0]
            found = _created(state, "Microsoft.Resources/resourceGroups", group, group) or _elsewhere(
                state, "Microsoft.Resources/resourceGroups", group, group, at.line, at.column)
            props["scope"] = ResourceRef(found.key) if found is not None else Unknown(
                f"resource group {group if isinstance(group, str) else '?'}")
            locations["scope"] = where(flags["--resource-group"][-1][0])
        group = None
    if "--name" in flags:
        locations["name"] = where(flags["--name"][-1][0])
    if "--resource-group" in flags:
        locations["resource_group_name"] = where(flags["--resource-group"][-1][0])
    command_text = "az " + " ".join(path)
    key = f"{file.display}#{'-'.join(('az', *path))}:{command.line}"
    address = f"{command_text} {name}" if isinstance(name, str) else f"{command_text} (line {command.line})"
    state.resources.append(Resource(
        key=key, address=address, kind=kind, source_type=command_text, language=file.language,
        location=Location(file.display, command.line, command.column), props=props_for(kind, props),
        name=name, resource_group=group, subscription=subscription, arm_type=arm_type, existing=existing,
        locations=locations))
    if kind == Kind.FLEET and props.get("hub_agent_subnet") is not None:
        # azure-facts §3: the Fleet RP needs Network Contributor on the agent subnet, and `az fleet
        # create` grants it itself (IaC must declare the grant). Its object ID differs per tenant.
        where_subnet = locations["hub_agent_subnet"]
        state.resources.append(Resource(
            key=key + "/fleet-rp-grant", address=f"{address} (its grant to the Fleet RP)",
            kind=Kind.ROLE_ASSIGNMENT, source_type=command_text, language=file.language, location=where_subnet,
            props=props_for(Kind.ROLE_ASSIGNMENT, {"principal": FLEET_RP, "role": "Network Contributor",
                                                   "scope": props["hub_agent_subnet"]}),
            subscription=subscription, arm_type="Microsoft.Authorization/roleAssignments",
            locations={"principal": where_subnet, "role": where_subnet, "scope": where_subnet}))


def _labels(state: _State, flags: Flags, props: dict[str, Any], locations: dict[str, Location]) -> None:
    """``--member-labels env=prod ring=0``: a dict, unknown when a word is."""
    if "--member-labels" not in flags:
        return
    word, values = flags["--member-labels"][-1]
    labels: Any = {}
    for value_word in values:
        value = _value(state, value_word)
        if not isinstance(value, str):
            labels = Unknown(word.raw + " " + value_word.raw)
            break
        key, _, text = value.partition("=")
        labels[key] = text
    props["labels"] = labels
    locations["labels"] = Location(state.file.display, word.line, word.column)


def _update_cluster(created: Resource, flags: Flags, take: Any, props: dict[str, Any],
                    locations: dict[str, Location]) -> None:
    """``az aks update`` of a cluster the script created: the flags it sets replace the cluster's."""
    take("auto_upgrade_channel", "--auto-upgrade-channel")
    take("node_os_upgrade_channel", "--node-os-upgrade-channel")
    take("sku_tier", "--tier", TIERS)
    take("support_plan", "--k8s-support-plan")
    _merge(created, props, locations)


def _merge(created: Resource, props: dict[str, Any], locations: dict[str, Location]) -> None:
    from dataclasses import fields

    merged = {f.name: getattr(created.props, f.name) for f in fields(created.props)
              if getattr(created.props, f.name) is not None}
    merged.update(props)
    created.props = props_for(created.kind, merged)
    created.locations.update(locations)


def _stages(state: _State, flag: tuple[Word, list[Word]]) -> tuple[Any, dict[str, Location]]:
    """The stages of ``--stages`` and where each part is written: a JSON file (a path relative to the
    script, or ``@path``), located in that file, or a JSON string, located at the flag; shaped like an
    ARM strategy (``{"stages": [...]}``; a bare list is read too)."""
    import posixpath

    from fleetiac.analyzer.frontends.terraform.jsonsyntax import JsonProblem, parse_json, plain

    word, values = flag
    if not values:
        return Unknown(word.raw), {}
    value = _value(state, values[0])
    if not isinstance(value, str):
        return (value if isinstance(value, Unknown) else Unknown(values[0].raw)), {}
    text = value.strip()
    display = state.file.display
    if not text.startswith(("{", "[")):
        relative = text.removeprefix("@")
        path = state.file.path.parent / relative
        if not within(path, state.roots):
            return Unknown(value, UnknownCause.NOT_STATIC), {}
        try:
            raw = path.read_bytes()
        except OSError:
            return Unknown(value, UnknownCause.NOT_STATIC), {}  # written while the script runs
        state.read.append((str(path), hashlib.sha256(raw).hexdigest()))
        text = raw.decode("utf-8-sig", errors="replace")
        display = posixpath.normpath(posixpath.join(state.file.directory, relative))
    try:
        node = parse_json(text)  # one read gives the value and where each part of it is written
    except JsonProblem as error:
        problem = Location(display, error.line, error.column) if display != state.file.display else Location(
            display, values[0].line, values[0].column)
        state.diagnostics.append(Diagnostic(problem, f"the stages JSON cannot be read: {error.message}"))
        return Unknown(value, UnknownCause.NOT_JSON), {}
    data = plain(node)
    flag_location = Location(state.file.display, word.line, word.column)
    found = {k.lower(): v for k, v in _positions(node).items()} if display != state.file.display else {}
    bare = isinstance(data, list)

    def where(arm_path: str) -> Location | None:
        path = arm_path.removeprefix("properties.strategy.")
        if bare:
            path = path.removeprefix("stages")
        at = found.get(path.lower())
        return Location(display, at[0], at[1]) if at is not None else (None if found else flag_location)

    props, locations = canonical_props(FLEETS + "/updateStrategies",
                                       {"properties": {"strategy": {"stages": data} if bare else data}}, where)
    return props.get("stages", Unknown(value, UnknownCause.NOT_A_LIST)), locations


def _positions(node: Any, path: str = "") -> dict[str, tuple[int, int]]:
    """The (line, column) of each value of a positioned JSON document by its path
    (``stages[0].groups[1].name``; ``""`` for the document), keys as written."""
    from fleetiac.analyzer.frontends.terraform.jsonsyntax import JArray, JObject

    found = {path: (node.pos.line, node.pos.column)}
    if isinstance(node, JObject):
        for key, _, value in node.members:
            found.update(_positions(value, f"{path}.{key}" if path else key))
    elif isinstance(node, JArray):
        for index, item in enumerate(node.items):
            found.update(_positions(item, f"{path}[{index}]"))
    return found


def unchanged(read: Any) -> bool:
    """Whether every stage file an earlier evaluation read still has the same bytes."""
    try:
        return all(hashlib.sha256(Path(path).read_bytes()).hexdigest() == digest for path, digest in read)
    except (OSError, TypeError, ValueError):
        return False
