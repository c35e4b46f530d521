"""Workers: processes that take jobs from a queue, run them and record what happened.

A worker claims a job with a lease (see :mod:`._queue` for why a claim is atomic), and
a background thread extends that lease while the job's function runs, so a slow job is
never taken from a live worker, while a dead worker's lease simply runs out and any
other worker takes the job back (``sweep``). ``ctx.heartbeat()`` is the function's own
sign of life: the job's ``heartbeat_timeout`` limits the time between two of them,
whatever the lease.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from graftflow import Flow
from graftflow.extending import JSONValue

from ._activity import is_activity
from ._clock import Clock, clock_of
from ._queue import JobCanceled, JobLost, JobRecord, WorkQueue, import_function

__all__ = ["JobContext", "Worker", "WorkerEvent"]

logger = logging.getLogger("graftflow.workflow")

#: One thing a worker did, as a JSON object (the CLI prints them as JSON lines).
WorkerEvent = dict[str, JSONValue]

#: The keepalive thread writes this many times per lease.
_EXTENDS_PER_LEASE: Final = 3


# What an attempt's function came to; the worker records each kind its own way.


@dataclass(frozen=True, slots=True)
class _Returned:
    value: Any


@dataclass(frozen=True, slots=True)
class _Raised:
    error: BaseException


@dataclass(frozen=True, slots=True)
class _Unimportable:
    message: str


@dataclass(frozen=True, slots=True)
class _CanceledItself:
    reason: str


@dataclass(frozen=True, slots=True)
class _ToldLost:
    detail: str


@dataclass(frozen=True, slots=True)
class _Interrupted:
    """Ctrl-C: the job goes back to the queue as if this attempt never started."""


_Outcome = _Returned | _Raised | _Unimportable | _CanceledItself | _ToldLost | _Interrupted


class _Attempt:
    """What a worker knows about the attempt it runs; shared with its keepalive thread."""

    def __init__(self, queue: WorkQueue, job: JobRecord, lease: float) -> None:
        self.queue = queue
        self.held = job
        self.lease = lease
        self.lock = threading.Lock()
        #: Why the attempt lost its job (None: it still holds it).
        self.lost: JobRecord | None = None
        self.lost_reason: str | None = None
        self.done = threading.Event()
        #: When the function last called heartbeat(), and when a heartbeat was last
        #: written: lease extensions alone must not hide a missing heartbeat.
        self.beat_at: float | None = None
        self.beat_written = queue.now()

    def _lose(self) -> None:
        try:
            current = self.queue.job(self.held.id)
        except LookupError:
            current = None
        self.lost = current or self.held
        self.lost_reason = "lost" if current is None else current.status

    def extend(self, *, details: JSONValue = None) -> None:
        """Write a new lease (and the last heartbeat, if one is not written yet); note
        it if the job was taken from us."""
        with self.lock:
            if self.lost is not None:
                return
            beat = self.beat_at
            pending = beat is not None and beat != self.held.heartbeat_at
            got = self.queue.extend(
                self.held, self.lease, heartbeat_at=beat if pending else None, details=details
            )
            if got is None:
                self._lose()
            else:
                self.held = got
                if pending:
                    self.beat_written = self.queue.now()

    def keepalive(self) -> None:
        interval = self.lease / _EXTENDS_PER_LEASE
        while not self.done.wait(interval):
            try:
                self.extend()
            except Exception as exc:  # a store hiccup: the lease may lapse, the commit is fenced
                logger.warning("job %s: could not extend its lease: %s", self.held.id, exc)
                continue
            if self.lost is not None:
                return


class JobContext:
    """What a job's function receives: its input and a way to show it is alive.

    :ivar input: the job's JSON input.
    :ivar job_id: the job's id.
    :ivar attempt: 1 for the first attempt, 2 for the first retry...
    :ivar flow: the worker's flow (to read or write objects).
    :ivar job: the job's record as claimed.
    """

    __slots__ = ("_attempt", "attempt", "flow", "input", "job", "job_id")

    def __init__(self, flow: Flow, attempt: _Attempt) -> None:
        job = attempt.held
        self._attempt = attempt
        self.flow = flow
        self.job = job
        self.input: JSONValue = job.input
        self.job_id = job.id
        self.attempt = job.attempt

    def __repr__(self) -> str:
        return f"<JobContext {self.job_id} attempt {self.attempt} {self.job.function}>"

    def heartbeat(self, details: JSONValue = None) -> None:
        """Tell the queue the job is making progress (cheap: call it in loops).

        Writes reach the store at most a few times per lease or heartbeat timeout; the
        latest ``details`` (JSON) are kept on the job for a later attempt to resume from.

        :raises JobCanceled: the job was canceled; stop and let the exception propagate.
        :raises JobLost: this attempt timed out or lost its lease and the job was given
            back to the queue; nothing it returns will be recorded.
        """
        state = self._attempt
        if state.lost is None:
            job = state.held
            now = state.queue.now()
            if job.overdue(now) not in (None, "lease"):
                state.extend()  # records the timeout, and loses the job
            else:
                state.beat_at = now
                period = job.heartbeat_timeout or state.lease
                if details is not None or now - state.beat_written >= period / _EXTENDS_PER_LEASE:
                    state.extend(details=details)
        if state.lost is not None:
            if state.lost_reason == "canceled":
                reason = state.lost.reason
                raise JobCanceled(
                    f"job {self.job_id} was canceled" + (f": {reason}" if reason else "")
                )
            raise JobLost(
                f"attempt {self.attempt} of job {self.job_id} no longer holds it "
                f"(the job is {state.lost_reason}: {state.lost.error or 'its lease ran out'})"
            )


class Worker:
    """Runs the jobs of one queue, one at a time.

    :param flow: the flow whose store holds the queue.
    :param queue: the queue's name.
    :param lease: seconds a claim lasts without being extended. The worker extends it
        while a job runs; a worker that dies loses its jobs after this long.
    :param poll: seconds to wait between two looks at an empty queue.
    :param on_event: called with each :data:`WorkerEvent` (the CLI prints them).
    :param clock: where time comes from (default: the flow's, see ``set_clock``).
    """

    def __init__(
        self,
        flow: Flow,
        queue: str = "default",
        *,
        lease: float = 30.0,
        poll: float = 0.2,
        on_event: Callable[[WorkerEvent], Any] | None = None,
        clock: Clock | None = None,
        name: str | None = None,
    ) -> None:
        if isinstance(lease, bool) or not isinstance(lease, (int, float)) or not lease > 0:
            raise ValueError(f"Worker: lease must be a number of seconds > 0, not {lease!r}")
        self.flow = flow
        self.queue = WorkQueue(flow, queue, clock=clock or clock_of(flow))
        self.lease = float(lease)
        self.poll = poll
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self._on_event = on_event
        self._stop = threading.Event()

    def __repr__(self) -> str:
        return f"<Worker {self.name} queue={self.queue.name!r}>"

    def stop(self) -> None:
        """Ask :meth:`run` to return once the current job is finished (signal-safe)."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def run(self, max_jobs: int | None = None, idle_exit: float | None = None) -> int:
        """Run jobs until stopped, ``max_jobs`` were run, or the queue stayed empty for
        ``idle_exit`` seconds; return how many jobs were run."""
        count = 0
        idle_since: float | None = None
        while not self._stop.is_set():
            if max_jobs is not None and count >= max_jobs:
                break
            if self.run_once() is not None:
                count += 1
                idle_since = None
                continue
            if idle_since is None:
                idle_since = time.monotonic()
            if idle_exit is not None and time.monotonic() - idle_since >= idle_exit:
                break
            self._stop.wait(self.poll)
        return count

    def run_once(self) -> WorkerEvent | None:
        """Time out what is overdue, then claim and run one job.

        Returns the event that ended the job (``done``, ``failed``, ``retrying``,
        ``canceled``, ``lost``...), or ``None`` if no job was due.
        """
        for swept in self.queue.sweep():
            self._emit("swept", swept)
        job = self.queue.claim(self.name, self.lease)
        if job is None:
            return None
        self._emit("claimed", job)
        return self._run(job)

    # -- internals ----------------------------------------------------------------------

    def _run(self, job: JobRecord) -> WorkerEvent:
        state = _Attempt(self.queue, job, self.lease)
        keeper = threading.Thread(target=state.keepalive, name=f"lease {job.id}", daemon=True)
        keeper.start()
        outcome: _Outcome
        try:
            try:
                function = import_function(job)
            except ImportError as exc:
                outcome = _Unimportable(str(exc))
            else:
                try:
                    outcome = _Returned(self._call(function, JobContext(self.flow, state)))
                except JobCanceled as exc:
                    outcome = _CanceledItself(str(exc))
                except JobLost as exc:
                    outcome = _ToldLost(str(exc))
                except (Exception, SystemExit) as exc:
                    outcome = _Raised(exc)
                except KeyboardInterrupt:
                    self._finish(state, keeper)
                    self._end(state, _Interrupted())
                    raise
        finally:
            self._finish(state, keeper)
        return self._end(state, outcome)

    @staticmethod
    def _call(function: Callable[..., Any], context: JobContext) -> Any:
        """Run a job function, or an Activity class's ``execute()``."""
        if is_activity(function):
            return function(context).execute()
        return function(context)

    @staticmethod
    def _finish(state: _Attempt, keeper: threading.Thread) -> None:
        state.done.set()
        keeper.join()

    def _end(self, state: _Attempt, outcome: _Outcome) -> WorkerEvent:
        queue = self.queue
        with state.lock:
            held, lost = state.held, state.lost
            if lost is not None:
                if isinstance(outcome, _CanceledItself) and state.lost_reason == "canceled":
                    # The function stopped because someone canceled the job.
                    return self._emit("canceled", lost)
                detail = outcome.detail if isinstance(outcome, _ToldLost) else ""
                return self._emit("lost", lost, attempt=held.attempt, detail=detail)
            got: JobRecord | None
            match outcome:
                case _Returned(value):
                    try:
                        got = queue.complete(held, value)
                    except ValueError as exc:
                        got = queue.fail(held, exc)
                case _Raised(error):
                    got = queue.fail(held, error)
                case _Unimportable(message):
                    got = queue.fail_with(held, message, "ImportError")
                case _CanceledItself(reason):
                    got = queue.cancel_held(held, reason)
                case _Interrupted():
                    got = queue.release(held)
                case _ToldLost():  # heartbeat() told the function; the store agrees
                    got = None
        if got is None:
            current = queue.find(held.id) or held
            return self._emit("lost", current, attempt=held.attempt)
        if got.status == "queued":
            event = "released" if isinstance(outcome, _Interrupted) else "retrying"
        else:
            event = got.status
        return self._emit(event, got, attempt=held.attempt)

    def _emit(self, event: str, job: JobRecord, **extra: JSONValue) -> WorkerEvent:
        record: WorkerEvent = {
            "event": event,
            "job": job.id,
            "queue": job.queue,
            "function": job.function,
            "owner": job.owner,
            "attempt": job.attempt,
            "status": job.status,
            "worker": self.name,
        }
        record.update(extra)
        if job.status == "failed" or (event == "retrying" and job.error):
            record["error"] = (job.error or "").strip().splitlines()[-1:][0] if job.error else None
        if self._on_event is not None:
            self._on_event(record)
        return record
