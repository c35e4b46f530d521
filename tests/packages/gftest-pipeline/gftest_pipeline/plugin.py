"""The pipeline's plugin: it offers its project type by name."""

from __future__ import annotations

from graftflow.plugins import hookimpl

from . import Project


@hookimpl
def graftflow_project_types(session):  # type: ignore[no-untyped-def]
    return {"pipeline": Project}
