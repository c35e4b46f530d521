"""Factories: what they may return, and ``@dynamic_relation`` for the common case.

A factory is ``factory(parent)`` returning ``None``, a relation, ``(relation, weight)``
or a list of those (the seed's forms). ``@dynamic_relation`` names the relation and
declares the target type up front, so the registry can index factories by type and
never call one for an object it cannot apply to. :func:`per_type` (or
``@dynamic_relation(..., per_type=True)``) declares that a factory's answer depends on
the parent's type only, so it is asked once per class instead of once per object.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any, Generic, TypeAlias, TypeVar

from graftflow import InvalidNameError, Object, Relation
from graftflow.extending import UNSET, check_relation_name, short_repr

__all__ = [
    "DynamicRelationFactory",
    "PerTypeFactory",
    "dynamic_relation",
    "is_weight",
    "per_type",
    "qualname",
    "read_result",
]

ObjT = TypeVar("ObjT", bound=Object)

#: What a factory may return.
FactoryResult: TypeAlias = Any
Weight: TypeAlias = "int | float"


def qualname(factory: Any) -> str:
    """How diagnostics and ``describe()`` name a factory: ``module:qualname``.

    The spelling of entry points and references, so the module reads apart from the
    name; a factory made inside a function (``make.<locals>.factory``) is shown as
    ``make.factory``: the ``<locals>`` steps say nothing a reader needs and made one
    name span five lines of a table.
    """
    module = getattr(factory, "__module__", None)
    name = getattr(factory, "__qualname__", None) or type(factory).__qualname__
    name = name.replace("<locals>.", "")
    return f"{module}:{name}" if module else name


class DynamicRelationFactory(Generic[ObjT]):
    """A factory made by :func:`dynamic_relation`; call it like the function it wraps."""

    def __init__(
        self,
        function: Callable[[ObjT], Relation[Any] | None],
        name: str,
        target: tuple[type[Object], ...] | None,
        weight: Weight,
        index: Any,
        recursive: bool,
        per_type: bool = False,
    ) -> None:
        functools.update_wrapper(self, function)
        self.function = function
        self.name = name
        self.target = target
        self.weight = weight
        self.index = index
        self.recursive = recursive
        self.per_type = per_type

    def __call__(self, parent: ObjT) -> FactoryResult:
        result: Any = self.function(parent)
        if result is None:
            return None
        weight: Any = self.weight
        if isinstance(result, tuple) and len(result) == 2:
            result, weight = result
        if not isinstance(result, Relation):
            return result, weight  # the manager reports the bad return
        if not result.name:
            # Values read their store key from the relation's name: it must carry it.
            # A copy: the function may hand the same relation to other callers.
            result = result.renamed(self.name)
        elif result.name != self.name:
            raise InvalidNameError(
                result.name,
                f"@dynamic_relation({self.name!r}) returned a relation named "
                f"{result.name!r}; return an unnamed relation",
            )
        return result, weight

    def __repr__(self) -> str:
        targets = ", ".join(t.__qualname__ for t in self.target) if self.target else "any"
        per = ", per type" if self.per_type else ""
        return f"<dynamic_relation {self.name!r} of {qualname(self.function)} for {targets}{per}>"


class PerTypeFactory:
    """A plain factory marked with :func:`per_type`; call it like the function it wraps."""

    def __init__(self, function: Callable[[Object], FactoryResult]) -> None:
        functools.update_wrapper(self, function)
        self.function = function

    def __call__(self, parent: Object) -> FactoryResult:
        return self.function(parent)

    def __repr__(self) -> str:
        return f"<per_type factory {qualname(self.function)}>"


def per_type(factory: Callable[[ObjT], FactoryResult]) -> Callable[[ObjT], FactoryResult]:
    """Declare that ``factory(parent)`` answers the same for every parent of one type.

    graftflow then asks it once per class and session (with the first object of that
    class it extends) and gives its answer to every other object of the class, whose
    relations it then shares, as a class shares its declared relations: with thirty
    factories, most of which answer ``None`` for a class, objects of that class no
    longer pay for them (issue 18). Use it only for a factory that reads nothing of its
    parent but the parent's type; one that reads the parent's name or values must stay
    a per-object factory.

    Works on a plain factory (kabaret's ``factory(parent)``) and on a
    ``@dynamic_relation`` one (the same as ``@dynamic_relation(..., per_type=True)``).
    """
    if isinstance(factory, DynamicRelationFactory):
        return DynamicRelationFactory(
            factory.function,
            factory.name,
            factory.target,
            factory.weight,
            factory.index,
            factory.recursive,
            per_type=True,
        )
    if isinstance(factory, PerTypeFactory):
        return factory
    if not callable(factory):
        raise TypeError(f"per_type() takes a factory(parent), not {factory!r}")
    return PerTypeFactory(factory)  # type: ignore[arg-type]


def dynamic_relation(
    name: str,
    *,
    target: type[Object] | tuple[type[Object], ...] | None = None,
    weight: Weight = 0,
    index: int | None = UNSET,
    recursive: bool = False,
    per_type: bool = False,
) -> Callable[[Callable[[ObjT], Relation[Any] | None]], DynamicRelationFactory[ObjT]]:
    """Turn ``function(parent) -> relation or None`` into a factory for ``target`` objects.

    The function returns an unnamed relation (or ``None`` to add nothing to this
    parent); the decorator names it. Listing the result in an installer is all that is
    left to do.

    :param name: the relation's name (an identifier, not a keyword, not ``_private``).
    :param target: the object type(s) it applies to, subclasses included; objects of
        other types never call it. ``None``: every extendable object.
    :param weight: the override priority (highest wins; a negative weight never
        overrides a base relation).
    :param index: display position: 0 first (the default for dynamic relations),
        ``None`` last, an int places it. Unset: the relation's own index, else 0.
    :param recursive: also apply inside the subtree of objects this factory created
        (off by default, so a broadly matching factory cannot grow an endless branch).
    :param per_type: the function reads nothing of its parent but the parent's type:
        ask it once per class and share its relation between the objects of the class
        (see :func:`per_type`).
    :raises InvalidNameError: ``name`` cannot name a relation.
    :raises TypeError: ``target``, ``weight`` or ``index`` has the wrong type.
    """
    name = check_relation_name(name, "@dynamic_relation")
    targets: tuple[type[Object], ...] | None
    if target is None:
        targets = None
    else:
        targets = target if isinstance(target, tuple) else (target,)
        for each in targets:
            if not (isinstance(each, type) and issubclass(each, Object)):
                raise TypeError(
                    f"@dynamic_relation({name!r}): target must be an Object subclass (or a "
                    f"tuple of them), not {each!r}"
                )
    if not is_weight(weight):
        raise TypeError(f"@dynamic_relation({name!r}): weight must be a number, not {weight!r}")
    if index is not UNSET and index is not None and (type(index) is not int or index < 0):
        raise TypeError(f"@dynamic_relation({name!r}): index is an int >= 0 or None, not {index!r}")

    def decorate(function: Callable[[ObjT], Relation[Any] | None]) -> DynamicRelationFactory[ObjT]:
        if not callable(function):
            raise TypeError(f"@dynamic_relation({name!r}) decorates a function, not {function!r}")
        return DynamicRelationFactory(
            function, name, targets, weight, index, recursive, per_type=bool(per_type)
        )

    return decorate


def is_weight(value: object) -> bool:
    """Whether ``value`` can be an override weight: a finite int or float, not a bool."""
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and not (isinstance(value, float) and not math.isfinite(value))
    )


def read_result(
    result: FactoryResult, weight: Weight = 0
) -> tuple[list[tuple[Relation[Any], Weight]], list[str]]:
    """Split a factory's return value into ``(relation, weight)`` candidates and problems.

    Problems are sentences naming what was wrong, for diagnostics; the good candidates
    of a partly bad list are kept.

    :param weight: the weight of a relation returned without one.
    """
    default = weight
    if result is None:
        return [], []
    if isinstance(result, Relation):
        return [(result, default)], []
    items: list[Any]
    if isinstance(result, tuple) and len(result) == 2 and isinstance(result[0], Relation):
        items = [result]
    elif isinstance(result, (list, tuple)):
        items = list(result)
    else:
        return [], [f"returned {_describe(result)}; {_FORMS}"]
    candidates: list[tuple[Relation[Any], Weight]] = []
    problems: list[str] = []
    for item in items:
        if item is None:
            continue
        if isinstance(item, Relation):
            candidates.append((item, default))
        elif isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], Relation):
            relation, weight = item
            if is_weight(weight):
                candidates.append((relation, weight))
            else:
                problems.append(
                    f"returned the weight {weight!r} for {relation!r}; a weight is a finite number"
                )
        else:
            problems.append(f"returned {_describe(item)} in its list; {_FORMS}")
    return candidates, problems


_FORMS = "a factory returns None, a relation, (relation, weight), or a list of those"


def _describe(value: object) -> str:
    return f"{type(value).__name__} {short_repr(value)}"
