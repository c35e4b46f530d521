"""Helpers for tests that run the ``graftflow`` command in real subprocesses."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

Run = Callable[..., subprocess.CompletedProcess[str]]


def graftflow_command() -> str:
    """The installed ``graftflow`` script: next to this interpreter, else on PATH."""
    beside = Path(sys.executable).parent / "graftflow"
    if beside.is_file():
        return str(beside)
    found = shutil.which("graftflow")
    if found is None:
        pytest.fail("the graftflow command is not installed next to python nor on PATH")
    return found


def assert_ok(proc: subprocess.CompletedProcess[str]) -> None:
    """The command succeeded quietly."""
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""


def assert_user_error(proc: subprocess.CompletedProcess[str], pattern: str) -> None:
    """Exit 1 with exactly one stderr line, ``graftflow: error: ...`` matching pattern."""
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert re.fullmatch(f"graftflow: error: {pattern}", lines[0]), lines[0]
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""
