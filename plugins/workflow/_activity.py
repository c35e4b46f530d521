"""Activities declared as classes (pyworkflow's style): the work in ``execute()``, its
timeouts and retry policy as class attributes.

A job's function may be a plain ``function(context)`` or an :class:`Activity` subclass;
the worker tells them apart by type. A decider's ``decide()`` may return the class
itself (or a list of classes) as shorthand for scheduling it with the process's input,
and a graph's ``Job`` node may name one: either way the class attributes give the job's
timeouts, retry policy and queue, so they are declared once, beside the work.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, TypeGuard

from graftflow.extending import JSONValue

from ._retry import RetryPolicy

if TYPE_CHECKING:
    from ._worker import JobContext

__all__ = ["Activity", "activity_options", "is_activity"]


class Activity:
    """Subclass it, set the class attributes that apply and implement :meth:`execute`.

    Define it at module level: workers import it by ``module:qualname``.
    """

    #: Seconds it may wait in the queue for a worker (schedule-to-start).
    scheduled_timeout: ClassVar[float | None] = None
    #: Seconds one attempt may run (start-to-close).
    execution_timeout: ClassVar[float | None] = None
    #: Seconds between two :meth:`heartbeat` calls at most.
    heartbeat_timeout: ClassVar[float | None] = None
    #: When a failed attempt runs again (``None``: the queue's default, never).
    retry: ClassVar[RetryPolicy | None] = None
    #: The work queue it goes to (``None``: the scheduler's default).
    queue: ClassVar[str | None] = None

    def __init__(self, context: JobContext) -> None:
        self.context = context
        #: The job's JSON input.
        self.input: Any = context.input

    def heartbeat(self, details: JSONValue = None) -> None:
        """Show the activity is alive (see :meth:`JobContext.heartbeat`)."""
        self.context.heartbeat(details)

    def execute(self) -> JSONValue:
        """Do the work and return its JSON result; raise ``JobCanceled`` to cancel."""
        raise NotImplementedError(f"{type(self).__qualname__} must implement execute()")


def is_activity(target: object) -> TypeGuard[type[Activity]]:
    """Whether ``target`` is an :class:`Activity` class (not a plain job function)."""
    return isinstance(target, type) and issubclass(target, Activity)


def activity_options(target: object) -> dict[str, Any]:
    """The submit options an :class:`Activity` class declares (none for a function)."""
    if not is_activity(target):
        return {}
    return {
        "schedule_to_start": target.scheduled_timeout,
        "start_to_close": target.execution_timeout,
        "heartbeat_timeout": target.heartbeat_timeout,
        "retry": target.retry,
    }
