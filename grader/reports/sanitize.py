"""Sanitize: a student's notebook HTML made safe to embed in a report, by an allowlist.

What nbconvert renders from a notebook is the student's: markdown may hold raw HTML, an output
may hold ``<script>``, ``<iframe>``, ``<style>`` or an image from the network. A report must
run no script, fetch nothing and keep its own look, so only formatting tags and attributes
pass; images pass only as ``data:`` URIs (anything else becomes its alt text); scripts,
styles, frames and forms go with their content. The report's Content-Security-Policy backs this
up in the browser.
"""
from __future__ import annotations

import re
from html import escape
from html.parser import HTMLParser

_ALLOWED_TAGS = frozenset("""
a abbr b blockquote br caption cite code col colgroup dd del details dfn div dl dt em figcaption
figure h1 h2 h3 h4 h5 h6 hr i img ins kbd li mark ol p pre q s samp section small span strong
sub summary sup table tbody td tfoot th thead tr u ul var
""".split())
_VOID_TAGS = frozenset({"br", "col", "hr", "img"})
# dropped together with everything inside them
_DROPPED_WITH_CONTENT = frozenset({"script", "style", "iframe", "object", "embed", "noscript",
                                   "template", "title", "head", "svg", "math", "canvas", "audio",
                                   "video", "form", "select", "textarea", "button", "applet",
                                   "frameset", "frame", "noembed", "xmp", "plaintext"})
_GLOBAL_ATTRIBUTES = frozenset({"class", "id", "title", "lang", "dir"})
_TAG_ATTRIBUTES = {
    "a": {"href"}, "img": {"src", "alt", "width", "height"}, "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align", "scope"}, "ol": {"start", "type"}, "details": {"open"},
    "col": {"span"}, "colgroup": {"span"}, "abbr": set(), "q": set(), "blockquote": set(),
}
_SAFE_HREF = re.compile(r"^(?:https?:|mailto:|#)", re.IGNORECASE)
_DATA_IMAGE = re.compile(r"^data:image/(?:png|jpe?g|gif|webp|bmp|svg\+xml);base64,[A-Za-z0-9+/=\s]*$", re.IGNORECASE)
_NUMBER = re.compile(r"^\d{1,5}%?$")


def sanitize_html(fragment: str) -> str:
    """The fragment with only allowlisted tags and attributes, balanced and escaped. Markup the
    parser cannot read at all comes out as text: the page is written whatever a student wrote."""
    cleaner = _Cleaner()
    try:
        cleaner.feed(fragment)
        cleaner.close()
    except Exception:  # html.parser asserts on some malformed declarations
        return f'<pre class="nb-unreadable">{escape(fragment, quote=False)}</pre>'
    return cleaner.result()


class _Cleaner(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self._out: list[str] = []
        self._open: list[str] = []
        self._dropping: list[str] = []  # open tags whose content is being dropped

    def handle_starttag(self, tag, attrs):
        self._start(tag, attrs, closed=False)

    def handle_startendtag(self, tag, attrs):
        self._start(tag, attrs, closed=True)

    def _start(self, tag: str, attrs, closed: bool) -> None:
        if self._dropping:
            if tag == self._dropping[-1] and not closed:
                self._dropping.append(tag)
            return
        if tag in _DROPPED_WITH_CONTENT:
            if not closed and tag not in _VOID_TAGS:
                self._dropping.append(tag)
            return
        if tag not in _ALLOWED_TAGS:
            return
        kept = _attributes(tag, attrs)
        if tag == "img" and "src" not in kept:
            alt = kept.get("alt") or "image"
            self._out.append(f'<span class="nb-image-removed">[{escape(alt)}: not embedded]</span>')
            return
        if tag == "a" and "href" in kept and not kept["href"].startswith("#"):
            kept["rel"] = "noopener noreferrer"
        rendered = "".join(f' {name}="{escape(value, quote=True)}"' for name, value in kept.items())
        self._out.append(f"<{tag}{rendered}>")
        if tag not in _VOID_TAGS and not closed:
            self._open.append(tag)
        elif tag not in _VOID_TAGS:
            self._out.append(f"</{tag}>")

    def handle_endtag(self, tag):
        if self._dropping:
            if tag == self._dropping[-1]:
                self._dropping.pop()
            return
        if tag not in self._open:
            return
        while self._open:  # close whatever was left open inside it
            name = self._open.pop()
            self._out.append(f"</{name}>")
            if name == tag:
                break

    def handle_data(self, data):
        if not self._dropping:
            self._out.append(escape(data, quote=False))

    def handle_comment(self, data):
        return  # comments are dropped (conditional comments included)

    def handle_decl(self, decl):
        return

    def handle_pi(self, data):
        return

    def unknown_decl(self, data):
        return

    def parse_marked_section(self, i, report=1):
        """``<![x``: html.parser asserts on a marked section it does not know; it is text."""
        try:
            return super().parse_marked_section(i, report)
        except AssertionError:
            self.handle_data(self.rawdata[i:i + 3])
            return i + 3

    def result(self) -> str:
        return "".join(self._out) + "".join(f"</{name}>" for name in reversed(self._open))


def _attributes(tag: str, attrs) -> dict[str, str]:
    allowed = _GLOBAL_ATTRIBUTES | _TAG_ATTRIBUTES.get(tag, set())
    kept: dict[str, str] = {}
    for name, value in attrs:
        name = name.lower()
        if name not in allowed or name in kept:
            continue
        value = value or ""
        if name == "href":
            value = value.strip()
            if not _SAFE_HREF.match(value):
                continue
            if value.startswith("#"):
                value = "#nb-" + value[1:]  # the notebook's own anchors, renamed as their ids are
        if name == "src" and not _DATA_IMAGE.match(value.strip()):
            continue
        if name in ("width", "height", "colspan", "rowspan", "span", "start") and not _NUMBER.match(value.strip()):
            continue
        if name == "id":
            value = "nb-" + value  # never collides with the report's own anchors
        kept[name] = value
    return kept
