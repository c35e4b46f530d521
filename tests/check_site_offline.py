"""Check that the built documentation site loads nothing from elsewhere (issue 15).

    python tests/check_site_offline.py site/      # what `tox -e docs` runs after the build

A page may *link* anywhere (an ``<a href>`` is the reader's choice), but everything it
loads by itself (stylesheets, scripts, images, fonts, iframes, CSS ``@import`` and
``url()``) must come from the site, so it works offline: in a studio without internet
access, or opened from a folder. Material also fetches mermaid.js from a CDN for any
diagram block on a page, so a page holding one fails the check too.

Exit 0 when clean; otherwise one line per offending page and reference, and exit 1.
"""

from __future__ import annotations

import re
import sys
from html.parser import HTMLParser
from pathlib import Path

#: Attributes through which a page loads something itself, by tag.
LOADS = {
    "link": "href",
    "script": "src",
    "img": "src",
    "iframe": "src",
    "source": "src",
    "video": "src",
    "audio": "src",
}
EXTERNAL = re.compile(r"^(https?:)?//", re.IGNORECASE)
CSS_URL = re.compile(r"""(?:@import\s+|url\()\s*['"]?((?:https?:)?//[^'")\s]+)""", re.I)


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        wanted = LOADS.get(tag)
        if tag == "link" and (values.get("rel") or "") in ("canonical", "alternate"):
            wanted = None  # names the page elsewhere, loads nothing
        if wanted and EXTERNAL.match(values.get(wanted) or ""):
            self.found.append(f"<{tag} {wanted}={values[wanted]!r}>")
        if "mermaid" in (values.get("class") or "").split():
            self.found.append(f"<{tag} class=mermaid> (Material fetches mermaid.js from a CDN)")
        style = values.get("style") or ""
        self.found.extend(f"style url {url}" for url in CSS_URL.findall(style))

    def handle_data(self, data: str) -> None:
        if self.lasttag == "style":
            self.found.extend(f"<style> {url}" for url in CSS_URL.findall(data))


def problems(site: Path) -> list[str]:
    """``page: what it loads from elsewhere`` for every page and stylesheet of ``site``."""
    found = []
    for page in sorted(site.rglob("*.html")):
        parser = _Page()
        parser.feed(page.read_text(encoding="utf-8"))
        found.extend(f"{page.relative_to(site)}: {what}" for what in parser.found)
    for sheet in sorted(site.rglob("*.css")):
        text = sheet.read_text(encoding="utf-8", errors="replace")
        found.extend(f"{sheet.relative_to(site)}: {url}" for url in CSS_URL.findall(text))
    return found


def main(argv: list[str]) -> int:
    site = Path(argv[1] if len(argv) > 1 else "site")
    if not (site / "index.html").is_file():
        print(f"{site} is not a built site (no index.html); run mkdocs build first")
        return 1
    found = problems(site)
    for line in found:
        print(line)
    pages = len(list(site.rglob("*.html")))
    print(f"{pages} pages checked: " + (f"{len(found)} external loads" if found else "offline"))
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
