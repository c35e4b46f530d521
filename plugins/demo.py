"""The demo studio: an animated-film production, for ``graftflow demo`` and the docs.

It is a bundled plugin, registered through the same ``graftflow.plugins`` entry point
any studio package would use. It shows every relation kind on believable data, at a
size where laziness matters (1,200 shots, 4,800 tasks):

- typed params, a cached computed value kept fresh by watched params (frame counts);
- a status rolled up from tasks to shot, sequence and film;
- a connection (asset casting) and parent links;
- actions (publish a task, bump a shot's version);
- and one override: the lead of "Lamp Light" wants longer handles on that film only,
  so the plugin grafts a ``handles`` param over the base one, with a weight.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
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
    Param,
    Parent,
    Session,
    StringParam,
    Value,
    group,
)
from graftflow.extensions import Extendable, dynamic_relation, hookimpl

__all__ = [
    "DEPARTMENTS",
    "Asset",
    "DemoProject",
    "Film",
    "Sequence",
    "Shot",
    "Task",
    "create_demo",
    "graftflow_install_extensions",
    "graftflow_project_types",
    "lamp_light_handles",
    "shot_processes",
]

Status = Literal["todo", "wip", "review", "done"]
_ORDER: tuple[Status, ...] = ("todo", "wip", "review", "done")

#: The departments every shot goes through, in pipeline order.
DEPARTMENTS = ("layout", "animation", "lighting", "compositing")


def _least_advanced(statuses: list[str]) -> str:
    """A roll-up: a group is only as far along as its least advanced member."""
    return min(statuses, key=_ORDER.index) if statuses else "todo"


class Publish(Action):
    """Send the task's work to review as a new version."""

    comment = StringParam("")

    def run(self, button: str) -> int:
        task: Task = self._mng.parent  # type: ignore[assignment]
        comment = self.comment.get()

        def publish() -> int:
            # The version and the status change together, isolated: in a transaction
            # the counter's new value is exactly the one this publish committed, also
            # on Redis (where a batch's incr is exact in the store, not in what it returns).
            version = task.version.incr()
            task.status.set("review")
            task.last_comment.set(comment)
            return version

        return self.root().transaction(publish)


class Task(Extendable):
    """One department's work on a shot."""

    ICON = "task"

    status = Param("todo", Status)
    assignee = StringParam("")
    version = IntParam(0)
    last_comment = StringParam("")
    shot = Parent(2)
    publish = Child(Publish)


class Tasks(Map[Task]):
    def columns(self) -> list[str]:
        return ["Name", "Status", "Assignee", "Version"]

    def _fill_row_cells(self, row: dict[str, Any], item: Task) -> None:
        row.update(
            Name=item.name(),
            Status=item.status.get(),
            Assignee=item.assignee.get(),
            Version=item.version.get(),
        )


class Asset(Extendable):
    """Something cast in shots: a character, a prop, a set."""

    ICON = "asset"

    kind = Param("character", Literal["character", "prop", "set"])


class Assets(Map[Asset]):
    def columns(self) -> list[str]:
        return ["Name", "Kind"]

    def _fill_row_cells(self, row: dict[str, Any], item: Asset) -> None:
        row.update(Name=item.name(), Kind=item.kind.get())


class BumpVersion(Action):
    """Publish a new version of the shot's work."""

    comment = StringParam("")

    def run(self, button: str) -> int:
        shot: Shot = self._mng.parent  # type: ignore[assignment]
        # One atomic counter, not a read then a write: parallel runs never lose a bump.
        return shot.version.incr()


class Shot(Extendable):
    """A shot: a frame range, a cast hero, four tasks and a rolled-up status."""

    ICON = "shot"

    with group("Frames"):
        frame_in = IntParam(1001).watched()
        frame_out = IntParam(1100).watched()
        frame_count: Computed[int] = Computed(cached=True)
        handles = IntParam(8)
    status: Computed[str] = Computed().ui(tooltip="The least advanced of the shot's tasks")
    version = IntParam(0)
    hero = Connection(Asset)
    tasks = Child(Tasks)
    sequence = Parent(2)
    film = Parent(4)
    bump_version = Child(BumpVersion)

    def child_value_changed(self, value: Value[Any]) -> None:
        if value.name() in ("frame_in", "frame_out"):
            self.frame_count.touch()

    def compute_child_value(self, value: Value[Any]) -> None:
        if value.name() == "frame_count":
            value.set(self.frame_out.get() - self.frame_in.get() + 1)
        elif value.name() == "status":
            value.set(_least_advanced([task.status.get() for task in self.tasks.mapped_items()]))


class Shots(Map[Shot]):
    def columns(self) -> list[str]:
        return ["Name", "Status", "Frames", "Hero", "Version"]

    def _fill_row_cells(self, row: dict[str, Any], item: Shot) -> None:
        hero = item.hero.oid_value()
        row.update(
            Name=item.name(),
            Status=item.status.get(),
            Frames=item.frame_count.get(),
            Hero=hero.rpartition("/")[2] if hero else "",
            Version=item.version.get(),
        )


class Sequence(Extendable):
    """A run of shots; its status rolls up from theirs."""

    ICON = "sequence"

    status: Computed[str] = Computed()
    shots = Child(Shots)

    def compute_child_value(self, value: Value[Any]) -> None:
        if value.name() == "status":
            value.set(_least_advanced([shot.status.get() for shot in self.shots.mapped_items()]))


class Sequences(Map[Sequence]):
    def columns(self) -> list[str]:
        return ["Name", "Shots"]

    def _fill_row_cells(self, row: dict[str, Any], item: Sequence) -> None:
        row.update(Name=item.name(), Shots=len(item.shots))


class Film(Extendable):
    """One film of the production; its status rolls up from its sequences."""

    ICON = "film"

    title = StringParam("")
    status: Computed[str] = Computed()
    sequences = Child(Sequences)

    def compute_child_value(self, value: Value[Any]) -> None:
        if value.name() == "status":
            value.set(_least_advanced([seq.status.get() for seq in self.sequences.mapped_items()]))


class Films(Map[Film]):
    def columns(self) -> list[str]:
        return ["Name", "Title", "Sequences"]

    def _fill_row_cells(self, row: dict[str, Any], item: Film) -> None:
        row.update(Name=item.name(), Title=item.title.get(), Sequences=len(item.sequences))


class DemoProject(Extendable):
    """The root object of the demo production."""

    ICON = "project"

    films = Child(Films)
    assets = Child(Assets)
    settings = DictParam()


_FILMS = (("f01", "The Attic"), ("f02", "Lamp Light"))
_ASSETS = (("bob", "character"), ("mouse", "character"), ("lamp", "prop"), ("attic", "set"))


def create_demo(
    flow: Flow,
    name: str = "demo",
    *,
    sequences: int = 10,
    shots: int = 60,
    progress: Callable[[int], None] | None = None,
) -> DemoProject:
    """Create the demo project in one store batch: all of it, or nothing.

    :param sequences: sequences per film.
    :param shots: shots per sequence (the default gives 1,200 shots).
    :param progress: called with the number of shots created after each sequence, so a
        command line can show a progress bar.
    """
    done = 0
    with flow.batch():
        project = flow.create_project(name, DemoProject)
        project.settings.set({"fps": 24, "resolution": [2048, 858]})
        for asset, kind in _ASSETS:
            project.assets.add(asset).kind.set(kind)
        heroes = [project.assets[asset] for asset, _ in _ASSETS[:3]]
        for f, (film_name, title) in enumerate(_FILMS):
            film = project.films.add(film_name)
            film.title.set(title)
            for s in range(1, sequences + 1):
                sequence = film.sequences.add(f"sq{s * 10:03d}")
                names = [f"sh{n * 10:04d}" for n in range(1, shots + 1)]
                sequence.shots.add_many(names)
                for n, shot in enumerate(sequence.shots.mapped_items(), start=1):
                    shot.frame_out.set(1000 + 24 * (2 + n % 5))
                    shot.hero.set(heroes[n % 3])
                    shot.tasks.add_many(DEPARTMENTS)
                    # How far the shot has come (0 to 12): later sequences lag behind.
                    stage = 14 - 2 * s - 5 * f + n % 3
                    for d, task in enumerate(shot.tasks.mapped_items()):
                        status = _ORDER[max(0, min(3, stage - 3 * d))]
                        if status != "todo":
                            task.status.set(status)
                done += shots
                if progress is not None:
                    progress(done)
    return project


@dynamic_relation("handles", target=Shot, weight=5)
def lamp_light_handles(shot: Shot) -> IntParam | None:
    """The lead of "Lamp Light" wants 12 frames of handles on that film only.

    A weight above 0 overrides the base ``handles`` param; returning ``None`` leaves the
    other films on the base relation.
    """
    film: Film = shot.film  # type: ignore[assignment]  # Parent(4) of a shot is its film
    if film.title.get() == "Lamp Light":
        return IntParam(12)
    return None


@dynamic_relation("processes", target=Shot)
def shot_processes(shot: Shot) -> Child[Any]:
    """Each shot's workflow processes (start the bundled ``shot_pipeline`` in them).

    Only the map is imported here, when a shot is first built, not when this plugin
    loads; the workflow engine comes with the first process read or started: every
    session loads this plugin, and few of them open a process.
    """
    from graftflow.plugins.workflow import Processes

    return Child(Processes)


@hookimpl
def graftflow_install_extensions(session: Session) -> Mapping[str, list[Any]]:
    """The demo's override and its shots' processes, handed out like any studio's
    extensions."""
    return {"lamp_light_handles": [lamp_light_handles], "shot_processes": [shot_processes]}


@hookimpl
def graftflow_project_types() -> dict[str, type[DemoProject]]:
    """The demo studio is a bundled plugin: its project type is offered as ``demo``."""
    return {"demo": DemoProject}
