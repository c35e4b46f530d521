"""graftflow.plugins.web: the flow browser, ``graftflow serve``.

An artist opens ``http://127.0.0.1:8765/flow/demo/films/f01`` and sees that object laid
out by the UI protocol (:mod:`graftflow.ui`): params edited in place, actions as buttons
and dialogs, maps as paged tables, connections as links, the origin of every grafted
relation, the session's diagnostics, and plugins' panels (the workflow plugin's
processes). Pages are rendered on the server; htmx (shipped inside the package, like
every asset) makes edits and dialogs happen in place, and server-sent events bring
other users' changes within a second.

Install it with ``pip install 'graftflow[web]'``. Plugins add panels to object pages
through the ``graftflow_web_panels`` hook (:mod:`graftflow.plugins.web.hookspecs`),
building their HTML with the :class:`PageTools` they are given.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._app import create_app
    from ._page import PageTools, Panel

__all__ = ["PageTools", "Panel", "create_app"]


def __getattr__(name: str) -> Any:
    # The plugin module is imported by every session (its entry point); Starlette and
    # Jinja2 only when a server is really made.
    if name == "create_app":
        from ._app import create_app

        return create_app
    if name in ("Panel", "PageTools"):
        from . import _page

        return getattr(_page, name)
    raise AttributeError(f"module 'graftflow.plugins.web' has no attribute {name!r}")
