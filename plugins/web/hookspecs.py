"""The flow browser's hook: plugins add panels to object pages.

Added to each session's plugin manager by the web plugin's ``graftflow_add_hookspecs``
(and by any plugin implementing it, if the web plugin is blocked), so implementing it
never reads as an unknown hook. This module imports nothing heavy: plugins that never
serve pages pay nothing for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from graftflow.extensions import hookspec

if TYPE_CHECKING:
    from graftflow import Object

    from ._page import PageTools, Panel

__all__ = ["graftflow_web_panels"]


@hookspec
def graftflow_web_panels(obj: Object, page: PageTools) -> Sequence[Panel] | None:
    """Return panels to show on ``obj``'s page (``None`` or ``[]`` for none).

    Called each time the page (or its live update) is rendered, on a server thread,
    so keep it to what the page shows. Build the panel's HTML with ``page``: its
    helpers escape what they are given and add the CSRF token to buttons; anything
    you put in a :class:`~graftflow.plugins.web.Panel` yourself must be escaped
    (``page.escape``). A raising implementation is recorded in the session's
    diagnostics and the page shows without its panels.
    """
