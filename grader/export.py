"""Export: the batch's results as ``results.json`` (the contract in DESIGN.md) and ``grades.csv``."""
from __future__ import annotations

import csv
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

from grader.assignment import Assignment
from grader.results import SubmissionResult


def write_results_json(path: Path, assignment: Assignment, results: Iterable[SubmissionResult]) -> None:
    """The DESIGN.md contract, written one submission at a time (a class of any size)."""
    head = json.dumps({"assignment": assignment.name, "title": assignment.title,
                       "max_score": assignment.max_score,
                       "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds")},
                      indent=1)
    temporary = path.with_name(path.name + ".tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(head[:-2] + ',\n "submissions": [')
        for number, result in enumerate(results):
            handle.write(("," if number else "") + "\n  " + json.dumps(result.to_dict(), allow_nan=False))
        handle.write("\n ]\n}\n")
    temporary.replace(path)


def write_grades_csv(path: Path, assignment: Assignment, results: Iterable[SubmissionResult]) -> None:
    names = assignment.graded_names
    temporary = path.with_suffix(".csv.tmp")
    with open(temporary, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "path", "status", "score", "max_score", "percent", *names, "error"])
        for result in results:
            scores = {function.name: function.score for function in result.functions}
            writer.writerow([_cell(result.id), _cell(result.path), result.status, result.score,
                             result.max_score, round(result.percent, 2),
                             *[scores.get(name, 0.0) for name in names], _cell(result.error or "")])
    temporary.replace(path)


def _cell(text: str) -> str:
    """Keep a spreadsheet from reading a student's file name as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text

