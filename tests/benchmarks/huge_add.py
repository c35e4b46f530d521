"""W7_add_10M, in a fresh process: add_many() of N names into a new SQLite map, with
the memory it takes, printed as JSON.

    python huge_add.py N DIR

The names come from a generator (nobody holds ten million names at once: what is
measured is what graftflow itself keeps). Resident memory is read from the kernel
(/proc/self/status: VmRSS before, VmHWM, the peak, after); elsewhere the peak is
getrusage's and the growth is not measured.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path


def memory(field: str) -> int | None:
    """A /proc/self/status figure in bytes (VmRSS, VmHWM), or None."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def main() -> int:
    n, directory = int(sys.argv[1]), Path(sys.argv[2])
    sys.path.insert(0, str(Path(__file__).parent))
    import workloads

    import graftflow as gf

    store = gf.SQLiteStore(directory / "huge.db")
    try:
        shots = gf.Flow(store=store).create_project("p", workloads.Project).shots
        before = memory("VmRSS")
        start = time.perf_counter()
        added = shots.add_many(f"sh{i:08d}" for i in range(n))
        elapsed = time.perf_counter() - start
        peak = memory("VmHWM")
        if added != n or len(shots) != n:
            raise SystemExit(f"added {added}, the map holds {len(shots)}, expected {n}")
        last = shots.mapped_names((n - 1) // 100, 100)[-1]
        if last != f"sh{n - 1:08d}":
            raise SystemExit(f"the last name is {last!r}")
    finally:
        store.close()
    print(
        json.dumps(
            {
                "seconds": elapsed,
                "rss_before": before,
                "rss_peak": peak,
                "growth": None if before is None or peak is None else peak - before,
                "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                "file_bytes": os.path.getsize(directory / "huge.db"),
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
