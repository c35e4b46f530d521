"""RedisStore: the shared store, for studios whose artists work on one flow together.

Writes. Every write goes through one Lua script (:mod:`graftflow.stores._redis_lua`),
so a write, or a whole batch, is atomic against every other process, and an
``ordered_add`` that would duplicate a name changes nothing. A batch is collected on
the client: its writes are kept in a *pending view* that reads consult first (a batch
sees its own writes, as on the other stores), then sent as one script call when the
outermost batch ends. A nested batch is a savepoint: a mark in the pending operations
and an undo log of the view, so nesting costs what the writes cost. If Redis is
unreachable at that moment nothing was written, and the caller gets one
:class:`StoreError` saying so.

Transactions are optimistic. Inside ``transaction()`` the first read of each thing goes
to the server and is remembered, and a repeated read is answered from there; the commit
sends those reads with the writes, the script compares them with what the server holds,
and writes nothing if one changed: the transaction runs again
(:class:`~graftflow.stores._store.Transactional`).

Reads and freshness. Outside transactions, reads are served from a client-side cache
filled a page at a time: a map page's names, their item types and every plain value
below those items come in one round trip (the script :data:`READ`). The cache is
invalidated by the store's own change notifications: after each write the script
publishes the changed keys on ``PREFIXchanges``, and a listener thread (one pub/sub
connection per store) drops them from the cache before anyone is told of the change
(after one of the store's own writes it lets the next notifications gather for up to
``_PAUSE``, unless a read needs them: see :class:`_Listener`).
So a cached read is as fresh as the notifications that reached this process: once a
change by another process has been heard, no read returns the value it replaced; a
write of this store object is forgotten before the write returns. And reads never go
back in time: writes are numbered (``Pseq``), every reply says which number the server
reached, and a cached read waits until the listener has heard up to the newest number
this process has seen (on the listener thread itself, in a watcher, it cannot wait for
itself: that read goes to the server). Whenever the listener is not subscribed
(starting, a lost connection, a ping unanswered for ``timeout`` seconds, a fork), the
whole cache is dropped and reads go to the server until it is subscribed again.
Redis' own client tracking would do the same on RESP3, which redis-py supports only
from 5.1 on; the project supports 5.0.

Several flows can share one server: each store has a key prefix (``?prefix=name`` in
the URL, default ``graftflow``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import uuid
import weakref
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Final, NoReturn
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import redis
import redis.exceptions
from redis.backoff import NoBackoff
from redis.retry import Retry

from graftflow._errors import ConflictError, ExistsError, InvalidValueError, StoreError
from graftflow._json import JSONValue, dumps_checked, loads

from ._commit import CommitCallbacks, run
from ._redis_lua import APPLY, CLAIM_TURN, READ, RELEASE_TURN, SYNC
from ._resp import MORE, Wire
from ._store import Transactional, check_range, display_url, quote_names

__all__ = ["RedisStore", "open_url"]


_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
#: Redis counts in 64-bit ints; the other stores count exactly.
_RANGE = "the 64-bit range Redis counts in; store such numbers with set()"

#: A thread whose transactions conflicted this many times in a row claims the turn:
#: the other transactions commit nothing until it committed (or gave up, or the turn
#: ran out after ``_TURN_MS``), so under heavy contention no writer starves.
_TURN_AFTER: Final = 3
#: Short: a process that dies holding the turn holds up the others this long at most
#: (their retries, with their pauses, last about as long), and a live holder commits
#: in far less; if it does not, it claims the turn again on its next attempt.
_TURN_MS: Final = 500

#: Names read ahead after an item that was not cached (``shots[name]``, in order).
_AHEAD: Final = 64
#: A page of names this long or shorter comes with the values below its items.
_DEEP_PAGE: Final = 256
#: Keys read below one item at most; an item with more is not cached whole.
_BELOW: Final = 64
#: Cache entries kept at most; past it the cache starts again from empty.
_CACHE_MAX: Final = 1_000_000
#: The listener pings its connection after this long without a message.
_PING_EVERY: Final = 5.0
#: How long the listener lets the store's own notifications gather after one (see
#: _Listener.run): a change by another process is never held up by it.
_PAUSE: Final = 0.005
#: URL query options, with what each means (for the error listing them).
_OPTIONS: Final = {"prefix": "the key prefix", "cache": "on or off"}

_SCALARS: Final = frozenset({str, int, float, bool, type(None)})


class _Token:
    """A named sentinel: readable in a debugger, never equal to a stored value."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


#: Not in the cache (ask the server).
_UNKNOWN: Final = _Token("UNKNOWN")
#: Known: there is no value (cached, or in a batch's view).
_ABSENT: Final = _Token("ABSENT")


class _Json:
    """A cached container value, kept as JSON text: every read decodes a fresh copy."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


def _result(entry: Any, default: Any) -> Any:
    """What a read returns for a cache entry: the default, a scalar, a fresh container."""
    if entry is _ABSENT:
        return default
    return loads(entry.text) if type(entry) is _Json else entry


class _Ordered:
    """A batch's pending changes to one ordered map."""

    __slots__ = ("added", "cleared", "removed")

    def __init__(self, cleared: bool = False) -> None:
        #: The map was cleared (or its tree deleted): server members no longer count.
        self.cleared = cleared
        #: Server members removed by the batch.
        self.removed: dict[str, None] = {}
        #: Names added by the batch, in order, with their JSON text.
        self.added: dict[str, str] = {}


class _Hash:
    """A batch's pending changes to one hash (``None``: the field was deleted)."""

    __slots__ = ("cleared", "fields")

    def __init__(self, cleared: bool = False) -> None:
        self.cleared = cleared
        self.fields: dict[str, str | None] = {}


class _Pending:
    """What one thread's open batches wrote (and, in a transaction, read).

    The outermost batch needs no undo: if it fails, all of this is dropped. Each nested
    batch pushes a mark (how long the operations, the undo log and the deleted trees
    were); its changes to the view log what they replaced, so a failing nested batch
    rolls back to its mark, and one that succeeds just drops the mark.
    """

    __slots__ = (
        "checks",
        "hashes",
        "marks",
        "ops",
        "ordered",
        "trees",
        "undo",
        "validating",
        "values",
    )

    def __init__(self, validating: bool) -> None:
        self.ops: list[str] = []
        #: key -> JSON text, or ``None`` for a deleted value.
        self.values: dict[str, str | None] = {}
        #: Roots of subtrees deleted by the batch, in order.
        self.trees: list[str] = []
        self.hashes: dict[str, _Hash] = {}
        self.ordered: dict[str, _Ordered] = {}
        self.undo: list[tuple[dict[Any, Any], Any, Any]] = []
        self.marks: list[tuple[int, int, int]] = []
        #: Inside a transaction: reads go to the server and are checked at commit.
        self.validating = validating
        #: What the transaction read, by what it read: the first read of each counts.
        self.checks: dict[tuple[str, ...], list[str]] = {}

    def put(self, table: dict[Any, Any], key: Any, value: Any) -> None:
        """``table[key] = value``, undoable while a nested batch is open."""
        if self.marks:
            self.undo.append((table, key, table.get(key, _ABSENT)))
        table[key] = value

    def drop(self, table: dict[Any, Any], key: Any) -> None:
        """``del table[key]``, undoable while a nested batch is open."""
        if self.marks:
            self.undo.append((table, key, table[key]))
        del table[key]

    def push(self) -> None:
        self.marks.append((len(self.ops), len(self.undo), len(self.trees)))

    def release(self) -> None:
        self.marks.pop()
        if not self.marks:
            self.undo.clear()  # the outermost batch drops everything if it fails

    def roll_back(self) -> None:
        ops, undo, trees = self.marks.pop()
        del self.ops[ops:]
        del self.trees[trees:]
        log = self.undo
        while len(log) > undo:
            table, key, before = log.pop()
            if before is _ABSENT:
                table.pop(key, None)
            else:
                table[key] = before

    def tree_gone(self, key: str) -> bool:
        return any(key == top or key.startswith(top + "/") for top in self.trees)

    def check(self, what: tuple[str, ...], args: list[str]) -> None:
        self.checks.setdefault(what, args)

    def flat_checks(self) -> list[str]:
        """Every check's arguments, in one list, as the script takes them."""
        return [arg for args in self.checks.values() for arg in args]

    def read(self, what: tuple[str, ...]) -> list[str] | None:
        """The check of what the transaction read already as ``what``, else ``None``.

        A repeated read is answered from it, not the server: the commit checks the
        first read anyway, so a second round trip could only show a change that makes
        the commit fail, and this way the transaction sees one state of what it read
        (a workflow transition reads a status a few times: a round trip each was most
        of its time).
        """
        return self.checks.get(what)

    def ordered_view(self, key: str) -> _Ordered | None:
        if key in self.ordered:
            return self.ordered[key]
        return _Ordered(cleared=True) if self.tree_gone(key) else None

    def hash_view(self, key: str) -> _Hash | None:
        if key in self.hashes:
            return self.hashes[key]
        return _Hash(cleared=True) if self.tree_gone(key) else None


def _text_of(check: list[str]) -> str | None:
    """The text a value, field or member check records: ``None`` for "absent" (``v0``,
    ``h0``, ``m0``)."""
    return None if check[0].endswith("0") else check[-1]


def _fields_of(check: list[str]) -> dict[str, str]:
    """The fields a whole-hash check (``ha KEY COUNT FIELD TEXT ...``) records."""
    return dict(zip(check[3::2], check[4::2], strict=True))


def _pack(args: list[Any]) -> bytes:
    """A command in the Redis protocol, as redis-py's ``pack_command`` writes str and
    int arguments with the store's encoding (UTF-8, lone surrogates passed through).

    W1_redis_add (issue 12): redis-py's packer, which handles every argument type,
    took 7 µs of each add; this takes 2.5. tests/test_redis_store.py compares the two.
    """
    chunks = [b"*%d\r\n" % len(args)]
    for arg in args:
        if type(arg) is str:
            data = arg.encode("utf-8", "surrogatepass")
        elif type(arg) is int:
            data = b"%d" % arg
        else:  # a float would lose its fraction in %d
            raise TypeError(f"a script argument is a str or an int, not {arg!r}")
        chunks.append(b"$%d\r\n%b\r\n" % (len(data), data))
    return b"".join(chunks)


def _op_keys(ops: list[str]) -> list[str]:
    """The notification lines a list of operations makes (as the script publishes them)."""
    keys: list[str] = []
    i, end = 0, len(ops)
    while i < end:
        kind, key = ops[i], ops[i + 1]
        if kind in ("set", "incr", "orem"):
            keys.append(key)
            i += 3
        elif kind in ("hset", "hdel"):
            keys.append(f"{key}#{ops[i + 2]}")
            i += 4 if kind == "hset" else 3
        elif kind == "oadd":
            keys.append(key)
            i += 3 + 2 * int(ops[i + 2])
        else:  # del, oclr, dtree
            keys.append(key)
            if kind == "dtree":
                keys.append("*" + key)
            i += 2
    return keys


def _ancestors(key: str) -> Iterator[str]:
    """``/a/b/c`` -> ``/a/b``, ``/a``: where a cached subtree holding ``key`` may start."""
    while True:
        key, sep, _ = key.rpartition("/")
        if not sep or not key:
            return
        yield key


class RedisStore(Transactional):
    """A store on a Redis server, shared by every process that opens the same URL.

    :param url: ``redis://[user:password@]host:port/db[?prefix=name&cache=off]``
        (``rediss://`` for TLS).
    :param prefix: the key prefix (overrides the URL's); flows with different prefixes
        share a server without seeing each other.
    :param timeout: seconds to wait for the server before a :class:`StoreError`.
    :param cache: serve reads from a client-side cache kept fresh by change
        notifications (overrides the URL's ``cache=on|off``; default on). Off, every
        read is a round trip.
    :raises StoreError: the URL is malformed or the server cannot be reached.
    """

    def __init__(
        self,
        url: str,
        *,
        prefix: str | None = None,
        timeout: float = 5.0,
        cache: bool | None = None,
    ) -> None:
        server, database, chosen, cached = _parse_url(url, prefix, cache)
        parts = urlsplit(server)
        #: A URL that :func:`open_store` would accept to open this store again.
        self.url = f"{server}?prefix={chosen}" + ("" if cached else "&cache=off")
        self._shown = display_url(self.url)
        self._where = f"Redis at {parts.hostname}:{parts.port or 6379}"
        self._prefix = chosen + ":"
        self._v = self._prefix + "v"
        # Pub/sub ignores databases: the channel names it, so db 1 is not heard on db 0.
        self._channel = f"{self._prefix}changes@{database}"
        self._id = uuid.uuid4().hex
        self._timeout = timeout
        self._commit_callbacks = CommitCallbacks()
        self._local = threading.local()
        self._closed = False
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
            raise StoreError(f"{display_url(url)!r} is not a valid Redis URL: {exc}") from None
        #: The store's own connection for its scripts (see _script), made on first use.
        self._own: Any = None
        self._own_lock = threading.Lock()
        self._apply = self._client.register_script(APPLY)
        self._read = self._client.register_script(READ)
        self._sync = self._client.register_script(SYNC)
        self._claim_turn = self._client.register_script(CLAIM_TURN)
        self._release_turn = self._client.register_script(RELEASE_TURN)
        # -- the client-side cache (see the module docstring) --
        self._cache_on = cached
        self._cache_lock = threading.Lock()
        #: Bumped by every invalidation: a fill started before one is not kept.
        self._gen = 0
        #: Whether the listener is subscribed and knows where it stands (it heard its own
        #: SYNC): only then may the cache be filled.
        self._live = False
        self._synced = threading.Event()
        #: The newest write sequence number this process saw in a reply, and the newest
        #: one its listener heard: a cached read waits until the second reaches the first,
        #: so it is never older than anything this process already read or wrote.
        self._seen_seq = 0
        self._heard_seq = 0
        self._caught = threading.Condition()
        self._entries = 0
        self._vals: dict[str, Any] = {}
        #: map key -> name -> (type entry, the page it came with, its index there).
        self._members: dict[str, dict[str, tuple[Any, list[str] | None, int]]] = {}
        self._ranges: dict[str, dict[tuple[int, int], list[str]]] = {}
        self._counts: dict[str, int] = {}
        self._hashes: dict[str, tuple[bool, dict[str, Any]]] = {}
        #: Item oids every plain value below which is in ``_vals`` (or absent).
        self._known: set[str] = set()
        #: Item oids with more than _BELOW keys below them: not read ahead again.
        self._big: set[str] = set()
        #: Item oids with no key at all below them (no value, hash or map): what a batch
        #: adds under a new item needs no round trip to check.
        self._empty: set[str] = set()
        # -- the listener and the watchers --
        self._callbacks: list[Callable[[list[str]], None]] = []
        self._listener: _Listener | None = None
        self._listener_lock = threading.Lock()
        self._call(self._client.ping)
        if cached:
            self._listen()
        _LIVE_STORES.add(self)

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

    def _call(
        self, method: Callable[..., Any], *args: Any, key: str = "", writing: bool = False
    ) -> Any:
        """Call the client; its failures become one StoreError (``key``: what was read)."""
        if self._closed:
            raise StoreError(f"{self._shown} is closed")
        try:
            return method(*args)
        except redis.exceptions.RedisError as exc:
            self._fail(exc, writing)
        except UnicodeDecodeError as exc:
            what = f"the value at {key!r}" if key else "a reply"
            raise StoreError(
                f"{self._shown}: {what} is not UTF-8 text ({exc.reason}); graftflow never "
                "writes such bytes: another program wrote them"
            ) from None

    def _script(self, script: Any, args: list[Any], *, key: str = "", writing: bool = False) -> Any:
        """Run one of the store's scripts (``EVALSHA``), failing as :meth:`_call` does.

        W1_redis_add (issue 12): every add outside a batch is one script call, and
        redis-py's client path (a pool checkout that polls the socket, its retry and
        metrics wrappers, the script object's own checks) cost about as much again as
        the round trip itself. So the store sends its scripts on a connection of its
        own and reads the replies itself (:class:`Wire`); a thread that finds it busy
        takes the client's path (the same command, the same errors).
        tests/test_redis_store.py runs both paths; tests/test_resp.py compares the
        replies read with redis-py's.
        """
        lock = self._own_lock
        if not lock.acquire(blocking=False):
            return self._call(script, [], args, key=key, writing=writing)
        try:
            return self._call(self._on_own, script, args, key=key, writing=writing)
        finally:
            lock.release()

    def _on_own(self, script: Any, args: list[Any]) -> Any:
        """EVALSHA on the store's own connection (held under ``_own_lock``)."""
        wire = self._own
        if wire is None:
            pool = self._client.connection_pool
            wire = self._own = Wire(pool.connection_class(**pool.connection_kwargs))
        # As redis-py's pool checks each connection it hands out: one the server closed
        # (it restarted, or dropped an idle client) is made again before anything is
        # sent, so a write fails only when the server cannot be reached, surely unsent.
        wire.fresh()
        try:
            wire.send(_pack(["EVALSHA", script.sha, 0, *args]))
            return wire.reply()
        except redis.exceptions.NoScriptError:
            # The server forgot the script (restarted, SCRIPT FLUSH): nothing ran.
            # The script object loads it again and runs it.
            return script([], args)
        except (redis.exceptions.ResponseError, UnicodeDecodeError):
            raise  # a reply read whole: the connection is fine
        except BaseException:
            # Only part of the command was sent, or nothing or only part of the reply
            # read (this thread was interrupted): the connection is out of step with
            # the server; the next command connects again.
            wire.disconnect()
            raise

    def _decode(self, key: str, text: str) -> Any:
        """A stored JSON text as a value; a StoreError naming ``key`` if it is not one."""
        if not text.isascii():
            try:
                text.encode("utf-8")
            except UnicodeEncodeError as exc:
                # Lone surrogates: the bytes were not UTF-8 (graftflow escapes them).
                raise StoreError(
                    f"{self._shown}: the value at {key!r} is not UTF-8 text ({exc.reason}); "
                    "graftflow never writes such bytes: another program wrote them"
                ) from None
        try:
            return loads(text)
        except (ValueError, RecursionError) as exc:
            raise StoreError(
                f"{self._shown}: the value at {key!r} is not valid JSON ({exc})"
            ) from None

    def _entry(self, key: str, text: str | None) -> Any:
        """What the cache keeps for a server text: a scalar itself, a container's text."""
        if text is None:
            return _ABSENT
        value = self._decode(key, text)
        return value if type(value) in _SCALARS else _Json(text)

    def _run(self, argv: list[str]) -> tuple[int, Any]:
        """Send checks and operations to the script: ``(its sequence number, the result)``;
        a refused precondition raises (the server's state it saw is noted as seen)."""
        reply = self._script(
            self._apply, [self._prefix, self._id, self._channel, *argv], writing=True
        )
        status, seq = reply[0], int(reply[1])
        if status == "ok":
            return seq, reply[2] if len(reply) > 2 else None
        self._saw(seq)
        if status == "conflict":
            oids = tuple(reply[2:])
            raise ConflictError(
                oids,
                f"{quote_names(list(oids))} changed after the transaction read them; "
                "nothing was written",
            )
        key = reply[2]
        if status == "exists":
            names = tuple(reply[3:])
            raise ExistsError(key, f"{key} already has {quote_names(names)}", names)
        if status == "notint":
            raise InvalidValueError(
                key, f"{key}: cannot increment {loads(reply[3])!r}, it is not an int"
            )
        raise InvalidValueError(  # toobig
            key, f"{key}: incrementing {loads(reply[3])!r} would leave {_RANGE}"
        )

    def _apply_ops(self, ops: list[str], checks: list[str] | None = None) -> Any:
        """Run operations now; whatever happens, this process forgets what they touch."""
        checks = checks or []
        try:
            seq, result = self._run([str(len(checks)), *checks, *ops])
        finally:
            if ops:
                self._forget(_op_keys(ops))
        self._saw(seq, own=bool(ops))
        return result

    def _saw(self, seq: int, *, own: bool = False) -> None:
        """A reply showed the server at sequence number ``seq`` (``own``: after this
        store's own write, which it forgot already: heard as soon as all before it are)."""
        if seq <= self._seen_seq and not own:
            return
        with self._caught:
            if own and self._heard_seq == seq - 1:
                self._heard_seq = seq
            if seq > self._seen_seq:
                self._seen_seq = seq

    def _catch_up(self) -> bool:
        """Before a cached read: wait until the listener heard every write this process
        has seen a reply of, so no cached value is older than what was already read.
        Return whether the cache may answer (if not, the read goes to the server)."""
        if self._heard_seq >= self._seen_seq or not self._live:
            return True  # not live: the cache is empty, and stays so until it is
        listener = self._listener
        if listener is threading.current_thread():
            # A watcher reading on the listener thread: the changes still to hear queue
            # behind the one it is handling, so waiting would wait for itself. The
            # server answers instead (as fresh as what was read before, or fresher).
            return False
        if listener is not None:
            listener.wake()  # it may be letting the store's own notifications gather
        with self._caught:
            if self._caught.wait_for(
                lambda: self._heard_seq >= self._seen_seq or not self._live, self._timeout
            ):
                return True
        # Behind by more than timeout: nothing cached can be trusted, and the listener
        # starts over (connect again, subscribe, sync).
        self._lost()
        if listener is not None:
            listener.start_over()
        return False

    def _pending(self) -> _Pending | None:
        return getattr(self._local, "pending", None)

    def _write(self, ops: list[str], pending: _Pending | None) -> Any:
        if pending is None:
            return self._apply_ops(ops)
        pending.ops.extend(ops)
        return None

    # -- batches and transactions -------------------------------------------------------

    def batch(self) -> AbstractContextManager[None]:
        """Collect writes, then send them in one atomic script call.

        A nested batch is a savepoint: if it fails, the writes it collected are dropped
        and the outer batch goes on.
        """
        return self._level(validating=False)

    @contextmanager
    def _attempt(self) -> Iterator[None]:
        """One transaction attempt: a batch whose reads go to the server and are checked
        when it commits (inside a batch, that batch's commit checks them).

        Optimistic concurrency alone is not fair: a writer that is slow between its
        reads and its commit (a busy machine, a long ``fn``) can lose to faster ones
        every time. So a thread whose outermost attempts lost ``_TURN_AFTER`` times in a
        row claims the store's turn first; every commit checks it (the ``t`` check).
        """
        local = self._local
        if getattr(local, "pending", None) is not None:  # nested: the outer batch commits
            with self._level(validating=True):
                yield
            return
        token = self._turn_token()
        if getattr(local, "lost", 0) >= _TURN_AFTER:
            self._call(self._claim_turn, [], [self._prefix + "turn", token, _TURN_MS])
        try:
            with self._level(validating=True):
                yield
        except ConflictError:
            local.lost = getattr(local, "lost", 0) + 1
            raise
        except BaseException:
            local.lost = 0
            self.__release_turn(token)
            raise
        local.lost = 0  # the commit freed the turn if it held it

    def _gave_up(self) -> None:
        """The retries ran out: free the turn this thread may hold for the others."""
        self._local.lost = 0
        self.__release_turn(self._turn_token())

    def _turn_token(self) -> str:
        token: str | None = getattr(self._local, "token", None)
        if token is None:
            token = self._local.token = f"{self._id}:{threading.get_ident()}"
        return token

    def __release_turn(self, token: str) -> None:
        if not self._closed:
            with contextlib.suppress(StoreError):  # it runs out by itself anyway
                self._call(self._release_turn, [], [self._prefix + "turn", token])

    @contextmanager
    def _level(self, validating: bool) -> Iterator[None]:
        if self._closed:
            raise StoreError(f"{self._shown} is closed")
        local = self._local
        pending: _Pending | None = getattr(local, "pending", None)
        outermost = pending is None
        if pending is None:
            pending = local.pending = _Pending(validating)
        else:
            pending.push()
            if validating:
                pending.validating = True
        callbacks = self._commit_callbacks
        callbacks.enter()
        try:
            yield
        except BaseException:
            callbacks.leave(committed=False)
            if outermost:
                local.pending = None
            else:
                pending.roll_back()
            raise
        if not outermost:
            pending.release()
            run(callbacks.leave(committed=True))
            return
        local.pending = None
        checks = pending.flat_checks()
        if pending.validating and (pending.ops or checks):
            checks += ["t", self._turn_token()]
        if pending.ops or checks:
            try:
                self._apply_ops(pending.ops, checks)
            except BaseException:
                callbacks.leave(committed=False)
                raise
        run(callbacks.leave(committed=True))

    def on_commit(self, callback: Callable[[], object]) -> None:
        self._commit_callbacks.add(callback)

    def close(self) -> None:
        """Stop listening and release the connections; later calls raise StoreError."""
        if self._closed:
            return
        self._closed = True
        self._callbacks = []
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.stop()
        self._lost()
        with self._own_lock:  # once a script call under way on another thread is done
            own, self._own = self._own, None
        if own is not None:
            own.disconnect()
        self._client.close()
        # The pool's connections too: on the oldest redis-py allowed (5.0.0) the client's
        # close() only returns them to the pool, where they stay open until collected.
        self._client.connection_pool.disconnect()
        _LIVE_STORES.discard(self)

    # -- the cache ----------------------------------------------------------------------

    def _drop_cache(self) -> None:
        with self._cache_lock:
            self._gen += 1
            self._entries = 0
            self._vals.clear()
            self._members.clear()
            self._ranges.clear()
            self._counts.clear()
            self._hashes.clear()
            self._known.clear()
            self._big.clear()
            self._empty.clear()

    def _forget(self, lines: list[str]) -> None:
        """Drop what notification lines (or this store's own writes) made stale."""
        if any(line.startswith("*") for line in lines):
            self._drop_cache()  # a deleted subtree: rare enough to start again
            return
        with self._cache_lock:
            self._gen += 1
            known, empty = self._known, self._empty
            for line in lines:
                key, sep, _ = line.partition("#")
                if empty:
                    for above in _ancestors(key):
                        empty.discard(above)
                if sep:
                    self._hashes.pop(key, None)
                    continue
                self._vals.pop(key, None)
                self._members.pop(key, None)
                self._ranges.pop(key, None)
                self._counts.pop(key, None)
                if known:
                    known.discard(key)
                    for above in _ancestors(key):
                        known.discard(above)

    def _fillable(self, gen: int) -> bool:
        """Under the cache lock: may what was read since ``gen`` go into the cache?"""
        if not self._live or self._gen != gen:
            return False
        if self._entries > _CACHE_MAX:
            self._gen += 1
            self._entries = 0
            for table in (self._vals, self._members, self._ranges, self._counts, self._hashes):
                table.clear()
            self._known.clear()
            self._big.clear()
            self._empty.clear()
            return False
        return True

    def _cached_value(self, key: str) -> Any:
        """The cache's entry for a plain value: cached, known absent, or _UNKNOWN."""
        entry = self._vals.get(key, _UNKNOWN)
        if entry is _UNKNOWN and self._known:
            known = self._known
            for above in _ancestors(key):
                if above in known:
                    return _ABSENT
        return entry

    def _fetch_value(self, key: str, ahead: bool = True) -> Any:
        """A plain value's entry from the server, reading ahead when it is below a
        cached map item (the next items of its page come along; not when ``ahead`` is
        false: the cache is not to be trusted for this read)."""
        if self._cache_on:
            self._listening()
        if self._cache_on and ahead:
            item = self._cached_item(key)
            if item is not None:
                self._read_names(*item)
                entry = self._cached_value(key)
                if entry is not _UNKNOWN:
                    return entry
        gen = self._gen
        entry = self._entry(key, self._read_one("value", key))
        with self._cache_lock:
            if self._fillable(gen):
                self._vals[key] = entry
                self._entries += 1
        return entry

    def _read_one(self, mode: str, key: str, *args: str) -> Any:
        """One read through :data:`READ` (``value``, ``field``, ``fields``, ``count``),
        so it tells the sequence number the server is at, like every other reply."""
        seq, answer = self._script(self._read, [self._prefix, mode, key, 0, *args], key=key)
        self._saw(int(seq))
        return answer

    def _in_empty(self, key: str) -> bool:
        """Whether ``key`` is below an item known to have nothing below it on the server."""
        empty = self._empty
        return bool(empty) and any(above in empty for above in _ancestors(key))

    def _cached_item(self, key: str) -> tuple[str, list[str]] | None:
        """``(map key, names to read)`` if ``key`` is below an item of a cached page."""
        members = self._members
        for above in _ancestors(key):
            map_key, _, name = above.rpartition("/")
            member = members.get(map_key, {}).get(name)
            if member is not None and member[0] is not _ABSENT:
                if above in self._big:
                    return None  # read whole it would not be known whole: ask for the key
                _, page, index = member
                if page is None:
                    return map_key, [name]
                known, big = self._known, self._big
                ahead = [
                    n
                    for n in page[index : index + _AHEAD]
                    if f"{map_key}/{n}" not in known and f"{map_key}/{n}" not in big
                ]
                return map_key, ahead or [name]
        return None

    def _read_page(
        self, key: str, mode: str, args: list[Any], *, start: int = 0, last: int = -1
    ) -> tuple[int, list[str], list[Any]]:
        """Run :data:`READ`; cache what it read. Returns (map length, names, types)."""
        gen = self._gen
        reply = self._script(self._read, [self._prefix, mode, key, _BELOW, *args], key=key)
        self._saw(int(reply[0]))
        card, count = int(reply[1]), int(reply[2])
        # around NAME COUNT is always deep; range START LAST DEEP; names DEEP NAME...
        flag = "1" if mode == "around" else args[2] if mode == "range" else args[0]
        deep = flag == "1"
        names: list[str] = []
        types: list[Any] = []
        values: list[tuple[str, Any]] = []
        complete: list[str] = []
        big: list[str] = []
        empty: list[str] = []
        i = 3
        for _ in range(count):
            name, text = reply[i], reply[i + 1]
            i += 2
            names.append(name)
            types.append(self._entry(f"{key}/{name}", text))
            if deep:
                found = int(reply[i])
                i += 1
                if found < 0:
                    big.append(f"{key}/{name}")
                else:
                    complete.append(f"{key}/{name}")
                    if found == 0:
                        empty.append(f"{key}/{name}")
                    for j in range(found):
                        below = reply[i + 2 * j]
                        values.append((below, self._entry(below, reply[i + 2 * j + 1])))
                    i += 2 * found
        with self._cache_lock:
            if self._fillable(gen):
                page = names
                if mode == "names":  # only members make a page to read ahead in
                    page = [n for n, t in zip(names, types, strict=True) if t is not _ABSENT]
                members = self._members.setdefault(key, {})
                index = {name: position for position, name in enumerate(page)}
                for name, entry in zip(names, types, strict=True):
                    members[name] = (entry, page if name in index else None, index.get(name, 0))
                self._vals.update(values)
                self._known.update(complete)
                self._big.update(big)
                self._empty.update(empty)
                self._counts[key] = card
                if mode == "range":
                    self._ranges.setdefault(key, {})[(start, last)] = names
                if card == 0:
                    self._ranges.setdefault(key, {})[(0, -1)] = []
                self._entries += len(names) + len(values)
        return card, names, types

    def _read_names(self, key: str, names: list[str]) -> tuple[int, list[str], list[Any]]:
        deep = "1" if len(names) <= _DEEP_PAGE else "0"
        return self._read_page(key, "names", [deep, *names])

    # -- the listener -------------------------------------------------------------------

    def _listening(self) -> None:
        """Make sure a listener runs (a forked child has none until it reads)."""
        if self._listener is None and not self._closed:
            self._listen()

    def _listen(self) -> None:
        with self._listener_lock:
            if self._listener is not None:
                return
            listener = _Listener(self)
            self._call(listener.connect)
            self._listener = listener
            listener.start()
        # Until the listener knows where it stands, a change could go unheard: reads go
        # to the server meanwhile. Waiting here makes the first reads cached already.
        self._synced.wait(self._timeout)

    def _heard(self, data: str) -> bool:
        """A notification: drop what it made stale, then note it heard, then tell the
        watchers (a change reaches them after the cache forgot it). Return whether it
        was a write of this store's own (which it forgot as it wrote)."""
        writer, _, rest = data.partition("\n")
        number, _, text = rest.partition("\n")
        if writer == self._id:
            if not text:  # our SYNC: every write before it has been heard
                with self._cache_lock:
                    self._live = self._cache_on
                self._synced.set()
            self._heard_up_to(int(number))
            return bool(text)
        lines = text.split("\n") if text else []
        if lines:
            self._forget(lines)
        self._heard_up_to(int(number))
        if lines:
            keys = [line for line in lines if not line.startswith("*")]
            for callback in list(self._callbacks):
                try:
                    callback(keys)
                except Exception:
                    # Flows record their handlers' failures in their diagnostics first;
                    # anything else is said here, and the other watchers still hear.
                    logging.getLogger("graftflow").exception(
                        "a change watcher of %s failed", self._shown
                    )
        return False

    def _heard_up_to(self, seq: int) -> None:
        with self._caught:
            if seq > self._heard_seq:
                self._heard_seq = seq
            # Even when a writer's _saw() got there first: it does not notify, so a
            # reader waiting since before that is woken here.
            self._caught.notify_all()

    def _lost(self) -> None:
        """The listener may have missed changes: start afresh, cache nothing meanwhile."""
        with self._cache_lock:
            self._live = False
        self._drop_cache()
        with self._caught:
            self._caught.notify_all()

    def _subscribed(self) -> None:
        """The listener is subscribed (again): find out where it stands by publishing a
        SYNC, heard after every change published before it."""
        self._lost()
        self._call(self._sync, [], [self._prefix, self._id, self._channel])

    def _after_fork(self) -> None:
        """In a forked child: no listener runs, the parent's connections are not ours."""
        self._local = threading.local()
        self._cache_lock = threading.Lock()
        self._listener_lock = threading.Lock()
        # Dropped, not disconnected: redis-py shuts a socket down only in the process
        # that opened it, so the parent's connection is left alone.
        self._own = None
        self._own_lock = threading.Lock()
        self._commit_callbacks = CommitCallbacks()
        self._listener = None
        self._live = False
        self._synced = threading.Event()
        self._caught = threading.Condition()
        self._seen_seq = self._heard_seq = 0
        self._drop_cache()

    # -- plain values -------------------------------------------------------------------

    def _value(self, key: str, pending: _Pending | None) -> Any:
        """The entry of a plain value, as the current batch (if any) sees it."""
        if pending is not None:
            if key in pending.values:
                text = pending.values[key]
                return _ABSENT if text is None else _Json(text)
            if pending.tree_gone(key):
                return _ABSENT
            if pending.validating:
                read = pending.read(("v", key))
                if read is not None:
                    text = _text_of(read)
                else:
                    text = self._call(self._client.hget, self._v, key, key=key)
                    pending.check(("v", key), ["v0", key] if text is None else ["v", key, text])
                return self._entry(key, text)
        if not self._catch_up():
            return self._fetch_value(key, ahead=False)
        entry = self._cached_value(key)
        return self._fetch_value(key) if entry is _UNKNOWN else entry

    def get(self, key: str, default: Any = None) -> Any:
        pending = getattr(self._local, "pending", None)
        if pending is None:
            entry = self._vals.get(key, _UNKNOWN)  # the warm read: one dict lookup
            if entry is _UNKNOWN or self._heard_seq < self._seen_seq:
                if not self._catch_up():
                    entry = self._fetch_value(key, ahead=False)
                else:
                    entry = self._cached_value(key)
                    if entry is _UNKNOWN:
                        entry = self._fetch_value(key)
        else:
            entry = self._value(key, pending)
        if entry is _ABSENT:  # _result() inlined: this is the hot path of every read
            return default
        return loads(entry.text) if type(entry) is _Json else entry

    def set(self, key: str, value: JSONValue) -> None:
        text = dumps_checked(key, value)
        pending = self._pending()
        if pending is not None:
            pending.put(pending.values, key, text)
        self._write(["set", key, text], pending)

    def delete(self, key: str) -> bool:
        pending = self._pending()
        if pending is None:
            return bool(self._apply_ops(["del", key]))
        existed = self._value(key, pending) is not _ABSENT
        pending.put(pending.values, key, None)
        pending.ops.extend(["del", key])
        return existed

    def incr(self, key: str, amount: int = 1) -> int:
        """Add ``amount`` atomically. Outside a batch the server adds and answers; in a
        batch the increment is applied at commit, atomically against other writers,
        and the value returned is what the batch sees (in a transaction, exactly what
        the commit leaves, since a changed counter makes the transaction run again)."""
        if type(amount) is not int:
            raise InvalidValueError(key, f"{key}: incr amount must be an int, not {amount!r}")
        if not _INT64_MIN <= amount <= _INT64_MAX:
            raise InvalidValueError(key, f"{key}: the incr amount {amount} is outside {_RANGE}")
        pending = self._pending()
        if pending is None:
            return int(self._apply_ops(["incr", key, str(amount)]))
        entry = self._value(key, pending)
        current = _result(entry, 0)
        if type(current) is not int:
            raise InvalidValueError(key, f"{key}: cannot increment {current!r}, it is not an int")
        new = current + amount
        if not _INT64_MIN <= new <= _INT64_MAX:
            raise InvalidValueError(key, f"{key}: incrementing {current!r} would leave {_RANGE}")
        pending.put(pending.values, key, str(new))
        pending.ops.extend(["incr", key, str(amount)])
        return new

    def delete_tree(self, key: str) -> None:
        pending = self._pending()
        if pending is not None:
            below = key + "/"
            for k in [k for k in pending.values if k == key or k.startswith(below)]:
                pending.put(pending.values, k, None)
            for k in [k for k in pending.hashes if k == key or k.startswith(below)]:
                pending.put(pending.hashes, k, _Hash(cleared=True))
            for k in [k for k in pending.ordered if k == key or k.startswith(below)]:
                pending.put(pending.ordered, k, _Ordered(cleared=True))
            pending.trees.append(key)
        self._write(["dtree", key], pending)

    # -- hashes -------------------------------------------------------------------------

    def _hash_field(self, key: str, field: str, pending: _Pending | None) -> Any:
        """A hash field's entry from the server (or the cache)."""
        if pending is not None and pending.validating:
            read = pending.read(("h", key, field))
            whole = pending.read(("ha", key)) if read is None else None  # every field
            if read is not None:
                text = _text_of(read)
            elif whole is not None:
                text = _fields_of(whole).get(field)
            else:
                text = self._call(self._client.hget, self._prefix + "h:" + key, field, key=key)
                pending.check(
                    ("h", key, field),
                    ["h0", key, field] if text is None else ["h", key, field, text],
                )
            return self._entry(key, text)
        if self._catch_up():
            cached = self._hashes.get(key)
            if cached is not None:
                complete, fields = cached
                entry = fields.get(field, _ABSENT if complete else _UNKNOWN)
                if entry is not _UNKNOWN:
                    return entry
            if self._in_empty(key):
                return _ABSENT
        self._listening()
        gen = self._gen
        entry = self._entry(key, self._read_one("field", key, field))
        with self._cache_lock:
            if self._fillable(gen):
                self._hashes.setdefault(key, (False, {}))[1][field] = entry
                self._entries += 1
        return entry

    def hash_get(self, key: str, field: str, default: Any = None) -> Any:
        pending = self._pending()
        if pending is not None:
            view = pending.hash_view(key)
            if view is not None:
                if field in view.fields:
                    text = view.fields[field]
                    return default if text is None else loads(text)
                if view.cleared:
                    return default
        entry = self._hash_field(key, field, pending)
        return _result(entry, default)

    def hash_set(self, key: str, field: str, value: JSONValue) -> None:
        text = dumps_checked(f"{key}[{field!r}]", value)
        pending = self._pending()
        if pending is not None:
            view = pending.hashes.get(key)
            if view is None:
                view = _Hash(cleared=pending.tree_gone(key))
                pending.put(pending.hashes, key, view)
            pending.put(view.fields, field, text)
        self._write(["hset", key, field, text], pending)

    def hash_delete(self, key: str, field: str) -> bool:
        pending = self._pending()
        if pending is None:
            return bool(self._apply_ops(["hdel", key, field]))
        existed = self.hash_get(key, field, _ABSENT) is not _ABSENT
        view = pending.hashes.get(key)
        if view is None:
            view = _Hash(cleared=pending.tree_gone(key))
            pending.put(pending.hashes, key, view)
        pending.put(view.fields, field, None)
        pending.ops.extend(["hdel", key, field])
        return existed

    def _server_hash(self, key: str, pending: _Pending | None) -> dict[str, Any]:
        """Every field's entry of a hash on the server (or the cache)."""
        if pending is not None and pending.validating:
            read = pending.read(("ha", key))
            if read is not None:
                texts = _fields_of(read)
            else:
                texts = self._call(self._client.hgetall, self._prefix + "h:" + key)
                flat = [arg for item in texts.items() for arg in item]
                pending.check(("ha", key), ["ha", key, str(len(texts)), *flat])
            return {name: self._entry(key, text) for name, text in texts.items()}
        if self._catch_up():
            cached = self._hashes.get(key)
            if cached is not None and cached[0]:
                return cached[1]
            if self._in_empty(key):
                return {}
        self._listening()
        gen = self._gen
        flat = self._read_one("fields", key)
        fields = {flat[i]: self._entry(key, flat[i + 1]) for i in range(0, len(flat), 2)}
        with self._cache_lock:
            if self._fillable(gen):
                self._hashes[key] = (True, fields)
                self._entries += len(fields) + 1
        return fields

    def hash_items(self, key: str) -> dict[str, Any]:
        pending = self._pending()
        view = pending.hash_view(key) if pending is not None else None
        result: dict[str, Any] = {}
        if view is None or not view.cleared:
            for name, entry in list(self._server_hash(key, pending).items()):
                if entry is not _ABSENT:
                    result[name] = _result(entry, None)
        if view is not None:
            for name, text in view.fields.items():
                if text is None:
                    result.pop(name, None)
                else:
                    result[name] = loads(text)
        return result

    # -- ordered maps -------------------------------------------------------------------

    def _member(self, key: str, name: str, pending: _Pending | None) -> Any:
        """A member's entry (its JSON value) on the server, _ABSENT if not a member."""
        if pending is not None and pending.validating:
            read = pending.read(("m", key, name))
            if read is not None:
                text = _text_of(read)
            else:
                text = self._call(self._client.hget, self._prefix + "ov:" + key, name, key=key)
                pending.check(
                    ("m", key, name),
                    ["m0", key, name] if text is None else ["m", key, name, text],
                )
            return self._entry(f"{key}/{name}", text)
        if self._catch_up():
            member = self._members.get(key, {}).get(name)
            if member is not None:
                return member[0]
            ranges = self._ranges.get(key)
            if (ranges is not None and (0, -1) in ranges) or self._in_empty(key):
                return _ABSENT  # the whole list is cached without the name, or no list
        self._listening()
        # The name comes first in what is read (alone, and absent, if it is no member).
        _, names, types = self._read_page(key, "around", [name, _AHEAD])
        return types[0] if names and names[0] == name else _ABSENT

    def ordered_add(self, key: str, items: Mapping[str, JSONValue]) -> None:
        texts = {name: dumps_checked(f"{key}/{name}", value) for name, value in items.items()}
        ops = ["oadd", key, str(len(texts))]
        for name, text in texts.items():
            ops.extend((name, text))
        pending = self._pending()
        if pending is None:
            self._apply_ops(ops)
            return
        view = pending.ordered_view(key)
        taken = self._taken(key, list(texts), view, pending)
        if taken:
            if pending.validating and pending.checks:
                # Taken on the server now: if the transaction's earlier reads are stale
                # (it numbered the name from a length another writer has changed since),
                # that is a lost race, said as its commit would say it (ConflictError:
                # the transaction runs again); only a name taken in the state it read
                # is an ExistsError.
                checks = pending.flat_checks()
                self._run([str(len(checks)), *checks])
            raise ExistsError(key, f"{key} already has {quote_names(taken)}", taken)
        if not texts:
            return
        if view is None or key not in pending.ordered:
            view = view or _Ordered()
            pending.put(pending.ordered, key, view)
        for name, text in texts.items():
            pending.put(view.added, name, text)
        pending.ops.extend(ops)

    def _taken(
        self, key: str, names: list[str], view: _Ordered | None, pending: _Pending
    ) -> tuple[str, ...]:
        """Which of ``names`` the map has, as the batch sees it (one server call at most)."""
        taken: set[str] = set()
        ask: list[str] = []
        for name in names:
            if view is not None and name in view.added:
                taken.add(name)
            elif view is None or not (view.cleared or name in view.removed):
                read = pending.read(("m", key, name)) if pending.validating else None
                if read is None:
                    ask.append(name)
                elif _text_of(read) is not None:
                    taken.add(name)
        if ask:
            if pending.validating or not self._cache_on:
                found = self._call(self._client.hmget, self._prefix + "ov:" + key, ask, key=key)
                for name, text in zip(ask, found, strict=True):
                    if pending.validating:
                        pending.check(
                            ("m", key, name),
                            ["m0", key, name] if text is None else ["m", key, name, text],
                        )
                    if text is not None:
                        taken.add(name)
            else:
                trusted = self._catch_up()
                # Below an item known empty, the server has none of them.
                if not (trusted and self._in_empty(key)):
                    members = self._members.get(key, {}) if trusted else {}
                    unknown = [name for name in ask if name not in members]
                    if unknown:
                        self._listening()
                        _, read, types = self._read_names(key, unknown)
                        taken.update(
                            n for n, t in zip(read, types, strict=True) if t is not _ABSENT
                        )
                    taken.update(n for n in ask if n in members and members[n][0] is not _ABSENT)
        return tuple(name for name in names if name in taken)

    def ordered_get(self, key: str, name: str, default: Any = None) -> Any:
        pending = self._pending()
        if pending is not None:
            view = pending.ordered_view(key)
            if view is not None:
                if name in view.added:
                    return loads(view.added[name])
                if view.cleared or name in view.removed:
                    return default
        elif self._members and self._heard_seq >= self._seen_seq:  # an item type, warm
            member = self._members.get(key, {}).get(name)
            if member is not None:
                return _result(member[0], default)
        entry = self._member(key, name, pending)
        return _result(entry, default)

    def ordered_remove(self, key: str, name: str) -> bool:
        pending = self._pending()
        if pending is None:
            return bool(self._apply_ops(["orem", key, name]))
        view = pending.ordered_view(key)
        if view is not None and name in view.added:
            pass
        elif (view is not None and (view.cleared or name in view.removed)) or self._member(
            key, name, pending
        ) is _ABSENT:
            return False
        if view is None or key not in pending.ordered:
            view = view or _Ordered()
            pending.put(pending.ordered, key, view)
        if name in view.added:
            pending.drop(view.added, name)
        else:
            pending.put(view.removed, name, None)
        pending.ops.extend(["orem", key, name])
        return True

    def _server_len(self, key: str, pending: _Pending | None) -> int:
        if pending is not None and pending.validating:
            read = pending.read(("n", key))
            if read is not None:
                return int(read[2])
            count = int(self._call(self._client.zcard, self._prefix + "o:" + key, key=key))
            pending.check(("n", key), ["n", key, str(count)])
            return count
        if self._catch_up():
            cached = self._counts.get(key)
            if cached is not None:
                return cached
            if self._in_empty(key):
                return 0
        self._listening()
        gen = self._gen
        count = int(self._read_one("count", key))
        with self._cache_lock:
            if self._fillable(gen):
                self._counts[key] = count
        return count

    def ordered_len(self, key: str) -> int:
        pending = self._pending()
        view = pending.ordered_view(key) if pending is not None else None
        if view is not None and view.cleared:
            return len(view.added)
        count = self._server_len(key, pending)
        if view is None:
            return count
        return count - len(view.removed) + len(view.added)

    def _server_range(self, key: str, start: int, last: int, pending: _Pending | None) -> list[str]:
        """Names ``start..last`` (inclusive, -1: to the end) on the server (or cached)."""
        if pending is not None and pending.validating:
            what = ("r", key, str(start), str(last))
            read = pending.read(what)
            if read is not None:
                return read[5:]
            names = list(
                self._call(self._client.zrange, self._prefix + "o:" + key, start, last, key=key)
            )
            pending.check(what, ["r", key, str(start), str(last), str(len(names)), *names])
            return names
        if self._catch_up():
            ranges = self._ranges.get(key)
            if ranges is not None:
                cached = ranges.get((start, last))
                if cached is not None:
                    return cached
                whole = ranges.get((0, -1))
                if whole is not None:
                    return whole[start:] if last == -1 else whole[start : last + 1]
            if self._in_empty(key):
                return []
        if not self._cache_on:
            return list(
                self._call(self._client.zrange, self._prefix + "o:" + key, start, last, key=key)
            )
        self._listening()
        size = (last - start + 1) if last >= 0 else None
        deep = "1" if size is not None and size <= _DEEP_PAGE else "0"
        _, names, _ = self._read_page(key, "range", [start, last, deep], start=start, last=last)
        return names

    def ordered_range(self, key: str, start: int = 0, stop: int | None = None) -> list[str]:
        check_range(key, start, stop)
        pending = self._pending()
        view = pending.ordered_view(key) if pending is not None else None
        if view is None:
            if stop is not None and stop <= start:
                return []
            return list(self._server_range(key, start, -1 if stop is None else stop - 1, pending))
        names: list[str] = []
        if not view.cleared:
            every = self._server_range(key, 0, -1, pending)
            names = [name for name in every if name not in view.removed]
        names.extend(view.added)
        return names[start:stop]

    def ordered_clear(self, key: str) -> None:
        pending = self._pending()
        if pending is not None:
            pending.put(pending.ordered, key, _Ordered(cleared=True))
        self._write(["oclr", key], pending)

    # -- notifications ------------------------------------------------------------------

    def watch(self, callback: Callable[[list[str]], None]) -> Callable[[], None]:
        """Call ``callback(keys)`` when *another* process changes keys of this store.

        The callback runs on the store's listener thread, after the cache dropped those
        keys (a read in the callback sees the change); return a callable that stops it.
        """
        if self._closed:
            raise StoreError(f"{self._shown} is closed")
        self._callbacks = [*self._callbacks, callback]
        self._listening()

        def stop() -> None:
            self._callbacks = [c for c in self._callbacks if c is not callback]

        return stop


class _Listener(threading.Thread):
    """The store's one subscribed connection: hears changes, pings when it hears nothing.

    It holds the store weakly, so a store nobody closed can still be collected (the
    thread then ends). It reads its connection itself, without redis-py's pub/sub layer
    (W1_redis_add, issue 12: that layer's polling and message dicts, for every one of
    the store's own writes, were a third of an add). Every connection, the first and
    each one after a loss, subscribes as it connects; the server's confirmation makes
    the store sync (:meth:`RedisStore._subscribed`).
    """

    def __init__(self, store: RedisStore) -> None:
        super().__init__(
            name=f"graftflow-redis-listener {store._shown} at {id(store):#x}", daemon=True
        )
        self._store = weakref.ref(store)
        self._channel = store._channel
        self._timeout = store._timeout
        self._stopping = threading.Event()
        #: Ends a pause at once: a reader waits for what the listener has not read yet.
        self._wake = threading.Event()
        pool = store._client.connection_pool
        # Without redis-py's health check: a subscribed connection answers a PING
        # otherwise than it expects. The listener pings by itself when all is quiet.
        kwargs = {**pool.connection_kwargs, "health_check_interval": 0}
        self._connection = pool.connection_class(**kwargs)
        self._connection.register_connect_callback(self._on_connect)
        self._wire = Wire(self._connection)

    def connect(self) -> None:
        """Connect and subscribe (the first time, on the store's thread: a server that
        cannot be reached is the caller's error)."""
        self._wire.fresh()

    def _on_connect(self, connection: Any) -> None:
        connection.send_command("SUBSCRIBE", self._channel)

    def wake(self) -> None:
        """End the listener's pause, if it pauses: a reader waits for it."""
        self._wake.set()

    def start_over(self) -> None:
        """Make the thread connect again (from another thread): its wait ends in error."""
        with contextlib.suppress(Exception):
            self._connection.disconnect()

    def stop(self) -> None:
        """Stop and wait for the thread, so no callback runs after this returns."""
        self._stopping.set()
        self._wake.set()
        if self is not threading.current_thread():
            # Wake the thread from its wait for a message: with the socket shut, the
            # wait ends at once and the thread sees it must stop.
            self.start_over()
            self.join(timeout=self._timeout + 2)

    def run(self) -> None:
        wire = self._wire
        pinged = False
        try:
            while not self._stopping.is_set():
                store: RedisStore | None = None
                try:
                    # Every message that came in one go, then those within a moment.
                    messages = wire.replies(self._timeout if pinged else _PING_EVERY)
                    first = next(messages, MORE)
                    if first is MORE:
                        if pinged:
                            # Silent for too long: the connection may be dead without an
                            # error; start over.
                            raise TimeoutError("the change channel stopped answering pings")
                        wire.send(_pack(["PING"]))
                        pinged = True
                        continue
                    pinged = False
                    store = self._store()
                    if store is None or store._closed:
                        return
                    own = self._handle(store, first)
                    for message in wire.replies(0):
                        own = self._handle(store, message) or own
                    if own:
                        # W1_redis_add: the store's own writes come in runs (a loop of
                        # adds) and tell it nothing new (the writer noted them already),
                        # so after one the thread lets the next ones gather and reads
                        # them in one go, instead of waking for each. A reader that
                        # waits for the listener ends the pause (wake()).
                        self._wake.wait(_PAUSE)
                        self._wake.clear()
                        for message in wire.replies(0):
                            self._handle(store, message)
                except Exception as exc:
                    # The server went away, or did not answer: nothing cached may be
                    # trusted. Start over: connect again (which subscribes), sync.
                    pinged = False
                    store = store or self._store()
                    if store is None or store._closed or self._stopping.is_set():
                        return
                    logging.getLogger("graftflow").debug(
                        "the change listener of %s starts over: %r", store._shown, exc
                    )
                    store._lost()
                    with contextlib.suppress(Exception):
                        wire.disconnect()
                    self._stopping.wait(0.5)
                finally:
                    del store  # the thread holds the store only while it handles a message
        finally:
            with contextlib.suppress(Exception):  # gone with its server: nothing to release
                wire.disconnect()

    @staticmethod
    def _handle(store: RedisStore, message: Any) -> bool:
        """Pass a message on to the store; return whether it was the store's own write."""
        if type(message) is not list or not message:
            return False  # PING's answer (a list on RESP2: ["pong", ""])
        kind = message[0]
        if kind == "message":
            return store._heard(message[2])
        if kind == "subscribe":
            store._subscribed()
        return False


_LIVE_STORES: weakref.WeakSet[RedisStore] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    for store in list(_LIVE_STORES):
        store._after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _parse_url(url: str, prefix: str | None, cache: bool | None) -> tuple[str, str, str, bool]:
    """``(server URL, database, prefix, cache)`` from a store URL, or a StoreError
    saying what is wrong with it."""
    shown = display_url(url) if isinstance(url, str) else repr(url)
    example = "write redis://host:port/db, for example redis://localhost:6379/0"
    if not isinstance(url, str):
        raise StoreError(f"a Redis URL must be a str, not {url!r}")
    odd = next((i for i, ch in enumerate(url) if ch.isspace() or not ch.isprintable()), None)
    if odd is not None:
        raise StoreError(
            f"{shown!r} is not a valid Redis URL: it holds {url[odd]!r} at position {odd} "
            "(a URL has no spaces or control characters)"
        )
    try:
        parts = urlsplit(url)
        host = parts.hostname
        port = parts.port
    except ValueError as exc:  # "[::1", a port that is not a number or out of range
        raise StoreError(f"{shown!r} is not a valid Redis URL: {exc}") from None
    if parts.scheme not in ("redis", "rediss") or not host:
        raise StoreError(f"{shown!r} is not a Redis URL; {example}")
    del port
    if parts.fragment:
        raise StoreError(f"{shown!r}: a Redis URL has no '#' part; {example}")
    database = (parts.path or "/0").lstrip("/") or "0"
    if not database.isdigit():
        raise StoreError(
            f"{shown!r}: the database is a number (redis://host:port/0), not {database!r}"
        )
    options: dict[str, str] = {}
    # keep_blank_values: "?prefix=" is an empty prefix (refused), not a missing one.
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        if name not in _OPTIONS:
            known = ", ".join(f"{key} ({meaning})" for key, meaning in _OPTIONS.items())
            raise StoreError(f"{shown!r}: unknown option {name!r}; a store URL takes {known}")
        if name in options:
            raise StoreError(f"{shown!r}: the option {name!r} is given twice")
        options[name] = value
    chosen = prefix if prefix is not None else options.get("prefix", "graftflow")
    if not chosen or ":" in chosen:
        raise StoreError(f"{shown!r}: a store prefix is a non-empty name without ':'")
    if cache is None:
        flag = options.get("cache", "on")
        if flag not in ("on", "off"):
            raise StoreError(f"{shown!r}: cache is 'on' or 'off', not {flag!r}")
        cache = flag == "on"
    server = urlunsplit((parts.scheme, parts.netloc, f"/{database}", "", ""))
    return server, database, chosen, cache


def open_url(url: str, create: bool) -> RedisStore:
    """``open_store("redis://host:port/db")``; a Redis database always exists."""
    return RedisStore(url)
