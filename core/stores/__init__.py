"""Where values live: the store protocol, ``open_store`` and the built-in backends.

The rest of the core reads and writes through the :class:`~graftflow.Store` protocol
only; this package is the one place that knows how a value reaches memory, a SQLite
file or a Redis server. The public names are re-exported by ``graftflow``.
"""
