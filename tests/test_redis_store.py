"""RedisStore beyond the protocol: URLs, prefixes, real processes, faults, notifications.

The protocol itself is checked by test_store_conformance.py, which runs on Redis too;
here the server, the other processes and the faults are real, never mocked. Tests on
the shared ``redis_server`` use a prefix of their own; tests that stop, pause or cut
off a server use a private one, so the rest of the run never sees a fault.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from redis_server import RedisServer, hang_up
from sample_flow import Studio
from workers import in_child

import graftflow as gf

redis = pytest.importorskip("redis", reason="the redis package is missing: pip install redis")

TESTS = Path(__file__).parent
ABSENT = object()

#: How the store's "server unreachable" messages end, by what the failed call was doing.
REACHED = {
    "read": "; is the server running? The store reconnects by itself once it is back.",
    "unsent": (
        "; nothing was written. Is the server running? The store reconnects by itself once "
        "it is back."
    ),
}
LOST = (
    "; the server may or may not have applied it, so check before writing again. The store "
    "reconnects by itself once it is back."
)


def exact(message: str) -> str:
    """A ``match=`` pattern for exactly ``message``."""
    return f"^{re.escape(message)}$"


def unreachable(port: int, *kinds: str) -> str:
    """A ``match=`` pattern for the store's "cannot reach" message, any OS error text.

    :param kinds: what the call was doing: ``"read"``, ``"unsent"`` (a write that never
        left), ``"lost"`` (a write whose reply was lost); default ``"read"``.
    """
    forms = []
    for kind in kinds or ("read",):
        if kind == "lost":
            head, tail = f"lost contact with Redis at 127.0.0.1:{port} during a write (", LOST
        else:
            head, tail = f"cannot reach Redis at 127.0.0.1:{port} (", REACHED[kind]
        forms.append(re.escape(head) + ".+" + re.escape(")" + tail))
    return "^(?:" + "|".join(forms) + ")$"


def new_prefix() -> str:
    return f"t{uuid.uuid4().hex[:12]}"


def session(user: str = "tester") -> gf.Session:
    return gf.Session(user=user, environ={})


def eventually(check: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Poll ``check`` until it holds or ``timeout`` passes; return whether it held."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def listener_threads(store: gf.RedisStore) -> list[threading.Thread]:
    """The change listener threads of ``store`` alive in this process."""
    name = f"graftflow-redis-listener {store.url} at {id(store):#x}"
    return [t for t in threading.enumerate() if t.name == name]


def subscribers(raw: redis.Redis, prefix: str) -> int:
    """How many connections listen to the change channel of ``prefix``."""
    [(_, count)] = raw.pubsub_numsub(f"{prefix}:changes@0")
    return int(count)


# -- fixtures -----------------------------------------------------------------------------


@pytest.fixture
def prefix() -> str:
    """A key prefix no other test uses."""
    return new_prefix()


@pytest.fixture
def url(redis_server: RedisServer, prefix: str) -> str:
    """The shared server's URL with this test's prefix."""
    return f"{redis_server.url}?prefix={prefix}"


@pytest.fixture
def store(url: str) -> Iterator[gf.RedisStore]:
    """A RedisStore on the shared server under this test's prefix, closed afterwards."""
    s = gf.RedisStore(url)
    yield s
    s.close()


@pytest.fixture
def raw(redis_server: RedisServer) -> Iterator[redis.Redis]:
    """A plain redis client on the shared server, to look behind the store's back."""
    client = redis.Redis.from_url(redis_server.url, decode_responses=True)
    yield client
    hang_up(client)


@pytest.fixture
def private_server(redis_server: RedisServer, tmp_path: Path) -> Iterator[RedisServer]:
    """A redis-server of this test's own, free to stop, pause and restart.

    It asks for ``redis_server`` only to skip (or fail in CI) the same way when there
    is no redis-server binary.
    """
    directory = tmp_path / "redis"
    directory.mkdir()
    server = RedisServer(directory)
    server.start()
    try:
        yield server
    finally:
        if server.process is not None and os.name == "posix":
            server.process.send_signal(signal.SIGCONT)  # in case a test paused it
        server.stop()


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port bound but not listening: every connection is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


class DroppingProxy:
    """A TCP proxy to a Redis server that can cut a connection just before a reply.

    :meth:`drop_next_reply` arms it: the next script call (``EVALSHA``) reaches the
    server, which runs it, but its connection is shut down instead of getting the reply.
    """

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen()
        self.listener.settimeout(0.05)
        self.port = self.listener.getsockname()[1]
        self._armed = threading.Event()
        self._stopping = threading.Event()
        self._sockets: list[socket.socket] = []
        self._threads = [threading.Thread(target=self._accept, daemon=True)]
        self._threads[0].start()

    def drop_next_reply(self) -> None:
        self._armed.set()

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = self.listener.accept()
            except (TimeoutError, OSError):
                continue
            client.settimeout(None)
            server = socket.create_connection(("127.0.0.1", self.upstream_port))
            self._sockets += [client, server]
            cut = threading.Event()
            for target, args in (
                (self._up, (client, server, cut)),
                (self._down, (server, client, cut)),
            ):
                thread = threading.Thread(target=target, args=args, daemon=True)
                self._threads.append(thread)
                thread.start()

    def _up(self, client: socket.socket, server: socket.socket, cut: threading.Event) -> None:
        with contextlib.suppress(OSError):
            while data := client.recv(65536):
                if b"EVALSHA" in data and self._armed.is_set():
                    self._armed.clear()
                    cut.set()
                server.sendall(data)

    def _down(self, server: socket.socket, client: socket.socket, cut: threading.Event) -> None:
        with contextlib.suppress(OSError):
            while data := server.recv(65536):
                if cut.is_set():
                    for sock in (client, server):
                        sock.shutdown(socket.SHUT_RDWR)
                    return
                client.sendall(data)

    def close(self) -> None:
        self._stopping.set()
        self._threads[0].join(5)  # accepts no more connections
        for sock in self._sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        for thread in self._threads[1:]:
            thread.join(5)
        for sock in [*self._sockets, self.listener]:
            sock.close()


@pytest.fixture
def proxy(redis_server: RedisServer) -> Iterator[DroppingProxy]:
    """A :class:`DroppingProxy` in front of the shared server."""
    p = DroppingProxy(redis_server.port)
    yield p
    p.close()


# -- URLs -----------------------------------------------------------------------------------


class TestURL:
    def test_url_round_trips_through_open_store(
        self, redis_server: RedisServer, prefix: str
    ) -> None:
        """store.url is the given URL; open_store() of it reaches the same values."""
        given = f"redis://127.0.0.1:{redis_server.port}/0?prefix={prefix}"
        store = gf.RedisStore(given)
        again = gf.open_store(store.url)
        try:
            assert store.url == given
            assert isinstance(again, gf.RedisStore)
            assert again.url == given
            store.set("/k", "from the first")
            assert again.get("/k") == "from the first"
            assert repr(store) == f"<RedisStore {given}>"
        finally:
            store.close()
            again.close()

    def test_missing_db_and_prefix_get_their_defaults(self, redis_server: RedisServer) -> None:
        """Without a path the db is 0; without ?prefix= the prefix is 'graftflow'."""
        store = gf.RedisStore(f"redis://127.0.0.1:{redis_server.port}")
        try:
            assert store.url == f"redis://127.0.0.1:{redis_server.port}/0?prefix=graftflow"
        finally:
            store.close()

    def test_db_in_the_path_is_used(
        self, redis_server: RedisServer, prefix: str, raw: redis.Redis
    ) -> None:
        """redis://host:port/3 writes into database 3 and says so in its url."""
        url = f"redis://127.0.0.1:{redis_server.port}/3?prefix={prefix}"
        store = gf.RedisStore(url)
        db3 = redis.Redis.from_url(
            f"redis://127.0.0.1:{redis_server.port}/3", decode_responses=True
        )
        try:
            store.set("/k", 1)
            assert store.url == url
            assert db3.hget(f"{prefix}:v", "/k") == "1"
            assert raw.hget(f"{prefix}:v", "/k") is None
        finally:
            store.close()
            hang_up(db3)

    def test_prefix_argument_wins_over_the_url(
        self, redis_server: RedisServer, raw: redis.Redis
    ) -> None:
        """prefix= replaces the URL's ?prefix=, in the url and in the keys written."""
        ignored, chosen = new_prefix(), new_prefix()
        store = gf.RedisStore(f"{redis_server.url}?prefix={ignored}", prefix=chosen)
        try:
            assert store.url == f"{redis_server.url}?prefix={chosen}"
            store.set("/k", 1)
            assert raw.hget(f"{chosen}:v", "/k") == "1"
            assert raw.exists(f"{ignored}:v") == 0
        finally:
            store.close()

    @pytest.mark.parametrize("bad", ["http://x", "redis://", "redis:///0", "redis://:6379/0"])
    def test_not_a_redis_url(self, bad: str) -> None:
        """A URL that is not redis:// with a host is refused with an example of one."""
        with pytest.raises(
            gf.StoreError,
            match=exact(
                f"{bad!r} is not a Redis URL; write redis://host:port/db, for example "
                "redis://localhost:6379/0"
            ),
        ):
            gf.RedisStore(bad)

    def test_open_store_refuses_a_redis_url_without_host(self) -> None:
        """open_store('redis://') gives the same message as RedisStore."""
        with pytest.raises(gf.StoreError, match=re.escape("'redis://' is not a Redis URL;")):
            gf.open_store("redis://")

    @pytest.mark.parametrize(
        ("bad", "problem"),
        [
            ("redis://127.0.0.1:port/0", "Port could not be cast to integer value as 'port'"),
            ("redis://127.0.0.1:99999/0", "Port out of range 0-65535"),
        ],
    )
    def test_bad_port(self, bad: str, problem: str) -> None:
        """A port that is not a number (or out of range) is a StoreError, not a ValueError."""
        with pytest.raises(
            gf.StoreError, match=exact(f"{bad!r} is not a valid Redis URL: {problem}")
        ):
            gf.open_store(bad)

    @pytest.mark.parametrize(
        ("query", "argument"),
        [
            pytest.param("?prefix=a:b", None, id="url-colon"),
            pytest.param("?prefix=", None, id="url-empty"),
            pytest.param("", "", id="argument-empty"),
            pytest.param("", "a:b", id="argument-colon"),
            pytest.param("?prefix=fine", "a:b", id="argument-colon-over-url"),
        ],
    )
    def test_bad_prefix(self, query: str, argument: str | None) -> None:
        """An empty prefix or one with ':' is refused (':' separates the prefix from keys)."""
        url = f"redis://localhost:1/0{query}"
        with pytest.raises(
            gf.StoreError, match=exact(f"{url!r}: a store prefix is a non-empty name without ':'")
        ):
            gf.RedisStore(url, prefix=argument)

    def test_unreachable_server_is_one_clear_error(self, closed_port: int) -> None:
        """A port nobody listens on is a StoreError naming host and port, with the redis
        error kept as its cause."""
        with pytest.raises(gf.StoreError, match=unreachable(closed_port)) as info:
            gf.RedisStore(f"redis://127.0.0.1:{closed_port}/0", timeout=0.5)
        assert isinstance(info.value.__cause__, redis.exceptions.ConnectionError)
        assert info.value.__suppress_context__
        assert isinstance(info.value, OSError)

    def test_a_failed_connection_is_not_tried_again(self) -> None:
        """The store gives up after one connection attempt (no retry loop to wait
        through): a server that hangs up on every connection is connected to once."""
        accepted: list[socket.socket] = []
        with socket.socket() as hangs_up:
            hangs_up.bind(("127.0.0.1", 0))
            hangs_up.listen(8)
            port = hangs_up.getsockname()[1]

            def serve() -> None:
                with contextlib.suppress(OSError):
                    while True:
                        conn, _ = hangs_up.accept()
                        accepted.append(conn)
                        conn.close()

            thread = threading.Thread(target=serve, daemon=True)
            thread.start()
            with pytest.raises(gf.StoreError, match=re.escape(f"Redis at 127.0.0.1:{port}")):
                gf.RedisStore(f"redis://127.0.0.1:{port}/0", timeout=1)
            hangs_up.shutdown(socket.SHUT_RDWR)
            thread.join(5)
        assert len(accepted) == 1

    def test_silent_server_times_out(self) -> None:
        """A server that accepts but never answers is a StoreError once timeout= passes:
        not before it (a lower bound a loaded machine cannot break), and by a timeout."""
        with socket.socket() as silent:
            silent.bind(("127.0.0.1", 0))
            silent.listen()
            port = silent.getsockname()[1]
            start = time.monotonic()
            with pytest.raises(gf.StoreError, match=unreachable(port)) as info:
                gf.RedisStore(f"redis://127.0.0.1:{port}/0", timeout=0.3)
            elapsed = time.monotonic() - start
        assert elapsed >= 0.25
        assert isinstance(info.value.__cause__, redis.exceptions.TimeoutError)


# -- prefixes -------------------------------------------------------------------------------


def write_everything(store: gf.Store, tag: str) -> None:
    store.set("/p/v", tag)
    store.incr("/p/n", 5 if tag == "a" else 7)
    store.hash_set("/p/h", "f", tag)
    store.ordered_add("/p/m", {f"{tag}1": 1, f"{tag}2": 2})


class TestPrefixes:
    @pytest.fixture
    def pair(self, redis_server: RedisServer) -> Iterator[tuple[gf.RedisStore, gf.RedisStore]]:
        """Two stores on the same server and database, with different prefixes."""
        a = gf.RedisStore(redis_server.url, prefix=new_prefix())
        b = gf.RedisStore(redis_server.url, prefix=new_prefix())
        yield a, b
        a.close()
        b.close()

    def test_values_hashes_and_maps_are_separate(
        self, pair: tuple[gf.RedisStore, gf.RedisStore]
    ) -> None:
        """The same keys under two prefixes hold each store's own data."""
        a, b = pair
        write_everything(a, "a")
        assert b.get("/p/v", ABSENT) is ABSENT
        assert b.hash_items("/p/h") == {}
        assert b.ordered_len("/p/m") == 0
        write_everything(b, "b")
        for store, tag, n in ((a, "a", 5), (b, "b", 7)):
            assert store.get("/p/v") == tag
            assert store.get("/p/n") == n
            assert store.hash_items("/p/h") == {"f": tag}
            assert store.ordered_range("/p/m") == [f"{tag}1", f"{tag}2"]
            assert store.ordered_len("/p/m") == 2

    def test_delete_tree_in_one_leaves_the_other_alone(
        self, pair: tuple[gf.RedisStore, gf.RedisStore]
    ) -> None:
        """delete_tree('/p') under one prefix deletes nothing under the other."""
        a, b = pair
        write_everything(a, "a")
        write_everything(b, "b")
        a.delete_tree("/p")
        assert a.get("/p/v", ABSENT) is ABSENT
        assert a.ordered_len("/p/m") == 0
        assert b.get("/p/v") == "b"
        assert b.get("/p/n") == 7
        assert b.hash_items("/p/h") == {"f": "b"}
        assert b.ordered_range("/p/m") == ["b1", "b2"]

    def test_every_key_lives_under_the_prefix(self, private_server: RedisServer) -> None:
        """On a server of its own, every Redis key the store makes starts with 'PREFIX:',
        and deleting its whole tree leaves no key behind but the count of writes."""
        store = gf.RedisStore(private_server.url, prefix="studio")
        raw = redis.Redis.from_url(private_server.url, decode_responses=True)
        try:
            write_everything(store, "a")
            with store.batch():
                store.set("/p/batched", True)
            keys = raw.keys("*")
            assert keys
            assert all(key.startswith("studio:") for key in keys), keys
            store.delete_tree("/p")
            assert raw.keys("*") == ["studio:seq"]
        finally:
            store.close()
            hang_up(raw)

    def test_notifications_stay_within_a_prefix(
        self, pair: tuple[gf.RedisStore, gf.RedisStore], redis_server: RedisServer
    ) -> None:
        """A watcher does not hear writes made under another prefix."""
        a, b = pair
        heard: list[list[str]] = []
        stop = a.watch(heard.append)
        other_a = gf.RedisStore(a.url)
        try:
            b.set("/from-b", 1)
            other_a.set("/from-a", 1)  # published after b's write, so heard after it
            assert eventually(lambda: heard != [])
            assert heard == [["/from-a"]]
        finally:
            stop()
            other_a.close()

    def test_notifications_stay_within_a_database(
        self, redis_server: RedisServer, prefix: str
    ) -> None:
        """A watcher on db 0 does not hear a write in db 1 under the same prefix."""
        db0 = gf.RedisStore(f"redis://127.0.0.1:{redis_server.port}/0?prefix={prefix}")
        db1 = gf.RedisStore(f"redis://127.0.0.1:{redis_server.port}/1?prefix={prefix}")
        other0 = gf.RedisStore(db0.url)
        heard: list[list[str]] = []
        stop = db0.watch(heard.append)
        try:
            db1.set("/db1", 1)
            other0.set("/db0", 1)
            assert eventually(lambda: ["/db0"] in heard)
            assert db0.get("/db1", ABSENT) is ABSENT
            assert heard == [["/db0"]]
        finally:
            stop()
            for s in (db0, db1, other0):
                s.close()


# -- closing ----------------------------------------------------------------------------------


class TestClose:
    def test_every_call_says_the_url_is_closed(self, store: gf.RedisStore) -> None:
        """After close(), calls (watch and batch included) raise one exact StoreError."""
        store.close()
        calls: list[Callable[[], object]] = [
            lambda: store.get("/k"),
            lambda: store.set("/k", 1),
            lambda: store.delete("/k"),
            lambda: store.incr("/k"),
            lambda: store.delete_tree("/k"),
            lambda: store.hash_get("/h", "f"),
            lambda: store.hash_set("/h", "f", 1),
            lambda: store.hash_delete("/h", "f"),
            lambda: store.hash_items("/h"),
            lambda: store.ordered_add("/m", {"a": 1}),
            lambda: store.ordered_get("/m", "a"),
            lambda: store.ordered_remove("/m", "a"),
            lambda: store.ordered_len("/m"),
            lambda: store.ordered_range("/m"),
            lambda: store.ordered_clear("/m"),
            lambda: store.watch(print),
            lambda: store.batch().__enter__(),
        ]
        for call in calls:
            with pytest.raises(gf.StoreError, match=exact(f"{store.url} is closed")):
                call()

    def test_close_twice_is_fine(self, store: gf.RedisStore) -> None:
        """A second close() returns None and the store stays closed."""
        assert store.close() is None
        assert store.close() is None
        with pytest.raises(gf.StoreError, match="is closed"):
            store.get("/k")

    def test_a_batch_open_at_close_writes_nothing(self, store: gf.RedisStore, url: str) -> None:
        """A batch whose store is closed before it ends raises at its end and writes nothing."""
        with (  # noqa: PT012
            pytest.raises(gf.StoreError, match=exact(f"{store.url} is closed")),
            store.batch(),
        ):
            store.set("/k", 1)
            store.close()
        other = gf.RedisStore(url)
        try:
            assert other.get("/k", ABSENT) is ABSENT
        finally:
            other.close()

    def test_close_leaves_no_connection_open(self, private_server: RedisServer) -> None:
        """close() hangs up every connection the store made, the pool's included (a
        thread that finds the store's own connection busy takes one from the pool): on
        the oldest redis-py allowed, the client's own close() only returns them to the
        pool, and an open socket then lingers until the collector finds it."""
        store = gf.RedisStore(private_server.url, prefix="studio")
        raw = redis.Redis.from_url(private_server.url)
        try:
            mine = int(raw.client_id())
            barrier = threading.Barrier(4)

            def work() -> None:
                barrier.wait(5)
                for _ in range(50):
                    store.incr("/n")

            threads = [threading.Thread(target=work) for _ in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(30)
            assert store.get("/n") == 200
            assert len(raw.client_list()) > 2  # the store's own, the pool's, the listener's
            store.close()
            assert eventually(lambda: [int(c["id"]) for c in raw.client_list()] == [mine]), (
                raw.client_list()
            )
        finally:
            store.close()
            hang_up(raw)
            raw.connection_pool.disconnect()

    def test_close_stops_the_listener(
        self, store: gf.RedisStore, raw: redis.Redis, prefix: str
    ) -> None:
        """A store listens on one connection and one thread, whatever watches it;
        close() ends the thread and leaves the change channel."""
        [thread] = listener_threads(store)
        store.watch(print)
        store.watch(print)
        assert listener_threads(store) == [thread]
        assert subscribers(raw, prefix) == 1
        store.close()
        thread.join(5)
        assert not thread.is_alive()
        assert eventually(lambda: subscribers(raw, prefix) == 0)


# -- faults -----------------------------------------------------------------------------------


def persist_on_shutdown(server: RedisServer) -> None:
    """Make the server save its data when stopped, so a restart shows what it held."""
    client = redis.Redis.from_url(server.url)
    try:
        client.config_set("save", "3600 1")
    finally:
        hang_up(client)


class TestFaults:
    def test_batch_cut_off_by_a_stopped_server_writes_nothing(
        self, private_server: RedisServer
    ) -> None:
        """A batch whose server stops before it ends raises one StoreError at its end;
        after a restart on the same port the same store works again and holds none of
        the batch's writes."""
        persist_on_shutdown(private_server)
        store = gf.RedisStore(private_server.url, prefix="studio", timeout=1)
        try:
            store.set("/seed", 1)
            store.ordered_add("/m", {"a": 1})
            store.hash_set("/h", "f", "old")
            with (  # noqa: PT012
                pytest.raises(
                    gf.StoreError, match=unreachable(private_server.port, "unsent")
                ) as info,
                store.batch(),
            ):
                store.set("/a", "batched")
                assert store.incr("/seed") == 2
                store.ordered_add("/m", {"b": 2})
                private_server.stop()
                store.hash_set("/h", "f", "batched")
                store.delete_tree("/m")
            assert isinstance(info.value.__cause__, redis.exceptions.ConnectionError)
            assert not isinstance(info.value.__cause__, gf.StoreError)
            private_server.start()
            assert store.get("/seed") == 1  # the data survived the restart...
            assert store.get("/a", ABSENT) is ABSENT  # ...and no write of the batch is there
            assert store.ordered_range("/m") == ["a"]
            assert store.hash_items("/h") == {"f": "old"}
            with store.batch():
                store.set("/a", "again")
            assert store.get("/a") == "again"
        finally:
            store.close()

    def test_writes_and_reads_fail_while_down_then_work_after_restart(
        self, private_server: RedisServer
    ) -> None:
        """While the server is down every call is a StoreError; once it is back (empty, on
        the same port) the same store object reads and writes again, scripts included."""
        store = gf.RedisStore(private_server.url, prefix="studio", timeout=1)
        try:
            store.incr("/n")
            private_server.stop()
            pattern = unreachable(private_server.port, "read", "unsent")
            calls: list[Callable[[], object]] = [
                lambda: store.set("/k", 1),
                lambda: store.incr("/n"),
                lambda: store.get("/k"),
                lambda: store.ordered_range("/m"),
                lambda: store.ordered_add("/m", {"a": 1}),
            ]
            for call in calls:
                # Refused connections fail at once; that nothing retries is
                # test_a_failed_connection_is_not_tried_again.
                with pytest.raises(gf.StoreError, match=pattern):
                    call()
            private_server.start()
            store.set("/k", "back")
            assert store.get("/k") == "back"
            assert store.incr("/n") == 1  # the restarted server kept nothing
            store.ordered_add("/m", {"a": 1})
            assert store.ordered_range("/m") == ["a"]
        finally:
            store.close()

    def test_a_batch_survives_a_restart_before_it_ends(self, private_server: RedisServer) -> None:
        """A server restarted while a batch collects its writes gets the whole batch."""
        store = gf.RedisStore(private_server.url, prefix="studio", timeout=1)
        try:
            store.get("/warm-up")
            with store.batch():
                store.set("/a", 1)
                private_server.stop()
                private_server.start()
                store.ordered_add("/m", {"x": 1})
            assert store.get("/a") == 1
            assert store.ordered_range("/m") == ["x"]
        finally:
            store.close()

    def test_watcher_hears_again_after_a_restart(self, private_server: RedisServer) -> None:
        """A watch() started before a restart hears writes made after it."""
        store = gf.RedisStore(private_server.url, prefix="studio", timeout=1)
        heard: list[list[str]] = []
        stop = store.watch(heard.append)
        try:
            private_server.stop()  # the listener finds out on its next wait, or after
            private_server.start()
            other = gf.RedisStore(private_server.url, prefix="studio")
            try:

                def pinged() -> bool:
                    other.set("/ping", 1)
                    return bool(heard)

                assert eventually(pinged, timeout=10)
                assert heard[0] == ["/ping"]
            finally:
                other.close()
        finally:
            stop()
            store.close()

    def test_a_lost_reply_does_not_send_the_write_again(self, proxy: DroppingProxy) -> None:
        """A connection cut after the server ran a write is one StoreError; the write was
        not resent (an incr counts once, an add is not refused as a duplicate)."""
        store = gf.RedisStore(f"redis://127.0.0.1:{proxy.port}/0", prefix=new_prefix())
        try:
            assert store.incr("/n") == 1
            proxy.drop_next_reply()
            with pytest.raises(gf.StoreError, match=unreachable(proxy.port, "lost")):
                store.incr("/n")
            assert store.get("/n") == 2
            proxy.drop_next_reply()
            with pytest.raises(gf.StoreError, match=unreachable(proxy.port, "lost")):
                store.ordered_add("/m", {"x": 1})
            assert store.ordered_range("/m") == ["x"]
            assert store.incr("/n") == 3
        finally:
            store.close()

    def test_a_lost_reply_does_not_claim_nothing_was_written(self, proxy: DroppingProxy) -> None:
        """When the reply of an applied write is lost, the error does not say nothing was
        written."""
        store = gf.RedisStore(f"redis://127.0.0.1:{proxy.port}/0", prefix=new_prefix())
        try:
            proxy.drop_next_reply()
            with pytest.raises(gf.StoreError) as info:
                store.set("/k", "applied")
            assert store.get("/k") == "applied"
            assert "nothing was written" not in str(info.value)
        finally:
            store.close()

    @pytest.mark.skipif(not hasattr(signal, "SIGSTOP"), reason="needs SIGSTOP (POSIX)")
    def test_a_timeout_does_not_claim_nothing_was_written(
        self, private_server: RedisServer
    ) -> None:
        """A write that times out on a paused server raises after timeout=; the message
        does not promise nothing was written, since the server runs it when it resumes."""
        store = gf.RedisStore(private_server.url, prefix="studio", timeout=0.3)
        assert private_server.process is not None
        try:
            store.set("/k", "before")
            private_server.process.send_signal(signal.SIGSTOP)
            try:
                with pytest.raises(gf.StoreError) as info:
                    store.set("/k", "after")
                assert isinstance(info.value.__cause__, redis.exceptions.TimeoutError)
            finally:
                private_server.process.send_signal(signal.SIGCONT)
            assert eventually(lambda: store.get("/k") == "after", timeout=2)
            assert "nothing was written" not in str(info.value)
        finally:
            store.close()


# -- threads and the connection pool ----------------------------------------------------------


class TestThreads:
    def test_threads_share_a_small_pool(self, private_server: RedisServer) -> None:
        """8 threads x 200 incr() on one store end at 1,600 over at most 9 connections
        (and the listener's one)."""
        store = gf.RedisStore(private_server.url, prefix="studio")
        raw = redis.Redis.from_url(private_server.url)
        errors: list[BaseException] = []

        def work() -> None:
            try:
                for _ in range(200):
                    store.incr("/n")
            except BaseException as exc:
                errors.append(exc)

        try:
            threads = [threading.Thread(target=work) for _ in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(30)
            assert errors == []
            assert store.get("/n") == 1600
            clients = raw.client_list()
            # the raw client's own, the store's own (scripts), the pool's (at most one
            # per thread, for a thread that finds the store's own busy) and the listener's
            assert 3 <= len(clients) <= 11, clients
        finally:
            store.close()
            hang_up(raw)

    def test_a_batch_belongs_to_its_thread(self, store: gf.RedisStore) -> None:
        """Another thread neither sees a batch in progress nor joins it: its writes land
        at once, and the batch's land when it ends."""
        store.set("/a", "committed")
        seen: dict[str, Any] = {}
        errors: list[BaseException] = []

        def other() -> None:
            try:
                seen["a"] = store.get("/a")
                store.set("/b", "from other")
            except BaseException as exc:
                errors.append(exc)

        with store.batch():
            store.set("/a", "in batch")
            thread = threading.Thread(target=other)
            thread.start()
            thread.join(10)
            assert store.get("/b") == "from other"
            assert store.get("/a") == "in batch"
        assert errors == []
        assert seen == {"a": "committed"}
        assert store.get("/a") == "in batch"


# -- batches ----------------------------------------------------------------------------------


class TestBatch:
    def test_a_name_added_meanwhile_refuses_the_whole_batch(
        self, store: gf.RedisStore, url: str
    ) -> None:
        """If another process adds one of a batch's names before the batch ends, the end
        of the batch raises ExistsError listing it, and none of the batch is written."""
        other = gf.RedisStore(url)
        try:
            with (  # noqa: PT012
                pytest.raises(gf.ExistsError, match=exact("/m already has 'y'")) as info,
                store.batch(),
            ):
                store.set("/a", 1)
                store.ordered_add("/m", {"x": 1, "y": 2})
                other.ordered_add("/m", {"y": "other"})
            assert info.value.names == ("y",)
            assert info.value.oid == "/m"
            assert store.get("/a", ABSENT) is ABSENT
            assert store.ordered_range("/m") == ["y"]
            assert store.ordered_get("/m", "y") == "other"
        finally:
            other.close()

    def test_a_value_changed_meanwhile_refuses_an_incr(
        self, store: gf.RedisStore, url: str
    ) -> None:
        """If another process makes a batch's counter a str, the batch's end raises
        InvalidValueError and writes nothing."""
        other = gf.RedisStore(url)
        try:
            store.set("/n", 1)
            with (  # noqa: PT012
                pytest.raises(
                    gf.InvalidValueError,
                    match=exact("/n: cannot increment 'text', it is not an int"),
                ),
                store.batch(),
            ):
                store.set("/a", 1)
                assert store.incr("/n") == 2
                other.set("/n", "text")
            assert store.get("/a", ABSENT) is ABSENT
            assert store.get("/n") == "text"
        finally:
            other.close()

    def test_incr_in_a_batch_is_a_delta(self, store: gf.RedisStore, url: str) -> None:
        """A batch's incr adds to whatever the counter holds when the batch ends, so an
        incr by another process in the meantime is not lost."""
        other = gf.RedisStore(url)
        try:
            with store.batch():
                assert store.incr("/n", 10) == 10
                assert other.incr("/n") == 1
            assert store.get("/n") == 11
        finally:
            other.close()

    def test_twenty_thousand_names_in_one_call(self, store: gf.RedisStore) -> None:
        """ordered_add of 20,000 names works, in one call and in one batch, and refusing
        20,000 existing names lists them all."""
        names = {f"n{i:05d}": i for i in range(20_000)}
        store.ordered_add("/m", names)
        assert store.ordered_len("/m") == 20_000
        assert store.ordered_range("/m", 19_998) == ["n19998", "n19999"]
        with pytest.raises(
            gf.ExistsError,
            match=exact(
                "/m already has 'n00000', 'n00001', 'n00002', 'n00003', 'n00004' and 19995 more"
            ),
        ) as info:
            store.ordered_add("/m", names)
        assert info.value.names == tuple(names)
        with store.batch():
            store.ordered_add("/b", names)
            store.ordered_add("/b", {"last": -1})
            store.set("/after", 1)
            assert store.ordered_len("/b") == 20_001
        assert store.ordered_range("/b", 19_999) == ["n19999", "last"]
        assert store.ordered_get("/b", "n12345") == 12345
        assert store.get("/after") == 1

    def test_a_batch_of_many_operations(self, store: gf.RedisStore) -> None:
        """A batch of 10,000 writes of every kind commits in one go."""
        with store.batch():
            for i in range(2_000):
                store.set(f"/v/{i}", i)
                store.incr("/n")
                store.hash_set("/h", str(i), i)
                store.ordered_add("/m", {str(i): i})
                store.ordered_remove("/m", str(i - 1))
        assert store.get("/v/1999") == 1999
        assert store.get("/n") == 2_000
        assert len(store.hash_items("/h")) == 2_000
        assert store.ordered_range("/m") == ["1999"]

    def test_lone_surrogates_in_keys_fields_and_names(self, store: gf.RedisStore, url: str) -> None:
        """Keys, hash fields and map names with lone surrogates round-trip, are deleted by
        delete_tree, and reach watchers intact."""
        key, field, name = "/a\ud800b", "f\udfff", "n\udc00"
        store.set(key, "v\ud800")
        store.hash_set(key + "/h", field, 1)
        store.ordered_add(key + "/m", {name: "x", "plain": 2})
        assert store.get(key) == "v\ud800"
        assert store.hash_items(key + "/h") == {field: 1}
        assert store.ordered_range(key + "/m") == [name, "plain"]
        assert store.ordered_get(key + "/m", name) == "x"
        heard: list[list[str]] = []
        stop = store.watch(heard.append)
        other = gf.RedisStore(url)
        try:
            other.delete_tree(key)
            assert eventually(lambda: heard != [])
            assert heard == [[key]]
        finally:
            stop()
            other.close()
        assert store.get(key, ABSENT) is ABSENT
        assert store.hash_items(key + "/h") == {}
        assert store.ordered_len(key + "/m") == 0

    def test_big_ints_are_stored_exactly(self, store: gf.RedisStore) -> None:
        """Ints beyond 64 bits, in values, hashes and maps, come back exactly."""
        big = 2**200 + 1
        store.set("/big", big)
        store.hash_set("/h", "f", -big)
        store.ordered_add("/m", {"x": [big]})
        with store.batch():
            store.set("/in-batch", big * 3)
            assert store.get("/in-batch") == big * 3
        assert store.get("/big") == big
        assert store.hash_get("/h", "f") == -big
        assert store.ordered_get("/m", "x") == [big]
        assert store.get("/in-batch") == big * 3

    @pytest.mark.parametrize(
        ("start", "amount"),
        [
            pytest.param(2**70, 1, id="stored-big"),
            pytest.param(2**63 - 1, 1, id="overflow"),
            pytest.param(0, 2**70, id="big-amount"),
        ],
    )
    def test_incr_beyond_64_bits_is_exact_or_clearly_refused(
        self, store: gf.RedisStore, start: int, amount: int
    ) -> None:
        """incr() past 64 bits either adds exactly, as on the other stores, or refuses
        with an InvalidValueError naming the key, changing nothing."""
        store.set("/n", start)
        outcome: int | gf.InvalidValueError
        try:
            outcome = store.incr("/n", amount)
        except gf.InvalidValueError as exc:
            outcome = exc
        if isinstance(outcome, gf.InvalidValueError):
            assert outcome.oid == "/n"
            assert str(outcome).startswith("/n: ")
            assert store.get("/n") == start
        else:
            assert outcome == start + amount
            assert store.get("/n") == start + amount

    def test_a_batch_with_an_overflowing_incr_is_all_or_nothing(self, store: gf.RedisStore) -> None:
        """A batch whose incr cannot be applied as written applies none of its writes (or,
        if the store adds big ints exactly, all of them)."""
        store.set("/n", 2**63 - 1)
        try:
            with store.batch():
                store.set("/a", "batched")
                store.incr("/n")
        except gf.GraftflowError:
            assert store.get("/a", ABSENT) is ABSENT
            assert store.get("/n") == 2**63 - 1
        else:
            assert store.get("/a") == "batched"
            assert store.get("/n") == 2**63


# -- what a batch reads: the client-side pending view, against a model ------------------------

VALUE_KEYS = ["/a", "/a/b", "/a/b/c", "/ab", "/z"]
HASH_KEYS = ["/a/h", "/h"]
MAP_KEYS = ["/a/m", "/m"]
TREE_ROOTS = ["/a", "/a/b", "/ab", "/m", "/a/m", "/a/h"]
FIELDS = ["f", "g"]
NAMES = ["x", "y", "z"]
small_values = st.integers(-3, 3) | st.sampled_from(["s", "t"])


class BatchViewMachine(RuleBasedStateMachine):
    """Writes inside an open RedisStore batch must read back like the same writes in the
    same batches of a MemoryStore (its batches undo by snapshots, a simple model);
    ``commit`` ends the outermost batch and opens the next; nested batches open, commit
    or fail, which is what the undo log of a RedisStore batch must get right."""

    server_url = ""  # set by the test before running

    def __init__(self) -> None:
        super().__init__()
        self.redis = gf.RedisStore(self.server_url, prefix=new_prefix())
        self.model = gf.MemoryStore()
        for s in (self.redis, self.model):
            for i, key in enumerate(VALUE_KEYS):
                s.set(key, i)
            for key in HASH_KEYS:
                s.hash_set(key, "f", 0)
            for key in MAP_KEYS:
                s.ordered_add(key, {"x": 0, "y": 1})
        self.open = [self.redis.batch(), self.model.batch()]
        for level in self.open:
            level.__enter__()
        self.nested: list[list[Any]] = []

    def both(self, call: Callable[[gf.Store], Any]) -> None:
        """Make the same call on both stores: same result, or same kind of error."""
        outcomes = []
        for s in (self.redis, self.model):
            try:
                outcomes.append(("ok", call(s)))
            except (gf.ExistsError, gf.InvalidValueError) as exc:
                outcomes.append((type(exc).__name__, getattr(exc, "names", None)))
        assert outcomes[0] == outcomes[1]

    @rule(key=st.sampled_from(VALUE_KEYS), value=small_values)
    def set(self, key: str, value: Any) -> None:
        self.both(lambda s: s.set(key, value))

    @rule(key=st.sampled_from(VALUE_KEYS))
    def delete(self, key: str) -> None:
        self.both(lambda s: s.delete(key))

    @rule(key=st.sampled_from(VALUE_KEYS), amount=st.integers(-2, 2))
    def incr(self, key: str, amount: int) -> None:
        self.both(lambda s: s.incr(key, amount))

    @rule(key=st.sampled_from(TREE_ROOTS))
    def delete_tree(self, key: str) -> None:
        self.both(lambda s: s.delete_tree(key))

    @rule(key=st.sampled_from(HASH_KEYS), field=st.sampled_from(FIELDS), value=small_values)
    def hash_set(self, key: str, field: str, value: Any) -> None:
        self.both(lambda s: s.hash_set(key, field, value))

    @rule(key=st.sampled_from(HASH_KEYS), field=st.sampled_from(FIELDS))
    def hash_delete(self, key: str, field: str) -> None:
        self.both(lambda s: s.hash_delete(key, field))

    @rule(key=st.sampled_from(MAP_KEYS), names=st.lists(st.sampled_from(NAMES), unique=True))
    def ordered_add(self, key: str, names: list[str]) -> None:
        self.both(lambda s: s.ordered_add(key, {n: n.upper() for n in names}))

    @rule(key=st.sampled_from(MAP_KEYS), name=st.sampled_from(NAMES))
    def ordered_remove(self, key: str, name: str) -> None:
        self.both(lambda s: s.ordered_remove(key, name))

    @rule(key=st.sampled_from(MAP_KEYS))
    def ordered_clear(self, key: str) -> None:
        self.both(lambda s: s.ordered_clear(key))

    @rule()
    def commit(self) -> None:
        while self.nested:
            self.close_nested()
        for level in reversed(self.open):
            level.__exit__(None, None, None)
        self.open = [self.redis.batch(), self.model.batch()]
        for level in self.open:
            level.__enter__()

    @rule()
    def open_nested(self) -> None:
        levels = [self.redis.batch(), self.model.batch()]
        for level in levels:
            level.__enter__()
        self.nested.append(levels)

    @rule()
    def close_nested(self) -> None:
        if self.nested:
            for level in reversed(self.nested.pop()):
                level.__exit__(None, None, None)

    @rule()
    def fail_nested(self) -> None:
        if self.nested:
            error = RuntimeError("a nested batch fails")
            for level in reversed(self.nested.pop()):
                # The batch lets the error through: __exit__ does not swallow it.
                assert not level.__exit__(RuntimeError, error, None)

    @invariant()
    def reads_agree(self) -> None:
        assert self.snapshot(self.redis) == self.snapshot(self.model)

    @staticmethod
    def snapshot(s: gf.Store) -> dict[str, Any]:
        return {
            "values": {k: s.get(k, "<absent>") for k in VALUE_KEYS},
            "hashes": {k: s.hash_items(k) for k in HASH_KEYS},
            "fields": {k: s.hash_get(k, "g", "<absent>") for k in HASH_KEYS},
            "maps": {k: s.ordered_range(k) for k in MAP_KEYS},
            "slices": {k: s.ordered_range(k, 1, 2) for k in MAP_KEYS},
            "lengths": {k: s.ordered_len(k) for k in MAP_KEYS},
            "members": {k: [s.ordered_get(k, n, "<absent>") for n in NAMES] for k in MAP_KEYS},
        }

    def teardown(self) -> None:
        try:
            while self.nested:
                self.close_nested()
            for level in reversed(self.open):
                level.__exit__(None, None, None)
            assert self.snapshot(self.redis) == self.snapshot(self.model)
        finally:
            self.redis.close()


class TestBatchView:
    @pytest.mark.slow
    def test_a_batch_reads_like_unbatched_writes(self, redis_server: RedisServer) -> None:
        """Random writes inside batches, nested ones committing or failing, read back
        (and commit) like the same writes in the same batches of a MemoryStore."""
        BatchViewMachine.server_url = redis_server.url
        run_state_machine_as_test(
            BatchViewMachine,
            settings=settings(
                max_examples=60,
                stateful_step_count=25,
                deadline=None,
                database=None,
                suppress_health_check=[HealthCheck.too_slow],
            ),
        )


# -- notifications ----------------------------------------------------------------------------


@pytest.fixture
def films_url(url: str) -> str:
    """``url`` holding project p (a Studio) with films f01 and f02."""
    store = gf.RedisStore(url)
    try:
        gf.Flow(session(), store).create_project("p", Studio).films.add_many(["f01", "f02"])
    finally:
        store.close()
    return url


class TestNotifications:
    def test_a_set_in_one_process_reaches_a_handler_in_another_once(
        self, films_url: str, tmp_path: Path, run_python: Any
    ) -> None:
        """Process A subscribes to a film; process B sets its title, then another film's;
        A's handler gets the title's oid exactly once. (How soon is the benchmarks'
        business, not a test's.)"""
        listener = textwrap.dedent(
            """
            import json, sys, threading
            import graftflow as gf
            store = gf.open_store(sys.argv[1])
            flow = gf.Flow(gf.Session(user="a", environ={}), store)
            film = flow.project("p").films["f01"]
            heard = []
            marker = threading.Event()
            gf.subscribe(film, heard.append)
            # B's second write is published after the first, so by the time it is heard
            # a duplicate of the first would have been heard too.
            gf.subscribe(flow.project("p").films["f02"], lambda oid: marker.set())
            print("ready", flush=True)
            assert marker.wait(15)
            print(json.dumps(heard), flush=True)
            flow.close()
            store.close()
            """
        )
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]),
        }
        with subprocess.Popen(
            [sys.executable, "-c", listener, films_url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=tmp_path,
            env=env,
        ) as a:
            try:
                assert a.stdout is not None
                line = a.stdout.readline()
                if line != "ready\n":
                    pytest.fail(
                        f"listener did not start ({line!r}):\n{a.communicate(timeout=30)[1]}"
                    )
                run_python(
                    f"""
                    import graftflow as gf
                    store = gf.open_store({films_url!r})
                    flow = gf.Flow(gf.Session(user="b", environ={{}}), store)
                    flow.project("p").films["f01"].title.set("from B")
                    flow.project("p").films["f02"].title.set("the marker")
                    store.close()
                    """
                )
                out, err = a.communicate(timeout=30)
            finally:
                if a.poll() is None:
                    a.kill()
        assert a.returncode == 0, err
        assert json.loads(out) == ["/p/films/f01/title"]

    def test_own_writes_notify_once(self, films_url: str) -> None:
        """A write through the flow's own store notifies locally once, its pub/sub echo is
        ignored, and a write through another store is heard from the channel."""
        mine, theirs = gf.RedisStore(films_url), gf.RedisStore(films_url)
        flow = gf.Flow(session(), mine)
        heard: list[str] = []
        got_theirs = threading.Event()

        def handler(oid: str) -> None:
            heard.append(oid)
            if oid.endswith("/counter"):
                got_theirs.set()

        try:
            film = flow.project("p").films["f01"]
            gf.subscribe(film, handler)
            film.title.set("mine")
            assert heard == ["/p/films/f01/title"]
            gf.Flow(session(), theirs).project("p").films["f01"].counter.set(1)
            # Published after mine, so an echo of mine would be heard before this.
            assert got_theirs.wait(5)
            assert heard == ["/p/films/f01/title", "/p/films/f01/counter"]
        finally:
            flow.close()
            mine.close()
            theirs.close()

    def test_remote_map_changes_reach_map_subscribers(self, films_url: str) -> None:
        """Another process's add, set below and remove are heard by a map subscriber."""
        mine, theirs = gf.RedisStore(films_url), gf.RedisStore(films_url)
        flow = gf.Flow(session(), mine)
        heard: list[str] = []
        try:
            gf.subscribe(flow.project("p").films, heard.append)
            films = gf.Flow(session(), theirs).project("p").films
            films.add("f03")
            assert eventually(lambda: heard == ["/p/films"])
            films["f03"].title.set("t")
            assert eventually(lambda: heard[1:] == ["/p/films/f03/title"])
            films.remove("f03")
            assert eventually(lambda: heard[2:] == ["/p/films", "/p/films/f03"])
        finally:
            flow.close()
            mine.close()
            theirs.close()

    def test_a_project_created_elsewhere_reaches_flow_subscribers(self, films_url: str) -> None:
        """A flow subscriber hears another process create a project, as it would locally."""
        mine, theirs = gf.RedisStore(films_url), gf.RedisStore(films_url)
        flow = gf.Flow(session(), mine)
        heard: list[str] = []
        try:
            gf.subscribe(flow, heard.append)
            other = gf.Flow(session(), theirs)
            other.create_project("q", Studio)
            other.project("p").films["f02"].title.set("sync")
            assert eventually(lambda: "/p/films/f02/title" in heard)
            assert heard == ["/q", "/p/films/f02/title"]
        finally:
            flow.close()
            mine.close()
            theirs.close()

    def test_a_failing_remote_handler_is_a_diagnostic(self, films_url: str) -> None:
        """A handler raising on the listener thread is recorded in the session; the other
        handlers still run and the thread keeps listening."""
        mine, theirs = gf.RedisStore(films_url), gf.RedisStore(films_url)
        flow = gf.Flow(session(), mine)
        heard: list[str] = []

        def broken(oid: str) -> None:
            raise RuntimeError("boom")

        try:
            film = flow.project("p").films["f01"]
            gf.subscribe(film, broken)
            gf.subscribe(film, heard.append)
            title = gf.Flow(session(), theirs).project("p").films["f01"].title
            title.set("one")
            title.set("two")
            assert eventually(lambda: len(heard) == 2)
            [diagnostic] = flow.session().diagnostics
            assert diagnostic.message == "a touch handler failed: boom"
            assert diagnostic.oid == "/p/films/f01/title"
            assert diagnostic.count == 2
        finally:
            flow.close()
            mine.close()
            theirs.close()

    def test_flow_close_stops_its_handlers(
        self, films_url: str, prefix: str, raw: redis.Redis
    ) -> None:
        """A flow's subscriptions ride on its store's one listener; after flow.close()
        no handler of the flow runs, and the store (not the flow's) stays open."""
        mine, theirs = gf.RedisStore(films_url), gf.RedisStore(films_url)
        flow = gf.Flow(session(), mine)
        heard: list[str] = []
        try:
            [thread] = listener_threads(mine)
            gf.subscribe(flow.project("p").films["f01"], heard.append)
            gf.subscribe(flow.project("p").films["f02"], heard.append)
            gf.subscribe(flow, heard.append)
            assert listener_threads(mine) == [thread]
            assert subscribers(raw, prefix) == 2  # mine's listener, theirs'
            flow.close()
            done = threading.Event()
            # Watchers hear a change in the order they were added: once this one has,
            # any handler the flow left behind would have heard it too.
            mine.watch(lambda keys: done.set())
            gf.Flow(session(), theirs).project("p").films["f01"].title.set("after close")
            assert done.wait(5)
            assert heard == []
            assert mine.get("/p/films/f01/title") == "after close"  # the store stays open
        finally:
            flow.close()
            mine.close()
            theirs.close()

    def test_unsubscribed_handlers_hear_nothing_more(self, films_url: str) -> None:
        """After unsubscribe(), another process's writes no longer reach that handler."""
        mine, theirs = gf.RedisStore(films_url), gf.RedisStore(films_url)
        flow = gf.Flow(session(), mine)
        gone: list[str] = []
        kept: list[str] = []
        try:
            film = flow.project("p").films["f01"]
            unsubscribe = gf.subscribe(film, gone.append)
            gf.subscribe(film, kept.append)
            title = gf.Flow(session(), theirs).project("p").films["f01"].title
            title.set("one")
            assert eventually(lambda: len(kept) == 1)
            unsubscribe()
            title.set("two")
            assert eventually(lambda: len(kept) == 2)
            assert gone == ["/p/films/f01/title"]
        finally:
            flow.close()
            mine.close()
            theirs.close()


class TestSecrets:
    def test_password_never_shown(self, closed_port: int) -> None:
        """A password in the URL stays out of error messages and reprs."""
        url = f"redis://ana:s3cret@127.0.0.1:{closed_port}/0"
        with pytest.raises(gf.StoreError) as info:
            gf.RedisStore(url, timeout=0.3)
        assert "s3cret" not in str(info.value)
        with pytest.raises(gf.StoreError, match=re.escape("redis://ana:***@127.0.0.1")):
            gf.RedisStore(f"redis://ana:s3cret@127.0.0.1:{closed_port}/x")

    def test_repr_masks_the_password(self, redis_server: RedisServer) -> None:
        """The store keeps the full URL to reopen it, but shows it masked."""
        # The server really asks for the password: only redis-py 8+ tolerates AUTH
        # against a server that has none, and the lowest allowed client does not.
        admin = redis.Redis(host="127.0.0.1", port=redis_server.port)
        admin.config_set("requirepass", "s3cret")
        store = gf.RedisStore(f"redis://:s3cret@127.0.0.1:{redis_server.port}/0?prefix=sec")
        try:
            assert "s3cret" in store.url
            assert "s3cret" not in repr(store)
            assert "s3cret" not in repr(gf.Flow(store=store))
        finally:
            store.close()
            hang_up(admin)
            admin = redis.Redis(host="127.0.0.1", port=redis_server.port, password="s3cret")
            admin.config_set("requirepass", "")
            hang_up(admin)


# -- URLs, once more: every malformed one is a StoreError saying what is wrong ---------------


class TestMalformedURL:
    @pytest.mark.parametrize(
        ("url", "message"),
        [
            ("redis://[::1/0", "'redis://[::1/0' is not a valid Redis URL: Invalid IPv6 URL"),
            (
                "redis://ana:s3cret@[::1/0",
                "'redis://ana:***@[::1/0' is not a valid Redis URL: Invalid IPv6 URL",
            ),
            (
                "redis://[zz]:6379/0",
                (
                    "'redis://[zz]:6379/0' is not a valid Redis URL: 'zz' does not appear to "
                    "be an IPv4 or IPv6 address"
                ),
            ),
            (
                "redis://h\n:6379/0",
                (
                    "'redis://h\\n:6379/0' is not a valid Redis URL: it holds '\\n' at "
                    "position 9 (a URL has no spaces or control characters)"
                ),
            ),
            (
                "redis://h:6379/0#x",
                (
                    "'redis://h:6379/0#x': a Redis URL has no '#' part; write "
                    "redis://host:port/db, for example redis://localhost:6379/0"
                ),
            ),
            (
                "redis://h:6379/0/1",
                ("'redis://h:6379/0/1': the database is a number (redis://host:port/0), not '0/1'"),
            ),
            (
                "redis://h:6379/0?nonsense=1",
                (
                    "'redis://h:6379/0?nonsense=1': unknown option 'nonsense'; a store URL "
                    "takes prefix (the key prefix), cache (on or off)"
                ),
            ),
            (
                "redis://h:6379/0?prefix=a&prefix=b",
                "'redis://h:6379/0?prefix=a&prefix=b': the option 'prefix' is given twice",
            ),
            (
                "redis://h:6379/0?cache=maybe",
                "'redis://h:6379/0?cache=maybe': cache is 'on' or 'off', not 'maybe'",
            ),
        ],
    )
    def test_is_a_store_error_saying_what_is_wrong(self, url: str, message: str) -> None:
        """Refused before any connection, with the password masked."""
        with pytest.raises(gf.StoreError, match=exact(message)):
            gf.open_store(url)

    def test_cache_off_is_kept_in_the_url(self, redis_server: RedisServer, prefix: str) -> None:
        store = gf.RedisStore(f"{redis_server.url}?prefix={prefix}&cache=off")
        try:
            assert store.url == f"{redis_server.url}?prefix={prefix}&cache=off"
            assert listener_threads(store) == []  # nothing to keep fresh
        finally:
            store.close()


# -- the client-side cache ---------------------------------------------------------------------


@contextlib.contextmanager
def sent_to(server: RedisServer) -> Iterator[list[str]]:
    """The commands clients send the server while the block runs, in order.

    Redis' own MONITOR tells them from the commands its scripts run (which are not
    round trips); connection set-up and health checks are left out.
    """
    monitor_client = redis.Redis.from_url(server.url, decode_responses=True)
    sent: list[str] = []
    seen: list[dict[str, Any]] = []
    marker = f"end {uuid.uuid4().hex}"
    with monitor_client.monitor() as monitor:  # MONITOR is on once this returns

        def listen() -> None:
            for entry in monitor.listen():
                seen.append(entry)
                if entry["command"] == f"ECHO {marker}":
                    return

        thread = threading.Thread(target=listen, daemon=True)
        thread.start()
        try:
            yield sent
        finally:
            monitor_client.echo(marker)
            thread.join(10)
    hang_up(monitor_client)
    setup = ("HELLO", "CLIENT", "PING", "ECHO", "SELECT", "INFO")
    sent.extend(
        entry["command"]
        for entry in seen
        if entry.get("client_type") != "lua" and not entry["command"].startswith(setup)
    )


def heard_by(store: gf.RedisStore) -> Callable[[str], threading.Event]:
    """``until(key)``: an event set once ``store`` hears another writer change ``key``
    *after* this call (a change heard before does not count).

    Watchers run after the cache dropped what a change made stale, so once the event
    is set, the store has been told.
    """
    waiting: list[tuple[str, threading.Event]] = []
    lock = threading.Lock()

    def on_change(keys: list[str]) -> None:
        heard = {key.partition("#")[0] for key in keys}
        with lock:
            for key, event in waiting:
                if key in heard:
                    event.set()

    store.watch(on_change)

    def until(key: str) -> threading.Event:
        event = threading.Event()
        with lock:
            waiting.append((key, event))
        return event

    return until


def settled(writer: gf.Store, until: Callable[[str], threading.Event]) -> None:
    """Wait until the reader heard everything ``writer`` wrote so far: changes are heard
    in the order they were made, so hearing a last one means hearing them all."""
    marker = f"/settled/{uuid.uuid4().hex}"
    heard = until(marker)
    writer.set(marker, True)
    assert heard.wait(5)


class HoldingProxy(DroppingProxy):
    """A proxy that can hold back the reply to the next command of a kind until
    :meth:`release`: a read whose answer is in flight while a change is heard, made on
    purpose instead of by chance."""

    def __init__(self, upstream_port: int) -> None:
        self._hold: bytes | None = None
        self.holding = threading.Event()
        self._released = threading.Event()
        self._last: dict[int, bytes] = {}  # connection -> the last command it sent
        super().__init__(upstream_port)

    def hold_next_reply(self, command: str) -> None:
        self._released.clear()
        self._hold = f"\r\n{command}\r\n".encode()

    def release(self) -> None:
        self._released.set()

    def _up(self, client: socket.socket, server: socket.socket, cut: threading.Event) -> None:
        with contextlib.suppress(OSError):
            while data := client.recv(65536):
                self._last[id(client)] = data
                server.sendall(data)

    def _down(self, server: socket.socket, client: socket.socket, cut: threading.Event) -> None:
        with contextlib.suppress(OSError):
            while data := server.recv(65536):
                hold = self._hold
                if hold is not None and hold in self._last.get(id(client), b""):
                    self._hold = None
                    self.holding.set()
                    self._released.wait(10)
                    self.holding.clear()
                client.sendall(data)


@pytest.fixture
def holding(redis_server: RedisServer) -> Iterator[HoldingProxy]:
    p = HoldingProxy(redis_server.port)
    yield p
    p.release()
    p.close()


@pytest.fixture
def two(url: str) -> Iterator[tuple[gf.RedisStore, gf.RedisStore]]:
    """This process's reader (its cache under test) and another writer, on one prefix."""
    reader, writer = gf.RedisStore(url), gf.RedisStore(url)
    yield reader, writer
    reader.close()
    writer.close()


class TestCache:
    def test_a_cold_page_is_one_round_trip_and_warm_reads_none(
        self, private_server: RedisServer
    ) -> None:
        """A fresh store reads a page of 100 items, each item's type and a param of
        each, in one command; reading them all again asks the server nothing."""
        writer = gf.RedisStore(private_server.url, prefix="studio")
        reader = None
        try:
            films = gf.Flow(session(), writer).create_project("p", Studio).films
            names = [f"f{i:03d}" for i in range(150)]
            films.add_many(names)
            with writer.batch():
                for number, name in enumerate(names):
                    films[name].counter.set(number)
            reader = gf.RedisStore(private_server.url, prefix="studio")
            page = gf.Flow(session(), reader).project("p").films
            with sent_to(private_server) as cold:
                seen = [item.counter.get() for item in page.mapped_items(1, 100)]
            assert seen == list(range(100, 150))
            assert [command.split()[0] for command in cold] == ["EVALSHA"]
            with sent_to(private_server) as warm:
                assert [item.counter.get() for item in page.mapped_items(1, 100)] == seen
                assert [page[name].title.get() for name in names[100:]] == [""] * 50
            assert warm == []
        finally:
            for store in (reader, writer):
                if store is not None:
                    store.close()

    def test_items_read_by_name_come_a_page_ahead(self, private_server: RedisServer) -> None:
        """``map[name]`` for names in order (W1's pattern): one command per 64 items."""
        writer = gf.RedisStore(private_server.url, prefix="studio")
        reader = None
        try:
            names = [f"f{i:03d}" for i in range(128)]
            gf.Flow(session(), writer).create_project("p", Studio).films.add_many(names)
            reader = gf.RedisStore(private_server.url, prefix="studio")
            films = gf.Flow(session(), reader).project("p").films
            with sent_to(private_server) as sent:
                assert {films[name].title.get() for name in names} == {""}
            assert [command.split()[0] for command in sent] == ["EVALSHA", "EVALSHA"]
        finally:
            for store in (reader, writer):
                if store is not None:
                    store.close()

    def test_building_under_a_new_item_asks_the_server_once(
        self, private_server: RedisServer
    ) -> None:
        """Adding an item finds out, in the same round trip, that nothing is stored below
        it: the maps and values then built under it in the batch need no question."""
        store = gf.RedisStore(private_server.url, prefix="studio")
        try:
            films = gf.Flow(session(), store).create_project("p", Studio).films
            store.ordered_get("/warm-up", "x")  # the server has loaded both scripts now
            with sent_to(private_server) as sent, store.batch():
                film = films.add("f01")
                film.shots.add_many([f"sh{i}" for i in range(10)])
                for shot in film.shots.mapped_items():
                    shot.tasks.add_many(["layout", "anim"])
                    shot.frame_out.set(shot.frame_in.get() + 10)
            assert [command.split()[0] for command in sent] == ["EVALSHA", "EVALSHA"]
            assert films["f01"].shots["sh9"].frame_out.get() == 1011
        finally:
            store.close()

    def test_what_another_writer_puts_under_an_empty_item_is_seen(
        self, two: tuple[gf.RedisStore, gf.RedisStore]
    ) -> None:
        """Once another writer's change below an item known empty is heard, the item is
        no longer taken for empty: adding the same name there is refused."""
        reader, writer = two
        until = heard_by(reader)
        gf.Flow(session(), writer).create_project("p", Studio).films.add_many(["f01"])
        settled(writer, until)
        films = gf.Flow(session(), reader).project("p").films
        assert len(films["f01"].shots) == 0  # f01 read ahead: nothing below it
        heard = until("/p/films/f01/shots")
        gf.Flow(session(), writer).project("p").films["f01"].shots.add("sh1")
        assert heard.wait(5)
        with pytest.raises(gf.ExistsError), reader.batch():
            films["f01"].shots.add_many(["sh1"])
        assert list(films["f01"].shots) == ["sh1"]

    def test_an_item_with_many_values_is_not_read_ahead_again(
        self, private_server: RedisServer
    ) -> None:
        """Past 64 keys below an item, its values are read one by one (exactly), not
        fetched 64 at a time on every read."""
        writer = gf.RedisStore(private_server.url, prefix="studio")
        reader = None
        try:
            gf.Flow(session(), writer).create_project("p", Studio).films.add_many(["f01"])
            with writer.batch():
                for i in range(70):
                    writer.set(f"/p/films/f01/v{i:02d}", i)
            reader = gf.RedisStore(private_server.url, prefix="studio")
            films = gf.Flow(session(), reader).project("p").films
            films["f01"]  # found, with a first look below it: too many keys to keep
            with sent_to(private_server) as sent:
                assert [reader.get(f"/p/films/f01/v{i:02d}") for i in (5, 69)] == [5, 69]
            # EVALSHA sha 0 PREFIX MODE KEY: one plain read of each, not a page
            assert [command.split()[:1] + command.split()[4:6] for command in sent] == [
                ["EVALSHA", "value", "/p/films/f01/v05"],
                ["EVALSHA", "value", "/p/films/f01/v69"],
            ]
        finally:
            for store in (reader, writer):
                if store is not None:
                    store.close()

    @pytest.mark.parametrize(
        ("prepare", "change", "key", "read", "before", "after"),
        [
            pytest.param(
                lambda s: s.set("/v", 1),
                lambda s: s.set("/v", 2),
                "/v",
                lambda s: s.get("/v"),
                1,
                2,
                id="get",
            ),
            pytest.param(
                lambda s: None,
                lambda s: s.set("/v", "new"),
                "/v",
                lambda s: s.get("/v", "absent"),
                "absent",
                "new",
                id="get-absent",
            ),
            pytest.param(
                lambda s: s.hash_set("/h", "f", 1),
                lambda s: s.hash_set("/h", "f", 2),
                "/h",
                lambda s: (s.hash_get("/h", "f"), s.hash_items("/h")),
                (1, {"f": 1}),
                (2, {"f": 2}),
                id="hash",
            ),
            pytest.param(
                lambda s: s.ordered_add("/m", {"a": 1}),
                lambda s: s.ordered_add("/m", {"b": 2}),
                "/m",
                lambda s: (s.ordered_len("/m"), s.ordered_range("/m"), s.ordered_get("/m", "b")),
                (1, ["a"], None),
                (2, ["a", "b"], 2),
                id="ordered-add",
            ),
            pytest.param(
                lambda s: s.ordered_add("/m", {"a": 1, "b": 2}),
                lambda s: s.ordered_remove("/m", "a"),
                "/m",
                lambda s: (s.ordered_len("/m"), s.ordered_range("/m"), s.ordered_get("/m", "a")),
                (2, ["a", "b"], 1),
                (1, ["b"], None),
                id="ordered-remove",
            ),
            pytest.param(
                lambda s: (s.set("/t/x/v", 1), s.ordered_add("/t/m", {"a": 1})),
                lambda s: s.delete_tree("/t"),
                "/t",
                lambda s: (s.get("/t/x/v"), s.ordered_range("/t/m")),
                (1, ["a"]),
                (None, []),
                id="delete-tree",
            ),
        ],
    )
    def test_a_heard_change_is_never_served_stale(
        self,
        two: tuple[gf.RedisStore, gf.RedisStore],
        prepare: Callable[[gf.Store], Any],
        change: Callable[[gf.Store], Any],
        key: str,
        read: Callable[[gf.Store], Any],
        before: Any,
        after: Any,
    ) -> None:
        """Once another writer's change has been heard, every read shows it."""
        reader, writer = two
        until = heard_by(reader)
        prepare(writer)
        settled(writer, until)
        assert read(reader) == before  # cached now
        changed = until(key)
        change(writer)
        assert changed.wait(5)
        assert read(reader) == after

    def test_reads_racing_changes_end_on_the_last_value(
        self, two: tuple[gf.RedisStore, gf.RedisStore]
    ) -> None:
        """Reads racing 2,000 changes: once the last change is heard, the reader holds
        the last value."""
        reader, writer = two
        until = heard_by(reader)
        writer.set("/k", 0)
        done = threading.Event()
        errors: list[BaseException] = []

        def write() -> None:
            try:
                for i in range(1, 2001):
                    writer.set("/k", i)
                writer.set("/last", True)
            except BaseException as exc:
                errors.append(exc)
            finally:
                done.set()

        last = until("/last")  # heard after every /k change: changes are heard in order
        thread = threading.Thread(target=write)
        thread.start()
        while not done.is_set():
            reader.get("/k")
        thread.join()
        assert errors == []
        assert last.wait(10)
        assert reader.get("/k") == 2000

    def test_an_answer_that_crosses_a_change_is_not_kept(
        self, holding: HoldingProxy, redis_server: RedisServer, prefix: str
    ) -> None:
        """A read sent before another writer's change, answered after this store heard
        of the change, is returned (it was true when read) but not cached: the next
        read asks again and gets the new value."""
        reader = gf.RedisStore(f"redis://127.0.0.1:{holding.port}/0?prefix={prefix}")
        writer = gf.RedisStore(f"{redis_server.url}?prefix={prefix}")
        try:
            until = heard_by(reader)
            writer.set("/k", "old")
            settled(writer, until)
            answers: list[Any] = []
            holding.hold_next_reply("EVALSHA")
            thread = threading.Thread(target=lambda: answers.append(reader.get("/k")))
            thread.start()
            assert holding.holding.wait(5)  # the server answered; the answer is held
            changed = until("/k")
            writer.set("/k", "new")
            assert changed.wait(5)
            holding.release()
            thread.join(5)
            assert answers == ["old"]
            assert reader.get("/k") == "new"
        finally:
            reader.close()
            writer.close()

    def test_no_cached_read_is_older_than_what_was_read_before(
        self, holding: HoldingProxy, redis_server: RedisServer, prefix: str
    ) -> None:
        """Another writer changes /a, then /b. This store has not heard of either (its
        change channel is held back), reads /b from the server, then /a: it must not
        serve its cached /a, older than the /b it just read. It waits for its listener,
        and when that does not come through within timeout=, reads the server."""
        reader = gf.RedisStore(f"redis://127.0.0.1:{holding.port}/0?prefix={prefix}", timeout=1)
        writer = gf.RedisStore(f"{redis_server.url}?prefix={prefix}")
        try:
            until = heard_by(reader)
            writer.set("/a", "old")
            settled(writer, until)
            assert reader.get("/a") == "old"  # cached
            holding.hold_next_reply("SUBSCRIBE")  # the listener hears nothing more
            writer.set("/a", "new")
            writer.set("/b", 1)
            assert holding.holding.wait(5)
            assert reader.get("/b") == 1  # from the server: it is past both writes
            assert reader.get("/a") == "new"
            holding.release()

            def cached_again() -> bool:  # the listener came back: reads are cached again
                reader.get("/a")
                with sent_to(redis_server) as sent:
                    assert reader.get("/a") == "new"
                return sent == []

            assert eventually(cached_again)
        finally:
            holding.release()
            reader.close()
            writer.close()

    def test_a_watcher_behind_the_server_reads_it_instead_of_waiting_for_itself(
        self, url: str
    ) -> None:
        """Watchers run on the listener thread. One told of a change to /a, while the
        write to /b after it is still to be heard, reads a key from the server (its
        reply is past both writes), then /a and /b: no cached read may be older than
        that reply, and the listener that would bring /b cannot come while its thread
        runs the watcher. It reads the server at once (both new), never waiting for
        itself until the store's timeout (60 s here)."""
        reader = gf.RedisStore(url, timeout=60)
        writer = gf.RedisStore(url)
        try:
            until = heard_by(reader)
            writer.set("/a", "old")
            writer.set("/b", "old")
            settled(writer, until)
            assert [reader.get("/a"), reader.get("/b")] == ["old", "old"]  # cached
            second_written = threading.Event()
            done = threading.Event()
            seen: list[Any] = []

            def watcher(keys: list[str]) -> None:
                if "/a" not in keys:
                    return
                second_written.wait(30)
                seen.append(reader.get("/elsewhere"))  # a server read, past both writes
                seen.extend((reader.get("/a"), reader.get("/b")))
                seen.append(threading.current_thread() in listener_threads(reader))
                done.set()

            reader.watch(watcher)
            writer.set("/a", "new")
            writer.set("/b", "new")
            second_written.set()
            assert done.wait(30), "the watcher waited for its own thread"
            assert seen == [None, "new", "new", True]
            settled(writer, until)
            assert [reader.get("/a"), reader.get("/b")] == ["new", "new"]
        finally:
            reader.close()
            writer.close()

    def test_an_unheard_write_is_served_stale_but_never_in_a_transaction(
        self, store: gf.RedisStore, raw: redis.Redis, prefix: str
    ) -> None:
        """How fresh a cached read is: as fresh as the notifications heard. A write that
        bypasses the store (a raw HSET publishes nothing) stays unseen by plain reads;
        a transaction reads the server itself."""
        store.set("/k", 1)
        assert store.get("/k") == 1
        raw.hset(f"{prefix}:v", "/k", "2")
        assert store.get("/k") == 1
        assert store.transaction(lambda: store.get("/k")) == 2

    def test_cache_off_reads_the_server_every_time(
        self, redis_server: RedisServer, prefix: str, raw: redis.Redis
    ) -> None:
        store = gf.RedisStore(f"{redis_server.url}?prefix={prefix}", cache=False)
        try:
            store.set("/k", 1)
            assert store.get("/k") == 1
            raw.hset(f"{prefix}:v", "/k", "2")
            assert store.get("/k") == 2
        finally:
            store.close()

    def test_a_lost_connection_drops_the_cache(self, private_server: RedisServer) -> None:
        """After the server restarts, nothing cached before is served: a write the store
        was never told of (made while it was away) shows."""
        persist_on_shutdown(private_server)
        store = gf.RedisStore(private_server.url, prefix="studio", timeout=1)
        try:
            store.set("/k", "before")
            assert store.get("/k") == "before"
            private_server.stop()
            private_server.start()
            raw = redis.Redis.from_url(private_server.url, decode_responses=True)
            try:
                raw.hset("studio:v", "/k", '"changed while away"')  # publishes nothing
            finally:
                hang_up(raw)
            assert eventually(lambda: store.get("/k") == "changed while away", timeout=10)
        finally:
            store.close()

    @pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork (POSIX)")
    def test_a_forked_child_does_not_trust_the_parents_cache(
        self, store: gf.RedisStore, raw: redis.Redis, prefix: str
    ) -> None:
        """The child has no listener of its parent's: it starts with an empty cache."""
        store.set("/k", 1)
        assert store.get("/k") == 1
        raw.hset(f"{prefix}:v", "/k", "2")  # unheard: the parent still serves 1
        assert store.get("/k") == 1
        assert in_child(lambda: store.get("/k") == 2) == 0


# -- transactions: checked reads, conflicts, retries ---------------------------------------------


#: A read of each kind a transaction checks, and another writer's change to what it
#: read (on what :func:`seed_reads` wrote).
READS_AND_CHANGES = [
    pytest.param(lambda s: s.get("/x"), lambda s: s.set("/x", 2), id="get"),
    pytest.param(lambda s: s.get("/none"), lambda s: s.set("/none", 1), id="absent"),
    pytest.param(lambda s: s.hash_get("/h", "f"), lambda s: s.hash_set("/h", "f", 2), id="hash"),
    pytest.param(lambda s: s.hash_items("/h"), lambda s: s.hash_set("/h", "g", 1), id="hash-all"),
    pytest.param(
        lambda s: s.ordered_get("/m", "a"),
        lambda s: s.ordered_remove("/m", "a"),
        id="member",
    ),
    pytest.param(lambda s: s.ordered_len("/m"), lambda s: s.ordered_add("/m", {"z": 1}), id="len"),
    pytest.param(
        lambda s: s.ordered_range("/m", 0, 1),
        lambda s: s.ordered_clear("/m"),
        id="range",
    ),
]


def seed_reads(store: gf.Store) -> None:
    """What the reads of :data:`READS_AND_CHANGES` read."""
    store.set("/x", 1)
    store.hash_set("/h", "f", 1)
    store.ordered_add("/m", {"a": 1, "b": 2})


class TestTransactions:
    def test_a_conflict_runs_fn_again_and_commits_once(
        self, two: tuple[gf.RedisStore, gf.RedisStore]
    ) -> None:
        """Another writer changes what the first attempt read: that attempt writes
        nothing, its commit callbacks are dropped, and the second attempt commits once."""
        store, other = two
        store.set("/k", 1)
        attempts: list[int] = []
        heard: list[int] = []

        def body() -> int:
            value: int = store.get("/k")
            attempts.append(value)
            if len(attempts) == 1:
                other.set("/k", 10)  # a real other writer, between read and commit
            store.set("/out", value + 1)
            store.on_commit(lambda: heard.append(value))
            return value + 1

        assert store.transaction(body) == 11
        assert attempts == [1, 10]
        assert heard == [10]
        assert store.get("/out") == 11

    def test_conflicts_past_the_retries_raise_and_write_nothing(
        self, two: tuple[gf.RedisStore, gf.RedisStore]
    ) -> None:
        """ConflictError names the oid that kept changing; nothing was written, no
        callback ran, and fn ran once plus once per retry."""
        store, other = two
        store.set("/k", 0)
        runs: list[int] = []
        heard: list[str] = []

        def body() -> None:
            runs.append(store.get("/k"))
            other.incr("/k")
            store.set("/out", "never")
            store.on_commit(lambda: heard.append("never"))

        with pytest.raises(gf.ConflictError) as info:
            store.transaction(body, retries=2)
        assert info.value.oids == ("/k",)
        assert str(info.value) == (
            "a transaction gave up after 3 attempts: other writers kept changing '/k' "
            "before it could commit; nothing was written (try again later, or pass a "
            "larger retries=)"
        )
        assert isinstance(info.value, gf.GraftflowError)
        assert runs == [0, 1, 2]
        assert store.get("/out", ABSENT) is ABSENT
        assert heard == []

    def test_a_with_block_cannot_run_again_so_it_raises(
        self, two: tuple[gf.RedisStore, gf.RedisStore]
    ) -> None:
        store, other = two
        store.set("/k", 0)

        def block() -> None:
            with store.transaction():
                store.set("/out", store.get("/k") + 1)
                other.set("/k", 5)

        with pytest.raises(gf.ConflictError, match=re.escape("'/k' changed after")):
            block()
        assert store.get("/out", ABSENT) is ABSENT

    def test_flow_transaction_forgets_what_a_conflicting_attempt_created(
        self, two: tuple[gf.RedisStore, gf.RedisStore]
    ) -> None:
        store, other = two
        flow = gf.Flow(session(), store)
        store.set("/k", 0)
        made: list[Any] = []

        def body() -> str:
            name = f"p{store.get('/k')}"
            made.append(flow.create_project(name, Studio))
            if len(made) == 1:
                other.set("/k", 1)
            return name

        assert flow.transaction(body) == "p1"
        assert flow.projects() == ["p1"]
        assert flow.project("p1") is made[1]
        with pytest.raises(gf.MissingChildError):
            flow.project("p0")

    @pytest.mark.parametrize(
        ("read", "change"),
        [
            *READS_AND_CHANGES,
            pytest.param(
                lambda s: s.ordered_add("/m", {"new": 1}),
                lambda s: s.ordered_add("/m", {"new": 2}),
                id="add",
            ),
        ],
    )
    def test_every_kind_of_read_is_checked(
        self,
        two: tuple[gf.RedisStore, gf.RedisStore],
        read: Callable[[gf.Store], Any],
        change: Callable[[gf.Store], Any],
    ) -> None:
        """Whatever the transaction read, a change to it between the read and the commit
        is a conflict."""
        store, other = two
        seed_reads(store)

        def body() -> None:
            read(store)
            change(other)
            store.set("/written", True)

        with pytest.raises(gf.ConflictError):
            store.transaction(body, retries=0)
        assert store.get("/written", ABSENT) is ABSENT

    @pytest.mark.parametrize(
        ("read", "change"),
        [
            *READS_AND_CHANGES,
            pytest.param(
                lambda s: (s.hash_items("/h"), s.hash_get("/h", "f")),
                lambda s: s.hash_set("/h", "f", 2),
                id="field-of-hash-all",
            ),
        ],
    )
    def test_a_second_read_sees_what_the_first_saw(
        self,
        two: tuple[gf.RedisStore, gf.RedisStore],
        read: Callable[[gf.Store], Any],
        change: Callable[[gf.Store], Any],
    ) -> None:
        """Within one attempt a thing read twice reads the same, though another writer
        changed it in between (the commit then conflicts, and the next attempt sees the
        change): an attempt never sees two states of one thing."""
        store, other = two
        seed_reads(store)
        attempts: list[tuple[Any, Any]] = []

        def body() -> None:
            first = read(store)
            if not attempts:
                change(other)
            attempts.append((first, read(store)))
            store.set("/written", True)

        store.transaction(body, retries=1)
        [(first, again), (after, after_again)] = attempts
        assert again == first
        assert after != first
        assert after_again == after
        assert store.get("/written") is True

    def test_a_thing_read_twice_costs_one_round_trip(self, private_server: RedisServer) -> None:
        """A transaction asks the server once for each thing it reads, however often it
        reads it (a field of a hash read whole included): a workflow transition reads a
        status several times."""
        store = gf.RedisStore(private_server.url, prefix="studio")
        try:
            store.set("/k", 1)
            store.hash_set("/h", "f", 1)
            store.ordered_add("/m", {"a": 1})

            def body() -> None:
                for _ in range(3):
                    store.get("/k")
                    store.hash_items("/h")
                    store.hash_get("/h", "f")
                    store.ordered_get("/m", "a")
                    store.ordered_len("/m")
                    store.ordered_range("/m")
                store.set("/out", store.get("/k") + 1)

            with sent_to(private_server) as sent:
                store.transaction(body)
            assert [command.split()[0] for command in sent] == [
                "HGET",  # /k
                "HGETALL",  # /h, then its field too
                "HGET",  # /m's member a
                "ZCARD",  # /m's length
                "ZRANGE",  # /m's names
                "EVALSHA",  # the commit
            ], sent
            assert store.get("/out") == 2
        finally:
            store.close()

    def test_a_name_taken_since_a_stale_read_is_a_conflict(
        self, two: tuple[gf.RedisStore, gf.RedisStore]
    ) -> None:
        """A transaction numbers a new member from a length another writer has changed
        since it read it: the name it adds is taken by now, and that is a lost race
        (ConflictError: it runs again on the new length), not an ExistsError."""
        store, other = two
        store.ordered_add("/log", {"1": "first"})
        numbers: list[int] = []

        def append() -> int:
            number = store.ordered_len("/log") + 1
            numbers.append(number)
            if len(numbers) == 1:
                other.ordered_add("/log", {str(number): "theirs"})  # took it meanwhile
            store.ordered_add("/log", {str(number): "mine"})
            return number

        assert store.transaction(append) == 3
        assert numbers == [2, 3]
        assert store.ordered_range("/log") == ["1", "2", "3"]
        assert [store.ordered_get("/log", n) for n in "123"] == ["first", "theirs", "mine"]

    def test_a_name_taken_in_the_state_read_is_an_exists_error(
        self, two: tuple[gf.RedisStore, gf.RedisStore]
    ) -> None:
        """Adding a name the map had when the transaction read it is the caller's
        mistake: ExistsError at once, not a run again, and nothing written."""
        store, _ = two
        store.ordered_add("/log", {"1": "first"})

        def append() -> None:
            store.ordered_len("/log")
            store.set("/written", True)
            store.ordered_add("/log", {"1": "again"})

        with pytest.raises(gf.ExistsError, match=exact("/log already has '1'")):
            store.transaction(append, retries=0)
        assert store.get("/written", ABSENT) is ABSENT
        assert store.ordered_get("/log", "1") == "first"

    def test_a_read_only_transaction_sees_one_moment(
        self, two: tuple[gf.RedisStore, gf.RedisStore]
    ) -> None:
        """Reads alone are checked too: a pair read while another writer moves both
        values comes out as a pair that existed together."""
        store, other = two
        store.set("/a", 0)
        store.set("/b", 0)
        moved: list[bool] = []

        def pair() -> tuple[int, int]:
            a = store.get("/a")
            if not moved:
                moved.append(True)
                with other.batch():  # a and b always move together
                    other.set("/a", 1)
                    other.set("/b", 1)
            return a, store.get("/b")

        assert store.transaction(pair) == (1, 1)

    def test_inside_a_batch_the_batch_commit_checks(
        self, two: tuple[gf.RedisStore, gf.RedisStore]
    ) -> None:
        """A transaction in a batch cannot run again alone: the batch checks its reads
        when it commits, and raises ConflictError (nothing written) if they changed."""
        store, other = two
        store.set("/k", 0)

        def batch() -> None:
            with store.batch():
                store.set("/before", 1)
                store.transaction(lambda: store.set("/out", store.get("/k") + 1))
                other.set("/k", 5)

        with pytest.raises(gf.ConflictError):
            batch()
        assert store.get("/before", ABSENT) is ABSENT
        assert store.get("/out", ABSENT) is ABSENT

    def test_a_slow_transaction_gets_its_turn_against_fast_ones(
        self, url: str, raw: redis.Redis, prefix: str
    ) -> None:
        """Two threads commit read-then-write transactions on one counter as fast as
        they can; a third takes 20 ms between its read and its write, so without a turn
        it would lose every attempt and give up. After a few losses it claims the turn,
        the fast ones wait, and each of its transactions commits; the count is exact."""
        stores = [gf.RedisStore(url) for _ in range(3)]
        fast_stores, slow = stores[:2], stores[2]
        slow.set("/counter", 0)
        stop = threading.Event()
        fast_counts = [0, 0]

        def fast(number: int) -> None:
            store = fast_stores[number]
            while not stop.is_set():
                store.transaction(lambda: store.set("/counter", store.get("/counter") + 1))
                fast_counts[number] += 1

        def slow_bump() -> int:
            value = slow.get("/counter") + 1
            time.sleep(0.02)
            slow.set("/counter", value)
            return value

        threads = [threading.Thread(target=fast, args=(n,)) for n in range(2)]
        try:
            for thread in threads:
                thread.start()
            assert eventually(lambda: min(fast_counts) > 20), "the fast writers never ran"
            slow_results = [slow.transaction(slow_bump) for _ in range(5)]
        finally:
            stop.set()
            for thread in threads:
                thread.join(30)
            total = slow.get("/counter")
            for store in stores:
                store.close()
        assert slow_results == sorted(set(slow_results))
        assert total == sum(fast_counts) + 5
        assert raw.get(prefix + ":turn") is None, "the last commit freed the turn"

    def test_giving_up_frees_the_turn(
        self, two: tuple[gf.RedisStore, gf.RedisStore], raw: redis.Redis, prefix: str
    ) -> None:
        """Plain writes do not wait for the turn: a transaction they change every time
        gives up with ConflictError, and frees the turn it claimed on the way, so the
        others' transactions do not wait for it to run out."""
        store, other = two
        store.set("/k", 0)
        claimed: list[bytes | None] = []

        def body() -> None:
            store.get("/k")
            claimed.append(raw.get(prefix + ":turn"))
            other.set("/k", len(claimed))

        with pytest.raises(gf.ConflictError):
            store.transaction(body, retries=5)
        assert claimed[:3] == [None, None, None]
        assert len(claimed) == 6
        assert all(claimed[3:]), "from the fourth attempt on, it holds the turn"
        assert raw.get(prefix + ":turn") is None
        assert other.transaction(lambda: other.set("/k", other.get("/k") + 1)) is None
        assert store.get("/k") == 7


# -- values another program wrote -----------------------------------------------------------------


class TestCorruptValues:
    @pytest.mark.parametrize(
        ("stored", "problem"),
        [
            pytest.param(b"{not json", "is not valid JSON", id="not-json"),
            pytest.param(b'"\xff"', "is not UTF-8 text", id="not-utf8"),
            pytest.param(b'"\xed\xa0\x80"', "is not UTF-8 text", id="surrogate-bytes"),
            pytest.param(b"[" * 5000 + b"]" * 5000, "is not valid JSON", id="too-deep"),
        ],
    )
    @pytest.mark.parametrize(
        ("where", "read"),
        [
            pytest.param("v", lambda s: s.get("/k"), id="value"),
            pytest.param("h:/k", lambda s: s.hash_get("/k", "f"), id="hash-field"),
            pytest.param("h:/k", lambda s: s.hash_items("/k"), id="hash"),
            pytest.param("ov:/k", lambda s: s.ordered_get("/k", "f"), id="member"),
        ],
    )
    def test_is_a_store_error_naming_the_key(
        self,
        redis_server: RedisServer,
        prefix: str,
        stored: bytes,
        problem: str,
        where: str,
        read: Callable[[gf.Store], Any],
    ) -> None:
        """As on SQLite: a StoreError naming the key, never a raw decoding error; the
        store keeps working afterwards."""
        binary = redis.Redis.from_url(redis_server.url)
        store = gf.RedisStore(f"{redis_server.url}?prefix={prefix}")
        try:
            field = "/k" if where == "v" else "f"
            binary.hset(f"{prefix}:{where}", field, stored)
            with pytest.raises(gf.StoreError, match=re.escape(problem)) as info:
                read(store)
            assert "'/k" in str(info.value)
            store.set("/fine", 1)
            assert store.get("/fine") == 1
        finally:
            store.close()
            hang_up(binary)


# -- maps told of another process's removal ----------------------------------------------------


class TestRemoteRemoval:
    def test_a_heard_removal_empties_every_view_of_the_item(self, films_url: str) -> None:
        """Another flow removes f01; once this flow heard it, ``in``, ``map[name]``,
        ``len`` and iteration all agree it is gone (issue 12: ``in`` and ``[]`` kept it)."""
        mine, theirs = gf.RedisStore(films_url), gf.RedisStore(films_url)
        flow = gf.Flow(session(), mine)
        removed = threading.Event()
        try:
            films = flow.project("p").films
            built = films["f01"]
            assert "f01" in films
            gf.subscribe(films, lambda oid: removed.set() if oid == "/p/films/f01" else None)
            gf.Flow(session(), theirs).project("p").films.remove("f01")
            assert removed.wait(5)
            assert "f01" not in films
            with pytest.raises(gf.MissingChildError, match="has no item 'f01'"):
                films["f01"]
            assert len(films) == 1
            assert list(films) == ["f02"]
            assert built.title.get() == ""  # a handle kept elsewhere reads the store
        finally:
            flow.close()
            mine.close()
            theirs.close()


# -- the store's own connection and its listener (W1_redis_add's fast paths) -------------------


def own_client_id(store: gf.RedisStore) -> int:
    """The server's id for the connection the store sends its scripts on."""
    store.get("/warm-up")  # a script call: the connection exists from here on
    with store._own_lock:
        store._own.send(b"*2\r\n$6\r\nCLIENT\r\n$2\r\nID\r\n")
        return int(store._own.reply())


def last_command(raw: redis.Redis, client_id: int) -> str:
    [client] = [c for c in raw.client_list() if int(c["id"]) == client_id]
    return str(client["cmd"])


#: Text beyond ASCII and a lone surrogate: what the store's packer must encode as redis-py.
VALUE = {"x": [1, "é", "\ud800"]}


def every_kind_of_call(store: gf.RedisStore) -> list[Any]:
    """Writes, reads and refusals, each outcome (a result or an error's message) noted."""
    outcomes: list[Any] = []

    def note(call: Callable[[], Any]) -> None:
        try:
            outcomes.append(call())
        except gf.GraftflowError as exc:  # ExistsError, InvalidValueError
            outcomes.append((type(exc).__name__, str(exc)))

    note(lambda: store.set("/a", VALUE))
    note(lambda: store.get("/a"))
    note(lambda: store.incr("/n", 5))
    note(lambda: store.incr("/a"))  # not an int: refused
    note(lambda: store.ordered_add("/m", {"s1": None, "s2": "T"}))
    note(lambda: store.ordered_add("/m", {"s2": None}))  # taken: refused
    note(lambda: store.ordered_range("/m"))
    note(lambda: store.ordered_get("/m", "s2"))
    note(lambda: store.ordered_remove("/m", "s1"))
    note(lambda: store.ordered_remove("/m", "s1"))
    note(lambda: store.hash_set("/h", "f", 2))
    note(lambda: store.hash_items("/h"))
    note(lambda: store.delete("/a"))
    note(lambda: store.delete("/a"))
    note(lambda: store.get("/a", "gone"))
    return outcomes


class TestOwnConnection:
    @pytest.mark.parametrize(
        "args",
        [
            ["EVALSHA", "0" * 40, 0],
            ["EVALSHA", "abc", 0, "graftflow:", "", "é ü 漢字", "\ud800\udfff", "\ud800"],
            ["EVALSHA", "abc", 0, -(2**63), 2**63 - 1, "x" * 70_000, "a b c"],
        ],
    )
    def test_the_packer_writes_what_redis_py_writes(self, args: list[Any]) -> None:
        """_pack (W1_redis_add) against redis-py's pack_command with the store's
        encoding: the same bytes, for every kind of argument the store sends."""
        from graftflow.stores._redis import _pack

        connection = redis.Connection(encoding_errors="surrogatepass")
        assert _pack(args) == b"".join(connection.pack_command(*args))

    def test_both_paths_answer_alike(self, redis_server: RedisServer, raw: redis.Redis) -> None:
        """Every kind of call gives the same results and the same refusals on the
        store's own connection as on redis-py's pool (taken while the own one is busy)."""
        own, pooled = gf.RedisStore(f"{redis_server.url}?prefix={new_prefix()}"), None
        try:
            pooled = gf.RedisStore(f"{redis_server.url}?prefix={new_prefix()}")
            busy = own_client_id(pooled)
            with pooled._own_lock:  # held by this thread: every script call takes the pool
                by_pool = every_kind_of_call(pooled)
            assert last_command(raw, busy) == "client|id"  # the own connection sent nothing
            used = own_client_id(own)
            by_own = every_kind_of_call(own)
            assert last_command(raw, used) == "evalsha"
            assert by_own == by_pool
            refused = f"/a: cannot increment {VALUE!r}, it is not an int"
            assert ("InvalidValueError", refused) in by_own
        finally:
            for store in (own, pooled):
                if store is not None:
                    store.close()

    def test_a_forgotten_script_is_loaded_again(
        self, store: gf.RedisStore, raw: redis.Redis
    ) -> None:
        """After SCRIPT FLUSH (or a server restart) the next write and read still run."""
        store.set("/a", 1)
        raw.script_flush()
        store.set("/a", 2)
        raw.script_flush()
        other = gf.RedisStore(store.url)
        try:
            assert other.get("/a") == 2  # a cold read: a script too
        finally:
            other.close()
        assert store.incr("/a") == 3

    def test_a_connection_the_server_dropped_is_made_again_before_a_write(
        self, store: gf.RedisStore, raw: redis.Redis
    ) -> None:
        """The server dropped the idle connection (CLIENT KILL, an idle timeout): the next
        write connects again before it sends, so it is applied, not lost in between."""
        raw.client_kill_filter(_id=str(own_client_id(store)))
        store.set("/a", "after")
        assert raw.hget(f"{store._prefix}v", "/a") == '"after"'

    def test_the_listener_subscribes_again_when_its_connection_is_dropped(
        self, url: str, raw: redis.Redis, prefix: str
    ) -> None:
        """CLIENT KILL of the listener's connection: it connects and subscribes again,
        and then hears another process's change."""
        mine, theirs = gf.RedisStore(url), gf.RedisStore(url)
        heard: list[list[str]] = []
        try:
            mine.watch(heard.append)
            assert subscribers(raw, prefix) == 2
            raw.client_kill_filter(_type="pubsub")
            assert eventually(lambda: subscribers(raw, prefix) == 2)
            assert eventually(lambda: mine._live)
            theirs.set("/a", 1)
            assert eventually(lambda: ["/a"] in heard)
            assert mine.get("/a") == 1
        finally:
            mine.close()
            theirs.close()

    def test_a_read_after_own_writes_never_misses_another_process_change(self, url: str) -> None:
        """The listener lets the store's own notifications gather; another process's
        change that arrives meanwhile is still never served stale once this store saw
        the server past it (a read waiting for the listener ends its pause)."""
        mine, theirs = gf.RedisStore(url), gf.RedisStore(url)
        try:
            for round_ in range(50):
                mine.set("/x", f"mine {round_}")
                assert mine.get("/x") == f"mine {round_}"  # cached
                theirs.set("/x", f"theirs {round_}")
                mine.set("/y", round_)  # this reply shows the server past their write
                assert mine.get("/x") == f"theirs {round_}"
        finally:
            mine.close()
            theirs.close()
