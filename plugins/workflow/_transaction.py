"""Batches that run callbacks once they committed: how process events fire only for
writes that really happened.

An owner's ``job_finished`` runs inside the batch that ends the job, and that batch may
be refused (another writer won) and tried again. Events recorded in it must therefore
wait for the commit: :func:`after_commit` queues them, :func:`transaction` runs them
once its outermost level has committed, and drops those of any level that failed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from graftflow import Flow

__all__ = ["after_commit", "transaction"]

_local = threading.local()


@contextmanager
def transaction(flow: Flow) -> Iterator[None]:
    """``flow.batch()``, plus: callbacks queued inside run after the outermost commit."""
    pending: list[Callable[[], None]] | None = getattr(_local, "pending", None)
    outermost = pending is None
    if pending is None:
        pending = _local.pending = []
    mark = len(pending)
    try:
        with flow.batch():
            yield
    except BaseException:
        del pending[mark:]
        if outermost:
            _local.pending = None
        raise
    if outermost:
        _local.pending = None
        for callback in pending:
            callback()


def after_commit(callback: Callable[[], None]) -> None:
    """Run ``callback`` when the current :func:`transaction` commits (now if none)."""
    pending: list[Callable[[], None]] | None = getattr(_local, "pending", None)
    if pending is None:
        callback()
    else:
        pending.append(callback)
