"""Oid parsing (property-based) and resolution through a real tree."""

from __future__ import annotations

import posixpath
import re
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

import graftflow as gf
from graftflow._oid import check_item_name, check_relation_name, split_oid

item_names = st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,20}", fullmatch=True)
steps = st.one_of(item_names, st.sampled_from([".", ".."]))


class TestSplitOid:
    @given(st.lists(item_names, max_size=8))
    def test_absolute_round_trip(self, parts: list[str]) -> None:
        """Joining valid names with '/' parses back to the same parts, absolute."""
        oid = "/" + "/".join(parts)
        assert split_oid(oid) == (True, tuple(parts))

    @given(st.lists(steps, min_size=1, max_size=8))
    def test_relative_round_trip(self, parts: list[str]) -> None:
        """Relative oids keep '.' and '..' steps for the resolver."""
        assert split_oid("/".join(parts)) == (False, tuple(parts))

    @given(st.text(max_size=30))
    def test_arbitrary_text_never_crashes(self, text: str) -> None:
        """Any string either parses or raises InvalidOidError, never anything else."""
        try:
            absolute, parts = split_oid(text)
        except gf.InvalidOidError as exc:
            error = exc
        else:
            error = None
        if error is not None:
            assert error.oid == text
            assert repr(text) in str(error) or text == ""
        else:
            assert absolute == text.startswith("/")
            assert all(p in (".", "..") or check_item_name(p, "t") == p for p in parts)

    @pytest.mark.parametrize(
        ("oid", "message"),
        [
            ("", "an empty string is not an oid; the root is '/'"),
            ("/a//b", "empty name between slashes or a trailing '/'"),
            ("/a/b/", "empty name between slashes or a trailing '/'"),
            ("/a/b c", "'b c' is not a valid name"),
            ("/a/-b", "'-b' is not a valid name"),
        ],
    )
    def test_malformed(self, oid: str, message: str) -> None:
        """Malformed oids are refused, naming the oid and what is wrong."""
        with pytest.raises(gf.InvalidOidError, match=re.escape(message)):
            split_oid(oid)

    def test_not_a_string(self) -> None:
        """A non-str oid is refused with its type."""
        with pytest.raises(gf.InvalidOidError, match="an oid must be a str, not int"):
            split_oid(3)

    def test_root(self) -> None:
        """'/' is the root: absolute with no parts."""
        assert split_oid("/") == (True, ())


class TestNames:
    @pytest.mark.parametrize("name", ["sh010", "010", "char-bob", "v001.ma", "_x", "A"])
    def test_valid_item_names(self, name: str) -> None:
        """Studio-style names are valid item names."""
        assert check_item_name(name, "/m") == name

    @pytest.mark.parametrize("name", ["", ".", "..", "-x", ".hidden", "a/b", "a b", "x" * 256])
    def test_invalid_item_names(self, name: str) -> None:
        """Names that would break oids are refused, naming where."""
        with pytest.raises(gf.InvalidNameError, match=re.escape(f"/m: invalid name {name!r}")):
            check_item_name(name, "/m")

    @pytest.mark.parametrize(
        ("name", "message"),
        [
            ("a b", "'a b' is not a valid relation name (it must be a Python identifier)"),
            ("x=1;import os", "is not a valid relation name"),
            ("class", "'class' is a Python keyword"),
            ("_private", "'_private' starts with '_'; only relations declared on a class may be"),
            (3, "a relation name must be a str, not int"),
        ],
    )
    def test_invalid_relation_names(self, name: object, message: str) -> None:
        """Relation names must be identifiers, not keywords, not private."""
        with pytest.raises(gf.InvalidNameError, match=re.escape(message)):
            check_relation_name(name, "Shot")


class Leaf(gf.Object):
    value = gf.Param(0)


class Leaves(gf.Map[Leaf]):
    pass


class Node(gf.Object):
    leaves = gf.Child(Leaves)
    value = gf.Param(0)


class Nodes(gf.Map[Node]):
    pass


class Root(gf.Object):
    nodes = gf.Child(Nodes)


@pytest.fixture(scope="module")
def tree() -> gf.Flow:
    flow = gf.Flow()
    root = flow.create_project("p", Root)
    for n in ("n1", "n2"):
        node = root.nodes.add(n)
        node.leaves.add_many(["l1", "l2"])
    return flow


def _tree_oids(flow: gf.Flow) -> list[str]:
    oids = ["/p", "/p/nodes"]
    for n in ("n1", "n2"):
        oids += [f"/p/nodes/{n}", f"/p/nodes/{n}/value", f"/p/nodes/{n}/leaves"]
        for leaf in ("l1", "l2"):
            oids += [f"/p/nodes/{n}/leaves/{leaf}", f"/p/nodes/{n}/leaves/{leaf}/value"]
    return oids


class TestResolution:
    @given(data=st.data())
    def test_relative_matches_posix_paths(self, tree: gf.Flow, data: st.DataObject) -> None:
        """Resolving a relative oid lands where posixpath.normpath says it should."""
        oids = _tree_oids(tree)
        start = data.draw(st.sampled_from(oids), label="start")
        target = data.draw(st.sampled_from(oids), label="target")
        rel = posixpath.relpath(target, start)
        noise = data.draw(st.lists(st.sampled_from([".", "./."]), max_size=2), label="noise")
        rel = "/".join([*noise, rel])
        got = gf.get_object(tree.get_object(start), rel)
        assert got.oid() == target

    @given(st.sampled_from(string.ascii_lowercase))
    def test_absolute_from_anywhere(self, tree: gf.Flow, letter: str) -> None:
        """An absolute oid resolves the same from any starting object."""
        leaf = tree.get_object("/p/nodes/n2/leaves/l1")
        assert gf.get_object(leaf, "/p/nodes/n1/value").oid() == "/p/nodes/n1/value"

    def test_dot_is_self_and_root_is_flow(self, tree: gf.Flow) -> None:
        """'.' gives the start object; '/' gives the flow."""
        node = tree.get_object("/p/nodes/n1")
        assert gf.get_object(node, ".") is node
        assert gf.get_object(node, "/") is tree

    def test_above_root(self, tree: gf.Flow) -> None:
        """'..' above the root is refused, naming the oid."""
        with pytest.raises(
            gf.InvalidOidError, match=re.escape("invalid oid '../../..': '..' goes above the root")
        ):
            gf.get_object(tree.get_object("/p/nodes"), "../../..")

    def test_missing_names_the_failing_oid(self, tree: gf.Flow) -> None:
        """A missing relation error carries the oid that failed and the name."""
        with pytest.raises(gf.MissingRelationError) as info:
            tree.get_object("/p/nodes/n1/leaves/l1/valeu")
        assert info.value.oid == "/p/nodes/n1/leaves/l1/valeu"
        assert info.value.name == "valeu"
        assert str(info.value) == (
            "/p/nodes/n1/leaves/l1 (Leaf) has no relation 'valeu'; did you mean 'value'?"
        )

    def test_missing_item(self, tree: gf.Flow) -> None:
        """A missing map item error names the map and suggests a close name."""
        with pytest.raises(gf.MissingChildError) as info:
            tree.get_object("/p/nodes/n11/value")
        assert info.value.oid == "/p/nodes/n11"
        assert str(info.value) == "/p/nodes has no item 'n11'; did you mean 'n1'?"

    def test_methods_are_not_children(self, tree: gf.Flow) -> None:
        """An oid step never resolves to a method of the object."""
        with pytest.raises(gf.MissingRelationError, match="has no relation 'touch'"):
            tree.get_object("/p/nodes/n1/touch")
