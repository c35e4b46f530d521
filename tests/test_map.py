"""Map and DynamicMap: items of one mapped type, stored names or computed ones."""

from __future__ import annotations

import re
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from sample_flow import Asset, HeroShot, Shot, Shots, Studio

import graftflow as gf
from graftflow import _refs

# -- flow classes of this module (module level: projects are reopened by type name) -----


class Counted(gf.Object):
    """An item that counts how many times it is built, to prove laziness."""

    instances: ClassVar[int] = 0

    status = gf.StringParam("todo")

    def __init__(self, parent: Any, name: str) -> None:
        super().__init__(parent, name)
        Counted.instances += 1


class CountedMap(gf.Map[Counted]):
    """A map with a relation of its own, next to its items."""

    owner = gf.StringParam("nobody")


class HookedShots(gf.Map):  # type: ignore[type-arg]
    """A map whose item type comes from the ``mapped_type()`` override, not a generic."""

    @classmethod
    def mapped_type(cls) -> type[Shot]:
        return Shot


class ComputedNames(gf.DynamicMap[Shot]):
    """A dynamic map whose names come from one of its own params (and count the calls)."""

    calls: ClassVar[int] = 0

    source = gf.Param(list)

    def mapped_names(self, page_num: int = 0, page_size: int | None = None) -> list[str]:
        ComputedNames.calls += 1
        names = list(self.source.get())
        if page_size is None:
            return names
        return names[page_num * page_size : (page_num + 1) * page_size]


class BareNames(gf.DynamicMap[Shot]):
    """A dynamic map that forgot to override ``mapped_names``."""


class Lot(gf.Object):
    """The project type of these tests: one map of each kind."""

    shots = gf.Child(Shots)
    hooked = gf.Child(HookedShots)
    counted = gf.Child(CountedMap)
    names = gf.Child(ComputedNames)
    bare = gf.Child(BareNames)


@pytest.fixture
def lot(flow: gf.Flow) -> Lot:
    """The project ``/lot`` on a fresh store of each kind."""
    return flow.create_project("lot", Lot)


@pytest.fixture
def counted(lot: Lot) -> CountedMap:
    """The counting map ``/lot/counted``, with the instance counter reset."""
    Counted.instances = 0
    return lot.counted


def reopen(flow: gf.Flow) -> Lot:
    """The project ``/lot`` built again by a new flow on the same store."""
    project = gf.Flow(session=gf.Session(user="other", environ={}), store=flow.store()).project(
        "lot"
    )
    assert isinstance(project, Lot)
    return project


INVALID_NAMES = ["", "a/b", ".", "..", "-x", "a" * 300, "a b", "a@b", "💥", "\u0301e", "é" * 256]


def invalid_name_message(where: str, name: object) -> str:
    """The exact start of the InvalidNameError message for ``name`` at ``where``."""
    if isinstance(name, str):
        return re.escape(f"{where}: invalid name {name!r}: use letters and digits")
    return re.escape(f"{where}: an item name must be a str, not {type(name).__name__}")


class TestMappedType:
    def test_generic_argument(self) -> None:
        """``Map[Shot]`` makes Shot the mapped type."""
        assert Shots.mapped_type() is Shot

    def test_classmethod_override(self) -> None:
        """A ``mapped_type()`` override gives the item type without a generic argument."""
        assert HookedShots.mapped_type() is Shot

    def test_plain_map_maps_objects(self) -> None:
        """A map with neither a generic argument nor an override maps plain Objects."""
        assert gf.Map.mapped_type() is gf.Object


class TestAdd:
    def test_returns_item_of_generic_type(self, lot: Lot) -> None:
        """add() returns the built item, of the generic argument's type, at its oid."""
        shot = lot.shots.add("sh010")
        assert type(shot) is Shot
        assert shot.oid() == "/lot/shots/sh010"
        assert shot.name() == "sh010"

    def test_returns_item_of_overridden_type(self, lot: Lot) -> None:
        """add() on a map with a ``mapped_type()`` override builds that type."""
        shot = lot.hooked.add("sh010")
        assert type(shot) is Shot
        assert shot.oid() == "/lot/hooked/sh010"

    def test_added_item_is_the_cached_item(self, lot: Lot) -> None:
        """The object add() returns is the one ``map[name]`` gives afterwards."""
        shot = lot.shots.add("sh010")
        assert lot.shots["sh010"] is shot

    def test_item_values_start_at_defaults(self, lot: Lot) -> None:
        """A new item reads its params' defaults."""
        shot = lot.shots.add("sh010")
        assert shot.status.get() == "wip"
        assert shot.frame_in.get() == 1001

    def test_object_type_builds_subclass(self, lot: Lot) -> None:
        """add(object_type=HeroShot) returns a HeroShot."""
        shot = lot.shots.add("sh010", object_type=HeroShot)
        assert type(shot) is HeroShot
        assert shot.hero.get() is True

    def test_object_type_is_stored(self, flow: gf.Flow, lot: Lot) -> None:
        """A new flow on the same store builds the item with its stored per-item type."""
        lot.shots.add("sh010", object_type=HeroShot)
        lot.shots.add("sh020")
        again = reopen(flow)
        assert again is not lot
        assert type(again.shots["sh010"]) is HeroShot
        assert type(again.shots["sh020"]) is Shot

    def test_object_type_on_overridden_map(self, flow: gf.Flow, lot: Lot) -> None:
        """A per-item type works on a map typed by the ``mapped_type()`` override too."""
        lot.hooked.add("sh010", object_type=HeroShot)
        assert type(reopen(flow).hooked["sh010"]) is HeroShot

    def test_object_type_equal_to_mapped_type(self, flow: gf.Flow, lot: Lot) -> None:
        """Passing the mapped type itself as object_type builds that type."""
        lot.shots.add("sh010", object_type=Shot)
        assert type(reopen(flow).shots["sh010"]) is Shot

    def test_object_type_not_a_subclass(self, lot: Lot) -> None:
        """An object_type outside the mapped type raises TypeError naming the map; no add."""
        with pytest.raises(
            TypeError,
            match=re.escape(f"/lot/shots: object_type must be a subclass of Shot, not {Asset!r}"),
        ):
            lot.shots.add("sh010", object_type=Asset)  # type: ignore[arg-type]
        assert "sh010" not in lot.shots
        assert len(lot.shots) == 0

    def test_object_type_not_a_class(self, lot: Lot) -> None:
        """An object_type that is not a class raises TypeError naming the map."""
        with pytest.raises(
            TypeError, match=re.escape("/lot/shots: object_type must be a subclass of Shot")
        ):
            lot.shots.add("sh010", object_type="sample_flow:HeroShot")  # type: ignore[arg-type]
        assert len(lot.shots) == 0

    def test_object_type_defined_in_function(self, flow: gf.Flow, lot: Lot) -> None:
        """A class defined inside a function serves as object_type within this process."""

        class LocalShot(Shot):
            pass

        assert type(lot.shots.add("sh010", object_type=LocalShot)) is LocalShot
        assert type(reopen(flow).shots["sh010"]) is LocalShot

    def test_object_type_defined_in_function_other_process(
        self, tmp_path: Path, run_python: Any
    ) -> None:
        """Another process cannot build an item of a local class: ObjectTypeError says why."""

        class LocalShot(Shot):
            pass

        store = gf.SQLiteStore(tmp_path / "local.db")
        with gf.Flow(store=store) as flow:
            film = flow.create_project("studio", Studio).films.add("f01")
            film.shots.add("sh010", object_type=LocalShot)
            film.shots.add("sh020")
        store.close()
        proc = run_python(
            """
            import graftflow as gf

            store = gf.SQLiteStore("local.db")
            shots = gf.Flow(store=store).get_object("/studio/films/f01/shots")
            print(type(shots["sh020"]).__name__)
            try:
                shots["sh010"]
            except gf.ObjectTypeError as exc:
                print(exc.oid)
                print(exc.type_path)
                print(exc)
            store.close()
            """
        )
        path = f"{__name__}:{LocalShot.__qualname__}"
        shot_type, oid, type_path, message = proc.stdout.splitlines()
        assert shot_type == "Shot"
        assert oid == "/studio/films/f01/shots/sh010"
        assert type_path == path
        assert message == (
            f"/studio/films/f01/shots/sh010: its type {path!r} cannot be imported "
            f"({LocalShot.__qualname__} was defined inside a function of the process that "
            "stored it, so no other process can import it; define it at module level); "
            "install the package that provides it, or remove the item"
        )

    def test_existing_name(self, flow: gf.Flow, lot: Lot) -> None:
        """Adding a taken name raises ExistsError naming map and name, and changes nothing."""
        first = lot.shots.add("sh010", object_type=HeroShot)
        first.status.set("done")
        with pytest.raises(
            gf.ExistsError, match=re.escape("/lot/shots already has an item 'sh010'")
        ) as info:
            lot.shots.add("sh010")
        assert info.value.names == ("sh010",)
        assert list(lot.shots) == ["sh010"]
        assert lot.shots["sh010"] is first
        again = reopen(flow).shots["sh010"]
        assert type(again) is HeroShot
        assert again.status.get() == "done"

    def test_existing_name_error_oid_is_the_map(self, lot: Lot) -> None:
        """The ExistsError of add() keeps the map's oid in ``oid``, as documented."""
        lot.shots.add("sh010")
        with pytest.raises(gf.ExistsError) as info:
            lot.shots.add("sh010")
        assert info.value.oid == "/lot/shots"

    @pytest.mark.parametrize("name", [*INVALID_NAMES, 3, None, b"sh010"])
    def test_invalid_name(self, lot: Lot, name: Any) -> None:
        """An invalid item name raises InvalidNameError naming the map; nothing is added."""
        with pytest.raises(gf.InvalidNameError, match=invalid_name_message("/lot/shots", name)):
            lot.shots.add(name)
        assert len(lot.shots) == 0

    @pytest.mark.parametrize("name", ["sh010", "010", "char-bob", "v001.ma", "_x", "a" * 255])
    def test_valid_names(self, lot: Lot, name: str) -> None:
        """Studio-style names (digits first, dashes, dots, 255 characters) are accepted."""
        assert lot.shots.add(name).name() == name
        assert name in lot.shots

    def test_name_of_a_map_relation(self, lot: Lot, counted: CountedMap) -> None:
        """An item may not take the name of one of the map's own relations."""
        with pytest.raises(
            gf.InvalidNameError,
            match=re.escape(
                "/lot/counted: 'owner' is a relation of the map, so an item of that name could "
                "never be reached; choose another name"
            ),
        ):
            counted.add("owner")
        assert len(counted) == 0


class TestAddMany:
    def test_adds_in_order_and_returns_count(self, counted: CountedMap) -> None:
        """add_many() appends the names in the given order and returns how many it added."""
        assert counted.add_many(["c", "a", "b"]) == 3
        assert counted.add_many(iter(["e", "d"])) == 2
        assert list(counted) == ["c", "a", "b", "e", "d"]

    def test_builds_nothing(self, counted: CountedMap) -> None:
        """add_many() builds none of the items it adds."""
        counted.add_many(["a", "b", "c"])
        assert Counted.instances == 0

    def test_empty(self, counted: CountedMap) -> None:
        """add_many() of no names returns 0 and adds nothing."""
        assert counted.add_many([]) == 0
        assert len(counted) == 0

    def test_object_type(self, flow: gf.Flow, lot: Lot) -> None:
        """add_many(object_type=...) stores the type of every item it adds."""
        lot.shots.add_many(["sh010", "sh020"], object_type=HeroShot)
        again = reopen(flow)
        assert [type(again.shots[n]) for n in again.shots] == [HeroShot, HeroShot]

    def test_existing_name_adds_nothing(self, counted: CountedMap) -> None:
        """One existing name makes add_many() raise ExistsError and add none of the names."""
        counted.add("x")
        with pytest.raises(
            gf.ExistsError, match=re.escape("/lot/counted already has 'x'; nothing was added")
        ) as info:
            counted.add_many(["n1", "x", "n2"])
        assert info.value.names == ("x",)
        assert list(counted) == ["x"]
        assert "n1" not in counted

    @pytest.mark.parametrize("bad", [*INVALID_NAMES, 3, None])
    def test_invalid_name_adds_nothing(self, counted: CountedMap, bad: Any) -> None:
        """One invalid name makes add_many() raise InvalidNameError and add nothing."""
        with pytest.raises(gf.InvalidNameError, match=invalid_name_message("/lot/counted", bad)):
            counted.add_many(["n1", bad, "n2"])
        assert len(counted) == 0
        assert "n1" not in counted

    def test_relation_name_adds_nothing(self, counted: CountedMap) -> None:
        """A name of the map's own relations makes add_many() add nothing."""
        with pytest.raises(gf.InvalidNameError, match="'owner' is a relation of the map"):
            counted.add_many(["n1", "owner"])
        assert len(counted) == 0

    def test_repeated_name_adds_nothing(self, counted: CountedMap) -> None:
        """A name listed twice makes add_many() raise ExistsError and add nothing."""
        with pytest.raises(gf.ExistsError, match=re.escape("/lot/counted: 'n1' is listed twice")):
            counted.add_many(["n1", "n2", "n1"])
        assert len(counted) == 0
        assert list(counted) == []

    def test_bad_object_type_adds_nothing(self, lot: Lot) -> None:
        """A wrong object_type makes add_many() raise TypeError and add nothing."""
        with pytest.raises(TypeError, match=re.escape("/lot/shots: object_type must be")):
            lot.shots.add_many(["sh010"], object_type=Asset)  # type: ignore[arg-type]
        assert len(lot.shots) == 0


class TestAddManyInChunks:
    """add_many() reads its names as they come and writes them in chunks, all in one
    batch (issue 18: ten million names in bounded memory); a small chunk size here."""

    @pytest.fixture(autouse=True)
    def _small_chunks(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import graftflow._map

        monkeypatch.setattr(graftflow._map, "_ADD_CHUNK", 3)

    def test_many_chunks_in_order(self, counted: CountedMap) -> None:
        names = [f"n{i:02d}" for i in range(10)]
        assert counted.add_many(iter(names)) == 10
        assert list(counted) == names

    def test_names_are_read_as_they_come(self, counted: CountedMap) -> None:
        """The first chunk is in the store's batch before the last name is even made."""
        seen: list[int] = []

        def names() -> Iterator[str]:
            for i in range(7):
                seen.append(counted._mng.store.ordered_len(counted.oid()))
                yield f"n{i}"

        counted.add_many(names())
        assert seen == [0, 0, 0, 3, 3, 3, 6]

    def test_repeated_across_chunks_adds_nothing(self, counted: CountedMap) -> None:
        counted.add("x")
        with pytest.raises(gf.ExistsError, match=re.escape("/lot/counted: 'n1' is listed twice")):
            counted.add_many(["n1", "n2", "n3", "n4", "n1"])
        assert list(counted) == ["x"]

    def test_existing_in_a_later_chunk_adds_nothing(self, counted: CountedMap) -> None:
        counted.add("x")
        with pytest.raises(
            gf.ExistsError, match=re.escape("/lot/counted already has 'x'; nothing was added")
        ):
            counted.add_many(["n1", "n2", "n3", "n4", "x"])
        assert list(counted) == ["x"]

    def test_invalid_in_a_later_chunk_adds_nothing(self, counted: CountedMap) -> None:
        with pytest.raises(gf.InvalidNameError):
            counted.add_many(["n1", "n2", "n3", "n4", "no/slash"])
        assert len(counted) == 0


class TestLenContainsIter:
    def test_len(self, lot: Lot) -> None:
        """len() counts the items, following adds and removes."""
        assert len(lot.shots) == 0
        lot.shots.add("a")
        lot.shots.add_many(["b", "c"])
        lot.shots.remove("b")
        assert len(lot.shots) == 2

    def test_contains(self, lot: Lot) -> None:
        """``in`` is True for added names only."""
        lot.shots.add("sh010")
        assert "sh010" in lot.shots
        assert "sh020" not in lot.shots
        assert "status" not in lot.shots

    @pytest.mark.parametrize("other", [3, None, 1.5, b"sh010", ("sh010",)])
    def test_contains_non_str(self, lot: Lot, other: object) -> None:
        """``in`` with something that is not a str is False, never an error."""
        lot.shots.add("sh010")
        assert other not in lot.shots

    def test_contains_unhashable(self, lot: Lot) -> None:
        """``in`` with an unhashable non-str (a list) is False, never an error."""
        lot.shots.add("sh010")
        assert ["sh010"] not in lot.shots

    def test_iter_in_insertion_order(self, lot: Lot) -> None:
        """Iteration yields the names in insertion order (a re-added name goes last)."""
        lot.shots.add_many(["c", "a", "b"])
        lot.shots.remove("c")
        lot.shots.add("c")
        assert list(lot.shots) == ["a", "b", "c"]

    def test_iter_more_than_one_page(self, counted: CountedMap) -> None:
        """Iteration pages through the store and yields all 2,500 names in order."""
        names = [f"n{i:05d}" for i in reversed(range(2500))]
        counted.add_many(names)
        assert list(counted) == names
        assert Counted.instances == 0

    def test_iter_exactly_one_page(self, counted: CountedMap) -> None:
        """A map of exactly one page (1,000 names) iterates completely."""
        names = [f"n{i:04d}" for i in range(1000)]
        counted.add_many(names)
        assert list(counted) == names


class TestGetItem:
    def test_item_is_cached(self, lot: Lot) -> None:
        """``map[name]`` twice gives the same object."""
        lot.shots.add_many(["sh010"])
        assert lot.shots["sh010"] is lot.shots["sh010"]

    def test_item_of_stored_type(self, lot: Lot) -> None:
        """``map[name]`` builds the item with its stored per-item type."""
        lot.shots.add_many(["sh010"], object_type=HeroShot)
        assert type(lot.shots["sh010"]) is HeroShot

    def test_unknown_name_suggests(self, lot: Lot) -> None:
        """An unknown name raises MissingChildError naming the map, with a suggestion."""
        lot.shots.add("sh010")
        with pytest.raises(
            gf.MissingChildError,
            match=re.escape("/lot/shots has no item 'sh01'; did you mean 'sh010'?"),
        ) as info:
            lot.shots["sh01"]
        assert isinstance(info.value, LookupError)
        assert info.value.oid == "/lot/shots/sh01"
        assert info.value.name == "sh01"

    def test_unknown_name_no_close_match(self, lot: Lot) -> None:
        """Without a close name the MissingChildError message ends after the name."""
        lot.shots.add("sh010")
        with pytest.raises(gf.MissingChildError, match=r"^/lot/shots has no item 'zzz'$"):
            lot.shots["zzz"]

    def test_non_str_name(self, lot: Lot) -> None:
        """A non-str key raises MissingChildError, not a store error."""
        with pytest.raises(gf.MissingChildError, match=re.escape("/lot/shots has no item 3")):
            lot.shots[3]  # type: ignore[index]

    def test_relation_is_not_an_item(self, counted: CountedMap) -> None:
        """A relation of the map is reached as an attribute, never as an item."""
        with pytest.raises(gf.MissingChildError, match="has no item 'owner'"):
            counted["owner"]


class TestMappedNames:
    @pytest.fixture
    def five(self, counted: CountedMap) -> CountedMap:
        """The counting map holding a, b, c, d, e."""
        counted.add_many(["a", "b", "c", "d", "e"])
        return counted

    def test_all_names(self, five: CountedMap) -> None:
        """Without arguments, mapped_names() gives every name in order."""
        assert five.mapped_names() == ["a", "b", "c", "d", "e"]

    @pytest.mark.parametrize(
        ("page_num", "expected"),
        [(0, ["a", "b"]), (1, ["c", "d"]), (2, ["e"]), (3, []), (100, [])],
    )
    def test_pages(self, five: CountedMap, page_num: int, expected: list[str]) -> None:
        """Pages of two: full pages, a last partial page, then empty pages."""
        assert five.mapped_names(page_num, 2) == expected
        assert five.mapped_names(page_num=page_num, page_size=2) == expected

    def test_page_builds_nothing(self, five: CountedMap) -> None:
        """Reading a page of names builds no item."""
        five.mapped_names(1, 2)
        assert Counted.instances == 0

    def test_page_num_needs_page_size(self, five: CountedMap) -> None:
        """page_num without page_size is a ValueError naming the map."""
        with pytest.raises(
            ValueError, match=re.escape("/lot/counted: page_num=1 needs a page_size")
        ):
            five.mapped_names(1)

    @pytest.mark.parametrize("page_size", [0, -1, 1.5, "2", True])
    def test_bad_page_size(self, five: CountedMap, page_size: Any) -> None:
        """A page_size that is not an int >= 1 is a ValueError naming the map."""
        with pytest.raises(
            ValueError,
            match=re.escape(
                f"/lot/counted: page_size must be an int >= 1 or None, not {page_size!r}"
            ),
        ):
            five.mapped_names(0, page_size)

    @pytest.mark.parametrize("page_num", [-1, 1.0, "1", None])
    def test_bad_page_num(self, five: CountedMap, page_num: Any) -> None:
        """A page_num that is not an int >= 0 is a ValueError naming the map."""
        with pytest.raises(
            ValueError,
            match=re.escape(f"/lot/counted: page_num must be an int >= 0, not {page_num!r}"),
        ):
            five.mapped_names(page_num, 2)

    def test_mapped_items(self, five: CountedMap) -> None:
        """mapped_items() gives the built items of one page, and builds only those."""
        items = five.mapped_items(1, 2)
        assert [item.oid() for item in items] == ["/lot/counted/c", "/lot/counted/d"]
        assert all(type(item) is Counted for item in items)
        assert Counted.instances == 2
        assert five["c"] is items[0]

    def test_mapped_items_all(self, five: CountedMap) -> None:
        """mapped_items() without arguments gives every item."""
        assert [item.name() for item in five.mapped_items()] == ["a", "b", "c", "d", "e"]


class TestRemove:
    def test_removes_name(self, lot: Lot) -> None:
        """remove() takes the name out of len, ``in``, iteration and item access."""
        lot.shots.add_many(["a", "b", "c"])
        lot.shots["b"]
        lot.shots.remove("b")
        assert list(lot.shots) == ["a", "c"]
        assert "b" not in lot.shots
        assert len(lot.shots) == 2
        with pytest.raises(gf.MissingChildError, match="/lot/shots has no item 'b'"):
            lot.shots["b"]

    def test_deletes_item_values(self, flow: gf.Flow, lot: Lot) -> None:
        """Re-adding a removed name gives default values, nested map items included."""
        shot = lot.shots.add("sh010")
        shot.status.set("done")
        shot.tags.set(["hero"])
        shot.tasks.add("anim").status.set("wip")
        lot.shots.remove("sh010")
        assert flow.store().get("/lot/shots/sh010/status") is None
        again = lot.shots.add("sh010")
        assert again is not shot
        assert again.status.get() == "wip"
        assert again.tags.get() == []
        assert len(again.tasks) == 0
        assert list(again.tasks) == []

    def test_deletes_item_type(self, flow: gf.Flow, lot: Lot) -> None:
        """A removed per-item type does not come back when the name is re-added."""
        lot.shots.add("sh010", object_type=HeroShot)
        lot.shots.remove("sh010")
        lot.shots.add("sh010")
        assert type(lot.shots["sh010"]) is Shot
        assert type(reopen(flow).shots["sh010"]) is Shot

    def test_keeps_siblings_with_similar_names(self, lot: Lot) -> None:
        """Removing ``sh01`` keeps the values of ``sh010``, ``sh01-b``, ``sh01.b``..."""
        others = ["sh010", "sh01-b", "sh01.b", "sh01_b", "sh0"]
        for name in ["sh01", *others]:
            lot.shots.add(name).status.set(f"set-{name}")
        lot.shots.remove("sh01")
        lot.shots.touch()
        assert {name: lot.shots[name].status.get() for name in lot.shots} == {
            name: f"set-{name}" for name in others
        }

    def test_unknown_name(self, lot: Lot) -> None:
        """Removing an unknown name raises MissingChildError naming the map; nothing changes."""
        lot.shots.add("sh010")
        with pytest.raises(gf.MissingChildError, match=r"^/lot/shots has no item 'nope'$") as info:
            lot.shots.remove("nope")
        assert info.value.oid == "/lot/shots/nope"
        assert list(lot.shots) == ["sh010"]

    def test_non_str_name(self, lot: Lot) -> None:
        """Removing a non-str raises MissingChildError."""
        with pytest.raises(gf.MissingChildError, match=re.escape("/lot/shots has no item 3")):
            lot.shots.remove(3)  # type: ignore[arg-type]


OWN_STORES: dict[str, gf.Store] = {}


class OwnStoreItem(gf.Object):
    """An item keeping its values in a store of its own, found again by oid."""

    level = gf.IntParam(0)

    @classmethod
    def _create_value_store(cls, parent: Any, name: str) -> gf.Store:
        return OWN_STORES.setdefault(f"{parent.oid()}/{name}", gf.MemoryStore())


class OwnStoreItems(gf.Map[OwnStoreItem]):
    pass


class OwnStoreLot(gf.Object):
    items = gf.Child(OwnStoreItems)


class TestRemoveOwnStore:
    def test_deletes_values_in_item_store(self, memflow: gf.Flow) -> None:
        """remove() deletes every value of the item, even one kept in the item's own store."""
        OWN_STORES.clear()
        items = memflow.create_project("own", OwnStoreLot).items
        items.add("a").level.set(5)
        items.remove("a")
        assert items.add("a").level.get() == 0


class TestClear:
    def test_removes_everything(self, flow: gf.Flow, counted: CountedMap) -> None:
        """clear() empties the map and deletes every item's values."""
        counted.add_many(["a", "b"])
        counted["a"].status.set("done")
        counted.clear()
        assert len(counted) == 0
        assert list(counted) == []
        assert "a" not in counted
        assert flow.store().get("/lot/counted/a/status") is None
        assert counted.add("a").status.get() == "todo"

    def test_removes_more_than_one_page(self, counted: CountedMap) -> None:
        """clear() removes a map of more than one page of names."""
        counted.add_many(f"n{i:04d}" for i in range(1500))
        counted.clear()
        assert len(counted) == 0
        assert list(counted) == []

    def test_keeps_map_relation_values(self, counted: CountedMap) -> None:
        """clear() keeps the values of the map's own relations."""
        counted.owner.set("marie")
        counted.add("a")
        counted.clear()
        assert counted.owner.get() == "marie"

    def test_forgets_built_items(self, counted: CountedMap) -> None:
        """An item built before clear() is not served after a re-add."""
        before = counted.add("a")
        counted.clear()
        assert counted.add("a") is not before


class TestTouch:
    def test_forgets_built_items(self, counted: CountedMap) -> None:
        """After touch(), reading an item builds a new object with the same values."""
        item = counted.add("a")
        item.status.set("done")
        counted.touch()
        again = counted["a"]
        assert again is not item
        assert type(again) is Counted
        assert again.status.get() == "done"
        assert counted["a"] is again

    def test_keeps_names(self, counted: CountedMap) -> None:
        """touch() changes nothing stored: the names stay."""
        counted.add_many(["a", "b"])
        counted.touch()
        assert list(counted) == ["a", "b"]


class TestLaziness:
    def test_large_map_builds_nothing(self, counted: CountedMap) -> None:
        """A map of 100,000 names builds no item to add, count, test or page them."""
        names = [f"sh{i:06d}" for i in range(100_000)]
        assert counted.add_many(names) == 100_000
        assert len(counted) == 100_000
        assert "sh050000" in counted
        assert counted.mapped_names(500, 10) == names[5000:5010]
        assert Counted.instances == 0

    def test_reading_one_item_builds_one(self, counted: CountedMap) -> None:
        """Reading one item of a 100,000-name map builds exactly that item, once."""
        counted.add_many(f"sh{i:06d}" for i in range(100_000))
        item = counted["sh099999"]
        assert counted["sh099999"] is item
        assert Counted.instances == 1

    def test_missing_item_in_large_map(self, counted: CountedMap) -> None:
        """An unknown name in a huge map raises MissingChildError without suggestions."""
        counted.add_many(f"sh{i:06d}" for i in range(20_000))
        with pytest.raises(gf.MissingChildError, match=r"^/lot/counted has no item 'sh0'$"):
            counted["sh0"]
        assert Counted.instances == 0


class TestStoredType:
    def test_type_no_longer_importable(
        self, flow: gf.Flow, lot: Lot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """An item whose stored type cannot be imported raises ObjectTypeError naming it."""
        module = f"gf_gone_{uuid.uuid4().hex}"
        folder = tmp_path / "mods"
        folder.mkdir()
        (folder / f"{module}.py").write_text(
            "from sample_flow import Shot\n\n\nclass GoneShot(Shot):\n    pass\n"
        )
        monkeypatch.syspath_prepend(str(folder))
        gone_type = __import__(module).GoneShot
        path = f"{module}:GoneShot"
        lot.shots.add("gone", object_type=gone_type)
        lot.shots.add("kept")
        assert type(reopen(flow).shots["gone"]) is gone_type  # importable so far

        sys.path.remove(str(folder))
        del sys.modules[module]
        _refs._CACHE.pop(path, None)

        again = reopen(flow)
        with pytest.raises(
            gf.ObjectTypeError,
            match=re.escape(f"/lot/shots/gone: its type {path!r} cannot be imported (")
            + ".*"
            + re.escape("); install the package that provides it, or remove the item"),
        ) as info:
            again.shots["gone"]
        assert isinstance(info.value, ImportError)
        assert info.value.oid == "/lot/shots/gone"
        assert info.value.type_path == path
        assert list(again.shots) == ["gone", "kept"]
        assert type(again.shots["kept"]) is Shot

    def test_type_not_a_subclass(self, flow: gf.Flow, lot: Lot) -> None:
        """A stored type that is not a subclass of the mapped type raises ObjectTypeError."""
        lot.shots.add("sh010")
        flow.store().ordered_add("/lot/shots", {"odd": "sample_flow:Asset"})
        with pytest.raises(
            gf.ObjectTypeError,
            match=re.escape(
                "/lot/shots/odd: its stored type 'sample_flow:Asset' is not a Shot "
                "(the type of /lot/shots's items)"
            ),
        ) as info:
            lot.shots["odd"]
        assert info.value.type_path == "sample_flow:Asset"


class TestDynamicMap:
    @pytest.fixture
    def names(self, lot: Lot) -> ComputedNames:
        """The dynamic map ``/lot/names``, computing a, b, c."""
        names = lot.names
        names.source.set(["a", "b", "c"])
        return names

    def test_protocol(self, names: ComputedNames) -> None:
        """The mapped_names override gives len, ``in``, iteration and item access."""
        assert len(names) == 3
        assert "b" in names
        assert "z" not in names
        assert 3 not in names
        assert list(names) == ["a", "b", "c"]
        item = names["b"]
        assert type(item) is Shot
        assert item.oid() == "/lot/names/b"
        assert names["b"] is item

    def test_items_keep_values(self, names: ComputedNames) -> None:
        """Items of a dynamic map store their values under their oid."""
        names["a"].status.set("done")
        names.touch()
        assert names["a"].status.get() == "done"

    def test_unknown_name_suggests(self, names: ComputedNames) -> None:
        """An unknown name raises MissingChildError naming the map, with a suggestion."""
        names.source.set(["sh010", "zz"])
        names.touch()
        with pytest.raises(
            gf.MissingChildError,
            match=re.escape("/lot/names has no item 'sh01'; did you mean 'sh010'?"),
        ):
            names["sh01"]

    def test_names_computed_once(self, names: ComputedNames) -> None:
        """Names are computed once for len, ``in``, iteration and items, until touch()."""
        before = ComputedNames.calls
        len(names)
        "a" in names  # noqa: B015
        list(names)
        names["a"]
        names["c"]
        assert ComputedNames.calls == before + 1
        names.touch()
        assert len(names) == 3
        assert ComputedNames.calls == before + 2

    def test_touch_recomputes(self, names: ComputedNames) -> None:
        """After touch() the new names show and built items are forgotten."""
        item = names["a"]
        names.source.set(["a", "d"])
        assert list(names) == ["a", "b", "c"]  # still the names computed before
        names.touch()
        assert list(names) == ["a", "d"]
        assert "b" not in names
        assert names["a"] is not item

    def test_mapped_items(self, names: ComputedNames) -> None:
        """mapped_items() builds the items of one page of the computed names."""
        assert [item.oid() for item in names.mapped_items(1, 2)] == ["/lot/names/c"]

    def test_invalid_computed_name(self, names: ComputedNames) -> None:
        """A computed name that is not a valid item name raises InvalidNameError naming it."""
        names.source.set(["ok", "b/d"])
        names.touch()
        with pytest.raises(
            gf.InvalidNameError,
            match=re.escape("/lot/names mapped_names(): invalid name 'b/d': use letters"),
        ):
            len(names)

    def test_non_str_computed_name(self, names: ComputedNames) -> None:
        """A computed name that is not a str raises InvalidNameError naming the map."""
        names.source.set(["ok", 7])
        names.touch()
        with pytest.raises(
            gf.InvalidNameError,
            match=re.escape("/lot/names mapped_names(): an item name must be a str, not int"),
        ):
            list(names)

    def test_base_class_must_override(self, lot: Lot) -> None:
        """A DynamicMap without a mapped_names override raises NotImplementedError naming it."""
        with pytest.raises(
            NotImplementedError,
            match=re.escape(
                "BareNames (/lot/bare) must override mapped_names(page_num, page_size)"
            ),
        ):
            len(lot.bare)

    def test_has_no_add(self, names: ComputedNames) -> None:
        """A DynamicMap has no add(): its names are computed, not stored."""
        assert not hasattr(gf.DynamicMap, "add")
        assert not hasattr(gf.DynamicMap, "add_many")
        with pytest.raises(
            gf.MissingRelationError,
            match=re.escape("/lot/names (ComputedNames) has no relation 'add'"),
        ):
            names.add("d")  # type: ignore[attr-defined]

    def test_contains_unhashable(self, names: ComputedNames) -> None:
        """``in`` with an unhashable non-str is False, never an error."""
        assert ["a"] not in names
