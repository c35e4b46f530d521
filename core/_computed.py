"""Computed: a value its owner computes on demand.

Reading a computed value asks the owner's ``compute_child_value(value)`` to call
``value.set(result)``. With ``cached=True`` the result is kept until ``touch()``
(typically called from ``child_value_changed`` when an input changes); with
``store_value=True`` it is also written to the store, so other processes and tools can
read the last result without the code that computes it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from ._errors import GraftflowError, InvalidValueError
from ._json import json_error
from ._relation import UNSET, Relation
from ._store import MISSING
from ._values import Value, Watchable

if TYPE_CHECKING:
    from ._object import Object

__all__ = ["Computed", "ComputedValue"]

T = TypeVar("T")


class ComputedValue(Value[T]):
    """The value of a :class:`Computed` relation on one object."""

    __slots__ = ("_cache", "_computing")

    kind: ClassVar[str] = "computed"

    def __init__(self, parent: Object, relation: Computed[T]) -> None:
        super().__init__(parent, relation)
        self._cache: Any = MISSING
        self._computing = False

    def get(self) -> T:
        relation: Computed[T] = self._relation
        if relation.is_cached and self._cache is not MISSING:
            return self._cache  # type: ignore[no-any-return]
        if self._computing:
            raise GraftflowError(
                f"{self._key}: compute_child_value() read the value it is computing (a cycle)"
            )
        self._computing = True
        self._cache = MISSING
        try:
            self._parent.compute_child_value(self)
        finally:
            self._computing = False
        result = self._cache
        if result is MISSING:
            raise GraftflowError(
                f"{self._key}: {type(self._parent).__name__}.compute_child_value() returned "
                f"without calling value.set(result) for {self.name()!r}"
            )
        if not relation.is_cached:
            self._cache = MISSING
        return result  # type: ignore[no-any-return]

    def set(self, value: T) -> None:
        relation: Computed[T] = self._relation
        if relation.stores_value:
            problem = json_error(value)
            if problem:
                raise InvalidValueError(
                    self._key, f"Computed {self._key}: {problem}; nothing was written"
                )
            self._store.set(self._key, value)
        self._cache = value
        if not self._computing:  # a result being computed is not news; an outside set is
            self._changed()

    def revert_to_default(self) -> None:
        """Forget the cached (and stored) result: the next read computes again."""
        self._cache = MISSING
        relation: Computed[T] = self._relation
        if relation.stores_value:
            self._store.delete(self._key)
        self._changed()

    def touch(self) -> None:
        """Invalidate the cached result and notify subscribers."""
        self._cache = MISSING
        self._notify()


class Computed(Watchable, Relation[ComputedValue[T]], Generic[T]):
    """A value computed by the owner's ``compute_child_value(value)``.

    ``.watched()`` makes the owner's ``child_value_changed(value)`` run when a result
    is set from outside or reverted, as for a param; a result being computed is not a
    change (a watcher reading the value would otherwise compute it forever).

    :param cached: keep the result until ``touch()``.
    :param store_value: also write each result to the store (it must be JSON).
    """

    __slots__ = ("_cached", "_store_value", "_watched")

    kind: ClassVar[str] = "computed"

    def __init__(
        self, cached: bool = False, store_value: bool = False, *, index: int | None = UNSET
    ) -> None:
        super().__init__(index=index)
        self._cached = cached
        self._store_value = store_value
        self._watched = False

    @property
    def is_cached(self) -> bool:
        return self._cached

    @property
    def stores_value(self) -> bool:
        return self._store_value

    def create(self, parent: Object) -> ComputedValue[T]:
        return ComputedValue(parent, self)
