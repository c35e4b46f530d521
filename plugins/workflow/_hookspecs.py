"""The workflow plugin's hooks: their docstrings are the contract.

These specs are added to each session's plugin manager by the workflow plugin's
``graftflow_add_hookspecs`` (a historic hook), before graftflow checks plugins' hook
names, so a plugin implementing them is never reported as using an unknown hook.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from graftflow.extensions import hookspec

if TYPE_CHECKING:
    from graftflow import Session

    from ._activation import Activation
    from ._process import Process


@hookspec
def graftflow_on_transition(
    session: Session, task: Activation, transition: str, source: str, target: str
) -> None:
    """A task's status changed: ``transition`` took it from ``source`` to ``target``.

    Called after the change is committed to the store (never for a refused or rolled
    back transition), once per transition, in the process that made it. The process is
    ``task.process``. A raising implementation is recorded in ``session.diagnostics``;
    the transition stands.
    """


@hookspec
def graftflow_on_process_event(
    session: Session, process: Process, event: str, data: dict[str, Any]
) -> None:
    """Something happened to a whole process: ``event`` is ``"started"``,
    ``"finished"``, ``"canceled"``, or an event of the decider and workers (signals,
    activities); ``data`` holds its JSON details.

    Called after the change is committed. A raising implementation is recorded in
    ``session.diagnostics``.
    """
