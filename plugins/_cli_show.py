"""What the command line shows of the tree: one set of facts, as rich text or as JSON.

Every command first turns what it found into plain data (the ``--json`` output), then
prints that data for people. So the two outputs never disagree, and the human output is
free to be terse. Only what is shown gets built: a map shows a few items and a count.
An object whose class defines a ``summary()`` method (a workflow process: its status
and current tasks) is previewed as that one line, not as its internals.
"""

from __future__ import annotations

import inspect
import json
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.tree import Tree

from graftflow import DynamicMap, Flow, Object, Value
from graftflow.extensions import RelationRecord, describe

__all__ = [
    "json_value",
    "node_data",
    "print_node",
    "print_tree",
    "relation_data",
    "tree_data",
    "value_text",
]

#: How many items of a map a tree shows in full, and how many more as one line each.
EXPANDED = 1
LISTED = 2


def json_value(value: Value[Any]) -> Any:
    """A value as JSON: a connection gives its target's oid."""
    if value.kind == "connection":
        target = value.get()
        return None if target is None else target.oid()
    return value.get()


def value_text(data: Any, width: int = 60) -> str:
    """Short text for a JSON value, for tables and trees."""
    text = json.dumps(data, ensure_ascii=False)
    return text if len(text) <= width else text[: width - 1] + "…"


def relation_data(obj: Object, record: RelationRecord) -> dict[str, Any]:
    """One relation of ``obj``: what it is, where it came from, and what it holds.

    Reading a computed value runs studio code; a failure is shown on its row rather
    than ending the listing.
    """
    data = record.to_dict()
    data["oid"] = f"{obj.oid()}/{record.name}"
    try:
        related = getattr(obj, record.name)
        if isinstance(related, Value):
            data["value"] = json_value(related)
        elif isinstance(related, Flow):
            data["target"] = "/"
        elif record.kind in ("parent", "relative"):
            data["target"] = None if related is None else related.oid()  # Relative(None)
        else:
            data["type"] = type(related).__name__
            if isinstance(related, DynamicMap):
                data["count"] = len(related)
            if hasattr(related, "get_buttons") and record.kind == "action":
                data["buttons"] = related.get_buttons()
    except Exception as exc:  # studio code (a compute, a factory's relation) failed
        data["error"] = f"{type(exc).__name__}: {exc}"
    return data


def node_data(node: Any, *, limit: int | None = 20, protected: bool = False) -> dict[str, Any]:
    """An object (or the flow) as ``graftflow ls`` shows it.

    :param protected: include the protected (``_name``) relations, hidden by default
        as kabaret's browser hides them.
    """
    if isinstance(node, Flow):
        names = node.projects()
        return {
            "oid": "/",
            "type": "Flow",
            "store": node.store().url,
            "relations": [],
            "items": {"count": len(names), "names": names if limit is None else names[:limit]},
        }
    data: dict[str, Any] = {
        "oid": node.oid(),
        "type": type(node).__name__,
        "relations": [
            relation_data(node, record)
            for record in describe(node)
            if protected or not record.name.startswith("_")
        ],
    }
    if isinstance(node, DynamicMap):
        data["items"] = {"count": len(node), "names": node.mapped_names(0, limit)}
    return data


def _summary(row: dict[str, Any]) -> str:
    if "error" in row:
        return f"[red]{escape(row['error'])}[/]"
    if "value" in row:
        return f"[green]{escape(value_text(row['value']))}[/]"
    if "target" in row:
        return f"→ {escape(row['target'] or '(none)')}"
    text = escape(row.get("type", ""))
    if "count" in row:
        text += f" [dim]({row['count']} items)[/]"
    if "buttons" in row:
        text += f" [dim]\\[{escape(', '.join(row['buttons']))}][/]"
    return text


def _origin(row: dict[str, Any]) -> str:
    if row["origin"] == "base":
        return "[dim]base[/]"
    over = ", over base" if any(b["origin"] == "base" for b in row["beaten"]) else ""
    return f"[magenta]{escape(row['origin'])}[/] [dim](weight {row['weight']:g}{over})[/]"


def _items(count: int) -> str:
    return f"{count} item{'' if count == 1 else 's'}"


def print_node(console: Console, data: dict[str, Any]) -> None:
    """``graftflow ls``: the relations as a table, then the first items of a map."""
    console.print(f"[bold]{escape(data['oid'])}[/] [dim]{data['type']}[/]")
    if data["relations"]:
        table = Table(box=None, pad_edge=False, show_header=True, header_style="dim")
        for column in ("name", "kind", "value", "origin"):
            table.add_column(column, overflow="fold")
        for row in data["relations"]:
            table.add_row(escape(row["name"]), row["kind"], _summary(row), _origin(row))
        console.print(table)
    items = data.get("items")
    if items is not None:
        console.print(f"[dim]{_items(items['count'])}[/]")
        for name in items["names"]:
            console.print(f"  {escape(name)}")
        hidden = items["count"] - len(items["names"])
        if hidden > 0:
            console.print(f"  [dim]… {hidden} more (--limit to show more)[/]")


# -- the demo tree ---------------------------------------------------------------------


def _summary_line(node: Object) -> str | None:
    """The one line an object's own ``summary()`` gives, if its class defines one."""
    if not inspect.isfunction(getattr(type(node), "summary", None)):
        return None
    try:
        return str(node.summary())  # type: ignore[attr-defined]
    except Exception as exc:  # studio code: shown on its line, the preview goes on
        return f"(summary failed: {type(exc).__name__}: {exc})"


def tree_data(node: Object) -> dict[str, Any]:
    """A preview of the tree under ``node``: every relation of the objects shown, the
    first item of each map in full, the next few as one line, and a count."""
    data: dict[str, Any] = {"oid": node.oid(), "type": type(node).__name__, "relations": []}
    summary = _summary_line(node)
    if summary is not None:
        data["summary"] = summary
        return data
    for record in describe(node):
        row = relation_data(node, record)
        if record.kind in ("child", "map") and "error" not in row:
            row.update(tree_data(getattr(node, record.name)))
        data["relations"].append(row)
    if isinstance(node, DynamicMap):
        names = node.mapped_names(0, EXPANDED + LISTED)
        data["items"] = {
            "count": len(node),
            "expanded": [tree_data(node[name]) for name in names[:EXPANDED]],
            "listed": [_line_data(node[name]) for name in names[EXPANDED:]],
        }
    return data


def _line_data(node: Object) -> dict[str, Any]:
    """An item shown on one line: its summary, or its status and what was grafted on."""
    summary = _summary_line(node)
    if summary is not None:
        return {"oid": node.oid(), "type": type(node).__name__, "summary": summary, "relations": []}
    rows = [
        relation_data(node, record)
        for record in describe(node)
        if record.name == "status" or (record.origin != "base" and record.kind != "map")
    ]
    return {"oid": node.oid(), "type": type(node).__name__, "relations": rows}


def print_tree(console: Console, data: dict[str, Any]) -> None:
    """The preview from :func:`tree_data`, as a rich tree."""
    tree = Tree(f"[bold]{escape(data['oid'])}[/] [dim]{data['type']}[/]")
    _fill(tree, data)
    console.print(tree)


def _label(row: dict[str, Any]) -> str:
    mark = "" if row["origin"] == "base" else f"  [magenta]⇐ {escape(row['origin'])}[/]"
    if "relations" in row:  # a child object or a map, expanded below
        count = f" · {_items(row['items']['count'])}" if "items" in row else ""
        line = f"  {escape(row['summary'])}" if "summary" in row else ""
        return (
            f"[bold]{escape(row['name'])}[/] [dim]{row['kind']} {row['type']}{count}[/]{line}{mark}"
        )
    return f"{escape(row['name'])} [dim]{row['kind']}[/] {_summary(row)}{mark}"


def _fill(tree: Tree, data: dict[str, Any]) -> None:
    for row in data["relations"]:
        if row["kind"] in ("parent", "relative"):
            continue
        branch = tree.add(_label(row))
        if "relations" in row:
            _fill(branch, row)
    items = data.get("items")
    if items is None:
        return
    for item in items["expanded"]:
        name = item["oid"].rpartition("/")[2]
        line = f"  {escape(item['summary'])}" if "summary" in item else ""
        _fill(tree.add(f"[bold]{escape(name)}[/] [dim]{item['type']}[/]{line}"), item)
    for item in items["listed"]:
        name = item["oid"].rpartition("/")[2]
        if "summary" in item:
            tree.add(f"[bold]{escape(name)}[/] [dim]{item['type']}[/]  {escape(item['summary'])}")
            continue
        inline = "  ".join(
            f"{escape(row['name'])}={_summary(row)}"
            + ("" if row["origin"] == "base" else f" [magenta]⇐ {escape(row['origin'])}[/]")
            for row in item["relations"]
        )
        tree.add(f"[bold]{escape(name)}[/] [dim]{item['type']}[/]  {inline}".rstrip())
    hidden = items["count"] - len(items["expanded"]) - len(items["listed"])
    if hidden > 0:
        tree.add(f"[dim]… {hidden} more[/]")
