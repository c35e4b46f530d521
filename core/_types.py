"""Object types by name: how a store remembers which class a project or item is.

A type is stored as ``module:QualName`` (the entry-point spelling) and imported back on
demand, so a flow reopened by another process, or by a newer version of a studio's
package, builds the same classes. Nothing is evaluated: the name is split and looked up
attribute by attribute.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["import_type", "remember_type"]

# Types this process stored or imported. It is also what lets a class defined inside a
# function (a script, a test) be reopened by the process that defined it.
_CACHE: dict[str, type[Any]] = {}


def remember_type(cls: type[Any]) -> str:
    """Return the ``module:QualName`` to store for ``cls``, and remember the class."""
    path = f"{cls.__module__}:{cls.__qualname__}"
    _CACHE[path] = cls
    return path


def import_type(path: str) -> type[Any]:
    """Import the class a :func:`remember_type` path names (cached per process).

    :raises ImportError: with the module or attribute that failed.
    """
    cls = _CACHE.get(path)
    if cls is not None:
        return cls
    module_name, sep, qualname = path.partition(":")
    if not sep or not module_name or not qualname:
        raise ImportError(f"{path!r} is not a type path (expected 'module:QualName')")
    if "<locals>" in qualname:
        raise ImportError(
            f"{qualname} was defined inside a function of the process that stored it, so no "
            "other process can import it; define the class at module level"
        )
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
