"""Shared fixtures: stores parametrized over every backend, and real subprocesses."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cli_support import Run, graftflow_command
from redis_server import RedisServer

import graftflow as gf

TESTS = Path(__file__).parent

#: Every store the conformance suite (and every `flow` test) runs on.
STORE_KINDS = ["memory", "sqlite", "redis"]


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A redis-server for the whole run; a missing binary skips loudly, or fails in CI."""
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    if server.binary is None:
        message = (
            "redis-server is not installed: Redis tests cannot run "
            "(apt-get install redis-server; .ci/run does)"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    pytest.importorskip("redis", reason="the redis package is missing: pip install redis")
    server.start()
    yield server
    server.stop()


def make_store(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> gf.Store:
    if kind == "memory":
        return gf.MemoryStore()
    if kind == "sqlite":
        return gf.SQLiteStore(tmp_path / "store.db")
    if kind == "redis":
        server: RedisServer = request.getfixturevalue("redis_server")
        # One server for the run; a prefix per test keeps tests apart.
        return gf.RedisStore(server.url, prefix=f"t{uuid.uuid4().hex[:12]}")
    raise ValueError(kind)


@pytest.fixture(params=STORE_KINDS)
def store_kind(request: pytest.FixtureRequest) -> str:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def store(store_kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[gf.Store]:
    """A fresh store of each kind, closed afterwards."""
    s = make_store(store_kind, tmp_path, request)
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


# -- the graftflow command, run for real ---------------------------------------------------


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A fake home directory, so nothing touches the real user data dir."""
    path = tmp_path / "home"
    path.mkdir()
    return path


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """The working directory of the command (resolved, as the command sees it)."""
    path = tmp_path / "work"
    path.mkdir()
    return path.resolve()


@pytest.fixture
def run(home: Path, workdir: Path) -> Run:
    """Run ``graftflow ARGS`` in ``workdir`` with a clean environment; return the result."""
    command = graftflow_command()

    def run_command(
        *args: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        base = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("GRAFTFLOW_", "XDG_")) and k != "FORCE_COLOR"
        }
        base.update(
            COLUMNS="120",
            HOME=str(home),
            XDG_DATA_HOME=str(home / ".local" / "share"),
            XDG_CONFIG_HOME=str(home / ".config"),
        )
        base.update(env or {})
        return subprocess.run(
            [command, *args],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=workdir,
            env=base,
            check=False,
        )

    return run_command


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo project in a SQLite file, made once per run: tests work on copies."""
    from graftflow.plugins.demo import create_demo

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    store = gf.SQLiteStore(path)
    try:
        create_demo(gf.Flow(store=store))
    finally:
        store.close()
    return path
