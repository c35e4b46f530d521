"""Session: who is working, in which environment, and what went wrong.

The core session is data. Upper layers keep their per-session state in
:attr:`Session.state` (the extensions layer keeps its registry there, built lazily the
first time an extendable object needs it), which is how ``graftflow.Session`` works
without the core importing any of them. Failures that must never break the user's
work (a broken installer, a raising touch handler) are recorded in
:attr:`Session.diagnostics` and logged once.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Callable, Hashable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeVar

from ._environment import Environment
from ._session_log import ERROR, SessionLog

if TYPE_CHECKING:
    import logging

    from ._config import Config
    from ._flow import Flow

__all__ = ["Diagnostic", "Session"]

T = TypeVar("T")
_ABSENT: Final = object()


class Diagnostic:
    """One problem graftflow survived, with where it came from.

    :ivar source: the installer source (entry point, plugin, config, env entry) or
        subsystem (``"touch handler"``).
    :ivar extension: the extension name, if any.
    :ivar factory: the factory (or handler) qualname, if any.
    :ivar oid: the object it happened on, if any (the first one, when repeated).
    :ivar message: what happened, in one line.
    :ivar error: the exception type name.
    :ivar count: how many times the same problem happened (logged only the first time).

    Two diagnostics are equal when they tell the same problem, whatever their counts.
    """

    # A plain class: a dataclass would cost every command about 0.4 ms to define
    # (issue 15's latency).
    __slots__ = ("count", "error", "extension", "factory", "message", "oid", "source")
    __hash__ = None  # type: ignore[assignment]  # mutable (count grows)

    def __init__(
        self,
        source: str | None,
        extension: str | None,
        factory: str | None,
        oid: str | None,
        message: str,
        error: str | None,
        count: int = 1,
    ) -> None:
        self.source, self.extension, self.factory, self.oid = source, extension, factory, oid
        self.message, self.error, self.count = message, error, count

    def _told(self) -> tuple[str | None, ...]:
        return (self.source, self.extension, self.factory, self.oid, self.message, self.error)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Diagnostic):
            return NotImplemented
        return self._told() == other._told()

    def __repr__(self) -> str:
        return (
            f"Diagnostic(source={self.source!r}, extension={self.extension!r}, "
            f"factory={self.factory!r}, oid={self.oid!r}, message={self.message!r}, "
            f"error={self.error!r}, count={self.count})"
        )

    def __str__(self) -> str:
        origin = " ".join(
            part
            for part in (
                self.source and f"[{self.source}]",
                self.extension and f"extension {self.extension!r}",
                self.factory and f"factory {self.factory}",
                self.oid and f"on {self.oid}",
            )
            if part
        )
        # The type once: most messages quote the exception already ("factory raised
        # ValueError: ...", "... ModuleNotFoundError: No module named ...").
        error = f"{self.error}: " if self.error and self.error not in self.message else ""
        times = f" (x{self.count})" if self.count > 1 else ""
        return (
            f"{origin}: {error}{self.message}{times}" if origin else f"{error}{self.message}{times}"
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain data, for ``--json``; ``text`` is the one-line form people read."""
        return {
            "source": self.source,
            "extension": self.extension,
            "factory": self.factory,
            "oid": self.oid,
            "error": self.error,
            "message": self.message,
            "count": self.count,
            "text": str(self),
        }


def _user_from(environ: Mapping[str, str], env: Environment, config: Config | None) -> str:
    if env.user:
        return env.user
    if config is not None and config.user:
        return config.user
    for var in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        value = environ.get(var)
        if value:
            return value
    if environ is os.environ:
        # No login shell set them (a container, a service): the passwd entry, as
        # getpass.getuser() reads it after the same variables, without importing
        # getpass (and termios) on every command (issue 15).
        try:
            import pwd
        except ImportError:  # Windows: getpass knows no more than the variables above
            return "anonymous"
        try:
            return pwd.getpwuid(os.getuid()).pw_name
        except KeyError:  # no passwd entry
            pass
    return "anonymous"


class Session(SessionLog):
    """Who is working and with which extensions.

    ``log_error()``, ``log_warning()``, ``log_info()`` and ``log_debug()`` are
    kabaret's session logging API (errors and warnings become diagnostics).

    A session built directly reads no config file (pass ``config``);
    :meth:`from_environment` reads the user's file. Either way the environment's
    ``GRAFTFLOW_INSTALLERS`` and ``GRAFTFLOW_BLOCKED`` apply, as installed entry points
    and plugins do.

    One session may serve several threads: upper layers build their per-session state
    once (:meth:`build_state`), :meth:`report` counts every report, and
    :meth:`reload_extensions` may run while other threads read.

    :param user: the user name (default: ``GRAFTFLOW_USER``, else the config's
        ``user``, else the login name).
    :param config: a :class:`~graftflow.Config`, or a mapping validated into one.
    :param environ: used instead of ``os.environ`` when given (tests, servers).
    :raises ConfigError: ``config`` is a mapping with a bad key.
    """

    def __init__(
        self,
        user: str | None = None,
        config: Config | Mapping[str, Any] | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.environ: Mapping[str, str] = os.environ if environ is None else environ
        #: The ``GRAFTFLOW_*`` variables of :attr:`environ`, read here only (again by
        #: :meth:`reload_extensions`).
        self.env: Environment = Environment.read(self.environ)
        self.config: Config | None = _as_config(config)
        #: The file :attr:`config` was read from (``None``: given in code, or none).
        self.config_file: Path | None = None
        self.user: str = (
            user if user is not None else _user_from(self.environ, self.env, self.config)
        )
        #: ``user:token``: unique per session, the user name first (the seed's idiom).
        self.uid: str = f"{self.user}:{os.urandom(6).hex()}"
        self.diagnostics: list[Diagnostic] = []
        #: Per-session state of the upper layers, keyed by their module name.
        self.state: dict[str, Any] = {}
        #: Bumped by :meth:`reload_extensions`, so layers can tell stale state apart.
        self.generation = 0
        self._session_values: dict[str, Any] = {}
        self._seen: dict[Hashable, Diagnostic] = {}
        #: Flows working in this session, told when its extensions change.
        self._flows: weakref.WeakSet[Flow] = weakref.WeakSet()
        # Held while a layer builds its state (re-entrant: building the registry loads
        # the plugins, another key) and while extensions are reloaded.
        self._lock = threading.RLock()
        #: Keys whose state the thread holding _lock is building.
        self._building: set[str] = set()
        # Reports come from any thread (a worker's keepalive, a store's listener) and
        # must not wait for a registry build: diagnostics have their own lock.
        self._report_lock = threading.Lock()

    @classmethod
    def from_environment(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        user: str | None = None,
        strict: bool = False,
        config_file: str | os.PathLike[str] | None = None,
    ) -> Session:
        """A session for the current user, environment and per-user config file.

        The file is ``config_file`` if given, else ``GRAFTFLOW_CONFIG``, else
        ``config.toml`` in the platform's user config directory; a missing default file
        is fine. A broken file must not stop an artist from working, so by default it
        becomes a diagnostic (naming the file and key) and the session goes on without
        it.

        :param user: who works, overriding the environment and the config file.
        :param strict: raise :class:`ConfigError` for a broken config file instead
            (the command line does, to print one clear line).
        :param config_file: the config file to read (it must exist), instead of the
            environment's: the command line's ``--config``.
        """
        from ._config_file import config_path, read_config_file
        from ._errors import ConfigError

        env = os.environ if environ is None else environ
        named_by: str | None = None
        if config_file is not None:
            path, explicit = Path(config_file).expanduser(), True
        else:
            path, explicit = config_path(env)
            named_by = "GRAFTFLOW_CONFIG" if explicit else None
        try:
            data = read_config_file(path, required=explicit, named_by=named_by)
            config = None
            if data is not None:  # pydantic is imported only when there is a file to check
                from ._config import validate_config

                config = validate_config(data, str(path))
        except ConfigError as exc:
            if strict:
                raise
            session = cls(user=user, environ=env)
            # The message says it all; a traceback would only hide it.
            session.report(str(exc), source=f"config {path}", error=type(exc).__name__)
            return session
        session = cls(user=user, config=config, environ=env)
        if config is not None:
            session.config_file = path
        return session

    def __repr__(self) -> str:
        return f"<Session {self.uid} ({len(self.diagnostics)} diagnostics)>"

    @property
    def logger(self) -> logging.Logger:
        """The ``graftflow`` logger, where problems are logged (once each)."""
        import logging  # when something is logged: most sessions never do (issue 15)

        return logging.getLogger("graftflow")

    @property
    def store_url(self) -> str | None:
        """``GRAFTFLOW_STORE``, else the config's ``store``; ``None`` if neither says."""
        if self.env.store:
            return self.env.store
        return self.config.store if self.config is not None else None

    @property
    def blocked(self) -> frozenset[str]:
        """Names to skip: ``GRAFTFLOW_BLOCKED`` and the config's ``blocked``, merged."""
        names = set(self.env.blocked)
        if self.config is not None:
            names.update(self.config.blocked)
        return frozenset(names)

    def reload_extensions(self) -> None:
        """Read installers again, and bring objects already built up to date.

        Per-session state is dropped, so installers run again, and the ``GRAFTFLOW_*``
        variables of :attr:`environ` are read again (a changed ``GRAFTFLOW_BLOCKED``
        applies); every flow of the session then walks the objects it has built, and
        their managers refresh what depends on extensions (a relation whose winner
        changed is built anew on its next read). Objects nobody asked for their
        relations stay untouched and lazy.
        """
        with self._lock:
            self.env = Environment.read(self.environ)
            # Cleared before the generation moves on: a reader that saw the new
            # generation can only find the new state (see DynamicTreeManager._build).
            self.state.clear()
            self.generation += 1
            flows = list(self._flows)
        for flow in flows:
            flow._extensions_reloaded()

    def build_state(self, key: str, build: Callable[[], T], *, building: Callable[[], T]) -> T:
        """``state[key]``, made by ``build()`` once per session, whichever thread asks.

        How upper layers keep per-session state (the extension registry, the plugin
        manager): the build runs under the session's lock, so a thread asking meanwhile
        waits and then gets the finished state; nothing half-built is ever in
        :attr:`state`. A build that needs its own key again (an installer reading the
        flow it extends) gets ``building()`` instead, which is not kept.
        """
        state = self.state.get(key, _ABSENT)
        if state is not _ABSENT:
            return state  # type: ignore[no-any-return]
        with self._lock:
            state = self.state.get(key, _ABSENT)
            if state is not _ABSENT:
                return state  # type: ignore[no-any-return]
            if key in self._building:
                return building()
            self._building.add(key)
            try:
                made = build()
            finally:
                self._building.discard(key)
            self.state[key] = made
            return made

    def _add_flow(self, flow: Flow) -> None:
        with self._lock:  # reload_extensions() copies the set under the same lock
            self._flows.add(flow)

    def report(
        self,
        message: str,
        *,
        source: str | None = None,
        extension: str | None = None,
        factory: str | None = None,
        oid: str | None = None,
        error: BaseException | str | None = None,
        level: int = ERROR,
        key: Hashable = None,
    ) -> Diagnostic:
        """Record a problem graftflow survived; log it the first time only.

        The same problem (same origin, error and message) on many objects is one
        diagnostic whose ``count`` grows, not one log line per object.

        :param key: what makes two reports "the same problem", when the message is not
            (a factory's exception text often names the object it failed on).
        """
        error_name = type(error).__name__ if isinstance(error, BaseException) else error
        # One line, always: exception texts (pluggy's, pydantic's) may span several.
        message = "; ".join(line.strip() for line in message.splitlines() if line.strip())
        if key is None:
            key = (source, extension, factory, error_name, message)
        with self._report_lock:
            seen = self._seen.get(key)
            if seen is not None:
                seen.count += 1
                return seen
            diagnostic = Diagnostic(source, extension, factory, oid, message, error_name)
            self._seen[key] = diagnostic
            self.diagnostics.append(diagnostic)
            text = str(diagnostic)  # as it is now: its count grows later, the log must not
        self.logger.log(
            level, "%s", text, exc_info=error if isinstance(error, BaseException) else None
        )
        return diagnostic


def _as_config(config: Config | Mapping[str, Any] | None) -> Config | None:
    if config is None:
        return None
    from ._config import Config, validate_config

    if isinstance(config, Config):
        return config
    if isinstance(config, Mapping):
        return validate_config(config)
    raise TypeError(f"Session(config=...) takes a graftflow.Config or a mapping, not {config!r}")
