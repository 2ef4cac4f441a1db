"""A rule's documentation examples: the files in ``policies/examples/<RULE_ID>/``.

Each rule has a failing example (``example.tf``, ``example.bicep``) and a fixed one (``fix.tf``,
``fix.bicep``); rules about Kubernetes objects have YAML manifests (``example.yaml``, ``fix.yaml``)
where Bicep cannot hold them. A failing example says where each finding is reported with a comment
at the end of that line, ``# expect: FIAC201`` (``// expect: FIAC201`` in Bicep), several IDs
comma-separated and ``xN`` after an ID when the line carries N findings of it. A line that cannot
carry a comment (inside a heredoc or an unterminated string) is named by a comment line above it,
``# expect-next-line: FIAC201``. The markers are for the tests: the code shown to users has none.
"""

from __future__ import annotations

import re
from collections import Counter
from importlib import resources
from importlib.resources.abc import Traversable

from analyzer.model import RuleExample

EXAMPLES_PACKAGE = "policies"
EXAMPLES_FOLDER = "examples"
SECTIONS = {"example": "Example", "fix": "Fix"}
LANGUAGES = {".tf": "terraform", ".bicep": "bicep", ".yaml": "yaml"}
COMMENT = {"terraform": "#", "bicep": "//", "yaml": "#"}
_LANGUAGE_ORDER = ("terraform", "bicep", "yaml")

_MARKER = re.compile(r"(?P<before>.*?)[ \t]*(?P<comment>#|//)[ \t]*expect(?P<next>-next-line)?:(?P<ids>.*)$")
_EXPECTATION = re.compile(r"(FIAC\d{3})(?: x([1-9]\d*))?")


class ExampleError(ValueError):
    """An example file is misnamed or carries a malformed expect marker."""


def _marker(line: str, language: str) -> re.Match[str] | None:
    match = _MARKER.fullmatch(line)
    return match if match is not None and match["comment"] == COMMENT[language] else None


def _parse_ids(text: str, where: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    for part in text.split(","):
        match = _EXPECTATION.fullmatch(part.strip())
        if match is None:
            raise ExampleError(f"{where}: malformed expect marker {text.strip()!r}")
        counts[match[1]] += int(match[2] or 1)
    return counts


def expectations(source: str, language: str, where: str = "example") -> Counter[tuple[str, int]]:
    """The findings the markers of ``source`` announce, as a count per (rule ID, 1-based line)."""
    expected: Counter[tuple[str, int]] = Counter()
    for number, line in enumerate(source.splitlines(), start=1):
        match = _marker(line, language)
        if match is None:
            continue
        if match["next"] and match["before"].strip():
            raise ExampleError(f"{where}:{number}: expect-next-line must be a line of its own")
        target = number + 1 if match["next"] else number
        for rule_id, count in _parse_ids(match["ids"], f"{where}:{number}").items():
            expected[(rule_id, target)] += count
    return expected


def strip_markers(source: str, language: str) -> str:
    """``source`` as users see it: trailing markers removed, ``expect-next-line`` lines dropped."""
    shown: list[str] = []
    for line in source.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        match = _marker(body, language)
        if match is None:
            shown.append(line)
        elif not match["next"]:
            shown.append(match["before"] + line[len(body):])
    return "".join(shown)


def examples_folder(rule_id: str) -> Traversable:
    """``policies/examples/<rule_id>`` inside the installed package."""
    return resources.files(EXAMPLES_PACKAGE).joinpath(EXAMPLES_FOLDER, rule_id)


def load_examples(rule_id: str) -> tuple[RuleExample, ...]:
    """The rule's example files, failing ones first, Terraform before Bicep (or YAML) in each section.

    Raises :class:`FileNotFoundError` when the folder does not exist and :class:`ExampleError` for a
    file that is not one of the names above or whose markers are malformed.
    """
    folder = examples_folder(rule_id)
    if not folder.is_dir():
        raise FileNotFoundError(f"no examples folder {EXAMPLES_PACKAGE}/{EXAMPLES_FOLDER}/{rule_id}")
    examples: list[RuleExample] = []
    for entry in folder.iterdir():
        stem, dot, suffix = entry.name.partition(".")
        section, language = SECTIONS.get(stem), LANGUAGES.get(dot + suffix)
        if section is None or language is None or not entry.is_file():
            raise ExampleError(f"{rule_id}: unexpected example file {entry.name!r} (want example.tf, "
                               "fix.tf, example.bicep, fix.bicep, example.yaml or fix.yaml)")
        source = entry.read_text(encoding="utf-8")
        expectations(source, language, f"{rule_id}/{entry.name}")  # malformed markers fail here
        examples.append(RuleExample(section, language, entry.name, strip_markers(source, language), source))
    examples.sort(key=lambda e: (e.section != "Example", _LANGUAGE_ORDER.index(e.language)))
    return tuple(examples)
