"""Values kept as a store hash: a dict edited key by key, and an ordered string set.

A plain param stores its whole value at its key, so changing one entry of a dict
rewrites the dict, and two users changing two entries at once lose one change. These
two value types store one hash field per entry instead (the store's ``hash_*``
operations at the value's key), as kabaret's ``HashValue`` and
``OrderedStringSetValue`` use Redis hashes and sorted sets:

- :class:`HashValue` (``HashParam()``): ``set_key()``, ``get_key()``, ``update()``...
- :class:`OrderedStringSetValue` (``OrderedStringSetParam()``): strings ordered by a
  score, ``add(member, score)``, ``get()`` in score order.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, overload

from ._errors import InvalidValueError, MissingChildError
from ._json import json_error
from ._params import Param, ParamValue
from ._relation import UNSET
from .stores._store import MISSING

if TYPE_CHECKING:
    from ._object import Object

__all__ = ["HashParam", "HashValue", "OrderedStringSetParam", "OrderedStringSetValue"]

#: get_key()'s default when none is given (``None`` is a fine default to give).
_NO_DEFAULT: Any = object()


class HashValue(ParamValue[dict[str, Any]]):
    """A dict of JSON values under ``str`` keys, stored one key per hash field.

    Nothing stored reads as an empty dict.
    """

    __slots__ = ()

    VALUE_TYPE: ClassVar[Any] = dict[str, Any]

    def get(self) -> dict[str, Any]:
        return self._store.hash_items(self._key)

    def as_dict(self) -> dict[str, Any]:
        """The whole hash (the same as :meth:`get`; kabaret's name)."""
        return self._store.hash_items(self._key)

    def keys(self) -> list[str]:
        return list(self._store.hash_items(self._key))

    def len(self) -> int:
        return len(self._store.hash_items(self._key))

    def has_key(self, key: str) -> bool:
        return self._store.hash_get(self._key, key, MISSING) is not MISSING

    def get_key(self, key: str, default: Any = _NO_DEFAULT) -> Any:
        """The value under ``key``.

        :raises MissingChildError: (a ``LookupError``) no such key and no ``default``.
        """
        value = self._store.hash_get(self._key, key, MISSING)
        if value is not MISSING:
            return value
        if default is not _NO_DEFAULT:
            return default
        raise MissingChildError(
            self._key, str(key), f"{self._key} has no key {key!r} (keys: {self.keys()!r})"
        )

    def set_key(self, key: str, value: Any) -> None:
        self._store.hash_set(self._key, self._checked_key(key), self._checked(key, value))
        self._changed()

    def del_key(self, key: str) -> bool:
        """Remove ``key``; return whether it was there."""
        removed = self._store.hash_delete(self._key, key)
        self._changed()
        return removed

    def update(self, mapping: Mapping[str, Any] | None = None, /, **entries: Any) -> None:
        """Set several keys at once (kabaret's ``update(**entries)``, or a mapping)."""
        items = {**(mapping or {}), **entries}
        checked = {self._checked_key(k): self._checked(k, v) for k, v in items.items()}
        with self._store.batch():
            for key, value in checked.items():
                self._store.hash_set(self._key, key, value)
        self._changed()

    def set(self, value: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> None:
        """Replace the whole hash with a mapping (or kabaret's list of pairs)."""
        try:
            pairs = dict(value)
        except (TypeError, ValueError):
            raise InvalidValueError(
                self._key,
                f"HashValue {self._key}: a mapping (or a list of (key, value) pairs) is "
                f"expected, not {value!r}; nothing was written",
            ) from None
        checked = {self._checked_key(k): self._checked(k, v) for k, v in pairs.items()}
        store = self._store
        with store.batch():
            for key in store.hash_items(self._key):
                if key not in checked:
                    store.hash_delete(self._key, key)
            for key, item in checked.items():
                store.hash_set(self._key, key, item)
        self._changed()

    def revert_to_default(self) -> None:
        self.set(self._relation.default_value() or {})

    def _checked_key(self, key: Any) -> str:
        if type(key) is not str:
            raise InvalidValueError(
                self._key,
                f"HashValue {self._key}: keys are str, not {key!r} of type "
                f"{type(key).__name__}; nothing was written",
            )
        return key

    def _checked(self, key: str, value: Any) -> Any:
        problem = json_error(value)
        if problem:
            raise InvalidValueError(
                self._key, f"HashValue {self._key}[{key!r}]: {problem}; nothing was written"
            )
        return value


class HashParam(Param[dict[str, Any]]):
    """A :class:`HashValue`: a dict stored key by key.

    :param value_type: a :class:`HashValue` subclass (kabaret's signature).
    """

    __slots__ = ()

    _gf_value_class: ClassVar[type[ParamValue[Any]]] = HashValue

    if TYPE_CHECKING:  # its values are HashValues, for type checkers too

        @overload
        def __get__(self, obj: None, owner: type[Any] | None = None) -> HashParam: ...

        @overload
        def __get__(self, obj: Object, owner: type[Any] | None = None) -> HashValue: ...

        def __get__(self, obj: Object | None, owner: type[Any] | None = None) -> Any: ...

    def __init__(
        self, value_type: type[HashValue] | None = None, *, index: int | None = UNSET
    ) -> None:
        super().__init__(dict, value_type or HashValue, index=index)


class OrderedStringSetValue(ParamValue[list[str]]):
    """Strings ordered by a number, their score (ties by the string).

    It has no value to set as a whole: add and remove members. Nothing stored reads as
    an empty list.
    """

    __slots__ = ()

    VALUE_TYPE: ClassVar[Any] = list[str]

    def _scores(self) -> list[tuple[float, str]]:
        members = self._store.hash_items(self._key)
        return sorted((score, member) for member, score in members.items())

    def get(self) -> list[str]:
        """The members, by increasing score."""
        return [member for _, member in self._scores()]

    def get_range(self, first: int, last: int | None) -> list[str]:
        """Members ``first`` to ``last`` (excluded), in score order, like a slice."""
        return self.get()[first:last]

    def has(self, member: str) -> bool:
        return self._store.hash_get(self._key, member, MISSING) is not MISSING

    def len(self) -> int:
        return len(self._store.hash_items(self._key))

    def get_score(self, member: str) -> float | None:
        """The member's score, ``None`` if it is not a member."""
        score: float | None = self._store.hash_get(self._key, member)
        return score

    def add(self, member: str, score: float = 0) -> None:
        """Add ``member`` (or move it) at ``score``."""
        self._store.hash_set(self._key, self._member(member), self._score(member, score))
        self._changed()

    def set_score(self, member: str, score: float) -> None:
        self.add(member, score)

    def remove(self, member: str) -> bool:
        """Remove ``member``; return whether it was one."""
        removed = self._store.hash_delete(self._key, member)
        self._changed()
        return removed

    def set(self, value: Any) -> None:
        raise InvalidValueError(
            self._key,
            f"OrderedStringSetValue {self._key}: an ordered string set is not set as a "
            "whole; use add(member, score) and remove(member)",
        )

    def revert_to_default(self) -> None:
        store = self._store
        with store.batch():
            for member in store.hash_items(self._key):
                store.hash_delete(self._key, member)
        self._changed()

    def _member(self, member: Any) -> str:
        if type(member) is not str:
            raise InvalidValueError(
                self._key,
                f"OrderedStringSetValue {self._key}: members are str, not {member!r}; "
                "nothing was written",
            )
        return member

    def _score(self, member: str, score: Any) -> float:
        if type(score) not in (int, float) or not math.isfinite(score):
            raise InvalidValueError(
                self._key,
                f"OrderedStringSetValue {self._key}: the score of {member!r} must be a "
                f"finite number, not {score!r}; nothing was written",
            )
        return score  # type: ignore[no-any-return]


class OrderedStringSetParam(Param[list[str]]):
    """An :class:`OrderedStringSetValue`.

    :param value_type: an :class:`OrderedStringSetValue` subclass (kabaret's signature).
    """

    __slots__ = ()

    _gf_value_class: ClassVar[type[ParamValue[Any]]] = OrderedStringSetValue

    if TYPE_CHECKING:  # its values are OrderedStringSetValues, for type checkers too

        @overload
        def __get__(self, obj: None, owner: type[Any] | None = None) -> OrderedStringSetParam: ...

        @overload
        def __get__(self, obj: Object, owner: type[Any] | None = None) -> OrderedStringSetValue: ...

        def __get__(self, obj: Object | None, owner: type[Any] | None = None) -> Any: ...

    def __init__(
        self, value_type: type[OrderedStringSetValue] | None = None, *, index: int | None = UNSET
    ) -> None:
        super().__init__(list, value_type or OrderedStringSetValue, index=index)
