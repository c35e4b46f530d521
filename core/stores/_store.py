"""The store protocol: where values live (the seed's CaseData).

Objects never hold their values; they read and write them in a store under their oid.
One small protocol serves every backend: plain keys, hashes, and *ordered maps*
(insertion-ordered names, each with a JSON value) that back :class:`~graftflow.Map`,
plus atomic batches. Keeping the protocol small is what lets the same conformance
suite run on memory, SQLite and Redis with no store-specific gaps.

Keys are oids (``/project/films/f01/status``) or internal keys starting with ``!``,
which never collide with an oid.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from typing import Any, Final, NamedTuple, Protocol, TypeVar, overload, runtime_checkable

from graftflow._errors import ConflictError, StoreError
from graftflow._json import JSONValue

__all__ = [
    "DEFAULT_RETRIES",
    "MISSING",
    "Store",
    "Transactional",
    "check_range",
    "display_url",
    "iter_names",
    "known_store_schemes",
    "open_store",
    "quote_names",
    "register_store_scheme",
]


class _Missing:
    """The type of :data:`MISSING`; one instance, falsy, with a readable repr."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


#: Passed as ``default`` to tell "no value" apart from a stored ``None``.
MISSING: Any = _Missing()

T = TypeVar("T")

#: How many more times ``transaction(fn)`` runs ``fn`` after a conflict, by default.
DEFAULT_RETRIES: Final = 20
#: Backoff between attempts: random, up to this first, doubling, never above the cap, so
#: writers that collided do not collide again in step.
_BACKOFF_FIRST: Final = 0.001
_BACKOFF_CAP: Final = 0.05


@runtime_checkable
class Store(Protocol):
    """What every value store offers. All values are JSON (see :mod:`graftflow._json`).

    Writes outside a :meth:`batch` are atomic one by one; inside, they are atomic all
    together. Batches nest like savepoints: a failing inner batch undoes only its own
    writes, the outermost one commits everything or nothing. A :meth:`transaction`
    adds isolation: what it read is still what the store holds when it commits.
    """

    #: A URL that :func:`open_store` would accept to open this store again.
    url: str

    def get(self, key: str, default: Any = None) -> Any:
        """Return the value at ``key``, or ``default`` if there is none."""

    def set(self, key: str, value: JSONValue) -> None:
        """Store ``value`` at ``key``; :class:`InvalidValueError` if it is not JSON."""

    def delete(self, key: str) -> bool:
        """Delete the value at ``key``; return whether there was one."""

    def incr(self, key: str, amount: int = 1) -> int:
        """Atomically add ``amount`` to the int at ``key`` (missing counts as 0)."""

    def delete_tree(self, key: str) -> None:
        """Delete everything at ``key`` and under ``key + "/"``: a removed subtree."""

    def hash_get(self, key: str, field: str, default: Any = None) -> Any:
        """Return one field of the hash at ``key``."""

    def hash_set(self, key: str, field: str, value: JSONValue) -> None:
        """Set one field of the hash at ``key``."""

    def hash_delete(self, key: str, field: str) -> bool:
        """Delete one field; return whether it existed."""

    def hash_items(self, key: str) -> dict[str, Any]:
        """Return the whole hash at ``key`` (empty if none)."""

    def ordered_add(self, key: str, items: Mapping[str, JSONValue]) -> None:
        """Append new names (with a value each) to the ordered map at ``key``.

        All or nothing: if any name already exists, :class:`ExistsError` lists them and
        nothing is written. This is what makes concurrent ``Map.add`` safe.
        """

    def ordered_get(self, key: str, name: str, default: Any = None) -> Any:
        """Return the value stored with ``name``, or ``default`` if it is not a member."""

    def ordered_remove(self, key: str, name: str) -> bool:
        """Remove ``name``; return whether it was a member."""

    def ordered_len(self, key: str) -> int:
        """Return how many names the ordered map at ``key`` holds (O(1))."""

    def ordered_range(self, key: str, start: int = 0, stop: int | None = None) -> list[str]:
        """Return names ``[start:stop]`` in insertion order (non-negative bounds)."""

    def ordered_clear(self, key: str) -> None:
        """Remove every name of the ordered map at ``key``."""

    def batch(self) -> AbstractContextManager[None]:
        """Group writes into one atomic transaction (see the class docstring)."""

    @overload
    def transaction(
        self, fn: None = None, *, retries: int = ...
    ) -> AbstractContextManager[None]: ...

    @overload
    def transaction(self, fn: Callable[[], T], *, retries: int = ...) -> T: ...

    def transaction(self, fn: Callable[[], T] | None = None, *, retries: int = ...) -> Any:
        """Run ``fn()`` isolated from other writers, atomically; return its result.

        A batch whose reads are protected too: memory and SQLite lock out other
        writers for the whole call; Redis checks at commit that nothing ``fn`` read has
        changed and runs ``fn`` again if it has, up to ``retries`` more times, then
        raises :class:`ConflictError` (nothing written). Without ``fn``, a context
        manager for one attempt (Redis raises ConflictError at its end instead of
        running the block again). See :class:`Transactional`.
        """

    def on_commit(self, callback: Callable[[], object]) -> None:
        """Run ``callback`` once this thread's outermost batch commits; now, outside one.

        Dropped if the batch (or the nested batch that queued it) rolls back, so a
        listener never hears of writes that did not happen. Stores implement it with
        :class:`graftflow.stores._commit.CommitCallbacks` around their ``batch()``.
        """

    def close(self) -> None:
        """Release connections; later calls raise :class:`StoreError`."""


class Transactional:
    """The one ``transaction()`` of every store, and of :class:`~graftflow.Flow`.

    A class provides :meth:`_attempt`: a context manager that runs its block as one
    isolated, atomic attempt (a batch level, and its commit) and raises
    :class:`ConflictError` from its exit when the attempt must be run again. The retry
    loop lives here, once: an attempt that conflicted has committed nothing (its
    writes, and the commit callbacks it queued, are dropped with it), so running
    ``fn`` again is safe.
    """

    def _attempt(self) -> AbstractContextManager[None]:
        raise NotImplementedError

    def _gave_up(self) -> None:
        """Called when the retries ran out (a store that made a thread wait for its
        turn frees it here)."""

    @overload
    def transaction(
        self, fn: None = None, *, retries: int = DEFAULT_RETRIES
    ) -> AbstractContextManager[None]: ...

    @overload
    def transaction(self, fn: Callable[[], T], *, retries: int = DEFAULT_RETRIES) -> T: ...

    def transaction(
        self, fn: Callable[[], T] | None = None, *, retries: int = DEFAULT_RETRIES
    ) -> Any:
        """Run ``fn()`` isolated from other writers, atomically; return its result.

        :param retries: how many more times to run ``fn`` when another writer changed
            what it read before it could commit (Redis only: the other stores lock).
        :raises ConflictError: still conflicting after the retries; nothing written.

        Without ``fn``, a context manager for one attempt: ``with store.transaction():``.
        It cannot run its block again, so where a conflict is possible (Redis) it raises
        :class:`ConflictError` at its end instead, nothing written.
        """
        if type(retries) is not int or retries < 0:
            raise ValueError(f"transaction(retries=...) takes an int >= 0, not {retries!r}")
        if fn is None:
            if retries != DEFAULT_RETRIES:
                raise TypeError(
                    "transaction(retries=...) needs the function form: a with-block "
                    "cannot be run again; use transaction(fn, retries=...)"
                )
            return self._attempt()
        changed: dict[str, None] = {}
        for number in range(retries + 1):
            try:
                with self._attempt():
                    return fn()
            except ConflictError as exc:
                changed.update(dict.fromkeys(exc.oids))
                if number < retries:
                    import random  # only after a conflict: not on every import of graftflow

                    time.sleep(random.uniform(0, min(_BACKOFF_CAP, _BACKOFF_FIRST * 2**number)))
        self._gave_up()
        oids = tuple(changed)
        raise ConflictError(
            oids,
            f"a transaction gave up after {retries + 1} attempts: other writers kept "
            f"changing {quote_names(list(oids))} before it could commit; nothing was "
            "written (try again later, or pass a larger retries=)",
        )


StoreFactory = Callable[[str, bool], Store]


class _Scheme(NamedTuple):
    factory: StoreFactory
    #: How the scheme's URLs look, for messages listing the known schemes.
    example: str


#: Schemes registered for the whole process, in registration order: the built-in ones
#: first (graftflow.stores registers them on import, as any backend would be), then
#: those of programs. A plugin's come per session instead (see open_store's schemes).
_SCHEMES: dict[str, _Scheme] = {}
_schemes_lock: Final = threading.Lock()


def register_store_scheme(
    scheme: str, factory: StoreFactory, *, example: str | None = None
) -> Callable[[], None]:
    """Teach :func:`open_store` a URL scheme for the whole process; return the undo.

    For a scheme every session of a program should know. Plugins' schemes (the
    ``graftflow_store_schemes()`` hook) are per session instead: pass them to
    :func:`open_store` as ``schemes``.

    :param factory: ``factory(url, create) -> Store``.
    :param example: how a URL of the scheme looks (``"s3://BUCKET/KEY"``), shown when
        a URL is refused; default ``"scheme://..."``.
    :raises ValueError: the scheme is registered already (the built-in ones are too).
    """
    entry = _Scheme(factory, example or f"{scheme}://...")
    with _schemes_lock:
        if scheme in _SCHEMES:
            raise ValueError(f"store scheme {scheme!r} is already registered")
        _SCHEMES[scheme] = entry

    def unregister() -> None:
        with _schemes_lock:
            if _SCHEMES.get(scheme) is entry:
                del _SCHEMES[scheme]

    return unregister


def known_store_schemes() -> frozenset[str]:
    """The schemes :func:`open_store` knows for every caller: built in or registered."""
    return frozenset(_SCHEMES)


def _known_schemes(more: Mapping[str, StoreFactory]) -> str:
    shown = [entry.example for entry in list(_SCHEMES.values())]
    shown += [f"{scheme}://..." for scheme in sorted(set(more) - set(_SCHEMES))]
    return ", ".join(shown)


def open_store(
    url: str, *, create: bool = True, schemes: Mapping[str, StoreFactory] | None = None
) -> Store:
    """Open the store a URL names.

    ``memory://`` is a fresh in-process store. ``sqlite:///PATH`` follows the
    SQLAlchemy convention: three slashes then the path, so ``sqlite:///studio.db`` is
    relative to the working directory and ``sqlite:////srv/studio.db`` is absolute;
    ``~`` is expanded. ``redis://host:port/db[?prefix=name]`` is a shared
    :class:`~graftflow.RedisStore`. Other schemes come from
    :func:`register_store_scheme`, or from ``schemes``.

    :param create: create a missing SQLite file (``False``: a missing file is an error).
    :param schemes: more schemes for this call only, ``{scheme: factory(url, create)}``:
        a session's plugins' (``graftflow.extensions.store_schemes(session)``).
    """
    more: Mapping[str, StoreFactory] = schemes or {}
    if not isinstance(url, str) or not url:
        raise StoreError(f"a store URL must be a non-empty str, not {url!r}")
    scheme, sep, _ = url.partition("://")
    if not sep:
        hint = f"; did you mean 'sqlite:///{url}'?" if url.endswith((".db", ".sqlite")) else ""
        raise StoreError(f"{url!r} is not a store URL (known: {_known_schemes(more)}){hint}")
    entry = _SCHEMES.get(scheme)
    factory = entry.factory if entry is not None else more.get(scheme)
    if factory is None:
        raise StoreError(
            f"unknown store scheme {scheme!r} in {url!r} (known: {_known_schemes(more)})"
        )
    return factory(url, create)


def iter_names(store: Store, key: str, chunk: int = 1000) -> Iterator[str]:
    """Yield the names of an ordered map in pages, so a huge map is never loaded whole."""
    start = 0
    while True:
        names = store.ordered_range(key, start, start + chunk)
        yield from names
        if len(names) < chunk:
            return
        start += chunk


def display_url(url: str) -> str:
    """``url`` fit for messages and logs: a password in it becomes ``***``.

    Works on malformed URLs too (they end up in error messages): what looks like
    ``user:password@`` is masked even when the URL cannot be parsed.
    """
    from urllib.parse import urlsplit, urlunsplit

    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return re.sub(r"(//[^/?#@:]*:)[^/?#@]*@", r"\1***@", url)
    if password is None:
        return url
    netloc = parts.netloc.replace(f":{password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def quote_names(names: tuple[str, ...] | list[str], limit: int = 5) -> str:
    """``'a', 'b' and 3 more``: names for an error message, never a wall of text."""
    shown = ", ".join(repr(n) for n in names[:limit])
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return f"{shown}{more}"


def check_range(key: str, start: int, stop: int | None) -> None:
    """Refuse negative bounds: stores page with LIMIT/OFFSET, which has no negative form."""
    if start < 0 or (stop is not None and stop < 0):
        raise ValueError(f"{key}: ordered_range takes non-negative bounds, not {start}, {stop}")
