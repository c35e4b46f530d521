"""TreeManager: the per-object bookkeeper behind ``obj._mng``.

Every object has exactly one manager. It knows the object's place in the tree (parent,
name, oid), where its values live (store), and which relations the object has. Keeping
all of that here leaves the object's own namespace to the user's relations.

The manager *type* is the extension point the seed describes: a class may set
``_MANAGER_TYPE`` to a TreeManager subclass (the extensions layer's
``DynamicTreeManager``), and ``_PROPAGATE_MANAGER_TYPE = True`` hands that type down to
every object below it that does not choose its own. The core never needs to know what a
subclass does with the hooks :meth:`resolve`, :meth:`relations`, :meth:`relation` and
:meth:`undeclared`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from ._errors import MissingRelationError, did_you_mean
from ._place import set_mng, set_up

if TYPE_CHECKING:
    from ._flow import Flow
    from ._object import Object
    from ._relation import Relation
    from ._session import Session
    from .stores._store import Store

ObjT = TypeVar("ObjT", bound="Object")

__all__ = ["TreeManager", "new_object"]


class TreeManager:
    """The core manager: relations are exactly those the object's class declares.

    :param obj: the object managed.
    :param parent: the parent's manager (the flow's root manager for a project).
    :param name: the object's name under its parent.
    """

    # Memory per object matters (a map may hold a million items; issue 5's W4_memory):
    # no ``prefix`` slot, and the oid string (~70 bytes) is made only when asked for.
    # An item's values know their own keys, so most items never need theirs.
    __slots__ = ("_gf_lean_at", "_oid", "name", "object", "parent", "propagate", "root", "store")

    #: ``True`` on a subclass whose ``__init__`` is TreeManager's followed by
    #: :meth:`_gf_attach` and nothing else: :func:`new_object` then makes its managers
    #: without the class call (issue 18's W2_cold: every extended map item).
    _gf_attach_only: ClassVar[bool] = False
    #: ``True`` on a subclass (``_gf_attach_only`` too) whose objects a plain map may
    #: build without their managers, as it builds plain items, when
    #: :meth:`_gf_lean_state` gives it something to serve them from: the manager type
    #: then serves their undeclared names (:meth:`_gf_serve`) until something asks for
    #: the manager, which takes that state over (:meth:`_gf_adopt`). Issue 18's W2t and
    #: W2_cold.
    _gf_lean: ClassVar[bool] = False

    object: Object
    #: The parent object (the :class:`Flow` for a project, ``None`` for the flow).
    parent: Object | Flow | None
    name: str
    _oid: str | None
    root: Flow
    store: Store
    #: Whether objects below take this manager's type when their class sets none.
    propagate: bool
    #: A map's manager: what the map's lean items get, ``False`` for none, once known
    #: (see ``Map._lean_state``), else ``None``; forgotten when extensions reload.
    _gf_lean_at: Any

    def __init__(self, obj: Object, parent: TreeManager, name: str) -> None:
        self.object = obj
        self.parent = parent.object
        self.name = name
        self._oid = None
        self._gf_lean_at = None
        self.root = parent.root
        cls = type(obj)
        store = cls._create_value_store(parent.object, name) if cls._gf_own_store else None
        if store is None:
            self.store = parent.store
        else:
            self.store = store
            self.root._adopt_store(store)
        flag = cls._PROPAGATE_MANAGER_TYPE
        self.propagate = parent.propagate if flag is None else flag

    @classmethod
    def for_root(cls, flow: Flow, store: Store) -> TreeManager:
        """The manager of a :class:`Flow`: oid ``/``, no parent, never propagating."""
        mng = cls.__new__(cls)
        mng.object = flow  # type: ignore[assignment]
        mng.parent = None
        mng.name = ""
        mng._oid = "/"
        mng._gf_lean_at = None
        mng.root = flow
        mng.store = store
        mng.propagate = False
        return mng

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.oid}>"

    @property
    def oid(self) -> str:
        """The object's oid, made on first use and kept: objects are never moved."""
        oid = self._oid
        if oid is None:
            oid = self._oid = self.parent._mng.child_oid(self.name)  # type: ignore[union-attr]
        return oid

    def child_oid(self, name: str) -> str:
        """The oid of ``name`` below this object (a value's key, a child's oid).

        This object's own oid is not kept for the occasion: a map item's values are
        built once and keep their keys, so the item's oid would be one more string per
        item that nobody reads.
        """
        oid = self._oid
        if oid is not None:
            return f"{oid}/{name}" if self.parent is not None else "/" + name
        above = self.parent._mng  # type: ignore[union-attr]
        if above._oid is not None and above.parent is not None:
            return f"{above._oid}/{self.name}/{name}"  # a map item's value: one step
        return f"{above.child_oid(self.name)}/{name}"

    @property
    def prefix(self) -> str:
        """``oid + "/"``: what the oids of the things below this object start with."""
        return self.oid + "/" if self.parent is not None else "/"

    @property
    def session(self) -> Session:
        """The session of the flow this object belongs to."""
        return self.root.session()

    # -- relations: the hooks a manager subclass may extend ------------------------------

    def relations(self) -> tuple[Relation[Any], ...]:
        """Every relation of the object, in display order."""
        return type(self.object)._gf_relations

    def relation(self, name: str) -> Relation[Any] | None:
        """The relation that serves ``name`` on this object, or ``None``."""
        return type(self.object)._gf_by_name.get(name)

    def resolve(self, relation: Relation[Any]) -> Relation[Any]:
        """Return the relation that really serves a declared one (an override, maybe)."""
        return relation

    def undeclared(self, name: str) -> Any:
        """Serve an attribute the object's class does not have; the core has none."""
        raise self.missing(name)

    def _gf_attach(self, parent: TreeManager) -> None:
        """What a subclass sets up beyond TreeManager's slots (see ``_gf_attach_only``)."""

    @classmethod
    def _gf_lean_state(cls, item_type: type[Object], map_mng: TreeManager) -> Any:
        """What a plain map (its manager ``map_mng``) gives the items of ``item_type`` it
        builds without their managers (see ``_gf_lean``) until the session's next
        reload; ``False`` (any false value): build them managed; ``None``: not known
        yet, ask again for the next item."""
        return False

    @staticmethod
    def _gf_serve(obj: Object, up: TreeManager, name: str) -> Any:
        """Serve the undeclared ``name`` of a lean item (``up``: its map's manager).

        A static method: every lean item's first read of a dynamic relation comes here,
        and a class method would make a bound method for each (issue 18's W2_cold)."""
        return obj._mng.undeclared(name)

    def _gf_adopt(self, obj: Object) -> None:
        """Take over the lean state of ``obj`` (its ``_gf_dyn``), this manager being
        made for it after all."""

    def extensions_reloaded(self) -> None:
        """The session's extensions were reloaded; the core's relations do not change,
        but a map's items are to be built lean or not as the new extensions say."""
        self._gf_lean_at = None

    # -- navigation ---------------------------------------------------------------------

    def missing(self, name: str) -> MissingRelationError:
        """The error for a name that is not a relation here, with a suggestion."""
        names = [r.name for r in self.relations() if r.name]
        return MissingRelationError(
            self.prefix + name,
            name,
            f"{self.oid} ({type(self.object).__name__}) has no relation {name!r}"
            + did_you_mean(name, names),
        )

    def child(self, name: str) -> Any:
        """The related object or value called ``name``: a relation, else a map item."""
        if self.relation(name) is not None:
            return getattr(self.object, name)
        return self.object._gf_item(name)

    def children(self) -> list[str]:
        """Names of the related things already built (laziness made visible)."""
        built = self.object.__dict__
        return [r.name for r in self.relations() if r.name in built]

    def get_object(self, oid: str) -> Any:
        """Resolve an oid, absolute or relative to this object (``.``, ``..``)."""
        from ._resolve import get_object

        return get_object(self.object, oid)

    def touch(self) -> None:
        """Tell whoever subscribed to this object or an ancestor that it changed."""
        root = self.root
        if root._handlers:  # nobody listens, most of the time (W1_add: every add touches)
            root._touched(self.oid)


_new = object.__new__


def new_object(cls: type[ObjT], parent: Object, pmng: TreeManager, name: str) -> ObjT:
    """``cls(parent, name)`` for a class that keeps Object's constructor and store (its
    ``_gf_plain_ctor``; the callers check), made without the class call.

    Maps build every item here (issue 18's W1_cold, W1_add, W2_cold): the class call
    costs an ``Object.__init__`` frame and a type call per item, and the manager's class
    call as much again; the manager is made here with the slots TreeManager.__init__
    sets, then what its class adds (``_gf_attach``). tests/test_object.py compares the
    two ways, slot by slot.
    """
    obj = _new(cls)
    set_up(obj, None)
    if cls._gf_plain_new and (not pmng.propagate or type(pmng) is TreeManager):
        manager_type: type[TreeManager] = TreeManager
        propagate = pmng.propagate
    else:  # what Object.__init__ and TreeManager.__init__ decide
        manager_type = cls._MANAGER_TYPE or (type(pmng) if pmng.propagate else TreeManager)
        if not (manager_type is TreeManager or manager_type._gf_attach_only):
            set_mng(obj, manager_type(obj, pmng, name))
            return obj
        flag = cls._PROPAGATE_MANAGER_TYPE
        propagate = pmng.propagate if flag is None else flag
    mng = _new(manager_type)
    mng.object = obj
    mng.parent = parent
    mng.name = name
    mng._oid = None
    mng._gf_lean_at = None
    mng.root = pmng.root
    mng.store = pmng.store
    mng.propagate = propagate
    if manager_type is not TreeManager:
        mng._gf_attach(pmng)
    set_mng(obj, mng)
    return obj
