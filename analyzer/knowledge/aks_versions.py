"""The AKS Kubernetes release calendar and version arithmetic.

The calendar lives in ``analyzer/knowledge/data/aks_versions.json`` with its source and the date it
was gathered. :func:`calendar` loads it; :func:`parse_version` reads the versions people write
(``1.36``, ``1.36.2``, ``v1.36.2``).
"""

from __future__ import annotations

import calendar as _months
import json
import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources as importlib_resources
from typing import Any

LTS_PLAN = "akslongtermsupport"
_VERSION_RE = re.compile(r"^[vV]?(\d+)\.(\d+)(?:\.(\d+))?$")


@dataclass(frozen=True, slots=True, order=True)
class Version:
    """A Kubernetes version as written: a minor alias (``1.36``) or a patch version (``1.36.2``)."""

    major: int
    minor: int
    patch: int | None = None

    @property
    def minor_key(self) -> tuple[int, int]:
        return (self.major, self.minor)

    @property
    def parts(self) -> tuple[int, ...]:
        return (self.major, self.minor) if self.patch is None else (self.major, self.minor, self.patch)

    def __str__(self) -> str:
        return ".".join(str(p) for p in self.parts)


def parse_version(value: Any) -> Version | None:
    """``1.36``, ``1.36.2``, with or without a leading ``v``; None for anything else."""
    if not isinstance(value, str):
        return None
    match = _VERSION_RE.match(value.strip())
    if match is None:
        return None
    major, minor, patch = match.groups()
    return Version(int(major), int(minor), None if patch is None else int(patch))


def compare_versions(a: Version, b: Version) -> int | None:
    """-1, 0 or 1 comparing ``a`` with ``b`` on the parts both write; None when they agree on those
    parts but one is a minor alias (``1.36`` may be any ``1.36.x``)."""
    n = min(len(a.parts), len(b.parts))
    left, right = a.parts[:n], b.parts[:n]
    if left != right:
        return -1 if left < right else 1
    return 0 if len(a.parts) == len(b.parts) else None


def calendar_date(text: str) -> date:
    """``YYYY-MM-DD``, or ``YYYY-MM`` meaning the last day of that month."""
    parts = [int(p) for p in text.split("-")]
    if len(parts) == 2:
        year, month = parts
        return date(year, month, _months.monthrange(year, month)[1])
    return date(*parts)


@dataclass(frozen=True, slots=True)
class MinorRelease:
    minor: tuple[int, int]
    ga: date
    end_of_life: date
    lts_end: date

    @property
    def label(self) -> str:
        return f"{self.minor[0]}.{self.minor[1]}"


@dataclass(frozen=True, slots=True)
class Calendar:
    """The AKS release calendar: minors with their GA, end-of-life and LTS end dates."""

    source: str
    retrieved: date
    releases: tuple[MinorRelease, ...]

    @property
    def newest(self) -> MinorRelease:
        return max(self.releases, key=lambda r: r.minor)

    @property
    def oldest(self) -> MinorRelease:
        return min(self.releases, key=lambda r: r.minor)

    def knows(self, version: Version) -> bool:
        """False when the minor is newer than any in the data (the data is past its horizon)."""
        return version.minor_key <= self.newest.minor

    def end_of_support(self, version: Version, lts: bool) -> date | None:
        """The last supported day of ``version``'s minor; a minor older than the oldest in the data
        ended no later than the oldest did. None when the minor is newer than the data knows."""
        if not self.knows(version):
            return None
        release = next((r for r in self.releases if r.minor == version.minor_key), None)
        release = release or self.oldest  # older than the data: ended no later than the oldest
        return release.lts_end if lts else release.end_of_life

    def is_stale(self, as_of: date) -> bool:
        """True when the data was gathered more than a year before ``as_of``."""
        try:
            horizon = self.retrieved.replace(year=self.retrieved.year + 1)
        except ValueError:  # 29 February
            horizon = self.retrieved.replace(year=self.retrieved.year + 1, day=28)
        return as_of > horizon

    def supported(self, as_of: date) -> list[str]:
        """Minors in standard support on ``as_of``, oldest first."""
        return [r.label for r in sorted(self.releases, key=lambda r: r.minor) if r.ga <= as_of <= r.end_of_life]


def load_calendar(text: str) -> Calendar:
    data = json.loads(text)
    releases = []
    for entry in data["minors"]:
        version = parse_version(entry["minor"])
        if version is None or version.patch is not None:
            raise ValueError(f"aks_versions.json: {entry['minor']!r} is not a minor version")
        releases.append(MinorRelease(version.minor_key, calendar_date(entry["ga"]),
                                     calendar_date(entry["end_of_life"]), calendar_date(entry["lts_end"])))
    return Calendar(data["source"], calendar_date(data["retrieved"]), tuple(releases))


@cache
def calendar() -> Calendar:
    """The packaged AKS release calendar."""
    data = importlib_resources.files("analyzer.knowledge").joinpath("data/aks_versions.json")
    text = data.read_text(encoding="utf-8")
    return load_calendar(text)
