"""Decider-style processes (SWF / pyworkflow): a workflow reads its process's event
history and answers with decisions.

The process is a flow object: its status, result and history live in the store, so it
survives restarts and any process may move it on. Activities run on the work queue with
the process's oid as owner; once a job's end has committed, the queue tells the process
in a transaction of its own: the event is appended and ``decide`` runs again, so the
history, the decisions and the new activities are one atomic write. Every change of a
process (starting it, a signal, cancelling it, an activity's end) is one workflow
operation (:func:`~._events.run_operation`): a store transaction, so of two changes
at once (two activities ending, a signal meanwhile) on Redis the one that lost the race
writes nothing and runs again, ``decide`` included, on the new history and activity
table. ``decide`` thus always sees a complete history, and may run more than once for
one event (it must only read the process and return decisions).

Its history is the one every process keeps (:class:`~._history.History`): each event
is a record whose ``what`` is the event type (``ActivityCompleted``...), with ``source``
and ``target`` when a status changed (the activity's, or the process's own).
"""

from __future__ import annotations

import logging
import traceback
from dataclasses import dataclass
from typing import ClassVar, Literal

from graftflow import Child, Map, Object, Param, StringParam
from graftflow.extending import JSONValue, import_ref, import_type, json_error, ref_of

from ._activity import Activity, activity_options, is_activity
from ._events import fire_process_event, run_operation
from ._history import History, HistoryRecord
from ._nodes import FunctionRef, WorkflowError
from ._queue import JobRecord, WorkQueue
from ._retry import RetryPolicy

__all__ = [
    "CancelWorkflow",
    "CompleteWorkflow",
    "DeciderProcess",
    "DeciderProcesses",
    "Decision",
    "FailWorkflow",
    "ScheduleActivity",
    "Workflow",
]

logger = logging.getLogger("graftflow.workflow")

ProcessStatus = Literal["new", "running", "completed", "failed", "canceled"]
_ENDED = frozenset({"completed", "failed", "canceled"})


# -- decisions ---------------------------------------------------------------------------


class Decision:
    """What ``decide`` returns: one step the process takes."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class ScheduleActivity(Decision):
    """Run ``function`` on a worker with ``input``.

    ``decide()`` may return an :class:`Activity` class (or a list of them) instead: it
    is scheduled with the process's input, as ``ScheduleActivity(TheClass,
    process.input.get())`` would be.

    :param function: a function taking a job context, an :class:`Activity` class, or
        the ``"module:qualname"`` of either.
    :param activity_id: names the activity in the history (default: the function's
        name and a number); unique within the process.
    :param scheduled_timeout: seconds it may wait for a worker (schedule-to-start).
    :param execution_timeout: seconds one attempt may run (start-to-close).
    :param heartbeat_timeout: seconds between two ``ctx.heartbeat()`` at most.
    :param queue: the work queue (default: the workflow's ``queue``).

    Options left ``None`` come from the Activity class's attributes, if it is one.
    """

    function: FunctionRef | type[Activity]
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


#: What ``decide()`` may return.
Answer = Decision | type[Activity] | list[Decision | type[Activity]] | None


class Workflow:
    """Subclass it and implement :meth:`decide`.

    A workflow class holds no state: everything it needs is in the process (input,
    history, activities), so any process, after any restart, decides the same way.
    Define it at module level: workers import it by name.
    """

    #: The work queue activities go to unless a decision names another.
    queue: ClassVar[str] = "default"

    def decide(self, process: DeciderProcess) -> Answer:
        """Read ``process.events()`` and return what to do next: decisions, Activity
        classes (scheduled with the process's input), a list of them, or nothing
        (wait)."""
        raise NotImplementedError(f"{type(self).__qualname__} must implement decide(process)")


# -- the process ---------------------------------------------------------------------------


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
            path = ref_of(workflow)
        else:
            path = workflow
            self._workflow_type(path)
        problem = json_error(input)
        if problem is not None:
            raise ValueError(f"{self.oid()}: the input must be JSON: {problem}")

        def start() -> None:
            status = self.status.get()
            if status != "new":
                raise WorkflowError(f"process {self.oid()} was already started (it is {status})")
            self.workflow.set(path)
            self.input.set(input)
            self._set_status("running", "WorkflowStarted", workflow=path, input=input)
            self._decide()

        run_operation(self, "start", start)

    def signal(self, name: str, data: JSONValue = None) -> None:
        """Send a signal: record ``SignalReceived`` and let the workflow decide."""
        if not isinstance(name, str) or not name:
            raise ValueError(f"{self.oid()}: a signal name must be a non-empty str")

        def signal() -> None:
            self._require_running(f"signal {name!r}")
            self._record("SignalReceived", name=name, data=data)
            self._decide()

        run_operation(self, f"signal {name!r}", signal)

    def cancel(self, reason: str | None = None) -> None:
        """Cancel the process and the activities it still waits for."""

        def cancel() -> None:
            self._require_running("cancel")
            self._end("canceled", "WorkflowCanceled", reason=reason)

        run_operation(self, "cancel", cancel)

    def events(self, what: str | None = None) -> list[HistoryRecord]:
        """The history, oldest first; only events whose ``what`` is ``what`` if given."""
        return self.history.records(what=what)

    def ended(self) -> bool:
        """Whether the process completed, failed or was canceled."""
        return self.status.get() in _ENDED

    # -- what the work queue tells the owner of a job (once the job's change committed) --

    def job_started(self, job: JobRecord) -> None:
        def started() -> None:
            aid = self._activity_of(job)
            # Told late (a sweep, after a crash), the activity may be further along.
            if aid is None or self.ended() or self._activity_status(aid) != "scheduled":
                return
            self._activity_event(
                aid, "started", "ActivityStarted", attempt=job.attempt, worker=job.worker
            )

        run_operation(self, f"the start of job {job.id}", started)

    def job_finished(self, job: JobRecord) -> None:
        def finished() -> None:
            aid = self._activity_of(job)
            if aid is None or self._activity_status(aid) not in ("scheduled", "started"):
                return  # canceled by the process (said so in the history), or told already
            details: dict[str, JSONValue] = {"attempt": job.attempt}
            if job.status == "done":
                what, details["result"] = "ActivityCompleted", job.result
            elif job.status == "failed":
                what = "ActivityFailed"
                details.update(error=job.error, error_type=job.error_type)
            elif job.status == "timed_out":
                what = "ActivityTimedOut"
                details.update(timeout_type=job.timeout_type, error=job.error)
            else:
                what, details["reason"] = "ActivityCanceled", job.reason
            self._activity_event(aid, what.removeprefix("Activity").lower(), what, **details)
            if not self.ended():
                self._decide()

        run_operation(self, f"the end of job {job.id}", finished)

    # -- internals ------------------------------------------------------------------

    def _require_running(self, what: str) -> None:
        status = self.status.get()
        if status != "running":
            raise WorkflowError(f"cannot {what} process {self.oid()}: it is {status}, not running")

    def _record(self, what: str, /, **details: JSONValue) -> None:
        """Append one event; plugins hear it (``graftflow_on_process_event``) once it
        commits."""
        record = self.history.append(what, **details)
        logger.debug("%s: %s", self.oid(), record)
        fire_process_event(self, what, **{k: v for k, v in record.items() if k != "what"})

    def _set_status(self, status: ProcessStatus, what: str, /, **details: JSONValue) -> None:
        source = self.status.get()
        self.status.set(status)
        self._record(what, source=source, target=status, **details)

    def _activity_of(self, job: JobRecord) -> str | None:
        for aid, info in self.activities.get().items():
            if info.get("job") == job.id:
                return str(aid)
        return None

    def _activity_status(self, aid: str) -> str | None:
        info = self.activities.get().get(aid)
        return None if info is None else info.get("status")

    def _activity_event(self, aid: str, status: str, what: str, /, **details: JSONValue) -> None:
        """The activity ``aid`` moves to ``status``: the table and the history say so."""
        table = dict(self.activities.get())
        info = table.get(aid, {})
        table[aid] = {**info, "status": status}
        self.activities.set(table)
        self._record(what, activity_id=aid, source=info.get("status", ""), target=status, **details)

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
            decisions = [self._decision(each) for each in _answers(workflow.decide(self))]
        except Exception as exc:
            # A decider's bug ends the process, with the traceback in its history; its
            # activities are canceled rather than left running for nobody.
            text = "".join(traceback.format_exception(exc))
            self._end("failed", "DecisionFailed", error=text)
            return
        for decision in decisions:
            if self.ended():
                break
            self._apply(decision)

    def _decision(self, answer: object) -> Decision:
        """A decision, from a decision or the shorthand for one (an Activity class)."""
        if isinstance(answer, Decision):
            return answer
        if is_activity(answer):
            return ScheduleActivity(answer, self.input.get())
        raise TypeError(
            f"decide() returned {answer!r}, which is neither a Decision nor an Activity class"
        )

    def _apply(self, decision: Decision) -> None:
        if isinstance(decision, ScheduleActivity):
            self._schedule(decision)
        elif isinstance(decision, CompleteWorkflow):
            self.result.set(decision.result)
            self._end("completed", "WorkflowCompleted", result=decision.result)
        elif isinstance(decision, FailWorkflow):
            self.error.set(decision.reason)
            self._end("failed", "WorkflowFailed", reason=decision.reason, details=decision.details)
        elif isinstance(decision, CancelWorkflow):
            self._end("canceled", "WorkflowCanceled", reason=decision.reason)
        else:
            raise TypeError(f"{self.oid()}: unknown decision {decision!r}")

    def _schedule(self, decision: ScheduleActivity) -> None:
        table = self.activities.get()
        try:
            function = decision.function
            ref = function if isinstance(function, str) else ref_of(function)
            target = import_ref(ref) if isinstance(function, str) else function
        except ImportError:
            target = None  # the workers may import what this program cannot
        options = activity_options(target)
        aid = decision.activity_id
        if aid is None:
            base = ref.rpartition(":")[2].rpartition(".")[2]
            number = len(table) + 1
            while f"{base}-{number}" in table:
                number += 1
            aid = f"{base}-{number}"
        elif aid in table:
            text = f"decide() scheduled activity {aid!r} twice; activity ids must be unique"
            self._end("failed", "DecisionFailed", error=text)
            return
        workflow = self._workflow_type(self.workflow.get())
        declared = target.queue if is_activity(target) else None
        queue_name = decision.queue or declared or workflow.queue
        for name, value in (
            ("retry", decision.retry),
            ("schedule_to_start", decision.scheduled_timeout),
            ("start_to_close", decision.execution_timeout),
            ("heartbeat_timeout", decision.heartbeat_timeout),
        ):
            if value is not None:
                options[name] = value
        try:
            job_id = WorkQueue(self.root(), queue_name).submit(
                owner=self.oid(), function=ref, input=decision.input, **options
            )
        except (ValueError, TypeError) as exc:
            text = f"decide() scheduled activity {aid!r} wrongly: {exc}"
            self._end("failed", "DecisionFailed", error=text)
            return
        table = {**table, aid: {"job": job_id, "function": ref, "queue": queue_name}}
        self.activities.set(table)
        self._activity_event(
            aid,
            "scheduled",
            "ActivityScheduled",
            function=ref,
            input=decision.input,
            job=job_id,
            queue=queue_name,
        )

    def _end(self, status: ProcessStatus, what: str, /, **details: JSONValue) -> None:
        for aid, info in self.activities.get().items():
            if info.get("status") in ("scheduled", "started"):
                WorkQueue(self.root(), info["queue"]).cancel(info["job"], f"process {status}")
                self._activity_event(
                    aid, "canceled", "ActivityCanceled", reason=f"process {status}"
                )
        if what == "DecisionFailed":
            self.error.set(details.get("error"))
        self._set_status(status, what, **details)


def _answers(answer: Answer) -> list[object]:
    if answer is None:
        return []
    if isinstance(answer, list):
        return list(answer)
    if isinstance(answer, (tuple, set, frozenset)):
        raise TypeError(f"decide() returned a {type(answer).__name__}; return a list")
    return [answer]


class DeciderProcesses(Map[DeciderProcess]):
    """Decider processes under any object (e.g. a shot's ``processes``)."""

    def start(
        self,
        name: str,
        workflow: type[Workflow] | str,
        input: JSONValue = None,
    ) -> DeciderProcess:
        """Add a process and start it, in one operation."""

        def start() -> DeciderProcess:
            process = self.add(name)
            process.start(workflow, input)
            return process

        return run_operation(self, f"starting {name!r}", start)
