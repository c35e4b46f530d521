"""graftflow.plugins.workflow: task status, processes, work queues and workers (issue 6).

This branch holds part B: the work queue, workers, retry policies and decider-style
processes. Part A (activations, processes, definitions) adds its own exports here.
"""

from __future__ import annotations

from ._decider import (
    CancelWorkflow,
    CompleteWorkflow,
    DeciderProcess,
    DeciderProcesses,
    Decision,
    FailWorkflow,
    ScheduleActivity,
    Workflow,
    WorkflowError,
)
from ._queue import (
    MAX_LOST,
    Job,
    JobCanceled,
    JobLost,
    JobNotFoundError,
    JobStatus,
    WorkQueue,
    set_clock,
)
from ._retry import DEFAULT_RETRY, RetryPolicy
from ._worker import JobContext, Worker, WorkerEvent

__all__ = [
    "DEFAULT_RETRY",
    "MAX_LOST",
    "CancelWorkflow",
    "CompleteWorkflow",
    "DeciderProcess",
    "DeciderProcesses",
    "Decision",
    "FailWorkflow",
    "Job",
    "JobCanceled",
    "JobContext",
    "JobLost",
    "JobNotFoundError",
    "JobStatus",
    "RetryPolicy",
    "ScheduleActivity",
    "WorkQueue",
    "Worker",
    "WorkerEvent",
    "Workflow",
    "WorkflowError",
    "set_clock",
]
