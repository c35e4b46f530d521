"""The floor: W1's and W2's trees as the smallest lazy tree plain Python allows.

This is not a framework. It keeps no oids, sessions, reloads, thread safety, contests,
checks or listings, and its store is a dict. It does the work the read workloads time,
and no more:

- a map builds an item the first time its name is read;
- an item builds a value handle the first time a param is read, and keeps it;
- an extended item calls the factories offered its class once, keeps the relations they
  return in a table of its own, and builds the handle from the winner.

What it pays per item is what any pure-Python lazy tree pays on this interpreter: the
objects it must make, the frames it must run and the collector's time for them. The
suite times it beside graftflow (issue 18). A target under the floor's own figure
cannot be met by any design in Python. The distance between graftflow and the floor
is the price of graftflow's features.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Param:
    """A declared value: a non-data descriptor, so the handle it caches on the item is
    found by the normal attribute lookup from then on."""

    __slots__ = ("default", "name")

    def __init__(self, default: Any, name: str = "") -> None:
        self.default = default
        self.name = name

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self.name = name

    def __get__(self, item: Shot | None, owner: type[Any] | None = None) -> Any:
        if item is None:
            return self
        value = Value()
        value.param = self
        value.key = f"{item.map.oid}/{item.name}/{self.name}"
        value.store = item.map.store
        setattr(item, self.name, value)
        return value


class Value:
    """A value handle: its key, its store and its param (for the default)."""

    __slots__ = ("key", "param", "store")

    param: Param
    key: str
    store: dict[str, Any]

    def get(self) -> Any:
        return self.store.get(self.key, self.param.default)


class Shot:
    """W1's item. Its place is two slots; its handles go to its ``__dict__``."""

    __slots__ = ("__dict__", "map", "name")

    map: Shots
    name: str
    status = Param("wip")


#: The factories offered each extended class, found once per class (graftflow's plan).
FACTORIES: dict[type[Any], tuple[tuple[str, Callable[[Any], Param | None]], ...]] = {}


class Dynamic:
    """A name some factory offers an extended class: served from the item's table."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, item: ExtShot | None, owner: type[Any] | None = None) -> Any:
        if item is None:
            return self
        table = item.table
        if table is None:
            table = item.table = {}
            for name, factory in FACTORIES[type(item)]:
                relation = factory(item)
                if relation is not None:
                    relation.name = name
                    table[name] = relation
        return table[self.name].__get__(item)


class ExtShot(Shot):
    """W2's item: the same, plus the relations the factories gave it."""

    __slots__ = ("table",)

    table: dict[str, Param] | None
    review = Dynamic("review")


def review(item: ExtShot) -> Param:
    """W2's one factory that applies (graftflow's and kabaret's build a param per call)."""
    return Param("pending")


FACTORIES[ExtShot] = (("review", review),)


class Shots(dict):  # type: ignore[type-arg]
    """A map: names in the store, items built on first read and kept.

    A ``dict`` subclass: a warm read is the dict's own lookup, and only a miss runs
    Python (``__missing__``). That is the least a lazy map can cost in Python, and what
    graftflow's maps cannot be (docs/benchmarks.md says why).
    """

    __slots__ = ("item_type", "names", "oid", "store")

    def __init__(self, store: dict[str, Any], item_type: type[Shot]) -> None:
        super().__init__()
        self.store = store
        self.item_type = item_type
        self.oid = "/p/shots"
        self.names: dict[str, None] = store.setdefault(self.oid, {})

    def __missing__(self, name: str) -> Shot:
        if name not in self.names:
            raise KeyError(f"{self.oid} has no item {name!r}")
        item = self[name] = self._build(name)
        return item

    def _build(self, name: str) -> Shot:
        item = self.item_type.__new__(self.item_type)
        item.map = self
        item.name = name
        if type(item) is ExtShot:
            item.table = None
        return item

    def add(self, name: str) -> Shot:
        """Write the name and build its item, as graftflow's and kabaret's add() do."""
        if name in self.names:
            raise KeyError(f"{self.oid} has an item {name!r} already")
        self.names[name] = None
        item = self[name] = self._build(name)
        return item

    def __len__(self) -> int:
        return len(self.names)


TREES: dict[str, type[Shot]] = {"plain": Shot, "ext": ExtShot}
