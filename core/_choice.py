"""Choice values: a value picked from a list, and the actions that pick it.

kabaret flows model statuses this way: a ``ChoiceValue`` subclass lists its choices
(``CHOICES``, or a ``choices()`` method computing them) and carries actions as its own
relations, one per status (``ChoiceValueSetAction``) or one dialog offering them all
(``ChoiceValueSelectAction``)::

    class SetDone(gf.ChoiceValueSetAction):
        VALUE_TO_SET = "DONE"

    class StatusValue(gf.ChoiceValue):
        CHOICES = ["WIP", "RVW", "DONE"]
        done = gf.Child(SetDone)

    class Shot(gf.Object):
        status = gf.Param("WIP", StatusValue)

    shot.status.done.run("Run")

Tools recognise a choice value by its type (or its ``choices()`` method) and offer the
choices as an editor would.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from ._action import Action
from ._errors import InvalidValueError, did_you_mean
from ._links import Parent
from ._params import ParamValue
from .stores._store import MISSING

__all__ = [
    "ChoiceValue",
    "ChoiceValueSelectAction",
    "ChoiceValueSetAction",
    "MultiChoiceValue",
]


class ChoiceValue(ParamValue[Any]):
    """A value that is one of :meth:`choices`.

    Use it as a param's value type: ``Param("WIP", StatusValue)``.
    """

    __slots__ = ()

    #: The choices, when they do not depend on the object (override :meth:`choices`
    #: when they do).
    CHOICES: ClassVar[Sequence[Any]] = ()
    #: ``True``: :meth:`set` refuses anything not in :meth:`choices`; ``False``: the
    #: choices are suggestions and any JSON value is accepted.
    STRICT_CHOICES: ClassVar[bool] = True
    #: What :meth:`get` gives while nothing is stored and the param's default is
    #: ``None`` (``Param(None, StatusValue)``), so a class can own its default choice.
    DEFAULT_CHOICE: ClassVar[Any] = None

    def choices(self) -> list[Any]:
        """The accepted values, in the order tools show them."""
        return list(type(self).CHOICES)

    def get(self) -> Any:
        value = self._store.get(self._key, MISSING)
        if value is MISSING:
            default = self._relation.default_value()
            return type(self).DEFAULT_CHOICE if default is None else default
        return value

    def set(self, value: Any) -> None:
        if self.STRICT_CHOICES:
            self._check_choices([value])
        super().set(value)

    def _check_choices(self, values: list[Any]) -> None:
        choices = self.choices()
        for value in values:
            if value not in choices:
                # As kabaret does: a tool showing the value refreshes to the unchanged one.
                self.touch()
                hint = did_you_mean(value, map(str, choices)) if isinstance(value, str) else ""
                raise InvalidValueError(
                    self._key,
                    f"{type(self).__name__} {self._key}: {value!r} is not one of "
                    f"{choices!r}{hint}; nothing was written",
                )


class MultiChoiceValue(ChoiceValue):
    """A list of values, each one of :meth:`choices`.

    A single value given to :meth:`set` is taken as a list of one, as in kabaret.
    """

    __slots__ = ()

    #: What :meth:`get` gives while nothing is stored and the param's default is None.
    DEFAULT_CHOICE: ClassVar[Any] = ()

    def get(self) -> list[Any]:
        value = super().get()
        return list(value) if isinstance(value, list | tuple) else [value]

    def set(self, value: Any) -> None:
        values = list(value) if isinstance(value, list | tuple) else [value]
        if self.STRICT_CHOICES:
            self._check_choices(values)
        ParamValue.set(self, values)

    def add(self, choice: Any) -> None:
        """Append ``choice`` to the selection."""
        self.set([*self.get(), choice])


class ChoiceValueSetAction(Action):
    """An action, declared on a choice value, that sets it to ``VALUE_TO_SET``."""

    #: The value :meth:`run` sets.
    VALUE_TO_SET: ClassVar[Any] = None

    _choice_value = Parent()

    def run(self, button: str) -> Any:
        self._choice_value.set(self.VALUE_TO_SET)  # type: ignore[union-attr]


class ChoiceValueSelectAction(Action):
    """An action, declared on a choice value, with one button per choice."""

    _choice_value = Parent()

    def needs_dialog(self) -> bool:
        return True

    def get_buttons(self) -> list[str]:
        return [str(choice) for choice in self._choice_value.choices()]  # type: ignore[union-attr]

    def run(self, button: str) -> Any:
        value: Any = self._choice_value
        # Buttons are text: set the choice the button shows (a number stays a number).
        picked = next((c for c in value.choices() if str(c) == button), button)
        value.set(picked)
