"""The offline check of the documentation site (tests/check_site_offline.py) catches
what it must, on small sites made here; `tox -e docs` runs it on the real build."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from check_site_offline import main, problems

ROOT = Path(__file__).parent.parent


def site(tmp_path: Path, body: str, css: str = "") -> Path:
    (tmp_path / "index.html").write_text(f"<html><head></head><body>{body}</body></html>")
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "main.css").write_text(css)
    return tmp_path


@pytest.mark.parametrize(
    "body",
    [
        '<link rel="stylesheet" href="https://fonts.googleapis.com/css?family=Roboto">',
        '<link rel="preconnect" href="https://fonts.gstatic.com" crossorigin>',
        '<script src="//cdn.example.org/x.js"></script>',
        '<img src="http://example.org/logo.png">',
        '<div class="mermaid">graph LR; a-->b</div>',
        "<style>@import url('https://fonts.googleapis.com/css2?family=Inter');</style>",
    ],
)
def test_external_loads_are_found(tmp_path: Path, body: str) -> None:
    assert len(problems(site(tmp_path, body))) == 1
    assert main(["check", str(tmp_path)]) == 1


def test_links_and_local_assets_are_fine(tmp_path: Path) -> None:
    body = (
        '<a href="https://pluggy.readthedocs.io/">pluggy</a>'
        '<link rel="canonical" href="https://graftflow.invalid/docs/">'
        '<link rel="stylesheet" href="assets/main.css"><script src="assets/x.js"></script>'
    )
    assert problems(site(tmp_path, body, css="body { background: url(img/a.png) }")) == []
    assert main(["check", str(tmp_path)]) == 0


def test_css_imports_are_found(tmp_path: Path) -> None:
    css = "@import 'https://fonts.googleapis.com/css?family=Roboto';"
    assert problems(site(tmp_path, "", css=css)) == [
        "assets/main.css: https://fonts.googleapis.com/css?family=Roboto"
    ]


def test_the_theme_loads_no_web_fonts() -> None:
    """mkdocs.yml turns Material's Google fonts off (the built site is checked by
    `tox -e docs`, where mkdocs is installed)."""
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert "\n  font: false\n" in text
    assert "python tests/check_site_offline.py site" in (ROOT / "tox.ini").read_text()
