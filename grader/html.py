"""Render: one self-contained HTML page per submission and the class overview (jinja2, no scripts)."""
from __future__ import annotations

import statistics
from functools import lru_cache
from pathlib import Path

import jinja2
from markupsafe import Markup
from pygments import highlight as pygments_highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

from grader.assignment import Assignment
from grader.results import SubmissionResult

ICONS = {"passed": "✔", "failed": "✗", "error": "⚠", "missing": "∅", "timeout": "⏱", "not run": "–",
         "invalid": "✗"}
_TEMPLATES = Path(__file__).parent / "templates"


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(_TEMPLATES),
                                     autoescape=True, trim_blocks=True, lstrip_blocks=True)
    environment.globals.update(icons=ICONS, css=Markup((_TEMPLATES / "base.css").read_text()),
                               highlight=_highlight)
    return environment


def _highlight(source: str, first_line: int | None) -> Markup:
    formatter = HtmlFormatter(noclasses=True, linenos="inline", linenostart=first_line or 1,
                              style="default")
    return Markup(pygments_highlight(source, PythonLexer(), formatter))


def render_submission(assignment: Assignment, result: SubmissionResult) -> str:
    return _environment().get_template("submission.html.j2").render(
        assignment=assignment, result=result, reveal=assignment.reveal_hidden)


def render_index(assignment: Assignment, results: list[SubmissionResult], pages: dict[str, str]) -> str:
    graded = [r for r in results if r.status == "graded"]
    scores = [r.score for r in graded] or [0.0]
    functions = []
    for function in assignment.functions:
        statuses = [f.status for r in graded for f in r.functions if f.name == function.name]
        functions.append({"name": function.name, "points": function.points,
                          "graded": len(statuses), "passed": statuses.count("passed")})
    summary = {"count": len(results), "invalid": len(results) - len(graded),
               "mean": statistics.fmean(scores), "median": statistics.median(scores),
               "functions": functions}
    return _environment().get_template("index.html.j2").render(
        assignment=assignment, results=results, summary=summary, pages=pages)


def page_name(submission_id: str) -> str:
    """The student page's path within the output folder, mirroring the submission's id."""
    return submission_id + ".html"
