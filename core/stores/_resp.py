"""Reading Redis replies straight off a socket, for the Redis store's own connections.

W1_redis_add (issue 12): an add outside a batch is one script call, and its time is the
loopback round trip plus whatever runs around it in this process. redis-py's reply path
(a readiness probe that sets the socket's timeout twice and raises and catches a timeout,
then a parser in Python walking a buffer object line by line) cost about a third of an
add. :class:`Wire` keeps redis-py for what it does well (connecting: TLS, AUTH, SELECT,
the protocol handshake) and reads the replies itself: one ``poll`` before a command, one
``recv`` for its reply, parsed here from the bytes as they came.

:class:`Reader` understands RESP2 and the RESP3 types a script reply or a pub/sub message
can take, and answers as redis-py does for the store's client: text decoded as UTF-8
(lone surrogates passed through), integers as ``int``, nil as ``None``, an error reply as
redis-py's exception for it. tests/test_resp.py compares the two on real servers.
"""

from __future__ import annotations

import select
from collections.abc import Iterator
from typing import Any, Final

import redis.exceptions
from redis._parsers import BaseParser

__all__ = ["MORE", "Reader", "Wire"]


class _More:
    """The reply is not complete yet: more bytes must come first."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "MORE"


#: What :meth:`Reader.gets` returns until a whole reply has come.
MORE: Final = _More()

#: Bytes asked of the socket at a time (a page of a big map comes in a few reads).
_CHUNK: Final = 65536


class _Short(Exception):
    """Raised inside the parser: the buffer ends before the reply does."""


class Reader:
    """Replies parsed from bytes fed in as they come, in order (like hiredis' Reader).

    A reply split across reads is parsed again from its start once more bytes came;
    replies are small next to a read (an add's is 20 bytes), so that is rare and cheap.
    """

    __slots__ = ("_buf", "_pos")

    def __init__(self) -> None:
        self._buf = b""
        self._pos = 0

    def feed(self, data: bytes) -> None:
        if self._pos:
            self._buf = self._buf[self._pos :] + data
            self._pos = 0
        elif self._buf:
            self._buf += data
        else:
            self._buf = data

    def has_data(self) -> bool:
        """Whether bytes wait here that no reply took yet."""
        return self._pos < len(self._buf)

    def gets(self) -> Any:
        """The next whole reply, or :data:`MORE`; an error reply is returned as its
        exception, for the caller to raise (inside an array, it stays an element)."""
        buf = self._buf
        if self._pos >= len(buf):
            return MORE
        errors: list[UnicodeDecodeError] = []
        try:
            reply, self._pos = _parse(buf, self._pos, errors)
        except _Short:
            return MORE
        if self._pos == len(buf):
            self._buf, self._pos = b"", 0
        if errors:
            # Read whole first, so the connection stays in step with the server.
            raise errors[0]
        return reply


def _text(data: bytes, errors: list[UnicodeDecodeError]) -> str | None:
    try:
        return data.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError as exc:
        errors.append(exc)
        return None


def _parse(buf: bytes, pos: int, errors: list[UnicodeDecodeError]) -> tuple[Any, int]:
    """One reply of ``buf`` from ``pos``: ``(reply, where the next one starts)``."""
    end = buf.find(b"\r\n", pos)
    if end < 0:
        raise _Short
    kind = buf[pos]
    line = buf[pos + 1 : end]
    pos = end + 2
    if kind == 36 or kind == 61:  # $ bulk string, = verbatim string ("txt:" first)
        size = int(line)
        if size < 0:
            return None, pos
        stop = pos + size
        if stop + 2 > len(buf):
            raise _Short
        data = buf[pos + 4 if kind == 61 else pos : stop]
        return _text(data, errors), stop + 2
    if kind == 58 or kind == 40:  # : integer, ( big number
        return int(line), pos
    if kind == 42 or kind == 62 or kind == 126:  # * array, > push, ~ set
        count = int(line)
        if count < 0:
            return None, pos
        items = []
        for _ in range(count):
            item, pos = _parse(buf, pos, errors)
            items.append(item)
        return items, pos
    if kind == 43:  # + simple string
        return _text(line, errors), pos
    if kind == 45:  # - error: redis-py's exception for it, as its parsers make it
        return BaseParser.parse_error(line.decode("utf-8", "replace")), pos
    if kind == 95:  # _ null
        return None, pos
    if kind == 37:  # % map
        pairs: dict[Any, Any] = {}
        for _ in range(int(line)):
            key, pos = _parse(buf, pos, errors)
            pairs[key], pos = _parse(buf, pos, errors)
        return pairs, pos
    if kind == 35:  # # boolean
        return line == b"t", pos
    if kind == 44:  # , double
        return float(line), pos
    raise redis.exceptions.InvalidResponse(f"unexpected reply from the server: {buf[:80]!r}")


class Wire:
    """A redis-py connection whose replies are read here (see the module docstring).

    Not thread-safe: one thread uses it at a time (the store holds a lock; the listener
    has its own). Any failure leaves the connection disconnected, to connect again.
    """

    __slots__ = ("_poll", "_reader", "_sock", "connection")

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self._sock: Any = None
        self._poll: Any = None
        self._reader = Reader()

    def _socket(self) -> Any:
        """The connected socket: redis-py connects (and handshakes) when there is none."""
        sock = self.connection._sock
        if sock is None:
            self.connection.connect()
            sock = self.connection._sock
        if sock is not self._sock:  # a new connection: nothing read from it yet
            self._sock = sock
            self._poll = select.poll()
            self._poll.register(sock.fileno(), select.POLLIN | select.POLLPRI)
            self._reader = Reader()
        return sock

    def _waiting(self, timeout: float) -> bool:
        """Whether bytes can be read within ``timeout`` seconds (closed counts: its end
        of file is read)."""
        sock = self._socket()
        if self._reader.has_data() or (hasattr(sock, "pending") and sock.pending()):
            return True  # already here (TLS: decrypted but not read yet)
        return bool(self._poll.poll(timeout * 1000))

    def fresh(self) -> None:
        """Connect, or connect again if the server closed this connection or sent what
        nobody asked for: then a command sent next surely reaches it (a write fails
        only when the server cannot be reached, surely unsent)."""
        try:
            if not self._waiting(0):
                return
        except OSError:
            pass
        self.disconnect()
        self._socket()

    def send(self, packed: bytes) -> None:
        try:
            self._socket().sendall(packed)
        except TimeoutError as exc:
            self.disconnect()
            raise redis.exceptions.TimeoutError("Timeout writing to socket") from exc
        except OSError as exc:
            self.disconnect()
            raise redis.exceptions.ConnectionError(f"Error while writing to socket: {exc}") from exc

    def reply(self) -> Any:
        """The next reply, waiting for it (up to the socket's timeout); an error reply
        is raised."""
        # self._reader each time: a read that had to connect first made a new one.
        reply = self._reader.gets()
        while reply is MORE:
            self._read()
            reply = self._reader.gets()
        if isinstance(reply, redis.exceptions.ResponseError):
            raise reply
        return reply

    def replies(self, timeout: float) -> Iterator[Any]:
        """Every reply that comes within ``timeout`` seconds of the last read, read and
        parsed as it comes (the listener's messages: a run of them in one read)."""
        while True:
            reply = self._reader.gets()  # not kept: connecting again makes a new one
            if reply is MORE:
                if not self._waiting(timeout):
                    return
                self._read()
                continue
            yield reply

    def _read(self) -> None:
        try:
            data = self._socket().recv(_CHUNK)
        except TimeoutError as exc:
            self.disconnect()
            raise redis.exceptions.TimeoutError("Timeout reading from socket") from exc
        except OSError as exc:
            self.disconnect()
            raise redis.exceptions.ConnectionError(
                f"Error while reading from socket: {exc}"
            ) from exc
        if not data:
            self.disconnect()
            raise redis.exceptions.ConnectionError("Connection closed by server.")
        self._reader.feed(data)

    def disconnect(self) -> None:
        self._sock = None
        self._poll = None
        self._reader = Reader()
        self.connection.disconnect()
