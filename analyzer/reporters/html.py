"""One self-contained HTML file: the findings (sortable and filterable by rule, level and file, each
with the code around it), the rollout and access views of the scanned fleets, and the resource graph
as inline SVG drawn by :mod:`analyzer.reporters.views.svg`. No network: inline CSS and one small
inline script, and a Content-Security-Policy that allows nothing else. Every text from the scanned
code goes through :func:`~analyzer.reporters._escape.html_text`; the script reads only ``data-``
attributes and never builds markup from them."""

from __future__ import annotations

from fleetiac.analyzer.model import Finding, Level, Report
from fleetiac.analyzer.reporters._common import LEVELS, count_by_level, params_phrase, plural, set_elsewhere
from fleetiac.analyzer.reporters._escape import html_text
from fleetiac.analyzer.reporters.views.svg import svg
from fleetiac.analyzer.viewmodel import (
    AccessMatrix,
    GraphView,
    GroupView,
    MemberEntry,
    PlanView,
    ReportViews,
    RolloutView,
    Snippet,
)

CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"
MARK = {"yes": "\u2713", "no": "\u2717", "unknown": "?"}

STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #222; }
h1 { font-size: 1.5rem; } h2 { margin-top: 2rem; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: .5rem 0 1rem; }
#findings { width: 100%; table-layout: fixed; } #findings td { overflow-wrap: anywhere; }
#findings th:nth-child(1), #findings th:nth-child(2) { width: 5rem; } #findings th:nth-child(3) { width: 14rem; }
#findings th:nth-child(4) { width: 15rem; } summary { cursor: pointer; color: #555; font-size: .85rem; }
th, td { border: 1px solid #ccc; padding: .25rem .5rem; text-align: left; vertical-align: top; }
th[data-sort] { cursor: pointer; background: #f3f3f3; } th[data-sort]:after { content: " \\2195"; color: #999; }
.error { color: #b00020; font-weight: bold; } .warning { color: #8a6d00; } .note { color: #555; }
pre.code { margin: 0; background: #f7f7f7; padding: .25rem; font-size: .85rem; overflow-x: auto; }
pre.code .hit { background: #fff3cd; display: block; }
.filters label { margin-right: 1rem; } .muted { color: #666; }
td.yes { color: #146c43; } td.no { color: #b00020; font-weight: bold; } td.unknown { color: #8a6d00; }
#graph { overflow: auto; border: 1px solid #ddd; } .scroll { overflow-x: auto; }
"""

SCRIPT = """
(function () {
  var table = document.getElementById("findings");
  document.documentElement.setAttribute("data-script", "ran");
  if (!table) { return; }
  var bodies = Array.prototype.slice.call(table.tBodies);
  var filters = ["rule", "level", "file"].map(function (name) { return document.getElementById("filter-" + name); });
  var shown = document.getElementById("shown");
  function apply() {
    var count = 0;
    bodies.forEach(function (body) {
      var visible = filters.every(function (select) {
        return !select.value || body.getAttribute("data-" + select.name) === select.value;
      });
      body.hidden = !visible;
      if (visible) { count += 1; }
    });
    shown.textContent = String(count);
  }
  filters.forEach(function (select) { select.addEventListener("change", apply); });
  var direction = {};
  Array.prototype.forEach.call(table.querySelectorAll("th[data-sort]"), function (header) {
    header.addEventListener("click", function () {
      var key = header.getAttribute("data-sort");
      direction[key] = -(direction[key] || -1);
      bodies.sort(function (a, b) {
        var x = a.getAttribute("data-" + key), y = b.getAttribute("data-" + key);
        var order = x < y ? -1 : x > y ? 1 :
          Number(a.getAttribute("data-index")) - Number(b.getAttribute("data-index"));
        return order * direction[key];
      });
      bodies.forEach(function (body) { table.appendChild(body); });
    });
  });
  apply();
  document.documentElement.setAttribute("data-script", "ready");
}());
"""


def _snippet(snippet: Snippet | None) -> str:
    if snippet is None:
        return '<p class="muted">(the file cannot be read)</p>'
    lines = []
    for number, text in enumerate(snippet.lines, start=snippet.first):
        row = f"{number:>5}  {html_text(text)}"
        lines.append(f'<span class="hit">{row}</span>' if number == snippet.line else row + "\n")
    return (f"<details><summary>{html_text(snippet.path)}:{snippet.line}</summary>"
            '<pre class="code">' + "".join(lines) + "</pre></details>")


def _code(text: str) -> str:
    return f"<code>{html_text(text)}</code>"


def _finding(index: int, finding: Finding, snippet: Snippet | None) -> str:
    loc = finding.location
    level = Level(finding.level)
    below = f'<br><span class="muted">help: {html_text(finding.hint)}</span>' if finding.hint else ""
    # The parameter files that gave the finding and where its value was set, a line each under it.
    if finding.param_files:
        below += f'<br><span class="muted">{params_phrase(finding.param_files, _code)}</span>'
    elsewhere = set_elsewhere(finding)
    if elsewhere:
        below += ('<br><span class="muted">set here: '
                  + ", ".join(_code(f"{o.path}:{o.line}:{o.column}") for o in elsewhere) + "</span>")
    return (f'<tbody data-index="{index}" data-rule="{html_text(finding.rule_id)}" data-level="{level.value}" '
            f'data-rank="{9 - level.rank}" data-file="{html_text(loc.path)}" '
            f'data-where="{html_text(f"{loc.path}:{loc.line:08d}")}">'
            f'<tr><td class="{level.value}">{level.value}</td><td>{html_text(finding.rule_id)}</td>'
            f"<td>{html_text(f'{loc.path}:{loc.line}:{loc.column}')}</td><td>{html_text(finding.resource)}</td>"
            f"<td>{html_text(finding.message)}{below}</td></tr>"
            f'<tr class="snippet"><td colspan="5">{_snippet(snippet)}</td></tr></tbody>')


def _select(name: str, label: str, values: list[str]) -> str:
    options = "".join(f'<option value="{html_text(v)}">{html_text(v)}</option>' for v in values)
    return (f'<label>{label} <select id="filter-{name}" name="{name}"><option value="">all</option>'
            f"{options}</select></label>")


def _findings(report: Report, views: ReportViews | None) -> list[str]:
    found = {(s.path, s.line): s for s in (views.snippets if views else ())}
    counts = count_by_level(report.findings)
    files = plural(report.files_scanned, "file")
    summary = ", ".join(plural(counts[level], level.value) for level in LEVELS)
    out = ['<h2 id="findings-title">Findings</h2>',
           f"<p>{plural(len(report.findings), 'finding')} ({summary}) in {files}; "
           f'<span id="shown">{len(report.findings)}</span> shown.</p>']
    out += [f'<p class="error">error: {html_text(d.message)}</p>' for d in report.internal_errors]
    out += [f'<p class="muted">{html_text(n)}</p>' for n in report.notices]
    # Directives that silenced nothing: a note each, at the comment.
    out += [f'<p class="muted unused">{_code(f"{d.location.path}:{d.location.line}:{d.location.column}")}: '
            f"{html_text(d.message)}</p>" for d in report.unused_suppressions]
    if not report.findings:
        return [*out, "<p>No findings.</p>"]
    rules = sorted({f.rule_id for f in report.findings})
    levels = [level.value for level in LEVELS if counts[level]]
    paths = sorted({f.location.path for f in report.findings})
    out.append('<p class="filters">' + _select("rule", "Rule", rules) + _select("level", "Level", levels)
               + _select("file", "File", paths) + "</p>")
    out.append('<table id="findings"><thead><tr><th data-sort="rank">Level</th><th data-sort="rule">Rule</th>'
               '<th data-sort="where">Location</th><th>Resource</th><th>Message</th></tr></thead>')
    out += [_finding(i, f, found.get((f.location.path, f.location.line))) for i, f in enumerate(report.findings)]
    out.append("</table>")
    return out


def _member(entry: MemberEntry) -> str:
    version = f" {html_text(entry.current)} \u2192 {html_text(entry.target)} ({html_text(entry.step)})" \
        if entry.target else ""
    flags = f' <b class="error">{html_text(", ".join(entry.findings))}</b>' if entry.findings else ""
    return f"<code>{html_text(entry.name)}</code> ({html_text(entry.cluster)}){version}{flags}"


def _gates(before: tuple[str, ...], after: tuple[str, ...]) -> str:
    parts = [f"{side}: {html_text(', '.join(g))}" for side, g in (("before", before), ("after", after)) if g]
    return f"<br>gates {'; '.join(parts)}" if parts else ""


def _plan(plan: PlanView) -> list[str]:
    facts = [f"fleet <code>{html_text(plan.fleet)}</code>", html_text(plan.where), f"mode: {html_text(plan.mode)}",
             f"minimum wall time: {html_text(plan.minimum_wall_time)}"]
    if plan.strategy:
        facts.append(f"strategy <code>{html_text(plan.strategy)}</code>")
    if plan.target:
        facts.append(f"target {html_text(plan.target)}"
                     + (f' <b class="error">{html_text(", ".join(plan.findings))}</b>' if plan.findings else ""))
    out = [f"<h3>{html_text(plan.kind)} <code>{html_text(plan.name)}</code></h3>", "<p>" + "; ".join(facts) + "</p>"]
    if plan.unknown:
        out.append(f'<p class="muted">unknown: {html_text(plan.unknown)}</p>')
    if plan.stages:
        out.append('<table class="rollout"><tr><th>#</th><th>stage</th><th>wait after</th><th>group</th>'
                   "<th>selects</th><th>batch size \u00d7 batches</th><th>members</th></tr>")
        for index, stage in enumerate(plan.stages, start=1):
            wait = "unknown" if stage.wait_seconds is None else f"{stage.wait_seconds} s"
            groups = stage.groups or (GroupView("(none)", batch="", batches=""),)
            for position, group in enumerate(groups):
                head = (f'<td rowspan="{len(groups)}">{index}</td><td rowspan="{len(groups)}">'
                        f"<code>{html_text(stage.name)}</code>{_gates(stage.before_gates, stage.after_gates)}</td>"
                        f'<td rowspan="{len(groups)}">{wait}</td>') if position == 0 else ""
                members = ", ".join([_member(e) for e in group.members]
                                    + [_member(e) + " (maybe)" for e in group.maybe]) or "none"
                selects = f"selector <code>{html_text(group.selector)}</code>" if group.selector else "by name"
                batch = f"{html_text(group.batch)} \u00d7 {html_text(group.batches)}" if group.batch else ""
                out.append(f"<tr>{head}<td><code>{html_text(group.name)}</code>"
                           f"{_gates(group.before_gates, group.after_gates)}</td><td>{selects}</td><td>{batch}</td>"
                           f"<td>{members}</td></tr>")
        out.append("</table>")
    if plan.mode == "one by one":
        out.append("<p>Every member, one by one: " + (", ".join(_member(e) for e in plan.one_by_one) or "none")
                   + "</p>")
    if plan.skipped:
        out.append("<p>Skipped:</p><ul>" + "".join(
            f"<li><code>{html_text(s.name)}</code> ({html_text(s.cluster)}): {html_text(s.reason)}"
            + (f" <b>{html_text(', '.join(s.findings))}</b>" if s.findings else "") + "</li>" for s in plan.skipped)
            + "</ul>")
    return out


def _rollout(view: RolloutView) -> list[str]:
    out = ['<h2 id="rollout">Rollout</h2>']
    if not view.plans:
        out.append("<p>No update strategy, update run or auto-upgrade profile.</p>")
    for plan in view.plans:
        out += _plan(plan)
    return out


def _access(view: AccessMatrix) -> list[str]:
    out = ['<h2 id="access">Access</h2>']
    if not view.fleets:
        out.append("<p>No fleet.</p>")
    for fleet in view.fleets:
        out.append(f"<h3>Fleet <code>{html_text(fleet.fleet)}</code></h3>")
        if not fleet.operators:
            out.append("<p>No operator.</p>")
        for operator in fleet.operators:
            out.append(f"<h4>Operator <code>{html_text(operator.operator)}</code></h4>"
                       f'<p class="muted">{html_text(operator.reason)}</p>')
            actions: list[str] = []
            for row in operator.rows:
                actions += [c.action for c in row.cells if c.action not in actions]
            notes: list[str] = []
            out.append('<div class="scroll"><table class="access"><tr><th></th>'
                       + "".join(f"<th>{html_text(a)}</th>" for a in actions) + "</tr>")
            for row in operator.rows:
                cells = {c.action: c for c in row.cells}
                tds = []
                for action in actions:
                    cell = cells.get(action)
                    if cell is None:
                        tds.append("<td>\u2013</td>")
                        continue
                    note = ""
                    if cell.detail:
                        if cell.detail not in notes:
                            notes.append(cell.detail)
                        note = f" ({notes.index(cell.detail) + 1})"
                    tds.append(f'<td class="{cell.state}" title="{html_text(cell.detail)}">'
                               f"{MARK[cell.state]}{note}</td>")
                out.append(f"<tr><th>{html_text(row.kind)} <code>{html_text(row.resource)}</code></th>"
                           f"{''.join(tds)}</tr>")
            out.append("</table></div>")
            if notes:
                out.append("<ol>" + "".join(f"<li>{html_text(n)}</li>" for n in notes) + "</ol>")
    return out


def _page(title: str, body: list[str]) -> str:
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
            f"<title>{title}</title>\n"
            f"<style>{STYLE}</style>\n</head>\n<body>\n" + "\n".join(body)
            + f"\n<script>{SCRIPT}</script>\n</body>\n</html>\n")


def view_page(view: RolloutView | AccessMatrix | GraphView) -> str:
    """One view alone as a self-contained page (``fleetiac rollout|access|graph --format html``)."""
    if isinstance(view, RolloutView):
        body = _rollout(view)
    elif isinstance(view, AccessMatrix):
        body = _access(view)
    else:
        body = ['<h2 id="graph-title">Graph</h2>', f'<div id="graph">{svg(view)}</div>']
    return _page("fleetiac", ["<h1>fleetiac</h1>", *body])


def render(report: Report, views: ReportViews | None = None) -> str:
    body = ["<h1>fleetiac report</h1>",
            f'<p class="muted">fleetiac {html_text(report.tool_version)}, evaluated as of {html_text(report.as_of)}'
            "</p>",
            '<nav><a href="#findings-title">Findings</a> \u00b7 <a href="#rollout">Rollout</a> \u00b7 '
            '<a href="#access">Access</a> \u00b7 <a href="#graph-title">Graph</a></nav>',
            *_findings(report, views)]
    if views is not None:
        body += _rollout(views.rollout)
        body += _access(views.access)
        body += ['<h2 id="graph-title">Graph</h2>', f'<div id="graph">{svg(views.graph)}</div>']
    return _page("fleetiac report", body)
