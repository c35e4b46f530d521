"""pluggy plugins: one plugin manager per session, loaded from ``graftflow.plugins``.

Per session rather than per process because the block list is per user: an artist's
config may block a plugin that the next session in the same server process wants.
Importing a plugin module is cached by Python anyway, so a second session only pays
for registering.

Hooks are called through pluggy (``pm.hook.<name>(...)``), so its wrappers,
``tryfirst``/``trylast``, ``firstresult`` and tracing all apply, in pluggy's order:
the most recently registered plugin first. Installed plugins are registered in reverse
entry-point order (distribution, then name), so they are *called* in entry-point order;
a plugin registered in code afterwards is called before them. One thing graftflow
adds: pluggy stops a hook call at the first implementation that raises (by design,
pytest-dev/pluggy#419), and a broken plugin must never break the others, so each
plain implementation is isolated as it is registered: one that raises is recorded in
``session.diagnostics`` and counts as having returned ``None``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from contextvars import ContextVar
from types import FunctionType, MethodType, ModuleType
from typing import Any, Final

import pluggy

from graftflow import Object, Session, Store
from graftflow.extending import did_you_mean, import_ref, known_store_schemes

from . import _hookspecs
from ._entry_points import entry_points
from ._sources import BlockList, Source

__all__ = [
    "call_hook",
    "plugin_manager",
    "project_types",
    "store_schemes",
]

PLUGINS_GROUP: Final = "graftflow.plugins"
_STATE_KEY: Final = "graftflow.extensions.plugins"

#: The attributes pluggy's markers put on a hook implementation and a hook specification.
_IMPL_MARKER: Final = _hookspecs.PROJECT + "_impl"
_SPEC_MARKER: Final = _hookspecs.PROJECT + "_spec"
_NOT_THERE: Final = object()
#: What _module_marker() answers when pluggy must decide.
_ASK_PLUGGY: Final = object()

#: Marks a hook implementation graftflow has isolated already.
_ISOLATED: Final = "_graftflow_isolated"
#: While call_hook() runs in this thread: each result with the plugin that returned it.
_ORIGINS: ContextVar[list[tuple[object, str]] | None] = ContextVar(
    "graftflow_hook_origins", default=None
)


def _module_marker(namespace: object, name: str, marker: str) -> Any:
    """The options pluggy's ``marker`` left on ``namespace.name``, or ``None``; for a
    module, without asking pluggy.

    pluggy (1.7) looks each name up with ``inspect.getattr_static``, so as not to run a
    property of an instance: about 8 µs a name, and a module plugin lists every name it
    imported, so this was most of a session's start (W8: a second session < 1 ms; issue
    15: every command on extendable objects). A module has no properties: its names are
    its ``__dict__``. A value there that is no function-like object is no hook, and a
    function is one if it carries the marker, as pluggy decides. Anything else (a
    staticmethod, a bound method, a name not in ``__dict__``, a class) answers
    ``_ASK_PLUGGY``. tests/test_plugins.py compares both answers on every kind of value.
    """
    if type(namespace) is not ModuleType:
        return _ASK_PLUGGY
    value = namespace.__dict__.get(name, _NOT_THERE)
    if type(value) is FunctionType:
        opts = getattr(value, marker, None)
        return opts if isinstance(opts, dict) else None
    if value is _NOT_THERE or isinstance(value, (staticmethod, classmethod, MethodType)):
        return _ASK_PLUGGY
    return None


class PluginManager(pluggy.PluginManager):
    """A session's pluggy plugin manager: graftflow's hook specs, implementations isolated.

    :ivar session: the session whose plugins these are.
    """

    def __init__(self, session: Session) -> None:
        super().__init__(_hookspecs.PROJECT)
        self.session = session
        self.add_hookspecs(_hookspecs)
        #: What became of each plugin, in the order found (entry points first).
        self._listed: list[Source] = []
        self._by_name: dict[str, Source] = {}
        #: While the installed plugins register: they are isolated all at once after.
        self._loading = False

    def register(self, plugin: object, name: str | None = None) -> str | None:
        registered = super().register(plugin, name)
        if registered is not None and not self._loading:
            self._isolate(self.get_hookcallers(plugin) or ())
        return registered

    def parse_hookimpl_opts(self, plugin: object, name: str) -> Any:
        """pluggy's rule, answered at once for a module's plain values and functions
        (see :func:`_module_marker`)."""
        opts = _module_marker(plugin, name, _IMPL_MARKER)
        return super().parse_hookimpl_opts(plugin, name) if opts is _ASK_PLUGGY else opts

    def parse_hookspec_opts(self, module_or_class: Any, name: str) -> Any:
        """pluggy's rule, answered at once for a module's plain values and functions:
        every session adds three modules of hook specifications (see
        :func:`_module_marker`)."""
        opts = _module_marker(module_or_class, name, _SPEC_MARKER)
        if opts is _ASK_PLUGGY:
            return super().parse_hookspec_opts(module_or_class, name)
        return opts

    def _isolate(self, callers: Iterable[pluggy.HookCaller]) -> None:
        """Wrap each plain implementation of ``callers`` not wrapped yet."""
        for caller in callers:
            for impl in caller.get_hookimpls():
                if impl.wrapper or impl.hookwrapper or hasattr(impl.function, _ISOLATED):
                    continue  # a wrapper stays as it is: it wraps the call, not a result
                # HookImpl.function is what pluggy calls (it read the argument names
                # from the original already).
                impl.function = self._isolated(caller.name, impl)  # type: ignore[misc]

    @property
    def sources(self) -> list[Source]:
        """What became of each plugin: the ``graftflow.plugins`` entry points in their
        order, then plugins registered in code, as they were first heard of."""
        return list(self._listed)

    def source(self, name: str) -> Source:
        """What became of the plugin ``name`` (made for a plugin registered in code)."""
        source = self._by_name.get(name)
        if source is None:
            source = self._listed_as(Source("plugin", name, None, None, f"plugin {name}"))
        return source

    def _listed_as(self, source: Source) -> Source:
        self._listed.append(source)
        self._by_name.setdefault(source.name, source)
        return source

    def _isolated(self, hook: str, impl: Any) -> Callable[..., Any]:
        function = impl.function
        name: str = impl.plugin_name

        def isolated(*args: Any, **kwargs: Any) -> Any:
            try:
                result = function(*args, **kwargs)
            except Exception as exc:
                message = f"{hook} raised {type(exc).__name__}: {exc}"
                source = self.source(name)
                source.status, source.detail = "failed", message
                self.session.report(message, source=source.label, error=exc)
                return None
            origins = _ORIGINS.get()
            if origins is not None and result is not None:
                origins.append((result, name))
            return result

        setattr(isolated, _ISOLATED, True)
        return isolated


def plugin_manager(session: Session) -> PluginManager:
    """The session's pluggy plugin manager, with the installed plugins registered.

    Blocked plugins are never imported; a plugin that fails to import or whose hooks
    do not match the specs is left out and recorded in ``session.diagnostics``. Register
    more plugins in code (``plugin_manager(session).register(obj)``) before the
    session's extendable objects are first used, or call
    ``session.reload_extensions()`` afterwards (which also forgets them). Built once per
    session, whichever thread asks first.
    """
    return session.build_state(_STATE_KEY, lambda: _load(session), building=_not_reentrant)


def _not_reentrant() -> PluginManager:
    raise RuntimeError("a plugin asked for the plugin manager while it was being loaded")


def _load(session: Session) -> PluginManager:
    pm = PluginManager(session)
    blocked = BlockList.of(session)
    loaded: list[tuple[str, Any, Source]] = []
    for found in entry_points(PLUGINS_GROUP):
        label = found.label_as("plugin")
        taken = found.name in pm._by_name
        source = pm._listed_as(Source("plugin", found.name, found.value, found.dist, label))
        hit = blocked.match(found.name, found.value, dist=found.dist)
        if hit:
            source.block(hit)
            pm.set_blocked(found.name)
        elif taken:
            source.status = "failed"
            source.detail = f"another plugin is already named {found.name!r}"
            session.report(source.detail, source=label, error="ValueError")
        else:
            try:
                loaded.append((found.name, import_ref(found.ref, module=True), source))
            except ImportError as exc:
                _failed_load(session, source, found.value, exc)
    # pluggy calls the last registered first: registered backwards, the plugins are
    # called in entry-point order (the order the docs promise).
    pm._loading = True
    for name, plugin, source in reversed(loaded):
        try:
            pm.register(plugin, name=name)
        except (ValueError, pluggy.PluginValidationError) as exc:
            _failed_load(session, source, source.ref or name, exc)
    pm._loading = False
    pm._isolate(vars(pm.hook).values())  # one pass, rather than one per plugin
    _add_hookspecs(pm)
    _check_hook_names(pm)
    return pm


def _failed_load(session: Session, source: Source, ref: str, exc: Exception) -> None:
    # pluggy's validation messages span lines; a diagnostic is one line.
    reason = "; ".join(line.strip() for line in str(exc).splitlines() if line.strip())
    source.status, source.detail = "failed", f"cannot load plugin {ref!r}: {reason}"
    # The import's own exception is logged with its traceback: a SyntaxError in a
    # plugin module needs its line number.
    error = exc.__cause__ if isinstance(exc, ImportError) and exc.__cause__ else exc
    session.report(source.detail, source=source.label, error=error)


def _add_hookspecs(pm: PluginManager) -> None:
    """Let plugins add their hook specs (historic, so later registrations are asked too).

    Each implementation is isolated: one that raises is recorded, the others still
    add theirs.
    """
    pm.hook.graftflow_add_hookspecs.call_historic(kwargs={"plugin_manager": pm})


def _check_hook_names(pm: PluginManager) -> None:
    """Report every hook implementation no spec knows: a misspelt name is never called.

    pluggy's ``check_pending()`` raises for the first one only, which would hide the
    other plugins' mistakes.
    """
    callers = list(vars(pm.hook).values())
    specified = [caller.name for caller in callers if caller.has_spec()]
    unknown = [
        (caller.name, impl)
        for caller in callers
        if not caller.has_spec()
        for impl in caller.get_hookimpls()
        if not impl.optionalhook
    ]
    order = {source.name: position for position, source in enumerate(pm._listed)}
    # Plugin by plugin, in entry-point order (sorted() keeps each plugin's hooks in order).
    for hook, impl in sorted(unknown, key=lambda found: order.get(found[1].plugin_name, -1)):
        source = pm.source(impl.plugin_name)
        message = (
            f"unknown hook {hook!r} in plugin {source.name!r}, so it is never called"
            f"{_similar_hook(hook, specified)}"
        )
        source.detail = message
        pm.session.report(message, source=source.label, error="PluginValidationError")


def _similar_hook(hook: str, specified: list[str]) -> str:
    """A "did you mean" for a hook name, compared without the shared ``graftflow_``.

    Every hook starts with the prefix, which made unrelated hooks look alike once
    plugins added their own (``graftflow_on_transition`` for a misspelt
    ``graftflow_install_extensions``).
    """
    prefix = "graftflow_"
    if not hook.startswith(prefix):
        return did_you_mean(hook, specified)
    short = {name.removeprefix(prefix): name for name in specified if name.startswith(prefix)}
    hint = did_you_mean(hook.removeprefix(prefix), short)
    for name, full in short.items():
        hint = hint.replace(repr(name), repr(full))
    return hint


def call_hook(session: Session, hook: str, /, **kwargs: Any) -> list[tuple[Source, Any]]:
    """Call a hook through pluggy; pair each result with the plugin that returned it.

    Results come in pluggy's call order (see the module docstring). An implementation
    that raised is already recorded and missing here; if a hook *wrapper* raises, the
    whole call is recorded as one diagnostic and gives nothing.

    :returns: ``(source, result)`` pairs, ``None`` results left out; a result a
        wrapper made up is paired with a source named after the hook.
    """
    pm = plugin_manager(session)
    caller = getattr(pm.hook, hook)
    origins: list[tuple[object, str]] = []
    token = _ORIGINS.set(origins)
    try:
        outcome = caller(**kwargs)
    except Exception as exc:
        session.report(
            f"a {hook} hook wrapper raised {type(exc).__name__}: {exc}",
            source="plugins",
            error=exc,
        )
        return []
    finally:
        _ORIGINS.reset(token)
    firstresult = caller.spec is not None and caller.spec.opts.get("firstresult", False)
    results = ([] if outcome is None else [outcome]) if firstresult else outcome
    paired = []
    for result in results:
        name = next((name for made, name in origins if made is result), None)
        source = pm.source(name) if name is not None else _wrapper_source(hook)
        paired.append((source, result))
    return paired


def _wrapper_source(hook: str) -> Source:
    """Where a result a hook wrapper made up came from: the wrappers of ``hook``."""
    label = f"{hook} wrapper"
    return Source("plugin", label, None, None, label)


def _mappings(
    session: Session, hook: str, /, **kwargs: Any
) -> list[tuple[Source, Mapping[Any, Any]]]:
    """:func:`call_hook` for hooks that return a mapping; any other result is reported."""
    found = []
    for source, result in call_hook(session, hook, **kwargs):
        if isinstance(result, Mapping):
            found.append((source, result))
        else:
            session.report(
                f"{hook} returned {type(result).__name__}; expected a dict or None",
                source=source.label,
                error="TypeError",
            )
    return found


def project_types(session: Session) -> dict[str, type[Object]]:
    """Project types offered by the session's plugins (``graftflow_project_types``)."""
    types: dict[str, type[Object]] = {}
    for source, result in _mappings(session, "graftflow_project_types", session=session):
        for name, project_type in result.items():
            if not (isinstance(project_type, type) and issubclass(project_type, Object)):
                session.report(
                    f"project type {name!r} is {project_type!r}, not an Object subclass",
                    source=source.label,
                    error="TypeError",
                )
                continue
            types.setdefault(str(name), project_type)
    return types


def store_schemes(session: Session) -> dict[str, Callable[[str, bool], Store]]:
    """Store URL schemes offered by the session's plugins (``graftflow_store_schemes``).

    Pass them to :func:`graftflow.open_store` (``schemes=...``): they serve this session
    only, never the whole process. A scheme graftflow knows already, or that an
    earlier plugin offered, is left alone and recorded as a diagnostic.
    """
    schemes: dict[str, Callable[[str, bool], Store]] = {}
    for source, result in _mappings(session, "graftflow_store_schemes"):
        for scheme, factory in result.items():
            if not callable(factory):
                problem = f"the factory for {scheme!r} is {factory!r}, not callable"
            elif scheme in schemes or scheme in known_store_schemes():
                problem = f"store scheme {scheme!r} is already registered"
            else:
                schemes[str(scheme)] = factory
                continue
            session.report(problem, source=source.label, error="ValueError")
    return schemes
