"""The workflow plugin's view in the flow browser: a process's diagram and moves.

A plugin of its own (entry point ``workflow_web``) so the workflow engine's modules
stay as they are. On a process's page (and on each of its tasks' pages) it shows the
Mermaid diagram, current tasks highlighted, and a table of tasks with a button for each
transition the session's user may fire now; a button runs the task's ``transitions``
action, as ``graftflow run`` would. On an object with a ``processes`` map (a demo shot)
it lists the processes. It uses the workflow's public API only.

Nothing is imported at module level beyond pluggy and the markers: every session loads
this plugin, few serve pages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

from graftflow.extensions import hookimpl

if TYPE_CHECKING:
    from graftflow import Object
    from graftflow.plugins.web import PageTools, Panel

__all__ = ["graftflow_add_hookspecs", "graftflow_web_panels"]


@hookimpl
def graftflow_add_hookspecs(plugin_manager: pluggy.PluginManager) -> None:
    """The flow browser's hook, in case the web plugin itself is blocked."""
    from graftflow.plugins.web._plugin import add_web_hookspecs

    add_web_hookspecs(plugin_manager)


@hookimpl
def graftflow_web_panels(obj: Object, page: PageTools) -> list[Panel] | None:
    """The process view, or a list of the object's processes."""
    from graftflow.plugins.workflow import Activation, Process, Processes

    if isinstance(obj, Process):
        return _process_panels(obj, page)
    if isinstance(obj, Activation):
        return _process_panels(obj.process, page)
    processes = _processes_of(obj, Processes)
    if processes is None:
        return None
    return [_list_panel(processes, page) if len(processes) else _how_to_start(processes)]


def _processes_of(obj: Object, kind: type[Any]) -> Any:
    from graftflow import ui

    for shown in ui.relations(obj):
        if shown.name == "processes" and shown.kind == "map":
            found = getattr(obj, "processes", None)
            return found if isinstance(found, kind) else None
    return None


def _process_panels(process: Any, page: PageTools) -> list[Panel]:
    from graftflow.plugins.web import Panel
    from graftflow.plugins.workflow import HumanTask, to_mermaid

    rows = []
    user = page.user
    for task in process.task_list():
        moves = page.escape("").join(
            page.button(f"{task.oid()}/transitions", name)
            for name in task.available_transitions(user)  # what this user may do now
        )
        who = task.assignee.get() if isinstance(task, HumanTask) else ""
        rows.append([page.link(task.oid(), task.name()), task.status.get(), who, moves])
    status = process.status.get()
    diagram = page.mermaid(to_mermaid(process))
    tasks = page.table(["task", "status", "assignee", "move"], rows)
    head = page.escape(f"{process.get_definition().name} · {status}")
    body = page.escape("").join([_markup("<p class='muted'>{}</p>", head), diagram, tasks])
    return [
        Panel(
            title=f"Process {process.name()}",
            html=body,
            icon="process",
            needs_mermaid=True,
            wide=True,
        )
    ]


def _list_panel(processes: Any, page: PageTools) -> Panel:
    from graftflow.plugins.web import Panel

    rows = []
    for process in processes.mapped_items(0, 20):
        current = ", ".join(task.name() for task in process.active_tasks()) or "-"
        rows.append([page.link(process.oid(), process.name()), process.status.get(), current])
    return Panel(
        title="Processes",
        html=page.table(["process", "status", "active tasks"], rows),
        icon="process",
    )


def _how_to_start(processes: Any) -> Panel:
    """An empty processes map: how a lead starts one (processes start from a definition,
    which is not something to pick in a page)."""
    from graftflow.plugins.web import Panel

    command = f"graftflow workflow start {processes.oid()} pipeline --builtin shot_pipeline"
    return Panel(
        title="Processes",
        html=_markup(
            "<p class='muted'>No process has been started here. The demo's pipeline starts "
            "from a terminal with:</p><pre class='cmd'>{}</pre><p class='muted'>"
            "(<code>--file DEFINITION.toml</code> instead starts your own.)</p>",
            command,
        ),
        icon="process",
    )


def _markup(template: str, *args: Any) -> Any:
    from markupsafe import Markup

    return Markup(template).format(*args)
