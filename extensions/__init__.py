"""graftflow.extensions: grafting relations onto the tree from outside the base classes.

An object accepts extensions when its manager is a :class:`DynamicTreeManager`
(inherit :class:`Extendable`). Its extra relations come from *factories*, which
*installers* hand out per session: installed entry points (``graftflow.installers``),
pluggy plugins (``graftflow.plugins``), the per-user config file and
``GRAFTFLOW_INSTALLERS``. :func:`describe` explains the result for any object.

This layer imports the core; the core never imports it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._entry_points import forget_entry_points
from ._factory import DynamicRelationFactory, PerTypeFactory, dynamic_relation, per_type
from ._hookspecs import hookimpl, hookspec
from ._manager import DynamicTreeManager, Extendable
from ._plugins import call_hook, plugin_manager, project_types, store_schemes
from ._registry import FactoryEntry, Registry, registry
from ._sources import Source

if TYPE_CHECKING:
    from ._describe import RelationRecord, describe

__all__ = [
    "DynamicRelationFactory",
    "DynamicTreeManager",
    "Extendable",
    "FactoryEntry",
    "PerTypeFactory",
    "Registry",
    "RelationRecord",
    "Source",
    "call_hook",
    "describe",
    "dynamic_relation",
    "forget_entry_points",
    "hookimpl",
    "hookspec",
    "per_type",
    "plugin_manager",
    "project_types",
    "registry",
    "store_schemes",
]


def __getattr__(name: str) -> Any:
    # describe() explains relations to people and tools (graftflow ls, doctor); a session
    # resolving relations never calls it, so `graftflow get` does not import it.
    if name in ("RelationRecord", "describe"):
        from . import _describe

        return getattr(_describe, name)
    raise AttributeError(f"module 'graftflow.extensions' has no attribute {name!r}")
