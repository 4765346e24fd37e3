"""``grader grade``: grade a batch of notebooks into a report folder, each result committed to
the gradebook, so a rerun grades only what is new or changed."""
from __future__ import annotations

import contextlib
import hashlib
import itertools
import sqlite3
import sys
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from pathlib import Path

from grader.grading import routing
from grader.core.assignment import load_assignment
from grader.commands.cli import UsageError, find_notebooks, sandbox_or_note, timeout_of
from grader.commands.course_cli import CourseRun
from grader.execution.environment import student_environment, zygote_for
from grader.grading.gradebook import COMMIT_SECONDS, Gradebook, Key, content_hash
from grader.grading.submission import grade_notebook
from grader.core.notebook import InvalidNotebook, read_notebook_bytes
from grader.commands.progress import Progress
from grader.core.results import SubmissionResult


def grade(arguments) -> int:
    if arguments.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    from grader.reports.writing import parse_formats
    try:
        formats = parse_formats(arguments.formats)
    except ValueError as error:
        raise UsageError(str(error)) from None
    executor = arguments.executor or ("dask" if arguments.scheduler else "local")
    if executor == "local" and (arguments.scheduler or arguments.ship_notebooks):
        raise UsageError("--scheduler and --ship-notebooks are for --executor dask")
    notebooks = find_notebooks(arguments.paths)
    hashes: dict[str, str] = {}  # of the notebooks read to choose their assignment: not read again to hash
    if arguments.assignment is None and routing.several_bundled():  # each notebook to its own
        groups = routing.group_notebooks(notebooks, hashes)
    else:
        groups = {arguments.assignment: notebooks}
    titles = {}
    for name, group in groups.items():
        assignment = load_assignment(name, timeout=timeout_of(arguments))
        titles[name] = assignment.title
        out = arguments.out if len(groups) == 1 else arguments.out / name
        _grade_group(arguments, assignment, group, out, formats, executor, hashes)
    if len(groups) > 1:
        routing.write_index(arguments.out, titles)
    return 0


def _grade_group(arguments, assignment, notebooks, out: Path, formats, executor, hashes) -> None:
    """Grade ``notebooks`` with ``assignment`` into ``out``."""
    from grader.reports.pages import PagePool
    from grader.reports.writing import write_batch_reports
    student_environment(assignment.directory)  # built, or found, before any grading: a bad pin stops here
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UsageError(f"cannot create the output folder {out}: {error.strerror}") from None
    course = CourseRun(arguments, out, assignment, notebooks)
    with _open_gradebook(course.gradebook, assignment.name) as book:
        course.start(book)
        progress = Progress(len(notebooks), enabled=not arguments.quiet and sys.stderr.isatty())
        unchanged = []

        def kept(submission_id: str) -> None:  # graded unchanged before: counted as done at once
            unchanged.append(submission_id)
            progress.advance(submission_id)

        todo = _to_grade(notebooks, book, assignment.fingerprint, arguments.force, hashes, kept)
        verdicts = None
        first = next(todo, None)  # no server started, nor sandbox probed, when nothing is to grade
        if first is not None:
            todo = itertools.chain([first], todo)
            with contextlib.ExitStack() as stack:
                if executor == "dask":  # student code runs on the workers, each under its sandbox
                    from grader.grading.cluster import grade_on_dask
                    graded = grade_on_dask(
                        arguments.scheduler, assignment.directory, arguments.timeout,
                        [item[:3] for item in todo],  # the workers read the notebooks
                        ship_notebooks=arguments.ship_notebooks, require_sandbox=not arguments.no_sandbox,
                        submission_roots=[Path(p) for p in arguments.paths], jobs=arguments.jobs,
                        note=None if arguments.quiet else lambda line: print(f"note: {line}", file=sys.stderr))
                else:
                    sandbox = sandbox_or_note(assignment, [out], [Path(p) for p in arguments.paths],
                                              required=not arguments.no_sandbox, quiet=arguments.quiet)
                    zygote = stack.enter_context(zygote_for(assignment, sandbox))
                    # a function run before with the same key (this batch, or kept in the
                    # gradebook) is not run again; --force runs every one and replaces what is kept
                    from grader.grading.verdicts import Verdicts
                    store = stack.enter_context(contextlib.closing(book.verdict_store()))
                    verdicts = Verdicts(store, reuse=not arguments.force)
                    graded = _grade_in_parallel(zygote, assignment, todo, arguments.jobs, verdicts,
                                                idle=book.commit_due)
                pages = None if arguments.no_pages else PagePool(out, assignment, arguments.jobs)
                try:
                    for (submission_id, path, key), result in graded:
                        changes = book.record(result, key)
                        if pages:
                            pages.submit(result)
                        course.recorded(changes, submission_id, drawn=bool(pages))
                        progress.advance(submission_id)
                finally:  # a ClusterError after some results: their pages are still drawn
                    book.commit()
                    if pages:
                        for failure in pages.finish():
                            print(f"grader: {failure}", file=sys.stderr)
        ids = {submission_id for submission_id, _ in notebooks}
        sections = course.finish(book, ids)
        write_batch_reports(out, assignment, lambda: book.results(ids), formats,
                            by_score=lambda: book.results(ids, by_score=True), course=sections)
        invalid = book.count_invalid(ids)
    if not arguments.quiet:
        reused = len(unchanged)
        kept = f" ({reused} unchanged since the last run, not regraded; --force regrades)" if reused else ""
        same = (f"; {verdicts.reused} graded function(s) not run again (the same code as one run "
                "before)" if verdicts is not None and verdicts.reused else "")
        print(f"graded {len(ids) - invalid} notebook(s), {invalid} invalid{kept}{same}; reports in {out}/")


def _to_grade(notebooks, book: Gradebook, fingerprint: str, force: bool, hashes: dict[str, str], unchanged):
    """(id, path, key, bytes) for each notebook the gradebook does not hold graded unchanged
    (``unchanged(id)`` for the others), read as it is reached: the bytes read are those hashed
    and graded (None: the file cannot be read as a notebook; grading says why). ``hashes``:
    path -> content hash of the notebooks already read to choose their assignment."""
    for submission_id, path in notebooks:
        known = hashes.get(path)
        if known is not None and not force and book.is_current(submission_id, Key(known, fingerprint)):
            unchanged(submission_id)
            continue
        content, data = read_notebook(path)
        key = Key(content, fingerprint)
        if known is None and not force and book.is_current(submission_id, key):
            unchanged(submission_id)
            continue
        yield submission_id, path, key, data


def read_notebook(path: str) -> tuple[str, bytes | None]:
    """A notebook's content hash and its bytes, read once (None: a link, a pipe, a folder, a
    file too large: hashed as ``content_hash`` does, and left for grading to refuse)."""
    try:
        data = read_notebook_bytes(path)
    except InvalidNotebook:
        return content_hash(path), None
    return hashlib.sha256(data).hexdigest(), data


def _open_gradebook(path: Path, assignment: str) -> Gradebook:
    try:
        return Gradebook(path, assignment)
    except sqlite3.Error as error:  # a folder or a foreign file in its place: one line, not a traceback
        raise UsageError(f"cannot open the gradebook {path}: {error}") from None


def _grade_in_parallel(zygote, assignment, todo, jobs, verdicts=None, idle=lambda: None):
    """((id, path, key), result) for every (id, path, key, bytes) of ``todo`` as each finishes;
    at most a few in flight, so memory stays flat however many notebooks there are. ``idle`` is
    called when no result has come for a quarter of a second."""
    items = iter(todo)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        def submit(item):
            submission_id, path, key, data = item
            future = pool.submit(_grade_safely, zygote, assignment, path, submission_id, data, verdicts)
            in_flight[future] = (submission_id, path, key)

        in_flight: dict = {}
        for item in itertools.islice(items, 2 * jobs):
            submit(item)
        while in_flight:
            finished, _ = wait(in_flight, timeout=COMMIT_SECONDS, return_when=FIRST_COMPLETED)
            if not finished:
                idle()
            for future in finished:
                yield in_flight.pop(future), future.result()
                following = next(items, None)
                if following is not None:
                    submit(following)


def _grade_safely(zygote, assignment, path, submission_id, data, verdicts=None) -> SubmissionResult:
    try:
        return grade_notebook(zygote, assignment, path, submission_id, data=data, verdicts=verdicts)
    except Exception as error:  # a grader bug on one notebook must not cost the batch
        return SubmissionResult(submission_id, str(path), "invalid",
                                f"the grader failed on this notebook: {type(error).__name__}: {error}",
                                0.0, assignment.max_score)
