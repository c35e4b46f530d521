"""Decider-style processes (SWF / pyworkflow): a workflow reads its process's event
history and answers with decisions.

The process is a flow object: its status, result and history live in the store, so it
survives restarts and any process may move it on. Activities run on the work queue with
the process's oid as owner; when one ends, the worker calls the process back inside the
same batch that ends the job, the event is appended and ``decide`` runs again, so the
history, the decisions and the new activities are one atomic write. Two activities of
one process ending at once cannot both append the same event number: the history's
``ordered_add`` refuses the second, whose batch is tried again on the new history.
"""

from __future__ import annotations

import logging
import traceback
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from graftflow import Child, ExistsError, Map, Object, Param, StringParam
from graftflow.extending import JSONValue, import_type, json_error
from graftflow.extending import ref_of as remember_type

from ._nodes import WorkflowError
from ._queue import Job, WorkQueue, clock_of
from ._retry import RetryPolicy
from ._transaction import after_commit, transaction

__all__ = [
    "CancelWorkflow",
    "CompleteWorkflow",
    "DeciderProcess",
    "DeciderProcesses",
    "Decision",
    "FailWorkflow",
    "ScheduleActivity",
    "Workflow",
    "WorkflowError",
]

logger = logging.getLogger("graftflow.workflow")

ProcessStatus = Literal["new", "running", "completed", "failed", "canceled"]
_ENDED = frozenset({"completed", "failed", "canceled"})
#: A process's history append is retried this many times when another writer appended
#: first (direct calls: start, signal, cancel; worker callbacks retry in the queue).
_TRIES = 20


def _emit(process: DeciderProcess, event: dict[str, JSONValue]) -> None:
    """Announce one committed history event (the one place process events leave)
    through the ``graftflow_on_process_event`` hook: the event's ``type`` is the hook's
    ``event``, the rest its ``data``."""
    from ._events import fire_process_event

    logger.debug("%s: %s", process.oid(), event)
    data = {key: value for key, value in event.items() if key != "type"}
    fire_process_event(process, str(event.get("type", "event")), **data)


# -- decisions ---------------------------------------------------------------------------


class Decision:
    """What ``decide`` returns: one step the process takes."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class ScheduleActivity(Decision):
    """Run ``function`` (``"module:qualname"``) on a worker with ``input``.

    :param activity_id: names the activity in the history (default: the function's
        name and a number); unique within the process.
    :param scheduled_timeout: seconds it may wait for a worker (schedule-to-start).
    :param execution_timeout: seconds one attempt may run (start-to-close).
    :param heartbeat_timeout: seconds between two ``ctx.heartbeat()`` at most.
    :param queue: the work queue (default: the workflow's ``queue``).
    """

    function: str
    input: JSONValue = None
    activity_id: str | None = None
    retry: RetryPolicy | None = None
    scheduled_timeout: float | None = None
    execution_timeout: float | None = None
    heartbeat_timeout: float | None = None
    queue: str | None = None


@dataclass(frozen=True, slots=True)
class CompleteWorkflow(Decision):
    """End the process successfully with ``result`` (JSON)."""

    result: JSONValue = None


@dataclass(frozen=True, slots=True)
class FailWorkflow(Decision):
    """End the process as failed."""

    reason: str
    details: JSONValue = None


@dataclass(frozen=True, slots=True)
class CancelWorkflow(Decision):
    """End the process as canceled."""

    reason: str | None = None


class Workflow:
    """Subclass it and implement :meth:`decide`.

    A workflow class holds no state: everything it needs is in the process (input,
    history, activities), so any process, after any restart, decides the same way.
    Define it at module level: workers import it by name.
    """

    #: The work queue activities go to unless a decision names another.
    queue: ClassVar[str] = "default"

    def decide(self, process: DeciderProcess) -> list[Decision] | Decision | None:
        """Read ``process.history()`` and return what to do next (nothing: wait)."""
        raise NotImplementedError(f"{type(self).__qualname__} must implement decide(process)")


# -- the process ---------------------------------------------------------------------------


class History(Object):
    """A process's events, in order, in an ordered map of the store named ``1``, ``2``..."""

    def append(self, event: dict[str, JSONValue]) -> dict[str, JSONValue]:
        store = self._mng.store
        key = self.oid()
        number = store.ordered_len(key) + 1
        event = {"id": number, **event}
        store.ordered_add(key, {str(number): event})
        return event

    def events(self) -> list[dict[str, JSONValue]]:
        store = self._mng.store
        key = self.oid()
        return [store.ordered_get(key, name) for name in store.ordered_range(key)]

    def __len__(self) -> int:
        return self._mng.store.ordered_len(self.oid())


class DeciderProcess(Object):
    """One run of a :class:`Workflow`: its input, history, activities and outcome."""

    workflow = StringParam("")
    input = Param(None)
    status = Param("new")
    result = Param(None)
    error = Param(None)
    #: activity id -> {"job", "function", "queue", "status"}: what runs where.
    activities = Param(dict)
    history = Child(History)

    # -- what users call ------------------------------------------------------------

    def start(self, workflow: type[Workflow] | str, input: JSONValue = None) -> None:
        """Start the process: record ``WorkflowStarted`` and run the first decision."""
        if isinstance(workflow, type):
            if not issubclass(workflow, Workflow):
                raise TypeError(f"{self.oid()}: {workflow!r} is not a Workflow subclass")
            path = remember_type(workflow)
        else:
            path = workflow
            self._workflow_type(path)
        problem = json_error(input)
        if problem is not None:
            raise ValueError(f"{self.oid()}: the input must be JSON: {problem}")

        def start() -> None:
            if self.status.get() != "new":
                raise WorkflowError(
                    f"process {self.oid()} was already started (it is {self.status.get()})"
                )
            self.workflow.set(path)
            self.input.set(input)
            self.status.set("running")
            self._record({"type": "WorkflowStarted", "workflow": path, "input": input})
            self._decide()

        self._retrying(start)

    def signal(self, name: str, data: JSONValue = None) -> None:
        """Send a signal: record ``SignalReceived`` and let the workflow decide."""
        if not isinstance(name, str) or not name:
            raise ValueError(f"{self.oid()}: a signal name must be a non-empty str")

        def signal() -> None:
            self._require_running(f"signal {name!r}")
            self._record({"type": "SignalReceived", "name": name, "data": data})
            self._decide()

        self._retrying(signal)

    def cancel(self, reason: str | None = None) -> None:
        """Cancel the process and the activities it still waits for."""

        def cancel() -> None:
            self._require_running("cancel")
            self._end("canceled", {"type": "WorkflowCanceled", "reason": reason})

        self._retrying(cancel)

    def events(self, type: str | None = None) -> list[dict[str, Any]]:
        """The history, oldest first; only events of ``type`` if given."""
        events = self.history.events()
        return events if type is None else [e for e in events if e.get("type") == type]

    def ended(self) -> bool:
        """Whether the process completed, failed or was canceled."""
        return self.status.get() in _ENDED

    # -- what the work queue calls (inside the batch that changes the job) ---------

    def job_started(self, job: Job) -> None:
        aid = self._activity_of(job)
        if aid is None or self.ended():
            return
        self._set_activity(aid, "started")
        self._record(
            {
                "type": "ActivityStarted",
                "activity_id": aid,
                "attempt": job.attempt,
                "worker": job.worker,
            }
        )

    def job_finished(self, job: Job) -> None:
        aid = self._activity_of(job)
        if aid is None:
            return
        event: dict[str, JSONValue] = {"activity_id": aid, "attempt": job.attempt}
        if job.status == "done":
            event.update(type="ActivityCompleted", result=job.result)
        elif job.status == "failed":
            event.update(type="ActivityFailed", error=job.error, error_type=job.error_type)
        elif job.status == "timed_out":
            event.update(type="ActivityTimedOut", timeout_type=job.timeout_type, error=job.error)
        else:
            event.update(type="ActivityCanceled", reason=job.reason)
        if self._activity_status(aid) == "canceled":
            return  # the process canceled it already, and said so in the history
        self._set_activity(aid, str(event["type"]).removeprefix("Activity").lower())
        self._record(event)
        if not self.ended():
            self._decide()

    # -- internals ------------------------------------------------------------------

    def _retrying(self, change: Any) -> None:
        key = self.history.oid()
        for _ in range(_TRIES):
            try:
                with transaction(self.root()):
                    change()
                return
            except ExistsError as exc:
                if exc.oid != key:
                    raise
        raise WorkflowError(f"{self.oid()}: other writers kept appending to the history")

    def _require_running(self, what: str) -> None:
        status = self.status.get()
        if status != "running":
            raise WorkflowError(f"cannot {what} process {self.oid()}: it is {status}, not running")

    def _record(self, event: dict[str, JSONValue]) -> None:
        event = self.history.append({**event, "time": clock_of(self.root())()})
        after_commit(lambda: _emit(self, event))

    def _activity_of(self, job: Job) -> str | None:
        for aid, info in self.activities.get().items():
            if info.get("job") == job.id:
                return str(aid)
        return None

    def _activity_status(self, aid: str) -> str | None:
        info = self.activities.get().get(aid)
        return None if info is None else info.get("status")

    def _set_activity(self, aid: str, status: str, **fields: JSONValue) -> None:
        table = dict(self.activities.get())
        table[aid] = {**table.get(aid, {}), **fields, "status": status}
        self.activities.set(table)

    @staticmethod
    def _workflow_type(path: str) -> type[Workflow]:
        try:
            cls = import_type(path)
        except ImportError as exc:
            raise WorkflowError(f"cannot import the workflow {path!r}: {exc}") from exc
        if not issubclass(cls, Workflow):
            raise WorkflowError(f"{path!r} is not a Workflow subclass")
        return cls

    def _decide(self) -> None:
        try:
            workflow = self._workflow_type(self.workflow.get())()
            answer = workflow.decide(self)
            if answer is None:
                decisions: list[Decision] = []
            elif isinstance(answer, Decision):
                decisions = [answer]
            else:
                decisions = list(answer)
            for decision in decisions:
                if not isinstance(decision, Decision):
                    raise TypeError(f"decide() returned {decision!r}, which is not a Decision")
        except Exception as exc:
            # A decider's bug ends the process, with the traceback in its history; its
            # activities are canceled rather than left running for nobody.
            text = "".join(traceback.format_exception(exc))
            self._end("failed", {"type": "DecisionFailed", "error": text}, error=text)
            return
        for decision in decisions:
            if self.ended():
                break
            self._apply(decision)

    def _apply(self, decision: Decision) -> None:
        if isinstance(decision, ScheduleActivity):
            self._schedule(decision)
        elif isinstance(decision, CompleteWorkflow):
            self._end(
                "completed",
                {"type": "WorkflowCompleted", "result": decision.result},
                result=decision.result,
            )
        elif isinstance(decision, FailWorkflow):
            self._end(
                "failed",
                {"type": "WorkflowFailed", "reason": decision.reason, "details": decision.details},
                error=decision.reason,
            )
        elif isinstance(decision, CancelWorkflow):
            self._end("canceled", {"type": "WorkflowCanceled", "reason": decision.reason})
        else:
            raise TypeError(f"{self.oid()}: unknown decision {decision!r}")

    def _schedule(self, decision: ScheduleActivity) -> None:
        table = self.activities.get()
        aid = decision.activity_id
        if aid is None:
            base = decision.function.rpartition(":")[2].rpartition(".")[2]
            number = len(table) + 1
            while f"{base}-{number}" in table:
                number += 1
            aid = f"{base}-{number}"
        elif aid in table:
            text = f"decide() scheduled activity {aid!r} twice; activity ids must be unique"
            self._end("failed", {"type": "DecisionFailed", "error": text}, error=text)
            return
        workflow = self._workflow_type(self.workflow.get())
        queue_name = decision.queue or workflow.queue
        try:
            job_id = WorkQueue(self.root(), queue_name).submit(
                owner=self.oid(),
                function=decision.function,
                input=decision.input,
                retry=decision.retry,
                schedule_to_start=decision.scheduled_timeout,
                start_to_close=decision.execution_timeout,
                heartbeat_timeout=decision.heartbeat_timeout,
            )
        except (ValueError, TypeError) as exc:
            text = f"decide() scheduled activity {aid!r} wrongly: {exc}"
            self._end("failed", {"type": "DecisionFailed", "error": text}, error=text)
            return
        self._set_activity(
            aid, "scheduled", job=job_id, function=decision.function, queue=queue_name
        )
        self._record(
            {
                "type": "ActivityScheduled",
                "activity_id": aid,
                "function": decision.function,
                "input": decision.input,
                "job": job_id,
                "queue": queue_name,
            }
        )

    def _end(
        self,
        status: ProcessStatus,
        event: dict[str, JSONValue],
        *,
        result: JSONValue = None,
        error: str | None = None,
    ) -> None:
        for aid, info in self.activities.get().items():
            if info.get("status") in ("scheduled", "started"):
                WorkQueue(self.root(), info["queue"]).cancel(info["job"], f"process {status}")
                self._set_activity(aid, "canceled")
                self._record(
                    {"type": "ActivityCanceled", "activity_id": aid, "reason": f"process {status}"}
                )
        self.status.set(status)
        if result is not None:
            self.result.set(result)
        if error is not None:
            self.error.set(error)
        self._record(event)


class DeciderProcesses(Map[DeciderProcess]):
    """Decider processes under any object (e.g. a shot's ``processes``)."""

    def start(
        self,
        name: str,
        workflow: type[Workflow] | str,
        input: JSONValue = None,
    ) -> DeciderProcess:
        """Add a process and start it, in one batch."""
        with transaction(self.root()):
            process = self.add(name)
            process.start(workflow, input)
        return process
