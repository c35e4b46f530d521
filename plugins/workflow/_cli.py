"""``graftflow workflow ...``: start processes, show them, move tasks, draw diagrams.

Added to the command line by the workflow plugin's ``graftflow_register_commands``
hook. The CLI's helpers are imported inside the commands.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

# Only the help's examples: the command line is loaded already when it asks the plugin
# for its commands.
from graftflow.plugins.cli import SHOT, examples

if TYPE_CHECKING:
    from ._activation import Activation
    from ._nodes import Definition
    from ._process import Process

__all__ = ["workflow"]

T = TypeVar("T")

#: Definitions shipped with graftflow, for ``--builtin``.
BUILTINS = ("shot_pipeline",)


@click.group(
    epilog=examples(
        f"graftflow workflow start {SHOT}/processes pipeline --builtin shot_pipeline",
        f"graftflow workflow show {SHOT}/processes/pipeline",
    )
)
def workflow() -> None:
    """Workflow processes: start, show, move tasks, draw diagrams."""


def _object_at(ctx: click.Context, oid: str, kind: type[T], what: str) -> T:
    """The object at ``oid``, which must be a ``kind``; anything else is one error line."""
    from graftflow.plugins.cli import fail, open_flow, user_errors

    flow = open_flow(ctx)
    with user_errors():
        found = flow.get_object(oid)
    if not isinstance(found, kind):
        fail(f"{oid} is a {type(found).__name__}, not {what}")
    return found


def _process_at(ctx: click.Context, oid: str) -> Process:
    from ._process import Process

    return _object_at(ctx, oid, Process, "a workflow process")


def _task_at(ctx: click.Context, oid: str) -> Activation:
    from ._activation import Activation

    return _object_at(ctx, oid, Activation, "a task of a workflow process")


def _definition(
    file: Path | None, builtin: str | None, *, check_imports: bool = True
) -> Definition:
    """The definition of ``--file`` or ``--builtin``; ``check_imports=False`` reads a file
    whose functions this program cannot (or need not) import."""
    from graftflow.plugins.cli import user_errors

    if (file is None) == (builtin is None):
        raise click.UsageError("give a definition: --file PATH or --builtin NAME (one of them)")
    with user_errors():
        if builtin is not None:
            from ._demo import shot_pipeline

            return shot_pipeline()
        from ._definition_file import load_definition

        assert file is not None
        return load_definition(file, check_imports=check_imports)


def _summary(process: Process) -> dict[str, Any]:
    from ._activation import HumanTask

    return {
        "oid": process.oid(),
        "definition": process.get_definition().name,
        "status": process.status.get(),
        "summary": process.summary(),
        "state": process.state.get(),
        "tasks": [
            {
                "name": task.name(),
                "node": task.node.get(),
                "status": task.status.get(),
                "token": task.token.get(),
                "assignee": task.assignee.get() if isinstance(task, HumanTask) else "",
                "transitions": task.available_transitions(),
            }
            for task in process.task_list()
        ],
    }


def _print_summary(summary: dict[str, Any]) -> None:
    click.echo(f"{summary['oid']}  {summary['definition']}  {summary['status']}")
    click.echo(f"state: {json.dumps(summary['state'], sort_keys=True)}")
    for task in summary["tasks"]:
        who = f" @{task['assignee']}" if task["assignee"] else ""
        moves = f"  -> {', '.join(task['transitions'])}" if task["transitions"] else ""
        click.echo(f"  {task['name']:<20} {task['status']:<10} {task['token']}{who}{moves}")


@workflow.command(
    epilog=examples(
        f"graftflow workflow start {SHOT}/processes pipeline --builtin shot_pipeline",
        f"graftflow workflow start {SHOT}/processes --file my_flow.toml --state '{{\"a\": 1}}'",
    )
)
@click.argument("map_oid", metavar="OID")
@click.argument("name", required=False)
@click.option("--file", "file", type=click.Path(path_type=Path), help="A TOML definition.")
@click.option("--builtin", type=click.Choice(BUILTINS), help="A definition shipped with graftflow.")
@click.option("--state", "state_json", metavar="JSON", help="The initial state, a JSON object.")
@click.option("--json", "as_json", is_flag=True, help="Print the process as JSON.")
@click.pass_context
def start(
    ctx: click.Context,
    map_oid: str,
    name: str | None,
    file: Path | None,
    builtin: str | None,
    state_json: str | None,
    as_json: bool,
) -> None:
    """Start a process in the processes map at OID (a shot's .../processes)."""
    as_json = as_json or bool(ctx.obj.get("json"))  # the group's --json too
    from graftflow.plugins.cli import fail, open_flow, user_errors

    from ._processes import Processes

    definition = _definition(file, builtin)
    state = _json_object(state_json, "--state")
    flow = open_flow(ctx)
    with user_errors():
        processes = flow.get_object(map_oid)
        if not isinstance(processes, Processes):
            fail(f"{map_oid} is a {type(processes).__name__}, not a map of workflow processes")
        process = processes.start(name, definition, state=state)
        _show(process, as_json)


def _json_object(text: str | None, option: str) -> dict[str, Any]:
    """An option's JSON object; anything else is a usage error (exit 2)."""
    if text is None:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise click.BadParameter(
            f"not JSON ({exc.msg} at column {exc.colno})", param_hint=option
        ) from None
    if not isinstance(value, dict):
        raise click.BadParameter(
            f"expected a JSON object, got {type(value).__name__}", param_hint=option
        )
    return value


def _show(process: Process, as_json: bool) -> None:
    summary = _summary(process)
    if as_json:
        click.echo(json.dumps(summary, indent=2))
    else:
        _print_summary(summary)


@workflow.command(
    epilog=examples(
        f"graftflow workflow show {SHOT}/processes/pipeline",
        f"graftflow workflow show {SHOT}/processes/pipeline --json",
    )
)
@click.argument("oid")
@click.option("--json", "as_json", is_flag=True, help="Print the process as JSON.")
@click.pass_context
def show(ctx: click.Context, oid: str, as_json: bool) -> None:
    """Show a process: status, state, tasks and their possible transitions."""
    as_json = as_json or bool(ctx.obj.get("json"))  # the group's --json too
    from graftflow.plugins.cli import user_errors

    process = _process_at(ctx, oid)
    with user_errors():
        _show(process, as_json)


@workflow.command(
    epilog=examples(
        f"graftflow workflow move {SHOT}/processes/pipeline/tasks/layout-1 assign",
        f"graftflow workflow move {SHOT}/processes/pipeline/tasks/review-1 done "
        "--input '{\"approved\": true}'",
    )
)
@click.argument("task_oid", metavar="TASK_OID")
@click.argument("transition")
@click.option("--input", "input_json", metavar="JSON", help="Input for 'done', a JSON object.")
@click.option("--json", "as_json", is_flag=True, help="Print the process as JSON.")
@click.pass_context
def move(
    ctx: click.Context, task_oid: str, transition: str, input_json: str | None, as_json: bool
) -> None:
    """Make TRANSITION (assign, prepare, done, undo...) on a task, as the session's user."""
    as_json = as_json or bool(ctx.obj.get("json"))  # the group's --json too
    from graftflow.plugins.cli import user_errors

    values = _json_object(input_json, "--input")  # a usage error before any store opens
    task = _task_at(ctx, task_oid)
    with user_errors():
        task.fire(transition, **values)
        _show(task.process, as_json)


@workflow.command(
    epilog=examples(
        "graftflow workflow diagram --builtin shot_pipeline --format mermaid",
        f"graftflow workflow diagram {SHOT}/processes/pipeline",
    )
)
@click.argument("oid", required=False)
@click.option("--file", "file", type=click.Path(path_type=Path), help="A TOML definition.")
@click.option("--builtin", type=click.Choice(BUILTINS), help="A definition shipped with graftflow.")
@click.option(
    "--format", "fmt", type=click.Choice(["dot", "mermaid"]), default="dot", show_default=True
)
@click.option("--json", "as_json", is_flag=True, help="Print {oid, format, diagram} as JSON.")
@click.pass_context
def diagram(
    ctx: click.Context,
    oid: str | None,
    file: Path | None,
    builtin: str | None,
    fmt: str,
    as_json: bool,
) -> None:
    """Print a process (OID) or a definition (--file/--builtin) as DOT or Mermaid.

    A process's active tasks are highlighted with their tokens.
    """
    as_json = as_json or bool(ctx.obj.get("json"))  # the group's --json too
    from graftflow.plugins.cli import user_errors

    from ._diagram import to_dot, to_mermaid

    render = to_dot if fmt == "dot" else to_mermaid
    target: Any
    if oid is not None:
        if file is not None or builtin is not None:
            raise click.UsageError(
                "give a process OID or a definition (--file/--builtin), not both"
            )
        target = _process_at(ctx, oid)
        source = {"oid": oid}
    else:
        # Drawing needs the graph only: the file's functions are never imported.
        target = _definition(file, builtin, check_imports=False)
        source = {"file": str(file)} if file is not None else {"builtin": str(builtin)}
    with user_errors():
        text = render(target)
    if as_json:
        click.echo(json.dumps({**source, "format": fmt, "diagram": text}, indent=2))
    else:
        click.echo(text, nl=False)


@workflow.command(
    epilog=examples(
        f"graftflow workflow history {SHOT}/processes/pipeline",
        f"graftflow workflow history {SHOT}/processes/pipeline --json",
    )
)
@click.argument("oid")
@click.option("--json", "as_json", is_flag=True, help="Print the records as JSON.")
@click.pass_context
def history(ctx: click.Context, oid: str, as_json: bool) -> None:
    """Show a process's history (a graph process or a decider process), oldest first."""
    as_json = as_json or bool(ctx.obj.get("json"))  # the group's --json too
    from graftflow.plugins.cli import fail, open_flow, user_errors

    from ._history import History

    flow = open_flow(ctx)
    with user_errors():
        found = flow.get_object(oid)
        log = getattr(found, "history", None)
        if not isinstance(log, History):
            fail(f"{oid} is a {type(found).__name__}, not a workflow process")
        records = log.records()
    if as_json:
        click.echo(json.dumps(records, indent=2))
        return
    for record in records:
        click.echo(history_line(record))


#: The keys every history record has, shown in fixed places; the rest follow as key=value.
_FIXED = ("id", "when", "who", "what", "task", "node", "activity_id", "source", "target")


def history_line(record: dict[str, Any]) -> str:
    """One record as one line: number, time, who, what, about what, from -> to, details."""
    subject = record.get("task") or record.get("activity_id") or ""
    line = f"{record['id']:>4} {record['when']} {record['who']:<10} {record['what']}"
    if subject:
        line += f" {subject}"
    if "target" in record:
        line += f" {record.get('source') or '-'} -> {record['target']}"
    details = {k: v for k, v in record.items() if k not in _FIXED and v not in (None, "")}
    if details:
        shown = " ".join(f"{k}={json.dumps(v)}" for k, v in details.items())
        line += f"  {shown if len(shown) <= 100 else shown[:99] + '…'}"
    return line
