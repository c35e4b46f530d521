"""The demo project: a small animated-film production, for ``graftflow demo``.

It shows every relation kind on believable data: typed params, a cached computed value
kept fresh by a watched param, a status rolled up from tasks, a connection (asset
casting), a parent link, and an action.
"""

from __future__ import annotations

from typing import Any, Literal

from graftflow import (
    Action,
    Child,
    Computed,
    Connection,
    DictParam,
    Flow,
    IntParam,
    Map,
    Object,
    Param,
    Parent,
    StringParam,
    Value,
)
from graftflow.extensions import Extendable, hookimpl

__all__ = ["DemoProject", "create_demo", "graftflow_project_types"]

Status = Literal["todo", "wip", "review", "done"]
_ORDER: tuple[Status, ...] = ("todo", "wip", "review", "done")


class Task(Object):
    """One department's work on a shot."""

    status = Param("todo", Status)
    assignee = StringParam("")


class Tasks(Map[Task]):
    pass


class Asset(Object):
    """Something cast in shots: a character, a prop, a set."""

    kind = Param("character", Literal["character", "prop", "set"])


class Assets(Map[Asset]):
    pass


class BumpVersion(Action):
    """Publish a new version of the shot's work."""

    comment = StringParam("")

    def run(self, button: str) -> int:
        shot: Shot = self._mng.parent  # type: ignore[assignment]
        version = shot.version.get() + 1
        shot.version.set(version)
        return version


class Shot(Extendable):
    """A shot: a frame range, a cast hero, four tasks and a rolled-up status."""

    frame_in = IntParam(1001).watched()
    frame_out = IntParam(1100).watched()
    frame_count: Computed[int] = Computed(cached=True)
    status: Computed[str] = Computed()
    version = IntParam(0)
    hero = Connection(Asset)
    tasks = Child(Tasks)
    sequence = Parent(2)
    bump_version = Child(BumpVersion)

    def child_value_changed(self, value: Value[Any]) -> None:
        if value.name() in ("frame_in", "frame_out"):
            self.frame_count.touch()

    def compute_child_value(self, value: Value[Any]) -> None:
        if value.name() == "frame_count":
            value.set(self.frame_out.get() - self.frame_in.get() + 1)
        elif value.name() == "status":
            statuses = [self.tasks[name].status.get() for name in self.tasks]
            value.set(min(statuses, key=_ORDER.index) if statuses else "todo")


class Shots(Map[Shot]):
    pass


class Sequence(Object):
    shots = Child(Shots)


class Sequences(Map[Sequence]):
    pass


class Film(Object):
    title = StringParam("")
    sequences = Child(Sequences)


class Films(Map[Film]):
    pass


class DemoProject(Object):
    """The root object of the demo production."""

    films = Child(Films)
    assets = Child(Assets)
    settings = DictParam()


_DEPARTMENTS = ("layout", "animation", "lighting", "compositing")


def create_demo(flow: Flow, name: str = "demo") -> DemoProject:
    """Create the demo project in one store batch (all of it, or nothing)."""
    with flow.batch():
        project = flow.create_project(name, DemoProject)
        project.settings.set({"fps": 24, "resolution": [2048, 858]})
        for asset, kind in (("bob", "character"), ("lamp", "prop"), ("attic", "set")):
            project.assets.add(asset).kind.set(kind)
        for f, title in enumerate(("The Attic", "Lamp Light"), start=1):
            film = project.films.add(f"f{f:02d}")
            film.title.set(title)
            for s in (10, 20):
                sequence = film.sequences.add(f"sq{s:03d}")
                for n in range(1, 4):
                    shot = sequence.shots.add(f"sh{n * 10:04d}")
                    shot.frame_out.set(1000 + 24 * (n + 2))
                    shot.hero.set(project.assets["bob" if n % 2 else "lamp"])
                    for d, department in enumerate(_DEPARTMENTS):
                        task = shot.tasks.add(department)
                        task.status.set(_ORDER[max(0, min(3, n + f - d - 1))])
    return project


@hookimpl
def graftflow_project_types() -> dict[str, type[Object]]:
    """The demo studio is a bundled plugin: its project type is offered as ``demo``."""
    return {"demo": DemoProject}
