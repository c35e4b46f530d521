"""graftflow: a lazily built tree of production objects, extensible from outside.

This package is the core layer: objects and relations, maps, actions, the flow root,
sessions and value stores. It imports neither ``graftflow.extensions`` nor
``graftflow.plugins``; those plug in through the manager type hook
(``Object._MANAGER_TYPE``) and the session's per-layer state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._action import Action
from ._backrefs import refs
from ._computed import Computed
from ._errors import (
    CommitCallbackError,
    ConfigError,
    ConflictError,
    DanglingConnectionError,
    ExistsError,
    GraftflowError,
    InvalidNameError,
    InvalidOidError,
    InvalidValueError,
    MissingChildError,
    MissingRelationError,
    ObjectTypeError,
    RelationAssignmentError,
    RelationDefinitionError,
    RelationError,
    StoreError,
)
from ._flow import Flow, subscribe
from ._layout import Label, Separator, group
from ._links import Child, Connection, ConnectionValue, Parent, Relative
from ._manager import TreeManager
from ._map import DynamicMap, Map
from ._object import Object, relations
from ._params import (
    BoolParam,
    DictParam,
    FloatParam,
    IntParam,
    IntValue,
    Param,
    ParamValue,
    SessionParam,
    StringParam,
)
from ._relation import Relation
from ._resolve import get_object, project_of
from ._session import Diagnostic, Session
from ._values import Value
from .stores._memory import MemoryStore
from .stores._sqlite import SQLiteStore
from .stores._store import Store, open_store

if TYPE_CHECKING:
    from ._choice import (
        ChoiceValue,
        ChoiceValueSelectAction,
        ChoiceValueSetAction,
        MultiChoiceValue,
    )
    from ._config import Config
    from ._hash_values import HashParam, HashValue, OrderedStringSetParam, OrderedStringSetValue
    from ._session_object import SessionObject
    from .stores._redis import RedisStore

__all__ = [
    "Action",
    "BoolParam",
    "Child",
    "ChoiceValue",
    "ChoiceValueSelectAction",
    "ChoiceValueSetAction",
    "CommitCallbackError",
    "Computed",
    "Config",
    "ConfigError",
    "ConflictError",
    "Connection",
    "ConnectionValue",
    "DanglingConnectionError",
    "Diagnostic",
    "DictParam",
    "DynamicMap",
    "ExistsError",
    "FloatParam",
    "Flow",
    "GraftflowError",
    "HashParam",
    "HashValue",
    "IntParam",
    "IntValue",
    "InvalidNameError",
    "InvalidOidError",
    "InvalidValueError",
    "Label",
    "Map",
    "MemoryStore",
    "MissingChildError",
    "MissingRelationError",
    "MultiChoiceValue",
    "Object",
    "ObjectTypeError",
    "OrderedStringSetParam",
    "OrderedStringSetValue",
    "Param",
    "ParamValue",
    "Parent",
    "RedisStore",
    "Relation",
    "RelationAssignmentError",
    "RelationDefinitionError",
    "RelationError",
    "Relative",
    "SQLiteStore",
    "Separator",
    "Session",
    "SessionObject",
    "SessionParam",
    "Store",
    "StoreError",
    "StringParam",
    "TreeManager",
    "Value",
    "__version__",
    "get_object",
    "group",
    "open_store",
    "project_of",
    "refs",
    "relations",
    "subscribe",
]


#: Names whose modules are imported when first asked for, each for a reason:
#: Config is a pydantic model and RedisStore needs redis, libraries most programs never
#: use; the kabaret-parity value types and SessionObject are used by few flows, and a
#: command such as `graftflow get` would pay about 0.6 ms to import them (issue 15).
_LAZY: dict[str, str] = {
    "ChoiceValue": "_choice",
    "ChoiceValueSelectAction": "_choice",
    "ChoiceValueSetAction": "_choice",
    "MultiChoiceValue": "_choice",
    "Config": "_config",
    "HashParam": "_hash_values",
    "HashValue": "_hash_values",
    "OrderedStringSetParam": "_hash_values",
    "OrderedStringSetValue": "_hash_values",
    "RedisStore": "stores._redis",
    "SessionObject": "_session_object",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is not None:
        from importlib import import_module

        value = getattr(import_module(f"{__name__}.{module}"), name)
        globals()[name] = value  # later reads skip this function
        return value
    if name == "__version__":
        # The installed distribution's (pyproject's version, written once). Read when
        # asked: importlib.metadata scans sys.path, which `import graftflow` must not pay.
        from importlib.metadata import version

        value = version("graftflow")
        globals()["__version__"] = value
        return value
    raise AttributeError(f"module 'graftflow' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
