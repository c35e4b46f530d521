"""The flow browser in a real Chromium (Debian's, through playwright) on a real server.

The server is the app ``graftflow serve`` runs, on uvicorn in a thread, over a real
SQLite file; another process changes that file for the live test. Screenshots of the
main pages are taken here, so the docs' pictures show the pages as they are:
``GRAFTFLOW_UPDATE_SCREENSHOTS=1`` copies them into docs/img/ (docs/browsing.md).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

# Skipped without them; tests/test_web_requirements.py fails then under CI.
pytest.importorskip(
    "starlette", reason="the web extra is not installed: pip install 'graftflow[web]'"
)
pytest.importorskip("playwright", reason="playwright is not installed (tox's py env has it)")

from cli_support import graftflow_command
from playwright.sync_api import Browser, Page, expect, sync_playwright
from web_support import CHROMIUM_ARGS, BigProject, Notes, ServerThread, chromium_path, serving

import graftflow as gf
from graftflow.plugins.demo import create_demo

SHOT = "/demo/films/f01/sequences/sq010/shots/sh0010"
DOCS_PAGE = Path(__file__).resolve().parent.parent / "docs" / "browsing.md"
DOCS_IMG = DOCS_PAGE.parent / "img"
BIG = 100_000

pytestmark = pytest.mark.slow

# What a page shows may take a while on a busy 2-core CI machine: wait for it longer than
# playwright's 5 s before calling it missing (a passing test waits only as long as needed).
expect.set_options(timeout=10_000)


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("browser") / "studio.db"


@pytest.fixture(scope="module")
def flow(store_path: Path) -> Iterator[gf.Flow]:
    store = gf.SQLiteStore(store_path)
    flow = gf.Flow(session=gf.Session(user="ana", environ={}), store=store)
    create_demo(flow, sequences=2, shots=5)
    flow.create_project("notes", Notes)
    big = flow.create_project("big", BigProject)
    big.items.add_many(f"item{n:06d}" for n in range(BIG))
    from graftflow.plugins.workflow._demo import start_shot_pipeline

    start_shot_pipeline(flow.get_object(SHOT))
    yield flow
    flow.close()
    store.close()


@pytest.fixture(scope="module")
def server(flow: gf.Flow) -> Iterator[ServerThread]:
    with serving(flow) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = chromium_path()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def redis_served(request: pytest.FixtureRequest) -> Iterator[tuple[ServerThread, str]]:
    """The browser of a small demo on a real redis-server; the server and the store's URL
    (which carries its key prefix, so another process opens the same flow)."""
    redis_server = request.getfixturevalue("redis_server")
    store = gf.RedisStore(redis_server.url, prefix=f"web{uuid.uuid4().hex[:8]}")
    flow = gf.Flow(session=gf.Session(user="ana", environ={}), store=store)
    create_demo(flow, sequences=1, shots=2)
    with serving(flow) as running:
        yield running, store.url
    flow.close()
    store.close()


@contextmanager
def browsing(browser: Browser, server: ServerThread) -> Iterator[Page]:
    """A fresh browser context on ``server``; JavaScript errors fail the test."""
    context = browser.new_context(base_url=server.url, viewport={"width": 1360, "height": 900})
    context.set_default_timeout(10_000)
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda exc: errors.append(str(exc)))
    yield opened
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


@pytest.fixture
def page(browser: Browser, server: ServerThread) -> Iterator[Page]:
    with browsing(browser, server) as opened:
        yield opened


def fresh_value(store_path: Path, oid: str) -> Any:
    """Read a value through a new store and flow, as another program would."""
    store = gf.SQLiteStore(store_path)
    try:
        return gf.Flow(store=store).get_object(oid).get()
    finally:
        store.close()


def set_elsewhere(store_path: Path, oid: str, value: Any) -> None:
    """Write a value through a new store and flow: a writer the server does not share
    anything with but the file (it hears of it by watching the file)."""
    store = gf.SQLiteStore(store_path)
    try:
        gf.Flow(store=store).get_object(oid).set(value)
    finally:
        store.close()


def test_navigate_to_a_shot_by_clicking(page: Page) -> None:
    """From the project to a shot through links and table rows, breadcrumbs following."""
    page.goto("/flow/demo")
    page.get_by_role("link", name="Films", exact=True).click()
    page.get_by_role("link", name="f01").click()
    page.get_by_role("link", name="Sequences", exact=True).click()
    page.get_by_role("link", name="sq010").click()
    page.get_by_role("link", name="Shots", exact=True).click()
    page.get_by_role("link", name="sh0010").click()
    expect(page).to_have_url(re.compile(f"/flow{SHOT}$"))
    expect(page.locator("h1")).to_have_text("sh0010")
    expect(page.locator(".crumbs .here")).to_have_text("sh0010")
    expect(page.locator(".crumbs")).to_contain_text("sq010")


def test_edit_a_param(page: Page, store_path: Path) -> None:
    """Editing a field writes the store: another program reads the new value."""
    page.goto(f"/flow{SHOT}")
    field = page.get_by_role("textbox", name="Frame Out")
    field.fill("1150")
    with page.expect_response(lambda r: "/set" in r.url):
        field.press("Enter")
    expect(page.locator("#rel-frame_count .val")).to_have_text("150")
    assert fresh_value(store_path, f"{SHOT}/frame_out") == 1150


def test_bad_value_shows_inline_error(page: Page, store_path: Path) -> None:
    """A value of the wrong type: the typed error on the field, nothing written."""
    before = fresh_value(store_path, f"{SHOT}/handles")
    page.goto(f"/flow{SHOT}")
    field = page.get_by_role("textbox", name="Handles")
    field.fill("twelve")
    field.press("Enter")
    error = page.locator("#rel-handles .field-error")
    expect(error).to_contain_text("'twelve' is not an int")
    expect(page.get_by_role("textbox", name="Handles")).to_have_value("twelve")
    assert fresh_value(store_path, f"{SHOT}/handles") == before


def test_run_an_action_through_its_dialog(page: Page, store_path: Path) -> None:
    """An action with params opens its dialog; Run sets them, runs, shows the result
    and the page follows."""
    before = fresh_value(store_path, f"{SHOT}/version")
    page.goto(f"/flow{SHOT}")
    page.get_by_role("link", name="Bump Version…").click()
    dialog = page.locator("dialog[open]")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Comment").fill("longer shot")
    dialog.get_by_role("button", name="Run").click()
    expect(page.locator("#toast")).to_contain_text(f"Bump Version: {before + 1}")
    expect(page.locator("dialog[open]")).to_have_count(0)
    expect(page.get_by_role("textbox", name="Version")).to_have_value(str(before + 1))
    assert fresh_value(store_path, f"{SHOT}/version") == before + 1
    assert fresh_value(store_path, f"{SHOT}/bump_version/comment") == "longer shot"


def test_page_through_a_big_map(page: Page) -> None:
    """A map of 100,000 items pages with next/previous and filters by name."""
    page.goto("/flow/big/items")
    expect(page.locator("#part-table")).to_contain_text(
        "1\N{EN DASH}50 of 100,000 · page 1 of 2,000"
    )
    page.get_by_role("link", name="next →").click()
    page.get_by_role("link", name="next →").click()
    expect(page).to_have_url(re.compile(r"/flow/big/items\?page=2$"))
    rows = page.locator("#part-table tbody tr")
    expect(rows).to_have_count(50)
    expect(rows.first).to_contain_text("item000100")
    page.get_by_role("link", name="← previous").click()
    expect(rows.first).to_contain_text("item000050")
    search = page.get_by_role("searchbox", name="Filter names")
    search.fill("099998")  # filters as the user types (once htmx has bound the new table)
    search.press("Enter")  # and on Enter, whenever the table was swapped in
    # The filter scans for a quarter of a second per answer: on a busy machine it may
    # stop before the match, and "more" goes on from there.
    match = page.get_by_role("link", name="item099998")
    pager = page.locator("#part-table .pager")
    expect(pager).to_contain_text("match")
    for _ in range(40):
        more = page.get_by_role("link", name="more →")
        if match.count() or not more.count():
            break
        before = pager.inner_text()
        more.click()
        expect(pager).not_to_have_text(before)
    expect(match).to_be_visible()
    page.get_by_role("link", name="item099998").click()
    expect(page.locator("h1")).to_have_text("item099998")


@pytest.mark.parametrize("kind", ["sqlite", "redis"])
def test_change_by_another_process_appears_live(
    kind: str, browser: Browser, store_path: Path, request: pytest.FixtureRequest
) -> None:
    """Another process (the graftflow command) sets a value: the open page shows it
    without a reload, on SQLite (the server watches the file) and on Redis (the
    store's notifications)."""
    if kind == "sqlite":
        server, url = request.getfixturevalue("server"), f"sqlite:///{store_path}"
    else:
        server, url = request.getfixturevalue("redis_served")
    with browsing(browser, server) as page:
        page.goto(f"/flow{SHOT}")
        expect(page.locator("#live.on")).to_be_visible()  # the live stream is open
        page.evaluate("window.__notReloaded = true")
        env = {k: v for k, v in os.environ.items() if not k.startswith("GRAFTFLOW_")}
        subprocess.run(
            [graftflow_command(), "--store", url, "set", f"{SHOT}/frame_in", "1009"],
            check=True,
            capture_output=True,
            timeout=60,
            env=env,
        )
        # Within a second (docs/browsing.md has the delay, measured by `tox -e bench`
        # where timings belong); a busy test machine gets some slack here.
        expect(page.get_by_role("textbox", name="Frame In")).to_have_value("1009", timeout=5000)
        assert page.evaluate("window.__notReloaded") is True


def test_field_being_edited_is_left_alone(page: Page, store_path: Path) -> None:
    """A live update leaves the field the user is in alone; leaving it shows the stored
    value."""
    page.goto(f"/flow{SHOT}")
    expect(page.locator("#live.on")).to_be_visible()
    field = page.get_by_role("textbox", name="Handles")
    before = field.input_value()
    field.focus()
    set_elsewhere(store_path, f"{SHOT}/handles", 21)
    expect(page.locator("#rel-handles[data-stale]")).to_have_count(1)  # the update came
    expect(field).to_have_value(before)
    page.locator("h1").click()  # leave the field, changing nothing
    expect(page.get_by_role("textbox", name="Handles")).to_have_value("21")
    assert fresh_value(store_path, f"{SHOT}/handles") == 21


def test_xss_attempt_shows_as_text(page: Page, flow: gf.Flow) -> None:
    """Markup in values and labels is shown as text and never runs."""
    attack = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'
    flow.get_object("/notes/title").set(attack)
    flow.get_object("/notes/kind").set(attack)
    page.goto("/flow/notes")
    expect(page.get_by_role("textbox", name="Title")).to_have_value(attack)
    expect(page.locator("#rel-header .label-text")).to_contain_text("<script>alert(1)</script>")
    expect(page.locator("#rel-header h3")).to_have_text("Steps")
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.locator("#rel-kind img, #rel-title img").count() == 0


def test_post_without_csrf_token_is_refused(page: Page, store_path: Path) -> None:
    """The browser's cookies alone do not make a write: the token must be sent."""
    page.goto(f"/flow{SHOT}")
    before = fresh_value(store_path, f"{SHOT}/handles")
    reply = page.request.post(f"/set{SHOT}/handles", form={"value": "99"})
    assert reply.status == 403
    assert "CSRF" in reply.text()
    assert fresh_value(store_path, f"{SHOT}/handles") == before


def test_move_a_workflow_task(page: Page, store_path: Path) -> None:
    """The process view's transition buttons move the task; the view follows."""
    process = f"{SHOT}/processes/pipeline"
    page.goto(f"/flow{process}")
    expect(page.locator("pre.mermaid svg")).to_be_visible()  # mermaid drew it, offline
    panel = page.locator("section.panel", has_text="Process pipeline")
    panel.get_by_role("button", name="assign").click()
    expect(page.locator("#toast")).to_contain_text("Transitions: ASSIGNED")
    expect(panel.get_by_role("button", name="prepare")).to_be_visible()
    assert fresh_value(store_path, f"{process}/tasks/layout-1/status") == "ASSIGNED"


def test_screenshots(page: Page, tmp_path: Path) -> None:
    """The main pages as pictures (copied to docs/img/ on request)."""
    shots = {
        "web-project.png": ("/flow/demo", None),
        "web-shot.png": (f"/flow{SHOT}", None),
        "web-map.png": ("/flow/demo/films/f01/sequences/sq010/shots", None),
        "web-dialog.png": (f"/flow{SHOT}", "Bump Version…"),
        "web-process.png": (f"/flow{SHOT}/processes/pipeline", None),
        "web-describe.png": ("/flow/demo/films/f02/sequences/sq010/shots/sh0010", "describe()"),
    }
    shown = set(re.findall(r"\(img/(web-[a-z-]+\.png)\)", DOCS_PAGE.read_text(encoding="utf-8")))
    assert shown == set(shots), "docs/browsing.md shows exactly the pictures taken here"
    for name, (url, click) in shots.items():
        page.goto(url)
        page.wait_for_load_state("networkidle")
        if click:
            page.get_by_role("link", name=click).click()
            expect(page.locator("dialog[open]")).to_be_visible()
        if "process" in name:
            expect(page.locator("pre.mermaid svg")).to_be_visible()
        path = tmp_path / name
        page.screenshot(path=str(path), full_page=click is None)
        assert path.stat().st_size > 10_000
    if os.environ.get("GRAFTFLOW_UPDATE_SCREENSHOTS") == "1":
        DOCS_IMG.mkdir(exist_ok=True)
        for name in shots:
            shutil.copyfile(tmp_path / name, DOCS_IMG / name)
