"""The flow browser's server time: a shot page and map pages, SQLite and Redis (issue 14).

Each page is requested ``requests`` times through the app ``graftflow serve`` runs (in
process, Starlette's TestClient, no network); the time is the app's own
``Server-Timing`` header, measured from the request reaching the app to its response
headers (the page is rendered by then). p50 and p95 of those times are reported, never
judged pass/fail here: docs/browsing.md states the 100 ms target for a 1,000,000-item
map and reads it from this table.

Pages:

- ``shot``: a demo shot's page (13 relations, a computed roll-up, a connection, the
  workflow's grafted map, describe() for the origin badges);
- ``shots table``: a sequence's shots map, 50 rows of 5 columns (the roll-up status
  computed per row);
- ``big map``: a page of a map of ``map_size`` items, at a random depth each time.
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

sys.path.append(str(Path(__file__).parent.parent))  # the tests' modules

import graftflow as gf
from graftflow.plugins.demo import create_demo

SHOT = "/demo/films/f01/sequences/sq010/shots/sh0010"
SHOTS = "/demo/films/f01/sequences/sq010/shots"


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def _measure(client: Any, urls: list[str]) -> dict[str, float]:
    times = []
    for url in urls:
        reply = client.get(url)
        if reply.status_code != 200:
            raise SystemExit(f"web bench: {url} answered {reply.status_code}")
        times.append(float(reply.headers["server-timing"].split("dur=")[1]))
    return {
        "p50_ms": _percentile(times, 0.5),
        "p95_ms": _percentile(times, 0.95),
        "mean_ms": statistics.fmean(times),
        "requests": len(times),
    }


def _bench_store(store: gf.Store, requests: int, map_size: int) -> dict[str, dict[str, float]]:
    from starlette.testclient import TestClient
    from web_support import BigProject

    from graftflow.plugins.web import create_app

    flow = gf.Flow(session=gf.Session(user="bench", environ={}), store=store)
    create_demo(flow)
    big = flow.create_project("big", BigProject)
    chunk = 100_000
    for start in range(0, map_size, chunk):
        big.items.add_many(f"item{n:07d}" for n in range(start, min(map_size, start + chunk)))
    if len(big.items) != map_size:
        raise SystemExit(f"web bench: the big map holds {len(big.items)}, not {map_size}")
    pages = max(1, map_size // 50)
    rng = random.Random(14)
    with TestClient(create_app(flow)) as client:
        for url in (f"/flow{SHOT}", f"/flow{SHOTS}", "/flow/big/items"):
            for _ in range(10):  # warm: templates compiled, imports done, caches filled
                client.get(url)
        figures = {
            "shot": _measure(client, [f"/flow{SHOT}"] * requests),
            "shots table": _measure(client, [f"/flow{SHOTS}"] * requests),
            "big map": _measure(
                client,
                [f"/flow/big/items?page={rng.randrange(pages)}" for _ in range(requests)],
            ),
        }
        page = client.get(f"/flow/big/items?page={pages - 1}").text
        if f"item{map_size - 1:07d}" not in page:
            raise SystemExit("web bench: the big map's last page does not show its last item")
    flow.close()
    return figures


def run_web(requests: int, map_size: int, redis_url: str | None) -> dict[str, Any]:
    """Measure both stores; print a table; return the figures (``web`` in results.json)."""
    results: dict[str, dict[str, dict[str, float]] | None] = {}
    with tempfile.TemporaryDirectory(prefix="graftflow-bench-web-") as directory:
        sqlite = gf.SQLiteStore(Path(directory) / "web.db")
        try:
            results["sqlite"] = _bench_store(sqlite, requests, map_size)
        finally:
            sqlite.close()
    if redis_url is None:
        results["redis"] = None
    else:
        redis = gf.RedisStore(redis_url, prefix=f"web{uuid.uuid4().hex[:8]}")
        try:
            results["redis"] = _bench_store(redis, requests, map_size)
        finally:
            redis.close()
    print(
        f"flow browser server time over {requests} requests per page "
        f"(big map: {map_size:,} items, random pages), in ms"
    )
    print(f"{'page':<14}{'sqlite p50':>12}{'sqlite p95':>12}{'redis p50':>12}{'redis p95':>12}")
    for page in ("shot", "shots table", "big map"):
        cells = []
        for kind in ("sqlite", "redis"):
            figures = results[kind]
            for key in ("p50_ms", "p95_ms"):
                cells.append("null" if figures is None else f"{figures[page][key]:.1f}")
        print(f"{page:<14}" + "".join(f"{cell:>12}" for cell in cells))
    return {"requests": requests, "map_size": map_size, "stores": results}
