"""The command line's help and what it tells about problems (issue 15), run for real."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import textwrap
from pathlib import Path

import click
import pytest
from cli_support import Run, assert_ok, assert_user_error

from graftflow.plugins.cli import cli

SHOT = "/demo/films/f01/sequences/sq010/shots/sh0010"
LAMP_SHOT = "/demo/films/f02/sequences/sq010/shots/sh0010"


def every_command() -> list[tuple[str, click.Command]]:
    """(path, command) for every command of ``graftflow``, plugins' and subcommands."""
    found = []
    root = click.Context(cli, info_name="graftflow")
    stack: list[tuple[str, click.Command, click.Context]] = []
    for name in cli.list_commands(root):
        command = cli.get_command(root, name)
        assert command is not None
        stack.append((name, command, root))
    while stack:
        path, command, parent = stack.pop()
        found.append((path, command))
        if isinstance(command, click.Group):
            ctx = click.Context(command, info_name=path, parent=parent)
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                assert sub is not None
                stack.append((f"{path} {name}", sub, ctx))
    return sorted(found, key=lambda pair: pair[0])


def examples_of(command: click.Command) -> list[str]:
    """The example command lines of a command's help epilog."""
    epilog = command.epilog or ""
    _, _, body = epilog.partition("Examples:\n")
    return [line.strip() for line in body.splitlines() if line.strip()]


class TestHelp:
    def test_bare_graftflow_shows_help(self, run: Run) -> None:
        """``graftflow`` alone prints the help with a "start here", and exits 0."""
        proc = run()
        assert_ok(proc)
        assert proc.stdout.startswith("Usage: graftflow [OPTIONS] COMMAND [ARGS]...")
        assert "Start here:" in proc.stdout
        assert re.search(r"^\s+graftflow demo\s+create the demo studio", proc.stdout, re.M)
        assert proc.stdout == run("--help").stdout

    def test_every_command_has_examples(self) -> None:
        """Every command, the plugins' included, ends its help with one or two examples
        of itself."""
        commands = every_command()
        names = {path for path, _ in commands}
        assert {"demo", "ls", "get", "set", "run", "extensions", "doctor", "workflow"} <= names
        missing = []
        for path, command in commands:
            lines = examples_of(command)
            if not 1 <= len(lines) <= 2 or not all(
                line.startswith("graftflow ") and f" {path} " in f" {line} " for line in lines
            ):
                missing.append((path, lines))
        assert missing == []

    def test_examples_show_in_help(self, run: Run) -> None:
        """The examples are printed whole, one per line, after the options."""
        proc = run("set", "--help")
        assert_ok(proc)
        tail = proc.stdout.rstrip().splitlines()[-3:]
        assert tail == [
            "  Examples:",
            f"    graftflow set {SHOT}/frame_out 1090",
            f"    graftflow set {SHOT}/tasks/layout/status done",
        ]


OWN = ["demo", "ls", "get", "set", "run", "extensions", "doctor"]


@pytest.mark.parametrize("name", OWN)
def test_own_examples_run(name: str, run: Run, workdir: Path, demo_db: Path) -> None:
    """graftflow's own commands' examples work as written, after ``graftflow demo``."""
    shutil.copy(demo_db, workdir / "demo.db")
    command = cli.get_command(click.Context(cli), name)
    assert command is not None
    for line in examples_of(command):
        args = shlex.split(line)[1:]
        if "--store" not in args:
            args = ["--store", "sqlite:///demo.db", *args]
        proc = run(*args)
        assert proc.returncode == 0, f"{line}\n{proc.stderr}"
        if name != "set":
            assert proc.stdout.strip(), line


# -- problems: one warning line, named where they matter ----------------------------------

BROKEN = """
from graftflow import Param
from graftflow.extensions import dynamic_relation
from graftflow.plugins.demo import Shot


@dynamic_relation("render_priority", target=Shot)
def render_priority(shot):
    raise ValueError("no farm for " + shot.oid())


def install(session):
    return {"farm": [render_priority]}


def tasks_as_param(shot):
    if isinstance(shot, Shot):
        p = Param([])
        p.name = "tasks"
        return p, 5
    return None


def install_wrong_kind(session):
    return {"flat_tasks": [tasks_as_param]}
"""


@pytest.fixture
def studio(tmp_path: Path, workdir: Path, demo_db: Path) -> dict[str, str]:
    """A copy of the demo store, and a studio module with a factory that raises."""
    shutil.copy(demo_db, workdir / "demo.db")
    folder = tmp_path / "studio"
    folder.mkdir()
    (folder / "farm_tools.py").write_text(textwrap.dedent(BROKEN))
    return {"PYTHONPATH": str(folder), "GRAFTFLOW_INSTALLERS": "farm_tools:install"}


WARNING = (
    r"graftflow: warning: 1 problem in this session, run graftflow doctor \(first: "
    r"\[GRAFTFLOW_INSTALLERS: farm_tools:install\] extension 'farm' factory "
    r"farm_tools:render_priority on /demo/films/f01/sequences/sq010/shots/sh0010: factory "
    r"raised ValueError: no farm for /demo/films/f01/sequences/sq010/shots/sh0010\)"
)


class TestProblems:
    @pytest.mark.parametrize(
        "args",
        [
            ["ls", SHOT],
            ["get", f"{SHOT}/frame_out"],
            ["set", f"{SHOT}/frame_out", "1090"],
            ["run", f"{SHOT}/bump_version"],
            ["get", f"{SHOT}/frame_out", "--json"],
        ],
    )
    def test_everyday_commands_warn_in_one_line(
        self, args: list[str], run: Run, studio: dict[str, str]
    ) -> None:
        """The command does its work (exit 0, its output on stdout) and says on stderr,
        in one line, that the session had a problem."""
        proc = run("--store", "sqlite:///demo.db", *args, env=studio)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.strip()
        assert re.fullmatch(WARNING, proc.stderr.rstrip("\n")), proc.stderr

    def test_no_problem_no_warning(self, run: Run, studio: dict[str, str]) -> None:
        proc = run("--store", "sqlite:///demo.db", "ls", SHOT, env={"PYTHONPATH": "."})
        assert_ok(proc)

    def test_missing_relation_says_a_factory_failed(self, run: Run, studio: dict[str, str]) -> None:
        """The relation the failing factory would have added is missing, and the error
        says why it may be: one line still."""
        assert_user_error(
            run("--store", "sqlite:///demo.db", "get", f"{SHOT}/render_priority", env=studio),
            re.escape(
                f"{SHOT} (Shot) has no relation 'render_priority'; 1 factory failed in this "
                "session, so an extension may be missing (graftflow doctor explains)"
            ),
        )

    def test_missing_relation_names_a_failed_installer(
        self, run: Run, studio: dict[str, str]
    ) -> None:
        env = {"GRAFTFLOW_INSTALLERS": "studio_missing.tools:install"}
        assert_user_error(
            run("--store", "sqlite:///demo.db", "get", f"{SHOT}/render_priority", env=env),
            re.escape(
                f"{SHOT} (Shot) has no relation 'render_priority'; 1 installer "
                "(GRAFTFLOW_INSTALLERS: studio_missing.tools:install) failed in this session, "
                "so an extension may be missing (graftflow doctor explains)"
            ),
        )

    def test_extensions_counts_factory_failures(self, run: Run, studio: dict[str, str]) -> None:
        """``extensions`` runs every factory on sample objects: one that fails is
        'failed', counted, and listed; the report is the output, with no extra warning."""
        proc = run("--store", "sqlite:///demo.db", "extensions", "--json", env=studio)
        assert_ok(proc)
        data = json.loads(proc.stdout)
        (entry,) = data["extensions"]["farm"]
        assert (entry["factory"], entry["status"], entry["problems"]) == (
            "farm_tools:render_priority",
            "failed",
            1,
        )
        assert [d["factory"] for d in data["diagnostics"]] == ["farm_tools:render_priority"]
        text = run("--store", "sqlite:///demo.db", "extensions", env=studio)
        assert_ok(text)
        assert re.search(
            r"^  farm\s+render_priority\s+Shot\s+0\s+failed\s+farm_tools:render_priority$",
            text.stdout,
            re.M,
        )
        assert "\n1 problem\n" in text.stdout

    def test_doctor_catches_an_override_of_another_kind(
        self, run: Run, studio: dict[str, str]
    ) -> None:
        """A factory that would replace the demo shot's tasks map by a param is refused,
        and the doctor fails naming both kinds."""
        env = studio | {"GRAFTFLOW_INSTALLERS": "farm_tools:install_wrong_kind"}
        proc = run("doctor", "--json", env=env)
        assert proc.returncode == 1
        (problem,) = json.loads(proc.stdout)["problems"]
        assert problem["factory"] == "farm_tools:tasks_as_param"
        assert problem["message"] == (
            "Shot.tasks is a map in the class, and an override must be of the same kind, "
            "not a param: the map stays"
        )
        listed = run("--store", "sqlite:///demo.db", "ls", f"{SHOT}/tasks", env=env)
        assert listed.returncode == 0
        assert listed.stdout.splitlines()[0] == f"{SHOT}/tasks Tasks"  # still the map
