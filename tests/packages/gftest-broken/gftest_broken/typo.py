"""A plugin with a misspelt hook name: it would silently never be called."""

from graftflow.plugins import hookimpl


@hookimpl
def graftflow_instal_extensions(session):  # type: ignore[no-untyped-def]
    return {}
