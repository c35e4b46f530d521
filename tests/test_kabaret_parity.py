"""kabaret.flow behaviour that graftflow flows keep (issue 13).

Protected ``_name`` relations, ``Relative(None)`` and ``get_relative_oid(owner)``, the
map hooks kabaret maps override, kabaret's session logging API, in-memory subtrees
(``SessionObject``), and the order touch notifications arrive in.
"""

from __future__ import annotations

import json
import logging
import re
import textwrap
from pathlib import Path
from typing import Any

import pytest
from cli_support import Run, assert_ok

import graftflow as gf
from graftflow.extensions import Extendable

# -- protected relations ---------------------------------------------------------------------


class Thumbnail(gf.Object):
    path = gf.StringParam("thumb.png")


class Shot(gf.Object):
    _thumbnail = gf.Child(Thumbnail)
    _map = gf.Parent()
    status = gf.StringParam("wip")
    _notes = gf.Param([])


class Shots(gf.Map[Shot]):
    pass


class Film(gf.Object):
    shots = gf.Child(Shots)


class TestProtectedRelations:
    def test_declared_and_used_like_any_relation(self, memflow: gf.Flow) -> None:
        """A _name relation works like any other: built lazily, reached by oid, listed
        by relations() in declaration order, protected from assignment."""
        shot = memflow.create_project("f", Film).shots.add("sh010")
        assert [r.name for r in gf.relations(Shot)] == ["_thumbnail", "_map", "status", "_notes"]
        assert shot._mng.children() == []
        assert shot._thumbnail.path.get() == "thumb.png"
        assert shot._map is memflow.get_object("/f/shots")
        assert memflow.get_object("/f/shots/sh010/_thumbnail/path").get() == "thumb.png"
        shot._notes.set(["retake"])
        assert memflow.store().get("/f/shots/sh010/_notes") == ["retake"]
        with pytest.raises(gf.RelationAssignmentError):
            shot._thumbnail = None  # type: ignore[assignment]

    def test_private_attributes_stay_fast_and_plain(self, memflow: gf.Flow) -> None:
        """An undeclared _name is still a plain AttributeError (the fast path), never a
        relation lookup."""
        shot = memflow.create_project("f", Film).shots.add("sh010")
        with pytest.raises(AttributeError) as caught:
            shot._nope
        assert not isinstance(caught.value, gf.GraftflowError)
        assert not hasattr(shot, "_thumb")

    def test_map_state_names_are_refused(self) -> None:
        """A map keeps its own state in _items, _names and _name_set."""
        with pytest.raises(gf.RelationDefinitionError, match="keeps its own state in '_items'"):

            class Bad(gf.Map[Shot]):
                _items = gf.Param()


STUDIO = """
import graftflow as gf
from graftflow.extensions import Extendable

class Thumbnail(gf.Object):
    path = gf.StringParam("thumb.png")

class Shot(gf.Object):
    _thumbnail = gf.Child(Thumbnail)
    status = gf.StringParam("wip")
    _notes = gf.Param([])
"""


def test_ls_hides_protected_relations_unless_all(
    run: Run, workdir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``graftflow ls`` hides _name relations, as kabaret's browser does; ``--all``
    lists them."""
    folder = tmp_path / "code"
    folder.mkdir()
    (folder / "protected_studio.py").write_text(textwrap.dedent(STUDIO))
    monkeypatch.syspath_prepend(str(folder))
    import protected_studio

    store = gf.SQLiteStore(workdir / "s.db")
    gf.Flow(store=store).create_project("p", protected_studio.Shot)
    store.close()
    env = {"PYTHONPATH": str(folder)}
    shown = run("--store", "sqlite:///s.db", "ls", "/p", "--json", env=env)
    assert_ok(shown)
    assert [row["name"] for row in json.loads(shown.stdout)["relations"]] == ["status"]
    everything = run("--store", "sqlite:///s.db", "ls", "/p", "--all", "--json", env=env)
    assert_ok(everything)
    names = [row["name"] for row in json.loads(everything.stdout)["relations"]]
    assert names == ["_thumbnail", "status", "_notes"]
    text = run("--store", "sqlite:///s.db", "ls", "/p", "--all", env=env)
    assert_ok(text)
    assert re.search(r"^  _notes\s+param\s+\[\]$", text.stdout, re.M)


# -- Relative ------------------------------------------------------------------------------------


class PickedRelative(gf.Relative):
    """kabaret's DynRelativeExample: the oid comes from a param of the owner."""

    def __init__(self) -> None:
        super().__init__(None)

    def get_relative_oid(self, owner: gf.Object) -> str | None:
        return owner._picked.get()  # type: ignore[attr-defined,no-any-return]


class Stuff(gf.Object):
    sub = gf.Child(gf.Object)
    other = gf.Child(gf.Object)


class RelativeExample(gf.Object):
    stuff = gf.Child(Stuff)
    fixed = gf.Relative("stuff/sub")
    hidden = gf.Relative(None)
    _picked = gf.Param("stuff/sub")
    picked = PickedRelative()


class TestRelative:
    def test_hook_and_none(self, memflow: gf.Flow) -> None:
        """get_relative_oid(owner) chooses the oid at each read; None reads as None."""
        example = memflow.create_project("r", RelativeExample)
        assert example.fixed is example.stuff.sub
        assert example.hidden is None
        assert example.picked is example.stuff.sub
        example._picked.set("stuff/other")
        assert example.picked is example.stuff.other
        example._picked.set(None)
        assert example.picked is None

    def test_missing_target_raises(self, memflow: gf.Flow) -> None:
        """An oid that does not resolve raises, naming the relative and the step that
        failed (kabaret read None)."""
        example = memflow.create_project("r", RelativeExample)
        example._picked.set("stuff/nope")
        with pytest.raises(
            gf.RelationError,
            match=re.escape("/r/picked: MissingRelationError: /r/stuff (Stuff) has no relation"),
        ):
            example.picked
        example._picked.set("stuff//x")
        with pytest.raises(gf.InvalidOidError, match="empty name between slashes"):
            example.picked


# -- map hooks ---------------------------------------------------------------------------------


class Item(gf.Object):
    label = gf.StringParam()


class SpecialItem(Item):
    special = gf.BoolParam(True)


class Random(gf.DynamicMap[Item]):
    """kabaret's MyDynamicMap: names change at each listing, so the map checks a name
    against the last listing instead (has_mapped_name)."""

    listings = 0

    def mapped_names(self, page_num: int = 0, page_size: int | None = None) -> list[str]:
        type(self).listings += 1
        return ["a", "b"]

    def has_mapped_name(self, name: str) -> bool:
        return name in ("a", "b", "hidden")

    def _get_mapped_item_type(self, name: str) -> type[Item]:
        return SpecialItem if name == "b" else Item

    def _configure_child(self, child: Item) -> None:
        child.__dict__["configured"] = child.__dict__.get("configured", 0) + 1


class Stored(gf.Map[Item]):
    def _configure_child(self, child: Item) -> None:
        child.__dict__["configured"] = child.__dict__.get("configured", 0) + 1


class Chooser(gf.Map[Item]):
    def _get_mapped_item_type(self, name: str) -> type[Item]:
        return SpecialItem if name.startswith("s") else super()._get_mapped_item_type(name)


class Wrong(gf.DynamicMap[Item]):
    def mapped_names(self, page_num: int = 0, page_size: int | None = None) -> list[str]:
        return ["x"]

    def _get_mapped_item_type(self, name: str) -> type[Any]:
        return gf.Object


class Maps(gf.Object):
    random = gf.Child(Random)
    stored = gf.Child(Stored)
    chooser = gf.Child(Chooser)
    wrong = gf.Child(Wrong)


class TestMapHooks:
    def test_get_mapped_and_has_mapped_name(self, memflow: gf.Flow) -> None:
        """get_mapped(name) is map[name]; has_mapped_name() answers `in` and is what
        map[name] checks, so a map may accept names it does not list."""
        maps = memflow.create_project("m", Maps)
        random = maps.random
        Random.listings = 0
        assert random.get_mapped("a") is random["a"]
        assert random.has_mapped_name("hidden")
        assert "hidden" in random
        assert random["hidden"].oid() == "/m/random/hidden"
        assert Random.listings == 0  # no listing needed to check a name
        with pytest.raises(gf.MissingChildError, match="/m/random has no item 'c'"):
            random.get_mapped("c")
        stored = maps.stored
        stored.add("x")
        assert stored.has_mapped_name("x")
        assert not stored.has_mapped_name("y")
        assert stored.get_mapped("x") is stored["x"]

    def test_item_type_and_configure_hooks(self, flow: gf.Flow) -> None:
        """_get_mapped_item_type(name) picks each item's type; _configure_child(child)
        runs once for each item built, added or loaded."""
        maps = flow.create_project("m", Maps)
        assert type(maps.random["b"]) is SpecialItem
        assert type(maps.random["a"]) is Item
        assert maps.random["b"].configured == 1  # type: ignore[attr-defined]
        maps.random["b"]
        assert maps.random["b"].configured == 1  # type: ignore[attr-defined]
        added = maps.stored.add("x")
        assert added.configured == 1  # type: ignore[attr-defined]
        loaded = gf.Flow(store=flow.store()).get_object("/m/stored/x")
        assert loaded.configured == 1
        maps.chooser.add_many(["shot", "plain"])
        again = gf.Flow(store=flow.store()).get_object("/m/chooser")
        assert type(again["shot"]) is SpecialItem
        assert type(again["plain"]) is Item

    def test_wrong_item_type_names_the_item(self, memflow: gf.Flow) -> None:
        """A hook returning a type that is not an item type fails naming item and hook."""
        maps = memflow.create_project("m", Maps)
        with pytest.raises(
            gf.ObjectTypeError,
            match=re.escape("/m/wrong/x: Wrong._get_mapped_item_type() returned"),
        ):
            maps.wrong["x"]


# -- session logging ---------------------------------------------------------------------------


def test_session_log_api(caplog: pytest.LogCaptureFixture) -> None:
    """log_error/log_warning become diagnostics (logged once, counted after); log_info and
    log_debug only log, on the graftflow logger."""
    caplog.set_level(logging.DEBUG, logger="graftflow")
    session = gf.Session(user="ana", environ={})
    for _ in range(3):
        session.log_error("FlowExtensions :: Could not execute installer\nTraceback: boom")
    session.log_warning("base relation 'status' was not overridden")
    session.log_info("loaded 3 extensions")
    session.log_debug("details")
    assert [(d.source, d.message, d.count) for d in session.diagnostics] == [
        ("session log", "FlowExtensions :: Could not execute installer; Traceback: boom", 3),
        ("session log", "base relation 'status' was not overridden", 1),
    ]
    records = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "graftflow"]
    assert records == [
        ("ERROR", "[session log]: FlowExtensions :: Could not execute installer; Traceback: boom"),
        ("WARNING", "[session log]: base relation 'status' was not overridden"),
        ("INFO", "loaded 3 extensions"),
        ("DEBUG", "details"),
    ]


# -- SessionObject --------------------------------------------------------------------------------


class Options(gf.SessionObject):
    level = gf.IntParam(1)
    deep = gf.Child(Thumbnail)


class Tool(gf.Object):
    options = gf.Child(Options)
    kept = gf.IntParam(1)


def test_session_object_values_stay_in_memory(flow: gf.Flow) -> None:
    """A SessionObject's subtree reads and writes a memory store of its own: nothing
    reaches the flow's store, and another flow starts from the defaults."""
    tool = flow.create_project("t", Tool)
    tool.options.level.set(5)
    tool.options.deep.path.set("mine.png")
    tool.kept.set(2)
    assert tool.options.level.get() == 5
    assert tool.options.deep.path.get() == "mine.png"
    assert isinstance(tool.options._mng.store, gf.MemoryStore)
    assert tool.options._mng.store is not flow.store()
    assert flow.store().get("/t/options/level", "<none>") == "<none>"
    assert flow.store().get("/t/kept") == 2
    other = gf.Flow(store=flow.store()).project("t")
    assert other.options.level.get() == 1  # type: ignore[attr-defined]


# -- touch notifications -------------------------------------------------------------------------


def test_touch_notifications_reach_the_touched_oid_first(memflow: gf.Flow) -> None:
    """A change notifies the subscribers of the changed oid first, then those of each
    ancestor up to the flow ("/"), each in the order they subscribed."""
    shot = memflow.create_project("f", Film).shots.add("sh010")
    heard: list[tuple[str, str]] = []
    gf.subscribe(memflow, lambda oid: heard.append(("flow", oid)))
    gf.subscribe(shot, lambda oid: heard.append(("shot", oid)))
    gf.subscribe(shot.status, lambda oid: heard.append(("status", oid)))
    gf.subscribe(shot, lambda oid: heard.append(("shot again", oid)))
    shot.status.set("done")
    assert heard == [
        ("status", "/f/shots/sh010/status"),
        ("shot", "/f/shots/sh010/status"),
        ("shot again", "/f/shots/sh010/status"),
        ("flow", "/f/shots/sh010/status"),
    ]


class ExtendableShot(Extendable):
    _thumbnail = gf.Child(Thumbnail)
    status = gf.StringParam("wip")


def test_protected_relations_of_extendable_objects(memflow: gf.Flow) -> None:
    """On an extendable object a protected relation is still a relation (reached by oid,
    protected from assignment), and private attributes still run no factory."""
    shot = memflow.create_project("s", ExtendableShot)
    assert memflow.get_object("/s/_thumbnail/path").get() == "thumb.png"
    with pytest.raises(gf.RelationAssignmentError):
        shot._thumbnail = None  # type: ignore[assignment]
    fresh = memflow.create_project("t", ExtendableShot)
    fresh._scratch = 1
    assert fresh._mng._table is None  # no factory ran for private state
