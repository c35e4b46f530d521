"""The workloads W1 to W8, measured on graftflow and kabaret in one process.

Three sides: graftflow, kabaret at its best (its maps look items up in constant time)
and stock kabaret (see :mod:`kabaret_side`). Every timed workload runs twice per
attempt, interleaved: with the garbage collector on (as programs run; the targets are
judged on these figures) and off (as ``timeit`` times). The collector is collected
before every timed run, for every side alike, and the best of R runs counts. Memory
(W4) is tracemalloc's peak during one untimed-for-speed run. Every measured run's
result is checked (how many items, which values), so a workload that silently did less
work cannot produce a figure.
"""

from __future__ import annotations

import compileall
import gc
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import sides
import workloads as gfw

import graftflow as gf

HERE = Path(__file__).parent


@dataclass
class Config:
    n: int = 10_000
    repeat: int = 5
    #: Repeats for kabaret's workloads that take seconds per run (add, cold reads).
    kabaret_slow_repeat: int = 2
    scaling: tuple[int, ...] = (1_000, 10_000, 100_000)
    #: kabaret's map lookup grows with N: it is measured up to this size only.
    kabaret_scaling_max: int = 10_000
    #: W4's size: under tracemalloc kabaret's map lookup (a sorted copy of every name
    #: per item read) is traced allocation by allocation, quadratic: minutes at 10,000.
    memory_n: int = 2_000
    bigmap_n: int = 1_000_000
    bigmap_reads: int = 1_000
    memory_bigmap_sizes: tuple[int, ...] = (100_000, 1_000_000, 10_000_000)
    #: W7_add_10M's size.
    huge_n: int = 10_000_000
    distributions: int = 200
    with_kabaret: bool = True
    progress: Callable[[str], None] = field(default=lambda message: None)


class WorkloadError(Exception):
    """A measured run did not do the work it claims (wrong count or values)."""


# -- measuring ------------------------------------------------------------------------


#: The garbage collector's state during a timed run: "on" is how programs run, "off"
#: is how timeit times (and how this suite timed before issue 18).
GC_MODES = ("on", "off")


def timed(run: Callable[[], Any], gc_mode: str = "on") -> tuple[float, Any]:
    """One run after a full collection, the collector on or off as ``gc_mode`` says;
    returns (seconds, what run returned)."""
    gc.collect()
    enabled = gc.isenabled()
    if gc_mode == "off":
        gc.disable()
    else:
        gc.enable()
    try:
        start = time.perf_counter()
        result = run()
        elapsed = time.perf_counter() - start
    finally:
        if enabled:
            gc.enable()
        else:
            gc.disable()
    return elapsed, result


def best_of(figures: list[dict[str, float]]) -> dict[str, float]:
    """The best time per GC mode over several runs' ``{mode: seconds}``."""
    return {mode: min(f[mode] for f in figures) for mode in GC_MODES}


def traced_peak(run: Callable[[], Any]) -> tuple[int, Any]:
    """tracemalloc's peak (bytes) while ``run`` runs; what was allocated before is not
    counted, so the populated store does not weigh in, the tree built does."""
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        result = run()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, result


class CollectorWatch:
    """Counts the garbage collector's passes and the time spent in them, per generation
    (``gc.callbacks``), while :meth:`run` runs: W6's evidence of where the per-item
    cold cost grows with the number of items."""

    def __init__(self) -> None:
        self.collections = [0, 0, 0]
        self.seconds = [0.0, 0.0, 0.0]
        self._started = 0.0

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        now = time.perf_counter()
        if phase == "start":
            self._started = now
        else:
            generation = info["generation"]
            self.collections[generation] += 1
            self.seconds[generation] += now - self._started

    def run(self, run: Callable[[], Any]) -> Any:
        """``run()``, watched; meant to be what :func:`timed` times, so the collection
        ``timed`` does before the clock starts is not counted."""
        gc.callbacks.append(self._callback)
        try:
            return run()
        finally:
            gc.callbacks.remove(self._callback)


def collector_profile(side: Any, tree: str, n: int, runs: int) -> dict[str, Any]:
    """W6's collector evidence for one side and size: ``runs`` cold passes of n items,
    GC on, each watched by a :class:`CollectorWatch`; the fastest pass's figures.

    These passes are extra and their times are not the row's figures: the callbacks
    cost a Python call at every collection's start and stop (thousands per pass at
    100,000 items), which the timed passes should not carry.
    """
    store = side.populated(tree, n)
    _, value = sides.READS[tree]
    best: tuple[float, CollectorWatch] | None = None
    for _ in range(runs):
        run, kept = side.cold_reader(tree, store, n)
        watch = CollectorWatch()
        with side.context(tree):
            elapsed, seen = timed(partial(watch.run, run), "on")
        check_values(f"{side.name} {tree} watched", seen, value)
        del kept
        if best is None or elapsed < best[0]:
            best = (elapsed, watch)
    assert best is not None
    elapsed, watch = best
    collector_s = sum(watch.seconds)
    return {
        "seconds_per_item": elapsed / n,
        **{
            f"gen{generation}": {
                "collections": watch.collections[generation],
                "seconds_per_item": watch.seconds[generation] / n,
            }
            for generation in range(3)
        },
        "collector_seconds_per_item": collector_s / n,
        "without_collector_seconds_per_item": (elapsed - collector_s) / n,
    }


def check_values(what: str, seen: Any, expected: Any) -> None:
    if seen != {expected}:
        raise WorkloadError(f"{what}: read {sorted(map(repr, seen))}, expected only {expected!r}")


# -- the tree workloads: W1, W2, W3, W4, W5, W6 -----------------------------------------


@dataclass
class ReadFigures:
    #: The best cold and warm pass, by GC mode ("on", "off").
    cold_s: dict[str, float]
    warm_s: dict[str, float]
    cold_repeat: int
    calls: dict[str, int]
    #: Every value read, cold and warm.
    values: set[Any]


def read_pass(
    side: Any, tree: str, n: int, repeat: int, warm_repeat: int, check: bool = True
) -> ReadFigures:
    """Cold reads (a fresh root each run, best of ``repeat``), then warm reads on the
    last root. Counts installer and factory calls during the first cold run (W5).

    :param check: raise unless every item read the tree's expected value; without it
        the values seen are only recorded (W3 compares the sides' winners).
    """
    return read_passes(side, (tree,), n, repeat, warm_repeat, check)[tree]


def read_passes(
    side: Any,
    trees: tuple[str, ...],
    n: int,
    repeat: int,
    warm_repeat: int,
    check: bool = True,
) -> dict[str, ReadFigures]:
    """:func:`read_pass` for several trees of one side, their runs interleaved."""
    subjects = [Subject(side, tree, repeat) for tree in trees]
    figures = interleaved_reads(subjects, n, warm_repeat, check)
    return {tree: figures[side.name, tree] for tree in trees}


@dataclass
class Subject:
    """One side's tree in :func:`interleaved_reads`, and how many cold runs it gets."""

    side: Any
    tree: str
    repeat: int


def interleaved_reads(
    subjects: list[Subject], n: int, warm_repeat: int, check: bool = True
) -> dict[tuple[str, str], ReadFigures]:
    """:func:`read_pass` for several sides and trees, their runs interleaved (graftflow
    plain, graftflow ext, kabaret plain..., each GC on then off, round after round): the
    figures compared with each other (every ratio, W2_overhead, W2_warm against W1_warm)
    share whatever load the machine had at the time. A subject with fewer cold runs
    (stock kabaret: seconds each) takes part in the first rounds only."""
    stores = {id(s): s.side.populated(s.tree, n) for s in subjects}
    cold: dict[int, list[dict[str, float]]] = {id(s): [] for s in subjects}
    warm: dict[int, list[dict[str, float]]] = {id(s): [] for s in subjects}
    calls: dict[int, dict[str, int]] = {}
    values: dict[int, set[Any]] = {id(s): set() for s in subjects}
    kept: dict[int, list[Any]] = {id(s): [] for s in subjects}

    def record(subject: Subject, what: str, seen: set[Any]) -> None:
        values[id(subject)] |= seen
        if check:
            where = f"{subject.side.name} {subject.tree} {what}"
            check_values(where, seen, sides.READS[subject.tree][1])

    for attempt in range(max(s.repeat for s in subjects)):
        for subject in subjects:
            if attempt >= subject.repeat:
                continue
            side, tree, key = subject.side, subject.tree, id(subject)
            figures = {}
            for mode in GC_MODES:
                kept[key].clear()  # let the previous root go before the next run
                run, kept[key] = side.cold_reader(tree, stores[key], n)
                side.reset_calls()
                with side.context(tree):
                    figures[mode], seen = timed(run, mode)
                if attempt == 0 and mode == GC_MODES[0]:
                    calls[key] = side.calls()
                record(subject, f"cold (gc {mode})", seen)
            cold[key].append(figures)
    readers = {id(s): s.side.warm_reader(s.tree, kept[id(s)][-1], n) for s in subjects}
    for _ in range(warm_repeat):
        for subject in subjects:
            figures = {}
            for mode in GC_MODES:
                with subject.side.context(subject.tree):
                    figures[mode], seen = timed(readers[id(subject)], mode)
                record(subject, f"warm (gc {mode})", seen)
            warm[id(subject)].append(figures)
    return {
        (s.side.name, s.tree): ReadFigures(
            best_of(cold[id(s)]), best_of(warm[id(s)]), s.repeat, calls[id(s)], values[id(s)]
        )
        for s in subjects
    }


def count_calls(side: Any, n: int) -> dict[str, int]:
    """W5: installer and factory calls during one W2_cold pass of n items, with the
    counting factories (the timed passes run uncounted ones)."""
    side.counting(True)
    try:
        return read_pass(side, "ext", n, 1, 1).calls
    finally:
        side.counting(False)


def add_passes(sides_repeats: list[tuple[Any, int]], n: int) -> dict[str, dict[str, float]]:
    """``add()`` n items one at a time into a fresh map, each side's runs interleaved
    with the others' (as :func:`interleaved_reads`); the best run per side, GC mode."""
    runs: dict[str, list[dict[str, float]]] = {side.name: [] for side, _ in sides_repeats}
    for attempt in range(max(repeat for _, repeat in sides_repeats)):
        for side, repeat in sides_repeats:
            if attempt >= repeat:
                continue
            figures = {}
            for mode in GC_MODES:
                run = side.adder("plain", n)
                figures[mode], count = timed(run, mode)
                if count != n:
                    raise WorkloadError(
                        f"{side.name} add: the map holds {count} items, expected {n}"
                    )
            runs[side.name].append(figures)
    return {name: best_of(figures) for name, figures in runs.items()}


def memory_peak(side: Any, tree: str, n: int) -> int:
    _, expected = sides.READS[tree]
    store = side.populated(tree, n)
    with side.context(tree):
        run, kept = side.cold_reader(tree, store, n)
        peak, seen = traced_peak(run)
    check_values(f"{side.name} {tree} traced", seen, expected)
    del kept
    return peak


# -- W7: a big map in SQLite (graftflow only) -------------------------------------------


def _fill_bigmap(path: Path, todo: list[str]) -> tuple[float, float]:
    """Add ``todo`` to two maps of a new SQLite file: one batched ``add_many``, then
    ``add()`` one name at a time inside one ``flow.batch()``; returns both times."""
    n = len(todo)
    store = gf.SQLiteStore(path)
    try:
        flow = gf.Flow(store=store)
        shots = flow.create_project("p", gfw.Project).shots
        add_s, added = timed(lambda: shots.add_many(todo))
        if added != n or len(shots) != n:
            raise WorkloadError(f"bigmap: added {added}, the map holds {len(shots)}")
        each = flow.create_project("each", gfw.Project).shots

        def add_each() -> int:
            with flow.batch():
                for name in todo:
                    each.add(name)
            return len(each)

        add_each_s, added = timed(add_each)
        if added != n:
            raise WorkloadError(f"bigmap: add() one at a time left {added} items")
    finally:
        store.close()
    return add_s, add_each_s


def _read_page(path: Path, page: int) -> tuple[float, list[str]]:
    """A page of 100 names of a fresh root on a fresh store (a fresh connection)."""
    with closing(gf.SQLiteStore(path)) as store:
        shots = gf.Flow(store=store).project("p").shots
        return timed(lambda: shots.mapped_names(page, 100))  # type: ignore[no-any-return]


def _read_items(path: Path, picked: list[str]) -> float:
    """Read ``status`` of the ``picked`` items of a fresh root on a fresh store."""
    with closing(gf.SQLiteStore(path)) as store:
        shots = gf.Flow(store=store).project("p").shots

        def read() -> int:
            count = 0
            for name in picked:
                if shots[name].status.get() == "wip":
                    count += 1
            return count

        elapsed, count = timed(read)
    if count != len(picked):
        raise WorkloadError(f"bigmap: {count} of {len(picked)} random reads worked")
    return elapsed


def bigmap(n: int, reads: int, repeat: int) -> dict[str, Any]:
    """A map of n items in a SQLite file, the garbage collector on throughout.

    Added twice, into two maps of the file: once with one batched ``add_many``, once
    with ``add()`` one name at a time inside one ``flow.batch()`` (each call checks the
    name, writes it and builds its item). Then, each run on a fresh ``SQLiteStore``
    (a fresh connection: nothing cached from the run before): a page of 100 names
    (first, middle and last page; the slowest counts), and ``reads`` random items read
    from a fresh root, a new sample each run (time per item).
    """
    todo = gfw.names(n)
    pages = {"first": 0, "middle": n // 200, "last": (n - 1) // 100}
    page_runs: dict[str, list[float]] = {where: [] for where in pages}
    read_runs: list[float] = []
    with tempfile.TemporaryDirectory(prefix="graftflow-bench-bigmap-") as directory:
        path = Path(directory) / "big.db"
        add_s, add_each_s = _fill_bigmap(path, todo)
        for attempt in range(repeat):
            for where, page in pages.items():
                elapsed, got = _read_page(path, page)
                if got != todo[page * 100 : page * 100 + 100]:
                    raise WorkloadError(f"bigmap: page {page} is wrong: {got[:3]}...")
                page_runs[where].append(elapsed)
            picked = random.Random(attempt).sample(todo, min(reads, n))
            read_runs.append(_read_items(path, picked) / len(picked))
        size = os.path.getsize(path)
    page_s = {where: min(runs) for where, runs in page_runs.items()}
    return {
        "add_s": add_s,
        "add_each_s": add_each_s,
        "page_s": max(page_s.values()),
        "pages_s": page_s,
        "read_item_s": min(read_runs),
        "file_bytes": size,
    }


# -- W7_memory: big maps in a MemoryStore (graftflow only) -------------------------------

#: W7_memory's pages and adds per timed run: one page read or one batched add right
#: after a full collection of a 10M-entry heap times the cold caches as much as the
#: operation (a no-op timed the same way grows ~3x from 100,000 to 10,000,000 names), so
#: each run times this many distinct pages (or adds) and reports the time per operation.
MEMORY_BIGMAP_OPS = 100
PAGE = 100


def _noop() -> None:
    return None


def memory_bigmap(sizes: tuple[int, ...], repeat: int) -> dict[int, dict[str, Any]]:
    """Per size, a MemoryStore map of that many names (one removed in the middle first,
    so pages step over a hole), GC on, best of ``repeat`` runs each (every run through
    :func:`timed`: collected once before it):

    - ``page_s``: a fresh root reads the map's last ``MEMORY_BIGMAP_OPS`` pages of 100
      names (all past the hole, each checked), time per page;
    - ``batched_add_s``: ``MEMORY_BIGMAP_OPS`` ``add()`` calls, each in its own
      ``flow.batch()``, distinct names (checked after), time per add;
    - for information: ``first_page_s`` and ``first_add_s``, one page and one batched
      add timed alone right after the collection (how this row measured before), and
      ``noop_s``, ``timed(lambda: None)`` after the same collection: the floor of a
      single-operation figure at that heap size.

    The map is filled through the store (``ordered_add``): what is measured is the
    page and the batched add, not filling ten million names item by item.
    """
    figures: dict[int, dict[str, Any]] = {}
    for n in sizes:
        figures[n] = _memory_bigmap_runs(n, repeat)
        gc.collect()  # the map is gone: the next size starts from a small heap
    return figures


def _memory_bigmap_runs(n: int, repeat: int) -> dict[str, Any]:
    """:func:`memory_bigmap` at one size."""
    ops = MEMORY_BIGMAP_OPS
    hole = n // 2
    left = n - 1  # names in the map once the hole is made
    first_page = (left - 1) // PAGE - ops + 1  # of the last `ops` pages
    if first_page * PAGE < hole:
        raise WorkloadError(
            f"memory bigmap: {n:,} names leave fewer than {ops} pages past the hole"
        )
    store = gf.MemoryStore()
    flow = gf.Flow(store=store)
    key = flow.create_project("p", gfw.Project).shots.oid()
    todo = gfw.names(n)
    store.ordered_add(key, dict.fromkeys(todo))
    store.ordered_remove(key, todo[hole])
    # What the map holds from `tail_start` on (the hole is before it); the adds below
    # append to it. The last pages move forward as the map grows.
    tail_start = first_page * PAGE
    tail = todo[tail_start + 1 :]
    del todo

    def expected(page: int) -> list[str]:
        start = page * PAGE - tail_start
        return tail[start : start + PAGE]

    def read_pages(shots: Any, pages: range) -> list[list[str]]:
        return [shots.mapped_names(page, PAGE) for page in pages]

    def add(shots: Any, names: list[str]) -> int:
        for name in names:
            with shots.root().batch():
                shots.add(name)
        return len(names)

    runs: dict[str, list[float]] = {
        what: [] for what in ("page_s", "batched_add_s", "first_page_s", "first_add_s", "noop_s")
    }
    for attempt in range(repeat):
        runs["noop_s"].append(timed(_noop)[0])
        last = (store.ordered_len(key) - 1) // PAGE
        pages = range(last - ops + 1, last + 1)

        shots = gf.Flow(store=store).project("p").shots
        elapsed, got = timed(partial(shots.mapped_names, last, PAGE))
        if got != expected(last):
            raise WorkloadError(f"memory bigmap: the last page of {n:,} is {got[:2]}...")
        runs["first_page_s"].append(elapsed)

        shots = gf.Flow(store=store).project("p").shots
        elapsed, got = timed(partial(read_pages, shots, pages))
        for page, names in zip(pages, got, strict=True):
            if names != expected(page):
                raise WorkloadError(
                    f"memory bigmap: page {page} of {n:,} is {names[:2]}..., "
                    f"expected {expected(page)[:2]}..."
                )
        runs["page_s"].append(elapsed / ops)

        for what, names in (
            ("first_add_s", [f"first{attempt}"]),
            ("batched_add_s", [f"extra{attempt}_{i}" for i in range(ops)]),
        ):
            elapsed, _ = timed(partial(add, shots, names))
            size = store.ordered_len(key)
            added = store.ordered_range(key, size - len(names), size)
            if added != names:
                raise WorkloadError(
                    f"memory bigmap: after {len(names)} add() in {n:,}, the map ends with "
                    f"{added[-2:]}..., expected {names[-2:]}"
                )
            runs[what].append(elapsed / len(names))
            tail.extend(names)
    return {**{what: min(values) for what, values in runs.items()}, "ops_per_run": ops}


# -- W7_add_10M: add_many() of ten million names into SQLite, in bounded memory ----------


def huge_add(n: int) -> dict[str, Any]:
    """``add_many()`` of n names (a generator) into a new SQLite map, in a fresh process
    (huge_add.py): the time, and how much resident memory it grew by."""
    with tempfile.TemporaryDirectory(prefix="graftflow-bench-huge-") as directory:
        proc = subprocess.run(
            [sys.executable, str(HERE / "huge_add.py"), str(n), directory],
            capture_output=True,
            text=True,
            check=False,
            timeout=3600,
        )
    if proc.returncode != 0:
        raise WorkloadError(f"huge_add.py failed:\n{proc.stdout}{proc.stderr}")
    return {**json.loads(proc.stdout), "n": n}


# -- W8: session start with many distributions (graftflow only) --------------------------


def make_distributions(directory: Path, count: int) -> int:
    """``count`` dummy distributions (``.dist-info`` with METADATA and entry_points.txt);
    one in forty declares a ``graftflow.installers`` entry point backed by a real module,
    the others declare groups graftflow does not read. Returns how many installers."""
    installers = 0
    for number in range(count):
        name = f"gfbench_dummy_{number:03d}"
        info = directory / f"{name}-1.0.dist-info"
        info.mkdir(parents=True)
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n", encoding="utf-8"
        )
        if number % 40 == 0:
            installers += 1
            (directory / f"{name}.py").write_text(
                f"def install(session):\n    return {{'{name}': []}}\n", encoding="utf-8"
            )
            groups = f"[graftflow.installers]\n{name} = {name}:install\n"
        elif number % 2:
            groups = f"[console_scripts]\n{name} = {name}:main\n"
        else:
            groups = f"[some.other.group]\n{name} = {name}:thing\n"
        (info / "entry_points.txt").write_text(groups, encoding="utf-8")
    return installers


def session_start(distributions: int, repeat: int) -> dict[str, Any]:
    """Best of ``repeat`` fresh processes for each: graftflow's session start (first and
    second session), and the bare ``importlib.metadata.entry_points(group=...)``."""
    with tempfile.TemporaryDirectory(prefix="graftflow-bench-dists-") as directory:
        path = Path(directory)
        installers = make_distributions(path / "site", distributions)
        config_home = path / "config"
        config_home.mkdir()
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("GRAFTFLOW_") and key != "XDG_CONFIG_HOME"
        }
        env["XDG_CONFIG_HOME"] = str(config_home)
        # Installed software has its bytecode compiled (pip does it): without this, a
        # developer's PYTHONDONTWRITEBYTECODE=1 would time compiling the dummy modules.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        compileall.compile_dir(path / "site", quiet=1)
        best: dict[str, float] = {}
        details: dict[str, Any] = {}
        # Interleaved, so a burst of load from elsewhere hits both sides alike.
        for _ in range(repeat):
            for mode in ("bare", "graftflow"):
                proc = subprocess.run(
                    [sys.executable, str(HERE / "session_start.py"), mode, str(path / "site")],
                    capture_output=True,
                    text=True,
                    env=env,
                    check=False,
                    timeout=300,
                )
                if proc.returncode != 0:
                    raise WorkloadError(f"session_start.py {mode} failed:\n{proc.stderr}")
                figures = json.loads(proc.stdout)
                if figures["installers"] != installers:
                    raise WorkloadError(
                        f"session_start.py {mode}: found {figures['installers']} installers, "
                        f"expected {installers}"
                    )
                for key, value in figures.items():
                    if key.endswith("_s"):
                        best[key] = min(best.get(key, float("inf")), value)
                    else:
                        details[key] = value
    return {**best, **details, "distributions": distributions}


# -- the whole suite --------------------------------------------------------------------


def run_suite(config: Config) -> dict[str, dict[str, Any]]:
    """Measure everything; returns raw figures by workload and side (the runner judges)."""
    say = config.progress
    n, repeat = config.n, config.repeat
    gf_side = sides.GraftflowSide()
    floor = sides.FloorSide()
    best = sides.KabaretSide(best=True) if config.with_kabaret else None
    stock = sides.KabaretSide(best=False) if config.with_kabaret else None
    slow = config.kabaret_slow_repeat
    raw: dict[str, dict[str, Any]] = {}

    say("W1_add")
    # Every side's runs are interleaved (here and below): the ratios compare figures
    # taken under the same load.
    present = [(side, r) for side, r in ((best, repeat), (stock, slow)) if side is not None]
    adds = add_passes([(gf_side, repeat), (floor, repeat), *present], n)
    raw["W1_add"] = {
        "graftflow": adds["graftflow"],
        "floor": adds["floor"],
        "graftflow_add_many": best_of(
            [
                {mode: timed(gf_side.add_many(n), mode)[0] for mode in GC_MODES}
                for _ in range(repeat)
            ]
        ),
        "kabaret": adds.get("kabaret"),
        "kabaret_stock": adds.get("kabaret_stock"),
    }
    say("W1, W2 and W2p reads")
    # kabaret's factories are all plain and per object: its W2 is also what graftflow's
    # W2p, W2t and W2pt are compared with.
    gf_trees = ("plain", "ext", "ext_plain", "ext_typed", "ext_per_type")
    subjects = [Subject(gf_side, tree, repeat) for tree in gf_trees]
    subjects += [Subject(floor, tree, repeat) for tree in ("plain", "ext")]
    for side, cold_repeat in present:
        subjects += [Subject(side, tree, cold_repeat) for tree in ("plain", "ext")]
    reads = interleaved_reads(subjects, n, repeat)
    w1, w2, w2p, w2t, w2pt = {}, {}, {}, {}, {}
    by_tree = {"plain": w1, "ext": w2, "ext_plain": w2p, "ext_typed": w2t, "ext_per_type": w2pt}
    for (name, tree), figures in reads.items():
        by_tree[tree][name] = figures
    for side, _ in present:  # kabaret's one W2 stands for every W2 variant
        w2p[side.name] = w2t[side.name] = w2pt[side.name] = w2[side.name]
    say("W3 override")
    over = [Subject(gf_side, "over", repeat), *(Subject(s, "over", r) for s, r in present)]
    w3 = {name: figures for (name, _), figures in interleaved_reads(over, n, 1, False).items()}
    raw["W1"], raw["W2"], raw["W2p"], raw["W3"] = w1, w2, w2p, w3
    raw["W2t"], raw["W2pt"] = w2t, w2pt

    say("W4 memory")
    raw["W4"] = {
        tree: {
            side.name: memory_peak(side, tree, config.memory_n)
            for side in (gf_side, best, stock)
            if side
        }
        for tree in ("plain", "ext")
    }

    say("W5 calls")
    raw["W5"] = {
        "n": config.memory_n,
        "graftflow": count_calls(gf_side, config.memory_n),
        # The same calls on both kabaret sides: their maps differ, their factories do not.
        "kabaret": count_calls(best, config.memory_n) if best else None,
    }

    say("W6 scaling")
    scaling: dict[str, dict[int, dict[str, float]]] = {
        "graftflow": {},
        "floor": {},
        "kabaret": {},
        "kabaret_stock": {},
    }
    for size in config.scaling:
        for side, cold_repeat, limit in (
            (gf_side, repeat, size),
            (floor, repeat, size),
            (best, slow, size),
            (stock, slow, config.kabaret_scaling_max),
        ):
            if side is None or size > limit:
                continue
            # A pass smaller than n lasts a fraction of n's, so one slow moment weighs
            # more in it: it gets as many runs as cover n items (graftflow: best of 50
            # at 1,000), where best of 5 once read 2.02 µs per item against 1.24 to 1.30
            # in every other run and made W6's growth look met.
            runs = cold_repeat * max(1, n // size)
            figures = w1[side.name] if size == n else read_pass(side, "plain", size, runs, 1)
            scaling[side.name][size] = {mode: s / size for mode, s in figures.cold_s.items()}
    # Evidence for W6's growth (issue 18): the collector's passes per generation during
    # extra, watched cold passes (not the timed ones: see collector_profile). Stock
    # kabaret is left out: its quadratic lookup dwarfs the collector.
    collector: dict[str, dict[int, dict[str, Any]]] = {}
    watched: list[tuple[Any, int]] = [(gf_side, repeat), (floor, repeat), (best, slow)]
    for side, runs in watched:
        if side is not None:
            collector[side.name] = {
                size: collector_profile(side, "plain", size, runs) for size in config.scaling
            }
    raw["W6"] = scaling
    raw["W6_collector"] = collector

    say("W7 big map")
    raw["W7"] = bigmap(config.bigmap_n, config.bigmap_reads, repeat)
    say(f"W7 add_many of {config.huge_n:,} names into SQLite (a fresh process)")
    raw["W7_add_10M"] = huge_add(config.huge_n)
    say("W7 big maps in memory")
    raw["W7_memory"] = memory_bigmap(config.memory_bigmap_sizes, max(repeat, 20))
    say("W8 session start")
    raw["W8"] = session_start(config.distributions, repeat)
    return raw
