"""A studio's base classes: what extension packages graft onto."""

from __future__ import annotations

import graftflow as gf
from graftflow.extensions import Extendable


class Task(gf.Object):
    status = gf.StringParam("todo")


class Tasks(gf.Map[Task]):
    pass


class Shot(Extendable):
    status = gf.StringParam("wip")
    frame_in = gf.IntParam(1001)
    frame_out = gf.IntParam(1100)
    tasks = gf.Child(Tasks)


class Shots(gf.Map[Shot]):
    pass


class Film(gf.Object):
    title = gf.StringParam()
    shots = gf.Child(Shots)


class Films(gf.Map[Film]):
    pass


class Project(Extendable):
    """Everything below a Project accepts extensions (the manager type propagates)."""

    _PROPAGATE_MANAGER_TYPE = True

    films = gf.Child(Films)
    fps = gf.IntParam(24)
