"""One history model for every kind of process: numbered records of who did what, when.

A graph process logs each task transition and each process event; a decider process
logs its SWF-style events (``ActivityCompleted``...), which its workflow reads to
decide. Both keep them here, in the same shape, so the command line
(``graftflow workflow history OID``) and any browser read either the same way:

``id``
    1, 2, 3... in order, without gaps.
``when``
    ISO 8601 UTC text, from the flow's workflow clock.
``who``
    the session user whose program wrote it (a worker's, for what a job's end caused).
``what``
    the transition (``assign``, ``done``...) or the event (``started``,
    ``ActivityCompleted``...).
``source``, ``target``
    the status left and the status reached, when something changed status (a task's,
    an activity's or the process's own).

and the details of its kind: ``task`` and ``node`` for a task's transition,
``activity_id``, ``result``, ``error``... for a decider's event.

Records are appended to an ordered map of the store inside the writer's operation, so
the log never disagrees with the statuses it describes. The next number is the map's
length plus one, read inside that operation: a :meth:`Flow.transaction`
(:func:`~._events.run_operation`), which is what keeps the numbers whole when programs
move one process at once. On SQLite and in memory nobody else writes while it runs; on
Redis, whose batches do not lock what they read, another writer that appended first
changed the length this one read, so this one commits nothing and runs again on the new
history. ``ordered_add`` refuses a name that exists, so even a writer outside a
transaction can never number two records alike: it gets a
:class:`~graftflow.ConflictError` naming the history instead (which a transaction
around it takes as a lost race, and runs again).
"""

from __future__ import annotations

from typing import Any

from graftflow import ConflictError, ExistsError, Object
from graftflow.extending import JSONValue

from ._clock import stamp

__all__ = ["History", "HistoryRecord"]

#: One record (see the module docstring for its keys).
HistoryRecord = dict[str, Any]


class History(Object):
    """A process's log, oldest first."""

    def append(self, what: str, /, **details: JSONValue) -> HistoryRecord:
        """Append one record; ``id``, ``when`` and ``who`` are filled in.

        Call it inside the writer's transaction (workflow operations are), so that the
        number it takes is still free when the writes commit.

        :raises ConflictError: another writer appended since the length was read
            (Redis); in a transaction, that transaction runs again.
        """
        store, key = self._mng.store, self._mng.oid
        root = self.root()
        number = store.ordered_len(key) + 1
        record: HistoryRecord = {
            "id": number,
            "when": stamp(root),
            "who": root.session().user,
            "what": what,
            **details,
        }
        try:
            store.ordered_add(key, {str(number): record})
        except ExistsError:
            # The length read above is stale: a lost race, as a transaction's commit
            # would find it, said now (Flow.transaction runs its function again).
            raise ConflictError(
                (key,),
                f"{key}: another writer appended record {number} since this one read the "
                "history's length; nothing was written (append inside flow.transaction() "
                "to have it run again on the new history)",
            ) from None
        return record

    def records(
        self, start: int = 0, stop: int | None = None, *, what: str | None = None
    ) -> list[HistoryRecord]:
        """The records ``[start:stop]``, oldest first; only those of ``what`` if given."""
        store, key = self._mng.store, self._mng.oid
        records = [store.ordered_get(key, name) for name in store.ordered_range(key, start, stop)]
        return records if what is None else [r for r in records if r.get("what") == what]

    def __len__(self) -> int:
        return self._mng.store.ordered_len(self._mng.oid)
