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
from graftflow._oid import check_relation_name
from graftflow._relation import UNSET, order_relations

from ._factory import read_result
from ._registry import FactoryEntry, Registry, registry

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["DynamicTreeManager", "Extendable"]


class _Candidate:
    """One relation a factory offered for a name on one object."""

    __slots__ = ("entry", "index", "relation", "weight")

    def __init__(
        self, relation: Relation[Any], weight: float | None, index: Any, entry: FactoryEntry | None
    ) -> None:
        self.relation = relation
        self.weight = weight
        self.index = index
        #: ``None`` for the object's own (base) relation.
        self.entry = entry


class _Won:
    """The relation that serves a name, and the candidates it beat."""

    __slots__ = ("base", "beaten", "winner")

    def __init__(self, winner: _Candidate, beaten: tuple[_Candidate, ...], base: bool) -> None:
        self.winner = winner
        self.beaten = beaten
        #: Whether the base relation kept the name (every candidate had a negative weight).
        self.base = base


_EMPTY: Final[dict[str, _Won]] = {}
_NO_SKIP: Final[frozenset[Callable[..., Any]]] = frozenset()


class DynamicTreeManager(TreeManager):
    """A manager whose object also has the relations the session's factories give it.

    Opt in with ``_MANAGER_TYPE = DynamicTreeManager`` on a class (or inherit
    :class:`Extendable`); ``_PROPAGATE_MANAGER_TYPE = True`` extends the subtree below.
    """

    __slots__ = ("_gen", "_skip", "_table")

    #: Factories not applied to this object: those that created it or an ancestor.
    _skip: frozenset[Callable[..., Any]]
    _table: dict[str, _Won] | None
    #: The session generation the table was built for.
    _gen: int

    def __init__(self, obj: Object, parent: TreeManager, name: str) -> None:
        super().__init__(obj, parent, name)
        self._table = None
        self._gen = -1
        skip: frozenset[Callable[..., Any]] = _NO_SKIP
        if isinstance(parent, DynamicTreeManager):
            skip = parent._skip
            won = parent._table.get(name) if parent._table else None
            entry = won.winner.entry if won is not None else None
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
            if relation.name not in table or table[relation.name].base
        ]
        entries.extend(
            (won.winner.relation, won.winner.index) for won in table.values() if not won.base
        )
        return tuple(order_relations(entries))

    def relation(self, name: str) -> Relation[Any] | None:
        if name[:1] == "_":  # never a relation: setting private state must not run factories
            return None
        won = self._dynamic().get(name)
        if won is not None:
            return won.winner.relation
        return type(self.object)._gf_by_name.get(name)

    def resolve(self, relation: Relation[Any]) -> Relation[Any]:
        won = self._dynamic().get(relation.name)
        return relation if won is None else won.winner.relation

    def undeclared(self, name: str) -> Any:
        won = self._dynamic().get(name)
        if won is None or won.base:
            raise self.missing(name)
        relation = won.winner.relation
        obj = self.object
        try:
            related = relation.create(obj)
        except AttributeError as exc:
            # Raised from __getattr__ it would read as "no such relation".
            raise RelationError(f"{self.prefix}{name}: {type(exc).__name__}: {exc}") from exc
        if relation.cached:
            obj.__dict__[name] = related
        return related

    # -- the table ----------------------------------------------------------------------

    def _dynamic(self) -> dict[str, _Won]:
        """The winners among dynamic candidates, by name; built on first need."""
        table = self._table
        session = self.root.session()
        if table is None or self._gen != session.generation:
            table = self._build(session)
        return table

    def _build(self, session: Session) -> dict[str, _Won]:
        old = self._table
        # Seen while factories run: a factory reading its parent sees the base relations
        # instead of recursing into this build.
        self._table = _EMPTY
        self._gen = session.generation
        reg = registry(session)
        entries = reg.for_type(type(self.object))
        table = self._collect(reg, session, entries) if entries else _EMPTY
        self._table = table
        if old is not None or table:
            self._evict(old or _EMPTY, table)
        return table

    def _collect(
        self, reg: Registry, session: Session, entries: tuple[FactoryEntry, ...]
    ) -> dict[str, _Won]:
        obj = self.object
        cls = type(obj)
        found: dict[str, list[_Candidate]] = {}
        for entry in entries:
            if self._skip and entry.factory in self._skip:
                continue
            try:
                result = entry.factory(obj)
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
            candidates, problems = read_result(result)
            for problem in problems:
                self._report(session, entry, problem, "TypeError")
            for relation, weight in candidates:
                problem = _name_problem(reg, cls, relation)
                if problem:
                    self._report(session, entry, problem, "InvalidNameError")
                    continue
                index = entry.index
                if index is UNSET:
                    index = 0 if relation.index is UNSET else relation.index
                found.setdefault(relation.name, []).append(
                    _Candidate(relation, weight, index, entry)
                )
        if not found:
            return _EMPTY
        by_name = cls._gf_by_name
        table: dict[str, _Won] = {}
        for name, offered in found.items():
            base = by_name.get(name)
            best: _Candidate | None = None
            for candidate in offered:
                weight = candidate.weight or 0
                if base is not None and weight < 0:
                    continue  # a negative weight never overrides a base relation
                if best is None or weight >= (best.weight or 0):
                    best = candidate  # equal weights: the last found wins
            beaten = [candidate for candidate in offered if candidate is not best]
            if best is None:
                assert base is not None
                table[name] = _Won(_Candidate(base, None, None, None), tuple(beaten), True)
                continue
            if base is not None:
                beaten.insert(0, _Candidate(base, None, None, None))
            table[name] = _Won(best, tuple(beaten), False)
        return table

    def _report(self, session: Session, entry: FactoryEntry, message: str, error: str) -> None:
        session.report(
            message,
            source=entry.source,
            extension=entry.extension,
            factory=entry.qualname,
            oid=self.oid,
            error=error,
        )

    def _evict(self, old: dict[str, _Won], new: dict[str, _Won]) -> None:
        """Forget related things built from a relation that no longer serves its name.

        That happens when a factory read its parent while the table was being built, or
        after ``session.reload_extensions()`` changed the winners.
        """
        built = self.object.__dict__
        base = type(self.object)._gf_by_name
        for name in old.keys() | new.keys():
            if name not in built:
                continue
            before = old[name].winner.relation if name in old else base.get(name)
            after = new[name].winner.relation if name in new else base.get(name)
            if before is not after:
                del built[name]


def _name_problem(reg: Registry, cls: type[Object], relation: Relation[Any]) -> str:
    """Why ``relation.name`` cannot be a dynamic relation on ``cls`` objects ("" if fine)."""
    name = relation.name
    if not name or not isinstance(name, str):
        return (
            f"returned {relation!r} without a name; set relation.name (or use "
            "@dynamic_relation('name', ...))"
        )
    key = (cls, name)
    problem = reg.name_problems.get(key)
    if problem is None:
        problem = _check_name(cls, name)
        reg.name_problems[key] = problem
    return problem


def _check_name(cls: type[Object], name: str) -> str:
    try:
        check_relation_name(name, f"dynamic relation of {cls.__qualname__}")
    except ValueError as exc:
        return str(exc)
    for klass in cls.__mro__:
        attr = klass.__dict__.get(name)
        if attr is not None and not isinstance(attr, Relation):
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
