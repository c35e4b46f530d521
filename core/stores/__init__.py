"""Where values live: the store protocol, ``open_store`` and the built-in backends.

The rest of the core reads and writes through the :class:`~graftflow.Store` protocol
only; this package is the one place that knows how a value reaches memory, a SQLite
file or a Redis server. ``_store`` holds the protocol and ``open_store``; each backend
is a module of its own, which ``_store`` never imports: the backends are registered
here like any other scheme, each imported only when a URL of its scheme is opened (so
``import graftflow`` never imports redis). The public names are re-exported by
``graftflow``.
"""

from __future__ import annotations

from graftflow._errors import StoreError

from ._store import Store, register_store_scheme

__all__: list[str] = []


def _open_memory(url: str, create: bool) -> Store:
    from ._memory import open_url

    return open_url(url, create)


def _open_sqlite(url: str, create: bool) -> Store:
    from ._sqlite import open_url

    return open_url(url, create)


def _open_redis(url: str, create: bool) -> Store:
    try:
        from ._redis import open_url
    except ImportError as exc:
        if exc.name is None or exc.name.partition(".")[0] != "redis":
            raise
        raise StoreError(
            f"{url!r}: the Redis store needs the redis package; pip install 'graftflow[redis]'"
        ) from None
    return open_url(url, create)


register_store_scheme("memory", _open_memory, example="memory://")
register_store_scheme("sqlite", _open_sqlite, example="sqlite:///PATH")
register_store_scheme("redis", _open_redis, example="redis://HOST:PORT/DB")
register_store_scheme("rediss", _open_redis, example="rediss://HOST:PORT/DB")
