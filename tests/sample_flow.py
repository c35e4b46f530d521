"""Flow classes shared by tests and by the subprocesses they start.

They live in an importable module (not inside test functions) because projects and map
items are reopened by type name, possibly in another process.
"""

from __future__ import annotations

from typing import Any

import graftflow as gf


class Task(gf.Object):
    status = gf.Param("todo")
    assignee = gf.StringParam()


class Tasks(gf.Map[Task]):
    pass


class Shot(gf.Object):
    status = gf.StringParam("wip")
    frame_in = gf.IntParam(1001)
    frame_out = gf.IntParam(1100)
    notes = gf.Param()
    tags = gf.Param(list)
    tasks = gf.Child(Tasks)


class HeroShot(Shot):
    """A per-item type for maps (stored by type name)."""

    hero = gf.BoolParam(True)


class Shots(gf.Map[Shot]):
    pass


class Asset(gf.Object):
    kind = gf.StringParam("character")


class Assets(gf.Map[Asset]):
    pass


class Film(gf.Object):
    title = gf.StringParam()
    shots = gf.Child(Shots)
    assets = gf.Child(Assets)
    counter = gf.IntParam()


class Films(gf.Map[Film]):
    pass


class Studio(gf.Object):
    """A project type with a bit of everything."""

    films = gf.Child(Films)
    settings = gf.DictParam()


def build_shot_names(n: int) -> list[str]:
    return [f"sh{i:06d}" for i in range(n)]


def snapshot(obj: Any) -> dict[str, Any]:
    """Values of an object's param relations, for comparisons across processes."""
    return {r.name: getattr(obj, r.name).get() for r in gf.relations(obj) if r.kind == "param"}
