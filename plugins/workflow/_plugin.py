"""The workflow plugin: its hook specs, and the demo's per-shot pipeline grafted on.

Registered through the ``graftflow.plugins`` entry points like any studio plugin.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pluggy

from graftflow import Child, Object, Session
from graftflow.extensions import dynamic_relation, hookimpl

if TYPE_CHECKING:
    import click

__all__ = [
    "graftflow_add_hookspecs",
    "graftflow_install_extensions",
    "graftflow_register_commands",
]


@hookimpl
def graftflow_add_hookspecs(plugin_manager: pluggy.PluginManager) -> None:
    """Add ``graftflow_on_transition`` and ``graftflow_on_process_event``."""
    from . import _hookspecs

    caller = getattr(plugin_manager.hook, "graftflow_on_transition", None)
    if caller is None or not caller.has_spec():
        plugin_manager.add_hookspecs(_hookspecs)


def _shot_processes() -> Callable[[Object], Any]:
    from graftflow.plugins.demo import Shot

    @dynamic_relation("processes", target=Shot)
    def processes(shot: Object) -> Child[Any]:
        # Imported when a shot is first built, not when installers run: every session
        # loads this plugin, few of them open a process.
        from ._process import Processes

        return Child(Processes)

    return processes


@hookimpl
def graftflow_install_extensions(session: Session) -> dict[str, list[Callable[[Object], Any]]]:
    """The demo's shots get a ``processes`` map (start one with ``start_shot_pipeline``)."""
    return {"workflow_demo_pipeline": [_shot_processes()]}


@hookimpl
def graftflow_register_commands(cli: click.Group) -> None:
    """``graftflow workflow ...`` and ``graftflow worker``; imported only when asked for."""
    from ._cli import workflow
    from ._worker_cli import worker

    cli.add_command(workflow)
    cli.add_command(worker)
