"""What the command line shows of the tree: one set of facts, as text or as JSON.

Every command first turns what it found into plain data (the ``--json`` output), then
prints that data for people. So the two outputs never disagree, and the human output is
free to be terse. Only what is shown gets built: a map shows a few items and a count.

Nothing here imports the extensions layer for an object no extension can reach (a
plain ``Object``, whose manager is the core's): listing a plain project loads no
installer, no plugin and no entry point (issue 15's latency).

An object whose class defines a ``summary()`` method (a workflow process: its status
and current tasks) is previewed as that one line, not as its internals.
"""

from __future__ import annotations

import inspect
import json
from typing import TYPE_CHECKING, Any

from graftflow import DynamicMap, Flow, Object, TreeManager, Value, relations

from ._cli_text import NBSP, Node, Span, Text, echo, styled, table, tree

if TYPE_CHECKING:
    from graftflow import ui

__all__ = [
    "json_value",
    "node_data",
    "print_node",
    "print_tree",
    "records",
    "relation_data",
    "tree_data",
    "value_text",
]

#: How many items of a map a tree shows in full, and how many more as one line each.
EXPANDED = 1
LISTED = 2


def records(obj: Object) -> list[dict[str, Any]]:
    """``describe(obj)`` as data: every relation, its kind, index, origin and weight.

    An object whose manager is the core's has only its class's relations: they are
    described here, as describe() would, without importing the extensions layer.
    """
    if type(obj._mng) is TreeManager:
        return [
            {
                "name": relation.name,
                "kind": relation.kind,
                "index": index,
                "weight": None,
                "origin": "base",
                "factory": None,
                "source": None,
                "beaten": [],
            }
            for index, relation in enumerate(relations(obj))
        ]
    from graftflow.extensions import describe

    return [record.to_dict() for record in describe(obj)]


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


def relation_data(obj: Object, record: dict[str, Any]) -> dict[str, Any]:
    """One relation of ``obj`` (a record of :func:`records`): what it is, where it
    came from, and what it holds.

    Reading a computed value runs studio code; a failure is shown on its row rather
    than ending the listing.
    """
    data = dict(record)
    name = record["name"]
    data["oid"] = f"{obj.oid()}/{name}"
    try:
        related = getattr(obj, name)
        if isinstance(related, Value):
            data["value"] = json_value(related)
        elif isinstance(related, Flow):
            data["target"] = "/"
        elif record["kind"] in ("parent", "relative"):
            data["target"] = None if related is None else related.oid()  # Relative(None)
        else:
            data["type"] = type(related).__name__
            if isinstance(related, DynamicMap):
                data["count"] = len(related)
            if record["kind"] == "action" and hasattr(related, "get_buttons"):
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
    shown = _shown(node)
    rows = []
    for record in records(node):
        about = shown.get(record["name"])
        hidden = about.hidden if about is not None else record["name"].startswith("_")
        if hidden and not protected:
            continue
        row = relation_data(node, record)
        row["label"] = about.label if about is not None else record["name"]
        row["group"] = about.group if about is not None else None
        row["hidden"] = hidden
        rows.append(row)
    data: dict[str, Any] = {"oid": node.oid(), "type": type(node).__name__, "relations": rows}
    if isinstance(node, DynamicMap):
        data["items"] = {"count": len(node), "names": node.mapped_names(0, limit)}
    return data


def _shown(node: Object) -> dict[str, ui.RelationUI]:
    """The UI protocol's view of each relation (labels, groups, hidden); empty if the
    object's own UI code (``_fill_ui``, ``allow_context``) fails: the listing goes on."""
    from graftflow import ui  # imported by the commands that list: get and set never do

    try:
        return {about.name: about for about in ui.relations(node, hidden=True)}
    except Exception:
        return {}


def _grouped(rows: list[dict[str, Any]]) -> list[tuple[str | None, list[dict[str, Any]]]]:
    """Rows by group as the browser lays them out: ungrouped first, groups in order."""
    groups: dict[str | None, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(row.get("group"), []).append(row)
    return list(groups.items())


def _summary(row: dict[str, Any]) -> list[Span]:
    if "error" in row:
        return [(row["error"], "red")]
    if "value" in row:
        return [(value_text(row["value"]), "green")]
    if "target" in row:
        return [(f"→ {row['target'] or '(none)'}", None)]
    spans: list[Span] = [(row.get("type", ""), None)]
    if "count" in row:
        spans.append((f" ({_items(row['count'])})", "dim"))
    if "buttons" in row:
        spans.append((f" [{', '.join(row['buttons'])}]", "dim"))
    return spans


def _origin(row: dict[str, Any]) -> list[Span]:
    """Where a grafted relation came from: ``⇐ extension (weight 5, over base)``."""
    if row["origin"] == "base":
        return []
    over = ", over base" if any(b["origin"] == "base" for b in row["beaten"]) else ""
    return [
        (f" ⇐{NBSP}", "magenta"),
        (row["origin"], "magenta"),
        (f" (weight{NBSP}{row['weight']:g}{over})", "dim"),
    ]


def _items(count: int) -> str:
    return f"{count} item{'' if count == 1 else 's'}"


def print_node(data: dict[str, Any]) -> None:
    """``graftflow ls``: the relations (name, label, kind, value and where a grafted
    one came from) by group as the browser lays them out, then the first items of a
    map."""
    echo(f"{styled(data['oid'], 'bold')} {styled(data['type'], 'dim')}")
    rows: list[list[Text]] = []
    for group, members in _grouped(data["relations"]):
        if group is not None:
            rows.append([(group, "heading")])
        indent = "" if group is None else "  "
        rows.extend(
            [
                indent + row["name"],
                (row.get("label", ""), "dim"),
                (row["kind"], "dim"),
                [*_summary(row), *_origin(row)],
            ]
            for row in members
        )
    if rows:
        echo(table(rows, header=["name", "label", "kind", "value"], indent=2))
    items = data.get("items")
    if items is not None:
        echo(styled(_items(items["count"]), "dim"))
        echo([f"  {name}" for name in items["names"]])
        hidden = items["count"] - len(items["names"])
        if hidden > 0:
            echo(styled(f"  … {hidden} more (--limit to show more)", "dim"))


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
    for record in records(node):
        row = relation_data(node, record)
        if record["kind"] in ("child", "map") and "error" not in row:
            row.update(tree_data(getattr(node, record["name"])))
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
        for record in records(node)
        if record["name"] == "status" or (record["origin"] != "base" and record["kind"] != "map")
    ]
    return {"oid": node.oid(), "type": type(node).__name__, "relations": rows}


def print_tree(data: dict[str, Any]) -> None:
    """The preview from :func:`tree_data`, as a tree."""
    root = Node([(data["oid"], "bold"), (f" {data['type']}", "dim")])
    _fill(root, data)
    echo(tree(root))


def _mark(row: dict[str, Any]) -> list[Span]:
    if row["origin"] == "base":
        return []
    return [(f"  ⇐{NBSP}{row['origin']}", "magenta")]


def _label(row: dict[str, Any]) -> list[Span]:
    if "relations" in row:  # a child object or a map, expanded below
        count = f" · {_items(row['items']['count'])}" if "items" in row else ""
        return [
            (row["name"], "bold"),
            (f" {row['kind']} {row['type']}{count}", "dim"),
            *_summary_spans(row),
            *_mark(row),
        ]
    return [(row["name"], None), (f" {row['kind']} ", "dim"), *_summary(row), *_mark(row)]


def _summary_spans(data: dict[str, Any]) -> list[Span]:
    """An object's own one-line summary (a process: its status and current tasks)."""
    return [(f"  {data['summary']}", None)] if "summary" in data else []


def _fill(node: Node, data: dict[str, Any]) -> None:
    for row in data["relations"]:
        if row["kind"] in ("parent", "relative"):
            continue
        branch = node.add(_label(row))
        if "relations" in row:
            _fill(branch, row)
    items = data.get("items")
    if items is None:
        return
    for item in items["expanded"]:
        name = item["oid"].rpartition("/")[2]
        _fill(node.add([(name, "bold"), (f" {item['type']}", "dim"), *_summary_spans(item)]), item)
    for item in items["listed"]:
        name = item["oid"].rpartition("/")[2]
        spans: list[Span] = [(name, "bold"), (f" {item['type']}", "dim"), *_summary_spans(item)]
        for row in item["relations"]:
            spans += [(f"  {row['name']}=", None), *_summary(row), *_mark(row)]
        node.add(spans)
    hidden = items["count"] - len(items["expanded"]) - len(items["listed"])
    if hidden > 0:
        node.add((f"… {hidden} more", "dim"))
