"""Small helpers the reporters share, so text, JSON and SARIF count and name things the same way."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from fleetiac.analyzer.model import Finding, Level, Location, Report, RuleInfo

# Most severe first: the order summaries list levels in.
LEVELS: tuple[Level, ...] = (Level.ERROR, Level.WARNING, Level.NOTE)


def count_by_level(findings: list[Finding]) -> dict[Level, int]:
    """Every level is present (zero included) so summaries keep a fixed shape."""
    counts = dict.fromkeys(LEVELS, 0)
    for finding in findings:
        counts[Level(finding.level)] += 1
    return counts


def rule_for(report: Report, rule_id: str, level: Level) -> RuleInfo:
    """The rule's metadata, or a bare stand-in when a finding names a rule the report does not list.

    The engine always lists the rules it ran, but a reporter must not crash (or, in SARIF, emit a
    dangling ``ruleIndex``) if a caller builds a report by hand and forgets one.
    """
    info = report.rules.get(rule_id)
    if info is not None:
        return info
    return RuleInfo(id=rule_id, name=rule_id, level=level, summary="", doc="")


def plural(count: int, word: str) -> str:
    """``1 error``, ``2 errors``, ``0 notes``."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def distinct_fingerprints(findings: list[Finding]) -> list[str]:
    """Each finding's :attr:`~analyzer.model.Finding.fingerprint`, made distinct within one report:
    a finding whose fingerprint an earlier one has (the same rule, file, resource and message at
    another place, say on one line) gets ``:2``, ``:3``... in the findings' order, so no two
    results merge into one alert or one code-quality issue."""
    seen: dict[str, int] = {}
    result: list[str] = []
    for finding in findings:
        base = finding.fingerprint
        seen[base] = seen.get(base, 0) + 1
        result.append(base if seen[base] == 1 else f"{base}:{seen[base]}")
    return result


TIMES = "\u00d7"
"""The multiplication sign of ``\u00d7 12: member[0..11]``."""

_INSTANCE = re.compile(r"\[[^\[\]]*\]$")
"""The instance key at the end of an address: ``["aks-neu-1"]``, ``[3]``."""


@dataclass(frozen=True, slots=True)
class Block:
    """One finding as reports show it, or several instances of one resource (``count``,
    ``for_each``, a loop) with the same problem at the same place: one block in the text report,
    one result in SARIF and the GitLab reports (which keep one per instance only where the
    locations differ)."""

    finding: Finding
    message: str
    hint: str
    instances: tuple[str, ...] = ()
    """The instance keys (``"aks-neu-1"``, ``0``) when the block stands for several findings."""
    members: tuple[Finding, ...] = ()
    """The findings the block stands for (just :attr:`finding` when it is one)."""

    @property
    def param_files(self) -> tuple[str, ...]:
        """The parameter files of every finding of the block, sorted."""
        return tuple(sorted({p for member in self.members or (self.finding,) for p in member.param_files}))

    @property
    def origins(self) -> tuple[Location, ...]:
        """Where the offending values of the block's findings were set, when elsewhere."""
        return tuple(sorted({o for member in self.members or (self.finding,) for o in member.origins},
                            key=Location.sort_key))

    @property
    def base(self) -> str:
        """The resource's address without its instance key (the whole address for one finding)."""
        split = instance_of(self.finding) if self.instances else None
        return split[0] if split else self.finding.resource


def instance_of(finding: Finding) -> tuple[str, str] | None:
    """(the resource's address without its instance key, the key with its brackets), or None."""
    match = _INSTANCE.search(finding.resource)
    if match is None:
        return None
    return finding.resource[:match.start()], match.group()


def instance_blocks(findings: list[Finding]) -> list[Block]:
    """Findings in order, with the instances of one resource that have the same problem at the same
    place (their texts equal once the instance key is written ``[*]``) as one block."""
    groups: dict[tuple[object, ...], list[tuple[Finding, str]]] = {}
    order: list[tuple[object, ...] | Finding] = []
    for finding in findings:
        split = instance_of(finding)
        if split is None:
            order.append(finding)
            continue
        base, key = split
        message, hint = finding.message.replace(key, "[*]"), finding.hint.replace(key, "[*]")
        group_key = (finding.rule_id, finding.level, finding.location, base, message, hint, finding.suppression)
        if group_key not in groups:
            groups[group_key] = []
            order.append(group_key)
        groups[group_key].append((finding, key))
    blocks: list[Block] = []
    for item in order:
        if isinstance(item, Finding):
            blocks.append(Block(item, item.message, item.hint, members=(item,)))
            continue
        members = groups[item]
        first = members[0][0]
        if len(members) == 1:
            blocks.append(Block(first, first.message, first.hint, members=(first,)))
        else:
            blocks.append(Block(first, str(item[4]), str(item[5]), tuple(key[1:-1] for _, key in members),
                                tuple(finding for finding, _ in members)))
    return blocks


def instances_label(keys: tuple[str, ...], base: str) -> str:
    """``\u00d7 12: member[0..11]`` for consecutive indexes, else ``\u00d7 3: this["a", "b", "c"]``."""
    if all(key.isdigit() for key in keys):
        numbers = sorted(int(key) for key in keys)
        if numbers == list(range(numbers[0], numbers[-1] + 1)):
            return f"{TIMES} {len(keys)}: {base}[{numbers[0]}..{numbers[-1]}]"
    return f"{TIMES} {len(keys)}: {base}[{', '.join(keys)}]"


def grouped(findings: list[Finding]) -> list[tuple[Finding, Block]]:
    """One finding per :func:`instance_blocks` block, for the formats that keep one result per
    instance only where the locations differ: the block's one finding, or for several instances a
    finding on ``base[*]`` with the shared message, the related locations of them all and a
    fingerprint of its own (stable while the instances' problem is)."""
    from dataclasses import replace

    result: list[tuple[Finding, Block]] = []
    for block in instance_blocks(findings):
        if not block.instances:
            result.append((block.finding, block))
            continue
        related = tuple(dict.fromkeys(r for member in block.members for r in member.related_locations))
        addresses = tuple(dict.fromkeys(a for member in block.members for a in member.related))
        result.append((replace(block.finding, message=block.message, hint=block.hint, resource=f"{block.base}[*]",
                               related=addresses, related_locations=related, param_files=block.param_files,
                               origins=block.origins), block))
    return result


def set_elsewhere(finding: Finding) -> tuple[Location, ...]:
    """The finding's :attr:`~analyzer.model.Finding.origins` that are not on its own line: the
    places the text report frames as "set here", which the other formats name."""
    loc = finding.location
    return tuple(o for o in finding.origins if not (o.path == loc.path and o.line == loc.line))


def params_phrase(param_files: tuple[str, ...], name: Callable[[str], str] = str) -> str:
    """``with parameter file dev.params`` or ``with parameter files dev.params, prod.params``
    ("" for none), each file written by ``name`` (the format's escaping)."""
    if not param_files:
        return ""
    return f"with parameter file{'s' if len(param_files) > 1 else ''} {', '.join(name(p) for p in param_files)}"


def set_here_phrase(origins: tuple[Location, ...], name: Callable[[str], str] = str) -> str:
    """``set here: dev.params:4, prod.params:5`` ("" for none), each ``path:line`` written by
    ``name`` (the format's escaping)."""
    if not origins:
        return ""
    return "set here: " + ", ".join(name(f"{o.path}:{o.line}") for o in origins)


def context_phrase(finding: Finding, name: Callable[[str], str] = str) -> str:
    """:func:`params_phrase` and :func:`set_here_phrase` of a finding joined by ``; `` ("" for
    neither): one short line for the formats without code frames."""
    return "; ".join(part for part in (params_phrase(finding.param_files, name),
                                       set_here_phrase(set_elsewhere(finding), name)) if part)
