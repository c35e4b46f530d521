"""Workflow events: plugins hear transitions and process events, after they commit."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import workflow_defs as defs
from extension_fixtures import TmpDists
from workflow_defs import Shot

import graftflow as gf
from graftflow.extensions import hookimpl, plugin_manager
from graftflow.plugins.workflow import Activation, DeciderProcess, Process, fire_process_event

pytest_plugins = ["extension_fixtures"]


class Listener:
    """A plugin registered in code that records what it hears."""

    def __init__(self, reader: gf.Store | None = None) -> None:
        self.heard: list[tuple[Any, ...]] = []
        self.store = reader

    @hookimpl
    def graftflow_on_transition(
        self, task: Activation, transition: str, source: str, target: str
    ) -> None:
        committed = None
        if self.store is not None:  # what another program reading the store sees now
            committed = gf.Flow(store=self.store).get_object(task.oid()).status.get()
        self.heard.append((task.name(), transition, source, target, committed))

    @hookimpl
    def graftflow_on_process_event(
        self, session: gf.Session, process: Process, event: str, data: dict[str, Any]
    ) -> None:
        self.heard.append((process.name(), event, data, session.user))


def listening_flow(store: gf.Store | None = None, **kw: Any) -> tuple[gf.Flow, Listener]:
    session = gf.Session(user="tester", environ={})
    listener = Listener(**kw)
    plugin_manager(session).register(listener, name="listener")
    return gf.Flow(session=session, store=store), listener


class TestHooks:
    def test_specs_added_by_the_workflow_plugin(self) -> None:
        """The installed workflow plugin adds its specs through the historic hook."""
        pm = plugin_manager(gf.Session(environ={}))
        assert pm.has_plugin("workflow")
        assert pm.hook.graftflow_add_hookspecs.spec.opts["historic"] is True
        assert pm.hook.graftflow_on_transition.has_spec()
        assert pm.hook.graftflow_on_process_event.has_spec()

    def test_transitions_and_events_heard_in_order(self) -> None:
        """Every transition and process event reaches the plugin, in order."""
        flow, listener = listening_flow()
        shot = flow.create_project("shot", Shot)
        process = shot.processes.start("p", defs.TWO_STEPS)
        process.execute()
        assert listener.heard == [
            ("p", "started", {"definition": "two_steps"}, "tester"),
            ("start-1", "done", "NEW", "DONE", None),
            ("first-1", "assign", "NEW", "ASSIGNED", None),
            ("first-1", "prepare", "ASSIGNED", "PREPARED", None),
            ("first-1", "done", "PREPARED", "DONE", None),
            ("second-1", "assign", "NEW", "ASSIGNED", None),
            ("second-1", "prepare", "ASSIGNED", "PREPARED", None),
            ("second-1", "done", "PREPARED", "DONE", None),
            ("end-1", "perform", "NEW", "DONE", None),
            ("p", "finished", {"end": "end"}, "tester"),
        ]

    def test_heard_after_commit(self, tmp_path: Path) -> None:
        """A listener reading the store from another flow sees the new status."""
        store = gf.SQLiteStore(tmp_path / "s.db")
        flow, listener = listening_flow(store, reader=gf.SQLiteStore(tmp_path / "s.db"))
        shot = flow.create_project("shot", Shot)
        process = shot.processes.start("p", defs.TWO_STEPS)
        listener.heard.clear()
        process.current_step().assign()  # type: ignore[union-attr]
        assert listener.heard == [("first-1", "assign", "NEW", "ASSIGNED", "ASSIGNED")]

    def test_nothing_heard_for_rolled_back_work(self) -> None:
        """A step whose action raises is rolled back: no listener hears its transitions."""
        flow, listener = listening_flow()
        shot = flow.create_project("shot", Shot)
        process = shot.processes.start("p", defs.FAILING)
        listener.heard.clear()
        with pytest.raises(ValueError, match="on fire"):
            process.execute_step()
        assert listener.heard == []

    def test_failing_listener_is_a_diagnostic(self) -> None:
        """A raising listener is recorded; the transition stands."""

        class Broken:
            @hookimpl
            def graftflow_on_transition(self, task: Activation) -> None:
                raise RuntimeError("cannot reach the tracker")

        session = gf.Session(user="tester", environ={})
        plugin_manager(session).register(Broken(), name="broken")
        flow = gf.Flow(session=session)
        process = flow.create_project("shot", Shot).processes.start("p", defs.TWO_STEPS)
        assert process.status.get() == "STARTED"
        (diagnostic,) = session.diagnostics
        assert diagnostic.source == "plugin broken"
        assert diagnostic.message == (
            "graftflow_on_transition raised RuntimeError: cannot reach the tracker"
        )
        assert diagnostic.count == 1  # one transition so far: the start's done

    def test_fire_process_event_for_other_parts(self) -> None:
        """The decider and workers report their own events through the same helper."""
        flow, listener = listening_flow()
        process = flow.create_project("shot", Shot).processes.start("p", defs.TWO_STEPS)
        listener.heard.clear()
        fire_process_event(process, "signal", name="approve", payload={"by": "lead"})
        assert listener.heard == [
            ("p", "signal", {"name": "approve", "payload": {"by": "lead"}}, "tester")
        ]

    def test_blocked_workflow_plugin(self) -> None:
        """With the workflow plugin blocked, firing still works (the specs are added)."""
        session = gf.Session(user="tester", environ={"GRAFTFLOW_BLOCKED": "workflow"})
        assert not plugin_manager(session).has_plugin("workflow")
        flow = gf.Flow(session=session)
        process = flow.create_project("shot", Shot).processes.start("p", defs.TWO_STEPS)
        assert process.execute() == "DONE"
        assert session.diagnostics == []


class Boom(Exception):
    pass


def in_failed_batch(flow: gf.Flow, *work: Callable[[], object]) -> None:
    """Run ``work`` in one batch of ``flow`` that then fails: all of it is rolled back."""
    with flow.batch():
        for step in work:
            step()
        raise Boom("the caller's batch fails")


class TestOnlyCommittedWorkIsHeard:
    """Issue 17: every event goes through the core's commit hook, on every store."""

    def test_an_outer_batch_that_raises_is_never_heard(self, store: gf.Store) -> None:
        flow, listener = listening_flow(store)
        shot = flow.create_project("shot", Shot)
        with pytest.raises(Boom):
            in_failed_batch(flow, lambda: shot.processes.start("early", defs.TWO_STEPS))
        assert listener.heard == []
        assert "early" not in shot.processes
        process = shot.processes.start("p", defs.TWO_STEPS)
        listener.heard.clear()
        task = process.current_step()
        assert task is not None
        with pytest.raises(Boom):
            in_failed_batch(flow, task.assign, task.prepare)
        assert listener.heard == []
        assert flow.get_object(task.oid()).status.get() == "NEW"
        with pytest.raises(Boom):
            in_failed_batch(flow, process.cancel)
        assert listener.heard == []
        assert process.status.get() == "STARTED"

    def test_heard_once_after_the_outermost_commit_in_order(self, store: gf.Store) -> None:
        flow, listener = listening_flow(store)
        process = flow.create_project("shot", Shot).processes.start("p", defs.TWO_STEPS)
        listener.heard.clear()
        task = process.current_step()
        assert task is not None
        with flow.batch():
            task.assign()
            with flow.batch():
                task.prepare()
            assert listener.heard == []  # nothing before the outermost commit
            task.done()
            assert listener.heard == []
        assert listener.heard == [
            ("first-1", "assign", "NEW", "ASSIGNED", None),
            ("first-1", "prepare", "ASSIGNED", "PREPARED", None),
            ("first-1", "done", "PREPARED", "DONE", None),
        ]

    def test_a_decider_in_a_failed_batch_is_never_heard(self, store: gf.Store) -> None:
        import workflow_jobs as jobs

        flow, listener = listening_flow(store)
        studio = flow.create_project("studio", jobs.Studio)
        with pytest.raises(Boom):
            in_failed_batch(
                flow, lambda: studio.processes.start("mult", jobs.MultiplyWorkflow, [3, 5])
            )
        assert listener.heard == []
        process = studio.processes.start("mult", jobs.MultiplyWorkflow, [3, 5])
        assert isinstance(process, DeciderProcess)
        assert [h[1] for h in listener.heard] == ["WorkflowStarted", "ActivityScheduled"]


class TestPluggyMachinery:
    """Issue 16: the hooks are called through pluggy, so its features work."""

    def test_wrapper_tryfirst_trylast_and_a_raising_listener(self) -> None:
        order: list[str] = []

        class Wrapper:
            @hookimpl(wrapper=True)
            def graftflow_on_transition(self, transition: str) -> Any:
                order.append(f"wrapper before {transition}")
                result = yield
                order.append(f"wrapper after {transition}")
                return result

        class First:
            @hookimpl(tryfirst=True)
            def graftflow_on_transition(self, transition: str) -> None:
                order.append(f"first {transition}")

        class Last:
            @hookimpl(trylast=True)
            def graftflow_on_transition(self, transition: str) -> None:
                order.append(f"last {transition}")

        class Plain:
            @hookimpl
            def graftflow_on_transition(self, transition: str) -> None:
                order.append(f"plain {transition}")

        class Broken:
            @hookimpl
            def graftflow_on_transition(self, transition: str) -> None:
                raise RuntimeError("cannot reach the tracker")

        session = gf.Session(user="tester", environ={})
        pm = plugin_manager(session)
        # Registered in an order that is not the call order, to show pluggy decides it.
        for plugin, name in ((Last(), "last"), (Plain(), "plain"), (First(), "first")):
            pm.register(plugin, name=name)
        pm.register(Broken(), name="broken")
        pm.register(Wrapper(), name="wrapper")
        flow = gf.Flow(session=session)
        flow.create_project("shot", Shot).processes.start("p", defs.TWO_STEPS)
        # The Start's one transition: the wrapper around everything, tryfirst first,
        # then the most recently registered plain one (broken, recorded), then plain,
        # trylast last; the raising listener stopped nobody.
        assert order == [
            "wrapper before done",
            "first done",
            "plain done",
            "last done",
            "wrapper after done",
        ]
        (diagnostic,) = session.diagnostics
        assert diagnostic.source == "plugin broken"
        assert diagnostic.message == (
            "graftflow_on_transition raised RuntimeError: cannot reach the tracker"
        )


class TestInstalledPlugin:
    def test_distribution_implementing_the_hooks(self, tmp_dists: TmpDists) -> None:
        """An installed plugin implements the workflow hooks: no unknown-hook diagnostic."""
        tmp_dists.module(
            "gfwf_listener",
            """
            from graftflow.plugins import hookimpl

            HEARD = []

            @hookimpl
            def graftflow_on_transition(task, transition, target):
                HEARD.append((task.name(), transition, target))

            @hookimpl
            def graftflow_on_process_event(event):
                HEARD.append(event)
            """,
        )
        tmp_dists.dist(
            "gfwf-listener", entry_points={"graftflow.plugins": {"wflisten": "gfwf_listener"}}
        )
        session = gf.Session(user="tester", environ={})
        flow = gf.Flow(session=session)
        process = flow.create_project("shot", Shot).processes.start("p", defs.TWO_STEPS)
        process.execute_step()
        heard = sys.modules["gfwf_listener"].HEARD
        assert heard[:3] == [
            "started",
            ("start-1", "done", "DONE"),
            ("first-1", "assign", "ASSIGNED"),
        ]
        assert session.diagnostics == []

    def test_misspelt_workflow_hook_still_reported(self, tmp_dists: TmpDists) -> None:
        """A misspelt workflow hook is reported, with the right suggestion."""
        tmp_dists.module(
            "gfwf_typo",
            """
            from graftflow.plugins import hookimpl

            @hookimpl
            def graftflow_on_transtion(task):
                pass
            """,
        )
        tmp_dists.dist("gfwf-typo", entry_points={"graftflow.plugins": {"wftypo": "gfwf_typo"}})
        session = gf.Session(environ={})
        plugin_manager(session)
        (diagnostic,) = session.diagnostics
        assert diagnostic.message == (
            "unknown hook 'graftflow_on_transtion' in plugin 'wftypo', so it is never called; "
            "did you mean 'graftflow_on_transition'?"
        )
