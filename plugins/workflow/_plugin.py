"""The workflow plugin: its hook specs and its commands.

Registered through the ``graftflow.plugins`` entry points like any studio plugin. Every
session that loads plugins imports this module, so it imports nothing of the engine:
the commands' modules are imported when the command line asks for them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

from graftflow.extensions import hookimpl

if TYPE_CHECKING:
    import click

__all__ = ["graftflow_add_hookspecs", "graftflow_register_commands"]


@hookimpl
def graftflow_add_hookspecs(plugin_manager: pluggy.PluginManager) -> None:
    """Add ``graftflow_on_transition`` and ``graftflow_on_process_event``."""
    from . import _hookspecs

    _hookspecs.add_to(plugin_manager)


@hookimpl
def graftflow_register_commands(cli: click.Group) -> None:
    """``graftflow workflow ...``, ``graftflow worker`` and ``graftflow jobs``."""
    from ._cli import workflow
    from ._jobs_cli import jobs
    from ._worker_cli import worker

    cli.add_command(workflow)
    cli.add_command(worker)
    cli.add_command(jobs)
