"""DynamicTreeManager: an object's relations are its class's plus what factories graft.

The core asks a manager four questions (``relations``, ``relation``, ``resolve``,
``undeclared``); this manager answers them from a per-object table of the winners
among the session's factories. The table is built the first time one of those
questions is asked, not when the object is created, and the related objects are still
built only when read (the seed's dynamic children were built with their parent).

Placement and weights live in the table, never on the relations: a factory may hand
the same relation object to every call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from graftflow import Object, Relation, RelationError, Session, TreeManager
from graftflow._object import Served
from graftflow._oid import check_relation_name
from graftflow._relation import UNSET, order_relations

from ._factory import is_weight, read_result
from ._registry import REGISTRY_KEY, FactoryEntry, Registry, registry

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["DynamicTreeManager", "Extendable"]


class _Offer:
    """A relation offered for a name on one object; the table keeps each name's winner.

    One small object per name and object, since tables are built once per object.
    """

    __slots__ = ("beaten", "entry", "index", "relation", "weight")

    def __init__(
        self, relation: Relation[Any], weight: float | None, index: Any, entry: FactoryEntry | None
    ) -> None:
        self.relation = relation
        self.weight = weight
        self.index = index
        #: ``None`` for the object's own (base) relation.
        self.entry = entry
        #: The offers this one won over (only a winner's is filled).
        self.beaten: tuple[_Offer, ...] = ()


_EMPTY: Final[dict[str, _Offer]] = {}
#: The table while factories run (as empty as _EMPTY, but told apart by identity) ...
_BUILDING: Final[dict[str, _Offer]] = {}
#: ... and once a factory read one of the object's relations while it was built.
_BUILDING_READ: Final[dict[str, _Offer]] = {}
_setattr: Final = object.__setattr__
_base_init: Final = TreeManager.__init__
_NO_SKIP: Final[frozenset[Callable[..., Any]]] = frozenset()


class DynamicTreeManager(TreeManager):
    """A manager whose object also has the relations the session's factories give it.

    Opt in with ``_MANAGER_TYPE = DynamicTreeManager`` on a class (or inherit
    :class:`Extendable`); ``_PROPAGATE_MANAGER_TYPE = True`` extends the subtree below.
    """

    __slots__ = ("_gen", "_skip", "_table")

    #: Factories not applied to this object: those that created it or an ancestor.
    _skip: frozenset[Callable[..., Any]]
    _table: dict[str, _Offer] | None
    #: The session generation the table was built for.
    _gen: int

    def __init__(self, obj: Object, parent: TreeManager, name: str) -> None:
        _base_init(self, obj, parent, name)  # not super(): one object per item, keep it lean
        self._table = None
        self._gen = -1
        skip: frozenset[Callable[..., Any]] = _NO_SKIP
        if type(parent) is not TreeManager and isinstance(parent, DynamicTreeManager):
            skip = parent._skip
            won = parent._table.get(name) if parent._table else None
            entry = won.entry if won is not None else None
            if entry is not None and not entry.recursive:
                # A factory is not applied inside the subtree it created (the seed's
                # "infinite extension branch"), unless it asked to be.
                skip = skip | {entry.factory}
        self._skip = skip

    # -- the core's questions -----------------------------------------------------------

    def relations(self) -> tuple[Relation[Any], ...]:
        table = self._dynamic()
        base = type(self.object)._gf_relations
        if not table:
            return base
        entries: list[tuple[Relation[Any], Any]] = [
            (relation, UNSET)
            for relation in base
            if relation.name not in table or table[relation.name].entry is None
        ]
        entries.extend((won.relation, won.index) for won in table.values() if won.entry)
        return tuple(order_relations(entries))

    def relation(self, name: str) -> Relation[Any] | None:
        if name[:1] == "_":  # only a class's protected relation: private state runs no factory
            return type(self.object)._gf_by_name.get(name)
        won = self._dynamic().get(name)
        if won is not None:
            return won.relation
        return type(self.object)._gf_by_name.get(name)

    def resolve(self, relation: Relation[Any]) -> Relation[Any]:
        # The first read of every relation of every object comes here: _dynamic() is
        # inlined, and the session read without a method call (issue 5, W2_overhead).
        table = self._table
        if table is None or self._gen != self.root._session.generation:
            table = self._build()
        if not table:
            if table is _BUILDING:  # a factory reads its parent: the base serves it
                self._table = _BUILDING_READ
            return relation
        won = table.get(relation.name)
        return relation if won is None else won.relation

    def undeclared(self, name: str) -> Any:
        table = self._table
        if table is None or self._gen != self.root._session.generation:
            table = self._build()
        won = table.get(name)
        if won is None or won.entry is None:
            raise self.missing(name)
        relation = won.relation
        obj = self.object
        try:
            related = relation.create(obj)
        except AttributeError as exc:
            # Raised from __getattr__ it would read as "no such relation".
            raise RelationError(f"{self.prefix}{name}: {type(exc).__name__}: {exc}") from exc
        if relation.cached:
            _setattr(obj, name, related)  # not obj.__dict__: see graftflow._relation
        return related

    def extensions_reloaded(self) -> None:
        # Only objects whose relations were asked for have anything to refresh; the
        # new winners are found now, and what an old winner built is forgotten.
        if self._table is not None:
            self._build()

    # -- the table ----------------------------------------------------------------------

    def _dynamic(self) -> dict[str, _Offer]:
        """The winners among dynamic candidates, by name; built on first need."""
        table = self._table
        if table is None or self._gen != self.root._session.generation:
            table = self._build()
        return table

    def _build(self) -> dict[str, _Offer]:
        session = self.root._session
        old = self._table
        # Seen while factories run: a factory reading its parent sees the base relations
        # instead of recursing into this build (and resolve() notes that it did).
        self._table = _BUILDING
        self._gen = session.generation
        reg = session.state.get(REGISTRY_KEY) or registry(session)
        cls = type(self.object)
        entries = reg._by_type.get(cls)
        if entries is None:
            entries = reg.for_type(cls)
        if not entries:
            table = _EMPTY
        else:
            table = self._collect(reg, session, entries, cls)
            if self._table is _BUILDING_READ:  # a factory read its parent
                self._evict(_EMPTY, table)
        self._table = table
        if old is not None:
            self._evict(old, table)
        return table

    def _collect(
        self,
        reg: Registry,
        session: Session,
        entries: tuple[FactoryEntry, ...],
        cls: type[Object],
    ) -> dict[str, _Offer]:
        obj = self.object
        skip = self._skip
        problems = reg.name_problems.get(cls)
        if problems is None:
            problems = reg.name_problems[cls] = {}
        declared = cls._gf_by_name
        table: dict[str, _Offer] = {}
        for entry in entries:
            if skip and entry.factory in skip:
                continue
            try:
                result = entry.call(obj)
            except Exception as exc:
                session.report(
                    f"factory raised {type(exc).__name__}: {exc}",
                    source=entry.source,
                    extension=entry.extension,
                    factory=entry.qualname,
                    oid=self.oid,
                    error=exc,
                    # One diagnostic per failing factory, however many objects it fails on.
                    key=(entry.source, entry.extension, entry.qualname, type(exc).__name__),
                )
                continue
            if result is None:
                continue
            # This runs once per object: the common returns go straight to _offer, with
            # no intermediate tuples (allocations here are paid again in GC time).
            if isinstance(result, Relation):
                name = entry.name
                if (
                    name is not None
                    and not result.name
                    and problems.get(name) == ""
                    and name not in table
                    and name not in declared
                ):
                    # The common case, inlined: @dynamic_relation's unnamed relation, a
                    # name already found good for this class, no contest for it.
                    result.name = name
                    index = entry.index
                    if index is UNSET:
                        index = 0 if result.index is UNSET else result.index
                    table[name] = _Offer(result, entry.weight, index, entry)
                    continue
                self._offer(table, problems, session, entry, result, entry.weight)
                continue
            if (
                type(result) is tuple
                and len(result) == 2
                and isinstance(result[0], Relation)
                and is_weight(result[1])
            ):
                self._offer(table, problems, session, entry, result[0], result[1])
                continue
            candidates, bad = read_result(result, entry.weight)
            for problem in bad:
                self._report(session, entry, problem, "TypeError")
            for relation, weight in candidates:
                self._offer(table, problems, session, entry, relation, weight)
        return table or _EMPTY

    def _offer(
        self,
        table: dict[str, _Offer],
        problems: dict[str, str],
        session: Session,
        entry: FactoryEntry,
        relation: Relation[Any],
        weight: float,
    ) -> None:
        """Enter one candidate into the object's table: check its name, hold the contest."""
        name = relation.name
        declared = entry.name
        if declared is not None and name != declared:
            if name:
                self._report(session, entry, _misnamed(declared, name), "InvalidNameError")
                return
            # @dynamic_relation names what it returns: values key on the name.
            relation.name = name = declared
        problem = problems.get(name) if name else None
        if problem is None:
            problem = _name_problem(problems, type(self.object), relation)
        if problem:
            self._report(session, entry, problem, "InvalidNameError")
            return
        index = entry.index
        if index is UNSET:
            index = 0 if relation.index is UNSET else relation.index
        offer = _Offer(relation, weight, index, entry)
        held = table.get(name)
        by_name = type(self.object)._gf_by_name
        if held is None:
            base = by_name.get(name)
            if base is None:
                table[name] = offer
                return
            held = _Offer(base, None, None, None)
            table[name] = held
        # The contest: the highest weight wins, equal weights go to the later offer, and
        # a negative weight never overrides a base relation.
        if held.entry is None:
            wins = weight >= 0
        else:
            assert held.weight is not None
            wins = weight >= held.weight and (weight >= 0 or name not in by_name)
        if wins:
            offer.beaten = (*held.beaten, held)
            held.beaten = ()
            table[name] = offer
        else:
            held.beaten = (*held.beaten, offer)

    def _report(self, session: Session, entry: FactoryEntry, message: str, error: str) -> None:
        session.report(
            message,
            source=entry.source,
            extension=entry.extension,
            factory=entry.qualname,
            oid=self.oid,
            error=error,
        )

    def _evict(self, old: dict[str, _Offer], new: dict[str, _Offer]) -> None:
        """Forget related things built from a relation that no longer serves its name.

        That happens when a factory read its parent while the table was being built, or
        after ``session.reload_extensions()`` changed the winners.
        """
        built = self.object.__dict__
        base = type(self.object)._gf_by_name
        for name in old.keys() | new.keys():
            if name not in built:
                continue
            before = old[name].relation if name in old else base.get(name)
            after = new[name].relation if name in new else base.get(name)
            if before is not after:
                del built[name]


def _misnamed(declared: str, name: str) -> str:
    return (
        f"@dynamic_relation({declared!r}) returned a relation named {name!r}; "
        "return an unnamed relation"
    )


def _name_problem(problems: dict[str, str], cls: type[Object], relation: Relation[Any]) -> str:
    """Why ``relation.name`` cannot be a dynamic relation on ``cls`` objects ("" if fine).

    :param problems: the answers already found for ``cls``, by name (filled here).
    """
    name = relation.name
    if not name or not isinstance(name, str):
        return (
            f"returned {relation!r} without a name; set relation.name (or use "
            "@dynamic_relation('name', ...))"
        )
    problem = problems.get(name)
    if problem is None:
        problem = problems[name] = _check_name(cls, name)
    return problem


def _check_name(cls: type[Object], name: str) -> str:
    try:
        check_relation_name(name, f"dynamic relation of {cls.__qualname__}")
    except ValueError as exc:
        return str(exc)
    for klass in cls.__mro__:
        attr = klass.__dict__.get(name)
        if attr is not None and not isinstance(attr, (Relation, Served)):
            kind = "method" if callable(attr) else "attribute"
            return (
                f"the dynamic relation {name!r} would shadow the {kind} "
                f"{klass.__qualname__}.{name}, which is not a relation; choose another name"
            )
    return ""


class Extendable(Object):
    """Base class for objects that accept dynamic relations.

    The same as setting ``_MANAGER_TYPE = DynamicTreeManager``; add
    ``_PROPAGATE_MANAGER_TYPE = True`` to extend everything below as well.
    """

    _MANAGER_TYPE = DynamicTreeManager
