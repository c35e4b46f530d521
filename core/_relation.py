"""Relations: the class attributes that declare what an object is related to.

A relation is a descriptor. Read from the class it is the relation itself (for
introspection); read from an object it asks the object's manager which relation really
serves that name (a dynamic one may override it) and builds the related thing once.
The result is cached as an attribute of the object, so every later read is a plain
attribute lookup: a dynamic relation costs the same as a static one once resolved.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar, Final, Generic, TypeVar, overload

from ._errors import RelationError

if TYPE_CHECKING:
    from ._object import Object

__all__ = ["NO_HINTS", "UNSET", "Relation", "check_index", "order_relations"]

T = TypeVar("T")
R = TypeVar("R", bound="Relation[Any]")


class _Unset:
    __slots__ = ()

    def __repr__(self) -> str:
        return "UNSET"


#: The index of a relation nobody placed explicitly.
UNSET: Final[Any] = _Unset()


class Relation(Generic[T]):
    """Base class of every relation; ``T`` is what reading it on an object returns.

    :param index: where the relation appears among its object's relations: an int
        places it at that position (0 is first), ``None`` puts it after all others, and
        leaving it unset keeps declaration order.
    """

    __slots__ = ("_hints", "_owner", "index", "name")

    #: What describe() and the CLI call this kind of relation.
    kind: ClassVar[str] = "relation"
    #: Whether the related thing is built once and cached on its parent object.
    cached: ClassVar[bool] = True

    def __init__(self, *, index: int | None = UNSET) -> None:
        if index is not UNSET and index is not None:
            check_index(index)
        #: The relation's name: the attribute name for a declared relation; set by the
        #: factory for a dynamic one.
        self.name: str = ""
        self.index: int | None = index
        self._hints: dict[str, Any] = NO_HINTS
        self._owner: type[Object] | None = None

    def ui(self: R, **hints: Any) -> R:
        """Attach display hints (label, icon, editor, hidden, ...); returns the relation."""
        self._hints = {**self._hints, **hints}
        return self

    @property
    def ui_hints(self) -> Mapping[str, Any]:
        """The display hints given to :meth:`ui`, read-only."""
        return MappingProxyType(self._hints)

    @property
    def owner(self) -> type[Object] | None:
        """The class that declares this relation (``None`` for a dynamic one)."""
        return self._owner

    def create(self, parent: Object) -> T:
        """Build what this relation relates ``parent`` to. Called once per parent."""
        raise NotImplementedError(f"{type(self).__name__} must implement create(parent)")

    @overload
    def __get__(self: R, obj: None, owner: type[Any] | None = None) -> R: ...

    @overload
    def __get__(self, obj: Object, owner: type[Any] | None = None) -> T: ...

    def __get__(self, obj: Object | None, owner: type[Any] | None = None) -> Any:
        if obj is None:
            return self
        relation = obj._mng.resolve(self)
        try:
            related = relation.create(obj)
        except AttributeError as exc:
            # Python would swallow it and call __getattr__, reporting a missing relation.
            raise RelationError(
                f"{obj._mng.prefix}{self.name}: {type(exc).__name__}: {exc}"
            ) from exc
        if relation.cached:
            # Not obj.__dict__[...]: touching __dict__ turns the object's compact
            # attribute storage into a real dict, 64 more bytes per object.
            _setattr(obj, self.name, related)
        return related

    def __repr__(self) -> str:
        where = f"{self._owner.__qualname__}." if self._owner is not None else ""
        return f"<{type(self).__name__} {where}{self.name or '(unnamed)'}>"


def order_relations(entries: Iterable[tuple[T, int | None]]) -> list[T]:
    """Lay out ``(item, index)`` pairs: unset in given order, ints placed, ``None`` last.

    An item with index ``i`` lands at position ``i`` of the result (or at the end of the
    placed part if there are fewer items); equal indexes keep the order they came in.
    This one rule serves declared relations and dynamic ones alike.
    """
    flowing: list[T] = []
    placed: list[tuple[int, int, T]] = []
    last: list[T] = []
    for order, (item, index) in enumerate(entries):
        if index is UNSET:
            flowing.append(item)
        elif index is None:
            last.append(item)
        else:
            placed.append((index, order, item))
    if not placed:
        return flowing + last
    placed.sort(key=lambda entry: (entry[0], entry[1]))
    result: list[T] = []
    pending = iter(flowing)
    for index, _order, item in placed:
        while len(result) < index:
            nxt = next(pending, _END)
            if nxt is _END:
                break
            result.append(nxt)  # type: ignore[arg-type]
        result.append(item)
    result.extend(pending)
    result.extend(last)
    return result


def check_index(index: object) -> None:
    """Refuse an index that is neither unset, ``None``, nor an int >= 0."""
    if type(index) is not int or index < 0:
        raise TypeError(f"a relation index is an int >= 0 or None, not {index!r}")


_END: Final = object()
#: Stores an attribute past Object.__setattr__ (which refuses relation names).
_setattr: Final = object.__setattr__
#: Shared by every relation without hints; ui() replaces it rather than updating it.
NO_HINTS: Final[dict[str, Any]] = {}
