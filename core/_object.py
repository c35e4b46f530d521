"""Object: a node of the flow, and how its class collects its relations.

The object's own namespace is kept tiny on purpose (``name()``, ``oid()``, ``root()``,
``touch()``, and the two hooks ``child_value_changed`` / ``compute_child_value``) so
that user relation names rarely collide with it; everything else lives on the manager,
``obj._mng``. Names starting with ``_`` are graftflow's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from ._errors import RelationAssignmentError, RelationDefinitionError
from ._manager import TreeManager, new_object
from ._oid import check_relation_name
from ._place import Place, set_mng, set_up
from ._relation import ABSENT, Relation, _get_ident, _probing, order_relations

if TYPE_CHECKING:
    from ._flow import Flow
    from ._values import Value
    from .stores._store import Store

ObjT = TypeVar("ObjT", bound="Object")

__all__ = [
    "LeanServed",
    "Object",
    "Served",
    "build",
    "collect_relations",
    "relations",
    "serve_undeclared",
]


class Object(Place):
    """Base class of every flow object. Subclass it and declare relations on the class.

    Objects are built by the flow, lazily, the first time a relation, map item or
    project leads to them; you rarely instantiate one yourself.

    :param parent: the parent object (or the :class:`Flow` for a project).
    :param name: the object's name under its parent.
    """

    #: A TreeManager subclass for objects of this class (``None``: inherit or default).
    _MANAGER_TYPE: ClassVar[type[TreeManager] | None] = None
    #: ``True``: objects below take this object's manager type unless their class sets
    #: one; ``False``: they do not; ``None``: do as the parent does.
    _PROPAGATE_MANAGER_TYPE: ClassVar[bool | None] = None

    # Filled by __init_subclass__; read them through graftflow.relations(cls).
    _gf_own: ClassVar[tuple[Relation[Any], ...]] = ()
    _gf_relations: ClassVar[tuple[Relation[Any], ...]] = ()
    _gf_by_name: ClassVar[dict[str, Relation[Any]]] = {}
    _gf_own_store: ClassVar[bool] = False
    #: Whether maps may make objects of this class without calling it (its constructor
    #: and store are Object's own), and whether they may also make its manager
    #: themselves (it chooses no manager type and no propagation); decided when the
    #: class is created (see graftflow._manager.new_object).
    _gf_plain_ctor: ClassVar[bool] = True
    _gf_plain_new: ClassVar[bool] = True
    #: The class's manager type if maps may build its objects without it (see
    #: ``TreeManager._gf_lean``), else ``None``; decided when the class is created.
    _gf_lean: ClassVar[type[TreeManager] | None] = None

    _mng: TreeManager
    # A map item built without its manager (issue 18's W1_cold and W1_add) keeps the
    # map's manager and its name in the slots ``_gf_up`` and ``_gf_name`` (see
    # graftflow._place), from which ``_mng`` is made on first use (see
    # :func:`_item_manager`); ``_gf_up`` is ``None`` on every other object.

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        collect_relations(cls)

    def __init__(self, parent: Object | Flow, name: str) -> None:
        try:
            pmng = parent._mng
        except AttributeError:
            raise TypeError(
                f"{type(self).__name__}(parent, name): parent must be a flow Object or a Flow, "
                f"not {parent!r}"
            ) from None
        cls = type(self)
        manager_type = cls._MANAGER_TYPE or (type(pmng) if pmng.propagate else TreeManager)
        set_up(self, None)
        set_mng(self, manager_type(self, pmng, name))

    @classmethod
    def _create_value_store(cls, parent: Object | Flow, name: str) -> Store | None:
        """Override to give this object's subtree its own store (``None``: the parent's)."""
        return None

    # -- the public namespace -------------------------------------------------------------

    def name(self) -> str:
        """The object's name under its parent."""
        if self._gf_up is not None:  # a map item without its manager: not made for this
            return self._gf_name
        return self._mng.name

    def oid(self) -> str:
        """The object's path from the root, ``/project/child/item``."""
        return self._mng.oid

    def root(self) -> Flow:
        """The :class:`Flow` this object belongs to."""
        return self._mng.root

    def touch(self) -> None:
        """Forget cached derived state and notify subscribers of this object and above."""
        self._mng.touch()

    def child_value_changed(self, value: Value[Any]) -> None:
        """Called after a ``watched()`` param of this object changed. Override it."""

    def compute_child_value(self, value: Value[Any]) -> None:
        """Compute a :class:`Computed` child: call ``value.set(result)``. Override it."""
        raise NotImplementedError(
            f"{type(self).__name__} ({self.oid()}) declares the computed value "
            f"{value.name()!r} but does not implement compute_child_value(value)"
        )

    # -- attribute protocol ---------------------------------------------------------------

    # These read _mng as an attribute, never through self.__dict__: touching __dict__
    # turns the object's compact attribute storage into a dict (64 bytes per object).

    def __setattr__(self, name: str, value: Any) -> None:
        mng = _manager_of(self)
        if mng is not None and mng.relation(name) is not None:
            raise RelationAssignmentError(
                f"cannot assign to {name!r} of {mng.oid}: it is a relation; "
                f"use {name}.set(value) to change a param"
            )
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        mng = _manager_of(self)
        if mng is not None and mng.relation(name) is not None:
            raise RelationAssignmentError(f"cannot delete the relation {name!r} of {mng.oid}")
        object.__delattr__(self, name)

    if not TYPE_CHECKING:  # hidden from type checkers so they still catch typos

        def __getattr__(self, name):
            # Only reached when normal lookup fails: dynamic relations are served here.
            if name[:1] == "_":
                if name == "_mng":  # the slot is empty: a map item not asked for it yet
                    return _item_manager(self)
                raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
            try:
                mng = self._mng  # missing before __init__
            except AttributeError:
                raise AttributeError(
                    f"{type(self).__name__!r} object has no attribute {name!r}"
                ) from None
            return mng.undeclared(name)

    def _gf_built(self) -> list[Object]:
        """The objects built below this one so far (relations cache them here)."""
        # list() copies in one step: another thread may be caching a relation now.
        return [value for value in list(self.__dict__.values()) if isinstance(value, Object)]

    def _gf_item(self, name: str) -> Any:
        """Resolve a path step that is not a relation; maps override it with items."""
        raise self._mng.missing(name)

    def __repr__(self) -> str:
        mng = _manager_of(self)
        return f"<{type(self).__name__} {mng.oid if mng else '(unbuilt)'}>"


#: Stores an attribute past Object.__setattr__ (the manager, cached related things).
_setattr = object.__setattr__
_new = object.__new__


def _item_manager(obj: Object) -> TreeManager:
    """``obj._mng`` of a map item built without one: made on first use, then kept.

    A plain map item (its class and its map choose nothing: a plain TreeManager) is
    built with its map's manager and its name in two slots (``_gf_up``, ``_gf_name``;
    see graftflow._place), because most items are read for a param or two and never
    asked for their manager: W1_cold and W1_add then make two objects per item instead
    of three, and the collector has one fewer to traverse (issue 18). The manager made
    here is the one ``Object.__init__`` would have made; tests/test_fast_paths.py
    compares them. A lean item (see ``TreeManager._gf_lean``) gets its class's manager
    type, which takes over what the item was served from (``_gf_adopt``).

    Reached from ``Object.__getattr__``, as the ``_mng`` slot is still empty. Two
    threads asking at once may each make one; a plain TreeManager holds nothing but its
    place in the tree (and its oid, once made), and a lean item's managers take over
    the same state, so whichever is kept serves as well as the other.
    """
    try:
        up = obj._gf_up
    except AttributeError:  # an object whose constructor has not run yet
        up = None
    if up is None:
        raise AttributeError(f"{type(obj).__name__!r} object has no attribute '_mng'")
    cls = type(obj)
    lean = cls._gf_lean
    mng = _new(lean or TreeManager)
    mng.object = obj
    mng.parent = up.object
    mng.name = obj._gf_name
    mng._oid = None
    mng._gf_lean_at = None
    mng.root = up.root
    mng.store = up.store
    if lean is None:
        mng.propagate = up.propagate
        set_mng(obj, mng)
        return mng
    # A lean item (TreeManager._gf_lean): the manager new_object() would have made,
    # which takes over what its type served the item from; from now on the item is an
    # ordinary managed one (the fast paths for items without managers skip it).
    flag = cls._PROPAGATE_MANAGER_TYPE
    mng.propagate = up.propagate if flag is None else flag
    mng._gf_attach(up)
    mng._gf_adopt(obj)
    set_mng(obj, mng)
    set_up(obj, None)
    return mng


def build(cls: type[ObjT], parent: Object, name: str) -> ObjT:
    """``cls(parent, name)``: how maps build their items, without the class call when
    the class keeps Object's constructor and store (see :func:`new_object`)."""
    if cls._gf_plain_ctor:
        return new_object(cls, parent, parent._mng, name)
    return cls(parent, name)


class Served:
    """A class attribute standing for a relation the manager serves per object.

    Upper layers that know a name in advance (a ``@dynamic_relation`` aimed at a class)
    put one on the class with :func:`serve_undeclared`: reading the name then goes
    straight to ``obj._mng.undeclared(name)``, where an unknown name would first fail
    the normal lookup (an AttributeError built and dropped: ~0.4 µs on Python 3.11)
    and then reach ``__getattr__``. Read from the class it does not exist, and once an
    object has built the related thing, the object's own attribute wins.
    """

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, obj: Object | None, owner: type[Any] | None = None) -> Any:
        if obj is None:
            raise AttributeError(self.name)
        if _probing and _probing.get(_get_ident()) is obj:
            return ABSENT  # keep_related() is asking whether another thread cached it
        return obj._mng.undeclared(self.name)

    def __repr__(self) -> str:
        return f"<served {self.name!r}>"


class LeanServed(Served):
    """:class:`Served`, for a name whose objects may be lean (``TreeManager._gf_lean``):
    such an item, with no manager yet, is served by its manager type. A class of its
    own, so objects of classes that are never lean pay nothing for the check (issue
    18's W2p)."""

    __slots__ = ()

    def __get__(self, obj: Object | None, owner: type[Any] | None = None) -> Any:
        if obj is None:
            raise AttributeError(self.name)
        up = obj._gf_up
        if up is not None:  # a lean item: its manager type serves it
            lean = type(obj)._gf_lean
            if lean is not None:
                return lean._gf_serve(obj, up, self.name)
        # Served.__get__, in this frame: a managed object of the class comes here too.
        if _probing and _probing.get(_get_ident()) is obj:
            return ABSENT
        return obj._mng.undeclared(self.name)


def serve_undeclared(cls: type[Object], name: str, *, lean: bool = False) -> None:
    """Let objects of ``cls`` reach ``name`` through their manager without a failed
    lookup first; nothing is done if any class of ``cls``'s MRO has the name already.

    :param lean: whether the objects may be lean (see :class:`LeanServed`); a lean
        object reached through a plain :class:`Served` is served all the same, by the
        manager made for it then.
    """
    if not any(name in klass.__dict__ for klass in cls.__mro__):
        setattr(cls, name, LeanServed(name) if lean else Served(name))


def _manager_of(obj: Object) -> TreeManager | None:
    """The object's manager, ``None`` while ``Object.__init__`` has not set it yet."""
    try:
        return obj._mng
    except AttributeError:
        return None


def relations(
    target: Object | type[Object] | Value[Any] | type[Value[Any]],
) -> tuple[Relation[Any], ...]:
    """The relations of an object (dynamic ones included), of a value type with
    relations of its own, or of such a class, in display order."""
    from ._values import Value

    if isinstance(target, Object):
        return target._mng.relations()
    if isinstance(target, Value):
        return type(target)._gf_relations
    if isinstance(target, type) and issubclass(target, (Object, Value)):
        return target._gf_relations
    raise TypeError(
        f"relations() takes a flow Object, a Value or one of their classes, not {target!r}"
    )


def collect_relations(cls: type[Object]) -> None:
    """Freeze the class's relations: declaration order, overrides, explicit indexes.

    Overriding a base relation by name keeps the base's position (an explicit index
    still moves it); a relation object belongs to one class only, and a relation name
    may not shadow or be shadowed by any non-relation attribute of the class. Value
    classes with relations (``graftflow.Value`` subclasses) are collected the same way.
    """
    where = cls.__qualname__
    own: list[Relation[Any]] = []
    for attr, value in vars(cls).items():
        if not isinstance(value, Relation):
            continue
        try:
            normal = check_relation_name(attr, f"{where}.{attr}", protected=True)
        except ValueError as exc:
            raise RelationDefinitionError(str(exc)) from None
        if normal != attr:  # only a name set programmatically: source code is NFKC
            raise RelationDefinitionError(
                f"{where}.{attr}: relation names are kept in NFC; name it {normal!r}"
            )
        if value._owner is not None and value._owner is not cls:
            raise RelationDefinitionError(
                f"{where}.{attr}: this {type(value).__name__} already belongs to "
                f"{value._owner.__qualname__}.{value.name}; create a new relation for each class"
            )
        if value.name and value.name != attr:
            raise RelationDefinitionError(
                f"{where}.{attr}: the relation is already named {value.name!r}; a declared "
                "relation takes the attribute's name"
            )
        value.name = attr
        value._owner = cls
        own.append(value)
    cls._gf_own = tuple(own)

    merged: dict[str, Relation[Any]] = {}
    for klass in reversed(cls.__mro__):
        for relation in klass.__dict__.get("_gf_own", ()):
            merged[relation.name] = relation  # an override keeps the base's position

    for name, relation in merged.items():
        for klass in cls.__mro__:
            if name in klass.__dict__:
                attr = klass.__dict__[name]
                if not isinstance(attr, (Relation, Served)):
                    raise RelationDefinitionError(
                        f"{where}: the relation {name!r} (declared on "
                        f"{relation.owner.__qualname__ if relation.owner else '?'}) collides with "
                        f"{klass.__qualname__}.{name}, which is not a relation; {name!r} is "
                        "reserved here, rename the relation"
                    )

    ordered = order_relations((r, r.index) for r in merged.values())
    cls._gf_relations = tuple(ordered)
    cls._gf_by_name = {r.name: r for r in ordered}
    create_store = getattr(cls, "_create_value_store", None)  # values have none
    cls._gf_own_store = create_store is not None and (
        create_store.__func__ is not Object._create_value_store.__func__  # type: ignore[attr-defined]
    )
    cls._gf_plain_ctor = (
        not cls._gf_own_store and cls.__init__ is Object.__init__ and cls.__new__ is object.__new__
    )
    cls._gf_plain_new = (
        cls._gf_plain_ctor and cls._MANAGER_TYPE is None and cls._PROPAGATE_MANAGER_TYPE is None
    )

    manager_type = cls.__dict__.get("_MANAGER_TYPE")
    if manager_type is not None and not (
        isinstance(manager_type, type) and issubclass(manager_type, TreeManager)
    ):
        raise RelationDefinitionError(
            f"{where}._MANAGER_TYPE must be TreeManager or a subclass, not {manager_type!r}"
        )
    manager_type = cls._MANAGER_TYPE
    lean = (
        cls._gf_plain_ctor
        and manager_type is not None
        and manager_type._gf_lean
        and manager_type._gf_attach_only
    )
    cls._gf_lean = manager_type if lean else None
