"""The AKS Kubernetes release calendar and version arithmetic.

The calendar lives in ``analyzer/knowledge/data/aks_versions.json`` with its source and the date it
was gathered. :func:`calendar` loads it; :func:`parse_version` reads the versions people write
(``1.36``, ``1.36.2``, ``v1.36.2``).
"""

from __future__ import annotations

import calendar as _months
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources as importlib_resources
from pathlib import Path
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
    data = importlib_resources.files("fleetiac.analyzer.knowledge").joinpath("data/aks_versions.json")
    text = data.read_text(encoding="utf-8")
    return load_calendar(text)


# -- regional version data (``az aks get-versions --location REGION -o json``) -------------------------

_LOCATION_RE = re.compile(r"/locations/([^/]+)", re.IGNORECASE)
_REGION_RE = re.compile(r"^[a-z][a-z0-9]*$")


class RegionalDataError(Exception):
    """A regional version file that cannot be read: a usage error, naming the file."""


def region_key(text: str) -> str:
    """A region as compared: lower case without spaces (``West Europe`` is ``westeurope``)."""
    return "".join(text.split()).lower()


@dataclass(frozen=True, slots=True)
class RegionVersions:
    """The Kubernetes versions AKS offers in one region, as ``az aks get-versions`` lists them."""

    region: str
    """Compared form (:func:`region_key`)."""
    files: tuple[str, ...]
    """The names of the files it was read from."""
    patches: tuple[tuple[str, tuple[str, ...]], ...]
    """Each ``values[].version`` (a minor, ``1.34``) with its ``patchVersions`` keys, sorted."""

    def offers(self, version: Version) -> bool:
        """``x.y.z``: a ``patchVersions`` key ``x.y.z`` under ``version`` ``x.y``; ``x.y``: a ``values``
        entry ``x.y``."""
        minor = f"{version.major}.{version.minor}"
        for listed, patches in self.patches:
            if listed == minor:
                return version.patch is None or str(version) in patches
        return False


def _region_of(data: dict[str, Any], path: Path) -> str:
    ident = data.get("id")
    if isinstance(ident, str) and (match := _LOCATION_RE.search(ident)) is not None:
        region = region_key(match.group(1))
    else:
        region = region_key(path.stem)
    if not _REGION_RE.match(region):
        raise RegionalDataError(
            f"{path}: no region: the file has no `id` with a `locations/<region>` segment and its name "
            f"({path.name}) is no region; name it after the region (westeurope.json)")
    return region


def _regional_file(path: Path) -> tuple[str, dict[str, tuple[str, ...]]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise RegionalDataError(f"{path}: cannot read: {error.strerror or error}") from None
    except ValueError as error:
        raise RegionalDataError(f"{path}: not JSON: {error}") from None
    values = data.get("values") if isinstance(data, dict) else None
    if not isinstance(values, list):
        raise RegionalDataError(f"{path}: not the output of `az aks get-versions --location REGION -o json` "
                                "(an object with a `values` list)")
    assert isinstance(data, dict)
    region = _region_of(data, path)
    minors: dict[str, tuple[str, ...]] = {}
    for entry in values:
        version = entry.get("version") if isinstance(entry, dict) else None
        patches = entry.get("patchVersions") if isinstance(entry, dict) else None
        if not isinstance(version, str) or not isinstance(patches, dict):
            raise RegionalDataError(f"{path}: each entry of `values` needs a `version` and a `patchVersions` object")
        minors[version.strip()] = tuple(sorted({*minors.get(version.strip(), ()), *(str(k) for k in patches)}))
    return region, minors


def load_regional(paths: Sequence[Path]) -> dict[str, RegionVersions]:
    """The regional version data of ``--aks-versions`` files, by region (:func:`region_key`); files of
    one region add up."""
    merged: dict[str, tuple[list[str], dict[str, set[str]]]] = {}
    for path in paths:
        region, minors = _regional_file(path)
        files, known = merged.setdefault(region, ([], {}))
        files.append(path.name)
        for minor, patches in minors.items():
            known.setdefault(minor, set()).update(patches)
    return {region: RegionVersions(region, tuple(files),
                                   tuple((minor, tuple(sorted(patches))) for minor, patches in sorted(known.items())))
            for region, (files, known) in sorted(merged.items())}
