"""The rule registry: rules declare themselves in the family modules of ``policies/``.

A rule is one function plus its metadata and its documentation (the function's docstring, with the
sections below) and its examples (the files of ``policies/examples/<RULE_ID>/``, see
:mod:`analyzer.docexamples`). Importing two rules with one ID, or a rule whose doc lacks a section or
whose examples lack a failing or a fixed one in a language, fails at import time, so a broken catalog
never ships. The example files' contents are read (and their markers checked) only when first used
(:class:`~analyzer.model.LazyExamples`): a scan shows none of them.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, partial
from typing import Any, Literal

from fleetiac.analyzer.docexamples import ExampleError, example_kinds, load_examples
from fleetiac.analyzer.graph import FleetGraph
from fleetiac.analyzer.knowledge.aks_versions import RegionVersions
from fleetiac.analyzer.model import Finding, LazyExamples, Level, Location, Resource, RuleExample, RuleInfo

DOC_SECTIONS = ("## What it finds", "## Why it matters", "## Example", "## Fix", "## References")
# Rules about Kubernetes objects: Bicep cannot hold them in a form fleetiac reads, so their examples
# are Kubernetes YAML manifests where the Bicep ones would be (tests.test_fixtures does the same).
BICEP_STAND_IN = {"FIAC601": "yaml", "FIAC602": "yaml", "FIAC603": "yaml", "FIAC604": "yaml"}
# Rules that cannot occur in Bicep (FIAC302 is about the azurerm provider, FIAC409 about `lifecycle`):
# no failing Bicep example.
TERRAFORM_ONLY = frozenset({"FIAC302", "FIAC409"})


class RegistryError(Exception):
    """The rule catalog is inconsistent (duplicate ID, missing docs)."""


@dataclass(frozen=True, slots=True)
class Rule:
    info: RuleInfo
    check: Callable[[RuleContext], None] | None
    """None for analyzer diagnostics, which the engine reports itself."""
    module: str = ""
    """The ``policies`` module that defines it."""


_REGISTRY: dict[str, Rule] = {}
_IMPORTED: list[bool] = []
"""Non-empty once :func:`all_rules` has imported every module of ``policies/``."""


def _source_docstring(function: Callable[..., Any]) -> str:
    """A function's docstring read from its source: under ``python -OO`` Python drops docstrings, and a
    rule's docstring is its documentation page (``fleetiac explain``)."""
    import ast
    import textwrap

    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError, SyntaxError):
        return ""
    node = tree.body[0] if tree.body else None
    return ast.get_docstring(node, clean=False) or "" if isinstance(node, ast.FunctionDef) else ""


def rule(id: str, name: str, level: str, summary: str, tags: Iterable[str] = (),
         engine_reported: bool = False) -> Callable[[Callable[[RuleContext], None]], Callable[[RuleContext], None]]:
    """Register the decorated function as rule ``id``; its docstring is the rule's doc page."""

    def register(function: Callable[[RuleContext], None]) -> Callable[[RuleContext], None]:
        doc = inspect.cleandoc(function.__doc__ or _source_docstring(function))
        missing = [section for section in DOC_SECTIONS if section not in doc]
        if missing:
            raise RegistryError(f"{id} ({function.__module__}) lacks doc sections: {', '.join(missing)}")
        if id in _REGISTRY and _REGISTRY[id].check is not function:
            raise RegistryError(f"rule ID {id} is defined twice")
        if "/" in id:
            raise RegistryError(f"rule ID {id} must not contain '/'")
        module = function.__module__
        # The example files' names and the doc are checked now (a rule without a failing or a fixed
        # example never registers); their contents are read, and checked again, on first use.
        try:
            kinds = example_kinds(id)
        except (FileNotFoundError, ExampleError) as error:
            raise RegistryError(f"{id} ({module}): {error}") from None
        _check_doc(id, module, doc)
        _check_present(id, module, kinds)
        examples = LazyExamples(partial(_examples, id, module, doc))
        info = RuleInfo(id, name, Level(level), summary, doc, tuple(tags), examples)
        _REGISTRY[id] = Rule(info, None if engine_reported else function, module)
        return function

    return register


def _check_doc(id: str, module: str, doc: str) -> None:
    """No code left in the docstring's own ``## Example`` and ``## Fix`` sections."""
    for section in ("Example", "Fix"):
        if "```" in doc.partition(f"## {section}\n")[2].partition("\n## ")[0]:
            raise RegistryError(f"{id} ({module}): code in the doc's ## {section}; it belongs in "
                                f"policies/examples/{id}/")


def _examples(id: str, module: str, doc: str) -> tuple[RuleExample, ...]:
    """The rule's example files, checked: a failing and a fixed one in Terraform and in Bicep (or its
    stand-in), and no code left in the docstring's own ``## Example`` and ``## Fix`` sections (read
    when :attr:`RuleInfo.examples` is first used)."""
    try:
        examples = load_examples(id)
    except (FileNotFoundError, ExampleError) as error:
        raise RegistryError(f"{id} ({module}): {error}") from None
    _check_doc(id, module, doc)
    _check_present(id, module, [(e.section, e.language) for e in examples])
    return examples


def _check_present(id: str, module: str, kinds: Iterable[tuple[str, str]]) -> None:
    """A failing and a fixed example in Terraform and in Bicep (or its stand-in) among ``kinds``
    ((section, language) pairs)."""
    present = set(kinds)
    bicep = BICEP_STAND_IN.get(id, "bicep")
    wanted = [("Example", "terraform"), ("Fix", "terraform"), ("Fix", bicep)]
    if id not in TERRAFORM_ONLY:
        wanted.append(("Example", bicep))
    missing = [f"{'failing' if section == 'Example' else 'fixed'} {language}" for section, language in wanted
               if (section, language) not in present]
    if missing:
        raise RegistryError(f"{id} ({module}): policies/examples/{id}/ lacks a {', a '.join(missing)} example")


def all_rules() -> list[Rule]:
    """Every rule of every module in ``policies/``, sorted by ID."""
    from fleetiac import policies

    for module in pkgutil.iter_modules(policies.__path__):
        if not module.name.startswith("_"):
            importlib.import_module(f"fleetiac.policies.{module.name}")
    if not _IMPORTED:
        _IMPORTED.append(True)
    return [_REGISTRY[k] for k in sorted(_REGISTRY)]


def imported() -> bool:
    """Whether every rule module is imported (:func:`all_rules` ran in this process)."""
    return bool(_IMPORTED)


# -- the catalog without the rules' modules -------------------------------------------------------
# A rescan whose findings are cached runs no rule, yet its report names the rules (and which were
# selected): their descriptions, remembered by the scan that imported them (under a key covering the
# rules' code, see analyzer.engine.rule_catalog), stand in for them; a check imports the rules' modules
# the first time it is called.


def described(rule: Rule) -> tuple[Any, ...]:
    """What :func:`from_description` rebuilds ``rule`` from: plain data."""
    info = rule.info
    return (info.id, info.name, info.level.value, info.summary, info.doc, tuple(info.tags), rule.module,
            rule.check is None)


class _Deferred:
    """A rule's check that imports the rules' modules when first called (see :func:`from_description`)."""

    __slots__ = ("rule_id",)

    def __init__(self, rule_id: str) -> None:
        self.rule_id = rule_id

    def __call__(self, ctx: RuleContext) -> None:
        all_rules()
        check = _REGISTRY[self.rule_id].check
        if check is None or isinstance(check, _Deferred):
            raise RegistryError(f"rule {self.rule_id} has no check to run")
        check(ctx)


def from_description(entry: tuple[Any, ...]) -> Rule:
    """The rule :func:`described` described, as its module registers it: equal metadata (its examples
    read when first used), and a check that imports the rules' modules when it runs."""
    id, name, level, summary, doc, tags, module, engine_reported = entry
    info = RuleInfo(id, name, Level(level), summary, doc, tuple(tags),
                    LazyExamples(partial(_examples, id, module, doc)))
    return Rule(info, None if engine_reported else _Deferred(id), module)


def example_listing() -> tuple[tuple[str, tuple[str, ...]], ...] | None:
    """The names of every rule's example files (what registering the rules checks of them); None
    when they cannot be listed."""
    import os
    from importlib import resources

    from fleetiac.analyzer.docexamples import EXAMPLES_FOLDER, EXAMPLES_PACKAGE

    root = str(resources.files(EXAMPLES_PACKAGE).joinpath(EXAMPLES_FOLDER))
    try:
        folders = sorted(os.listdir(root))
        return tuple((f, tuple(sorted(os.listdir(os.path.join(root, f))))) for f in folders
                     if os.path.isdir(os.path.join(root, f)))
    except OSError:  # not a folder of files (a zip): nothing to compare, no catalog kept
        return None


class SelectorError(ValueError):
    """A rule selector (``--select``, ``--ignore``, a configuration's ``select``) names no rule."""


def rule_names(rules: Iterable[Rule]) -> dict[str, str]:
    """Every way a user may name a rule, lower-cased, to its ID: the ID itself and the rule's name
    (``fiac201`` and ``member-group-not-in-strategy`` both give ``FIAC201``)."""
    names: dict[str, str] = {}
    for r in rules:
        names[r.info.id.lower()] = r.info.id
        names[r.info.name.lower()] = r.info.id
    return names


def resolve_selector(token: str, rules: list[Rule]) -> str:
    """The ID prefix a selector stands for: a rule ID, a prefix of at least one rule ID (``FIAC2``),
    or a rule name. Anything else is a :class:`SelectorError` with the closest names, because a
    misspelt selector silently selecting nothing would pass the gate."""
    import difflib

    wanted = token.strip()
    names = rule_names(rules)
    if wanted.lower() in names:
        return names[wanted.lower()]
    prefix = wanted.upper()
    if prefix and all(c.isalnum() for c in prefix) and any(r.info.id.startswith(prefix) for r in rules):
        return prefix
    close = difflib.get_close_matches(wanted.lower(), list(names), n=3, cutoff=0.6)
    shown = [names[c] if c == names[c].lower() else c for c in close]
    hint = f"; did you mean {' or '.join(repr(c) for c in shown)}?" if shown else ""
    raise SelectorError(f"{token!r} is not a rule ID, an ID prefix (FIAC2) or a rule name{hint} "
                        f"(`fleetiac rules` lists them)")


def resolve_selectors(tokens: Iterable[str], rules: list[Rule]) -> tuple[str, ...]:
    return tuple(resolve_selector(token, rules) for token in tokens)


def select_rules(rules: list[Rule], select: Iterable[str] = (), ignore: Iterable[str] = ()) -> list[Rule]:
    """Rules whose ID starts with one of ``select`` (all when empty) and with none of ``ignore``
    (selectors as :func:`resolve_selector` gives them; rule names are accepted here too)."""
    names = rule_names(rules)
    chosen = [names.get(p.lower(), p.upper()) for p in select]
    dropped = [names.get(p.lower(), p.upper()) for p in ignore]
    return [r for r in rules
            if (not chosen or any(r.info.id.startswith(p) for p in chosen))
            and not any(r.info.id.startswith(p) for p in dropped)]


@dataclass
class RuleContext:
    """What a rule sees: the graph, the evaluation date, the configured operators, and where to
    report. ``report`` records findings for the rule that is running."""

    graph: FleetGraph
    as_of: date
    operators: tuple[str, ...] = ()
    exports: Any = None
    """The role assignments and definitions exported from Azure (``--assignments``): an
    :class:`~analyzer.knowledge.roles.Exports`, or None."""
    findings: list[Finding] = field(default_factory=list)
    skipped: list[Finding] = field(default_factory=list)
    current: RuleInfo | None = None
    notices: list[str] = field(default_factory=list)
    regional: dict[str, RegionVersions] | None = None
    """Regional version data by region (``--aks-versions``); None when none was given."""

    @cached_property
    def grants(self) -> list[Any]:
        from fleetiac.analyzer.graph.access import grants

        return grants(self.graph)

    @cached_property
    def access(self) -> Any:
        """The access context (:class:`~analyzer.graph.access.AccessContext`): the code's grants, the
        exported ones, and the operators of each fleet."""
        from fleetiac.analyzer.graph.access import AccessContext, parse_operator
        from fleetiac.analyzer.knowledge.roles import Exports

        return AccessContext(self.graph, self.grants, self.exports or Exports(),
                             tuple(parse_operator(text) for text in self.operators))

    def report(self, resource: Resource, message: str, *, at: Iterable[str] = (), hint: str = "",
               related: Iterable[str] = (), level: Level | None = None, subject: str = "") -> None:
        """Report ``message`` on ``resource`` at the first of the ``at`` attributes it has.
        ``subject`` names what the finding is about when the rule may report this resource more
        than once (see :attr:`Finding.subject`)."""
        assert self.current is not None
        location: Location = resource.where(*at)
        origin = resource.origin(*at)
        self.findings.append(Finding(self.current.id, level or self.current.level, message, location,
                                     resource.address, hint, tuple(sorted(set(related))), subject=subject,
                                     param_files=(resource.param_file,) if resource.param_file else (),
                                     origins=(origin,) if origin is not None and origin != location else ()))

    def unknown(self, resource: Resource, decision: str, *, at: Iterable[str] = ()) -> None:
        """Record a decision skipped because a value is unknown (FIAC902, ``--show-unknown``)."""
        assert self.current is not None
        self.skipped.append(Finding("FIAC902", Level.NOTE, f"{self.current.id} not checked: {decision}",
                                    resource.where(*at), resource.address))

    def notice(self, text: str) -> None:
        """Add a one-line notice about the scan to the report (each text once)."""
        if text not in self.notices:
            self.notices.append(text)


# -- hints in the language of the file ------------------------------------------------------------
# A rule asks `dialect` of the resource whose declaration its fix changes, and picks its hint's text:
# no Terraform syntax in a Bicep hint, no Bicep object in an ARM JSON one.

Dialect = Literal["azurerm", "azapi", "bicep", "arm", "az", ""]


def dialect(resource: Resource) -> Dialect:
    """``azurerm`` (a Terraform azurerm resource; a plan's too), ``azapi`` (Terraform
    ``azapi_resource``: ARM properties in its ``body``), ``bicep``, ``arm`` (ARM JSON), ``az`` (an az
    CLI command, in a script or a workflow), or ``""`` for anything else (a Kubernetes manifest)."""
    if resource.source_type.startswith("az "):
        return "az"
    if resource.language == "terraform":
        return "azapi" if resource.source_type.startswith("azapi_") else "azurerm"
    if resource.language == "bicep":
        return "bicep"
    if resource.language == "armjson":
        return "arm"
    return ""


def assignment(resource: Resource, terraform: str, arm_path: str, value: str) -> str:
    """How ``resource``'s language sets a string property to ``value``: ``group = "canary"``
    (azurerm argument ``terraform``), ``properties.group = "canary"`` in an azapi body,
    ``properties.group: 'canary'`` (Bicep), ``"properties.group": "canary"`` (ARM JSON, the
    property path)."""
    found = dialect(resource)
    if found == "azurerm":
        return f'{terraform} = "{value}"'
    if found == "azapi":
        return f'{arm_path} = "{value}"'
    if found == "bicep":
        return f"{arm_path}: '{value}'"
    return f'{arm_path}: "{value}"'


def scheduled_start(resource: Resource) -> str:
    """A ``scheduledStartConfiguration`` object as ``resource``'s language writes it."""
    found = dialect(resource)
    if found == "bicep":
        return "{ startDay: 'Saturday', startTime: '02:00', utcOffset: '+00:00' }"
    if found in ("azapi", "azurerm"):
        return '{ startDay = "Saturday", startTime = "02:00", utcOffset = "+00:00" }'
    return '{"startDay": "Saturday", "startTime": "02:00", "utcOffset": "+00:00"}'
