"""The appendix of a student page: the submitted notebook rendered by nbconvert, cell by cell.

nbconvert's ``basic`` template gives the cells' HTML with no page around it, no script and no
stylesheet link (the ``lab`` and ``classic`` templates load require.js and MathJax from a CDN).
Each cell is marked in the output, so the page can anchor it (``#g-cell-14``), say which graded
functions it defines and show the extraction warnings that name it; every cell's HTML then
goes through the allowlist in ``grader.reports.sanitize`` but for its code, which Pygments writes (see
``_highlight_code``). Outputs too large for a report are cut.
"""
from __future__ import annotations

import hashlib
import json
import re
import secrets
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import jinja2
from markupsafe import Markup

from grader.reports.highlighting import cell_html
from grader.reports.highlighting import forget as forget_highlighted
from grader.reports.kept import Kept
from grader.core.notebook import InvalidNotebook, read_node, read_notebook_bytes
from grader.reports.sanitize import sanitize_html

MAX_TEXT_CHARS = 20_000  # per output: a student's training loop can print megabytes
MAX_IMAGE_CHARS = 2_000_000  # per image, base64
MAX_HTML_CHARS = 200_000
# the whole appendix: a notebook of a hundred thousand cells would make a page of tens of
# megabytes that takes a minute to draw; past these, cells are left out (those that define a
# graded function or carry a warning are always shown) and the page says which
MAX_CELLS = 400
MAX_SOURCE_CHARS = 1_000_000

_TEMPLATE = """{%- extends 'basic/index.html.j2' -%}
{% block any_cell %}<!--grader-cell:{{ resources.grader_nonce }}:{{ cell.metadata.get('grader_cell', 0) }}-->
{{ super() }}{% endblock any_cell %}
{% block input %}<div class="inner_cell"><div class="input_area">
{{ cell.source | highlight_code(metadata=cell.metadata) }}
</div></div>{% endblock input %}
"""
_LOCK = threading.Lock()
_CODE_MARKER = re.compile(r"grader-code-([0-9a-f]{16})-\d+")
# while a notebook renders (under _LOCK): the nonce and the highlighted code blocks, which stand
# in the cell HTML as markers until it has been sanitized (see render_appendix)
_RENDERING = threading.local()


@dataclass(frozen=True)
class AppendixCell:
    number: int  # 1-based among all cells, as grader.core.notebook counts them
    cell_type: str
    execution_count: int | None
    html: Markup
    source: str = ""  # a code cell's source, as highlighted


@dataclass(frozen=True)
class Appendix:
    cells: tuple[AppendixCell, ...] = ()
    error: str = ""  # why the notebook could not be rendered
    left_out: str = ""  # which cells are not shown, and why (a notebook too long for a page)


def render_appendix(path: str | Path, keep: frozenset[int] | set[int] = frozenset(), *,
                    cache: bool = True) -> Appendix:
    """The notebook's cells as HTML; of a very long notebook, the first cells and the cells in
    ``keep`` (those the page points to), with ``left_out`` saying what is not shown.

    With ``cache``, a cell this process drew twice before (another student's copy of the course's
    cell: the same text, outputs and metadata in a notebook of the same metadata) is not drawn
    again (``grader.reports.kept``); without it, every cell goes through nbconvert, as one notebook."""
    try:
        node, _ = read_node(read_notebook_bytes(path))
    except InvalidNotebook as error:
        return Appendix(error=str(error))
    every = node.cells
    for number, cell in enumerate(every, start=1):
        if not isinstance(cell, dict):
            return Appendix(error=f"cell {number} is not a JSON object")
        if not isinstance(cell.get("metadata"), dict):
            cell["metadata"] = {}
        # nbconvert leaves out the source of a cell marked transient.remove_source: the appendix
        # shows every cell the grader read, whatever the notebook asks
        cell["metadata"].pop("transient", None)
        cell["metadata"]["grader_cell"] = number
    node.cells, left_out = _within_bounds(every, keep)
    for cell in node.cells:
        for output in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            _trim(output)
    drawn = _CELLS if cache else None
    context = _context(node) if drawn is not None else ""
    # the last cell's HTML ends with what the template writes after the cells: it is drawn
    # each time, last, and never kept
    keys = {_number(cell): _key(context, cell) for cell in node.cells[:-1]} if drawn is not None else {}
    found = {number: html for number, key in keys.items() if (html := drawn.get(key)) is not None}
    node.cells = [cell for cell in node.cells if _number(cell) not in found]
    try:
        fresh = _render(node) if node.cells or not found else {}
    except Exception as error:  # nbconvert on a hostile notebook: the page must still be written
        return Appendix(error=f"nbconvert could not render the notebook: {type(error).__name__}: {error}")
    if drawn is not None:
        for number, html in fresh.items():
            if number in keys:
                drawn.put(keys[number], html)
    cells = []
    for number in sorted(found.keys() | fresh.keys()):
        if not 1 <= number <= len(every):
            continue
        source = every[number - 1]
        count = source.get("execution_count")
        text = source.get("source")
        cells.append(AppendixCell(number, str(source.get("cell_type", "")),
                                  count if isinstance(count, int) and not isinstance(count, bool) else None,
                                  Markup(found[number] if number in found else fresh[number]),
                                  text if isinstance(text, str) and source.get("cell_type") == "code" else ""))
    return Appendix(tuple(cells), left_out=left_out)


def _render(node) -> dict[int, str]:
    """Each cell of ``node`` rendered by nbconvert and sanitized, by its number."""
    nonce = secrets.token_hex(8)
    code: dict[str, str] = {}
    with _LOCK:
        _RENDERING.nonce, _RENDERING.code = nonce, code
        try:
            body, _ = _exporter().from_notebook_node(node, resources={"grader_nonce": nonce})
        finally:
            _RENDERING.nonce = _RENDERING.code = None
    def highlighted(found: re.Match) -> str:  # a marker of another nonce is the student's text
        return code.get(found.group(0), "") if found.group(1) == nonce else found.group(0)

    rendered = {}
    for piece in body.split(f"<!--grader-cell:{nonce}:")[1:]:
        number_text, _, html = piece.partition("-->")
        rendered.setdefault(int(number_text), _CODE_MARKER.sub(highlighted, sanitize_html(html)))
    return rendered


# the course's cells, the same text, outputs and metadata in every copy of its notebook
_CELLS = Kept(count=2048, characters=16_000_000)


def prepare() -> None:
    """Build what every notebook's rendering uses (the exporter, its compiled templates, the
    Pygments lexer and formatter) now, once for the process, rather than in its first page."""
    from nbformat import v4

    notebook = v4.new_notebook(cells=[v4.new_markdown_cell("# A", metadata={"grader_cell": 1}),
                                      v4.new_code_cell("pass", metadata={"grader_cell": 2})])
    _render(notebook)


def forget() -> None:
    """Drop every cell kept, as in a process that just started."""
    _CELLS.clear()
    forget_highlighted()


def _context(node) -> str:
    """What a cell's HTML depends on besides the cell: the notebook's format and metadata."""
    return json.dumps([node.get("nbformat"), node.get("nbformat_minor"), node.get("metadata")],
                      sort_keys=True, default=repr)


def _key(context: str, cell: dict) -> bytes:
    """The cell as nbconvert sees it, but for its number, which no cell's HTML shows."""
    metadata = {name: value for name, value in cell["metadata"].items() if name != "grader_cell"}
    text = json.dumps([context, {**cell, "metadata": metadata}], sort_keys=True, default=repr)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


def _number(cell: dict) -> int:
    return cell["metadata"]["grader_cell"]


def _within_bounds(cells: list, keep) -> tuple[list, str]:
    """The cells to draw: in order, until MAX_CELLS or MAX_SOURCE_CHARS, then only those in
    ``keep``; and a sentence naming the cells left out."""
    chosen, omitted, size = [], [], 0
    for number, cell in enumerate(cells, start=1):
        source = cell.get("source")
        length = len(source) if isinstance(source, str) else 0
        if number in keep or (len(chosen) < MAX_CELLS and size + length <= MAX_SOURCE_CHARS):
            chosen.append(cell)
            size += length
        else:
            omitted.append(number)
    if not omitted:
        return chosen, ""
    ranges = _ranges(omitted)
    shown = ", ".join(ranges[:5]) + (f" and {len(ranges) - 5} more ranges" if len(ranges) > 5 else "")
    return chosen, (f"{len(omitted):,} of the notebook's {len(cells):,} cells are not shown ({shown}): a page "
                    f"shows at most {MAX_CELLS} cells or {MAX_SOURCE_CHARS:,} characters "
                    f"of code, and always the cells that define a graded function or carry a warning.")


def _ranges(numbers: list[int]) -> list[str]:
    ranges, start = [], None
    for index, number in enumerate(numbers):
        if start is None:
            start = number
        if index + 1 == len(numbers) or numbers[index + 1] != number + 1:
            ranges.append(f"cell {start}" if start == number else f"cells {start}–{number}")
            start = None
    return ranges


def _highlight_code(source, language=None, metadata=None):
    """The cell's code highlighted by Pygments; while a notebook renders, a marker that takes
    its place once the rest of the cell is sanitized: Pygments escapes all the text it is given
    and writes only div, pre and span with classes, and sanitizing its thousands of spans per
    notebook took longer than everything else on the page."""
    html = cell_html(source)
    code = getattr(_RENDERING, "code", None)
    if code is None:
        return html
    key = f"grader-code-{_RENDERING.nonce}-{len(code)}"
    code[key] = html
    return key


@lru_cache(maxsize=1)
def _exporter():
    from nbconvert import HTMLExporter

    exporter_class = HTMLExporter
    try:
        from nbconvert.exporters.templateexporter import TemplateExporter
        from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
    except ImportError:  # another nbconvert layout: the plain exporter, only slower
        pass
    else:
        class CellsExporter(HTMLExporter):
            """HTMLExporter without its final BeautifulSoup pass (alt texts and tabindex for the
            lab template), which takes a second on a long notebook; the sanitizer rewrites the
            HTML anyway."""

            def from_notebook_node(self, nb, resources=None, **kw):
                self.register_filter("highlight_code", _highlight_code)
                self.register_filter("filter_data_type", WidgetsDataTypeFilter(
                    notebook_metadata=nb.metadata, parent=self, resources=resources or {}))
                return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

            @jinja2.pass_context
            def markdown2html(self, context, source):
                """The course's markdown cells are the same in every notebook: each text is
                rendered once per process (a cell with attachments is rendered each time)."""
                if context.get("cell", {}).get("attachments"):
                    return HTMLExporter.markdown2html(self, context, source)
                return _markdown(source)

            def _validate_preprocessor(self, nbc, preprocessor):
                """No schema check after each preprocessor (a dozen per notebook, a tenth of a
                page), which also refused to render a notebook the grader reads: a notebook
                that was graded gets its appendix."""

        exporter_class = CellsExporter
    return exporter_class(template_name="basic", template_file="grader_appendix.html.j2",
                          extra_loaders=[jinja2.DictLoader({"grader_appendix.html.j2": _TEMPLATE})],
                          sanitize_html=False, embed_images=False, exclude_input_prompt=False)


@lru_cache(maxsize=256)
def _markdown(source: str) -> str:
    from nbconvert import HTMLExporter
    return HTMLExporter.markdown2html(_exporter(), {}, source)


def _trim(output: dict) -> None:
    """Cut what no report should carry: megabytes of printed text, huge images or HTML."""
    if "text" in output and isinstance(output["text"], str) and len(output["text"]) > MAX_TEXT_CHARS:
        output["text"] = _cut(output["text"])
    data = output.get("data")
    if not isinstance(data, dict):
        return
    for mimetype in list(data):
        value = data[mimetype]
        if isinstance(value, list):
            value = "".join(str(part) for part in value)
        if not isinstance(value, str):
            continue
        if mimetype.startswith("image/") and len(value) > MAX_IMAGE_CHARS:
            del data[mimetype]
            data.setdefault("text/plain", f"[an image of {len(value) * 3 // 4 // 1024} KiB, not shown]")
        elif mimetype == "text/html" and len(value) > MAX_HTML_CHARS:
            del data[mimetype]
        elif mimetype == "text/plain" and len(value) > MAX_TEXT_CHARS:
            data[mimetype] = _cut(value)
        elif mimetype in ("application/javascript", "text/javascript"):
            del data[mimetype]
    if not data:
        data["text/plain"] = "[output not shown]"


def _cut(text: str) -> str:
    head, tail = text[: MAX_TEXT_CHARS * 3 // 4], text[-MAX_TEXT_CHARS // 4:]
    return f"{head}\n… [{len(text) - len(head) - len(tail):,} characters not shown] …\n{tail}"
