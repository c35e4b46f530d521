"""graftflow.extensions: grafting relations onto the tree from outside the base classes.

An object accepts extensions when its manager is a :class:`DynamicTreeManager`
(inherit :class:`Extendable`). Its extra relations come from *factories*, which
*installers* hand out per session: installed entry points (``graftflow.installers``),
pluggy plugins (``graftflow.plugins``), the per-user config file and
``GRAFTFLOW_INSTALLERS``. :func:`describe` explains the result for any object.

This layer imports the core; the core never imports it.
"""

from __future__ import annotations

from ._describe import RelationRecord, describe
from ._entry_points import forget_entry_points
from ._factory import DynamicRelationFactory, PerTypeFactory, dynamic_relation, per_type
from ._hookspecs import hookimpl, hookspec
from ._manager import DynamicTreeManager, Extendable
from ._plugins import call_hook, plugin_manager, project_types, store_schemes
from ._registry import FactoryEntry, Registry, registry
from ._sources import Source

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
