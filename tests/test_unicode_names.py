"""Names in any script (issue 15): projects, map items and relations as Python allows
identifiers, kept in NFC, through the Python API, every store and the command line."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import unicodedata
from pathlib import Path

import pytest
from cli_support import Run, assert_ok

import graftflow as gf
from graftflow.extensions import Extendable, describe, dynamic_relation

DEMO = "démo"  # NFC: one character for é
DEMO_NFD = unicodedata.normalize("NFD", DEMO)  # e + combining acute: as macOS spells it
SHOT = "ショット"
LAYOUT = "レイアウト"


class Plan(gf.Object):
    état = gf.StringParam("neuf")
    durée = gf.IntParam(24)


class Plans(gf.Map[Plan]):
    pass


class Projet(gf.Object):
    ショット = gf.Child(Plans)


def test_the_names_differ_only_in_form() -> None:
    """The two spellings are different strings that NFC makes one."""
    assert DEMO != DEMO_NFD
    assert unicodedata.normalize("NFC", DEMO_NFD) == DEMO


class TestPythonApi:
    def test_create_read_and_reopen(self, flow: gf.Flow) -> None:
        """A project, a map item and relations named in other scripts: created, set,
        found by oid, and read back by a new flow on the same store."""
        project = flow.create_project(DEMO, Projet)
        plan = project.ショット.add(LAYOUT)
        plan.état.set("fini")
        assert plan.oid() == f"/{DEMO}/{SHOT}/{LAYOUT}"
        assert flow.get_object(f"/{DEMO}/{SHOT}/{LAYOUT}/état").get() == "fini"
        again = gf.Flow(session=gf.Session(environ={}), store=flow.store())
        assert again.projects() == [DEMO]
        assert again.get_object(f"/{DEMO}/{SHOT}/{LAYOUT}/état").get() == "fini"
        assert again.get_object(f"/{DEMO}/{SHOT}/{LAYOUT}/durée").get() == 24
        assert list(again.project(DEMO).ショット) == [LAYOUT]  # type: ignore[attr-defined]

    def test_decomposed_names_are_stored_composed(self, flow: gf.Flow) -> None:
        """A name given decomposed (NFD) is stored in NFC, and found in either form,
        by oid, by name and by ``in``."""
        project = flow.create_project(DEMO_NFD, Projet)
        assert flow.projects() == [DEMO]
        assert project.name() == DEMO
        plans = project.ショット
        plans.add_many([unicodedata.normalize("NFD", "scène-01")])
        assert list(plans) == ["scène-01"]
        nfd_item = unicodedata.normalize("NFD", "scène-01")
        assert nfd_item in plans
        assert plans[nfd_item] is plans["scène-01"]
        assert flow.project(DEMO_NFD) is project
        assert flow.get_object(f"/{DEMO_NFD}/{SHOT}/{nfd_item}/état").get() == "neuf"
        plans.remove(nfd_item)
        assert list(plans) == []

    def test_exist_ok_across_forms(self, flow: gf.Flow) -> None:
        """create_project(exist_ok=True) finds the project whatever form its name is in."""
        project = flow.create_project(DEMO, Projet)
        assert flow.create_project(DEMO_NFD, Projet, exist_ok=True) is project

    @pytest.mark.parametrize("name", ["💥", "a b", "\u0301e", "x@y", "-ショット"])
    def test_what_is_still_refused(self, flow: gf.Flow, name: str) -> None:
        """Symbols, spaces, a leading accent or dash stay refused, naming the rule."""
        with pytest.raises(gf.InvalidNameError, match=r"letters and digits \(of any script\)"):
            flow.create_project(name, Projet)

    def test_dynamic_relation(self) -> None:
        """A dynamic relation may be named in any script; given decomposed, it is named
        in NFC, as oids find it."""
        session = gf.Session(environ={"GRAFTFLOW_INSTALLERS": f"{__name__}:install_priority"})
        fiche = gf.Flow(session).create_project("f", Fiche)
        assert [r.name for r in describe(fiche)] == ["priorité"]
        assert fiche.root().get_object("/f/priorité").get() == 3
        assert session.diagnostics == []


class Fiche(Extendable):
    pass


@dynamic_relation(unicodedata.normalize("NFD", "priorité"), target=Fiche)
def priority(parent: Fiche) -> gf.IntParam:
    return gf.IntParam(3)


def install_priority(session: gf.Session) -> dict[str, list[object]]:
    return {"priority": [priority]}


# -- the command line ----------------------------------------------------------------------

MODELS = """
import graftflow as gf


class Plan(gf.Object):
    état = gf.StringParam("neuf")


class Plans(gf.Map[Plan]):
    pass


class Projet(gf.Object):
    ショット = gf.Child(Plans)
"""

SETUP = f"""
import graftflow as gf
from unicode_models import Projet

with gf.Flow(store=gf.open_store("sqlite:///u.db")) as flow:
    flow.create_project({DEMO!r}, Projet).ショット.add({LAYOUT!r})
"""


@pytest.fixture
def unicode_store(workdir: Path) -> Path:
    """A SQLite store made by a script, its classes in a module of the work directory."""
    (workdir / "unicode_models.py").write_text(textwrap.dedent(MODELS), encoding="utf-8")
    subprocess.run([sys.executable, "-c", SETUP], cwd=workdir, check=True, timeout=60)
    return workdir / "u.db"


def test_command_line(run: Run, unicode_store: Path) -> None:
    """get, set and ls with names in other scripts, typed composed or decomposed."""
    base = ["--store", "sqlite:///u.db", "--import", "unicode_models"]
    oid = f"/{DEMO}/{SHOT}/{LAYOUT}/état"
    proc = run(*base, "set", unicodedata.normalize("NFD", oid), "fini")
    assert_ok(proc)
    assert proc.stdout == f'{oid} = "fini" (was "neuf")\n'
    proc = run(*base, "get", oid, "--json")
    assert_ok(proc)
    assert json.loads(proc.stdout) == {"oid": oid, "kind": "param", "value": "fini"}
    proc = run(*base, "ls", f"/{DEMO}/{SHOT}")
    assert_ok(proc)
    assert proc.stdout.splitlines()[-1] == f"  {LAYOUT}"
    proc = run(*base, "ls")
    assert_ok(proc)
    assert proc.stdout.splitlines()[-1] == f"  {DEMO}"
