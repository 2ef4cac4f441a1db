"""The resource graph drawn as inline SVG, laid out here (no library, no network): one column per
kind, from principals and their role assignments on the left to member clusters on the right, each
column sorted as the view is; references are curves from the referring node to the referred one."""

from __future__ import annotations

from fleetiac.analyzer.reporters._escape import html_text
from fleetiac.analyzer.viewmodel import GraphView

COLUMNS = (("principal",), ("role_assignment", "role_definition"), ("resource_group",), ("fleet",),
           ("update_strategy", "update_run", "auto_upgrade_profile", "managed_namespace", "manifest"),
           ("member",), ("cluster",))
COLORS = {"fleet": "#cfe2ff", "member": "#d1e7dd", "cluster": "#e2e3e5", "principal": "#fff3cd",
          "role_assignment": "#f8d7da", "role_definition": "#f8d7da", "resource_group": "#f3f3f3"}
WIDTH, HEIGHT, GAP_X, GAP_Y, MARGIN, MAX_LABEL = 250, 34, 70, 14, 10, 38


def _short(text: str) -> str:
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "\u2026"


def svg(view: GraphView) -> str:
    column_of = {kind: index for index, kinds in enumerate(COLUMNS) for kind in kinds}
    used = sorted({column_of.get(n.kind, len(COLUMNS)) for n in view.nodes})
    place = {column: position for position, column in enumerate(used)}
    rows: dict[int, int] = {}
    where: dict[str, tuple[int, int]] = {}
    for node in view.nodes:
        column = place[column_of.get(node.kind, len(COLUMNS))]
        row = rows.get(column, 0)
        rows[column] = row + 1
        where[node.id] = (MARGIN + column * (WIDTH + GAP_X), MARGIN + row * (HEIGHT + GAP_Y))
    width = MARGIN * 2 + max(len(used), 1) * (WIDTH + GAP_X) - GAP_X
    height = MARGIN * 2 + max(rows.values(), default=1) * (HEIGHT + GAP_Y) - GAP_Y
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" id="graph-svg" role="img" aria-label="resource graph" '
           f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" '
           f'font-size="11">',
           '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" '
           'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#555"/></marker></defs>']
    for edge in view.edges:
        (sx, sy), (tx, ty) = where[edge.source], where[edge.target]
        if sx <= tx:
            x1, x2 = sx + WIDTH, tx
        else:
            x1, x2 = sx, tx + WIDTH
        y1, y2 = sy + HEIGHT // 2, ty + HEIGHT // 2
        middle = (x1 + x2) // 2
        out.append(f'<path class="edge" d="M {x1} {y1} C {middle} {y1}, {middle} {y2}, {x2} {y2}" fill="none" '
                   f'stroke="#888" marker-end="url(#arrow)"><title>{html_text(edge.label)}</title></path>')
    for node in view.nodes:
        x, y = where[node.id]
        label = f"{node.kind}: {node.label}"
        title = label + (f" ({node.where})" if node.where else "")
        out.append(f'<g class="node"><title>{html_text(title)}</title>'
                   f'<rect x="{x}" y="{y}" width="{WIDTH}" height="{HEIGHT}" rx="6" '
                   f'fill="{COLORS.get(node.kind, "#ffffff")}" stroke="#666"/>'
                   f'<text x="{x + 8}" y="{y + 14}" font-weight="bold">{html_text(node.kind)}</text>'
                   f'<text x="{x + 8}" y="{y + 27}">{html_text(_short(node.label))}</text></g>')
    out.append("</svg>")
    return "\n".join(out)
