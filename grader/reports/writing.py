"""Reports: what ``grader grade`` and ``grader check`` write, in one place.

* ``write_submission_page``: the student page, one self-contained HTML file per submission.
* ``write_batch_reports``: ``results.json`` (the DESIGN.md contract), ``grades.csv``,
  ``index.html`` (class overview) and the optional formats in ``FORMATS``.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Callable, Iterable

from grader.core.assignment import Assignment
from grader.reports.export import write_grades_csv, write_results_json, written_atomically
from grader.reports.formats import FORMATS, format_help, write_gradescope, write_gradescope_json, write_junit_xml
from grader.reports.html import page_name, render_index, render_submission
from grader.core.results import SubmissionResult, afresh, visible

__all__ = ["FORMATS", "format_help", "page_name", "parse_formats", "write_batch_reports",
           "write_gradescope_json", "write_submission_page"]


def write_submission_page(out_dir: Path, assignment: Assignment, result: SubmissionResult, *,
                          filename: str | None = None, overview: bool = False,
                          appendix: bool = True) -> Path:
    """Write the student page and return its path.

    ``out_dir / page_name(result.id)`` by default (``alice/RNN.html`` for id ``alice/RNN``);
    ``filename`` overrides the name within ``out_dir`` (``grader check --html FILE``).
    ``overview`` adds a link back to ``out_dir/index.html`` (a batch).
    """
    out_dir = Path(out_dir)
    path = out_dir / (filename or page_name(result.id))
    path.parent.mkdir(parents=True, exist_ok=True)
    overview_href = None
    if overview:
        overview_href = Path(os.path.relpath(out_dir / "index.html", path.parent)).as_posix()
    _write(path, render_submission(assignment, result, overview_href=overview_href, appendix=appendix))
    return path


def write_batch_reports(out_dir: Path, assignment: Assignment,
                        results: Iterable[SubmissionResult] | Callable[[], Iterable[SubmissionResult]],
                        formats: tuple[str, ...] | list[str] = (), *, pages: bool = False,
                        by_score: Callable[[], Iterable[SubmissionResult]] | None = None,
                        course: str = "") -> list[Path]:
    """Write the batch's reports and return their paths.

    Always ``results.json``, ``grades.csv`` and ``index.html``; then each of ``formats`` (names
    from ``FORMATS``). With ``pages``, also every student page (a caller that writes them as
    submissions finish, to show progress, leaves it off). ``results`` may be a function that
    gives them afresh, in id order (the gradebook's ``results``): each report then streams
    through them, one result at a time, so memory does not grow with the size of the class;
    ``by_score`` then gives them in the overview's order by score (else they are sorted here).
    ``course``: the overview's course sections (``course_report.course_sections``).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    unknown = [name for name in formats if name not in FORMATS]
    if unknown:
        raise ValueError(f"unknown format {', '.join(unknown)} (known: {', '.join(FORMATS)})")
    each = afresh(results)
    written: list[Path] = []

    def attempt(write: Callable[[], Path | list[Path]]) -> None:
        """One report; a file that cannot be written (a folder in its way) is said in one line,
        and the others are still written."""
        try:
            made = write()
        except OSError as error:
            print(f"grader: {visible(str(error))}", file=sys.stderr)
            return
        written.extend(made if isinstance(made, list) else [made])

    if pages:
        for result in each():
            attempt(lambda: write_submission_page(out_dir, assignment, result, overview=True))
    attempt(lambda: _written(write_results_json, out_dir / "results.json", assignment, each()))
    attempt(lambda: _written(write_grades_csv, out_dir / "grades.csv", assignment, each()))
    attempt(lambda: _write_index(out_dir / "index.html", assignment, each, by_score, course))
    for name in dict.fromkeys(formats):
        if name == "gradescope":
            attempt(lambda: write_gradescope(out_dir, assignment, each()))
        elif name == "junit":
            attempt(lambda: write_junit_xml(out_dir / "junit.xml", assignment, each))
    return written


def _written(write, path: Path, *arguments) -> Path:
    write(path, *arguments)
    return path


def _write_index(index: Path, assignment: Assignment, each, by_score, course: str = "") -> Path:
    with written_atomically(index) as handle:
        handle.writelines(render_index(assignment, each, stream=True, by_score=by_score, course=course))
    return index


def parse_formats(values: list[str] | None) -> tuple[str, ...]:
    """``--format`` values (repeatable, or comma-separated) as format names; ValueError names
    an unknown one."""
    names: list[str] = []
    for value in values or []:
        names.extend(part.strip().lower() for part in value.split(",") if part.strip())
    unknown = [name for name in names if name not in FORMATS]
    if unknown:
        raise ValueError(f"unknown format {', '.join(unknown)} (known: {', '.join(FORMATS)})")
    return tuple(dict.fromkeys(names))


def _write(path: Path, text: str) -> None:
    with written_atomically(path) as handle:
        handle.write(text)

