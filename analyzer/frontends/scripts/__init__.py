"""The scripts front end: the Azure CLI commands of shell and PowerShell scripts.

Many repositories create their fleet, members, strategies and runs with ``az fleet ...`` in a
script. The scripts are split into commands by a shell lexer (:mod:`.syntax`), and each ``az``
command that creates something becomes the canonical resource it creates (:mod:`.canonical`, which
lists the commands and flags read). Each file is a unit of its own; the stage JSON files a script
passes to ``--stages`` are read with it (inside the scanned root), and a change of one evaluates the
script again. A fleet a script creates is marked :attr:`~analyzer.model.FleetProps.by_command`: no
deployment unit deploys it, so the manifests beside it are not judged against it or any other fleet
unless the configuration says which fleet they target (:mod:`analyzer.graph.deployments`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fleetiac.analyzer.frontends.base import CoveredComment, Evaluated, Language, Memo, ScanInputs, Unit

if TYPE_CHECKING:
    from fleetiac.analyzer.frontends.sources import SourceFile


class ScriptsFrontEnd:
    name = "scripts"
    languages = (Language("shell", (".sh", ".bash"), parsed=False, line_comment="#"),
                 Language("powershell", (".ps1",), parsed=False, line_comment="#"))
    early = False

    distributions = ()
    data_modules = ()

    def preload(self) -> None:
        return None

    def parse(self, source: SourceFile) -> Any:
        raise NotImplementedError("scripts are read by their units, not in the parse stage")

    def units(self, files: list[SourceFile], parsed: Mapping[str, Any], keys: Mapping[str, str | None],
              inputs: ScanInputs, memo: Memo) -> list[Unit]:
        return [_unit(file, keys.get(file.display), inputs.roots) for file in files]

    def comments(self, text: str, display: str) -> list[CoveredComment]:
        from fleetiac.analyzer.frontends.scripts.comments import comments

        return comments(text, display)


def pipeline_unit(file: SourceFile, key: str | None, roots: tuple[Path, ...]) -> Unit:
    """The unit of a pipeline file (:mod:`.pipeline`), which the YAML front end hands over."""
    return _unit(file, key, roots, pipeline=True)


def _unit(file: SourceFile, key: str | None, roots: tuple[Path, ...], pipeline: bool = False) -> Unit:
    def evaluate() -> tuple[list[Evaluated], Any]:
        from fleetiac.analyzer.frontends.scripts.canonical import evaluate_pipeline, evaluate_script

        result, read = (evaluate_pipeline if pipeline else evaluate_script)(file, roots)
        return ([Evaluated(result)] if result.resources or result.diagnostics or result.unknowns else []), read

    def unchanged(read: Any) -> bool:
        from fleetiac.analyzer.frontends.scripts.canonical import unchanged as same

        return same(read)

    def probes(read: Any) -> tuple[tuple[str, str], ...]:
        return tuple((kind, str(path)) for path, _ in read for kind in ("stat", "real"))

    return Unit(file.display, ("scripts", pipeline, key, tuple(str(r) for r in roots)) if key is not None else None,
                evaluate, unchanged, probes=probes)


FRONT_END = ScriptsFrontEnd()
