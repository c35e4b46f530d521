"""The ``graftflow`` command, run for real in subprocesses."""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import graftflow as gf

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


def demo_counts(path: Path) -> dict[str, int]:
    """What the demo project holds in the SQLite store at ``path``."""
    store = gf.SQLiteStore(path, create=False)
    try:
        flow = gf.Flow(store=store)
        project = flow.project("demo")
        films = project.films
        return {
            "projects": len(flow.projects()),
            "films": len(films),
            "assets": len(project.assets),
            "sequences": sum(len(films[f].sequences) for f in films),
            "shots": sum(
                len(films[f].sequences[s].shots) for f in films for s in films[f].sequences
            ),
        }
    finally:
        store.close()


class TestDemo:
    def test_prints_tree(self, run: Run, workdir: Path) -> None:
        """``demo`` creates the project and prints its tree: maps, items, values, actions."""
        proc = run("--store", "sqlite:///s.db", "demo")
        assert_ok(proc)
        out = proc.stdout
        assert out.startswith("/demo DemoProject")
        for text in ["films map Films", "f01 Film", "sh0010 Shot", "frame_count computed = 72"]:
            assert text in out
        assert "bump_version action [Run]" in out
        assert "hero connection = /demo/assets/bob" in out
        assert "created project 'demo'" in out
        assert (workdir / "s.db").is_file()

    def test_second_run_reuses(self, run: Run, workdir: Path) -> None:
        """A second ``demo`` on the same store says it reused the project and adds nothing."""
        assert_ok(run("--store", "sqlite:///s.db", "demo"))
        first = demo_counts(workdir / "s.db")
        proc = run("--store", "sqlite:///s.db", "demo")
        assert_ok(proc)
        assert "reused project 'demo'" in proc.stdout
        assert "created project" not in proc.stdout
        assert demo_counts(workdir / "s.db") == first
        assert first == {"projects": 1, "films": 2, "assets": 3, "sequences": 4, "shots": 12}

    def test_json(self, run: Run, workdir: Path) -> None:
        """``demo --json`` prints JSON with the store URL, whether it created, and the tree."""
        proc = run("--store", "sqlite:///s.db", "demo", "--json")
        assert_ok(proc)
        data = json.loads(proc.stdout)
        assert set(data) == {"store", "created", "tree"}
        assert data["store"] == f"sqlite:///{workdir / 's.db'}"
        assert data["created"] is True
        tree = data["tree"]
        assert tree["oid"] == "/demo"
        assert tree["type"] == "DemoProject"
        films = tree["relations"]["films"]
        assert films["kind"] == "map"
        assert list(films["items"]) == ["f01", "f02"]
        shot = films["items"]["f01"]["relations"]["sequences"]["items"]["sq010"]["relations"][
            "shots"
        ]["items"]["sh0010"]
        assert shot["oid"] == "/demo/films/f01/sequences/sq010/shots/sh0010"
        assert shot["relations"]["frame_count"] == {"kind": "computed", "value": 72}
        assert shot["relations"]["hero"] == {"kind": "connection", "value": "/demo/assets/bob"}
        assert shot["relations"]["bump_version"] == {"kind": "action", "buttons": ["Run"]}

    def test_json_second_run(self, run: Run) -> None:
        """``demo --json`` on an existing demo reports created false."""
        assert_ok(run("--store", "sqlite:///s.db", "demo"))
        proc = run("--store", "sqlite:///s.db", "demo", "--json")
        assert_ok(proc)
        assert json.loads(proc.stdout)["created"] is False

    def test_memory_store(self, run: Run, workdir: Path) -> None:
        """``--store memory://`` works and leaves no file behind."""
        proc = run("--store", "memory://", "demo")
        assert_ok(proc)
        assert proc.stdout.startswith("/demo DemoProject")
        assert "created project 'demo' in memory://" in proc.stdout
        assert list(workdir.iterdir()) == []

    def test_env_store(self, run: Run, workdir: Path) -> None:
        """GRAFTFLOW_STORE names the store when --store is absent."""
        proc = run("demo", "--json", env={"GRAFTFLOW_STORE": "sqlite:///env.db"})
        assert_ok(proc)
        assert json.loads(proc.stdout)["store"] == f"sqlite:///{workdir / 'env.db'}"
        assert demo_counts(workdir / "env.db")["films"] == 2

    def test_option_beats_env(self, run: Run, workdir: Path) -> None:
        """--store wins over GRAFTFLOW_STORE."""
        proc = run("--store", "sqlite:///opt.db", "demo", env={"GRAFTFLOW_STORE": "foo://x"})
        assert_ok(proc)
        assert (workdir / "opt.db").is_file()

    def test_default_store_in_user_data_dir(self, run: Run, home: Path, workdir: Path) -> None:
        """Without --store nor GRAFTFLOW_STORE the store is a file in the user data dir."""
        data_home = home / "data"
        proc = run("demo", "--json", env={"XDG_DATA_HOME": str(data_home)})
        assert_ok(proc)
        url = json.loads(proc.stdout)["store"]
        assert url.startswith("sqlite:///")
        path = Path(url.removeprefix("sqlite:///"))
        if sys.platform.startswith("linux"):
            assert path == data_home / "graftflow" / "graftflow.db"
        assert path.is_relative_to(home)
        assert path.is_file()
        assert demo_counts(path)["projects"] == 1
        assert list(workdir.iterdir()) == []


class TestUserErrors:
    def test_unknown_scheme(self, run: Run) -> None:
        """An unknown store scheme is one error line and exit 1."""
        assert_user_error(
            run("--store", "foo://x", "demo"),
            re.escape("unknown store scheme 'foo' in 'foo://x' (known: memory://, sqlite:///PATH")
            + r".*\)",
        )

    def test_not_a_url(self, run: Run) -> None:
        """A bare path is refused with a hint at the sqlite:/// spelling."""
        assert_user_error(
            run("--store", "studio.db", "demo"),
            re.escape("'studio.db' is not a store URL (known: memory://, sqlite:///PATH")
            + r".*"
            + re.escape("; did you mean 'sqlite:///studio.db'?"),
        )

    def test_garbage_file(self, run: Run, workdir: Path) -> None:
        """A file of random bytes is one error line naming it, and is left untouched."""
        garbage = workdir / "garbage.db"
        content = random.Random(0).randbytes(8192)
        garbage.write_bytes(content)
        assert_user_error(
            run("--store", "sqlite:///garbage.db", "demo"),
            re.escape(f"{garbage} is not a usable SQLite database (")
            + r".+"
            + re.escape("); move it away or choose another store"),
        )
        assert garbage.read_bytes() == content

    def test_missing_directory(self, run: Run) -> None:
        """A store in a directory that does not exist is one error line naming it."""
        assert_user_error(
            run("--store", "sqlite:////nonexistent/dir/x.db", "demo"),
            re.escape(
                "cannot create /nonexistent/dir/x.db: directory /nonexistent/dir does not exist"
            ),
        )

    def test_sqlite_not_a_graftflow_store(self, run: Run, workdir: Path) -> None:
        """A SQLite database of another application is one error line; it is not modified."""
        other = workdir / "other.db"
        with sqlite3.connect(other) as conn:
            conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
        conn.close()
        assert_user_error(
            run("--store", "sqlite:///other.db", "demo"),
            re.escape(
                f"{other} is a SQLite database but not a graftflow store (it holds the tables "
                "'invoices'); choose another file"
            ),
        )
        with sqlite3.connect(other) as conn:
            tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master")]
        conn.close()
        assert tables == ["invoices"]

    def test_bad_env_store(self, run: Run) -> None:
        """A bad GRAFTFLOW_STORE is a user error too."""
        assert_user_error(
            run("demo", env={"GRAFTFLOW_STORE": "foo://x"}),
            re.escape("unknown store scheme 'foo' in 'foo://x'") + r".*",
        )

    def test_broken_config_file(self, run: Run, workdir: Path) -> None:
        """A config file with a bad key is one line naming the file and the key."""
        config = workdir / "config.toml"
        config.write_text("blocked = 3\n")
        assert_user_error(
            run("demo", env={"GRAFTFLOW_CONFIG": str(config)}),
            re.escape(
                f"config file {config}: key 'blocked': expected a list of names (strings), got 3"
            ),
        )

    def test_missing_named_config_file(self, run: Run, workdir: Path) -> None:
        """GRAFTFLOW_CONFIG naming a file that does not exist is a user error."""
        missing = workdir / "nope.toml"
        assert_user_error(
            run("demo", env={"GRAFTFLOW_CONFIG": str(missing)}),
            re.escape(f"config file {missing} does not exist (named by GRAFTFLOW_CONFIG)"),
        )


class TestConfigStore:
    def test_config_store_is_used(self, run: Run, workdir: Path) -> None:
        """The config file's `store` names the store when neither --store nor
        GRAFTFLOW_STORE does."""
        config = workdir / "config.toml"
        config.write_text('store = "sqlite:///from-config.db"\n')
        proc = run("demo", "--json", env={"GRAFTFLOW_CONFIG": str(config)})
        assert proc.returncode == 0, proc.stderr
        assert json.loads(proc.stdout)["store"] == f"sqlite:///{workdir / 'from-config.db'}"
        assert (workdir / "from-config.db").is_file()

    def test_env_store_beats_config_store(self, run: Run, workdir: Path) -> None:
        """GRAFTFLOW_STORE wins over the config file's `store`."""
        config = workdir / "config.toml"
        config.write_text('store = "sqlite:///from-config.db"\n')
        env = {"GRAFTFLOW_CONFIG": str(config), "GRAFTFLOW_STORE": "sqlite:///from-env.db"}
        proc = run("demo", "--json", env=env)
        assert json.loads(proc.stdout)["store"] == f"sqlite:///{workdir / 'from-env.db'}"
        assert not (workdir / "from-config.db").exists()


class TestUsage:
    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (["nope"], "No such command 'nope'."),
            (["--bogus", "demo"], "No such option: --bogus|No such option '--bogus'"),
            (["demo", "--bogus"], "No such option: --bogus|No such option '--bogus'"),
            (["--store"], "Option '--store' requires an argument."),
        ],
    )
    def test_usage_error_exits_2(self, run: Run, args: list[str], message: str) -> None:
        """A usage mistake (unknown command or option) exits 2 without a traceback."""
        proc = run(*args)
        assert proc.returncode == 2
        assert re.search(message, proc.stderr)
        assert "Traceback" not in proc.stderr

    def test_version(self, run: Run) -> None:
        """``--version`` prints the package version."""
        proc = run("--version")
        assert_ok(proc)
        assert proc.stdout == f"graftflow, version {gf.__version__}\n"

    def test_help(self, run: Run) -> None:
        """``--help`` lists the demo command and the global --store option."""
        proc = run("--help")
        assert_ok(proc)
        assert "demo" in proc.stdout
        assert "--store URL" in proc.stdout
