"""Export: the batch's results as ``results.json`` (the contract in DESIGN.md) and ``grades.csv``."""
from __future__ import annotations

import csv
import json
from datetime import datetime, timezone
from pathlib import Path

from grader.assignment import Assignment
from grader.results import SubmissionResult


def write_results_json(path: Path, assignment: Assignment, results: list[SubmissionResult]) -> None:
    document = {
        "assignment": assignment.name,
        "title": assignment.title,
        "max_score": assignment.max_score,
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "submissions": [result.to_dict() for result in results],
    }
    _write_atomically(path, json.dumps(document, indent=1, allow_nan=False))


def write_grades_csv(path: Path, assignment: Assignment, results: list[SubmissionResult]) -> None:
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


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)
