"""Benchmark workloads for the core tree (imported by run.py and by the smoke test).

Each workload is a pair: a *setup* that builds what the measured part needs (never
timed) and a *measured* callable. Workloads return how many items they touched, so the
smoke test can check they really did the work.

:data:`WORKLOADS` build and read trees of objects; :data:`STORE_WORKLOADS` measure the
stores alone (get and set of small values, one by one or in one batch).
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import graftflow as gf
from graftflow.extensions import Extendable, dynamic_relation, per_type


class Shot(gf.Object):
    """The benchmark item: five params and one child, as in the issue's workloads."""

    status = gf.StringParam("wip")
    frame_in = gf.IntParam(1001)
    frame_out = gf.IntParam(1100)
    assignee = gf.StringParam("")
    notes = gf.Param()
    tasks = gf.Child(gf.Object)


class Shots(gf.Map[Shot]):
    pass


class Project(gf.Object):
    shots = gf.Child(Shots)


def names(n: int) -> list[str]:
    return [f"sh{i:07d}" for i in range(n)]


@dataclass
class Workload:
    name: str
    store_kind: str
    n: int
    #: Returns the measured callable (setup happens here, untimed).
    prepare: Callable[[], Callable[[], int]]


class Stores:
    """Makes stores of each kind in one temporary directory, and closes them all.

    :param redis_url: the server ``"redis"`` stores go to (each under a prefix of its
        own); without one, asking for a Redis store is an error.
    """

    def __init__(self, redis_url: str | None = None) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="graftflow-bench-")
        self._redis_url = redis_url
        self._opened: list[gf.Store] = []
        self._count = 0

    def new(self, kind: str) -> gf.Store:
        """A new, empty store of ``kind``."""
        return self.open(self.fresh_url(kind))

    def fresh_url(self, kind: str) -> str:
        """The URL of a new, empty store of ``kind`` (a file, a prefix of its own)."""
        self._count += 1
        if kind == "memory":
            return "memory://"
        if kind == "sqlite":
            return f"sqlite:///{Path(self._dir.name) / f'bench{self._count}.db'}"
        if kind == "redis":
            if self._redis_url is None:
                raise ValueError("no Redis server for this run: pass Stores(redis_url=...)")
            return f"{self._redis_url}?prefix=bench{uuid.uuid4().hex[:12]}"
        raise ValueError(f"unknown store kind {kind!r}")

    def open(self, url: str) -> gf.Store:
        """Open ``url`` (again: a second store object on the same data); closed by close()."""
        store = gf.open_store(url)
        self._opened.append(store)
        return store

    def close(self) -> None:
        for store in self._opened:
            store.close()
        self._dir.cleanup()


def _populated(stores: Stores, kind: str, n: int) -> gf.Store:
    store = stores.new(kind)
    gf.Flow(store=store).create_project("p", Project).shots.add_many(names(n))
    return store


def map_add_many(stores: Stores, kind: str, n: int) -> Callable[[], int]:
    """Add n items in one batch (builds nothing)."""
    shots = gf.Flow(store=stores.new(kind)).create_project("p", Project).shots
    todo = names(n)
    return lambda: shots.add_many(todo)


def map_add_each(stores: Stores, kind: str, n: int) -> Callable[[], int]:
    """Add n items one call at a time (each builds and returns its item)."""
    shots = gf.Flow(store=stores.new(kind)).create_project("p", Project).shots
    todo = names(n)

    def run() -> int:
        for name in todo:
            shots.add(name)
        return len(todo)

    return run


def read_cold(stores: Stores, kind: str, n: int) -> Callable[[], int]:
    """A fresh root reads one param of every item: every item and value is built."""
    store = _populated(stores, kind, n)
    todo = names(n)

    def run() -> int:
        shots = gf.Flow(store=store).project("p").shots
        for name in todo:
            shots[name].status.get()
        return len(todo)

    return run


def read_warm(stores: Stores, kind: str, n: int) -> Callable[[], int]:
    """The same pass again: items and value handles are cached, values still read."""
    store = _populated(stores, kind, n)
    todo = names(n)
    shots = gf.Flow(store=store).project("p").shots
    for name in todo:
        shots[name].status.get()

    def run() -> int:
        for name in todo:
            shots[name].status.get()
        return len(todo)

    return run


class ExtShot(Shot, Extendable):
    """The same item (the same relations), accepting extensions."""


class ExtShots(gf.Map[ExtShot]):
    pass


class ExtProject(gf.Object):
    shots = gf.Child(ExtShots)


class _Elsewhere(Extendable):
    """What the 29 other factories target: never an ExtShot."""


#: How often installers and factories ran (W5): the kabaret side keeps the same counts.
CALLS = {"installers": 0, "factories": 0, "applied": 0}
#: W5 counts in a pass of its own: the timed passes run factories without counters,
#: so the benchmark's bookkeeping is not part of either framework's figures.
COUNTING = {"on": False}


def reset_calls() -> None:
    for key in CALLS:
        CALLS[key] = 0


def _other(number: int, counted: bool) -> Callable[[gf.Object], gf.Relation[int]]:
    if counted:

        @dynamic_relation(f"other_{number}", target=_Elsewhere)
        def factory(parent: gf.Object) -> gf.Relation[int]:
            CALLS["factories"] += 1
            return gf.IntParam(number)

    else:

        @dynamic_relation(f"other_{number}", target=_Elsewhere)
        def factory(parent: gf.Object) -> gf.Relation[int]:
            return gf.IntParam(number)

    return factory


@dynamic_relation("review", target=ExtShot, weight=10)
def review(parent: ExtShot) -> gf.Relation[str]:
    return gf.StringParam("pending")


@dynamic_relation("review", target=ExtShot, weight=10)
def counted_review(parent: ExtShot) -> gf.Relation[str]:
    CALLS["factories"] += 1
    CALLS["applied"] += 1
    return gf.StringParam("pending")


_OTHERS = [_other(number, counted=False) for number in range(29)]
_COUNTED_OTHERS = [_other(number, counted=True) for number in range(29)]


def _factories() -> tuple[list[Any], Any]:
    if COUNTING["on"]:
        return _COUNTED_OTHERS, counted_review
    return _OTHERS, review


def install_1(session: gf.Session) -> dict[str, list[object]]:
    CALLS["installers"] += 1
    return {"first": list(_factories()[0][:10])}


def install_2(session: gf.Session) -> dict[str, list[object]]:
    CALLS["installers"] += 1
    return {"second": list(_factories()[0][10:20])}


def install_3(session: gf.Session) -> dict[str, list[object]]:
    CALLS["installers"] += 1
    others, last = _factories()
    return {"third": [*others[20:], last]}


#: 3 installers x 10 factories, exactly one of which applies to ExtShot (issue 5's W2).
EXTENDED = {
    "GRAFTFLOW_INSTALLERS": "workloads:install_1;workloads:install_2;workloads:install_3",
    # The test env's own test distributions must not add work to the figures.
    "GRAFTFLOW_BLOCKED": "gftest-pipeline gftest-review gftest-show",
}


# -- W2p: the same extension written as kabaret-style plain factories -------------------


class PlainExtShot(Shot, Extendable):
    """W2p's item: the same relations, extended by plain factories (its own class, so
    the W2 session's ``@dynamic_relation`` index never serves it)."""


class PlainExtShots(gf.Map[PlainExtShot]):
    pass


class PlainExtProject(gf.Object):
    shots = gf.Child(PlainExtShots)


def _plain_other(number: int) -> Callable[[gf.Object], Any]:
    # As on the kabaret side: a factory meant for another type, asked for every object.
    def factory(parent: gf.Object) -> Any:
        return None

    factory.__name__ = f"plain_other_{number}"
    return factory


def plain_review(parent: gf.Object) -> Any:
    """The applying factory, written as kabaret's (the migration guide's first step)."""
    if not isinstance(parent, PlainExtShot):
        return None
    relation = gf.StringParam("pending")
    relation.name = "review"
    return relation, 10


_PLAIN_OTHERS = [_plain_other(number) for number in range(29)]


def install_plain_1(session: gf.Session) -> dict[str, list[object]]:
    return {"first": list(_PLAIN_OTHERS[:10])}


def install_plain_2(session: gf.Session) -> dict[str, list[object]]:
    return {"second": list(_PLAIN_OTHERS[10:20])}


def install_plain_3(session: gf.Session) -> dict[str, list[object]]:
    return {"third": [*_PLAIN_OTHERS[20:], plain_review]}


#: W2p: 3 installers x 10 plain factories, every one called for every object; exactly
#: one applies (kabaret's W2 exactly: its factories are all of this kind).
PLAIN_EXTENDED = {
    "GRAFTFLOW_INSTALLERS": (
        "workloads:install_plain_1;workloads:install_plain_2;workloads:install_plain_3"
    ),
    "GRAFTFLOW_BLOCKED": EXTENDED["GRAFTFLOW_BLOCKED"],
}


# -- W2t and W2pt: the same two extensions, their factories declared per-type ----------
#
# per_type() says a factory's answer depends on the parent's type only (both of these
# read nothing else): graftflow asks it once per class and shares the answer.


class TypedShot(Shot, Extendable):
    """W2t's item (its own class: each variant's factories are indexed per class)."""


class TypedShots(gf.Map[TypedShot]):
    pass


class TypedProject(gf.Object):
    shots = gf.Child(TypedShots)


@dynamic_relation("review", target=TypedShot, weight=10, per_type=True)
def typed_review(parent: TypedShot) -> gf.Relation[str]:
    return gf.StringParam("pending")


def _typed_other(number: int) -> Any:
    @dynamic_relation(f"other_{number}", target=_Elsewhere, per_type=True)
    def factory(parent: gf.Object) -> gf.Relation[int]:
        return gf.IntParam(number)

    return factory


_TYPED_OTHERS = [_typed_other(number) for number in range(29)]


def install_typed(session: gf.Session) -> dict[str, list[object]]:
    return {
        "first": _TYPED_OTHERS[:10],
        "second": _TYPED_OTHERS[10:20],
        "third": [*_TYPED_OTHERS[20:], typed_review],
    }


class PerTypeShot(Shot, Extendable):
    """W2pt's item."""


class PerTypeShots(gf.Map[PerTypeShot]):
    pass


class PerTypeProject(gf.Object):
    shots = gf.Child(PerTypeShots)


def per_type_review(parent: gf.Object) -> Any:
    if not isinstance(parent, PerTypeShot):
        return None
    relation = gf.StringParam("pending")
    relation.name = "review"
    return relation, 10


_PER_TYPE = [per_type(factory) for factory in (*_PLAIN_OTHERS, per_type_review)]


def install_per_type(session: gf.Session) -> dict[str, list[object]]:
    return {"first": _PER_TYPE[:10], "second": _PER_TYPE[10:20], "third": _PER_TYPE[20:]}


#: W2t: W2's factories, declared per-type.
TYPED_EXTENDED = {
    "GRAFTFLOW_INSTALLERS": "workloads:install_typed",
    "GRAFTFLOW_BLOCKED": EXTENDED["GRAFTFLOW_BLOCKED"],
}
#: W2pt: W2p's plain factories, each wrapped in per_type().
PER_TYPE_EXTENDED = {
    "GRAFTFLOW_INSTALLERS": "workloads:install_per_type",
    "GRAFTFLOW_BLOCKED": EXTENDED["GRAFTFLOW_BLOCKED"],
}


class OverShot(Shot, Extendable):
    """W3: the same item, whose base ``status`` param an extension overrides."""


class OverShots(gf.Map[OverShot]):
    pass


class OverProject(gf.Object):
    shots = gf.Child(OverShots)


@dynamic_relation("status", target=OverShot, weight=5)
def override_status(parent: OverShot) -> gf.Relation[str]:
    return gf.StringParam("approved")


@dynamic_relation("status", target=OverShot, weight=-1)
def negative_status(parent: OverShot) -> gf.Relation[str]:
    return gf.StringParam("negative")  # a negative weight never overrides a base relation


def install_override(session: gf.Session) -> dict[str, list[object]]:
    return {"override": [override_status, negative_status]}


#: W3: one installer, a weight-5 override of the base ``status`` and a negative one.
OVERRIDE = {
    "GRAFTFLOW_INSTALLERS": "workloads:install_override",
    "GRAFTFLOW_BLOCKED": EXTENDED["GRAFTFLOW_BLOCKED"],
}


def dynamic_cold(stores: Stores, kind: str, n: int) -> Callable[[], int]:
    """A fresh root reads a *dynamic* relation of every item: factories run per item."""
    store = stores.new(kind)
    session = gf.Session(environ=EXTENDED)
    gf.Flow(session, store).create_project("p", ExtProject).shots.add_many(names(n))
    todo = names(n)

    def run() -> int:
        shots = gf.Flow(session, store).project("p").shots
        for name in todo:
            shots[name].review.get()
        return len(todo)

    return run


def dynamic_warm(stores: Stores, kind: str, n: int) -> Callable[[], int]:
    """The same pass again: once resolved, a dynamic relation is a plain attribute."""
    store = stores.new(kind)
    session = gf.Session(environ=EXTENDED)
    shots = gf.Flow(session, store).create_project("p", ExtProject).shots
    shots.add_many(names(n))
    todo = names(n)
    for name in todo:
        shots[name].review.get()

    def run() -> int:
        for name in todo:
            shots[name].review.get()
        return len(todo)

    return run


WORKLOADS: dict[str, Callable[[Stores, str, int], Callable[[], int]]] = {
    "map_add_many": map_add_many,
    "map_add_each": map_add_each,
    "read_cold": read_cold,
    "read_warm": read_warm,
    "dynamic_cold": dynamic_cold,
    "dynamic_warm": dynamic_warm,
}


# -- the stores alone ---------------------------------------------------------------------


def value_keys(n: int) -> list[str]:
    return [f"/bench/v{i:07d}" for i in range(n)]


def _filled(stores: Stores, kind: str, n: int) -> tuple[gf.Store, list[str]]:
    store = stores.new(kind)
    keys = value_keys(n)
    with store.batch():
        for i, key in enumerate(keys):
            store.set(key, i)
    return store, keys


def store_set(stores: Stores, kind: str, n: int) -> Callable[[], int]:
    """n set() of small values, each its own write (a transaction, a round trip)."""
    store = stores.new(kind)
    keys = value_keys(n)

    def run() -> int:
        for i, key in enumerate(keys):
            store.set(key, i)
        return len(keys)

    return run


def store_set_batched(stores: Stores, kind: str, n: int) -> Callable[[], int]:
    """The same n set() inside one store.batch(): one commit for all."""
    store = stores.new(kind)
    keys = value_keys(n)

    def run() -> int:
        with store.batch():
            for i, key in enumerate(keys):
                store.set(key, i)
        return len(keys)

    return run


def store_get(stores: Stores, kind: str, n: int) -> Callable[[], int]:
    """n get() of stored small values; returns how many were found."""
    store, keys = _filled(stores, kind, n)

    def run() -> int:
        found = 0
        for key in keys:
            if store.get(key) is not None:
                found += 1
        return found

    return run


def store_get_batched(stores: Stores, kind: str, n: int) -> Callable[[], int]:
    """The same n get() inside one store.batch() (which holds no writes)."""
    store, keys = _filled(stores, kind, n)

    def run() -> int:
        found = 0
        with store.batch():
            for key in keys:
                if store.get(key) is not None:
                    found += 1
        return found

    return run


#: Every store kind the store workloads run on ("redis" needs a server).
STORE_KINDS = ("memory", "sqlite", "redis")

STORE_WORKLOADS: dict[str, Callable[[Stores, str, int], Callable[[], int]]] = {
    "store_set": store_set,
    "store_set_batched": store_set_batched,
    "store_get": store_get,
    "store_get_batched": store_get_batched,
}
