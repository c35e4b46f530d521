"""Values: params (typed and not), session params, computed values, links."""

from __future__ import annotations

import datetime as dt
import enum
import re
from typing import Any, Literal

import pydantic
import pytest
from odd_values import contains_itself, nested

import graftflow as gf


class Mood(enum.Enum):
    CALM = "calm"
    ANGRY = "angry"


class Range(pydantic.BaseModel):
    first: int
    last: int


class Shot(gf.Object):
    notes = gf.Param()
    tags = gf.Param(list)
    frames = gf.IntParam(10)
    fps = gf.FloatParam(24.0)
    hero = gf.BoolParam()
    title = gf.StringParam("untitled")
    meta = gf.DictParam()
    ids = gf.Param(None, list[int])
    stage = gf.Param("todo", Literal["todo", "done"])
    when = gf.Param(None, dt.datetime)
    mood = gf.Param(Mood.CALM, Mood)
    span = gf.Param(None, Range)
    watched = gf.IntParam().watched()
    seen: list[tuple[str, Any]]

    def child_value_changed(self, value: gf.Value[Any]) -> None:
        self.__dict__.setdefault("seen", []).append((value.name(), value.get()))


@pytest.fixture
def shot(flow: gf.Flow) -> Shot:
    return flow.create_project("p", Shot)


class TestParam:
    def test_default_then_stored(self, shot: Shot) -> None:
        """get() gives the default until something is set; revert forgets it."""
        assert shot.notes.get() is None
        shot.notes.set({"a": [1, 2.5, "x", None, True]})
        assert shot.notes.get() == {"a": [1, 2.5, "x", None, True]}
        shot.notes.revert_to_default()
        assert shot.notes.get() is None

    def test_value_is_read_from_the_store(self, flow: gf.Flow, shot: Shot) -> None:
        """Another flow on the same store sees the value: handles hold nothing."""
        shot.frames.set(48)
        other = gf.Flow(store=flow.store()).project("p")
        assert other.frames.get() == 48
        other.frames.set(49)
        assert shot.frames.get() == 49

    def test_default_factory_is_per_object(self, memflow: gf.Flow) -> None:
        """A callable default is called per read, so objects never share a list."""

        class Pair(gf.Object):
            a = gf.Child(Shot)
            b = gf.Child(Shot)

        pair = memflow.create_project("p", Pair)
        pair.a.tags.get().append("leak")
        assert pair.a.tags.get() == []
        assert pair.b.tags.get() == []
        assert pair.a.tags.get() is not pair.b.tags.get()

    def test_literal_container_defaults_are_copied(self, memflow: gf.Flow) -> None:
        """A literal list or dict default is accepted (as in kabaret) and every read of
        every object gets its own copy, so changing one never changes another."""

        class Shot(gf.Object):
            tags = gf.Param([1, [2, 3]])
            meta = gf.DictParam({"a": {"b": 1}})

        class Pair(gf.Object):
            a = gf.Child(Shot)
            b = gf.Child(Shot)

        pair = memflow.create_project("p", Pair)
        pair.a.tags.get()[1].append("leak")
        pair.a.meta.get()["a"]["b"] = 2
        assert pair.a.tags.get() == pair.b.tags.get() == [1, [2, 3]]
        assert pair.a.meta.get() == {"a": {"b": 1}}
        assert Shot.tags.default == [1, [2, 3]]

    @pytest.mark.parametrize(
        ("param", "problem"),
        [
            (lambda: gf.Param({1, 2}), "is a set, which is not a JSON value"),
            (lambda: gf.DictParam({1: 11}), "has the key 1 of type int"),
            (lambda: gf.StringParam(["a"]), "the default is list, not str"),  # type: ignore[arg-type]
        ],
    )
    def test_literal_container_defaults_must_be_json(self, param: Any, problem: str) -> None:
        """A literal default that could never be stored is refused at class definition."""
        with pytest.raises(gf.RelationDefinitionError, match=re.escape(problem)):
            param()

    def test_non_json_default_refused(self) -> None:
        """An untyped param's default must be JSON, checked when the class is defined."""
        with pytest.raises(
            gf.RelationDefinitionError, match="is a object, which is not a JSON value"
        ):
            gf.Param(object())

    @pytest.mark.parametrize(
        ("value", "problem"),
        [
            ({1, 2}, "value is a set, which is not a JSON value"),
            (b"raw", "value is a bytes, which is not a JSON value"),
            (float("nan"), "nan cannot be stored"),
            ({1: "x"}, "value has the key 1 of type int; JSON object keys must be str"),
            ([1, {"a": object()}], "value[1]['a'] is a object, which is not a JSON value"),
        ],
    )
    def test_non_json_refused_and_nothing_written(
        self, shot: Shot, value: Any, problem: str
    ) -> None:
        """Non-JSON values are refused, naming the oid and the part at fault."""
        shot.notes.set("before")
        with pytest.raises(gf.InvalidValueError, match=re.escape(problem)) as info:
            shot.notes.set(value)
        assert info.value.oid == "/p/notes"
        assert "Param /p/notes" in str(info.value)
        assert shot.notes.get() == "before"

    def test_tuples_come_back_as_lists(self, shot: Shot) -> None:
        """JSON has no tuple: a stored tuple reads back as a list."""
        shot.notes.set((1, (2, 3)))
        assert shot.notes.get() == [1, [2, 3]]

    def test_container_reads_are_copies(self, shot: Shot) -> None:
        """Mutating what get() returned never changes the stored value."""
        shot.meta.set({"k": [1]})
        shot.meta.get()["k"].append(2)
        assert shot.meta.get() == {"k": [1]}


class TestTypedParams:
    @pytest.mark.parametrize(
        ("name", "good", "bad", "message"),
        [
            ("frames", 12, "12", "Input should be a valid integer"),
            ("frames", 12, True, "Input should be a valid integer"),
            ("frames", 12, 12.0, "Input should be a valid integer"),
            ("fps", 25, "25", "Input should be a valid number"),
            ("hero", True, 1, "Input should be a valid boolean"),
            ("title", "sh", 5, "Input should be a valid string"),
            ("meta", {"a": 1}, [("a", 1)], "Input should be a valid dictionary"),
            ("ids", [1, 2], [1, "2"], "Input should be a valid integer at [1]"),
            ("stage", "done", "wip", "Input should be 'todo' or 'done'"),
        ],
    )
    def test_strict_validation(
        self, shot: Shot, name: str, good: Any, bad: Any, message: str
    ) -> None:
        """Typed params accept their type and refuse the rest, writing nothing."""
        value = getattr(shot, name)
        value.set(good)
        assert value.get() == good
        with pytest.raises(gf.InvalidValueError, match=re.escape(message)) as info:
            value.set(bad)
        assert info.value.oid == f"/p/{name}"
        assert str(info.value).startswith(f"{type(value.relation).__name__} /p/{name}: ")
        assert str(info.value).endswith("nothing was written")
        assert value.get() == good

    def test_float_accepts_int(self, shot: Shot) -> None:
        """A FloatParam takes ints, as Python's float arithmetic does."""
        shot.fps.set(30)
        assert shot.fps.get() == 30

    def test_float_refuses_nan(self, shot: Shot) -> None:
        """Typed floats still refuse what JSON cannot hold."""
        with pytest.raises(gf.InvalidValueError, match="nan cannot be stored"):
            shot.fps.set(float("nan"))

    def test_dict_param_needs_json_values(self, shot: Shot) -> None:
        """A DictParam's values must be JSON too."""
        with pytest.raises(gf.InvalidValueError, match=re.escape("value['x'] is a set")):
            shot.meta.set({"x": {1}})

    def test_dict_param_default_is_fresh(self, shot: Shot) -> None:
        """DictParam's default is a new empty dict at every read."""
        shot.meta.get()["x"] = 1
        assert shot.meta.get() == {}

    def test_converted_types_round_trip(self, flow: gf.Flow, shot: Shot) -> None:
        """Types that are not JSON (datetime, enum, model) are stored as JSON, read back typed."""
        when = dt.datetime(2026, 11, 24, 9, 30)
        shot.when.set(when)
        shot.mood.set(Mood.ANGRY)
        shot.span.set(Range(first=1001, last=1048))
        assert flow.store().get("/p/when") == "2026-11-24T09:30:00"
        assert flow.store().get("/p/span") == {"first": 1001, "last": 1048}
        fresh = gf.Flow(store=flow.store()).project("p")
        assert fresh.when.get() == when
        assert fresh.mood.get() is Mood.ANGRY
        assert fresh.span.get() == Range(first=1001, last=1048)
        assert shot.mood.relation.default_value() is Mood.CALM

    def test_converted_type_refuses_bad_input(self, shot: Shot) -> None:
        """Strict mode refuses a string where a datetime is declared."""
        with pytest.raises(gf.InvalidValueError, match="Input should be a valid datetime"):
            shot.when.set("2026-11-24")

    @pytest.mark.parametrize(
        ("relation", "message"),
        [
            (lambda: gf.IntParam("0"), "IntParam(default='0'): the default is str, not int"),
            (lambda: gf.BoolParam(0), "BoolParam(default=0): the default is int, not bool"),
            (
                lambda: gf.StringParam(b"x"),
                "StringParam(default=b'x'): the default is bytes, not str",
            ),
        ],
    )
    def test_typed_default_checked_at_definition(self, relation: Any, message: str) -> None:
        """A default of the wrong type is refused when the class is defined."""
        with pytest.raises(gf.RelationDefinitionError, match=re.escape(message)):
            relation()

    def test_none_default_allowed(self, memflow: gf.Flow) -> None:
        """None as a typed default means 'no value yet'."""

        class Item(gf.Object):
            count = gf.IntParam(None)

        assert memflow.create_project("p", Item).count.get() is None


class TestWatched:
    def test_watched_calls_the_owner(self, shot: Shot) -> None:
        """A watched param calls child_value_changed after each change, value already set."""
        shot.watched.set(3)
        shot.frames.set(5)
        shot.watched.revert_to_default()
        assert shot.seen == [("watched", 3), ("watched", 0)]
        assert shot.watched.relation.is_watched
        assert not shot.frames.relation.is_watched

    def test_set_touches(self, shot: Shot) -> None:
        """Setting a value notifies subscribers of it and of its ancestors."""
        heard: list[str] = []
        gf.subscribe(shot, heard.append)
        shot.frames.set(3)
        shot.frames.revert_to_default()
        assert heard == ["/p/frames", "/p/frames"]


class Editor(gf.Object):
    pan = gf.SessionParam(0)
    zoom = gf.SessionParam(1.0, float)


class TestSessionParam:
    def test_per_session_and_never_stored(self) -> None:
        """Two sessions on one store see their own values; nothing reaches the store."""
        store = gf.MemoryStore()
        ana = gf.Flow(gf.Session(user="ana", environ={}), store)
        bob = gf.Flow(gf.Session(user="bob", environ={}), store)
        ana.create_project("p", Editor)
        ana.project("p").pan.set(object_ := object())
        assert ana.project("p").pan.get() is object_
        assert bob.project("p").pan.get() == 0
        assert store.get("/p/pan") is None
        assert ana.project("p").pan.relation.kind == "session_param"

    def test_typed_session_param(self, memflow: gf.Flow) -> None:
        """A typed session param still validates."""
        editor = memflow.create_project("p", Editor)
        editor.zoom.set(2)
        with pytest.raises(gf.InvalidValueError, match="Input should be a valid number"):
            editor.zoom.set("2")
        editor.zoom.revert_to_default()
        assert editor.zoom.get() == 1.0


class Cut(gf.Object):
    frame_in = gf.IntParam(1).watched()
    frame_out = gf.IntParam(10).watched()
    duration = gf.Computed(cached=True)
    live = gf.Computed()
    stored = gf.Computed(cached=True, store_value=True)
    broken = gf.Computed()
    loop = gf.Computed()
    calls: int = 0

    def child_value_changed(self, value: gf.Value[Any]) -> None:
        self.duration.touch()

    def compute_child_value(self, value: gf.Value[Any]) -> None:
        type(self).calls += 1
        name = value.name()
        if name in ("duration", "live", "stored"):
            value.set(self.frame_out.get() - self.frame_in.get() + 1)
        elif name == "loop":
            value.set(self.loop.get())
        # "broken" sets nothing


class TestComputed:
    def test_cached_until_touched(self, memflow: gf.Flow) -> None:
        """A cached computed value is computed once, then again after touch()."""
        cut = memflow.create_project("p", Cut)
        Cut.calls = 0
        assert cut.duration.get() == 10
        assert cut.duration.get() == 10
        assert Cut.calls == 1
        cut.frame_out.set(20)  # watched: child_value_changed touches duration
        assert cut.duration.get() == 20
        assert Cut.calls == 2

    def test_uncached_computes_every_read(self, memflow: gf.Flow) -> None:
        """Without cached=True every read computes."""
        cut = memflow.create_project("p", Cut)
        Cut.calls = 0
        cut.live.get()
        cut.live.get()
        assert Cut.calls == 2

    def test_store_value(self, memflow: gf.Flow) -> None:
        """store_value=True writes each result to the store; revert deletes it."""
        cut = memflow.create_project("p", Cut)
        assert cut.stored.get() == 10
        assert memflow.store().get("/p/stored") == 10
        cut.stored.revert_to_default()
        assert memflow.store().get("/p/stored") is None

    def test_outside_set_notifies(self, memflow: gf.Flow) -> None:
        """Setting a computed value from outside caches it and notifies; computing does not."""
        cut = memflow.create_project("p", Cut)
        heard: list[str] = []
        gf.subscribe(cut, heard.append)
        cut.duration.get()
        assert heard == []
        cut.duration.set(99)
        assert cut.duration.get() == 99
        assert heard == ["/p/duration"]

    def test_compute_must_set(self, memflow: gf.Flow) -> None:
        """compute_child_value() that sets nothing is an error naming the value."""
        cut = memflow.create_project("p", Cut)
        with pytest.raises(
            gf.GraftflowError,
            match=re.escape(
                "/p/broken: Cut.compute_child_value() returned without calling "
                "value.set(result) for 'broken'"
            ),
        ):
            cut.broken.get()

    def test_cycle_detected(self, memflow: gf.Flow) -> None:
        """A computation that reads itself fails clearly instead of recursing forever."""
        cut = memflow.create_project("p", Cut)
        with pytest.raises(
            gf.GraftflowError,
            match=re.escape("/p/loop: compute_child_value() read the value it is computing"),
        ):
            cut.loop.get()

    def test_missing_compute(self, memflow: gf.Flow) -> None:
        """An owner without compute_child_value says so, naming class, oid and value."""

        class Lazy(gf.Object):
            total = gf.Computed()

        lazy = memflow.create_project("p", Lazy)
        with pytest.raises(
            NotImplementedError,
            match=re.escape(
                "Lazy (/p) declares the computed value 'total' but does not implement "
                "compute_child_value(value)"
            ),
        ):
            lazy.total.get()

    def test_stored_result_must_be_json(self, memflow: gf.Flow) -> None:
        """A stored computed value refuses non-JSON results."""
        cut = memflow.create_project("p", Cut)
        with pytest.raises(gf.InvalidValueError, match="Computed /p/stored: value is a set"):
            cut.stored.set({1})


class Asset(gf.Object):
    pass


class Assets(gf.Map[Asset]):
    pass


class Prop(gf.Object):
    pass


class Casting(gf.Object):
    assets = gf.Child(Assets)
    hero = gf.Connection(Asset)
    props = gf.Child(gf.Object)
    up = gf.Parent()
    project = gf.Parent(2)
    sibling = gf.Relative("../casting/assets")
    hero_kind = gf.Relative("assets/bob")


class Show(gf.Object):
    casting = gf.Child(Casting)
    too_far = gf.Parent(3)


class TestLinks:
    def test_connection_round_trip(self, flow: gf.Flow) -> None:
        """A connection stores the oid and gives the object back, in a new flow too."""
        casting = flow.create_project("p", Show).casting
        bob = casting.assets.add("bob")
        assert casting.hero.get() is None
        casting.hero.set(bob)
        assert flow.store().get("/p/casting/hero") == "/p/casting/assets/bob"
        assert casting.hero.get() is bob
        assert casting.hero.oid_value() == "/p/casting/assets/bob"
        again = gf.Flow(store=flow.store()).get_object("/p/casting/hero").get()
        assert again.oid() == bob.oid()
        casting.hero.set(None)
        assert casting.hero.get() is None

    def test_connection_refuses_wrong_type(self, memflow: gf.Flow) -> None:
        """Only objects of the declared type (of the same flow) can be connected."""
        casting = memflow.create_project("p", Show).casting
        with pytest.raises(
            gf.InvalidValueError,
            match=re.escape(
                "Connection /p/casting/hero: expected a Asset, got <Object /p/casting/props>"
            ),
        ):
            casting.hero.set(casting.props)
        other = gf.Flow().create_project("q", Show).casting.assets.add("x")
        with pytest.raises(gf.InvalidValueError, match="belongs to another flow"):
            casting.hero.set(other)
        assert casting.hero.get() is None

    def test_dangling_connection(self, memflow: gf.Flow) -> None:
        """A connection to a removed object says which link broke and why."""
        casting = memflow.create_project("p", Show).casting
        casting.hero.set(casting.assets.add("bob"))
        casting.assets.remove("bob")
        casting.assets.add("bobby")
        with pytest.raises(
            gf.MissingChildError,
            match=re.escape(
                "/p/casting/hero connects to /p/casting/assets/bob, which no longer resolves"
            ),
        ):
            casting.hero.get()

    def test_parent_and_relative(self, memflow: gf.Flow) -> None:
        """Parent walks up; Relative resolves from the owner at every read."""
        show = memflow.create_project("p", Show)
        casting = show.casting
        assert casting.up is show
        assert casting.project is memflow
        assert casting.sibling is casting.assets
        bob = casting.assets.add("bob")
        assert casting.hero_kind is bob
        casting.assets.remove("bob")
        with pytest.raises(gf.MissingChildError):
            casting.hero_kind
        with pytest.raises(
            gf.RelationError, match=re.escape("/p/too_far: Parent(levels=3) goes above the root")
        ):
            show.too_far

    def test_attribute_errors_inside_relations_are_not_hidden(self, memflow: gf.Flow) -> None:
        """A relation failing with an AttributeError says so instead of 'no relation'."""

        class Broken(gf.Object):
            target = gf.Relative("../nowhere")

        class Holder(gf.Object):
            broken = gf.Child(Broken)

        broken = memflow.create_project("p", Holder).broken
        with pytest.raises(
            gf.RelationError,
            match=re.escape(
                "/p/broken/target: MissingRelationError: /p (Holder) has no relation 'nowhere'"
            ),
        ) as info:
            broken.target
        assert isinstance(info.value.__cause__, gf.MissingRelationError)

    def test_relation_arguments_checked(self) -> None:
        """Relations refuse wrong arguments when the class is defined."""
        with pytest.raises(TypeError, match="Child\\(\\) takes a flow Object subclass, not 3"):
            gf.Child(3)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="declare a subclass first"):
            gf.Child(gf.Map[Asset])  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="Parent\\(levels\\) takes an int >= 1, not 0"):
            gf.Parent(0)
        with pytest.raises(gf.InvalidOidError):
            gf.Relative("a//b")

    def test_kinds(self) -> None:
        """Each relation reports its kind (used by describe() and the CLI)."""
        kinds = {r.name: r.kind for r in gf.relations(Casting)}
        assert kinds == {
            "assets": "map",
            "hero": "connection",
            "props": "child",
            "up": "parent",
            "project": "parent",
            "sibling": "relative",
            "hero_kind": "relative",
        }


@pytest.mark.parametrize(
    ("cls", "default", "value_type"),
    [
        (gf.StringParam, "wip", str),
        (gf.IntParam, 3, int),
        (gf.FloatParam, 1.5, float),
        (gf.BoolParam, True, bool),
    ],
)
def test_typed_param_fast_path_matches_param(cls: Any, default: Any, value_type: type) -> None:
    """The typed params' shortcut for a literal default sets exactly what Param does."""
    fast = cls(default)
    slow = cls.__new__(cls)  # the same class through Param's checked path
    gf.Param.__init__(slow, default, value_type)
    slots = [name for klass in type(slow).__mro__ for name in getattr(klass, "__slots__", ())]
    assert slots
    for name in slots:
        assert getattr(fast, name) == getattr(slow, name), name
    assert fast.validate("/p/x", default) == default
    with pytest.raises(gf.InvalidValueError):
        fast.validate("/p/x", [default])


class Pointed(gf.Object):
    pass


def every_construction() -> list[Any]:
    """Each way graftflow builds a relation: every class, with and without the fast
    paths (literal default, no index), factories, indexes, and copies under a name."""
    made = [
        gf.Param(),
        gf.Param(1),
        gf.Param(list),
        gf.Param(None, int),
        gf.Param("a", str, index=2),
        gf.DictParam(),
        gf.DictParam(index=None),
        gf.SessionParam(),
        gf.SessionParam(3, int, index=0),
        gf.Computed(),
        gf.Computed(cached=True, store_value=True, index=1),
        gf.Child(Pointed),
        gf.Connection(Pointed, index=0),
        gf.Parent(2),
        gf.Relative("/x"),
        gf.Relative(None),
        gf.Param("a", gf.ChoiceValue),
        gf.HashParam(),
        gf.HashParam(index=1),
        gf.OrderedStringSetParam(),
        gf.OrderedStringSetParam(index=None),
        gf.Computed().watched(),
        gf.Connection(Pointed).allow_cross_project().watched(),
        gf.Label("<h3>x</h3>"),
        gf.Label("y", label="Y", group="g"),
        gf.Separator(),
    ]
    for typed, default in (
        (gf.IntParam, 5),
        (gf.FloatParam, 2.5),
        (gf.BoolParam, True),
        (gf.StringParam, "s"),
    ):
        made += [typed(), typed(default), typed(default, index=3), typed(lambda d=default: d)]
    made += [relation.renamed("copy") for relation in made]
    made += [gf.IntParam(1).watched().ui(label="x").renamed("watched_copy")]
    return made


def slots_of(cls: type[Any]) -> set[str]:
    found = set()
    for klass in cls.__mro__:
        slots = klass.__dict__.get("__slots__", ())
        found.update([slots] if isinstance(slots, str) else slots)
    return found - {"__weakref__", "__dict__"}


class TestRelationSlots:
    """Relation slots are set in several places for speed (issue 5's W2_overhead):
    every construction path must set every slot (issue 16)."""

    @pytest.mark.parametrize("relation", every_construction(), ids=repr)
    def test_every_slot_is_set(self, relation: gf.Relation[Any]) -> None:
        assert set(type(relation)._gf_slots) == slots_of(type(relation))
        unset = [slot for slot in slots_of(type(relation)) if not hasattr(relation, slot)]
        assert unset == []

    def test_a_copy_carries_every_slot(self) -> None:
        """renamed() copies each slot's value; only the name and the owner differ."""
        for relation in every_construction():
            copy = relation.renamed("other")
            assert (copy.name, copy.owner) == ("other", None)
            for slot in slots_of(type(relation)) - {"name", "_owner"}:
                assert getattr(copy, slot) is getattr(relation, slot), slot

    @pytest.mark.parametrize(
        ("typed", "default", "value_type"),
        [
            (gf.IntParam, 5, int),
            (gf.FloatParam, 2.5, float),
            (gf.BoolParam, True, bool),
            (gf.StringParam, "s", str),
        ],
    )
    def test_the_simple_path_sets_what_param_init_sets(
        self, typed: type[gf.Param[Any]], default: Any, value_type: type[Any]
    ) -> None:
        """A literal default and no index take the constructor's short path (a param
        per object in factories: issue 18's W2_cold); it leaves the param as
        Param.__init__ does."""
        fast = typed(default)
        general = typed.__new__(typed)
        gf.Param.__init__(general, default, value_type)
        for slot in slots_of(typed):
            assert getattr(fast, slot) == getattr(general, slot), slot
        assert typed.__init__.__name__ == "__init__"

    def test_every_relation_class_is_covered(self) -> None:
        """A new relation class of graftflow's must join every_construction() above."""

        def subclasses(cls: type[Any]) -> set[type[Any]]:
            return {cls, *(s for sub in cls.__subclasses__() for s in subclasses(sub))}

        ours = {c for c in subclasses(gf.Relation) if c.__module__.startswith("graftflow._")}
        assert ours - {gf.Relation} <= {type(relation) for relation in every_construction()}


class _Holder(gf.Object):
    anything = gf.Param()
    number = gf.IntParam(7)
    mapping = gf.DictParam()


class TestAbsurdValues:
    """Issue 12: a value that contains itself, or nests 5,000 deep, is refused like any
    non-JSON value (InvalidValueError naming the oid, nothing written), never a
    RecursionError."""

    @pytest.mark.parametrize("make", [contains_itself, lambda: nested(5000)], ids=["cycle", "deep"])
    @pytest.mark.parametrize("param", ["anything", "number", "mapping"])
    def test_is_invalid_and_writes_nothing(self, param: str, make: Any) -> None:
        holder = gf.Flow().create_project("p", _Holder)
        value = getattr(holder, param)
        before = value.get()
        with pytest.raises(gf.InvalidValueError, match=re.escape(f"/p/{param}")):
            value.set(make())
        assert value.get() == before
        loop: dict[str, Any] = {}
        loop["again"] = loop
        with pytest.raises(gf.InvalidValueError, match="contains itself"):
            holder.mapping.set(loop)
