"""Computed: a value its owner computes on demand.

Reading a computed value asks the owner's ``compute_child_value(value)`` to call
``value.set(result)``. With ``cached=True`` the result is kept until ``touch()``
(typically called from ``child_value_changed`` when an input changes); with
``store_value=True`` it is also written to the store, so other processes and tools can
read the last result without the code that computes it.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from ._errors import GraftflowError, InvalidValueError
from ._json import json_error
from ._relation import UNSET, Relation
from ._values import Value, Watchable
from .stores._store import MISSING

if TYPE_CHECKING:
    from ._object import Object

__all__ = ["Computed", "ComputedValue"]

T = TypeVar("T")


class ComputedValue(Value[T]):
    """The value of a :class:`Computed` relation on one object.

    Several threads may read it at once: each computation is tracked by the call that
    runs it (a context variable), so one thread's computation is neither a cycle nor a
    result for another, and a result computed from inputs that changed meanwhile
    (a ``touch()`` during the computation) is returned but not kept.
    """

    __slots__ = ("_cache", "_version")

    kind: ClassVar[str] = "computed"

    def __init__(self, parent: Object, relation: Computed[T]) -> None:
        super().__init__(parent, relation)
        self._cache: Any = MISSING
        #: Moved on by every touch() and outside set(): a computation that started
        #: before one does not cache its (stale) result.
        self._version = 0

    def get(self) -> T:
        relation: Computed[T] = self._relation
        if relation.is_cached:
            cached = self._cache
            if cached is not MISSING:
                return cached  # type: ignore[no-any-return]
        running = _RUNNING.get()
        if any(value is self for value, _ in running):
            raise GraftflowError(
                f"{self._key}: compute_child_value() read the value it is computing (a cycle)"
            )
        result: list[Any] = [MISSING]
        version = self._version
        token = _RUNNING.set((*running, (self, result)))
        try:
            self._parent.compute_child_value(self)
        finally:
            _RUNNING.reset(token)
        if result[0] is MISSING:
            raise GraftflowError(
                f"{self._key}: {type(self._parent).__name__}.compute_child_value() returned "
                f"without calling value.set(result) for {self.name()!r}"
            )
        if relation.is_cached and self._version == version:
            self._cache = result[0]
        return result[0]  # type: ignore[no-any-return]

    def set(self, value: T) -> None:
        relation: Computed[T] = self._relation
        if relation.stores_value:
            problem = json_error(value)
            if problem:
                raise InvalidValueError(
                    self._key, f"Computed {self._key}: {problem}; nothing was written"
                )
            self._store.set(self._key, value)
        for computing, result in _RUNNING.get():
            if computing is self:  # the result this call is computing: not news
                result[0] = value
                return
        self._version += 1
        self._cache = value
        self._changed()

    def revert_to_default(self) -> None:
        """Forget the cached (and stored) result: the next read computes again."""
        self._version += 1
        self._cache = MISSING
        relation: Computed[T] = self._relation
        if relation.stores_value:
            self._store.delete(self._key)
        self._changed()

    def touch(self) -> None:
        """Invalidate the cached result and notify subscribers."""
        self._version += 1
        self._cache = MISSING
        self._notify()


#: The computations running in this thread (or task), innermost last: each value with
#: the one-item list its ``set()`` fills.
_RUNNING: ContextVar[tuple[tuple[ComputedValue[Any], list[Any]], ...]] = ContextVar(
    "graftflow_computing", default=()
)


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
