"""Back-references: which connections point at an object, found without a scan.

A connection stores its target's oid at its own key, so finding who points at an
object would mean reading every connection of the flow. Two small indexes, kept with
the store protocol's hashes in the same batch as the connection's own write, answer it
instead:

- ``!refs:T``, a hash in the target's store: one field per connection value (its oid)
  that points at ``T``. :func:`refs` reads it.
- a hash at the oid of each stored map item above a connection, in that item's map's
  store: ``connection oid -> target oid``. When ``Map.remove()`` (or ``clear()``) drops
  an item, :func:`forget_item` reads it to take the item's connections out of their
  targets' ``!refs:`` before the subtree is deleted, and out of the items above.

Removing a *target* keeps its ``!refs:`` entries: the connections still hold its oid
(they raise :class:`~graftflow.DanglingConnectionError` when read), and an object
added again at that oid is what they point at again. :func:`refs` also checks each
entry against the connection it names, so an entry a crash or another layout left
behind is never reported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._errors import GraftflowError

if TYPE_CHECKING:
    from ._flow import Flow
    from ._links import ConnectionValue
    from ._map import DynamicMap
    from ._object import Object
    from .stores._store import Store

__all__ = ["forget_item", "refs", "relink"]

#: The prefix of a target's index key: internal keys start with "!", never an oid.
_REFS = "!refs:"


def refs(obj: Object) -> list[ConnectionValue[Any]]:
    """The connection values that point at ``obj``, by oid.

    Reads one index in the store, then builds each connection value it names (and
    checks that it still points here); nothing else of the flow is read.
    """
    from ._links import ConnectionValue
    from ._resolve import get_object

    mng = obj._mng
    oid = mng.oid
    found: list[ConnectionValue[Any]] = []
    for source in sorted(mng.store.hash_items(_REFS + oid)):
        try:
            value = get_object(mng.root, source)
        except GraftflowError:  # its object or relation is gone: not a reference now
            continue
        if isinstance(value, ConnectionValue) and value.oid_value() == oid:
            found.append(value)
    return found


def relink(value: ConnectionValue[Any], old: str | None, target: Object | None) -> None:
    """Index ``value``'s change from the target oid ``old`` to ``target``.

    Called by ``ConnectionValue.set()`` inside the batch that writes the connection, so
    with one store (the common case) the connection and its indexes change together.
    """
    key = value._key
    new = None if target is None else target._mng.oid
    root = value._parent._mng.root
    if old is not None and old != new:
        _store_of(root, old, value._store).hash_delete(_REFS + old, key)
    if target is not None:
        target._mng.store.hash_set(_REFS + new, key, None)  # type: ignore[operator]
    for item in _items_above(value._parent):
        store = item._mng.parent._mng.store  # type: ignore[union-attr]
        if new is None:
            store.hash_delete(item._mng.oid, key)
        else:
            store.hash_set(item._mng.oid, key, new)


def forget_item(owner: DynamicMap[Any], name: str) -> None:
    """Take the connections under the item ``name`` of ``owner`` out of every index.

    Called by ``Map.remove()`` and ``Map.clear()`` inside their batch, before the
    item's subtree is deleted (which deletes this item's own hash with it).
    """
    mng = owner._mng
    links = mng.store.hash_items(mng.prefix + name)
    if not links:
        return
    above = [(item._mng.parent._mng.store, item._mng.oid) for item in _items_above(owner)]  # type: ignore[union-attr]
    for source, target in links.items():
        _store_of(mng.root, target, mng.store).hash_delete(_REFS + target, source)
        for store, item_oid in above:
            store.hash_delete(item_oid, source)


def _items_above(node: Any) -> list[Object]:
    """The stored map items that ``node`` is, or is under, nearest first."""
    from ._flow import Flow
    from ._map import Map
    from ._values import Value

    items: list[Object] = []
    while not isinstance(node, Flow):
        parent = node._parent if isinstance(node, Value) else node._mng.parent
        if isinstance(parent, Map):
            items.append(node)
        node = parent
    return items


def _store_of(root: Flow, oid: str, fallback: Store) -> Store:
    """The store of the object at ``oid``: the flow's own unless subtrees have theirs."""
    main = root.store()
    if all(store is main for store in root._owned):  # no subtree has a store of its own
        return main
    from ._resolve import get_object

    try:
        return get_object(root, oid)._mng.store  # type: ignore[no-any-return]
    except GraftflowError:  # removed meanwhile: its entry is checked when read anyway
        return fallback
