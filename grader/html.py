"""Render: one self-contained HTML page per submission and the class overview.

Pages carry their CSS inline, load nothing from the network (a Content-Security-Policy says so
to the browser too) and need no script: the overview's sort script only enhances a table that
is already sorted, with a second ordering reachable by a plain link. Templates get plain view
data built here, so what a page shows is decided in Python and tested there.
"""
from __future__ import annotations

from array import array

import base64
import hashlib
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

import jinja2
import numpy as np
from markupsafe import Markup, escape
from pygments.formatters import HtmlFormatter

from grader.appendix import Appendix, render_appendix
from grader.assignment import Assignment, Case, GradedFunction
from grader.highlighting import code_html
from grader.names import output_name
from grader.reproduce import reproduce
from grader.results import FUNCTION_STATUSES, CaseResult, FunctionResult, Mismatch, SubmissionResult, afresh

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
_ARRAY_ROWS, _ARRAY_COLUMNS = 8, 10
_SORT_SCRIPT = (_TEMPLATES / "sort.js").read_text(encoding="utf-8") if (_TEMPLATES / "sort.js").is_file() else ""


def page_name(submission_id: str) -> str:
    """The student page's path within the output folder, mirroring the submission's id; never
    another submission's page nor one of the batch's files (``grader.names``)."""
    return output_name(submission_id, ".html")


def page_href(submission_id: str) -> str:
    return quote(page_name(submission_id))


# --------------------------------------------------------------------------- environment


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
    from grader.sandbox import case_cache_folder
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


# --------------------------------------------------------------------------- the student page


@dataclass
class MismatchView:
    mismatch: Mismatch
    expected_array: Markup | None = None


@dataclass
class CaseView:
    result: CaseResult
    revealed: bool  # expected values may be shown
    mismatches: list[MismatchView]
    snippet: Markup | None = None
    snippet_notes: list[str] = field(default_factory=list)
    reproduction_note: str = ""
    error_lines: tuple[int, ...] = ()


@dataclass
class FunctionView:
    result: FunctionResult
    why: str
    failing: list[CaseView]
    passing: list[CaseResult]
    planned: list[Case]  # the cases of a function that could not be graded (missing)
    code: Markup | None
    notes: list[str]


def render_submission(assignment: Assignment, result: SubmissionResult, *, overview_href: str | None = None,
                      appendix: bool = True) -> str:
    """The student page: header, a row per function, each failure expanded, then the notebook."""
    statuses = {function.name: function.status for function in result.functions}
    cell_warnings: dict[int, list[str]] = {}
    for warning in result.warnings:
        number = warning_cell(warning)
        if number is not None:
            cell_warnings.setdefault(number, []).append(warning)
    pointed_at = {function.cell for function in result.functions if function.cell is not None}
    pointed_at |= {function.section_cell for function in result.functions if function.section_cell is not None}
    rendered = (render_appendix(result.path, pointed_at | set(cell_warnings))
                if appendix and result.status == "graded"
                else Appendix(error="" if appendix else "not rendered"))
    cell_sources = {cell.number: cell.source for cell in rendered.cells if cell.source}
    functions = [_function_view(assignment, function, statuses, cell_sources.get(function.cell))
                 for function in result.functions]
    defined_in: dict[int, list[FunctionResult]] = {}
    for function in result.functions:
        if function.cell is not None:
            defined_in.setdefault(function.cell, []).append(function)
    counts = Counter(function.status for function in result.functions)
    return _environment().get_template("submission.html.j2").render(
        assignment=assignment, result=result, functions=functions, appendix=rendered,
        cell_warnings=cell_warnings, defined_in=defined_in, overview_href=overview_href,
        graded_at=_when(result.graded_at), counts=counts, statuses=FUNCTION_STATUSES,
        warning_cell=warning_cell, csp=_content_security_policy(),
        cell_numbers={cell.number for cell in rendered.cells})


def warning_cell(warning: str) -> int | None:
    """The notebook cell a warning names ("cell 14 (In [7]) was skipped: ..."), if any."""
    match = re.match(r"cell (\d+)\b", warning)
    return int(match.group(1)) if match else None


def _function_view(assignment: Assignment, function: FunctionResult, statuses: dict[str, str],
                   cell_source: str | None = None) -> FunctionView:
    try:
        graded = assignment.function(function.name)
    except KeyError:
        graded = None
    failing, passing = [], []
    error_lines: set[int] = set()
    for index, case in enumerate(function.cases):
        if case.status == "passed":
            passing.append(case)
            continue
        spec_case = _spec_case(graded, case, index)
        view = _case_view(assignment, graded, spec_case, case, function, statuses)
        error_lines.update(view.error_lines)
        failing.append(view)
    code = (highlight(function.source, function.line, tuple(sorted(error_lines)), cell_source)
            if function.source else None)
    planned = list(graded.cases) if graded is not None and function.status == "missing" else []
    return FunctionView(function, why(function), failing, passing, planned, code,
                        _stand_in_notes(assignment, function, statuses))


def _spec_case(graded: GradedFunction | None, case: CaseResult, index: int) -> Case | None:
    if graded is None:
        return None
    if index < len(graded.cases) and graded.cases[index].name == case.name:
        return graded.cases[index]
    return next((spec for spec in graded.cases if spec.name == case.name), None)


def _case_view(assignment: Assignment, graded: GradedFunction | None, spec_case: Case | None,
               case: CaseResult, function: FunctionResult, statuses: dict[str, str]) -> CaseView:
    revealed = case.visibility == "public" or assignment.reveal_hidden
    mismatches = []
    for mismatch in case.mismatches:
        array = None
        if revealed and graded is not None and spec_case is not None and mismatch.kind in ("values", "nonfinite"):
            expected = expected_value(graded, spec_case, mismatch.output)
            if expected is not None:
                array = array_html(expected, _parse_index(mismatch.index))
        mismatches.append(MismatchView(mismatch, array))
    view = CaseView(case, revealed, mismatches, error_lines=_error_lines(case, function))
    if revealed and graded is not None and spec_case is not None and case.status in ("failed", "error", "timeout"):
        outcome = case.message if case.status in ("error", "timeout") else ""
        reproduction = reproduce(assignment, graded, spec_case, case.mismatches, outcome)
        if reproduction.code:
            view.snippet = highlight(reproduction.code.rstrip("\n"), 1)
            view.snippet_notes = _snippet_notes(reproduction.uses, statuses)
        else:
            view.reproduction_note = " ".join(reproduction.notes)
    return view


def _error_lines(case: CaseResult, function: FunctionResult) -> tuple[int, ...]:
    """Lines of the function's own cell that the traceback names."""
    if function.cell is None:
        return ()
    lines = re.findall(rf"cell {function.cell}, line (\d+)", case.traceback or case.message)
    first = function.line or 1
    last = first + function.source.count("\n")
    return tuple(line for line in map(int, lines) if first <= line <= last)


def _snippet_notes(uses: tuple[str, ...], statuses: dict[str, str]) -> list[str]:
    notes = []
    for name in uses:
        status = statuses.get(name)
        if status == "passed":
            notes.append(f"It builds the inputs with your own {name}, as the notebook's test cell "
                         f"does; yours passes, so they are the grader's inputs.")
        elif status == "missing":
            notes.append(f"It calls {name}, which your notebook does not define yet: the grader "
                         f"built these inputs with the reference {name}.")
        elif status is not None:
            notes.append(f"It calls your {name}, which does not pass yet ({status}): until it does, "
                         f"this builds other inputs than the grader's, which used the reference {name}.")
        else:
            notes.append(f"It calls your {name} to build the inputs; the grader used the reference {name}.")
    return notes


def _stand_in_notes(assignment: Assignment, function: FunctionResult, statuses: dict[str, str]) -> list[str]:
    """Say when this function's calls to other graded functions were answered by the reference
    (only those its reference calls are)."""
    notes = []
    answered = next((f.stand_ins for f in assignment.functions if f.name == function.name), ())
    for name in answered:
        if name == function.name or not re.search(rf"\b{re.escape(name)}\s*\(", function.source):
            continue
        status = statuses.get(name)
        if status and status != "passed":
            notes.append(f"When graded, the calls {function.name} makes to {name} were answered by "
                         f"the reference {name}, so this grade is {function.name}'s own. In your "
                         f"notebook they run your {name}, which does not pass yet ({status}).")
    return notes


def why(function: FunctionResult) -> str:
    """One line: why the function got the status it got."""
    total = len(function.cases)
    if function.status == "passed":
        return f"all {total} case{'s' if total != 1 else ''} pass"
    if function.status == "missing":
        return f"not defined in the notebook (no def {function.name})"
    failing = [case for case in function.cases if case.status not in ("passed", "not run")]
    if not failing:
        return _first_sentence(function.message) or function.status
    first = next((case for case in failing if case.hint), None) or failing[0]
    if first.hint:
        reason = "hint: " + first.hint
    elif first.mismatches:
        reason = first.mismatches[0].message
        if len(first.mismatches) > 1:
            reason += f" (and {len(first.mismatches) - 1} more output{'s' if len(first.mismatches) > 2 else ''})"
    else:
        reason = first.message
    verb = {"error": "raise an error", "timeout": "time out"}.get(first.status, "fail")
    if len(failing) == 1 and total > 1:
        lead = f"fails the {first.visibility} case “{first.name}”"
    elif len(failing) == total:
        lead = f"all {total} cases {verb}" if total > 1 else f"the case {verb}s"
    else:
        lead = f"{len(failing)} of {total} cases {verb}"
    return f"{lead}: {_shorten(reason, 180)}"


def _first_sentence(text: str) -> str:
    return text.split(". ")[0] if text else ""


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _when(iso: str) -> str:
    try:
        moment = datetime.fromisoformat(iso)
    except (TypeError, ValueError):
        return iso or ""
    zone = moment.tzname() or ""
    return moment.strftime("%Y-%m-%d %H:%M") + (" UTC" if zone in ("UTC", "UTC+00:00") else f" {zone}".rstrip())


# --------------------------------------------------------------------------- arrays

_PATH = re.compile(r'^([^\[]+)((?:\[(?:"[^"]*"|\d+)\])*)$')
_STEP = re.compile(r'\[(?:"([^"]*)"|(\d+))\]')


def expected_value(function: GradedFunction, case: Case, output: str):
    """The reference's value of an output path (``dba``, ``parameters["W1"]``), or None."""
    match = _PATH.match(output)
    if match is None:
        return None
    head, rest = match.groups()
    try:
        value = function.expected_output(case, head) if function.returns is not None else case.expected[head]
        for key, index in _STEP.findall(rest):
            value = value[key] if key or not index else value[int(index)]
    except (KeyError, IndexError, ValueError, TypeError):
        return None
    return value


def _parse_index(index: str) -> tuple[int, ...] | None:
    numbers = re.findall(r"-?\d+", index or "")
    return tuple(int(number) for number in numbers) if numbers else None


def array_html(value, mark: tuple[int, ...] | None = None) -> Markup | None:
    """A compact table of a numeric array: large ones elided, the element at ``mark`` marked;
    an array of more than two dimensions is shown as the 2-D slice holding ``mark``."""
    try:
        array = np.asarray(value)
    except Exception:
        return None
    if array.dtype.kind not in "biufc" or array.size == 0:
        return None
    if array.ndim == 0:
        return Markup(f'<span class="number">{escape(_format(array.item()))}</span>')
    caption = ""
    if array.ndim > 2:
        fixed = tuple(mark[2:]) if mark and len(mark) == array.ndim else (0,) * (array.ndim - 2)
        caption = f"slice [:, :, {', '.join(map(str, fixed))}] of shape {tuple(array.shape)}"
        array = array[(slice(None), slice(None), *fixed)]
        mark = mark[:2] if mark else None
    if array.ndim == 1:
        rows, columns = [None], _pick(array.shape[0], mark[0] if mark else None, _ARRAY_COLUMNS)
    else:
        rows = _pick(array.shape[0], mark[0] if mark else None, _ARRAY_ROWS)
        columns = _pick(array.shape[1], mark[1] if mark else None, _ARRAY_COLUMNS)
    parts = ['<table class="array">']
    if caption:
        parts.append(f"<caption>{escape(caption)}</caption>")
    parts.append("<thead><tr>" + ("<th></th>" if array.ndim == 2 else ""))
    for column in columns:
        parts.append("<th>…</th>" if column is None else f"<th>{column}</th>")
    parts.append("</tr></thead><tbody>")
    for row in rows:
        if array.ndim == 2 and row is None:
            parts.append('<tr class="gap"><th>⋮</th>' + "<td>⋮</td>" * len(columns) + "</tr>")
            continue
        parts.append("<tr>" + (f"<th>{row}</th>" if array.ndim == 2 else ""))
        for column in columns:
            if column is None:
                parts.append("<td>…</td>")
                continue
            position = (row, column) if array.ndim == 2 else (column,)
            text = escape(_format(array[position].item()))
            if mark is not None and tuple(mark) == position:
                parts.append(f'<td class="worst" title="worst element {list(position)}"><mark>{text}</mark></td>')
            else:
                parts.append(f"<td>{text}</td>")
        parts.append("</tr>")
    parts.append("</tbody></table>")
    return Markup("".join(parts))


def _pick(length: int, keep: int | None, limit: int) -> list[int | None]:
    """Indices to show of ``length``: all when few, else the ends and ``keep``, None for a gap."""
    if length <= limit:
        return list(range(length))
    chosen = {0, 1, 2, length - 2, length - 1}
    if keep is not None and 0 <= keep < length:
        chosen.update({keep - 1, keep, keep + 1} & set(range(length)))
    shown: list[int | None] = []
    previous = -1
    for index in sorted(chosen):
        if index != previous + 1:
            shown.append(None)
        shown.append(index)
        previous = index
    return shown


def _format(number) -> str:
    if isinstance(number, complex):
        return f"{number:.4g}"
    if isinstance(number, bool):
        return str(number)
    return f"{number:.5g}"


# --------------------------------------------------------------------------- the class overview

_NUMBER = re.compile(r"(?<![\w.])[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?!\w)")
_LOCATION = re.compile(r"\s*\(cell \d+, line \d+, in [\w.<>]+\)")


def failure_reason(function: FunctionResult) -> str:
    """Why a function did not pass, in one line that groups across students: the hint if one
    explains it, else what the first failing case got wrong (the outputs with wrong values, the
    shape mistakes, or the error), without the values that differ from student to student."""
    if function.status == "passed":
        return ""
    if function.status == "missing":
        return "not defined in the notebook"
    failing = [case for case in function.cases if case.status not in ("passed", "not run")]
    if not failing:
        return function.message or function.status
    hinted = next((case for case in failing if case.hint), None)
    if hinted is not None:
        return "hint: " + hinted.hint
    first = failing[0]
    if not first.mismatches:
        return f"{first.status}: {_LOCATION.sub('', first.message)}".rstrip(": ")
    wrong = [m.output for m in first.mismatches if m.kind == "values"]
    nonfinite = [m.output for m in first.mismatches if m.kind == "nonfinite"]
    shapes: dict[str, list[str]] = {}
    parts = []
    if wrong:
        parts.append(f"wrong values in {_join(wrong)}")
    if nonfinite:
        parts.append(f"NaN or inf in {_join(nonfinite)}")
    for mismatch in first.mismatches:
        if mismatch.kind == "shape":
            shapes.setdefault(mismatch.message.replace(mismatch.output, "{}", 1), []).append(mismatch.output)
        elif mismatch.kind not in ("values", "nonfinite"):
            parts.append(mismatch.message)
    for pattern, outputs in shapes.items():
        text = pattern.format(_join(outputs))
        parts.append(text.replace(" has shape", " have shape", 1) if len(outputs) > 1 else text)
    return "; ".join(parts)


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def normalise_message(message: str) -> str:
    """The message with numbers, cell locations and spacing taken out."""
    return " ".join(_NUMBER.sub("#", _LOCATION.sub("", message)).split())


def _histogram(percents: list[float], bins: int = 10) -> dict:
    counts = [0] * bins
    for percent in percents:
        counts[min(bins - 1, max(0, int(percent // (100 / bins))))] += 1
    width, height, left, bottom, top = 520, 200, 34, 28, 14
    plot_width, plot_height = width - left - 8, height - bottom - top
    tallest = max(counts) or 1
    bars = []
    for index, count in enumerate(counts):
        bar_height = plot_height * count / tallest
        x = left + index * plot_width / bins
        low = int(index * 100 / bins)
        high = int((index + 1) * 100 / bins) - (1 if index < bins - 1 else 0)
        bars.append({"x": round(x + 2, 1), "y": round(top + plot_height - bar_height, 1),
                     "width": round(plot_width / bins - 4, 1), "height": round(bar_height, 1),
                     "count": count, "label": f"{low}–{high}", "centre": round(x + plot_width / bins / 2, 1)})
    ticks = sorted({0, tallest // 2, tallest}) if tallest > 1 else [0, 1]
    return {"bars": bars, "width": width, "height": height, "left": left, "top": top,
            "bottom": height - bottom, "right": width - 8,
            "ticks": [{"value": tick, "y": round(top + plot_height - plot_height * tick / tallest, 1)}
                      for tick in ticks]}


def render_index(assignment: Assignment, results, pages: dict[str, str] | None = None,
                 *, stream: bool = False, by_score=None, course: str = ""):
    """The class overview as a string, or with ``stream`` as the pieces of it in order (a class
    of thousands makes a page of megabytes: better written as it is made).

    ``results`` are the submissions' results, or a function
    that gives them afresh in id order, such as the gradebook's: the page is then made in passes
    over them (the aggregates first, then each table row by row) and holds only the aggregates,
    so its memory does not grow with the class. ``by_score`` gives them lowest score first
    (invalid ones before all), afresh; without it they are sorted here. ``course``: the course's
    sections (regrade changes, adjustments, similar code), HTML made by ``course_report``.
    """
    each = afresh(results)
    if by_score is None:
        by_score = lambda: iter(sorted(each(), key=score_order))  # noqa: E731
    overview = _Overview(assignment)
    for result in each():
        overview.add(result)
    hrefs = _Hrefs(pages)
    template = _environment().get_template("index.html.j2")
    return (template.generate if stream else template.render)(
        assignment=assignment, results=each(), by_score=by_score(), summary=overview.summary(),
        invalid=(result for result in each() if result.status != "graded"),
        functions=overview.functions(), histogram=_histogram(overview.percents), pages=hrefs,
        names=assignment.graded_names, functions_of=_by_name,
        status_rank={s: i for i, s in enumerate(FUNCTION_STATUSES)},
        generated=_when(overview.generated), script=Markup(_SORT_SCRIPT),
        csp=_content_security_policy(_SORT_SCRIPT), course=Markup(course))


def render_assignments_index(titles: dict[str, str]) -> str:
    """The page above the class overviews of a batch graded by several assignments
    (``titles``: assignment name, its folder below the page -> its title)."""
    return _environment().get_template("assignments.html.j2").render(titles=titles)


def score_order(result) -> tuple:
    """The overview's order by score: invalid submissions first, then lowest percent first."""
    return (result.status == "graded", result.percent, result.id)


def _by_name(result) -> dict:
    return {function.name: function for function in result.functions}


class _Hrefs:
    """Each submission's page link, worked out when a row asks for it (``pages`` overrides the
    page name of some ids)."""

    def __init__(self, pages: dict[str, str] | None):
        self._pages = pages or {}

    def __getitem__(self, submission_id: str) -> str:
        name = self._pages.get(submission_id)
        return quote(name) if name is not None else page_href(submission_id)


class _Overview:
    """The class overview's figures, gathered in one pass over the results: per submission only
    its score, per function the counts and the most common failures (with a few students each)."""

    SHOWN_STUDENTS = 6

    def __init__(self, assignment: Assignment):
        self.assignment = assignment
        self.count = self.graded = self.all_passed = 0
        self.scores, self.percents = array("d"), array("d")
        self.generated = ""
        self.counts = {spec.name: Counter() for spec in assignment.functions}
        self.function_scores = {spec.name: array("d") for spec in assignment.functions}
        self.reasons: dict[str, dict[str, dict]] = {spec.name: {} for spec in assignment.functions}

    def add(self, result) -> None:
        self.count += 1
        self.generated = max(self.generated, result.graded_at or "")
        if result.status != "graded":
            return
        self.graded += 1
        self.scores.append(result.score)
        self.percents.append(result.percent)
        self.all_passed += result.all_passed
        for function in result.functions:
            if function.name not in self.counts:
                continue
            self.counts[function.name][function.status] += 1
            self.function_scores[function.name].append(function.score)
            shown = failure_reason(function)
            if shown:
                group = self.reasons[function.name].setdefault(
                    normalise_message(shown), {"text": shown, "count": 0, "students": []})
                group["count"] += 1
                if len(group["students"]) < self.SHOWN_STUDENTS:
                    group["students"].append(result.id)

    def functions(self) -> list[dict]:
        rows = []
        for spec in self.assignment.functions:
            counts, scores = self.counts[spec.name], self.function_scores[spec.name]
            graded = sum(counts.values())
            top = sorted(self.reasons[spec.name].values(), key=lambda group: (-group["count"], group["text"]))
            rows.append({
                "name": spec.name, "points": spec.points, "graded": graded,
                "counts": counts, "passed": counts.get("passed", 0),
                "rate": 100.0 * counts.get("passed", 0) / graded if graded else 0.0,
                "mean": statistics.fmean(scores) if scores else 0.0,
                "segments": [{"status": status, "count": counts[status], "width": 100.0 * counts[status] / graded}
                             for status in ("passed", "failed", "error", "timeout", "missing")
                             if counts.get(status)] if graded else [],
                "reasons": top[:5], "more_reasons": max(0, len(top) - 5)})
        return rows

    def summary(self) -> dict:
        scores, percents = self.scores, self.percents
        return {
            "count": self.count, "graded": self.graded, "invalid": self.count - self.graded,
            "mean": statistics.fmean(scores) if scores else 0.0,
            "median": statistics.median(scores) if scores else 0.0,
            "low": min(scores) if scores else 0.0, "high": max(scores) if scores else 0.0,
            "all_passed": self.all_passed,
            "mean_percent": statistics.fmean(percents) if percents else 0.0,
            "median_percent": statistics.median(percents) if percents else 0.0,
        }
