"""A rescan does only what its report needs (issue 19): what is left lazy or done a faster way must
give exactly what the slower way gave."""

from __future__ import annotations

import enum
import json
import random
import sys
import zipfile
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

from fleetiac.analyzer.reporters import _escape
from fleetiac.analyzer.storage import _listed_version, _metadata_version, dist_version


def _reference_json(data: Any, **options: Any) -> str:
    """json_text as it was: json.dumps of the scrubbed copy, then the CI-command escape."""
    return _escape._CI_COMMAND.sub(r"\\u0023", json.dumps(_escape._scrub_tree(data), ensure_ascii=True, **options))


class _Level(enum.StrEnum):
    ERROR = "error"


class _Count(enum.IntEnum):
    THREE = 3


_PIECES = ["a", "Z", "#", "##vso[", "##[", "\ud800", "\udfff", "\U0001f600", "\u00e9", "\n", '"', "\\", "\x1b",
           "\u2028", "\ufffd", " "]


def _text(rnd: random.Random) -> str:
    return "".join(rnd.choice(_PIECES) for _ in range(rnd.randint(0, 5)))


def _value(rnd: random.Random, depth: int = 0) -> Any:
    roll = rnd.random()
    if depth > 3 or roll < 0.4:
        return rnd.choice([_text(rnd), _text(rnd), None, True, False, 0, -5, 10**20, 1.5, 2.0, float("nan"),
                           float("inf"), -float("inf"), _Level.ERROR, _Count.THREE])
    if roll < 0.7:
        items = [_value(rnd, depth + 1) for _ in range(rnd.randint(0, 4))]
        return items if rnd.random() < 0.5 else tuple(items)
    return {_text(rnd): _value(rnd, depth + 1) for _ in range(rnd.randint(0, 4))}


@pytest.mark.parametrize("options", [{"indent": 2, "sort_keys": True}, {"indent": 2}, {"indent": 0},
                                     {"indent": 4, "sort_keys": False}, {}, {"sort_keys": True}])
def test_json_text_writes_what_json_dumps_wrote(options: dict[str, Any]) -> None:
    """Byte for byte, for strings with lone surrogates, CI commands, control and non-ASCII characters,
    keys that scrub to the same text, every scalar type and nesting."""
    rnd = random.Random(19)
    for _ in range(3000):
        data = _value(rnd)
        assert _escape.json_text(data, **options) == _reference_json(data, **options), data


@pytest.mark.parametrize("data", [{1: "a", "b": 2}, {None: 1}, {"a": {2.5: 1}}, {"a": [object()]}, {(1,): 2}])
def test_json_text_leaves_other_values_to_json_dumps(data: Any) -> None:
    """Keys that are not strings and values of other types: what json.dumps does (its text, or its error)."""
    for options in ({"indent": 2}, {"indent": 2, "sort_keys": True}):
        try:
            expected: Any = _reference_json(data, **options)
        except (TypeError, ValueError) as error:
            expected = repr(error)
        try:
            got: Any = _escape.json_text(data, **options)
        except (TypeError, ValueError) as error:
            got = repr(error)
        assert got == expected


def test_installed_distributions_have_the_versions_importlib_metadata_gives() -> None:
    names = ["python-hcl2", "lark", "pycep-parser", "pyyaml", "PyYAML", "click", "pytest", "Python_HCL2",
             "python.hcl2", "no-such-distribution-here"]
    for name in names:
        try:
            expected = metadata.version(name)
        except metadata.PackageNotFoundError:
            expected = "?"
        assert dist_version(name) == expected, name
    assert _listed_version("no-such-distribution-here") is None  # asked of importlib.metadata instead


def _dist(folder: Path, dirname: str, metadata_text: str | None, pkg_info: str | None = None) -> None:
    info = folder / dirname
    info.mkdir(parents=True)
    if metadata_text is not None:
        (info / "METADATA").write_text(metadata_text, encoding="utf-8")
    if pkg_info is not None:
        (info / "PKG-INFO").write_text(pkg_info, encoding="utf-8")


@pytest.mark.parametrize(("dirname", "text", "pkg_info", "listed"), [
    ("demo_dist-1.0.dist-info", "Metadata-Version: 2.1\nName: demo-dist\nVersion: 1.0\n\nbody\n", None, "1.0"),
    ("Demo.Dist-2.0.dist-info", "Name: demo-dist\nSummary: long\n  folded\nversion:\t2.0 \r\n", None, "2.0 "),
    ("demo_dist-3.0.dist-info", "Name: demo-dist\nVersion: 3.0\n  folded\n", None, None),
    ("demo_dist-4.0.dist-info", "Name: demo-dist\n\nVersion: 4.0\n", None, None),
    ("demo_dist-5.0.dist-info", "not a header\nVersion: 5.0\n", None, None),
    ("demo_dist-6.0.dist-info", None, "Name: demo-dist\nVersion: 6.0\n", None),
    ("demo_dist-7.0.egg-info", "Name: demo-dist\nVersion: 7.0\n", None, "7.0"),
    ("demo_dist-8.0.dist-info", "Name: demo-dist\nVersion:\n", None, None),
])
def test_a_distribution_folder_is_read_as_importlib_metadata_reads_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dirname: str, text: str | None, pkg_info: str | None,
        listed: str | None) -> None:
    """What the direct reading gives is what importlib.metadata gives; anything unusual is left to it."""
    _dist(tmp_path, dirname, text, pkg_info)
    monkeypatch.setattr(sys, "path", [str(tmp_path / "missing"), str(tmp_path), *sys.path])
    metadata.FastPath.__new__.cache_clear()  # type: ignore[attr-defined]
    assert _listed_version("demo-dist") == listed
    expected = metadata.version("demo-dist")
    assert dist_version("demo-dist") == expected
    if listed is not None:
        assert listed == expected


def test_the_first_folder_of_sys_path_wins_and_zips_are_left_to_importlib(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    _dist(tmp_path / "one", "demo_dist-1.0.dist-info", "Name: demo-dist\nVersion: 1.0\n")
    _dist(tmp_path / "two", "demo_dist-2.0.dist-info", "Name: demo-dist\nVersion: 2.0\n")
    monkeypatch.setattr(sys, "path", [str(tmp_path / "one"), str(tmp_path / "two"), *sys.path])
    metadata.FastPath.__new__.cache_clear()  # type: ignore[attr-defined]
    assert _listed_version("demo-dist") == metadata.version("demo-dist") == "1.0"
    archive = tmp_path / "dists.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("demo_dist-9.0.dist-info/METADATA", "Name: demo-dist\nVersion: 9.0\n")
    monkeypatch.setattr(sys, "path", [str(archive), str(tmp_path / "one"), *sys.path])
    metadata.FastPath.__new__.cache_clear()  # type: ignore[attr-defined]
    assert _listed_version("demo-dist") is None
    assert dist_version("demo-dist") == metadata.version("demo-dist") == "9.0"


def test_metadata_headers_end_at_the_first_blank_line() -> None:
    assert _metadata_version("Name: x\nVersion: 1\n") == "1"
    assert _metadata_version("Name: x\r\nVersion: 1.2\r\n\r\n") == "1.2"
    assert _metadata_version("Name: x\n\nVersion: 1\n") is None
    assert _metadata_version("From someone\nVersion: 1\n") is None


def _within_by_pathlib(path: Path, roots: list[Path]) -> bool:
    """sources.within as pathlib answers it."""
    try:
        real = path.resolve()
    except (OSError, RuntimeError):
        return False
    return any(real == root or root in real.parents for root in roots)


def test_within_answers_as_pathlib_does(tmp_path: Path) -> None:
    """For files, folders, missing paths, links in and out of the roots, link loops and the roots
    themselves: what resolving with pathlib and comparing parents said."""
    from fleetiac.analyzer.frontends.sources import _directory_of, within

    inside, outside = tmp_path / "repo", tmp_path / "elsewhere"
    (inside / "mod" / ".terraform" / "modules").mkdir(parents=True)
    (inside / "mod" / "main.tf").write_text("")
    outside.mkdir()
    (outside / "secret.tf").write_text("")
    (inside / "out").symlink_to(outside)
    (inside / "in").symlink_to(inside / "mod")
    (inside / "loop1").symlink_to(inside / "loop2")
    (inside / "loop2").symlink_to(inside / "loop1")
    (inside / "dangling").symlink_to(tmp_path / "nothing")
    roots = [inside.resolve()]
    candidates = [inside, inside / "mod", inside / "mod" / "main.tf", inside / "mod" / ".terraform" / "modules" /
                  "modules.json", inside / "out", inside / "out" / "secret.tf", inside / "in" / "main.tf",
                  inside / "loop1", inside / "loop1" / "x.tf", inside / "dangling", inside / "missing" / "x",
                  outside / "secret.tf", tmp_path, Path("/"), inside / "mod" / ".." / ".." / "elsewhere"]
    for candidate in candidates:
        for given in (roots, [Path("/")], [outside.resolve(), *roots], []):
            assert within(candidate, given) == _within_by_pathlib(candidate, given), (candidate, given)
    assert _directory_of("a/b/c.tf") == "a/b" and _directory_of("c.tf") == "" and _directory_of("./x/y") == "x"


def test_parse_results_are_pickled_by_their_fields_even_when_parsing_imported_their_module() -> None:
    """A parse result is pickled as ``Class(*fields)`` (restored five times faster) also when the
    front end's data module was imported by that very parse (as in a rescan that parses one file):
    the registration is checked again before each pickle. In a process of its own, where nothing
    imported the parser before."""
    import subprocess

    code = """
import pickle, sys
from pathlib import Path
from fleetiac.analyzer import cache, parsestage
from fleetiac.analyzer.frontends.sources import SourceFile
assert "fleetiac.analyzer.frontends.terraform.syntax" not in sys.modules
source = SourceFile(Path(sys.argv[1]), "fleet/main.tf", "terraform")
[(_, payload)] = parsestage._parse_chunk([(source, None)], None)
cache.register_fast_pickling()
print(pickle.dumps(pickle.loads(payload), pickle.HIGHEST_PROTOCOL) == payload)
"""
    root = Path(__file__).resolve().parents[1]
    main_tf = root / "examples" / "platform" / "fleet" / "main.tf"
    done = subprocess.run([sys.executable, "-c", code, str(main_tf)], cwd=root, capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "True"
