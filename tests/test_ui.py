"""The UI protocol (graftflow.ui): kabaret's display hints, normalised for any front end."""

from __future__ import annotations

import pathlib
from typing import Any, ClassVar, Literal

import pytest

import graftflow as gf
from graftflow import ui


class Status(gf.ChoiceValue):
    CHOICES: ClassVar[list[str]] = ["todo", "wip", "done"]


class Reset(gf.Action):
    _value = gf.Parent()

    def run(self, button: str) -> None:
        self._value.revert_to_default()  # type: ignore[union-attr]


class Colour(gf.ParamValue[Any]):
    """A value class of a studio: its own editor and choices, and an action."""

    EDITOR = "choice"

    reset = gf.Child(Reset)

    def choices(self) -> list[str]:
        return ["red", "green"]


class Publish(gf.Action):
    """Send the work to review."""

    comment = gf.StringParam("")

    def run(self, button: str) -> Any:
        return {"close": False}


class Refresh(gf.Action):
    def run(self, button: str) -> None:
        return None


class Hidden(gf.Action):
    SHOW_IN_PARENT_DETAILS = False

    def run(self, button: str) -> None:
        return None


class Contextual(gf.Action):
    SHOW_IN_PARENT_DETAILS = False

    def allow_context(self, context: str) -> bool | None:
        return context == "details"

    def run(self, button: str) -> None:
        return None


class Asset(gf.Object):
    ICON = ("icons.flow", "asset")


class Shot(gf.Object):
    """A shot of the film."""

    ICON = "shot"

    with gf.group("Frames"):
        frame_in = gf.IntParam(1001)
        with gf.group("Handles"):
            handles = gf.IntParam(8)
    ratio = gf.FloatParam(1.0)
    ready = gf.BoolParam()
    title = gf.StringParam("").ui(editor="textarea", tooltip="what it shows")
    stage = gf.Param("layout", Literal["layout", "anim"])
    tags = gf.Param(list, list[Literal["hero", "crowd"]])
    settings = gf.DictParam()
    path = gf.Param(None, pathlib.Path)
    anything = gf.Param(None)
    status = gf.Param("todo", Status)
    colour = gf.Param("red", Colour)
    frames: gf.Computed[int] = gf.Computed()
    hero = gf.Connection(Asset)
    note = gf.Label("<h3>Notes</h3>")
    line = gf.Separator()
    locked = gf.IntParam().ui(editable=False, label="Locked by")
    _cache = gf.DictParam()
    secret = gf.StringParam("").ui(hidden=True)
    publish = gf.Child(Publish)
    refresh = gf.Child(Refresh)
    hidden_action = gf.Child(Hidden)
    contextual = gf.Child(Contextual)

    def compute_child_value(self, value: gf.Value[Any]) -> None:
        value.set(24)

    def summary(self) -> str:
        return f"{self.frames.get()} frames"


@pytest.fixture
def shot(memflow: gf.Flow) -> Shot:
    return memflow.create_project("p", Shot)


def by_name(obj: Any, *, hidden: bool = False) -> dict[str, ui.RelationUI]:
    return {shown.name: shown for shown in ui.relations(obj, hidden=hidden)}


class TestRelations:
    def test_editors_from_types(self, shot: Shot) -> None:
        """Each value type gets the editor a user expects, without any hint."""
        editors = {name: shown.editor for name, shown in by_name(shot).items()}
        assert editors == {
            "frame_in": "int",
            "handles": "int",
            "ratio": "float",
            "ready": "bool",
            "title": "multiline",  # kabaret's alias, from the hint
            "stage": "choice",
            "tags": "multichoice",
            "settings": "json",
            "path": "path",
            "anything": "json",
            "status": "choice",
            "colour": "choice",
            "frames": "json",
            "hero": "connection",
            "note": "label",
            "line": "separator",
            "locked": "int",
            "publish": None,
            "refresh": None,
            "contextual": None,
        }

    def test_choices(self, shot: Shot) -> None:
        """Choices come from a Literal, a ChoiceValue's CHOICES, or a value class's
        choices() (called on the value, so they may depend on the object)."""
        shown = by_name(shot)
        assert shown["stage"].choices == ("layout", "anim")
        assert shown["tags"].choices == ("hero", "crowd")
        assert shown["status"].choices == ("todo", "wip", "done")
        assert shown["colour"].choices == ("red", "green")
        assert shown["frame_in"].choices is None

    def test_labels_groups_and_order(self, shot: Shot) -> None:
        """Labels are readable names unless hinted; groups nest with a dot; the order
        is the relations' order."""
        shown = ui.relations(shot)
        assert [s.name for s in shown][:3] == ["frame_in", "handles", "ratio"]
        first = shown[0]
        assert (first.label, first.group, first.kind) == ("Frame In", "Frames", "param")
        assert shown[1].group == "Frames.Handles"
        assert shown[2].group is None
        assert by_name(shot)["locked"].label == "Locked by"
        assert by_name(shot)["note"].label == ""

    def test_editable_and_hidden(self, shot: Shot) -> None:
        """Params and connections are editable, computed values are not, a hint
        decides; protected and hinted relations, and actions not shown in their
        parent, are hidden."""
        shown = by_name(shot, hidden=True)
        assert shown["frame_in"].editable
        assert shown["hero"].editable
        assert not shown["frames"].editable
        assert not shown["locked"].editable
        assert not shown["note"].editable
        hidden = {name for name, s in shown.items() if s.hidden}
        assert hidden == {"_cache", "secret", "hidden_action"}
        assert "contextual" in by_name(shot)  # allow_context() said yes
        assert "_cache" not in by_name(shot)

    def test_icons_tooltips_options(self, shot: Shot) -> None:
        """Icons come from hints, the related class's ICON (kabaret's pairs keep the
        name) or the kind; tooltips from hints or the related class's docstring."""
        shown = by_name(shot)
        assert shown["hero"].icon == "asset"
        assert shown["frame_in"].icon == "param"
        assert shown["publish"].icon == "action"
        assert shown["publish"].tooltip == "Send the work to review."
        assert shown["title"].tooltip == "what it shows"
        assert shown["frame_in"].tooltip == ""  # core classes' docstrings are not for artists
        assert shown["note"].options == {"text": "<h3>Notes</h3>"}
        assert shown["frame_in"].oid == "/p/frame_in"

    def test_relation_by_name(self, shot: Shot) -> None:
        """ui.relation() reads one; an unknown name is the usual lookup error."""
        assert ui.relation(shot, "ratio").editor == "float"
        with pytest.raises(gf.MissingRelationError, match="no relation 'ratoi'"):
            ui.relation(shot, "ratoi")

    def test_fill_ui(self, memflow: gf.Flow) -> None:
        """kabaret's _fill_ui(ui) on the related class may change what is shown."""

        class Loud(gf.Object):
            def _fill_ui(self, shown: dict[str, Any]) -> None:
                shown["label"] = f"{self.name()}!"
                shown["icon"] = "warning"

        class Holder(gf.Object):
            child = gf.Child(Loud)

        shown = ui.relation(memflow.create_project("h", Holder), "child")
        assert (shown.label, shown.icon) == ("child!", "warning")

    def test_value_relations(self, shot: Shot) -> None:
        """A value class with relations is navigable: its actions are listed."""
        assert [s.name for s in ui.relations(shot.colour)] == ["reset"]
        shot.colour.set("green")
        shot.colour.reset.run("Run")
        assert shot.colour.get() == "red"


class TestLabels:
    def test_label_and_separator(self, shot: Shot) -> None:
        """A Label reads as its text; both are relations of their own kinds."""
        assert shot.note == "<h3>Notes</h3>"
        assert (Shot.note.kind, Shot.line.kind) == ("label", "separator")

    def test_label_text_must_be_str(self) -> None:
        """A Label takes text."""
        with pytest.raises(TypeError, match=r"Label\(text\) takes a str"):
            gf.Label(3)  # type: ignore[arg-type]

    def test_group_outside_a_class_body(self) -> None:
        """group() works in class bodies only, and says so."""
        with pytest.raises(TypeError, match="class body"), gf.group("x"):
            pass

    def test_group_keeps_an_explicit_group(self) -> None:
        """A relation with its own group hint keeps it inside a group() block."""

        class Obj(gf.Object):
            with gf.group("A"):
                one = gf.IntParam()
                two = gf.IntParam().ui(group="B")

        assert Obj.one.ui_hints["group"] == "A"
        assert Obj.two.ui_hints["group"] == "B"
        assert "__graftflow_group__" not in vars(Obj)


class TestObjects:
    def test_info(self, shot: Shot) -> None:
        """A page's title: name, type, the class's ICON, its summary()."""
        info = ui.info(shot)
        assert (info.oid, info.type, info.icon, info.summary) == ("/p", "Shot", "shot", "24 frames")

    def test_info_without_summary(self, memflow: gf.Flow) -> None:
        """No summary() method: no summary; a map's default icon is the map's."""

        class Things(gf.Map[gf.Object]):
            pass

        class Holder(gf.Object):
            things = gf.Child(Things)

        info = ui.info(memflow.create_project("h", Holder).things)
        assert (info.summary, info.icon) == (None, "map")


class TestActions:
    def test_needs_dialog_default(self, shot: Shot) -> None:
        """An action with a param to fill needs a dialog; one with nothing does not."""
        assert shot.publish.needs_dialog() is True
        assert shot.refresh.needs_dialog() is False

    def test_dialog(self, shot: Shot) -> None:
        """The dialog lists buttons, the message and the params, message apart."""

        class Confirm(gf.Action):
            message = gf.SessionParam("").ui(editor="label")
            reason = gf.StringParam("")

            def get_buttons(self) -> list[str]:
                return ["Delete", "Cancel"]

            def run(self, button: str) -> None:
                return None

        class Holder(gf.Object):
            confirm = gf.Child(Confirm)

        action = shot.root().create_project("h", Holder).confirm
        action.message.set("This cannot be undone")
        dialog = ui.dialog(action)
        assert dialog.buttons == ("Delete", "Cancel")
        assert dialog.message == "This cannot be undone"
        assert [p.name for p in dialog.params] == ["reason"]
        assert dialog.needs_dialog is True

    def test_get_result(self) -> None:
        """get_result() builds kabaret's dict; ui.result() reads it, or a plain value."""
        returned = gf.Action.get_result(close=0, goto="/p/x")  # type: ignore[arg-type]
        assert returned == {"close": False, "goto": "/p/x"}
        read = ui.result(returned)
        assert (read.close, read.goto, read.refresh, read.value) == (False, "/p/x", False, None)
        assert ui.result(3) == ui.ActionResult(value=3)
        assert ui.result({"other": 1}).value == {"other": 1}  # not a result dict
        assert ui.result(gf.Action.get_result(next_action="/p/y")).next_action == "/p/y"


class TestTables:
    @pytest.fixture
    def project(self, memflow: gf.Flow) -> Any:
        class Item(gf.Object):
            ICON = "file"
            size = gf.IntParam(1)

        class Plain(gf.Map[Item]):
            pass

        class Sized(gf.Map[Item]):
            def columns(self) -> list[str]:
                return ["Name", "Size"]

            def _fill_row_cells(self, row: dict[str, Any], item: Item) -> None:
                row["Name"] = item.name()
                row["Size"] = item.size.get()

            def _fill_row_style(self, style: dict[str, Any], item: Item, row: Any) -> None:
                style["background-color"] = "#eee" if row["Size"] > 1 else None

        class Legacy(gf.DynamicMap[Item]):
            def mapped_names(self, page_num: int = 0, page_size: int | None = None) -> list[str]:
                return ["a", "b", "c"]

            def columns(self) -> list[str]:
                return ["Name", "Letter"]

            def rows(self) -> list[tuple[str, dict[str, Any]]]:
                return [(f"{self.oid()}/{n}", {"Name": n, "Letter": n.upper()}) for n in self]

        class Holder(gf.Object):
            plain = gf.Child(Plain)
            sized = gf.Child(Sized)
            legacy = gf.Child(Legacy)

        project = memflow.create_project("t", Holder)
        for one in (project.plain, project.sized):
            one.add_many([f"i{n:02d}" for n in range(30)])
        project.sized["i01"].size.set(5)
        return project

    def test_default_table(self, project: Any) -> None:
        """Without columns(), a table has the names; rows carry the item's icon."""
        assert ui.columns(project.plain) == ["Name"]
        page = ui.rows(project.plain, 1, 10)
        assert [row.name for row in page] == [f"i{n:02d}" for n in range(10, 20)]
        assert page[0].cells == {"Name": "i10"}
        assert page[0].style == {"icon": "file"}
        assert page[0].oid == "/t/plain/i10"

    def test_own_columns(self, project: Any) -> None:
        """columns() and the row hooks fill the table."""
        assert ui.columns(project.sized) == ["Name", "Size"]
        rows = ui.rows(project.sized, 0, 2)
        assert [row.cells for row in rows] == [
            {"Name": "i00", "Size": 1},
            {"Name": "i01", "Size": 5},
        ]
        assert rows[1].style["background-color"] == "#eee"

    def test_only_the_page_is_built(self, project: Any) -> None:
        """A page of rows builds that page's items only."""
        ui.rows(project.plain, 2, 5)
        assert sorted(project.plain._items) == [f"i{n:02d}" for n in range(10, 15)]

    def test_legacy_rows(self, project: Any) -> None:
        """A map overriding kabaret's rows() is read through it, then paged."""
        rows = ui.rows(project.legacy, 1, 2)
        assert [(row.name, row.cells) for row in rows] == [("c", {"Name": "c", "Letter": "C"})]

    def test_rows_of_names(self, project: Any) -> None:
        """names= gives the rows of those items (a filter's matches), cells filled."""
        rows = ui.rows(project.sized, names=["i01", "i20"])
        assert [row.cells for row in rows] == [
            {"Name": "i01", "Size": 5},
            {"Name": "i20", "Size": 1},
        ]
