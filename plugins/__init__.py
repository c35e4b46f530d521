"""graftflow.plugins: what ships built on graftflow (the CLI, the demo studio)."""

from __future__ import annotations

__all__: list[str] = []
