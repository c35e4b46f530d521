"""The ``GRAFTFLOW_*`` variables: the one place graftflow reads them.

A session reads them once, from its own ``environ`` (``os.environ`` unless given), so a
server holding sessions for several users never mixes their settings with its own
process environment. Everything above the core asks the session
(:attr:`Session.env <graftflow.Session.env>`, :attr:`Session.store_url
<graftflow.Session.store_url>`, :attr:`Session.blocked <graftflow.Session.blocked>`),
never ``os.environ``.
"""

import re
from collections.abc import Mapping
from typing import Final, NamedTuple, final

__all__ = ["Environment", "split_names"]

USER: Final = "GRAFTFLOW_USER"
STORE: Final = "GRAFTFLOW_STORE"
CONFIG: Final = "GRAFTFLOW_CONFIG"
INSTALLERS: Final = "GRAFTFLOW_INSTALLERS"
BLOCKED: Final = "GRAFTFLOW_BLOCKED"

#: Compiled when first used: every session reads GRAFTFLOW_BLOCKED, seldom set.
_SEPARATORS: Final = r"[,;\s]+"


def split_names(value: str) -> list[str]:
    """Split a list of names as users write it: commas, semicolons or whitespace."""
    return [name for name in re.split(_SEPARATORS, value) if name] if value else []


# No `from __future__ import annotations` in this module: a named tuple compiles each
# field's annotation given as a string (issue 15: every command makes a session).
@final
class Environment(NamedTuple):
    """The ``GRAFTFLOW_*`` variables of one environment, as given (``None``: unset).

    :ivar user: ``GRAFTFLOW_USER``: who works (wins over the config file's ``user``).
    :ivar store: ``GRAFTFLOW_STORE``: the store URL (wins over the config's ``store``).
    :ivar config: ``GRAFTFLOW_CONFIG``: the config file to read instead of the default.
    :ivar installers: ``GRAFTFLOW_INSTALLERS`` as written, ``module:attr[;...]``; the
        extensions layer reads it entry by entry, so each bad entry is reported alone.
    :ivar blocked: the names ``GRAFTFLOW_BLOCKED`` lists.
    """

    user: str | None = None
    store: str | None = None
    config: str | None = None
    installers: str | None = None
    blocked: tuple[str, ...] = ()

    @classmethod
    def read(cls, environ: Mapping[str, str]) -> "Environment":
        """Read the variables from ``environ``; blank ones count as unset (but an empty
        ``GRAFTFLOW_INSTALLERS`` is kept: it is reported as a likely mistake)."""
        return cls(
            user=environ.get(USER) or None,
            store=environ.get(STORE) or None,
            config=environ.get(CONFIG, "").strip() or None,
            installers=environ.get(INSTALLERS),
            blocked=tuple(split_names(environ.get(BLOCKED, ""))),
        )
