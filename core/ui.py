"""The UI protocol, for front ends: how to show an object, its relations and actions.

A flow declares how it wants to be shown with kabaret's names: ``relation.ui(label=...,
editor=..., editable=..., hidden=..., icon=..., tooltip=..., group=...)``,
``graftflow.group(name)``, :class:`graftflow.Label` and :class:`graftflow.Separator`
relations, an ``ICON`` on classes, a ``summary()`` method on objects, ``columns()`` and
``_fill_row_cells()`` / ``_fill_row_style()`` on maps, and on actions
``needs_dialog()``, ``get_buttons()``, a ``message`` param, ``SHOW_IN_PARENT_*`` /
``allow_context()`` and the results of ``Action.get_result()``.

A front end reads it all here, normalised, with every default filled in:

- :func:`info` titles an object's page; :func:`relations` lists what it shows, in
  order, each a :class:`RelationUI` (label, editor, editable, hidden, icon, tooltip,
  group, choices);
- :func:`dialog` is what an action's dialog shows; :func:`result` reads what its
  ``run()`` returned;
- :func:`columns` and :func:`rows` lay out one page of a map as a table.

The flow browser (``graftflow serve``) and ``graftflow ls`` are built on it; so can a
studio's own tool. docs/ui-protocol.md explains every default.
"""

from __future__ import annotations

from ._ui import (
    EDITORS,
    ActionResult,
    DialogUI,
    ObjectUI,
    RelationUI,
    Row,
    columns,
    dialog,
    info,
    relation,
    relations,
    result,
    rows,
)

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
