"""Workflow definitions, step actions and process types shared by the workflow tests.

Module level on purpose: processes store ``module:qualname`` references, and the
restart tests resume them in a fresh interpreter that imports this module.
"""

from __future__ import annotations

from typing import Any

import graftflow as gf
from graftflow.plugins.workflow import (
    Case,
    Definition,
    End,
    Func,
    Goto,
    Handler,
    If,
    Job,
    Join,
    Process,
    Processes,
    Split,
    Start,
    Switch,
    Task,
)

# -- the seeds' step actions -----------------------------------------------------------------


def print_hello(state: Any, **input: Any) -> None:
    """The flow library's PrintAction(string='Hello, world!')."""
    print("Hello, world!")


def print_bye(state: Any, **input: Any) -> None:
    print("Goodbye!")


def user_inputted_data(state: Any, custom_data: dict[str, Any] | None = None) -> dict[str, Any]:
    """The flow library's UserInputtedData: the user's data goes into the state."""
    return dict(custom_data or {})


def count_visit(state: Any, **input: Any) -> None:
    """Dot access: read and update the state through the wrapper."""
    state.visits = state.get().get("visits", 0) + 1


def failing_action(state: Any, **input: Any) -> None:
    state.touched = True
    raise ValueError("the render farm is on fire")


def double(state: Any) -> dict[str, Any]:
    return {"value": state["value"] * 2}


def flaky(state: Any) -> dict[str, Any]:
    """Fails until the state says it may pass (a Func node in ERROR, then retried)."""
    state.tries = state.get().get("tries", 0) + 1
    if not state.get().get("allow"):
        raise RuntimeError("not yet")
    return {"flaky": "passed"}


def tag_handler(task: Any) -> None:
    task.process.state["handled_by"] = task.oid()


def is_big(state: Any) -> bool:
    return bool(state.get("value", 0) > 10)


def multiply(context: Any) -> int:
    """The pyworkflow seed's MultiplicationActivity body, for Job nodes."""
    a, b = context.input
    result = 0
    for _ in range(a):
        result += b
        context.heartbeat()
    return result


# -- definitions ---------------------------------------------------------------------------

TWO_STEPS = Definition(
    "two_steps",
    [
        Start("start", next="first"),
        Task("first", next="second", actions=[print_hello]),
        Task("second", next="end", actions=[print_bye]),
        End("end"),
    ],
)

USER_INPUT = Definition(
    "user_input",
    [
        Start("start", next="ask"),
        Task("ask", next="end", actions=[user_inputted_data]),
        End("end"),
    ],
)

#: The flow library's ChoiceStep: the user's input decides whether "second" is skipped.
CHOICE = Definition(
    "choice",
    [
        Start("start", next="first"),
        Task("first", next="pick", actions=[print_hello]),
        Task("pick", next="choose", actions=[user_inputted_data]),
        Switch("choose", cases=[Case("third", when="skip_me")], default="second"),
        Task("second", next="third", actions=[count_visit]),
        Task("third", next="end", actions=[print_bye]),
        End("end"),
    ],
)

#: Going back: a rejected review returns to "work".
LOOP = Definition(
    "loop",
    [
        Start("start", next="work"),
        Task("work", next="review", actions=[count_visit]),
        Task("review", next="approved", actions=[user_inputted_data]),
        If("approved", when="approved", then="end", else_="work"),
        End("end"),
    ],
)

PARALLEL = Definition(
    "parallel",
    [
        Start("start", next="split"),
        Split("split", branches=["a", "b", "c"]),
        Task("a", next="join"),
        Task("b", next="join"),
        Task("c", next="join"),
        Join("join", next="after"),
        Task("after", next="end"),
        End("end"),
    ],
)

#: Two branches for two programs to finish at the same moment.
PAIR = Definition(
    "pair",
    [
        Start("start", next="split"),
        Split("split", branches=["left", "right"]),
        Task("left", next="join"),
        Task("right", next="join"),
        Join("join", next="after"),
        Task("after", next="end"),
        End("end"),
    ],
)

#: A branch that reaches End while another is still open: End cancels it.
RACE = Definition(
    "race",
    [
        Start("start", next="split"),
        Split("split", branches=["fast", "slow", "job"]),
        Task("fast", next="end"),
        Task("slow", next="end"),
        Job("job", next="end", func=multiply),
        End("end"),
    ],
)

FUNCS = Definition(
    "funcs",
    [
        Start("start", next="double"),
        Func("double", next="flaky", func=double),
        Func("flaky", next="handler", func=flaky),
        Handler("handler", next="big", func=tag_handler),
        If("big", condition=is_big, then="end", else_="small"),
        Task("small", next="end"),
        End("end"),
    ],
)

JOB = Definition(
    "job",
    [
        Start("start", next="multiply"),
        Job(
            "multiply",
            next="check",
            func=multiply,
            input_key="operands",
            result_key="product",
            retry={"max_attempts": 2},
        ),
        Task("check", next="end"),
        End("end"),
    ],
)

FAILING = Definition(
    "failing",
    [
        Start("start", next="bad"),
        Task("bad", next="end", actions=[failing_action]),
        End("end"),
    ],
)


# -- process and task types ---------------------------------------------------------------------


class StudioProcess(Process):
    """A process with an undo hook for node ``first``."""

    def first_undo(self, task: Any) -> None:
        self.state["undone"] = [*self.state.get().get("undone", []), task.name()]


class Shot(gf.Object):
    """Where processes live in these tests (the demo grafts the same map)."""

    processes = gf.Child(Processes)


class Film(gf.Object):
    shot = gf.Child(Shot)


def picky(context: Any) -> str:
    """A job that refuses its input until the state allows it (ERROR, then retry)."""
    if not context.input.get("allow"):
        raise ValueError("operands not allowed yet")
    return "accepted"


#: A process whose job fails until its state is fixed.
PICKY = Definition(
    "picky",
    [
        Start("start", next="check"),
        Job("check", next="end", func=picky, result_key="verdict"),
        End("end"),
    ],
)


# -- code choosing the next step --------------------------------------------------------


def pick_next(state: Any) -> str:
    """The flow library's next_step_selector: skip the second step when asked."""
    return str(state.get().get("go", "second"))


GOTO = Definition(
    "goto",
    [
        Start("start", next="first"),
        Task("first", next="route", actions=[user_inputted_data]),
        Goto("route", func=pick_next, choices=["second", "third"]),
        Task("second", next="third"),
        Task("third", next="end"),
        End("end"),
    ],
)

#: Only the leads may start it.
LEADS_ONLY = Definition(
    "leads_only",
    [Start("start", next="work", users=["lead", "sup"]), Task("work", next="end"), End("end")],
)


# -- a step another program races (tests/test_workflow_contention.py) ---------------------

#: What ``meddled`` calls between its read of the state and its write: a test puts a
#: function here that changes the process through another connection, as another
#: program would at that moment.
MEDDLE: list[Any] = []


def meddled(state: Any, **input: Any) -> dict[str, Any]:
    """Reads the state, lets ``MEDDLE`` change it meanwhile, then counts its own run."""
    runs = state.get().get("runs", 0)
    for meddle in MEDDLE:
        meddle()
    return {"runs": runs + 1}


MEDDLED = Definition(
    "meddled",
    [Start("start", next="work"), Task("work", next="end", actions=[meddled]), End("end")],
)
