"""The Redis store's own reply reader (W1_redis_add, issue 12) against redis-py's.

Every reply the store reads itself must be what redis-py would have given the store's
client (``decode_responses=True``, ``encoding_errors="surrogatepass"``), on RESP2 and
RESP3, whole or cut anywhere between reads; an error reply is redis-py's exception; text
that is not UTF-8 fails only once the reply was read whole, so the connection stays in
step with the server.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

redis = pytest.importorskip("redis", reason="the redis package is missing: pip install redis")

from redis_server import RedisServer, hang_up  # noqa: E402

from graftflow.stores._resp import MORE, Reader, Wire  # noqa: E402

#: Scripts whose replies cover every shape the store's scripts and messages take.
SCRIPTS = [
    "return 1",
    "return -9007199254740993",
    "return 'ok'",
    "return {'ok', 17, {'a', 'b', {}}, 'é ü 漢字'}",
    "return {1, false, 3}",  # false is nil, inside an array
    "return false",
    "return {}",
    "return string.rep('x', 300000)",  # longer than one read
    "local t = {} for i = 1, 5000 do t[i] = tostring(i) end return t",
    "return redis.status_reply('FINE')",
    "return {redis.error_reply('ERR inside an array'), 2}",
    "return '\\237\\144\\128'",  # an encoded lone surrogate: passed through, as redis-py
]

ERRORS = [
    ("return redis.error_reply('ERR refused')", redis.exceptions.ResponseError),
    ("return redis.error_reply('NOSCRIPT gone')", redis.exceptions.NoScriptError),
    ("return redis.error_reply('READONLY replica')", redis.exceptions.ReadOnlyError),
    ("error('a Lua failure')", redis.exceptions.ResponseError),
]


def _pack(*args: Any) -> bytes:
    from graftflow.stores._redis import _pack as pack

    return pack(list(args))


@pytest.fixture(params=[2, 3], ids=["RESP2", "RESP3"])
def clients(
    request: pytest.FixtureRequest, redis_server: RedisServer
) -> Iterator[tuple[Any, Wire]]:
    """redis-py's client and a :class:`Wire`, both speaking the protocol version given."""
    client = redis.Redis.from_url(
        redis_server.url,
        decode_responses=True,
        encoding_errors="surrogatepass",
        protocol=request.param,
    )
    pool = client.connection_pool
    wire = Wire(pool.connection_class(**pool.connection_kwargs))
    yield client, wire
    wire.disconnect()
    hang_up(client)


def shape(reply: Any) -> Any:
    """A reply with its errors as (type, message): exceptions do not compare equal."""
    if isinstance(reply, Exception):
        return type(reply), str(reply)
    if isinstance(reply, list):
        return [shape(item) for item in reply]
    return reply


def ask(wire: Wire, *args: Any) -> Any:
    wire.fresh()
    wire.send(_pack(*args))
    return wire.reply()


@pytest.mark.parametrize("script", SCRIPTS)
def test_replies_are_what_redis_py_reads(clients: tuple[Any, Wire], script: str) -> None:
    client, wire = clients
    by_redis_py = client.execute_command("EVAL", script, 0)
    assert shape(ask(wire, "EVAL", script, 0)) == shape(by_redis_py)
    assert ask(wire, "ECHO", "next") == "next"  # read whole: still in step


@pytest.mark.parametrize(("script", "error"), ERRORS)
def test_error_replies_are_redis_py_exceptions(
    clients: tuple[Any, Wire], script: str, error: type[Exception]
) -> None:
    client, wire = clients
    with pytest.raises(error) as by_redis_py:
        client.execute_command("EVAL", script, 0)
    with pytest.raises(error) as ours:
        ask(wire, "EVAL", script, 0)
    assert type(ours.value) is type(by_redis_py.value)
    assert str(ours.value) == str(by_redis_py.value)
    assert ask(wire, "EVAL", "return 'next'", 0) == "next"  # the error was read whole


def test_text_that_is_not_utf8_fails_after_the_whole_reply(clients: tuple[Any, Wire]) -> None:
    client, wire = clients
    script = "return {'before', '\\255\\254', 'after'}"
    with pytest.raises(UnicodeDecodeError):
        client.execute_command("EVAL", script, 0)
    with pytest.raises(UnicodeDecodeError):
        ask(wire, "EVAL", script, 0)
    assert ask(wire, "EVAL", "return 'in step'", 0) == "in step"


def test_pubsub_messages_in_one_read(clients: tuple[Any, Wire]) -> None:
    """The listener's case: a run of messages that came together, each parsed whole."""
    client, wire = clients
    wire.fresh()
    wire.send(_pack("SUBSCRIBE", "chan"))
    subscribed = next(wire.replies(5))
    assert subscribed[0] == "subscribe"
    assert subscribed[1:] == ["chan", 1]
    for i in range(50):
        client.publish("chan", f"n{i}\nline é")
    heard: list[Any] = []
    while len(heard) < 50:
        heard.extend(wire.replies(5))
    assert heard == [["message", "chan", f"n{i}\nline é"] for i in range(50)]
    assert list(wire.replies(0)) == []  # nothing more came: no wait


def test_a_closed_connection_is_made_again_before_sending(
    clients: tuple[Any, Wire], redis_server: RedisServer
) -> None:
    client, wire = clients
    assert ask(wire, "CLIENT", "SETNAME", "wire-test") == "OK"
    [mine] = [c for c in client.client_list() if c["name"] == "wire-test"]
    client.client_kill_filter(_id=mine["id"])
    assert ask(wire, "PING") == "PONG"  # fresh() saw the server's close first


def test_a_lost_connection_is_a_connection_error(redis_server: RedisServer, tmp_path: Any) -> None:
    """The server goes away while a reply is awaited: redis-py's ConnectionError, and the
    wire is disconnected (the next command connects again)."""
    server = RedisServer(tmp_path)
    server.start()
    try:
        client = redis.Redis.from_url(server.url, decode_responses=True)
        pool = client.connection_pool
        wire = Wire(pool.connection_class(**pool.connection_kwargs))
        wire.fresh()
        wire.send(_pack("PING"))
        assert wire.reply() == "PONG"
        wire.send(_pack("SHUTDOWN", "NOSAVE"))
        with pytest.raises(redis.exceptions.ConnectionError):
            wire.reply()
        assert wire.connection._sock is None
    finally:
        server.stop()


# -- the parser alone, cut at every byte ------------------------------------------------

STREAM = (
    b"*3\r\n$2\r\nok\r\n:17\r\n*2\r\n$-1\r\n_\r\n"
    b">3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$5\r\nhello\r\n"
    b"%1\r\n+k\r\n,1.5\r\n"
    b"~2\r\n#t\r\n#f\r\n"
    b"(12345678901234567890\r\n"
    b"=8\r\ntxt:abcd\r\n"
    b"-ERR nope\r\n"
    b"$0\r\n\r\n"
)
PARSED = [
    ["ok", 17, [None, None]],
    ["message", "c", "hello"],
    {"k": 1.5},
    [True, False],
    12345678901234567890,
    "abcd",
]


def drain(reader: Reader) -> list[Any]:
    out = []
    while (reply := reader.gets()) is not MORE:
        out.append(reply)
    return out


@pytest.mark.parametrize("cut", range(1, len(STREAM)))
def test_a_stream_cut_anywhere_parses_the_same(cut: int) -> None:
    reader = Reader()
    reader.feed(STREAM[:cut])
    replies = drain(reader)
    reader.feed(STREAM[cut:])
    replies += drain(reader)
    assert replies[:6] == PARSED
    assert isinstance(replies[6], redis.exceptions.ResponseError)
    assert str(replies[6]) == "nope"  # as redis-py: the code is the exception's type
    assert replies[7] == ""
    assert not reader.has_data()


def test_bytes_fed_one_at_a_time() -> None:
    reader = Reader()
    replies: list[Any] = []
    for i in range(len(STREAM)):
        reader.feed(STREAM[i : i + 1])
        replies += drain(reader)
    assert replies[:6] == PARSED
    assert len(replies) == 8


def test_an_unknown_reply_type_is_refused() -> None:
    reader = Reader()
    reader.feed(b"?what\r\n")
    with pytest.raises(redis.exceptions.InvalidResponse, match="unexpected reply"):
        reader.gets()
