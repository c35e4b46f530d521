"""The work queue (issue 6, part B): jobs, claims, leases, fencing, timeouts, retries.

Every test runs on memory, SQLite and Redis (the ``flow`` fixture), with a clock the
tests step by hand.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from conftest import PythonRunner
from workflow_jobs import FakeClock, Owner, Studio

import graftflow as gf
from graftflow.plugins.workflow import (
    DEFAULT_RETRY,
    JobNotFoundError,
    JobRecord,
    RetryPolicy,
    WorkflowError,
    WorkQueue,
)
from graftflow.plugins.workflow._clock import set_clock
from graftflow.plugins.workflow._queue import _MAX_LOST as MAX_LOST


@pytest.fixture
def clock(flow: gf.Flow) -> Iterator[FakeClock]:
    fake = FakeClock()
    restore = set_clock(flow, fake)
    yield fake
    restore()


@pytest.fixture
def owner(flow: gf.Flow) -> Owner:
    studio = flow.create_project("studio", Studio)
    return studio.owner  # type: ignore[no-any-return]


@pytest.fixture
def queue(flow: gf.Flow, clock: FakeClock) -> WorkQueue:
    return WorkQueue(flow)


def submit(queue: WorkQueue, owner: Owner, **kwargs: object) -> str:
    kwargs.setdefault("function", "workflow_jobs:multiply")
    kwargs.setdefault("input", [2, 3])
    return queue.submit(owner=owner.oid(), **kwargs)  # type: ignore[arg-type]


class TestRetryPolicy:
    def test_backoff_grows_to_the_cap(self) -> None:
        """Waits multiply from the initial backoff and stop at max_backoff."""
        policy = RetryPolicy(
            max_attempts=9, initial_backoff=1, backoff_multiplier=3, max_backoff=20
        )
        assert [policy.backoff(n) for n in (1, 2, 3, 4)] == [1.0, 3.0, 9.0, 20.0]

    def test_attempts_and_error_names(self) -> None:
        """max_attempts bounds failures; listed names select what is retried."""
        policy = RetryPolicy(
            max_attempts=3, retryable=("OSError",), non_retryable=("FileNotFoundError",)
        )
        assert policy.allows(1, ("OSError", "Exception"))
        assert not policy.allows(3, ("OSError", "Exception"))
        assert not policy.allows(1, ("ValueError", "Exception"))
        assert not policy.allows(1, ("FileNotFoundError", "OSError", "Exception"))
        assert policy.allows(2)  # a timeout: only the count matters

    def test_default_never_retries_an_error(self) -> None:
        """The default policy fails at once: a person decides whether to retry."""
        assert not DEFAULT_RETRY.allows(1, ("ValueError",))

    def test_round_trips_through_json(self) -> None:
        policy = RetryPolicy(max_attempts=4, initial_backoff=0.5, non_retryable=("KeyError",))
        assert RetryPolicy.from_json(policy.to_json()) == policy

    @pytest.mark.parametrize(
        ("kwargs", "message"),
        [
            ({"max_attempts": 0}, "max_attempts must be an int >= 1, not 0"),
            ({"initial_backoff": -1}, "initial_backoff must be a number >= 0, not -1"),
            ({"backoff_multiplier": 0.5}, "backoff_multiplier must be >= 1, not 0.5"),
            ({"retryable": "OSError"}, "retryable must be a sequence of error type names"),
        ],
    )
    def test_bad_values_are_refused(self, kwargs: dict[str, object], message: str) -> None:
        with pytest.raises(ValueError, match=message):
            RetryPolicy(**kwargs)  # type: ignore[arg-type]


class TestSubmit:
    def test_a_submitted_job_is_queued(
        self, queue: WorkQueue, owner: Owner, clock: FakeClock
    ) -> None:
        """submit() returns an id whose record is queued with every field set."""
        job_id = submit(queue, owner, start_to_close=10)
        job = queue.job(job_id)
        assert (job.status, job.attempt, job.owner, job.function, job.input) == (
            "queued", 0, "/studio/owner", "workflow_jobs:multiply", [2, 3],
        )  # fmt: skip
        assert (job.created, job.due, job.start_to_close, job.version) == (
            clock.now,
            clock.now,
            10.0,
            1,
        )
        assert queue.counts() == {"queued": 1, "running": 0}
        assert queue.ready_ids() == [job_id]

    def test_submit_writes_inside_the_callers_batch(
        self, flow: gf.Flow, queue: WorkQueue, owner: Owner
    ) -> None:
        """A failing caller batch takes its job submission with it: nothing half written."""
        ids: list[str] = []

        def transition() -> None:
            with flow.batch():
                ids.append(submit(queue, owner))
                raise RuntimeError("the task's transition failed")

        with pytest.raises(RuntimeError):
            transition()
        [job_id] = ids
        with pytest.raises(JobNotFoundError):
            queue.job(job_id)
        assert queue.counts() == {"queued": 0, "running": 0}

    @pytest.mark.parametrize(
        ("kwargs", "message"),
        [
            ({"owner": "studio/owner"}, "owner must be an absolute oid, not 'studio/owner'"),
            ({"function": "eval('1')"}, "function must be a 'module:qualname' reference"),
            ({"function": "os.system"}, "function must be a 'module:qualname' reference"),
            ({"input": {1: 2}}, "the input must be JSON"),
            ({"heartbeat_timeout": 0}, "heartbeat_timeout must be a number of seconds > 0, not 0"),
        ],
    )
    def test_bad_submissions_are_refused(
        self, queue: WorkQueue, kwargs: dict[str, object], message: str
    ) -> None:
        args: dict[str, object] = {"owner": "/studio/owner", "function": "m:f", "input": None}
        args.update(kwargs)
        with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
            queue.submit(**args)  # type: ignore[arg-type]
        assert queue.counts()["queued"] == 0

    def test_an_unknown_job_is_named(self, queue: WorkQueue) -> None:
        with pytest.raises(JobNotFoundError, match="queue 'default' has no job 'nope'"):
            queue.job("nope")

    def test_queue_names_are_checked(self, flow: gf.Flow) -> None:
        with pytest.raises(ValueError, match="'a/b' is not a queue name"):
            WorkQueue(flow, "a/b")

    def test_queue_keys_never_meet_projects(
        self, flow: gf.Flow, queue: WorkQueue, owner: Owner
    ) -> None:
        """Jobs live under '!workflow/', so projects named like queue parts stay apart."""
        for name in ("workflow", "default", "job", "ready"):
            flow.create_project(name, Studio)
        job_id = submit(queue, owner)
        assert flow.projects() == ["studio", "workflow", "default", "job", "ready"]
        assert queue.job(job_id).status == "queued"
        assert flow.store().get(f"!workflow/default/job/{job_id}")["id"] == job_id

    def test_queues_are_separate(self, flow: gf.Flow, queue: WorkQueue, owner: Owner) -> None:
        other = WorkQueue(flow, "render")
        job_id = other.submit(owner=owner.oid(), function="m:f", input=1)
        assert queue.claim("w", 5) is None
        with pytest.raises(JobNotFoundError):
            queue.job(job_id)
        claimed = other.claim("w", 5)
        assert claimed is not None
        assert claimed.id == job_id


class TestClaim:
    def test_claim_takes_the_oldest_due_job_with_a_lease(
        self, queue: WorkQueue, owner: Owner, clock: FakeClock
    ) -> None:
        first, second = submit(queue, owner), submit(queue, owner)
        job = queue.claim("w1", 5)
        assert job is not None
        assert (job.id, job.status, job.attempt, job.worker, job.lease_expires) == (
            first, "running", 1, "w1", clock.now + 5,
        )  # fmt: skip
        assert queue.job(first) == job
        assert queue.ready_ids() == [second]
        assert queue.running_ids() == [first]

    def test_a_claimed_job_is_not_claimed_again(self, queue: WorkQueue, owner: Owner) -> None:
        submit(queue, owner)
        assert queue.claim("w1", 5) is not None
        assert queue.claim("w2", 5) is None

    def test_claim_tells_the_owner(self, queue: WorkQueue, owner: Owner) -> None:
        """owner.job_started is told once the claim has committed."""
        job_id = submit(queue, owner)
        queue.claim("w1", 5)
        assert owner.calls() == [["started", job_id, "running", 1]]

    def test_a_delayed_job_waits(self, queue: WorkQueue, owner: Owner, clock: FakeClock) -> None:
        job_id = submit(queue, owner, delay=10)
        assert queue.claim("w", 5) is None
        clock.advance(10.5)
        job = queue.claim("w", 5)
        assert job is not None
        assert job.id == job_id

    def test_a_stale_record_cannot_be_claimed(self, queue: WorkQueue, owner: Owner) -> None:
        """The compare-and-set: a write from an old version of the job is refused."""
        job_id = submit(queue, owner)
        stale = queue.job(job_id)
        assert queue.claim("w1", 5) is not None
        assert queue._write(stale, queue._changed(stale, status="running", worker="w2")) is None
        assert queue.job(job_id).worker == "w1"


class TestFencing:
    def test_a_late_worker_cannot_overwrite_the_new_holder(
        self, queue: WorkQueue, owner: Owner, clock: FakeClock
    ) -> None:
        """A lease expires, another worker takes attempt 2; attempt 1 can no longer commit."""
        job_id = submit(queue, owner)
        first = queue.claim("slow", 5)
        assert first is not None
        clock.advance(6)
        [swept] = queue.sweep()
        assert (swept.status, swept.lost, swept.timeout_type) == ("queued", 1, "lease")
        second = queue.claim("fast", 5)
        assert second is not None
        assert second.attempt == 2
        assert queue.extend(first, 5) is None
        assert queue.complete(first, "stale") is None
        done = queue.complete(second, 6)
        assert done is not None
        job = queue.job(job_id)
        assert (job.status, job.result, job.worker, job.attempt) == ("done", 6, "fast", 2)
        assert owner.calls()[-1] == ["finished", job_id, "done", 2]

    def test_extending_keeps_the_job(
        self, queue: WorkQueue, owner: Owner, clock: FakeClock
    ) -> None:
        submit(queue, owner)
        held = queue.claim("w", 5)
        assert held is not None
        clock.advance(4)
        held = queue.extend(held, 5, heartbeat=True, details={"frame": 12})
        assert held is not None
        assert held.heartbeat_details == {"frame": 12}
        clock.advance(4)
        assert queue.sweep() == []
        assert queue.complete(held, 1) is not None

    def test_the_version_log_records_every_change(
        self, flow: gf.Flow, queue: WorkQueue, owner: Owner
    ) -> None:
        job_id = submit(queue, owner)
        held = queue.claim("w", 5)
        assert held is not None
        queue.complete(held, 6)
        store = flow.store()
        log = f"!workflow/default/job/{job_id}/v"
        # Each version, and the owner told of versions 2 (started) and 3 (finished).
        assert store.ordered_range(log) == ["1", "2", "2/told", "3", "3/told"]
        assert [store.ordered_get(log, n)["status"] for n in "123"] == ["queued", "running", "done"]
        entries = queue.log(job_id)
        assert [(e["version"], e.get("status"), e.get("told")) for e in entries] == [
            (1, "queued", None),
            (2, "running", None),
            (2, None, "job_started"),
            (3, "done", None),
            (3, None, "job_finished"),
        ]
        assert all(e["error"] is None for e in entries if "told" in e)


class TestTimeouts:
    def test_schedule_to_start(self, queue: WorkQueue, owner: Owner, clock: FakeClock) -> None:
        """A job no worker started in time is timed out, and its owner told."""
        job_id = submit(queue, owner, schedule_to_start=5)
        clock.advance(6)
        [job] = queue.sweep()
        assert (job.status, job.timeout_type) == ("timed_out", "schedule_to_start")
        assert queue.counts() == {"queued": 0, "running": 0}
        assert owner.calls() == [["finished", job_id, "timed_out", 0]]

    def test_start_to_close_is_retried_by_policy(
        self, queue: WorkQueue, owner: Owner, clock: FakeClock
    ) -> None:
        job_id = submit(
            queue, owner, start_to_close=10, retry=RetryPolicy(max_attempts=2, initial_backoff=3)
        )
        queue.claim("w", 60)
        clock.advance(11)
        [job] = queue.sweep()
        assert (job.status, job.failures, job.due) == ("queued", 1, clock.now + 3)
        assert "timed out (start_to_close)" in (job.error or "")
        assert queue.claim("w", 60) is None  # backing off
        clock.advance(3.5)
        assert queue.claim("w", 60) is not None
        clock.advance(11)
        [job] = queue.sweep()
        assert (job.status, job.failures, job.attempt) == ("timed_out", 2, 2)
        assert owner.calls()[-1] == ["finished", job_id, "timed_out", 2]

    def test_heartbeat_timeout(self, queue: WorkQueue, owner: Owner, clock: FakeClock) -> None:
        submit(queue, owner, heartbeat_timeout=5)
        held = queue.claim("w", 60)
        assert held is not None
        clock.advance(4)
        held = queue.extend(held, 60, heartbeat=True)
        assert held is not None
        clock.advance(4)
        assert queue.sweep() == []  # the heartbeat moved the deadline
        clock.advance(2)
        [job] = queue.sweep()
        assert (job.status, job.timeout_type) == ("timed_out", "heartbeat")

    def test_a_late_heartbeat_is_a_timeout(
        self, queue: WorkQueue, owner: Owner, clock: FakeClock
    ) -> None:
        """A heartbeat after the deadline does not revive the attempt."""
        job_id = submit(queue, owner, heartbeat_timeout=5)
        held = queue.claim("w", 60)
        assert held is not None
        clock.advance(6)
        assert queue.extend(held, 60, heartbeat=True) is None
        assert queue.job(job_id).status == "timed_out"

    def test_a_job_that_keeps_losing_its_worker_ends(
        self, queue: WorkQueue, owner: Owner, clock: FakeClock
    ) -> None:
        """Lost leases requeue without counting as failures, MAX_LOST times at most."""
        job_id = submit(queue, owner)
        for lost in range(1, MAX_LOST + 1):
            assert queue.claim(f"w{lost}", 1) is not None
            clock.advance(2)
            [job] = queue.sweep()
            assert job.lost == lost
        assert (job.status, job.failures, job.timeout_type) == ("timed_out", 0, "lease")
        assert owner.calls()[-1] == ["finished", job_id, "timed_out", MAX_LOST]


class TestCancel:
    def test_cancel_a_queued_job(self, queue: WorkQueue, owner: Owner) -> None:
        job_id = submit(queue, owner)
        assert queue.cancel(job_id, "not needed")
        job = queue.job(job_id)
        assert (job.status, job.reason) == ("canceled", "not needed")
        assert queue.claim("w", 5) is None
        assert not queue.cancel(job_id)
        assert owner.calls() == []  # the canceler is told nothing it does not know

    def test_cancel_a_running_job_fences_its_worker(self, queue: WorkQueue, owner: Owner) -> None:
        job_id = submit(queue, owner)
        held = queue.claim("w", 5)
        assert held is not None
        assert queue.cancel(job_id, notify=True)
        assert queue.complete(held, 1) is None
        assert queue.job(job_id).status == "canceled"
        assert queue.counts() == {"queued": 0, "running": 0}
        assert owner.calls()[-1] == ["finished", job_id, "canceled", 1]

    def test_forget_an_ended_job(self, queue: WorkQueue, owner: Owner) -> None:
        job_id = submit(queue, owner)
        with pytest.raises(WorkflowError, match="is queued: cancel it before forgetting it"):
            queue.forget(job_id)
        queue.cancel(job_id)
        queue.forget(job_id)
        with pytest.raises(JobNotFoundError):
            queue.job(job_id)


class TestOwners:
    def test_a_failing_owner_does_not_block_the_job(
        self, flow: gf.Flow, queue: WorkQueue, owner: Owner
    ) -> None:
        """The job still ends; the owner's error is kept in its log and in diagnostics,
        and the owner's writes of that call are rolled back."""
        owner.explode.set(True)
        job_id = submit(queue, owner)
        held = queue.claim("w", 5)
        assert held is not None
        job = queue.complete(held, 6)
        assert job is not None
        assert job.status == "done"
        stored = queue.job(job_id)
        assert stored.status == "done"
        [told] = [e for e in queue.log(job_id) if e.get("told") == "job_finished"]
        assert "RuntimeError: owner bug" in told["error"]
        assert owner.calls() == [["started", job_id, "running", 1]]
        [diagnostic] = flow.session().diagnostics
        assert diagnostic.oid == "/studio/owner"
        assert diagnostic.error == "RuntimeError"

    def test_a_missing_owner_is_reported(self, flow: gf.Flow, queue: WorkQueue) -> None:
        job_id = queue.submit(owner="/gone/task", function="m:f", input=None)
        held = queue.claim("w", 5)
        assert held is not None
        assert queue.complete(held, 1) is not None
        assert queue.job(job_id).status == "done"
        messages = [d.message for d in flow.session().diagnostics]
        assert [m.split(" (m:f) ")[1] for m in messages] == [
            "is running but its owner /gone/task cannot be found: there is no project 'gone'",
            "is done but its owner /gone/task cannot be found: there is no project 'gone'",
        ]


class TestOwnersHearAfterCommit:
    """Issue 17: the queue tells owners once the job's change committed, never inside
    (or instead of) it, and a notice that a crash left untold is told by a sweep."""

    def test_a_rolled_back_claim_is_never_told(
        self, flow: gf.Flow, queue: WorkQueue, owner: Owner
    ) -> None:
        job_id = submit(queue, owner)
        inside: list[object] = []

        def claim_then_give_up() -> None:
            with flow.batch():
                inside.append(queue.claim("w", 5))
                inside.append(owner.calls())  # not told inside the batch
                raise RuntimeError("the caller gave up")

        with pytest.raises(RuntimeError, match="caller gave up"):
            claim_then_give_up()
        assert inside[0] is not None
        assert inside[1] == []
        assert owner.calls() == []
        assert queue.job(job_id).status == "queued"
        assert queue.claim("w", 5) is not None
        assert owner.calls() == [["started", job_id, "running", 1]]

    @pytest.mark.parametrize("store_kind", ["sqlite", "redis"], indirect=True)
    def test_the_owner_reads_what_was_committed(
        self, flow: gf.Flow, queue: WorkQueue, clock: FakeClock
    ) -> None:
        """Told from within the commit hook, an owner reading the store through another
        connection already sees the job's new status."""
        studio = flow.create_project("studio", Studio)
        job_id = queue.submit(
            owner=studio.witness.oid(), function="workflow_jobs:multiply", input=[1, 1]
        )
        held = queue.claim("w", 5)
        assert held is not None
        queue.complete(held, 1)
        assert studio.witness.seen.get() == [
            ["job_started", "running"],
            ["job_finished", "done"],
        ]
        assert queue.job(job_id).status == "done"

    @pytest.mark.parametrize("store_kind", ["sqlite", "redis"], indirect=True)
    def test_a_crash_before_telling_is_told_by_a_sweep(
        self, flow: gf.Flow, owner: Owner, run_python: PythonRunner
    ) -> None:
        """A program that dies between committing a claim and telling the owner (here:
        the owner's callback kills it) leaves the notice owed; a later sweep tells it,
        once."""
        queue = WorkQueue(flow)
        job_id = submit(queue, owner)
        owner.crash.set(True)
        proc = run_python(
            "import graftflow as gf\n"
            "from graftflow.plugins.workflow import WorkQueue\n"
            f"flow = gf.Flow(store=gf.open_store({flow.store().url!r}))\n"
            "WorkQueue(flow).claim('doomed', 600)\n",
            check=False,
        )
        assert proc.returncode == 3, proc.stderr
        job = queue.job(job_id)
        assert (job.status, job.worker) == ("running", "doomed")  # the claim committed
        assert owner.calls() == []  # the owner was never told
        owner.crash.set(False)
        assert queue.sweep() == []  # too early: the committing program may still tell it
        assert owner.calls() == []
        restore = set_clock(flow, lambda: time.time() + 60)
        try:
            queue.sweep()
            queue.sweep()
        finally:
            restore()
        assert owner.calls() == [["started", job_id, "running", 1]]
        told = [e for e in queue.log(job_id) if "told" in e]
        assert [(e["version"], e["told"], e["error"]) for e in told] == [(2, "job_started", None)]


class TestListingAndRetrying:
    """What ``graftflow jobs`` is built on."""

    def test_jobs_newest_first_with_filters(
        self, queue: WorkQueue, owner: Owner, clock: FakeClock
    ) -> None:
        first = submit(queue, owner)
        second = submit(queue, owner, function="workflow_jobs:boom", input=1)
        other = queue.submit(owner="/elsewhere/x", function="workflow_jobs:boom", input=2)
        held = queue.claim("w", 5)
        assert held is not None
        assert held.id == first
        queue.complete(held, 6)
        assert [j.id for j in queue.jobs()] == [other, second, first]
        assert [j.id for j in queue.jobs(status="done")] == [first]
        assert [j.id for j in queue.jobs(function="workflow_jobs:boom")] == [other, second]
        assert [j.id for j in queue.jobs(owner=owner.oid())] == [second, first]
        assert [j.id for j in queue.jobs(owner="/studio/")] == [second, first]
        assert [j.id for j in queue.jobs(limit=1)] == [other]
        queue.forget(first)
        assert [j.id for j in queue.jobs()] == [other, second]

    def test_retry_queues_a_failed_job_again(
        self, queue: WorkQueue, owner: Owner, clock: FakeClock
    ) -> None:
        job_id = submit(queue, owner, function="workflow_jobs:boom", input=1)
        held = queue.claim("w", 5)
        assert held is not None
        failed = queue.fail_with(held, "Traceback...\nValueError: no", "ValueError")
        assert failed is not None
        assert failed.status == "failed"
        assert queue.retry(job_id) == job_id
        job = queue.job(job_id)
        assert (job.status, job.failures, job.attempt) == ("queued", 0, 1)
        again = queue.claim("w", 5)
        assert again is not None
        assert again.attempt == 2
        assert queue.complete(again, 7) is not None
        assert owner.calls()[-1] == ["finished", job_id, "done", 2]
        with pytest.raises(WorkflowError, match="is done; only a failed, timed out or canceled"):
            queue.retry(job_id)


def test_job_records_round_trip(queue: WorkQueue, owner: Owner) -> None:
    """A Job survives its JSON form unchanged (what every store holds)."""
    job = queue.job(submit(queue, owner, retry=RetryPolicy(max_attempts=2)))
    assert JobRecord.from_json(job.to_json()) == job
