"""The ``graftflow`` command, run for real in subprocesses."""

from __future__ import annotations

import importlib.metadata
import json
import random
import re
import sqlite3
import sys
from pathlib import Path
from typing import Any

import pytest
from cli_support import Run, assert_ok, assert_user_error

import graftflow as gf


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
        """``demo`` creates the project and prints a preview of its tree: maps with their
        item counts, the first item in full, values, actions, and the override."""
        proc = run("--store", "sqlite:///s.db", "demo")
        assert_ok(proc)
        out = proc.stdout
        assert out.startswith("/demo DemoProject\n")
        for text in [
            "films map Films · 2 items",
            "sequences map Sequences · 10 items",
            "shots map Shots · 60 items",
            "sh0010 Shot\n",
            "frame_count computed 72",
            'hero connection "/demo/assets/mouse"',
            "publish action Publish [Run]",
            "bump_version action BumpVersion [Run]",
            "… 57 more",
            'sq020 Sequence status="wip"',
        ]:
            assert text in out, text
        flat = " ".join(out.split())  # the override sentence wraps at 80 columns
        assert (
            "override: handles is 12 on /demo/films/f02/sequences/sq010/shots/sh0010 "
            "(lamp_light_handles, weight 5, from plugin demo (graftflow "
        ) in flat
        assert "the base relation gives 8 on /demo/films/f01/sequences/sq010/shots/sh0010" in flat
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
        assert first == {"projects": 1, "films": 2, "assets": 4, "sequences": 20, "shots": 1200}

    def test_json(self, run: Run, workdir: Path) -> None:
        """``demo --json`` prints the store URL, whether it created, the tree preview and
        the override, as data."""
        proc = run("--store", "sqlite:///s.db", "demo", "--json")
        assert_ok(proc)
        data = json.loads(proc.stdout)
        assert set(data) == {"store", "created", "tree", "override"}
        assert data["store"] == f"sqlite:///{workdir / 's.db'}"
        assert data["created"] is True
        tree = data["tree"]
        assert (tree["oid"], tree["type"]) == ("/demo", "DemoProject")
        films = {row["name"]: row for row in tree["relations"]}["films"]
        assert (films["kind"], films["items"]["count"]) == ("map", 2)
        (f01,) = films["items"]["expanded"]
        assert f01["oid"] == "/demo/films/f01"
        assert [item["oid"] for item in films["items"]["listed"]] == ["/demo/films/f02"]
        sequences = {row["name"]: row for row in f01["relations"]}["sequences"]
        shots = {row["name"]: row for row in sequences["items"]["expanded"][0]["relations"]}
        (shot,) = shots["shots"]["items"]["expanded"]
        assert shot["oid"] == "/demo/films/f01/sequences/sq010/shots/sh0010"
        rows = {row["name"]: row for row in shot["relations"]}
        assert rows["frame_count"]["value"] == 72
        assert rows["hero"]["value"] == "/demo/assets/mouse"
        assert rows["bump_version"]["buttons"] == ["Run"]
        assert rows["handles"] | {"beaten": []} == rows["handles"] | {
            "kind": "param",
            "origin": "base",
            "value": 8,
            "beaten": [],
        }
        assert data["override"] == {
            "oid": "/demo/films/f02/sequences/sq010/shots/sh0010",
            "relation": "handles",
            "value": 12,
            "extension": "lamp_light_handles",
            "weight": 5,
            "source": f"plugin demo (graftflow {gf.__version__})",
            "factory": "graftflow.plugins.demo:lamp_light_handles",
            "base_oid": "/demo/films/f01/sequences/sq010/shots/sh0010",
            "base_value": 8,
        }

    def test_override_follows_the_config(self, run: Run, workdir: Path) -> None:
        """With the demo's extension disabled in the config, the f02 shots fall back to
        the base relation and no override is claimed."""
        config = workdir / "config.toml"
        config.write_text('disabled_extensions = ["lamp_light_handles"]\n')
        env = {"GRAFTFLOW_CONFIG": str(config)}
        proc = run("--store", "sqlite:///s.db", "demo", "--json", env=env)
        assert_ok(proc)
        assert json.loads(proc.stdout)["override"] is None
        proc = run(
            "--store",
            "sqlite:///s.db",
            "get",
            "/demo/films/f02/sequences/sq010/shots/sh0010/handles",
            env=env,
        )
        assert_ok(proc)
        assert proc.stdout == "8\n"

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
        """A bad GRAFTFLOW_STORE is a user error too, saying where the URL came from."""
        assert_user_error(
            run("demo", env={"GRAFTFLOW_STORE": "foo://x"}),
            re.escape("unknown store scheme 'foo' in 'foo://x'")
            + r".*"
            + re.escape(" (the store URL is GRAFTFLOW_STORE's)"),
        )

    def test_config_store_not_a_url(self, run: Run, workdir: Path) -> None:
        """``store = "nonsense"`` in the config file names the file and the key."""
        config = workdir / "config.toml"
        config.write_text('store = "nonsense"\n')
        assert_user_error(
            run("ls", env={"GRAFTFLOW_CONFIG": str(config)}),
            re.escape(
                f"config file {config}: key 'store': 'nonsense' is not a store URL; write "
                "memory://, sqlite:///PATH or redis://HOST:PORT/DB"
            ),
        )

    def test_config_store_that_does_not_open(self, run: Run, workdir: Path) -> None:
        """A config store URL that does not open says it came from the config file."""
        config = workdir / "config.toml"
        config.write_text('store = "sqlite:///missing.db"\n')
        assert_user_error(
            run("ls", env={"GRAFTFLOW_CONFIG": str(config)}),
            r".*missing\.db.*"
            + re.escape(f" (the store URL is the 'store' of config file {config})"),
        )

    @pytest.mark.parametrize("oid", ["", "  "])
    def test_empty_oid(self, run: Run, oid: str) -> None:
        """``graftflow get ""`` says an empty oid names nothing (not "is the flow")."""
        for command in ("get", "ls", "set"):
            args = [command, oid] + (["1"] if command == "set" else [])
            assert_user_error(
                run("--store", "memory://", *args),
                re.escape(
                    "an empty oid names nothing; the root is '/' (graftflow ls / lists the "
                    "projects)"
                ),
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


class TestConfigFile:
    def test_config_option(self, run: Run, workdir: Path, home: Path) -> None:
        """``--config FILE`` reads that file instead of the user's own."""
        own = home / ".config" / "graftflow" / "config.toml"
        own.parent.mkdir(parents=True)
        own.write_text('store = "sqlite:///own.db"\n')
        other = workdir / "ana.toml"
        other.write_text('store = "sqlite:///ana.db"\nuser = "ana"\n')
        proc = run("--config", str(other), "demo", "--json")
        assert_ok(proc)
        assert json.loads(proc.stdout)["store"] == f"sqlite:///{workdir / 'ana.db'}"
        proc = run("demo", "--json")
        assert json.loads(proc.stdout)["store"] == f"sqlite:///{workdir / 'own.db'}"

    def test_user_option_keeps_the_config_file(self, run: Run, workdir: Path, home: Path) -> None:
        """``--user`` says who works; the config file read stays the account's own (as
        the docs say): its installers apply, and the session's user is the one given."""
        own = home / ".config" / "graftflow" / "config.toml"
        own.parent.mkdir(parents=True)
        own.write_text('user = "bob"\ninstallers = ["nowhere:install"]\n')
        proc = run("--store", "memory://", "--user", "ana", "extensions", "--json")
        assert_ok(proc)
        data = json.loads(proc.stdout)
        assert data["user"] == "ana"
        (source,) = [s for s in data["sources"] if s["kind"] == "config"]
        assert (source["name"], source["status"]) == ("nowhere:install", "failed")

    def test_missing_config_option_file(self, run: Run, workdir: Path) -> None:
        missing = workdir / "nope.toml"
        assert_user_error(
            run("--config", str(missing), "ls"),
            re.escape(f"config file {missing} does not exist"),
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

    def test_the_command_imports_with_the_collector_paused(self, run_python: Any) -> None:
        """The ``graftflow`` script starts in a module outside the package, which imports
        the command with the garbage collector paused, then freezes what the imports
        made (issue 15's latency): no collection runs before that freeze (importing
        the command unpaused collects some 30 times), and the command runs with the
        collector on."""
        (script,) = importlib.metadata.entry_points(group="console_scripts", name="graftflow")
        assert script.value == "_graftflow_cli:main"
        proc = run_python(
            "import gc, json, sys\n"
            "frozen_at_collections = []\n"
            "gc.callbacks.append(lambda phase, info: phase == 'start' and "
            "frozen_at_collections.append(gc.get_freeze_count()))\n"
            "import _graftflow_cli\n"
            "sys.argv = ['graftflow', '--version']\n"
            "try:\n"
            "    _graftflow_cli.main()\n"
            "except SystemExit as done:\n"
            "    assert done.code in (0, None), done.code\n"
            "print(json.dumps([gc.isenabled(), frozen_at_collections]))\n"
        )
        enabled, frozen_at_collections = json.loads(proc.stdout.splitlines()[-1])
        assert enabled
        # --version reads the distribution's metadata: that collects, after the freeze.
        assert frozen_at_collections, "the command itself ran with the collector off"
        assert min(frozen_at_collections) > 10_000, frozen_at_collections

    def test_help(self, run: Run) -> None:
        """``--help`` lists the demo command and the global --store option."""
        proc = run("--help")
        assert_ok(proc)
        assert "demo" in proc.stdout
        assert "--store URL" in proc.stdout
