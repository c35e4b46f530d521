"""Relations to other objects: Child, Connection, Parent, Relative.

``Child`` builds an owned sub-object; the others only *point*: ``Connection`` stores the
target's oid (so it survives restarts and works across processes, and the target can
list who points at it: :func:`graftflow.refs`), ``Parent`` walks up, ``Relative``
resolves an oid from the owner each time it is read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, get_origin

from ._backrefs import relink
from ._errors import (
    DanglingConnectionError,
    InvalidValueError,
    MissingChildError,
    MissingRelationError,
    RelationError,
)
from ._oid import split_oid
from ._relation import UNSET, Relation
from ._resolve import project_of
from ._values import Value, Watchable

if TYPE_CHECKING:
    from ._flow import Flow
    from ._object import Object

__all__ = ["Child", "Connection", "ConnectionValue", "Parent", "Relative"]

ObjT = TypeVar("ObjT", bound="Object")


def _require_object_type(relation: str, related_type: Any) -> None:
    from ._object import Object

    if not (isinstance(related_type, type) and issubclass(related_type, Object)):
        hint = ""
        if isinstance(get_origin(related_type), type):
            hint = "; declare a subclass first, e.g. class Shots(graftflow.Map[Shot]): pass"
        raise TypeError(f"{relation}() takes a flow Object subclass, not {related_type!r}{hint}")


class Child(Relation[ObjT], Generic[ObjT]):
    """An owned sub-object of type ``related_type``, built on first access."""

    __slots__ = ("related_type",)

    def __init__(self, related_type: type[ObjT], *, index: int | None = UNSET) -> None:
        super().__init__(index=index)
        _require_object_type("Child", related_type)
        self.related_type = related_type

    @property
    def kind(self) -> str:  # type: ignore[override]
        from ._action import Action
        from ._map import DynamicMap

        if issubclass(self.related_type, Action):
            return "action"
        if issubclass(self.related_type, DynamicMap):
            return "map"
        return "child"

    def create(self, parent: Object) -> ObjT:
        return self.related_type(parent, self.name)


class ConnectionValue(Value[ObjT | None], Generic[ObjT]):
    """A stored link to another object of the same flow, kept as its oid."""

    __slots__ = ()

    kind: ClassVar[str] = "connection"

    def get(self) -> ObjT | None:
        target = self._store.get(self._key)
        if target is None:
            return None
        from ._resolve import get_object

        try:
            return get_object(self._parent._mng.root, target)  # type: ignore[no-any-return]
        except (MissingRelationError, MissingChildError) as exc:
            message = f"{self._key} connects to {target}, which no longer resolves: {exc}"
            raise DanglingConnectionError(
                exc.oid, str(exc.name), message, connection=self._key, target=target
            ) from None

    def oid_value(self) -> str | None:
        """The stored target oid, without resolving it."""
        value = self._store.get(self._key)
        return value if isinstance(value, str) else None

    def set(self, value: ObjT | None) -> None:
        """Connect to ``value`` (``None``: disconnect).

        :raises InvalidValueError: not an object of the connection's type, of another
            flow, or of another project unless the relation allows it.
        """
        if value is not None:
            self._check_target(value)
        store = self._store
        with store.batch():
            old = self.oid_value()
            if value is None:
                store.delete(self._key)
            else:
                store.set(self._key, value._mng.oid)
            relink(self, old, value)
        self._changed()

    def _check_target(self, value: Any) -> None:
        relation: Connection[ObjT] = self._relation
        related = relation.related_type
        if not isinstance(value, related):
            raise InvalidValueError(
                self._key,
                f"Connection {self._key}: expected a {related.__name__}, got {value!r}; "
                "nothing was written",
            )
        if value._mng.root is not self._parent._mng.root:
            raise InvalidValueError(
                self._key,
                f"Connection {self._key}: {value.oid()} belongs to another flow; "
                "connect objects of the same flow only",
            )
        if not relation.cross_project and project_of(value) is not project_of(self):
            raise InvalidValueError(
                self._key,
                f"Connection {self._key}: {value.oid()} belongs to another project; "
                "declare the relation with .allow_cross_project() to connect across projects",
            )

    def revert_to_default(self) -> None:
        self.set(None)


class Connection(Watchable, Relation[ConnectionValue[ObjT]], Generic[ObjT]):
    """A link to another object of type ``related_type`` of the same project, by oid.

    ``.watched()`` makes the owner's ``child_value_changed(value)`` run after each
    change; ``.allow_cross_project()`` accepts targets in other projects (kabaret's
    warning holds: such links tie projects together for backup and archiving).
    """

    __slots__ = ("_cross_project", "_watched", "related_type")

    kind: ClassVar[str] = "connection"
    stateless: ClassVar[bool] = True

    def __init__(self, related_type: type[ObjT], *, index: int | None = UNSET) -> None:
        super().__init__(index=index)
        _require_object_type("Connection", related_type)
        self.related_type = related_type
        self._watched = False
        self._cross_project = False

    def allow_cross_project(self, allow: bool = True) -> Connection[ObjT]:
        """Accept (or refuse again) targets in another project; returns the relation."""
        self._cross_project = allow
        return self

    @property
    def cross_project(self) -> bool:
        """Whether targets in another project are accepted."""
        return self._cross_project

    def create(self, parent: Object) -> ConnectionValue[ObjT]:
        return ConnectionValue(parent, self)


class Parent(Relation["Object | Flow"]):
    """The ancestor ``levels`` steps up (1 is the parent)."""

    __slots__ = ("levels",)

    kind: ClassVar[str] = "parent"
    stateless: ClassVar[bool] = True  # the ancestor exists already: both reads find it

    def __init__(self, levels: int = 1, *, index: int | None = UNSET) -> None:
        super().__init__(index=index)
        if type(levels) is not int or levels < 1:
            raise TypeError(f"Parent(levels) takes an int >= 1, not {levels!r}")
        self.levels = levels

    def create(self, parent: Object) -> Object | Flow:
        node: Any = parent
        for _ in range(self.levels):
            up = node._mng.parent
            if up is None:
                where = parent._mng.prefix + self.name
                raise RelationError(f"{where}: Parent(levels={self.levels}) goes above the root")
            node = up
        return node  # type: ignore[no-any-return]


class Relative(Relation[Any]):
    """The object (or value) at ``oid``, resolved from the owner at every read.

    Subclass it and override :meth:`get_relative_oid` to choose the oid per owner (as
    in kabaret); an oid of ``None`` reads as ``None``. An oid that does not resolve
    raises (kabaret read ``None``), naming the step that failed.
    """

    __slots__ = ("target",)

    kind: ClassVar[str] = "relative"
    cached: ClassVar[bool] = False  # the target may be replaced; never keep a stale one

    def __init__(self, oid: str | None, *, index: int | None = UNSET) -> None:
        super().__init__(index=index)
        if oid is not None:
            split_oid(oid)  # refuse a malformed oid when the class is defined
        self.target = oid

    def get_relative_oid(self, owner: Object) -> str | None:
        """The oid to resolve from ``owner`` (absolute, or relative to it).

        Override it to compute the oid, from a param of the owner for instance.
        """
        return self.target

    def create(self, parent: Object) -> Any:
        from ._resolve import get_object

        oid = self.get_relative_oid(parent)
        return None if oid is None else get_object(parent, oid)
