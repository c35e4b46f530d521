"""W9 and W1 on Redis: the shared store measured against SQLite, and against kabaret.

W9 (issue 12) times what artists do on a Redis store and on a SQLite file, side by
side in one run, runs interleaved (SQLite, Redis, SQLite, ...) so load from elsewhere
hits both alike; each figure is the best of R, timed with the garbage collector on:

- ``demo``: ``create_demo()`` (the 1,200-shot project ``graftflow demo`` makes), in a
  fresh store each run;
- ``cold``: a fresh store object and root read one param of each of n items, page by
  page (``mapped_items(page, 100)``): nothing cached on either side;
- ``warm``: the same pass again on that root;
- ``nested``: one ``flow.batch()`` holding k nested ``flow.batch()`` one after the
  other, each writing a value and adding a map item, for k and 4k (the cost must grow
  linearly: 4x the batches within 6x the time).

W1 on Redis runs issue 5's W1 (add items one by one, cold read, warm read) on the same
redis-server with graftflow's :class:`~graftflow.RedisStore` and kabaret's
``RedisValueStore`` (``kabaret.app.actors.flow.value_store``, what kabaret studios run
on), kabaret at its best and stock (issue 18), GC on and off, as W1 in memory.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import kabaret_side as kab
import sides
import workloads as gfw
from suite import Subject, WorkloadError, add_passes, interleaved_reads, timed

import graftflow as gf
from graftflow.plugins.demo import create_demo

#: Sizes: n items read cold and warm, k nested batches (and 4k).
COLD_N = 2_000
NESTED_K = 250


KINDS = ("sqlite", "redis")


def _best(runs: Callable[[str], Callable[[], Any]], repeat: int) -> dict[str, float]:
    """Best time per kind; each run prepared untimed by ``runs(kind)``, interleaved."""
    best = dict.fromkeys(KINDS, float("inf"))
    for _ in range(repeat):
        for kind in KINDS:
            run = runs(kind)
            elapsed, _ = timed(run)
            best[kind] = min(best[kind], elapsed)
    return best


def demo(stores: gfw.Stores, repeat: int, shots: int) -> dict[str, float]:
    def runs(kind: str) -> Callable[[], Any]:
        flow = gf.Flow(gf.Session(environ={}), stores.new(kind))

        def run() -> None:
            project = create_demo(flow, shots=shots)
            if len(project.films["f01"].sequences["sq010"].shots) != shots:
                raise WorkloadError(f"W9 demo on {kind}: the project is incomplete")

        return run

    return _best(runs, repeat)


def _filled(stores: gfw.Stores, kind: str, n: int) -> str:
    url = stores.fresh_url(kind)
    store = stores.open(url)
    shots = gf.Flow(store=store).create_project("p", gfw.Project).shots
    names = gfw.names(n)
    with store.batch():
        shots.add_many(names)
        for number, name in enumerate(names):
            shots[name].frame_out.set(number)
    return url


def reads(stores: gfw.Stores, repeat: int, n: int) -> dict[str, dict[str, float]]:
    """Cold and warm page reads; every run checks it read every item's own value."""
    urls = {kind: _filled(stores, kind, n) for kind in KINDS}
    expected = sum(range(n))
    pages = (n + 99) // 100
    kept: dict[str, Any] = {}

    def read(shots: Any) -> int:
        total = 0
        for page in range(pages):
            for item in shots.mapped_items(page, 100):
                total += item.frame_out.get()
        if total != expected:
            raise WorkloadError(f"W9 read {total}, expected {expected}")
        return total

    def cold(kind: str) -> Callable[[], Any]:
        store = stores.open(urls[kind])  # a new store object: nothing cached in it

        def run() -> int:
            shots = gf.Flow(store=store).project("p").shots
            kept[kind] = shots
            return read(shots)

        return run

    cold_s = _best(cold, repeat)
    warm_s = _best(lambda kind: lambda: read(kept[kind]), repeat)
    return {"cold": cold_s, "warm": warm_s}


def nested(stores: gfw.Stores, repeat: int, k: int) -> dict[str, dict[int, float]]:
    """k nested batches inside one outer batch, and 4k: each kind's own growth."""
    figures: dict[str, dict[int, float]] = {kind: {} for kind in KINDS}
    for size in (k, 4 * k):

        def runs(kind: str, size: int = size) -> Callable[[], Any]:
            flow = gf.Flow(store=stores.new(kind))
            shots = flow.create_project("p", gfw.Project).shots

            def run() -> None:
                with flow.batch():
                    for i in range(size):
                        with flow.batch():
                            name = f"sh{i:07d}"
                            shots.add(name)
                            shots[name].frame_out.set(i)
                if len(shots) != size:
                    raise WorkloadError(f"W9 nested on {kind}: {len(shots)} items, not {size}")

            return run

        for kind, seconds in _best(runs, repeat).items():
            figures[kind][size] = seconds
    return figures


# -- W1 on Redis, both frameworks ------------------------------------------------------


class GraftflowRedisSide(sides.GraftflowSide):
    """graftflow's W1 on a RedisStore: a fresh store object per cold run (its cache cold)."""

    name = "graftflow (Redis)"

    def __init__(self, stores: gfw.Stores) -> None:
        self._stores = stores

    def new_store(self) -> gf.Store:
        return self._stores.new("redis")

    def cold_reader(self, tree: str, store: Any, n: int) -> tuple[Callable[[], Any], list[Any]]:
        return super().cold_reader(tree, self._stores.open(store.url), n)


class KabaretRedisSide(sides.KabaretSide):
    """kabaret's W1 on its RedisValueStore, on the same server: stock, or at its best
    (its map's lookup asks the ordered set, one ZSCORE, instead of listing every name)."""

    def __init__(self, redis_url: str, best: bool) -> None:
        import redis
        from kabaret.app.actors.flow.value_store import RedisValueStore

        super().__init__(best)
        # decode_responses, as kabaret's cluster actor connects (kabaret.app.actors.cluster).
        self._client = redis.Redis.from_url(redis_url, decode_responses=True)
        self._store_type = RedisValueStore

    def new_value_store(self) -> Any:
        return self._store_type(self._client, "bench", uuid.uuid4().hex[:12])

    def populated(self, tree: str, n: int) -> Any:
        """What n ``shots.add()`` write, written directly (as the memory side does): the
        names in the ordered set (score 0, as kabaret's add gives) and their types."""
        store = self.new_value_store()
        project = self.project(tree)
        item_type = kab.PROJECTS[project].shots.related_type.mapped_type()
        qualified = f'"{item_type.__module__}.{item_type.__name__}"'
        todo = kab.names(n)
        pipe = self._client.pipeline(transaction=False)
        pipe.zadd(store._key(f"/{project}/shots/_mapped_names"), dict.fromkeys(todo, 0))
        types = dict.fromkeys(todo, qualified)
        pipe.hset(store._key(f"/{project}/shots/_mapped_types"), mapping=types)
        pipe.execute()
        return store

    def close(self) -> None:
        self._client.close()


def w1_on_redis(
    stores: gfw.Stores,
    redis_url: str,
    n: int,
    repeat: int,
    kabaret_repeat: int,
    with_kabaret: bool,
) -> dict[str, Any]:
    """W1 (adds, cold and warm reads) on one redis-server: graftflow, kabaret at its
    best and stock kabaret, their runs interleaved, GC on and off (as W1 in memory).
    Returns ``{"add": {side: {mode: s}}, "reads": {side: ReadFigures}}`` by
    :data:`run.SIDES` name."""
    graftflow_side = GraftflowRedisSide(stores)
    # (result key, side, cold runs). kabaret at its best is fast enough for every
    # repeat; stock kabaret lists every name per lookup (seconds per run): fewer.
    keyed: list[tuple[str, Any, int]] = [("graftflow", graftflow_side, repeat)]
    if with_kabaret:
        keyed += [
            ("kabaret", KabaretRedisSide(redis_url, best=True), repeat),
            ("kabaret_stock", KabaretRedisSide(redis_url, best=False), kabaret_repeat),
        ]
    key_of = {side.name: key for key, side, _ in keyed}
    try:
        adds = add_passes([(side, runs) for _, side, runs in keyed], n)
        subjects = [Subject(side, "plain", runs) for _, side, runs in keyed]
        reads = interleaved_reads(subjects, n, repeat)
    finally:
        for _, side, _ in keyed[1:]:
            side.close()
    return {
        "add": {key_of[name]: figures for name, figures in adds.items()},
        "reads": {key_of[name]: figures for (name, _), figures in reads.items()},
    }


@contextmanager
def _stores(redis_url: str) -> Iterator[gfw.Stores]:
    stores = gfw.Stores(redis_url)
    try:
        yield stores
    finally:
        stores.close()


def run_redis(
    redis_url: str,
    *,
    repeat: int,
    kabaret_repeat: int,
    with_kabaret: bool,
    n: int = COLD_N,
    k: int = NESTED_K,
    demo_shots: int = 60,
    w1_n: int = COLD_N,
    progress: Callable[[str], None] = lambda what: None,
) -> dict[str, Any]:
    """Every Redis figure of the run (raw; run.py judges them)."""
    started = time.perf_counter()
    with _stores(redis_url) as stores:
        progress("W9 demo (SQLite, Redis)")
        raw: dict[str, Any] = {"demo": demo(stores, repeat, demo_shots)}
        progress("W9 cold and warm reads (SQLite, Redis)")
        raw.update(reads(stores, repeat, n))
        progress("W9 nested batches (SQLite, Redis)")
        raw["nested"] = nested(stores, repeat, k)
        progress("W1 on Redis (graftflow, kabaret)")
        raw["W1"] = w1_on_redis(stores, redis_url, w1_n, repeat, kabaret_repeat, with_kabaret)
    raw["sizes"] = {"n": n, "k": k, "demo_shots": demo_shots, "w1_n": w1_n}
    raw["seconds"] = time.perf_counter() - started
    return raw
