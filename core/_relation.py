"""Relations: the class attributes that declare what an object is related to.

A relation is a descriptor. Read from the class it is the relation itself (for
introspection); read from an object it asks the object's manager which relation really
serves that name (a dynamic one may override it) and builds the related thing once.
The result is cached as an attribute of the object, so every later read is a plain
attribute lookup: a dynamic relation costs the same as a static one once resolved.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar, Final, Generic, TypeVar, overload

from ._errors import RelationError

if TYPE_CHECKING:
    from ._object import Object

__all__ = [
    "ABSENT",
    "NO_HINTS",
    "UNSET",
    "Relation",
    "check_index",
    "keep_related",
    "order_relations",
]

T = TypeVar("T")
R = TypeVar("R", bound="Relation[Any]")


class _Sentinel:
    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return self._name


#: The index of a relation nobody placed explicitly.
UNSET: Final[Any] = _Sentinel("UNSET")


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
    #: Whether what it builds holds no state of its own (a value handle is a view on
    #: the store): two threads building it at once may then each keep theirs. Otherwise
    #: the first one cached wins (:func:`keep_related`), so nobody keeps an orphan.
    stateless: ClassVar[bool] = False
    #: Every slot of the class, its bases' included: what a copy must carry over.
    _gf_slots: ClassVar[tuple[str, ...]] = ("_hints", "_owner", "index", "name")

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own = cls.__dict__.get("__slots__", ())
        own = (own,) if isinstance(own, str) else tuple(own)
        own = tuple(slot for slot in own if slot not in ("__weakref__", "__dict__"))
        if own:  # else the base's tuple itself: "no slots of its own" is one identity test
            cls._gf_slots = (*cls._gf_slots, *own)

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

    def renamed(self: R, name: str) -> R:
        """A copy of this relation under another name; the relation itself is unchanged.

        How graftflow names the unnamed relation a ``@dynamic_relation`` function
        returns: the function may hand the same relation to several callers. The copy
        belongs to no class.
        """
        clone = _new(type(self))
        for slot in self._gf_slots:
            value = getattr(self, slot, ABSENT)
            if value is not ABSENT:  # a slot its class leaves unset until needed
                _setattr(clone, slot, value)
        clone.name = name
        clone._owner = None
        return clone

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
        if _probing and _probing.get(_get_ident()) is obj:
            return ABSENT  # keep_related() is asking whether another thread cached it
        relation = obj._mng.resolve(self)
        try:
            related = relation.create(obj)
        except AttributeError as exc:
            # Python would swallow it and call __getattr__, reporting a missing relation.
            raise RelationError(
                f"{obj._mng.prefix}{self.name}: {type(exc).__name__}: {exc}"
            ) from exc
        if relation.cached:
            if relation.stateless:
                # Not obj.__dict__[...]: touching __dict__ turns the object's compact
                # attribute storage into a real dict, 64 more bytes per object.
                _setattr(obj, self.name, related)
                return related
            return keep_related(obj, self.name, related)
        return related

    def __repr__(self) -> str:
        where = f"{self._owner.__qualname__}." if self._owner is not None else ""
        return f"<{type(self).__name__} {where}{self.name or '(unnamed)'}>"


#: What a relation reads as while :func:`keep_related` probes for a cached one.
ABSENT: Final[Any] = _Sentinel("ABSENT")
#: Thread id -> the object that thread's keep_related() is probing (empty nearly always).
_probing: dict[int, object] = {}
_keep_lock: Final = threading.Lock()
_get_ident: Final = threading.get_ident


def keep_related(obj: Object, name: str, related: T) -> T:
    """Cache ``related`` as ``obj``'s attribute ``name``, unless another thread was first.

    Two threads reading the same relation of an object for the first time both build
    it; the first one cached wins, and both return it, so nobody keeps an orphan. The
    check reads the object's attribute through the normal lookup (never
    ``obj.__dict__``: touching it turns the object's compact attribute storage into a
    dict, 64 more bytes per object); a relation read meanwhile answers :data:`ABSENT`.

    :returns: what is cached, ``related`` or the other thread's.
    """
    ident = _get_ident()
    with _keep_lock:
        _probing[ident] = obj
        try:
            kept = object.__getattribute__(obj, name)
        except AttributeError:
            kept = ABSENT
        finally:
            del _probing[ident]
        if kept is ABSENT:
            _setattr(obj, name, related)
            return related
        return kept  # type: ignore[no-any-return]


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
_new: Final = object.__new__
#: Shared by every relation without hints; ui() replaces it rather than updating it.
NO_HINTS: Final[dict[str, Any]] = {}
