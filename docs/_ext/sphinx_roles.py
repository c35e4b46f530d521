"""A griffe extension for the docs build: Sphinx roles in docstrings read as code.

graftflow's docstrings use Sphinx field lists and roles (``:class:`Flow```), which
mkdocstrings' Sphinx parser understands for fields but leaves as ``:class:`` text in
prose. This rewrites each role to what Sphinx would show (``~`` keeps the last name,
functions and methods get ``()``), so the API pages read cleanly. It only touches the
text the docs render; the docstrings in the code stay as they are.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

ROLE = re.compile(r":(?:py:)?(class|func|meth|attr|exc|mod|data|obj):`(~?)([^`]+)`")


def _as_code(match: re.Match[str]) -> str:
    role, tilde, target = match.groups()
    text = target.rsplit(".", 1)[-1] if tilde else target
    if role in ("func", "meth") and not text.endswith(")"):
        text += "()"
    return f"`{text}`"


class SphinxRoles(griffe.Extension):
    """Rewrite Sphinx cross-reference roles in every docstring griffe loads."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = ROLE.sub(_as_code, obj.docstring.value)
