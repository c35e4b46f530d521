"""The map processes live in (a shot's ``processes``), apart from the engine.

Listing a shot builds its ``processes`` map (``graftflow ls`` shows how many items it
has), and a session resolving a shot's relations asks the demo's factory for it; neither
runs a process. So this module imports no more than the core: the item type
(:class:`~._process.Process`, with its tasks, nodes and engine) is imported when an item
is built or a process started (issue 15: everyday commands answer in tens of ms).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from graftflow import ConflictError, ExistsError, Map, Object

if TYPE_CHECKING:
    from ._nodes import Definition
    from ._process import Process

__all__ = ["Processes", "add_numbered"]

ItemT = TypeVar("ItemT", bound=Object)


def add_numbered(
    items: Map[ItemT], prefix: str, counter: str, item_type: type[ItemT] | None = None
) -> ItemT:
    """Add the item ``prefix-N``, N from the store counter ``counter``: the first such
    name that is free (one taken otherwise, a process a user named so, is passed over).

    Inside a workflow operation (a transaction): on Redis, a number another writer took
    since the counter was read makes the commit fail and the operation run again; the
    name found taken before that is said the same way, with a ConflictError.
    """
    store = items._mng.store
    name = f"{prefix}-{store.incr(counter)}"
    while name in items:
        name = f"{prefix}-{store.incr(counter)}"
    try:
        return items.add(name, item_type)
    except ExistsError:
        raise ConflictError(
            (items.oid(),),
            f"{items.oid()}: another writer added {name!r} since {counter} was read; "
            "nothing was written (in a transaction, it runs again)",
        ) from None


class Processes(Map["Process"]):
    """Processes of one object (a shot's ``processes``), started from a definition."""

    @classmethod
    def mapped_type(cls) -> type[Process]:
        # kabaret's way of naming the item type, here so that it is imported on first use.
        from ._process import Process

        return cls._gf_item_type or Process  # type: ignore[return-value]

    def start(
        self,
        name: str | None,
        definition: Definition | str | Path,
        *,
        process_type: type[Process] | None = None,
        state: Mapping[str, Any] | None = None,
    ) -> Process:
        """Add a process running ``definition`` and start it, in one operation.

        :param name: the item name (``None``: the definition's name and a number).
        :param definition: a :class:`Definition`, or the path of a TOML file.
        :param process_type: a :class:`Process` subclass (hooks, task types).
        :param state: the initial state.
        :raises TaskPermissionError: the session's user may not start it (nothing is
            written).
        """
        from ._events import run_operation
        from ._nodes import Definition

        if not isinstance(definition, Definition):
            from ._definition_file import load_definition

            definition = load_definition(definition)
        chosen, kind = definition, definition.name

        def start() -> Process:
            if name is None:
                process = add_numbered(self, kind, self._mng.prefix + "!count", process_type)
            else:
                process = self.add(name, process_type)
            process.definition.set(chosen.to_data())
            process.start(**dict(state or {}))
            return process

        what = f"starting {name!r}" if name is not None else f"starting a {kind!r} process"
        return run_operation(self, what, start)
