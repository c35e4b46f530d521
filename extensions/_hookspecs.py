"""The hooks graftflow calls on plugins: their docstrings are the contract.

A plugin is any module or object with functions marked ``@graftflow.plugins.hookimpl``
and named like the specs below. Installed plugins are found through the entry-point
group ``graftflow.plugins``; a plugin implements only the hooks it needs, and may accept
fewer arguments than the spec names (pluggy's rule).

Hooks are called through pluggy, so its options work: ``@hookimpl(tryfirst=True)``,
``trylast``, and wrappers (``@hookimpl(wrapper=True)``: a generator that yields once
and returns the result). Order: installed plugins in entry-point order (distribution,
then name), a plugin registered in code before them, ``tryfirst``/``trylast`` moving
an implementation. An implementation that raises is recorded in
``session.diagnostics`` (naming the plugin and its distribution) and the others
still run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import click

    from graftflow import Object, Session, Store

__all__ = ["PROJECT", "hookimpl", "hookspec"]

PROJECT = "graftflow"
"""pluggy's project name: markers of other projects are ignored by graftflow."""

hookspec = pluggy.HookspecMarker(PROJECT)
"""Marks a function of a hook specification module (graftflow's and plugins' own)."""

hookimpl = pluggy.HookimplMarker(PROJECT)
"""Marks a plugin's implementation of a graftflow hook: ``@hookimpl`` above a function
named like one of the hooks below."""


@hookspec(historic=True)
def graftflow_add_hookspecs(plugin_manager: pluggy.PluginManager) -> None:
    """Add this plugin's own hook specifications: ``plugin_manager.add_hookspecs(module)``.

    Like pytest's ``pytest_addhooks``: called once per session's plugin manager, before
    graftflow checks plugins' hook names, so other plugins may implement the hooks a
    plugin defines without an "unknown hook" diagnostic. Historic: a plugin registered
    later in code is called too. Add a module's specs only if they are not there yet
    (another plugin may share them).
    """


@hookspec
def graftflow_install_extensions(
    session: Session,
) -> Mapping[str, Sequence[Callable[[Object], Any]]] | None:
    """Return the extensions this plugin adds for ``session``, as an installer does.

    The mapping is ``{extension_name: [factory, ...]}``; ``None`` adds nothing (for
    instance for a user the plugin does not serve). Plugins are asked after the
    ``graftflow.installers`` entry points and before the per-user config, in the hook
    order above: between equal weights, the relation found later wins.
    """


@hookspec
def graftflow_project_types(session: Session) -> Mapping[str, type[Object]] | None:
    """Return project types this plugin offers, ``{type_name: ObjectSubclass}``.

    :func:`graftflow.extensions.project_types` gathers them for a session; the command
    line uses them to create projects by name (``demo`` is the bundled demo studio's).
    """


@hookspec
def graftflow_store_schemes() -> Mapping[str, Callable[[str, bool], Store]] | None:
    """Return extra store URL schemes, ``{scheme: factory(url, create) -> Store}``.

    :func:`graftflow.extensions.store_schemes` gathers them for a session, to pass to
    :func:`graftflow.open_store` (``schemes=...``): they serve that session only. A
    scheme that is already known is left alone and recorded as a diagnostic.
    """


@hookspec
def graftflow_register_commands(cli: click.Group) -> None:
    """Add commands to the ``graftflow`` command line: ``cli.add_command(command)``.

    ``cli`` is the top-level click group. It is called when the command line needs
    more than its own commands (a name it does not know, or the list for ``--help``),
    so plugins cost nothing to ``graftflow get``. A blocked plugin adds no command; one
    that raises adds nothing more and ``graftflow`` prints one warning line naming it.
    Import click and your commands' modules inside the hook, not at the top of the
    plugin module: every session loads plugins, few of them run the command line.
    """
