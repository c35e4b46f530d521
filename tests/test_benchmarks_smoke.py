"""The benchmark suite runs (tiny sizes) so it cannot rot; no timing is asserted."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

import pytest

BENCH = Path(__file__).parent / "benchmarks"
sys.path.insert(0, str(BENCH))

from workloads import EXTENDED, STORE_KINDS, STORE_WORKLOADS, WORKLOADS, Stores  # noqa: E402

import graftflow as gf  # noqa: E402


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
@pytest.mark.parametrize("name", sorted(WORKLOADS))
def test_workload_does_its_work(name: str, kind: str) -> None:
    """Each workload touches exactly n items and leaves them in the store."""
    stores = Stores()
    try:
        run = WORKLOADS[name](stores, kind, 50)
        assert run() == 50
    finally:
        stores.close()


def test_cold_read_builds_every_item() -> None:
    """The cold workload really builds one item per name on a fresh root."""
    stores = Stores()
    try:
        run = WORKLOADS["read_cold"](stores, "memory", 30)
        assert run() == 30
        store = stores._opened[-1]
        shots = gf.Flow(store=store).project("p").shots
        assert len(shots) == 30
        assert shots._items == {}
    finally:
        stores.close()


def test_runner_smoke(tmp_path: Path) -> None:
    """`run.py --smoke` prints both tables and writes parseable results; Redis figures are
    there exactly when redis-server is installed."""
    out = tmp_path / "core.json"
    proc = subprocess.run(
        [sys.executable, str(BENCH / "run.py"), "--smoke", "--json", str(out)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert "read_cold" in proc.stdout
    assert "store_get_batched" in proc.stdout
    report = json.loads(out.read_text())
    assert report["n"] == 200
    assert set(report["workloads"]) == set(WORKLOADS)
    assert all(v > 0 for row in report["workloads"].values() for v in row.values())
    has_redis = shutil.which("redis-server") is not None and find_spec("redis") is not None
    assert report["redis_available"] is has_redis
    assert ("the Redis figures are null" in proc.stdout) is not has_redis
    assert set(report["store_workloads"]) == set(STORE_WORKLOADS)
    for row in report["store_workloads"].values():
        assert set(row) == {f"{k}_{unit}" for k in STORE_KINDS for unit in ("s", "ops_per_s")}
        for key, value in row.items():
            if key.startswith("redis") and not has_redis:
                assert value is None
            else:
                assert value > 0


def test_dynamic_workload_reads_the_extension() -> None:
    """The dynamic workloads really read a relation their installers graft."""
    stores = Stores()
    try:
        run = WORKLOADS["dynamic_cold"](stores, "memory", 10)
        assert run() == 10
        session = gf.Session(environ=EXTENDED)
        shots = gf.Flow(session, stores._opened[-1]).project("p").shots
        shot = shots[next(iter(shots))]
        assert shot.review.get() == "pending"
        assert session.diagnostics == []
    finally:
        stores.close()


@pytest.mark.parametrize("kind", STORE_KINDS)
@pytest.mark.parametrize("name", sorted(STORE_WORKLOADS))
def test_store_workload_does_its_work(name: str, kind: str, request: pytest.FixtureRequest) -> None:
    """Each store workload does n gets or sets, and the values are in the store."""
    redis_url = request.getfixturevalue("redis_server").url if kind == "redis" else None
    stores = Stores(redis_url=redis_url)
    try:
        run = STORE_WORKLOADS[name](stores, kind, 50)
        assert run() == 50
        store = stores._opened[-1]
        assert store.get("/bench/v0000000") == 0
        assert store.get("/bench/v0000049") == 49
        assert store.get("/bench/v0000050", "absent") == "absent"
    finally:
        stores.close()


def test_redis_stores_need_a_server() -> None:
    """Asking for a Redis store without a server URL is a clear error."""
    stores = Stores()
    try:
        with pytest.raises(ValueError, match="no Redis server for this run"):
            stores.new("redis")
    finally:
        stores.close()
