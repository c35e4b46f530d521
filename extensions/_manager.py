"""DynamicTreeManager: an object's relations are its class's plus what factories graft.

The core asks a manager four questions (``relations``, ``relation``, ``resolve``,
``undeclared``); this manager answers them from a per-object table of the winners
among the session's factories. The table is built the first time one of those
questions is asked, not when the object is created, and the related objects are still
built only when read (the seed's dynamic children were built with their parent).

Placement and weights live in the table, never on the relations: a factory may hand
the same relation object to every call, so an unnamed one is copied under its name
(:meth:`Relation.renamed <graftflow.Relation.renamed>`), never named in place.

Threads: a table is built into a local dict and published whole, so no reader ever
sees a half-built one. While a thread builds it, the object carries that thread's mark:
a factory of that thread reading the object is served the base relations, and another
thread builds a table of its own (an equal one: the same factories, the same winners)
rather than wait; whichever is published last stays.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final, TypeAlias

from graftflow import (
    MissingRelationError,
    Object,
    Relation,
    RelationError,
    Session,
    TreeManager,
)
from graftflow.extending import (
    UNSET,
    Served,
    check_relation_name,
    keep_related,
    order_relations,
    set_lean_state,
)

from ._explain import with_failures
from ._factory import is_weight, read_result
from ._override_kind import kind_conflict
from ._registry import REGISTRY_KEY, FactoryEntry, Registry, registry

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["DynamicTreeManager", "Extendable"]


#: What the table keeps for one name of one object: ``(relation, weight, index, entry,
#: beaten)``; the relation serving the name (the factory's own, or a copy under the
#: name), its weight and index, the factory entry (``None`` for the object's own base
#: relation), and the offers it won over. A plain tuple: one is made per name and
#: object, and a tuple costs a tenth of an object with attributes (issue 5's
#: W2_overhead).
_Offer: TypeAlias = "tuple[Relation[Any], float | None, Any, FactoryEntry | None, tuple[Any, ...]]"
RELATION: Final = 0
WEIGHT: Final = 1
INDEX: Final = 2
ENTRY: Final = 3
BEATEN: Final = 4
#: What a table holds for a name: the offer, or under a direct plan the bare relation
#: (see :func:`offer_of`).
_Won: TypeAlias = "_Offer | Relation[Any]"


def offer_of(
    table: Mapping[str, _Won], name: str, entries: Mapping[str, FactoryEntry]
) -> _Offer | None:
    """The offer that holds ``name`` in an object's table, whole, or ``None``.

    A table built under a direct plan (see ``_Plan.direct``) holds each name's relation
    bare: the rest of its offer (the factory's entry, its weight, the index rule) is
    the same for every object of the class, so it is kept once, in the plan's
    ``entries``, not in a tuple per name and object (one more object per extended
    object for the allocator and the collector: issue 18's W2_cold).
    """
    won = table.get(name)
    if won is None or isinstance(won, tuple):
        return won
    entry = entries[name]
    index = entry.index
    if index is UNSET:
        index = 0 if won.index is UNSET else won.index
    return (won, entry.weight, index, entry, ())


def whole_offers(
    table: Mapping[str, _Won], entries: Mapping[str, FactoryEntry]
) -> dict[str, _Offer]:
    """Every offer of ``table``, whole (see :func:`offer_of`), by name, in its order."""
    # A function of its own: a comprehension in _build() would make its variables
    # cells, created on every call (issue 18's W2t: two objects per extended object).
    return {name: offer_of(table, name, entries) for name in table}  # type: ignore[misc]


def _not_skipped(
    calls: tuple[tuple[Any, FactoryEntry, bool], ...], skip: frozenset[Callable[..., Any]]
) -> tuple[tuple[Any, FactoryEntry, bool], ...]:
    """The plan's calls but those of the factories in ``skip`` (out of _build(): see
    :func:`whole_offers`)."""
    return tuple(call for call in calls if call[1].factory not in skip)


def _relation_of(won: _Won) -> Relation[Any]:
    return won[RELATION] if type(won) is tuple else won  # type: ignore[return-value]


_EMPTY: Final[dict[str, _Won]] = {}
#: The table while a thread runs the object's factories (its ``_gen`` then says which
#: thread: ``~thread_id``, never a generation), ...
_BUILDING: Final[dict[str, _Won]] = {}
#: ... and once one of those factories read the object meanwhile.
_BUILDING_READ: Final[dict[str, _Won]] = {}
_get_ident: Final = threading.get_ident
_base_init: Final = TreeManager.__init__
_setattr: Final = object.__setattr__
_NO_SKIP: Final[frozenset[Callable[..., Any]]] = frozenset()
_NO_NAMES: Final[frozenset[str]] = frozenset()
#: References to a just returned object when only the caller's variable holds it:
#: that variable and getrefcount's own argument. Without reference counts (not
#: CPython), every relation counts as shared and is copied.
_getrefcount: Final[Callable[[object], int]] = getattr(sys, "getrefcount", lambda obj: 1 << 30)
_ONLY_OURS: Final = 2


def _bare_table(one: Relation[Any] | None, bare: dict[str, Relation[Any]] | None) -> Any:
    """The bare relations a lean item's direct plan gave it, as a table (see
    DynamicTreeManager._gf_serve)."""
    if bare is not None:
        return bare
    return _EMPTY if one is None else {one.name: one}


def _lean_table(
    one: Relation[Any] | None,
    bare: dict[str, Relation[Any]] | None,
    whole: dict[str, _Offer] | None,
) -> Any:
    """What a lean item's direct plan gave it, as its manager's table."""
    return (whole or _EMPTY) if whole is not None else _bare_table(one, bare)


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

    #: Maps make these managers without the class call (graftflow's new_object): all
    #: this class adds to TreeManager's slots is set in _gf_attach.
    _gf_attach_only = True
    #: A plain map builds its items without their managers while no factory offered
    #: their class can contest a base relation: its per-type factories' shared table,
    #: or its direct plan, serves them (see :meth:`_gf_lean_state`).
    _gf_lean = True

    def __init__(self, obj: Object, parent: TreeManager, name: str) -> None:
        _base_init(self, obj, parent, name)  # not super(): one object per item, keep it lean
        self._gf_attach(parent)

    def _gf_attach(self, parent: TreeManager) -> None:
        self._table = None
        self._gen = -1
        skip: frozenset[Callable[..., Any]] = _NO_SKIP
        if type(parent) is not TreeManager and isinstance(parent, DynamicTreeManager):
            skip = parent._skip
            table = parent._table
            won = table.get(self.name) if table else None
            if won is not None and type(won) is not tuple:  # a bare relation (offer_of)
                won = parent._offers().get(self.name)
            entry = won[ENTRY] if won is not None else None
            if entry is not None and not entry.recursive:
                # A factory is not applied inside the subtree it created (the seed's
                # "infinite extension branch"), unless it asked to be.
                skip = skip | {entry.factory}
        self._skip = skip

    # -- lean items (TreeManager._gf_lean): issue 18's W2t and W2_cold -----------------

    @classmethod
    def _gf_lean_state(cls, item_type: type[Object], map_mng: TreeManager) -> Any:
        # Items are lean when no factory can contest a base relation (the core serves
        # those without asking, rightly then), only before the session's first reload
        # (see _gf_adopt), and when each item would cost its manager nothing but a
        # table: with per-type factories only, the class's shared table (each item gets
        # it, no factory called); with a direct plan, the plan (see _gf_serve).
        session = map_mng.root._session
        if session.generation:
            return False
        reg = session.state.get(REGISTRY_KEY)
        plan = reg.plans.get(item_type) if reg is not None and not reg.provisional else None
        if plan is None:
            return None  # no item of the class asked anything yet: ask again
        if plan.direct is not None:
            return plan  # uncontested: no base relation's name among its factories'
        if not plan.all_per_type:
            return False
        shared = plan.shared
        if shared is None:
            return None  # the first item made with its manager makes it
        base = item_type._gf_by_name
        return False if any(name in base for name in shared) else shared

    @staticmethod
    def _gf_serve(obj: Object, up: TreeManager, name: str) -> Any:
        # The first read of a dynamic relation of a lean item: its winner in the shared
        # table, or in the table its direct plan's factories give it now (what _build()
        # does for a direct plan, in this frame: every W2_cold item comes here once),
        # read as the core reads a declared relation. After a reload, for a name the
        # table lacks, or while a thread runs the item's factories, the item's manager
        # answers (made for it now). tests/test_fast_paths.py compares lean items with
        # managed ones.
        session = up.root._session
        if session.generation:
            return obj._mng.undeclared(name)
        table = obj._gf_dyn
        if type(table) is _Plan:  # W2_cold: checked first
            plan = table
            set_lean_state(obj, ~_get_ident())
            mng: DynamicTreeManager | None = None
            try:
                # The answers so far: the first bare relation alone (W2_cold's plan has
                # one factory), a dict of them from the second on, and every offer once
                # an answer is not a bare relation (see _build()).
                one: Relation[Any] | None = None
                bare: dict[str, Relation[Any]] | None = None
                whole: dict[str, _Offer] | None = None
                # A plan is a lean state only when direct (see _gf_lean_state).
                for call, entry, rname in plan.direct:  # type: ignore[union-attr]
                    try:
                        result = call(obj)
                    except Exception as exc:
                        mng = mng or obj._mng  # type: ignore[assignment]
                        mng._failed(session, entry, exc)  # type: ignore[union-attr]
                        continue
                    if result is None:
                        continue
                    if whole is None and isinstance(result, Relation) and not result.name:
                        # Named in place when nobody else holds it (see _build()).
                        if _getrefcount(result) > _ONLY_OURS:
                            result = result.renamed(rname)
                        else:
                            result.name = rname
                        if bare is not None:
                            bare[rname] = result
                        elif one is None:
                            one = result
                        else:
                            bare = {one.name: one, rname: result}
                        continue
                    mng = mng or obj._mng  # type: ignore[assignment]
                    if whole is None:
                        whole = whole_offers(_bare_table(one, bare), plan.entries)
                    mng._take(whole, plan.problems, session, entry, result)  # type: ignore[union-attr]
            except BaseException:
                set_lean_state(obj, plan)
                if obj._gf_up is None:  # a manager was made meanwhile: it builds anew
                    managed: DynamicTreeManager = obj._mng  # type: ignore[assignment]
                    managed._table, managed._gen = None, -1
                raise
            if obj._gf_up is None:  # a manager was made meanwhile: it serves this table
                table = _lean_table(one, bare, whole)
                set_lean_state(obj, table)
                managed = obj._mng  # type: ignore[assignment]
                read = managed._table is _BUILDING_READ
                managed._table, managed._gen = table, 0
                if read:  # a factory built something from a base relation meanwhile
                    managed._evict(_EMPTY, table)
            elif whole is None and bare is None and one is not None:
                # W2_cold: a table of one bare relation is kept as that relation, one
                # object fewer per item to make, and for the collector to walk (issue
                # 18; _gf_adopt() makes it a table again).
                set_lean_state(obj, one)
                if one.name != name:
                    return obj._mng.undeclared(name)
                return one.__get__(obj, type(obj))
            else:
                table = _lean_table(one, bare, whole)
                set_lean_state(obj, table)
        elif type(table) is not dict:  # W2t's shared table is a dict: one test for it
            if type(table) is int:  # a thread's mark: see _gf_adopt
                return obj._mng.undeclared(name)
            if table.name != name:  # one bare relation, kept as above
                return obj._mng.undeclared(name)
            return table.__get__(obj, type(obj))
        won = table.get(name)
        if won is None:
            return obj._mng.undeclared(name)
        if type(won) is tuple:
            won = won[RELATION]
        return won.__get__(obj, type(obj))

    def _gf_adopt(self, obj: Object) -> None:
        state = obj._gf_dyn
        if type(state) is dict:
            # A table of generation 0 (the shared one, or a direct plan's): current
            # until a reload, after which the next question builds the new one and
            # forgets what the old one served.
            self._table, self._gen = state, 0
        elif isinstance(state, Relation):  # a direct plan's table of one (see _gf_serve)
            self._table, self._gen = {state.name: state}, 0
        elif type(state) is _Plan:
            # No factory ran for the item yet. After a reload, what its base relations
            # built must face the new winners: an empty table of generation 0 has the
            # next question (or extensions_reloaded) build the table and evict.
            if self.root._session.generation:
                self._table, self._gen = _EMPTY, 0
        else:  # a thread's mark: that thread runs the factories (see _gf_serve)
            self._table, self._gen = _BUILDING, state

    # -- the core's questions -----------------------------------------------------------

    def relations(self) -> tuple[Relation[Any], ...]:
        table = self._offers()
        base = type(self.object)._gf_relations
        if not table:
            return base
        entries: list[tuple[Relation[Any], Any]] = [
            (relation, UNSET)
            for relation in base
            if relation.name not in table or table[relation.name][ENTRY] is None
        ]
        entries.extend((won[RELATION], won[INDEX]) for won in table.values() if won[ENTRY])
        return tuple(order_relations(entries))

    def relation(self, name: str) -> Relation[Any] | None:
        if name[:1] == "_":  # only a class's protected relation: private state runs no factory
            return type(self.object)._gf_by_name.get(name)
        won = self._dynamic().get(name)
        if won is not None:
            return _relation_of(won)
        return type(self.object)._gf_by_name.get(name)

    def resolve(self, relation: Relation[Any]) -> Relation[Any]:
        # The first read of every relation of every object comes here: _dynamic() is
        # inlined, and the session read without a method call (issue 5, W2_overhead).
        table = self._table
        if table is None or self._gen != self.root._session.generation:
            table = self._build()
        if not table:
            return relation
        won = table.get(relation.name)
        if won is None:
            return relation
        # _relation_of() inlined: the first read of every overridden relation comes here
        return won[RELATION] if type(won) is tuple else won  # type: ignore[return-value]

    def undeclared(self, name: str) -> Any:
        table = self._table
        if table is None or self._gen != self.root._session.generation:
            table = self._build()
        won = table.get(name)
        if won is None:
            raise self.missing(name)
        if type(won) is tuple:
            if won[ENTRY] is None:  # a base relation won the contest: not undeclared
                raise self.missing(name)
            relation: Relation[Any] = won[RELATION]
        else:  # a direct table's bare relation (W2_cold)
            relation = won  # type: ignore[assignment]
        obj = self.object
        try:
            related = relation.create(obj)
        except AttributeError as exc:
            # Raised from __getattr__ it would read as "no such relation".
            raise RelationError(f"{self.prefix}{name}: {type(exc).__name__}: {exc}") from exc
        if relation.cached:
            if relation.stateless:
                _setattr(obj, name, related)  # not obj.__dict__: see graftflow._relation
                return related
            return keep_related(obj, name, related)
        return related

    def missing(self, name: str) -> MissingRelationError:
        # A failed installer or factory may be why the name is missing: say so.
        return with_failures(super().missing(name), self.root._session)

    def extensions_reloaded(self) -> None:
        # Only objects whose relations were asked for have anything to refresh; the
        # new winners are found now, and what an old winner built is forgotten.
        self._gf_lean_at = None  # a map's: see TreeManager.extensions_reloaded
        if self._table is not None:
            self._build()

    # -- the table ----------------------------------------------------------------------

    def _dynamic(self) -> dict[str, _Won]:
        """The winners among dynamic candidates, by name; built on first need."""
        table = self._table
        if table is None or self._gen != self.root._session.generation:
            table = self._build()
        return table

    def _offers(self) -> dict[str, _Offer]:
        """The table's offers, whole (see :func:`offer_of`), by name, in its order."""
        while True:
            table = self._dynamic()
            if all(type(won) is tuple for won in table.values()):
                return table  # type: ignore[return-value]
            # Bare relations: the rest of their offers is the plan that built the
            # table, the class's in the registry of the table's generation.
            session = self.root._session
            reg = session.state.get(REGISTRY_KEY)
            plan = reg.plans.get(type(self.object)) if reg is not None else None
            if plan is not None and self._gen == session.generation:
                return whole_offers(table, plan.entries)
            # A reload came in between: the table is built again, from the new plan.

    def _build(self) -> dict[str, _Won]:
        session = self.root._session
        # Read before the registry: reload_extensions() drops the registry first, then
        # moves the generation on, so a table can only be stamped older than it is.
        gen = session.generation
        old, old_gen = self._table, self._gen
        building = ~_get_ident()  # this thread's mark, told apart from any generation
        if old_gen == building:
            # A factory of this object reads the object while this thread builds its
            # table: the base relations serve it (and what it built is checked below).
            self._table = _BUILDING_READ
            return _EMPTY
        reg = session.state.get(REGISTRY_KEY)
        if reg is None:
            reg = registry(session)
            if reg.provisional:  # an installer reads the flow: nothing to keep yet
                return _EMPTY
        cls = type(self.object)
        plan = reg.plans.get(cls)
        if plan is None:
            plan = reg.plans.setdefault(cls, _Plan(reg, cls))
        read = False
        shared = plan.shared
        direct = plan.direct
        table: dict[str, _Won]
        if shared is not None and not self._skip:
            # Every factory is per-type: the class's table, built by its first object,
            # serves them all (what per_type() opts into; issue 18's W2t and W2pt).
            table = shared
        elif direct is not None and not self._skip:
            # Every factory is a @dynamic_relation of its own name, valid here and no
            # base relation's (see _Plan.direct): the unnamed relation each returns is
            # its offer, named, and goes into the table bare (see offer_of). Issue 18's
            # W2_cold; tests/test_fast_paths.py compares with the general way below.
            # _gf_serve() runs the same loop for lean items, in its own frame.
            self._table, self._gen = _BUILDING, building  # see the general way below
            try:
                obj = self.object
                bare: dict[str, Relation[Any]] = {}
                whole: dict[str, _Offer] | None = None  # once an answer is not bare
                for call, entry, name in direct:
                    try:
                        result = call(obj)
                    except Exception as exc:
                        self._failed(session, entry, exc)
                        continue
                    if result is None:
                        continue
                    if whole is None and isinstance(result, Relation) and not result.name:
                        if _getrefcount(result) > _ONLY_OURS:
                            result = result.renamed(name)
                        else:
                            # Nobody but this frame holds the relation (the factory
                            # made it for this call and kept nothing): naming it in
                            # place cannot be seen by anyone, where a copy costs a
                            # third of this object's extension.
                            result.name = name
                        bare[name] = result
                        continue
                    # Anything else takes the general way, name checks and all: the
                    # table holds whole offers from here on.
                    if whole is None:
                        whole = whole_offers(bare, plan.entries)
                    self._take(whole, plan.problems, session, entry, result)
                table = bare if whole is None else whole  # type: ignore[assignment]
                if not table:
                    table = _EMPTY
            except BaseException:
                self._table, self._gen = old, old_gen
                raise
            read = self._table is _BUILDING_READ
        elif not plan.calls:
            table = _EMPTY
        else:
            # Other threads see the mark, not this thread's: they build a table of their
            # own rather than read a half-built one (or base relations only).
            self._table, self._gen = _BUILDING, building
            try:
                # The factories, run here rather than in a method of their own: every
                # extended object comes here once (issue 18's W2p; a frame is 4%).
                obj = self.object
                calls = plan.calls
                skip = self._skip
                if skip:
                    calls = _not_skipped(calls, skip)
                problems = plan.problems
                offered: dict[str, _Offer] = {}
                # A factory runs for every object (kabaret's contract) unless it is
                # per-type: this loop is most of what a plain factory costs (issue 18's
                # W2p), so it carries nothing more.
                for call, entry, per_type in calls:
                    if per_type:
                        answer = plan.answers.get(entry)
                        if answer is None:
                            answer = self._ask(session, entry, obj)
                            answer = plan.answers.setdefault(entry, answer)
                        for relation, weight in answer:
                            self._offer(offered, problems, session, entry, relation, weight)
                        continue
                    try:
                        result = call(obj)
                    except Exception as exc:
                        self._failed(session, entry, exc)
                        continue
                    if result is None:
                        continue
                    # What _take() does, its two common answers inline (W2p: a frame
                    # per object is 2% of it).
                    if isinstance(result, Relation):
                        self._offer(offered, problems, session, entry, result, entry.weight)
                    elif (
                        type(result) is tuple
                        and len(result) == 2
                        and isinstance(result[0], Relation)
                        and type(result[1]) is int  # W2p's weights
                    ):
                        self._offer(offered, problems, session, entry, result[0], result[1])
                    else:
                        self._take(offered, problems, session, entry, result)
                if not plan.uncontested:
                    # Plain factories' names are known once they answered: the next
                    # objects of the class reach them without a failed lookup first
                    # (issue 18's W2p).
                    served = reg.served.get(cls, _NO_NAMES)
                    for name, won in offered.items():
                        if name not in served and won[ENTRY] is not None:
                            reg.serve(cls, name, lean=plan.all_per_type)
                table = offered if offered else _EMPTY  # type: ignore[assignment]
            except BaseException:
                self._table, self._gen = old, old_gen
                raise
            read = self._table is _BUILDING_READ
            if plan.all_per_type and not self._skip and shared is None:
                plan.shared = table
        # Published whole, table first: a reader that sees it with the old generation
        # builds again. Two threads racing for one object build equal tables (the same
        # factories, the same winners), so whichever is published last will do.
        self._table = table
        self._gen = gen
        if read:  # a factory built something from a base relation meanwhile
            self._evict(_EMPTY, table)
        if old is not None and old_gen >= 0 and old_gen != gen:  # a reload's new winners
            self._evict(old, table)
        return table

    def _take(
        self,
        table: dict[str, _Offer],
        problems: dict[str, str],
        session: Session,
        entry: FactoryEntry,
        result: Any,
    ) -> None:
        """Enter a factory's answer into the table: a relation, ``(relation, weight)``,
        or anything else :func:`read_result` reads (a list of them...), with no
        intermediate lists for the first two (allocations here, once per object, are
        paid again in GC)."""
        if isinstance(result, Relation):
            self._offer(table, problems, session, entry, result, entry.weight)
        elif (
            type(result) is tuple
            and len(result) == 2
            and isinstance(result[0], Relation)
            and (type(result[1]) is int or is_weight(result[1]))  # W2p: weights are ints
        ):
            self._offer(table, problems, session, entry, result[0], result[1])
        else:
            candidates, bad = read_result(result, entry.weight)
            for problem in bad:
                self._report(session, entry, problem, "TypeError")
            for relation, weight in candidates:
                self._offer(table, problems, session, entry, relation, weight)

    def _ask(
        self, session: Session, entry: FactoryEntry, obj: Object
    ) -> tuple[tuple[Relation[Any], float], ...]:
        """A per-type factory's answer for this object's class: its offers, named."""
        try:
            result = entry.call(obj)
        except Exception as exc:
            self._failed(session, entry, exc)
            return ()
        candidates, bad = read_result(result, entry.weight)
        for problem in bad:
            self._report(session, entry, problem, "TypeError")
        name = entry.name
        return tuple(
            # Shared by the class's objects: a copy under the name, never the factory's.
            (relation.renamed(name) if name is not None and not relation.name else relation, weight)
            for relation, weight in candidates
        )

    def _failed(self, session: Session, entry: FactoryEntry, exc: Exception) -> None:
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

    def _offer(
        self,
        table: dict[str, _Offer],
        problems: dict[str, str],
        session: Session,
        entry: FactoryEntry,
        relation: Relation[Any],
        weight: float,
    ) -> None:
        """Enter one candidate into the object's table: check its name, hold the contest.

        The one path for every candidate: the name (``@dynamic_relation``'s, on a copy
        of the relation), its check (cached per class and name), the index rule and the
        override contest.
        """
        name = relation.name
        declared = entry.name
        if declared is not None and name != declared:
            if name:
                self._report(session, entry, _misnamed(declared, name), "InvalidNameError")
                return
            relation = relation.renamed(declared)  # the factory's relation stays unnamed
            name = declared
        problem = problems.get(name)
        if problem is None:
            problem = _name_problem(problems, type(self.object), name, relation)
        if problem:
            self._report(session, entry, problem, "InvalidNameError")
            return
        # The index rule: @dynamic_relation's, else the relation's own, else 0 (first).
        index = entry.index
        if index is UNSET:
            index = 0 if relation.index is UNSET else relation.index
        held = table.get(name)
        if held is None:
            base = type(self.object)._gf_by_name.get(name)
            if base is None:  # the common case: no contest for the name
                table[name] = (relation, weight, index, entry, ())
                return
            held = (base, None, None, None, ())
        problem = kind_conflict(type(self.object), relation)  # only where there is a contest
        if problem:
            self._report(session, entry, problem, "TypeError")
            return
        # The contest: the highest weight wins, equal weights go to the later offer, and
        # a negative weight never overrides a base relation.
        held_relation, held_weight, held_index, held_entry, held_beaten = held
        if held_entry is None:
            wins = weight >= 0
        else:
            assert held_weight is not None
            wins = weight >= held_weight and (
                weight >= 0 or name not in type(self.object)._gf_by_name
            )
        if wins:  # the winner carries every loser so far, the one it beat last
            loser: _Offer = (held_relation, held_weight, held_index, held_entry, ())
            table[name] = (relation, weight, index, entry, (*held_beaten, loser))
        else:
            loser = (relation, weight, index, entry, ())
            table[name] = (
                held_relation,
                held_weight,
                held_index,
                held_entry,
                (*held_beaten, loser),
            )

    def _report(self, session: Session, entry: FactoryEntry, message: str, error: str) -> None:
        session.report(
            message,
            source=entry.source,
            extension=entry.extension,
            factory=entry.qualname,
            oid=self.oid,
            error=error,
        )

    def _evict(self, old: Mapping[str, _Won], new: Mapping[str, _Won]) -> None:
        """Forget related things built from a relation that no longer serves its name.

        That happens when a factory read its parent while the table was being built, or
        after ``session.reload_extensions()`` changed the winners.
        """
        built = self.object.__dict__
        base = type(self.object)._gf_by_name
        for name in old.keys() | new.keys():
            if name not in built:
                continue
            before = _relation_of(old[name]) if name in old else base.get(name)
            after = _relation_of(new[name]) if name in new else base.get(name)
            if before is not after:
                built.pop(name, None)


def _misnamed(declared: str, name: str) -> str:
    return (
        f"@dynamic_relation({declared!r}) returned a relation named {name!r}; "
        "return an unnamed relation"
    )


def _name_problem(
    problems: dict[str, str], cls: type[Object], name: str, relation: Relation[Any]
) -> str:
    """Why ``name`` cannot name ``relation`` as a dynamic relation on ``cls`` objects
    ("" if it can).

    :param problems: the answers already found for ``cls``, by name (filled here).
    """
    if not name or not isinstance(name, str):
        return (
            f"returned {relation!r} without a name; set relation.name (or use "
            "@dynamic_relation('name', ...))"
        )
    problem = problems.get(name)
    if problem is None:
        problem = problems[name] = _check_name(cls, name)
    return problem


class _Plan:
    """How objects of one class are extended in one session: worked out once."""

    __slots__ = (
        "all_per_type",
        "answers",
        "calls",
        "direct",
        "entries",
        "problems",
        "shared",
        "uncontested",
    )

    def __init__(self, reg: Registry, cls: type[Object]) -> None:
        entries = reg.for_type(cls)
        problems = reg.name_problems.get(cls)
        if problems is None:
            problems = reg.name_problems.setdefault(cls, {})
        #: ``(callable, entry, entry.per_type)`` for every factory offered the class, in
        #: order: the loop over them reads nothing more (W2p: 30 factories per object).
        self.calls = tuple((entry.call, entry, entry.per_type) for entry in entries)
        #: Whether no contest can ever be held there (see :func:`_uncontested`).
        self.uncontested = _uncontested(problems, cls, entries)
        #: Whether every factory offered the class is direct: a ``@dynamic_relation``
        #: of its own name and none per-type, when no contest can be held (uncontested).
        #: Then ``(callable, entry, name)`` for each, in order, and the entries by name,
        #: which stand for the rest of its objects' offers (see :func:`offer_of`);
        #: else ``None`` and ``{}``.
        direct = self.uncontested and not any(entry.per_type for entry in entries)
        self.direct: tuple[tuple[Callable[[Object], Any], FactoryEntry, str], ...] | None = (
            tuple((entry.call, entry, entry.name) for entry in entries if entry.name)
            if direct
            else None
        )
        self.entries = {entry.name: entry for entry in entries if entry.name} if direct else {}
        #: name -> why it cannot be a dynamic relation of the class, or "".
        self.problems = problems
        #: Per-type factory -> its offers for the class, named; asked once.
        self.answers: dict[FactoryEntry, tuple[tuple[Relation[Any], float], ...]] = {}
        self.all_per_type = bool(entries) and all(entry.per_type for entry in entries)
        #: With only per-type factories: the table every object of the class gets, once
        #: the first one (with no factory skipped) has built it.
        self.shared: dict[str, _Offer] | None = None


def _uncontested(
    problems: dict[str, str], cls: type[Object], entries: tuple[FactoryEntry, ...]
) -> bool:
    """Whether objects of ``cls`` can never hold a contest: every factory offered them
    is a ``@dynamic_relation`` under a name of its own, valid on ``cls``, and no base
    relation has that name (a factory returning something else still takes the general
    path, name checks and all).

    :param problems: the class's known name problems (filled here).
    """
    names = [entry.name for entry in entries]
    if None in names or len(set(names)) != len(names):
        return False
    for name in names:
        assert name is not None
        if name in cls._gf_by_name:
            return False
        problem = problems.get(name)
        if problem is None:
            problem = problems[name] = _check_name(cls, name)
        if problem:
            return False
    return True


def _check_name(cls: type[Object], name: str) -> str:
    try:
        # Not naming the class: a bad name is one problem, however many types the
        # factory is offered (one diagnostic, counted, not one per type).
        normal = check_relation_name(name, "dynamic relation")
    except ValueError as exc:
        return str(exc)
    if normal != name:  # found by its NFC name only, as oids spell it
        return f"dynamic relation {name!r} is not in NFC; name it {normal!r}"
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
