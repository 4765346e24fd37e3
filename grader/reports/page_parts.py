"""What every page shares: its look (the stylesheet, the status icons), the Jinja environment
its templates render in, its Content-Security-Policy, the page names of submissions, and the
small text helpers the templates use (points, dates, prose with `code`, highlighted code)."""
from __future__ import annotations

import base64
import hashlib
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

import jinja2
from markupsafe import Markup, escape
from pygments.formatters import HtmlFormatter

from grader.reports.highlighting import code_html
from grader.core.names import output_name

ICONS = {"passed": "✔", "failed": "✗", "error": "⚠", "missing": "∅", "timeout": "⏱", "not run": "–",
         "invalid": "✗"}
STATUS_WORDS = {"passed": "passed", "failed": "failed", "error": "error", "missing": "missing",
                "timeout": "timeout", "not run": "not run", "invalid": "invalid"}
# the pages draw their icons (fonts lack some glyphs, ⏱ among them): 16 x 16, in currentColor
_SVG = '<svg class="icon" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false">{}</svg>'
_LINE = 'fill="none" stroke="currentColor" stroke-linecap="round" stroke-linejoin="round"'
_ICON_BODIES = {
    "passed": f'<path d="M3 8.5l3.2 3.2L13 4.8" {_LINE} stroke-width="2.4"/>',
    "failed": f'<path d="M4.2 4.2l7.6 7.6M11.8 4.2l-7.6 7.6" {_LINE} stroke-width="2.4"/>',
    "error": f'<path d="M8 1.9l6.6 11.8H1.4z" {_LINE} stroke-width="1.6"/><path d="M8 6.2v3.6" {_LINE} '
             f'stroke-width="1.9"/><circle cx="8" cy="11.9" r="1" fill="currentColor"/>',
    "missing": f'<circle cx="8" cy="8" r="5.6" {_LINE} stroke-width="1.7" stroke-dasharray="2.6 1.8"/>'
               f'<path d="M3.4 12.6l9.2-9.2" {_LINE} stroke-width="1.7"/>',
    "timeout": f'<circle cx="8" cy="8.6" r="5.9" {_LINE} stroke-width="1.6"/><path d="M8 5.2v3.6l2.4 1.6M6.3 1.3h3.4" '
               f'{_LINE} stroke-width="1.6"/>',
    "not run": f'<path d="M4 8h8" {_LINE} stroke-width="2.2"/>',
    "invalid": f'<path d="M3.5 1.5h6l3 3v10h-9z" {_LINE} stroke-width="1.4"/><path d="M6 7.5l4 4M10 7.5l-4 4" '
               f'{_LINE} stroke-width="1.8"/>',
}
SVG_ICONS = {status: Markup(_SVG.format(body)) for status, body in _ICON_BODIES.items()}
# the class overview draws an icon per student and function: each is defined once, then used
ICON_SYMBOLS = Markup('<svg width="0" height="0" style="position:absolute" aria-hidden="true">' + "".join(
    f'<symbol id="gi-{status.replace(" ", "")}" viewBox="0 0 16 16">{body}</symbol>'
    for status, body in _ICON_BODIES.items()) + "</svg>")
ICON_REFS = {status: Markup('<svg class="icon" width="16" height="16" aria-hidden="true" focusable="false">'
                            f'<use href="#gi-{status.replace(" ", "")}"/></svg>') for status in _ICON_BODIES}
_TEMPLATES = Path(__file__).parent / "templates"
_SORT_SCRIPT = (_TEMPLATES / "sort.js").read_text(encoding="utf-8") if (_TEMPLATES / "sort.js").is_file() else ""


def page_name(submission_id: str) -> str:
    """The student page's path within the output folder, mirroring the submission's id; never
    another submission's page nor one of the batch's files (``grader.core.names``)."""
    return output_name(submission_id, ".html")


def page_href(submission_id: str) -> str:
    return quote(page_name(submission_id))


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(_TEMPLATES), autoescape=True,
                                     trim_blocks=True, lstrip_blocks=True,
                                     undefined=jinja2.StrictUndefined, bytecode_cache=_template_cache())
    css = (_TEMPLATES / "base.css").read_text(encoding="utf-8")
    code_css = HtmlFormatter(style="default").get_style_defs(".highlight")
    environment.filters["prose"] = prose
    environment.globals.update(icons=SVG_ICONS, icon_refs=ICON_REFS, icon_symbols=ICON_SYMBOLS, glyphs=ICONS, words=STATUS_WORDS, css=Markup(css + "\n" + code_css),
                               points=_points)
    return environment


def _template_cache() -> jinja2.FileSystemBytecodeCache | None:
    """Compiled templates kept between runs (Jinja checks each against its source): compiling
    the student page's template is a tenth of a ``grader check``."""
    from grader.execution.sandbox import case_cache_folder
    folder = case_cache_folder() / "templates"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:  # a read-only home: compiled afresh each run
        return None
    return jinja2.FileSystemBytecodeCache(str(folder))


def _content_security_policy(script: str = "") -> str:
    scripts = "'none'"
    if script:
        digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
        scripts = f"'sha256-{digest}'"
    return (f"default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src {scripts}; "
            f"base-uri 'none'; form-action 'none'")


def _points(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".") if value != int(value) else f"{int(value)}"


def prose(text: str) -> Markup:
    """Plain text from the grader (messages, hints) as HTML: `code` spans become <code>."""
    parts = str(text or "").split("`")
    if len(parts) % 2 == 0:  # an unmatched backtick: leave the text as it is
        return Markup(escape(text or ""))
    return Markup("".join(f"<code>{escape(part)}</code>" if index % 2 else str(escape(part))
                          for index, part in enumerate(parts)))


def highlight(source: str, first_line: int | None = 1, marked: tuple[int, ...] = (),
              cell_source: str | None = None) -> Markup:
    """Python source as highlighted HTML, numbered from ``first_line`` (the notebook cell's own
    line numbers), with the lines in ``marked`` (cell line numbers) picked out. ``cell_source``,
    the whole cell, saves lexing the code again when the appendix has lexed the cell."""
    return Markup(code_html(source, first_line, marked, cell_source))


def _when(iso: str) -> str:
    try:
        moment = datetime.fromisoformat(iso)
    except (TypeError, ValueError):
        return iso or ""
    zone = moment.tzname() or ""
    return moment.strftime("%Y-%m-%d %H:%M") + (" UTC" if zone in ("UTC", "UTC+00:00") else f" {zone}".rstrip())
