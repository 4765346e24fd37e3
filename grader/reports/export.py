"""Export: the batch's results as ``results.json`` (the contract in DESIGN.md) and ``grades.csv``."""
from __future__ import annotations

import contextlib
import csv
import json
import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, TYPE_CHECKING, Iterator, Iterable

from grader.core.results import SubmissionResult

if TYPE_CHECKING:  # annotations only
    from grader.core.assignment import Assignment


def write_results_json(path: Path, assignment: Assignment, results: Iterable[SubmissionResult]) -> None:
    """The DESIGN.md contract, written one submission at a time (a class of any size)."""
    head = json.dumps({"assignment": assignment.name, "title": assignment.title,
                       "max_score": assignment.max_score,
                       "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds")},
                      indent=1)
    with written_atomically(path) as handle:
        handle.write(head[:-2] + ',\n "submissions": [')
        for number, result in enumerate(results):
            handle.write(("," if number else "") + "\n  " + json.dumps(result.to_dict(), allow_nan=False))
        handle.write("\n ]\n}\n")


def write_grades_csv(path: Path, assignment: Assignment, results: Iterable[SubmissionResult]) -> None:
    names = assignment.graded_names
    with written_atomically(path, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "path", "status", "score", "max_score", "percent", *names, "error"])
        for result in results:
            scores = {function.name: function.score for function in result.functions}
            writer.writerow([_cell(result.id), _cell(result.path), result.status, result.score,
                             result.max_score, round(result.percent, 2),
                             *[scores.get(name, 0.0) for name in names], _cell(result.error or "")])


_FORMULA_STARTS = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20")  # and their full-width forms


def _cell(text: str) -> str:
    """Keep a spreadsheet from reading a student's file name as a formula: spreadsheets skip
    leading blanks (`` =1+1``) and some read full-width signs, so those count too."""
    first = text.lstrip()[:1]
    if first in _FORMULA_STARTS or text[:1] in ("\t", "\r"):
        return "'" + text
    return text


class ReportInTheWay(OSError):
    """A report file cannot be written: something else stands at its path."""


@contextlib.contextmanager
def written_atomically(path: Path, newline: str | None = None) -> Iterator[IO[str]]:
    """A text file written to a temporary of its own (a random name beside it, so nothing in the
    output folder can stand in its way) and put in place whole once written."""
    path = Path(path)
    if path.is_dir() and not path.is_symlink():
        raise ReportInTheWay(f"cannot write {path}: a folder of that name is in the way (move it "
                             f"away; the gradebook keeps every result)")
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name[:100]}.", suffix=".tmp", dir=path.parent)
    try:
        with open(descriptor, "w", encoding="utf-8", newline=newline) as handle:
            yield handle
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise

