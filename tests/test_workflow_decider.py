"""Decider-style processes (issue 6, part B): the seed's multiplication workflow,
timeouts, signals, cancel, decider bugs, restarts and parallel activities with real
worker processes."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import workflow_jobs
from conftest import TESTS, PythonRunner
from workers import QUEUE_WORKER, run_together
from workflow_jobs import (
    BrokenWorkflow,
    FakeClock,
    FanOutWorkflow,
    MultiplyWorkflow,
    SignalWorkflow,
    StallWorkflow,
    Studio,
    WaitTimeoutWorkflow,
)

import graftflow as gf
from graftflow.extensions import hookimpl, plugin_manager
from graftflow.plugins.workflow import (
    DeciderProcess,
    Worker,
    WorkflowError,
    WorkQueue,
)
from graftflow.plugins.workflow._clock import set_clock


@pytest.fixture
def clock(flow: gf.Flow) -> Iterator[FakeClock]:
    workflow_jobs.CLOCK.now = 1_000_000.0
    restore = set_clock(flow, workflow_jobs.CLOCK)
    yield workflow_jobs.CLOCK
    restore()


@pytest.fixture
def studio(flow: gf.Flow, clock: FakeClock) -> Studio:
    return flow.create_project("studio", Studio)


class EventListener:
    """A plugin that keeps each process event it hears."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, dict[str, Any]]] = []

    @hookimpl
    def graftflow_on_process_event(self, process: Any, event: str, data: dict[str, Any]) -> None:
        self.seen.append((process.oid(), {"what": event, **data}))


@pytest.fixture
def emitted(flow: gf.Flow) -> list[tuple[str, dict[str, Any]]]:
    """What the session's plugins hear through graftflow_on_process_event."""
    listener = EventListener()
    plugin_manager(flow.session()).register(listener, name="event-listener")
    return listener.seen


def types(process: DeciderProcess) -> list[str]:
    return [e["what"] for e in process.events()]


def drain(flow: gf.Flow) -> None:
    worker = Worker(flow)
    while worker.run_once() is not None:
        pass


class TestMultiplication:
    """The seed's example: a decider schedules a multiplication activity with timeouts
    and heartbeats; a worker runs it; the process completes with the product."""

    def test_completes_with_the_product(
        self, flow: gf.Flow, studio: Studio, emitted: list[tuple[str, dict[str, Any]]]
    ) -> None:
        process = studio.processes.start("p1", MultiplyWorkflow, [6, 7])
        assert process.status.get() == "running"
        assert types(process) == ["WorkflowStarted", "ActivityScheduled"]
        [scheduled] = process.events("ActivityScheduled")
        job = WorkQueue(flow).job(scheduled["job"])
        assert (job.owner, job.input, job.schedule_to_start, job.start_to_close) == (
            "/studio/processes/p1", [6, 7], 300.0, 10.0,
        )  # fmt: skip
        assert job.heartbeat_timeout == 5.0
        drain(flow)
        assert (process.status.get(), process.result.get()) == ("completed", 42)
        assert types(process) == [
            "WorkflowStarted",
            "ActivityScheduled",
            "ActivityStarted",
            "ActivityCompleted",
            "WorkflowCompleted",
        ]
        assert [e["id"] for e in process.events()] == [1, 2, 3, 4, 5]
        assert process.activities.get() == {
            "multiply-1": {
                "job": scheduled["job"],
                "function": "workflow_jobs:multiply",
                "queue": "default",
                "status": "completed",
            }
        }
        assert emitted == [(process.oid(), e) for e in process.events()]

    def test_the_activity_cancels_itself(self, flow: gf.Flow, studio: Studio) -> None:
        """The seed's ActivityCanceled('first operand must be <= 10')."""
        process = studio.processes.start("p1", MultiplyWorkflow, [11, 2])
        drain(flow)
        assert process.status.get() == "canceled"
        assert process.events("ActivityCanceled")[0]["reason"] == "first operand must be <= 10"

    def test_a_started_process_cannot_start_again(self, studio: Studio) -> None:
        process = studio.processes.start("p1", MultiplyWorkflow, [1, 2])
        with pytest.raises(WorkflowError, match="process /studio/processes/p1 was already started"):
            process.start(MultiplyWorkflow, [1, 2])

    def test_an_unknown_workflow_is_refused(self, flow: gf.Flow, studio: Studio) -> None:
        with pytest.raises(WorkflowError, match="cannot import the workflow 'workflow_jobs:Nope'"):
            studio.processes.start("p1", "workflow_jobs:Nope")
        assert "p1" not in flow.project("studio").processes  # nothing half written


class TestTimeouts:
    def test_no_worker_in_time(self, flow: gf.Flow, studio: Studio, clock: FakeClock) -> None:
        """Schedule-to-start passes: ActivityTimedOut, and the decider fails the process."""
        process = studio.processes.start("p1", WaitTimeoutWorkflow)
        clock.advance(6)
        assert Worker(flow).run_once() is None  # the sweep timed it out, nothing to run
        assert process.status.get() == "failed"
        assert process.error.get() == "no worker in time"
        [timed_out] = process.events("ActivityTimedOut")
        assert timed_out["timeout_type"] == "schedule_to_start"
        assert process.events("WorkflowFailed")[0]["details"] == {"timeout": "schedule_to_start"}

    def test_a_missed_heartbeat(self, flow: gf.Flow, studio: Studio) -> None:
        process = studio.processes.start("p1", StallWorkflow)
        drain(flow)
        assert process.result.get() == {"timed_out": "heartbeat"}
        assert types(process)[-3:] == ["ActivityStarted", "ActivityTimedOut", "WorkflowCompleted"]


class TestSignals:
    def test_a_signal_drives_the_process(self, flow: gf.Flow, studio: Studio) -> None:
        process = studio.processes.start("p1", SignalWorkflow)
        drain(flow)
        assert types(process) == ["WorkflowStarted"]  # waiting for the signal
        process.signal("operands", [3, 5])
        assert types(process) == ["WorkflowStarted", "SignalReceived", "ActivityScheduled"]
        drain(flow)
        assert (process.status.get(), process.result.get()) == ("completed", 15)

    def test_a_signal_can_end_the_process_and_its_activities(
        self, flow: gf.Flow, studio: Studio
    ) -> None:
        process = studio.processes.start("p1", SignalWorkflow)
        process.signal("operands", [3, 5])
        [scheduled] = process.events("ActivityScheduled")
        process.signal("stop")
        assert (process.status.get(), process.result.get()) == ("completed", "stopped")
        assert WorkQueue(flow).job(scheduled["job"]).status == "canceled"
        assert types(process)[-2:] == ["ActivityCanceled", "WorkflowCompleted"]
        drain(flow)  # nothing left to run
        assert types(process)[-1] == "WorkflowCompleted"

    def test_an_ended_process_refuses_signals(self, studio: Studio) -> None:
        process = studio.processes.start("p1", SignalWorkflow)
        process.signal("stop")
        with pytest.raises(
            WorkflowError, match="cannot signal 'go' process /studio/processes/p1: it is completed"
        ):
            process.signal("go")


class TestEnding:
    def test_cancel_cancels_the_pending_activity(self, flow: gf.Flow, studio: Studio) -> None:
        process = studio.processes.start("p1", MultiplyWorkflow, [2, 2])
        [scheduled] = process.events("ActivityScheduled")
        process.cancel("shot omitted")
        assert process.status.get() == "canceled"
        assert WorkQueue(flow).job(scheduled["job"]).status == "canceled"
        assert process.events("WorkflowCanceled")[0]["reason"] == "shot omitted"
        with pytest.raises(WorkflowError, match="it is canceled, not running"):
            process.cancel()

    def test_a_decider_bug_fails_the_process_with_its_traceback(self, studio: Studio) -> None:
        process = studio.processes.start("p1", BrokenWorkflow)
        assert process.status.get() == "failed"
        [failed] = process.events("DecisionFailed")
        assert "KeyError: 'the decider has a bug'" in failed["error"]
        assert process.error.get() == failed["error"]


# -- real processes ---------------------------------------------------------------------


def worker_cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run(
        [
            sys.executable, "-c",
            "import sys; from graftflow.plugins.cli import main; main(sys.argv[1:])",
            "--store", url, "worker", "--json", "--poll", "0.05", *args,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")])},  # noqa: E501
    )  # fmt: skip


def test_a_worker_process_runs_the_activity(tmp_path: Path) -> None:
    """The seed's example with a real worker process on a SQLite file."""
    url = f"sqlite:///{tmp_path}/studio.db"
    with gf.Flow(store=gf.open_store(url)) as flow:
        process = flow.create_project("studio", Studio).processes.start(
            "p1", MultiplyWorkflow, [6, 7]
        )
        worker_cli(url, "--max-jobs", "1")
        assert (process.status.get(), process.result.get()) == ("completed", 42)
        assert process.events("ActivityStarted")[0]["worker"] != "in-process"


def test_a_half_done_process_is_resumed_by_another_python(
    tmp_path: Path, run_python: PythonRunner
) -> None:
    """Started in one interpreter, its activity run by a worker in a second one, signaled
    and finished in a third."""
    url = f"sqlite:///{tmp_path}/studio.db"
    run_python(f"""
        import graftflow as gf
        from workflow_jobs import Studio, SignalWorkflow
        flow = gf.Flow(store=gf.open_store({url!r}))
        process = flow.create_project("studio", Studio).processes.start("p1", SignalWorkflow)
        process.signal("operands", [4, 5])
    """)
    worker_cli(url, "--max-jobs", "1")
    proc = run_python(f"""
        import graftflow as gf
        flow = gf.Flow(store=gf.open_store({url!r}))
        process = flow.get_object("/studio/processes/p1")
        print(process.status.get(), process.result.get())
    """)
    assert proc.stdout.split() == ["completed", "20"]


@pytest.mark.parametrize("kind", ["sqlite", "redis"])
def test_parallel_activities_end_together(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """12 activities of one process finish in 3 worker processes at once: every
    completion is in the history exactly once, numbered without gaps, and the process
    completes with their sum."""
    from conftest import make_store

    store = make_store(kind, tmp_path, request)
    with gf.Flow(store=store) as flow:
        process = flow.create_project("studio", Studio).processes.start("p1", FanOutWorkflow, 12)
        outputs = run_together(QUEUE_WORKER, [[store.url]] * 3, tmp_path)
        done = [json.loads(line) for out in outputs for line in out.splitlines()]
        assert len([e for e in done if e["event"] == "done"]) == 12
        assert (process.status.get(), process.result.get()) == ("completed", 2 * sum(range(1, 13)))
        events = process.events()
        assert [e["id"] for e in events] == list(range(1, len(events) + 1))
        completed = sorted(e["activity_id"] for e in process.events("ActivityCompleted"))
        assert completed == sorted(f"part-{i}" for i in range(1, 13))
        assert len(process.events("WorkflowCompleted")) == 1
    store.close()
