"""``graftflow workflow ...`` run for real, and the demo studio's per-shot pipeline."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from cli_support import Run
from conftest import TESTS, PythonRunner

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


def demo_with_pipeline(run: Run, env: dict[str, str]) -> None:
    """The demo, with the shot pipeline started on its first shot."""
    ok(run, "demo", env=env)
    ok(run, "workflow", "start", f"{SHOT}/processes", "pipeline", "--builtin", "shot_pipeline",
       env=env)  # fmt: skip


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
        demo_with_pipeline(run, store_env)
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


class TestDemoPreview:
    def test_a_process_is_one_line(self, run: Run, store_env: dict[str, str]) -> None:
        """``graftflow demo`` shows a started process as its status and current tasks,
        not its definition, tokens and history."""
        demo_with_pipeline(run, store_env)
        shown = ok(run, "demo", env={**store_env, "COLUMNS": "120"})
        assert re.search(r"pipeline Process shot_pipeline STARTED: layout-1 NEW$", shown, re.M)
        assert "definition" not in shown
        assert "start-1" not in shown
        data = json.loads(ok(run, "demo", "--json", env=store_env))
        text = json.dumps(data)
        assert '"summary": "shot_pipeline STARTED: layout-1 NEW"' in text
        assert "shot_pipeline" not in text.replace('"summary": "shot_pipeline', "")


class TestHistoryCommand:
    def test_the_same_lines_for_both_kinds_of_process(
        self, run: Run, store_env: dict[str, str]
    ) -> None:
        demo_with_pipeline(run, store_env)
        lines = ok(run, "workflow", "history", PIPELINE, env=store_env).splitlines()
        assert re.fullmatch(
            r"   1 \S+\+00:00 ann        started NEW -> STARTED  definition=\"shot_pipeline\"",
            lines[0],
        )
        assert re.search(r" ann        done start-1 NEW -> DONE$", lines[2])
        records = json.loads(ok(run, "workflow", "history", PIPELINE, "--json", env=store_env))
        assert [r["what"] for r in records] == [
            "started",
            "activate",
            "done",
            "activate",
        ]
        assert all({"id", "when", "who", "what"} <= set(r) for r in records)
        err = refused(run, "workflow", "history", SHOT, env=store_env)
        assert err == f"graftflow: error: {SHOT} is a Shot, not a workflow process\n"


JOB_SETUP = """
import sys
import graftflow as gf
import workflow_defs as defs
from workflow_jobs import FakeClock
from graftflow.plugins.workflow import WorkQueue
from graftflow.plugins.workflow._clock import set_clock

flow = gf.Flow(session=gf.Session(user="ann", environ={{}}), store=gf.SQLiteStore({db!r}))
clock = FakeClock()
set_clock(flow, clock)
process = flow.create_project("shot", defs.Shot).processes.start(
    "p", defs.JOB, state={{"operands": [3, 4]}}
)
(task,) = process.active_tasks()
queue = WorkQueue(flow)
trace = "Traceback (most recent call last):\\n  ...\\nValueError: bad operands\\n"
for _ in range(2):  # the node's policy runs it twice
    held = queue.claim("farm-01", 30)
    queue.fail_with(held, trace, "ValueError")
    clock.advance(5)
other = queue.submit(owner="/shot", function="studio.jobs:render", input={{"frame": 1}})
print(task.job_id.get(), other, task.oid())
"""


class TestJobsCommand:
    def test_list_show_retry_cancel(
        self, run: Run, run_python: PythonRunner, tmp_path: Path
    ) -> None:
        """The work queue from the command line: the newest jobs, one job's attempts and
        traceback, a retry its owner task makes, a cancel its owner hears."""
        db = tmp_path / "jobs.db"
        failed, other, task_oid = run_python(JOB_SETUP.format(db=str(db))).stdout.split()
        env = {"GRAFTFLOW_STORE": f"sqlite:///{db}", "PYTHONPATH": str(TESTS)}
        lines = ok(run, "jobs", env=env).splitlines()
        assert lines[0].split() == ["JOB", "STATUS", "TRY", "UPDATED", "FUNCTION", "OWNER"]
        assert [line.split()[:2] for line in lines[1:]] == [[other, "queued"], [failed, "failed"]]
        listed = json.loads(ok(run, "jobs", "list", "--status", "failed", "--json", env=env))
        assert [(j["id"], j["owner"]) for j in listed] == [(failed, task_oid)]
        assert (
            json.loads(ok(run, "jobs", "list", "--owner", "/shot/", "--json", env=env))[0]["id"]
            == failed
        )
        shown = ok(run, "jobs", "show", failed, env=env).splitlines()
        assert shown[0] == f"job {failed} (queue 'default'): failed"
        attempts = [line.strip() for line in shown if line.strip().startswith("attempt ")]
        assert [re.sub(r" at \S+ \S+ ", " at T ", a) for a in attempts] == [
            "attempt 1: farm-01 at T -> queued (ValueError)",
            "attempt 2: farm-01 at T -> failed (ValueError)",
        ]
        assert "  told owner job_finished (version 5): ok" in shown
        assert shown[-3:] == [
            "  Traceback (most recent call last):",
            "    ...",
            "  ValueError: bad operands",
        ]
        data = json.loads(ok(run, "jobs", "show", failed, "--json", env=env))
        assert [a["outcome"] for a in data["attempts"]] == ["queued", "failed"]

        retried = ok(run, "jobs", "retry", failed, env=env).strip()
        assert retried.startswith(f"retried job {failed}: its owner submitted job ")
        new = retried.rsplit(" ", 1)[1]
        check = (
            "import graftflow as gf\n"
            f"flow = gf.Flow(store=gf.SQLiteStore({str(db)!r}))\n"
            f"task = flow.get_object({task_oid!r})\n"
            "print(task.status.get(), task.job_id.get(), task.attempt.get())\n"
        )
        assert run_python(check).stdout.split() == ["SCHEDULED", new, "2"]
        err = refused(run, "jobs", "retry", new, env=env)
        assert f"job {new} is queued; only a failed, timed out or canceled job is retried" in err

        assert ok(run, "jobs", "cancel", new, env=env) == f"canceled job {new}\n"
        assert run_python(check).stdout.split()[0] == "CANCELED"  # the owner task heard
        err = refused(run, "jobs", "cancel", new, env=env)
        assert err == f"graftflow: error: job {new} is canceled already; nothing to cancel\n"

    def test_mistakes(self, run: Run, run_python: PythonRunner, tmp_path: Path) -> None:
        db = tmp_path / "jobs.db"
        run_python(JOB_SETUP.format(db=str(db)))
        env = {"GRAFTFLOW_STORE": f"sqlite:///{db}", "PYTHONPATH": str(TESTS)}
        err = refused(run, "jobs", "show", "nope", env=env)
        assert "queue 'default' has no job 'nope'" in err
        assert "Invalid value for '--status'" in usage_error(
            run, "jobs", "list", "--status", "lost", env=env
        )
        assert "is not a queue name" in usage_error(
            run, "jobs", "list", "--queue", "two words", env=env
        )
        assert ok(run, "jobs", "list", "--queue", "render", env=env) == (
            "no jobs in queue 'render'\n"
        )
