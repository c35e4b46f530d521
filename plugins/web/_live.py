"""Live pages: one change counter per server, moved by every write anyone makes.

Open pages hold a server-sent-events stream; each stream waits for the counter to move,
re-renders what its page shows and sends the parts that changed. The counter moves on:

- this process's writes and ``touch()`` calls (``graftflow.subscribe`` on the flow);
- another process's writes on Redis: the same subscription, since the flow listens to
  the store's pub/sub once someone subscribed;
- another process's writes on SQLite, which has no notifications: a thread polls the
  file's data version (:meth:`graftflow.SQLiteStore.data_version`) a few times a second.

Which keys changed is not used: a page may show values computed from anywhere (a roll-up
status), so every stream re-reads its page, at most a few times a second.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from typing import Any, Final

from graftflow import Flow, subscribe

__all__ = ["ChangeFeed"]

#: Seconds between two reads of a SQLite file's data version.
POLL_SECONDS: Final = 0.2


class ChangeFeed:
    """The server's change counter, and what moves it."""

    def __init__(self, flow: Flow) -> None:
        self.flow = flow
        self.version = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._changed: asyncio.Event | None = None
        self._stops: list[Callable[[], None]] = []
        self._stopping = threading.Event()

    def start(self) -> None:
        """Listen (call on the server's event loop, when it starts)."""
        self._loop = asyncio.get_running_loop()
        self._changed = asyncio.Event()
        self._stopping.clear()
        self._stops.append(subscribe(self.flow, self._touched))
        store: Any = self.flow.store()
        if callable(getattr(store, "data_version", None)):
            thread = threading.Thread(
                target=self._poll, args=(store,), name="graftflow-web-sqlite-watch", daemon=True
            )
            thread.start()

            def stop_polling() -> None:
                self._stopping.set()
                thread.join(timeout=2)

            self._stops.append(stop_polling)

    def stop(self) -> None:
        """Stop listening (when the server stops)."""
        stops, self._stops = self._stops, []
        for stop in stops:
            stop()

    def _poll(self, store: Any) -> None:
        try:
            seen = store.data_version()
            while not self._stopping.wait(POLL_SECONDS):
                now = store.data_version()
                if now != seen:
                    seen = now
                    self._touched("/")
        except Exception as exc:  # the store was closed, the file vanished
            if not self._stopping.is_set():
                self.flow.session().report(
                    f"the flow browser stopped watching {store.url}: {exc}",
                    source="graftflow serve",
                    error=exc,
                )

    def _touched(self, oid: str) -> None:
        """Any thread: something changed."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(self._bump)

    def _bump(self) -> None:
        self.version += 1
        if self._changed is not None:
            self._changed.set()
            self._changed = asyncio.Event()

    async def wait(self, since: int, timeout: float) -> bool:
        """Wait until the counter moved past ``since``; ``False`` on timeout."""
        if self.version != since:
            return True
        changed = self._changed
        if changed is None:
            await asyncio.sleep(timeout)
            return self.version != since
        try:
            await asyncio.wait_for(changed.wait(), timeout)
        except asyncio.TimeoutError:
            return self.version != since
        return True
