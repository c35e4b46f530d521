"""Label, Separator and group: what a class body says about its layout.

kabaret's ``flow.Label``, ``flow.Separator`` and ``flow.group()``. They are used where
classes are declared, so ``import graftflow`` brings them; the UI protocol that reads
them (:mod:`graftflow.ui`, its records and defaults) is imported by the front ends
that show objects, not by every program that declares some.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, ClassVar, Final

from ._object import Object
from ._relation import Relation

__all__ = ["Label", "Separator", "group"]


class Label(Relation[str]):
    """Text shown between relations (kabaret's ``flow.Label``): a heading, a note.

    The text may use a few HTML tags (``h1``-``h6``, ``b``, ``i``, ``em``, ``strong``,
    ``p``, ``br``, ``hr``, ``code``); front ends show any other markup as text. Reading
    the relation on an object gives the text.

    :param text: what to show.
    :param label: the label beside it (none by default).
    """

    __slots__ = ("text",)

    kind: ClassVar[str] = "label"

    def __init__(self, text: str, label: str = "", **hints: Any) -> None:
        super().__init__()
        if not isinstance(text, str):
            raise TypeError(f"Label(text) takes a str, not {text!r}")
        self.text = text
        self.ui(editor="label", label=label, text=text, **hints)

    def create(self, parent: Object) -> str:
        return self.text


class Separator(Label):
    """A line between relations (kabaret's ``flow.Separator``)."""

    __slots__ = ()

    kind: ClassVar[str] = "separator"

    def __init__(self) -> None:
        super().__init__("")
        self.ui(editor="separator")


@contextmanager
def group(name: str) -> Iterator[None]:
    """Put every relation declared inside the ``with`` block in the group ``name``.

    kabaret's ``flow.group()``; use it in a class body::

        class Shot(gf.Object):
            with gf.group("Frames"):
                frame_in = gf.IntParam(1001)
                frame_out = gf.IntParam(1100)

    Nested groups join their names with a dot (``"Frames.Handles"``). A relation that
    already has a ``group`` hint keeps it. The same as ``.ui(group=name)`` on each.
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"group(name) takes a non-empty str, not {name!r}")
    # The class body being executed is the caller's frame: its namespace is a plain dict
    # (class bodies are not optimised), so what the block adds to it can be seen.
    namespace = sys._getframe(2).f_locals
    if "__module__" not in namespace or "__qualname__" not in namespace:
        raise TypeError("group() is used in a class body: `with gf.group(name):` there")
    before = {key: id(value) for key, value in namespace.items()}
    outer = namespace.get(_GROUP_KEY)
    full = f"{outer}.{name}" if outer else name
    namespace[_GROUP_KEY] = full
    try:
        yield
    finally:
        if outer is None:
            del namespace[_GROUP_KEY]
        else:
            namespace[_GROUP_KEY] = outer
        for key, value in list(namespace.items()):
            new = isinstance(value, Relation) and before.get(key) != id(value)
            if new and "group" not in value.ui_hints:
                value.ui(group=full)


#: Where a class body being grouped remembers the enclosing group (nested groups).
_GROUP_KEY: Final = "__graftflow_group__"
