"""Regrade diffs: which scores a new grading changed, from what to what, and why.

A submission graded again (its notebook changed, a case or the reference was fixed, a new
grader) is compared with the result it replaces, function by function. Only functions whose
points moved are listed, each with the cases whose verdict changed and what changed in what it
was graded from; a submission whose scores all stayed is not listed at all.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from grader.reports.export import _cell  # a student's text never read as a spreadsheet formula

from grader.core.results import SubmissionResult

FILE_NAME = "changes.csv"
COLUMNS = ("changed_at", "id", "function", "old_score", "new_score", "old_total", "new_total", "cases", "cause")


@dataclass(frozen=True)
class Change:
    """One function of one submission whose points a regrade changed (function "" when the
    whole notebook went from invalid to graded or back)."""
    id: str
    function: str
    old_score: float
    new_score: float
    old_total: float
    new_total: float
    cases: str  # the cases whose verdict changed: "'rows' failed -> passed; ..."
    cause: str  # what changed in what the result was graded from


def history_row(result: SubmissionResult) -> dict:
    """The scores of one grading, compact: {function: [score, {case: status}]}."""
    return {function.name: [function.score, {case.name: case.status for case in function.cases}]
            for function in result.functions}


def changes_between(old: SubmissionResult, old_key, new: SubmissionResult, new_key) -> list[Change]:
    """The functions whose points differ between two gradings of one submission."""
    cause = _cause(old_key, new_key)
    if old.status != new.status:
        return [Change(new.id, "", old.score, new.score, old.score, new.score,
                       f"the notebook was {old.status}, now {new.status}", cause)]
    before = {function.name: function for function in old.functions}
    changes = []
    for function in new.functions:
        previous = before.get(function.name)
        old_score = previous.score if previous is not None else 0.0
        if abs(old_score - function.score) < 1e-9:
            continue
        changes.append(Change(new.id, function.name, old_score, function.score, old.score, new.score,
                              _cases(previous, function), cause))
    return changes


def _cause(old_key, new_key) -> str:
    causes = []
    if old_key.content_hash != new_key.content_hash:
        causes.append("the notebook changed")
    if old_key.fingerprint != new_key.fingerprint:
        causes.append("the assignment changed (spec, cases, reference or hints)")
    if old_key.grader != new_key.grader:
        causes.append(f"the grader changed ({old_key.grader} -> {new_key.grader})")
    return "; ".join(causes) or "graded again unchanged (the verdict is not stable)"


def _cases(previous, function) -> str:
    if previous is None:
        return "not graded before"
    if previous.status == "missing" or function.status == "missing":
        return f"{previous.status} -> {function.status}"
    before = {case.name: case.status for case in previous.cases}
    moved = [f"'{case.name}' {before.get(case.name, 'absent')} -> {case.status}"
             for case in function.cases if before.get(case.name) != case.status]
    gone = [f"'{name}' removed" for name in before if name not in {case.name for case in function.cases}]
    return "; ".join(moved + gone) or "the same verdicts, other points or weights"


def write_changes_csv(path: Path, run: str, changes: list[Change]) -> None:
    temporary = path.with_name(path.name + ".tmp")
    with open(temporary, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for change in changes:
            writer.writerow([run, _cell(change.id), change.function, change.old_score, change.new_score,
                             change.old_total, change.new_total, change.cases, change.cause])
    temporary.replace(path)


def summary_lines(changes: list[Change], limit: int = 20) -> list[str]:
    """One line per submission whose score changed, for the terminal."""
    by_id: dict[str, list[Change]] = {}
    for change in sorted(changes, key=lambda change: change.id):
        by_id.setdefault(change.id, []).append(change)
    lines = [f"scores changed for {len(by_id)} submission(s) since they were last graded:"]
    for submission_id, own in list(by_id.items())[:limit]:
        parts = "; ".join(f"{change.function or 'notebook'} {_points(change.old_score)} -> "
                          f"{_points(change.new_score)} ({change.cases})" for change in own)
        lines.append(f"  {submission_id}: {_points(own[0].old_total)} -> {_points(own[0].new_total)} "
                     f"points: {parts}; because {own[0].cause}")
    if len(by_id) > limit:
        lines.append(f"  and {len(by_id) - limit} more")
    return lines


def _points(value: float) -> str:
    return f"{value:g}"
