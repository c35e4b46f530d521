"""Processes: the seeds' examples, gates, split/join, End, jobs, persistence and restart."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import workflow_defs as defs
from conftest import PythonRunner
from workers import run_together
from workflow_defs import Shot, StudioProcess
from workflow_jobs import FakeClock

import graftflow as gf
from graftflow.plugins.workflow import (
    Gate,
    HumanTask,
    JobRecord,
    JobTask,
    JoinGate,
    Process,
    RetryPolicy,
    StateValue,
    TransitionError,
    WorkflowError,
    WorkQueue,
)
from graftflow.plugins.workflow._clock import set_clock


def start(flow: gf.Flow, definition: Any, **state: Any) -> Process:
    shot = flow.create_project("shot", Shot)
    return shot.processes.start("p", definition, process_type=StudioProcess, state=state)


def nodes(tasks: list[Any]) -> list[str]:
    return [task.node.get() for task in tasks]


class TestSeedExamples:
    """The "flow" library's README examples, as processes."""

    def test_two_steps_print(self, flow: gf.Flow, capsys: pytest.CaptureFixture[str]) -> None:
        """A two-step workflow printing a message: one step per execute_step()."""
        process = start(flow, defs.TWO_STEPS)
        first = process.execute_step()
        assert capsys.readouterr().out == "Hello, world!\n"
        assert (first.node.get(), first.status.get()) == ("first", "DONE")
        assert process.current_step().node.get() == "second"  # type: ignore[union-attr]
        process.execute_step()
        assert capsys.readouterr().out == "Goodbye!\n"
        assert process.status.get() == "DONE"
        assert process.current_step() is None

    def test_execute_runs_to_the_end(
        self, flow: gf.Flow, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """execute() runs every step until the End."""
        process = start(flow, defs.TWO_STEPS)
        assert process.execute() == "DONE"
        assert capsys.readouterr().out == "Hello, world!\nGoodbye!\n"
        assert process.finished.get() != ""

    def test_execute_stops_an_endless_loop(self, memflow: gf.Flow) -> None:
        """execute() with no input on a loop that needs input stops after max_steps."""
        process = start(memflow, defs.LOOP)
        with pytest.raises(
            WorkflowError, match="execute\\(\\) ran 5 steps and the process goes on"
        ):
            process.execute(max_steps=5)
        assert process.state.visits == 3  # work, review, work, review, work: all kept

    def test_user_input_updates_state(self, flow: gf.Flow) -> None:
        """execute_step(custom_data=...) feeds the step's action, which updates the state."""
        process = start(flow, defs.USER_INPUT, shot="sh010")
        process.execute_step(custom_data={"yolo": "swag"})
        assert process.state.get() == {"shot": "sh010", "yolo": "swag"}
        assert process.state.yolo == "swag"
        assert process.status.get() == "DONE"

    @pytest.mark.parametrize(("skip", "visited"), [(True, False), (False, True)])
    def test_choice_step_skips(self, flow: gf.Flow, skip: bool, visited: bool) -> None:
        """A choice step (Switch on the state) skips "second" when the user says so."""
        process = start(flow, defs.CHOICE)
        process.execute_step()
        process.execute_step(custom_data={"skip_me": skip})
        expected = "third" if skip else "second"
        assert process.current_step().node.get() == expected  # type: ignore[union-attr]
        process.execute()
        assert process.status.get() == "DONE"
        assert ("second" in nodes(process.task_list())) is visited
        assert ("visits" in process.state) is visited

    def test_going_back(self, flow: gf.Flow) -> None:
        """A rejected review sends the process back to "work"; state counts the visits."""
        process = start(flow, defs.LOOP)
        process.execute_step()
        process.execute_step(custom_data={"approved": False})
        assert process.current_step().name() == "work-2"  # type: ignore[union-attr]
        process.execute_step()
        process.execute_step(custom_data={"approved": True})
        assert process.status.get() == "DONE"
        assert process.state.visits == 2
        assert nodes(process.task_list()).count("approved") == 2


class TestState:
    def test_dot_access(self, memflow: gf.Flow) -> None:
        """The state reads and writes by attribute and by key, and stays a dict param."""
        process = start(memflow, defs.USER_INPUT, take=1)
        state = process.state
        assert isinstance(state, StateValue)
        state.take = 2
        state["notes"] = {"lead": "ok"}
        state.update(frames=24)
        assert state.get() == {"take": 2, "notes": {"lead": "ok"}, "frames": 24}
        assert "take" in state
        assert len(state) == 3
        assert sorted(state) == [
            "frames",
            "notes",
            "take",
        ]
        del state["frames"]
        assert memflow.get_object(process.oid() + "/state").get() == {
            "take": 2,
            "notes": {"lead": "ok"},
        }
        with pytest.raises(AttributeError, match="has no key 'missing'"):
            _ = state.missing

    def test_state_is_json_only(self, memflow: gf.Flow) -> None:
        """A value JSON cannot hold is refused, naming the state's oid."""
        process = start(memflow, defs.USER_INPUT)
        with pytest.raises(gf.InvalidValueError, match="/state"):
            process.state.when = {1, 2}


class TestGates:
    def test_split_and_join_wait_for_every_branch(self, flow: gf.Flow) -> None:
        """Split gives each branch its token; Join continues once all are DONE."""
        process = start(flow, defs.PARALLEL)
        a, b, c = process.active_tasks()
        assert [t.token.get() for t in (a, b, c)] == [
            "start/split-1/0",
            "start/split-1/1",
            "start/split-1/2",
        ]
        for task in (a, b):
            task.assign()
            task.prepare()
            task.done()
        (join,) = [t for t in process.task_list() if isinstance(t, JoinGate)]
        assert join.status.get() == "NEW"
        assert join.available_transitions() == ["cancel"]
        with pytest.raises(TransitionError, match=r"condition branches_finished\(\) is false"):
            join.perform()
        assert "after" not in nodes(process.task_list())
        c.assign()
        c.prepare()
        c.done()
        assert join.status.get() == "DONE"
        assert join.token.get() == "start"
        assert sorted(join.previous.get()) == sorted(t.name() for t in (a, b, c))
        assert nodes(process.active_tasks()) == ["after"]
        assert len([t for t in process.task_list() if isinstance(t, JoinGate)]) == 1

    def test_join_counts_canceled_branches(self, flow: gf.Flow) -> None:
        """A canceled branch counts as finished: cancelling the last one releases the join."""
        process = start(flow, defs.PARALLEL)
        a, b, c = process.active_tasks()
        a.cancel()
        b.assign()
        b.prepare()
        b.done()
        assert "after" not in nodes(process.active_tasks())
        c.cancel()
        assert nodes(process.active_tasks()) == ["after"]

    def test_end_cancels_active_tasks(self, flow: gf.Flow) -> None:
        """The first branch at End finishes the process and cancels the others."""
        process = start(flow, defs.RACE, operands=[2, 3])
        fast, slow, job = process.active_tasks()
        assert isinstance(job, JobTask)
        assert job.status.get() == "SCHEDULED"
        fast.assign()
        fast.prepare()
        fast.done()
        assert process.status.get() == "DONE"
        assert (slow.status.get(), job.status.get()) == ("CANCELED", "CANCELED")
        assert WorkQueue(flow).job(job.job_id.get()).status == "canceled"
        assert process.active_tasks() == []
        with pytest.raises(WorkflowError, match="is DONE, not running"):
            process.execute_step()

    def test_func_error_then_retry(self, flow: gf.Flow) -> None:
        """A raising Func goes to ERROR with its traceback; its writes roll back; retry."""
        process = start(flow, defs.FUNCS, value=3)
        (flaky,) = process.active_tasks()
        assert isinstance(flaky, Gate)
        assert flaky.status.get() == "ERROR"
        assert "RuntimeError: not yet" in flaky.error.get()
        assert "Traceback" in flaky.error.get()
        assert process.state.get() == {"value": 6}  # `tries` was rolled back
        with pytest.raises(WorkflowError, match=r"flaky-1 \(ERROR\)"):
            process.execute_step()
        process.state.allow = True
        flaky.retry()
        assert flaky.status.get() == "DONE"
        assert flaky.error.get() == ""
        state = process.state.get()
        assert state["flaky"] == "passed"
        assert state["handled_by"].endswith("/tasks/handler-1")
        assert nodes(process.active_tasks()) == ["small"]  # is_big(6) is false

    def test_if_condition_function(self, flow: gf.Flow) -> None:
        """If with a condition function takes the `then` edge when it holds."""
        process = start(flow, defs.FUNCS, value=30, allow=True)
        assert process.status.get() == "DONE"
        assert "small" not in nodes(process.task_list())


@pytest.fixture
def clock(flow: gf.Flow) -> Iterator[FakeClock]:
    fake = FakeClock()
    restore = set_clock(flow, fake)
    yield fake
    restore()


def claim(flow: gf.Flow, task: JobTask) -> JobRecord:
    """A worker's claim of the task's job (the queue tells the task once it commits)."""
    held = WorkQueue(flow).claim("w", 30)
    assert held is not None
    assert held.id == task.job_id.get()
    return held


class TestJobs:
    """Job tasks on the real work queue, its records driven as a worker drives them
    (workers themselves run them in test_workflow_integration)."""

    def test_job_runs_to_done(self, flow: gf.Flow) -> None:
        """Submitted with its input and retry policy; the queue's news finishes it."""
        process = start(flow, defs.JOB, operands=[3, 4])
        (job,) = process.active_tasks()
        assert isinstance(job, JobTask)
        assert job.status.get() == "SCHEDULED"
        assert job.attempt.get() == 1
        queue = WorkQueue(flow)
        record = queue.job(job.job_id.get())
        assert (record.owner, record.function, record.input) == (
            job.oid(),
            "workflow_defs:multiply",
            [3, 4],
        )
        assert record.retry == RetryPolicy(max_attempts=2)
        held = claim(flow, job)
        assert job.status.get() == "STARTED"
        beats: list[int] = []
        context = SimpleNamespace(input=[3, 4], heartbeat=lambda: beats.append(1))
        assert queue.complete(held, defs.multiply(context)) is not None
        assert job.status.get() == "DONE"
        assert job.result.get() == 12
        assert len(beats) == 3
        assert process.state.product == 12
        assert nodes(process.active_tasks()) == ["check"]

    def test_failed_job_keeps_traceback_and_retries(self, flow: gf.Flow, clock: FakeClock) -> None:
        """A failed job is ERROR with the traceback; retry submits it again."""
        process = start(flow, defs.JOB, operands=[3, 4])
        (job,) = process.active_tasks()
        queue = WorkQueue(flow)
        first_id = job.job_id.get()
        held = claim(flow, job)
        trace = 'Traceback (most recent call last):\n  ...\nValueError: "bad operands"\n'
        # The node's policy (max_attempts=2) runs it again once, then a person decides.
        again = queue.fail_with(held, trace, "ValueError")
        assert again is not None
        assert (again.status, job.status.get()) == ("queued", "STARTED")
        clock.advance(1.0)  # the policy's backoff
        failed = queue.fail_with(claim(flow, job), trace, "ValueError")
        assert failed is not None
        assert failed.status == "failed"
        assert job.status.get() == "ERROR"
        assert job.error.get() == trace
        assert job.available_transitions() == ["retry", "restart", "undo", "cancel"]
        job.retry()
        assert job.status.get() == "SCHEDULED"
        assert job.job_id.get() != first_id
        assert queue.job(first_id).status == "failed"  # the old job stays as it ended
        held = claim(flow, job)
        assert queue.complete(held, 12) is not None
        assert job.status.get() == "DONE"
        assert process.state.product == 12
        transitions = [r["what"] for r in process.history.records()]
        assert transitions.count("start") == 2

    def test_a_late_job_is_ignored(self, flow: gf.Flow) -> None:
        """News of a job the task no longer waits for changes nothing."""
        process = start(flow, defs.JOB, operands=[3, 4])
        (job,) = process.active_tasks()
        queue = WorkQueue(flow)
        old = claim(flow, job)
        job.retry()  # a person replaces the stuck job: the old one is canceled
        assert queue.job(old.id).status == "canceled"
        assert queue.complete(old, 0) is None  # the old attempt is fenced off
        job.job_finished(old)  # and its record, told anyway, is not this task's job
        assert job.status.get() == "SCHEDULED"

    def test_queue_canceled_job(self, flow: gf.Flow) -> None:
        """A job canceled in the queue (by someone else) cancels its task."""
        process = start(flow, defs.JOB, operands=[1, 1])
        (job,) = process.active_tasks()
        queue = WorkQueue(flow)
        assert queue.cancel(job.job_id.get(), "not needed", notify=True)
        assert job.status.get() == "CANCELED"
        assert process.history.records()[-1]["what"] == "cancel"

    def test_real_submit(self, flow: gf.Flow) -> None:
        """The plain JobTask submits to the store's WorkQueue (run by workers in
        test_workflow_integration)."""
        shot = flow.create_project("shot", Shot)
        process = shot.processes.start("p", defs.JOB, state={"operands": [1, 2]})
        (job,) = process.active_tasks()
        assert job.status.get() == "SCHEDULED"
        assert WorkQueue(flow).job(job.job_id.get()).owner == job.oid()


class TestAtomicity:
    def test_failing_action_changes_nothing(self, flow: gf.Flow) -> None:
        """An action that raises undoes the whole step: status, state and history."""
        process = start(flow, defs.FAILING)
        (task,) = process.active_tasks()
        history = len(process.history)
        with pytest.raises(ValueError, match="on fire"):
            process.execute_step()
        task = flow.get_object(task.oid())
        assert task.status.get() == "NEW"
        assert task.assignee.get() == ""
        assert "touched" not in process.state
        assert len(process.history) == history

    def test_start_twice(self, memflow: gf.Flow) -> None:
        """A started process cannot start again."""
        process = start(memflow, defs.TWO_STEPS)
        with pytest.raises(WorkflowError, match="is STARTED; only a NEW process starts"):
            process.start()

    def test_process_without_definition(self, memflow: gf.Flow) -> None:
        """A process added without a definition says how to start one."""
        shot = memflow.create_project("shot", Shot)
        process = shot.processes.add("bare")
        with pytest.raises(WorkflowError, match=r"has no definition; start it with"):
            process.start()

    def test_cancel_releases_nothing(self, flow: gf.Flow) -> None:
        """Cancelling the last open branch of a cancelled process does not run the join."""
        process = start(flow, defs.PARALLEL)
        for task in process.active_tasks()[:2]:
            task.assign()
            task.prepare()
            task.done()
        process.cancel()
        (join,) = [t for t in process.task_list() if isinstance(t, JoinGate)]
        assert join.status.get() == "CANCELED"
        assert "after" not in nodes(process.task_list())

    def test_cancel_process(self, flow: gf.Flow) -> None:
        """Cancelling a process cancels its tasks and logs the event."""
        process = start(flow, defs.PARALLEL)
        process.cancel()
        assert process.status.get() == "CANCELED"
        assert {t.status.get() for t in process.task_list() if isinstance(t, HumanTask)} == {
            "CANCELED"
        }
        assert process.history.records()[-1]["what"] == "canceled"


class TestPersistence:
    def test_resume_from_store(self, store: gf.Store) -> None:
        """A new Flow on the same store resumes the process where it was."""
        first = gf.Flow(session=gf.Session(user="ann", environ={}), store=store)
        process = start(first, defs.PARALLEL)
        a, _b, _c = process.active_tasks()
        a.assign()
        second = gf.Flow(session=gf.Session(user="bob", environ={}), store=store)
        resumed = second.get_object(process.oid())
        assert type(resumed) is StudioProcess
        assert [t.status.get() for t in resumed.active_tasks()] == ["ASSIGNED", "NEW", "NEW"]
        for task in resumed.active_tasks()[1:]:
            task.assign()
            task.prepare()
            task.done()
        assert nodes(resumed.active_tasks()) == ["a", "join"]  # the join waits for a
        with pytest.raises(gf.GraftflowError, match="assigned to 'ann'"):
            resumed.active_tasks()[0].prepare()

    @pytest.mark.slow
    def test_branches_finished_together(self, tmp_path: Path) -> None:
        """Two programs finish the two branches at once (SQLite): the join runs once."""
        db = tmp_path / "studio.db"
        flow = gf.Flow(store=gf.SQLiteStore(db))
        shot = flow.create_project("shot", Shot)
        rounds = [f"p{i}" for i in range(3)]
        for name in rounds:
            shot.processes.start(name, defs.PAIR)
        code = f"""
            import sys
            import graftflow as gf
            flow = gf.Flow(session=gf.Session(user="ann", environ={{}}),
                           store=gf.SQLiteStore({str(db)!r}))
            branch = sys.argv[1]
            tasks = []
            for name in {rounds!r}:
                process = flow.get_object("/shot/processes/" + name)
                (task,) = [t for t in process.active_tasks() if t.node.get() == branch]
                task.assign()
                task.prepare()
                tasks.append(task)
            print("ready", flush=True)
            sys.stdin.readline()
            for task in tasks:
                task.done()
            """
        run_together(code, [["left"], ["right"]], tmp_path)
        for name in rounds:
            process = flow.get_object(f"/shot/processes/{name}")
            joins = [t for t in process.task_list() if isinstance(t, JoinGate)]
            assert [j.status.get() for j in joins] == ["DONE"], name
            assert nodes(process.active_tasks()) == ["after"], name

    def test_restart_in_another_process(self, tmp_path: Path, run_python: PythonRunner) -> None:
        """Half done by one Python process, resumed and finished by another (SQLite file)."""
        db = tmp_path / "studio.db"
        run_python(
            f"""
            import graftflow as gf
            import workflow_defs as defs
            flow = gf.Flow(session=gf.Session(user="ann", environ={{}}),
                           store=gf.SQLiteStore({str(db)!r}))
            shot = flow.create_project("shot", defs.Shot)
            process = shot.processes.start("p", defs.LOOP)
            process.execute_step()
            process.execute_step(custom_data={{"approved": False}})
            print(process.current_step().name())
            """
        )
        proc = run_python(
            f"""
            import json
            import graftflow as gf
            flow = gf.Flow(session=gf.Session(user="bob", environ={{}}),
                           store=gf.SQLiteStore({str(db)!r}))
            process = flow.get_object("/shot/processes/p")
            step = process.current_step().name()
            process.execute_step()
            process.execute_step(custom_data={{"approved": True}})
            print(json.dumps([step, process.status.get(), process.state.get()]))
            """
        )
        step, status, state = json.loads(proc.stdout)
        assert (step, status) == ("work-2", "DONE")
        assert state == {"visits": 2, "approved": True}
        flow = gf.Flow(store=gf.SQLiteStore(db))
        records = flow.get_object("/shot/processes/p").history.records()
        assert {r["who"] for r in records} == {"ann", "bob"}
        assert records[-1]["what"] == "finished"
