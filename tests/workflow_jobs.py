"""Job functions, owners and workflows for the workflow tests (issue 6, part B).

Workers import these by reference (``workflow_jobs:multiply``), in this process or in
real worker processes (the tests directory is on their PYTHONPATH).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from graftflow import Child, Object, Param
from graftflow.plugins.workflow import (
    Activity,
    CancelWorkflow,
    CompleteWorkflow,
    DeciderProcess,
    DeciderProcesses,
    FailWorkflow,
    JobCanceled,
    JobContext,
    JobRecord,
    RetryPolicy,
    ScheduleActivity,
    Workflow,
)


class FakeClock:
    """A clock tests step by hand, so no test sleeps to pass a deadline."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


#: The clock in-process job functions advance (set by the tests that use it).
CLOCK = FakeClock()


class Owner(Object):
    """An owner that keeps every callback it got, in the store.

    Calls are appended to an ordered map under a new number: two workers appending at
    once cannot both take a number (on Redis a read-modify-write of a list param in a
    batch could lose one), the loser's whole batch is refused and the queue tries again.
    """

    explode = Param(False)
    #: Kill the whole program when told a job started (a crash between a commit and
    #: the owner's notice).
    crash = Param(False)

    def calls(self) -> list[Any]:
        store, key = self._mng.store, self.oid() + "/calls"
        return [store.ordered_get(key, name) for name in store.ordered_range(key)]

    def _log(self, entry: list[Any]) -> None:
        store, key = self._mng.store, self.oid() + "/calls"
        store.ordered_add(key, {str(store.ordered_len(key) + 1): entry})

    def job_started(self, job: JobRecord) -> None:
        if self.crash.get():
            os._exit(3)
        self._log(["started", job.id, job.status, job.attempt])

    def job_finished(self, job: JobRecord) -> None:
        if self.explode.get():
            raise RuntimeError("owner bug")
        self._log(["finished", job.id, job.status, job.attempt])


class Witness(Object):
    """An owner that reads its job through a connection of its own: what another
    program sees at the moment the owner is told."""

    seen = Param(list)

    def _look(self, method: str, job: JobRecord) -> None:
        from graftflow import Flow, open_store
        from graftflow.plugins.workflow import WorkQueue

        other = open_store(self.root().store().url)
        try:
            status = WorkQueue(Flow(store=other), job.queue).job(job.id).status
        finally:
            other.close()
        self.seen.set([*self.seen.get(), [method, status]])

    def job_started(self, job: JobRecord) -> None:
        self._look("job_started", job)

    def job_finished(self, job: JobRecord) -> None:
        self._look("job_finished", job)


class Studio(Object):
    """A project with owners and decider processes."""

    owner = Child(Owner)
    witness = Child(Witness)
    processes = Child(DeciderProcesses)


# -- job functions --------------------------------------------------------------------


def multiply(ctx: JobContext) -> int:
    """The seed's MultiplicationActivity: repeated addition, with a heartbeat per step."""
    a, b = ctx.input
    if a > 10:
        raise JobCanceled("first operand must be <= 10")
    result = 0
    for _ in range(a):
        result += b
        ctx.heartbeat()
    return result


def record(ctx: JobContext) -> str:
    """Append ``job-id pid attempt`` to a file (O_APPEND: whole lines), after a nap."""
    time.sleep(ctx.input.get("sleep", 0))
    line = f"{ctx.job_id} {os.getpid()} {ctx.attempt}\n"
    fd = os.open(ctx.input["file"], os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)
    return ctx.job_id


def slow_first(ctx: JobContext) -> str:
    """Attempt 1 says it started, then sleeps long (to be killed); later ones record."""
    if ctx.attempt == 1:
        Path(ctx.input["marker"]).write_text(str(os.getpid()))
        time.sleep(ctx.input.get("sleep", 60))
    return record(ctx)


def boom(ctx: JobContext) -> None:
    raise ValueError(f"cannot handle {ctx.input!r}")


def flaky(ctx: JobContext) -> int:
    """Fails with OSError until attempt ``input + 1``."""
    if ctx.attempt <= ctx.input:
        raise OSError(f"flaky attempt {ctx.attempt}")
    return ctx.attempt


def stall(ctx: JobContext) -> None:
    """Let the fake clock pass ``input`` seconds without a heartbeat, then heartbeat."""
    CLOCK.advance(ctx.input)
    ctx.heartbeat()


def beat_for(ctx: JobContext) -> int:
    """Step the fake clock ``seconds``, a heartbeat every ``every``; return the beats."""
    beats = 0
    for _ in range(int(ctx.input["seconds"] / ctx.input["every"])):
        CLOCK.advance(ctx.input["every"])
        ctx.heartbeat()
        beats += 1
    return beats


def rendezvous(ctx: JobContext) -> str:
    """Mark this worker as arrived, wait (30 s at most) until ``count`` have, record."""
    meet = Path(ctx.input["meet"])
    meet.mkdir(exist_ok=True)
    (meet / f"{os.getpid()}-{ctx.job_id}").touch()
    deadline = time.monotonic() + 30
    while len(list(meet.iterdir())) < ctx.input["count"]:
        if time.monotonic() > deadline:
            raise TimeoutError("the other workers never took their job")
        time.sleep(0.01)
    return record(ctx)


def cancel_myself_then_heartbeat(ctx: JobContext) -> str:
    from graftflow.plugins.workflow import WorkQueue

    WorkQueue(ctx.flow, ctx.job.queue).cancel(ctx.job_id, "changed my mind")
    ctx.heartbeat({"step": 1})
    return "never recorded"


def with_details(ctx: JobContext) -> Any:
    ctx.heartbeat({"done": 1})
    return ctx.job.heartbeat_details


def not_json(ctx: JobContext) -> object:
    return {1, 2}


# -- workflows --------------------------------------------------------------------------


class MultiplyWorkflow(Workflow):
    """The seed's FooWorkflow: multiply the input, then complete with the product."""

    def decide(self, process: DeciderProcess) -> Any:
        for event in reversed(process.events()):
            kind = event["what"]
            if kind == "ActivityCompleted":
                return CompleteWorkflow(event["result"])
            if kind == "ActivityCanceled":
                return CancelWorkflow(event["reason"])
            if kind in ("ActivityFailed", "ActivityTimedOut"):
                return FailWorkflow(f"{kind}: {event.get('timeout_type') or event['error']}")
        if not process.events("ActivityScheduled"):
            return ScheduleActivity(
                "workflow_jobs:multiply",
                process.input.get(),
                scheduled_timeout=300,
                execution_timeout=10,
                heartbeat_timeout=5,
            )
        return None


class StallWorkflow(Workflow):
    """Schedules an activity that misses its heartbeat deadline."""

    def decide(self, process: DeciderProcess) -> Any:
        timed_out = process.events("ActivityTimedOut")
        if timed_out:
            return CompleteWorkflow({"timed_out": timed_out[-1]["timeout_type"]})
        if not process.events("ActivityScheduled"):
            return ScheduleActivity("workflow_jobs:stall", 30, heartbeat_timeout=5)
        return None


class WaitTimeoutWorkflow(Workflow):
    """Schedules an activity that must start within 5 s."""

    def decide(self, process: DeciderProcess) -> Any:
        timed_out = process.events("ActivityTimedOut")
        if timed_out:
            return FailWorkflow("no worker in time", {"timeout": timed_out[-1]["timeout_type"]})
        if not process.events("ActivityScheduled"):
            return ScheduleActivity("workflow_jobs:multiply", [2, 2], scheduled_timeout=5)
        return None


class SignalWorkflow(Workflow):
    """Waits for the signal ``operands``, multiplies them; ``stop`` completes early."""

    def decide(self, process: DeciderProcess) -> Any:
        signals = process.events("SignalReceived")
        if any(s["name"] == "stop" for s in signals):
            return CompleteWorkflow("stopped")
        done = process.events("ActivityCompleted")
        if done:
            return CompleteWorkflow(done[-1]["result"])
        operands = [s for s in signals if s["name"] == "operands"]
        if operands and not process.events("ActivityScheduled"):
            return ScheduleActivity("workflow_jobs:multiply", operands[-1]["data"])
        return None


class FanOutWorkflow(Workflow):
    """Runs ``input`` activities at once and completes with the sum of their results."""

    def decide(self, process: DeciderProcess) -> Any:
        count = process.input.get()
        if not process.events("ActivityScheduled"):
            return [
                ScheduleActivity("workflow_jobs:multiply", [2, i], activity_id=f"part-{i}")
                for i in range(1, count + 1)
            ]
        done = process.events("ActivityCompleted")
        if len(done) == count:
            return CompleteWorkflow(sum(e["result"] for e in done))
        return None


class BrokenWorkflow(Workflow):
    def decide(self, process: DeciderProcess) -> Any:
        raise KeyError("the decider has a bug")


# -- activities declared as classes (pyworkflow's style) -----------------------------------


class MultiplicationActivity(Activity):
    """The seed's MultiplicationActivity, timeouts as class attributes."""

    scheduled_timeout = 300  # max seconds in queue
    execution_timeout = 10  # max execution duration
    heartbeat_timeout = 5
    retry = RetryPolicy(max_attempts=2, retryable=("OSError",))

    def execute(self) -> int:
        a, b = self.input
        if a > 10:
            raise JobCanceled("first operand must be <= 10")
        result = 0
        for _ in range(a):
            result += b
            self.heartbeat()  # give a sign of life
        return result


class RenderActivity(Activity):
    """An activity that goes to its own queue."""

    queue = "render"

    def execute(self) -> str:
        return f"rendered {self.input}"


class ShorthandWorkflow(Workflow):
    """The seed's FooWorkflow: ``return MultiplicationActivity`` schedules it with the
    process's input; then complete with its result."""

    def decide(self, process: DeciderProcess) -> Any:
        done = process.events("ActivityCompleted")
        if done:
            return CompleteWorkflow(done[-1]["result"])
        if not process.events("ActivityScheduled"):
            return MultiplicationActivity
        return None


class TwoActivitiesWorkflow(Workflow):
    """A list of activity classes: both scheduled at once."""

    def decide(self, process: DeciderProcess) -> Any:
        if not process.events("ActivityScheduled"):
            return [MultiplicationActivity, RenderActivity]
        if len(process.events("ActivityCompleted")) == 2:
            return CompleteWorkflow(
                sorted(str(e["result"]) for e in process.events("ActivityCompleted"))
            )
        return None


class WrongAnswerWorkflow(Workflow):
    def decide(self, process: DeciderProcess) -> Any:
        return "multiply"


class TallyWorkflow(Workflow):
    """Counts ``tick`` signals; completes with the count once it reaches the input."""

    def decide(self, process: DeciderProcess) -> Any:
        ticks = process.events("SignalReceived")
        if len(ticks) >= process.input.get():
            return CompleteWorkflow(len(ticks))
        return None


class MeddledWorkflow(Workflow):
    """Reads its input, then lets ``workflow_defs.MEDDLE`` change the process meanwhile."""

    def decide(self, process: DeciderProcess) -> Any:
        import workflow_defs

        process.input.get()
        for meddle in workflow_defs.MEDDLE:
            meddle()
        return None
