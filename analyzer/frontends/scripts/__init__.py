"""The scripts front end: shell and PowerShell scripts, read only for the fleets they create.

A repository often creates its fleet with the Azure CLI (``az fleet create``) in a script and keeps
the placement manifests for that fleet's hub beside it. fleetiac does not evaluate scripts; it only
notes each ``az fleet create`` command as a fleet created outside the evaluated code
(:class:`~analyzer.model.OutsideFleetProps`), so those manifests are not judged against another
fleet of the scan (:mod:`analyzer.graph.deployments`). Each file is a unit of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from analyzer.frontends.base import CoveredComment, Evaluated, Language, Memo, ScanInputs, Unit

if TYPE_CHECKING:
    from analyzer.frontends.sources import SourceFile


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
        return [_unit(file, keys.get(file.display)) for file in files]

    def comments(self, text: str, display: str) -> list[CoveredComment]:
        from analyzer.frontends.scripts.comments import comments

        return comments(text, display)


def _unit(file: SourceFile, key: str | None) -> Unit:
    def evaluate() -> tuple[list[Evaluated], Any]:
        from analyzer.frontends.scripts.canonical import load_script

        result = load_script(file)
        return ([Evaluated(result)] if result.resources or result.diagnostics else []), None

    return Unit(file.display, ("scripts", key) if key is not None else None, evaluate)


FRONT_END = ScriptsFrontEnd()
