"""The resource graph as Mermaid and Graphviz DOT. Node IDs are numbers given here (``n0``...), never
text of the scanned code; labels are escaped for their format."""

from __future__ import annotations

from fleetiac.analyzer.reporters._escape import dot_text, mermaid_text
from fleetiac.analyzer.viewmodel import GraphView

SHAPES = {"fleet": ("[[", "]]"), "member": ("(", ")"), "cluster": ("[(", ")]"), "principal": ("((", "))")}
DOT_SHAPES = {"fleet": "box3d", "member": "ellipse", "cluster": "cylinder", "principal": "circle"}


def _numbers(view: GraphView) -> dict[str, str]:
    return {node.id: f"n{index}" for index, node in enumerate(view.nodes)}


def mermaid(view: GraphView) -> str:
    ids = _numbers(view)
    out = ["flowchart LR"]
    for node in view.nodes:
        left, right = SHAPES.get(node.kind, ("[", "]"))
        out.append(f'    {ids[node.id]}{left}"{mermaid_text(f"{node.kind}: {node.label}")}"{right}')
    for edge in view.edges:
        out.append(f'    {ids[edge.source]} -->|"{mermaid_text(edge.label)}"| {ids[edge.target]}')
    return "\n".join(out) + "\n"


def dot(view: GraphView) -> str:
    ids = _numbers(view)
    out = ["digraph fleetiac {", "    rankdir=LR;", '    node [fontname="Helvetica", fontsize=10];']
    for node in view.nodes:
        shape = DOT_SHAPES.get(node.kind, "box")
        out.append(f'    {ids[node.id]} [shape={shape}, label="{dot_text(node.kind)}\\n{dot_text(node.label)}"];')
    for edge in view.edges:
        out.append(f'    {ids[edge.source]} -> {ids[edge.target]} [label="{dot_text(edge.label)}"];')
    out.append("}")
    return "\n".join(out) + "\n"
