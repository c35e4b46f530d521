"""The benchmark suite runs (tiny sizes) so it cannot rot; no timing is asserted.

Both frameworks run: kabaret 2.4.1 and kabaret.flow_extensions 1.1.0 are installed in
the test env (tox installs them with --no-deps). Without them the side-by-side tests
skip loudly, and fail with CI=true.
"""

from __future__ import annotations

import gc
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

BENCH = Path(__file__).parent / "benchmarks"
sys.path.insert(0, str(BENCH))

import instructions  # noqa: E402
from cli_latency import COMMANDS as CLI_COMMANDS  # noqa: E402
from workloads import EXTENDED, STORE_KINDS, STORE_WORKLOADS, WORKLOADS, Stores  # noqa: E402

import graftflow as gf  # noqa: E402
from graftflow.extensions import describe  # noqa: E402


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


#: The rows `run.py --redis-only` measures (and the full run too).
REDIS_ROWS = {
    "W9_demo",
    "W9_cold",
    "W9_warm",
    "W9_nested",
    "W1_redis_add",
    "W1_redis_cold",
    "W1_redis_warm",
}

WORKLOAD_NAMES = {
    "W1_add",
    "W1_cold",
    "W1_warm",
    "W2_cold",
    "W2_warm",
    "W2_overhead",
    "W2p_cold",
    "W2p_overhead",
    "W2t_overhead",
    "W2pt_overhead",
    "W3_override",
    "W4_memory",
    "W5_calls",
    "W6_scaling",
    "W7_bigmap",
    "W7_add_10M",
    "W7_memory",
    "W8_session_start",
    *REDIS_ROWS,
}
#: Rows timed on every side: every time present, the ratios are theirs, GC on and off.
SIDE_BY_SIDE = {
    "W1_add",
    "W1_cold",
    "W1_warm",
    "W2_cold",
    "W2_warm",
    "W2p_cold",
    "W3_override",
}


@pytest.fixture(scope="module")
def kabaret() -> ModuleType:
    """kabaret_side, with kabaret importable: CI fails without it, elsewhere a loud skip."""
    import kabaret_side

    if not kabaret_side.AVAILABLE:
        reason = (
            f"{kabaret_side.MISSING_REASON}: the side-by-side benchmarks cannot run "
            "(tox installs kabaret==2.4.1 and kabaret-flow-extensions==1.1.0 with --no-deps)"
        )
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return kabaret_side


def check_every_side(name: str, row: dict[str, Any]) -> None:
    """A row timed on every side, GC on and off: every time measured, the ratios theirs."""
    for level in (row, row["gc_off"]):
        assert level["graftflow_s"] > 0, name
        assert level["kabaret_s"] > 0, name
        assert level["kabaret_stock_s"] > 0, name
        assert level["ratio"] == pytest.approx(level["kabaret_s"] / level["graftflow_s"])
        assert level["ratio_stock"] == pytest.approx(
            level["kabaret_stock_s"] / level["graftflow_s"]
        )


#: The rows the floor (floor_side.py) is timed in, as graftflow is.
FLOOR_ROWS = ("W1_add", "W1_cold", "W1_warm", "W2_cold", "W2_warm", "W6_scaling")
COLD = ("W2_cold", "W1_cold")


def check_floor(rows: dict[str, Any]) -> None:
    """The floor's figures, GC on and off, beside graftflow's where it is timed (W2's
    overhead is its W2_cold minus its W1_cold, as graftflow's), and nowhere else; the
    floor is never judged."""
    for name, row in rows.items():
        for mode in ("on", "off"):
            level = row if mode == "on" else row.get("gc_off", {})
            if name in FLOOR_ROWS:
                assert level["floor_s"] > 0, (name, mode)
            elif name == "W2_overhead":
                w2, w1 = (rows[cold] if mode == "on" else rows[cold]["gc_off"] for cold in COLD)
                expected = (w2["floor_s"] - w1["floor_s"]) / row["n"]
                assert level["floor_s"] == pytest.approx(expected), mode
            else:
                assert level.get("floor_s") is None, (name, mode)
    scaling = rows["W6_scaling"]
    per_item = scaling["per_item_s"]["floor"]
    assert len(per_item) == 3
    sizes = sorted(per_item, key=int)
    assert scaling["floor_growth"] == pytest.approx(per_item[sizes[-1]] / per_item[sizes[0]])


def check_collector_evidence(row: dict[str, Any], per_item: dict[str, Any]) -> None:
    """W6's collector figures: for graftflow, the floor and kabaret at its best, every
    size the row times, each generation's count and time, and the derived figures
    consistent."""
    evidence = row["gc_per_size"]
    assert set(evidence) == {"graftflow", "floor", "kabaret"}
    for side, per_size in evidence.items():
        assert set(per_size) == set(per_item[side]), side
        for figures in per_size.values():
            generations = [figures[f"gen{g}"] for g in range(3)]
            for generation in generations:
                assert isinstance(generation["collections"], int)
                assert generation["collections"] >= 0
                assert generation["seconds_per_item"] >= 0
            collector = sum(g["seconds_per_item"] for g in generations)
            assert figures["collector_seconds_per_item"] == pytest.approx(collector)
            assert figures["seconds_per_item"] > 0
            assert figures["without_collector_seconds_per_item"] == pytest.approx(
                figures["seconds_per_item"] - collector
            )
            assert figures["without_collector_seconds_per_item"] > 0
        sizes = sorted(per_size, key=int)
        small, large = per_size[sizes[0]], per_size[sizes[-1]]
        key = "without_collector_seconds_per_item"
        assert row["growth_without_collector"][side] == pytest.approx(large[key] / small[key])
        assert row["watched_growth"][side] == pytest.approx(
            large["seconds_per_item"] / small["seconds_per_item"]
        )


def test_collector_watch_counts_a_full_collection() -> None:
    """CollectorWatch (W6's evidence) sees a full collection run inside it, and stops
    watching when the run ends."""
    from suite import CollectorWatch

    watch = CollectorWatch()
    watch.run(gc.collect)
    assert watch.collections[2] >= 1
    assert watch.seconds[2] > 0
    seen = list(watch.collections)
    gc.collect()
    assert watch.collections == seen


def test_memory_bigmap_needs_its_pages_past_the_hole() -> None:
    """W7_memory refuses a map too small to have 100 pages of 100 past its hole, rather
    than time fewer pages than it says."""
    from suite import WorkloadError, memory_bigmap

    with pytest.raises(WorkloadError, match="fewer than 100 pages past the hole"):
        memory_bigmap((5_000,), 1)


def test_runner_smoke(tmp_path: Path, kabaret: ModuleType) -> None:
    """`run.py --smoke --plot` runs every workload on graftflow and both kabaret sides,
    GC on and off, prints the table, writes results.json in issue 5's schema (plus
    issue 18's sides), the core/store figures and the plot."""
    out, png = tmp_path / "results.json", tmp_path / "plot.png"
    proc = subprocess.run(
        [
            sys.executable,
            str(BENCH / "run.py"),
            "--smoke",
            "--json",
            str(out),
            "--plot",
            "--plot-path",
            str(png),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "W8_session_start" in proc.stdout
    assert "store_get_batched" in proc.stdout
    report = json.loads(out.read_text())
    assert report["machine"]["kabaret"] == "2.4.1"
    assert report["kabaret_available"] is True
    rows = report["workloads"]
    assert set(rows) == WORKLOAD_NAMES
    for name, row in rows.items():
        assert {"n", "graftflow_s", "kabaret_s", "ratio", "target", "met"} <= set(row), name
        # Informative rows (no target of their own) say so, and are never "met".
        assert isinstance(row["met"], bool) or row["target"].startswith("none:"), name
        assert row["target"], name
    assert rows["W2p_cold"]["met"] is None
    for name in SIDE_BY_SIDE:
        check_every_side(name, rows[name])
    # kabaret's factories are all plain: its W2p columns are its W2 ones.
    assert rows["W2p_cold"]["kabaret_s"] == rows["W2_cold"]["kabaret_s"]
    for name in ("W2_overhead", "W2p_overhead"):
        cold = rows[name.replace("overhead", "cold")]
        expected = (cold["graftflow_s"] - rows["W1_cold"]["graftflow_s"]) / cold["n"]
        assert rows[name]["graftflow_s"] == pytest.approx(expected), name
    for side in ("graftflow", "kabaret", "kabaret_stock"):
        assert rows["W3_override"][f"{side}_values"] == ["approved"], side
    assert rows["W3_override"]["met"] is True
    n = rows["W5_calls"]["n"]
    assert rows["W5_calls"]["graftflow_calls"] == {"installers": 3, "factories": n, "applied": n}
    assert rows["W5_calls"]["kabaret_calls"] == {
        "installers": 3 * n,
        "factories": 30 * n,
        "applied": n,
    }
    assert rows["W5_calls"]["met"] is True
    for peak in rows["W4_memory"]["peaks"].values():
        assert peak["graftflow_bytes"] > 0
        assert peak["kabaret_bytes"] > 0
        assert peak["kabaret_stock_bytes"] > 0
    check_floor(rows)
    per_item = rows["W6_scaling"]["per_item_s"]
    assert len(per_item["graftflow"]) == 3
    assert len(per_item["kabaret"]) == 3  # constant-time lookup: every size
    assert len(per_item["kabaret_stock"]) == 2
    check_collector_evidence(rows["W6_scaling"], per_item)
    big = rows["W7_bigmap"]
    assert big["kabaret_s"] is None
    assert big["ratio"] is None
    assert big["graftflow_s"] > 0
    assert big["add_each_s"] > 0
    assert big["page_s"] > 0
    assert big["read_item_s"] > 0
    huge = rows["W7_add_10M"]
    assert huge["n"] == 20_000
    assert huge["graftflow_s"] > 0
    assert huge["file_bytes"] > 0
    if sys.platform == "linux":
        assert 0 < huge["rss_before"] <= huge["rss_peak"]
        assert huge["growth"] == huge["rss_peak"] - huge["rss_before"]
    memory = rows["W7_memory"]
    assert memory["n"] == [20_000, 40_000]
    assert set(memory["per_size"]) == {"20000", "40000"}
    for figures in memory["per_size"].values():
        assert figures["ops_per_run"] == 100
        for key in ("page_s", "batched_add_s", "first_page_s", "first_add_s"):
            assert figures[key] > 0, key
        assert figures["noop_s"] >= 0
    small, large = memory["per_size"]["20000"], memory["per_size"]["40000"]
    assert memory["graftflow_s"] == large["page_s"]
    assert memory["page_growth"] == pytest.approx(large["page_s"] / small["page_s"])
    assert memory["add_growth"] == pytest.approx(large["batched_add_s"] / small["batched_add_s"])
    start = rows["W8_session_start"]
    assert start["installers"] >= 1
    assert start["bare_s"] > 0
    assert start["bare_start_s"] > start["bare_s"]
    assert start["start_s"] > start["first_s"]
    assert start["second_session_s"] > 0
    has_redis = shutil.which("redis-server") is not None and find_spec("redis") is not None
    for name in ("W9_demo", "W9_cold", "W9_warm"):
        row = rows[name]
        if has_redis:
            assert row["graftflow_s"] > 0, name
            assert row["sqlite_s"] > 0, name
            assert row["ratio"] == pytest.approx(row["graftflow_s"] / row["sqlite_s"]), name
        else:
            assert (row["graftflow_s"], row["ratio"], row["met"]) == (None, None, False), name
    nested = rows["W9_nested"]
    if has_redis:
        assert set(nested["growth"]) == {"sqlite", "redis"}
        assert nested["ratio"] == nested["growth"]["redis"]
    for name in ("W1_redis_add", "W1_redis_cold", "W1_redis_warm"):
        row = rows[name]
        if not has_redis:
            assert (row["graftflow_s"], row["ratio"], row["met"]) == (None, None, False), name
            continue
        check_every_side(name, row)  # W1 on Redis has every side too

    core = report["core"]
    assert set(core["workloads"]) == set(WORKLOADS)
    assert all(v > 0 for row in core["workloads"].values() for v in row.values())
    assert core["redis_available"] is has_redis
    assert ("the Redis figures are null" in proc.stdout) is not has_redis
    assert set(core["store_workloads"]) == set(STORE_WORKLOADS)
    for row in core["store_workloads"].values():
        assert set(row) == {f"{k}_{unit}" for k in STORE_KINDS for unit in ("s", "ops_per_s")}
        for key, value in row.items():
            if key.startswith("redis") and not has_redis:
                assert value is None
            else:
                assert value > 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    cli = report["cli"]
    assert set(cli["commands"]) == {"python -c pass", *CLI_COMMANDS}
    for row in cli["commands"].values():
        assert row["best_s"] > 0
        assert row["vs_python"] >= 1  # a command is never faster than the bare interpreter
    assert "graftflow command latency" in proc.stdout


def test_runner_redis_only(tmp_path: Path, kabaret: ModuleType) -> None:
    """`run.py --smoke --redis-only` measures the Redis rows alone (on every side) and
    nothing else; with --plot, which draws W6, it is refused."""
    out = tmp_path / "results.json"
    command = [sys.executable, str(BENCH / "run.py"), "--smoke", "--redis-only"]
    proc = subprocess.run(
        [*command, "--json", str(out)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads(out.read_text())
    assert set(report["workloads"]) == REDIS_ROWS
    assert (report["core"], report["web"], report["cli"]) == (None, None, None)
    if shutil.which("redis-server") is not None and find_spec("redis") is not None:
        for name in ("W1_redis_add", "W1_redis_cold", "W1_redis_warm"):
            check_every_side(name, report["workloads"][name])
    refused = subprocess.run(
        [*command, "--plot"], capture_output=True, text=True, check=False, timeout=60
    )
    assert refused.returncode == 2
    assert "--plot draws W6, which --redis-only leaves out" in refused.stderr


@pytest.mark.parametrize("tree", ["plain", "ext", "ext_plain", "ext_typed", "ext_per_type", "over"])
def test_every_side_reads_the_same(tree: str, kabaret: ModuleType) -> None:
    """Cold and warm, every item gives the tree's value on every side (for W3: the
    weight-5 override, on graftflow over a base Param, on kabaret over a base Child)."""
    import sides
    import suite

    _, expected = sides.READS[tree]
    every = [sides.GraftflowSide(), sides.KabaretSide(), sides.KabaretSide(best=False)]
    if tree in ("plain", "ext"):
        every.append(sides.FloorSide())  # the floor has W1's and W2's trees only
    for side in every:
        figures = suite.read_pass(side, tree, 12, 1, 1, check=False)
        assert figures.values == {expected}, side.name
        assert set(figures.cold_s) == set(figures.warm_s) == {"on", "off"}


def test_kabaret_at_its_best_is_kabaret_with_a_constant_time_lookup(
    kabaret: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The only difference between the two kabaret sides is the map's lookup: it answers
    the same, and no longer lists the map's names to do it."""
    import sides

    listed: list[str] = []
    listing = kabaret.Shots.mapped_names
    for side in (sides.KabaretSide(best=False), sides.KabaretSide(best=True)):
        shots = side.fresh_shots("plain", side.populated("plain", 20))
        assert isinstance(shots, kabaret.Shots)

        def counting(
            self: object, *args: object, name: str = side.name, listing: Any = listing
        ) -> object:
            listed.append(name)
            return listing(self, *args)

        monkeypatch.setattr(kabaret.Shots, "mapped_names", counting)
        assert shots.has_mapped_name("sh0000007")
        assert not shots.has_mapped_name("nope")
        assert shots["sh0000007"].status.get() == "wip"
        monkeypatch.undo()
    assert "kabaret_stock" in listed
    assert "kabaret" not in listed


INSTRUCTION_SPECS = [
    (side, tree) for side in ("graftflow", "floor") for tree in instructions.TREES[side]
]


@pytest.mark.parametrize(("side", "tree"), INSTRUCTION_SPECS)
def test_instruction_counter_reads_what_it_counts(side: str, tree: str) -> None:
    """The counted program reads n items cold (each giving its tree's value) only in the
    run that counts them: the setup run reads none of them."""
    assert instructions.child(side, tree, 30, read=True, gc_on=True) == 30
    assert instructions.child(side, tree, 30, read=False, gc_on=True) == 0


def test_instruction_counter_under_valgrind() -> None:
    """Counted under callgrind, an extended object's cold read costs more instructions
    than a plain one's, and both cost thousands (a count that went wrong is an error)."""
    if shutil.which("valgrind") is None:
        reason = "valgrind is not installed (apt-get install valgrind)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(f"NOT TESTED: {reason}")
    proc = subprocess.run(
        [
            sys.executable,
            str(BENCH / "instructions.py"),
            "--n",
            "100",
            "--json",
            "graftflow:plain",
            "graftflow:ext",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["n"] == 100
    assert report["gc"] == "on"
    figures = report["per_item"]
    assert set(figures) == {"graftflow:plain", "graftflow:ext"}
    assert 1_000 < figures["graftflow:plain"] < figures["graftflow:ext"]
    assert "counting graftflow:ext" in proc.stderr  # progress goes to stderr with --json


@pytest.mark.parametrize(
    ("argv", "env", "message"),
    [
        (
            ["instructions.py", "graftflow:nope"],
            {},
            "error: unknown SIDE:TREE 'graftflow:nope'; one of graftflow:plain,",
        ),
        (["instructions.py", "--n", "0"], {}, "error: --n must be at least 1, not 0"),
        (
            ["run.py", "--instructions", "--smoke"],
            {"PATH": str(Path(sys.executable).parent)},
            "error: valgrind is not installed (apt-get install valgrind)",
        ),
    ],
    ids=["unknown-tree", "no-items", "no-valgrind"],
)
def test_instruction_counter_refuses_in_one_line(
    argv: list[str], env: dict[str, str], message: str
) -> None:
    """Bad input or a missing valgrind: one line on stderr, exit 2, no traceback."""
    script, *rest = argv
    proc = subprocess.run(
        [sys.executable, str(BENCH / script), *rest],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env={**os.environ, **env},
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr.startswith(message), proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr


def test_floor_is_lazy_and_asks_each_factory_once() -> None:
    """The floor does the read workloads' work and no less: an item is built on its
    first read only, a handle once per item and param, the factories once per item."""
    import floor_side

    calls: list[str] = []
    factory = floor_side.review

    def counted(item: floor_side.ExtShot) -> floor_side.Param:
        calls.append(item.name)
        return factory(item)

    store = {"/p/shots/b/review": "approved"}
    shots = floor_side.Shots(store, floor_side.ExtShot)
    shots.names.update(dict.fromkeys("abc"))
    saved = floor_side.FACTORIES[floor_side.ExtShot]
    floor_side.FACTORIES[floor_side.ExtShot] = (("review", counted),)
    try:
        assert dict(shots) == {}  # nothing built yet
        assert [shots[name].review.get() for name in "abab"] == [
            "pending",
            "approved",
            "pending",
            "approved",
        ]
    finally:
        floor_side.FACTORIES[floor_side.ExtShot] = saved
    assert calls == ["a", "b"]
    assert set(dict(shots)) == {"a", "b"}
    assert shots["a"].review is shots["a"].review
    assert shots["a"].status.get() == "wip"
    with pytest.raises(KeyError, match="has no item 'z'"):
        shots["z"]
    with pytest.raises(KeyError, match="has an item 'a' already"):
        shots.add("a")
    assert shots.add("d").name == "d"
    assert len(shots) == 4


def test_w3_overrides_a_base_param_on_graftflow() -> None:
    """graftflow's W3 item declares ``status`` as a StringParam, and the override wins."""
    import workloads

    assert isinstance(gf.relations(workloads.OverShot)[0], gf.StringParam)
    flow = gf.Flow(gf.Session(environ=dict(workloads.OVERRIDE)))
    shot = flow.create_project("p", workloads.OverProject).shots.add("a")
    assert shot.status.get() == "approved"
    assert [b.weight for b in describe(shot)[0].beaten] == [None, -1]


@pytest.mark.parametrize("best", [True, False])
@pytest.mark.parametrize("tree", ["plain", "ext", "over"])
def test_kabaret_store_filled_as_add_does(tree: str, best: bool, kabaret: ModuleType) -> None:
    """The kabaret workloads fill the value store directly (adding 10,000 items would
    take stock kabaret minutes): exactly what kabaret's own Map.add() writes."""
    import sides

    side = sides.KabaretSide(best=best)
    root, _ = kabaret.new_root()
    with side.context(tree):
        shots = getattr(root, side.project(tree)).shots
        for name in kabaret.names(5):
            shots.add(name)
    assert side.populated(tree, 5).store == root._mng.value_store.store


def test_kabaret_reruns_installers_per_object(kabaret: ModuleType) -> None:
    """W5 on kabaret, counted directly: every extendable item runs 3 installers and all
    30 factories; graftflow runs the installers once and the one applicable factory."""
    import sides
    import suite

    for side, expected in (
        (sides.GraftflowSide(), {"installers": 3, "factories": 7, "applied": 7}),
        (sides.KabaretSide(), {"installers": 21, "factories": 210, "applied": 7}),
        (sides.KabaretSide(best=False), {"installers": 21, "factories": 210, "applied": 7}),
    ):
        assert suite.count_calls(side, 7) == expected, side.name
        assert suite.read_pass(side, "ext", 7, 1, 1).calls["factories"] == 0  # uncounted


def test_dummy_distributions_are_found(tmp_path: Path) -> None:
    """W8's dummy distributions are real to importlib.metadata: 200 of them, and the
    installers among them are graftflow.installers entry points."""
    import suite

    installers = suite.make_distributions(tmp_path, 200)
    found = list(importlib.metadata.distributions(path=[str(tmp_path)]))
    assert len(found) == 200
    declared = [
        ep for dist in found for ep in dist.entry_points if ep.group == "graftflow.installers"
    ]
    assert len(declared) == installers == 5
    assert {ep.value.split(":")[1] for ep in declared} == {"install"}


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
