"""The YAML front end: Kubernetes manifests (placement objects for the fleet hub, workloads and
PodDisruptionBudgets for the members) as canonical ``manifest`` resources.

YAML files are not parsed in the parse stage: most YAML in a repository is not a manifest, and a
file's objects are read only after a cheap look at its text (:mod:`analyzer.frontends.yaml.canonical`).
Each file is a unit of its own, remembered by its parse-cache key (content, path, versions).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from fleetiac.analyzer.frontends.base import CoveredComment, Evaluated, Language, Memo, ScanInputs, Unit

if TYPE_CHECKING:
    from fleetiac.analyzer.frontends.sources import SourceFile


class YamlFrontEnd:
    name = "yaml"
    languages = (Language("yaml", (".yaml", ".yml"), parsed=False, line_comment="#"),)
    early = False

    distributions = ("pyyaml",)
    data_modules = ()
    """Modules whose dataclasses make up the parsed data (pickled by their fields, see the cache)."""

    def preload(self) -> None:
        return None  # PyYAML is loaded when a unit reads a file

    def parse(self, source: SourceFile) -> Any:
        raise NotImplementedError("YAML files are read by their units, not in the parse stage")

    def units(self, files: list[SourceFile], parsed: Mapping[str, Any], keys: Mapping[str, str | None],
              inputs: ScanInputs, memo: Memo) -> list[Unit]:
        from fleetiac.analyzer.frontends.scripts import pipeline_unit
        from fleetiac.analyzer.frontends.scripts.pipeline import is_pipeline

        # A CI pipeline's steps are scripts: the scripts front end reads them.
        return [pipeline_unit(file, keys.get(file.display), inputs.roots) if is_pipeline(file.display)
                else _unit(file, keys.get(file.display)) for file in files]

    def comments(self, text: str, display: str) -> list[CoveredComment]:
        from fleetiac.analyzer.frontends.yaml.comments import comments

        return comments(text, display)


def _unit(file: SourceFile, key: str | None) -> Unit:
    def evaluate() -> tuple[list[Evaluated], Any]:
        from fleetiac.analyzer.frontends.yaml.canonical import load_manifest_file

        result = load_manifest_file(file)
        return ([Evaluated(result)] if result.resources or result.diagnostics else []), None

    return Unit(file.display, ("yaml", key) if key is not None else None, evaluate)


FRONT_END = YamlFrontEnd()
