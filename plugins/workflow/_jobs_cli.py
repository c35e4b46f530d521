"""``graftflow jobs``: see the work queue, one job's attempts and traceback; cancel, retry.

Added to the command line by the workflow plugin's ``graftflow_register_commands``
hook. Every subcommand takes ``--queue`` (``default`` unless given) and ``--json``;
``graftflow jobs`` alone lists the newest jobs.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, TypeVar

import click

from graftflow.plugins.cli import examples  # the help's examples (the CLI is loaded)

if TYPE_CHECKING:
    from ._queue import JobRecord, WorkQueue

__all__ = ["jobs"]

F = TypeVar("F", bound=Callable[..., Any])

STATUSES = ("queued", "running", "done", "failed", "canceled", "timed_out")


def _common(command: F) -> F:
    command = click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")(
        command
    )
    return click.option(
        "--queue", "queue_name", default="default", show_default=True, help="The work queue."
    )(command)


def _queue(ctx: click.Context, name: str) -> WorkQueue:
    from graftflow.plugins.cli import open_flow

    from ._queue import WorkQueue

    flow = open_flow(ctx)
    try:
        return WorkQueue(flow, name)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--queue") from None


def _wants_json(ctx: click.Context, as_json: bool) -> bool:
    return as_json or bool((ctx.find_root().obj or {}).get("json"))


def _time(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


@click.group(
    invoke_without_command=True,
    epilog=examples("graftflow jobs", "graftflow jobs list --status failed --json"),
)
@click.pass_context
def jobs(ctx: click.Context) -> None:
    """The work queue's jobs: list them, show one, cancel or retry one.

    \b
    graftflow jobs                          the newest jobs of the default queue
    graftflow jobs list --status failed     the failed ones
    graftflow jobs show JOB_ID              attempts, owner notices and traceback
    graftflow jobs retry JOB_ID             run a failed job again
    """
    if ctx.invoked_subcommand is None:
        ctx.invoke(list_jobs)


@jobs.command(
    "list",
    epilog=examples(
        "graftflow jobs list --status failed",
        "graftflow jobs list --owner /demo/films/f01/ --queue farm --json",
    ),
)
@_common
@click.option("--status", type=click.Choice(STATUSES), help="Only jobs in this status.")
@click.option(
    "--owner", metavar="OID", help="Only this owner's jobs; an OID ending in / for all below it."
)
@click.option("--function", "function", metavar="REF", help="Only jobs running module:qualname.")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@click.pass_context
def list_jobs(
    ctx: click.Context,
    queue_name: str = "default",
    as_json: bool = False,
    status: str | None = None,
    owner: str | None = None,
    function: str | None = None,
    limit: int = 50,
) -> None:
    """List the jobs of a queue, newest first."""
    from graftflow.plugins.cli import user_errors

    queue = _queue(ctx, queue_name)
    with user_errors():
        found = queue.jobs(status=status, owner=owner, function=function, limit=limit)
    if _wants_json(ctx, as_json):
        click.echo(json.dumps([job.to_json() for job in found], indent=2))
        return
    if not found:
        click.echo(f"no jobs in queue {queue_name!r}" + (" match" if status or owner else ""))
        return
    click.echo(f"{'JOB':<32}  {'STATUS':<9}  TRY  {'UPDATED':<19}  FUNCTION  OWNER")
    for job in found:
        click.echo(
            f"{job.id:<32}  {job.status:<9}  {job.attempt:>3}  {_time(job.updated):<19}  "
            f"{job.function}  {job.owner}"
        )


def attempts(log: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each attempt of a job, from its version log: who ran it, when, and how it ended."""
    found: list[dict[str, Any]] = []
    for entry in log:
        if "told" in entry:
            continue
        if entry.get("status") == "running":
            found.append(
                {"attempt": entry["attempt"], "worker": entry["worker"], "started": entry["at"]}
            )
        elif found and "ended" not in found[-1]:
            found[-1].update(
                ended=entry["at"], outcome=entry["status"], error_type=entry.get("error_type")
            )
    return found


def _show_data(queue: WorkQueue, job: JobRecord) -> dict[str, Any]:
    log = queue.log(job.id)
    return {
        "job": job.to_json(),
        "attempts": attempts(log),
        "told": [entry for entry in log if "told" in entry],
    }


@jobs.command(epilog=examples("graftflow jobs show 9a1e4c", "graftflow jobs show 9a1e4c --json"))
@click.argument("job_id")
@_common
@click.pass_context
def show(ctx: click.Context, job_id: str, queue_name: str, as_json: bool) -> None:
    """Show one job: its record, each attempt, what its owner was told, its traceback."""
    from graftflow.plugins.cli import user_errors

    queue = _queue(ctx, queue_name)
    with user_errors():
        job = queue.job(job_id)
        data = _show_data(queue, job)
    if _wants_json(ctx, as_json):
        click.echo(json.dumps(data, indent=2))
        return
    click.echo(f"job {job.id} (queue {job.queue!r}): {job.status}")
    click.echo(f"  function  {job.function}")
    click.echo(f"  owner     {job.owner}")
    click.echo(f"  input     {json.dumps(job.input)}")
    click.echo(
        f"  attempts  {job.attempt} ({job.failures} failed, {job.lost} lost; "
        f"retry up to {job.retry.max_attempts})"
    )
    if job.status == "done":
        click.echo(f"  result    {json.dumps(job.result)}")
    if job.reason:
        click.echo(f"  reason    {job.reason}")
    for attempt in data["attempts"]:
        ended = attempt.get("outcome", "running")
        if attempt.get("error_type"):
            ended += f" ({attempt['error_type']})"
        click.echo(
            f"  attempt {attempt['attempt']}: {attempt['worker']} at "
            f"{_time(attempt['started'])} -> {ended}"
        )
    for told in data["told"]:
        outcome = "failed: " + told["error"].strip().splitlines()[-1] if told["error"] else "ok"
        click.echo(f"  told owner {told['told']} (version {told['version']}): {outcome}")
    if job.error:
        click.echo("error:")
        for line in job.error.rstrip().splitlines():
            click.echo(f"  {line}")


@jobs.command(
    epilog=examples(
        "graftflow jobs cancel 5f0c",
        "graftflow jobs cancel 5f0c --reason 'shot omitted'",
    )
)
@click.argument("job_id")
@click.option("--reason", default="canceled from the command line", show_default=True)
@_common
@click.pass_context
def cancel(ctx: click.Context, job_id: str, reason: str, queue_name: str, as_json: bool) -> None:
    """Cancel a job that has not ended; its owner (a task, a process) is told."""
    from graftflow.plugins.cli import fail, user_errors

    queue = _queue(ctx, queue_name)
    with user_errors():
        if not queue.cancel(job_id, reason, notify=True):
            fail(f"job {job_id} is {queue.job(job_id).status} already; nothing to cancel")
        job = queue.job(job_id)
    if _wants_json(ctx, as_json):
        click.echo(json.dumps({"job": job.id, "status": job.status}))
    else:
        click.echo(f"canceled job {job.id}")


@jobs.command(
    epilog=examples("graftflow jobs retry 9a1e4c", "graftflow jobs retry 9a1e4c --queue farm")
)
@click.argument("job_id")
@_common
@click.pass_context
def retry(ctx: click.Context, job_id: str, queue_name: str, as_json: bool) -> None:
    """Run a failed, timed out or canceled job again (a task's job: by the task's retry)."""
    from graftflow.plugins.cli import user_errors

    queue = _queue(ctx, queue_name)
    with user_errors():
        new_id = queue.retry(job_id)
    if _wants_json(ctx, as_json):
        click.echo(json.dumps({"job": job_id, "runs_as": new_id}))
    elif new_id == job_id:
        click.echo(f"queued job {job_id} again")
    else:
        click.echo(f"retried job {job_id}: its owner submitted job {new_id}")
