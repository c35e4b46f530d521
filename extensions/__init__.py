"""graftflow.extensions: grafting relations onto the tree from outside the base classes.

The dynamic tree manager, installer sources (entry points, pluggy plugins, per-user
config, environment variable), hook specs and ``describe()`` land here with the
"dynamic relations" issue. This layer may import the core; the core never imports it.
"""

from __future__ import annotations

__all__: list[str] = []
