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

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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
    from ._definition_file import load_definition, parse_definition
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

#: Where each public name lives. The package loads a module when one of its names is
#: first used: the plugin is imported by every session that loads plugins (its entry
#: point), and must not cost them the whole workflow engine, the queue and pydantic.
_EXPORTS: dict[str, tuple[str, str]] = {
    "Activation": ("_activation", "Activation"),
    "CancelWorkflow": ("_decider", "CancelWorkflow"),
    "Case": ("_nodes", "Case"),
    "CompleteWorkflow": ("_decider", "CompleteWorkflow"),
    "DEFAULT_RETRY": ("_retry", "DEFAULT_RETRY"),
    "DeciderProcess": ("_decider", "DeciderProcess"),
    "DeciderProcesses": ("_decider", "DeciderProcesses"),
    "Decision": ("_decider", "Decision"),
    "Definition": ("_nodes", "Definition"),
    "DefinitionError": ("_nodes", "DefinitionError"),
    "End": ("_nodes", "End"),
    "FailWorkflow": ("_decider", "FailWorkflow"),
    "Func": ("_nodes", "Func"),
    "Gate": ("_activation", "Gate"),
    "Handler": ("_nodes", "Handler"),
    "History": ("_process", "History"),
    "HumanTask": ("_activation", "HumanTask"),
    "If": ("_nodes", "If"),
    "Job": ("_nodes", "Job"),
    "JobCanceled": ("_queue", "JobCanceled"),
    "JobContext": ("_worker", "JobContext"),
    "JobLost": ("_queue", "JobLost"),
    "JobNotFoundError": ("_queue", "JobNotFoundError"),
    "JobRecord": ("_queue", "Job"),
    "JobStatus": ("_queue", "JobStatus"),
    "JobTask": ("_activation", "JobTask"),
    "Join": ("_nodes", "Join"),
    "JoinGate": ("_activation", "JoinGate"),
    "MAX_LOST": ("_queue", "MAX_LOST"),
    "Node": ("_nodes", "Node"),
    "Process": ("_process", "Process"),
    "ProcessTasks": ("_process", "ProcessTasks"),
    "Processes": ("_process", "Processes"),
    "RetryPolicy": ("_retry", "RetryPolicy"),
    "ScheduleActivity": ("_decider", "ScheduleActivity"),
    "Split": ("_nodes", "Split"),
    "Start": ("_nodes", "Start"),
    "StateParam": ("_state", "StateParam"),
    "StateValue": ("_state", "StateValue"),
    "Switch": ("_nodes", "Switch"),
    "Task": ("_nodes", "Task"),
    "TaskPermissionError": ("_activation", "TaskPermissionError"),
    "Transition": ("_activation", "Transition"),
    "TransitionError": ("_activation", "TransitionError"),
    "Transitions": ("_activation", "Transitions"),
    "WorkQueue": ("_queue", "WorkQueue"),
    "Worker": ("_worker", "Worker"),
    "WorkerEvent": ("_worker", "WorkerEvent"),
    "Workflow": ("_decider", "Workflow"),
    "WorkflowError": ("_nodes", "WorkflowError"),
    "fire_process_event": ("_events", "fire_process_event"),
    "fire_transition": ("_events", "fire_transition"),
    "load_definition": ("_definition_file", "load_definition"),
    "parse_definition": ("_definition_file", "parse_definition"),
    "set_clock": ("_queue", "set_clock"),
    "to_dot": ("_diagram", "to_dot"),
    "to_mermaid": ("_diagram", "to_mermaid"),
}


def __getattr__(name: str) -> Any:
    try:
        module, attr = _EXPORTS[name]
    except KeyError:
        raise AttributeError(
            f"module 'graftflow.plugins.workflow' has no attribute {name!r}"
        ) from None
    value = getattr(importlib.import_module(f"{__name__}.{module}"), attr)
    globals()[name] = value  # later reads skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
