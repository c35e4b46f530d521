"""The engine: the rules a process runs by, and the one protocol between it and its tasks.

Reaching a node *activates* it: a task item is created for it. Gates (Func, Handler,
If, Switch, Goto, Split, Join, End) are then performed at once, in the same operation;
the Start is done by whoever starts the process; human tasks wait for people; jobs are
submitted to the work queue and wait for a worker. Finishing a task activates what
follows it. Parallel branches carry tokens (``start/split-3/0``), and a Join
continues when every task whose token has its split's prefix is DONE or CANCELED.

The protocol, both ways, in public methods only:

- a task's transition work asks :meth:`Engine.route` where the process goes from that
  task (running a gate's function or test: it may raise, and the task goes to ERROR),
  and its after-work hands that answer to :meth:`Engine.proceed`; a cancelled task
  tells :meth:`Engine.released`; a Join asks :meth:`Engine.branches_finished`;
- the engine moves tasks only by :meth:`Activation.fire` (``check_perm=False`` for
  what it does by itself) and reads them through their params and ``node_spec()``.

Everything is written in the operation's transaction (see :mod:`._events`), so a rule
that fails half way leaves nothing behind, and one that read what another program
changed meanwhile runs again on the new state.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from ._activation import (
    ACTIVE,
    FINISHED,
    Activation,
    Gate,
    HumanTask,
    JobTask,
    JoinGate,
    StartTask,
)
from ._clock import stamp
from ._events import fire_process_event, operation
from ._nodes import (
    Func,
    Goto,
    Handler,
    If,
    Job,
    Join,
    Split,
    Switch,
    Task,
    WorkflowError,
    evaluate,
    import_ref,
)
from ._processes import add_numbered

if TYPE_CHECKING:
    from ._process import Process

__all__ = ["Engine", "Step"]

#: Process statuses.
NEW = "NEW"
STARTED = "STARTED"
DONE = "DONE"
CANCELED = "CANCELED"


class Step(NamedTuple):
    """Where a process goes next: a node, and the token of the branch that goes there."""

    node: str
    token: str


class Engine:
    """The rules of one process (made fresh whenever asked: it keeps nothing itself)."""

    __slots__ = ("process",)

    def __init__(self, process: Process) -> None:
        self.process = process

    # -- what tasks ask -------------------------------------------------------------------

    def route(self, task: Activation) -> list[Step]:
        """Where the process goes from ``task``: runs a gate's function or test.

        An End goes nowhere (:meth:`proceed` finishes the process there).
        """
        process = self.process
        spec = task.node_spec()
        token = task.token.get()
        if isinstance(spec, (Func, Handler)):
            target: Any = task if isinstance(spec, Handler) else process.state
            update = import_ref(spec.func)(target)
            if isinstance(update, Mapping):
                process.state.update(update)
            return [Step(spec.next, token)]
        if isinstance(spec, If):
            branch = evaluate(spec.when, spec.condition, process.state.get())
            return [Step(spec.then if branch else spec.else_, token)]
        if isinstance(spec, Switch):
            state = process.state.get()
            for case in spec.cases:
                if evaluate(case.when, case.condition, state):
                    return [Step(case.next, token)]
            if spec.default:
                return [Step(spec.default, token)]
            raise WorkflowError(
                f"{task.oid()}: no case of switch {spec.name!r} holds and it has no default"
            )
        if isinstance(spec, Goto):
            chosen = import_ref(spec.func)(process.state)
            if chosen not in spec.choices:
                raise WorkflowError(
                    f"{task.oid()}: {spec.func} chose {chosen!r}, which is not one of the "
                    f"goto's choices ({', '.join(spec.choices)})"
                )
            return [Step(chosen, token)]
        if isinstance(spec, Split):
            return [
                Step(branch, f"{token}/{task.name()}/{i}") for i, branch in enumerate(spec.branches)
            ]
        following = getattr(spec, "next", "")
        return [Step(following, token)] if following else []

    def proceed(self, task: Activation, steps: list[Step]) -> None:
        """``task`` is done: take ``steps`` (an End finishes the process)."""
        process = self.process
        if process.status.get() != STARTED:
            return  # a finished or cancelled process activates nothing more
        if task.node_spec().kind == "end":
            self.finish(task)
            return
        for step in steps:
            self.activate(step.node, step.token, [task.name()])

    def released(self, task: Activation) -> None:
        """``task`` was cancelled: a join waiting for its branch may go on now."""
        if self.process.status.get() != STARTED:
            return
        token = task.token.get()
        with operation(self.process.root()) as op:
            for other in self.process.task_list():
                if (
                    isinstance(other, JoinGate)
                    and other.status.get() == "NEW"
                    and token.startswith(other.join_key.get() + "/")
                ):
                    op.agenda.append(other)

    def branches_finished(self, join_key: str) -> bool:
        """Whether every task whose token is below ``join_key`` is DONE or CANCELED."""
        if not join_key:
            return True
        prefix = join_key + "/"
        return all(
            task.status.get() in FINISHED
            for task in self.process.task_list()
            if task.token.get().startswith(prefix)
        )

    # -- what the process asks ------------------------------------------------------------

    def start(self, state: Mapping[str, Any]) -> None:
        """Start the process: its state, then its Start task done by the session's user.

        :raises TaskPermissionError: the user may not start it (nothing is written).
        """
        process = self.process
        definition = process.get_definition()
        if state:
            process.state.update(state)
        process.status.set(STARTED)
        process.created.set(stamp(process.root()))
        process.history.append("started", definition=definition.name, source=NEW, target=STARTED)
        fire_process_event(process, "started", definition=definition.name)
        self.activate(definition.start.name, "start", []).fire("done")

    def activate(self, node_name: str, token: str, previous: list[str]) -> Activation:
        """Create the task of ``node_name`` (or join an open Join) and set it going."""
        process = self.process
        spec = process.get_definition().node(node_name)
        with operation(process.root()) as op:
            if isinstance(spec, Join):
                existing = self._open_join(node_name, _join_key(token))
                if existing is not None:
                    existing.previous.set([*existing.previous.get(), *previous])
                    op.agenda.append(existing)
                    return existing
            task_type = process.TASK_TYPES[spec.kind]
            # A counter per node, below the process (deleted with it): names never repeat.
            counter = f"{process.oid()}/!count/{node_name}"
            task = add_numbered(process.tasks, node_name, counter, task_type)
            task.node.set(node_name)
            if isinstance(task, JoinGate):
                key = _join_key(token)
                task.join_key.set(key)
                token = key.rpartition("/")[0] if key else token
            task.token.set(token)
            task.previous.set(previous)
            task.created.set(stamp(process.root()))
            process.history.append(
                "activate", task=task.name(), node=node_name, source="", target="NEW"
            )
            if isinstance(task, Gate):
                op.agenda.append(task)
            elif isinstance(task, JobTask):
                task.fire("assign", check_perm=False)
                task.fire("schedule", check_perm=False)
            elif isinstance(task, HumanTask) and isinstance(spec, Task) and spec.assign_to:
                task.fire("assign", check_perm=False, user=spec.assign_to)
            return task

    def goto(self, node_name: str) -> Activation:
        """Move a one-branch process to ``node_name``, a task or job node of its
        definition: the open tasks are cancelled and the node is activated (the flow
        library's ``workflow.current_step = step``).

        :raises WorkflowError: the node waits for nothing, parallel branches are open,
            or an open task cannot be cancelled (a PREPARED human task: finish or
            unassign it first).
        """
        process = self.process
        spec = process.get_definition().node(node_name)
        if not isinstance(spec, (Task, Job)):
            raise WorkflowError(
                f"{process.oid()}: cannot go to {node_name!r}, a {spec.kind} node; a goto "
                "goes to a task or job node (where the process waits)"
            )
        active = [t for t in process.active_tasks() if not isinstance(t, StartTask)]
        tokens = {t.token.get() for t in active}
        if len(tokens) > 1:
            raise WorkflowError(
                f"{process.oid()}: cannot go to {node_name!r} while parallel branches are "
                f"open ({', '.join(sorted(tokens))})"
            )
        stuck = [t.name() for t in active if "cancel" not in t.available_transitions()]
        if stuck:
            raise WorkflowError(
                f"{process.oid()}: cannot go to {node_name!r}: {', '.join(stuck)} cannot be "
                "cancelled now (finish or unassign it first)"
            )
        token = tokens.pop() if tokens else "start"
        with operation(process.root()):
            process.history.append("goto", node=node_name, canceled=[t.name() for t in active])
            for task in active:
                task.fire("cancel", check_perm=False)
            return self.activate(node_name, token, [t.name() for t in active])

    def cancel(self) -> None:
        """Cancel the process and every task that can be cancelled."""
        process = self.process
        process.status.set(CANCELED)  # first, so nothing a cancelled task releases runs
        self._cancel_active(None)
        process.finished.set(stamp(process.root()))
        process.history.append("canceled", source=STARTED, target=CANCELED)
        fire_process_event(process, "canceled")

    def finish(self, end: Activation) -> None:
        """The process reached ``end``: DONE, and whatever is still open is cancelled."""
        process = self.process
        process.status.set(DONE)  # first, so cancelled tasks do not advance anything
        self._cancel_active(end)
        process.finished.set(stamp(process.root()))
        process.history.append("finished", task=end.name(), source=STARTED, target=DONE)
        fire_process_event(process, "finished", end=end.node.get())

    # -- internals --------------------------------------------------------------------------

    def _open_join(self, node_name: str, key: str) -> JoinGate | None:
        for task in self.process.task_list():
            if (
                isinstance(task, JoinGate)
                and task.node.get() == node_name
                and task.join_key.get() == key
                and task.status.get() == "NEW"
            ):
                return task
        return None

    def _cancel_active(self, keep: Activation | None) -> None:
        for task in self.process.task_list():
            if task.status.get() not in ACTIVE:
                continue
            if keep is not None and task.name() == keep.name():
                continue
            if "cancel" in task.available_transitions():
                task.fire("cancel", check_perm=False)


def _join_key(token: str) -> str:
    """The split prefix a branch token joins on: ``start/split-3/0`` -> ``start/split-3``."""
    return token.rpartition("/")[0] if "/" in token else ""
