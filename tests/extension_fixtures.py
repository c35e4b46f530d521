"""Fixtures and helpers for the extension tests: real distributions, real entry points.

Test modules load the fixtures with ``pytest_plugins = ["extension_fixtures"]`` and
import the helpers below by name; since they import this module before pytest loads it
as a plugin, it asks not to be assert-rewritten (PYTEST_DONT_REWRITE; it asserts
nothing).

- The three test distributions of ``tests/packages`` (pipeline, review, show) are
  installed by tox; without them the tests that need them skip loudly (fail on CI).
- ``gftest-broken`` is never installed in the env: it is pip-installed once per run
  into a temporary ``--target`` directory, and only the tests that ask for it put that
  directory on ``sys.path``.
- ``tmp_dists`` writes small distributions (a ``.dist-info`` with ``entry_points.txt``,
  and modules) into a directory on ``sys.path``: importlib.metadata finds them as it
  finds installed ones, so nothing mocks ``entry_points``.

The installers below are referenced by ``module:attr`` from configs,
``GRAFTFLOW_INSTALLERS`` and temporary entry points.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.metadata
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import graftflow as gf
from graftflow.extensions import Extendable, dynamic_relation, forget_entry_points, hookimpl

PACKAGES = Path(__file__).parent / "packages"
#: What tox installs into the test env.
TEST_DISTRIBUTIONS = ("gftest-pipeline", "gftest-review", "gftest-show")

#: Modules written by tests append their name here when they are imported.
IMPORTED: list[str] = []


# -- the installed test distributions ---------------------------------------------------


@pytest.fixture
def test_packages() -> None:
    """Skip loudly (fail on CI) when tox has not installed the test distributions."""
    for dist in TEST_DISTRIBUTIONS:
        try:
            importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            message = (
                f"the test distribution {dist!r} is not installed, so real entry-point "
                "discovery cannot be tested: run the suite with `tox` (it installs "
                "tests/packages/gftest-pipeline, gftest-review and gftest-show)"
            )
            if os.environ.get("CI") == "true":
                pytest.fail(message)
            pytest.skip(f"NOT TESTED: {message}")


@pytest.fixture
def pipeline(test_packages: None) -> ModuleType:
    """``gftest_pipeline``: the studio's base classes (Project, Film, Shot)."""
    return importlib.import_module("gftest_pipeline")


@pytest.fixture
def review(test_packages: None) -> ModuleType:
    """``gftest_review``: the installer entry point ``review`` and its call counter."""
    return importlib.import_module("gftest_review")


def make_shot(flow: gf.Flow, pipeline: ModuleType, project: str = "proj", shot: str = "s1") -> Any:
    """Create project -> film ``f1`` -> ``shot`` and return the shot."""
    if project in flow.projects():
        films = flow.project(project).films
    else:
        films = flow.create_project(project, pipeline.Project).films
    film = films["f1"] if "f1" in films else films.add("f1")
    return film.shots.add(shot)


# -- gftest-broken, installed into a temporary directory --------------------------------


@pytest.fixture(scope="session")
def broken_dist_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ``--target`` directory where pip installed ``gftest-broken`` (once per run).

    pip builds from a copy of the source, so no ``build/`` or ``*.egg-info`` is left in
    ``tests/packages`` (and no stale one is packaged).
    """
    source = tmp_path_factory.mktemp("gftest-broken-src") / "gftest-broken"
    shutil.copytree(
        PACKAGES / "gftest-broken",
        source,
        ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"),
    )
    target = tmp_path_factory.mktemp("gftest-broken-target")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(target),
            str(source),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        pytest.fail(
            "pip could not install tests/packages/gftest-broken (it builds without "
            "isolation: the env needs setuptools>=77, as tox installs):\n"
            f"{proc.stdout}\n{proc.stderr}"
        )
    return target


@contextlib.contextmanager
def on_sys_path(path: Path) -> Iterator[Path]:
    """Put ``path`` first on ``sys.path``; afterwards take it off and forget its modules.

    Entry points are scanned again on both sides, so no other test sees what it holds.
    """
    entry = str(path)
    sys.path.insert(0, entry)
    importlib.invalidate_caches()
    forget_entry_points()
    try:
        yield path
    finally:
        while entry in sys.path:
            sys.path.remove(entry)
        for name, module in list(sys.modules.items()):
            where = getattr(module, "__file__", None) or ""
            if where.startswith(entry) or name.startswith("gftest_broken"):
                del sys.modules[name]
        importlib.invalidate_caches()
        forget_entry_points()


@pytest.fixture
def broken(broken_dist_dir: Path) -> Iterator[Path]:
    """``gftest-broken`` on ``sys.path`` for this test only, entry points scanned afresh."""
    with on_sys_path(broken_dist_dir) as path:
        yield path


# -- temporary distributions ------------------------------------------------------------


class TmpDists:
    """Writes distributions and modules into a directory that is on ``sys.path``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def module(self, name: str, source: str = "") -> None:
        """Write module ``name`` (dotted names make packages)."""
        *packages, last = name.split(".")
        folder = self.root
        for package in packages:
            folder = folder / package
            folder.mkdir(exist_ok=True)
            (folder / "__init__.py").touch()
        (folder / f"{last}.py").write_text(textwrap.dedent(source), encoding="utf-8")
        self._changed()

    def recording_module(self, name: str, body: str = "") -> None:
        """Write module ``name`` that records in ``IMPORTED`` that it was imported."""
        self.module(
            name,
            "import extension_fixtures\n"
            "extension_fixtures.IMPORTED.append(__name__)\n" + textwrap.dedent(body),
        )

    def dist(
        self,
        name: str,
        version: str = "1.0",
        entry_points: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        """Write the metadata of distribution ``name`` with ``{group: {name: value}}``."""
        info = self.root / f"{name.replace('-', '_')}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n", encoding="utf-8"
        )
        lines = []
        for group, points in (entry_points or {}).items():
            lines.append(f"[{group}]")
            lines.extend(f"{point} = {value}" for point, value in points.items())
            lines.append("")
        (info / "entry_points.txt").write_text("\n".join(lines), encoding="utf-8")
        self._changed()

    def _changed(self) -> None:
        importlib.invalidate_caches()
        forget_entry_points()


@pytest.fixture
def tmp_dists(tmp_path: Path) -> Iterator[TmpDists]:
    """A fresh directory on ``sys.path`` for distributions and modules of this test."""
    root = tmp_path / "site"
    root.mkdir()
    IMPORTED.clear()
    with on_sys_path(root):
        yield TmpDists(root)
    IMPORTED.clear()


# -- installers the tests reference by module:attr --------------------------------------


class Target(Extendable):
    """What the installers below extend."""

    base = gf.StringParam("base")


def who(label: str, weight: float = 0) -> Any:
    """A factory giving every ``Target`` a ``who`` param whose default is ``label``."""

    @dynamic_relation("who", target=Target, weight=weight)
    def factory(parent: Target) -> gf.StringParam:
        return gf.StringParam(label)

    factory.__qualname__ = f"who_{label}"
    return factory


def entry_point_installer(session: gf.Session) -> dict[str, list[Any]]:
    return {"from_entry_point": [who("entry point")]}


def config_installer(session: gf.Session) -> dict[str, list[Any]]:
    return {"from_config": [who("config")]}


def env_installer(session: gf.Session) -> dict[str, list[Any]]:
    return {"from_env": [who("env")]}


class OrderPlugin:
    """A plugin registered in code whose install hook takes fewer arguments than the spec."""

    @hookimpl
    def graftflow_install_extensions(self) -> dict[str, list[Any]]:
        return {"from_plugin": [who("plugin")]}


def none_installer(session: gf.Session) -> None:
    """The seed's idiom: an installer with nothing for this session returns None."""
    return


def base_override_installer(session: gf.Session) -> dict[str, list[Any]]:
    @dynamic_relation("base", target=Target, weight=1)
    def base(parent: Target) -> gf.StringParam:
        return gf.StringParam("overridden")

    return {"override_base": [base]}


def raising_installer(session: gf.Session) -> dict[str, list[Any]]:
    raise RuntimeError("no licence server")


def list_installer(session: gf.Session) -> list[str]:
    return ["not", "a", "dict"]


def non_callable_factory_installer(session: gf.Session) -> dict[str, list[Any]]:
    return {"numbers": [42]}


NOT_CALLABLE = "installer"


def multiline_installer(session: gf.Session) -> dict[str, list[Any]]:
    raise RuntimeError("the licence server said:\n  no seats left")
