"""The gradebook: one SQLite file in the output folder, every result committed as it finishes.

A result is kept with what it was graded from: the notebook's content hash, the assignment's
fingerprint (spec, cases, reference, mistakes) and the grader's version. A rerun skips a
submission whose four are unchanged, so a batch killed halfway picks up where it stopped and
grades nothing twice. The reports are rebuilt from here, so they never depend on one run's
memory.

One file can hold a whole course (``grader grade --gradebook course.sqlite``): every
assignment's latest results, the history of every grading (what each came from, its scores), the
score changes each regrade made and why, the instructors' adjustments, and the late penalties.
The results read back carry those adjustments (``SubmissionResult.adjustments``), so every
report and export shows the same score.
"""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from grader import __version__
from grader.grading.gradebook_schema import SCHEMA as _SCHEMA
from grader.grading.regrade import Change, changes_between, history_row
from grader.core.results import SubmissionResult

FILE_NAME = "gradebook.sqlite"
# a commit per result costs more than recording it: results are committed together, at least
# this often (a kill -9 loses at most the last fraction of a second of results, graded again)
COMMIT_SECONDS = 0.25
COMMIT_RESULTS = 200


@dataclass(frozen=True)
class Override:
    """An instructor's score for one function of one submission, kept across regrades."""
    id: str
    function: str
    points: float
    reason: str
    by: str
    at: str


@dataclass(frozen=True, slots=True)  # one per notebook of the batch is held
class Key:
    """What a result was graded from; equal keys mean the result still holds."""
    content_hash: str
    fingerprint: str
    grader: str = __version__


def content_hash(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with open(path, "rb", opener=_no_link) as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    except OSError as error:  # an unreadable file is graded (as invalid) every time
        return f"unreadable:{error.errno}"
    return digest.hexdigest()


def _no_link(path, flags: int) -> int:
    """Open without following a symbolic link (refused as a submission; its target may be a
    pipe that would block) and without waiting on anything that is not a plain file."""
    return os.open(path, flags | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))


class Gradebook:
    """A connection to the gradebook; use from one thread (the one that collects results)."""

    def __init__(self, path: Path, assignment: str):
        self.path = path
        self.assignment = assignment
        self._connection = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._connection.execute("PRAGMA journal_mode=WAL")  # a kill -9 loses nothing committed
        self._connection.execute("PRAGMA synchronous=NORMAL")
        self._connection.execute("PRAGMA busy_timeout=30000")  # another assignment grading into it
        self._connection.executescript(_SCHEMA)
        self.run = ""  # set by a grading run: the changes it records are grouped under it
        self._pending = 0  # results recorded and not yet committed
        self._opened = 0.0  # when their transaction began
        self._verdicts = None  # the kept runs, when a batch uses them (verdict_store)

    def is_current(self, submission_id: str, key: Key) -> bool:
        row = self._connection.execute(
            "SELECT content_hash, fingerprint, grader FROM results WHERE assignment = ? AND id = ?",
            (self.assignment, submission_id)).fetchone()
        return row is not None and Key(*row) == key

    def record(self, result: SubmissionResult, key: Key) -> list[Change]:
        """Record one result, with its line of history and the score changes it makes to the
        result it replaces. Results are committed in groups (``COMMIT_SECONDS``, ``COMMIT_RESULTS``):
        a grading killed outright loses only its last uncommitted results, each whole, and the
        next run grades just those again."""
        before = self._connection.execute(
            "SELECT content_hash, fingerprint, grader, result FROM results WHERE assignment = ? AND id = ?",
            (self.assignment, result.id)).fetchone()
        changes = []
        if before is not None:
            changes = changes_between(SubmissionResult.from_dict(json.loads(before[3])), Key(*before[:3]),
                                      result, key)
        document = json.dumps(result.to_dict(), allow_nan=False)
        history = json.dumps(history_row(result), allow_nan=False)
        if not self._connection.in_transaction:
            self._connection.execute("BEGIN IMMEDIATE")
            self._opened = time.monotonic()
        self._connection.execute("SAVEPOINT result")  # one result goes in whole, or not at all
        try:
            self._connection.execute(
                "INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (self.assignment, result.id, result.path, key.content_hash, key.fingerprint, key.grader,
                 result.status, result.score, result.graded_at, document))
            self._connection.execute("DELETE FROM shapes WHERE assignment = ? AND id = ?",
                                     (self.assignment, result.id))
            self._connection.execute(
                "INSERT INTO history VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (self.assignment, result.id, key.content_hash, key.fingerprint, key.grader, result.status,
                 result.score, result.graded_at, history))
            self._connection.executemany(
                "INSERT INTO changes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(self.assignment, self.run or result.graded_at, change.id, change.function, change.old_score,
                  change.new_score, change.old_total, change.new_total, change.cases, change.cause)
                 for change in changes])
        except BaseException:
            self._connection.execute("ROLLBACK TO result")
            self._connection.execute("RELEASE result")
            raise
        self._connection.execute("RELEASE result")
        if self._verdicts is not None:
            self._verdicts.write_into(self._connection)
        self._pending += 1
        if self._pending >= COMMIT_RESULTS or time.monotonic() - self._opened >= COMMIT_SECONDS:
            self.commit()
        return changes

    def commit(self) -> None:
        """Commit the results recorded since the last commit (``close`` does too)."""
        if self._verdicts is not None and self._verdicts.waiting():
            if not self._connection.in_transaction:
                self._connection.execute("BEGIN IMMEDIATE")
            self._verdicts.write_into(self._connection)
        if self._connection.in_transaction:
            self._connection.execute("COMMIT")
        self._pending = 0

    def commit_due(self) -> None:
        """Commit if the oldest uncommitted result has waited ``COMMIT_SECONDS`` (for a caller
        that waits on the next result: a slow one does not hold the others back)."""
        if self._pending and time.monotonic() - self._opened >= COMMIT_SECONDS:
            self.commit()

    # ------------------------------------------------------------------ the course's records

    def history(self, submission_id: str) -> list[dict]:
        """Every grading of one submission, oldest first: what it came from and its scores."""
        rows = self._connection.execute(
            "SELECT content_hash, fingerprint, grader, status, score, graded_at, functions FROM history "
            "WHERE assignment = ? AND id = ? ORDER BY rowid", (self.assignment, submission_id))
        return [{"content_hash": row[0], "fingerprint": row[1], "grader": row[2], "status": row[3],
                 "score": row[4], "graded_at": row[5], "functions": json.loads(row[6])} for row in rows]

    def latest_changes(self) -> tuple[str, list[Change]]:
        """The score changes of the latest grading run that changed any, and when it ran."""
        row = self._connection.execute("SELECT MAX(run) FROM changes WHERE assignment = ?",
                                       (self.assignment,)).fetchone()
        if row[0] is None:
            return "", []
        rows = self._connection.execute(
            "SELECT id, function, old_score, new_score, old_total, new_total, cases, cause FROM changes "
            "WHERE assignment = ? AND run = ? ORDER BY id, rowid", (self.assignment, row[0]))
        return row[0], [Change(*values) for values in rows]

    def adjust(self, override: Override) -> None:
        self.commit()
        self._connection.execute(
            "INSERT OR REPLACE INTO adjustments VALUES (?, ?, ?, ?, ?, ?, ?)",
            (self.assignment, override.id, override.function, override.points, override.reason,
             override.by, override.at))

    def remove_adjustment(self, submission_id: str, function: str) -> bool:
        self.commit()
        cursor = self._connection.execute(
            "DELETE FROM adjustments WHERE assignment = ? AND id = ? AND function = ?",
            (self.assignment, submission_id, function))
        return cursor.rowcount > 0

    def overrides(self) -> dict[str, list[Override]]:
        found: dict[str, list[Override]] = {}
        for row in self._connection.execute(
                "SELECT id, function, points, reason, by, at FROM adjustments WHERE assignment = ? "
                "ORDER BY id, function", (self.assignment,)):
            found.setdefault(row[0], []).append(Override(*row))
        return found

    def set_late(self, penalties: dict[str, tuple[float, str]], ids: set[str]) -> None:
        """The late penalties of the submissions ``ids``, in place of those kept: id -> (percent,
        reason); those of ``ids`` not in ``penalties`` have none."""
        self.commit()
        with self._connection:
            self._connection.execute("BEGIN IMMEDIATE")
            self._connection.executemany("DELETE FROM late WHERE assignment = ? AND id = ?",
                                         [(self.assignment, submission_id) for submission_id in ids])
            self._connection.executemany("INSERT INTO late VALUES (?, ?, ?, ?)",
                                         [(self.assignment, submission_id, percent, reason)
                                          for submission_id, (percent, reason) in penalties.items()])

    def late(self) -> dict[str, tuple[float, str]]:
        return {row[0]: (row[1], row[2]) for row in self._connection.execute(
            "SELECT id, percent, reason FROM late WHERE assignment = ?", (self.assignment,))}

    def drawn(self) -> dict[str, str]:
        """What each student page last drawn shows of the adjustments (to redraw stale ones)."""
        return dict(self._connection.execute("SELECT id, adjustments FROM drawn WHERE assignment = ?",
                                             (self.assignment,)).fetchall())

    def mark_drawn(self, submission_id: str, adjustments: str) -> None:
        self.commit()
        self._connection.execute("INSERT OR REPLACE INTO drawn VALUES (?, ?, ?)",
                                 (self.assignment, submission_id, adjustments))

    def unshaped_ids(self) -> set[str]:
        """The submissions whose code has not been read for similar code since they were graded."""
        return {row[0] for row in self._connection.execute(
            "SELECT id FROM results WHERE assignment = ? EXCEPT SELECT id FROM shapes WHERE assignment = ?",
            (self.assignment, self.assignment))}

    def set_shapes(self, submission_id: str, shapes: list[tuple[str, str, int]]) -> None:
        self.commit()
        self._connection.executemany("INSERT INTO shapes VALUES (?, ?, ?, ?, ?)", [
            (self.assignment, submission_id, function, digest, statements)
            for function, digest, statements in shapes or [("", "", 0)]])

    def shape_groups(self, ids: set[str]) -> tuple[list[tuple[str, list[str], int]], dict[str, int]]:
        """(function, ids, statements) for each digest two or more of ``ids`` share, and how many
        of ``ids`` have code of their own for each function."""
        writers: dict[str, int] = {}
        for function, submission_id in self._connection.execute(
                "SELECT function, id FROM shapes WHERE assignment = ? AND function != ''", (self.assignment,)):
            if submission_id in ids:
                writers[function] = writers.get(function, 0) + 1
        rows = []
        for function, statements, members in self._connection.execute(
                "SELECT function, MAX(statements), group_concat(id, char(10)) FROM shapes "
                "WHERE assignment = ? AND function != '' GROUP BY function, digest HAVING COUNT(*) > 1",
                (self.assignment,)):
            chosen = [submission_id for submission_id in members.split("\n") if submission_id in ids]
            if len(chosen) > 1:
                rows.append((function, chosen, statements))
        return rows, writers

    def adjusted_ids(self) -> set[str]:
        """The submissions with an override or a late penalty."""
        return {row[0] for row in self._connection.execute(
            "SELECT id FROM adjustments WHERE assignment = ? UNION SELECT id FROM late WHERE assignment = ?",
            (self.assignment, self.assignment))}

    def ids(self) -> list[str]:
        return [row[0] for row in self._connection.execute(
            "SELECT id FROM results WHERE assignment = ? ORDER BY id", (self.assignment,))]

    def assignments(self) -> list[str]:
        return [row[0] for row in self._connection.execute(
            "SELECT DISTINCT assignment FROM results ORDER BY assignment")]

    def results(self, ids: set[str] | None = None, *, by_score: bool = False,
                raw: bool = False) -> Iterator[SubmissionResult]:
        """The stored results in id order, one at a time (only ``ids``, when given), each with
        its adjustments and late penalty counted in (``raw``: as graded). With
        ``by_score``: invalid ones first, then lowest score first, as the class overview lists
        them (``html.score_order``; the results of one fingerprint share one maximum score)."""
        from grader.grading.adjustments import adjusted
        overrides, late = ({}, {}) if raw else (self.overrides(), self.late())
        if by_score:  # sort the ids alone, then read each result: sorting whole rows spills to disk
            order = [row[0] for row in self._connection.execute(
                "SELECT id FROM results WHERE assignment = ? ORDER BY status = 'graded', score, id",
                (self.assignment,)) if ids is None or row[0] in ids]
            if overrides or late:  # the few adjusted scores move their submissions
                order = self._by_adjusted_score(order, overrides, late)
            rows = ((submission_id, self._connection.execute(
                "SELECT result FROM results WHERE assignment = ? AND id = ?",
                (self.assignment, submission_id)).fetchone()[0]) for submission_id in order)
        else:
            rows = self._connection.execute(
                "SELECT id, result FROM results WHERE assignment = ? ORDER BY id", (self.assignment,))
        for submission_id, text in rows:
            if ids is None or submission_id in ids:
                result = SubmissionResult.from_dict(json.loads(text))
                if submission_id in overrides or submission_id in late:
                    result = adjusted(result, overrides.get(submission_id, []), late.get(submission_id))
                yield result

    def _by_adjusted_score(self, order: list[str], overrides: dict, late: dict) -> list[str]:
        from grader.grading.adjustments import adjusted
        rows = {row[0]: [row[1] == "graded", row[2], row[0]] for row in self._connection.execute(
            "SELECT id, status, score FROM results WHERE assignment = ?", (self.assignment,))}
        for submission_id in set(overrides) | set(late):
            if submission_id in rows:
                text = self._connection.execute("SELECT result FROM results WHERE assignment = ? AND id = ?",
                                                (self.assignment, submission_id)).fetchone()[0]
                rows[submission_id][1] = adjusted(SubmissionResult.from_dict(json.loads(text)),
                                                  overrides.get(submission_id, []), late.get(submission_id)).score
        return sorted(order, key=lambda submission_id: rows[submission_id])

    def count_invalid(self, ids: set[str]) -> int:
        rows = self._connection.execute("SELECT id FROM results WHERE assignment = ? AND status = 'invalid'",
                                        (self.assignment,))
        return sum(1 for (submission_id,) in rows if submission_id in ids)

    def count(self) -> int:
        return self._connection.execute("SELECT COUNT(*) FROM results WHERE assignment = ?",
                                        (self.assignment,)).fetchone()[0]

    def verdict_store(self):
        """The kept runs of graded functions (``grader.grading.verdicts``): read on a connection of their
        own; new ones are written here, with the results, so no grading thread waits to write."""
        from grader.grading.verdict_store import VerdictStore

        self._verdicts = VerdictStore(self.path)
        return self._verdicts

    def close(self) -> None:
        try:
            self.commit()
        finally:
            self._connection.close()

    def __enter__(self) -> Gradebook:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
