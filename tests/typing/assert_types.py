"""Static type assertions, checked by mypy in the ``type`` tox env (never run).

A typed param's value handle must give its type, so users' own code type-checks.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

from typing_extensions import assert_type

import graftflow as gf
from graftflow.plugins import workflow as wf


class Asset(gf.Object):
    pass


class Assets(gf.Map[Asset]):
    pass


class Shot(gf.Object):
    frames = gf.IntParam(1)
    fps = gf.FloatParam()
    hero = gf.BoolParam()
    title = gf.StringParam()
    meta = gf.DictParam()
    tags = gf.Param(None, list[str])
    anything = gf.Param()
    cast = gf.Connection(Asset)
    assets = gf.Child(Assets)
    duration: gf.Computed[int] = gf.Computed()
    meta_hash = gf.HashParam()
    playlist = gf.OrderedStringSetParam()


def check(shot: Shot) -> None:
    assert_type(shot.frames, gf.IntValue)
    assert_type(shot.frames.incr(), int)
    assert_type(shot.frames.decr(2), int)
    assert_type(shot.meta_hash, gf.HashValue)
    assert_type(shot.meta_hash.get(), dict[str, Any])
    assert_type(shot.playlist.get(), list[str])
    assert_type(gf.refs(shot), list[gf.ConnectionValue[Any]])
    assert_type(shot.frames.get(), int)
    assert_type(shot.fps.get(), float)
    assert_type(shot.hero.get(), bool)
    assert_type(shot.title.get(), str)
    assert_type(shot.meta.get(), dict[str, Any])
    assert_type(shot.tags.get(), list[str])
    assert_type(shot.cast.get(), Asset | None)
    assert_type(shot.assets, Assets)
    assert_type(shot.assets["bob"], Asset)
    assert_type(shot.assets.add("x"), Asset)
    assert_type(shot.duration.get(), int)
    assert_type(Shot.frames, gf.IntParam)
    assert_type(gf.relations(shot), tuple[gf.Relation[Any], ...])
    shot.frames.set(3)
    shot.frames.set("3")  # type: ignore[arg-type]


def transactions(flow: gf.Flow, store: gf.Store) -> None:
    """transaction(fn) gives fn's result; without fn, a context manager."""
    assert_type(flow.transaction(lambda: 3), int)
    assert_type(store.transaction(lambda: "x", retries=2), str)
    assert_type(flow.transaction(), AbstractContextManager[None])
    with store.transaction():
        store.set("/k", 1)


class Studio(gf.Object):
    processes = gf.Child(wf.Processes)


def check_workflow(studio: Studio, flow: gf.Flow) -> None:
    """The workflow package's lazily loaded names are exported to type checkers."""
    process = studio.processes.start("p", wf.Definition("d", [wf.Start("s", next="e")]))
    assert_type(process, wf.Process)
    assert_type(process.state, wf.StateValue)
    assert_type(process.history.records(), list[dict[str, Any]])
    assert_type(process.active_tasks(), list[wf.Activation])
    task = process.active_tasks()[0]
    assert_type(task.process, wf.Process)
    assert_type(task.available_transitions("ann"), list[str])
    assert_type(wf.WorkQueue(flow).job("x"), wf.JobRecord)
    assert_type(wf.WorkQueue(flow).jobs(status="failed"), list[wf.JobRecord])
    assert_type(wf.to_mermaid(process), str)
    assert_type(wf.Task("t", next="e", actions=["m:f"]), wf.Task)
