"""One show's tweaks, shipped as a pluggy plugin.

In projects named ``show_a`` a Shot's ``status`` is overridden with weight 5 (its
choices differ); everywhere, a negative-weight candidate offers another ``status``,
which must never replace the base relation.
"""

from __future__ import annotations

from gftest_pipeline import Project, Shot

import graftflow as gf
from graftflow.extensions import dynamic_relation

SHOW = "show_a"


@dynamic_relation("status", target=Shot, weight=5)
def show_status(parent: Shot) -> gf.StringParam | None:
    if gf.project_of(parent).name() != SHOW:
        return None
    return gf.StringParam("show-wip")


@dynamic_relation("status", target=Shot, weight=-1)
def fallback_status(parent: Shot) -> gf.StringParam:
    return gf.StringParam("fallback")


@dynamic_relation("show_code", target=Project)
def show_code(parent: Project) -> gf.StringParam | None:
    # The seed could not do this: the project asking for its own project.
    project = gf.project_of(parent)
    return gf.StringParam(project.name().upper()) if project is parent else None
