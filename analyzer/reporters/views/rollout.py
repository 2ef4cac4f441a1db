"""The rollout view as text, markdown and Mermaid (a Gantt chart of stages and waits, and a
flowchart of stage -> group -> member)."""

from __future__ import annotations

from fleetiac.analyzer.reporters._escape import line_text, md_code, md_text, mermaid_gantt_text, mermaid_text
from fleetiac.analyzer.viewmodel import UNKNOWN, GroupView, MemberEntry, PlanView, RolloutView, StageView


def _wait(stage: StageView) -> str:
    return UNKNOWN if stage.wait_seconds is None else f"{stage.wait_seconds} s"


def _ids(ids: tuple[str, ...]) -> str:
    return f" [{', '.join(ids)}]" if ids else ""


def _version(entry: MemberEntry) -> str:
    if not entry.target:
        return ""
    return f"  {entry.current} -> {entry.target} (minor step {entry.step})"


def _count(batches: str) -> str:
    return "1 batch" if batches == "1" else f"{batches} batches"


def _plan_title(plan: PlanView) -> str:
    return f"{plan.kind} {plan.name} ({plan.address}, {plan.where})"


# -- text ------------------------------------------------------------------------------------------


def _text_group(group: GroupView, out: list[str]) -> None:
    what = f"selector {line_text(group.selector)}" if group.selector else "by name"
    gates = "".join(f"; {side} gates: {line_text(', '.join(g))}"
                    for side, g in (("before", group.before_gates), ("after", group.after_gates)) if g)
    out.append(f"      group {line_text(group.name)} ({what}; max concurrency {line_text(group.max_concurrency)}: "
               f"batches of {group.batch}, {_count(group.batches)}{gates})")
    for entry in group.members:
        out.append(f"        - {line_text(entry.name)}  {line_text(entry.cluster)}{line_text(_version(entry))}"
                   f"{_ids(entry.findings)}")
    for entry in group.maybe:
        out.append(f"        ? {line_text(entry.name)}  {line_text(entry.cluster)} (may be selected: its group "
                   f"or labels cannot be resolved)")
    if not group.members and not group.maybe:
        out.append("        (no member)")


def _text_plan(plan: PlanView, out: list[str]) -> None:
    out.append(f"  {line_text(_plan_title(plan))}")
    if plan.strategy:
        out.append(f"    strategy: {line_text(plan.strategy)}")
    if plan.target:
        out.append(f"    target: {line_text(plan.target)}{_ids(plan.findings)}")
    out.append(f"    mode: {plan.mode}; minimum wall time: {line_text(plan.minimum_wall_time)}"
               + (" (waits only; update time not counted)" if plan.mode == "stages"
                  and not plan.minimum_wall_time.startswith(UNKNOWN) else ""))
    if plan.unknown:
        out.append(f"    unknown: {line_text(plan.unknown)}")
    for index, stage in enumerate(plan.stages, start=1):
        extra = f"; selector {line_text(stage.selector)}" if stage.selector else ""
        gates = "".join(f"; {side} gates: {line_text(', '.join(g))}"
                        for side, g in (("before", stage.before_gates), ("after", stage.after_gates)) if g)
        out.append(f"    stage {index} {line_text(stage.name)} (max concurrency {line_text(stage.max_concurrency)}; "
                   f"wait after: {_wait(stage)}{extra}{gates})")
        for group in stage.groups:
            _text_group(group, out)
        if not stage.groups:
            out.append("      (no group)")
    if plan.mode == "one by one":
        out.append("    every member, one by one:")
        for entry in plan.one_by_one:
            out.append(f"      - {line_text(entry.name)}  {line_text(entry.cluster)}{line_text(_version(entry))}"
                       f"{_ids(entry.findings)}")
    if plan.skipped:
        out.append("    skipped:")
        for skip in plan.skipped:
            out.append(f"      - {line_text(skip.name)}  {line_text(skip.cluster)}: {line_text(skip.reason)}"
                       f"{_ids(skip.findings)}")


def text(view: RolloutView) -> str:
    if not view.plans:
        return "no update strategy, update run or auto-upgrade profile found\n"
    out: list[str] = []
    fleet = None
    for plan in view.plans:
        if plan.fleet != fleet:
            if fleet is not None:
                out.append("")
            fleet = plan.fleet
            out.append(f"fleet {line_text(plan.fleet)}")
        _text_plan(plan, out)
    return "\n".join(out) + "\n"


# -- markdown --------------------------------------------------------------------------------------


def _md_member(entry: MemberEntry) -> str:
    version = f" {md_text(entry.current)} → {md_text(entry.target)} ({md_text(entry.step)})" if entry.target else ""
    flags = f" **{', '.join(entry.findings)}**" if entry.findings else ""
    return f"{md_code(entry.name)} ({md_code(entry.cluster)}){version}{flags}"


def markdown(view: RolloutView) -> str:
    out = ["## Rollout", ""]
    if not view.plans:
        out.append("No update strategy, update run or auto-upgrade profile found.")
    for plan in view.plans:
        out += [f"### {md_text(plan.kind)} {md_code(plan.name)} of fleet {md_code(plan.fleet)}", "",
                f"{md_code(plan.address)} at {md_code(plan.where)}; mode: {md_text(plan.mode)}; "
                f"minimum wall time: {md_text(plan.minimum_wall_time)}"]
        if plan.strategy:
            out[-1] += f"; strategy {md_code(plan.strategy)}"
        if plan.target:
            flags = f" **{', '.join(plan.findings)}**" if plan.findings else ""
            out[-1] += f"; target {md_text(plan.target)}{flags}"
        if plan.unknown:
            out += ["", f"Unknown: {md_text(plan.unknown)}"]
        out.append("")
        if plan.stages:
            out += ["| # | stage | wait after | group | selects | batch size \u00d7 batches | members |",
                    "|---|---|---|---|---|---|---|"]
            for index, stage in enumerate(plan.stages, start=1):
                gates = _md_gates(stage.before_gates, stage.after_gates)
                for position, group in enumerate(stage.groups or (GroupView("(none)", batch="", batches=""),)):
                    head = (f"| {index} | {md_code(stage.name)}{gates} | {_wait(stage)} " if position == 0
                            else "| | | ")
                    members = ", ".join([_md_member(e) for e in group.members]
                                        + [f"{_md_member(e)} (maybe)" for e in group.maybe]) or "none"
                    selects = f"selector {md_code(group.selector)}" if group.selector else "by name"
                    batch = f"{group.batch} \u00d7 {group.batches}" if group.batch else ""
                    out.append(f"{head}| {md_code(group.name)}"
                               f"{_md_gates(group.before_gates, group.after_gates)} | {selects} | {batch} | "
                               f"{members} |")
            out.append("")
        if plan.mode == "one by one":
            out += ["Every member, one by one: " + (", ".join(_md_member(e) for e in plan.one_by_one) or "none"), ""]
        if plan.skipped:
            out += ["| skipped member | cluster | why | findings |", "|---|---|---|---|"]
            out += [f"| {md_code(s.name)} | {md_code(s.cluster)} | {md_text(s.reason)} | {', '.join(s.findings)} |"
                    for s in plan.skipped]
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def _md_gates(before: tuple[str, ...], after: tuple[str, ...]) -> str:
    parts = [f"{side}: {md_text(', '.join(g))}" for side, g in (("before", before), ("after", after)) if g]
    return f" (gates {'; '.join(parts)})" if parts else ""


# -- mermaid ---------------------------------------------------------------------------------------


def _gantt(plan: PlanView, number: int) -> list[str]:
    out = ["```mermaid", "gantt", f"    title {mermaid_gantt_text(plan.kind + ' ' + plan.name)}",
           "    dateFormat X", "    axisFormat %H:%M"]
    start: int | None = 0
    for index, stage in enumerate(plan.stages, start=1):
        out.append(f"    section {mermaid_gantt_text(stage.name)}")
        at = str(start) if start is not None else "0"
        for gate in stage.before_gates:
            out.append(f"    gate before {mermaid_gantt_text(gate)} :milestone, p{number}b{index}, {at}, 0s")
        out.append(f"    update {mermaid_gantt_text(stage.name)} (time unknown) "
                   f":milestone, p{number}s{index}, {at}, 0s")
        for gate in stage.after_gates:
            out.append(f"    gate after {mermaid_gantt_text(gate)} :milestone, p{number}a{index}, {at}, 0s")
        if index < len(plan.stages):
            if stage.wait_seconds is None or start is None:
                out.append(f"    wait unknown :milestone, p{number}w{index}, {at}, 0s")
                start = None
            elif stage.wait_seconds:
                out.append(f"    wait {stage.wait_seconds} s :p{number}w{index}, {at}, {stage.wait_seconds}s")
                start += stage.wait_seconds
    out.append("```")
    return out


def _flowchart(plan: PlanView, number: int) -> list[str]:
    p = f"p{number}"
    out = ["```mermaid", "flowchart LR", f'    {p}["{mermaid_text(_plan_title(plan))}"]']
    previous = p
    for index, stage in enumerate(plan.stages, start=1):
        s = f"{p}s{index}"
        out.append(f'    {s}["{mermaid_text(f"stage {index}: {stage.name}")}"]')
        label = "" if previous == p else f'|"{mermaid_text("wait " + _wait(plan.stages[index - 2]))}"|'
        out.append(f"    {previous} -->{label} {s}")
        previous = s
        for gi, group in enumerate(stage.groups, start=1):
            g = f"{s}g{gi}"
            what = f"group {group.name}" + (f" (selector {group.selector})" if group.selector else "")
            out.append(f'    {g}["{mermaid_text(what + f", batches of {group.batch}")}"]')
            out.append(f"    {s} --> {g}")
            for mi, entry in enumerate((*group.members, *group.maybe), start=1):
                m = f"{g}m{mi}"
                maybe = " (maybe)" if mi > len(group.members) else ""
                out.append(f'    {m}["{mermaid_text(f"{entry.name}{maybe}: {entry.cluster}")}"]')
                out.append(f"    {g} --> {m}")
    for mi, entry in enumerate(plan.one_by_one, start=1):
        m = f"{p}o{mi}"
        out.append(f'    {m}["{mermaid_text(f"{entry.name}: {entry.cluster}")}"]')
        out.append(f"    {previous} --> {m}")
        previous = m
    for si, skip in enumerate(plan.skipped, start=1):
        x = f"{p}x{si}"
        out.append(f'    {x}["{mermaid_text(f"skipped {skip.name}: {skip.reason}")}"]')
        out.append(f"    {p} -.-> {x}")
    out.append("```")
    return out


def mermaid(view: RolloutView) -> str:
    """Markdown with one fenced ``mermaid`` block per diagram: per plan with stages a Gantt chart, and
    per plan a flowchart."""
    out: list[str] = []
    for number, plan in enumerate(view.plans, start=1):
        out.append(f"<!-- {mermaid_text(_plan_title(plan))} -->")
        if plan.stages:
            out += _gantt(plan, number)
        out += _flowchart(plan, number)
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n" if out else "\n"
