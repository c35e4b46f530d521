"""graftflow.plugins: what ships built on graftflow (the CLI, the demo studio).

Plugin authors import the hook markers from here:

    from graftflow.plugins import hookimpl

    @hookimpl
    def graftflow_install_extensions(session):
        return {"my_tools": [my_factory]}

and declare the module in their distribution's ``graftflow.plugins`` entry points.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from graftflow.extensions import hookimpl, hookspec

__all__ = ["hookimpl", "hookspec"]


def __getattr__(name: str) -> Any:
    # The markers live in the extensions layer, which imports pluggy and reads entry
    # points: the command line (this package too) must not pay for it on every `get`.
    if name in __all__:
        from graftflow import extensions

        return getattr(extensions, name)
    raise AttributeError(f"module 'graftflow.plugins' has no attribute {name!r}")
