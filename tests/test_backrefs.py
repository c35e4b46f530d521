"""Back-references: an object lists the connections that point at it (kabaret's refs()).

Issue 13: correct after set, clear and removal of either side, on every store, without
scanning the flow; removing a subtree cleans the indexes it touched. Connections across
projects need ``allow_cross_project()``; a connection whose target is gone raises an
error that is both a LookupError and a ValueError.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

import graftflow as gf


class Asset(gf.Object):
    pass


class Assets(gf.Map[Asset]):
    pass


class CastItem(gf.Object):
    asset = gf.Connection(Asset)


class Casting(gf.Map[CastItem]):
    pass


class Task(gf.Object):
    lead_asset = gf.Connection(Asset)


class Tasks(gf.Map[Task]):
    pass


class Shot(gf.Object):
    hero = gf.Connection(Asset)
    casting = gf.Child(Casting)
    tasks = gf.Child(Tasks)
    prop = gf.Child(Asset)  # a target inside the shot itself


class Shots(gf.Map[Shot]):
    pass


class Project(gf.Object):
    assets = gf.Child(Assets)
    shots = gf.Child(Shots)
    library_pick = gf.Connection(Asset).allow_cross_project()
    local_pick = gf.Connection(Asset)


def oids(obj: gf.Object) -> list[str]:
    return [value.oid() for value in gf.refs(obj)]


def indexed(flow: gf.Flow, target: str) -> dict[str, Any]:
    """The back-reference index of ``target`` as stored."""
    return flow.store().hash_items("!refs:" + target)


@pytest.fixture
def project(flow: gf.Flow) -> Project:
    p = flow.create_project("p", Project)
    p.assets.add_many(["bob", "tree"])
    p.shots.add_many(["sh010", "sh020"])
    return p


class TestRefs:
    def test_set_change_and_clear(self, flow: gf.Flow, project: Project) -> None:
        """refs() lists connections as they are set, moved and cleared."""
        bob, tree = project.assets["bob"], project.assets["tree"]
        sh010, sh020 = project.shots["sh010"], project.shots["sh020"]
        assert gf.refs(bob) == []
        sh020.hero.set(bob)
        sh010.hero.set(bob)
        sh010.casting.add("c1").asset.set(bob)
        assert oids(bob) == [
            "/p/shots/sh010/casting/c1/asset",
            "/p/shots/sh010/hero",
            "/p/shots/sh020/hero",
        ]
        assert gf.refs(bob)[1] is sh010.hero
        assert gf.refs(bob)[1].parent() is sh010
        sh010.hero.set(tree)
        assert oids(tree) == ["/p/shots/sh010/hero"]
        assert "/p/shots/sh010/hero" not in indexed(flow, "/p/assets/bob")
        sh020.hero.set(None)
        sh010.casting["c1"].asset.revert_to_default()
        assert gf.refs(bob) == []
        assert indexed(flow, "/p/assets/bob") == {}

    def test_remove_the_source(self, flow: gf.Flow, project: Project) -> None:
        """Removing an item takes every connection under it (at any depth) out of its
        targets' indexes, and out of the items above."""
        bob = project.assets["bob"]
        sh010 = project.shots["sh010"]
        sh010.hero.set(bob)
        sh010.casting.add("c1").asset.set(bob)
        sh010.tasks.add("anim").lead_asset.set(bob)
        project.shots["sh020"].hero.set(bob)
        sh010.casting.remove("c1")
        assert oids(bob) == [
            "/p/shots/sh010/hero",
            "/p/shots/sh010/tasks/anim/lead_asset",
            "/p/shots/sh020/hero",
        ]
        assert "/p/shots/sh010/casting/c1/asset" not in flow.store().hash_items("/p/shots/sh010")
        project.shots.remove("sh010")
        assert oids(bob) == ["/p/shots/sh020/hero"]
        assert list(indexed(flow, "/p/assets/bob")) == ["/p/shots/sh020/hero"]
        project.shots.add("sh010")
        assert oids(bob) == ["/p/shots/sh020/hero"]

    def test_clear_a_map(self, flow: gf.Flow, project: Project) -> None:
        """Map.clear() cleans the indexes of every item it removes."""
        bob = project.assets["bob"]
        for shot in project.shots.mapped_items():
            shot.hero.set(bob)
            shot.casting.add("c").asset.set(bob)
        project.shots.clear()
        assert gf.refs(bob) == []
        assert indexed(flow, "/p/assets/bob") == {}

    def test_source_and_target_in_the_removed_item(self, flow: gf.Flow, project: Project) -> None:
        """A connection inside a removed item to an object inside it too leaves nothing."""
        sh010 = project.shots["sh010"]
        sh010.casting.add("c1").asset.set(sh010.prop)
        assert oids(sh010.prop) == ["/p/shots/sh010/casting/c1/asset"]
        project.shots.remove("sh010")
        assert indexed(flow, "/p/shots/sh010/prop") == {}
        assert gf.refs(project.shots.add("sh010").prop) == []

    def test_remove_the_target(self, flow: gf.Flow, project: Project) -> None:
        """A connection to a removed object raises DanglingConnectionError, which is a
        MissingChildError (LookupError) and a ValueError (what kabaret raised); an object
        added again at that oid is what it points at again, and lists it."""
        sh010 = project.shots["sh010"]
        sh010.hero.set(project.assets["bob"])
        project.assets.remove("bob")
        with pytest.raises(gf.DanglingConnectionError) as caught:
            sh010.hero.get()
        error = caught.value
        assert isinstance(error, gf.MissingChildError)
        assert isinstance(error, LookupError)
        assert isinstance(error, ValueError)
        assert (error.connection, error.target) == ("/p/shots/sh010/hero", "/p/assets/bob")
        assert str(error) == (
            "/p/shots/sh010/hero connects to /p/assets/bob, which no longer resolves: "
            "/p/assets has no item 'bob'"
        )
        assert sh010.hero.oid_value() == "/p/assets/bob"
        bob_again = project.assets.add("bob")
        assert sh010.hero.get() is bob_again
        assert oids(bob_again) == ["/p/shots/sh010/hero"]
        sh010.hero.set(None)  # a dangling connection can always be cleared
        assert gf.refs(bob_again) == []

    def test_clear_a_dangling_connection(self, flow: gf.Flow, project: Project) -> None:
        """Clearing a connection whose target is gone cleans its index entry."""
        sh010 = project.shots["sh010"]
        sh010.hero.set(project.assets["bob"])
        project.assets.remove("bob")
        sh010.hero.set(project.assets["tree"])
        assert indexed(flow, "/p/assets/bob") == {}
        assert oids(project.assets["tree"]) == ["/p/shots/sh010/hero"]

    def test_another_flow_reads_the_same_index(self, flow: gf.Flow, project: Project) -> None:
        """The index is stored: a flow opened later on the same store sees it, and
        finding the references builds nothing but the referencing path."""
        for shot in project.shots.mapped_items():
            shot.casting.add_many([f"c{i}" for i in range(20)])
        project.shots["sh020"].casting["c7"].asset.set(project.assets["tree"])
        again = gf.Flow(store=flow.store())
        tree = again.get_object("/p/assets/tree")
        assert oids(tree) == ["/p/shots/sh020/casting/c7/asset"]
        shots = again.project("p").shots  # type: ignore[attr-defined]
        assert list(shots._items) == ["sh020"]  # sh010 was never built
        assert list(shots["sh020"].casting._items) == ["c7"]

    def test_failed_batch_writes_no_reference(self, flow: gf.Flow, project: Project) -> None:
        """A connection set inside a batch that fails leaves no index entry behind."""
        bob = project.assets["bob"]

        def connect_then_fail() -> None:
            with flow.batch():
                flow.get_object("/p/shots/sh010").hero.set(bob)
                raise RuntimeError("abort")

        with pytest.raises(RuntimeError, match="abort"):
            connect_then_fail()
        assert indexed(flow, "/p/assets/bob") == {}
        assert gf.refs(flow.get_object("/p/assets/bob")) == []

    def test_stale_entries_are_not_reported(self, flow: gf.Flow, project: Project) -> None:
        """An entry left by a subtree with a store of its own (a session object's
        connection, gone with the session) is checked and skipped."""
        bob = project.assets["bob"]
        flow.store().hash_set("!refs:/p/assets/bob", "/p/shots/sh010/hero", None)
        flow.store().hash_set("!refs:/p/assets/bob", "/p/nowhere/hero", None)
        assert gf.refs(bob) == []


class TestCrossProject:
    def test_refused_unless_allowed(self, flow: gf.Flow) -> None:
        """A connection to another project's object is refused with the fix in the
        message; .allow_cross_project() accepts it, and refs() still finds it."""
        p = flow.create_project("p", Project)
        library = flow.create_project("lib", Project)
        rock = library.assets.add("rock")
        with pytest.raises(
            gf.InvalidValueError,
            match=re.escape(
                "Connection /p/local_pick: /lib/assets/rock belongs to another project; "
                "declare the relation with .allow_cross_project()"
            ),
        ):
            p.local_pick.set(rock)
        assert p.local_pick.get() is None
        p.library_pick.set(rock)
        assert p.library_pick.get() is rock
        assert oids(rock) == ["/p/library_pick"]
        assert Project.library_pick.cross_project
        assert not Project.local_pick.cross_project

    def test_the_project_itself_is_in_its_project(self, memflow: gf.Flow) -> None:
        """A project's own objects, and the project, connect without the flag."""

        class Home(gf.Object):
            me = gf.Connection(gf.Object)

        home = memflow.create_project("h", Home)
        home.me.set(home)
        assert home.me.get() is home
        assert oids(home) == ["/h/me"]


class Scratch(gf.SessionObject):
    pick = gf.Connection(Asset)


class WithScratch(gf.Object):
    assets = gf.Child(Assets)
    scratch = gf.Child(Scratch)


def test_session_connections_do_not_outlive_the_session(flow: gf.Flow, store_kind: str) -> None:
    """A connection kept in a session object's memory points back from the target while
    the session lasts; a later session does not see it."""
    p = flow.create_project("w", WithScratch)
    bob = p.assets.add("bob")
    p.scratch.pick.set(bob)
    assert oids(bob) == ["/w/scratch/pick"]
    if store_kind != "memory":
        later = gf.Flow(store=flow.store())
        assert gf.refs(later.get_object("/w/assets/bob")) == []
