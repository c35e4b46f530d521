"""Shared fixtures: stores parametrized over every backend, and real subprocesses."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import graftflow as gf

TESTS = Path(__file__).parent

#: Every store the conformance suite runs on. The Redis store joins with its issue.
STORE_KINDS = ["memory", "sqlite"]


def make_store(kind: str, tmp_path: Path) -> gf.Store:
    if kind == "memory":
        return gf.MemoryStore()
    if kind == "sqlite":
        return gf.SQLiteStore(tmp_path / "store.db")
    raise ValueError(kind)


@pytest.fixture(params=STORE_KINDS)
def store_kind(request: pytest.FixtureRequest) -> str:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def store(store_kind: str, tmp_path: Path) -> Iterator[gf.Store]:
    """A fresh store of each kind, closed afterwards."""
    s = make_store(store_kind, tmp_path)
    yield s
    s.close()


@pytest.fixture
def flow(store: gf.Store) -> gf.Flow:
    """A flow on a fresh store of each kind."""
    return gf.Flow(session=gf.Session(user="tester", environ={}), store=store)


@pytest.fixture
def memflow() -> gf.Flow:
    """A flow on a MemoryStore, for tests that are not about stores."""
    return gf.Flow(session=gf.Session(user="tester", environ={}))


PythonRunner = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def run_python(tmp_path: Path) -> PythonRunner:
    """Run a snippet in a fresh interpreter that can import the tests' sample modules.

    Returns the completed process; a non-zero exit fails the test with its stderr
    unless ``check=False``.
    """

    def run(
        code: str, *, check: bool = True, timeout: float = 120, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        full_env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]),
        }
        full_env.update(env or {})
        proc = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(code)],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=tmp_path,
            env=full_env,
            check=False,
        )
        if check and proc.returncode != 0:
            pytest.fail(f"subprocess failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
        return proc

    return run
