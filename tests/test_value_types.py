"""Value types with relations of their own, and the value types kabaret flows use.

Issue 13: a value class may declare relations (``shot.status.reset.run()``); choice
values with their set/select actions; hash values and ordered string sets stored key by
key; counters; ``Param(default, ValueClass)``.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

import pytest
from conftest import make_store

import graftflow as gf
from graftflow.extending import ComputedValue

# -- a value type with actions, as kabaret's showcase and demo declare them -------------


class ResetStatus(gf.Action):
    _value = gf.Parent()

    def run(self, button: str) -> Any:
        self._value.revert_to_default()  # type: ignore[union-attr]


class SetDone(gf.ChoiceValueSetAction):
    VALUE_TO_SET = "DONE"


class StatusValue(gf.ChoiceValue):
    CHOICES = ["NYS", "WIP", "RVW", "DONE"]

    done = gf.Child(SetDone)
    other = gf.Child(gf.ChoiceValueSelectAction)
    reset = gf.Child(ResetStatus)
    note = gf.StringParam("")


class Frames(gf.IntValue):
    reset = gf.Child(ResetStatus)


class Shot(gf.Object):
    status = gf.Param("NYS", StatusValue).watched()
    frames = gf.Param(100, Frames)
    changed: list[str]

    def child_value_changed(self, value: gf.Value[Any]) -> None:
        self.__dict__.setdefault("changed", []).append(value.name())


class Shots(gf.Map[Shot]):
    pass


class Project(gf.Object):
    shots = gf.Child(Shots)


def shot_in(flow: gf.Flow, name: str = "sh010") -> Shot:
    return flow.create_project("p", Project).shots.add(name)


class TestValueRelations:
    def test_actions_of_a_value(self, flow: gf.Flow) -> None:
        """A value's own actions run on it: shot.status.reset.run() as in kabaret."""
        shot = shot_in(flow)
        shot.status.done.run("Run")
        assert shot.status.get() == "DONE"
        assert flow.store().get("/p/shots/sh010/status") == "DONE"
        shot.status.reset.run("Run")
        assert shot.status.get() == "NYS"
        assert shot.frames.reset.oid() == "/p/shots/sh010/frames/reset"
        shot.frames.set(12)
        shot.frames.reset.run("Run")
        assert shot.frames.get() == 100

    def test_oids_paths_and_parents(self, memflow: gf.Flow) -> None:
        """Relations of a value have oids under it, resolve by path, and walk back up."""
        shot = shot_in(memflow)
        action = memflow.get_object("/p/shots/sh010/status/done")
        assert action is shot.status.done
        assert action._choice_value is shot.status
        assert gf.get_object(action, "..") is shot.status
        assert gf.get_object(action, "../..") is shot
        assert gf.project_of(action).oid() == "/p"
        assert shot.status.note.oid() == "/p/shots/sh010/status/note"
        shot.status.note.set("client asked")
        assert memflow.store().get("/p/shots/sh010/status/note") == "client asked"
        assert gf.get_object(shot, "status/note").get() == "client asked"
        assert [r.name for r in gf.relations(StatusValue)] == ["done", "other", "reset", "note"]
        assert [r.name for r in gf.relations(shot.status)] == ["done", "other", "reset", "note"]

    def test_unknown_step_below_a_value(self, memflow: gf.Flow) -> None:
        """A name that is not a relation of the value is a MissingRelationError naming it;
        a plain value has no children at all."""
        shot_in(memflow)
        with pytest.raises(gf.MissingRelationError, match=r"has no relation 'dne'.*'done'"):
            memflow.get_object("/p/shots/sh010/status/dne")
        with pytest.raises(gf.MissingRelationError, match="is a value; it has no child 'x'"):
            memflow.get_object("/p/shots/sh010/status/note/x")

    def test_touching_an_action_notifies_the_value_subscribers(self, memflow: gf.Flow) -> None:
        """Notifications from below a value reach whoever listens to the value."""
        shot = shot_in(memflow)
        heard: list[str] = []
        gf.subscribe(shot.status, heard.append)
        shot.status.done.touch()
        shot.status.done.run("Run")
        assert heard == ["/p/shots/sh010/status/done", "/p/shots/sh010/status"]

    def test_slots_leave_no_room_for_relations(self) -> None:
        """A value class with relations needs a __dict__; __slots__ is refused, named."""
        with pytest.raises(gf.RelationDefinitionError, match="remove __slots__"):

            class Slotted(gf.ChoiceValue):
                __slots__ = ()
                done = gf.Child(SetDone)

    def test_relation_names_may_not_shadow_value_methods(self) -> None:
        """A relation named like a method of the value (get, choices...) is refused."""
        with pytest.raises(gf.RelationDefinitionError, match=r"'choices'.*not a relation"):

            class Bad(gf.ChoiceValue):
                choices = gf.Child(SetDone)  # type: ignore[assignment]


# -- Param(default, ValueClass) ------------------------------------------------------------


class TestValueClassParams:
    def test_value_class_types_the_value(self, memflow: gf.Flow) -> None:
        """Param(909, IntValue) validates as an int and counts, as kabaret's does."""

        class Thing(gf.Object):
            n = gf.Param(909, gf.IntValue)

        thing = memflow.create_project("t", Thing)
        assert isinstance(thing.n, gf.IntValue)
        thing.n.set(909)
        assert thing.n.incr() == 910
        with pytest.raises(gf.InvalidValueError, match="Input should be a valid integer"):
            thing.n.set("12")

    def test_value_class_must_fit_the_param(self) -> None:
        """A value class that is not a value of that kind of param is refused."""
        with pytest.raises(gf.RelationDefinitionError, match="must derive HashValue"):
            gf.HashParam(StatusValue)  # type: ignore[arg-type]
        with pytest.raises(gf.RelationDefinitionError, match="must derive ParamValue"):
            gf.Param(None, ComputedValue)

    def test_value_type_must_be_json(self) -> None:
        """A value class validates with a JSON type: a converted type is refused."""
        import datetime

        class When(gf.ParamValue[Any]):
            VALUE_TYPE = datetime.datetime

        with pytest.raises(gf.RelationDefinitionError, match=r"When.VALUE_TYPE must be a JSON"):
            gf.Param(None, When)


# -- choice values ---------------------------------------------------------------------------


class Dynamic(gf.ChoiceValue):
    """kabaret's DynamicChoices: the next choices depend on the current one."""

    def choices(self) -> list[Any]:
        table = {None: ["a", "b"], "a": ["a1", "[reset]"], "[reset]": ["a", "b"]}
        return table.get(self.get(), ["[reset]"])


class Loose(gf.ChoiceValue):
    CHOICES = ["x", "y"]
    STRICT_CHOICES = False


class Defaulted(gf.ChoiceValue):
    CHOICES = ["NYS", "WIP"]
    DEFAULT_CHOICE = "NYS"


class Numbers(gf.ChoiceValue):
    CHOICES = [1, 2, 3]
    pick = gf.Child(gf.ChoiceValueSelectAction)


class Depts(gf.MultiChoiceValue):
    CHOICES = ("Mod", "Rig", "Anim")


class Choices(gf.Object):
    dynamic = gf.Param(None, Dynamic)
    loose = gf.Param(None, Loose)
    defaulted = gf.Param(None, Defaulted)
    numbers = gf.Param(1, Numbers)
    depts = gf.Param(None, Depts)
    depts_given = gf.Param(["Rig"], Depts)


class TestChoiceValue:
    def test_strict_choices(self, flow: gf.Flow) -> None:
        """A strict choice refuses other values (a ValueError naming the oid, with a
        suggestion), writes nothing, and touches the value so tools refresh."""
        shot = shot_in(flow)
        heard: list[str] = []
        gf.subscribe(shot.status, heard.append)
        with pytest.raises(
            ValueError,
            match=re.escape(
                "StatusValue /p/shots/sh010/status: 'WPI' is not one of "
                "['NYS', 'WIP', 'RVW', 'DONE']; did you mean 'WIP'?; nothing was written"
            ),
        ):
            shot.status.set("WPI")
        assert flow.store().get("/p/shots/sh010/status", "<none>") == "<none>"
        assert heard == ["/p/shots/sh010/status"]
        assert isinstance(shot.status, gf.ChoiceValue)
        assert shot.status.choices() == ["NYS", "WIP", "RVW", "DONE"]

    def test_dynamic_choices(self, memflow: gf.Flow) -> None:
        """choices() may depend on the value itself, as in kabaret's showcase."""
        choices = memflow.create_project("c", Choices)
        assert choices.dynamic.get() is None
        assert choices.dynamic.choices() == ["a", "b"]
        choices.dynamic.set("a")
        assert choices.dynamic.choices() == ["a1", "[reset]"]
        with pytest.raises(gf.InvalidValueError, match="'b' is not one of"):
            choices.dynamic.set("b")

    def test_loose_choices_and_default_choice(self, memflow: gf.Flow) -> None:
        """STRICT_CHOICES = False takes anything; DEFAULT_CHOICE stands for a None default."""
        choices = memflow.create_project("c", Choices)
        choices.loose.set("z")
        assert choices.loose.get() == "z"
        assert choices.defaulted.get() == "NYS"
        choices.defaulted.set("WIP")
        choices.defaulted.revert_to_default()
        assert choices.defaulted.get() == "NYS"

    def test_watched_choice_calls_the_owner(self, memflow: gf.Flow) -> None:
        """A watched choice value tells its owner, whichever action changed it."""
        shot = shot_in(memflow)
        shot.status.done.run("Run")
        shot.status.other.run("WIP")
        shot.status.reset.run("Run")
        assert shot.changed == ["status", "status", "status"]

    def test_select_action(self, memflow: gf.Flow) -> None:
        """The select action offers one button per choice and sets the one pressed; a
        number choice comes back a number."""
        shot = shot_in(memflow)
        assert shot.status.other.get_buttons() == ["NYS", "WIP", "RVW", "DONE"]
        assert shot.status.other.needs_dialog() is True
        shot.status.other.run("RVW")
        assert shot.status.get() == "RVW"
        numbers = memflow.create_project("c", Choices).numbers
        assert numbers.pick.get_buttons() == ["1", "2", "3"]
        numbers.pick.run("3")
        assert numbers.get() == 3
        with pytest.raises(gf.InvalidValueError, match="'9' is not one of"):
            numbers.pick.run("9")

    def test_set_action(self, memflow: gf.Flow) -> None:
        """The set action needs no dialog and sets VALUE_TO_SET."""
        shot = shot_in(memflow)
        assert shot.status.done.needs_dialog() is False
        shot.status.done.run("Run")
        assert shot.status.get() == "DONE"


class TestMultiChoiceValue:
    def test_lists_of_choices(self, flow: gf.Flow) -> None:
        """A multi-choice holds a list of choices; one value is a list of one; each item
        is checked; add() appends."""
        choices = flow.create_project("c", Choices)
        assert choices.depts.get() == []
        assert choices.depts_given.get() == ["Rig"]
        choices.depts.set(["Mod", "Anim"])
        assert flow.store().get("/c/depts") == ["Mod", "Anim"]
        choices.depts.set("Rig")
        assert choices.depts.get() == ["Rig"]
        choices.depts.add("Anim")
        assert choices.depts.get() == ["Rig", "Anim"]
        with pytest.raises(gf.InvalidValueError, match="'Comp' is not one of"):
            choices.depts.set(["Mod", "Comp"])
        assert choices.depts.get() == ["Rig", "Anim"]
        assert isinstance(choices.depts, gf.ChoiceValue)


# -- hash values and ordered string sets -----------------------------------------------------


class Tags(gf.Object):
    meta = gf.HashParam()
    order = gf.OrderedStringSetParam()


class TestHashValue:
    def test_key_by_key(self, flow: gf.Flow) -> None:
        """Keys are set, read, listed and removed one by one, each a field of a store
        hash at the value's oid."""
        meta = flow.create_project("t", Tags).meta
        assert meta.get() == {}
        meta.set_key("fps", 24)
        meta.update(res="2k", lut={"name": "rec709"})
        meta.update({"fps": 25})
        assert meta.get() == meta.as_dict() == {"fps": 25, "res": "2k", "lut": {"name": "rec709"}}
        assert flow.store().hash_items("/t/meta") == meta.get()
        assert sorted(meta.keys()) == ["fps", "lut", "res"]
        assert meta.len() == 3
        assert meta.has_key("fps")
        assert not meta.has_key("nope")
        assert meta.get_key("res") == "2k"
        assert meta.get_key("nope", None) is None
        assert meta.del_key("res") is True
        assert meta.del_key("res") is False
        assert meta.get() == {"fps": 25, "lut": {"name": "rec709"}}

    def test_set_replaces_and_revert_clears(self, flow: gf.Flow) -> None:
        """set() replaces the whole hash (a dict or kabaret's list of pairs); reverting
        empties it."""
        meta = flow.create_project("t", Tags).meta
        meta.update(a=1, b=2)
        meta.set([("b", 3), ("c", 4)])
        assert meta.get() == {"b": 3, "c": 4}
        meta.revert_to_default()
        assert meta.get() == {}
        assert flow.store().hash_items("/t/meta") == {}

    def test_refusals_write_nothing(self, flow: gf.Flow) -> None:
        """A non-str key, a non-JSON value or a non-mapping is refused, naming the oid
        and the key; nothing is written."""
        meta = flow.create_project("t", Tags).meta
        meta.set_key("a", 1)
        with pytest.raises(gf.InvalidValueError, match=r"HashValue /t/meta: keys are str, not 1"):
            meta.set({"b": 2, 1: 3})
        with pytest.raises(gf.InvalidValueError, match=r"/t/meta\['b'\]: .*not a JSON value"):
            meta.update(b=object())
        with pytest.raises(
            gf.InvalidValueError,
            match=r"a mapping \(or a list of \(key, value\) pairs\) is expected, not 5",
        ):
            meta.set(5)  # type: ignore[arg-type]
        assert meta.get() == {"a": 1}

    def test_missing_key(self, memflow: gf.Flow) -> None:
        """get_key() of an unknown key is a LookupError naming the value and its keys."""
        meta = memflow.create_project("t", Tags).meta
        meta.set_key("fps", 24)
        with pytest.raises(
            LookupError, match=re.escape("/t/meta has no key 'res' (keys: ['fps'])")
        ):
            meta.get_key("res")


class TestOrderedStringSet:
    def test_members_by_score(self, flow: gf.Flow) -> None:
        """Members come out by score, ties by name; ranges slice that order."""
        order = flow.create_project("t", Tags).order
        assert order.get() == []
        order.add("c", 2)
        order.add("b", 1)
        order.add("a", 1)
        order.add("z")
        assert order.get() == ["z", "a", "b", "c"]
        assert order.get_range(1, 3) == ["a", "b"]
        assert order.len() == 4
        assert order.has("a")
        assert not order.has("y")
        assert order.get_score("c") == 2
        assert order.get_score("y") is None
        order.set_score("z", 5)
        assert order.get() == ["a", "b", "c", "z"]
        assert order.remove("b") is True
        assert order.remove("b") is False
        assert order.get() == ["a", "c", "z"]
        order.revert_to_default()
        assert order.get() == []
        assert flow.store().hash_items("/t/order") == {}

    def test_refusals(self, memflow: gf.Flow) -> None:
        """It is edited, never set whole; members are str and scores finite numbers."""
        order = memflow.create_project("t", Tags).order
        with pytest.raises(
            gf.InvalidValueError, match=re.escape("use add(member, score) and remove(member)")
        ):
            order.set(["a"])
        with pytest.raises(gf.InvalidValueError, match="members are str, not 1"):
            order.add(1)  # type: ignore[arg-type]
        with pytest.raises(gf.InvalidValueError, match="must be a finite number, not nan"):
            order.add("a", float("nan"))
        assert order.get() == []


# -- counters --------------------------------------------------------------------------------


class Counters(gf.Object):
    zero = gf.IntParam()
    start = gf.IntParam(10).watched()
    changed: list[str]

    def child_value_changed(self, value: gf.Value[Any]) -> None:
        self.__dict__.setdefault("changed", []).append(value.name())


class CounterItems(gf.Map[Counters]):
    pass


class CounterProject(gf.Object):
    items = gf.Child(CounterItems)


class TestCounters:
    def test_incr_and_decr_return_the_new_value(self, flow: gf.Flow) -> None:
        """incr/decr change the stored int and return it; a value never written counts
        from 0 in the store, as in kabaret, whatever the param's default."""
        counters = flow.create_project("c", Counters)
        assert counters.zero.incr() == 1
        assert counters.zero.incr(5) == 6
        assert counters.zero.decr(2) == 4
        assert counters.start.get() == 10
        assert counters.start.incr() == 1  # kabaret's IntParam(10).incr() gave 1 too
        assert counters.start.decr(4) == -3
        assert flow.store().get("/c/zero") == 4
        assert flow.store().get("/c/start") == -3
        assert counters.changed == ["start", "start"]

    def test_counting_on_what_set_wrote(self, flow: gf.Flow) -> None:
        """incr works on a JSON int written by set(), and a reverted value counts from
        0 again."""
        counters = flow.create_project("c", Counters)
        counters.start.set(3)
        assert counters.start.incr() == 4
        counters.start.revert_to_default()
        assert counters.start.get() == 10
        assert counters.start.incr() == 1
        counters.zero.set(40)
        assert counters.zero.incr(2) == 42

    def test_removed_item_starts_over(self, flow: gf.Flow) -> None:
        """An item removed and added again starts over: nothing of the old count stays."""
        items = flow.create_project("c", CounterProject).items
        items.add("a").zero.incr(5)
        items.remove("a")
        assert items.add("a").zero.incr() == 1

    @pytest.mark.parametrize("store_kind", ["sqlite", "redis"])
    def test_reopened_flow_continues(self, flow: gf.Flow) -> None:
        """Another flow on the same store continues the count."""
        flow.create_project("c", Counters).zero.incr()
        again = gf.Flow(store=flow.store()).project("c")
        assert again.zero.incr() == 2  # type: ignore[attr-defined]

    def test_concurrent_increments_lose_nothing(
        self, store_kind: str, tmp_path: Path, request: pytest.FixtureRequest
    ) -> None:
        """Writers racing on one counter, each with its own connection to the store,
        lose no increment, the first ones included."""
        shared = make_store(store_kind, tmp_path, request)
        url = shared.url
        gf.Flow(store=shared).create_project("c", Counters)
        workers, each = 4, 25
        start = threading.Barrier(workers)
        returned: list[int] = []

        def work() -> None:
            # Its own connection (client), as another process would have.
            own = shared if store_kind == "memory" else gf.open_store(url)
            counters = gf.Flow(store=own).project("c")
            start.wait()  # every first increment at once
            for _ in range(each):
                returned.append(counters.zero.incr())  # type: ignore[attr-defined]
            if own is not shared:
                own.close()

        threads = [threading.Thread(target=work) for _ in range(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        total = workers * each
        assert gf.Flow(store=shared).project("c").zero.get() == total  # type: ignore[attr-defined]
        assert sorted(returned) == list(range(1, total + 1))  # each writer saw its own
        shared.close()

    @pytest.mark.parametrize("by", ["1", 1.5, True, None])
    def test_amount_must_be_an_int(self, memflow: gf.Flow, by: Any) -> None:
        """incr/decr take an int; anything else is refused, naming the oid."""
        counters = memflow.create_project("c", Counters)
        with pytest.raises(gf.InvalidValueError, match=r"/c/start: incr\(by\) takes an int"):
            counters.start.incr(by)
        with pytest.raises(gf.InvalidValueError, match=r"/c/start: decr\(by\) takes an int"):
            counters.start.decr(by)
        assert counters.start.get() == 10


# -- watched computed values and connections ------------------------------------------------


class Asset(gf.Object):
    pass


class Assets(gf.Map[Asset]):
    pass


class Watcher(gf.Object):
    assets = gf.Child(Assets)
    total = gf.Computed().watched()
    hero = gf.Connection(Asset).watched()
    computes = 0
    changed: list[str]

    def compute_child_value(self, value: gf.Value[Any]) -> None:
        type(self).computes += 1
        value.set(len(self.assets))

    def child_value_changed(self, value: gf.Value[Any]) -> None:
        self.__dict__.setdefault("changed", []).append(value.name())


class TestWatched:
    def test_watched_computed(self, memflow: gf.Flow) -> None:
        """A watched computed value calls the owner when set from outside or reverted,
        not when it is computed (a watcher reading it would compute forever)."""
        watcher = memflow.create_project("w", Watcher)
        assert watcher.total.get() == 0
        assert watcher.__dict__.get("changed") is None
        watcher.total.set(5)
        watcher.total.revert_to_default()
        assert watcher.changed == ["total", "total"]
        assert Watcher.total.is_watched
        assert not gf.Computed().is_watched

    def test_watched_connection(self, memflow: gf.Flow) -> None:
        """A watched connection calls the owner on set and on clear."""
        watcher = memflow.create_project("w", Watcher)
        watcher.hero.set(watcher.assets.add("bob"))
        watcher.hero.set(None)
        assert watcher.changed == ["hero", "hero"]
