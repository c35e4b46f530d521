"""Instructions per item of a cold read, counted by valgrind's callgrind (issue 18).

    python tests/benchmarks/instructions.py [--n 10000] [--gc off] [--json] [SIDE:TREE ...]
    tox -e bench -- --instructions        # the same, every side and tree, GC on

Timings on a shared two-core machine move by 5 to 10% from run to run, so a change
worth 3% per item cannot be told from noise by the clock. Instructions can: for each
``SIDE:TREE`` (sides ``graftflow``, ``floor`` and, where kabaret is installed,
``kabaret``, at its best; trees as in sides.py: ``plain`` is W1's, ``ext`` W2's,
``ext_plain`` W2p's, ``ext_typed`` W2t's, ``ext_per_type`` W2pt's), two processes run
under callgrind with a fixed hash seed. Both fill a store with n + 1 items, read one
item on a throwaway root (registries, plans and caches are made there) and open a
fresh root; the second then reads one value of each of the n other items, as W1_cold
and W2_cold do. The difference, over n, is what one cold read of one item costs:
the same figure run after run, within a few instructions.

Instructions are not time (a cache miss costs more than an add, and the collector's
share depends on what else is alive), so this instrument ranks changes to the code;
the timed suite (run.py) says what they are worth.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
#: What each side can read (sides.READS names every tree).
TREES = {
    "graftflow": ("plain", "ext", "ext_plain", "ext_typed", "ext_per_type"),
    "floor": ("plain", "ext"),
    "kabaret": ("plain", "ext"),
}
_COLLECTED = re.compile(r"Collected\s*:\s*(\d+)")


class CountError(Exception):
    """Counting cannot run here, or a count came out wrong: said without a traceback."""


def _side(name: str) -> Any:
    import sides

    if name == "graftflow":
        return sides.GraftflowSide()
    if name == "floor":
        return sides.FloorSide()
    return sides.KabaretSide(best=True)


def child(side_name: str, tree: str, n: int, read: bool, gc_on: bool) -> int:
    """The counted program: set up, and with ``read`` read n items cold; returns how
    many items gave the value their tree must give (n, or 0 without ``read``)."""
    import sides

    side = _side(side_name)
    attr, expected = sides.READS[tree]
    store = side.populated(tree, n + 1)
    names = side.names(n + 1)
    with side.context(tree):
        # A throwaway root reads one item first: what a session makes once (registry,
        # plans, a class's shared tables) is then out of the difference.
        if sides.read_all(side.fresh_shots(tree, store), names[:1], attr) != {expected}:
            raise CountError(f"{side_name}:{tree} read something else than {expected!r}")
        shots = side.fresh_shots(tree, store)
        gc.collect()
        if not gc_on:
            gc.disable()
        if not read:
            return 0
        todo = names[1:]
        if sides.read_all(shots, todo, attr) != {expected}:
            raise CountError(f"{side_name}:{tree} read something else than {expected!r}")
        return len(todo)


def _instructions(valgrind: str, spec: str, n: int, read: bool, gc_on: bool) -> int:
    side, tree = spec.split(":")
    argv = [
        valgrind,
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        side,
        tree,
        str(n),
        "1" if read else "0",
        "on" if gc_on else "off",
    ]
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE), env.get("PYTHONPATH")]))
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
    found = _COLLECTED.search(proc.stderr)
    if proc.returncode != 0 or found is None:
        tail = "\n".join(proc.stderr.strip().splitlines()[-5:])
        raise CountError(f"counting {spec} failed (exit {proc.returncode}):\n{tail}")
    return int(found.group(1))


def count(specs: list[str], n: int, gc_on: bool, say: Any = print) -> dict[str, float]:
    """Instructions per item of each ``SIDE:TREE``'s cold read."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        raise CountError("valgrind is not installed (apt-get install valgrind)")
    result: dict[str, float] = {}
    for number, spec in enumerate(specs, 1):
        say(f"  [{number}/{len(specs)}] counting {spec} (two runs under callgrind)...")
        setup = _instructions(valgrind, spec, n, False, gc_on)
        whole = _instructions(valgrind, spec, n, True, gc_on)
        result[spec] = (whole - setup) / n
    return result


def default_specs() -> list[str]:
    """Every side's trees; kabaret's only where it is installed."""
    import kabaret_side

    sides_here = [s for s in TREES if s != "kabaret" or kabaret_side.AVAILABLE]
    return [f"{side}:{tree}" for side in sides_here for tree in TREES[side]]


def check_specs(specs: list[str]) -> None:
    for spec in specs:
        side, _, tree = spec.partition(":")
        if tree not in TREES.get(side, ()):
            known = ", ".join(f"{s}:{t}" for s in TREES for t in TREES[s])
            raise CountError(f"unknown SIDE:TREE {spec!r}; one of {known}")


def table(figures: dict[str, float], gc_on: bool) -> str:
    """The figures, and each graftflow tree against the floor's W1 or W2 tree."""
    lines = [
        f"instructions per item of a cold read (callgrind, GC {'on' if gc_on else 'off'})",
        f"{'side:tree':26} {'per item':>10} {'x floor':>8}",
    ]
    for spec, per_item in figures.items():
        _, tree = spec.split(":")
        floor = figures.get("floor:plain" if tree == "plain" else "floor:ext")
        ratio = f"{per_item / floor:7.2f}x" if floor else ""
        lines.append(f"{spec:26} {per_item:10,.0f} {ratio:>8}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("specs", nargs="*", metavar="SIDE:TREE", help="default: all")
    parser.add_argument("--n", type=int, default=10_000, help="items read (10,000)")
    parser.add_argument("--gc", choices=("on", "off"), default="on", help="the collector")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        if args.child:
            side, tree, n, read, gc_on = args.child
            child(side, tree, int(n), read == "1", gc_on == "on")
            return 0
        if args.n < 1:
            raise CountError(f"--n must be at least 1, not {args.n}")
        specs = args.specs or default_specs()
        check_specs(specs)
        say = (lambda what: print(what, file=sys.stderr)) if args.json else print
        figures = count(specs, args.n, args.gc == "on", say)
    except CountError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps({"n": args.n, "gc": args.gc, "per_item": figures}, indent=2))
    else:
        print(table(figures, args.gc == "on"))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    sys.exit(main())
