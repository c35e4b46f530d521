"""A module that fails while it is imported, as a half-deployed package does."""

raise RuntimeError("gftest_broken_import cannot be imported: its config is missing")
