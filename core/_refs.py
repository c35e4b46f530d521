"""References: naming a class or function as ``module:qualname`` and importing it back.

Stores remember a project's or map item's class this way, the workflow plugin its
functions and jobs, and installers and plugins are named so in entry points, the config
file and ``GRAFTFLOW_INSTALLERS``. One importer serves them all, so a reference that
does not import reads the same wherever it was written. Nothing is evaluated: the
reference is split and looked up attribute by attribute.
"""

from __future__ import annotations

import importlib
import re
from typing import Any, Final

from ._errors import did_you_mean

__all__ = ["import_ref", "import_type", "installer_ref", "ref_of"]

# What this process named with ref_of(): what lets a class or function defined inside
# a function (a script, a test) be found again by the process that defined it. Only
# what was named is kept; an import is asked of Python each time (its module cache
# makes that cheap), so a re-imported module's new objects are the ones found. Reads
# and writes are single dict operations: safe from any thread.
_CACHE: dict[str, Any] = {}

#: ``module:attr`` where both sides are dotted identifiers (the entry-point syntax);
#: compiled when first used (installer references only: not on every command's path).
_REF: Final = r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*(\.[A-Za-z_]\w*)*"


def ref_of(obj: Any) -> str:
    """Return the ``module:qualname`` reference of a class or function, and remember it.

    Remembering lets this process import the reference back even when no other process
    could (an object defined in ``__main__`` or inside a function).
    """
    ref = f"{obj.__module__}:{obj.__qualname__}"
    _CACHE[ref] = obj
    return ref


def import_ref(ref: str, *, module: bool = False) -> Any:
    """Import what a ``module:qualname`` reference names; what :func:`ref_of` named in
    this process is found without importing.

    :param module: also accept a bare ``module`` (as entry points do), meaning the module.
    :raises ImportError: what failed, for the caller to put after the reference: a
        malformed reference, a module that does not import (whatever it raised,
        chained as the cause), a missing attribute (with a close name), or something
        defined inside a function of another process.
    """
    found = _CACHE.get(ref)
    if found is not None:
        return found
    module_name, sep, qualname = ref.partition(":")
    if not module_name or not (qualname or (module and not sep)):
        raise ImportError("expected a 'module:qualname' reference")
    if "<locals>" in qualname or "<lambda>" in qualname:
        raise ImportError(
            f"{qualname} was defined inside a function of the process that stored it, so "
            "no other process can import it; define it at module level"
        )
    try:
        target: Any = importlib.import_module(module_name)
    except Exception as exc:
        raise ImportError(
            f"cannot import module {module_name!r}: {type(exc).__name__}: {exc}"
        ) from exc
    where = module_name
    for part in qualname.split(".") if qualname else ():
        try:
            target = getattr(target, part)
        except AttributeError:
            public = [name for name in dir(target) if not name.startswith("_")]
            raise ImportError(
                f"{where!r} has no attribute {part!r}{did_you_mean(part, public)}"
            ) from None
        where = f"{where}.{part}"
    return target


def import_type(ref: str) -> type[Any]:
    """:func:`import_ref` for a class (a stored project or map item type).

    :raises ImportError: as :func:`import_ref`, or the reference names no class.
    """
    target = import_ref(ref)
    if not isinstance(target, type):
        raise ImportError(f"{ref!r} is a {type(target).__name__}, not a class")
    return target


def installer_ref(ref: str) -> str | None:
    """``ref`` as ``module:attr`` without layout whitespace, or ``None`` if malformed.

    Whitespace around the reference and around ``:`` or ``.`` is layout; inside a name
    it is a mistake (``studio tools:install`` must not become ``studiotools:install``).
    Shared by the config file's ``installers`` and ``GRAFTFLOW_INSTALLERS``.
    """
    cleaned = re.sub(r"\s*([:.])\s*", r"\1", ref.strip())
    return cleaned if re.fullmatch(_REF, cleaned) else None
