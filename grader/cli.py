"""The ``grader`` command: ``grade`` a batch, ``check`` one notebook, ``list`` the assignments."""
from __future__ import annotations

import argparse
import contextlib
import os
import sqlite3
import sys
import itertools
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from pathlib import Path

from grader import __version__, routing
from grader.assignment import AssignmentError, assignment_paths, bundled_assignments, load_assignment
from grader.cluster import ClusterError  # imports no Dask: grade_on_dask does, when called
from grader.bundle import choose_bundle, load_bundle
from grader.formats import format_help  # light; the other report modules load nbconvert
from grader.gradebook import FILE_NAME as GRADEBOOK
from grader.gradebook import Gradebook, Key, content_hash
from grader.grading import grade_notebook
from grader.progress import Progress
from grader.sandbox import find_sandbox, secrets_of
from grader.results import SubmissionResult
from grader.ci import add_ci_parser
from grader.course_cli import CourseRun, CourseUsageError, add_course_parsers, add_grade_options
from grader.student import student_view
from grader.terminal import format_result, use_colour
from grader.environment import student_environment, zygote_for
from grader.cli_authoring import add_authoring_parsers


class UsageError(Exception):
    """Bad arguments: reported in one line, exit status 2."""


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    arguments = parser.parse_args(argv)
    try:
        return arguments.run(arguments)
    except (UsageError, AssignmentError, ClusterError, CourseUsageError) as error:
        print(f"grader: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("grader: interrupted", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="grader",
        description="Grade Jupyter notebook assignments function by function. Student code runs in "
                    "separate, limited processes; each graded function is compared with the "
                    "reference on seeded public and hidden cases.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    grade = commands.add_parser(
        "grade", help="grade a batch of notebooks into a report folder",
        description="Grade notebook files and folders (searched recursively for *.ipynb) and write "
                    "results.json, grades.csv, index.html (class overview) and one HTML page per "
                    "submission into --out. Every result is committed to the gradebook "
                    "(gradebook.sqlite in --out) as it finishes: run the same command again and "
                    "only new or changed notebooks are graded. Exits 0 once the batch is graded, "
                    "whatever the scores.")
    grade.add_argument("paths", nargs="+", metavar="PATH", help="notebook files or folders of them")
    _common_options(grade)
    grade.add_argument("--out", type=Path, default=Path("reports"), metavar="DIR",
                       help="output folder (default: reports/)")
    grade.add_argument("--jobs", type=int, default=2 * (os.cpu_count() or 1), metavar="N",
                       help="submissions graded side by side (default: twice the cores, %(default)s "
                            "here: each waits on its student process about half the time)")
    grade.add_argument("--format", dest="formats", action="append", default=[], metavar="NAME",
                       help="also write this export format (repeat it, or separate names with commas): "
                            + format_help())
    grade.add_argument("--no-pages", action="store_true",
                       help="skip the per-student HTML pages (results.json, grades.csv and index.html "
                            "are still written)")
    grade.add_argument("--force", action="store_true",
                       help="regrade every notebook, even those the gradebook has graded unchanged, and "
                            "run every graded function (no run kept from before, or from another "
                            "student's identical code, is reused)")
    grade.add_argument("--quiet", action="store_true", help="print nothing but errors (no progress bar)")
    grade.add_argument("--no-sandbox", action="store_true",
                       help="grade even where bubblewrap is missing, with process limits alone "
                            "(student code could then read files the grader can)")
    grade.add_argument("--executor", choices=("local", "dask"),
                       help="where student code runs: local (default: processes on this machine) or "
                            "dask (a Dask cluster's workers, each under its own sandbox; needs "
                            "pip install 'notebook-grader[dask]')")
    grade.add_argument("--scheduler", metavar="ADDRESS",
                       help="the Dask scheduler, e.g. tcp://HOST:8786 (implies --executor dask; "
                            "without it, --executor dask uses DASK_SCHEDULER_ADDRESS or starts a "
                            "local cluster of one worker process with --jobs threads)")
    grade.add_argument("--ship-notebooks", action="store_true",
                       help="with dask: send each notebook's bytes to the workers instead of its "
                            "path, for workers that do not see these files at the same path")
    add_grade_options(grade)
    grade.set_defaults(run=_grade)

    check = commands.add_parser(
        "check", help="check one notebook before handing it in",
        description="Grade one notebook and print a line per graded function, with the reason for "
                    "each failure. Exits 0 only when every graded function passes.")
    check.add_argument("notebook", type=Path, metavar="NOTEBOOK")
    _common_options(check)
    check.add_argument("--function", action="append", default=[], metavar="NAME",
                       help="check only this function (may be repeated)")
    check.add_argument("--html", type=Path, metavar="FILE",
                       help="where to write the HTML report (default: NOTEBOOK's name with .report.html)")
    check.add_argument("--no-html", action="store_true", help="do not write the HTML report")
    check.add_argument("--gradescope", type=Path, metavar="FILE",
                       help="also write the result in Gradescope's results.json format to FILE "
                            "(inside a Gradescope autograder: /autograder/results/results.json)")
    check.add_argument("--bundle", type=Path, metavar="FILE",
                       help="check with this student bundle (the .bundle.json file your instructor "
                            "handed out): the public cases, graded without the reference. Without this "
                            "option, a bundle next to the notebook is used (unless --assignment is given)")
    check.set_defaults(run=_check)

    release = commands.add_parser(
        "release", help="write the student notebook and the student bundle of an assignment",
        description="Write what students receive into --out: the student notebook (the assignment's "
                    "solution notebook with every solution region emptied (### START CODE HERE ###, "
                    "or nbgrader's and Otter's BEGIN SOLUTION), its hints "
                    "kept), the student bundle (the public cases with their expected values, the "
                    "tolerances, points and hints' data, checksummed; no reference code and no hidden "
                    "case) and the modules the notebook imports. Writes nothing, and exits 2, when the "
                    "notebook would still hold a line of the reference solution.")
    release.add_argument("release_assignment", metavar="ASSIGNMENT",
                         help="a bundled assignment's name or an assignment folder")
    release.add_argument("--out", type=Path, required=True, metavar="DIR",
                         help="the folder to write into (created if needed)")
    release.set_defaults(run=_release)

    add_ci_parser(commands)
    add_authoring_parsers(commands)
    add_course_parsers(commands)

    mutation = commands.add_parser(
        "mutate", help="check that the assignment's cases catch bugs (mutation testing)",
        description="Make small changes (mutants) to the reference's graded functions, grade each as a "
                    "submission, and list the mutants no case catches, with the line and an input that "
                    "tells each from the reference, and the equivalent ones with the reason. Exits 0 when "
                    "every mutant that is not equivalent is caught, 1 otherwise.")
    _common_options(mutation)
    mutation.add_argument("--function", action="append", default=[], metavar="NAME",
                          help="only this function (may be repeated)")
    mutation.add_argument("--limit", type=int, metavar="N",
                          help="at most N mutants per function, spread over the kinds of change (default: all)")
    mutation.add_argument("--jobs", type=int, default=os.cpu_count() or 1, metavar="N",
                          help="mutants graded side by side (default: all cores, %(default)s here)")
    mutation.add_argument("--in-process", action="store_true",
                          help="run the mutants in this process, not the fork server (faster, same verdicts)")
    mutation.add_argument("--json", type=Path, metavar="FILE", help="also write the report as JSON")
    mutation.add_argument("--verbose", action="store_true",
                          help="also list the mutants without a hint, and every hint given")
    mutation.set_defaults(run=_mutate)

    listing = commands.add_parser("list", help="list the bundled assignments and their functions")
    listing.set_defaults(run=_list)
    return parser


def _common_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--assignment", metavar="NAME_OR_DIR",
                        help="a bundled assignment's name or an assignment folder "
                             "(default: the only bundled one; with several, each notebook is graded by the "
                             "one whose graded functions it defines most)")
    parser.add_argument("--timeout", type=float, metavar="SECONDS",
                        help="time limit per call of a student function (default: the assignment's)")


def _grade(arguments) -> int:
    if arguments.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    from grader.reports import parse_formats
    try:
        formats = parse_formats(arguments.formats)
    except ValueError as error:
        raise UsageError(str(error)) from None
    executor = arguments.executor or ("dask" if arguments.scheduler else "local")
    if executor == "local" and (arguments.scheduler or arguments.ship_notebooks):
        raise UsageError("--scheduler and --ship-notebooks are for --executor dask")
    notebooks = find_notebooks(arguments.paths)
    if arguments.assignment is None and routing.several_bundled():  # each notebook to its own
        groups = routing.group_notebooks(notebooks)
    else:
        groups = {arguments.assignment: notebooks}
    titles = {}
    for name, group in groups.items():
        assignment = load_assignment(name, timeout=_timeout(arguments))
        titles[name] = assignment.title
        out = arguments.out if len(groups) == 1 else arguments.out / name
        _grade_group(arguments, assignment, group, out, formats, executor)
    if len(groups) > 1:
        routing.write_index(arguments.out, titles)
    return 0


def _grade_group(arguments, assignment, notebooks, out: Path, formats, executor) -> None:
    """Grade ``notebooks`` with ``assignment`` into ``out``."""
    from grader.pages import PagePool
    from grader.reports import write_batch_reports
    student_environment(assignment.directory)  # built, or found, before any grading: a bad pin stops here
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UsageError(f"cannot create the output folder {out}: {error.strerror}") from None
    course = CourseRun(arguments, out, assignment, notebooks)
    with _open_gradebook(course.gradebook, assignment.name) as book:
        course.start(book)
        todo = []
        for submission_id, path in notebooks:
            key = Key(content_hash(path), assignment.fingerprint)
            if arguments.force or not book.is_current(submission_id, key):
                todo.append((submission_id, path, key))
        progress = Progress(len(todo), enabled=not arguments.quiet and sys.stderr.isatty())
        verdicts = None
        if todo:
            with contextlib.ExitStack() as stack:
                if executor == "dask":  # student code runs on the workers, each under its sandbox
                    from grader.cluster import grade_on_dask
                    graded = grade_on_dask(
                        arguments.scheduler, assignment.directory, arguments.timeout, todo,
                        ship_notebooks=arguments.ship_notebooks, require_sandbox=not arguments.no_sandbox,
                        submission_roots=[Path(p) for p in arguments.paths], jobs=arguments.jobs,
                        note=None if arguments.quiet else lambda line: print(f"note: {line}", file=sys.stderr))
                else:
                    sandbox = _sandbox(assignment, [out], [Path(p) for p in arguments.paths],
                                       required=not arguments.no_sandbox, quiet=arguments.quiet)
                    zygote = stack.enter_context(zygote_for(assignment, sandbox))
                    # a function run before with the same key (this batch, or kept in the
                    # gradebook) is not run again; --force runs every one and replaces what is kept
                    from grader.verdicts import Verdicts
                    store = stack.enter_context(contextlib.closing(book.verdict_store()))
                    verdicts = Verdicts(store, reuse=not arguments.force)
                    graded = _grade_in_parallel(zygote, assignment, todo, arguments.jobs, verdicts)
                pages = None if arguments.no_pages else PagePool(out, assignment, arguments.jobs)
                try:
                    for (submission_id, path, key), result in graded:
                        changes = book.record(result, key)
                        if pages:
                            pages.submit(result)
                        course.recorded(changes, submission_id, drawn=bool(pages))
                        progress.advance(submission_id)
                finally:  # a ClusterError after some results: their pages are still drawn
                    if pages:
                        for failure in pages.finish():
                            print(f"grader: {failure}", file=sys.stderr)
        ids = {submission_id for submission_id, _ in notebooks}
        sections = course.finish(book, ids)
        write_batch_reports(out, assignment, lambda: book.results(ids), formats,
                            by_score=lambda: book.results(ids, by_score=True), course=sections)
        invalid = book.count_invalid(ids)
    if not arguments.quiet:
        reused = len(notebooks) - len(todo)
        kept = f" ({reused} unchanged since the last run, not regraded; --force regrades)" if reused else ""
        same = (f"; {verdicts.reused} graded function(s) not run again (the same code as one run "
                "before)" if verdicts is not None and verdicts.reused else "")
        print(f"graded {len(ids) - invalid} notebook(s), {invalid} invalid{kept}{same}; reports in {out}/")


def _open_gradebook(path: Path, assignment: str) -> Gradebook:
    try:
        return Gradebook(path, assignment)
    except sqlite3.Error as error:  # a folder or a foreign file in its place: one line, not a traceback
        raise UsageError(f"cannot open the gradebook {path}: {error}") from None


def _grade_in_parallel(zygote, assignment, todo, jobs, verdicts=None):
    """(item, result) for every item of ``todo`` as each finishes; at most a few in flight, so
    memory stays flat however many notebooks there are."""
    items = iter(todo)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        def submit(item):
            submission_id, path, _ = item
            future = pool.submit(_grade_safely, zygote, assignment, path, submission_id, verdicts)
            in_flight[future] = item

        in_flight: dict = {}
        for item in itertools.islice(items, 2 * jobs):
            submit(item)
        while in_flight:
            finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in finished:
                yield in_flight.pop(future), future.result()
                following = next(items, None)
                if following is not None:
                    submit(following)


def _sandbox(assignment, outputs: list[Path], submissions: list[Path], required: bool, quiet: bool):
    hidden, shown = secrets_of(assignment, outputs, submissions)
    sandbox, reason = find_sandbox(hidden, shown)
    if sandbox is None:
        if required:
            raise UsageError(f"no sandbox: {reason}. Install bubblewrap (Debian: apt install "
                             "bubblewrap), or pass --no-sandbox to grade with process limits alone")
        if not quiet:
            print(f"note: no sandbox ({reason}); student code runs with process limits alone",
                  file=sys.stderr)
    return sandbox


def _grade_safely(zygote, assignment, path, submission_id, verdicts=None) -> SubmissionResult:
    try:
        return grade_notebook(zygote, assignment, path, submission_id, verdicts=verdicts)
    except Exception as error:  # a grader bug on one notebook must not cost the batch
        return SubmissionResult(submission_id, str(path), "invalid",
                                f"the grader failed on this notebook: {type(error).__name__}: {error}",
                                0.0, assignment.max_score)


def _check(arguments) -> int:
    path: Path = arguments.notebook
    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    timeout = _timeout(arguments)
    # a student's machine: the bundle's public cases, graded without the reference
    bundle = choose_bundle(path, arguments.bundle, arguments.assignment)
    if bundle is None and arguments.assignment is None and routing.several_bundled():
        arguments.assignment = routing.assignment_for(path)
        if arguments.assignment is None:
            raise UsageError(f"{path}: cannot tell which assignment it is for (it defines no more graded "
                             f"functions of one than of another): name it with --assignment "
                             f"({', '.join(bundled_assignments())})")
    bundled = load_bundle(bundle, timeout=timeout) if bundle is not None else None
    # the fork server (Python and numpy starting in the sandbox) boots while the assignment loads
    sandbox = _sandbox(bundled or assignment_paths(arguments.assignment), [], [path], required=False, quiet=False)
    with zygote_for(bundled or assignment_paths(arguments.assignment), sandbox) as zygote:
        assignment = bundled or load_assignment(arguments.assignment, timeout=timeout)
        unknown = [name for name in arguments.function if name not in assignment.graded_names]
        if unknown:
            raise UsageError(f"{', '.join(unknown)} is not a graded function of {assignment.name} "
                             f"(graded: {', '.join(assignment.graded_names)})")
        # a student sees the public cases (hidden ones only where the spec allows); an
        # autograder writing Gradescope's file grades them all
        view = bundled or student_view(assignment)
        graded = assignment if arguments.gradescope else view.assignment
        result = grade_notebook(zygote, graded, path, path.stem, tuple(arguments.function))
    scope = None if arguments.gradescope else view.scope_for(arguments.function or None)
    print(format_result(result, colour=use_colour(sys.stdout), scope=scope), flush=True)
    if not arguments.no_html or arguments.gradescope:
        from grader.reports import write_gradescope_json, write_submission_page
    if not arguments.no_html:
        html_path = arguments.html or path.with_name(path.stem + ".report.html")
        # no appendix: the student has the notebook open; a batch page carries it
        write_submission_page(html_path.parent, graded, result, filename=html_path.name, appendix=False)
        print(f"report: {html_path}")
    if arguments.gradescope:
        write_gradescope_json(arguments.gradescope, assignment, result)
    return 0 if result.all_passed else 1


def _release(arguments) -> int:
    from grader.release import release
    assignment = load_assignment(arguments.release_assignment)
    for path in release(assignment, arguments.out):
        print(f"wrote {path}")
    return 0


def _mutate(arguments) -> int:
    from grader import mutate
    assignment = load_assignment(arguments.assignment, timeout=_timeout(arguments))
    return mutate.command(assignment, functions=arguments.function, limit=arguments.limit,
                          jobs=arguments.jobs, in_process=arguments.in_process,
                          json_path=arguments.json, verbose=arguments.verbose)


def _list(arguments) -> int:
    for name in bundled_assignments():
        assignment = load_assignment(name)
        print(f"{name}: {assignment.title}")
        for function in assignment.functions:
            public = sum(not case.hidden for case in function.cases)
            answered = (f"; its calls of {', '.join(function.stand_ins)} are answered by the reference"
                        if function.stand_ins else "")
            print(f"  {function.name:<28} {function.points:>4g} points  "
                  f"{public} public + {len(function.cases) - public} hidden cases{answered}")
    return 0


def find_notebooks(paths: list[str]) -> list[tuple[str, str]]:
    """(id, path) for every notebook named or found below a folder named, ids unique. Paths
    stay strings: a class of ten thousand holds this list for the whole batch."""
    found: list[tuple[str, str]] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            found.extend((os.path.splitext(relative)[0], os.path.join(path, *relative.split("/")))
                         for relative in _notebooks_below(path))
        elif path.is_file() or path.is_symlink():  # a link is listed, to be refused as one
            found.append((path.stem, str(path)))
        else:
            raise UsageError(f"{name}: no such file or folder")
    if not found:
        raise UsageError(f"no notebooks (*.ipynb) in {', '.join(paths)}")
    # the same file named twice is graded once; two files with one id: the later one gets the
    # first free -N, never an id another notebook has by its own name
    taken = {submission_id for submission_id, _ in found}
    ids: set[str] = set()
    files: set[str] = set()
    unique = []
    for submission_id, path in found:
        file = os.path.normpath(os.path.abspath(path))
        if file in files:
            continue
        files.add(file)
        if submission_id in ids:
            number = 2
            while f"{submission_id}-{number}" in taken:
                number += 1
            submission_id = f"{submission_id}-{number}"
            taken.add(submission_id)
        ids.add(submission_id)
        unique.append((submission_id, path))
    return unique


def _notebooks_below(folder: Path) -> list[str]:
    """The notebooks below ``folder`` (checkpoint copies left out), as relative POSIX paths in
    the order of their parts."""
    found = []
    for directory, folders, files in os.walk(folder):
        folders[:] = [name for name in folders if name != ".ipynb_checkpoints"]
        relative = os.path.relpath(directory, folder)
        for name in files:
            path = os.path.join(directory, name)  # a link is listed, to be refused as one
            if name.endswith(".ipynb") and (os.path.isfile(path) or os.path.islink(path)):
                found.append(name if relative == "." else f"{relative}/{name}".replace(os.sep, "/"))
    return sorted(found, key=lambda relative: relative.split("/"))


def _timeout(arguments) -> float | None:
    if arguments.timeout is not None and arguments.timeout <= 0:
        raise UsageError("--timeout must be a positive number of seconds")
    return arguments.timeout


if __name__ == "__main__":
    sys.exit(main())
