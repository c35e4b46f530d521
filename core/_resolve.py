"""Resolving oids to objects, and the project an object belongs to."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._errors import InvalidOidError, MissingRelationError
from ._oid import split_oid

if TYPE_CHECKING:
    from ._flow import Flow
    from ._object import Object
    from ._values import Value

__all__ = ["get_object", "project_of"]


def get_object(start: Object | Flow | Value[Any], oid: str) -> Any:
    """Return the object or value at ``oid``, absolute or relative to ``start``.

    ``.`` is ``start`` itself and ``..`` its parent, as in POSIX paths. Each step names a
    relation, or else a map item (or a project, under the flow).

    :raises MissingRelationError: a step names no relation (with a suggestion).
    :raises MissingChildError: a step names no map item or project.
    :raises InvalidOidError: the oid is malformed, or ``..`` goes above the root.
    """
    from ._values import Value

    absolute, parts = split_oid(oid)
    node: Any = start.root() if absolute else start
    for part in parts:
        if part == ".":
            continue
        if part == "..":
            parent = node.parent() if isinstance(node, Value) else node._mng.parent
            if parent is None:
                raise InvalidOidError(oid, f"invalid oid {oid!r}: '..' goes above the root")
            node = parent
        elif isinstance(node, Value) and not type(node)._gf_by_name:
            raise MissingRelationError(
                f"{node.oid()}/{part}", part, f"{node.oid()} is a value; it has no child {part!r}"
            )
        else:
            node = node._mng.child(part)
    return node


def project_of(obj: Object | Value[Any]) -> Object:
    """The project (the child of the flow) that ``obj`` belongs to; a project gives itself.

    Works from a factory called while the project itself is being built (the seed's
    ``root().project()`` idiom could not).
    """
    from ._flow import Flow
    from ._values import Value

    node: Any = obj.parent() if isinstance(obj, Value) else obj
    if isinstance(node, Flow):
        raise TypeError("project_of() takes an object inside a project, not the flow itself")
    while True:
        parent = node._mng.parent
        if isinstance(parent, Flow):
            return node  # type: ignore[no-any-return]
        if parent is None:
            raise TypeError(f"{node!r} does not belong to a flow")
        node = parent
