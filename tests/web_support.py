"""The flow browser's test helpers: a real uvicorn server in a thread, Debian's chromium.

The web benchmark (tests/benchmarks/web_bench.py) uses the server and the flows too, so
this module imports pytest only where a test is skipped or failed.

Browser tests use Debian's ``chromium`` package (``.ci/run`` installs it with apt)
through playwright's ``executable_path``: playwright never downloads a browser here.
Without chromium (or the web extra, or playwright) they skip loudly, except under
``CI=true`` where that is a failure.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, ClassVar, NoReturn

import graftflow as gf

#: Flags for a headless Chromium on a machine without a network: without them it
#: waits on connections it will never get (updates, sync, QUIC probes).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def missing(message: str) -> NoReturn:
    """A loud skip; under ``CI=true`` a failure (CI must run every test)."""
    import pytest

    if os.environ.get("CI") == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message, allow_module_level=True)


def chromium_path() -> str:
    """Debian's chromium, or :func:`missing`."""
    found = shutil.which("chromium") or (
        "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None
    )
    if found is None:
        missing(
            "chromium is not installed: the browser tests cannot run "
            "(apt-get install chromium; .ci/run does)"
        )
    return found


class ServerThread:
    """``graftflow serve``'s app on a real uvicorn server, on a free loopback port."""

    def __init__(self, app: Any) -> None:
        import uvicorn

        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app, log_level="warning", timeout_graceful_shutdown=1, lifespan="on"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the flow browser's uvicorn server did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


@contextmanager
def serving(flow: gf.Flow, **options: Any) -> Iterator[ServerThread]:
    """The flow browser of ``flow``, served until the block ends."""
    from graftflow.plugins.web import create_app

    server = ServerThread(create_app(flow, **options))
    server.start()
    try:
        yield server
    finally:
        server.stop()


class Item(gf.Object):
    """An item of the big map (module level: other processes import it by name)."""

    ICON = "file"

    note = gf.StringParam("")


class Items(gf.Map[Item]):
    pass


class BigProject(gf.Object):
    """A project with one big map."""

    items = gf.Child(Items)


class Fails(gf.Action):
    """An action whose studio code raises."""

    def get_buttons(self) -> list[str]:
        return ["Go"]

    def run(self, button: str) -> Any:
        raise RuntimeError("the render farm is down")


class Wizard(gf.Action):
    """Steers the tool with kabaret's result protocol."""

    message = gf.SessionParam("").ui(editor="label")
    where = gf.StringParam("stay")

    def get_buttons(self) -> list[str]:
        return ["Next", "Cancel"]

    def run(self, button: str) -> Any:
        where = self.where.get()
        if where == "stay":
            self.message.set("Say where to go")
            return self.get_result(close=False)
        if where == "next":
            return self.get_result(next_action=self._mng.parent.oid() + "/fails")
        return self.get_result(goto=where)


class SetDone(gf.ChoiceValueSetAction):
    VALUE_TO_SET = "done"


class StatusValue(gf.ChoiceValue):
    """A kabaret-style status: its choices and actions of its own."""

    CHOICES: ClassVar[list[str]] = ["todo", "wip", "done"]
    done = gf.Child(SetDone)
    pick = gf.Child(gf.ChoiceValueSelectAction)


class TagsValue(gf.MultiChoiceValue):
    CHOICES: ClassVar[list[str]] = ["hero", "crowd", "fx"]


class Notes(gf.Object):
    """Values of every editor, a label and actions, for the browser tests."""

    title = gf.StringParam("")
    count = gf.IntParam(3)
    ratio = gf.FloatParam(0.5)
    ready = gf.BoolParam(False)
    kind = gf.Param("prop", value_type=None)
    status = gf.Param("todo", StatusValue)
    tags = gf.Param(None, TagsValue)
    meta = gf.HashParam()
    members = gf.OrderedStringSetParam()
    header = gf.Label("<h3>Steps</h3><script>alert(1)</script>")
    line = gf.Separator()
    fails = gf.Child(Fails)
    wizard = gf.Child(Wizard)
