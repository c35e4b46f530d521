"""Plugins add commands to ``graftflow`` through ``graftflow_register_commands``.

Each test installs real distributions (a ``.dist-info`` with its entry points, and the
plugin module) into a directory that the ``graftflow`` subprocess gets on its
``PYTHONPATH``, so discovery goes through ``importlib.metadata`` as deployed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_support import Run, assert_ok
from extension_fixtures import TmpDists

pytest_plugins = ["extension_fixtures"]

GREETER = """
    import pathlib, os
    from graftflow.plugins import hookimpl

    # Proves (or disproves) that the command line imported the plugin at all.
    pathlib.Path(os.environ["GFCMD_MARKER"]).write_text("imported")

    @hookimpl
    def graftflow_register_commands(cli):
        import click

        @cli.command()
        @click.argument("name")
        def hello(name):
            '''Greet NAME (a plugin's command).'''
            click.echo(f"hello {name}")
"""

BROKEN = """
    from graftflow.plugins import hookimpl

    @hookimpl
    def graftflow_register_commands(cli):
        raise RuntimeError("the command module is missing")
"""


@pytest.fixture
def plugins(tmp_dists: TmpDists) -> TmpDists:
    """``gfcmd-greeter`` adds ``hello``; ``gfcmd-broken`` raises from the hook."""
    tmp_dists.module("gfcmd_greeter", GREETER)
    tmp_dists.module("gfcmd_broken", BROKEN)
    tmp_dists.dist(
        "gfcmd-greeter", entry_points={"graftflow.plugins": {"greeter": "gfcmd_greeter"}}
    )
    tmp_dists.dist("gfcmd-broken", entry_points={"graftflow.plugins": {"broken": "gfcmd_broken"}})
    return tmp_dists


def graftflow(run: Run, dists: TmpDists, *args: str, **env: str) -> tuple[int, str, list[str]]:
    """Run ``graftflow ARGS`` with the test's distributions installed."""
    proc = run(*args, env={"PYTHONPATH": str(dists.root), "GFCMD_MARKER": marker(dists), **env})
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, proc.stdout, proc.stderr.splitlines()


def marker(dists: TmpDists) -> str:
    return str(dists.root / "greeter-imported")


def commands(help_text: str) -> list[str]:
    """The command names ``--help`` lists."""
    listed = help_text.split("Commands:", 1)[1]
    return [line.split()[0] for line in listed.splitlines() if line.startswith("  ")]


class TestPluginCommands:
    def test_plugin_command_runs_and_is_listed(self, run: Run, plugins: TmpDists) -> None:
        """An installed plugin's command is listed in --help and runs like any other."""
        code, out, _ = graftflow(run, plugins, "hello", "Ana")
        assert (code, out) == (0, "hello Ana\n")
        code, out, _ = graftflow(run, plugins, "--help")
        assert code == 0
        assert {"hello", "workflow", "worker", "ls", "get"} <= set(commands(out))

    def test_broken_plugin_is_one_warning_never_a_crash(self, run: Run, plugins: TmpDists) -> None:
        """A plugin whose hook raises costs its own commands only: --help works, with one
        warning line naming the plugin, and the other plugins' commands are there."""
        code, out, err = graftflow(run, plugins, "--help")
        assert code == 0
        assert err == [
            (
                "graftflow: warning: [plugin broken (gfcmd-broken 1.0)]: "
                "graftflow_register_commands raised RuntimeError: the command module is missing"
            )
        ]
        assert "hello" in commands(out)

    @pytest.mark.parametrize("blocked", ["greeter", "gfcmd-greeter"])
    def test_blocked_plugin_adds_no_command(
        self, run: Run, plugins: TmpDists, blocked: str
    ) -> None:
        """A blocked plugin is never imported and its commands do not exist."""
        code, out, _ = graftflow(run, plugins, "--help", GRAFTFLOW_BLOCKED=f"{blocked} broken")
        assert code == 0
        assert "hello" not in commands(out)
        assert not Path(marker(plugins)).exists()
        code, _, err = graftflow(run, plugins, "hello", "Ana", GRAFTFLOW_BLOCKED=blocked)
        assert code == 2
        assert "No such command 'hello'" in err[-1]

    def test_blocked_workflow_plugin_takes_its_commands(self, run: Run, plugins: TmpDists) -> None:
        """The bundled workflow plugin's commands arrive by the hook too: blocked, gone."""
        code, out, _ = graftflow(run, plugins, "--help", GRAFTFLOW_BLOCKED="workflow broken")
        assert code == 0
        assert {"workflow", "worker"}.isdisjoint(commands(out))
        assert {"demo", "ls", "get", "set", "run", "extensions", "doctor"} <= set(commands(out))
        code, _, err = graftflow(run, plugins, "worker", GRAFTFLOW_BLOCKED="workflow")
        assert code == 2
        assert "No such command 'worker'" in err[-1]

    def test_everyday_commands_never_ask_plugins(self, run: Run, plugins: TmpDists) -> None:
        """Finding graftflow's own commands and opening a built-in store import no plugin."""
        assert_ok(run("--store", "memory://", "ls", env={"PYTHONPATH": str(plugins.root)}))
        code, _, err = graftflow(run, plugins, "--store", "memory://", "ls")
        assert (code, err) == (0, [])
        assert not Path(marker(plugins)).exists()

    def test_broken_config_is_said_once(self, run: Run, plugins: TmpDists, home: Path) -> None:
        """A broken config file is the command's one error line, not also a warning."""
        config = home / "broken.toml"
        config.write_text("store = [", encoding="utf-8")
        code, _, err = graftflow(run, plugins, "hello", "Ana", GRAFTFLOW_CONFIG=str(config))
        assert code == 0  # hello needs no store; the broken plugin's warning is there
        assert [line for line in err if "broken.toml" in line] == []
        code, _, err = graftflow(run, plugins, "worker", GRAFTFLOW_CONFIG=str(config))
        assert code == 1
        assert [line for line in err if "broken.toml" in line] == [err[-1]]
