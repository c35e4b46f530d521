"""From flow objects to what the templates show: one view per relation, table, panel.

Each page is made of *parts* (the title, one per relation, the map's table, each panel,
the diagnostics), each an HTML element with a stable id. The full page and its live
updates render the same parts with the same code, so an update can never disagree with
a reload: a live stream re-renders them and sends those whose HTML changed.

Studio code runs here (computed values, ``summary()``, ``columns()``, plugins' panels);
a failure is shown where it happened, in one line, and never takes the page down.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any, Final

from markupsafe import Markup

from graftflow import Action, DynamicMap, Flow, Object, Value, ui
from graftflow.extensions import RelationRecord, call_hook, describe

from ._page import PageTools, Panel, flow_url, label_html

__all__ = ["PAGE_SIZE", "PageView", "Renderer", "RowView", "TableView", "value_text"]

#: Items per page of a map's table.
PAGE_SIZE: Final = 50
#: Seconds a name filter may scan a map before it shows what it found so far.
FILTER_BUDGET: Final = 0.25
#: Names read per store call while filtering.
FILTER_CHUNK: Final = 2000


@dataclass
class RowView:
    """One relation of the page's object, ready for the ``row`` macro."""

    id: str
    ui: ui.RelationUI
    url: str
    value: Any = None
    text: str = ""
    error: str = ""
    field_error: str = ""
    field_text: str | None = None
    count: int | None = None
    target: str | None = None
    target_url: str | None = None
    buttons: list[str] = field(default_factory=list)
    needs_dialog: bool = False
    origin: RelationRecord | None = None
    value_actions: list[RowView] = field(default_factory=list)
    has_page: bool = False
    html: Markup | None = None


@dataclass
class TableView:
    """One page of a map's table."""

    oid: str
    columns: list[str]
    rows: list[ui.Row]
    total: int
    page: int
    pages: int
    query: str = ""
    scanned: int = 0
    next_from: int | None = None
    start: int = 0
    error: str = ""

    def cell(self, row: ui.Row, column: str) -> str:
        value = row.cells.get(column, "")
        return value if isinstance(value, str) else value_text(value)


@dataclass
class PageView:
    """Everything an object's page shows."""

    oid: str
    info: ui.ObjectUI | None
    crumbs: list[tuple[str, str]]
    groups: list[tuple[str | None, list[RowView]]]
    table: TableView | None
    panels: list[Panel]
    diagnostics: list[str]
    kind: str
    error: str = ""
    is_value: bool = False
    projects: list[str] = field(default_factory=list)

    @property
    def needs_mermaid(self) -> bool:
        return any(panel.needs_mermaid for panel in self.panels)


def crumbs(oid: str) -> list[tuple[str, str]]:
    """``[(name, url), ...]`` from the root to ``oid``."""
    found = [("flow", flow_url("/"))]
    path = ""
    for step in [s for s in oid.split("/") if s]:
        path += "/" + step
        found.append((step, flow_url(path)))
    return found


def value_text(value: Any) -> str:
    """A value as one line of text: strings as they are, an object as its oid, the rest
    as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, Object):
        return value.oid()
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)


def _failure(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


class Renderer:
    """Builds the views of one flow's pages (one per server)."""

    def __init__(self, flow: Flow) -> None:
        self.flow = flow

    # -- pages --------------------------------------------------------------------------

    def page(
        self, node: Any, tools: PageTools, *, page: int = 0, query: str = "", start: int = 0
    ) -> PageView:
        """The view of the object, value or flow root at ``node``."""
        if isinstance(node, Flow):
            return PageView(
                oid="/",
                info=None,
                crumbs=crumbs("/"),
                groups=[],
                table=None,
                panels=[],
                diagnostics=self.diagnostics(),
                kind="flow",
                projects=node.projects(),
            )
        if isinstance(node, Value):
            return self._value_page(node, tools)
        obj: Object = node
        error = ""
        try:
            info = ui.info(obj)
        except Exception as exc:  # summary() is studio code
            info = ui.ObjectUI(
                obj.oid(), obj.name(), obj.name(), type(obj).__name__, "object", None
            )
            error = f"summary() failed: {_failure(exc)}"
        return PageView(
            oid=obj.oid(),
            info=info,
            crumbs=crumbs(obj.oid()),
            groups=self.groups(obj),
            table=self.table(obj, page=page, query=query, start=start)
            if isinstance(obj, DynamicMap)
            else None,
            panels=self.panels(obj, tools),
            diagnostics=self.diagnostics(),
            kind=_object_kind(obj),
            error=error,
        )

    def _value_page(self, value: Value[Any], tools: PageTools) -> PageView:
        parent = value.parent()
        row = self.row(parent, ui.relation(parent, value.name()), {})
        rows = [row]
        if type(value)._gf_relations:
            rows += [self.row(value, shown, {}) for shown in ui.relations(value)]
        return PageView(
            oid=value.oid(),
            info=ui.ObjectUI(
                value.oid(), value.name(), row.ui.label, type(value).__name__, row.ui.icon, None
            ),
            crumbs=crumbs(value.oid()),
            groups=[(None, rows)],
            table=None,
            panels=[],
            diagnostics=self.diagnostics(),
            kind="value",
            is_value=True,
        )

    def diagnostics(self) -> list[str]:
        return [str(diagnostic) for diagnostic in self.flow.session().diagnostics]

    def panels(self, obj: Object, tools: PageTools) -> list[Panel]:
        found: list[Panel] = []
        for source, panels in call_hook(
            self.flow.session(), "graftflow_web_panels", obj=obj, page=tools
        ):
            for panel in panels or ():
                if isinstance(panel, Panel):
                    found.append(panel)
                else:
                    self.flow.session().report(
                        f"graftflow_web_panels returned {panel!r}, not a Panel",
                        source=str(getattr(source, "label", source)),
                        oid=obj.oid(),
                        error="TypeError",
                    )
        return found

    # -- relations -----------------------------------------------------------------------

    def groups(self, obj: Object) -> list[tuple[str | None, list[RowView]]]:
        """The visible relations of ``obj`` by group, groups in order of first use."""
        try:
            records = {record.name: record for record in describe(obj)}
        except Exception:
            records = {}
        grouped: dict[str | None, list[RowView]] = {}
        for shown in ui.relations(obj):
            grouped.setdefault(shown.group, []).append(self.row(obj, shown, records))
        return list(grouped.items())

    def row(
        self,
        owner: Object | Value[Any],
        shown: ui.RelationUI,
        records: dict[str, RelationRecord],
        *,
        field_error: str = "",
        field_text: str | None = None,
    ) -> RowView:
        """One relation's view; what reading it raised is shown on the row."""
        record = records.get(shown.name)
        view = RowView(
            id=f"rel-{shown.name}",
            ui=shown,
            url=flow_url(shown.oid),
            origin=record if record is not None and record.origin != "base" else None,
            field_error=field_error,
            field_text=field_text,
        )
        if shown.kind in ("label", "separator"):
            view.html = label_html(str(shown.options.get("text", "")))
            return view
        try:
            related = getattr(owner, shown.name)
            self._fill(view, related)
        except Exception as exc:  # a compute, a factory's relation, a dangling connection
            view.error = _failure(exc)
        return view

    def _fill(self, view: RowView, related: Any) -> None:
        kind = view.ui.kind
        if isinstance(related, Value):
            if kind == "connection":
                target = related.get()
                view.target = None if target is None else target.oid()
                view.target_url = None if target is None else flow_url(target.oid())
                view.text = view.target or ""
            else:
                view.value = related.get()
                view.text = value_text(view.value)
            if type(related)._gf_relations:
                view.has_page = True
                view.value_actions = [
                    self.row(related, shown, {})
                    for shown in ui.relations(related)
                    if shown.kind == "action"
                ]
            return
        if isinstance(related, Flow):
            view.target, view.target_url = "/", flow_url("/")
            return
        if kind in ("parent", "relative"):
            view.target = related.oid()
            view.target_url = flow_url(related.oid())
            return
        if isinstance(related, Action):
            view.needs_dialog = bool(related.needs_dialog())
            view.buttons = [str(button) for button in related.get_buttons()]
            return
        if isinstance(related, DynamicMap):
            view.count = len(related)

    # -- maps ------------------------------------------------------------------------------

    def table(self, items: DynamicMap[Any], *, page: int, query: str, start: int) -> TableView:
        """One page of ``items`` (or, with ``query``, of the names containing it)."""
        total = len(items)
        pages = max(1, -(-total // PAGE_SIZE))
        view = TableView(
            oid=items.oid(), columns=[], rows=[], total=total, page=0, pages=pages, query=query
        )
        try:
            view.columns = ui.columns(items)
            if query:
                names, view.scanned, view.next_from = _filter(items, query, start)
                view.start = start
                view.rows = ui.rows(items, names=names)
            else:
                view.page = min(max(page, 0), pages - 1)
                view.rows = ui.rows(items, view.page, PAGE_SIZE)
        except Exception as exc:  # columns(), _fill_row_cells() are studio code
            view.error = _failure(exc)
        return view


def _filter(items: DynamicMap[Any], query: str, start: int) -> tuple[list[str], int, int | None]:
    """Names containing ``query`` (any case), scanning from position ``start``.

    Stops at a page of matches or after :data:`FILTER_BUDGET` seconds, whichever comes
    first, so a filter on a million names answers at once; returns the matches, where
    the scan stopped, and where to go on from (``None``: the map was scanned to its end).
    """
    needle = query.casefold()
    found: list[str] = []
    position = start
    deadline = time.monotonic() + FILTER_BUDGET
    while True:
        chunk = _names_from(items, position, FILTER_CHUNK)
        for offset, name in enumerate(chunk):
            if needle in name.casefold():
                found.append(name)
                if len(found) == PAGE_SIZE:
                    stop = position + offset + 1
                    return found, stop, stop
        position += len(chunk)
        if len(chunk) < FILTER_CHUNK:
            return found, position, None
        if time.monotonic() > deadline:
            return found, position, position


def _names_from(items: DynamicMap[Any], start: int, count: int) -> list[str]:
    if start % count == 0:
        return items.mapped_names(start // count, count)
    # A scan that stopped at a match resumes mid-page: two pages, cut to the range.
    first = start // count
    names = items.mapped_names(first, count) + items.mapped_names(first + 1, count)
    offset = start - first * count
    return names[offset : offset + count]


def _object_kind(obj: Object) -> str:
    if isinstance(obj, Action):
        return "action"
    if isinstance(obj, DynamicMap):
        return "map"
    return "object"
