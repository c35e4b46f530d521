"""Operations and events: one store batch per workflow operation, hooks after it commits.

A transition, starting a process or finishing a job is one *operation*: every write it
makes (statuses, history, the tasks it activates, the state a step updates, the job it
submits) goes into one :meth:`Flow.batch`, so another process sees all of it or none.
Nested calls (a gate performed because a task was done, End cancelling the tasks still
active) join the operation already open for that flow instead of starting their own.

Plugins hear about what happened through the pluggy hooks ``graftflow_on_transition``
and ``graftflow_on_process_event``, called only after the batch has committed, so a
listener never sees a change that is then rolled back, and a failing listener cannot
undo a transition: it is recorded in ``session.diagnostics``.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Final

from graftflow import Flow, Object, Session

from ._nodes import WorkflowError

if TYPE_CHECKING:
    from ._activation import Activation

__all__ = ["fire_process_event", "fire_transition", "operation"]

#: Gates performed in one operation before the engine suspects an endless loop.
MAX_STEPS: Final = 10_000


class Operation:
    """What one workflow operation collects until it commits."""

    __slots__ = ("agenda", "events", "flow")

    def __init__(self, flow: Flow) -> None:
        self.flow = flow
        #: Hook calls to make once the batch has committed.
        self.events: list[Callable[[], None]] = []
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
            if gate._process().status.get() != "STARTED":
                continue
            if "perform" in gate.available_transitions():
                gate.fire("perform", check_perm=False)


_CURRENT: contextvars.ContextVar[Operation | None] = contextvars.ContextVar(
    "graftflow_workflow_operation", default=None
)


@contextmanager
def operation(flow: Flow) -> Iterator[Operation]:
    """Join the operation open for ``flow``, or open one: a batch, then the hooks."""
    current = _CURRENT.get()
    if current is not None and current.flow is flow:
        yield current
        return
    op = Operation(flow)
    token = _CURRENT.set(op)
    try:
        with flow.batch():
            yield op
            op.drain()
    finally:
        _CURRENT.reset(token)
    for event in op.events:
        event()


def _call_hook(hook: str, /, **kwargs: Any) -> None:
    """Call every implementation of ``hook``; a failing one becomes a diagnostic."""
    from graftflow.extensions import plugin_manager

    from . import _hookspecs

    session: Session = kwargs["session"]
    pm = plugin_manager(session)
    caller = getattr(pm.hook, hook, None)
    if caller is None or not caller.has_spec():
        # The workflow plugin was blocked or not installed: its specs were never added.
        pm.add_hookspecs(_hookspecs)
        caller = getattr(pm.hook, hook)
    for impl in reversed(caller.get_hookimpls()):  # pluggy's order: last registered first
        try:
            impl.function(**{arg: kwargs[arg] for arg in impl.argnames})
        except Exception as exc:
            session.report(
                f"{hook} raised {type(exc).__name__}: {exc}",
                source=f"plugin {impl.plugin_name}",
                error=exc,
            )


def fire_transition(task: Activation, transition: str, source: str, target: str) -> None:
    """Call ``graftflow_on_transition`` for a transition that has committed."""
    session = task.root().session()
    _call_hook(
        "graftflow_on_transition",
        session=session,
        task=task,
        transition=transition,
        source=source,
        target=target,
    )


def fire_process_event(process: Object, event: str, **data: Any) -> None:
    """Call ``graftflow_on_process_event`` now, or when the open operation commits.

    Part of the workflow's public protocol: the decider and the workers report their
    events (signals, activities scheduled, timeouts) through this too.

    :param event: ``"started"``, ``"finished"``, ``"canceled"`` or the caller's own.
    :param data: JSON details of the event.
    """
    session = process.root().session()

    def call() -> None:
        _call_hook(
            "graftflow_on_process_event",
            session=session,
            process=process,
            event=event,
            data=data,
        )

    current = _CURRENT.get()
    if current is not None and current.flow is process.root():
        current.events.append(call)
    else:
        call()
