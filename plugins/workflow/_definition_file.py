"""Process definitions in TOML files.

A file names the definition and lists its nodes as tables keyed by node name, in the
order diagrams show them::

    name = "review"

    [nodes.start]
    kind = "start"
    next = "check"

    [nodes.check]
    kind = "task"
    next = "end"

    [nodes.end]
    kind = "end"

A table is a node's data, checked by the node's own description (:mod:`._nodes`): the
same checks as a node built in Python, so there is one description of each node kind.
Every mistake is one :class:`DefinitionError` naming the file, the node and the field:
an unknown kind or key, a missing field, a wrong type, an edge to an unknown node, a
function reference that cannot be imported (unless ``check_imports=False``: drawing a
definition imports none of its functions).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from graftflow.extending import did_you_mean

from ._nodes import Definition, DefinitionError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

__all__ = ["load_definition", "parse_definition"]

_TOP_KEYS = ("name", "description", "nodes")


def _nodes(where: str, raw: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The node tables as node data: the table key is the node's name."""
    for key in raw:
        if key not in _TOP_KEYS:
            raise DefinitionError(where, None, key, f"unknown field{did_you_mean(key, _TOP_KEYS)}")
    if "name" not in raw:
        raise DefinitionError(where, None, "name", "missing")
    if not isinstance(raw["name"], str) or not raw["name"]:
        raise DefinitionError(where, None, "name", "must be a non-empty string")
    tables = raw.get("nodes")
    if not isinstance(tables, Mapping) or not tables:
        raise DefinitionError(where, None, "nodes", "missing; add a [nodes.NAME] table per node")
    nodes = []
    for name, table in tables.items():
        if not isinstance(table, Mapping):
            raise DefinitionError(where, name, None, "must be a table")
        if "name" in table:
            raise DefinitionError(where, name, "name", "the table's key is the node's name")
        nodes.append({**table, "name": name})
    return nodes


def parse_definition(text: str, where: str = "<text>", *, check_imports: bool = True) -> Definition:
    """Build a definition from TOML text.

    :param where: what errors call the text (a file name).
    :param check_imports: import every function reference now (a typo fails here).
    :raises DefinitionError: naming ``where``, the node and the field at fault.
    """
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DefinitionError(where, None, None, f"not valid TOML: {exc}") from None
    data = {**raw, "nodes": _nodes(where, raw)}
    definition = Definition.from_data(data, where)
    if check_imports:
        definition.check_imports(where)
    return definition


def load_definition(path: str | Path, *, check_imports: bool = True) -> Definition:
    """Read a definition from a TOML file (see :func:`parse_definition`).

    :raises DefinitionError: the file cannot be read, or is wrong (file, node, field).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise DefinitionError(str(path), None, None, f"cannot read it: {reason}") from None
    return parse_definition(text, str(path), check_imports=check_imports)
