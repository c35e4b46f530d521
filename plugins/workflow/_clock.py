"""Where the workflow reads time: one clock per flow, wall time unless a test steps it.

Queues, workers, decider processes and histories all read it, so a test that steps a
fake clock moves every deadline and every timestamp together instead of sleeping.
Wall time (``time.time``), not a monotonic clock, because workers in other processes
compare the same deadlines.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable
from datetime import datetime, timezone

from graftflow import Flow

__all__ = ["Clock", "clock_of", "set_clock", "stamp"]

Clock = Callable[[], float]

_CLOCKS: weakref.WeakKeyDictionary[Flow, Clock] = weakref.WeakKeyDictionary()


def set_clock(flow: Flow, clock: Clock) -> Callable[[], None]:
    """Make everything of ``flow`` read time from ``clock`` (a test hook, not public).

    Returns a callable that restores the real clock.
    """
    _CLOCKS[flow] = clock

    def restore() -> None:
        if _CLOCKS.get(flow) is clock:
            del _CLOCKS[flow]

    return restore


def clock_of(flow: Flow) -> Clock:
    """The clock ``flow``'s workflow objects read."""
    return _CLOCKS.get(flow, time.time)


def stamp(flow: Flow) -> str:
    """The clock's time as ISO 8601 UTC text, the form histories and tasks keep."""
    moment = datetime.fromtimestamp(clock_of(flow)(), timezone.utc)
    return moment.isoformat(timespec="milliseconds")
