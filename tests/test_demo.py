"""The demo project used by `graftflow demo`: believable and exercising every relation."""

from __future__ import annotations

import pytest

import graftflow as gf
from graftflow.extensions import describe
from graftflow.plugins.demo import DEPARTMENTS, DemoProject, create_demo


@pytest.fixture
def demo(flow: gf.Flow) -> DemoProject:
    """A small demo (2 films x 2 sequences x 3 shots) on every store kind."""
    return create_demo(flow, sequences=2, shots=3)


class TestDemo:
    def test_full_size(self, memflow: gf.Flow) -> None:
        """The default demo is big enough for laziness to matter: 1,200 shots, 4,800
        tasks, and progress is reported after each sequence."""
        done: list[int] = []
        project = create_demo(memflow, progress=done.append)
        assert done == list(range(60, 1201, 60))
        films = project.films
        assert sum(len(seq.shots) for f in films for seq in films[f].sequences.mapped_items()) == (
            1200
        )
        store = memflow.store()
        tasks = sum(
            store.ordered_len(f"{shot.oid()}/tasks")
            for f in films
            for seq in films[f].sequences.mapped_items()
            for shot in seq.shots.mapped_items()
        )
        assert tasks == 4800

    def test_shape(self, demo: DemoProject) -> None:
        """Films of sequences of shots of the four department tasks, and assets."""
        assert list(demo.films) == ["f01", "f02"]
        assert [demo.films[f].title.get() for f in demo.films] == ["The Attic", "Lamp Light"]
        for film in demo.films.mapped_items():
            assert list(film.sequences) == ["sq010", "sq020"]
            for sequence in film.sequences.mapped_items():
                assert list(sequence.shots) == ["sh0010", "sh0020", "sh0030"]
        shot = demo.films["f01"].sequences["sq010"].shots["sh0010"]
        assert list(shot.tasks) == list(DEPARTMENTS)
        assert list(demo.assets) == ["bob", "mouse", "lamp", "attic"]
        assert demo.settings.get() == {"fps": 24, "resolution": [2048, 858]}

    def test_status_rolls_up(self, demo: DemoProject) -> None:
        """A shot is as far as its least advanced task; a sequence as its least advanced
        shot; a film as its least advanced sequence."""
        sequence = demo.films["f01"].sequences["sq010"]
        shot = sequence.shots["sh0010"]
        assert [t.status.get() for t in shot.tasks.mapped_items()] == ["done"] * 4
        assert [s.status.get() for s in sequence.shots.mapped_items()] == ["done"] * 3
        assert sequence.status.get() == "done"
        assert demo.films["f01"].sequences["sq020"].status.get() == "wip"
        assert demo.films["f01"].status.get() == "wip"
        shot.tasks["lighting"].status.set("todo")
        assert shot.status.get() == "todo"
        assert sequence.status.get() == "todo"
        assert demo.films["f01"].status.get() == "todo"

    def test_frame_count_follows_the_range(self, demo: DemoProject) -> None:
        shot = demo.root().get_object("/demo/films/f02/sequences/sq020/shots/sh0030")
        assert shot.frame_count.get() == 120
        shot.frame_in.set(1011)
        assert shot.frame_count.get() == 110

    def test_links_and_actions(self, demo: DemoProject) -> None:
        """Shots cast an asset and know their sequence and film; actions publish a task
        and bump a shot's version."""
        shot = demo.root().get_object("/demo/films/f01/sequences/sq010/shots/sh0020")
        assert shot.hero.get() is demo.assets["lamp"]
        assert shot.sequence.oid() == "/demo/films/f01/sequences/sq010"
        assert shot.film.oid() == "/demo/films/f01"
        assert shot.bump_version.get_buttons() == ["Run"]
        assert shot.bump_version.run("Run") == 1
        assert shot.bump_version.run("Run") == 2
        assert shot.version.get() == 2
        task = shot.tasks["compositing"]
        task.publish.comment.set("slap comp")
        assert task.publish.run("Run") == 1
        assert (task.status.get(), task.version.get()) == ("review", 1)
        assert task.last_comment.get() == "slap comp"
        assert task.shot.oid() == shot.oid()

    def test_the_override(self, demo: DemoProject) -> None:
        """The demo plugin's extension gives "Lamp Light" shots 12 frames of handles;
        the other film keeps the base param's 8."""
        flow = demo.root()
        lamp = flow.get_object("/demo/films/f02/sequences/sq010/shots/sh0010")
        attic = flow.get_object("/demo/films/f01/sequences/sq010/shots/sh0010")
        assert (lamp.handles.get(), attic.handles.get()) == (12, 8)
        (record,) = [r for r in describe(lamp) if r.name == "handles"]
        assert (record.origin, record.weight) == ("lamp_light_handles", 5)
        assert [b.origin for b in record.beaten] == ["base"]
        assert [r.origin for r in describe(attic) if r.name == "handles"] == ["base"]
        lamp.handles.set(10)  # the overriding param stores like the base one
        assert gf.Flow(store=flow.store()).get_object(lamp.handles.oid()).get() == 10

    def test_create_is_all_or_nothing(self, flow: gf.Flow, demo: DemoProject) -> None:
        """Creating the demo twice fails and leaves the first one untouched."""
        before = flow.store().ordered_len("/demo/films")
        with pytest.raises(gf.ExistsError, match="a project named 'demo' already exists"):
            create_demo(flow)
        assert flow.projects() == ["demo"]
        assert flow.store().ordered_len("/demo/films") == before

    def test_reopens_from_the_store(self, flow: gf.Flow, demo: DemoProject) -> None:
        """Another flow on the same store rebuilds the same types and values."""
        again = gf.Flow(store=flow.store()).project("demo")
        assert type(again) is DemoProject
        shot = again.films["f01"].sequences["sq020"].shots["sh0030"]
        assert shot.hero.get() is again.assets["bob"]
        assert shot.frame_count.get() == 120


class TestFlowBatch:
    def test_failed_batch_forgets_what_it_built(self, flow: gf.Flow) -> None:
        """Objects built inside a failed flow batch are not served from caches afterwards."""

        def create_then_fail() -> None:
            with flow.batch():
                project = create_demo(flow, "scratch", sequences=1, shots=2)
                assert project.films["f01"].title.get() == "The Attic"
                raise RuntimeError("midway")

        with pytest.raises(RuntimeError, match="midway"):
            create_then_fail()
        assert flow.projects() == []
        with pytest.raises(gf.MissingChildError, match="there is no project 'scratch'"):
            flow.project("scratch")
        assert flow.store().ordered_len("/scratch/films") == 0

    def test_successful_batch_commits(self, flow: gf.Flow) -> None:
        """A flow batch that succeeds keeps everything, cached objects included."""
        with flow.batch():
            project = create_demo(flow, "kept", sequences=1, shots=2)
        assert flow.project("kept") is project
        assert len(gf.Flow(store=flow.store()).project("kept").films) == 2
