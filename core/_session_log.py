"""kabaret's session logging API, on graftflow's session.

kabaret flows (and the factories ported from kabaret.flow_extensions) report through
``session.log_error(message)`` and its siblings. Here errors and warnings become
:attr:`~graftflow.Session.diagnostics` (so ``graftflow doctor`` and tools list them,
counted rather than repeated) and are logged once on the ``graftflow`` logger; info
and debug messages are only logged.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    import logging

    from ._session import Diagnostic

__all__ = ["ERROR", "WARNING", "SessionLog"]

#: logging's levels (their values are part of logging's API). Named here so that
#: ``import graftflow`` does not import logging: a session imports it when it first logs,
#: and most never do (issue 15: a command's startup).
WARNING: Final = 30
ERROR: Final = 40

#: The ``source`` of the diagnostics these methods record.
SOURCE = "session log"


class SessionLog:
    """``log_error``, ``log_warning``, ``log_info``, ``log_debug``, as in kabaret."""

    __slots__ = ()

    if TYPE_CHECKING:

        @property
        def logger(self) -> logging.Logger: ...

        def report(
            self,
            message: str,
            *,
            source: str | None = ...,
            extension: str | None = ...,
            factory: str | None = ...,
            oid: str | None = ...,
            error: BaseException | str | None = ...,
            level: int = ...,
            key: Hashable = ...,
        ) -> Diagnostic: ...

    def log_error(self, message: Any) -> None:
        """Record an error in the diagnostics and log it (once, however often)."""
        self.report(str(message), source=SOURCE, level=ERROR)

    def log_warning(self, message: Any) -> None:
        """Record a warning in the diagnostics and log it (once, however often)."""
        self.report(str(message), source=SOURCE, level=WARNING)

    def log_info(self, message: Any) -> None:
        """Log at INFO on the ``graftflow`` logger."""
        self.logger.info("%s", message)

    def log_debug(self, message: Any) -> None:
        """Log at DEBUG on the ``graftflow`` logger."""
        self.logger.debug("%s", message)
