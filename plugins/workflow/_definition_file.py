"""Process definitions in TOML files, validated by pydantic.

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

Every mistake is one :class:`DefinitionError` naming the file, the node and the field:
an unknown kind or key, a missing field, a wrong type, an edge to an unknown node, a
function reference that cannot be imported. pydantic is imported here only, when a
file is read.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from graftflow.extending import did_you_mean

from ._nodes import NODE_KINDS, Definition, DefinitionError, Node, node_from_data

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

__all__ = ["load_definition", "parse_definition"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True)


class _Test(_Model):
    """A ``when`` state key or a ``condition`` function: exactly one."""

    when: str | None = None
    condition: str | None = None

    @model_validator(mode="after")
    def _one_test(self) -> _Test:
        if (self.when is None) == (self.condition is None):
            raise ValueError("give exactly one of 'when' (a state key) or 'condition'")
        return self


class _Linear(_Model):
    next: str


class _Start(_Linear):
    pass


class _Task(_Linear):
    actions: list[str] = []
    users: list[str] = []
    assign_to: str = ""


class _Retry(_Model):
    max_attempts: int = Field(1, ge=1)
    initial_backoff: float = Field(1.0, ge=0)
    backoff_multiplier: float = Field(2.0, ge=1)
    max_backoff: float = Field(60.0, ge=0)
    retryable: list[str] = []
    non_retryable: list[str] = []


class _Job(_Linear):
    func: str
    input_key: str = ""
    result_key: str = ""
    retry: _Retry | None = None


class _Func(_Linear):
    func: str


class _If(_Test):
    then: str
    else_: str = Field(alias="else")


class _Case(_Test):
    next: str


class _Switch(_Model):
    cases: list[_Case] = Field(min_length=1)
    default: str = ""


class _Split(_Model):
    branches: list[str] = Field(min_length=1)


class _End(_Model):
    pass


_MODELS: dict[str, type[_Model]] = {
    "start": _Start,
    "task": _Task,
    "job": _Job,
    "func": _Func,
    "handler": _Func,
    "if": _If,
    "switch": _Switch,
    "split": _Split,
    "join": _Linear,
    "end": _End,
}
assert set(_MODELS) == set(NODE_KINDS)


class _File(_Model):
    name: str = Field(min_length=1)
    description: str = ""
    nodes: dict[str, dict[str, Any]] = Field(min_length=1)


def _first_error(exc: ValidationError) -> tuple[str | None, str]:
    """``(field, message)`` of pydantic's first error, the field dotted with positions."""
    error = exc.errors()[0]
    parts: list[str] = []
    for part in error.get("loc", ()):
        if isinstance(part, int):
            parts[-1:] = [f"{parts[-1] if parts else ''}[{part}]"]
        else:
            parts.append("else" if part == "else_" else str(part))
    message = str(error["msg"])
    if error["type"] == "extra_forbidden":
        message = "unknown field"
    elif error["type"] == "missing":
        message = "missing"
    return (".".join(parts) or None), message


def _node(where: str, name: str, data: Mapping[str, Any]) -> Node:
    if not isinstance(data, Mapping):
        raise DefinitionError(where, name, None, "must be a table")
    values = dict(data)
    kind = values.pop("kind", None)
    kinds = ", ".join(NODE_KINDS)
    if kind is None:
        raise DefinitionError(where, name, "kind", f"missing; one of {kinds}")
    if kind not in _MODELS:
        raise DefinitionError(
            where,
            name,
            "kind",
            f"unknown kind {kind!r}{did_you_mean(str(kind), NODE_KINDS)} (known: {kinds})",
        )
    try:
        model = _MODELS[kind].model_validate(values)
    except ValidationError as exc:
        field, message = _first_error(exc)
        raise DefinitionError(where, name, field, message) from None
    node_data = model.model_dump(exclude_defaults=True, by_alias=True)
    node_data["kind"] = kind
    node_data["name"] = name
    return node_from_data(node_data)


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
    try:
        top = _File.model_validate(raw)
    except ValidationError as exc:
        field, message = _first_error(exc)
        raise DefinitionError(where, None, field, message) from None
    nodes = [_node(where, name, data) for name, data in top.nodes.items()]
    definition = Definition(top.name, nodes, description=top.description, where=where)
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
