"""The ``graftflow`` command line.

User mistakes (a bad store URL, an unreadable file, an unknown oid, a value of the
wrong type) print one line on stderr and exit 1; usage errors exit 2 (click's
convention); a traceback means a bug in graftflow (or, with ``--debug``, shows where
studio code failed). Every command takes ``--json`` for scripts: one JSON document on
stdout, the same facts the human output shows.
"""

from __future__ import annotations

import gc
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from graftflow import (
    Action,
    Flow,
    GraftflowError,
    Object,
    ObjectTypeError,
    Session,
    Value,
    open_store,
)
from graftflow.extending import known_store_schemes

from ._cli_input import parse_value
from ._cli_show import json_value, node_data, print_node, print_tree, tree_data, value_text
from ._cli_text import NBSP, Span, Text, echo, line_width, styled, table, wrap

if TYPE_CHECKING:
    import logging

    from graftflow.extensions import RelationRecord

# Imports: everyday commands (get, set, ls on a plain project) must answer in a few
# tens of milliseconds (issue 15), and the interpreter and click already take most of
# that. So rich (the progress bar), the extensions layer (pluggy, entry points) and
# pydantic are imported where a command needs them, never here, and logging when
# something logs (see _quiet_logging); tests/test_imports.py checks what a `get` loads.

__all__ = ["UserError", "cli", "examples", "fail", "main", "open_flow", "user_errors"]

F = TypeVar("F", bound=Callable[..., Any])


def default_store_url(session: Session) -> str:
    """``GRAFTFLOW_STORE``, else the config's ``store`` (the session's
    :attr:`~graftflow.Session.store_url`), else a SQLite file in the user data directory."""
    if session.store_url:
        return session.store_url
    import platformdirs

    path = Path(platformdirs.user_data_dir("graftflow", appauthor=False)) / "graftflow.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


class UserError(click.ClickException):
    """A user mistake: one line on stderr, ``graftflow: error: ...``, and exit 1.

    click's own :class:`~click.UsageError` (exit 2) is the answer to a wrong use of the
    command line itself (options, arguments).
    """

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()))  # one line, whatever the source said

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"graftflow: error: {self.format_message()}", file=file, err=file is None)


def fail(message: str) -> NoReturn:
    """Stop with a user mistake: one clear line on stderr, exit 1."""
    raise UserError(message)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn graftflow's own errors into one line and exit 1; let bugs show tracebacks."""
    try:
        yield
    except GraftflowError as exc:
        raise UserError(str(exc)) from exc


@contextmanager
def studio_code(what: str) -> Iterator[None]:
    """Studio code (an action, a compute) that fails is reported in one line, unless
    ``--debug`` asks for the traceback."""
    try:
        yield
    except click.ClickException:
        raise  # already one of our one-line answers
    except GraftflowError as exc:
        raise UserError(str(exc)) from exc
    except Exception as exc:
        if click.get_current_context().obj.get("debug"):
            raise
        raise UserError(
            f"{what} failed: {type(exc).__name__}: {exc} (--debug shows the traceback)"
        ) from exc


#: The demo's first shot, and the one the demo plugin's override applies to: the
#: commands' examples use them, so each example runs as written after `graftflow demo`
#: (tests/test_cli_help.py runs them).
SHOT = "/demo/films/f01/sequences/sq010/shots/sh0010"
LAMP_SHOT = "/demo/films/f02/sequences/sq010/shots/sh0010"


def examples(*lines: str) -> str:
    """A command's help epilog: one or two command lines, kept as written."""
    # \b keeps click from rewrapping the paragraph (the lines stay whole).
    return "\b\nExamples:\n" + "\n".join(f"  {line}" for line in lines)


def json_option(command: F) -> F:
    """``--json`` on a command; the group's ``--json`` (before the command) works too."""
    return click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")(command)


def _wants_json(ctx: click.Context, as_json: bool) -> bool:
    return as_json or bool(ctx.obj.get("json"))


def _emit(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=repr))


@contextmanager
def progress_bar(description: str, total: int | None) -> Iterator[Callable[[int], None]]:
    """A bar on stderr for work that takes a while (``total=None``: no end known);
    silent when stderr is not a terminal, so scripts and pipes get clean output."""
    from rich.console import Console

    # Colour only on a terminal (rich's own detection), and NO_COLOR is honoured.
    console = Console(stderr=True, highlight=False, soft_wrap=False)
    if not console.is_terminal:
        yield lambda done: None
        return
    from rich.progress import Progress

    with Progress(console=console, transient=True) as bar:
        task = bar.add_task(description, total=total)
        yield lambda done: bar.update(task, completed=done)


def _show_help(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(ctx.get_help(), color=ctx.color)
        ctx.exit()


def _show_version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    # click's version_option would look its help text up through gettext (see _Command).
    if value and not ctx.resilient_parsing:
        import graftflow

        click.echo(f"graftflow, version {graftflow.__version__}", color=ctx.color)
        ctx.exit()


class _Command(click.Command):
    """A command whose ``--help`` option is made here rather than by click, which makes
    it through gettext: the first lookup imports locale and searches for translations,
    about 1 ms of every command (issue 15's latency) for text graftflow never translates.
    """

    _help: click.Option | None = None

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        names = self.get_help_option_names(ctx)
        if not names or not self.add_help_option:
            return None
        if self._help is None:  # one object per command: click orders options by identity
            self._help = click.Option(
                ["graftflow_help", *names],
                is_flag=True,
                is_eager=True,
                expose_value=False,
                callback=_show_help,
                help="Show this message and exit.",
            )
        return self._help


class _Commands(_Command, click.Group):
    """The ``graftflow`` group: its own commands, then those plugins add.

    Plugins add theirs through the ``graftflow_register_commands`` hook, asked once, and
    only when needed: a name that is not one of graftflow's own, or the full list
    (``--help``). ``graftflow get`` never loads them. A blocked plugin adds nothing; a
    plugin whose hook raises is one warning line, never a failed ``--help``.

    ``graftflow`` alone prints the help, "start here" included, and exits 0: it is what
    a new user types first.
    """

    command_class = _Command
    _plugins_asked = False

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args:
            click.echo(ctx.get_help(), color=ctx.color)
            ctx.exit(0)
        return super().parse_args(ctx, args)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None and not self._plugins_asked:
            self._ask_plugins(ctx)
            command = super().get_command(ctx, cmd_name)
        return command

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._ask_plugins(ctx)
        return super().list_commands(ctx)

    def _ask_plugins(self, ctx: click.Context) -> None:
        if self._plugins_asked:
            return
        self._plugins_asked = True
        from graftflow.extensions import call_hook

        _quiet_logging()  # asked before the group's callback: problems are printed below
        # The group's options are parsed, its callback has not run: the same user and
        # config file as the command's own session.
        params = ctx.params
        try:
            session = _CommandSession.from_environment(
                user=params.get("user"), config_file=params.get("config_file")
            )
        except GraftflowError:
            return  # a --config file that cannot be read: the command itself says so
        broken_config = list(session.diagnostics)  # the command itself says so, once
        call_hook(session, "graftflow_register_commands", cli=self)
        for diagnostic in session.diagnostics:
            if diagnostic not in broken_config:
                click.echo(f"graftflow: warning: {diagnostic}", err=True)


START_HERE = """\b
Start here:
  graftflow demo                 create the demo studio and print a preview
  graftflow ls /demo             list an object's relations (oids are paths)
  graftflow get OID / set OID V  read and change a value
  graftflow doctor               check the installed extensions

Every command has --help, with examples."""


@click.group(
    cls=_Commands,
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog=START_HERE,
)
@click.option(
    "--version",
    is_flag=True,
    is_eager=True,
    expose_value=False,
    callback=_show_version,
    help="Show the version and exit.",
)
@click.option(
    "--store",
    "store_url",
    metavar="URL",
    help="memory://, sqlite:///PATH or redis://HOST:PORT/DB (default: GRAFTFLOW_STORE, "
    "else the config file's store, else a SQLite file in the user data dir).",
)
@click.option(
    "--user",
    metavar="NAME",
    help="Work as this user (default: GRAFTFLOW_USER, else the config's user, else the "
    "login name). Installers are told who works; the config file stays yours.",
)
@click.option(
    "--config",
    "config_file",
    metavar="FILE",
    help="Read this config file (default: GRAFTFLOW_CONFIG, else config.toml in your "
    "user config dir).",
)
@click.option(
    "--import",
    "imports",
    metavar="MODULE",
    multiple=True,
    help="Import this module first, looked up in the current directory, then on the "
    "Python path: where a script's project types live (repeatable; the config's "
    "imports are imported too).",
)
@click.option("--json", "as_json", is_flag=True, help="JSON output for every command.")
@click.option("--debug", is_flag=True, help="Show tracebacks when studio code fails.")
@click.pass_context
def cli(
    ctx: click.Context,
    store_url: str | None,
    user: str | None,
    config_file: str | None,
    imports: tuple[str, ...],
    as_json: bool,
    debug: bool,
) -> None:
    """graftflow: a production as a lazily built tree, extensible from outside.

    Objects are named by oids, paths from the root: /demo/films/f01 is the film f01 of
    the project demo.
    """
    _quiet_logging()
    ctx.obj = {
        "store_url": store_url,
        "user": user,
        "config_file": config_file,
        "imports": imports,
        "json": as_json,
        "debug": debug,
    }


@cli.result_callback()
@click.pass_context
def _warn_of_problems(ctx: click.Context, /, result: Any, **params: Any) -> None:
    """After a command that went well: one line on stderr if the session recorded
    problems (a broken installer, a raising factory), which would otherwise go
    unnoticed. ``extensions`` and ``doctor`` list them themselves."""
    session: Session | None = ctx.obj.get("session")
    if session is None or ctx.obj.get("problems_shown") or not session.diagnostics:
        return
    count = len(session.diagnostics)
    click.echo(
        f"graftflow: warning: {count} problem{'' if count == 1 else 's'} in this session, "
        f"run graftflow doctor (first: {session.diagnostics[0]})",
        err=True,
    )


def _quiet_logging() -> None:
    """Problems are printed by the commands (one warning line, ``graftflow doctor``), not
    logged: the root logger lets CRITICAL records through only.

    Importing logging costs a command's start about 3 ms (issue 15) and get, set and ls
    seldom log, so logging is configured here only once something has imported it. It
    is asked when the command starts (a plugin's command module may log), once its store
    is open (a store's client library may), and by the command's session before it
    logs its first problem (:class:`_CommandSession`).
    """
    logging = sys.modules.get("logging")
    if logging is not None:
        logging.basicConfig(level=logging.CRITICAL)


class _CommandSession(Session):
    """A command's session: its problems are printed as the command ends, not logged."""

    @property
    def logger(self) -> logging.Logger:
        logger = super().logger  # imports logging
        _quiet_logging()
        return logger


def _session(ctx: click.Context) -> Session:
    """The command's session: ``--user``, ``--config``, then the modules to import."""
    session: Session | None = ctx.obj.get("session")
    if session is None:
        with user_errors():
            # A broken config file is a user mistake: one line, as strict makes it raise.
            session = _CommandSession.from_environment(
                user=ctx.obj["user"], strict=True, config_file=ctx.obj["config_file"]
            )
        ctx.obj["session"] = session
        configured = session.config.imports if session.config is not None else ()
        where = f"config file {session.config_file}: imports" if configured else ""
        _import_modules(ctx, [(name, where) for name in configured])
        _import_modules(ctx, [(name, "--import") for name in ctx.obj["imports"]])
    return session


def _import_modules(ctx: click.Context, names: list[tuple[str, str]]) -> None:
    """Import ``--import`` and the config's ``imports``, the current directory first on
    the path (as ``python -m`` has it): the modules of a script's project types, so
    the classes a store names can be found.

    :param names: ``(module, who named it)`` pairs.
    """
    if not names:
        return
    from graftflow.extending import import_ref

    cwd = os.getcwd()
    if cwd not in sys.path:
        sys.path.insert(0, cwd)
    for name, where in names:
        try:
            import_ref(name, module=True)
        except ImportError as exc:
            if ctx.obj.get("debug"):
                raise
            raise UserError(f"{where} {name}: {exc} (--debug shows the traceback)") from exc


def _store_origin(ctx: click.Context, session: Session) -> str:
    """Where the store URL came from, for an error about it: the user may not know."""
    if ctx.obj["store_url"]:
        return ""
    if session.env.store:
        return " (the store URL is GRAFTFLOW_STORE's)"
    if session.config is not None and session.config.store:
        return f" (the store URL is the 'store' of config file {session.config_file})"
    return ""


def open_flow(ctx: click.Context, *, create: bool = False) -> Flow:
    """The flow of the global ``--store`` and ``--user``: what a command works on, a
    plugin's command included.

    The store is closed when the command ends. Without ``create``, a store file that
    does not exist yet is refused (a mistyped path must not leave an empty database
    behind): only commands that build something (``demo``) create one.
    """
    session = _session(ctx)
    url = ctx.obj["store_url"] or default_store_url(session)
    # Plugins are asked for schemes only when the URL needs one: a built-in store opens
    # without loading them.
    schemes = None
    if url.partition("://")[0] not in known_store_schemes():
        from graftflow.extensions import store_schemes

        schemes = store_schemes(session)
    try:
        store = open_store(url, create=create, schemes=schemes)
    except GraftflowError as exc:
        raise UserError(f"{exc}{_store_origin(ctx, session)}") from exc
    ctx.call_on_close(store.close)
    _quiet_logging()  # if the store's client library imported logging
    return Flow(session=session, store=store)


def _lookup(flow: Flow, oid: str) -> Any:
    """The object or value at ``oid``; a relative oid is read from the root."""
    if not oid.strip():
        fail("an empty oid names nothing; the root is '/' (graftflow ls / lists the projects)")
    try:
        return flow.get_object(oid if oid.startswith("/") else "/" + oid)
    except ObjectTypeError as exc:
        raise UserError(f"{exc}{_type_hint(exc)}") from exc
    except GraftflowError as exc:
        raise UserError(str(exc)) from exc


def _type_hint(error: ObjectTypeError) -> str:
    """How to let the command line find a project's (or item's) class."""
    if error.type_path.startswith("__main__:"):
        return (
            ". It was defined in the script that created the project: move the classes "
            "to a module (models.py), import them in the script, and run graftflow "
            "--import models ..."
        )
    module = error.type_path.partition(":")[0]
    return f". If {module} is a module of yours, graftflow --import {module} finds it"


# -- demo --------------------------------------------------------------------------------


@cli.command(epilog=examples("graftflow demo", "graftflow --store memory:// demo --json"))
@json_option
@click.pass_context
def demo(ctx: click.Context, as_json: bool) -> None:
    """Create the demo studio's project (or reuse it) and print it as a tree.

    The project has 2 films, 20 sequences, 1,200 shots and 4,800 tasks; only the few
    objects shown are built. Relations grafted on by extensions are marked with their
    origin, and the override of the "Lamp Light" film is shown side by side with the
    base relation it replaces.
    """
    from .demo import create_demo

    flow = open_flow(ctx, create=True)
    with user_errors():
        created = "demo" not in flow.projects()
        if created:
            with progress_bar("creating the demo project", 2 * 10 * 60) as advance:
                project = create_demo(flow, progress=advance)
        else:
            project = flow.project("demo")  # type: ignore[assignment]
        override = _override_example(flow)
        data: dict[str, Any] = {
            "store": flow.store().url,
            "created": created,
            "tree": tree_data(project),
            "override": override,
        }
    if _wants_json(ctx, as_json):
        _emit(data)
        return
    print_tree(data["tree"])
    if override is not None:
        sentence: list[Span] = [
            ("override", "bold"),
            (f": {override['relation']} is ", None),
            (str(override["value"]), "green"),
            (f" on {override['oid']} (", None),
            (override["extension"], "magenta"),
            (f", weight {override['weight']:g}, from {override['source']}); ", None),
            ("the base relation gives ", None),
            (str(override["base_value"]), "green"),
            (f" on {override['base_oid']}", None),
        ]
        echo(wrap(sentence, line_width()))
    verb = "created" if created else "reused"
    echo(wrap((f"{verb} project 'demo' in {flow.store().url}", "dim"), line_width()))
    echo(styled(f"next: graftflow ls {override['oid'] if override else '/demo'}", "dim"))


def _override_example(flow: Flow) -> dict[str, Any] | None:
    """The demo's override, found by asking describe() rather than assumed: it is shown
    only while the demo plugin's extension is installed and not disabled."""
    project: Any = flow.project("demo")
    films = project.films.mapped_names()
    if len(films) < 2:
        return None
    shots = []
    for film in films[:2]:
        sequence = project.films[film].sequences.mapped_items(0, 1)
        if not sequence:
            return None
        first = sequence[0].shots.mapped_items(0, 1)
        if not first:
            return None
        shots.append(first[0])
    base_shot, shot = shots
    from graftflow.extensions import describe

    record = next((r for r in describe(shot) if r.name == "handles"), None)
    if record is None or record.origin == "base":
        return None
    return {
        "oid": shot.oid(),
        "relation": "handles",
        "value": shot.handles.get(),
        "extension": record.origin,
        "weight": record.weight,
        "source": record.source,
        "factory": record.factory,
        "base_oid": base_shot.oid(),
        "base_value": base_shot.handles.get(),
    }


# -- ls, get, set, run ---------------------------------------------------------------------


@cli.command(
    epilog=examples("graftflow ls /demo", "graftflow ls /demo/films/f01/sequences --limit 3")
)
@click.argument("oid", default="/")
@click.option("--limit", default=20, show_default=True, help="Map items to list.")
@click.option(
    "--all", "show_all", is_flag=True, help="List every map item and the protected relations."
)
@json_option
@click.pass_context
def ls(ctx: click.Context, oid: str, limit: int, show_all: bool, as_json: bool) -> None:
    """List the relations of the object at OID: kind, value, and where each came from.

    A map also lists its items. Without OID, list the projects. Protected relations
    (named ``_name``) are listed with --all.
    """
    if limit < 0:
        fail(f"--limit must be 0 or more, not {limit}")
    flow = open_flow(ctx)
    node = _lookup(flow, oid)
    if isinstance(node, Value):
        fail(f"{node.oid()} is a value, not an object; read it with: graftflow get {node.oid()}")
    with studio_code(f"listing {oid}"):
        data = node_data(node, limit=None if show_all else limit, protected=show_all)
    if _wants_json(ctx, as_json):
        _emit(data)
    else:
        print_node(data)


def _value_at(flow: Flow, oid: str) -> Value[Any]:
    node = _lookup(flow, oid)
    if not isinstance(node, Value):
        what = "the flow" if isinstance(node, Flow) else f"a {type(node).__name__} object"
        fail(f"{oid} is {what}, not a value; list it with: graftflow ls {oid}")
    return node


@cli.command(
    epilog=examples(
        f"graftflow get {SHOT}/frame_count", "graftflow get /demo/films/f02/title --json"
    )
)
@click.argument("oid")
@json_option
@click.pass_context
def get(ctx: click.Context, oid: str, as_json: bool) -> None:
    """Print the value at OID (a param, a computed value, a connection)."""
    flow = open_flow(ctx)
    value = _value_at(flow, oid)
    with studio_code(f"reading {value.oid()}"):
        data = json_value(value)
    if _wants_json(ctx, as_json):
        _emit({"oid": value.oid(), "kind": value.kind, "value": data})
    elif isinstance(data, str):
        click.echo(data)
    else:
        click.echo(json.dumps(data, ensure_ascii=False))


@cli.command(
    name="set",
    epilog=examples(
        f"graftflow set {SHOT}/frame_out 1090", f"graftflow set {SHOT}/tasks/layout/status done"
    ),
)
@click.argument("oid")
@click.argument("value")
@json_option
@click.pass_context
def set_(ctx: click.Context, oid: str, value: str, as_json: bool) -> None:
    """Set the param at OID to VALUE, read through the param's type.

    Text converts as a form field does (12 for an int, yes/no for a bool, a name for a
    choice); lists, dicts and null are written as JSON. A connection takes the oid of
    its target, or "null" to clear it.
    """
    flow = open_flow(ctx)
    handle = _value_at(flow, oid)
    if handle.kind not in ("param", "session_param", "connection"):
        fail(f"{handle.oid()} is a {handle.kind} value; only params and connections can be set")
    with studio_code(f"setting {handle.oid()}"):
        before = json_value(handle)
        if handle.kind == "connection":
            handle.set(None if value in ("null", "") else _lookup(flow, value))
        else:
            handle.set(parse_value(handle, value))
        after = json_value(handle)
    if handle.kind == "session_param":
        note = " (for this command's session only: session params are never stored)"
    else:
        note = ""
    if _wants_json(ctx, as_json):
        _emit({"oid": handle.oid(), "value": after, "previous": before})
    else:
        click.echo(f"{handle.oid()} = {value_text(after)} (was {value_text(before)}){note}")


@cli.command(
    epilog=examples(
        f"graftflow run {SHOT}/bump_version",
        f"graftflow run {SHOT}/tasks/animation/publish -p comment='first pass'",
    )
)
@click.argument("oid")
@click.argument("button", required=False)
@click.option(
    "--param",
    "-p",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="Set one of the action's params before it runs (repeatable).",
)
@json_option
@click.pass_context
def run(
    ctx: click.Context, oid: str, button: str | None, params: tuple[str, ...], as_json: bool
) -> None:
    """Run the action at OID, pressing BUTTON (default: its first button)."""
    flow = open_flow(ctx)
    action = _lookup(flow, oid)
    if not isinstance(action, Action):
        what = "a value" if isinstance(action, Value) else f"a {type(action).__name__} object"
        fail(f"{oid} is {what}, not an action; actions show as 'action' in graftflow ls")
    with studio_code(f"action {action.oid()}"):
        buttons = action.get_buttons()
        if button is None:
            if not buttons:
                fail(f"action {action.oid()} offers no button to press")
            button = buttons[0]
        elif button not in buttons:
            fail(f"action {action.oid()} has no button {button!r}; its buttons: {buttons}")
        for assignment in params:
            name, sep, text = assignment.partition("=")
            if not sep:
                fail(f"--param {assignment!r}: write NAME=VALUE")
            handle = _lookup(flow, f"{action.oid()}/{name}")
            if not isinstance(handle, Value):
                fail(f"--param {name}: {handle.oid()} is not a param of the action")
            handle.set(parse_value(handle, text))
        result = action.run(button)
    if _wants_json(ctx, as_json):
        _emit({"oid": action.oid(), "button": button, "result": _jsonable(result)})
    else:
        shown = "" if result is None else f": {value_text(_jsonable(result), 200)}"
        click.echo(f"ran {action.oid()} [{button}]{shown}")


def _jsonable(value: Any) -> Any:
    if isinstance(value, Object):
        return value.oid()
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)
    return value


# -- extensions, doctor ---------------------------------------------------------------------


@cli.command(epilog=examples("graftflow extensions", f"graftflow extensions {LAMP_SHOT}"))
@click.argument("oid", required=False)
@json_option
@click.pass_context
def extensions(ctx: click.Context, oid: str | None, as_json: bool) -> None:
    """Show installer sources, the extensions they gave and any problem.

    Each factory is also run on sample objects in memory, as the doctor does, so one
    that fails is counted even before any of your objects meets it.

    With OID, explain that object's relations instead: which extension grafted each,
    with which weight, from which installer, and what it beat.
    """
    from graftflow.extensions import describe, registry

    ctx.obj["problems_shown"] = True
    if oid is not None:
        flow = open_flow(ctx)
        node = _lookup(flow, oid)
        if not isinstance(node, Object):
            fail(f"{oid} is not an object; describe works on objects, e.g. its parent")
        with studio_code(f"describing {oid}"):
            records = describe(node)
        diagnostics = flow.session().diagnostics
        if _wants_json(ctx, as_json):
            _emit(
                {
                    "oid": node.oid(),
                    "type": type(node).__name__,
                    "relations": [record.to_dict() for record in records],
                    "diagnostics": [d.to_dict() for d in diagnostics],
                }
            )
        else:
            _print_describe(node, records, diagnostics)
        return
    from ._doctor import examine

    session = _session(ctx)
    with studio_code("loading installers"):
        reg = registry(session)
        unchecked = set(examine(session).unchecked)
    failures: dict[tuple[str | None, str | None], int] = {}
    for diagnostic in session.diagnostics:
        if diagnostic.factory:
            key = (diagnostic.extension, diagnostic.factory)
            failures[key] = failures.get(key, 0) + 1
    data = {
        "user": session.user,
        "sources": [source.to_dict() for source in reg.sources],
        "extensions": {
            name: [_entry(entry, failures, unchecked) for entry in entries]
            for name, entries in reg.extensions.items()
        },
        "diagnostics": [d.to_dict() for d in session.diagnostics],
    }
    if _wants_json(ctx, as_json):
        _emit(data)
    else:
        _print_extensions(data)


def _entry(
    entry: Any, failures: dict[tuple[str | None, str | None], int], unchecked: set[str]
) -> dict[str, Any]:
    problems = failures.get((entry.extension, entry.qualname), 0)
    if problems:
        status = "failed"
    elif entry.qualname in unchecked:
        status = "unchecked"  # no sample object of its target type
    else:
        status = "ok"
    return {
        "factory": entry.qualname,
        "source": entry.source,
        "relation": entry.name,
        "target": None if entry.target is None else [t.__qualname__ for t in entry.target],
        "weight": entry.weight,
        "status": status,
        "problems": problems,
    }


_STATUS_STYLE = {"ok": "green", "blocked": "yellow", "failed": "red", "unchecked": "yellow"}


def _print_extensions(data: dict[str, Any]) -> None:
    if data["sources"]:
        echo(styled("installer sources", "bold"))
        rows = []
        for source in data["sources"]:
            detail: list[Span] = [(", ".join(source["extensions"]), None)]
            if source["detail"]:
                detail.append((f" {source['detail']}", "dim"))
            status = (source["status"], _STATUS_STYLE.get(source["status"]))
            rows.append([source["kind"], source["name"], source["dist"] or "-", status, detail])
        header = ["kind", "name", "distribution", "status", "extensions / detail"]
        echo(table(rows, header=header, indent=2))
    else:
        echo(styled("no installer sources", "dim"))
    if data["extensions"]:
        echo(styled("extensions", "bold"))
        rows = [
            [
                name,
                entry["relation"] or "(any)",
                ", ".join(entry["target"] or ["(any)"]),
                f"{entry['weight']:g}",
                (entry["status"], _STATUS_STYLE[entry["status"]]),
                entry["factory"],
            ]
            for name, entries in data["extensions"].items()
            for entry in entries
        ]
        header = ["extension", "relation", "target", "weight", "status", "factory"]
        echo(table(rows, header=header, indent=2))
    else:
        echo(styled("no extensions", "dim"))
    _print_diagnostics(data["diagnostics"])


def _print_diagnostics(diagnostics: list[dict[str, Any]]) -> None:
    if not diagnostics:
        echo(styled("no problems", "green"))
        return
    count = len(diagnostics)
    echo(styled(f"{count} problem{'' if count == 1 else 's'}", "red bold"))
    rows = [[("✗", "red"), diagnostic["text"]] for diagnostic in diagnostics]
    echo(table(rows, indent=2))


def _print_describe(node: Object, records: list[RelationRecord], diagnostics: list[Any]) -> None:
    echo(f"{styled(node.oid(), 'bold')} {styled(type(node).__name__, 'dim')}")
    rows: list[list[Text]] = []
    for record in records:
        where: list[Span]
        if record.origin == "base":
            where = [("base", "dim")]
        else:
            where = [(record.origin, "magenta"), (f" (weight{NBSP}{record.weight:g}", None)]
            if record.beaten:
                beat = ", ".join(
                    "base" if b.origin == "base" else f"{b.origin} ({b.weight:g})"
                    for b in record.beaten
                )
                where.append((f"; beat {beat}", None))
            where += [(") by ", None), (record.factory or "", None)]
            where += [(f" from {record.source}", "dim")]
        index = "-" if record.index is None else str(record.index)
        rows.append([index, record.name, (record.kind, "dim"), where])
    echo(table(rows, header=["#", "name", "kind", "origin"], indent=2))
    _print_diagnostics([d.to_dict() for d in diagnostics])


@cli.command(epilog=examples("graftflow doctor", "graftflow --user ana doctor --json"))
@json_option
@click.pass_context
def doctor(ctx: click.Context, as_json: bool) -> None:
    """Load every installer and run its factories on sample trees; exit 1 on any problem.

    The samples are built in memory (the demo studio and each project type plugins
    offer): the doctor never writes to your store.
    """
    from ._doctor import examine

    ctx.obj["problems_shown"] = True
    session = _session(ctx)
    with progress_bar("checking extensions", None), studio_code("the doctor"):
        report = examine(session)
    if _wants_json(ctx, as_json):
        _emit(report.to_dict())
    else:
        _print_doctor(report)
    if not report.ok:
        ctx.exit(1)


def _print_doctor(report: Any) -> None:
    failed = [s for s in report.sources if s["status"] == "failed"]
    width = line_width()
    echo(
        wrap(
            f"{len(report.sources)} installer source(s) ({len(failed)} failed), "
            f"{len(report.extensions)} extension(s), {report.factories} factor"
            f"{'y' if report.factories == 1 else 'ies'}",
            width,
        )
    )
    types = ", ".join(f"{name} ({count})" for name, count in sorted(report.types.items()))
    echo(wrap(f"checked {sum(report.types.values())} objects: {types}", width))
    if report.unchecked:
        echo(
            wrap(
                [
                    ("not checked", "yellow"),
                    (" (no sample object of their target type): ", None),
                    (", ".join(report.unchecked), None),
                ],
                width,
            )
        )
    _print_diagnostics(report.problems)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``graftflow`` command."""
    try:
        cli.main(args=argv, prog_name="graftflow")
    finally:
        # The process ends here: the garbage collector's last pass over every object
        # the imports made would cost a `get` a tenth of its time (issue 15), for
        # memory the operating system takes back anyway. Finalizers and atexit still
        # run; the stores were closed when the command ended.
        gc.freeze()
