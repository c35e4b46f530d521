"""Processes: running instances of a definition, living in the flow like any object.

A :class:`Process` is an item of a :class:`Processes` map placed anywhere in a flow (a
shot's ``processes``). Everything it knows is in the store as JSON: a copy of its
definition, its status, its state, its tasks (items of ``tasks``, one per activated
node, with their status and token) and its history. So a process started by one
program is resumed by another, on the same SQLite file or Redis server, with nothing
to re-register. The rules it runs by are its :class:`~._engine.Engine`'s.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from graftflow import Child, DictParam, Map, StringParam, Value
from graftflow.extensions import Extendable

from ._activation import (
    ACTIVE,
    Activation,
    Gate,
    HumanTask,
    JobTask,
    JoinGate,
    StartTask,
)
from ._engine import STARTED, Engine
from ._events import run_operation
from ._history import History
from ._nodes import Definition, WorkflowError
from ._state import StateParam

if TYPE_CHECKING:
    from ._state import StateValue

__all__ = ["Process", "ProcessTasks"]


class ProcessTasks(Map[Activation]):
    """The tasks of one process, in activation order (``layout-1``, ``animation-2``)."""


def _task_types() -> dict[str, type[Activation]]:
    return {
        kind: cls for cls in (StartTask, HumanTask, JobTask, Gate, JoinGate) for kind in cls.KINDS
    }


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
    status = StringParam("NEW")
    if TYPE_CHECKING:
        state: StateValue
    else:
        #: What the steps read and update (``process.state.approved``).
        state = StateParam()
    tasks = Child(ProcessTasks)
    history = Child(History)
    created = StringParam("")
    finished = StringParam("")

    #: The definition rebuilt from its stored copy (see get_definition). A plain
    #: attribute, where the core keeps what it built for an object.
    _definition_cache: Definition | None = None

    def child_value_changed(self, value: Value[Any]) -> None:
        if value.name() == "definition":
            self._definition_cache = None

    # -- reading ------------------------------------------------------------------------

    def get_definition(self) -> Definition:
        """The process's definition, rebuilt from its stored copy."""
        cached = self._definition_cache
        if cached is None:
            data = self.definition.get()
            if not data:
                raise WorkflowError(
                    f"{self.oid()} has no definition; start it with "
                    "processes.start(name, definition)"
                )
            cached = Definition.from_data(data, where=f"{self.oid()} definition")
            self._definition_cache = cached
        return cached

    def engine(self) -> Engine:
        """The rules this process runs by (what its tasks' transitions rely on)."""
        return Engine(self)

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
        return self.status.get() in ("DONE", "CANCELED")

    def summary(self) -> str:
        """One line: the definition, the status and the tasks still open."""
        status = self.status.get()
        line = f"{self.get_definition().name} {status}"
        active = [f"{t.name()} {t.status.get()}" for t in self.active_tasks()]
        return f"{line}: {', '.join(active)}" if active else line

    # -- driving --------------------------------------------------------------------------

    def start(self, **state: Any) -> None:
        """Start the process: set ``state`` and run from the Start node, as the
        session's user (who must be allowed to start it).

        :raises WorkflowError: the process was started already.
        :raises TaskPermissionError: the Start's ``users`` do not include the user.
        """

        def start() -> None:
            status = self.status.get()
            if status != "NEW":
                raise WorkflowError(f"{self.oid()} is {status}; only a NEW process starts")
            self.engine().start(state)

        run_operation(self, "start", start)

    def execute_step(self, **input: Any) -> HumanTask:
        """Run the current step for the session's user and move on; return it.

        The step is assigned (if nobody has it), prepared and done with ``input``: its
        actions update the state, then the process runs on to the next step that
        needs a person. One operation: if an action raises, nothing changed.

        :raises WorkflowError: the process is not running, or no step waits for a
            person (a job is running, or a gate is in error).
        """

        def step() -> HumanTask:
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

        return run_operation(self, "execute_step()", step)

    def execute(self, max_steps: int = 1000) -> str:
        """Run every step until the process ends or waits for something else.

        Each step is its own operation, run with no input. Returns the process status.

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

    def goto(self, node: str) -> Activation:
        """Go to ``node`` (a task or job node) from wherever this one-branch process is:
        the open tasks are cancelled, the node's task is activated and returned.

        :raises WorkflowError: see :meth:`Engine.goto`.
        """

        def goto() -> Activation:
            self._check_running()
            return self.engine().goto(node)

        return run_operation(self, f"goto {node!r}", goto)

    def cancel(self) -> None:
        """Cancel the process and every task that can be canceled."""

        def cancel() -> None:
            self._check_running()
            self.engine().cancel()

        run_operation(self, "cancel", cancel)

    def _check_running(self) -> None:
        status = self.status.get()
        if status != STARTED:
            raise WorkflowError(f"{self.oid()} is {status}, not running")

    def _waiting(self) -> str:
        active = [f"{t.name()} ({t.status.get()})" for t in self.active_tasks()]
        return f"active: {', '.join(active)}" if active else "nothing is active"
