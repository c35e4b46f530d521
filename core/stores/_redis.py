"""RedisStore: the shared store, for studios whose artists work on one flow together.

Every write goes through one Lua script (:mod:`graftflow._redis_lua`), so a write, or a
whole batch, is atomic against every other process, and an ``ordered_add`` that would
duplicate a name changes nothing. A batch is collected on the client: its writes are
kept in a *pending view* that reads consult first (a batch sees its own writes, as on
the other stores), then sent as one script call when the outermost batch ends. If
Redis is unreachable at that moment nothing was written, and the caller gets one
:class:`StoreError` saying so.

After each write the script publishes the changed keys on ``PREFIXchanges``;
:meth:`RedisStore.watch` listens there, which is how ``subscribe()`` handlers in one
process hear about a ``set`` in another.

Several flows can share one server: each store has a key prefix (``?prefix=name`` in
the URL, default ``graftflow``).
"""

from __future__ import annotations

import copy
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, NoReturn
from urllib.parse import parse_qs, urlsplit, urlunsplit

import redis
import redis.exceptions
from redis.backoff import NoBackoff
from redis.retry import Retry

from graftflow._errors import ExistsError, InvalidValueError, StoreError
from graftflow._json import JSONValue, dumps_checked, loads

from ._commit import CommitCallbacks, run
from ._redis_lua import APPLY
from ._store import MISSING, check_range, display_url, quote_names

__all__ = ["RedisStore", "open_url"]


_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
#: Redis counts in 64-bit ints; the other stores count exactly.
_RANGE = "the 64-bit range Redis counts in; store such numbers with set()"


@dataclass
class _Ordered:
    """A batch's pending changes to one ordered map."""

    #: The map was cleared (or its tree deleted): server members no longer count.
    cleared: bool = False
    #: Server members removed by the batch.
    removed: set[str] = field(default_factory=set)
    #: Names added by the batch, in order, with their JSON text.
    added: dict[str, str] = field(default_factory=dict)


@dataclass
class _Hash:
    """A batch's pending changes to one hash (``None``: the field was deleted)."""

    cleared: bool = False
    fields: dict[str, str | None] = field(default_factory=dict)


@dataclass
class _Pending:
    """Everything a batch wrote, as operations for the script and as a view for reads."""

    ops: list[str] = field(default_factory=list)
    #: key -> JSON text, or ``None`` for a deleted value.
    values: dict[str, str | None] = field(default_factory=dict)
    #: Roots of subtrees deleted by the batch, in order.
    trees: list[str] = field(default_factory=list)
    hashes: dict[str, _Hash] = field(default_factory=dict)
    ordered: dict[str, _Ordered] = field(default_factory=dict)

    def tree_gone(self, key: str) -> bool:
        return any(key == top or key.startswith(top + "/") for top in self.trees)


class RedisStore:
    """A store on a Redis server, shared by every process that opens the same URL.

    :param url: ``redis://[user:password@]host:port/db[?prefix=name]`` (``rediss://``
        for TLS).
    :param prefix: the key prefix (overrides the URL's); flows with different prefixes
        share a server without seeing each other.
    :param timeout: seconds to wait for the server before a :class:`StoreError`.
    :raises StoreError: the URL is malformed or the server cannot be reached.
    """

    def __init__(self, url: str, *, prefix: str | None = None, timeout: float = 5.0) -> None:
        shown = display_url(url)  # error messages and logs never carry the password
        parts = urlsplit(url)
        if parts.scheme not in ("redis", "rediss") or not parts.hostname:
            raise StoreError(
                f"{shown!r} is not a Redis URL; write redis://host:port/db, for example "
                "redis://localhost:6379/0"
            )
        try:
            port = parts.port or 6379
        except ValueError as exc:  # a port that is not a number, or out of range
            raise StoreError(f"{shown!r} is not a valid Redis URL: {exc}") from None
        # keep_blank_values: "?prefix=" is an empty prefix (refused), not a missing one.
        query = parse_qs(parts.query, keep_blank_values=True)
        chosen = prefix if prefix is not None else query.get("prefix", ["graftflow"])[0]
        if not chosen or ":" in chosen:
            raise StoreError(f"{shown!r}: a store prefix is a non-empty name without ':'")
        database = (parts.path or "/0").lstrip("/") or "0"
        if not database.isdigit():
            raise StoreError(
                f"{shown!r}: the database is a number (redis://host:port/0), not {database!r}"
            )
        server = urlunsplit((parts.scheme, parts.netloc, f"/{database}", "", ""))
        #: A URL that :func:`open_store` would accept to open this store again.
        self.url = f"{server}?prefix={chosen}"
        self._shown = display_url(self.url)
        self._where = f"Redis at {parts.hostname}:{port}"
        self._prefix = chosen + ":"
        # Pub/sub ignores databases: the channel names it, so db 1 is not heard on db 0.
        self._channel = f"{self._prefix}changes@{database}"
        self._id = uuid.uuid4().hex
        self._commit_callbacks = CommitCallbacks()
        try:
            self._client = redis.Redis.from_url(
                server,
                decode_responses=True,
                encoding_errors="surrogatepass",
                socket_timeout=timeout,
                socket_connect_timeout=timeout,
                health_check_interval=30,
                # Never resend: a write whose reply was lost may have been applied, and
                # resending an incr or an add would apply it twice.
                retry=Retry(NoBackoff(), 0),
                retry_on_timeout=False,
            )
        except ValueError as exc:
            raise StoreError(f"{shown!r} is not a valid Redis URL: {exc}") from None
        self._apply = self._client.register_script(APPLY)
        self._local = threading.local()
        self._closed = False
        self._watchers: list[Any] = []
        self._call(self._client.ping)

    def __repr__(self) -> str:
        return f"<RedisStore {self._shown}>"

    # -- plumbing -----------------------------------------------------------------------

    def _fail(self, exc: Exception, writing: bool) -> NoReturn:
        lost = isinstance(exc, (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError))
        if not lost:
            raise StoreError(f"{self._where}: {type(exc).__name__}: {exc}") from exc
        again = "The store reconnects by itself once it is back."
        if not writing:
            raise StoreError(
                f"cannot reach {self._where} ({exc}); is the server running? {again}"
            ) from exc
        if isinstance(exc, redis.exceptions.ConnectionError) and "connecting to" in str(exc):
            # The connection was never made: the write cannot have reached the server.
            raise StoreError(
                f"cannot reach {self._where} ({exc}); nothing was written. Is the server "
                f"running? {again}"
            ) from exc
        raise StoreError(
            f"lost contact with {self._where} during a write ({exc}); the server may or may "
            f"not have applied it, so check before writing again. {again}"
        ) from exc

    def _call(self, method: Callable[..., Any], *args: Any, writing: bool = False) -> Any:
        if self._closed:
            raise StoreError(f"{self._shown} is closed")
        try:
            return method(*args)
        except redis.exceptions.RedisError as exc:
            self._fail(exc, writing)

    def _run(self, ops: list[str]) -> Any:
        """Send operations to the script; translate a refused precondition."""
        reply = self._call(
            self._apply, [], [self._prefix, self._id, self._channel, *ops], writing=True
        )
        if reply[0] == "exists":
            key, names = reply[1], tuple(reply[2:])
            raise ExistsError(key, f"{key} already has {quote_names(names)}", names)
        if reply[0] == "notint":
            key = reply[1]
            raise InvalidValueError(
                key, f"{key}: cannot increment {loads(reply[2])!r}, it is not an int"
            )
        if reply[0] == "toobig":
            key = reply[1]
            raise InvalidValueError(
                key, f"{key}: incrementing {loads(reply[2])!r} would leave {_RANGE}"
            )
        return reply[1] if len(reply) > 1 else None

    def _pending(self) -> _Pending | None:
        stack: list[_Pending] | None = getattr(self._local, "stack", None)
        return stack[-1] if stack else None

    def _write(self, ops: list[str], pending: _Pending | None) -> Any:
        if pending is None:
            return self._run(ops)
        pending.ops.extend(ops)
        return None

    def _v(self) -> str:
        return self._prefix + "v"

    # -- batches ------------------------------------------------------------------------

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Collect writes, then send them in one atomic script call.

        A nested batch is a savepoint: if it fails, the writes it collected are dropped
        and the outer batch goes on.
        """
        if self._closed:
            raise StoreError(f"{self._shown} is closed")
        stack: list[_Pending] | None = getattr(self._local, "stack", None)
        if stack is None:
            stack = self._local.stack = []
        outermost = not stack
        stack.append(_Pending() if outermost else copy.deepcopy(stack[-1]))
        callbacks = self._commit_callbacks
        callbacks.enter()
        try:
            yield
        except BaseException:
            stack.pop()
            callbacks.leave(committed=False)
            raise
        done = stack.pop()
        if outermost:
            if done.ops:
                try:
                    self._run(done.ops)
                except BaseException:
                    callbacks.leave(committed=False)
                    raise
        else:
            stack[-1] = done
        run(callbacks.leave(committed=True))

    def on_commit(self, callback: Callable[[], object]) -> None:
        self._commit_callbacks.add(callback)

    def close(self) -> None:
        """Stop listening and release the connections; later calls raise StoreError."""
        if self._closed:
            return
        self._closed = True
        for watcher in self._watchers:
            _stop(watcher)
        self._watchers.clear()
        self._client.close()

    # -- plain values -------------------------------------------------------------------

    def get(self, key: str, default: Any = None) -> Any:
        pending = self._pending()
        if pending is not None:
            if key in pending.values:
                text = pending.values[key]
                return default if text is None else loads(text)
            if pending.tree_gone(key):
                return default
        text = self._call(self._client.hget, self._v(), key)
        return default if text is None else loads(text)

    def set(self, key: str, value: JSONValue) -> None:
        text = dumps_checked(key, value)
        pending = self._pending()
        if pending is not None:
            pending.values[key] = text
        self._write(["set", key, text], pending)

    def delete(self, key: str) -> bool:
        pending = self._pending()
        if pending is None:
            return bool(self._run(["del", key]))
        existed = self.get(key, MISSING) is not MISSING
        pending.values[key] = None
        pending.ops.extend(["del", key])
        return existed

    def incr(self, key: str, amount: int = 1) -> int:
        if type(amount) is not int:
            raise InvalidValueError(key, f"{key}: incr amount must be an int, not {amount!r}")
        if not _INT64_MIN <= amount <= _INT64_MAX:
            raise InvalidValueError(key, f"{key}: the incr amount {amount} is outside {_RANGE}")
        pending = self._pending()
        if pending is None:
            return int(self._run(["incr", key, str(amount)]))
        current = self.get(key, 0)
        if type(current) is not int:
            raise InvalidValueError(key, f"{key}: cannot increment {current!r}, it is not an int")
        new = current + amount
        if not _INT64_MIN <= new <= _INT64_MAX:
            raise InvalidValueError(key, f"{key}: incrementing {current!r} would leave {_RANGE}")
        pending.values[key] = str(new)
        pending.ops.extend(["incr", key, str(amount)])
        return new

    def delete_tree(self, key: str) -> None:
        pending = self._pending()
        if pending is not None:
            below = key + "/"
            for k in [k for k in pending.values if k == key or k.startswith(below)]:
                pending.values[k] = None
            for k in [k for k in pending.hashes if k == key or k.startswith(below)]:
                pending.hashes[k] = _Hash(cleared=True)
            for k in [k for k in pending.ordered if k == key or k.startswith(below)]:
                pending.ordered[k] = _Ordered(cleared=True)
            pending.trees.append(key)
        self._write(["dtree", key], pending)

    # -- hashes -------------------------------------------------------------------------

    def _hash_view(self, pending: _Pending, key: str) -> _Hash | None:
        if key in pending.hashes:
            return pending.hashes[key]
        return _Hash(cleared=True) if pending.tree_gone(key) else None

    def hash_get(self, key: str, field: str, default: Any = None) -> Any:
        pending = self._pending()
        if pending is not None:
            view = self._hash_view(pending, key)
            if view is not None:
                if field in view.fields:
                    text = view.fields[field]
                    return default if text is None else loads(text)
                if view.cleared:
                    return default
        text = self._call(self._client.hget, self._prefix + "h:" + key, field)
        return default if text is None else loads(text)

    def hash_set(self, key: str, field: str, value: JSONValue) -> None:
        text = dumps_checked(f"{key}[{field!r}]", value)
        pending = self._pending()
        if pending is not None:
            view = pending.hashes.get(key)
            if view is None:
                view = pending.hashes[key] = _Hash(cleared=pending.tree_gone(key))
            view.fields[field] = text
        self._write(["hset", key, field, text], pending)

    def hash_delete(self, key: str, field: str) -> bool:
        pending = self._pending()
        if pending is None:
            return bool(self._run(["hdel", key, field]))
        existed = self.hash_get(key, field, MISSING) is not MISSING
        view = pending.hashes.get(key)
        if view is None:
            view = pending.hashes[key] = _Hash(cleared=pending.tree_gone(key))
        view.fields[field] = None
        pending.ops.extend(["hdel", key, field])
        return existed

    def hash_items(self, key: str) -> dict[str, Any]:
        pending = self._pending()
        view = self._hash_view(pending, key) if pending is not None else None
        if view is not None and view.cleared:
            texts: dict[str, str] = {}
        else:
            texts = self._call(self._client.hgetall, self._prefix + "h:" + key)
        if view is not None:
            for name, text in view.fields.items():
                if text is None:
                    texts.pop(name, None)
                else:
                    texts[name] = text
        return {name: loads(text) for name, text in texts.items()}

    # -- ordered maps -------------------------------------------------------------------

    def _ordered_view(self, pending: _Pending, key: str) -> _Ordered | None:
        if key in pending.ordered:
            return pending.ordered[key]
        return _Ordered(cleared=True) if pending.tree_gone(key) else None

    def _server_has(self, key: str, name: str) -> bool:
        return bool(self._call(self._client.hexists, self._prefix + "ov:" + key, name))

    def ordered_add(self, key: str, items: Mapping[str, JSONValue]) -> None:
        texts = {name: dumps_checked(f"{key}/{name}", value) for name, value in items.items()}
        ops = ["oadd", key, str(len(texts))]
        for name, text in texts.items():
            ops.extend((name, text))
        pending = self._pending()
        if pending is None:
            self._run(ops)
            return
        view = pending.ordered.get(key) or self._ordered_view(pending, key)
        taken = self._taken(key, list(texts), view)
        if taken:
            raise ExistsError(key, f"{key} already has {quote_names(taken)}", taken)
        if not texts:
            return
        if view is None:
            view = _Ordered()
        pending.ordered[key] = view
        view.added.update(texts)
        pending.ops.extend(ops)

    def _taken(self, key: str, names: list[str], view: _Ordered | None) -> tuple[str, ...]:
        """Which of ``names`` the map has, as the batch sees it (one server call at most)."""
        taken: set[str] = set()
        ask: list[str] = []
        for name in names:
            if view is not None and name in view.added:
                taken.add(name)
            elif view is None or not (view.cleared or name in view.removed):
                ask.append(name)
        if ask:
            found = self._call(self._client.hmget, self._prefix + "ov:" + key, ask)
            taken.update(name for name, text in zip(ask, found, strict=True) if text is not None)
        return tuple(name for name in names if name in taken)

    def ordered_get(self, key: str, name: str, default: Any = None) -> Any:
        pending = self._pending()
        if pending is not None:
            view = self._ordered_view(pending, key)
            if view is not None:
                if name in view.added:
                    return loads(view.added[name])
                if view.cleared or name in view.removed:
                    return default
        text = self._call(self._client.hget, self._prefix + "ov:" + key, name)
        return default if text is None else loads(text)

    def ordered_remove(self, key: str, name: str) -> bool:
        pending = self._pending()
        if pending is None:
            return bool(self._run(["orem", key, name]))
        view = self._ordered_view(pending, key) or _Ordered()
        if name in view.added:
            del view.added[name]
        elif view.cleared or name in view.removed or not self._server_has(key, name):
            return False
        else:
            view.removed.add(name)
        pending.ordered[key] = view
        pending.ops.extend(["orem", key, name])
        return True

    def ordered_len(self, key: str) -> int:
        pending = self._pending()
        view = self._ordered_view(pending, key) if pending is not None else None
        if view is not None and view.cleared:
            return len(view.added)
        count = int(self._call(self._client.zcard, self._prefix + "o:" + key))
        if view is None:
            return count
        return count - len(view.removed) + len(view.added)

    def ordered_range(self, key: str, start: int = 0, stop: int | None = None) -> list[str]:
        check_range(key, start, stop)
        pending = self._pending()
        view = self._ordered_view(pending, key) if pending is not None else None
        if view is None:
            if stop is not None and stop <= start:
                return []
            last = -1 if stop is None else stop - 1
            return list(self._call(self._client.zrange, self._prefix + "o:" + key, start, last))
        names: list[str] = []
        if not view.cleared:
            every = self._call(self._client.zrange, self._prefix + "o:" + key, 0, -1)
            names = [name for name in every if name not in view.removed]
        names.extend(view.added)
        return names[start:stop]

    def ordered_clear(self, key: str) -> None:
        pending = self._pending()
        if pending is not None:
            pending.ordered[key] = _Ordered(cleared=True)
        self._write(["oclr", key], pending)

    # -- notifications ------------------------------------------------------------------

    def watch(self, callback: Callable[[list[str]], None]) -> Callable[[], None]:
        """Call ``callback(keys)`` when *another* process changes keys of this store.

        The callback runs on a background thread; return a callable that stops it.
        """
        if self._closed:
            raise StoreError(f"{self._shown} is closed")
        me = self._id

        def on_message(message: dict[str, Any]) -> None:
            writer, _, keys = str(message["data"]).partition("\n")
            if writer != me and keys:
                callback(keys.split("\n"))

        def keep_going(exc: BaseException, pubsub: Any, thread: Any) -> None:
            # The server went away: pubsub reconnects and resubscribes on the next
            # poll; wait a little instead of spinning.
            time.sleep(0.5)

        pubsub = self._client.pubsub(ignore_subscribe_messages=True)
        channel = self._channel
        self._call(lambda: pubsub.subscribe(**{channel: on_message}))
        thread = pubsub.run_in_thread(sleep_time=0.05, daemon=True, exception_handler=keep_going)
        self._watchers.append(thread)

        def stop() -> None:
            if thread in self._watchers:
                self._watchers.remove(thread)
                _stop(thread)

        return stop


def open_url(url: str, create: bool) -> RedisStore:
    """``open_store("redis://host:port/db")``; a Redis database always exists."""
    return RedisStore(url)


def _stop(thread: Any) -> None:
    """Stop a listener thread and wait for it, so no handler runs after close()."""
    thread.stop()
    if thread is not threading.current_thread():
        thread.join(timeout=2)
