"""The ``graftflow`` command line.

User mistakes (a bad store URL, an unreadable file, an unknown oid) print one line on
stderr and exit 1; usage errors exit 2 (click's convention); a traceback means a bug.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import click

import graftflow
from graftflow import DynamicMap, Flow, GraftflowError, Object, Session, Value, open_store
from graftflow.extensions import install_store_schemes

__all__ = ["main"]

#: How many items of a map the tree shows before "... N more".
MAP_PREVIEW = 4


def default_store_url(session: Session | None = None) -> str:
    """``GRAFTFLOW_STORE``, else the config's ``store``, else a SQLite file in the user
    data directory."""
    url = os.environ.get("GRAFTFLOW_STORE")
    if url:
        return url
    if session is not None and session.config is not None and session.config.store:
        return session.config.store
    import platformdirs

    path = Path(platformdirs.user_data_dir("graftflow", appauthor=False)) / "graftflow.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def fail(message: str) -> NoReturn:
    """Print one clear line on stderr and exit 1: the answer to a user mistake."""
    click.echo(f"graftflow: error: {message}", err=True)
    sys.exit(1)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn graftflow's own errors into one line and exit 1; let bugs show tracebacks."""
    try:
        yield
    except GraftflowError as exc:
        fail(str(exc))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(graftflow.__version__, prog_name="graftflow")
@click.option(
    "--store",
    "store_url",
    metavar="URL",
    help="memory://, sqlite:///PATH (default: GRAFTFLOW_STORE, else a file in the user data dir)",
)
@click.option(
    "--user",
    metavar="NAME",
    help="Work as this user (default: GRAFTFLOW_USER, else the login name).",
)
@click.pass_context
def cli(ctx: click.Context, store_url: str | None, user: str | None) -> None:
    """graftflow: a production as a lazily built tree, extensible from outside."""
    logging.basicConfig(level=logging.CRITICAL)  # diagnostics are reported, not logged here
    ctx.obj = {"store_url": store_url, "user": user}


def _open_flow(ctx: click.Context, *, create: bool) -> Flow:
    with user_errors():
        # A broken config file is a user mistake: one line, as strict makes it raise.
        session = Session.from_environment(user=ctx.obj["user"], strict=True)
    ctx.call_on_close(install_store_schemes(session))
    url = ctx.obj["store_url"] or default_store_url(session)
    with user_errors():
        store = open_store(url, create=create)
    ctx.call_on_close(store.close)
    return Flow(session=session, store=store)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the tree as JSON.")
@click.pass_context
def demo(ctx: click.Context, as_json: bool) -> None:
    """Create the demo project (or reuse it) and print it as a tree."""
    from .demo import create_demo

    flow = _open_flow(ctx, create=True)
    with user_errors():
        created = "demo" not in flow.projects()
        project = create_demo(flow) if created else flow.project("demo")
        if as_json:
            click.echo(
                json.dumps(
                    {"store": flow.store().url, "created": created, "tree": _as_data(project)},
                    indent=2,
                )
            )
            return
        _print_tree(project, flow.store().url, created)


def _value_text(value: Value[Any]) -> str:
    if value.kind == "connection":
        target = value.get()
        return "-" if target is None else target.oid()
    return repr(value.get())


def _as_data(node: Object, depth: int = 0) -> dict[str, Any]:
    data: dict[str, Any] = {"oid": node.oid(), "type": type(node).__name__, "relations": {}}
    for relation in graftflow.relations(node):
        if relation.kind in ("parent", "relative"):
            continue
        related = getattr(node, relation.name)
        if isinstance(related, Value):
            data["relations"][relation.name] = {
                "kind": relation.kind,
                "value": _json_value(related),
            }
        elif relation.kind == "action":
            data["relations"][relation.name] = {"kind": "action", "buttons": related.get_buttons()}
        else:
            data["relations"][relation.name] = {
                "kind": relation.kind,
                **_as_data(related, depth + 1),
            }
    if isinstance(node, DynamicMap):
        data["items"] = {name: _as_data(node[name], depth + 1) for name in node}
    return data


def _json_value(value: Value[Any]) -> Any:
    if value.kind == "connection":
        target = value.get()
        return None if target is None else target.oid()
    return value.get()


def _print_tree(project: Object, store_url: str, created: bool) -> None:
    from rich.console import Console
    from rich.tree import Tree

    console = Console()
    verb = "created" if created else "reused"
    tree = Tree(f"[bold]{project.oid()}[/] [dim]{type(project).__name__}[/]")
    _fill(tree, project)
    console.print(tree)
    console.print(f"[dim]{verb} project 'demo' in {store_url}[/]")


def _fill(tree: Any, node: Object) -> None:
    for relation in graftflow.relations(node):
        related = getattr(node, relation.name)
        if isinstance(related, Value):
            tree.add(f"{relation.name} [dim]{relation.kind}[/] = [green]{_value_text(related)}[/]")
        elif relation.kind == "parent":
            tree.add(f"{relation.name} [dim]parent[/] -> {related.oid()}")
        elif relation.kind == "action":
            tree.add(f"{relation.name} [dim]action[/] [{', '.join(related.get_buttons())}]")
        else:
            branch = tree.add(
                f"[bold]{relation.name}[/] [dim]{relation.kind} {type(related).__name__}[/]"
            )
            _fill(branch, related)
    if isinstance(node, DynamicMap):
        names = node.mapped_names(0, MAP_PREVIEW)
        for name in names:
            item = node[name]
            label = f"[bold]{name}[/] [dim]{type(item).__name__}[/]"
            values = [getattr(item, r.name) for r in graftflow.relations(item)]
            if all(isinstance(v, Value) for v in values):  # a leaf: one line is enough
                inline = "  ".join(f"{v.name()}=[green]{_value_text(v)}[/]" for v in values)
                tree.add(f"{label}  {inline}")
            else:
                _fill(tree.add(label), item)
        hidden = len(node) - len(names)
        if hidden > 0:
            tree.add(f"[dim]... {hidden} more[/]")


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``graftflow`` command."""
    cli.main(args=argv, prog_name="graftflow")


# The workflow plugin's commands (issue 6).
from .workflow._cli import workflow  # noqa: E402

cli.add_command(workflow)
