"""Where installers come from, what became of each, and which ones a session blocks.

Shared by the plugin manager (``_plugins``) and the registry (``_registry``), which
both report on sources and both honour the block list; kept apart from both so that
neither imports the other's internals.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from graftflow import Session

from ._entry_points import canonical

__all__ = ["BlockList", "Source"]


@dataclass(slots=True)
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

    kind: str
    name: str
    ref: str | None
    dist: str | None
    label: str
    status: str = "ok"
    detail: str | None = None
    extensions: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain data, for ``--json``."""
        return asdict(self)

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
