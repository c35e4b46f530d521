"""``graftflow worker``: run a queue's jobs until stopped.

SIGTERM (what service managers send) lets the current job finish, then exits 0;
Ctrl-C gives the current job back to the queue at once (its attempt is not counted)
and exits 130. ``--json`` prints one JSON object per line for each thing done.
"""

from __future__ import annotations

import json
import signal
import sys
from types import FrameType

import click

from graftflow.plugins.cli import examples  # the help's examples (the CLI is loaded)

__all__ = ["worker"]


@click.command(
    epilog=examples(
        "graftflow worker --max-jobs 10 --idle-exit 60 --json",
        "graftflow worker --queue farm --lease 60",
    )
)
@click.option("--queue", "queue_name", default="default", show_default=True, help="Queue to run.")
@click.option(
    "--lease",
    type=click.FloatRange(min=0.05),
    default=30.0,
    show_default=True,
    help="Seconds a claimed job stays ours if this worker stops answering.",
)
@click.option("--max-jobs", type=click.IntRange(min=1), help="Exit after running this many jobs.")
@click.option(
    "--idle-exit",
    type=click.FloatRange(min=0),
    metavar="SECONDS",
    help="Exit once the queue has been empty this long.",
)
@click.option(
    "--poll",
    type=click.FloatRange(min=0.01),
    default=0.2,
    show_default=True,
    help="Seconds between two looks at an empty queue.",
)
@click.option("--json", "as_json", is_flag=True, help="Print what happens as JSON lines.")
@click.pass_context
def worker(
    ctx: click.Context,
    queue_name: str,
    lease: float,
    max_jobs: int | None,
    idle_exit: float | None,
    poll: float,
    as_json: bool,
) -> None:
    """Run the jobs of a work queue (job tasks, decider activities)."""
    as_json = as_json or bool(ctx.obj.get("json"))  # the group's --json too
    from graftflow.plugins.cli import open_flow, user_errors

    from ._worker import Worker, WorkerEvent

    def show(event: WorkerEvent) -> None:
        if as_json:
            click.echo(json.dumps(event))
        elif event["event"] != "claimed":
            line = f"{event['event']:>9} {event['function']} job {event['job']}"
            line += f" attempt {event['attempt']}"
            if event.get("error"):
                line += f": {event['error']}"
            click.echo(line)

    flow = open_flow(ctx)
    with user_errors():
        try:
            runner = Worker(flow, queue_name, lease=lease, poll=poll, on_event=show)
        except ValueError as exc:
            raise click.UsageError(str(exc)) from None

    def on_term(signum: int, frame: FrameType | None) -> None:
        runner.stop()

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        with user_errors():
            count = runner.run(max_jobs=max_jobs, idle_exit=idle_exit)
    except KeyboardInterrupt:
        if not as_json:
            click.echo("interrupted: the current job (if any) went back to the queue", err=True)
        sys.exit(130)
    finally:
        signal.signal(signal.SIGTERM, previous)
    if as_json:
        click.echo(json.dumps({"event": "exit", "worker": runner.name, "jobs": count}))
    else:
        click.echo(f"worker {runner.name}: {count} job(s) run", err=True)
