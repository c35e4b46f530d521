"""A plugin whose install hook raises."""

from graftflow.plugins import hookimpl


@hookimpl
def graftflow_install_extensions(session):  # type: ignore[no-untyped-def]
    raise KeyError("plugin settings")
