"""SessionObject: a subtree whose values live in memory, never in the flow's store.

kabaret's ``SessionObject`` ports as is: a dialog's options, a tool's scratch state,
anything that should start from its defaults in every session and never reach the
shared store. Each such object gets a :class:`~graftflow.MemoryStore` of its own when
it is built, and everything below it uses that store too; the flow closes it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._object import Object
from .stores._memory import MemoryStore

if TYPE_CHECKING:
    from ._flow import Flow
    from .stores._store import Store

__all__ = ["SessionObject"]


class SessionObject(Object):
    """An object whose subtree's values are kept in memory for this session only."""

    @classmethod
    def _create_value_store(cls, parent: Object | Flow, name: str) -> Store | None:
        return MemoryStore()
