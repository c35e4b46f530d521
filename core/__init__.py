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
from ._choice import ChoiceValue, ChoiceValueSelectAction, ChoiceValueSetAction, MultiChoiceValue
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
from ._hash_values import HashParam, HashValue, OrderedStringSetParam, OrderedStringSetValue
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
from ._session_object import SessionObject
from ._values import Value
from .stores._memory import MemoryStore
from .stores._sqlite import SQLiteStore
from .stores._store import Store, open_store

if TYPE_CHECKING:
    from ._config import Config
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


def __getattr__(name: str) -> Any:
    # Config is a pydantic model and RedisStore needs redis: importing them eagerly
    # would make `import graftflow` pay for libraries most programs never use.
    if name == "Config":
        from ._config import Config

        return Config
    if name == "RedisStore":  # needs the optional redis package
        from .stores._redis import RedisStore

        return RedisStore
    if name == "__version__":
        # The installed distribution's (pyproject's version, written once). Read when
        # asked: importlib.metadata scans sys.path, which `import graftflow` must not pay.
        from importlib.metadata import version

        value = version("graftflow")
        globals()["__version__"] = value
        return value
    raise AttributeError(f"module 'graftflow' has no attribute {name!r}")
