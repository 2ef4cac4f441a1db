"""``az fleet create`` commands of a script as canonical ``outside_fleet`` resources."""

from __future__ import annotations

import re

from analyzer.frontends.sources import SourceFile, SourceProblem, load_text
from analyzer.model import FileResult, Kind, Location, OutsideFleetProps, Resource

_CREATE = re.compile(r"(?<![\w-])az\s+fleet\s+create(?![\w-])")
_NAME = re.compile(r"(?:--name|-n)[\s=]+(['\"]?)([A-Za-z0-9-]+)\1(?=\s|$|\\|`)")


def load_script(file: SourceFile) -> FileResult:
    result = FileResult()
    try:
        text = load_text(file)
    except SourceProblem:
        return result  # a script is read for one hint only: one that cannot be read is not reported
    for number, line in enumerate(text.splitlines(), start=1):
        code = line.split("#", 1)[0] if line.lstrip().startswith("#") else line
        match = _CREATE.search(code)
        if match is None:
            continue
        name = _NAME.search(code, match.end())
        resource = Resource(
            key=f"{file.display}#az-fleet-create:{number}", address=f"az fleet create ({file.display}:{number})",
            kind=Kind.OUTSIDE_FLEET, source_type="az fleet create", language=file.language,
            location=Location(file.display, number, match.start() + 1),
            props=OutsideFleetProps(command=line.strip()), name=name.group(2) if name else None)
        result.resources.append(resource)
    return result
