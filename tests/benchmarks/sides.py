"""The frameworks behind one small interface, so each workload is written once.

Three sides: graftflow, kabaret at its best and stock kabaret; and the floor, the
smallest lazy tree plain Python allows (floor_side.py, W1's and W2's trees only), timed
beside them to show what any design pays here. A *side* builds the same
trees (``plain``: W1, ``ext``: W2, ``ext_plain``: W2p, ``over``: W3), fills a store with
n shots without timing it, and returns measured callables that do exactly the same work
on every side: add items one by one, open a fresh root, read one value of every item.
Reads collect the values they saw into a set, so the runner can assert that every side
resolved the same thing (W3's winner).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from contextlib import nullcontext
from typing import Any

import floor_side
import kabaret_side as kab
import workloads as gfw

import graftflow as gf

#: Which value each tree's read workload reads, and what every item must give.
READS = {
    "plain": ("status", "wip"),
    "ext": ("review", "pending"),
    "ext_plain": ("review", "pending"),
    "ext_typed": ("review", "pending"),
    "ext_per_type": ("review", "pending"),
    "over": ("status", "approved"),
}

Shots = Any
Run = Callable[[], Any]


def read_all(shots: Shots, todo: list[str], attr: str) -> set[Any]:
    """Read ``attr`` of every item, as user code does (``shots[name].status.get()``,
    no ``getattr``): the same loops for every side."""
    seen = set()
    if attr == "status":
        for name in todo:
            seen.add(shots[name].status.get())
    elif attr == "review":
        for name in todo:
            seen.add(shots[name].review.get())
    else:
        raise ValueError(f"no reader for {attr!r}")
    return seen


class Reads:
    """The measured reads, written once for every side."""

    def names(self, n: int) -> list[str]:
        return gfw.names(n)

    def fresh_shots(self, tree: str, store: Any) -> Shots:
        raise NotImplementedError

    def cold_reader(self, tree: str, store: Any, n: int) -> tuple[Run, list[Shots]]:
        """A fresh root reads one value of every item; the root is kept for warm reads."""
        attr, _ = READS[tree]
        todo = self.names(n)
        kept: list[Shots] = []

        def run() -> set[Any]:
            shots = self.fresh_shots(tree, store)
            kept.append(shots)
            return read_all(shots, todo, attr)

        return run, kept

    def warm_reader(self, tree: str, shots: Shots, n: int) -> Run:
        attr, _ = READS[tree]
        todo = self.names(n)
        return lambda: read_all(shots, todo, attr)

    def adding(self, shots: Shots, n: int) -> Run:
        """``add()`` n names one at a time into ``shots`` (each builds its item, on every
        side); the map's length after."""
        todo = self.names(n)

        def run() -> int:
            for name in todo:
                shots.add(name)
            return len(shots)

        return run

    def context(self, tree: str) -> Any:
        """What a side's timed runs need around them; nothing by default."""
        return nullcontext()


class GraftflowSide(Reads):
    name = "graftflow"
    _projects: dict[str, type[gf.Object]] = {
        "plain": gfw.Project,
        "ext": gfw.ExtProject,
        "ext_plain": gfw.PlainExtProject,
        "ext_typed": gfw.TypedProject,
        "ext_per_type": gfw.PerTypeProject,
        "over": gfw.OverProject,
    }
    _environ: dict[str, dict[str, str]] = {
        "plain": {"GRAFTFLOW_BLOCKED": gfw.EXTENDED["GRAFTFLOW_BLOCKED"]},
        "ext": gfw.EXTENDED,
        "ext_plain": gfw.PLAIN_EXTENDED,
        "ext_typed": gfw.TYPED_EXTENDED,
        "ext_per_type": gfw.PER_TYPE_EXTENDED,
        "over": gfw.OVERRIDE,
    }

    def calls(self) -> dict[str, int]:
        return dict(gfw.CALLS)

    def reset_calls(self) -> None:
        gfw.reset_calls()

    def counting(self, on: bool) -> None:
        gfw.COUNTING["on"] = on

    def session(self, tree: str) -> gf.Session:
        return gf.Session(environ=dict(self._environ[tree]))

    def new_store(self) -> gf.Store:
        """Where a workload's values go: memory here (the Redis side overrides it)."""
        return gf.MemoryStore()

    def populated(self, tree: str, n: int) -> gf.Store:
        store = self.new_store()
        flow = gf.Flow(self.session(tree), store)
        flow.create_project("p", self._projects[tree]).shots.add_many(gfw.names(n))
        return store

    def adder(self, tree: str, n: int) -> Run:
        """Add n items one ``add()`` at a time (each builds its item, as kabaret's does)."""
        flow = gf.Flow(self.session(tree), self.new_store())
        return self.adding(flow.create_project("p", self._projects[tree]).shots, n)

    def add_many(self, n: int) -> Run:
        """graftflow's batched add (kabaret has none): names only, nothing built."""
        shots = gf.Flow(self.session("plain")).create_project("p", gfw.Project).shots
        todo = gfw.names(n)
        return lambda: shots.add_many(todo)

    def fresh_shots(self, tree: str, store: Any) -> Shots:
        return gf.Flow(self.session(tree), store).project("p").shots


class KabaretSide(Reads):
    """kabaret 2.4.1: stock (``best=False``), or at its best (``best=True``: its maps
    look an item up in constant time, see :mod:`kabaret_side`).

    kabaret's factories are all plain, per-object ones: its W2p, W2t and W2pt trees are
    its W2 tree.
    """

    def __init__(self, best: bool = True) -> None:
        self.best = best
        self.name = "kabaret" if best else "kabaret_stock"

    def project(self, tree: str) -> str:
        """The root relation holding ``tree``'s project on this side."""
        base = "ext" if tree.startswith("ext") else tree  # kabaret has one kind of factory
        return f"best_{base}" if self.best else base

    def calls(self) -> dict[str, int]:
        return dict(kab.CALLS)

    def reset_calls(self) -> None:
        kab.reset_calls()

    def counting(self, on: bool) -> None:
        kab.COUNTING["on"] = on

    def populated(self, tree: str, n: int) -> Any:
        """A MemoryValueStore holding what n ``shots.add()`` write (without building n
        items, which would take stock kabaret minutes); the smoke test checks it is the
        same."""
        store = kab.flow.MemoryValueStore()
        project = self.project(tree)
        item_type = kab.PROJECTS[project].shots.related_type.mapped_type()
        qualified = f"{item_type.__module__}.{item_type.__name__}"
        todo = kab.names(n)
        store.store[f"/{project}/shots/_mapped_names"] = dict.fromkeys(todo, 0)
        store.store[f"/{project}/shots/_mapped_types"] = OrderedDict.fromkeys(todo, qualified)
        return store

    def new_value_store(self) -> Any:
        """Where a workload's values go: kabaret's MemoryValueStore (``None``) here."""
        return None

    def adder(self, tree: str, n: int) -> Run:
        root, _ = kab.new_root(self.new_value_store())
        return self.adding(getattr(root, self.project(tree)).shots, n)

    def fresh_shots(self, tree: str, store: Any) -> Shots:
        root, _session = kab.new_root(store)
        return getattr(root, self.project(tree)).shots

    def context(self, tree: str) -> Any:
        """kabaret reads its installers from os.environ whenever an item is built."""
        value = kab.EXTENDED if tree.startswith("ext") else {"over": kab.OVERRIDE}.get(tree)
        return kab.installers_env(value)


class FloorSide(Reads):
    """The floor (floor_side.py): W1's tree (``plain``) and W2's (``ext``), a dict for a
    store; no installers, so nothing to count."""

    name = "floor"

    def calls(self) -> dict[str, int]:
        return {}

    def reset_calls(self) -> None:
        pass

    def populated(self, tree: str, n: int) -> dict[str, Any]:
        store: dict[str, Any] = {}
        floor_side.Shots(store, floor_side.TREES[tree]).names.update(dict.fromkeys(self.names(n)))
        return store

    def adder(self, tree: str, n: int) -> Run:
        return self.adding(floor_side.Shots({}, floor_side.TREES[tree]), n)

    def fresh_shots(self, tree: str, store: Any) -> Shots:
        return floor_side.Shots(store, floor_side.TREES[tree])
