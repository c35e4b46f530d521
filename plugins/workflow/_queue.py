"""The work queue: jobs kept in the flow's store, claimed by workers with a lease.

Why it is built this way (issue 6):

- **Only the Store protocol.** The queue works on every store (memory, SQLite, Redis)
  because it uses nothing else. Its keys start with ``!workflow/``, which no oid can
  (oids start with ``/``), as ``!projects`` does for the flow's project registry.
- **One compare-and-set for every change of a job.** Each job has a *version log*, an
  ordered map whose names are version numbers. A change from version ``v`` adds name
  ``v + 1`` to it in the same batch as the new job record. ``ordered_add`` refuses a
  name that exists, atomically on all three stores (SQLite: a unique index inside one
  ``BEGIN IMMEDIATE`` transaction; Redis: the first pass of the write script; memory: a
  lock), and a refused name undoes the whole batch. So of two workers racing for a job,
  or a slow worker committing a result after its lease was taken over, exactly one
  write lands; the other learns it lost and writes nothing. A plain read-check-write
  would not be atomic on Redis, whose batches are collected on the client.
  (``incr`` is atomic too, but not inside a batch on Redis, and a claim must be one
  batch with the record and the ready list.)
- **No scan of the store.** Queued jobs are listed in a ready list and running ones in
  a running list (ordered maps per queue); workers page through those, never the store.
- **Owners hear after the commit, exactly once.** ``owner.job_started(job)`` and
  ``owner.job_finished(job)`` are told once the job's change has committed (the core's
  commit hook, :meth:`Flow.on_commit`), never for a change that was rolled back or lost
  to another worker. The batch that changes the job also adds an entry to the queue's
  *owed* list; telling the owner is a transaction of its own that runs the owner's
  callback, adds ``<version>/told`` to the job's version log (refused if it exists: two
  tellers cannot both tell) and removes the entry; if another program changed what the
  owner read meanwhile (two jobs of one process ending at once), it runs again on the
  new state. If the program dies in between, the entry
  stays, and any worker's :meth:`WorkQueue.sweep` tells the owner later, in version
  order; so a task's status catches up with its job's even if a worker dies.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import traceback
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, Final, Literal, final

from graftflow import ConflictError, ExistsError, Flow, GraftflowError
from graftflow.extending import JSONValue, import_ref, json_error

from ._clock import Clock, clock_of
from ._nodes import WorkflowError
from ._retry import DEFAULT_RETRY, RetryPolicy

__all__ = [
    "JobCanceled",
    "JobLost",
    "JobNotFoundError",
    "JobRecord",
    "JobStatus",
    "WorkQueue",
    "import_function",
]

logger = logging.getLogger("graftflow.workflow")

JobStatus = Literal["queued", "running", "done", "failed", "canceled", "timed_out"]
#: Statuses a job never leaves (unless someone retries it).
ENDED: Final = frozenset({"done", "failed", "canceled", "timed_out"})
#: Ended statuses a retry may start again from.
RETRYABLE: Final = frozenset({"failed", "canceled", "timed_out"})

#: A job whose worker vanished this many times (lease expired with no other deadline
#: passed) is timed out instead of queued again: it probably kills its worker.
_MAX_LOST: Final = 5
#: Seconds an owner's notification may stay owed before a sweep tells the owner itself
#: (the committing program normally tells it milliseconds after the commit).
_OWED_GRACE: Final = 5.0
#: How many more times telling an owner runs when another writer changed what the owner
#: read (two activities of one decider ending at once, a person moving the process).
_TELL_RETRIES: Final = 20

_QUEUE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
_REFERENCE = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*(\.[A-Za-z_]\w*)*")


class JobNotFoundError(GraftflowError, LookupError):
    """No job with that id in that queue (never submitted, or forgotten)."""


class JobCanceled(GraftflowError):
    """Raised by a job function to end its job as ``canceled`` (the seed's
    ``ActivityCanceled``); raised by ``ctx.heartbeat()`` when someone canceled the job.
    """


class JobLost(GraftflowError):
    """Raised by ``ctx.heartbeat()`` when this attempt no longer owns its job (its lease
    or a timeout expired and the job was taken back); the attempt's result would be
    thrown away, so the function should stop."""


def import_function(job: JobRecord) -> Callable[..., Any]:
    """Import the function (or Activity class) a job names, with importlib only.

    :raises ImportError: naming the job, the reference and what failed.
    """
    where = f"job {job.id} (queue {job.queue!r}): cannot import the function {job.function!r}"
    try:
        target = import_ref(job.function)
    except ImportError as exc:
        # A module that does not import is the workers' environment, not the job's.
        hint = (
            " (install the package that provides it, or fix PYTHONPATH for the workers)"
            if exc.__cause__ is not None
            else ""
        )
        raise ImportError(f"{where}: {exc}{hint}") from exc
    if not callable(target):
        raise ImportError(f"{where}: it is a {type(target).__name__}, not a callable")
    return target  # type: ignore[no-any-return]


@final
@dataclass(frozen=True, slots=True)
class JobRecord:
    """A read-only record of one job, as the store held it when read.

    ``attempt`` counts the attempts started so far (the running one included);
    ``failures`` those that raised or timed out; ``lost`` those whose worker vanished.
    ``error`` is the formatted traceback of the last failure (or a timeout's
    description); ``timeout_type`` says which deadline passed (``"schedule_to_start"``,
    ``"start_to_close"``, ``"heartbeat"`` or ``"lease"``).
    """

    id: str
    queue: str
    owner: str
    function: str
    input: JSONValue
    status: JobStatus
    retry: RetryPolicy
    schedule_to_start: float | None
    start_to_close: float | None
    heartbeat_timeout: float | None
    created: float
    updated: float
    due: float
    version: int = 1
    attempt: int = 0
    failures: int = 0
    lost: int = 0
    result: JSONValue = None
    error: str | None = None
    error_type: str | None = None
    timeout_type: str | None = None
    worker: str | None = None
    lease_expires: float | None = None
    started: float | None = None
    heartbeat_at: float | None = None
    heartbeat_details: JSONValue = None
    finished: float | None = None
    reason: str | None = None

    @property
    def ended(self) -> bool:
        """Whether the job reached a status it never leaves by itself."""
        return self.status in ENDED

    def overdue(self, now: float) -> str | None:
        """Which deadline of a running job has passed at ``now`` (``None``: none)."""
        if self.status != "running" or self.started is None:
            return None
        if self.start_to_close is not None and now > self.started + self.start_to_close:
            return "start_to_close"
        if self.heartbeat_timeout is not None:
            last = self.heartbeat_at if self.heartbeat_at is not None else self.started
            if now > last + self.heartbeat_timeout:
                return "heartbeat"
        if self.lease_expires is not None and now > self.lease_expires:
            return "lease"
        return None

    def start_deadline(self) -> float | None:
        """When a queued job times out if no worker has started it."""
        if self.schedule_to_start is None:
            return None
        return self.due + self.schedule_to_start

    def to_json(self) -> dict[str, JSONValue]:
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        data["retry"] = self.retry.to_json()
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> JobRecord:
        fields = dict(data)
        fields["retry"] = RetryPolicy.from_json(fields["retry"])
        return cls(**fields)


def _timeout(name: str, value: float | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError(f"submit(): {name} must be a number of seconds > 0, not {value!r}")
    return float(value)


def error_types(exc: BaseException) -> tuple[str, ...]:
    """The names a retry policy matches an exception with: its class and its bases."""
    return tuple(cls.__name__ for cls in type(exc).__mro__ if cls not in (object, BaseException))


class _OwnerFailed(Exception):
    """The owner's callback raised (its exception is the cause): a bug of the owner's,
    recorded once, unlike a store that cannot be reached (told again later)."""


class WorkQueue:
    """A named queue of jobs in a flow's store.

    :param flow: whose store holds the jobs; owners are found in it.
    :param name: the queue (letters, digits, ``_``, ``.``, ``-``).
    :param clock: where time comes from (default: the flow's workflow clock, wall time).
    """

    def __init__(self, flow: Flow, name: str = "default", *, clock: Clock | None = None) -> None:
        if not isinstance(name, str) or not _QUEUE_NAME.fullmatch(name):
            raise ValueError(f"{name!r} is not a queue name: use letters, digits, '_', '.' and '-'")
        self.flow = flow
        self.name = name
        self._store = flow.store()
        self._clock = clock
        self._prefix = f"!workflow/{name}/"

    def __repr__(self) -> str:
        return f"<WorkQueue {self.name!r} in {self.flow!r}>"

    def now(self) -> float:
        """The queue's current time (its clock's)."""
        return (self._clock or clock_of(self.flow))()

    # -- keys ---------------------------------------------------------------------------

    def _record_key(self, job_id: str) -> str:
        return f"{self._prefix}job/{job_id}"

    def _log_key(self, job_id: str) -> str:
        """The job's version log: ``1``, ``2``... and ``<version>/told``."""
        return f"{self._prefix}job/{job_id}/v"

    @property
    def _all(self) -> str:
        return f"{self._prefix}jobs"

    @property
    def _ready(self) -> str:
        return f"{self._prefix}ready"

    @property
    def _running(self) -> str:
        return f"{self._prefix}running"

    @property
    def _owed(self) -> str:
        return f"{self._prefix}owed"

    # -- what owners do -----------------------------------------------------------------

    def submit(
        self,
        *,
        owner: str,
        function: str,
        input: JSONValue,
        retry: RetryPolicy | None = None,
        schedule_to_start: float | None = None,
        start_to_close: float | None = None,
        heartbeat_timeout: float | None = None,
        delay: float = 0.0,
    ) -> str:
        """Queue a job and return its id.

        Written in one batch, nested in the caller's ``flow.batch()`` if there is one,
        so a task's change to SCHEDULED and its job are one atomic write.

        :param owner: the oid of the object told ``job_started`` / ``job_finished``.
        :param function: ``"module:qualname"`` of a callable taking a job context, or
            of an :class:`~graftflow.plugins.workflow.Activity` class.
        :param input: JSON, given to the function as ``ctx.input``.
        :param retry: when failures run again (default :data:`DEFAULT_RETRY`).
        :param schedule_to_start: seconds it may wait for a worker before timing out.
        :param start_to_close: seconds one attempt may run.
        :param heartbeat_timeout: seconds between two ``ctx.heartbeat()`` calls at most.
        :param delay: seconds before any worker may start it.
        """
        if not isinstance(owner, str) or not owner.startswith("/"):
            raise ValueError(f"submit(): owner must be an absolute oid, not {owner!r}")
        if not isinstance(function, str) or not _REFERENCE.fullmatch(function):
            raise ValueError(
                f"submit(): function must be a 'module:qualname' reference "
                f"(e.g. 'studio.jobs:render'), not {function!r}"
            )
        problem = json_error(input)
        if problem is not None:
            raise ValueError(f"submit({function}): the input must be JSON: {problem}")
        if retry is not None and not isinstance(retry, RetryPolicy):
            raise TypeError(f"submit(): retry must be a RetryPolicy, not {retry!r}")
        now = self.now()
        job = JobRecord(
            id=uuid.uuid4().hex,
            queue=self.name,
            owner=owner,
            function=function,
            input=input,
            status="queued",
            retry=retry or DEFAULT_RETRY,
            schedule_to_start=_timeout("schedule_to_start", schedule_to_start),
            start_to_close=_timeout("start_to_close", start_to_close),
            heartbeat_timeout=_timeout("heartbeat_timeout", heartbeat_timeout),
            created=now,
            updated=now,
            due=now + max(float(delay), 0.0),
        )
        with self.flow.batch():
            self._store.ordered_add(self._log_key(job.id), {"1": self._log_entry(job)})
            self._store.set(self._record_key(job.id), job.to_json())
            self._store.ordered_add(self._all, {job.id: None})
            self._store.ordered_add(self._ready, {job.id: self._ready_entry(job)})
        return job.id

    def job(self, job_id: str) -> JobRecord:
        """The job's record as stored now.

        :raises JobNotFoundError: naming the queue and the id.
        """
        job = self.find(job_id)
        if job is None:
            raise JobNotFoundError(
                f"queue {self.name!r} has no job {job_id!r} (never submitted, forgotten, "
                "or submitted to another queue)"
            )
        return job

    def find(self, job_id: str) -> JobRecord | None:
        """The job's record as stored now, or ``None`` if there is no such job."""
        data = self._store.get(self._record_key(job_id)) if isinstance(job_id, str) else None
        return None if data is None else JobRecord.from_json(data)

    def jobs(
        self,
        *,
        status: str | None = None,
        owner: str | None = None,
        function: str | None = None,
        limit: int | None = 50,
    ) -> list[JobRecord]:
        """The queue's jobs, newest first, those matching every filter given.

        :param status: a :data:`JobStatus`.
        :param owner: an owner oid, or an oid prefix ending in ``/`` (a shot's jobs).
        :param function: the ``module:qualname`` the jobs run.
        :param limit: how many at most (``None``: all).
        """
        found: list[JobRecord] = []
        end = self._store.ordered_len(self._all)
        while end > 0 and (limit is None or len(found) < limit):
            start = max(end - 200, 0)
            for job_id in reversed(self._store.ordered_range(self._all, start, end)):
                job = self.find(job_id)
                if job is None or (status is not None and job.status != status):
                    continue
                if function is not None and job.function != function:
                    continue
                if owner is not None and not (
                    job.owner == owner or (owner.endswith("/") and job.owner.startswith(owner))
                ):
                    continue
                found.append(job)
                if limit is not None and len(found) >= limit:
                    break
            end = start
        return found

    def log(self, job_id: str) -> list[dict[str, Any]]:
        """The job's story, oldest first: each version written (``version``, ``status``,
        ``attempt``, ``worker``, ``at``, ``error_type``) and each time its owner was told
        (``told``: the callback, ``version``, ``at``, ``error``: the owner's traceback).

        :raises JobNotFoundError: no such job.
        """
        self.job(job_id)
        key = self._log_key(job_id)
        entries = []
        for name in self._store.ordered_range(key):  # "3", or "3/told"
            entry = dict(self._store.ordered_get(key, name) or {})
            entries.append({"version": int(name.partition("/")[0]), **entry})
        return entries

    def cancel(self, job_id: str, reason: str | None = None, *, notify: bool = False) -> bool:
        """Cancel a job that has not ended; return whether this call canceled it.

        A running attempt learns it at its next ``ctx.heartbeat()`` (which raises
        :class:`JobCanceled`) and its result is thrown away. The owner is not told
        unless ``notify``: whoever cancels usually is the owner.
        """
        while True:
            job = self.job(job_id)
            if job.ended:
                return False
            new = self._changed(
                job, status="canceled", reason=reason, finished=self.now(), lease_expires=None
            )
            if self._write(job, new, notify="job_finished" if notify else None) is not None:
                return True

    def retry(self, job_id: str) -> str:
        """Run a failed, timed out or canceled job again; return the id that will run.

        An owner that defines ``retry_job(job) -> str`` decides how (a workflow task
        fires its own ``retry`` transition, which submits a new job, so the task and the
        job stay in step); otherwise the same job is queued again, due now, its
        failures forgotten (attempts go on counting), and the owner hears
        ``job_started`` / ``job_finished`` as it runs. The owner's ``retry_job`` runs
        in a transaction (run again if another program changed what it read).

        :raises WorkflowError: the job is queued, running or done.
        :raises ConflictError: the owner's ``retry_job`` kept losing races; it names
            the job and the owner, and nothing was written.
        """
        while True:
            job = self.job(job_id)
            if job.status not in RETRYABLE:
                raise WorkflowError(
                    f"job {job_id} is {job.status}; only a failed, timed out or canceled "
                    "job is retried"
                )
            owner = self._owner(job)
            retry_job = getattr(owner, "retry_job", None)
            if retry_job is not None:
                try:
                    new_id: str = self.flow.transaction(partial(retry_job, job))
                except ConflictError as exc:
                    raise ConflictError(
                        exc.oids, f"job {job_id}: its owner {job.owner} could not retry it: {exc}"
                    ) from exc
                return new_id
            new = self._changed(
                job, status="queued", due=self.now(), failures=0, lost=0, worker=None,
                lease_expires=None, started=None, finished=None, reason=None,
                timeout_type=None,
            )  # fmt: skip
            if self._write(job, new) is not None:
                return job.id

    def forget(self, job_id: str) -> None:
        """Delete an ended job's record (it stays otherwise, for its owner to read).

        :raises WorkflowError: the job has not ended.
        """
        job = self.job(job_id)
        if not job.ended:
            raise WorkflowError(f"job {job_id} is {job.status}: cancel it before forgetting it")
        with self.flow.batch():
            self._store.ordered_remove(self._all, job_id)
            self._store.delete_tree(self._record_key(job_id))

    def counts(self) -> dict[str, int]:
        """How many jobs wait (``queued``, due or not) and how many run."""
        return {
            "queued": self._store.ordered_len(self._ready),
            "running": self._store.ordered_len(self._running),
        }

    def ready_ids(self) -> list[str]:
        """Ids of the queued jobs, oldest first."""
        return list(self._names(self._ready))

    def running_ids(self) -> list[str]:
        """Ids of the running jobs."""
        return list(self._names(self._running))

    # -- what workers do ----------------------------------------------------------------

    def claim(self, worker: str, lease: float) -> JobRecord | None:
        """Take the oldest due job for ``worker`` with a lease of ``lease`` seconds.

        Queued jobs whose schedule-to-start deadline passed are timed out on the way.
        Returns the running job, or ``None`` if nothing is due.
        """
        now = self.now()
        for job_id in self._names(self._ready):
            entry = self._store.ordered_get(self._ready, job_id)
            if not isinstance(entry, dict):
                continue
            expires = entry.get("expires")
            if expires is not None and now > expires:
                self._expire_queued(job_id, now)
                continue
            if entry.get("due", 0) > now:
                continue
            job = self.find(job_id)
            if job is None or job.status != "queued":
                continue
            new = self._changed(
                job,
                status="running",
                attempt=job.attempt + 1,
                worker=worker,
                lease_expires=now + lease,
                started=now,
                heartbeat_at=None,
                timeout_type=None,
            )
            got = self._write(job, new, notify="job_started")
            if got is not None:
                return got
        return None

    def sweep(self) -> list[JobRecord]:
        """Time out what is overdue: running jobs past a deadline or whose worker
        vanished (lease expired), queued jobs past their schedule-to-start deadline; and
        tell owners what a program that died after committing could not tell them.

        Every worker calls it between jobs, so a dead worker's job is taken back by the
        living. Returns the jobs it changed, as they are now.
        """
        now = self.now()
        changed = []
        for job_id in self._names(self._running):
            job = self.find(job_id)
            if job is None:
                continue
            why = job.overdue(now)
            if why is not None:
                got = self._time_out(job, why, now)
                if got is not None:
                    changed.append(got)
        for job_id in self._names(self._ready):
            entry = self._store.ordered_get(self._ready, job_id)
            expires = entry.get("expires") if isinstance(entry, dict) else None
            if expires is not None and now > expires:
                got = self._expire_queued(job_id, now)
                if got is not None:
                    changed.append(got)
        late = {
            name.partition("/")[0]
            for name in self._names(self._owed)
            if now - (self._store.ordered_get(self._owed, name) or {}).get("at", now) >= _OWED_GRACE
        }
        for job_id in sorted(late):
            self._tell_owner(job_id)
        return changed

    # Holder operations: ``held`` is the job as this attempt last wrote it. Each returns
    # the job as written, or None when the attempt lost the job to someone else.

    def extend(
        self,
        held: JobRecord,
        lease: float,
        *,
        heartbeat: bool = False,
        heartbeat_at: float | None = None,
        details: JSONValue = None,
    ) -> JobRecord | None:
        """Extend the lease of a running attempt, and record a heartbeat (now, or at
        ``heartbeat_at``, when the function last gave one) and its details."""
        now = self.now()
        why = held.overdue(now)
        if why is not None and why != "lease":
            self._time_out(held, why, now)
            return None
        changes: dict[str, Any] = {"lease_expires": now + lease}
        if heartbeat or heartbeat_at is not None:
            changes["heartbeat_at"] = now if heartbeat_at is None else heartbeat_at
        if details is not None:
            changes["heartbeat_details"] = details
        return self._write(held, self._changed(held, **changes))

    def complete(self, held: JobRecord, result: JSONValue) -> JobRecord | None:
        """Record an attempt's result: the job is done."""
        problem = json_error(result)
        if problem is not None:
            raise ValueError(
                f"job {held.id} ({held.function}) returned a value that is not JSON: {problem}"
            )
        new = self._changed(
            held, status="done", result=result, error=None, error_type=None,
            finished=self.now(), lease_expires=None,
        )  # fmt: skip
        return self._write(held, new, notify="job_finished")

    def fail(self, held: JobRecord, exc: BaseException) -> JobRecord | None:
        """Record an attempt's exception: retried by the job's policy, else failed."""
        text = "".join(traceback.format_exception(exc))
        return self._failed(held, text, error_types(exc), type(exc).__name__)

    def fail_with(self, held: JobRecord, text: str, error_type: str) -> JobRecord | None:
        """Record a failure described by ``text`` (a job that could not even start)."""
        return self._failed(held, text, (error_type,), error_type)

    def cancel_held(self, held: JobRecord, reason: str | None) -> JobRecord | None:
        """End a job as ``canceled`` because its own function said so."""
        new = self._changed(
            held, status="canceled", reason=reason, finished=self.now(), lease_expires=None
        )
        return self._write(held, new, notify="job_finished")

    def release(self, held: JobRecord) -> JobRecord | None:
        """Give a running job back to the queue, as if this attempt never started
        (a worker stopping with Ctrl-C)."""
        new = self._changed(
            held, status="queued", attempt=held.attempt - 1, worker=None, lease_expires=None,
            started=None, due=self.now(),
        )  # fmt: skip
        return self._write(held, new)

    # -- internals ----------------------------------------------------------------------

    def _names(self, key: str, chunk: int = 200) -> Iterator[str]:
        # Pages of the list, re-read as we go: entries leave it while we walk.
        seen: set[str] = set()
        start = 0
        while True:
            names = self._store.ordered_range(key, start, start + chunk)
            for name in names:
                if name not in seen:
                    seen.add(name)
                    yield name
            if len(names) < chunk:
                return
            start += chunk

    def _changed(self, job: JobRecord, **changes: Any) -> JobRecord:
        return dataclasses.replace(job, version=job.version + 1, updated=self.now(), **changes)

    @staticmethod
    def _ready_entry(job: JobRecord) -> dict[str, JSONValue]:
        return {"due": job.due, "expires": job.start_deadline()}

    @staticmethod
    def _log_entry(job: JobRecord) -> dict[str, JSONValue]:
        return {
            "status": job.status,
            "attempt": job.attempt,
            "worker": job.worker,
            "at": job.updated,
            "error_type": job.error_type,
        }

    def _failed(
        self, held: JobRecord, text: str, types: tuple[str, ...], error_type: str
    ) -> JobRecord | None:
        failures = held.failures + 1
        now = self.now()
        common = {
            "failures": failures,
            "error": text,
            "error_type": error_type,
            "worker": None,
            "lease_expires": None,
        }
        if held.retry.allows(failures, types):
            new = self._changed(
                held, status="queued", due=now + held.retry.backoff(failures), **common
            )
            return self._write(held, new)
        new = self._changed(held, status="failed", finished=now, **common)
        return self._write(held, new, notify="job_finished")

    def _time_out(self, job: JobRecord, why: str, now: float) -> JobRecord | None:
        common: dict[str, Any] = {"worker": None, "lease_expires": None, "timeout_type": why}
        if why == "lease":
            if job.lost + 1 < _MAX_LOST:
                return self._write(
                    job, self._changed(job, status="queued", due=now, lost=job.lost + 1, **common)
                )
            text = f"job {job.id}: its worker vanished {_MAX_LOST} times (lease expired)"
            new = self._changed(
                job, status="timed_out", lost=job.lost + 1, finished=now, error=text, **common
            )
            return self._write(job, new, notify="job_finished")
        failures = job.failures + 1
        text = f"attempt {job.attempt} of job {job.id} ({job.function}) timed out ({why})"
        common.update(failures=failures, error=text, error_type="TimeoutError")
        if job.retry.allows(failures):
            new = self._changed(
                job, status="queued", due=now + job.retry.backoff(failures), **common
            )
            return self._write(job, new)
        new = self._changed(job, status="timed_out", finished=now, **common)
        return self._write(job, new, notify="job_finished")

    def _expire_queued(self, job_id: str, now: float) -> JobRecord | None:
        job = self.find(job_id)
        if job is None or job.status != "queued":
            return None
        deadline = job.start_deadline()
        if deadline is None or now <= deadline:
            return None
        text = f"job {job.id} ({job.function}) waited more than {job.schedule_to_start} s"
        new = self._changed(
            job, status="timed_out", timeout_type="schedule_to_start", error=text,
            error_type="TimeoutError", finished=now,
        )  # fmt: skip
        return self._write(job, new, notify="job_finished")

    def _write(
        self, old: JobRecord, new: JobRecord, *, notify: str | None = None
    ) -> JobRecord | None:
        """Compare-and-set ``old`` -> ``new`` (see the module docstring); the owner is told
        ``notify`` once it committed. ``None``: someone else changed the job first."""
        try:
            self._commit(old, new, notify)
        except ExistsError as exc:
            # The version log refuses a second writer of the same version; on Redis the
            # refusal may come first from the ready or running list, which the winner
            # changed too: either way the job moved on without us.
            current = self.find(old.id)
            if exc.oid == self._log_key(old.id) or current is None:
                return None
            if current.version != old.version:
                return None
            raise
        return new

    def _commit(self, old: JobRecord, new: JobRecord, notify: str | None) -> None:
        store = self._store
        with self.flow.batch():
            store.ordered_add(self._log_key(old.id), {str(new.version): self._log_entry(new)})
            store.set(self._record_key(new.id), new.to_json())
            if old.status != new.status:
                if old.status == "queued":
                    store.ordered_remove(self._ready, old.id)
                elif old.status == "running":
                    store.ordered_remove(self._running, old.id)
                if new.status == "queued":
                    store.ordered_add(self._ready, {new.id: self._ready_entry(new)})
                elif new.status == "running":
                    store.ordered_add(self._running, {new.id: None})
            elif new.status == "queued" and new.due != old.due:
                store.ordered_remove(self._ready, old.id)
                store.ordered_add(self._ready, {new.id: self._ready_entry(new)})
            if notify is not None:
                owed = {"told": notify, "job": new.to_json(), "at": self.now()}
                store.ordered_add(self._owed, {f"{new.id}/{new.version}": owed})
                self.flow.on_commit(lambda: self._tell_owner(new.id))

    def _tell_owner(self, job_id: str) -> None:
        """Tell the owner what is owed to it about ``job_id``, oldest version first."""
        prefix = job_id + "/"
        for name in [n for n in self._names(self._owed) if n.startswith(prefix)]:
            entry = self._store.ordered_get(self._owed, name)
            if entry is None:
                continue  # told meanwhile, by another program
            try:
                self._tell(name, entry["told"], JobRecord.from_json(entry["job"]))
            except Exception as exc:  # the store itself failed: a sweep tells it later
                logger.warning("could not tell the owner of job %s yet: %s", job_id, exc)
                return

    def _tell(self, name: str, method: str, job: JobRecord) -> None:
        """One owed notification: the owner's callback, the ``told`` mark and the owed
        entry's removal in one transaction; if the owner raises, the mark with its
        error."""
        log = self._log_key(job.id)
        told = f"{job.version}/told"

        def tell() -> None:
            mark = {"told": method, "at": self.now(), "error": None}
            self._store.ordered_add(log, {told: mark})
            self._store.ordered_remove(self._owed, name)
            self._call_owner(job, method)

        error: BaseException
        try:
            self.flow.transaction(tell, retries=_TELL_RETRIES)
            return
        except ExistsError as exc:
            if exc.oid == log:
                return  # another program told the owner first
            error = exc
        except ConflictError as exc:
            error = exc  # other writers kept changing what the owner read
        except _OwnerFailed as exc:
            error = exc.__cause__ or exc
        text = "".join(traceback.format_exception(error))
        try:
            with self.flow.batch():
                self._store.ordered_add(
                    log, {told: {"told": method, "at": self.now(), "error": text}}
                )
                self._store.ordered_remove(self._owed, name)
        except ExistsError:
            return
        self._report_owner(job, method, error)

    def _owner(self, job: JobRecord) -> Any:
        """The job's owner, or ``None`` (reported) if it cannot be found."""
        try:
            return self.flow.get_object(job.owner)
        except (GraftflowError, LookupError) as exc:
            self.flow.session().report(
                f"job {job.id} ({job.function}) is {job.status} but its owner {job.owner} "
                f"cannot be found: {exc}",
                source="workflow queue",
                oid=job.owner,
                error=exc,
                level=logging.WARNING,
            )
            return None

    def _call_owner(self, job: JobRecord, method: str) -> None:
        owner = self._owner(job)
        callback = getattr(owner, method, None)
        if callback is None:
            return
        try:
            callback(job)
        except ConflictError:
            raise  # another writer changed what the owner read: not a bug, told again
        except ExistsError as exc:
            # An owner that numbers its records by a map's length (as the process
            # history does) met a number another writer took since it read: the same.
            raise ConflictError((exc.oid,), str(exc)) from exc
        except Exception as exc:
            raise _OwnerFailed() from exc

    def _report_owner(self, job: JobRecord, method: str, exc: BaseException) -> None:
        self.flow.session().report(
            f"{job.owner}.{method}() failed for job {job.id} ({job.function}): "
            f"{type(exc).__name__}: {exc}",
            source="workflow queue",
            factory=method,
            oid=job.owner,
            error=exc,
        )
