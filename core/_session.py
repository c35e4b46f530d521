"""Session: who is working, in which environment, and what went wrong.

The core session is data. Upper layers keep their per-session state in
:attr:`Session.state` (the extensions layer keeps its registry there, built lazily the
first time an extendable object needs it), which is how ``graftflow.Session`` works
without the core importing any of them. Failures that must never break the user's
work (a broken installer, a raising touch handler) are recorded in
:attr:`Session.diagnostics` and logged once.
"""

from __future__ import annotations

import getpass
import itertools
import logging
import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

__all__ = ["Diagnostic", "Session"]

logger = logging.getLogger("graftflow")


@dataclass(slots=True)
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
    """

    source: str | None
    extension: str | None
    factory: str | None
    oid: str | None
    message: str
    error: str | None
    count: int = field(default=1, compare=False)

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
        error = f"{self.error}: " if self.error else ""
        times = f" (x{self.count})" if self.count > 1 else ""
        return (
            f"{origin}: {error}{self.message}{times}" if origin else f"{error}{self.message}{times}"
        )


def _user_from(environ: Mapping[str, str]) -> str:
    for var in ("GRAFTFLOW_USER", "LOGNAME", "USER", "LNAME", "USERNAME"):
        value = environ.get(var)
        if value:
            return value
    if environ is os.environ:
        try:
            return getpass.getuser()
        except (KeyError, OSError):  # no passwd entry (containers)
            pass
    return "anonymous"


class Session:
    """Who is working and with which extensions.

    :param user: the user name (default: ``GRAFTFLOW_USER``, else the login name).
    :param config: the settings object (the extensions layer reads and validates it).
    :param environ: used instead of ``os.environ`` when given (tests, servers).
    """

    _counter: ClassVar[itertools.count[int]] = itertools.count(1)

    def __init__(
        self,
        user: str | None = None,
        config: Any = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.environ: Mapping[str, str] = os.environ if environ is None else environ
        self.user: str = user if user is not None else _user_from(self.environ)
        #: ``user:token``: unique per session, the user name first (the seed's idiom).
        self.uid: str = f"{self.user}:{uuid.uuid4().hex[:12]}"
        self.config = config
        self.diagnostics: list[Diagnostic] = []
        #: Per-session state of the upper layers, keyed by their module name.
        self.state: dict[str, Any] = {}
        #: Bumped by :meth:`reload_extensions`, so layers can tell stale state apart.
        self.generation = 0
        self.logger = logger
        self._session_values: dict[str, Any] = {}
        self._seen: dict[tuple[str | None, ...], Diagnostic] = {}

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Session:
        """A session for the current user and environment."""
        return cls(environ=environ)

    def __repr__(self) -> str:
        return f"<Session {self.uid} ({len(self.diagnostics)} diagnostics)>"

    def reload_extensions(self) -> None:
        """Drop per-session extension state, so installers are read again when needed."""
        self.state.clear()
        self.generation += 1

    def report(
        self,
        message: str,
        *,
        source: str | None = None,
        extension: str | None = None,
        factory: str | None = None,
        oid: str | None = None,
        error: BaseException | str | None = None,
        level: int = logging.ERROR,
    ) -> Diagnostic:
        """Record a problem graftflow survived; log it the first time only.

        The same problem (same origin, error and message) on many objects is one
        diagnostic whose ``count`` grows, not one log line per object.
        """
        error_name = type(error).__name__ if isinstance(error, BaseException) else error
        key = (source, extension, factory, error_name, message)
        seen = self._seen.get(key)
        if seen is not None:
            seen.count += 1
            return seen
        diagnostic = Diagnostic(source, extension, factory, oid, message, error_name)
        self._seen[key] = diagnostic
        self.diagnostics.append(diagnostic)
        self.logger.log(
            level,
            "%s",
            diagnostic,
            exc_info=error if isinstance(error, BaseException) else None,
        )
        return diagnostic
