"""Value: what a param-like relation gives on an object, a handle on one value.

A value handle is small (four slots) and holds no value itself: ``get()`` reads the
store every time, so several processes sharing a store see each other's writes. Value
handles are leaves of the tree: they have an oid but no relations.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

if TYPE_CHECKING:
    from ._flow import Flow
    from ._object import Object
    from ._relation import Relation
    from ._store import Store

__all__ = ["Value"]

T = TypeVar("T")


class Value(Generic[T]):
    """Base class of value handles (param, session param, computed, connection)."""

    __slots__ = ("_key", "_parent", "_relation", "_store")

    kind: ClassVar[str] = "value"

    def __init__(self, parent: Object, relation: Relation[Any]) -> None:
        mng = parent._mng
        self._parent: Object = parent
        # Typed Any (not Relation): relations are descriptors, and a descriptor-typed
        # attribute would make type checkers apply __get__ to it. Subclasses narrow it.
        self._relation: Any = relation
        self._key: str = mng.child_oid(relation.name)
        self._store: Store = mng.store

    def name(self) -> str:
        """The value's name (its relation's name)."""
        name: str = self._relation.name
        return name

    def oid(self) -> str:
        """The value's oid, which is also its key in the store."""
        return self._key

    def parent(self) -> Object:
        """The object that owns this value."""
        return self._parent

    def root(self) -> Flow:
        """The :class:`Flow` this value belongs to."""
        return self._parent._mng.root

    @property
    def relation(self) -> Any:
        """The relation that made this value (the winning one if it was overridden).

        Typed ``Any``: a ``Relation`` is a descriptor, and type checkers apply its
        ``__get__`` to a property of that type, which callers cannot satisfy.
        """
        return self._relation

    def touch(self) -> None:
        """Notify subscribers of this value and of every ancestor."""
        self._notify()

    def _notify(self) -> None:
        self._parent._mng.root._touched(self._key)

    def get(self) -> T:
        """Return the current value."""
        raise NotImplementedError

    def set(self, value: T) -> None:
        """Change the value (validated first: a refused value writes nothing)."""
        raise NotImplementedError

    def revert_to_default(self) -> None:
        """Forget the stored value so :meth:`get` gives the default again."""
        raise NotImplementedError

    def _changed(self) -> None:
        if getattr(self._relation, "_watched", False):
            self._parent.child_value_changed(self)
        self._notify()

    def __repr__(self) -> str:
        return f"<{type(self._relation).__name__} value {self._key}>"
