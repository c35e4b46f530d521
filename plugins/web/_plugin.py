"""The web plugin: the ``graftflow_web_panels`` hook spec and the ``serve`` command.

Loaded by every session through its entry point, so it imports neither Starlette nor
click at import time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

from graftflow.extensions import hookimpl

if TYPE_CHECKING:
    import click

__all__ = ["add_web_hookspecs", "graftflow_add_hookspecs", "graftflow_register_commands"]


def add_web_hookspecs(plugin_manager: pluggy.PluginManager) -> None:
    """Add the flow browser's hook specs unless another plugin already did."""
    caller = getattr(plugin_manager.hook, "graftflow_web_panels", None)
    if caller is None or not caller.has_spec():
        from . import hookspecs

        plugin_manager.add_hookspecs(hookspecs)


@hookimpl
def graftflow_add_hookspecs(plugin_manager: pluggy.PluginManager) -> None:
    """Add ``graftflow_web_panels``."""
    add_web_hookspecs(plugin_manager)


@hookimpl
def graftflow_register_commands(cli: click.Group) -> None:
    """``graftflow serve``."""
    from ._cli import serve

    cli.add_command(serve)
