"""The lock files keep tox reproducible: everything tox installs is pinned, on purpose.

These tests fail when someone adds a tool to tox.ini or a dependency to pyproject.toml
without re-locking (``tox -e lock``), or edits a range so that the lock no longer
satisfies it; a new upstream release can then never change what the default envs run.
"""

from __future__ import annotations

import configparser
import sys
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements" / "constraints.txt"
LOWEST = ROOT / "requirements" / "constraints-lowest.txt"
ENVS_WITHOUT_LOCK = {"testenv:py-newest", "testenv:lock"}


def pins(path: Path) -> dict[str, list[tuple[Version, Marker | None]]]:
    """``name -> [(version, marker), ...]`` of a lock file (one entry per marker branch)."""
    found: dict[str, list[tuple[Version, Marker | None]]] = {}
    for line in path.read_text("utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        req = Requirement(line)
        (spec,) = req.specifier
        assert spec.operator == "==", f"{path.name}: {line!r} is not an exact pin"
        found.setdefault(canonicalize_name(req.name), []).append(
            (Version(spec.version), req.marker)
        )
    return found


def pinned_here(lock: dict[str, list[tuple[Version, Marker | None]]], name: str) -> Version | None:
    """The version ``lock`` installs for ``name`` on this interpreter, if any."""
    for version, marker in lock.get(canonicalize_name(name), []):
        if marker is None or marker.evaluate():
            return version
    return None


def runtime_requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    extras = project["optional-dependencies"]
    texts = list(project["dependencies"]) + extras["redis"] + extras["web"]
    return [Requirement(text) for text in texts]


def tox_deps() -> list[tuple[str, str]]:
    """``(env section, requirement name)`` for each package a locked tox env names."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(ROOT / "tox.ini", encoding="utf-8")
    named = []
    for section in parser.sections():
        if not section.startswith("testenv") or section in ENVS_WITHOUT_LOCK:
            continue
        for line in parser.get(section, "deps", fallback="").splitlines():
            line = line.split("#", 1)[0].strip()
            if not line or line.startswith(("-", "tests/", "docs/", "{")):
                continue  # options and the repository's own distributions
            try:
                named.append((section, Requirement(line).name))
            except InvalidRequirement:  # pragma: no cover - a path we do not know
                pytest.fail(f"tox.ini [{section}]: cannot read dep {line!r}")
    return named


class TestLock:
    def test_every_tool_tox_installs_is_pinned(self) -> None:
        """A tool named in tox.ini but missing from the lock would float with upstream."""
        lock = pins(LOCK)
        missing = [f"[{env}] {name}" for env, name in tox_deps() if not pinned_here(lock, name)]
        assert tox_deps(), "tox.ini names no deps: the parser is broken"
        assert not missing, f"not in requirements/constraints.txt (run tox -e lock): {missing}"

    def test_every_runtime_dependency_is_pinned_within_its_range(self) -> None:
        """The default envs run the newest *locked* release, one pyproject still allows."""
        lock = pins(LOCK)
        for req in runtime_requirements():
            if req.marker is not None and not req.marker.evaluate():
                continue
            version = pinned_here(lock, req.name)
            assert version is not None, f"{req.name} is not locked (run tox -e lock)"
            assert req.specifier.contains(version, prereleases=True), (
                f"the lock's {req.name}=={version} is outside pyproject's {req} (re-lock)"
            )

    def test_lowest_lock_holds_each_dependency_at_its_lower_bound(self) -> None:
        """py-lowest proves the ``>=`` bounds pyproject promises, not something newer."""
        lowest = pins(LOWEST)
        for req in runtime_requirements():
            if req.marker is not None and not req.marker.evaluate():
                continue
            (bound,) = [s.version for s in req.specifier if s.operator == ">="]
            assert pinned_here(lowest, req.name) == Version(bound), (
                f"constraints-lowest.txt does not pin {req.name} at {bound} (run tox -e lock)"
            )
