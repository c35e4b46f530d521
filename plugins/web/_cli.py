"""``graftflow serve``: the flow browser on uvicorn.

Binds 127.0.0.1 by default: only this machine's browsers reach it, and it refuses
``Host`` names other than its own (a page elsewhere cannot reach it through a DNS name
pointing at 127.0.0.1). Any other address serves the studio's network, so it needs a
token (given with ``--token``, else made up and printed in the URL) unless
``--no-auth`` says otherwise on purpose.
"""

from __future__ import annotations

import ipaddress
import secrets
import socket

import click

from graftflow.plugins.cli import examples  # the help's examples (the CLI is loaded)

__all__ = ["is_loopback", "required_token", "serve", "url_host"]

_LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")


def is_loopback(host: str) -> bool:
    """Whether ``host`` only listens on this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def url_host(host: str) -> str:
    """The host of the printed URL: for a wildcard address (every interface), which no
    browser can open, this machine's name, so the URL can be pasted to others."""
    if host in ("0.0.0.0", "::"):
        return socket.gethostname()
    return f"[{host}]" if ":" in host else host


def required_token(host: str, token: str | None, *, no_auth: bool) -> str | None:
    """The token clients must give: the one given, else a new one for any address but
    loopback, unless ``no_auth`` says none on purpose."""
    if token is not None or no_auth or is_loopback(host):
        return token
    return secrets.token_urlsafe(18)


@click.command(
    epilog=examples(
        "graftflow --store sqlite:///studio.db serve",
        "graftflow --store redis://render:6379/0 serve --host 0.0.0.0 --port 8080",
    )
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on (0: any free port).")  # fmt: skip
@click.option("--token", metavar="TOKEN", help="The token clients must give (default: a new one "
              "for any address but loopback).")  # fmt: skip
@click.option("--no-auth", is_flag=True, help="Serve any address without a token (on purpose).")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, token: str | None, no_auth: bool) -> None:
    """Serve the flow browser: every object's page at /flow<oid>.

    Uses the global --store and --user (run `graftflow demo` first for the demo
    project). With --debug, a failing action shows its traceback in the page.
    """
    from graftflow.plugins.cli import fail, open_flow

    try:
        import uvicorn

        from ._app import create_app
    except ImportError as exc:
        fail(f"graftflow serve needs the web extra ({exc.name} is missing): "
             "pip install 'graftflow[web]'")  # fmt: skip
    if token is not None and no_auth:
        fail("--token and --no-auth contradict each other: give one")
    loopback = is_loopback(host)
    token = required_token(host, token, no_auth=no_auth)
    flow = open_flow(ctx)
    allowed = None if (not loopback or token is not None) else [*_LOOPBACK_NAMES, host]
    app = create_app(flow, token=token, debug=bool(ctx.obj.get("debug")), allowed_hosts=allowed)
    sock = _bind(host, port)
    url = f"http://{url_host(host)}:{sock.getsockname()[1]}/flow/"
    if token is not None:
        url += f"?token={token}"
    click.echo(f"graftflow: serving {flow.store().url} as {flow.session().user} at {url}")
    if not loopback and token is None:
        click.echo("graftflow: warning: no token (--no-auth): anyone who reaches this "
                   "address can read and change the flow", err=True)  # fmt: skip
    config = uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=2, lifespan="on")
    server = uvicorn.Server(config)
    server.run(sockets=[sock])


def _bind(host: str, port: int) -> socket.socket:
    """A listening socket, bound before the URL is printed (so port 0 prints the real
    port, and an address in use is one clear line)."""
    from graftflow.plugins.cli import fail

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")
    sock.listen(128)
    sock.set_inheritable(True)
    return sock
