"""kabaret's session logging API, on graftflow's session.

kabaret flows (and the factories ported from kabaret.flow_extensions) report through
``session.log_error(message)`` and its siblings. Here errors and warnings become
:attr:`~graftflow.Session.diagnostics` (so ``graftflow doctor`` and tools list them,
counted rather than repeated) and are logged once on the ``graftflow`` logger; info
and debug messages are only logged.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._session import Diagnostic

__all__ = ["SessionLog"]

#: The ``source`` of the diagnostics these methods record.
SOURCE = "session log"


class SessionLog:
    """``log_error``, ``log_warning``, ``log_info``, ``log_debug``, as in kabaret."""

    __slots__ = ()

    logger: logging.Logger

    if TYPE_CHECKING:

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
        self.report(str(message), source=SOURCE, level=logging.ERROR)

    def log_warning(self, message: Any) -> None:
        """Record a warning in the diagnostics and log it (once, however often)."""
        self.report(str(message), source=SOURCE, level=logging.WARNING)

    def log_info(self, message: Any) -> None:
        """Log at INFO on the ``graftflow`` logger."""
        self.logger.info("%s", message)

    def log_debug(self, message: Any) -> None:
        """Log at DEBUG on the ``graftflow`` logger."""
        self.logger.debug("%s", message)
