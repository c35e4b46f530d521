"""The Store protocol, once, for every backend.

Every test here takes the ``store`` fixture, so it runs on each kind in
``conftest.STORE_KINDS``; a new backend passes this file or is not a store. Nothing here
may depend on one backend: only protocol calls are used, and each test (or hypothesis
example) works under keys of its own.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import subprocess
import textwrap
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_support import graftflow_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)
from odd_values import contains_itself, dict_contains_itself, nested
from redis_server import RedisServer
from sample_flow import Studio
from workers import in_child, in_threads, make_demo, run_together

import graftflow as gf
from graftflow.stores._store import iter_names

#: Hypothesis with the function-scoped ``store`` fixture: every example uses fresh keys
#: (see :func:`fresh`), so examples sharing one store cannot see each other.
PROPERTY = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

_counter = itertools.count()

#: Returned by reads as ``default`` to tell "absent" from a stored ``None``.
ABSENT = object()

#: Backend bugs found by this suite: (store kind, case) -> reason. Each one xfails
#: strictly, so the test starts failing (and must be unmarked) once the bug is fixed.
KNOWN_BUGS: dict[tuple[str, str], str] = {}


def known_bug(request: pytest.FixtureRequest, store_kind: str, case: str) -> None:
    """Mark the running test as a strict xfail if ``case`` is a known bug of this backend."""
    reason = KNOWN_BUGS.get((store_kind, case))
    if reason is not None:
        request.applymarker(pytest.mark.xfail(strict=True, reason=reason))


def fresh(prefix: str = "/t") -> str:
    """A key no other test or example has used."""
    return f"{prefix}/k{next(_counter)}"


def exact(message: str) -> str:
    """A ``match=`` pattern for exactly ``message``."""
    return f"^{re.escape(message)}$"


def shape(value: Any) -> Any:
    """A comparable form of a JSON value that tells 1, 1.0 and True apart, sees -0.0,
    and keeps dict key order: ``shape(a) == shape(b)`` means "exactly the same value"."""
    if isinstance(value, dict):
        return ("dict", [(k, shape(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [shape(v) for v in value])
    if isinstance(value, float):
        return ("float", value.hex())
    return (type(value).__name__, value)


json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=25,
)


# -- plain values -------------------------------------------------------------------


class TestGet:
    def test_missing_key_gives_none(self, store: gf.Store) -> None:
        """A key never written reads as None."""
        assert store.get("/nothing/here") is None

    def test_missing_key_gives_default(self, store: gf.Store) -> None:
        """A key never written reads as the given default."""
        assert store.get("/nothing/here", ABSENT) is ABSENT

    def test_stored_none_beats_default(self, store: gf.Store) -> None:
        """A stored None is a value: it is returned instead of the default."""
        store.set("/k", None)
        assert store.get("/k", ABSENT) is None

    @pytest.mark.parametrize("value", [0, 0.0, "", False, [], {}])
    def test_falsy_values_beat_default(self, store: gf.Store, value: Any) -> None:
        """A stored falsy value is returned as is, never replaced by the default."""
        store.set("/k", value)
        assert shape(store.get("/k", ABSENT)) == shape(value)


class TestSet:
    def test_returns_none_and_overwrites(self, store: gf.Store) -> None:
        """set() returns None and a second set() replaces the value."""
        assert store.set("/k", 1) is None
        store.set("/k", "two")
        assert store.get("/k") == "two"

    def test_keys_are_independent(self, store: gf.Store) -> None:
        """Writing one key leaves similar keys alone."""
        store.set("/a", 1)
        store.set("/a/b", 2)
        store.set("/ab", 3)
        assert [store.get(k) for k in ("/a", "/a/b", "/ab")] == [1, 2, 3]

    def test_internal_keys_are_plain_keys(self, store: gf.Store) -> None:
        """Internal keys starting with '!' are stored like oids."""
        store.set("!projects", ["p"])
        assert store.get("!projects") == ["p"]

    def test_tuples_come_back_as_lists(self, store: gf.Store) -> None:
        """A tuple is stored as a JSON array and read back as a list, nested ones too."""
        store.set("/k", (1, ("a", (None,)), {"t": (2.5,)}))
        assert shape(store.get("/k")) == shape([1, ["a", [None]], {"t": [2.5]}])

    def test_later_mutation_of_the_written_value_is_not_stored(self, store: gf.Store) -> None:
        """set() stores the value as it was: mutating it afterwards changes nothing."""
        value = {"list": [1], "dict": {"a": 1}}
        store.set("/k", value)
        value["list"].append(2)
        value["dict"]["b"] = 2
        value["new"] = True
        assert store.get("/k") == {"list": [1], "dict": {"a": 1}}

    def test_reads_are_independent_copies(self, store: gf.Store) -> None:
        """Two reads of a container are equal but distinct, and mutating one changes nothing."""
        store.set("/k", {"items": [1, 2], "meta": {"x": 1}})
        first = store.get("/k")
        second = store.get("/k")
        assert first == second
        assert first is not second
        assert first["items"] is not second["items"]
        first["items"].append(3)
        first["meta"]["y"] = 2
        del first["items"]
        assert store.get("/k") == {"items": [1, 2], "meta": {"x": 1}}


class TestDelete:
    def test_returns_true_when_there_was_a_value(self, store: gf.Store) -> None:
        """delete() of a stored key returns True and the key reads as missing again."""
        store.set("/k", 1)
        assert store.delete("/k") is True
        assert store.get("/k", ABSENT) is ABSENT

    def test_returns_false_when_there_was_none(self, store: gf.Store) -> None:
        """delete() of a missing key returns False."""
        assert store.delete("/k") is False

    def test_deleting_a_stored_none_returns_true(self, store: gf.Store) -> None:
        """A stored None counts as a value for delete()."""
        store.set("/k", None)
        assert store.delete("/k") is True
        assert store.delete("/k") is False

    def test_leaves_keys_below_alone(self, store: gf.Store) -> None:
        """delete() removes one key only; delete_tree() is the subtree operation."""
        store.set("/k", 1)
        store.set("/k/child", 2)
        store.delete("/k")
        assert store.get("/k/child") == 2


class TestIncr:
    def test_missing_key_starts_at_zero(self, store: gf.Store) -> None:
        """incr() of a missing key stores and returns the amount."""
        assert store.incr("/n") == 1
        assert store.incr("/m", 5) == 5
        assert store.get("/n") == 1
        assert store.get("/m") == 5

    def test_returns_the_new_value(self, store: gf.Store) -> None:
        """incr() adds to the stored int and returns the sum, negative amounts included."""
        store.set("/n", 10)
        assert store.incr("/n") == 11
        assert store.incr("/n", 4) == 15
        assert store.incr("/n", -20) == -5
        assert store.incr("/n", 0) == -5
        assert shape(store.get("/n")) == shape(-5)

    @pytest.mark.parametrize("amount", [1.0, 1.5, "1", None, True, [1]])
    def test_refuses_a_non_int_amount(self, store: gf.Store, amount: Any) -> None:
        """A non-int amount (bool included) is an InvalidValueError naming the key."""
        store.set("/n", 3)
        with pytest.raises(
            gf.InvalidValueError, match=exact(f"/n: incr amount must be an int, not {amount!r}")
        ) as info:
            store.incr("/n", amount)
        assert info.value.oid == "/n"
        assert shape(store.get("/n")) == shape(3)

    def test_refused_amount_creates_nothing(self, store: gf.Store) -> None:
        """A refused incr() on a missing key leaves it missing."""
        with pytest.raises(gf.InvalidValueError):
            store.incr("/n", 2.0)
        assert store.get("/n", ABSENT) is ABSENT

    @pytest.mark.parametrize("stored", ["1", 1.0, 2.5, True, None, [1], {"n": 1}])
    def test_refuses_a_non_int_stored_value(self, store: gf.Store, stored: Any) -> None:
        """incr() of a key holding a non-int is an InvalidValueError naming key and value."""
        store.set("/n", stored)
        with pytest.raises(
            gf.InvalidValueError, match=exact(f"/n: cannot increment {stored!r}, it is not an int")
        ) as info:
            store.incr("/n")
        assert info.value.oid == "/n"
        assert shape(store.get("/n")) == shape(stored)


# -- subtrees -----------------------------------------------------------------------

KINDS = ["value", "hash", "ordered"]


def put(store: gf.Store, kind: str, key: str) -> None:
    """Store something at ``key`` as a plain value, a hash or an ordered map."""
    if kind == "value":
        store.set(key, key)
    elif kind == "hash":
        store.hash_set(key, "f", key)
    else:
        store.ordered_add(key, {"n": key})


def has(store: gf.Store, kind: str, key: str) -> bool:
    """Whether ``key`` holds something of ``kind`` (as written by :func:`put`)."""
    if kind == "value":
        return store.get(key, ABSENT) is not ABSENT
    if kind == "hash":
        return bool(store.hash_items(key))
    length, names = store.ordered_len(key), store.ordered_range(key)
    assert length == len(names), f"ordered_len and ordered_range disagree at {key}"
    return length > 0


class TestDeleteTree:
    @pytest.mark.parametrize("kind", KINDS)
    def test_deletes_the_key_and_everything_below(self, store: gf.Store, kind: str) -> None:
        """The key itself and every key under key + '/' go, whatever they hold."""
        doomed = ["/a/b", "/a/b/c", "/a/b/c/d/e", "/a/b/", "/a/b//x"]
        for key in doomed:
            put(store, kind, key)
        store.delete_tree("/a/b")
        assert [key for key in doomed if has(store, kind, key)] == []

    def test_deletes_all_kinds_at_once(self, store: gf.Store) -> None:
        """Plain values, hashes and ordered maps under one subtree all go in one call."""
        store.set("/a/b", 1)
        store.hash_set("/a/b/h", "f", 1)
        store.ordered_add("/a/b/m", {"x": 1})
        store.set("/a/b/m/x/value", 1)
        store.delete_tree("/a/b")
        assert store.get("/a/b", ABSENT) is ABSENT
        assert store.hash_get("/a/b/h", "f", ABSENT) is ABSENT
        assert store.hash_items("/a/b/h") == {}
        assert store.ordered_len("/a/b/m") == 0
        assert store.ordered_range("/a/b/m") == []
        assert store.ordered_get("/a/b/m", "x", ABSENT) is ABSENT
        assert store.get("/a/b/m/x/value", ABSENT) is ABSENT

    @pytest.mark.parametrize("kind", KINDS)
    def test_spares_siblings_sharing_a_prefix_and_the_parent(
        self, store: gf.Store, kind: str
    ) -> None:
        """Keys that merely start with the same characters, and the parent, are kept."""
        spared = [
            "/a",
            "/a/",
            "/a/b-x",
            "/a/b-x/c",
            "/a/b.y",
            "/a/bc",
            "/a/bc/d",
            "/a/b0",
            "/a/b!",
            "/a/c",
            "/ab",
            "/a/b\u00e9",
        ]
        for key in [*spared, "/a/b", "/a/b/c"]:
            put(store, kind, key)
        store.delete_tree("/a/b")
        assert [key for key in spared if not has(store, kind, key)] == []
        assert not has(store, kind, "/a/b")
        assert not has(store, kind, "/a/b/c")

    def test_missing_subtree_is_a_no_op(self, store: gf.Store) -> None:
        """delete_tree() of a key that holds nothing returns None and touches nothing."""
        store.set("/other", 1)
        assert store.delete_tree("/nothing") is None
        assert store.get("/other") == 1

    def test_internal_keys_are_not_under_the_root(self, store: gf.Store) -> None:
        """Deleting the tree of '/p' leaves internal '!' keys alone."""
        store.set("!projects", ["p"])
        store.set("/p/x", 1)
        store.delete_tree("/p")
        assert store.get("!projects") == ["p"]

    def test_a_deleted_subtree_can_be_written_again(self, store: gf.Store) -> None:
        """After delete_tree() the same keys take new values of any kind."""
        store.set("/a/b/c", 1)
        store.ordered_add("/a/b/m", {"x": 1})
        store.delete_tree("/a/b")
        store.set("/a/b/c", 2)
        store.ordered_add("/a/b/m", {"x": 2})
        assert store.get("/a/b/c") == 2
        assert store.ordered_get("/a/b/m", "x") == 2
        store.delete_tree("/a")
        assert store.get("/a/b/c", ABSENT) is ABSENT
        assert store.ordered_len("/a/b/m") == 0

    @PROPERTY
    @given(
        data=st.lists(
            st.tuples(st.text("ab/-.0!", min_size=1, max_size=6), st.sampled_from(KINDS)),
            min_size=1,
            max_size=12,
        ),
        target=st.text("ab/-.0!", min_size=1, max_size=4),
    )
    def test_deletes_exactly_the_prefix_subtree(
        self, store: gf.Store, data: list[tuple[str, str]], target: str
    ) -> None:
        """Against random keys, delete_tree(k) removes exactly k and keys starting k + '/'."""
        root = fresh("/prop")
        written = {(f"{root}/{path}", kind) for path, kind in data}
        for key, kind in written:
            put(store, kind, key)
        doomed = f"{root}/{target}"
        store.delete_tree(doomed)
        for key, kind in written:
            expected_gone = key == doomed or key.startswith(doomed + "/")
            assert has(store, kind, key) is not expected_gone, (key, kind, doomed)


# -- hashes -------------------------------------------------------------------------


class TestHashGet:
    def test_missing_field_gives_default(self, store: gf.Store) -> None:
        """A missing hash or field reads as None, or the given default."""
        store.hash_set("/h", "a", 1)
        assert store.hash_get("/h", "b") is None
        assert store.hash_get("/h", "b", ABSENT) is ABSENT
        assert store.hash_get("/none", "a", ABSENT) is ABSENT

    def test_stored_none_beats_default(self, store: gf.Store) -> None:
        """A field holding None returns None, not the default."""
        store.hash_set("/h", "a", None)
        assert store.hash_get("/h", "a", ABSENT) is None

    def test_reads_are_independent_copies(self, store: gf.Store) -> None:
        """Mutating a container read from a hash never changes the stored field."""
        store.hash_set("/h", "a", {"x": [1]})
        got = store.hash_get("/h", "a")
        got["x"].append(2)
        items = store.hash_items("/h")
        items["a"]["y"] = 1
        items["new"] = 1
        assert store.hash_items("/h") == {"a": {"x": [1]}}


class TestHashSet:
    def test_sets_and_overwrites_fields(self, store: gf.Store) -> None:
        """hash_set() returns None; fields are independent; a second write replaces one."""
        assert store.hash_set("/h", "a", 1) is None
        store.hash_set("/h", "b", [2])
        store.hash_set("/h", "a", "one")
        assert store.hash_get("/h", "a") == "one"
        assert store.hash_get("/h", "b") == [2]

    def test_hashes_are_independent_of_each_other(self, store: gf.Store) -> None:
        """The same field name in two hashes holds two values."""
        store.hash_set("/h1", "f", 1)
        store.hash_set("/h2", "f", 2)
        assert (store.hash_get("/h1", "f"), store.hash_get("/h2", "f")) == (1, 2)


class TestHashDelete:
    def test_returns_whether_the_field_existed(self, store: gf.Store) -> None:
        """hash_delete() returns True once for an existing field, then False."""
        store.hash_set("/h", "a", None)
        store.hash_set("/h", "b", 2)
        assert store.hash_delete("/h", "a") is True
        assert store.hash_delete("/h", "a") is False
        assert store.hash_delete("/h", "zzz") is False
        assert store.hash_delete("/none", "a") is False
        assert store.hash_items("/h") == {"b": 2}

    def test_deleting_the_last_field_empties_the_hash(self, store: gf.Store) -> None:
        """A hash whose fields are all deleted reads as empty and can be refilled."""
        store.hash_set("/h", "a", 1)
        store.hash_delete("/h", "a")
        assert store.hash_items("/h") == {}
        store.hash_set("/h", "b", 2)
        assert store.hash_items("/h") == {"b": 2}


class TestHashItems:
    def test_missing_hash_is_empty(self, store: gf.Store) -> None:
        """hash_items() of a key with no hash is an empty dict."""
        assert store.hash_items("/none") == {}

    def test_returns_every_field(self, store: gf.Store) -> None:
        """hash_items() returns all fields with their values."""
        store.hash_set("/h", "b", [1, {"x": None}])
        store.hash_set("/h", "a", None)
        store.hash_set("/h", "c", 1.5)
        assert store.hash_items("/h") == {"a": None, "b": [1, {"x": None}], "c": 1.5}


# -- ordered maps -------------------------------------------------------------------


class TestOrderedAdd:
    def test_appends_in_insertion_order(self, store: gf.Store) -> None:
        """Names keep the order they were added in, within and across calls."""
        assert store.ordered_add("/m", {"z": 1, "a": 2}) is None
        store.ordered_add("/m", {"m": 3})
        assert store.ordered_range("/m") == ["z", "a", "m"]
        assert [store.ordered_get("/m", n) for n in ("z", "a", "m")] == [1, 2, 3]

    def test_empty_mapping_is_a_no_op(self, store: gf.Store) -> None:
        """Adding no names writes nothing, on a new or an existing map."""
        store.ordered_add("/new", {})
        store.ordered_add("/m", {"a": 1})
        store.ordered_add("/m", {})
        assert store.ordered_len("/new") == 0
        assert store.ordered_range("/m") == ["a"]

    def test_existing_name_raises_and_writes_nothing(self, store: gf.Store) -> None:
        """One existing name refuses the whole call: no new name, no changed value."""
        store.ordered_add("/m", {"a": "old", "b": 1})
        with pytest.raises(gf.ExistsError, match=exact("/m already has 'a'")) as info:
            store.ordered_add("/m", {"new1": 1, "a": "new", "new2": 2})
        assert info.value.names == ("a",)
        assert info.value.oid == "/m"
        assert store.ordered_range("/m") == ["a", "b"]
        assert store.ordered_len("/m") == 2
        assert store.ordered_get("/m", "a") == "old"
        assert store.ordered_get("/m", "new1", ABSENT) is ABSENT

    def test_exists_error_lists_every_existing_name(self, store: gf.Store) -> None:
        """ExistsError.names holds all the names that exist, in the order given."""
        store.ordered_add("/m", dict.fromkeys("abcdefg", 0))
        with pytest.raises(
            gf.ExistsError, match=exact("/m already has 'g', 'a', 'c', 'b', 'd' and 2 more")
        ) as info:
            store.ordered_add(
                "/m", {"g": 1, "x": 1, "a": 1, "c": 1, "b": 1, "d": 1, "e": 1, "f": 1}
            )
        assert info.value.names == ("g", "a", "c", "b", "d", "e", "f")
        assert store.ordered_len("/m") == 7

    def test_exists_error_is_a_value_error(self, store: gf.Store) -> None:
        """ExistsError can be caught as ValueError and as GraftflowError."""
        store.ordered_add("/m", {"a": 1})
        with pytest.raises(ValueError, match="already has"):
            store.ordered_add("/m", {"a": 1})
        with pytest.raises(gf.GraftflowError, match="already has"):
            store.ordered_add("/m", {"a": 1})

    def test_removed_name_is_re_added_at_the_end(self, store: gf.Store) -> None:
        """A name removed then added again goes to the end with its new value."""
        store.ordered_add("/m", {"a": 1, "b": 2, "c": 3})
        store.ordered_remove("/m", "a")
        store.ordered_add("/m", {"a": 10})
        store.ordered_remove("/m", "c")
        store.ordered_add("/m", {"d": 4, "c": 30})
        assert store.ordered_range("/m") == ["b", "a", "d", "c"]
        assert [store.ordered_get("/m", n) for n in ("b", "a", "d", "c")] == [2, 10, 4, 30]

    def test_maps_are_independent(self, store: gf.Store) -> None:
        """The same name in two ordered maps is two members."""
        store.ordered_add("/m1", {"a": 1})
        store.ordered_add("/m2", {"a": 2})
        assert (store.ordered_get("/m1", "a"), store.ordered_get("/m2", "a")) == (1, 2)
        assert store.ordered_len("/m1") == store.ordered_len("/m2") == 1


class TestOrderedGet:
    def test_missing_name_gives_default(self, store: gf.Store) -> None:
        """A name that is not a member reads as None, or the default."""
        store.ordered_add("/m", {"a": 1})
        assert store.ordered_get("/m", "b") is None
        assert store.ordered_get("/m", "b", ABSENT) is ABSENT
        assert store.ordered_get("/none", "a", ABSENT) is ABSENT

    def test_stored_none_beats_default(self, store: gf.Store) -> None:
        """A member whose value is None returns None, not the default."""
        store.ordered_add("/m", {"a": None})
        assert store.ordered_get("/m", "a", ABSENT) is None

    def test_reads_are_independent_copies(self, store: gf.Store) -> None:
        """Mutating a container read from an ordered map never changes the member."""
        store.ordered_add("/m", {"a": {"type": "x", "tags": []}})
        first = store.ordered_get("/m", "a")
        first["tags"].append("t")
        assert store.ordered_get("/m", "a") == {"type": "x", "tags": []}


class TestOrderedRemove:
    def test_returns_whether_it_was_a_member(self, store: gf.Store) -> None:
        """ordered_remove() returns True once for a member, then False."""
        store.ordered_add("/m", {"a": 1, "b": 2})
        assert store.ordered_remove("/m", "a") is True
        assert store.ordered_remove("/m", "a") is False
        assert store.ordered_remove("/m", "zzz") is False
        assert store.ordered_remove("/none", "a") is False
        assert store.ordered_range("/m") == ["b"]
        assert store.ordered_get("/m", "a", ABSENT) is ABSENT

    def test_removing_every_name_empties_the_map(self, store: gf.Store) -> None:
        """A map whose names were all removed has length 0 and can be refilled."""
        store.ordered_add("/m", {"a": 1})
        store.ordered_remove("/m", "a")
        assert store.ordered_len("/m") == 0
        assert store.ordered_range("/m") == []
        store.ordered_add("/m", {"b": 1})
        assert store.ordered_range("/m") == ["b"]


class TestOrderedLen:
    def test_counts_adds_and_removes(self, store: gf.Store) -> None:
        """ordered_len() follows adds, refused adds, removes and clears."""
        assert store.ordered_len("/m") == 0
        store.ordered_add("/m", {"a": 1, "b": 2})
        store.ordered_add("/m", {"c": 3})
        assert store.ordered_len("/m") == 3
        with pytest.raises(gf.ExistsError):
            store.ordered_add("/m", {"d": 4, "a": 1})
        assert store.ordered_len("/m") == 3
        store.ordered_remove("/m", "b")
        store.ordered_remove("/m", "b")
        assert store.ordered_len("/m") == 2
        store.ordered_clear("/m")
        assert store.ordered_len("/m") == 0


NAMES = ["a", "b", "c", "d", "e"]


class TestOrderedRange:
    @pytest.mark.parametrize(
        ("start", "stop"),
        [
            (0, None),
            (2, None),
            (0, 2),
            (1, 3),
            (3, 3),
            (4, 2),
            (4, 5),
            (5, None),
            (9, None),
            (0, 99),
            (3, 99),
            (0, 0),
        ],
    )
    def test_slices_like_python(self, store: gf.Store, start: int, stop: int | None) -> None:
        """ordered_range(key, start, stop) is names[start:stop] for non-negative bounds."""
        store.ordered_add("/m", dict.fromkeys(NAMES, 0))
        assert store.ordered_range("/m", start, stop) == NAMES[start:stop]

    def test_defaults_to_all_names(self, store: gf.Store) -> None:
        """Without bounds ordered_range() returns every name in order."""
        store.ordered_add("/m", dict.fromkeys(NAMES, 0))
        assert store.ordered_range("/m") == NAMES

    def test_missing_map_is_empty(self, store: gf.Store) -> None:
        """The range of a map that was never written is empty."""
        assert store.ordered_range("/none", 0, 10) == []

    @pytest.mark.parametrize(("start", "stop"), [(-1, None), (0, -1), (-2, -1), (3, -5)])
    def test_negative_bounds_raise(self, store: gf.Store, start: int, stop: int | None) -> None:
        """Negative bounds are a ValueError naming the key and the bounds."""
        store.ordered_add("/m", dict.fromkeys(NAMES, 0))
        with pytest.raises(
            ValueError,
            match=exact(f"/m: ordered_range takes non-negative bounds, not {start}, {stop}"),
        ):
            store.ordered_range("/m", start, stop)

    @PROPERTY
    @given(
        count=st.integers(0, 12),
        start=st.integers(0, 15),
        stop=st.none() | st.integers(0, 15),
    )
    def test_any_bounds_match_a_list_slice(
        self, store: gf.Store, count: int, start: int, stop: int | None
    ) -> None:
        """For any map size and non-negative bounds the range equals the list slice."""
        key = fresh()
        names = [f"n{i}" for i in range(count)]
        store.ordered_add(key, dict.fromkeys(names))
        assert store.ordered_range(key, start, stop) == names[start:stop]


class TestOrderedClear:
    def test_removes_every_name(self, store: gf.Store) -> None:
        """ordered_clear() empties one map and returns None; others are untouched."""
        store.ordered_add("/m", {"a": 1, "b": 2})
        store.ordered_add("/other", {"a": 1})
        assert store.ordered_clear("/m") is None
        assert store.ordered_len("/m") == 0
        assert store.ordered_range("/m") == []
        assert store.ordered_get("/m", "a", ABSENT) is ABSENT
        assert store.ordered_range("/other") == ["a"]

    def test_missing_map_is_a_no_op(self, store: gf.Store) -> None:
        """Clearing a map that does not exist is not an error."""
        store.ordered_clear("/none")
        assert store.ordered_len("/none") == 0

    def test_cleared_map_restarts_its_order(self, store: gf.Store) -> None:
        """Names added after a clear are in their new order, old names free again."""
        store.ordered_add("/m", {"a": 1, "b": 2})
        store.ordered_clear("/m")
        store.ordered_add("/m", {"b": 3, "a": 4})
        assert store.ordered_range("/m") == ["b", "a"]
        assert store.ordered_get("/m", "a") == 4


class TestIterNames:
    @pytest.mark.parametrize("count", [0, 1, 8, 9, 10])
    def test_yields_every_name_in_order_across_pages(self, store: gf.Store, count: int) -> None:
        """iter_names() pages through the map and yields each name once, in order."""
        names = [f"n{i}" for i in range(count)]
        store.ordered_add("/m", dict.fromkeys(names, 0))
        assert list(iter_names(store, "/m", chunk=3)) == names


small_json = st.none() | st.integers(-5, 5) | st.text("xy", max_size=2) | st.lists(st.booleans())
member_names = st.text("abcdef", min_size=1, max_size=2)


class OrderedMapMachine(RuleBasedStateMachine):
    """One ordered map driven at random and compared with a plain dict (insertion order)."""

    def __init__(self, store: gf.Store) -> None:
        super().__init__()
        self.store = store
        self.key = fresh("/machine")
        self.model: dict[str, Any] = {}

    @rule(items=st.dictionaries(member_names, small_json, max_size=4))
    def add(self, items: dict[str, Any]) -> None:
        existing = tuple(name for name in items if name in self.model)
        if existing:
            with pytest.raises(gf.ExistsError) as info:
                self.store.ordered_add(self.key, items)
            assert info.value.names == existing
        else:
            self.store.ordered_add(self.key, items)
            self.model.update(items)

    @rule(name=member_names)
    def remove(self, name: str) -> None:
        assert self.store.ordered_remove(self.key, name) is (name in self.model)
        self.model.pop(name, None)

    @rule()
    def clear(self) -> None:
        self.store.ordered_clear(self.key)
        self.model.clear()

    @rule(name=member_names)
    def get(self, name: str) -> None:
        got = self.store.ordered_get(self.key, name, ABSENT)
        if name in self.model:
            assert shape(got) == shape(self.model[name])
        else:
            assert got is ABSENT

    @rule(items=st.dictionaries(member_names, small_json, max_size=3), name=member_names)
    def failed_batch(self, items: dict[str, Any], name: str) -> None:
        def body() -> None:
            with contextlib.suppress(gf.ExistsError):
                self.store.ordered_add(self.key, items)
            self.store.ordered_remove(self.key, name)
            self.store.ordered_add(self.key, {"!batch": 1})

        with pytest.raises(Boom):
            failing_batch(self.store, body)

    @rule(items=st.dictionaries(member_names, small_json, max_size=3), name=member_names)
    def committed_batch(self, items: dict[str, Any], name: str) -> None:
        with self.store.batch():
            self.store.ordered_remove(self.key, name)
            self.model.pop(name, None)
            if not any(n in self.model for n in items):
                self.store.ordered_add(self.key, items)
                self.model.update(items)

    @rule(start=st.integers(0, 8), stop=st.none() | st.integers(0, 8))
    def range(self, start: int, stop: int | None) -> None:
        assert self.store.ordered_range(self.key, start, stop) == list(self.model)[start:stop]

    @invariant()
    def same_names_in_same_order(self) -> None:
        assert self.store.ordered_len(self.key) == len(self.model)
        assert self.store.ordered_range(self.key) == list(self.model)


class TestOrderedMapModel:
    def test_behaves_like_an_insertion_ordered_dict(self, store: gf.Store) -> None:
        """Random adds, removes, clears, reads and batches agree with a dict model."""
        run_state_machine_as_test(
            lambda: OrderedMapMachine(store),
            settings=settings(
                max_examples=40, stateful_step_count=30, deadline=None, database=None
            ),
        )


# -- JSON values --------------------------------------------------------------------


class TestJSONRoundTrip:
    @PROPERTY
    @given(value=json_values)
    def test_set_get(self, store: gf.Store, value: Any) -> None:
        """Any JSON value comes back from get() exactly as set()."""
        key = fresh()
        store.set(key, value)
        assert shape(store.get(key, ABSENT)) == shape(value)

    @PROPERTY
    @given(value=json_values, field=st.text(max_size=8))
    def test_hash_set_get(self, store: gf.Store, value: Any, field: str) -> None:
        """Any JSON value comes back from hash_get() and hash_items() exactly as hash_set()."""
        key = fresh()
        store.hash_set(key, field, value)
        assert shape(store.hash_get(key, field, ABSENT)) == shape(value)
        assert list(store.hash_items(key)) == [field]
        assert shape(store.hash_items(key)[field]) == shape(value)

    @PROPERTY
    @given(value=json_values, name=st.text(max_size=8))
    def test_ordered_add_get(self, store: gf.Store, value: Any, name: str) -> None:
        """Any JSON value comes back from ordered_get() exactly as ordered_add() stored it."""
        key = fresh()
        store.ordered_add(key, {name: value})
        assert shape(store.ordered_get(key, name, ABSENT)) == shape(value)
        assert store.ordered_range(key) == [name]

    @PROPERTY
    @given(value=json_values.filter(lambda v: isinstance(v, list | dict)))
    def test_container_reads_are_equal_but_independent(self, store: gf.Store, value: Any) -> None:
        """Two reads of a container are equal, distinct, and mutating one changes nothing."""
        key = fresh()
        store.set(key, value)
        first = store.get(key)
        second = store.get(key)
        assert first is not second
        assert shape(first) == shape(second) == shape(value)
        first.clear()
        assert shape(store.get(key)) == shape(value)

    @pytest.mark.parametrize(
        "value",
        [2**70, -(2**70), 1e308, 5e-324, -0.0, 0.1, '\x00\u00e9\U0001f600\n"\\', "", {"": ""}],
    )
    def test_edge_values_round_trip(self, store: gf.Store, value: Any) -> None:
        """Big ints, extreme and negative-zero floats, control and astral characters survive."""
        store.set("/k", value)
        assert shape(store.get("/k")) == shape(value)

    def test_lone_surrogate_round_trips(
        self, store: gf.Store, store_kind: str, request: pytest.FixtureRequest
    ) -> None:
        """A str with a lone surrogate (JSON can escape it) round-trips like any str."""
        known_bug(request, store_kind, "lone_surrogate")
        store.set("/k", "a\ud800b")
        assert store.get("/k") == "a\ud800b"


#: (value, why json refuses it): the message after ``"{key}: "``.
NON_JSON = [
    pytest.param({1, 2}, "value is a set, which is not a JSON value", id="set"),
    pytest.param(b"x", "value is a bytes, which is not a JSON value", id="bytes"),
    pytest.param(object(), "value is a object, which is not a JSON value", id="object"),
    pytest.param(float("nan"), "nan is not allowed in JSON", id="nan"),
    pytest.param(float("inf"), "inf is not allowed in JSON", id="inf"),
    pytest.param(float("-inf"), "-inf is not allowed in JSON", id="-inf"),
    pytest.param(
        {1: "x"}, "value has the key 1 of type int; JSON object keys must be str", id="int-key"
    ),
    pytest.param(
        [1, {"a": {2}}], "value[1]['a'] is a set, which is not a JSON value", id="nested-set"
    ),
    pytest.param([[float("inf")]], "value[0][0] is inf, which JSON cannot hold", id="nested-inf"),
    pytest.param(
        [{"ok": 1, 2: "x"}],
        "value[0] has the key 2 of type int; JSON object keys must be str",
        id="nested-int-key",
    ),
    pytest.param((1, b"x"), "value[1] is a bytes, which is not a JSON value", id="tuple-bytes"),
    pytest.param(
        contains_itself(),
        "value[1] contains itself (a cycle), which JSON cannot hold",
        id="list-contains-itself",
    ),
    pytest.param(
        dict_contains_itself(),
        "value['b']['c'] contains itself (a cycle), which JSON cannot hold",
        id="dict-contains-itself",
    ),
    pytest.param(
        nested(5000),
        "value[0][0][0]...[0][0] (500 levels down) nests more than 500 levels deep, "
        "which no JSON reader could read back",
        id="5000-deep",
    ),
]


class TestNonJSONRefused:
    def test_the_deepest_value_allowed_comes_back(self, store: gf.Store) -> None:
        """500 levels is not refused: it is written and read back whole."""
        key = fresh()
        store.set(key, nested(500))
        assert store.get(key) == nested(500)

    @pytest.mark.parametrize(("value", "problem"), NON_JSON)
    def test_set_refuses_and_keeps_the_old_value(
        self, store: gf.Store, value: Any, problem: str
    ) -> None:
        """set() of a non-JSON value is an InvalidValueError naming the key; nothing changes."""
        store.set("/k", "old")
        with pytest.raises(
            gf.InvalidValueError, match=exact(f"/k: {problem}; store JSON values only")
        ) as info:
            store.set("/k", value)
        assert info.value.oid == "/k"
        assert store.get("/k") == "old"

    @pytest.mark.parametrize(("value", "problem"), NON_JSON)
    def test_set_refuses_on_a_missing_key(self, store: gf.Store, value: Any, problem: str) -> None:
        """A refused set() of a new key leaves the key missing."""
        with pytest.raises(gf.InvalidValueError, match=re.escape(problem)):
            store.set("/k", value)
        assert store.get("/k", ABSENT) is ABSENT

    @pytest.mark.parametrize(("value", "problem"), NON_JSON)
    def test_hash_set_refuses_and_keeps_the_old_field(
        self, store: gf.Store, value: Any, problem: str
    ) -> None:
        """hash_set() of a non-JSON value names key and field; the hash is unchanged."""
        store.hash_set("/h", "f", "old")
        with pytest.raises(
            gf.InvalidValueError, match=exact(f"/h['f']: {problem}; store JSON values only")
        ):
            store.hash_set("/h", "f", value)
        with pytest.raises(gf.InvalidValueError, match=re.escape(problem)):
            store.hash_set("/h", "g", value)
        assert store.hash_items("/h") == {"f": "old"}

    @pytest.mark.parametrize(("value", "problem"), NON_JSON)
    def test_ordered_add_refuses_and_writes_nothing(
        self, store: gf.Store, value: Any, problem: str
    ) -> None:
        """ordered_add() with one non-JSON value names key and name, and adds no name."""
        store.ordered_add("/m", {"a": "old"})
        with pytest.raises(
            gf.InvalidValueError, match=exact(f"/m/bad: {problem}; store JSON values only")
        ):
            store.ordered_add("/m", {"ok": 1, "bad": value, "ok2": 2})
        assert store.ordered_range("/m") == ["a"]
        assert store.ordered_len("/m") == 1
        assert store.ordered_get("/m", "ok", ABSENT) is ABSENT

    def test_ordered_add_to_a_new_map_writes_nothing(self, store: gf.Store) -> None:
        """A refused ordered_add() does not create the map."""
        with pytest.raises(gf.InvalidValueError, match="store JSON values only"):
            store.ordered_add("/m", {"ok": 1, "bad": {3}})
        assert store.ordered_len("/m") == 0
        assert store.ordered_range("/m") == []

    def test_invalid_value_error_is_a_value_error(self, store: gf.Store) -> None:
        """InvalidValueError can be caught as ValueError."""
        with pytest.raises(ValueError, match="store JSON values only"):
            store.set("/k", {1, 2})


# -- batches ------------------------------------------------------------------------


class Boom(Exception):
    """Raised inside a batch to make it fail."""


def failing_batch(
    store: gf.Store, body: Callable[[], object], error: BaseException | None = None
) -> None:
    """Run ``body()`` inside a batch, then raise ``error`` (a :class:`Boom`) inside it."""
    with store.batch():
        body()
        raise error if error is not None else Boom


def seed(store: gf.Store) -> None:
    """A bit of everything, for batches to change."""
    store.set("/v", "old")
    store.set("/gone", 1)
    store.set("/count", 5)
    store.hash_set("/h", "f", "old")
    store.hash_set("/h", "g", 2)
    store.ordered_add("/m", {"a": 1, "b": 2})
    store.ordered_add("/full", {"x": 1})
    store.set("/tree/x", 1)
    store.hash_set("/tree/h", "f", 1)
    store.ordered_add("/tree/m", {"z": 0})


def snapshot(store: gf.Store) -> dict[str, Any]:
    """Everything :func:`seed` and :data:`WRITES` touch, as read through the protocol."""
    values = ["/v", "/gone", "/count", "/new", "/newcount", "/tree/x"]
    hashes = ["/h", "/h2", "/tree/h"]
    ordered = ["/m", "/m2", "/full", "/tree/m"]
    return {
        "values": {k: store.get(k, "<absent>") for k in values},
        "hashes": {k: store.hash_items(k) for k in hashes},
        "ordered": {
            k: [(n, store.ordered_get(k, n)) for n in store.ordered_range(k)] for k in ordered
        },
        "lengths": {k: store.ordered_len(k) for k in ordered},
    }


#: One write of each kind, as applied to :func:`seed`'s data.
WRITES: dict[str, Callable[[gf.Store], object]] = {
    "set": lambda s: s.set("/v", "new"),
    "set-new": lambda s: s.set("/new", [1, 2]),
    "delete": lambda s: s.delete("/gone"),
    "incr": lambda s: s.incr("/count", 10),
    "incr-new": lambda s: s.incr("/newcount"),
    "hash_set": lambda s: s.hash_set("/h", "f", "new"),
    "hash_set-new": lambda s: s.hash_set("/h2", "x", 1),
    "hash_delete": lambda s: s.hash_delete("/h", "g"),
    "ordered_add": lambda s: s.ordered_add("/m", {"c": 3}),
    "ordered_add-new": lambda s: s.ordered_add("/m2", {"x": 1}),
    "ordered_remove": lambda s: s.ordered_remove("/m", "a"),
    "ordered_clear": lambda s: s.ordered_clear("/full"),
    "delete_tree": lambda s: s.delete_tree("/tree"),
}

#: :func:`snapshot` after every write of :data:`WRITES`, in order.
AFTER_ALL_WRITES = {
    "values": {
        "/v": "new",
        "/gone": "<absent>",
        "/count": 15,
        "/new": [1, 2],
        "/newcount": 1,
        "/tree/x": "<absent>",
    },
    "hashes": {"/h": {"f": "new"}, "/h2": {"x": 1}, "/tree/h": {}},
    "ordered": {"/m": [("b", 2), ("c", 3)], "/m2": [("x", 1)], "/full": [], "/tree/m": []},
    "lengths": {"/m": 2, "/m2": 1, "/full": 0, "/tree/m": 0},
}


class TestBatch:
    @pytest.mark.parametrize("write", list(WRITES))
    def test_failing_batch_undoes_each_kind_of_write(self, store: gf.Store, write: str) -> None:
        """Any single write inside a batch that raises is rolled back."""
        seed(store)
        before = snapshot(store)

        def body() -> None:
            WRITES[write](store)
            assert snapshot(store) != before

        with pytest.raises(Boom):
            failing_batch(store, body)
        assert snapshot(store) == before

    def test_failing_batch_undoes_every_write_together(self, store: gf.Store) -> None:
        """All kinds of writes in one failing batch are rolled back together."""
        seed(store)
        before = snapshot(store)

        def body() -> None:
            for write in WRITES.values():
                write(store)
            store.ordered_add("/m", {"a": "again"})
            store.set("/tree/x", "rewritten after delete_tree")

        with pytest.raises(Boom):
            failing_batch(store, body)
        assert snapshot(store) == before

    def test_successful_batch_commits_every_write(self, store: gf.Store) -> None:
        """A batch that ends normally keeps all its writes."""
        seed(store)
        with store.batch():
            for write in WRITES.values():
                write(store)
        assert snapshot(store) == AFTER_ALL_WRITES

    def test_batch_results_match_unbatched_writes(self, store: gf.Store) -> None:
        """Writes return the same results inside a batch as outside."""
        seed(store)
        with store.batch():
            results = {name: write(store) for name, write in WRITES.items()}
        assert results == {
            "set": None,
            "set-new": None,
            "delete": True,
            "incr": 15,
            "incr-new": 1,
            "hash_set": None,
            "hash_set-new": None,
            "hash_delete": True,
            "ordered_add": None,
            "ordered_add-new": None,
            "ordered_remove": True,
            "ordered_clear": None,
            "delete_tree": None,
        }

    def test_the_original_exception_propagates(self, store: gf.Store) -> None:
        """The batch re-raises the very exception raised inside it."""
        error = Boom("inside")
        with pytest.raises(Boom) as info:
            failing_batch(store, lambda: store.set("/k", 1), error)
        assert info.value is error
        assert store.get("/k", ABSENT) is ABSENT

    def test_base_exceptions_roll_back_too(self, store: gf.Store) -> None:
        """A KeyboardInterrupt inside a batch also rolls it back."""
        store.set("/k", "old")
        with pytest.raises(KeyboardInterrupt):
            failing_batch(store, lambda: store.set("/k", "new"), KeyboardInterrupt())
        assert store.get("/k") == "old"

    def test_reads_inside_see_the_batch_writes(self, store: gf.Store) -> None:
        """Within a batch, every read sees the writes made earlier in it."""
        seed(store)
        with store.batch():
            store.set("/v", "new")
            assert store.get("/v") == "new"
            store.delete("/gone")
            assert store.get("/gone", ABSENT) is ABSENT
            store.set("/counter", 40)
            assert store.incr("/counter", 2) == 42
            store.hash_set("/h", "f", "new")
            assert store.hash_get("/h", "f") == "new"
            assert store.hash_items("/h") == {"f": "new", "g": 2}
            store.ordered_add("/m", {"c": 3})
            assert store.ordered_range("/m") == ["a", "b", "c"]
            assert store.ordered_len("/m") == 3
            assert store.ordered_get("/m", "c") == 3
            store.delete_tree("/tree")
            assert store.get("/tree/x", ABSENT) is ABSENT
            assert store.ordered_len("/tree/m") == 0

    def test_a_refused_write_inside_does_not_abort_the_batch(self, store: gf.Store) -> None:
        """A store error caught inside a batch leaves the batch's other writes to commit."""
        store.ordered_add("/m", {"a": 1})
        store.set("/text", "x")
        with store.batch():
            store.set("/k", 1)
            with pytest.raises(gf.ExistsError):
                store.ordered_add("/m", {"b": 2, "a": 3})
            with pytest.raises(gf.InvalidValueError):
                store.set("/k", {1})
            with pytest.raises(gf.InvalidValueError):
                store.incr("/text")
            store.ordered_add("/m", {"c": 4})
        assert store.get("/k") == 1
        assert store.ordered_range("/m") == ["a", "c"]
        assert store.get("/text") == "x"

    def test_store_is_usable_after_a_failed_batch(self, store: gf.Store) -> None:
        """A failed batch leaves no transaction open: the next batch and writes commit."""
        with pytest.raises(Boom):
            failing_batch(store, lambda: store.set("/k", 1))
        with store.batch():
            store.set("/k", 2)
        store.set("/j", 3)
        assert (store.get("/k"), store.get("/j")) == (2, 3)

    def test_empty_batch_is_fine(self, store: gf.Store) -> None:
        """A batch with no writes commits nothing and breaks nothing."""
        store.set("/k", 1)
        with store.batch():
            pass
        assert store.get("/k") == 1


class TestNestedBatch:
    def test_failing_inner_batch_undoes_only_its_writes(self, store: gf.Store) -> None:
        """An inner batch that raises is undone; the outer batch commits its own writes."""
        seed(store)

        def inner() -> None:
            store.set("/v", "inner")
            store.set("/new", "inner")
            store.incr("/count")
            store.hash_set("/h", "f", "inner")
            store.ordered_add("/m", {"d": 4})
            store.ordered_remove("/m", "a")
            store.delete_tree("/tree")

        with store.batch():
            store.set("/v", "outer")
            store.ordered_add("/m", {"c": 3})
            with pytest.raises(Boom):
                failing_batch(store, inner)
            assert store.get("/v") == "outer"
            assert store.ordered_range("/m") == ["a", "b", "c"]
            store.set("/after", True)
        assert store.get("/v") == "outer"
        assert store.get("/new", ABSENT) is ABSENT
        assert store.get("/count") == 5
        assert store.hash_get("/h", "f") == "old"
        assert store.ordered_range("/m") == ["a", "b", "c"]
        assert store.ordered_len("/m") == 3
        assert store.get("/tree/x") == 1
        assert store.get("/after") is True

    def test_failing_outer_batch_undoes_a_committed_inner_batch(self, store: gf.Store) -> None:
        """An inner batch that succeeded is still undone when the outer batch fails."""
        seed(store)
        before = snapshot(store)

        def outer() -> None:
            store.set("/v", "outer")
            with store.batch():
                for write in WRITES.values():
                    write(store)
            assert store.get("/v") == "new"

        with pytest.raises(Boom):
            failing_batch(store, outer)
        assert snapshot(store) == before

    def test_successful_nested_batches_commit_everything(self, store: gf.Store) -> None:
        """Inner and outer writes all land when nothing fails."""
        seed(store)
        with store.batch():
            with store.batch():
                for write in list(WRITES.values())[:6]:
                    write(store)
            for write in list(WRITES.values())[6:]:
                write(store)
        assert snapshot(store) == AFTER_ALL_WRITES

    def test_three_levels_behave_like_savepoints(self, store: gf.Store) -> None:
        """A failing middle batch undoes itself and its committed inner batch, not the outer."""

        def middle() -> None:
            store.set("/middle", 2)
            with store.batch():
                store.set("/inner", 3)
                store.ordered_add("/m", {"inner": 3})

        with store.batch():
            store.set("/outer", 1)
            with pytest.raises(Boom):
                failing_batch(store, middle)
            with store.batch():
                store.set("/sibling", 4)
        assert store.get("/outer") == 1
        assert store.get("/middle", ABSENT) is ABSENT
        assert store.get("/inner", ABSENT) is ABSENT
        assert store.ordered_len("/m") == 0
        assert store.get("/sibling") == 4

    def test_same_key_written_at_every_level(self, store: gf.Store) -> None:
        """One key rewritten at each level gets back each level's value as levels fail."""
        store.set("/k", 0)

        def level2() -> None:
            store.set("/k", 2)
            with pytest.raises(Boom):
                failing_batch(store, lambda: store.set("/k", 3))
            assert store.get("/k") == 2

        with store.batch():
            store.set("/k", 1)
            with pytest.raises(Boom):
                failing_batch(store, level2)
            assert store.get("/k") == 1
        assert store.get("/k") == 1


# -- commit callbacks ---------------------------------------------------------------


class TestOnCommit:
    def test_outside_a_batch_the_callback_runs_at_once(self, store: gf.Store) -> None:
        """With no batch open the write already happened, so there is nothing to wait for."""
        heard: list[str] = []
        store.on_commit(lambda: heard.append("now"))
        assert heard == ["now"]

    def test_callbacks_wait_for_the_outermost_commit_and_run_in_order(
        self, store: gf.Store
    ) -> None:
        """Queued at any depth, they run once, after the outermost batch, in order."""
        heard: list[object] = []
        key = fresh()
        with store.batch():
            store.set(key, 1)
            store.on_commit(lambda: heard.append(("first", store.get(key))))
            with store.batch():
                store.on_commit(lambda: heard.append("inner"))
            store.on_commit(lambda: heard.append("last"))
            assert heard == []
        # The first callback reads the committed value: it runs after the commit.
        assert heard == [("first", 1), "inner", "last"]

    def test_a_failing_outer_batch_drops_every_callback(self, store: gf.Store) -> None:
        """Nothing is heard of writes that were rolled back, inner levels included."""
        heard: list[str] = []

        def body() -> None:
            store.on_commit(lambda: heard.append("outer"))
            with store.batch():
                store.on_commit(lambda: heard.append("inner"))

        with pytest.raises(Boom):
            failing_batch(store, body)
        assert heard == []
        with store.batch():
            pass
        assert heard == [], "a dropped callback came back with a later batch"

    def test_a_failing_nested_batch_drops_only_its_own(self, store: gf.Store) -> None:
        """Like its writes, a failed savepoint's callbacks go; the outer ones stay."""
        heard: list[str] = []
        with store.batch():
            store.on_commit(lambda: heard.append("kept"))
            with pytest.raises(Boom):
                failing_batch(store, lambda: store.on_commit(lambda: heard.append("dropped")))
        assert heard == ["kept"]

    def test_a_raising_callback_lets_the_others_run_and_keeps_the_writes(
        self, store: gf.Store
    ) -> None:
        """The error comes out of the ``with`` that committed, after every callback ran."""
        heard: list[str] = []
        key = fresh()

        def bad() -> None:
            raise Boom("listener broke")

        def body() -> None:
            with store.batch():
                store.set(key, "committed")
                store.on_commit(bad)
                store.on_commit(lambda: heard.append("after the bad one"))

        with pytest.raises(gf.CommitCallbackError, match="listener broke") as info:
            body()
        assert isinstance(info.value.__cause__, Boom)
        assert heard == ["after the bad one"]
        assert store.get(key) == "committed"

    def test_a_callback_may_write_to_the_store(self, store: gf.Store) -> None:
        """Callbacks run after the batch closed, so their own writes are new batches."""
        key = fresh()
        with store.batch():
            store.on_commit(lambda: store.set(key, "written by the callback"))
        assert store.get(key) == "written by the callback"


# -- transactions -------------------------------------------------------------------


class TestTransaction:
    """``transaction()``: a batch whose reads are isolated too, on every store."""

    def test_returns_what_fn_returns_and_commits(self, store: gf.Store) -> None:
        key = fresh()
        store.set(key, 1)

        def bump() -> int:
            value: int = store.get(key) + 1
            store.set(key, value)
            return value

        assert store.transaction(bump) == 2
        assert store.get(key) == 2

    def test_an_error_in_fn_writes_nothing_and_is_not_retried(self, store: gf.Store) -> None:
        """fn's own error is not a conflict: it propagates at once, nothing written."""
        key, runs = fresh(), []

        def broken() -> None:
            runs.append(1)
            store.set(key, "half")
            store.ordered_add(key + "/m", {"a": 1})
            raise Boom("fn failed")

        with pytest.raises(Boom, match="fn failed"):
            store.transaction(broken)
        assert runs == [1]
        assert store.get(key, ABSENT) is ABSENT
        assert store.ordered_len(key + "/m") == 0

    def test_with_block_commits_or_writes_nothing(self, store: gf.Store) -> None:
        key = fresh()
        with store.transaction():
            store.set(key, store.get(key, 0) + 1)
        assert store.get(key) == 1

        def failing() -> None:
            with store.transaction():
                store.set(key, 99)
                raise Boom

        with pytest.raises(Boom):
            failing()
        assert store.get(key) == 1

    def test_retries_go_with_the_function_form(self, store: gf.Store) -> None:
        """A with-block cannot run again: asking it to retry is a mistake, said so."""
        with pytest.raises(TypeError, match="needs the function form"):
            store.transaction(retries=3)

    @pytest.mark.parametrize("retries", [-1, 1.5, True, "3"])
    def test_retries_is_a_count(self, store: gf.Store, retries: Any) -> None:
        with pytest.raises(ValueError, match="takes an int >= 0"):
            store.transaction(lambda: None, retries=retries)

    def test_a_transaction_inside_another_is_part_of_it(self, store: gf.Store) -> None:
        """The inner one commits with the outer: if the outer fails, both are undone."""
        key = fresh()

        def outer() -> None:
            store.transaction(lambda: store.set(key + "/inner", 1))
            store.set(key + "/outer", 1)
            assert store.get(key + "/inner") == 1
            raise Boom

        with pytest.raises(Boom):
            store.transaction(outer)
        assert store.get(key + "/inner", ABSENT) is ABSENT
        assert store.get(key + "/outer", ABSENT) is ABSENT

    def test_reads_see_the_transactions_own_writes(self, store: gf.Store) -> None:
        key = fresh()
        store.ordered_add(key, {"a": 1})
        store.hash_set(key + "/h", "f", 1)

        def body() -> tuple[Any, ...]:
            store.set(key + "/v", [1])
            store.hash_set(key + "/h", "g", 2)
            store.ordered_add(key, {"b": 2})
            store.ordered_remove(key, "a")
            return (
                store.get(key + "/v"),
                store.hash_items(key + "/h"),
                store.ordered_range(key),
                store.ordered_len(key),
                store.ordered_get(key, "a", ABSENT),
            )

        assert store.transaction(body) == ([1], {"f": 1, "g": 2}, ["b"], 1, ABSENT)

    def test_incr_returns_what_the_commit_leaves(self, store: gf.Store) -> None:
        key = fresh()
        store.set(key, 40)

        def twice() -> tuple[int, int]:
            return store.incr(key), store.incr(key)

        assert store.transaction(twice) == (41, 42)
        assert store.get(key) == 42

    def test_commit_callbacks_run_once_after_the_commit(self, store: gf.Store) -> None:
        """Queued inside, they run once the transaction committed, in order."""
        key, heard = fresh(), []

        def body() -> None:
            store.set(key, "v")
            store.on_commit(lambda: heard.append(store.get(key)))
            store.on_commit(lambda: heard.append("second"))
            assert heard == []

        store.transaction(body)
        assert heard == ["v", "second"]

    def test_commit_callbacks_of_a_failed_transaction_are_dropped(self, store: gf.Store) -> None:
        heard: list[str] = []

        def body() -> None:
            store.on_commit(lambda: heard.append("never"))
            raise Boom

        with pytest.raises(Boom):
            store.transaction(body)
        assert heard == []

    def test_threads_reading_then_writing_lose_no_update(self, store: gf.Store) -> None:
        """4 threads x 100 read-modify-write through transaction() end at exactly 400."""
        key = fresh()
        store.set(key, 0)

        def bump() -> None:
            store.set(key, store.get(key) + 1)

        def work() -> None:
            for _ in range(100):
                store.transaction(bump)

        in_threads(4, work)
        assert store.get(key) == 400


class TestFlowTransaction:
    def test_runs_on_the_flows_store_and_returns(self, flow: gf.Flow) -> None:
        project = flow.create_project("p", Counted)
        assert flow.transaction(lambda: project.count.incr()) == 1
        assert flow.store().get("/p/count") == 1

    def test_a_failed_attempt_forgets_what_it_created(self, flow: gf.Flow) -> None:
        """Like a failed batch: a project created inside is not left in the flow."""

        def body() -> None:
            flow.create_project("gone", Counted)
            raise Boom

        with pytest.raises(Boom):
            flow.transaction(body)
        assert flow.projects() == []
        with pytest.raises(gf.MissingChildError):
            flow.project("gone")

    def test_with_block(self, flow: gf.Flow) -> None:
        with flow.transaction():
            flow.create_project("p", Counted).count.set(3)
        assert flow.project("p").count.get() == 3  # type: ignore[attr-defined]


class Counted(gf.Object):
    count = gf.IntParam(0)


class TestThreads:
    def test_concurrent_incr_loses_no_update(self, store: gf.Store) -> None:
        """8 threads x 50 incr() on one store end at exactly 400."""
        key = fresh()

        def work() -> None:
            for _ in range(50):
                store.incr(key)

        in_threads(8, work)
        assert store.get(key) == 400


# -- shared across processes ------------------------------------------------------

#: The stores several processes can open at once.
SHARED_KINDS = ["sqlite", "redis"]
WORKERS = 4
EACH = 1000


@pytest.fixture(params=SHARED_KINDS)
def shared_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a store several processes open."""
    if request.param == "redis":
        server: RedisServer = request.getfixturevalue("redis_server")
        return f"{server.url}?prefix=t{uuid.uuid4().hex[:12]}"
    first = gf.SQLiteStore(tmp_path / "shared.db")
    first.close()
    return first.url


@pytest.fixture
def shared(shared_url: str) -> Iterator[gf.Store]:
    """This process's own store on :func:`shared_url`."""
    s = gf.open_store(shared_url)
    yield s
    s.close()


def session() -> gf.Session:
    return gf.Session(user="tester", environ={})


class TestSharedAcrossProcesses:
    """Stores several processes open at once (SQLite files, Redis): real processes."""

    #: Each worker's update, returning the counter's new value: an atomic incr, or a read
    #: then a write in a transaction (in plain batches Redis lost 1,549 of 4,000 such
    #: updates: issue 12).
    UPDATES = {
        "incr": """
            def update():
                return store.incr("/counter")
        """,
        "transaction": """
            def bump():
                value = store.get("/counter") + 1
                store.set("/counter", value)
                return value

            def update():
                return flow.transaction(bump)
        """,
    }

    @pytest.mark.parametrize("update", list(UPDATES))
    def test_concurrent_updates_lose_and_repeat_nothing(
        self, shared: gf.Store, shared_url: str, tmp_path: Path, update: str
    ) -> None:
        """4 processes x 1,000 updates of one counter end at exactly 4,000, and each
        update saw its own value: 1..4,000, each once."""
        shared.set("/counter", 0)
        code = (
            textwrap.dedent(
                """
            import sys
            import graftflow as gf
            store = gf.open_store(sys.argv[1])
            flow = gf.Flow(gf.Session(environ={}), store)
            """
            )
            + textwrap.dedent(self.UPDATES[update])
            + textwrap.dedent(
                f"""
            print("ready", flush=True)
            sys.stdin.readline()
            print(" ".join(str(update()) for _ in range({EACH})))
            store.close()
            """
            )
        )
        outputs = run_together(code, [[shared_url]] * WORKERS, tmp_path)
        assert shared.get("/counter") == WORKERS * EACH
        returned = sorted(int(n) for out in outputs for n in out.split())
        assert returned == list(range(1, WORKERS * EACH + 1))

    def test_concurrent_ordered_add_keeps_every_name(
        self, shared: gf.Store, shared_url: str, tmp_path: Path
    ) -> None:
        """4 processes adding 1,000 distinct names each leave exactly 4,000 members."""
        code = f"""
            import sys
            import graftflow as gf
            store = gf.open_store(sys.argv[1])
            worker = sys.argv[2]
            print("ready", flush=True)
            sys.stdin.readline()
            for i in range({EACH}):
                store.ordered_add("/m", {{f"w{{worker}}-{{i:04d}}": i}})
            store.close()
        """
        run_together(code, [[shared_url, str(w)] for w in range(WORKERS)], tmp_path)
        names = shared.ordered_range("/m")
        expected = [f"w{w}-{i:04d}" for w in range(WORKERS) for i in range(EACH)]
        assert shared.ordered_len("/m") == len(names) == len(set(names)) == WORKERS * EACH
        assert sorted(names) == expected
        for w in range(WORKERS):
            mine = [n for n in names if n.startswith(f"w{w}-")]
            assert mine == sorted(mine), "each worker's names keep that worker's order"
        assert shared.ordered_get("/m", "w3-0999") == 999

    def test_concurrent_map_add_keeps_every_item(
        self, shared: gf.Store, shared_url: str, tmp_path: Path
    ) -> None:
        """4 processes calling Map.add() 1,000 times each on one shared project's map
        leave 4,000 items, each readable."""
        gf.Flow(session(), shared).create_project("p", Studio)
        code = f"""
            import sys
            import graftflow as gf
            store = gf.open_store(sys.argv[1])
            worker = sys.argv[2]
            flow = gf.Flow(gf.Session(user=f"w{{worker}}", environ={{}}), store)
            films = flow.project("p").films
            print("ready", flush=True)
            sys.stdin.readline()
            for i in range({EACH}):
                films.add(f"w{{worker}}-{{i:04d}}")
            flow.close()
            store.close()
        """
        run_together(code, [[shared_url, str(w)] for w in range(WORKERS)], tmp_path)
        films = gf.Flow(session(), shared).project("p").films
        names = list(films)
        assert len(films) == len(names) == len(set(names)) == WORKERS * EACH
        assert sorted(names) == [f"w{w}-{i:04d}" for w in range(WORKERS) for i in range(EACH)]
        assert films["w3-0999"].title.get() == ""

    @pytest.mark.parametrize("via", ["ordered_add", "Map.add"])
    def test_racing_for_the_same_names_adds_each_once(
        self, shared: gf.Store, shared_url: str, tmp_path: Path, via: str
    ) -> None:
        """4 processes adding the same 1,000 names: each name is added exactly once, and
        the 3,000 losing calls each get ExistsError."""
        gf.Flow(session(), shared).create_project("p", Studio)
        code = f"""
            import sys
            import graftflow as gf
            store = gf.open_store(sys.argv[1])
            worker = sys.argv[2]
            flow = gf.Flow(gf.Session(user=f"w{{worker}}", environ={{}}), store)
            films = flow.project("p").films
            if sys.argv[3] == "Map.add":
                add = films.add
            else:
                add = lambda name: store.ordered_add("/m", {{name: worker}})
            print("ready", flush=True)
            sys.stdin.readline()
            won, lost, messages = 0, 0, set()
            for i in range({EACH}):
                try:
                    add(f"n{{i:04d}}")
                    won += 1
                except gf.ExistsError as exc:
                    lost += 1
                    messages.add(str(exc).replace(f"{{i:04d}}", "NNNN"))
            print(won, lost, *sorted(messages), sep="\\n")
            flow.close()
            store.close()
        """
        outputs = run_together(code, [[shared_url, str(w), via] for w in range(WORKERS)], tmp_path)
        counts = [out.splitlines() for out in outputs]
        assert sum(int(lines[0]) for lines in counts) == EACH
        assert sum(int(lines[1]) for lines in counts) == (WORKERS - 1) * EACH
        messages = {message for lines in counts for message in lines[2:]}
        names = [f"n{i:04d}" for i in range(EACH)]
        if via == "Map.add":
            assert messages == {"/p/films already has an item 'nNNNN'"}
            assert list(gf.Flow(session(), shared).project("p").films) == names
        else:
            assert messages == {"/m already has 'nNNNN'"}
            assert shared.ordered_range("/m") == names
            winners = {shared.ordered_get("/m", name) for name in names}
            assert winners <= {str(w) for w in range(WORKERS)}

    def test_everything_survives_close_and_reopen(self, shared_url: str) -> None:
        """Values, hashes and ordered maps (order and length) are there for a store
        opened anew from the URL after the first one closed."""
        store = gf.open_store(shared_url)
        store.set("/v", {"a": [1, 2.5, None, "\u00e9"]})
        store.incr("/n", 41)
        store.hash_set("/h", "f", True)
        store.ordered_add("/m", {"b": 1, "a": 2, "c": 3})
        store.ordered_remove("/m", "b")
        store.ordered_add("/m", {"b": 4})
        store.close()
        again = gf.open_store(shared_url, create=False)
        try:
            assert again.get("/v") == {"a": [1, 2.5, None, "\u00e9"]}
            assert again.incr("/n") == 42
            assert again.hash_items("/h") == {"f": True}
            assert again.ordered_range("/m") == ["a", "c", "b"]
            assert again.ordered_len("/m") == 3
            assert again.ordered_get("/m", "b") == 4
        finally:
            again.close()

    def test_a_batch_is_lost_if_its_process_dies(
        self, shared: gf.Store, shared_url: str, run_python: Any
    ) -> None:
        """A process killed inside a batch commits nothing and holds nothing back: the
        next writer writes at once."""
        shared.set("/before", 1)
        proc = run_python(
            f"""
            import os
            import graftflow as gf
            store = gf.open_store({shared_url!r})
            with store.batch():
                store.set("/before", 2)
                store.set("/a", 1)
                store.ordered_add("/m", {{"x": 1}})
                os._exit(7)
            """,
            check=False,
        )
        assert proc.returncode == 7, proc.stderr
        assert shared.get("/before") == 1
        assert shared.get("/a", ABSENT) is ABSENT
        assert shared.ordered_len("/m") == 0
        shared.set("/after", 1)
        assert shared.get("/after") == 1

    @pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork (POSIX)")
    def test_a_forked_child_reads_and_writes_through_the_inherited_store(
        self, shared: gf.Store
    ) -> None:
        """A forked child uses the store it inherited (SQLite: connections of its own;
        Redis: a fresh cache and listener); the parent's store keeps working."""
        shared.set("/parent", "before fork")
        assert shared.get("/parent") == "before fork"  # the parent has a live connection

        def child() -> bool:
            ok = shared.get("/parent") == "before fork"
            with shared.batch():
                shared.set("/child", "written")
                shared.ordered_add("/m", {"c": 1})
            return ok and shared.get("/child") == "written"

        assert in_child(child) == 0
        assert shared.get("/child") == "written"
        assert shared.ordered_range("/m") == ["c"]
        with shared.batch():
            shared.set("/parent", "after fork")
            shared.ordered_add("/m", {"p": 2})
        assert shared.get("/parent") == "after fork"
        assert shared.ordered_range("/m") == ["c", "p"]

    def test_the_demos_bump_version_from_4_parallel_loops_ends_at_60(
        self, shared_url: str, tmp_path: Path
    ) -> None:
        """Issue 12's scenario as users run it: 4 shell loops of 15 ``graftflow run
        .../bump_version`` at once, each a process of its own; the version ends at 60."""
        shot = "/demo/films/f01/sequences/sq010/shots/sh0010"
        make_demo(shared_url)
        loop = f'for i in $(seq 15); do "$0" --store "$1" run {shot}/bump_version || exit 1; done'
        loops = [
            subprocess.Popen(
                ["sh", "-c", loop, graftflow_command(), shared_url],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(4)
        ]
        results = [proc.communicate(timeout=300) for proc in loops]
        assert [proc.returncode for proc in loops] == [0] * 4, results
        versions = sorted(
            int(line.rsplit(": ", 1)[1]) for out, _ in results for line in out.splitlines()
        )
        assert versions == list(range(1, 61))
        store = gf.open_store(shared_url, create=False)
        try:
            assert store.get(f"{shot}/version") == 60
        finally:
            store.close()


# -- close --------------------------------------------------------------------------


def _enter_batch(store: gf.Store) -> None:
    with store.batch():
        pass


#: Every protocol call, with valid arguments, for the after-close check.
CALLS: dict[str, Callable[[gf.Store], object]] = {
    "get": lambda s: s.get("/k"),
    "set": lambda s: s.set("/k", 1),
    "delete": lambda s: s.delete("/k"),
    "incr": lambda s: s.incr("/n"),
    "delete_tree": lambda s: s.delete_tree("/k"),
    "hash_get": lambda s: s.hash_get("/h", "f"),
    "hash_set": lambda s: s.hash_set("/h", "f", 1),
    "hash_delete": lambda s: s.hash_delete("/h", "f"),
    "hash_items": lambda s: s.hash_items("/h"),
    "ordered_add": lambda s: s.ordered_add("/m", {"x": 1}),
    "ordered_add_empty": lambda s: s.ordered_add("/m", {}),
    "ordered_get": lambda s: s.ordered_get("/m", "a"),
    "ordered_remove": lambda s: s.ordered_remove("/m", "a"),
    "ordered_len": lambda s: s.ordered_len("/m"),
    "ordered_range": lambda s: s.ordered_range("/m", 0, 5),
    "ordered_clear": lambda s: s.ordered_clear("/m"),
    "batch": _enter_batch,
}


class TestClose:
    @pytest.mark.parametrize("call", list(CALLS))
    def test_every_call_after_close_raises(
        self, store: gf.Store, store_kind: str, request: pytest.FixtureRequest, call: str
    ) -> None:
        """After close(), each protocol call raises StoreError saying the store is closed."""
        known_bug(request, store_kind, call)
        store.set("/k", 1)
        store.hash_set("/h", "f", 1)
        store.ordered_add("/m", {"a": 1})
        store.close()
        with pytest.raises(gf.StoreError, match="is closed"):
            CALLS[call](store)

    def test_close_returns_none_and_keeps_the_url(self, store: gf.Store) -> None:
        """close() returns None; the store's url stays readable for messages."""
        url = store.url
        assert store.close() is None
        assert store.url == url

    def test_store_error_is_an_os_error(self, store: gf.Store) -> None:
        """The closed-store error is catchable as OSError and GraftflowError."""
        store.close()
        with pytest.raises(OSError, match="is closed"):
            store.get("/k")
        with pytest.raises(gf.GraftflowError, match="is closed"):
            store.get("/k")
