"""pluggy plugins: one plugin manager per session, loaded from ``graftflow.plugins``.

Per session rather than per process because the block list is per user: an artist's
config may block a plugin that the next session in the same server process wants.
Importing a plugin module is cached by Python anyway, so a second session only pays
for registering.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final

import pluggy

from graftflow import Object, Session, register_store_scheme
from graftflow._errors import did_you_mean

from . import _hookspecs
from ._entry_points import LoadError, entry_points, load_ref

if TYPE_CHECKING:
    from ._registry import Source

__all__ = ["install_store_schemes", "plugin_manager", "plugin_sources", "project_types"]

PLUGINS_GROUP: Final = "graftflow.plugins"
_STATE_KEY: Final = "graftflow.extensions.plugins"


def plugin_manager(session: Session) -> pluggy.PluginManager:
    """The session's pluggy plugin manager, with the installed plugins registered.

    Blocked plugins are never imported; a plugin that fails to import or whose hooks
    do not match the specs is left out and recorded in ``session.diagnostics``. Register
    more plugins in code (``plugin_manager(session).register(obj)``) before the
    session's extendable objects are first used, or call
    ``session.reload_extensions()`` afterwards (which also forgets them).
    """
    return _loaded(session)[0]


def plugin_sources(session: Session) -> list[Source]:
    """What became of each ``graftflow.plugins`` entry point in this session."""
    return _loaded(session)[1]


def _loaded(session: Session) -> tuple[pluggy.PluginManager, list[Source]]:
    cached: tuple[pluggy.PluginManager, list[Source]] | None = session.state.get(_STATE_KEY)
    if cached is not None:
        return cached
    from ._registry import Source, block_list

    pm = pluggy.PluginManager(_hookspecs.PROJECT)
    pm.add_hookspecs(_hookspecs)
    blocked = block_list(session)
    sources: list[Source] = []
    for found in entry_points(PLUGINS_GROUP):
        label = found.label_as("plugin")
        source = Source("plugin", found.name, found.value, found.dist, label)
        sources.append(source)
        hit = blocked.match(found.name, found.value, dist=found.dist)
        if hit:
            source.status, source.detail = "blocked", f"blocked by {hit!r}"
            pm.set_blocked(found.name)
            continue
        if pm.has_plugin(found.name):
            source.status = "failed"
            source.detail = f"another plugin is already named {found.name!r}"
            session.report(source.detail, source=label, error="ValueError")
            continue
        try:
            plugin = load_ref(found.module, found.attr)
            pm.register(plugin, name=found.name)
        except (LoadError, ValueError, pluggy.PluginValidationError) as exc:
            # pluggy's validation messages span lines; a diagnostic is one line.
            reason = "; ".join(line.strip() for line in str(exc).splitlines() if line.strip())
            source.status, source.detail = "failed", f"cannot load plugin {found.value!r}: {reason}"
            error = exc.__cause__ if isinstance(exc, LoadError) and exc.__cause__ else exc
            session.report(source.detail, source=label, error=error)
    _add_hookspecs(session, pm)
    _check_hook_names(session, pm, sources)
    session.state[_STATE_KEY] = (pm, sources)
    return pm, sources


def _add_hookspecs(session: Session, pm: pluggy.PluginManager) -> None:
    """Let plugins add their hook specs (historic, so later registrations are asked too).

    A plugin whose ``graftflow_add_hookspecs`` raises is recorded; pluggy stops calling
    the others at the first failure, so their hooks may then be reported as unknown.
    """
    try:
        pm.hook.graftflow_add_hookspecs.call_historic(kwargs={"plugin_manager": pm})
    except Exception as exc:
        session.report(
            f"graftflow_add_hookspecs raised {type(exc).__name__}: {exc}",
            source="plugins",
            error=exc,
        )


def _check_hook_names(session: Session, pm: pluggy.PluginManager, sources: list[Source]) -> None:
    """Report every hook implementation no spec knows: a misspelt name is never called.

    pluggy's ``check_pending()`` raises for the first one only, which would hide the
    other plugins' mistakes.
    """
    by_name = {source.name: source for source in sources}
    hooks = vars(pm.hook)
    specified = [name for name, caller in hooks.items() if caller.has_spec()]
    for hook, caller in hooks.items():
        if hook.startswith("_") or caller.has_spec():
            continue
        for impl in caller.get_hookimpls():
            if impl.optionalhook:
                continue
            name = impl.plugin_name
            message = (
                f"unknown hook {hook!r} in plugin {name!r}, so it is never called"
                f"{_similar_hook(hook, specified)}"
            )
            source = by_name.get(name)
            if source is not None:
                source.detail = message
            label = source.label if source is not None else f"plugin {name}"
            session.report(message, source=label, error="PluginValidationError")


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


def _each(session: Session, hook: str, /, **kwargs: Any) -> list[tuple[str, Any]]:
    """Call one hook plugin by plugin, so one failing plugin does not hide the others.

    :returns: ``(label, result)`` pairs, the label naming the plugin as the registry does.
    """
    pm = plugin_manager(session)
    labels = {source.name: source.label for source in plugin_sources(session)}
    results = []
    for impl in getattr(pm.hook, hook).get_hookimpls():
        label = labels.get(impl.plugin_name, f"plugin {impl.plugin_name}")
        try:
            result = impl.function(**{arg: kwargs[arg] for arg in impl.argnames})
        except Exception as exc:
            session.report(f"{hook} raised {type(exc).__name__}: {exc}", source=label, error=exc)
            continue
        if result is None:
            continue
        if not isinstance(result, Mapping):
            session.report(
                f"{hook} returned {type(result).__name__}; expected a dict or None",
                source=label,
                error="TypeError",
            )
            continue
        results.append((label, result))
    return results


def project_types(session: Session) -> dict[str, type[Object]]:
    """Project types offered by the session's plugins (``graftflow_project_types``)."""
    types: dict[str, type[Object]] = {}
    for label, result in _each(session, "graftflow_project_types", session=session):
        for name, project_type in result.items():
            if not (isinstance(project_type, type) and issubclass(project_type, Object)):
                session.report(
                    f"project type {name!r} is {project_type!r}, not an Object subclass",
                    source=label,
                    error="TypeError",
                )
                continue
            types[str(name)] = project_type
    return types


def install_store_schemes(session: Session) -> Callable[[], None]:
    """Teach :func:`graftflow.open_store` the plugins' schemes; return the undo.

    A scheme that is already known (built in, or from another plugin) is left as it is
    and recorded as a diagnostic.
    """
    undos: list[Callable[[], None]] = []
    for label, result in _each(session, "graftflow_store_schemes"):
        for scheme, factory in result.items():
            try:
                if not callable(factory):
                    raise TypeError(f"the factory for {scheme!r} is {factory!r}, not callable")
                undos.append(register_store_scheme(str(scheme), factory))
            except (TypeError, ValueError) as exc:
                session.report(str(exc), source=label, error=exc)

    def undo() -> None:
        for each in reversed(undos):
            each()

    return undo
