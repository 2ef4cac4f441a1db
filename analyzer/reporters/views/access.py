"""The access view: per fleet and operator, a matrix of the fleet and each member's cluster against
the actions joining needs (✓ held, with the grant; ✗ missing; ? cannot be told, with why)."""

from __future__ import annotations

from fleetiac.analyzer.reporters._escape import line_text, md_code, md_text
from fleetiac.analyzer.viewmodel import AccessMatrix, AccessRow, OperatorAccess

MARK = {"yes": "✓", "no": "✗", "unknown": "?"}


def _row_title(row: AccessRow) -> str:
    if row.kind == "fleet":
        return f"fleet {row.resource}"
    return f"{row.kind} cluster {row.resource} (member {row.member})"


def text(view: AccessMatrix) -> str:
    out: list[str] = []
    for fleet in view.fleets:
        if out:
            out.append("")
        out.append(f"fleet {line_text(fleet.fleet)}")
        if not fleet.operators:
            out.append("  no operator: no principal holds fleets/members/write on it in the code or an export, "
                       "and none is named with --operator")
        for operator in fleet.operators:
            out.append(f"  operator {line_text(operator.operator)} ({line_text(operator.reason)})")
            for row in operator.rows:
                out.append(f"    {line_text(_row_title(row))}")
                width = max((len(c.action) for c in row.cells), default=0)
                for cell in row.cells:
                    detail = f"  {line_text(cell.detail)}" if cell.detail else ""
                    out.append(f"      {MARK[cell.state]} {cell.action.ljust(width)}{detail}".rstrip())
    return "\n".join(out) + "\n" if out else "no fleet found\n"


def _matrix(operator: OperatorAccess) -> list[str]:
    actions: list[str] = []
    for row in operator.rows:
        actions += [c.action for c in row.cells if c.action not in actions]
    notes: list[str] = []
    out = ["| | " + " | ".join(md_text(a) for a in actions) + " |", "|---" * (len(actions) + 1) + "|"]
    for row in operator.rows:
        by_action = {c.action: c for c in row.cells}
        cells = []
        for action in actions:
            cell = by_action.get(action)
            if cell is None:
                cells.append("\u2013")
                continue
            mark = MARK[cell.state]
            if cell.detail:
                if cell.detail not in notes:
                    notes.append(cell.detail)
                mark += f" ({notes.index(cell.detail) + 1})"
            cells.append(mark)
        title = f"fleet {md_code(row.resource)}" if row.kind == "fleet" else \
            f"{md_text(row.kind)} {md_code(row.resource)}"
        out.append(f"| {title} | " + " | ".join(cells) + " |")
    out.append("")
    out += [f"{number}. {md_text(note)}" for number, note in enumerate(notes, start=1)]
    return out


def markdown(view: AccessMatrix) -> str:
    out = ["## Access", ""]
    if not view.fleets:
        out.append("No fleet found.")
    for fleet in view.fleets:
        out += [f"### Fleet {md_code(fleet.fleet)}", ""]
        if not fleet.operators:
            out += ["No operator: no principal holds fleets/members/write on it, and none is named with --operator.",
                    ""]
        for operator in fleet.operators:
            out += [f"#### Operator {md_code(operator.operator)}", "", md_text(operator.reason), ""]
            out += _matrix(operator)
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"
