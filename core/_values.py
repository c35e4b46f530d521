"""Value: what a param-like relation gives on an object, a handle on one value.

A value handle is small (four slots) and holds no value itself: ``get()`` reads the
store every time, so several processes sharing a store see each other's writes.

A value class may declare relations of its own, as kabaret's values (which are objects)
do: a status value with ``reset = Child(ResetStatus)`` is reached as
``shot.status.reset`` and ``/project/shots/sh010/status/reset``. Such a value gets a
manager the first time one of its relations is read, so plain values stay four slots.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from ._errors import RelationDefinitionError
from ._manager import TreeManager
from ._object import collect_relations

if TYPE_CHECKING:
    from ._flow import Flow
    from ._object import Object
    from ._relation import Relation
    from .stores._store import Store

__all__ = ["Value", "Watchable"]

T = TypeVar("T")
W = TypeVar("W", bound="Watchable")


class Value(Generic[T]):
    """Base class of value handles (param, session param, computed, connection).

    Subclass a value type to give it relations (actions, params): declare them on the
    class as on an :class:`~graftflow.Object`, and leave ``__slots__`` out so the
    value can keep what they build.
    """

    __slots__ = ("_key", "_parent", "_relation", "_store")

    kind: ClassVar[str] = "value"
    #: The editor tools show values of this class with (one of ``graftflow.ui.EDITORS``);
    #: ``None``: derived from the param's value type. A value class of your own sets it.
    EDITOR: ClassVar[str | None] = None

    # What the relation machinery reads on a class (see Object); filled per subclass.
    _gf_own: ClassVar[tuple[Relation[Any], ...]] = ()
    _gf_relations: ClassVar[tuple[Relation[Any], ...]] = ()
    _gf_by_name: ClassVar[dict[str, Relation[Any]]] = {}
    _gf_own_store: ClassVar[bool] = False
    # A value's relations are its class's: extensions graft onto objects, not values.
    _MANAGER_TYPE: ClassVar[type[TreeManager] | None] = TreeManager
    _PROPAGATE_MANAGER_TYPE: ClassVar[bool | None] = False
    #: Whether params may make values of this class without calling it (the class
    #: keeps Value's constructor; decided when the class is created).
    _gf_plain_init: ClassVar[bool] = True
    #: What Param.__get__ reads on whatever owns a param: a value is never a map item
    #: built without its manager (see graftflow.Object._gf_up).
    _gf_up: ClassVar[None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        collect_relations(cls)  # type: ignore[arg-type]
        cls._gf_plain_init = cls.__init__ is Value.__init__ and cls.__new__ is object.__new__
        if cls._gf_relations and not cls.__dictoffset__:
            raise RelationDefinitionError(
                f"{cls.__qualname__} declares relations but its __slots__ leave it no "
                "__dict__ to keep what they build; remove __slots__ from the class"
            )

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

    @property
    def _mng(self) -> TreeManager:
        """The value's manager, for its relations and the objects they build.

        Kept on the value when it has a ``__dict__`` (every value class with
        relations); a plain value makes a fresh one on each (rare) request.
        """
        state = getattr(self, "__dict__", None)
        if state is not None:
            mng = state.get("_gf_mng")
            if mng is not None:
                return mng  # type: ignore[no-any-return]
        mng = TreeManager(self, self._parent._mng, self._relation.name)  # type: ignore[arg-type]
        mng._oid = self._key
        if state is not None:
            state["_gf_mng"] = mng
        return mng

    def _gf_item(self, name: str) -> Any:
        """A path step below a value that names none of its relations."""
        raise self._mng.missing(name)

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


class Watchable:
    """``watched()`` for relations whose values call the owner when they change.

    A mixin with no slots of its own: each relation class using it declares the
    ``_watched`` slot, which :meth:`Value._changed` reads.
    """

    __slots__ = ()

    _watched: bool

    def watched(self: W) -> W:
        """Make the owner's ``child_value_changed(value)`` run after each change."""
        self._watched = True
        return self

    @property
    def is_watched(self) -> bool:
        return self._watched
