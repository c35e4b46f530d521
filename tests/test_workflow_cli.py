"""``graftflow workflow ...`` run for real, and the demo studio's per-shot pipeline."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from cli_support import Run

import graftflow as gf
from graftflow.extensions import describe
from graftflow.plugins.demo import create_demo
from graftflow.plugins.workflow import Processes
from graftflow.plugins.workflow._demo import start_shot_pipeline

SHOT = "/demo/films/f01/sequences/sq010/shots/sh0010"
PIPELINE = f"{SHOT}/processes/pipeline"


@pytest.fixture
def store_env(tmp_path: Path) -> dict[str, str]:
    return {"GRAFTFLOW_STORE": f"sqlite:///{tmp_path / 'studio.db'}", "GRAFTFLOW_USER": "ann"}


def ok(run: Run, *args: str, env: dict[str, str]) -> str:
    proc = run(*args, env=env)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def refused(run: Run, *args: str, env: dict[str, str]) -> str:
    """Run a command that must fail as a user mistake: exit 1, one line, no traceback."""
    proc = run(*args, env=env)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1
    assert proc.stderr.startswith("graftflow: error: ")
    assert "Traceback" not in proc.stderr
    return proc.stderr


def usage_error(run: Run, *args: str, env: dict[str, str]) -> str:
    """Run a command used wrongly (options, arguments): click's usage error, exit 2."""
    proc = run(*args, env=env)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stdout == ""
    assert proc.stderr.startswith("Usage: ")
    assert "Traceback" not in proc.stderr
    return proc.stderr


class TestWorkflowCommands:
    def test_pipeline_through_the_cli(self, run: Run, store_env: dict[str, str]) -> None:
        """Start the demo pipeline on a shot, move its tasks, draw it: all in subprocesses."""
        ok(run, "demo", env=store_env)
        started = json.loads(
            ok(
                run,
                "workflow",
                "start",
                f"{SHOT}/processes",
                "pipeline",
                "--builtin",
                "shot_pipeline",
                "--json",
                env=store_env,
            )
        )
        assert started["status"] == "STARTED"
        assert [t["name"] for t in started["tasks"]] == ["start-1", "layout-1"]
        assert started["tasks"][1]["transitions"] == ["assign", "cancel"]
        layout = f"{PIPELINE}/tasks/layout-1"
        for move in ("assign", "prepare", "done"):
            ok(run, "workflow", "move", layout, move, env=store_env)
        shown = ok(run, "workflow", "show", PIPELINE, env=store_env)
        assert re.search(r"layout-1\s+DONE\s+start @ann", shown)
        assert re.search(r"animation-1\s+NEW\s+start  -> assign, cancel", shown)
        drawn = json.loads(ok(run, "workflow", "diagram", PIPELINE, "--json", env=store_env))
        assert drawn["oid"] == PIPELINE
        assert drawn["format"] == "dot"
        assert re.search(
            r'"animation" \[.*class="active".*label="animation\\nstart: NEW"', drawn["diagram"]
        )
        mermaid = ok(run, "workflow", "diagram", PIPELINE, "--format", "mermaid", env=store_env)
        assert "  class n_animation active" in mermaid.splitlines()
        # The group's --json (before the command) works for the workflow commands too.
        shown_json = json.loads(ok(run, "--json", "workflow", "show", PIPELINE, env=store_env))
        assert [t["name"] for t in shown_json["tasks"]][:2] == ["start-1", "layout-1"]

    def test_move_refused_by_the_table(self, run: Run, store_env: dict[str, str]) -> None:
        """An illegal transition is one line naming the task, status and allowed moves."""
        ok(run, "demo", env=store_env)
        ok(
            run,
            "workflow",
            "start",
            f"{SHOT}/processes",
            "pipeline",
            "--builtin",
            "shot_pipeline",
            env=store_env,
        )
        err = refused(run, "workflow", "move", f"{PIPELINE}/tasks/layout-1", "done", env=store_env)
        assert err == (
            f"graftflow: error: {PIPELINE}/tasks/layout-1: cannot 'done' (not from status NEW); "
            "status NEW, allowed: assign, cancel\n"
        )
        as_bob = {**store_env, "GRAFTFLOW_USER": "bob"}
        ok(run, "workflow", "move", f"{PIPELINE}/tasks/layout-1", "assign", env=store_env)
        err = refused(run, "workflow", "move", f"{PIPELINE}/tasks/layout-1", "prepare", env=as_bob)
        assert "user 'bob' may not 'prepare': the task is assigned to 'ann'" in err

    def test_definition_file_diagram_and_errors(
        self,
        run: Run,
        store_env: dict[str, str],
        workdir: Path,
    ) -> None:
        """A file is drawn without a store; a broken file is one line naming node and field."""
        (workdir / "flow.toml").write_text(
            'name = "f"\n[nodes.s]\nkind = "start"\nnext = "e"\n[nodes.e]\nkind = "end"\n',
            encoding="utf-8",
        )
        text = ok(
            run, "workflow", "diagram", "--file", "flow.toml", "--format", "mermaid", env=store_env
        )
        assert text.splitlines() == [
            "flowchart LR",
            '  n_s(("s"))',
            '  n_e((("e")))',
            "  n_s --> n_e",
        ]
        (workdir / "bad.toml").write_text(
            'name = "f"\n[nodes.s]\nkind = "start"\nnext = "x"\n[nodes.e]\nkind = "end"\n',
            encoding="utf-8",
        )
        err = refused(run, "workflow", "diagram", "--file", "bad.toml", env=store_env)
        assert err == "graftflow: error: bad.toml: node 's': field 'next': unknown node 'x'\n"

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (("workflow", "diagram", "/demo"), "/demo is a DemoProject, not a workflow process"),
            (("workflow", "show", "/demo/nope"), "/demo (DemoProject) has no relation 'nope'"),
            (
                ("workflow", "move", "/demo", "assign"),
                "/demo is a DemoProject, not a task of a workflow process",
            ),
            (
                ("workflow", "start", SHOT, "--builtin", "shot_pipeline"),
                f"{SHOT} is a Shot, not a map of workflow processes",
            ),
        ],
    )
    def test_user_mistakes(
        self,
        run: Run,
        store_env: dict[str, str],
        args: tuple[str, ...],
        message: str,
    ) -> None:
        """Each mistake is one line on stderr and exit 1."""
        ok(run, "demo", env=store_env)
        assert message in refused(run, *args, env=store_env)

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (("workflow", "diagram"), "give a definition: --file PATH or --builtin NAME"),
            (
                ("workflow", "diagram", "--file", "f.toml", "--builtin", "shot_pipeline"),
                "give a definition: --file PATH or --builtin NAME (one of them)",
            ),
            (
                ("workflow", "start", f"{SHOT}/processes", "p"),
                "give a definition: --file PATH or --builtin NAME",
            ),
            (
                (
                    "workflow",
                    "start",
                    f"{SHOT}/processes",
                    "--builtin",
                    "shot_pipeline",
                    "--state",
                    "[1]",
                ),
                "Invalid value for --state: expected a JSON object, got list",
            ),
            (
                (
                    "workflow",
                    "start",
                    f"{SHOT}/processes",
                    "--builtin",
                    "shot_pipeline",
                    "--state",
                    "{oops",
                ),
                "Invalid value for --state: not JSON (Expecting property name",
            ),
            (
                ("workflow", "move", f"{SHOT}/processes/p/tasks/t-1", "done", "--input", "nope"),
                "Invalid value for --input: not JSON (Expecting value at column 1)",
            ),
            (("workflow", "diagram", "/x", "--builtin", "shot_pipeline"), "not both"),
        ],
    )
    def test_usage_mistakes_exit_2(
        self,
        run: Run,
        store_env: dict[str, str],
        args: tuple[str, ...],
        message: str,
    ) -> None:
        """A wrong use of the options (neither or both definitions, an option that is not
        the JSON object it must be) is click's usage error: exit 2, the command's usage."""
        assert message in usage_error(run, *args, env=store_env)

    def test_diagram_of_a_file_imports_none_of_its_functions(
        self, run: Run, store_env: dict[str, str], workdir: Path
    ) -> None:
        """The docs' own kind of file, whose functions live in a studio package this
        program does not have: drawing it needs only the graph."""
        (workdir / "review.toml").write_text(
            'name = "review"\n'
            '[nodes.start]\nkind = "start"\nnext = "check"\n'
            '[nodes.check]\nkind = "task"\nnext = "publish"\n'
            'actions = ["studio_pipeline.review:record_notes"]\n'
            '[nodes.publish]\nkind = "job"\nnext = "end"\n'
            'func = "studio_pipeline.jobs:publish"\n'
            '[nodes.end]\nkind = "end"\n',
            encoding="utf-8",
        )
        text = ok(run, "workflow", "diagram", "--file", "review.toml", env=store_env)
        assert '"publish" [shape=component, label="publish"];' in text
        # Starting a process from it does import them, and says which one is missing.
        ok(run, "demo", env=store_env)
        err = refused(
            run, "workflow", "start", f"{SHOT}/processes", "--file", "review.toml", env=store_env
        )
        assert "node 'check': field 'actions[0]': 'studio_pipeline.review:record_notes'" in err


class TestDemoPipeline:
    def test_grafted_on_the_demo_shot(self) -> None:
        """The demo plugin grafts `processes` onto its Shot, through a hook."""
        flow = gf.Flow(session=gf.Session(user="ann", environ={}))
        create_demo(flow)
        shot = flow.get_object(SHOT)
        assert isinstance(shot.processes, Processes)
        (record,) = [r for r in describe(shot) if r.name == "processes"]
        assert record.origin == "shot_processes"
        assert flow.session().diagnostics == []

    def test_review_loop(self) -> None:
        """layout, animation, lighting || comp prep, review: rejected, then approved."""
        flow = gf.Flow(session=gf.Session(user="ann", environ={}))
        create_demo(flow)
        process = start_shot_pipeline(flow.get_object(SHOT))
        process.execute_step()  # layout
        process.execute_step()  # animation
        assert sorted(t.node.get() for t in process.active_tasks()) == ["comp_prep", "lighting"]
        process.execute_step()  # lighting
        assert sorted(t.node.get() for t in process.active_tasks()) == ["comp_prep", "join"]
        process.execute_step()  # comp prep: the join continues
        process.execute_step(approved=False, note="more squash")
        assert process.current_step().name() == "animation-2"  # type: ignore[union-attr]
        assert process.state.note == "more squash"
        for _ in range(3):
            process.execute_step()
        process.execute_step(approved=True)
        assert process.status.get() == "DONE"
        assert process.state.get() == {"approved": True, "note": ""}
        other = start_shot_pipeline(flow.get_object(SHOT.replace("sh0010", "sh0020")))
        for _ in range(4):
            other.execute_step()
        with pytest.raises(TypeError, match="approved must be true or false"):
            other.execute_step(approved="yes")
        review = other.current_step()
        assert review is not None
        assert (review.node.get(), review.status.get()) == ("review", "NEW")
