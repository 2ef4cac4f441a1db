"""The Terraform front end: files to canonical resources, one evaluation per root module."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from analyzer.discovery import SourceFile
from analyzer.model import Diagnostic, FileResult, Location
from analyzer.terraform.evaluate import Module
from analyzer.terraform.extract import extract
from analyzer.terraform.syntax import ParsedFile, SyntaxProblem, parse_text

MAX_FILE_BYTES = 5 * 1024 * 1024


def read_source(source: SourceFile, limit: int = MAX_FILE_BYTES) -> str | Diagnostic:
    """The file's text, or a diagnostic saying why it cannot be read."""
    try:
        size = source.path.stat().st_size
        if size > limit:
            return Diagnostic(Location(source.display, 1), f"file is larger than {limit // (1024 * 1024)} MB; "
                                                           "not analysed")
        data = source.path.read_bytes()
    except OSError as error:
        return Diagnostic(Location(source.display, 1), f"cannot read file: {error.strerror or error}")
    if b"\x00" in data:
        return Diagnostic(Location(source.display, 1), "file contains NUL bytes: not a text file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        return Diagnostic(Location(source.display, line, column), "file is not valid UTF-8")
    # Terraform accepts CRLF and lone CR line ends; the grammar wants LF.
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse_source(source: SourceFile) -> ParsedFile | Diagnostic:
    """One file to plain data; never raises."""
    text = read_source(source)
    if isinstance(text, Diagnostic):
        return text
    if source.language == "tfvars" and source.display.endswith(".json"):
        return _tfvars_json(source, text)
    try:
        return parse_text(text, source.display)
    except SyntaxProblem as problem:
        return Diagnostic(Location(source.display, problem.line, problem.column),
                          f"Terraform syntax error: {problem.message}")
    except RecursionError:
        return Diagnostic(Location(source.display, 1), "expression nesting is too deep to analyse")
    except Exception as error:
        return Diagnostic(Location(source.display, 1), f"cannot parse file: {type(error).__name__}: {error}")


def _tfvars_json(source: SourceFile, text: str) -> ParsedFile | Diagnostic:
    try:
        values = json.loads(text) if text.strip() else {}
    except json.JSONDecodeError as error:
        return Diagnostic(Location(source.display, error.lineno, error.colno), f"invalid JSON: {error.msg}")
    if not isinstance(values, dict):
        return Diagnostic(Location(source.display, 1), "a .tfvars.json file must hold an object")
    from analyzer.terraform.syntax import Attribute, Literal, Pos

    pos = Pos(1, 1, 1, 1)
    attributes = {k: Attribute(k, Literal(pos, v), pos) for k, v in values.items()}
    return ParsedFile(source.display, (), attributes)


def _tfvars_order(display: str) -> tuple[int, str]:
    name = display.rsplit("/", 1)[-1]
    if name in ("terraform.tfvars", "terraform.tfvars.json"):
        return (0, name)
    return (1, name)


def load_terraform(files: list[SourceFile]) -> list[FileResult]:
    """Every folder of ``.tf`` files is evaluated as one root module, with the ``terraform.tfvars`` and
    ``*.auto.tfvars`` beside it."""
    parsed_by_dir: dict[str, list[ParsedFile]] = defaultdict(list)
    tfvars_by_dir: dict[str, list[ParsedFile]] = defaultdict(list)
    results: list[FileResult] = []
    diagnostics: list[Diagnostic] = []
    for source in files:
        parsed = parse_source(source)
        if isinstance(parsed, Diagnostic):
            diagnostics.append(parsed)
            continue
        for pos, message in parsed.problems:
            diagnostics.append(Diagnostic(Location(source.display, pos.line, pos.column), message))
        if source.language == "tfvars":
            name = source.display.rsplit("/", 1)[-1]
            if name.startswith("terraform.tfvars") or ".auto.tfvars" in name:
                tfvars_by_dir[source.directory].append(parsed)
        else:
            parsed_by_dir[source.directory].append(parsed)
    if diagnostics:
        results.append(FileResult(diagnostics=diagnostics))
    for directory in sorted(parsed_by_dir):
        variables: dict[str, Any] = {}
        module = Module(directory, parsed_by_dir[directory], variables, key_prefix=f"{directory or '.'}:")
        for tfvars in sorted(tfvars_by_dir.get(directory, []), key=lambda p: _tfvars_order(p.display)):
            for name, attribute in tfvars.attributes.items():
                variables[name] = module.finalize(module.eval(attribute.expr, _empty_frame()))
        result = FileResult(resources=extract(module))
        for problem in module.problems:
            result.diagnostics.append(Diagnostic(Location(problem.display, problem.pos.line, problem.pos.column),
                                                 problem.message))
        results.append(result)
    return results


def _empty_frame() -> Any:
    from analyzer.terraform.evaluate import Frame

    return Frame()
