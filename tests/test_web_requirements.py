"""What the flow browser's tests need is here, or CI fails.

tests/test_web.py and tests/test_web_browser.py skip themselves without the web extra
or playwright (a developer's environment may lack them), and the browser tests skip
without Debian's chromium; this module, which imports none of them, turns each of those
skips into a failure under ``CI=true``.
"""

from __future__ import annotations

import importlib

import pytest
from web_support import chromium_path, missing


@pytest.mark.parametrize(
    ("module", "why"),
    [
        ("starlette", "the web extra is not installed: pip install 'graftflow[web]'"),
        ("uvicorn", "the web extra is not installed: pip install 'graftflow[web]'"),
        ("jinja2", "the web extra is not installed: pip install 'graftflow[web]'"),
        ("python_multipart", "the web extra is not installed: pip install 'graftflow[web]'"),
        ("playwright", "playwright is not installed (tox's test envs have it)"),
    ],
)
def test_packages(module: str, why: str) -> None:
    """The web extra's packages and playwright import."""
    try:
        importlib.import_module(module)
    except ImportError:
        missing(why)


def test_chromium() -> None:
    """Debian's chromium is installed (never a browser playwright downloaded)."""
    assert chromium_path().startswith("/")


def test_missing_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    """A missing requirement skips loudly on a developer's machine and fails in CI."""
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="chromium is not installed"):
        missing("chromium is not installed")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="chromium is not installed"):
        missing("chromium is not installed")
