"""Action: an object that does something when run (publish, bump a version...).

An action is declared like any child (``publish = Child(Publish)``); its own params
are the dialog a user fills before running it. Tools ask ``get_buttons()`` what to
offer, ``needs_dialog()`` whether to show the params first, call ``run(button)`` and
read what it returned with :func:`graftflow.ui.result` (kabaret's result protocol,
:meth:`Action.get_result`). A param named ``message`` is shown at the top of the
dialog, as kabaret's actions' ``message``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from ._object import Object

__all__ = ["Action"]

#: The relation kinds a user fills in or reads in a dialog.
_DIALOG_KINDS = frozenset({"param", "session_param", "computed", "connection", "label"})


class Action(Object):
    """Base class of actions: override :meth:`run` (and maybe the others)."""

    #: Whether the action shows in the rows of its parent in a table (kabaret's flag;
    #: :meth:`allow_context` may decide instead).
    SHOW_IN_PARENT_INLINE: ClassVar[bool] = True
    #: Whether the action shows on its parent's page.
    SHOW_IN_PARENT_DETAILS: ClassVar[bool] = True

    def get_buttons(self) -> list[str]:
        """The buttons to offer, the default first."""
        return ["Run"]

    def needs_dialog(self) -> bool:
        """Whether tools show a dialog (params, message, buttons) before running it.

        kabaret always answered ``True``. graftflow answers ``True`` when the dialog
        would show something: a visible param to fill or read (a ``message`` included)
        or a label. An action with nothing to fill runs at the press of a button, which
        tools show in place. Override it to decide otherwise.
        """
        for relation in self._mng.relations():
            if relation.kind in _DIALOG_KINDS and not _hidden(relation.name, relation.ui_hints):
                return True
        return False

    def allow_context(self, context: str) -> bool | None:
        """Whether to show the action in ``context`` (``"details"``: its parent's page,
        ``"inline"``: its parent's row in a table); ``None`` leaves it to
        :attr:`SHOW_IN_PARENT_DETAILS` / :attr:`SHOW_IN_PARENT_INLINE`."""
        return None

    def run(self, button: str) -> Any:
        """Do the work for the chosen button.

        Return ``None``, a value for the tool to show, or :meth:`get_result` to say what
        the tool does next (keep the dialog open, go to an object, open another action).
        """
        raise NotImplementedError(
            f"{type(self).__qualname__} ({self.oid()}) must implement run(button)"
        )

    @classmethod
    def get_result(
        cls,
        close: bool | None = None,
        refresh: bool | None = None,
        goto: str | None = None,
        goto_target: str | None = None,
        goto_target_type: str | None = None,
        next_action: str | None = None,
    ) -> dict[str, Any]:
        """What ``run()`` returns to steer the tool (kabaret's result protocol).

        :param close: ``False`` keeps the dialog open (to show a new ``message``).
        :param refresh: reload the page the action was run from.
        :param goto: an oid to show next.
        :param goto_target: the view to show it in (kabaret's; a browser uses the same).
        :param goto_target_type: the kind of view (kabaret's).
        :param next_action: the oid of an action whose dialog follows (a wizard).
        """
        given = {
            "close": close,
            "refresh": refresh,
            "goto": goto,
            "goto_target": goto_target,
            "goto_target_type": goto_target_type,
            "next_action": next_action,
        }
        result: dict[str, Any] = {key: value for key, value in given.items() if value is not None}
        for flag in ("close", "refresh"):
            if flag in result:
                result[flag] = bool(result[flag])
        return result


def _hidden(name: str, hints: Any) -> bool:
    return bool(hints.get("hidden", name.startswith("_")))
