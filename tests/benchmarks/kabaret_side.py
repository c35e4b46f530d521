"""The kabaret side of the side-by-side benchmarks (kabaret 2.4.1, flow_extensions 1.1.0).

The same tree as :mod:`workloads`: a project with a Map ``shots`` of Shot objects, each
with five params and one child, in kabaret's own in-memory value store
(``MemoryValueStore``, what a kabaret ``Root`` is given when there is no Redis).

What kabaret needs to run outside its Qt application, and nothing more:

* a root whose ``session()`` offers ``log_error``, ``log_warning``, ``log_info`` and
  ``session_uid`` (flow_extensions' ``DynamicTreeManager`` logs through it);
* installers named in ``KABARET_FLOW_EXT_INSTALLERS`` (``module:attr;...``), read from
  ``os.environ`` by every extendable object as it is built: :func:`installers_env` sets
  the variable for the measured part only.

kabaret's ``DynamicTreeManager`` runs every installer, and every factory, when each
extendable object is created, so factories that do not apply to a Shot must say so
themselves (they return ``None``): kabaret has no per-type index of factories.

kabaret cannot override a base ``Param`` with a dynamic relation (``Param.__set__``
raises while the object is built); for W3 the base ``status`` is a ``Child`` here, the
closest base relation kabaret can override.

Two kabaret sides are measured. *Stock* kabaret is what studios run: its
``Map.has_mapped_name`` is ``name in self.mapped_names()``, a sorted copy of every name
per item read, so its cost grows with the map. *kabaret at its best* is the same code
with the one fix a studio would make first: a map subclass whose ``has_mapped_name``
asks kabaret's own ordered set (``self._mapped_names.has(name)``, a dict lookup in its
value store). Each tree exists on both sides: ``plain`` / ``best_plain`` and so on. The
ratios graftflow is judged on are against kabaret at its best.

Importing this module needs kabaret: callers check :data:`AVAILABLE` first.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

try:
    from kabaret import flow
    from kabaret.flow_extensions.flow import DynamicTreeObject
except ImportError as exc:  # pragma: no cover - the runner reports it
    AVAILABLE = False
    MISSING_REASON = f"kabaret is not importable ({exc})"
else:
    AVAILABLE = True
    MISSING_REASON = ""

VERSION = "2.4.1"
ENV_VAR = "KABARET_FLOW_EXT_INSTALLERS"


class BenchSession:
    """What kabaret's flow and flow_extensions call on ``root.session()``."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.warnings: list[str] = []

    def session_uid(self) -> str:
        return "graftflow-bench"

    def log_error(self, message: str) -> None:
        self.errors.append(message)

    def log_warning(self, message: str) -> None:
        self.warnings.append(message)

    def log_info(self, message: str) -> None:
        pass


def names(n: int) -> list[str]:
    return [f"sh{i:07d}" for i in range(n)]


# -- counters for W5 (how often kabaret calls installers and factories) -----------------

CALLS = {"installers": 0, "factories": 0, "applied": 0}
#: W5 counts in a pass of its own (see workloads.COUNTING).
COUNTING = {"on": False}


def reset_calls() -> None:
    for key in CALLS:
        CALLS[key] = 0


if AVAILABLE:

    class Shot(flow.Object):
        status = flow.StringParam("wip")
        frame_in = flow.IntParam(1001)
        frame_out = flow.IntParam(1100)
        assignee = flow.StringParam("")
        notes = flow.Param()
        tasks = flow.Child(flow.Object)

    class Shots(flow.Map):
        @classmethod
        def mapped_type(cls) -> type[Any]:
            return Shot

    class Project(flow.Object):
        shots = flow.Child(Shots)

    def _has_mapped_name(self: Any, name: str) -> bool:
        # kabaret at its best: a constant-time lookup through kabaret's own ordered set,
        # where stock kabaret lists and sorts every name (DynamicMap.has_mapped_name).
        return self._mapped_names.has(name)  # type: ignore[no-any-return]

    class BestShots(Shots):
        has_mapped_name = _has_mapped_name

    class BestProject(flow.Object):
        shots = flow.Child(BestShots)

    class ExtShot(DynamicTreeObject):
        """The same relations, on kabaret's extendable base."""

        status = flow.StringParam("wip")
        frame_in = flow.IntParam(1001)
        frame_out = flow.IntParam(1100)
        assignee = flow.StringParam("")
        notes = flow.Param()
        tasks = flow.Child(flow.Object)

    class ExtShots(flow.Map):
        @classmethod
        def mapped_type(cls) -> type[Any]:
            return ExtShot

    class ExtProject(flow.Object):
        shots = flow.Child(ExtShots)

    class BestExtShots(ExtShots):
        has_mapped_name = _has_mapped_name

    class BestExtProject(flow.Object):
        shots = flow.Child(BestExtShots)

    class StatusObject(flow.Object):
        """W3: what the base ``status`` relates to (kabaret overrides a Child only)."""

    class OverShot(DynamicTreeObject):
        status = flow.Child(StatusObject)
        frame_in = flow.IntParam(1001)
        frame_out = flow.IntParam(1100)
        assignee = flow.StringParam("")
        notes = flow.Param()
        tasks = flow.Child(flow.Object)

    class OverShots(flow.Map):
        @classmethod
        def mapped_type(cls) -> type[Any]:
            return OverShot

    class OverProject(flow.Object):
        shots = flow.Child(OverShots)

    class BestOverShots(OverShots):
        has_mapped_name = _has_mapped_name

    class BestOverProject(flow.Object):
        shots = flow.Child(BestOverShots)

    #: The root's project relations: stock trees, then kabaret at its best.
    PROJECTS = {
        "plain": Project,
        "ext": ExtProject,
        "over": OverProject,
        "best_plain": BestProject,
        "best_ext": BestExtProject,
        "best_over": BestOverProject,
    }

    class BenchRoot(flow.Root):
        """A kabaret root holding one project of each tree the workloads use."""

        plain = flow.Child(Project)
        ext = flow.Child(ExtProject)
        over = flow.Child(OverProject)
        best_plain = flow.Child(BestProject)
        best_ext = flow.Child(BestExtProject)
        best_over = flow.Child(BestOverProject)

        def __init__(self, value_store: Any, session: BenchSession) -> None:
            super().__init__(value_store)
            self._bench_session = session

        def __new__(cls, value_store: Any, session: BenchSession) -> BenchRoot:
            return super().__new__(cls, value_store)  # type: ignore[no-any-return]

        def session(self) -> BenchSession:
            return self._bench_session

    # -- factories and installers (W2, W3, W5) ---------------------------------------------

    def _other(number: int, counted: bool) -> Callable[[Any], Any]:
        # Each targets another type: kabaret asks it anyway, for every object.
        if counted:

            def factory(parent: Any) -> Any:
                CALLS["factories"] += 1
                return None

        else:

            def factory(parent: Any) -> Any:
                return None

        factory.__name__ = f"other_{number}"
        return factory

    def review(parent: Any) -> Any:
        if not isinstance(parent, ExtShot):
            return None
        relation = flow.StringParam("pending")
        relation.name = "review"
        return relation, 10

    def counted_review(parent: Any) -> Any:
        CALLS["factories"] += 1
        if not isinstance(parent, ExtShot):
            return None
        CALLS["applied"] += 1
        relation = flow.StringParam("pending")
        relation.name = "review"
        return relation, 10

    _OTHERS = [_other(number, counted=False) for number in range(29)]
    _COUNTED_OTHERS = [_other(number, counted=True) for number in range(29)]

    def _factories() -> tuple[list[Any], Any]:
        if COUNTING["on"]:
            return _COUNTED_OTHERS, counted_review
        return _OTHERS, review

    def install_1(session: Any) -> dict[str, list[Any]]:
        CALLS["installers"] += 1
        return {"first": list(_factories()[0][:10])}

    def install_2(session: Any) -> dict[str, list[Any]]:
        CALLS["installers"] += 1
        return {"second": list(_factories()[0][10:20])}

    def install_3(session: Any) -> dict[str, list[Any]]:
        CALLS["installers"] += 1
        others, last = _factories()
        return {"third": [*others[20:], last]}

    def override_status(parent: Any) -> Any:
        if not isinstance(parent, OverShot):
            return None
        relation = flow.StringParam("approved")
        relation.name = "status"
        return relation, 5

    def negative_status(parent: Any) -> Any:
        if not isinstance(parent, OverShot):
            return None
        relation = flow.StringParam("negative")
        relation.name = "status"
        return relation, -1

    def install_override(session: Any) -> dict[str, list[Any]]:
        return {"override": [override_status, negative_status]}


EXTENDED = "kabaret_side:install_1;kabaret_side:install_2;kabaret_side:install_3"
OVERRIDE = "kabaret_side:install_override"


@contextmanager
def installers_env(value: str | None) -> Iterator[None]:
    """Set (or clear) ``KABARET_FLOW_EXT_INSTALLERS`` for a block, then restore it."""
    before = os.environ.get(ENV_VAR)
    if value is None:
        os.environ.pop(ENV_VAR, None)
    else:
        os.environ[ENV_VAR] = value
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(ENV_VAR, None)
        else:
            os.environ[ENV_VAR] = before


def new_root(store: Any = None) -> tuple[Any, BenchSession]:
    session = BenchSession()
    return BenchRoot(store if store is not None else flow.MemoryValueStore(), session), session


def populated(tree: str, n: int, installers: str | None = None) -> Any:
    """A value store holding the ``tree`` project with n shots (kabaret's ``add``)."""
    root, _ = new_root()
    with installers_env(installers):
        shots = getattr(root, tree).shots
        for name in names(n):
            shots.add(name)
    return root._mng.value_store
