"""The ``graftflow`` command's entry point: a module outside the package, on purpose.

A command is a short process that imports some 150 modules before it reads a value.
What those imports make lives as long as the process, yet the garbage collector,
counting allocations, walks it again and again while the imports run: about 3 ms of
a 60 ms ``graftflow get`` (issue 15). Imported from here, the command's modules load
with the collector paused, and what they made is then moved out of its sight
(:func:`gc.freeze`) before the command runs, collector on, as any program does.

This cannot live in the package: importing any ``graftflow`` module runs
``graftflow/__init__.py`` (most of the imports) first.
"""

import gc

__all__ = ["main"]


def main() -> None:
    """Run the ``graftflow`` command (the console script calls this)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        from graftflow.plugins.cli import main as command
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
    command()
