"""DynamicTreeManager: factory returns, placement, overrides, laziness and isolation.

Installers and factories are this module's own, handed to each session through
``GRAFTFLOW_INSTALLERS``. ``CALLS`` counts what graftflow calls; ``TOGGLE`` lets a test
choose what the generic ``offer`` factories (and the ``install_given`` installer) return.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

import graftflow as gf
from graftflow.extensions import (
    DynamicTreeManager,
    Extendable,
    RelationRecord,
    describe,
    dynamic_relation,
)

MODULE = __name__
CALLS: Counter[str] = Counter()
TOGGLE: dict[str, Any] = {}
R = TypeVar("R", bound="gf.Relation[Any]")
Make = Callable[[Any], Any]


@pytest.fixture(autouse=True)
def _fresh_counters() -> None:
    CALLS.clear()
    TOGGLE.clear()


def installer(**extensions: list[Any]) -> Callable[[gf.Session], dict[str, list[Any]]]:
    """A module-level installer giving ``extensions``, in order."""

    def install(session: gf.Session) -> dict[str, list[Any]]:
        return dict(extensions)

    return install


def install_given(session: gf.Session) -> dict[str, list[Any]]:
    """Gives the extensions the running test put in ``TOGGLE["given"]``."""
    return dict(TOGGLE["given"])


def named(relation: R, name: str) -> R:
    relation.name = name
    return relation


def s(default: str, name: str = "status") -> gf.StringParam:
    return named(gf.StringParam(default), name)


def make_session(*installers: str, config: dict[str, Any] | None = None) -> gf.Session:
    environ = {"GRAFTFLOW_INSTALLERS": ";".join(f"{MODULE}:{name}" for name in installers)}
    return gf.Session(user="t", environ=environ if installers else {}, config=config)


def make_project(cls: type[Any], *installers: str, store: gf.Store | None = None) -> Any:
    return gf.Flow(session=make_session(*installers), store=store).create_project("p", cls)


def given(cls: type[Any], store: gf.Store | None = None, **extensions: list[Any]) -> Any:
    TOGGLE["given"] = extensions
    return make_project(cls, "install_given", store=store)


def src(installer: str) -> str:
    return f"GRAFTFLOW_INSTALLERS: {MODULE}:{installer}"


def names(obj: Any) -> list[str]:
    return [r.name for r in gf.relations(obj)]


def record(obj: Any, name: str) -> RelationRecord:
    return next(r for r in describe(obj) if r.name == name)


def origin(rec: RelationRecord) -> tuple[Any, ...]:
    return (rec.origin, rec.factory, rec.source, rec.weight)


def beaten(rec: RelationRecord) -> set[tuple[Any, ...]]:
    return {(b.kind, *origin(b)) for b in rec.beaten}


def ours(obj: Any) -> list[gf.Diagnostic]:
    return [d for d in obj.root().session().diagnostics if d.source and MODULE in d.source]


def offer(parent: gf.Object) -> Any:
    CALLS["offer"] += 1
    make = TOGGLE.get("offer")
    return None if make is None else make(parent)


def offer2(parent: gf.Object) -> Any:
    make = TOGGLE.get("offer2")
    return None if make is None else make(parent)


install_offers = installer(offered=[offer, offer2])
BASE = ("param", "base", None, None, None)
OFFERED = ("param", "offered", f"{MODULE}:offer", src("install_offers"))


class Item(gf.Object):
    label = gf.StringParam("item")


class Items(gf.Map[Item]):
    pass


class Form(Extendable):
    status = gf.StringParam("base")
    size = gf.IntParam(1)
    note = gf.Param()

    def __init__(self, parent: Any, name: str) -> None:
        super().__init__(parent, name)
        self._private = "set in __init__"

    def helper(self) -> str:
        return "a method"


class Forms(gf.Map[Form]):
    pass


class Shelf(Extendable, gf.Map[Item]):
    pass


class Host(gf.Object):
    forms = gf.Child(Forms)
    shelf = gf.Child(Shelf)


def form(make: Make, make2: Make | None = None, cls: type[Any] = Form) -> Any:
    TOGGLE["offer"], TOGGLE["offer2"] = make, make2
    return make_project(cls, "install_offers")


@dynamic_relation("status", target=Form, weight=1)
def tie_a(parent: Form) -> gf.StringParam:
    return gf.StringParam("a")


@dynamic_relation("status", target=Form, weight=1)
def tie_b(parent: Form) -> gf.StringParam:
    return gf.StringParam("b")


install_tie_a = installer(tie_a=[tie_a])
install_tie_b = installer(tie_b=[tie_b])
install_tie_extensions = installer(first=[tie_a], second=[tie_b])
install_tie_list = installer(ties=[tie_a, tie_b])
install_tie_list_reversed = installer(ties=[tie_b, tie_a])


class TestReturnForms:
    def test_none_adds_nothing(self) -> None:
        """A factory returning None is called but grafts nothing."""
        p = form(lambda parent: None)
        assert names(p) == ["status", "size", "note"]
        assert CALLS["offer"] == 1
        assert [r.origin for r in describe(p)] == ["base", "base", "base"]
        assert ours(p) == []

    def test_bare_relation_has_weight_zero(self) -> None:
        """A bare relation is a weight-0 candidate, shown first, under its own name."""
        p = form(lambda parent: s("x", "extra"))
        assert names(p) == ["extra", "status", "size", "note"]
        rec = record(p, "extra")
        assert (rec.kind, rec.index, *origin(rec)) == (*OFFERED[:1], 0, *OFFERED[1:], 0)
        assert (p.extra.get(), p.extra.oid()) == ("x", "/p/extra")

    @pytest.mark.parametrize("weight", [2, 0.5])
    def test_relation_weight_tuple(self, weight: float) -> None:
        """(relation, weight) takes an int or a float weight, which describe() reports."""
        p = form(lambda parent: (s("over"), weight))
        assert p.status.get() == "over"
        assert record(p, "status").weight == weight
        assert type(record(p, "status").weight) is type(weight)

    def test_list_mixes_the_forms(self) -> None:
        """A list may hold relations, (relation, weight) tuples and None."""
        p = form(lambda parent: [s("a", "a"), (s("b", "b"), 3), None, (s("c", "c"), 1.5)])
        assert names(p) == ["a", "b", "c", "status", "size", "note"]
        assert [r.weight for r in describe(p)] == [0, 3, 1.5, None, None, None]
        assert (p.a.get(), p.b.get(), p.c.get()) == ("a", "b", "c")

    @pytest.mark.parametrize("weights", [(1, 1.5), (1.5, 1)])
    def test_float_weight_competes_with_int(self, weights: tuple[float, float]) -> None:
        """Weights compare as numbers, whatever their type and order."""
        p = form(lambda parent: [(s(str(w)), w) for w in weights])
        assert p.status.get() == "1.5"

    @pytest.mark.parametrize(("returned", "winner"), [(None, 2), (0.25, 0.25)])
    def test_decorator_weight(self, returned: float | None, winner: float) -> None:
        """@dynamic_relation's weight applies to a bare return; a returned weight wins."""

        @dynamic_relation("size", target=Form, weight=2)
        def size(parent: Form) -> Any:
            return gf.IntParam(5) if returned is None else (gf.IntParam(5), returned)

        p = given(Form, deco=[size])
        assert (p.size.get(), record(p, "size").weight) == (5, winner)


class TestPlacement:
    @pytest.mark.parametrize(
        ("make", "expected"),
        [
            (lambda p: named(gf.Param(), "dyn"), ["dyn", "status", "size", "note"]),
            (lambda p: named(gf.Param(index=None), "dyn"), ["status", "size", "note", "dyn"]),
            (lambda p: named(gf.Param(index=2), "dyn"), ["status", "size", "dyn", "note"]),
            (
                lambda p: [named(gf.Param(index=None), "last"), named(gf.Param(index=99), "far")],
                ["status", "size", "note", "far", "last"],
            ),
            (lambda p: named(gf.Param(), "note"), ["note", "status", "size"]),
            (lambda p: named(gf.Param(index=1), "status"), ["size", "status", "note"]),
        ],
        ids=[
            "default-first",
            "none-last",
            "int",
            "past-the-end",
            "override-first",
            "override-placed",
        ],
    )
    def test_relation_index(self, make: Make, expected: list[str]) -> None:
        """Unset is first, None last, an int a position; overrides are placed likewise."""
        p = form(make)
        assert names(p) == expected
        assert [r.name for r in describe(p)] == expected
        assert [r.index for r in describe(p)] == list(range(len(expected)))

    def test_several_first_keep_found_order(self) -> None:
        """Relations all at index 0 keep the order the factories offered them."""
        p = form(
            lambda parent: [named(gf.Param(), "one"), named(gf.Param(), "two")],
            lambda parent: named(gf.Param(), "three"),
        )
        assert names(p) == ["one", "two", "three", "status", "size", "note"]

    def test_decorator_index_beats_relation_index(self) -> None:
        """@dynamic_relation(index=...) places the relation whatever its own index says."""

        @dynamic_relation("placed", target=Form, index=1)
        def placed(parent: Form) -> gf.Param[Any]:
            return gf.Param(index=None)

        @dynamic_relation("tail", target=Form, index=None)
        def tail(parent: Form) -> gf.Param[Any]:
            return gf.Param(index=0)

        p = given(Form, placing=[placed, tail])
        assert names(p) == ["status", "placed", "size", "note", "tail"]
        assert (record(p, "placed").index, record(p, "tail").index) == (1, 4)


class TestOverride:
    def test_highest_weight_wins(self) -> None:
        """The heaviest candidate serves the name; describe() lists all it beat, base too."""
        p = form(lambda parent: [(s("w1"), 1), (s("w3"), 3), (s("w2"), 2)])
        assert p.status.get() == "w3"
        rec = record(p, "status")
        assert (rec.kind, *origin(rec)) == (*OFFERED, 3)
        assert beaten(rec) == {BASE, (*OFFERED, 1), (*OFFERED, 2)}
        assert len(rec.beaten) == 3
        base = next(b for b in rec.beaten if b.origin == "base")
        assert (base.name, base.index, base.beaten) == ("status", 0, ())

    @pytest.mark.parametrize(
        ("installers", "winner", "extension"),
        [
            (("install_tie_a", "install_tie_b"), "b", "tie_b"),
            (("install_tie_b", "install_tie_a"), "a", "tie_a"),
            (("install_tie_extensions",), "b", "second"),
            (("install_tie_list",), "b", "ties"),
            (("install_tie_list_reversed",), "a", "ties"),
        ],
        ids=["installer", "installer-reversed", "extension", "factory", "factory-reversed"],
    )
    def test_tie_goes_to_the_later(
        self, installers: tuple[str], winner: str, extension: str
    ) -> None:
        """Equal weights: the later installer, extension or factory wins."""
        p = make_project(Form, *installers)
        assert p.status.get() == winner
        rec = record(p, "status")
        assert origin(rec) == (extension, f"{MODULE}:tie_{winner}", src(installers[-1]), 1)
        loser = "a" if winner == "b" else "b"
        assert {b.factory for b in rec.beaten} == {None, f"{MODULE}:tie_{loser}"}

    def test_tie_goes_to_the_later_list_position(self) -> None:
        """Within one returned list, the later relation wins a tie."""
        p = form(lambda parent: [s("first"), s("second")])
        assert p.status.get() == "second"

    def test_env_installers_come_after_config(self) -> None:
        """A config installer runs before GRAFTFLOW_INSTALLERS, so the env one wins a tie."""
        session = make_session("install_tie_a", config={"installers": [f"{MODULE}:install_tie_b"]})
        p = gf.Flow(session=session).create_project("p", Form)
        assert p.status.get() == "a"
        sources = {b.source for b in record(p, "status").beaten}
        assert sources == {None, f"config: {MODULE}:install_tie_b"}

    def test_env_installer_beats_entry_point_on_a_tie(self) -> None:
        """Entry points run first: an env factory of equal weight takes their name."""
        pipeline = pytest.importorskip("gftest_pipeline", reason="NOT TESTED: run with tox")

        @dynamic_relation("review", target=pipeline.Shot)
        def review(parent: Any) -> gf.StringParam:
            return gf.StringParam("mine")

        shot = given(pipeline.Project, mine=[review]).films.add("f").shots.add("s")
        assert shot.review.get() == "mine"
        rec = record(shot, "review")
        assert origin(rec)[::2] == ("mine", src("install_given"))
        (lost,) = rec.beaten
        assert (lost.origin, lost.factory) == ("review", "gftest_review:review")
        assert str(lost.source).startswith("entry point review (gftest-review ")

    @pytest.mark.parametrize("weight", [-1, -0.001])
    def test_negative_never_overrides_base(self, weight: float) -> None:
        """A negative weight keeps the base relation, which describe() shows beating it."""
        p = form(lambda parent: (s("neg"), weight))
        assert p.status.get() == "base"
        assert p.status.relation is Form.status
        rec = record(p, "status")
        assert (rec.index, *origin(rec)) == (0, "base", None, None, None)
        assert beaten(rec) == {(*OFFERED, weight)}
        assert names(p) == ["status", "size", "note"]

    def test_zero_weight_overrides_base_and_negatives(self) -> None:
        """Weight 0 is enough to override a base relation; it beats negatives too."""
        p = form(lambda parent: [(s("neg"), -1), (s("zero"), 0)])
        assert p.status.get() == "zero"
        assert beaten(record(p, "status")) == {BASE, (*OFFERED, -1)}

    @pytest.mark.parametrize("weights", [(-3, -1), (-1, -3)])
    def test_negative_wins_a_new_name(self, weights: tuple[int, int]) -> None:
        """Without a base relation, the heaviest negative candidate serves the name."""
        p = form(lambda parent: [(s(str(w), "extra"), w) for w in weights])
        assert p.extra.get() == "-1"
        rec = record(p, "extra")
        assert (rec.weight, beaten(rec)) == (-1, {(*OFFERED, -3)})


class OtherItem(gf.Object):
    label = gf.StringParam("other")


class OtherItems(gf.Map[OtherItem]):
    pass


class BasePublish(gf.Action):
    def run(self, button: str) -> str:
        return f"base {button}"


class OverPublish(gf.Action):
    def run(self, button: str) -> str:
        return f"override {button}"


class Sub(Extendable):
    up = gf.Parent()
    peer = gf.Relative("../count")


class Kinds(Extendable):
    count = gf.IntParam(1)
    label = gf.StringParam("base")
    loose = gf.Param("any")
    detail = gf.Child(Item)
    items = gf.Child(Items)
    total = gf.Computed()
    derived = gf.Computed()
    link = gf.Connection(Item)
    publish = gf.Child(BasePublish)
    sub = gf.Child(Sub)

    def compute_child_value(self, value: gf.Value[Any]) -> None:
        by = "base" if value.relation.owner is Kinds else "override"
        value.set(f"{value.name()} by {by}")


def override_kinds(parent: gf.Object) -> Any:
    if isinstance(parent, Sub):
        return [(named(gf.Parent(2), "up"), 1), (named(gf.Relative("../label"), "peer"), 1)]
    if not isinstance(parent, Kinds):
        return None
    return [
        (named(gf.IntParam(5), "count"), 1),
        (named(gf.StringParam("over"), "label"), 1),
        (named(gf.IntParam(0), "loose"), 1),
        (named(gf.Child(OtherItem), "detail"), 1),
        (named(gf.Child(OtherItems), "items"), 1),
        (named(gf.Computed(cached=True, store_value=True), "total"), 1),
        (named(gf.Param("plain"), "derived"), 1),
        (named(gf.Connection(OtherItem), "link"), 1),
        (named(gf.Child(OverPublish), "publish"), 1),
    ]


install_kinds = installer(kinds=[override_kinds])


def wrong_kinds(parent: gf.Object) -> Any:
    if isinstance(parent, Kinds):
        return (named(gf.Param([]), "items"), 10)  # heavier than the map: still refused
    return None


install_wrong_kinds = installer(wrong=[wrong_kinds])


class TestOverrideKinds:
    def test_every_kind_is_overridden(self) -> None:
        """Each base relation kind yields to its override, which describe() explains."""
        p = make_project(Kinds, "install_kinds")
        table = [(r.name, r.kind, r.origin, [b.kind for b in r.beaten]) for r in describe(p)]
        assert table == [
            ("count", "param", "kinds", ["param"]),
            ("label", "param", "kinds", ["param"]),
            ("loose", "param", "kinds", ["param"]),
            ("detail", "child", "kinds", ["child"]),
            ("items", "map", "kinds", ["map"]),
            ("total", "computed", "kinds", ["computed"]),
            ("link", "connection", "kinds", ["connection"]),
            ("publish", "action", "kinds", ["action"]),
            ("derived", "computed", "base", []),  # a param is refused: see below
            ("sub", "child", "base", []),
        ]
        assert {b.origin for r in describe(p) for b in r.beaten} == {"base"}
        table = [(r.name, r.kind, r.origin) for r in describe(p.sub)]
        assert table == [("up", "parent", "kinds"), ("peer", "relative", "kinds")]

    def test_typed_params(self) -> None:
        """An overriding param has its own default and validation, and the base's key."""
        p = make_project(Kinds, "install_kinds")
        store = p.root().store()
        assert (p.count.get(), p.label.get()) == (5, "over")
        p.count.set(7)
        assert (p.count.get(), store.get("/p/count")) == (7, 7)
        with pytest.raises(gf.InvalidValueError, match="/p/loose"):
            p.loose.set("text")  # the base Param would take it; the IntParam does not
        assert (store.get("/p/loose"), p.loose.get()) == (None, 0)

    def test_child_and_map(self) -> None:
        """An overriding Child builds its own type; a Map override maps its own items."""
        p = make_project(Kinds, "install_kinds")
        assert type(p.detail) is OtherItem
        assert (p.detail.oid(), p.detail.label.get()) == ("/p/detail", "other")
        assert p.items.mapped_type() is OtherItem
        assert type(p.items.add("a")) is OtherItem
        assert p.root().store().ordered_range("/p/items") == ["a"]

    def test_computed(self) -> None:
        """The parent computes with the overriding relation (here cached and stored)."""
        p = make_project(Kinds, "install_kinds")
        assert p.total.get() == "total by override"
        assert p.root().store().get("/p/total") == "total by override"
        assert p.derived.get() == "derived by base"  # the param offered for it is refused

    def test_another_kind_is_refused(self) -> None:
        """A candidate of another kind than the base relation (a param for a computed,
        for a map) never overrides it, whatever its weight: one diagnostic each, naming
        both kinds, and the base relation keeps working."""
        p = make_project(Kinds, "install_kinds", "install_wrong_kinds")
        assert p.derived.get() == "derived by base"
        assert p.items.mapped_type() is OtherItem  # the map of the same kind still wins
        records = {r.name: r for r in describe(p)}
        assert (records["items"].kind, records["items"].origin) == ("map", "kinds")
        assert (records["derived"].kind, records["derived"].origin) == ("computed", "base")
        found = [(d.factory, d.error, d.message) for d in p.root().session().diagnostics]
        assert found == [
            (
                f"{MODULE}:override_kinds",
                "TypeError",
                (
                    "Kinds.derived is a computed in the class, and an override must be of "
                    "the same kind, not a param: the computed stays"
                ),
            ),
            (
                f"{MODULE}:wrong_kinds",
                "TypeError",
                (
                    "Kinds.items is a map in the class, and an override must be of the same "
                    "kind, not a param: the map stays"
                ),
            ),
        ]

    def test_connection(self) -> None:
        """An overriding Connection checks its own target type."""
        p = make_project(Kinds, "install_kinds")
        p.link.set(p.detail)
        assert p.link.get() is p.detail
        assert p.root().store().get("/p/link") == "/p/detail"
        item = p.root().create_project("q", Item)
        with pytest.raises(gf.InvalidValueError, match="expected a OtherItem"):
            p.link.set(item)

    def test_action_parent_relative(self) -> None:
        """Overridden Action, Parent and Relative serve the override's target."""
        p = make_project(Kinds, "install_kinds")
        assert p.publish.run("Run") == "override Run"
        assert p.sub.up is p.root()
        assert p.sub.peer.get() == "over"
        assert "peer" not in p.sub.__dict__  # a Relative is never cached

    def test_stored_values_reopen(self, tmp_path: Path) -> None:
        """Values set through overrides are read back by a new Flow on the same file."""
        store = gf.SQLiteStore(tmp_path / "kinds.db")
        p = make_project(Kinds, "install_kinds", store=store)
        p.count.set(7)
        p.items.add("a")
        p.link.set(p.detail)
        p.total.get()
        store.close()
        again = gf.SQLiteStore(tmp_path / "kinds.db")
        try:
            p2 = gf.Flow(session=make_session("install_kinds"), store=again).project("p")
            assert (p2.count.get(), list(p2.items)) == (7, ["a"])
            assert type(p2.items["a"]) is OtherItem
            assert p2.link.get() is p2.detail
            plain = gf.Flow(session=make_session(), store=again).project("p")
            assert (plain.count.get(), plain.label.get()) == (7, "base")  # the same key
        finally:
            again.close()


SHARED = named(gf.IntParam(3, index=2).ui(label="Shared", editor="spin"), "shared")
SHARED_TAIL = named(gf.StringParam("t", index=None).ui(hidden=True), "tail")


def share(parent: gf.Object) -> Any:
    return (SHARED, 2) if isinstance(parent, Form) else None


@dynamic_relation("tail", target=Form, index=0)
def share_tail(parent: Form) -> gf.StringParam:
    return SHARED_TAIL


def snapshot(relation: gf.Relation[Any]) -> tuple[Any, ...]:
    return (relation.name, relation.index, relation.owner, relation._owner, dict(relation.ui_hints))


#: One unnamed relation two factories hand out under two names (issue 16's seam bug).
UNNAMED_SHARED = gf.StringParam("shared", index=1).ui(label="Shared")


@dynamic_relation("first_name", target=Form)
def unnamed_first(parent: Form) -> gf.StringParam:
    return UNNAMED_SHARED


@dynamic_relation("second_name", target=Form, index=None)
def unnamed_second(parent: Form) -> gf.StringParam:
    return UNNAMED_SHARED


class TestSharedRelation:
    def test_one_unnamed_relation_serves_two_names(self) -> None:
        """Two @dynamic_relation factories returning the same unnamed relation both work:
        each name is served by a copy, and the factories' relation stays unnamed."""
        before = snapshot(UNNAMED_SHARED)
        item = given(Form, both=[unnamed_first, unnamed_second])
        assert ours(item) == []
        assert names(item) == ["status", "first_name", "size", "note", "second_name"]
        item.first_name.set("one")
        assert (item.first_name.get(), item.second_name.get()) == ("one", "shared")
        assert item.first_name.relation is not UNNAMED_SHARED
        assert item.first_name.relation.ui_hints == {"label": "Shared"}
        assert snapshot(UNNAMED_SHARED) == before == ("", 1, None, None, {"label": "Shared"})

    def test_the_copy_is_made_once_per_object(self) -> None:
        """Every read of one object's relation finds the same copy, in describe() too."""
        item = given(Form, both=[unnamed_first])
        relation = item.first_name.relation
        assert gf.relations(item)[1] is relation
        assert item._mng.relation("first_name") is relation
        assert record(item, "first_name").index == 1

    def test_decorated_factory_called_directly(self) -> None:
        """Called by hand, a @dynamic_relation factory returns a named copy with its
        weight, and leaves the relation its function returned unnamed."""
        item = given(Form)
        relation, weight = unnamed_first(item)
        assert (relation.name, weight, relation.index) == ("first_name", 0, 1)
        assert relation is not UNNAMED_SHARED
        assert UNNAMED_SHARED.name == ""

    def test_manager_never_mutates_it(self) -> None:
        """One relation object serving many objects keeps its name, index, owner and hints."""
        before = (snapshot(SHARED), snapshot(SHARED_TAIL))
        host = given(Host, sharing=[share, share_tail])
        host.forms.add_many(["a", "b", "c"])
        for name in host.forms:
            item = host.forms[name]
            assert names(item) == ["tail", "status", "shared", "size", "note"]
            assert [r.index for r in describe(item)] == [0, 1, 2, 3, 4]
            assert (item.shared.relation, item.tail.relation) == (SHARED, SHARED_TAIL)
        assert (snapshot(SHARED), snapshot(SHARED_TAIL)) == before
        assert before == (
            ("shared", 2, None, None, {"label": "Shared", "editor": "spin"}),
            ("tail", None, None, None, {"hidden": True}),
        )

    def test_values_stay_independent(self) -> None:
        """Each object's value of a shared relation lives under its own oid."""
        host = given(Host, sharing=[share, share_tail])
        a, b, c = (host.forms.add(name) for name in "abc")
        a.shared.set(10)
        b.shared.set(20)
        assert (a.shared.get(), b.shared.get(), c.shared.get()) == (10, 20, 3)
        store = host.root().store()
        assert (store.get("/p/forms/a/shared"), store.get("/p/forms/c/shared")) == (10, None)


class Built(gf.Object):
    def __init__(self, parent: Any, name: str) -> None:
        super().__init__(parent, name)
        CALLS["built"] += 1


@dynamic_relation("dyn", target=Form)
def lazy_child(parent: Form) -> gf.Child[Built]:
    CALLS["lazy_child"] += 1
    return gf.Child(Built)


class TestLaziness:
    def test_no_factory_at_creation(self) -> None:
        """Creating an object (whose __init__ sets private state) calls no factory."""
        p = given(Form, lazy=[lazy_child])
        p._more = 1
        assert (p._private, p._more) == ("set in __init__", 1)
        assert not hasattr(p, "_missing")
        assert CALLS["lazy_child"] == 0

    @pytest.mark.parametrize(
        "need",
        [
            lambda p: p.size.get(),
            lambda p: hasattr(p, "nope"),
            lambda p: p._mng.children(),
            describe,
            gf.relations,
        ],
        ids=["base-read", "hasattr", "children", "describe", "relations"],
    )
    def test_first_need_calls_factories_once(self, need: Make) -> None:
        """The first need of the relations runs the factories once, and builds nothing."""
        p = given(Form, lazy=[lazy_child])
        need(p)
        need(p)
        assert (CALLS["lazy_child"], CALLS["built"], "dyn" in p.__dict__) == (1, 0, False)

    def test_dynamic_child_built_on_access(self) -> None:
        """A dynamic child is listed by children() only once read, then cached."""
        p = given(Form, lazy=[lazy_child])
        assert p._mng.children() == []
        assert "dyn" not in p.__dict__
        assert (CALLS["lazy_child"], CALLS["built"]) == (1, 0)
        child = p.dyn
        assert (type(child), child.oid(), p.dyn) == (Built, "/p/dyn", child)
        assert p._mng.children() == ["dyn"]
        assert (CALLS["lazy_child"], CALLS["built"]) == (1, 1)

    def test_once_per_object_and_warm_reads(self) -> None:
        """Factories run once per object that needs them, never on later reads."""
        host = given(Host, lazy=[lazy_child])
        host.forms.add_many([f"i{n}" for n in range(10)])
        assert CALLS["lazy_child"] == 0
        for _ in range(3):
            for name in ("i0", "i1", "i2"):
                item = host.forms[name]
                assert (item.size.get(), item.dyn.name()) == (1, "dyn")
                assert [r.name for r in describe(item)] == names(item)
        assert (CALLS["lazy_child"], CALLS["built"]) == (3, 3)


class TestAssignment:
    @pytest.mark.parametrize("read_first", [False, True])
    def test_dynamic_relation_not_overwritable(self, read_first: bool) -> None:
        """Assigning or deleting a dynamic relation raises, before and after it is read."""
        p = form(lambda parent: s("x", "extra"))
        if read_first:
            assert p.extra.get() == "x"
        message = "cannot assign to 'extra' of /p: it is a relation; use extra.set(value)"
        with pytest.raises(gf.RelationAssignmentError, match=f"^{re.escape(message)} to change"):
            p.extra = 3
        message = "cannot delete the relation 'extra' of /p"
        with pytest.raises(gf.RelationAssignmentError, match=f"^{re.escape(message)}$"):
            del p.extra
        assert p.extra.get() == "x"
        assert names(p) == ["extra", "status", "size", "note"]

    def test_override_not_overwritable(self) -> None:
        """An overridden base relation is still a relation."""
        p = form(lambda parent: (s("over"), 1))
        with pytest.raises(gf.RelationAssignmentError, match=r"^cannot assign to 'status' of /p"):
            p.status = "x"
        assert p.status.get() == "over"

    def test_plain_attributes_still_work(self) -> None:
        """Private attributes skip the factories; public non-relations are plain attributes."""
        p = form(lambda parent: s("x", "extra"))
        p._scratch = 1
        assert CALLS["offer"] == 0
        p.free = "yes"
        assert (p.free, p._scratch, CALLS["offer"]) == ("yes", 1, 1)


class TestProjectOf:
    def test_factory_on_the_project_finds_it(self) -> None:
        """project_of(parent) and root().project(name) work from a factory of the project."""

        @dynamic_relation("code", target=Kinds)
        def code(parent: Kinds) -> gf.StringParam:
            project, same = gf.project_of(parent), parent.root().project(parent.name())
            return gf.StringParam(f"{project.name()}:{project is parent}:{same is parent}")

        @dynamic_relation("owner", target=Sub)
        def owner(parent: Sub) -> gf.StringParam:
            return gf.StringParam(gf.project_of(parent).name())

        store = gf.MemoryStore()
        p = given(Kinds, store=store, studio=[code, owner])
        assert (p.code.get(), p.sub.owner.get()) == ("p:True:True", "p")
        again = gf.Flow(session=make_session("install_given"), store=store).project("p")
        assert again.code.get() == "p:True:True"
        assert ours(p) == ours(again) == []


class Twig(gf.Object):
    leaf = gf.Param(0)


class Branch(Extendable):
    _PROPAGATE_MANAGER_TYPE = True
    twig = gf.Child(Twig)


class Trunk(Extendable):
    _PROPAGATE_MANAGER_TYPE = True
    below = gf.Child(Branch)


def grow(parent: gf.Object) -> gf.Child[Branch]:
    return named(gf.Child(Branch), "ext")


@dynamic_relation("deeper", recursive=True)
def deeper(parent: gf.Object) -> gf.Child[Branch]:
    CALLS["deeper"] += 1
    return gf.Child(Branch)


class TestUnboundedBranch:
    def test_factory_skips_what_it_created(self) -> None:
        """A broad factory does not graft onto the object it created, nor below it."""
        p = given(Trunk, grow=[grow])
        assert (names(p), names(p.ext), names(p.ext.twig)) == (["ext", "below"], ["twig"], ["leaf"])
        assert not hasattr(p.ext, "ext")
        message = r"^/p/ext \(Branch\) has no relation 'ext'$"
        with pytest.raises(gf.MissingRelationError, match=message):
            p.ext.ext
        assert type(p.ext.twig._mng) is DynamicTreeManager

    def test_other_subtrees_still_get_it(self) -> None:
        """Objects the factory did not create get its relation, one level each."""
        p = given(Trunk, grow=[grow])
        assert names(p.below) == ["ext", "twig"]
        assert names(p.below.twig) == ["ext", "leaf"]
        assert names(p.below.ext) == names(p.below.twig.ext) == ["twig"]

    def test_recursive_factory_is_applied_lazily(self) -> None:
        """recursive=True grafts inside its own subtree, one level per access."""
        p = given(Trunk, deeper=[deeper])
        third = p.deeper.deeper.deeper
        assert third.oid() == "/p/deeper/deeper/deeper"
        assert CALLS["deeper"] == 3  # p, p.deeper, p.deeper.deeper: not the third yet
        assert names(third) == ["deeper", "twig"]
        assert third._mng.children() == []
        assert CALLS["deeper"] == 4


TARGET = "target must be an Object subclass (or a tuple of them), not "


class TestTargets:
    def test_factories_only_see_their_targets(self) -> None:
        """A targeted factory is called for its types and subclasses, never for others."""

        class Animal(Extendable):
            pass

        class Dog(Animal):
            pass

        class Plant(Extendable):
            pass

        class Zoo(Extendable):
            animal, dog = gf.Child(Animal), gf.Child(Dog)
            plant, rock = gf.Child(Plant), gf.Child(Extendable)

        @dynamic_relation("sound", target=Animal)
        def sound(parent: Animal) -> gf.StringParam:
            CALLS[f"sound:{type(parent).__name__}"] += 1
            return gf.StringParam("...")

        @dynamic_relation("alive", target=(Animal, Plant))
        def alive(parent: gf.Object) -> gf.BoolParam:
            CALLS[f"alive:{type(parent).__name__}"] += 1
            return gf.BoolParam(True)

        zoo = given(Zoo, zoo=[sound, alive])
        table = {name: names(getattr(zoo, name)) for name in ("animal", "dog", "plant", "rock")}
        assert table == {
            "animal": ["sound", "alive"],
            "dog": ["sound", "alive"],
            "plant": ["alive"],
            "rock": [],
        }
        assert names(zoo) == ["animal", "dog", "plant", "rock"]
        expected = {"sound:Animal", "sound:Dog", "alive:Animal", "alive:Dog", "alive:Plant"}
        assert dict(CALLS) == dict.fromkeys(expected, 1)
        assert zoo.dog.alive.get() is True
        assert not hasattr(zoo.rock, "sound")

    @pytest.mark.parametrize(
        ("name", "message"),
        [
            ("a b", "'a b' is not a valid relation name (it must be a Python identifier)"),
            ("class", "'class' is a Python keyword; choose another relation name"),
            (
                "_x",
                "'_x' starts with '_'; only relations declared on a class may be protected (_name)",
            ),
            (3, "a relation name must be a str, not int"),
        ],
    )
    def test_bad_name(self, name: Any, message: str) -> None:
        """A name that cannot name a relation is refused when the decorator runs."""
        with pytest.raises(gf.InvalidNameError, match=f"^@dynamic_relation: {re.escape(message)}$"):
            dynamic_relation(name)

    @pytest.mark.parametrize(
        ("kwargs", "message"),
        [
            ({"target": int}, TARGET + "<class 'int'>"),
            ({"target": (Form, "Form")}, TARGET + "'Form'"),
            ({"weight": True}, "weight must be a number, not True"),
            ({"weight": "1"}, "weight must be a number, not '1'"),
            ({"weight": float("nan")}, "weight must be a number, not nan"),
            ({"weight": float("inf")}, "weight must be a number, not inf"),
            ({"index": -1}, "index is an int >= 0 or None, not -1"),
            ({"index": 1.0}, "index is an int >= 0 or None, not 1.0"),
            ({"index": True}, "index is an int >= 0 or None, not True"),
        ],
    )
    def test_bad_settings(self, kwargs: dict[str, Any], message: str) -> None:
        """A bad target, weight or index raises TypeError naming the relation."""
        with pytest.raises(TypeError, match=rf"^@dynamic_relation\('x'\): {re.escape(message)}$"):
            dynamic_relation("x", **kwargs)

    def test_decorates_callables_only(self) -> None:
        """Decorating something that is not callable is a TypeError."""
        message = r"^@dynamic_relation\('x'\) decorates a function, not 42$"
        with pytest.raises(TypeError, match=message):
            dynamic_relation("x")(42)  # type: ignore[arg-type]


class OptOut(gf.Object):
    _MANAGER_TYPE = gf.TreeManager
    inner = gf.Child(Item)


class Local(Extendable):
    inner = gf.Child(Item)


class Direct(gf.Object):
    _MANAGER_TYPE = DynamicTreeManager
    inner = gf.Child(Item)


class Spreading(Extendable):
    _PROPAGATE_MANAGER_TYPE = True
    plain = gf.Child(Item)
    optout = gf.Child(OptOut)


class ExtItem(Extendable, Item):
    pass


def tag(parent: gf.Object) -> gf.StringParam:
    return named(gf.StringParam(type(parent).__name__), "tag")


def tagged(obj: Any) -> tuple[type[gf.TreeManager], bool]:
    return type(obj._mng), hasattr(obj, "tag")


class TestManagerType:
    def test_propagation_extends_the_subtree(self) -> None:
        """_PROPAGATE_MANAGER_TYPE gives plain classes below the dynamic manager."""
        p = given(Spreading, tag=[tag])
        assert tagged(p.plain) == (DynamicTreeManager, True)
        assert p.plain.tag.get() == "Item"

    def test_opt_out_cuts_the_subtree(self) -> None:
        """A class setting the core TreeManager gets no dynamic relation, nor its subtree."""
        p = given(Spreading, tag=[tag])
        assert tagged(p.optout) == tagged(p.optout.inner) == (gf.TreeManager, False)
        assert names(p.optout) == ["inner"]

    @pytest.mark.parametrize("cls", [Local, Direct])
    def test_without_propagation(self, cls: type[gf.Object]) -> None:
        """Extendable (or _MANAGER_TYPE) alone extends that class's objects only."""
        p = given(cls, tag=[tag])
        assert tagged(p) == (DynamicTreeManager, True)
        assert tagged(p.inner) == (gf.TreeManager, False)

    def test_extendable_map_item_type(self) -> None:
        """An Extendable subclass of a map's item type is extended; plain items are not."""
        items = given(Kinds, tag=[tag]).items
        plain, ext = items.add("plain", Item), items.add("ext", ExtItem)
        assert (tagged(plain), tagged(ext)) == ((gf.TreeManager, False), (DynamicTreeManager, True))
        assert ext.tag.get() == "ExtItem"
        flow = gf.Flow(session=make_session("install_given"), store=items.root().store())
        assert flow.project("p").items["ext"].tag.get() == "ExtItem"


class TestFactoryReadsParent:
    @staticmethod
    def reader(store: gf.Store | None = None) -> Any:
        def reads_parent(parent: gf.Object) -> Any:
            CALLS["reads"] += 1
            seen = parent.status.get()
            return [(s(f"over({seen})"), 1), s(f"{seen}/{parent.size.get()}", "seen")]

        return given(Form, store=store, reader=[reads_parent])

    def test_no_recursion_and_override_served(self) -> None:
        """A factory reading its parent sees the base, once; the override serves afterwards."""
        p = self.reader()
        assert (p.status.get(), p.seen.get()) == ("over(base)", "base/1")
        assert (p.status.relation is Form.status, p.size.relation is Form.size) == (False, True)
        assert CALLS["reads"] == 1
        assert ours(p) == []

    def test_reads_the_stored_value(self) -> None:
        """The factory reads the stored value, under the key both relations share."""
        store = gf.MemoryStore()
        store.set("/p/status", "stored")
        p = self.reader(store)
        assert (p.seen.get(), p.status.get()) == ("stored/1", "stored")
        p.status.revert_to_default()
        assert p.status.get() == "over(stored)"


@dynamic_relation("mode", target=Form)
def mode(parent: Form) -> gf.StringParam | None:
    value = TOGGLE.get("mode", "one")
    return None if value == "gone" else gf.StringParam(value)


@dynamic_relation("status", target=Form)
def status_b(parent: Form) -> tuple[gf.StringParam, float]:
    return gf.StringParam("b"), TOGGLE.get("b_weight", 0)


def install_toggled(session: gf.Session) -> dict[str, list[Any]]:
    CALLS["install_toggled"] += 1
    return {"toggled": [mode, tie_a, status_b]}


class FormHolder(gf.Object):
    """A plain map item (built without its manager) with an extendable child."""

    label = gf.StringParam("x")
    form = gf.Child(Form)


class FormHolders(gf.Map[FormHolder]):
    pass


class HoldersProject(gf.Object):
    holders = gf.Child(FormHolders)


class TestReload:
    def test_reload_walks_through_items_built_without_their_manager(self) -> None:
        """A reload reaches the extended objects below plain map items, and makes no
        manager for an item that has none yet (issue 18's W1 builds items so)."""
        flow = gf.Flow(session=make_session("install_toggled"))
        holders = flow.create_project("p", HoldersProject).holders
        holders.add_many(["read", "opened"])
        read, opened = holders["read"], holders["opened"]
        assert read.label.get() == "x"
        assert opened.form.mode.get() == "one"
        TOGGLE.update(mode="two")
        flow.session().reload_extensions()
        assert opened.form.mode.get() == "two"
        assert "_mng" not in vars(read)

    def test_installers_run_once_per_load(self) -> None:
        """Installers run once per session, and once again after reload_extensions()."""
        flow = gf.Flow(session=make_session("install_toggled"))
        first, second = flow.create_project("a", Form), flow.create_project("b", Form)
        assert (first.mode.get(), second.mode.get()) == ("one", "one")
        assert CALLS["install_toggled"] == 1
        flow.session().reload_extensions()
        assert names(first) == names(second) == ["mode", "status", "size", "note"]
        assert CALLS["install_toggled"] == 2

    def test_built_table_sees_new_winners(self) -> None:
        """After a reload, an object whose table was built serves the new winners."""
        p = make_project(Form, "install_toggled")
        assert origin(record(p, "status"))[:2] == ("toggled", f"{MODULE}:tie_a")
        TOGGLE.update(mode="two", b_weight=2)
        p.root().session().reload_extensions()
        assert (p.mode.get(), p.status.get()) == ("two", "b")
        rec = record(p, "status")
        assert (rec.factory, rec.weight) == (f"{MODULE}:status_b", 2)
        assert {b.factory for b in rec.beaten} == {None, f"{MODULE}:tie_a"}

    def test_rebuilt_table_evicts_stale_values(self) -> None:
        """Values read from an old winner are dropped once the table is rebuilt."""
        p = make_project(Form, "install_toggled")
        assert (p.mode.get(), p.status.get()) == ("one", "a")
        TOGGLE.update(mode="gone", b_weight=2)
        p.root().session().reload_extensions()
        assert names(p) == ["status", "size", "note"]
        assert p.status.get() == "b"
        assert not hasattr(p, "mode")

    def test_read_relation_sees_new_winner_after_reload(self) -> None:
        """A relation already read serves the new winner right after a reload."""
        p = make_project(Form, "install_toggled")
        assert (p.mode.get(), p.status.get()) == ("one", "a")
        TOGGLE.update(mode="two", b_weight=2)
        p.root().session().reload_extensions()
        assert (p.mode.get(), p.status.get()) == ("two", "b")


@dynamic_relation("broken", target=Form)
def explode(parent: Form) -> gf.StringParam:
    raise ValueError(f"cannot extend {parent.oid()}")


@dynamic_relation("fine", target=Form)
def fine(parent: Form) -> gf.StringParam:
    return gf.StringParam("ok")


class Unbuildable(gf.Object):
    def __init__(self, parent: Any, name: str) -> None:
        super().__init__(parent, name)
        raise AttributeError("no config")


FORMS = "a factory returns None, a relation, (relation, weight), or a list of those"
NAME = "InvalidNameError"
WEIGHT = "returned the weight {} for <StringParam bad>; a weight is a finite number"
SHADOW = "the dynamic relation {!r} would shadow the method {}, which is not a relation; "
CHOOSE = "choose another name"
KEYWORD = "is a Python keyword; choose another relation name"
PRIVATE = "starts with '_'; only relations declared on a class may be protected (_name)"
BADNAME = "dynamic relation: {!r} {}"
UNNAMED = (
    "returned <StringParam (unnamed)> without a name; "
    "set relation.name (or use @dynamic_relation('name', ...))"
)


class TestDiagnostics:
    def test_one_diagnostic_for_many_objects(self, caplog: pytest.LogCaptureFixture) -> None:
        """A factory failing on 50 objects is one diagnostic, counted and logged once."""
        caplog.set_level(logging.WARNING, logger="graftflow")
        host = given(Host, fragile=[explode, fine])
        host.forms.add_many([f"i{n:02}" for n in range(50)])
        for name in host.forms:
            item = host.forms[name]
            assert (item.fine.get(), item.status.get()) == ("ok", "base")
            assert not hasattr(item, "broken")
            assert names(item) == ["fine", "status", "size", "note"]
        (diag,) = ours(host)
        assert (diag.source, diag.extension, diag.factory, diag.oid, diag.error, diag.count) == (
            src("install_given"),
            "fragile",
            f"{MODULE}:explode",
            "/p/forms/i00",
            "ValueError",
            50,
        )
        assert diag.message == "factory raised ValueError: cannot extend /p/forms/i00"
        assert str(diag).endswith(f": {diag.message} (x50)")  # the error type once
        logged = [r for r in caplog.records if r.name == "graftflow" and MODULE in r.getMessage()]
        assert [r.levelno for r in logged] == [logging.ERROR]

    @pytest.mark.parametrize(
        ("make", "error", "message", "kept"),
        [
            (lambda p: "a string", "TypeError", f"returned str 'a string'; {FORMS}", []),
            (
                lambda p: [s("", "ok"), 42],
                "TypeError",
                f"returned int 42 in its list; {FORMS}",
                ["ok"],
            ),
            (lambda p: (s("", "bad"), True), "TypeError", WEIGHT.format(True), []),
            (lambda p: [(s("", "bad"), float("nan"))], "TypeError", WEIGHT.format("nan"), []),
            (lambda p: gf.StringParam("x"), NAME, UNNAMED, []),
            (lambda p: s("", "class"), NAME, BADNAME.format("class", KEYWORD), []),
            (lambda p: s("", "_hidden"), NAME, BADNAME.format("_hidden", PRIVATE), []),
            (lambda p: s("", "oid"), NAME, SHADOW.format("oid", "Object.oid") + CHOOSE, []),
            (lambda p: s("", "helper"), NAME, SHADOW.format("helper", "Form.helper") + CHOOSE, []),
        ],
    )
    def test_bad_returns_are_reported(
        self, make: Make, error: str, message: str, kept: list[str]
    ) -> None:
        """A bad return or name is one diagnostic; the object and good candidates still work."""
        p = form(make)
        assert (p.status.get(), p.helper(), p.oid()) == ("base", "a method", "/p")
        assert names(p) == [*kept, "status", "size", "note"]
        (diag,) = ours(p)
        got = (diag.source, diag.factory, diag.oid, diag.error, diag.message)
        assert got == (src("install_offers"), f"{MODULE}:offer", "/p", error, message)

    def test_a_bad_name_is_one_problem_across_types(self) -> None:
        """A factory offering a bad name to objects of two types is one diagnostic
        (counted), not one per type (issue 15)."""

        def bad_name(parent: gf.Object) -> gf.StringParam:
            return s("x", "a b")

        host = given(Host, bad=[bad_name])
        assert host.forms.add("f").status.get() == "base"
        assert describe(host.shelf) == []  # the shelf, an extendable map, runs it too
        (diag,) = ours(host)
        assert (diag.error, diag.count) == (NAME, 2)
        assert diag.message == (
            "dynamic relation: 'a b' is not a valid relation name (it must be a Python identifier)"
        )

    def test_misnamed_decorated_return(self) -> None:
        """@dynamic_relation refuses a relation named otherwise, as a diagnostic."""

        @dynamic_relation("proper", target=Form)
        def misnamed(parent: Form) -> gf.StringParam:
            return s("x", "other")

        p = given(Form, misnamed=[misnamed])
        assert (hasattr(p, "other"), hasattr(p, "proper")) == (False, False)
        (diag,) = ours(p)
        # Named module:qualname, without the <locals> step of a function's own factory.
        factory = f"{MODULE}:TestDiagnostics.test_misnamed_decorated_return.misnamed"
        assert (diag.factory, diag.error) == (factory, NAME)
        assert diag.message == (
            "@dynamic_relation('proper') returned a relation named 'other'; "
            "return an unnamed relation"
        )

    def test_map_method_name_is_refused(self) -> None:
        """A dynamic relation may not shadow a method of the object's class (Map.add)."""
        host = form(lambda p: s("x", "add") if isinstance(p, Shelf) else None, cls=Host)
        assert names(host.shelf) == []
        assert type(host.shelf.add("a")) is Item
        (diag,) = ours(host)
        assert (diag.oid, diag.error) == ("/p/shelf", NAME)
        assert diag.message == SHADOW.format("add", "Map.add") + CHOOSE

    def test_dynamic_names_reserve_map_items(self) -> None:
        """A map's dynamic relation name cannot also name one of its items."""
        host = form(lambda p: s("x", "extra") if isinstance(p, Shelf) else None, cls=Host)
        message = r"^/p/shelf: 'extra' is a relation of the map"
        with pytest.raises(gf.InvalidNameError, match=message):
            host.shelf.add("extra")
        assert host.shelf.extra.get() == "x"

    def test_attribute_error_while_building_is_not_missing(self) -> None:
        """An AttributeError building a dynamic child is a RelationError, not 'no relation'."""
        p = form(lambda parent: named(gf.Child(Unbuildable), "broken"))
        with pytest.raises(gf.RelationError, match=r"^/p/broken: AttributeError: no config$"):
            p.broken


class TestMissing:
    def test_suggests_dynamic_names(self) -> None:
        """An unknown name is no attribute; its error suggests dynamic relation names."""
        p = form(lambda parent: s("x", "review"))
        assert (hasattr(p, "review"), hasattr(p, "nonexistent")) == (True, False)
        assert getattr(p, "nonexistent", None) is None
        with pytest.raises(gf.MissingRelationError) as info:
            p.reveiw
        assert str(info.value) == "/p (Form) has no relation 'reveiw'; did you mean 'review'?"
        assert (info.value.oid, info.value.name) == ("/p/reveiw", "reveiw")

    def test_oids_resolve_dynamic_relations(self) -> None:
        """get_object() walks through dynamic relations; unknown steps still raise."""
        p = form(lambda parent: s("x", "review"))
        assert p.root().get_object("/p/review") is p.review
        assert gf.get_object(p, "./review").get() == "x"
        with pytest.raises(gf.MissingRelationError, match=r"did you mean 'review'\?$"):
            p.root().get_object("/p/reviw")

    def test_failed_factory_leaves_name_missing(self) -> None:
        """A name only a failing factory offered is missing, without a suggestion, and
        the error says a factory failed (issue 15: it may be why)."""
        item = given(Host, fragile=[explode]).forms.add("i")
        message = (
            r"^/p/forms/i \(Form\) has no relation 'broken'; 1 factory failed in this "
            r"session, so an extension may be missing \(graftflow doctor explains\)$"
        )
        with pytest.raises(gf.MissingRelationError, match=message):
            item.broken

    def test_failed_installers_are_named(self) -> None:
        """A failed installer is named in the error of a missing relation: the relation
        it would have added is the likely one."""
        session = gf.Session(
            environ={"GRAFTFLOW_INSTALLERS": f"nowhere:install;{MODULE}:install_given"}
        )
        TOGGLE["given"] = {"fine": [fine]}
        item = gf.Flow(session).create_project("p", Host).forms.add("i")
        assert item.fine.get() == "ok"
        message = (
            r"^/p/forms/i \(Form\) has no relation 'render_priority'; 1 installer "
            r"\(GRAFTFLOW_INSTALLERS: nowhere:install\) failed in this session, so an "
            r"extension may be missing \(graftflow doctor explains\)$"
        )
        with pytest.raises(gf.MissingRelationError, match=message):
            item.render_priority

    def test_no_failure_no_note(self) -> None:
        """Without failures, a missing relation is the plain error."""
        item = given(Host, fine=[fine]).forms.add("i")
        with pytest.raises(gf.MissingRelationError, match=r"has no relation 'zzz_missing'$"):
            item.zzz_missing


class Badge(Extendable):
    label = gf.StringParam("base")


@dynamic_relation("sticker", target=Badge)
def sticker(parent: Badge) -> gf.Relation[str]:
    CALLS["sticker"] += 1
    return gf.StringParam("shiny")


install_sticker = installer(badges=[sticker])


class TestServedNames:
    """A @dynamic_relation's name is put on its target class, so reading it skips the
    failed lookup before __getattr__; nothing else may change because of it."""

    def test_served_name_reads_like_before(self) -> None:
        p = given(Badge, badges=[sticker])
        assert p.sticker.get() == "shiny"
        assert isinstance(Badge.__dict__["sticker"], gf._object.Served)
        assert p.sticker is p.sticker  # built once, then the object's own attribute
        assert CALLS["sticker"] == 1
        with pytest.raises(gf.RelationAssignmentError, match="cannot assign to 'sticker'"):
            p.sticker = 1

    def test_class_still_has_no_such_attribute(self) -> None:
        given(Badge, badges=[sticker]).sticker.get()
        assert not hasattr(Badge, "sticker")
        assert [r.name for r in gf.relations(Badge)] == ["label"]

    def test_session_without_the_factory_misses(self) -> None:
        given(Badge, badges=[sticker]).sticker.get()
        other = make_project(Badge)
        with pytest.raises(gf.MissingRelationError, match="has no relation 'sticker'"):
            other.sticker
        assert getattr(other, "sticker", "none") == "none"

    def test_later_subclass_may_declare_the_name(self) -> None:
        given(Badge, badges=[sticker]).sticker.get()

        class Declared(Badge):
            sticker = gf.StringParam("declared")

        assert make_project(Declared).sticker.get() == "declared"
        assert given(Declared, badges=[sticker]).sticker.get() == "shiny"  # weight 0 wins

    def test_name_is_not_reported_as_shadowing(self) -> None:
        p = given(Badge, badges=[sticker])
        p.sticker.get()
        again = given(Badge, badges=[sticker])
        assert again.sticker.get() == "shiny"
        assert again.root().session().diagnostics == []
