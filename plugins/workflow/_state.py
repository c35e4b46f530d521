"""A process's state: a dict param that steps read and update, with dot access.

The state is one stored JSON dict (``DictParam``), so it persists and resumes with the
process and any tool reads it like any param. The value handle adds what the "flow"
library's ``DotDictState`` offered: ``state.approved``, ``state.approved = True``,
``state["take"]``, ``"take" in state`` and ``state.update(...)``. Each update is a
read-modify-write of the whole dict; inside a workflow operation it is part of the
operation's transaction, so a step cannot lose another program's update of the state
(on Redis the operation runs again on the new state).

Dot access gives the key for every key except the handle's own names, which tools
(the command line, a browser) call on any value, and keys starting with ``_``: exactly
``get``, ``set``, ``update``, ``kind``, ``oid``, ``name``, ``parent``, ``root``,
``relation``, ``touch``, ``revert_to_default``, ``VALUE_TYPE`` and ``EDITOR`` (a test
keeps this list true). Reach those with ``state["name"]``; ``state["key"]`` works for every key.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, overload

from graftflow import DictParam, ParamValue
from graftflow.extending import MISSING

if TYPE_CHECKING:
    from graftflow import Object

__all__ = ["StateParam", "StateValue"]


class StateValue(ParamValue[dict[str, Any]]):
    """The state of one process: ``get()``/``set()`` the dict, or reach into it."""

    __slots__ = ()

    kind: ClassVar[str] = "param"

    def _read(self) -> dict[str, Any]:
        value = self._store.get(self._key, MISSING)
        return {} if value is MISSING or value is None else dict(value)

    def get(self) -> dict[str, Any]:
        return self._read()

    def update(self, values: Mapping[str, Any] | None = None, /, **more: Any) -> None:
        """Set several keys in one write."""
        state = self._read()
        state.update(values or {})
        state.update(more)
        self.set(state)

    def __getitem__(self, key: str) -> Any:
        return self._read()[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.update({key: value})

    def __delitem__(self, key: str) -> None:
        state = self._read()
        del state[key]
        self.set(state)

    def __contains__(self, key: object) -> bool:
        return key in self._read()

    def __iter__(self) -> Iterator[str]:
        return iter(self._read())

    def __len__(self) -> int:
        return len(self._read())

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        state = self._read()
        try:
            return state[name]
        except KeyError:
            keys = ", ".join(sorted(state)) or "none"
            raise AttributeError(
                f"{self._key} has no key {name!r} (keys: {keys}); use state.get().get(key) "
                "for an optional one"
            ) from None

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_"):
            object.__setattr__(self, name, value)
        elif hasattr(type(self), name):
            raise AttributeError(
                f"{self._key}: {name!r} is a name of the state handle; "
                f"write state[{name!r}] = ... instead"
            )
        else:
            self.update({name: value})

    def __repr__(self) -> str:
        return f"<state {self._key} {self._read()!r}>"


class StateParam(DictParam):
    """A :class:`~graftflow.DictParam` whose value handle is a :class:`StateValue`."""

    __slots__ = ()

    def create(self, parent: Object) -> StateValue:
        return StateValue(parent, self)

    if TYPE_CHECKING:  # reading it on an object gives the richer handle

        @overload
        def __get__(self, obj: None, owner: type[Any] | None = None) -> StateParam: ...

        @overload
        def __get__(self, obj: Object, owner: type[Any] | None = None) -> StateValue: ...

        def __get__(self, obj: Object | None, owner: type[Any] | None = None) -> Any: ...
