"""An object's place in the tree, kept in three slots every flow object has.

``_mng`` holds the object's manager. A map builds most items without one (issue 18's
W1_cold and W1_add: see ``graftflow._object._item_manager``): such an item keeps its
map's manager and its name in ``_gf_up`` and ``_gf_name`` instead, and its ``_mng``
slot stays empty until something asks (``Object.__getattr__`` then makes the manager;
that first ask pays for the empty slot's AttributeError, about 0.4 µs once per item).

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

__all__ = ["Place", "set_mng", "set_name", "set_up"]


class Place:
    """The base of :class:`~graftflow.Object` holding the three slots.

    ``_mng``: the object's manager (empty on an item built without one, until asked).
    ``_gf_up``: the map's manager for such an item, else ``None`` (every constructor
    sets it). ``_gf_name``: that item's name (unset otherwise).
    """

    __slots__ = ("_gf_name", "_gf_up", "_mng")

    _mng: TreeManager
    _gf_up: TreeManager | None
    _gf_name: str


#: ``obj._gf_up = value`` (and ``_gf_name``, ``_mng``) past ``Object.__setattr__``.
set_up: Any = Place.__dict__["_gf_up"].__set__
set_name: Any = Place.__dict__["_gf_name"].__set__
set_mng: Any = Place.__dict__["_mng"].__set__
