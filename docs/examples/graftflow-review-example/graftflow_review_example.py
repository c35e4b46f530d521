"""A supervisor's review on every shot of the demo studio.

graftflow imports this module through the entry point the first time a session needs
a shot's relations, never when graftflow itself is imported.
"""

from __future__ import annotations

from typing import Literal

import graftflow as gf
from graftflow.extensions import dynamic_relation
from graftflow.plugins.demo import Shot

ReviewStatus = Literal["pending", "approved", "retake"]


class Approve(gf.Action):
    """The supervisor's one click: the shot is good to go."""

    review = gf.Parent()

    def run(self, button: str) -> str:
        self.review.status.set("approved")
        return "approved"


class Review(gf.Object):
    """The verdict on a shot's latest version, and what to change if it is a retake."""

    status = gf.Param("pending", ReviewStatus)
    notes = gf.StringParam("")
    approve = gf.Child(Approve)


@dynamic_relation("review", target=Shot, index=None)  # index None: after the base relations
def review(parent: Shot) -> gf.Child[Review]:
    return gf.Child(Review)


def install(session: gf.Session) -> dict[str, list[object]]:
    """The installer: one extension, ``review``, with one factory."""
    return {"review": [review]}
