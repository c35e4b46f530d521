"""graftflow.plugins: what ships built on graftflow (the CLI, the demo studio).

Plugin authors import the hook markers from here:

    from graftflow.plugins import hookimpl

    @hookimpl
    def graftflow_install_extensions(session):
        return {"my_tools": [my_factory]}

and declare the module in their distribution's ``graftflow.plugins`` entry points.
"""

from __future__ import annotations

from graftflow.extensions import hookimpl, hookspec

__all__ = ["hookimpl", "hookspec"]
