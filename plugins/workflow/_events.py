"""Operations and events: one store transaction per workflow operation, hooks once it
commits.

A transition, starting a process or finishing a job is one *operation*: every write it
makes (statuses, history, the tasks it activates, the state a step updates, the job it
submits) is committed together, so another program sees all of it or none. Nested
calls (a gate performed because a task was done, End cancelling the tasks still
active) join the operation already open for that flow instead of starting their own.

An operation is a :meth:`Flow.transaction`, not just a batch, because programs move
the same process at once (artists finishing tasks of one shot, workers ending its
jobs): what it read (statuses, the state, the history's length, which numbers its next
record) must still hold when it commits. SQLite and memory lock other writers out for
its duration; on Redis, whose batches do not lock what they read, an operation that
lost the race commits nothing and runs again on the new state (:func:`run_operation`,
up to :data:`RETRIES` more times, then a :class:`~graftflow.ConflictError` naming the
process). So an operation's own work (a step's actions, a gate's function, an undo
hook, a decider's ``decide``) may run more than once: it must act through the flow
only, and leave the rest (mail, files, a render farm) to the hooks below or to a job.

Plugins hear about what happened through the pluggy hooks ``graftflow_on_transition``
and ``graftflow_on_process_event``. Each call is handed to the core's commit hook
(:meth:`Flow.on_commit`) where it happens, so it is made once the *outermost* batch of
the thread commits (a caller's own ``with flow.batch():`` included), in the order things
happened, and never for work that is rolled back or lost a race. Hooks are called
through pluggy (``pm.hook.<name>``, via :func:`graftflow.extensions.call_hook`), so
wrappers, ``tryfirst``/``trylast`` and tracing apply, in pluggy's order (the most
recently registered plugin first); a raising listener is recorded in
``session.diagnostics`` and cannot undo what was committed.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Final, TypeVar

from graftflow import ConflictError, Flow, Object, Session

from ._nodes import WorkflowError

if TYPE_CHECKING:
    from ._activation import Activation

__all__ = ["announce_transition", "fire_process_event", "operation", "run_operation"]

T = TypeVar("T")

#: Gates performed in one operation before the engine suspects an endless loop.
MAX_STEPS: Final = 10_000
#: How many more times an operation runs after losing a race (Redis: another program
#: changed what it read before it committed). With the store's turn (a writer that lost
#: 3 times in a row goes next), a few programs on one process settle well within it.
RETRIES = 20


class Operation:
    """The gates one workflow operation has activated and not yet performed."""

    __slots__ = ("agenda", "flow")

    def __init__(self, flow: Flow) -> None:
        self.flow = flow
        #: Gates activated and waiting to be performed, in activation order.
        self.agenda: list[Activation] = []

    def drain(self) -> None:
        """Perform the gates activated so far (and those they activate), in order."""
        steps = 0
        while self.agenda:
            gate = self.agenda.pop(0)
            steps += 1
            if steps > MAX_STEPS:
                raise WorkflowError(
                    f"{gate.oid()}: more than {MAX_STEPS} gates performed in one operation; "
                    "the definition loops through gates without ever waiting for a task"
                )
            # A join waits (its condition) until its last branch arrives; a gate of a
            # process that finished or was cancelled meanwhile stays as it is.
            if gate.process.is_finished():
                continue
            if "perform" in gate.available_transitions():
                gate.fire("perform", check_perm=False)


_CURRENT: contextvars.ContextVar[Operation | None] = contextvars.ContextVar(
    "graftflow_workflow_operation", default=None
)


@contextmanager
def _running(flow: Flow) -> Iterator[Operation]:
    """Be the operation open for ``flow`` in this context; perform its gates last."""
    op = Operation(flow)
    token = _CURRENT.set(op)
    try:
        yield op
        op.drain()
    finally:
        _CURRENT.reset(token)


@contextmanager
def operation(flow: Flow) -> Iterator[Operation]:
    """Join the operation open for ``flow``, or open one: one transaction attempt (on
    Redis a lost race raises :class:`~graftflow.ConflictError` at its end, nothing
    written; :func:`run_operation` runs it again instead), gates performed last."""
    current = _CURRENT.get()
    if current is not None and current.flow is flow:
        yield current
        return
    with flow.transaction(), _running(flow) as op:
        yield op


def run_operation(where: Object, what: str, work: Callable[[], T]) -> T:
    """Run ``work()`` as one operation of ``where``'s flow and return what it returned.

    Inside an operation already open for that flow, ``work`` joins it. Otherwise it
    runs in :meth:`Flow.transaction`: when another program changed what it read before
    it could commit, nothing is written and it runs again on the new state, up to
    :data:`RETRIES` more times. (Inside the caller's own batch or transaction it is
    part of that, which commits it, or fails or runs again as a whole.)

    :param where: the process (or the map a process is started in) named by the error.
    :param what: what is done, for the error (``"'done' of layout-1"``).
    :raises ConflictError: still losing after the retries, naming ``where`` and
        ``what``; nothing was written.
    """
    flow = where.root()
    current = _CURRENT.get()
    if current is not None and current.flow is flow:
        return work()

    def attempt() -> T:
        with _running(flow):
            return work()

    retries = RETRIES
    try:
        return flow.transaction(attempt, retries=retries)
    except ConflictError as exc:
        changed = ", ".join(exc.oids[:3]) or "what it read"
        if len(exc.oids) > 3:
            changed += f" and {len(exc.oids) - 3} more"
        raise ConflictError(
            exc.oids,
            f"{where.oid()}: {what} could not commit: other writers kept changing "
            f"{changed} during {retries + 1} attempts; nothing was written (try again)",
        ) from exc


def _call(session: Session, hook: str, kwargs: dict[str, Any]) -> None:
    from graftflow.extensions import call_hook, plugin_manager

    from . import _hookspecs

    _hookspecs.add_to(plugin_manager(session))  # when the plugin was blocked, say
    call_hook(session, hook, session=session, **kwargs)


def _announce(obj: Object, hook: str, **kwargs: Any) -> None:
    flow = obj.root()
    session = flow.session()
    flow.on_commit(lambda: _call(session, hook, kwargs))


def announce_transition(task: Activation, transition: str, source: str, target: str) -> None:
    """Call ``graftflow_on_transition`` once the current batch commits (now, outside one)."""
    _announce(
        task,
        "graftflow_on_transition",
        task=task,
        transition=transition,
        source=source,
        target=target,
    )


def fire_process_event(process: Object, event: str, **data: Any) -> None:
    """Call ``graftflow_on_process_event`` once the current batch commits (now, outside one).

    Part of the workflow's public protocol: the decider and studio code report their
    own events (signals, activities scheduled, timeouts) through it too.

    :param event: ``"started"``, ``"finished"``, ``"canceled"`` or the caller's own.
    :param data: JSON details of the event.
    """
    _announce(process, "graftflow_on_process_event", process=process, event=event, data=data)
