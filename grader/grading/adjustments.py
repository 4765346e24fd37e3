"""Adjustments: an instructor's overrides and the late penalty, counted into a result.

An override gives one function of one submission a score in place of the graded one; it is kept
in the gradebook, so a regrade (a fixed case, a new grader) changes the graded score beneath it
and never the override. The late penalty is then taken off the whole score, as a percentage.
Both travel in the result (``SubmissionResult.adjustments``), so the student page, the overview,
``results.json``, ``grades.csv`` and every export show the same score and say why.
"""
from __future__ import annotations

import csv
import dataclasses
import getpass
from datetime import datetime, timezone
from pathlib import Path

from grader.grading.gradebook import Override
from grader.core.results import Adjustment, SubmissionResult


class AdjustmentError(Exception):
    """A bad adjustment (unknown function, bad points, a bad CSV row): the message says which."""


def adjusted(result: SubmissionResult, overrides: list[Override],
             late: tuple[float, str] | None) -> SubmissionResult:
    """``result`` with the overrides put in place of the graded scores, then the late penalty."""
    if result.status != "graded":
        return result
    by_function = {override.function: override for override in overrides}
    functions, notes = [], []
    for function in result.functions:
        override = by_function.get(function.name)
        if override is None or abs(override.points - function.score) < 1e-9:
            functions.append(function)
            continue
        notes.append(Adjustment("override", function.name, round(override.points - function.score, 4),
                                f"{function.name} set to {override.points:g} / {function.max_score:g} "
                                f"(graded {function.score:g}): {override.reason}", override.by, override.at))
        functions.append(dataclasses.replace(function, score=override.points))
    score = round(sum(function.score for function in functions), 4)
    if late is not None and late[0] > 0 and score > 0:
        percent, reason = late
        penalty = round(score * percent / 100.0, 4)
        notes.append(Adjustment("late", "", -penalty, f"{percent:g}% off: {reason}"))
        score = round(score - penalty, 4)
    if not notes:
        return result
    return dataclasses.replace(result, functions=tuple(functions), score=score,
                               adjustments=tuple(notes), graded_score=result.score)


def signature(result: SubmissionResult) -> str:
    """What a page shows of the adjustments: when it changes, the page is drawn again."""
    return "|".join(f"{a.kind}:{a.function}:{a.points:g}:{a.reason}:{a.by}:{a.at}" for a in result.adjustments)


def make_override(assignment, submission_id: str, function: str, points: str, reason: str,
                  by: str | None = None, where: str = "") -> Override:
    """An override checked against the assignment: a graded function, points from 0 up."""
    where = f"{where}: " if where else ""
    if function not in assignment.graded_names:
        raise AdjustmentError(f"{where}{function!r} is not a graded function of {assignment.name} "
                              f"(graded: {', '.join(assignment.graded_names)})")
    try:
        value = float(points)
    except ValueError:
        raise AdjustmentError(f"{where}points must be a number, not {points!r}") from None
    if not 0 <= value < float("inf"):
        raise AdjustmentError(f"{where}points must be a number from 0 up, not {points}")
    if not reason.strip():
        raise AdjustmentError(f"{where}give the reason (--reason TEXT): students and colleagues read it")
    return Override(submission_id, function, value, " ".join(reason.split()), by or _user(),
                    datetime.now(timezone.utc).isoformat(timespec="seconds"))


def read_adjustments_csv(path: Path, assignment) -> list[Override]:
    """Overrides from a CSV with columns id, function, points, reason (and optionally by)."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise AdjustmentError(f"{path}: cannot be read: {error}") from None
    needed = {"id", "function", "points", "reason"}
    if rows and not needed <= set(rows[0]):
        raise AdjustmentError(f"{path}: needs the columns {', '.join(sorted(needed))}")
    return [make_override(assignment, (row["id"] or "").strip(), (row["function"] or "").strip(),
                          (row["points"] or "").strip(), row["reason"] or "", (row.get("by") or "").strip() or None,
                          where=f"{path} line {number}")
            for number, row in enumerate(rows, start=2)]


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
