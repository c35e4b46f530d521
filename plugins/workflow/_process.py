"""Processes: running instances of a definition, living in the flow like any object.

A :class:`Process` is an item of a :class:`Processes` map placed anywhere in a flow (a
shot's ``processes``). Everything it knows is in the store as JSON: a copy of its
definition, its status, its state, its tasks (items of ``tasks``, one per activated
node, with their status and token) and its history. So a process started by one
program is resumed by another, on the same SQLite file or Redis server, with nothing
to re-register.

The engine is small. Reaching a node *activates* it: a task item is created for it.
Gates (Start, Func, Handler, If, Switch, Split, Join, End) are then performed at once,
in the same store batch; human tasks wait for people; jobs are submitted to the work
queue and wait for a worker. Finishing a task activates what follows it. Parallel
branches carry tokens (``start/split-3/0``), and a Join continues when every task whose
token has its split's prefix is DONE or CANCELED.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar, Final

from graftflow import Child, DictParam, Map, Object, StringParam, Value
from graftflow.extensions import Extendable

from ._activation import (
    ACTIVE,
    FINISHED,
    Activation,
    Gate,
    HumanTask,
    JobTask,
    JoinGate,
    now,
)
from ._events import fire_process_event, operation
from ._nodes import (
    Definition,
    Func,
    Handler,
    If,
    Join,
    Split,
    Start,
    Switch,
    WorkflowError,
    evaluate,
    import_ref,
)
from ._state import StateParam

__all__ = ["History", "Process", "ProcessTasks", "Processes"]

#: Process statuses.
NEW: Final = "NEW"
STARTED: Final = "STARTED"
DONE: Final = "DONE"
CANCELED: Final = "CANCELED"


class ProcessTasks(Map[Activation]):
    """The tasks of one process, in activation order (``layout-1``, ``animation-2``)."""


class History(Object):
    """The process's log: one JSON record per transition or process event, in order.

    Records are appended to an ordered map of the store under a counter, inside the
    operation's batch, so the log never disagrees with the statuses it describes.
    """

    def append(self, record: Mapping[str, Any]) -> None:
        """Append one record (JSON)."""
        store = self._mng.store
        number = store.incr(self._mng.prefix + "!seq")
        store.ordered_add(self._mng.oid, {f"{number:08d}": dict(record)})

    def records(self, start: int = 0, stop: int | None = None) -> list[dict[str, Any]]:
        """The records ``[start:stop]``, oldest first."""
        store, oid = self._mng.store, self._mng.oid
        return [store.ordered_get(oid, name) for name in store.ordered_range(oid, start, stop)]

    def __len__(self) -> int:
        return self._mng.store.ordered_len(self._mng.oid)


def _task_types() -> dict[str, type[Activation]]:
    return {kind: cls for cls in (HumanTask, JobTask, Gate, JoinGate) for kind in cls.KINDS}


class Process(Extendable):
    """A running instance of a :class:`Definition`.

    Subclass it to add ``<node>_undo(self, task)`` hooks or other task types
    (:attr:`TASK_TYPES`); a process keeps its class in its map, like any item.
    """

    #: The activation class of each node kind.
    TASK_TYPES: ClassVar[dict[str, type[Activation]]] = _task_types()

    #: The definition this process runs, as data (a copy: it resumes with it).
    definition = DictParam().watched()
    #: NEW, STARTED, DONE or CANCELED.
    status = StringParam(NEW)
    #: What the steps read and update (``process.state.approved``).
    state = StateParam()
    tasks = Child(ProcessTasks)
    history = Child(History)
    created = StringParam("")
    finished = StringParam("")

    def child_value_changed(self, value: Value[Any]) -> None:
        if value.name() == "definition":
            self.__dict__.pop("_gf_definition", None)

    # -- reading ------------------------------------------------------------------------

    def get_definition(self) -> Definition:
        """The process's definition, rebuilt from its stored copy."""
        cached: Definition | None = self.__dict__.get("_gf_definition")
        if cached is None:
            data = self.definition.get()
            if not data:
                raise WorkflowError(
                    f"{self.oid()} has no definition; start it with "
                    "processes.start(name, definition)"
                )
            cached = Definition.from_data(data, where=f"{self.oid()} definition")
            self.__dict__["_gf_definition"] = cached
        return cached

    def task_list(self) -> list[Activation]:
        """Every task, in activation order."""
        return self.tasks.mapped_items()

    def active_tasks(self) -> list[Activation]:
        """The tasks that still need something (not DONE nor CANCELED)."""
        return [task for task in self.task_list() if task.status.get() in ACTIVE]

    def current_step(self) -> HumanTask | None:
        """The first human task waiting for someone, or ``None``."""
        for task in self.active_tasks():
            if isinstance(task, HumanTask) and task.status.get() in ("NEW", "ASSIGNED", "PREPARED"):
                return task
        return None

    def is_finished(self) -> bool:
        """Whether the process reached an End or was canceled."""
        return self.status.get() in (DONE, CANCELED)

    # -- driving --------------------------------------------------------------------------

    def start(self, **state: Any) -> None:
        """Start the process: set ``state`` and run from the Start node.

        :raises WorkflowError: the process was started already.
        """
        with operation(self._mng.root):
            status = self.status.get()
            if status != NEW:
                raise WorkflowError(f"{self.oid()} is {status}; only a NEW process starts")
            definition = self.get_definition()
            if state:
                self.state.update(state)
            self.status.set(STARTED)
            self.created.set(now())
            self._log(event="started", definition=definition.name)
            fire_process_event(self, "started", definition=definition.name)
            self._activate(definition.start.name, "start", [])

    def execute_step(self, **input: Any) -> HumanTask:
        """Run the current step for the session's user and move on; return it.

        The step is assigned (if nobody has it), prepared and done with ``input``: its
        actions update the state, then the process runs on to the next step that
        needs a person. One batch: if an action raises, nothing changed.

        :raises WorkflowError: the process is not running, or no step waits for a
            person (a job is running, or a gate is in error).
        """
        with operation(self._mng.root):
            self._check_running()
            task = self.current_step()
            if task is None:
                raise WorkflowError(f"{self.oid()}: no step waits for a person; {self._waiting()}")
            if task.status.get() == "NEW":
                task.assign()
            if task.status.get() == "ASSIGNED":
                task.prepare()
            task.done(**input)
        return task

    def execute(self, max_steps: int = 1000) -> str:
        """Run every step until the process ends or waits for something else.

        Each step is its own batch, run with no input. Returns the process status.

        :param max_steps: stop with an error after this many steps: a definition that
            loops on its state (a review nobody approves) would otherwise never end.
        :raises WorkflowError: ``max_steps`` steps ran and the process still goes on.
        """
        self._check_running()
        steps = 0
        while self.status.get() == STARTED and self.current_step() is not None:
            if steps == max_steps:
                raise WorkflowError(
                    f"{self.oid()}: execute() ran {steps} steps and the process goes on; "
                    "does it loop back without input (a review that is never approved)?"
                )
            self.execute_step()
            steps += 1
        return self.status.get()

    def cancel(self) -> None:
        """Cancel the process and every task that can be canceled."""
        with operation(self._mng.root):
            self._check_running()
            self.status.set(CANCELED)  # first, so nothing a cancelled task releases runs
            self._cancel_active(None)
            self.finished.set(now())
            self._log(event="canceled")
            fire_process_event(self, "canceled")

    def _check_running(self) -> None:
        status = self.status.get()
        if status != STARTED:
            raise WorkflowError(f"{self.oid()} is {status}, not running")

    def _waiting(self) -> str:
        active = [f"{t.name()} ({t.status.get()})" for t in self.active_tasks()]
        return f"active: {', '.join(active)}" if active else "nothing is active"

    # -- the engine (called by tasks inside an operation) -----------------------------------

    def _log(self, **record: Any) -> None:
        record.setdefault("when", now())
        record.setdefault("who", self._mng.root.session().user)
        self.history.append(record)

    def _activate(self, node_name: str, token: str, previous: list[str]) -> Activation:
        spec = self.get_definition().node(node_name)
        op_flow = self._mng.root
        with operation(op_flow) as op:
            if isinstance(spec, Join):
                existing = self._open_join(node_name, _join_key(token))
                if existing is not None:
                    existing.previous.set([*existing.previous.get(), *previous])
                    op.agenda.append(existing)
                    return existing
            task_type = self.TASK_TYPES[spec.kind]
            store = self._mng.store
            number = store.incr(f"{self._mng.prefix}!count/{node_name}")
            task = self.tasks.add(f"{node_name}-{number}", task_type)
            task.node.set(node_name)
            if isinstance(task, JoinGate):
                key = _join_key(token)
                task.join_key.set(key)
                token = key.rpartition("/")[0] if key else token
            task.token.set(token)
            task.previous.set(previous)
            task.created.set(now())
            self._log(
                task=task.name(), node=node_name, transition="activate", source="", target="NEW"
            )
            if isinstance(task, Gate):
                op.agenda.append(task)
            elif isinstance(task, JobTask):
                task.fire("assign", check_perm=False)
                task.fire("schedule", check_perm=False)
            elif isinstance(task, HumanTask):
                assignee = task._spec().assign_to
                if assignee:
                    task.fire("assign", check_perm=False, user=assignee)
            return task

    def _open_join(self, node_name: str, key: str) -> JoinGate | None:
        for task in self.task_list():
            if (
                isinstance(task, JoinGate)
                and task.node.get() == node_name
                and task.join_key.get() == key
                and task.status.get() == "NEW"
            ):
                return task
        return None

    def _branches_finished(self, key: str) -> bool:
        if not key:
            return True
        prefix = key + "/"
        return all(
            task.status.get() in FINISHED
            for task in self.task_list()
            if task.token.get().startswith(prefix)
        )

    def _decide(self, gate: Gate) -> list[tuple[str, str]]:
        """Run a gate's work; return the ``(node, token)`` pairs to activate next."""
        spec = gate.node_spec()
        token = gate.token.get()
        if isinstance(spec, (Start, Join)):
            return [(spec.next, token)]
        if isinstance(spec, Func):
            target: Any = gate if isinstance(spec, Handler) else self.state
            update = import_ref(spec.func)(target)
            if isinstance(update, Mapping):
                self.state.update(update)
            return [(spec.next, token)]
        if isinstance(spec, If):
            branch = evaluate(spec.when, spec.condition, self.state.get())
            return [(spec.then if branch else spec.else_, token)]
        if isinstance(spec, Switch):
            state = self.state.get()
            for case in spec.cases:
                if evaluate(case.when, case.condition, state):
                    return [(case.next, token)]
            if spec.default:
                return [(spec.default, token)]
            raise WorkflowError(
                f"{gate.oid()}: no case of switch {spec.name!r} holds and it has no default"
            )
        if isinstance(spec, Split):
            return [
                (branch, f"{token}/{gate.name()}/{i}") for i, branch in enumerate(spec.branches)
            ]
        return []  # End: _gate_performed finishes the process

    def _gate_performed(self, gate: Gate, nexts: list[tuple[str, str]]) -> None:
        if self.status.get() != STARTED:
            return  # a finished or cancelled process activates nothing more
        if gate.node_spec().kind == "end":
            self._finish(gate)
            return
        for node_name, token in nexts:
            self._activate(node_name, token, [gate.name()])

    def _task_finished(self, task: Activation, *, advance: bool = True) -> None:
        if self.status.get() != STARTED:
            return
        if advance:
            spec = task.node_spec()
            following = getattr(spec, "next", "")
            if following:
                self._activate(following, task.token.get(), [task.name()])
            return
        # A canceled branch may be the last one a waiting join needed.
        token = task.token.get()
        with operation(self._mng.root) as op:
            for other in self.task_list():
                if (
                    isinstance(other, JoinGate)
                    and other.status.get() == "NEW"
                    and token.startswith(other.join_key.get() + "/")
                ):
                    op.agenda.append(other)

    def _cancel_active(self, keep: Activation | None) -> None:
        for task in self.active_tasks():
            if task is keep or task.name() == (keep.name() if keep else None):
                continue
            if "cancel" in task.available_transitions():
                task.fire("cancel", check_perm=False)

    def _finish(self, end: Gate) -> None:
        self.status.set(DONE)  # first, so cancelled tasks do not advance anything
        self._cancel_active(end)
        self.finished.set(now())
        self._log(event="finished", task=end.name())
        fire_process_event(self, "finished", end=end.node.get())


def _join_key(token: str) -> str:
    """The split prefix a branch token joins on: ``start/split-3/0`` -> ``start/split-3``."""
    return token.rpartition("/")[0] if "/" in token else ""


class Processes(Map[Process]):
    """Processes of one object (a shot's ``processes``), started from a definition."""

    def start(
        self,
        name: str | None,
        definition: Definition | str | Path,
        *,
        process_type: type[Process] | None = None,
        state: Mapping[str, Any] | None = None,
    ) -> Process:
        """Add a process running ``definition`` and start it, in one batch.

        :param name: the item name (``None``: the definition's name and a number).
        :param definition: a :class:`Definition`, or the path of a TOML file.
        :param process_type: a :class:`Process` subclass (hooks, task types).
        :param state: the initial state.
        """
        if not isinstance(definition, Definition):
            from ._definition_file import load_definition

            definition = load_definition(definition)
        with operation(self._mng.root):
            if name is None:
                number = self._mng.store.incr(self._mng.prefix + "!count")
                name = f"{definition.name}-{number}"
            process = self.add(name, process_type)
            process.definition.set(definition.to_data())
            process.start(**dict(state or {}))
        return process
