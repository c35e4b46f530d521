"""An override must be of the kind of the relation it replaces.

Base code was written against its class's relations: a ``tasks`` map is iterated and
added to, a ``frame_count`` computed is read. A factory that replaced one by another
kind (a map by a param) would let that code fail far from the cause, with messages
like ``'ParamValue' object has no attribute 'add_many'``. So a candidate of another
kind never overrides a base relation: it is refused where the contest is held, and
the refusal is a diagnostic naming both kinds (which ``graftflow doctor`` reports).

Kept apart from the manager so the rule reads in one place.
"""

from __future__ import annotations

from typing import Any

from graftflow import Object, Relation

__all__ = ["kind_conflict"]


def kind_conflict(cls: type[Object], candidate: Relation[Any]) -> str:
    """Why ``candidate`` cannot override the base relation of its name on ``cls``
    objects ("" if it can, or if the class has no relation of that name)."""
    base = cls._gf_by_name.get(candidate.name)
    if base is None or candidate.kind == base.kind:
        return ""
    return (
        f"{cls.__qualname__}.{base.name} is a {base.kind} in the class, and an override must "
        f"be of the same kind, not a {candidate.kind}: the {base.kind} stays"
    )
