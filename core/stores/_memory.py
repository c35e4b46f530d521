"""MemoryStore: values in this process only, for tests, sessions and scratch flows.

It behaves exactly like the persistent stores (the conformance suite proves it): values
go in and come out as JSON would give them back, a container read is a fresh copy, and
batches are atomic with savepoint nesting.

Locking, decided: writes, batches and transactions hold one re-entrant lock, so writers
never interleave and a ``transaction()`` is isolated from every other writer. Reads take
no lock. A read is one dict lookup (atomic under the GIL) of a value that is never
changed in place (containers are kept as JSON text and decoded per read), so it always
sees a whole value; a read that walks a table first copies it in one C-level step. What
a reader in *another thread* may see is a batch in progress, or half undone: taking the
lock on every read would cost more than the read itself on this store's hot path, for an
isolation that only matters between threads sharing a scratch store. Threads that need
it read inside ``transaction()`` (which takes the lock), or use SQLiteStore.
"""

from __future__ import annotations

import bisect
import itertools
import math
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Final, NoReturn

from graftflow._errors import ExistsError, InvalidValueError, StoreError
from graftflow._json import JSONValue, dumps, json_error, loads

from ._commit import CommitCallbacks, run
from ._store import Transactional, check_range, quote_names

__all__ = ["MemoryStore", "open_url"]

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
    """Stands in for every table once the store is closed, so every call fails loudly.

    The one mechanism for a closed store: no flag to test on the hot path of reads.
    """

    def _fail(self, *args: object) -> NoReturn:
        raise StoreError("memory:// store is closed")

    get = __getitem__ = __setitem__ = __contains__ = setdefault = pop = _fail


_KV, _HASH = 0, 1
# What a batch level must undo in an ordered map, as (_CREATED, key), (_ADDED, key, count),
# (_REMOVED, key, name, value, position) or (_DROPPED, key, members): undone in reverse.
_CREATED, _ADDED, _REMOVED, _DROPPED = 0, 1, 2, 3


class _Ordered(dict):  # type: ignore[type-arg]
    """One ordered map: its members (the dict itself: name -> stored value) and their
    order, kept so that any page is found in O(log n) and any change undone in O(1).

    ``names`` lists the names in insertion order; a removal leaves ``None`` (a hole) in
    its place and its position in ``holes`` (sorted), so the start of a page is found by
    binary search instead of walking every name before it (page 10,000 of a million
    names costs what page 0 costs; issue 18). ``positions`` (name -> position) is made on
    the first removal: maps that never lose a member do not pay for it. Once holes
    outnumber members, the store closes them up (outside any batch).
    """

    __slots__ = ("holes", "names", "positions")

    def __init__(self) -> None:
        super().__init__()
        self.names: list[str | None] = []
        self.holes: list[int] = []
        self.positions: dict[str, int] | None = None

    def drop_last(self, count: int) -> None:
        """Undo the last ``count`` names added (later changes already undone)."""
        names, positions = self.names, self.positions
        for name in names[len(names) - count :]:
            del self[name]
            if positions is not None:
                del positions[name]  # type: ignore[arg-type]
        del names[len(names) - count :]

    def remove(self, name: str) -> tuple[object, int]:
        """Take ``name`` out; return its value and position (for an undo)."""
        value = self.pop(name)
        positions = self.positions
        if positions is None:
            positions = self.positions = {n: i for i, n in enumerate(self.names) if n is not None}
        position = positions.pop(name)
        self.names[position] = None
        bisect.insort(self.holes, position)
        return value, position

    def restore(self, name: str, value: object, position: int) -> None:
        """Undo :meth:`remove`."""
        self[name] = value
        self.names[position] = name
        holes = self.holes
        del holes[bisect.bisect_left(holes, position)]
        assert self.positions is not None
        self.positions[name] = position

    def sparse(self) -> bool:
        return len(self.holes) > len(self)

    def compact(self) -> None:
        """Close up the holes (positions change: never inside a batch)."""
        self.names = [name for name in self.names if name is not None]
        self.holes = []
        self.positions = None

    def page(self, start: int, stop: int | None) -> list[str]:
        """Names ``[start:stop]`` of the live ones, in order."""
        names, holes = self.names, self.holes
        if not holes:
            return names[start:stop]  # type: ignore[return-value]
        wanted = len(self) - start if stop is None else min(stop, len(self)) - start
        if wanted <= 0:
            return []
        # The position of the start-th live name: the first p with start + 1 live names
        # in [0, p] (p + 1 - holes up to p), found by binary search.
        low, high = start, start + len(holes)
        while low < high:
            middle = (low + high) // 2
            if middle + 1 - bisect.bisect_right(holes, middle) < start + 1:
                low = middle + 1
            else:
                high = middle
        page: list[str] = []
        position, end = low, len(names)
        while len(page) < wanted and position < end:
            # A run of live names up to the next hole, taken as one slice.
            after = bisect.bisect_left(holes, position)
            if after < len(holes) and holes[after] == position:
                position = self._after_holes(after)
                continue
            run_end = holes[after] if after < len(holes) else end
            run_end = min(run_end, position + wanted - len(page))
            page.extend(names[position:run_end])  # type: ignore[arg-type]
            position = run_end
        return page

    def _after_holes(self, index: int) -> int:
        """The position just past the run of consecutive holes starting at holes[index]."""
        holes = self.holes
        first = holes[index] - index  # holes[i] - i stays equal along a run
        low, high = index, len(holes)
        while low < high:
            middle = (low + high) // 2
            if holes[middle] - middle == first:
                low = middle + 1
            else:
                high = middle
        return holes[low - 1] + 1


class MemoryStore(Transactional):
    """An in-process :class:`~graftflow.Store`. ``open_store("memory://")`` makes one."""

    url = "memory://"

    def __init__(self) -> None:
        self._kv: dict[str, object] = {}
        self._hashes: dict[str, dict[str, object]] = {}
        self._ordered: dict[str, _Ordered] = {}
        self._lock = threading.RLock()
        # Per open batch level: (table, key) -> a plain value's or hash's state before the
        # level touched it, and the level's changes to ordered maps, to undo in reverse
        # (an ordered map may hold millions of names: it is never copied; issue 18).
        self._levels: list[tuple[dict[tuple[int, str], object], list[tuple[Any, ...]]]] = []
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
        level = self._levels[-1][0]
        if (table, key) in level:
            return
        if table == _KV:
            level[(table, key)] = self._kv.get(key, _ABSENT)
        else:
            current = self._hashes.get(key)
            level[(table, key)] = _ABSENT if current is None else dict(current)

    def _changed(self, change: tuple[Any, ...]) -> None:
        """Note a change to an ordered map, for the open batch level to undo."""
        if self._levels:
            undo = self._levels[-1][1]
            if change[0] == _ADDED and undo and undo[-1][:2] == change[:2]:
                undo[-1] = (_ADDED, change[1], undo[-1][2] + change[2])  # adds in a row
            else:
                undo.append(change)

    def _restore(self, level: tuple[dict[tuple[int, str], object], list[tuple[Any, ...]]]) -> None:
        before_level, undo = level
        for (table, key), before in before_level.items():
            target: dict[str, Any] = self._kv if table == _KV else self._hashes
            if before is _ABSENT:
                target.pop(key, None)
            else:
                target[key] = before
                self._index(key)  # delete_tree() may have dropped it from the index
        ordered = self._ordered
        for change in reversed(undo):
            kind, key = change[0], change[1]
            if kind == _CREATED:
                del ordered[key]
            elif kind == _ADDED:
                ordered[key].drop_last(change[2])
            elif kind == _REMOVED:
                ordered[key].restore(change[2], change[3], change[4])
            else:
                ordered[key] = change[2]
                self._index(key)

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
            if type(self._kv) is _Closed:
                raise StoreError("memory:// store is closed")
            self._levels.append(({}, []))
            self._commit_callbacks.enter()
            try:
                yield
            except BaseException:
                self._commit_callbacks.leave(committed=False)
                self._restore(self._levels.pop())
                raise
            before_level, undo = self._levels.pop()
            due = self._commit_callbacks.leave(committed=True)
            if self._levels:
                parent, parent_undo = self._levels[-1]
                for tk, before in before_level.items():
                    parent.setdefault(tk, before)
                parent_undo.extend(undo)
            else:
                for key in {change[1] for change in undo if change[0] == _REMOVED}:
                    self._compact(key)
        # Outside the lock: a callback may write, or wait for another thread's batch.
        run(due)

    def _attempt(self) -> AbstractContextManager[None]:
        """A transaction attempt is a batch: it holds the writers' lock from start to
        commit, so no other writer runs in between and nothing can conflict."""
        return self.batch()

    def on_commit(self, callback: Callable[[], object]) -> None:
        self._commit_callbacks.add(callback)

    def close(self) -> None:
        with self._lock:
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
            for table, source in ((_KV, self._kv), (_HASH, self._hashes)):
                for k in doomed:
                    if k in source:
                        self._touch(table, k)
                        del source[k]
            ordered = self._ordered
            for k in doomed:
                members = ordered.pop(k, None)
                if members is not None:
                    self._changed((_DROPPED, k, members))

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
        # list() copies in one step: a writer in another thread may change the hash
        # while the values are decoded (reads take no lock).
        return {} if fields is None else {f: _decode(v) for f, v in list(fields.items())}

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
            if members is None:
                self._index(key)
                members = self._ordered[key] = _Ordered()
                self._changed((_CREATED, key))
            elif self._levels:
                self._changed((_ADDED, key, len(encoded)))
            positions = members.positions
            if positions is not None:
                positions.update(zip(encoded, itertools.count(len(members.names))))
            members.update(encoded)
            members.names.extend(encoded)

    def _add_name(self, key: str, name: str) -> None:
        """``ordered_add(key, {name: None})``, for Map.add's one item of the map's own
        type (issue 18's W1_add): no mapping made and walked for one name.
        tests/test_fast_paths.py compares the two."""
        with self._lock:
            members = self._ordered.get(key)
            if members is None:  # the map's first name: made as ordered_add makes it
                self.ordered_add(key, {name: None})
                return
            if name in members:
                raise ExistsError(key, f"{key} already has {quote_names((name,))}", (name,))
            if self._levels:
                self._changed((_ADDED, key, 1))
            positions = members.positions
            if positions is not None:
                positions[name] = len(members.names)
            members[name] = None
            members.names.append(name)

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
            value, position = members.remove(name)
            self._changed((_REMOVED, key, name, value, position))
            if not members:
                del self._ordered[key]
                self._changed((_DROPPED, key, members))
            elif not self._levels:
                self._compact(key)
            return True

    def _compact(self, key: str) -> None:
        members = self._ordered.get(key)
        if members is not None and members.sparse():
            members.compact()

    def ordered_len(self, key: str) -> int:
        members = self._ordered.get(key)
        return 0 if members is None else len(members)

    def ordered_range(self, key: str, start: int = 0, stop: int | None = None) -> list[str]:
        check_range(key, start, stop)
        members = self._ordered.get(key)
        if members is None:
            return []
        return members.page(start, stop)

    def ordered_clear(self, key: str) -> None:
        with self._lock:
            members = self._ordered.pop(key, None)
            if members is not None:
                self._changed((_DROPPED, key, members))


_ABSENT: Final = object()


def open_url(url: str, create: bool) -> MemoryStore:
    """``open_store("memory://")``: a fresh store (it takes no path)."""
    if url != "memory://":
        raise StoreError(f"{url!r}: a memory store takes no path; use 'memory://'")
    return MemoryStore()
