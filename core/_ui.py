"""The UI protocol: what any front end needs to show an object, normalised once.

kabaret's GUI read display hints from relations (``relation.ui(label=..., editor=...,
group=...)``), class attributes (``ICON``) and optional methods (``summary()``,
``columns()``, ``_fill_row_cells()``...). graftflow keeps those names, and this module
turns them into plain records with every default filled in, so the flow browser, the
command line and a studio's own tool show an object the same way without each
re-deriving "which editor does an ``IntParam`` get" or "is this relation hidden".

Nothing here imports a GUI or web library: the records are data. Reading them builds the
related objects a front end will show anyway (a value handle, an action), never a map's
items beyond the page asked for.
"""

import inspect
import pathlib
import types
import typing
from collections.abc import Mapping, Sequence
from typing import Any, Final, Literal, NamedTuple, Union, final, get_args, get_origin

from ._action import Action
from ._links import Child, Connection
from ._map import DynamicMap
from ._object import Object
from ._params import Param
from ._relation import Relation
from ._values import Value

__all__ = [
    "EDITORS",
    "ActionResult",
    "DialogUI",
    "ObjectUI",
    "RelationUI",
    "Row",
    "columns",
    "dialog",
    "info",
    "relation",
    "relations",
    "result",
    "rows",
]

#: Every editor a front end is asked for; a front end that lacks one shows the value as
#: text. ``label`` and ``separator`` are not values at all but text between relations.
EDITORS: Final = (
    "bool",
    "int",
    "float",
    "text",
    "multiline",
    "choice",
    "multichoice",
    "json",
    "path",
    "mapping",
    "set",
    "connection",
    "label",
    "separator",
)

#: kabaret's editor names, read as graftflow's so ported ``ui(editor=...)`` hints work.
_EDITOR_ALIASES: Final = {"string": "text", "textarea": "multiline", "ref": "connection"}

#: The hints the protocol interprets; any other hint is passed on in ``options``.
_KNOWN_HINTS: Final = frozenset(
    {"label", "editor", "editable", "hidden", "icon", "tooltip", "group"}
)

#: The icon of a relation that names none, by kind.
_KIND_ICONS: Final = {
    "param": "param",
    "session_param": "session",
    "computed": "computed",
    "connection": "connection",
    "parent": "parent",
    "relative": "relative",
    "child": "object",
    "map": "map",
    "action": "action",
    "label": "label",
    "separator": "label",
}

#: The result keys of kabaret's ``Action.get_result()``: a ``run()`` returning a dict of
#: these (and nothing else) asks the tool to act on them.
_RESULT_KEYS: Final = frozenset(
    {"close", "refresh", "goto", "goto_target", "goto_target_type", "next_action"}
)


# -- records ---------------------------------------------------------------------------------
# Named tuples: immutable records that cost little to define, where five frozen
# dataclasses would add about 3 ms to every `graftflow ls` (issue 15's latency). This
# module does without `from __future__ import annotations` for them: a named tuple
# compiles each field's annotation given as a string, about 20 µs a field.


@final
class RelationUI(NamedTuple):
    """How to show one relation of one object.

    :ivar name: the relation's name (the last step of the related thing's oid).
    :ivar oid: the related thing's oid.
    :ivar kind: ``param``, ``session_param``, ``computed``, ``connection``, ``child``,
        ``map``, ``action``, ``parent``, ``relative``, ``label`` or ``separator``.
    :ivar label: what to call it (``""``: show no label).
    :ivar editor: for a value, one of :data:`EDITORS`; ``None`` for an object.
    :ivar editable: whether a user may change it from the front end.
    :ivar hidden: whether listings leave it out (protected ``_name`` relations, a
        ``hidden`` hint, an action not shown in its parent).
    :ivar icon: an icon name (the class's ``ICON``, a hint, or one per kind).
    :ivar tooltip: a longer explanation (a hint, or the related class's docstring).
    :ivar group: the group it shows in, ``None`` for none.
    :ivar choices: what a ``choice``/``multichoice`` editor offers, else ``None``.
    :ivar options: every other hint, as given (a label's ``text``, ``wrap``...).
    """

    name: str
    oid: str
    kind: str
    label: str
    editor: str | None
    editable: bool
    hidden: bool
    icon: str
    tooltip: str
    group: str | None
    choices: tuple[Any, ...] | None = None
    options: Mapping[str, Any] = types.MappingProxyType({})


@final
class ObjectUI(NamedTuple):
    """How to title an object's page.

    :ivar oid: its oid.
    :ivar name: its name.
    :ivar label: its name made readable.
    :ivar type: its class's name.
    :ivar icon: the class's ``ICON`` (or one for its kind).
    :ivar summary: what its ``summary()`` returned, if the class has one (``None``
        otherwise, and when it returned nothing).
    """

    oid: str
    name: str
    label: str
    type: str
    icon: str
    summary: str | None


@final
class DialogUI(NamedTuple):
    """What an action's dialog shows.

    :ivar oid: the action's oid.
    :ivar label: its title.
    :ivar needs_dialog: ``False``: pressing a button runs it at once (kabaret's rule).
    :ivar buttons: its buttons, the default first.
    :ivar message: its ``message`` value, if it declares one (read for each dialog).
    :ivar params: its other visible relations: what the user fills in.
    """

    oid: str
    label: str
    needs_dialog: bool
    buttons: tuple[str, ...]
    message: str | None
    params: tuple[RelationUI, ...]


@final
class ActionResult(NamedTuple):
    """What a tool does after ``run(button)``, from what it returned.

    :ivar close: close the dialog (default ``True``).
    :ivar refresh: reload the page the action came from.
    :ivar goto: an oid to show next.
    :ivar next_action: an action oid whose dialog replaces this one (a wizard).
    :ivar value: what ``run()`` returned when it was not a result dict: show it.
    """

    close: bool = True
    refresh: bool = False
    goto: str | None = None
    next_action: str | None = None
    value: Any = None


@final
class Row(NamedTuple):
    """One item of a map as a table row.

    :ivar oid: the item's oid.
    :ivar name: the item's name.
    :ivar cells: a value per column of :func:`columns`.
    :ivar style: kabaret's row style (``icon``, ``background-color``,
        ``foreground-color``, ``<column>_<property>``).
    """

    oid: str
    name: str
    cells: Mapping[str, Any]
    style: Mapping[str, Any]


# -- reading ---------------------------------------------------------------------------------


def info(obj: Object) -> ObjectUI:
    """How to title ``obj``'s page (its ``summary()`` is called if its class has one)."""
    if not isinstance(obj, Object):
        raise TypeError(f"ui.info() takes a flow Object, not {obj!r}")
    cls = type(obj)
    summary = None
    method = _own_method(cls, "summary")
    if method is not None:
        found = method(obj)
        summary = None if found is None else str(found)
    return ObjectUI(
        oid=obj.oid(),
        name=obj.name(),
        label=_readable(obj.name()),
        type=cls.__name__,
        icon=_icon_of(cls, _object_kind(cls)),
        summary=summary,
    )


def relations(obj: Object | Value[Any], *, hidden: bool = False) -> list[RelationUI]:
    """The relations of ``obj`` (dynamic ones included) in display order.

    :param hidden: include the hidden ones too (their ``hidden`` is ``True``).
    """
    found = [_relation_ui(obj, r) for r in _relations_of(obj)]
    return found if hidden else [r for r in found if not r.hidden]


def relation(obj: Object | Value[Any], name: str) -> RelationUI:
    """How to show the relation ``name`` of ``obj``.

    :raises MissingRelationError: ``obj`` has no such relation.
    """
    found = obj._mng.relation(name)
    if found is None:
        raise obj._mng.missing(name)
    return _relation_ui(obj, found)


def dialog(action: Action) -> DialogUI:
    """What ``action``'s dialog shows: buttons, message and the params to fill."""
    if not isinstance(action, Action):
        raise TypeError(f"ui.dialog() takes an Action, not {action!r}")
    # Buttons first: kabaret's actions set their message in get_buttons() (why they
    # cannot run, what a button will do), so it is read after.
    buttons = tuple(str(button) for button in action.get_buttons())
    message = None
    params = []
    for shown in relations(action):
        if shown.name == "message" and shown.kind in ("param", "session_param", "computed"):
            value = getattr(action, "message").get()  # noqa: B009 - a relation named message
            message = None if value in (None, "") else str(value)
        else:
            params.append(shown)
    return DialogUI(
        oid=action.oid(),
        label=_readable(action.name()),
        needs_dialog=bool(action.needs_dialog()),
        buttons=buttons,
        message=message,
        params=tuple(params),
    )


def result(returned: Any) -> ActionResult:
    """Read what ``run(button)`` returned: a kabaret result dict
    (:meth:`Action.get_result`) says what to do next; anything else is a value to show."""
    if isinstance(returned, dict) and returned and set(returned) <= _RESULT_KEYS:
        goto = returned.get("goto")
        next_action = returned.get("next_action")
        return ActionResult(
            close=bool(returned.get("close", True)),
            refresh=bool(returned.get("refresh", False)),
            goto=None if goto is None else str(goto),
            next_action=None if next_action is None else str(next_action),
        )
    return ActionResult(value=returned)


def columns(items: DynamicMap[Any]) -> list[str]:
    """The columns of a map's table: its ``columns()`` if its class has one, else
    ``["Name"]`` (kabaret's default)."""
    method = _own_method(type(items), "columns")
    if method is None:
        return ["Name"]
    return [str(column) for column in method(items)]


def rows(
    items: DynamicMap[Any],
    page_num: int = 0,
    page_size: int | None = None,
    *,
    names: Sequence[str] | None = None,
) -> list[Row]:
    """One page of a map's table (only that page's items are built).

    ``names`` gives the rows of those items instead of a page (a filter's matches).

    Cells come from the map's ``_fill_row_cells(row, item)`` and the style from
    ``_fill_row_style(style, item, row)``, kabaret's override points; without them a
    row has the item's name. A map class that overrides kabaret's ``rows()`` instead
    (all items at once, no paging) is read through it, then cut to the page.
    """
    cls = type(items)
    fill_cells = _own_method(cls, "_fill_row_cells")
    fill_style = _own_method(cls, "_fill_row_style")
    legacy = _own_method(cls, "rows")
    if legacy is not None and fill_cells is None and names is None:
        table = list(legacy(items))
        start = page_num * page_size if page_size else 0
        stop = None if page_size is None else start + page_size
        return [
            Row(str(oid), str(oid).rpartition("/")[2], _cells(cells), _style(cells))
            for oid, cells in table[start:stop]
        ]
    found = []
    shown = (
        items.mapped_items(page_num, page_size)
        if names is None
        else [items[name] for name in names]
    )
    for item in shown:
        cells: dict[str, Any] = {}
        if fill_cells is None:
            cells["Name"] = item.name()
        else:
            fill_cells(items, cells, item)
        style: dict[str, Any] = {"icon": _icon_of(type(item), _object_kind(type(item)))}
        if fill_style is not None:
            fill_style(items, style, item, dict(cells))
        found.append(Row(item.oid(), item.name(), cells, style))
    return found


# -- normalising -----------------------------------------------------------------------------


def _relations_of(obj: Object | Value[Any]) -> tuple[Relation[Any], ...]:
    if isinstance(obj, Value):
        return type(obj)._gf_relations  # a value's relations are its class's
    return obj._mng.relations()


def _relation_ui(obj: Object | Value[Any], rel: Relation[Any]) -> RelationUI:
    hints = dict(rel.ui_hints)
    kind = rel.kind
    name = rel.name
    related_type = _related_type(rel)
    editor = _editor(rel, hints, kind)
    editable = hints.get("editable")
    if editable is None:
        # An ordered string set is changed member by member (add, remove), never set
        # as a whole; labels and separators are not values at all.
        editable = kind in ("param", "session_param", "connection") and editor not in (
            "label",
            "separator",
            "set",
        )
    hidden = bool(hints.get("hidden", name.startswith("_")))
    choices = None
    if editor in ("choice", "multichoice"):
        choices = _choices(obj, rel)
    if kind == "action" and not hidden:
        hidden = not _shown_in_parent(getattr(obj, name), "details")
    ui: dict[str, Any] = {
        "label": hints["label"] if "label" in hints else _readable(name),
        "editor": editor,
        "editable": bool(editable),
        "hidden": hidden,
        "icon": hints.get("icon") or _icon_of(related_type, kind),
        "tooltip": hints.get("tooltip") or _doc_line(related_type),
        "group": hints.get("group"),
    }
    fill = _own_method(related_type, "_fill_ui") if related_type is not None else None
    if fill is not None:  # kabaret's per-object hook, given the dict to change
        fill(getattr(obj, name), ui)
        if ui.get("editor") in _EDITOR_ALIASES:
            ui["editor"] = _EDITOR_ALIASES[ui["editor"]]
    return RelationUI(
        name=name,
        oid=_child_oid(obj, name),
        kind=kind,
        label=str(ui["label"]),
        editor=ui["editor"],
        editable=bool(ui["editable"]),
        hidden=bool(ui["hidden"]),
        icon=_icon_name(ui["icon"]),
        tooltip=str(ui["tooltip"] or ""),
        group=None if ui["group"] in (None, "") else str(ui["group"]),
        choices=choices,
        options={key: value for key, value in hints.items() if key not in _KNOWN_HINTS},
    )


def _child_oid(obj: Object | Value[Any], name: str) -> str:
    oid = obj.oid()
    return f"{oid}/{name}" if oid != "/" else f"/{name}"


def _related_type(rel: Relation[Any]) -> type[Any] | None:
    if isinstance(rel, Child | Connection):
        return rel.related_type
    if isinstance(rel, Param):
        return _value_class(rel)
    return None


def _value_class(rel: Param[Any]) -> type[Any]:
    value_class: type[Any] = rel._value_class
    return value_class


def _editor(rel: Relation[Any], hints: Mapping[str, Any], kind: str) -> str | None:
    hinted = hints.get("editor")
    if hinted is not None:
        return _EDITOR_ALIASES.get(hinted, str(hinted))
    if kind in ("label", "separator"):
        return kind
    if kind == "connection":
        return "connection"
    if isinstance(rel, Param):
        declared = getattr(_value_class(rel), "EDITOR", None)
        if declared:
            return _EDITOR_ALIASES.get(declared, str(declared))
        return _editor_of_type(rel.value_type)
    if kind == "computed":
        return "json"
    return None


def _editor_of_type(value_type: Any) -> str:
    """The editor of a pydantic-validated type: the one a user expects for it."""
    if value_type is bool:
        return "bool"
    if value_type is int:
        return "int"
    if value_type is float:
        return "float"
    if value_type is str:
        return "text"
    if isinstance(value_type, type) and issubclass(value_type, pathlib.PurePath):
        return "path"
    origin, args = get_origin(value_type), get_args(value_type)
    if origin is typing.Annotated:
        return _editor_of_type(args[0])
    if origin is Literal:
        return "choice"
    if origin in (list, set, frozenset, tuple) and args and get_origin(args[0]) is Literal:
        return "multichoice"
    if origin in (Union, types.UnionType):
        kept = [arg for arg in args if arg is not type(None)]
        if len(kept) == 1:
            return _editor_of_type(kept[0])
    return "json"


def _choices(obj: Object | Value[Any], rel: Relation[Any]) -> tuple[Any, ...] | None:
    if isinstance(rel, Param):
        value_class = _value_class(rel)
        if callable(getattr(value_class, "choices", None)):
            return tuple(getattr(obj, rel.name).choices())
        return _literal_choices(rel.value_type)
    return None


def _literal_choices(value_type: Any) -> tuple[Any, ...] | None:
    origin, args = get_origin(value_type), get_args(value_type)
    if origin is Literal:
        return tuple(args)
    if origin is typing.Annotated:
        return _literal_choices(args[0])
    if origin in (list, set, frozenset, tuple) and args:
        return _literal_choices(args[0])
    if origin in (Union, types.UnionType):
        kept = [arg for arg in args if arg is not type(None)]
        if len(kept) == 1:
            return _literal_choices(kept[0])
    return None


def _shown_in_parent(action: Any, context: str) -> bool:
    """kabaret's rule: ``allow_context(context)`` decides, else the class attribute."""
    if not isinstance(action, Action):
        return True
    allowed = action.allow_context(context)
    if allowed is not None:
        return bool(allowed)
    if context == "details":
        return bool(type(action).SHOW_IN_PARENT_DETAILS)
    return bool(type(action).SHOW_IN_PARENT_INLINE)


def _object_kind(cls: type[Any]) -> str:
    if issubclass(cls, Action):
        return "action"
    if issubclass(cls, DynamicMap):
        return "map"
    return "child"


def _icon_of(cls: type[Any] | None, kind: str) -> str:
    icon = getattr(cls, "ICON", None) if cls is not None else None
    return _icon_name(icon) if icon else _KIND_ICONS.get(kind, "object")


def _icon_name(icon: Any) -> str:
    """An icon name as text: kabaret's ``("icons.status", "WIP")`` pairs keep the name."""
    if isinstance(icon, tuple | list) and icon:
        icon = icon[-1]
    return str(icon)


def _doc_line(cls: type[Any] | None) -> str:
    """The first paragraph of a class's own docstring (not one it inherits)."""
    module = getattr(cls, "__module__", "") if cls is not None else ""
    if cls is None or module == "graftflow" or module.startswith("graftflow._"):
        return ""  # graftflow's own classes: their docstrings are for developers
    if "__doc__" not in vars(cls):
        return ""
    doc = inspect.cleandoc(cls.__doc__ or "")
    return " ".join(doc.split("\n\n", 1)[0].split())


def _readable(name: str) -> str:
    """``frame_in`` -> ``Frame In``: kabaret's labels, from the relation's name."""
    words = name.strip("_").replace("_", " ").split()
    return " ".join(word[:1].upper() + word[1:] for word in words) or name


def _own_method(cls: type[Any] | None, name: str) -> Any:
    """A method a class defines for the protocol (not a relation of that name)."""
    if cls is None:
        return None
    found = getattr(cls, name, None)
    if found is None or isinstance(found, Relation) or not callable(found):
        return None
    return found


def _cells(row: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in row.items() if key != "_style"}


def _style(row: Mapping[str, Any]) -> dict[str, Any]:
    style = row.get("_style")
    return dict(style) if isinstance(style, Mapping) else {}
