"""An object's place in the tree, kept in slots every flow object has.

``_mng`` holds the object's manager. A map builds most items without one (issue 18's
W1_cold and W1_add: see ``graftflow._object._item_manager``): such an item keeps its
map's manager and its name in ``_gf_up`` and ``_gf_name`` instead, and its ``_mng``
slot stays empty until something asks (``Object.__getattr__`` then makes the manager;
that first ask pays for the empty slot's AttributeError, about 0.4 µs once per item).

A map item of a class whose manager type can serve it without being made (a *lean*
item: see ``TreeManager._gf_lean``) is built the same way, and keeps in ``_gf_dyn``
what that manager type serves it from (graftflow.extensions: the class's shared table
of per-type factories, issue 18's W2t, or its direct plan and then the table the item's
factories gave it, W2_cold); its manager, if ever made, takes it over.

They are slots, not instance attributes, because a flow object's class guards
attribute assignment (``Object.__setattr__`` refuses relation names), so every
attribute graftflow sets goes past it through ``object.__setattr__``: a wrapper call
that copies its arguments into tuples, about 95 ns each on Python 3.11. A slot's own
setter, bound once here, costs half of that, and every object built sets two.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._manager import TreeManager

__all__ = ["Place", "set_dyn", "set_mng", "set_name", "set_up"]


class Place:
    """The base of :class:`~graftflow.Object` holding the slots.

    ``_mng``: the object's manager (empty on an item built without one, until asked).
    ``_gf_up``: the map's manager for such an item, else ``None`` (every constructor
    sets it). ``_gf_name``: that item's name (unset otherwise). ``_gf_dyn``: what a lean
    item's manager type serves it from (unset on any other object).
    """

    __slots__ = ("_gf_dyn", "_gf_name", "_gf_up", "_mng")

    _mng: TreeManager
    _gf_up: TreeManager | None
    _gf_name: str
    _gf_dyn: Any


#: ``obj._gf_up = value`` (and ``_gf_name``, ``_mng``) past ``Object.__setattr__``.
set_up: Any = Place.__dict__["_gf_up"].__set__
set_name: Any = Place.__dict__["_gf_name"].__set__
set_mng: Any = Place.__dict__["_mng"].__set__
set_dyn: Any = Place.__dict__["_gf_dyn"].__set__
