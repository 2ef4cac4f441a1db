"""Code examples in rule docs: ``## Example`` fences must fire the rule, ``## Fix`` fences must not."""

from __future__ import annotations

import re
from dataclasses import dataclass

FENCE_RE = re.compile(r"```(terraform|bicep|yaml)\n(.*?)```", re.S)
SUFFIX = {"terraform": "main.tf", "bicep": "main.bicep", "yaml": "manifest.yaml"}
# Rules about Kubernetes objects: Bicep cannot hold them in a form fleetiac reads, so their docs show
# a Kubernetes YAML manifest where the Bicep example would be (tests.test_fixtures does the same).
BICEP_STAND_IN = {"FIAC601": "yaml", "FIAC602": "yaml"}


@dataclass(frozen=True)
class DocExample:
    rule_id: str
    section: str  # "Example" (must fire) or "Fix" (must not)
    language: str
    code: str

    @property
    def filename(self) -> str:
        return SUFFIX[self.language]

    @property
    def test_id(self) -> str:
        return f"{self.rule_id}-{self.section.lower()}-{self.language}"


def doc_examples(rule_id: str, doc: str) -> list[DocExample]:
    examples: list[DocExample] = []
    for section in ("Example", "Fix"):
        match = re.search(rf"^## {section}\n(.*?)(?=^## |\Z)", doc, re.S | re.M)
        if not match:
            continue
        for language, code in FENCE_RE.findall(match.group(1)):
            examples.append(DocExample(rule_id, section, language, code))
    return examples
