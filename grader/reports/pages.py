"""Student pages drawn in worker processes while grading goes on.

A page (nbconvert appendix, highlighted code) costs more CPU than grading the notebook, so it
must not be drawn on the thread that collects results: ``PagePool`` renders them on ``jobs``
processes, a bounded number in flight, so memory stays flat however large the class. Each
worker builds its exporter, templates and lexer once, and keeps the cells it drew
(``grader.reports.appendix``): the course's cells, the same in every student's copy, are drawn twice
per worker (kept the second time), not once per page.
"""
from __future__ import annotations

import multiprocessing
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from pathlib import Path

from grader.core.results import SubmissionResult, visible

_assignment = None


def _start_worker(directory: str, timeout: float) -> None:
    global _assignment
    try:  # die with the grader, even when it is killed outright
        import ctypes
        import signal
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    from grader.core.assignment import load_assignment
    from grader.reports.student_page import prepare
    _assignment = load_assignment(directory, timeout=timeout)
    prepare()


def _draw(out: str, result: dict) -> str | None:
    from grader.reports.writing import write_submission_page
    try:
        write_submission_page(Path(out), _assignment, SubmissionResult.from_dict(result), overview=True)
    except Exception as error:  # a page that cannot be drawn must not stop the batch
        return visible(f"{result.get('id')}: cannot write its page: {type(error).__name__}: {error}")
    return None


class PagePool:
    def __init__(self, out: Path, assignment, jobs: int):
        self._out = str(out)
        self._limit = 4 * jobs
        self._pending: set = set()
        self._failures: list[str] = []
        # spawn, not fork: the grader has threads running, and forking them is unsafe
        self._pool = ProcessPoolExecutor(
            max_workers=jobs, mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker, initargs=(str(assignment.directory), assignment.limits.timeout))

    def submit(self, result: SubmissionResult) -> None:
        if len(self._pending) >= self._limit:
            self._collect(wait(self._pending, return_when=FIRST_COMPLETED)[0])
        self._pending.add(self._pool.submit(_draw, self._out, result.to_dict()))

    def finish(self) -> list[str]:
        """Wait for every page; the one-line reasons of pages that could not be drawn."""
        self._collect(wait(self._pending)[0])
        self._pool.shutdown()
        return self._failures

    def _collect(self, done) -> None:
        for future in done:
            self._pending.discard(future)
            failure = future.result()
            if failure:
                self._failures.append(failure)
