"""Where installers come from, what became of each, and which ones a session blocks.

Shared by the plugin manager (``_plugins``) and the registry (``_registry``), which
both report on sources and both honour the block list; kept apart from both so that
neither imports the other's internals.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from graftflow import Session

from ._entry_points import canonical

__all__ = ["BlockList", "Source"]


class Source:
    """One place installers come from, and what became of it in this session.

    :ivar kind: ``"entry point"``, ``"plugin"``, ``"config"`` or ``"env"``.
    :ivar name: the entry-point or plugin name, or the ``module:attr`` reference.
    :ivar ref: ``module:attr`` of the installer (for plugins, the plugin's module).
    :ivar dist: the distribution that declares it, if any.
    :ivar label: how diagnostics and ``describe()`` name it, in one phrase.
    :ivar status: ``"ok"``, ``"blocked"`` or ``"failed"``.
    :ivar detail: why it was blocked or failed.
    :ivar extensions: extension names it contributed (disabled ones included, marked).
    """

    # A plain class: a dataclass would cost every command about 0.4 ms to define
    # (issue 15's latency).
    __slots__ = ("detail", "dist", "extensions", "kind", "label", "name", "ref", "status")

    def __init__(
        self,
        kind: str,
        name: str,
        ref: str | None,
        dist: str | None,
        label: str,
        status: str = "ok",
        detail: str | None = None,
    ) -> None:
        self.kind, self.name, self.ref, self.dist, self.label = kind, name, ref, dist, label
        self.status, self.detail = status, detail
        self.extensions: list[str] = []

    def __repr__(self) -> str:
        return f"<Source {self.label} ({self.status})>"

    def to_dict(self) -> dict[str, Any]:
        """Plain data, for ``--json``."""
        return {
            "kind": self.kind,
            "name": self.name,
            "ref": self.ref,
            "dist": self.dist,
            "label": self.label,
            "status": self.status,
            "detail": self.detail,
            "extensions": list(self.extensions),
        }

    def block(self, hit: str) -> None:
        """Mark the source blocked by the block-list entry ``hit``."""
        self.status, self.detail = "blocked", f"blocked by {hit!r}"


class BlockList:
    """Names to skip: entry points, distributions, plugins, ``module:attr``, extensions.

    :param names: as :attr:`Session.blocked <graftflow.Session.blocked>` gives them
        (``GRAFTFLOW_BLOCKED`` and the config file's ``blocked``).
    """

    __slots__ = ("_canonical", "names")

    def __init__(self, names: Iterable[str]) -> None:
        self.names = frozenset(names)
        #: canonical distribution name -> the name as written (``GFTEST_review``).
        self._canonical = {canonical(name): name for name in sorted(self.names)}

    @classmethod
    def of(cls, session: Session) -> BlockList:
        """The block list of ``session``."""
        return cls(session.blocked)

    def match(self, *candidates: str | None, dist: str | None = None) -> str | None:
        """The first candidate blocked, as written in the block list; else ``None``."""
        for candidate in candidates:
            if candidate and candidate in self.names:
                return candidate
        if dist:
            return self._canonical.get(canonical(dist))
        return None
