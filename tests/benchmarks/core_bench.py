"""The core benchmarks (graftflow alone): best of R runs, the stores side by side.

run.py calls :func:`run_core` after the side-by-side suite. Timings are figures to
compare, never pass/fail: machines here are noisy, so what matters is the ratio between
rows measured in the same run. The tree workloads run on memory and SQLite; the store
workloads (get/set of small values, one by one and in one batch) also on Redis, on a
redis-server this script starts and stops itself. Without redis-server (or the redis
package) the Redis figures are null, and a note says so. Results go to the ``core`` key
of .bench/results.json.
"""

from __future__ import annotations

import gc
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.append(str(Path(__file__).parent.parent))  # the tests' redis_server helper

from redis_server import RedisServer
from workloads import STORE_KINDS, STORE_WORKLOADS, WORKLOADS, Stores

import graftflow

KINDS = ("memory", "sqlite")

Workload = Callable[[Stores, str, int], Callable[[], int]]


def measure(
    name: str, kind: str, n: int, repeat: int, stores: Stores, workloads: dict[str, Workload]
) -> float:
    best = float("inf")
    for _ in range(repeat):
        run = workloads[name](stores, kind, n)
        gc.collect()
        gc.disable()  # as timeit does, and as the side-by-side suite does
        try:
            start = time.perf_counter()
            done = run()
            elapsed = time.perf_counter() - start
        finally:
            gc.enable()
        if done != n:
            raise SystemExit(f"{name}/{kind}: touched {done} items, expected {n}")
        best = min(best, elapsed)
    return best


@contextmanager
def redis_server() -> Iterator[str | None]:
    """Start a private redis-server for the run; yield its URL, or None (with a loud
    note) when it cannot run here."""
    problem = None
    try:
        import redis  # noqa: F401
    except ImportError:
        problem = "the redis package is missing (pip install 'graftflow[redis]')"
    with tempfile.TemporaryDirectory(prefix="graftflow-bench-redis-") as directory:
        server = RedisServer(Path(directory))
        if problem is None and server.binary is None:
            problem = "redis-server is not installed (apt-get install redis-server)"
        if problem is not None:
            banner = "!" * 78
            print(f"{banner}\n!!! NOTE: {problem}:")
            print(f"!!! the Redis figures are null in this run.\n{banner}")
            yield None
            return
        server.start()
        try:
            yield server.url
        finally:
            server.stop()


def ops(seconds: float | None, n: int) -> str:
    return "null" if seconds is None else f"{n / seconds:,.0f}"


def ratio(seconds: float | None, memory: float) -> str:
    return "null" if seconds is None else f"{seconds / memory:.1f}x"


def run_core(n: int, repeat: int) -> dict[str, Any]:
    """The core tree workloads on memory and SQLite, and the store throughput on all
    three stores; prints two tables and returns the figures (``core`` in results.json)."""
    results: dict[str, dict[str, float]] = {}
    store_results: dict[str, dict[str, float | None]] = {}
    print(f"graftflow {graftflow.__version__} core benchmarks: n={n:,}, best of {repeat}")
    with redis_server() as redis_url:
        stores = Stores(redis_url=redis_url)
        try:
            print(
                f"{'workload':<14}{'memory':>12}{'sqlite':>12}{'sqlite/memory':>15}"
                f"{'µs/item (mem)':>15}"
            )
            for name in WORKLOADS:
                row = {kind: measure(name, kind, n, repeat, stores, WORKLOADS) for kind in KINDS}
                results[name] = row
                ratio_ = row["sqlite"] / row["memory"]
                per_item = row["memory"] / n * 1e6
                memory_ms, sqlite_ms = row["memory"] * 1e3, row["sqlite"] * 1e3
                print(
                    f"{name:<14}{memory_ms:>10.1f}ms{sqlite_ms:>10.1f}ms{ratio_:>14.1f}x"
                    f"{per_item:>15.2f}"
                )

            print()
            print("store throughput in ops/s; x = times slower than memory")
            print(
                f"{'workload':<19}{'memory':>12}{'sqlite':>12}{'redis':>12}"
                f"{'sqlite/mem':>12}{'redis/mem':>11}"
            )
            for name in STORE_WORKLOADS:
                store_row: dict[str, float | None] = {
                    kind: None
                    if kind == "redis" and redis_url is None
                    else measure(name, kind, n, repeat, stores, STORE_WORKLOADS)
                    for kind in STORE_KINDS
                }
                store_results[name] = store_row
                memory = store_row["memory"]
                assert memory is not None
                print(
                    f"{name:<19}{ops(memory, n):>12}{ops(store_row['sqlite'], n):>12}"
                    f"{ops(store_row['redis'], n):>12}{ratio(store_row['sqlite'], memory):>12}"
                    f"{ratio(store_row['redis'], memory):>11}"
                )
        finally:
            stores.close()

    return {
        "n": n,
        "repeat": repeat,
        "workloads": {name: {f"{k}_s": v for k, v in row.items()} for name, row in results.items()},
        "redis_available": redis_url is not None,
        "store_workloads": {
            name: {
                **{f"{k}_s": v for k, v in row.items()},
                **{f"{k}_ops_per_s": None if v is None else n / v for k, v in row.items()},
            }
            for name, row in store_results.items()
        },
    }
