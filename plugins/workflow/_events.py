"""Operations and events: one store batch per workflow operation, hooks once it commits.

A transition, starting a process or finishing a job is one *operation*: every write it
makes (statuses, history, the tasks it activates, the state a step updates, the job it
submits) goes into one :meth:`Flow.batch`, so another process sees all of it or none.
Nested calls (a gate performed because a task was done, End cancelling the tasks still
active) join the operation already open for that flow instead of starting their own.

Plugins hear about what happened through the pluggy hooks ``graftflow_on_transition``
and ``graftflow_on_process_event``. Each call is handed to the core's commit hook
(:meth:`Flow.on_commit`) where it happens, so it is made once the *outermost* batch of
the thread commits (a caller's own ``with flow.batch():`` included), in the order things
happened, and never for work that is rolled back. Hooks are called through pluggy
(``pm.hook.<name>``, via :func:`graftflow.extensions.call_hook`), so wrappers,
``tryfirst``/``trylast`` and tracing apply, in pluggy's order (the most recently
registered plugin first); a raising listener is recorded in ``session.diagnostics`` and
cannot undo what was committed.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Final

from graftflow import Flow, Object, Session

from ._nodes import WorkflowError

if TYPE_CHECKING:
    from ._activation import Activation

__all__ = ["announce_transition", "fire_process_event", "operation"]

#: Gates performed in one operation before the engine suspects an endless loop.
MAX_STEPS: Final = 10_000


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
def operation(flow: Flow) -> Iterator[Operation]:
    """Join the operation open for ``flow``, or open one: a batch, gates performed last."""
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
