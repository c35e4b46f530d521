"""Every fast path of issue 18 gives what the plain path gives.

The hot paths of the object tree skip frames and class calls for the common case
(each names the benchmark workload it serves). Here each one is run beside the general
code it stands for, on the cases it must hand back to that code, and the results are
compared field by field: the same objects, managers, value handles, keys and winner
tables either way.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import types
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

import graftflow as gf
from graftflow._manager import new_object
from graftflow._oid import check_item_name
from graftflow._place import Place
from graftflow.extending import Served
from graftflow.extensions import (
    Extendable,
    describe,
    dynamic_relation,
    per_type,
    registry,
)
from graftflow.stores._store import iter_names

MODULE = __name__

# -- building items: Map.__getitem__, Map.add and new_object() against the class call --


class Probe(gf.TreeManager):
    """A manager subclass with a constructor of its own: never made by new_object."""

    __slots__ = ("seen",)

    def __init__(self, obj: gf.Object, parent: gf.TreeManager, name: str) -> None:
        super().__init__(obj, parent, name)
        self.seen = name


class Attached(gf.TreeManager):
    """A manager subclass that only adds what _gf_attach sets: new_object makes it."""

    __slots__ = ("up",)
    _gf_attach_only = True

    def __init__(self, obj: gf.Object, parent: gf.TreeManager, name: str) -> None:
        gf.TreeManager.__init__(self, obj, parent, name)
        self._gf_attach(parent)

    def _gf_attach(self, parent: gf.TreeManager) -> None:
        self.up = parent.name


class PlainItem(gf.Object):
    status = gf.StringParam("wip")


class ProbedItem(gf.Object):
    _MANAGER_TYPE = Probe
    status = gf.StringParam("wip")


class AttachedItem(gf.Object):
    _MANAGER_TYPE = Attached
    status = gf.StringParam("wip")


class ChoosingItem(gf.Object):
    """Chooses the core manager itself, and hands it down."""

    _MANAGER_TYPE = gf.TreeManager
    _PROPAGATE_MANAGER_TYPE = True


class PropagatingItem(gf.Object):
    _MANAGER_TYPE = Attached
    _PROPAGATE_MANAGER_TYPE = True


class OwnInit(gf.Object):
    def __init__(self, parent: Any, name: str) -> None:
        super().__init__(parent, name)
        self.__dict__["made_by_init"] = True


class OwnStore(gf.Object):
    @classmethod
    def _create_value_store(cls, parent: Any, name: str) -> gf.Store | None:
        return gf.MemoryStore()


ITEM_TYPES = [PlainItem, ProbedItem, AttachedItem, ChoosingItem, PropagatingItem, OwnInit, OwnStore]


def items_of(item_type: type[gf.Object]) -> type[gf.Map[Any]]:
    return types.new_class(f"{item_type.__name__}s", (gf.Map[item_type],))  # type: ignore[valid-type]


class Holder(gf.Object):
    """A project whose maps are built below a plain manager."""


class PropagatingHolder(gf.Object):
    """A project whose subtree takes an attach-only manager type."""

    _MANAGER_TYPE = Attached
    _PROPAGATE_MANAGER_TYPE = True


def manager_state(obj: Any) -> dict[str, Any]:
    """What a manager holds, the object it manages as an identity check."""
    mng = obj._mng
    slots = {
        slot
        for klass in type(mng).__mro__
        for slot in klass.__dict__.get("__slots__", ())
        if slot not in ("object", "__weakref__", "__dict__")
    }
    state = {slot: getattr(mng, slot, "<unset>") for slot in sorted(slots)}
    if mng.store is not mng.parent._mng.store:  # a store of its own: a new one each time
        state["store"] = ("its own", type(mng.store))
    return {"type": type(mng), "object is obj": mng.object is obj, **state}


#: Where a map item built without its manager keeps its place (its map's manager and
#: its name; graftflow._object._item_manager makes the manager from them when asked).
LAZY = {"_gf_up", "_gf_name"}


def placed(obj: Any) -> dict[str, Any]:
    """The object's place slots (graftflow._place) that are set, read through the
    slots themselves: reading ``obj._mng`` would make the manager."""
    found = {}
    for slot in ("_mng", "_gf_up", "_gf_name"):
        try:
            found[slot] = Place.__dict__[slot].__get__(obj, type(obj))
        except AttributeError:
            continue
    return found


def check_lazy(item: Any, things: Any, name: str) -> None:
    """If ``item`` was built without its manager, it has just what the manager needs,
    and only where the class call would have made a plain TreeManager."""
    place = placed(item)
    if "_mng" in place:
        assert place["_gf_up"] is None
        assert "_gf_name" not in place
        return
    assert place.keys() == LAZY
    assert item._gf_up is things._mng
    assert item._gf_name == name
    assert type(type(item)(things, name)._mng) is gf.TreeManager


def a_map(holder: type[gf.Object], item_type: type[gf.Object]) -> Any:
    """A map of ``item_type`` items in a project of a new ``holder`` class."""
    name = f"{holder.__name__}Of{item_type.__name__}"
    project_type = types.new_class(
        name, (holder,), exec_body=lambda ns: ns.update(things=gf.Child(items_of(item_type)))
    )
    return gf.Flow().create_project("p", project_type).things


class TestBuildingItems:
    """W1_cold, W1_add and W2_cold build items without their class call."""

    @pytest.mark.parametrize("holder", [Holder, PropagatingHolder])
    @pytest.mark.parametrize("item_type", ITEM_TYPES, ids=lambda t: t.__name__)
    def test_a_read_builds_what_the_class_call_builds(
        self, item_type: type[gf.Object], holder: type[gf.Object]
    ) -> None:
        things = a_map(holder, item_type)
        things.add_many(["a", "b"])
        read = things["a"]
        check_lazy(read, things, "a")
        called = item_type(things, "a")
        assert type(read) is item_type
        assert manager_state(read) == manager_state(called)
        assert read.__dict__.keys() == called.__dict__.keys()
        assert things["a"] is read  # and kept

    @pytest.mark.parametrize("holder", [Holder, PropagatingHolder])
    @pytest.mark.parametrize("item_type", ITEM_TYPES, ids=lambda t: t.__name__)
    def test_an_add_builds_what_the_class_call_builds(
        self, item_type: type[gf.Object], holder: type[gf.Object]
    ) -> None:
        things = a_map(holder, item_type)
        added = things.add("a")
        check_lazy(added, things, "a")
        called = item_type(things, "a")
        assert type(added) is item_type
        assert manager_state(added) == manager_state(called)
        assert added.__dict__.keys() == called.__dict__.keys()
        assert things["a"] is added

    @pytest.mark.parametrize("how", ["read", "add"])
    def test_a_plain_item_makes_its_manager_when_first_asked(self, how: str) -> None:
        """W1_cold and W1_add: a plain item is built without its manager, a param read
        makes none, and the manager made later is the class call's, kept."""
        things = a_map(Holder, PlainItem)
        if how == "read":
            things.add_many(["a"])
            item = things["a"]
        else:
            item = things.add("a")
        handle = item.status
        assert handle.get() == "wip"
        assert "_mng" not in placed(item)  # the read made no manager
        called = PlainItem(things, "a")
        assert handle._key == called.status._key == "/p/things/a/status"
        assert handle._store is called.status._store
        assert item.oid() == called.oid() == "/p/things/a"  # asks for the manager: made now
        assert placed(item)["_mng"] is item._mng  # and kept
        assert manager_state(item) == manager_state(called)
        assert repr(item) == repr(called)

    def test_an_object_without_a_manager_yet_has_none(self) -> None:
        """Before Object.__init__ has run, there is no manager to make (and the class
        holds the slot's descriptor, not a manager)."""
        bare = PlainItem.__new__(PlainItem)
        with pytest.raises(AttributeError, match="_mng"):
            bare._mng
        assert not isinstance(PlainItem._mng, gf.TreeManager)
        assert repr(bare) == "<PlainItem (unbuilt)>"

    @settings(max_examples=300, deadline=None)
    @given(
        name=st.one_of(
            st.text(alphabet=st.characters(max_codepoint=127), max_size=8),
            st.text(max_size=4),
            st.sampled_from(["a" * 255, "a" * 256, "-a", ".a", "a.b-c", "é", "e\u0301", 12]),
        )
    )
    def test_an_add_accepts_and_refuses_the_names_check_item_name_does(self, name: Any) -> None:
        """Map.add checks an ASCII name itself (W1_add): the same names pass, the same
        are refused with check_item_name's error, and the item is kept under the same
        (NFC) name."""
        things = a_map(Holder, PlainItem)
        where = things.oid()
        try:
            expected: Any = check_item_name(name, where)
        except gf.InvalidNameError as exc:
            expected = exc
        if isinstance(expected, Exception):
            with pytest.raises(gf.InvalidNameError) as raised:
                things.add(name)
            assert str(raised.value) == str(expected)
            assert len(things) == 0
        else:
            added = things.add(name)
            assert added.name() == expected
            assert list(things) == [expected]

    @pytest.mark.parametrize("item_type", ITEM_TYPES, ids=lambda t: t.__name__)
    def test_new_object_builds_what_the_class_call_builds(self, item_type: type[gf.Object]) -> None:
        for holder in (Holder, PropagatingHolder):
            things = a_map(holder, item_type)
            if not item_type._gf_plain_ctor:
                continue  # the callers never ask new_object for these
            made = new_object(item_type, things, things._mng, "a")
            assert manager_state(made) == manager_state(item_type(things, "a"))

    def test_classes_with_their_own_constructor_or_store_are_called(self) -> None:
        """The fast path is only for classes that keep Object's constructor and store."""
        assert not OwnInit._gf_plain_ctor
        assert not OwnStore._gf_plain_ctor
        assert PlainItem._gf_plain_ctor
        assert PlainItem._gf_plain_new
        assert AttachedItem._gf_plain_ctor
        assert not AttachedItem._gf_plain_new
        assert a_map(Holder, OwnInit).add("a").made_by_init is True

    def test_a_map_with_hooks_builds_through_them(self) -> None:
        """Maps with _configure_child or per-item types never take the inline path."""
        configured: list[str] = []

        class Hooked(gf.Map[PlainItem]):
            def _configure_child(self, child: PlainItem) -> None:
                configured.append(child.name())

        class Typed(gf.Map[PlainItem]):
            def _get_mapped_item_type(self, name: str) -> type[PlainItem]:
                return PlainItem

        assert Hooked._gf_fast_items is None
        assert Typed._gf_fast_items is None
        project = type("HookedP", (gf.Object,), {"h": gf.Child(Hooked), "t": gf.Child(Typed)})
        flow_project = gf.Flow().create_project("p", project)
        flow_project.h.add_many(["x"])
        flow_project.t.add_many(["y"])
        assert flow_project.h["x"].status.get() == "wip"
        assert configured == ["x"]
        assert type(flow_project.t["y"]) is PlainItem

    def test_an_item_stored_with_its_own_type_is_built_with_it(self) -> None:
        class Special(PlainItem):
            pass

        things = a_map(Holder, PlainItem)
        things.add("s", object_type=Special)
        fresh = gf.Flow(store=things.root().store()).project("p").things
        assert type(fresh["s"]) is Special
        assert manager_state(fresh["s"]) == manager_state(Special(fresh, "s"))


class PlainPathStore(gf.MemoryStore):
    """A MemoryStore that is not one exactly: it is read through its methods, where a
    MemoryStore is read directly by the fast paths below."""


def failing_batch(store: gf.Store, work: Any) -> None:
    """Do ``work()`` in a batch of ``store`` that then fails (rolled back)."""
    with store.batch():
        work()
        raise RuntimeError


class TypedItem(PlainItem):
    """An item type stored with its item (the map's own type is stored as nothing)."""


class StoryProject(Holder):
    things = gf.Child(items_of(PlainItem))


def map_story(store: gf.MemoryStore) -> list[Any]:
    """What a fresh map's ``map[name]`` gives on ``store`` through adds, typed items,
    misses, removals, batches and a second flow: the same on either path."""
    seen: list[Any] = []
    writer = gf.Flow(store=store).create_project("p", StoryProject).things
    writer.add_many(["a", "b", "\u00e9t\u00e9"])
    writer.add("typed", object_type=TypedItem)

    def fresh() -> Any:
        return gf.Flow(store=store).project("p").things

    def look(things: Any, name: Any) -> Any:
        try:
            item = things[name]
        except Exception as exc:  # the same error, word for word
            return type(exc), str(exc)
        return type(item), item.name(), item.oid(), item.status.get(), things[name] is item

    def looks() -> list[Any]:
        things = fresh()
        return [look(things, name) for name in ("a", "typed", "e\u0301te\u0301", "nope", 3)]

    seen.append(looks())
    with pytest.raises(gf.ExistsError) as taken:
        writer.add("a")
    seen.append(str(taken.value))
    with store.batch():
        writer.add("in_batch")
        seen.append(look(fresh(), "in_batch"))
    with pytest.raises(RuntimeError):
        failing_batch(
            store, lambda: (writer.add("rolled_back"), seen.append(look(fresh(), "rolled_back")))
        )
    seen.append(look(fresh(), "rolled_back"))
    writer.remove("b")
    seen.append((look(fresh(), "b"), looks()))
    writer.clear()
    seen.append(looks())
    things = fresh()
    store.close()
    with pytest.raises(gf.StoreError, match="closed"):
        things["a"]
    return seen


class TestMemoryStoreItems:
    """W1_cold: Map.__getitem__ reads a MemoryStore's ordered map without calling
    ordered_get(); W1_add: Map.add adds one name with MemoryStore._add_name()."""

    def test_the_fast_path_builds_what_ordered_get_leads_to(self) -> None:
        assert map_story(gf.MemoryStore()) == map_story(PlainPathStore())

    def test_the_first_name_makes_the_map_as_ordered_add_does(self) -> None:
        one, many = gf.MemoryStore(), gf.MemoryStore()
        with one.batch(), many.batch():
            one._add_name("/p/m", "a")
            many.ordered_add("/p/m", {"a": None})
        assert one._ordered == many._ordered
        assert one._children == many._children
        with pytest.raises(RuntimeError):
            failing_batch(one, lambda: one._add_name("/p/n", "a"))
        assert one.ordered_len("/p/n") == 0
        assert one.ordered_range("/p/m") == ["a"]

    def test_the_fast_path_is_taken_on_a_memory_store_only(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        asked: list[str] = []
        plain_get = gf.MemoryStore.ordered_get

        def counted(store: gf.MemoryStore, key: str, name: str, default: Any = None) -> Any:
            if key == "/p/things":
                asked.append(name)
            return plain_get(store, key, name, default)

        monkeypatch.setattr(gf.MemoryStore, "ordered_get", counted)
        for store in (gf.MemoryStore(), PlainPathStore()):
            gf.Flow(store=store).create_project("p", StoryProject).things.add_many(["a"])
            assert type(gf.Flow(store=store).project("p").things["a"]) is PlainItem
        assert asked == ["a"]  # the subclass's read only


# -- value handles: Param.__get__ and Param.create against the class call ----------------


class Inner(gf.Object):
    level = gf.IntParam(2)


class WithParams(gf.Object):
    status = gf.StringParam("wip")
    inner = gf.Child(Inner)


class WithParamsItems(gf.Map[WithParams]):
    pass


class ParamProject(gf.Object):
    status = gf.StringParam("top")
    inner = gf.Child(Inner)
    items = gf.Child(WithParamsItems)


def handle_state(value: Any) -> tuple[Any, ...]:
    return (type(value), value._parent, value._relation, value._key, value._store)


def param_owners(flow: gf.Flow) -> list[tuple[gf.Object, str]]:
    """Objects whose oid is known, not yet known, a map item and below a map item."""
    project = flow.create_project("p", ParamProject)
    project.items.add_many(["sh010"])
    item = project.items["sh010"]
    fresh = gf.Flow(store=flow.store()).project("p")
    return [
        (project, "status"),
        (fresh.inner, "level"),  # its oid not made yet
        (item, "status"),
        (item.inner, "level"),
    ]


class TestValueHandles:
    """W1_cold and W2_cold make value handles without the class call."""

    def test_a_first_read_makes_the_handle_the_class_call_makes(self) -> None:
        for obj, name in param_owners(gf.Flow()):
            relation = type(obj)._gf_by_name[name]
            read = getattr(obj, name)
            called = relation._value_class(obj, relation)
            assert handle_state(read) == handle_state(called)
            assert read._key == obj._mng.child_oid(name)
            assert getattr(obj, name) is read  # cached

    def test_create_makes_the_handle_the_class_call_makes(self) -> None:
        for obj, name in param_owners(gf.Flow()):
            relation = type(obj)._gf_by_name[name]
            made = relation.create(obj)
            assert handle_state(made) == handle_state(relation._value_class(obj, relation))

    def test_a_value_class_with_its_own_constructor_is_called(self) -> None:
        class Noted(gf.ParamValue[str]):
            def __init__(self, parent: gf.Object, relation: Any) -> None:
                super().__init__(parent, relation)
                self.note = "made by __init__"

        class Holds(gf.Object):
            noted = gf.Param("x", Noted)

        assert not Noted._gf_plain_init
        holds = gf.Flow().create_project("p", Holds)
        assert holds.noted.note == "made by __init__"
        assert holds.noted.get() == "x"

    def test_a_param_class_creating_its_own_way_reads_as_any_relation(self) -> None:
        made: list[str] = []

        class Logged(gf.StringParam):
            __slots__ = ()

            def create(self, parent: gf.Object) -> Any:
                made.append(self.name)
                return super().create(parent)

        class Holds(gf.Object):
            logged = Logged("x")

        assert Logged.__get__ is gf.Relation.__get__
        assert gf.StringParam.__get__ is not gf.Relation.__get__
        assert gf.Flow().create_project("p", Holds).logged.get() == "x"
        assert made == ["logged"]


class Readings(gf.Object):
    status = gf.StringParam("wip")
    count = gf.IntParam(3)
    tags = gf.Param(["a"])
    extra = gf.DictParam()
    note = gf.Param()


READ = ("status", "count", "tags", "extra", "note")


def reads(obj: Any) -> dict[str, Any]:
    return {name: getattr(obj, name).get() for name in READ}


def store_story(store: gf.MemoryStore) -> list[Any]:
    """What params read on ``store`` through a life of writes, batches, transactions,
    a second flow and deletions: the same on either path."""
    seen: list[Any] = []
    obj = gf.Flow(store=store).create_project("p", Readings)
    other = gf.Flow(store=store).project("p")  # another flow on the same store
    seen.append(reads(obj))  # defaults, containers made per read
    first, second = obj.tags.get(), obj.tags.get()
    first.append("mutated")
    seen.append((second, obj.tags.get(), obj.extra.get() is not obj.extra.get()))
    obj.status.set("done")
    obj.count.set(7)
    obj.tags.set(["x", "y"])
    obj.extra.set({"k": [1, 2.5, None]})
    obj.note.set(1.5)
    seen.append((reads(obj), reads(other)))
    got = obj.extra.get()
    got["k"].append("mutated")  # a read is a copy: the store keeps its value
    seen.append(obj.extra.get())
    with store.batch():
        obj.status.set("in batch")
        seen.append((obj.status.get(), other.status.get()))
    with pytest.raises(RuntimeError):
        failing_batch(store, lambda: (obj.tags.set(["rolled back"]), seen.append(obj.tags.get())))
    seen.append(reads(obj))
    with store.transaction():
        obj.count.set(8)
        seen.append(other.count.get())
    seen.append(store.transaction(lambda: obj.count.get()))
    obj.status.revert_to_default()
    store.delete(obj.note.oid())
    seen.append(reads(other))
    store.close()
    with pytest.raises(gf.StoreError, match="closed"):
        obj.status.get()
    return seen


class TestMemoryStoreReads:
    """W1_warm: ParamValue.get reads a MemoryStore's table without calling get() (for
    a param whose default is not made per read)."""

    def test_the_fast_path_reads_what_get_reads(self) -> None:
        assert store_story(gf.MemoryStore()) == store_story(PlainPathStore())

    def test_the_fast_path_is_taken_on_a_memory_store_only(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        called: list[str] = []
        plain_get = gf.MemoryStore.get

        def counted(store: gf.MemoryStore, key: str, default: Any = None) -> Any:
            called.append(key)
            return plain_get(store, key, default)

        monkeypatch.setattr(gf.MemoryStore, "get", counted)
        fast = gf.Flow(store=gf.MemoryStore()).create_project("p", Readings)
        plain = gf.Flow(store=PlainPathStore()).create_project("p", Readings)
        assert reads(fast) == reads(plain)
        # A default made per read (a factory, a literal list) goes through get() on
        # either store; the others only on the subclass.
        assert called == ["/p/tags", "/p/extra", *(f"/p/{name}" for name in READ)]

    def test_a_converted_value_still_reads_through_its_param(self) -> None:
        class Dated(gf.Object):
            when = gf.Param(None, value_type=tuple[int, int])

        obj = gf.Flow().create_project("p", Dated)
        obj.when.set((1, 2))
        assert obj.when.get() == (1, 2)


# -- dynamic relations: the uncontested table, in-place naming, per-type factories -------


class Form(Extendable):
    status = gf.StringParam("base")


class Forms(gf.Map[Form]):
    pass


class FormProject(gf.Object):
    forms = gf.Child(Forms)


KEPT: list[gf.Relation[Any]] = []


@dynamic_relation("review", target=Form, weight=3)
def fresh_review(parent: Form) -> gf.Relation[str]:
    return gf.StringParam("pending")


@dynamic_relation("notes", target=Form, index=None)
def kept_notes(parent: Form) -> gf.Relation[str]:
    relation = gf.StringParam("")
    KEPT.append(relation)  # the factory keeps it: it must never be named in place
    return relation


@dynamic_relation("review", target=Form, weight=1)
def rival_review(parent: Form) -> gf.Relation[str]:
    return gf.StringParam("rival")


def install_uncontested(session: gf.Session) -> dict[str, list[Any]]:
    return {"forms": [fresh_review, kept_notes]}


def install_contested(session: gf.Session) -> dict[str, list[Any]]:
    return {"forms": [fresh_review, kept_notes, rival_review]}


#: Every distribution the test env installs with graftflow entry points.
BLOCKED = "gftest-pipeline gftest-review gftest-show graftflow-review-example"


def session_of(installers: str) -> gf.Session:
    """A session of ``installers`` alone: the test env's installed extensions (a plain
    factory for every type among them) would take part too."""
    return gf.Session(environ={"GRAFTFLOW_INSTALLERS": installers, "GRAFTFLOW_BLOCKED": BLOCKED})


def forms(installers: str, n: int = 3) -> Any:
    project = gf.Flow(session_of(installers)).create_project("p", FormProject)
    project.forms.add_many([f"f{i}" for i in range(n)])
    return project.forms


def table_view(obj: Any) -> dict[str, tuple[Any, ...]]:
    """The object's winner table, relations by kind, name and default."""
    table = obj._mng._offers()
    return {
        name: (type(won[0]), won[0].name, won[0].default, won[1], won[2], won[3].qualname, won[4])
        for name, won in table.items()
    }


class TestUncontestedTables:
    """W2_cold: a class whose factories cannot contest fills its table directly."""

    def test_the_direct_table_is_the_contested_one(self) -> None:
        direct = forms(f"{MODULE}:install_uncontested")["f0"]
        direct.status.get()
        contest = forms(f"{MODULE}:install_contested")["f0"]
        contest.status.get()
        plan = registry(direct.root().session()).plans[Form]
        assert plan.uncontested
        assert not registry(contest.root().session()).plans[Form].uncontested
        # The same winners, placed and weighed alike, and described alike.
        mine, theirs = table_view(direct), table_view(contest)
        assert mine["notes"] == theirs["notes"]
        assert mine["review"][:6] == theirs["review"][:6]
        assert [r.name for r in gf.relations(direct)] == [r.name for r in gf.relations(contest)]
        assert describe(direct)[0].beaten == ()
        assert [b.weight for b in describe(contest)[0].beaten] == [1]

    def test_a_fresh_relation_is_named_in_place_a_kept_one_copied(self) -> None:
        KEPT.clear()
        item = forms(f"{MODULE}:install_uncontested")["f1"]
        assert item.notes.get() == ""
        assert [relation.name for relation in KEPT] == [""]  # the factory's stays unnamed
        assert item.notes.relation is not KEPT[0]
        assert item.review.relation.name == "review"
        assert sys.getrefcount(item.review.relation) > 2  # held by the table now

    def test_each_object_gets_its_own_relations(self) -> None:
        many = forms(f"{MODULE}:install_uncontested")
        a, b = many["f0"], many["f1"]
        assert a.review.relation is not b.review.relation
        assert a.review.get() == b.review.get() == "pending"


class Sheet(Extendable):
    status = gf.StringParam("base")


class Sheets(gf.Map[Sheet]):
    pass


class SheetProject(gf.Object):
    sheets = gf.Child(Sheets)


@dynamic_relation("first", target=Sheet, weight=2)
def first(parent: Sheet) -> Any:
    return gf.StringParam("a")


@dynamic_relation("indexed", target=Sheet)
def indexed(parent: Sheet) -> Any:
    return gf.StringParam("i", index=1)  # its own index: after status


@dynamic_relation("second", target=Sheet)
def second(parent: Sheet) -> Any:
    return [gf.StringParam("b")]  # a list: not bare


@dynamic_relation("third", target=Sheet, index=0)
def third(parent: Sheet) -> Any:
    return gf.IntParam(3, index=5)


@dynamic_relation("fourth", target=Sheet)
def fourth(parent: Sheet) -> Any:
    raise RuntimeError(f"no fourth for {parent.name()}")


@dynamic_relation("fifth", target=Sheet)
def fifth(parent: Sheet) -> Any:
    return None


@dynamic_relation("sixth", target=Sheet)
def sixth(parent: Sheet) -> Any:
    relation = gf.StringParam("f")
    relation.name = "wrong"
    return relation


def nothing(parent: gf.Object) -> None:
    """A plain factory (no name of its own): the class's plan is no longer direct."""


def install_bare(session: gf.Session) -> dict[str, list[Any]]:
    return {"sheets": [first, fourth, fifth, indexed]}


def install_odd(session: gf.Session) -> dict[str, list[Any]]:
    return {"sheets": [first, second, third, fourth, fifth, sixth]}


def install_bare_general(session: gf.Session) -> dict[str, list[Any]]:
    return {"sheets": [first, fourth, fifth, indexed, nothing]}


def install_odd_general(session: gf.Session) -> dict[str, list[Any]]:
    return {"sheets": [first, second, third, fourth, fifth, sixth, nothing]}


def sheet(installers: str) -> Any:
    project = gf.Flow(session_of(installers)).create_project("p", SheetProject)
    project.sheets.add_many(["s0", "s1"])
    return project.sheets["s1"]


def seen(obj: Any) -> tuple[Any, ...]:
    """All that an object's extension shows: winners, order, descriptions, values,
    the session's diagnostics."""
    session = obj.root().session()
    return (
        table_view(obj),
        [relation.name for relation in gf.relations(obj)],
        # the installers' names aside (the general way's end in "_general")
        [str(record).replace("_general", "") for record in describe(obj)],
        {relation.name: getattr(obj, relation.name).get() for relation in gf.relations(obj)},
        sorted((d.message, d.factory) for d in session.diagnostics),
    )


class TestDirectTables:
    """W2_cold: under a direct plan (every factory a @dynamic_relation of its own
    name), an object's table holds each relation bare; the rest of each offer is the
    plan's. What the object shows is what the general way shows."""

    @pytest.mark.parametrize("installers", ["install_bare", "install_odd"])
    def test_the_same_as_the_general_way(self, installers: str) -> None:
        direct = sheet(f"{MODULE}:{installers}")
        general = sheet(f"{MODULE}:{installers}_general")
        assert seen(direct) == seen(general)
        assert registry(direct.root().session()).plans[Sheet].direct is not None
        assert registry(general.root().session()).plans[Sheet].direct is None

    def test_bare_relations_then_whole_offers(self) -> None:
        """Bare as long as every answer is an unnamed relation; from the first other
        answer on, the table holds whole offers, the bare ones made whole."""
        bare = sheet(f"{MODULE}:install_bare")
        bare.status.get()
        assert [type(won) for won in bare._mng._table.values()] == [gf.StringParam] * 2
        assert bare._mng._table["first"] is bare.first.relation
        odd = sheet(f"{MODULE}:install_odd")
        odd.status.get()
        assert all(type(won) is tuple for won in odd._mng._table.values())
        assert list(odd._mng._table) == ["first", "second", "third"]
        assert odd._mng._table["first"][1:4] == (
            2,
            0,
            registry(odd.root().session()).plans[Sheet].entries["first"],
        )

    def test_a_reload_builds_it_again(self) -> None:
        obj = sheet(f"{MODULE}:install_bare")
        before = obj.first
        obj.root().session().reload_extensions()
        assert obj.first is not before  # the winner changed: a new relation per build
        assert obj.first.get() == "a"
        assert describe(obj)[0].name == "first"


@dynamic_relation("grown")
def grown(parent: gf.Object) -> gf.Child[Any]:
    return gf.Child(Bough)


class Bough(Extendable):
    _PROPAGATE_MANAGER_TYPE = True
    leaf = gf.IntParam(1)


class Root(Extendable):
    _PROPAGATE_MANAGER_TYPE = True


class Branches(gf.Map[Root]):
    pass


class BranchProject(gf.Object):
    branches = gf.Child(Branches)


def install_grown(session: gf.Session) -> dict[str, list[Any]]:
    return {"grown": [grown]}


def test_a_direct_factory_skips_the_subtree_it_created() -> None:
    """The factory behind a bare relation is known to what it built below: it is not
    applied there (the seed's infinite extension branch)."""
    root = gf.Flow(session_of(f"{MODULE}:install_grown")).create_project("p", Root)
    assert type(root._mng._dynamic()["grown"]) is gf.Child  # bare
    assert [r.name for r in gf.relations(root.grown)] == ["leaf"]
    assert not hasattr(root.grown, "grown")
    assert root.grown.leaf.get() == 1


CALLED: list[str] = []


@dynamic_relation("review", target=Form, weight=3)
def object_review(parent: Form) -> gf.Relation[str]:
    CALLED.append(f"review {parent.name()}")
    return gf.StringParam("pending")


def object_plain(parent: gf.Object) -> Any:
    CALLED.append(f"plain {parent.name()}")
    if not isinstance(parent, Form):
        return None
    relation = gf.IntParam(7)
    relation.name = "count"
    return relation, 2


#: The same two factories, declared per-type.
typed_review = per_type(object_review)
typed_plain = per_type(object_plain)


@per_type
def typed_failing(parent: gf.Object) -> Any:
    CALLED.append(f"failing {parent.name()}")
    raise RuntimeError("no luck")


def install_typed(session: gf.Session) -> dict[str, list[Any]]:
    return {"typed": [typed_review, typed_plain]}


def install_per_object(session: gf.Session) -> dict[str, list[Any]]:
    return {"typed": [object_review, object_plain]}


def install_mixed(session: gf.Session) -> dict[str, list[Any]]:
    return {"typed": [typed_review, object_plain, typed_failing]}


class TestPerTypeFactories:
    """W2t and W2pt: per_type() factories are asked once per class and shared."""

    def setup_method(self) -> None:
        CALLED.clear()

    def test_asked_once_per_class_and_the_table_shared(self) -> None:
        many = forms(f"{MODULE}:install_typed", n=4)
        values = [(many[n].review.get(), many[n].count.get()) for n in ("f0", "f1", "f2", "f3")]
        assert values == [("pending", 7)] * 4
        assert CALLED == ["review f0", "plain f0"]
        assert many["f0"]._mng._table is many["f3"]._mng._table
        assert many["f0"].review.relation is many["f3"].review.relation

    def test_the_same_winners_as_per_object_factories(self) -> None:
        typed = forms(f"{MODULE}:install_typed")["f0"]
        per_object = forms(f"{MODULE}:install_per_object")["f0"]
        typed.status.get(), per_object.status.get()
        assert table_view(typed).keys() == table_view(per_object).keys()
        for name in ("review", "count"):
            assert table_view(typed)[name][:5] == table_view(per_object)[name][:5]
        assert [(r.name, r.weight, r.index) for r in describe(typed)] == [
            (r.name, r.weight, r.index) for r in describe(per_object)
        ]

    def test_mixed_with_per_object_factories(self) -> None:
        """Per-object factories still run for every object; a failing per-type one is
        reported once and answers nothing."""
        many = forms(f"{MODULE}:install_mixed")
        assert [many[n].count.get() for n in ("f0", "f1", "f2")] == [7, 7, 7]
        assert [many[n].review.get() for n in ("f0", "f1")] == ["pending", "pending"]
        assert CALLED == ["review f0", "plain f0", "failing f0", "plain f1", "plain f2"]
        session = many.root().session()
        failures = [d for d in session.diagnostics if "no luck" in d.message]
        assert len(failures) == 1
        assert many["f0"]._mng._table is not many["f1"]._mng._table

    def test_a_reload_asks_again(self) -> None:
        """The answers belong to the session's registry: a reload asks again (the built
        object that refreshes first), once."""
        many = forms(f"{MODULE}:install_typed")
        many["f0"].review.get()
        many.root().session().reload_extensions()
        assert many["f1"].review.get() == many["f2"].review.get() == "pending"
        assert CALLED == ["review f0", "plain f0"] * 2

    def test_per_type_marks_and_keeps_what_it_wraps(self) -> None:
        assert per_type(typed_plain) is typed_plain
        assert typed_review.per_type
        assert not object_review.per_type
        assert (typed_review.name, typed_review.weight, typed_review.target) == (
            "review",
            3,
            (Form,),
        )
        assert typed_plain(gf.Flow().create_project("p", FormProject)) is None
        assert "per_type" in repr(typed_plain)
        assert "per type" in repr(typed_review)
        with pytest.raises(TypeError, match="per_type\\(\\) takes a factory"):
            per_type(42)  # type: ignore[arg-type]


# -- lean items: W2t's items built without their managers -----------------------------


class Ledger(Extendable):
    """Lean items' class of their own: which Served a name gets is decided once per
    class and process (a plain one, if a session with per-object factories served it
    first), so these tests share it with no other."""

    status = gf.StringParam("base")


class Ledgers(gf.Map[Ledger]):
    pass


class LedgerProject(gf.Object):
    ledgers = gf.Child(Ledgers)


class Journal(Ledger):
    """A subclass whose per-type factory offers a base relation's name."""


class Journals(gf.Map[Journal]):
    pass


class JournalProject(gf.Object):
    journals = gf.Child(Journals)


@per_type
@dynamic_relation("review", target=Ledger, weight=3)
def ledger_review(parent: Ledger) -> gf.Relation[str]:
    CALLED.append(f"review {parent.name()}")
    return gf.StringParam("pending")


@per_type
def ledger_count(parent: gf.Object) -> Any:
    CALLED.append(f"count {parent.name()}")
    if not isinstance(parent, Ledger):
        return None
    relation = gf.IntParam(7)
    relation.name = "count"
    return relation, 2


@per_type
@dynamic_relation("status", target=Journal, weight=5)
def journal_status(parent: Journal) -> gf.Relation[str]:
    return gf.StringParam("overridden")


def install_ledgers(session: gf.Session) -> dict[str, list[Any]]:
    return {"ledgers": [ledger_review, ledger_count, journal_status]}


def ledgers(n: int = 4) -> Any:
    project = gf.Flow(session_of(f"{MODULE}:install_ledgers")).create_project("p", LedgerProject)
    project.ledgers.add_many([f"l{i}" for i in range(n)])
    return project.ledgers


def has_manager(obj: Any) -> bool:
    """Whether ``obj``'s manager was made (reading ``obj._mng`` would make it)."""
    try:
        Place.__dict__["_mng"].__get__(obj, type(obj))
    except AttributeError:
        return False
    return True


class TestLeanItems:
    """W2t and W2pt: once a class's per-type factories have given it its shared table, a
    plain map builds its items without their managers and they are served from that
    table; whatever needs the manager makes it, and it takes the table over."""

    def setup_method(self) -> None:
        CALLED.clear()

    def test_items_after_the_first_are_lean_and_read_alike(self) -> None:
        many = ledgers()
        first = many["l0"]
        assert has_manager(first)  # the first: no shared table to serve it from yet
        assert (first.review.get(), first.count.get()) == ("pending", 7)
        shared = first._mng._table
        lean = many["l1"]
        assert not has_manager(lean)
        assert lean._gf_up is many._mng
        assert lean._gf_dyn is shared
        assert (lean.review.get(), lean.count.get(), lean.status.get()) == ("pending", 7, "base")
        assert not has_manager(lean)  # served without it
        assert lean.review.relation is first.review.relation
        assert lean.review._key == "/p/ledgers/l1/review"
        lean.review.set("done")
        lean.status.set("open")
        store = many._mng.store
        assert (store.get("/p/ledgers/l1/review"), store.get("/p/ledgers/l1/status")) == (
            "done",
            "open",
        )
        assert CALLED == ["review l0", "count l0"]  # asked once, for the class
        assert type(Ledger.__dict__["review"]).__name__ == "LeanServed"

    def test_its_manager_is_the_one_a_managed_item_has(self) -> None:
        many = ledgers()
        managed = many["l0"]
        managed.review.get()
        lean = many["l1"]
        assert lean.review.get() == "pending"
        # Asking for the manager makes it (describe() does), with the shared table.
        assert [(r.name, r.weight, r.index) for r in describe(lean)] == [
            (r.name, r.weight, r.index) for r in describe(managed)
        ]
        assert has_manager(lean)
        assert lean._gf_up is None
        assert lean._mng._table is managed._mng._table
        assert table_view(lean) == table_view(managed)
        assert [r.name for r in gf.relations(lean)] == [r.name for r in gf.relations(managed)]
        mine, theirs = manager_state(lean), manager_state(managed)
        assert mine.pop("name") == "l1"
        assert theirs.pop("name") == "l0"
        assert mine.pop("object is obj")
        assert theirs.pop("object is obj")
        assert mine == theirs
        assert lean.oid() == "/p/ledgers/l1"
        assert lean.review.get() == "pending"  # the handle it kept

    def test_a_reload_reaches_lean_items(self) -> None:
        many = ledgers()
        many["l0"].review.get()
        read, unread = many["l1"], many["l2"]
        old = read.review.relation
        assert unread.status.get() == "base"
        assert not has_manager(read)
        assert not has_manager(unread)
        many.root().session().reload_extensions()
        # Every built item has its manager now, and the new winners.
        assert has_manager(read)
        assert has_manager(unread)
        assert read.review.relation is not old
        assert read.review.relation is many["l0"].review.relation
        assert unread.review.get() == "pending"
        assert unread.status.get() == "base"
        assert has_manager(many["l3"])  # items built since: managed (lean until a reload)
        # Asked again once, by the built item that refreshed first.
        assert CALLED[:2] == ["review l0", "count l0"]
        assert len(CALLED) == 4

    def test_not_lean_where_a_contest_can_be_held(self) -> None:
        """A per-type factory offering a base relation's name: the core could not serve
        that name to a lean item without asking, so none is lean."""
        project = gf.Flow(session_of(f"{MODULE}:install_ledgers")).create_project(
            "p", JournalProject
        )
        project.journals.add_many(["j0", "j1", "j2"])
        assert project.journals["j0"].status.get() == "overridden"
        later = project.journals["j1"]
        assert has_manager(later)
        assert later.status.get() == "overridden"

    @pytest.mark.parametrize("installers", ["install_per_object", "install_mixed"])
    def test_not_lean_where_plain_factories_run_per_object(self, installers: str) -> None:
        """A plain factory runs for every object and may answer anything: its objects
        keep their managers (a direct plan's do not: see TestLeanDirectItems)."""
        many = forms(f"{MODULE}:{installers}")
        many["f0"].status.get()
        assert has_manager(many["f1"])

    def test_a_lean_item_reached_through_a_plain_served_name(self) -> None:
        """A name served before for objects that were never lean (a plain Served): a
        lean item reading it is served by the manager made for it then."""
        many = ledgers()
        many["l0"].review.get()
        lean = many["l1"]
        plain = Served("count")
        with_plain = contextlib.ExitStack()
        previous = Ledger.__dict__.get("count")
        type.__setattr__(Ledger, "count", plain)
        with_plain.callback(type.__setattr__, Ledger, "count", previous)
        with with_plain:
            assert lean.count.get() == 7
            assert has_manager(lean)


# -- lean items of direct plans: W2_cold's items built without their managers ----------


class Card(Extendable):
    """Lean direct items' class of their own (see Ledger)."""

    status = gf.StringParam("base")


class Cards(gf.Map[Card]):
    pass


class CardProject(gf.Object):
    cards = gf.Child(Cards)


#: Set by a test: the thread card_front holds up (until ``go`` is set) for card "c2".
SLOW: dict[str, Any] = {}


class Stop(BaseException):
    """What a card factory raises when a test asks it to (``SLOW["stop"]``): not an
    Exception, so not a factory failure to report but an interruption to pass on."""


@dynamic_relation("front", target=Card, weight=2)
def card_front(parent: Card) -> gf.Relation[str]:
    CALLED.append(f"front {parent.name()}")
    if SLOW.get("stop") == "front":
        raise Stop
    if SLOW.get("thread") is threading.current_thread() and parent.name() == "c2":
        SLOW["waiting"].set()
        assert SLOW["go"].wait(10)
    return gf.StringParam("a")


@dynamic_relation("back", target=Card, index=0)
def card_back(parent: Card) -> Any:
    CALLED.append(f"back {parent.name()}")
    return [gf.StringParam("b")]  # a list: not bare


@dynamic_relation("broken", target=Card)
def card_broken(parent: Card) -> Any:
    CALLED.append(f"broken {parent.name()}")
    raise RuntimeError(f"no broken card for {parent.name()}")


@dynamic_relation("peek", target=Card)
def card_peek(parent: Card) -> gf.Relation[int]:
    # Reads a base relation of its own object while its table is built.
    CALLED.append(f"peek {parent.name()} {parent.status.get()}")
    if SLOW.get("stop") == "peek":
        raise Stop
    return gf.IntParam(1)


@dynamic_relation("pry", target=Card)
def card_pry(parent: Card) -> Any:
    # Asks for a dynamic relation of its own object while its table is built: there is
    # none yet (the base relations only).
    CALLED.append(f"pry {parent.name()} {hasattr(parent, 'front')}")
    return None


@dynamic_relation("blank", target=Card)
def card_blank(parent: Card) -> Any:
    # Offers a name it never gives.
    CALLED.append(f"blank {parent.name()}")
    return None


@dynamic_relation("status", target=Card, weight=5)
def card_status(parent: Card) -> gf.Relation[str]:
    return gf.StringParam("overridden")


#: Installers by name: the direct plans, and each with a plain factory (the general way).
#: "one" answers one bare relation, which the item keeps as its table.
CARDS: dict[str, list[Any]] = {
    "one": [card_front, card_blank],
    "bare": [card_front, card_peek],
    "odd": [card_front, card_back, card_broken, card_pry, card_peek],
}
RELOADED: dict[str, bool] = {}


def install_cards(session: gf.Session) -> dict[str, list[Any]]:
    factories = list(CARDS[session.environ["CARDS"]])
    if RELOADED.get("contest"):  # a reload brings a factory overriding a base relation
        factories.append(card_status)
    return {"cards": factories}


def install_cards_general(session: gf.Session) -> dict[str, list[Any]]:
    return {"cards": [*CARDS[session.environ["CARDS"]], nothing]}


def cards(kind: str, general: bool = False) -> Any:
    """Four cards, the first read (its manager builds the class's plan) and the rest
    not yet built."""
    installer = f"{MODULE}:install_cards{'_general' if general else ''}"
    session = gf.Session(
        environ={"GRAFTFLOW_INSTALLERS": installer, "GRAFTFLOW_BLOCKED": BLOCKED, "CARDS": kind}
    )
    project = gf.Flow(session).create_project("p", CardProject)
    project.cards.add_many(["c0", "c1", "c2", "c3"])
    assert project.cards["c0"].status.get() == "base"
    return project.cards


class TestLeanDirectItems:
    """W2_cold: once a class's plan is direct (every factory a @dynamic_relation of a
    name of its own, none a base relation's), a plain map builds its items without
    their managers; the first read of a dynamic relation runs the factories into the
    item's own table. What such an item shows is what a managed one shows."""

    def setup_method(self) -> None:
        CALLED.clear()
        SLOW.clear()
        RELOADED.clear()

    @pytest.mark.parametrize("kind", ["one", "bare", "odd"])
    def test_lean_until_asked_and_seen_as_managed(self, kind: str) -> None:
        lean_map, managed_map = cards(kind), cards(kind, general=True)
        plan = registry(lean_map.root().session()).plans[Card]
        assert plan.direct is not None
        assert registry(managed_map.root().session()).plans[Card].direct is None
        lean, managed = lean_map["c1"], managed_map["c1"]
        assert has_manager(managed)
        assert not has_manager(lean)
        assert lean._gf_dyn is plan
        assert lean.name() == "c1"  # from the item itself
        assert not has_manager(lean)
        CALLED.clear()
        # A base relation is served without the factories: none can contest it.
        assert lean.status.get() == "base"
        assert CALLED == []
        assert lean.front.get() == managed.front.get() == "a"
        # Each factory ran once per item, in order, and read its own item alike.
        once = {
            "one": ["front c1", "blank c1"],
            "bare": ["front c1", "peek c1 base"],
            "odd": ["front c1", "back c1", "broken c1", "pry c1 False", "peek c1 base"],
        }
        assert once[kind] * 2 == CALLED
        if kind == "one":  # served from its own table of one: the relation itself
            assert not has_manager(lean)
            assert lean._gf_dyn is lean.front.relation
        elif kind == "bare":  # served from its own table, still without a manager
            assert not has_manager(lean)
            assert type(lean._gf_dyn) is dict
            assert lean._gf_dyn["front"] is lean.front.relation
        else:  # an odd answer or a failure is the manager's to take and report
            assert has_manager(lean)
            assert lean._mng._table is lean._gf_dyn
        assert seen(lean) == seen(managed)
        # The manager made for describe() took the table over, a table of one included.
        assert has_manager(lean)
        won = lean._mng._table["front"]  # an offer, once an answer was odd
        assert (won[0] if type(won) is tuple else won) is lean.front.relation
        assert manager_state(lean).keys() == manager_state(managed).keys()
        assert [r.name for r in describe(lean)] == [r.name for r in describe(managed)]
        assert lean.oid() == "/p/cards/c1"
        assert lean_map._mng.store.get("/p/cards/c1/front", None) is None
        lean.front.set("done")
        assert lean_map._mng.store.get("/p/cards/c1/front") == "done"

    @pytest.mark.parametrize("kind", ["one", "bare", "odd"])
    def test_asked_for_its_manager_before_any_dynamic_read(self, kind: str) -> None:
        lean_map, managed_map = cards(kind), cards(kind, general=True)
        lean, managed = lean_map["c2"], managed_map["c2"]
        assert lean.status.get() == "base"
        assert not has_manager(lean)
        assert seen(lean) == seen(managed)  # describe() made the manager: it built the table
        assert has_manager(lean)
        assert lean._gf_up is None
        assert manager_state(lean).keys() == manager_state(managed).keys()
        assert lean.front.get() == "a"

    @pytest.mark.parametrize("first", ["front", "blank"])
    def test_a_table_of_one_asked_for_another_name(self, first: str) -> None:
        """A name the plan offers but no factory answered (blank gives None): the item's
        manager says there is no such relation, as a managed item's does, whether it
        is asked before or after the name the table holds."""
        lean_map, managed_map = cards("one"), cards("one", general=True)
        lean, managed = lean_map["c1"], managed_map["c1"]
        CALLED.clear()
        if first == "front":
            assert lean.front.get() == "a"
            assert lean._gf_dyn is lean.front.relation
            assert not has_manager(lean)
        with pytest.raises(AttributeError) as lean_error:
            lean.blank
        with pytest.raises(AttributeError) as managed_error:
            managed.blank
        assert type(lean_error.value) is type(managed_error.value)
        assert str(lean_error.value) == str(managed_error.value)
        assert has_manager(lean)  # made to answer: it took the table of one over
        assert lean.front.get() == "a"
        assert lean._mng._table["front"] is lean.front.relation
        assert CALLED.count("front c1") == 2  # once per item, lean and managed
        assert seen(lean) == seen(managed)

    @pytest.mark.parametrize("kind", ["one", "bare"])
    def test_a_reload_makes_managers_and_evicts_what_base_relations_built(self, kind: str) -> None:
        many = cards(kind)
        read, unread = many["c1"], many["c2"]
        assert read.front.get() == "a"
        old = read.front.relation
        status = unread.status  # a base relation's handle, kept on the item
        assert unread.status is status
        assert not has_manager(read)
        assert not has_manager(unread)
        RELOADED["contest"] = True
        many.root().session().reload_extensions()
        assert has_manager(read)
        assert has_manager(unread)
        assert read.front.relation is not old
        # A factory now overrides the base relation: what it built before is gone.
        assert unread.status is not status
        assert unread.status.get() == read.status.get() == "overridden"
        assert has_manager(many["c3"])  # built since: managed
        assert many["c3"].status.get() == "overridden"

    @pytest.mark.parametrize("kind", ["one", "bare"])
    def test_an_interruption_leaves_the_item_as_it_was(self, kind: str) -> None:
        many = cards(kind)
        item = many["c1"]
        plan = item._gf_dyn
        SLOW["stop"] = "front"
        with pytest.raises(Stop):
            item.front.get()
        assert item._gf_dyn is plan
        assert not has_manager(item)
        SLOW.clear()
        assert item.front.get() == "a"
        assert type(item._gf_dyn) is (dict if kind == "bare" else gf.StringParam)

    def test_an_interruption_after_a_manager_was_made(self) -> None:
        """An odd answer made the manager before the interruption: it is left to build
        the table anew."""
        many = cards("odd")
        item = many["c1"]
        SLOW["stop"] = "peek"  # after back's list and broken's failure
        with pytest.raises(Stop):
            item.front.get()
        assert has_manager(item)
        assert (item._mng._table, item._mng._gen) == (None, -1)
        SLOW.clear()
        assert item.front.get() == "a"
        assert list(item._mng._table) == ["front", "back", "peek"]

    def test_a_child_it_built_skips_the_factory_that_made_it(self) -> None:
        """A lean item's dynamic child gets the manager the item's table says: the
        factory that created it is not applied below it."""
        session = session_of(f"{MODULE}:install_grown")
        project = gf.Flow(session).create_project("p", BranchProject)
        project.branches.add_many(["b0", "b1"])
        managed = project.branches["b0"]
        assert [r.name for r in gf.relations(managed.grown)] == ["leaf"]
        lean = project.branches["b1"]
        assert not has_manager(lean)
        assert lean.grown.leaf.get() == 1
        assert has_manager(lean)  # the child was made under it
        assert type(lean._mng).__name__ == "DynamicTreeManager"
        assert [r.name for r in gf.relations(lean.grown)] == ["leaf"]
        assert not hasattr(lean.grown, "grown")
        assert manager_state(lean.grown).keys() == manager_state(managed.grown).keys()
        assert lean.grown._mng._skip == managed.grown._mng._skip
        assert len(managed.grown._mng._skip) == 1

    @pytest.mark.parametrize("kind", ["one", "bare"])
    def test_another_thread_reading_meanwhile_builds_its_own_table(self, kind: str) -> None:
        many = cards(kind)
        item = many["c2"]
        SLOW.update(thread=threading.current_thread(), waiting=threading.Event())
        SLOW["go"] = threading.Event()
        seen_there: list[Any] = []

        def other() -> None:
            assert SLOW["waiting"].wait(10)
            seen_there.append(item.front.get())  # while this thread runs the factories
            SLOW["go"].set()

        thread = threading.Thread(target=other)
        thread.start()
        assert item.front.get() == "a"
        thread.join(10)
        assert seen_there == ["a"]
        assert has_manager(item)  # the other thread made it, and built a table of its own
        assert item._mng._table is item._gf_dyn  # this thread's, published last
        assert CALLED.count("front c2") == 2
        assert item.front.get() == "a"


# -- plain factories' names, the store's ordered_add, the flow's batch bookkeeping ------


def plain_review(parent: gf.Object) -> Any:
    if not isinstance(parent, Form):
        return None
    relation = gf.StringParam("pending")
    relation.name = "plain_review"
    return relation, 10


def install_plain(session: gf.Session) -> dict[str, list[Any]]:
    return {"plain": [plain_review]}


class TestPlainFactoryNames:
    def test_served_once_answered_and_only_where_they_apply(self) -> None:
        """W2p: a name a plain factory gave is reached without a failed lookup on the
        next objects of the class; objects without the extension still miss it."""
        many = forms(f"{MODULE}:install_plain")
        assert many["f0"].plain_review.get() == "pending"
        assert isinstance(Form.__dict__["plain_review"], gf.extending.Served)
        assert many["f1"].plain_review.get() == "pending"
        bare = forms(f"{MODULE}:install_uncontested")["f0"]
        with pytest.raises(gf.MissingRelationError, match="has no relation 'plain_review'"):
            bare.plain_review


class TestOrderedAdd:
    def test_the_store_keeps_a_copy_of_what_it_was_given(self) -> None:
        """MemoryStore.ordered_add takes the caller's mapping without copying it first
        (W1_add): what it keeps must still be its own."""
        store = gf.MemoryStore()
        given = {"a": None}
        store.ordered_add("/m", given)
        given["b"] = None
        assert store.ordered_range("/m") == ["a"]
        store.ordered_add("/m", {"c": [1, 2]})
        assert store.ordered_get("/m", "c") == [1, 2]


class TestBatchBookkeeping:
    def test_adds_outside_a_batch_leave_nothing_to_forget(self) -> None:
        """Flow._created is skipped outside a batch (W1_add), and still forgets what a
        failing batch created."""
        things = a_map(Holder, PlainItem)
        flow = things.root()
        things.add("kept")

        def fail() -> None:
            with flow.batch():
                things.add("dropped")
                raise RuntimeError

        with pytest.raises(RuntimeError):
            fail()
        assert "dropped" not in things._items
        assert "kept" in things._items
        assert flow._local.levels == []
        assert flow._batches == 0

    def test_the_count_of_open_batches_follows_nesting_and_failures(self) -> None:
        """Map.add asks the thread's own levels only while some batch is open (W1_add):
        the count goes up and down with every batch, nested or failing."""
        things = a_map(Holder, PlainItem)
        flow = things.root()
        seen: list[int] = []

        def inner() -> None:
            with flow.batch():
                seen.append(flow._batches)
                things.add("inner")
                raise RuntimeError

        with flow.batch():
            assert flow._batches == 1
            with pytest.raises(RuntimeError):
                inner()
            assert seen == [2]
            assert flow._batches == 1
            assert "inner" not in things._items
            things.add("outer")
        assert flow._batches == 0
        assert "outer" in things._items


# -- MemoryStore's ordered maps: pages by binary search, undo without copies -----------


class PagedMapMachine(RuleBasedStateMachine):
    """A MemoryStore ordered map under adds, removals (holes, compaction), nested
    batches that commit or fail, and pages, compared with a list of names."""

    def __init__(self) -> None:
        super().__init__()
        self.store = gf.MemoryStore()
        self.model: list[str] = []
        self.count = 0
        #: Per open batch: the model as it was, and the batch's context manager.
        self.open: list[tuple[list[str], Any]] = []

    @rule(size=st.integers(1, 20))
    def add(self, size: int) -> None:
        names = [f"n{self.count + i}" for i in range(size)]
        self.count += size
        self.store.ordered_add("/m", dict.fromkeys(names))
        self.model.extend(names)

    @rule(data=st.data())
    def add_one(self, data: st.DataObject) -> None:
        """Map.add's way for one item (W1_add), a name already there refused as
        ordered_add refuses it."""
        if self.model and data.draw(st.booleans()):
            taken = data.draw(st.sampled_from(self.model))
            with pytest.raises(gf.ExistsError) as one:
                self.store._add_name("/m", taken)
            with pytest.raises(gf.ExistsError) as many:
                self.store.ordered_add("/m", {taken: None})
            assert (str(one.value), one.value.names) == (str(many.value), many.value.names)
            return
        name = f"n{self.count}"
        self.count += 1
        self.store._add_name("/m", name)
        self.model.append(name)
        assert self.store.ordered_get("/m", name, "missing") is None

    @rule(data=st.data())
    def remove(self, data: st.DataObject) -> None:
        if self.model:
            name = data.draw(st.sampled_from(self.model))
            assert self.store.ordered_remove("/m", name)
            self.model.remove(name)

    @rule(data=st.data(), run=st.integers(1, 30))
    def remove_a_run(self, data: st.DataObject, run: int) -> None:
        """Consecutive removals: runs of holes a page must jump over."""
        if self.model:
            first = data.draw(st.integers(0, len(self.model) - 1))
            for name in self.model[first : first + run]:
                assert self.store.ordered_remove("/m", name)
            del self.model[first : first + run]

    @rule()
    def begin(self) -> None:
        if len(self.open) < 3:
            batch = self.store.batch()
            batch.__enter__()
            self.open.append((list(self.model), batch))

    @rule(fail=st.booleans())
    def end(self, fail: bool) -> None:
        if self.open:
            before, batch = self.open.pop()
            if fail:
                with contextlib.suppress(RuntimeError):
                    batch.__exit__(RuntimeError, RuntimeError("undo"), None)
                self.model = before
            else:
                batch.__exit__(None, None, None)

    @rule(start=st.integers(0, 400), size=st.none() | st.integers(0, 120))
    def page(self, start: int, size: int | None) -> None:
        stop = None if size is None else start + size
        assert self.store.ordered_range("/m", start, stop) == self.model[start:stop]

    @invariant()
    def same_names(self) -> None:
        assert self.store.ordered_len("/m") == len(self.model)
        assert list(iter_names(self.store, "/m", chunk=7)) == self.model

    def teardown(self) -> None:
        while self.open:
            self.end(fail=False)


class TestMemoryStorePages:
    """W7_memory: a page of a MemoryStore map is found by binary search, and a batch
    undoes an ordered map's changes without copying it."""

    def test_pages_and_batches_agree_with_a_list(self) -> None:
        run_state_machine_as_test(
            PagedMapMachine,
            settings=settings(
                max_examples=60, stateful_step_count=40, deadline=None, database=None
            ),
        )

    def test_a_batch_never_copies_the_map(self) -> None:
        store = gf.MemoryStore()
        store.ordered_add("/m", dict.fromkeys(f"n{i}" for i in range(1000)))
        members = store._ordered["/m"]
        with store.batch():
            store.ordered_add("/m", {"extra": None})
            store.ordered_remove("/m", "n5")
        assert store._ordered["/m"] is members

        def clear_then_fail() -> None:
            with store.batch():
                store.ordered_clear("/m")
                raise RuntimeError

        with pytest.raises(RuntimeError):
            clear_then_fail()
        assert store._ordered["/m"] is members
        assert store.ordered_range("/m", 4, 6) == ["n4", "n6"]

    def test_holes_are_closed_up_once_they_outnumber_members(self) -> None:
        store = gf.MemoryStore()
        store.ordered_add("/m", dict.fromkeys(f"n{i}" for i in range(10)))
        for i in range(6):
            store.ordered_remove("/m", f"n{i}")
        members = store._ordered["/m"]
        assert members.holes == []
        assert members.names == ["n6", "n7", "n8", "n9"]
