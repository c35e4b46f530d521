"""Text for people: aligned columns and a tree that fit the terminal, words never split.

The human output of the command line is a few tables and one tree, laid out here
rather than by rich, for two reasons. Importing rich costs a command more than its
work does (issue 15: ``get``, ``set`` and ``ls`` answer in 60 ms). And a layout that
knows its columns keeps names whole: text wraps only at spaces, with a hanging indent,
and a word too long for what is left of the line moves below its row instead of being
cut (a generic table folds a factory's name over five lines at 80 columns).

A no-break space (:data:`NBSP`) glues two words together (``⇐ origin`` never parts)
and is printed as a plain space. Styles
are click's: ``click.echo`` drops them when the output is not a terminal, and
``NO_COLOR`` drops them on a terminal too.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import click

__all__ = ["NBSP", "Node", "Span", "Text", "echo", "line_width", "styled", "table", "tree", "wrap"]

#: A piece of text and its style name (``None``: plain); see :data:`STYLES`.
Span = tuple[str, "str | None"]
#: What a cell, a label or a sentence may be: plain text, one span, or spans in a row.
Text = str | Span | Sequence[Span]

STYLES: dict[str, dict[str, object]] = {
    "bold": {"bold": True},
    "dim": {"dim": True},
    "green": {"fg": "green"},
    "red": {"fg": "red"},
    "red bold": {"fg": "red", "bold": True},
    "magenta": {"fg": "magenta"},
    "yellow": {"fg": "yellow"},
}
#: Glues two words into one for wrapping; printed as a plain space.
NBSP = "\u00a0"
#: Below this many columns for the last column, its text goes under the row instead.
MIN_WRAP = 16
#: The indent of text put under its row, or of a stacked table's last column.
UNDER = 4


def line_width() -> int:
    """The terminal's width (``COLUMNS`` wins), 80 when the output is not a terminal.

    shutil.get_terminal_size() says the same, but importing shutil imports three
    compression modules: a tenth of what ``graftflow get`` may take.
    """
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return max(40, int(columns))
    try:
        return max(40, os.get_terminal_size(1).columns)
    except (OSError, ValueError):  # not a terminal
        return 80


def echo(lines: str | Sequence[str] = "", *, err: bool = False) -> None:
    """Print lines made here; styles only on a terminal, and never with ``NO_COLOR``."""
    color = False if os.environ.get("NO_COLOR") else None
    for line in [lines] if isinstance(lines, str) else lines:
        click.echo(line, err=err, color=color)


def _spans(text: Text) -> list[Span]:
    if isinstance(text, str):
        return [(text, None)]
    if len(text) == 2 and isinstance(text[0], str) and not isinstance(text[1], tuple):
        return [text]  # type: ignore[list-item]
    return list(text)  # type: ignore[arg-type]


def _plain(text: Text) -> str:
    return "".join(part for part, _ in _spans(text))


class _Word:
    """Pieces of text, each in its style, printed with no space between them."""

    __slots__ = ("pieces",)

    def __init__(self) -> None:
        self.pieces: list[Span] = []

    def __len__(self) -> int:
        return sum(len(part) for part, _ in self.pieces)

    def render(self) -> str:
        # The glue has done its work: what is printed is an ordinary space, so the
        # output reads and greps as typed.
        return "".join(styled(part.replace(NBSP, " "), style) for part, style in self.pieces)


def styled(text: str, style: str | None) -> str:
    """``text`` in one of :data:`STYLES` (``None``: as it is)."""
    if not style or not text:
        return text
    return click.style(text, **STYLES[style])  # type: ignore[arg-type]


def _words(text: Text) -> list[_Word]:
    """Split at ordinary spaces only; a word may change style inside (``12,``)."""
    words: list[_Word] = []
    current = _Word()
    for part, style in _spans(text):
        chunks = part.split(" ")
        for position, chunk in enumerate(chunks):
            if position > 0 and current.pieces:
                words.append(current)
                current = _Word()
            if chunk:
                current.pieces.append((chunk, style))
    if current.pieces:
        words.append(current)
    return words


def wrap(text: Text, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` columns, broken at spaces only (a longer
    word has a line of its own); styled, with a single space between words."""
    lines: list[str] = []
    line: list[_Word] = []
    used = 0
    for word in _words(text):
        size = len(word)
        if line and used + 1 + size > width:
            lines.append(" ".join(w.render() for w in line))
            line, used = [], 0
        used += size + (1 if line else 0)
        line.append(word)
    if line or not lines:
        lines.append(" ".join(w.render() for w in line))
    return lines


def table(
    rows: Sequence[Sequence[Text]],
    *,
    header: Sequence[str] | None = None,
    width: int | None = None,
    indent: int = 0,
) -> list[str]:
    """Rows as aligned columns; only the last column wraps.

    The other columns hold names and numbers: they keep their whole width. The last
    one wraps in what is left of the line; where even that is too narrow for one of
    its words, it goes under its row instead, indented.
    """
    width = line_width() if width is None else width
    all_rows: list[Sequence[Text]] = [[(h, "dim") for h in header]] if header else []
    all_rows.extend(rows)
    if not all_rows:
        return []
    columns = max(len(row) for row in all_rows)
    sizes = [0] * columns
    for row in all_rows:
        for position, cell in enumerate(row[:-1]):
            sizes[position] = max(sizes[position], len(_plain(cell)))
    start = indent + sum(size + 2 for size in sizes[: columns - 1])
    room = width - start
    lines = []
    for row in all_rows:
        cells = list(row) + [""] * (columns - len(row))
        head = " " * indent + "".join(
            _render(cell) + " " * (sizes[position] + 2 - len(_plain(cell)))
            for position, cell in enumerate(cells[:-1])
        )
        last = cells[-1]
        longest = max((len(word) for word in _words(last)), default=0)
        if room >= MIN_WRAP and longest <= room:
            body = wrap(last, room)
            lines.append((head + body[0]).rstrip())
            lines.extend(" " * start + more for more in body[1:])
        else:
            lines.append(head.rstrip())
            lines.extend(
                " " * (indent + UNDER) + more for more in wrap(last, width - indent - UNDER) if more
            )
    return lines


def _render(text: Text) -> str:
    return "".join(styled(part, style) for part, style in _spans(text))


class Node:
    """One line of a tree, and the nodes under it."""

    __slots__ = ("children", "label")

    def __init__(self, label: Text) -> None:
        self.label = label
        self.children: list[Node] = []

    def add(self, label: Text) -> Node:
        child = Node(label)
        self.children.append(child)
        return child


def tree(root: Node, *, width: int | None = None) -> list[str]:
    """``root`` and everything under it, with guide lines; a long label wraps at
    spaces, its next lines indented under it."""
    width = line_width() if width is None else width
    lines = wrap(root.label, width)
    _branches(root.children, "", width, lines)
    return lines


def _branches(children: list[Node], prefix: str, width: int, lines: list[str]) -> None:
    for position, child in enumerate(children):
        last = position == len(children) - 1
        guide, below = ("└── ", "    ") if last else ("├── ", "│   ")
        # A wrapped label goes on under itself, indented, beside the line down to the
        # node's own children (if any), so the guides stay unbroken.
        under = below + ("│   " if child.children else "    ")
        label = wrap(child.label, max(MIN_WRAP, width - len(prefix) - len(under)))
        lines.append(styled(prefix + guide, "dim") + label[0])
        lines.extend(styled(prefix + under, "dim") + text for text in label[1:])
        _branches(child.children, prefix + below, width, lines)
