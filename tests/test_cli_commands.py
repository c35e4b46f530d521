"""``graftflow ls/get/set/run/extensions/doctor`` against the demo studio, run for real.

Every command is driven through a subprocess, in text and in ``--json``, and every user
mistake is checked to be one line on stderr with exit 1.
"""

from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest
from cli_support import Run, assert_ok, assert_user_error

import graftflow as gf

SHOT = "/demo/films/f01/sequences/sq010/shots/sh0010"
LAMP_SHOT = "/demo/films/f02/sequences/sq010/shots/sh0010"
LAYOUT = f"{SHOT}/tasks/layout"

#: Studio code for the tests: an action that fails, and factories that raise.
STUDIO_TOOLS = """
from graftflow import Action, Child
from graftflow.extensions import dynamic_relation
from graftflow.plugins.demo import Shot


class Explode(Action):
    def run(self, button):
        raise RuntimeError("render farm unreachable")


@dynamic_relation("explode", target=Shot)
def explode(shot):
    return Child(Explode)


@dynamic_relation("broken", target=Shot)
def broken(shot):
    raise ValueError("no frame range for this shot")


def install(session):
    return {"farm": [explode]}


def install_broken(session):
    return {"broken_tools": [broken]}
"""


@pytest.fixture
def store_url(demo_db: Path, workdir: Path) -> str:
    shutil.copy(demo_db, workdir / "demo.db")
    return "sqlite:///demo.db"


@pytest.fixture
def gf_cmd(run: Run, store_url: str) -> Run:
    """``graftflow --store <a copy of the demo> ARGS``."""

    def command(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return run("--store", store_url, *args, env=env)

    return command


@pytest.fixture
def studio_env(tmp_path: Path) -> dict[str, str]:
    """PYTHONPATH with the studio_tools module, installed through GRAFTFLOW_INSTALLERS."""
    folder = tmp_path / "studio"
    folder.mkdir()
    (folder / "studio_tools.py").write_text(textwrap.dedent(STUDIO_TOOLS))
    return {"PYTHONPATH": str(folder), "GRAFTFLOW_INSTALLERS": "studio_tools:install"}


def stored(workdir: Path, oid: str) -> object:
    """What the demo store copy holds at ``oid`` (read back without the command)."""
    store = gf.SQLiteStore(workdir / "demo.db", create=False)
    try:
        return store.get(oid, "<missing>")
    finally:
        store.close()


def as_json(proc: subprocess.CompletedProcess[str]) -> object:
    assert_ok(proc)
    return json.loads(proc.stdout)


class TestLs:
    def test_root_lists_projects(self, gf_cmd: Run) -> None:
        """Without an oid, ``ls`` lists the projects of the store."""
        proc = gf_cmd("ls")
        assert_ok(proc)
        assert proc.stdout.splitlines() == ["/ Flow", "1 item", "  demo"]
        data = as_json(gf_cmd("ls", "--json"))
        assert data["items"] == {"count": 1, "names": ["demo"]}  # type: ignore[index]

    def test_relations_with_kind_value_and_origin(self, gf_cmd: Run) -> None:
        """Each relation shows its kind, its value and where it came from; the override
        names its extension and weight."""
        proc = gf_cmd("ls", LAMP_SHOT)
        assert_ok(proc)
        lines = proc.stdout.splitlines()
        assert lines[0] == f"{LAMP_SHOT} Shot"
        assert re.fullmatch(r"  name\s+kind\s+value", lines[1])
        assert re.fullmatch(
            r"  handles\s+param\s+12 ⇐ lamp_light_handles \(weight 5, over base\)", lines[2]
        )
        # A base relation's row says nothing of where it came from: only grafts are marked.
        assert re.search(r"^  frame_count\s+computed\s+72$", proc.stdout, re.M)
        assert re.search(r"^  tasks\s+map\s+Tasks \(4 items\)$", proc.stdout, re.M)
        assert re.search(r"^  film\s+parent\s+→ /demo/films/f02$", proc.stdout, re.M)

    def test_json_records(self, gf_cmd: Run) -> None:
        """``--json`` gives the describe() record of each relation plus what it holds."""
        data = as_json(gf_cmd("ls", LAMP_SHOT, "--json"))
        assert isinstance(data, dict)
        rows = data["relations"]
        assert [row["name"] for row in rows][:3] == ["handles", "processes", "frame_in"]
        handles = rows[0]
        assert handles["value"] == 12
        assert (handles["origin"], handles["weight"]) == ("lamp_light_handles", 5)
        assert handles["beaten"][0]["origin"] == "base"
        by_name = {row["name"]: row for row in rows}
        assert by_name["tasks"]["count"] == 4
        assert by_name["hero"]["value"] == "/demo/assets/mouse"
        assert by_name["bump_version"]["buttons"] == ["Run"]
        assert by_name["sequence"]["target"] == "/demo/films/f02/sequences/sq010"
        assert by_name["status"]["oid"] == f"{LAMP_SHOT}/status"

    def test_map_items_are_paged(self, gf_cmd: Run) -> None:
        """A map lists its first items and says how many more there are."""
        shots = "/demo/films/f01/sequences/sq010/shots"
        proc = gf_cmd("ls", shots, "--limit", "3")
        assert_ok(proc)
        assert proc.stdout.splitlines()[1:] == [
            "60 items",
            "  sh0010",
            "  sh0020",
            "  sh0030",
            "  … 57 more (--limit to show more)",
        ]
        data = as_json(gf_cmd("ls", shots, "--all", "--json"))
        assert data["items"]["count"] == 60  # type: ignore[index]
        assert len(data["items"]["names"]) == 60  # type: ignore[index]

    def test_relative_oid_reads_from_the_root(self, gf_cmd: Run) -> None:
        data = as_json(gf_cmd("ls", "demo/films", "--json"))
        assert data["oid"] == "/demo/films"  # type: ignore[index]
        assert data["items"]["names"] == ["f01", "f02"]  # type: ignore[index]

    def test_global_json_flag(self, run: Run, store_url: str) -> None:
        """``--json`` before the command works as well as after it."""
        proc = run("--json", "--store", store_url, "ls", "/demo")
        assert json.loads(proc.stdout)["type"] == "DemoProject"

    def test_a_value_is_not_listed(self, gf_cmd: Run) -> None:
        assert_user_error(
            gf_cmd("ls", f"{SHOT}/handles"),
            re.escape(f"{SHOT}/handles is a value, not an object; read it with: graftflow get ")
            + ".*",
        )


class TestGet:
    @pytest.mark.parametrize(
        ("oid", "text"),
        [
            ("/demo/films/f01/title", "The Attic"),
            (f"{SHOT}/frame_count", "72"),
            (f"{LAMP_SHOT}/handles", "12"),
            (f"{SHOT}/hero", "/demo/assets/mouse"),
            ("/demo/settings", '{"fps": 24, "resolution": [2048, 858]}'),
            ("/demo/films/f01/sequences/sq020/status", "wip"),
        ],
    )
    def test_values(self, gf_cmd: Run, oid: str, text: str) -> None:
        """Text prints as is, everything else as JSON; a connection gives its target."""
        proc = gf_cmd("get", oid)
        assert_ok(proc)
        assert proc.stdout == text + "\n"

    def test_json(self, gf_cmd: Run) -> None:
        assert as_json(gf_cmd("get", f"{SHOT}/frame_count", "--json")) == {
            "oid": f"{SHOT}/frame_count",
            "kind": "computed",
            "value": 72,
        }

    def test_an_object_is_not_a_value(self, gf_cmd: Run) -> None:
        assert_user_error(
            gf_cmd("get", SHOT),
            re.escape(f"{SHOT} is a Shot object, not a value; list it with: graftflow ls {SHOT}"),
        )


class TestSet:
    def test_int_from_text(self, gf_cmd: Run, workdir: Path) -> None:
        """``12`` becomes the int 12 through the param's type, and is stored as such."""
        proc = gf_cmd("set", f"{SHOT}/handles", "12")
        assert_ok(proc)
        assert proc.stdout == f"{SHOT}/handles = 12 (was 8)\n"
        assert stored(workdir, f"{SHOT}/handles") == 12

    def test_choice(self, gf_cmd: Run, workdir: Path) -> None:
        """A Literal param takes one of its names; the roll-up follows."""
        for department in ("layout", "animation", "lighting", "compositing"):
            assert_ok(gf_cmd("set", f"{SHOT}/tasks/{department}/status", "wip"))
        assert stored(workdir, f"{LAYOUT}/status") == "wip"
        proc = gf_cmd("get", f"{SHOT}/status")
        assert proc.stdout == "wip\n"

    def test_json_structure(self, gf_cmd: Run, workdir: Path) -> None:
        data = as_json(gf_cmd("set", "/demo/settings", '{"fps": 25}', "--json"))
        assert data == {
            "oid": "/demo/settings",
            "value": {"fps": 25},
            "previous": {"fps": 24, "resolution": [2048, 858]},
        }
        assert stored(workdir, "/demo/settings") == {"fps": 25}

    def test_connection_by_oid_and_null(self, gf_cmd: Run, workdir: Path) -> None:
        assert_ok(gf_cmd("set", f"{SHOT}/hero", "/demo/assets/lamp"))
        assert gf_cmd("get", f"{SHOT}/hero").stdout == "/demo/assets/lamp\n"
        assert_ok(gf_cmd("set", f"{SHOT}/hero", "null"))
        assert as_json(gf_cmd("get", f"{SHOT}/hero", "--json"))["value"] is None  # type: ignore[index]

    @pytest.mark.parametrize(
        ("oid", "text", "message"),
        [
            (
                f"{SHOT}/handles",
                "twelve",
                re.escape(f"{SHOT}/handles: 'twelve' is not an int (Input should be a valid"),
            ),
            *(
                (
                    f"{SHOT}/frame_out",
                    text,
                    re.escape(f"{SHOT}/frame_out: {text!r} is not an int (Input should be a valid"),
                )
                # As IntParam.set(True), .set(False), .set(1000.0) refuse them (issue 12).
                for text in ("true", "false", "1e3", "1.0")
            ),
            (
                f"{LAYOUT}/status",
                "finished",
                re.escape(
                    f"{LAYOUT}/status: 'finished' is not one of 'todo', 'wip', 'review', 'done' ("
                ),
            ),
            (
                f"{SHOT}/hero",
                "/demo/assets/ghost",
                re.escape("/demo/assets has no item 'ghost'"),
            ),
            (
                f"{SHOT}/frame_count",
                "3",
                re.escape(
                    f"{SHOT}/frame_count is a computed value; only params and connections "
                    "can be set"
                ),
            ),
            (SHOT, "3", re.escape(f"{SHOT} is a Shot object, not a value")),
        ],
    )
    def test_bad_values_write_nothing(
        self, gf_cmd: Run, demo_db: Path, workdir: Path, oid: str, text: str, message: str
    ) -> None:
        """A value the param refuses is one error line, and the store file is unchanged."""
        assert_user_error(gf_cmd("set", oid, text), message + ".*")
        assert (workdir / "demo.db").read_bytes() == demo_db.read_bytes()


class TestRun:
    def test_default_button_and_result(self, gf_cmd: Run, workdir: Path) -> None:
        proc = gf_cmd("run", f"{SHOT}/bump_version")
        assert_ok(proc)
        assert proc.stdout == f"ran {SHOT}/bump_version [Run]: 1\n"
        data = as_json(gf_cmd("run", f"{SHOT}/bump_version", "Run", "--json"))
        assert data == {"oid": f"{SHOT}/bump_version", "button": "Run", "result": 2}
        assert stored(workdir, f"{SHOT}/version") == 2

    def test_action_params(self, gf_cmd: Run, workdir: Path) -> None:
        """``--param NAME=VALUE`` fills the action's dialog before it runs."""
        proc = gf_cmd("run", f"{LAYOUT}/publish", "-p", "comment=first pass")
        assert_ok(proc)
        assert stored(workdir, f"{LAYOUT}/last_comment") == "first pass"
        assert stored(workdir, f"{LAYOUT}/status") == "review"
        assert stored(workdir, f"{LAYOUT}/version") == 1

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (
                [f"{SHOT}/bump_version", "Publish"],
                re.escape(
                    f"action {SHOT}/bump_version has no button 'Publish'; its buttons: ['Run']"
                ),
            ),
            ([SHOT], re.escape(f"{SHOT} is a Shot object, not an action") + ".*"),
            ([f"{SHOT}/version"], re.escape(f"{SHOT}/version is a value, not an action") + ".*"),
            (
                [f"{LAYOUT}/publish", "-p", "comment"],
                re.escape("--param 'comment': write NAME=VALUE"),
            ),
            (
                [f"{LAYOUT}/publish", "-p", "colour=red"],
                re.escape(f"{LAYOUT}/publish (Publish) has no relation 'colour'") + ".*",
            ),
        ],
    )
    def test_mistakes(self, gf_cmd: Run, args: list[str], message: str) -> None:
        assert_user_error(gf_cmd("run", *args), message)

    def test_failing_action_is_one_line(self, gf_cmd: Run, studio_env: dict[str, str]) -> None:
        """Studio code that raises gives one line (the traceback with --debug)."""
        assert_user_error(
            gf_cmd("run", f"{SHOT}/explode", env=studio_env),
            re.escape(
                f"action {SHOT}/explode failed: RuntimeError: render farm unreachable "
                "(--debug shows the traceback)"
            ),
        )
        proc = gf_cmd("--debug", "run", f"{SHOT}/explode", env=studio_env)
        assert proc.returncode == 1
        assert "Traceback" in proc.stderr
        assert "RuntimeError: render farm unreachable" in proc.stderr


class TestExtensions:
    def test_sources_and_extensions(self, gf_cmd: Run) -> None:
        proc = gf_cmd("extensions")
        assert_ok(proc)
        assert re.search(
            r"^  plugin\s+demo\s+graftflow\s+ok\s+lamp_light_handles, shot_processes$",
            proc.stdout,
            re.M,
        )
        assert re.search(
            r"^  lamp_light_handles\s+handles\s+Shot\s+5\s+ok\s+"
            r"graftflow\.plugins\.demo:lamp_light_handles$",
            proc.stdout,
            re.M,
        )
        assert proc.stdout.rstrip().endswith("no problems")

    def test_json(self, gf_cmd: Run) -> None:
        data = as_json(gf_cmd("extensions", "--json"))
        assert isinstance(data, dict)
        assert set(data) == {"user", "sources", "extensions", "diagnostics"}
        demo = next(s for s in data["sources"] if s["name"] == "demo")
        assert demo | {"label": None} == {
            "kind": "plugin",
            "name": "demo",
            "ref": "graftflow.plugins.demo",
            "dist": "graftflow",
            "label": None,
            "status": "ok",
            "detail": None,
            "extensions": ["lamp_light_handles", "shot_processes"],
        }
        assert data["extensions"]["lamp_light_handles"] == [
            {
                "factory": "graftflow.plugins.demo:lamp_light_handles",
                "source": demo["label"],
                "relation": "handles",
                "target": ["Shot"],
                "weight": 5,
                "status": "ok",
                "problems": 0,
            }
        ]
        assert data["diagnostics"] == []

    def test_broken_installer_is_reported(self, gf_cmd: Run) -> None:
        """A broken installer shows as a failed source and a problem; the command itself
        succeeds (it is a report; ``doctor`` is the check that fails)."""
        env = {"GRAFTFLOW_INSTALLERS": "studio_missing.tools:install"}
        data = as_json(gf_cmd("extensions", "--json", env=env))
        assert isinstance(data, dict)
        failed = [s for s in data["sources"] if s["status"] == "failed"]
        assert [s["name"] for s in failed] == ["studio_missing.tools:install"]
        (problem,) = data["diagnostics"]
        assert "cannot import module 'studio_missing.tools'" in problem["message"]
        proc = gf_cmd("extensions", env=env)
        assert_ok(proc)  # the report is the command's output: no warning line besides
        assert "\n1 problem\n" in proc.stdout

    def test_describe_an_object(self, gf_cmd: Run, studio_env: dict[str, str]) -> None:
        """With an oid: each relation's origin, weight, factory, source, and what it beat."""
        data = as_json(gf_cmd("extensions", LAMP_SHOT, "--json", env=studio_env))
        assert isinstance(data, dict)
        records = {r["name"]: r for r in data["relations"]}
        assert records["handles"]["origin"] == "lamp_light_handles"
        assert records["handles"]["beaten"][0]["origin"] == "base"
        assert records["explode"] | {"index": None} == {
            "name": "explode",
            "kind": "action",
            "index": None,
            "weight": 0,
            "origin": "farm",
            "factory": "studio_tools:explode",
            "source": "GRAFTFLOW_INSTALLERS: studio_tools:install",
            "beaten": [],
        }
        proc = gf_cmd("extensions", LAMP_SHOT, env=studio_env)
        assert_ok(proc)
        assert re.search(
            r"^  \d+\s+explode\s+action\s+farm \(weight 0\) by studio_tools:explode from "
            r"GRAFTFLOW_INSTALLERS: studio_tools:install$",
            proc.stdout,
            re.M,
        )

    def test_describe_a_value_is_a_mistake(self, gf_cmd: Run) -> None:
        assert_user_error(
            gf_cmd("extensions", f"{SHOT}/handles"),
            re.escape(f"{SHOT}/handles is not an object; describe works on objects") + ".*",
        )


class TestDoctor:
    def test_healthy(self, run: Run, workdir: Path) -> None:
        """Every installed installer loads and every factory runs: exit 0. The doctor
        builds its samples in memory and never opens the store."""
        proc = run("--store", "sqlite:///never.db", "doctor")
        assert_ok(proc)
        assert re.search(r"checked \d+ objects: .*Shot \(\d+\)", " ".join(proc.stdout.split()))
        assert proc.stdout.rstrip().endswith("no problems")
        assert not (workdir / "never.db").exists()

    def test_failing_factory(self, run: Run, studio_env: dict[str, str]) -> None:
        """A factory that raises on a demo shot fails the doctor, named in the report."""
        env = studio_env | {"GRAFTFLOW_INSTALLERS": "studio_tools:install_broken"}
        proc = run("doctor", env=env)
        assert proc.returncode == 1, proc.stdout
        assert proc.stderr == ""
        flat = " ".join(proc.stdout.split())
        assert " 1 problem ✗ " in flat
        assert "extension 'broken_tools' factory studio_tools:broken" in flat
        assert "no frame range for this shot" in flat
        data = json.loads(run("doctor", "--json", env=env).stdout)
        assert data["ok"] is False
        assert [p["factory"] for p in data["problems"]] == ["studio_tools:broken"]
        (problem,) = data["problems"]
        assert problem["text"] == (
            "[GRAFTFLOW_INSTALLERS: studio_tools:install_broken] extension 'broken_tools' "
            f"factory studio_tools:broken on {problem['oid']}: factory raised "
            f"ValueError: no frame range for this shot (x{problem['count']})"
        )
        assert problem["count"] > 1  # one line however many shots it failed on

    def test_unimportable_installer(self, run: Run) -> None:
        proc = run("doctor", "--json", env={"GRAFTFLOW_INSTALLERS": "nowhere:install"})
        assert proc.returncode == 1
        data = json.loads(proc.stdout)
        assert data["ok"] is False
        assert [s["status"] for s in data["sources"] if s["name"] == "nowhere:install"] == [
            "failed"
        ]
        assert "cannot import module 'nowhere'" in data["problems"][0]["message"]


#: One invocation of each command that reads the store, with an oid placeholder.
COMMANDS = [
    ["ls", "{oid}"],
    ["get", "{oid}"],
    ["set", "{oid}", "1"],
    ["run", "{oid}"],
    ["extensions", "{oid}"],
]


class TestUserMistakes:
    @pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
    def test_unknown_oid(self, gf_cmd: Run, command: list[str]) -> None:
        args = [arg.format(oid="/demo/films/f09/title") for arg in command]
        assert_user_error(gf_cmd(*args), re.escape("/demo/films has no item 'f09'") + ".*")

    @pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
    def test_unknown_project(self, gf_cmd: Run, command: list[str]) -> None:
        args = [arg.format(oid="/dmeo/films") for arg in command]
        assert_user_error(gf_cmd(*args), re.escape("there is no project 'dmeo'") + ".*")

    @pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
    def test_unknown_store_scheme(self, run: Run, command: list[str]) -> None:
        args = [arg.format(oid=SHOT) for arg in command]
        assert_user_error(
            run("--store", "postgres://db/studio", *args),
            re.escape("unknown store scheme 'postgres' in 'postgres://db/studio'") + ".*",
        )

    @pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
    def test_unreadable_store_file(self, run: Run, workdir: Path, command: list[str]) -> None:
        garbage = workdir / "garbage.db"
        content = random.Random(1).randbytes(4096)
        garbage.write_bytes(content)
        args = [arg.format(oid=SHOT) for arg in command]
        assert_user_error(
            run("--store", "sqlite:///garbage.db", *args),
            re.escape(f"{garbage} is not a usable SQLite database (") + ".*",
        )
        assert garbage.read_bytes() == content

    @pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
    def test_missing_store_file_is_not_created(
        self, run: Run, workdir: Path, command: list[str]
    ) -> None:
        """Reading commands never create a store: a mistyped path stays a mistake."""
        args = [arg.format(oid=SHOT) for arg in command]
        assert_user_error(
            run("--store", "sqlite:///typo.db", *args),
            re.escape(f"no store at {workdir / 'typo.db'}: the file does not exist") + ".*",
        )
        assert not (workdir / "typo.db").exists()

    def test_bad_oid_syntax(self, gf_cmd: Run) -> None:
        assert_user_error(
            gf_cmd("ls", "/demo//films"), re.escape("invalid oid '/demo//films'") + ".*"
        )

    def test_negative_limit(self, gf_cmd: Run) -> None:
        assert_user_error(
            gf_cmd("ls", "/demo", "--limit", "-1"), re.escape("--limit must be 0 or more, not -1")
        )
