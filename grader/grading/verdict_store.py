"""Where the runs of graded functions are kept between batches: the gradebook's ``verdicts``
table (``grader.grading.verdicts`` decides what goes in and what may be taken out)."""
from __future__ import annotations

import sqlite3
import threading
from pathlib import Path


class VerdictStore:
    """Reads on a connection of its own, by the grading threads (one at a time, under the
    caller's lock), which never wait for a write: new runs wait here until the thread that
    records results writes them into the gradebook's own grouped commit (``write_into``). A run
    not yet written is not lost to this batch (``grader.grading.verdicts`` holds it in memory), and one
    lost to a kill is run again the next time."""

    def __init__(self, path: Path):
        self._connection = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._connection.execute("PRAGMA busy_timeout=30000")
        self._waiting: list[tuple[str, str, bytes]] = []
        self._lock = threading.Lock()

    def find(self, key: str, exact: str) -> bytes | None:
        row = self._connection.execute("SELECT run FROM verdicts WHERE key = ? AND exact = ?",
                                       (key, exact)).fetchone()
        return None if row is None else bytes(row[0])

    def keep(self, rows: list[tuple[str, str, bytes]]) -> None:
        with self._lock:
            self._waiting.extend(rows)

    def waiting(self) -> bool:
        return bool(self._waiting)

    def write_into(self, connection: sqlite3.Connection) -> None:
        """Write the waiting runs in ``connection``'s open transaction (replacing any kept under
        the same key)."""
        with self._lock:
            rows, self._waiting = self._waiting, []
        if rows:
            connection.executemany("INSERT OR REPLACE INTO verdicts VALUES (?, ?, ?)", rows)

    def close(self) -> None:
        self._connection.close()
