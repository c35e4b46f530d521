"""graftflow.plugins.workflow: task status state machines, processes and diagrams.

Built from flow objects, params and maps, so studios extend it with dynamic relations
like anything else:

- *activations*: each task's ``status`` is driven by a state machine declared as data
  (:class:`HumanTask`, :class:`JobTask`, :class:`Gate`), one store transaction per
  transition (run again if another program moved the process first), logged in the
  process history;
- *processes*: a :class:`Definition` is a graph of nodes (:class:`Start`,
  :class:`Task`, :class:`Job`, :class:`Func`, :class:`Handler`, :class:`If`,
  :class:`Switch`, :class:`Goto`, :class:`Split`, :class:`Join`, :class:`End`), built
  in Python or
  loaded from TOML (:func:`load_definition`); a :class:`Process` runs it, persists in
  the store and resumes anywhere;
- *steps with state*: ``process.state`` is a dict with dot access; ``execute_step()``
  and ``execute()`` drive the human steps;
- *events*: the ``graftflow_on_transition`` and ``graftflow_on_process_event`` hooks;
- *diagrams*: :func:`to_dot` and :func:`to_mermaid`, current tasks highlighted;
- *work queues and workers*: a :class:`JobTask` hands its function (or
  :class:`Activity` class) to a :class:`WorkQueue` kept in the store; ``graftflow
  worker`` processes (:class:`Worker`) claim jobs with a lease, heartbeat, time out and
  retry by :class:`RetryPolicy`; ``graftflow jobs`` lists, shows, cancels and retries
  them;
- *deciders*: a :class:`Workflow` may instead ``decide()`` from its event history,
  scheduling activities, in the SWF / pyworkflow style (:class:`DeciderProcess`);
- one :class:`History` model for both kinds of process.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# The one list of public names. Type checkers read these imports (the ``X as X`` form
# marks a name as exported); at run time nothing here is imported: the package reads
# this block from its own source the first time a name is asked for, and imports only
# the module that holds it. The plugin is imported by every session that loads plugins
# (its entry point), which must not cost them the workflow engine and the queue.
if TYPE_CHECKING:
    from ._activation import Activation as Activation
    from ._activation import Gate as Gate
    from ._activation import HumanTask as HumanTask
    from ._activation import JobTask as JobTask
    from ._activation import JoinGate as JoinGate
    from ._activation import StartTask as StartTask
    from ._activation import TaskPermissionError as TaskPermissionError
    from ._activation import Transition as Transition
    from ._activation import TransitionError as TransitionError
    from ._activation import Transitions as Transitions
    from ._activity import Activity as Activity
    from ._decider import CancelWorkflow as CancelWorkflow
    from ._decider import CompleteWorkflow as CompleteWorkflow
    from ._decider import DeciderProcess as DeciderProcess
    from ._decider import DeciderProcesses as DeciderProcesses
    from ._decider import Decision as Decision
    from ._decider import FailWorkflow as FailWorkflow
    from ._decider import ScheduleActivity as ScheduleActivity
    from ._decider import Workflow as Workflow
    from ._definition_file import load_definition as load_definition
    from ._definition_file import parse_definition as parse_definition
    from ._diagram import to_dot as to_dot
    from ._diagram import to_mermaid as to_mermaid
    from ._events import fire_process_event as fire_process_event
    from ._history import History as History
    from ._nodes import Case as Case
    from ._nodes import Definition as Definition
    from ._nodes import DefinitionError as DefinitionError
    from ._nodes import End as End
    from ._nodes import Func as Func
    from ._nodes import Goto as Goto
    from ._nodes import Handler as Handler
    from ._nodes import If as If
    from ._nodes import Job as Job
    from ._nodes import Join as Join
    from ._nodes import Node as Node
    from ._nodes import Split as Split
    from ._nodes import Start as Start
    from ._nodes import Switch as Switch
    from ._nodes import Task as Task
    from ._nodes import WorkflowError as WorkflowError
    from ._process import Process as Process
    from ._process import ProcessTasks as ProcessTasks
    from ._processes import Processes as Processes
    from ._queue import JobCanceled as JobCanceled
    from ._queue import JobLost as JobLost
    from ._queue import JobNotFoundError as JobNotFoundError
    from ._queue import JobRecord as JobRecord
    from ._queue import JobStatus as JobStatus
    from ._queue import WorkQueue as WorkQueue
    from ._retry import DEFAULT_RETRY as DEFAULT_RETRY
    from ._retry import RetryPolicy as RetryPolicy
    from ._state import StateParam as StateParam
    from ._state import StateValue as StateValue
    from ._worker import JobContext as JobContext
    from ._worker import Worker as Worker
    from ._worker import WorkerEvent as WorkerEvent


_WHERE: dict[str, str] | None = None


def _where() -> dict[str, str]:
    """Each public name and the module holding it, read from the block above."""
    global _WHERE
    if _WHERE is None:
        source = __spec__.loader.get_source(__name__)  # type: ignore[union-attr]
        if source is None:
            raise ImportError(f"{__name__} was installed without its source; reinstall it")
        # One name per line, as the block is written: ``    from .module import Name as
        # Name``. Read line by line in a tenth of the time parsing the module takes (and
        # without compiling a regular expression), on the path of every command on a
        # demo shot (tests/test_imports.py compares both readings).
        where = {}
        for line in source.splitlines():
            if line.startswith("    from ."):
                module, _, names = line[10:].partition(" import ")
                name, _, alias = names.partition(" as ")
                if module.isidentifier() and name.isidentifier() and alias == name:
                    where[name] = module
        _WHERE = where
    return _WHERE


def __getattr__(name: str) -> Any:
    if name == "__all__":
        return sorted(_where())
    # A private name is a submodule being imported (``from . import _hookspecs`` asks
    # here first): no public name starts with "_", so the source is not read for it.
    module = None if name.startswith("_") else _where().get(name)
    if module is None:
        raise AttributeError(f"module 'graftflow.plugins.workflow' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # later reads skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_where()))
