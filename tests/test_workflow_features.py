"""The workflow seeds' remaining features (issue 15) and the loose ends of issues 12,
16 and 17: who may start a process, code choosing the next step, activities as classes
and decide()'s shorthand, state keys by dot, finished processes refusing transitions,
the package's one table of names."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import workflow_defs as defs
import workflow_jobs as jobs
from workflow_defs import Shot
from workflow_jobs import FakeClock

import graftflow as gf
import graftflow.plugins.workflow as workflow
from graftflow.plugins.workflow import (
    DefinitionError,
    HumanTask,
    JobCanceled,
    JobLost,
    Process,
    RetryPolicy,
    StartTask,
    StateValue,
    TaskPermissionError,
    TransitionError,
    Worker,
    WorkflowError,
    WorkQueue,
    _state,
    load_definition,
    to_dot,
)
from graftflow.plugins.workflow._clock import set_clock

ROOT = Path(__file__).parent.parent


def flow_for(user: str, store: gf.Store | None = None) -> gf.Flow:
    return gf.Flow(session=gf.Session(user=user, environ={}), store=store)


def walk(task: HumanTask, **input: Any) -> None:
    task.assign()
    task.prepare()
    task.done(**input)


class TestStartAsAPersonsTask:
    """viewflow's StartActivation: has_perm(user) is asked when a user starts."""

    def test_only_the_starts_users_may_start(self) -> None:
        store = gf.MemoryStore()
        shot = flow_for("ann", store).create_project("shot", Shot)
        with pytest.raises(TaskPermissionError) as info:
            shot.processes.start("p", defs.LEADS_ONLY)
        assert str(info.value) == (
            "/shot/processes/p/tasks/start-1: user 'ann' may not 'done': only lead, sup may "
            "start a 'leads_only' process"
        )
        assert len(shot.processes) == 0  # nothing was written
        as_lead = flow_for("lead", store).get_object("/shot")
        process = as_lead.processes.start("p", defs.LEADS_ONLY)
        (start,) = [t for t in process.task_list() if isinstance(t, StartTask)]
        assert start.status.get() == "DONE"
        done = process.history.records(what="done")[0]
        assert (done["task"], done["who"]) == ("start-1", "lead")
        assert [t.node.get() for t in process.active_tasks()] == ["work"]

    def test_a_task_type_of_ones_own_decides(self, memflow: gf.Flow) -> None:
        """A process type's StartTask subclass: its has_perm() is what is asked."""
        shot = memflow.create_project("shot", Shot)
        with pytest.raises(TaskPermissionError, match="the pipeline is frozen"):
            shot.processes.start("p", defs.TWO_STEPS, process_type=FrozenProcess)

    def test_from_a_file(self, tmp_path: Path) -> None:
        path = tmp_path / "leads.toml"
        path.write_text(
            'name = "leads"\n[nodes.start]\nkind = "start"\nnext = "end"\n'
            'users = ["lead"]\n[nodes.end]\nkind = "end"\n',
            encoding="utf-8",
        )
        assert load_definition(path).start.users == ("lead",)


class FrozenStart(StartTask):
    def has_perm(self, user: str) -> bool:
        return False

    def _perm_reason(self, user: str) -> str:
        return "the pipeline is frozen"


class FrozenProcess(Process):
    TASK_TYPES = {**Process.TASK_TYPES, "start": FrozenStart}


class TestCodeChoosesTheNextStep:
    """richardschris/flow: a step selector (a Goto node), or a jump (process.goto)."""

    def test_goto_node_picks_among_its_choices(self, memflow: gf.Flow) -> None:
        shot = memflow.create_project("shot", Shot)
        skipping = shot.processes.start("skip", defs.GOTO)
        skipping.execute_step(custom_data={"go": "third"})
        assert [t.node.get() for t in skipping.active_tasks()] == ["third"]
        plain = shot.processes.start("plain", defs.GOTO)
        plain.execute_step()
        assert [t.node.get() for t in plain.active_tasks()] == ["second"]

    def test_a_choice_it_does_not_list_is_an_error(self, memflow: gf.Flow) -> None:
        """The selector cannot jump outside the graph: the gate goes to ERROR."""
        shot = memflow.create_project("shot", Shot)
        process = shot.processes.start("p", defs.GOTO)
        process.execute_step(custom_data={"go": "end"})
        (route,) = process.active_tasks()
        assert route.status.get() == "ERROR"
        assert (
            "workflow_defs:pick_next chose 'end', which is not one of the goto's choices "
            "(second, third)"
        ) in route.error.get()
        process.state["go"] = "second"
        route.fire("retry")
        assert [t.node.get() for t in process.active_tasks()] == ["second"]

    def test_goto_is_data_like_every_node(self) -> None:
        data = defs.GOTO.to_data()
        assert data["nodes"][2] == {
            "kind": "goto",
            "name": "route",
            "func": "workflow_defs:pick_next",
            "choices": ["second", "third"],
        }
        assert workflow.Definition.from_data(data) == defs.GOTO
        edges = re.findall(r'"route" -> "(\w+)"', to_dot(defs.GOTO))
        assert edges == ["second", "third"]
        with pytest.raises(DefinitionError, match="field 'choices': a goto needs choices"):
            workflow.Goto("g", func=defs.pick_next, choices=[])
        with pytest.raises(DefinitionError, match=r"field 'choices\[1\]': unknown node 'fourth'"):
            workflow.Definition(
                "d",
                [
                    workflow.Start("s", next="g"),
                    workflow.Goto("g", func=defs.pick_next, choices=["e", "fourth"]),
                    workflow.End("e"),
                ],
            )

    def test_process_goto_moves_the_current_step(self, memflow: gf.Flow) -> None:
        """``workflow.current_step = step``: the open step is cancelled, the chosen one
        waits, and the history says so."""
        shot = memflow.create_project("shot", Shot)
        process = shot.processes.start("p", defs.TWO_STEPS)
        walk(process.current_step())  # type: ignore[arg-type]
        second = process.current_step()
        assert second is not None
        again = process.goto("first")
        assert again.name() == "first-2"
        assert second.status.get() == "CANCELED"
        assert [t.name() for t in process.active_tasks()] == ["first-2"]
        record = process.history.records(what="goto")[0]
        assert (record["node"], record["canceled"], record["who"]) == (
            "first",
            ["second-1"],
            "tester",
        )
        assert process.execute() == "DONE"

    def test_process_goto_refusals(self, memflow: gf.Flow) -> None:
        shot = memflow.create_project("shot", Shot)
        process = shot.processes.start("p", defs.TWO_STEPS)
        with pytest.raises(WorkflowError, match="cannot go to 'end', a end node"):
            process.goto("end")
        with pytest.raises(DefinitionError, match="no such node; did you mean 'second'"):
            process.goto("secnd")
        task = process.current_step()
        assert task is not None
        task.assign()
        task.prepare()
        with pytest.raises(WorkflowError, match="first-1 cannot be cancelled now"):
            process.goto("second")
        parallel = shot.processes.start("par", defs.PARALLEL)
        with pytest.raises(WorkflowError, match="while parallel branches are open"):
            parallel.goto("after")
        process.cancel()
        with pytest.raises(WorkflowError, match="is CANCELED, not running"):
            process.goto("first")


@pytest.fixture
def clock(flow: gf.Flow) -> Iterator[FakeClock]:
    jobs.CLOCK.now = 1_000_000.0
    restore = set_clock(flow, jobs.CLOCK)
    yield jobs.CLOCK
    restore()


class TestActivityClasses:
    """pyworkflow: activities as classes, timeouts as class attributes; decide() may
    return the class (or a list) as shorthand for scheduling it."""

    def test_decide_returns_the_class(self, flow: gf.Flow, clock: FakeClock) -> None:
        studio = flow.create_project("studio", jobs.Studio)
        process = studio.processes.start("p", jobs.ShorthandWorkflow, [6, 7])
        [scheduled] = process.events("ActivityScheduled")
        assert scheduled["function"] == "workflow_jobs:MultiplicationActivity"
        assert scheduled["input"] == [6, 7]  # the process's input
        job = WorkQueue(flow).job(scheduled["job"])
        assert (job.schedule_to_start, job.start_to_close, job.heartbeat_timeout) == (
            300.0,
            10.0,
            5.0,
        )
        assert job.retry == RetryPolicy(max_attempts=2, retryable=("OSError",))
        Worker(flow).run_once()
        assert (process.status.get(), process.result.get()) == ("completed", 42)

    def test_a_list_of_classes_and_their_queues(self, flow: gf.Flow, clock: FakeClock) -> None:
        studio = flow.create_project("studio", jobs.Studio)
        process = studio.processes.start("p", jobs.TwoActivitiesWorkflow, [2, 3])
        queues = {e["activity_id"]: e["queue"] for e in process.events("ActivityScheduled")}
        assert queues == {"MultiplicationActivity-1": "default", "RenderActivity-2": "render"}
        Worker(flow).run_once()
        Worker(flow, "render").run_once()
        assert process.result.get() == ["6", "rendered [2, 3]"]

    def test_an_activity_cancels_itself(self, flow: gf.Flow, clock: FakeClock) -> None:
        studio = flow.create_project("studio", jobs.Studio)
        process = studio.processes.start("p", jobs.ShorthandWorkflow, [11, 2])
        event = Worker(flow).run_once()
        assert event is not None
        assert event["event"] == "canceled"
        [canceled] = process.events("ActivityCanceled")
        assert canceled["reason"] == "first operand must be <= 10"

    def test_anything_else_fails_the_decision(self, flow: gf.Flow, clock: FakeClock) -> None:
        studio = flow.create_project("studio", jobs.Studio)
        process = studio.processes.start("p", jobs.WrongAnswerWorkflow)
        assert process.status.get() == "failed"
        [failed] = process.events("DecisionFailed")
        assert (
            "decide() returned 'multiply', which is neither a Decision nor an Activity class"
            in failed["error"]
        )

    def test_a_job_node_naming_an_activity_class(self, memflow: gf.Flow) -> None:
        """A graph's Job node may name the class: its attributes give the job's options."""
        node = workflow.Job("mult", next="end", func=jobs.MultiplicationActivity)
        definition = workflow.Definition(
            "act", [workflow.Start("start", next="mult"), node, workflow.End("end")]
        )
        shot = memflow.create_project("shot", Shot)
        process = shot.processes.start("p", definition, state={"x": 1})
        (task,) = process.active_tasks()
        job = WorkQueue(memflow).job(task.job_id.get())
        assert (job.function, job.start_to_close) == ("workflow_jobs:MultiplicationActivity", 10)
        render = workflow.Job("render", next="end", func=jobs.RenderActivity, input_key="x")
        definition = workflow.Definition(
            "render", [workflow.Start("start", next="render"), render, workflow.End("end")]
        )
        process = shot.processes.start("r", definition, state={"x": 1})
        (task,) = process.active_tasks()
        assert task.job_queue.get() == "render"  # the class's queue
        Worker(memflow, "render").run_once()
        assert (task.status.get(), task.result.get()) == ("DONE", "rendered 1")
        assert process.status.get() == "DONE"


class TestStateKeys:
    def test_dot_access_gives_every_key_but_the_handles_names(self, memflow: gf.Flow) -> None:
        shot = memflow.create_project("shot", Shot)
        process = shot.processes.start("p", defs.TWO_STEPS, state={"take": 3, "shot": "sh010"})
        state = process.state
        assert (state.take, state.shot) == (3, "sh010")
        state.approved = True
        assert state["approved"] is True
        state["name"] = "hero"  # a handle's name: reached with []
        assert state["name"] == "hero"
        assert callable(state.name)  # the value's own method, as the docs say
        with pytest.raises(AttributeError, match=r"'name' is a name of the state handle"):
            state.name = "other"
        with pytest.raises(AttributeError, match="has no key 'missing'"):
            _ = state.missing

    def test_the_docs_list_the_handles_names_exactly(self) -> None:
        """The docs say which keys need state["..."]; the list is the handle's names."""
        names = sorted(n for n in dir(StateValue) if not n.startswith("_"))
        for text in ((ROOT / "docs" / "workflow.md").read_text(encoding="utf-8"), _state.__doc__):
            assert text is not None
            found = re.search(r"except the\s+handle's own names.*?exactly\s(.*?)\(", text, re.S)
            assert found is not None
            listed = sorted(re.findall(r"``(\w+)``|`(\w+)`", found.group(1)))
            assert sorted(a or b for a, b in listed) == names


class TestFinishedProcesses:
    """Issue 12: a task of a DONE or CANCELED process cannot move any more."""

    def test_undo_after_the_end_is_refused(self, memflow: gf.Flow) -> None:
        shot = memflow.create_project("shot", Shot)
        process = shot.processes.start("p", defs.TWO_STEPS)
        assert process.execute() == "DONE"
        first = process.task_list()[1]
        assert first.status.get() == "DONE"
        assert first.available_transitions() == []
        with pytest.raises(TransitionError) as info:
            first.fire("undo")
        assert str(info.value) == (
            "/shot/processes/p/tasks/first-1: cannot 'undo' (its process "
            "/shot/processes/p is DONE); status DONE, allowed: none"
        )
        assert first.status.get() == "DONE"

    def test_a_cancelled_process_moves_nothing(self, memflow: gf.Flow) -> None:
        shot = memflow.create_project("shot", Shot)
        process = shot.processes.start("p", defs.PARALLEL)
        a, _b, _c = process.active_tasks()
        a.assign()
        a.prepare()  # PREPARED has no cancel: it stays open in the cancelled process
        process.cancel()
        assert a.status.get() == "PREPARED"
        with pytest.raises(TransitionError, match=r"its process /shot/processes/p is CANCELED"):
            a.fire("done")


class TestLooseEnds:
    def test_job_errors_are_graftflow_errors(self) -> None:
        assert issubclass(JobCanceled, gf.GraftflowError)
        assert issubclass(JobLost, gf.GraftflowError)

    def test_one_table_of_public_names(self) -> None:
        """Every listed name resolves; test hooks stay private; the queue's record and
        the graph's node have their own names."""
        names = workflow.__all__
        assert names == sorted(names)
        assert [name for name in names if not hasattr(workflow, name)] == []
        assert {"set_clock", "MAX_LOST", "fire_transition"}.isdisjoint(names)
        assert workflow.JobRecord.__name__ == "JobRecord"
        assert workflow.Job.__name__ == "Job"
        assert workflow.Job is not workflow.JobRecord
        assert set(names) <= set(dir(workflow))
        with pytest.raises(AttributeError, match="has no attribute 'set_clock'"):
            _ = workflow.set_clock

    def test_nodes_are_described_once(self) -> None:
        """One description per node kind: Python and data go through the same checks."""
        with pytest.raises(DefinitionError, match=r"Task: node 'a': field 'users\[1\]'"):
            workflow.Task("a", next="b", users=["ann", 3])  # type: ignore[list-item]
        from graftflow.plugins.workflow._nodes import node_from_data

        with pytest.raises(
            DefinitionError, match=r"stored definition: node 'a': field 'users\[1\]'"
        ):
            node_from_data({"kind": "task", "name": "a", "next": "b", "users": ["ann", 3]})
        job = workflow.Job("j", next="e", func=defs.multiply, retry={"max_attempts": 2})
        assert job.retry == RetryPolicy(max_attempts=2)
        assert hash(job) == hash(
            workflow.Job(
                "j", next="e", func="workflow_defs:multiply", retry=RetryPolicy(max_attempts=2)
            )
        )


class TestWorkThatFailsVersusAMistake:
    def test_wrong_arguments_are_the_callers_mistake_not_the_works(self, memflow: gf.Flow) -> None:
        """A gate's retry with an argument its work does not take raises at once; the
        task does not go to ERROR as if its work had failed."""
        shot = memflow.create_project("shot", Shot)
        process = shot.processes.start("p", defs.FUNCS, state={"value": 3})
        (flaky,) = process.active_tasks()
        assert flaky.status.get() == "ERROR"
        error = flaky.error.get()
        with pytest.raises(TypeError, match=r"flaky-1: 'retry' got an unexpected keyword"):
            flaky.fire("retry", force=True)
        assert (flaky.status.get(), flaky.error.get()) == ("ERROR", error)
        task = shot.processes.start("q", defs.TWO_STEPS).current_step()
        assert task is not None
        with pytest.raises(TypeError, match=r"'assign' got an unexpected keyword argument 'who'"):
            task.fire("assign", who="ann")
        assert task.status.get() == "NEW"
