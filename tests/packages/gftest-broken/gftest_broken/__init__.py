"""Broken installers and factories, each failing one way; ``good`` still works."""

from __future__ import annotations

import graftflow as gf
from graftflow.extensions import Extendable


class Thing(Extendable):
    status = gf.StringParam("new")

    def helper(self) -> str:
        return "a method, not a relation"


NOT_CALLABLE = 42


def raising(session: gf.Session) -> dict[str, list[object]]:
    raise RuntimeError("the installer's server is down")


def returns_list(session: gf.Session) -> list[str]:
    return ["not", "a", "dict"]


def _ok(parent: gf.Object) -> gf.Relation[str] | None:
    if not isinstance(parent, Thing):
        return None
    relation = gf.StringParam("fine")
    relation.name = "ok"
    return relation


def bad_lists(session: gf.Session) -> dict[object, object]:
    return {"numbers": [1, _ok], "text": "not a list", 3: [_ok]}


def _named(name: str) -> gf.Relation[str]:
    relation = gf.StringParam("x")
    relation.name = name
    return relation


def factory_raises(parent: gf.Object) -> None:
    if isinstance(parent, Thing):
        raise ValueError(f"cannot extend {parent.oid()}")


def factory_non_relation(parent: gf.Object) -> object:
    return "a string" if isinstance(parent, Thing) else None


def factory_no_name(parent: gf.Object) -> gf.Relation[str] | None:
    return gf.StringParam("x") if isinstance(parent, Thing) else None


def factory_bad_names(parent: gf.Object) -> list[gf.Relation[str]] | None:
    if not isinstance(parent, Thing):
        return None
    return [_named(name) for name in ("a b", "class", "oid", "x=1;import os", "helper")]


def bad_factories(session: gf.Session) -> dict[str, list[object]]:
    return {"broken": [factory_raises, factory_non_relation, factory_no_name, factory_bad_names]}


def good(session: gf.Session) -> dict[str, list[object]]:
    return {"good": [_ok]}
