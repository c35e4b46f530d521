"""What a user is told about the session's extension problems, where it matters.

A broken installer or a raising factory never breaks the tree (it is recorded in
``session.diagnostics``), which is also why it goes unnoticed: the relation it would
have added is simply missing, and ``x has no relation 'render_priority'`` points
nowhere near the cause. So the error for a missing relation of an extendable object
says when installers or factories failed in the session.
"""

from __future__ import annotations

from graftflow import MissingRelationError, Session

from ._registry import REGISTRY_KEY, Registry

__all__ = ["failures", "with_failures"]


def failures(session: Session) -> str:
    """``"1 installer and 2 factories failed"``, or "" when nothing failed."""
    reg: Registry | None = session.state.get(REGISTRY_KEY)
    failed = [source.label for source in reg.sources if source.status == "failed"] if reg else []
    factories = {(d.extension, d.factory) for d in session.diagnostics if d.factory}
    parts = []
    if failed:
        shown = ", ".join(failed[:2]) + (", ..." if len(failed) > 2 else "")
        parts.append(f"{_count(len(failed), 'installer')} ({shown})")
    if factories:
        parts.append(_count(len(factories), "factory", "factories"))
    if not parts:
        return ""
    return f"{' and '.join(parts)} failed in this session"


def with_failures(error: MissingRelationError, session: Session) -> MissingRelationError:
    """``error``, saying that an extension may be missing when something failed."""
    problems = failures(session)
    if not problems:
        return error
    return MissingRelationError(
        error.oid,
        error.name,
        f"{error}; {problems}, so an extension may be missing (graftflow doctor explains)",
    )


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else many or one + 's'}"
