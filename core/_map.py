"""Maps: objects with many items of one mapped type (the seed's "Many" relation).

A :class:`Map` keeps its item names (and each item's type, when not the default) in an
ordered map of the store; items are built only when read, one at a time, so a map of a
million names costs nothing until someone opens an item. A :class:`DynamicMap` computes
its names instead, in :meth:`~DynamicMap.mapped_names`.

The item type comes from ``mapped_type()`` (as in kabaret) or, shorter, from the generic
argument: ``class Shots(Map[Shot])``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, ClassVar, Generic, TypeVar, get_args, get_origin

from ._backrefs import forget_item
from ._errors import (
    ExistsError,
    InvalidNameError,
    MissingChildError,
    ObjectTypeError,
    RelationDefinitionError,
    did_you_mean,
)
from ._manager import TreeManager, new_object
from ._object import Object, build
from ._oid import check_item_name, nfc
from ._place import set_dyn, set_name, set_up
from ._refs import import_type, ref_of
from ._relation import Relation
from .stores._memory import MemoryStore
from .stores._store import MISSING, iter_names, quote_names

__all__ = ["DynamicMap", "Map"]

ItemT = TypeVar("ItemT", bound=Object)

#: Beyond this many names, a missing-item error does not scan for suggestions.
_SUGGEST_LIMIT = 10_000
#: Map.add_many() writes names in chunks of this many: memory stays bounded, and each
#: chunk is still one store call.
_ADD_CHUNK = 10_000
#: Per-map state kept in the instance's attributes, so no relation may take these names.
_MAP_STATE = frozenset({"_items", "_names"})
#: ``Map._load()``'s "the entry was not read yet".
_UNREAD: Any = object()
_new = object.__new__
#: Stores an attribute past Object.__setattr__ (which refuses relation names).
_setattr = object.__setattr__


def _page_bounds(where: str, page_num: int, page_size: int | None) -> tuple[int, int | None]:
    if type(page_num) is not int or page_num < 0:
        raise ValueError(f"{where}: page_num must be an int >= 0, not {page_num!r}")
    if page_size is None:
        if page_num:
            raise ValueError(f"{where}: page_num={page_num} needs a page_size")
        return 0, None
    if type(page_size) is not int or page_size < 1:
        raise ValueError(f"{where}: page_size must be an int >= 1 or None, not {page_size!r}")
    start = page_num * page_size
    return start, start + page_size


def _through_get_mapped(self: DynamicMap[Any], name: str) -> Any:
    return self.get_mapped(name)


def _overrides(cls: type[Any], hook: str) -> bool:
    """Whether a class below graftflow's own maps defines ``hook``."""
    return any(hook in klass.__dict__ for klass in cls.__mro__ if klass.__module__ != __name__)


class DynamicMap(Object, Generic[ItemT]):
    """A map whose names are computed: override :meth:`mapped_names`.

    Names are computed once and kept until :meth:`touch`; items are built on first read.
    """

    _gf_item_type: ClassVar[type[Object] | None] = None
    #: ``mapped_type()``'s answer when the class does not override it (read without
    #: the call for every item built; issue 18's W1_cold), else ``None``.
    _gf_default_type: ClassVar[type[Object] | None] = Object
    #: The item type when a Map of this class may build its items in ``__getitem__``
    #: itself (:func:`new_object`): no hook, no per-item type, an item class that keeps
    #: Object's constructor and store; else ``None``.
    _gf_fast_items: ClassVar[type[Object] | None] = None
    #: The same, when the items' managers are plain TreeManagers too (the item class
    #: chooses no manager type and no propagation): Map.__getitem__ then makes them.
    _gf_inline_items: ClassVar[type[Object] | None] = None
    #: Whether the class chooses its items' types (_get_mapped_item_type overridden).
    _gf_types_items: ClassVar[bool] = False

    # Per-instance caches, set in __init__. Slots rather than the instance's dict: an
    # object's attributes are read through Object.__getattr__'s hook, which Python
    # does not specialize, and a slot is the cheaper read there (issue 18's W1_warm
    # reads ``_items`` once per ``map[name]``).
    __slots__ = ("_items", "_names")
    _items: dict[str, Any]
    #: The computed names and the same as a set, kept as one pair so that a thread
    #: reading them while another calls touch() gets both or neither.
    _names: tuple[tuple[str, ...], frozenset[str]] | None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # Asked before the relations are collected, which would find the state's slots
        # first and refuse the relation without saying why.
        taken = {
            name
            for klass in cls.__mro__
            for name in _MAP_STATE
            if isinstance(klass.__dict__.get(name), Relation)
        }
        if taken:
            raise RelationDefinitionError(
                f"{cls.__qualname__}: a map keeps its own state in {sorted(taken)[0]!r}; "
                "give the relation another name"
            )
        super().__init_subclass__(**kwargs)
        # A map without hooks builds its items without asking for them (a map of a
        # million items pays nothing for hooks it does not have): the hook-aware way
        # is put in place only for classes that define a hook.
        if _overrides(cls, "_configure_child"):
            cls._build = DynamicMap._build_configured  # type: ignore[method-assign]
        cls._gf_types_items = _overrides(cls, "_get_mapped_item_type")
        if cls._gf_types_items and issubclass(cls, Map):
            cls._load = Map._load_typed  # type: ignore[method-assign]
        if "get_mapped" in cls.__dict__ and "__getitem__" not in cls.__dict__:
            # kabaret maps override get_mapped() (a view returning another map's items);
            # map[name], paths and mapped_items() then go through it too.
            cls.__getitem__ = _through_get_mapped  # type: ignore[method-assign]
        for base in cls.__dict__.get("__orig_bases__", ()):
            origin, args = get_origin(base), get_args(base)
            if (
                isinstance(origin, type)
                and issubclass(origin, DynamicMap)
                and args
                and isinstance(args[0], type)
                and issubclass(args[0], Object)
            ):
                cls._gf_item_type = args[0]
        own = DynamicMap.mapped_type.__func__  # type: ignore[attr-defined]
        fixed = getattr(cls.mapped_type, "__func__", None) is own
        item = cls._gf_default_type = (cls._gf_item_type or Object) if fixed else None
        plain = (
            item is not None
            and cls._build is DynamicMap._build
            and not cls._gf_types_items
            and item._gf_plain_ctor
        )
        cls._gf_fast_items = item if plain else None
        cls._gf_inline_items = item if plain and item._gf_plain_new else None  # type: ignore[union-attr]

    def __init__(self, parent: Any, name: str) -> None:
        super().__init__(parent, name)
        _setattr(self, "_items", {})
        _setattr(self, "_names", None)

    @classmethod
    def mapped_type(cls) -> type[ItemT]:
        """The type of the items (and the base of any per-item type)."""
        return cls._gf_item_type or Object  # type: ignore[return-value]

    def mapped_names(self, page_num: int = 0, page_size: int | None = None) -> list[str]:
        """The item names, in order; a page of them when ``page_size`` is given."""
        raise NotImplementedError(
            f"{type(self).__qualname__} ({self.oid()}) must override "
            "mapped_names(page_num, page_size)"
        )

    def mapped_items(self, page_num: int = 0, page_size: int | None = None) -> list[ItemT]:
        """The items of one page (built now if they were not yet)."""
        return [self[name] for name in self.mapped_names(page_num, page_size)]

    def has_mapped_name(self, name: str) -> bool:
        """Whether ``name`` is an item: ``name in map`` and ``map[name]`` ask this.

        Override it when checking one name is cheaper than listing them all.
        """
        if type(name) is not str:
            return False
        return nfc(name) in self._listing()[1]

    def get_mapped(self, name: str) -> ItemT:
        """The item ``name`` (kabaret's name for ``map[name]``).

        Override it to serve items from elsewhere (a view on another map): ``map[name]``
        and oids then use the override.
        """
        return self._gf_lookup(name)

    def _get_mapped_item_type(self, name: str) -> type[ItemT]:
        """The type to build the item ``name`` with: override to choose it per item.

        It must be ``mapped_type()`` or a subclass; a :class:`Map` gives the type the
        item was added with.
        """
        return self.mapped_type()

    def _configure_child(self, child: ItemT) -> None:
        """Called with each item right after it is built (once per item and map
        object): override it to set the item up."""

    def _listing(self) -> tuple[tuple[str, ...], frozenset[str]]:
        listing = self._names
        if listing is None:
            where = f"{self.oid()} mapped_names()"
            names = tuple(check_item_name(name, where) for name in self.mapped_names())
            listing = (names, frozenset(names))
            _setattr(self, "_names", listing)
        return listing

    def _all_names(self) -> tuple[str, ...]:
        return self._listing()[0]

    def __len__(self) -> int:
        return len(self._all_names())

    def __contains__(self, name: object) -> bool:
        return self.has_mapped_name(name)  # type: ignore[arg-type]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all_names())

    def __getitem__(self, name: str) -> ItemT:
        item = self._items.get(name)  # a miss is not a KeyError raised and caught
        if item is not None:
            return item  # type: ignore[no-any-return]
        if type(name) is str and not name.isascii():
            name = nfc(name)  # the name as listed
            item = self._items.get(name)
            if item is not None:
                return item  # type: ignore[no-any-return]
        if not self.has_mapped_name(name):
            raise self._missing(name, self._all_names())
        if self._gf_types_items:
            return self._build(name, self._item_type(name))
        return self._build(name, self._default_type())

    _gf_lookup = __getitem__  # what get_mapped() serves, whatever __getitem__ becomes

    def _default_type(self) -> type[ItemT]:
        """``mapped_type()``, without the call when the class does not override it."""
        return self._gf_default_type or self.mapped_type()  # type: ignore[return-value]

    def _item_type(self, name: str) -> type[ItemT]:
        """``_get_mapped_item_type(name)``, checked: a wrong type is caught here, naming
        the item, rather than as a strange error deep in the item."""
        item_type = self._get_mapped_item_type(name)
        mapped = self.mapped_type()
        if not (isinstance(item_type, type) and issubclass(item_type, mapped)):
            oid = self._mng.prefix + name
            raise ObjectTypeError(
                oid,
                repr(item_type),
                f"{oid}: {type(self).__qualname__}._get_mapped_item_type() returned "
                f"{item_type!r}, not a {mapped.__qualname__} (the type of its items)",
            )
        return item_type

    def touch(self) -> None:
        """Forget the computed names and the built items, then notify subscribers."""
        self._items.clear()
        _setattr(self, "_names", None)
        super().touch()

    def _build(self, name: str, item_type: type[ItemT]) -> ItemT:
        # Two threads may build the same item at once: the first one kept wins, and
        # both return it (setdefault is one step for the GIL).
        return self._items.setdefault(name, build(item_type, self, name))  # type: ignore[no-any-return]

    def _build_configured(self, name: str, item_type: type[ItemT]) -> ItemT:
        item = build(item_type, self, name)
        kept: ItemT = self._items.setdefault(name, item)
        if kept is item:  # configured once, by the thread whose item was kept
            self._configure_child(item)
        return kept

    def _gf_built(self) -> list[Object]:
        return [*super()._gf_built(), *self._items.values()]

    def _missing(self, name: object, names: Iterable[str] | None) -> MissingChildError:
        oid = self._mng.oid
        hint = did_you_mean(name, names) if isinstance(name, str) and names is not None else ""
        return MissingChildError(
            f"{self._mng.prefix}{name}", str(name), f"{oid} has no item {name!r}{hint}"
        )

    def _gf_item(self, name: str) -> Any:
        return self[name]


class Map(DynamicMap[ItemT]):
    """A map whose names live in the store, added and removed through the API."""

    def mapped_names(self, page_num: int = 0, page_size: int | None = None) -> list[str]:
        mng = self._mng
        start, stop = _page_bounds(mng.oid, page_num, page_size)
        return mng.store.ordered_range(mng.oid, start, stop)

    def __len__(self) -> int:
        return self._mng.store.ordered_len(self._mng.oid)

    def has_mapped_name(self, name: str) -> bool:
        if type(name) is not str:
            return False
        if name in self._items:
            return True
        name = nfc(name)
        return self._mng.store.ordered_get(self._mng.oid, name, MISSING) is not MISSING

    def __iter__(self) -> Iterator[str]:
        return iter_names(self._mng.store, self._mng.oid)

    def __getitem__(self, name: str) -> ItemT:
        # W1/W2 warm reads: one dict lookup; a miss is not a KeyError raised and caught.
        items = self._items
        item = items.get(name)
        if item is not None:
            return item  # type: ignore[no-any-return]
        cls = type(self)
        plain = cls._gf_inline_items  # read first: W1_cold needs nothing else of cls
        fast = plain or cls._gf_fast_items
        if fast is None or type(name) is not str:
            return self._load(name)
        # W1_cold and W2_cold build every item here: what _load() and _build() do for
        # an item of the map's own type, in this frame (tests/test_map.py compares).
        # A name is looked up as given: stores keep names in NFC, so a name found is
        # the name as stored, and one spelled otherwise is not found and goes to
        # _load(), which looks for its NFC form (no name.isascii() per item).
        mng = self._mng
        store = mng.store
        if type(store) is MemoryStore:
            # W1_cold: MemoryStore.ordered_get() inlined (a frame per item), reading its
            # table as it does (reads take no lock; a batch writes in place; a closed
            # store's table raises). Anything but the map's own type is read again
            # through the store (tests/test_fast_paths.py compares).
            members = store._ordered.get(mng._oid or mng.oid)
            if members is None or members.get(name, MISSING) is not None:
                return self._load(name)
        else:
            stored = store.ordered_get(mng._oid or mng.oid, name, MISSING)
            if stored is not None:
                return self._load(name, stored)
        if plain is None or (mng.propagate and type(mng) is not TreeManager):
            # W2_cold, W2t: an item whose manager type serves it without being made (see
            # TreeManager._gf_lean) is built as the plain item below, with the state
            # that type gives this map's items (asked until known, then kept until the
            # session reloads its extensions: TreeManager.extensions_reloaded).
            state = mng._gf_lean_at
            if state is None:
                state = self._lean_state(fast, mng)
            if state:  # False: not lean (W2p); an empty shared table: not worth it
                item = _new(fast)
                set_up(item, mng)
                set_name(item, name)
                set_dyn(item, state)
                return items.setdefault(name, item)  # type: ignore[no-any-return]
            return items.setdefault(name, new_object(fast, self, mng, name))  # type: ignore[no-any-return]
        # W1_cold: an item whose manager would be a plain TreeManager is built without
        # it, its place kept in two slots; the manager is made if ever asked for
        # (graftflow._object._item_manager; tests/test_fast_paths.py compares).
        item = _new(plain)
        set_up(item, mng)
        set_name(item, name)
        return items.setdefault(name, item)  # type: ignore[no-any-return]

    _gf_lookup = __getitem__

    def _lean_state(self, item_type: type[Object], mng: TreeManager) -> Any:
        """What this map's lean items get (TreeManager._gf_lean_state): ``False`` for
        none, ``None`` while the manager type does not know yet. Kept on the map's
        manager once known, until a reload (TreeManager.extensions_reloaded)."""
        lean = item_type._gf_lean
        state: Any = False
        if lean is not None and type(mng) is TreeManager:
            state = lean._gf_lean_state(item_type, mng)
        if state is not None:  # None: asked again for the next item
            mng._gf_lean_at = state
        return state

    def _load(self, name: str, stored: Any = _UNREAD) -> ItemT:
        """Build the item ``name``; ``stored``: its entry, when already read."""
        mng = self._mng
        oid = mng._oid or mng.oid
        if type(name) is str and not name.isascii():
            name = nfc(name)  # the name as stored
            if name in self._items:
                return self._items[name]  # type: ignore[no-any-return]
            stored = _UNREAD  # read under the name as given: read again
        if stored is _UNREAD:
            stored = MISSING if type(name) is not str else mng.store.ordered_get(oid, name, MISSING)
        if stored is MISSING:
            small = mng.store.ordered_len(oid) <= _SUGGEST_LIMIT
            raise self._missing(name, self.mapped_names() if small else None)
        if stored is None:  # the map's own item type
            return self._build(name, self._default_type())
        return self._build(name, self._stored_type(name, stored))

    def _load_typed(self, name: str, stored: Any = None) -> ItemT:
        """``_load()`` for a map whose class chooses item types itself."""
        if not self.has_mapped_name(name):
            raise self._missing(name, None)
        return self._build(name, self._item_type(name))

    def _get_mapped_item_type(self, name: str) -> type[ItemT]:
        stored = self._mng.store.ordered_get(self._mng.oid, name)
        return self.mapped_type() if stored is None else self._stored_type(name, stored)

    def _stored_type(self, name: str, path: Any) -> type[ItemT]:
        oid = self._mng.prefix + name
        try:
            item_type = import_type(str(path))
        except ImportError as exc:
            raise ObjectTypeError(
                oid,
                str(path),
                f"{oid}: its type {path!r} cannot be imported ({exc}); install the "
                "package that provides it, or remove the item",
            ) from exc
        if not issubclass(item_type, self.mapped_type()):
            raise ObjectTypeError(
                oid,
                str(path),
                f"{oid}: its stored type {path!r} is not a "
                f"{self.mapped_type().__qualname__} (the type of {self._mng.oid}'s items)",
            )
        return item_type

    def _type_entry(self, object_type: type[Any] | None) -> str | None:
        """What to store for an item's type: ``None`` for the default mapped type."""
        if object_type is None:
            return None
        mapped = self.mapped_type()
        if object_type is mapped:
            return None
        if not (isinstance(object_type, type) and issubclass(object_type, mapped)):
            raise TypeError(
                f"{self._mng.oid}: object_type must be a subclass of {mapped.__qualname__}, "
                f"not {object_type!r}"
            )
        return ref_of(object_type)

    def _check_new_name(self, name: Any, mng: TreeManager, oid: str) -> str:
        """``name`` in NFC, if it can name a new item of this map; else raise."""
        name = check_item_name(name, oid)
        if mng.relation(name) is not None:
            raise InvalidNameError(
                name,
                f"{oid}: {name!r} is a relation of the map, so an item of that name "
                "could never be reached; choose another name",
            )
        return name  # type: ignore[no-any-return]

    def add(self, name: str, object_type: type[ItemT] | None = None) -> ItemT:
        """Add an item and return it.

        :param object_type: a subclass of ``mapped_type()`` for this item only.
        :raises ExistsError: if the name is taken (nothing is written).
        """
        mng = self._mng
        oid = mng._oid or mng.oid
        if not (
            type(name) is str
            and name.isascii()
            and len(name) <= 255
            and (name.isalnum() or name.isidentifier())
        ):
            # W1_add: an ASCII name of letters, digits and '_' is valid as checked just
            # above (C calls, where the pattern costs 0.1 µs); any other is checked here.
            name = check_item_name(name, oid)
        # _check_new_name() inlined, and TreeManager.relation() too (issue 18's W1_add).
        if (
            name in type(self)._gf_by_name
            if type(mng) is TreeManager
            else mng.relation(name) is not None
        ):
            self._check_new_name(name, mng, oid)  # raises, saying why
        entry = None if object_type is None else self._type_entry(object_type)
        store = mng.store
        try:
            if entry is None and type(store) is MemoryStore:
                store._add_name(oid, name)  # W1_add: see there
            else:
                store.ordered_add(oid, {name: entry})
        except ExistsError:
            raise ExistsError(oid, f"{oid} already has an item {name!r}", (name,)) from None
        items = self._items
        cls = type(self)
        fast = cls._gf_fast_items
        root = mng.root
        if entry is not None or fast is None:
            item = self._build(name, object_type or self._default_type())
        elif cls._gf_inline_items is None or (mng.propagate and type(mng) is not TreeManager):
            # W1_add: the item built as Map.__getitem__ builds it (see there).
            item = items.setdefault(name, new_object(fast, self, mng, name))
        else:
            # W1_add: the item built without its manager, as in Map.__getitem__ (see
            # there); tests/test_fast_paths.py compares it with the class call's.
            made = _new(fast)
            set_up(made, mng)
            set_name(made, name)
            item = items.setdefault(name, made)
        if root._batches and root._local.levels:  # forgotten if the batch rolls back
            root._created(items, name)
        if root._handlers:  # TreeManager.touch(), skipped when nobody listens
            mng.touch()
        return item

    def add_many(self, names: Iterable[str], object_type: type[ItemT] | None = None) -> int:
        """Add many items in one store batch, building none of them; return how many.

        All or nothing: a bad, repeated or existing name raises and writes nothing.
        ``names`` is read as it comes and written in chunks of ``_ADD_CHUNK``, so ten
        million names (a generator) never sit in memory at once (issue 18).
        """
        mng = self._mng
        oid = mng.oid
        store = mng.store
        entry = self._type_entry(object_type)
        added = 0
        try:
            with store.batch():
                for chunk in self._checked_chunks(names, entry, mng, oid):
                    store.ordered_add(oid, chunk)
                    added += len(chunk)
        except ExistsError as exc:
            # Rolled back now: a name still there existed before; one that is gone was
            # added by an earlier chunk of this same call, so it is listed twice.
            twice = [name for name in exc.names if store.ordered_get(oid, name, MISSING) is MISSING]
            if twice:
                raise ExistsError(
                    oid, f"{oid}: {twice[0]!r} is listed twice", (twice[0],)
                ) from None
            raise ExistsError(
                oid, f"{oid} already has {quote_names(exc.names)}; nothing was added", exc.names
            ) from None
        if added:
            mng.touch()
        return added

    def _checked_chunks(
        self, names: Iterable[str], entry: str | None, mng: TreeManager, oid: str
    ) -> Iterator[dict[str, str | None]]:
        """``names`` checked, in dicts of up to ``_ADD_CHUNK`` (a name listed twice in
        one chunk is refused here; across chunks the store finds it)."""
        plain = type(mng) is TreeManager
        relations = type(self)._gf_by_name
        chunk: dict[str, str | None] = {}
        for given in names:
            name = check_item_name(given, oid)
            if name in relations if plain else mng.relation(name) is not None:
                self._check_new_name(name, mng, oid)  # raises, saying why
            if name in chunk:
                raise ExistsError(oid, f"{oid}: {name!r} is listed twice", (name,))
            chunk[name] = entry
            if len(chunk) >= _ADD_CHUNK:
                yield chunk
                chunk = {}
        if chunk:
            yield chunk

    def remove(self, name: str) -> None:
        """Remove an item and every value stored under it.

        :raises MissingChildError: if there is no such item.
        """
        mng = self._mng
        store = mng.store
        if type(name) is str:
            name = nfc(name)
        with store.batch():
            entry = MISSING if type(name) is not str else store.ordered_get(mng.oid, name, MISSING)
            if entry is MISSING:
                raise self._missing(name, None)
            store.ordered_remove(mng.oid, name)
            self._purge(name, entry)
        self._items.pop(name, None)
        mng.touch()

    def clear(self) -> None:
        """Remove every item and its values, in one batch."""
        mng = self._mng
        store = mng.store
        with store.batch():
            for name in iter_names(store, mng.oid):
                self._purge(name, store.ordered_get(mng.oid, name))
            store.ordered_clear(mng.oid)
        self._items.clear()
        mng.touch()

    def _purge(self, name: str, entry: Any) -> None:
        """Delete an item's values: in the map's store, and in the item's own store.

        The connections under it leave the back-reference indexes first.
        """
        mng = self._mng
        forget_item(self, name)
        mng.store.delete_tree(mng.prefix + name)
        try:
            item_type = self.mapped_type() if entry is None else self._stored_type(name, entry)
        except ObjectTypeError:
            return  # a type that no longer imports cannot have a store of its own now
        if item_type._gf_own_store:
            item = self._items.get(name) or item_type(self, name)
            if item._mng.store is not mng.store:
                item._mng.store.delete_tree(item._mng.oid)

    def touch(self) -> None:
        """Forget the built items (re-read from the store next time) and notify."""
        self._items.clear()
        self._mng.touch()
