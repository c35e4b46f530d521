"""The flow browser's app through Starlette's TestClient: pages, writes, safety.

Fast and in-process; tests/test_web_browser.py drives the same app in a real Chromium
on a real server. The flow is a real SQLite file.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Skipped without the web extra; tests/test_web_requirements.py fails then under CI.
pytest.importorskip(
    "starlette", reason="the web extra is not installed: pip install 'graftflow[web]'"
)

from cli_support import Run, graftflow_command
from starlette.testclient import TestClient
from web_support import BigProject, Notes

import graftflow as gf
from graftflow.extensions import describe
from graftflow.plugins.demo import create_demo
from graftflow.plugins.web import create_app
from graftflow.plugins.web._page import label_html

SHOT = "/demo/films/f01/sequences/sq010/shots/sh0010"


@pytest.fixture
def flow(tmp_path: Path) -> Iterator[gf.Flow]:
    store = gf.SQLiteStore(tmp_path / "web.db")
    flow = gf.Flow(session=gf.Session(user="ana", environ={}), store=store)
    create_demo(flow, sequences=2, shots=3)
    flow.create_project("notes", Notes)
    yield flow
    store.close()


@pytest.fixture
def client(flow: gf.Flow) -> Iterator[TestClient]:
    with TestClient(create_app(flow)) as client:
        client.get("/flow/")  # the CSRF cookie
        yield client


def csrf(client: TestClient) -> str:
    token = client.cookies.get("gf_csrf")
    assert token
    return token


def post(client: TestClient, url: str, data: dict[str, Any], htmx: bool = True) -> Any:
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(
        url, data={"csrf": csrf(client), **data}, headers=headers, follow_redirects=False
    )


def processes_origin(flow: gf.Flow) -> str:
    """The extension that grafts the demo shots' ``processes`` map, as describe() names
    it (the badge must show whichever plugin does it)."""
    (record,) = [r for r in describe(flow.get_object(SHOT)) if r.name == "processes"]
    assert record.origin != "base"
    return record.origin


class TestPages:
    def test_root_lists_projects(self, client: TestClient) -> None:
        """/ leads to the projects."""
        page = client.get("/")
        assert page.status_code == 200
        assert 'href="/flow/demo"' in page.text
        assert 'href="/flow/notes"' in page.text

    def test_object_page(self, client: TestClient, flow: gf.Flow) -> None:
        """A shot's page: breadcrumbs, relations in order with labels and groups, the
        grafted relation's origin, links to connections and parents, action buttons."""
        page = client.get(f"/flow{SHOT}")
        assert page.status_code == 200
        text = page.text
        assert '<a href="/flow/demo/films/f01">f01</a>' in text
        labels = re.findall(r'<div class="lbl" title="[^"]*">.*?<span>(.*?)</span>', text)
        # The relations without a group first, in order, then each group in order.
        assert labels[:4] == ["Processes", "Status", "Version", "Hero"]
        frames = text.index('<h2 class="group-name">Frames</h2>')
        assert labels[-4:] == ["Frame In", "Frame Out", "Frame Count", "Handles"]
        assert text.index("<span>Frame In</span>") > frames > text.index("<span>Hero</span>")
        assert processes_origin(flow) in text  # origin badge of the grafted map
        assert 'href="/flow/demo/assets/' in text  # the hero connection
        assert 'hx-get="/dialog' + SHOT + '/bump_version"' in text
        assert float(page.headers["server-timing"].split("dur=")[1]) > 0

    def test_project_type_gone_is_one_line(self, client: TestClient, flow: gf.Flow) -> None:
        """An object that cannot be built (its type no longer imports) is a 500 page
        with the reason, not a traceback."""
        flow.store().ordered_add("!projects", {"ghost": "gone_module:Ghost"})
        page = client.get("/flow/ghost")
        assert page.status_code == 500
        assert "gone_module:Ghost" in page.text
        assert "Traceback" not in page.text

    def test_unknown_oid_is_404(self, client: TestClient) -> None:
        """An unknown oid is a 404 page naming it, leading back to the nearest object
        that exists."""
        page = client.get("/flow/demo/films/f09/sequences/sq010")
        assert page.status_code == 404
        assert "There is no object at /demo/films/f09/sequences/sq010" in page.text
        assert "Traceback" not in page.text
        assert '<a class="btn" href="/flow/demo/films">← /demo/films</a>' in page.text
        assert '<a href="/flow/demo">demo</a>' in page.text  # the crumbs lead there too
        project = client.get("/flow/nowhere")
        assert project.status_code == 404
        assert '<a class="btn" href="/flow/">← the projects</a>' in project.text

    def test_value_page(self, client: TestClient) -> None:
        """A value has a page too (a value with relations shows them there)."""
        page = client.get(f"/flow{SHOT}/frame_in")
        assert page.status_code == 200
        assert 'name="value" value="1001"' in page.text

    def test_action_page(self, client: TestClient) -> None:
        """An action's own page offers to run it (through its dialog)."""
        page = client.get(f"/flow{SHOT}/bump_version")
        assert 'hx-get="/dialog' + SHOT + '/bump_version"' in page.text
        assert "Run Bump Version…" in page.text

    def test_label_is_sanitised(self, client: TestClient) -> None:
        """A Label keeps its formatting tags; a script in it is text."""
        page = client.get("/flow/notes")
        assert "<h3>Steps</h3>" in page.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
        assert "<script>alert(1)" not in page.text

    def test_describe(self, client: TestClient, flow: gf.Flow) -> None:
        """describe() on demand: origin, weight, factory and what was beaten."""
        page = client.get(f"/describe{SHOT}?name=processes", headers={"HX-Request": "true"})
        assert page.status_code == 200
        assert processes_origin(flow) in page.text
        assert 'class="hl"' in page.text
        lamp = client.get("/describe/demo/films/f02/sequences/sq010/shots/sh0010")
        assert "lamp_light_handles" in lamp.text
        assert "base" in lamp.text

    def test_diagnostics_panel(self, client: TestClient, flow: gf.Flow) -> None:
        """The session's diagnostics show in their panel."""
        flow.session().report("a factory broke", source="test", error="ValueError")
        page = client.get("/flow/demo")
        assert "a factory broke" in page.text
        assert 'class="count">1<' in page.text

    def test_parts(self, client: TestClient) -> None:
        """The live parts of a page, by element id, as the page renders them."""
        parts = client.get(f"/parts{SHOT}").json()
        assert {"part-head", "rel-frame_in", "rel-bump_version", "part-diag"} <= set(parts)
        assert parts["rel-frame_in"] in client.get(f"/flow{SHOT}").text


class TestEscaping:
    def test_value_is_text(self, client: TestClient, flow: gf.Flow) -> None:
        """A param whose value is a script shows as text, in pages and parts."""
        flow.get_object("/notes/title").set('<script>alert("x")</script>')
        page = client.get("/flow/notes")
        assert '<script>alert("x")' not in page.text
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page.text
        assert "<script>alert" not in client.get("/parts/notes").json()["rel-title"]

    def test_label_html(self) -> None:
        """Only formatting tags survive, without attributes; the rest is text."""
        assert label_html("<b onclick='x()'>hi</b><img src=x onerror=y>") == (
            "<b>hi</b>&lt;img src=x onerror=y&gt;"
        )
        assert label_html("<h2>open") == "<h2>open</h2>"
        assert label_html("a &lt;b&gt;") == "a &lt;b&gt;"


class TestWrites:
    def test_set_value(self, client: TestClient, flow: gf.Flow) -> None:
        """A POST with the CSRF token sets the value; the row comes back."""
        reply = post(client, f"/set{SHOT}/frame_out", {"value": "1200"})
        assert reply.status_code == 200
        assert 'value="1200"' in reply.text
        assert flow.get_object(f"{SHOT}/frame_out").get() == 1200

    def test_invalid_value(self, client: TestClient, flow: gf.Flow) -> None:
        """A bad value: the typed error on the field, nothing written."""
        before = flow.get_object(f"{SHOT}/frame_out").get()
        reply = post(client, f"/set{SHOT}/frame_out", {"value": "twelve"})
        assert "field-error" in reply.text
        assert "&#39;twelve&#39; is not an int" in reply.text
        assert 'value="twelve"' in reply.text  # what was typed stays in the field
        assert flow.get_object(f"{SHOT}/frame_out").get() == before

    def test_invalid_value_without_javascript(self, client: TestClient) -> None:
        """Without htmx, the whole page again (422) with the error on the field."""
        reply = post(client, f"/set{SHOT}/frame_out", {"value": "x"}, htmx=False)
        assert reply.status_code == 422
        assert "field-error" in reply.text
        assert "<html" in reply.text

    def test_set_without_javascript_redirects(self, client: TestClient) -> None:
        """A plain form POST sets and goes back to the page."""
        reply = post(client, "/set/notes/count", {"value": "7"}, htmx=False)
        assert reply.status_code == 303
        assert reply.headers["location"] == "/flow/notes"

    def test_editors(self, client: TestClient, flow: gf.Flow) -> None:
        """Form text becomes each editor's type: bool, float, choice, connection."""
        post(client, "/set/notes/ready", {"value": ["false", "true"]})
        post(client, "/set/notes/ratio", {"value": "2.5"})
        post(client, "/set/demo/assets/lamp/kind", {"value": "set"})
        post(client, f"/set{SHOT}/hero", {"value": "/demo/assets/attic"})
        assert flow.get_object("/notes/ready").get() is True
        assert flow.get_object("/notes/ratio").get() == 2.5
        assert flow.get_object("/demo/assets/lamp/kind").get() == "set"
        assert flow.get_object(f"{SHOT}/hero").get().oid() == "/demo/assets/attic"
        reply = post(client, f"/set{SHOT}/hero", {"value": "/demo/nowhere"})
        assert "field-error" in reply.text
        assert "nowhere" in reply.text

    def test_csrf_required(self, client: TestClient, flow: gf.Flow) -> None:
        """A POST without the token (or with a wrong one) is refused; nothing written."""
        no_token = client.post(f"/set{SHOT}/frame_out", data={"value": "5"})
        wrong = client.post(f"/set{SHOT}/frame_out", data={"value": "5", "csrf": "guess"})
        assert (no_token.status_code, wrong.status_code) == (403, 403)
        assert "CSRF" in no_token.text
        assert flow.get_object(f"{SHOT}/frame_out").get() != 5

    def test_computed_is_not_settable(self, client: TestClient) -> None:
        """Only editable values can be set."""
        assert post(client, f"/set{SHOT}/frame_count", {"value": "3"}).status_code == 403


class TestValueTypes:
    def test_choice_value_with_actions(self, client: TestClient, flow: gf.Flow) -> None:
        """A ChoiceValue is a select of its choices; its own actions are buttons on its
        row, and it has a page listing them."""
        page = client.get("/flow/notes").text
        row = page[page.index('id="rel-status"') : page.index('id="rel-tags"')]
        assert re.search(r'<option value="todo"\s+selected>todo</option>', row)
        assert re.search(r'<option value="wip"\s*>wip</option>', row)
        assert 'action="/run/notes/status/done"' in row
        assert 'href="/dialog/notes/status/pick"' in row  # the select action asks first
        assert 'href="/flow/notes/status"' in row
        post(client, "/run/notes/status/done", {"button": "Run"})
        assert flow.get_object("/notes/status").get() == "done"
        post(client, "/set/notes/status", {"value": "wip"})
        assert flow.get_object("/notes/status").get() == "wip"
        value_page = client.get("/flow/notes/status")
        assert value_page.status_code == 200
        assert "rel-done" in value_page.text
        assert "rel-pick" in value_page.text

    def test_multichoice_hash_and_set(self, client: TestClient, flow: gf.Flow) -> None:
        """Multi-choices are checkboxes; a hash is edited as JSON; an ordered string
        set is shown, not edited (it changes member by member)."""
        page = client.get("/flow/notes").text
        assert 'type="checkbox" name="value" value="crowd"' in page
        post(client, "/set/notes/tags", {"multi": "1", "value": ["hero", "fx"]})
        assert flow.get_object("/notes/tags").get() == ["hero", "fx"]
        post(client, "/set/notes/meta", {"value": '{"fps": 24}'})
        assert flow.get_object("/notes/meta").get() == {"fps": 24}
        flow.get_object("/notes/members").add("ana", 1)
        row = client.get("/parts/notes").json()["rel-members"]
        assert "ana" in row
        assert "<form" not in row
        assert post(client, "/set/notes/members", {"value": "[]"}).status_code == 403


class TestActions:
    def test_dialog(self, client: TestClient) -> None:
        """An action with params opens a dialog with its fields and buttons."""
        reply = client.get(f"/dialog{SHOT}/bump_version", headers={"HX-Request": "true"})
        assert 'name="p:comment"' in reply.text
        assert 'value="Run"' in reply.text
        assert reply.headers["hx-trigger"] == "gf-open-dialog"

    def test_run_with_params(self, client: TestClient, flow: gf.Flow) -> None:
        """The dialog's params are set, then run(button); the result is shown."""
        reply = post(
            client,
            f"/run{SHOT}/bump_version",
            {"button": "Run", "p:comment": "hi", "from": "dialog"},
        )
        assert reply.status_code == 204
        trigger = json.loads(reply.headers["hx-trigger"])
        assert trigger["gf-toast"] == {"text": "Bump Version: 1", "error": False}
        assert trigger["gf-close-dialog"]
        assert trigger["gf-refresh"]
        assert flow.get_object(f"{SHOT}/version").get() == 1

    def test_failing_action_one_line(self, client: TestClient) -> None:
        """A failing action is one line, no traceback."""
        reply = post(client, "/run/notes/fails", {"button": "Go", "from": "dialog"})
        assert "fails failed: RuntimeError: the render farm is down" in reply.text
        assert "Traceback" not in reply.text
        inline = post(client, "/run/notes/fails", {"button": "Go"})
        toast = json.loads(inline.headers["hx-trigger"])["gf-toast"]
        assert toast["error"]
        assert "render farm is down" in toast["text"]

    def test_failing_action_debug(self, flow: gf.Flow) -> None:
        """With --debug, the traceback too."""
        with TestClient(create_app(flow, debug=True)) as debug:
            debug.get("/flow/")
            reply = post(debug, "/run/notes/fails", {"button": "Go", "from": "dialog"})
        assert "Traceback (most recent call last)" in reply.text

    def test_bad_param_runs_nothing(self, client: TestClient, flow: gf.Flow) -> None:
        """A dialog param that does not validate is shown on its field; run() is not
        called."""

        class Counter(gf.Action):
            times = gf.IntParam(1)

            def run(self, button: str) -> None:
                raise AssertionError("must not run")

        class Holder(gf.Object):
            counter = gf.Child(Counter)

        flow.create_project("holder", Holder)
        reply = post(
            client, "/run/holder/counter", {"button": "Run", "p:times": "x", "from": "dialog"}
        )
        assert reply.status_code == 200
        assert "field-error" in reply.text

    def test_result_protocol(self, client: TestClient, flow: gf.Flow) -> None:
        """close=False keeps the dialog (with the new message), next_action opens the
        next dialog, goto sends the page elsewhere."""
        stay = post(client, "/run/notes/wizard", {"button": "Next", "from": "dialog"})
        assert "Say where to go" in stay.text
        assert stay.headers["hx-retarget"] == "#dialog-body"
        following = post(
            client, "/run/notes/wizard", {"button": "Next", "p:where": "next", "from": "dialog"}
        )
        assert 'action="/run/notes/fails"' in following.text
        goto = post(client, "/run/notes/wizard", {"button": "Next", "p:where": "/demo/films"})
        assert goto.headers["hx-location"] == "/flow/demo/films"

    def test_unknown_button(self, client: TestClient) -> None:
        """A button the action does not offer is refused in its dialog."""
        reply = post(client, f"/run{SHOT}/bump_version", {"button": "Explode"})
        assert "has no button &#39;Explode&#39;" in reply.text


class TestMaps:
    @pytest.fixture
    def big(self, flow: gf.Flow) -> Any:
        project = flow.create_project("big", BigProject)
        project.items.add_many(f"item{n:06d}" for n in range(30_000))
        return project

    def test_pages(self, client: TestClient, big: Any) -> None:
        """A map is a paged table; a page reads only its names."""
        page = client.get("/flow/big/items?page=3")
        assert "item000150" in page.text
        assert "item000199" in page.text
        assert "item000200" not in page.text
        assert "151\N{EN DASH}200 of 30,000 · page 4 of 600" in page.text
        table = client.get(
            "/flow/big/items?page=599", headers={"HX-Request": "true", "HX-Target": "part-table"}
        )
        assert table.text.startswith('<div id="part-table"')
        assert "item029999" in table.text
        assert 'rel="next"' not in table.text
        # Only the pages shown were built (the server shares this flow).
        built = sorted(big.items._items)
        assert built == [f"item{n:06d}" for n in [*range(150, 200), *range(29950, 30000)]]

    def test_filter(self, client: TestClient, big: Any) -> None:
        """The name filter finds matches anywhere, a page at a time, and goes on from
        where it stopped."""
        page = client.get("/flow/big/items?q=29998")
        assert "item029998" in page.text
        first = client.get("/flow/big/items?q=item00")
        assert "item000049" in first.text
        assert "from=50" in first.text
        more = client.get("/flow/big/items?q=item00&from=50")
        assert "item000050" in more.text
        assert "item000049" not in more.text
        none = client.get("/flow/big/items?q=zzz")
        assert "no name contains" in none.text


class TestGuards:
    def test_token(self, flow: gf.Flow) -> None:
        """With a token, nothing is served without it; ?token= trades it for a cookie."""
        with TestClient(create_app(flow, token="s3cret")) as client:
            assert client.get("/flow/demo").status_code == 401
            assert client.get("/flow/demo?token=wrong").status_code == 401
            hop = client.get("/flow/demo?token=s3cret&page=2", follow_redirects=False)
            assert hop.status_code == 303
            assert hop.headers["location"] == "/flow/demo?page=2"
            assert client.get("/flow/demo").status_code == 200  # the cookie now
            assert client.get("/static/app.css").status_code == 200
        with TestClient(create_app(flow, token="s3cret")) as bearer:
            reply = bearer.get("/flow/demo", headers={"Authorization": "Bearer s3cret"})
            assert reply.status_code == 200

    def test_host_check(self, flow: gf.Flow) -> None:
        """A loopback server refuses Host names that are not its own."""
        app = create_app(flow, allowed_hosts=["127.0.0.1", "localhost"])
        with TestClient(app, base_url="http://evil.example") as client:
            assert client.get("/flow/").status_code == 400
        with TestClient(app, base_url="http://localhost:8765") as client:
            assert client.get("/flow/").status_code == 200


class TestWorkflowPanel:
    def test_process_page(self, client: TestClient, flow: gf.Flow) -> None:
        """A process's page shows its diagram and its tasks' transitions as buttons,
        which move the task."""
        from graftflow.plugins.workflow import Process
        from graftflow.plugins.workflow._demo import start_shot_pipeline

        process: Process = start_shot_pipeline(flow.get_object(SHOT))
        page = client.get(f"/flow{process.oid()}")
        head = client.get(f"/parts{process.oid()}").json()["part-head"]
        assert process.summary() in head  # the title line: the object's summary()
        assert '<pre class="mermaid">' in page.text
        assert "mermaid.min.js" in page.text
        assert 'action="/run' + process.oid() + '/tasks/layout-1/transitions"' in page.text
        reply = post(
            client, f"/run{process.oid()}/tasks/layout-1/transitions", {"button": "assign"}
        )
        assert reply.status_code == 204
        layout = f"{process.oid()}/tasks/layout-1"
        assert flow.get_object(f"{layout}/status").get() == "ASSIGNED"
        assert flow.get_object(f"{layout}/assignee").get() == "ana"  # the server's user
        assert 'value="prepare"' in client.get(f"/flow{process.oid()}").text
        # Assigned to someone else: ana may no longer move it, and is offered nothing.
        flow.get_object(f"{layout}/assignee").set("bob")
        assert f'action="/run{layout}/transitions"' not in client.get(f"/flow{process.oid()}").text
        shot_page = client.get(f"/flow{SHOT}").text
        listed = shot_page[shot_page.index("Processes</h2>") :]
        assert f'<a href="/flow{process.oid()}">pipeline</a>' in listed
        assert "<td>layout-1</td>" in listed  # its active task

    def test_no_process_yet(self, client: TestClient, flow: gf.Flow) -> None:
        """A shot without a process says how to start one; the command it gives works
        (run here for real) and the shot then lists the process."""
        page = client.get(f"/flow{SHOT}").text
        assert "No process has been started here" in page
        (command,) = re.findall(r"<pre class='cmd'>(graftflow workflow start [^<]*)</pre>", page)
        assert command.split()[3] == f"{SHOT}/processes"
        started = subprocess.run(
            [graftflow_command(), "--store", flow.store().url, *command.split()[1:]],
            capture_output=True,
            text=True,
            timeout=60,
            env={k: v for k, v in os.environ.items() if not k.startswith("GRAFTFLOW_")},
            check=False,
        )
        assert started.returncode == 0, started.stderr
        after = client.get(f"/flow{SHOT}").text
        assert "No process has been started here" not in after
        assert f'<a href="/flow{SHOT}/processes/pipeline">pipeline</a>' in after


class TestServeCommand:
    def test_serves_and_prints_the_url(self, run: Run, workdir: Path) -> None:
        """`graftflow serve` on a free port prints its URL and serves the demo."""
        assert run("--store", f"sqlite:///{workdir}/demo.db", "demo").returncode == 0
        env = {k: v for k, v in os.environ.items() if not k.startswith("GRAFTFLOW_")}
        with subprocess.Popen(
            [
                graftflow_command(),
                "--store",
                f"sqlite:///{workdir}/demo.db",
                "serve",
                "--port",
                "0",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            cwd=workdir,
            env=env,
        ) as proc:
            self._check_served(proc)

    @staticmethod
    def _check_served(proc: subprocess.Popen[str]) -> None:
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            match = re.search(r"at (http://127\.0\.0\.1:\d+/flow/)$", line.strip())
            assert match, line
            import urllib.request

            deadline = time.monotonic() + 10
            while True:
                try:
                    with urllib.request.urlopen(match.group(1) + "demo", timeout=5) as reply:
                        assert reply.status == 200
                        assert b"films" in reply.read()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
        finally:
            proc.terminate()
            proc.wait(timeout=10)

    def test_without_the_web_extra(self, run_python: Any) -> None:
        """Without the web extra's packages, ``serve`` is still listed (the web plugin
        registers it without importing them) and says what to install, in one line.

        The packages are made unimportable the way Python itself allows (``None`` in
        ``sys.modules``) in a fresh interpreter running the real command."""
        script = """
            import sys
            sys.modules.update(uvicorn=None, starlette=None, jinja2=None)
            from graftflow.plugins.cli import main
            main(sys.argv[1:])
        """
        code = "import sys; sys.argv[1:] = {args!r}\n" + textwrap.dedent(script)
        listed = run_python(code.format(args=["--help"]), check=False)
        assert listed.returncode == 0, listed.stderr
        assert re.search(r"^\s+serve\s+Serve the flow browser", listed.stdout, re.M)
        served = run_python(code.format(args=["--store", "memory://", "serve"]), check=False)
        assert served.returncode == 1
        assert served.stderr.splitlines() == [
            (
                "graftflow: error: graftflow serve needs the web extra (uvicorn is missing): "
                "pip install 'graftflow[web]'"
            )
        ]

    def test_which_addresses_need_a_token(self) -> None:
        """Loopback serves without a token; any other address gets a new one unless a
        token is given or --no-auth says none."""
        from graftflow.plugins.web._cli import is_loopback, required_token

        assert [is_loopback(h) for h in ("127.0.0.1", "127.0.0.9", "::1", "localhost")] == [
            True
        ] * 4
        assert not is_loopback("0.0.0.0")
        assert not is_loopback("192.168.1.20")
        assert required_token("127.0.0.1", None, no_auth=False) is None
        made = required_token("0.0.0.0", None, no_auth=False)
        assert made is not None
        assert len(made) >= 20
        assert required_token("0.0.0.0", None, no_auth=False) != made
        assert required_token("10.0.0.5", "given", no_auth=False) == "given"
        assert required_token("0.0.0.0", None, no_auth=True) is None

    def test_printed_url_can_be_opened(self) -> None:
        """A wildcard address prints this machine's name, which others can open."""
        import socket

        from graftflow.plugins.web._cli import url_host

        assert url_host("0.0.0.0") == url_host("::") == socket.gethostname()
        assert url_host("127.0.0.1") == "127.0.0.1"
        assert url_host("::1") == "[::1]"
        assert url_host("studio-box") == "studio-box"

    def test_token_and_no_auth_conflict(self, run: Run) -> None:
        """--token and --no-auth together are one error line."""
        proc = run("serve", "--token", "x", "--no-auth")
        assert proc.returncode == 1
        assert proc.stderr.strip() == (
            "graftflow: error: --token and --no-auth contradict each other: give one"
        )

    def test_port_in_use(self, run: Run, workdir: Path) -> None:
        """A port already taken is one clear line."""
        import socket

        assert run("demo").returncode == 0
        taken = socket.socket()
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        try:
            proc = run("serve", "--port", str(taken.getsockname()[1]))
        finally:
            taken.close()
        assert proc.returncode == 1
        assert proc.stderr.startswith("graftflow: error: cannot listen on 127.0.0.1:")
        assert "Traceback" not in proc.stderr


class TestChangeFeed:
    """What moves the live pages: this process's writes, and another writer's."""

    @pytest.mark.parametrize("kind", ["sqlite", "redis"])
    def test_hears_another_writer(self, kind: str, tmp_path: Path, request: Any) -> None:
        """A write through another store object (another connection, as another
        process's) moves the counter within a second; so does a local write."""
        import asyncio

        from conftest import make_store

        from graftflow.plugins.web._live import ChangeFeed

        class Thing(gf.Object):
            size = gf.IntParam(0)

        mine = make_store(kind, tmp_path, request)
        # The same file or server and prefix, through a store object of its own.
        other: gf.Store = gf.open_store(mine.url)
        flow = gf.Flow(store=mine)
        flow.create_project("p", Thing)
        feed = ChangeFeed(flow)

        async def scenario() -> tuple[bool, bool]:
            feed.start()
            try:
                await asyncio.sleep(0.3)  # the watchers are listening
                before = feed.version
                other.set("/p/size", 5)  # not through this flow: someone else's write
                remote = await feed.wait(before, timeout=1.0)
                await asyncio.sleep(0.3)
                before = feed.version
                await asyncio.to_thread(flow.get_object("/p/size").set, 6)
                local = await feed.wait(before, timeout=1.0)
                return remote, local
            finally:
                feed.stop()

        try:
            assert asyncio.run(scenario()) == (True, True)
        finally:
            flow.close()
            other.close()
            mine.close()


class TestThreads:
    def test_parallel_requests_share_one_flow(self, flow: gf.Flow) -> None:
        """The server's threads share one session and flow, without a lock of the app's
        own (the core is safe across threads: docs/concepts.md, "Threads"): pages built
        for the first time by several threads at once, and writes among them, all answer
        right and leave the right values."""
        import urllib.parse
        import urllib.request
        from concurrent.futures import ThreadPoolExecutor

        from web_support import serving

        shots = [
            f"/demo/films/{film}/sequences/{seq}/shots/{shot}"
            for film in ("f01", "f02")
            for seq in ("sq010", "sq020")
            for shot in ("sh0010", "sh0020", "sh0030")
        ]
        cookie = {"Cookie": "gf_csrf=t0k3n"}  # double submit: the same token in the form

        def work(worker: int, base: str) -> list[int]:
            statuses = []
            for step in range(len(shots)):
                shot = shots[(worker + step) % len(shots)]  # every thread, every shot
                with urllib.request.urlopen(base + f"/flow{shot}", timeout=30) as reply:
                    statuses.append(reply.status)
                if shots.index(shot) % 4 == worker % 4 and step < len(shots) // 2:
                    body = urllib.parse.urlencode({"csrf": "t0k3n", "value": str(2000 + worker)})
                    request = urllib.request.Request(
                        base + f"/set{shot}/handles",
                        data=body.encode(),
                        headers={**cookie, "HX-Request": "true"},
                    )
                    with urllib.request.urlopen(request, timeout=30) as reply:
                        statuses.append(reply.status)
            return statuses

        with serving(flow) as server, ThreadPoolExecutor(8) as pool:
            results = list(pool.map(work, range(8), [server.url] * 8))
            rows = {}
            for shot in shots:
                with urllib.request.urlopen(server.url + f"/parts{shot}", timeout=30) as reply:
                    rows[shot] = json.load(reply)["rel-handles"]
        assert all(status == 200 for statuses in results for status in statuses)
        assert sum(map(len, results)) > 8 * len(shots)  # the writes were made too
        written = {shot: flow.get_object(f"{shot}/handles").get() for shot in shots}
        for shot, value in written.items():
            assert value in (8, 12) or 2000 <= value < 2008, (shot, value)
            assert f'value="{value}"' in rows[shot]
        assert sum(1 for value in written.values() if value >= 2000) >= len(shots) // 2
        assert flow.session().diagnostics == []


class TestBenchmark:
    def test_web_bench_runs(self, redis_server: Any) -> None:
        """The web benchmark (tox -e bench) measures every page and the live delay on
        both stores, with tiny sizes here (its figures are in docs/browsing.md)."""
        import sys

        sys.path.insert(0, str(Path(__file__).parent / "benchmarks"))
        try:
            import web_bench
        finally:
            sys.path.pop(0)

        figures = web_bench.run_web(5, 500, 2, redis_server.url, shots=3)
        assert figures["stores"].keys() == {"sqlite", "redis"}
        for pages in figures["stores"].values():
            assert set(pages) == {"shot", "shots table", "big map", "live"}
            for page, row in pages.items():
                assert 0 < row["p50_ms"] <= row["p95_ms"], page
                assert row["requests"] == (2 if page == "live" else 5)
