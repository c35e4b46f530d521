"""The per-session registry: which installers ran, what they gave, indexed by type.

Built lazily, the first time an extendable object of the session needs its relations,
and kept in ``session.state`` until ``session.reload_extensions()``. Installers run in
DESIGN.md's order, each isolated: entry points of ``graftflow.installers`` (sorted by
distribution, then name), plugins' ``graftflow_install_extensions`` hook, the per-user
config's ``installers``, then ``GRAFTFLOW_INSTALLERS``. Anything that goes wrong becomes
a diagnostic naming its source; nothing here raises into the user's work.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

from graftflow import Object, Session
from graftflow.extending import UNSET, import_ref, installer_ref, serve_undeclared, short_repr

from ._entry_points import entry_points
from ._factory import DynamicRelationFactory, PerTypeFactory, qualname
from ._plugins import call_hook, plugin_manager
from ._sources import BlockList, Source

__all__ = ["FactoryEntry", "Registry", "registry"]

INSTALLERS_GROUP: Final = "graftflow.installers"
#: Where a session keeps its registry, in ``session.state``.
REGISTRY_KEY: Final = "graftflow.extensions.registry"

Factory = Callable[[Object], Any]


class FactoryEntry:
    """A factory as one installer gave it, with what the manager needs to apply it.

    Entries compare by identity: two installers giving the same function make two
    entries. A plain class, where a frozen dataclass would cost every command about
    0.7 ms to define (issue 15); nothing writes an entry once made.
    """

    __slots__ = (
        "call",
        "extension",
        "factory",
        "index",
        "name",
        "order",
        "per_type",
        "qualname",
        "recursive",
        "source",
        "target",
        "weight",
    )

    factory: Factory
    #: What the manager calls: the factory, or the function ``@dynamic_relation`` wraps
    #: (the manager applies the decorator's name and weight itself, once per object).
    call: Factory
    extension: str
    source: str
    qualname: str
    #: Where it came in the session (ties between equal weights: the later one wins).
    order: int
    #: Only objects of these types are offered to it (``None``: every extendable one).
    target: tuple[type[Object], ...] | None
    #: ``@dynamic_relation``'s name (``None``: a plain factory; its relations say).
    name: str | None
    #: The weight of a relation returned without one.
    weight: float
    #: ``@dynamic_relation``'s index (``UNSET``: the relation's own, else 0).
    index: Any
    recursive: bool
    #: Asked once per class, its answer shared by the class's objects (:func:`per_type`).
    per_type: bool

    def __init__(
        self,
        *,
        factory: Factory,
        call: Factory,
        extension: str,
        source: str,
        qualname: str,
        order: int,
        target: tuple[type[Object], ...] | None,
        name: str | None,
        weight: float,
        index: Any,
        recursive: bool,
        per_type: bool = False,
    ) -> None:
        self.factory, self.call = factory, call
        self.extension, self.source, self.qualname = extension, source, qualname
        self.order, self.target, self.name = order, target, name
        self.weight, self.index, self.recursive, self.per_type = weight, index, recursive, per_type

    def __repr__(self) -> str:
        return f"<FactoryEntry {self.qualname} of extension {self.extension!r} from {self.source}>"


class Registry:
    """What the installers of one session contributed.

    :ivar sources: every installer source considered, in the order they ran.
    :ivar extensions: extension name to its factories, in the order found.
    """

    def __init__(self, session: Session, *, provisional: bool = False) -> None:
        self.session = session
        #: An empty stand-in given to an installer that reads the flow while the
        #: session's registry is being built: objects do not keep what it gives them.
        self.provisional = provisional
        self.sources: list[Source] = []
        self.extensions: dict[str, list[FactoryEntry]] = {}
        self._entries: list[FactoryEntry] = []
        self._by_type: dict[type[Object], tuple[FactoryEntry, ...]] = {}
        #: class -> name -> why the name cannot be a dynamic relation there, or "".
        self.name_problems: dict[type[Object], dict[str, str]] = {}
        #: class -> how the manager extends its objects (its factories' calls, whether
        #: a contest can be held there...), worked out by the manager once per class.
        self.plans: dict[type[Object], Any] = {}
        #: class -> the names its objects reach through a ``Served`` marker: the
        #: ``@dynamic_relation`` names, and those plain factories gave its objects.
        self.served: dict[type[Object], set[str]] = {}
        #: Names to skip, read once for every installer of the session.
        self.blocked = BlockList.of(session)
        self._disabled = frozenset(session.config.disabled_extensions if session.config else ())

    def __repr__(self) -> str:
        return (
            f"<Registry {self.session.uid}: {len(self.sources)} sources, "
            f"{len(self.extensions)} extensions, {len(self._entries)} factories>"
        )

    @property
    def factories(self) -> tuple[FactoryEntry, ...]:
        """Every factory of the session, in the order found."""
        return tuple(self._entries)

    def for_type(self, cls: type[Object]) -> tuple[FactoryEntry, ...]:
        """The factories offered objects of ``cls``: untargeted ones and those aimed at it.

        Computed once per class, so objects of a type no factory targets pay one dict
        lookup.
        """
        entries = self._by_type.get(cls)
        if entries is None:
            entries = tuple(
                entry
                for entry in self._entries
                if entry.target is None or issubclass(cls, entry.target)
            )
            for entry in entries:
                if entry.name is not None:
                    self.serve(cls, entry.name, lean=True)
            # Two threads may compute it at once: the same tuple, whichever is kept.
            entries = self._by_type.setdefault(cls, entries)
        return entries

    def serve(self, cls: type[Object], name: str, *, lean: bool = False) -> None:
        """Let objects of ``cls`` reach the dynamic relation ``name`` without the failed
        attribute lookup that precedes ``__getattr__`` (~0.4 µs, issue 5's W2_overhead;
        plain factories' names: issue 18's W2p). The marker stays on the class for the
        process; a session without the extension is unaffected: its objects' managers
        answer "no such relation", as ``__getattr__`` would. ``lean``: the name may
        be read on lean items (``@dynamic_relation`` factories' and per-type ones'; see
        DynamicTreeManager._gf_lean_state)."""
        served = self.served.get(cls)
        if served is None:
            served = self.served.setdefault(cls, set())
        if name not in served:
            serve_undeclared(cls, name, lean=lean)
            served.add(name)

    # -- building ---------------------------------------------------------------------

    def _report(self, source: Source | str, message: str, **origin: Any) -> None:
        label = source.label if isinstance(source, Source) else source
        self.session.report(message, source=label, **origin)

    def _fail(self, source: Source, message: str, error: BaseException | str) -> None:
        source.status = "failed"
        source.detail = message
        self._report(source, message, error=error)

    def _run(self, source: Source, installer: Any) -> None:
        """Call one installer and take what it returns."""
        if not callable(installer):
            self._fail(
                source,
                f"{source.ref} is {installer!r}, not a callable installer(session)",
                "TypeError",
            )
            return
        try:
            result = installer(self.session)
        except Exception as exc:
            self._fail(source, f"installer raised {type(exc).__name__}: {exc}", exc)
            return
        self._take(source, result, "installer")

    def _take(self, source: Source, result: Any, what: str) -> None:
        """Take what an installer (or a plugin's install hook) returned, entry by entry."""
        if result is None:
            return  # the seed's installers return nothing for sessions they do not serve
        if not isinstance(result, Mapping):
            self._fail(
                source,
                f"{what} returned {type(result).__name__} {short_repr(result)}; expected a dict "
                "{extension_name: [factory, ...]} or None",
                "TypeError",
            )
            return
        for extension, factories in result.items():
            if not isinstance(extension, str) or not extension:
                self._report(
                    source,
                    f"{what} returned the extension name {extension!r}; extension names "
                    "are non-empty strings",
                    error="TypeError",
                )
                continue
            if extension in self._disabled or self.blocked.match(extension):
                source.extensions.append(f"{extension} (disabled)")
                continue
            source.extensions.append(extension)
            if isinstance(factories, (str, bytes)) or not isinstance(factories, Iterable):
                self._report(
                    source,
                    f"extension {extension!r} maps to {short_repr(factories)}; expected a list "
                    "of factories",
                    extension=extension,
                    error="TypeError",
                )
                continue
            for position, factory in enumerate(factories):
                if not callable(factory):
                    self._report(
                        source,
                        f"factory {position} of extension {extension!r} is {short_repr(factory)}, "
                        "not a callable factory(parent)",
                        extension=extension,
                        error="TypeError",
                    )
                    continue
                self._add(factory, extension, source.label)

    def _add(self, factory: Factory, extension: str, source: str) -> None:
        settings = factory if isinstance(factory, DynamicRelationFactory) else None
        marked = isinstance(factory, PerTypeFactory)
        entry = FactoryEntry(
            factory=factory,
            call=settings.function if settings else factory.function if marked else factory,  # type: ignore[attr-defined]
            extension=extension,
            source=source,
            qualname=qualname(factory),
            order=len(self._entries),
            target=settings.target if settings else None,
            name=settings.name if settings else None,
            weight=settings.weight if settings else 0,
            index=settings.index if settings else UNSET,
            recursive=settings.recursive if settings else False,
            per_type=settings.per_type if settings else marked,
        )
        self._entries.append(entry)
        self.extensions.setdefault(extension, []).append(entry)


def registry(session: Session) -> Registry:
    """The session's registry, built the first time it is needed, by one thread.

    Other threads asking meanwhile wait for the finished registry. An installer that
    reads the flow while it runs (its thread asking again) gets an empty, provisional
    registry instead of running the installers again.
    """
    reg: Registry | None = session.state.get(REGISTRY_KEY)
    if reg is not None:
        return reg
    return session.build_state(
        REGISTRY_KEY, lambda: _build(session), building=lambda: Registry(session, provisional=True)
    )


def _build(session: Session) -> Registry:
    reg = Registry(session)
    blocked = reg.blocked

    for found in entry_points(INSTALLERS_GROUP):
        source = Source("entry point", found.name, found.value, found.dist, found.label)
        reg.sources.append(source)
        hit = blocked.match(found.name, found.value, dist=found.dist)
        if hit:
            source.block(hit)
            continue
        try:
            installer = import_ref(found.ref, module=True)
        except ImportError as exc:
            reg._fail(source, f"cannot load installer {found.value!r}: {exc}", _cause(exc))
            continue
        reg._run(source, installer)

    pm = plugin_manager(session)
    for impl in pm.hook.graftflow_install_extensions.get_hookimpls():
        pm.source(impl.plugin_name)  # listed, even if it gives nothing
    reg.sources.extend(pm.sources)
    for source, result in call_hook(session, "graftflow_install_extensions", session=session):
        if all(listed is not source for listed in reg.sources):  # a hook wrapper's result
            reg.sources.append(source)
        reg._take(source, result, "graftflow_install_extensions")

    config = session.config
    for ref in config.installers if config else ():
        where = f"config {session.config_file}" if session.config_file else "config"
        source = Source("config", ref, ref, None, f"{where}: {ref}")
        _from_ref(reg, source, ref, blocked)

    raw = session.env.installers
    if raw is not None:
        for entry in _env_entries(reg, raw):
            source = Source("env", entry, entry, None, f"GRAFTFLOW_INSTALLERS: {entry}")
            _from_ref(reg, source, entry, blocked)
    return reg


def _from_ref(reg: Registry, source: Source, ref: str, blocked: BlockList) -> None:
    reg.sources.append(source)
    hit = blocked.match(ref)
    if hit:
        source.block(hit)
        return
    try:
        installer = import_ref(ref)
    except ImportError as exc:
        reg._fail(source, f"cannot load installer {ref!r}: {exc}", _cause(exc))
        return
    reg._run(source, installer)


def _env_entries(reg: Registry, raw: str) -> list[str]:
    """Parse ``GRAFTFLOW_INSTALLERS``; report every malformed entry, keep the good ones."""
    from logging import WARNING  # only where the variable is set: not in every session

    where = "GRAFTFLOW_INSTALLERS"
    if not raw.strip():
        reg.session.report(
            "GRAFTFLOW_INSTALLERS is set but empty; unset it, or give "
            "'module:attr[;module:attr...]'",
            source=where,
            error="ValueError",
            level=WARNING,
        )
        return []
    entries = []
    empty = []
    for position, part in enumerate(raw.split(";")):
        written = part.strip()
        if not written:
            empty.append(str(position))
            continue
        entry = installer_ref(written)
        if entry is None:
            reg.session.report(
                f"entry {written!r} of GRAFTFLOW_INSTALLERS is not 'module:attr' (for example "
                "'studio_tools.extensions:install'); it is ignored",
                source=where,
                error="ValueError",
            )
            continue
        entries.append(entry)
    if empty:  # one diagnostic for the whole variable, not one per stray ';'
        reg.session.report(
            f"GRAFTFLOW_INSTALLERS={raw!r} has empty entries (position "
            f"{', '.join(empty)}: a doubled or trailing ';'); they are ignored",
            source=where,
            error="ValueError",
            level=WARNING,
        )
    return entries


def _cause(exc: ImportError) -> BaseException | str:
    # The import's own exception is logged with its traceback (once): a SyntaxError in
    # an installer module needs its line number.
    return exc.__cause__ if exc.__cause__ is not None else "AttributeError"
