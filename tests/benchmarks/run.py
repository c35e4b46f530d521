"""Run the core benchmarks: best of R runs, memory and SQLite side by side in one run.

    python tests/benchmarks/run.py            # N=10,000, best of 5
    python tests/benchmarks/run.py --smoke    # tiny sizes, one run (what CI exercises)

Timings are figures to compare, never pass/fail: machines here are noisy, so what
matters is the ratio between rows measured in the same run. Results also go to
.bench/core.json.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from workloads import WORKLOADS, Stores

import graftflow

KINDS = ("memory", "sqlite")


def measure(name: str, kind: str, n: int, repeat: int, stores: Stores) -> float:
    best = float("inf")
    for _ in range(repeat):
        run = WORKLOADS[name](stores, kind, n)
        gc.collect()
        start = time.perf_counter()
        done = run()
        elapsed = time.perf_counter() - start
        if done != n:
            raise SystemExit(f"{name}/{kind}: touched {done} items, expected {n}")
        best = min(best, elapsed)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=10_000, help="items per workload (default 10,000)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per workload; the best counts")
    parser.add_argument(
        "--smoke", action="store_true", help="tiny sizes, one run: proves the suite runs"
    )
    parser.add_argument(
        "--json", type=Path, default=Path(".bench/core.json"), help="where to write results"
    )
    args = parser.parse_args(argv)
    n, repeat = (200, 1) if args.smoke else (args.n, args.repeat)

    stores = Stores()
    results: dict[str, dict[str, float]] = {}
    print(f"graftflow {graftflow.__version__} core benchmarks: n={n:,}, best of {repeat}")
    print(f"{'workload':<14}{'memory':>12}{'sqlite':>12}{'sqlite/memory':>15}{'µs/item (mem)':>15}")
    try:
        for name in WORKLOADS:
            row = {kind: measure(name, kind, n, repeat, stores) for kind in KINDS}
            results[name] = row
            ratio = row["sqlite"] / row["memory"]
            per_item = row["memory"] / n * 1e6
            memory_ms, sqlite_ms = row["memory"] * 1e3, row["sqlite"] * 1e3
            print(
                f"{name:<14}{memory_ms:>10.1f}ms{sqlite_ms:>10.1f}ms{ratio:>14.1f}x{per_item:>15.2f}"
            )
    finally:
        stores.close()

    args.json.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "machine": {"python": sys.version.split()[0], "platform": platform.platform()},
        "n": n,
        "repeat": repeat,
        "workloads": {name: {f"{k}_s": v for k, v in row.items()} for name, row in results.items()},
    }
    args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"results written to {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
