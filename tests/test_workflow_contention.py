"""Operations on one process racing each other, from real programs on one store.

Several programs (each with its own session and connection) move different tasks of
one graph process, or signal one decider process, at the same moment, on a real SQLite
file and a real redis-server. Every transition must happen, none may fail because
another program appended to the history first, and the history must stay numbered
1..N, one record per transition that happened, agreeing with the statuses.

Redis batches do not lock what they read, so there an operation can lose a race: the
tests at the end make another connection change the process in the middle of one (as
another program would at that moment) to check that the operation then runs again on
the fresh state, that nothing it did on stale data lands, and that it gives up with an
error naming the process after a bounded number of attempts.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import workflow_defs as defs
from workers import run_together
from workflow_defs import Shot
from workflow_jobs import MeddledWorkflow, Studio, TallyWorkflow

import graftflow as gf
from graftflow.extensions import hookimpl, plugin_manager
from graftflow.plugins.workflow import (
    Activation,
    DeciderProcess,
    Definition,
    End,
    HumanTask,
    Join,
    Process,
    Split,
    Start,
    Task,
    _events,
)

#: Programs working at once.
WORKERS = 4
#: Tasks each program moves through assign, prepare and done.
EACH = 4
BRANCHES = [f"b{i:02d}" for i in range(WORKERS * EACH)]
STEPS = ("assign", "prepare", "done")

#: One process whose split opens a task per branch, all joined before the End.
WIDE = Definition(
    "wide",
    [
        Start("start", next="split"),
        Split("split", branches=BRANCHES),
        *[Task(branch, next="join") for branch in BRANCHES],
        Join("join", next="end"),
        End("end"),
    ],
)

#: One task, then another.
ONE = Definition(
    "one",
    [Start("start", next="work"), Task("work", next="next"), Task("next", next="end"), End("end")],
)

#: argv: store URL, process oid, user, the nodes whose tasks it moves and the
#: transitions it makes on each, in that order (both comma-separated). Prints one JSON
#: line per transition, with the error if it raised.
TRANSITIONS = """
import json, sys
import graftflow as gf
url, oid, user = sys.argv[1], sys.argv[2], sys.argv[3]
nodes, steps = sys.argv[4].split(","), sys.argv[5].split(",")
store = gf.open_store(url)
flow = gf.Flow(gf.Session(user=user, environ={}), store)
tasks = [t for t in flow.get_object(oid).task_list() if t.node.get() in nodes]
print("ready", flush=True)
sys.stdin.readline()
for step in steps:
    for task in tasks:
        report = {"task": task.name(), "what": step}
        try:
            task.fire(step)
        except Exception as exc:
            report["error"] = f"{type(exc).__name__}: {exc}"
        print(json.dumps(report), flush=True)
store.close()
"""

#: argv: store URL, process oid, user, how many ``tick`` signals to send.
SIGNALS = """
import json, sys
import graftflow as gf
url, oid, user, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
store = gf.open_store(url)
process = gf.Flow(gf.Session(user=user, environ={}), store).get_object(oid)
print("ready", flush=True)
sys.stdin.readline()
for i in range(count):
    report = {"i": i}
    try:
        process.signal("tick", {"from": user, "i": i})
    except Exception as exc:
        report["error"] = f"{type(exc).__name__}: {exc}"
    print(json.dumps(report), flush=True)
store.close()
"""


def reports(argvs: list[list[str]], outputs: list[str]) -> list[tuple[str, dict[str, Any]]]:
    """Each program's JSON lines, with the user (argv[2]) that program worked as."""
    return [(argv[2], json.loads(line)) for argv, out in zip(argvs, outputs, strict=True)
            for line in out.splitlines()]  # fmt: skip


def assert_numbered(records: list[dict[str, Any]]) -> None:
    assert [r["id"] for r in records] == list(range(1, len(records) + 1))


@pytest.mark.slow
@pytest.mark.parametrize("store_kind", ["sqlite", "redis"], indirect=True)
def test_tasks_of_one_process_moved_by_several_programs(store: gf.Store, tmp_path: Path) -> None:
    """4 programs move 4 tasks each of one process through assign, prepare and done
    (48 transitions) at the same moment: every one happens, once, by its program's user;
    the history is 1..N with exactly the records those transitions and what they
    caused (the join, once; the End) make, and each task's records lead to its status."""
    flow = gf.Flow(gf.Session(user="lead", environ={}), store)
    process = flow.create_project("shot", Shot).processes.start("p", WIDE)
    argvs = [
        [store.url, process.oid(), f"artist{w}", ",".join(BRANCHES[w::WORKERS]), ",".join(STEPS)]
        for w in range(WORKERS)
    ]
    made = reports(argvs, run_together(TRANSITIONS, argvs, tmp_path))
    assert [r for _, r in made if "error" in r] == []
    assert len(made) == len(BRANCHES) * len(STEPS)

    reader = gf.open_store(store.url)  # what a program starting now reads
    try:
        seen = gf.Flow(gf.Session(environ={}), reader).get_object(process.oid())
        assert isinstance(seen, Process)
        tasks = {task.name(): task for task in seen.task_list()}
        branches = {name: t for name, t in tasks.items() if t.node.get() in BRANCHES}
        assert sorted(t.node.get() for t in branches.values()) == BRANCHES
        assert {t.status.get() for t in tasks.values()} == {"DONE"}
        for user, report in made:
            assignee = branches[report["task"]]
            assert isinstance(assignee, HumanTask)
            assert assignee.assignee.get() == user
        assert seen.status.get() == "DONE"
        assert [t.node.get() for t in tasks.values() if t.node.get() == "join"] == ["join"]

        records = seen.history.records()
        assert_numbered(records)
        logged = Counter(
            (r["task"], r["what"], r["who"]) for r in records if r.get("task") in branches
            if r["what"] in STEPS
        )  # fmt: skip
        assert logged == Counter((r["task"], r["what"], user) for user, r in made)
        # The process's own records (started, finished: its status) apart, each record
        # is a task's.
        own = [r for r in records if r["what"] in ("started", "finished")]
        assert [r["what"] for r in own] == ["started", "finished"]
        chains = {
            name: [
                (r["what"], r["source"], r["target"])
                for r in records
                if r.get("task") == name and r not in own
            ]
            for name in tasks
        }
        for name, chain in chains.items():
            if name in branches:
                assert chain == [
                    ("activate", "", "NEW"),
                    ("assign", "NEW", "ASSIGNED"),
                    ("prepare", "ASSIGNED", "PREPARED"),
                    ("done", "PREPARED", "DONE"),
                ], name
            else:
                done = "done" if name.startswith("start") else "perform"
                assert chain == [("activate", "", "NEW"), (done, "NEW", "DONE")], name
        assert len(records) == len(own) + sum(len(chain) for chain in chains.values())
    finally:
        reader.close()


@pytest.mark.slow
@pytest.mark.parametrize("store_kind", ["sqlite", "redis"], indirect=True)
def test_one_task_done_by_several_programs_at_once(store: gf.Store, tmp_path: Path) -> None:
    """4 programs of one user click ``done`` on the same task at the same moment: one
    succeeds, the 3 others are refused (the task is DONE by then), and the process
    moves on once: one ``done`` record, one next task."""
    flow = gf.Flow(gf.Session(user="ann", environ={}), store)
    process = flow.create_project("shot", Shot).processes.start("p", ONE)
    task = process.current_step()
    assert task is not None
    task.assign()
    task.prepare()
    argvs = [[store.url, process.oid(), "ann", "work", "done"]] * WORKERS
    made = [r for _, r in reports(argvs, run_together(TRANSITIONS, argvs, tmp_path))]
    assert len([r for r in made if "error" not in r]) == 1
    refused = [r["error"] for r in made if "error" in r]
    assert len(refused) == WORKERS - 1
    for error in refused:
        assert error.startswith(f"TransitionError: {task.oid()}: cannot 'done'"), error
        assert "status DONE" in error

    reader = gf.open_store(store.url)
    try:
        seen = gf.Flow(gf.Session(environ={}), reader).get_object(process.oid())
        assert isinstance(seen, Process)
        records = seen.history.records()
        assert_numbered(records)
        assert [(r["what"], r.get("task")) for r in records[-3:]] == [
            ("prepare", task.name()),
            ("done", task.name()),
            ("activate", "next-1"),
        ]
        assert [(t.name(), t.status.get()) for t in seen.task_list()] == [
            ("start-1", "DONE"),
            ("work-1", "DONE"),
            ("next-1", "NEW"),
        ]
    finally:
        reader.close()


@pytest.mark.slow
@pytest.mark.parametrize("store_kind", ["sqlite", "redis"], indirect=True)
def test_one_decider_signalled_by_several_programs(store: gf.Store, tmp_path: Path) -> None:
    """4 programs send 10 signals each to one decider process at the same moment: each
    signal is in the history once, numbered 1..N, and ``decide`` saw them all (the
    process completes with their count, once)."""
    count = 10
    flow = gf.Flow(gf.Session(user="lead", environ={}), store)
    studio = flow.create_project("studio", Studio)
    process = studio.processes.start("p", TallyWorkflow, WORKERS * count)
    argvs = [[store.url, process.oid(), f"artist{w}", str(count)] for w in range(WORKERS)]
    sent = reports(argvs, run_together(SIGNALS, argvs, tmp_path))
    assert [r for _, r in sent if "error" in r] == []

    reader = gf.open_store(store.url)
    try:
        seen = gf.Flow(gf.Session(environ={}), reader).get_object(process.oid())
        assert isinstance(seen, DeciderProcess)
        records = seen.events()
        assert_numbered(records)
        ticks = Counter(
            (r["data"]["from"], r["data"]["i"], r["who"]) for r in seen.events("SignalReceived")
        )
        assert ticks == Counter((user, r["i"], user) for user, r in sent)
        assert [r["what"] for r in records] == [
            "WorkflowStarted",
            *["SignalReceived"] * (WORKERS * count),
            "WorkflowCompleted",
        ]
        assert (seen.status.get(), seen.result.get()) == ("completed", WORKERS * count)
    finally:
        reader.close()


def test_a_generated_name_passes_over_a_taken_one(flow: gf.Flow) -> None:
    """Processes started without a name are numbered by a counter; a name taken
    otherwise (a process someone named so) is passed over instead of refused, so a
    name found taken while an operation runs always means a lost race."""
    processes = flow.create_project("shot", Shot).processes
    processes.start("one-2", ONE)
    started = [processes.start(None, ONE).name() for _ in range(2)]
    assert started == ["one-1", "one-3"]
    assert list(processes) == ["one-2", "one-1", "one-3"]


# -- lost races, made to happen: Redis ---------------------------------------------------


class Listener:
    """Keeps every transition plugins are told of."""

    def __init__(self) -> None:
        self.heard: list[tuple[str, str]] = []

    @hookimpl
    def graftflow_on_transition(
        self, task: Activation, transition: str, source: str, target: str
    ) -> None:
        self.heard.append((task.name(), transition))


@pytest.mark.parametrize("store_kind", ["redis"], indirect=True)
class TestLostRaces:
    """Another connection changes the process while an operation runs, between its
    reads and its commit (on SQLite and in memory the operation holds the store's
    write lock, so no other writer can)."""

    @pytest.fixture(autouse=True)
    def _no_meddling(self) -> Iterator[None]:
        yield
        defs.MEDDLE.clear()

    @pytest.fixture
    def other(self, store: gf.Store) -> Iterator[gf.Flow]:
        """Another program's flow on the same store."""
        theirs = gf.open_store(store.url)
        yield gf.Flow(gf.Session(user="other", environ={}), theirs)
        theirs.close()

    @pytest.fixture
    def listener(self) -> Listener:
        return Listener()

    @pytest.fixture
    def flow(self, store: gf.Store, listener: Listener) -> gf.Flow:
        session = gf.Session(user="ann", environ={})
        plugin_manager(session).register(listener, name="listener")
        return gf.Flow(session, store)

    @pytest.fixture
    def task(self, flow: gf.Flow) -> HumanTask:
        """The MEDDLED process's ``work`` task, PREPARED: its ``done`` runs ``meddled``."""
        process = flow.create_project("shot", Shot).processes.start("p", defs.MEDDLED)
        task = process.current_step()
        assert task is not None
        task.assign()
        task.prepare()
        return task

    def meddling(self, other: gf.Flow, oid: str, times: int) -> list[int]:
        """Make ``meddled`` bump the state's ``runs`` through ``other`` the first
        ``times`` times it runs; return the list its runs are counted in."""
        theirs = other.get_object(oid)
        assert isinstance(theirs, Process)
        runs: list[int] = []

        def meddle() -> None:
            runs.append(1)
            if len(runs) <= times:
                theirs.state["runs"] = theirs.state.get().get("runs", 0) + 1

        defs.MEDDLE.append(meddle)
        return runs

    def test_a_lost_transition_runs_again_on_the_fresh_state(
        self, task: HumanTask, other: gf.Flow, listener: Listener
    ) -> None:
        """Another program changes the state twice while ``done`` runs: the transition
        runs again each time and commits on its third run, counting from what the other
        program wrote (no update lost); it is logged and announced once."""
        process = task.process
        before = len(process.history)
        runs = self.meddling(other, process.oid(), times=2)
        task.done()
        assert len(runs) == 3
        assert process.state.get() == {"runs": 3}  # 2 by the other program, 1 by the step
        assert task.status.get() == "DONE"
        records = process.history.records()
        assert_numbered(records)
        assert [(r["what"], r.get("task")) for r in records[before:]] == [
            ("done", task.name()),
            ("activate", "end-1"),
            ("perform", "end-1"),
            ("finished", "end-1"),
        ]
        assert listener.heard.count((task.name(), "done")) == 1

    def test_gives_up_naming_the_process(
        self, task: HumanTask, other: gf.Flow, listener: Listener, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A transition that keeps losing stops after its retries with a ConflictError
        naming the process and the transition; nothing of it was written or announced."""
        monkeypatch.setattr(_events, "RETRIES", 2)
        process = task.process
        before = len(process.history)
        runs = self.meddling(other, process.oid(), times=1000)
        with pytest.raises(gf.ConflictError) as caught:
            task.done()
        assert len(runs) == 3
        message = str(caught.value)
        assert message.startswith(f"{process.oid()}: 'done' of {task.name()} could not commit")
        assert "3 attempts" in message
        assert process.state.oid() in caught.value.oids
        assert task.status.get() == "PREPARED"
        assert len(process.history) == before
        assert process.state.get() == {"runs": 3}  # only the other program's writes
        assert (task.name(), "done") not in listener.heard

    def test_in_the_callers_batch_or_transaction(self, task: HumanTask, other: gf.Flow) -> None:
        """Inside the caller's own batch, a transition is part of it: a lost race fails
        the whole batch (a batch cannot run again) with nothing written. Inside the
        caller's transaction, the whole transaction runs again."""
        process = task.process
        flow = process.root()
        runs = self.meddling(other, process.oid(), times=1)
        with pytest.raises(gf.ConflictError), flow.batch():
            task.done()
        assert (len(runs), task.status.get()) == (1, "PREPARED")
        flow.transaction(task.done)
        assert (len(runs), task.status.get()) == (2, "DONE")
        assert process.state.get() == {"runs": 2}

    def test_a_decider_that_keeps_losing_gives_up(
        self, flow: gf.Flow, other: gf.Flow, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A signal whose ``decide`` keeps reading what another program changes stops
        after the retries with a ConflictError naming the process; no event is added."""
        monkeypatch.setattr(_events, "RETRIES", 2)
        process = flow.create_project("studio", Studio).processes.start("p", MeddledWorkflow, 0)
        theirs = other.get_object(process.oid())
        assert isinstance(theirs, DeciderProcess)
        runs: list[int] = []

        def meddle() -> None:
            runs.append(1)
            theirs.input.set(len(runs))

        defs.MEDDLE.append(meddle)
        before = len(process.history)
        with pytest.raises(gf.ConflictError, match=f"^{process.oid()}: signal 'go' could not"):
            process.signal("go")
        assert len(runs) == 3
        assert len(process.history) == before
        defs.MEDDLE.clear()
        process.signal("go")
        assert [r["what"] for r in process.events()][-1] == "SignalReceived"
