"""The benchmark suite runs (tiny sizes) so it cannot rot; no timing is asserted."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).parent / "benchmarks"
sys.path.insert(0, str(BENCH))

from workloads import EXTENDED, WORKLOADS, Stores  # noqa: E402

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
    """`run.py --smoke` prints the table and writes parseable results."""
    out = tmp_path / "core.json"
    proc = subprocess.run(
        [sys.executable, str(BENCH / "run.py"), "--smoke", "--json", str(out)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert "read_cold" in proc.stdout
    report = json.loads(out.read_text())
    assert report["n"] == 200
    assert set(report["workloads"]) == set(WORKLOADS)
    assert all(v > 0 for row in report["workloads"].values() for v in row.values())


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
