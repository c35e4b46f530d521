"""A plugin whose hook takes an argument the spec does not offer."""

from graftflow.plugins import hookimpl


@hookimpl
def graftflow_install_extensions(session, flow):  # type: ignore[no-untyped-def]
    return {}
