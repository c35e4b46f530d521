"""Callbacks that run once a store's outermost batch has committed, never for rolled-back work.

Why the store and not the flow: batches open at every level (``Flow.batch()``, a map's
``add_many``, a plugin's own ``store.batch()``), and only the store knows when the
*outermost* one of a thread commits. Each store keeps one :class:`CommitCallbacks` and
brackets its ``batch()`` with :meth:`~CommitCallbacks.enter` / :meth:`~CommitCallbacks.leave`;
``store.on_commit(callback)`` then means the same thing on every backend:

- inside a batch, ``callback`` waits for the outermost batch of this thread to commit,
  and runs once, in registration order with the others;
- a nested batch that fails drops the callbacks registered inside it (like its writes);
  an outer batch that fails drops them all;
- outside any batch the write already happened, so ``callback`` runs at once.

A callback that raises does not stop the others: they all run, then the first error is
raised from the ``with`` that committed (the writes stay committed; the error says so).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from graftflow._errors import CommitCallbackError

__all__ = ["CommitCallbacks", "run"]

Callback = Callable[[], object]


class CommitCallbacks:
    """Per-thread stacks of pending callbacks, one list per open batch level."""

    __slots__ = ("_local",)

    def __init__(self) -> None:
        self._local = threading.local()

    def _levels(self) -> list[list[Callback]]:
        levels: list[list[Callback]] | None = getattr(self._local, "levels", None)
        if levels is None:
            levels = self._local.levels = []
        return levels

    def enter(self) -> None:
        """A batch level opens in this thread."""
        self._levels().append([])

    def leave(self, committed: bool) -> list[Callback]:
        """A batch level closes; return the callbacks to run now (outermost commit only).

        The caller runs them with :func:`run` *after* its commit is durable: this method
        only decides which callbacks survive.
        """
        levels = self._levels()
        mine = levels.pop()
        if not committed:
            return []
        if levels:  # a nested level: its callbacks wait for the outermost commit
            levels[-1].extend(mine)
            return []
        return mine

    def add(self, callback: Callback) -> None:
        """Queue ``callback`` for the outermost commit, or run it now outside a batch."""
        levels = self._levels()
        if levels:
            levels[-1].append(callback)
        else:
            run([callback])


def run(callbacks: list[Callback]) -> None:
    """Run every callback; if any raised, raise :class:`CommitCallbackError` at the end."""
    first: BaseException | None = None
    for callback in callbacks:
        try:
            callback()
        except Exception as exc:
            if first is None:
                first = exc
    if first is not None:
        raise CommitCallbackError(
            f"a commit callback raised {type(first).__name__}: {first} "
            "(the batch's writes are committed)"
        ) from first
