"""The per-session registry: which installers ran, what they gave, indexed by type.

Built lazily, the first time an extendable object of the session needs its relations,
and kept in ``session.state`` until ``session.reload_extensions()``. Installers run in
DESIGN.md's order, each isolated: entry points of ``graftflow.installers`` (sorted by
distribution, then name), plugins' ``graftflow_install_extensions`` hook, the per-user
config's ``installers``, then ``GRAFTFLOW_INSTALLERS``. Anything that goes wrong becomes
a diagnostic naming its source; nothing here raises into the user's work.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from graftflow import Object, Session
from graftflow._object import serve_undeclared
from graftflow._oid import installer_ref, split_names
from graftflow._relation import UNSET

from ._entry_points import LoadError, canonical, entry_points, load_ref
from ._factory import DynamicRelationFactory, qualname
from ._plugins import plugin_manager, plugin_sources

__all__ = ["FactoryEntry", "Registry", "Source", "block_list", "registry"]

INSTALLERS_GROUP: Final = "graftflow.installers"
#: Where a session keeps its registry, in ``session.state``.
REGISTRY_KEY: Final = "graftflow.extensions.registry"

Factory = Callable[[Object], Any]


@dataclass(slots=True)
class Source:
    """One place installers come from, and what became of it in this session.

    :ivar kind: ``"entry point"``, ``"plugin"``, ``"config"`` or ``"env"``.
    :ivar name: the entry-point or plugin name, or the ``module:attr`` reference.
    :ivar ref: ``module:attr`` of the installer (for plugins, the plugin's module).
    :ivar dist: the distribution that declares it, if any.
    :ivar label: how diagnostics and ``describe()`` name it, in one phrase.
    :ivar status: ``"ok"``, ``"blocked"`` or ``"failed"``.
    :ivar detail: why it was blocked or failed.
    :ivar extensions: extension names it contributed (disabled ones included, marked).
    """

    kind: str
    name: str
    ref: str | None
    dist: str | None
    label: str
    status: str = "ok"
    detail: str | None = None
    extensions: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain data, for ``--json``."""
        return {
            "kind": self.kind,
            "name": self.name,
            "ref": self.ref,
            "dist": self.dist,
            "label": self.label,
            "status": self.status,
            "detail": self.detail,
            "extensions": list(self.extensions),
        }


@dataclass(frozen=True, slots=True, eq=False)
class FactoryEntry:
    """A factory as one installer gave it, with what the manager needs to apply it."""

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


class _BlockList:
    """Names to skip: entry points, distributions, plugins, ``module:attr``, extensions."""

    __slots__ = ("_canonical", "names")

    def __init__(self, names: Iterable[str]) -> None:
        self.names = frozenset(names)
        #: canonical distribution name -> the name as written (``GFTEST_review``).
        self._canonical = {canonical(name): name for name in sorted(self.names)}

    def match(self, *candidates: str | None, dist: str | None = None) -> str | None:
        """The first candidate blocked, as written in the block list; else ``None``."""
        for candidate in candidates:
            if candidate and candidate in self.names:
                return candidate
        if dist:
            return self._canonical.get(canonical(dist))
        return None


def block_list(session: Session) -> _BlockList:
    """``GRAFTFLOW_BLOCKED`` plus the config's ``blocked`` list."""
    names = split_names(session.environ.get("GRAFTFLOW_BLOCKED", ""))
    if session.config is not None:
        names.extend(session.config.blocked)
    return _BlockList(names)


class Registry:
    """What the installers of one session contributed.

    :ivar sources: every installer source considered, in the order they ran.
    :ivar extensions: extension name to its factories, in the order found.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self.sources: list[Source] = []
        self.extensions: dict[str, list[FactoryEntry]] = {}
        self._entries: list[FactoryEntry] = []
        self._by_type: dict[type[Object], tuple[FactoryEntry, ...]] = {}
        #: class -> name -> why the name cannot be a dynamic relation there, or "".
        self.name_problems: dict[type[Object], dict[str, str]] = {}
        #: Names to skip, read once for every installer of the session.
        self.blocked = block_list(session)
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
            self._by_type[cls] = entries
            for entry in entries:
                if entry.name is not None:
                    # Names known in advance skip the failed attribute lookup that
                    # precedes __getattr__ (issue 5's W2_overhead).
                    serve_undeclared(cls, entry.name)
        return entries

    # -- building ---------------------------------------------------------------------

    def _report(self, source: Source | str, message: str, **origin: Any) -> None:
        label = source.label if isinstance(source, Source) else source
        self.session.report(message, source=label, **origin)

    def _fail(self, source: Source, message: str, error: BaseException | str) -> None:
        source.status = "failed"
        source.detail = message
        self._report(source, message, error=error)

    def _run(self, source: Source, installer: Any, call: Callable[[], Any] | None = None) -> None:
        """Call one installer and take what it returns, entry by entry."""
        if call is None:
            if not callable(installer):
                self._fail(
                    source,
                    f"{source.ref} is {installer!r}, not a callable installer(session)",
                    "TypeError",
                )
                return

            def call() -> Any:
                return installer(self.session)

        what = "graftflow_install_extensions" if source.kind == "plugin" else "installer"
        try:
            result = call()
        except Exception as exc:
            self._fail(source, f"{what} raised {type(exc).__name__}: {exc}", exc)
            return
        if result is None:
            return  # the seed's installers return nothing for sessions they do not serve
        if not isinstance(result, Mapping):
            self._fail(
                source,
                f"{what} returned {type(result).__name__} {_short(result)}; expected a dict "
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
                    f"extension {extension!r} maps to {_short(factories)}; expected a list "
                    "of factories",
                    extension=extension,
                    error="TypeError",
                )
                continue
            for position, factory in enumerate(factories):
                if not callable(factory):
                    self._report(
                        source,
                        f"factory {position} of extension {extension!r} is {_short(factory)}, "
                        "not a callable factory(parent)",
                        extension=extension,
                        error="TypeError",
                    )
                    continue
                self._add(factory, extension, source.label)

    def _add(self, factory: Factory, extension: str, source: str) -> None:
        settings = factory if isinstance(factory, DynamicRelationFactory) else None
        entry = FactoryEntry(
            factory=factory,
            call=settings.function if settings else factory,
            extension=extension,
            source=source,
            qualname=qualname(factory),
            order=len(self._entries),
            target=settings.target if settings else None,
            name=settings.name if settings else None,
            weight=settings.weight if settings else 0,
            index=settings.index if settings else UNSET,
            recursive=settings.recursive if settings else False,
        )
        self._entries.append(entry)
        self.extensions.setdefault(extension, []).append(entry)


def registry(session: Session) -> Registry:
    """The session's registry, built the first time it is needed.

    While it is being built (an installer touching the flow), extendable objects see an
    empty registry rather than running the installers again.
    """
    reg: Registry | None = session.state.get(REGISTRY_KEY)
    if reg is not None:
        return reg
    session.state[REGISTRY_KEY] = Registry(session)
    try:
        reg = _build(session)
    except BaseException:
        session.state.pop(REGISTRY_KEY, None)
        raise
    session.state[REGISTRY_KEY] = reg
    return reg


def _build(session: Session) -> Registry:
    reg = Registry(session)
    blocked = reg.blocked

    for found in entry_points(INSTALLERS_GROUP):
        source = Source("entry point", found.name, found.value, found.dist, found.label)
        reg.sources.append(source)
        hit = blocked.match(found.name, found.value, dist=found.dist)
        if hit:
            source.status, source.detail = "blocked", f"blocked by {hit!r}"
            continue
        try:
            installer = load_ref(found.module, found.attr)
        except LoadError as exc:
            reg._fail(source, f"cannot load installer {found.value!r}: {exc}", _cause(exc))
            continue
        reg._run(source, installer)

    pm = plugin_manager(session)
    loaded = plugin_sources(session)
    reg.sources.extend(loaded)
    by_name = {source.name: source for source in loaded}
    for impl in pm.hook.graftflow_install_extensions.get_hookimpls():
        name = impl.plugin_name
        plugin = by_name.get(name)
        if plugin is None:  # registered in code, not through an entry point
            plugin = Source("plugin", name, None, None, f"plugin {name}")
            reg.sources.append(plugin)

        def call(impl: Any = impl) -> Any:
            kwargs = dict.fromkeys(impl.argnames, session)
            return impl.function(**kwargs)

        reg._run(plugin, None, call)

    config = session.config
    for ref in config.installers if config else ():
        where = f"config {session.config_file}" if session.config_file else "config"
        source = Source("config", ref, ref, None, f"{where}: {ref}")
        _from_ref(reg, source, ref, blocked)

    raw = session.environ.get("GRAFTFLOW_INSTALLERS")
    if raw is not None:
        for entry in _env_entries(reg, raw):
            source = Source("env", entry, entry, None, f"GRAFTFLOW_INSTALLERS: {entry}")
            _from_ref(reg, source, entry, blocked)
    return reg


def _from_ref(reg: Registry, source: Source, ref: str, blocked: _BlockList) -> None:
    reg.sources.append(source)
    hit = blocked.match(ref)
    if hit:
        source.status, source.detail = "blocked", f"blocked by {hit!r}"
        return
    module, _, attr = ref.partition(":")
    try:
        installer = load_ref(module, attr)
    except LoadError as exc:
        reg._fail(source, f"cannot load installer {ref!r}: {exc}", _cause(exc))
        return
    reg._run(source, installer)


def _env_entries(reg: Registry, raw: str) -> list[str]:
    """Parse ``GRAFTFLOW_INSTALLERS``; report every malformed entry, keep the good ones."""
    where = "GRAFTFLOW_INSTALLERS"
    if not raw.strip():
        reg.session.report(
            "GRAFTFLOW_INSTALLERS is set but empty; unset it, or give "
            "'module:attr[;module:attr...]'",
            source=where,
            error="ValueError",
            level=logging.WARNING,
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
            level=logging.WARNING,
        )
    return entries


def _cause(exc: LoadError) -> BaseException | str:
    # The import's own exception is logged with its traceback (once): a SyntaxError in
    # an installer module needs its line number.
    return exc.__cause__ if exc.__cause__ is not None else "AttributeError"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
