"""The flow browser's figures, on SQLite and Redis (issue 14): server time and live delay.

The app ``graftflow serve`` runs is served by a real uvicorn server on loopback (as the
browser tests do) and asked over HTTP by this process. Figures are reported (p50, p95),
never judged pass/fail here: docs/browsing.md states the targets and reads them from
this table.

**Server time**: each page is requested ``requests`` times; the time is the app's own
``Server-Timing`` header, from the request reaching the app to its response headers
(the page is rendered by then).

- ``shot``: a demo shot's page (13 relations, a computed roll-up, a connection, the
  workflow's grafted map, describe() for the origin badges);
- ``shots table``: a sequence's shots map, 50 rows of 5 columns (the roll-up status
  computed per row);
- ``big map``: a page of a map of ``map_size`` items, at a random depth each time.

**Live delay** (``live``): a page's live stream is open (server-sent events, as a
browser's); another process sets a value on the shot; the delay is from that write's
commit to the update carrying the new value reaching this process. On SQLite the
server watches the file's data version (5 times a second); on Redis the store's
notifications tell it; either way a burst of writes is coalesced for 0.1 s.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.append(str(Path(__file__).parent.parent))  # the tests' modules

import graftflow as gf
from graftflow.plugins.demo import create_demo

SHOT = "/demo/films/f01/sequences/sq010/shots/sh0010"
SHOTS = "/demo/films/f01/sequences/sq010/shots"
PAGES = ("shot", "shots table", "big map", "live")

#: Another process writing the shot's frame_in, one value per line it reads; it prints
#: the clock after each commit. time.monotonic() is the machine's one monotonic clock
#: (CLOCK_MONOTONIC on Linux), so this process can compare it with its own.
_WRITER = """
import sys, time
import graftflow as gf
store = gf.open_store(sys.argv[1])
value = gf.Flow(store=store).get_object(sys.argv[2])
print("ready", flush=True)
for line in sys.stdin:
    value.set(int(line))
    print(time.monotonic(), flush=True)
store.close()
"""


def _percentiles(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)

    def at(fraction: float) -> float:
        return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]

    return {
        "p50_ms": at(0.5),
        "p95_ms": at(0.95),
        "mean_ms": statistics.fmean(times),
        "requests": len(times),
    }


def _get(conn: http.client.HTTPConnection, url: str) -> tuple[float, str]:
    """One GET on a kept-alive connection: the app's time (ms) and the page."""
    conn.request("GET", url)
    reply = conn.getresponse()
    body = reply.read().decode()
    if reply.status != 200:
        raise SystemExit(f"web bench: {url} answered {reply.status}")
    return float((reply.getheader("server-timing") or "").split("dur=")[1]), body


def _server_times(port: int, urls: list[str]) -> dict[str, float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        return _percentiles([_get(conn, url)[0] for url in urls])
    finally:
        conn.close()


def _events(reply: http.client.HTTPResponse) -> Any:
    """The (event, data) pairs of a server-sent-events stream, as they arrive."""
    kind, data = "message", ""
    while True:
        line = reply.readline().decode()
        if not line:
            return
        line = line.rstrip("\r\n")
        if not line:
            if data:
                yield kind, data
            kind, data = "message", ""
        elif line.startswith("event:"):
            kind = line[6:].strip()
        elif line.startswith("data:"):
            data += line[5:].strip()


def _live_delays(port: int, store_url: str, samples: int) -> dict[str, float]:
    """Delays (ms) from another process's commit to the open page's update."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRAFTFLOW_")}
    with subprocess.Popen(
        [sys.executable, "-c", _WRITER, store_url, f"{SHOT}/frame_in"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    ) as writer:
        return _time_writes(port, writer, samples)


def _time_writes(port: int, writer: subprocess.Popen[str], samples: int) -> dict[str, float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    rng = random.Random(14)
    try:
        assert writer.stdin is not None
        assert writer.stdout is not None
        if writer.stdout.readline().strip() != "ready":
            raise SystemExit("web bench: the writer process did not start")
        conn.request("GET", f"/events{SHOT}")
        reply = conn.getresponse()
        stream = _events(reply)
        delays = []
        for sample in range(samples):
            time.sleep(rng.uniform(0.05, 0.35))  # any phase of the SQLite watch
            wanted = f'value="{5000 + sample}"'
            writer.stdin.write(f"{5000 + sample}\n")
            writer.stdin.flush()
            for kind, data in stream:
                if kind == "parts" and wanted in json.loads(data).get("rel-frame_in", ""):
                    arrived = time.monotonic()
                    break
            else:
                raise SystemExit("web bench: the live stream ended")
            committed = float(writer.stdout.readline())
            delays.append((arrived - committed) * 1000)
        return _percentiles(delays)
    finally:
        conn.close()
        if writer.stdin is not None:
            writer.stdin.close()  # the writer's loop ends
        writer.wait(timeout=30)


def _bench_store(
    store: gf.Store, requests: int, map_size: int, live_samples: int, shots: int
) -> dict[str, dict[str, float]]:
    from web_support import BigProject, serving

    flow = gf.Flow(session=gf.Session(user="bench", environ={}), store=store)
    create_demo(flow, sequences=2, shots=shots)
    big = flow.create_project("big", BigProject)
    chunk = 100_000
    for start in range(0, map_size, chunk):
        big.items.add_many(f"item{n:07d}" for n in range(start, min(map_size, start + chunk)))
    if len(big.items) != map_size:
        raise SystemExit(f"web bench: the big map holds {len(big.items)}, not {map_size}")
    pages = max(1, map_size // 50)
    rng = random.Random(14)
    with serving(flow) as server:
        port = server.port
        warm = [f"/flow{SHOT}", f"/flow{SHOTS}", "/flow/big/items"] * 10
        _server_times(port, warm)  # templates compiled, imports done, caches filled
        figures = {
            "shot": _server_times(port, [f"/flow{SHOT}"] * requests),
            "shots table": _server_times(port, [f"/flow{SHOTS}"] * requests),
            "big map": _server_times(
                port, [f"/flow/big/items?page={rng.randrange(pages)}" for _ in range(requests)]
            ),
        }
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        last = _get(conn, f"/flow/big/items?page={pages - 1}")[1]
        conn.close()
        if f"item{map_size - 1:07d}" not in last:
            raise SystemExit("web bench: the big map's last page does not show its last item")
        figures["live"] = _live_delays(port, store.url, live_samples)
    flow.close()
    return figures


def run_web(
    requests: int, map_size: int, live_samples: int, redis_url: str | None, *, shots: int = 60
) -> dict[str, Any]:
    """Measure both stores; print a table; return the figures (``web`` in results.json).

    :param shots: shots per sequence of the demo (the shots table shows 50 of them).
    """
    results: dict[str, dict[str, dict[str, float]] | None] = {}
    with tempfile.TemporaryDirectory(prefix="graftflow-bench-web-") as directory:
        sqlite = gf.SQLiteStore(Path(directory) / "web.db")
        try:
            results["sqlite"] = _bench_store(sqlite, requests, map_size, live_samples, shots)
        finally:
            sqlite.close()
    if redis_url is None:
        results["redis"] = None
    else:
        redis = gf.RedisStore(redis_url, prefix=f"web{uuid.uuid4().hex[:8]}")
        try:
            results["redis"] = _bench_store(redis, requests, map_size, live_samples, shots)
        finally:
            redis.close()
    print(
        f"flow browser, in ms: server time over {requests} requests per page (big map: "
        f"{map_size:,} items, random pages); live: another process's write to the open "
        f"page's update, {live_samples} writes"
    )
    print(f"{'page':<14}{'sqlite p50':>12}{'sqlite p95':>12}{'redis p50':>12}{'redis p95':>12}")
    for page in PAGES:
        cells = []
        for kind in ("sqlite", "redis"):
            figures = results[kind]
            for key in ("p50_ms", "p95_ms"):
                cells.append("null" if figures is None else f"{figures[page][key]:.1f}")
        print(f"{page:<14}" + "".join(f"{cell:>12}" for cell in cells))
    return {
        "requests": requests,
        "map_size": map_size,
        "live_samples": live_samples,
        "stores": results,
    }
