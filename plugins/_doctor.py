"""``graftflow doctor``: load every installer, run every factory, report what is wrong.

Installers and factories fail quietly at run time on purpose (a broken extension must
not stop an artist's session); the price is that nobody sees the failure until a
diagnostic is read. The doctor pays that price up front, for a pipeline developer about
to ship: it builds the session's registry (importing every installer), then walks a
sample of real objects of every known project type (the demo studio and whatever the
plugins offer), asking each for its relations, which runs each applicable factory and
builds what it returns. Any diagnostic is a problem.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from graftflow import DynamicMap, Flow, Map, MemoryStore, Object, Session, Value
from graftflow.extensions import describe, project_types, registry

__all__ = ["DoctorReport", "examine"]

#: How many items of one map the walk looks at to find every item type it holds.
ITEMS_PER_MAP = 50
#: The name of the item added to an empty map of a sample project.
SAMPLE_ITEM = "doctor_sample"


@dataclass
class DoctorReport:
    """What the doctor found: the facts for the report, and the verdict."""

    sources: list[dict[str, Any]] = field(default_factory=list)
    extensions: dict[str, int] = field(default_factory=dict)
    factories: int = 0
    types: dict[str, int] = field(default_factory=dict)
    problems: list[dict[str, Any]] = field(default_factory=list)
    unchecked: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        """Plain data, for ``--json``."""
        return {
            "ok": self.ok,
            "sources": self.sources,
            "extensions": self.extensions,
            "factories": self.factories,
            "checked_types": self.types,
            "unchecked_factories": self.unchecked,
            "problems": self.problems,
        }


def examine(session: Session, progress: Callable[[str], None] | None = None) -> DoctorReport:
    """Load every installer of ``session`` and run its factories on sample trees.

    The sample trees live in a memory store: the doctor never writes to a studio's
    store. ``progress`` is called with each project type as its walk starts.
    """
    from .demo import DemoProject, create_demo

    reg = registry(session)
    report = DoctorReport(
        sources=[source.to_dict() for source in reg.sources],
        extensions={name: len(entries) for name, entries in reg.extensions.items()},
        factories=len(reg.factories),
    )
    flow = Flow(session=session, store=MemoryStore())
    types = dict(project_types(session))
    types.setdefault("demo", DemoProject)  # the demo tree is always a sample
    samples: list[Object] = []
    for type_name, project_type in types.items():
        if progress is not None:
            progress(type_name)
        try:
            if project_type is DemoProject:
                samples.append(create_demo(flow, f"doctor_{type_name}", sequences=2, shots=3))
            else:
                samples.append(flow.create_project(f"doctor_{type_name}", project_type))
        except Exception as exc:
            session.report(
                f"cannot create a {type_name!r} project to check: {exc}",
                source=f"project type {type_name}",
                error=exc,
            )
    seen: set[type[Object]] = set()
    for sample in samples:
        for obj in _walk(sample):
            cls = type(obj)
            seen.add(cls)
            report.types[cls.__qualname__] = report.types.get(cls.__qualname__, 0) + 1
            for record in describe(obj):
                _touch(obj, record.name)
    report.unchecked = sorted(
        {
            entry.qualname
            for entry in reg.factories
            if entry.target is not None and not any(issubclass(cls, entry.target) for cls in seen)
        }
    )
    report.problems = [diagnostic.to_dict() for diagnostic in session.diagnostics]
    return report


def _walk(root: Object) -> Iterator[Object]:
    """Every object under ``root``, but only the first few items of a map (enough to
    meet each item type it holds), never through parent or relative links.

    A project type from a plugin starts empty, so an empty map gets one item of its
    declared type: its factories need real objects to run on.
    """
    stack = [root]
    while stack:
        obj = stack.pop()
        yield obj
        if isinstance(obj, DynamicMap):
            if len(obj) == 0 and isinstance(obj, Map):
                try:
                    obj.add(SAMPLE_ITEM)
                except Exception as exc:
                    obj.root().session().report(
                        f"cannot add a sample item to check: {exc}", oid=obj.oid(), error=exc
                    )
            item_types: set[type[Object]] = set()
            for name in obj.mapped_names(0, ITEMS_PER_MAP):
                item = obj[name]
                if type(item) not in item_types:
                    item_types.add(type(item))
                    stack.append(item)
        for record in describe(obj):
            if record.kind in ("child", "map", "action"):
                try:
                    child = getattr(obj, record.name)
                except Exception:
                    continue  # _touch reports it
                if isinstance(child, Object):
                    stack.append(child)


def _touch(obj: Object, name: str) -> None:
    """Build one relation of ``obj`` (and read it, if it is a value), reporting a
    failure as the diagnostic a session would have recorded."""
    try:
        related = getattr(obj, name)
        if isinstance(related, Value) and related.kind in ("param", "session_param"):
            related.get()
    except Exception as exc:
        obj.root().session().report(
            f"relation {name!r} cannot be built: {exc}",
            oid=obj.oid(),
            error=exc,
            key=("doctor", type(obj).__qualname__, name, type(exc).__name__),
        )
