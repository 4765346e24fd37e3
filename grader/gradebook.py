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
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from grader import __version__
from grader.regrade import Change, changes_between, history_row
from grader.results import SubmissionResult

FILE_NAME = "gradebook.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    assignment   TEXT NOT NULL,
    id           TEXT NOT NULL,
    path         TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    fingerprint  TEXT NOT NULL,
    grader       TEXT NOT NULL,
    status       TEXT NOT NULL,
    score        REAL NOT NULL,
    graded_at    TEXT NOT NULL,
    result       TEXT NOT NULL,
    PRIMARY KEY (assignment, id)
);
CREATE TABLE IF NOT EXISTS history (
    assignment   TEXT NOT NULL,
    id           TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    fingerprint  TEXT NOT NULL,
    grader       TEXT NOT NULL,
    status       TEXT NOT NULL,
    score        REAL NOT NULL,
    graded_at    TEXT NOT NULL,
    functions    TEXT NOT NULL   -- {function: [score, {case: status}]}
);
CREATE TABLE IF NOT EXISTS changes (
    assignment TEXT NOT NULL,
    run        TEXT NOT NULL,    -- when the grading that made the change started
    id         TEXT NOT NULL,
    function   TEXT NOT NULL,
    old_score  REAL NOT NULL,
    new_score  REAL NOT NULL,
    old_total  REAL NOT NULL,
    new_total  REAL NOT NULL,
    cases      TEXT NOT NULL,
    cause      TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS adjustments (
    assignment TEXT NOT NULL,
    id         TEXT NOT NULL,
    function   TEXT NOT NULL,
    points     REAL NOT NULL,    -- the function's score, in place of the graded one
    reason     TEXT NOT NULL,
    by         TEXT NOT NULL,
    at         TEXT NOT NULL,
    PRIMARY KEY (assignment, id, function)
);
CREATE TABLE IF NOT EXISTS late (
    assignment TEXT NOT NULL,
    id         TEXT NOT NULL,
    percent    REAL NOT NULL,    -- taken off the score
    reason     TEXT NOT NULL,
    PRIMARY KEY (assignment, id)
);
CREATE TABLE IF NOT EXISTS shapes (
    assignment TEXT NOT NULL,
    id         TEXT NOT NULL,
    function   TEXT NOT NULL,    -- "" marks a submission read with no code of its own
    digest     TEXT NOT NULL,    -- of its own code, normalised (grader.similarity)
    statements INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS shapes_by_id ON shapes (assignment, id);
CREATE TABLE IF NOT EXISTS verdicts (
    key   TEXT NOT NULL,         -- what a graded function's run depends on (grader.verdict_keys)
    exact TEXT NOT NULL,         -- "" or, for a run that names places, the digest of its cells
    run   BLOB NOT NULL,         -- the run, as plain data (grader.verdicts)
    PRIMARY KEY (key, exact)
);
CREATE TABLE IF NOT EXISTS drawn (
    assignment TEXT NOT NULL,
    id         TEXT NOT NULL,
    adjustments TEXT NOT NULL,   -- the adjustments the student's page shows
    PRIMARY KEY (assignment, id)
);
"""


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

    def is_current(self, submission_id: str, key: Key) -> bool:
        row = self._connection.execute(
            "SELECT content_hash, fingerprint, grader FROM results WHERE assignment = ? AND id = ?",
            (self.assignment, submission_id)).fetchone()
        return row is not None and Key(*row) == key

    def record(self, result: SubmissionResult, key: Key) -> list[Change]:
        """Commit one result at once (each submission is its own transaction), with its line of
        history; the score changes it makes to the result it replaces, also committed."""
        before = self._connection.execute(
            "SELECT content_hash, fingerprint, grader, result FROM results WHERE assignment = ? AND id = ?",
            (self.assignment, result.id)).fetchone()
        changes = []
        if before is not None:
            changes = changes_between(SubmissionResult.from_dict(json.loads(before[3])), Key(*before[:3]),
                                      result, key)
        with self._connection:
            self._connection.execute("BEGIN IMMEDIATE")
            self._connection.execute(
                "INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (self.assignment, result.id, result.path, key.content_hash, key.fingerprint, key.grader,
                 result.status, result.score, result.graded_at,
                 json.dumps(result.to_dict(), allow_nan=False)))
            self._connection.execute("DELETE FROM shapes WHERE assignment = ? AND id = ?",
                                     (self.assignment, result.id))
            self._connection.execute(
                "INSERT INTO history VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (self.assignment, result.id, key.content_hash, key.fingerprint, key.grader, result.status,
                 result.score, result.graded_at, json.dumps(history_row(result), allow_nan=False)))
            self._connection.executemany(
                "INSERT INTO changes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(self.assignment, self.run or result.graded_at, change.id, change.function, change.old_score,
                  change.new_score, change.old_total, change.new_total, change.cases, change.cause)
                 for change in changes])
        return changes

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
        self._connection.execute(
            "INSERT OR REPLACE INTO adjustments VALUES (?, ?, ?, ?, ?, ?, ?)",
            (self.assignment, override.id, override.function, override.points, override.reason,
             override.by, override.at))

    def remove_adjustment(self, submission_id: str, function: str) -> bool:
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
        self._connection.execute("INSERT OR REPLACE INTO drawn VALUES (?, ?, ?)",
                                 (self.assignment, submission_id, adjustments))

    def unshaped_ids(self) -> set[str]:
        """The submissions whose code has not been read for similar code since they were graded."""
        return {row[0] for row in self._connection.execute(
            "SELECT id FROM results WHERE assignment = ? EXCEPT SELECT id FROM shapes WHERE assignment = ?",
            (self.assignment, self.assignment))}

    def set_shapes(self, submission_id: str, shapes: list[tuple[str, str, int]]) -> None:
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
        from grader.adjustments import adjusted
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
        from grader.adjustments import adjusted
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

    def verdict_store(self) -> VerdictStore:
        return VerdictStore(self.path)

    def close(self) -> None:
        self._connection.close()

    def __enter__(self) -> Gradebook:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class VerdictStore:
    """The gradebook's kept runs of graded functions, by key, on a connection of its own: the
    grading threads use it (one at a time, under the caller's lock) while another records results."""

    def __init__(self, path: Path):
        self._connection = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._connection.execute("PRAGMA busy_timeout=30000")

    def find(self, key: str, exact: str) -> bytes | None:
        row = self._connection.execute("SELECT run FROM verdicts WHERE key = ? AND exact = ?",
                                       (key, exact)).fetchone()
        return None if row is None else bytes(row[0])

    def keep(self, rows: list[tuple[str, str, bytes]]) -> None:
        """Commit one notebook's new runs together (replacing any kept under the same key)."""
        with self._connection:
            self._connection.execute("BEGIN IMMEDIATE")
            self._connection.executemany("INSERT OR REPLACE INTO verdicts VALUES (?, ?, ?)", rows)

    def close(self) -> None:
        self._connection.close()
