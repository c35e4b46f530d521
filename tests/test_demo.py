"""The demo project used by `graftflow demo`: believable and exercising every relation."""

from __future__ import annotations

import pytest

import graftflow as gf
from graftflow.plugins.demo import DemoProject, create_demo


@pytest.fixture
def demo(flow: gf.Flow) -> DemoProject:
    return create_demo(flow)


class TestDemo:
    def test_shape(self, demo: DemoProject) -> None:
        """Two films of two sequences of three shots of four department tasks."""
        assert list(demo.films) == ["f01", "f02"]
        for film in demo.films.mapped_items():
            assert list(film.sequences) == ["sq010", "sq020"]
            for sequence in film.sequences.mapped_items():
                assert list(sequence.shots) == ["sh0010", "sh0020", "sh0030"]
        shot = demo.films["f01"].sequences["sq010"].shots["sh0010"]
        assert list(shot.tasks) == ["layout", "animation", "lighting", "compositing"]
        assert demo.settings.get() == {"fps": 24, "resolution": [2048, 858]}

    def test_computed_values(self, demo: DemoProject) -> None:
        """frame_count follows the watched frame range; status rolls up from tasks."""
        shot = demo.root().get_object("/demo/films/f02/sequences/sq020/shots/sh0030")
        assert shot.frame_count.get() == 120
        shot.frame_in.set(1011)
        assert shot.frame_count.get() == 110
        assert [shot.tasks[t].status.get() for t in shot.tasks] == ["done", "done", "review", "wip"]
        assert shot.status.get() == "wip"
        for task in shot.tasks.mapped_items():
            task.status.set("done")
        assert shot.status.get() == "done"

    def test_links_and_action(self, demo: DemoProject) -> None:
        """Shots cast an asset, know their sequence, and bump their version."""
        shot = demo.root().get_object("/demo/films/f01/sequences/sq010/shots/sh0020")
        assert shot.hero.get() is demo.assets["lamp"]
        assert shot.sequence.oid() == "/demo/films/f01/sequences/sq010"
        assert shot.bump_version.get_buttons() == ["Run"]
        assert shot.bump_version.run("Run") == 1
        assert shot.bump_version.run("Run") == 2
        assert shot.version.get() == 2

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
                project = create_demo(flow, "scratch")
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
            project = create_demo(flow, "kept")
        assert flow.project("kept") is project
        assert len(gf.Flow(store=flow.store()).project("kept").films) == 2
