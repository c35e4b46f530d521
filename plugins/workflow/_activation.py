"""Activations: a task's status, driven by a finite state machine declared as data.

Each task of a process is a flow object (an item of the process's ``tasks`` map) whose
``status`` is a plain param. What may change it is a table of :class:`Transition` rows
on the task's class (the viewflow activations' diagrams, written down): a name, the
statuses it leaves from, the status it reaches, an optional condition (the name of a
method of the task) and, for work that may fail, the status a failure leads to.

:meth:`Activation.fire` is the one way through: it checks the table and the user's
permission, runs the transition's work, moves the status and appends to the process
history, all in one operation (a store transaction, run again on the new state if
another program changed the process first: see :mod:`._events`), then tells plugins.
A refused transition raises :class:`TransitionError` before anything is written. Tasks
are flow objects on an extendable manager, so studios graft relations onto them like
onto anything else.
"""

from __future__ import annotations

import inspect
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Final, final

from graftflow import (
    Action,
    Child,
    ConflictError,
    GraftflowError,
    IntParam,
    Param,
    Parent,
    StoreError,
    StringParam,
    Value,
)
from graftflow.extensions import Extendable

from ._clock import stamp
from ._events import announce_transition, run_operation
from ._nodes import Job, Node, Start, Task, WorkflowError, import_ref

if TYPE_CHECKING:
    from ._engine import Engine, Step
    from ._process import Process
    from ._queue import JobRecord, WorkQueue

__all__ = [
    "ACTIVE",
    "Activation",
    "Gate",
    "HumanTask",
    "JobTask",
    "JoinGate",
    "StartTask",
    "TaskPermissionError",
    "Transition",
    "TransitionError",
    "Transitions",
]

NEW: Final = "NEW"
ASSIGNED: Final = "ASSIGNED"
PREPARED: Final = "PREPARED"
SCHEDULED: Final = "SCHEDULED"
STARTED: Final = "STARTED"
DONE: Final = "DONE"
ERROR: Final = "ERROR"
CANCELED: Final = "CANCELED"

#: Statuses of a task that is finished with: anything else keeps its process going.
FINISHED: Final = frozenset({DONE, CANCELED})
#: The statuses of a task that still needs something to happen.
ACTIVE: Final = frozenset({NEW, ASSIGNED, PREPARED, SCHEDULED, STARTED, ERROR})


@final
@dataclass(frozen=True, slots=True)
class Transition:
    """One row of a state machine table.

    :ivar name: what :meth:`Activation.fire` is asked for (``"assign"``).
    :ivar sources: the statuses it may leave from.
    :ivar target: the status it reaches.
    :ivar condition: the name of a method of the task that must return true.
    :ivar on_error: the status reached instead if the transition's work raises (the
        work's writes are rolled back, the traceback is kept in the task's ``error``).
    """

    name: str
    sources: tuple[str, ...]
    target: str
    condition: str | None = None
    on_error: str | None = None


class TransitionError(GraftflowError, RuntimeError):
    """A transition the task's status (or condition) does not allow. Nothing changed.

    :ivar oid: the task's oid.
    :ivar status: its status.
    :ivar transition: the refused transition.
    :ivar allowed: the transitions that were available.
    """

    def __init__(
        self, oid: str, status: str, transition: str, allowed: list[str], why: str = ""
    ) -> None:
        listed = ", ".join(allowed) if allowed else "none"
        reason = why or f"not from status {status}"
        super().__init__(
            f"{oid}: cannot {transition!r} ({reason}); status {status}, allowed: {listed}"
        )
        self.oid = oid
        self.status = status
        self.transition = transition
        self.allowed = allowed


class TaskPermissionError(GraftflowError, PermissionError):
    """The session's user may not make this transition (``has_perm`` said no).

    :ivar oid: the task's oid.
    :ivar user: the user refused.
    :ivar transition: the transition asked for.
    """

    def __init__(self, oid: str, user: str, transition: str, why: str) -> None:
        super().__init__(f"{oid}: user {user!r} may not {transition!r}: {why}")
        self.oid = oid
        self.user = user
        self.transition = transition


class Transitions(Action):
    """The task's transitions as an action: one button per transition allowed now.

    So any tool that runs actions (``graftflow run OID/transitions BUTTON``, a UI)
    drives tasks without knowing about workflows.
    """

    def get_buttons(self) -> list[str]:
        task: Activation = self._mng.parent  # type: ignore[assignment]
        return task.available_transitions()

    def run(self, button: str) -> str:
        task: Activation = self._mng.parent  # type: ignore[assignment]
        task.fire(button)
        return task.status.get()


class Activation(Extendable):
    """A task of a process: a status driven by :attr:`TRANSITIONS`.

    Subclasses declare the table and the work of each transition as
    ``_before_<name>(**kwargs)`` (may fail; runs before the status moves; what it
    returns is what it decided) and ``_after_<name>(decided)`` (what the process does
    next, once the status moved; it receives what the ``_before_`` hook returned). A
    task asks its process's rules for anything beyond itself through
    :meth:`engine` (see :mod:`graftflow.plugins.workflow._engine`).
    """

    #: The state machine, as data.
    TRANSITIONS: ClassVar[tuple[Transition, ...]] = ()
    #: The node kinds this activation serves (for the process's task types).
    KINDS: ClassVar[tuple[str, ...]] = ()

    status = StringParam(NEW)
    #: The definition node this task activates (set once, when it is activated).
    node = StringParam("").watched()
    #: The execution token: ``start``, and ``start/split-3/0`` for a split's branch 0.
    token = StringParam("")
    #: The tasks whose completion activated this one.
    previous = Param(list)
    #: The traceback (or message) of the last failure.
    error = StringParam("")
    created = StringParam("")
    finished = StringParam("")
    transitions = Child(Transitions)
    if TYPE_CHECKING:  # reading it on a task gives its process
        process: Process
    else:
        #: The process this task belongs to.
        process = Parent(2)

    #: The node's spec once read (see node_spec). A plain attribute, where the core
    #: keeps what it built for an object.
    _spec_cache: Node | None = None

    def child_value_changed(self, value: Value[Any]) -> None:
        if value.name() == "node":
            self._spec_cache = None

    # -- reading ------------------------------------------------------------------------

    def node_spec(self) -> Node:
        """The definition node of this task.

        Kept once read: a task's node is set when it is activated and never changes, and
        a transition asks for it several times (inside a transaction on Redis, each
        read of the store is a round trip to the server).
        """
        spec = self._spec_cache
        if spec is None:
            spec = self.process.get_definition().node(self.node.get())
            self._spec_cache = spec
        return spec

    def engine(self) -> Engine:
        """The rules of this task's process (what its transitions' work relies on)."""
        return self.process.engine()

    def is_active(self) -> bool:
        """Whether the task still needs something to happen (not DONE nor CANCELED)."""
        return self.status.get() not in FINISHED

    def available_transitions(self, user: str | None = None) -> list[str]:
        """The transitions the current status (and conditions) allow, in table order.

        :param user: only those this user may make (:meth:`has_perm`).
        """
        if user is not None and not self.has_perm(user):
            return []
        status = self.status.get()
        ended = self.process.is_finished()
        names: list[str] = []
        for row in self.TRANSITIONS:
            if ended and row.name != "cancel":
                continue
            if status in row.sources and row.name not in names and self._condition_holds(row):
                names.append(row.name)
        return names

    def _condition_holds(self, row: Transition) -> bool:
        return row.condition is None or bool(getattr(self, row.condition)())

    def has_perm(self, user: str) -> bool:
        """Whether ``user`` may make transitions of this task. Override to restrict."""
        return True

    # -- the one way to change the status ------------------------------------------------

    def fire(self, transition: str, /, *, check_perm: bool = True, **kwargs: Any) -> None:
        """Make ``transition``: check it, do its work, move the status, log it.

        One operation (see :mod:`._events`): all of it is written, or nothing. If
        another program changed the process before it could commit (Redis), nothing
        was written and it runs again, checks and work included, on the new state.
        Once the process is DONE or CANCELED, only ``cancel`` (of a task still open)
        is allowed.

        :param check_perm: ask :meth:`has_perm` for the session's user (the engine
            passes ``False`` for what it does by itself).
        :param kwargs: passed to the transition's work (``assign(user=...)``).
        :raises TransitionError: the status, a condition or the process's status does
            not allow it.
        :raises TaskPermissionError: the session's user may not.
        :raises ConflictError: other programs kept changing the process; it names the
            process and the transition, and nothing was written.
        """
        run_operation(
            self.process,
            f"{transition!r} of {self.name()}",
            lambda: self._fire(transition, check_perm, kwargs),
        )

    def _fire(self, transition: str, check_perm: bool, kwargs: dict[str, Any]) -> None:
        """One attempt of :meth:`fire`, inside its operation."""
        flow = self._mng.root
        source = self.status.get()
        row = self._row(transition, source)
        user = flow.session().user
        if check_perm and not self.has_perm(user):
            raise TaskPermissionError(
                self.oid(), user, transition, self._perm_reason(user) or "has_perm() is false"
            )
        before = getattr(type(self), f"_before_{transition}", None)
        if before is not None:
            _check_arguments(self, transition, before, kwargs)
        target = row.target
        decided: Any = None
        failure = ""
        if row.on_error is None:
            if before is not None:
                decided = before(self, **kwargs)
        else:
            try:
                with self._mng.store.batch():
                    if before is not None:
                        decided = before(self, **kwargs)
            except (StoreError, ConflictError):
                # The store failed, or the operation lost a race: not the work.
                raise
            except Exception:
                target = row.on_error
                failure = traceback.format_exc()
        if failure:
            self.error.set(failure)
        elif row.on_error is not None and self.error.get():
            self.error.set("")  # the work that failed before went through this time
        if target in FINISHED:
            self.finished.set(stamp(flow))
        self.status.set(target)
        self.process.history.append(
            transition, task=self.name(), node=self.node_spec().name, source=source, target=target
        )
        announce_transition(self, transition, source, target)
        if not failure:
            after = getattr(type(self), f"_after_{transition}", None)
            if after is not None:
                after(self, decided)

    def _row(self, transition: str, source: str) -> Transition:
        process = self.process
        if process.is_finished() and transition != "cancel":
            raise TransitionError(
                self.oid(),
                source,
                transition,
                self.available_transitions(),
                f"its process {process.oid()} is {process.status.get()}",
            )
        known = False
        for row in self.TRANSITIONS:
            if row.name != transition:
                continue
            known = True
            if source in row.sources:
                if self._condition_holds(row):
                    return row
                raise TransitionError(
                    self.oid(),
                    source,
                    transition,
                    self.available_transitions(),
                    f"its condition {row.condition}() is false",
                )
        why = "" if known else f"{type(self).__name__} has no such transition"
        raise TransitionError(self.oid(), source, transition, self.available_transitions(), why)

    def _perm_reason(self, user: str) -> str:
        return ""

    # -- shared work ------------------------------------------------------------------------

    def _before_undo(self) -> None:
        # The viewflow hook: the process class may have `<node>_undo(task)`.
        hook = getattr(self.process, f"{self.node.get()}_undo", None)
        if callable(hook):
            hook(self)
        self.error.set("")
        self.finished.set("")

    def _after_cancel(self, decided: None) -> None:
        self.engine().released(self)

    def _after_done(self, decided: None) -> None:
        engine = self.engine()
        engine.proceed(self, engine.route(self))


def _check_arguments(
    task: Activation, transition: str, work: Callable[..., Any], kwargs: dict[str, Any]
) -> None:
    """Refuse arguments the transition's work does not take before anything runs: a
    caller's mistake must not pass for the work failing (and move the task to ERROR)."""
    try:
        inspect.signature(work).bind(task, **kwargs)
    except TypeError as exc:
        raise TypeError(f"{task.oid()}: {transition!r} {exc}") from None


def _table(*rows: tuple[Any, ...]) -> tuple[Transition, ...]:
    return tuple(Transition(*row) for row in rows)


def _users_reason(users: Sequence[str], user: str, what: str) -> str:
    if users and user not in users:
        return f"only {', '.join(users)} may {what}"
    return ""


class StartTask(Activation):
    """A process's Start: a person's task, done by whoever starts the process.

    NEW -> DONE (``done``), in the operation that starts the process, with
    :meth:`has_perm` asked for the session's user: only the Start node's ``users``
    (anybody if none) may start a process of the definition (viewflow's
    ``StartActivation``). Override :meth:`has_perm` in a task type of your own for
    other rules.
    """

    KINDS: ClassVar[tuple[str, ...]] = ("start",)
    TRANSITIONS: ClassVar[tuple[Transition, ...]] = _table(
        ("done", (NEW,), DONE),
        ("cancel", (NEW,), CANCELED),
    )

    def has_perm(self, user: str) -> bool:
        return not self._perm_reason(user)

    def _perm_reason(self, user: str) -> str:
        spec = self.node_spec()
        assert isinstance(spec, Start)
        what = f"start a {self.process.get_definition().name!r} process"
        return _users_reason(spec.users, user, what)


class HumanTask(Activation):
    """A task for a person: NEW -> ASSIGNED -> PREPARED -> DONE.

    ``unassign`` and ``reassign`` while ASSIGNED, ``cancel`` from NEW or ASSIGNED,
    ``undo`` from DONE back to NEW. Only the node's ``users`` (anybody if none) may
    work on it, and once assigned, only the assignee.
    """

    KINDS: ClassVar[tuple[str, ...]] = ("task",)
    TRANSITIONS: ClassVar[tuple[Transition, ...]] = _table(
        ("assign", (NEW,), ASSIGNED),
        ("unassign", (ASSIGNED,), NEW),
        ("reassign", (ASSIGNED,), ASSIGNED),
        ("prepare", (ASSIGNED,), PREPARED),
        ("done", (PREPARED,), DONE),
        ("cancel", (NEW, ASSIGNED), CANCELED),
        ("undo", (DONE,), NEW),
    )

    assignee = StringParam("")

    def spec(self) -> Task:
        """The task's definition node."""
        spec = self.node_spec()
        assert isinstance(spec, Task)
        return spec

    def has_perm(self, user: str) -> bool:
        return not self._perm_reason(user)

    def _perm_reason(self, user: str) -> str:
        spec = self.spec()
        reason = _users_reason(spec.users, user, f"work on {spec.name!r}")
        if reason:
            return reason
        assignee = self.assignee.get()
        if assignee and assignee != user and self.status.get() in (ASSIGNED, PREPARED):
            return f"the task is assigned to {assignee!r}"
        return ""

    def _check_assignee(self, user: str) -> None:
        reason = _users_reason(self.spec().users, user, "work on it")
        if reason:
            raise TaskPermissionError(self.oid(), user, "assign", reason)

    # Named transitions, for people and tools (fire() does the work).
    def assign(self, user: str | None = None) -> None:
        """Assign the task to ``user`` (default: the session's user)."""
        self.fire("assign", user=user)

    def unassign(self) -> None:
        """Give the task back: nobody is assigned."""
        self.fire("unassign")

    def reassign(self, user: str) -> None:
        """Hand the task over to ``user``."""
        self.fire("reassign", user=user)

    def prepare(self) -> None:
        """Start working on the task."""
        self.fire("prepare")

    def done(self, **input: Any) -> None:
        """Finish the task: its node's actions run with ``input``, then the process moves on."""
        self.fire("done", **input)

    def cancel(self) -> None:
        """Cancel the task (from NEW or ASSIGNED)."""
        self.fire("cancel")

    def undo(self) -> None:
        """Set a DONE task back to NEW (the process's ``<node>_undo(task)`` runs)."""
        self.fire("undo")

    def _before_assign(self, user: str | None = None) -> None:
        who = user or self._mng.root.session().user
        self._check_assignee(who)
        self.assignee.set(who)

    def _before_reassign(self, user: str) -> None:
        self._check_assignee(user)
        self.assignee.set(user)

    def _before_unassign(self) -> None:
        self.assignee.set("")

    def _before_done(self, **input: Any) -> None:
        state = self.process.state
        for ref in self.spec().actions:
            update = import_ref(ref)(state, **input)
            if isinstance(update, Mapping):
                state.update(update)

    def _before_undo(self) -> None:
        super()._before_undo()
        self.assignee.set("")


class JobTask(Activation):
    """A background function run by a worker.

    NEW -> ASSIGNED -> SCHEDULED -> STARTED -> DONE; ``error`` to ERROR; ``retry``
    and ``restart`` submit it again (SCHEDULED); ``undo`` back to NEW; ``cancel`` also
    cancels the queued job. The queue tells it :meth:`job_started` and
    :meth:`job_finished` (it is the job's owner) once the job's change has committed,
    and asks it :meth:`retry_job` when someone retries its job.
    """

    KINDS: ClassVar[tuple[str, ...]] = ("job",)
    TRANSITIONS: ClassVar[tuple[Transition, ...]] = _table(
        ("assign", (NEW,), ASSIGNED),
        ("schedule", (ASSIGNED,), SCHEDULED, None, ERROR),
        ("start", (SCHEDULED,), STARTED),
        ("done", (STARTED,), DONE),
        ("error", (ASSIGNED, SCHEDULED, STARTED), ERROR),
        ("retry", (SCHEDULED, STARTED, ERROR), SCHEDULED, None, ERROR),
        ("restart", (ERROR,), SCHEDULED, None, ERROR),
        ("undo", (SCHEDULED, STARTED, ERROR, DONE), NEW),
        ("cancel", (NEW, ASSIGNED, SCHEDULED, STARTED, ERROR), CANCELED),
    )

    job_id = StringParam("")
    #: The work queue the job went to (an Activity class may name its own).
    job_queue = StringParam("default")
    attempt = IntParam(0)
    result = Param(None)

    def spec(self) -> Job:
        """The task's definition node."""
        spec = self.node_spec()
        assert isinstance(spec, Job)
        return spec

    def _queue(self) -> WorkQueue:
        from ._queue import WorkQueue

        return WorkQueue(self._mng.root, self.job_queue.get())

    # -- transitions' work ----------------------------------------------------------------

    def _schedule(self, attempt: int) -> None:
        """Submit this task's function to the work queue (the node's Activity class, if
        it names one that imports here, gives the timeouts)."""
        from ._activity import activity_options, is_activity

        spec = self.spec()
        state = self.process.state.get()
        job_input = state.get(spec.input_key) if spec.input_key else state
        try:
            target = import_ref(spec.func)
        except ImportError:
            target = None  # the workers may have what this program lacks; they will say
        options = activity_options(target)
        if spec.retry is not None:
            options["retry"] = spec.retry
        self.job_queue.set((target.queue if is_activity(target) else None) or "default")
        job_id = self._queue().submit(
            owner=self.oid(), function=str(spec.func), input=job_input, **options
        )
        self.job_id.set(job_id)
        self.attempt.set(attempt)
        self.error.set("")

    def _before_schedule(self) -> None:
        self._schedule(1)

    def _before_retry(self) -> None:
        if self.status.get() in (SCHEDULED, STARTED):
            self._drop_job()
        self._schedule(self.attempt.get() + 1)

    def _before_restart(self) -> None:
        self._schedule(1)

    def _before_done(self, result: Any = None) -> None:
        self.result.set(result)
        key = self.spec().result_key
        if key:
            self.process.state[key] = result

    def _before_error(self, error: str = "") -> None:
        self.error.set(error)

    def _before_cancel(self, job_gone: bool = False) -> None:
        # A job the queue canceled itself needs no cancelling.
        if not job_gone and self.status.get() in (SCHEDULED, STARTED):
            self._drop_job()

    def _before_undo(self) -> None:
        if self.status.get() in (SCHEDULED, STARTED):
            self._drop_job()
        super()._before_undo()
        self.job_id.set("")
        self.result.set(None)
        self.attempt.set(0)

    def _drop_job(self) -> None:
        job_id = self.job_id.get()
        if job_id:
            self._queue().cancel(job_id)

    # -- what the queue tells its owner ------------------------------------------------------

    def _is_current(self, job: JobRecord) -> bool:
        return job.id == self.job_id.get()

    def job_started(self, job: JobRecord) -> None:
        """A worker claimed this task's job: SCHEDULED -> STARTED.

        A job this task no longer waits for (retried, canceled, undone) is ignored,
        and so is a second claim after a lease expired.
        """

        def started() -> None:
            if self._is_current(job) and self.status.get() == SCHEDULED:
                self.fire("start", check_perm=False)

        run_operation(self.process, f"'start' of {self.name()}", started)

    def job_finished(self, job: JobRecord) -> None:
        """The job ended: ``done`` (``job.result``), ``failed`` or ``timed_out``
        (``job.error``: the traceback or timeout) or ``canceled``. One operation moves
        the task (and the process after it), its checks included: run again after a
        lost race, it decides on the new state."""

        def finished() -> None:
            if not self._is_current(job) or not self.is_active() or self.process.is_finished():
                return
            current = self.status.get()
            if job.status == "done":
                if current == SCHEDULED:
                    self.fire("start", check_perm=False)
                if self.status.get() == STARTED:
                    self.fire("done", check_perm=False, result=job.result)
            elif job.status in ("failed", "timed_out"):
                if current in (ASSIGNED, SCHEDULED, STARTED):
                    self.fire("error", check_perm=False, error=job.error or "the job failed")
            elif job.status == "canceled" and "cancel" in self.available_transitions():
                self.fire("cancel", check_perm=False, job_gone=True)

        run_operation(self.process, f"the end of job {job.id} of {self.name()}", finished)

    def retry_job(self, job: JobRecord) -> str:
        """Someone retries this task's job (``graftflow jobs retry``): the task's own
        ``retry`` submits it again, so task and job stay in step. Returns the new job id.

        :raises WorkflowError: the job is not the one this task waits for.
        :raises TransitionError: the task cannot retry now (it was canceled, say).
        """

        def retry() -> str:
            if not self._is_current(job):
                raise WorkflowError(
                    f"job {job.id} is no longer the job of {self.oid()} "
                    f"(it waits for {self.job_id.get() or 'none'}); retry the task instead"
                )
            self.fire("retry")
            return self.job_id.get()

        return run_operation(self.process, f"'retry' of {self.name()}", retry)

    # Named transitions.
    def retry(self) -> None:
        """Submit the job again (after an error, or to replace a stuck one)."""
        self.fire("retry")

    def restart(self) -> None:
        """Submit the job again after an error, counting attempts from 1."""
        self.fire("restart")

    def cancel(self) -> None:
        """Cancel the task and its queued job."""
        self.fire("cancel")

    def undo(self) -> None:
        """Set the task back to NEW (its queued job, if any, is canceled)."""
        self.fire("undo")


class Gate(Activation):
    """A node that decides at once (Func/Handler, If, Switch, Goto, Split, End).

    NEW -> DONE by ``perform``, or ERROR if its work raises (the traceback is kept);
    ``retry`` from ERROR; ``undo`` from DONE or ERROR to NEW; ``cancel`` from NEW or
    ERROR. Its work is :meth:`Engine.route`; what it decided is followed once DONE.
    """

    KINDS: ClassVar[tuple[str, ...]] = ("func", "handler", "if", "switch", "goto", "split", "end")
    TRANSITIONS: ClassVar[tuple[Transition, ...]] = _table(
        ("perform", (NEW,), DONE, None, ERROR),
        ("retry", (ERROR,), DONE, None, ERROR),
        ("undo", (DONE, ERROR), NEW),
        ("cancel", (NEW, ERROR), CANCELED),
    )

    def _before_perform(self) -> list[Step]:
        return self.engine().route(self)

    _before_retry = _before_perform

    def _after_perform(self, steps: list[Step]) -> None:
        self.engine().proceed(self, steps)

    _after_retry = _after_perform

    def perform(self) -> None:
        """Decide now (the engine does it when the gate is reached)."""
        self.fire("perform")

    def retry(self) -> None:
        """Run the gate's work again after an error."""
        self.fire("retry")

    def cancel(self) -> None:
        """Cancel the gate."""
        self.fire("cancel")

    def undo(self) -> None:
        """Set the gate back to NEW."""
        self.fire("undo")


class JoinGate(Gate):
    """A Join: ``perform`` waits (by its condition) until every branch is finished.

    The branches are the tasks whose token starts with the join's ``join_key`` (the
    split's token prefix); each must be DONE or CANCELED.
    """

    KINDS: ClassVar[tuple[str, ...]] = ("join",)
    TRANSITIONS: ClassVar[tuple[Transition, ...]] = _table(
        ("perform", (NEW,), DONE, "branches_finished", ERROR),
        ("retry", (ERROR,), DONE, "branches_finished", ERROR),
        ("undo", (DONE, ERROR), NEW),
        ("cancel", (NEW, ERROR), CANCELED),
    )

    #: The token prefix of the branches this join waits for.
    join_key = StringParam("")

    def branches_finished(self) -> bool:
        """Whether every task of the joined branches is DONE or CANCELED."""
        return self.engine().branches_finished(self.join_key.get())
