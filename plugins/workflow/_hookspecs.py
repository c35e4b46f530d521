"""The workflow plugin's hooks: their docstrings are the contract.

These specs are added to each session's plugin manager by the workflow plugin's
``graftflow_add_hookspecs`` (a historic hook), before graftflow checks plugins' hook
names, so a plugin implementing them is never reported as using an unknown hook.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from graftflow.extensions import hookspec

if TYPE_CHECKING:
    import pluggy

    from graftflow import Session

    from ._activation import Activation
    from ._process import Process


@hookspec
def graftflow_on_transition(
    session: Session, task: Activation, transition: str, source: str, target: str
) -> None:
    """A task's status changed: ``transition`` took it from ``source`` to ``target``.

    Called once the change is committed to the store: after the outermost batch of the
    thread that made it (a caller's own ``with flow.batch():`` included), never for a
    refused or rolled back transition (nor for an attempt that lost a race and ran
    again); once per transition, in the order they were made, in the program that made
    them. The process is ``task.process``. Called through pluggy, in its order (the
    most recently registered plugin first; wrappers, ``tryfirst`` and ``trylast``
    apply). A raising implementation is recorded in ``session.diagnostics``; the
    transition stands.
    """


@hookspec
def graftflow_on_process_event(
    session: Session, process: Process, event: str, data: dict[str, Any]
) -> None:
    """Something happened to a whole process: ``event`` is ``"started"``,
    ``"finished"``, ``"canceled"``, or an event of the decider and workers (signals,
    activities); ``data`` holds its JSON details.

    Called once the change is committed, like ``graftflow_on_transition`` (same order,
    same isolation). A decider process's events carry their history record as ``data``
    (``id``, ``when``, ``who``, ``source``, ``target`` and the event's details).
    """


def add_to(plugin_manager: pluggy.PluginManager) -> None:
    """Add these specs to ``plugin_manager`` unless it has them (the one place that
    does: the plugin's ``graftflow_add_hookspecs``, and the engine itself when the
    plugin was blocked but a program still runs processes)."""
    import sys

    caller = getattr(plugin_manager.hook, "graftflow_on_transition", None)
    if caller is None or not caller.has_spec():
        plugin_manager.add_hookspecs(sys.modules[__name__])
