"""The gradebook: one SQLite file in the output folder, every result committed as it finishes.

A result is kept with what it was graded from: the notebook's content hash, the assignment's
fingerprint (spec, cases, reference, mistakes) and the grader's version. A rerun skips a
submission whose four are unchanged, so a batch killed halfway picks up where it stopped and
grades nothing twice. The reports are rebuilt from here, so they never depend on one run's
memory.
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
"""


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
        self._connection.executescript(_SCHEMA)

    def is_current(self, submission_id: str, key: Key) -> bool:
        row = self._connection.execute(
            "SELECT content_hash, fingerprint, grader FROM results WHERE assignment = ? AND id = ?",
            (self.assignment, submission_id)).fetchone()
        return row is not None and Key(*row) == key

    def record(self, result: SubmissionResult, key: Key) -> None:
        """Commit one result at once (each submission is its own transaction)."""
        self._connection.execute(
            "INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (self.assignment, result.id, result.path, key.content_hash, key.fingerprint, key.grader,
             result.status, result.score, result.graded_at,
             json.dumps(result.to_dict(), allow_nan=False)))

    def results(self, ids: set[str] | None = None, *, by_score: bool = False) -> Iterator[SubmissionResult]:
        """The stored results in id order, one at a time (only ``ids``, when given). With
        ``by_score``: invalid ones first, then lowest score first, as the class overview lists
        them (``html.score_order``; the results of one fingerprint share one maximum score)."""
        if by_score:  # sort the ids alone, then read each result: sorting whole rows spills to disk
            order = [row[0] for row in self._connection.execute(
                "SELECT id FROM results WHERE assignment = ? ORDER BY status = 'graded', score, id",
                (self.assignment,)) if ids is None or row[0] in ids]
            rows = ((submission_id, self._connection.execute(
                "SELECT result FROM results WHERE assignment = ? AND id = ?",
                (self.assignment, submission_id)).fetchone()[0]) for submission_id in order)
        else:
            rows = self._connection.execute(
                "SELECT id, result FROM results WHERE assignment = ? ORDER BY id", (self.assignment,))
        for submission_id, text in rows:
            if ids is None or submission_id in ids:
                yield SubmissionResult.from_dict(json.loads(text))

    def count_invalid(self, ids: set[str]) -> int:
        rows = self._connection.execute("SELECT id FROM results WHERE assignment = ? AND status = 'invalid'",
                                        (self.assignment,))
        return sum(1 for (submission_id,) in rows if submission_id in ids)

    def count(self) -> int:
        return self._connection.execute("SELECT COUNT(*) FROM results WHERE assignment = ?",
                                        (self.assignment,)).fetchone()[0]

    def close(self) -> None:
        self._connection.close()

    def __enter__(self) -> Gradebook:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
