"""Action: an object that does something when run (publish, bump a version...).

An action is declared like any child (``publish = Child(Publish)``); its own params
are the dialog a user fills before running it. Tools ask ``get_buttons()`` what to
offer, ``needs_dialog()`` whether to show the params first, and call ``run(button)``.
"""

from __future__ import annotations

from typing import Any

from ._object import Object

__all__ = ["Action"]


class Action(Object):
    """Base class of actions: override :meth:`run` (and maybe the other two)."""

    def get_buttons(self) -> list[str]:
        """The buttons to offer, the default first."""
        return ["Run"]

    def needs_dialog(self) -> bool:
        """Whether tools should show this action's params before running it."""
        return False

    def run(self, button: str) -> Any:
        """Do the work for the chosen button; the result is shown by the tool."""
        raise NotImplementedError(
            f"{type(self).__qualname__} ({self.oid()}) must implement run(button)"
        )
