"""Object: relation collection, the tiny namespace, laziness, and the manager hooks."""

from __future__ import annotations

import re
from typing import Any

import pytest

import graftflow as gf


def names(target: Any) -> list[str]:
    return [r.name for r in gf.relations(target)]


class TestCollection:
    def test_declaration_order(self) -> None:
        """Relations come in the order the class body declares them."""

        class Shot(gf.Object):
            zeta = gf.Param()
            alpha = gf.IntParam()
            mid = gf.Child(gf.Object)

        assert names(Shot) == ["zeta", "alpha", "mid"]
        assert [r.owner for r in gf.relations(Shot)] == [Shot, Shot, Shot]

    def test_explicit_index_places(self) -> None:
        """An int index is a position, None is last, equal indexes keep their order."""

        class Shot(gf.Object):
            a = gf.Param()
            b = gf.Param()
            last = gf.Param(index=None)
            first = gf.Param(index=0)
            also_first = gf.Param(index=0)
            third = gf.Param(index=2)
            far = gf.Param(index=99)

        assert names(Shot) == ["first", "also_first", "third", "a", "b", "far", "last"]

    def test_subclass_override_keeps_position(self) -> None:
        """Overriding a base relation by name keeps its place and uses the new relation."""

        class Base(gf.Object):
            a = gf.Param(1)
            status = gf.Param("base")
            c = gf.Param(3)

        class Show(Base):
            extra = gf.Param()
            status = gf.StringParam("show")

        assert names(Show) == ["a", "status", "c", "extra"]
        assert gf.relations(Show)[1] is Show.__dict__["status"]
        assert names(Base) == ["a", "status", "c"]
        flow = gf.Flow()
        assert flow.create_project("p", Show).status.get() == "show"

    def test_multiple_inheritance_follows_mro(self) -> None:
        """Mixins contribute relations in reverse MRO order, newest name wins."""

        class Timed(gf.Object):
            frame_in = gf.IntParam(1)
            status = gf.Param("timed")

        class Tagged(gf.Object):
            tags = gf.Param(list)
            status = gf.Param("tagged")

        class Shot(Tagged, Timed):
            pass

        assert names(Shot) == ["frame_in", "status", "tags"]
        assert gf.relations(Shot)[1].owner is Tagged

    def test_shared_relation_refused(self) -> None:
        """One relation object bound to two classes is refused, naming both."""

        class A(gf.Object):
            x = gf.Param()

        with pytest.raises(
            gf.RelationDefinitionError, match=re.escape("B.y: this Param already belongs to")
        ):

            class B(gf.Object):
                y = A.x

    @pytest.mark.parametrize("reserved", ["name", "oid", "root", "touch", "child_value_changed"])
    def test_reserved_object_names(self, reserved: str) -> None:
        """Names of the Object namespace cannot name relations."""
        with pytest.raises(gf.RelationDefinitionError, match=f"collides with Object.{reserved}"):
            type("Shot", (gf.Object,), {reserved: gf.Param()})

    def test_method_name_of_a_base_is_reserved(self) -> None:
        """A relation may not shadow a method of any base class (Map.add here)."""
        with pytest.raises(gf.RelationDefinitionError, match=r"collides with Map\.add"):

            class Shots(gf.Map[gf.Object]):
                add = gf.Param()

    def test_method_shadowing_a_base_relation(self) -> None:
        """A subclass method may not hide a base relation."""

        class Base(gf.Object):
            status = gf.Param()

        with pytest.raises(
            gf.RelationDefinitionError,
            match=r"collides with \S*Sub\.status, which is not a relation",
        ):

            class Sub(Base):
                def status(self) -> str:
                    return "x"

    @pytest.mark.parametrize("name", ["__status", "_mng", "_gf_status"])
    def test_internal_names_refused(self, name: str) -> None:
        """Dunder names, _mng and the _gf prefix are graftflow's, even on a class."""
        with pytest.raises(gf.RelationDefinitionError, match="reserved for graftflow internals"):
            type("Shot", (gf.Object,), {name: gf.Param()})

    def test_preset_name_must_match(self) -> None:
        """A declared relation takes its attribute's name; a different preset name is refused."""
        rel = gf.Param()
        rel.name = "other"
        with pytest.raises(gf.RelationDefinitionError, match="already named 'other'"):
            type("Shot", (gf.Object,), {"status": rel})

    def test_bad_manager_type(self) -> None:
        """_MANAGER_TYPE must be a TreeManager subclass."""
        with pytest.raises(gf.RelationDefinitionError, match="_MANAGER_TYPE must be TreeManager"):
            type("Shot", (gf.Object,), {"_MANAGER_TYPE": dict})

    def test_relations_reader_rejects_other_things(self) -> None:
        """relations() says what it takes."""
        with pytest.raises(TypeError, match="relations\\(\\) takes a flow Object"):
            gf.relations(42)  # type: ignore[arg-type]

    def test_ui_hints_chain(self) -> None:
        """ui() stores hints and returns the relation; the hints are read-only."""
        rel = gf.IntParam(3).ui(label="Frames", editor="int")
        assert isinstance(rel, gf.IntParam)
        assert dict(rel.ui_hints) == {"label": "Frames", "editor": "int"}
        with pytest.raises(TypeError):
            rel.ui_hints["label"] = "x"  # type: ignore[index]

    @pytest.mark.parametrize("index", [-1, 1.5, "0", True])
    def test_bad_index(self, index: Any) -> None:
        """An index is an int >= 0 or None."""
        with pytest.raises(TypeError, match="a relation index is an int >= 0 or None"):
            gf.Param(index=index)


class Counting(gf.Object):
    built = 0

    def __init__(self, parent: Any, name: str) -> None:
        super().__init__(parent, name)
        type(self).built += 1


class Holder(gf.Object):
    child = gf.Child(Counting)
    value = gf.Param(7)
    other = gf.Child(Counting)


class TestNamespaceAndLaziness:
    def test_children_built_on_first_access_and_cached(self) -> None:
        """Nothing is built until read; a related object is built once."""
        Counting.built = 0
        holder = gf.Flow().create_project("p", Holder)
        assert Counting.built == 0
        assert holder._mng.children() == []
        first = holder.child
        assert holder.child is first
        assert Counting.built == 1
        assert holder._mng.children() == ["child"]
        assert holder.value.get() == 7
        assert holder._mng.children() == ["child", "value"]

    def test_assigning_over_a_relation_raises(self) -> None:
        """A relation is not a plain attribute: assigning or deleting it raises."""
        holder = gf.Flow().create_project("p", Holder)
        with pytest.raises(gf.RelationAssignmentError, match=re.escape("use value.set(value)")):
            holder.value = 3  # type: ignore[assignment]
        with pytest.raises(gf.RelationAssignmentError, match="cannot delete the relation 'child'"):
            del holder.child
        assert holder.value.get() == 7

    def test_plain_attributes_still_work(self) -> None:
        """Attributes that are not relations can be set, as on any object."""
        holder = gf.Flow().create_project("p", Holder)
        holder.note = "hello"
        assert holder.note == "hello"

    def test_missing_attribute_is_attribute_error(self) -> None:
        """A typo raises MissingRelationError, which is an AttributeError with a suggestion."""
        holder = gf.Flow().create_project("p", Holder)
        assert not hasattr(holder, "valeu")
        assert getattr(holder, "valeu", None) is None
        with pytest.raises(AttributeError, match="did you mean 'value'"):
            holder.valeu
        with pytest.raises(AttributeError, match="has no attribute '_nope'"):
            holder._nope

    def test_identity(self) -> None:
        """name(), oid(), root() and repr() say where an object is."""
        flow = gf.Flow()
        holder = flow.create_project("p", Holder)
        assert (holder.name(), holder.oid(), holder.root()) == ("p", "/p", flow)
        assert (holder.child.name(), holder.child.oid()) == ("child", "/p/child")
        assert repr(holder.child) == "<Counting /p/child>"
        assert repr(holder.value) == "<Param value /p/value>"
        assert holder.value.parent() is holder

    def test_parent_must_be_a_node(self) -> None:
        """Building an object on something that is not a flow node says so."""
        with pytest.raises(TypeError, match="parent must be a flow Object or a Flow"):
            Holder(None, "x")  # type: ignore[arg-type]


class Probe(gf.TreeManager):
    """A manager subclass standing in for the extensions layer's DynamicTreeManager."""

    __slots__ = ()


class Leaf(gf.Object):
    pass


class Plain(gf.Object):
    _MANAGER_TYPE = gf.TreeManager
    leaf = gf.Child(Leaf)


class Mid(gf.Object):
    leaf = gf.Child(Leaf)
    plain = gf.Child(Plain)


class Propagating(gf.Object):
    _MANAGER_TYPE = Probe
    _PROPAGATE_MANAGER_TYPE = True
    mid = gf.Child(Mid)


class Local(gf.Object):
    _MANAGER_TYPE = Probe
    mid = gf.Child(Mid)


class Top(gf.Object):
    propagating = gf.Child(Propagating)
    local = gf.Child(Local)
    mid = gf.Child(Mid)


class TestManagerType:
    def test_default_is_tree_manager(self) -> None:
        """Objects without a manager type get the core TreeManager."""
        top = gf.Flow().create_project("p", Top)
        assert type(top._mng) is gf.TreeManager
        assert type(top.mid.leaf._mng) is gf.TreeManager

    def test_explicit_type_without_propagation(self) -> None:
        """_MANAGER_TYPE applies to that class only unless it propagates."""
        top = gf.Flow().create_project("p", Top)
        assert type(top.local._mng) is Probe
        assert type(top.local.mid._mng) is gf.TreeManager

    def test_propagation_reaches_the_subtree(self) -> None:
        """_PROPAGATE_MANAGER_TYPE hands the type down to classes that set none."""
        top = gf.Flow().create_project("p", Top)
        assert type(top.propagating._mng) is Probe
        assert type(top.propagating.mid._mng) is Probe
        assert type(top.propagating.mid.leaf._mng) is Probe

    def test_opt_out_cuts_its_subtree(self) -> None:
        """A class setting TreeManager back opts out, and so does everything below it."""
        top = gf.Flow().create_project("p", Top)
        plain = top.propagating.mid.plain
        assert type(plain._mng) is gf.TreeManager
        assert type(plain.leaf._mng) is gf.TreeManager

    def test_manager_hooks_serve_relations(self) -> None:
        """A manager subclass can serve undeclared names and override declared ones."""

        override = gf.Param("overridden")
        override.name = "status"
        extra = gf.Param(42)
        extra.name = "extra"

        class Extra(gf.TreeManager):
            __slots__ = ()

            def resolve(self, relation: gf.Relation[Any]) -> gf.Relation[Any]:
                return override if relation.name == "status" else relation

            def relation(self, name: str) -> gf.Relation[Any] | None:
                return extra if name == "extra" else super().relation(name)

            def undeclared(self, name: str) -> Any:
                if name == "extra":
                    value = extra.create(self.object)
                    self.object.__dict__[name] = value
                    return value
                return super().undeclared(name)

        class Shot(gf.Object):
            _MANAGER_TYPE = Extra
            status = gf.Param("base")

        shot = gf.Flow().create_project("p", Shot)
        assert shot.status.get() == "overridden"
        assert shot.extra.get() == 42
        assert shot.root().get_object("/p/extra").get() == 42
        with pytest.raises(gf.RelationAssignmentError):
            shot.extra = 1


class TestSubtreeStore:
    def test_values_land_in_the_subtree_store(self) -> None:
        """_create_value_store gives a subtree its own store, closed with the flow."""
        side = gf.MemoryStore()

        class Scratch(gf.Object):
            value = gf.Param(0)

            @classmethod
            def _create_value_store(cls, parent: Any, name: str) -> gf.Store:
                return side

        class Project(gf.Object):
            scratch = gf.Child(Scratch)
            value = gf.Param(0)

        flow = gf.Flow()
        project = flow.create_project("p", Project)
        project.scratch.value.set(5)
        project.value.set(6)
        assert side.get("/p/scratch/value") == 5
        assert flow.store().get("/p/scratch/value") is None
        assert flow.store().get("/p/value") == 6
        flow.close()
        with pytest.raises(gf.StoreError, match="closed"):
            side.get("/p/scratch/value")


class Publish(gf.Action):
    comment = gf.StringParam()

    def run(self, button: str) -> str:
        return f"{button}: {self.comment.get()}"


class Unfinished(gf.Action):
    pass


class WithActions(gf.Object):
    publish = gf.Child(Publish)
    unfinished = gf.Child(Unfinished)


class TestAction:
    def test_defaults_and_run(self) -> None:
        """An action offers one Run button, a dialog since it has a param to fill, and
        runs with its own params; one with nothing to fill needs no dialog."""
        obj = gf.Flow().create_project("p", WithActions)
        assert obj.publish.get_buttons() == ["Run"]
        assert obj.publish.needs_dialog() is True
        assert obj.unfinished.needs_dialog() is False
        obj.publish.comment.set("final")
        assert obj.publish.run("Run") == "Run: final"
        assert gf.relations(WithActions)[0].kind == "action"

    def test_run_must_be_implemented(self) -> None:
        """An action without run() says which class and oid."""
        obj = gf.Flow().create_project("p", WithActions)
        with pytest.raises(
            NotImplementedError, match=re.escape("Unfinished (/p/unfinished) must implement run")
        ):
            obj.unfinished.run("Run")
