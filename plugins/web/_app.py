"""The flow browser's ASGI app: pages, edits, actions, live updates, and their guards.

URLs (an object's page is ``/flow`` + its oid, so a link can be pasted in a chat):

- ``GET /flow<oid>``: the page (``?page=N`` and ``?q=text&from=N`` page a map's table);
- ``POST /set<oid>``: set a value; ``GET /dialog<oid>``, ``POST /run<oid>``: actions;
- ``GET /describe<oid>``: where each relation comes from;
- ``GET /events<oid>``: the page's live updates (server-sent events);
  ``GET /parts<oid>``: the same parts, once, as JSON (after an action);
- ``GET /static/...``: CSS, JavaScript, icons, htmx and mermaid, all in the package.

Safety: every write is a POST carrying the CSRF token of a cookie set by the server
(double submit, and the cookie is SameSite=Strict); with a token (any address but
loopback), every request must carry it once (``?token=``, then a cookie); everything
read from the flow is escaped by the templates. Sync work (anything touching the flow)
runs in Starlette's thread pool: one session and flow are shared by those threads,
which graftflow supports (docs/concepts.md, "Threads").
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import re
import secrets
import time
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from importlib import resources
from typing import Any, Final
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from graftflow import (
    Action,
    DynamicMap,
    Flow,
    GraftflowError,
    InvalidOidError,
    InvalidValueError,
    MissingChildError,
    MissingRelationError,
    Object,
    Value,
    ui,
)
from graftflow.extensions import describe
from graftflow.plugins._cli_input import parse_value

from ._live import ChangeFeed
from ._page import PageTools, flow_url
from ._render import PAGE_SIZE, Renderer, RowView, crumbs, value_text

__all__ = ["create_app"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CSRF_COOKIE: Final = "gf_csrf"
TOKEN_COOKIE: Final = "gf_token"
#: Seconds between keep-alive comments on an idle live stream.
KEEPALIVE: Final = 15.0
#: A live stream re-renders its page at most this often, however fast changes come.
COALESCE: Final = 0.1
_CSS_VALUE: Final = re.compile(r"^[#a-zA-Z0-9(),.% -]{1,40}$")
#: Lookup failures: the page does not exist (404), as opposed to a failing object (500).
_NOT_FOUND: Final = (MissingChildError, MissingRelationError, InvalidOidError)


def create_app(
    flow: Flow,
    *,
    token: str | None = None,
    debug: bool = False,
    allowed_hosts: list[str] | None = None,
) -> Starlette:
    """The flow browser for ``flow``.

    :param token: required from every client when given (the printed URL carries it).
    :param debug: show the traceback of a failing action (else one line).
    :param allowed_hosts: the ``Host`` headers accepted (``None``: any). A server on
        loopback without a token passes its own names, so a web page elsewhere cannot
        reach it through a DNS name pointing at 127.0.0.1.
    """
    browser = _Browser(flow, debug=debug)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        browser.feed.start()
        try:
            yield
        finally:
            browser.feed.stop()

    static = resources.files("graftflow.plugins.web").joinpath("static")
    routes = [
        Route("/", browser.home),
        Route("/flow", browser.page),
        Route("/flow/{oid:path}", browser.page),
        Route("/set/{oid:path}", browser.set_value, methods=["POST"]),
        Route("/dialog/{oid:path}", browser.dialog),
        Route("/run/{oid:path}", browser.run_action, methods=["POST"]),
        Route("/describe/{oid:path}", browser.describe),
        Route("/parts", browser.parts),
        Route("/parts/{oid:path}", browser.parts),
        Route("/events", browser.events),
        Route("/events/{oid:path}", browser.events),
        Mount("/static", StaticFiles(directory=str(static)), name="static"),
    ]
    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers={})
    app.add_middleware(_Guard, token=token, allowed_hosts=allowed_hosts)
    app.state.browser = browser
    return app


class _Guard:
    """Host check, token check, CSRF cookie and ``Server-Timing``, for every request.

    A plain ASGI middleware (not Starlette's BaseHTTPMiddleware) so live streams pass
    through untouched.
    """

    def __init__(self, app: ASGIApp, token: str | None, allowed_hosts: list[str] | None) -> None:
        self.app = app
        self.token = token
        self.hosts = None if allowed_hosts is None else {h.lower() for h in allowed_hosts}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request = Request(scope)
        if self.hosts is not None:
            host = (request.headers.get("host") or "").lower()
            name = (
                host[1 : host.index("]")]
                if host.startswith("[") and "]" in host
                else host.split(":")[0]
            )
            if name not in self.hosts:
                response: Response = _plain(f"host {host!r} is not served here", 400)
                await response(scope, receive, send)
                return
        path = scope["path"]
        new_csrf = None
        if not path.startswith("/static/"):
            if self.token is not None:
                denied = self._check_token(request)
                if denied is not None:
                    await denied(scope, receive, send)
                    return
            if not request.cookies.get(CSRF_COOKIE):
                new_csrf = secrets.token_urlsafe(24)
                scope.setdefault("state", {})["csrf"] = new_csrf

        async def send_timed(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                elapsed = (time.perf_counter() - started) * 1000
                headers.append((b"server-timing", f"app;dur={elapsed:.2f}".encode()))
                if new_csrf is not None:
                    cookie = f"{CSRF_COOKIE}={new_csrf}; Path=/; SameSite=Strict; HttpOnly"
                    headers.append((b"set-cookie", cookie.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_timed)

    def _check_token(self, request: Request) -> Response | None:
        assert self.token is not None
        given = request.query_params.get("token")
        if given is not None and hmac.compare_digest(given, self.token):
            # Trade the URL's token for a cookie, and drop it from the address bar.
            kept = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
            url = request.url.path + (f"?{urlencode(kept)}" if kept else "")
            response = RedirectResponse(url, status_code=303)
            response.set_cookie(TOKEN_COOKIE, self.token, httponly=True, samesite="lax")
            return response
        cookie = request.cookies.get(TOKEN_COOKIE, "")
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if any(hmac.compare_digest(v, self.token) for v in (cookie, bearer) if v):
            return None
        return _plain(
            "this graftflow server needs its token: open the URL `graftflow serve` printed "
            "(it ends with ?token=...)",
            401,
        )


def _plain(text: str, status: int) -> Response:
    return Response(text + "\n", status_code=status, media_type="text/plain; charset=utf-8")


def _oid(request: Request) -> str:
    raw = request.path_params.get("oid", "")
    return "/" + raw.strip("/") if raw.strip("/") else "/"


class _Browser:
    """The endpoints, around one flow (shared by the server's threads)."""

    def __init__(self, flow: Flow, *, debug: bool) -> None:
        self.flow = flow
        self.debug = debug
        self.feed = ChangeFeed(flow)
        self.render = Renderer(flow)
        env = Environment(
            loader=PackageLoader("graftflow.plugins.web", "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.filters["flowurl"] = flow_url
        env.filters["cssvalue"] = lambda v: v if _CSS_VALUE.match(str(v)) else "transparent"
        env.globals.update(static="/static", page_size=PAGE_SIZE, store=flow.store().url)
        self.env = env
        self.parts_module: Any = env.get_template("parts.html").module

    # -- helpers ------------------------------------------------------------------------

    def csrf(self, request: Request) -> str:
        token: str = request.cookies.get(CSRF_COOKIE) or request.scope.get("state", {}).get(
            "csrf", ""
        )
        return token

    def tools(self, request: Request) -> PageTools:
        return PageTools(self.csrf(request), self.flow.session().user)

    def html(
        self, template: str, request: Request, status: int = 200, **context: Any
    ) -> HTMLResponse:
        context.setdefault("crumbs", [("flow", "/flow/")])
        context.setdefault("live", None)
        context.setdefault("mermaid", False)
        text = self.env.get_template(template).render(
            csrf=self.csrf(request),
            user=self.flow.session().user,
            parts=self.parts_module,
            **context,
        )
        return HTMLResponse(text, status_code=status)

    def error_page(
        self,
        request: Request,
        status: int,
        title: str,
        message: str,
        tb: str = "",
        *,
        back: str = "/",
    ) -> HTMLResponse:
        return self.html(
            "error.html",
            request,
            status,
            title=title,
            message=message,
            traceback=tb,
            back=flow_url(back),
            back_text="the projects" if back == "/" else back,
            crumbs=crumbs(back),
        )

    def lookup(self, oid: str) -> Any:
        """The node at ``oid`` (raises the lookup errors the endpoints turn into 404)."""
        return self.flow if oid == "/" else self.flow.get_object(oid)

    def not_found(self, request: Request, oid: str, exc: Exception) -> HTMLResponse:
        """The 404 page, leading back to the nearest object that exists (a link pasted
        after a shot was renamed still gets the artist to its sequence)."""
        return self.error_page(
            request, 404, "Not found", f"There is no object at {oid}: {exc}", back=self.nearest(oid)
        )

    def nearest(self, oid: str) -> str:
        """The closest ancestor of ``oid`` that can be built (``/`` at worst)."""
        parent = oid.rpartition("/")[0]
        while parent:
            try:
                self.flow.get_object(parent)
            except Exception:  # missing, or failing to build: keep going up
                parent = parent.rpartition("/")[0]
            else:
                return parent
        return "/"

    async def check_csrf(self, request: Request, form: FormData) -> Response | None:
        expected = request.cookies.get(CSRF_COOKIE, "")
        given = str(form.get("csrf") or request.headers.get("x-csrf-token") or "")
        if expected and given and hmac.compare_digest(expected, given):
            return None
        return _plain(
            "refused: this write has no valid CSRF token (reload the page and try again)", 403
        )

    @staticmethod
    def is_htmx(request: Request) -> bool:
        return request.headers.get("hx-request") == "true"

    @staticmethod
    def query(request: Request) -> tuple[int, str, int]:
        params = request.query_params
        return _int(params.get("page"), 0), params.get("q", "").strip(), _int(params.get("from"), 0)

    # -- pages ---------------------------------------------------------------------------

    async def home(self, request: Request) -> Response:
        return RedirectResponse("/flow/", status_code=307)

    async def page(self, request: Request) -> Response:
        oid = _oid(request)
        page_num, q, start = self.query(request)
        tools = self.tools(request)

        def build() -> Response:
            try:
                node = self.lookup(oid)
            except _NOT_FOUND as exc:
                return self.not_found(request, oid, exc)
            except GraftflowError as exc:  # e.g. a project whose type no longer imports
                return self.error_page(
                    request, 500, "Cannot open this object", str(exc), back=self.nearest(oid)
                )
            if (
                self.is_htmx(request)
                and request.headers.get("hx-target") == "part-table"
                and isinstance(node, DynamicMap)
            ):  # a table page or a filter: that part alone
                table = self.render.table(node, page=page_num, query=q, start=start)
                return HTMLResponse(str(self.parts_module.table(table)))
            view = self.render.page(node, tools, page=page_num, query=q, start=start)
            live = "/events" + (oid if oid != "/" else "")
            if request.url.query:
                live += "?" + request.url.query
            return self.html(
                "page.html",
                request,
                page=view,
                crumbs=view.crumbs,
                live=live,
                mermaid=view.needs_mermaid,
            )

        return await run_in_threadpool(build)

    def page_parts(
        self, oid: str, tools: PageTools, page_num: int, q: str, start: int
    ) -> dict[str, str]:
        """Every live part of ``oid``'s page, by element id."""
        node = self.lookup(oid)
        view = self.render.page(node, tools, page=page_num, query=q, start=start)
        parts = self.parts_module
        found = {
            "part-head": str(parts.head(view)),
            "part-diag": str(parts.diagnostics(view.diagnostics)),
        }
        owner = view.oid if not view.is_value else view.oid.rpartition("/")[0]
        csrf = tools._csrf
        for _name, rows in view.groups:
            for row in rows:
                found[row.id] = str(parts.row(row, csrf, owner))
        if view.table is not None:
            found["part-table"] = str(parts.table(view.table))
        for index, panel in enumerate(view.panels):
            found[f"part-panel-{index}"] = str(parts.panel(panel, index))
        return found

    async def parts(self, request: Request) -> Response:
        oid = _oid(request)
        page_num, q, start = self.query(request)
        tools = self.tools(request)
        try:
            found = await run_in_threadpool(self.page_parts, oid, tools, page_num, q, start)
        except _NOT_FOUND as exc:
            return JSONResponse({"error": f"There is no object at {oid}: {exc}"}, status_code=404)
        return JSONResponse(found)

    async def events(self, request: Request) -> Response:
        """The page's live stream: the parts that changed, each time something did."""
        oid = _oid(request)
        page_num, q, start = self.query(request)
        tools = self.tools(request)
        feed = self.feed

        async def stream() -> AsyncIterator[str]:
            version = feed.version
            try:
                shown = await run_in_threadpool(self.page_parts, oid, tools, page_num, q, start)
            except _NOT_FOUND:
                yield "event: gone\ndata: {}\n\n"
                return
            yield "retry: 1000\n\n"
            while True:
                if not await feed.wait(version, KEEPALIVE):
                    yield ": keep-alive\n\n"
                    continue
                await asyncio.sleep(COALESCE)  # a burst of writes is one update
                version = feed.version
                try:
                    now = await run_in_threadpool(self.page_parts, oid, tools, page_num, q, start)
                except _NOT_FOUND:
                    yield "event: gone\ndata: {}\n\n"
                    return
                except Exception as exc:  # the page broke meanwhile: say so, keep going
                    now = {"part-head": f'<div id="part-head" class="err">{_esc(exc)}</div>'}
                changed = {key: html for key, html in now.items() if shown.get(key) != html}
                shown = now
                if changed:
                    yield f"event: parts\ndata: {json.dumps(changed)}\n\n"

        return StreamingResponse(
            stream(),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    async def describe(self, request: Request) -> Response:
        oid = _oid(request)
        name = request.query_params.get("name", "")

        def build() -> Response:
            try:
                node = self.lookup(oid)
            except _NOT_FOUND as exc:
                return self.not_found(request, oid, exc)
            if not isinstance(node, Object):
                return self.error_page(
                    request, 400, "Not an object", f"{oid} is not an object", back=oid
                )
            body = self.env.get_template("describe.html").render(
                oid=oid, name=name, records=describe(node), parts=self.parts_module
            )
            if self.is_htmx(request):
                return HTMLResponse(body, headers={"HX-Trigger": "gf-open-dialog"})
            return self.standalone(request, f"describe({oid})", body, oid)

        return await run_in_threadpool(build)

    def standalone(
        self, request: Request, title: str, body: str, back: str, status: int = 200
    ) -> HTMLResponse:
        """A dialog's or describe()'s body as a page of its own (no JavaScript), leading
        back to the object ``back``."""
        return self.html(
            "standalone.html",
            request,
            status,
            title=title,
            body=Markup(body),
            back=flow_url(back),
            back_text=back,
            crumbs=crumbs(back),
        )

    # -- values --------------------------------------------------------------------------

    async def set_value(self, request: Request) -> Response:
        form = await request.form()
        refused = await self.check_csrf(request, form)
        if refused is not None:
            return refused
        oid = _oid(request)
        values = [str(v) for v in form.getlist("value")]
        tools = self.tools(request)

        def work() -> Response:
            try:
                handle = self.lookup(oid)
            except _NOT_FOUND as exc:
                return self.not_found(request, oid, exc)
            if not isinstance(handle, Value):
                return _plain(f"{oid} is not a value", 400)
            owner = handle.parent()
            shown = ui.relation(owner, handle.name())
            if shown.kind not in ("param", "session_param", "connection") or not shown.editable:
                return _plain(f"{oid} cannot be changed here ({shown.kind}, not editable)", 403)
            error = ""
            try:
                handle.set(self.parse(handle, shown, values))
            except GraftflowError as exc:
                error = str(exc)
            except (ValueError, TypeError) as exc:  # studio code reacting to the change
                error = f"{type(exc).__name__}: {exc}"
            row = self.render.row(
                owner,
                shown,
                _records(owner),
                field_error=error,
                field_text=(values[-1] if values else "") if error else None,
            )
            if self.is_htmx(request):
                return HTMLResponse(str(self.parts_module.row(row, tools._csrf, owner.oid())))
            if error:  # no JavaScript: the page again, the error on its field
                node_view = self.render.page(owner, tools)
                _replace_row(node_view.groups, row)
                return self.html("page.html", request, 422, page=node_view, crumbs=node_view.crumbs)
            return RedirectResponse(flow_url(owner.oid()), status_code=303)

        return await run_in_threadpool(work)

    def parse(self, handle: Value[Any], shown: ui.RelationUI, values: list[str]) -> Any:
        """Form text to the value's Python value, by its editor (the CLI's rules else)."""
        text = values[-1] if values else ""
        editor = shown.editor
        if editor == "bool":
            return text.lower() in ("true", "on", "1", "yes")
        if editor == "choice":
            return _pick(shown.choices, text)
        if editor == "multichoice":
            return [_pick(shown.choices, value) for value in values]
        if editor == "connection":
            if not text.strip():
                return None
            try:
                return self.flow.get_object(text.strip())
            except (*_NOT_FOUND, GraftflowError) as exc:
                raise InvalidValueError(handle.oid(), f"{handle.oid()}: {exc}") from None
        return parse_value(handle, text)

    # -- actions --------------------------------------------------------------------------

    async def dialog(self, request: Request) -> Response:
        oid = _oid(request)

        def build() -> Response:
            try:
                action = self.lookup(oid)
            except _NOT_FOUND as exc:
                return self.not_found(request, oid, exc)
            if not isinstance(action, Action):
                return self.error_page(
                    request, 400, "Not an action", f"{oid} is not an action", back=oid
                )
            return self.dialog_response(request, action)

        return await run_in_threadpool(build)

    def dialog_response(
        self,
        request: Request,
        action: Action,
        *,
        errors: dict[str, tuple[str, str]] | None = None,
        error: str = "",
        tb: str = "",
        shown: Any = None,
        status: int = 200,
    ) -> Response:
        dialog = ui.dialog(action)
        params = []
        for param in dialog.params:
            field_error, field_text = (errors or {}).get(param.name, ("", None))
            params.append(
                self.render.row(action, param, {}, field_error=field_error, field_text=field_text)
            )
        body = self.env.get_template("dialog.html").render(
            d=dialog,
            params=params,
            csrf=self.csrf(request),
            parts=self.parts_module,
            error=error,
            traceback=tb,
            shown=shown,
            tooltip=ui.relation(action._mng.parent, action.name()).tooltip
            if isinstance(action._mng.parent, Object)
            else "",
        )
        if self.is_htmx(request):
            return HTMLResponse(
                body,
                headers={
                    "HX-Retarget": "#dialog-body",
                    "HX-Reswap": "innerHTML",
                    "HX-Trigger": "gf-open-dialog",
                },
            )
        parent = action._mng.parent
        back = parent.oid() if isinstance(parent, Object) else "/"
        return self.standalone(request, dialog.label, body, back, status)

    async def run_action(self, request: Request) -> Response:
        form = await request.form()
        refused = await self.check_csrf(request, form)
        if refused is not None:
            return refused
        oid = _oid(request)
        button = str(form.get("button") or "")
        params = {
            key[2:]: [str(v) for v in form.getlist(key)] for key in form if key.startswith("p:")
        }

        def work() -> Response:
            try:
                action = self.lookup(oid)
            except _NOT_FOUND as exc:
                return self.not_found(request, oid, exc)
            if not isinstance(action, Action):
                return _plain(f"{oid} is not an action", 400)
            buttons = [str(b) for b in action.get_buttons()]
            if button not in buttons:
                return self.dialog_response(
                    request, action, error=f"{oid} has no button {button!r}; its buttons: {buttons}"
                )
            errors = self.fill_params(action, params)
            if errors:
                return self.dialog_response(request, action, errors=errors, status=422)
            try:
                returned = action.run(button)
            except Exception as exc:
                line = f"{action.name()} failed: {type(exc).__name__}: {exc}"
                tb = traceback.format_exc() if self.debug else ""
                if not self.debug:
                    line += " (graftflow --debug serve shows the traceback)"
                if form.get("from") == "dialog" or not self.is_htmx(request):
                    return self.dialog_response(request, action, error=line, tb=tb, status=500)
                return self.toast(line, error=True)
            return self.after_run(
                request, action, button, returned, from_dialog=form.get("from") == "dialog"
            )

        return await run_in_threadpool(work)

    def fill_params(
        self, action: Action, params: dict[str, list[str]]
    ) -> dict[str, tuple[str, str]]:
        """Set the dialog's params; the errors by param name (nothing is run then)."""
        errors: dict[str, tuple[str, str]] = {}
        for name, values in params.items():
            try:
                shown = ui.relation(action, name)
                handle = getattr(action, name)
                if not isinstance(handle, Value) or not shown.editable:
                    continue
                handle.set(self.parse(handle, shown, values))
            except (GraftflowError, ValueError, TypeError) as exc:
                errors[name] = (str(exc), values[-1] if values else "")
        return errors

    def after_run(
        self, request: Request, action: Action, button: str, returned: Any, *, from_dialog: bool
    ) -> Response:
        result = ui.result(returned)
        if result.goto:
            url = flow_url(result.goto)
            if self.is_htmx(request):
                return Response(status_code=204, headers={"HX-Location": url})
            return RedirectResponse(url, status_code=303)
        if result.next_action:
            try:
                following = self.lookup(result.next_action)
            except _NOT_FOUND as exc:
                return self.toast(f"next action {result.next_action}: {exc}", error=True)
            if isinstance(following, Action):
                return self.dialog_response(request, following)
        if not result.close:
            return self.dialog_response(request, action, shown=value_text(result.value))
        text = (
            f"{ui.dialog(action).label}: done"
            if result.value is None
            else (f"{ui.dialog(action).label}: {value_text(result.value)}")
        )
        if not self.is_htmx(request):
            parent = action._mng.parent
            back = parent.oid() if isinstance(parent, Object) else "/"
            return RedirectResponse(flow_url(back), status_code=303)
        return self.toast(text)

    @staticmethod
    def toast(text: str, *, error: bool = False) -> Response:
        """No content: the page shows ``text`` briefly, closes the dialog and, after a
        success, re-reads its parts at once (the live stream would, a moment later)."""
        triggers: dict[str, Any] = {"gf-toast": {"text": text, "error": error}}
        if not error:
            triggers["gf-refresh"] = True
            triggers["gf-close-dialog"] = True
        return Response(status_code=204, headers={"HX-Trigger": json.dumps(triggers)})


def _records(owner: Object) -> dict[str, Any]:
    try:
        return {record.name: record for record in describe(owner)}
    except Exception:
        return {}


def _replace_row(groups: list[tuple[str | None, list[RowView]]], row: RowView) -> None:
    for _name, rows in groups:
        for index, existing in enumerate(rows):
            if existing.id == row.id:
                rows[index] = row


def _pick(choices: tuple[Any, ...] | None, text: str) -> Any:
    """The choice a form's text names (choices may be numbers: forms send text)."""
    for choice in choices or ():
        if str(choice) == text:
            return choice
    return text


def _int(text: str | None, default: int) -> int:
    try:
        return max(0, int(text)) if text is not None else default
    except ValueError:
        return default


def _esc(exc: BaseException) -> str:
    from markupsafe import escape

    return str(escape(f"{type(exc).__name__}: {exc}"))
