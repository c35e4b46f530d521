"""MemoryStore: values in this process only, for tests, sessions and scratch flows.

It behaves exactly like the persistent stores (the conformance suite proves it): values
go in and come out as JSON would give them back, a container read is a fresh copy, and
batches are atomic with savepoint nesting. Reads take no lock (a dict lookup is atomic
under the GIL and this is the hot path); writes and batches hold one re-entrant lock, so
writers never interleave. A reader in *another thread* may see a batch in progress:
use SQLiteStore when threads must be isolated from each other's transactions.
"""

from __future__ import annotations

import itertools
import math
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Final, NoReturn

from ._commit import CommitCallbacks, run
from ._errors import ExistsError, InvalidValueError, StoreError
from ._json import JSONValue, dumps, json_error, loads
from ._store import check_range, quote_names

__all__ = ["MemoryStore"]

_EXACT_SCALARS: Final = frozenset({str, int, bool, type(None)})


class _Encoded:
    """A container (or non-exact scalar) kept as JSON text, so reads return copies."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


def _encode(key: str, value: object) -> object:
    if type(value) in _EXACT_SCALARS or (type(value) is float and math.isfinite(value)):
        return value
    problem = json_error(value)
    if problem is not None:
        raise InvalidValueError(key, f"{key}: {problem}; store JSON values only")
    return _Encoded(dumps(value))


def _decode(value: object) -> Any:
    return loads(value.text) if type(value) is _Encoded else value


class _Closed(dict):  # type: ignore[type-arg]
    """Stands in for every table once the store is closed, so reads fail loudly."""

    def _fail(self, *args: object) -> NoReturn:
        raise StoreError("memory:// store is closed")

    get = __getitem__ = __setitem__ = __contains__ = setdefault = pop = _fail


_KV, _HASH, _ORDERED = 0, 1, 2


class MemoryStore:
    """An in-process :class:`~graftflow.Store`. ``open_store("memory://")`` makes one."""

    url = "memory://"

    def __init__(self) -> None:
        self._kv: dict[str, object] = {}
        self._hashes: dict[str, dict[str, object]] = {}
        self._ordered: dict[str, dict[str, object]] = {}
        self._lock = threading.RLock()
        self._closed = False
        # One dict per open batch level: (table, key) -> state before the level touched it.
        self._levels: list[dict[tuple[int, str], object]] = []
        # Path index: parent oid -> oids directly under it that hold (or lead to) data,
        # so delete_tree() walks one subtree instead of scanning every key.
        self._children: dict[str, set[str]] = {}
        self._commit_callbacks = CommitCallbacks()

    def __repr__(self) -> str:
        return f"MemoryStore({len(self._kv)} values)"

    # -- snapshots for batch rollback -------------------------------------------------

    def _touch(self, table: int, key: str) -> None:
        if not self._levels:
            return
        level = self._levels[-1]
        if (table, key) in level:
            return
        if table == _KV:
            level[(table, key)] = self._kv.get(key, _ABSENT)
        else:
            source = self._hashes if table == _HASH else self._ordered
            current = source.get(key)
            level[(table, key)] = _ABSENT if current is None else dict(current)

    def _restore(self, level: dict[tuple[int, str], object]) -> None:
        for (table, key), before in level.items():
            target: dict[str, Any] = (
                self._kv if table == _KV else self._hashes if table == _HASH else self._ordered
            )
            if before is _ABSENT:
                target.pop(key, None)
            else:
                target[key] = before
                self._index(key)  # delete_tree() may have dropped it from the index

    def _index(self, key: str) -> None:
        children = self._children
        while True:
            parent, sep, _ = key.rpartition("/")
            if not sep:  # internal keys ("!projects") live outside the tree
                return
            siblings = children.get(parent)
            if siblings is not None:
                siblings.add(key)
                return
            children[parent] = {key}
            if not parent:
                return
            key = parent

    @contextmanager
    def batch(self) -> Iterator[None]:
        with self._lock:
            if self._closed:
                raise StoreError("memory:// store is closed")
            self._levels.append({})
            self._commit_callbacks.enter()
            try:
                yield
            except BaseException:
                self._commit_callbacks.leave(committed=False)
                self._restore(self._levels.pop())
                raise
            level = self._levels.pop()
            due = self._commit_callbacks.leave(committed=True)
            if self._levels:
                parent = self._levels[-1]
                for tk, before in level.items():
                    parent.setdefault(tk, before)
        # Outside the lock: a callback may write, or wait for another thread's batch.
        run(due)

    def on_commit(self, callback: Callable[[], object]) -> None:
        self._commit_callbacks.add(callback)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._kv = self._hashes = self._ordered = _Closed()

    # -- plain values -----------------------------------------------------------------

    def get(self, key: str, default: Any = None) -> Any:
        value = self._kv.get(key, _ABSENT)
        if value is _ABSENT:
            return default
        return loads(value.text) if type(value) is _Encoded else value

    def set(self, key: str, value: JSONValue) -> None:
        encoded = _encode(key, value)
        with self._lock:
            self._touch(_KV, key)
            if key not in self._kv:
                self._index(key)
            self._kv[key] = encoded

    def delete(self, key: str) -> bool:
        with self._lock:
            if key not in self._kv:
                return False
            self._touch(_KV, key)
            del self._kv[key]
            return True

    def incr(self, key: str, amount: int = 1) -> int:
        if type(amount) is not int:
            raise InvalidValueError(key, f"{key}: incr amount must be an int, not {amount!r}")
        with self._lock:
            current = self._kv.get(key, 0)
            if type(current) is not int:
                raise InvalidValueError(
                    key, f"{key}: cannot increment {_decode(current)!r}, it is not an int"
                )
            self._touch(_KV, key)
            if key not in self._kv:
                self._index(key)
            new = current + amount
            self._kv[key] = new
            return new

    def delete_tree(self, key: str) -> None:
        with self._lock:
            doomed, pending = [key], [key]
            while pending:
                below = self._children.pop(pending.pop(), None)
                if below:
                    doomed.extend(below)
                    pending.extend(below)
            self._children.get(key.rpartition("/")[0], set()).discard(key)
            for table, source in (
                (_KV, self._kv),
                (_HASH, self._hashes),
                (_ORDERED, self._ordered),
            ):
                for k in doomed:
                    if k in source:
                        self._touch(table, k)
                        del source[k]

    # -- hashes -----------------------------------------------------------------------

    def hash_get(self, key: str, field: str, default: Any = None) -> Any:
        fields = self._hashes.get(key)
        if fields is None or field not in fields:
            return default
        return _decode(fields[field])

    def hash_set(self, key: str, field: str, value: JSONValue) -> None:
        encoded = _encode(f"{key}[{field!r}]", value)
        with self._lock:
            self._touch(_HASH, key)
            fields = self._hashes.get(key)
            if fields is None:
                self._index(key)
                self._hashes[key] = fields = {}
            fields[field] = encoded

    def hash_delete(self, key: str, field: str) -> bool:
        with self._lock:
            fields = self._hashes.get(key)
            if fields is None or field not in fields:
                return False
            self._touch(_HASH, key)
            del fields[field]
            if not fields:
                del self._hashes[key]
            return True

    def hash_items(self, key: str) -> dict[str, Any]:
        fields = self._hashes.get(key)
        return {} if fields is None else {f: _decode(v) for f, v in fields.items()}

    # -- ordered maps -----------------------------------------------------------------

    def ordered_add(self, key: str, items: Mapping[str, JSONValue]) -> None:
        # A map's entries are None (or a type path): taken as they are, with no call, no
        # copy but the one the store keeps (issue 18's W1_add adds one item at a time).
        encoded: Mapping[str, object] = items
        for value in items.values():
            if type(value) not in _EXACT_SCALARS:
                encoded = {name: _encode(f"{key}/{name}", value) for name, value in items.items()}
                break
        with self._lock:
            members = self._ordered.get(key)
            if members is not None:
                for name in encoded:  # most adds are of one name
                    if name in members:
                        existing = tuple(name for name in encoded if name in members)
                        raise ExistsError(
                            key, f"{key} already has {quote_names(existing)}", existing
                        )
            if not encoded:
                return
            if self._levels:
                self._touch(_ORDERED, key)
            if members is None:
                self._index(key)
                self._ordered[key] = dict(encoded)
            else:
                members.update(encoded)

    def ordered_get(self, key: str, name: str, default: Any = None) -> Any:
        members = self._ordered.get(key)
        if members is None:
            return default
        value = members.get(name, _ABSENT)
        if value is _ABSENT:
            return default
        # _decode() inlined: a map reads every item's entry here (issue 18's W1_cold).
        return loads(value.text) if type(value) is _Encoded else value

    def ordered_remove(self, key: str, name: str) -> bool:
        with self._lock:
            members = self._ordered.get(key)
            if members is None or name not in members:
                return False
            self._touch(_ORDERED, key)
            del members[name]
            if not members:
                del self._ordered[key]
            return True

    def ordered_len(self, key: str) -> int:
        members = self._ordered.get(key)
        return 0 if members is None else len(members)

    def ordered_range(self, key: str, start: int = 0, stop: int | None = None) -> list[str]:
        check_range(key, start, stop)
        members = self._ordered.get(key)
        if members is None:
            return []
        return list(itertools.islice(members, start, stop))

    def ordered_clear(self, key: str) -> None:
        with self._lock:
            if key in self._ordered:
                self._touch(_ORDERED, key)
                del self._ordered[key]


_ABSENT: Final = object()
