"""Diagrams: any definition, or a running process, as Graphviz DOT or Mermaid text.

For a process, each node is marked by its tasks: ``active`` (a task still to do, its
tokens and statuses in the label), ``error`` (a task in ERROR), ``done`` (reached and
finished), or nothing (not reached). The text is all there is: render it with ``dot``
or any Mermaid viewer; graftflow needs neither.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from ._activation import ACTIVE
from ._nodes import Definition, Node
from ._process import Process

__all__ = ["NodeMark", "diagram_marks", "to_dot", "to_mermaid"]

_DOT_SHAPES: Final = {
    "start": "shape=circle, width=0.4",
    "end": "shape=doublecircle, width=0.3",
    "task": "shape=box",
    "job": "shape=component",
    "func": "shape=box",
    "handler": "shape=box",
    "if": "shape=diamond",
    "switch": "shape=diamond",
    "goto": "shape=diamond",
    "split": "shape=hexagon",
    "join": "shape=hexagon",
}
_DOT_STYLES: Final = {"start": ["bold"], "task": ["rounded"]}
_FILL: Final = {"active": "#ffd966", "error": "#f4cccc", "done": "#d9ead3"}
_MERMAID_SHAPES: Final = {
    "start": ("((", "))"),
    "end": ("(((", ")))"),
    "task": ("(", ")"),
    "job": ("[[", "]]"),
    "func": ("[", "]"),
    "handler": ("[", "]"),
    "if": ("{", "}"),
    "switch": ("{", "}"),
    "goto": ("{", "}"),
    "split": ("{{", "}}"),
    "join": ("{{", "}}"),
}


@dataclass
class NodeMark:
    """How a process marks one node: ``active``, ``error``, ``done`` or ``""``."""

    mark: str = ""
    #: ``token: STATUS`` of each active task of the node.
    tokens: list[str] = field(default_factory=list)


def diagram_marks(process: Process) -> dict[str, NodeMark]:
    """The mark of every node a process has reached."""
    marks: dict[str, NodeMark] = {}
    for task in process.task_list():
        status = task.status.get()
        mark = marks.setdefault(task.node.get(), NodeMark())
        if status in ACTIVE:
            mark.tokens.append(f"{task.token.get()}: {status}")
            if status == "ERROR":
                mark.mark = "error"
            elif mark.mark != "error":
                mark.mark = "active"
        elif status == "DONE" and not mark.mark:
            mark.mark = "done"
    return marks


def _resolve(target: Definition | Process) -> tuple[Definition, dict[str, NodeMark], str]:
    if isinstance(target, Process):
        return target.get_definition(), diagram_marks(target), target.oid()
    if isinstance(target, Definition):
        return target, {}, ""
    raise TypeError(f"a diagram is drawn for a Definition or a Process, not {target!r}")


def _dot_text(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def to_dot(target: Definition | Process) -> str:
    """Graphviz DOT text of a definition, or of a process with its tasks marked."""
    definition, marks, oid = _resolve(target)
    title = f"{definition.name} {oid}".strip()
    lines = [
        f"digraph {_dot_text(definition.name)} {{",
        f"  label={_dot_text(title)};",
        "  rankdir=LR;",
        '  node [fontname="Helvetica"];',
    ]
    for node in definition.nodes:
        attrs = [_DOT_SHAPES[node.kind]]
        styles = list(_DOT_STYLES.get(node.kind, ()))
        mark = marks.get(node.name)
        label = node.name
        if mark is not None and mark.mark:
            styles.append("filled")
            if mark.mark != "done" and "bold" not in styles:
                styles.append("bold")
            attrs.append(f'fillcolor="{_FILL[mark.mark]}"')
            attrs.append(f'class="{mark.mark}"')
            if mark.tokens:
                label = "\n".join([node.name, *mark.tokens])
        if styles:
            attrs.append(f'style="{",".join(styles)}"')
        attrs.append(f"label={_dot_text(label)}")
        lines.append(f"  {_dot_text(node.name)} [{', '.join(attrs)}];")
    for node in definition.nodes:
        for edge_label, next_node in node.targets():
            extra = f" [label={_dot_text(edge_label)}]" if edge_label else ""
            lines.append(f"  {_dot_text(node.name)} -> {_dot_text(next_node)}{extra};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _mermaid_id(node: Node | str) -> str:
    # Mermaid reserves words such as `end`; a prefix keeps every node name usable.
    return f"n_{node if isinstance(node, str) else node.name}"


def _mermaid_text(text: str) -> str:
    return '"' + text.replace('"', "#quot;") + '"'


def to_mermaid(target: Definition | Process) -> str:
    """Mermaid flowchart text of a definition, or of a process with its tasks marked."""
    definition, marks, _oid = _resolve(target)
    lines = ["flowchart LR"]
    for node in definition.nodes:
        opening, closing = _MERMAID_SHAPES[node.kind]
        mark = marks.get(node.name)
        label = node.name
        if mark is not None and mark.tokens:
            label = "<br/>".join([node.name, *mark.tokens])
        lines.append(f"  {_mermaid_id(node)}{opening}{_mermaid_text(label)}{closing}")
    for node in definition.nodes:
        for edge_label, next_node in node.targets():
            arrow = f"-->|{_mermaid_text(edge_label)}|" if edge_label else "-->"
            lines.append(f"  {_mermaid_id(node)} {arrow} {_mermaid_id(next_node)}")
    if marks:
        for mark_name, fill in _FILL.items():
            lines.append(f"  classDef {mark_name} fill:{fill},stroke:#333,stroke-width:2px")
        for mark_name in _FILL:
            names = [_mermaid_id(n) for n, m in marks.items() if m.mark == mark_name]
            if names:
                lines.append(f"  class {','.join(names)} {mark_name}")
    return "\n".join(lines) + "\n"
