"""What plugins build panels with, and the one place flow text becomes HTML.

Everything the browser shows that comes from the flow (values, names, messages,
diagnostics, a plugin's text) is escaped. The only HTML let through is a
:class:`graftflow.Label`'s text, which is studio code, not data, and even that keeps a
handful of formatting tags (:func:`label_html`): a label is never a way into the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any, Final, final
from urllib.parse import quote

from markupsafe import Markup, escape

__all__ = ["PageTools", "Panel", "flow_url", "label_html"]


@final
@dataclass(frozen=True, slots=True)
class Panel:
    """A box on an object's page, from a plugin.

    :ivar title: its heading (escaped when shown).
    :ivar html: its body: build it with :class:`PageTools`, or escape what you add.
    :ivar icon: an icon name (see docs/ui-protocol.md).
    :ivar needs_mermaid: the page loads mermaid (for :meth:`PageTools.mermaid`).
    :ivar wide: shown beside the relations, full width, rather than in the side column.
    """

    title: str
    html: Markup
    icon: str = "extension"
    needs_mermaid: bool = False
    wide: bool = False


def flow_url(oid: str, prefix: str = "/flow") -> str:
    """The page of ``oid``: ``/flow`` + the oid, each step URL-quoted."""
    return prefix + quote(oid if oid != "/" else "/", safe="/")


class PageTools:
    """Handed to ``graftflow_web_panels``: safe ways to build a panel's HTML.

    :ivar user: the session's user, who fires what the page's buttons do.
    """

    def __init__(self, csrf_token: str, user: str) -> None:
        self._csrf = csrf_token
        self.user = user

    @staticmethod
    def escape(text: Any) -> Markup:
        """``text`` made safe to put in HTML."""
        return escape(text)

    @staticmethod
    def url(oid: str) -> str:
        """The page of ``oid``."""
        return flow_url(oid)

    def link(self, oid: str, text: str | None = None) -> Markup:
        """A link to ``oid``'s page, showing ``text`` (default: the oid)."""
        return Markup('<a href="{}">{}</a>').format(flow_url(oid), oid if text is None else text)

    def button(self, action_oid: str, button: str, text: str | None = None) -> Markup:
        """A button that runs the action at ``action_oid`` with ``button``, in place
        (a POST with the page's CSRF token; without JavaScript, a plain form)."""
        return Markup(
            '<form class="inline" method="post" action="{url}" hx-post="{url}" '
            'hx-target="#toast" hx-swap="innerHTML">'
            '<input type="hidden" name="csrf" value="{csrf}">'
            '<input type="hidden" name="button" value="{button}">'
            '<button type="submit" class="btn small">{text}</button></form>'
        ).format(
            url=flow_url(action_oid, "/run"),
            csrf=self._csrf,
            button=button,
            text=button if text is None else text,
        )

    @staticmethod
    def mermaid(diagram: str) -> Markup:
        """A Mermaid diagram, drawn in the browser by the mermaid shipped with graftflow
        (strict security level: labels cannot carry scripts)."""
        return Markup('<pre class="mermaid">{}</pre>').format(diagram)

    @staticmethod
    def table(header: list[str], rows: list[list[Any]]) -> Markup:
        """A table; cells are escaped unless they are :class:`~markupsafe.Markup`."""
        head = Markup("").join(Markup("<th>{}</th>").format(cell) for cell in header)
        body = Markup("").join(
            Markup("<tr>{}</tr>").format(
                Markup("").join(Markup("<td>{}</td>").format(cell) for cell in row)
            )
            for row in rows
        )
        return Markup(
            '<table class="grid"><thead><tr>{}</tr></thead><tbody>{}</tbody></table>'
        ).format(head, body)


#: The tags a Label's text may use; anything else is shown as text.
_LABEL_TAGS: Final = frozenset(
    {"h1", "h2", "h3", "h4", "h5", "h6", "b", "i", "em", "strong", "p", "br", "hr", "code"}
)
_VOID: Final = frozenset({"br", "hr"})


class _LabelSanitizer(HTMLParser):
    """Keeps the allowed tags (without attributes), escapes everything else."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _LABEL_TAGS:
            self.out.append(f"<{tag}>")
            if tag not in _VOID:
                self.open.append(tag)
        else:
            self.out.append(str(escape(self.get_starttag_text() or "")))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            self.out.append(f"<{tag}>")
        else:
            self.out.append(str(escape(self.get_starttag_text() or "")))

    def handle_endtag(self, tag: str) -> None:
        if tag in _LABEL_TAGS and tag in self.open:
            while self.open:
                closing = self.open.pop()
                self.out.append(f"</{closing}>")
                if closing == tag:
                    break
        else:
            self.out.append(str(escape(f"</{tag}>")))

    def handle_data(self, data: str) -> None:
        self.out.append(str(escape(data)))


def label_html(text: str) -> Markup:
    """A Label's text as HTML: its formatting tags kept, anything else escaped."""
    parser = _LabelSanitizer()
    parser.feed(text)
    parser.close()
    parser.out.extend(f"</{tag}>" for tag in reversed(parser.open))
    return Markup("".join(parser.out))
