"""The show's plugin: its extensions come through the install hook."""

from __future__ import annotations

from graftflow.plugins import hookimpl

from . import fallback_status, show_code, show_status


@hookimpl
def graftflow_install_extensions(session):  # type: ignore[no-untyped-def]
    return {"show_status": [show_status, fallback_status], "show_code": [show_code]}
