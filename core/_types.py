"""Object types by name: how a store remembers which class a project or item is.

A type is stored as ``module:QualName`` (the entry-point spelling) and imported back on
demand, so a flow reopened by another process, or by a newer version of a studio's
package, builds the same classes. Nothing is evaluated: the name is split and looked up
attribute by attribute.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["import_type", "type_path"]

_CACHE: dict[str, type[Any]] = {}


def type_path(cls: type[Any]) -> str:
    """Return ``module:QualName`` for a class another process can import.

    :raises TypeError: for a class defined inside a function (``<locals>``), which no
        other process could ever import; define it at module level.
    """
    qualname = cls.__qualname__
    if "<locals>" in qualname:
        raise TypeError(
            f"{qualname} is defined inside a function, so a flow could never reopen it; "
            "define the class at module level"
        )
    return f"{cls.__module__}:{qualname}"


def import_type(path: str) -> type[Any]:
    """Import the class a :func:`type_path` names (cached per process).

    :raises ImportError: with the module or attribute that failed.
    """
    cls = _CACHE.get(path)
    if cls is not None:
        return cls
    module_name, sep, qualname = path.partition(":")
    if not sep or not module_name or not qualname:
        raise ImportError(f"{path!r} is not a type path (expected 'module:QualName')")
    module = importlib.import_module(module_name)
    target: Any = module
    for part in qualname.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            raise ImportError(f"module {module_name!r} has no {qualname!r}") from None
    if not isinstance(target, type):
        raise ImportError(f"{path!r} is not a class but {type(target).__name__}")
    _CACHE[path] = target
    return target
