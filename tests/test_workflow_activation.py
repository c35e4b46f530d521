"""Activations: every transition table, allowed and refused, permissions, undo, history."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from workflow_defs import TWO_STEPS, Shot, StudioProcess, multiply

import graftflow as gf
from graftflow.extensions import dynamic_relation, hookimpl, plugin_manager
from graftflow.plugins.workflow import (
    Activation,
    Definition,
    End,
    Gate,
    HumanTask,
    If,
    Job,
    JobTask,
    Process,
    Start,
    Task,
    TaskPermissionError,
    TransitionError,
    WorkQueue,
)

# The tables as the issue states them (ground truth written independently of the code):
# transition -> (statuses it leaves from, status it reaches).
HUMAN: dict[str, tuple[set[str], str]] = {
    "assign": ({"NEW"}, "ASSIGNED"),
    "unassign": ({"ASSIGNED"}, "NEW"),
    "reassign": ({"ASSIGNED"}, "ASSIGNED"),
    "prepare": ({"ASSIGNED"}, "PREPARED"),
    "done": ({"PREPARED"}, "DONE"),
    "cancel": ({"NEW", "ASSIGNED"}, "CANCELED"),
    "undo": ({"DONE"}, "NEW"),
}
JOB: dict[str, tuple[set[str], str]] = {
    "assign": ({"NEW"}, "ASSIGNED"),
    "schedule": ({"ASSIGNED"}, "SCHEDULED"),
    "start": ({"SCHEDULED"}, "STARTED"),
    "done": ({"STARTED"}, "DONE"),
    "error": ({"ASSIGNED", "SCHEDULED", "STARTED"}, "ERROR"),
    "retry": ({"SCHEDULED", "STARTED", "ERROR"}, "SCHEDULED"),
    "restart": ({"ERROR"}, "SCHEDULED"),
    "undo": ({"SCHEDULED", "STARTED", "ERROR", "DONE"}, "NEW"),
    "cancel": ({"NEW", "ASSIGNED", "SCHEDULED", "STARTED", "ERROR"}, "CANCELED"),
}
GATE: dict[str, tuple[set[str], str]] = {
    "perform": ({"NEW"}, "DONE"),
    "retry": ({"ERROR"}, "DONE"),
    "undo": ({"DONE", "ERROR"}, "NEW"),
    "cancel": ({"NEW", "ERROR"}, "CANCELED"),
}
STATUSES = {
    "human": ["NEW", "ASSIGNED", "PREPARED", "DONE", "CANCELED"],
    "job": ["NEW", "ASSIGNED", "SCHEDULED", "STARTED", "DONE", "ERROR", "CANCELED"],
    "gate": ["NEW", "DONE", "ERROR", "CANCELED"],
}
TABLES = {"human": HUMAN, "job": JOB, "gate": GATE}
#: node name and activation type of each kind in TABLE_DEF.
KINDS: dict[str, tuple[str, type[Activation]]] = {
    "human": ("h", HumanTask),
    "job": ("j", JobTask),
    "gate": ("g", Gate),
}

TABLE_DEF = Definition(
    "tables",
    [
        Start("start", next="h"),
        Task("h", next="end"),
        Job("j", next="end", func=multiply),
        If("g", when="x", then="end", else_="end"),
        End("end"),
    ],
)


def cases() -> list[Any]:
    found = []
    for kind, table in TABLES.items():
        for transition, (sources, target) in table.items():
            for status in STATUSES[kind]:
                allowed = status in sources
                found.append(
                    pytest.param(
                        kind,
                        transition,
                        status,
                        target if allowed else None,
                        id=f"{kind}-{transition}-from-{status}-{'ok' if allowed else 'refused'}",
                    )
                )
    return found


def make_task(flow: gf.Flow, kind: str, status: str) -> Activation:
    """A task of ``kind`` in ``status``, in a running process that never started it."""
    shot = flow.create_project("shot", Shot)
    process = shot.processes.add("p", StudioProcess)
    process.definition.set(TABLE_DEF.to_data())
    process.status.set("STARTED")
    node, _ = KINDS[kind]
    task_type = StudioProcess.TASK_TYPES[TABLE_DEF.node(node).kind]
    task = process.tasks.add(f"{node}-1", task_type)
    task.node.set(node)
    task.token.set("start")
    task.status.set(status)
    if isinstance(task, HumanTask) and status in ("ASSIGNED", "PREPARED"):
        task.assignee.set("tester")
    if isinstance(task, JobTask) and status in ("SCHEDULED", "STARTED"):
        queue = WorkQueue(flow)
        job_id = queue.submit(owner=task.oid(), function="workflow_defs:multiply", input=[1, 1])
        task.job_id.set(job_id)
    return task


def snapshot(store: gf.Store) -> Any:
    """Everything a MemoryStore holds, as comparable data (JSON text for containers)."""
    assert isinstance(store, gf.MemoryStore)

    def plain(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        return getattr(value, "text", value)

    return copy.deepcopy([plain(t) for t in (store._kv, store._hashes, store._ordered)])


KWARGS = {"reassign": {"user": "tester"}}


class TestTables:
    @pytest.mark.parametrize(("kind", "transition", "status", "target"), cases())
    def test_transition(
        self, memflow: gf.Flow, kind: str, transition: str, status: str, target: str | None
    ) -> None:
        """Each transition of each table moves exactly the statuses the issue lists."""
        task = make_task(memflow, kind, status)
        store = memflow.store()
        assert isinstance(store, gf.MemoryStore)
        if target is not None:
            task.fire(transition, **KWARGS.get(transition, {}))
            assert task.status.get() == target
            # The transition's record (gates and done go on and log more after it).
            (last,) = [
                r
                for r in task.process.history.records()
                if r.get("task") == task.name() and r["what"] == transition
            ]
            assert (last["task"], last["what"], last["source"], last["target"]) == (
                task.name(),
                transition,
                status,
                target,
            )
            return
        before = snapshot(store)
        with pytest.raises(TransitionError) as info:
            task.fire(transition, **KWARGS.get(transition, {}))
        error = info.value
        assert error.oid == task.oid()
        assert error.status == status
        assert error.transition == transition
        expected = [name for name, (sources, _) in TABLES[kind].items() if status in sources]
        assert error.allowed == expected
        assert task.oid() in str(error)
        assert status in str(error)
        assert snapshot(store) == before, "a refused transition wrote to the store"

    @pytest.mark.parametrize("kind", list(TABLES))
    def test_available_transitions(self, memflow: gf.Flow, kind: str) -> None:
        """available_transitions() lists, per status, what the table allows, in order."""
        for status in STATUSES[kind]:
            flow = gf.Flow(session=gf.Session(user="tester", environ={}))
            task = make_task(flow, kind, status)
            expected = [n for n, (sources, _) in TABLES[kind].items() if status in sources]
            assert task.available_transitions() == expected, status

    def test_unknown_transition(self, memflow: gf.Flow) -> None:
        """A name no table has is refused with what is allowed."""
        task = make_task(memflow, "human", "NEW")
        with pytest.raises(TransitionError, match="HumanTask has no such transition") as info:
            task.fire("perform")
        assert info.value.allowed == ["assign", "cancel"]

    def test_tables_are_data(self) -> None:
        """The tables are rows of data on the classes, readable by tools."""
        rows = {(r.name, r.sources, r.target) for r in HumanTask.TRANSITIONS}
        assert ("prepare", ("ASSIGNED",), "PREPARED") in rows
        assert {r.name for r in JobTask.TRANSITIONS} == set(JOB)
        assert {r.name for r in Gate.TRANSITIONS} == set(GATE)


PERMS = Definition(
    "perms",
    [
        Start("start", next="comp"),
        Task("comp", next="end", users=["ann", "bob"]),
        End("end"),
    ],
)


def flow_for(user: str, store: gf.Store) -> gf.Flow:
    return gf.Flow(session=gf.Session(user=user, environ={}), store=store)


class TestPermissions:
    def test_users_only(self) -> None:
        """Only the node's users may assign; the refusal names the user and writes nothing."""
        store = gf.MemoryStore()
        shot = flow_for("carl", store).create_project("shot", Shot)
        process = shot.processes.start("p", PERMS)
        (task,) = process.active_tasks()
        assert isinstance(task, HumanTask)
        assert not task.has_perm("carl")
        assert task.has_perm("ann")
        before = snapshot(store)
        with pytest.raises(TaskPermissionError, match="user 'carl' may not 'assign'"):
            task.assign()
        assert snapshot(store) == before
        with pytest.raises(TaskPermissionError, match="only ann, bob may work on it"):
            flow_for("ann", store).get_object(task.oid()).assign("carl")

    def test_assignee_only(self) -> None:
        """Once assigned, only the assignee prepares and finishes the task."""
        store = gf.MemoryStore()
        shot = flow_for("ann", store).create_project("shot", Shot)
        (task,) = shot.processes.start("p", PERMS).active_tasks()
        task.assign()
        as_bob = flow_for("bob", store).get_object(task.oid())
        with pytest.raises(TaskPermissionError, match="assigned to 'ann'"):
            as_bob.prepare()
        task.reassign("bob")
        as_bob.prepare()
        as_bob.done()
        assert as_bob.status.get() == "DONE"
        assert as_bob.process.status.get() == "DONE"
        whos = [(r["what"], r["who"]) for r in as_bob.process.history.records()]
        assert ("reassign", "ann") in whos
        assert ("done", "bob") in whos

    def test_custom_has_perm(self) -> None:
        """A subclass's has_perm() is what fire() asks, with the session's user."""

        class Locked(HumanTask):
            def has_perm(self, user: str) -> bool:
                return user == "lead"

        class LockedProcess(Process):
            TASK_TYPES = {**Process.TASK_TYPES, "task": Locked}

        store = gf.MemoryStore()
        shot = flow_for("ann", store).create_project("shot", Shot)
        (task,) = shot.processes.start("p", PERMS, process_type=LockedProcess).active_tasks()
        with pytest.raises(TaskPermissionError, match="has_perm"):
            task.assign()
        flow_for("lead", store).get_object(task.oid()).assign("ann")
        assert task.assignee.get() == "ann"


class TestTransitionsAction:
    def test_buttons_are_the_allowed_transitions(self, memflow: gf.Flow) -> None:
        """Tools drive a task through its `transitions` action, one button per move."""
        task = make_task(memflow, "human", "NEW")
        action = memflow.get_object(task.oid() + "/transitions")
        assert isinstance(action, gf.Action)
        assert action.get_buttons() == ["assign", "cancel"]
        assert action.run("assign") == "ASSIGNED"
        assert action.get_buttons() == ["unassign", "reassign", "prepare", "cancel"]
        with pytest.raises(TransitionError, match="cannot 'done'"):
            action.run("done")


class TestUndoAndHistory:
    def test_undo_hook(self, memflow: gf.Flow) -> None:
        """Undo sets DONE back to NEW and calls the process's <node>_undo(task)."""
        shot = memflow.create_project("shot", Shot)
        process = shot.processes.start("p", TWO_STEPS, process_type=StudioProcess)
        first = process.execute_step()
        assert first.status.get() == "DONE"
        first.undo()
        assert first.status.get() == "NEW"
        assert first.assignee.get() == ""
        assert process.state.undone == [first.name()]
        # The process goes on from where it was: `second` is still waiting.
        assert [t.node.get() for t in process.active_tasks()] == ["first", "second"]

    def test_history_records(self, memflow: gf.Flow) -> None:
        """Each transition is one history record: who, when, task, from, to."""
        shot = memflow.create_project("shot", Shot)
        process = shot.processes.start("p", TWO_STEPS)
        process.execute_step()
        records = process.history.records()
        assert (records[0]["what"], records[0]["source"], records[0]["target"]) == (
            "started",
            "NEW",
            "STARTED",
        )
        moves = [(r["task"], r["what"], r["source"], r["target"]) for r in records if "task" in r]
        assert moves[:6] == [
            ("start-1", "activate", "", "NEW"),
            ("start-1", "done", "NEW", "DONE"),
            ("first-1", "activate", "", "NEW"),
            ("first-1", "assign", "NEW", "ASSIGNED"),
            ("first-1", "prepare", "ASSIGNED", "PREPARED"),
            ("first-1", "done", "PREPARED", "DONE"),
        ]
        assert all(r["who"] == "tester" and r["when"].endswith("+00:00") for r in records)
        assert len(process.history) == len(records)


class TestExtendable:
    def test_tasks_take_dynamic_relations(self) -> None:
        """Tasks are flow objects: a plugin grafts a relation onto every human task."""

        @dynamic_relation("note", target=HumanTask)
        def note(task: HumanTask) -> gf.StringParam:
            return gf.StringParam("")

        class Notes:
            @hookimpl
            def graftflow_install_extensions(self) -> dict[str, Any]:
                return {"task_notes": [note]}

        session = gf.Session(user="tester", environ={})
        plugin_manager(session).register(Notes(), name="notes")
        flow = gf.Flow(session=session)
        shot = flow.create_project("shot", Shot)
        (task,) = shot.processes.start("p", TWO_STEPS).active_tasks()
        task.note.set("needs a wider lens")
        assert flow.get_object(task.oid() + "/note").get() == "needs a wider lens"
        assert session.diagnostics == []
