"""Flow: the root of the tree, holding projects, a store and a session.

A project's type is remembered in the store (as ``module:QualName``) next to its name,
so any process opening the same store builds the same project classes. The flow also
dispatches ``touch()`` notifications: subscribers of an oid hear about it and about
everything below it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any, ClassVar, TypeVar

from ._errors import ExistsError, InvalidOidError, MissingChildError, ObjectTypeError, did_you_mean
from ._manager import TreeManager
from ._map import DynamicMap
from ._object import Object
from ._oid import check_item_name, nfc
from ._refs import import_type, ref_of
from ._relation import Relation
from ._session import Session
from ._values import Value
from .stores._memory import MemoryStore
from .stores._store import MISSING, Store, Transactional, display_url

__all__ = ["Flow", "subscribe"]

P = TypeVar("P", bound=Object)

#: The store key of the project registry: name -> type path. Never a valid oid.
PROJECTS_KEY = "!projects"

TouchHandler = Callable[[str], Any]


class _Batches(threading.local):
    """Per thread: one list per open ``Flow.batch()`` of what it cached that a rollback
    must make the flow forget, as ``(cache, name)`` pairs."""

    # A class default, not getattr(local, "levels", None): a missing attribute of a
    # thread-local is an AttributeError formatted and dropped, ~2,000 instructions on
    # every Map.add() (issue 18's W1_add).
    levels: list[list[tuple[dict[str, Any], str]]] | None = None


class Flow(Transactional):
    """The root of a flow.

    :param session: who works in it (default: an anonymous ``Session()``).
    :param store: where values live (default: a new :class:`MemoryStore`). The flow
        closes the stores it creates, never one it was given.
    """

    # The root answers the manager's questions like an object with no relations.
    _gf_relations: ClassVar[tuple[Relation[Any], ...]] = ()
    _gf_by_name: ClassVar[dict[str, Relation[Any]]] = {}

    def __init__(self, session: Session | None = None, store: Store | None = None) -> None:
        self._session = Session() if session is None else session
        self._owned: list[Store] = []
        if store is None:
            store = MemoryStore()
            self._owned.append(store)
        self._store = store
        self._mng = TreeManager.for_root(self, store)
        self._projects: dict[str, Object] = {}
        #: oid -> its handlers; each tuple is replaced, never changed, so the thread
        #: that fires them reads a stable one without taking the lock.
        self._handlers: dict[str, tuple[TouchHandler, ...]] = {}
        #: Stops listening to other processes' changes (stores that can tell them).
        self._unwatch: Callable[[], None] | None = None
        # Subscribing and closing; reads never take it.
        self._lock = threading.Lock()
        self._local = _Batches()
        #: How many Flow.batch() are open, in every thread: while none is, Map.add()
        #: skips the thread-local lookup of _local (issue 18's W1_add).
        self._batches = 0
        self._session._add_flow(self)

    def __repr__(self) -> str:
        return f"<Flow {display_url(self._store.url)} user={self._session.user}>"

    def __enter__(self) -> Flow:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the stores this flow created (its default store, subtree stores)."""
        with self._lock:
            unwatch, self._unwatch = self._unwatch, None
            owned, self._owned = self._owned, []
        if unwatch is not None:
            unwatch()
        for store in owned:
            store.close()

    def _adopt_store(self, store: Store) -> None:
        with self._lock:
            self._owned.append(store)

    def batch(self) -> AbstractContextManager[None]:
        """Make the writes inside one atomic batch of the flow's store.

        If the batch fails, the flow also forgets the projects and map items this
        thread created inside it, so none of them lingers in a cache (objects held
        elsewhere are stale); what other threads built is left alone.
        """
        return self._forgetting(self._store.batch())

    def _attempt(self) -> AbstractContextManager[None]:
        """One attempt of :meth:`transaction`: the store's, with the bookkeeping of
        :meth:`batch` (an attempt that conflicts forgets what it created)."""
        return self._forgetting(self._store.transaction())

    def _gave_up(self) -> None:
        if isinstance(self._store, Transactional):  # a store of a user's may not be one
            self._store._gave_up()

    @contextmanager
    def _forgetting(self, level: AbstractContextManager[None]) -> Iterator[None]:
        levels = self._local.levels
        if levels is None:
            levels = self._local.levels = []
        created: list[tuple[dict[str, Any], str]] = []
        levels.append(created)
        with self._lock:
            self._batches += 1
        try:
            with level:
                yield
        except BaseException:
            for cache, name in created:
                cache.pop(name, None)
            raise
        else:
            if len(levels) > 1:  # the outer batch may still fail: it forgets these too
                levels[-2].extend(created)
        finally:
            levels.pop()
            with self._lock:
                self._batches -= 1

    def _created(self, cache: dict[str, Any], name: str) -> None:
        """``cache[name]`` was just created; forget it if this thread's batch fails."""
        levels = self._local.levels
        if levels:
            levels[-1].append((cache, name))

    def on_commit(self, callback: Callable[[], object]) -> None:
        """Run ``callback()`` once the current outermost batch of this thread commits.

        Outside a batch it runs at once (the writes already happened). If the batch rolls
        back, ``callback`` is dropped: this is how listeners hear only of committed work
        (the workflow plugin's events are built on it). See :meth:`Store.on_commit`.
        """
        self._store.on_commit(callback)

    # -- what objects ask their root -------------------------------------------------------

    def session(self) -> Session:
        """The session of whoever works in this flow."""
        return self._session

    def store(self) -> Store:
        """The flow's main store."""
        return self._store

    def root(self) -> Flow:
        return self

    def oid(self) -> str:
        return "/"

    def name(self) -> str:
        return ""

    # -- projects ----------------------------------------------------------------------------

    def create_project(self, name: str, project_type: type[P], exist_ok: bool = False) -> P:
        """Create a project and return it.

        :param exist_ok: return the project if one of that name and of that very type
            exists already, so a script that sets a project up can run again.
        :raises ExistsError: a project of that name exists (of another type, when
            ``exist_ok`` is true; the message names both types). Nothing is written.
        :raises TypeError: if the type is not an Object subclass.
        """
        name = check_item_name(name, "the flow")
        if not (isinstance(project_type, type) and issubclass(project_type, Object)):
            raise TypeError(
                f"create_project({name!r}): the type must be an Object subclass, "
                f"not {project_type!r}"
            )
        path = ref_of(project_type)
        try:
            self._store.ordered_add(PROJECTS_KEY, {name: path})
        except ExistsError:
            return self._existing_project(name, project_type, path, exist_ok)
        # Only this thread could add the name to the store; another may have read the
        # new project meanwhile: first one kept wins, as everywhere in the tree.
        project = self._projects.setdefault(name, project_type(self, name))
        self._created(self._projects, name)
        self._touched(f"/{name}")
        return project  # type: ignore[return-value]

    def _existing_project(self, name: str, project_type: type[P], path: str, exist_ok: bool) -> P:
        """create_project() met a project of that name: return it or say why not."""
        stored = self._store.ordered_get(PROJECTS_KEY, name, MISSING)
        if exist_ok and stored == path:
            # The type in hand is the stored one: no import needed (a script's own
            # classes live in __main__, which no other program could import).
            return self._projects.setdefault(name, project_type(self, name))  # type: ignore[return-value]
        if stored == path:
            hint = f"; open it with flow.project({name!r}), or pass exist_ok=True"
        else:
            hint = f", of type {stored!r}, not {path!r}"
        raise ExistsError(
            f"/{name}", f"a project named {name!r} already exists{hint}", (name,)
        ) from None

    def project(self, name: str) -> Object:
        """The project called ``name``, built from its stored type on first access.

        :raises MissingChildError: no such project (with a suggestion).
        :raises ObjectTypeError: its type can no longer be imported.
        """
        project = self._projects.get(name)
        if project is not None:
            return project
        if type(name) is str:
            name = nfc(name)
        path = (
            self._store.ordered_get(PROJECTS_KEY, name, MISSING) if type(name) is str else MISSING
        )
        if path is MISSING:
            raise MissingChildError(
                f"/{name}",
                str(name),
                f"there is no project {name!r}" + did_you_mean(str(name), self.projects()),
            )
        try:
            project_type = import_type(path)
        except ImportError as exc:
            raise ObjectTypeError(
                f"/{name}",
                path,
                f"project {name!r} has the type {path!r}, which cannot be imported ({exc}); "
                "install the package that provides it (or fix PYTHONPATH) and try again",
            ) from exc
        if not issubclass(project_type, Object):
            raise ObjectTypeError(
                f"/{name}", path, f"project {name!r}: {path!r} is not an Object subclass"
            )
        # Two threads may build it at once: the first one kept wins, both return it.
        return self._projects.setdefault(name, project_type(self, name))

    def projects(self) -> list[str]:
        """Names of every project, in creation order."""
        return self._store.ordered_range(PROJECTS_KEY)

    def get_object(self, oid: str) -> Any:
        """The object or value at an absolute oid (``/project/...``)."""
        from ._resolve import get_object

        if not isinstance(oid, str) or not oid.startswith("/"):
            raise InvalidOidError(
                oid,
                f"Flow.get_object() needs an absolute oid starting with '/', not {oid!r}; "
                "use graftflow.get_object(obj, oid) to resolve a relative one",
            )
        return get_object(self, oid)

    def _gf_item(self, name: str) -> Object:
        return self.project(name)

    # -- touch notifications ------------------------------------------------------------------

    def _extensions_reloaded(self) -> None:
        """Let the manager of every object built so far refresh after a reload."""
        stack: list[Object] = list(self._projects.values())
        while stack:
            obj = stack.pop()
            # A plain map item built without its manager would get a plain one: nothing
            # to refresh, none to make; a lean one (TreeManager._gf_lean) gets its own.
            if obj._gf_up is None or type(obj)._gf_lean is not None:
                obj._mng.extensions_reloaded()
            stack.extend(obj._gf_built())

    def _subscribe(self, oid: str, handler: TouchHandler) -> Callable[[], None]:
        with self._lock:
            self._handlers[oid] = (*self._handlers.get(oid, ()), handler)
            watch = getattr(self._store, "watch", None)
            if self._unwatch is None and watch is not None:
                # A shared store (Redis) tells about other processes' writes: listen
                # only once someone subscribed, and fire the same handlers (on the
                # store's listener thread).
                self._unwatch = watch(self._remote_changes)

        def unsubscribe() -> None:
            with self._lock:
                current = self._handlers.get(oid, ())
                if handler in current:
                    rest = list(current)
                    rest.remove(handler)
                    if rest:
                        self._handlers[oid] = tuple(rest)
                    else:
                        del self._handlers[oid]

        return unsubscribe

    def _remote_changes(self, keys: list[str]) -> None:
        for key in keys:
            key, _, field = key.partition("#")  # a hash field is written "KEY#FIELD"
            if key.startswith("/"):
                if not field:
                    self._forget_removed(key)
                self._touched(key)
            elif key == PROJECTS_KEY and field:  # another process created a project
                self._projects.pop(field, None)
                self._touched("/" + field)

    def _forget_removed(self, oid: str) -> None:
        """Another process wrote at ``oid``: if that is a map item this flow built, drop
        it, so ``in``, ``map[name]`` and iteration all ask the store again.

        A removed item always comes with a write at its own oid (``Map.remove()`` and
        ``clear()`` delete its subtree), and nothing else writes there: values live
        below items, and the back-reference hash at an item's oid notifies as a field.
        """
        names = oid[1:].split("/")
        node: Any = self._projects.get(names[0])
        for name in names[1:-1]:
            if node is None:
                return
            child = node.__dict__.get(name)
            if child is None and isinstance(node, DynamicMap):
                child = node._items.get(name)
            node = child
        if len(names) > 1 and isinstance(node, DynamicMap):
            node._items.pop(names[-1], None)

    def _touched(self, oid: str) -> None:
        handlers = self._handlers
        if not handlers:
            return
        targets = [oid]
        while oid != "/":
            oid = oid.rpartition("/")[0] or "/"
            targets.append(oid)
        touched = targets[0]
        for target in targets:
            for handler in handlers.get(target, ()):
                try:
                    handler(touched)
                except Exception as exc:
                    self._session.report(
                        f"a touch handler failed: {exc}",
                        source="touch handler",
                        factory=getattr(handler, "__qualname__", repr(handler)),
                        oid=touched,
                        error=exc,
                    )


def subscribe(target: Object | Value[Any] | Flow, handler: TouchHandler) -> Callable[[], None]:
    """Call ``handler(oid)`` whenever ``target`` or anything below it is touched.

    A set param, an added or removed map item, an explicit ``touch()``: all notify.
    A failing handler is recorded in ``session.diagnostics``; the others still run.

    :returns: a callable that unsubscribes the handler.
    """
    if isinstance(target, Flow):
        return target._subscribe("/", handler)
    if isinstance(target, Value):
        return target.root()._subscribe(target.oid(), handler)
    if isinstance(target, Object):
        return target._mng.root._subscribe(target._mng.oid, handler)
    raise TypeError(f"subscribe() takes a flow Object, Value or Flow, not {target!r}")
