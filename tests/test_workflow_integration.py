"""Both halves of the workflow plugin together: job tasks of processes run by real
workers from the store's work queue, and decider events heard through the hook."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import workflow_defs as defs
import workflow_jobs as jobs
from cli_support import graftflow_command
from workflow_defs import Shot

import graftflow as gf
from graftflow.extensions import hookimpl, plugin_manager
from graftflow.plugins.workflow import JobTask, Process, Worker, WorkQueue

TESTS = Path(__file__).parent


def job_task(process: Process) -> JobTask:
    (task,) = process.active_tasks()
    assert isinstance(task, JobTask)
    return task


class TestJobTasksOnWorkers:
    def test_job_runs_to_done(self, flow: gf.Flow) -> None:
        """A Job node's task is queued when reached, claimed and run by a worker, and
        the process moves on with the result in its state (memory, SQLite, Redis)."""
        shot = flow.create_project("shot", Shot)
        process = shot.processes.start("p", defs.JOB, state={"operands": [3, 4]})
        task = job_task(process)
        assert task.status.get() == "SCHEDULED"
        job = WorkQueue(flow).job(task.job_id.get())
        assert (job.owner, job.function, job.input) == (
            task.oid(),
            "workflow_defs:multiply",
            [3, 4],
        )
        event = Worker(flow).run_once()
        assert event is not None
        assert event["event"] == "done"
        assert task.status.get() == "DONE"
        assert task.result.get() == 12
        assert process.state.product == 12
        assert [t.node.get() for t in process.active_tasks()] == ["check"]
        assert Worker(flow).run_once() is None  # the job ran exactly once

    def test_failing_job_keeps_traceback_then_retries(self, flow: gf.Flow) -> None:
        """A job that raises leaves its task in ERROR with the traceback; once the
        state is fixed, retry queues it again and a worker finishes it."""
        shot = flow.create_project("shot", Shot)
        process = shot.processes.start("p", defs.PICKY)
        task = job_task(process)
        worker = Worker(flow)
        assert worker.run_once() is not None
        assert task.status.get() == "ERROR"
        assert "Traceback (most recent call last)" in task.error.get()
        assert "ValueError: operands not allowed yet" in task.error.get()
        assert process.status.get() == "STARTED"
        process.state.allow = True
        task.retry()
        assert task.status.get() == "SCHEDULED"
        assert task.attempt.get() == 2
        worker.run_once()
        assert task.status.get() == "DONE"
        assert process.state.verdict == "accepted"
        assert process.status.get() == "DONE"

    def test_cancel_reaches_the_queue(self, flow: gf.Flow) -> None:
        """Canceling a scheduled job task cancels its job: no worker runs it."""
        shot = flow.create_project("shot", Shot)
        process = shot.processes.start("p", defs.JOB, state={"operands": [1, 1]})
        task = job_task(process)
        job_id = task.job_id.get()
        task.cancel()
        assert task.status.get() == "CANCELED"
        assert WorkQueue(flow).job(job_id).status == "canceled"
        assert Worker(flow).run_once() is None

    def test_worker_command_finishes_a_process(self, tmp_path: Path) -> None:
        """`graftflow worker` in another process runs the job of a process started
        here, on one SQLite file; this process then sees it done."""
        path = tmp_path / "studio.db"
        flow = gf.Flow(store=gf.SQLiteStore(path))
        shot = flow.create_project("shot", Shot)
        process = shot.processes.start("p", defs.JOB, state={"operands": [6, 7]})
        flow.close()
        env = {**os.environ, "PYTHONPATH": str(TESTS), "GRAFTFLOW_STORE": f"sqlite:///{path}"}
        proc = subprocess.run(
            [graftflow_command(), "worker", "--max-jobs", "1", "--idle-exit", "10", "--json"],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
        assert '"event": "done"' in proc.stdout
        again = gf.Flow(store=gf.SQLiteStore(path, create=False))
        try:
            process = again.get_object(process.oid())
            assert process.state.product == 42
            assert [t.node.get() for t in process.active_tasks()] == ["check"]
        finally:
            again.close()


class Listener:
    def __init__(self) -> None:
        self.events: list[str] = []

    @hookimpl
    def graftflow_on_process_event(
        self, session: gf.Session, process: Any, event: str, data: dict[str, Any]
    ) -> None:
        self.events.append(event)


def test_decider_events_reach_the_hook(memflow: gf.Flow) -> None:
    """A decider process's history events go out through graftflow_on_process_event."""
    session = gf.Session(environ={})
    listener = Listener()
    plugin_manager(session).register(listener, name="listener")
    flow = gf.Flow(session=session, store=gf.MemoryStore())
    studio = flow.create_project("studio", jobs.Studio)
    process = studio.processes.start("mult", jobs.MultiplyWorkflow, [3, 5])
    Worker(flow).run_once()
    assert process.result.get() == 15
    assert listener.events[0] == "WorkflowStarted"
    assert "ActivityScheduled" in listener.events
    assert "ActivityCompleted" in listener.events
    assert listener.events[-1] == "WorkflowCompleted"
