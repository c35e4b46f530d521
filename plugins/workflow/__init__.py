"""graftflow.plugins.workflow: task status state machines, processes and diagrams.

Built from flow objects, params and maps, so studios extend it with dynamic relations
like anything else:

- *activations*: each task's ``status`` is driven by a state machine declared as data
  (:class:`HumanTask`, :class:`JobTask`, :class:`Gate`), one store batch per
  transition, logged in the process history;
- *processes*: a :class:`Definition` is a graph of nodes (:class:`Start`,
  :class:`Task`, :class:`Job`, :class:`Func`, :class:`Handler`, :class:`If`,
  :class:`Switch`, :class:`Split`, :class:`Join`, :class:`End`), built in Python or
  loaded from TOML (:func:`load_definition`); a :class:`Process` runs it, persists in
  the store and resumes anywhere;
- *steps with state*: ``process.state`` is a dict with dot access; ``execute_step()``
  and ``execute()`` drive the human steps;
- *events*: the ``graftflow_on_transition`` and ``graftflow_on_process_event`` hooks;
- *diagrams*: :func:`to_dot` and :func:`to_mermaid`, current tasks highlighted;
- *work queues and workers*: a :class:`JobTask` hands its function to a
  :class:`WorkQueue` kept in the store; ``graftflow worker`` processes (:class:`Worker`)
  claim jobs with a lease, heartbeat, time out and retry by :class:`RetryPolicy`;
- *deciders*: a :class:`Workflow` may instead ``decide()`` from its event history,
  scheduling activities, in the SWF / pyworkflow style (:class:`DeciderProcess`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._activation import (
    Activation,
    Gate,
    HumanTask,
    JobTask,
    JoinGate,
    TaskPermissionError,
    Transition,
    TransitionError,
    Transitions,
)
from ._decider import (
    CancelWorkflow,
    CompleteWorkflow,
    DeciderProcess,
    DeciderProcesses,
    Decision,
    FailWorkflow,
    ScheduleActivity,
    Workflow,
)
from ._diagram import to_dot, to_mermaid
from ._events import fire_process_event, fire_transition
from ._nodes import (
    Case,
    Definition,
    DefinitionError,
    End,
    Func,
    Handler,
    If,
    Job,
    Join,
    Node,
    Split,
    Start,
    Switch,
    Task,
    WorkflowError,
)
from ._process import History, Process, Processes, ProcessTasks
from ._queue import (
    MAX_LOST,
    JobCanceled,
    JobLost,
    JobNotFoundError,
    JobStatus,
    WorkQueue,
    set_clock,
)
from ._queue import Job as JobRecord
from ._retry import DEFAULT_RETRY, RetryPolicy
from ._state import StateParam, StateValue
from ._worker import JobContext, Worker, WorkerEvent

if TYPE_CHECKING:
    from ._definition_file import load_definition, parse_definition

__all__ = [
    "DEFAULT_RETRY",
    "MAX_LOST",
    "Activation",
    "CancelWorkflow",
    "Case",
    "CompleteWorkflow",
    "DeciderProcess",
    "DeciderProcesses",
    "Decision",
    "Definition",
    "DefinitionError",
    "End",
    "FailWorkflow",
    "Func",
    "Gate",
    "Handler",
    "History",
    "HumanTask",
    "If",
    "Job",
    "JobCanceled",
    "JobContext",
    "JobLost",
    "JobNotFoundError",
    "JobRecord",
    "JobStatus",
    "JobTask",
    "Join",
    "JoinGate",
    "Node",
    "Process",
    "ProcessTasks",
    "Processes",
    "RetryPolicy",
    "ScheduleActivity",
    "Split",
    "Start",
    "StateParam",
    "StateValue",
    "Switch",
    "Task",
    "TaskPermissionError",
    "Transition",
    "TransitionError",
    "Transitions",
    "WorkQueue",
    "Worker",
    "WorkerEvent",
    "Workflow",
    "WorkflowError",
    "fire_process_event",
    "fire_transition",
    "load_definition",
    "parse_definition",
    "set_clock",
    "to_dot",
    "to_mermaid",
]


def __getattr__(name: str) -> Any:
    # Reading TOML definitions needs pydantic: only programs that read files pay for it.
    if name in ("load_definition", "parse_definition"):
        from . import _definition_file

        return getattr(_definition_file, name)
    raise AttributeError(f"module 'graftflow.plugins.workflow' has no attribute {name!r}")
