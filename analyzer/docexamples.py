"""A rule's documentation examples: the files in ``policies/examples/<RULE_ID>/``.

Each rule has a failing example (``example.tf``, ``example.bicep``) and a fixed one (``fix.tf``,
``fix.bicep``); rules about Kubernetes objects have YAML manifests (``example.yaml``, ``fix.yaml``)
where Bicep cannot hold them. A failing example says where each finding is reported with expectation
markers (:mod:`analyzer.markers`): ``# expect: FIAC201`` at the end of that line (``// expect:
FIAC201`` in Bicep), ``# expect-next-line: FIAC201`` for a line that cannot carry a comment. The
markers are for the tests: the code shown to users has none.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable

from fleetiac.analyzer.frontends.base import language, language_of
from fleetiac.analyzer.markers import MarkerError, expectations, strip_markers
from fleetiac.analyzer.model import RuleExample

EXAMPLES_PACKAGE = "fleetiac.policies"
EXAMPLES_FOLDER = "examples"
SECTIONS = {"example": "Example", "fix": "Fix"}
EXAMPLE_LANGUAGES = ("terraform", "bicep", "yaml")
"""The front-end languages examples are written in, in the order they are shown in each section; the
name is what :attr:`analyzer.model.RuleExample.language` holds and labels the example's code fence."""


class ExampleError(ValueError):
    """An example file is misnamed or carries a malformed expect marker."""


def _kind(name: str) -> tuple[str, str] | None:
    """(section, language) of an example file named ``<section><suffix>``; None when it is not one."""
    stem, dot, suffix = name.partition(".")
    found = language_of(name)
    if found is None or found not in EXAMPLE_LANGUAGES or stem not in SECTIONS:
        return None
    return (SECTIONS[stem], found) if dot + suffix in language(found).suffixes else None


def _wanted_names() -> str:
    names = [stem + suffix for lang in EXAMPLE_LANGUAGES for suffix in language(lang).suffixes for stem in SECTIONS]
    return ", ".join(names[:-1]) + " or " + names[-1]


def examples_folder(rule_id: str) -> Traversable:
    """``policies/examples/<rule_id>`` inside the installed package."""
    return resources.files(EXAMPLES_PACKAGE).joinpath(EXAMPLES_FOLDER, rule_id)


def _entries(rule_id: str) -> list[tuple[Traversable, tuple[str, str]]]:
    """The rule's example files with their (section, language); raises as :func:`load_examples`
    does for a missing folder or a misnamed file."""
    folder = examples_folder(rule_id)
    if not folder.is_dir():
        raise FileNotFoundError(f"no examples folder policies/{EXAMPLES_FOLDER}/{rule_id}")
    out = []
    for entry in folder.iterdir():
        kind = _kind(entry.name)
        if kind is None or not entry.is_file():
            raise ExampleError(f"{rule_id}: unexpected example file {entry.name!r} (want {_wanted_names()})")
        out.append((entry, kind))
    return out


def example_kinds(rule_id: str) -> list[tuple[str, str]]:
    """The (section, language) of each of the rule's example files, from their names alone (no file
    is read): what the rule registry checks when a rule is defined. Raises as :func:`load_examples`
    does for a missing folder or a misnamed file."""
    return [kind for _, kind in _entries(rule_id)]


def load_examples(rule_id: str) -> tuple[RuleExample, ...]:
    """The rule's example files, failing ones first, Terraform before Bicep (or YAML) in each section.

    Raises :class:`FileNotFoundError` when the folder does not exist and :class:`ExampleError` for a
    file that is not one of the names above or whose markers are malformed.
    """
    examples: list[RuleExample] = []
    for entry, kind in _entries(rule_id):
        source = entry.read_text(encoding="utf-8")
        try:
            expectations(source, entry.name, f"{rule_id}/{entry.name}")  # malformed markers fail here
        except MarkerError as error:
            raise ExampleError(str(error)) from None
        examples.append(RuleExample(*kind, entry.name, strip_markers(source, entry.name), source))
    examples.sort(key=lambda e: (e.section != "Example", EXAMPLE_LANGUAGES.index(e.language)))
    return tuple(examples)
