"""The error hierarchy.

Every error graftflow raises on purpose derives from :class:`GraftflowError` *and* from
the builtin exception users already catch (``LookupError``, ``ValueError``, ...), so
``except KeyError``-style habits keep working while ``except GraftflowError`` catches
everything of ours. Messages name the object (by oid), the file or the key at fault and,
where one exists, the fix.
"""

from __future__ import annotations

import reprlib
from collections.abc import Iterable

__all__ = [
    "ConflictError",
    "DanglingConnectionError",
    "ExistsError",
    "GraftflowError",
    "InvalidNameError",
    "InvalidOidError",
    "InvalidValueError",
    "MissingChildError",
    "MissingRelationError",
    "ObjectTypeError",
    "RelationAssignmentError",
    "RelationDefinitionError",
    "RelationError",
    "StoreError",
]


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """Return ``"; did you mean 'x'?"`` for the closest choices, or ``""``."""
    import difflib  # only when something is missing: not on every import of graftflow

    close = difflib.get_close_matches(name, list(choices), n=3, cutoff=0.6)
    if not close:
        return ""
    quoted = " or ".join(repr(c) for c in close)
    return f"; did you mean {quoted}?"


_SHORT = reprlib.Repr()
_SHORT.maxstring = _SHORT.maxother = 60


def short_repr(value: object) -> str:
    """``repr(value)`` cut to about 60 characters (containers to a few items): what a
    one-line message shows of a value someone passed."""
    return _SHORT.repr(value)


class GraftflowError(Exception):
    """Base class of every error graftflow raises on purpose."""


class _MissingError(GraftflowError, LookupError):
    """A step of a path leads nowhere.

    :ivar oid: the oid that failed to resolve (the parent's oid plus the missing name).
    :ivar name: the missing name.
    """

    def __init__(self, oid: str, name: str, message: str) -> None:
        super().__init__(message)
        self.oid = oid
        self.name = name


# AttributeError types `name` as `str | None`; ours is always a str.
class MissingRelationError(_MissingError, AttributeError):  # type: ignore[misc]
    """An object has no relation of that name.

    It is also an ``AttributeError`` so ``hasattr()`` and ``getattr(obj, name, default)``
    behave on flow objects as on any Python object.
    """


class MissingChildError(_MissingError):
    """A map (or the flow's project list) has no item of that name."""


class DanglingConnectionError(MissingChildError, ValueError):
    """A connection points at an object that no longer exists (removed, or renamed).

    A ``LookupError`` as graftflow's other missing-name errors are, and a
    ``ValueError`` as kabaret's ``RefSourceError`` is, so handlers written for either
    keep catching it.

    :ivar connection: the oid of the connection value.
    :ivar target: the oid it stores.
    """

    def __init__(self, oid: str, name: str, message: str, *, connection: str, target: str) -> None:
        super().__init__(oid, name, message)
        self.connection = connection
        self.target = target


class InvalidNameError(GraftflowError, ValueError):
    """A relation, item or project name that graftflow cannot accept.

    :ivar name: the rejected name.
    """

    def __init__(self, name: object, message: str) -> None:
        super().__init__(message)
        self.name = name


class InvalidOidError(GraftflowError, ValueError):
    """An oid string that cannot be parsed.

    :ivar oid: the rejected oid.
    """

    def __init__(self, oid: object, message: str) -> None:
        super().__init__(message)
        self.oid = oid


class InvalidValueError(GraftflowError, ValueError):
    """A value refused by a param (wrong type, not JSON). Nothing was written.

    :ivar oid: the oid of the value (or the store key) that refused it.
    """

    def __init__(self, oid: str, message: str) -> None:
        super().__init__(message)
        self.oid = oid


class ExistsError(GraftflowError, ValueError):
    """A map item or project with that name already exists. Nothing was written.

    :ivar oid: the oid of the map (or store key) that already holds the names.
    :ivar names: the names that already exist.
    """

    def __init__(self, oid: str, message: str, names: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.oid = oid
        self.names = names


class RelationDefinitionError(GraftflowError, TypeError):
    """A class declares its relations wrongly (reserved name, shared relation, bad type).

    Raised while the class statement runs, so the mistake surfaces at import time,
    not on first access in production.
    """


class RelationError(GraftflowError, RuntimeError):
    """Building a related object failed with an ``AttributeError``.

    Python would hide such an error behind ``__getattr__`` ("no relation 'x'" for a
    relation that exists), so it is re-raised as this, with the original as its cause.
    """


class RelationAssignmentError(GraftflowError, AttributeError):
    """Assigning over a relation: related objects are managed, never plain attributes."""


class ObjectTypeError(GraftflowError, ImportError):
    """A stored object type (project or map item) cannot be imported or is not usable.

    :ivar oid: the object whose stored type failed.
    :ivar type_path: the stored ``module:QualName``.
    """

    def __init__(self, oid: str, type_path: str, message: str) -> None:
        super().__init__(message)
        self.oid = oid
        self.type_path = type_path


class StoreError(GraftflowError, OSError):
    """A store cannot be opened, read or written (missing or corrupt file, bad URL)."""


class ConflictError(GraftflowError, RuntimeError):
    """A transaction kept reading values that other writers changed before it could
    commit; it gave up after its retries. Nothing it wrote was committed.

    Only stores that check a transaction's reads at commit time (Redis) raise it; stores
    that lock (memory, SQLite) make other writers wait instead.

    :ivar oids: the oids (or store keys) whose values kept changing.
    """

    def __init__(self, oids: tuple[str, ...], message: str) -> None:
        super().__init__(message)
        self.oids = oids


class CommitCallbackError(GraftflowError, RuntimeError):
    """A callback given to ``on_commit`` raised after its batch committed.

    Not a :class:`StoreError`: the store did its job and the writes are committed; the
    failure is the callback's own (chained as ``__cause__``). The other callbacks of the
    same commit ran anyway.
    """


class ConfigError(GraftflowError, ValueError):
    """The per-user configuration is unreadable or invalid.

    :ivar path: the config file (``None`` for settings given in code).
    :ivar key: the offending key (dotted, with list positions: ``installers[1]``), or
        ``None`` when the file as a whole is broken.
    """

    def __init__(self, path: str | None, key: str | None, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.key = key
