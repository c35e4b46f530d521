"""The docs' example extension distribution, installed for real (tox installs it).

``docs/examples/graftflow-review-example`` adds a ``review`` child to every shot of the
demo studio through its ``graftflow.installers`` entry point. Each check runs in a fresh
interpreter, so discovery goes through the installed distribution's metadata exactly
as on a workstation.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from test_docs import require_example_distribution

pytestmark = pytest.mark.usefixtures("example_installed")


@pytest.fixture
def example_installed() -> None:
    require_example_distribution()


def run_json(run_python: Any, code: str) -> Any:
    """Run ``code`` in a fresh interpreter and parse the JSON it prints.

    The snippets build sessions with ``environ=`` so a developer's own GRAFTFLOW_*
    variables and config file never change what they see; entry points are still
    discovered from the installed distributions.
    """
    return json.loads(run_python(code).stdout)


DESCRIBE_EVERY_SHOT = """
import json
import graftflow as gf
from graftflow.extensions import describe
from graftflow.plugins.demo import Shot, create_demo

flow = gf.Flow(gf.Session(environ={}))
project = create_demo(flow, sequences=2, shots=3)
shots = [
    shot
    for film in project.films.mapped_items()
    for sequence in film.sequences.mapped_items()
    for shot in sequence.shots.mapped_items()
]
records = {shot.oid(): [r.to_dict() for r in describe(shot)] for shot in shots}
task = shots[0].tasks["layout"]
print(json.dumps({
    "records": records,
    "task_relations": [r.name for r in gf.relations(task)],
    "diagnostics": [str(d) for d in flow.session().diagnostics],
}))
"""


class TestReviewExample:
    def test_every_demo_shot_has_review_with_its_origin(self, run_python: Any) -> None:
        """describe() shows review last on every shot, from the installed entry point."""
        data = run_json(run_python, DESCRIBE_EVERY_SHOT)
        assert data["diagnostics"] == []
        assert len(data["records"]) >= 12
        for oid, records in data["records"].items():
            review = records[-1]
            assert review["name"] == "review", oid
            assert review["kind"] == "child"
            assert review["origin"] == "review"
            assert review["factory"] == "graftflow_review_example:review"
            assert review["source"] == "entry point demo_review (graftflow-review-example 1.0.0)"
            assert review["weight"] == 0
            assert review["beaten"] == []
            # The other relations are untouched and keep their order: the base ones, and
            # those the demo plugin grafts: its shots' processes map, and on
            # "Lamp Light" shots its handles override.
            expected = ["shot_processes"]
            if "/films/f02/" in oid:
                expected.insert(0, "lamp_light_handles")
            assert [r["origin"] for r in records[:-1] if r["origin"] != "base"] == expected
        assert "review" not in data["task_relations"]  # only shots are targeted

    def test_review_is_stored_and_shared(self, run_python: Any, tmp_path: Path) -> None:
        """A review set in one process is read back by another from the SQLite file."""
        store = tmp_path / "studio.db"
        oid = "/demo/films/f01/sequences/sq020/shots/sh0020"
        run_python(f"""
import graftflow as gf
from graftflow.plugins.demo import create_demo

store = gf.open_store("sqlite:///{store}")
flow = gf.Flow(gf.Session(environ={{}}), store)
create_demo(flow)
shot = flow.get_object("{oid}")
shot.review.notes.set("hold the last frame longer")
assert shot.review.approve.run("Run") == "approved"
store.close()
""")
        data = run_json(
            run_python,
            f"""
import json
import graftflow as gf

flow = gf.Flow(gf.Session(environ={{}}), gf.open_store("sqlite:///{store}"))
review = flow.get_object("{oid}/review")
other = flow.get_object("/demo/films/f01/sequences/sq010/shots/sh0010/review")
print(json.dumps([review.status.get(), review.notes.get(), other.status.get()]))
""",
        )
        assert data == ["approved", "hold the last frame longer", "pending"]

    def test_bad_status_is_refused(self, run_python: Any) -> None:
        """The review status only takes its three values; a refusal writes nothing."""
        data = run_json(
            run_python,
            """
import json
import graftflow as gf
from graftflow.plugins.demo import create_demo

flow = gf.Flow(gf.Session(environ={}))
create_demo(flow)
status = flow.get_object("/demo/films/f02/sequences/sq010/shots/sh0030/review/status")
try:
    status.set("maybe")
except gf.InvalidValueError as error:
    message = str(error)
print(json.dumps([message, status.get()]))
""",
        )
        message, value = data
        assert message.startswith(
            "Param /demo/films/f02/sequences/sq010/shots/sh0030/review/status: "
        )
        assert "'pending', 'approved' or 'retake'" in message
        assert value == "pending"

    @pytest.mark.parametrize(
        "blocked", ["graftflow-review-example", "demo_review", "review"], ids=str
    )
    def test_blocking_by_name_never_imports_it(self, run_python: Any, blocked: str) -> None:
        """Blocked by distribution, entry point or extension name: no review on shots;
        blocked as an installer, the module is not even imported."""
        data = run_json(
            run_python,
            f"""
import json, sys
import graftflow as gf
from graftflow.extensions import describe
from graftflow.plugins.demo import create_demo

flow = gf.Flow(gf.Session(environ={{"GRAFTFLOW_BLOCKED": {blocked!r}}}))
create_demo(flow)
shot = flow.get_object("/demo/films/f01/sequences/sq010/shots/sh0010")
print(json.dumps({{
    "names": [r.name for r in describe(shot)],
    "imported": "graftflow_review_example" in sys.modules,
}}))
""",
        )
        assert "review" not in data["names"]
        assert "frame_count" in data["names"]
        if blocked != "review":  # an extension name is only known once imported
            assert data["imported"] is False
