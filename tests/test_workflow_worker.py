"""Workers (issue 6, part B): running jobs in this process, then real worker processes
on one SQLite file (and one Redis server): exactly once, a killed worker, SIGTERM,
Ctrl-C, the ``graftflow worker`` command."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import workflow_jobs
from conftest import TESTS, make_store
from workers import QUEUE_WORKER, run_together
from workflow_jobs import FakeClock, Owner, Studio

import graftflow as gf
from graftflow.plugins.workflow import RetryPolicy, Worker, WorkerEvent, WorkQueue
from graftflow.plugins.workflow._clock import set_clock

CLI = "import sys; from graftflow.plugins.cli import main; main(sys.argv[1:])"


@pytest.fixture
def clock(memflow: gf.Flow) -> Iterator[FakeClock]:
    workflow_jobs.CLOCK.now = 1_000_000.0
    restore = set_clock(memflow, workflow_jobs.CLOCK)
    yield workflow_jobs.CLOCK
    restore()


@pytest.fixture
def owner(memflow: gf.Flow, clock: FakeClock) -> Owner:
    return memflow.create_project("studio", Studio).owner  # type: ignore[no-any-return]


def submit(flow: gf.Flow, function: str, input: Any = None, **kwargs: Any) -> str:
    return WorkQueue(flow).submit(
        owner="/studio/owner", function=f"workflow_jobs:{function}", input=input, **kwargs
    )


class TestWorkerInProcess:
    def test_runs_a_job_and_records_its_result(self, memflow: gf.Flow, owner: Owner) -> None:
        events: list[WorkerEvent] = []
        job_id = submit(memflow, "multiply", [6, 7])
        event = Worker(memflow, on_event=events.append, name="w1").run_once()
        assert event is not None
        assert (event["event"], event["job"], event["status"]) == ("done", job_id, "done")
        assert [e["event"] for e in events] == ["claimed", "done"]
        job = WorkQueue(memflow).job(job_id)
        assert (job.status, job.result, job.worker, job.attempt) == ("done", 42, "w1", 1)
        assert owner.calls() == [
            ["started", job_id, "running", 1],
            ["finished", job_id, "done", 1],
        ]

    def test_an_empty_queue_gives_nothing(self, memflow: gf.Flow, owner: Owner) -> None:
        assert Worker(memflow).run_once() is None

    def test_a_raising_job_fails_with_its_traceback(self, memflow: gf.Flow, owner: Owner) -> None:
        job_id = submit(memflow, "boom", "frame 12")
        event = Worker(memflow).run_once()
        assert event is not None
        assert (event["event"], event["error"]) == (
            "failed",
            "ValueError: cannot handle 'frame 12'",
        )
        job = WorkQueue(memflow).job(job_id)
        assert job.status == "failed"
        assert job.error_type == "ValueError"
        assert job.error is not None
        assert job.error.startswith("Traceback (most recent call last):")
        assert 'workflow_jobs.py", line' in job.error
        assert "in boom" in job.error
        assert owner.calls()[-1] == ["finished", job_id, "failed", 1]

    def test_retry_by_policy(self, memflow: gf.Flow, owner: Owner, clock: FakeClock) -> None:
        """OSError is retried with backoff until the job succeeds on attempt 3."""
        policy = RetryPolicy(max_attempts=3, initial_backoff=2, retryable=("OSError",))
        job_id = submit(memflow, "flaky", 2, retry=policy)
        worker = Worker(memflow)
        first = worker.run_once()
        assert first is not None
        assert (first["event"], first["error"]) == ("retrying", "OSError: flaky attempt 1")
        assert worker.run_once() is None  # backing off 2 s
        clock.advance(2.5)
        second = worker.run_once()
        assert second is not None
        assert second["event"] == "retrying"
        clock.advance(4.5)
        third = worker.run_once()
        assert third is not None
        assert third["event"] == "done"
        job = WorkQueue(memflow).job(job_id)
        assert (job.status, job.result, job.attempt, job.failures) == ("done", 3, 3, 2)
        assert [c[0] for c in owner.calls()] == ["started"] * 3 + ["finished"]

    def test_a_non_retryable_error_fails_at_once(self, memflow: gf.Flow, owner: Owner) -> None:
        policy = RetryPolicy(max_attempts=5, non_retryable=("OSError",))
        job_id = submit(memflow, "flaky", 2, retry=policy)
        Worker(memflow).run_once()
        assert WorkQueue(memflow).job(job_id).status == "failed"

    def test_an_unimportable_function_fails_clearly(self, memflow: gf.Flow, owner: Owner) -> None:
        queue = WorkQueue(memflow)
        missing_module = queue.submit(owner="/studio/owner", function="no_such_module:f", input=1)
        missing_name = submit(memflow, "no_such_function")
        not_callable = submit(memflow, "CLOCK.now")
        worker = Worker(memflow)
        for _ in range(3):
            worker.run_once()
        prefix = "cannot import the function"
        assert queue.job(missing_module).error == (
            f"job {missing_module} (queue 'default'): {prefix} 'no_such_module:f': "
            "cannot import module 'no_such_module': ModuleNotFoundError: No module named "
            "'no_such_module' (install the package that provides it, or fix PYTHONPATH for "
            "the workers)"
        )
        assert queue.job(missing_name).error == (
            f"job {missing_name} (queue 'default'): {prefix} "
            "'workflow_jobs:no_such_function': 'workflow_jobs' has no attribute "
            "'no_such_function'"
        )
        assert queue.job(not_callable).error == (
            f"job {not_callable} (queue 'default'): {prefix} 'workflow_jobs:CLOCK.now': "
            "it is a float, not a callable"
        )
        assert {queue.job(j).status for j in (missing_module, missing_name, not_callable)} == {
            "failed"
        }

    def test_a_job_cancels_itself(self, memflow: gf.Flow, owner: Owner) -> None:
        """The seed's ActivityCanceled: the function raises JobCanceled."""
        job_id = submit(memflow, "multiply", [11, 2])
        event = Worker(memflow).run_once()
        assert event is not None
        assert event["event"] == "canceled"
        job = WorkQueue(memflow).job(job_id)
        assert (job.status, job.reason) == ("canceled", "first operand must be <= 10")
        assert owner.calls()[-1] == ["finished", job_id, "canceled", 1]

    def test_heartbeat_tells_a_canceled_job(self, memflow: gf.Flow, owner: Owner) -> None:
        """Canceled from elsewhere, the function's next heartbeat raises JobCanceled; its
        return value is never recorded."""
        job_id = submit(memflow, "cancel_myself_then_heartbeat")
        event = Worker(memflow).run_once()
        assert event is not None
        assert event["event"] == "canceled"
        job = WorkQueue(memflow).job(job_id)
        assert (job.status, job.reason, job.result) == ("canceled", "changed my mind", None)

    def test_a_late_heartbeat_times_the_attempt_out(
        self, memflow: gf.Flow, owner: Owner, clock: FakeClock
    ) -> None:
        """The function lets 30 s pass with a 5 s heartbeat timeout: it is told it lost
        the job, which times out and is retried by policy."""
        policy = RetryPolicy(max_attempts=2, initial_backoff=1)
        job_id = submit(memflow, "stall", 30, heartbeat_timeout=5, retry=policy)
        worker = Worker(memflow)
        event = worker.run_once()
        assert event is not None
        assert event["event"] == "lost"
        job = WorkQueue(memflow).job(job_id)
        assert (job.status, job.timeout_type, job.failures) == ("queued", "heartbeat", 1)
        clock.advance(1.5)
        worker.run_once()
        job = WorkQueue(memflow).job(job_id)
        assert (job.status, job.timeout_type, job.attempt) == ("timed_out", "heartbeat", 2)
        assert owner.calls()[-1] == ["finished", job_id, "timed_out", 2]

    def test_frequent_heartbeats_keep_a_job_alive_longer_than_its_timeout(
        self, memflow: gf.Flow, owner: Owner, clock: FakeClock
    ) -> None:
        """The function's own heartbeats are written as it gives them: a job that runs
        8 s of the fake clock with a 3 s heartbeat timeout, beating every 0.5 s, is done.
        The lease (60 s) is never extended meanwhile (its keepalive thread wakes every
        20 s of real time), so only the heartbeats' writes keep the job."""
        job_id = submit(memflow, "beat_for", {"seconds": 8, "every": 0.5}, heartbeat_timeout=3)
        event = Worker(memflow, lease=60).run_once()
        assert event is not None
        assert event["event"] == "done"
        job = WorkQueue(memflow).job(job_id)
        assert (job.status, job.result) == ("done", 16)
        assert job.heartbeat_at == clock.now
        assert job.heartbeat_at - job.started == 8

    def test_a_function_that_stops_beating_loses_its_job(
        self, memflow: gf.Flow, owner: Owner, clock: FakeClock
    ) -> None:
        """The same job beating every 4 s, over its 3 s timeout, is told it lost the job
        at its first late beat: the check above is not vacuous."""
        job_id = submit(memflow, "beat_for", {"seconds": 8, "every": 4}, heartbeat_timeout=3)
        event = Worker(memflow, lease=60).run_once()
        assert event is not None
        assert event["event"] == "lost"
        job = WorkQueue(memflow).job(job_id)
        assert (job.status, job.timeout_type) == ("timed_out", "heartbeat")

    def test_heartbeat_details_are_kept(self, memflow: gf.Flow, owner: Owner) -> None:
        job_id = submit(memflow, "with_details")
        Worker(memflow).run_once()
        job = WorkQueue(memflow).job(job_id)
        assert job.heartbeat_details == {"done": 1}
        assert job.result is None  # the context's record was read at claim time

    def test_a_result_that_is_not_json_fails_the_job(self, memflow: gf.Flow, owner: Owner) -> None:
        job_id = submit(memflow, "not_json")
        Worker(memflow).run_once()
        job = WorkQueue(memflow).job(job_id)
        assert job.status == "failed"
        assert "returned a value that is not JSON" in (job.error or "")

    def test_run_stops_after_max_jobs_or_when_idle(self, memflow: gf.Flow, owner: Owner) -> None:
        for i in range(3):
            submit(memflow, "multiply", [i, 2])
        worker = Worker(memflow, poll=0.01)
        assert worker.run(max_jobs=2) == 2
        assert worker.run(idle_exit=0.05) == 1
        assert WorkQueue(memflow).counts() == {"queued": 0, "running": 0}

    def test_stop_ends_run(self, memflow: gf.Flow, owner: Owner) -> None:
        submit(memflow, "multiply", [1, 1])
        worker = Worker(memflow, poll=0.01)
        worker.stop()
        assert worker.run() == 0
        assert WorkQueue(memflow).counts()["queued"] == 1

    def test_bad_lease(self, memflow: gf.Flow) -> None:
        with pytest.raises(ValueError, match="lease must be a number of seconds > 0, not 0"):
            Worker(memflow, lease=0)


# -- real processes ---------------------------------------------------------------------


def shared_store(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> gf.Store:
    return make_store(kind, tmp_path, request)


def env() -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]),
    }


def cli(*args: str) -> list[str]:
    return [sys.executable, "-c", CLI, *args]


def lines(path: Path) -> list[list[str]]:
    return [line.split() for line in path.read_text().splitlines()] if path.exists() else []


@pytest.mark.parametrize("kind", ["sqlite", "redis"])
def test_several_workers_run_every_job_exactly_once(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """4 worker processes, 80 jobs: each job's function ran once, none is missing."""
    store = shared_store(kind, tmp_path, request)
    flow = gf.Flow(store=store)
    flow.create_project("studio", Studio)
    ran = tmp_path / "ran.txt"
    queue = WorkQueue(flow)
    # The first two jobs wait for each other: one worker cannot run both at once, so two
    # workers must have taken one each (the work really is shared, by construction
    # rather than by luck of timing).
    meet = {"file": str(ran), "meet": str(tmp_path / "meet"), "count": 2}
    ids = [
        queue.submit(owner="/studio/owner", function="workflow_jobs:rendezvous", input=meet)
        for _ in range(2)
    ]
    ids += [
        queue.submit(
            owner="/studio/owner",
            function="workflow_jobs:record",
            input={"file": str(ran), "sleep": 0.005},
        )
        for _ in range(78)
    ]
    outputs = run_together(QUEUE_WORKER, [[store.url]] * 4, tmp_path)
    events = [json.loads(line) for out in outputs for line in out.splitlines()]
    done = [e for e in events if e["event"] == "done"]
    ran_ids = [line[0] for line in lines(ran)]
    assert sorted(ran_ids) == sorted(ids)  # every job ran, none twice
    assert sorted(e["job"] for e in done) == sorted(ids)
    assert {queue.job(j).status for j in ids} == {"done"}
    meeting = {e["worker"] for e in done if e["function"] == "workflow_jobs:rendezvous"}
    assert len(meeting) == 2  # the work really was shared
    assert len(Owner(flow.project("studio"), "owner").calls()) == 160
    store.close()


def wait_for(path: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            pytest.fail(f"{path} never appeared")
        time.sleep(0.02)


@pytest.fixture
def sqlite_flow(tmp_path: Path) -> Iterator[gf.Flow]:
    flow = gf.Flow(store=gf.SQLiteStore(tmp_path / "jobs.db"))
    flow.create_project("studio", Studio)
    yield flow
    flow.store().close()


def test_a_killed_worker_loses_its_job_to_another(sqlite_flow: gf.Flow, tmp_path: Path) -> None:
    """SIGKILL while the job sleeps: the lease runs out, another worker takes attempt 2
    and the job is done once; the killed attempt never committed anything."""
    url = sqlite_flow.store().url
    ran, marker = tmp_path / "ran.txt", tmp_path / "started"
    queue = WorkQueue(sqlite_flow)
    job_id = queue.submit(
        owner="/studio/owner",
        function="workflow_jobs:slow_first",
        input={"file": str(ran), "marker": str(marker)},
    )
    first = subprocess.Popen(
        cli("--store", url, "worker", "--lease", "0.5", "--json"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env(),
        cwd=tmp_path,
    )
    try:
        wait_for(marker)
        first.kill()
        out, _ = first.communicate(timeout=30)
    finally:
        if first.poll() is None:
            first.kill()
    assert [json.loads(line)["event"] for line in out.splitlines()] == ["claimed"]
    assert queue.job(job_id).status == "running"
    second = subprocess.run(
        cli(
            "--store",
            url,
            "worker",
            "--lease",
            "0.5",
            "--json",
            "--max-jobs",
            "1",
            "--idle-exit",
            "20",
        ),
        capture_output=True,
        text=True,
        env=env(),
        cwd=tmp_path,
        timeout=60,
        check=True,
    )
    events = [json.loads(line) for line in second.stdout.splitlines()]
    assert [e["event"] for e in events] == ["swept", "claimed", "done", "exit"]
    job = queue.job(job_id)
    assert (job.status, job.attempt, job.lost, job.result) == ("done", 2, 1, job_id)
    assert job.worker == events[-2]["worker"]
    [(ran_id, pid, attempt)] = lines(ran)  # attempt 1 was killed before recording
    assert (ran_id, attempt) == (job_id, "2")
    assert int(pid) != first.pid
    log = queue.log(job_id)
    statuses = [entry["status"] for entry in log if "told" not in entry]
    assert statuses == ["queued", "running", "queued", "running", "done"]
    # The owner heard attempt 1 start (the claim committed before the kill), then
    # attempt 2 start and the end, each once.
    told = [(entry["version"], entry["told"]) for entry in log if "told" in entry]
    assert told == [(2, "job_started"), (4, "job_started"), (5, "job_finished")]


def start_worker(url: str, tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        cli("--store", url, "worker", "--json", "--poll", "0.05", *args),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env(),
        cwd=tmp_path,
    )


def test_sigterm_finishes_the_current_job_then_exits(sqlite_flow: gf.Flow, tmp_path: Path) -> None:
    ran, marker = tmp_path / "ran.txt", tmp_path / "started"
    queue = WorkQueue(sqlite_flow)
    args = {"file": str(ran), "marker": str(marker), "sleep": 1.0}
    current = queue.submit(owner="/studio/owner", function="workflow_jobs:slow_first", input=args)
    waiting = queue.submit(owner="/studio/owner", function="workflow_jobs:record", input=args)
    proc = start_worker(sqlite_flow.store().url, tmp_path)
    wait_for(marker)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    events = [json.loads(line) for line in out.splitlines()]
    assert [e["event"] for e in events] == ["claimed", "done", "exit"]
    assert queue.job(current).status == "done"
    assert queue.job(waiting).status == "queued"


def test_ctrl_c_gives_the_job_back(sqlite_flow: gf.Flow, tmp_path: Path) -> None:
    """SIGINT mid-job: the job is queued again as if never started; exit status 130."""
    ran, marker = tmp_path / "ran.txt", tmp_path / "started"
    queue = WorkQueue(sqlite_flow)
    job_id = queue.submit(
        owner="/studio/owner",
        function="workflow_jobs:slow_first",
        input={"file": str(ran), "marker": str(marker)},
    )
    proc = start_worker(sqlite_flow.store().url, tmp_path)
    wait_for(marker)
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert [json.loads(line)["event"] for line in out.splitlines()] == ["claimed", "released"]
    job = queue.job(job_id)
    assert (job.status, job.attempt, job.worker) == ("queued", 0, None)
    assert queue.ready_ids() == [job_id]


class TestWorkerCommand:
    def test_json_lines_and_max_jobs(self, sqlite_flow: gf.Flow, tmp_path: Path) -> None:
        queue = WorkQueue(sqlite_flow, "render")
        ids = [
            queue.submit(owner="/studio/owner", function="workflow_jobs:multiply", input=[i, 3])
            for i in range(3)
        ]
        proc = subprocess.run(
            cli(
                "--store",
                sqlite_flow.store().url,
                "worker",
                "--queue",
                "render",
                "--max-jobs",
                "2",
                "--json",
            ),
            capture_output=True,
            text=True,
            env=env(),
            cwd=tmp_path,
            timeout=60,
            check=True,
        )
        events = [json.loads(line) for line in proc.stdout.splitlines()]
        assert [e["event"] for e in events] == ["claimed", "done", "claimed", "done", "exit"]
        assert [e["job"] for e in events[:4]] == [ids[0], ids[0], ids[1], ids[1]]
        assert events[-1]["jobs"] == 2
        assert [queue.job(j).result for j in ids] == [0, 3, None]

    def test_human_output(self, sqlite_flow: gf.Flow, tmp_path: Path) -> None:
        job_id = WorkQueue(sqlite_flow).submit(
            owner="/studio/owner", function="workflow_jobs:boom", input=1
        )
        proc = subprocess.run(
            cli("--store", sqlite_flow.store().url, "worker", "--idle-exit", "0"),
            capture_output=True,
            text=True,
            env=env(),
            cwd=tmp_path,
            timeout=60,
            check=True,
        )
        assert proc.stdout == (
            f"   failed workflow_jobs:boom job {job_id} attempt 1: ValueError: cannot handle 1\n"
        )
        assert proc.stderr.endswith(": 1 job(s) run\n")

    def test_a_missing_store_is_one_line(self, tmp_path: Path) -> None:
        proc = subprocess.run(
            cli("--store", f"sqlite:///{tmp_path}/nope.db", "worker"),
            capture_output=True,
            text=True,
            env=env(),
            cwd=tmp_path,
            timeout=60,
        )
        assert proc.returncode == 1
        assert proc.stderr.startswith("graftflow: error: no store at ")
        assert len(proc.stderr.splitlines()) == 1
