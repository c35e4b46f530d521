"""Flow: projects, oid resolution, project_of, subscriptions, and store ownership."""

from __future__ import annotations

import json
import os
import re
import threading
import uuid
from pathlib import Path
from typing import Any, ClassVar

import pytest
from sample_flow import Film, Films, HeroShot, Shot, Shots, Studio, Task

import graftflow as gf

TESTS = Path(__file__).parent


class OwnStoreBranch(gf.Object):
    """A subtree whose values live in a store of its own (the class hook)."""

    #: The store the hook hands out; each test sets its own.
    next_store: ClassVar[gf.Store | None] = None

    level = gf.IntParam(0)
    shots = gf.Child(Shots)

    @classmethod
    def _create_value_store(cls, parent: Any, name: str) -> gf.Store | None:
        return cls.next_store


class Branched(gf.Object):
    """A project with one subtree kept in its own store."""

    level = gf.IntParam(0)
    branch = gf.Child(OwnStoreBranch)


@pytest.fixture
def studio(flow: gf.Flow) -> Studio:
    """``/studio`` with film f01, shots sh010 (with a task) and sh020, on each store kind."""
    project = flow.create_project("studio", Studio)
    film = project.films.add("f01")
    film.title.set("The Attic")
    shot = film.shots.add("sh010")
    shot.tasks.add("anim")
    film.shots.add("sh020", object_type=HeroShot)
    return project


def new_flow(flow: gf.Flow) -> gf.Flow:
    """A second flow on the same store."""
    return gf.Flow(session=gf.Session(user="other", environ={}), store=flow.store())


class TestCreateProject:
    def test_returns_built_project(self, flow: gf.Flow) -> None:
        """create_project() returns the project, of the given type, at ``/name``."""
        project = flow.create_project("studio", Studio)
        assert type(project) is Studio
        assert project.oid() == "/studio"
        assert project.name() == "studio"
        assert project.root() is flow

    def test_returned_project_is_cached(self, flow: gf.Flow) -> None:
        """flow.project(name) gives back the very object create_project() returned."""
        project = flow.create_project("studio", Studio)
        assert flow.project("studio") is project

    def test_existing_name(self, flow: gf.Flow) -> None:
        """A taken project name raises ExistsError and changes nothing."""
        flow.create_project("studio", Studio)
        with pytest.raises(
            gf.ExistsError,
            match=r"^a project named 'studio' already exists; open it with "
            r"flow.project\('studio'\), or pass exist_ok=True$",
        ) as info:
            flow.create_project("studio", Studio)
        assert info.value.names == ("studio",)
        assert flow.projects() == ["studio"]
        assert type(new_flow(flow).project("studio")) is Studio

    @pytest.mark.parametrize("exist_ok", [False, True])
    def test_existing_name_of_another_type(self, flow: gf.Flow, exist_ok: bool) -> None:
        """A project of another type under the name is an error naming both types, even
        with exist_ok; nothing changes."""
        flow.create_project("studio", Studio)
        with pytest.raises(
            gf.ExistsError,
            match=r"^a project named 'studio' already exists, of type "
            r"'sample_flow:Studio', not 'sample_flow:Film'$",
        ):
            flow.create_project("studio", Film, exist_ok=exist_ok)
        assert flow.projects() == ["studio"]
        assert type(new_flow(flow).project("studio")) is Studio

    def test_exist_ok_returns_the_project(self, flow: gf.Flow) -> None:
        """exist_ok=True returns the existing project of that type, with its values, in
        this flow (the same object) and in a new flow on the store (nothing written)."""
        project = flow.create_project("studio", Studio)
        assert flow.create_project("studio", Studio, exist_ok=True) is project
        other = new_flow(flow)
        again = other.create_project("studio", Studio, exist_ok=True)
        assert type(again) is Studio
        assert again.oid() == "/studio"
        assert other.projects() == ["studio"]

    def test_exist_ok_creates_a_missing_project(self, flow: gf.Flow) -> None:
        """exist_ok=True creates the project when there is none yet."""
        project = flow.create_project("studio", Studio, exist_ok=True)
        assert type(project) is Studio
        assert flow.projects() == ["studio"]

    @pytest.mark.parametrize("name", ["", "a/b", ".", "..", "-x", "a" * 256, "a b"])
    def test_invalid_name(self, flow: gf.Flow, name: str) -> None:
        """An invalid project name raises InvalidNameError; nothing is written."""
        with pytest.raises(
            gf.InvalidNameError, match=re.escape(f"the flow: invalid name {name!r}: use letters")
        ):
            flow.create_project(name, Studio)
        assert flow.projects() == []

    @pytest.mark.parametrize("name", [3, None])
    def test_non_str_name(self, flow: gf.Flow, name: Any) -> None:
        """A project name that is not a str raises InvalidNameError."""
        with pytest.raises(
            gf.InvalidNameError,
            match=re.escape(f"the flow: an item name must be a str, not {type(name).__name__}"),
        ):
            flow.create_project(name, Studio)
        assert flow.projects() == []

    @pytest.mark.parametrize("project_type", [int, "sample_flow:Studio", None])
    def test_type_not_an_object_subclass(self, flow: gf.Flow, project_type: Any) -> None:
        """A type that is not an Object subclass raises TypeError; nothing is written."""
        with pytest.raises(
            TypeError,
            match=re.escape(
                f"create_project('p'): the type must be an Object subclass, not {project_type!r}"
            ),
        ):
            flow.create_project("p", project_type)
        assert flow.projects() == []

    def test_type_defined_in_function(self, flow: gf.Flow) -> None:
        """A project class defined inside a function reopens within this process."""

        class LocalProject(Studio):
            pass

        project = flow.create_project("local", LocalProject)
        project.films.add("f01")
        again = new_flow(flow).project("local")
        assert type(again) is LocalProject
        assert list(again.films) == ["f01"]


class TestProject:
    def test_cached(self, flow: gf.Flow) -> None:
        """flow.project(name) gives the same object every time."""
        flow.create_project("studio", Studio)
        other = new_flow(flow)
        assert other.project("studio") is other.project("studio")

    def test_reopened_by_new_flow(self, flow: gf.Flow, studio: Studio) -> None:
        """A new flow on the same store builds the project from its stored type."""
        again = new_flow(flow).project("studio")
        assert again is not studio
        assert type(again) is Studio
        assert again.films["f01"].title.get() == "The Attic"

    def test_unknown_suggests(self, flow: gf.Flow, studio: Studio) -> None:
        """An unknown project raises MissingChildError with a suggestion."""
        with pytest.raises(
            gf.MissingChildError,
            match=re.escape("there is no project 'studo'; did you mean 'studio'?"),
        ) as info:
            flow.project("studo")
        assert isinstance(info.value, LookupError)
        assert info.value.oid == "/studo"
        assert info.value.name == "studo"

    def test_unknown_without_close_match(self, flow: gf.Flow, studio: Studio) -> None:
        """An unknown project with no close name gets no suggestion."""
        with pytest.raises(gf.MissingChildError, match=r"^there is no project 'zzz'$"):
            flow.project("zzz")

    def test_non_str(self, flow: gf.Flow) -> None:
        """A non-str project name raises MissingChildError."""
        with pytest.raises(gf.MissingChildError, match=r"^there is no project 3$"):
            flow.project(3)  # type: ignore[arg-type]

    def test_projects_in_creation_order(self, flow: gf.Flow) -> None:
        """projects() lists names in creation order, also for a new flow."""
        assert flow.projects() == []
        for name in ["zeta", "alpha", "mid"]:
            flow.create_project(name, Studio)
        assert flow.projects() == ["zeta", "alpha", "mid"]
        assert new_flow(flow).projects() == ["zeta", "alpha", "mid"]

    def test_stored_type_not_an_object(self, flow: gf.Flow) -> None:
        """A stored project type that is not an Object subclass raises ObjectTypeError."""
        flow.store().ordered_add("!projects", {"odd": "builtins:dict"})
        with pytest.raises(
            gf.ObjectTypeError,
            match=re.escape("project 'odd': 'builtins:dict' is not an Object subclass"),
        ) as info:
            flow.project("odd")
        assert info.value.oid == "/odd"
        assert info.value.type_path == "builtins:dict"


class TestOtherProcess:
    def test_child_writes_parent_reads(self, tmp_path: Path, run_python: Any) -> None:
        """A project created by another process reopens here with its types and values."""
        run_python(
            """
            import graftflow as gf
            from sample_flow import HeroShot, Studio

            store = gf.SQLiteStore("studio.db")
            with gf.Flow(store=store) as flow:
                project = flow.create_project("studio", Studio)
                project.settings.set({"fps": 24})
                film = project.films.add("f01")
                film.title.set("The Attic")
                film.shots.add("sh010").frame_out.set(1200)
                film.shots.add("sh020", object_type=HeroShot).tags.set(["hero"])
                film.shots["sh010"].tasks.add("anim").status.set("wip")
            store.close()
            """
        )
        store = gf.SQLiteStore(tmp_path / "studio.db")
        try:
            flow = gf.Flow(store=store)
            assert flow.projects() == ["studio"]
            project = flow.project("studio")
            assert type(project) is Studio
            assert project.settings.get() == {"fps": 24}
            film = project.films["f01"]
            assert type(film) is Film
            assert film.title.get() == "The Attic"
            assert list(film.shots) == ["sh010", "sh020"]
            assert type(film.shots["sh010"]) is Shot
            assert type(film.shots["sh020"]) is HeroShot
            assert film.shots["sh010"].frame_out.get() == 1200
            assert film.shots["sh020"].tags.get() == ["hero"]
            task = flow.get_object("/studio/films/f01/shots/sh010/tasks/anim")
            assert type(task) is Task
            assert task.status.get() == "wip"
        finally:
            store.close()

    def test_parent_writes_child_reads(self, tmp_path: Path, run_python: Any) -> None:
        """A project created here reopens in another process with its types and values."""
        store = gf.SQLiteStore(tmp_path / "studio.db")
        with gf.Flow(store=store) as flow:
            project = flow.create_project("studio", Studio)
            film = project.films.add("f01")
            film.title.set("Lamp Light")
            film.shots.add("sh010", object_type=HeroShot).frame_in.set(990)
            film.shots.add("sh020")
        store.close()
        proc = run_python(
            """
            import json
            import graftflow as gf

            store = gf.SQLiteStore("studio.db")
            flow = gf.Flow(store=store)
            film = flow.project("studio").films["f01"]
            print(json.dumps({
                "project": type(flow.project("studio")).__qualname__,
                "title": film.title.get(),
                "shots": {n: type(film.shots[n]).__qualname__ for n in film.shots},
                "frame_in": film.shots["sh010"].frame_in.get(),
                "hero": film.shots["sh010"].hero.get(),
            }))
            store.close()
            """
        )
        assert json.loads(proc.stdout) == {
            "project": "Studio",
            "title": "Lamp Light",
            "shots": {"sh010": "HeroShot", "sh020": "Shot"},
            "frame_in": 990,
            "hero": True,
        }

    def test_type_no_longer_importable(self, tmp_path: Path, run_python: Any) -> None:
        """A project whose type cannot be imported raises ObjectTypeError saying how to fix it."""
        module = f"gf_gone_{uuid.uuid4().hex}"
        folder = tmp_path / "mods"
        folder.mkdir()
        (folder / f"{module}.py").write_text(
            "from sample_flow import Studio\n\n\nclass GoneStudio(Studio):\n    pass\n"
        )
        run_python(
            f"""
            import graftflow as gf
            from sample_flow import Studio
            from {module} import GoneStudio

            store = gf.SQLiteStore("studio.db")
            flow = gf.Flow(store=store)
            flow.create_project("gone", GoneStudio)
            flow.create_project("kept", Studio)
            store.close()
            """,
            env={"PYTHONPATH": os.pathsep.join([str(folder), str(TESTS)])},
        )
        path = f"{module}:GoneStudio"
        store = gf.SQLiteStore(tmp_path / "studio.db")
        try:
            flow = gf.Flow(store=store)
            with pytest.raises(
                gf.ObjectTypeError,
                match=re.escape(f"project 'gone' has the type {path!r}, which cannot be imported (")
                + ".*"
                + re.escape(
                    "); install the package that provides it (or fix PYTHONPATH) and try again"
                ),
            ) as info:
                flow.project("gone")
            assert isinstance(info.value, ImportError)
            assert info.value.oid == "/gone"
            assert info.value.type_path == path
            assert flow.projects() == ["gone", "kept"]
            assert type(flow.project("kept")) is Studio
        finally:
            store.close()

    def test_type_defined_in_function(self, tmp_path: Path, run_python: Any) -> None:
        """Another process cannot reopen a project of a local class: the error says why."""

        class LocalStudio(Studio):
            pass

        store = gf.SQLiteStore(tmp_path / "studio.db")
        with gf.Flow(store=store) as flow:
            flow.create_project("local", LocalStudio)
        store.close()
        proc = run_python(
            """
            import graftflow as gf

            store = gf.SQLiteStore("studio.db")
            try:
                gf.Flow(store=store).project("local")
            except gf.ObjectTypeError as exc:
                print(exc)
            store.close()
            """
        )
        path = f"{__name__}:{LocalStudio.__qualname__}"
        assert proc.stdout.strip() == (
            f"project 'local' has the type {path!r}, which cannot be imported "
            f"({LocalStudio.__qualname__} was defined inside a function of the process that "
            "stored it, so no other process can import it; define it at module level); "
            "install the package that provides it (or fix PYTHONPATH) and try again"
        )


class TestGetObject:
    def test_absolute_object(self, flow: gf.Flow, studio: Studio) -> None:
        """An absolute oid resolves to the cached object of the tree."""
        assert flow.get_object("/studio") is studio
        shot = studio.films["f01"].shots["sh010"]
        assert flow.get_object("/studio/films/f01/shots/sh010") is shot
        assert type(flow.get_object("/studio/films/f01/shots/sh020")) is HeroShot

    def test_absolute_value(self, flow: gf.Flow, studio: Studio) -> None:
        """An absolute oid ending on a param gives its value handle."""
        value = flow.get_object("/studio/films/f01/title")
        assert isinstance(value, gf.Value)
        assert value.oid() == "/studio/films/f01/title"
        assert value.get() == "The Attic"

    def test_root(self, flow: gf.Flow) -> None:
        """``/`` is the flow itself."""
        assert flow.get_object("/") is flow

    def test_from_new_flow(self, flow: gf.Flow, studio: Studio) -> None:
        """A new flow resolves an absolute oid by building the path lazily."""
        shot = new_flow(flow).get_object("/studio/films/f01/shots/sh020")
        assert type(shot) is HeroShot
        assert shot is not studio.films["f01"].shots["sh020"]

    def test_relative(self, studio: Studio) -> None:
        """graftflow.get_object() resolves ``.`` and ``..`` from an object."""
        shot = studio.films["f01"].shots["sh010"]
        assert gf.get_object(shot, ".") is shot
        assert gf.get_object(shot, "..") is studio.films["f01"].shots
        assert gf.get_object(shot, "../..") is studio.films["f01"]
        assert gf.get_object(shot, "./tasks/anim") is shot.tasks["anim"]
        assert gf.get_object(shot, "../sh020") is studio.films["f01"].shots["sh020"]
        assert gf.get_object(shot, "tasks/../status").oid() == shot.status.oid()

    def test_relative_from_value(self, studio: Studio) -> None:
        """From a value, ``..`` is its object."""
        shot = studio.films["f01"].shots["sh010"]
        assert gf.get_object(shot.status, "..") is shot
        assert gf.get_object(shot.status, "../../sh020") is studio.films["f01"].shots["sh020"]

    def test_absolute_from_object(self, flow: gf.Flow, studio: Studio) -> None:
        """graftflow.get_object() with an absolute oid starts from the root."""
        shot = studio.films["f01"].shots["sh010"]
        assert gf.get_object(shot, "/studio/films") is studio.films
        assert gf.get_object(shot, "/") is flow

    def test_relative_from_flow(self, flow: gf.Flow, studio: Studio) -> None:
        """graftflow.get_object(flow, oid) resolves a relative oid from the root."""
        assert gf.get_object(flow, "studio/films") is studio.films

    def test_manager_resolves(self, studio: Studio) -> None:
        """The manager's get_object() resolves a relative oid as well."""
        shot = studio.films["f01"].shots["sh010"]
        assert shot._mng.get_object("../sh020") is studio.films["f01"].shots["sh020"]

    def test_above_root(self, studio: Studio) -> None:
        """``..`` above the root raises InvalidOidError."""
        with pytest.raises(
            gf.InvalidOidError, match=re.escape("invalid oid '../..': '..' goes above the root")
        ) as info:
            gf.get_object(studio, "../..")
        assert info.value.oid == "../.."

    def test_flow_refuses_relative(self, flow: gf.Flow, studio: Studio) -> None:
        """Flow.get_object() with a relative oid raises InvalidOidError with the fix."""
        with pytest.raises(
            gf.InvalidOidError,
            match=re.escape(
                "Flow.get_object() needs an absolute oid starting with '/', not 'studio/films'; "
                "use graftflow.get_object(obj, oid) to resolve a relative one"
            ),
        ):
            flow.get_object("studio/films")

    @pytest.mark.parametrize(
        ("oid", "message"),
        [
            ("", "an empty string is not an oid; the root is '/'"),
            ("/studio//films", "invalid oid '/studio//films': empty name between slashes"),
            ("/studio/films/", "invalid oid '/studio/films/': empty name between slashes"),
            ("/stu dio", "invalid oid '/stu dio': 'stu dio' is not a valid name"),
        ],
    )
    def test_malformed(self, flow: gf.Flow, studio: Studio, oid: str, message: str) -> None:
        """A malformed oid raises InvalidOidError saying what is wrong."""
        with pytest.raises(gf.InvalidOidError, match=re.escape(message)):
            gf.get_object(studio, oid)

    def test_unknown_relation(self, flow: gf.Flow, studio: Studio) -> None:
        """An unknown relation raises MissingRelationError with a suggestion."""
        with pytest.raises(
            gf.MissingRelationError,
            match=re.escape("/studio (Studio) has no relation 'film'; did you mean 'films'?"),
        ) as info:
            flow.get_object("/studio/film/f01")
        assert isinstance(info.value, AttributeError)
        assert isinstance(info.value, LookupError)
        assert info.value.oid == "/studio/film"
        assert info.value.name == "film"

    def test_unknown_map_item(self, flow: gf.Flow, studio: Studio) -> None:
        """An unknown map item raises MissingChildError naming the map."""
        with pytest.raises(
            gf.MissingChildError, match=r"^/studio/films/f01/shots has no item 'zz'$"
        ) as info:
            flow.get_object("/studio/films/f01/shots/zz/status")
        assert info.value.oid == "/studio/films/f01/shots/zz"

    def test_unknown_project(self, flow: gf.Flow, studio: Studio) -> None:
        """An unknown first step raises MissingChildError about the project."""
        with pytest.raises(gf.MissingChildError, match=r"^there is no project 'nope'$"):
            flow.get_object("/nope/films")

    def test_below_a_value(self, flow: gf.Flow, studio: Studio) -> None:
        """A step below a value raises MissingRelationError naming the value."""
        with pytest.raises(
            gf.MissingRelationError,
            match=re.escape("/studio/films/f01/shots/sh010/status is a value; it has no child 'x'"),
        ) as info:
            flow.get_object("/studio/films/f01/shots/sh010/status/x")
        assert info.value.oid == "/studio/films/f01/shots/sh010/status/x"


class TestProjectOf:
    def test_deep_object(self, studio: Studio) -> None:
        """project_of() a task deep in the tree is its project."""
        task = studio.films["f01"].shots["sh010"].tasks["anim"]
        assert gf.project_of(task) is studio

    def test_value(self, studio: Studio) -> None:
        """project_of() a value is the project of its object."""
        assert gf.project_of(studio.films["f01"].title) is studio
        assert gf.project_of(studio.settings) is studio

    def test_project_itself(self, studio: Studio) -> None:
        """project_of() a project is the project."""
        assert gf.project_of(studio) is studio

    def test_flow(self, flow: gf.Flow) -> None:
        """project_of() the flow raises TypeError."""
        with pytest.raises(
            TypeError,
            match=re.escape("project_of() takes an object inside a project, not the flow itself"),
        ):
            gf.project_of(flow)  # type: ignore[arg-type]


class TestSubscribe:
    @pytest.fixture
    def films(self, memflow: gf.Flow) -> Films:
        """``/p/films`` holding f01 and f02, on a memory flow."""
        films = memflow.create_project("p", Studio).films
        films.add_many(["f01", "f02"])
        return films

    def test_hears_own_values(self, films: Films) -> None:
        """A handler on an object hears sets and reverts of its values, with their oid."""
        heard: list[str] = []
        gf.subscribe(films["f01"], heard.append)
        films["f01"].title.set("x")
        films["f01"].title.revert_to_default()
        assert heard == ["/p/films/f01/title", "/p/films/f01/title"]

    def test_hears_map_changes_below(self, films: Films) -> None:
        """A handler on an object hears adds and removes of maps below it."""
        heard: list[str] = []
        gf.subscribe(films["f01"], heard.append)
        films["f01"].shots.add("sh010")
        films["f01"].shots.add_many(["sh020", "sh030"])
        films["f01"].shots.remove("sh010")
        films["f01"].shots.clear()
        assert heard == ["/p/films/f01/shots"] * 4

    def test_hears_explicit_touch(self, films: Films) -> None:
        """A handler hears touch() of its object and of any descendant."""
        heard: list[str] = []
        film = films["f01"]
        shot = film.shots.add("sh010")
        gf.subscribe(film, heard.append)
        film.touch()
        shot.touch()
        shot.status.touch()
        film.shots.touch()
        assert heard == [
            "/p/films/f01",
            "/p/films/f01/shots/sh010",
            "/p/films/f01/shots/sh010/status",
            "/p/films/f01/shots",
        ]

    def test_ignores_siblings_and_ancestors(self, films: Films) -> None:
        """A handler does not hear changes of siblings, their subtrees or its ancestors."""
        heard: list[str] = []
        gf.subscribe(films["f01"], heard.append)
        films["f02"].title.set("y")
        films["f02"].shots.add("sh010")
        films["f02"].touch()
        films.touch()
        films.add("f03")
        assert heard == []

    def test_name_prefix_is_not_a_subtree(self, films: Films) -> None:
        """A handler on f01 does not hear f010, whose oid merely starts the same."""
        heard: list[str] = []
        films.add("f010")
        gf.subscribe(films["f01"], heard.append)
        films["f010"].title.set("z")
        assert heard == []

    def test_value_subscription(self, films: Films) -> None:
        """A handler on a value hears that value only."""
        heard: list[str] = []
        gf.subscribe(films["f01"].title, heard.append)
        films["f01"].title.set("x")
        films["f01"].counter.set(2)
        assert heard == ["/p/films/f01/title"]

    def test_flow_hears_everything(self, memflow: gf.Flow, films: Films) -> None:
        """A handler on the flow hears every change, project creation included."""
        heard: list[str] = []
        gf.subscribe(memflow, heard.append)
        films["f02"].title.set("y")
        films["f01"].shots.add("sh010")
        films.touch()
        memflow.create_project("q", Studio)
        assert heard == ["/p/films/f02/title", "/p/films/f01/shots", "/p/films", "/q"]

    def test_unsubscribe(self, films: Films) -> None:
        """The returned callable unsubscribes; calling it again is harmless."""
        heard: list[str] = []
        unsubscribe = gf.subscribe(films["f01"], heard.append)
        films["f01"].title.set("x")
        unsubscribe()
        films["f01"].title.set("y")
        unsubscribe()
        assert heard == ["/p/films/f01/title"]

    def test_unsubscribe_keeps_others(self, films: Films) -> None:
        """Unsubscribing one handler keeps the other handlers of the same object."""
        first: list[str] = []
        second: list[str] = []
        unsubscribe = gf.subscribe(films["f01"], first.append)
        gf.subscribe(films["f01"], second.append)
        unsubscribe()
        films["f01"].title.set("x")
        assert first == []
        assert second == ["/p/films/f01/title"]

    def test_not_a_target(self) -> None:
        """subscribe() refuses what is neither an Object, a Value nor a Flow."""
        with pytest.raises(
            TypeError, match=re.escape("subscribe() takes a flow Object, Value or Flow, not 3")
        ):
            gf.subscribe(3, print)  # type: ignore[arg-type]

    def test_raising_handler_isolated(self, memflow: gf.Flow, films: Films) -> None:
        """A raising handler stops neither the write nor the other handlers."""
        heard: list[str] = []

        def broken(oid: str) -> None:
            raise RuntimeError("boom")

        gf.subscribe(films["f01"], broken)
        gf.subscribe(films["f01"], heard.append)
        gf.subscribe(memflow, broken)
        gf.subscribe(memflow, heard.append)
        films["f01"].title.set("x")
        assert films["f01"].title.get() == "x"
        assert heard == ["/p/films/f01/title", "/p/films/f01/title"]

    def test_raising_handler_recorded_once(self, memflow: gf.Flow, films: Films) -> None:
        """A handler failing many times is one diagnostic, with a growing count."""

        def broken(oid: str) -> None:
            raise RuntimeError("boom")

        gf.subscribe(films["f01"], broken)
        for title in ["a", "b", "c"]:
            films["f01"].title.set(title)
        assert films["f01"].title.get() == "c"
        [diagnostic] = memflow.session().diagnostics
        assert diagnostic.source == "touch handler"
        assert diagnostic.oid == "/p/films/f01/title"
        assert diagnostic.error == "RuntimeError"
        assert diagnostic.factory == broken.__qualname__
        assert diagnostic.message == "a touch handler failed: boom"
        assert diagnostic.count == 3
        assert str(diagnostic) == (
            f"[touch handler] factory {broken.__qualname__} on /p/films/f01/title: "
            "RuntimeError: a touch handler failed: boom (x3)"
        )

    def test_raising_handler_on_many_oids_recorded_once(
        self, memflow: gf.Flow, films: Films
    ) -> None:
        """A handler failing the same way on many oids is still one diagnostic."""

        def broken(oid: str) -> None:
            raise RuntimeError("boom")

        gf.subscribe(memflow, broken)
        films["f01"].title.set("a")
        films["f02"].title.set("b")
        films["f01"].counter.set(1)
        [diagnostic] = memflow.session().diagnostics
        assert diagnostic.oid == "/p/films/f01/title"
        assert diagnostic.count == 3


class TestLifecycle:
    def test_default_store_owned(self) -> None:
        """Flow() makes its own MemoryStore and closes it on close()."""
        flow = gf.Flow()
        store = flow.store()
        assert isinstance(store, gf.MemoryStore)
        flow.create_project("p", Studio)
        flow.close()
        with pytest.raises(gf.StoreError, match=r"^memory:// store is closed$"):
            store.get("/p/settings")

    def test_given_store_not_closed(self, store: gf.Store) -> None:
        """flow.close() leaves a store it was given open."""
        flow = gf.Flow(store=store)
        assert flow.store() is store
        flow.create_project("p", Studio).settings.set({"a": 1})
        flow.close()
        store.set("/p/other", 2)
        assert store.get("/p/settings") == {"a": 1}
        assert gf.Flow(store=store).project("p").settings.get() == {"a": 1}

    def test_context_manager(self) -> None:
        """A flow is a context manager that closes its own store on exit."""
        with gf.Flow() as flow:
            assert isinstance(flow, gf.Flow)
            store = flow.store()
            flow.create_project("p", Studio)
        with pytest.raises(gf.StoreError, match=r"^memory:// store is closed$"):
            store.get("/p/settings")

    def test_close_twice(self) -> None:
        """Closing a flow twice is harmless."""
        flow = gf.Flow()
        flow.close()
        flow.close()
        with pytest.raises(gf.StoreError, match="closed"):
            flow.store().get("x")

    def test_default_session(self) -> None:
        """Flow() without a session gets an anonymous Session reachable from its objects."""
        flow = gf.Flow()
        project = flow.create_project("p", Studio)
        assert isinstance(flow.session(), gf.Session)
        assert project.root().session() is flow.session()


class TestSubtreeStore:
    @pytest.fixture
    def sub(self, monkeypatch: pytest.MonkeyPatch) -> gf.MemoryStore:
        """The store OwnStoreBranch's hook hands out during the test."""
        store = gf.MemoryStore()
        monkeypatch.setattr(OwnStoreBranch, "next_store", store)
        return store

    def test_values_land_in_subtree_store(self, flow: gf.Flow, sub: gf.MemoryStore) -> None:
        """Values and map names of the subtree go to its store, not the flow's."""
        project = flow.create_project("p", Branched)
        project.level.set(1)
        project.branch.level.set(3)
        project.branch.shots.add("sh010").status.set("done")
        main = flow.store()
        assert sub.get("/p/branch/level") == 3
        assert sub.get("/p/branch/shots/sh010/status") == "done"
        assert sub.ordered_range("/p/branch/shots") == ["sh010"]
        assert main.get("/p/branch/level") is None
        assert main.get("/p/branch/shots/sh010/status") is None
        assert main.ordered_len("/p/branch/shots") == 0
        assert main.get("/p/level") == 1
        assert sub.get("/p/level") is None

    def test_subtree_store_read_back(self, flow: gf.Flow, sub: gf.MemoryStore) -> None:
        """A new flow reads the subtree's values back from the store the hook gives."""
        flow.create_project("p", Branched).branch.level.set(3)
        assert new_flow(flow).project("p").branch.level.get() == 3

    def test_closed_by_flow(self, flow: gf.Flow, sub: gf.MemoryStore) -> None:
        """flow.close() closes the subtree store, though not the store it was given."""
        flow.create_project("p", Branched).branch.level.set(3)
        flow.close()
        with pytest.raises(gf.StoreError, match=r"^memory:// store is closed$"):
            sub.get("/p/branch/level")
        assert flow.store().get("/p/branch/level") is None

    def test_hook_returning_none(self, flow: gf.Flow, monkeypatch: pytest.MonkeyPatch) -> None:
        """A hook returning None keeps the parent's store."""
        monkeypatch.setattr(OwnStoreBranch, "next_store", None)
        flow.create_project("p", Branched).branch.level.set(3)
        assert flow.store().get("/p/branch/level") == 3


class Boom(Exception):
    """Raised on purpose inside a batch."""


class TestBatch:
    def test_commits_together(self, flow: gf.Flow) -> None:
        """Writes inside flow.batch() are all there after it."""
        with flow.batch():
            project = flow.create_project("p", Studio)
            project.films.add("f01").title.set("x")
        again = new_flow(flow).project("p")
        assert again.films["f01"].title.get() == "x"

    def test_failed_batch_writes_nothing(self, flow: gf.Flow) -> None:
        """A failed batch leaves neither the project nor the items it created."""
        flow.create_project("p", Studio)
        with pytest.raises(Boom), flow.batch():  # noqa: PT012
            flow.create_project("q", Studio)
            flow.project("p").films.add("f01").title.set("x")
            raise Boom
        assert flow.projects() == ["p"]
        assert new_flow(flow).projects() == ["p"]
        assert flow.store().get("/p/films/f01/title") is None

    def test_failed_batch_forgets_built_objects(self, flow: gf.Flow) -> None:
        """After a failed batch the flow serves no object created inside it, and keeps
        the objects built before it."""
        before = flow.create_project("p", Studio)
        with pytest.raises(Boom), flow.batch():  # noqa: PT012
            flow.create_project("q", Studio)
            flow.project("p").films.add("f01")
            raise Boom
        with pytest.raises(gf.MissingChildError, match=r"^there is no project 'q'$"):
            flow.project("q")
        with pytest.raises(gf.MissingChildError, match=r"^/p/films has no item 'f01'$"):
            flow.get_object("/p/films/f01")
        project = flow.project("p")
        assert project is before
        assert "f01" not in project.films
        assert len(project.films) == 0

    def test_failed_inner_batch_forgets_only_its_own(self, flow: gf.Flow) -> None:
        """A failed inner batch forgets what it created; the outer batch's stay."""
        with flow.batch():
            kept = flow.create_project("p", Studio)
            with pytest.raises(Boom), flow.batch():  # noqa: PT012
                kept.films.add("f02")
                raise Boom
            kept.films.add("f01")
        assert flow.project("p") is kept
        assert list(kept.films) == ["f01"]
        assert "f02" not in kept.films

    def test_failed_batch_leaves_other_threads_objects(self, flow: gf.Flow) -> None:
        """What another thread built meanwhile is not forgotten by this thread's failure."""
        flow.create_project("p", Studio).films.add("f00")
        flow = gf.Flow(session=flow.session(), store=flow.store())  # nothing built yet
        inside, built, done = threading.Event(), [], threading.Event()

        def other() -> None:  # reads only: this thread's batch may hold the write lock
            inside.wait()
            built.append(flow.project("p").films["f00"])
            done.set()

        thread = threading.Thread(target=other)
        thread.start()
        with pytest.raises(Boom), flow.batch():  # noqa: PT012
            flow.project("p").films.add("mine")
            inside.set()
            done.wait()
            raise Boom
        thread.join()
        films = flow.project("p").films
        assert films["f00"] is built[0]
        assert "mine" not in films


class TestOnCommit:
    def test_heard_once_after_the_outermost_batch_commits(self, flow: gf.Flow) -> None:
        """flow.on_commit waits for the flow's batch, then sees the committed tree."""
        heard: list[str] = []
        with flow.batch():
            project = flow.create_project("p", Studio)
            project.films.add("f01").title.set("x")
            flow.on_commit(lambda: heard.append(flow.get_object("/p/films/f01/title").get()))
            assert heard == []
        assert heard == ["x"]

    def test_never_heard_when_the_batch_rolls_back(self, flow: gf.Flow) -> None:
        """A listener queued in a failed batch is dropped with the batch's writes."""
        heard: list[str] = []
        with pytest.raises(Boom), flow.batch():  # noqa: PT012
            flow.create_project("p", Studio)
            flow.on_commit(lambda: heard.append("created p"))
            raise Boom
        assert heard == []
        assert flow.projects() == []
