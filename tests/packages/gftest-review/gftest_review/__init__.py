"""A studio extension package: every Shot gets a review status and a note.

``CALLS`` counts how often graftflow calls the installer and the factory, so tests can
prove installers run once per session and factories only for Shots.
"""

from __future__ import annotations

from collections import Counter

from gftest_pipeline import Shot

import graftflow as gf
from graftflow.extensions import dynamic_relation

CALLS: Counter[str] = Counter()


@dynamic_relation("review", target=Shot)
def review(parent: Shot) -> gf.StringParam:
    CALLS["review"] += 1
    return gf.StringParam("pending")


_NOTE = gf.StringParam("")
_NOTE.name = "review_note"


def review_note(parent: gf.Object) -> gf.Relation[str] | None:
    """A plain factory sharing one relation object across every call."""
    CALLS["review_note"] += 1
    return _NOTE if isinstance(parent, Shot) else None


def install(session: gf.Session) -> dict[str, list[object]]:
    CALLS["install"] += 1
    return {"review": [review, review_note]}
