"""describe(): every relation of an object, where it came from, and what it beat."""

from __future__ import annotations

from typing import Any

from graftflow import Object, Relation

from ._manager import (
    BEATEN,
    ENTRY,
    INDEX,
    RELATION,
    WEIGHT,
    DynamicTreeManager,
    _Offer,
)

__all__ = ["RelationRecord", "describe"]


class RelationRecord:
    """One relation of one object, as :func:`describe` explains it.

    :ivar name: the relation's name.
    :ivar kind: ``param``, ``child``, ``map``, ``computed``, ``action``, ...
    :ivar index: where it shows among the object's relations (for a beaten candidate:
        where it asked to show; ``None`` means last).
    :ivar weight: its override weight (``None`` for a base relation).
    :ivar origin: ``"base"``, or the name of the extension that grafted it.
    :ivar factory: the factory as ``module:qualname`` (``None`` for a base relation).
    :ivar source: the installer source: entry point, plugin, config or env entry.
    :ivar beaten: the candidates it won over, a losing base relation included.

    Records are equal when every field is, and hashable. A plain class: a frozen
    dataclass would cost every ``graftflow ls`` about 0.7 ms to define (issue 15), and
    a named tuple's ``index`` method would clash with the field.
    """

    __slots__ = ("beaten", "factory", "index", "kind", "name", "origin", "source", "weight")

    def __init__(
        self,
        name: str,
        kind: str,
        index: int | None,
        weight: float | None,
        origin: str,
        factory: str | None,
        source: str | None,
        beaten: tuple[RelationRecord, ...] = (),
    ) -> None:
        self.name, self.kind, self.index, self.weight = name, kind, index, weight
        self.origin, self.factory, self.source, self.beaten = origin, factory, source, beaten

    def _fields(self) -> tuple[Any, ...]:
        return (
            self.name,
            self.kind,
            self.index,
            self.weight,
            self.origin,
            self.factory,
            self.source,
            self.beaten,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RelationRecord):
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return f"RelationRecord({self})"

    def __str__(self) -> str:
        where = (
            "base" if self.origin == "base" else f"{self.origin} ({self.factory}, {self.source})"
        )
        weight = "" if self.weight is None else f", weight {self.weight}"
        beat = f"; beat {', '.join(_short(b) for b in self.beaten)}" if self.beaten else ""
        return f"{self.index}: {self.name} [{self.kind}] from {where}{weight}{beat}"

    def to_dict(self) -> dict[str, Any]:
        """Plain data, for ``--json``."""
        return {
            "name": self.name,
            "kind": self.kind,
            "index": self.index,
            "weight": self.weight,
            "origin": self.origin,
            "factory": self.factory,
            "source": self.source,
            "beaten": [record.to_dict() for record in self.beaten],
        }


def _short(record: RelationRecord) -> str:
    return "base" if record.origin == "base" else f"{record.origin} (weight {record.weight})"


def describe(obj: Object) -> list[RelationRecord]:
    """Explain every relation of ``obj``, in display order.

    Builds the object's dynamic table if nobody asked for it yet (running its
    factories), but never builds a related object.
    """
    if not isinstance(obj, Object):
        raise TypeError(f"describe() takes a flow Object, not {obj!r}")
    mng = obj._mng
    table = mng._offers() if isinstance(mng, DynamicTreeManager) else {}
    records = []
    for position, relation in enumerate(mng.relations()):
        won = table.get(relation.name)
        if won is None:
            records.append(_record(relation, position, None))
            continue
        beaten = tuple(_beaten(offer, obj) for offer in won[BEATEN])
        records.append(_record(relation, position, won, beaten))
    return records


def _record(
    relation: Relation[Any],
    index: int | None,
    offer: _Offer | None,
    beaten: tuple[RelationRecord, ...] = (),
) -> RelationRecord:
    entry = offer[ENTRY] if offer is not None else None
    if offer is None or entry is None:
        return RelationRecord(relation.name, relation.kind, index, None, "base", None, None, beaten)
    return RelationRecord(
        relation.name,
        relation.kind,
        index,
        offer[WEIGHT],
        entry.extension,
        entry.qualname,
        entry.source,
        beaten,
    )


def _beaten(offer: _Offer, obj: Object) -> RelationRecord:
    relation = offer[RELATION]
    if offer[ENTRY] is None:  # the base relation: where the class shows it
        base = type(obj)._gf_relations
        index = next((i for i, r in enumerate(base) if r is relation), None)
        return _record(relation, index, None)
    return _record(relation, offer[INDEX], offer)
