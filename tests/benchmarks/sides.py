"""The two frameworks behind one small interface, so each workload is written once.

A *side* builds the same trees (``plain``: W1, ``ext``: W2, ``over``: W3), fills a store
with n shots without timing it, and returns measured callables that do exactly the same
work on both frameworks: add items one by one, open a fresh root, read one value of
every item. Reads collect the values they saw into a set, so the runner can assert that
both sides resolved the same thing (W3's winner) at the same cost on both sides.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import kabaret_side as kab
import workloads as gfw

import graftflow as gf

#: Which value each tree's read workload reads, and what every item must give.
READS = {
    "plain": ("status", "wip"),
    "ext": ("review", "pending"),
    "over": ("status", "approved"),
}

Shots = Any
Run = Callable[[], Any]


class GraftflowSide:
    name = "graftflow"
    _projects: dict[str, type[gf.Object]] = {
        "plain": gfw.Project,
        "ext": gfw.ExtProject,
        "over": gfw.OverProject,
    }
    _environ: dict[str, dict[str, str]] = {
        "plain": {"GRAFTFLOW_BLOCKED": gfw.EXTENDED["GRAFTFLOW_BLOCKED"]},
        "ext": gfw.EXTENDED,
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
        shots = flow.create_project("p", self._projects[tree]).shots
        todo = gfw.names(n)

        def run() -> int:
            for name in todo:
                shots.add(name)
            return len(shots)

        return run

    def add_many(self, n: int) -> Run:
        """graftflow's batched add (kabaret has none): names only, nothing built."""
        shots = gf.Flow(self.session("plain")).create_project("p", gfw.Project).shots
        todo = gfw.names(n)
        return lambda: shots.add_many(todo)

    def fresh_shots(self, tree: str, store: Any) -> Shots:
        return gf.Flow(self.session(tree), store).project("p").shots

    def cold_reader(self, tree: str, store: Any, n: int) -> tuple[Run, list[Shots]]:
        """A fresh root reads one value of every item; the root is kept for warm reads."""
        attr, _ = READS[tree]
        todo = gfw.names(n)
        kept: list[Shots] = []

        def run() -> set[Any]:
            shots = self.fresh_shots(tree, store)
            kept.append(shots)
            seen = set()
            for name in todo:
                seen.add(getattr(shots[name], attr).get())
            return seen

        return run, kept

    def warm_reader(self, tree: str, shots: Shots, n: int) -> Run:
        attr, _ = READS[tree]
        todo = gfw.names(n)

        def run() -> set[Any]:
            seen = set()
            for name in todo:
                seen.add(getattr(shots[name], attr).get())
            return seen

        return run

    def context(self, tree: str) -> Any:
        from contextlib import nullcontext

        return nullcontext()


class KabaretSide:
    name = "kabaret"

    def calls(self) -> dict[str, int]:
        return dict(kab.CALLS)

    def reset_calls(self) -> None:
        kab.reset_calls()

    def counting(self, on: bool) -> None:
        kab.COUNTING["on"] = on

    def populated(self, tree: str, n: int) -> Any:
        """A MemoryValueStore holding what n ``shots.add()`` write (without building n
        items, which would take kabaret minutes); the smoke test checks it is the same."""
        store = kab.flow.MemoryValueStore()
        item_type = kab.PROJECTS[tree].shots.related_type.mapped_type()
        qualified = f"{item_type.__module__}.{item_type.__name__}"
        todo = kab.names(n)
        store.store[f"/{tree}/shots/_mapped_names"] = dict.fromkeys(todo, 0)
        store.store[f"/{tree}/shots/_mapped_types"] = OrderedDict.fromkeys(todo, qualified)
        return store

    def new_value_store(self) -> Any:
        """Where a workload's values go: kabaret's MemoryValueStore (``None``) here."""
        return None

    def adder(self, tree: str, n: int) -> Run:
        root, _ = kab.new_root(self.new_value_store())
        shots = getattr(root, tree).shots
        todo = kab.names(n)

        def run() -> int:
            for name in todo:
                shots.add(name)
            return len(shots)

        return run

    def fresh_shots(self, tree: str, store: Any) -> Shots:
        root, _session = kab.new_root(store)
        return getattr(root, tree).shots

    def cold_reader(self, tree: str, store: Any, n: int) -> tuple[Run, list[Shots]]:
        attr, _ = READS[tree]
        todo = kab.names(n)
        kept: list[Shots] = []

        def run() -> set[Any]:
            shots = self.fresh_shots(tree, store)
            kept.append(shots)
            seen = set()
            for name in todo:
                seen.add(getattr(shots[name], attr).get())
            return seen

        return run, kept

    def warm_reader(self, tree: str, shots: Shots, n: int) -> Run:
        attr, _ = READS[tree]
        todo = kab.names(n)

        def run() -> set[Any]:
            seen = set()
            for name in todo:
                seen.add(getattr(shots[name], attr).get())
            return seen

        return run

    def context(self, tree: str) -> Any:
        """kabaret reads its installers from os.environ whenever an item is built."""
        value = {"ext": kab.EXTENDED, "over": kab.OVERRIDE}.get(tree)
        return kab.installers_env(value)
